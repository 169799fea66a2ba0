//! The staff members list's query string, parsed in one place: the list page and the CSV export
//! of a filtered list read the same parameters the same way. The page shows [`PAGE_LIMIT`] rows
//! at a time, paged by key in name order (`after`/`before` a membership), never by offset.

use chapterhouse_core::level_rules::MAX_REMINDER_DAYS;
use chapterhouse_core::{CommitteeId, LevelId, MembershipId, PracticeId};
use chapterhouse_store::{MemberFilter, MemberRow, PageFrom, Scoped, StoreResult, parse_status};
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
    /// Paging: the page starts after this membership (the "Next" link)…
    #[serde(default)]
    pub after: String,
    /// …or ends before it (the "Previous" link).
    #[serde(default)]
    pub before: String,
    /// The page's first row's number in the list, for "Showing 101–200" (carried by the links).
    #[serde(default)]
    pub from: String,
}

/// The most rows one page of the list shows.
pub const PAGE_LIMIT: i64 = 100;

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
            page: self.page_from(),
        }
    }

    /// Where the page starts: `after` wins over `before`; an id that does not parse is ignored.
    pub fn page_from(&self) -> Option<PageFrom> {
        let id = |s: &str| s.trim().parse::<MembershipId>().ok();
        id(&self.after)
            .map(PageFrom::After)
            .or_else(|| id(&self.before).map(PageFrom::Before))
    }

    /// The "renewal due in N days" value, if it is a whole number from 0 to 365.
    pub fn due_days(&self) -> Option<i32> {
        self.due
            .trim()
            .parse::<i32>()
            .ok()
            .filter(|d| (0..=MAX_REMINDER_DAYS).contains(d))
    }

    /// The query string for links that keep the current filter (the CSV export link and the
    /// paging links), without the paging itself.
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

/// One page of the members list and its links to the pages either side.
#[derive(Clone, Debug)]
pub struct MemberPage {
    pub rows: Vec<MemberRow>,
    /// The first row's number in the whole list (1 on the first page).
    pub first: u64,
    /// `/staff/members?…` for the next and previous pages, every filter kept.
    pub next: Option<String>,
    pub previous: Option<String>,
}

impl MemberPage {
    /// The last row's number (`first - 1` when the page is empty).
    pub fn last(&self) -> u64 {
        self.first + self.rows.len() as u64 - 1
    }
}

/// The page of the members list `query` asks for: one row more than a page is read to know
/// whether there is a page beyond it.
pub async fn member_page(
    scoped: &Scoped,
    query: &MemberQuery,
    today: Date,
) -> StoreResult<MemberPage> {
    let rows = scoped
        .members(&query.to_filter(today, PAGE_LIMIT + 1))
        .await?;
    Ok(page_of(query, rows, PAGE_LIMIT as usize))
}

/// Cut the rows read for `query` (up to `limit + 1`, in name order) to a page and work out its
/// links. Going forward, the extra row is past the page's end; going back, before its start.
pub fn page_of(query: &MemberQuery, mut rows: Vec<MemberRow>, limit: usize) -> MemberPage {
    let page = query.page_from();
    let more = rows.len() > limit;
    if more {
        match page {
            Some(PageFrom::Before(_)) => {
                rows.drain(..rows.len() - limit);
            }
            _ => rows.truncate(limit),
        }
    }
    let (has_previous, has_next) = match page {
        None => (false, more),
        Some(PageFrom::After(_)) => (true, more),
        Some(PageFrom::Before(_)) => (more, true),
    };
    // The links carry the numbering; a page with nothing before it starts at 1 whatever they say.
    let from = query.from.trim().parse::<u64>().ok().filter(|n| *n >= 1);
    let first = if has_previous { from.unwrap_or(1) } else { 1 };
    let base = query.to_query_string();
    let link = |param: &str, id: MembershipId, from: u64| {
        let sep = if base.is_empty() { '?' } else { '&' };
        format!("/staff/members{base}{sep}{param}={id}&from={from}")
    };
    let next = match rows.last() {
        Some(last) if has_next => Some(link("after", last.id, first + rows.len() as u64)),
        _ => None,
    };
    let previous = match rows.first() {
        Some(row) if has_previous => Some(link(
            "before",
            row.id,
            first.saturating_sub(limit as u64).max(1),
        )),
        _ => None,
    };
    MemberPage {
        rows,
        first,
        next,
        previous,
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

    fn rows(names: &[&str]) -> Vec<MemberRow> {
        names
            .iter()
            .map(|name| MemberRow {
                id: MembershipId::new(),
                person_id: chapterhouse_core::PersonId::new(),
                display_name: name.to_string(),
                email: format!("{name}@example.test"),
                level_name: "Active".into(),
                status: "active".into(),
                status_since: "2026-01-01".into(),
                joined_on: "2026-01-01".into(),
                term_end: None,
            })
            .collect()
    }

    fn names(page: &MemberPage) -> Vec<&str> {
        page.rows.iter().map(|r| r.display_name.as_str()).collect()
    }

    #[test]
    fn the_first_page_links_to_the_next_keeping_the_filter() {
        let q = MemberQuery {
            status: "active".into(),
            q: "an".into(),
            ..Default::default()
        };
        let page = page_of(&q, rows(&["a", "b", "c"]), 2);
        assert_eq!(names(&page), ["a", "b"]);
        assert_eq!((page.first, page.last()), (1, 2));
        assert_eq!(page.previous, None);
        assert_eq!(
            page.next.as_deref(),
            Some(
                format!(
                    "/staff/members?q=an&status=active&after={}&from=3",
                    page.rows[1].id
                )
                .as_str()
            )
        );
        // Exactly a page: nothing beyond it.
        let page = page_of(&MemberQuery::default(), rows(&["a", "b"]), 2);
        assert_eq!((page.next, page.previous), (None, None));
        let page = page_of(&MemberQuery::default(), Vec::new(), 2);
        assert_eq!((page.first, page.last(), page.rows.len()), (1, 0, 0));
    }

    #[test]
    fn a_later_page_is_numbered_from_its_link_and_links_both_ways() {
        let after = MembershipId::new();
        let q = MemberQuery {
            after: after.to_string(),
            from: "3".into(),
            ..Default::default()
        };
        assert_eq!(q.page_from(), Some(PageFrom::After(after)));
        assert_eq!(q.to_query_string(), "", "paging is not part of the filter");
        let page = page_of(&q, rows(&["c", "d", "e"]), 2);
        assert_eq!(names(&page), ["c", "d"]);
        assert_eq!((page.first, page.last()), (3, 4));
        assert_eq!(
            page.previous,
            Some(format!("/staff/members?before={}&from=1", page.rows[0].id))
        );
        assert_eq!(
            page.next,
            Some(format!("/staff/members?after={}&from=5", page.rows[1].id))
        );
        // The last page: no next.
        let page = page_of(&q, rows(&["c"]), 2);
        assert_eq!(page.next, None);
        assert!(page.previous.is_some());
    }

    #[test]
    fn going_back_keeps_the_rows_just_before_and_knows_the_start() {
        let q = MemberQuery {
            before: MembershipId::new().to_string(),
            from: "3".into(),
            ..Default::default()
        };
        // Read in name order, one more than a page: the extra row is the earliest.
        let page = page_of(&q, rows(&["a", "b", "c"]), 2);
        assert_eq!(names(&page), ["b", "c"]);
        assert_eq!(page.first, 3);
        assert!(page.previous.is_some() && page.next.is_some());
        // Nothing before these rows: this is the first page, whatever the link said.
        let page = page_of(&q, rows(&["a", "b"]), 2);
        assert_eq!(names(&page), ["a", "b"]);
        assert_eq!(page.first, 1);
        assert_eq!(page.previous, None);
        assert!(page.next.is_some());
    }
}
