//! Membership levels, memberships and their terms. Dates are stored as ISO text in the society's
//! zone; the status is stored (with `status_since`) so lists filter by it quickly, and is
//! recomputed by the daily run from the rows here.

use chapterhouse_core::membership::{Application, Status, Term};
use chapterhouse_core::{
    CommitteeId, LevelId, MembershipId, PersonId, PracticeId, TermId, Timestamp,
};
use jiff::civil::Date;
use uuid::Uuid;

use crate::{Scoped, ScopedTx, StoreError, StoreResult, conflict_on, exec, on};

#[derive(Clone, Debug, sqlx::FromRow)]
pub struct Level {
    #[sqlx(try_from = "Uuid")]
    pub id: LevelId,
    pub name: String,
    pub description: String,
    pub for_practices: bool,
    pub fee_cents: i64,
    pub period_months: Option<i64>,
    pub fixed_month: Option<i64>,
    pub fixed_day: Option<i64>,
    pub grace_days: i64,
    pub approval_required: bool,
    pub prorate: bool,
    pub sort_order: i64,
    pub archived: bool,
}

#[derive(Clone, Debug)]
pub struct LevelFields {
    pub name: String,
    pub description: String,
    pub for_practices: bool,
    pub fee_cents: i64,
    pub period_months: Option<i64>,
    pub fixed_month: Option<i64>,
    pub fixed_day: Option<i64>,
    pub grace_days: i64,
    pub approval_required: bool,
    pub prorate: bool,
    pub sort_order: i64,
}

/// A row of the staff members list.
#[derive(Clone, Debug, sqlx::FromRow)]
pub struct MemberRow {
    #[sqlx(try_from = "Uuid")]
    pub id: MembershipId,
    /// The person, for the link to their staff page.
    #[sqlx(try_from = "Uuid")]
    pub person_id: PersonId,
    pub display_name: String,
    pub email: String,
    pub level_name: String,
    pub status: String,
    pub status_since: String,
    pub joined_on: String,
    pub term_end: Option<String>,
}

/// Filters for the members list; all optional. Build one from a page's query string with
/// `chapterhouse_app::member_list::MemberQuery::to_filter`.
#[derive(Clone, Debug, Default)]
pub struct MemberFilter {
    pub status: Option<Status>,
    pub level: Option<LevelId>,
    /// Matched against name and email, case-insensitively.
    pub search: Option<String>,
    /// Linked to (or paid for by) this practice.
    pub practice: Option<PracticeId>,
    /// `person.specialty`, exactly.
    pub specialty: Option<String>,
    /// On this committee (a current seat when `today` is given).
    pub committee: Option<CommitteeId>,
    /// The state of the person's practice address (`person_address` of kind 'practice').
    pub state: Option<String>,
    /// The latest term ends between these dates, inclusive ("renewal due in N days").
    pub term_end_between: Option<(Date, Date)>,
    /// The society's today: committee seats that ended before it do not count.
    pub today: Option<Date>,
    pub limit: i64,
    /// Where the page starts, in name order (none: the first page).
    pub page: Option<PageFrom>,
}

/// Keyset paging of the members list, which is in name order (display name, then email: an
/// email is unique in a society, so the pair is too). A page is found through the name index
/// from a row's key, never by counting rows to skip.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum PageFrom {
    /// The rows after this membership's row (the next page).
    After(MembershipId),
    /// The rows before this membership's row (the previous page), still listed in name order.
    Before(MembershipId),
}

/// What the status rules need about one membership.
#[derive(Clone, Debug)]
pub struct MembershipState {
    pub id: MembershipId,
    pub status: Status,
    pub application: Option<Application>,
    pub cancelled_on: Option<Date>,
    pub suspended: bool,
    pub override_status: Option<Status>,
    /// For a seat: the paying practice's stored status (the seat follows it).
    pub practice_status: Option<Status>,
    pub grace_days: u16,
    pub terms: Vec<Term>,
}

#[derive(sqlx::FromRow)]
struct StateRow {
    id: Uuid,
    status: String,
    application: Option<String>,
    cancelled_on: Option<String>,
    suspended: bool,
    override_status: Option<String>,
    practice_status: Option<String>,
    grace_days: i64,
}

#[derive(sqlx::FromRow)]
struct TermRow {
    membership_id: Uuid,
    start_on: String,
    end_on: Option<String>,
}

pub fn parse_status(text: &str) -> Option<Status> {
    [
        Status::Pending,
        Status::Active,
        Status::Grace,
        Status::Lapsed,
        Status::Suspended,
        Status::Cancelled,
    ]
    .into_iter()
    .find(|s| s.as_str() == text)
}

fn parse_application(text: &str) -> Option<Application> {
    match text {
        "pending" => Some(Application::Pending),
        "approved" => Some(Application::Approved),
        "rejected" => Some(Application::Rejected),
        _ => None,
    }
}

pub fn application_str(application: Application) -> &'static str {
    match application {
        Application::Pending => "pending",
        Application::Approved => "approved",
        Application::Rejected => "rejected",
    }
}

fn parse_date(text: &str) -> StoreResult<Date> {
    text.parse()
        .map_err(|e| StoreError::Config(format!("stored date {text:?} is not a date: {e}")))
}

impl Scoped {
    pub async fn levels(&self) -> StoreResult<Vec<Level>> {
        Ok(on!(self.db.reader(), |c| sqlx::query_as(
            "SELECT id, name, description, for_practices, fee_cents, period_months, fixed_month, \
             fixed_day, grace_days, approval_required, prorate, sort_order, archived \
             FROM membership_level WHERE society_id = $1 ORDER BY archived, sort_order, name"
        )
        .bind(self.society.id.0)
        .fetch_all(c)
        .await)?)
    }

    pub async fn level(&self, id: LevelId) -> StoreResult<Option<Level>> {
        Ok(on!(self.db.reader(), |c| sqlx::query_as(
            "SELECT id, name, description, for_practices, fee_cents, period_months, fixed_month, \
             fixed_day, grace_days, approval_required, prorate, sort_order, archived \
             FROM membership_level WHERE society_id = $1 AND id = $2"
        )
        .bind(self.society.id.0)
        .bind(id.0)
        .fetch_optional(c)
        .await)?)
    }

    /// The staff members list, by name; see `member_list.rs` for the filters.
    pub async fn members(&self, filter: &MemberFilter) -> StoreResult<Vec<MemberRow>> {
        self.filtered_members(filter).await
    }

    /// Every membership with its terms, for the daily status run (two queries, grouped here).
    pub async fn membership_states(&self) -> StoreResult<Vec<MembershipState>> {
        self.states_of(None).await
    }

    /// One membership with its terms.
    pub async fn membership_state(&self, id: MembershipId) -> StoreResult<Option<MembershipState>> {
        Ok(self.states_of(Some(id)).await?.pop())
    }

    async fn states_of(&self, only: Option<MembershipId>) -> StoreResult<Vec<MembershipState>> {
        let only = only.map(|id| id.0);
        let rows: Vec<StateRow> = on!(self.db.reader(), |c| {
            sqlx::query_as(
            "SELECT m.id, m.status, m.application, m.cancelled_on, m.suspended, m.override_status, \
             pr.status AS practice_status, l.grace_days FROM membership m \
             JOIN membership_level l ON l.society_id = m.society_id AND l.id = m.level_id \
             LEFT JOIN membership_seat s ON s.society_id = m.society_id AND s.membership_id = m.id \
             LEFT JOIN practice pr ON pr.society_id = s.society_id AND pr.id = s.practice_id \
             WHERE m.society_id = $1 AND ($2 IS NULL OR m.id = $2)"
        )
        .bind(self.society.id.0)
        .bind(only)
        .fetch_all(c)
        .await
        })?;
        let terms: Vec<TermRow> = on!(self.db.reader(), |c| sqlx::query_as(
            "SELECT membership_id, start_on, end_on FROM membership_term \
             WHERE society_id = $1 AND ($2 IS NULL OR membership_id = $2)"
        )
        .bind(self.society.id.0)
        .bind(only)
        .fetch_all(c)
        .await)?;
        let mut by_membership: std::collections::HashMap<Uuid, Vec<Term>> =
            std::collections::HashMap::new();
        for t in terms {
            let term = Term {
                start: parse_date(&t.start_on)?,
                end: t.end_on.as_deref().map(parse_date).transpose()?,
            };
            by_membership.entry(t.membership_id).or_default().push(term);
        }
        rows.into_iter()
            .map(|r| {
                Ok(MembershipState {
                    id: MembershipId(r.id),
                    status: parse_status(&r.status).unwrap_or(Status::Pending),
                    application: r.application.as_deref().and_then(parse_application),
                    cancelled_on: r.cancelled_on.as_deref().map(parse_date).transpose()?,
                    suspended: r.suspended,
                    override_status: r.override_status.as_deref().and_then(parse_status),
                    practice_status: r.practice_status.as_deref().and_then(parse_status),
                    grace_days: u16::try_from(r.grace_days).unwrap_or(u16::MAX),
                    terms: by_membership.remove(&r.id).unwrap_or_default(),
                })
            })
            .collect()
    }

    pub async fn membership_level_id(&self, id: MembershipId) -> StoreResult<Option<LevelId>> {
        let level: Option<Uuid> = on!(self.db.reader(), |c| sqlx::query_scalar(
            "SELECT level_id FROM membership WHERE society_id = $1 AND id = $2"
        )
        .bind(self.society.id.0)
        .bind(id.0)
        .fetch_optional(c)
        .await)?;
        Ok(level.map(LevelId))
    }

    pub async fn person_by_email(&self, email: &str) -> StoreResult<Option<PersonId>> {
        let id: Option<Uuid> = on!(self.db.reader(), |c| sqlx::query_scalar(
            "SELECT id FROM person WHERE society_id = $1 AND email = $2"
        )
        .bind(self.society.id.0)
        .bind(email)
        .fetch_optional(c)
        .await)?;
        Ok(id.map(PersonId))
    }

    /// [`Scoped::person_by_email`] for many addresses at once (a query per 500): each email
    /// that belongs to someone, with their id.
    pub async fn people_by_emails(
        &self,
        emails: &[String],
    ) -> StoreResult<Vec<(String, PersonId)>> {
        let mut found = Vec::new();
        for chunk in emails.chunks(500) {
            let marks: Vec<String> = (0..chunk.len()).map(|i| format!("${}", i + 2)).collect();
            let sql = format!(
                "SELECT email, id FROM person WHERE society_id = $1 AND email IN ({})",
                marks.join(", ")
            );
            let rows: Vec<(String, Uuid)> = on!(self.db.reader(), |c| {
                let mut query =
                    sqlx::query_as(sqlx::AssertSqlSafe(sql.clone())).bind(self.society.id.0);
                for email in chunk {
                    query = query.bind(email.clone());
                }
                query.fetch_all(c).await
            })?;
            found.extend(rows.into_iter().map(|(email, id)| (email, PersonId(id))));
        }
        Ok(found)
    }
}

impl ScopedTx {
    pub async fn insert_level(
        &mut self,
        fields: &LevelFields,
        now: Timestamp,
    ) -> StoreResult<LevelId> {
        let id = LevelId::new();
        let society = self.society_id.0;
        exec!(self.tx.conn(), |c| sqlx::query(
            "INSERT INTO membership_level (society_id, id, name, description, for_practices, \
             fee_cents, period_months, fixed_month, fixed_day, grace_days, approval_required, \
             prorate, sort_order, created_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14)"
        )
        .bind(society)
        .bind(id.0)
        .bind(&fields.name)
        .bind(&fields.description)
        .bind(fields.for_practices)
        .bind(fields.fee_cents)
        .bind(fields.period_months)
        .bind(fields.fixed_month)
        .bind(fields.fixed_day)
        .bind(fields.grace_days)
        .bind(fields.approval_required)
        .bind(fields.prorate)
        .bind(fields.sort_order)
        .bind(now.0)
        .execute(c)
        .await)
        .map_err(conflict_on("name"))?;
        Ok(id)
    }

    pub async fn insert_person(
        &mut self,
        email: &str,
        display_name: &str,
        now: Timestamp,
    ) -> StoreResult<PersonId> {
        let id = PersonId::new();
        let society = self.society_id.0;
        exec!(self.tx.conn(), |c| sqlx::query(
            "INSERT INTO person (society_id, id, email, display_name, created_at) VALUES ($1, $2, $3, $4, $5)"
        )
        .bind(society)
        .bind(id.0)
        .bind(email)
        .bind(display_name)
        .bind(now.0)
        .execute(c)
        .await)
        .map_err(conflict_on("email"))?;
        Ok(id)
    }

    #[allow(clippy::too_many_arguments)]
    pub async fn insert_membership(
        &mut self,
        person: PersonId,
        level: LevelId,
        joined_on: Date,
        status: Status,
        application: Option<Application>,
        now: Timestamp,
    ) -> StoreResult<MembershipId> {
        let id = MembershipId::new();
        let society = self.society_id.0;
        exec!(self.tx.conn(), |c| sqlx::query(
            "INSERT INTO membership (society_id, id, person_id, level_id, joined_on, status, \
             status_since, application, created_at) VALUES ($1, $2, $3, $4, $5, $6, $5, $7, $8)"
        )
        .bind(society)
        .bind(id.0)
        .bind(person.0)
        .bind(level.0)
        .bind(joined_on.to_string())
        .bind(status.as_str())
        .bind(application.map(application_str))
        .bind(now.0)
        .execute(c)
        .await)
        .map_err(conflict_on("person"))?;
        Ok(id)
    }

    /// Add a paid term. A second term with the same start (a double-submitted renewal) is
    /// `Conflict("term")` and adds nothing.
    pub async fn insert_term(
        &mut self,
        membership: MembershipId,
        level: LevelId,
        term: &Term,
        now: Timestamp,
    ) -> StoreResult<TermId> {
        let id = TermId::new();
        let society = self.society_id.0;
        exec!(self.tx.conn(), |c| sqlx::query(
            "INSERT INTO membership_term (society_id, id, membership_id, level_id, start_on, end_on, created_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7)"
        )
        .bind(society)
        .bind(id.0)
        .bind(membership.0)
        .bind(level.0)
        .bind(term.start.to_string())
        .bind(term.end.map(|d| d.to_string()))
        .bind(now.0)
        .execute(c)
        .await)
        .map_err(conflict_on("term"))?;
        Ok(id)
    }

    /// Store a newly computed status; `status_since` moves only when the status changes.
    /// Returns whether it changed.
    pub async fn set_membership_status(
        &mut self,
        id: MembershipId,
        status: Status,
        today: Date,
    ) -> StoreResult<bool> {
        let society = self.society_id.0;
        let n = exec!(self.tx.conn(), |c| sqlx::query(
            "UPDATE membership SET status = $3, status_since = $4 \
             WHERE society_id = $1 AND id = $2 AND status <> $3"
        )
        .bind(society)
        .bind(id.0)
        .bind(status.as_str())
        .bind(today.to_string())
        .execute(c)
        .await)?;
        Ok(n == 1)
    }
}
