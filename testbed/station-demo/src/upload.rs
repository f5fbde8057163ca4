//! The end of the demo's run: dps-local started, the queue uploaded to it as `station upload`
//! does, every PASS unit's enrollment read back through the service API.

use std::path::Path;
use std::time::Duration;

use station_cli::embed::{CliError, chain};
use station_config::{SecretSource, UploadSection};
use station_store::Store;

/// How long the demo waits for each read-back.
const READ_BACK_TIMEOUT: Duration = Duration::from_secs(30);

/// The end of `station-demo`: starts dps-local (a real HTTPS server on loopback, state in the
/// directory of the configured connection string file), uploads the queue, then reads every
/// enrollment of this run's PASS units back through the service API.
pub(crate) fn demo_upload(
    section: Option<&UploadSection>,
    secrets: &station_config::SecretsSection,
    db: &Path,
    run_id: &str,
    device: dps_local::DeviceSettings,
    json: bool,
) -> anyhow::Result<Option<dps_local::ServerThread>> {
    let Some(section) = section else {
        return Ok(None);
    };
    let Some(SecretSource::File { file }) = &section.connection_string else {
        return Ok(None);
    };
    let state_dir = file.parent().map(Path::to_path_buf).unwrap_or_default();
    let mut config = dps_local::Config::new(&state_dir);
    // The boards register over MQTT afterwards; a free port, so nothing else on 8883 matters.
    config.mqtt_bind = Some(std::net::SocketAddr::from(([127, 0, 0, 1], 0)));
    config.device = device;
    let server = dps_local::ServerThread::start(config).map_err(|e| {
        CliError::anyhow(
            "station::demo::dps_local",
            format!("could not start dps-local: {}", chain(&e)),
        )
    })?;
    if !json {
        println!(
            "
dps-local: https://{} (state {}, trust file {})",
            server.host(),
            state_dir.display(),
            server.ca_file().display()
        );
    }
    let stats = station_cli::embed::upload_queue(section, secrets, db, "uploader@demo", json)?;
    let store = Store::open(db).map_err(CliError::from)?;
    if !json {
        println!(
            "upload: {} created, {} already present, {} conflict(s) in {} bulk call(s)",
            stats.created, stats.already_present, stats.conflicts, stats.bulk_calls
        );
    }
    let mut passed = store
        .units(&station_store::UnitFilter {
            run: Some(station_store::RunId(run_id.to_owned())),
            status: Some(station_store::UnitStatus::Pass),
            ..Default::default()
        })
        .map_err(CliError::from)?;
    passed.sort_by_key(|u| u.slot);
    let client = station_cli::embed::dps_client(section)?;
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()?;
    let (mut present, mut expected) = (0, 0);
    for unit in &passed {
        let Some(detail) = store.unit(unit.id).map_err(CliError::from)? else {
            continue;
        };
        let Some(queued) = detail.enrollment else {
            continue;
        };
        expected += 1;
        let sent: station_upload::schema::IndividualEnrollment =
            serde_json::from_str(&queued.payload_json)?;
        // A device key was sealed, then purged once DPS took it: the station compares what
        // DPS holds with the digest of what the board was written, never with a key.
        let key_digest = store
            .claim_of_unit(unit.id)
            .map_err(CliError::from)?
            .and_then(|c| {
                c.settings
                    .into_iter()
                    .find(|(name, _)| name.ends_with("/sym_key"))
                    .map(|(_, digest)| digest)
            });
        let same = |held: &station_upload::schema::IndividualEnrollment| match (
            queued.secret,
            &held.attestation.symmetric_key,
        ) {
            (
                station_store::SecretState::Sealed | station_store::SecretState::Purged,
                Some(keys),
            ) => keys
                .primary_key
                .as_deref()
                .is_some_and(|k| Some(station_store::setting_digest(k.as_bytes())) == key_digest),
            _ => sent.attestation.same_identity(&held.attestation),
        };
        let got = runtime.block_on(async {
            tokio::time::timeout(
                READ_BACK_TIMEOUT,
                client.enrollment(&queued.registration_id),
            )
            .await
        });
        let verdict = match got {
            Ok(Ok(e)) if same(&e) => {
                present += 1;
                match queued.secret {
                    station_store::SecretState::Purged => {
                        "present (GET 200, key digest matches the board; purged here)".to_owned()
                    }
                    _ => "present (GET 200, same attestation)".to_owned(),
                }
            }
            Ok(Ok(_)) => "MISMATCH: DPS holds a different attestation".to_owned(),
            Ok(Err(e)) => format!("MISSING: {e}"),
            Err(_) => "MISSING: no answer".to_owned(),
        };
        if !json {
            println!(
                "  slot {:>2} {:<16} {:<28} {verdict}",
                unit.slot,
                unit.serial.as_deref().unwrap_or("-"),
                queued.registration_id
            );
        }
    }
    if !json {
        println!(
            "{present} of {expected} PASS unit enrollment(s) present in dps-local, read back \
             through the service API"
        );
    }
    if present != expected {
        return Err(CliError::anyhow(
            "station::demo::not_enrolled",
            format!(
                "{} PASS unit(s) are not enrolled in dps-local",
                expected - present
            ),
        ));
    }
    Ok(Some(server))
}
