//! Cross-field rules that serde cannot express: references between sections, uniqueness,
//! templates, host names and the attestation kinds this build supports.

use std::collections::HashMap;
use std::path::Path;

use crate::error::CheckProblem;
use crate::load::nearest;
use crate::types::{
    AttestationConfig, CaConfig, ProductProfile, SecretSource, StationConfig, SymmetricEnrollment,
};

/// Placeholders accepted in `registration_id.template` and `device_id`.
pub const TEMPLATE_PLACEHOLDERS: &[&str] = &["serial", "model", "station"];

impl StationConfig {
    /// Checks the rules that span keys and sections; returns every problem found.
    ///
    /// Run by [`crate::load`] and [`crate::parse_str`]; call it again after editing a config in
    /// memory.
    ///
    /// # Errors
    ///
    /// Every broken rule, each naming its dotted key (`line` is `None` here).
    pub fn check(&self) -> Result<(), Vec<CheckProblem>> {
        let mut problems = Vec::new();
        check_station(self, &mut problems);
        check_fixture(self, &mut problems);
        check_upload(self, &mut problems);
        if let Some(line_db) = &self.line_db {
            if line_db.url.trim().is_empty() {
                problems.push(CheckProblem::new(
                    "line_db.url",
                    "the line database's URL is empty",
                ));
            } else if line_db.url.contains("password") {
                problems.push(
                    CheckProblem::new(
                        "line_db.url",
                        "the line database's URL holds a password: secrets never go in the config",
                    )
                    .with_help(
                        "remove it and set line_db.password = { env = \"…\" } or { file = \"…\" }",
                    ),
                );
            }
            match (&line_db.ca_file, line_db.insecure_plaintext) {
                (None, false) => problems.push(
                    CheckProblem::new(
                        "line_db.ca_file",
                        "the line database needs TLS: no ca_file is set",
                    )
                    .with_help(
                        "set line_db.ca_file to the line database's CA certificate (PEM); a lab \
                         without TLS says so with line_db.insecure_plaintext = true",
                    ),
                ),
                (Some(_), true) => problems.push(
                    CheckProblem::new(
                        "line_db.insecure_plaintext",
                        "insecure_plaintext contradicts ca_file",
                    )
                    .with_help("remove insecure_plaintext: with ca_file the station speaks TLS"),
                ),
                _ => {}
            }
            if line_db.admin_user.is_some() != line_db.admin_password.is_some() {
                problems.push(
                    CheckProblem::new(
                        "line_db.admin_password",
                        "admin_user and admin_password go together",
                    )
                    .with_help("set both (the line's admin role and its password file) or neither"),
                );
            }
            if !(1..=100_000).contains(&line_db.lease_block) {
                problems.push(
                    CheckProblem::new(
                        "line_db.lease_block",
                        format!("a lease block of {} certificates", line_db.lease_block),
                    )
                    .with_help("set 1 to 100000 (default 50)"),
                );
            }
        }
        self.check_secrets(&mut problems);
        for (i, product) in self.products.iter().enumerate() {
            check_product(&format!("product[{i}]"), product, &mut problems);
            crate::allocation::check_product_allocation(
                &format!("product[{i}]"),
                product,
                host_problem,
                &mut problems,
            );
            if product.register_check.is_some() && self.upload.is_none() {
                problems.push(
                    CheckProblem::new(
                        format!("product[{i}].register_check"),
                        "the register check needs [upload]: a board registers once its enrollment is uploaded",
                    )
                    .with_help("add an [upload] section, or remove [product.register_check]"),
                );
            }
            if product
                .register_check
                .as_ref()
                .is_some_and(|r| r.upload_wait_secs == 0 || r.upload_wait_secs > 3600)
            {
                problems.push(
                    CheckProblem::new(
                        format!("product[{i}].register_check.upload_wait_secs"),
                        "the wait for the upload must be 1 to 3600 seconds",
                    )
                    .with_help("the default, 120, covers an uploader paced at DPS's budget"),
                );
            }
        }
        if self.products.is_empty() {
            problems.push(
                CheckProblem::new("product", "no [[product]] is configured")
                    .with_help("add a [[product]] table; see station-config/default.toml"),
            );
        }
        let mut seen = HashMap::new();
        for (i, product) in self.products.iter().enumerate() {
            if let Some(first) = seen.insert(product.id.as_str(), i) {
                problems.push(
                    CheckProblem::new(
                        format!("product[{i}].id"),
                        format!(
                            "product id `{}` is already used by product[{first}]",
                            product.id
                        ),
                    )
                    .with_help("give every [[product]] a unique id"),
                );
            }
        }
        if problems.is_empty() {
            Ok(())
        } else {
            Err(problems)
        }
    }
}

/// The one place that limits attestation kinds to what this build can provision.
///
/// TPM profiles parse so that product files can be shared ahead of time; remove the kind from
/// here when its pipeline steps land.
fn unsupported_attestation(attestation: &AttestationConfig) -> Option<CheckProblem> {
    match attestation {
        AttestationConfig::SymmetricKey { .. }
        | AttestationConfig::X509 { .. }
        | AttestationConfig::Tpm { .. } => None,
    }
}

fn check_station(config: &StationConfig, problems: &mut Vec<CheckProblem>) {
    for (key, value, default) in [
        ("station.log_max_mb", config.station.log_max_mb, 50),
        ("station.log_keep", config.station.log_keep, 30),
    ] {
        if !(1..=10_000).contains(&value) {
            problems.push(
                CheckProblem::new(key, format!("{value} is out of range"))
                    .with_help(format!("set 1 to 10000 (default {default})")),
            );
        }
    }
    let alarm = &config.fixture.handout_alarm;
    for (key, value, max, default) in [
        ("fixture.handout_alarm.failures", alarm.failures, 100, 3),
        (
            "fixture.handout_alarm.window_hours",
            alarm.window_hours,
            720,
            8,
        ),
    ] {
        if !(1..=max).contains(&value) {
            problems.push(
                CheckProblem::new(key, format!("{value} is out of range"))
                    .with_help(format!("set 1 to {max} (default {default})")),
            );
        }
    }
    let id = &config.station.id;
    if id.is_empty() {
        problems.push(CheckProblem::new("station.id", "station id is empty"));
    } else if !id
        .chars()
        .all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '-'))
    {
        problems.push(
            CheckProblem::new(
                "station.id",
                format!("station id `{id}` has invalid characters"),
            )
            .with_help("use only letters, digits, `.`, `_` and `-`, e.g. \"line1-st03\""),
        );
    }
    if is_empty(&config.station.log_dir) {
        problems.push(CheckProblem::new(
            "station.log_dir",
            "log directory is empty",
        ));
    }
    if is_empty(&config.storage.database) {
        problems.push(CheckProblem::new(
            "storage.database",
            "database path is empty",
        ));
    }
}

fn check_upload(config: &StationConfig, problems: &mut Vec<CheckProblem>) {
    let Some(upload) = &config.upload else {
        return;
    };
    if let Some(problem) = upload.service_host.as_deref().and_then(host_problem) {
        problems.push(
            CheckProblem::new("upload.service_host", format!("service host {problem}")).with_help(
                "write only the host name, e.g. \"mydps.azure-devices-provisioning.net\"",
            ),
        );
    }
    for (i, r) in upload.export_recipients.iter().enumerate() {
        let r = r.trim();
        // The full parse (bech32 checksum) is `station check`'s and the export's; here, the
        // shape, so an SSH key or a secret key pasted by mistake is caught at load.
        if r.starts_with("AGE-SECRET-KEY-") {
            problems.push(
                CheckProblem::new(
                    "upload.export_recipients",
                    format!("recipient {} is an age secret key", i + 1),
                )
                .with_help("put the device operator's public key (age1…) here, never an identity"),
            );
        } else if !r.starts_with("age1") || r.len() != 62 {
            problems.push(
                CheckProblem::new(
                    "upload.export_recipients",
                    format!("recipient {} is not an age public key", i + 1),
                )
                .with_help("age public keys look like age1… (62 characters), from `age-keygen -y`"),
            );
        }
    }
    let empty_secret = match &upload.connection_string {
        Some(SecretSource::Env { env }) => env.is_empty(),
        Some(SecretSource::File { file }) => is_empty(file),
        None => false,
    };
    if empty_secret {
        problems.push(
            CheckProblem::new(
                "upload.connection_string",
                "connection string source is empty",
            )
            .with_help("name an environment variable or a file"),
        );
    }
    if upload.trust_anchor.as_deref().is_some_and(is_empty) {
        problems.push(
            CheckProblem::new("upload.trust_anchor", "trust anchor path is empty")
                .with_help("remove the key to trust the public web roots, or name a PEM file"),
        );
    }
    if is_empty(&upload.signing_key) {
        problems.push(CheckProblem::new(
            "upload.signing_key",
            "signing key path is empty",
        ));
    }
    positive(
        "upload.ops_per_minute",
        "operations per minute",
        upload.ops_per_minute.into(),
        problems,
    );
    positive(
        "upload.ops_per_bulk",
        "operations per bulk call",
        upload.ops_per_bulk.into(),
        problems,
    );
}

fn check_fixture(config: &StationConfig, problems: &mut Vec<CheckProblem>) {
    let fixture = &config.fixture;
    if fixture.name.is_empty() {
        problems.push(CheckProblem::new("fixture.name", "fixture name is empty"));
    }
    if fixture.ports_file.as_deref().is_some_and(is_empty) {
        problems.push(
            CheckProblem::new("fixture.ports_file", "ports file path is empty")
                .with_help("remove the key or name the file the virtual fixture writes"),
        );
    }
    positive("fixture.baud", "baud rate", fixture.baud.into(), problems);
    positive(
        "fixture.command_timeout_ms",
        "command timeout",
        fixture.command_timeout_ms,
        problems,
    );
    positive(
        "fixture.max_attempts",
        "max attempts",
        fixture.max_attempts.into(),
        problems,
    );
    positive(
        "fixture.reset_timeout_ms",
        "reset timeout",
        fixture.reset_timeout_ms,
        problems,
    );
    positive(
        "fixture.empty_after_ms",
        "empty-slot timeout",
        fixture.empty_after_ms,
        problems,
    );
    if fixture.slots.is_empty() {
        problems.push(
            CheckProblem::new("fixture.slot", "no [[fixture.slot]] is configured").with_help(
                "add a [[fixture.slot]] with `index` and `product` for each DUT position",
            ),
        );
    }
    let product_ids: Vec<&str> = config.products.iter().map(|p| p.id.as_str()).collect();
    let mut seen = HashMap::new();
    for (i, slot) in fixture.slots.iter().enumerate() {
        let key = |field: &str| format!("fixture.slot[{i}].{field}");
        if slot.index == 0 {
            problems.push(
                CheckProblem::new(key("index"), "slot index 0 is not allowed")
                    .with_help("slot indexes start at 1"),
            );
        } else if let Some(first) = seen.insert(slot.index, i) {
            problems.push(
                CheckProblem::new(
                    key("index"),
                    format!(
                        "slot index {} is already used by fixture.slot[{first}]",
                        slot.index
                    ),
                )
                .with_help("give every [[fixture.slot]] a unique index"),
            );
        }
        if config.product(&slot.product).is_none() {
            let help = match nearest(&slot.product, &product_ids) {
                Some(near) => format!("did you mean `{near}`?"),
                None if product_ids.is_empty() => "define a [[product]] with this id".to_owned(),
                None => format!("defined products: {}", product_ids.join(", ")),
            };
            problems.push(
                CheckProblem::new(
                    key("product"),
                    format!(
                        "slot {} uses product `{}`, which is not defined",
                        slot.index, slot.product
                    ),
                )
                .with_help(help),
            );
        }
        if slot.baud == Some(0) {
            problems.push(CheckProblem::new(
                key("baud"),
                "baud rate must be greater than 0",
            ));
        }
        match &slot.port {
            Some(port) if port.trim().is_empty() => {
                problems.push(CheckProblem::new(key("port"), "port is empty"));
            }
            None if fixture.ports_file.is_none() && fixture.definition.is_none() => problems.push(
                CheckProblem::new(key("port"), format!("slot {} has no port", slot.index))
                    .with_help(
                        "set `port` on the slot, or `definition` or `ports_file` in [fixture]",
                    ),
            ),
            _ => {}
        }
    }
}

fn check_product(prefix: &str, product: &ProductProfile, problems: &mut Vec<CheckProblem>) {
    let key = |field: &str| format!("{prefix}.{field}");
    if product.id.is_empty() {
        problems.push(CheckProblem::new(key("id"), "product id is empty"));
    }
    let template = &product.registration_id.template;
    if let Some(problem) = template_problem(template, "-._:") {
        problems.push(problem.at(key("registration_id.template")));
    }
    if let Some(device_id) = &product.device_id
        && let Some(problem) = template_problem(device_id, "-.%_*?!(),:=@$'")
    {
        problems.push(problem.at(key("device_id")));
    }
    let scope = &product.dps.id_scope;
    if scope.is_empty() || !scope.chars().all(|c| c.is_ascii_alphanumeric()) {
        problems.push(
            CheckProblem::new(
                key("dps.id_scope"),
                format!("ID scope `{scope}` is not valid"),
            )
            .with_help("copy the ID scope from the DPS overview page, e.g. \"0ne00000A0A\""),
        );
    }
    if let Some(problem) = host_problem(&product.dps.global_endpoint) {
        problems.push(
            CheckProblem::new(
                key("dps.global_endpoint"),
                format!("global endpoint {problem}"),
            )
            .with_help("write only the host name, e.g. \"global.azure-devices-provisioning.net\""),
        );
    }
    if let Some(problem) = product.iot_hub_host_name.as_deref().and_then(host_problem) {
        problems.push(
            CheckProblem::new(
                key("iot_hub_host_name"),
                format!("IoT Hub host name {problem}"),
            )
            .with_help("write only the host name, e.g. \"contoso.azure-devices.net\""),
        );
    }
    if let Some(bad) = product
        .board_string_extra_chars
        .chars()
        .find(|c| !(' '..='~').contains(c) || crate::types::BOARD_STRING_FORBIDDEN.contains(*c))
    {
        problems.push(
            CheckProblem::new(
                key("board_string_extra_chars"),
                format!("{bad:?} cannot be allowed in what a board reports"),
            )
            .with_help("allow only printable ASCII, without quotes, separators or = + @"),
        );
    }
    let settings_prefix = &product.settings_prefix;
    if settings_prefix.is_empty()
        || settings_prefix.starts_with('/')
        || settings_prefix.ends_with('/')
    {
        problems.push(
            CheckProblem::new(
                key("settings_prefix"),
                format!("settings prefix `{settings_prefix}` is not valid"),
            )
            .with_help("use a non-empty prefix without leading or trailing `/`, e.g. \"dps\""),
        );
    }
    if let Some(mut problem) = unsupported_attestation(&product.attestation) {
        problem.key = key(&problem.key);
        problems.push(problem);
    }
    if let AttestationConfig::Tpm {
        vendor_roots,
        vendor_intermediates,
        ..
    } = &product.attestation
    {
        if vendor_roots.is_empty() {
            problems.push(
                CheckProblem::new(
                    key("attestation.vendor_roots"),
                    "no TPM vendor root CA is configured",
                )
                .with_help(
                    "list the TPM vendor's root CA certificate files, e.g. \
                     vendor_roots = [\"tpm-vendors/infineon-root.pem\"]",
                ),
            );
        }
        for (field, paths) in [
            ("vendor_roots", vendor_roots),
            ("vendor_intermediates", vendor_intermediates),
        ] {
            for (i, path) in paths.iter().enumerate() {
                if is_empty(path) {
                    problems.push(CheckProblem::new(
                        key(&format!("attestation.{field}[{i}]")),
                        "certificate file path is empty",
                    ));
                }
            }
        }
    }
    if let AttestationConfig::X509 {
        validity_days,
        key_algorithms,
        quota_per_work_order,
        ca,
        ..
    } = &product.attestation
    {
        check_x509(
            &key("attestation"),
            *validity_days,
            key_algorithms.is_empty(),
            *quota_per_work_order,
            ca,
            problems,
        );
    }
    if let AttestationConfig::SymmetricKey {
        enrollment:
            SymmetricEnrollment::Group {
                group_id,
                group_key,
            },
    } = &product.attestation
    {
        let enrollment = |field: &str| key(&format!("attestation.enrollment.{field}"));
        if group_id.is_empty() {
            problems.push(CheckProblem::new(
                enrollment("group_id"),
                "enrollment group id is empty",
            ));
        }
        let empty = match group_key {
            SecretSource::Env { env } => env.is_empty(),
            SecretSource::File { file } => is_empty(file),
        };
        if empty {
            problems.push(
                CheckProblem::new(enrollment("group_key"), "group key source is empty")
                    .with_help("name an environment variable or a file"),
            );
        }
    }
}

fn check_x509(
    prefix: &str,
    validity_days: u32,
    no_algorithms: bool,
    quota: Option<u64>,
    ca: &CaConfig,
    problems: &mut Vec<CheckProblem>,
) {
    let key = |field: &str| format!("{prefix}.{field}");
    positive(
        &key("validity_days"),
        "certificate validity",
        validity_days.into(),
        problems,
    );
    if no_algorithms {
        problems.push(
            CheckProblem::new(key("key_algorithms"), "no key algorithm is allowed")
                .with_help("allow at least one, e.g. key_algorithms = [\"ec-p256\"]"),
        );
    }
    if quota == Some(0) {
        problems.push(
            CheckProblem::new(
                key("quota_per_work_order"),
                "a quota of 0 lets no certificate be issued",
            )
            .with_help("remove the key for no quota, or set the work order's unit count"),
        );
    }
    if is_empty(ca.certificate()) {
        problems.push(CheckProblem::new(
            key("ca.certificate"),
            "CA certificate path is empty",
        ));
    }
    let secret_empty = |s: &SecretSource| match s {
        SecretSource::Env { env } => env.is_empty(),
        SecretSource::File { file } => is_empty(file),
    };
    match ca {
        CaConfig::File {
            key: k, passphrase, ..
        } => {
            if is_empty(k) {
                problems.push(CheckProblem::new(key("ca.key"), "CA key path is empty"));
            }
            if secret_empty(passphrase) {
                problems.push(
                    CheckProblem::new(key("ca.passphrase"), "passphrase source is empty")
                        .with_help("name an environment variable or a file"),
                );
            }
        }
        CaConfig::Pkcs11 {
            module,
            token_label,
            key_label,
            pin,
            ..
        } => {
            if is_empty(module) {
                problems.push(CheckProblem::new(
                    key("ca.module"),
                    "PKCS#11 module path is empty",
                ));
            }
            if token_label.is_empty() {
                problems.push(CheckProblem::new(
                    key("ca.token_label"),
                    "token label is empty",
                ));
            }
            if key_label.is_empty() {
                problems.push(CheckProblem::new(key("ca.key_label"), "key label is empty"));
            }
            if secret_empty(pin) {
                problems.push(
                    CheckProblem::new(key("ca.pin"), "PIN source is empty")
                        .with_help("name an environment variable or a file"),
                );
            }
        }
    }
}

/// A problem whose key is filled in by the caller.
struct Unplaced {
    message: String,
    help: Option<&'static str>,
}

impl Unplaced {
    fn at(self, key: String) -> CheckProblem {
        let problem = CheckProblem::new(key, self.message);
        match self.help {
            Some(help) => problem.with_help(help),
            None => problem,
        }
    }
}

/// Checks an id template: non-empty, known placeholders, `{serial}` present, and literal text
/// made of alphanumerics and `extra`.
fn template_problem(template: &str, extra: &str) -> Option<Unplaced> {
    let known = "placeholders are {serial}, {model} and {station}";
    if template.is_empty() {
        return Some(Unplaced {
            message: "template is empty".to_owned(),
            help: Some(known),
        });
    }
    let mut rest = template;
    let mut has_serial = false;
    loop {
        let brace = rest.find(['{', '}']);
        let literal = brace.map_or(rest, |b| &rest[..b]);
        if let Some(c) = literal
            .chars()
            .find(|c| !c.is_ascii_alphanumeric() && !extra.contains(*c))
        {
            return Some(Unplaced {
                message: format!(
                    "template `{template}` contains `{c}`, which is not allowed in an id"
                ),
                help: Some("use letters, digits and the separators the service allows, e.g. `-`"),
            });
        }
        let Some(brace) = brace else { break };
        let Some(name) = rest[brace..]
            .strip_prefix('{')
            .and_then(|r| r.split_once('}'))
        else {
            return Some(Unplaced {
                message: format!("template `{template}` has an unmatched brace"),
                help: Some(known),
            });
        };
        if !TEMPLATE_PLACEHOLDERS.contains(&name.0) {
            return Some(Unplaced {
                message: format!(
                    "template `{template}` uses unknown placeholder `{{{}}}`",
                    name.0
                ),
                help: Some(known),
            });
        }
        has_serial |= name.0 == "serial";
        rest = name.1;
    }
    (!has_serial).then(|| Unplaced {
        message: format!(
            "template `{template}` does not use {{serial}}, so every unit gets the same id"
        ),
        help: Some("include {serial}, e.g. \"contoso-{serial}\""),
    })
}

/// Why `host` is not a bare `host[:port]`, phrased to follow the key's name.
fn host_problem(host: &str) -> Option<String> {
    if host.is_empty() {
        return Some("is empty".to_owned());
    }
    if host.contains("://") {
        return Some(format!("`{host}` must not include a scheme"));
    }
    if host.contains('/') {
        return Some(format!("`{host}` must not include a path"));
    }
    let (name, port) = host
        .split_once(':')
        .map_or((host, None), |(n, p)| (n, Some(p)));
    let label_ok = |l: &str| {
        !l.is_empty()
            && !l.starts_with('-')
            && !l.ends_with('-')
            && l.chars().all(|c| c.is_ascii_alphanumeric() || c == '-')
    };
    if !name.split('.').all(label_ok) {
        return Some(format!("`{host}` is not a valid host name"));
    }
    if port.is_some_and(|p| p.parse::<u16>().map_or(true, |p| p == 0)) {
        return Some(format!("`{host}` has an invalid port"));
    }
    None
}

fn positive(key: &str, what: &str, value: u64, problems: &mut Vec<CheckProblem>) {
    if value == 0 {
        problems.push(CheckProblem::new(
            key,
            format!("{what} must be greater than 0"),
        ));
    }
}

fn is_empty(path: &Path) -> bool {
    path.as_os_str().is_empty()
}

impl StationConfig {
    /// The products whose units create a device secret the station keeps until delivery: an
    /// individual symmetric-key enrollment carries the device's keys.
    pub fn products_creating_secrets(&self) -> impl Iterator<Item = &crate::ProductProfile> {
        self.products.iter().filter(|p| {
            matches!(
                p.attestation,
                crate::AttestationConfig::SymmetricKey {
                    enrollment: crate::SymmetricEnrollment::Individual
                }
            )
        })
    }

    fn check_secrets(&self, problems: &mut Vec<CheckProblem>) {
        let secrets = &self.secrets;
        for (i, r) in secrets.recipients.iter().enumerate() {
            if !r.trim().starts_with("age1") || r.trim().len() < 20 {
                problems.push(
                    CheckProblem::new(
                        "secrets.recipients",
                        format!("recipient {} is not an age public key (age1…)", i + 1),
                    )
                    .with_help("use the public key age-keygen prints for the uploader or operator"),
                );
            }
        }
        match (secrets.sealed(), secrets.insecure_plaintext) {
            (true, true) => problems.push(
                CheckProblem::new(
                    "secrets.insecure_plaintext",
                    "insecure_plaintext contradicts recipients",
                )
                .with_help("remove insecure_plaintext: with recipients the station seals keys"),
            ),
            (false, false) => {
                if let Some(p) = self.products_creating_secrets().next() {
                    problems.push(
                        CheckProblem::new(
                            "secrets.recipients",
                            format!(
                                "product {} creates device keys and nothing seals them: a copy \
                                 of the database would hold every key",
                                p.id
                            ),
                        )
                        .with_help(
                            "set secrets.recipients (or recipients_file) to the uploader's or \
                             operator's age public key; a lab keeping keys readable says so \
                             with secrets.insecure_plaintext = true",
                        ),
                    );
                }
            }
            _ => {}
        }
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used, reason = "tests may panic")]
mod tests {
    use super::*;

    #[test]
    fn templates() {
        assert!(template_problem("contoso-{serial}", "-").is_none());
        assert!(template_problem("{model}.{serial}@{station}", "-.@").is_none());
        for (bad, needle) in [
            ("", "empty"),
            ("x-{serail}", "unknown placeholder `{serail}`"),
            ("x-{serial", "unmatched"),
            ("x}-{serial}", "unmatched"),
            ("fixed-id", "does not use {serial}"),
            ("a b-{serial}", "contains ` `"),
        ] {
            let problem = template_problem(bad, "-")
                .map(|p| p.message)
                .unwrap_or_default();
            assert!(problem.contains(needle), "{bad}: {problem}");
        }
    }

    #[test]
    fn hosts() {
        assert_eq!(host_problem("global.azure-devices-provisioning.net"), None);
        assert_eq!(host_problem("localhost:8443"), None);
        for bad in [
            "",
            "https://x.net",
            "x.net/path",
            "x..net",
            "x.net:0",
            "x.net:http",
            "-x.net",
        ] {
            assert!(host_problem(bad).is_some(), "{bad}");
        }
    }
}
