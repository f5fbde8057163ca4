### The Run screen: its tiles, the scan field, the run summary, and the steps of a unit.

## The run bar

run-work-order = { -work-order(form: "title") }
run-work-order-none = none set
run-product = { -product(form: "title") }
run-scan-into = Scan the { -serial } into { -slot } { $slot }
run-scan-to-start = Scan the { -serial } to start { -slot } { $slot }
run-scan-all-done = Every { -slot } has a { -serial }: tap a tile to scan it again
run-start-all = Start all
run-start-slot = Start { -slot } { $slot }
run-start = Start
run-details = Details
# "30 PASS · 0 FAIL · 2 EMPTY": the parts are joined by run-summary-join.
run-summary-pass = { $count } { -pass }
run-summary-fail = { $count } { -fail }
run-summary-fail-slots = { $count } { -fail }: { $count ->
    [one] { -slot } { $slots }
   *[other] { -slot(form: "plural") } { $slots }
}
run-summary-open = { $count } { -open }: { $count ->
    [one] { -slot } { $slots }
   *[other] { -slot(form: "plural") } { $slots }
}
run-summary-done = { $count } { -done }
run-summary-empty = { $count } { -empty }
run-summary-join = {" · "}
run-list-join = {", "}

## A product the station cannot run now

run-unavailable = { -product(form: "title") } { $product } cannot run on this { -station } now: { $why }
run-unavailable-slots = { -product(form: "title") } { $product } cannot run on this { -station } now ({ $count ->
    [one] { -slot } { $slots }
   *[other] { -slot(form: "plural") } { $slots }
}): { $why }
run-unavailable-tile = { -product(form: "title") } { $product } cannot run now: see above

## Tiles

tile-slot = { -slot(form: "title") } { $slot }
tile-no-serial = no { -serial } yet
tile-failed-at = Failed: { $step }
tile-open-help = Not decided: run this { -board } again
tile-registered = Registered with { -dps }: { $hub }
tile-mismatch = ≠ scanned { $serial }
tile-next-board = · next { -board }: { $serial }
tile-word-idle = { -ready }
tile-word-queued = { -wait }
tile-word-pass = { -pass }
tile-word-fail = { -fail }
tile-word-open = { -open }
tile-word-empty = { -empty }
tile-word-done = { -done }

## What the scan field says when a scan cannot go anywhere

scan-duplicate = { -serial(form: "title") } { $serial } is already scanned into { -slot } { $slot }
    .help = Scan the label of the { -board } in this { -slot }: one { -board }, one { -slot }.
scan-no-slot = Every { -slot } already has a { -serial } scanned
    .help = Tap the tile of the { -slot } this { -board } is in, then press Enter again.

## When a run gives a slot no result

run-no-result = The { -station } gave no result for this { -slot }.
    .help = Run the { -board } again. If it happens again, call a { -supervisor }: the log says why.
rework-failed = { -slot(form: "title") } { $slot } was not reworked: { $why }
    .help = See the { -slot }'s tile on the Run screen and the { -unit }'s details.
rework-unit-failed = the { -unit } failed

## The steps of a unit, as the tile names them while it runs

step-identify = Identifying the { -board }
step-read-ek = Reading the { -board }'s security chip
step-attest = Preparing its identity
step-keygen = Making the { -board }'s key
step-check-csr = Checking the { -board }'s certificate request
step-issue = Issuing the certificate
step-install-certificate = Installing the certificate
step-write-settings = Writing the cloud settings
step-save = Saving to the { -board }'s memory
step-reset = Restarting the { -board }
step-verify = Reading the settings back
step-lock = Locking the { -board }
step-record = Recording the { -unit }
step-register = Registering with { -dps }
