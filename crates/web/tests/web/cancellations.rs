//! Cancellation pages: the registrant's confirmation page and its 422 past the deadline, staff
//! cancelling an event (the public page and the feed then say so), staff moving and cancelling
//! one registration; and the seed and fixtures the isolation harness uses for these routes.

use std::collections::BTreeMap;

use axum::http::StatusCode;
use chapterhouse_app::Actor;
use chapterhouse_app::events::{self, EventForm, TypeForm};
use chapterhouse_app::registrations::{self as r, RegisterForm, Registered, Who};
use chapterhouse_core::{EventId, RegistrationId, RegistrationTypeId};
use chapterhouse_store::{Scoped, Society};

use crate::common::{PASSWORD, TestApp};

async fn meeting(t: &TestApp, scoped: &Scoped, title: &str) -> (EventId, RegistrationTypeId) {
    let event = events::create_event(
        &t.app,
        scoped,
        &EventForm {
            title: title.into(),
            kind: "meeting".into(),
            starts: "2026-12-05T18:00".into(),
            ends: "2026-12-05T21:00".into(),
            location_name: "Palmer House".into(),
            capacity: "1".into(),
            ..Default::default()
        },
        &Actor::default(),
    )
    .await
    .unwrap();
    let ty = events::add_type(
        &t.app,
        scoped,
        event,
        &TypeForm {
            name: "General".into(),
            price: "0".into(),
            ..TypeForm::new_type()
        },
        &Actor::default(),
    )
    .await
    .unwrap();
    events::publish_event(&t.app, scoped, event, &Actor::default())
        .await
        .unwrap();
    (event, ty)
}

async fn register(
    t: &TestApp,
    scoped: &Scoped,
    event: EventId,
    ty: RegistrationTypeId,
    first: &str,
) -> RegistrationId {
    let form = RegisterForm {
        registration_type: ty.to_string(),
        first_name: first.into(),
        last_name: "Tester".into(),
        email: format!("{}@example.org", first.to_lowercase().replace(' ', "-")),
        submit_key: r::new_submit_key(),
        ..Default::default()
    };
    match r::register(
        &t.app,
        scoped,
        event,
        &form,
        Who::Visitor,
        &Actor::default(),
    )
    .await
    .unwrap()
    {
        Registered::New { id, .. } => id,
        other => panic!("{other:?}"),
    }
}

/// The registration's page with its signed link.
async fn page_of(t: &TestApp, scoped: &Scoped, id: RegistrationId) -> String {
    let reg = scoped.registration(id).await.unwrap().unwrap();
    r::registration_path(&t.app, scoped, &reg)
}

async fn setup(t: &TestApp) -> (Society, Scoped) {
    let s = t.society("alpha").await;
    let scoped = t.app.scoped(&s);
    (s, scoped)
}

#[tokio::test]
async fn a_registrant_confirms_then_cancels_and_the_next_in_line_is_offered_the_seat() {
    let t = TestApp::new().await;
    let (_, scoped) = setup(&t).await;
    let (event, ty) = meeting(&t, &scoped, "Fall Dinner").await;
    let ann = register(&t, &scoped, event, ty, "Ann").await;
    let ben = register(&t, &scoped, event, ty, "Ben").await;
    let page = page_of(&t, &scoped, ann).await;
    let token = page.split("t=").nth(1).unwrap().to_string();
    let mut browser = t.client("alpha.test");

    let show = browser.get(&page).await;
    assert_eq!(show.status, StatusCode::OK);
    let cancel_link = format!("/registrations/{ann}/cancel?t={token}");
    assert!(show.body.contains(&cancel_link), "{}", show.body);

    let confirm = browser.get(&cancel_link).await;
    assert_eq!(confirm.status, StatusCode::OK);
    assert!(confirm.body.contains("Yes, cancel my registration"));
    assert!(confirm.body.contains("Nothing has been paid"));
    assert!(confirm.body.contains("You can cancel until"));
    // Without the link (and not signed in): nothing to see.
    let mut stranger = t.client("alpha.test");
    assert_eq!(
        stranger
            .get(&format!("/registrations/{ann}/cancel"))
            .await
            .status,
        StatusCode::NOT_FOUND
    );

    let done = browser
        .post(&format!("/registrations/{ann}/cancel"), &[("t", &token)])
        .await;
    assert_eq!(done.status, StatusCode::SEE_OTHER);
    let after = browser.get(&done.location()).await;
    assert!(after.body.contains("Cancelled"), "{}", after.body);
    assert!(!after.body.contains("Cancel this registration"));
    assert_eq!(
        scoped.registration(ben).await.unwrap().unwrap().status,
        "offered"
    );
    // The page again says there is nothing left to cancel.
    let again = browser.get(&cancel_link).await;
    assert!(again.body.contains("no longer active"));
}

#[tokio::test]
async fn past_the_deadline_the_page_says_when_it_closed_and_whom_to_contact() {
    let t = TestApp::new().await;
    let (_, scoped) = setup(&t).await;
    let (event, ty) = meeting(&t, &scoped, "Fall Dinner").await;
    let ann = register(&t, &scoped, event, ty, "Ann").await;
    let page = page_of(&t, &scoped, ann).await;
    let token = page.split("t=").nth(1).unwrap().to_string();
    let mut browser = t.client("alpha.test");
    // The deadline is 48 hours before 18:00 Chicago on 5 December.
    t.clock.set(chapterhouse_core::Timestamp::from_jiff(
        "2026-12-04T01:00:00Z".parse().unwrap(),
    ));
    let page = browser
        .get(&format!("/registrations/{ann}/cancel?t={token}"))
        .await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(page.body.contains("Cancellation closed on"));
    assert!(!page.body.contains("Yes, cancel my registration"));
    // A form posted anyway (an old tab) is refused the same way.
    let refused = browser
        .post(&format!("/registrations/{ann}/cancel"), &[("t", &token)])
        .await;
    assert_eq!(refused.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        refused
            .body
            .contains("Cancellation closed on 3 Dec 2026, 18:00"),
        "{}",
        refused.body
    );
    assert!(refused.body.contains("office@alpha.test"));
    assert!(!refused.body.contains("Yes, cancel my registration"));
    assert_eq!(
        scoped.registration(ann).await.unwrap().unwrap().status,
        "confirmed"
    );
}

#[tokio::test]
async fn staff_cancel_an_event_with_a_reason_and_the_public_page_and_feed_say_so() {
    let t = TestApp::new().await;
    let (_, scoped) = setup(&t).await;
    let (event, ty) = meeting(&t, &scoped, "Fall Dinner").await;
    let ann = register(&t, &scoped, event, ty, "Ann").await;
    let mut staff = t.client("alpha.test");
    staff.sign_in("owner@alpha.test", PASSWORD).await;

    let edit = staff.get(&format!("/staff/events/{event}")).await;
    assert!(edit.body.contains(&format!("/staff/events/{event}/cancel")));
    let form = staff.get(&format!("/staff/events/{event}/cancel")).await;
    assert_eq!(form.status, StatusCode::OK);
    assert!(form.body.contains("cancels the 1 registration with a seat"));
    let missing = staff
        .post(
            &format!("/staff/events/{event}/cancel"),
            &[("reason", "  ")],
        )
        .await;
    assert_eq!(missing.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(missing.body.contains("Say why"));
    let done = staff
        .post(
            &format!("/staff/events/{event}/cancel"),
            &[("reason", "The speaker is ill.")],
        )
        .await;
    assert_eq!(done.status, StatusCode::SEE_OTHER);
    let after = staff.get(&done.location()).await;
    assert!(after.body.contains("This event is cancelled"));

    // The job cancels the registrations.
    let worker = chapterhouse_app::jobs::Worker::new(t.app.clone());
    while worker.run_once().await.unwrap() > 0 {}
    assert_eq!(
        scoped.registration(ann).await.unwrap().unwrap().status,
        "cancelled"
    );
    let mut visitor = t.client("alpha.test");
    let e = scoped.event(event).await.unwrap().unwrap();
    let public = visitor.get(&format!("/events/{}", e.slug)).await;
    assert!(public.body.contains("This event has been cancelled"));
    assert!(public.body.contains("The speaker is ill."));
    let feed = visitor.get("/events.ics").await;
    assert!(feed.body.contains("STATUS:CANCELLED"));
}

#[tokio::test]
async fn staff_move_and_cancel_one_registration_from_its_page() {
    let t = TestApp::new().await;
    let (_, scoped) = setup(&t).await;
    let (event, ty) = meeting(&t, &scoped, "Fall Dinner").await;
    let other = events::add_type(
        &t.app,
        &scoped,
        event,
        &TypeForm {
            name: "Faculty".into(),
            price: "0".into(),
            complimentary: true,
            ..TypeForm::new_type()
        },
        &Actor::default(),
    )
    .await
    .unwrap();
    let ann = register(&t, &scoped, event, ty, "Ann").await;
    let mut staff = t.client("alpha.test");
    staff.sign_in("owner@alpha.test", PASSWORD).await;
    let list = staff
        .get(&format!("/staff/events/{event}/registrations"))
        .await;
    assert!(list.body.contains(&format!("/staff/registrations/{ann}")));
    let page = staff.get(&format!("/staff/registrations/{ann}")).await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(page.body.contains("Move to another type"));
    assert!(
        !page.body.contains("f-refund"),
        "nothing paid, nothing to refund"
    );

    let bad = staff
        .post(
            &format!("/staff/registrations/{ann}/move"),
            &[("to_type", "not-a-type")],
        )
        .await;
    assert_eq!(bad.status, StatusCode::UNPROCESSABLE_ENTITY);
    let moved = staff
        .post(
            &format!("/staff/registrations/{ann}/move"),
            &[("to_type", &other.to_string())],
        )
        .await;
    assert_eq!(moved.status, StatusCode::SEE_OTHER);
    let reg = scoped.registration(ann).await.unwrap().unwrap();
    assert_eq!(reg.registration_type_id, other);

    let cancelled = staff
        .post(
            &format!("/staff/registrations/{ann}/cancel"),
            &[("reason", "Asked by phone")],
        )
        .await;
    assert_eq!(cancelled.status, StatusCode::SEE_OTHER);
    let page = staff.get(&cancelled.location()).await;
    assert!(page.body.contains("nothing to change"));
    assert_eq!(
        scoped.registration(ann).await.unwrap().unwrap().status,
        "cancelled"
    );
}

// ---------------------------------------------------------------------------------------------
// Isolation.

/// A's registration (its registrant's name is a canary) and its signed page token.
pub struct SeedCancellations {
    pub event_id: String,
    pub registration_id: String,
    pub token: String,
}

pub async fn seed_cancellations(t: &TestApp, scoped: &Scoped) -> SeedCancellations {
    let (event, ty) = meeting(t, scoped, "CANARY-A-EVENT cancellable").await;
    let id = register(t, scoped, event, ty, "CANARY-A-EVENT Registrant").await;
    let page = page_of(t, scoped, id).await;
    SeedCancellations {
        event_id: event.to_string(),
        registration_id: id.to_string(),
        token: page.split("t=").nth(1).unwrap().to_string(),
    }
}

/// What B must not change: every event's status, sequence and seats, and every registration's
/// status and type.
pub async fn snapshot_cancellations(scoped: &Scoped) -> String {
    let mut out = Vec::new();
    for e in scoped.staff_events().await.unwrap() {
        out.push(format!(
            "{} {} {} {}",
            e.slug, e.status, e.sequence, e.taken
        ));
        for reg in scoped
            .event_registrations(e.id, &Default::default())
            .await
            .unwrap()
        {
            out.push(format!(
                "  {} {} {}",
                reg.id, reg.status, reg.registration_type_id
            ));
        }
    }
    out.join("\n")
}

type Fixtures = BTreeMap<(&'static str, &'static str), Vec<(String, Vec<(&'static str, String)>)>>;

pub fn isolation_fixtures(f: &mut Fixtures, a: &SeedCancellations) {
    let reg = format!("/registrations/{}", a.registration_id);
    f.insert(
        ("GET", "/registrations/{id}/cancel"),
        vec![
            (format!("{reg}/cancel"), vec![]),
            (format!("{reg}/cancel?t={}", a.token), vec![]),
        ],
    );
    f.insert(
        ("POST", "/registrations/{id}/cancel"),
        vec![(format!("{reg}/cancel"), vec![("t", a.token.clone())])],
    );
    let cancel = format!("/staff/events/{}/cancel", a.event_id);
    f.insert(
        ("GET", "/staff/events/{id}/cancel"),
        vec![(cancel.clone(), vec![])],
    );
    f.insert(
        ("POST", "/staff/events/{id}/cancel"),
        vec![(cancel, vec![("reason", "B cancels".to_string())])],
    );
    let staff = format!("/staff/registrations/{}", a.registration_id);
    f.insert(
        ("GET", "/staff/registrations/{id}"),
        vec![(staff.clone(), vec![])],
    );
    f.insert(
        ("POST", "/staff/registrations/{id}/cancel"),
        vec![(
            format!("{staff}/cancel"),
            vec![("refund", "yes".to_string())],
        )],
    );
    f.insert(
        ("POST", "/staff/registrations/{id}/move"),
        vec![(
            format!("{staff}/move"),
            vec![("to_type", a.event_id.clone())],
        )],
    );
}
