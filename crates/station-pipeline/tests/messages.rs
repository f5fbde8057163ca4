//! Every technician message the SMP layer can produce, with its code and help, rendered into
//! one snapshot so the wording is reviewed like code.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::time::Duration;

use station_pipeline::{Step, UnitFailure};
use station_smp::{DeviceRc, SmpError};
use station_transport::LinkError;
use station_transport::framing::FrameError;

#[test]
fn technician_messages_snapshot() {
    let cases: Vec<(Step, SmpError)> = vec![
        (
            Step::Identify,
            SmpError::Link(LinkError::OpenPortFailed {
                port: "/dev/ttyACM3".into(),
                source: std::io::Error::from(std::io::ErrorKind::PermissionDenied),
            }),
        ),
        (
            Step::WriteSettings,
            SmpError::Link(LinkError::Disconnected {
                port: "/dev/ttyACM3".into(),
            }),
        ),
        (
            Step::Save,
            SmpError::Link(LinkError::Io {
                port: "/dev/ttyACM3".into(),
                source: std::io::Error::other("EPROTO"),
            }),
        ),
        (
            Step::Identify,
            SmpError::NoResponse {
                command: "provisioning.identity",
                attempts: 3,
                timeout: Duration::from_millis(1000),
                frame_errors: 3,
                last_frame_error: Some(FrameError::BadCrc {
                    received: 0x1234,
                    computed: 0x4321,
                }),
            },
        ),
        (
            Step::WriteSettings,
            SmpError::NoResponse {
                command: "settings.write",
                attempts: 3,
                timeout: Duration::from_millis(1000),
                frame_errors: 0,
                last_frame_error: None,
            },
        ),
        (
            Step::WriteSettings,
            SmpError::Device {
                command: "settings.write",
                rc: DeviceRc::Group { group: 3, rc: 6 },
            },
        ),
        (
            Step::Lock,
            SmpError::Device {
                command: "provisioning.lock",
                rc: DeviceRc::Group { group: 64, rc: 2 },
            },
        ),
        (
            Step::Lock,
            SmpError::Device {
                command: "provisioning.lock",
                rc: DeviceRc::Group { group: 64, rc: 3 },
            },
        ),
        (
            Step::Identify,
            SmpError::Device {
                command: "provisioning.identity",
                rc: DeviceRc::NotSupported,
            },
        ),
        (
            Step::Verify,
            SmpError::Device {
                command: "settings.read",
                rc: DeviceRc::Mgmt(42),
            },
        ),
    ];
    let mut out = String::new();
    for (step, e) in &cases {
        let f = UnitFailure::from_smp(*step, e);
        // One line each: no newline may slip into a technician message.
        assert!(!f.message.contains('\n') && !f.help().contains('\n'));
        out.push_str(&format!(
            "[{}] {}\n  message: {}\n  help: {}\n  detail: {}\n",
            f.step.as_str(),
            f.code,
            f.message,
            f.help(),
            f.detail
        ));
    }
    insta::assert_snapshot!(out);
}
