//! The staff members list's query string, parsed in one place: the list page and the CSV export
//! of a filtered list read the same parameters the same way.

use chapterhouse_core::level_rules::MAX_REMINDER_DAYS;
use chapterhouse_core::{CommitteeId, LevelId, PracticeId};
use chapterhouse_store::{MemberFilter, parse_status};
use jiff::ToSpan;
use jiff::civil::Date;
use serde::{Deserialize, Serialize};

/// `/staff/members?q=…&status=…&level=…&practice=…&specialty=…&committee=…&state=…&due=…`.
/// Every parameter is optional; one that does not parse is ignored (the page shows it unset).
#[derive(Clone, Debug, Default, PartialEq, Eq, Deserialize, Serialize)]
pub struct MemberQuery {
    /// Name or email.
    #[serde(default)]
    pub q: String,
    #[serde(default)]
    pub status: String,
    /// A level id.
    #[serde(default)]
    pub level: String,
    /// A practice id.
    #[serde(default)]
    pub practice: String,
    #[serde(default)]
    pub specialty: String,
    /// A committee id.
    #[serde(default)]
    pub committee: String,
    /// Two-letter state of the practice address.
    #[serde(default)]
    pub state: String,
    /// Renewal due within this many days (the latest term ends between today and today + N).
    #[serde(default)]
    pub due: String,
}

/// The most rows one page of the list shows.
pub const PAGE_LIMIT: i64 = 500;

impl MemberQuery {
    /// The store filter for this query on the society's `today`. `limit` 0 means the store's
    /// default page size.
    pub fn to_filter(&self, today: Date, limit: i64) -> MemberFilter {
        let text = |s: &str| Some(s.trim().to_string()).filter(|s| !s.is_empty());
        MemberFilter {
            status: parse_status(self.status.trim()),
            level: self.level.trim().parse::<LevelId>().ok(),
            search: text(&self.q),
            practice: self.practice.trim().parse::<PracticeId>().ok(),
            specialty: text(&self.specialty),
            committee: self.committee.trim().parse::<CommitteeId>().ok(),
            state: text(&self.state).map(|s| s.to_ascii_uppercase()),
            term_end_between: self.due_days().map(|days| {
                (
                    today,
                    today
                        .checked_add(i64::from(days).days())
                        .unwrap_or(Date::MAX),
                )
            }),
            today: Some(today),
            limit,
        }
    }

    /// The "renewal due in N days" value, if it is a whole number from 0 to 365.
    pub fn due_days(&self) -> Option<i32> {
        self.due
            .trim()
            .parse::<i32>()
            .ok()
            .filter(|d| (0..=MAX_REMINDER_DAYS).contains(d))
    }

    /// The query string for links that keep the current filter (the CSV export link).
    pub fn to_query_string(&self) -> String {
        let mut out = form_urlencoded_pairs(&[
            ("q", &self.q),
            ("status", &self.status),
            ("level", &self.level),
            ("practice", &self.practice),
            ("specialty", &self.specialty),
            ("committee", &self.committee),
            ("state", &self.state),
            ("due", &self.due),
        ]);
        if !out.is_empty() {
            out.insert(0, '?');
        }
        out
    }
}

fn form_urlencoded_pairs(pairs: &[(&str, &String)]) -> String {
    pairs
        .iter()
        .filter(|(_, v)| !v.trim().is_empty())
        .map(|(k, v)| format!("{k}={}", encode(v.trim())))
        .collect::<Vec<_>>()
        .join("&")
}

fn encode(text: &str) -> String {
    let mut out = String::new();
    for b in text.bytes() {
        match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => {
                out.push(b as char)
            }
            b' ' => out.push('+'),
            other => out.push_str(&format!("%{other:02X}")),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use chapterhouse_core::membership::Status;
    use jiff::civil::date;

    #[test]
    fn the_query_string_becomes_a_filter_and_bad_values_are_ignored() {
        let practice = PracticeId::new();
        let q = MemberQuery {
            q: " ada ".into(),
            status: "grace".into(),
            level: "not-a-uuid".into(),
            practice: practice.to_string(),
            specialty: "Medical oncology".into(),
            state: "tx".into(),
            due: "30".into(),
            ..Default::default()
        };
        let f = q.to_filter(date(2026, 11, 21), 0);
        assert_eq!(f.search.as_deref(), Some("ada"));
        assert_eq!(f.status, Some(Status::Grace));
        assert_eq!(f.level, None);
        assert_eq!(f.practice, Some(practice));
        assert_eq!(f.state.as_deref(), Some("TX"));
        assert_eq!(
            f.term_end_between,
            Some((date(2026, 11, 21), date(2026, 12, 21)))
        );
        for bad in ["-1", "366", "soon"] {
            let q = MemberQuery {
                due: bad.into(),
                ..Default::default()
            };
            assert_eq!(q.to_filter(date(2026, 11, 21), 0).term_end_between, None);
        }
        assert_eq!(
            q.to_query_string(),
            format!(
                "?q=ada&status=grace&level=not-a-uuid&practice={practice}&specialty=Medical+oncology&state=tx&due=30"
            )
        );
        assert_eq!(MemberQuery::default().to_query_string(), "");
    }
}
