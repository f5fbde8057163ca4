-- A device key (SHA-256 of its SubjectPublicKeyInfo) is certified once on the whole line: the
-- reservations may hold kind spki_sha256 too.
ALTER TABLE reservations DROP CONSTRAINT reservations_kind_check;
ALTER TABLE reservations ADD CONSTRAINT reservations_kind_check
    CHECK (kind IN ('serial', 'registration_id', 'ek_sha256', 'symkey_sha256', 'cert_serial',
                    'spki_sha256'));
