//! Education on the site: staff set up an event's activity (statements, credit, questions),
//! mark attendance and download exports; the event page shows the statements and credit; a
//! member evaluates, is refused a claim off the step with the input kept, claims, downloads the
//! certificate and reads the transcript. Also the isolation seed and fixtures for these routes.

use std::collections::BTreeMap;

use axum::http::StatusCode;
use chapterhouse_app::Actor;
use chapterhouse_app::education::activities::{
    self, ActivityForm, CreditForm, EvaluationQuestionForm,
};
use chapterhouse_app::education::attendance::mark_attendance;
use chapterhouse_app::education::learner::{self, ClaimForm};
use chapterhouse_app::events::{self, EventForm, SessionForm};
use chapterhouse_core::{EventId, PersonId, Role};
use chapterhouse_store::Scoped;

use crate::common::{PASSWORD, TestApp};

fn staff() -> Actor {
    Actor::default()
}

/// A's activity for A's event, a standalone enduring activity, a credit, a question, and the
/// member's attendance, evaluation and claim.
pub struct SeedEducation {
    pub activity_id: String,
    pub standalone_id: String,
    pub credit_id: String,
    pub question_id: String,
    pub claim_id: String,
}

pub const CANARIES: &[&str] = &[
    "CANARY-A-EDUSTATEMENT",
    "CANARY-A-EDUQUESTION",
    "canary-a-eduanswer",
    "CANARY-A-ENDURING",
    "CANARY-A-EDUPARTNER",
];

pub async fn seed_education(
    t: &TestApp,
    scoped: &Scoped,
    event: EventId,
    member: PersonId,
) -> SeedEducation {
    let activity = activities::create_event_activity(&t.app, scoped, event, &staff())
        .await
        .unwrap();
    let stored = scoped.activity(activity).await.unwrap().unwrap();
    activities::save_activity(
        &t.app,
        scoped,
        activity,
        &ActivityForm {
            joint_provider: "CANARY-A-EDUPARTNER".into(),
            accreditation_statement: "CANARY-A-EDUSTATEMENT accredited".into(),
            ..ActivityForm::from_activity(&stored)
        },
        &staff(),
    )
    .await
    .unwrap();
    activities::set_credit(
        &t.app,
        scoped,
        activity,
        &CreditForm {
            session: String::new(),
            credit_type: "ama_pra_1".into(),
            maximum: "3".into(),
        },
        &staff(),
    )
    .await
    .unwrap();
    let credit_id = scoped.activity_credits(activity).await.unwrap()[0].id;
    let question = activities::add_question(
        &t.app,
        scoped,
        activity,
        &EvaluationQuestionForm {
            prompt: "CANARY-A-EDUQUESTION useful?".into(),
            kind: "text".into(),
            required: Some("on".into()),
        },
        &staff(),
    )
    .await
    .unwrap();
    let standalone = activities::create_activity(
        &t.app,
        scoped,
        &ActivityForm {
            title: "CANARY-A-ENDURING recording".into(),
            activity_type: "internet_enduring".into(),
            starts_on: "2026-01-01".into(),
            ends_on: "2027-12-31".into(),
            ..Default::default()
        },
        &staff(),
    )
    .await
    .unwrap();
    mark_attendance(&t.app, scoped, event, None, member, true, &staff())
        .await
        .unwrap();
    learner::submit_evaluation(
        &t.app,
        scoped,
        member,
        activity,
        &[(format!("q-{question}"), "canary-a-eduanswer".into())],
        &staff(),
    )
    .await
    .unwrap();
    let claim = learner::claim_credit(
        &t.app,
        scoped,
        member,
        activity,
        &ClaimForm {
            credit_type: "ama_pra_1".into(),
            amount: "2".into(),
            ..Default::default()
        },
        &staff(),
    )
    .await
    .unwrap();
    SeedEducation {
        activity_id: activity.to_string(),
        standalone_id: standalone.to_string(),
        credit_id: credit_id.to_string(),
        question_id: question.to_string(),
        claim_id: claim.to_string(),
    }
}

/// A's education rows as stored, for the before-and-after comparison.
pub async fn snapshot_education(scoped: &Scoped) -> String {
    let mut out = Vec::new();
    for a in scoped.activities().await.unwrap() {
        let credits: Vec<_> = scoped
            .activity_credits(a.id)
            .await
            .unwrap()
            .into_iter()
            .map(|c| (c.credit_type, c.max_hundredths, c.session_id))
            .collect();
        let questions: Vec<_> = scoped
            .evaluation_questions(a.id)
            .await
            .unwrap()
            .into_iter()
            .map(|q| (q.prompt, q.kind))
            .collect();
        let answers = scoped.evaluation_answers(a.id).await.unwrap().len();
        let claims = scoped.activity_learner_claims(a.id).await.unwrap();
        let claims: Vec<_> = claims
            .into_iter()
            .map(|k| (k.credit_type, k.amount_hundredths, k.person_id))
            .collect();
        let attendance = match a.event() {
            Some(e) => scoped
                .event_attendance(e)
                .await
                .unwrap()
                .into_iter()
                .map(|r| (r.person_id, r.attended, r.source))
                .collect(),
            None => Vec::new(),
        };
        out.push(format!(
            "{} {} {} {} {} {} {credits:?} {questions:?} {answers} {claims:?} {attendance:?}",
            a.title,
            a.activity_type,
            a.accreditation_statement,
            a.starts_on,
            a.ends_on,
            a.joint_provider
        ));
    }
    out.join("\n")
}

type Fixtures = BTreeMap<(&'static str, &'static str), Vec<(String, Vec<(&'static str, String)>)>>;

pub fn isolation_fixtures(
    f: &mut Fixtures,
    a: &SeedEducation,
    event_id: &str,
    session_id: &str,
    person_id: &str,
) {
    let get = |path: String| (path, vec![]);
    let activity = format!("/staff/education/{}", a.activity_id);
    let standalone = format!("/staff/education/{}", a.standalone_id);
    let activity_fields = || {
        vec![
            ("title", "B's activity".to_string()),
            ("activity_type", "live".to_string()),
            ("starts_on", "2026-12-01".to_string()),
            ("ends_on", "2026-12-01".to_string()),
        ]
    };
    f.insert(
        ("GET", "/staff/education"),
        vec![get("/staff/education".into())],
    );
    f.insert(
        ("POST", "/staff/education"),
        vec![("/staff/education".into(), activity_fields())],
    );
    f.insert(
        ("GET", "/staff/education/{id}"),
        vec![get(activity.clone()), get(standalone.clone())],
    );
    f.insert(
        ("POST", "/staff/education/{id}"),
        vec![(activity.clone(), activity_fields())],
    );
    f.insert(
        ("POST", "/staff/education/{id}/credits"),
        vec![(
            format!("{activity}/credits"),
            vec![
                ("session", session_id.to_string()),
                ("credit_type", "ama_pra_1".to_string()),
                ("maximum", "99".to_string()),
            ],
        )],
    );
    f.insert(
        ("POST", "/staff/education/{id}/credits/{credit}/delete"),
        vec![(format!("{activity}/credits/{}/delete", a.credit_id), vec![])],
    );
    f.insert(
        ("POST", "/staff/education/{id}/questions"),
        vec![(
            format!("{activity}/questions"),
            vec![
                ("prompt", "B's question".to_string()),
                ("kind", "scale".to_string()),
            ],
        )],
    );
    f.insert(
        ("POST", "/staff/education/{id}/questions/{question}/delete"),
        vec![(
            format!("{activity}/questions/{}/delete", a.question_id),
            vec![],
        )],
    );
    f.insert(
        ("GET", "/staff/education/{id}/results"),
        vec![get(format!("{activity}/results"))],
    );
    f.insert(
        ("GET", "/staff/education/{id}/export/{file}"),
        [
            "pars-learners.txt",
            "pars-activity.txt",
            "cpe-monitor.csv",
            "joint-attendance.csv",
            "joint-credits.csv",
            "joint-evaluation_summary.csv",
            "joint-evaluation_comments.csv",
            "joint-disclosures.csv",
        ]
        .into_iter()
        .map(|file| get(format!("{activity}/export/{file}")))
        .collect(),
    );
    let event = format!("/staff/events/{event_id}");
    f.insert(
        ("POST", "/staff/events/{id}/activity"),
        vec![(format!("{event}/activity"), vec![])],
    );
    f.insert(
        ("GET", "/staff/events/{id}/attendance"),
        vec![
            get(format!("{event}/attendance")),
            get(format!("{event}/attendance?q=canary")),
        ],
    );
    f.insert(
        ("POST", "/staff/events/{id}/attendance"),
        vec![(
            format!("{event}/attendance"),
            vec![
                ("person", person_id.to_string()),
                ("session", String::new()),
                ("attended", "no".to_string()),
            ],
        )],
    );
    let learner = format!("/account/education/{}", a.activity_id);
    f.insert(
        ("GET", "/account/education"),
        vec![get("/account/education".into())],
    );
    f.insert(
        ("GET", "/account/education/transcript"),
        vec![get(
            "/account/education/transcript?from=2026-01-01&to=2026-12-31".into(),
        )],
    );
    f.insert(
        ("GET", "/account/education/transcript.pdf"),
        vec![get(
            "/account/education/transcript.pdf?from=2026-01-01&to=2026-12-31".into(),
        )],
    );
    f.insert(
        ("GET", "/account/education/claims/{id}/certificate.pdf"),
        vec![get(format!(
            "/account/education/claims/{}/certificate.pdf",
            a.claim_id
        ))],
    );
    f.insert(
        ("GET", "/account/education/{id}"),
        vec![
            get(learner.clone()),
            get(format!("/account/education/{}", a.standalone_id)),
        ],
    );
    f.insert(
        ("POST", "/account/education/{id}/evaluation"),
        vec![(
            format!("{learner}/evaluation"),
            vec![("q-unknown", "an answer".to_string())],
        )],
    );
    f.insert(
        ("POST", "/account/education/{id}/claims"),
        vec![(
            format!("{learner}/claims"),
            vec![
                ("credit_type", "ama_pra_1".to_string()),
                ("amount", "1".to_string()),
            ],
        )],
    );
}

async fn meeting_with_activity(t: &TestApp, scoped: &Scoped) -> (EventId, String) {
    let event = events::create_event(
        &t.app,
        scoped,
        &EventForm {
            title: "Fall Oncology Update".into(),
            kind: "meeting".into(),
            starts: "2026-11-19T08:00".into(),
            ends: "2026-11-20T17:00".into(),
            location_name: "Palmer House".into(),
            ..Default::default()
        },
        &staff(),
    )
    .await
    .unwrap();
    events::publish_event(&t.app, scoped, event, &staff())
        .await
        .unwrap();
    events::add_session(
        &t.app,
        scoped,
        event,
        &SessionForm {
            title: "Immunotherapy".into(),
            starts: "2026-11-19T08:00".into(),
            ends: "2026-11-19T11:00".into(),
            ..Default::default()
        },
        &staff(),
    )
    .await
    .unwrap();
    (event, format!("/staff/events/{event}"))
}

#[tokio::test]
async fn staff_set_up_credit_mark_attendance_and_a_member_claims_and_downloads_the_certificate() {
    let t = TestApp::new().await;
    let society = t.society("alpha").await;
    let scoped = t.app.scoped(&society);
    t.add_account(&society, "ada@alpha.test", Role::Member)
        .await;
    let (event, event_page) = meeting_with_activity(&t, &scoped).await;
    let mut owner = t.client("alpha.test");
    owner.sign_in("owner@alpha.test", PASSWORD).await;

    // From the event's page to its activity.
    let page = owner.get(&event_page).await;
    assert!(page.body.contains("Education activity"), "{}", page.body);
    let opened = owner.post(&format!("{event_page}/activity"), &[]).await;
    assert_eq!(opened.status, StatusCode::SEE_OTHER);
    let activity_href = opened.location();
    let activity_page = owner.get(&activity_href).await;
    assert_eq!(activity_page.status, StatusCode::OK);
    assert!(
        activity_page
            .body
            .contains("value=\"Fall Oncology Update\"")
    );
    assert!(activity_page.body.contains("value=\"2026-11-19\""));

    let saved = owner
        .post(
            &activity_href,
            &[
                ("title", "Fall Oncology Update"),
                ("activity_type", "live"),
                ("starts_on", "2026-11-19"),
                ("ends_on", "2026-11-20"),
                ("location", "Chicago, IL"),
                (
                    "accreditation_statement",
                    "The Society is accredited by the ACCME to provide continuing medical education for physicians.",
                ),
                (
                    "designation_statement",
                    "The Society designates this live activity for a maximum of 6.25 AMA PRA Category 1 Credits™.",
                ),
            ],
        )
        .await;
    assert_eq!(saved.status, StatusCode::SEE_OTHER);
    // A maximum off the step comes back with the input kept.
    let bad = owner
        .post(
            &format!("{activity_href}/credits"),
            &[
                ("session", ""),
                ("credit_type", "ama_pra_1"),
                ("maximum", "6.3"),
            ],
        )
        .await;
    assert_eq!(bad.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(bad.body.contains("Designate credit in steps of 0.25"));
    assert!(bad.body.contains("value=\"6.3\""));
    let credit = owner
        .post(
            &format!("{activity_href}/credits"),
            &[
                ("session", ""),
                ("credit_type", "ama_pra_1"),
                ("maximum", "6.25"),
            ],
        )
        .await;
    assert_eq!(credit.status, StatusCode::SEE_OTHER);
    owner
        .post(
            &format!("{activity_href}/questions"),
            &[
                ("prompt", "Rate the faculty"),
                ("kind", "scale"),
                ("required", "on"),
            ],
        )
        .await;

    // The public event page shows the statements and credit.
    let public = t
        .client("alpha.test")
        .get("/events/fall-oncology-update")
        .await;
    assert!(
        public.body.contains("Continuing education"),
        "{}",
        public.body
    );
    assert!(public.body.contains("accredited by the ACCME"));
    assert!(public.body.contains("AMA PRA Category 1 Credit™"));
    assert!(public.body.contains("6.25"));

    // Staff mark Ada as attended by searching for her.
    let search = owner
        .get(&format!("{event_page}/attendance?q=ada%40alpha"))
        .await;
    assert!(search.body.contains("ada@alpha.test"), "{}", search.body);
    let ada = scoped
        .person_by_email("ada@alpha.test")
        .await
        .unwrap()
        .unwrap();
    let marked = owner
        .post(
            &format!("{event_page}/attendance"),
            &[
                ("person", &ada.to_string()),
                ("session", ""),
                ("attended", "yes"),
            ],
        )
        .await;
    assert_eq!(marked.status, StatusCode::SEE_OTHER);
    let list = owner.get(&format!("{event_page}/attendance")).await;
    assert!(list.body.contains("Marked by staff"));
    assert!(list.body.contains("1 learner attended"));

    // Ada evaluates and claims.
    let mut member = t.client("alpha.test");
    member.sign_in("ada@alpha.test", PASSWORD).await;
    let mine = member.get("/account/education").await;
    assert!(mine.body.contains("Fall Oncology Update"));
    let learner_href = activity_href.replace("/staff/education/", "/account/education/");
    let page = member.get(&learner_href).await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(page.body.contains("Rate the faculty"));
    let missing = member
        .post(&format!("{learner_href}/evaluation"), &[])
        .await;
    assert_eq!(missing.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(missing.body.contains("Choose a rating from 1 to 5."));
    let question = scoped
        .evaluation_questions(activity_href.rsplit('/').next().unwrap().parse().unwrap())
        .await
        .unwrap()[0]
        .id;
    let done = member
        .post(
            &format!("{learner_href}/evaluation"),
            &[(&format!("q-{question}"), "5")],
        )
        .await;
    assert_eq!(done.status, StatusCode::SEE_OTHER);
    // The profile says physician? Ada has no profession yet: participation is not offered, so
    // nothing to claim until her profile says so.
    let mut tx = scoped.begin().await.unwrap();
    let mut fields = scoped.profile(ada).await.unwrap().unwrap().fields;
    fields.profession = "physician".into();
    fields.first_name = "Ada".into();
    fields.last_name = "Lovelace".into();
    tx.update_profile(ada, &fields, t.app.now()).await.unwrap();
    tx.commit().await.unwrap();
    let off = member
        .post(
            &format!("{learner_href}/claims"),
            &[
                ("session", ""),
                ("credit_type", "ama_pra_1"),
                ("amount", "6.1"),
            ],
        )
        .await;
    assert_eq!(off.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(off.body.contains("Credits are claimed in steps of 0.25."));
    assert!(off.body.contains("value=\"6.1\""));
    let claimed = member
        .post(
            &format!("{learner_href}/claims"),
            &[
                ("session", ""),
                ("credit_type", "ama_pra_1"),
                ("amount", "6.25"),
            ],
        )
        .await;
    assert_eq!(claimed.status, StatusCode::SEE_OTHER);
    let page = member.get(&claimed.location()).await;
    assert!(page.body.contains("6.25 AMA PRA Category 1 Credits™"));
    let href = page
        .body
        .split("href=\"")
        .find(|s| s.starts_with("/account/education/claims/"))
        .map(|s| s.split('"').next().unwrap().to_string())
        .expect("a certificate link");
    let pdf = member.get(&href).await;
    assert_eq!(pdf.status, StatusCode::OK);
    assert!(pdf.body.starts_with("%PDF-"));
    // Not for anyone else, signed in or not.
    assert_ne!(owner.get(&href).await.status, StatusCode::OK);
    assert_ne!(
        t.client("alpha.test").get(&href).await.status,
        StatusCode::OK
    );

    let transcript = member
        .get("/account/education/transcript?from=2026-01-01&to=2026-12-31")
        .await;
    assert!(transcript.body.contains("Fall Oncology Update"));
    assert!(transcript.body.contains("6.25 AMA PRA Category 1 Credits™"));
    let bad_period = member
        .get("/account/education/transcript?from=2026-12-31&to=2026-01-01")
        .await;
    assert_eq!(bad_period.status, StatusCode::UNPROCESSABLE_ENTITY);
    let transcript_pdf = member
        .get("/account/education/transcript.pdf?from=2026-01-01&to=2026-12-31")
        .await;
    assert!(transcript_pdf.body.starts_with("%PDF-"));

    // Staff download the exports and read the results.
    let pars = owner
        .get(&format!("{activity_href}/export/pars-learners.txt"))
        .await;
    assert_eq!(pars.status, StatusCode::OK);
    assert!(pars.body.starts_with("Board ID or Licence Number\t"));
    let results = owner.get(&format!("{activity_href}/results")).await;
    assert!(
        results.body.contains("Mean rating 5.00 of 5."),
        "{}",
        results.body
    );
    assert_eq!(
        owner
            .get(&format!("{activity_href}/export/secrets.txt"))
            .await
            .status,
        StatusCode::NOT_FOUND
    );
    let _ = event;
}
