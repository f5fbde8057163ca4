//! `station-bench`: per-unit wall time against the line-rate floor, throughput scaling, CPU
//! time and peak RSS of the station, for 1, 4, 16 and 32 slots on the virtual fixture.
//!
//! The virtual fixture runs in its own process (`virtual-fixture`, built next to this binary)
//! so the station's CPU time and RSS are the station's alone. Each slot count runs in a fresh
//! child process of this binary, so peak RSS is per configuration.
//!
//! Usage: `station-bench [--baud 115200] [--rounds 5] [--slots 1,4,16,32] [--compare-claim] [--steps]`
//! (built and run by `scripts/bench.sh`).
#![forbid(unsafe_code)]

#[allow(dead_code, reason = "each bench binary uses part of the shared module")]
mod common;

use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use anyhow::{Context, bail};
use serde::{Deserialize, Serialize};
use station_pipeline::{NoopSink, UnitOutcome};

#[derive(Debug, Serialize, Deserialize)]
struct Figures {
    slots: u16,
    baud: u32,
    rounds: u32,
    units: u32,
    /// Mean wall time of one unit, ms.
    unit_wall_ms: f64,
    /// Mean bytes exchanged per unit (both directions).
    unit_bytes: f64,
    /// Line-rate floor of those bytes at `baud` (10 bits per byte), ms.
    floor_ms: f64,
    /// Mean and worst of per-unit wall / floor.
    ratio_mean: f64,
    ratio_max: f64,
    /// Units per second over whole runs.
    throughput: f64,
    /// Station CPU (user + system) per unit, ms.
    cpu_per_unit_ms: f64,
    /// Peak resident set of the station process, MiB.
    peak_rss_mib: f64,
    /// Mean `lock` step per unit, ms: waiting for the claim's fsync (started before the
    /// readback) plus the lock exchange.
    lock_ms: f64,
    /// Mean duration of every step, ms (`--steps` prints them).
    steps_ms: std::collections::BTreeMap<String, f64>,
    /// CPU of the virtual-fixture process per unit, ms (10 ms clock ticks; diagnosis only).
    fixture_cpu_per_unit_ms: f64,
}

/// Per-unit wall time against the line-rate floor, throughput, CPU and peak RSS of the
/// station on the virtual fixture, per slot count.
#[derive(clap::Parser)]
#[command(name = "station-bench", version)]
struct Args {
    /// Baud rate of every virtual slot.
    #[arg(long, default_value_t = 115_200)]
    baud: u32,
    /// Runs per slot count.
    #[arg(long, default_value_t = 5)]
    rounds: u32,
    /// Slot counts to measure, comma-separated.
    #[arg(long, value_delimiter = ',', default_value = "1,4,16,32")]
    slots: Vec<u16>,
    /// Each slot count twice: with the write-ahead claim and without it.
    #[arg(long)]
    compare_claim: bool,
    /// Print each configuration's mean step durations too.
    #[arg(long)]
    steps: bool,
    /// Internal: measure one slot count in this process and print its figures as JSON.
    #[arg(long, hide = true)]
    child: Option<u16>,
    /// Internal (with --child): without the write-ahead claim.
    #[arg(long, hide = true)]
    no_claim: bool,
}

fn main() -> anyhow::Result<()> {
    let args = <Args as clap::Parser>::parse();
    let (baud, rounds) = (args.baud, args.rounds);
    let compare = args.compare_claim;
    let show_steps = args.steps;
    if let Some(n) = args.child {
        let figures = child(n, baud, rounds, args.no_claim)?;
        println!("{}", serde_json::to_string(&figures)?);
        return Ok(());
    }
    let slot_counts = args.slots.clone();
    println!(
        "station-bench: virtual fixture at {baud} baud, {rounds} rounds per slot count, DUT boot time 0 ms"
    );
    println!(
        "{:>8} {:>5} {:>6} {:>12} {:>10} {:>10} {:>10} {:>9} {:>12} {:>12} {:>9} {:>10} {:>12}",
        "claim",
        "slots",
        "units",
        "unit wall",
        "bytes",
        "floor",
        "wall/floor",
        "worst",
        "units/s",
        "CPU/unit",
        "peak RSS",
        "lock/unit",
        "DUT CPU/unit"
    );
    let exe = std::env::current_exe()?;
    let mut all = Vec::new();
    let variants: &[bool] = if compare { &[false, true] } else { &[false] };
    for (n, no_claim) in slot_counts
        .iter()
        .flat_map(|n| variants.iter().map(move |v| (*n, *v)))
    {
        let mut child_args = vec![
            "--child".to_owned(),
            n.to_string(),
            "--baud".to_owned(),
            baud.to_string(),
            "--rounds".to_owned(),
            rounds.to_string(),
        ];
        if no_claim {
            child_args.push("--no-claim".to_owned());
        }
        let out = Command::new(&exe)
            .args(&child_args)
            .stderr(Stdio::inherit())
            .output()?;
        if !out.status.success() {
            bail!("child for {n} slots failed");
        }
        let f: Figures = serde_json::from_slice(&out.stdout).context("child output")?;
        println!(
            "{:>8} {:>5} {:>6} {:>9.1} ms {:>10.0} {:>7.1} ms {:>10.3} {:>9.3} {:>12.2} {:>9.2} ms {:>5.1} MiB {:>7.2} ms {:>9.2} ms",
            if no_claim { "without" } else { "with" },
            f.slots,
            f.units,
            f.unit_wall_ms,
            f.unit_bytes,
            f.floor_ms,
            f.ratio_mean,
            f.ratio_max,
            f.throughput,
            f.cpu_per_unit_ms,
            f.peak_rss_mib,
            f.lock_ms,
            f.fixture_cpu_per_unit_ms
        );
        if show_steps {
            let steps: Vec<String> = f
                .steps_ms
                .iter()
                .map(|(k, ms)| format!("{k} {ms:.2}"))
                .collect();
            println!("{:>8} mean step ms: {}", "", steps.join(", "));
        }
        if !no_claim {
            all.push(f);
        }
    }
    if let (Some(one), Some(big)) = (
        all.iter().find(|f| f.slots == 1),
        all.iter().max_by_key(|f| f.slots),
    ) && big.slots > 1
    {
        let scaling = big.throughput / (f64::from(big.slots) * one.throughput);
        println!(
            "\nscaling: {} slots deliver {:.3} x ({} x single-slot throughput) (target >= 0.9)",
            big.slots, scaling, big.slots
        );
    }
    let worst = all.iter().map(|f| f.ratio_mean).fold(0.0, f64::max);
    println!(
        "per-unit wall / line-rate floor, worst configuration mean: {worst:.3} (target <= 1.10)"
    );
    Ok(())
}

/// One slot count: `rounds` runs, each on freshly placed boards.
fn child(slots: u16, baud: u32, rounds: u32, no_claim: bool) -> anyhow::Result<Figures> {
    let dir = std::env::temp_dir().join(format!("station-bench-{}-{slots}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir)?;
    let fixture_exe = std::env::current_exe()?
        .parent()
        .map(|p| p.join("virtual-fixture"))
        .context("binary directory")?;
    if !fixture_exe.exists() {
        bail!(
            "{} is missing: build it with `cargo build --release -p virtual-dut`",
            fixture_exe.display()
        );
    }
    let (station, _) = common::virtual_station(
        &dir,
        slots,
        baud,
        "p",
        r#"[[product]]
id = "p"
registration_id = { template = "bench-{serial}", lowercase = true }
dps = { id_scope = "0ne00BENCH1" }
attestation = { kind = "symmetric-key", enrollment = { type = "individual" } }
"#,
    )?;
    let station = if no_claim {
        station.dangerous_without_claim()
    } else {
        station
    };
    let request = common::bench_request();
    let (mut walls, mut ratios, mut bytes, mut lock_ms) =
        (Vec::new(), Vec::new(), Vec::new(), Vec::new());
    let mut run_time = Duration::ZERO;
    let mut cpu = Duration::ZERO;
    let mut fixture_cpu = Duration::ZERO;
    let mut per_step: std::collections::BTreeMap<String, (f64, u32)> = Default::default();
    for _ in 0..rounds {
        let mut fixture = FixtureProcess::start(&fixture_exe, &dir.join("fixture"), slots, baud)?;
        let cpu0 = cpu_time()?;
        let t = Instant::now();
        let summary = station.run(&request, &NoopSink)?;
        run_time += t.elapsed();
        cpu += cpu_time()? - cpu0;
        fixture_cpu += fixture.cpu_time()?;
        fixture.stop();
        for u in &summary.units {
            if !matches!(u.outcome, UnitOutcome::Pass { .. }) {
                bail!("slot {} did not pass: {:?}", u.slot, u.outcome);
            }
            let floor = u.link_bytes as f64 * 10.0 / f64::from(baud);
            walls.push(u.wall.as_secs_f64());
            bytes.push(u.link_bytes as f64);
            ratios.push(u.wall.as_secs_f64() / floor);
            let step = |name: &str| {
                u.steps
                    .iter()
                    .find(|s| s.0 == name)
                    .map_or(0.0, |s| s.1.as_secs_f64() * 1e3)
            };
            lock_ms.push(step("lock"));
            for (name, d, _) in &u.steps {
                let e = per_step.entry(name.clone()).or_default();
                e.0 += d.as_secs_f64() * 1e3;
                e.1 += 1;
            }
        }
    }
    let _ = std::fs::remove_dir_all(&dir);
    let units = walls.len() as u32;
    let mean = |v: &[f64]| v.iter().sum::<f64>() / v.len() as f64;
    let unit_bytes = mean(&bytes);
    Ok(Figures {
        slots,
        baud,
        rounds,
        units,
        unit_wall_ms: mean(&walls) * 1e3,
        unit_bytes,
        floor_ms: unit_bytes * 10.0 / f64::from(baud) * 1e3,
        ratio_mean: mean(&ratios),
        ratio_max: ratios.iter().copied().fold(0.0, f64::max),
        throughput: f64::from(units) / run_time.as_secs_f64(),
        cpu_per_unit_ms: cpu.as_secs_f64() * 1e3 / f64::from(units),
        peak_rss_mib: common::peak_rss_kib().context("VmHWM")? as f64 / 1024.0,
        lock_ms: mean(&lock_ms),
        steps_ms: per_step
            .into_iter()
            .map(|(k, (total, n))| (k, total / f64::from(n)))
            .collect(),
        fixture_cpu_per_unit_ms: fixture_cpu.as_secs_f64() * 1e3 / f64::from(units),
    })
}

/// A `virtual-fixture start` process with freshly placed boards.
struct FixtureProcess(Child);

impl FixtureProcess {
    fn start(exe: &Path, dir: &Path, slots: u16, baud: u32) -> anyhow::Result<Self> {
        let ports = dir.join("ports.toml");
        let _ = std::fs::remove_file(&ports);
        let child = Command::new(exe)
            .args([
                "start",
                "--fresh",
                "--slots",
                &slots.to_string(),
                "--baud",
                &baud.to_string(),
                "--dir",
            ])
            .arg(dir)
            .stdout(Stdio::null())
            .spawn()?;
        let deadline = Instant::now() + Duration::from_secs(10);
        while !ports.exists() {
            if Instant::now() > deadline {
                bail!("virtual fixture did not write {}", ports.display());
            }
            std::thread::sleep(Duration::from_millis(5));
        }
        Ok(Self(child))
    }

    /// CPU time the fixture process used so far (from /proc, 10 ms ticks).
    fn cpu_time(&self) -> anyhow::Result<Duration> {
        let stat = std::fs::read_to_string(format!("/proc/{}/stat", self.0.id()))?;
        let after = stat
            .rsplit_once(')')
            .map(|(_, r)| r)
            .context("stat format")?;
        let f: Vec<&str> = after.split_whitespace().collect();
        // After the command name: field 3 (state) is f[0]; utime (14) is f[11], stime (15) f[12].
        let ticks: u64 = f[11].parse::<u64>()? + f[12].parse::<u64>()?;
        Ok(Duration::from_millis(ticks * 10))
    }

    fn stop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

impl Drop for FixtureProcess {
    fn drop(&mut self) {
        self.stop();
    }
}

/// User + system CPU time of this process (`CLOCK_PROCESS_CPUTIME_ID`, nanosecond resolution).
fn cpu_time() -> anyhow::Result<Duration> {
    Ok(cpu_time::ProcessTime::try_now()?.as_duration())
}
