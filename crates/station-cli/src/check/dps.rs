//! `dps.endpoint`: each product's DPS global endpoint resolves (devices will need it).

use std::net::ToSocketAddrs;

use station_config::StationConfig;

use super::CheckResult;

pub(super) fn check(config: &StationConfig) -> Vec<CheckResult> {
    let mut hosts: Vec<&str> = config
        .products
        .iter()
        .map(|p| p.dps.global_endpoint.as_str())
        .collect();
    hosts.sort_unstable();
    hosts.dedup();
    hosts
        .into_iter()
        .map(|host| {
            let target = if host.contains(':') { host.to_owned() } else { format!("{host}:443") };
            match target.to_socket_addrs().map(Iterator::count) {
                Ok(n) if n > 0 => CheckResult::ok("dps.endpoint", format!("{host} resolves")),
                _ => CheckResult::warning(
                    "dps.endpoint",
                    format!("{host} does not resolve from this PC"),
                    "Fine on an air-gapped line (the DUTs resolve it in the field); otherwise check DNS.",
                ),
            }
        })
        .collect()
}

/// `dps.service`: the DPS service the station uploads to answers over HTTPS, its certificate
/// validates against the configured trust, and the SAS policy may read enrollments. Probes with
/// a GET of an enrollment that does not exist: 404 is the healthy answer.
pub(super) fn service(config: &StationConfig) -> Vec<CheckResult> {
    let Some(upload) = &config.upload else {
        return Vec::new();
    };
    if upload.connection_string.is_none() {
        return Vec::new();
    }
    let client = match crate::upload::client(upload) {
        Ok(c) => c,
        Err(e) => {
            return vec![failed_from(
                &e,
                "Set upload.connection_string and upload.trust_anchor correctly.",
            )];
        }
    };
    let base = client.base_url().to_owned();
    let runtime = match tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
    {
        Ok(r) => r,
        Err(e) => {
            return vec![CheckResult::failed(
                "dps.service",
                format!("cannot start the HTTPS client: {e}"),
                "Report this station bug.",
            )];
        }
    };
    let probe = runtime.block_on(async {
        tokio::time::timeout(
            std::time::Duration::from_secs(10),
            client.enrollment("station-preflight-probe"),
        )
        .await
    });
    vec![match probe {
        Err(_) => CheckResult::failed(
            "dps.service",
            format!("{base} did not answer within 10 s"),
            "Check the network path to DPS (proxy, firewall) and upload.service_host.",
        ),
        Ok(Err(e)) if e.is_not_found() => CheckResult::ok(
            "dps.service",
            format!("{base} answers over HTTPS; certificate and SAS accepted"),
        ),
        Ok(Err(e)) if e.is_unauthorized() => CheckResult::failed(
            "dps.service",
            format!("{base} refused the SAS token: {e}"),
            "Check the connection string's key and that its policy has EnrollmentRead and EnrollmentWrite; check the clock.",
        ),
        Ok(Err(e)) => CheckResult::failed(
            "dps.service",
            format!("{base}: {}", crate::output::chain(&e)),
            match upload.trust_anchor.as_ref() {
                Some(t) => format!(
                    "Is the service up? Does its certificate chain to {}?",
                    t.display()
                ),
                None => "Is the service up and reachable from this PC (DNS, proxy, firewall)?"
                    .to_owned(),
            },
        ),
        Ok(Ok(_)) => CheckResult::ok("dps.service", format!("{base} answers over HTTPS")),
    }]
}

fn failed_from(e: &anyhow::Error, fallback: &str) -> CheckResult {
    match e.downcast_ref::<crate::output::CliError>() {
        Some(c) => CheckResult::failed("dps.service", c.message.clone(), c.help()),
        None => CheckResult::failed("dps.service", format!("{e:#}"), fallback),
    }
}
