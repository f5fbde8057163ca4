//! `line_db.reachable`: the line database answers, takes this station's login and has (or
//! gets) the current schema.

use super::CheckResult;

pub(super) fn check(config: &station_config::StationConfig) -> Option<CheckResult> {
    config.line_db.as_ref()?;
    Some(match crate::run::connect_line_db(config) {
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
            "Check [line_db] (url, password) and the station's network to the line database; the station refuses units without it.",
        ),
    })
}
