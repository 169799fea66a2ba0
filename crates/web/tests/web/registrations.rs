//! Registering through the real router: the form for visitors and signed-in members, refusals
//! re-rendered with what was typed, the registrant's page by its signed link, the member's
//! list, and staff's list (search, status filter, CSV) and their form for someone else.

use axum::http::{StatusCode, header};
use chapterhouse_app::Actor;
use chapterhouse_app::events::{self, EventForm, TypeForm};
use chapterhouse_app::membership::{self, LevelForm, MemberForm};
use chapterhouse_app::registrations::{self as reg, RegisterForm, Registered, Who};
use chapterhouse_core::{EventId, Role};
use chapterhouse_store::Society;

use crate::common::{Client, PASSWORD, TestApp, link_in, path_of};

/// The society (America/Chicago, Join offered) with a member, and its annual meeting: a paid
/// type with a member price, a free student type, a members-only type, a one-seat workshop
/// already taken, and a complimentary faculty type.
struct Meeting {
    t: TestApp,
    society: Society,
    event: EventId,
    physician: String,
    student: String,
    members: String,
    workshop: String,
    faculty: String,
}

fn type_form(name: &str, price: &str) -> TypeForm {
    TypeForm {
        name: name.into(),
        price: price.into(),
        ..TypeForm::new_type()
    }
}

async fn meeting() -> Meeting {
    let t = TestApp::new().await;
    let society = t.society("gsco").await;
    let scoped = t.app.scoped(&society);
    let actor = Actor::default();
    let level = membership::create_level(
        &t.app,
        &scoped,
        &LevelForm {
            name: "Active physician".into(),
            fee: "350".into(),
            period: "1-year".into(),
            grace_days: "30".into(),
            ..Default::default()
        },
        &actor,
    )
    .await
    .unwrap();
    let mut rules = scoped.level_rules(level).await.unwrap().unwrap();
    rules.public_join = true;
    let mut tx = scoped.begin().await.unwrap();
    tx.set_level_rules(level, &rules).await.unwrap();
    tx.commit().await.unwrap();
    t.add_account(&society, "ada@gsco.test", Role::Member).await;
    membership::add_member(
        &t.app,
        &scoped,
        &MemberForm {
            display_name: "Ada Member".into(),
            email: "ada@gsco.test".into(),
            level: level.to_string(),
            joined_on: String::new(),
            paid: Some("on".into()),
        },
        &actor,
    )
    .await
    .unwrap();

    let event = events::create_event(
        &t.app,
        &scoped,
        &EventForm {
            title: "Annual Meeting".into(),
            kind: "meeting".into(),
            starts: "2026-12-05T18:00".into(),
            ends: "2026-12-05T21:00".into(),
            location_name: "Palmer House".into(),
            ..Default::default()
        },
        &actor,
    )
    .await
    .unwrap();
    events::publish_event(&t.app, &scoped, event, &actor)
        .await
        .unwrap();
    let add = |form: TypeForm| {
        let (t, scoped, actor) = (&t, &scoped, &actor);
        async move {
            events::add_type(&t.app, scoped, event, &form, actor)
                .await
                .unwrap()
                .to_string()
        }
    };
    let physician = add(TypeForm {
        member_price: "250".into(),
        ..type_form("Physician", "350")
    })
    .await;
    let student = add(type_form("Student", "0")).await;
    let members = add(TypeForm {
        audience: "members".into(),
        ..type_form("Members' breakfast", "40")
    })
    .await;
    let workshop = add(TypeForm {
        cap: "1".into(),
        ..type_form("Hands-on workshop", "0")
    })
    .await;
    let faculty = add(TypeForm {
        complimentary: true,
        ..type_form("Faculty", "0")
    })
    .await;
    // The workshop's one seat goes to someone else.
    let taken = reg::register(
        &t.app,
        &scoped,
        event,
        &RegisterForm {
            registration_type: workshop.clone(),
            first_name: "Early".into(),
            last_name: "Bird".into(),
            email: "early@example.org".into(),
            ..Default::default()
        },
        Who::Visitor,
        &actor,
    )
    .await
    .unwrap();
    assert!(matches!(taken, Registered::New { .. }));
    Meeting {
        t,
        society,
        event,
        physician,
        student,
        members,
        workshop,
        faculty,
    }
}

fn visitor_fields<'a>(ty: &'a str, first: &'a str, email: &'a str) -> Vec<(&'a str, &'a str)> {
    vec![
        ("type", ty),
        ("first_name", first),
        ("last_name", "Hopper"),
        ("email", email),
        ("profession", ""),
    ]
}

async fn owner(m: &Meeting) -> Client {
    let mut owner = m.t.client("gsco.test");
    owner.sign_in("owner@gsco.test", PASSWORD).await;
    owner
}

#[tokio::test]
async fn the_form_shows_visitors_the_list_price_and_members_their_own() {
    let m = meeting().await;
    let mut visitor = m.t.client("gsco.test");
    let form = visitor.get("/events/annual-meeting/register").await;
    assert_eq!(form.status, StatusCode::OK);
    let body = &form.body;
    assert!(body.contains("Register for Annual Meeting"), "{body}");
    assert!(body.contains("$350.00 ($250.00 for members)"), "{body}");
    assert!(body.contains("Members pay less") && body.contains(r#"href="/join""#));
    assert!(body.contains(r#"name="first_name""#) && body.contains(r#"name="email""#));
    assert!(
        body.contains("Full — join the waitlist"),
        "the full workshop"
    );
    assert!(
        !body.contains("Faculty") && !body.contains("Members&#39; breakfast"),
        "complimentary and members' types are not offered to visitors: {body}"
    );
    assert!(body.contains(r#"name="csrf""#) && body.contains(r#"name="submit_key""#));

    let mut ada = m.t.client("gsco.test");
    ada.sign_in("ada@gsco.test", PASSWORD).await;
    let body = ada.get("/events/annual-meeting/register").await.body;
    assert!(body.contains("$250.00 (member price)"), "{body}");
    assert!(!body.contains("$350.00"), "{body}");
    assert!(!body.contains("Members pay less"));
    assert!(
        !body.contains(r#"name="first_name""#),
        "a signed-in person registers as themselves"
    );
    assert!(body.contains("Members&#39; breakfast") || body.contains("Members' breakfast"));
    // A type chosen by link is the one checked.
    let chosen = ada
        .get(&format!(
            "/events/annual-meeting/register?type={}",
            m.student
        ))
        .await
        .body;
    assert!(chosen.contains(&format!(r#"value="{}" checked"#, m.student)));
}

#[tokio::test]
async fn refusals_come_back_with_the_input_kept_and_the_reason_in_words() {
    let m = meeting().await;
    let mut visitor = m.t.client("gsco.test");
    visitor.get("/events/annual-meeting/register").await;

    // A mistyped email: 422, the names kept, the reason next to the field.
    let bad = visitor
        .post(
            "/events/annual-meeting/register",
            &visitor_fields(&m.student, "Grace", "grace-at-example.org"),
        )
        .await;
    assert_eq!(bad.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(bad.body.contains("Enter an email address"), "{}", bad.body);
    assert!(bad.body.contains(r#"value="Grace""#));
    assert!(bad.body.contains(r#"value="grace-at-example.org""#));
    assert!(
        bad.body
            .contains(&format!(r#"value="{}" checked"#, m.student))
    );

    // A members' type for a visitor: refused, with sign-in and Join offered.
    let members = visitor
        .post(
            "/events/annual-meeting/register",
            &visitor_fields(&m.members, "Grace", "grace@example.org"),
        )
        .await;
    assert_eq!(members.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        members
            .body
            .contains("This registration type is for members"),
        "{}",
        members.body
    );
    assert!(members.body.contains(r#"href="/join""#), "{}", members.body);
    assert!(members.body.contains("/sign-in?next="), "{}", members.body);
    assert!(members.body.contains(r#"value="grace@example.org""#));

    // No type at all.
    let none = visitor
        .post(
            "/events/annual-meeting/register",
            &visitor_fields("", "Grace", "grace@example.org"),
        )
        .await;
    assert_eq!(none.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(none.body.contains("Choose a registration type."));

    // A full type is not refused: the registration joins its waitlist.
    let full = visitor
        .post(
            "/events/annual-meeting/register",
            &visitor_fields(&m.workshop, "Grace", "grace@example.org"),
        )
        .await;
    assert_eq!(full.status, StatusCode::SEE_OTHER, "{}", full.body);
    let page = visitor.get(&full.location()).await.body;
    assert!(page.contains("On the waitlist"), "{page}");
    assert!(page.contains("If a seat comes free we will email you an offer"));
    let regs =
        m.t.app
            .scoped(&m.society)
            .event_registrations(m.event, &Default::default())
            .await
            .unwrap();
    assert_eq!(regs.len(), 2, "the refusals stored nothing");
}

#[tokio::test]
async fn a_visitor_registers_and_the_signed_link_opens_the_page_but_a_tampered_one_does_not() {
    let m = meeting().await;
    let mut visitor = m.t.client("gsco.test");
    visitor.get("/events/annual-meeting/register").await;
    let done = visitor
        .post(
            "/events/annual-meeting/register",
            &visitor_fields(&m.student, "Grace", "grace@example.org"),
        )
        .await;
    assert_eq!(done.status, StatusCode::SEE_OTHER, "{}", done.body);
    let page = done.location();
    assert!(
        page.starts_with("/registrations/") && page.contains("?t="),
        "{page}"
    );
    let shown = visitor.get(&page).await;
    assert_eq!(shown.status, StatusCode::OK);
    assert!(shown.body.contains("Grace Hopper (grace@example.org)"));
    assert!(shown.body.contains("Confirmed") && shown.body.contains("Student, Free"));
    assert!(shown.body.contains("QR code for checking in"));
    assert!(shown.body.contains("Not a member yet?"));

    // The confirmation mail carries the same page's link; another browser opens it.
    // (The first mail went to the workshop's earlier registrant.)
    let mail = m.t.deliver_mail(2).await;
    let grace = mail
        .iter()
        .find(|mail| {
            mail.rcpt_to
                .iter()
                .any(|to| to.contains("grace@example.org"))
        })
        .expect("Grace's confirmation");
    let link = path_of(&link_in(grace, "https://gsco.test/registrations/"));
    let mut phone = m.t.client("gsco.test");
    let opened = phone.get(&link).await;
    assert_eq!(opened.status, StatusCode::OK, "{link}");
    assert!(opened.body.contains("Grace Hopper"));

    // Without the token, or with one changed, it is not found (and names nobody).
    let (path, token) = page.split_once("?t=").unwrap();
    let mut tampered = token.to_string();
    let last = tampered.pop().unwrap();
    tampered.push(if last == 'A' { 'B' } else { 'A' });
    for bad in [
        path.to_string(),
        format!("{path}?t={tampered}"),
        format!("{path}?t=x"),
    ] {
        let refused = phone.get(&bad).await;
        assert_eq!(refused.status, StatusCode::NOT_FOUND, "{bad}");
        assert!(!refused.body.contains("Grace"));
    }
    // A token is bound to its registration: it does not open another one.
    let other =
        m.t.app
            .scoped(&m.society)
            .event_registrations(m.event, &Default::default())
            .await
            .unwrap()
            .into_iter()
            .find(|r| r.first_name == "Early")
            .unwrap();
    assert_eq!(
        phone
            .get(&format!("/registrations/{}?t={token}", other.id))
            .await
            .status,
        StatusCode::NOT_FOUND
    );
}

#[tokio::test]
async fn a_member_registers_at_the_member_price_and_finds_it_in_their_account() {
    let m = meeting().await;
    let mut ada = m.t.client("gsco.test");
    ada.sign_in("ada@gsco.test", PASSWORD).await;
    let empty = ada.get("/account/registrations").await;
    assert_eq!(empty.status, StatusCode::OK);
    assert!(
        empty
            .body
            .contains("You have not registered for any events")
    );

    ada.get("/events/annual-meeting/register").await;
    let done = ada
        .post(
            "/events/annual-meeting/register",
            &[("type", m.physician.as_str())],
        )
        .await;
    assert_eq!(done.status, StatusCode::SEE_OTHER, "{}", done.body);
    let page = ada.get(&done.location()).await.body;
    assert!(page.contains("Physician, $250.00"), "{page}");
    assert!(page.contains("Awaiting payment") && page.contains("Pay now"));
    assert!(!page.contains("Not a member yet?"));

    let list = ada.get("/account/registrations").await.body;
    assert!(list.contains("Annual Meeting") && list.contains("December 5, 2026"));
    assert!(list.contains("Physician") && list.contains("Awaiting payment"));
    // The list links to the page, which opens for its owner without a token.
    let id = done
        .location()
        .trim_start_matches("/registrations/")
        .split('?')
        .next()
        .unwrap()
        .to_string();
    assert!(list.contains(&format!(r#"href="/registrations/{id}""#)));
    assert_eq!(
        ada.get(&format!("/registrations/{id}")).await.status,
        StatusCode::OK
    );
    // Another member's browser does not see it, in the list or by id.
    m.t.add_account(&m.society, "bob@gsco.test", Role::Member)
        .await;
    let mut bob = m.t.client("gsco.test");
    bob.sign_in("bob@gsco.test", PASSWORD).await;
    assert!(
        !bob.get("/account/registrations")
            .await
            .body
            .contains("Annual Meeting")
    );
    assert_eq!(
        bob.get(&format!("/registrations/{id}")).await.status,
        StatusCode::NOT_FOUND
    );
}

#[tokio::test]
async fn staff_search_filter_download_and_register_someone_on_a_complimentary_type() {
    let m = meeting().await;
    let mut visitor = m.t.client("gsco.test");
    visitor.get("/events/annual-meeting/register").await;
    for (ty, first, email) in [
        (&m.student, "Grace", "grace@example.org"),
        (&m.workshop, "Alan", "alan@example.org"),
    ] {
        let done = visitor
            .post(
                "/events/annual-meeting/register",
                &visitor_fields(ty, first, email),
            )
            .await;
        assert_eq!(done.status, StatusCode::SEE_OTHER, "{}", done.body);
    }

    let mut owner = owner(&m).await;
    let base = format!("/staff/events/{}/registrations", m.event);
    let list = owner.get(&base).await;
    assert_eq!(list.status, StatusCode::OK);
    assert!(list.body.contains("3 registrations"), "{}", list.body);
    assert!(list.body.contains("Grace Hopper") && list.body.contains("Alan Hopper"));
    // Each line: email, type, status, seats and price, by last name then first name.
    assert!(
        list.body.contains(
            "<td>grace@example.org</td><td>Student</td><td>Confirmed</td><td>1</td><td>Free</td>"
        ),
        "{}",
        list.body
    );
    assert!(
        list.body.find("Alan Hopper").unwrap() < list.body.find("Grace Hopper").unwrap(),
        "by name"
    );
    // The workshop's row: one confirmed, one waiting, its one seat taken.
    assert!(
        list.body.contains(
            "<td>Hands-on workshop</td><td>1</td><td>0</td><td>0</td><td>1</td><td>1 of 1</td>"
        ),
        "{}",
        list.body
    );

    let found = owner.get(&format!("{base}?q=grace")).await.body;
    assert!(found.contains("1 registration<") && found.contains("Grace Hopper"));
    assert!(!found.contains("Alan Hopper") && !found.contains("Early Bird"));
    let waiting = owner.get(&format!("{base}?status=waitlisted")).await.body;
    assert!(waiting.contains("Alan Hopper") && waiting.contains("On the waitlist"));
    assert!(!waiting.contains("Grace Hopper"));
    assert!(waiting.contains(r#"<option value="waitlisted" selected>"#));

    let csv = owner.get(&format!("{base}.csv")).await;
    assert_eq!(csv.status, StatusCode::OK);
    assert!(
        csv.headers[header::CONTENT_TYPE]
            .to_str()
            .unwrap()
            .starts_with("text/csv")
    );
    assert!(
        csv.headers[header::CONTENT_DISPOSITION]
            .to_str()
            .unwrap()
            .contains("annual-meeting-registrants.csv")
    );
    let lines: Vec<&str> = csv.body.trim_start_matches('\u{feff}').lines().collect();
    assert_eq!(
        lines[0],
        "Last name,First name,Email,Type,Status,Seats,Price,Member price,Registered (UTC),Guests"
    );
    assert_eq!(lines.len(), 4, "{}", csv.body);
    assert!(lines.iter().any(|l| l.starts_with(
        "Hopper,Grace,grace@example.org,Student,Confirmed,1,0.00,no,2026-11-21 15:00,"
    )));
    assert!(
        lines
            .iter()
            .any(|l| l
                .starts_with("Hopper,Alan,alan@example.org,Hands-on workshop,On the waitlist,"))
    );

    // Staff register a speaker on the complimentary type, which the public form never shows.
    let new = owner.get(&format!("{base}/new")).await;
    assert_eq!(new.status, StatusCode::OK);
    assert!(new.body.contains("Register someone for Annual Meeting"));
    assert!(new.body.contains("Faculty (complimentary)"), "{}", new.body);
    assert!(new.body.contains(&format!(r#"action="{base}""#)));
    let bad = owner
        .post(
            &base,
            &[
                ("type", m.faculty.as_str()),
                ("first_name", "Katherine"),
                ("last_name", ""),
                ("email", "kj@example.org"),
            ],
        )
        .await;
    assert_eq!(bad.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(bad.body.contains("Enter the last name") && bad.body.contains("Katherine"));
    let entered = owner
        .post(
            &base,
            &[
                ("type", m.faculty.as_str()),
                ("first_name", "Katherine"),
                ("last_name", "Johnson"),
                ("email", "kj@example.org"),
            ],
        )
        .await;
    assert_eq!(entered.status, StatusCode::SEE_OTHER, "{}", entered.body);
    let page = owner.get(&entered.location()).await.body;
    assert!(page.contains("Katherine Johnson") && page.contains("Faculty, Free"));
    assert!(page.contains("Confirmed"));
    assert!(
        owner
            .get(&format!("{base}?q=kj@"))
            .await
            .body
            .contains("Katherine Johnson")
    );

    // The public cannot use the complimentary type by posting its id.
    let refused = visitor
        .post(
            "/events/annual-meeting/register",
            &visitor_fields(&m.faculty, "Sneaky", "sneaky@example.org"),
        )
        .await;
    assert_eq!(refused.status, StatusCode::UNPROCESSABLE_ENTITY);
    // Members of the public do not reach the staff pages.
    for path in [base.clone(), format!("{base}.csv"), format!("{base}/new")] {
        let status = visitor.get(&path).await.status;
        assert!(
            status == StatusCode::SEE_OTHER || status == StatusCode::FORBIDDEN,
            "{path}: {status}"
        );
    }
}

#[tokio::test]
async fn a_hold_that_lapsed_unpaid_says_its_invoice_was_cancelled_and_links_to_register_again() {
    let m = meeting().await;
    let mut visitor = m.t.client("gsco.test");
    visitor.get("/events/annual-meeting/register").await;
    let done = visitor
        .post(
            "/events/annual-meeting/register",
            &visitor_fields(&m.physician, "Grace", "grace@example.org"),
        )
        .await;
    assert_eq!(done.status, StatusCode::SEE_OTHER, "{}", done.body);
    let page = done.location();
    let held = visitor.get(&page).await;
    assert!(
        held.body.contains("Your seat is held until"),
        "{}",
        held.body
    );
    assert!(!held.body.contains("was cancelled"));

    let id: chapterhouse_core::RegistrationId = page
        .trim_start_matches("/registrations/")
        .split('?')
        .next()
        .unwrap()
        .parse()
        .unwrap();
    let scoped = m.t.app.scoped(&m.society);
    m.t.clock.advance_seconds(24 * 60 * 60);
    assert!(reg::expire_hold(&m.t.app, &scoped, id).await.unwrap());

    let lapsed = visitor.get(&page).await;
    assert_eq!(lapsed.status, StatusCode::OK);
    assert!(
        lapsed
            .body
            .contains("for this registration was cancelled: nothing is owed on it"),
        "{}",
        lapsed.body
    );
    assert!(
        lapsed
            .body
            .contains(r#"<a href="/events/annual-meeting/register">Register again</a>"#)
    );
    assert!(!lapsed.body.contains("Pay now"));
}
