//! A throwaway PostgreSQL cluster for tests and the demo: Debian's `postgresql` server binaries,
//! `initdb` in a directory of its own, `pg_ctl` on a free loopback port, stopped on drop. Never
//! the system-wide service. Run as root, the server runs as the `postgres` user (PostgreSQL
//! refuses root); run as anyone else, as that user.

use std::io;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

/// The database user the cluster is made with.
pub const USER: &str = "station";

/// A running throwaway cluster. Dropping it stops the server (its files stay in `dir`).
#[derive(Debug)]
pub struct Cluster {
    dir: PathBuf,
    bin: PathBuf,
    port: u16,
    password: String,
    run_as: Option<&'static str>,
    durable: bool,
}

impl Cluster {
    /// Makes a cluster in `dir/data` (created; must not hold one yet) and starts it on a free
    /// port, password authentication only, without fsync (tests: a crash of the machine is
    /// not what they test).
    pub fn start(dir: &Path) -> io::Result<Cluster> {
        Self::start_with(dir, false)
    }

    /// As [`Cluster::start`], with every commit flushed to disk as on a production server
    /// (benchmarks).
    pub fn start_durable(dir: &Path) -> io::Result<Cluster> {
        Self::start_with(dir, true)
    }

    fn start_with(dir: &Path, durable: bool) -> io::Result<Cluster> {
        let bin = server_bin()?;
        std::fs::create_dir_all(dir)?;
        let run_as = is_root().then_some("postgres");
        let password: String = format!("{:032x}", random_u128());
        let pwfile = dir.join("pwfile");
        std::fs::write(&pwfile, &password)?;
        if let Some(user) = run_as {
            chown_to(dir, user)?;
            chown_to(&pwfile, user)?;
        }
        let cluster = Cluster {
            dir: dir.to_owned(),
            bin,
            port: free_port()?,
            password,
            run_as,
            durable,
        };
        let data = dir.join("data");
        cluster.tool(
            "initdb",
            &[
                "-D",
                &data.to_string_lossy(),
                "-U",
                USER,
                "--auth=scram-sha-256",
                &format!("--pwfile={}", pwfile.display()),
                "--no-sync",
                "-E",
                "UTF8",
                "--locale=C",
            ],
        )?;
        std::fs::remove_file(&pwfile)?;
        cluster.resume()?;
        Ok(cluster)
    }

    /// Starts the (stopped) server again, on the same port.
    pub fn resume(&self) -> io::Result<()> {
        let data = self.dir.join("data");
        let options = format!(
            "-p {} -k {} -c listen_addresses=127.0.0.1 -c max_connections=200{}",
            self.port,
            self.dir.display(),
            if self.durable { "" } else { " -c fsync=off" }
        );
        self.tool(
            "pg_ctl",
            &[
                "-D",
                &data.to_string_lossy(),
                "-l",
                &self.dir.join("server.log").to_string_lossy(),
                "-o",
                &options,
                "-w",
                "-t",
                "30",
                "start",
            ],
        )?;
        Ok(())
    }

    /// Stops the server now (`immediate`: as if it crashed; every connection drops).
    pub fn stop(&self) -> io::Result<()> {
        let data = self.dir.join("data");
        self.tool(
            "pg_ctl",
            &[
                "-D",
                &data.to_string_lossy(),
                "-m",
                "immediate",
                "-w",
                "stop",
            ],
        )?;
        Ok(())
    }

    /// Serves TLS with this certificate chain and key (PEM), and with `only_tls` refuses
    /// connections without it; restarts the server.
    pub fn enable_tls(&self, cert_pem: &str, key_pem: &str, only_tls: bool) -> io::Result<()> {
        use std::io::Write as _;
        use std::os::unix::fs::PermissionsExt as _;
        let data = self.dir.join("data");
        let cert = data.join("server.crt");
        let key = data.join("server.key");
        std::fs::write(&cert, cert_pem)?;
        std::fs::write(&key, key_pem)?;
        std::fs::set_permissions(&key, std::fs::Permissions::from_mode(0o600))?;
        let mut conf = std::fs::OpenOptions::new()
            .append(true)
            .open(data.join("postgresql.conf"))?;
        writeln!(
            conf,
            "ssl = on\nssl_cert_file = 'server.crt'\nssl_key_file = 'server.key'"
        )?;
        if only_tls {
            std::fs::write(
                data.join("pg_hba.conf"),
                "local all all scram-sha-256\nhostssl all all 127.0.0.1/32 scram-sha-256\n",
            )?;
        }
        if let Some(user) = self.run_as {
            chown_to(&cert, user)?;
            chown_to(&key, user)?;
            chown_to(&data.join("pg_hba.conf"), user)?;
        }
        self.stop()?;
        self.resume()
    }

    /// Authenticates TLS connections from 127.0.0.1 with `method` (a `pg_hba.conf` method such
    /// as `scram-sha-256`, `md5` or `password`) and takes nothing else but local sockets;
    /// reloads the server. For tests of what a client accepts.
    pub fn set_tls_auth_method(&self, method: &str) -> io::Result<()> {
        let hba = self.dir.join("data").join("pg_hba.conf");
        std::fs::write(
            &hba,
            format!("local all all scram-sha-256\nhostssl all all 127.0.0.1/32 {method}\n"),
        )?;
        if let Some(user) = self.run_as {
            chown_to(&hba, user)?;
        }
        self.stop()?;
        self.resume()
    }

    /// The connection string (without the password), e.g. for `LineDb::connect`.
    pub fn url(&self) -> String {
        format!(
            "host=127.0.0.1 port={} user={USER} dbname=postgres",
            self.port
        )
    }

    /// Runs `sql` with PostgreSQL's own `psql` as [`USER`] (tests: to look at or tamper with
    /// the line database behind the stations' backs); returns its output.
    pub fn psql(&self, sql: &str) -> io::Result<String> {
        let out = Command::new(self.bin.join("psql"))
            .args(["-X", "-A", "-t", "-v", "ON_ERROR_STOP=1", "-h", "127.0.0.1"])
            .args([
                "-p",
                &self.port.to_string(),
                "-U",
                USER,
                "-d",
                "postgres",
                "-c",
                sql,
            ])
            .env("PGPASSWORD", &self.password)
            .output()?;
        if !out.status.success() {
            return Err(io::Error::other(format!(
                "psql failed: {}",
                String::from_utf8_lossy(&out.stderr)
            )));
        }
        Ok(String::from_utf8_lossy(&out.stdout).into_owned())
    }

    /// The connection string through `port` (a [`Relay`] in front of the server).
    pub fn url_on(&self, port: u16) -> String {
        format!("host=127.0.0.1 port={port} user={USER} dbname=postgres")
    }

    /// The password of [`USER`].
    pub fn password(&self) -> &str {
        &self.password
    }

    /// Its port.
    pub fn port(&self) -> u16 {
        self.port
    }

    fn tool(&self, name: &str, args: &[&str]) -> io::Result<Output> {
        let program = self.bin.join(name);
        let mut command = match self.run_as {
            Some(user) => {
                let mut c = Command::new("runuser");
                c.args(["-u", user, "--"]).arg(&program);
                c
            }
            None => Command::new(&program),
        };
        let out = command.args(args).current_dir(&self.dir).output()?;
        if !out.status.success() {
            return Err(io::Error::other(format!(
                "{name} failed ({}): {}{}",
                out.status,
                String::from_utf8_lossy(&out.stdout),
                String::from_utf8_lossy(&out.stderr)
            )));
        }
        Ok(out)
    }
}

impl Drop for Cluster {
    fn drop(&mut self) {
        let running = self.dir.join("data/postmaster.pid").exists();
        if running && let Err(e) = self.stop() {
            tracing::warn!(error = %e, "could not stop the throwaway PostgreSQL");
        }
    }
}

/// A development CA and a server certificate for 127.0.0.1 it signed, for [`Cluster::enable_tls`]
/// in tests and demos: (CA PEM, server certificate PEM, server key PEM).
pub fn dev_certificate() -> io::Result<(String, String, String)> {
    use rcgen::{
        BasicConstraints, CertificateParams, DnType, IsCa, Issuer, KeyPair, KeyUsagePurpose,
        SanType,
    };
    let ca_key = KeyPair::generate().map_err(io::Error::other)?;
    let mut ca = CertificateParams::new(Vec::<String>::new()).map_err(io::Error::other)?;
    ca.distinguished_name
        .push(DnType::CommonName, "line database test CA");
    ca.is_ca = IsCa::Ca(BasicConstraints::Constrained(0));
    ca.key_usages = vec![KeyUsagePurpose::KeyCertSign];
    let ca_pem = ca.self_signed(&ca_key).map_err(io::Error::other)?.pem();
    let issuer = Issuer::from_ca_cert_pem(&ca_pem, &ca_key).map_err(io::Error::other)?;
    let key = KeyPair::generate().map_err(io::Error::other)?;
    let mut server = CertificateParams::new(Vec::<String>::new()).map_err(io::Error::other)?;
    server
        .distinguished_name
        .push(DnType::CommonName, "127.0.0.1");
    server.subject_alt_names = vec![SanType::IpAddress([127, 0, 0, 1].into())];
    let cert = server.signed_by(&key, &issuer).map_err(io::Error::other)?;
    Ok((ca_pem, cert.pem(), key.serialize_pem()))
}

/// Debian's server binaries: `PG_BIN` if set, else the newest `/usr/lib/postgresql/*/bin`.
pub fn server_bin() -> io::Result<PathBuf> {
    if let Some(bin) = std::env::var_os("PG_BIN") {
        return Ok(PathBuf::from(bin));
    }
    let mut found: Vec<(u32, PathBuf)> = std::fs::read_dir("/usr/lib/postgresql")
        .map_err(|_| {
            io::Error::new(
                io::ErrorKind::NotFound,
                "PostgreSQL's server is not installed (/usr/lib/postgresql): run scripts/bootstrap.sh, or apt-get install postgresql",
            )
        })?
        .filter_map(Result::ok)
        .filter_map(|e| {
            let version = e.file_name().to_string_lossy().parse().ok()?;
            let bin = e.path().join("bin");
            bin.join("initdb").is_file().then_some((version, bin))
        })
        .collect();
    found.sort();
    found.pop().map(|(_, bin)| bin).ok_or_else(|| {
        io::Error::new(
            io::ErrorKind::NotFound,
            "no initdb under /usr/lib/postgresql/*/bin: install postgresql",
        )
    })
}

fn is_root() -> bool {
    Command::new("id")
        .arg("-u")
        .output()
        .is_ok_and(|o| o.stdout.starts_with(b"0\n"))
}

fn chown_to(path: &Path, user: &str) -> io::Result<()> {
    let status = Command::new("chown").arg(user).arg(path).status()?;
    if status.success() {
        Ok(())
    } else {
        Err(io::Error::other(format!(
            "chown {user} {} failed",
            path.display()
        )))
    }
}

fn free_port() -> io::Result<u16> {
    Ok(std::net::TcpListener::bind("127.0.0.1:0")?
        .local_addr()?
        .port())
}

/// A random value from the OS (no extra crate): the cluster's password.
fn random_u128() -> u128 {
    use std::io::Read as _;
    let mut bytes = [0u8; 16];
    let _ = std::fs::File::open("/dev/urandom").and_then(|mut f| f.read_exact(&mut bytes));
    u128::from_le_bytes(bytes)
}

/// A TCP relay in front of the server, which a test can cut and mend: one station's network
/// to the line database failing while the server and the other stations carry on.
#[derive(Debug)]
pub struct Relay {
    port: u16,
    state: std::sync::Arc<RelayState>,
}

#[derive(Debug, Default)]
struct RelayState {
    cut: std::sync::atomic::AtomicBool,
    open: std::sync::Mutex<Vec<std::net::TcpStream>>,
}

impl Relay {
    /// Relays a free loopback port to `127.0.0.1:target`.
    pub fn start(target: u16) -> io::Result<Relay> {
        use std::sync::atomic::Ordering;
        let listener = std::net::TcpListener::bind("127.0.0.1:0")?;
        let port = listener.local_addr()?.port();
        let state = std::sync::Arc::new(RelayState::default());
        let shared = std::sync::Arc::clone(&state);
        std::thread::spawn(move || {
            for client in listener.incoming() {
                let Ok(client) = client else { continue };
                if shared.cut.load(Ordering::SeqCst) {
                    drop(client);
                    continue;
                }
                let Ok(server) = std::net::TcpStream::connect(("127.0.0.1", target)) else {
                    continue;
                };
                let (Ok(c2), Ok(s2)) = (client.try_clone(), server.try_clone()) else {
                    continue;
                };
                if let (Ok(c3), Ok(s3)) = (client.try_clone(), server.try_clone()) {
                    let mut open = shared
                        .open
                        .lock()
                        .unwrap_or_else(std::sync::PoisonError::into_inner);
                    open.push(c3);
                    open.push(s3);
                }
                std::thread::spawn(move || pipe(client, server));
                std::thread::spawn(move || pipe(s2, c2));
            }
        });
        Ok(Relay { port, state })
    }

    /// The port stations connect to instead of the server's.
    #[must_use]
    pub fn port(&self) -> u16 {
        self.port
    }

    /// Cuts every connection through the relay and refuses new ones.
    pub fn cut(&self) {
        use std::sync::atomic::Ordering;
        self.state.cut.store(true, Ordering::SeqCst);
        let mut open = self
            .state
            .open
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        for stream in open.drain(..) {
            let _ = stream.shutdown(std::net::Shutdown::Both);
        }
    }

    /// Lets connections through again.
    pub fn mend(&self) {
        self.state
            .cut
            .store(false, std::sync::atomic::Ordering::SeqCst);
    }
}

fn pipe(mut from: std::net::TcpStream, mut to: std::net::TcpStream) {
    let _ = io::copy(&mut from, &mut to);
    let _ = to.shutdown(std::net::Shutdown::Both);
}
