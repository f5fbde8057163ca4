//! `[kiosk]`: how the desktop app presents itself on the line PC, and who may leave it.

use schemars::JsonSchema;
use std::path::PathBuf;

use serde::{Deserialize, Serialize};

/// `[kiosk]`: the desktop station's window, login policy and (for demos and UI tests) its
/// built-in virtual fixture. Every key has a default, so the section may be left out.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct KioskSection {
    /// Fill the screen. Default `false`.
    #[serde(default)]
    pub fullscreen: bool,
    /// Show the window's title bar and borders. Default `true`; `false` in kiosk use.
    #[serde(default = "default_true")]
    pub decorations: bool,
    /// Keep the window above every other window. Default `false`.
    #[serde(default)]
    pub always_on_top: bool,
    /// Closing the app needs a supervisor's (or admin's) ID and PIN. Default `true`.
    #[serde(default = "default_true")]
    pub exit_requires_supervisor_pin: bool,
    /// Log the operator out after this many seconds without input; `0` never does.
    /// Default `300`.
    #[serde(default = "default_idle_logout_seconds")]
    pub idle_logout_seconds: u32,
    /// Consecutive wrong PINs that lock an operator out. Default `5`.
    #[serde(default = "default_max_pin_attempts")]
    pub max_pin_attempts: u32,
    /// How long a lockout lasts, in seconds (a supervisor may unlock earlier). Default `900`.
    #[serde(default = "default_lockout_seconds")]
    pub lockout_seconds: u32,
    /// Start a virtual fixture (simulated DUTs on pseudo-terminals, as `station-demo` does)
    /// with fresh boards in every slot, writing `fixture.ports_file`: the app runs the test
    /// bench's `virtual-fixture station` program (package `station-demo`). For demos, training
    /// and the UI tests; never on a production line. Default `false`.
    #[serde(default)]
    pub virtual_fixture: bool,
    /// Which results the app sounds: `"fail"` (a FAIL or an OPEN board: two low tones),
    /// `"all"` (a PASS too: one short high tone), or `"off"`. Default `"fail"`: the alarm is
    /// heard, the normal case is quiet.
    #[serde(default)]
    pub sounds: Sounds,
    /// The language the app speaks to technicians on this station: `"en"` (English),
    /// `"zh-CN"` (Simplified Chinese) or `"es"` (Spanish). The login screen offers the others,
    /// and the app goes back to this one when an operator logs out. Logs, the audit trail and
    /// the CLI stay English. Default `"en"`.
    #[serde(default)]
    pub locale: Locale,
    /// Where removable drives (USB sticks) are mounted: a filesystem mounted below one of
    /// these directories is offered as an export target on the Supervisor screen. Default
    /// `["/media", "/run/media"]` (udisks and usbmount).
    #[serde(default = "default_removable_media")]
    pub removable_media: Vec<PathBuf>,
    /// `[[kiosk.virtual_fault]]`: misbehaviours of the virtual fixture's boards, e.g.
    /// `{ slot = 4, fault = "refuse-writes" }` (fault names as `virtual-fixture --fault`).
    /// Default: none.
    #[serde(
        rename = "virtual_fault",
        default,
        skip_serializing_if = "Vec::is_empty"
    )]
    pub virtual_faults: Vec<VirtualFault>,
}

impl Default for KioskSection {
    fn default() -> Self {
        Self {
            fullscreen: false,
            decorations: true,
            always_on_top: false,
            exit_requires_supervisor_pin: true,
            idle_logout_seconds: default_idle_logout_seconds(),
            max_pin_attempts: default_max_pin_attempts(),
            lockout_seconds: default_lockout_seconds(),
            virtual_fixture: false,
            sounds: Sounds::default(),
            locale: Locale::default(),
            removable_media: default_removable_media(),
            virtual_faults: Vec::new(),
        }
    }
}

/// `kiosk.sounds`: which results the app sounds.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Deserialize, Serialize, JsonSchema)]
#[serde(rename_all = "lowercase")]
pub enum Sounds {
    /// No sound.
    Off,
    /// FAIL and OPEN only.
    #[default]
    Fail,
    /// PASS as well.
    All,
}

/// `kiosk.locale`: a language the station's screens speak (its catalogue in `locales/`).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Deserialize, Serialize, JsonSchema)]
pub enum Locale {
    /// English.
    #[default]
    #[serde(rename = "en")]
    En,
    /// Simplified Chinese.
    #[serde(rename = "zh-CN")]
    ZhCn,
    /// Spanish.
    #[serde(rename = "es")]
    Es,
}

impl Locale {
    /// Every language the station speaks.
    pub const ALL: [Locale; 3] = [Locale::En, Locale::ZhCn, Locale::Es];

    /// The language `tag` names exactly (`zh-CN`), if the station speaks it.
    pub fn from_tag(tag: &str) -> Option<Locale> {
        Self::ALL.into_iter().find(|l| l.tag() == tag)
    }

    /// The language tag, as in the config and `locales/<tag>/`.
    pub fn tag(self) -> &'static str {
        match self {
            Self::En => "en",
            Self::ZhCn => "zh-CN",
            Self::Es => "es",
        }
    }
}

fn default_removable_media() -> Vec<PathBuf> {
    vec![PathBuf::from("/media"), PathBuf::from("/run/media")]
}

/// `[[kiosk.virtual_fault]]`: one fault knob on one virtual slot.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct VirtualFault {
    /// The slot's 1-based index.
    pub slot: u16,
    /// The fault, e.g. `"refuse-writes"`, `"stall=3"`, `"corrupt-bytes=40"`.
    pub fault: String,
}

fn default_true() -> bool {
    true
}

fn default_idle_logout_seconds() -> u32 {
    300
}

fn default_max_pin_attempts() -> u32 {
    5
}

fn default_lockout_seconds() -> u32 {
    900
}
