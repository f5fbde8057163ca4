### The app shell: starting up, logging in, the header with its screens, idle logout, a
### supervisor's approval in place, leaving the station, and locked accounts.

## While the station starts, and when it cannot

app-starting = Starting…
app-start-failed = The { -station } could not start
# Under the cause of the failure, shown just above it. "Retry" is app-start-retry.
app-start-failed-help = Fix the cause above (or call the { -line } engineer with this screen), then press Retry.
app-start-retry = Retry
# On the Retry button while the station tries to start again.
app-start-trying = Trying…
app-start-tries = { $count ->
    [one] Tried again { $count } time: the cause is still there.
   *[other] Tried again { $count } times: the cause is still there.
}

## The login screen

# Under the station's name: which fixture it runs and the station's ID.
app-login-fixture = { -fixture(form: "title") } { $fixture } · { -station } { $station }
# The same, for a fixture simulated in software (for testing, no real boards).
app-login-fixture-virtual = { -fixture(form: "title") } { $fixture } (virtual) · { -station } { $station }
app-login-badge = { -operator(form: "title") } ID (scan your badge)
# The personal number typed after the badge scan.
app-pin = PIN
app-login = Log in
app-logged-out-idle = You were logged out because the { -station } was not used for a while. Log in again to go on.

## The header: the screens, who is logged in, and the buttons to leave

app-nav-run = Run
# "Units" as a screen name: every unit provisioned here, to look up.
app-nav-units = Units
app-nav-queue = Queue & upload
# The screen of how many boards passed and failed.
app-nav-yield = Yield
app-nav-supervisor = { -supervisor(form: "title") }
# The Supervisor screen's button for a technician: pressing it asks a supervisor to approve.
# Keep "(approval)" or its translation short: the navigation bar has little room.
app-nav-supervisor-approval = { -supervisor(form: "title") } (approval)
app-work-order = { -work-order(form: "title") }: { $workOrder }
app-work-order-none = { -work-order(form: "title") }: none set
# Who is logged in and their role, e.g. "Tess Tech (technician)".
app-operator = { $name } ({ $role ->
    [supervisor] { -supervisor }
    [admin] { -admin }
   *[technician] { -technician }
})
app-logout = Log out
# Closes the station program (it asks first).
app-exit = Exit

## Idle logout

app-idle-countdown = Logging out in { $seconds } s: touch the screen or press a key to stay logged in.

## A supervisor approving in a technician's session

# $name and $id: the supervisor approving; $user: the person logged in, who stays logged in.
app-approval-banner = { -supervisor(form: "title") } { $name } ({ $id }) is approving in { $user }'s session: what is done now is recorded under { $id }.
# Ends the supervisor's approval; the technician stays logged in.
app-approval-end = Done
app-approve-title = A { -supervisor } approves
app-approve-help = These controls need a { -supervisor }. The { -supervisor } scans their badge and enters their PIN here; you stay logged in.
app-approve-badge = { -supervisor(form: "title") } ID (scan the badge)
app-approve = Approve

## Leaving the station (closing the program)

app-exit-title = Leave the { -station }
app-exit-needs-supervisor = A { -supervisor }'s ID and PIN are needed to close the { -station }.
app-exit-badge = { -supervisor(form: "title") } ID
app-exit-confirm = Close the { -station }

## Accounts locked after wrong PINs (shown to supervisors)

# $name and $id: the person whose account is locked; $count: how many wrong PINs in a row.
app-lock-until-unlocked = { $name } ({ $id }) is locked after { $count ->
    [one] { $count } wrong PIN
   *[other] { $count } wrong PINs
} until a { -supervisor } unlocks it
# $until: the date and time the lock ends by itself (2026-12-03 14:05:09).
app-lock-until = { $name } ({ $id }) is locked after { $count ->
    [one] { $count } wrong PIN
   *[other] { $count } wrong PINs
} until { $until }
app-unlock = Unlock

## Choosing the screen's language at login (each button shows its language's own name)

app-language = Language
