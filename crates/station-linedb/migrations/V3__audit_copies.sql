-- The line database, version 3: a copy of every station's audit chain, row for row exactly as
-- the station stores it (the text its hashes cover), so each station's chain verifies from the
-- line's copy alone.
CREATE TABLE audit_copies (
    station_id     TEXT NOT NULL REFERENCES stations(id),
    seq            BIGINT NOT NULL CHECK (seq > 0),
    at             TEXT NOT NULL,
    row_station_id TEXT NOT NULL,
    actor          TEXT NOT NULL,
    kind           TEXT NOT NULL,
    subject        TEXT NOT NULL,
    detail_json    TEXT NOT NULL,
    prev_hash      BYTEA NOT NULL,
    hash           BYTEA NOT NULL,
    PRIMARY KEY (station_id, seq)
);
