//! The staff members list: its query, and what its filters offer (the society's practices,
//! specialties, committees and practice-address states).
//!
//! The statement is put together from constant fragments, one per filter in use, each binding
//! its value: a filter that is not in use costs nothing, and a selective one (a practice, a
//! committee, a state, a renewal window) drives the query through its index instead of every
//! member being checked in name order. No value is ever written into the SQL text.

use chapterhouse_core::membership::Status;
use chapterhouse_core::{CommitteeId, MembershipId, PracticeId};
use uuid::Uuid;

use crate::{MemberFilter, MemberRow, PageFrom, Scoped, StoreResult, on};

/// The page is chosen first (ids and names only), then completed: the level and the dates are
/// looked up for the page's rows, not for every row that matched.
const PAGE: &str = "WITH page AS MATERIALIZED (SELECT m.id AS membership_id, \
    p.display_name AS display_name, p.email AS email \
    FROM membership m JOIN ";
const PAGE_PEOPLE: &str = " p ON p.society_id = m.society_id AND p.id = m.person_id \
    WHERE m.society_id = $1";

/// A search on PostgreSQL first looks only at the next this-many people in name order (a short
/// walk of the name index), and only when they do not fill the page at all the people: walking
/// the whole index for a rare name costs a heap read per person, far more than one scan.
const SEARCH_WINDOW: &str = " LIMIT 2000)";

/// How a search on PostgreSQL reads the people (see [`SEARCH_WINDOW`]).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Search {
    /// As the planner likes (no search, or SQLite: its name index covers the searched columns).
    Plain,
    /// The next few thousand people in name order.
    Window,
    /// Every person, then sorted: the name index is kept out of the plan (`display_name || ''`
    /// is the same order but not the index's column).
    Scan,
}
const COMPLETE: &str = ") SELECT m.id, m.person_id, page.display_name, page.email, l.name AS level_name, \
    m.status, m.status_since, m.joined_on, m.latest_term_end AS term_end \
    FROM page \
    JOIN membership m ON m.society_id = $1 AND m.id = page.membership_id \
    JOIN membership_level l ON l.society_id = m.society_id AND l.id = m.level_id \
    ORDER BY page.display_name, page.email";

enum Value {
    Text(String),
    Id(Uuid),
}

/// A filter matching at most this many rows always finds them through its index; a larger one
/// may be checked row by row while the name index is walked (stopping at the page's last row),
/// rather than used to find its rows and sort them all (see `large_filters`).
const SMALL_GROUP: i64 = 1_000;

/// Which of the filters in use match many rows (SQLite only; PostgreSQL's statistics know).
#[derive(Clone, Copy, Debug, Default)]
struct Large {
    status_level: bool,
    specialty: bool,
    state: bool,
    due: bool,
}

/// The SQL and its values after `$1` (the society). A small filter finds its rows through its
/// index; a large one is a check on each row (SQLite's unary `+` keeps a column off its index),
/// so when every filter is large the page is read in name order. SQLite's statistics cannot
/// tell a 20-member status from an 80,000-member one, hence the counts in [`Large`].
///
/// `key` is the (display name, email) the page starts after, or ends before when `before`.
fn statement(
    filter: &MemberFilter,
    large: Large,
    key: Option<(&str, &str, bool)>,
    search: Search,
) -> (String, Vec<Value>) {
    let mut sql = String::from(PAGE);
    let mut values = Vec::new();
    let mut add = |fragment: &str, new: Vec<Value>| {
        // Each `?` in a fragment is the next placeholder.
        let mut out = String::new();
        for part in fragment.split('?').enumerate() {
            if part.0 > 0 {
                out.push_str(&format!("${}", values.len() + part.0 + 1));
            }
            out.push_str(part.1);
        }
        sql.push_str(&out);
        values.extend(new);
    };
    if search == Search::Window {
        match key {
            Some((name, email, before)) => add(
                if before {
                    "(SELECT * FROM person WHERE society_id = $1 \
                     AND (display_name, email) < (?, ?) ORDER BY display_name DESC, email DESC"
                } else {
                    "(SELECT * FROM person WHERE society_id = $1 \
                     AND (display_name, email) > (?, ?) ORDER BY display_name, email"
                },
                vec![Value::Text(name.into()), Value::Text(email.into())],
            ),
            None => add(
                "(SELECT * FROM person WHERE society_id = $1 ORDER BY display_name, email",
                Vec::new(),
            ),
        }
        add(SEARCH_WINDOW, Vec::new());
    } else {
        add("person", Vec::new());
    }
    add(PAGE_PEOPLE, Vec::new());
    let pick = |large: bool, check: &'static str, index: &'static str| {
        if large { check } else { index }
    };
    if let Some(status) = filter.status {
        add(
            pick(
                large.status_level,
                " AND +m.status = ?",
                " AND m.status = ?",
            ),
            vec![Value::Text(Status::as_str(status).into())],
        );
    }
    if let Some(level) = filter.level {
        add(
            pick(
                large.status_level,
                " AND +m.level_id = ?",
                " AND m.level_id = ?",
            ),
            vec![Value::Id(level.0)],
        );
    }
    if let Some(search) = &filter.search {
        // Case-insensitive on both backends although PostgreSQL's LIKE is not: the pattern is
        // lowercased, and so are stored emails (`normalize_email`), so only names need LOWER.
        let pattern = format!("%{}%", search.to_lowercase());
        add(
            " AND (LOWER(p.display_name) LIKE ? OR p.email LIKE ?)",
            vec![Value::Text(pattern.clone()), Value::Text(pattern)],
        );
    }
    if let Some(practice) = filter.practice {
        // Staff and managers link everyone they seat, so the links are the practice's people.
        add(
            " AND m.person_id IN (SELECT k.person_id FROM practice_link k \
               WHERE k.society_id = $1 AND k.practice_id = ?)",
            vec![Value::Id(practice.0)],
        );
    }
    if let Some(specialty) = &filter.specialty {
        add(
            pick(
                large.specialty,
                " AND +p.specialty = ?",
                " AND p.specialty = ?",
            ),
            vec![Value::Text(specialty.clone())],
        );
    }
    if let Some(committee) = filter.committee {
        match filter.today {
            Some(today) => add(
                " AND m.person_id IN (SELECT cm.person_id FROM committee_member cm \
                   WHERE cm.society_id = $1 AND cm.committee_id = ? \
                   AND (cm.end_on IS NULL OR cm.end_on >= ?))",
                vec![Value::Id(committee.0), Value::Text(today.to_string())],
            ),
            None => add(
                " AND m.person_id IN (SELECT cm.person_id FROM committee_member cm \
                   WHERE cm.society_id = $1 AND cm.committee_id = ?)",
                vec![Value::Id(committee.0)],
            ),
        }
    }
    if let Some(state) = &filter.state {
        add(
            pick(
                large.state,
                " AND EXISTS (SELECT 1 FROM person_address a WHERE a.society_id = m.society_id \
                   AND a.person_id = m.person_id AND a.kind = 'practice' AND a.state = ?)",
                " AND m.person_id IN (SELECT a.person_id FROM person_address a \
                   WHERE a.society_id = $1 AND a.kind = 'practice' AND a.state = ?)",
            ),
            vec![Value::Text(state.clone())],
        );
    }
    if let Some((from, to)) = filter.term_end_between {
        // `latest_term_end` is kept by triggers on membership_term (migration 0019).
        add(
            pick(
                large.due,
                " AND +m.latest_term_end >= ? AND +m.latest_term_end <= ?",
                " AND m.latest_term_end >= ? AND m.latest_term_end <= ?",
            ),
            vec![Value::Text(from.to_string()), Value::Text(to.to_string())],
        );
    }
    let name = if search == Search::Scan {
        "(p.display_name || '')"
    } else {
        "p.display_name"
    };
    let (compare, order) = match key {
        Some((_, _, true)) => (" < (?, ?)", " DESC"),
        Some(_) => (" > (?, ?)", ""),
        None => ("", ""),
    };
    if let Some((key_name, key_email, _)) = key {
        // A row value comparison, which both backends match against the name index.
        add(
            &format!(" AND ({name}, p.email){compare}"),
            vec![Value::Text(key_name.into()), Value::Text(key_email.into())],
        );
    }
    add(
        &format!(" ORDER BY {name}{order}, p.email{order} LIMIT ?"),
        Vec::new(),
    );
    sql.push_str(COMPLETE);
    (sql, values)
}

#[derive(Clone, Debug, Default)]
pub struct MemberFilterChoices {
    pub practices: Vec<(PracticeId, String)>,
    pub specialties: Vec<String>,
    pub committees: Vec<(CommitteeId, String)>,
    pub states: Vec<String>,
}

impl Scoped {
    /// The members list for `filter` (at most `filter.limit` rows, 500 when 0), in name order,
    /// from `filter.page` when given (a page key whose membership is gone: the first page).
    pub(crate) async fn filtered_members(
        &self,
        filter: &MemberFilter,
    ) -> StoreResult<Vec<MemberRow>> {
        let large = if matches!(self.db, crate::Db::Sqlite(_)) {
            self.large_filters(filter).await?
        } else {
            Large::default()
        };
        let key = match filter.page {
            Some(PageFrom::After(id)) => self.page_key(id).await?.map(|k| (k, false)),
            Some(PageFrom::Before(id)) => self.page_key(id).await?.map(|k| (k, true)),
            None => None,
        };
        let key = key
            .as_ref()
            .map(|((name, email), before)| (name.as_str(), email.as_str(), *before));
        let limit = if filter.limit > 0 { filter.limit } else { 500 };
        let postgres = matches!(self.db, crate::Db::Postgres(_));
        if postgres && filter.search.is_some() {
            let (sql, values) = statement(filter, large, key, Search::Window);
            let rows = self.run_members(sql, values, limit).await?;
            if rows.len() as i64 >= limit {
                return Ok(rows);
            }
            // A rare name: one scan of everyone.
            let (sql, values) = statement(filter, large, key, Search::Scan);
            return self.run_members(sql, values, limit).await;
        }
        let (sql, values) = statement(filter, large, key, Search::Plain);
        self.run_members(sql, values, limit).await
    }

    async fn run_members(
        &self,
        sql: String,
        values: Vec<Value>,
        limit: i64,
    ) -> StoreResult<Vec<MemberRow>> {
        Ok(on!(self.db.reader(), |c| {
            let mut query =
                sqlx::query_as(sqlx::AssertSqlSafe(sql.clone())).bind(self.society.id.0);
            for value in &values {
                query = match value {
                    Value::Text(text) => query.bind(text.clone()),
                    Value::Id(id) => query.bind(*id),
                };
            }
            query.bind(limit).fetch_all(c).await
        })?)
    }

    /// A membership's place in name order: its person's display name and email.
    async fn page_key(&self, membership: MembershipId) -> StoreResult<Option<(String, String)>> {
        Ok(on!(self.db.reader(), |c| sqlx::query_as(
            "SELECT p.display_name, p.email FROM membership m \
             JOIN person p ON p.society_id = m.society_id AND p.id = m.person_id \
             WHERE m.society_id = $1 AND m.id = $2"
        )
        .bind(self.society.id.0)
        .bind(membership.0)
        .fetch_optional(c)
        .await)?)
    }

    /// Count (through each filter's index) which filters in use match many rows. When two or
    /// more large filters meet (a specialty in a state), their overlap may be small: then the
    /// smallest of them finds its rows through its index after all, rather than the walk
    /// reading most of the society in name order to fill a page.
    async fn large_filters(&self, filter: &MemberFilter) -> StoreResult<Large> {
        let society = self.society.id.0;
        let mut counts: Vec<(u8, i64)> = Vec::new();
        if filter.status.is_some() || filter.level.is_some() {
            counts.push((0, self.group_size(filter).await?));
        }
        if let Some(specialty) = &filter.specialty {
            let n: i64 = on!(self.db.reader(), |c| sqlx::query_scalar(
                "SELECT COUNT(*) FROM person WHERE society_id = $1 AND specialty = $2"
            )
            .bind(society)
            .bind(specialty)
            .fetch_one(c)
            .await)?;
            counts.push((1, n));
        }
        if let Some(state) = &filter.state {
            let n: i64 = on!(self.db.reader(), |c| sqlx::query_scalar(
                "SELECT COUNT(*) FROM person_address WHERE society_id = $1 \
                 AND kind = 'practice' AND state = $2"
            )
            .bind(society)
            .bind(state)
            .fetch_one(c)
            .await)?;
            counts.push((2, n));
        }
        if let Some((from, to)) = filter.term_end_between {
            let n: i64 = on!(self.db.reader(), |c| sqlx::query_scalar(
                "SELECT COUNT(*) FROM membership WHERE society_id = $1 \
                 AND latest_term_end >= $2 AND latest_term_end <= $3"
            )
            .bind(society)
            .bind(from.to_string())
            .bind(to.to_string())
            .fetch_one(c)
            .await)?;
            counts.push((3, n));
        }
        let limit = if filter.limit > 0 { filter.limit } else { 500 };
        // Walking the name index reads about `limit × total / n` rows to fill a page with a
        // filter matching `n` of `total`; finding the `n` rows through the filter's index reads
        // (and sorts) `n`. A filter is large when the walk reads fewer.
        let total: i64 = if counts.iter().any(|(_, n)| *n > SMALL_GROUP) {
            on!(self.db.reader(), |c| sqlx::query_scalar(
                "SELECT COUNT(*) FROM membership WHERE society_id = $1"
            )
            .bind(society)
            .fetch_one(c)
            .await)?
        } else {
            0
        };
        let share = |n: i64| n as f64 / total.max(1) as f64;
        let walk = |share: f64| limit as f64 / share.max(1e-9);
        let mut large: Vec<(u8, i64)> = counts
            .iter()
            .copied()
            .filter(|(_, n)| *n > SMALL_GROUP && walk(share(*n)) < *n as f64)
            .collect();
        let other_driver =
            filter.practice.is_some() || filter.committee.is_some() || large.len() < counts.len();
        if large.len() >= 2 && !other_driver {
            // When large filters meet (a specialty in a state), their overlap may be small: the
            // walk reads `limit / (product of shares)` rows if they are independent. Past the
            // smallest filter's own size, that one finds its rows through its index after all.
            let overlap: f64 = large.iter().map(|(_, n)| share(*n)).product();
            large.sort_by_key(|(_, n)| *n);
            if walk(overlap) > large[0].1 as f64 {
                large.remove(0);
            }
        }
        let is = |kind: u8| large.iter().any(|(k, _)| *k == kind);
        Ok(Large {
            status_level: is(0),
            specialty: is(1),
            state: is(2),
            due: is(3),
        })
    }

    /// How many memberships have the filter's status and level (an index-only count).
    async fn group_size(&self, filter: &MemberFilter) -> StoreResult<i64> {
        let society = self.society.id.0;
        let status = filter.status.map(Status::as_str);
        let level = filter.level.map(|l| l.0);
        Ok(match (status, level) {
            (Some(status), Some(level)) => on!(self.db.reader(), |c| sqlx::query_scalar(
                "SELECT COUNT(*) FROM membership WHERE society_id = $1 AND status = $2 \
                 AND level_id = $3"
            )
            .bind(society)
            .bind(status)
            .bind(level)
            .fetch_one(c)
            .await)?,
            (Some(status), None) => on!(self.db.reader(), |c| sqlx::query_scalar(
                "SELECT COUNT(*) FROM membership WHERE society_id = $1 AND status = $2"
            )
            .bind(society)
            .bind(status)
            .fetch_one(c)
            .await)?,
            (None, Some(level)) => on!(self.db.reader(), |c| sqlx::query_scalar(
                "SELECT COUNT(*) FROM membership WHERE society_id = $1 AND level_id = $2"
            )
            .bind(society)
            .bind(level)
            .fetch_one(c)
            .await)?,
            (None, None) => 0,
        })
    }

    pub async fn member_filter_choices(&self) -> StoreResult<MemberFilterChoices> {
        let society = self.society.id.0;
        let practices: Vec<(Uuid, String)> = on!(self.db.reader(), |c| sqlx::query_as(
            "SELECT id, name FROM practice WHERE society_id = $1 ORDER BY name"
        )
        .bind(society)
        .fetch_all(c)
        .await)?;
        let specialties: Vec<String> = on!(self.db.reader(), |c| sqlx::query_scalar(
            "SELECT DISTINCT specialty FROM person WHERE society_id = $1 AND specialty <> '' \
             ORDER BY specialty"
        )
        .bind(society)
        .fetch_all(c)
        .await)?;
        let committees: Vec<(Uuid, String)> = on!(self.db.reader(), |c| {
            sqlx::query_as(
            "SELECT id, name FROM committee WHERE society_id = $1 AND NOT archived ORDER BY name"
        )
        .bind(society)
        .fetch_all(c)
        .await
        })?;
        let states: Vec<String> = on!(self.db.reader(), |c| sqlx::query_scalar(
            "SELECT DISTINCT state FROM person_address WHERE society_id = $1 \
             AND kind = 'practice' AND state <> '' ORDER BY state"
        )
        .bind(society)
        .fetch_all(c)
        .await)?;
        Ok(MemberFilterChoices {
            practices: practices
                .into_iter()
                .map(|(id, name)| (PracticeId(id), name))
                .collect(),
            specialties,
            committees: committees
                .into_iter()
                .map(|(id, name)| (CommitteeId(id), name))
                .collect(),
            states,
        })
    }
}
