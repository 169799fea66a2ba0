//! The staff members list: its query, and what its filters offer (the society's practices,
//! specialties, committees and practice-address states).
//!
//! The statement is put together from constant fragments, one per filter in use, each binding
//! its value: a filter that is not in use costs nothing, and a selective one (a practice, a
//! committee, a state, a renewal window) drives the query through its index instead of every
//! member being checked in name order. No value is ever written into the SQL text.

use chapterhouse_core::membership::Status;
use chapterhouse_core::{CommitteeId, PracticeId};
use uuid::Uuid;

use crate::{MemberFilter, MemberRow, Scoped, StoreResult, on};

const SELECT: &str = "SELECT m.id, p.display_name, p.email, l.name AS level_name, m.status, \
    m.status_since, m.joined_on, (SELECT MAX(t.end_on) FROM membership_term t \
      WHERE t.society_id = m.society_id AND t.membership_id = m.id) AS term_end \
    FROM membership m \
    JOIN person p ON p.society_id = m.society_id AND p.id = m.person_id \
    JOIN membership_level l ON l.society_id = m.society_id AND l.id = m.level_id \
    WHERE m.society_id = $1";

enum Value {
    Text(String),
    Id(Uuid),
}

/// The SQL and its values after `$1` (the society).
fn statement(filter: &MemberFilter) -> (String, Vec<Value>) {
    let mut sql = String::from(SELECT);
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
    if let Some(status) = filter.status {
        add(
            " AND m.status = ?",
            vec![Value::Text(Status::as_str(status).into())],
        );
    }
    if let Some(level) = filter.level {
        add(" AND m.level_id = ?", vec![Value::Id(level.0)]);
    }
    if let Some(search) = &filter.search {
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
        add(" AND p.specialty = ?", vec![Value::Text(specialty.clone())]);
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
            " AND m.person_id IN (SELECT a.person_id FROM person_address a \
               WHERE a.society_id = $1 AND a.kind = 'practice' AND a.state = ?)",
            vec![Value::Text(state.clone())],
        );
    }
    if let Some((from, to)) = filter.term_end_between {
        add(
            " AND m.id IN (SELECT t.membership_id FROM membership_term t \
               WHERE t.society_id = $1 AND t.end_on >= ? AND t.end_on <= ? \
               AND NOT EXISTS (SELECT 1 FROM membership_term t2 \
                 WHERE t2.society_id = t.society_id AND t2.membership_id = t.membership_id \
                 AND (t2.end_on IS NULL OR t2.end_on > t.end_on)))",
            vec![Value::Text(from.to_string()), Value::Text(to.to_string())],
        );
    }
    add(" ORDER BY p.display_name, p.email LIMIT ?", Vec::new());
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
    /// The members list for `filter` (at most `filter.limit` rows, 500 when 0).
    pub(crate) async fn filtered_members(
        &self,
        filter: &MemberFilter,
    ) -> StoreResult<Vec<MemberRow>> {
        let (sql, values) = statement(filter);
        let limit = if filter.limit > 0 { filter.limit } else { 500 };
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
