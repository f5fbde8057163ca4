//! What a line engineer sees for broken config files: file, line, column, key, suggestion, help
//! and code. Also covers the shipped config files, the ports file and the JSON Schema.
#![allow(clippy::unwrap_used, reason = "tests may panic")]

use station_errors::Coded as _;
use std::fmt::Write as _;
use std::path::{Path, PathBuf};

use station_config::{
    AttestationConfig, ConfigError, EkTemplateName, ParseError, ParseErrorKind, PortEntry,
    PortsFile, SecretSource, SymmetricEnrollment, TpmEnrollment, TpmRegistrationId, json_schema,
    load, parse_str,
};

const ORIGIN: &str = "station-config/test.toml";

const BASE: &str = r#"[station]
id = "line1-st03"
name = "Line 1"

[storage]
database = "var/station.db"

[fixture]
name = "bench"
baud = 115200

[[fixture.slot]]
index = 1
port = "/dev/ttyACM0"
product = "sensor"

[[fixture.slot]]
index = 2
port = "/dev/ttyACM1"
product = "sensor"

[[product]]
id = "sensor"
registration_id = { template = "contoso-{serial}" }
dps = { id_scope = "0ne00000A0A" }

[product.attestation]
kind = "symmetric-key"
enrollment = { type = "individual" }

[secrets]
recipients = ["age1w44g2eltljvulxz80c46aev6dwt25x5syz7ws2cwklaalcdx346qctkk56"]
"#;

const ENROLLMENT: &str = "enrollment = { type = \"individual\" }";

/// `BASE` with `from` replaced by `to` (which must occur exactly once).
fn edit(from: &str, to: &str) -> String {
    assert_eq!(
        BASE.matches(from).count(),
        1,
        "{from:?} must occur once in BASE"
    );
    BASE.replacen(from, to, 1)
}

/// 1-based line of the first occurrence of `needle` in `text`.
fn line_of(text: &str, needle: &str) -> usize {
    text[..text.find(needle).unwrap()].matches('\n').count() + 1
}

fn error(text: &str) -> ConfigError {
    parse_str(text, Path::new(ORIGIN)).unwrap_err()
}

fn parse_error(text: &str) -> ParseError {
    match error(text) {
        ConfigError::Parse(parse) => *parse,
        other => panic!("expected a parse error, got {other}"),
    }
}

fn problems(text: &str) -> Vec<station_config::CheckProblem> {
    match error(text) {
        ConfigError::Invalid { problems, .. } => problems,
        other => panic!("expected check problems, got {other}"),
    }
}

fn render(err: &ConfigError) -> String {
    let mut out = format!("{err}\n  code: {}\n", err.code());
    if let ConfigError::Parse(parse) = err {
        writeln!(out, "  key: {}", parse.key.as_deref().unwrap_or("-")).unwrap();
    }
    writeln!(out, "  help: {}", err.hints().as_deref().unwrap_or("-")).unwrap();
    out
}

#[test]
fn base_config_is_valid() {
    let config = parse_str(BASE, Path::new(ORIGIN)).unwrap();
    assert_eq!(config.fixture.slots.len(), 2);
    assert_eq!(config.slot(2).unwrap().baud_or(&config.fixture), 115_200);
    assert!(config.product("sensor").is_some());
}

#[test]
fn unknown_key_in_fixture_suggests_nearest() {
    let text = edit("baud = 115200", "baud_rat = 115200");
    let err = error(&text);
    let line = line_of(&text, "baud_rat");
    assert_eq!(
        err.to_string(),
        format!("{ORIGIN}:{line}:1: unknown key `baud_rat` in [fixture]; did you mean `baud`?")
    );
    assert_eq!(err.code(), "station::config::unknown_key");
    assert!(
        err.hints().unwrap().contains("ports_file"),
        "help lists the valid keys"
    );
    let ConfigError::Parse(parse) = err else {
        unreachable!()
    };
    assert_eq!(parse.key.as_deref(), Some("fixture.baud_rat"));
    assert_eq!(parse.suggestion.as_deref(), Some("baud"));
    assert_eq!(parse.kind, ParseErrorKind::UnknownKey);
}

#[test]
fn unknown_key_in_station_and_top_level() {
    let text = edit("name = \"Line 1\"", "nmae = \"Line 1\"");
    let parse = parse_error(&text);
    assert_eq!((parse.line, parse.column), (line_of(&text, "nmae"), 1));
    assert_eq!(parse.key.as_deref(), Some("station.nmae"));
    assert_eq!(parse.suggestion.as_deref(), Some("name"));

    let text = edit("[storage]", "[strage]");
    let parse = parse_error(&text);
    assert_eq!(parse.line, line_of(&text, "[strage]"));
    assert_eq!(parse.key.as_deref(), Some("strage"));
    assert_eq!(parse.suggestion.as_deref(), Some("storage"));
    assert!(
        parse.message.contains("at the top level"),
        "{}",
        parse.message
    );
}

#[test]
fn unknown_key_in_second_slot() {
    let text = edit("port = \"/dev/ttyACM1\"", "prot = \"/dev/ttyACM1\"");
    let parse = parse_error(&text);
    assert_eq!(parse.line, line_of(&text, "prot ="));
    assert_eq!(parse.key.as_deref(), Some("fixture.slot[1].prot"));
    assert_eq!(parse.suggestion.as_deref(), Some("port"));
    assert_eq!(parse.message, "unknown key `prot` in [[fixture.slot]]");
}

#[test]
fn unknown_key_in_product() {
    let text = edit("dps = {", "dsp = {");
    let parse = parse_error(&text);
    assert_eq!(parse.line, line_of(&text, "dsp ="));
    assert_eq!(parse.key.as_deref(), Some("product[0].dsp"));
    assert_eq!(parse.suggestion.as_deref(), Some("dps"));
}

#[test]
fn unknown_key_inside_tagged_attestation_is_located() {
    // Tagged enums are buffered by serde, which loses the key's position; it is found again.
    let text = edit("enrollment = {", "enrolment = {");
    let parse = parse_error(&text);
    assert_eq!(parse.line, line_of(&text, "enrolment"));
    assert_eq!(
        parse.key.as_deref(),
        Some("product[0].attestation.enrolment")
    );
    assert_eq!(parse.suggestion.as_deref(), Some("enrollment"));
}

#[test]
fn unknown_attestation_kind_suggests_nearest() {
    let text = edit("kind = \"symmetric-key\"", "kind = \"symetric-key\"");
    let parse = parse_error(&text);
    assert_eq!(parse.kind, ParseErrorKind::UnknownValue);
    assert_eq!(parse.line, line_of(&text, "symetric"));
    assert_eq!(parse.key.as_deref(), Some("product[0].attestation.kind"));
    assert_eq!(parse.suggestion.as_deref(), Some("symmetric-key"));
}

#[test]
fn wrong_type_names_key_and_value_position() {
    let text = edit("baud = 115200", "baud = \"fast\"");
    let parse = parse_error(&text);
    assert_eq!(parse.kind, ParseErrorKind::WrongType);
    assert_eq!((parse.line, parse.column), (line_of(&text, "\"fast\""), 8));
    assert_eq!(parse.key.as_deref(), Some("fixture.baud"));
    assert_eq!(
        parse.message,
        "wrong type for `fixture.baud`: expected an integer from 0 to 4294967295, \
         found string \"fast\""
    );

    let text = edit("index = 2", "index = -2");
    let parse = parse_error(&text);
    assert_eq!(parse.key.as_deref(), Some("fixture.slot[1].index"));
    assert_eq!(parse.line, line_of(&text, "-2"));
}

#[test]
fn wrong_type_inside_tagged_enum_is_located() {
    let text = edit(
        "enrollment = { type = \"individual\" }",
        "enrollment = { type = \"group\", group_id = 7, group_key = { env = \"K\" } }",
    );
    let parse = parse_error(&text);
    assert_eq!(parse.kind, ParseErrorKind::WrongType);
    assert_eq!(
        parse.key.as_deref(),
        Some("product[0].attestation.enrollment.group_id")
    );
    assert_eq!(parse.line, line_of(&text, "group_id"));
}

#[test]
fn missing_required_key() {
    let text = edit("database = \"var/station.db\"\n", "");
    let err = error(&text);
    assert_eq!(err.code(), "station::config::missing_key");
    let ConfigError::Parse(parse) = err else {
        unreachable!()
    };
    assert_eq!(parse.line, line_of(&text, "[storage]"));
    assert_eq!(parse.key.as_deref(), Some("storage.database"));
    assert_eq!(
        parse.message,
        "missing required key `database` in [storage]"
    );

    let text = edit(
        "port = \"/dev/ttyACM1\"\nproduct = \"sensor\"\n",
        "port = \"/dev/ttyACM1\"\n",
    );
    let parse = parse_error(&text);
    assert_eq!(parse.key.as_deref(), Some("fixture.slot[1].product"));
    assert_eq!(parse.line, line_of(&text, "[[fixture.slot]]\nindex = 2"));
}

#[test]
fn inline_secret_is_rejected_without_echoing_it() {
    let secret = "c2VjcmV0LWdyb3VwLWtleQ==";
    let text = edit(
        "enrollment = { type = \"individual\" }",
        &format!("enrollment = {{ type = \"group\", group_id = \"g\", group_key = \"{secret}\" }}"),
    );
    let err = error(&text);
    assert_eq!(err.code(), "station::config::inline_secret");
    let rendered = render(&err);
    assert!(!rendered.contains(secret), "{rendered}");
    assert!(!format!("{err:?}").contains(secret));
    let help = err.hints().unwrap();
    assert!(
        help.contains("{ env = ") && help.contains("{ file = "),
        "{help}"
    );
    let ConfigError::Parse(parse) = err else {
        unreachable!()
    };
    assert_eq!(
        parse.key.as_deref(),
        Some("product[0].attestation.enrollment.group_key")
    );
}

#[test]
fn unknown_placeholder_is_a_check_problem() {
    let text = edit("contoso-{serial}", "contoso-{serial}-{colour}");
    let err = error(&text);
    assert_eq!(err.code(), "station::config::invalid");
    let line = line_of(&text, "registration_id");
    assert_eq!(
        err.to_string(),
        format!(
            "{ORIGIN}:{line}: product[0].registration_id.template: template \
             `contoso-{{serial}}-{{colour}}` uses unknown placeholder `{{colour}}`"
        )
    );
}

#[test]
fn slot_with_unknown_product() {
    let text = edit(
        "port = \"/dev/ttyACM1\"\nproduct = \"sensor\"",
        "port = \"/dev/ttyACM1\"\nproduct = \"sensr\"",
    );
    let problems = problems(&text);
    assert_eq!(problems.len(), 1);
    assert_eq!(problems[0].key, "fixture.slot[1].product");
    assert_eq!(problems[0].line, Some(line_of(&text, "\"sensr\"")));
    assert_eq!(
        problems[0].message,
        "slot 2 uses product `sensr`, which is not defined"
    );
    assert_eq!(problems[0].help.as_deref(), Some("did you mean `sensor`?"));
}

#[test]
fn duplicate_slot_index() {
    let text = edit("index = 2", "index = 1");
    let problems = problems(&text);
    assert_eq!(problems.len(), 1);
    assert_eq!(problems[0].key, "fixture.slot[1].index");
    assert_eq!(
        problems[0].line,
        Some(line_of(&text, "index = 1\nport = \"/dev/ttyACM1\""))
    );
    assert_eq!(
        problems[0].message,
        "slot index 1 is already used by fixture.slot[0]"
    );
}

const TPM: &str = r#"kind = "tpm"
enrollment = "individual"
vendor_roots = ["tpm-vendors/root.pem"]
vendor_intermediates = ["/opt/tpm-vendors/intermediate.pem"]"#;

#[test]
fn tpm_products_parse_with_their_vendor_cas_and_defaults() {
    let text = edit(
        "kind = \"symmetric-key\"\nenrollment = { type = \"individual\" }",
        TPM,
    );
    let config = parse_str(&text, Path::new("/etc/station/station.toml")).unwrap();
    let AttestationConfig::Tpm {
        enrollment,
        registration_id,
        vendor_roots,
        vendor_intermediates,
        include_srk,
        ek_template,
    } = &config.products[0].attestation
    else {
        panic!("not a TPM product");
    };
    assert_eq!(*ek_template, EkTemplateName::TcgRsa2048);
    assert_eq!(*enrollment, TpmEnrollment::Individual);
    assert_eq!(*registration_id, TpmRegistrationId::EkHash);
    assert_eq!(
        vendor_roots,
        &[PathBuf::from("/etc/station/tpm-vendors/root.pem")]
    );
    assert_eq!(
        vendor_intermediates,
        &[PathBuf::from("/opt/tpm-vendors/intermediate.pem")]
    );
    assert!(!include_srk);

    let text = edit(
        "kind = \"symmetric-key\"\nenrollment = { type = \"individual\" }",
        &format!("{TPM}\nregistration_id = \"template\"\ninclude_srk = true"),
    );
    let config = parse_str(&text, Path::new(ORIGIN)).unwrap();
    assert!(matches!(
        config.products[0].attestation,
        AttestationConfig::Tpm {
            registration_id: TpmRegistrationId::Template,
            include_srk: true,
            ..
        }
    ));

    // Only the templates the station knows: another name is a configuration error.
    let text = edit(
        "kind = \"symmetric-key\"\nenrollment = { type = \"individual\" }",
        &format!("{TPM}\nek_template = \"tcg-ecc-p256\""),
    );
    let err = parse_str(&text, Path::new(ORIGIN)).unwrap_err();
    assert!(
        err.to_string()
            .contains("unknown value `tcg-ecc-p256` for `product[0].attestation.ek_template`"),
        "{err}"
    );
}

#[test]
fn tpm_products_need_a_vendor_root() {
    let text = edit(
        "kind = \"symmetric-key\"\nenrollment = { type = \"individual\" }",
        "kind = \"tpm\"\nenrollment = \"individual\"\nvendor_roots = []",
    );
    let problems = problems(&text);
    assert_eq!(problems.len(), 1, "{problems:?}");
    assert_eq!(problems[0].key, "product[0].attestation.vendor_roots");
    assert_eq!(problems[0].message, "no TPM vendor root CA is configured");
    // Only "individual" exists, and the rule is one of two names.
    for bad in [
        "kind = \"tpm\"\nenrollment = \"group\"\nvendor_roots = [\"r.pem\"]",
        "kind = \"tpm\"\nenrollment = \"individual\"\nvendor_roots = [\"r.pem\"]\nregistration_id = \"ek\"",
        "kind = \"tpm\"\nenrollment = \"individual\"\nvendor_roots = [\"r.pem\"]\nvendor_root = \"x\"",
    ] {
        let text = edit(
            "kind = \"symmetric-key\"\nenrollment = { type = \"individual\" }",
            bad,
        );
        assert!(parse_str(&text, Path::new(ORIGIN)).is_err(), "{bad}");
    }
}

const X509: &str = r#"kind = "x509"
enrollment = "individual"
validity_days = 365
quota_per_work_order = 100
ca = { backend = "file", certificate = "ca/signing-ca.pem", key = "ca/signing-ca.key.pem", passphrase = { env = "CA_PASS" } }"#;

#[test]
fn x509_products_parse_with_their_ca() {
    let text = edit(
        "kind = \"symmetric-key\"\nenrollment = { type = \"individual\" }",
        X509,
    );
    let config = parse_str(&text, Path::new("/etc/station/station.toml")).unwrap();
    let AttestationConfig::X509 {
        validity_days,
        key_algorithms,
        quota_per_work_order,
        ca,
        ..
    } = &config.products[0].attestation
    else {
        panic!("not x509")
    };
    assert_eq!(*validity_days, 365);
    assert_eq!(key_algorithms, &[station_config::X509KeyAlgorithm::EcP256]);
    assert_eq!(*quota_per_work_order, Some(100));
    assert_eq!(ca.backend(), "file");
    assert_eq!(
        ca.certificate(),
        Path::new("/etc/station/ca/signing-ca.pem")
    );
    // A PIN or passphrase is never inline.
    let inline = text.replace(
        "passphrase = { env = \"CA_PASS\" }",
        "passphrase = \"hunter2\"",
    );
    let parse = parse_error(&inline);
    assert_eq!(parse.kind, ParseErrorKind::InlineSecret);
    assert!(!parse.to_string().contains("hunter2"));
    // A PKCS#11 CA names its token and key; the module has a default.
    let hsm = text.replace(
        "backend = \"file\", certificate = \"ca/signing-ca.pem\", key = \"ca/signing-ca.key.pem\", passphrase = { env = \"CA_PASS\" }",
        "backend = \"pkcs11\", certificate = \"ca.pem\", token_label = \"line\", key_label = \"ca\", pin = { file = \"pin\" }",
    );
    let config = parse_str(&hsm, Path::new("/etc/station/station.toml")).unwrap();
    let AttestationConfig::X509 { ca, .. } = &config.products[0].attestation else {
        panic!("not x509")
    };
    assert_eq!(ca.backend(), "pkcs11");
    let bad = hsm.replace("token_label = \"line\"", "token_label = \"\"");
    assert_eq!(
        problems(&bad)[0].key,
        "product[0].attestation.ca.token_label"
    );
    let zero = text.replace("quota_per_work_order = 100", "quota_per_work_order = 0");
    assert_eq!(
        problems(&zero)[0].key,
        "product[0].attestation.quota_per_work_order"
    );
}

#[test]
fn several_problems_render_on_one_line() {
    let text = edit("index = 2", "index = 0").replace("0ne00000A0A", "0ne-bad");
    let err = error(&text);
    let rendered = err.to_string();
    assert!(!rendered.contains('\n'));
    assert!(
        rendered.starts_with(&format!("{ORIGIN}: 2 problems: ")),
        "{rendered}"
    );
}

#[test]
fn syntax_error_has_position() {
    let text = edit("name = \"bench\"", "name = \"bench");
    let parse = parse_error(&text);
    assert_eq!(parse.kind, ParseErrorKind::Syntax);
    assert_eq!(parse.line, line_of(&text, "name = \"bench"));
}

#[test]
fn missing_file_is_an_io_error() {
    let err = load(Path::new("/nonexistent/station.toml")).unwrap_err();
    assert_eq!(err.code(), "station::config::unreadable");
    assert_eq!(
        err.to_string(),
        "/nonexistent/station.toml: could not read the file"
    );
    assert!(std::error::Error::source(&err).is_some());
}

#[test]
fn relative_paths_resolve_against_the_config_directory() {
    let dir = tempfile::tempdir().unwrap();
    let text = edit("database = \"var/station.db\"", "database = \"/abs/station.db\"").replace(
        "enrollment = { type = \"individual\" }",
        "enrollment = { type = \"group\", group_id = \"g\", group_key = { file = \"keys/group.key\" } }",
    );
    let text = text.replace(
        "baud = 115200",
        "baud = 115200\nports_file = \"../ports.toml\"",
    );
    let path = dir.path().join("station.toml");
    std::fs::write(&path, text).unwrap();
    let config = load(&path).unwrap();
    assert_eq!(config.storage.database, Path::new("/abs/station.db"));
    assert_eq!(config.station.log_dir, dir.path().join("var/log"));
    assert_eq!(
        config.fixture.ports_file.as_deref(),
        Some(dir.path().join("../ports.toml").as_path())
    );
    let AttestationConfig::SymmetricKey {
        enrollment: SymmetricEnrollment::Group { group_key, .. },
    } = &config.products[0].attestation
    else {
        panic!("expected a group enrollment")
    };
    let key_file = dir.path().join("keys/group.key");
    assert_eq!(
        group_key,
        &SecretSource::File {
            file: key_file.clone()
        }
    );
    assert_eq!(group_key.describe(), format!("file {}", key_file.display()));
}

#[test]
fn ports_file_round_trip() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("fixture/ports.toml");
    let ports = PortsFile {
        fixture: "virtual".to_owned(),
        slots: (1..=4)
            .map(|index| PortEntry {
                index,
                port: format!("/dev/pts/{index}"),
                baud: 115_200,
            })
            .collect(),
    };
    ports.save(&path).unwrap();
    let loaded = PortsFile::load(&path).unwrap();
    assert_eq!(loaded, ports);
    assert_eq!(loaded.port(3).unwrap().port, "/dev/pts/3");
    assert!(loaded.port(5).is_none());
    let leftovers: Vec<_> = std::fs::read_dir(path.parent().unwrap()).unwrap().collect();
    assert_eq!(leftovers.len(), 1, "no temporary file is left behind");

    let text = std::fs::read_to_string(&path)
        .unwrap()
        .replace("baud", "bauds");
    std::fs::write(&path, text).unwrap();
    let err = PortsFile::load(&path).unwrap_err();
    assert_eq!(err.code(), "station::config::unknown_key");
    assert!(err.to_string().contains("did you mean `baud`?"), "{err}");
}

#[test]
fn shipped_configs_load_and_pass_check() {
    for name in [
        "default.toml",
        "demo.toml",
        "../packaging/kiosk/station.toml",
    ] {
        let path = config_dir().join(name);
        let config = load(&path).unwrap_or_else(|e| panic!("{e}\nhelp: {:?}", e.hints()));
        config.check().unwrap();
    }
    let demo = load(&config_dir().join("demo.toml")).unwrap();
    assert_eq!(demo.station.id, "demo-station");
    assert_eq!(demo.fixture.slots.len(), 6);
    assert!(demo.fixture.slots.iter().all(|s| s.port.is_none()
        && s.product
            == match s.index {
                1 | 2 => "demo-symkey",
                3 | 4 => "demo-x509",
                _ => "demo-tpm",
            }));
    assert!(
        demo.fixture
            .ports_file
            .as_ref()
            .unwrap()
            .ends_with("var/demo/fixture/ports.toml")
    );
}

#[test]
fn json_schema_has_top_level_properties() {
    let schema = json_schema();
    let properties = schema["properties"].as_object().unwrap();
    for key in ["station", "storage", "fixture", "product"] {
        assert!(properties.contains_key(key), "missing {key}");
    }
    assert_eq!(schema["additionalProperties"], false);
}

/// Fails when `station-config/schema.json` is stale; `UPDATE_SCHEMA=1` rewrites it.
#[test]
fn committed_schema_is_current() {
    let path = config_dir().join("schema.json");
    let expected = serde_json::to_string_pretty(&json_schema()).unwrap() + "\n";
    if std::env::var_os("UPDATE_SCHEMA").is_some() {
        std::fs::write(&path, &expected).unwrap();
    }
    let committed = std::fs::read_to_string(&path).unwrap_or_default();
    assert!(
        committed == expected,
        "{} is out of date; regenerate it with \
         `UPDATE_SCHEMA=1 cargo test -p station-config --test config_errors committed_schema_is_current`",
        path.display()
    );
}

/// Every kind of message, with its code and help, for review.
#[test]
fn messages_snapshot() {
    let cases = [
        edit("baud = 115200", "baud_rat = 115200"),
        edit("port = \"/dev/ttyACM1\"", "prot = \"/dev/ttyACM1\""),
        edit("kind = \"symmetric-key\"", "kind = \"symetric-key\""),
        edit("baud = 115200", "baud = \"fast\""),
        edit("database = \"var/station.db\"\n", ""),
        edit(
            "enrollment = { type = \"individual\" }",
            "enrollment = { type = \"group\", group_id = \"g\", group_key = \"s3cr3t\" }",
        ),
        edit("name = \"bench\"", "name = \"bench"),
        edit("contoso-{serial}", "contoso-{colour}"),
        edit("index = 2", "index = 1").replace(
            "product = \"sensor\"\n\n[[product]]",
            "product = \"nope\"\n\n[[product]]",
        ),
        edit(
            "kind = \"symmetric-key\"\nenrollment = { type = \"individual\" }",
            "kind = \"tpm\"\nenrollment = \"individual\"\nvendor_roots = []",
        ),
        edit(
            ENROLLMENT,
            "enrollment = { type = \"individual\", group_id = \"x\" }",
        ),
        edit(
            ENROLLMENT,
            "enrollment = { type = \"group\", group_id = \"g\", group_key = {} }",
        ),
        edit(
            ENROLLMENT,
            "enrollment = { type = \"group\", group_id = \"g\", group_key = { envv = \"X\" } }",
        ),
        edit("[storage]\ndatabase = \"var/station.db\"\n", ""),
        edit(
            "[[fixture.slot]]\nindex = 2\nport = \"/dev/ttyACM1\"\nproduct = \"sensor\"\n",
            "",
        )
        .replacen("[[fixture.slot]]", "[fixture.slot]", 1),
        edit("index = 2", "index = 70000"),
    ];
    let mut out = String::new();
    for text in &cases {
        out.push_str(&render(&error(text)));
    }
    out.push_str(&render(
        &load(Path::new("/nonexistent/station.toml")).unwrap_err(),
    ));
    insta::assert_snapshot!(out);
}

fn config_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../station-config")
}

#[test]
fn loaded_config_round_trips_through_toml() {
    let demo = load(&config_dir().join("demo.toml")).unwrap();
    let text = toml::to_string(&demo).unwrap();
    assert_eq!(
        parse_str(&text, Path::new("elsewhere/station.toml")).unwrap(),
        demo
    );
}

#[test]
fn upload_section_defaults_paths_and_checks() {
    let text = format!(
        "{BASE}\n[upload]\nconnection_string = {{ file = \"secrets/dps.cs\" }}\n\
         trust_anchor = \"dps/ca.pem\"\n"
    );
    let config = parse_str(&text, Path::new("/etc/station/station.toml")).unwrap();
    let upload = config.upload.unwrap();
    assert_eq!(upload.ops_per_minute, 1000);
    assert_eq!(upload.ops_per_bulk, 10);
    assert_eq!(
        upload.signing_key,
        Path::new("/etc/station/keys/export-signing.key")
    );
    assert_eq!(
        upload.trust_anchor.as_deref(),
        Some(Path::new("/etc/station/dps/ca.pem"))
    );
    assert_eq!(
        upload.connection_string,
        Some(station_config::SecretSource::File {
            file: "/etc/station/secrets/dps.cs".into()
        })
    );
    // No [upload] at all is fine (a station that neither uploads nor exports).
    assert!(parse_str(BASE, Path::new(ORIGIN)).unwrap().upload.is_none());

    let bad = format!("{BASE}\n[upload]\nops_per_minute = 0\nservice_host = \"https://x.net\"\n");
    let keys: Vec<String> = problems(&bad).into_iter().map(|p| p.key).collect();
    assert_eq!(keys, ["upload.service_host", "upload.ops_per_minute"]);
}

#[test]
fn an_inline_connection_string_is_rejected_without_echoing_it() {
    let secret = "HostName=h;SharedAccessKeyName=p;SharedAccessKey=c2VjcmV0";
    let text = format!("{BASE}\n[upload]\nconnection_string = \"{secret}\"\n");
    let err = error(&text);
    assert_eq!(err.code(), "station::config::inline_secret");
    assert!(!render(&err).contains("c2VjcmV0"));
    let ConfigError::Parse(parse) = err else {
        unreachable!()
    };
    assert_eq!(parse.key.as_deref(), Some("upload.connection_string"));
}

/// Each allocation mistake a line engineer can make is named at its key.
#[test]
fn allocation_mistakes_are_named_at_their_keys() {
    let with = |extra: &str| format!("{BASE}{extra}");
    let cases: &[(&str, &str, &str)] = &[
        (
            "[product.allocation]\npolicy = \"static\"\niot_hubs = [\"a.azure-devices.net\", \"b.azure-devices.net\"]\n",
            "product[0].allocation.iot_hubs",
            "exactly one hub",
        ),
        (
            "[product.allocation]\npolicy = \"custom\"\n",
            "product[0].allocation.webhook_url",
            "needs the webhook",
        ),
        (
            "[product.allocation]\npolicy = \"custom\"\nwebhook_url = \"http://alloc.example/api\"\n",
            "product[0].allocation.webhook_url",
            "HTTPS",
        ),
        (
            "[product.allocation]\npolicy = \"hashed\"\nwebhook_url = \"https://alloc.example/api\"\n",
            "product[0].allocation.webhook_url",
            "only by the custom policy",
        ),
        (
            "[product.allocation]\npolicy = \"hashed\"\niot_hubs = [\"a.azure-devices.net\", \"A.azure-devices.net\"]\n",
            "product[0].allocation.iot_hubs[1]",
            "listed twice",
        ),
        (
            "[product.initial_twin]\ntags = { serial = \"{sn}\" }\n",
            "product[0].initial_twin.tags",
            "{sn}",
        ),
        (
            "[product.initial_twin]\nfile = \"twin.json\"\ndesired = { a = 1 }\n",
            "product[0].initial_twin.file",
            "both in a file",
        ),
    ];
    for (extra, key, message) in cases {
        let found = problems(&with(extra));
        assert!(
            found
                .iter()
                .any(|p| p.key == *key && p.message.contains(message)),
            "{extra}: {found:?}"
        );
    }
    let hubs: Vec<String> = (0..11)
        .map(|i| format!("\"h{i}.azure-devices.net\""))
        .collect();
    let found = problems(&with(&format!(
        "[product.allocation]\npolicy = \"hashed\"\niot_hubs = [{}]\n",
        hubs.join(", ")
    )));
    assert!(
        found.iter().any(|p| p.message.contains("at most 10")),
        "{found:?}"
    );
    // An unknown policy is a parse error that lists the four.
    let err = parse_error(&with("[product.allocation]\npolicy = \"nearest\"\n"));
    assert!(
        format!("{err} {:?}", err.help).contains("geoLatency"),
        "{err} {:?}",
        err.help
    );
    // A group's twin cannot use a unit's facts.
    let group = BASE.replace(
        ENROLLMENT,
        "enrollment = { type = \"group\", group_id = \"g\", group_key = { env = \"K\" } }",
    );
    let found = problems(&format!(
        "{group}[product.initial_twin]\ntags = {{ serial = \"{{serial}}\" }}\n"
    ));
    assert!(
        found
            .iter()
            .any(|p| p.message.contains("shared by all its devices")),
        "{found:?}"
    );
    // A well-formed allocation loads.
    parse_str(
        &with("[product.allocation]\npolicy = \"geoLatency\"\n[product.reprovision]\nmigrate_device_data = false\n[product.initial_twin]\ntags = { wo = \"{work_order}\" }\n"),
        Path::new(ORIGIN),
    )
    .unwrap();
}

/// `[line_db]`: the policy while apart is one of two words, and the lease block is bounded.
#[test]
fn line_db_offline_policy_and_lease_block_are_checked() {
    // TLS is required: no ca_file is an error unless a lab says so, and saying both is too.
    let no_tls = problems(&format!(
        "{BASE}\n[line_db]\nurl = \"host=db user=station dbname=line\"\n"
    ));
    assert!(
        no_tls.iter().any(|p| p.key == "line_db.ca_file"),
        "{no_tls:?}"
    );
    let both = problems(&format!(
        "{BASE}\n[line_db]\nurl = \"host=db user=station dbname=line\"\nca_file = \"ca.pem\"\ninsecure_plaintext = true\n"
    ));
    assert!(
        both.iter().any(|p| p.key == "line_db.insecure_plaintext"),
        "{both:?}"
    );
    let ok = format!(
        "{BASE}\n[line_db]\nurl = \"host=db user=station dbname=line\"\ninsecure_plaintext = true\noffline = \"local\"\nlease_block = 200\n"
    );
    let config = parse_str(&ok, Path::new(ORIGIN)).unwrap();
    let section = config.line_db.unwrap();
    assert_eq!(section.offline, station_config::OfflinePolicy::Local);
    assert_eq!(section.lease_block, 200);
    let defaults = parse_str(
        &format!("{BASE}\n[line_db]\nurl = \"host=db user=station dbname=line\"\ninsecure_plaintext = true\n"),
        Path::new(ORIGIN),
    )
    .unwrap()
    .line_db
    .unwrap();
    assert_eq!(
        (defaults.offline, defaults.lease_block),
        (station_config::OfflinePolicy::Refuse, 50)
    );

    let bad_block = problems(&format!(
        "{BASE}\n[line_db]\nurl = \"host=db user=station dbname=line\"\ninsecure_plaintext = true\nlease_block = 0\n"
    ));
    assert!(
        bad_block.iter().any(|p| p.key == "line_db.lease_block"),
        "{bad_block:?}"
    );
    let err = parse_error(&format!(
        "{BASE}\n[line_db]\nurl = \"host=db user=station dbname=line\"\ninsecure_plaintext = true\noffline = \"sometimes\"\n"
    ));
    let rendered = err.to_string();
    assert!(rendered.contains("offline"), "{rendered}");
}

/// Log rotation limits are bounded, and an export recipient must be an age public key: a
/// secret key pasted by mistake is named as such without repeating it.
#[test]
fn log_limits_and_export_recipients_are_checked() {
    let config = parse_str(BASE, Path::new(ORIGIN)).unwrap();
    assert_eq!(
        (config.station.log_max_mb, config.station.log_keep),
        (50, 30)
    );
    let with_station =
        |extra: &str| BASE.replacen("[station]\n", &format!("[station]\n{extra}\n"), 1);
    let bad = problems(&with_station("log_keep = 0\nlog_max_mb = 20000"));
    let keys: Vec<&str> = bad.iter().map(|p| p.key.as_str()).collect();
    assert!(
        keys.contains(&"station.log_keep") && keys.contains(&"station.log_max_mb"),
        "{bad:?}"
    );

    let secret = "AGE-SECRET-KEY-1QQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQ";
    let upload = |recipients: &str| {
        format!("{BASE}\n[upload]\nsigning_key = \"k.key\"\nexport_recipients = [{recipients}]\n")
    };
    let found = problems(&upload(&format!("\"{secret}\"")));
    let p = found
        .iter()
        .find(|p| p.key == "upload.export_recipients")
        .expect("a secret key is refused");
    assert!(p.to_string().contains("secret key"), "{p}");
    assert!(
        !format!("{found:?}").contains(secret),
        "the key is not repeated"
    );
    let found = problems(&upload("\"ssh-ed25519 AAAA\""));
    assert!(
        found.iter().any(|p| p.key == "upload.export_recipients"),
        "{found:?}"
    );
    let good = "age1ql3z7hjy54pw3hyww5ayyfg7zqgvc7w3j2elw8zmrj2kg5sfn9aqmcac8p";
    let config = parse_str(&upload(&format!("\"{good}\"")), Path::new(ORIGIN)).unwrap();
    assert_eq!(config.upload.unwrap().export_recipients, [good]);
}

/// A product may widen what boards may report (a space, a slash), never with what makes a
/// string a formula, a CSV field break or a terminal escape.
#[test]
fn board_string_extra_chars_are_checked() {
    let with = |chars: &str| {
        BASE.replacen(
            "[[product]]\nid = \"sensor\"\n",
            &format!("[[product]]\nid = \"sensor\"\nboard_string_extra_chars = \"{chars}\"\n"),
            1,
        )
    };
    let config = parse_str(&with(" /"), Path::new(ORIGIN)).unwrap();
    assert_eq!(config.products[0].board_string_extra_chars, " /");
    for bad in ["=", "\\\"", ",", "@", "\\u001b"] {
        let found = problems(&with(bad));
        assert!(
            found
                .iter()
                .any(|p| p.key == "product[sensor].board_string_extra_chars"
                    || p.key.ends_with("board_string_extra_chars")),
            "{bad}: {found:?}"
        );
    }
}

/// The hand-out alarm defaults to 3 failures within 8 hours and cannot be switched off or set
/// past a month.
#[test]
fn the_handout_alarm_has_defaults_and_bounds() {
    let config = parse_str(BASE, Path::new(ORIGIN)).unwrap();
    assert_eq!(
        config.fixture.handout_alarm,
        station_config::HandoutAlarm {
            failures: 3,
            window_hours: 8
        }
    );
    let with_alarm = |alarm: &str| {
        BASE.replacen(
            "[fixture]\n",
            &format!("[fixture]\nhandout_alarm = {{ {alarm} }}\n"),
            1,
        )
    };
    let ok = parse_str(&with_alarm("failures = 5"), Path::new(ORIGIN)).unwrap();
    assert_eq!(ok.fixture.handout_alarm.failures, 5);
    assert_eq!(ok.fixture.handout_alarm.window_hours, 8);
    let bad = problems(&with_alarm("failures = 0, window_hours = 721"));
    let keys: Vec<&str> = bad.iter().map(|p| p.key.as_str()).collect();
    assert!(
        keys.contains(&"fixture.handout_alarm.failures")
            && keys.contains(&"fixture.handout_alarm.window_hours"),
        "{bad:?}"
    );
}

/// Configuration only from safe places: a world- or group-writable configuration, a secret file
/// another user can change, and a PKCS#11 module that is relative or not root's are refused
/// by `load` itself (so by every command and the app), each naming the file and the fix.
#[cfg(unix)]
#[test]
fn a_configuration_or_secret_file_others_can_change_is_refused() {
    use std::os::unix::fs::PermissionsExt as _;
    let dir = tempfile::tempdir().unwrap();
    let set = |p: &Path, mode: u32| {
        std::fs::set_permissions(p, std::fs::Permissions::from_mode(mode)).unwrap();
    };
    let cfg = dir.path().join("station.toml");
    let group = edit(
        ENROLLMENT,
        "enrollment = { type = \"group\", group_id = \"g\", group_key = { file = \"group.key\" } }",
    );
    std::fs::write(&cfg, &group).unwrap();
    std::fs::write(dir.path().join("group.key"), "a2V5\n").unwrap();
    set(&cfg, 0o644);
    set(&dir.path().join("group.key"), 0o600);
    load(&cfg).unwrap();

    set(&cfg, 0o666);
    let err = load(&cfg).unwrap_err();
    assert_eq!(err.code(), "station::config::unsafe_file");
    assert!(err.to_string().contains("writable by every user"), "{err}");
    assert!(
        err.hints()
            .unwrap()
            .contains(&format!("chmod go-w {}", cfg.display())),
        "{err:?}"
    );
    set(&cfg, 0o644);

    set(&dir.path().join("group.key"), 0o620);
    let err = load(&cfg).unwrap_err();
    assert!(err.to_string().contains("group key"), "{err}");
    assert!(err.to_string().contains("writable by its group"), "{err}");
    set(&dir.path().join("group.key"), 0o600);
    // Owned by another user (root may hand it over in a test).
    let root = std::fs::metadata("/proc/self")
        .map(|m| std::os::unix::fs::MetadataExt::uid(&m) == 0)
        .unwrap_or(false);
    if root {
        std::os::unix::fs::chown(dir.path().join("group.key"), Some(65534), None).unwrap();
        let err = load(&cfg).unwrap_err();
        assert!(err.to_string().contains("belongs to user 65534"), "{err}");
        std::os::unix::fs::chown(dir.path().join("group.key"), Some(0), None).unwrap();
    }

    // A PKCS#11 module: absolute, and root's.
    let x509 = |module: &str| {
        BASE.replace(
            "[product.attestation]\nkind = \"symmetric-key\"\nenrollment = { type = \"individual\" }",
            &format!(
                "[product.attestation]\nkind = \"x509\"\nenrollment = \"individual\"\n\
                 ca = {{ backend = \"pkcs11\", module = \"{module}\", certificate = \"ca.pem\", \
                 token_label = \"line\", key_label = \"ca\", pin = {{ file = \"pin\" }} }}"
            ),
        )
    };
    std::fs::write(&cfg, x509("libevil.so")).unwrap();
    let err = load(&cfg).unwrap_err();
    assert!(err.to_string().contains("not an absolute path"), "{err}");
    let module = dir.path().join("libevil.so");
    std::fs::write(&module, "not a library").unwrap();
    set(&module, 0o755);
    std::fs::write(&cfg, x509(&module.display().to_string())).unwrap();
    std::os::unix::fs::chown(&module, Some(65534), None).ok();
    let err = load(&cfg).unwrap_err();
    assert!(err.to_string().contains("PKCS#11 module"), "{err}");
    assert!(err.hints().unwrap().contains("chown root:root"), "{err:?}");
}

#[test]
fn device_keys_need_recipients_or_a_lab_opt_out() {
    const RECIPIENTS: &str =
        "recipients = [\"age1w44g2eltljvulxz80c46aev6dwt25x5syz7ws2cwklaalcdx346qctkk56\"]";
    // Individual symmetric keys and nothing to seal them: refused, naming the key and the fix.
    let unsealed = problems(&edit(RECIPIENTS, ""));
    assert_eq!(unsealed.len(), 1, "{unsealed:?}");
    assert_eq!(unsealed[0].key, "secrets.recipients");
    assert!(
        unsealed[0].message.contains("product sensor"),
        "{unsealed:?}"
    );
    assert!(
        unsealed[0]
            .help
            .as_deref()
            .is_some_and(|h| h.contains("insecure_plaintext")),
        "{unsealed:?}"
    );
    // A lab says so, and loads.
    let lab = parse_str(
        &edit(RECIPIENTS, "insecure_plaintext = true"),
        Path::new(ORIGIN),
    )
    .unwrap();
    assert!(lab.secrets.insecure_plaintext && !lab.secrets.sealed());
    // Both at once is a contradiction; a recipient that is no age key is named.
    let both = problems(&edit(
        RECIPIENTS,
        &format!("{RECIPIENTS}\ninsecure_plaintext = true"),
    ));
    assert_eq!(both[0].key, "secrets.insecure_plaintext");
    let bad = problems(&edit(RECIPIENTS, "recipients = [\"AGE-SECRET-KEY-1XYZ\"]"));
    assert_eq!(bad[0].key, "secrets.recipients");
    assert!(bad[0].message.contains("recipient 1"), "{bad:?}");
    // A recipients file is enough; retain defaults to until-delivered, "keep" parses.
    let file = parse_str(
        &edit(
            RECIPIENTS,
            "recipients_file = \"keys/r.txt\"\nidentity_file = \"keys/u.age\"\nretain = \"keep\"",
        ),
        Path::new(ORIGIN),
    )
    .unwrap();
    assert_eq!(file.secrets.retain, station_config::Retain::Keep);
    assert!(
        file.secrets
            .recipients_file
            .as_ref()
            .unwrap()
            .ends_with("keys/r.txt")
    );
    assert!(
        file.secret_files()
            .iter()
            .any(|(what, p)| what == "secrets identity" && p.ends_with("keys/u.age"))
    );
    // A product without device keys needs no [secrets].
    let x509_free = BASE.replace(RECIPIENTS, "").replace(
        ENROLLMENT,
        "enrollment = { type = \"group\", group_id = \"g\", group_key = { env = \"K\" } }",
    );
    parse_str(&x509_free, Path::new(ORIGIN)).unwrap();
}

#[test]
fn a_language_the_station_does_not_speak_is_named_with_the_ones_it_does() {
    let ok = format!("{BASE}\n[kiosk]\nlocale = \"zh-CN\"\n");
    let config = parse_str(&ok, Path::new(ORIGIN)).unwrap();
    assert_eq!(config.kiosk.locale.tag(), "zh-CN");
    let text = format!("{BASE}\n[kiosk]\nlocale = \"fr\"\n");
    let err = error(&text);
    let shown = render(&err);
    assert!(shown.contains("locale"), "{shown}");
    for tag in ["en", "zh-CN", "es"] {
        assert!(shown.contains(tag), "names {tag}: {shown}");
    }
}
