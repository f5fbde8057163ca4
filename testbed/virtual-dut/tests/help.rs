//! `virtual-fixture --help` prints its usage and commands.

#![allow(clippy::unwrap_used)]

#[test]
fn help_names_the_commands() {
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_virtual-fixture"))
        .arg("--help")
        .output()
        .unwrap();
    assert!(out.status.success(), "{out:?}");
    let stdout = String::from_utf8_lossy(&out.stdout);
    for want in ["Usage: virtual-fixture", "start", "register"] {
        assert!(stdout.contains(want), "{stdout}");
    }
}
