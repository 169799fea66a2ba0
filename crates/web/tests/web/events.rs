//! Events on the site: the public list and an event's page (times in the society's zone, place
//! or Online, seats left, agenda, the viewer's prices), members-only events, drafts, calendar
//! files, and staff creating and editing an event with its sessions, types and questions.

use std::collections::BTreeMap;

use axum::http::StatusCode;
use chapterhouse_app::Actor;
use chapterhouse_app::events::{self, EventForm, QuestionForm, SessionForm, TypeForm};
use chapterhouse_app::membership::{self, LevelForm, MemberForm};
use chapterhouse_app::registrations::{self, RegisterForm, Registered, Who};
use chapterhouse_core::{EventId, LevelId, Role};
use chapterhouse_store::{Scoped, Society};

use crate::common::{PASSWORD, TestApp};

/// A published event in the society's zone (America/Chicago); the clock reads Saturday 21
/// November 2026, 9:00 am there.
async fn published(t: &TestApp, society: &Society, form: EventForm) -> EventId {
    let scoped = t.app.scoped(society);
    let id = events::create_event(&t.app, &scoped, &form, &Actor::default())
        .await
        .unwrap();
    events::publish_event(&t.app, &scoped, id, &Actor::default())
        .await
        .unwrap();
    id
}

fn meeting(title: &str, starts: &str, ends: &str) -> EventForm {
    EventForm {
        title: title.into(),
        kind: "meeting".into(),
        starts: starts.into(),
        ends: ends.into(),
        location_name: "Palmer House".into(),
        location_address: "17 East Monroe Street\nChicago, IL".into(),
        summary: "The year in oncology.".into(),
        description: "Talks, posters and **dinner**.".into(),
        ..Default::default()
    }
}

async fn add_type(t: &TestApp, society: &Society, event: EventId, form: TypeForm) {
    events::add_type(
        &t.app,
        &t.app.scoped(society),
        event,
        &form,
        &Actor::default(),
    )
    .await
    .unwrap();
}

fn priced(name: &str, price: &str, member_price: &str) -> TypeForm {
    TypeForm {
        name: name.into(),
        price: price.into(),
        member_price: member_price.into(),
        ..TypeForm::new_type()
    }
}

async fn level(t: &TestApp, society: &Society) -> LevelId {
    membership::create_level(
        &t.app,
        &t.app.scoped(society),
        &LevelForm {
            name: "Active physician".into(),
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

async fn member(t: &TestApp, society: &Society, level: LevelId, email: &str) {
    t.add_account(society, email, Role::Member).await;
    membership::add_member(
        &t.app,
        &t.app.scoped(society),
        &MemberForm {
            display_name: "Dr Ada Member".into(),
            email: email.into(),
            level: level.to_string(),
            joined_on: String::new(),
            paid: Some("on".into()),
        },
        &Actor::default(),
    )
    .await
    .unwrap();
}

#[tokio::test]
async fn the_public_sees_upcoming_and_past_events_in_the_societys_zone_with_seats() {
    let t = TestApp::new().await;
    let s = t.society("gsco").await;
    t.add_page(&s, "home", "Welcome", "Hello.").await;
    let annual = published(
        &t,
        &s,
        EventForm {
            capacity: "12".into(),
            ..meeting("Annual Meeting", "2026-12-05T18:00", "2026-12-05T21:00")
        },
    )
    .await;
    add_type(&t, &s, annual, priced("Physician", "350", "")).await;
    let webinar = published(
        &t,
        &s,
        EventForm {
            kind: "webinar".into(),
            location_name: String::new(),
            location_address: String::new(),
            online_url: "https://zoom.example/j/123".into(),
            ..meeting("Advocacy Briefing", "2026-12-10T12:00", "2026-12-10T13:00")
        },
    )
    .await;
    add_type(
        &t,
        &s,
        webinar,
        TypeForm {
            cap: "2".into(),
            ..priced("Attendee", "0", "")
        },
    )
    .await;
    published(
        &t,
        &s,
        meeting("Spring Forum", "2026-04-11T09:00", "2026-04-11T12:00"),
    )
    .await;

    let mut visitor = t.client("gsco.test");
    let page = visitor.get("/events").await;
    assert_eq!(page.status, StatusCode::OK);
    let body = &page.body;
    // Chicago time, in words, with the zone.
    assert!(
        body.contains("Saturday 5 December 2026, 6:00 pm – 9:00 pm CST"),
        "{body}"
    );
    assert!(body.contains("Palmer House"));
    assert!(body.contains("12 seats left"));
    assert!(body.contains("Online") && body.contains("2 seats left"));
    assert!(
        !body.contains("zoom.example"),
        "the online link is for registrants only"
    );
    let upcoming = body.find("Upcoming events").unwrap();
    let past = body.find("Past events").expect("a past section");
    let spring = body.find("Spring Forum").unwrap();
    assert!(
        upcoming < body.find("Annual Meeting").unwrap() && past < spring,
        "past events come after"
    );
    assert!(
        body.find("Annual Meeting").unwrap() < body.find("Advocacy Briefing").unwrap(),
        "soonest first"
    );

    // The menu links to the events page, and the home page lists what is coming.
    let home = visitor.get("/").await.body;
    assert!(home.contains(r#"<a href="/events">Events</a>"#), "{home}");
    assert!(home.contains("Annual Meeting") && !home.contains("Spring Forum"));
}

#[tokio::test]
async fn a_cancelled_upcoming_event_stays_listed_marked_and_seats_left_are_fresh() {
    let t = TestApp::new().await;
    let s = t.society("gsco").await;
    t.add_page(&s, "home", "Welcome", "Hello.").await;
    let annual = published(
        &t,
        &s,
        EventForm {
            capacity: "12".into(),
            ..meeting("Annual Meeting", "2026-12-05T18:00", "2026-12-05T21:00")
        },
    )
    .await;
    add_type(&t, &s, annual, priced("Student", "0", "")).await;
    let dinner = published(
        &t,
        &s,
        meeting("Gala Dinner", "2026-12-12T19:00", "2026-12-12T22:00"),
    )
    .await;

    // Anonymous visitors are served the list from the page cache.
    let mut visitor = t.client("gsco.test");
    let before = visitor.get("/events").await.body;
    assert!(before.contains("12 seats left"), "{before}");
    assert!(before.contains("Gala Dinner") && !before.contains("Cancelled"));

    // Staff cancel the dinner: the list keeps it, marked, so a registrant looking for it finds
    // it; its page says so.
    let mut owner = t.client("gsco.test");
    owner.sign_in("owner@gsco.test", PASSWORD).await;
    owner.get(&format!("/staff/events/{dinner}/cancel")).await;
    let done = owner
        .post(
            &format!("/staff/events/{dinner}/cancel"),
            &[("reason", "The venue closed.")],
        )
        .await;
    assert!(done.status.is_redirection(), "{}", done.body);
    let after = visitor.get("/events").await.body;
    let card = &after[after.find("Gala Dinner").expect("still listed")..];
    let card = &card[..card.find("</li>").unwrap()];
    assert!(card.contains("Cancelled"), "{card}");
    let page = visitor.get("/events/gala-dinner").await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(
        page.body
            .contains("This event has been cancelled. The venue closed.")
    );
    // The home page's short list is for events one can still attend.
    assert!(!visitor.get("/").await.body.contains("Gala Dinner"));

    // A visitor registers: the cached list and page show the seat gone at once.
    let student = t.app.scoped(&s).registration_types(annual).await.unwrap()[0]
        .id
        .to_string();
    assert!(
        visitor
            .get("/events/annual-meeting")
            .await
            .body
            .contains("12 seats left")
    );
    visitor
        .get(&format!("/events/annual-meeting/register?type={student}"))
        .await;
    let registered = visitor
        .post(
            "/events/annual-meeting/register",
            &[
                ("type", student.as_str()),
                ("first_name", "Grace"),
                ("last_name", "Hopper"),
                ("email", "grace@example.org"),
                ("profession", ""),
            ],
        )
        .await;
    assert_eq!(
        registered.status,
        StatusCode::SEE_OTHER,
        "{}",
        registered.body
    );
    assert!(visitor.get("/events").await.body.contains("11 seats left"));
    assert!(
        visitor
            .get("/events/annual-meeting")
            .await
            .body
            .contains("11 seats left")
    );
}

#[tokio::test]
async fn an_event_page_shows_its_agenda_and_the_types_a_visitor_may_use() {
    let t = TestApp::new().await;
    let s = t.society("gsco").await;
    let scoped = t.app.scoped(&s);
    let id = published(
        &t,
        &s,
        meeting("Annual Meeting", "2026-12-04T12:00", "2026-12-05T17:00"),
    )
    .await;
    for (title, starts, ends, room) in [
        (
            "Keynote: the year in oncology",
            "2026-12-05T09:00",
            "2026-12-05T10:15",
            "Grand Ballroom",
        ),
        (
            "Welcome reception",
            "2026-12-04T18:00",
            "2026-12-04T20:00",
            "Red Lacquer Room",
        ),
    ] {
        events::add_session(
            &t.app,
            &scoped,
            id,
            &SessionForm {
                title: title.into(),
                starts: starts.into(),
                ends: ends.into(),
                room: room.into(),
                ..Default::default()
            },
            &Actor::default(),
        )
        .await
        .unwrap();
    }
    add_type(&t, &s, id, priced("Physician", "350", "250")).await;
    add_type(
        &t,
        &s,
        id,
        TypeForm {
            complimentary: true,
            ..priced("Faculty", "0", "")
        },
    )
    .await;
    add_type(
        &t,
        &s,
        id,
        TypeForm {
            access_code: "PARTNER26".into(),
            ..priced("Partner", "100", "")
        },
    )
    .await;
    add_type(
        &t,
        &s,
        id,
        TypeForm {
            audience: "members".into(),
            ..priced("Members' lunch", "20", "")
        },
    )
    .await;
    add_type(
        &t,
        &s,
        id,
        TypeForm {
            cap: "1".into(),
            ..priced("Fellow", "0", "")
        },
    )
    .await;
    let fellow = scoped.registration_types(id).await.unwrap()[4].id;
    chapterhouse_testkit::sql::exec(
        &t.db.db,
        "UPDATE registration_type SET taken = 1 WHERE id = $1",
        &[fellow.0.into()],
    )
    .await;

    let page = t.client("gsco.test").get("/events/annual-meeting").await;
    assert_eq!(page.status, StatusCode::OK);
    let body = &page.body;
    assert!(body.contains("Talks, posters and <strong>dinner</strong>."));
    assert!(
        body.contains("Friday 4 December 2026, 12:00 pm – Saturday 5 December 2026, 5:00 pm CST"),
        "{body}"
    );
    // The agenda in time order, with dates (the event spans two days) and rooms.
    let reception = body.find("Welcome reception").unwrap();
    let keynote = body.find("Keynote: the year in oncology").unwrap();
    assert!(reception < keynote);
    assert!(
        body.contains("Fri 4 Dec 2026, 6:00 pm – 8:00 pm") && body.contains("Red Lacquer Room")
    );
    assert!(body.contains("Sat 5 Dec 2026, 9:00 am – 10:15 am"));
    // Prices: the public pays the price and is told the member price.
    assert!(body.contains("$350.00") && body.contains("Members pay $250.00."));
    let physician = scoped.registration_types(id).await.unwrap()[0].id;
    assert!(body.contains(&format!(
        r#"href="/events/annual-meeting/register?type={physician}""#
    )));
    // Faculty registration is never listed to the public.
    assert!(!body.contains("Faculty"));
    // A code-protected type asks for the code.
    assert!(body.contains(r#"name="code""#) && body.contains("Registration code"));
    // Members only, and full with the waitlist offered.
    assert!(body.contains("Members only"));
    assert!(body.contains("Full — join the waitlist") && body.contains("Join the waitlist"));
    assert!(body.contains(r#"href="/events/annual-meeting/calendar.ics""#));
}

#[tokio::test]
async fn members_see_member_prices_and_members_only_events() {
    let t = TestApp::new().await;
    let s = t.society("gsco").await;
    let level = level(&t, &s).await;
    member(&t, &s, level, "ada@gsco.test").await;
    t.add_account(&s, "nonmember@gsco.test", Role::Member).await;
    let open = published(
        &t,
        &s,
        meeting("Annual Meeting", "2026-12-05T18:00", "2026-12-05T21:00"),
    )
    .await;
    add_type(&t, &s, open, priced("Physician", "350", "250")).await;
    let dinner = published(
        &t,
        &s,
        EventForm {
            members_only: Some("on".into()),
            ..meeting(
                "Members' Dinner CANARYDINNER",
                "2026-12-01T18:00",
                "2026-12-01T21:00",
            )
        },
    )
    .await;
    add_type(&t, &s, dinner, priced("Member", "60", "")).await;

    let mut ada = t.client("gsco.test");
    ada.sign_in("ada@gsco.test", PASSWORD).await;
    let page = ada.get("/events/annual-meeting").await.body;
    assert!(page.contains("$250.00 (member price)"), "{page}");
    assert!(!page.contains("Members pay"));
    assert!(ada.get("/events").await.body.contains("CANARYDINNER"));
    let dinner_page = ada.get("/events/members-dinner-canarydinner").await;
    assert_eq!(dinner_page.status, StatusCode::OK);
    assert!(dinner_page.body.contains("CANARYDINNER"));

    // Anonymous visitors and signed-in non-members: not listed, and a page that names nothing.
    let mut visitor = t.client("gsco.test");
    let mut other = t.client("gsco.test");
    other.sign_in("nonmember@gsco.test", PASSWORD).await;
    for client in [&mut visitor, &mut other] {
        assert!(!client.get("/events").await.body.contains("CANARYDINNER"));
        let refused = client.get("/events/members-dinner-canarydinner").await;
        assert_eq!(refused.status, StatusCode::FORBIDDEN);
        assert!(refused.body.contains("Members only"));
        assert!(!refused.body.contains("CANARYDINNER"));
        assert_eq!(
            client
                .get("/events/members-dinner-canarydinner/calendar.ics")
                .await
                .status,
            StatusCode::NOT_FOUND
        );
        assert!(
            !client
                .get("/events.ics")
                .await
                .body
                .contains("CANARYDINNER")
        );
    }
    let refused = visitor
        .get("/events/members-dinner-canarydinner")
        .await
        .body;
    assert!(
        refused.contains("/sign-in?next=%2Fevents%2Fmembers-dinner-canarydinner"),
        "{refused}"
    );
    assert!(
        visitor
            .get("/events/annual-meeting")
            .await
            .body
            .contains("Members pay $250.00.")
    );
}

#[tokio::test]
async fn drafts_are_for_staff_only() {
    let t = TestApp::new().await;
    let s = t.society("gsco").await;
    events::create_event(
        &t.app,
        &t.app.scoped(&s),
        &meeting("Secret Plans", "2026-12-05T18:00", "2026-12-05T21:00"),
        &Actor::default(),
    )
    .await
    .unwrap();
    let mut visitor = t.client("gsco.test");
    assert_eq!(
        visitor.get("/events/secret-plans").await.status,
        StatusCode::NOT_FOUND
    );
    assert_eq!(
        visitor
            .get("/events/secret-plans/calendar.ics")
            .await
            .status,
        StatusCode::NOT_FOUND
    );
    assert!(!visitor.get("/events").await.body.contains("Secret Plans"));
    assert!(
        !visitor
            .get("/events.ics")
            .await
            .body
            .contains("Secret Plans")
    );
    let mut staff = t.client("gsco.test");
    staff.sign_in("owner@gsco.test", PASSWORD).await;
    let preview = staff.get("/events/secret-plans").await;
    assert_eq!(preview.status, StatusCode::OK);
    assert!(preview.body.contains("Draft: only staff can see this page"));
    assert!(
        !staff.get("/events").await.body.contains("Secret Plans"),
        "lists show published events"
    );
}

#[tokio::test]
async fn calendar_files_carry_the_local_time_and_zone() {
    let t = TestApp::new().await;
    let s = t.society("gsco").await;
    let id = published(
        &t,
        &s,
        meeting("Tumor Board", "2026-12-03T18:00", "2026-12-03T19:30"),
    )
    .await;
    let mut visitor = t.client("gsco.test");
    let file = visitor.get("/events/tumor-board/calendar.ics").await;
    assert_eq!(file.status, StatusCode::OK);
    assert_eq!(file.headers["content-type"], "text/calendar; charset=utf-8");
    assert!(
        file.headers["content-disposition"]
            .to_str()
            .unwrap()
            .contains("tumor-board.ics")
    );
    assert!(file.body.contains(&format!("UID:{id}@gsco.test\r\n")));
    assert!(
        file.body
            .contains("DTSTART;TZID=America/Chicago:20261203T180000\r\n")
    );
    assert!(file.body.contains("TZID:America/Chicago\r\n"));
    assert!(
        file.body
            .contains("URL:https://gsco.test/events/tumor-board\r\n")
    );
    let feed = visitor.get("/events.ics").await;
    assert_eq!(feed.status, StatusCode::OK);
    assert!(
        feed.body.contains("X-WR-CALNAME:GSCO events") && feed.body.contains("SUMMARY:Tumor Board")
    );
}

#[tokio::test]
async fn staff_create_an_event_fix_mistakes_and_build_its_program() {
    let t = TestApp::new().await;
    let s = t.society("gsco").await;
    let level = level(&t, &s).await;
    let mut staff = t.client("gsco.test");
    staff.sign_in("owner@gsco.test", PASSWORD).await;
    let form = staff.get("/staff/events/new").await;
    assert_eq!(form.status, StatusCode::OK);
    assert!(form.body.contains("In America/Chicago time"));

    // Problems are named per field and the input is kept.
    let refused = staff
        .post(
            "/staff/events/new",
            &[
                ("title", "Annual Meeting 2027"),
                ("kind", "meeting"),
                ("starts", "2027-03-14T02:30"),
                ("ends", "sometime"),
                ("location_name", "Palmer House"),
                ("description", "Keep **this** text"),
            ],
        )
        .await;
    assert_eq!(refused.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        refused.body.contains("does not exist in America/Chicago"),
        "{}",
        refused.body
    );
    assert!(refused.body.contains("Enter the end as a date and time"));
    assert!(refused.body.contains(r#"value="Annual Meeting 2027""#));
    assert!(refused.body.contains("Keep **this** text"));
    assert!(
        refused
            .body
            .contains(r#"aria-invalid="true" aria-describedby="e-starts"#)
    );

    let created = staff
        .post(
            "/staff/events/new",
            &[
                ("title", "Annual Meeting 2027"),
                ("kind", "meeting"),
                ("starts", "2027-04-17T08:00"),
                ("ends", "2027-04-17T17:00"),
                ("location_name", "Palmer House"),
                ("capacity", "200"),
                ("description", "Keep **this** text"),
            ],
        )
        .await;
    assert_eq!(created.status, StatusCode::SEE_OTHER);
    let page_path = created.location();
    assert!(page_path.ends_with("?done=created"), "{page_path}");
    let base = page_path.split('?').next().unwrap().to_string();
    let edit = staff.get(&page_path).await;
    assert!(edit.body.contains("Event added as a draft"));
    assert!(edit.body.contains("Status: Draft"));

    // A session outside the event's day is refused on its own form, keeping what was typed.
    let session = staff
        .post(
            &format!("{base}/sessions"),
            &[
                ("title", "Keynote"),
                ("starts", "2027-04-18T09:00"),
                ("ends", "2027-04-18T10:00"),
                ("room", "Grand Ballroom"),
            ],
        )
        .await;
    assert_eq!(session.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        session
            .body
            .contains("The session must start during the event")
    );
    assert!(
        session
            .body
            .contains(r#"id="f-s-room" name="room" type="text" value="Grand Ballroom""#),
        "{}",
        session.body
    );
    let session = staff
        .post(
            &format!("{base}/sessions"),
            &[
                ("title", "Keynote"),
                ("starts", "2027-04-17T09:00"),
                ("ends", "2027-04-17T10:00"),
                ("room", "Grand Ballroom"),
            ],
        )
        .await;
    assert_eq!(session.status, StatusCode::SEE_OTHER);

    // A registration type limited to a level (the level boxes repeat a name).
    let level_id = level.to_string();
    let ty = staff
        .post(
            &format!("{base}/types"),
            &[
                ("name", "Member physician"),
                ("price", "350"),
                ("member_price", "250"),
                ("audience", "levels"),
                ("level", &level_id),
                ("guests", "count"),
                ("max_guests", "2"),
                ("cancel_policy", "refund"),
                ("cancel_until_hours", "48"),
                ("cap", "150"),
            ],
        )
        .await;
    assert_eq!(ty.status, StatusCode::SEE_OTHER, "{}", ty.body);
    let bad_type = staff
        .post(
            &format!("{base}/types"),
            &[
                ("name", ""),
                ("price", "lots"),
                ("audience", "anyone"),
                ("guests", "none"),
                ("cancel_policy", "refund"),
            ],
        )
        .await;
    assert_eq!(bad_type.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        bad_type.body.contains(
            r##"<a href="#f-t-price">Enter the price in dollars, like 350 or 349.50.</a>"##
        ),
        "{}",
        bad_type.body
    );
    let question = staff
        .post(
            &format!("{base}/questions"),
            &[
                ("label", "Dietary needs"),
                ("kind", "choice"),
                ("choices", "None\nVegetarian"),
                ("required", "on"),
            ],
        )
        .await;
    assert_eq!(question.status, StatusCode::SEE_OTHER);

    let edit = staff.get(&base).await.body;
    assert!(edit.contains("Keynote") && edit.contains("Grand Ballroom"));
    assert!(
        edit.contains("Member physician")
            && edit.contains("Levels: Active physician")
            && edit.contains("0 of 150")
    );
    assert!(edit.contains("Dietary needs (One of a list, required; everyone)"));

    // Not public until published.
    let mut visitor = t.client("gsco.test");
    assert_eq!(
        visitor.get("/events/annual-meeting-2027").await.status,
        StatusCode::NOT_FOUND
    );
    let published = staff.post(&format!("{base}/publish"), &[]).await;
    assert_eq!(published.status, StatusCode::SEE_OTHER);
    let public = visitor.get("/events/annual-meeting-2027").await;
    assert_eq!(public.status, StatusCode::OK);
    assert!(public.body.contains("Keynote") && public.body.contains("Member physician"));
    assert!(
        public
            .body
            .contains("Saturday 17 April 2027, 8:00 am – 5:00 pm CDT")
    );

    // Moving a published event raises its SEQUENCE, and the staff page says calendars update.
    let moved = staff
        .post(
            &base,
            &[
                ("title", "Annual Meeting 2027"),
                ("slug", "annual-meeting-2027"),
                ("kind", "meeting"),
                ("starts", "2027-04-17T08:30"),
                ("ends", "2027-04-17T17:00"),
                ("location_name", "Palmer House"),
                ("capacity", "200"),
            ],
        )
        .await;
    assert_eq!(moved.status, StatusCode::SEE_OTHER);
    assert!(
        staff
            .get(&moved.location())
            .await
            .body
            .contains("calendars holding the event will update")
    );
    assert!(
        visitor
            .get("/events/annual-meeting-2027/calendar.ics")
            .await
            .body
            .contains("SEQUENCE:1\r\n")
    );
    let list = staff.get("/staff/events").await.body;
    assert!(
        list.contains("Annual Meeting 2027")
            && list.contains("Published")
            && list.contains("0 of 200")
    );
}

// ---------------------------------------------------------------------------------------------
// The isolation harness's part: society A's events, what B must not change, and the requests.

pub struct SeedEvents {
    pub event_id: String,
    pub slug: String,
    pub members_slug: String,
    pub session_id: String,
    pub type_id: String,
    pub question_id: String,
    /// A registration of A's (a visitor on a free type), and its page with A's signed token.
    pub registration_id: String,
    pub registration_page: String,
}

/// A published event whose title and description carry canaries, with a session, a type
/// limited to A's level, a question; and a members-only event.
pub async fn seed_events(t: &TestApp, scoped: &Scoped, level: LevelId) -> SeedEvents {
    let actor = Actor::default();
    let event = events::create_event(
        &t.app,
        scoped,
        &EventForm {
            title: "CANARY-A-EVTITLE meeting".into(),
            description: "CANARY-A-EVDESC agenda".into(),
            online_url: "https://canary-a-zoom.example/j/1".into(),
            capacity: "40".into(),
            ..meeting("", "2026-12-05T18:00", "2026-12-05T21:00")
        },
        &actor,
    )
    .await
    .unwrap();
    events::publish_event(&t.app, scoped, event, &actor)
        .await
        .unwrap();
    let session = events::add_session(
        &t.app,
        scoped,
        event,
        &SessionForm {
            title: "CANARY-A-EVSESSION".into(),
            starts: "2026-12-05T18:00".into(),
            ends: "2026-12-05T19:00".into(),
            room: "CANARY-A-EVROOM".into(),
            ..Default::default()
        },
        &actor,
    )
    .await
    .unwrap();
    let ty = events::add_type(
        &t.app,
        scoped,
        event,
        &TypeForm {
            name: "CANARY-A-EVTYPE".into(),
            price: "123".into(),
            audience: "levels".into(),
            levels: vec![level.to_string()],
            access_code: "CANARYACODE".into(),
            ..TypeForm::new_type()
        },
        &actor,
    )
    .await
    .unwrap();
    let question = events::add_question(
        &t.app,
        scoped,
        event,
        &QuestionForm {
            label: "CANARY-A-EVQUESTION".into(),
            kind: "text".into(),
            ..Default::default()
        },
        &actor,
    )
    .await
    .unwrap();
    let free = events::add_type(
        &t.app,
        scoped,
        event,
        &TypeForm {
            name: "CANARY-A-EVTYPE free".into(),
            price: "0".into(),
            ..TypeForm::new_type()
        },
        &actor,
    )
    .await
    .unwrap();
    let Registered::New {
        id: registration,
        page: registration_page,
        ..
    } = registrations::register(
        &t.app,
        scoped,
        event,
        &RegisterForm {
            registration_type: free.to_string(),
            first_name: "CANARY-A-REGNAME".into(),
            last_name: "Registrant".into(),
            email: "canary-a-registrant@alpha.test".into(),
            ..Default::default()
        },
        Who::Visitor,
        &actor,
    )
    .await
    .unwrap()
    else {
        panic!("A's registration is new")
    };
    let members = events::create_event(
        &t.app,
        scoped,
        &EventForm {
            title: "CANARY-A-EVMEMBERS dinner".into(),
            members_only: Some("on".into()),
            ..meeting("", "2026-12-01T18:00", "2026-12-01T21:00")
        },
        &actor,
    )
    .await
    .unwrap();
    events::publish_event(&t.app, scoped, members, &actor)
        .await
        .unwrap();
    let slug_of = |id| async move { scoped.event(id).await.unwrap().unwrap().slug };
    SeedEvents {
        event_id: event.to_string(),
        slug: slug_of(event).await,
        members_slug: slug_of(members).await,
        session_id: session.to_string(),
        type_id: ty.to_string(),
        question_id: question.to_string(),
        registration_id: registration.to_string(),
        registration_page,
    }
}

/// The canaries `seed_events` plants.
pub const CANARIES: &[&str] = &[
    "CANARY-A-EVTITLE",
    "CANARY-A-EVDESC",
    "CANARY-A-EVSESSION",
    "CANARY-A-EVROOM",
    "CANARY-A-EVTYPE",
    "CANARY-A-EVQUESTION",
    "CANARY-A-EVMEMBERS",
    "CANARYACODE",
    "canary-a-zoom",
    "CANARY-A-REGNAME",
    "canary-a-registrant",
];

/// A's events as stored, for the before-and-after comparison.
pub async fn snapshot_events(scoped: &Scoped) -> String {
    let mut out = Vec::new();
    for e in scoped.staff_events().await.unwrap() {
        let sessions: Vec<_> = scoped
            .event_sessions(e.id)
            .await
            .unwrap()
            .into_iter()
            .map(|s| (s.title, s.starts_local, s.room))
            .collect();
        let types: Vec<_> = scoped
            .registration_types(e.id)
            .await
            .unwrap()
            .into_iter()
            .map(|t| {
                (
                    t.name,
                    t.price_cents,
                    t.audience,
                    t.levels,
                    t.access_code,
                    t.cap,
                )
            })
            .collect();
        let questions: Vec<_> = scoped
            .registration_questions(e.id)
            .await
            .unwrap()
            .into_iter()
            .map(|q| q.label)
            .collect();
        let registrations: Vec<_> = scoped
            .event_registrations(e.id, &Default::default())
            .await
            .unwrap()
            .into_iter()
            .map(|r| (r.id, r.first_name, r.email, r.status, r.seats))
            .collect();
        out.push(format!(
            "{} {} {} {} {} {} {:?} {:?} {:?} {:?} {} {} {:?}",
            e.slug,
            e.title,
            e.status,
            e.sequence,
            e.starts_local,
            e.description_md,
            e.capacity,
            sessions,
            types,
            questions,
            e.taken,
            e.sequence,
            registrations
        ));
    }
    out.join("\n")
}

type Fixtures = BTreeMap<(&'static str, &'static str), Vec<(String, Vec<(&'static str, String)>)>>;

pub fn isolation_fixtures(f: &mut Fixtures, a: &SeedEvents) {
    let get = |path: String| (path, vec![]);
    // Registration routes (A's event by slug and id; A's real registration, with and without
    // A's signed token).
    let reg = format!("/registrations/{}", a.registration_id);
    let token = a
        .registration_page
        .split_once("?t=")
        .map(|(_, t)| t.to_string())
        .unwrap_or_default();
    f.insert(
        ("GET", "/events/{slug}/register"),
        vec![
            get(format!("/events/{}/register", a.slug)),
            get(format!("/events/{}/register?type={}", a.slug, a.type_id)),
        ],
    );
    f.insert(
        ("POST", "/events/{slug}/register"),
        vec![(
            format!("/events/{}/register", a.slug),
            vec![
                ("type", a.type_id.clone()),
                ("first_name", "B".to_string()),
                ("last_name", "Visitor".to_string()),
                ("email", "b-visitor@beta.test".to_string()),
            ],
        )],
    );
    f.insert(
        ("GET", "/registrations/{id}"),
        vec![get(reg.clone()), get(a.registration_page.clone())],
    );
    f.insert(
        ("POST", "/registrations/{id}/pay"),
        vec![
            (format!("{reg}/pay"), vec![]),
            (format!("{reg}/pay"), vec![("t", token.clone())]),
        ],
    );
    f.insert(
        ("GET", "/registrations/{id}/offer"),
        vec![get(format!("{reg}/offer?t=x"))],
    );
    f.insert(
        ("POST", "/registrations/{id}/offer"),
        vec![(format!("{reg}/offer"), vec![("t", "x".to_string())])],
    );
    f.insert(
        ("GET", "/account/registrations"),
        vec![get("/account/registrations".into())],
    );
    let regs = format!("/staff/events/{}/registrations", a.event_id);
    f.insert(
        ("GET", "/staff/events/{id}/registrations"),
        vec![get(regs.clone())],
    );
    f.insert(
        ("GET", "/staff/events/{id}/registrations/new"),
        vec![get(format!("{regs}/new"))],
    );
    f.insert(
        ("GET", "/staff/events/{id}/registrations.csv"),
        vec![get(format!(
            "/staff/events/{}/registrations.csv",
            a.event_id
        ))],
    );
    f.insert(
        ("POST", "/staff/events/{id}/registrations"),
        vec![(
            regs.clone(),
            vec![
                ("type", a.type_id.clone()),
                ("first_name", "B".to_string()),
                ("last_name", "Staff entry".to_string()),
                ("email", "b-entry@beta.test".to_string()),
            ],
        )],
    );
    f.insert(("GET", "/events"), vec![get("/events".into())]);
    f.insert(("GET", "/events.ics"), vec![get("/events.ics".into())]);
    f.insert(
        ("GET", "/events/{slug}"),
        vec![
            get(format!("/events/{}", a.slug)),
            get(format!("/events/{}", a.members_slug)),
        ],
    );
    f.insert(
        ("GET", "/events/{slug}/calendar.ics"),
        vec![
            get(format!("/events/{}/calendar.ics", a.slug)),
            get(format!("/events/{}/calendar.ics", a.members_slug)),
        ],
    );
    f.insert(("GET", "/staff/events"), vec![get("/staff/events".into())]);
    f.insert(
        ("GET", "/staff/events/new"),
        vec![get("/staff/events/new".into())],
    );
    let event = format!("/staff/events/{}", a.event_id);
    f.insert(("GET", "/staff/events/{id}"), vec![get(event.clone())]);
    f.insert(
        ("GET", "/staff/events/{id}/sessions/{session}"),
        vec![get(format!("{event}/sessions/{}", a.session_id))],
    );
    f.insert(
        ("GET", "/staff/events/{id}/types/{type_id}"),
        vec![get(format!("{event}/types/{}", a.type_id))],
    );
    let event_fields = || {
        vec![
            ("title", "B was here".to_string()),
            ("slug", a.slug.clone()),
            ("kind", "meeting".to_string()),
            ("starts", "2026-12-06T18:00".to_string()),
            ("ends", "2026-12-06T21:00".to_string()),
            ("location_name", "B's place".to_string()),
        ]
    };
    let session_fields = || {
        vec![
            ("title", "B's session".to_string()),
            ("starts", "2026-12-05T19:00".to_string()),
            ("ends", "2026-12-05T20:00".to_string()),
        ]
    };
    let type_fields = || {
        vec![
            ("name", "B's type".to_string()),
            ("price", "1".to_string()),
            ("audience", "anyone".to_string()),
            ("guests", "none".to_string()),
            ("cancel_policy", "refund".to_string()),
        ]
    };
    f.insert(
        ("POST", "/staff/events/new"),
        vec![("/staff/events/new".into(), event_fields())],
    );
    f.insert(
        ("POST", "/staff/events/{id}"),
        vec![(event.clone(), event_fields())],
    );
    f.insert(
        ("POST", "/staff/events/{id}/publish"),
        vec![(format!("{event}/publish"), vec![])],
    );
    f.insert(
        ("POST", "/staff/events/{id}/unpublish"),
        vec![(format!("{event}/unpublish"), vec![])],
    );
    f.insert(
        ("POST", "/staff/events/{id}/sessions"),
        vec![(format!("{event}/sessions"), session_fields())],
    );
    f.insert(
        ("POST", "/staff/events/{id}/sessions/{session}"),
        vec![(
            format!("{event}/sessions/{}", a.session_id),
            session_fields(),
        )],
    );
    f.insert(
        ("POST", "/staff/events/{id}/sessions/{session}/delete"),
        vec![(format!("{event}/sessions/{}/delete", a.session_id), vec![])],
    );
    f.insert(
        ("POST", "/staff/events/{id}/types"),
        vec![(format!("{event}/types"), type_fields())],
    );
    f.insert(
        ("POST", "/staff/events/{id}/types/{type_id}"),
        vec![(format!("{event}/types/{}", a.type_id), type_fields())],
    );
    f.insert(
        ("POST", "/staff/events/{id}/types/{type_id}/delete"),
        vec![(format!("{event}/types/{}/delete", a.type_id), vec![])],
    );
    f.insert(
        ("POST", "/staff/events/{id}/questions"),
        vec![(
            format!("{event}/questions"),
            vec![
                ("label", "B's question".to_string()),
                ("kind", "text".to_string()),
            ],
        )],
    );
    f.insert(
        ("POST", "/staff/events/{id}/questions/{question}/delete"),
        vec![(
            format!("{event}/questions/{}/delete", a.question_id),
            vec![],
        )],
    );
}
