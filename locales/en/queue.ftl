### The Queue screen: the enrollments waiting to be uploaded to DPS, whether the uploader runs,
### the enrollments DPS refused as conflicts (a supervisor retries or resolves them), and the
### last upload errors.

## The screen's title and its counters

queue-title = Queue and upload
# Counter: enrollments waiting to be uploaded.
queue-card-queued = Queued
# Counter: enrollments being sent to DPS at this moment.
queue-card-uploading = Uploading now
queue-card-uploaded-hour = Uploaded (last hour)
queue-card-uploaded-all = Uploaded (all)
# Counter: enrollments DPS refused because it already holds another one for the same device.
queue-card-conflicts = Conflicts
# $age: how long ago, e.g. "4 min" or "2 h 5 min"; $time: the date and time it was queued.
queue-oldest = Oldest queued: { $age } ago ({ $time })
queue-oldest-none = Oldest queued: none

## Whether the uploader (the program that sends enrollments to DPS in the background) runs

queue-uploader-running = Uploader: running
# Keep "not running" (or its translation) in the three messages that say so.
queue-uploader-stopped = Uploader: not running
# Shown when enrollments are waiting: none of them reaches DPS.
queue-uploader-stopped-queued = Uploader: not running: nothing reaches { -dps } until it runs. Call a { -supervisor } to start it.
queue-uploader-unknown = Uploader: the { -station } could not tell whether it is running

## Conflicts: DPS already holds another enrollment for the same registration ID

queue-conflicts = Conflicts
queue-conflicts-help = { -dps } already holds another { -enrollment } for these registration IDs. Check it in { -dps }: if it is stale, remove it there and retry the upload; if it is the right one, mark the conflict resolved.
# Follows queue-conflicts-help, for someone who is not a supervisor.
queue-conflicts-ask = A { -supervisor } does either.
queue-conflicts-none = No conflicts.
# A table cell: the unit (one board's provisioning) whose enrollment this is, by its number.
queue-conflict-unit = { -unit } #{ $unit }
queue-retry = Retry upload
    .title = After removing the stale { -enrollment } from { -dps }: queue this { -unit }'s { -enrollment } for upload again
# $unit: the unit's number; $registration: its registration ID in DPS.
queue-retry-confirm = Queue the { -enrollment } of { -unit } #{ $unit } ({ $registration }) for upload again?
queue-retry-done = { $registration } queued for upload again
queue-resolve = Mark resolved
    .title = { -dps } already holds the right { -enrollment } for this { -unit }: mark it uploaded without uploading
queue-resolve-confirm = Mark { -unit } #{ $unit } ({ $registration }) as uploaded without uploading? Do this only if { -dps } already holds its right { -enrollment }.
queue-resolve-done = { $registration } marked resolved

## The last upload errors

queue-errors = Last errors
queue-errors-none = No upload errors.
# Where an enrollment stands, in the errors table. "superseded": a rework provisioned the board
# again and a later enrollment replaces this one. "disable_queued": a revoked board, whose
# enrollment is to be disabled in DPS so that DPS refuses it.
queue-enrollment-status = { $status ->
    [queued] waiting to upload
    [uploaded] uploaded
    [conflict] conflict
    [superseded] replaced by a rework
    [disable_queued] waiting to be disabled in { -dps }
    [disabled] disabled in { -dps }
   *[other] { $status }
}
queue-footer = Uploads run in the background; a { -supervisor } exports batches on the { -supervisor(form: "title") } screen.
