//! The development CA and server certificate, created on first start in the state directory.
//!
//! Files: `ca.pem` (the trust file clients are given), `ca.key`, `server.pem` (leaf then CA),
//! `server.key`. The server certificate names `localhost`, `127.0.0.1`, `::1` and the
//! configured host name; it is issued again (by the same CA) when the host name changes.

use std::path::Path;
use std::sync::Arc;

use rcgen::{
    BasicConstraints, CertificateParams, DnType, ExtendedKeyUsagePurpose, IsCa, Issuer, KeyPair,
    KeyUsagePurpose, SanType,
};
use rustls::pki_types::pem::PemObject as _;
use rustls::pki_types::{CertificateDer, PrivateKeyDer};

use crate::Error;

/// The trust file clients are given.
pub const CA_FILE: &str = "ca.pem";
const CA_KEY_FILE: &str = "ca.key";
const SERVER_FILE: &str = "server.pem";
const SERVER_KEY_FILE: &str = "server.key";
const SERVER_NAMES_FILE: &str = "server.names";

/// A TLS connection the server accepted.
pub(crate) type ServerStream = tokio_rustls::server::TlsStream<tokio::net::TcpStream>;

/// The TLS handshake with one client, bounded by [`crate::HANDSHAKE_TIMEOUT`]; `None` (logged)
/// when it fails or times out. Also returns the client's certificate chain, leaf first (empty
/// without one): the handshake proved the client holds the leaf's key.
pub(crate) async fn handshake(
    acceptor: &tokio_rustls::TlsAcceptor,
    tcp: tokio::net::TcpStream,
    peer: std::net::SocketAddr,
) -> Option<(ServerStream, Vec<CertificateDer<'static>>)> {
    let tls = match tokio::time::timeout(crate::HANDSHAKE_TIMEOUT, acceptor.accept(tcp)).await {
        Ok(Ok(tls)) => tls,
        Ok(Err(e)) => {
            tracing::debug!(%peer, error = %e, "TLS handshake failed");
            return None;
        }
        Err(_) => return None,
    };
    let chain = tls
        .get_ref()
        .1
        .peer_certificates()
        .map(<[CertificateDer<'static>]>::to_vec)
        .unwrap_or_default();
    Some((tls, chain))
}

/// Loads or creates the CA and the server certificate; returns the TLS configuration.
pub(crate) fn server_config(
    dir: &Path,
    host_name: &str,
) -> Result<Arc<rustls::ServerConfig>, Error> {
    let tls = |e: String| Error::Tls(e);
    let ca_path = dir.join(CA_FILE);
    let ca_key_path = dir.join(CA_KEY_FILE);
    let (ca_key, ca_pem) = if ca_path.exists() && ca_key_path.exists() {
        let key_pem = read(&ca_key_path)?;
        (
            KeyPair::from_pem(&key_pem).map_err(|e| tls(e.to_string()))?,
            read(&ca_path)?,
        )
    } else {
        let key = KeyPair::generate_for(&rcgen::PKCS_ECDSA_P256_SHA256)
            .map_err(|e| tls(e.to_string()))?;
        let mut params =
            CertificateParams::new(Vec::<String>::new()).map_err(|e| tls(e.to_string()))?;
        params
            .distinguished_name
            .push(DnType::CommonName, "dps-local development CA");
        params.is_ca = IsCa::Ca(BasicConstraints::Constrained(0));
        params.key_usages = vec![KeyUsagePurpose::KeyCertSign, KeyUsagePurpose::CrlSign];
        params.not_before = rcgen::date_time_ymd(2025, 1, 1);
        params.not_after = rcgen::date_time_ymd(2045, 1, 1);
        let cert = params.self_signed(&key).map_err(|e| tls(e.to_string()))?;
        write_private(&ca_key_path, &key.serialize_pem())?;
        write(&ca_path, &cert.pem())?;
        // A new CA makes any old server certificate useless.
        let _ = std::fs::remove_file(dir.join(SERVER_NAMES_FILE));
        (key, cert.pem())
    };
    let names = server_names(host_name);
    let names_line = names.join(",");
    let current = std::fs::read_to_string(dir.join(SERVER_NAMES_FILE)).unwrap_or_default();
    if current != names_line
        || !dir.join(SERVER_FILE).exists()
        || !dir.join(SERVER_KEY_FILE).exists()
    {
        let issuer = Issuer::from_ca_cert_pem(&ca_pem, &ca_key).map_err(|e| tls(e.to_string()))?;
        let key = KeyPair::generate_for(&rcgen::PKCS_ECDSA_P256_SHA256)
            .map_err(|e| tls(e.to_string()))?;
        let mut params =
            CertificateParams::new(Vec::<String>::new()).map_err(|e| tls(e.to_string()))?;
        params
            .distinguished_name
            .push(DnType::CommonName, host_name.to_owned());
        params.subject_alt_names = names
            .iter()
            .map(|n| match n.parse::<std::net::IpAddr>() {
                Ok(ip) => Ok(SanType::IpAddress(ip)),
                Err(_) => n
                    .clone()
                    .try_into()
                    .map(SanType::DnsName)
                    .map_err(|e: rcgen::Error| tls(e.to_string())),
            })
            .collect::<Result<_, _>>()?;
        params.key_usages = vec![KeyUsagePurpose::DigitalSignature];
        params.extended_key_usages = vec![ExtendedKeyUsagePurpose::ServerAuth];
        params.not_before = rcgen::date_time_ymd(2025, 1, 1);
        params.not_after = rcgen::date_time_ymd(2045, 1, 1);
        let cert = params
            .signed_by(&key, &issuer)
            .map_err(|e| tls(e.to_string()))?;
        write_private(&dir.join(SERVER_KEY_FILE), &key.serialize_pem())?;
        write(&dir.join(SERVER_FILE), &format!("{}{}", cert.pem(), ca_pem))?;
        write(&dir.join(SERVER_NAMES_FILE), &names_line)?;
    }
    let chain: Vec<CertificateDer<'static>> = CertificateDer::pem_file_iter(dir.join(SERVER_FILE))
        .map_err(|e| tls(e.to_string()))?
        .collect::<Result<_, _>>()
        .map_err(|e| tls(e.to_string()))?;
    let key =
        PrivateKeyDer::from_pem_file(dir.join(SERVER_KEY_FILE)).map_err(|e| tls(e.to_string()))?;
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let config = rustls::ServerConfig::builder_with_provider(Arc::clone(&provider))
        .with_safe_default_protocol_versions()
        .map_err(|e| tls(e.to_string()))?
        .with_client_cert_verifier(Arc::new(AnyClientCertificate(provider)))
        .with_single_cert(chain, key)
        .map_err(|e| tls(e.to_string()))?;
    Ok(Arc::new(config))
}

/// Client certificates are optional (the service API and symmetric-key devices send none) and
/// any chain is accepted at the TLS layer: which chain is trusted depends on the enrollment,
/// which the device API checks after the handshake. The handshake still proves the client holds
/// the leaf's private key (its `CertificateVerify` signature is checked here).
#[derive(Debug)]
struct AnyClientCertificate(Arc<rustls::crypto::CryptoProvider>);

impl rustls::server::danger::ClientCertVerifier for AnyClientCertificate {
    fn offer_client_auth(&self) -> bool {
        true
    }

    fn client_auth_mandatory(&self) -> bool {
        false
    }

    fn root_hint_subjects(&self) -> &[rustls::DistinguishedName] {
        &[]
    }

    fn verify_client_cert(
        &self,
        _end_entity: &CertificateDer<'_>,
        _intermediates: &[CertificateDer<'_>],
        _now: rustls::pki_types::UnixTime,
    ) -> Result<rustls::server::danger::ClientCertVerified, rustls::Error> {
        Ok(rustls::server::danger::ClientCertVerified::assertion())
    }

    fn verify_tls12_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &rustls::DigitallySignedStruct,
    ) -> Result<rustls::client::danger::HandshakeSignatureValid, rustls::Error> {
        rustls::crypto::verify_tls12_signature(
            message,
            cert,
            dss,
            &self.0.signature_verification_algorithms,
        )
    }

    fn verify_tls13_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &rustls::DigitallySignedStruct,
    ) -> Result<rustls::client::danger::HandshakeSignatureValid, rustls::Error> {
        rustls::crypto::verify_tls13_signature(
            message,
            cert,
            dss,
            &self.0.signature_verification_algorithms,
        )
    }

    fn supported_verify_schemes(&self) -> Vec<rustls::SignatureScheme> {
        self.0.signature_verification_algorithms.supported_schemes()
    }
}

fn server_names(host_name: &str) -> Vec<String> {
    let mut names = vec![
        "localhost".to_owned(),
        "127.0.0.1".to_owned(),
        "::1".to_owned(),
    ];
    if !names.iter().any(|n| n.eq_ignore_ascii_case(host_name)) {
        names.push(host_name.to_ascii_lowercase());
    }
    names
}

fn read(path: &Path) -> Result<String, Error> {
    std::fs::read_to_string(path).map_err(|source| Error::Io {
        path: path.to_owned(),
        source,
    })
}

fn write(path: &Path, text: &str) -> Result<(), Error> {
    std::fs::write(path, text).map_err(|source| Error::Io {
        path: path.to_owned(),
        source,
    })
}

/// Writes a file readable by the owner only.
pub(crate) fn write_private(path: &Path, text: &str) -> Result<(), Error> {
    use std::io::Write as _;
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create(true).truncate(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt as _;
        options.mode(0o600);
    }
    options
        .open(path)
        .and_then(|mut f| f.write_all(text.as_bytes()))
        .map_err(|source| Error::Io {
            path: path.to_owned(),
            source,
        })
}
