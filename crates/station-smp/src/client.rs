//! Typed SMP operations the pipeline uses.

use std::time::{Duration, Instant};

use station_transport::LinkStats;

use crate::commands::{os, provisioning, settings};
use crate::connection::{Connection, ConnectionConfig};
use crate::error::{DeviceRc, SmpError};

/// Typed operations on one device.
pub struct Client {
    conn: Connection,
}

/// The shortest per-attempt wait for a [`Client::tpm`] command.
pub const TPM_COMMAND_TIMEOUT: Duration = Duration::from_secs(5);

/// How long [`Client::register`] waits for the device: a registration takes DPS's
/// `Retry-After` polls (seconds) and, on a TPM device, the TPM's key imports.
pub const REGISTER_TIMEOUT: Duration = Duration::from_secs(60);

/// How often to probe a rebooting device.
const READY_PROBE_TIMEOUT: Duration = Duration::from_millis(200);

impl Client {
    /// Wraps a connection.
    pub fn new(conn: Connection) -> Self {
        Self { conn }
    }

    /// The underlying connection.
    pub fn connection(&mut self) -> &mut Connection {
        &mut self.conn
    }

    /// Bytes moved so far.
    pub fn stats(&self) -> LinkStats {
        self.conn.stats()
    }

    /// Echoes `text`.
    pub fn echo(&mut self, text: &str) -> Result<String, SmpError> {
        Ok(self.conn.execute(&os::Echo { d: text.to_owned() })?.r)
    }

    /// Resets the device (it answers first, then reboots).
    pub fn reset(&mut self) -> Result<(), SmpError> {
        self.conn.execute(&os::Reset {}).map(|_| ())
    }

    /// Waits until the device answers an echo again, for at most `timeout` in all.
    pub fn wait_until_ready(&mut self, timeout: Duration) -> Result<(), SmpError> {
        let deadline = Instant::now() + timeout;
        let probe = ConnectionConfig {
            timeout: READY_PROBE_TIMEOUT,
            max_attempts: 1,
        };
        let saved = self.conn.set_config(probe);
        let result = loop {
            match self.echo("ready") {
                Ok(_) => break Ok(()),
                Err(e @ SmpError::Link(_)) => break Err(e),
                Err(e) if Instant::now() >= deadline => break Err(e),
                Err(_) => continue,
            }
        };
        self.conn.set_config(saved);
        result
    }

    /// Reads a setting; `Ok(None)` when the device has no such key.
    pub fn read_setting(&mut self, name: &str, secret: bool) -> Result<Option<Vec<u8>>, SmpError> {
        let req = settings::ReadSetting {
            name: name.to_owned(),
            max_size: None,
            secret,
        };
        Ok(absent_as_none(self.conn.execute(&req), settings::rc::KEY_NOT_FOUND)?.map(|r| r.val))
    }

    /// Writes a setting. Secret values never reach the log.
    pub fn write_setting(&mut self, name: &str, val: &[u8], secret: bool) -> Result<(), SmpError> {
        let req = settings::WriteSetting {
            name: name.to_owned(),
            val: val.to_vec(),
            secret,
        };
        self.conn.execute(&req).map(|_| ())
    }

    /// Commits pending settings.
    pub fn commit_settings(&mut self) -> Result<(), SmpError> {
        self.conn.execute(&settings::CommitSettings {}).map(|_| ())
    }

    /// Saves settings to persistent storage.
    pub fn save_settings(&mut self) -> Result<(), SmpError> {
        self.conn.execute(&settings::SaveSettings {}).map(|_| ())
    }

    /// Reads the device's identity.
    pub fn identity(&mut self) -> Result<provisioning::IdentityResponse, SmpError> {
        self.conn.execute(&provisioning::Identity {})
    }

    /// The device's SMP reassembly buffer size and count (`os.mcumgr_params`).
    pub fn mcumgr_params(&mut self) -> Result<os::McumgrParamsResponse, SmpError> {
        self.conn.execute(&os::McumgrParams {})
    }

    /// Has the device generate a key pair in `key_slot` and returns its CSR (DER). The private
    /// key never leaves the device.
    pub fn keygen(&mut self, key_slot: u32, alg: &str, cn: &str) -> Result<Vec<u8>, SmpError> {
        let req = provisioning::Keygen {
            key_slot,
            alg: alg.to_owned(),
            cn: cn.to_owned(),
        };
        Ok(self.conn.execute(&req)?.csr)
    }

    /// Installs `chain` (leaf first, DER) for the key in `key_slot`; returns the SHA-256 of the
    /// leaf as the device stored it.
    pub fn install_certificate(
        &mut self,
        key_slot: u32,
        chain: &[Vec<u8>],
    ) -> Result<Vec<u8>, SmpError> {
        let req = provisioning::InstallCertificate {
            key_slot,
            chain: chain
                .iter()
                .map(|c| serde_bytes::ByteBuf::from(c.clone()))
                .collect(),
        };
        Ok(self.conn.execute(&req)?.sha256)
    }

    /// Reads the chain stored for `key_slot`; `Ok(None)` when the slot has no certificate.
    pub fn read_certificate(&mut self, key_slot: u32) -> Result<Option<Vec<Vec<u8>>>, SmpError> {
        let answer = self
            .conn
            .execute(&provisioning::ReadCertificate { key_slot });
        Ok(absent_as_none(answer, provisioning::rc::KEY_NOT_FOUND)?
            .map(|r| r.chain.into_iter().map(|c| c.into_vec()).collect()))
    }

    /// Asks the device to prove it holds setting `name` (see
    /// [`provisioning::SettingProof`]); `None` if it holds no such setting.
    pub fn prove_setting(
        &mut self,
        name: &str,
        nonce: &[u8],
    ) -> Result<Option<[u8; 32]>, SmpError> {
        let answer = self.conn.execute(&provisioning::SettingProof {
            name: name.to_owned(),
            nonce: nonce.to_vec(),
        });
        // A MAC of the wrong length can match nothing: it reads as all zeros.
        Ok(absent_as_none(answer, provisioning::rc::KEY_NOT_FOUND)?
            .map(|r| r.mac.try_into().unwrap_or([0; 32])))
    }

    /// Hands one raw TPM 2.0 command to the device's TPM and returns its raw response.
    ///
    /// Each attempt waits at least [`TPM_COMMAND_TIMEOUT`]: a TPM may take that long to create
    /// a primary RSA key. A retried command may run twice on the TPM; the station only retries
    /// reads and key creations whose handles it flushes.
    pub fn tpm(&mut self, command: &[u8]) -> Result<Vec<u8>, SmpError> {
        let config = self.conn.config();
        let saved = self.conn.set_config(ConnectionConfig {
            timeout: config.timeout.max(TPM_COMMAND_TIMEOUT),
            ..config
        });
        let result = self.conn.execute(&provisioning::Tpm {
            cmd: command.to_vec(),
        });
        self.conn.set_config(saved);
        Ok(result?.rsp)
    }

    /// Has the device register with DPS over its own network (see [`provisioning::Register`]);
    /// `None` if it has no network on this fixture. One attempt of up to [`REGISTER_TIMEOUT`]:
    /// a registration is not repeated behind DPS's throttles.
    pub fn register(&mut self) -> Result<Option<provisioning::RegisterResponse>, SmpError> {
        let saved = self.conn.set_config(ConnectionConfig {
            timeout: REGISTER_TIMEOUT,
            max_attempts: 1,
        });
        let result = self.conn.execute(&provisioning::Register {});
        self.conn.set_config(saved);
        absent_as_none(result, provisioning::rc::NO_NETWORK)
    }

    /// Locks the device's manufacturing mode, confirming with its serial.
    pub fn lock(&mut self, serial: &str) -> Result<(), SmpError> {
        self.conn
            .execute(&provisioning::Lock {
                serial: serial.to_owned(),
            })
            .map(|_| ())
    }
}

/// `answer`, with the device's group return code `absent` (what was asked for is not there)
/// as `None`.
fn absent_as_none<T>(answer: Result<T, SmpError>, absent: i64) -> Result<Option<T>, SmpError> {
    match answer {
        Ok(value) => Ok(Some(value)),
        Err(SmpError::Device {
            rc: DeviceRc::Group { rc, .. },
            ..
        }) if rc == absent => Ok(None),
        Err(e) => Err(e),
    }
}
