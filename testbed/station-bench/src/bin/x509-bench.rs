//! `x509-bench`: certificates per second from the signing CA with an encrypted-file key and
//! with a SoftHSM2 token key, and the per-unit wall time of an X.509 unit on the virtual
//! fixture against its line-rate floor.
//!
//! Usage: `x509-bench [--certs 500] [--rounds 5] [--baud 115200]` (release build:
//! `cargo build --release -p station-bench -p virtual-dut`). The SoftHSM2 figure runs in a child
//! process of this binary with `SOFTHSM2_CONF` pointing at a temporary token directory.
#![forbid(unsafe_code)]

#[allow(dead_code, reason = "each bench binary uses part of the shared module")]
mod common;

use std::path::Path;
use std::process::Command;
use std::sync::Arc;
use std::time::Instant;

use anyhow::{Context, bail};
use station_identity::pki::file::{self, KdfCost};
use station_identity::pki::pkcs11::{self, Pkcs11Key, SOFTHSM2_MODULE};
use station_identity::pki::{
    CertSerial, CheckedCsr, CsrPolicy, Issuer, KeyAlgorithm, LeafProfile, check_csr, make_dev_ca,
    pem_encode,
};
use station_pipeline::{NoopSink, UnitOutcome};
use virtual_dut::{Fixture, FixtureSpec};

/// Certificates per second from a file-key CA and a SoftHSM2 token CA, and the per-unit wall
/// time of an X.509 unit on the virtual fixture against its line-rate floor.
#[derive(clap::Parser)]
#[command(name = "x509-bench", version)]
struct Args {
    /// Certificates to issue per signing CA.
    #[arg(long, default_value_t = 500)]
    certs: u32,
    /// Runs of the X.509 unit on the virtual fixture.
    #[arg(long, default_value_t = 5)]
    rounds: u32,
    /// Baud rate of the virtual slots.
    #[arg(long, default_value_t = 115_200)]
    baud: u32,
    /// Internal: measure the SoftHSM2 rate in this process (SOFTHSM2_CONF set) and print it.
    #[arg(long, hide = true)]
    softhsm_child: bool,
}

fn main() -> anyhow::Result<()> {
    let args = <Args as clap::Parser>::parse();
    let (certs, rounds, baud) = (args.certs, args.rounds, args.baud);
    if args.softhsm_child {
        println!("{:.1}", softhsm_rate(certs)?);
        return Ok(());
    }
    let dir = tempfile::tempdir()?;
    let file_ca = file_ca(dir.path())?;
    let csr = sample_csr()?;
    let rate = rate(&*file_ca, &csr, certs)?;
    println!("certificates/s, file key (P-256, ring): {rate:.1}  ({certs} certificates)");
    let hsm = softhsm_in_child(certs)?;
    println!("certificates/s, SoftHSM2 token key:     {hsm:.1}  ({certs} certificates)");
    unit_wall(dir.path(), file_ca, baud, rounds)?;
    Ok(())
}

fn file_ca(dir: &Path) -> anyhow::Result<Arc<dyn Issuer>> {
    let key = file::generate_key()?;
    let dev = make_dev_ca("bench", &key, 30)?;
    let cert = dir.join("ca.pem");
    std::fs::write(&cert, pem_encode("CERTIFICATE", &dev.signing_ca))?;
    let key_path = dir.join("ca.key.pem");
    file::write_encrypted_key(&key, &key_path, b"bench", KdfCost::Low)?;
    Ok(Arc::new(file::load_ca(&cert, &[], &key_path, b"bench")?))
}

fn sample_csr() -> anyhow::Result<CheckedCsr> {
    let key = rcgen::KeyPair::generate()?;
    let mut params = rcgen::CertificateParams::default();
    params.distinguished_name = rcgen::DistinguishedName::new();
    params
        .distinguished_name
        .push(rcgen::DnType::CommonName, "bench-device");
    let der = params.serialize_request(&key)?.der().to_vec();
    Ok(check_csr(
        &der,
        &CsrPolicy {
            expected_cn: "bench-device".into(),
            allowed_algorithms: vec![KeyAlgorithm::EcP256],
        },
    )?)
}

/// Certificates per second: sign (and self-check) `n` leaves.
fn rate(ca: &dyn Issuer, csr: &CheckedCsr, n: u32) -> anyhow::Result<f64> {
    let profile = LeafProfile::days(365);
    let t = Instant::now();
    for _ in 0..n {
        ca.issue(csr, &profile, &CertSerial::random())?;
    }
    Ok(f64::from(n) / t.elapsed().as_secs_f64())
}

fn softhsm_in_child(n: u32) -> anyhow::Result<f64> {
    if !Path::new(SOFTHSM2_MODULE).exists() {
        bail!("SoftHSM2 is not installed ({SOFTHSM2_MODULE}); run scripts/bootstrap.sh");
    }
    let dir = tempfile::tempdir()?;
    let tokens = dir.path().join("tokens");
    std::fs::create_dir_all(&tokens)?;
    let conf = dir.path().join("softhsm2.conf");
    std::fs::write(
        &conf,
        format!(
            "directories.tokendir = {}\nobjectstore.backend = file\nlog.level = ERROR\n",
            tokens.display()
        ),
    )?;
    let out = Command::new(std::env::current_exe()?)
        .args(["--softhsm-child", "--certs", &n.to_string()])
        .env("SOFTHSM2_CONF", &conf)
        .output()?;
    if !out.status.success() {
        bail!(
            "SoftHSM2 child failed: {}",
            String::from_utf8_lossy(&out.stderr)
        );
    }
    Ok(String::from_utf8(out.stdout)?.trim().parse()?)
}

fn softhsm_rate(n: u32) -> anyhow::Result<f64> {
    let module = Path::new(SOFTHSM2_MODULE);
    pkcs11::init_token(module, "bench", "5678", "1234")?;
    let key = Pkcs11Key::generate(module, "bench", "ca", "1234")?;
    let dev = make_dev_ca("bench-hsm", &key, 30)?;
    drop(key);
    let dir = tempfile::tempdir()?;
    let cert = dir.path().join("ca.pem");
    std::fs::write(&cert, pem_encode("CERTIFICATE", &dev.signing_ca))?;
    let ca = pkcs11::load_ca(&cert, &[], module, "bench", "ca", "1234")?;
    rate(&ca, &sample_csr()?, n)
}

/// One X.509 slot on the virtual fixture (in this process), `rounds` fresh boards.
fn unit_wall(dir: &Path, ca: Arc<dyn Issuer>, baud: u32, rounds: u32) -> anyhow::Result<()> {
    let (station, _) = common::virtual_station(
        dir,
        1,
        baud,
        "x",
        r#"[[product]]
id = "x"
registration_id = { template = "bench-{serial}", lowercase = true }
dps = { id_scope = "0ne00BENCH1" }
[product.attestation]
kind = "x509"
enrollment = "individual"
ca = { backend = "file", certificate = "ca.pem", key = "ca.key.pem", passphrase = { env = "UNUSED" } }
"#,
    )?;
    let station = station.with_issuer("x", ca);
    let request = common::bench_request();
    let (mut walls, mut floors, mut bytes) = (Vec::new(), Vec::new(), Vec::new());
    let mut step_ms: std::collections::BTreeMap<String, f64> = Default::default();
    for _ in 0..rounds {
        let fixture_dir = dir.join("fixture");
        let _ = std::fs::remove_dir_all(&fixture_dir);
        let fixture = Fixture::start(&FixtureSpec::uniform(&fixture_dir, 1, baud))
            .context("virtual fixture")?;
        let summary = station.run(&request, &NoopSink)?;
        fixture.stop();
        let u = &summary.units[0];
        if !matches!(u.outcome, UnitOutcome::Pass { .. }) {
            bail!("X.509 unit did not pass: {:?}", u.outcome);
        }
        walls.push(u.wall.as_secs_f64() * 1e3);
        floors.push(u.link_bytes as f64 * 10.0 / f64::from(baud) * 1e3);
        bytes.push(u.link_bytes as f64);
        for (name, d, _) in &u.steps {
            *step_ms.entry(name.clone()).or_default() += d.as_secs_f64() * 1e3 / f64::from(rounds);
        }
    }
    let mean = |v: &[f64]| v.iter().sum::<f64>() / v.len() as f64;
    let (wall, floor) = (mean(&walls), mean(&floors));
    println!(
        "X.509 unit at {baud} baud ({rounds} rounds, 1 slot): wall {wall:.1} ms, {:.0} bytes on the link, line-rate floor {floor:.1} ms, wall/floor {:.3}",
        mean(&bytes),
        wall / floor
    );
    let steps: Vec<String> = step_ms.iter().map(|(k, v)| format!("{k} {v:.1}")).collect();
    println!("  mean step times (ms): {}", steps.join(", "));
    Ok(())
}
