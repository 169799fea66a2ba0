//! Accredited education: activities (one per event, or standalone enduring material), the
//! credit types and maxima they offer (for the whole activity, `session_key` '', or per
//! session), evaluation questions, learners' evaluations and answers, credit claims, and the
//! reads the certificate, the transcript and the accreditor exports are filled from.
//!
//! Credits are hundredths (`core::education::Credits`); dates are ISO text in the society's
//! zone.

use chapterhouse_core::{
    ActivityCreditId, ActivityId, CreditClaimId, EvaluationId, EvaluationQuestionId, EventId,
    EventSessionId, PersonId, Timestamp,
};
use uuid::Uuid;

use crate::{Scoped, ScopedTx, StoreResult, exec, on};

#[derive(Clone, Debug, sqlx::FromRow)]
pub struct Activity {
    #[sqlx(try_from = "Uuid")]
    pub id: ActivityId,
    /// None: standalone (enduring material).
    pub event_id: Option<Uuid>,
    pub title: String,
    /// `core::education::ActivityType::as_str`.
    pub activity_type: String,
    pub joint_provider: String,
    pub accreditation_statement: String,
    pub designation_statement: String,
    pub other_statements: String,
    /// ISO dates.
    pub starts_on: String,
    pub ends_on: String,
    pub location: String,
    pub commercial_support_cents: i64,
    /// One per line.
    pub commercial_supporters: String,
    pub acpe_uan: String,
    pub claim_deadline: Option<String>,
    pub created_at: i64,
}

impl Activity {
    pub fn event(&self) -> Option<EventId> {
        self.event_id.map(EventId)
    }
}

/// What staff enter for an activity (validated by `app::education`).
#[derive(Clone, Debug, Default)]
pub struct ActivityFields {
    pub title: String,
    pub activity_type: String,
    pub joint_provider: String,
    pub accreditation_statement: String,
    pub designation_statement: String,
    pub other_statements: String,
    pub starts_on: String,
    pub ends_on: String,
    pub location: String,
    pub commercial_support_cents: i64,
    pub commercial_supporters: String,
    pub acpe_uan: String,
    pub claim_deadline: Option<String>,
}

/// A credit type offered, with its maximum, for the activity or one session.
#[derive(Clone, Debug, sqlx::FromRow)]
pub struct ActivityCredit {
    #[sqlx(try_from = "Uuid")]
    pub id: ActivityCreditId,
    /// None: the whole activity.
    pub session_id: Option<Uuid>,
    /// The session's title ('' for the whole activity).
    pub session_title: String,
    pub credit_type: String,
    pub max_hundredths: i64,
}

impl ActivityCredit {
    pub fn session(&self) -> Option<EventSessionId> {
        self.session_id.map(EventSessionId)
    }
}

#[derive(Clone, Debug, sqlx::FromRow)]
pub struct EvaluationQuestion {
    #[sqlx(try_from = "Uuid")]
    pub id: EvaluationQuestionId,
    pub prompt: String,
    /// 'scale' (1 to 5) or 'text'.
    pub kind: String,
    pub required: bool,
    pub position: i64,
}

/// One answer as the learner gave it.
#[derive(Clone, Debug)]
pub struct NewAnswer {
    pub question: EvaluationQuestionId,
    pub scale: Option<i64>,
    pub text: String,
}

/// An answer for the results page and the joint-provider package.
#[derive(Clone, Debug, sqlx::FromRow)]
pub struct EvaluationAnswerRow {
    #[sqlx(try_from = "Uuid")]
    pub question_id: EvaluationQuestionId,
    pub scale: Option<i64>,
    pub text: String,
    pub is_industry: bool,
}

/// A claim with what the learner's pages, the certificate and the transcript show.
#[derive(Clone, Debug, sqlx::FromRow)]
pub struct CreditClaim {
    #[sqlx(try_from = "Uuid")]
    pub id: CreditClaimId,
    #[sqlx(try_from = "Uuid")]
    pub activity_id: ActivityId,
    pub activity_title: String,
    pub session_id: Option<Uuid>,
    pub session_title: String,
    #[sqlx(try_from = "Uuid")]
    pub person_id: PersonId,
    pub credit_type: String,
    pub amount_hundredths: i64,
    /// ISO date.
    pub completed_on: String,
    pub claimed_at: i64,
}

impl CreditClaim {
    pub fn session(&self) -> Option<EventSessionId> {
        self.session_id.map(EventSessionId)
    }
}

/// A claim with the learner's identifiers, for the accreditor exports.
#[derive(Clone, Debug, sqlx::FromRow)]
pub struct LearnerClaim {
    pub session_title: String,
    pub credit_type: String,
    pub amount_hundredths: i64,
    pub completed_on: String,
    #[sqlx(try_from = "Uuid")]
    pub person_id: PersonId,
    pub first_name: String,
    pub last_name: String,
    pub email: String,
    pub profession: String,
    pub abim_id: String,
    pub nabp_eprofile_id: String,
    pub birth_month: Option<i64>,
    pub birth_day: Option<i64>,
    /// The person's first licence (by state), for PARS when there is no board id.
    pub licence_number: String,
    pub licence_state: String,
    pub is_industry: bool,
}

macro_rules! activity_select {
    ($($rest:tt)*) => {
        concat!(
            "SELECT a.id, a.event_id, a.title, a.activity_type, a.joint_provider, \
             a.accreditation_statement, a.designation_statement, a.other_statements, \
             a.starts_on, a.ends_on, a.location, a.commercial_support_cents, \
             a.commercial_supporters, a.acpe_uan, a.claim_deadline, a.created_at \
             FROM activity a ",
            $($rest)*
        )
    };
}

macro_rules! claim_select {
    ($rest:literal) => {
        concat!(
            "SELECT k.id, k.activity_id, a.title AS activity_title, k.session_id, \
             COALESCE(s.title, '') AS session_title, k.person_id, k.credit_type, \
             k.amount_hundredths, k.completed_on, k.claimed_at \
             FROM credit_claim k \
             JOIN activity a ON a.society_id = k.society_id AND a.id = k.activity_id \
             LEFT JOIN event_session s ON s.society_id = k.society_id AND s.id = k.session_id ",
            $rest
        )
    };
}

/// Whether person `$person` (an SQL expression) registered for the activity's event `a` as
/// industry.
macro_rules! industry_of {
    ($person:literal) => {
        concat!(
            "EXISTS (SELECT 1 FROM registration r JOIN registration_type t \
               ON t.society_id = r.society_id AND t.id = r.registration_type_id \
               WHERE r.society_id = a.society_id AND r.event_id = a.event_id \
               AND r.person_id = ",
            $person,
            " AND t.is_industry AND r.status NOT IN ('cancelled', 'expired'))"
        )
    };
}

impl Scoped {
    /// Every activity, the newest first, for staff.
    pub async fn activities(&self) -> StoreResult<Vec<Activity>> {
        Ok(on!(self.db.reader(), |c| sqlx::query_as(
            activity_select!("WHERE a.society_id = $1 ORDER BY a.starts_on DESC, a.title")
        )
        .bind(self.society.id.0)
        .fetch_all(c)
        .await)?)
    }

    pub async fn activity(&self, id: ActivityId) -> StoreResult<Option<Activity>> {
        Ok(on!(self.db.reader(), |c| sqlx::query_as(
            activity_select!("WHERE a.society_id = $1 AND a.id = $2")
        )
        .bind(self.society.id.0)
        .bind(id.0)
        .fetch_optional(c)
        .await)?)
    }

    /// The activity of an event, if it has one.
    pub async fn event_activity(&self, event: EventId) -> StoreResult<Option<Activity>> {
        Ok(on!(self.db.reader(), |c| sqlx::query_as(
            activity_select!("WHERE a.society_id = $1 AND a.event_id = $2")
        )
        .bind(self.society.id.0)
        .bind(event.0)
        .fetch_optional(c)
        .await)?)
    }

    /// The activities a person may claim credit for: those of events they attended (and did not
    /// register for as industry), and every standalone activity. Newest first.
    pub async fn learner_activities(&self, person: PersonId) -> StoreResult<Vec<Activity>> {
        Ok(on!(self.db.reader(), |c| {
            sqlx::query_as(activity_select!(
            "WHERE a.society_id = $1 AND (a.event_id IS NULL OR (EXISTS (SELECT 1 FROM attendance t \
               WHERE t.society_id = a.society_id AND t.event_id = a.event_id \
               AND t.person_id = $2 AND t.attended) AND NOT ",
            industry_of!("$2"),
            ")) ORDER BY a.starts_on DESC, a.title"
        ))
        .bind(self.society.id.0)
        .bind(person.0)
        .fetch_all(c)
        .await
        })?)
    }

    /// Whether `person` registered for the activity's event as industry or exhibitor.
    pub async fn is_industry_at(
        &self,
        activity: ActivityId,
        person: PersonId,
    ) -> StoreResult<bool> {
        let n: i64 = on!(self.db.reader(), |c| sqlx::query_scalar(concat!(
            "SELECT COUNT(*) FROM activity a WHERE a.society_id = $1 AND a.id = $2 AND ",
            industry_of!("$3")
        ))
        .bind(self.society.id.0)
        .bind(activity.0)
        .bind(person.0)
        .fetch_one(c)
        .await)?;
        Ok(n > 0)
    }

    /// The credit types an activity offers, the whole activity's first, then by session time.
    pub async fn activity_credits(&self, activity: ActivityId) -> StoreResult<Vec<ActivityCredit>> {
        Ok(on!(self.db.reader(), |c| sqlx::query_as(
            "SELECT k.id, k.session_id, COALESCE(s.title, '') AS session_title, k.credit_type, \
             k.max_hundredths FROM activity_credit k \
             LEFT JOIN event_session s ON s.society_id = k.society_id AND s.id = k.session_id \
             WHERE k.society_id = $1 AND k.activity_id = $2 \
             ORDER BY COALESCE(s.starts_at, 0), k.session_key, k.credit_type"
        )
        .bind(self.society.id.0)
        .bind(activity.0)
        .fetch_all(c)
        .await)?)
    }

    pub async fn evaluation_questions(
        &self,
        activity: ActivityId,
    ) -> StoreResult<Vec<EvaluationQuestion>> {
        Ok(on!(self.db.reader(), |c| sqlx::query_as(
            "SELECT id, prompt, kind, required, position FROM evaluation_question \
             WHERE society_id = $1 AND activity_id = $2 ORDER BY position, prompt"
        )
        .bind(self.society.id.0)
        .bind(activity.0)
        .fetch_all(c)
        .await)?)
    }

    /// When the person submitted the activity's evaluation, if they have.
    pub async fn evaluation_submitted(
        &self,
        activity: ActivityId,
        person: PersonId,
    ) -> StoreResult<Option<i64>> {
        Ok(on!(self.db.reader(), |c| sqlx::query_scalar(
            "SELECT submitted_at FROM evaluation WHERE society_id = $1 AND activity_id = $2 \
             AND person_id = $3"
        )
        .bind(self.society.id.0)
        .bind(activity.0)
        .bind(person.0)
        .fetch_optional(c)
        .await)?)
    }

    /// Every answer to the activity's evaluation, with whether its learner was industry.
    pub async fn evaluation_answers(
        &self,
        activity: ActivityId,
    ) -> StoreResult<Vec<EvaluationAnswerRow>> {
        Ok(on!(self.db.reader(), |c| sqlx::query_as(concat!(
            "SELECT n.question_id, n.scale, n.text, ",
            industry_of!("e.person_id"),
            " AS is_industry FROM evaluation_answer n \
             JOIN evaluation e ON e.society_id = n.society_id AND e.id = n.evaluation_id \
             JOIN activity a ON a.society_id = e.society_id AND a.id = e.activity_id \
             WHERE n.society_id = $1 AND e.activity_id = $2 ORDER BY e.submitted_at, e.id"
        ))
        .bind(self.society.id.0)
        .bind(activity.0)
        .fetch_all(c)
        .await)?)
    }

    /// A person's claims for one activity.
    pub async fn activity_claims_of(
        &self,
        activity: ActivityId,
        person: PersonId,
    ) -> StoreResult<Vec<CreditClaim>> {
        Ok(on!(self.db.reader(), |c| sqlx::query_as(claim_select!(
            "WHERE k.society_id = $1 AND k.activity_id = $2 AND k.person_id = $3 \
             ORDER BY COALESCE(s.starts_at, 0), k.session_key, k.credit_type"
        ))
        .bind(self.society.id.0)
        .bind(activity.0)
        .bind(person.0)
        .fetch_all(c)
        .await)?)
    }

    /// One of a person's claims; None when it is not theirs.
    pub async fn claim_of(
        &self,
        id: CreditClaimId,
        person: PersonId,
    ) -> StoreResult<Option<CreditClaim>> {
        Ok(on!(self.db.reader(), |c| sqlx::query_as(claim_select!(
            "WHERE k.society_id = $1 AND k.id = $2 AND k.person_id = $3"
        ))
        .bind(self.society.id.0)
        .bind(id.0)
        .bind(person.0)
        .fetch_optional(c)
        .await)?)
    }

    /// A person's claims completed from `from` to `to` (ISO dates, inclusive), oldest first.
    pub async fn claims_between(
        &self,
        person: PersonId,
        from: &str,
        to: &str,
    ) -> StoreResult<Vec<CreditClaim>> {
        Ok(on!(self.db.reader(), |c| {
            sqlx::query_as(claim_select!(
            "WHERE k.society_id = $1 AND k.person_id = $2 AND k.completed_on >= $3 \
             AND k.completed_on <= $4 ORDER BY k.completed_on, a.title, k.session_key, k.credit_type"
        ))
        .bind(self.society.id.0)
        .bind(person.0)
        .bind(from)
        .bind(to)
        .fetch_all(c)
        .await
        })?)
    }

    /// Every claim of an activity with the learner's identifiers, for the exports.
    pub async fn activity_learner_claims(
        &self,
        activity: ActivityId,
    ) -> StoreResult<Vec<LearnerClaim>> {
        Ok(on!(self.db.reader(), |c| sqlx::query_as(concat!(
            "SELECT COALESCE(s.title, '') AS session_title, k.credit_type, k.amount_hundredths, \
             k.completed_on, p.id AS person_id, p.first_name, p.last_name, p.email, p.profession, \
             p.abim_id, p.nabp_eprofile_id, p.birth_month, p.birth_day, \
             COALESCE((SELECT l.number FROM person_licence l WHERE l.society_id = p.society_id \
               AND l.person_id = p.id ORDER BY l.state, l.number LIMIT 1), '') AS licence_number, \
             COALESCE((SELECT l.state FROM person_licence l WHERE l.society_id = p.society_id \
               AND l.person_id = p.id ORDER BY l.state, l.number LIMIT 1), '') AS licence_state, ",
            industry_of!("k.person_id"),
            " AS is_industry FROM credit_claim k \
             JOIN activity a ON a.society_id = k.society_id AND a.id = k.activity_id \
             JOIN person p ON p.society_id = k.society_id AND p.id = k.person_id \
             LEFT JOIN event_session s ON s.society_id = k.society_id AND s.id = k.session_id \
             WHERE k.society_id = $1 AND k.activity_id = $2 \
             ORDER BY lower(p.last_name), lower(p.first_name), k.completed_on, k.credit_type"
        ))
        .bind(self.society.id.0)
        .bind(activity.0)
        .fetch_all(c)
        .await)?)
    }
}

impl ScopedTx {
    /// A new activity, for an event (at most one: `Conflict("event")` otherwise) or standalone.
    pub async fn insert_activity(
        &mut self,
        event: Option<EventId>,
        f: &ActivityFields,
        now: Timestamp,
    ) -> StoreResult<ActivityId> {
        let id = ActivityId::new();
        let society = self.society_id.0;
        exec!(self.tx.conn(), |c| sqlx::query(
            "INSERT INTO activity (society_id, id, event_id, title, activity_type, joint_provider, \
             accreditation_statement, designation_statement, other_statements, starts_on, \
             ends_on, location, commercial_support_cents, commercial_supporters, acpe_uan, \
             claim_deadline, created_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17)"
        )
        .bind(society)
        .bind(id.0)
        .bind(event.map(|e| e.0))
        .bind(&f.title)
        .bind(&f.activity_type)
        .bind(&f.joint_provider)
        .bind(&f.accreditation_statement)
        .bind(&f.designation_statement)
        .bind(&f.other_statements)
        .bind(&f.starts_on)
        .bind(&f.ends_on)
        .bind(&f.location)
        .bind(f.commercial_support_cents)
        .bind(&f.commercial_supporters)
        .bind(&f.acpe_uan)
        .bind(&f.claim_deadline)
        .bind(now.0)
        .execute(c)
        .await)
        .map_err(crate::conflict_on("event"))?;
        Ok(id)
    }

    /// False when there is no such activity.
    pub async fn update_activity(
        &mut self,
        id: ActivityId,
        f: &ActivityFields,
    ) -> StoreResult<bool> {
        let society = self.society_id.0;
        let n = exec!(self.tx.conn(), |c| sqlx::query(
            "UPDATE activity SET title = $3, activity_type = $4, joint_provider = $5, \
             accreditation_statement = $6, designation_statement = $7, other_statements = $8, \
             starts_on = $9, ends_on = $10, location = $11, commercial_support_cents = $12, \
             commercial_supporters = $13, acpe_uan = $14, claim_deadline = $15 \
             WHERE society_id = $1 AND id = $2"
        )
        .bind(society)
        .bind(id.0)
        .bind(&f.title)
        .bind(&f.activity_type)
        .bind(&f.joint_provider)
        .bind(&f.accreditation_statement)
        .bind(&f.designation_statement)
        .bind(&f.other_statements)
        .bind(&f.starts_on)
        .bind(&f.ends_on)
        .bind(&f.location)
        .bind(f.commercial_support_cents)
        .bind(&f.commercial_supporters)
        .bind(&f.acpe_uan)
        .bind(&f.claim_deadline)
        .execute(c)
        .await)?;
        Ok(n == 1)
    }

    /// Offer a credit type with a maximum, for the activity or one session; setting it again
    /// replaces the maximum.
    pub async fn put_activity_credit(
        &mut self,
        activity: ActivityId,
        session: Option<EventSessionId>,
        credit_type: &str,
        max_hundredths: i64,
    ) -> StoreResult<()> {
        let society = self.society_id.0;
        let key = crate::attendance::session_key(session);
        exec!(self.tx.conn(), |c| sqlx::query(
            "INSERT INTO activity_credit (society_id, id, activity_id, session_id, session_key, \
             credit_type, max_hundredths) VALUES ($1, $2, $3, $4, $5, $6, $7) \
             ON CONFLICT (society_id, activity_id, session_key, credit_type) \
             DO UPDATE SET max_hundredths = excluded.max_hundredths"
        )
        .bind(society)
        .bind(ActivityCreditId::new().0)
        .bind(activity.0)
        .bind(session.map(|s| s.0))
        .bind(key)
        .bind(credit_type)
        .bind(max_hundredths)
        .execute(c)
        .await)?;
        Ok(())
    }

    /// Stop offering a credit type nobody has claimed for that scope. False when it is not the
    /// activity's or someone has claimed it.
    pub async fn delete_activity_credit(
        &mut self,
        activity: ActivityId,
        id: ActivityCreditId,
    ) -> StoreResult<bool> {
        let society = self.society_id.0;
        let n = exec!(self.tx.conn(), |c| {
            sqlx::query(
            "DELETE FROM activity_credit WHERE society_id = $1 AND activity_id = $2 AND id = $3 \
             AND NOT EXISTS (SELECT 1 FROM credit_claim k WHERE k.society_id = $1 \
               AND k.activity_id = $2 AND k.session_key = activity_credit.session_key \
               AND k.credit_type = activity_credit.credit_type)"
        )
        .bind(society)
        .bind(activity.0)
        .bind(id.0)
        .execute(c)
        .await
        })?;
        Ok(n == 1)
    }

    pub async fn insert_evaluation_question(
        &mut self,
        activity: ActivityId,
        prompt: &str,
        kind: &str,
        required: bool,
    ) -> StoreResult<EvaluationQuestionId> {
        let id = EvaluationQuestionId::new();
        let society = self.society_id.0;
        exec!(self.tx.conn(), |c| sqlx::query(
            "INSERT INTO evaluation_question (society_id, id, activity_id, prompt, kind, required, \
             position) VALUES ($1, $2, $3, $4, $5, $6, \
             (SELECT COALESCE(MAX(position), 0) + 1 FROM evaluation_question \
               WHERE society_id = $1 AND activity_id = $3))"
        )
        .bind(society)
        .bind(id.0)
        .bind(activity.0)
        .bind(prompt)
        .bind(kind)
        .bind(required)
        .execute(c)
        .await)?;
        Ok(id)
    }

    /// Remove a question nobody has answered. False otherwise.
    pub async fn delete_evaluation_question(
        &mut self,
        activity: ActivityId,
        id: EvaluationQuestionId,
    ) -> StoreResult<bool> {
        let society = self.society_id.0;
        let n = exec!(self.tx.conn(), |c| sqlx::query(
            "DELETE FROM evaluation_question WHERE society_id = $1 AND activity_id = $2 \
             AND id = $3 AND NOT EXISTS (SELECT 1 FROM evaluation_answer n \
               WHERE n.society_id = $1 AND n.question_id = $3)"
        )
        .bind(society)
        .bind(activity.0)
        .bind(id.0)
        .execute(c)
        .await)?;
        Ok(n == 1)
    }

    /// A learner's evaluation with its answers. A second one for the same activity is
    /// `Conflict("evaluation")`.
    pub async fn insert_evaluation(
        &mut self,
        activity: ActivityId,
        person: PersonId,
        answers: &[NewAnswer],
        now: Timestamp,
    ) -> StoreResult<EvaluationId> {
        let id = EvaluationId::new();
        let society = self.society_id.0;
        let inserted = exec!(self.tx.conn(), |c| sqlx::query(
            "INSERT INTO evaluation (society_id, id, activity_id, person_id, submitted_at) \
             VALUES ($1, $2, $3, $4, $5) ON CONFLICT DO NOTHING"
        )
        .bind(society)
        .bind(id.0)
        .bind(activity.0)
        .bind(person.0)
        .bind(now.0)
        .execute(c)
        .await)?;
        if inserted == 0 {
            return Err(crate::StoreError::Conflict("evaluation".into()));
        }
        for answer in answers {
            exec!(self.tx.conn(), |c| {
                sqlx::query(
                "INSERT INTO evaluation_answer (society_id, evaluation_id, question_id, scale, text) \
                 VALUES ($1, $2, $3, $4, $5)"
            )
            .bind(society)
            .bind(id.0)
            .bind(answer.question.0)
            .bind(answer.scale)
            .bind(&answer.text)
            .execute(c)
            .await
            })?;
        }
        Ok(id)
    }

    /// Record a claim, replacing the learner's earlier claim of the same type for the same
    /// scope. Returns the claim's id (the earlier one's when replaced).
    #[allow(clippy::too_many_arguments)]
    pub async fn put_claim(
        &mut self,
        activity: ActivityId,
        session: Option<EventSessionId>,
        person: PersonId,
        credit_type: &str,
        amount_hundredths: i64,
        completed_on: &str,
        now: Timestamp,
    ) -> StoreResult<CreditClaimId> {
        let society = self.society_id.0;
        let key = crate::attendance::session_key(session);
        let id: Uuid = on!(self.tx.conn(), |c| sqlx::query_scalar(
            "INSERT INTO credit_claim (society_id, id, activity_id, session_id, session_key, \
             person_id, credit_type, amount_hundredths, completed_on, claimed_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10) \
             ON CONFLICT (society_id, activity_id, session_key, person_id, credit_type) \
             DO UPDATE SET amount_hundredths = excluded.amount_hundredths, \
             completed_on = excluded.completed_on, claimed_at = excluded.claimed_at \
             RETURNING id"
        )
        .bind(society)
        .bind(CreditClaimId::new().0)
        .bind(activity.0)
        .bind(session.map(|s| s.0))
        .bind(key)
        .bind(person.0)
        .bind(credit_type)
        .bind(amount_hundredths)
        .bind(completed_on)
        .bind(now.0)
        .fetch_one(c)
        .await)?;
        Ok(CreditClaimId(id))
    }

    /// Save the identifiers pharmacy credit needs on the person's record.
    pub async fn set_pharmacy_ids(
        &mut self,
        person: PersonId,
        nabp_eprofile_id: &str,
        birth_month: i64,
        birth_day: i64,
    ) -> StoreResult<()> {
        let society = self.society_id.0;
        exec!(self.tx.conn(), |c| sqlx::query(
            "UPDATE person SET nabp_eprofile_id = $3, birth_month = $4, birth_day = $5 \
             WHERE society_id = $1 AND id = $2"
        )
        .bind(society)
        .bind(person.0)
        .bind(nabp_eprofile_id)
        .bind(birth_month)
        .bind(birth_day)
        .execute(c)
        .await)?;
        Ok(())
    }
}
