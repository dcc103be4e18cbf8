//! Call records in PostgreSQL (`ivr serve --records postgres://…`): every
//! finished call, as `GET /api/calls/{id}` returns it, kept for months
//! instead of the store's bounded history.
//!
//! The path of a record: the store puts a finished call in its outbox in the
//! same operation that finishes it (`store/outbox.rs`); [`writer`] drains the
//! outbox into PostgreSQL in the background, retrying with backoff while
//! PostgreSQL is down, and removes an entry only once PostgreSQL committed
//! it. A webhook never touches PostgreSQL. Reads (`/api/calls`, the console,
//! analytics) merge these rows with the store's history
//! (`server/history.rs`).
//!
//! Architecture invariant: the only module that names sqlx. Queries are
//! plain strings checked by the tests against a real PostgreSQL (no macro
//! needs a database at build time); the schema is in `runtime/migrations/`,
//! embedded and applied by the writer before its first write.

#[cfg(any(test, feature = "testing"))]
pub mod testing;
pub mod writer;

use std::fmt;
use std::time::Duration;

use sqlx::migrate::Migrator;
use sqlx::postgres::{PgConnectOptions, PgPool, PgPoolOptions};
use sqlx::types::Json;

use crate::engine::Millis;
use crate::store::{CallDetail, CallSummary};

static MIGRATOR: Migrator = sqlx::migrate!("./migrations");

/// The longest a read waits for PostgreSQL before the caller falls back to
/// the store's history.
const READ_TIMEOUT: Duration = Duration::from_secs(2);

/// A handle on the records database. Cheap to clone (a connection pool).
#[derive(Clone, Debug)]
pub struct Records {
    pool: PgPool,
}

/// Why PostgreSQL did not do what was asked. Plain text: the server logs it
/// and falls back to the store.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RecordsError(pub String);

impl fmt::Display for RecordsError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "call records: {}", self.0)
    }
}

impl std::error::Error for RecordsError {}

impl From<sqlx::Error> for RecordsError {
    fn from(e: sqlx::Error) -> Self {
        RecordsError(e.to_string())
    }
}

impl From<sqlx::migrate::MigrateError> for RecordsError {
    fn from(e: sqlx::migrate::MigrateError) -> Self {
        RecordsError(format!("migration: {e}"))
    }
}

impl Records {
    /// A pool for `url` (`postgres://user:pass@host:port/db`), without
    /// connecting: PostgreSQL may be down when the server starts. A URL
    /// that does not parse is refused here.
    pub fn open(url: &str) -> Result<Records, RecordsError> {
        if !(url.starts_with("postgres://") || url.starts_with("postgresql://")) {
            return Err(RecordsError(
                "expected a URL like postgres://user:password@host:5432/database".into(),
            ));
        }
        let options: PgConnectOptions = url
            .parse()
            .map_err(|e: sqlx::Error| RecordsError(format!("bad URL: {e}")))?;
        let pool = PgPoolOptions::new()
            .max_connections(4)
            .acquire_timeout(READ_TIMEOUT)
            .connect_lazy_with(options);
        Ok(Records { pool })
    }

    /// Apply the embedded migrations (those already applied are skipped).
    pub async fn migrate(&self) -> Result<(), RecordsError> {
        MIGRATOR.run(&self.pool).await?;
        Ok(())
    }

    /// Write these calls in one transaction. A call already recorded is
    /// replaced only by a version with a higher mark, so writing twice (a
    /// retry after a lost acknowledgement, two replicas) leaves one row with
    /// the newest version.
    pub async fn write(&self, calls: &[(CallDetail, u64)]) -> Result<(), RecordsError> {
        let mut tx = self.pool.begin().await?;
        for (call, mark) in calls {
            let s = &call.summary;
            sqlx::query(
                "INSERT INTO calls (call_id, flow, status, started_at, ended_at, mark, detail) \
                 VALUES ($1, $2, $3, $4, $5, $6, $7) \
                 ON CONFLICT (call_id) DO UPDATE SET flow = EXCLUDED.flow, \
                 status = EXCLUDED.status, started_at = EXCLUDED.started_at, \
                 ended_at = EXCLUDED.ended_at, mark = EXCLUDED.mark, \
                 detail = EXCLUDED.detail, recorded_at = now() \
                 WHERE calls.mark < EXCLUDED.mark",
            )
            .bind(&s.call_id)
            .bind(&s.flow)
            .bind(s.status.as_str())
            .bind(s.started_at)
            .bind(s.ended_at)
            .bind(i64::try_from(*mark).unwrap_or(i64::MAX))
            .bind(Json(call))
            .execute(&mut *tx)
            .await?;
        }
        tx.commit().await?;
        Ok(())
    }

    /// The newest `limit` recorded calls, newest first (as the store orders
    /// its history).
    pub async fn calls(&self, limit: usize) -> Result<Vec<CallSummary>, RecordsError> {
        let rows = sqlx::query_scalar::<_, Json<CallSummary>>(
            "SELECT detail - 'trace' - 'transcripts' FROM calls \
             ORDER BY started_at DESC, call_id DESC LIMIT $1",
        )
        .bind(i64::try_from(limit).unwrap_or(i64::MAX))
        .fetch_all(&self.pool);
        Ok(timed(rows).await?.into_iter().map(|j| j.0).collect())
    }

    /// One recorded call.
    pub async fn call(&self, call_id: &str) -> Result<Option<CallDetail>, RecordsError> {
        let row = sqlx::query_scalar::<_, Json<CallDetail>>(
            "SELECT detail FROM calls WHERE call_id = $1",
        )
        .bind(call_id)
        .fetch_optional(&self.pool);
        Ok(timed(row).await?.map(|j| j.0))
    }

    /// The newest `limit` calls of `flow` started at or after `since`.
    pub async fn flow_calls(
        &self,
        flow: &str,
        since: Millis,
        limit: usize,
    ) -> Result<Vec<CallDetail>, RecordsError> {
        let rows = sqlx::query_scalar::<_, Json<CallDetail>>(
            "SELECT detail FROM calls WHERE flow = $1 AND started_at >= $2 \
             ORDER BY started_at DESC LIMIT $3",
        )
        .bind(flow)
        .bind(since)
        .bind(i64::try_from(limit).unwrap_or(i64::MAX))
        .fetch_all(&self.pool);
        Ok(timed(rows).await?.into_iter().map(|j| j.0).collect())
    }

    /// Delete the calls started before `before`; how many went.
    pub async fn forget_before(&self, before: Millis) -> Result<u64, RecordsError> {
        let done = sqlx::query("DELETE FROM calls WHERE started_at < $1")
            .bind(before)
            .execute(&self.pool)
            .await?;
        Ok(done.rows_affected())
    }
}

async fn timed<T>(query: impl Future<Output = Result<T, sqlx::Error>>) -> Result<T, RecordsError> {
    match tokio::time::timeout(READ_TIMEOUT, query).await {
        Ok(result) => Ok(result?),
        Err(_) => Err(RecordsError(format!(
            "PostgreSQL did not answer within {} ms",
            READ_TIMEOUT.as_millis()
        ))),
    }
}

/// `90d`, `12h`, `30m`: how long records are kept. Whole days, hours or
/// minutes; at least a minute.
pub fn parse_retention(text: &str) -> Result<Duration, String> {
    let text = text.trim();
    let split = text
        .find(|c: char| !c.is_ascii_digit())
        .unwrap_or(text.len());
    let (number, unit) = text.split_at(split);
    let number: u64 = number
        .parse()
        .map_err(|_| format!("`{text}`: expected a number and a unit, like 90d"))?;
    let seconds = match unit {
        "d" => 86_400,
        "h" => 3_600,
        "m" => 60,
        _ => return Err(format!("`{text}`: the unit is d, h or m (like 90d)")),
    };
    match number.checked_mul(seconds) {
        Some(s) if s > 0 => Ok(Duration::from_secs(s)),
        Some(_) => Err(format!("`{text}`: keep records at least a minute")),
        None => Err(format!("`{text}`: too long")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn retention_takes_days_hours_and_minutes() {
        assert_eq!(parse_retention("90d"), Ok(Duration::from_secs(90 * 86_400)));
        assert_eq!(parse_retention("12h"), Ok(Duration::from_secs(12 * 3_600)));
        assert_eq!(parse_retention("30m"), Ok(Duration::from_secs(1_800)));
        for bad in ["", "d", "90", "90s", "0d", "-1d", "99999999999999999999d"] {
            assert!(parse_retention(bad).is_err(), "{bad} must be refused");
        }
    }

    #[tokio::test]
    async fn only_postgres_urls_are_taken_and_none_is_connected_to_yet() {
        assert!(Records::open("mysql://u@127.0.0.1/db").is_err());
        assert!(Records::open("postgres://u@127.0.0.1:1/db?sslmode=bogus").is_err());
        // Port 1: nothing listens; opening must not wait for PostgreSQL.
        assert!(Records::open("postgres://u@127.0.0.1:1/db").is_ok());
    }
}
