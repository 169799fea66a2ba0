//! Faculty use-cases: invitations mailed (through the SMTP sink) with a signed link, the
//! agreement accepted with its text kept, slides and CV checked by content and size, the
//! disclosure submitted and replaced, the planner's review (mitigation required for relevant
//! relationships), and what learners and the joint-provider export are given.
//! SQLite by default, PostgreSQL when `CHAPTERHOUSE_TEST_DATABASE_URL` is set.

use std::time::Duration;

use chapterhouse_app::education::activities::{self, ExportKind};
use chapterhouse_app::events::{self, EventForm, SessionForm};
use chapterhouse_app::faculty::{
    self, DisclosureForm, InviteForm, ReviewForm, event_disclosures, faculty_by_token,
};
use chapterhouse_app::{Actor, AppError};
use chapterhouse_core::disclosure::{DEFAULT_AGREEMENT, LearnerDisclosure, Material, RowInput};
use chapterhouse_core::{EventId, EventSessionId};
use chapterhouse_mail::{Mailer, SmtpConfig, SmtpTls};
use chapterhouse_store::Scoped;
use chapterhouse_testkit::{SmtpSink, sql};

mod common;
use common::{Fixture, fixture, run_jobs, society};

fn staff() -> Actor {
    Actor::anonymous("203.0.113.9")
}

fn invalid(result: Result<impl std::fmt::Debug, AppError>, field: &str) -> String {
    match result {
        Err(AppError::Invalid(errors)) => errors
            .get(field)
            .unwrap_or_else(|| panic!("no message for {field}: {errors}"))
            .to_string(),
        other => panic!("expected a problem with {field}, got {other:?}"),
    }
}

/// The fixture with its mail going to an SMTP sink.
async fn with_sink() -> (Fixture, SmtpSink) {
    let mut f = fixture().await;
    let sink = SmtpSink::start().await.unwrap();
    f.app.mailer = Mailer::smtp(&SmtpConfig {
        host: "127.0.0.1".into(),
        port: sink.port(),
        username: None,
        password: None,
        tls: SmtpTls::None,
        dkim: None,
        timeout_secs: 5,
    })
    .unwrap();
    (f, sink)
}

async fn meeting(f: &Fixture, scoped: &Scoped, slug: &str) -> (EventId, EventSessionId) {
    let event = events::create_event(
        &f.app,
        scoped,
        &EventForm {
            title: format!("Annual meeting {slug}"),
            slug: slug.into(),
            kind: "meeting".into(),
            starts: "2027-03-06T08:00".into(),
            ends: "2027-03-06T17:00".into(),
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
    let session = events::add_session(
        &f.app,
        scoped,
        event,
        &SessionForm {
            title: "Immunotherapy toxicities".into(),
            starts: "2027-03-06T09:00".into(),
            ends: "2027-03-06T10:00".into(),
            ..Default::default()
        },
        &staff(),
    )
    .await
    .unwrap();
    (event, session)
}

/// The speaker link in a mail body, and its token.
fn link_token(text: &str, host: &str) -> String {
    let prefix = format!("https://{host}/speakers/");
    let start = text.find(&prefix).expect("a speaker link") + prefix.len();
    text[start..]
        .split(|c: char| c.is_whitespace())
        .next()
        .unwrap()
        .to_string()
}

fn pdf(len: usize) -> Vec<u8> {
    let mut data = b"%PDF-1.7\n".to_vec();
    data.resize(len, b' ');
    data
}

fn office(part: &str) -> Vec<u8> {
    let mut data = b"PK\x03\x04\x14\x00\x00\x00\x08\x00".to_vec();
    data.extend_from_slice(b"[Content_Types].xml  PK\x03\x04  ");
    data.extend_from_slice(part.as_bytes());
    data.extend_from_slice(b" compressed bytes PK\x01\x02");
    data
}

fn disclosure(answer: &str, rows: &[(&str, &str, bool)], attest: bool) -> DisclosureForm {
    DisclosureForm {
        answer: answer.into(),
        rows: rows
            .iter()
            .map(|(c, n, e)| RowInput {
                company: (*c).into(),
                nature: (*n).into(),
                ended: *e,
            })
            .collect(),
        attest,
    }
}

async fn audit(scoped: &Scoped) -> Vec<String> {
    scoped
        .audit_entries(200)
        .await
        .unwrap()
        .into_iter()
        .map(|e| format!("{} {} {}", e.action, e.subject, e.detail))
        .collect()
}

#[tokio::test]
async fn a_speaker_is_invited_accepts_uploads_discloses_and_is_reviewed() {
    let (f, sink) = with_sink().await;
    let s = society(&f, "gsco").await;
    let scoped = f.app.scoped(&s);
    let (event, session) = meeting(&f, &scoped, "annual-2027").await;

    // Someone new needs a name; a bad email and an unknown role are named.
    let mut form = InviteForm {
        email: "Ada.Lee@Example.org".into(),
        role: "speaker".into(),
        sessions: vec![session.to_string()],
        ..Default::default()
    };
    assert!(
        invalid(
            faculty::invite(&f.app, &scoped, event, &form, &staff()).await,
            "name"
        )
        .contains("enter the person's name")
    );
    let bad = InviteForm {
        email: "not an email".into(),
        role: "keynote".into(),
        ..Default::default()
    };
    let result = faculty::invite(&f.app, &scoped, event, &bad, &staff()).await;
    assert!(invalid(result, "email").starts_with("Enter the person's email"));
    form.name = "Dr. Ada Lee".into();
    let id = faculty::invite(&f.app, &scoped, event, &form, &staff())
        .await
        .unwrap();
    assert!(
        invalid(
            faculty::invite(&f.app, &scoped, event, &form, &staff()).await,
            "email"
        )
        .contains("already on this event's faculty")
    );

    // The invitation arrives with a link to the speaker's page on the society's host.
    run_jobs(&f).await;
    let mail = sink.wait_for(1, Duration::from_secs(5)).await.unwrap();
    assert_eq!(mail.len(), 1);
    assert_eq!(mail[0].rcpt_to, vec!["ada.lee@example.org".to_string()]);
    assert!(mail[0].subject().contains("Annual meeting annual-2027"));
    let text = mail[0].body_text();
    assert!(text.starts_with("Hello Dr. Ada Lee,"), "{text}");
    let token = link_token(&text, "gsco.test");
    let found = faculty_by_token(&f.app, &scoped, &token).await.unwrap();
    assert_eq!(found.id, id);
    assert_eq!(found.email, "ada.lee@example.org");

    // A changed token, or the token on another society, finds nothing.
    let at = token.len() - 10;
    let swapped = if &token[at..at + 1] == "x" { "y" } else { "x" };
    let forged = format!("{}{swapped}{}", &token[..at], &token[at + 1..]);
    assert!(matches!(
        faculty_by_token(&f.app, &scoped, &forged).await,
        Err(AppError::NotFound)
    ));
    let other = society(&f, "other").await;
    assert!(matches!(
        faculty_by_token(&f.app, &f.app.scoped(&other), &token).await,
        Err(AppError::NotFound)
    ));

    // The agreement is accepted as it read; a later edit does not change what was accepted.
    faculty::accept_agreement(&f.app, &scoped, &token, &Actor::anonymous("198.51.100.7"))
        .await
        .unwrap();
    faculty::save_agreement(&f.app, &scoped, event, "A new agreement.", &staff())
        .await
        .unwrap();
    faculty::accept_agreement(&f.app, &scoped, &token, &Actor::anonymous("198.51.100.7"))
        .await
        .unwrap();
    let now = faculty_by_token(&f.app, &scoped, &token).await.unwrap();
    assert!(now.agreement_accepted_at.is_some());
    assert_eq!(now.agreement_text, DEFAULT_AGREEMENT);
    assert_eq!(
        faculty::agreement_text(&scoped, event).await.unwrap(),
        "A new agreement."
    );

    // Uploads: checked by content and size, with the reason in words.
    let anon = Actor::anonymous("198.51.100.7");
    faculty::upload_material(
        &f.app,
        &scoped,
        &token,
        Material::Slides,
        &pdf(2_000),
        &anon,
    )
    .await
    .unwrap();
    let docx = office("word/document.xml");
    let refused =
        faculty::upload_material(&f.app, &scoped, &token, Material::Slides, &docx, &anon).await;
    assert!(invalid(refused, "slides").contains("not a PDF or a PowerPoint file"));
    let refused = faculty::upload_material(
        &f.app,
        &scoped,
        &token,
        Material::Cv,
        &pdf(5 * 1024 * 1024 + 1),
        &anon,
    )
    .await;
    assert!(invalid(refused, "cv").contains("the largest we accept for cv is 5 MB"));
    let renamed_png = b"\x89PNG\r\n\x1a\n pretending to be cv.pdf".to_vec();
    let refused =
        faculty::upload_material(&f.app, &scoped, &token, Material::Cv, &renamed_png, &anon).await;
    assert!(invalid(refused, "cv").contains("not a PDF or a Word file"));
    faculty::upload_material(&f.app, &scoped, &token, Material::Cv, &docx, &anon)
        .await
        .unwrap();
    // A new file replaces the old one, which is deleted.
    let pptx = office("ppt/presentation.xml");
    faculty::upload_material(&f.app, &scoped, &token, Material::Slides, &pptx, &anon)
        .await
        .unwrap();
    let blobs = sql::scalar(
        &f.db.db,
        "SELECT COUNT(*) FROM blob WHERE society_id = $1",
        &[s.id.0.into()],
    )
    .await;
    assert_eq!(blobs, 2);
    let (slides, name) = faculty::material(&scoped, event, id, Material::Slides)
        .await
        .unwrap();
    assert_eq!(slides.data, pptx);
    assert_eq!(name, "Dr--Ada-Lee-slides.pptx");
    assert_eq!(
        slides.content_type,
        "application/vnd.openxmlformats-officedocument.presentationml.presentation"
    );

    // The disclosure: attestation required; rows complete.
    let unattested = disclosure("some", &[("Genentech", "consulting", false)], false);
    let result = faculty::submit_disclosure(&f.app, &scoped, &token, &unattested, &anon).await;
    assert!(invalid(result, "attest").starts_with("Tick the box"));
    let half = disclosure(
        "some",
        &[("Genentech", "consulting", false), ("", "stock", false)],
        true,
    );
    let result = faculty::submit_disclosure(&f.app, &scoped, &token, &half, &anon).await;
    assert_eq!(
        invalid(result, "r2_company"),
        "Enter the company's name in row 2."
    );
    let full = disclosure(
        "some",
        &[
            ("Genentech", "consulting", false),
            ("Acme Nutrition", "stock", true),
        ],
        true,
    );
    faculty::submit_disclosure(&f.app, &scoped, &token, &full, &anon)
        .await
        .unwrap();

    // Not reviewed: nothing final for learners.
    let list = event_disclosures(&scoped, event).await.unwrap();
    assert_eq!(list.len(), 1);
    assert_eq!(list[0].learner, LearnerDisclosure::Pending);
    assert_eq!(list[0].sessions.len(), 1);
    assert!(list[0].progress.agreement_accepted && list[0].progress.slides && list[0].progress.cv);

    // The review: a relevant relationship needs its mitigation; every one needs a decision.
    let stored = scoped.faculty_member(id).await.unwrap().unwrap();
    let disclosure_id = stored.disclosure_id.unwrap().to_string();
    let pairs = |items: &[(&str, &str)]| -> ReviewForm {
        let mut all = vec![("disclosure".to_string(), disclosure_id.clone())];
        all.extend(items.iter().map(|(k, v)| (k.to_string(), v.to_string())));
        ReviewForm::from_pairs(&all)
    };
    let result = faculty::review(
        &f.app,
        &scoped,
        event,
        id,
        &pairs(&[("x1_relevant", "yes"), ("x1_mitigation", " ")]),
        &staff(),
    )
    .await;
    match result {
        Err(AppError::Invalid(errors)) => {
            assert!(errors.get("x1_mitigation").unwrap().contains("Genentech"));
            assert!(
                errors
                    .get("x2_relevant")
                    .unwrap()
                    .contains("Acme Nutrition")
            );
        }
        other => panic!("expected the review refused, got {other:?}"),
    }
    let good = pairs(&[
        ("x1_relevant", "yes"),
        (
            "x1_mitigation",
            "Slides peer reviewed for balance by the planning committee",
        ),
        ("x2_relevant", "no"),
    ]);
    // A review of an older disclosure is stale.
    let mut stale = good.clone();
    stale.disclosure = chapterhouse_core::DisclosureId::new().to_string();
    assert!(matches!(
        faculty::review(&f.app, &scoped, event, id, &stale, &staff()).await,
        Err(AppError::Stale)
    ));
    faculty::review(&f.app, &scoped, event, id, &good, &staff())
        .await
        .unwrap();
    let list = event_disclosures(&scoped, event).await.unwrap();
    assert_eq!(
        list[0].sentence(),
        "Dr. Ada Lee has financial relationships with Genentech (consulting fee) — all relevant financial relationships have been mitigated."
    );

    // The joint-provider export's shape, dates in the society's zone.
    let export = faculty::joint_provider_disclosures(&scoped, event)
        .await
        .unwrap();
    assert_eq!(export.len(), 1);
    assert_eq!(export[0].name, "Dr. Ada Lee");
    assert_eq!(export[0].role, "Speaker");
    assert!(export[0].attested);
    assert_eq!(export[0].submitted_on.unwrap().to_string(), "2026-11-21");
    assert_eq!(export[0].reviewed_on, export[0].submitted_on);
    let rels = &export[0].relationships;
    assert_eq!(rels.len(), 2);
    assert_eq!(
        (
            rels[0].company.as_str(),
            rels[0].nature.as_str(),
            rels[0].relevant
        ),
        ("Genentech", "Consulting fee", Some(true))
    );
    assert!(rels[0].mitigated_on.is_some());
    assert_eq!(
        (
            rels[1].relevant,
            rels[1].has_ended,
            rels[1].mitigation.as_str()
        ),
        (Some(false), true, "")
    );

    // Submitting again replaces the disclosure and clears its review.
    faculty::submit_disclosure(
        &f.app,
        &scoped,
        &token,
        &disclosure("none", &[], true),
        &anon,
    )
    .await
    .unwrap();
    let list = event_disclosures(&scoped, event).await.unwrap();
    assert_eq!(list[0].learner, LearnerDisclosure::Pending);
    assert!(list[0].relationships.is_empty());
    let replaced = scoped.faculty_member(id).await.unwrap().unwrap();
    assert!(replaced.reviewed_at.is_none());
    let form = ReviewForm::from_stored(&replaced, &[]);
    faculty::review(&f.app, &scoped, event, id, &form, &staff())
        .await
        .unwrap();
    let list = event_disclosures(&scoped, event).await.unwrap();
    assert_eq!(
        list[0].sentence(),
        "Dr. Ada Lee has no relevant financial relationships with ineligible companies."
    );

    let log = audit(&scoped).await;
    for action in [
        "faculty.invited ada.lee@example.org Annual meeting annual-2027 as speaker",
        "faculty.agreement_accepted ada.lee@example.org",
        "faculty.material_uploaded ada.lee@example.org Slides (pptx",
        "faculty.disclosure_submitted ada.lee@example.org Genentech (Consulting fee); Acme Nutrition",
        "faculty.disclosure_reviewed ada.lee@example.org Genentech: relevant, mitigated: Slides peer reviewed",
        "faculty.disclosure_replaced ada.lee@example.org no financial relationships",
        "faculty.agreement_saved annual-2027 custom",
    ] {
        assert!(
            log.iter().any(|l| l.starts_with(action)),
            "no audit entry {action}: {log:#?}"
        );
    }
    // Accepting twice recorded one acceptance.
    assert_eq!(
        log.iter()
            .filter(|l| l.starts_with("faculty.agreement_accepted"))
            .count(),
        1
    );
}

#[tokio::test]
async fn an_existing_person_is_invited_by_email_assigned_sessions_and_reinvited() {
    let (f, sink) = with_sink().await;
    let s = society(&f, "gsco").await;
    let scoped = f.app.scoped(&s);
    let (first, _) = meeting(&f, &scoped, "spring").await;
    let (second, session) = meeting(&f, &scoped, "fall").await;
    let (_, elsewhere) = meeting(&f, &scoped, "winter").await;

    let invite = |email: &str, name: &str, role: &str| InviteForm {
        email: email.into(),
        name: name.into(),
        role: role.into(),
        ..Default::default()
    };
    faculty::invite(
        &f.app,
        &scoped,
        first,
        &invite("sam@example.org", "Samuel Reyes", "planner"),
        &staff(),
    )
    .await
    .unwrap();
    // Known by email now: no name needed, and no second person is made.
    let id = faculty::invite(
        &f.app,
        &scoped,
        second,
        &invite(" SAM@example.org ", "", "moderator"),
        &staff(),
    )
    .await
    .unwrap();
    let people = sql::scalar(
        &f.db.db,
        "SELECT COUNT(*) FROM person WHERE society_id = $1 AND email = 'sam@example.org'",
        &[s.id.0.into()],
    )
    .await;
    assert_eq!(people, 1);

    // Sessions of another event are refused; the event's own are saved with the role.
    let mut form = invite("", "", "speaker");
    form.sessions = vec![elsewhere.to_string()];
    let result = faculty::save_assignment(&f.app, &scoped, second, id, &form, &staff()).await;
    assert_eq!(
        invalid(result, "sessions"),
        "Choose sessions of this event only."
    );
    form.sessions = vec![session.to_string(), session.to_string()];
    faculty::save_assignment(&f.app, &scoped, second, id, &form, &staff())
        .await
        .unwrap();
    let list = event_disclosures(&scoped, second).await.unwrap();
    assert_eq!(list[0].role.as_str(), "speaker");
    assert_eq!(list[0].sessions.len(), 1);
    assert_eq!(list[0].name, "Samuel Reyes");
    // The faculty member of one event is not found under another.
    assert!(matches!(
        faculty::resend_invitation(&f.app, &scoped, first, id, &staff()).await,
        Err(AppError::NotFound)
    ));

    faculty::resend_invitation(&f.app, &scoped, second, id, &staff())
        .await
        .unwrap();
    run_jobs(&f).await;
    let mail = sink.wait_for(3, Duration::from_secs(5)).await.unwrap();
    assert_eq!(mail.len(), 3);
    let fall: Vec<_> = mail
        .iter()
        .filter(|m| m.subject().contains("Annual meeting fall"))
        .collect();
    assert_eq!(fall.len(), 2, "the invitation and the one sent again");
    for m in fall {
        assert!(m.body_text().starts_with("Hello Samuel Reyes,"));
        let token = link_token(&m.body_text(), "gsco.test");
        assert_eq!(
            faculty_by_token(&f.app, &scoped, &token).await.unwrap().id,
            id
        );
    }
}

#[tokio::test]
async fn planners_are_told_of_each_disclosure_and_a_withdrawn_speaker_is_removed_but_kept() {
    let (f, sink) = with_sink().await;
    let s = society(&f, "gsco").await;
    let scoped = f.app.scoped(&s);
    let (event, session) = meeting(&f, &scoped, "annual-2027").await;
    let form = InviteForm {
        email: "ada.lee@example.org".into(),
        name: "Dr. Ada Lee".into(),
        role: "speaker".into(),
        sessions: vec![session.to_string()],
    };
    let id = faculty::invite(&f.app, &scoped, event, &form, &staff())
        .await
        .unwrap();
    let token = faculty::speaker_token(&f.app, &scoped, id);
    let anon = Actor::anonymous("198.51.100.7");
    faculty::accept_agreement(&f.app, &scoped, &token, &anon)
        .await
        .unwrap();
    faculty::upload_material(
        &f.app,
        &scoped,
        &token,
        Material::Slides,
        &pdf(2_000),
        &anon,
    )
    .await
    .unwrap();
    faculty::submit_disclosure(
        &f.app,
        &scoped,
        &token,
        &disclosure("some", &[("Genentech", "consulting", false)], true),
        &anon,
    )
    .await
    .unwrap();

    // The society's contact address hears who disclosed what, with the review page's link.
    run_jobs(&f).await;
    let mail = sink.wait_for(2, Duration::from_secs(5)).await.unwrap();
    let notice = mail
        .iter()
        .find(|m| m.rcpt_to == vec!["office@gsco.test".to_string()])
        .expect("a notice to the planners");
    assert_eq!(
        notice.subject(),
        "Annual meeting annual-2027: disclosure from Dr. Ada Lee to review"
    );
    let text = notice.body_text();
    assert!(
        text.starts_with("Dr. Ada Lee (speaker) submitted their financial-relationship disclosure"),
        "{text}"
    );
    assert!(
        text.contains(
            "1 financial relationship with ineligible companies: Genentech (consulting fee)"
        ),
        "{text}"
    );
    assert!(text.contains("needs its mitigation recorded"), "{text}");
    assert!(
        text.contains(&format!(
            "https://gsco.test/staff/events/{event}/faculty/{id}#review"
        )),
        "{text}"
    );
    // An update is a new notice; nothing to disclose is said so.
    faculty::submit_disclosure(
        &f.app,
        &scoped,
        &token,
        &disclosure("none", &[], true),
        &anon,
    )
    .await
    .unwrap();
    run_jobs(&f).await;
    let mail = sink.wait_for(3, Duration::from_secs(5)).await.unwrap();
    assert_eq!(mail.len(), 3);
    let update = mail[2].body_text();
    assert!(
        update.starts_with("Dr. Ada Lee (speaker) updated"),
        "{update}"
    );
    assert!(update.contains("no financial relationships with ineligible companies to disclose"));

    // A second speaker who has done nothing yet is the one missing.
    let other = faculty::invite(
        &f.app,
        &scoped,
        event,
        &InviteForm {
            email: "sam@example.org".into(),
            name: "Samuel Reyes".into(),
            role: "speaker".into(),
            ..Default::default()
        },
        &staff(),
    )
    .await
    .unwrap();
    let missing = faculty::missing_disclosures(&scoped, event).await.unwrap();
    let names: Vec<&str> = missing.iter().map(|e| e.name.as_str()).collect();
    assert_eq!(
        names,
        vec!["Dr. Ada Lee", "Samuel Reyes"],
        "Ada's is not reviewed yet"
    );

    // Ada withdraws: staff remove her. Her records stay; she leaves the lists, her session and
    // her link.
    faculty::remove(&f.app, &scoped, event, id, &staff())
        .await
        .unwrap();
    let current = event_disclosures(&scoped, event).await.unwrap();
    assert_eq!(current.len(), 1);
    assert_eq!(current[0].faculty.id, other);
    assert!(scoped.faculty_sessions(event).await.unwrap().is_empty());
    assert!(matches!(
        faculty_by_token(&f.app, &scoped, &token).await,
        Err(AppError::NotFound)
    ));
    let holder = faculty::link_holder(&f.app, &scoped, &token)
        .await
        .unwrap()
        .unwrap();
    assert!(holder.removed_at.is_some());
    assert!(matches!(
        faculty::submit_disclosure(
            &f.app,
            &scoped,
            &token,
            &disclosure("none", &[], true),
            &anon
        )
        .await,
        Err(AppError::NotFound)
    ));
    assert!(matches!(
        faculty::remove(&f.app, &scoped, event, id, &staff()).await,
        Err(AppError::NotFound)
    ));
    assert!(matches!(
        faculty::resend_invitation(&f.app, &scoped, event, id, &staff()).await,
        Err(AppError::NotFound)
    ));
    let (slides, _) = faculty::material(&scoped, event, id, Material::Slides)
        .await
        .unwrap();
    assert_eq!(slides.data, pdf(2_000));
    let withdrawn = faculty::removed_faculty(&scoped, event).await.unwrap();
    assert_eq!(withdrawn.len(), 1);
    assert!(withdrawn[0].progress.disclosure_submitted);
    let export = faculty::joint_provider_disclosures(&scoped, event)
        .await
        .unwrap();
    let roles: Vec<(&str, &str)> = export
        .iter()
        .map(|d| (d.name.as_str(), d.role.as_str()))
        .collect();
    assert_eq!(
        roles,
        vec![
            ("Dr. Ada Lee", "Speaker (withdrawn 2026-11-21)"),
            ("Samuel Reyes", "Speaker")
        ]
    );
    assert!(export[0].submitted_on.is_some());
    // The package staff download says the same (two speakers invited by name alone are two
    // rows, not one).
    let activity = activities::create_event_activity(&f.app, &scoped, event, &staff())
        .await
        .unwrap();
    let csv = activities::export(
        &scoped,
        activity,
        ExportKind::parse("joint-disclosures.csv").unwrap(),
    )
    .await
    .unwrap()
    .text;
    assert!(
        csv.contains("Dr. Ada Lee,Speaker (withdrawn 2026-11-21),2026-11-21,Yes,None"),
        "{csv}"
    );
    assert!(
        csv.contains("Samuel Reyes,Speaker,,,Not submitted"),
        "{csv}"
    );

    // Invited again, she is back with what she recorded and a working link.
    faculty::invite(&f.app, &scoped, event, &form, &staff())
        .await
        .unwrap();
    assert_eq!(event_disclosures(&scoped, event).await.unwrap().len(), 2);
    assert_eq!(
        faculty_by_token(&f.app, &scoped, &token).await.unwrap().id,
        id
    );
    assert_eq!(scoped.faculty_sessions(event).await.unwrap().len(), 1);

    let log = audit(&scoped).await;
    for action in [
        "faculty.removed ada.lee@example.org Annual meeting annual-2027; kept: agreement, slides, disclosure",
        "faculty.reinstated ada.lee@example.org",
    ] {
        assert!(
            log.iter().any(|l| l.starts_with(action)),
            "no audit entry {action}: {log:#?}"
        );
    }
}

#[tokio::test]
async fn the_joint_provider_disclosures_keep_two_faculty_who_share_a_name() {
    let f = fixture().await;
    let s = society(&f, "twin").await;
    let scoped = f.app.scoped(&s);
    let (event, _) = meeting(&f, &scoped, "twins").await;
    for email in ["alex.kim@example.org", "akim@example.net"] {
        let form = InviteForm {
            email: email.into(),
            name: "Alex Kim".into(),
            role: "speaker".into(),
            ..Default::default()
        };
        faculty::invite(&f.app, &scoped, event, &form, &staff())
            .await
            .unwrap();
    }
    let activity = activities::create_event_activity(&f.app, &scoped, event, &staff())
        .await
        .unwrap();
    let file = ExportKind::parse("joint-disclosures.csv").unwrap();
    let csv = activities::export(&scoped, activity, file)
        .await
        .unwrap()
        .text;
    let rows: Vec<&str> = csv.lines().skip(1).collect();
    assert_eq!(rows.len(), 2, "{csv}");
    assert!(
        rows.iter()
            .all(|r| r.starts_with("Alex Kim,Speaker,,,Not submitted")),
        "{csv}"
    );
}

#[tokio::test]
async fn the_demo_annual_meeting_has_a_withdrawn_speaker() {
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
    let annual = scoped
        .staff_events()
        .await
        .unwrap()
        .into_iter()
        .find(|e| e.title.contains("Annual Meeting"))
        .unwrap();
    // Listed as withdrawn for staff, and not among the faculty learners are shown.
    let withdrawn = faculty::removed_faculty(&scoped, annual.id).await.unwrap();
    let names: Vec<&str> = withdrawn.iter().map(|e| e.name.as_str()).collect();
    assert_eq!(names, vec!["Dr. Lena Fischer"]);
    assert!(withdrawn[0].progress.disclosure_submitted);
    assert!(
        !event_disclosures(&scoped, annual.id)
            .await
            .unwrap()
            .iter()
            .any(|e| e.name == "Dr. Lena Fischer")
    );
    // The joint-provider disclosures say when she withdrew (the demo runs on 21 November 2026).
    let export = faculty::joint_provider_disclosures(&scoped, annual.id)
        .await
        .unwrap();
    let row = export
        .iter()
        .find(|d| d.name == "Dr. Lena Fischer")
        .unwrap();
    assert_eq!(row.role, "Speaker (withdrawn 2026-11-21)");
    let activity = scoped
        .activities()
        .await
        .unwrap()
        .into_iter()
        .find(|a| a.event_id == Some(annual.id.0))
        .expect("the annual meeting's activity");
    let csv = activities::export(
        &scoped,
        activity.id,
        ExportKind::parse("joint-disclosures.csv").unwrap(),
    )
    .await
    .unwrap()
    .text;
    assert!(
        csv.contains("Dr. Lena Fischer,Speaker (withdrawn 2026-11-21),2026-11-21,Yes,None"),
        "{csv}"
    );
}
