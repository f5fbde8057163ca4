### The Supervisor screen: the work order, rework, batch export, each slot's product, the audit
### log, the configuration and the operators. Read by supervisors and admins, so it may be a
### little more technical than the technician's screens.

## The screen's heading and what a technician is told

sup-title = { -supervisor(form: "title") }
# Shown above the controls when a technician opens the screen: the station refuses the actions.
sup-needs-supervisor = These actions need a { -supervisor }; the { -station } refuses them for a { -technician }.

## Work order

sup-work-order = { -work-order(form: "title") }
# The work order field's name, read out by a screen reader.
sup-work-order-input = New { -work-order }
# An example of a work order number, shown in the empty field; keep the plant's own form.
sup-work-order-placeholder = WO-…
sup-work-order-button = Set { -work-order }
# Asked before the work order changes. $from: the current work order, $to: the new one.
sup-work-order-confirm-change = Change the { -work-order } from { $from } to { $to }? Every { -board } provisioned from now on is recorded under it.
# Asked before a work order is set where none was. $to: the new one.
sup-work-order-confirm-set = Set the { -work-order } to { $to }? Every { -board } provisioned from now on is recorded under it.
# Asked before the work order is emptied. $from: the current work order.
sup-work-order-confirm-clear = Clear the { -work-order } { $from }? Every { -board } provisioned from now on is recorded without one.
# Asked when the field is empty and no work order is set either.
sup-work-order-confirm-clear-none = Leave the { -station } without a { -work-order }? Every { -board } provisioned from now on is recorded without one.
# The button of the confirmation dialog.
sup-work-order-confirm-verb = Change { -work-order }
sup-work-order-done = { -work-order(form: "title") } set to { $workOrder }
sup-work-order-cleared = No { -work-order } is set now

## Rework a unit

sup-rework-title = Rework a { -unit }
sup-rework-help = Provision the { -board } in a { -slot } again although it already passed; the audit log records it.
sup-rework-slot-label = { -slot(form: "title") } to rework
# One choice in the list of slots.
sup-slot = { -slot(form: "title") } { $slot }
sup-rework-button = Rework { -slot }
# Asked before a rework, when the slot's board is not known.
sup-rework-confirm = Rework { -slot } { $slot }? The { -board } in it is provisioned again and its earlier { -unit } is replaced.
# Asked before a rework. $board: the serial of the board in the slot.
sup-rework-confirm-board = Rework { -slot } { $slot } ({ -board } { $board })? The { -board } in it is provisioned again and its earlier { -unit } is replaced.
# Asked before a rework. $board: the serial of the board in the slot; $unit: the number of its recorded unit.
sup-rework-confirm-unit = Rework { -slot } { $slot } ({ -board } { $board }, { -unit } #{ $unit })? The { -board } in it is provisioned again and its earlier { -unit } is replaced.
# The button of the confirmation dialog.
sup-rework-verb = Rework
sup-rework-done = { -slot(form: "title") } { $slot } reworked: see the Run screen

## Export a batch

sup-export-title = Export a batch
# The device operator: the customer who runs the devices in the field and enrolls them.
sup-export-help = A signed batch of { -enrollment(form: "plural") } for the device operator.
sup-export-work-order = { -work-order(form: "title") } (empty: all)
sup-export-work-order-placeholder = every { -work-order }
sup-export-queued-only = Only { -enrollment(form: "plural") } not uploaded yet
sup-export-drive = Write to
sup-export-drive-disk = this { -station }'s disk
# $label: the name of the USB stick, as the computer shows it.
sup-export-drive-usb = USB drive { $label }
sup-export-no-drive = Plug in a USB drive to take the batch away.
sup-export-button = Export batch
sup-export-busy = Exporting…
sup-export-dir = Directory
sup-export-records = Records
# The fingerprint of the batch's list of files.
sup-export-manifest = Manifest SHA-256
sup-export-certificate = Certificate
# Followed by the command the device operator types on their own computer (not on this station).
sup-export-verify = Give the device operator the directory and the certificate; they check the batch with this command:
# After an export onto the station's disk.
sup-export-done = { $count ->
    [one] Exported { $count } record
   *[other] Exported { $count } records
}
# After an export onto a USB drive: the files are on it, so it can be pulled out now. $drive: where it was written.
sup-export-done-drive = { $count ->
    [one] Exported { $count } record onto { $drive }: everything is written, the drive may be removed
   *[other] Exported { $count } records onto { $drive }: everything is written, the drive may be removed
}

## Each slot's product

sup-slots-title = { -product(form: "title") } of each { -slot }
sup-slots-help = The { -product } each { -slot } provisions. A change applies from the { -slot }'s next run; choose the configured { -product } to return a { -slot } to the configuration.
sup-slots-slot = { -slot(form: "title") }
sup-slots-product = { -product(form: "title") }
# Column: the product the station's configuration file gives the slot.
sup-slots-configured = Configured
sup-slots-product-label = { -product(form: "title") } of { -slot } { $slot }
# One choice in a slot's product list. $attestation: how the board proves itself (symmetric-key, x509, tpm), kept as it is.
sup-slots-product-option = { $product } ({ $attestation })
sup-slots-product-option-unavailable = { $product } ({ $attestation }): cannot run now
# After the configured product, when the slot runs another one now.
sup-slots-changed = (changed)
sup-slots-apply = Apply
# After Apply. $changes: the changes, each as sup-slots-change-item, joined by sup-list-join.
sup-slots-done = { $count ->
    [one] { $count } { -slot } changed: { $changes }
   *[other] { $count } { -slot(form: "plural") } changed: { $changes }
}
sup-slots-change-item = { -slot } { $slot } now runs { $product }
sup-slots-none = No { -slot } changed
sup-list-join = {", "}

## Audit log

sup-audit-title = Audit log
sup-audit-button = Show audit log

## Configuration

sup-config-title = Configuration (read-only)
sup-config-button = Show configuration

## Operators

sup-operators-title = { -operator(form: "plural-title") }
sup-operators-button = Show { -operator(form: "plural") }
# An operator's role, in the list and in the role picker.
sup-role-technician = { -technician }
sup-role-supervisor = { -supervisor }
sup-role-admin = { -admin }
# An operator whose account is locked after wrong PINs. $until: a date and time.
sup-operator-locked = locked until { $until }
sup-operator-active = active
sup-operator-unlock = Unlock
sup-operator-unlocked = { $operator } unlocked
sup-operator-id = ID
    .label = New { -operator }'s ID
sup-operator-name = Name
    .label = New { -operator }'s name
sup-operator-role-label = New { -operator }'s role
# The PIN: the operator's secret number for logging in.
sup-operator-pin = PIN
sup-operator-add = Add { -operator }
sup-operator-added = { -operator(form: "title") } { $operator } added
sup-operator-set-pin = Set PIN
sup-operator-pin-set = PIN set for { $operator }
