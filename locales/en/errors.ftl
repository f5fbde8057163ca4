### What a technician reads about each error code: a short label (tiles, the Yield chart), what
### happened (.says) and one thing to do (.todo). One message per code in
### crates/station-errors/src/registry.rs: err-AREA-NAME for station::AREA::NAME. The registry
### keeps the engineer's meaning and action (docs/errors.md, station explain), in English.

err-app-not_started = The { -station } did not start
    .says = The { -station } screen opened, but the { -station } behind it did not start. The start-up screen shows the cause.
    .todo = Call the line engineer and show them the start-up screen.

err-attest-no_group_key = Group key not loaded
    .says = The { -station } has no group key for this { -product }, so it cannot make the { -board }'s key. Nothing was written to the { -board }.
    .todo = Call the line engineer: the { -product }'s group key is not installed on the { -station }.

err-audit-bad_head = Audit check reference not understood
    .says = The audit log check was given a reference it cannot read. Nothing was checked.
    .todo = Call a { -supervisor }.

err-audit-head_mismatch = Audit log was changed
    .says = The audit log no longer matches the record kept away from the { -station }. Entries were removed or rewritten outside the { -station }.
    .todo = Leave the { -station } as it is and call a { -supervisor } now: the audit log was changed.

err-audit-line_copy_broken = Line's copy of the audit log was changed
    .says = The line's shared copy of this { -station }'s audit log was changed. The { -station }'s own audit log is checked separately.
    .todo = Call a { -supervisor }: the line database's copy of the audit log was changed.

err-auth-not_allowed = Not allowed for your role
    .says = Your role is not allowed to do this. Nothing was changed.
    .todo = Ask a { -supervisor } to do it.

err-auth-not_logged_in = Not logged in
    .says = No one is logged in to the { -station }, so this was not done.
    .todo = Scan your badge and enter your PIN, then try again.

err-auth-session_expired = Logged out after inactivity
    .says = The { -station } was not used for a while, so it logged you out. Nothing was done.
    .todo = Scan your badge and enter your PIN, then try again.

err-bug-revocation = { -station(form: "title") } fault while securing the certificate
    .says = The { -station } could not save the record it needs to cancel this { -board }'s certificate later, so the { -board } got no certificate and failed. This is a fault in the { -station }, not in the { -board }.
    .todo = Call the line engineer: the { -station } reported a software fault.

err-bug-slot_thread = The { -station } could not run the { -slot }
    .says = The { -station } failed to run this { -slot }, so its { -board } was marked { -fail } without being provisioned. The { -board } is not at fault.
    .todo = Run the { -slot } again.

err-bug-task = { -station(form: "title") } task stopped unexpectedly
    .says = Part of the { -station } program stopped before it finished its work. This is a fault in the { -station }.
    .todo = Call a { -supervisor } to restart the { -station }.

err-bug-tpm = { -station(form: "title") } fault at the security chip step
    .says = The { -station } reached the security chip step out of order, so the { -board } failed. This is a fault in the { -station }, not in the { -board }.
    .todo = Call the line engineer: the { -station } reported a software fault.

err-ca-crl = List of cancelled certificates not written
    .says = The { -station } could not make or save the list of cancelled certificates.
    .todo = Call the line engineer: the list of cancelled certificates could not be written.

err-ca-decrypt = Signing key could not be unlocked
    .says = The { -station } could not unlock the key it signs certificates with: the password is wrong or the key file is damaged. No certificate can be issued for this { -product }.
    .todo = Call the line engineer: the signing key could not be unlocked.

err-ca-exists = Signing certificate already installed
    .says = A signing certificate is already installed, so the new one was not put over it. Nothing was changed.
    .todo = Call a { -supervisor }.

err-ca-key_into_token = Key cannot go into the security device
    .says = The security device that holds the signing key does not accept a key from outside. Nothing was installed.
    .todo = Call the line engineer: the signing key must be made inside the security device.

err-ca-key_mismatch = Signing key does not match its certificate
    .says = The signing key and the signing certificate do not belong together, so no certificate can be issued for this { -product }.
    .todo = Call the line engineer: the signing key and certificate do not match.

err-ca-missing = Signing certificate or key missing
    .says = The files the { -station } signs certificates with are missing or unreadable, so no certificate can be issued for this { -product }.
    .todo = Call the line engineer: the signing certificate or key is missing.

err-ca-module = Security device software did not load
    .says = The { -station } could not load the software for the security device that holds the signing key, so no certificate can be issued.
    .todo = Call the line engineer: the security device's software did not load.

err-ca-no_key = No signing key given to install
    .says = A signing certificate was to be installed, but no key was found or given. Nothing was installed.
    .todo = Call a { -supervisor }.

err-ca-no_passphrase = Password for the key not set
    .says = The password for the key being installed was not provided, so the key could not be read. Nothing was installed.
    .todo = Call a { -supervisor }.

err-ca-no_x509_product = No { -product } set up for certificates
    .says = This needs a { -product } that uses certificates, and none is set up on this { -station }.
    .todo = Call the line engineer: no { -product } using certificates is set up.

err-ca-pkcs11 = Security device refused to sign
    .says = The security device that holds the signing key answered with an error, often because of a wrong PIN or a lost connection. No certificate can be issued.
    .todo = Call the line engineer: the security device that signs certificates refused.

err-ca-secret = Signing key password or PIN not available
    .says = The { -station } could not get the password or PIN that unlocks its signing key, so no certificate can be issued.
    .todo = Call the line engineer: the signing key's password or PIN is missing.

err-ca-token = Security device or signing key not found
    .says = The { -station } did not find its security device, or the signing key on it, so no certificate can be issued.
    .todo = Call the line engineer: the security device or its signing key was not found.

err-ca-unusable = Signing certificate cannot be used
    .says = The { -station }'s signing certificate or key cannot be used, so no certificate can be issued.
    .todo = Call the line engineer: the signing certificate cannot be used.

err-ca-which_product = { -product(form: "title") } not chosen
    .says = More than one { -product } uses certificates, and it was not said which one to use. Nothing was done.
    .todo = Call a { -supervisor }.

err-claim-voided = { -board(form: "title") } declared gone by a { -supervisor }
    .says = A { -supervisor } declared this unfinished { -board } gone, so its { -unit } is { -fail } and its certificate is cancelled.
    .todo = Send the { -board } to rework if it turns up.

err-claims-no_operator = { -supervisor(form: "title") } ID needed
    .says = Deciding what happens to an unfinished { -board } needs a { -supervisor }'s ID, and none was given. Nothing was changed.
    .todo = Call a { -supervisor } to make the decision.

err-claims-no_reason = No reason given for a lost { -board }
    .says = A { -board } can be declared gone only with a reason, and none was given. Nothing was changed.
    .todo = Write why the { -board } is gone (scrapped, lost or shipped), then confirm again.

err-config-inline_secret = Secret written in the configuration
    .says = A password, key or PIN is written directly in the { -station }'s configuration, which the { -station } refuses for safety.
    .todo = Call the line engineer: a secret is written in the { -station }'s configuration.

err-config-invalid = Configuration has errors
    .says = Some settings in the { -station }'s configuration do not fit together, so the { -station } cannot use it.
    .todo = Call the line engineer: the { -station }'s configuration has errors.

err-config-invalid_value = Configuration setting not acceptable
    .says = A setting in the { -station }'s configuration has a value that is not allowed.
    .todo = Call the line engineer: a configuration setting has a wrong value.

err-config-missing_key = Configuration setting missing
    .says = A setting the { -station } needs is missing from its configuration.
    .todo = Call the line engineer: a configuration setting is missing.

err-config-read = Configuration cannot be shown
    .says = The { -station } could not read its configuration file to show it.
    .todo = Call the line engineer: the { -station } cannot read its configuration file.

err-config-syntax = Configuration file has a typing error
    .says = The { -station }'s configuration file has a mistake in its text, so the { -station } cannot read it.
    .todo = Call the line engineer: the configuration file has a typing error.

err-config-unknown_key = Unknown setting in the configuration
    .says = The { -station }'s configuration has a setting the { -station } does not know, often a misspelling.
    .todo = Call the line engineer: the configuration has an unknown setting.

err-config-unknown_value = Unknown value in the configuration
    .says = A setting in the { -station }'s configuration has a value the { -station } does not know.
    .todo = Call the line engineer: a configuration setting has an unknown value.

err-config-unreadable = Configuration file not found or unreadable
    .says = The { -station } cannot find or open its configuration file.
    .todo = Call the line engineer: the { -station }'s configuration file cannot be read.

err-config-unsafe_file = Configuration file not protected
    .says = The configuration file, or a file with a password or key, can be changed by people who should not, so the { -station } refused to use it.
    .todo = Call the line engineer: a configuration file is not protected.

err-config-wrong_type = Configuration setting of the wrong kind
    .says = A setting in the { -station }'s configuration has the wrong kind of value, such as text where a number is expected.
    .todo = Call the line engineer: a configuration setting has the wrong kind of value.

err-demo-allocation_hook = Demo assignment service did not start
    .says = The demonstration could not start its local service that decides where { -board(form: "plural") } register, so it did not run.
    .todo = Call the line engineer: the demonstration could not start.

err-demo-dps_local = Demo DPS did not start
    .says = The demonstration could not start its local stand-in for { -dps }, so nothing was uploaded.
    .todo = Call the line engineer: the demonstration could not start.

err-demo-fixture = Virtual { -fixture } did not start
    .says = The demonstration could not start its simulated { -fixture } and { -board(form: "plural") }.
    .todo = Call the line engineer: the demonstration could not start.

err-demo-line_db = Demo line database did not start
    .says = The line demonstration could not start its temporary line database, so it did not run.
    .todo = Call the line engineer: the demonstration could not start.

err-demo-line_size = Wrong size for a demo line
    .says = The demonstration line was asked for a size it does not allow. Nothing was started.
    .todo = Call a { -supervisor }.

err-demo-no_fixture = Demo has no virtual { -fixture } set up
    .says = The demonstration configuration does not say how to connect its simulated { -fixture }, so it cannot start.
    .todo = Call the line engineer: the demonstration configuration is incomplete.

err-demo-not_enrolled = Passed { -unit(form: "plural") } missing from the demo { -dps }
    .says = After the demonstration's upload, some { -unit(form: "plural") } marked { -pass } were not found in its local { -dps }, or were found with different details.
    .todo = Call a { -supervisor }.

err-demo-not_registered = Demo { -board(form: "plural") } did not register or reach their hub
    .says = In the demonstration, some provisioned { -board(form: "plural") } did not register with its local { -dps } or did not connect to their hub.
    .todo = Call the line engineer.

err-demo-programs = Demo programs missing
    .says = A program the demonstration needs is not installed on this PC, so the demonstration stopped before starting.
    .todo = Call the line engineer: a program the demonstration needs is missing.

err-demo-tpm_ca = Demo set-up failed
    .says = The demo could not prepare the simulated security chips of its { -board(form: "plural") }, so the demo cannot run.
    .todo = Call the line engineer: the demo's security chip software is missing.

err-dut-locked = { -board(form: "title") } already locked
    .says = This { -board } is already locked and cannot be provisioned again. It is marked { -fail } and nothing was written to it.
    .todo = Send the { -board } to rework to have it unlocked.

err-dut-missing_capability = Wrong { -board } for this { -product }
    .says = This { -board } cannot do what the { -product } needs; it is probably the wrong { -board } or the wrong { -product } for this { -slot }. The { -board } is marked { -fail } and nothing was written to it.
    .todo = Check that the { -board } is made for the { -product } shown for this { -slot }.

err-explain-unknown = Not an error code
    .says = The text given is not an error code the { -station } knows.
    .todo = Copy the error code exactly as the message shows it.

err-export-bad_payload = Stored enrollments are damaged
    .says = Some enrollments waiting for export are damaged, which means the { -station }'s records were changed from outside. Nothing was exported.
    .todo = Call a { -supervisor }: the { -station }'s records were changed from outside.

err-export-bad_recipient = Device operator's key not valid
    .says = A key set for the device operator is not a valid key, so the batch could not be protected for them. Nothing was exported.
    .todo = Call the line engineer: the device operator's export key is not valid.

err-export-drive_write = Export to the USB drive failed
    .says = The batch could not be written to the USB drive: it may be full, write-protected or pulled out. What is on the drive is incomplete.
    .todo = Do not use that copy: check that the USB drive has room and is not write-protected, then export again.

err-export-empty = Nothing to export
    .says = No enrollment matches the chosen { -work-order } or time range, so nothing was exported.
    .todo = Check the { -work-order } and the time range, then export again.

err-export-io = Export could not be written
    .says = The batch could not be written to the chosen folder, perhaps because the disk is full. The export is not complete.
    .todo = Call a { -supervisor }: the export could not be written to the disk.

err-export-no_drive = USB drive not plugged in
    .says = The USB drive chosen for the export is no longer there, so nothing was written.
    .todo = Plug the USB drive in again, wait until it shows in the list, then export.

err-export-no_upload_section = No export signing key
    .says = The { -station } has no signing key for exports, so it cannot export a batch.
    .todo = Call the line engineer: the { -station }'s export signing key is not set up.

err-export-output_not_empty = Export folder not empty
    .says = The chosen folder already holds files, and an export never writes over files. Nothing was written.
    .todo = Choose a new, empty folder for the export.

err-export-seal_io = Protected batch could not be written
    .says = The batch was signed, but its protected copy could not be written, perhaps because the disk is full. Nothing was exported, and a leftover folder remains on the { -station }.
    .todo = Call a { -supervisor }: the export failed and left a folder behind that must be deleted.

err-export-sealed_for_others = Device keys protected for someone else
    .says = Some enrollments in this batch hold device keys protected for someone other than the device operator, who could not open them. Nothing was exported.
    .todo = Call the line engineer: these enrollments must be uploaded to { -dps }, not exported.

err-export-signing_key = Export signing key not usable
    .says = The { -station }'s export signing key or its certificate could not be loaded, so nothing was exported.
    .todo = Call the line engineer: the { -station }'s export signing key is not usable.

err-fixture-virtual = Virtual { -fixture } did not start
    .says = The { -station }'s built-in virtual { -fixture }, with its simulated { -board(form: "plural") }, did not start.
    .todo = Call the line engineer: the { -station }'s virtual { -fixture } did not start.

err-identify-bad_board_string = { -board(form: "title") } reports a bad identity
    .says = The { -board } reports a { -serial }, model or version that is empty, too long or has characters that are not allowed. The { -board } is marked { -fail } and nothing was written to it.
    .todo = Take the { -board } off the { -fixture } and send it to rework: its firmware reports a bad identity.

err-identify-serial_mismatch = Scanned { -serial } is not this { -board }'s
    .says = The { -board } in this { -slot } reports a different { -serial } from the label scanned for it: the { -board } may have been swapped, or the label scanned into the wrong { -slot }. The { -board } is marked { -fail }.
    .todo = Check which { -board } is in this { -slot }, scan its own label and run the { -slot } again.

err-identity-bad_registration_id = Registration ID could not be made
    .says = The { -station } could not make a valid registration ID from this { -board }'s { -serial }, which is too long or has a character that is not allowed. The { -board } is marked { -fail } and nothing was written to it.
    .todo = Call the line engineer: this { -serial } cannot be turned into a registration ID.

err-import-already_imported = Batch already imported
    .says = This batch was already imported into { -dps }. Importing it again could bring back devices that were removed on purpose, so nothing was sent.
    .todo = Call a { -supervisor }: this batch was already imported.

err-import-incomplete = Import left enrollments out
    .says = The import into { -dps } finished, but some enrollments were refused, are in conflict or were not imported.
    .todo = Call a { -supervisor } to resolve the conflicts, then run the import again.

err-import-journal = Import progress file not usable
    .says = The file where the import keeps its progress could not be read or written, or it belongs to another batch.
    .todo = Call a { -supervisor }: the import's progress file is not usable.

err-import-no_target = No { -dps } service chosen for the import
    .says = The import was not told which { -dps } service to send the batch to.
    .todo = Call a { -supervisor }: the import needs to know its { -dps } service.

err-import-other_journal = Progress file of another import
    .says = The import's progress file belongs to another batch or another { -dps } service.
    .todo = Call a { -supervisor }: the import needs a new progress file.

err-import-registry = List of finished imports not usable
    .says = The file that lists finished imports could not be read or written, so the import could not tell whether this batch was already imported.
    .todo = Call a { -supervisor }: the list of finished imports cannot be read.

err-import-sealed = Protected device keys not opened
    .says = The batch holds protected device keys, and they could not be opened, or an opened key does not match its enrollment.
    .todo = Call a { -supervisor }, and do not import this batch until they have checked it.

err-import-stopped = Import stopped
    .says = The import was stopped before every enrollment was in { -dps }. What { -dps } already received is kept.
    .todo = Run the same import again: it goes on where it stopped.

err-kiosk-slots_running = Cannot close: { -slot(form: "plural") } still running
    .says = The { -station } was asked to close while { -slot(form: "plural") } are still provisioning, so it stays open.
    .todo = Wait until every tile shows { -pass } or { -fail }, then close the { -station }.

err-line-empty_work_order = Empty { -work-order }
    .says = An empty { -work-order } was given. Nothing was changed.
    .todo = Enter the { -work-order }'s ID and try again.

err-line-no_operator = Line change needs a { -supervisor }
    .says = Changing the { -work-order } or a { -slot }'s { -product } is recorded and needs a { -supervisor }'s ID, which was not given. Nothing was changed.
    .todo = Call a { -supervisor } to make the change with their ID.

err-line-unknown_product = Unknown { -product }
    .says = A { -slot } was to be set to a { -product } the { -station } does not know. Nothing was changed.
    .todo = Call a { -supervisor }: this { -product } is not set up on the { -station }.

err-line-unknown_slot = Unknown { -slot }
    .says = A { -slot } number was given that is not on this { -fixture }. Nothing was changed.
    .todo = Use a { -slot } number shown on this { -fixture }.

err-linedb-bad_role = Line database login refused
    .says = The { -station }'s ID or password cannot be used to log in to the line database.
    .todo = Call the line engineer: the { -station }'s line database login is not valid.

err-linedb-error = Line database refused a request
    .says = The line database answered with an error. If a { -board } was running, it is marked { -fail } and nothing was written to it.
    .todo = Call the line engineer: the line database reports an error.

err-linedb-held = { -board(form: "title") } already held by another { -station }
    .says = The line database says another { -station } already has this { -board }'s { -serial } or identity. The { -board } is marked { -fail }; nothing lasting was done to it.
    .todo = Set the { -board } aside and call a { -supervisor }: the line already has this { -serial }.

err-linedb-migrate = Line database needs an update
    .says = The { -station } could not bring the line database up to date, so it cannot use it.
    .todo = Call the line engineer: the line database needs attention.

err-linedb-no_admin = Line administrator login not set up
    .says = This task needs the line's administrator login, and the { -station } has none.
    .todo = Call a { -supervisor }: only a { -supervisor } can do this task.

err-linedb-no_conflict = No such open conflict
    .says = The conflict number given is not open: it was already resolved or never existed. Nothing was changed.
    .todo = Take a conflict number from the list on the Yield screen.

err-linedb-no_note = Conflict needs an ID and a note
    .says = Resolving a line conflict is recorded and needs both the { -supervisor }'s ID and a note of what was done with the { -board(form: "plural") }. Nothing was changed.
    .todo = Resolve the conflict again with the { -supervisor }'s ID and a note.

err-linedb-not_configured = { -station(form: "title") } not set up for the line
    .says = This task needs the line database, and the { -station } is not set up to use one.
    .todo = Call the line engineer: the { -station } is not set up for the line database.

err-linedb-password = Line database password missing
    .says = The { -station } could not find its password for the line database.
    .todo = Call the line engineer: the line database password is missing on this { -station }.

err-linedb-quota_exhausted = { -work-order(form: "title") } quota used up
    .says = All certificates allowed for this { -work-order } have been handed out, or the { -work-order } is closed, so this { -station } gets no more.
    .todo = Call a { -supervisor }: the { -work-order } is finished or its quota must be raised.

err-linedb-tls = Line database certificate not usable
    .says = The { -station } could not read the certificate it needs to connect securely to the line database.
    .todo = Call the line engineer: the line database certificate on this { -station } is not usable.

err-linedb-unknown_work_order = { -work-order(form: "title") } unknown to the line
    .says = The line database has no such { -work-order }.
    .todo = Check the { -work-order }'s ID and enter it again.

err-linedb-unreachable = Line database unreachable
    .says = The { -station } could not reach the line database, or the connection dropped. If a { -board } was running, it is marked { -fail } and nothing was written to it.
    .todo = Check the { -station }'s network cable, then run the { -slot } again.

err-linedb-wrong_role = Wrong line database login
    .says = The { -station } logged in to the line database with a login that is not its own; each { -station } has its own.
    .todo = Call the line engineer: the { -station }'s line database login is wrong.

err-link-closed = { -slot(form: "title") }'s port not open
    .says = The { -station } tried to talk to the { -board }, but the { -slot }'s connection was not open. The { -board } is marked { -fail }.
    .todo = Run the { -slot } again; if it happens again, call the line engineer.

err-link-disconnected = { -board(form: "title") } disconnected
    .says = The connection to the { -board } was lost in the middle of a step: the { -board } moved, the cable came out, or the { -board } restarted. The { -board } is marked { -fail }.
    .todo = Check that the { -board } is seated and the cable is in, then run the { -slot } again.

err-link-io = Connection to the { -board } failed
    .says = Sending to or reading from the { -board } over the { -slot }'s connection failed. The { -board } is marked { -fail }.
    .todo = Reseat the USB cable, then run the { -slot } again.

err-link-open_failed = { -slot(form: "title") }'s port could not be opened
    .says = The { -station } could not open the { -slot }'s connection: the { -fixture } cable may be out, or another program is using it. Nothing was done to the { -board }.
    .todo = Check the { -fixture } cable; if it is in, call the line engineer.

err-lock-unconfirmed = { -board(form: "title") } did not confirm the lock
    .says = The { -board } did not answer when it was told to lock, so it may or may not be locked. It shows { -open } until it is run again: neither { -pass } nor { -fail }.
    .todo = Put the same { -board } back in any { -slot } and run it again.

err-login-failed = Operator ID or PIN wrong
    .says = The operator ID or the PIN is not right; the { -station } does not say which. Too many wrong tries lock the account.
    .todo = Scan your badge again and retype your PIN.

err-login-locked = Operator locked out
    .says = Too many wrong PINs were entered, so this account is locked until the time shown.
    .todo = Call a { -supervisor } to unlock your account.

err-operators-bad_language = Language not known
    .says = The language given for an { -operator } is not one this { -station } speaks. Nothing was changed.
    .todo = Pick English, Chinese or Spanish.

err-operators-exists = Operator ID already taken
    .says = An operator with this ID already exists, so no one was added.
    .todo = Choose another ID for the new operator.

err-operators-first_admin = No operators set up yet
    .says = The { -station } has no operators yet. The first one is an admin, and only the line engineer can add it on the PC itself.
    .todo = Call the line engineer: the { -station } needs its first admin.

err-operators-hash = Stored PIN could not be checked
    .says = The saved PIN of this operator is damaged, so the { -station } cannot check it.
    .todo = Call a { -supervisor }: an admin must set this operator's PIN again.

err-operators-invalid_id = Invalid operator ID
    .says = The operator ID has characters that are not allowed, or it is too long. Nothing was changed.
    .todo = Use only letters, digits, dots, hyphens and underscores, at most 64 characters.

err-operators-no_operator = Changing operators needs an admin
    .says = Adding an operator or setting a PIN needs an admin's approval, and unlocking needs a { -supervisor }'s. None was given, so nothing was changed.
    .todo = Call a { -supervisor } or an admin to approve with their badge and PIN.

err-operators-no_pin = No PIN given
    .says = A PIN was needed, but none was entered. Nothing was changed.
    .todo = Enter the PIN and try again.

err-operators-unknown = No such operator
    .says = No operator has this ID. Nothing was changed.
    .todo = Check the ID in the list of operators and try again.

err-operators-unknown_role = Unknown operator role
    .says = The role must be { -technician }, { -supervisor } or admin. Nothing was changed.
    .todo = Choose { -technician }, { -supervisor } or admin as the role.

err-operators-weak_pin = PIN does not meet the rules
    .says = A PIN must be 4 to 12 digits, so this one was not set.
    .todo = Choose a PIN of 4 to 12 digits.

err-ports-discovery = Ports could not be listed
    .says = The { -station } could not list the PC's ports and USB devices, so it cannot tell which { -board } is in which { -slot }.
    .todo = Call the line engineer: the { -station } cannot see its ports.

err-queue-no_conflict = No upload conflict for this ID
    .says = This registration ID has no upload conflict, so nothing was changed.
    .todo = Pick the registration ID from the list of conflicts on the Queue screen.

err-queue-no_operator = Conflict decision needs a { -supervisor }
    .says = A decision on an upload conflict is recorded under a { -supervisor }'s ID, and none was given. Nothing was changed.
    .todo = Call a { -supervisor } to decide the conflict.

err-record-encode = Enrollment could not be prepared
    .says = The { -station } could not prepare this { -board }'s enrollment for upload, so the { -unit } is marked { -fail }. This is a fault in the { -station }'s software.
    .todo = Call the line engineer: the { -station } has a software fault.

err-record-no_unit = { -unit(form: "title") } missing from the records
    .says = The { -station } needed this { -board }'s record but had never saved it, so the { -unit } is marked { -fail }. This is a fault in the { -station }'s software.
    .todo = Call the line engineer: the { -station } has a software fault.

err-record-seal = Device key could not be protected
    .says = The { -station } could not lock away the { -board }'s new key for safe keeping, so nothing was saved and the { -unit } is marked { -fail }.
    .todo = Call the line engineer: the keys that protect device secrets are wrong.

err-recover-mismatch = { -board(form: "title") } does not match its record
    .says = This unfinished { -board } does not hold what the { -station } gave it: a setting, its certificate or its key differs. The { -unit } is marked { -fail } and nothing is queued for it.
    .todo = Send the { -board } to rework.

err-register-bad_answer = { -board(form: "title") } gave a bad registration answer
    .says = The { -board }'s answer to the registration check makes no sense. It had passed, but is now marked { -fail } and its certificate is void.
    .todo = Send the { -board } to rework: its firmware's registration step is faulty.

err-register-conflict = Enrollment conflict blocks registration
    .says = { -dps } already holds a different enrollment for this { -board }, so it was not registered. It had passed, but is now marked { -fail } and its certificate is void.
    .todo = Call a { -supervisor } to resolve the conflict on the Queue screen.

err-register-no_network = { -board(form: "title") } has no network here
    .says = The { -board } has no network on this { -fixture }, so it could not register with { -dps }. It had passed, but is now marked { -fail } and its certificate is void.
    .todo = Call the line engineer: the { -board(form: "plural") } on this { -fixture } have no network.

err-register-not_uploaded = Enrollment not uploaded in time
    .says = The { -board }'s enrollment did not reach { -dps } in time, so the { -board } could not register. It had passed, but is now marked { -fail } and its certificate is void.
    .todo = Call a { -supervisor }: the uploader may not be running.

err-register-refused = { -dps } refused the { -board }'s registration
    .says = The { -board } asked { -dps } to register it, and { -dps } refused. It had passed, but is now marked { -fail } and its certificate is void.
    .todo = Send the { -board } to rework.

err-register-stopped = Stopped before registration
    .says = The { -station } was stopped while the { -board } waited to register. It had passed, but is now marked { -fail } and its certificate is void.
    .todo = Send the { -board } to rework once the { -station } is running again.

err-register-superseded = Enrollment replaced before upload
    .says = The { -board } was reworked before this enrollment was uploaded, so this { -unit } is marked { -fail }.
    .todo = Run the { -board } again.

err-register-unreachable = { -board(form: "title") } could not reach { -dps }
    .says = The { -board } tried to register but could not reach { -dps } over the { -fixture }'s network. It had passed, but is now marked { -fail } and its certificate is void.
    .todo = Call the line engineer: the { -fixture }'s network cannot reach { -dps }.

err-run-closing = { -station(form: "title") } is closing
    .says = The { -station } is closing: running { -slot(form: "plural") } are stopping and no new run starts.
    .todo = Wait until the { -station } has closed, then start it again.

err-run-initial_twin = { -product(form: "title") }'s starting cloud settings unusable
    .says = A { -product }'s starting cloud settings are set up wrongly, so the run does not start.
    .todo = Call the line engineer: the { -product }'s starting cloud settings are wrong.

err-run-no_operator = No operator given
    .says = Every run is recorded under the operator who starts it, and none was given. No { -board } was started.
    .todo = Log in again, then start the run.

err-run-no_port = { -slot(form: "title") } has no port
    .says = A { -slot } is not linked to any port of the PC, so the run does not start.
    .todo = Call the line engineer: a { -slot } has no port set up.

err-run-no_supervisor = Rework needs a { -supervisor }
    .says = Running a { -board } again after it passed is a { -supervisor }'s decision, and none approved it. Nothing was run.
    .todo = Call a { -supervisor } to approve the rework.

err-run-ports_file = { -fixture(form: "title") }'s port map not readable
    .says = The { -station } could not read which port each { -slot } uses, so the run does not start.
    .todo = Call the line engineer: the { -fixture }'s port map cannot be read.

err-run-seal_recipients = Keys that protect device secrets not loaded
    .says = The keys the { -station } uses to protect each { -board }'s secrets cannot be read, so the { -station } does not start.
    .todo = Call the line engineer: the keys that protect device secrets are missing or wrong.

err-run-secret = Group key could not be loaded
    .says = A { -product }'s group key is missing or not valid, so the { -station } does not start.
    .todo = Call the line engineer: the { -product }'s group key is missing.

err-run-slot_busy = { -slot(form: "title") } still running
    .says = This { -slot } is still provisioning its { -board }.
    .todo = Wait for the { -slot } to finish, then start it again.

err-run-stopped = Stopped before the { -board } finished
    .says = The { -station } was stopped before this { -board } finished, before anything lasting was done to it.
    .todo = Run the { -slot } again when the { -station } is back.

err-run-tpm_vendor_roots = Security chip certificates not loaded
    .says = The certificates that check a { -product }'s security chips could not be loaded, so the run does not start.
    .todo = Call the line engineer: the security chip certificates for this { -product } are missing.

err-run-unknown_product = { -slot(form: "title") } uses an unknown { -product }
    .says = A { -slot } is set to a { -product } this { -station } does not know, so the run does not start.
    .todo = Call a { -supervisor } to choose a known { -product } for the { -slot }.

err-run-unknown_slot = { -slot(form: "title") } not on this { -fixture }
    .says = The run asked for a { -slot } this { -fixture } does not have, so it does not start.
    .todo = Start one of the { -slot(form: "plural") } shown on the Run screen.

err-secrets-keygen = { -station(form: "title") } keys not created
    .says = The { -station } could not create its new keys, or keys already exist there and are never replaced.
    .todo = Call the line engineer: the { -station }'s keys could not be created.

err-slot-already_done = { -board(form: "title") } already provisioned: { -done }
    .says = This { -board } was already provisioned by this { -station } and is complete. Nothing was done and nothing was recorded.
    .todo = Take the { -board } out and put the next one in.

err-slot-blocked = { -slot(form: "title") } blocked after repeated failures
    .says = Several { -board(form: "plural") } failed in this { -slot } after getting a certificate or key, or one { -board } failed again and again. The { -station } starts nothing in this { -slot } until a { -supervisor } clears it.
    .todo = Set the last { -board(form: "plural") } from this { -slot } aside and call a { -supervisor }.

err-slot-empty = { -slot(form: "title") } empty
    .says = No { -board } answered in this { -slot }, so it is shown as { -empty } and nothing is recorded for it.
    .todo = Put a { -board } in the { -slot } and start it.

err-slot-no_operator = Clearing a { -slot } needs a { -supervisor }
    .says = Only a { -supervisor } can clear a blocked { -slot }, and none was given. Nothing was changed.
    .todo = Call a { -supervisor } to clear the { -slot }.

err-slot-no_reason = Clearing a { -slot } needs a reason
    .says = A blocked { -slot } is cleared only with a reason for the audit log, and none was given. Nothing was changed.
    .todo = Write what was checked as the reason, then clear the { -slot } again.

err-slot-not_blocked = { -slot(form: "title") } is not blocked
    .says = This { -slot } is not blocked, so there is nothing to clear.
    .todo = Choose a { -slot } that is blocked.

err-smp-corrupted = { -board(form: "title") } answers garbled
    .says = The { -board }'s answers arrived damaged, even after retries, so the { -unit } is marked { -fail }.
    .todo = Reseat the { -board } and run the { -slot } again.

err-smp-malformed = { -board(form: "title") } sent an unreadable answer
    .says = The { -board } answered with something the { -station } does not understand, so the { -unit } is marked { -fail }.
    .todo = Send the { -board } to rework: its firmware may be the wrong version.

err-smp-other = Communication with the { -board } failed
    .says = Talking to the { -board } failed for a reason the { -station } cannot name, so the { -unit } is marked { -fail }.
    .todo = Run the { -slot } again; if it fails again, send the { -board } to rework.

err-smp-refused = { -board(form: "title") } refused a command
    .says = The { -board } refused a step, for example because it is already locked or its firmware lacks that step, so the { -unit } is marked { -fail }.
    .todo = Send the { -board } to rework: it may not have the manufacturing firmware.

err-smp-timeout = Board stopped answering
    .says = The { -board } stopped answering the { -station }, even after several tries. The { -board } is marked { -fail }.
    .todo = Reseat the { -board } and run the { -slot } again.

err-store-audit_chain_broken = Audit log altered
    .says = The { -station }'s audit log was changed from outside the { -station }: a record was edited, removed or added. The log is evidence and must be checked.
    .todo = Call a { -supervisor } now: provisioning must stop until the audit log is checked.

err-store-certificate_serial_taken = Certificate number already used
    .says = The { -station } kept drawing certificate numbers that were already used. No certificate was issued and the { -board } is marked { -fail }.
    .todo = Run the { -slot } again.

err-store-create_dir = Station cannot create its database
    .says = The { -station } could not create the database where it keeps its records. It cannot record or provision any { -board }.
    .todo = Call the line engineer: the { -station } cannot create its database.

err-store-duplicate = { -board(form: "title") } already provisioned
    .says = This { -board } was already provisioned by the { -station }. Nothing was written and the { -board } is marked { -fail }.
    .todo = Set the { -board } aside and call a { -supervisor } if it must be provisioned again.

err-store-duplicate_open = { -board(form: "title") }'s last run is not finished
    .says = This { -board } is still { -open }: the { -station } could not tell whether it was locked last time. Nothing was written and the { -board } is marked { -fail }.
    .todo = Put the { -board } in a { -slot } on its own and run it, so the { -station } can finish it.

err-store-duplicate_running = Same { -board } already in another { -slot }
    .says = A { -board } with this { -serial } is being provisioned right now. Nothing was written and this { -board } is marked { -fail }.
    .todo = Take this { -board } out of the { -fixture } and check its label.

err-store-invalid_enrollment_state = Enrollment not in the right state
    .says = This enrollment is not in the state the action needs, for example it is no longer a conflict. Nothing was changed.
    .todo = Open the Queue screen again and act on what it shows.

err-store-invalid_input = Station program fault
    .says = The { -station } tried to save a value it should never produce. This is a fault in the { -station }'s program.
    .todo = Call the line engineer: the { -station } has a program fault.

err-store-invalid_state = Unit not in the right state
    .says = This { -unit } is not in the state the action needs, for example it is still being provisioned. Nothing was changed.
    .todo = Check the { -unit } on the Units screen before you try again.

err-store-json = Unreadable data in the database
    .says = The { -station } found data it cannot read in its database. This is a fault in the { -station }'s program, or the database was changed from outside.
    .todo = Call the line engineer: the { -station }'s database holds data it cannot read.

err-store-lease_exhausted = Station has no certificates left
    .says = This { -station } has used all the certificates it was given for the { -work-order } and could not get more. No certificate was issued and the { -board } is marked { -fail }.
    .todo = Call a { -supervisor }: the { -station } cannot get more certificates for this { -work-order }.

err-store-migrate = Database upgrade failed
    .says = The { -station } could not upgrade its database for this software version. The database was left as it was.
    .todo = Call the line engineer: the { -station }'s database upgrade failed.

err-store-missing = No station database found
    .says = The { -station } found no database, so it has nothing to show.
    .todo = Call the line engineer: the { -station } cannot find its database.

err-store-no_open_claim = Not an unfinished board
    .says = This { -unit } is not an unfinished { -board }: it was already finished, failed or declared gone. Nothing was changed.
    .todo = Check the list of waiting { -board(form: "plural") } on the Units screen.

err-store-not_wal = Database not on a local disk
    .says = The { -station }'s database is not on this computer's own disk, for example it is on a network drive. The { -station } will not run that way.
    .todo = Call the line engineer: the { -station }'s database must be on a local disk.

err-store-open = Database could not be opened
    .says = The { -station } could not open its database.
    .todo = Call the line engineer: the { -station } cannot open its database.

err-store-quota_reached = Work order quota reached
    .says = The { -work-order } already has all the certificates it allows. No certificate was issued and the { -board } is marked { -fail }.
    .todo = Call a { -supervisor }: this { -work-order } has reached its quota.

err-store-run_exists = Run already started
    .says = A run with this ID was already started, so it was not started again.
    .todo = Start a new run from the Run screen.

err-store-run_finished = Run already finished
    .says = This run is already finished: no { -board } can be added to it.
    .todo = Start a new run from the Run screen.

err-store-schema_too_new = Database from a newer version
    .says = The { -station }'s database was written by a newer version of the { -station } software. This version must not change it.
    .todo = Call the line engineer: the { -station } software is older than its database.

err-store-sqlite = Station database error
    .says = The { -station } could not use its database; the disk may be full or busy. If a { -board } was running, it is marked { -fail }.
    .todo = Call the line engineer: the { -station } cannot save to its database.

err-store-sync = Records not safely saved to disk
    .says = The { -station } could not make sure its records were written to disk, so they could be lost in a power cut. The { -board } was not locked and is marked { -fail }.
    .todo = Call the line engineer before you run more { -board(form: "plural") }: the { -station }'s disk may be full or failing.

err-store-unknown_enrollment = No such enrollment
    .says = The { -station } has no enrollment with this ID. Nothing was changed.
    .todo = Open the Queue screen again and pick an enrollment from there.

err-store-unknown_run = No such run
    .says = The { -station } has no run with this ID.
    .todo = Call a { -supervisor }.

err-store-unknown_unit = No such unit
    .says = The { -station } has no { -unit } with this number. Nothing was changed.
    .todo = Pick the { -unit } from the list on the Units screen.

err-tpm-duplicate_ek = Security chip already used by another board
    .says = This { -board }'s security chip already belongs to another { -unit }. Two { -board(form: "plural") } never share a chip, so it may be a copy; nothing was written and the { -board } is marked { -fail }.
    .todo = Call a { -supervisor }: this { -board } must be set aside.

err-tpm-ek_cert_invalid = Security chip certificate unusable
    .says = The { -board }'s security chip holds no usable certificate. The { -board } is marked { -fail }.
    .todo = Call a { -supervisor }: this { -board } must be set aside.

err-tpm-ek_cert_mismatch = Security chip certificate does not match
    .says = The certificate in the { -board }'s security chip belongs to a different chip: the chip was changed or the certificate was copied. The { -board } is marked { -fail }.
    .todo = Call a { -supervisor }: this { -board } must be set aside.

err-tpm-ek_cert_not_valid_now = Security chip certificate not valid now
    .says = The certificate in the { -board }'s security chip is not valid at the { -station }'s current date and time. The { -board } is marked { -fail }.
    .todo = Call a { -supervisor }: the { -station }'s clock may be wrong, or the chip's certificate has expired.

err-tpm-ek_cert_untrusted = Security chip maker not trusted
    .says = The { -board }'s security chip comes from a maker this { -product } does not trust, so the chip may not be genuine. The { -board } is marked { -fail }.
    .todo = Call a { -supervisor }: this { -board } must be set aside until its chip maker is approved.

err-tpm-ek_not_held = Security chip failed its identity check
    .says = The { -board }'s security chip could not prove that its key is its own; the chip may be swapped or faked. Nothing was written and the { -board } is marked { -fail }.
    .todo = Call a { -supervisor }: this { -board } must be set aside and not run again.

err-tpm-ek_template = Security chip key does not fit the { -product }
    .says = The key in the { -board }'s security chip is not the kind this { -product } requires. The chip or the { -board }'s software is not the approved one, and the { -board } is marked { -fail }.
    .todo = Call a { -supervisor }: this { -board } must be set aside; its chip or software is not the approved one.

err-tpm-link = Security chip not reached
    .says = The { -station } could not reach the { -board }'s security chip. The { -board } is marked { -fail }.
    .todo = Reseat the { -board } and run the { -slot } again.

err-tpm-no_ek_certificate = Security chip has no certificate
    .says = The { -board }'s security chip has no certificate: its maker did not put one in. The { -board } is marked { -fail }.
    .todo = Call a { -supervisor }: this { -board } must be set aside.

err-tpm-no_reader = Station cannot use security chips
    .says = This { -station }'s software cannot work with security chips, so it cannot provision this { -product }. The { -board } is marked { -fail }.
    .todo = Call the line engineer: this { -station } needs software that supports security chips.

err-tpm-no_tpm = Board has no security chip
    .says = This { -product } needs a security chip, and the { -board } in the { -slot } has none. The { -board } is marked { -fail }.
    .todo = Check that the { -board } in the { -slot } is the right { -product }.

err-tpm-read_failed = Security chip could not be read
    .says = The { -station } could not read the key of the { -board }'s security chip: the chip answered with an error or too slowly. The { -board } is marked { -fail }.
    .todo = Run the { -slot } again.

err-unit-duplicate_device_id = Device ID already taken
    .says = The device ID made for this { -board } already belongs to another { -board } that passed or is running. Nothing was written and the { -board } is marked { -fail }.
    .todo = Call a { -supervisor }: this { -board } must be set aside; its device ID is already taken.

err-unit-revoked = Registration ID revoked
    .says = An earlier { -unit } with this registration ID failed after a credential had reached its { -board }, so the ID was revoked. A { -board } provisioned under it could never register with { -dps }.
    .todo = Call a { -supervisor }: this { -board } must be set aside until it gets a new { -serial }.

err-units-purged = Device key deleted
    .says = This { -unit }'s device key was deleted once { -dps } had it. The { -station } keeps no copy.
    .todo = Call a { -supervisor } if the key is needed: { -dps } still holds it.

err-units-sealed = Device key locked
    .says = This { -unit }'s device key is locked so that only certain accounts can open it. The kiosk's account never can.
    .todo = Call a { -supervisor }: only an authorized account can open this key.

err-units-unknown = No such unit
    .says = The { -unit } asked for does not exist in the { -station }'s records.
    .todo = Pick a { -unit } from the list on the Units screen.

err-upload-bad_response = DPS sent an unexpected answer
    .says = The { -dps } address answered with something the { -station } does not understand; it may not be a { -dps } service. The enrollments wait in the queue.
    .todo = Call the line engineer: the { -dps } address may be wrong.

err-upload-bulk_too_large = Upload batch too large
    .says = The { -station } built an upload with more enrollments than { -dps } accepts at once. This is a fault in the { -station }'s program; the enrollments wait in the queue.
    .todo = Call the line engineer: the { -station } has a program fault in uploading.

err-upload-busy = Another upload is running
    .says = Another upload is already sending this { -station }'s queue, so this one did not start.
    .todo = Wait for the running upload to finish.

err-upload-client = Upload connection could not be set up
    .says = The { -station } could not set up its secure connection to { -dps }, so nothing was uploaded.
    .todo = Call the line engineer: the { -station }'s upload settings are wrong.

err-upload-conflict = DPS already has a different enrollment
    .says = { -dps } already holds a different enrollment for this registration ID. { -dps } was not changed.
    .todo = Call a { -supervisor } to resolve it on the Queue screen.

err-upload-connection_string = DPS connection details missing
    .says = The { -station } could not read its details for connecting to { -dps }, or they are not valid.
    .todo = Call the line engineer: the { -station }'s connection details for { -dps } are missing or wrong.

err-upload-gave_up = Upload stopped after many tries
    .says = Some enrollments still could not be uploaded to { -dps } after every try. Nothing was lost: they wait in the queue.
    .todo = Call a { -supervisor }: uploads to { -dps } keep failing.

err-upload-group_conflict = Enrollment group has another key
    .says = { -dps } already holds this { -product }'s enrollment group with a different key, so { -board(form: "plural") } made here would not be accepted. { -dps } was not changed.
    .todo = Call a { -supervisor }: the { -product }'s enrollment group in { -dps } has a different key.

err-upload-group_key = Group key could not be read
    .says = The { -station } could not read this { -product }'s group key, so it could not check the group in { -dps }.
    .todo = Call the line engineer: the { -product }'s group key is missing.

err-upload-identity = Uploader cannot read its key
    .says = The uploader could not read the key it needs to open the sealed device keys, so it did not start. Nothing reaches { -dps } until it runs.
    .todo = Call the line engineer: the uploader cannot read its key.

err-upload-initial_twin = Starting cloud settings of the { -product } unusable
    .says = The { -station } could not make the starting cloud settings for this { -product }, so its group was not sent to { -dps }.
    .todo = Call the line engineer: the { -product }'s starting cloud settings are wrong.

err-upload-internal = Uploader stopped on a fault
    .says = A background part of the uploader failed because of a fault in the { -station }'s program. The enrollments stay in the queue.
    .todo = Call the line engineer: the uploader stopped on a program fault.

err-upload-network = No answer from { -dps }
    .says = { -dps } did not answer the { -station }. The enrollments stay in the queue until they are uploaded.
    .todo = Call a { -supervisor }: the { -station } cannot reach { -dps } over the network.

err-upload-not_configured = Upload not set up
    .says = The { -station } is not set up to send enrollments to { -dps }.
    .todo = Call the line engineer: the upload to { -dps } is not set up.

err-upload-not_found = { -dps } did not find it
    .says = { -dps } did not find the enrollment or group the { -station } asked for.
    .todo = Call a { -supervisor }: { -dps } did not find an enrollment.

err-upload-precondition_failed = Changed in { -dps } meanwhile
    .says = The enrollment was changed in { -dps } after the { -station } read it, so the update was not made.
    .todo = Call a { -supervisor } to retry the upload.

err-upload-queue = Uploader could not start
    .says = The uploader could not create a file it needs on the { -station }'s disk, so it did not start.
    .todo = Call the line engineer: the uploader cannot write to the { -station }'s disk.

err-upload-rejected = { -dps } rejected the request
    .says = { -dps } refused a request from the { -station }. Trying again will not help.
    .todo = Call a { -supervisor }: { -dps } refused the upload.

err-upload-service_unavailable = { -dps } had a server fault
    .says = { -dps } had a fault on its side. The uploader tries again by itself; the enrollments stay in the queue.
    .todo = Call a { -supervisor } if it keeps happening.

err-upload-throttled = { -dps } slowed the upload down
    .says = The { -station } sent more requests than { -dps } allows. The uploader waits and tries again by itself; the enrollments stay in the queue.
    .todo = Call a { -supervisor } if it keeps happening.

err-upload-trust_anchor = Cannot check the certificate of { -dps }
    .says = The { -station } cannot read the certificate it uses to check { -dps }, so it does not connect.
    .todo = Call the line engineer: the certificate for checking { -dps } is missing or unreadable.

err-upload-unauthorized = { -dps } refused the access key
    .says = { -dps } did not accept the { -station }'s access key: it is wrong, expired or lacks a permission, or the { -station }'s clock is wrong. Trying again will not help.
    .todo = Call the line engineer: { -dps } refused the { -station }'s access key.

err-verify-bad_identity = Key to open the batch unusable
    .says = The batch is sealed, and no usable key to open it was given. Nothing was imported.
    .todo = Call a { -supervisor }: the batch needs the device operator's key to open it.

err-verify-bad_manifest = Batch file list damaged
    .says = The batch's signed list of files is damaged or not in the right form. Do not import this batch.
    .todo = Ask a { -supervisor } to export the batch again.

err-verify-bad_record = Batch record damaged
    .says = A record in the batch is damaged, or the batch's files disagree about it. Do not import this batch.
    .todo = Ask a { -supervisor } to export the batch again.

err-verify-bad_signature = Batch signature invalid
    .says = The batch's signature does not match: its list of files was changed after signing. Do not import this batch.
    .todo = Ask a { -supervisor } to export the batch again.

err-verify-bad_trust = Checking certificate unusable
    .says = The file given to check the batch holds no certificate, so the batch cannot be checked.
    .todo = Call a { -supervisor }: the batch must be checked with the { -station }'s signing certificate.

err-verify-certificate_lost = Certificate lost after restart
    .says = The { -board } lost its certificate when it restarted. The { -unit } is marked { -fail }, the { -board } is not locked and its certificate is no longer valid.
    .todo = Send the { -board } to rework.

err-verify-io = Batch file not readable
    .says = A file of the batch could not be read, so the batch could not be checked.
    .todo = Call a { -supervisor }: the files of the batch cannot be read.

err-verify-mismatch = Setting read back different
    .says = A setting read back from the { -board } after its restart differs from what was written. The { -unit } is marked { -fail } and the { -board } is not locked.
    .todo = Send the { -board } to rework.

err-verify-missing_file = Batch file missing
    .says = A file of the batch, or its list of files, is missing. Do not import this batch.
    .todo = Ask a { -supervisor } to export the batch again.

err-verify-not_for_this_identity = Batch sealed for someone else
    .says = None of the keys given opens the sealed batch: the { -station } sealed it for someone else. Nothing was imported.
    .todo = Ask a { -supervisor } for a batch sealed for your key.

err-verify-not_persisted = Setting lost after restart
    .says = A setting written to the { -board } was gone after it restarted. The { -unit } is marked { -fail } and the { -board } is not locked.
    .todo = Send the { -board } to rework.

err-verify-record_count = Batch record count wrong
    .says = A file of the batch holds a different number of records than its signed list of files states. Do not import this batch.
    .todo = Ask a { -supervisor } to export the batch again.

err-verify-sealed_corrupt = Sealed batch damaged
    .says = The sealed batch could not be opened: the file was cut short or changed after sealing. Nothing was imported.
    .todo = Ask a { -supervisor } to export the batch again.

err-verify-sealed_entry = Sealed batch holds a foreign file
    .says = The sealed batch holds something that does not belong in a batch, so it was refused before anything was unpacked. Nothing was imported.
    .todo = Ask a { -supervisor } to export the batch again.

err-verify-tampered = Batch file changed after export
    .says = A file of the batch differs from its signed list of files: it was changed after the export. Do not import this batch.
    .todo = Ask a { -supervisor } to export the batch again.

err-verify-trust = Checking certificate not readable
    .says = The certificate file given to check the batch could not be read, so the batch was not checked.
    .todo = Call a { -supervisor }: the batch must be checked with the { -station }'s signing certificate.

err-verify-unexpected_file = Unexpected file in batch
    .says = The batch's folder holds a file that its signed list of files does not name. Do not import this batch.
    .todo = Ask a { -supervisor } to export the batch again.

err-verify-untrusted_signer = Batch signed by an untrusted key
    .says = The batch was not signed with the trusted certificate or one issued by it. Do not import this batch.
    .todo = Ask a { -supervisor } to export the batch again.

err-watch-auto_start_off = Auto-start is off
    .says = Starting { -slot(form: "plural") } by themselves needs auto-start, and this { -station } is not set up for it.
    .todo = Call the line engineer: auto-start is turned off on this { -station }.

err-watch-no_definition = { -fixture(form: "title") } layout not set
    .says = To start a { -slot } by itself, the { -station } must know the layout of the { -fixture }, and none is set.
    .todo = Call the line engineer: the layout of the { -fixture } is not set up.

err-x509-chain_too_large = Certificates too large for the { -board }
    .says = The certificates do not fit in the space the { -board } has for receiving them, so they were not installed. The { -unit } is marked { -fail } and the certificate issued for it is no longer valid.
    .todo = Call the line engineer: the certificates are too large for the { -board }'s firmware.

err-x509-cn_too_long = Registration ID too long for a certificate
    .says = The registration ID of this { -board } is longer than a certificate allows. The { -unit } is marked { -fail } before a certificate is issued.
    .todo = Call the line engineer: the { -product }'s registration IDs are too long.

err-x509-csr_asks_for_ca = { -board(form: "title") } asked for a signing certificate
    .says = The { -board }'s certificate request asks for a certificate that could sign other certificates, which is never allowed. No certificate was issued and the { -unit } is marked { -fail }.
    .todo = Send the { -board } to rework.

err-x509-csr_bad_signature = Certificate request signed wrongly
    .says = The { -board }'s certificate request is not signed with its own key, so the { -board } did not prove it holds that key. No certificate was issued and the { -unit } is marked { -fail }.
    .todo = Send the { -board } to rework.

err-x509-csr_extensions = Certificate request asks for extras
    .says = The { -board }'s certificate request asks for extra certificate fields that this { -product } does not allow. No certificate was issued and the { -unit } is marked { -fail }.
    .todo = Send the { -board } to rework.

err-x509-csr_key_not_allowed = { -board(form: "title") }'s key type not allowed
    .says = The { -board } made a key of a type this { -product } does not allow. No certificate was issued and the { -unit } is marked { -fail }.
    .todo = Send the { -board } to rework: its firmware may be wrong for this { -product }.

err-x509-csr_malformed = Certificate request damaged
    .says = The { -board }'s certificate request is not valid. No certificate was issued and the { -unit } is marked { -fail }.
    .todo = Send the { -board } to rework.

err-x509-csr_rejected = Certificate request refused
    .says = The { -board }'s certificate request breaks the rules of this { -product } in another way. No certificate was issued and the { -unit } is marked { -fail }.
    .todo = Send the { -board } to rework.

err-x509-csr_wrong_subject = Certificate request has the wrong name
    .says = The { -board }'s certificate request does not carry exactly its registration ID as its name. No certificate was issued and the { -unit } is marked { -fail }.
    .todo = Send the { -board } to rework.

err-x509-install_mismatch = Installed certificate differs
    .says = The certificate the { -board } reports storing differs from the one issued. The { -unit } is marked { -fail } and its certificate is no longer valid.
    .todo = Send the { -board } to rework.

err-x509-key_reused = { -board(form: "title") }'s key already used
    .says = The { -board } sent a key that was already certified for another { -unit }: two { -board(form: "plural") } share a key, or the { -board } sent another { -board }'s request. No certificate was issued.
    .todo = Set the { -board } aside and call a { -supervisor }.

err-x509-no_ca = No signing key for the { -product }
    .says = The { -station } has no signing key loaded for this { -product }, so it cannot issue certificates. The { -unit } is marked { -fail } before anything is written to the { -board }.
    .todo = Call the line engineer: no signing key is loaded for this { -product }.

err-x509-no_work_order = { -work-order(form: "title") } needed for certificates
    .says = This { -product } needs a { -work-order } to issue certificates, and none is set. The { -unit } is marked { -fail } before a certificate is issued.
    .todo = Ask a { -supervisor } to set the { -work-order }, then run the { -slot } again.

err-x509-readback_mismatch = Certificate read back differs
    .says = The certificates read back from the { -board } differ from the ones installed. The { -unit } is marked { -fail } and its certificate is no longer valid.
    .todo = Send the { -board } to rework.

err-x509-sign_failed = Certificate could not be signed
    .says = The { -station }'s signing key could not sign the { -board }'s certificate. No certificate was issued and the { -unit } is marked { -fail }.
    .todo = Call the line engineer: the { -station }'s signing key is not working.
