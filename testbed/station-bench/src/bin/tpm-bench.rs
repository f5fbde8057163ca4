//! `tpm-bench`: how long the station takes to read a TPM's endorsement key (and its EK
//! certificate) through a DUT over SMP at a given baud rate, against the line-rate floor of
//! the bytes exchanged, and how long tpm2-tools takes to read the same EK from a directly
//! connected swtpm.
//!
//! Everything is real: swtpm (manufactured by swtpm_setup with a local CA in a temporary
//! directory), the virtual DUT on a pseudo-terminal pacing at the baud rate, the station's SMP
//! client, the loopback TCTI bridge and tss-esapi.
//!
//! Usage: `tpm-bench [--baud 115200] [--rounds 10]`.
#![forbid(unsafe_code)]

use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use anyhow::{Context, bail};
use station_identity::tpm::{EkReader, ReadRequest, TpmLink, TpmLinkError, TssEkReader};
use station_smp::{Client, Connection, ConnectionConfig};
use station_transport::{LinkOpener, SerialOpener};
use virtual_dut::tpm::LocalCa;
use virtual_dut::{Fault, Fixture, FixtureSpec};

struct Link<'c>(&'c mut Client);

impl TpmLink for Link<'_> {
    fn transact(&mut self, command: &[u8]) -> Result<Vec<u8>, TpmLinkError> {
        self.0
            .tpm(command)
            .map_err(|e| TpmLinkError::Failed(Box::new(e)))
    }
}

struct Sample {
    wall: Duration,
    tpm_bytes: u64,
    wire_bytes: u64,
    commands: u32,
}

/// How long the station takes to read a TPM's EK and EK certificate through a DUT over SMP,
/// against the line-rate floor, and tpm2-tools reading the same EK from swtpm directly.
#[derive(clap::Parser)]
#[command(name = "tpm-bench", version)]
struct Args {
    /// Baud rate of the virtual slots.
    #[arg(long, default_value_t = 115_200)]
    baud: u32,
    /// Reads per board.
    #[arg(long, default_value_t = 10)]
    rounds: u32,
}

fn main() -> anyhow::Result<()> {
    let Args { baud, rounds } = <Args as clap::Parser>::parse();
    let dir = tempfile::tempdir()?;
    let ca = LocalCa::open(dir.path().join("ca"))?;
    ca.ensure_created()?;
    let spec = FixtureSpec::uniform(dir.path().join("fixture"), 2, baud)
        .with_tpm(1, ca.dir())
        .with_tpm(2, ca.dir())
        .with_fault(2, Fault::TransientEk);
    let fixture = Fixture::start(&spec).context("starting the virtual fixture")?;
    println!(
        "tpm-bench: EK + EK certificate read through a virtual DUT over SMP at {baud} baud, {rounds} rounds per board"
    );
    println!(
        "{:<34} {:>9} {:>9} {:>9} {:>9} {:>11} {:>9} {:>11} {:>10}",
        "board",
        "read ms",
        "min ms",
        "max ms",
        "TPM cmds",
        "TPM bytes",
        "floor ms",
        "wire bytes",
        "floor ms"
    );
    let reader = TssEkReader::new();
    for (slot, label) in [
        (1u16, "persistent EK (0x81010001)"),
        (2, "no persistent EK (CreatePrimary)"),
    ] {
        let link = SerialOpener.open(fixture.port(slot), baud)?;
        let mut client = Client::new(Connection::new(link, ConnectionConfig::default()));
        client.identity()?;
        let mut samples = Vec::new();
        for _ in 0..rounds {
            let before = client.stats().total();
            let t = Instant::now();
            let read = reader.read(&mut Link(&mut client), &ReadRequest::default())?;
            let wall = t.elapsed();
            if read.ek_certificate.is_none() {
                bail!("slot {slot}: no EK certificate read");
            }
            samples.push(Sample {
                wall,
                tpm_bytes: read.exchange.command_bytes + read.exchange.response_bytes,
                wire_bytes: client.stats().total() - before,
                commands: read.exchange.commands,
            });
        }
        let ms = |d: Duration| d.as_secs_f64() * 1e3;
        let floor = |bytes: u64| bytes as f64 * 10.0 / f64::from(baud) * 1e3;
        let n = samples.len() as f64;
        let mean = samples.iter().map(|s| ms(s.wall)).sum::<f64>() / n;
        let min = samples.iter().map(|s| ms(s.wall)).fold(f64::MAX, f64::min);
        let max = samples.iter().map(|s| ms(s.wall)).fold(0.0, f64::max);
        let s0 = &samples[0];
        println!(
            "{:<34} {:>9.1} {:>9.1} {:>9.1} {:>9} {:>11} {:>9.1} {:>11} {:>10.1}",
            label,
            mean,
            min,
            max,
            s0.commands,
            s0.tpm_bytes,
            floor(s0.tpm_bytes),
            s0.wire_bytes,
            floor(s0.wire_bytes)
        );
        println!(
            "{:<34} read / floor(TPM bytes) = {:.2}, read / floor(wire bytes) = {:.2}",
            "",
            mean / floor(s0.tpm_bytes),
            mean / floor(s0.wire_bytes)
        );
    }
    let tpm1 = fixture.tpm_dir(1);
    let copy = dir.path().join("direct");
    virtual_dut::tpm::clone_state(&tpm1, &copy)?;
    fixture.stop();
    tpm2_tools(&copy, rounds)?;
    Ok(())
}

/// tpm2-tools against a swtpm on the TCP socket protocol (no DUT, no serial link).
fn tpm2_tools(state: &Path, rounds: u32) -> anyhow::Result<()> {
    let out = tempfile::tempdir()?;
    let swtpm = virtual_dut::tpm_stack::PoweredTpm::start(state, out.path().to_owned())
        .context("swtpm must be installed")?;
    let tcti = format!("swtpm:host=127.0.0.1,port={}", swtpm.port());
    let run = |cmds: &[&[&str]]| -> anyhow::Result<f64> {
        let mut total = 0.0;
        for _ in 0..rounds {
            let t = Instant::now();
            for args in cmds {
                let status = Command::new(args[0])
                    .arg("--tcti")
                    .arg(&tcti)
                    .args(&args[1..])
                    .current_dir(out.path())
                    .stdout(Stdio::null())
                    .stderr(Stdio::null())
                    .status()
                    .with_context(|| format!("{} must be installed (tpm2-tools)", args[0]))?;
                if !status.success() {
                    bail!("{args:?} failed");
                }
            }
            total += t.elapsed().as_secs_f64() * 1e3;
        }
        Ok(total / f64::from(rounds))
    };
    let readpublic = run(&[&[
        "tpm2_readpublic",
        "-c",
        "0x81010001",
        "-f",
        "tss",
        "-o",
        "ek.pub",
    ]])?;
    let with_cert = run(&[
        &[
            "tpm2_readpublic",
            "-c",
            "0x81010001",
            "-f",
            "tss",
            "-o",
            "ek.pub",
        ],
        &["tpm2_nvread", "-C", "o", "-o", "ek.der", "0x1c00002"],
    ])?;
    let createek = run(&[
        &["tpm2_createek", "-G", "rsa", "-c", "ek.ctx"],
        &[
            "tpm2_readpublic",
            "-c",
            "ek.ctx",
            "-f",
            "tss",
            "-o",
            "ek2.pub",
        ],
        &["tpm2_flushcontext", "-t"],
    ])?;
    drop(swtpm);
    println!("tpm2-tools on a directly connected swtpm (TCP, no DUT), mean of {rounds}:");
    println!("  tpm2_readpublic -c 0x81010001 -f tss                      {readpublic:>7.1} ms");
    println!("  tpm2_readpublic + tpm2_nvread 0x1c00002 (EK + certificate) {with_cert:>7.1} ms");
    println!("  tpm2_createek -G rsa + tpm2_readpublic -f tss + flush      {createek:>7.1} ms");
    Ok(())
}
