//! Pieces the benchmark binaries share: the station they drive on the virtual fixture, and
//! process measurements.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use station_pipeline::{Permissions, RunRequest, Station};
use station_store::Store;
use station_transport::SerialOpener;

/// Writes `dir/station.toml` for a virtual fixture of `slots` slots at `baud`, all using the
/// product `product_id` defined by `product` (a `[[product]]` table), and builds the station.
pub(crate) fn virtual_station(
    dir: &Path,
    slots: u16,
    baud: u32,
    product_id: &str,
    product: &str,
) -> anyhow::Result<(Station, PathBuf)> {
    let config_path = dir.join("station.toml");
    let slot_sections: String = (1..=slots)
        .map(|i| format!("[[fixture.slot]]\nindex = {i}\nproduct = \"{product_id}\"\n"))
        .collect();
    std::fs::write(
        &config_path,
        format!(
            r#"[station]
id = "bench"
log_dir = "log"
[storage]
database = "station.db"
[secrets]
recipients = ["age1w44g2eltljvulxz80c46aev6dwt25x5syz7ws2cwklaalcdx346qctkk56"]
identity_file = "uploader.age"
[fixture]
name = "virtual"
ports_file = "fixture/ports.toml"
baud = {baud}
{slot_sections}
{product}"#
        ),
    )?;
    let config = station_config::load(&config_path)?;
    let store = Arc::new(Store::open(&config.storage.database)?);
    let station = Station::new(config, &config_path, store, Arc::new(SerialOpener))?;
    Ok((station, config_path))
}

/// The request every bench run makes: all slots, one operator and work order.
pub(crate) fn bench_request() -> RunRequest {
    RunRequest {
        slots: None,
        operator: "bench".into(),
        work_order: Some("WO-BENCH".into()),
        permissions: Permissions::none(),
        ..Default::default()
    }
}

/// Peak resident set size of this process (VmHWM), in KiB.
pub(crate) fn peak_rss_kib() -> Option<u64> {
    peak_rss_kib_of("self")
}

/// Peak resident set size (VmHWM) of the process `pid` (a number, or `self`), in KiB; `None`
/// once it has exited.
pub(crate) fn peak_rss_kib_of(pid: &str) -> Option<u64> {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).ok()?;
    status
        .lines()
        .find_map(|l| l.strip_prefix("VmHWM:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
}
