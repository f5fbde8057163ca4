### Words every screen shares: a unit's status, ages, dialogs, the on-screen keyboard.

## A unit's status, with the word its tile used on the Run screen

status-pass = { -pass }
    .meaning = provisioned and recorded
status-fail = { -fail }
    .meaning = failed; nothing of it was queued
status-committing = { -open }
    .meaning = not decided: put the { -board } back in any { -slot } and run it again
status-in_progress = { -running }
    .meaning = being provisioned now
status-interrupted = { -interrupted }
    .meaning = stopped by a power cut; its credential was withdrawn
status-superseded = { -reworked }
    .meaning = provisioned again by a rework; a later { -unit } replaces it

## How long ago, at a glance

age-seconds = { $s } s
age-minutes = { $m } min
age-hours = { $h } h { $m } min
age-days = { $d ->
    [one] { $d } day
   *[other] { $d } days
}

## Dialogs

confirm-cancel = Cancel
error-unexpected = Something went wrong that the screen did not expect.
    .help = Try again; if it happens again, call a { -supervisor }.

## The on-screen keyboard

osk-show = Show the on-screen keyboard
osk-hide-label = Hide the on-screen keyboard
osk-name = On-screen keyboard
osk-hint = Touch a field, then type here.
osk-space = space
osk-delete = Delete
osk-enter = Enter
osk-hide = Hide
