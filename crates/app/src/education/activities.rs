//! Staff's side of an education activity: create one for an event (its title, dates, place and
//! type taken from the event) or standalone enduring material, save its details and the
//! statements as staff wrote them, the credit types and maxima it offers (for the whole
//! activity or per session), its evaluation questions, the evaluation results, and the
//! accreditor exports.

use chapterhouse_core::education::{ActivityType, CreditType, Credits};
use chapterhouse_core::events::EventKind;
use chapterhouse_core::money::Cents;
use chapterhouse_core::people::Profession;
use chapterhouse_core::validate::FieldErrors;
use chapterhouse_core::{ActivityCreditId, ActivityId, EvaluationQuestionId, EventId, Timestamp};
use chapterhouse_store::{Activity, ActivityFields, NewAudit, Scoped, StoreError};
use jiff::civil::Date;

use super::exports::{
    self, ActivityLearner, ActivityRecord, AttendanceRow, ClaimRow, EvaluationAnswer,
    JointProviderFile, JointProviderInput, LearnerCompletion, QuestionKind, QuestionResult,
};
use crate::{Actor, App, AppError, AppResult, faculty};

const MAX_STATEMENT_CHARS: usize = 5_000;
/// The largest maximum staff may designate (hours of a very long course).
/// In hundredths: 100 credits.
const MAX_CREDITS: i64 = 10_000;

pub(crate) fn parse_date(text: &str) -> Option<Date> {
    text.trim().parse().ok()
}

fn date_or_epoch(text: &str) -> Date {
    parse_date(text).unwrap_or(jiff::civil::date(1970, 1, 1))
}

/// An activity's dates as people read them: "November 19–20, 2026".
pub fn dates_text(a: &Activity) -> String {
    match (parse_date(&a.starts_on), parse_date(&a.ends_on)) {
        (Some(s), Some(e)) => super::pdf::date_range(s, e),
        _ => String::new(),
    }
}

/// What the activity form posts.
#[derive(Clone, Debug, Default, serde::Deserialize)]
pub struct ActivityForm {
    #[serde(default)]
    pub title: String,
    #[serde(default)]
    pub activity_type: String,
    #[serde(default)]
    pub joint_provider: String,
    #[serde(default)]
    pub accreditation_statement: String,
    #[serde(default)]
    pub designation_statement: String,
    #[serde(default)]
    pub other_statements: String,
    /// ISO dates: "2026-11-21".
    #[serde(default)]
    pub starts_on: String,
    #[serde(default)]
    pub ends_on: String,
    #[serde(default)]
    pub location: String,
    /// Dollars: "2,500.00"; empty is none.
    #[serde(default)]
    pub commercial_support: String,
    #[serde(default)]
    pub commercial_supporters: String,
    #[serde(default)]
    pub acpe_uan: String,
    #[serde(default)]
    pub claim_deadline: String,
}

impl ActivityForm {
    pub fn from_activity(a: &Activity) -> ActivityForm {
        ActivityForm {
            title: a.title.clone(),
            activity_type: a.activity_type.clone(),
            joint_provider: a.joint_provider.clone(),
            accreditation_statement: a.accreditation_statement.clone(),
            designation_statement: a.designation_statement.clone(),
            other_statements: a.other_statements.clone(),
            starts_on: a.starts_on.clone(),
            ends_on: a.ends_on.clone(),
            location: a.location.clone(),
            commercial_support: if a.commercial_support_cents == 0 {
                String::new()
            } else {
                Cents(a.commercial_support_cents).to_string()
            },
            commercial_supporters: a.commercial_supporters.clone(),
            acpe_uan: a.acpe_uan.clone(),
            claim_deadline: a.claim_deadline.clone().unwrap_or_default(),
        }
    }

    pub fn to_fields(&self) -> Result<ActivityFields, FieldErrors> {
        let mut errors = FieldErrors::new();
        let title = self.title.trim();
        errors.check(title.is_empty(), "title", "Give the activity a title.");
        errors.check(
            title.chars().count() > 200,
            "title",
            "Keep the title under 200 characters.",
        );
        let activity_type = ActivityType::parse(self.activity_type.trim()).unwrap_or_else(|| {
            errors.add("activity_type", "Choose the kind of activity.");
            ActivityType::Live
        });
        for (field, value) in [
            ("accreditation_statement", &self.accreditation_statement),
            ("designation_statement", &self.designation_statement),
            ("other_statements", &self.other_statements),
        ] {
            errors.check(
                value.chars().count() > MAX_STATEMENT_CHARS,
                field,
                "Keep each statement under 5,000 characters.",
            );
        }
        let starts = parse_date(&self.starts_on);
        let ends = parse_date(&self.ends_on);
        errors.check(
            starts.is_none(),
            "starts_on",
            "Enter the first day as a date, like 2026-11-21.",
        );
        errors.check(
            ends.is_none(),
            "ends_on",
            "Enter the last day as a date, like 2026-11-21.",
        );
        if let (Some(s), Some(e)) = (starts, ends) {
            errors.check(
                e < s,
                "ends_on",
                "The last day cannot be before the first day.",
            );
        }
        let support = self.commercial_support.trim();
        let commercial_support_cents = if support.is_empty() {
            0
        } else {
            match Cents::parse(support) {
                Some(c) if c.0 >= 0 => c.0,
                _ => {
                    errors.add(
                        "commercial_support",
                        "Enter the amount in dollars, like 2,500.00, or leave it empty.",
                    );
                    0
                }
            }
        };
        let uan = self.acpe_uan.trim();
        errors.check(
            uan.chars().count() > 40,
            "acpe_uan",
            "Enter the ACPE universal activity number, like 0000-0000-26-001-L01-P.",
        );
        let deadline = self.claim_deadline.trim();
        let claim_deadline = if deadline.is_empty() {
            None
        } else {
            match parse_date(deadline) {
                Some(d) => {
                    if let Some(s) = starts {
                        errors.check(
                            d < s,
                            "claim_deadline",
                            "The claim deadline cannot be before the activity starts.",
                        );
                    }
                    Some(d.to_string())
                }
                None => {
                    errors.add(
                        "claim_deadline",
                        "Enter the deadline as a date, like 2027-01-31, or leave it empty.",
                    );
                    None
                }
            }
        };
        errors.into_result()?;
        Ok(ActivityFields {
            title: title.to_string(),
            activity_type: activity_type.as_str().to_string(),
            joint_provider: self.joint_provider.trim().to_string(),
            accreditation_statement: self.accreditation_statement.trim().to_string(),
            designation_statement: self.designation_statement.trim().to_string(),
            other_statements: self.other_statements.trim().to_string(),
            starts_on: starts.expect("checked").to_string(),
            ends_on: ends.expect("checked").to_string(),
            location: self.location.trim().to_string(),
            commercial_support_cents,
            commercial_supporters: self.commercial_supporters.trim().to_string(),
            acpe_uan: uan.to_string(),
            claim_deadline,
        })
    }
}

async fn audit(
    tx: &mut chapterhouse_store::ScopedTx,
    actor: &Actor,
    action: &str,
    id: ActivityId,
    detail: &str,
    now: Timestamp,
) -> AppResult<()> {
    tx.audit(
        NewAudit {
            actor: actor.account,
            action,
            subject: &id.to_string(),
            detail,
            ip: &actor.ip,
        },
        now,
    )
    .await?;
    Ok(())
}

/// The activity type that suits an event: a meeting is a live course, a webinar an internet
/// live course, a series a regularly scheduled series.
pub fn type_for_event(kind: &str) -> ActivityType {
    match EventKind::parse(kind) {
        Some(EventKind::Webinar) => ActivityType::InternetLive,
        Some(EventKind::Series) => ActivityType::Rss,
        _ => ActivityType::Live,
    }
}

/// Create the event's activity, its title, dates, place and type taken from the event (staff
/// then add statements and credits). An event has at most one: asking again returns the one it
/// has.
pub async fn create_event_activity(
    app: &App,
    scoped: &Scoped,
    event: EventId,
    actor: &Actor,
) -> AppResult<ActivityId> {
    let e = scoped.event(event).await?.ok_or(AppError::NotFound)?;
    if let Some(existing) = scoped.event_activity(event).await? {
        return Ok(existing.id);
    }
    let start = chapterhouse_core::events::local_of(Timestamp(e.starts_at), &e.time_zone).date();
    let end = chapterhouse_core::events::local_of(Timestamp(e.ends_at), &e.time_zone).date();
    let activity_type = type_for_event(&e.kind);
    let location = if !e.location_name.trim().is_empty() {
        e.location_name.trim().to_string()
    } else {
        "Online".to_string()
    };
    let fields = ActivityFields {
        title: e.title.clone(),
        activity_type: activity_type.as_str().to_string(),
        starts_on: start.to_string(),
        ends_on: end.to_string(),
        location,
        ..Default::default()
    };
    let now = app.now();
    let mut tx = scoped.begin().await?;
    let id = match tx.insert_activity(Some(event), &fields, now).await {
        Err(StoreError::Conflict(_)) => {
            drop(tx);
            return scoped
                .event_activity(event)
                .await?
                .map(|a| a.id)
                .ok_or(AppError::Stale);
        }
        other => other?,
    };
    audit(&mut tx, actor, "activity.created", id, &fields.title, now).await?;
    tx.commit().await?;
    Ok(id)
}

/// Create standalone enduring material.
pub async fn create_activity(
    app: &App,
    scoped: &Scoped,
    form: &ActivityForm,
    actor: &Actor,
) -> AppResult<ActivityId> {
    let fields = form.to_fields()?;
    let now = app.now();
    let mut tx = scoped.begin().await?;
    let id = tx.insert_activity(None, &fields, now).await?;
    audit(&mut tx, actor, "activity.created", id, &fields.title, now).await?;
    tx.commit().await?;
    Ok(id)
}

pub async fn save_activity(
    app: &App,
    scoped: &Scoped,
    id: ActivityId,
    form: &ActivityForm,
    actor: &Actor,
) -> AppResult<()> {
    let fields = form.to_fields()?;
    let now = app.now();
    let mut tx = scoped.begin().await?;
    if !tx.update_activity(id, &fields).await? {
        return Err(AppError::NotFound);
    }
    audit(&mut tx, actor, "activity.saved", id, &fields.title, now).await?;
    tx.commit().await?;
    Ok(())
}

/// What the credit form posts: the session (empty for the whole activity), the type and the
/// maximum designated.
#[derive(Clone, Debug, Default, serde::Deserialize)]
pub struct CreditForm {
    #[serde(default)]
    pub session: String,
    #[serde(default)]
    pub credit_type: String,
    #[serde(default)]
    pub maximum: String,
}

/// Offer a credit type with its maximum for the activity or one of its event's sessions
/// (setting it again changes the maximum).
pub async fn set_credit(
    app: &App,
    scoped: &Scoped,
    id: ActivityId,
    form: &CreditForm,
    actor: &Actor,
) -> AppResult<()> {
    let activity = scoped.activity(id).await?.ok_or(AppError::NotFound)?;
    let mut errors = FieldErrors::new();
    let credit_type = CreditType::parse(form.credit_type.trim());
    errors.check(
        credit_type.is_none(),
        "credit_type",
        "Choose a credit type.",
    );
    let maximum = Credits::parse(&form.maximum);
    match maximum {
        None => errors.add(
            "maximum",
            chapterhouse_core::education::CREDITS_FORMAT_MESSAGE,
        ),
        Some(m) if m.0 <= 0 || m.0 > MAX_CREDITS => errors.add(
            "maximum",
            "Enter a maximum greater than zero and no more than 100.",
        ),
        Some(m) if m.0 % 25 != 0 => errors.add(
            "maximum",
            "Designate credit in steps of 0.25, like 1.25 or 6.5.",
        ),
        _ => {}
    }
    let session = if form.session.trim().is_empty() {
        None
    } else {
        let event = activity.event();
        let session = form.session.trim().parse().ok();
        match (event, session) {
            (Some(event), Some(session))
                if scoped.event_session(event, session).await?.is_some() =>
            {
                Some(session)
            }
            _ => {
                errors.add("session", "Choose one of the event's sessions.");
                None
            }
        }
    };
    errors.into_result()?;
    let (credit_type, maximum) = (credit_type.expect("checked"), maximum.expect("checked"));
    let now = app.now();
    let mut tx = scoped.begin().await?;
    tx.put_activity_credit(id, session, credit_type.as_str(), maximum.0)
        .await?;
    audit(
        &mut tx,
        actor,
        "activity.credit",
        id,
        &format!("{}: {maximum}", credit_type.label()),
        now,
    )
    .await?;
    tx.commit().await?;
    Ok(())
}

/// Stop offering a credit nobody has claimed.
pub async fn remove_credit(
    app: &App,
    scoped: &Scoped,
    id: ActivityId,
    credit: ActivityCreditId,
    actor: &Actor,
) -> AppResult<()> {
    let now = app.now();
    let mut tx = scoped.begin().await?;
    if !tx.delete_activity_credit(id, credit).await? {
        return Err(AppError::field(
            "credit",
            "Learners have claimed this credit, so it cannot be removed.",
        ));
    }
    audit(&mut tx, actor, "activity.credit_removed", id, "", now).await?;
    tx.commit().await?;
    Ok(())
}

/// What the question form posts.
#[derive(Clone, Debug, Default, serde::Deserialize)]
pub struct EvaluationQuestionForm {
    #[serde(default)]
    pub prompt: String,
    /// 'scale' or 'text'.
    #[serde(default)]
    pub kind: String,
    #[serde(default)]
    pub required: Option<String>,
}

pub async fn add_question(
    app: &App,
    scoped: &Scoped,
    id: ActivityId,
    form: &EvaluationQuestionForm,
    actor: &Actor,
) -> AppResult<EvaluationQuestionId> {
    scoped.activity(id).await?.ok_or(AppError::NotFound)?;
    let mut errors = FieldErrors::new();
    let prompt = form.prompt.trim();
    errors.check(prompt.is_empty(), "prompt", "Write the question.");
    errors.check(
        prompt.chars().count() > 500,
        "prompt",
        "Keep the question under 500 characters.",
    );
    let kind = form.kind.trim();
    errors.check(
        kind != "scale" && kind != "text",
        "kind",
        "Choose a rating from 1 to 5 or a written answer.",
    );
    errors.into_result()?;
    let now = app.now();
    let mut tx = scoped.begin().await?;
    let question = tx
        .insert_evaluation_question(id, prompt, kind, form.required.is_some())
        .await?;
    audit(&mut tx, actor, "activity.question", id, prompt, now).await?;
    tx.commit().await?;
    Ok(question)
}

pub async fn remove_question(
    app: &App,
    scoped: &Scoped,
    id: ActivityId,
    question: EvaluationQuestionId,
    actor: &Actor,
) -> AppResult<()> {
    let now = app.now();
    let mut tx = scoped.begin().await?;
    if !tx.delete_evaluation_question(id, question).await? {
        return Err(AppError::field(
            "question",
            "Learners have answered this question, so it cannot be removed.",
        ));
    }
    audit(&mut tx, actor, "activity.question_removed", id, "", now).await?;
    tx.commit().await?;
    Ok(())
}

// ---------------------------------------------------------------------------------------------
// Evaluation results.

/// The evaluation results of an activity.
pub async fn evaluation_results(scoped: &Scoped, id: ActivityId) -> AppResult<Vec<QuestionResult>> {
    Ok(exports::question_results(&evaluation(scoped, id).await?))
}

/// An activity's questions with every answer given.
async fn evaluation(
    scoped: &Scoped,
    id: ActivityId,
) -> AppResult<Vec<exports::EvaluationQuestion>> {
    let answers = scoped.evaluation_answers(id).await?;
    Ok(scoped
        .evaluation_questions(id)
        .await?
        .into_iter()
        .map(|q| exports::EvaluationQuestion {
            kind: if q.kind == "scale" {
                QuestionKind::Scale
            } else {
                QuestionKind::Text
            },
            answers: answers
                .iter()
                .filter(|a| a.question_id == q.id)
                .map(|a| EvaluationAnswer {
                    scale: small(a.scale),
                    text: a.text.clone(),
                    is_industry: a.is_industry,
                })
                .collect(),
            prompt: q.prompt,
        })
        .collect())
}

// ---------------------------------------------------------------------------------------------
// Exports.

/// The files staff can download from an activity's page.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ExportKind {
    ParsLearners,
    ParsActivity,
    CpeMonitor,
    /// One file of the joint-provider package.
    JointProvider(JointProviderFile),
}

impl ExportKind {
    /// From the file name in the download link.
    pub fn parse(name: &str) -> Option<ExportKind> {
        match name {
            "pars-learners.txt" => Some(ExportKind::ParsLearners),
            "pars-activity.txt" => Some(ExportKind::ParsActivity),
            "cpe-monitor.csv" => Some(ExportKind::CpeMonitor),
            other => JointProviderFile::parse(other.strip_prefix("joint-")?)
                .map(ExportKind::JointProvider),
        }
    }

    pub fn file_name(self) -> String {
        match self {
            ExportKind::ParsLearners => "pars-learners.txt".into(),
            ExportKind::ParsActivity => "pars-activity.txt".into(),
            ExportKind::CpeMonitor => "cpe-monitor.csv".into(),
            ExportKind::JointProvider(f) => format!("joint-{}", f.name()),
        }
    }

    pub fn content_type(self) -> &'static str {
        match self {
            ExportKind::ParsLearners | ExportKind::ParsActivity => {
                "text/tab-separated-values; charset=utf-8"
            }
            _ => "text/csv; charset=utf-8",
        }
    }
}

/// A file to download, and who was left out of it and why.
#[derive(Clone, Debug)]
pub struct Download {
    pub file_name: String,
    pub content_type: &'static str,
    pub text: String,
    pub skipped: Vec<exports::Skipped>,
}

fn profession(text: &str) -> Profession {
    Profession::parse(text).unwrap_or(Profession::Other)
}

fn small(value: Option<i64>) -> Option<i8> {
    value.and_then(|v| i8::try_from(v).ok())
}

async fn completions(scoped: &Scoped, id: ActivityId) -> AppResult<Vec<LearnerCompletion>> {
    Ok(scoped
        .activity_learner_claims(id)
        .await?
        .into_iter()
        .filter_map(|k| {
            Some(LearnerCompletion {
                credit_type: CreditType::parse(&k.credit_type)?,
                board_id: if k.credit_type == CreditType::AbimMoc.as_str() {
                    k.abim_id.clone()
                } else {
                    String::new()
                },
                first_name: k.first_name,
                last_name: k.last_name,
                licence_number: k.licence_number,
                licence_state: k.licence_state,
                nabp_eprofile_id: k.nabp_eprofile_id,
                birth_month: small(k.birth_month),
                birth_day: small(k.birth_day),
                completed_on: date_or_epoch(&k.completed_on),
                credits: Credits(k.amount_hundredths),
                is_industry: k.is_industry,
            })
        })
        .collect())
}

/// Build one export of an activity.
pub async fn export(scoped: &Scoped, id: ActivityId, kind: ExportKind) -> AppResult<Download> {
    let activity = scoped.activity(id).await?.ok_or(AppError::NotFound)?;
    let (text, skipped) = match kind {
        ExportKind::ParsLearners => {
            let file = exports::pars_learners_tsv(&completions(scoped, id).await?);
            (file.text, file.skipped)
        }
        ExportKind::CpeMonitor => {
            let file =
                exports::cpe_monitor_csv(&activity.acpe_uan, &completions(scoped, id).await?);
            (file.text, file.skipped)
        }
        ExportKind::ParsActivity => {
            let designated = scoped
                .activity_credits(id)
                .await?
                .into_iter()
                .filter(|c| c.session_id.is_none())
                .filter_map(|c| {
                    Some((
                        CreditType::parse(&c.credit_type)?,
                        Credits(c.max_hundredths),
                    ))
                })
                .collect();
            let learners = match activity.event() {
                Some(event) => {
                    let mut seen = std::collections::BTreeSet::new();
                    scoped
                        .event_attendance(event)
                        .await?
                        .into_iter()
                        .filter(|a| a.attended && seen.insert(a.person_id))
                        .map(|a| ActivityLearner {
                            profession: profession(&a.profession),
                            is_industry: a.is_industry,
                        })
                        .collect()
                }
                // Enduring material: its learners are those who claimed credit.
                None => {
                    let mut seen = std::collections::BTreeSet::new();
                    scoped
                        .activity_learner_claims(id)
                        .await?
                        .into_iter()
                        .filter(|k| seen.insert(k.person_id))
                        .map(|k| ActivityLearner {
                            profession: profession(&k.profession),
                            is_industry: k.is_industry,
                        })
                        .collect()
                }
            };
            let record = ActivityRecord {
                activity_type: ActivityType::parse(&activity.activity_type)
                    .unwrap_or(ActivityType::Live),
                title: activity.title.clone(),
                starts_on: date_or_epoch(&activity.starts_on),
                ends_on: date_or_epoch(&activity.ends_on),
                location: activity.location.clone(),
                designated,
                commercial_support: Cents(activity.commercial_support_cents),
                commercial_supporters: activity
                    .commercial_supporters
                    .lines()
                    .map(str::trim)
                    .filter(|l| !l.is_empty())
                    .map(str::to_string)
                    .collect(),
                learners,
            };
            (exports::pars_activity_tsv(&[record]), Vec::new())
        }
        ExportKind::JointProvider(file) => {
            let input = joint_provider_input(scoped, &activity, file).await?;
            (exports::joint_provider_file(file, &input), Vec::new())
        }
    };
    Ok(Download {
        file_name: kind.file_name(),
        content_type: kind.content_type(),
        text,
        skipped,
    })
}

/// What one file of the joint-provider package needs, read for that file alone.
async fn joint_provider_input(
    scoped: &Scoped,
    activity: &Activity,
    file: JointProviderFile,
) -> AppResult<JointProviderInput> {
    let mut input = JointProviderInput::default();
    match (file, activity.event()) {
        (JointProviderFile::Attendance, Some(event)) => {
            input.attendance = scoped
                .event_attendance(event)
                .await?
                .into_iter()
                .map(|a| AttendanceRow {
                    profession: profession(&a.profession),
                    first_name: a.first_name,
                    last_name: a.last_name,
                    email: a.email,
                    credentials: a.credentials,
                    session: a.session_title,
                    minutes: a.minutes,
                    attended: a.attended,
                    is_industry: a.is_industry,
                })
                .collect();
        }
        (JointProviderFile::Disclosures, Some(event)) => {
            input.disclosures = faculty::joint_provider_disclosures(scoped, event).await?;
        }
        (JointProviderFile::Attendance | JointProviderFile::Disclosures, None) => {}
        (JointProviderFile::Credits, _) => {
            input.claims = scoped
                .activity_learner_claims(activity.id)
                .await?
                .into_iter()
                .filter_map(|k| {
                    Some(ClaimRow {
                        credit_type: CreditType::parse(&k.credit_type)?,
                        profession: profession(&k.profession),
                        first_name: k.first_name,
                        last_name: k.last_name,
                        email: k.email,
                        session: k.session_title,
                        credits: Credits(k.amount_hundredths),
                        completed_on: date_or_epoch(&k.completed_on),
                        is_industry: k.is_industry,
                    })
                })
                .collect();
        }
        (JointProviderFile::EvaluationSummary | JointProviderFile::EvaluationComments, _) => {
            input.evaluation = evaluation(scoped, activity.id).await?;
        }
    }
    Ok(input)
}
