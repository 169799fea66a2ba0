//! Accredited education use-cases: attendance, activities with credits per activity and per
//! session, the evaluation, every claim refusal, certificates and transcripts (their PDF text
//! extracted), and the accreditor exports, with industry registrants never learners.
//! SQLite by default, PostgreSQL when `CHAPTERHOUSE_TEST_DATABASE_URL` is set.

use chapterhouse_app::education::activities::{
    self, ActivityForm, CreditForm, EvaluationQuestionForm, ExportKind,
};
use chapterhouse_app::education::attendance::mark_attendance;
use chapterhouse_app::education::learner::{self, ClaimForm};
use chapterhouse_app::events::{self, EventForm, SessionForm, TypeForm};
use chapterhouse_app::{Actor, AppError};
use chapterhouse_core::{ActivityId, EventId, EventSessionId, PersonId};
use chapterhouse_store::{AttendanceSource, NewAttendance, ProfileFields, Scoped};
use chapterhouse_testkit::sql;

mod common;
use common::{Fixture, fixture, society};

fn staff() -> Actor {
    Actor::anonymous("203.0.113.9")
}

fn problem<T: std::fmt::Debug>(result: Result<T, AppError>) -> String {
    match result {
        Err(AppError::Invalid(errors)) => errors.to_string(),
        other => panic!("expected a refusal, got {other:?}"),
    }
}

fn pdf_text(bytes: &[u8]) -> String {
    assert!(bytes.starts_with(b"%PDF-"), "a PDF");
    let doc = lopdf::Document::load_mem(bytes).expect("a readable PDF");
    let pages: Vec<u32> = doc.get_pages().keys().copied().collect();
    let text = doc.extract_text(&pages).expect("text extracts");
    text.split_whitespace().collect::<Vec<_>>().join(" ")
}

async fn person(
    f: &Fixture,
    scoped: &Scoped,
    email: &str,
    first: &str,
    last: &str,
    profession: &str,
) -> PersonId {
    let mut tx = scoped.begin().await.unwrap();
    let id = tx
        .insert_person(email, &format!("{first} {last}"), f.app.now())
        .await
        .unwrap();
    tx.update_profile(
        id,
        &ProfileFields {
            display_name: format!("{first} {last}"),
            first_name: first.into(),
            last_name: last.into(),
            credentials: if profession == "physician" {
                "MD".into()
            } else {
                String::new()
            },
            profession: profession.into(),
            ..Default::default()
        },
        f.app.now(),
    )
    .await
    .unwrap();
    tx.commit().await.unwrap();
    id
}

struct Meeting {
    event: EventId,
    morning: EventSessionId,
    afternoon: EventSessionId,
    activity: ActivityId,
}

/// A two-day meeting that ended yesterday (the fixture's today is 21 November 2026), with two
/// sessions, an activity designated for 6.25 AMA PRA Category 1 credits (3.00 for the morning,
/// 3.25 for the afternoon), pharmacy CE of 2.00, participation, and two evaluation questions.
async fn meeting(f: &Fixture, scoped: &Scoped) -> Meeting {
    let event = events::create_event(
        &f.app,
        scoped,
        &EventForm {
            title: "Annual Oncology Update".into(),
            kind: "meeting".into(),
            starts: "2026-11-19T08:00".into(),
            ends: "2026-11-20T17:00".into(),
            location_name: "Hynes Convention Center".into(),
            ..Default::default()
        },
        &staff(),
    )
    .await
    .unwrap();
    events::publish_event(&f.app, scoped, event, &staff())
        .await
        .unwrap();
    let session = |title: &str, starts: &str, ends: &str| SessionForm {
        title: title.into(),
        starts: starts.into(),
        ends: ends.into(),
        ..Default::default()
    };
    let morning = events::add_session(
        &f.app,
        scoped,
        event,
        &session(
            "Immunotherapy in practice",
            "2026-11-19T08:00",
            "2026-11-19T11:00",
        ),
        &staff(),
    )
    .await
    .unwrap();
    let afternoon = events::add_session(
        &f.app,
        scoped,
        event,
        &session("Cardio-oncology", "2026-11-20T13:00", "2026-11-20T16:15"),
        &staff(),
    )
    .await
    .unwrap();
    let activity = activities::create_event_activity(&f.app, scoped, event, &staff())
        .await
        .unwrap();
    activities::save_activity(
        &f.app,
        scoped,
        activity,
        &ActivityForm {
            title: "Annual Oncology Update".into(),
            activity_type: "live".into(),
            joint_provider: "Partner CME Institute".into(),
            accreditation_statement: "Partner CME Institute is accredited by the ACCME.".into(),
            designation_statement: "Partner CME Institute designates this live activity for a maximum of 6.25 AMA PRA Category 1 Credits™.".into(),
            other_statements: "Pharmacists: 2.0 contact hours.".into(),
            starts_on: "2026-11-19".into(),
            ends_on: "2026-11-20".into(),
            location: "Boston, MA".into(),
            commercial_support: "2,500.00".into(),
            commercial_supporters: "Acme Pharma".into(),
            acpe_uan: "0000-0000-26-001-L01-P".into(),
            claim_deadline: "2027-01-31".into(),
        },
        &staff(),
    )
    .await
    .unwrap();
    for (session, credit_type, maximum) in [
        (String::new(), "ama_pra_1", "6.25"),
        (morning.to_string(), "ama_pra_1", "3"),
        (afternoon.to_string(), "ama_pra_1", "3.25"),
        (String::new(), "pharmacy", "2"),
        (String::new(), "participation", "6.25"),
    ] {
        activities::set_credit(
            &f.app,
            scoped,
            activity,
            &CreditForm {
                session,
                credit_type: credit_type.into(),
                maximum: maximum.into(),
            },
            &staff(),
        )
        .await
        .unwrap();
    }
    for (prompt, kind) in [
        ("The content was free of commercial bias.", "scale"),
        ("What will you change in your practice?", "text"),
    ] {
        activities::add_question(
            &f.app,
            scoped,
            activity,
            &EvaluationQuestionForm {
                prompt: prompt.into(),
                kind: kind.into(),
                required: Some("on".into()),
            },
            &staff(),
        )
        .await
        .unwrap();
    }
    Meeting {
        event,
        morning,
        afternoon,
        activity,
    }
}

async fn evaluate(
    f: &Fixture,
    scoped: &Scoped,
    who: PersonId,
    activity: ActivityId,
    rating: &str,
    comment: &str,
) -> Result<(), AppError> {
    let questions = scoped.evaluation_questions(activity).await.unwrap();
    let answers = vec![
        (format!("q-{}", questions[0].id), rating.to_string()),
        (format!("q-{}", questions[1].id), comment.to_string()),
    ];
    learner::submit_evaluation(&f.app, scoped, who, activity, &answers, &staff()).await
}

fn claim(session: Option<EventSessionId>, credit_type: &str, amount: &str) -> ClaimForm {
    ClaimForm {
        session: session.map(|s| s.to_string()).unwrap_or_default(),
        credit_type: credit_type.into(),
        amount: amount.into(),
        ..Default::default()
    }
}

#[tokio::test]
async fn attendance_is_recorded_once_per_person_and_scope_and_a_whole_event_row_covers_sessions() {
    let f = fixture().await;
    let s = society(&f, "alpha").await;
    let scoped = f.app.scoped(&s);
    let m = meeting(&f, &scoped).await;
    let ada = person(
        &f,
        &scoped,
        "ada@alpha.test",
        "Ada",
        "Lovelace",
        "physician",
    )
    .await;
    let bo = person(&f, &scoped, "bo@alpha.test", "Bo", "Diddley", "nurse").await;
    assert!(!scoped.attended(m.event, None, ada).await.unwrap());
    // Bo attended only the morning session (an imported report, 170 minutes).
    let mut tx = scoped.begin().await.unwrap();
    let first = tx
        .record_attendance(
            &NewAttendance {
                event: m.event,
                session: Some(m.morning),
                person: bo,
                registration: None,
                minutes: 170,
                attended: true,
                source: AttendanceSource::Import,
                import: None,
            },
            f.app.now(),
        )
        .await
        .unwrap();
    tx.commit().await.unwrap();
    assert!(scoped.attended(m.event, None, bo).await.unwrap());
    assert!(scoped.attended(m.event, Some(m.morning), bo).await.unwrap());
    assert!(
        !scoped
            .attended(m.event, Some(m.afternoon), bo)
            .await
            .unwrap()
    );
    // Ada checked in at the door: the whole event, so both sessions.
    mark_attendance(&f.app, &scoped, m.event, None, ada, true, &staff())
        .await
        .unwrap();
    assert!(
        scoped
            .attended(m.event, Some(m.afternoon), ada)
            .await
            .unwrap()
    );
    // Marking again replaces the row rather than adding one.
    mark_attendance(
        &f.app,
        &scoped,
        m.event,
        Some(m.morning),
        bo,
        false,
        &staff(),
    )
    .await
    .unwrap();
    let rows = scoped.event_attendance(m.event).await.unwrap();
    assert_eq!(rows.len(), 2, "{rows:?}");
    let bo_row = rows.iter().find(|r| r.person_id == bo).unwrap();
    assert_eq!(bo_row.id, first);
    assert!(!bo_row.attended);
    assert_eq!(bo_row.minutes, 170, "staff marking keeps the minutes");
    assert_eq!(bo_row.source, "staff");
    assert_eq!(bo_row.session_title, "Immunotherapy in practice");
    assert!(!scoped.attended(m.event, None, bo).await.unwrap());
    // Another society cannot see or use them.
    let t = society(&f, "beta").await;
    let other = f.app.scoped(&t);
    assert!(other.event_attendance(m.event).await.unwrap().is_empty());
    assert!(!other.attended(m.event, None, ada).await.unwrap());
}

#[tokio::test]
async fn a_physician_evaluates_claims_by_session_and_downloads_certificate_and_transcript() {
    let f = fixture().await;
    let s = society(&f, "alpha").await;
    let scoped = f.app.scoped(&s);
    let m = meeting(&f, &scoped).await;
    let ada = person(
        &f,
        &scoped,
        "ada@alpha.test",
        "Ada",
        "Lovelace",
        "physician",
    )
    .await;
    // Not attended: the activity is not hers to open.
    assert!(
        learner::learner_activities(&scoped, ada)
            .await
            .unwrap()
            .is_empty()
    );
    mark_attendance(&f.app, &scoped, m.event, None, ada, true, &staff())
        .await
        .unwrap();
    let listed = learner::learner_activities(&scoped, ada).await.unwrap();
    assert_eq!(listed.len(), 1);
    let page = learner::learner_activity(&scoped, ada, m.activity)
        .await
        .unwrap();
    assert!(page.evaluation_needed());
    assert_eq!(
        page.claimable,
        vec![chapterhouse_core::education::CreditType::AmaPra1]
    );
    // Required answers.
    let missing =
        problem(learner::submit_evaluation(&f.app, &scoped, ada, m.activity, &[], &staff()).await);
    assert!(
        missing.contains("Choose a rating from 1 to 5."),
        "{missing}"
    );
    assert!(missing.contains("Answer this question."), "{missing}");
    evaluate(
        &f,
        &scoped,
        ada,
        m.activity,
        "5",
        "Screen for cardiotoxicity earlier.",
    )
    .await
    .unwrap();
    let again = problem(evaluate(&f, &scoped, ada, m.activity, "4", "x").await);
    assert!(again.contains("already completed"), "{again}");

    let morning = learner::claim_credit(
        &f.app,
        &scoped,
        ada,
        m.activity,
        &claim(Some(m.morning), "ama_pra_1", "3"),
        &staff(),
    )
    .await
    .unwrap();
    learner::claim_credit(
        &f.app,
        &scoped,
        ada,
        m.activity,
        &claim(Some(m.afternoon), "ama_pra_1", "2.5"),
        &staff(),
    )
    .await
    .unwrap();
    // Claiming the afternoon again replaces it (3.25 now fits: 3 + 3.25 = 6.25).
    learner::claim_credit(
        &f.app,
        &scoped,
        ada,
        m.activity,
        &claim(Some(m.afternoon), "ama_pra_1", "3.25"),
        &staff(),
    )
    .await
    .unwrap();
    let claims = scoped.activity_claims_of(m.activity, ada).await.unwrap();
    assert_eq!(claims.len(), 2);
    assert_eq!(claims.iter().map(|k| k.amount_hundredths).sum::<i64>(), 625);
    assert_eq!(claims[0].completed_on, "2026-11-19");
    assert_eq!(claims[1].completed_on, "2026-11-20");

    let (name, pdf) = learner::certificate(&scoped, ada, morning).await.unwrap();
    assert_eq!(name, "certificate-2026-11-19");
    let text = pdf_text(&pdf);
    for expected in [
        "alpha oncology society",
        "Jointly provided by Partner CME Institute",
        "Certificate of Credit",
        "Ada Lovelace, MD",
        "Annual Oncology Update",
        "Session: Immunotherapy in practice",
        "3.00 AMA PRA Category 1 Credits",
        "Partner CME Institute is accredited by the ACCME.",
        "designates this live activity for a maximum of 6.25",
        "Pharmacists: 2.0 contact hours.",
    ] {
        assert!(text.contains(expected), "missing {expected:?} in {text}");
    }
    // Someone else's claim is not found.
    let bo = person(&f, &scoped, "bo@alpha.test", "Bo", "Diddley", "nurse").await;
    assert!(matches!(
        learner::certificate(&scoped, bo, morning).await,
        Err(AppError::NotFound)
    ));

    let from = jiff::civil::date(2026, 1, 1);
    let to = jiff::civil::date(2026, 12, 31);
    let transcript = learner::transcript(&f.app, &scoped, ada, from, to)
        .await
        .unwrap();
    assert_eq!(transcript.rows.len(), 2);
    let text = pdf_text(&chapterhouse_app::education::pdf::transcript_pdf(
        &transcript,
    ));
    assert!(
        text.contains("Annual Oncology Update: Cardio-oncology"),
        "{text}"
    );
    assert!(text.contains("6.25"), "{text}");
    let empty = learner::transcript(
        &f.app,
        &scoped,
        ada,
        jiff::civil::date(2025, 1, 1),
        jiff::civil::date(2025, 12, 31),
    )
    .await
    .unwrap();
    assert!(empty.rows.is_empty());
}

#[tokio::test]
async fn claims_are_refused_with_the_reason() {
    let f = fixture().await;
    let s = society(&f, "alpha").await;
    let scoped = f.app.scoped(&s);
    let m = meeting(&f, &scoped).await;
    let ada = person(
        &f,
        &scoped,
        "ada@alpha.test",
        "Ada",
        "Lovelace",
        "physician",
    )
    .await;
    let try_claim = |form: ClaimForm| {
        let (app, scoped) = (f.app.clone(), scoped.clone());
        async move { learner::claim_credit(&app, &scoped, ada, m.activity, &form, &staff()).await }
    };
    // Before attendance.
    assert_eq!(
        problem(try_claim(claim(None, "ama_pra_1", "1")).await),
        ": Your attendance has not been recorded, so you cannot claim credit yet."
    );
    mark_attendance(
        &f.app,
        &scoped,
        m.event,
        Some(m.morning),
        ada,
        true,
        &staff(),
    )
    .await
    .unwrap();
    // Attended the morning only: the afternoon is still refused.
    assert!(
        problem(try_claim(claim(Some(m.afternoon), "ama_pra_1", "1")).await)
            .contains("Your attendance has not been recorded")
    );
    // Before the evaluation.
    assert!(
        problem(try_claim(claim(Some(m.morning), "ama_pra_1", "1")).await)
            .contains("Complete the evaluation first.")
    );
    evaluate(&f, &scoped, ada, m.activity, "4", "More cases.")
        .await
        .unwrap();
    // Off the 0.25 step.
    assert!(
        problem(try_claim(claim(Some(m.morning), "ama_pra_1", "1.1")).await)
            .contains("Credits are claimed in steps of 0.25.")
    );
    // Not a number.
    assert!(
        problem(try_claim(claim(Some(m.morning), "ama_pra_1", "lots")).await)
            .contains("Enter a number of credits such as 1.25.")
    );
    // Above the session's maximum.
    assert!(
        problem(try_claim(claim(Some(m.morning), "ama_pra_1", "3.25")).await)
            .contains("You can claim at most 3.00 credits for this session.")
    );
    // Above the activity's maximum counting what is already claimed.
    try_claim(claim(Some(m.morning), "ama_pra_1", "3"))
        .await
        .unwrap();
    let whole = problem(try_claim(claim(None, "ama_pra_1", "4")).await);
    assert!(
        whole.contains("with your other claims you can claim at most 3.25 more"),
        "{whole}"
    );
    // A credit the session does not offer, and the wrong credit for the profession.
    assert!(
        problem(try_claim(claim(Some(m.morning), "pharmacy", "1")).await)
            .contains("This session does not offer pharmacy CE (ACPE).")
    );
    assert!(
        problem(try_claim(claim(None, "pharmacy", "1")).await)
            .contains("Pharmacy CE (ACPE) is for pharmacists.")
    );
    // Nothing was written by the refusals.
    let claims = scoped.activity_claims_of(m.activity, ada).await.unwrap();
    assert_eq!(claims.len(), 1);
    assert_eq!(claims[0].amount_hundredths, 300);

    // After the deadline.
    common::set_clock(&f, "2027-02-01T15:00:00Z");
    assert!(
        problem(try_claim(claim(Some(m.morning), "ama_pra_1", "1")).await)
            .contains("The deadline to claim credit for this activity was January 31, 2027.")
    );
}

#[tokio::test]
async fn a_pharmacist_gives_the_nabp_id_and_birthday_on_the_claim_form() {
    let f = fixture().await;
    let s = society(&f, "alpha").await;
    let scoped = f.app.scoped(&s);
    let m = meeting(&f, &scoped).await;
    let phil = person(
        &f,
        &scoped,
        "phil@alpha.test",
        "Phil",
        "Pharm",
        "pharmacist",
    )
    .await;
    mark_attendance(&f.app, &scoped, m.event, None, phil, true, &staff())
        .await
        .unwrap();
    evaluate(&f, &scoped, phil, m.activity, "3", "Dose checks.")
        .await
        .unwrap();
    let without = problem(
        learner::claim_credit(
            &f.app,
            &scoped,
            phil,
            m.activity,
            &claim(None, "pharmacy", "2"),
            &staff(),
        )
        .await,
    );
    assert!(
        without.contains("Add your NABP e-Profile ID and your birth month and day"),
        "{without}"
    );
    let bad = problem(
        learner::claim_credit(
            &f.app,
            &scoped,
            phil,
            m.activity,
            &ClaimForm {
                nabp_eprofile_id: "12345678".into(),
                birth_month: "2".into(),
                birth_day: "30".into(),
                ..claim(None, "pharmacy", "2")
            },
            &staff(),
        )
        .await,
    );
    assert!(bad.contains("up to 7 digits"), "{bad}");
    assert!(bad.contains("February has no day 30."), "{bad}");
    learner::claim_credit(
        &f.app,
        &scoped,
        phil,
        m.activity,
        &ClaimForm {
            nabp_eprofile_id: "1234567".into(),
            birth_month: "2".into(),
            birth_day: "29".into(),
            ..claim(None, "pharmacy", "2")
        },
        &staff(),
    )
    .await
    .unwrap();
    let profile = scoped.profile(phil).await.unwrap().unwrap();
    assert_eq!(profile.fields.nabp_eprofile_id, "1234567");
    assert_eq!(profile.fields.birth_month, Some(2));
    assert_eq!(profile.fields.birth_day, Some(29));
    // CPE Monitor has the pharmacist's row.
    let cpe = activities::export(&scoped, m.activity, ExportKind::CpeMonitor)
        .await
        .unwrap();
    assert!(
        cpe.text
            .contains("1234567,0229,0000-0000-26-001-L01-P,11/20/2026,2.00"),
        "{}",
        cpe.text
    );
}

/// Register `who` for the event with a new type (industry or not), as registration will.
async fn register(f: &Fixture, scoped: &Scoped, event: EventId, who: PersonId, industry: bool) {
    let type_id = events::add_type(
        &f.app,
        scoped,
        event,
        &TypeForm {
            name: if industry {
                "Exhibitor".into()
            } else {
                "Physician".into()
            },
            price: "0".into(),
            audience: "anyone".into(),
            industry,
            ..TypeForm::new_type()
        },
        &staff(),
    )
    .await
    .unwrap();
    let profile = scoped.profile(who).await.unwrap().unwrap();
    sql::exec(
        f.app.store.db(),
        "INSERT INTO registration (society_id, id, event_id, registration_type_id, person_id, \
         first_name, last_name, email, status, created_at, updated_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, 'confirmed', 0, 0)",
        &[
            scoped.society_id().0.into(),
            uuid::Uuid::now_v7().into(),
            event.0.into(),
            type_id.0.into(),
            who.0.into(),
            profile.fields.first_name.as_str().into(),
            profile.fields.last_name.as_str().into(),
            profile.email.as_str().into(),
        ],
    )
    .await;
}

#[tokio::test]
async fn exports_and_results_leave_industry_out() {
    let f = fixture().await;
    let s = society(&f, "alpha").await;
    let scoped = f.app.scoped(&s);
    let m = meeting(&f, &scoped).await;
    let ada = person(
        &f,
        &scoped,
        "ada@alpha.test",
        "Ada",
        "Lovelace",
        "physician",
    )
    .await;
    let rep = person(
        &f,
        &scoped,
        "rep@alpha.test",
        "Rex",
        "Industry",
        "physician",
    )
    .await;
    let nurse = person(&f, &scoped, "nell@alpha.test", "Nell", "Nurse", "nurse").await;
    register(&f, &scoped, m.event, ada, false).await;
    register(&f, &scoped, m.event, rep, true).await;
    for who in [ada, rep, nurse] {
        mark_attendance(&f.app, &scoped, m.event, None, who, true, &staff())
            .await
            .unwrap();
    }
    // A licence for Ada, for PARS.
    let mut profile = scoped.profile(ada).await.unwrap().unwrap().fields;
    profile.licences = vec![chapterhouse_store::Licence {
        state: "MA".into(),
        number: "123456".into(),
        expires_on: None,
    }];
    let mut tx = scoped.begin().await.unwrap();
    tx.update_profile(ada, &profile, f.app.now()).await.unwrap();
    tx.commit().await.unwrap();

    evaluate(&f, &scoped, ada, m.activity, "5", "Great panel.")
        .await
        .unwrap();
    evaluate(&f, &scoped, nurse, m.activity, "4", "Useful.")
        .await
        .unwrap();
    // The industry registrant cannot open or claim the activity.
    assert!(
        learner::learner_activities(&scoped, rep)
            .await
            .unwrap()
            .is_empty()
    );
    assert!(
        problem(
            learner::claim_credit(
                &f.app,
                &scoped,
                rep,
                m.activity,
                &claim(None, "ama_pra_1", "6.25"),
                &staff()
            )
            .await
        )
        .contains("attendance has not been recorded")
    );
    learner::claim_credit(
        &f.app,
        &scoped,
        ada,
        m.activity,
        &claim(None, "ama_pra_1", "6.25"),
        &staff(),
    )
    .await
    .unwrap();
    learner::claim_credit(
        &f.app,
        &scoped,
        nurse,
        m.activity,
        &claim(None, "participation", "6"),
        &staff(),
    )
    .await
    .unwrap();

    let results = activities::evaluation_results(&scoped, m.activity)
        .await
        .unwrap();
    assert_eq!(results[0].responses, 2);
    assert_eq!(results[0].mean, "4.50");
    assert_eq!(results[0].counts, [0, 0, 0, 1, 1]);
    assert_eq!(results[1].comments, vec!["Great panel.", "Useful."]);

    let pars = activities::export(&scoped, m.activity, ExportKind::ParsLearners)
        .await
        .unwrap();
    let lines: Vec<&str> = pars.text.lines().collect();
    assert_eq!(lines.len(), 2, "{}", pars.text);
    assert_eq!(
        lines[1],
        "123456\tMA\tAda\tLovelace\t\t\t11/20/2026\tAMA PRA Category 1\t6.25"
    );
    let record = activities::export(&scoped, m.activity, ExportKind::ParsActivity)
        .await
        .unwrap();
    let row: Vec<&str> = record.text.lines().nth(1).unwrap().split('\t').collect();
    assert_eq!(row[0], "Course");
    assert_eq!(row[5], "6.25");
    // One physician learner and one other; the industry physician is not counted.
    assert_eq!((row[9], row[10]), ("1", "1"), "{row:?}");
    assert_eq!(row[12], "2500.00");
    let attendance = activities::export(
        &scoped,
        m.activity,
        ExportKind::parse("joint-attendance.csv").unwrap(),
    )
    .await
    .unwrap();
    assert!(attendance.text.contains("Lovelace"));
    assert!(attendance.text.contains("Nurse"));
    assert!(!attendance.text.contains("Industry"), "{}", attendance.text);
    let credits = activities::export(
        &scoped,
        m.activity,
        ExportKind::parse("joint-credits.csv").unwrap(),
    )
    .await
    .unwrap();
    assert!(
        credits.text.contains("Certificate of participation")
            || credits.text.contains("Participation"),
        "{}",
        credits.text
    );
    let summary = activities::export(
        &scoped,
        m.activity,
        ExportKind::parse("joint-evaluation_summary.csv").unwrap(),
    )
    .await
    .unwrap();
    assert!(summary.text.contains("4.50"), "{}", summary.text);
    assert!(ExportKind::parse("joint-secrets.csv").is_none());
    assert!(ExportKind::parse("../etc").is_none());
}

#[tokio::test]
async fn activities_are_validated_and_one_per_event() {
    let f = fixture().await;
    let s = society(&f, "alpha").await;
    let scoped = f.app.scoped(&s);
    let m = meeting(&f, &scoped).await;
    // Asking again for the event's activity gives the same one.
    assert_eq!(
        activities::create_event_activity(&f.app, &scoped, m.event, &staff())
            .await
            .unwrap(),
        m.activity
    );
    let bad = problem(
        activities::create_activity(
            &f.app,
            &scoped,
            &ActivityForm {
                activity_type: "webcast".into(),
                starts_on: "2026-12-01".into(),
                ends_on: "2026-11-01".into(),
                commercial_support: "lots".into(),
                claim_deadline: "soon".into(),
                ..Default::default()
            },
            &staff(),
        )
        .await,
    );
    for expected in [
        "Give the activity a title.",
        "Choose the kind of activity.",
        "The last day cannot be before the first day.",
        "Enter the amount in dollars",
        "Enter the deadline as a date",
    ] {
        assert!(bad.contains(expected), "{expected}: {bad}");
    }
    let enduring = activities::create_activity(
        &f.app,
        &scoped,
        &ActivityForm {
            title: "Managing neutropenia (recorded)".into(),
            activity_type: "internet_enduring".into(),
            starts_on: "2026-01-01".into(),
            ends_on: "2027-12-31".into(),
            location: "Online".into(),
            ..Default::default()
        },
        &staff(),
    )
    .await
    .unwrap();
    let off_step = problem(
        activities::set_credit(
            &f.app,
            &scoped,
            enduring,
            &CreditForm {
                session: String::new(),
                credit_type: "ama_pra_1".into(),
                maximum: "1.1".into(),
            },
            &staff(),
        )
        .await,
    );
    assert!(off_step.contains("steps of 0.25"), "{off_step}");
    // A session of another event is not this activity's.
    let foreign = problem(
        activities::set_credit(
            &f.app,
            &scoped,
            enduring,
            &CreditForm {
                session: m.morning.to_string(),
                credit_type: "ama_pra_1".into(),
                maximum: "1".into(),
            },
            &staff(),
        )
        .await,
    );
    assert!(
        foreign.contains("Choose one of the event's sessions."),
        "{foreign}"
    );
    activities::set_credit(
        &f.app,
        &scoped,
        enduring,
        &CreditForm {
            session: String::new(),
            credit_type: "ama_pra_1".into(),
            maximum: "1.5".into(),
        },
        &staff(),
    )
    .await
    .unwrap();
    // Enduring material needs no attendance, and has no evaluation here.
    let ada = person(
        &f,
        &scoped,
        "ada@alpha.test",
        "Ada",
        "Lovelace",
        "physician",
    )
    .await;
    let listed = learner::learner_activities(&scoped, ada).await.unwrap();
    assert_eq!(listed.len(), 1);
    learner::claim_credit(
        &f.app,
        &scoped,
        ada,
        enduring,
        &claim(None, "ama_pra_1", "1.5"),
        &staff(),
    )
    .await
    .unwrap();
    let claims = scoped.activity_claims_of(enduring, ada).await.unwrap();
    assert_eq!(claims[0].completed_on, "2026-11-21");
    // A claimed credit cannot be removed.
    let credit = scoped.activity_credits(enduring).await.unwrap()[0].id;
    assert!(
        problem(activities::remove_credit(&f.app, &scoped, enduring, credit, &staff()).await)
            .contains("Learners have claimed this credit")
    );
}

#[tokio::test]
async fn the_demo_has_the_annual_meetings_credit_and_the_demo_members_claims() {
    let f = fixture().await;
    chapterhouse_app::demo::seed(&f.app).await.unwrap();
    let first = f
        .app
        .store
        .society_by_slug(chapterhouse_app::demo::SOCIETIES[0].slug)
        .await
        .unwrap()
        .unwrap();
    let scoped = f.app.scoped(&first);
    let all = scoped.activities().await.unwrap();
    assert_eq!(all.len(), 3, "{all:?}");
    let annual = all
        .iter()
        .find(|a| a.title.contains("Annual Meeting"))
        .unwrap();
    let credits = scoped.activity_credits(annual.id).await.unwrap();
    let whole: Vec<_> = credits.iter().filter(|c| c.session_id.is_none()).collect();
    assert!(
        whole
            .iter()
            .any(|c| c.credit_type == "ama_pra_1" && c.max_hundredths == 550)
    );
    assert_eq!(credits.iter().filter(|c| c.session_id.is_some()).count(), 5);
    assert!(
        annual
            .designation_statement
            .contains("5.5 AMA PRA Category 1 Credits™")
    );
    assert_eq!(
        scoped.evaluation_questions(annual.id).await.unwrap().len(),
        4
    );
    // The demo member signs in as member@ the society's own domain.
    let email = format!("member@{}", first.email.split_once('@').unwrap().1);
    let member = scoped.person_by_email(&email).await.unwrap().unwrap();
    let mine = learner::learner_activities(&scoped, member).await.unwrap();
    assert_eq!(mine.len(), 2, "the past meeting and the recorded webinar");
    let claims = scoped
        .claims_between(member, "2000-01-01", "2100-12-31")
        .await
        .unwrap();
    assert_eq!(claims.len(), 2, "{claims:?}");
    // Seeding again adds nothing.
    chapterhouse_app::demo::seed(&f.app).await.unwrap();
    assert_eq!(scoped.activities().await.unwrap().len(), 3);
}
