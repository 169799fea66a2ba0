//! Event registration: 200 concurrent registrations for 50 seats, each refusal's reason, member
//! and non-member prices, double submits, holds that expire and offer the seat to the waitlist,
//! offers that lapse to the next person, late payments with and without a free seat, and the
//! confirmation mail's calendar invitation and QR code. SQLite by default, PostgreSQL when
//! `CHAPTERHOUSE_TEST_DATABASE_URL` is set.

mod common;

use std::sync::Arc;

use chapterhouse_app::accounts::{self, CurrentUser, NewAccountInput};
use chapterhouse_app::events::{
    EventForm, QuestionForm, TypeForm, add_question, add_type, create_event, publish_event,
};
use chapterhouse_app::membership::{self as m, LevelForm, MemberForm};
use chapterhouse_app::payments::{self as p, SettingsForm};
use chapterhouse_app::registrations::{self as r, RegisterForm, Registered, Who};
use chapterhouse_app::{Actor, App, AppError, LinkSettings};
use chapterhouse_core::billing::InvoiceState;
use chapterhouse_core::money::Cents;
use chapterhouse_core::registration::{OfferState, RegStatus};
use chapterhouse_core::signing::Signer;
use chapterhouse_core::time::FixedClock;
use chapterhouse_core::{EventId, RegistrationId, RegistrationTypeId, Role};
use chapterhouse_mail::{Mailer, SmtpConfig, SmtpTls};
use chapterhouse_store::{Scoped, Store};
use chapterhouse_testkit::{PayWith, SmtpSink, StripeStandin};
use common::{Fixture, fixture, outbox_texts, run_jobs, set_clock, society};

const SECRET_KEY: &str = "sk_test_51ChapterhouseSecretKey4242";
const WEBHOOK_SECRET: &str = "whsec_ChapterhouseWebhookSecret9876";

fn staff() -> Actor {
    Actor::anonymous("203.0.113.9")
}

/// A published meeting on 5 December 2026 with `capacity` seats and one type.
async fn meeting(
    f: &Fixture,
    scoped: &Scoped,
    title: &str,
    capacity: &str,
    ty: TypeForm,
) -> (EventId, RegistrationTypeId) {
    let event = create_event(
        &f.app,
        scoped,
        &EventForm {
            title: title.into(),
            kind: "meeting".into(),
            starts: "2026-12-05T08:00".into(),
            ends: "2026-12-05T17:00".into(),
            location_name: "Hynes Convention Center".into(),
            capacity: capacity.into(),
            ..Default::default()
        },
        &staff(),
    )
    .await
    .unwrap();
    let ty = add_type(&f.app, scoped, event, &ty, &staff())
        .await
        .unwrap();
    publish_event(&f.app, scoped, event, &staff())
        .await
        .unwrap();
    (event, ty)
}

fn priced(name: &str, price: &str, member_price: &str) -> TypeForm {
    TypeForm {
        name: name.into(),
        price: price.into(),
        member_price: member_price.into(),
        ..TypeForm::new_type()
    }
}

fn visitor_form(ty: RegistrationTypeId, first: &str, email: &str) -> RegisterForm {
    RegisterForm {
        registration_type: ty.to_string(),
        first_name: first.into(),
        last_name: "Tester".into(),
        email: email.into(),
        profession: "physician".into(),
        submit_key: r::new_submit_key(),
        ..Default::default()
    }
}

async fn visit(
    f: &Fixture,
    scoped: &Scoped,
    event: EventId,
    form: &RegisterForm,
) -> Result<Registered, AppError> {
    r::register(&f.app, scoped, event, form, Who::Visitor, &staff()).await
}

fn new_id(outcome: &Registered) -> (RegistrationId, RegStatus) {
    match outcome {
        Registered::New { id, status, .. } => (*id, *status),
        other => panic!("expected a new registration, got {other:?}"),
    }
}

async fn status(scoped: &Scoped, id: RegistrationId) -> String {
    scoped.registration(id).await.unwrap().unwrap().status
}

async fn counters(scoped: &Scoped, event: EventId, ty: RegistrationTypeId) -> (i64, i64, i64) {
    let e = scoped.event(event).await.unwrap().unwrap();
    let t = scoped.registration_type(event, ty).await.unwrap().unwrap();
    (e.taken, t.taken, scoped.seats_held(event).await.unwrap())
}

fn refusal(result: Result<Registered, AppError>, field: &str) -> String {
    match result {
        Err(AppError::Invalid(errors)) => errors
            .get(field)
            .unwrap_or_else(|| panic!("no message for {field}: {errors}"))
            .to_string(),
        other => panic!("expected a refusal on {field}, got {other:?}"),
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn two_hundred_at_once_for_fifty_seats_confirm_fifty_and_waitlist_the_rest() {
    let f = fixture().await;
    let s = society(&f, "alpha").await;
    let scoped = f.app.scoped(&s);
    let (event, ty) = meeting(
        &f,
        &scoped,
        "Tumor Board Summit",
        "50",
        priced("General", "0", ""),
    )
    .await;
    let app = Arc::new(f.app.clone());
    let mut tasks = Vec::new();
    for i in 0..200 {
        let app = app.clone();
        let scoped = scoped.clone();
        tasks.push(tokio::spawn(async move {
            let form = visitor_form(ty, &format!("P{i}"), &format!("p{i}@example.org"));
            let actor = Actor::anonymous(format!("10.0.{}.{}", i / 200, i % 200));
            r::register(&app, &scoped, event, &form, Who::Visitor, &actor).await
        }));
    }
    let mut confirmed = 0;
    let mut waitlisted = 0;
    for t in tasks {
        match t.await.unwrap().unwrap() {
            Registered::New {
                status: RegStatus::Confirmed,
                ..
            } => confirmed += 1,
            Registered::New {
                status: RegStatus::Waitlisted,
                ..
            } => waitlisted += 1,
            other => panic!("unexpected {other:?}"),
        }
    }
    assert_eq!((confirmed, waitlisted), (50, 150));
    assert_eq!(counters(&scoped, event, ty).await, (50, 50, 50));
    let all = scoped
        .event_registrations(event, &Default::default())
        .await
        .unwrap();
    assert_eq!(all.len(), 200);
    assert_eq!(all.iter().filter(|r| r.status == "confirmed").count(), 50);
    assert_eq!(all.iter().filter(|r| r.status == "waitlisted").count(), 150);
}

#[tokio::test]
async fn each_refusal_says_why() {
    let f = fixture().await;
    let s = society(&f, "alpha").await;
    let scoped = f.app.scoped(&s);
    let (event, open) = meeting(
        &f,
        &scoped,
        "Fall Symposium",
        "",
        priced("General", "0", ""),
    )
    .await;
    let add = |t: TypeForm| {
        let f = &f;
        let scoped = &scoped;
        async move { add_type(&f.app, scoped, event, &t, &staff()).await.unwrap() }
    };
    let members = add(TypeForm {
        audience: "members".into(),
        ..priced("Members", "0", "")
    })
    .await;
    let later = add(TypeForm {
        opens: "2026-11-28T09:00".into(),
        ..priced("Late", "0", "")
    })
    .await;
    let closed = add(TypeForm {
        closes: "2026-11-20T09:00".into(),
        ..priced("Early bird", "0", "")
    })
    .await;
    let coded = add(TypeForm {
        access_code: "Faculty27".into(),
        ..priced("Coded", "0", "")
    })
    .await;
    let faculty = add(TypeForm {
        complimentary: true,
        ..priced("Faculty", "0", "")
    })
    .await;
    let guests = add(TypeForm {
        guests: "count".into(),
        max_guests: "1".into(),
        ..priced("With a guest", "0", "")
    })
    .await;
    add_question(
        &f.app,
        &scoped,
        event,
        &QuestionForm {
            label: "Dietary needs".into(),
            kind: "choice".into(),
            choices: "None\nVegetarian".into(),
            required: Some("on".into()),
            registration_type: guests.to_string(),
        },
        &staff(),
    )
    .await
    .unwrap();
    let form = |ty, n: &str| visitor_form(ty, n, &format!("{n}@example.org"));

    assert!(
        refusal(visit(&f, &scoped, event, &form(members, "a")).await, "type")
            .contains("for members")
    );
    assert!(
        refusal(visit(&f, &scoped, event, &form(later, "b")).await, "type")
            .starts_with("Registration for this type opens on")
    );
    assert_eq!(
        refusal(visit(&f, &scoped, event, &form(closed, "c")).await, "type"),
        "Registration for this type has closed."
    );
    assert_eq!(
        refusal(
            visit(&f, &scoped, event, &form(coded, "d")).await,
            "access_code"
        ),
        "Enter the access code you were given."
    );
    let mut lower = form(coded, "d");
    lower.access_code = "faculty27".into();
    assert!(matches!(
        visit(&f, &scoped, event, &lower).await.unwrap(),
        Registered::New { .. }
    ));
    assert_eq!(
        refusal(visit(&f, &scoped, event, &form(faculty, "e")).await, "type"),
        "Choose one of the registration types offered."
    );
    let mut two = form(guests, "g");
    two.guest_count = "2".into();
    assert_eq!(
        refusal(visit(&f, &scoped, event, &two).await, "guest_count"),
        "Enter a number of guests from 0 to 1."
    );
    let question = scoped.registration_questions(event).await.unwrap()[0].id;
    assert_eq!(
        refusal(
            visit(&f, &scoped, event, &two).await,
            &format!("q_{question}")
        ),
        "Choose an answer to \"Dietary needs\"."
    );
    let mut nameless = form(open, "h");
    nameless.first_name.clear();
    nameless.email = "not an email".into();
    let errors = match visit(&f, &scoped, event, &nameless).await {
        Err(AppError::Invalid(e)) => e,
        other => panic!("{other:?}"),
    };
    assert!(errors.get("first_name").is_some() && errors.get("email").is_some());
    // Nothing refused was written.
    assert_eq!(
        scoped
            .event_registrations(event, &Default::default())
            .await
            .unwrap()
            .len(),
        1
    );

    // Staff may use the complimentary type (without a code, too).
    let staff_user = staff_member(&f, &scoped).await;
    let outcome = r::register(
        &f.app,
        &scoped,
        event,
        &form(faculty, "prof"),
        Who::Staff(&staff_user),
        &staff(),
    )
    .await
    .unwrap();
    assert_eq!(new_id(&outcome).1, RegStatus::Confirmed);

    // Once the meeting has started, registration is closed.
    set_clock(&f, "2026-12-05T14:00:00Z");
    assert!(
        refusal(visit(&f, &scoped, event, &form(open, "i")).await, "type")
            .contains("already started")
    );
}

async fn staff_member(f: &Fixture, scoped: &Scoped) -> CurrentUser {
    accounts::create_account(
        &f.app,
        scoped,
        NewAccountInput {
            email: "sam@alpha.test".into(),
            display_name: "Sam Staff".into(),
            role: Role::Staff,
            is_operator: false,
            password: Some("staff password 1".into()),
        },
        &Actor::default(),
    )
    .await
    .unwrap();
    signed_in(f, scoped, "sam@alpha.test", "staff password 1").await
}

async fn signed_in(f: &Fixture, scoped: &Scoped, email: &str, password: &str) -> CurrentUser {
    let signed =
        accounts::sign_in_with_password(&f.app, scoped, email, password, &Actor::default())
            .await
            .unwrap();
    accounts::current_user(&f.app, scoped, &signed.session_token)
        .await
        .unwrap()
        .unwrap()
}

/// Ada, an active member with an account.
async fn member(f: &Fixture, scoped: &Scoped) -> CurrentUser {
    accounts::create_account(
        &f.app,
        scoped,
        NewAccountInput {
            email: "ada@alpha.test".into(),
            display_name: "Ada Oncologist".into(),
            role: Role::Member,
            is_operator: false,
            password: Some("member password 1".into()),
        },
        &Actor::default(),
    )
    .await
    .unwrap();
    let level = m::create_level(
        &f.app,
        scoped,
        &LevelForm {
            name: "Active physician".into(),
            fee: "400".into(),
            period: "1-year".into(),
            fixed_day: "01-01".into(),
            grace_days: "30".into(),
            ..Default::default()
        },
        &Actor::default(),
    )
    .await
    .unwrap();
    m::add_member(
        &f.app,
        scoped,
        &MemberForm {
            display_name: "Ada Oncologist".into(),
            email: "ada@alpha.test".into(),
            level: level.to_string(),
            joined_on: String::new(),
            paid: Some("on".into()),
        },
        &Actor::default(),
    )
    .await
    .unwrap();
    signed_in(f, scoped, "ada@alpha.test", "member password 1").await
}

#[tokio::test]
async fn members_pay_the_member_price_and_a_double_submit_registers_once() {
    let f = fixture().await;
    let s = society(&f, "alpha").await;
    let scoped = f.app.scoped(&s);
    let (event, ty) = meeting(
        &f,
        &scoped,
        "Annual Meeting",
        "",
        priced("Physician", "350", "250"),
    )
    .await;
    let ada = member(&f, &scoped).await;
    let form = RegisterForm {
        registration_type: ty.to_string(),
        submit_key: r::new_submit_key(),
        ..Default::default()
    };
    let first = r::register(&f.app, &scoped, event, &form, Who::SignedIn(&ada), &staff())
        .await
        .unwrap();
    let (id, st) = new_id(&first);
    assert_eq!(st, RegStatus::Held);
    let reg = scoped.registration(id).await.unwrap().unwrap();
    assert_eq!((reg.price_cents, reg.member_price), (25_000, true));
    assert_eq!(reg.email, "ada@alpha.test");
    let invoice = scoped
        .invoice(reg.invoice().unwrap())
        .await
        .unwrap()
        .unwrap();
    assert_eq!(invoice.amounts.total.0, 25_000);
    assert_eq!(invoice.purpose, "registration");
    // The same form again, and a fresh form: both find the first registration.
    let again = r::register(&f.app, &scoped, event, &form, Who::SignedIn(&ada), &staff())
        .await
        .unwrap();
    assert!(matches!(again, Registered::Existing { id: same, page: Some(_) } if same == id));
    let fresh = RegisterForm {
        submit_key: r::new_submit_key(),
        ..form.clone()
    };
    let again = r::register(
        &f.app,
        &scoped,
        event,
        &fresh,
        Who::SignedIn(&ada),
        &staff(),
    )
    .await
    .unwrap();
    assert!(matches!(again, Registered::Existing { id: same, .. } if same == id));
    assert_eq!(counters(&scoped, event, ty).await, (1, 1, 1));

    // A visitor pays the full price; their second try is answered without showing anything.
    let bo = visitor_form(ty, "Bo", "bo@example.org");
    let (bo_id, _) = new_id(&visit(&f, &scoped, event, &bo).await.unwrap());
    let bo_reg = scoped.registration(bo_id).await.unwrap().unwrap();
    assert_eq!((bo_reg.price_cents, bo_reg.member_price), (35_000, false));
    let twice = visit(&f, &scoped, event, &bo).await.unwrap();
    assert!(matches!(twice, Registered::Existing { page: None, .. }));
    let again = visit(
        &f,
        &scoped,
        event,
        &RegisterForm {
            submit_key: r::new_submit_key(),
            ..bo
        },
    )
    .await
    .unwrap();
    assert!(matches!(again, Registered::Existing { page: None, .. }));
    assert_eq!(
        scoped
            .event_registrations(event, &Default::default())
            .await
            .unwrap()
            .len(),
        2
    );
    run_jobs(&f).await;
    assert!(
        outbox_texts(&f)
            .iter()
            .any(|m| m.contains("bo@example.org") && m.contains("tried to register this address")),
        "the visitor's address is told, not the person at the keyboard"
    );
}

#[tokio::test]
async fn an_expired_hold_frees_the_seat_for_the_waitlist_and_a_lapsed_offer_moves_on() {
    let f = fixture().await;
    let s = society(&f, "alpha").await;
    let scoped = f.app.scoped(&s);
    let (event, ty) = meeting(
        &f,
        &scoped,
        "Small Workshop",
        "1",
        priced("Seat", "100", ""),
    )
    .await;
    let (a, st) = new_id(
        &visit(
            &f,
            &scoped,
            event,
            &visitor_form(ty, "Ann", "ann@example.org"),
        )
        .await
        .unwrap(),
    );
    assert_eq!(st, RegStatus::Held);
    let (b, st) = new_id(
        &visit(
            &f,
            &scoped,
            event,
            &visitor_form(ty, "Ben", "ben@example.org"),
        )
        .await
        .unwrap(),
    );
    assert_eq!(st, RegStatus::Waitlisted);
    let (c, _) = new_id(
        &visit(
            &f,
            &scoped,
            event,
            &visitor_form(ty, "Cy", "cy@example.org"),
        )
        .await
        .unwrap(),
    );
    run_jobs(&f).await;
    assert_eq!(status(&scoped, a).await, "held");

    // 31 minutes later the hold has lapsed: Ann's seat goes to Ben as an offer.
    set_clock(&f, "2026-11-21T15:31:00Z");
    run_jobs(&f).await;
    assert_eq!(status(&scoped, a).await, "expired");
    assert_eq!(status(&scoped, b).await, "offered");
    assert_eq!(status(&scoped, c).await, "waitlisted");
    assert_eq!(counters(&scoped, event, ty).await, (1, 1, 1));
    let mail = outbox_texts(&f);
    assert!(
        mail.iter()
            .any(|m| m.contains("ann@example.org") && m.contains("Your seat hold"))
    );
    let offer = mail
        .iter()
        .find(|m| m.contains("ben@example.org") && m.contains("A seat is free"))
        .unwrap();
    assert!(offer.contains("/registrations/"));

    // Ben lets it lapse (48 hours): the seat goes to Cy.
    set_clock(&f, "2026-11-23T15:32:00Z");
    run_jobs(&f).await;
    assert_eq!(status(&scoped, b).await, "expired");
    assert_eq!(status(&scoped, c).await, "offered");
    assert_eq!(counters(&scoped, event, ty).await, (1, 1, 1));
    let reg_b = scoped.registration(b).await.unwrap().unwrap();
    let token_b = r::offer_path(&f.app, &scoped, &reg_b);
    let token_b = token_b.split("t=").nth(1).unwrap();
    assert_eq!(
        r::accept_offer(&f.app, &scoped, b, token_b, &staff())
            .await
            .unwrap(),
        Err(OfferState::Lapsed)
    );

    // Cy accepts: a paid seat is held for payment with an invoice.
    let reg_c = scoped.registration(c).await.unwrap().unwrap();
    let link = r::offer_path(&f.app, &scoped, &reg_c);
    let token = link.split("t=").nth(1).unwrap();
    assert!(
        r::accept_offer(&f.app, &scoped, c, "forged", &staff())
            .await
            .is_err()
    );
    assert!(
        r::accept_offer(&f.app, &scoped, c, token, &staff())
            .await
            .unwrap()
            .is_ok()
    );
    let reg_c = scoped.registration(c).await.unwrap().unwrap();
    assert_eq!(reg_c.status, "held");
    assert!(reg_c.invoice().is_some());
    assert_eq!(
        r::accept_offer(&f.app, &scoped, c, token, &staff())
            .await
            .unwrap(),
        Err(OfferState::Used)
    );
    assert_eq!(counters(&scoped, event, ty).await, (1, 1, 1));

    // Cy never pays: the hold lapses, the seat is free again and nothing is owed on the invoice.
    let invoice_c = reg_c.invoice().unwrap();
    set_clock(&f, "2026-11-23T16:05:00Z");
    run_jobs(&f).await;
    assert_eq!(status(&scoped, c).await, "expired");
    assert_eq!(counters(&scoped, event, ty).await, (0, 0, 0));
    let void_c = scoped.invoice(invoice_c).await.unwrap().unwrap();
    assert_eq!(void_c.amounts.state(), InvoiceState::Void);
    assert_eq!(void_c.amounts.balance(), Cents::ZERO);
}

/// An offer that lapses while its registration carries an unpaid invoice (one issued for an
/// earlier hold) leaves nothing owed: the offer-expiry job voids the invoice in the transaction
/// that frees the seats, as the hold-expiry job does.
#[tokio::test]
async fn a_lapsed_offer_voids_the_invoice_it_carried() {
    let f = fixture().await;
    let s = society(&f, "alpha").await;
    let scoped = f.app.scoped(&s);
    let (event, ty) = meeting(
        &f,
        &scoped,
        "Small Workshop",
        "1",
        priced("Seat", "100", ""),
    )
    .await;
    let (a, st) = new_id(
        &visit(
            &f,
            &scoped,
            event,
            &visitor_form(ty, "Ann", "ann@example.org"),
        )
        .await
        .unwrap(),
    );
    assert_eq!(st, RegStatus::Held);
    let invoice = scoped
        .registration(a)
        .await
        .unwrap()
        .unwrap()
        .invoice()
        .unwrap();
    // Ann's held seat is turned into a 48-hour offer (her invoice stays with it).
    let offer_ends =
        chapterhouse_core::Timestamp::from_jiff("2026-11-23T15:00:00Z".parse().unwrap());
    let now = f.app.now();
    let mut tx = scoped.begin().await.unwrap();
    assert!(
        tx.move_registration(a, "held", "offered", None, Some(offer_ends), now)
            .await
            .unwrap()
    );
    tx.enqueue(
        &chapterhouse_store::NewJob {
            kind: r::OFFER_EXPIRY,
            payload: serde_json::json!({ "registration": a }).to_string(),
            run_at: offer_ends,
            dedup_key: None,
            max_attempts: 3,
        },
        now,
    )
    .await
    .unwrap();
    tx.commit().await.unwrap();
    assert_eq!(
        scoped
            .invoice(invoice)
            .await
            .unwrap()
            .unwrap()
            .amounts
            .balance(),
        Cents(10_000)
    );

    // She lets it lapse: the seat is free and nothing is owed.
    set_clock(&f, "2026-11-23T15:01:00Z");
    run_jobs(&f).await;
    assert_eq!(status(&scoped, a).await, "expired");
    assert_eq!(counters(&scoped, event, ty).await, (0, 0, 0));
    let void = scoped.invoice(invoice).await.unwrap().unwrap();
    assert_eq!(void.amounts.state(), InvoiceState::Void);
    assert_eq!(void.amounts.balance(), Cents::ZERO);
    let voided = void.void.as_ref().unwrap();
    assert_eq!(voided.by, "the offer-expiry job");
    assert!(voided.reason.contains("offer was not accepted"));
}

struct Paying {
    f: Fixture,
    stripe: StripeStandin,
    scoped: Scoped,
}

async fn paying() -> Paying {
    let f = fixture().await;
    let stripe = StripeStandin::start(SECRET_KEY, WEBHOOK_SECRET, f.clock.clone())
        .await
        .unwrap();
    let s = society(&f, "alpha").await;
    let scoped = f.app.scoped(&s);
    let owner = signed_in(&f, &scoped, "owner@alpha.test", common::OWNER_PASSWORD).await;
    p::save_settings(
        &f.app,
        &scoped,
        &owner,
        &SettingsForm {
            publishable_key: "pk_test_51ChapterhousePublishable".into(),
            secret_key: SECRET_KEY.into(),
            webhook_secret: WEBHOOK_SECRET.into(),
        },
        Some(stripe.base_url()),
        &Actor::default(),
    )
    .await
    .unwrap();
    Paying { f, stripe, scoped }
}

async fn deliver(p: &Paying) {
    for event in p.stripe.take_undelivered() {
        p::handle_webhook(
            &p.f.app,
            p.scoped.society(),
            &event.signature,
            event.body.as_bytes(),
        )
        .await
        .unwrap();
    }
}

fn session_of(url: &str) -> String {
    url.rsplit('/').next().unwrap().to_string()
}

#[tokio::test]
async fn paying_confirms_and_a_late_payment_takes_a_free_seat_or_is_refunded() {
    let pay = paying().await;
    let (f, scoped) = (&pay.f, &pay.scoped);
    let (event, ty) = meeting(f, scoped, "Annual Meeting", "1", priced("Seat", "200", "")).await;

    // On time: paid, confirmed in the payment's transaction.
    let outcome = visit(
        f,
        scoped,
        event,
        &visitor_form(ty, "Ann", "ann@example.org"),
    )
    .await
    .unwrap();
    let Registered::New {
        id: a,
        checkout_url: Some(url),
        ..
    } = outcome
    else {
        panic!("{outcome:?}")
    };
    // The hosted page closes with the 30-minute hold (Stripe's shortest window is 30 minutes
    // from its creation, so a minute more).
    let session = pay.stripe.session(&session_of(&url)).unwrap();
    assert_eq!(
        session["expires_at"].as_i64().unwrap() - session["created"].as_i64().unwrap(),
        31 * 60
    );
    pay.stripe
        .complete_session(&session_of(&url), PayWith::Card)
        .await
        .unwrap();
    deliver(&pay).await;
    assert_eq!(status(scoped, a).await, "confirmed");
    assert_eq!(counters(scoped, event, ty).await, (1, 1, 1));

    // Late with a seat still free: the payment takes it.
    let (event2, ty2) = meeting(f, scoped, "Second Meeting", "1", priced("Seat", "200", "")).await;
    let Registered::New {
        id: b,
        checkout_url: Some(url_b),
        ..
    } = visit(
        f,
        scoped,
        event2,
        &visitor_form(ty2, "Ben", "ben@example.org"),
    )
    .await
    .unwrap()
    else {
        panic!()
    };
    f.clock.advance_seconds(31 * 60);
    run_jobs(f).await;
    assert_eq!(status(scoped, b).await, "expired");
    assert_eq!(counters(scoped, event2, ty2).await, (0, 0, 0));
    // The lapsed hold's invoice is void: nothing owed, left out of the bookkeeper's export.
    let invoice_b = scoped
        .registration(b)
        .await
        .unwrap()
        .unwrap()
        .invoice()
        .unwrap();
    let void_b = scoped.invoice(invoice_b).await.unwrap().unwrap();
    assert_eq!(void_b.amounts.state(), InvoiceState::Void);
    assert_eq!(void_b.amounts.balance(), Cents::ZERO);
    let voided = void_b.void.as_ref().unwrap();
    assert_eq!(voided.by, "the hold-expiry job");
    assert!(voided.reason.contains("hold expired"));
    let today = void_b.issued_on;
    let export = chapterhouse_app::billing::export::invoices_csv(scoped, today, today)
        .await
        .unwrap();
    assert!(!export.contains(&void_b.display_number()), "{export}");
    pay.stripe
        .complete_session(&session_of(&url_b), PayWith::Card)
        .await
        .unwrap();
    deliver(&pay).await;
    assert_eq!(status(scoped, b).await, "confirmed");
    assert_eq!(counters(scoped, event2, ty2).await, (1, 1, 1));
    // The seat taken, the void is lifted: the invoice is simply paid, and exported again.
    let paid_b = scoped.invoice(invoice_b).await.unwrap().unwrap();
    assert_eq!(paid_b.amounts.state(), InvoiceState::Paid);
    assert!(paid_b.void.is_none());
    let export = chapterhouse_app::billing::export::invoices_csv(scoped, today, today)
        .await
        .unwrap();
    assert!(export.contains(&paid_b.display_number()));

    // Late with no seat: refunded in full, and told.
    let (event3, ty3) = meeting(f, scoped, "Third Meeting", "1", priced("Seat", "200", "")).await;
    let Registered::New {
        id: c,
        checkout_url: Some(url_c),
        ..
    } = visit(
        f,
        scoped,
        event3,
        &visitor_form(ty3, "Cy", "cy@example.org"),
    )
    .await
    .unwrap()
    else {
        panic!()
    };
    let (d, _) = new_id(
        &visit(
            f,
            scoped,
            event3,
            &visitor_form(ty3, "Di", "di@example.org"),
        )
        .await
        .unwrap(),
    );
    f.clock.advance_seconds(31 * 60);
    run_jobs(f).await;
    assert_eq!(status(scoped, c).await, "expired");
    assert_eq!(status(scoped, d).await, "offered");
    pay.stripe
        .complete_session(&session_of(&url_c), PayWith::Card)
        .await
        .unwrap();
    deliver(&pay).await;
    // Redelivery changes nothing.
    deliver(&pay).await;
    assert_eq!(status(scoped, c).await, "expired");
    assert_eq!(counters(scoped, event3, ty3).await, (1, 1, 1));
    let reg_c = scoped.registration(c).await.unwrap().unwrap();
    let detail = scoped
        .invoice_detail(reg_c.invoice().unwrap())
        .await
        .unwrap()
        .unwrap();
    assert_eq!(detail.payments.len(), 1);
    assert_eq!(detail.refunds.len(), 1);
    assert_eq!(detail.refunds[0].amount.0, 20_000);
    // Refunded, the invoice stays void with the payment and refund on record: nothing owed.
    assert_eq!(detail.invoice.amounts.state(), InvoiceState::Void);
    assert_eq!(detail.invoice.amounts.balance(), Cents::ZERO);
    // The money went back through the card processor, once despite the redelivery.
    let refunds = pay.stripe.refunds();
    assert_eq!(refunds.len(), 1, "{refunds:?}");
    assert_eq!(refunds[0]["amount"].as_i64(), Some(20_000));
    run_jobs(f).await;
    assert!(
        outbox_texts(f)
            .iter()
            .any(|m| m.contains("cy@example.org") && m.contains("is being refunded"))
    );
    // Her receipt says the payment is refunded and nothing is owed, not that it paid in full.
    let mail = outbox_texts(f);
    let receipt = mail
        .iter()
        .find(|m| m.contains("cy@example.org") && m.contains("Receipt for your payment"))
        .expect("a receipt for Cy");
    let receipt = unfold(receipt);
    assert!(!receipt.contains("paid in full"), "{receipt}");
    for words in [
        "$200.00, is refunded in full (refund issued November 21, 2026)",
        "your registration was not kept",
        "No balance is due",
    ] {
        assert!(receipt.contains(words), "{words:?} in {receipt}");
    }
    let pdf = pdf_text(&chapterhouse_app::billing::pdf::receipt_pdf(
        scoped.society(),
        &detail.payments[0],
        &detail.invoice,
        &detail.refunds,
    ));
    for words in [
        "Refunded $200.00 on November 21, 2026",
        "This payment was refunded in full ($200.00 on November 21, 2026)",
        "no seat was free",
        "Nothing is owed on it",
        "Balance due $0.00",
    ] {
        assert!(pdf.contains(words), "{words:?} in {pdf}");
    }
    assert!(!pdf.contains("acknowledges this payment"), "{pdf}");
}

/// A stored message's text with quoted-printable soft line breaks and encoded characters joined
/// back, and runs of whitespace as one space.
fn unfold(raw: &str) -> String {
    raw.replace("=\r\n", "")
        .replace("=\n", "")
        .replace("=E2=80=99", "\u{2019}")
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
}

fn pdf_text(bytes: &[u8]) -> String {
    assert!(bytes.starts_with(b"%PDF-"), "a PDF");
    let doc = lopdf::Document::load_mem(bytes).expect("a readable PDF");
    let pages: Vec<u32> = doc.get_pages().keys().copied().collect();
    let text = doc.extract_text(&pages).expect("text extracts");
    text.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// Find an attachment's bytes in a raw MIME message by its filename.
fn attachment(raw: &str, filename: &str) -> Vec<u8> {
    use base64::Engine;
    let at = raw
        .find(&format!("filename=\"{filename}\""))
        .unwrap_or_else(|| panic!("no {filename} in\n{raw}"));
    let head_start = raw[..at].rfind("\r\n--").unwrap();
    let part = &raw[head_start..];
    let body_start = part.find("\r\n\r\n").unwrap() + 4;
    let headers = part[..body_start].to_ascii_lowercase();
    let body_end = part[body_start..].find("\r\n--").unwrap() + body_start;
    let body = &part[body_start..body_end];
    if headers.contains("base64") {
        base64::engine::general_purpose::STANDARD
            .decode(body.replace("\r\n", ""))
            .unwrap()
    } else if headers.contains("quoted-printable") {
        let joined = body.replace("=\r\n", "");
        let mut out = Vec::new();
        let bytes = joined.as_bytes();
        let mut i = 0;
        while i < bytes.len() {
            if bytes[i] == b'=' && i + 2 < bytes.len() {
                out.push(u8::from_str_radix(&joined[i + 1..i + 3], 16).unwrap());
                i += 3;
            } else {
                out.push(bytes[i]);
                i += 1;
            }
        }
        out
    } else {
        body.as_bytes().to_vec()
    }
}

#[tokio::test]
async fn the_confirmation_mail_carries_a_calendar_invitation_and_a_qr_code_that_checks_in() {
    let db = chapterhouse_testkit::test_db().await;
    let sink = SmtpSink::start().await.unwrap();
    let clock = FixedClock::at_rfc3339("2026-11-21T15:00:00Z");
    let app = App {
        store: Store::new(db.db.clone()),
        clock: clock.clone(),
        signer: Arc::new(Signer::new(b"use-case test key")),
        secrets: chapterhouse_app::secrets::SecretBox::from_deployment_secret(b"use-case test key"),
        mailer: Mailer::smtp(&SmtpConfig {
            host: "127.0.0.1".into(),
            port: sink.port(),
            username: None,
            password: None,
            tls: SmtpTls::None,
            dkim: None,
            timeout_secs: 5,
        })
        .unwrap(),
        links: LinkSettings {
            scheme: "https".into(),
            port_suffix: String::new(),
        },
    };
    let f = Fixture {
        app,
        clock,
        outbox: tempfile::tempdir().unwrap(),
        db,
    };
    let s = society(&f, "alpha").await;
    let scoped = f.app.scoped(&s);
    let (event, ty) = meeting(
        &f,
        &scoped,
        "Tumor Board Dinner",
        "",
        priced("Dinner", "0", ""),
    )
    .await;
    let (id, st) = new_id(
        &visit(
            &f,
            &scoped,
            event,
            &visitor_form(ty, "Ann", "ann@example.org"),
        )
        .await
        .unwrap(),
    );
    assert_eq!(st, RegStatus::Confirmed);
    run_jobs(&f).await;
    let mail = sink
        .received()
        .into_iter()
        .find(|m| m.subject().contains("You're registered"))
        .expect("a confirmation");
    assert_eq!(mail.rcpt_to, ["ann@example.org"]);
    assert!(
        mail.body_text().contains("/join"),
        "non-members are offered membership"
    );

    let ics = String::from_utf8(attachment(&mail.data, "invite.ics")).unwrap();
    let mut parser = ical::IcalParser::new(ics.as_bytes());
    let cal = parser.next().unwrap().unwrap();
    let prop = |name: &str| {
        cal.properties
            .iter()
            .find(|p| p.name == name)
            .and_then(|p| p.value.clone())
    };
    assert_eq!(prop("METHOD").as_deref(), Some("REQUEST"));
    let ev = &cal.events[0];
    let eprop = |name: &str| {
        ev.properties
            .iter()
            .find(|p| p.name == name)
            .cloned()
            .unwrap()
    };
    assert_eq!(
        eprop("SUMMARY").value.as_deref(),
        Some("Tumor Board Dinner")
    );
    assert_eq!(eprop("DTSTART").value.as_deref(), Some("20261205T080000"));
    assert!(eprop("ATTENDEE").value.unwrap().contains("ann@example.org"));

    let png = attachment(&mail.data, "checkin-qr.png");
    let img = image::load_from_memory(&png).unwrap().to_luma8();
    let mut prepared = rqrr::PreparedImage::prepare(img);
    let grids = prepared.detect_grids();
    assert_eq!(grids.len(), 1);
    let (_, text) = grids[0].decode().unwrap();
    assert!(text.starts_with("https://alpha.test/checkin/"), "{text}");
    assert_eq!(r::verify_checkin_link(&f.app, &scoped, &text), Some(id));
    // A tampered link, or one from another society, does not verify.
    let tampered = format!("{}x", &text[..text.len() - 1]);
    assert_eq!(r::verify_checkin_link(&f.app, &scoped, &tampered), None);
    let other = f.app.scoped(&society(&f, "beta").await);
    assert_eq!(r::verify_checkin_link(&f.app, &other, &text), None);
}
