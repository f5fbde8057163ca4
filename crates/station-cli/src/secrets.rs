//! `station secrets keygen`: the uploader's age key pair that seals device keys (docs/security.md),
//! made on the PC whose uploader will open them, as the package's postinst does.

use std::path::PathBuf;

use clap::{Args, Subcommand};
use station_store::private_files;

use crate::output::{CliError, say};

/// Arguments of `station secrets`.
#[derive(Args)]
pub(crate) struct SecretsArgs {
    #[command(subcommand)]
    command: SecretsCommand,
}

#[derive(Subcommand)]
enum SecretsCommand {
    /// Make a new age identity (the uploader's, private) and its public key for
    /// `[secrets] recipients_file`. Refuses to replace an identity: keys sealed to it would be
    /// lost.
    Keygen {
        /// The identity file to create (AGE-SECRET-KEY-1…), owner-only.
        #[arg(long, value_name = "FILE")]
        identity: PathBuf,
        /// The recipients file to write (age1…, readable by all).
        #[arg(long, value_name = "FILE")]
        recipients: PathBuf,
    },
}

pub(crate) fn secrets(args: &SecretsArgs) -> anyhow::Result<()> {
    match &args.command {
        SecretsCommand::Keygen {
            identity,
            recipients,
        } => {
            let fail = |what: &str, path: &PathBuf, e: std::io::Error| {
                CliError::anyhow(
                    "station::secrets::keygen",
                    format!("cannot write the {what} {}: {e}", path.display()),
                )
            };
            if identity.exists() {
                return Err(fail(
                    "identity",
                    identity,
                    std::io::ErrorKind::AlreadyExists.into(),
                ));
            }
            // The public key first, the identity last: a power cut between them leaves no
            // identity, and keygen runs again (an identity whose recipients file was lost
            // would refuse to be made again).
            let (secret, public) = station_seal::generate_identity();
            let text = format!("# {}\n{public}\n", identity.display());
            private_files::replace_public(recipients, text.as_bytes())
                .map_err(|e| fail("recipients file", recipients, e))?;
            private_files::write_new(identity, secret.as_bytes())
                .map_err(|e| fail("identity", identity, e))?;
            say!(
                "identity {} (keep it readable by the uploader alone), public key {public} in {}",
                identity.display(),
                recipients.display()
            );
            Ok(())
        }
    }
}
