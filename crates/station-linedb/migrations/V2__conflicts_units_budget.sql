-- The line database, version 2: what stations did while apart and what then conflicted, a copy
-- of every unit's outcome (the line's yield), and the line's shared DPS budget.

-- An identity a station provisioned while it could not reach the line database, found held
-- by another station's unit when the station replayed what it did. Never merged: shown to the
-- supervisors (every station's `station line-db status`) until one resolves it.
CREATE TABLE conflicts (
    id             BIGSERIAL PRIMARY KEY,
    kind           TEXT NOT NULL,
    value          TEXT NOT NULL,
    holder_station TEXT NOT NULL,
    holder_unit    TEXT NOT NULL,
    station_id     TEXT NOT NULL REFERENCES stations(id),
    unit_ref       TEXT NOT NULL,
    done_at        TIMESTAMPTZ NOT NULL,
    detected_at    TIMESTAMPTZ NOT NULL DEFAULT now(),
    resolved_at    TIMESTAMPTZ,
    resolved_by    TEXT,
    resolution     TEXT,
    UNIQUE (kind, value, station_id, unit_ref)
);

-- The outcome of every unit of every station (no secrets: identities and the failure only).
CREATE TABLE units (
    station_id      TEXT NOT NULL REFERENCES stations(id),
    unit_ref        TEXT NOT NULL,
    serial          TEXT,
    registration_id TEXT,
    product         TEXT NOT NULL,
    work_order      TEXT,
    status          TEXT NOT NULL CHECK (status IN ('pass', 'fail')),
    failed_step     TEXT,
    failure_code    TEXT,
    finished_at     TIMESTAMPTZ NOT NULL,
    PRIMARY KEY (station_id, unit_ref)
);
CREATE INDEX units_work_order ON units (work_order);

-- The line's DPS operations budget, one token bucket per DPS instance that every station's
-- uploader draws from (so N uploaders together stay within one budget).
CREATE TABLE dps_budgets (
    id         TEXT PRIMARY KEY,
    tokens     DOUBLE PRECISION NOT NULL,
    updated_at TIMESTAMPTZ NOT NULL
);
