//! Event use-cases: drafts, publishing, upcoming and past lists, SEQUENCE on a published event's
//! changes, sessions within the event's days, registration types with every field and their
//! levels, questions, the guards on removing what records depend on, and the calendar files.
//! SQLite by default, PostgreSQL when `CHAPTERHOUSE_TEST_DATABASE_URL` is set.

use chapterhouse_app::events::{
    self, EventForm, QuestionForm, SessionForm, TypeForm, add_question, add_session, add_type,
    create_event, publish_event, remove_question, remove_session, remove_type, save_event,
    save_session, save_type, unpublish_event,
};
use chapterhouse_app::membership::{self, LevelForm};
use chapterhouse_app::{Actor, AppError};
use chapterhouse_core::{EventId, LevelId, Timestamp};
use chapterhouse_store::{Listing, Scoped};
use chapterhouse_testkit::sql;

mod common;
use common::{Fixture, fixture, society};

fn meeting(title: &str, starts: &str, ends: &str) -> EventForm {
    EventForm {
        title: title.into(),
        kind: "meeting".into(),
        starts: starts.into(),
        ends: ends.into(),
        location_name: "Hynes Convention Center".into(),
        location_address: "900 Boylston Street\nBoston, MA 02115".into(),
        description: "A day of **talks**.".into(),
        ..Default::default()
    }
}

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

async fn audit_actions(scoped: &Scoped) -> Vec<String> {
    scoped
        .audit_entries(100)
        .await
        .unwrap()
        .into_iter()
        .map(|e| format!("{} {} {}", e.action, e.subject, e.detail))
        .collect()
}

#[tokio::test]
async fn a_draft_is_published_then_listed_upcoming_and_later_past() {
    let f = fixture().await;
    let s = society(&f, "gsco").await;
    let scoped = f.app.scoped(&s);
    let id = create_event(
        &f.app,
        &scoped,
        &meeting("Fall Symposium", "2026-12-05T08:00", "2026-12-05T17:00"),
        &staff(),
    )
    .await
    .unwrap();
    let event = scoped.event(id).await.unwrap().unwrap();
    assert_eq!(event.status, "draft");
    assert_eq!(event.slug, "fall-symposium");
    assert_eq!(event.time_zone, "America/New_York");
    assert_eq!(event.starts_local, "2026-12-05T08:00");
    // 8 am EST is 13:00 UTC.
    assert_eq!(
        Timestamp(event.starts_at),
        Timestamp::from_jiff("2026-12-05T13:00:00Z".parse().unwrap())
    );
    assert!(event.description_html.contains("<strong>talks</strong>"));
    let now = f.app.now();
    let public = Listing::default();
    assert!(
        scoped
            .events_upcoming(now, 10, public)
            .await
            .unwrap()
            .is_empty(),
        "drafts are not listed"
    );
    assert!(!scoped.has_upcoming_events(now).await.unwrap());

    publish_event(&f.app, &scoped, id, &staff()).await.unwrap();
    let upcoming = scoped.events_upcoming(now, 10, public).await.unwrap();
    assert_eq!(
        upcoming
            .iter()
            .map(|e| e.title.as_str())
            .collect::<Vec<_>>(),
        ["Fall Symposium"]
    );
    assert!(scoped.has_upcoming_events(now).await.unwrap());
    assert!(
        scoped
            .events_past(now, 10, public)
            .await
            .unwrap()
            .is_empty()
    );
    // Publishing twice is refused rather than repeated.
    invalid(publish_event(&f.app, &scoped, id, &staff()).await, "status");

    // A members-only event is listed to members and staff only.
    let members = create_event(
        &f.app,
        &scoped,
        &EventForm {
            members_only: Some("on".into()),
            ..meeting("Members' Dinner", "2026-12-01T18:00", "2026-12-01T21:00")
        },
        &staff(),
    )
    .await
    .unwrap();
    publish_event(&f.app, &scoped, members, &staff())
        .await
        .unwrap();
    let titles = |events: Vec<chapterhouse_store::Event>| {
        events.into_iter().map(|e| e.title).collect::<Vec<_>>()
    };
    assert_eq!(
        titles(scoped.events_upcoming(now, 10, public).await.unwrap()),
        ["Fall Symposium"]
    );
    let for_members = Listing {
        members_only: true,
        ..Default::default()
    };
    assert_eq!(
        titles(scoped.events_upcoming(now, 10, for_members).await.unwrap()),
        ["Members' Dinner", "Fall Symposium"],
        "soonest first"
    );

    // After it ends, it is past.
    f.clock.set(Timestamp::from_jiff(
        "2026-12-05T22:01:00Z".parse().unwrap(),
    ));
    let now = f.app.now();
    assert!(
        scoped
            .events_upcoming(now, 10, public)
            .await
            .unwrap()
            .is_empty()
    );
    assert_eq!(
        titles(scoped.events_past(now, 10, public).await.unwrap()),
        ["Fall Symposium"]
    );

    let audit = audit_actions(&scoped).await;
    assert!(
        audit
            .iter()
            .any(|a| a == "event.created fall-symposium Fall Symposium"),
        "{audit:?}"
    );
    assert!(
        audit
            .iter()
            .any(|a| a == "event.published fall-symposium Fall Symposium"),
        "{audit:?}"
    );
}

#[tokio::test]
async fn each_problem_is_named_and_a_taken_address_is_refused() {
    let f = fixture().await;
    let s = society(&f, "gsco").await;
    let scoped = f.app.scoped(&s);
    let form = meeting("Tumor Board", "2026-12-03T18:00", "2026-12-03T19:00");
    create_event(&f.app, &scoped, &form, &staff())
        .await
        .unwrap();
    assert_eq!(
        invalid(create_event(&f.app, &scoped, &form, &staff()).await, "slug"),
        "Another event already uses that address. Choose another."
    );
    // 2:30 am on 14 March 2027 does not exist in Boston.
    let skipped = meeting("Early", "2027-03-14T02:30", "2027-03-14T04:00");
    assert!(
        invalid(
            create_event(&f.app, &scoped, &skipped, &staff()).await,
            "starts"
        )
        .contains("does not exist in America/New_York")
    );
    let backwards = meeting("Backwards", "2027-03-14T12:00", "2027-03-14T11:00");
    assert_eq!(
        invalid(
            create_event(&f.app, &scoped, &backwards, &staff()).await,
            "ends"
        ),
        "The end must be after the start."
    );
    // Nothing was written for the refused forms.
    assert_eq!(scoped.staff_events().await.unwrap().len(), 1);
}

#[tokio::test]
async fn a_published_events_time_or_place_change_raises_its_calendar_sequence() {
    let f = fixture().await;
    let s = society(&f, "gsco").await;
    let scoped = f.app.scoped(&s);
    let mut form = meeting("Annual Meeting", "2027-04-17T08:00", "2027-04-17T17:00");
    let id = create_event(&f.app, &scoped, &form, &staff())
        .await
        .unwrap();
    // A draft's changes are nobody's calendar business.
    form.starts = "2027-04-17T08:30".into();
    let saved = save_event(&f.app, &scoped, id, &form, &staff())
        .await
        .unwrap();
    assert_eq!((saved.sequence, saved.rescheduled), (0, false));
    publish_event(&f.app, &scoped, id, &staff()).await.unwrap();
    // A new title is not a reschedule.
    form.title = "Annual Meeting 2027".into();
    form.slug = "annual-meeting".into();
    let saved = save_event(&f.app, &scoped, id, &form, &staff())
        .await
        .unwrap();
    assert_eq!((saved.sequence, saved.rescheduled), (0, false));
    // The time is.
    form.ends = "2027-04-17T18:00".into();
    let saved = save_event(&f.app, &scoped, id, &form, &staff())
        .await
        .unwrap();
    assert_eq!((saved.sequence, saved.rescheduled), (1, true));
    // And so is the place.
    form.location_name = "Boston Marriott Copley Place".into();
    let saved = save_event(&f.app, &scoped, id, &form, &staff())
        .await
        .unwrap();
    assert_eq!(saved.sequence, 2);
    let event = scoped.event(id).await.unwrap().unwrap();
    assert_eq!(event.title, "Annual Meeting 2027");
    assert_eq!(event.ends_local, "2027-04-17T18:00");

    let ics = events::event_ics(&f.app, &scoped, &event);
    assert!(ics.contains("SEQUENCE:2\r\n"), "{ics}");
    assert!(ics.contains(&format!("UID:{id}@gsco.test\r\n")));
    assert!(ics.contains("DTSTART;TZID=America/New_York:20270417T083000\r\n"));
    assert!(
        ics.contains(
            "LOCATION:Boston Marriott Copley Place\\, 900 Boylston Street\\, Boston\\, MA 0"
        ),
        "{ics}"
    );
    let audit = audit_actions(&scoped).await;
    assert!(audit.iter().any(|a| a.starts_with("event.rescheduled annual-meeting Annual Meeting 2027: 2027-04-17T08:30 – 2027-04-17T18:00")), "{audit:?}");

    // A capacity below the seats registration has taken is refused (the counter is set here the
    // way registration's transaction sets it).
    sql::exec(
        &f.db.db,
        "UPDATE event SET taken = 5 WHERE id = $1",
        &[id.0.into()],
    )
    .await;
    form.capacity = "4".into();
    assert_eq!(
        invalid(
            save_event(&f.app, &scoped, id, &form, &staff()).await,
            "capacity"
        ),
        "5 seats are already taken: the capacity cannot be lower."
    );
    form.capacity = "5".into();
    save_event(&f.app, &scoped, id, &form, &staff())
        .await
        .unwrap();
    // And an event with seats taken stays published.
    invalid(
        unpublish_event(&f.app, &scoped, id, &staff()).await,
        "status",
    );
}

#[tokio::test]
async fn unpublishing_takes_an_event_off_the_lists() {
    let f = fixture().await;
    let s = society(&f, "gsco").await;
    let scoped = f.app.scoped(&s);
    let id = create_event(
        &f.app,
        &scoped,
        &meeting("Webinar", "2026-12-10T12:00", "2026-12-10T13:00"),
        &staff(),
    )
    .await
    .unwrap();
    publish_event(&f.app, &scoped, id, &staff()).await.unwrap();
    unpublish_event(&f.app, &scoped, id, &staff())
        .await
        .unwrap();
    assert_eq!(scoped.event(id).await.unwrap().unwrap().status, "draft");
    assert!(
        scoped
            .events_upcoming(f.app.now(), 10, Listing::default())
            .await
            .unwrap()
            .is_empty()
    );
    assert!(matches!(
        publish_event(&f.app, &scoped, EventId::new(), &staff()).await,
        Err(AppError::NotFound)
    ));
}

#[tokio::test]
async fn sessions_fall_within_the_events_days_and_hold_its_dates_in_place() {
    let f = fixture().await;
    let s = society(&f, "gsco").await;
    let scoped = f.app.scoped(&s);
    let mut form = meeting("Annual Meeting", "2027-04-16T12:00", "2027-04-17T17:00");
    let id = create_event(&f.app, &scoped, &form, &staff())
        .await
        .unwrap();
    let session = |title: &str, starts: &str, ends: &str| SessionForm {
        title: title.into(),
        starts: starts.into(),
        ends: ends.into(),
        room: "Ballroom A".into(),
        ..Default::default()
    };
    assert_eq!(
        invalid(
            add_session(
                &f.app,
                &scoped,
                id,
                &session("Too early", "2027-04-15T09:00", "2027-04-15T10:00"),
                &staff()
            )
            .await,
            "starts"
        ),
        "The session must start during the event: Fri 16 Apr 2027 to Sat 17 Apr 2027."
    );
    let keynote = add_session(
        &f.app,
        &scoped,
        id,
        &session("Keynote", "2027-04-17T09:00", "2027-04-17T10:00"),
        &staff(),
    )
    .await
    .unwrap();
    // A breakfast before the afternoon opening is on the event's first day.
    add_session(
        &f.app,
        &scoped,
        id,
        &session("Welcome reception", "2027-04-16T18:00", "2027-04-16T20:00"),
        &staff(),
    )
    .await
    .unwrap();
    let titles: Vec<_> = scoped
        .event_sessions(id)
        .await
        .unwrap()
        .into_iter()
        .map(|s| s.title)
        .collect();
    assert_eq!(titles, ["Welcome reception", "Keynote"], "in time order");
    assert_eq!(scoped.event(id).await.unwrap().unwrap().sessions, 2);

    // Moving the event off the sessions' days is refused, naming the session.
    form.starts = "2027-04-17T08:00".into();
    assert!(
        invalid(
            save_event(&f.app, &scoped, id, &form, &staff()).await,
            "starts"
        )
        .contains("“Welcome reception”")
    );
    let mut edit = session(
        "Keynote: the year in oncology",
        "2027-04-17T09:30",
        "2027-04-17T10:30",
    );
    edit.room = "Ballroom B".into();
    save_session(&f.app, &scoped, id, keynote, &edit, &staff())
        .await
        .unwrap();
    let stored = scoped.event_session(id, keynote).await.unwrap().unwrap();
    assert_eq!(
        (
            stored.title.as_str(),
            stored.room.as_str(),
            stored.starts_local.as_str()
        ),
        (
            "Keynote: the year in oncology",
            "Ballroom B",
            "2027-04-17T09:30"
        )
    );

    // A session with attendance stays.
    let person = scoped
        .person_by_email("owner@gsco.test")
        .await
        .unwrap()
        .unwrap();
    sql::exec(
        &f.db.db,
        "INSERT INTO attendance (society_id, id, event_id, session_id, session_key, person_id, \
         attended, source, recorded_at) VALUES ($1, $2, $3, $4, $5, $6, TRUE, 'staff', 0)",
        &[
            s.id.0.into(),
            uuid::Uuid::now_v7().into(),
            id.0.into(),
            keynote.0.into(),
            keynote.0.to_string().as_str().into(),
            person.0.into(),
        ],
    )
    .await;
    invalid(
        remove_session(&f.app, &scoped, id, keynote, &staff()).await,
        "session",
    );
    let reception = scoped.event_sessions(id).await.unwrap()[0].id;
    remove_session(&f.app, &scoped, id, reception, &staff())
        .await
        .unwrap();
    assert_eq!(scoped.event_sessions(id).await.unwrap().len(), 1);
    // Now the event may move to the keynote's day alone.
    save_event(&f.app, &scoped, id, &form, &staff())
        .await
        .unwrap();
}

async fn level(f: &Fixture, scoped: &Scoped, name: &str) -> LevelId {
    membership::create_level(
        &f.app,
        scoped,
        &LevelForm {
            name: name.into(),
            fee: "350".into(),
            period: "1-year".into(),
            grace_days: "30".into(),
            ..Default::default()
        },
        &Actor::default(),
    )
    .await
    .unwrap()
}

#[tokio::test]
async fn registration_types_keep_every_field_and_their_levels() {
    let f = fixture().await;
    let s = society(&f, "gsco").await;
    let scoped = f.app.scoped(&s);
    let physicians = level(&f, &scoped, "Active physician").await;
    let fellows = level(&f, &scoped, "Fellow").await;
    let id = create_event(
        &f.app,
        &scoped,
        &meeting("Annual Meeting", "2027-04-17T08:00", "2027-04-17T17:00"),
        &staff(),
    )
    .await
    .unwrap();
    let pairs = |extra: &[(&str, &str)]| {
        let mut pairs: Vec<(String, String)> = [
            ("name", "Fellows and residents"),
            ("description", "Bring your program letter."),
            ("price", "150"),
            ("member_price", "75.50"),
            ("audience", "levels"),
            ("opens", "2027-01-05T09:00"),
            ("closes", "2027-04-10T23:59"),
            ("access_code", "FELLOWS27"),
            ("cap", "40"),
            ("guests", "details"),
            ("max_guests", "2"),
            ("industry", "on"),
            ("cancel_policy", "credit"),
            ("cancel_until_hours", "72"),
        ]
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect();
        pairs.extend(extra.iter().map(|(k, v)| (k.to_string(), v.to_string())));
        pairs
    };
    let form = TypeForm::from_pairs(&pairs(&[
        ("level", &physicians.to_string()),
        ("level", &fellows.to_string()),
    ]));
    let ty = add_type(&f.app, &scoped, id, &form, &staff())
        .await
        .unwrap();
    let stored = scoped.registration_type(id, ty).await.unwrap().unwrap();
    assert_eq!(stored.name, "Fellows and residents");
    assert_eq!(
        (stored.price_cents, stored.member_price_cents),
        (15_000, Some(7_550))
    );
    assert_eq!(stored.audience, "levels");
    let mut levels = stored.levels.clone();
    levels.sort();
    let mut expected = vec![physicians, fellows];
    expected.sort();
    assert_eq!(levels, expected);
    // The window was typed in Boston time: 9 am EST on 5 January is 14:00 UTC.
    assert_eq!(
        stored.opens_at,
        Some(Timestamp::from_jiff("2027-01-05T14:00:00Z".parse().unwrap()).0)
    );
    assert_eq!(stored.access_code.as_deref(), Some("FELLOWS27"));
    assert_eq!(
        (stored.cap, stored.guests.as_str(), stored.max_guests),
        (Some(40), "details", 2)
    );
    assert!(stored.is_industry && !stored.complimentary);
    assert_eq!(
        (stored.cancel_policy.as_str(), stored.cancel_until_hours),
        ("credit", 72)
    );
    // The form shows it back as typed.
    let shown = TypeForm::from_type(&stored, "America/New_York");
    assert_eq!(
        (shown.opens.as_str(), shown.member_price.as_str()),
        ("2027-01-05T09:00", "75.50")
    );
    assert!(shown.has_level(&fellows.to_string()));

    // Save with one level and open to anyone: the level list follows.
    let mut edit = TypeForm::from_pairs(&pairs(&[("level", &fellows.to_string())]));
    save_type(&f.app, &scoped, id, ty, &edit, &staff())
        .await
        .unwrap();
    assert_eq!(
        scoped
            .registration_type(id, ty)
            .await
            .unwrap()
            .unwrap()
            .levels,
        vec![fellows]
    );
    edit.audience = "anyone".into();
    save_type(&f.app, &scoped, id, ty, &edit, &staff())
        .await
        .unwrap();
    let stored = scoped.registration_type(id, ty).await.unwrap().unwrap();
    assert_eq!(
        (stored.audience.as_str(), stored.levels.len()),
        ("anyone", 0)
    );

    // Levels audience with nothing ticked, and another society's level, are refused.
    let other = society(&f, "bsos").await;
    let foreign = level(&f, &f.app.scoped(&other), "Theirs").await;
    let mut bad = TypeForm::from_pairs(&pairs(&[("level", &foreign.to_string())]));
    assert_eq!(
        invalid(
            add_type(&f.app, &scoped, id, &bad, &staff()).await,
            "levels"
        ),
        "Choose levels from the list."
    );
    bad.levels.clear();
    assert!(
        invalid(
            add_type(&f.app, &scoped, id, &bad, &staff()).await,
            "levels"
        )
        .contains("Tick at least one level")
    );

    // The list shows public types' seats; a complimentary type is left out of it.
    let comp = TypeForm::from_pairs(&[
        ("name".into(), "Faculty".into()),
        ("price".into(), "0".into()),
        ("audience".into(), "anyone".into()),
        ("guests".into(), "none".into()),
        ("cancel_policy".into(), "none".into()),
        ("complimentary".into(), "on".into()),
    ]);
    let faculty = add_type(&f.app, &scoped, id, &comp, &staff())
        .await
        .unwrap();
    let event = scoped.event(id).await.unwrap().unwrap();
    assert_eq!(
        (event.public_types, event.uncapped_types, event.types_left),
        (1, 0, 40)
    );
    let types = scoped.registration_types(id).await.unwrap();
    assert_eq!(
        types.iter().map(|t| t.name.as_str()).collect::<Vec<_>>(),
        ["Fellows and residents", "Faculty"]
    );

    // A cap below the seats taken, and removing a type with seats taken, are refused.
    sql::exec(
        &f.db.db,
        "UPDATE registration_type SET taken = 3 WHERE id = $1",
        &[ty.0.into()],
    )
    .await;
    edit.cap = "2".into();
    assert!(
        invalid(
            save_type(&f.app, &scoped, id, ty, &edit, &staff()).await,
            "cap"
        )
        .starts_with("3 seats")
    );
    invalid(remove_type(&f.app, &scoped, id, ty, &staff()).await, "type");
    remove_type(&f.app, &scoped, id, faculty, &staff())
        .await
        .unwrap();
    assert_eq!(scoped.registration_types(id).await.unwrap().len(), 1);

    // Another event's type is not found through this event.
    let other_event = create_event(
        &f.app,
        &scoped,
        &meeting("Other", "2027-05-01T08:00", "2027-05-01T09:00"),
        &staff(),
    )
    .await
    .unwrap();
    assert!(matches!(
        save_type(&f.app, &scoped, other_event, ty, &edit, &staff()).await,
        Err(AppError::NotFound)
    ));
    let audit = audit_actions(&scoped).await;
    assert!(audit.iter().any(|a| a == "event.type_added annual-meeting Fellows and residents: $150.00, members $75.50, cap 40"), "{audit:?}");
    assert!(
        audit
            .iter()
            .any(|a| a == "event.type_removed annual-meeting Faculty"),
        "{audit:?}"
    );
}

#[tokio::test]
async fn questions_are_asked_of_everyone_or_of_one_type() {
    let f = fixture().await;
    let s = society(&f, "gsco").await;
    let scoped = f.app.scoped(&s);
    let id = create_event(
        &f.app,
        &scoped,
        &meeting("Annual Meeting", "2027-04-17T08:00", "2027-04-17T17:00"),
        &staff(),
    )
    .await
    .unwrap();
    let ty = add_type(
        &f.app,
        &scoped,
        id,
        &TypeForm {
            name: "Industry".into(),
            price: "900".into(),
            industry: true,
            ..TypeForm::new_type()
        },
        &staff(),
    )
    .await
    .unwrap();
    let diet = add_question(
        &f.app,
        &scoped,
        id,
        &QuestionForm {
            label: "Dietary needs".into(),
            kind: "choice".into(),
            choices: "None\nVegetarian\nVegan".into(),
            required: Some("on".into()),
            ..Default::default()
        },
        &staff(),
    )
    .await
    .unwrap();
    add_question(
        &f.app,
        &scoped,
        id,
        &QuestionForm {
            label: "Company".into(),
            kind: "text".into(),
            registration_type: ty.to_string(),
            ..Default::default()
        },
        &staff(),
    )
    .await
    .unwrap();
    let questions = scoped.registration_questions(id).await.unwrap();
    assert_eq!(questions.len(), 2);
    assert_eq!(
        (
            questions[0].label.as_str(),
            questions[0].required,
            questions[0].type_id()
        ),
        ("Dietary needs", true, None)
    );
    assert_eq!(questions[0].choices, "None\nVegetarian\nVegan");
    assert_eq!(questions[1].type_id(), Some(ty));
    remove_question(&f.app, &scoped, id, diet, &staff())
        .await
        .unwrap();
    assert_eq!(scoped.registration_questions(id).await.unwrap().len(), 1);
    assert!(matches!(
        remove_question(&f.app, &scoped, id, diet, &staff()).await,
        Err(AppError::NotFound)
    ));
}

#[tokio::test]
async fn the_feed_lists_upcoming_public_events_and_withdraws_cancelled_ones() {
    let f = fixture().await;
    let s = society(&f, "gsco").await;
    let scoped = f.app.scoped(&s);
    let mut ids = Vec::new();
    for (title, members_only) in [
        ("Open Forum", false),
        ("Members Only Night", true),
        ("Called Off", false),
        ("Draft Plans", false),
    ] {
        let id = create_event(
            &f.app,
            &scoped,
            &EventForm {
                members_only: members_only.then(|| "on".into()),
                ..meeting(title, "2026-12-03T18:00", "2026-12-03T20:00")
            },
            &staff(),
        )
        .await
        .unwrap();
        if title != "Draft Plans" {
            publish_event(&f.app, &scoped, id, &staff()).await.unwrap();
        }
        ids.push(id);
    }
    // Cancelling is registration's flow; the row is set as it will set it.
    sql::exec(
        &f.db.db,
        "UPDATE event SET status = 'cancelled', sequence = sequence + 1 WHERE id = $1",
        &[ids[2].0.into()],
    )
    .await;
    let feed = events::feed_ics(&f.app, &scoped).await.unwrap();
    assert!(feed.contains("X-WR-CALNAME:GSCO events\r\n"));
    assert!(feed.contains("SUMMARY:Open Forum\r\n"));
    assert!(
        !feed.contains("Members Only Night") && !feed.contains("Draft Plans"),
        "{feed}"
    );
    let cancelled = feed
        .split("BEGIN:VEVENT")
        .find(|e| e.contains("Called Off"))
        .unwrap();
    assert!(
        cancelled.contains("STATUS:CANCELLED") && cancelled.contains("SEQUENCE:1"),
        "{cancelled}"
    );
    assert_eq!(feed.matches("BEGIN:VTIMEZONE").count(), 1);
}
