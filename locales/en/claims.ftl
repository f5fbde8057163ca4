### Open claims, on the Units and Queue screens: boards the station stopped on while it was
### locking them, so their result is not recorded. Putting such a board back in any slot
### finishes it; a supervisor may instead declare it gone, or say it will be brought back.

## The list

# The heading; $count is how many boards are waiting.
claims-title = Waiting for { -board(form: "plural") } ({ $count })
# What to do, as a technician reads it; $count is how many boards are waiting.
claims-help = The { -station } stopped while it was locking { $count ->
    [one] this { -board }, so its result is
   *[other] these { -board(form: "plural") }, so their result is
} not recorded. Put the { -board } back in any { -slot } and run it: the { -station } reads it back and records { -pass } or { -fail } without provisioning it again. If a { -board } cannot be found, call a { -supervisor }.
# What to do, as a supervisor reads it; "declare it gone" is the button "Board is gone".
claims-help-supervisor = The { -station } stopped while it was locking { $count ->
    [one] this { -board }, so its result is
   *[other] these { -board(form: "plural") }, so their result is
} not recorded. Put the { -board } back in any { -slot } and run it: the { -station } reads it back and records { -pass } or { -fail } without provisioning it again. If a { -board } is gone for good, declare it gone (its { -enrollment } is never queued).

## One waiting board

# The slot the board was in.
claims-slot = { -slot } { $slot }
# When the station started on the board: "since 2026-12-03 14:05:09".
claims-since = since { $time }
# A supervisor said the board will be brought back: $by is the supervisor's badge ID, $time when.
claims-waiting = waiting for it ({ $by }, { $time })
# Nobody has decided yet what happens to the board.
claims-not-decided = not decided

## What a supervisor decides

# The hint inside the field where the supervisor writes why the board is gone.
claims-reason-placeholder = why it is gone
# The button (and the confirmation's verb) for a board that will never come back.
claims-void = { -board(form: "title") } is gone
    .title = The { -board } is scrapped or lost: fail the { -unit }, void its certificate, queue nothing
    .confirm = Declare { -board } { $serial } ({ -unit } #{ $unit }, { -slot } { $slot }) gone for good? Its { -unit } fails, its certificate is revoked and its { -enrollment } is never queued.
# Shown once the board is declared gone; $serial is the board's serial.
claims-void-done = { $serial } declared gone
# The button for a board that will be put back in a slot later.
claims-wait = Will be brought back
    .title = The { -board } will be put back in a { -slot }: keep waiting for it
# Shown once the supervisor said the board will be brought back.
claims-wait-done = { $serial }: waiting for the { -board }
