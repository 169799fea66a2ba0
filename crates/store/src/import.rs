//! Member-list import and export: uploads waiting for their dry run, the snapshot of what a
//! society holds that the import plan compares against, writing a plan in batches, import runs,
//! and the rows of the members export.
//!
//! Writing is batched (multi-row `INSERT … VALUES (…), (…)`) so 50,000 rows take seconds: the
//! statement text is built from fixed column lists and placeholders only — every value
//! is bound — which is why `AssertSqlSafe` is sound here.

use std::collections::HashMap;

use chapterhouse_core::import::{
    CustomFieldDef, LevelDef, MembershipRec, PersonRec, Plan, Snapshot, anchor_from_stored,
    period_from_months,
};
use chapterhouse_core::membership::{Application, Term};
use chapterhouse_core::{
    BlobId, CommitteeId, CommitteeMemberId, CustomFieldId, ImportRunId, LevelId, MembershipId,
    PersonId, PracticeId, TermId, Timestamp, UserId,
};
use jiff::civil::Date;
use uuid::Uuid;

use crate::membership::{application_str, parse_status};
use crate::{CustomField, Scoped, ScopedTx, StoreError, StoreResult, conflict_on, exec, on};

/// An uploaded member list.
#[derive(Clone, Debug, sqlx::FromRow)]
pub struct ImportUpload {
    #[sqlx(try_from = "Uuid")]
    pub blob_id: BlobId,
    pub file_name: String,
    pub sha256: String,
    pub created_at: i64,
    pub data: Vec<u8>,
}

/// What one import did.
#[derive(Clone, Debug, sqlx::FromRow)]
pub struct ImportRun {
    #[sqlx(try_from = "Uuid")]
    pub id: ImportRunId,
    pub file_name: String,
    pub sha256: String,
    pub rows_total: i64,
    pub created: i64,
    pub updated: i64,
    pub unchanged: i64,
    pub created_at: i64,
    pub created_by_name: Option<String>,
}

#[derive(Clone, Debug)]
pub struct NewImportRun<'a> {
    pub file_name: &'a str,
    pub sha256: &'a str,
    pub rows_total: i64,
    pub created: i64,
    pub updated: i64,
    pub unchanged: i64,
    pub created_by: Option<UserId>,
}

/// One member as the export needs them beyond the members list's columns.
#[derive(Clone, Debug, sqlx::FromRow)]
pub struct ExportPerson {
    #[sqlx(try_from = "Uuid")]
    pub membership_id: MembershipId,
    #[sqlx(try_from = "Uuid")]
    pub person_id: PersonId,
    pub external_id: Option<String>,
    pub first_name: String,
    pub last_name: String,
    pub display_name: String,
    pub phone: String,
}

/// Everything the members export reads besides the filtered list itself.
#[derive(Clone, Debug, Default)]
pub struct MemberExportData {
    pub people: Vec<ExportPerson>,
    /// (person, practice name), by name.
    pub practices: Vec<(PersonId, String)>,
    /// (person, group name), current group memberships, by name.
    pub groups: Vec<(PersonId, String)>,
    pub values: Vec<(CustomFieldId, PersonId, String)>,
}

#[derive(sqlx::FromRow)]
struct LevelRow {
    id: Uuid,
    name: String,
    period_months: Option<i64>,
    fixed_month: Option<i64>,
    fixed_day: Option<i64>,
    grace_days: i64,
    approval_required: bool,
    for_practices: bool,
}

#[derive(sqlx::FromRow)]
struct PersonRow {
    id: Uuid,
    email: String,
    display_name: String,
    first_name: String,
    last_name: String,
    phone: String,
    external_id: Option<String>,
}

#[derive(sqlx::FromRow)]
struct MembershipRow {
    id: Uuid,
    person_id: Uuid,
    level_id: Uuid,
    joined_on: String,
    status: String,
    application: Option<String>,
    cancelled_on: Option<String>,
    suspended: bool,
    override_status: Option<String>,
    override_reason: String,
}

#[derive(sqlx::FromRow)]
struct TermRow {
    membership_id: Uuid,
    start_on: String,
    end_on: Option<String>,
}

fn date(text: &str) -> StoreResult<Date> {
    text.parse()
        .map_err(|e| StoreError::Config(format!("stored date {text:?} is not a date: {e}")))
}

fn application(text: &str) -> Option<Application> {
    match text {
        "pending" => Some(Application::Pending),
        "approved" => Some(Application::Approved),
        "rejected" => Some(Application::Rejected),
        _ => None,
    }
}

/// The raw rows of a snapshot, read with one executor.
struct SnapshotRows {
    levels: Vec<LevelRow>,
    fields: Vec<CustomField>,
    people: Vec<PersonRow>,
    memberships: Vec<MembershipRow>,
    terms: Vec<TermRow>,
    practices: Vec<(Uuid, String)>,
    links: Vec<(Uuid, Uuid)>,
    committees: Vec<(Uuid, String)>,
    members: Vec<(Uuid, Uuid)>,
    values: Vec<(Uuid, Uuid, String)>,
    accounts: Vec<Uuid>,
}

/// Run the snapshot's queries on `$exec` (re-evaluated for each query: a reader pool or the
/// transaction's connection).
macro_rules! read_snapshot {
    ($exec:expr, $society:expr, $today:expr) => {{
        let society: Uuid = $society;
        let today: String = $today;
        SnapshotRows {
            levels: on!($exec, |c| sqlx::query_as(
                "SELECT id, name, period_months, fixed_month, fixed_day, grace_days, \
                 approval_required, for_practices FROM membership_level WHERE society_id = $1"
            )
            .bind(society)
            .fetch_all(c)
            .await)?,
            fields: on!($exec, |c| sqlx::query_as(
                "SELECT id, name, kind, choices, sort_order, archived FROM custom_field \
                 WHERE society_id = $1 AND NOT archived ORDER BY sort_order, name"
            )
            .bind(society)
            .fetch_all(c)
            .await)?,
            people: on!($exec, |c| sqlx::query_as(
                "SELECT id, email, display_name, first_name, last_name, phone, external_id \
                 FROM person WHERE society_id = $1"
            )
            .bind(society)
            .fetch_all(c)
            .await)?,
            memberships: on!($exec, |c| sqlx::query_as(
                "SELECT id, person_id, level_id, joined_on, status, application, cancelled_on, \
                 suspended, override_status, override_reason FROM membership WHERE society_id = $1"
            )
            .bind(society)
            .fetch_all(c)
            .await)?,
            terms: on!($exec, |c| sqlx::query_as(
                "SELECT membership_id, start_on, end_on FROM membership_term WHERE society_id = $1"
            )
            .bind(society)
            .fetch_all(c)
            .await)?,
            practices: on!($exec, |c| sqlx::query_as(
                "SELECT id, name FROM practice WHERE society_id = $1"
            )
            .bind(society)
            .fetch_all(c)
            .await)?,
            links: on!($exec, |c| sqlx::query_as(
                "SELECT practice_id, person_id FROM practice_link WHERE society_id = $1"
            )
            .bind(society)
            .fetch_all(c)
            .await)?,
            committees: on!($exec, |c| sqlx::query_as(
                "SELECT id, name FROM committee WHERE society_id = $1"
            )
            .bind(society)
            .fetch_all(c)
            .await)?,
            members: on!($exec, |c| sqlx::query_as(
                "SELECT committee_id, person_id FROM committee_member \
                 WHERE society_id = $1 AND (end_on IS NULL OR end_on >= $2)"
            )
            .bind(society)
            .bind(&today)
            .fetch_all(c)
            .await)?,
            values: on!($exec, |c| sqlx::query_as(
                "SELECT field_id, person_id, value FROM custom_field_value WHERE society_id = $1"
            )
            .bind(society)
            .fetch_all(c)
            .await)?,
            accounts: on!($exec, |c| sqlx::query_scalar(
                "SELECT person_id FROM account WHERE society_id = $1"
            )
            .bind(society)
            .fetch_all(c)
            .await)?,
        }
    }};
}

impl SnapshotRows {
    fn into_snapshot(self) -> StoreResult<Snapshot> {
        let mut terms: HashMap<Uuid, Vec<Term>> = HashMap::new();
        for t in self.terms {
            terms.entry(t.membership_id).or_default().push(Term {
                start: date(&t.start_on)?,
                end: t.end_on.as_deref().map(date).transpose()?,
            });
        }
        let memberships = self
            .memberships
            .into_iter()
            .map(|m| {
                Ok(MembershipRec {
                    id: MembershipId(m.id),
                    person: PersonId(m.person_id),
                    level: LevelId(m.level_id),
                    joined_on: date(&m.joined_on)?,
                    status: parse_status(&m.status).ok_or_else(|| {
                        StoreError::Config(format!("stored status {:?} is unknown", m.status))
                    })?,
                    application: m.application.as_deref().and_then(application),
                    cancelled_on: m.cancelled_on.as_deref().map(date).transpose()?,
                    suspended: m.suspended,
                    override_status: m.override_status.as_deref().and_then(parse_status),
                    override_reason: m.override_reason,
                    terms: terms.remove(&m.id).unwrap_or_default(),
                })
            })
            .collect::<StoreResult<Vec<_>>>()?;
        Ok(Snapshot {
            levels: self
                .levels
                .into_iter()
                .map(|l| LevelDef {
                    id: LevelId(l.id),
                    name: l.name,
                    period: period_from_months(l.period_months),
                    anchor: anchor_from_stored(l.fixed_month, l.fixed_day),
                    grace_days: u16::try_from(l.grace_days).unwrap_or(u16::MAX),
                    approval_required: l.approval_required,
                    for_practices: l.for_practices,
                })
                .collect(),
            custom_fields: self
                .fields
                .into_iter()
                .map(|f| CustomFieldDef {
                    id: f.id,
                    kind: f.field_kind(),
                    choices: f.choice_list(),
                    name: f.name,
                })
                .collect(),
            people: self
                .people
                .into_iter()
                .map(|p| PersonRec {
                    id: PersonId(p.id),
                    email: p.email,
                    display_name: p.display_name,
                    first_name: p.first_name,
                    last_name: p.last_name,
                    phone: p.phone,
                    external_id: p.external_id,
                })
                .collect(),
            memberships,
            practices: self
                .practices
                .into_iter()
                .map(|(id, name)| (PracticeId(id), name))
                .collect(),
            practice_links: self
                .links
                .into_iter()
                .map(|(practice, person)| (PracticeId(practice), PersonId(person)))
                .collect(),
            committees: self
                .committees
                .into_iter()
                .map(|(id, name)| (CommitteeId(id), name))
                .collect(),
            committee_members: self
                .members
                .into_iter()
                .map(|(committee, person)| (CommitteeId(committee), PersonId(person)))
                .collect(),
            custom_values: self
                .values
                .into_iter()
                .map(|(field, person, value)| (CustomFieldId(field), PersonId(person), value))
                .collect(),
            account_holders: self.accounts.into_iter().map(PersonId).collect(),
        })
    }
}

/// (Shared by every multi-row writer in the store.)
/// `head` followed by `rows` groups of `width` placeholders: `$1, $2, …` for PostgreSQL, plain
/// `?` for SQLite. (SQLite looks up a numbered parameter's name by walking a list, and sqlx does
/// that once per parameter, so a 10,000-parameter statement of `$N`s costs quadratic time;
/// anonymous `?`s have no names to walk.)
pub(crate) fn values_sql(
    head: &str,
    width: usize,
    rows: usize,
    tail: &str,
    numbered: bool,
) -> String {
    let mut sql = String::with_capacity(head.len() + tail.len() + rows * width * 6);
    sql.push_str(head);
    sql.push_str(" VALUES ");
    let mut n = 0;
    for row in 0..rows {
        if row > 0 {
            sql.push_str(", ");
        }
        sql.push('(');
        for col in 0..width {
            if col > 0 {
                sql.push_str(", ");
            }
            n += 1;
            if numbered {
                sql.push('$');
                sql.push_str(&n.to_string());
            } else {
                sql.push('?');
            }
        }
        sql.push(')');
    }
    sql.push_str(tail);
    sql
}

/// Rows per statement: under SQLite's 32,766 bound values (PostgreSQL allows 65,535).
pub(crate) fn batch_rows(width: usize) -> usize {
    (30_000 / width).clamp(1, 1000)
}

impl Scoped {
    /// What the import compares a file against, read from the reader pool (for the dry run).
    pub async fn import_snapshot(&self, today: Date) -> StoreResult<Snapshot> {
        read_snapshot!(self.db.reader(), self.society.id.0, today.to_string()).into_snapshot()
    }

    /// An uploaded member list of this society (never another kind of blob).
    pub async fn import_upload(&self, blob: BlobId) -> StoreResult<Option<ImportUpload>> {
        Ok(on!(self.db.reader(), |c| sqlx::query_as(
            "SELECT u.blob_id, u.file_name, b.sha256, u.created_at, b.data FROM import_upload u \
             JOIN blob b ON b.society_id = u.society_id AND b.id = u.blob_id \
             WHERE u.society_id = $1 AND u.blob_id = $2"
        )
        .bind(self.society.id.0)
        .bind(blob.0)
        .fetch_optional(c)
        .await)?)
    }

    /// The newest import runs first.
    pub async fn import_runs(&self, limit: i64) -> StoreResult<Vec<ImportRun>> {
        Ok(on!(self.db.reader(), |c| sqlx::query_as(
            "SELECT r.id, r.file_name, r.sha256, r.rows_total, r.created, r.updated, r.unchanged, \
             r.created_at, p.display_name AS created_by_name FROM import_run r \
             LEFT JOIN account a ON a.society_id = r.society_id AND a.id = r.created_by \
             LEFT JOIN person p ON p.society_id = a.society_id AND p.id = a.person_id \
             WHERE r.society_id = $1 ORDER BY r.created_at DESC, r.id DESC LIMIT $2"
        )
        .bind(self.society.id.0)
        .bind(limit)
        .fetch_all(c)
        .await)?)
    }

    /// How many people were changed at or after `since` (a re-import that changes nothing
    /// leaves this at zero).
    pub async fn people_updated_since(&self, since: Timestamp) -> StoreResult<i64> {
        Ok(on!(self.db.reader(), |c| sqlx::query_scalar(
            "SELECT COUNT(*) FROM person WHERE society_id = $1 AND updated_at >= $2"
        )
        .bind(self.society.id.0)
        .bind(since.0)
        .fetch_one(c)
        .await)?)
    }

    /// Person details, practices, current groups and custom values of every member, for the
    /// export (which takes the filtered list of memberships from [`Scoped::members`]).
    pub async fn member_export_data(&self, today: Date) -> StoreResult<MemberExportData> {
        let society = self.society.id.0;
        let people = on!(self.db.reader(), |c| sqlx::query_as(
            "SELECT m.id AS membership_id, p.id AS person_id, p.external_id, p.first_name, \
             p.last_name, p.display_name, p.phone FROM membership m \
             JOIN person p ON p.society_id = m.society_id AND p.id = m.person_id \
             WHERE m.society_id = $1"
        )
        .bind(society)
        .fetch_all(c)
        .await)?;
        let practices: Vec<(Uuid, String)> = on!(self.db.reader(), |c| sqlx::query_as(
            "SELECT l.person_id, p.name FROM practice_link l \
             JOIN practice p ON p.society_id = l.society_id AND p.id = l.practice_id \
             WHERE l.society_id = $1 ORDER BY p.name"
        )
        .bind(society)
        .fetch_all(c)
        .await)?;
        let groups: Vec<(Uuid, String)> = on!(self.db.reader(), |c| sqlx::query_as(
            "SELECT m.person_id, c.name FROM committee_member m \
             JOIN committee c ON c.society_id = m.society_id AND c.id = m.committee_id \
             WHERE m.society_id = $1 AND c.kind = 'group' AND (m.end_on IS NULL OR m.end_on >= $2) \
             ORDER BY c.name"
        )
        .bind(society)
        .bind(today.to_string())
        .fetch_all(c)
        .await)?;
        let values: Vec<(Uuid, Uuid, String)> = on!(self.db.reader(), |c| sqlx::query_as(
            "SELECT field_id, person_id, value FROM custom_field_value WHERE society_id = $1"
        )
        .bind(society)
        .fetch_all(c)
        .await)?;
        Ok(MemberExportData {
            people,
            practices: practices
                .into_iter()
                .map(|(p, n)| (PersonId(p), n))
                .collect(),
            groups: groups.into_iter().map(|(p, n)| (PersonId(p), n)).collect(),
            values: values
                .into_iter()
                .map(|(f, p, v)| (CustomFieldId(f), PersonId(p), v))
                .collect(),
        })
    }
}

impl ScopedTx {
    /// The snapshot read inside the import's own transaction, so the plan it checks is the plan
    /// it writes.
    pub async fn import_snapshot(&mut self, today: Date) -> StoreResult<Snapshot> {
        read_snapshot!(self.tx.conn(), self.society_id.0, today.to_string()).into_snapshot()
    }

    pub async fn insert_import_upload(
        &mut self,
        blob: BlobId,
        file_name: &str,
        created_by: Option<UserId>,
        now: Timestamp,
    ) -> StoreResult<()> {
        let society = self.society_id.0;
        exec!(self.tx.conn(), |c| sqlx::query(
            "INSERT INTO import_upload (society_id, blob_id, file_name, created_at, created_by) \
             VALUES ($1, $2, $3, $4, $5)"
        )
        .bind(society)
        .bind(blob.0)
        .bind(file_name)
        .bind(now.0)
        .bind(created_by.map(|u| u.0))
        .execute(c)
        .await)?;
        Ok(())
    }

    /// Delete an uploaded member list: its blob, and with it the upload row. False when this
    /// society has no such upload (another kind of blob is never touched).
    pub async fn delete_import_upload(&mut self, blob: BlobId) -> StoreResult<bool> {
        let society = self.society_id.0;
        let n = exec!(self.tx.conn(), |c| sqlx::query(
            "DELETE FROM blob WHERE society_id = $1 AND id = $2 AND id IN \
             (SELECT u.blob_id FROM import_upload u WHERE u.society_id = $1)"
        )
        .bind(society)
        .bind(blob.0)
        .execute(c)
        .await)?;
        Ok(n > 0)
    }

    /// Delete the uploaded member lists made before `before` (left after a mapping was never
    /// imported). Returns how many.
    pub async fn delete_import_uploads_before(&mut self, before: Timestamp) -> StoreResult<u64> {
        let society = self.society_id.0;
        Ok(exec!(self.tx.conn(), |c| sqlx::query(
            "DELETE FROM blob WHERE society_id = $1 AND id IN \
             (SELECT u.blob_id FROM import_upload u WHERE u.society_id = $1 AND u.created_at < $2)"
        )
        .bind(society)
        .bind(before.0)
        .execute(c)
        .await)?)
    }

    pub async fn insert_import_run(
        &mut self,
        run: &NewImportRun<'_>,
        now: Timestamp,
    ) -> StoreResult<ImportRunId> {
        let id = ImportRunId::new();
        let society = self.society_id.0;
        exec!(self.tx.conn(), |c| {
            sqlx::query(
            "INSERT INTO import_run (society_id, id, file_name, sha256, rows_total, created, \
             updated, unchanged, created_at, created_by) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)"
        )
        .bind(society)
        .bind(id.0)
        .bind(run.file_name)
        .bind(run.sha256)
        .bind(run.rows_total)
        .bind(run.created)
        .bind(run.updated)
        .bind(run.unchanged)
        .bind(now.0)
        .bind(run.created_by.map(|u| u.0))
        .execute(c)
        .await
        })?;
        Ok(id)
    }

    /// Write everything an import plan holds, in dependency order. `progress` is told how many
    /// rows each statement wrote. A unique constraint refusing a row (someone added the same
    /// email meanwhile) is `Conflict` and the caller's transaction writes nothing.
    pub async fn apply_import_plan(
        &mut self,
        plan: &Plan,
        today: Date,
        now: Timestamp,
        progress: &(dyn Fn(u64) + Sync),
    ) -> StoreResult<()> {
        let society = self.society_id.0;
        let today = today.to_string();
        let numbered = self.tx.is_postgres();

        for chunk in plan.new_practices.chunks(batch_rows(4)) {
            let sql = values_sql(
                "INSERT INTO practice (society_id, id, name, created_at)",
                4,
                chunk.len(),
                "",
                numbered,
            );
            exec!(self.tx.conn(), |c| {
                let mut q = sqlx::query(sqlx::AssertSqlSafe(sql));
                for (id, name) in chunk {
                    q = q.bind(society).bind(id.0).bind(name).bind(now.0);
                }
                q.execute(c).await
            })
            .map_err(conflict_on("practice"))?;
            progress(chunk.len() as u64);
        }
        self.analyze_after_bulk(BulkTable::Practice, plan.new_practices.len())
            .await?;

        for chunk in plan.new_groups.chunks(batch_rows(5)) {
            let sql = values_sql(
                "INSERT INTO committee (society_id, id, name, kind, created_at)",
                5,
                chunk.len(),
                "",
                numbered,
            );
            exec!(self.tx.conn(), |c| {
                let mut q = sqlx::query(sqlx::AssertSqlSafe(sql));
                for (id, name) in chunk {
                    q = q
                        .bind(society)
                        .bind(id.0)
                        .bind(name)
                        .bind("group")
                        .bind(now.0);
                }
                q.execute(c).await
            })
            .map_err(conflict_on("group"))?;
            progress(chunk.len() as u64);
        }

        for chunk in plan.new_people.chunks(batch_rows(10)) {
            let sql = values_sql(
                "INSERT INTO person (society_id, id, email, display_name, first_name, last_name, \
                 phone, external_id, created_at, updated_at)",
                10,
                chunk.len(),
                "",
                numbered,
            );
            exec!(self.tx.conn(), |c| {
                let mut q = sqlx::query(sqlx::AssertSqlSafe(sql));
                for p in chunk {
                    q = q
                        .bind(society)
                        .bind(p.id.0)
                        .bind(&p.email)
                        .bind(&p.display_name)
                        .bind(&p.first_name)
                        .bind(&p.last_name)
                        .bind(&p.phone)
                        .bind(&p.external_id)
                        .bind(now.0)
                        .bind(now.0);
                }
                q.execute(c).await
            })
            .map_err(conflict_on("email"))?;
            progress(chunk.len() as u64);
        }
        self.analyze_after_bulk(BulkTable::Person, plan.new_people.len())
            .await?;

        for p in &plan.person_updates {
            exec!(self.tx.conn(), |c| sqlx::query(
                "UPDATE person SET email = $3, display_name = $4, first_name = $5, last_name = $6, \
                 phone = $7, external_id = $8, updated_at = $9 WHERE society_id = $1 AND id = $2"
            )
            .bind(society)
            .bind(p.id.0)
            .bind(&p.email)
            .bind(&p.display_name)
            .bind(&p.first_name)
            .bind(&p.last_name)
            .bind(&p.phone)
            .bind(&p.external_id)
            .bind(now.0)
            .execute(c)
            .await)
            .map_err(conflict_on("email"))?;
            progress(1);
        }

        for chunk in plan.new_memberships.chunks(batch_rows(12)) {
            let sql = values_sql(
                "INSERT INTO membership (society_id, id, person_id, level_id, joined_on, status, \
                 status_since, application, cancelled_on, override_status, override_reason, created_at)",
                12,
                chunk.len(),
                "",
                numbered,
            );
            exec!(self.tx.conn(), |c| {
                let mut q = sqlx::query(sqlx::AssertSqlSafe(sql));
                for m in chunk {
                    q = q
                        .bind(society)
                        .bind(m.id.0)
                        .bind(m.person.0)
                        .bind(m.level.0)
                        .bind(m.joined_on.to_string())
                        .bind(m.status.as_str())
                        .bind(&today)
                        .bind(m.application.map(application_str))
                        .bind(m.cancelled_on.map(|d| d.to_string()))
                        .bind(m.override_status.map(|s| s.as_str()))
                        .bind(&m.override_reason)
                        .bind(now.0);
                }
                q.execute(c).await
            })
            .map_err(conflict_on("person"))?;
            progress(chunk.len() as u64);
        }
        self.analyze_after_bulk(BulkTable::Membership, plan.new_memberships.len())
            .await?;

        for m in &plan.membership_updates {
            exec!(self.tx.conn(), |c| sqlx::query(
                "UPDATE membership SET level_id = $3, joined_on = $4, status = $5, \
                 status_since = CASE WHEN $6 THEN $7 ELSE status_since END, application = $8, \
                 cancelled_on = $9, override_status = $10, override_reason = $11 \
                 WHERE society_id = $1 AND id = $2"
            )
            .bind(society)
            .bind(m.id.0)
            .bind(m.level.0)
            .bind(m.joined_on.to_string())
            .bind(m.status.as_str())
            .bind(m.status_changed)
            .bind(&today)
            .bind(m.application.map(application_str))
            .bind(m.cancelled_on.map(|d| d.to_string()))
            .bind(m.override_status.map(|s| s.as_str()))
            .bind(&m.override_reason)
            .execute(c)
            .await)?;
            progress(1);
        }

        for chunk in plan.new_terms.chunks(batch_rows(7)) {
            let sql = values_sql(
                "INSERT INTO membership_term (society_id, id, membership_id, level_id, start_on, \
                 end_on, created_at)",
                7,
                chunk.len(),
                "",
                numbered,
            );
            exec!(self.tx.conn(), |c| {
                let mut q = sqlx::query(sqlx::AssertSqlSafe(sql));
                for t in chunk {
                    q = q
                        .bind(society)
                        .bind(TermId::new().0)
                        .bind(t.membership.0)
                        .bind(t.level.0)
                        .bind(t.term.start.to_string())
                        .bind(t.term.end.map(|d| d.to_string()))
                        .bind(now.0);
                }
                q.execute(c).await
            })
            .map_err(conflict_on("term"))?;
            progress(chunk.len() as u64);
        }

        for chunk in plan.new_practice_links.chunks(batch_rows(4)) {
            let sql = values_sql(
                "INSERT INTO practice_link (society_id, practice_id, person_id, created_at)",
                4,
                chunk.len(),
                "",
                numbered,
            );
            exec!(self.tx.conn(), |c| {
                let mut q = sqlx::query(sqlx::AssertSqlSafe(sql));
                for (practice, person) in chunk {
                    q = q.bind(society).bind(practice.0).bind(person.0).bind(now.0);
                }
                q.execute(c).await
            })?;
            progress(chunk.len() as u64);
        }

        for chunk in plan.new_group_members.chunks(batch_rows(6)) {
            let sql = values_sql(
                "INSERT INTO committee_member (society_id, id, committee_id, person_id, role, created_at)",
                6,
                chunk.len(),
                "",
                numbered,
            );
            exec!(self.tx.conn(), |c| {
                let mut q = sqlx::query(sqlx::AssertSqlSafe(sql));
                for (committee, person) in chunk {
                    q = q
                        .bind(society)
                        .bind(CommitteeMemberId::new().0)
                        .bind(committee.0)
                        .bind(person.0)
                        .bind("member")
                        .bind(now.0);
                }
                q.execute(c).await
            })?;
            progress(chunk.len() as u64);
        }

        for chunk in plan.custom_values.chunks(batch_rows(4)) {
            let sql = values_sql(
                "INSERT INTO custom_field_value (society_id, field_id, person_id, value)",
                4,
                chunk.len(),
                " ON CONFLICT (society_id, field_id, person_id) DO UPDATE SET value = excluded.value",
                numbered,
            );
            exec!(self.tx.conn(), |c| {
                let mut q = sqlx::query(sqlx::AssertSqlSafe(sql));
                for (field, person, value) in chunk {
                    q = q.bind(society).bind(field.0).bind(person.0).bind(value);
                }
                q.execute(c).await
            })?;
            progress(chunk.len() as u64);
        }
        Ok(())
    }

    /// PostgreSQL plans the foreign-key check of every row inserted next from the referenced
    /// table's statistics. A table that has just received most of its rows in this transaction
    /// (a society's first big import) has none, and each check would then scan the table:
    /// 50,000 practice links took 5–10 s instead of 1. Analysing the table first keeps a big
    /// import linear. SQLite needs nothing of the kind; small imports skip it.
    pub(crate) async fn analyze_after_bulk(
        &mut self,
        table: BulkTable,
        inserted: usize,
    ) -> StoreResult<()> {
        if !self.tx.is_postgres() || inserted < 1000 {
            return Ok(());
        }
        let sql = match table {
            BulkTable::Practice => "ANALYZE practice",
            BulkTable::Person => "ANALYZE person",
            BulkTable::Membership => "ANALYZE membership",
        };
        exec!(self.tx.conn(), |c| sqlx::query(sql).execute(c).await)?;
        Ok(())
    }
}

/// Tables an import may fill in bulk before rows that refer to them.
pub(crate) enum BulkTable {
    Practice,
    Person,
    Membership,
}

#[cfg(test)]
mod tests {
    #[test]
    fn placeholders_are_numbered_across_rows() {
        assert_eq!(
            super::values_sql(
                "INSERT INTO t (a, b)",
                2,
                2,
                " ON CONFLICT DO NOTHING",
                true
            ),
            "INSERT INTO t (a, b) VALUES ($1, $2), ($3, $4) ON CONFLICT DO NOTHING"
        );
        assert_eq!(
            super::values_sql("INSERT INTO t (a)", 1, 2, "", false),
            "INSERT INTO t (a) VALUES (?), (?)"
        );
        assert_eq!(super::batch_rows(12), 1000);
        assert_eq!(super::batch_rows(100), 300);
    }
}
