//! Demo education: the annual meeting's activity (AMA PRA Category 1 Credit™ for the day and
//! per session, participation for everyone else, an evaluation); the regional meeting that is
//! over, which the demo member attended, evaluated and claimed credit for; and a standalone
//! enduring activity (a recorded webinar) the demo member completed. Written through the same
//! use-cases staff and learners use.

use chapterhouse_core::education::{
    ActivityType, Credits, accreditation_statement, designation_statement,
};
use chapterhouse_core::{ActivityId, EventId, PersonId};
use chapterhouse_store::{Event, Scoped, Society};

use crate::education::activities::{
    self, ActivityForm, CreditForm, EvaluationQuestionForm, create_event_activity,
};
use crate::education::attendance::mark_attendance;
use crate::education::learner::{self, ClaimForm};
use crate::{Actor, App, AppResult};

/// The accredited partner named on the demo activities.
const PARTNER: &str = "Granite State Continuing Medical Education";

const QUESTIONS: [(&str, &str); 4] = [
    ("The activity met its stated learning objectives.", "scale"),
    ("The content was free of commercial bias.", "scale"),
    (
        "I will change something in my practice as a result.",
        "scale",
    ),
    (
        "What will you change, or what should we cover next time?",
        "text",
    ),
];

async fn statements(
    app: &App,
    scoped: &Scoped,
    id: ActivityId,
    society: &Society,
    activity_type: ActivityType,
    maximum: Credits,
    actor: &Actor,
) -> AppResult<()> {
    let stored = scoped
        .activity(id)
        .await?
        .ok_or(crate::AppError::NotFound)?;
    activities::save_activity(
        app,
        scoped,
        id,
        &ActivityForm {
            activity_type: activity_type.as_str().into(),
            joint_provider: PARTNER.into(),
            accreditation_statement: accreditation_statement(PARTNER, Some(&society.name)),
            designation_statement: designation_statement(PARTNER, activity_type, maximum),
            other_statements: "Other learners receive a certificate of participation.".into(),
            ..ActivityForm::from_activity(&stored)
        },
        actor,
    )
    .await
}

async fn credit(
    app: &App,
    scoped: &Scoped,
    id: ActivityId,
    session: String,
    credit_type: &str,
    maximum: Credits,
    actor: &Actor,
) -> AppResult<()> {
    activities::set_credit(
        app,
        scoped,
        id,
        &CreditForm {
            session,
            credit_type: credit_type.into(),
            maximum: maximum.to_string(),
        },
        actor,
    )
    .await
}

async fn questions(app: &App, scoped: &Scoped, id: ActivityId, actor: &Actor) -> AppResult<()> {
    for (prompt, kind) in QUESTIONS {
        activities::add_question(
            app,
            scoped,
            id,
            &EvaluationQuestionForm {
                prompt: prompt.into(),
                kind: kind.into(),
                required: (kind == "scale").then(|| "on".into()),
            },
            actor,
        )
        .await?;
    }
    Ok(())
}

async fn evaluate(
    app: &App,
    scoped: &Scoped,
    person: PersonId,
    id: ActivityId,
    comment: &str,
    actor: &Actor,
) -> AppResult<()> {
    let answers: Vec<(String, String)> = scoped
        .evaluation_questions(id)
        .await?
        .into_iter()
        .map(|q| {
            let value = if q.kind == "scale" {
                "5".to_string()
            } else {
                comment.to_string()
            };
            (format!("q-{}", q.id), value)
        })
        .collect();
    learner::submit_evaluation(app, scoped, person, id, &answers, actor).await
}

fn find<'a>(events: &'a [Event], starts: &str) -> Option<&'a Event> {
    events.iter().find(|e| e.title.contains(starts))
}

/// The sessions of the annual meeting that carry credit, with their maxima (an hour a credit).
fn session_credit(title: &str) -> Option<Credits> {
    match title {
        "Welcome and keynote: the year in oncology" => Some(Credits(100)),
        "Breast cancer: what changed this year" => Some(Credits(100)),
        "Hematologic malignancies in community practice" => Some(Credits(100)),
        "Live thoracic tumor board" => Some(Credits(150)),
        "Policy update: prior authorization and coverage" => Some(Credits(100)),
        _ => None,
    }
}

pub(super) async fn seed(app: &App, society: &Society, member: Option<PersonId>) -> AppResult<()> {
    let scoped = app.scoped(society);
    if !scoped.activities().await?.is_empty() {
        return Ok(());
    }
    let actor = Actor::anonymous("demo");
    let events = scoped.staff_events().await?;

    // The annual meeting: 5.50 credits for the day, a maximum per session.
    if let Some(annual) = find(&events, "Annual Meeting") {
        let id = create_event_activity(app, &scoped, annual.id, &actor).await?;
        let mut total = Credits::ZERO;
        for s in scoped.event_sessions(annual.id).await? {
            if let Some(maximum) = session_credit(&s.title) {
                credit(
                    app,
                    &scoped,
                    id,
                    s.id.to_string(),
                    "ama_pra_1",
                    maximum,
                    &actor,
                )
                .await?;
                total = total + maximum;
            }
        }
        statements(app, &scoped, id, society, ActivityType::Live, total, &actor).await?;
        credit(app, &scoped, id, String::new(), "ama_pra_1", total, &actor).await?;
        credit(
            app,
            &scoped,
            id,
            String::new(),
            "participation",
            total,
            &actor,
        )
        .await?;
        questions(app, &scoped, id, &actor).await?;
    }

    // The regional meeting that is over: the demo member was there.
    if let Some(past) = find(&events, "regional evening meeting") {
        let id = create_event_activity(app, &scoped, past.id, &actor).await?;
        let maximum = Credits(150);
        statements(
            app,
            &scoped,
            id,
            society,
            ActivityType::Live,
            maximum,
            &actor,
        )
        .await?;
        credit(
            app,
            &scoped,
            id,
            String::new(),
            "ama_pra_1",
            maximum,
            &actor,
        )
        .await?;
        credit(
            app,
            &scoped,
            id,
            String::new(),
            "participation",
            maximum,
            &actor,
        )
        .await?;
        questions(app, &scoped, id, &actor).await?;
        if let Some(member) = member {
            attended(app, &scoped, past.id, member, &actor).await?;
            evaluate(
                app,
                &scoped,
                member,
                id,
                "More on oral chemotherapy adherence.",
                &actor,
            )
            .await?;
            claim(app, &scoped, member, id, "1.5", &actor).await?;
        }
    }

    // A recorded webinar: enduring material, completed online.
    let today = crate::membership::today(app, &scoped);
    let start = jiff::civil::date(today.year(), 1, 1);
    let end = jiff::civil::date(today.year() + 1, 12, 31);
    let enduring = activities::create_activity(
        app,
        &scoped,
        &ActivityForm {
            title: "Managing immune-related adverse events (recorded webinar)".into(),
            activity_type: ActivityType::InternetEnduring.as_str().into(),
            starts_on: start.to_string(),
            ends_on: end.to_string(),
            location: "Online".into(),
            claim_deadline: end.to_string(),
            ..Default::default()
        },
        &actor,
    )
    .await?;
    let maximum = Credits(100);
    statements(
        app,
        &scoped,
        enduring,
        society,
        ActivityType::InternetEnduring,
        maximum,
        &actor,
    )
    .await?;
    credit(
        app,
        &scoped,
        enduring,
        String::new(),
        "ama_pra_1",
        maximum,
        &actor,
    )
    .await?;
    credit(
        app,
        &scoped,
        enduring,
        String::new(),
        "participation",
        maximum,
        &actor,
    )
    .await?;
    questions(app, &scoped, enduring, &actor).await?;
    if let Some(member) = member {
        evaluate(
            app,
            &scoped,
            member,
            enduring,
            "A checklist for the clinic.",
            &actor,
        )
        .await?;
        claim(app, &scoped, member, enduring, "1", &actor).await?;
    }
    Ok(())
}

async fn attended(
    app: &App,
    scoped: &Scoped,
    event: EventId,
    member: PersonId,
    actor: &Actor,
) -> AppResult<()> {
    mark_attendance(app, scoped, event, None, member, true, actor).await
}

async fn claim(
    app: &App,
    scoped: &Scoped,
    member: PersonId,
    id: ActivityId,
    amount: &str,
    actor: &Actor,
) -> AppResult<()> {
    // The demo member's profession decides the credit (a physician claims AMA PRA Category 1).
    let page = learner::learner_activity(scoped, member, id).await?;
    let Some(credit_type) = page.claimable.first() else {
        return Ok(());
    };
    learner::claim_credit(
        app,
        scoped,
        member,
        id,
        &ClaimForm {
            credit_type: credit_type.as_str().into(),
            amount: amount.into(),
            ..Default::default()
        },
        actor,
    )
    .await?;
    Ok(())
}
