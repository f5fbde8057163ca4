//! Operators of the station: their roles, argon2 PIN hashes, login and lockout.
//!
//! PINs are hashed with argon2id (a PHC string with its own salt); the hash is checked outside the
//! connection lock, so a slow hash never stalls the slots recording units. Every change and every
//! login attempt writes an audit row in the same transaction as the change it describes.

use std::fmt;
use std::str::FromStr;
use std::time::Duration;

use argon2::Argon2;
use argon2::password_hash::rand_core::OsRng;
use argon2::password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString};
use chrono::{DateTime, Utc};
use rusqlite::{OptionalExtension, Row, params};
use serde::Serialize;
use serde_json::json;

use super::Store;
use crate::StoreError;
use crate::audit;
use crate::sql::{Ts, fmt_ts};

/// Shortest PIN accepted (a technician's; see [`Role::min_pin_digits`]).
pub const MIN_PIN_DIGITS: usize = 4;
/// Shortest PIN of a supervisor or an admin, who can change the line, rework units and see
/// device keys.
pub const MIN_SUPERVISOR_PIN_DIGITS: usize = 6;
/// Longest PIN accepted.
pub const MAX_PIN_DIGITS: usize = 12;
/// The audit actor of a failed login with an ID no operator has (the typed text is not kept).
pub const UNKNOWN_OPERATOR: &str = "(unknown operator)";

/// What an operator may do. Roles are ordered: each includes everything the one before it may.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "lowercase")]
#[non_exhaustive]
pub enum Role {
    /// Places boards, scans serials, starts slots, reads results.
    Technician,
    /// Also sets the work order and product, reworks units, resolves upload conflicts, exports
    /// batches, reads the audit log and configuration, and may leave the kiosk.
    Supervisor,
    /// Also manages operators.
    Admin,
}

impl Role {
    /// Stable name, as stored.
    pub fn as_str(self) -> &'static str {
        match self {
            Role::Technician => "technician",
            Role::Supervisor => "supervisor",
            Role::Admin => "admin",
        }
    }

    /// The shortest PIN this role may have: 4 digits for a technician, 6 for a supervisor
    /// or an admin.
    pub fn min_pin_digits(self) -> usize {
        match self {
            Role::Technician => MIN_PIN_DIGITS,
            Role::Supervisor | Role::Admin => MIN_SUPERVISOR_PIN_DIGITS,
        }
    }

    /// Whether this role may perform `action`.
    pub fn allows(self, action: Action) -> bool {
        self >= action.minimum_role()
    }
}

impl fmt::Display for Role {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for Role {
    type Err = OperatorError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s {
            "technician" => Ok(Role::Technician),
            "supervisor" => Ok(Role::Supervisor),
            "admin" => Ok(Role::Admin),
            other => Err(OperatorError::UnknownRole(other.to_owned())),
        }
    }
}

/// Something an operator asks the station to do, checked against their [`Role`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub enum Action {
    /// Start slots, scan serials, read units, the queue and yield.
    Provision,
    /// Set the work order for the station.
    SetWorkOrder,
    /// Choose the product a slot provisions.
    SetSlotProduct,
    /// Provision a unit that already passed again.
    Rework,
    /// Decide an upload conflict.
    ResolveConflict,
    /// Decide an open claim whose board has not come back (void it, or keep waiting).
    ResolveClaim,
    /// Clear a slot blocked after repeated failures with a credential handed out.
    ClearSlot,
    /// Export a batch of enrollments.
    Export,
    /// Read the audit log.
    ViewAudit,
    /// Read the configuration.
    ViewConfig,
    /// See device secrets (symmetric keys) in a report's output; audited.
    RevealSecrets,
    /// Leave the kiosk.
    ExitKiosk,
    /// End an operator's lockout.
    UnlockOperator,
    /// Add operators and set their PINs.
    ManageOperators,
}

impl Action {
    /// The least role that may do this.
    pub fn minimum_role(self) -> Role {
        match self {
            Action::Provision => Role::Technician,
            Action::SetWorkOrder
            | Action::SetSlotProduct
            | Action::Rework
            | Action::ResolveConflict
            | Action::ResolveClaim
            | Action::ClearSlot
            | Action::Export
            | Action::ViewAudit
            | Action::ViewConfig
            | Action::RevealSecrets
            | Action::ExitKiosk
            | Action::UnlockOperator => Role::Supervisor,
            Action::ManageOperators => Role::Admin,
        }
    }

    /// Operator text, e.g. "rework a unit".
    pub fn describe(self) -> &'static str {
        match self {
            Action::Provision => "provision units",
            Action::SetWorkOrder => "set the work order",
            Action::SetSlotProduct => "choose a slot's product",
            Action::Rework => "rework a unit",
            Action::ResolveConflict => "resolve an upload conflict",
            Action::ResolveClaim => "resolve an open claim",
            Action::ClearSlot => "clear a blocked slot",
            Action::Export => "export a batch",
            Action::ViewAudit => "view the audit log",
            Action::ViewConfig => "view the configuration",
            Action::RevealSecrets => "see device keys",
            Action::ExitKiosk => "leave the kiosk",
            Action::UnlockOperator => "unlock an operator",
            Action::ManageOperators => "manage operators",
        }
    }
}

/// An operator as stored (never the PIN hash).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Operator {
    /// Operator ID, as on the badge.
    pub id: String,
    /// Display name.
    pub name: String,
    /// Role.
    pub role: Role,
    /// Failed PIN attempts since the last success or unlock (a lock that ends on its own does
    /// not reset it).
    pub failed_attempts: u32,
    /// Locked out until then, if locked.
    pub locked_until: Option<DateTime<Utc>>,
    /// When the operator was added.
    pub created_at: DateTime<Utc>,
    /// Last successful login.
    pub last_login_at: Option<DateTime<Utc>>,
    /// The language the app speaks to them after login (`zh-CN`), if not the station's.
    pub language: Option<String>,
}

/// An operator to add.
#[derive(Clone, PartialEq, Eq)]
pub struct NewOperator {
    /// Operator ID (badge), 1–64 characters of `A-Z a-z 0-9 . _ -`.
    pub id: String,
    /// Display name.
    pub name: String,
    /// Role.
    pub role: Role,
    /// The PIN, [`Role::min_pin_digits`] to 12 digits; hashed before it is stored.
    pub pin: String,
}

impl fmt::Debug for NewOperator {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("NewOperator")
            .field("id", &self.id)
            .field("name", &self.name)
            .field("role", &self.role)
            .field("pin", &"<redacted>")
            .finish()
    }
}

/// When repeated PIN failures lock an operator out. The locks escalate, and waiting one out
/// does not reset the count (only a successful login or an unlock does): after
/// `max_attempts` failures the operator is locked for `duration`, after twice as many for four
/// times as long, after three times as many until a supervisor unlocks them. With the defaults:
/// 5 → 15 minutes, 10 → 1 hour, 15 → a supervisor must unlock.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct LockoutPolicy {
    /// Failures per lock.
    pub max_attempts: u32,
    /// How long the first lock lasts (a supervisor or admin may unlock earlier).
    pub duration: Duration,
}

/// Until when a lock that only an unlock ends lasts (stored as a date, far away).
const LOCKED_FOR_GOOD: &str = "9999-12-31T23:59:59.000000Z";

impl LockoutPolicy {
    /// Whether the `failures`-th failure in a row locks, and until when (`None` for a lock
    /// that only a supervisor's unlock ends is given as [`LOCKED_FOR_GOOD`]).
    fn lock_after(&self, failures: u32, now: DateTime<Utc>) -> Option<String> {
        let per_lock = self.max_attempts.max(1);
        if failures == 0 || !failures.is_multiple_of(per_lock) {
            return None;
        }
        let base = chrono::Duration::from_std(self.duration).unwrap_or(chrono::Duration::MAX / 8);
        Some(match failures / per_lock {
            1 => fmt_ts(now + base),
            2 => fmt_ts(now + base * 4),
            _ => LOCKED_FOR_GOOD.to_owned(),
        })
    }
}

impl Default for LockoutPolicy {
    /// Five failures lock for fifteen minutes.
    fn default() -> Self {
        Self {
            max_attempts: 5,
            duration: Duration::from_secs(15 * 60),
        }
    }
}

/// Operator management and login failures, each with a stable code and a help line.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum OperatorError {
    /// The operator ID or PIN is wrong, or the operator is locked and the PIN wrong: the same
    /// answer, after the same work, whether the ID exists or not.
    #[error("operator ID or PIN not recognised")]
    LoginFailed,
    /// Too many wrong PINs: the operator is locked out until `until`. Only said to someone
    /// who typed the right PIN.
    #[error("operator {id} is locked out {}", lock_end(until))]
    Locked {
        /// The operator.
        id: String,
        /// When the lock ends.
        until: DateTime<Utc>,
    },
    /// The operator ID is already taken.
    #[error("operator {0} already exists")]
    Exists(String),
    /// No operator has this ID (management commands only; logins never say so).
    #[error("no operator {0}")]
    Unknown(String),
    /// The role name is not technician, supervisor or admin.
    #[error("unknown role {0:?}")]
    UnknownRole(String),
    /// The PIN does not meet the policy for the role.
    #[error("a {role}'s PIN must be {} to {MAX_PIN_DIGITS} digits", role.min_pin_digits())]
    WeakPin {
        /// The role the PIN is for.
        role: Role,
    },
    /// A language tag that is not one (`zh-CN` is, `chinese` is not).
    #[error("{0:?} is not a language tag")]
    BadLanguage(String),
    /// The operator ID has characters outside `A-Z a-z 0-9 . _ -` or is too long.
    #[error("invalid operator ID {0:?}")]
    InvalidId(String),
    /// The operator's role does not allow the action.
    #[error("a {role} may not {}: that needs the {} role", action.describe(), action.minimum_role())]
    NotAllowed {
        /// The operator's role.
        role: Role,
        /// What was asked.
        action: Action,
    },
    /// The stored PIN hash is unreadable or hashing failed (a station bug or tampering).
    #[error("could not check the PIN hash")]
    Hash(String),
    /// The database failed.
    #[error(transparent)]
    Store(#[from] StoreError),
}

impl station_errors::Coded for OperatorError {
    fn code(&self) -> &'static str {
        match self {
            Self::LoginFailed => "station::login::failed",
            Self::Locked { .. } => "station::login::locked",
            Self::Exists(_) => "station::operators::exists",
            Self::Unknown(_) => "station::operators::unknown",
            Self::UnknownRole(_) => "station::operators::unknown_role",
            Self::WeakPin { .. } => "station::operators::weak_pin",
            Self::InvalidId(_) => "station::operators::invalid_id",
            Self::BadLanguage(_) => "station::operators::bad_language",
            Self::NotAllowed { .. } => "station::auth::not_allowed",
            Self::Hash(_) => "station::operators::hash",
            Self::Store(e) => e.code(),
        }
    }
}

/// A language tag's form: letters, then `-` and letters or digits (`en`, `zh-CN`, `es-419`).
fn check_language(tag: &str) -> Result<(), OperatorError> {
    let mut parts = tag.split('-');
    let primary = parts.next().unwrap_or("");
    let ok = (2..=3).contains(&primary.len())
        && primary.chars().all(|c| c.is_ascii_alphabetic())
        && parts
            .all(|p| (2..=8).contains(&p.len()) && p.chars().all(|c| c.is_ascii_alphanumeric()));
    ok.then_some(())
        .ok_or_else(|| OperatorError::BadLanguage(tag.to_owned()))
}

/// How long a lock-out lasts, in words: a lock that never ends is a supervisor's to lift.
fn lock_end(until: &DateTime<Utc>) -> String {
    if until.to_rfc3339().starts_with("9999") {
        "until a supervisor unlocks them".to_owned()
    } else {
        format!("until {until}")
    }
}

/// Fails with [`OperatorError::NotAllowed`] unless `role` allows `action`.
pub fn require(role: Role, action: Action) -> Result<(), OperatorError> {
    if role.allows(action) {
        Ok(())
    } else {
        Err(OperatorError::NotAllowed { role, action })
    }
}

const OPERATOR_COLUMNS: &str =
    "id, name, role, failed_attempts, locked_until, created_at, last_login_at, language";

impl Store {
    /// Adds an operator; audit `operator.added` by `actor`.
    pub fn add_operator(
        &self,
        station_id: &str,
        actor: &str,
        new: &NewOperator,
    ) -> Result<Operator, OperatorError> {
        check_id(&new.id)?;
        let hash = hash_pin(&new.pin, new.role)?;
        let now = fmt_ts(Utc::now());
        let added = self.write(|tx| {
            let exists = tx
                .prepare_cached("SELECT 1 FROM operators WHERE id = ?1")?
                .exists([&new.id])?;
            if exists {
                return Ok(false);
            }
            tx.prepare_cached(
                "INSERT INTO operators (id, name, role, pin_hash, failed_attempts, created_at,
                 updated_at) VALUES (?1, ?2, ?3, ?4, 0, ?5, ?5)",
            )?
            .execute(params![new.id, new.name, new.role.as_str(), hash, now])?;
            audit::append(
                tx,
                station_id,
                actor,
                "operator.added",
                &new.id,
                &json!({ "name": new.name, "role": new.role.as_str() }),
            )?;
            Ok(true)
        })?;
        if !added {
            return Err(OperatorError::Exists(new.id.clone()));
        }
        self.operator(&new.id)?
            .ok_or_else(|| OperatorError::Unknown(new.id.clone()))
    }

    /// Every operator, by ID.
    pub fn operators(&self) -> Result<Vec<Operator>, OperatorError> {
        Ok(self.read(|conn| {
            let sql = format!("SELECT {OPERATOR_COLUMNS} FROM operators ORDER BY id");
            let rows = conn
                .prepare_cached(&sql)?
                .query_map([], operator_from_row)?
                .collect::<Result<Vec<_>, _>>()?;
            Ok(rows)
        })?)
    }

    /// One operator, if there is one with this ID.
    pub fn operator(&self, id: &str) -> Result<Option<Operator>, OperatorError> {
        Ok(self.read(|conn| {
            let sql = format!("SELECT {OPERATOR_COLUMNS} FROM operators WHERE id = ?1");
            Ok(conn
                .prepare_cached(&sql)?
                .query_row([id], operator_from_row)
                .optional()?)
        })?)
    }

    /// Sets an operator's PIN and clears any lockout; audit `operator.pin_set` by `actor`.
    pub fn set_operator_pin(
        &self,
        station_id: &str,
        actor: &str,
        id: &str,
        pin: &str,
    ) -> Result<(), OperatorError> {
        let role = self
            .operator(id)?
            .ok_or_else(|| OperatorError::Unknown(id.to_owned()))?
            .role;
        let hash = hash_pin(pin, role)?;
        let now = fmt_ts(Utc::now());
        let changed = self.write(|tx| {
            let n = tx
                .prepare_cached(
                    "UPDATE operators SET pin_hash = ?2, failed_attempts = 0, locked_until = NULL,
                     updated_at = ?3 WHERE id = ?1",
                )?
                .execute(params![id, hash, now])?;
            if n > 0 {
                audit::append(tx, station_id, actor, "operator.pin_set", id, &json!({}))?;
            }
            Ok(n > 0)
        })?;
        changed
            .then_some(())
            .ok_or_else(|| OperatorError::Unknown(id.to_owned()))
    }

    /// Sets (or, with `None`, clears) the language the app speaks to operator `id` after their
    /// login; audit `operator.language` by `actor`. The tag's form is checked here
    /// (`zh-CN`); whether the station speaks it is the caller's to check.
    pub fn set_operator_language(
        &self,
        station_id: &str,
        actor: &str,
        id: &str,
        language: Option<&str>,
    ) -> Result<(), OperatorError> {
        if let Some(tag) = language {
            check_language(tag)?;
        }
        let now = fmt_ts(Utc::now());
        let changed = self.write(|tx| {
            let n = tx
                .prepare_cached(
                    "UPDATE operators SET language = ?2, updated_at = ?3 WHERE id = ?1",
                )?
                .execute(params![id, language, now])?;
            if n > 0 {
                let detail = json!({ "language": language });
                audit::append(tx, station_id, actor, "operator.language", id, &detail)?;
            }
            Ok(n > 0)
        })?;
        changed
            .then_some(())
            .ok_or_else(|| OperatorError::Unknown(id.to_owned()))
    }

    /// Clears an operator's lockout and failure count; audit `operator.unlocked` by `actor`.
    pub fn unlock_operator(
        &self,
        station_id: &str,
        actor: &str,
        id: &str,
    ) -> Result<(), OperatorError> {
        let now = fmt_ts(Utc::now());
        let changed = self.write(|tx| {
            let n = tx
                .prepare_cached(
                    "UPDATE operators SET failed_attempts = 0, locked_until = NULL, updated_at = ?2
                     WHERE id = ?1",
                )?
                .execute(params![id, now])?;
            if n > 0 {
                audit::append(tx, station_id, actor, "operator.unlocked", id, &json!({}))?;
            }
            Ok(n > 0)
        })?;
        changed
            .then_some(())
            .ok_or_else(|| OperatorError::Unknown(id.to_owned()))
    }

    /// Checks an operator ID and PIN at `now`.
    ///
    /// - Each attempt is counted *before* the PIN is checked, in one write transaction, so
    ///   attempts made at once (two terminals, two processes) cannot outrun the count: the
    ///   attempt that reaches a lock threshold ([`LockoutPolicy`]) takes the lock with it, and
    ///   later ones find the operator locked and are not checked at all.
    /// - Success clears the count and any lock (audit `operator.login`). A failure is audited
    ///   (`operator.login_failed`), and the one that locked with `operator.locked`.
    /// - The answer is [`OperatorError::LoginFailed`] for a wrong PIN, for an unknown ID and for
    ///   a locked operator, after the same argon2 work; only the right PIN of a locked operator
    ///   hears [`OperatorError::Locked`], with until when.
    pub fn authenticate(
        &self,
        station_id: &str,
        id: &str,
        pin: &str,
        policy: LockoutPolicy,
        now: DateTime<Utc>,
    ) -> Result<Operator, OperatorError> {
        let at = fmt_ts(now);
        // Reserve the attempt: (operator, hash, failures counting this one, locked until).
        let reserved = self.write(|tx| {
            let sql = format!("SELECT {OPERATOR_COLUMNS}, pin_hash FROM operators WHERE id = ?1");
            let Some((operator, hash)) = tx
                .prepare_cached(&sql)?
                .query_row([id], |r| {
                    Ok((operator_from_row(r)?, r.get::<_, String>(8)?))
                })
                .optional()?
            else {
                return Ok(None);
            };
            if let Some(until) = operator.locked_until.filter(|u| *u > now) {
                return Ok(Some((operator, hash, None, Some(until))));
            }
            let failures = operator.failed_attempts.saturating_add(1);
            let lock = policy.lock_after(failures, now);
            tx.prepare_cached(
                "UPDATE operators SET failed_attempts = ?2, locked_until = ?3 WHERE id = ?1",
            )?
            .execute(params![id, failures, lock])?;
            Ok(Some((operator, hash, Some((failures, lock)), None)))
        })?;
        let Some((operator, hash, counted, locked_until)) = reserved else {
            // Spend the same time as a real check, so timing does not reveal valid IDs.
            let _ = verify_pin(dummy_hash(), pin);
            // The typed text is not recorded: an unknown "ID" is often a PIN typed into the
            // wrong field, and the audit log is kept for ever and shown to supervisors.
            self.audit_append(&crate::AuditEntry {
                station_id: station_id.to_owned(),
                actor: UNKNOWN_OPERATOR.to_owned(),
                kind: "operator.login_failed".into(),
                subject: String::new(),
                detail: json!({ "reason": "unknown operator", "id_chars": id.chars().count() }),
            })?;
            return Err(OperatorError::LoginFailed);
        };
        let right = verify_pin(&hash, pin)?;
        if let Some(until) = locked_until {
            // Locked: not counted; only the right PIN learns that it is locked.
            self.audit_append(&crate::AuditEntry {
                station_id: station_id.to_owned(),
                actor: id.to_owned(),
                kind: "operator.login_failed".into(),
                subject: id.to_owned(),
                detail: json!({ "reason": "locked", "pin_right": right }),
            })?;
            return Err(if right {
                OperatorError::Locked {
                    id: id.to_owned(),
                    until,
                }
            } else {
                OperatorError::LoginFailed
            });
        }
        let (failures, lock) = counted.unwrap_or((0, None));
        if right {
            self.write(|tx| {
                tx.prepare_cached(
                    "UPDATE operators SET failed_attempts = 0, locked_until = NULL,
                     last_login_at = ?2 WHERE id = ?1",
                )?
                .execute(params![id, at])?;
                audit::append(
                    tx,
                    station_id,
                    id,
                    "operator.login",
                    id,
                    &json!({ "role": operator.role.as_str() }),
                )?;
                Ok(())
            })?;
            return Ok(Operator {
                failed_attempts: 0,
                locked_until: None,
                last_login_at: Some(now),
                ..operator
            });
        }
        self.write(|tx| {
            audit::append(
                tx,
                station_id,
                id,
                "operator.login_failed",
                id,
                &json!({ "reason": "wrong PIN", "failures": failures }),
            )?;
            if let Some(until) = &lock {
                audit::append(
                    tx,
                    station_id,
                    id,
                    "operator.locked",
                    id,
                    &json!({
                        "until": until,
                        "failures": failures,
                        "until_unlocked": until == LOCKED_FOR_GOOD,
                    }),
                )?;
            }
            Ok(())
        })?;
        Err(OperatorError::LoginFailed)
    }
}

/// An argon2id hash of a PIN nobody has (a 13-digit PIN is never accepted), checked for
/// unknown IDs so they cost the same time as a real check.
fn dummy_hash() -> &'static str {
    static DUMMY: std::sync::OnceLock<String> = std::sync::OnceLock::new();
    DUMMY.get_or_init(|| {
        let salt = SaltString::generate(&mut OsRng);
        Argon2::default()
            .hash_password(b"0000000000000", &salt)
            .map(|h| h.to_string())
            .unwrap_or_default()
    })
}

fn check_id(id: &str) -> Result<(), OperatorError> {
    let ok = !id.is_empty()
        && id.len() <= 64
        && id
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '-'));
    if ok {
        Ok(())
    } else {
        Err(OperatorError::InvalidId(id.to_owned()))
    }
}

fn hash_pin(pin: &str, role: Role) -> Result<String, OperatorError> {
    let ok = (role.min_pin_digits()..=MAX_PIN_DIGITS).contains(&pin.len())
        && pin.chars().all(|c| c.is_ascii_digit());
    if !ok {
        return Err(OperatorError::WeakPin { role });
    }
    let salt = SaltString::generate(&mut OsRng);
    Argon2::default()
        .hash_password(pin.as_bytes(), &salt)
        .map(|h| h.to_string())
        .map_err(|e| OperatorError::Hash(e.to_string()))
}

fn verify_pin(hash: &str, pin: &str) -> Result<bool, OperatorError> {
    let parsed = PasswordHash::new(hash).map_err(|e| OperatorError::Hash(e.to_string()))?;
    Ok(Argon2::default()
        .verify_password(pin.as_bytes(), &parsed)
        .is_ok())
}

fn operator_from_row(r: &Row<'_>) -> rusqlite::Result<Operator> {
    let role: String = r.get(2)?;
    Ok(Operator {
        id: r.get(0)?,
        name: r.get(1)?,
        role: role.parse().map_err(|e: OperatorError| {
            rusqlite::Error::FromSqlConversionFailure(2, rusqlite::types::Type::Text, e.into())
        })?,
        failed_attempts: r.get(3)?,
        locked_until: r.get::<_, Option<Ts>>(4)?.map(|t| t.0),
        created_at: r.get::<_, Ts>(5)?.0,
        last_login_at: r.get::<_, Option<Ts>>(6)?.map(|t| t.0),
        language: r.get(7)?,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use station_errors::Coded as _;

    #[test]
    fn roles_are_ordered_and_actions_need_their_minimum() {
        assert!(Role::Technician.allows(Action::Provision));
        assert!(!Role::Technician.allows(Action::Rework));
        assert!(Role::Supervisor.allows(Action::Rework));
        assert!(!Role::Supervisor.allows(Action::ManageOperators));
        assert!(Role::Admin.allows(Action::ManageOperators));
        let e = require(Role::Technician, Action::Export).unwrap_err();
        assert_eq!(e.code(), "station::auth::not_allowed");
        assert_eq!(
            e.to_string(),
            "a technician may not export a batch: that needs the supervisor role"
        );
    }

    #[test]
    fn pins_are_digits_only_and_hashes_verify() {
        let weak = |pin, role| matches!(hash_pin(pin, role), Err(OperatorError::WeakPin { .. }));
        assert!(weak("12a4", Role::Technician));
        assert!(weak("123", Role::Technician));
        // A supervisor's and an admin's PIN is at least 6 digits.
        assert!(weak("2468", Role::Supervisor));
        assert!(weak("24680", Role::Admin));
        assert!(!weak("246801", Role::Supervisor));
        assert_eq!(
            OperatorError::WeakPin {
                role: Role::Supervisor
            }
            .to_string(),
            "a supervisor's PIN must be 6 to 12 digits"
        );
        let h = hash_pin("2468", Role::Technician).unwrap();
        assert!(h.starts_with("$argon2id$"));
        assert!(verify_pin(&h, "2468").unwrap());
        assert!(!verify_pin(&h, "2469").unwrap());
        // The dummy hash parses, so unknown IDs cost a real check.
        assert!(!verify_pin(dummy_hash(), "0000").unwrap());
    }
}
