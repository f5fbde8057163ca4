//! Shared access signatures: the service API's (connection strings, policy tokens) and the
//! device API's (a device key, or one derived from an enrollment group's key), signing and
//! verification.
//!
//! Format ([how-to-control-access]): `SharedAccessSignature sr={sr}&sig={sig}&se={se}&skn={name}`
//! where `sr` is the URL-encoded, lower-case resource URI (the DPS host name), `se` the expiry in
//! seconds since 1970-01-01T00:00:00Z, and `sig` the URL-encoded
//! `base64(HMAC-SHA256(base64decode(policy key), sr + "\n" + se))`. The signature covers `sr`
//! exactly as it appears in the token, so a verifier must not re-encode it.
//!
//! [how-to-control-access]: https://learn.microsoft.com/azure/iot-dps/how-to-control-access

use std::fmt;
use std::str::FromStr;

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD as B64;
use hmac::{Hmac, Mac};
use sha2::Sha256;

/// The scheme word that starts a SAS `Authorization` header value.
pub const SAS_SCHEME: &str = "SharedAccessSignature";

/// A problem with a connection string or a SAS token.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum SasError {
    /// A required `Key=value` part is missing from the connection string.
    #[error("the connection string has no {0}")]
    MissingPart(&'static str),
    /// A part is not `Key=value`, or a key appears twice or is unknown.
    #[error("the connection string is malformed: {0}")]
    Malformed(String),
    /// The shared access key is not valid base64.
    #[error("the shared access key is not valid base64")]
    KeyNotBase64,
    /// The `Authorization` value is not a SAS token (wrong scheme or missing fields).
    #[error("the authorization value is not a shared access signature: {0}")]
    NotSas(&'static str),
}

/// A shared access policy key; `Debug` never shows it.
#[derive(Clone, PartialEq, Eq)]
pub struct PolicyKey(Vec<u8>);

impl PolicyKey {
    /// Decodes a base64 policy key.
    pub fn from_base64(text: &str) -> Result<Self, SasError> {
        B64.decode(text.trim())
            .map(PolicyKey)
            .map_err(|_| SasError::KeyNotBase64)
    }

    /// The key as base64 (for writing a connection string file).
    pub fn to_base64(&self) -> String {
        B64.encode(&self.0)
    }

    /// `base64(HMAC-SHA256(key, message))`.
    pub fn sign(&self, message: &[u8]) -> String {
        B64.encode(self.mac(message).finalize().into_bytes())
    }

    /// Checks `signature` (raw bytes) over `message` in constant time.
    pub fn verify(&self, message: &[u8], signature: &[u8]) -> bool {
        self.mac(message).verify_slice(signature).is_ok()
    }

    fn mac(&self, message: &[u8]) -> Hmac<Sha256> {
        // HMAC accepts keys of any length; this cannot fail.
        let mut mac = <Hmac<Sha256> as Mac>::new_from_slice(&self.0)
            .expect("HMAC-SHA256 takes keys of any length (bug if this fails)");
        mac.update(message);
        mac
    }
}

impl fmt::Debug for PolicyKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("PolicyKey(<redacted>)")
    }
}

/// A DPS service connection string:
/// `HostName=<host>;SharedAccessKeyName=<policy>;SharedAccessKey=<base64 key>`.
///
/// `Display` and `Debug` leave the key out.
///
/// ```
/// use dps_wire::sas::ConnectionString;
///
/// let cs: ConnectionString =
///     "HostName=mydps.azure-devices-provisioning.net;SharedAccessKeyName=provisioningserviceowner;\
///      SharedAccessKey=a2V5"
///         .parse()?;
/// assert_eq!(cs.host_name, "mydps.azure-devices-provisioning.net");
/// assert!(!format!("{cs:?} {cs}").contains("a2V5"));
/// # Ok::<(), dps_wire::sas::SasError>(())
/// ```
#[derive(Clone, PartialEq, Eq)]
pub struct ConnectionString {
    /// The DPS host name (optionally with `:port`), e.g. `mydps.azure-devices-provisioning.net`.
    pub host_name: String,
    /// The shared access policy name, e.g. `provisioningserviceowner`.
    pub key_name: String,
    /// The policy's key.
    pub key: PolicyKey,
}

impl FromStr for ConnectionString {
    type Err = SasError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let (mut host, mut name, mut key) = (None, None, None);
        for part in s.trim().split(';').filter(|p| !p.trim().is_empty()) {
            let (k, v) = part
                .split_once('=')
                .ok_or_else(|| SasError::Malformed("a part is not Key=value".into()))?;
            let slot = match k.trim() {
                "HostName" => &mut host,
                "SharedAccessKeyName" => &mut name,
                "SharedAccessKey" => &mut key,
                other => return Err(SasError::Malformed(format!("unknown key {other}"))),
            };
            if slot.replace(v.trim().to_owned()).is_some() {
                return Err(SasError::Malformed(format!("{} appears twice", k.trim())));
            }
        }
        let host_name = host
            .filter(|h| !h.is_empty())
            .ok_or(SasError::MissingPart("HostName"))?;
        let key_name = name
            .filter(|n| !n.is_empty())
            .ok_or(SasError::MissingPart("SharedAccessKeyName"))?;
        let key = PolicyKey::from_base64(&key.ok_or(SasError::MissingPart("SharedAccessKey"))?)?;
        Ok(ConnectionString {
            host_name,
            key_name,
            key,
        })
    }
}

impl ConnectionString {
    /// The connection string text, key included (for writing the file a client reads).
    pub fn to_secret_string(&self) -> String {
        format!(
            "HostName={};SharedAccessKeyName={};SharedAccessKey={}",
            self.host_name,
            self.key_name,
            self.key.to_base64()
        )
    }

    /// A token for the whole service (`sr` = the host name) that expires at `expiry`
    /// (seconds since the Unix epoch).
    pub fn token(&self, expiry: u64) -> SasToken {
        let sr = url_encode(&self.host_name.to_ascii_lowercase());
        let se = expiry.to_string();
        let sig = self.key.sign(format!("{sr}\n{se}").as_bytes());
        SasToken(format!(
            "{SAS_SCHEME} sr={sr}&sig={}&se={se}&skn={}",
            url_encode(&sig),
            url_encode(&self.key_name)
        ))
    }
}

impl fmt::Display for ConnectionString {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "HostName={};SharedAccessKeyName={};SharedAccessKey=<redacted>",
            self.host_name, self.key_name
        )
    }
}

impl fmt::Debug for ConnectionString {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "ConnectionString({self})")
    }
}

/// The `skn` of a device SAS: always `registration` (the Python SDK leaves it out).
pub const DEVICE_KEY_NAME: &str = "registration";

/// The SAS resource a device signs: `{idScope}/registrations/{registrationId}`.
pub fn sas_resource(id_scope: &str, registration_id: &str) -> String {
    format!("{id_scope}/registrations/{registration_id}")
}

/// A device's symmetric key derived from its enrollment group's key (DPS-NOTES §3):
/// `HMAC-SHA256(group key, registration ID)`.
pub fn derive_device_key(group_key: &PolicyKey, registration_id: &str) -> PolicyKey {
    PolicyKey(
        group_key
            .mac(registration_id.as_bytes())
            .finalize()
            .into_bytes()
            .to_vec(),
    )
}

/// A device-API token: `sr` = URL-encoded `{idScope}/registrations/{registrationId}`,
/// `skn=registration`, signed with the device's key, expiring at `expiry` (Unix seconds).
pub fn device_token(
    key: &PolicyKey,
    id_scope: &str,
    registration_id: &str,
    expiry: u64,
) -> SasToken {
    let sr = url_encode(&sas_resource(id_scope, registration_id));
    let se = expiry.to_string();
    let sig = key.sign(format!("{sr}\n{se}").as_bytes());
    SasToken(format!(
        "{SAS_SCHEME} sr={sr}&sig={}&se={se}&skn={}",
        url_encode(&sig),
        DEVICE_KEY_NAME
    ))
}

/// An `Authorization` header value; `Debug` hides the signature.
#[derive(Clone, PartialEq, Eq)]
pub struct SasToken(String);

impl SasToken {
    /// The header value.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for SasToken {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("SasToken(<redacted>)")
    }
}

/// The fields of a SAS token as received: `sr` and `se` exactly as written (still encoded),
/// the signature decoded.
#[derive(Clone, PartialEq, Eq)]
pub struct SasFields {
    /// `sr` exactly as received (URL-encoded).
    pub sr_raw: String,
    /// `se` exactly as received.
    pub se_raw: String,
    /// The expiry, parsed.
    pub expiry: u64,
    /// The policy name (`skn`, decoded); devices may leave it out (the Python SDK does).
    pub key_name: Option<String>,
    /// The signature bytes (`sig`, URL-decoded then base64-decoded).
    pub signature: Vec<u8>,
}

impl fmt::Debug for SasFields {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SasFields")
            .field("sr_raw", &self.sr_raw)
            .field("expiry", &self.expiry)
            .field("key_name", &self.key_name)
            .finish_non_exhaustive()
    }
}

impl SasFields {
    /// Parses an `Authorization` header value; the fields may come in any order.
    pub fn parse(header: &str) -> Result<Self, SasError> {
        let rest = header
            .trim()
            .strip_prefix(SAS_SCHEME)
            .and_then(|r| r.strip_prefix(' '))
            .ok_or(SasError::NotSas(
                "it does not start with SharedAccessSignature",
            ))?;
        let (mut sr, mut sig, mut se, mut skn) = (None, None, None, None);
        for part in rest.trim().split('&') {
            let (k, v) = part
                .split_once('=')
                .ok_or(SasError::NotSas("a field is not key=value"))?;
            let slot = match k {
                "sr" => &mut sr,
                "sig" => &mut sig,
                "se" => &mut se,
                "skn" => &mut skn,
                _ => return Err(SasError::NotSas("unknown field")),
            };
            if slot.replace(v.to_owned()).is_some() {
                return Err(SasError::NotSas("a field appears twice"));
            }
        }
        let sr_raw = sr.ok_or(SasError::NotSas("no sr"))?;
        let se_raw = se.ok_or(SasError::NotSas("no se"))?;
        let expiry = se_raw
            .parse()
            .map_err(|_| SasError::NotSas("se is not a number"))?;
        let key_name = skn
            .map(|k| url_decode(&k).ok_or(SasError::NotSas("skn is not URL-encoded text")))
            .transpose()?;
        let sig = url_decode(&sig.ok_or(SasError::NotSas("no sig"))?)
            .ok_or(SasError::NotSas("sig is not URL-encoded text"))?;
        let signature = B64
            .decode(sig)
            .map_err(|_| SasError::NotSas("sig is not base64"))?;
        Ok(SasFields {
            sr_raw,
            se_raw,
            expiry,
            key_name,
            signature,
        })
    }

    /// Whether the signature was made with `key` over `sr` and `se` as received.
    pub fn signed_by(&self, key: &PolicyKey) -> bool {
        key.verify(
            format!("{}\n{}", self.sr_raw, self.se_raw).as_bytes(),
            &self.signature,
        )
    }

    /// The resource URI (`sr` decoded), lower-cased.
    pub fn resource(&self) -> Option<String> {
        url_decode(&self.sr_raw).map(|r| r.to_ascii_lowercase())
    }
}

/// Everything but RFC 3986's unreserved characters (`A–Z a–z 0–9 - . _ ~`) is escaped.
const ESCAPED: &percent_encoding::AsciiSet = &percent_encoding::NON_ALPHANUMERIC
    .remove(b'-')
    .remove(b'.')
    .remove(b'_')
    .remove(b'~');

/// Percent-encodes everything but RFC 3986 unreserved characters, with upper-case hex.
pub fn url_encode(text: &str) -> String {
    percent_encoding::utf8_percent_encode(text, ESCAPED).to_string()
}

/// Decodes `%XX` escapes (either hex case). A `+` stays a plus: a path segment or a SAS
/// field is not a form (a device's SAS signature is base64, where `+` is a digit). `None` if
/// an escape is broken or the result is not UTF-8.
pub fn url_decode(text: &str) -> Option<String> {
    // `percent_decode_str` leaves a broken escape as it is; refuse it instead.
    let bytes = text.as_bytes();
    let broken = bytes.iter().enumerate().any(|(i, &b)| {
        b == b'%'
            && !bytes
                .get(i + 1..i + 3)
                .is_some_and(|h| h.iter().all(u8::is_ascii_hexdigit))
    });
    if broken {
        return None;
    }
    percent_encoding::percent_decode_str(text)
        .decode_utf8()
        .ok()
        .map(std::borrow::Cow::into_owned)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn url_escapes_round_trip_and_a_plus_stays_a_plus() {
        assert_eq!(
            url_encode("0ne00AB/registrations/dev 1+é"),
            "0ne00AB%2Fregistrations%2Fdev%201%2B%C3%A9"
        );
        assert_eq!(
            url_decode("0ne00AB%2fregistrations%2Fdev%201%2B%C3%A9").as_deref(),
            Some("0ne00AB/registrations/dev 1+é")
        );
        // A raw `+` in a path segment or a base64 signature is a plus, not a space.
        assert_eq!(url_decode("a+b==").as_deref(), Some("a+b=="));
        assert_eq!(url_decode("bad%2"), None);
        assert_eq!(url_decode("bad%zz"), None);
        assert_eq!(url_decode("%FF"), None, "not UTF-8");
    }

    const CS: &str = "HostName=MyDps.azure-devices-provisioning.net;\
                      SharedAccessKeyName=provisioningserviceowner;\
                      SharedAccessKey=c2VjcmV0LWtleS1mb3ItdGVzdHM=";

    #[test]
    fn token_matches_an_independent_computation() {
        // Known answer computed with Python's hmac/hashlib/base64/urllib.parse.quote:
        //   sr = quote("mydps.azure-devices-provisioning.net"); se = "1700000000"
        //   sig = b64(hmac.new(b64decode(key), f"{sr}\n{se}".encode(), sha256).digest())
        let cs: ConnectionString = CS.parse().unwrap();
        let token = cs.token(1_700_000_000);
        assert_eq!(
            token.as_str(),
            "SharedAccessSignature sr=mydps.azure-devices-provisioning.net\
             &sig=nnGNpGykWXLzi64p1FAH6WBHswIF1P1oqAsGZrnHuaw%3D&se=1700000000\
             &skn=provisioningserviceowner"
        );
        let fields = SasFields::parse(token.as_str()).unwrap();
        assert!(fields.signed_by(&cs.key));
        assert_eq!(fields.expiry, 1_700_000_000);
        assert_eq!(
            fields.resource().as_deref(),
            Some("mydps.azure-devices-provisioning.net")
        );
        let other = PolicyKey::from_base64("b3RoZXI=").unwrap();
        assert!(!fields.signed_by(&other));
    }

    #[test]
    fn signature_covers_sr_as_received() {
        let cs: ConnectionString = CS.parse().unwrap();
        // A client that encodes ':' with lower-case hex signs that exact text.
        let sr = "localhost%3a8443";
        let sig = cs.key.sign(format!("{sr}\n99").as_bytes());
        let header = format!(
            "SharedAccessSignature skn=provisioningserviceowner&se=99&sig={}&sr={sr}",
            url_encode(&sig)
        );
        let fields = SasFields::parse(&header).unwrap();
        assert!(fields.signed_by(&cs.key));
        assert_eq!(fields.resource().as_deref(), Some("localhost:8443"));
        // The same resource with upper-case hex is a different signature input.
        let recoded = header.replace("%3a", "%3A");
        assert!(!SasFields::parse(&recoded).unwrap().signed_by(&cs.key));
    }

    #[test]
    fn group_keys_derive_the_documented_device_key() {
        // DPS-NOTES §3, from Microsoft's docs, re-verified with Python's hmac.
        let group = PolicyKey::from_base64(
            "8isrFI1sGsIlvvFSSFRiMfCNzv21fjbE/+ah/lSh3lF8e2YG1Te7w1KpZhJFFXJrqYKi9yegxkqIChbqOS9Egw==",
        )
        .unwrap();
        let device = derive_device_key(&group, "sn-007-888-abc-mac-a1-b2-c3-d4-e5-f6");
        assert_eq!(
            device.to_base64(),
            "Jsm0lyGpjaVYVP2g3FnmnmG9dI/9qU24wNoykUmermc="
        );
        let token = device_token(&device, "0ne00DEMO01", "sn-007", 1_900_000_000);
        let fields = SasFields::parse(token.as_str()).unwrap();
        assert_eq!(
            fields.resource().as_deref(),
            Some("0ne00demo01/registrations/sn-007")
        );
        assert_eq!(fields.key_name.as_deref(), Some("registration"));
        assert!(fields.signed_by(&device));
        assert!(!fields.signed_by(&group));
    }

    #[test]
    fn connection_string_errors_never_echo_the_key() {
        for (text, want) in [
            ("SharedAccessKeyName=a;SharedAccessKey=a2V5", "HostName"),
            ("HostName=h;SharedAccessKey=a2V5", "SharedAccessKeyName"),
            ("HostName=h;SharedAccessKeyName=a", "SharedAccessKey"),
            (
                "HostName=h;SharedAccessKeyName=a;SharedAccessKey=%%%",
                "base64",
            ),
            ("HostName=h;Bogus=1", "unknown key"),
        ] {
            let err = text.parse::<ConnectionString>().unwrap_err().to_string();
            assert!(err.contains(want), "{text}: {err}");
            assert!(!err.contains("a2V5"));
        }
        let cs: ConnectionString = CS.parse().unwrap();
        assert_eq!(
            cs.to_secret_string().parse::<ConnectionString>().unwrap(),
            cs
        );
        assert!(!format!("{:?}", cs.token(1)).contains("sig"));
    }

    #[test]
    fn malformed_tokens_are_refused() {
        for bad in [
            "Bearer abc",
            "SharedAccessSignature sr=a&se=1&skn=x",
            "SharedAccessSignature sr=a&sig=AA%3D%3D&se=x&skn=x",
            "SharedAccessSignature sr=a&sig=AA%3D%3D&se=1&skn=x&sr=b",
        ] {
            assert!(SasFields::parse(bad).is_err(), "{bad}");
        }
    }
}
