//! Instants are stored as microseconds since the Unix epoch (UTC) in a BIGINT; calendar dates as
//! ISO text. Nothing reads the system clock except [`SystemClock`], which is injected at start-up,
//! so tests control time with [`FixedClock`].

use serde::{Deserialize, Serialize};
use std::sync::Arc;
use std::sync::atomic::{AtomicI64, Ordering};

/// An instant, microseconds since 1970-01-01T00:00:00Z.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(transparent)]
pub struct Timestamp(pub i64);

impl From<i64> for Timestamp {
    fn from(micros: i64) -> Self {
        Timestamp(micros)
    }
}

impl Timestamp {
    pub fn micros(self) -> i64 {
        self.0
    }

    pub fn plus_seconds(self, seconds: i64) -> Timestamp {
        Timestamp(self.0.saturating_add(seconds.saturating_mul(1_000_000)))
    }

    pub fn seconds_since(self, earlier: Timestamp) -> i64 {
        (self.0 - earlier.0) / 1_000_000
    }

    pub fn to_jiff(self) -> jiff::Timestamp {
        jiff::Timestamp::from_microsecond(self.0).unwrap_or(jiff::Timestamp::UNIX_EPOCH)
    }

    pub fn from_jiff(ts: jiff::Timestamp) -> Timestamp {
        Timestamp(ts.as_microsecond())
    }

    /// The calendar date and time in the given IANA zone, e.g. "21 Nov 2026, 14:05".
    pub fn display_in(self, zone: &str) -> String {
        let tz = jiff::tz::TimeZone::get(zone).unwrap_or(jiff::tz::TimeZone::UTC);
        self.to_jiff()
            .to_zoned(tz)
            .strftime("%-d %b %Y, %H:%M %Z")
            .to_string()
    }

    /// The calendar date in the given IANA zone: the society's "today".
    pub fn local_date(self, zone: &str) -> jiff::civil::Date {
        let tz = jiff::tz::TimeZone::get(zone).unwrap_or(jiff::tz::TimeZone::UTC);
        self.to_jiff().to_zoned(tz).date()
    }
}

/// The one source of "now".
pub trait Clock: Send + Sync + 'static {
    fn now(&self) -> Timestamp;
}

pub type SharedClock = Arc<dyn Clock>;

#[derive(Clone, Copy, Debug, Default)]
pub struct SystemClock;

impl Clock for SystemClock {
    fn now(&self) -> Timestamp {
        Timestamp::from_jiff(jiff::Timestamp::now())
    }
}

/// A clock tests set and advance.
#[derive(Debug, Default)]
pub struct FixedClock(AtomicI64);

impl FixedClock {
    pub fn at(ts: Timestamp) -> Arc<FixedClock> {
        Arc::new(FixedClock(AtomicI64::new(ts.0)))
    }

    /// Parse an RFC 3339 instant such as "2026-11-21T09:00:00Z".
    pub fn at_rfc3339(s: &str) -> Arc<FixedClock> {
        let ts: jiff::Timestamp = s.parse().expect("valid RFC 3339 instant");
        Self::at(Timestamp::from_jiff(ts))
    }

    pub fn advance_seconds(&self, seconds: i64) {
        self.0.fetch_add(seconds * 1_000_000, Ordering::SeqCst);
    }

    pub fn set(&self, ts: Timestamp) {
        self.0.store(ts.0, Ordering::SeqCst);
    }
}

impl Clock for FixedClock {
    fn now(&self) -> Timestamp {
        Timestamp(self.0.load(Ordering::SeqCst))
    }
}

/// Whether `zone` names an IANA time zone this build knows.
pub fn is_known_zone(zone: &str) -> bool {
    jiff::tz::TimeZone::get(zone).is_ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn local_date_crosses_midnight_in_society_zone() {
        // 03:30 UTC on 21 Nov is still 20 Nov in Chicago.
        let clock = FixedClock::at_rfc3339("2026-11-21T03:30:00Z");
        let now = clock.now();
        assert_eq!(now.local_date("America/Chicago").to_string(), "2026-11-20");
        assert_eq!(now.local_date("UTC").to_string(), "2026-11-21");
        clock.advance_seconds(3 * 3600);
        assert_eq!(
            clock.now().local_date("America/Chicago").to_string(),
            "2026-11-21"
        );
    }

    #[test]
    fn display_uses_zone_abbreviation() {
        let ts = FixedClock::at_rfc3339("2026-07-04T18:00:00Z").now();
        assert_eq!(ts.display_in("America/New_York"), "4 Jul 2026, 14:00 EDT");
        assert!(is_known_zone("America/Los_Angeles"));
        assert!(!is_known_zone("Mars/Olympus"));
    }
}
