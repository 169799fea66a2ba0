//! Staff work on a person's record: the person page's reads (summary, membership, terms, notes,
//! audit history), pending applications, people search, suspension and status overrides, merging
//! a duplicate person into another, and erasing a person (delete or anonymise).
//!
//! Every table that references `person` or `account` must be handled by the merge and the
//! erasure: [`PERSON_REFERENCES`] lists them, and a store test compares that list with the schema,
//! so a new table that points at a person cannot be forgotten here.

use chapterhouse_core::membership::{Application, Status};
use chapterhouse_core::{MembershipId, NoteId, PersonId, Timestamp, UserId};
use jiff::civil::Date;
use uuid::Uuid;

use crate::membership::application_str;
use crate::{Scoped, ScopedTx, StoreResult, exec, on};

/// Every (table, column) whose foreign key points at `person` or `account`, as the merge and the
/// erasure handle them. Keep in step with the migrations (a store test checks).
pub const PERSON_REFERENCES: &[(&str, &str, &str)] = &[
    ("account", "person_id", "person"),
    ("membership", "person_id", "person"),
    ("person_taxonomy", "person_id", "person"),
    ("person_licence", "person_id", "person"),
    ("person_address", "person_id", "person"),
    ("person_field_visibility", "person_id", "person"),
    ("person_note", "person_id", "person"),
    ("person_note", "author_account_id", "account"),
    ("custom_field_value", "person_id", "person"),
    ("committee_member", "person_id", "person"),
    ("practice", "key_contact_id", "person"),
    ("practice", "billing_contact_id", "person"),
    ("practice_link", "person_id", "person"),
    ("invoice", "person_id", "person"),
    ("invoice_line", "person_id", "person"),
    ("payment_method", "person_id", "person"),
    // A pending "add a card" session at the processor: merge drops the duplicate's with it
    // (cascade), erasure deletes it.
    ("setup_session", "person_id", "person"),
    ("session", "account_id", "account"),
    ("login_token", "account_id", "account"),
    ("invitation", "invited_by", "account"),
    ("page", "updated_by", "account"),
    ("invoice", "created_by", "account"),
    ("payment", "created_by", "account"),
    ("refund", "created_by", "account"),
    ("credit_memo", "created_by", "account"),
    ("import_run", "created_by", "account"),
    ("import_upload", "created_by", "account"),
    // Events and education: the educational record is kept (a person with any of these is
    // anonymised, not deleted); a merge moves them, the kept person's own rows winning a clash.
    ("registration", "person_id", "person"),
    ("attendance", "person_id", "person"),
    ("event_faculty", "person_id", "person"),
    ("evaluation", "person_id", "person"),
    ("credit_claim", "person_id", "person"),
];

/// The person as the staff person page shows them.
#[derive(Clone, Debug, sqlx::FromRow)]
pub struct PersonFile {
    #[sqlx(try_from = "Uuid")]
    pub id: PersonId,
    pub email: String,
    pub display_name: String,
    pub first_name: String,
    pub last_name: String,
    pub credentials: String,
    pub profession: String,
    pub npi: Option<String>,
    pub specialty: String,
    pub phone: String,
    pub anonymised_at: Option<i64>,
    pub created_at: i64,
    pub account_id: Option<Uuid>,
    pub account_role: Option<String>,
    pub account_disabled_at: Option<i64>,
}

impl PersonFile {
    /// Staff-side accounts (staff, admin, owner) are not merged away or erased from these pages.
    pub fn has_staff_account(&self) -> bool {
        self.account_role.as_deref().is_some_and(|r| r != "member")
    }
}

/// A person's membership with its level, as the person page shows it.
#[derive(Clone, Debug, sqlx::FromRow)]
pub struct MembershipFile {
    #[sqlx(try_from = "Uuid")]
    pub id: MembershipId,
    pub level_id: Uuid,
    pub level_name: String,
    pub fee_cents: i64,
    pub joined_on: String,
    pub status: String,
    pub status_since: String,
    pub application: Option<String>,
    pub cancelled_on: Option<String>,
    pub suspended: bool,
    pub suspended_reason: String,
    pub override_status: Option<String>,
    pub override_reason: String,
}

#[derive(Clone, Debug, sqlx::FromRow)]
pub struct TermListRow {
    pub start_on: String,
    pub end_on: Option<String>,
    pub level_name: String,
}

#[derive(Clone, Debug, sqlx::FromRow)]
pub struct NoteRow {
    #[sqlx(try_from = "Uuid")]
    pub id: NoteId,
    pub body: String,
    pub author_name: Option<String>,
    pub created_at: i64,
}

#[derive(Clone, Debug, sqlx::FromRow)]
pub struct HistoryRow {
    pub at: i64,
    pub actor_name: Option<String>,
    pub action: String,
    pub detail: String,
}

/// A pending application with what the applicant submitted.
#[derive(Clone, Debug, sqlx::FromRow)]
pub struct ApplicationRow {
    #[sqlx(try_from = "Uuid")]
    pub membership_id: MembershipId,
    #[sqlx(try_from = "Uuid")]
    pub person_id: PersonId,
    pub display_name: String,
    pub email: String,
    pub credentials: String,
    pub profession: String,
    pub npi: Option<String>,
    pub specialty: String,
    pub phone: String,
    pub level_name: String,
    pub fee_cents: i64,
    pub joined_on: String,
    pub created_at: i64,
    pub paid_terms: i64,
    /// Practices the applicant is linked to (filled by a second query).
    #[sqlx(skip)]
    pub practices: Vec<String>,
}

/// A person found by name or email.
#[derive(Clone, Debug, sqlx::FromRow)]
pub struct PersonMatch {
    #[sqlx(try_from = "Uuid")]
    pub id: PersonId,
    pub display_name: String,
    pub email: String,
    pub status: Option<String>,
}

/// How many rows of each kind belong to a person: what a merge moves, what an erasure removes.
#[derive(Clone, Debug, Default, PartialEq, Eq, sqlx::FromRow)]
pub struct PersonRowCounts {
    pub notes: i64,
    pub committee_seats: i64,
    pub taxonomy_codes: i64,
    pub licences: i64,
    pub addresses: i64,
    pub visibility_choices: i64,
    pub custom_values: i64,
    pub practice_links: i64,
    pub practice_contacts: i64,
    pub invoices: i64,
    pub invoice_lines: i64,
    pub payments: i64,
    pub payment_methods: i64,
    pub terms: i64,
    pub sessions: i64,
    /// Documents and pages their account wrote (a member's own portal payments…).
    pub authored_records: i64,
    /// Registrations, attendance, faculty roles, evaluations and credit claims: the educational
    /// record accreditors audit.
    pub education_records: i64,
}

impl PersonRowCounts {
    /// Invoices, their lines or payments that name the person: these are kept as the legal record.
    pub fn has_financial_records(&self) -> bool {
        self.invoices > 0 || self.invoice_lines > 0 || self.payments > 0
    }

    /// Records that outlive a deletion request: the ledger and the educational record.
    pub fn has_kept_records(&self) -> bool {
        self.has_financial_records() || self.authored_records > 0 || self.education_records > 0
    }
}

/// How the memberships move in a merge (see `core::records::plan_membership_merge`).
#[derive(Clone, Debug)]
pub struct MembershipMove {
    /// The membership that remains.
    pub survivor: MembershipId,
    /// It was the duplicate's: it is handed to the kept person.
    pub survivor_from_duplicate: bool,
    /// The membership that goes (its non-overlapping terms moved first).
    pub loser: Option<MembershipId>,
    /// Start dates of the loser's terms that move to the survivor.
    pub move_term_starts: Vec<Date>,
}

/// What a merge did, for the audit entry (counts only: no personal data).
#[derive(Clone, Debug, Default)]
pub struct MergeReport {
    pub rows_moved: u64,
    pub terms_moved: u64,
    /// The duplicate's account was handed to the kept person (who had none), rather than deleted.
    pub account_moved: bool,
    pub account_deleted: bool,
}

#[derive(sqlx::FromRow)]
struct PracticeOf {
    person_id: Uuid,
    name: String,
}

#[derive(sqlx::FromRow)]
struct Blanks {
    first_name: String,
    last_name: String,
    credentials: String,
    profession: String,
    npi: Option<String>,
    specialty: String,
    phone: String,
    abim_id: String,
    nabp_eprofile_id: String,
    birth_month: Option<i64>,
    birth_day: Option<i64>,
    external_id: Option<String>,
}

/// `%text%` for LIKE with `\` as the escape character, so `_` and `%` match themselves.
fn like_pattern(text: &str) -> String {
    let mut out = String::from("%");
    for c in text.to_lowercase().chars() {
        if matches!(c, '%' | '_' | '\\') {
            out.push('\\');
        }
        out.push(c);
    }
    out.push('%');
    out
}

impl Scoped {
    pub async fn person_file(&self, id: PersonId) -> StoreResult<Option<PersonFile>> {
        Ok(on!(self.db.reader(), |c| sqlx::query_as(
            "SELECT p.id, p.email, p.display_name, p.first_name, p.last_name, p.credentials, \
             p.profession, p.npi, p.specialty, p.phone, p.anonymised_at, p.created_at, \
             a.id AS account_id, a.role AS account_role, a.disabled_at AS account_disabled_at \
             FROM person p \
             LEFT JOIN account a ON a.society_id = p.society_id AND a.person_id = p.id \
             WHERE p.society_id = $1 AND p.id = $2"
        )
        .bind(self.society.id.0)
        .bind(id.0)
        .fetch_optional(c)
        .await)?)
    }

    pub async fn membership_file_of(
        &self,
        person: PersonId,
    ) -> StoreResult<Option<MembershipFile>> {
        Ok(on!(self.db.reader(), |c| sqlx::query_as(
            "SELECT m.id, m.level_id, l.name AS level_name, l.fee_cents, m.joined_on, m.status, \
             m.status_since, m.application, m.cancelled_on, m.suspended, m.suspended_reason, \
             m.override_status, m.override_reason \
             FROM membership m \
             JOIN membership_level l ON l.society_id = m.society_id AND l.id = m.level_id \
             WHERE m.society_id = $1 AND m.person_id = $2"
        )
        .bind(self.society.id.0)
        .bind(person.0)
        .fetch_optional(c)
        .await)?)
    }

    pub async fn person_of_membership(
        &self,
        membership: MembershipId,
    ) -> StoreResult<Option<PersonId>> {
        let id: Option<Uuid> = on!(self.db.reader(), |c| sqlx::query_scalar(
            "SELECT person_id FROM membership WHERE society_id = $1 AND id = $2"
        )
        .bind(self.society.id.0)
        .bind(membership.0)
        .fetch_optional(c)
        .await)?;
        Ok(id.map(PersonId))
    }

    /// A membership's terms, latest first, with the level each was paid at.
    pub async fn term_list(&self, membership: MembershipId) -> StoreResult<Vec<TermListRow>> {
        Ok(on!(self.db.reader(), |c| sqlx::query_as(
            "SELECT t.start_on, t.end_on, l.name AS level_name FROM membership_term t \
             JOIN membership_level l ON l.society_id = t.society_id AND l.id = t.level_id \
             WHERE t.society_id = $1 AND t.membership_id = $2 ORDER BY t.start_on DESC"
        )
        .bind(self.society.id.0)
        .bind(membership.0)
        .fetch_all(c)
        .await)?)
    }

    /// Staff notes about a person, newest first.
    pub async fn person_notes(&self, person: PersonId) -> StoreResult<Vec<NoteRow>> {
        Ok(on!(self.db.reader(), |c| sqlx::query_as(
            "SELECT n.id, n.body, p.display_name AS author_name, n.created_at FROM person_note n \
             LEFT JOIN account a ON a.society_id = n.society_id AND a.id = n.author_account_id \
             LEFT JOIN person p ON p.society_id = a.society_id AND p.id = a.person_id \
             WHERE n.society_id = $1 AND n.person_id = $2 \
             ORDER BY n.created_at DESC, n.id DESC"
        )
        .bind(self.society.id.0)
        .bind(person.0)
        .fetch_all(c)
        .await)?)
    }

    /// Audit entries about a person: those whose subject is their id, their membership's id or
    /// their email address (older entries name people by email). Newest first.
    pub async fn person_history(
        &self,
        person: PersonId,
        email: &str,
        membership: Option<MembershipId>,
        limit: i64,
    ) -> StoreResult<Vec<HistoryRow>> {
        let membership = membership
            .map(|m| m.to_string())
            .unwrap_or(person.to_string());
        Ok(on!(self.db.reader(), |c| sqlx::query_as(
            "SELECT l.at, p.display_name AS actor_name, l.action, l.detail FROM audit_log l \
             LEFT JOIN account a ON a.society_id = l.society_id AND a.id = l.actor_account_id \
             LEFT JOIN person p ON p.society_id = a.society_id AND p.id = a.person_id \
             WHERE l.society_id = $1 AND (l.subject = $2 OR l.subject = $3 OR l.subject = $4) \
             ORDER BY l.at DESC, l.id DESC LIMIT $5"
        )
        .bind(self.society.id.0)
        .bind(person.to_string())
        .bind(email)
        .bind(&membership)
        .bind(limit)
        .fetch_all(c)
        .await)?)
    }

    /// Applications waiting for a decision, newest first, with the practices each applicant named.
    pub async fn pending_applications(&self) -> StoreResult<Vec<ApplicationRow>> {
        let mut rows: Vec<ApplicationRow> = on!(self.db.reader(), |c| sqlx::query_as(
            "SELECT m.id AS membership_id, p.id AS person_id, p.display_name, p.email, \
             p.credentials, p.profession, p.npi, p.specialty, p.phone, l.name AS level_name, \
             l.fee_cents, m.joined_on, m.created_at, \
             (SELECT COUNT(*) FROM membership_term t \
               WHERE t.society_id = m.society_id AND t.membership_id = m.id) AS paid_terms \
             FROM membership m \
             JOIN person p ON p.society_id = m.society_id AND p.id = m.person_id \
             JOIN membership_level l ON l.society_id = m.society_id AND l.id = m.level_id \
             WHERE m.society_id = $1 AND m.application = 'pending' \
             ORDER BY m.created_at DESC, m.id DESC"
        )
        .bind(self.society.id.0)
        .fetch_all(c)
        .await)?;
        let practices: Vec<PracticeOf> = on!(self.db.reader(), |c| sqlx::query_as(
            "SELECT pl.person_id, pr.name FROM practice_link pl \
             JOIN practice pr ON pr.society_id = pl.society_id AND pr.id = pl.practice_id \
             JOIN membership m ON m.society_id = pl.society_id AND m.person_id = pl.person_id \
             WHERE pl.society_id = $1 AND m.application = 'pending' ORDER BY pr.name"
        )
        .bind(self.society.id.0)
        .fetch_all(c)
        .await)?;
        for row in &mut rows {
            row.practices = practices
                .iter()
                .filter(|p| p.person_id == row.person_id.0)
                .map(|p| p.name.clone())
                .collect();
        }
        Ok(rows)
    }

    /// People whose name or email contains `query` (case-insensitive), leaving out `except` and
    /// anonymised people. At most `limit`.
    pub async fn find_people(
        &self,
        query: &str,
        except: Option<PersonId>,
        limit: i64,
    ) -> StoreResult<Vec<PersonMatch>> {
        let pattern = like_pattern(query.trim());
        Ok(on!(self.db.reader(), |c| sqlx::query_as(
            "SELECT p.id, p.display_name, p.email, m.status FROM person p \
             LEFT JOIN membership m ON m.society_id = p.society_id AND m.person_id = p.id \
             WHERE p.society_id = $1 AND p.anonymised_at IS NULL AND p.id <> $2 \
               AND (LOWER(p.display_name) LIKE $3 ESCAPE '\\' OR p.email LIKE $3 ESCAPE '\\' \
                    OR LOWER(p.first_name || ' ' || p.last_name) LIKE $3 ESCAPE '\\') \
             ORDER BY p.display_name, p.email LIMIT $4"
        )
        .bind(self.society.id.0)
        .bind(except.map(|p| p.0).unwrap_or(Uuid::nil()))
        .bind(&pattern)
        .bind(limit)
        .fetch_all(c)
        .await)?)
    }

    /// The rows that belong to a person, by kind.
    pub async fn person_row_counts(&self, person: PersonId) -> StoreResult<PersonRowCounts> {
        Ok(on!(self.db.reader(), |c| {
            sqlx::query_as(
            "SELECT \
             (SELECT COUNT(*) FROM person_note WHERE society_id = $1 AND person_id = $2) AS notes, \
             (SELECT COUNT(*) FROM committee_member WHERE society_id = $1 AND person_id = $2) AS committee_seats, \
             (SELECT COUNT(*) FROM person_taxonomy WHERE society_id = $1 AND person_id = $2) AS taxonomy_codes, \
             (SELECT COUNT(*) FROM person_licence WHERE society_id = $1 AND person_id = $2) AS licences, \
             (SELECT COUNT(*) FROM person_address WHERE society_id = $1 AND person_id = $2) AS addresses, \
             (SELECT COUNT(*) FROM person_field_visibility WHERE society_id = $1 AND person_id = $2) AS visibility_choices, \
             (SELECT COUNT(*) FROM custom_field_value WHERE society_id = $1 AND person_id = $2) AS custom_values, \
             (SELECT COUNT(*) FROM practice_link WHERE society_id = $1 AND person_id = $2) AS practice_links, \
             (SELECT COUNT(*) FROM practice WHERE society_id = $1 \
                AND (key_contact_id = $2 OR billing_contact_id = $2)) AS practice_contacts, \
             (SELECT COUNT(*) FROM invoice i WHERE i.society_id = $1 AND (i.person_id = $2 \
                OR i.membership_id IN (SELECT id FROM membership WHERE society_id = $1 AND person_id = $2))) AS invoices, \
             (SELECT COUNT(*) FROM invoice_line WHERE society_id = $1 AND person_id = $2) AS invoice_lines, \
             (SELECT COUNT(*) FROM payment y JOIN invoice i ON i.society_id = y.society_id AND i.id = y.invoice_id \
                WHERE y.society_id = $1 AND (i.person_id = $2 \
                OR i.membership_id IN (SELECT id FROM membership WHERE society_id = $1 AND person_id = $2))) AS payments, \
             (SELECT COUNT(*) FROM payment_method WHERE society_id = $1 AND person_id = $2) AS payment_methods, \
             (SELECT COUNT(*) FROM membership_term t JOIN membership m ON m.society_id = t.society_id AND m.id = t.membership_id \
                WHERE t.society_id = $1 AND m.person_id = $2) AS terms, \
             (SELECT COUNT(*) FROM session s JOIN account a ON a.society_id = s.society_id AND a.id = s.account_id \
                WHERE s.society_id = $1 AND a.person_id = $2) AS sessions, \
             (SELECT COUNT(*) FROM account a WHERE a.society_id = $1 AND a.person_id = $2 AND ( \
                EXISTS (SELECT 1 FROM invoice x WHERE x.society_id = $1 AND x.created_by = a.id) \
                OR EXISTS (SELECT 1 FROM payment x WHERE x.society_id = $1 AND x.created_by = a.id) \
                OR EXISTS (SELECT 1 FROM refund x WHERE x.society_id = $1 AND x.created_by = a.id) \
                OR EXISTS (SELECT 1 FROM credit_memo x WHERE x.society_id = $1 AND x.created_by = a.id) \
                OR EXISTS (SELECT 1 FROM import_run x WHERE x.society_id = $1 AND x.created_by = a.id) \
                OR EXISTS (SELECT 1 FROM page x WHERE x.society_id = $1 AND x.updated_by = a.id) \
                OR EXISTS (SELECT 1 FROM invitation x WHERE x.society_id = $1 AND x.invited_by = a.id))) \
                AS authored_records, \
             (SELECT COUNT(*) FROM registration WHERE society_id = $1 AND person_id = $2) \
             + (SELECT COUNT(*) FROM attendance WHERE society_id = $1 AND person_id = $2) \
             + (SELECT COUNT(*) FROM event_faculty WHERE society_id = $1 AND person_id = $2) \
             + (SELECT COUNT(*) FROM evaluation WHERE society_id = $1 AND person_id = $2) \
             + (SELECT COUNT(*) FROM credit_claim WHERE society_id = $1 AND person_id = $2) \
                AS education_records"
        )
        .bind(self.society.id.0)
        .bind(person.0)
        .fetch_one(c)
        .await
        })?)
    }

    /// Whether both people hold a live registration for the same event (a merge would leave
    /// one person registered twice, so staff cancel one first).
    pub async fn live_registration_clash(&self, a: PersonId, b: PersonId) -> StoreResult<bool> {
        Ok(on!(self.db.reader(), |c| sqlx::query_scalar(
            "SELECT EXISTS (SELECT 1 FROM registration x JOIN registration y \
             ON y.society_id = x.society_id AND y.event_id = x.event_id \
             WHERE x.society_id = $1 AND x.person_id = $2 AND y.person_id = $3 \
             AND x.status IN ('held', 'confirmed', 'waitlisted', 'offered') \
             AND y.status IN ('held', 'confirmed', 'waitlisted', 'offered'))"
        )
        .bind(self.society.id.0)
        .bind(a.0)
        .bind(b.0)
        .fetch_one(c)
        .await)?)
    }
}

impl ScopedTx {
    /// Run a statement bound to (society, a, b); yields rows affected.
    async fn run_pair(&mut self, sql: &'static str, a: Uuid, b: Uuid) -> StoreResult<u64> {
        let society = self.society_id.0;
        Ok(exec!(self.tx.conn(), |c| sqlx::query(sql)
            .bind(society)
            .bind(a)
            .bind(b)
            .execute(c)
            .await)?)
    }

    /// Run a statement bound to (society, id); yields rows affected.
    async fn run_one(&mut self, sql: &'static str, id: Uuid) -> StoreResult<u64> {
        let society = self.society_id.0;
        Ok(exec!(self.tx.conn(), |c| sqlx::query(sql)
            .bind(society)
            .bind(id)
            .execute(c)
            .await)?)
    }

    pub async fn insert_person_note(
        &mut self,
        person: PersonId,
        body: &str,
        author: Option<UserId>,
        now: Timestamp,
    ) -> StoreResult<NoteId> {
        let id = NoteId::new();
        let society = self.society_id.0;
        exec!(self.tx.conn(), |c| {
            sqlx::query(
            "INSERT INTO person_note (society_id, id, person_id, body, author_account_id, created_at) \
             VALUES ($1, $2, $3, $4, $5, $6)"
        )
        .bind(society)
        .bind(id.0)
        .bind(person.0)
        .bind(body)
        .bind(author.map(|a| a.0))
        .bind(now.0)
        .execute(c)
        .await
        })?;
        Ok(id)
    }

    /// Record the decision on a pending application. False when it was no longer pending (a
    /// second click, or another staff member decided first): nothing changes then.
    pub async fn decide_application(
        &mut self,
        membership: MembershipId,
        decision: Application,
    ) -> StoreResult<bool> {
        let society = self.society_id.0;
        let n = exec!(self.tx.conn(), |c| sqlx::query(
            "UPDATE membership SET application = $3 \
             WHERE society_id = $1 AND id = $2 AND application = 'pending'"
        )
        .bind(society)
        .bind(membership.0)
        .bind(application_str(decision))
        .execute(c)
        .await)?;
        Ok(n == 1)
    }

    /// Suspend (with the reason shown on the person page) or reinstate. False when it already was.
    pub async fn set_suspension(
        &mut self,
        membership: MembershipId,
        suspended: bool,
        reason: &str,
    ) -> StoreResult<bool> {
        let society = self.society_id.0;
        let n = exec!(self.tx.conn(), |c| sqlx::query(
            "UPDATE membership SET suspended = $3, suspended_reason = $4 \
             WHERE society_id = $1 AND id = $2 AND suspended <> $3"
        )
        .bind(society)
        .bind(membership.0)
        .bind(suspended)
        .bind(reason)
        .execute(c)
        .await)?;
        Ok(n == 1)
    }

    /// Set (Some) or clear (None) staff's status override and its reason.
    pub async fn set_status_override(
        &mut self,
        membership: MembershipId,
        status: Option<Status>,
        reason: &str,
    ) -> StoreResult<()> {
        let society = self.society_id.0;
        exec!(self.tx.conn(), |c| sqlx::query(
            "UPDATE membership SET override_status = $3, override_reason = $4 \
             WHERE society_id = $1 AND id = $2"
        )
        .bind(society)
        .bind(membership.0)
        .bind(status.map(Status::as_str))
        .bind(reason)
        .execute(c)
        .await)?;
        Ok(())
    }

    async fn account_of(&mut self, person: PersonId) -> StoreResult<Option<Uuid>> {
        let society = self.society_id.0;
        Ok(on!(self.tx.conn(), |c| sqlx::query_scalar(
            "SELECT id FROM account WHERE society_id = $1 AND person_id = $2"
        )
        .bind(society)
        .bind(person.0)
        .fetch_optional(c)
        .await)?)
    }

    /// Merge `duplicate` into `keep` in the caller's transaction: the memberships as planned,
    /// then every row that references the duplicate moves to the kept person (rows that would
    /// break a unique key are skipped and go with the duplicate), blank fields of the kept person
    /// are filled from the duplicate's, the duplicate's account is deleted (its sessions with it)
    /// or, when the kept person has none, handed over with its sessions ended, and the duplicate
    /// person is deleted.
    pub async fn merge_person_into(
        &mut self,
        keep: PersonId,
        duplicate: PersonId,
        membership: Option<&MembershipMove>,
    ) -> StoreResult<MergeReport> {
        let mut report = MergeReport::default();
        let society = self.society_id.0;
        if let Some(m) = membership {
            if let Some(loser) = m.loser {
                for start in &m.move_term_starts {
                    report.terms_moved += exec!(self.tx.conn(), |c| sqlx::query(
                        "UPDATE membership_term SET membership_id = $2 \
                         WHERE society_id = $1 AND membership_id = $3 AND start_on = $4"
                    )
                    .bind(society)
                    .bind(m.survivor.0)
                    .bind(loser.0)
                    .bind(start.to_string())
                    .execute(c)
                    .await)?;
                }
                for sql in [
                    "UPDATE invoice SET membership_id = $2 WHERE society_id = $1 AND membership_id = $3",
                    "UPDATE membership_seat SET membership_id = $2 WHERE society_id = $1 \
                     AND membership_id = $3 AND NOT EXISTS (SELECT 1 FROM membership_seat k \
                     WHERE k.society_id = $1 AND k.membership_id = $2)",
                    "UPDATE auto_renewal SET membership_id = $2 WHERE society_id = $1 \
                     AND membership_id = $3 AND NOT EXISTS (SELECT 1 FROM auto_renewal k \
                     WHERE k.society_id = $1 AND k.membership_id = $2)",
                    "UPDATE membership_notice SET membership_id = $2 WHERE society_id = $1 \
                     AND membership_id = $3 AND NOT EXISTS (SELECT 1 FROM membership_notice k \
                     WHERE k.society_id = $1 AND k.membership_id = $2 \
                     AND k.kind = membership_notice.kind AND k.for_end_on = membership_notice.for_end_on)",
                    // What did not move (overlapping terms…) goes with the losing membership.
                    "DELETE FROM membership WHERE society_id = $1 AND id = $3 AND $2 <> $3",
                ] {
                    report.rows_moved += self.run_pair(sql, m.survivor.0, loser.0).await?;
                }
            }
            if m.survivor_from_duplicate {
                self.run_pair(
                    "UPDATE membership SET person_id = $2 WHERE society_id = $1 AND id = $3",
                    keep.0,
                    m.survivor.0,
                )
                .await?;
            }
        }

        // Rows keyed by person: move those that do not clash with the kept person's own.
        for sql in [
            "UPDATE person_taxonomy SET is_primary = FALSE WHERE society_id = $1 AND person_id = $3 \
             AND EXISTS (SELECT 1 FROM person_taxonomy k WHERE k.society_id = $1 \
             AND k.person_id = $2 AND k.is_primary)",
            "UPDATE person_taxonomy SET person_id = $2 WHERE society_id = $1 AND person_id = $3 \
             AND NOT EXISTS (SELECT 1 FROM person_taxonomy k WHERE k.society_id = $1 \
             AND k.person_id = $2 AND k.code = person_taxonomy.code)",
            "UPDATE person_licence SET person_id = $2 WHERE society_id = $1 AND person_id = $3 \
             AND NOT EXISTS (SELECT 1 FROM person_licence k WHERE k.society_id = $1 \
             AND k.person_id = $2 AND k.state = person_licence.state AND k.number = person_licence.number)",
            "UPDATE person_address SET person_id = $2 WHERE society_id = $1 AND person_id = $3 \
             AND NOT EXISTS (SELECT 1 FROM person_address k WHERE k.society_id = $1 \
             AND k.person_id = $2 AND k.kind = person_address.kind)",
            "UPDATE person_field_visibility SET person_id = $2 WHERE society_id = $1 AND person_id = $3 \
             AND NOT EXISTS (SELECT 1 FROM person_field_visibility k WHERE k.society_id = $1 \
             AND k.person_id = $2 AND k.field = person_field_visibility.field)",
            "UPDATE person_note SET person_id = $2 WHERE society_id = $1 AND person_id = $3",
            "UPDATE custom_field_value SET person_id = $2 WHERE society_id = $1 AND person_id = $3 \
             AND NOT EXISTS (SELECT 1 FROM custom_field_value k WHERE k.society_id = $1 \
             AND k.person_id = $2 AND k.field_id = custom_field_value.field_id)",
            "UPDATE committee_member SET person_id = $2 WHERE society_id = $1 AND person_id = $3 \
             AND NOT EXISTS (SELECT 1 FROM committee_member k WHERE k.society_id = $1 \
             AND k.person_id = $2 AND k.committee_id = committee_member.committee_id \
             AND k.role = committee_member.role \
             AND COALESCE(k.start_on, '') = COALESCE(committee_member.start_on, '') \
             AND COALESCE(k.end_on, '') = COALESCE(committee_member.end_on, ''))",
            "UPDATE practice_link SET is_manager = TRUE WHERE society_id = $1 AND person_id = $2 \
             AND practice_id IN (SELECT d.practice_id FROM practice_link d WHERE d.society_id = $1 \
             AND d.person_id = $3 AND d.is_manager)",
            "UPDATE practice_link SET person_id = $2 WHERE society_id = $1 AND person_id = $3 \
             AND NOT EXISTS (SELECT 1 FROM practice_link k WHERE k.society_id = $1 \
             AND k.person_id = $2 AND k.practice_id = practice_link.practice_id)",
            "UPDATE practice SET key_contact_id = $2 WHERE society_id = $1 AND key_contact_id = $3",
            "UPDATE practice SET billing_contact_id = $2 WHERE society_id = $1 AND billing_contact_id = $3",
            "UPDATE invoice SET person_id = $2 WHERE society_id = $1 AND person_id = $3",
            "UPDATE invoice_line SET person_id = $2 WHERE society_id = $1 AND person_id = $3",
            "UPDATE payment_method SET person_id = $2 WHERE society_id = $1 AND person_id = $3",
            // A live registration of each for the same event blocks the merge (see
            // `live_registration_clash`), so every registration can move.
            "UPDATE registration SET person_id = $2 WHERE society_id = $1 AND person_id = $3",
            "UPDATE attendance SET person_id = $2 WHERE society_id = $1 AND person_id = $3 \
             AND NOT EXISTS (SELECT 1 FROM attendance k WHERE k.society_id = $1 AND k.person_id = $2 \
             AND k.event_id = attendance.event_id AND k.session_key = attendance.session_key)",
            "DELETE FROM attendance WHERE society_id = $1 AND person_id = $3 AND $2 <> $3",
            "UPDATE event_faculty SET person_id = $2 WHERE society_id = $1 AND person_id = $3 \
             AND NOT EXISTS (SELECT 1 FROM event_faculty k WHERE k.society_id = $1 AND k.person_id = $2 \
             AND k.event_id = event_faculty.event_id)",
            "DELETE FROM event_faculty WHERE society_id = $1 AND person_id = $3 AND $2 <> $3",
            "UPDATE evaluation SET person_id = $2 WHERE society_id = $1 AND person_id = $3 \
             AND NOT EXISTS (SELECT 1 FROM evaluation k WHERE k.society_id = $1 AND k.person_id = $2 \
             AND k.activity_id = evaluation.activity_id)",
            "DELETE FROM evaluation WHERE society_id = $1 AND person_id = $3 AND $2 <> $3",
            "UPDATE credit_claim SET person_id = $2 WHERE society_id = $1 AND person_id = $3 \
             AND NOT EXISTS (SELECT 1 FROM credit_claim k WHERE k.society_id = $1 AND k.person_id = $2 \
             AND k.activity_id = credit_claim.activity_id AND k.session_key = credit_claim.session_key \
             AND k.credit_type = credit_claim.credit_type)",
            "DELETE FROM credit_claim WHERE society_id = $1 AND person_id = $3 AND $2 <> $3",
        ] {
            report.rows_moved += self.run_pair(sql, keep.0, duplicate.0).await?;
        }

        self.fill_blanks(keep, duplicate).await?;

        let keep_account = self.account_of(keep).await?;
        if let Some(dup_account) = self.account_of(duplicate).await? {
            match keep_account {
                Some(keep_account) => {
                    // Whatever the duplicate's account wrote now names the kept person's.
                    for sql in [
                        "UPDATE person_note SET author_account_id = $2 WHERE society_id = $1 AND author_account_id = $3",
                        "UPDATE invitation SET invited_by = $2 WHERE society_id = $1 AND invited_by = $3",
                        "UPDATE page SET updated_by = $2 WHERE society_id = $1 AND updated_by = $3",
                        "UPDATE invoice SET created_by = $2 WHERE society_id = $1 AND created_by = $3",
                        "UPDATE payment SET created_by = $2 WHERE society_id = $1 AND created_by = $3",
                        "UPDATE refund SET created_by = $2 WHERE society_id = $1 AND created_by = $3",
                        "UPDATE credit_memo SET created_by = $2 WHERE society_id = $1 AND created_by = $3",
                        "UPDATE import_run SET created_by = $2 WHERE society_id = $1 AND created_by = $3",
                        // Sessions and sign-in tokens go with the account.
                        "DELETE FROM account WHERE society_id = $1 AND id = $3 AND $2 <> $3",
                    ] {
                        self.run_pair(sql, keep_account, dup_account).await?;
                    }
                    report.account_deleted = true;
                }
                None => {
                    for sql in [
                        "DELETE FROM session WHERE society_id = $1 AND account_id = $2",
                        "DELETE FROM login_token WHERE society_id = $1 AND account_id = $2",
                    ] {
                        self.run_one(sql, dup_account).await?;
                    }
                    self.run_pair(
                        "UPDATE account SET person_id = $2 WHERE society_id = $1 AND id = $3",
                        keep.0,
                        dup_account,
                    )
                    .await?;
                    report.account_moved = true;
                }
            }
        }
        self.run_pair(
            "DELETE FROM person WHERE society_id = $1 AND id = $3 AND $2 <> $3",
            keep.0,
            duplicate.0,
        )
        .await?;
        Ok(report)
    }

    /// Copy the duplicate's values into the kept person's empty fields (NPI and external id are
    /// unique, so they are taken off the duplicate first).
    async fn fill_blanks(&mut self, keep: PersonId, duplicate: PersonId) -> StoreResult<()> {
        let society = self.society_id.0;
        let dup: Option<Blanks> = on!(self.tx.conn(), |c| {
            sqlx::query_as(
            "SELECT first_name, last_name, credentials, profession, npi, specialty, phone, abim_id, \
             nabp_eprofile_id, birth_month, birth_day, external_id FROM person \
             WHERE society_id = $1 AND id = $2"
        )
        .bind(society)
        .bind(duplicate.0)
        .fetch_optional(c)
        .await
        })?;
        let Some(dup) = dup else {
            return Ok(());
        };
        self.run_pair(
            "UPDATE person SET npi = NULL, external_id = NULL WHERE society_id = $1 AND id = $3 AND $2 <> $3",
            keep.0,
            duplicate.0,
        )
        .await?;
        exec!(self.tx.conn(), |c| {
            sqlx::query(
            "UPDATE person SET \
             first_name = CASE WHEN first_name = '' THEN $3 ELSE first_name END, \
             last_name = CASE WHEN last_name = '' THEN $4 ELSE last_name END, \
             credentials = CASE WHEN credentials = '' THEN $5 ELSE credentials END, \
             profession = CASE WHEN profession = 'other' THEN $6 ELSE profession END, \
             npi = COALESCE(npi, $7), \
             specialty = CASE WHEN specialty = '' THEN $8 ELSE specialty END, \
             phone = CASE WHEN phone = '' THEN $9 ELSE phone END, \
             abim_id = CASE WHEN abim_id = '' THEN $10 ELSE abim_id END, \
             nabp_eprofile_id = CASE WHEN nabp_eprofile_id = '' THEN $11 ELSE nabp_eprofile_id END, \
             birth_month = COALESCE(birth_month, $12), \
             birth_day = CASE WHEN birth_month IS NULL THEN $13 ELSE birth_day END, \
             external_id = COALESCE(external_id, $14) \
             WHERE society_id = $1 AND id = $2"
        )
        .bind(society)
        .bind(keep.0)
        .bind(&dup.first_name)
        .bind(&dup.last_name)
        .bind(&dup.credentials)
        .bind(&dup.profession)
        .bind(&dup.npi)
        .bind(&dup.specialty)
        .bind(&dup.phone)
        .bind(&dup.abim_id)
        .bind(&dup.nabp_eprofile_id)
        .bind(dup.birth_month)
        .bind(dup.birth_day)
        .bind(&dup.external_id)
        .execute(c)
        .await
        })?;
        Ok(())
    }

    /// Traces of a person outside their own rows: audit entries that name them by email (the
    /// subject becomes their id) and lose their free-text details; queued or sent mail jobs to
    /// their address; invitations to it.
    async fn scrub_traces(
        &mut self,
        person: PersonId,
        email: &str,
        membership: Option<MembershipId>,
    ) -> StoreResult<()> {
        let society = self.society_id.0;
        let person_subject = person.to_string();
        let membership_subject = membership
            .map(|m| m.to_string())
            .unwrap_or(person_subject.clone());
        exec!(self.tx.conn(), |c| sqlx::query(
            "UPDATE audit_log SET subject = $2 WHERE society_id = $1 AND subject = $3"
        )
        .bind(society)
        .bind(&person_subject)
        .bind(email)
        .execute(c)
        .await)?;
        exec!(self.tx.conn(), |c| {
            sqlx::query(
            "UPDATE audit_log SET detail = '' WHERE society_id = $1 AND (subject = $2 OR subject = $3)"
        )
        .bind(society)
        .bind(&person_subject)
        .bind(&membership_subject)
        .execute(c)
        .await
        })?;
        let mut pattern = String::from("%\"to\":\"");
        for ch in email.chars() {
            if matches!(ch, '%' | '_' | '\\') {
                pattern.push('\\');
            }
            pattern.push(ch);
        }
        pattern.push_str("\"%");
        exec!(self.tx.conn(), |c| sqlx::query(
            "DELETE FROM job WHERE society_id = $1 AND payload LIKE $2 ESCAPE '\\'"
        )
        .bind(society)
        .bind(&pattern)
        .execute(c)
        .await)?;
        exec!(self.tx.conn(), |c| sqlx::query(
            "DELETE FROM invitation WHERE society_id = $1 AND email = $2"
        )
        .bind(society)
        .bind(email)
        .execute(c)
        .await)?;
        Ok(())
    }

    /// Delete a person outright, with everything that cascades from them (account, sessions,
    /// membership and terms, notes, identifiers…). The caller has checked that no invoice or
    /// payment names them.
    pub async fn delete_person(
        &mut self,
        person: PersonId,
        email: &str,
        membership: Option<MembershipId>,
    ) -> StoreResult<()> {
        self.scrub_traces(person, email, membership).await?;
        for sql in [
            "UPDATE practice SET key_contact_id = NULL WHERE society_id = $1 AND key_contact_id = $2",
            "UPDATE practice SET billing_contact_id = NULL WHERE society_id = $1 AND billing_contact_id = $2",
            "UPDATE person_note SET author_account_id = NULL WHERE society_id = $1 AND author_account_id IN \
             (SELECT id FROM account WHERE society_id = $1 AND person_id = $2)",
            "DELETE FROM auto_renewal WHERE society_id = $1 AND membership_id IN \
             (SELECT id FROM membership WHERE society_id = $1 AND person_id = $2)",
            "DELETE FROM person WHERE society_id = $1 AND id = $2",
        ] {
            self.run_one(sql, person.0).await?;
        }
        Ok(())
    }

    /// Anonymise a person whose invoices or payments must stay: the person row stays with a
    /// placeholder name and an address that cannot receive mail, emptied of identifiers; their
    /// addresses, licences, notes, custom values, visibility choices, committee seats, practice
    /// links and saved payment methods are deleted; the membership is cancelled from `today`; the
    /// account is disabled and its sessions and sign-in tokens removed. Invoices are not touched.
    pub async fn anonymise_person(
        &mut self,
        person: PersonId,
        old_email: &str,
        new_email: &str,
        membership: Option<MembershipId>,
        today: Date,
        now: Timestamp,
    ) -> StoreResult<()> {
        self.scrub_traces(person, old_email, membership).await?;
        let society = self.society_id.0;
        exec!(self.tx.conn(), |c| sqlx::query(
            "UPDATE person SET email = $3, display_name = $4, first_name = '', last_name = '', \
             credentials = '', profession = 'other', npi = NULL, specialty = '', phone = '', \
             abim_id = '', nabp_eprofile_id = '', birth_month = NULL, birth_day = NULL, \
             external_id = NULL, anonymised_at = $5, updated_at = $5 \
             WHERE society_id = $1 AND id = $2"
        )
        .bind(society)
        .bind(person.0)
        .bind(new_email)
        .bind(chapterhouse_core::records::ANONYMISED_NAME)
        .bind(now.0)
        .execute(c)
        .await)?;
        for sql in [
            "DELETE FROM person_taxonomy WHERE society_id = $1 AND person_id = $2",
            "DELETE FROM person_licence WHERE society_id = $1 AND person_id = $2",
            "DELETE FROM person_address WHERE society_id = $1 AND person_id = $2",
            "DELETE FROM person_field_visibility WHERE society_id = $1 AND person_id = $2",
            "DELETE FROM person_note WHERE society_id = $1 AND person_id = $2",
            "DELETE FROM custom_field_value WHERE society_id = $1 AND person_id = $2",
            "DELETE FROM committee_member WHERE society_id = $1 AND person_id = $2",
            "DELETE FROM practice_link WHERE society_id = $1 AND person_id = $2",
            // Registrations stay for the event's record, without the copied name and address
            // or the person's answers.
            "DELETE FROM registration_answer WHERE society_id = $1 AND registration_id IN \
             (SELECT id FROM registration WHERE society_id = $1 AND person_id = $2)",
            "UPDATE registration SET first_name = '', last_name = '', email = '' \
             WHERE society_id = $1 AND person_id = $2",
            "UPDATE practice SET key_contact_id = NULL WHERE society_id = $1 AND key_contact_id = $2",
            "UPDATE practice SET billing_contact_id = NULL WHERE society_id = $1 AND billing_contact_id = $2",
            "DELETE FROM auto_renewal WHERE society_id = $1 AND membership_id IN \
             (SELECT id FROM membership WHERE society_id = $1 AND person_id = $2)",
            "DELETE FROM membership_seat WHERE society_id = $1 AND membership_id IN \
             (SELECT id FROM membership WHERE society_id = $1 AND person_id = $2)",
            "DELETE FROM setup_session WHERE society_id = $1 AND person_id = $2",
            "DELETE FROM payment_method WHERE society_id = $1 AND person_id = $2",
            "DELETE FROM session WHERE society_id = $1 AND account_id IN \
             (SELECT id FROM account WHERE society_id = $1 AND person_id = $2)",
            "DELETE FROM login_token WHERE society_id = $1 AND account_id IN \
             (SELECT id FROM account WHERE society_id = $1 AND person_id = $2)",
        ] {
            self.run_one(sql, person.0).await?;
        }
        exec!(self.tx.conn(), |c| sqlx::query(
            "UPDATE account SET disabled_at = COALESCE(disabled_at, $3), password_hash = NULL, \
             totp_secret = NULL, email_verified_at = NULL WHERE society_id = $1 AND person_id = $2"
        )
        .bind(society)
        .bind(person.0)
        .bind(now.0)
        .execute(c)
        .await)?;
        let today = today.to_string();
        exec!(self.tx.conn(), |c| {
            sqlx::query(
            "UPDATE membership SET cancelled_on = COALESCE(cancelled_on, $3), status = 'cancelled', \
             status_since = CASE WHEN status = 'cancelled' THEN status_since ELSE $3 END, \
             suspended = FALSE, suspended_reason = '', override_status = NULL, override_reason = '' \
             WHERE society_id = $1 AND person_id = $2"
        )
        .bind(society)
        .bind(person.0)
        .bind(&today)
        .execute(c)
        .await
        })?;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn like_patterns_match_wildcards_literally() {
        assert_eq!(super::like_pattern("Ada_L%"), "%ada\\_l\\%%");
    }
}
