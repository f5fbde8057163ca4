-- Version 6: one role per station, and row-level security on its own rows.
--
-- Every station logs in as its own role, a member of `line_station`, whose name is the
-- station's ID (`station line-db add-station ID` creates it with the admin role). A station
-- reads the whole line (who holds a serial, the quotas, the yield) but writes only rows that
-- name it (`station_id = current_user`): it cannot change, release or take over another
-- station's reservation, lease, unit or conflict, and its audit copy is INSERT-only (no
-- station may update or delete any copied row, its own included). It cannot raise a work
-- order's quota (only `leased` and `closed_at` are its to update), resolve a conflict, or
-- migrate the schema: those are the admin role's (the tables' owner, whom row-level security
-- does not restrict), used only by `station line-db` administration commands.
DO $$
BEGIN
    IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'line_station') THEN
        CREATE ROLE line_station NOLOGIN;
    END IF;
END
$$;

GRANT USAGE ON SCHEMA public TO line_station;
GRANT SELECT ON ALL TABLES IN SCHEMA public TO line_station;
GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA public TO line_station;
GRANT INSERT, UPDATE ON stations TO line_station;
GRANT INSERT, UPDATE, DELETE ON reservations TO line_station;
GRANT INSERT ON work_orders TO line_station;
GRANT UPDATE (leased, closed_at) ON work_orders TO line_station;
GRANT INSERT ON quota_leases TO line_station;
GRANT UPDATE (used, returned) ON quota_leases TO line_station;
GRANT INSERT ON conflicts TO line_station;
GRANT INSERT, UPDATE ON units TO line_station;
GRANT INSERT, UPDATE ON dps_budgets TO line_station;
GRANT INSERT ON audit_copies TO line_station;

ALTER TABLE stations ENABLE ROW LEVEL SECURITY;
CREATE POLICY stations_read ON stations FOR SELECT USING (true);
CREATE POLICY stations_insert ON stations FOR INSERT WITH CHECK (id = current_user);
CREATE POLICY stations_update ON stations FOR UPDATE
    USING (id = current_user) WITH CHECK (id = current_user);

ALTER TABLE reservations ENABLE ROW LEVEL SECURITY;
CREATE POLICY reservations_read ON reservations FOR SELECT USING (true);
CREATE POLICY reservations_insert ON reservations FOR INSERT
    WITH CHECK (station_id = current_user);
CREATE POLICY reservations_update ON reservations FOR UPDATE
    USING (station_id = current_user) WITH CHECK (station_id = current_user);
CREATE POLICY reservations_delete ON reservations FOR DELETE USING (station_id = current_user);

ALTER TABLE quota_leases ENABLE ROW LEVEL SECURITY;
CREATE POLICY quota_leases_read ON quota_leases FOR SELECT USING (true);
CREATE POLICY quota_leases_insert ON quota_leases FOR INSERT
    WITH CHECK (station_id = current_user);
CREATE POLICY quota_leases_update ON quota_leases FOR UPDATE
    USING (station_id = current_user) WITH CHECK (station_id = current_user);

ALTER TABLE conflicts ENABLE ROW LEVEL SECURITY;
CREATE POLICY conflicts_read ON conflicts FOR SELECT USING (true);
CREATE POLICY conflicts_insert ON conflicts FOR INSERT WITH CHECK (station_id = current_user);

ALTER TABLE units ENABLE ROW LEVEL SECURITY;
CREATE POLICY units_read ON units FOR SELECT USING (true);
CREATE POLICY units_insert ON units FOR INSERT WITH CHECK (station_id = current_user);
CREATE POLICY units_update ON units FOR UPDATE
    USING (station_id = current_user) WITH CHECK (station_id = current_user);

ALTER TABLE audit_copies ENABLE ROW LEVEL SECURITY;
CREATE POLICY audit_copies_read ON audit_copies FOR SELECT USING (true);
CREATE POLICY audit_copies_insert ON audit_copies FOR INSERT
    WITH CHECK (station_id = current_user);
