//! Check-in at the door (the list, search, one tap, undo, the QR link), the Zoom attendance
//! import pages and the event report, through the real router; and the seed, fixtures and
//! snapshot the isolation walk uses for these routes.

use std::collections::BTreeMap;

use axum::body::Body;
use axum::http::{Request, StatusCode, header};
use chapterhouse_app::Actor;
use chapterhouse_app::checkin;
use chapterhouse_app::education::attendance::mark_attendance;
use chapterhouse_app::events::{self, EventForm, SessionForm, TypeForm};
use chapterhouse_app::registrations::{self, RegisterForm, Registered, Who};
use chapterhouse_core::registration::Guest;
use chapterhouse_core::{EventId, RegistrationId, RegistrationTypeId, Role};
use chapterhouse_store::{Scoped, Society};

use crate::common::{Client, PASSWORD, TestApp, TestResponse};

const BOUNDARY: &str = "----chapterhouse-checkin-boundary";

fn zoom_file(name: &str) -> Vec<u8> {
    std::fs::read(format!(
        "{}/../import/tests/data/{name}",
        env!("CARGO_MANIFEST_DIR")
    ))
    .unwrap()
}

/// POST the attendance upload form as a browser does.
async fn upload(
    client: &mut Client,
    event: EventId,
    fields: &[(&str, &str)],
    file_name: &str,
    data: &[u8],
) -> TestResponse {
    if client.csrf.is_none() {
        client.get("/sign-in").await;
    }
    let csrf = client.csrf.clone().unwrap_or_default();
    let mut body = String::new();
    for (k, v) in [("csrf", csrf.as_str())].iter().chain(fields.iter()) {
        body.push_str(&format!(
            "--{BOUNDARY}\r\nContent-Disposition: form-data; name=\"{k}\"\r\n\r\n{v}\r\n"
        ));
    }
    body.push_str(&format!(
        "--{BOUNDARY}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"{file_name}\"\r\nContent-Type: text/csv\r\n\r\n"
    ));
    let mut body = body.into_bytes();
    body.extend_from_slice(data);
    body.extend_from_slice(format!("\r\n--{BOUNDARY}--\r\n").as_bytes());
    let mut request = Request::builder()
        .method("POST")
        .uri(format!("/staff/events/{event}/attendance/import"))
        .header(header::HOST, &client.host)
        .header(header::CONTENT_LENGTH, body.len())
        .header(
            header::CONTENT_TYPE,
            format!("multipart/form-data; boundary={BOUNDARY}"),
        );
    if let Some(cookie) = &client.cookie {
        request = request.header(header::COOKIE, format!("ch_session={cookie}"));
    }
    client.send(request.body(Body::from(body)).unwrap()).await
}

async fn event(t: &TestApp, scoped: &Scoped, kind: &str, title: &str) -> EventId {
    let id = events::create_event(
        &t.app,
        scoped,
        &EventForm {
            title: title.into(),
            kind: kind.into(),
            starts: "2026-12-05T08:00".into(),
            ends: "2026-12-05T09:00".into(),
            location_name: "Hynes Convention Center".into(),
            ..Default::default()
        },
        &Actor::default(),
    )
    .await
    .unwrap();
    events::publish_event(&t.app, scoped, id, &Actor::default())
        .await
        .unwrap();
    id
}

async fn free_type(t: &TestApp, scoped: &Scoped, event: EventId, cap: &str) -> RegistrationTypeId {
    events::add_type(
        &t.app,
        scoped,
        event,
        &TypeForm {
            name: "Attendee".into(),
            price: "0".into(),
            cap: cap.into(),
            guests: "details".into(),
            max_guests: "2".into(),
            ..TypeForm::new_type()
        },
        &Actor::default(),
    )
    .await
    .unwrap()
}

async fn register(
    t: &TestApp,
    scoped: &Scoped,
    event: EventId,
    ty: RegistrationTypeId,
    (first, last): (&str, &str),
    email: &str,
    guests: &[(&str, &str)],
) -> RegistrationId {
    let form = RegisterForm {
        registration_type: ty.to_string(),
        first_name: first.into(),
        last_name: last.into(),
        email: email.into(),
        profession: "physician".into(),
        guest_count: guests.len().to_string(),
        guests: guests
            .iter()
            .map(|(n, e)| Guest {
                name: n.to_string(),
                email: e.to_string(),
            })
            .collect(),
        ..Default::default()
    };
    match registrations::register(
        &t.app,
        scoped,
        event,
        &form,
        Who::Visitor,
        &Actor::anonymous(format!("198.51.100.{}", email.len())),
    )
    .await
    .unwrap()
    {
        Registered::New { id, .. } => id,
        other => panic!("{other:?}"),
    }
}

async fn staff_client(t: &TestApp, society: &Society) -> Client {
    let mut c = t.client(&format!("{}.test", society.slug));
    c.sign_in(&format!("owner@{}.test", society.slug), PASSWORD)
        .await;
    c
}

#[tokio::test]
async fn staff_search_tap_check_in_once_and_undo() {
    let t = TestApp::new().await;
    let s = t.society("alpha").await;
    let scoped = t.app.scoped(&s);
    let e = event(&t, &scoped, "meeting", "Annual meeting").await;
    // Two seats: Ana and her guest; Ben waits.
    let ty = free_type(&t, &scoped, e, "2").await;
    let ana = register(
        &t,
        &scoped,
        e,
        ty,
        ("Ana", "Lima"),
        "ana@example.org",
        &[("Bo Lima", "bo@example.org")],
    )
    .await;
    let ben = register(&t, &scoped, e, ty, ("Ben", "Ode"), "ben@example.org", &[]).await;
    t.clock.set(chapterhouse_core::Timestamp::from_jiff(
        "2026-12-05T14:14:00Z".parse().unwrap(),
    ));
    let mut staff = staff_client(&t, &s).await;
    let page = format!("/staff/events/{e}/checkin");

    // Anonymous visitors are sent to sign in; members are refused.
    let mut anonymous = t.client("alpha.test");
    assert_eq!(anonymous.get(&page).await.status, StatusCode::SEE_OTHER);

    let list = staff.get(&format!("{page}?q=lima")).await;
    assert_eq!(list.status, StatusCode::OK);
    assert!(list.body.contains("Ana Lima"));
    assert!(
        !list.body.contains("Ben Ode"),
        "the search narrows the list"
    );
    assert!(list.body.contains("0</strong> of 1 confirmed"));
    let all = staff.get(&page).await;
    assert!(all.body.contains("Ben Ode"));
    assert!(
        all.body
            .contains("On the waitlist: there is no seat for them yet.")
    );

    let tap = staff.post(&format!("{page}/{ana}"), &[("q", "lima")]).await;
    assert_eq!(tap.status, StatusCode::SEE_OTHER);
    assert!(tap.location().contains("done=in"), "{}", tap.location());
    let after = staff.get(&tap.location()).await;
    assert!(
        after
            .body
            .contains("Checked in at 8:14 am by Owner of alpha"),
        "{}",
        after.body
    );
    assert!(after.body.contains("Bo Lima:"), "the guest is listed");
    assert!(after.body.contains("1</strong> of 1 confirmed"));
    let reg = scoped.registration(ana).await.unwrap().unwrap();
    assert!(reg.checked_in_at.is_some());
    assert!(
        scoped.checkin_guests(ana, None).await.unwrap()[0]
            .checked_in_at
            .is_some()
    );

    // A second tap (a double submit) changes nothing.
    t.clock.advance_seconds(60);
    let again = staff.post(&format!("{page}/{ana}"), &[]).await;
    assert!(again.location().contains("done=already"));
    assert_eq!(
        scoped
            .registration(ana)
            .await
            .unwrap()
            .unwrap()
            .checked_in_at,
        reg.checked_in_at
    );
    assert_eq!(scoped.event_attendance(e).await.unwrap().len(), 1);

    // The waitlisted registration cannot be checked in: the page says why, 422.
    let refused = staff.post(&format!("{page}/{ben}"), &[]).await;
    assert_eq!(refused.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(refused.body.contains("On the waitlist"));

    // Without the form's token nothing happens.
    let forged = staff
        .post_raw(&format!("{page}/{ana}/undo"), "csrf=nope".into())
        .await;
    assert_eq!(forged.status, StatusCode::FORBIDDEN);
    let undo = staff.post(&format!("{page}/{ana}/undo"), &[]).await;
    assert!(undo.location().contains("done=undone"));
    assert!(
        staff
            .get(&undo.location())
            .await
            .body
            .contains("Check-in undone.")
    );
    assert_eq!(
        scoped
            .registration(ana)
            .await
            .unwrap()
            .unwrap()
            .checked_in_at,
        None
    );
    assert!(scoped.event_attendance(e).await.unwrap().is_empty());

    // The staff event page links here.
    assert!(
        staff
            .get(&format!("/staff/events/{e}"))
            .await
            .body
            .contains(&page)
    );
}

#[tokio::test]
async fn the_qr_link_is_a_pass_for_visitors_and_a_button_for_staff() {
    let t = TestApp::new().await;
    let s = t.society("alpha").await;
    let b = t.society("beta").await;
    let scoped = t.app.scoped(&s);
    let e = event(&t, &scoped, "meeting", "Annual meeting").await;
    let ty = free_type(&t, &scoped, e, "").await;
    let id = register(&t, &scoped, e, ty, ("Ana", "Lima"), "ana@example.org", &[]).await;
    let reg = scoped.registration(id).await.unwrap().unwrap();
    let link = registrations::checkin_link(&t.app, &scoped, &reg);
    let path = chapterhouse_web_path(&link);

    let mut visitor = t.client("alpha.test");
    let pass = visitor.get(&path).await;
    assert_eq!(pass.status, StatusCode::OK);
    assert!(pass.body.contains("This is Ana’s check-in pass"));
    assert!(!pass.body.contains("Lima"), "nothing but the first name");
    assert!(!pass.body.contains("ana@example.org"));
    assert!(!pass.body.contains("Check in<"));

    // Forged, truncated, or another society's host: a clear not-found page.
    let forged = visitor.get(&format!("{}x", path)).await;
    assert_eq!(forged.status, StatusCode::NOT_FOUND);
    assert!(forged.body.contains("Check-in pass not found"));
    let mut beta = t.client("beta.test");
    let other = beta.get(&path).await;
    assert_eq!(other.status, StatusCode::NOT_FOUND);
    assert!(!other.body.contains("Ana"));
    let mut beta_staff = staff_client(&t, &b).await;
    assert_eq!(beta_staff.get(&path).await.status, StatusCode::NOT_FOUND);

    // Staff of the society get the one-tap card, and come back to it.
    let mut staff = staff_client(&t, &s).await;
    let card = staff.get(&path).await;
    assert!(card.body.contains("Ana Lima"));
    assert!(
        card.body
            .contains(&format!("/staff/events/{e}/checkin/{id}\""))
    );
    let token = path.rsplit('/').next().unwrap();
    let tap = staff
        .post(
            &format!("/staff/events/{e}/checkin/{id}"),
            &[("pass", token)],
        )
        .await;
    assert_eq!(tap.location(), format!("{path}?done=in"));
    let back = staff.get(&tap.location()).await;
    assert!(back.body.contains("Checked in at"), "{}", back.body);
    assert!(back.body.contains("Checked in."));
}

/// The real participants export grown to `min_bytes` in Zoom's column layout: 400 more people,
/// each leaving and rejoining many times (a row per join, as Zoom writes them).
fn large_zoom_report(min_bytes: usize) -> Vec<u8> {
    let mut data = zoom_file("participants_meeting.csv");
    let mut n = 0;
    while data.len() < min_bytes {
        n += 1;
        data.extend_from_slice(
            format!(
                "Participant {p},participant{p}@hospital.org,11/18/2026 06:0{}:00 PM,11/18/2026 06:5{}:00 PM,50,No,Y\n",
                n % 10,
                n % 10,
                p = n % 400
            )
            .as_bytes(),
        );
    }
    data
}

#[tokio::test]
async fn a_large_zoom_report_is_taken_and_one_over_the_limit_refused_in_words() {
    let t = TestApp::new().await;
    let s = t.society("alpha").await;
    let scoped = t.app.scoped(&s);
    let e = event(&t, &scoped, "webinar", "Immunotherapy webinar").await;
    let mut staff = staff_client(&t, &s).await;
    let form = staff
        .get(&format!("/staff/events/{e}/attendance/import"))
        .await;
    assert!(form.body.contains("Files up to 5 MB."), "{}", form.body);

    // 2 MB: over the site's 1 MB form limit, within the import's own.
    let big = large_zoom_report(2 * 1024 * 1024);
    let up = upload(&mut staff, e, &[("session", "")], "big.csv", &big).await;
    assert_eq!(up.status, StatusCode::SEE_OTHER, "{}", up.body);
    let preview = staff.get(&up.location()).await;
    assert_eq!(preview.status, StatusCode::OK);
    assert!(preview.body.contains("Zoom meeting participants export"));
    assert!(preview.body.contains("participant399@hospital.org"));

    // 6.2 MB: refused before the handler with the sizes in words.
    let mut huge = big;
    huge.resize(6 * 1024 * 1024 + 1024 * 1024 / 5, b'\n');
    let refused = upload(&mut staff, e, &[("session", "")], "huge.csv", &huge).await;
    assert_eq!(refused.status, StatusCode::PAYLOAD_TOO_LARGE);
    assert!(
        refused
            .body
            .contains("The file is 6.2 MB; the limit is 5 MB."),
        "{}",
        refused.body
    );
    assert!(scoped.attendance_imports(e).await.unwrap().is_empty());

    // Over a real socket the browser, still sending, reads the page rather than a reset.
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let router = t.router.clone();
    tokio::spawn(async move {
        axum::serve(listener, router).await.ok();
    });
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let mut socket = tokio::net::TcpStream::connect(addr).await.unwrap();
    let head = format!(
        "POST /staff/events/{e}/attendance/import HTTP/1.1\r\nHost: alpha.test\r\nContent-Type: multipart/form-data; boundary={BOUNDARY}\r\nContent-Length: {}\r\nConnection: close\r\n\r\n",
        huge.len()
    );
    let (mut read, mut write) = socket.split();
    let send = async {
        write.write_all(head.as_bytes()).await?;
        write.write_all(&huge).await?;
        write.flush().await
    };
    let mut answer = Vec::new();
    let (sent, received) = tokio::join!(send, read.read_to_end(&mut answer));
    sent.expect("the whole body is taken, not reset");
    received.expect("the answer is read, not reset");
    let answer = String::from_utf8_lossy(&answer);
    assert!(answer.starts_with("HTTP/1.1 413"), "{answer}");
    assert!(answer.contains("The file is 6.2 MB; the limit is 5 MB."));
}

fn chapterhouse_web_path(link: &str) -> String {
    format!("/{}", link.splitn(4, '/').nth(3).unwrap())
}

#[tokio::test]
async fn a_zoom_report_is_uploaded_previewed_and_imported() {
    let t = TestApp::new().await;
    let s = t.society("alpha").await;
    let scoped = t.app.scoped(&s);
    let e = event(&t, &scoped, "webinar", "Immunotherapy webinar").await;
    let ty = free_type(&t, &scoped, e, "").await;
    register(
        &t,
        &scoped,
        e,
        ty,
        ("Margaret", "Chu"),
        "mchu@bostonmed.org",
        &[],
    )
    .await;
    register(
        &t,
        &scoped,
        e,
        ty,
        ("Priya", "Natarajan"),
        "pnatarajan@dartmouth.edu",
        &[],
    )
    .await;
    let mut staff = staff_client(&t, &s).await;
    let page = format!("/staff/events/{e}/attendance/import");
    let form = staff.get(&page).await;
    assert_eq!(form.status, StatusCode::OK);
    assert!(form.body.contains("Zoom report (CSV file)"));

    // Not a Zoom report: refused in words, the choices kept.
    let wrong = upload(
        &mut staff,
        e,
        &[("session", ""), ("min_minutes", "50")],
        "members.csv",
        b"Email,First name\nana@example.org,Ana\n",
    )
    .await;
    assert_eq!(wrong.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        wrong
            .body
            .contains("not a Zoom participant or attendee report")
    );
    assert!(wrong.body.contains("value=\"50\""));

    let up = upload(
        &mut staff,
        e,
        &[("session", ""), ("min_minutes", "")],
        "webinar_attendee_report.csv",
        &zoom_file("webinar_attendee_report.csv"),
    )
    .await;
    assert_eq!(up.status, StatusCode::SEE_OTHER, "{}", up.body);
    let preview = staff.get(&up.location()).await;
    assert_eq!(preview.status, StatusCode::OK);
    assert!(preview.body.contains("Zoom webinar attendee report"));
    assert!(preview.body.contains("Margaret Chu"));
    assert!(
        preview.body.contains("Too short: not attended"),
        "Priya's 18 minutes"
    );
    assert!(
        preview
            .body
            .contains("No one in the society has this email address")
    );
    assert!(
        preview.body.contains("value=\"45\""),
        "three quarters of the hour"
    );

    // A minimum that is not a number: 422, what was typed kept, no import button.
    let blob_path = up.location().split('?').next().unwrap().to_string();
    let bad = staff
        .get(&format!("{blob_path}?session=&min_minutes=lots"))
        .await;
    assert_eq!(bad.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(bad.body.contains("value=\"lots\""));
    assert!(!bad.body.contains("Import attendance</button>"));

    let done = staff
        .post(&blob_path, &[("session", ""), ("min_minutes", "15")])
        .await;
    assert_eq!(done.status, StatusCode::SEE_OTHER);
    let notice = staff.get(&done.location()).await;
    assert!(
        notice
            .body
            .contains("Attendance imported: 2 people matched, 2 attended"),
        "{}",
        notice.body
    );
    assert!(notice.body.contains("webinar_attendee_report.csv"));
    let rows = scoped.event_attendance(e).await.unwrap();
    assert_eq!(rows.len(), 2);
    assert!(rows.iter().all(|a| a.attended && a.source == "import"));
    // Pressing Import again finds the upload gone.
    let again = staff
        .post(&blob_path, &[("session", ""), ("min_minutes", "15")])
        .await;
    assert!(again.location().contains("done=gone"));

    // The report counts them.
    let report = staff.get(&format!("/staff/events/{e}/report")).await;
    assert_eq!(report.status, StatusCode::OK);
    assert!(report.body.contains("Registrations per type and status"));
    assert!(
        report
            .body
            .contains("<td>Whole event</td><td></td><td>2</td>"),
        "{}",
        report.body
    );
    let csv = staff.get(&format!("/staff/events/{e}/report.csv")).await;
    assert!(
        csv.headers[header::CONTENT_TYPE]
            .to_str()
            .unwrap()
            .starts_with("text/csv")
    );
    assert!(csv.body.contains("Attendee,no,2,2,"), "{}", csv.body);
}

// ---------------------------------------------------------------------------------------------
// The isolation walk.

pub struct SeedCheckin {
    pub event_id: String,
    pub registration_id: String,
    pub guest_id: String,
    pub token: String,
    pub upload_id: String,
}

/// The canaries `seed_checkin` plants.
pub const CANARIES: &[&str] = &[
    "CANARY-A-CHKFIRST",
    "CANARY-A-CHKLAST",
    "canary-a-chk@",
    "CANARY-A-CHKGUEST",
    "canary-a-zoomfile",
];

/// A registration with a named guest for A's seeded event, and an uploaded Zoom report.
pub async fn seed_checkin(t: &TestApp, scoped: &Scoped, event: &str) -> SeedCheckin {
    let e: EventId = event.parse().unwrap();
    let ty = free_type(t, scoped, e, "").await;
    let id = register(
        t,
        scoped,
        e,
        ty,
        ("CANARY-A-CHKFIRST", "CANARY-A-CHKLAST"),
        "canary-a-chk@example.org",
        &[("CANARY-A-CHKGUEST", "guest@example.org")],
    )
    .await;
    let reg = scoped.registration(id).await.unwrap().unwrap();
    let link = registrations::checkin_link(&t.app, scoped, &reg);
    let blob = chapterhouse_app::attendance_import::upload_report(
        &t.app,
        scoped,
        e,
        "canary-a-zoomfile.csv",
        &zoom_file("participants_meeting.csv"),
        &Actor::default(),
    )
    .await
    .unwrap();
    SeedCheckin {
        event_id: event.to_string(),
        registration_id: id.to_string(),
        guest_id: scoped.checkin_guests(id, None).await.unwrap()[0]
            .id
            .to_string(),
        token: link.rsplit('/').next().unwrap().to_string(),
        upload_id: blob.to_string(),
    }
}

/// A's check-in state and attendance, for the before-and-after comparison.
pub async fn snapshot_checkin(scoped: &Scoped) -> String {
    let mut out = Vec::new();
    for e in scoped.staff_events().await.unwrap() {
        for r in scoped.checkin_rows(e.id, "", 1000).await.unwrap() {
            let guests: Vec<_> = scoped
                .checkin_guests(r.id, None)
                .await
                .unwrap()
                .into_iter()
                .map(|g| (g.name, g.checked_in_at))
                .collect();
            let mut per_session = Vec::new();
            for session in scoped.event_sessions(e.id).await.unwrap() {
                for g in scoped.checkin_guests(r.id, Some(session.id)).await.unwrap() {
                    per_session.push((session.id, g.name, g.checked_in_at));
                }
            }
            out.push(format!(
                "{} {} {:?} {guests:?} {per_session:?}",
                r.id, r.status, r.checked_in_at
            ));
        }
        let attendance: Vec<_> = scoped
            .event_attendance(e.id)
            .await
            .unwrap()
            .into_iter()
            .map(|a| (a.email, a.session_id, a.minutes, a.attended, a.source))
            .collect();
        out.push(format!(
            "{attendance:?} {}",
            scoped.attendance_imports(e.id).await.unwrap().len()
        ));
    }
    out.join("\n")
}

type Fixtures = BTreeMap<(&'static str, &'static str), Vec<(String, Vec<(&'static str, String)>)>>;

pub fn isolation_fixtures(f: &mut Fixtures, a: &SeedCheckin) {
    let event = format!("/staff/events/{}", a.event_id);
    let reg = format!("{event}/checkin/{}", a.registration_id);
    f.insert(
        ("GET", "/checkin/{token}"),
        vec![(format!("/checkin/{}", a.token), vec![])],
    );
    f.insert(
        ("GET", "/staff/events/{id}/checkin"),
        vec![
            (format!("{event}/checkin"), vec![]),
            (format!("{event}/checkin?q=canary"), vec![]),
        ],
    );
    f.insert(
        ("POST", "/staff/events/{id}/checkin/{registration}"),
        vec![
            (reg.clone(), vec![]),
            (reg.clone(), vec![("pass", a.token.clone())]),
        ],
    );
    f.insert(
        (
            "POST",
            "/staff/events/{id}/checkin/{registration}/guests/{guest}",
        ),
        vec![(format!("{reg}/guests/{}", a.guest_id), vec![])],
    );
    f.insert(
        ("POST", "/staff/events/{id}/checkin/{registration}/undo"),
        vec![(format!("{reg}/undo"), vec![])],
    );
    let import = format!("{event}/attendance/import");
    f.insert(
        ("GET", "/staff/events/{id}/attendance/import"),
        vec![(import.clone(), vec![])],
    );
    f.insert(
        ("POST", "/staff/events/{id}/attendance/import"),
        vec![(import.clone(), vec![("session", String::new())])],
    );
    f.insert(
        ("GET", "/staff/events/{id}/attendance/import/{blob}"),
        vec![(format!("{import}/{}", a.upload_id), vec![])],
    );
    f.insert(
        ("POST", "/staff/events/{id}/attendance/import/{blob}"),
        vec![(
            format!("{import}/{}", a.upload_id),
            vec![("session", String::new()), ("min_minutes", "0".into())],
        )],
    );
    f.insert(
        ("GET", "/staff/events/{id}/report"),
        vec![(format!("{event}/report"), vec![])],
    );
    f.insert(
        ("GET", "/staff/events/{id}/report.csv"),
        vec![(format!("{event}/report.csv"), vec![])],
    );
}

#[tokio::test]
async fn a_series_list_shows_who_attended_the_chosen_session() {
    let t = TestApp::new().await;
    let s = t.society("alpha").await;
    let scoped = t.app.scoped(&s);
    let e = event(&t, &scoped, "series", "Tumor board").await;
    let mut sessions = Vec::new();
    for (title, starts, ends) in [
        ("First case", "2026-12-05T08:00", "2026-12-05T08:30"),
        ("Second case", "2026-12-05T08:30", "2026-12-05T09:00"),
    ] {
        let form = SessionForm {
            title: title.into(),
            starts: starts.into(),
            ends: ends.into(),
            ..Default::default()
        };
        sessions.push(
            events::add_session(&t.app, &scoped, e, &form, &Actor::default())
                .await
                .unwrap(),
        );
    }
    let ty = free_type(&t, &scoped, e, "").await;
    let ana = register(&t, &scoped, e, ty, ("Ana", "Lima"), "ana@example.org", &[]).await;
    register(&t, &scoped, e, ty, ("Ben", "Ode"), "ben@example.org", &[]).await;
    checkin::check_in(
        &t.app,
        &scoped,
        e,
        ana,
        Some(sessions[0]),
        &Actor::default(),
    )
    .await
    .unwrap();
    let ben = scoped
        .person_by_email("ben@example.org")
        .await
        .unwrap()
        .unwrap();
    mark_attendance(
        &t.app,
        &scoped,
        e,
        Some(sessions[0]),
        ben,
        true,
        &Actor::default(),
    )
    .await
    .unwrap();

    let mut staff = staff_client(&t, &s).await;
    let first = staff
        .get(&format!(
            "/staff/events/{e}/checkin?session={}",
            sessions[0]
        ))
        .await;
    assert_eq!(first.status, StatusCode::OK);
    assert!(first.body.contains("Checked in at"), "{}", first.body);
    assert!(first.body.contains(&format!("/checkin/{ana}/undo")));
    assert!(
        first.body.contains("Attended this session"),
        "{}",
        first.body
    );
    let second = staff
        .get(&format!(
            "/staff/events/{e}/checkin?session={}",
            sessions[1]
        ))
        .await;
    assert_eq!(second.status, StatusCode::OK);
    assert!(!second.body.contains("Checked in at"), "{}", second.body);
    assert!(!second.body.contains("Attended this session"));
}

/// One registration's card on the door's list.
fn card_of(body: &str, id: RegistrationId) -> &str {
    let start = body
        .find(&format!("id=\"r-{id}\""))
        .unwrap_or_else(|| panic!("no card for {id} in {body}"));
    let rest = &body[start..];
    let end = rest[1..]
        .find("class=\"checkin-card")
        .map(|i| i + 1)
        .unwrap_or(rest.len());
    &rest[..end]
}

#[tokio::test]
async fn a_series_door_counts_checks_in_and_undoes_per_session() {
    let t = TestApp::new().await;
    let s = t.society("alpha").await;
    let scoped = t.app.scoped(&s);
    let e = event(&t, &scoped, "series", "Tumor board").await;
    let mut sessions = Vec::new();
    for (title, starts, ends) in [
        ("First case", "2026-12-05T08:00", "2026-12-05T08:30"),
        ("Second case", "2026-12-05T08:30", "2026-12-05T09:00"),
    ] {
        let form = SessionForm {
            title: title.into(),
            starts: starts.into(),
            ends: ends.into(),
            ..Default::default()
        };
        sessions.push(
            events::add_session(&t.app, &scoped, e, &form, &Actor::default())
                .await
                .unwrap()
                .to_string(),
        );
    }
    let (first, second) = (sessions[0].as_str(), sessions[1].as_str());
    let ty = free_type(&t, &scoped, e, "").await;
    let ana = register(
        &t,
        &scoped,
        e,
        ty,
        ("Ana", "Lima"),
        "ana@example.org",
        &[("Bo Lima", "bo@example.org")],
    )
    .await;
    register(&t, &scoped, e, ty, ("Ben", "Ode"), "ben@example.org", &[]).await;
    let bo = scoped.checkin_guests(ana, None).await.unwrap()[0].id;
    t.clock.set(chapterhouse_core::Timestamp::from_jiff(
        "2026-12-05T14:10:00Z".parse().unwrap(),
    ));
    let mut staff = staff_client(&t, &s).await;
    let page = format!("/staff/events/{e}/checkin");
    let at = |session: &str| format!("{page}?session={session}");
    let tap = format!("{page}/{ana}");
    let guest_tap = format!("{page}/{ana}/guests/{bo}");

    // Ana and her guest are checked in at the first session.
    let done = staff.post(&tap, &[("session", first)]).await;
    assert!(done.location().contains("done=in"), "{}", done.location());
    assert!(done.location().contains(first), "back to the same session");
    let one = staff.get(&at(first)).await;
    assert!(
        one.body
            .contains("1</strong> of 2 confirmed registrations checked in for this session"),
        "{}",
        one.body
    );
    let card = card_of(&one.body, ana);
    assert!(card.contains("Checked in at 8:10 am"), "{card}");
    assert!(
        !card.contains(&format!("action=\"{guest_tap}\"")),
        "Bo is in: {card}"
    );

    // At the second session nobody is in yet: Ana and Bo both have their buttons.
    let two = staff.get(&at(second)).await;
    assert!(
        two.body.contains("0</strong> of 2 confirmed"),
        "{}",
        two.body
    );
    let card = card_of(&two.body, ana);
    assert!(!card.contains("Checked in at"), "{card}");
    assert!(card.contains(&format!("action=\"{tap}\"")), "{card}");
    assert!(card.contains(&format!("action=\"{guest_tap}\"")), "{card}");

    // A wrong tap at the second session, undone there: the first session keeps her.
    t.clock.advance_seconds(1800);
    staff.post(&tap, &[("session", second)]).await;
    assert!(
        staff
            .get(&at(second))
            .await
            .body
            .contains("1</strong> of 2 confirmed")
    );
    let undo = staff
        .post(&format!("{tap}/undo"), &[("session", second)])
        .await;
    assert!(undo.location().contains("done=undone"));
    let two = staff.get(&at(second)).await;
    assert!(
        two.body.contains("0</strong> of 2 confirmed"),
        "{}",
        two.body
    );
    assert!(card_of(&two.body, ana).contains(&format!("action=\"{guest_tap}\"")));
    let one = staff.get(&at(first)).await;
    assert!(
        one.body.contains("1</strong> of 2 confirmed"),
        "{}",
        one.body
    );
    assert!(card_of(&one.body, ana).contains("Checked in at 8:10 am"));
    assert!(!card_of(&one.body, ana).contains(&format!("action=\"{guest_tap}\"")));

    // Bo alone at the second session: he is in there, Ana is not.
    let guest = staff.post(&guest_tap, &[("session", second)]).await;
    assert!(
        guest.location().contains("done=guest"),
        "{}",
        guest.location()
    );
    let two = staff.get(&at(second)).await;
    let card = card_of(&two.body, ana);
    assert!(!card.contains(&format!("action=\"{guest_tap}\"")), "{card}");
    assert!(card.contains(&format!("action=\"{tap}\"")), "{card}");
    assert!(two.body.contains("0</strong> of 2 confirmed"));
}

#[tokio::test]
async fn members_cannot_use_the_door_pages() {
    let t = TestApp::new().await;
    let s = t.society("alpha").await;
    t.add_account(&s, "member@alpha.test", Role::Member).await;
    let scoped = t.app.scoped(&s);
    let e = event(&t, &scoped, "meeting", "Annual meeting").await;
    let mut member = t.client("alpha.test");
    member.sign_in("member@alpha.test", PASSWORD).await;
    for path in [
        format!("/staff/events/{e}/checkin"),
        format!("/staff/events/{e}/attendance/import"),
        format!("/staff/events/{e}/report"),
    ] {
        assert_eq!(
            member.get(&path).await.status,
            StatusCode::FORBIDDEN,
            "{path}"
        );
    }
}
