//! The tss-esapi [`EkReader`]: a worker thread owns the `tss_esapi::Context` (one context, one
//! thread), connected with the `swtpm` TCTI to a loopback [`Bridge`]; the caller's thread,
//! which owns the DUT link, forwards each command the bridge receives.

use std::str::FromStr;
use std::sync::mpsc::{self, RecvTimeoutError};
use std::time::{Duration, Instant};

use tss_esapi::Context;
use tss_esapi::abstraction::ek;
use tss_esapi::abstraction::nv;
use tss_esapi::attributes::ObjectAttributesBuilder;
use tss_esapi::constants::CapabilityType;
use tss_esapi::constants::SessionType;
use tss_esapi::handles::{AuthHandle, ObjectHandle, SessionHandle};
use tss_esapi::handles::{KeyHandle, NvIndexTpmHandle, PersistentTpmHandle, TpmHandle};
use tss_esapi::interface_types::algorithm::{
    AsymmetricAlgorithm, HashingAlgorithm, PublicAlgorithm,
};
use tss_esapi::interface_types::key_bits::RsaKeyBits;
use tss_esapi::interface_types::resource_handles::{Hierarchy, NvAuth};
use tss_esapi::interface_types::session_handles::{AuthSession, PolicySession};
use tss_esapi::structures::{
    CapabilityData, Digest, EncryptedSecret, IdObject, Nonce, Public, PublicBuffer, PublicBuilder,
    PublicKeyRsa, PublicRsaParametersBuilder, RsaExponent, SymmetricCipherParameters,
    SymmetricDefinition, SymmetricDefinitionObject,
};
use tss_esapi::tcti_ldr::{NetworkTPMConfig, TctiNameConf};
use tss_esapi::traits::Marshall;

use super::bridge::{Bridge, Exchange};
use super::{
    EK_CERT_NV_INDEX, EK_HANDLE, EkReader, ExchangeStats, ReadRequest, SRK_HANDLE, TpmError,
    TpmLink, TpmLinkError, TpmPublic, TpmReadout,
};

/// Default bound on one whole read (EK, certificate, SRK) over the slowest link.
pub const DEFAULT_READ_TIMEOUT: Duration = Duration::from_secs(120);

/// Reads EKs with tss-esapi through the loopback bridge.
#[derive(Debug, Clone)]
pub struct TssEkReader {
    timeout: Duration,
}

impl Default for TssEkReader {
    fn default() -> Self {
        Self::new()
    }
}

impl TssEkReader {
    /// A reader with the default overall timeout ([`DEFAULT_READ_TIMEOUT`]).
    pub fn new() -> Self {
        Self {
            timeout: DEFAULT_READ_TIMEOUT,
        }
    }

    /// Bounds one whole read.
    #[must_use]
    pub fn with_timeout(mut self, timeout: Duration) -> Self {
        self.timeout = timeout;
        self
    }
}

/// What the bridge and the worker send the link-owning thread.
enum Msg {
    Exchange(Exchange),
    Done(Result<Raw, TpmError>),
}

impl From<Exchange> for Msg {
    fn from(e: Exchange) -> Self {
        Msg::Exchange(e)
    }
}

/// Marshalled results, as the worker hands them back.
struct Raw {
    ek: Vec<u8>,
    ek_persistent: bool,
    ek_certificate: Option<Vec<u8>>,
    srk: Option<Vec<u8>>,
}

impl EkReader for TssEkReader {
    fn read(&self, link: &mut dyn TpmLink, request: &ReadRequest) -> Result<TpmReadout, TpmError> {
        let swept = super::sweep::sweep(link).map_err(|e| match e {
            TpmLinkError::NoTpm => TpmError::NoTpm,
            TpmLinkError::Failed(source) => TpmError::Link(source),
        })?;
        let (tx, rx) = mpsc::channel::<Msg>();
        let bridge = Bridge::open(tx.clone()).map_err(TpmError::Bridge)?;
        let port = bridge.port();
        let request = *request;
        let worker = std::thread::Builder::new()
            .name("tpm-context".into())
            .spawn(move || {
                let result = std::panic::catch_unwind(|| read_with_context(port, request))
                    .unwrap_or_else(|_| {
                        Err(TpmError::Stack {
                            operation: "running the TPM software stack",
                            source: "the TPM worker panicked".into(),
                        })
                    });
                let _ = tx.send(Msg::Done(result));
            })
            .map_err(TpmError::Bridge)?;
        let deadline = Instant::now() + self.timeout;
        let mut stats = ExchangeStats {
            commands: swept.commands,
            command_bytes: swept.command_bytes,
            response_bytes: swept.response_bytes,
            ..ExchangeStats::default()
        };
        let mut link_error = None;
        let outcome = loop {
            match rx.recv_timeout(deadline.saturating_duration_since(Instant::now())) {
                Ok(Msg::Exchange(ex)) => {
                    if link_error.is_some() {
                        let _ = ex.reply.send(None);
                        continue;
                    }
                    stats.commands += 1;
                    stats.command_bytes += ex.command.len() as u64;
                    let t = Instant::now();
                    match link.transact(&ex.command) {
                        Ok(rsp) => {
                            stats.link_time += t.elapsed();
                            stats.response_bytes += rsp.len() as u64;
                            let _ = ex.reply.send(Some(rsp));
                        }
                        Err(e) => {
                            link_error = Some(e);
                            let _ = ex.reply.send(None);
                        }
                    }
                }
                Ok(Msg::Done(result)) => break result,
                Err(RecvTimeoutError::Timeout) => break Err(TpmError::Timeout(self.timeout)),
                Err(RecvTimeoutError::Disconnected) => {
                    break Err(TpmError::Stack {
                        operation: "running the TPM software stack",
                        source: "the TPM worker stopped".into(),
                    });
                }
            }
        };
        // Unanswered commands fail, the ports close, and the worker's TCTI sees them go.
        drop(rx);
        bridge.close();
        let _ = worker.join();
        if let Some(e) = link_error {
            return Err(match e {
                TpmLinkError::NoTpm => TpmError::NoTpm,
                TpmLinkError::Failed(source) => TpmError::Link(source),
            });
        }
        let raw = outcome?;
        tracing::debug!(
            commands = stats.commands,
            command_bytes = stats.command_bytes,
            response_bytes = stats.response_bytes,
            persistent = raw.ek_persistent,
            "TPM read"
        );
        Ok(TpmReadout {
            ek: TpmPublic::from_tpm2b(&raw.ek).map_err(TpmError::UnsupportedKey)?,
            ek_persistent: raw.ek_persistent,
            ek_certificate: raw.ek_certificate,
            srk: raw
                .srk
                .map(|s| TpmPublic::from_tpm2b(&s))
                .transpose()
                .map_err(TpmError::UnsupportedKey)?,
            exchange: stats,
        })
    }
}

fn stack(operation: &'static str) -> impl Fn(tss_esapi::Error) -> TpmError {
    move |e| TpmError::Stack {
        operation,
        source: Box::new(e),
    }
}

/// The worker: everything that touches the `Context`.
fn read_with_context(port: u16, request: ReadRequest) -> Result<Raw, TpmError> {
    let config = NetworkTPMConfig::from_str(&format!("host=127.0.0.1,port={port}"))
        .map_err(stack("configuring the TPM link"))?;
    let mut ctx =
        Context::new(TctiNameConf::Swtpm(config)).map_err(stack("opening the TPM link"))?;
    let ek = open_ek(&mut ctx)?;
    let proven = marshal(ek.public.clone()).and_then(|bytes| {
        let public = TpmPublic::from_tpm2b(&bytes).map_err(TpmError::UnsupportedKey)?;
        request
            .ek_template
            .check(&public)
            .map_err(TpmError::EkTemplate)?;
        challenge(&mut ctx, ek.handle, &bytes)?;
        Ok(bytes)
    });
    ek.close(&mut ctx);
    let ek_bytes = proven?;
    let ek_certificate = if handle_exists(&mut ctx, EK_CERT_NV_INDEX)? {
        Some(read_nv(&mut ctx, EK_CERT_NV_INDEX)?)
    } else {
        None
    };
    let srk = if request.include_srk {
        Some(
            match read_persistent(&mut ctx, SRK_HANDLE, "reading the SRK")? {
                Some(public) => public,
                None => create_primary(
                    &mut ctx,
                    Hierarchy::Owner,
                    srk_template()?,
                    "creating the SRK",
                )?,
            },
        )
    } else {
        None
    };
    Ok(Raw {
        ek: ek_bytes,
        ek_persistent: ek.persistent,
        ek_certificate,
        srk: srk.map(marshal).transpose()?,
    })
}

/// The EK, loaded for the challenge: the persistent one, or one created from the default
/// template (flushed by [`OpenEk::close`]).
struct OpenEk {
    handle: KeyHandle,
    public: Public,
    persistent: bool,
}

impl OpenEk {
    /// Releases the EK: the persistent one's ESYS handle, or the created one itself.
    fn close(&self, ctx: &mut Context) {
        let mut object = ObjectHandle::from(self.handle);
        let _ = if self.persistent {
            ctx.tr_close(&mut object)
        } else {
            ctx.flush_context(object)
        };
    }
}

fn open_ek(ctx: &mut Context) -> Result<OpenEk, TpmError> {
    let operation = "reading the EK";
    if handle_exists(ctx, EK_HANDLE)? {
        let tpm_handle = PersistentTpmHandle::new(EK_HANDLE).map_err(stack(operation))?;
        let mut object = ctx
            .execute_without_session(|c| c.tr_from_tpm_public(TpmHandle::Persistent(tpm_handle)))
            .map_err(stack(operation))?;
        return match ctx
            .execute_without_session(|c| c.read_public(KeyHandle::from(object)))
            .map_err(stack(operation))
        {
            Ok((public, _, _)) => Ok(OpenEk {
                handle: KeyHandle::from(object),
                public,
                persistent: true,
            }),
            Err(e) => {
                let _ = ctx.tr_close(&mut object);
                Err(e)
            }
        };
    }
    let template = ek::create_ek_public_from_default_template(AsymmetricAlgorithm::Rsa, None)
        .map_err(stack("building the EK template"))?;
    let created = ctx
        .execute_with_session(Some(AuthSession::Password), |c| {
            c.create_primary(Hierarchy::Endorsement, template, None, None, None, None)
        })
        .map_err(stack("creating the EK"))?;
    Ok(OpenEk {
        handle: created.key_handle,
        public: created.out_public,
        persistent: false,
    })
}

/// Proves the TPM holds the EK whose public area is `ek_public`: a fresh random credential is
/// protected to that EK in software (`TPM2_MakeCredential`), bound to a throw-away AES key
/// created in the null hierarchy, and the TPM must give it back with `TPM2_ActivateCredential`,
/// the EK authorised by a PolicySecret(endorsement) session (its template's policy). Only the
/// TPM holding the EK's private part can. Everything it creates is flushed.
fn challenge(ctx: &mut Context, ek: KeyHandle, ek_public: &[u8]) -> Result<(), TpmError> {
    let area = tpm_credential::RsaArea::parse(ek_public).map_err(|e| TpmError::EkNotHeld {
        reason: e.to_string(),
    })?;
    let activator = ctx
        .execute_with_session(Some(AuthSession::Password), |c| {
            c.create_primary(
                Hierarchy::Null,
                activator_template()?,
                None,
                None,
                None,
                None,
            )
        })
        .map_err(stack("creating the challenge's key"))?;
    let result = activate(ctx, ek, &area, activator.key_handle, &activator.out_public);
    let _ = ctx.flush_context(activator.key_handle.into());
    result
}

fn activate(
    ctx: &mut Context,
    ek: KeyHandle,
    area: &tpm_credential::RsaArea,
    activator: KeyHandle,
    activator_public: &Public,
) -> Result<(), TpmError> {
    let name_bytes = marshal(activator_public.clone())?;
    let name = tpm_credential::name_sha256(name_bytes.get(2..).unwrap_or_default());
    let secret: [u8; 32] = rand::random();
    let made =
        tpm_credential::make_credential(area, &secret, &name).map_err(|e| TpmError::EkNotHeld {
            reason: e.to_string(),
        })?;
    let operation = "starting the EK's policy session";
    let session = ctx
        .start_auth_session(
            None,
            None,
            None,
            SessionType::Policy,
            SymmetricDefinition::AES_128_CFB,
            HashingAlgorithm::Sha256,
        )
        .map_err(stack(operation))?
        .ok_or_else(|| TpmError::Stack {
            operation,
            source: "the TPM returned no session".into(),
        })?;
    let answer = PolicySession::try_from(session)
        .map_err(stack(operation))
        .and_then(|policy| {
            ctx.execute_with_session(Some(AuthSession::Password), |c| {
                c.policy_secret(
                    policy,
                    AuthHandle::Endorsement,
                    Nonce::default(),
                    Digest::default(),
                    Nonce::default(),
                    None,
                )
            })
            .map_err(stack("authorising the EK (PolicySecret)"))
        })
        .and_then(|_| {
            let blob = IdObject::try_from(made.id_object).map_err(stack(operation))?;
            let encrypted = EncryptedSecret::try_from(made.secret).map_err(stack(operation))?;
            ctx.execute_with_sessions((Some(AuthSession::Password), Some(session), None), |c| {
                c.activate_credential(activator, ek, blob, encrypted)
            })
            .map_err(|e| TpmError::EkNotHeld {
                reason: format!("ActivateCredential failed: {e}"),
            })
        });
    let _ = ctx.flush_context(SessionHandle::from(session).into());
    if answer?.value() != secret {
        return Err(TpmError::EkNotHeld {
            reason: "ActivateCredential returned another credential".into(),
        });
    }
    Ok(())
}

/// The challenge's activating object: an AES-128-CFB key in the null hierarchy (cheap to
/// create, gone at the next reset, never usable outside this TPM).
fn activator_template() -> tss_esapi::Result<Public> {
    let attributes = ObjectAttributesBuilder::new()
        .with_fixed_tpm(true)
        .with_fixed_parent(true)
        .with_sensitive_data_origin(true)
        .with_user_with_auth(true)
        .with_no_da(true)
        .with_restricted(true)
        .with_decrypt(true)
        .build()?;
    PublicBuilder::new()
        .with_public_algorithm(PublicAlgorithm::SymCipher)
        .with_name_hashing_algorithm(HashingAlgorithm::Sha256)
        .with_object_attributes(attributes)
        .with_symmetric_cipher_parameters(SymmetricCipherParameters::new(
            SymmetricDefinitionObject::AES_128_CFB,
        ))
        .with_symmetric_cipher_unique_identifier(Digest::default())
        .build()
}

fn handle_exists(ctx: &mut Context, handle: u32) -> Result<bool, TpmError> {
    let (data, _) = ctx
        .execute_without_session(|c| c.get_capability(CapabilityType::Handles, handle, 1))
        .map_err(stack("listing the TPM's handles"))?;
    Ok(match data {
        CapabilityData::Handles(list) => list.iter().any(|h| u32::from(*h) == handle),
        _ => false,
    })
}

/// The public area of the persistent key at `handle`, if there is one.
fn read_persistent(
    ctx: &mut Context,
    handle: u32,
    operation: &'static str,
) -> Result<Option<Public>, TpmError> {
    if !handle_exists(ctx, handle)? {
        return Ok(None);
    }
    let tpm_handle = PersistentTpmHandle::new(handle).map_err(stack(operation))?;
    let mut object = ctx
        .execute_without_session(|c| c.tr_from_tpm_public(TpmHandle::Persistent(tpm_handle)))
        .map_err(stack(operation))?;
    let public = ctx
        .execute_without_session(|c| c.read_public(KeyHandle::from(object)))
        .map(|(public, _, _)| public)
        .map_err(stack(operation));
    let _ = ctx.tr_close(&mut object);
    public.map(Some)
}

/// Creates a primary key, keeps its public area and flushes it.
fn create_primary(
    ctx: &mut Context,
    hierarchy: Hierarchy,
    template: Public,
    operation: &'static str,
) -> Result<Public, TpmError> {
    let created = ctx
        .execute_with_session(Some(AuthSession::Password), |c| {
            c.create_primary(hierarchy, template, None, None, None, None)
        })
        .map_err(stack(operation))?;
    ctx.flush_context(created.key_handle.into())
        .map_err(stack(operation))?;
    Ok(created.out_public)
}

fn read_nv(ctx: &mut Context, index: u32) -> Result<Vec<u8>, TpmError> {
    let operation = "reading the EK certificate";
    let nv_index = NvIndexTpmHandle::new(index).map_err(stack(operation))?;
    let auth = ctx
        .execute_without_session(|c| c.tr_from_tpm_public(TpmHandle::NvIndex(nv_index)))
        .map_err(stack(operation))?;
    ctx.execute_with_session(Some(AuthSession::Password), |c| {
        nv::read_full(c, NvAuth::NvIndex(auth.into()), nv_index)
    })
    .map_err(stack(operation))
}

fn marshal(public: Public) -> Result<Vec<u8>, TpmError> {
    PublicBuffer::try_from(public)
        .and_then(|b| b.marshall())
        .map_err(stack("encoding a public area"))
}

/// The Azure C SDK's SRK template (`GetSrkTemplate`): RSA-2048, SHA-256, restricted decrypt,
/// AES-128-CFB, no policy.
fn srk_template() -> Result<Public, TpmError> {
    let operation = "building the SRK template";
    let attributes = ObjectAttributesBuilder::new()
        .with_fixed_tpm(true)
        .with_fixed_parent(true)
        .with_sensitive_data_origin(true)
        .with_user_with_auth(true)
        .with_no_da(true)
        .with_restricted(true)
        .with_decrypt(true)
        .build()
        .map_err(stack(operation))?;
    PublicBuilder::new()
        .with_public_algorithm(PublicAlgorithm::Rsa)
        .with_name_hashing_algorithm(HashingAlgorithm::Sha256)
        .with_object_attributes(attributes)
        .with_auth_policy(Digest::default())
        .with_rsa_parameters(
            PublicRsaParametersBuilder::new_restricted_decryption_key(
                SymmetricDefinitionObject::AES_128_CFB,
                RsaKeyBits::Rsa2048,
                RsaExponent::default(),
            )
            .build()
            .map_err(stack(operation))?,
        )
        .with_rsa_unique_identifier(PublicKeyRsa::default())
        .build()
        .map_err(stack(operation))
}
