//! SQL helpers every part of the store shares: timestamp columns, status columns, hex.

use std::str::FromStr;

use chrono::{DateTime, SecondsFormat, Utc};
use rusqlite::Row;
use rusqlite::types::{FromSql, FromSqlError, FromSqlResult, ValueRef};

use crate::error::StoreError;

/// A timestamp column, stored as RFC 3339 text.
pub(crate) struct Ts(pub(crate) DateTime<Utc>);

impl FromSql for Ts {
    fn column_result(value: ValueRef<'_>) -> FromSqlResult<Self> {
        let text = value.as_str()?;
        DateTime::parse_from_rfc3339(text)
            .map(|t| Ts(t.with_timezone(&Utc)))
            .map_err(|e| FromSqlError::Other(Box::new(e)))
    }
}

/// Formats a timestamp the way every column stores it: UTC, microseconds, `Z`.
pub(crate) fn fmt_ts(t: DateTime<Utc>) -> String {
    t.to_rfc3339_opts(SecondsFormat::Micros, true)
}

pub(crate) fn now() -> String {
    fmt_ts(Utc::now())
}

pub(crate) fn require_non_empty(field: &'static str, value: &str) -> Result<(), StoreError> {
    if value.trim().is_empty() {
        return Err(StoreError::InvalidInput {
            field,
            reason: "must not be empty".to_owned(),
        });
    }
    Ok(())
}

/// A status column parsed with `FromStr`.
pub(crate) fn parse_col<T>(r: &Row<'_>, idx: usize) -> rusqlite::Result<T>
where
    T: FromStr,
    T::Err: std::error::Error + Send + Sync + 'static,
{
    let text: String = r.get(idx)?;
    text.parse().map_err(|e| {
        rusqlite::Error::FromSqlConversionFailure(idx, rusqlite::types::Type::Text, Box::new(e))
    })
}
