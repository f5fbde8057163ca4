-- The line database, version 1: the identities that must be unique across the site, and the
-- work orders whose certificate quota the stations lease from.

CREATE TABLE stations (
    id         TEXT PRIMARY KEY CHECK (id <> ''),
    first_seen TIMESTAMPTZ NOT NULL DEFAULT now(),
    last_seen  TIMESTAMPTZ NOT NULL DEFAULT now()
);

-- One row per identity value a unit holds: kind is serial, registration_id, ek_sha256,
-- symkey_sha256 or cert_serial. A value is held by one unit of one station at a time; `held`
-- until the unit fails before its irreversible step (the row is deleted) or is locked
-- (`kept`, for good).
CREATE TABLE reservations (
    kind        TEXT NOT NULL CHECK (kind IN ('serial', 'registration_id', 'ek_sha256',
                                              'symkey_sha256', 'cert_serial')),
    value       TEXT NOT NULL CHECK (value <> ''),
    station_id  TEXT NOT NULL REFERENCES stations(id),
    unit_ref    TEXT NOT NULL CHECK (unit_ref <> ''),
    state       TEXT NOT NULL DEFAULT 'held' CHECK (state IN ('held', 'kept')),
    reserved_at TIMESTAMPTZ NOT NULL DEFAULT now(),
    kept_at     TIMESTAMPTZ,
    PRIMARY KEY (kind, value)
);
CREATE INDEX reservations_unit ON reservations (station_id, unit_ref);

-- Registration IDs are case-insensitive in DPS: they are stored lower-case by the client.

CREATE TABLE work_orders (
    id         TEXT PRIMARY KEY CHECK (id <> ''),
    quota      BIGINT NOT NULL CHECK (quota >= 0),
    leased     BIGINT NOT NULL DEFAULT 0 CHECK (leased >= 0 AND leased <= quota),
    closed_at  TIMESTAMPTZ,
    created_at TIMESTAMPTZ NOT NULL DEFAULT now()
);

-- A block of a work order's certificate quota a station may issue from, offline too.
CREATE TABLE quota_leases (
    id            BIGSERIAL PRIMARY KEY,
    work_order_id TEXT NOT NULL REFERENCES work_orders(id),
    station_id    TEXT NOT NULL REFERENCES stations(id),
    granted       BIGINT NOT NULL CHECK (granted > 0),
    used          BIGINT NOT NULL DEFAULT 0 CHECK (used >= 0 AND used <= granted),
    returned      BIGINT NOT NULL DEFAULT 0 CHECK (returned >= 0 AND used + returned <= granted),
    granted_at    TIMESTAMPTZ NOT NULL DEFAULT now()
);
CREATE INDEX quota_leases_order ON quota_leases (work_order_id, station_id);
