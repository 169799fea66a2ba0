//! The learner's side: the activities they attended (and standalone enduring material), the
//! evaluation, credit claims judged by every rule in `core::education::check_claim`, the
//! certificate of a claim and the transcript of a date range.
//!
//! Attendance: an event's activity needs the person's attendance recorded (for a session claim,
//! that session's or the whole event's); standalone enduring material is completed online, so
//! it needs none. Industry and exhibitor registrants are never learners: they cannot claim.

use chapterhouse_core::education::{
    self as rules, ClaimCheck, ClaimError, CreditType, Credits, Learner, Scope,
};
use chapterhouse_core::people::{self, MONTHS, Profession, is_valid_birth_day};
use chapterhouse_core::validate::FieldErrors;
use chapterhouse_core::{ActivityId, CreditClaimId, EventSessionId, PersonId, Timestamp};
use chapterhouse_store::{
    Activity, ActivityCredit, CreditClaim, EvaluationQuestion, EventSession, NewAnswer, NewAudit,
    ProfileFields, Scoped, StoreError,
};
use jiff::civil::Date;

use super::activities::parse_date;
use super::pdf::{CertificateData, TranscriptData, TranscriptRow};
use crate::{Actor, App, AppError, AppResult};

/// Everything the learner's page of one activity shows.
#[derive(Clone, Debug)]
pub struct LearnerActivity {
    pub activity: Activity,
    pub sessions: Vec<EventSession>,
    pub credits: Vec<ActivityCredit>,
    pub questions: Vec<EvaluationQuestion>,
    pub evaluated_at: Option<i64>,
    pub claims: Vec<CreditClaim>,
    /// The types the learner may claim here (by profession and identifiers).
    pub claimable: Vec<CreditType>,
    pub profile: ProfileFields,
}

impl LearnerActivity {
    /// The types offered anywhere in the activity.
    pub fn offered(&self) -> Vec<CreditType> {
        offered(&self.credits)
    }

    pub fn evaluation_needed(&self) -> bool {
        !self.questions.is_empty() && self.evaluated_at.is_none()
    }
}

fn offered(credits: &[ActivityCredit]) -> Vec<CreditType> {
    let mut types: Vec<CreditType> = credits
        .iter()
        .filter_map(|c| CreditType::parse(&c.credit_type))
        .collect();
    types.sort();
    types.dedup();
    types
}

fn learner_of(fields: &ProfileFields) -> Learner<'_> {
    Learner {
        profession: Profession::parse(&fields.profession).unwrap_or(Profession::Other),
        abim_id: &fields.abim_id,
        nabp_eprofile_id: &fields.nabp_eprofile_id,
        birth_month: fields.birth_month.and_then(|m| i8::try_from(m).ok()),
        birth_day: fields.birth_day.and_then(|d| i8::try_from(d).ok()),
    }
}

/// The activities the person can open: those of events they attended, and standalone ones.
pub async fn learner_activities(scoped: &Scoped, person: PersonId) -> AppResult<Vec<Activity>> {
    Ok(scoped.learner_activities(person).await?)
}

/// One activity as the learner sees it; 404 unless it is one of theirs.
pub async fn learner_activity(
    scoped: &Scoped,
    person: PersonId,
    id: ActivityId,
) -> AppResult<LearnerActivity> {
    let activity = scoped
        .learner_activities(person)
        .await?
        .into_iter()
        .find(|a| a.id == id)
        .ok_or(AppError::NotFound)?;
    let profile = scoped.profile(person).await?.ok_or(AppError::NotFound)?;
    let credits = scoped.activity_credits(id).await?;
    let sessions = match activity.event() {
        Some(event) => scoped.event_sessions(event).await?,
        None => Vec::new(),
    };
    let claimable = rules::claimable_types(&learner_of(&profile.fields), &offered(&credits));
    Ok(LearnerActivity {
        questions: scoped.evaluation_questions(id).await?,
        evaluated_at: scoped.evaluation_submitted(id, person).await?,
        claims: scoped.activity_claims_of(id, person).await?,
        sessions,
        credits,
        claimable,
        profile: profile.fields,
        activity,
    })
}

/// Submit the evaluation: `answers` are the posted pairs, `q-<question id>` → a rating "1" to
/// "5" or the written answer. Every required question needs an answer; one evaluation per
/// learner and activity.
pub async fn submit_evaluation(
    app: &App,
    scoped: &Scoped,
    person: PersonId,
    id: ActivityId,
    answers: &[(String, String)],
    actor: &Actor,
) -> AppResult<()> {
    let activity = learner_activity(scoped, person, id).await?;
    if activity.evaluated_at.is_some() {
        return Err(AppError::field(
            "",
            "You have already completed this evaluation.",
        ));
    }
    let mut errors = FieldErrors::new();
    let mut rows = Vec::new();
    for q in &activity.questions {
        let field = format!("q-{}", q.id);
        let value = answers
            .iter()
            .find(|(k, _)| *k == field)
            .map(|(_, v)| v.trim())
            .unwrap_or("");
        if q.kind == "scale" {
            match value {
                "" if q.required => errors.add(&field, "Choose a rating from 1 to 5."),
                "" => {}
                v => match v.parse::<i64>() {
                    Ok(n) if (1..=5).contains(&n) => rows.push(NewAnswer {
                        question: q.id,
                        scale: Some(n),
                        text: String::new(),
                    }),
                    _ => errors.add(&field, "Choose a rating from 1 to 5."),
                },
            }
        } else if value.is_empty() {
            if q.required {
                errors.add(&field, "Answer this question.");
            }
        } else if value.chars().count() > 5_000 {
            errors.add(&field, "Keep your answer under 5,000 characters.");
        } else {
            rows.push(NewAnswer {
                question: q.id,
                scale: None,
                text: value.to_string(),
            });
        }
    }
    errors.into_result()?;
    let now = app.now();
    let mut tx = scoped.begin().await?;
    match tx.insert_evaluation(id, person, &rows, now).await {
        Err(StoreError::Conflict(_)) => {
            return Err(AppError::field(
                "",
                "You have already completed this evaluation.",
            ));
        }
        other => other?,
    };
    tx.audit(
        NewAudit {
            actor: actor.account,
            action: "evaluation.submitted",
            subject: &person.to_string(),
            detail: &activity.activity.title,
            ip: &actor.ip,
        },
        now,
    )
    .await?;
    tx.commit().await?;
    Ok(())
}

/// What the claim form posts: the scope (a session's id, or empty for the whole activity), the
/// credit type, the amount, and for pharmacy credit the identifiers CPE Monitor needs (saved to
/// the person's record).
#[derive(Clone, Debug, Default, serde::Deserialize)]
pub struct ClaimForm {
    #[serde(default)]
    pub session: String,
    #[serde(default)]
    pub credit_type: String,
    #[serde(default)]
    pub amount: String,
    #[serde(default)]
    pub nabp_eprofile_id: String,
    #[serde(default)]
    pub birth_month: String,
    #[serde(default)]
    pub birth_day: String,
}

/// The pharmacy identifiers typed on the claim form, when any were typed: validated, or the
/// problems named on their fields.
fn pharmacy_ids(form: &ClaimForm, errors: &mut FieldErrors) -> Option<(String, i64, i64)> {
    let (id, month, day) = (
        form.nabp_eprofile_id.trim(),
        form.birth_month.trim(),
        form.birth_day.trim(),
    );
    if id.is_empty() && month.is_empty() && day.is_empty() {
        return None;
    }
    let nabp = people::normalize_nabp_id(id);
    if nabp.is_none() {
        errors.add(
            "nabp_eprofile_id",
            "A NABP e-Profile ID is a number of up to 7 digits.",
        );
    }
    let m = month.parse::<i8>().ok().filter(|m| (1..=12).contains(m));
    let d = day.parse::<i8>().ok().filter(|d| (1..=31).contains(d));
    match (m, d) {
        (None, _) => errors.add("birth_month", "Choose the month you were born."),
        (_, None) => errors.add(
            "birth_day",
            "Enter the day you were born as a number from 1 to 31.",
        ),
        (Some(m), Some(d)) if !is_valid_birth_day(m, d) => errors.add(
            "birth_day",
            format!("{} has no day {d}.", MONTHS[(m - 1) as usize]),
        ),
        _ => {}
    }
    match (nabp, m, d) {
        (Some(n), Some(m), Some(d)) if errors.is_empty() => Some((n, m.into(), d.into())),
        _ => None,
    }
}

fn refusal(error: ClaimError) -> AppError {
    AppError::field(error.field(), &error.to_string())
}

/// Claim credit for the activity or one session, judged by every rule; a second claim of the
/// same type for the same scope replaces the first. Returns the claim's id.
pub async fn claim_credit(
    app: &App,
    scoped: &Scoped,
    person: PersonId,
    id: ActivityId,
    form: &ClaimForm,
    actor: &Actor,
) -> AppResult<CreditClaimId> {
    let activity = scoped.activity(id).await?.ok_or(AppError::NotFound)?;
    let mut profile = scoped
        .profile(person)
        .await?
        .ok_or(AppError::NotFound)?
        .fields;
    let credits = scoped.activity_credits(id).await?;
    let mut errors = FieldErrors::new();
    let credit_type = CreditType::parse(form.credit_type.trim());
    errors.check(
        credit_type.is_none(),
        "credit_type",
        "Choose the credit to claim.",
    );
    let amount = Credits::parse(&form.amount);
    errors.check(amount.is_none(), "amount", rules::CREDITS_FORMAT_MESSAGE);
    let session: Option<EventSessionId> = if form.session.trim().is_empty() {
        None
    } else {
        let parsed: Option<EventSessionId> = form.session.trim().parse().ok();
        match (activity.event(), parsed) {
            (Some(event), Some(s)) if scoped.event_session(event, s).await?.is_some() => Some(s),
            _ => {
                errors.add("session", "Choose one of the activity's sessions.");
                None
            }
        }
    };
    let pharmacy = if credit_type == Some(CreditType::Pharmacy) {
        pharmacy_ids(form, &mut errors)
    } else {
        None
    };
    errors.into_result()?;
    let (credit_type, amount) = (credit_type.expect("checked"), amount.expect("checked"));
    if let Some((nabp, month, day)) = &pharmacy {
        profile.nabp_eprofile_id = nabp.clone();
        profile.birth_month = Some(*month);
        profile.birth_day = Some(*day);
    }
    let scope_key = |s: Option<EventSessionId>| s.map(|s| s.0);
    let maximum = credits
        .iter()
        .find(|c| c.session_id == scope_key(session) && c.credit_type == credit_type.as_str())
        .map(|c| Credits(c.max_hundredths));
    let activity_maximum = match session {
        Some(_) => credits
            .iter()
            .find(|c| c.session_id.is_none() && c.credit_type == credit_type.as_str())
            .map(|c| Credits(c.max_hundredths)),
        None => None,
    };
    let claims = scoped.activity_claims_of(id, person).await?;
    let other_claims: Credits = claims
        .iter()
        .filter(|k| k.credit_type == credit_type.as_str() && k.session() != session)
        .map(|k| Credits(k.amount_hundredths))
        .sum();
    let industry = scoped.is_industry_at(id, person).await?;
    let attended = !industry
        && match activity.event() {
            Some(event) => scoped.attended(event, session, person).await?,
            None => true,
        };
    let questions = scoped.evaluation_questions(id).await?;
    let evaluated = scoped.evaluation_submitted(id, person).await?.is_some();
    let zone = scoped.society().time_zone.clone();
    let today = app.now().local_date(&zone);
    let offered = offered(&credits);
    let deadline = activity.claim_deadline.as_deref().and_then(parse_date);
    rules::check_claim(&ClaimCheck {
        learner: learner_of(&profile),
        credit_type,
        amount,
        scope: if session.is_some() {
            Scope::Session
        } else {
            Scope::Activity
        },
        offered: &offered,
        maximum,
        activity_maximum,
        other_claims,
        attended,
        evaluation_required: !questions.is_empty(),
        evaluation_submitted: evaluated,
        claim_deadline: deadline,
        today,
    })
    .map_err(refusal)?;
    let completed_on = completion_date(scoped, &activity, session, today).await?;
    let now = app.now();
    let mut tx = scoped.begin().await?;
    if let Some((nabp, month, day)) = &pharmacy {
        tx.set_pharmacy_ids(person, nabp, *month, *day).await?;
    }
    let claim = tx
        .put_claim(
            id,
            session,
            person,
            credit_type.as_str(),
            amount.0,
            &completed_on.to_string(),
            now,
        )
        .await?;
    tx.audit(
        NewAudit {
            actor: actor.account,
            action: "credit.claimed",
            subject: &person.to_string(),
            detail: &format!("{}: {}", activity.title, credit_type.amount_text(amount)),
            ip: &actor.ip,
        },
        now,
    )
    .await?;
    tx.commit().await?;
    Ok(claim)
}

/// The day a claim was completed: a live activity's (or session's) last day, never after
/// today; enduring material today.
async fn completion_date(
    scoped: &Scoped,
    activity: &Activity,
    session: Option<EventSessionId>,
    today: Date,
) -> AppResult<Date> {
    let Some(event) = activity.event() else {
        return Ok(today);
    };
    let day = match session {
        Some(s) => scoped
            .event_session(event, s)
            .await?
            .and_then(|s| s.ends_local.get(..10).and_then(parse_date)),
        None => parse_date(&activity.ends_on),
    };
    Ok(day.map(|d| d.min(today)).unwrap_or(today))
}

/// The certificate of one of the person's claims: (file name, PDF).
pub async fn certificate(
    scoped: &Scoped,
    person: PersonId,
    claim: CreditClaimId,
) -> AppResult<(String, Vec<u8>)> {
    let k = scoped
        .claim_of(claim, person)
        .await?
        .ok_or(AppError::NotFound)?;
    let activity = scoped
        .activity(k.activity_id)
        .await?
        .ok_or(AppError::NotFound)?;
    let profile = scoped.profile(person).await?.ok_or(AppError::NotFound)?;
    let credit_type = CreditType::parse(&k.credit_type).ok_or(AppError::NotFound)?;
    let society = scoped.society();
    let data = CertificateData {
        society_name: society.name.clone(),
        joint_provider: activity.joint_provider.clone(),
        learner_name: full_name(&profile.fields),
        credentials: profile.fields.credentials.clone(),
        activity_title: activity.title.clone(),
        session_title: k.session_title.clone(),
        starts_on: parse_date(&activity.starts_on).unwrap_or_default(),
        ends_on: parse_date(&activity.ends_on).unwrap_or_default(),
        location: activity.location.clone(),
        credit_type,
        amount: Credits(k.amount_hundredths),
        completed_on: parse_date(&k.completed_on).unwrap_or_default(),
        accreditation_statement: activity.accreditation_statement.clone(),
        designation_statement: activity.designation_statement.clone(),
        other_statements: activity.other_statements.clone(),
    };
    Ok((
        format!("certificate-{}", k.completed_on),
        super::pdf::certificate_pdf(&data),
    ))
}

fn full_name(fields: &ProfileFields) -> String {
    let name = format!("{} {}", fields.first_name.trim(), fields.last_name.trim());
    let name = name.trim();
    if name.is_empty() {
        fields.display_name.trim().to_string()
    } else {
        name.to_string()
    }
}

/// The default transcript period: the calendar year so far.
pub fn default_period(now: Timestamp, zone: &str) -> (Date, Date) {
    let today = now.local_date(zone);
    (jiff::civil::date(today.year(), 1, 1), today)
}

/// Read a transcript period from the query ("from", "to"; empty: the default). Problems name
/// their field.
pub fn transcript_period(
    from: &str,
    to: &str,
    now: Timestamp,
    zone: &str,
) -> Result<(Date, Date), FieldErrors> {
    let (default_from, default_to) = default_period(now, zone);
    let mut errors = FieldErrors::new();
    let mut read = |field: &str, text: &str, default: Date| {
        if text.trim().is_empty() {
            return default;
        }
        parse_date(text).unwrap_or_else(|| {
            errors.add(field, "Enter a date like 2026-01-31.");
            default
        })
    };
    let from = read("from", from, default_from);
    let to = read("to", to, default_to);
    errors.check(
        to < from,
        "to",
        "The end of the period cannot be before its start.",
    );
    errors.into_result()?;
    Ok((from, to))
}

/// The person's transcript for a period: every claim completed in it, oldest first.
pub async fn transcript(
    app: &App,
    scoped: &Scoped,
    person: PersonId,
    from: Date,
    to: Date,
) -> AppResult<TranscriptData> {
    let profile = scoped.profile(person).await?.ok_or(AppError::NotFound)?;
    let rows = scoped
        .claims_between(person, &from.to_string(), &to.to_string())
        .await?
        .into_iter()
        .filter_map(|k| {
            Some(TranscriptRow {
                completed_on: parse_date(&k.completed_on)?,
                activity_title: if k.session_title.is_empty() {
                    k.activity_title
                } else {
                    format!("{}: {}", k.activity_title, k.session_title)
                },
                credit_type: CreditType::parse(&k.credit_type)?,
                amount: Credits(k.amount_hundredths),
            })
        })
        .collect();
    Ok(TranscriptData {
        society_name: scoped.society().name.clone(),
        learner_name: full_name(&profile.fields),
        credentials: profile.fields.credentials.clone(),
        from,
        to,
        issued_on: app.now().local_date(&scoped.society().time_zone),
        rows,
    })
}
