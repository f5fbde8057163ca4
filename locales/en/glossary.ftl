### The station's words, defined once per language. Every message uses these terms
### ({ -slot }, { -pass }…) instead of spelling the word itself, so a reviewer corrects a
### term here and every screen follows. English is the source language.

## The things on the line

# A place on the fixture's bed that holds one board.
-slot = { $form ->
   *[lower] slot
    [title] Slot
    [plural] slots
}
# The device under test: a circuit board in a slot.
-board = { $form ->
   *[lower] board
    [title] Board
    [plural] boards
}
# One board's provisioning, recorded with its result.
-unit = { $form ->
   *[lower] unit
    [title] Unit
    [plural] units
}
# The number printed on the board's label and stored in it.
-serial = { $form ->
   *[lower] serial
    [title] Serial
}
# The bed of nails and its cables that holds the boards.
-fixture = { $form ->
   *[lower] fixture
    [title] Fixture
}
# This PC and its program.
-station = { $form ->
   *[lower] station
    [title] Station
    [plural] stations
}
# The production line: several stations that share one line database, so no board is provisioned twice.
-line = { $form ->
   *[lower] line
    [title] Line
}
# The order the boards are made for.
-work-order = { $form ->
   *[lower] work order
    [title] Work order
    [plural] work orders
}
-product = { $form ->
   *[lower] product
    [title] Product
}
# Azure's Device Provisioning Service: a name, kept as it is in every language.
-dps = DPS
# The record DPS keeps for a device so that it may register.
-enrollment = { $form ->
   *[lower] enrollment
    [title] Enrollment
    [plural] enrollments
    [plural-title] Enrollments
}

## People

# A person who logs in at the station with a badge and PIN: technician, supervisor or admin (not the device operator, the customer).
-operator = { $form ->
   *[lower] operator
    [title] Operator
    [plural] operators
    [plural-title] Operators
}
-technician = { $form ->
   *[lower] technician
    [title] Technician
}
-supervisor = { $form ->
   *[lower] supervisor
    [title] Supervisor
    [plural] supervisors
}
# The role that manages operators.
-admin = { $form ->
   *[lower] admin
    [title] Admin
}

## A board's result, as its tile shows it (short and in capitals where the language has them)

-pass = PASS
-fail = FAIL
# Not decided: the board must be run again, never scrapped.
-open = OPEN
-empty = EMPTY
# Already provisioned by this station: take it out.
-done = DONE
-ready = READY
-wait = WAIT
-running = RUNNING
-interrupted = INTERRUPTED
-reworked = REWORKED
