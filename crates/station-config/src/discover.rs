//! Which configuration file a station uses, the same for the CLI and the desktop app:
//! `--config FILE`, else `$STATION_CONFIG`, else `./station.toml` if there is one, else
//! `/etc/station/station.toml` (where the Debian package puts it).

use std::ffi::OsString;
use std::fmt;
use std::path::{Path, PathBuf};

/// The environment variable naming the configuration file.
pub const CONFIG_ENV: &str = "STATION_CONFIG";
/// The configuration in the working directory, used when it exists.
pub const LOCAL_CONFIG: &str = "station.toml";
/// The fixture PC's configuration.
pub const SYSTEM_CONFIG: &str = "/etc/station/station.toml";

/// Where the configuration file came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ConfigSource {
    /// `--config FILE`.
    Flag,
    /// `$STATION_CONFIG`.
    Env,
    /// `./station.toml`.
    WorkingDir,
    /// `/etc/station/station.toml`.
    System,
}

impl fmt::Display for ConfigSource {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Self::Flag => "--config",
            Self::Env => "$STATION_CONFIG",
            Self::WorkingDir => "./station.toml in the working directory",
            Self::System => "the system configuration",
        })
    }
}

/// The file and how it was found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Discovered {
    /// The file (it may not exist: [`load`](crate::load) then says so, with where it looked).
    pub path: PathBuf,
    /// How it was found.
    pub source: ConfigSource,
}

impl fmt::Display for Discovered {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} (from {})", self.path.display(), self.source)
    }
}

/// The configuration to use: `flag` (`--config`), else `$STATION_CONFIG`, else
/// `./station.toml` when it exists, else [`SYSTEM_CONFIG`].
#[must_use]
pub fn discover(flag: Option<&Path>) -> Discovered {
    discover_with(flag, std::env::var_os(CONFIG_ENV), |p| p.is_file())
}

/// [`discover`] with the environment and the file system given (for tests).
pub fn discover_with(
    flag: Option<&Path>,
    env: Option<OsString>,
    exists: impl Fn(&Path) -> bool,
) -> Discovered {
    if let Some(path) = flag {
        return Discovered {
            path: path.to_owned(),
            source: ConfigSource::Flag,
        };
    }
    if let Some(path) = env.filter(|v| !v.is_empty()) {
        return Discovered {
            path: PathBuf::from(path),
            source: ConfigSource::Env,
        };
    }
    let local = Path::new(LOCAL_CONFIG);
    if exists(local) {
        return Discovered {
            path: local.to_owned(),
            source: ConfigSource::WorkingDir,
        };
    }
    Discovered {
        path: PathBuf::from(SYSTEM_CONFIG),
        source: ConfigSource::System,
    }
}

/// Where a station looks for its configuration, in order, for messages.
pub const SEARCH_ORDER: &str = "--config FILE, then $STATION_CONFIG, then ./station.toml, then \
                                /etc/station/station.toml";

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_flag_then_the_environment_then_the_working_directory_then_the_system() {
        let none = |_: &Path| false;
        let local = |p: &Path| p == Path::new(LOCAL_CONFIG);
        let env = || Some(OsString::from("/srv/st/env.toml"));
        let d = discover_with(Some(Path::new("a.toml")), env(), local);
        assert_eq!(
            (d.path.as_path(), d.source),
            (Path::new("a.toml"), ConfigSource::Flag)
        );
        let d = discover_with(None, env(), local);
        assert_eq!(
            (d.path.as_path(), d.source),
            (Path::new("/srv/st/env.toml"), ConfigSource::Env)
        );
        // An empty variable is no variable.
        let d = discover_with(None, Some(OsString::new()), local);
        assert_eq!(d.source, ConfigSource::WorkingDir);
        let d = discover_with(None, None, none);
        assert_eq!(
            (d.path.as_path(), d.source),
            (Path::new(SYSTEM_CONFIG), ConfigSource::System)
        );
        assert_eq!(
            d.to_string(),
            "/etc/station/station.toml (from the system configuration)"
        );
    }
}
