//! `line_db.reachable`: the line database answers, takes this station's login and has (or
//! gets) the current schema.

use super::CheckResult;

pub(super) fn check(config: &station_config::StationConfig) -> Option<CheckResult> {
    let section = config.line_db.as_ref()?;
    let apart = match section.offline {
        station_config::OfflinePolicy::Refuse => "the station refuses units without it",
        station_config::OfflinePolicy::Local => {
            "the station works apart meanwhile (offline = \"local\") and replays when it is back"
        }
    };
    Some(match crate::run::connect_line_db(config) {
        Ok(Some(db)) if !db.is_connected() => CheckResult::failed(
            "line_db.reachable",
            "the line database is unreachable".to_owned(),
            format!("Check the station's network to the line database; {apart}."),
        ),
        Ok(Some(db)) => CheckResult::ok(
            "line_db.reachable",
            format!(
                "connected to the line database as station {}",
                db.station_id()
            ),
        ),
        Ok(None) => return None,
        Err(e) => CheckResult::failed(
            "line_db.reachable",
            format!("{e:#}"),
            format!(
                "Check [line_db] (url, password) and the station's network to the line database; {apart}."
            ),
        ),
    })
}

/// `line_db.tls`: TLS to the line database, verified against `ca_file`, with SCRAM bound to the
/// channel; without it the network reads every reservation and a server (or anything in
/// between) can ask for the password in clear.
pub(super) fn tls(section: &station_config::LineDbSection) -> CheckResult {
    match &section.ca_file {
        Some(ca) => CheckResult::ok(
            "line_db.tls",
            format!(
                "TLS to the line database, its certificate checked against {}; SCRAM with \
                 channel binding (the password never leaves)",
                ca.display()
            ),
        ),
        None => CheckResult::failed(
            "line_db.tls",
            "the line database is reached without TLS (insecure_plaintext): the network can \
             read and change every reservation, and a server or anything in between can ask \
             for the password in clear",
            "Set [line_db] ca_file to the line database's CA and remove insecure_plaintext \
             (docs/line-database.md); a lab without TLS keeps this check failed.",
        ),
    }
}
