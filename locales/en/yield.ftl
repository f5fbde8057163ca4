### The Yield screen (how many boards passed and failed, per hour and why, by shift and work
### order), the whole line's panel at its end, and the line's badge in the header. "The line":
### the stations of one production line, which share one database so that no board is
### provisioned twice.

## The Yield screen's filters

yield-title = Yield
# A work shift of 8 hours (06–14, 14–22, 22–06).
yield-shift = Shift
yield-shift-all = All time
# One shift in the list: $day its first day (2026-12-03), $from and $until its hours (14:00).
yield-shift-option = { $day } { $from }–{ $until }
yield-work-order = { -work-order(form: "title") }
# Every work order.
yield-work-order-all = All

## Its counters and charts

yield-pass = { -pass }
yield-fail = { -fail }
# Counter and column: the part of the boards that passed.
yield-yield = Yield
# A share, e.g. "41.7 %": $percent is 0 to 100.
yield-percent = { NUMBER($percent, minimumFractionDigits: 1, maximumFractionDigits: 1) } %
yield-chart-hourly = { -pass } and { -fail } per hour
# The failure Pareto: one bar per error and step, the most frequent first.
yield-chart-reasons = Failure reasons (by code and step)
# The legend of the failure bars: how many units (boards provisioned) failed so.
yield-chart-units = Units
# A bar's label: $reason is the error's description, $step the step the board failed at.
yield-reason-label = { $reason } · { $step }

## The table of failure reasons

yield-reason = Reason
yield-step = Step
yield-units = Units
# The part of all failures that this reason makes.
yield-share = Share
# The running total of the shares, from the most frequent reason down to this one.
yield-cumulative = Cumulative
# The error code (e.g. station::smp::timeout).
yield-code = Code
# On a row: the message of the newest unit that failed for this reason.
yield-reason-newest = Newest: { $message }

## The whole line: every station's yield, the work orders' certificate quotas, and what a
## supervisor must look at

line-whole = Whole { -line }
# The panel's title when the screen shows one work order.
line-whole-work-order = Whole { -line } — { -work-order } { $workOrder }
line-station = { -station(form: "title") }
# When each station last reached the line's database.
line-last-seen = Last seen
# $age: how long ago, e.g. "40 s" or "6 min".
line-seen-ago = { $age } ago
line-seen-never = never
# The row of the station this screen runs on.
line-station-here = { $station } (this { -station })
# How many certificates the work order may have issued on the whole line.
line-quota = Quota
# Certificates of the quota already handed out to the stations (used or not yet).
line-handed-out = Handed out
line-issued = Issued
# A work order that takes no more boards.
line-work-order-closed = closed
# Conflicts: a serial or key that was provisioned at two stations while one of them could not
# reach the line. Followed by line-conflicts-help.
line-conflicts = { $count ->
    [one] { $count } conflict:
   *[other] { $count } conflicts:
}
line-conflicts-help = the same { -serial } or key was provisioned at two { -station(form: "plural") } while the { -line } could not be reached. A { -supervisor } decides which { -board } to keep.
# One conflict: its number, what was provisioned twice, then the two units and their stations.
line-conflict = #{ $id } { $kind } { $value }: { -unit } { $holderUnit } at { -station } { $holderStation }, and { -unit } { $unit } at { -station } { $station }
# What a conflict is about: the value both stations provisioned.
line-conflict-kind = { $kind ->
    [serial] { -serial }
    [registration_id] registration ID
    [ek_sha256] security chip
    [symkey_sha256] device key
    [cert_serial] certificate number
    [spki_sha256] certified device key
   *[other] { $kind }
}
# Boards whose station stopped while locking them. Followed by line-claims-help.
line-claims = { $count ->
    [one] { $count } { -board } stopped while being locked:
   *[other] { $count } { -board(form: "plural") } stopped while being locked:
}
line-claims-help = take each back to the { -station } named here; only that { -station } can finish it.
line-claim = { $serial } at { -station } { $station } ({ -unit } { $unit })
line-claim-no-serial = A { -board } with no known { -serial } at { -station } { $station } ({ -unit } { $unit })

## The header's line badge: whether this station reaches the line's database

# $count: how many conflicts the line found; its title says what they are.
line-badge-conflicts = { $count ->
    [one] { -line(form: "title") }: { $count } conflict
   *[other] { -line(form: "title") }: { $count } conflicts
}
    .title = Some { -board(form: "plural") } provisioned here while the { -line } could not be reached were also provisioned at another { -station }: call a { -supervisor }. The Yield screen lists them.
# $count: records of this station the line has not received yet, sent now.
line-badge-connected = { $count ->
    [0] { -line(form: "title") }: connected
   *[other] { -line(form: "title") }: connected ({ $count } still to send)
}
    .title = Connected to the { -line } database.
# The line cannot be reached and this station goes on provisioning on its own; $count: records
# it keeps to send when the line is back.
line-badge-alone = { $count ->
    [0] { -line(form: "title") }: not reachable — working alone
   *[other] { -line(form: "title") }: not reachable — working alone ({ $count } to send)
}
    .title = The { -line } database cannot be reached: this { -station } goes on provisioning, checking only its own records, and sends them to the { -line } when it is back.
line-badge-refused = { -line(form: "title") }: not reachable — provisioning stopped
    .title = The { -line } database cannot be reached: no { -board } can be provisioned until it is back. Call a { -supervisor }.
