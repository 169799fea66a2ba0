//! Check-in at the door, Zoom attendance imports and the event report. SQLite by default,
//! PostgreSQL when `CHAPTERHOUSE_TEST_DATABASE_URL` is set.

use chapterhouse_app::attendance_import::{self, ImportChoice};
use chapterhouse_app::billing::{self, NewPayment, PaymentMethodKind};
use chapterhouse_app::checkin::{self, CheckedIn};
use chapterhouse_app::education::attendance::mark_attendance;
use chapterhouse_app::event_report;
use chapterhouse_app::events::{self, EventForm, SessionForm, TypeForm};
use chapterhouse_app::registrations::{self, RegisterForm, Registered, Who};
use chapterhouse_app::{Actor, AppError};
use chapterhouse_core::money::Cents;
use chapterhouse_core::registration::Guest;
use chapterhouse_core::{
    BlobId, EventId, EventSessionId, PersonId, RegistrationId, RegistrationTypeId,
};
use chapterhouse_store::{Attendance, Scoped};

mod common;
use common::{Fixture, fixture, set_clock, society};

fn staff() -> Actor {
    Actor::anonymous("203.0.113.9")
}

fn zoom_file(name: &str) -> Vec<u8> {
    std::fs::read(format!(
        "{}/tests/data/zoom/{name}",
        env!("CARGO_MANIFEST_DIR")
    ))
    .unwrap()
}

async fn event(f: &Fixture, scoped: &Scoped, kind: &str, starts: &str, ends: &str) -> EventId {
    let id = events::create_event(
        &f.app,
        scoped,
        &EventForm {
            title: format!("A {kind} on {starts}"),
            kind: kind.into(),
            starts: starts.into(),
            ends: ends.into(),
            location_name: "Hynes Convention Center".into(),
            ..Default::default()
        },
        &staff(),
    )
    .await
    .unwrap();
    events::publish_event(&f.app, scoped, id, &staff())
        .await
        .unwrap();
    id
}

async fn session(
    f: &Fixture,
    scoped: &Scoped,
    event: EventId,
    title: &str,
    starts: &str,
    ends: &str,
) -> EventSessionId {
    events::add_session(
        &f.app,
        scoped,
        event,
        &SessionForm {
            title: title.into(),
            starts: starts.into(),
            ends: ends.into(),
            ..Default::default()
        },
        &staff(),
    )
    .await
    .unwrap()
}

async fn reg_type(
    f: &Fixture,
    scoped: &Scoped,
    event: EventId,
    form: TypeForm,
) -> RegistrationTypeId {
    events::add_type(&f.app, scoped, event, &form, &staff())
        .await
        .unwrap()
}

fn type_form(name: &str) -> TypeForm {
    TypeForm {
        name: name.into(),
        price: "0".into(),
        ..TypeForm::new_type()
    }
}

async fn register(
    f: &Fixture,
    scoped: &Scoped,
    event: EventId,
    ty: RegistrationTypeId,
    name: &str,
    email: &str,
    guests: &[&str],
) -> RegistrationId {
    let (first, last) = name.split_once(' ').unwrap();
    let form = RegisterForm {
        registration_type: ty.to_string(),
        first_name: first.into(),
        last_name: last.into(),
        email: email.into(),
        profession: "physician".into(),
        guests: guests
            .iter()
            .filter(|g| !g.is_empty())
            .map(|g| Guest {
                name: g.to_string(),
                email: format!("{}@example.org", g.replace(' ', ".").to_lowercase()),
            })
            .collect(),
        guest_count: if guests.is_empty() {
            String::new()
        } else {
            guests.len().to_string()
        },
        ..Default::default()
    };
    let ip = format!("198.51.100.{}", email.len());
    match registrations::register(
        &f.app,
        scoped,
        event,
        &form,
        Who::Visitor,
        &Actor::anonymous(ip),
    )
    .await
    .unwrap()
    {
        Registered::New { id, .. } => id,
        other => panic!("expected a new registration, got {other:?}"),
    }
}

async fn person(scoped: &Scoped, email: &str) -> PersonId {
    scoped.person_by_email(email).await.unwrap().unwrap()
}

fn field(result: Result<impl std::fmt::Debug, AppError>, name: &str) -> String {
    match result {
        Err(AppError::Invalid(errors)) => errors
            .get(name)
            .unwrap_or_else(|| panic!("no message for {name}: {errors}"))
            .to_string(),
        other => panic!("expected a problem with {name}, got {other:?}"),
    }
}

async fn audits(scoped: &Scoped, action: &str) -> usize {
    scoped
        .audit_entries(200)
        .await
        .unwrap()
        .into_iter()
        .filter(|e| e.action == action)
        .count()
}

fn row<'a>(
    rows: &'a [Attendance],
    email: &str,
    session: Option<EventSessionId>,
) -> Option<&'a Attendance> {
    rows.iter()
        .find(|a| a.email == email && a.session() == session)
}

#[tokio::test]
async fn check_in_takes_the_guests_once_and_can_be_undone() {
    let f = fixture().await;
    let s = society(&f, "alpha").await;
    let scoped = f.app.scoped(&s);
    let e = event(
        &f,
        &scoped,
        "meeting",
        "2026-12-05T08:00",
        "2026-12-05T17:00",
    )
    .await;
    let ty = reg_type(
        &f,
        &scoped,
        e,
        TypeForm {
            guests: "details".into(),
            max_guests: "2".into(),
            ..type_form("Physician")
        },
    )
    .await;
    let ana = register(
        &f,
        &scoped,
        e,
        ty,
        "Ana Lima",
        "ana@example.org",
        &["Bo Lima", "Cy Lima"],
    )
    .await;
    let ben = register(&f, &scoped, e, ty, "Ben Ode", "ben@example.org", &[]).await;
    set_clock(&f, "2026-12-05T13:14:00Z");

    // The registrant list names each registration's own guests.
    let csv = registrations::registrants_csv(&scoped, e).await.unwrap();
    let line = |email: &str| {
        csv.lines()
            .find(|l| l.contains(email))
            .unwrap_or_else(|| panic!("{email} in {csv}"))
            .to_string()
    };
    assert!(
        line("ana@example.org")
            .ends_with(",Bo Lima <bo.lima@example.org>; Cy Lima <cy.lima@example.org>"),
        "{csv}"
    );
    assert!(line("ben@example.org").ends_with(","), "{csv}");

    assert_eq!(
        checkin::check_in(&f.app, &scoped, e, ana, None, &staff())
            .await
            .unwrap(),
        CheckedIn::Now
    );
    let reg = scoped.registration(ana).await.unwrap().unwrap();
    let first_time = reg.checked_in_at.expect("checked in");
    let guests = scoped.checkin_guests(ana, None).await.unwrap();
    assert_eq!(guests.len(), 2);
    assert!(guests.iter().all(|g| g.checked_in_at == Some(first_time)));
    let rows = scoped.event_attendance(e).await.unwrap();
    let a = row(&rows, "ana@example.org", None).expect("attendance recorded");
    assert!(a.attended);
    assert_eq!(a.source, "checkin");
    assert_eq!(rows.len(), 1, "guests are not people: one attendance row");

    // A second tap, later, changes nothing.
    f.clock.advance_seconds(120);
    assert_eq!(
        checkin::check_in(&f.app, &scoped, e, ana, None, &staff())
            .await
            .unwrap(),
        CheckedIn::Already
    );
    assert_eq!(
        scoped
            .registration(ana)
            .await
            .unwrap()
            .unwrap()
            .checked_in_at,
        Some(first_time)
    );
    assert_eq!(audits(&scoped, "registration.checked_in").await, 1);
    assert_eq!(scoped.event_attendance(e).await.unwrap().len(), 1);

    // Undo clears the registrant, the guests and the check-in's attendance row.
    assert!(
        checkin::undo_check_in(&f.app, &scoped, e, ana, None, &staff())
            .await
            .unwrap()
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
    assert!(
        scoped
            .checkin_guests(ana, None)
            .await
            .unwrap()
            .iter()
            .all(|g| g.checked_in_at.is_none())
    );
    assert!(scoped.event_attendance(e).await.unwrap().is_empty());
    assert!(
        !checkin::undo_check_in(&f.app, &scoped, e, ana, None, &staff())
            .await
            .unwrap()
    );

    // One guest on their own.
    let bo = guests[0].id;
    assert_eq!(
        checkin::check_in_guest(&f.app, &scoped, e, ana, bo, None, &staff())
            .await
            .unwrap(),
        CheckedIn::Now
    );
    assert_eq!(
        checkin::check_in_guest(&f.app, &scoped, e, ana, bo, None, &staff())
            .await
            .unwrap(),
        CheckedIn::Already
    );
    let guests = scoped.checkin_guests(ana, None).await.unwrap();
    assert!(guests[0].checked_in_at.is_some());
    assert!(guests[1].checked_in_at.is_none());
    assert_eq!(
        scoped
            .registration(ana)
            .await
            .unwrap()
            .unwrap()
            .checked_in_at,
        None
    );

    // A staff mark made before the door keeps its source.
    let ben_person = person(&scoped, "ben@example.org").await;
    mark_attendance(&f.app, &scoped, e, None, ben_person, true, &staff())
        .await
        .unwrap();
    checkin::check_in(&f.app, &scoped, e, ben, None, &staff())
        .await
        .unwrap();
    let rows = scoped.event_attendance(e).await.unwrap();
    assert_eq!(row(&rows, "ben@example.org", None).unwrap().source, "staff");
    assert!(
        scoped
            .registration(ben)
            .await
            .unwrap()
            .unwrap()
            .checked_in_at
            .is_some()
    );
}

/// A guest's name and whether they are in, for one session or the whole event.
async fn guests_in(
    scoped: &Scoped,
    reg: RegistrationId,
    session: Option<EventSessionId>,
) -> Vec<(String, bool)> {
    scoped
        .checkin_guests(reg, session)
        .await
        .unwrap()
        .into_iter()
        .map(|g| (g.name, g.checked_in_at.is_some()))
        .collect()
}

#[tokio::test]
async fn a_series_checks_in_undoes_and_counts_each_session_on_its_own() {
    let f = fixture().await;
    let s = society(&f, "alpha").await;
    let scoped = f.app.scoped(&s);
    let e = event(
        &f,
        &scoped,
        "series",
        "2026-12-01T18:00",
        "2026-12-15T19:00",
    )
    .await;
    let first = session(
        &f,
        &scoped,
        e,
        "December 1 board",
        "2026-12-01T18:00",
        "2026-12-01T19:00",
    )
    .await;
    let second = session(
        &f,
        &scoped,
        e,
        "December 15 board",
        "2026-12-15T18:00",
        "2026-12-15T19:00",
    )
    .await;
    let ty = reg_type(
        &f,
        &scoped,
        e,
        TypeForm {
            guests: "details".into(),
            max_guests: "2".into(),
            ..type_form("Attendee")
        },
    )
    .await;
    let ana = register(
        &f,
        &scoped,
        e,
        ty,
        "Ana Lima",
        "ana@example.org",
        &["Bo Lima", "Cy Lima"],
    )
    .await;
    register(&f, &scoped, e, ty, "Ben Ode", "ben@example.org", &[]).await;
    let ana_person = person(&scoped, "ana@example.org").await;
    let both_out = vec![
        ("Bo Lima".to_string(), false),
        ("Cy Lima".to_string(), false),
    ];
    let both_in = vec![("Bo Lima".to_string(), true), ("Cy Lima".to_string(), true)];

    // At the first session's door (its evening in Boston): the default session is today's.
    set_clock(&f, "2026-12-01T23:10:00Z");
    assert_eq!(
        checkin::check_in(&f.app, &scoped, e, ana, None, &staff())
            .await
            .unwrap(),
        CheckedIn::Now
    );
    assert_eq!(scoped.checkin_counts(e, Some(first)).await.unwrap(), (1, 2));
    assert_eq!(
        scoped.checkin_counts(e, Some(second)).await.unwrap(),
        (0, 2),
        "checked in at the first session is not checked in at the second"
    );
    assert_eq!(guests_in(&scoped, ana, Some(first)).await, both_in);
    assert_eq!(guests_in(&scoped, ana, Some(second)).await, both_out);
    assert!(scoped.attended(e, Some(first), ana_person).await.unwrap());
    assert!(!scoped.attended(e, Some(second), ana_person).await.unwrap());
    assert!(
        scoped
            .attended_rows(e, Some(second))
            .await
            .unwrap()
            .is_empty()
    );

    // Two weeks later, the second session: a tap checks her (and her guests) in again.
    set_clock(&f, "2026-12-15T23:05:00Z");
    assert_eq!(
        checkin::check_in(&f.app, &scoped, e, ana, Some(second), &staff())
            .await
            .unwrap(),
        CheckedIn::Now
    );
    assert_eq!(
        checkin::check_in(&f.app, &scoped, e, ana, Some(second), &staff())
            .await
            .unwrap(),
        CheckedIn::Already
    );
    assert_eq!(
        scoped.checkin_counts(e, Some(second)).await.unwrap(),
        (1, 2)
    );
    assert_eq!(guests_in(&scoped, ana, Some(second)).await, both_in);

    // A wrong tap at the second session is undone: the first session keeps her and her
    // guests, and her credit for it.
    assert!(
        checkin::undo_check_in(&f.app, &scoped, e, ana, Some(second), &staff())
            .await
            .unwrap()
    );
    assert_eq!(
        scoped.checkin_counts(e, Some(second)).await.unwrap(),
        (0, 2)
    );
    assert_eq!(scoped.checkin_counts(e, Some(first)).await.unwrap(), (1, 2));
    assert_eq!(guests_in(&scoped, ana, Some(second)).await, both_out);
    assert_eq!(guests_in(&scoped, ana, Some(first)).await, both_in);
    assert!(scoped.attended(e, Some(first), ana_person).await.unwrap());
    assert!(!scoped.attended(e, Some(second), ana_person).await.unwrap());
    assert!(
        !checkin::undo_check_in(&f.app, &scoped, e, ana, Some(second), &staff())
            .await
            .unwrap(),
        "nothing left to undo there"
    );

    // One guest on their own at the second session: only that guest, only there.
    let bo = scoped.checkin_guests(ana, None).await.unwrap()[0].id;
    assert_eq!(
        checkin::check_in_guest(&f.app, &scoped, e, ana, bo, Some(second), &staff())
            .await
            .unwrap(),
        CheckedIn::Now
    );
    assert_eq!(
        checkin::check_in_guest(&f.app, &scoped, e, ana, bo, Some(second), &staff())
            .await
            .unwrap(),
        CheckedIn::Already
    );
    assert_eq!(
        guests_in(&scoped, ana, Some(second)).await,
        vec![
            ("Bo Lima".to_string(), true),
            ("Cy Lima".to_string(), false)
        ]
    );
    assert_eq!(
        scoped.checkin_counts(e, Some(second)).await.unwrap(),
        (0, 2),
        "a guest is not the registrant"
    );
    assert_eq!(guests_in(&scoped, ana, Some(first)).await, both_in);
    // The whole-event columns a meeting uses are untouched by a series.
    assert_eq!(guests_in(&scoped, ana, None).await, both_out);
    assert_eq!(
        scoped
            .registration(ana)
            .await
            .unwrap()
            .unwrap()
            .checked_in_at,
        None
    );

    // A session of another event is not found through this one.
    let other = event(
        &f,
        &scoped,
        "series",
        "2026-12-02T18:00",
        "2026-12-02T19:00",
    )
    .await;
    let elsewhere = session(
        &f,
        &scoped,
        other,
        "Elsewhere",
        "2026-12-02T18:00",
        "2026-12-02T19:00",
    )
    .await;
    assert!(matches!(
        checkin::check_in_guest(&f.app, &scoped, e, ana, bo, Some(elsewhere), &staff()).await,
        Err(AppError::NotFound)
    ));
}

#[tokio::test]
async fn only_confirmed_registrations_are_checked_in() {
    let f = fixture().await;
    let s = society(&f, "alpha").await;
    let scoped = f.app.scoped(&s);
    let e = event(
        &f,
        &scoped,
        "meeting",
        "2026-12-05T08:00",
        "2026-12-05T17:00",
    )
    .await;
    let free = reg_type(
        &f,
        &scoped,
        e,
        TypeForm {
            cap: "1".into(),
            ..type_form("Workshop")
        },
    )
    .await;
    let paid = reg_type(
        &f,
        &scoped,
        e,
        TypeForm {
            price: "300".into(),
            ..type_form("Physician")
        },
    )
    .await;
    let first = register(&f, &scoped, e, free, "Ana Lima", "ana@example.org", &[]).await;
    let waiting = register(&f, &scoped, e, free, "Ben Ode", "ben@example.org", &[]).await;
    let held = register(&f, &scoped, e, paid, "Cy Park", "cy@example.org", &[]).await;
    assert_eq!(
        scoped.registration(waiting).await.unwrap().unwrap().status,
        "waitlisted"
    );
    assert_eq!(
        scoped.registration(held).await.unwrap().unwrap().status,
        "held"
    );

    let why = field(
        checkin::check_in(&f.app, &scoped, e, waiting, None, &staff()).await,
        "checkin",
    );
    assert!(why.contains("waitlist"), "{why}");
    let why = field(
        checkin::check_in(&f.app, &scoped, e, held, None, &staff()).await,
        "checkin",
    );
    assert!(why.contains("Not paid"), "{why}");
    assert!(scoped.event_attendance(e).await.unwrap().is_empty());
    assert_eq!(
        scoped
            .registration(held)
            .await
            .unwrap()
            .unwrap()
            .checked_in_at,
        None
    );
    checkin::check_in(&f.app, &scoped, e, first, None, &staff())
        .await
        .unwrap();

    // A registration of another event is not found through this one.
    let other = event(
        &f,
        &scoped,
        "meeting",
        "2026-12-06T08:00",
        "2026-12-06T17:00",
    )
    .await;
    assert!(matches!(
        checkin::check_in(&f.app, &scoped, other, first, None, &staff()).await,
        Err(AppError::NotFound)
    ));
}

#[tokio::test]
async fn checkin_links_hold_only_for_their_society_and_registration() {
    let f = fixture().await;
    let a = society(&f, "alpha").await;
    let b = society(&f, "beta").await;
    let sa = f.app.scoped(&a);
    let sb = f.app.scoped(&b);
    let e = event(&f, &sa, "meeting", "2026-12-05T08:00", "2026-12-05T17:00").await;
    let ty = reg_type(&f, &sa, e, type_form("Physician")).await;
    let id = register(&f, &sa, e, ty, "Ana Lima", "ana@example.org", &[]).await;
    let other = register(&f, &sa, e, ty, "Ben Ode", "ben@example.org", &[]).await;
    let reg = sa.registration(id).await.unwrap().unwrap();
    let link = registrations::checkin_link(&f.app, &sa, &reg);
    assert!(link.starts_with("https://alpha.test/checkin/"), "{link}");
    assert_eq!(
        registrations::verify_checkin_link(&f.app, &sa, &link),
        Some(id)
    );
    let token = link.rsplit('/').next().unwrap();
    // Another society's host: the signature binds the society.
    assert_eq!(registrations::verify_checkin_link(&f.app, &sb, token), None);
    // The signature of one registration does not open another.
    let (_, sig) = token.split_once('.').unwrap();
    assert_eq!(
        registrations::verify_checkin_link(&f.app, &sa, &format!("{other}.{sig}")),
        None
    );
    // A changed signature, or none.
    let mut forged = token.to_string();
    let last = forged.pop().unwrap();
    forged.push(if last == 'A' { 'B' } else { 'A' });
    assert_eq!(
        registrations::verify_checkin_link(&f.app, &sa, &forged),
        None
    );
    assert_eq!(
        registrations::verify_checkin_link(&f.app, &sa, &id.to_string()),
        None
    );
}

async fn upload(f: &Fixture, scoped: &Scoped, e: EventId, name: &str) -> BlobId {
    attendance_import::upload_report(&f.app, scoped, e, name, &zoom_file(name), &staff())
        .await
        .unwrap()
}

fn choice(session: Option<EventSessionId>, min: &str) -> ImportChoice {
    ImportChoice {
        session: session.map(|s| s.to_string()).unwrap_or_default(),
        min_minutes: min.into(),
    }
}

#[tokio::test]
async fn a_webinar_report_is_matched_previewed_and_imported_with_the_minimum() {
    let f = fixture().await;
    let s = society(&f, "alpha").await;
    let scoped = f.app.scoped(&s);
    let e = event(
        &f,
        &scoped,
        "webinar",
        "2026-12-01T18:00",
        "2026-12-01T19:00",
    )
    .await;
    let ty = reg_type(&f, &scoped, e, type_form("Attendee")).await;
    for (name, email) in [
        ("Margaret Chu", "mchu@bostonmed.org"),
        ("Robert Alvarez", "ralvarez@lahey.org"),
        ("Aisha Bello", "abello@bmc.org"),
        ("Priya Natarajan", "pnatarajan@dartmouth.edu"),
        ("Linda Foster", "lfoster@baystate.org"),
    ] {
        register(&f, &scoped, e, ty, name, email, &[]).await;
    }
    // Staff already marked Linda by hand: the import must not overwrite that.
    let linda = person(&scoped, "lfoster@baystate.org").await;
    mark_attendance(&f.app, &scoped, e, None, linda, false, &staff())
        .await
        .unwrap();

    // A file that is not a Zoom report is refused in words.
    let why = field(
        attendance_import::upload_report(
            &f.app,
            &scoped,
            e,
            "members.csv",
            b"Email,Name\na@b.org,A\n",
            &staff(),
        )
        .await,
        "file",
    );
    assert!(
        why.contains("not a Zoom participant or attendee report"),
        "{why}"
    );
    let why = field(
        attendance_import::upload_report(&f.app, &scoped, e, "empty.csv", b"", &staff()).await,
        "file",
    );
    assert!(why.contains("Choose the attendance report"), "{why}");

    let blob = upload(&f, &scoped, e, "webinar_attendee_report.csv").await;
    let p = attendance_import::preview(&f.app, &scoped, e, blob, &choice(None, ""))
        .await
        .unwrap();
    assert!(p.errors.is_empty(), "{}", p.errors);
    assert_eq!(p.min_minutes, 45, "three quarters of an hour");
    assert!(p.format.contains("attendee report"), "{}", p.format);
    let by_email = |email: &str| p.matched.iter().find(|m| m.email == email).cloned();
    let chu = by_email("mchu@bostonmed.org").unwrap();
    assert!(chu.attended && chu.minutes >= 60);
    // Two rows, the second email in capitals, overlapping: counted once.
    let bello = by_email("abello@bmc.org").unwrap();
    assert_eq!(bello.minutes, 59);
    // A rejoin: both stretches add up.
    let alvarez = by_email("ralvarez@lahey.org").unwrap();
    assert!(alvarez.minutes >= 58 && alvarez.attended, "{alvarez:?}");
    let priya = by_email("pnatarajan@dartmouth.edu").unwrap();
    assert_eq!(priya.minutes, 18);
    assert!(!priya.attended);
    assert!(by_email("lfoster@baystate.org").unwrap().kept);
    assert_eq!(p.matched.len(), 5);
    let becker = p
        .unmatched
        .iter()
        .find(|u| u.email == "tbecker@umassmed.edu")
        .expect("an unregistered stranger is listed");
    assert!(
        becker.reason.contains("No one in the society"),
        "{}",
        becker.reason
    );
    assert!(
        !p.unmatched
            .iter()
            .any(|u| u.email == "cdunn@mainehealth.org"),
        "Attended = No rows are skipped"
    );
    assert!(
        !p.unmatched.iter().any(|u| u.email == "education@neos.org"),
        "the host is skipped"
    );

    // A minimum that is not a number is named; nothing is written.
    let bad =
        attendance_import::confirm(&f.app, &scoped, e, blob, &choice(None, "most"), &staff()).await;
    assert!(field(bad, "min_minutes").contains("whole minutes"));

    let done = attendance_import::confirm(&f.app, &scoped, e, blob, &choice(None, "30"), &staff())
        .await
        .unwrap();
    assert_eq!(done.matched, 5);
    assert_eq!(done.kept, 1);
    assert_eq!(
        done.attended, 3,
        "Chu, Alvarez and Bello; Priya's 18 minutes are under 30"
    );
    let rows = scoped.event_attendance(e).await.unwrap();
    let r = row(&rows, "pnatarajan@dartmouth.edu", None).unwrap();
    assert_eq!(
        (r.minutes, r.attended, r.source.as_str()),
        (18, false, "import")
    );
    let r = row(&rows, "lfoster@baystate.org", None).unwrap();
    assert_eq!((r.attended, r.source.as_str()), (false, "staff"));
    let imports = scoped.attendance_imports(e).await.unwrap();
    assert_eq!(imports.len(), 1);
    assert_eq!(imports[0].min_minutes, 30);
    assert_eq!(imports[0].people_matched, 5);
    // The upload is gone once imported.
    assert!(scoped.attendance_upload(e, blob).await.unwrap().is_none());
    assert!(matches!(
        attendance_import::confirm(&f.app, &scoped, e, blob, &choice(None, "30"), &staff()).await,
        Err(AppError::NotFound)
    ));
}

#[tokio::test]
async fn a_series_imports_per_session_and_a_new_report_replaces_the_old() {
    let f = fixture().await;
    let s = society(&f, "alpha").await;
    let scoped = f.app.scoped(&s);
    let e = event(
        &f,
        &scoped,
        "series",
        "2026-12-01T18:00",
        "2026-12-15T19:00",
    )
    .await;
    let first = session(
        &f,
        &scoped,
        e,
        "December 1 board",
        "2026-12-01T18:00",
        "2026-12-01T19:00",
    )
    .await;
    let second = session(
        &f,
        &scoped,
        e,
        "December 15 board",
        "2026-12-15T18:00",
        "2026-12-15T19:30",
    )
    .await;
    let ty = reg_type(&f, &scoped, e, type_form("Attendee")).await;
    for (name, email) in [
        ("Amara Okafor", "aokafor@bostonmed.org"),
        ("Wei Chen", "wchen@mgh-onc.org"),
        ("Marcus Bell", "marcus.bell@baystate.org"),
        ("Priya Raman", "praman@lowellgeneral.org"),
        ("Łukasz Nowak", "lnowak@umassmemorial.org"),
        ("Sophie Laurent", "slaurent@example.org"),
        ("Jürgen Müller", "jmueller@dfci.harvard.edu"),
    ] {
        register(&f, &scoped, e, ty, name, email, &[]).await;
    }

    // The meeting export (UTF-8 with BOM, rejoins, a phone number, bad rows) for the first
    // session; a series needs its session chosen.
    let blob = upload(&f, &scoped, e, "participants_meeting.csv").await;
    let p = attendance_import::preview(&f.app, &scoped, e, blob, &choice(None, ""))
        .await
        .unwrap();
    assert!(p.errors.get("session").unwrap().contains("per session"));
    let p = attendance_import::preview(&f.app, &scoped, e, blob, &choice(Some(first), ""))
        .await
        .unwrap();
    assert!(p.errors.is_empty());
    assert!(
        p.problems.iter().any(|m| m.starts_with("Line ")),
        "{:?}",
        p.problems
    );
    let okafor = p
        .matched
        .iter()
        .find(|m| m.email == "aokafor@bostonmed.org")
        .unwrap();
    assert!(okafor.minutes >= 60, "rejoined: {okafor:?}");
    assert!(p.unmatched.iter().any(|u| u.name.contains("617 555 0142")));
    let done =
        attendance_import::confirm(&f.app, &scoped, e, blob, &choice(Some(first), ""), &staff())
            .await
            .unwrap();
    assert_eq!(
        done.matched, 4,
        "Okafor, Chen, Bell (emailed and by name), Raman"
    );
    let rows = scoped.event_attendance(e).await.unwrap();
    assert!(row(&rows, "praman@lowellgeneral.org", Some(first)).is_some_and(|a| !a.attended));
    assert!(row(&rows, "wchen@mgh-onc.org", Some(first)).is_some_and(|a| a.attended));
    assert!(
        row(&rows, "wchen@mgh-onc.org", None).is_none(),
        "series rows are per session"
    );

    // Excel's UTF-16 export for the second session, 90 minutes long: the default minimum
    // is 68. Sophie has no email and is matched by her registration's name.
    let blob = upload(&f, &scoped, e, "participants_excel_unicode.txt").await;
    let p = attendance_import::preview(&f.app, &scoped, e, blob, &choice(Some(second), ""))
        .await
        .unwrap();
    assert_eq!(p.min_minutes, 68);
    assert!(p.format.contains("UTF-16"), "{}", p.format);
    let sophie = p
        .matched
        .iter()
        .find(|m| m.name == "Sophie Laurent")
        .unwrap();
    assert_eq!(sophie.how, "registrant's name");
    attendance_import::confirm(
        &f.app,
        &scoped,
        e,
        blob,
        &choice(Some(second), "40"),
        &staff(),
    )
    .await
    .unwrap();
    let rows = scoped.event_attendance(e).await.unwrap();
    assert!(
        row(&rows, "lnowak@umassmemorial.org", Some(second))
            .is_some_and(|a| a.attended && a.minutes == 60)
    );
    assert!(row(&rows, "slaurent@example.org", Some(second)).is_some_and(|a| a.attended));

    // Wei Chen is checked in at the door for the first session after the import... then the
    // first session is imported again from a different (Windows-1252) report: the earlier
    // import's rows for people not in it go, the door's row stays, the second session is
    // untouched.
    set_clock(&f, "2026-12-01T23:30:00Z");
    let chen_reg = scoped
        .event_registrations(e, &Default::default())
        .await
        .unwrap()
        .into_iter()
        .find(|r| r.email == "wchen@mgh-onc.org")
        .unwrap();
    // The import already says he attended; the door's check-in takes the row over, so no
    // later import removes it.
    checkin::check_in(&f.app, &scoped, e, chen_reg.id, Some(first), &staff())
        .await
        .unwrap();
    let okafor_person = person(&scoped, "aokafor@bostonmed.org").await;
    mark_attendance(
        &f.app,
        &scoped,
        e,
        Some(first),
        okafor_person,
        true,
        &staff(),
    )
    .await
    .unwrap();
    let blob = upload(&f, &scoped, e, "participants_1252.csv").await;
    let p = attendance_import::preview(&f.app, &scoped, e, blob, &choice(Some(first), ""))
        .await
        .unwrap();
    assert!(p.format.contains("1252"), "{}", p.format);
    let muller = p
        .matched
        .iter()
        .find(|m| m.email == "jmueller@dfci.harvard.edu")
        .unwrap();
    assert_eq!(muller.name, "Jürgen Müller");
    assert_eq!(muller.minutes, 55, "45 + 10 minutes after rejoining");
    let done =
        attendance_import::confirm(&f.app, &scoped, e, blob, &choice(Some(first), ""), &staff())
            .await
            .unwrap();
    assert_eq!(done.matched, 1);
    assert_eq!(done.removed, 2, "Bell's and Raman's earlier imported rows");
    let rows = scoped.event_attendance(e).await.unwrap();
    assert!(
        row(&rows, "jmueller@dfci.harvard.edu", Some(first))
            .is_some_and(|a| a.attended && a.source == "import")
    );
    assert!(row(&rows, "praman@lowellgeneral.org", Some(first)).is_none());
    let chen = row(&rows, "wchen@mgh-onc.org", Some(first)).unwrap();
    assert_eq!(
        (chen.source.as_str(), chen.attended, chen.minutes),
        ("checkin", true, 61)
    );
    assert_eq!(
        row(&rows, "aokafor@bostonmed.org", Some(first))
            .unwrap()
            .source,
        "staff"
    );
    assert!(row(&rows, "lnowak@umassmemorial.org", Some(second)).is_some());
    assert_eq!(scoped.attendance_imports(e).await.unwrap().len(), 3);
}

#[tokio::test]
async fn the_event_report_counts_types_revenue_and_learners_only() {
    let f = fixture().await;
    let s = society(&f, "alpha").await;
    let scoped = f.app.scoped(&s);
    let e = event(
        &f,
        &scoped,
        "meeting",
        "2026-12-05T08:00",
        "2026-12-05T17:00",
    )
    .await;
    let morning = session(
        &f,
        &scoped,
        e,
        "Morning",
        "2026-12-05T08:00",
        "2026-12-05T12:00",
    )
    .await;
    session(
        &f,
        &scoped,
        e,
        "Afternoon",
        "2026-12-05T13:00",
        "2026-12-05T17:00",
    )
    .await;
    let physician = reg_type(
        &f,
        &scoped,
        e,
        TypeForm {
            price: "300".into(),
            guests: "count".into(),
            max_guests: "2".into(),
            ..type_form("Physician")
        },
    )
    .await;
    let industry = reg_type(
        &f,
        &scoped,
        e,
        TypeForm {
            price: "500".into(),
            industry: true,
            ..type_form("Exhibitor")
        },
    )
    .await;
    let ana = register(
        &f,
        &scoped,
        e,
        physician,
        "Ana Lima",
        "ana@example.org",
        &["", ""],
    )
    .await;
    register(&f, &scoped, e, physician, "Ben Ode", "ben@example.org", &[]).await;
    let rep = register(
        &f,
        &scoped,
        e,
        industry,
        "Ivy Rep",
        "ivy@pharma.example",
        &[],
    )
    .await;
    let pay = |id: RegistrationId| {
        let f = &f;
        let scoped = &scoped;
        async move {
            let invoice = scoped
                .registration(id)
                .await
                .unwrap()
                .unwrap()
                .invoice()
                .unwrap();
            let cents = scoped
                .invoice(invoice)
                .await
                .unwrap()
                .unwrap()
                .amounts
                .total
                .0;
            billing::record_staff_payment(
                &f.app,
                scoped,
                &staff(),
                NewPayment {
                    invoice,
                    amount: Cents(cents),
                    method: PaymentMethodKind::Check,
                    reference: "Check 1".into(),
                    provider_ref: None,
                    received_on: jiff::civil::date(2026, 11, 21),
                },
                Cents(cents),
            )
            .await
            .unwrap();
            cents
        }
    };
    let paid = pay(ana).await + pay(rep).await;
    assert!(paid >= 80_000);
    assert_eq!(
        scoped.registration(ana).await.unwrap().unwrap().status,
        "confirmed"
    );

    set_clock(&f, "2026-12-05T13:30:00Z");
    checkin::check_in(&f.app, &scoped, e, ana, None, &staff())
        .await
        .unwrap();
    checkin::check_in(&f.app, &scoped, e, rep, None, &staff())
        .await
        .unwrap();
    let ben = person(&scoped, "ben@example.org").await;
    mark_attendance(&f.app, &scoped, e, Some(morning), ben, true, &staff())
        .await
        .unwrap();

    let r = event_report::event_report(&scoped, e).await.unwrap();
    let confirmed = r
        .statuses
        .iter()
        .position(|s| s.as_str() == "confirmed")
        .unwrap();
    let held = r
        .statuses
        .iter()
        .position(|s| s.as_str() == "held")
        .unwrap();
    let phys = r.types.iter().find(|t| t.name == "Physician").unwrap();
    assert_eq!(phys.by_status[confirmed].registrations, 1);
    assert_eq!(phys.by_status[confirmed].seats, 3, "Ana and two guests");
    assert_eq!(phys.by_status[held].registrations, 1);
    assert_eq!(phys.seats_taken, 4);
    assert_eq!(r.seats_taken, 5);
    assert_eq!(r.totals[confirmed].registrations, 2);
    assert_eq!(r.revenue.len(), 1);
    assert_eq!(
        r.revenue[0].cents, paid,
        "paid only: Ben's held invoice is not revenue"
    );
    assert_eq!(r.revenue[0].code, "4100");
    assert_eq!(r.revenue_total, paid);
    let counts: Vec<(String, usize)> = r
        .attendance
        .iter()
        .map(|a| (a.title.clone(), a.learners))
        .collect();
    assert_eq!(
        counts,
        vec![("Morning".to_string(), 2), ("Afternoon".to_string(), 1)],
        "Ana (checked in) in both, Ben in the morning, the exhibitor in neither"
    );
    assert_eq!(r.learners_any, 2);
    assert!(r.activity.is_none());
    let csv = event_report::types_csv(&r);
    assert!(csv.contains("Physician,no,1,3,"), "{csv}");
    assert!(csv.contains("Exhibitor,yes,1,1,"), "{csv}");
}

#[tokio::test]
async fn the_demo_has_imported_series_attendance_and_people_checked_in() {
    let f = fixture().await;
    chapterhouse_app::demo::seed(&f.app).await.unwrap();
    let society = f
        .app
        .store
        .society_by_slug(chapterhouse_app::demo::SOCIETIES[0].slug)
        .await
        .unwrap()
        .unwrap();
    let scoped = f.app.scoped(&society);
    let events = scoped.staff_events().await.unwrap();
    let series = events.iter().find(|e| e.kind == "series").unwrap();
    let imports = scoped.attendance_imports(series.id).await.unwrap();
    let now = f.app.now().0;
    let past = scoped
        .event_sessions(series.id)
        .await
        .unwrap()
        .into_iter()
        .filter(|s| s.ends_at < now)
        .count();
    assert!(past >= 2);
    assert_eq!(imports.len(), past, "one per past session");
    assert!(imports.iter().all(|i| i.people_matched >= 6));
    let rows = scoped.event_attendance(series.id).await.unwrap();
    assert!(
        rows.iter().any(|a| a.source == "import" && !a.attended),
        "someone stayed too briefly"
    );
    assert_eq!(rows.iter().filter(|a| a.source == "checkin").count(), 3);
    let report = event_report::event_report(&scoped, series.id)
        .await
        .unwrap();
    assert!(report.attendance.iter().filter(|s| s.learners > 0).count() >= 2);
    let briefing = events.iter().find(|e| e.kind == "webinar").unwrap();
    let (checked_in, confirmed) = scoped.checkin_counts(briefing.id, None).await.unwrap();
    assert_eq!((checked_in, confirmed), (1, 5));
    // Seeding again adds nothing.
    chapterhouse_app::demo::seed(&f.app).await.unwrap();
    assert_eq!(
        scoped.attendance_imports(series.id).await.unwrap().len(),
        past
    );
}
