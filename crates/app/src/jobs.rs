//! The worker: claims due jobs in a short transaction, runs each outside any transaction, and
//! records success, a retry with exponential backoff, or failure. Also schedules recurring work
//! per society at a local time, deduplicated so several nodes never enqueue it twice.

use std::time::Duration;

use chapterhouse_core::{SocietyId, Timestamp};
use chapterhouse_mail::MailError;
use chapterhouse_store::{ClaimedJob, NewJob};
use tokio::sync::watch;

use crate::App;
use crate::mail::{EmailPayload, SEND_EMAIL, outgoing_payload};

pub const DAILY_MAINTENANCE: &str = "daily_maintenance";
/// Membership statuses move on at the society's midnight (grace starts, grace ends).
pub const MEMBERSHIP_DAILY: &str = "membership_daily";
/// Each society's daily jobs and the local hour from which they run.
const DAILY_JOBS: &[(&str, i8)] = &[(MEMBERSHIP_DAILY, 0), (DAILY_MAINTENANCE, DAILY_HOUR)];
/// Local hour at which each society's daily maintenance runs.
pub const DAILY_HOUR: i8 = 3;
/// How long a claim lasts: a worker killed mid-job frees it after this.
pub const LOCK_SECONDS: i64 = 300;
const BATCH: i64 = 8;

/// Why a job did not succeed.
#[derive(Debug)]
pub enum JobFailure {
    /// Try again later (network trouble, a 4xx from the mail server).
    Retry(String),
    /// Retrying cannot help (bad payload, a 5xx refusal of the address).
    Permanent(String),
}

/// Seconds before attempt `attempts + 1`: 30 s, 1 min, 2 min… capped at an hour.
pub fn backoff_seconds(attempts: i64) -> i64 {
    let exponent = (attempts - 1).clamp(0, 7) as u32;
    (30 * 2_i64.pow(exponent)).min(3600)
}

#[derive(Clone)]
pub struct Worker {
    app: App,
    id: String,
    lock_seconds: i64,
}

impl Worker {
    pub fn new(app: App) -> Worker {
        let id = format!("{}-{}", hostname(), uuid::Uuid::now_v7().simple());
        Worker {
            app,
            id,
            lock_seconds: LOCK_SECONDS,
        }
    }

    /// How long a claim lasts before another worker may take the job (default five minutes).
    pub fn with_lock_seconds(mut self, seconds: i64) -> Worker {
        self.lock_seconds = seconds.max(1);
        self
    }

    pub fn id(&self) -> &str {
        &self.id
    }

    /// Claim and run one batch; returns how many jobs ran.
    pub async fn run_once(&self) -> anyhow::Result<usize> {
        let now = self.app.now();
        let jobs = self
            .app
            .store
            .claim_jobs(&self.id, now, now.plus_seconds(self.lock_seconds), BATCH)
            .await?;
        let count = jobs.len();
        for job in jobs {
            let outcome = self.run_job(&job).await;
            let now = self.app.now();
            match outcome {
                Ok(()) => self.app.store.complete_job(job.id, now).await?,
                Err(JobFailure::Retry(error)) if job.attempts < job.max_attempts => {
                    tracing::warn!(job = %job.id, kind = %job.kind, attempts = job.attempts, %error, "job failed; will retry");
                    let retry_at = now.plus_seconds(backoff_seconds(job.attempts));
                    self.app
                        .store
                        .fail_job(job.id, &error, now, Some(retry_at))
                        .await?;
                }
                Err(JobFailure::Retry(error) | JobFailure::Permanent(error)) => {
                    tracing::error!(job = %job.id, kind = %job.kind, attempts = job.attempts, %error, "job failed for good");
                    self.app.store.fail_job(job.id, &error, now, None).await?;
                }
            }
        }
        Ok(count)
    }

    async fn run_job(&self, job: &ClaimedJob) -> Result<(), JobFailure> {
        let society = match job.society_id {
            Some(id) => Some(
                self.app
                    .store
                    .society_by_id(SocietyId(id))
                    .await
                    .map_err(|e| JobFailure::Retry(e.to_string()))?
                    .ok_or_else(|| JobFailure::Permanent("the society no longer exists".into()))?,
            ),
            None => None,
        };
        match job.kind.as_str() {
            SEND_EMAIL => {
                let society =
                    society.ok_or_else(|| JobFailure::Permanent("mail needs a society".into()))?;
                let email: EmailPayload = serde_json::from_str(&job.payload)
                    .map_err(|e| JobFailure::Permanent(format!("bad payload: {e}")))?;
                self.app
                    .mailer
                    .send(&outgoing_payload(&society, &email))
                    .await
                    .map_err(|e| match e {
                        MailError::Permanent(m) => JobFailure::Permanent(m),
                        other => JobFailure::Retry(other.to_string()),
                    })
            }
            DAILY_MAINTENANCE => {
                let society = society
                    .ok_or_else(|| JobFailure::Permanent("maintenance needs a society".into()))?;
                let scoped = self.app.scoped(&society);
                let result: Result<(u64, u64), crate::AppError> = async {
                    let mut tx = scoped.begin().await?;
                    let pruned = tx.prune_expired(self.app.now()).await?;
                    tx.commit().await?;
                    let uploads = crate::import::delete_stale_uploads(&self.app, &scoped).await?;
                    self.app.store.refresh_planner_statistics().await?;
                    Ok((pruned, uploads))
                }
                .await;
                let (pruned, uploads) = result.map_err(|e| JobFailure::Retry(e.to_string()))?;
                tracing::info!(society = %society.slug, pruned, uploads, "daily maintenance done");
                Ok(())
            }
            MEMBERSHIP_DAILY => {
                let society = society.ok_or_else(|| {
                    JobFailure::Permanent("the membership run needs a society".into())
                })?;
                let report = crate::daily::membership_daily(&self.app, &self.app.scoped(&society))
                    .await
                    .map_err(|e| JobFailure::Retry(e.to_string()))?;
                tracing::info!(society = %society.slug, ?report, "membership daily run done");
                // Declined automatic-renewal charges whose retry date has come (once per attempt).
                let retried =
                    crate::payments::retry_due_charges(&self.app, &self.app.scoped(&society))
                        .await
                        .map_err(|e| JobFailure::Retry(e.to_string()))?;
                if !retried.is_empty() {
                    tracing::info!(society = %society.slug, retried = retried.len(), "automatic renewal charges retried");
                }
                Ok(())
            }
            kind @ (crate::registrations::HOLD_EXPIRY | crate::registrations::OFFER_EXPIRY) => {
                let society = society
                    .ok_or_else(|| JobFailure::Permanent("a registration needs a society".into()))?;
                let payload: crate::registrations::ExpiryPayload =
                    serde_json::from_str(&job.payload)
                        .map_err(|e| JobFailure::Permanent(format!("bad payload: {e}")))?;
                let scoped = self.app.scoped(&society);
                let result = if kind == crate::registrations::HOLD_EXPIRY {
                    crate::registrations::expire_hold(&self.app, &scoped, payload.registration)
                        .await
                } else {
                    crate::registrations::expire_offer(&self.app, &scoped, payload.registration)
                        .await
                };
                result
                    .map(drop)
                    .map_err(|e| JobFailure::Retry(e.to_string()))
            }
            other => Err(JobFailure::Permanent(format!("unknown job kind {other:?}"))),
        }
    }

    /// Enqueue each society's daily work once its local clock passes each job's hour. The
    /// dedup key holds the society's local date, so repeating this (on any node) changes nothing.
    pub async fn schedule_recurring(&self) -> anyhow::Result<usize> {
        let now = self.app.now();
        let mut enqueued = 0;
        for society in self.app.store.societies().await? {
            let zone =
                jiff::tz::TimeZone::get(&society.time_zone).unwrap_or(jiff::tz::TimeZone::UTC);
            let local = now.to_jiff().to_zoned(zone);
            for (kind, hour) in DAILY_JOBS {
                if local.hour() < *hour {
                    continue;
                }
                let job = NewJob {
                    kind,
                    payload: "{}".into(),
                    run_at: now,
                    dedup_key: Some(format!("{kind}:{}:{}", society.id, local.date())),
                    max_attempts: 5,
                };
                if self.app.store.enqueue(Some(society.id), &job, now).await? {
                    enqueued += 1;
                }
            }
        }
        Ok(enqueued)
    }

    /// Run until `shutdown` turns true; then give back any claimed jobs.
    pub async fn run(self, mut shutdown: watch::Receiver<bool>) {
        let mut last_schedule: Option<Timestamp> = None;
        loop {
            if *shutdown.borrow() {
                break;
            }
            let now = self.app.now();
            if last_schedule.is_none_or(|t| now.seconds_since(t) >= 60) {
                if let Err(e) = self.schedule_recurring().await {
                    tracing::error!(error = %e, "scheduling recurring jobs failed");
                }
                last_schedule = Some(now);
            }
            let ran = match self.run_once().await {
                Ok(n) => n,
                Err(e) => {
                    tracing::error!(error = %e, "job worker error");
                    0
                }
            };
            if ran == 0 {
                tokio::select! {
                    _ = tokio::time::sleep(Duration::from_millis(500)) => {}
                    _ = shutdown.changed() => {}
                }
            }
        }
        match self.app.store.release_jobs(&self.id).await {
            Ok(n) if n > 0 => tracing::info!(released = n, "released claimed jobs on shutdown"),
            Ok(_) => {}
            Err(e) => tracing::error!(error = %e, "releasing claimed jobs failed"),
        }
    }
}

fn hostname() -> String {
    std::env::var("HOSTNAME")
        .ok()
        .filter(|h| !h.is_empty())
        .unwrap_or_else(|| "node".into())
}

#[cfg(test)]
mod tests {
    #[test]
    fn backoff_grows_and_caps() {
        assert_eq!(super::backoff_seconds(1), 30);
        assert_eq!(super::backoff_seconds(2), 60);
        assert_eq!(super::backoff_seconds(5), 480);
        assert_eq!(super::backoff_seconds(50), 3600);
    }
}
