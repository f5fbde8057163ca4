//! `station generate` (hidden; for packagers): man pages and shell completions from the CLI
//! definition itself, so they never drift from `--help`. scripts/package.sh runs it.

use std::path::{Path, PathBuf};

use clap::Args;
use clap_complete::Shell;

use crate::EXIT_OK;

/// Arguments of `station generate`.
#[derive(Args)]
pub(crate) struct GenerateArgs {
    /// Write the man pages (`station.1`, `station-<command>.1`, …) into this directory.
    #[arg(long, value_name = "DIR")]
    man: Option<PathBuf>,
    /// Write the shell completions under this directory as Debian lays them out:
    /// `bash-completion/completions/station`, `zsh/vendor-completions/_station`,
    /// `fish/vendor_completions.d/station.fish`.
    #[arg(long, value_name = "DIR")]
    completions: Option<PathBuf>,
}

impl GenerateArgs {
    /// Both, into `man` and under `completions` (tests).
    #[cfg(test)]
    pub(crate) fn for_dirs(man: &Path, completions: &Path) -> Self {
        Self {
            man: Some(man.to_owned()),
            completions: Some(completions.to_owned()),
        }
    }
}

pub(crate) fn generate(args: &GenerateArgs, mut cli: clap::Command) -> anyhow::Result<u8> {
    if let Some(dir) = &args.man {
        std::fs::create_dir_all(dir)?;
        clap_mangen::generate_to(cli.clone(), dir)?;
        println!("man pages in {}", dir.display());
    }
    if let Some(dir) = &args.completions {
        for (shell, path) in [
            (Shell::Bash, "bash-completion/completions/station"),
            (Shell::Zsh, "zsh/vendor-completions/_station"),
            (Shell::Fish, "fish/vendor_completions.d/station.fish"),
        ] {
            let path = dir.join(path);
            write_completion(shell, &mut cli, &path)?;
            println!("{shell} completion in {}", path.display());
        }
    }
    Ok(EXIT_OK)
}

fn write_completion(shell: Shell, cli: &mut clap::Command, path: &Path) -> anyhow::Result<()> {
    if let Some(parent) = path.parent() {
        std::fs::create_dir_all(parent)?;
    }
    let mut file = std::fs::File::create(path)?;
    clap_complete::generate(shell, cli, "station", &mut file);
    Ok(())
}
