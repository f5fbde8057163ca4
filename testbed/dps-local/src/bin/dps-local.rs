//! `dps-local`: run the local DPS (service API and device API) until interrupted.
#![forbid(unsafe_code)]

use std::net::SocketAddr;
use std::path::PathBuf;
use std::time::Duration;

use clap::Parser;
use dps_local::{Config, Faults, RateLimit, Server};

/// A local DPS-compatible service API (api-version 2021-10-01) over HTTPS on loopback.
#[derive(Parser)]
#[command(name = "dps-local", version)]
struct Args {
    /// State directory (CA, certificates, policies, connection strings, database).
    #[arg(long, default_value = "var/dps-local")]
    state_dir: PathBuf,
    /// Address to listen on (loopback). Port 0 picks a free port.
    #[arg(long, default_value = "127.0.0.1:8443")]
    bind: SocketAddr,
    /// Host name clients use (connection strings, SAS resource, server certificate).
    #[arg(long, default_value = "localhost")]
    host_name: String,
    /// Rate limit in operations per minute (unlimited when absent).
    #[arg(long)]
    ops_per_minute: Option<u32>,
    /// Operations a bulk call costs.
    #[arg(long, default_value_t = 10)]
    bulk_cost: u32,
    /// Rate-limit bucket size (default: ten seconds of budget).
    #[arg(long)]
    burst: Option<u32>,
    /// Added latency per request, in milliseconds.
    #[arg(long, default_value_t = 0)]
    latency_ms: u64,
    /// Share of requests whose connection is reset (0 to 1).
    #[arg(long, default_value_t = 0.0)]
    reset_rate: f64,
    /// Share of requests answered 429 regardless of the rate limit (0 to 1).
    #[arg(long, default_value_t = 0.0)]
    throttle_rate: f64,
    /// Retry-After seconds on forced 429s.
    #[arg(long, default_value_t = 1)]
    retry_after: u32,
    /// Share of requests answered 500/503 (0 to 1).
    #[arg(long, default_value_t = 0.0)]
    error_rate: f64,
    /// Seed for the fault draws.
    #[arg(long)]
    seed: Option<u64>,
    /// The ID scope devices register in.
    #[arg(long, default_value = "0ne00DEMO01")]
    id_scope: String,
    /// A linked hub, as HOST[:WEIGHT[:LATENCY_MS]] (repeatable, at most 10): allocation chooses
    /// among them (weight for hashed, latency for geoLatency). Default: one hub,
    /// dps-local-hub.azure-devices.net.
    #[arg(long = "hub", value_name = "HOST[:WEIGHT[:LATENCY_MS]]", value_parser = linked_hub)]
    hubs: Vec<dps_local::LinkedHub>,
    /// The service-level allocation policy for enrollments that set none: hashed, geoLatency
    /// or static.
    #[arg(long, default_value = "hashed", value_parser = service_policy)]
    allocation_policy: dps_wire::schema::AllocationPolicy,
    /// PEM file of extra roots a custom-allocation webhook's certificate may chain to.
    #[arg(long)]
    webhook_trust: Option<std::path::PathBuf>,
    /// Where the device API's MQTT over TLS listens (the Azure device SDKs use port 8883);
    /// `off` for none.
    #[arg(long, default_value = "127.0.0.1:8883")]
    mqtt: String,
    /// Where the device API's AMQP 1.0 over TLS listens (the Azure device SDKs use port 5671);
    /// `off` for none.
    #[arg(long, default_value = "127.0.0.1:5671")]
    amqp: String,
    /// Where the device API's WebSockets listen, serving MQTT and AMQP by subprotocol (the
    /// SDKs' websockets options use port 443), e.g. 127.0.0.1:443; `off` (the default) for
    /// none.
    #[arg(long, default_value = "off")]
    websocket: String,
    /// Device registrations per minute for the whole service (DPS: 200); 0 = unlimited.
    #[arg(long, default_value_t = 200)]
    registrations_per_minute: u32,
    /// Operation lookups per device per 10 s (DPS: 5); 0 = unlimited.
    #[arg(long, default_value_t = 5)]
    polls_per_device: u32,
}

/// `HOST[:WEIGHT[:LATENCY_MS]]`.
fn linked_hub(s: &str) -> Result<dps_local::LinkedHub, String> {
    let mut parts = s.split(':');
    let host = parts.next().unwrap_or_default().trim();
    if host.is_empty() {
        return Err("the hub's host name is empty".into());
    }
    let mut hub = dps_local::LinkedHub::new(host);
    if let Some(w) = parts.next() {
        hub.allocation_weight = w
            .parse()
            .map_err(|_| format!("weight {w:?} is not a whole number"))?;
    }
    if let Some(l) = parts.next() {
        hub.latency_ms = l
            .parse()
            .map_err(|_| format!("latency {l:?} is not a whole number of milliseconds"))?;
    }
    if parts.next().is_some() {
        return Err(format!("{s:?} has more than HOST:WEIGHT:LATENCY_MS"));
    }
    Ok(hub)
}

/// A service-level policy: not `custom` (a webhook belongs to an enrollment).
fn service_policy(s: &str) -> Result<dps_wire::schema::AllocationPolicy, String> {
    use dps_wire::schema::AllocationPolicy as P;
    match s {
        "hashed" => Ok(P::Hashed),
        "geoLatency" => Ok(P::GeoLatency),
        "static" => Ok(P::Static),
        other => Err(format!(
            "{other:?} is not a service-level policy: hashed, geoLatency or static (custom is set per enrollment)"
        )),
    }
}

/// The DER certificates in a PEM file.
fn pem_certificates(path: &std::path::Path) -> Result<Vec<Vec<u8>>, String> {
    use rustls::pki_types::CertificateDer;
    use rustls::pki_types::pem::PemObject as _;
    CertificateDer::pem_file_iter(path)
        .and_then(|certs| certs.map(|c| c.map(|c| c.to_vec())).collect())
        .map_err(|e| format!("{}: {e}", path.display()))
}

#[tokio::main(flavor = "multi_thread", worker_threads = 2)]
async fn main() -> std::process::ExitCode {
    let args = Args::parse();
    let _ = tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_env("DPS_LOCAL_LOG")
                .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info")),
        )
        .with_writer(std::io::stderr)
        .try_init();
    let config = Config {
        state_dir: args.state_dir,
        bind: args.bind,
        host_name: args.host_name,
        rate_limit: RateLimit {
            ops_per_minute: args.ops_per_minute,
            bulk_cost: args.bulk_cost,
            burst: args.burst,
        },
        faults: Faults {
            latency: Duration::from_millis(args.latency_ms),
            reset_rate: args.reset_rate,
            throttle_rate: args.throttle_rate,
            retry_after_secs: args.retry_after,
            error_5xx_rate: args.error_rate,
        },
        seed: args.seed,
        device: dps_local::DeviceSettings {
            id_scope: args.id_scope,
            linked_hubs: if args.hubs.is_empty() {
                vec![dps_local::LinkedHub::new(dps_local::DEFAULT_HUB)]
            } else {
                args.hubs
            },
            allocation_policy: args.allocation_policy,
            webhook_roots: match args
                .webhook_trust
                .as_deref()
                .map(pem_certificates)
                .transpose()
            {
                Ok(roots) => roots.unwrap_or_default(),
                Err(e) => {
                    eprintln!("error: --webhook-trust: {e}");
                    return std::process::ExitCode::from(2);
                }
            },
            registrations_per_minute: (args.registrations_per_minute > 0)
                .then_some(args.registrations_per_minute),
            polls_per_device_per_10s: (args.polls_per_device > 0).then_some(args.polls_per_device),
            ..dps_local::DeviceSettings::default()
        },
        mqtt_bind: match listen("--mqtt", &args.mqtt) {
            Ok(a) => a,
            Err(code) => return code,
        },
        websocket_bind: match listen("--websocket", &args.websocket) {
            Ok(a) => a,
            Err(code) => return code,
        },
        amqp_bind: match listen("--amqp", &args.amqp) {
            Ok(a) => a,
            Err(code) => return code,
        },
    };
    let server = match Server::start(config).await {
        Ok(s) => s,
        Err(e) => {
            let mut text = e.to_string();
            let mut cause = std::error::Error::source(&e);
            while let Some(c) = cause {
                text.push_str(&format!(": {c}"));
                cause = c.source();
            }
            eprintln!("error: {text}");
            return std::process::ExitCode::from(2);
        }
    };
    println!("dps-local listening on https://{}", server.host());
    for (what, addr) in [
        ("MQTT", server.mqtt_addr()),
        ("AMQP", server.amqp_addr()),
        ("WebSockets (MQTT, AMQP)", server.websocket_addr()),
    ] {
        if let Some(addr) = addr {
            println!("device API over {what} on {addr}");
        }
    }
    println!("trust file: {}", server.ca_file().display());
    println!(
        "connection string file: {}",
        server.connection_string_file().display()
    );
    let _ = tokio::signal::ctrl_c().await;
    server.shutdown().await;
    std::process::ExitCode::SUCCESS
}

/// An optional listening address: `off`, or `host:port`.
fn listen(flag: &str, value: &str) -> Result<Option<SocketAddr>, std::process::ExitCode> {
    if value == "off" {
        return Ok(None);
    }
    value.parse().map(Some).map_err(|_| {
        eprintln!("error: {flag} {value:?} is not an address like 127.0.0.1:8883 (or off)");
        std::process::ExitCode::from(2)
    })
}
