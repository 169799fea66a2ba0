//! Cancellations and event changes: a registrant cancelling within and after the deadline under
//! each policy (refunds through the Stripe stand-in, credits, nothing back), the freed seat
//! offered to the next on the waitlist, the `METHOD:CANCEL` calendar file, a change of time
//! mailed with an updated invitation, an event cancelled with everyone refunded once even when
//! its job runs twice, and staff cancelling or moving one registration. SQLite by default,
//! PostgreSQL when `CHAPTERHOUSE_TEST_DATABASE_URL` is set.

mod common;

use chapterhouse_app::accounts::{self, CurrentUser};
use chapterhouse_app::cancellations::{
    self as c, CancelEventForm, Cancelled, EVENT_CHANGE_NOTICE, StaffCancelForm,
};
use chapterhouse_app::events::{
    EventForm, TypeForm, add_type, create_event, publish_event, save_event,
};
use chapterhouse_app::payments::{self as p, SettingsForm};
use chapterhouse_app::registrations::{self as r, RegisterForm, Registered, Who};
use chapterhouse_app::{Actor, AppError};
use chapterhouse_core::cancellation::{MoneyBack, SelfCancel};
use chapterhouse_core::money::Cents;
use chapterhouse_core::{EventId, RegistrationId, RegistrationTypeId};
use chapterhouse_store::Scoped;
use chapterhouse_testkit::{PayWith, StripeStandin};
use common::{Fixture, fixture, outbox_texts, run_jobs, set_clock, society};

const SECRET_KEY: &str = "sk_test_51ChapterhouseSecretKey4242";
const WEBHOOK_SECRET: &str = "whsec_ChapterhouseWebhookSecret9876";

fn staff() -> Actor {
    Actor::anonymous("203.0.113.9")
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
    let signed = accounts::sign_in_with_password(
        &f.app,
        &scoped,
        "owner@alpha.test",
        common::OWNER_PASSWORD,
        &Actor::default(),
    )
    .await
    .unwrap();
    let owner: CurrentUser = accounts::current_user(&f.app, &scoped, &signed.session_token)
        .await
        .unwrap()
        .unwrap();
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

/// A published meeting on 5 December 2026, 08:00–17:00 in New York (13:00 UTC).
async fn meeting(f: &Fixture, scoped: &Scoped, title: &str, capacity: &str) -> EventId {
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
    publish_event(&f.app, scoped, event, &staff())
        .await
        .unwrap();
    event
}

async fn add(
    f: &Fixture,
    scoped: &Scoped,
    event: EventId,
    name: &str,
    price: &str,
    policy: &str,
    cap: &str,
) -> RegistrationTypeId {
    add_type(
        &f.app,
        scoped,
        event,
        &TypeForm {
            name: name.into(),
            price: price.into(),
            cancel_policy: policy.into(),
            cap: cap.into(),
            ..TypeForm::new_type()
        },
        &staff(),
    )
    .await
    .unwrap()
}

fn form(ty: RegistrationTypeId, first: &str, email: &str) -> RegisterForm {
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

async fn register(
    f: &Fixture,
    scoped: &Scoped,
    event: EventId,
    ty: RegistrationTypeId,
    first: &str,
) -> (RegistrationId, Option<String>) {
    let email = format!("{}@example.org", first.to_lowercase());
    match r::register(
        &f.app,
        scoped,
        event,
        &form(ty, first, &email),
        Who::Visitor,
        &staff(),
    )
    .await
    .unwrap()
    {
        Registered::New {
            id, checkout_url, ..
        } => (id, checkout_url),
        other => panic!("{other:?}"),
    }
}

/// Register and pay by card through the stand-in; the webhook confirms.
async fn register_paid(
    pay: &Paying,
    event: EventId,
    ty: RegistrationTypeId,
    first: &str,
) -> RegistrationId {
    let (id, url) = register(&pay.f, &pay.scoped, event, ty, first).await;
    let session = url
        .expect("a checkout")
        .rsplit('/')
        .next()
        .unwrap()
        .to_string();
    pay.stripe
        .complete_session(&session, PayWith::Card)
        .await
        .unwrap();
    for ev in pay.stripe.take_undelivered() {
        p::handle_webhook(
            &pay.f.app,
            pay.scoped.society(),
            &ev.signature,
            ev.body.as_bytes(),
        )
        .await
        .unwrap();
    }
    assert_eq!(status(&pay.scoped, id).await, "confirmed");
    id
}

async fn status(scoped: &Scoped, id: RegistrationId) -> String {
    scoped.registration(id).await.unwrap().unwrap().status
}

/// The PaymentIntent a registration was paid with, and its invoice's refunds and credits.
async fn money(scoped: &Scoped, id: RegistrationId) -> (String, Vec<i64>, Vec<i64>) {
    let reg = scoped.registration(id).await.unwrap().unwrap();
    let detail = scoped
        .invoice_detail(reg.invoice().unwrap())
        .await
        .unwrap()
        .unwrap();
    (
        detail.payments[0].provider_ref.clone().unwrap(),
        detail.refunds.iter().map(|r| r.amount.0).collect(),
        detail.credit_memos.iter().map(|m| m.amount.0).collect(),
    )
}

async fn taken(scoped: &Scoped, event: EventId, ty: RegistrationTypeId) -> (i64, i64) {
    let e = scoped.event(event).await.unwrap().unwrap();
    let t = scoped.registration_type(event, ty).await.unwrap().unwrap();
    (e.taken, t.taken)
}

/// The raw messages sent to `to` whose subject starts with `subject`.
fn mails_to(f: &Fixture, to: &str, subject: &str) -> Vec<String> {
    outbox_texts(f)
        .into_iter()
        .filter(|m| {
            m.lines().any(|l| l.starts_with("To:") && l.contains(to))
                && m.lines()
                    .any(|l| l.starts_with("Subject:") && l.contains(subject))
        })
        .collect()
}

/// An attachment's bytes in a raw MIME message, by filename.
fn attachment(raw: &str, filename: &str) -> String {
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
    let bytes = if headers.contains("base64") {
        base64::engine::general_purpose::STANDARD
            .decode(body.replace("\r\n", ""))
            .unwrap()
    } else if headers.contains("quoted-printable") {
        let joined = body.replace("=\r\n", "");
        let (mut out, b, mut i) = (Vec::new(), joined.as_bytes(), 0);
        while i < b.len() {
            if b[i] == b'=' && i + 2 < b.len() {
                out.push(u8::from_str_radix(&joined[i + 1..i + 3], 16).unwrap());
                i += 3;
            } else {
                out.push(b[i]);
                i += 1;
            }
        }
        out
    } else {
        body.as_bytes().to_vec()
    };
    String::from_utf8(bytes).unwrap()
}

/// METHOD, and the first event's UID, SEQUENCE, STATUS and DTSTART, read with an iCalendar
/// parser.
fn parse_ics(ics: &str) -> (String, String, i64, String, String) {
    let cal = ical::IcalParser::new(ics.as_bytes())
        .next()
        .unwrap()
        .unwrap();
    let method = cal
        .properties
        .iter()
        .find(|p| p.name == "METHOD")
        .and_then(|p| p.value.clone())
        .unwrap();
    let ev = &cal.events[0];
    let get = |name: &str| {
        ev.properties
            .iter()
            .find(|p| p.name == name)
            .and_then(|p| p.value.clone())
            .unwrap_or_else(|| panic!("no {name}"))
    };
    (
        method,
        get("UID"),
        get("SEQUENCE").parse().unwrap(),
        get("STATUS"),
        get("DTSTART"),
    )
}

#[tokio::test]
async fn registrants_cancel_within_the_deadline_by_policy_and_are_refused_after() {
    let pay = paying().await;
    let (f, scoped) = (&pay.f, &pay.scoped);
    let event = meeting(f, scoped, "Annual Meeting", "").await;
    let refund = add(f, scoped, event, "Refundable", "200", "refund", "").await;
    let credit = add(f, scoped, event, "Credit", "150", "credit", "").await;
    let none = add(f, scoped, event, "Final sale", "100", "none", "").await;

    // Refund: the paid amount goes back through Stripe, once.
    let ann = register_paid(&pay, event, refund, "Ann").await;
    let view = c::cancel_view(&f.app, scoped, ann, None, None).await;
    assert!(matches!(view, Err(AppError::NotFound)), "no link, no page");
    let page = scoped.registration(ann).await.unwrap().unwrap();
    let link = r::registration_path(&f.app, scoped, &page);
    let token = link.split("t=").nth(1).unwrap().to_string();
    let view = c::cancel_view(&f.app, scoped, ann, None, Some(&token))
        .await
        .unwrap();
    assert!(matches!(
        view.decision,
        SelfCancel::Allowed {
            back: MoneyBack::Refund(Cents(20_000)),
            ..
        }
    ));
    assert!(view.words.contains("$200.00"), "{}", view.words);
    assert_eq!(taken(scoped, event, refund).await, (1, 1));
    let done = c::cancel_own(&f.app, scoped, ann, None, Some(&token), &staff())
        .await
        .unwrap();
    assert_eq!(done, Cancelled::Done(MoneyBack::Refund(Cents(20_000))));
    assert_eq!(status(scoped, ann).await, "cancelled");
    assert_eq!(taken(scoped, event, refund).await, (0, 0));
    // A second submit cancels nothing more.
    assert_eq!(
        c::cancel_own(&f.app, scoped, ann, None, Some(&token), &staff())
            .await
            .unwrap(),
        Cancelled::Already
    );
    run_jobs(f).await;
    let (intent, refunds, credits) = money(scoped, ann).await;
    assert_eq!(pay.stripe.refunded(&intent), 20_000);
    assert_eq!((refunds, credits), (vec![20_000], vec![]));
    // The refund job again (a redelivery) refunds nothing more.
    c::refund_registration(&f.app, scoped, ann, "again")
        .await
        .unwrap();
    assert_eq!(pay.stripe.refunds().len(), 1);
    assert_eq!(money(scoped, ann).await.1, vec![20_000]);

    // Credit: a credit memo on the invoice, no money moves.
    let ben = register_paid(&pay, event, credit, "Ben").await;
    let done = c::cancel_own(
        &f.app,
        scoped,
        ben,
        None,
        Some(&token_of(&pay, ben).await),
        &staff(),
    )
    .await
    .unwrap();
    assert_eq!(done, Cancelled::Done(MoneyBack::Credit(Cents(15_000))));
    run_jobs(f).await;
    let (intent, refunds, credits) = money(scoped, ben).await;
    assert_eq!(pay.stripe.refunded(&intent), 0);
    assert_eq!((refunds, credits), (vec![], vec![15_000]));

    // None: cancelled, the payment kept, and the page said so first.
    let cy = register_paid(&pay, event, none, "Cy").await;
    let token = token_of(&pay, cy).await;
    let view = c::cancel_view(&f.app, scoped, cy, None, Some(&token))
        .await
        .unwrap();
    assert!(view.words.contains("not refunded"), "{}", view.words);
    c::cancel_own(&f.app, scoped, cy, None, Some(&token), &staff())
        .await
        .unwrap();
    run_jobs(f).await;
    let (intent, refunds, credits) = money(scoped, cy).await;
    assert_eq!(pay.stripe.refunded(&intent), 0);
    assert!(refunds.is_empty() && credits.is_empty());
    let mail = mails_to(f, "cy@example.org", "Your registration is cancelled");
    assert_eq!(mail.len(), 1);

    // Past the deadline (48 hours before 13:00 UTC on 5 December): refused, with the date and
    // whom to ask; nothing changes.
    let di = register_paid(&pay, event, refund, "Di").await;
    let token = token_of(&pay, di).await;
    set_clock(f, "2026-12-03T13:00:00Z");
    let refused = c::cancel_own(&f.app, scoped, di, None, Some(&token), &staff()).await;
    let Err(AppError::Invalid(errors)) = refused else {
        panic!("{refused:?}")
    };
    let message = errors.get("cancel").unwrap().to_string();
    assert!(message.contains("closed on 3 Dec 2026, 08:00"), "{message}");
    assert!(message.contains("office@alpha.test"), "{message}");
    assert_eq!(status(scoped, di).await, "confirmed");
    assert_eq!(taken(scoped, event, refund).await, (1, 1));
}

async fn token_of(pay: &Paying, id: RegistrationId) -> String {
    let reg = pay.scoped.registration(id).await.unwrap().unwrap();
    r::registration_path(&pay.f.app, &pay.scoped, &reg)
        .split("t=")
        .nth(1)
        .unwrap()
        .to_string()
}

#[tokio::test]
async fn a_cancelled_seat_goes_to_the_next_on_the_waitlist_and_the_calendar_entry_is_withdrawn() {
    let f = fixture().await;
    let scoped = f.app.scoped(&society(&f, "alpha").await);
    let event = meeting(&f, &scoped, "Workshop", "1").await;
    let ty = add(&f, &scoped, event, "Seat", "0", "refund", "").await;
    let (ann, _) = register(&f, &scoped, event, ty, "Ann").await;
    let (ben, _) = register(&f, &scoped, event, ty, "Ben").await;
    let (cy, _) = register(&f, &scoped, event, ty, "Cy").await;
    assert_eq!(status(&scoped, ben).await, "waitlisted");
    run_jobs(&f).await;
    let invite = attachment(
        &mails_to(&f, "ann@example.org", "You're registered")[0],
        "invite.ics",
    );
    let (method, uid, sequence, _, _) = parse_ics(&invite);
    assert_eq!((method.as_str(), sequence), ("REQUEST", 0));

    let user = None;
    let reg = scoped.registration(ann).await.unwrap().unwrap();
    let token = r::registration_path(&f.app, &scoped, &reg);
    let token = token.split("t=").nth(1).unwrap();
    c::cancel_own(&f.app, &scoped, ann, user, Some(token), &staff())
        .await
        .unwrap();
    // The oldest waitlisted gets the seat as an offer; the next one keeps waiting.
    assert_eq!(status(&scoped, ben).await, "offered");
    assert_eq!(status(&scoped, cy).await, "waitlisted");
    assert_eq!(taken(&scoped, event, ty).await, (1, 1));
    run_jobs(&f).await;
    assert_eq!(mails_to(&f, "ben@example.org", "A seat is free").len(), 1);
    let mail = mails_to(&f, "ann@example.org", "Your registration is cancelled");
    assert_eq!(mail.len(), 1);
    let (method, cancel_uid, cancel_sequence, cancel_status, _) =
        parse_ics(&attachment(&mail[0], "cancel.ics"));
    assert_eq!(method, "CANCEL");
    assert_eq!(cancel_uid, uid, "the same calendar entry");
    assert!(cancel_sequence > sequence);
    assert_eq!(cancel_status, "CANCELLED");
}

#[tokio::test]
async fn a_new_time_is_mailed_to_seat_holders_once_with_an_updated_invitation() {
    let f = fixture().await;
    let scoped = f.app.scoped(&society(&f, "alpha").await);
    let event = meeting(&f, &scoped, "Tumor Board", "1").await;
    let ty = add(&f, &scoped, event, "Seat", "0", "refund", "").await;
    register(&f, &scoped, event, ty, "Ann").await;
    register(&f, &scoped, event, ty, "Ben").await; // waitlisted: no calendar entry to update
    run_jobs(&f).await;
    let uid = parse_ics(&attachment(
        &mails_to(&f, "ann@example.org", "You're registered")[0],
        "invite.ics",
    ))
    .1;

    // A title change alone tells nobody.
    let e = scoped.event(event).await.unwrap().unwrap();
    let mut edit = EventForm::from_event(&e);
    edit.title = "Tumor Board (December)".into();
    let saved = save_event(&f.app, &scoped, event, &edit, &staff())
        .await
        .unwrap();
    assert!(!saved.rescheduled);
    edit.starts = "2026-12-05T09:30".into();
    edit.location_name = "Copley Place".into();
    let saved = save_event(&f.app, &scoped, event, &edit, &staff())
        .await
        .unwrap();
    assert!(saved.rescheduled);
    assert_eq!(saved.sequence, 1);
    run_jobs(&f).await;
    let changed = mails_to(&f, "ann@example.org", "Changed:");
    assert_eq!(changed.len(), 1);
    assert!(changed[0].contains("Copley Place"), "{}", changed[0]);
    assert!(
        changed[0].contains("Hynes Convention Center"),
        "what it was"
    );
    assert!(mails_to(&f, "ben@example.org", "Changed:").is_empty());
    let (method, new_uid, sequence, status, start) =
        parse_ics(&attachment(&changed[0], "invite.ics"));
    assert_eq!(method, "REQUEST");
    assert_eq!(new_uid, uid);
    assert_eq!(sequence, 1);
    assert_eq!(status, "CONFIRMED");
    assert_eq!(start, "20261205T093000");

    // The job again (a redelivery after a crash) sends nothing twice.
    let payload = serde_json::json!({
        "event": event, "sequence": 1, "was_when": "earlier", "was_place": "elsewhere"
    })
    .to_string();
    c::run_job(&f.app, &scoped, EVENT_CHANGE_NOTICE, &payload)
        .await
        .unwrap();
    run_jobs(&f).await;
    assert_eq!(mails_to(&f, "ann@example.org", "Changed:").len(), 1);
}

#[tokio::test]
async fn cancelling_an_event_refunds_everyone_once_even_when_its_job_runs_twice() {
    let pay = paying().await;
    let (f, scoped) = (&pay.f, &pay.scoped);
    let event = meeting(f, scoped, "Spring Symposium", "2").await;
    let ty = add(f, scoped, event, "Seat", "200", "none", "").await;
    let ann = register_paid(&pay, event, ty, "Ann").await;
    let ben = register_paid(&pay, event, ty, "Ben").await;
    let (cy, _) = register(f, scoped, event, ty, "Cy").await;
    assert_eq!(status(scoped, cy).await, "waitlisted");
    run_jobs(f).await;

    let refused =
        c::cancel_event(&f.app, scoped, event, &CancelEventForm::default(), &staff()).await;
    assert!(
        matches!(refused, Err(AppError::Invalid(_))),
        "a reason is needed"
    );
    c::cancel_event(
        &f.app,
        scoped,
        event,
        &CancelEventForm {
            reason: "The venue flooded.".into(),
        },
        &staff(),
    )
    .await
    .unwrap();
    let e = scoped.event(event).await.unwrap().unwrap();
    assert_eq!((e.status.as_str(), e.sequence), ("cancelled", 1));
    assert!(
        c::cancel_event(
            &f.app,
            scoped,
            event,
            &CancelEventForm {
                reason: "again".into()
            },
            &staff()
        )
        .await
        .is_err()
    );

    // The job's body twice before the worker: the second run finds nobody left to cancel.
    assert_eq!(
        c::cancel_registrations_of(&f.app, scoped, event)
            .await
            .unwrap(),
        3
    );
    assert_eq!(
        c::cancel_registrations_of(&f.app, scoped, event)
            .await
            .unwrap(),
        0
    );
    // And a refund run twice refunds once.
    c::refund_registration(&f.app, scoped, ann, "event cancelled")
        .await
        .unwrap();
    run_jobs(f).await;
    c::refund_registration(&f.app, scoped, ann, "event cancelled")
        .await
        .unwrap();
    for id in [ann, ben, cy] {
        assert_eq!(status(scoped, id).await, "cancelled");
    }
    assert_eq!(taken(scoped, event, ty).await, (0, 0));
    // Refunded in full although the type's own policy keeps the money: the society cancelled.
    for id in [ann, ben] {
        let (intent, refunds, _) = money(scoped, id).await;
        assert_eq!(pay.stripe.refunded(&intent), 20_000);
        assert_eq!(refunds, vec![20_000]);
    }
    assert_eq!(pay.stripe.refunds().len(), 2);

    for who in ["ann", "ben", "cy"] {
        let mail = mails_to(
            f,
            &format!("{who}@example.org"),
            "Cancelled: Spring Symposium",
        );
        assert_eq!(mail.len(), 1, "{who}");
        assert!(mail[0].contains("The venue flooded."));
    }
    let ann_mail = &mails_to(f, "ann@example.org", "Cancelled: Spring Symposium")[0];
    let (method, _, sequence, status, _) = parse_ics(&attachment(ann_mail, "cancel.ics"));
    assert_eq!(
        (method.as_str(), sequence, status.as_str()),
        ("CANCEL", 1, "CANCELLED")
    );
    // The waitlisted were never sent an invitation, so there is none to withdraw.
    assert!(!mails_to(f, "cy@example.org", "Cancelled")[0].contains("cancel.ics"));

    // The subscribable feed withdraws it too.
    let feed = chapterhouse_app::events::feed_ics(&f.app, scoped)
        .await
        .unwrap();
    assert!(feed.contains("SUMMARY:Spring Symposium"));
    assert!(feed.contains("STATUS:CANCELLED"));
}

#[tokio::test]
async fn staff_cancel_with_or_without_a_refund_and_move_a_registration_between_types() {
    let pay = paying().await;
    let (f, scoped) = (&pay.f, &pay.scoped);
    let event = meeting(f, scoped, "Annual Meeting", "").await;
    let general = add(f, scoped, event, "General", "200", "refund", "").await;
    let dinner = add(f, scoped, event, "With dinner", "200", "refund", "1").await;
    let ann = register_paid(&pay, event, general, "Ann").await;
    let ben = register_paid(&pay, event, general, "Ben").await;

    let kept = c::staff_cancel(
        &f.app,
        scoped,
        ann,
        &StaffCancelForm {
            refund: String::new(),
            reason: "Duplicate registration".into(),
        },
        &staff(),
    )
    .await
    .unwrap();
    assert_eq!(kept, Cancelled::Done(MoneyBack::Kept(Cents(20_000))));
    let refunded = c::staff_cancel(
        &f.app,
        scoped,
        ben,
        &StaffCancelForm {
            refund: "yes".into(),
            reason: String::new(),
        },
        &staff(),
    )
    .await
    .unwrap();
    assert_eq!(refunded, Cancelled::Done(MoneyBack::Refund(Cents(20_000))));
    run_jobs(f).await;
    let (intent_a, refunds_a, _) = money(scoped, ann).await;
    let (intent_b, refunds_b, _) = money(scoped, ben).await;
    assert_eq!(pay.stripe.refunded(&intent_a), 0);
    assert!(refunds_a.is_empty());
    assert_eq!(pay.stripe.refunded(&intent_b), 20_000);
    assert_eq!(refunds_b, vec![20_000]);
    assert!(
        mails_to(f, "ann@example.org", "Your registration is cancelled")[0]
            .contains("Duplicate registration")
    );

    // Moving: seats follow the registration; a full type refuses.
    let (cy, _) = register(f, scoped, event, general, "Cy").await;
    let (di, _) = register(f, scoped, event, general, "Di").await;
    c::staff_move(&f.app, scoped, cy, &dinner.to_string(), &staff())
        .await
        .unwrap();
    assert_eq!(
        scoped
            .registration(cy)
            .await
            .unwrap()
            .unwrap()
            .registration_type_id,
        dinner
    );
    assert_eq!(taken(scoped, event, dinner).await, (2, 1));
    assert_eq!(taken(scoped, event, general).await, (2, 1));
    let full = c::staff_move(&f.app, scoped, di, &dinner.to_string(), &staff()).await;
    let Err(AppError::Invalid(errors)) = full else {
        panic!("{full:?}")
    };
    assert!(errors.get("to_type").unwrap().contains("is full"));
    assert_eq!(taken(scoped, event, general).await, (2, 1), "unchanged");
    run_jobs(f).await;
    assert_eq!(
        mails_to(f, "cy@example.org", "Your registration has changed").len(),
        1
    );
}
