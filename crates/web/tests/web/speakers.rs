//! Speakers on the site: staff invite faculty and review disclosures, a speaker uses the
//! emailed link (agreement, uploads checked by content and size, the disclosure form with more
//! rows without JavaScript), the event's page shows reviewed disclosures to learners; plus the
//! isolation harness's seed and fixtures for these routes.

use std::collections::BTreeMap;

use axum::body::Body;
use axum::http::{Request, StatusCode, header};
use chapterhouse_app::Actor;
use chapterhouse_app::events::{self, EventForm, SessionForm};
use chapterhouse_app::faculty::{self, DisclosureForm, InviteForm, ReviewForm};
use chapterhouse_core::EventId;
use chapterhouse_core::disclosure::{Material, RowInput};
use chapterhouse_store::{Scoped, Society};

use crate::common::{Client, PASSWORD, TestApp, TestResponse, link_in, path_of};

async fn annual_meeting(
    t: &TestApp,
    society: &Society,
    title: &str,
    slug: &str,
) -> (EventId, String) {
    let scoped = t.app.scoped(society);
    let id = events::create_event(
        &t.app,
        &scoped,
        &EventForm {
            title: title.into(),
            slug: slug.into(),
            kind: "meeting".into(),
            starts: "2027-03-06T08:00".into(),
            ends: "2027-03-06T17:00".into(),
            location_name: "Palmer House".into(),
            ..Default::default()
        },
        &Actor::default(),
    )
    .await
    .unwrap();
    events::publish_event(&t.app, &scoped, id, &Actor::default())
        .await
        .unwrap();
    let session = events::add_session(
        &t.app,
        &scoped,
        id,
        &SessionForm {
            title: "Immunotherapy toxicities".into(),
            starts: "2027-03-06T09:00".into(),
            ends: "2027-03-06T10:00".into(),
            ..Default::default()
        },
        &Actor::default(),
    )
    .await
    .unwrap();
    (id, session.to_string())
}

/// POST a multipart upload with the client's CSRF token.
async fn upload(client: &mut Client, path: &str, material: &str, data: &[u8]) -> TestResponse {
    let boundary = "----speakerboundary7d";
    let csrf = client.csrf.clone().unwrap_or_default();
    let mut body = Vec::new();
    for (name, value) in [("csrf", csrf.as_str()), ("material", material)] {
        body.extend_from_slice(
            format!(
                "--{boundary}\r\nContent-Disposition: form-data; name=\"{name}\"\r\n\r\n{value}\r\n"
            )
            .as_bytes(),
        );
    }
    body.extend_from_slice(
        format!(
            "--{boundary}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"talk.pdf\"\r\nContent-Type: application/pdf\r\n\r\n"
        )
        .as_bytes(),
    );
    body.extend_from_slice(data);
    body.extend_from_slice(format!("\r\n--{boundary}--\r\n").as_bytes());
    let request = Request::builder()
        .method("POST")
        .uri(path)
        .header(header::HOST, client.host.clone())
        .header(
            header::CONTENT_TYPE,
            format!("multipart/form-data; boundary={boundary}"),
        )
        .header(header::CONTENT_LENGTH, body.len())
        .body(Body::from(body))
        .unwrap();
    client.send(request).await
}

fn pdf(len: usize) -> Vec<u8> {
    let mut data = b"%PDF-1.7\n".to_vec();
    data.resize(len, b' ');
    data
}

#[tokio::test]
async fn a_speaker_uses_the_emailed_link_and_learners_see_the_reviewed_disclosure() {
    let t = TestApp::new().await;
    let s = t.society("gsco").await;
    let (event, session) = annual_meeting(&t, &s, "Annual meeting 2027", "annual-2027").await;
    let mut staff = t.client("gsco.test");
    staff.sign_in("owner@gsco.test", PASSWORD).await;
    let list = format!("/staff/events/{event}/faculty");
    let page = staff.get(&list).await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(page.body.contains("Nobody is on the faculty yet"));

    // Someone new without a name: 422, the email kept, the problem named.
    let refused = staff
        .post(
            &list,
            &[
                ("email", "ada.lee@example.org"),
                ("role", "speaker"),
                ("session", &session),
            ],
        )
        .await;
    assert_eq!(refused.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        refused
            .body
            .contains("Nobody here has that email address yet")
    );
    assert!(refused.body.contains("value=\"ada.lee@example.org\""));
    let invited = staff
        .post(
            &list,
            &[
                ("email", "ada.lee@example.org"),
                ("name", "Dr. Ada Lee"),
                ("role", "speaker"),
                ("session", &session),
            ],
        )
        .await;
    assert_eq!(invited.status, StatusCode::SEE_OTHER);
    let page = staff.get(&invited.location()).await;
    assert!(page.body.contains("Invited. The invitation"));
    assert!(page.body.contains("Dr. Ada Lee") && page.body.contains("Immunotherapy toxicities"));

    let mail = t.deliver_mail(1).await;
    let link = path_of(&link_in(&mail[0], "https://gsco.test/speakers/"));

    // The speaker's page: no sign-in, not cached, the default agreement.
    let mut speaker = t.client("gsco.test");
    let page = speaker.get(&link).await;
    assert_eq!(page.status, StatusCode::OK);
    assert_eq!(
        page.headers.get(header::CACHE_CONTROL).unwrap(),
        "private, no-store"
    );
    assert!(page.body.contains("Hello Dr. Ada Lee"));
    assert!(page.body.contains("fair and balanced presentation"));
    let accepted = speaker.post(&format!("{link}/agreement"), &[]).await;
    assert_eq!(accepted.status, StatusCode::SEE_OTHER);
    let page = speaker.get(&accepted.location()).await;
    assert!(page.body.contains("You accepted this agreement on"));

    // Uploads: a picture named .pdf is refused, a CV over 5 MB too (in words, with a 422, past
    // the site's 1 MB form limit), a real PDF is taken.
    let materials = format!("{link}/materials");
    let png = upload(
        &mut speaker,
        &materials,
        "slides",
        b"\x89PNG\r\n\x1a\nnot slides",
    )
    .await;
    assert_eq!(png.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        png.body
            .contains("That file is not a PDF or a PowerPoint file (.pptx).")
    );
    let big = upload(&mut speaker, &materials, "cv", &pdf(5 * 1024 * 1024 + 10)).await;
    assert_eq!(big.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(big.body.contains("the largest we accept for cv is 5 MB"));
    let good = upload(&mut speaker, &materials, "slides", &pdf(3 * 1024 * 1024)).await;
    assert_eq!(good.status, StatusCode::SEE_OTHER, "{}", good.body);
    let page = speaker.get(&good.location()).await;
    assert!(page.body.contains("Your slides are uploaded."));
    // Without the form's token nothing is stored.
    speaker.csrf = Some("forged".into());
    let forged = upload(&mut speaker, &materials, "cv", &pdf(100)).await;
    assert_eq!(forged.status, StatusCode::FORBIDDEN);
    speaker.get(&link).await;

    // The disclosure form: more rows without JavaScript keep what was typed; attestation needed.
    let disclosure = format!("{link}/disclosure");
    let more = speaker
        .post(
            &disclosure,
            &[
                ("rows", "3"),
                ("answer", "some"),
                ("r1_company", "Genentech"),
                ("r1_nature", "consulting"),
                ("action", "more"),
            ],
        )
        .await;
    assert_eq!(more.status, StatusCode::OK);
    assert!(more.body.contains("name=\"r6_company\""));
    assert!(more.body.contains("value=\"Genentech\""));
    let unattested = speaker
        .post(
            &disclosure,
            &[
                ("rows", "6"),
                ("answer", "some"),
                ("r1_company", "Genentech"),
                ("r1_nature", "consulting"),
                ("action", "submit"),
            ],
        )
        .await;
    assert_eq!(unattested.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(unattested.body.contains("Tick the box to confirm"));
    assert!(unattested.body.contains("value=\"Genentech\""));
    let submitted = speaker
        .post(
            &disclosure,
            &[
                ("rows", "6"),
                ("answer", "some"),
                ("r1_company", "Genentech"),
                ("r1_nature", "consulting"),
                ("r2_company", "Acme Nutrition"),
                ("r2_nature", "stock"),
                ("r2_ended", "on"),
                ("attest", "on"),
                ("action", "submit"),
            ],
        )
        .await;
    assert_eq!(submitted.status, StatusCode::SEE_OTHER);

    // Not reviewed: the public sees nothing of her; staff see "Disclosure pending".
    let mut visitor = t.client("gsco.test");
    let public = visitor.get("/events/annual-2027").await;
    assert!(!public.body.contains("Ada Lee"));
    let as_staff = staff.get("/events/annual-2027").await;
    assert!(as_staff.body.contains("Dr. Ada Lee") && as_staff.body.contains("Disclosure pending"));

    // The planner's review: a relevant relationship needs its mitigation.
    let faculty_id = t.app.scoped(&s).event_faculty(event).await.unwrap()[0]
        .id
        .to_string();
    let member = format!("/staff/events/{event}/faculty/{faculty_id}");
    let page = staff.get(&member).await;
    assert!(page.body.contains("Genentech") && page.body.contains("download the slides"));
    let disclosure_id = regex_lite::Regex::new(r#"name="disclosure" value="([^"]+)""#)
        .unwrap()
        .captures(&page.body)
        .unwrap()[1]
        .to_string();
    let review = format!("{member}/review");
    let refused = staff
        .post(
            &review,
            &[
                ("disclosure", &disclosure_id),
                ("x1_relevant", "yes"),
                ("x1_mitigation", ""),
                ("x2_relevant", "no"),
            ],
        )
        .await;
    assert_eq!(refused.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        refused
            .body
            .contains("Say how the relationship with Genentech was mitigated")
    );
    let reviewed = staff
        .post(
            &review,
            &[
                ("disclosure", &disclosure_id),
                ("x1_relevant", "yes"),
                (
                    "x1_mitigation",
                    "Slides peer reviewed by the planning committee",
                ),
                ("x2_relevant", "no"),
            ],
        )
        .await;
    assert_eq!(reviewed.status, StatusCode::SEE_OTHER);
    let public = visitor.get("/events/annual-2027").await;
    assert!(public.body.contains(
        "Dr. Ada Lee has financial relationships with Genentech (consulting fee) — all relevant financial relationships have been mitigated."
    ));
    assert!(!public.body.contains("Acme Nutrition"));
    assert!(public.body.contains("Immunotherapy toxicities"));

    // Materials are downloads for staff only.
    let slides = staff.get(&format!("{member}/slides")).await;
    assert_eq!(slides.status, StatusCode::OK);
    assert_eq!(
        slides.headers.get(header::CONTENT_TYPE).unwrap(),
        "application/pdf"
    );
    assert!(
        slides
            .headers
            .get(header::CONTENT_DISPOSITION)
            .unwrap()
            .to_str()
            .unwrap()
            .starts_with("attachment; filename=\"Dr--Ada-Lee-slides.pdf\"")
    );
    assert_eq!(
        staff.get(&format!("{member}/cv")).await.status,
        StatusCode::NOT_FOUND
    );
    let anonymous = visitor.get(&format!("{member}/slides")).await;
    assert_eq!(anonymous.status, StatusCode::SEE_OTHER);
    assert!(anonymous.location().starts_with("/sign-in"));

    // A made-up or altered link is a plain 404.
    // One character of the signature changed (to another one, whatever it was).
    let at = link.len() - 10;
    let swapped = if &link[at..at + 1] == "A" { "B" } else { "A" };
    let altered = format!("{}{swapped}{}", &link[..at], &link[at + 1..]);
    assert_eq!(visitor.get(&altered).await.status, StatusCode::NOT_FOUND);
    assert_eq!(
        visitor.get("/speakers/not-a-token").await.status,
        StatusCode::NOT_FOUND
    );
}

#[tokio::test]
async fn staff_see_missing_disclosures_and_remove_a_speaker_who_withdrew() {
    let t = TestApp::new().await;
    let s = t.society("gsco").await;
    let (event, session) = annual_meeting(&t, &s, "Annual meeting 2027", "annual-2027").await;
    let scoped = t.app.scoped(&s);
    let actor = Actor::default();
    let id = faculty::invite(
        &t.app,
        &scoped,
        event,
        &InviteForm {
            email: "ada.lee@example.org".into(),
            name: "Dr. Ada Lee".into(),
            role: "speaker".into(),
            sessions: vec![session],
        },
        &actor,
    )
    .await
    .unwrap();
    let token = faculty::speaker_token(&t.app, &scoped, id);
    faculty::upload_material(&t.app, &scoped, &token, Material::Slides, &pdf(300), &actor)
        .await
        .unwrap();
    faculty::submit_disclosure(
        &t.app,
        &scoped,
        &token,
        &DisclosureForm {
            answer: "none".into(),
            rows: Vec::new(),
            attest: true,
        },
        &actor,
    )
    .await
    .unwrap();
    let mut staff = t.client("gsco.test");
    staff.sign_in("owner@gsco.test", PASSWORD).await;
    let mut visitor = t.client("gsco.test");

    // Before the event: staff are told whose disclosure is not final; learners see no entry.
    let edit = staff.get(&format!("/staff/events/{event}")).await;
    assert!(edit.body.contains("Disclosures missing"), "{}", edit.body);
    assert!(
        edit.body
            .contains("Dr. Ada Lee (speaker)</a>: disclosure submitted, awaiting review")
    );
    let public = visitor.get("/events/annual-2027").await;
    assert!(!public.body.contains("Dr. Ada Lee"));
    assert!(!public.body.contains("Disclosure pending"));

    // The speaker fetches their own file through the link; a stranger's made-up link cannot.
    let mut speaker = t.client("gsco.test");
    let own = speaker
        .get(&format!("/speakers/{token}/files/slides"))
        .await;
    assert_eq!(own.status, StatusCode::OK);
    assert_eq!(
        own.headers.get(header::CONTENT_TYPE).unwrap(),
        "application/pdf"
    );
    assert_eq!(
        own.headers.get(header::CONTENT_DISPOSITION).unwrap(),
        "attachment; filename=\"Dr--Ada-Lee-slides.pdf\""
    );
    assert_eq!(
        own.headers.get(header::CACHE_CONTROL).unwrap(),
        "private, no-store"
    );
    assert_eq!(
        speaker
            .get(&format!("/speakers/{token}/files/cv"))
            .await
            .status,
        StatusCode::NOT_FOUND
    );
    assert_eq!(
        visitor
            .get(&format!("/speakers/{id}.forged/files/slides"))
            .await
            .status,
        StatusCode::NOT_FOUND
    );

    // Removing asks first, saying what stays.
    let member = format!("/staff/events/{event}/faculty/{id}");
    let confirm = staff.get(&format!("{member}/remove")).await;
    assert_eq!(confirm.status, StatusCode::OK);
    assert!(
        confirm
            .body
            .contains("Remove Dr. Ada Lee from the faculty?")
    );
    assert!(
        confirm
            .body
            .contains("they leave their sessions: Immunotherapy toxicities")
    );
    assert!(confirm
        .body
        .contains("Kept for the accreditation file, and listed as withdrawn in the joint-provider export: their slides, their disclosure and its review."));
    let anonymous = visitor.post(&format!("{member}/remove"), &[]).await;
    assert!(anonymous.location().starts_with("/sign-in"));
    assert!(
        faculty::faculty_by_token(&t.app, &scoped, &token)
            .await
            .is_ok()
    );
    let removed = staff.post(&format!("{member}/remove"), &[]).await;
    assert_eq!(removed.status, StatusCode::SEE_OTHER);
    assert_eq!(
        removed.location(),
        format!("/staff/events/{event}/faculty?done=removed")
    );
    let list = staff.get(&removed.location()).await;
    assert!(
        list.body
            .contains("Removed from the faculty. Their link no longer works")
    );
    assert!(list.body.contains("Withdrawn"));
    let record = staff.get(&member).await;
    assert_eq!(record.status, StatusCode::OK);
    assert!(record.body.contains("Removed from the faculty"));
    assert!(!record.body.contains("Mark reviewed"));
    // Their slides stay downloadable by staff for the accreditation file.
    assert_eq!(
        staff.get(&format!("{member}/slides")).await.status,
        StatusCode::OK
    );
    // Nothing is missing any more, and a second removal finds nobody.
    let edit = staff.get(&format!("/staff/events/{event}")).await;
    assert!(!edit.body.contains("Disclosures missing"));
    assert_eq!(
        staff.post(&format!("{member}/remove"), &[]).await.status,
        StatusCode::NOT_FOUND
    );

    // Their link now says plainly that it is closed, and whom to ask.
    let gone = speaker.get(&format!("/speakers/{token}")).await;
    assert_eq!(gone.status, StatusCode::GONE);
    assert!(gone.body.contains("This link no longer works"));
    assert!(
        gone.body
            .contains("no longer on the faculty of Annual meeting 2027")
    );
    assert!(gone.body.contains("office@gsco.test"));
    assert_eq!(
        speaker
            .get(&format!("/speakers/{token}/files/slides"))
            .await
            .status,
        StatusCode::GONE
    );
    let refused = speaker
        .post(
            &format!("/speakers/{token}/disclosure"),
            &[("answer", "none"), ("attest", "on")],
        )
        .await;
    assert_eq!(refused.status, StatusCode::GONE);
    let log: Vec<String> = scoped
        .audit_entries(50)
        .await
        .unwrap()
        .into_iter()
        .map(|e| format!("{} {}", e.action, e.subject))
        .collect();
    assert!(log.contains(&"faculty.removed ada.lee@example.org".to_string()));

    // Once the event has started, a disclosure still missing is said to have been missed.
    faculty::invite(
        &t.app,
        &scoped,
        event,
        &InviteForm {
            email: "sam@example.org".into(),
            name: "Samuel Reyes".into(),
            role: "moderator".into(),
            sessions: Vec::new(),
        },
        &actor,
    )
    .await
    .unwrap();
    t.clock.set(chapterhouse_core::Timestamp::from_jiff(
        "2027-03-07T12:00:00Z".parse().unwrap(),
    ));
    let mut late = t.client("gsco.test");
    late.sign_in("owner@gsco.test", PASSWORD).await;
    let edit = late.get(&format!("/staff/events/{event}")).await;
    assert!(
        edit.body
            .contains("The event has started without these disclosures final")
    );
    assert!(edit.body.contains("Samuel Reyes (moderator)</a>: invited"));
}

// ---------------------------------------------------------------------------------------------
// The isolation harness's part.

pub struct SeedSpeakers {
    pub event_id: String,
    pub faculty_id: String,
    pub token: String,
}

/// A published event with a speaker (canaries in name, email, company, mitigation and the
/// agreement) who accepted, uploaded slides and a CV, disclosed and was reviewed.
pub async fn seed_speakers(t: &TestApp, scoped: &Scoped) -> SeedSpeakers {
    let actor = Actor::default();
    let event = events::create_event(
        &t.app,
        scoped,
        &EventForm {
            title: "CANARY-A-SPKEVENT".into(),
            slug: "canary-a-spkevent".into(),
            kind: "meeting".into(),
            location_name: "Alpha Hall".into(),
            starts: "2027-03-06T08:00".into(),
            ends: "2027-03-06T17:00".into(),
            ..Default::default()
        },
        &actor,
    )
    .await
    .unwrap();
    events::publish_event(&t.app, scoped, event, &actor)
        .await
        .unwrap();
    faculty::save_agreement(&t.app, scoped, event, "CANARY-A-AGREEMENT text", &actor)
        .await
        .unwrap();
    let id = faculty::invite(
        &t.app,
        scoped,
        event,
        &InviteForm {
            email: "canary-a-speaker@alpha.test".into(),
            name: "CANARY-A-SPEAKER".into(),
            role: "speaker".into(),
            sessions: Vec::new(),
        },
        &actor,
    )
    .await
    .unwrap();
    let token = faculty::speaker_token(&t.app, scoped, id);
    faculty::accept_agreement(&t.app, scoped, &token, &actor)
        .await
        .unwrap();
    faculty::upload_material(&t.app, scoped, &token, Material::Slides, &pdf(100), &actor)
        .await
        .unwrap();
    faculty::upload_material(&t.app, scoped, &token, Material::Cv, &pdf(50), &actor)
        .await
        .unwrap();
    faculty::submit_disclosure(
        &t.app,
        scoped,
        &token,
        &DisclosureForm {
            answer: "some".into(),
            rows: vec![RowInput {
                company: "CANARY-A-COMPANY".into(),
                nature: "consulting".into(),
                ended: false,
            }],
            attest: true,
        },
        &actor,
    )
    .await
    .unwrap();
    let f = scoped.faculty_member(id).await.unwrap().unwrap();
    faculty::review(
        &t.app,
        scoped,
        event,
        id,
        &ReviewForm::from_pairs(&[
            ("disclosure".into(), f.disclosure_id.unwrap().to_string()),
            ("x1_relevant".into(), "yes".into()),
            ("x1_mitigation".into(), "CANARY-A-MITIGATION".into()),
        ]),
        &actor,
    )
    .await
    .unwrap();
    SeedSpeakers {
        event_id: event.to_string(),
        faculty_id: id.to_string(),
        token,
    }
}

/// The canaries `seed_speakers` plants.
pub const CANARIES: &[&str] = &[
    "CANARY-A-SPKEVENT",
    "canary-a-spkevent",
    "CANARY-A-AGREEMENT",
    "CANARY-A-SPEAKER",
    "canary-a-speaker",
    "CANARY-A-COMPANY",
    "CANARY-A-MITIGATION",
];

/// A's faculty as stored, for the before-and-after comparison.
pub async fn snapshot_speakers(scoped: &Scoped) -> String {
    let event = scoped
        .event_by_slug("canary-a-spkevent")
        .await
        .unwrap()
        .unwrap()
        .id;
    let faculty: Vec<_> = scoped
        .event_faculty(event)
        .await
        .unwrap()
        .into_iter()
        .map(|f| {
            format!(
                "{:?} {} {} {} {:?} {} {:?} {:?} {:?} {:?} {:?}",
                f.removed_at,
                f.display_name,
                f.email,
                f.role,
                f.agreement_accepted_at,
                f.agreement_text,
                f.slides_blob_id,
                f.cv_blob_id,
                f.disclosure_id,
                f.reviewed_at,
                f.invited_at
            )
        })
        .collect();
    let relationships: Vec<_> = scoped
        .event_relationships(event)
        .await
        .unwrap()
        .into_iter()
        .map(|r| (r.company, r.relevant, r.mitigation))
        .collect();
    let sessions = scoped.faculty_sessions(event).await.unwrap();
    format!(
        "{faculty:?} {relationships:?} {sessions:?} {:?}",
        scoped.speaker_agreement(event).await.unwrap()
    )
}

type Case = (String, Vec<(&'static str, String)>);
type Fixtures = BTreeMap<(&'static str, &'static str), Vec<Case>>;

pub fn isolation_fixtures(f: &mut Fixtures, a: &SeedSpeakers) {
    let get = |path: String| (path, vec![]);
    let speaker = format!("/speakers/{}", a.token);
    f.insert(("GET", "/speakers/{token}"), vec![get(speaker.clone())]);
    f.insert(
        ("POST", "/speakers/{token}/agreement"),
        vec![(format!("{speaker}/agreement"), vec![])],
    );
    f.insert(
        ("POST", "/speakers/{token}/materials"),
        vec![(
            format!("{speaker}/materials"),
            vec![("material", "slides".into())],
        )],
    );
    f.insert(
        ("POST", "/speakers/{token}/disclosure"),
        vec![(
            format!("{speaker}/disclosure"),
            vec![
                ("answer", "none".into()),
                ("attest", "on".into()),
                ("action", "submit".into()),
            ],
        )],
    );
    let list = format!("/staff/events/{}/faculty", a.event_id);
    let member = format!("{list}/{}", a.faculty_id);
    f.insert(
        ("GET", "/staff/events/{id}/faculty"),
        vec![get(list.clone())],
    );
    f.insert(
        ("POST", "/staff/events/{id}/faculty"),
        vec![(
            list.clone(),
            vec![
                ("email", "b-invitee@beta.test".into()),
                ("name", "B invitee".into()),
                ("role", "speaker".into()),
            ],
        )],
    );
    f.insert(
        ("POST", "/staff/events/{id}/faculty/agreement"),
        vec![(
            format!("{list}/agreement"),
            vec![("agreement", "B's agreement".into())],
        )],
    );
    f.insert(
        ("GET", "/staff/events/{id}/faculty/{faculty_id}"),
        vec![get(member.clone())],
    );
    f.insert(
        ("POST", "/staff/events/{id}/faculty/{faculty_id}"),
        vec![(member.clone(), vec![("role", "planner".into())])],
    );
    f.insert(
        ("POST", "/staff/events/{id}/faculty/{faculty_id}/resend"),
        vec![(format!("{member}/resend"), vec![])],
    );
    f.insert(
        ("POST", "/staff/events/{id}/faculty/{faculty_id}/review"),
        vec![(
            format!("{member}/review"),
            vec![("x1_relevant", "no".into())],
        )],
    );
    f.insert(
        ("GET", "/speakers/{token}/files/{material}"),
        vec![
            get(format!("{speaker}/files/slides")),
            get(format!("{speaker}/files/cv")),
        ],
    );
    f.insert(
        ("GET", "/staff/events/{id}/faculty/{faculty_id}/remove"),
        vec![get(format!("{member}/remove"))],
    );
    f.insert(
        ("POST", "/staff/events/{id}/faculty/{faculty_id}/remove"),
        vec![(format!("{member}/remove"), vec![])],
    );
    f.insert(
        ("GET", "/staff/events/{id}/faculty/{faculty_id}/{material}"),
        vec![get(format!("{member}/slides")), get(format!("{member}/cv"))],
    );
}
