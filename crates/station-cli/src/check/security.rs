//! `station check --security`: the threat model (docs/security.md), item by item, on this
//! station: what it guarantees here, what is misconfigured, and what is the site's duty or not
//! built yet. Each finding has its own id (`security.…`); a misconfiguration fails, a duty the
//! station cannot check or a guarantee not built yet is a warning that says so.

use std::path::Path;

use station_config::{AttestationConfig, CaConfig, StationConfig};
use station_store::Store;

use super::CheckResult;

/// Every security finding for `config`.
pub(super) fn check(config: &StationConfig, offline: bool) -> Vec<CheckResult> {
    let mut out = vec![CheckResult::ok(
        "security.config",
        "the configuration and every secret file it names are owned by you or root and \
         writable by no one else (refused otherwise, by every command and the app)",
    )];
    out.extend(ca_keys(config));
    out.push(keys_at_rest(config));
    out.push(disk(&config.storage.database));
    out.extend(exports(config));
    out.extend(line_db(config, offline));
    out.push(CheckResult::ok(
        "security.pins",
        "PINs: technician 4-12 digits, supervisor and admin 6-12; escalating locks; one answer \
         for a wrong PIN, an unknown ID and a locked operator; every CLI supervisor decision \
         checks the PIN",
    ));
    out.push(if config.line_db.is_some() {
        CheckResult::ok(
            "security.audit_anchor",
            "the line database keeps an append-only copy of the audit chain, which this \
             station cannot change: station audit verify --against-line compares them",
        )
    } else {
        CheckResult::warning(
            "security.audit_anchor",
            "the audit chain is kept in this station's database only: whoever can write that \
             file (root, a stolen disk) can rewrite it and recompute the hashes",
            "Keep the head `station audit verify` prints (or an export's manifest) off the PC \
             and check it later with --expect-head; on a line, the line database's copy is \
             the anchor.",
        )
    });
    out.push(super::accounts::check(config));
    out
}

/// `security.ca_key`: a signing CA's key in an HSM, or a passphrase-encrypted file on disk.
fn ca_keys(config: &StationConfig) -> Vec<CheckResult> {
    config
        .products
        .iter()
        .filter_map(|p| match &p.attestation {
            AttestationConfig::X509 { ca, .. } => Some((p, ca)),
            _ => None,
        })
        .map(|(p, ca)| match ca {
            CaConfig::Pkcs11 { .. } => CheckResult::ok(
                "security.ca_key",
                format!(
                    "product {}: the signing CA's key is in a PKCS#11 token (never on disk)",
                    p.id
                ),
            ),
            CaConfig::File { key, .. } => CheckResult::warning(
                "security.ca_key",
                format!(
                    "product {}: the signing CA's key is a file on this disk ({}), encrypted \
                     with a passphrase that is also on this PC",
                    p.id,
                    key.display()
                ),
                "Use an HSM (ca.backend = \"pkcs11\") for production: a stolen PC then \
                 yields no CA key.",
            ),
        })
        .collect()
}

/// `security.keys_at_rest`: device keys the database still holds readably (and how many it
/// keeps sealed, or has purged).
fn keys_at_rest(config: &StationConfig) -> CheckResult {
    let db = &config.storage.database;
    let counts = if db.exists() {
        Store::open(db).and_then(|s| s.secret_counts())
    } else {
        Ok(station_store::SecretCounts::default())
    };
    match counts {
        Ok(c) if c.plain == 0 => CheckResult::ok(
            "security.keys_at_rest",
            format!(
                "no device key is readable in the database: {} sealed until delivered (only \
                 the identity's holder opens them), {} purged once delivered",
                c.sealed, c.purged
            ),
        ),
        Ok(c) => CheckResult::warning(
            "security.keys_at_rest",
            format!(
                "{} enrollment(s) in the database hold a device's symmetric key in clear, \
                 readable by whoever reads the database file",
                c.plain
            ),
            "Set [secrets] recipients so new keys are sealed where they are made; these are \
             purged once delivered. Full-disk encryption is the site's duty (security.disk).",
        ),
        Err(e) => CheckResult::failed(
            "security.keys_at_rest",
            format!("could not read the database: {e}"),
            "Run station check without --security for the storage checks.",
        ),
    }
}

/// `security.disk`: whether the database sits on an encrypted (dm-crypt) volume.
fn disk(db: &Path) -> CheckResult {
    let folder = db.parent().unwrap_or(Path::new("/"));
    let source = mount_source(folder);
    let encrypted = source.as_deref().is_some_and(is_crypt);
    if encrypted {
        CheckResult::ok(
            "security.disk",
            format!(
                "the database is on an encrypted volume ({})",
                source.unwrap_or_default()
            ),
        )
    } else {
        CheckResult::warning(
            "security.disk",
            format!(
                "the database is not on a volume the station can tell is encrypted ({})",
                source.unwrap_or_else(|| "unknown device".into())
            ),
            "Encrypt the fixture PC's disk (LUKS, unlocked by the PC's TPM): the site's duty \
             against a stolen PC.",
        )
    }
}

/// The device of the mount holding `path` (the longest mount point that prefixes it).
fn mount_source(path: &Path) -> Option<String> {
    let path = std::fs::canonicalize(path).ok()?;
    let mounts = std::fs::read_to_string("/proc/self/mounts").ok()?;
    mounts
        .lines()
        .filter_map(|l| {
            let mut f = l.split_whitespace();
            Some((f.next()?.to_owned(), f.next()?.replace("\\040", " ")))
        })
        .filter(|(_, point)| path.starts_with(point))
        .max_by_key(|(_, point)| point.len())
        .map(|(source, _)| source)
}

/// True when `device` is, or sits on, a dm-crypt mapping (`lsblk -s` lists its ancestors).
fn is_crypt(device: &str) -> bool {
    if !device.starts_with("/dev/") {
        return false;
    }
    std::process::Command::new("lsblk")
        .args(["-s", "-n", "-o", "TYPE", device])
        .output()
        .is_ok_and(|o| {
            String::from_utf8_lossy(&o.stdout)
                .lines()
                .any(|t| t.trim() == "crypt")
        })
}

/// `security.exports`: batches sealed for the device operator, or written in the clear.
fn exports(config: &StationConfig) -> Option<CheckResult> {
    let upload = config.upload.as_ref()?;
    Some(if upload.export_recipients.is_empty() {
        CheckResult::warning(
            "security.exports",
            "export batches are signed but not sealed: their symmetric keys are readable by \
             whoever holds the batch",
            "Set [upload] export_recipients to the device operator's age public keys.",
        )
    } else {
        CheckResult::ok(
            "security.exports",
            "export batches are signed and sealed for the device operator; only its export \
             signers are trusted, and an import is refused a second time",
        )
    })
}

/// `security.line_db_roles`: the role every station shares (TLS is `line_db.tls`).
fn line_db(config: &StationConfig, offline: bool) -> Option<CheckResult> {
    config.line_db.as_ref()?;
    const ID: &str = "security.line_db_roles";
    if offline {
        return Some(CheckResult::warning(
            ID,
            "the line database role was not checked (--offline)",
            "Run station check --security without --offline on the line's network.",
        ));
    }
    let role = station_pipeline::open_line_db(config)
        .ok()
        .flatten()
        .and_then(|(db, unreachable)| unreachable.is_none().then_some(db))
        .map(|mut db| db.role());
    Some(match role {
        Some(Ok((name, true))) => CheckResult::ok(
            ID,
            format!(
                "the station logs in to the line database as its own role {name}: it writes only \
                 its own rows, and its audit copy is append-only"
            ),
        ),
        Some(Ok((name, false))) => CheckResult::failed(
            ID,
            format!(
                "the station logs in to the line database as {name}, the admin's or a shared \
                 role, which may change every station's rows and audit copies"
            ),
            "Give each station its own role (station line-db add-station ID with the admin's \
             configuration) and put user=ID in its line_db.url (docs/line-database.md).",
        ),
        Some(Err(e)) => CheckResult::warning(
            ID,
            format!("could not read the line database role: {e}"),
            "Check [line_db] (station check without --security).",
        ),
        None => CheckResult::warning(
            ID,
            "the line database is not reachable: its role was not checked",
            "Check [line_db] and the network (station check without --security).",
        ),
    })
}
