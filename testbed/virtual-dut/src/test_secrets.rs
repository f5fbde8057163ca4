//! The test bench's uploader key pair: what test stations seal device keys to, and what their
//! uploaders open them with. A test-bench key, committed on purpose: it seals nothing but the
//! virtual boards' keys of throwaway test databases. Never use it on a line.

use std::path::Path;

/// The test uploader's age public key (`[secrets] recipients`).
pub const TEST_UPLOADER_RECIPIENT: &str =
    "age1w44g2eltljvulxz80c46aev6dwt25x5syz7ws2cwklaalcdx346qctkk56";

/// The test uploader's age identity (the file `[secrets] identity_file` names).
pub const TEST_UPLOADER_IDENTITY: &str =
    "AGE-SECRET-KEY-14G5N3G3NGF30U5QYHU9T6ZUVKEFS2FSQWXPFPQ9Q6A3J54ZW94SQ0M5SYH";

/// A `[secrets]` section sealing to the test uploader, whose identity is `identity_file`
/// (relative to the config, as written by [`write_uploader_identity`]).
pub fn secrets_toml(identity_file: &str) -> String {
    format!(
        "[secrets]\nrecipients = [\"{TEST_UPLOADER_RECIPIENT}\"]\nidentity_file = \"{identity_file}\"\n"
    )
}

/// Writes the test uploader's identity to `path`, private to this user (the station refuses a
/// secret file others can read).
pub fn write_uploader_identity(path: &Path) -> std::io::Result<()> {
    use std::io::Write as _;
    use std::os::unix::fs::OpenOptionsExt as _;
    if let Some(dir) = path.parent() {
        std::fs::create_dir_all(dir)?;
    }
    let mut f = std::fs::OpenOptions::new()
        .write(true)
        .create(true)
        .truncate(true)
        .mode(0o600)
        .open(path)?;
    writeln!(
        f,
        "# public key: {TEST_UPLOADER_RECIPIENT}\n{TEST_UPLOADER_IDENTITY}"
    )
}

/// Opens what a test station sealed to the test uploader: the enrollment JSON as the uploader
/// would send it. `sealed` is `None` for a payload stored in clear, returned as it is.
pub fn delivered_payload(payload_json: &str, sealed: Option<&[u8]>) -> serde_json::Value {
    let text = match sealed {
        Some(ciphertext) => {
            let identity = format!("{TEST_UPLOADER_IDENTITY}\n");
            let opener = station_seal::Opener::parse(&identity, Path::new("test-uploader"))
                .expect("the test identity parses");
            let opened = opener
                .open(ciphertext)
                .expect("sealed to the test uploader");
            String::from_utf8(opened.to_vec()).expect("an enrollment is text")
        }
        None => payload_json.to_owned(),
    };
    serde_json::from_str(&text).expect("an enrollment")
}
