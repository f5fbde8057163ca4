-- A schema-version-1 station database written by the v1 release (git a70c14f..3e82196),
-- dumped with Python sqlite3 iterdump: one run, three passed units with queued
-- enrollments (the first uploaded), a finished run, and a valid audit chain whose head is
-- 402c01ba80c89d34689532952b29a379a5202f9f373744b3cc52de76c716ec8e.
PRAGMA foreign_keys = OFF;
BEGIN TRANSACTION;
CREATE TABLE audit (
    seq         INTEGER PRIMARY KEY,
    at          TEXT NOT NULL,
    station_id  TEXT NOT NULL,
    actor       TEXT NOT NULL,
    kind        TEXT NOT NULL,
    subject     TEXT NOT NULL,
    detail_json TEXT NOT NULL,
    prev_hash   BLOB NOT NULL CHECK (length(prev_hash) = 32),
    hash        BLOB NOT NULL CHECK (length(hash) = 32)
) STRICT;
INSERT INTO "audit" VALUES(1,'2026-11-26T15:27:44.562331Z','v1-station','alice','run.start','','{"config_path":"/etc/station.toml","run":"v1-run-0001","work_order":"WO-V1"}',X'0000000000000000000000000000000000000000000000000000000000000000',X'2A3ACD3335230576BA004E9654AFA9CEDA01C03FF5CBF5DBDC832E478CD9FB88');
INSERT INTO "audit" VALUES(2,'2026-11-26T15:27:44.563278Z','v1-station','alice','unit.start','SN-V1-1','{"attestation":"symmetric-key","product":"p","registration_id":"v1-sn-v1-1","rework_of":null,"run":"v1-run-0001","slot":1,"unit":1,"work_order":"WO-V1"}',X'2A3ACD3335230576BA004E9654AFA9CEDA01C03FF5CBF5DBDC832E478CD9FB88',X'A63166E414A498E764AF93C73FE4B9EC804C0CDC5D95CD6B31D669C41A28EAD1');
INSERT INTO "audit" VALUES(3,'2026-11-26T15:27:44.563592Z','v1-station','alice','unit.pass','SN-V1-1','{"enrollment":1,"registration_id":"v1-sn-v1-1","run":"v1-run-0001","slot":1,"steps":0,"unit":1}',X'A63166E414A498E764AF93C73FE4B9EC804C0CDC5D95CD6B31D669C41A28EAD1',X'7791C5885AA08C637F567D33A9417DABDAB712B65F2BF75A151F5B420DF9A25C');
INSERT INTO "audit" VALUES(4,'2026-11-26T15:27:44.563627Z','v1-station','alice','enrollment.queued','v1-sn-v1-1','{"enrollment":1,"payload_sha256":"f5d6f4830f39ca07ff2ae81431be4bdb50f168ede24be053f7fb39370c769aef","serial":"SN-V1-1","unit":1}',X'7791C5885AA08C637F567D33A9417DABDAB712B65F2BF75A151F5B420DF9A25C',X'859E47B5D486B57587E7C0F55BE311C2DA9C8917321D04270CC2F7FE95144C43');
INSERT INTO "audit" VALUES(5,'2026-11-26T15:27:44.564275Z','v1-station','alice','unit.start','SN-V1-2','{"attestation":"symmetric-key","product":"p","registration_id":"v1-sn-v1-2","rework_of":null,"run":"v1-run-0001","slot":2,"unit":2,"work_order":"WO-V1"}',X'859E47B5D486B57587E7C0F55BE311C2DA9C8917321D04270CC2F7FE95144C43',X'1CD8B32CB36D0E6F2A8B367F8D76AF403E80A1B8C2638E947E377CB89CA79602');
INSERT INTO "audit" VALUES(6,'2026-11-26T15:27:44.564455Z','v1-station','alice','unit.pass','SN-V1-2','{"enrollment":2,"registration_id":"v1-sn-v1-2","run":"v1-run-0001","slot":2,"steps":0,"unit":2}',X'1CD8B32CB36D0E6F2A8B367F8D76AF403E80A1B8C2638E947E377CB89CA79602',X'29FF1CA48F5708DBE15E537AD42623E5A74F1590B73641DBF36855170AEFA8F5');
INSERT INTO "audit" VALUES(7,'2026-11-26T15:27:44.564488Z','v1-station','alice','enrollment.queued','v1-sn-v1-2','{"enrollment":2,"payload_sha256":"d17590c5b999ebe4b34b492c8cfb8f560f546e0d5a4709d7eb697f4b0714af23","serial":"SN-V1-2","unit":2}',X'29FF1CA48F5708DBE15E537AD42623E5A74F1590B73641DBF36855170AEFA8F5',X'3BED65220042BEF551DEEE8DEA53C6E3482A45F3C9CB8FC43F98042EB07CEED7');
INSERT INTO "audit" VALUES(8,'2026-11-26T15:27:44.565058Z','v1-station','alice','unit.start','SN-V1-3','{"attestation":"symmetric-key","product":"p","registration_id":"v1-sn-v1-3","rework_of":null,"run":"v1-run-0001","slot":3,"unit":3,"work_order":"WO-V1"}',X'3BED65220042BEF551DEEE8DEA53C6E3482A45F3C9CB8FC43F98042EB07CEED7',X'0D048ADC3457E84FB9911037DF14D7DE06F8C6CC381C1461082AE849EC6D75A9');
INSERT INTO "audit" VALUES(9,'2026-11-26T15:27:44.565220Z','v1-station','alice','unit.pass','SN-V1-3','{"enrollment":3,"registration_id":"v1-sn-v1-3","run":"v1-run-0001","slot":3,"steps":0,"unit":3}',X'0D048ADC3457E84FB9911037DF14D7DE06F8C6CC381C1461082AE849EC6D75A9',X'7ED62D989230D40B37B3BCF7B4C31BF1543E6B49CFEFD618AA78DA7F9637276C');
INSERT INTO "audit" VALUES(10,'2026-11-26T15:27:44.565257Z','v1-station','alice','enrollment.queued','v1-sn-v1-3','{"enrollment":3,"payload_sha256":"bd753d10edfbb8dd059423faa419fd925b78d6a7d25b0155929e75601e4b5a6a","serial":"SN-V1-3","unit":3}',X'7ED62D989230D40B37B3BCF7B4C31BF1543E6B49CFEFD618AA78DA7F9637276C',X'AF0EC2088C719921EB0D174F3DC43F235947EEC667B86691813AB122A6B82857');
INSERT INTO "audit" VALUES(11,'2026-11-26T15:27:44.566030Z','v1-station','uploader','enrollment.uploaded','v1-sn-v1-1','{"enrollment":1,"status_before":"queued","unit":1}',X'AF0EC2088C719921EB0D174F3DC43F235947EEC667B86691813AB122A6B82857',X'08CCB4BEC8E8603E6D65A01FE300C3892FEAC0504FFC179F790C8BFB3109636A');
INSERT INTO "audit" VALUES(12,'2026-11-26T15:27:44.566709Z','v1-station','alice','run.finish','','{"run":"v1-run-0001","units":{"pass":3}}',X'08CCB4BEC8E8603E6D65A01FE300C3892FEAC0504FFC179F790C8BFB3109636A',X'402C01BA80C89D34689532952B29A379A5202F9F373744B3CC52DE76C716EC8E');
CREATE TABLE enrollments (
    id              INTEGER PRIMARY KEY,
    unit_id         INTEGER NOT NULL UNIQUE REFERENCES units(id),
    registration_id TEXT NOT NULL,
    payload_json    TEXT NOT NULL,
    status          TEXT NOT NULL DEFAULT 'queued'
        CHECK (status IN ('queued', 'uploaded', 'conflict', 'superseded')),
    created_at      TEXT NOT NULL,
    updated_at      TEXT NOT NULL,
    attempts        INTEGER NOT NULL DEFAULT 0 CHECK (attempts >= 0),
    last_error      TEXT
) STRICT;
INSERT INTO "enrollments" VALUES(1,1,'v1-sn-v1-1','{"registrationId":"v1-sn-v1-1","attestation":{"type":"symmetricKey","symmetricKey":{"primaryKey":"djEta2V5LXt7aX19LXBhZGRpbmc="}},"provisioningStatus":"enabled"}','uploaded','2026-11-26T15:27:44.563469Z','2026-11-26T15:27:44.565986Z',1,NULL);
INSERT INTO "enrollments" VALUES(2,2,'v1-sn-v1-2','{"registrationId":"v1-sn-v1-2","attestation":{"type":"symmetricKey","symmetricKey":{"primaryKey":"djEta2V5LXt7aX19LXBhZGRpbmc="}},"provisioningStatus":"enabled"}','queued','2026-11-26T15:27:44.564408Z','2026-11-26T15:27:44.564408Z',0,NULL);
INSERT INTO "enrollments" VALUES(3,3,'v1-sn-v1-3','{"registrationId":"v1-sn-v1-3","attestation":{"type":"symmetricKey","symmetricKey":{"primaryKey":"djEta2V5LXt7aX19LXBhZGRpbmc="}},"provisioningStatus":"enabled"}','queued','2026-11-26T15:27:44.565177Z','2026-11-26T15:27:44.565177Z',0,NULL);
CREATE TABLE runs (
    id          TEXT PRIMARY KEY NOT NULL,
    station_id  TEXT NOT NULL,
    operator    TEXT NOT NULL,
    work_order  TEXT,
    config_path TEXT NOT NULL,
    started_at  TEXT NOT NULL,
    finished_at TEXT
) STRICT;
INSERT INTO "runs" VALUES('v1-run-0001','v1-station','alice','WO-V1','/etc/station.toml','2026-11-26T15:27:44.562260Z','2026-11-26T15:27:44.566645Z');
CREATE TABLE steps (
    unit_id     INTEGER NOT NULL REFERENCES units(id),
    seq         INTEGER NOT NULL,
    step        TEXT NOT NULL,
    outcome     TEXT NOT NULL CHECK (outcome IN ('ok', 'failed')),
    started_at  TEXT NOT NULL,
    duration_ms REAL NOT NULL CHECK (duration_ms >= 0),
    detail      TEXT,
    PRIMARY KEY (unit_id, seq)
) STRICT, WITHOUT ROWID;
CREATE TABLE units (
    id              INTEGER PRIMARY KEY,
    run_id          TEXT NOT NULL REFERENCES runs(id),
    slot            INTEGER NOT NULL CHECK (slot BETWEEN 0 AND 65535),
    serial          TEXT CHECK (serial <> ''),
    product         TEXT,
    -- DPS registration IDs are case-insensitive: so are comparisons here.
    registration_id TEXT COLLATE NOCASE CHECK (registration_id <> ''),
    attestation     TEXT CHECK (attestation IN ('symmetric-key', 'x509', 'tpm')),
    work_order      TEXT,
    operator        TEXT NOT NULL,
    station_id      TEXT NOT NULL,
    status          TEXT NOT NULL
        CHECK (status IN ('in_progress', 'pass', 'fail', 'interrupted', 'superseded')),
    failed_step     TEXT,
    failure_code    TEXT,
    failure_message TEXT,
    rework_of       INTEGER REFERENCES units(id),
    identity_json   TEXT,
    started_at      TEXT NOT NULL,
    finished_at     TEXT
) STRICT;
INSERT INTO "units" VALUES(1,'v1-run-0001',1,'SN-V1-1','p','v1-sn-v1-1','symmetric-key','WO-V1','alice','v1-station','pass',NULL,NULL,NULL,NULL,NULL,'2026-11-26T15:27:44.563010Z','2026-11-26T15:27:44.563469Z');
INSERT INTO "units" VALUES(2,'v1-run-0001',2,'SN-V1-2','p','v1-sn-v1-2','symmetric-key','WO-V1','alice','v1-station','pass',NULL,NULL,NULL,NULL,NULL,'2026-11-26T15:27:44.564169Z','2026-11-26T15:27:44.564408Z');
INSERT INTO "units" VALUES(3,'v1-run-0001',3,'SN-V1-3','p','v1-sn-v1-3','symmetric-key','WO-V1','alice','v1-station','pass',NULL,NULL,NULL,NULL,NULL,'2026-11-26T15:27:44.564965Z','2026-11-26T15:27:44.565177Z');
CREATE INDEX units_run ON units(run_id);
CREATE INDEX units_serial ON units(serial);
CREATE INDEX units_registration_id ON units(registration_id);
CREATE INDEX units_status ON units(status);
CREATE UNIQUE INDEX units_serial_active
    ON units(serial) WHERE status IN ('in_progress', 'pass');
CREATE UNIQUE INDEX units_registration_id_active
    ON units(registration_id) WHERE status IN ('in_progress', 'pass');
CREATE INDEX enrollments_status ON enrollments(status, id);
CREATE UNIQUE INDEX enrollments_registration_id_queued
    ON enrollments(registration_id) WHERE status = 'queued';
CREATE TRIGGER audit_no_update BEFORE UPDATE ON audit
BEGIN
    SELECT RAISE(ABORT, 'audit rows are append-only');
END;
CREATE TRIGGER audit_no_delete BEFORE DELETE ON audit
BEGIN
    SELECT RAISE(ABORT, 'audit rows are append-only');
END;
COMMIT;
PRAGMA user_version = 1;
