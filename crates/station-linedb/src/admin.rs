//! The admin role's work on the line database (the tables' owner, whom row-level security does
//! not restrict): a station's own role, made or re-keyed. Used only by `station line-db`
//! administration commands, with the admin's credentials (`[line_db] admin_user`,
//! `admin_password`), never by a station at work.

use crate::{LineDb, LineDbError};

/// The group role every station's role belongs to (migration V6 grants it what a station
/// may do).
pub const STATION_GROUP_ROLE: &str = "line_station";

/// Whether `id` may name a station's role: the station ID's own alphabet (letters, digits,
/// `.`, `_`, `-`), at most 63 bytes (PostgreSQL's identifier limit).
#[must_use]
pub fn valid_role_name(id: &str) -> bool {
    !id.is_empty()
        && id.len() <= 63
        && id
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'.' | b'_' | b'-'))
}

impl LineDb {
    /// Makes station `station`'s role (or gives an existing one a new password): it logs in
    /// with `password` (stored by the server as SCRAM) and may do only what `line_station`
    /// may, on rows that name `station`. Needs the admin role.
    pub fn add_station_role(&mut self, station: &str, password: &str) -> Result<(), LineDbError> {
        if !valid_role_name(station) {
            return Err(LineDbError::BadRoleName(station.to_owned()));
        }
        // Neither value can carry a quote (checked above and below), so both are spliced in:
        // CREATE ROLE takes no bind parameters.
        if password.len() < 16
            || !password
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_'))
        {
            return Err(LineDbError::BadRoleName(
                "the password must be 16 or more letters, digits, - or _".to_owned(),
            ));
        }
        self.with(|client, _| {
            let mut tx = client.transaction()?;
            let exists = tx
                .query_opt("SELECT 1 FROM pg_roles WHERE rolname = $1", &[&station])?
                .is_some();
            let verb = if exists { "ALTER" } else { "CREATE" };
            tx.batch_execute(&format!(
                "{verb} ROLE \"{station}\" LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE \
                 PASSWORD '{password}';
                 GRANT {STATION_GROUP_ROLE} TO \"{station}\";"
            ))?;
            tx.commit()?;
            Ok(())
        })
    }

    /// The role this connection logged in as, and whether it is a station's (a member of
    /// `line_station`, not the tables' owner nor a superuser): for `station check`.
    pub fn role(&mut self) -> Result<(String, bool), LineDbError> {
        self.with(|c, _| {
            let row = c.query_one(
                "SELECT current_user::text,
                        pg_has_role(current_user, $1, 'MEMBER')
                        AND NOT (SELECT rolsuper FROM pg_roles WHERE rolname = current_user)
                        AND NOT EXISTS (SELECT 1 FROM pg_tables
                                        WHERE tablename = 'reservations'
                                          AND tableowner = current_user)",
                &[&STATION_GROUP_ROLE],
            )?;
            Ok((row.get(0), row.get(1)))
        })
    }
}
