### The Units screen: the list of the newest units with its search and status filter, and one
### unit in detail (its identity, its steps with their durations, and for a supervisor its log).

## The list of units

# The screen's heading: every board the station has provisioned, newest first.
# (Written plainly: the glossary's -unit term has no capitalised plural form.)
units-title = Units
# The label of the search field above the list.
units-search = Find a { -board } ({ -serial }, registration ID or { -work-order })
# The label of the drop-down that shows only the units with one status.
units-filter-status = Status
# The first choice of the status drop-down: show units of every status.
units-filter-any = any
# One choice of the status drop-down: $word is the status as the tile shows it (PASS, OPEN…),
# $meaning says what it means ("provisioned and recorded").
units-filter-option = { $word }: { $meaning }

## The columns of the list

units-col-unit = { -unit(form: "title") }
units-col-slot = { -slot(form: "title") }
units-col-serial = { -serial(form: "title") }
units-col-status = Status
# The name the board is registered under in the cloud service (DPS).
units-col-registration-id = Registration ID
units-col-work-order = { -work-order(form: "title") }
# When the unit was finished (a date and time).
units-col-finished = Finished
# Why the unit failed, as the station recorded it.
units-col-failure = Failure

## One unit in detail

# A unit's number as a link or in a heading: "#17". $unit is the unit's number.
unit-number = #{ $unit }
# Shown while the unit's details are read.
unit-loading = Loading { -unit } { $unit }…
# The button back to the list of units.
unit-back = ← All { -unit(form: "plural") }
# The heading: "Unit #17 · slot 4 ·", followed on screen by the unit's status word (PASS, OPEN…).
unit-heading = { -unit(form: "title") } #{ $unit } · { -slot } { $slot } ·
# Shown for a unit whose result was never recorded (its status word is OPEN).
unit-open-note = The { -station } was locking this { -board } when it lost track of it, so its result is not recorded yet. Put the { -board } back in any { -slot } and run it: the { -station } reads it back and records { -pass } or { -fail } without provisioning it again.
# $step is the name of the step that failed, as the Run screen's tile shows it ("Locking the
# board"); $message is the station's reason.
unit-failed-at = Failed at the step “{ $step }”:

## The unit's identity

unit-identity = Identity
unit-serial = { -serial(form: "title") }
unit-product = { -product(form: "title") }
# How the board proves who it is: symmetric key, X.509 certificate or TPM.
unit-attestation = Attestation
# The name the board is registered under in the cloud service (DPS).
unit-registration-id = Registration ID
# The fingerprint of the board's certificate; SHA-256 is the name of the method, kept as is.
unit-certificate-thumbprint = Certificate thumbprint (SHA-256)
# The certificate's own serial number (not the serial on the board's label).
unit-certificate-serial = Certificate serial
# The certificate's serial number, whether it is still valid, and until when:
# "4F2A… (issued, until 2027-12-03 14:05:09)". "void": the certificate was withdrawn.
unit-certificate-serial-value = { $serial } ({ $status ->
    [issued] issued
    [void] void
   *[other] { $status }
}, until { $until })
# A hash of the TPM chip's endorsement key (EK): keep "EK", the name of the key.
unit-ek-hash = EK hash
# The board's enrollment: its record in the cloud service (DPS) that lets it connect.
unit-enrollment = { -enrollment(form: "title") }
# Where the enrollment is, and how many times the station tried to upload it.
unit-enrollment-value = { $status ->
    [queued] waiting to be uploaded to { -dps }
    [uploaded] uploaded to { -dps }
    [conflict] { -dps } already holds another { -enrollment }: see the Queue screen
    [superseded] replaced by a later { -unit }
    [disable_queued] waiting to be disabled in { -dps }
    [disabled] disabled in { -dps }
   *[other] { $status }
} ({ $attempts ->
    [one] { $attempts } attempt
   *[other] { $attempts } attempts
})
# The unit has no enrollment (yet).
unit-enrollment-none = none
# Who ran the unit, and the work order it was made for.
unit-operator-work-order = { -operator(form: "title") } · { -work-order }
# $operator is the badge ID of who ran the unit, $workOrder the work order.
unit-operator-work-order-value = { $operator } · { $workOrder }

## The unit's steps

# The heading of the list of steps, with the time they took together.
unit-steps = Steps ({ NUMBER($ms, maximumFractionDigits: 0) } ms)
# A step's result. (Written plainly: a step's result has no glossary term.)
unit-step-ok = ok
unit-step-failed = FAILED
# How long one step took, in milliseconds.
unit-step-duration = { NUMBER($ms, minimumFractionDigits: 1, maximumFractionDigits: 1) } ms

## The unit's log (shown to a supervisor)

unit-log = Log
