-- The line database, version 4: the crash-safety claims, and the certificates every station
-- issued.

-- A unit's claim: the station committed it durably just before sending its board the lock,
-- and told the line here. A reservation still `held` with a claim is a board that may be
-- locked while its station has not finished it (the station stopped mid-lock): any other
-- station that meets the board is told which station holds its claim, since only that
-- station has what the board was given (its key stays there) and can complete it.
ALTER TABLE reservations ADD COLUMN claimed_at TIMESTAMPTZ;
CREATE INDEX reservations_claimed ON reservations (station_id, unit_ref)
    WHERE claimed_at IS NOT NULL AND state = 'held';

-- Every certificate a station issued, as its copied audit chain states it (`certificate.issued`
-- and `certificate.void` rows): one source, verified with the chain, nothing to drift.
CREATE INDEX audit_copies_kind ON audit_copies (kind, station_id);
CREATE VIEW certificates AS
SELECT i.station_id,
       i.detail_json::jsonb ->> 'serial'          AS serial,
       i.detail_json::jsonb ->> 'subject'         AS subject,
       i.detail_json::jsonb ->> 'sha256'          AS sha256,
       i.detail_json::jsonb ->> 'work_order'      AS work_order,
       i.detail_json::jsonb ->> 'unit'            AS unit_ref,
       i.detail_json::jsonb ->> 'registration_id' AS registration_id,
       i.detail_json::jsonb ->> 'ca'              AS ca,
       i.detail_json::jsonb ->> 'not_after'       AS not_after,
       i.subject                                  AS device_serial,
       i.at                                       AS issued_at,
       v.at                                       AS void_at,
       v.detail_json::jsonb ->> 'reason'          AS void_reason
FROM audit_copies i
LEFT JOIN audit_copies v
       ON v.kind = 'certificate.void' AND v.station_id = i.station_id
      AND v.subject = i.detail_json::jsonb ->> 'serial'
WHERE i.kind = 'certificate.issued';
