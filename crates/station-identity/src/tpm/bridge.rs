//! The loopback TCTI bridge: a listener pair on 127.0.0.1 that speaks swtpm's socket protocol
//! (the data port and the control port, data + 1), so tpm2-tss's `swtpm` TCTI can talk to a
//! TPM that is really on the far side of a DUT's serial link.
//!
//! The `swtpm` TCTI (tpm2-tss `src/tss2-tcti/tcti-swtpm.c`) opens the data port once as a
//! sanity check, then for every command opens it again, writes the raw command, reads the raw
//! response and closes. On the control port it sends `CMD_SET_LOCALITY` (locality 0) when it
//! starts. The bridge answers the control port itself (the DUT has no such channel) and hands
//! every command to whoever holds the bridge's receiver, which forwards it over SMP.

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

    #[test]
    fn forwards_commands_and_answers_locality_zero() {
        let (tx, rx) = mpsc::channel::<Exchange>();
        let bridge = Bridge::open(tx).unwrap();
        let port = bridge.port();
        let server = std::thread::spawn(move || {
            let ex = rx.recv().unwrap();
            assert_eq!(ex.command, [0x80, 1, 0, 0, 0, 12, 0, 0, 1, 0x7b, 0, 8]);
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
        data.write_all(&[0x80, 1, 0, 0, 0, 12, 0, 0, 1, 0x7b, 0, 8])
            .unwrap();
        let mut rsp = [0u8; 10];
        data.read_exact(&mut rsp).unwrap();
        assert_eq!(rsp, [0x80, 1, 0, 0, 0, 10, 0, 0, 0, 0]);
        data.write_all(&[0x80, 1, 0, 0, 0, 12, 0, 0, 1, 0x7b, 0, 8])
            .unwrap();
        assert_eq!(data.read(&mut rsp).unwrap(), 0, "refused command closes");
        server.join().unwrap();
        bridge.close();
        assert!(TcpStream::connect((Ipv4Addr::LOCALHOST, port)).is_err());
    }
}
