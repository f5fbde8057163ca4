//! The loopback TCTI bridge: a listener pair on 127.0.0.1 that speaks swtpm's socket protocol
//! (the data port and the control port, data + 1), so tpm2-tss's `swtpm` TCTI can talk to a
//! TPM that is really on the far side of a DUT's serial link.
//!
//! The `swtpm` TCTI (tpm2-tss `src/tss2-tcti/tcti-swtpm.c`) opens the data port once as a
//! sanity check, then for every command opens it again, writes the raw command, reads the raw
//! response and closes. On the control port it sends `CMD_SET_LOCALITY` (locality 0) when it
//! starts. The bridge answers the control port itself (the DUT has no such channel) and hands
//! every command to whoever holds the bridge's receiver, which forwards it over SMP.
//!
//! The bridge is the station's alone (docs/tpm.md, "Who can reach the board's TPM"):
//!
//! - a connection whose socket belongs to another user than the station's is closed before a
//!   byte is read (the owner is looked up in the kernel's socket table, `/proc/net/tcp` and
//!   `tcp6`; a connection that cannot be found there is refused too);
//! - only the TPM commands the station itself sends ([`ALLOWED_COMMANDS`]) are forwarded;
//!   any other command (HierarchyChangeAuth, EvictControl, NV_Write, Clear…) closes the
//!   connection without reaching the board.

use std::io::{self, Read, Write};
use std::net::{Ipv4Addr, SocketAddr, TcpListener, TcpStream};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::mpsc::{self, Sender};
use std::thread::JoinHandle;
use std::time::Duration;

/// Largest TPM command or response the bridge carries.
pub(crate) const MAX_TPM_MESSAGE: usize = 4096;
/// How long the bridge waits for a TCTI to finish sending a command.
const READ_TIMEOUT: Duration = Duration::from_secs(30);
/// Attempts at finding two free consecutive loopback ports.
const MAX_BIND_ATTEMPTS: u32 = 32;

/// swtpm control channel codes the TCTI may send (swtpm `tpm_ioctl.h`).
const CMD_SET_LOCALITY: u32 = 0x05;
/// The control channel's "failed" result (any non-zero result fails the TCTI call).
const CTRL_FAILED: u32 = 0x09;

/// The TPM command codes the bridge forwards (TPM 2.0 Part 2 §6.5.2): what reading the EK,
/// its certificate and the SRK and proving the EK (the credential challenge) take.
pub(crate) const ALLOWED_COMMANDS: [(u32, &str); 9] = [
    (0x0000_0131, "CreatePrimary"),
    (0x0000_0147, "ActivateCredential"),
    (0x0000_014E, "NV_Read"),
    (0x0000_0151, "PolicySecret"),
    (0x0000_0165, "FlushContext"),
    (0x0000_0169, "NV_ReadPublic"),
    (0x0000_0173, "ReadPublic"),
    (0x0000_0176, "StartAuthSession"),
    (0x0000_017A, "GetCapability"),
];

/// True when `command`'s code is one the bridge forwards.
pub(crate) fn is_allowed(command: &[u8]) -> bool {
    command_code(command).is_some_and(|code| ALLOWED_COMMANDS.iter().any(|(c, _)| *c == code))
}

fn command_code(command: &[u8]) -> Option<u32> {
    command
        .get(6..10)
        .map(|b| u32::from_be_bytes([b[0], b[1], b[2], b[3]]))
}

/// A TPM command arriving from the TCTI, with where to send its response (`None` fails it).
pub(crate) struct Exchange {
    /// The raw TPM command.
    pub(crate) command: Vec<u8>,
    /// Where the raw response goes.
    pub(crate) reply: Sender<Option<Vec<u8>>>,
}

/// A running bridge; [`Bridge::close`] (or drop) stops it and closes its ports.
pub(crate) struct Bridge {
    port: u16,
    stop: Arc<AtomicBool>,
    threads: Vec<JoinHandle<()>>,
}

impl Bridge {
    /// Binds the data and control ports on 127.0.0.1 and starts serving; every command goes
    /// to `commands`.
    pub(crate) fn open<T: From<Exchange> + Send + 'static>(
        commands: Sender<T>,
    ) -> io::Result<Bridge> {
        let (data, ctrl) = bind_pair()?;
        let port = data.local_addr()?.port();
        let stop = Arc::new(AtomicBool::new(false));
        let mut threads = Vec::with_capacity(2);
        {
            let stop = Arc::clone(&stop);
            threads.push(
                std::thread::Builder::new()
                    .name(format!("tpm-bridge-{port}"))
                    .spawn(move || serve(&data, &stop, |s| serve_data(s, &commands)))?,
            );
        }
        {
            let stop = Arc::clone(&stop);
            threads.push(
                std::thread::Builder::new()
                    .name(format!("tpm-bridge-ctrl-{}", port + 1))
                    .spawn(move || serve(&ctrl, &stop, serve_ctrl))?,
            );
        }
        tracing::debug!(port, "loopback TPM bridge open");
        Ok(Bridge {
            port,
            stop,
            threads,
        })
    }

    /// The data port (the control port is the next one).
    pub(crate) fn port(&self) -> u16 {
        self.port
    }

    /// Stops serving and closes both ports.
    pub(crate) fn close(mut self) {
        self.shutdown();
    }

    fn shutdown(&mut self) {
        if self.threads.is_empty() {
            return;
        }
        self.stop.store(true, Ordering::SeqCst);
        // Wake each blocked accept with a connection of our own.
        for p in [self.port, self.port.wrapping_add(1)] {
            let _ = TcpStream::connect_timeout(
                &SocketAddr::from((Ipv4Addr::LOCALHOST, p)),
                Duration::from_millis(200),
            );
        }
        for t in self.threads.drain(..) {
            let _ = t.join();
        }
        tracing::debug!(port = self.port, "loopback TPM bridge closed");
    }
}

impl Drop for Bridge {
    fn drop(&mut self) {
        self.shutdown();
    }
}

/// Two listeners on consecutive loopback ports (the swtpm TCTI's convention), the first
/// chosen by the kernel.
fn bind_pair() -> io::Result<(TcpListener, TcpListener)> {
    let mut last = None;
    for _ in 0..MAX_BIND_ATTEMPTS {
        let data = TcpListener::bind((Ipv4Addr::LOCALHOST, 0))?;
        let port = data.local_addr()?.port();
        let Some(next) = port.checked_add(1) else {
            continue;
        };
        match TcpListener::bind((Ipv4Addr::LOCALHOST, next)) {
            Ok(ctrl) => return Ok((data, ctrl)),
            Err(e) => last = Some(e),
        }
    }
    Err(last.unwrap_or_else(|| io::Error::other("no free loopback port pair")))
}

fn serve(listener: &TcpListener, stop: &AtomicBool, handle: impl Fn(TcpStream) -> io::Result<()>) {
    for conn in listener.incoming() {
        if stop.load(Ordering::SeqCst) {
            return;
        }
        let Ok(stream) = conn else { continue };
        match peer_is_ours(&stream) {
            Ok(true) => {}
            Ok(false) => {
                tracing::warn!(
                    peer = ?stream.peer_addr().ok(),
                    "TPM bridge refused a connection from another user's process"
                );
                continue;
            }
            Err(e) => {
                tracing::warn!(error = %e, "TPM bridge refused a connection it could not attribute");
                continue;
            }
        }
        if let Err(e) = stream
            .set_read_timeout(Some(READ_TIMEOUT))
            .and_then(|()| stream.set_nodelay(true))
            .and_then(|()| handle(stream))
        {
            tracing::debug!(error = %e, "TPM bridge connection ended");
        }
    }
}

/// Serves TPM commands on one data connection until the TCTI closes it.
fn serve_data<T: From<Exchange>>(mut stream: TcpStream, commands: &Sender<T>) -> io::Result<()> {
    loop {
        let mut command = vec![0u8; 10];
        match stream.read_exact(&mut command) {
            Ok(()) => {}
            // The TCTI's sanity-check connection, or the end of a command's connection.
            Err(e) if e.kind() == io::ErrorKind::UnexpectedEof => return Ok(()),
            Err(e) => return Err(e),
        }
        let size = u32::from_be_bytes([command[2], command[3], command[4], command[5]]);
        let size = usize::try_from(size).unwrap_or(usize::MAX);
        if !(10..=MAX_TPM_MESSAGE).contains(&size) {
            return Err(io::Error::new(
                io::ErrorKind::InvalidData,
                format!("TPM command of {size} bytes"),
            ));
        }
        command.resize(size, 0);
        stream.read_exact(&mut command[10..])?;
        if !is_allowed(&command) {
            tracing::warn!(
                code = format!("{:#010x}", command_code(&command).unwrap_or_default()),
                "TPM bridge refused a command the station does not send"
            );
            return Ok(());
        }
        let (reply, response) = mpsc::channel();
        commands
            .send(T::from(Exchange { command, reply }))
            .map_err(|_| io::Error::other("TPM bridge no longer served"))?;
        match response.recv() {
            Ok(Some(rsp)) => stream.write_all(&rsp)?,
            // The command could not be forwarded: closing the connection fails it in the TCTI.
            _ => return Ok(()),
        }
    }
}

/// True when the process at the other end of `stream` (a loopback TCP connection) runs as
/// the same user as this one: both ends' sockets are looked up in the kernel's socket tables
/// and their owners compared.
fn peer_is_ours(stream: &TcpStream) -> io::Result<bool> {
    let (local, peer) = (stream.local_addr()?.port(), stream.peer_addr()?.port());
    let mut ours = None;
    let mut theirs = None;
    for table in ["/proc/net/tcp", "/proc/net/tcp6"] {
        let text = match std::fs::read_to_string(table) {
            Ok(text) => text,
            Err(e) if e.kind() == io::ErrorKind::NotFound => continue,
            Err(e) => return Err(e),
        };
        for row in text.lines().skip(1).filter_map(SocketRow::parse) {
            if (row.local_port, row.remote_port) == (local, peer) {
                ours = Some(row.uid);
            } else if (row.local_port, row.remote_port) == (peer, local) {
                theirs = Some(row.uid);
            }
        }
    }
    match (ours, theirs) {
        (Some(ours), Some(theirs)) => Ok(ours == theirs),
        _ => Err(io::Error::other(format!(
            "connection 127.0.0.1:{peer} -> {local} is not in the kernel's socket table"
        ))),
    }
}

/// The columns of one `/proc/net/tcp{,6}` row the bridge needs.
struct SocketRow {
    local_port: u16,
    remote_port: u16,
    uid: u32,
}

impl SocketRow {
    /// `sl local_address rem_address st tx:rx tr:when retrnsmt uid …`, addresses as
    /// `HEXADDR:HEXPORT`.
    fn parse(line: &str) -> Option<Self> {
        let fields: Vec<&str> = line.split_whitespace().collect();
        let port = |field: &str| {
            let (_, port) = field.rsplit_once(':')?;
            u16::from_str_radix(port, 16).ok()
        };
        Some(Self {
            local_port: port(fields.get(1)?)?,
            remote_port: port(fields.get(2)?)?,
            uid: fields.get(7)?.parse().ok()?,
        })
    }
}

/// Answers one control command: locality 0 succeeds, everything else fails.
fn serve_ctrl(mut stream: TcpStream) -> io::Result<()> {
    let mut code = [0u8; 4];
    stream.read_exact(&mut code)?;
    let result = match u32::from_be_bytes(code) {
        CMD_SET_LOCALITY => {
            let mut locality = [0u8; 1];
            stream.read_exact(&mut locality)?;
            if locality[0] == 0 { 0 } else { CTRL_FAILED }
        }
        other => {
            tracing::debug!(code = other, "TPM bridge refuses a control command");
            CTRL_FAILED
        }
    };
    stream.write_all(&u32::to_be_bytes(result))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Sends `command` on a new data connection as `uid` (via `setpriv`, so the test needs
    /// root, as CI has) and returns how many response bytes came back.
    fn send_as(uid: u32, port: u16, command: &[u8]) -> usize {
        let bytes: String = command.iter().map(|b| format!("\\x{b:02x}")).collect();
        let script = format!(
            "exec 3<>/dev/tcp/127.0.0.1/{port} || exit 9; printf '{bytes}' >&3; timeout 1 cat <&3 | wc -c"
        );
        let out = std::process::Command::new("setpriv")
            .args([
                &format!("--reuid={uid}"),
                &format!("--regid={uid}"),
                "--clear-groups",
                "bash",
                "-c",
                &script,
            ])
            .output()
            .expect("setpriv (util-linux) runs");
        assert!(
            out.status.success(),
            "the connection as uid {uid} was made (this test switches user: run it as root, as CI does): {}",
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8_lossy(&out.stdout).trim().parse().unwrap()
    }

    fn own_uid() -> u32 {
        use std::os::unix::fs::MetadataExt as _;
        std::fs::metadata("/proc/self").unwrap().uid()
    }

    #[test]
    fn another_users_process_gets_nothing_through_and_off_list_commands_never_reach_the_board() {
        let (tx, rx) = mpsc::channel::<Exchange>();
        let bridge = Bridge::open(tx).unwrap();
        let port = bridge.port();
        let get_capability = [
            0x80, 1, 0, 0, 0, 22, 0, 0, 1, 0x7a, 0, 0, 0, 1, 0, 0, 1, 0, 0, 0, 0, 1,
        ];
        // HierarchyChangeAuth(TPM_RH_OWNER): what an attacker wants to send to a board.
        let change_auth = [0x80, 2, 0, 0, 0, 14, 0, 0, 1, 0x29, 0x40, 0, 0, 1];
        let served = std::thread::spawn(move || {
            let mut seen = Vec::new();
            while let Ok(ex) = rx.recv() {
                seen.push(ex.command.clone());
                let _ = ex.reply.send(Some(vec![0x80, 1, 0, 0, 0, 10, 0, 0, 0, 0]));
            }
            seen
        });
        // Another user, a command on the list: refused before it is read.
        assert_eq!(send_as(65534, port, &get_capability), 0);
        // The station's own user, a command off the list: refused, nothing forwarded.
        assert_eq!(send_as(own_uid(), port, &change_auth), 0);
        // The station's own user, on the list: forwarded and answered.
        assert_eq!(send_as(own_uid(), port, &get_capability), 10);
        bridge.close(); // ends the server's loop
        let seen = served.join().unwrap();
        assert_eq!(
            seen,
            vec![get_capability.to_vec()],
            "only the allowed command of our own user"
        );
    }

    #[test]
    fn the_allow_list_is_the_station_s_commands_only() {
        let cmd = |code: u32| {
            let mut c = vec![0x80, 1, 0, 0, 0, 10];
            c.extend_from_slice(&code.to_be_bytes());
            c
        };
        for (code, name) in ALLOWED_COMMANDS {
            assert!(is_allowed(&cmd(code)), "{name}");
        }
        // EvictControl, NV_Write, Clear, HierarchyChangeAuth, NV_DefineSpace, Create, Load.
        for code in [0x120, 0x137, 0x126, 0x129, 0x12A, 0x153, 0x157] {
            assert!(!is_allowed(&cmd(code)), "{code:#x}");
        }
        assert!(!is_allowed(&[0x80, 1, 0]));
    }

    #[test]
    fn socket_rows_are_read_from_both_tables() {
        let v4 = "   1: 0100007F:A171 0100007F:CDAA 01 00000000:00000000 00:00000000 00000000  1000        0 0 3 0";
        let row = SocketRow::parse(v4).unwrap();
        assert_eq!(
            (row.local_port, row.remote_port, row.uid),
            (0xA171, 0xCDAA, 1000)
        );
        let v6 = "   0: 0000000000000000FFFF00000100007F:9C40 0000000000000000FFFF00000100007F:1F90 01 00000000:00000000 00:00000000 00000000    65534        0 1 1 0";
        let row = SocketRow::parse(v6).unwrap();
        assert_eq!(
            (row.local_port, row.remote_port, row.uid),
            (0x9C40, 0x1F90, 65534)
        );
        assert!(SocketRow::parse("  sl  local_address rem_address   st").is_none());
    }

    #[test]
    fn forwards_commands_and_answers_locality_zero() {
        let (tx, rx) = mpsc::channel::<Exchange>();
        let bridge = Bridge::open(tx).unwrap();
        let port = bridge.port();
        let server = std::thread::spawn(move || {
            let ex = rx.recv().unwrap();
            assert_eq!(ex.command, [0x80, 1, 0, 0, 0, 12, 0, 0, 1, 0x7a, 0, 8]);
            ex.reply
                .send(Some(vec![0x80, 1, 0, 0, 0, 10, 0, 0, 0, 0]))
                .unwrap();
            // The second command is refused: the connection closes without an answer.
            let ex = rx.recv().unwrap();
            ex.reply.send(None).unwrap();
        });
        let mut ctrl = TcpStream::connect((Ipv4Addr::LOCALHOST, port + 1)).unwrap();
        ctrl.write_all(&[0, 0, 0, 5, 0]).unwrap();
        let mut rc = [0u8; 4];
        ctrl.read_exact(&mut rc).unwrap();
        assert_eq!(rc, [0; 4]);

        let mut data = TcpStream::connect((Ipv4Addr::LOCALHOST, port)).unwrap();
        data.write_all(&[0x80, 1, 0, 0, 0, 12, 0, 0, 1, 0x7a, 0, 8])
            .unwrap();
        let mut rsp = [0u8; 10];
        data.read_exact(&mut rsp).unwrap();
        assert_eq!(rsp, [0x80, 1, 0, 0, 0, 10, 0, 0, 0, 0]);
        data.write_all(&[0x80, 1, 0, 0, 0, 12, 0, 0, 1, 0x7a, 0, 8])
            .unwrap();
        assert_eq!(data.read(&mut rsp).unwrap(), 0, "refused command closes");
        server.join().unwrap();
        bridge.close();
        assert!(TcpStream::connect((Ipv4Addr::LOCALHOST, port)).is_err());
    }
}
