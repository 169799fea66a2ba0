//! Stripe payments against the local stand-in, which speaks Stripe's request and event formats
//! and signs its webhooks as Stripe does. SQLite by default; PostgreSQL when
//! `CHAPTERHOUSE_TEST_DATABASE_URL` is set.

mod common;

use common::{outbox_texts, run_jobs, society};

use chapterhouse_app::accounts::{self, CurrentUser, NewAccountInput};
use chapterhouse_app::billing;
use chapterhouse_app::jobs::Worker;
use chapterhouse_app::membership::{self as m, LevelForm, MemberForm};
use chapterhouse_app::payments::{self as p, ChargeOutcome, SettingsForm, WebhookResult};
use chapterhouse_app::secrets::SecretBox;
use chapterhouse_app::{Actor, AppError};
use chapterhouse_core::Clock;
use chapterhouse_core::membership::{Status, Term};
use chapterhouse_core::money::Cents;
use chapterhouse_core::{InvoiceId, MembershipId, Role};
use chapterhouse_store::Scoped;
use chapterhouse_testkit::{PayWith, StripeStandin};
use jiff::civil::date;

const SECRET_KEY: &str = "sk_test_51ChapterhouseSecretKey4242";
const WEBHOOK_SECRET: &str = "whsec_ChapterhouseWebhookSecret9876";
const PUBLISHABLE_KEY: &str = "pk_test_51ChapterhousePublishable";

/// The common fixture and the Stripe stand-in.
struct Fixture {
    base: common::Fixture,
    stripe: StripeStandin,
}

impl std::ops::Deref for Fixture {
    type Target = common::Fixture;

    fn deref(&self) -> &common::Fixture {
        &self.base
    }
}

async fn fixture() -> Fixture {
    let base = common::fixture().await;
    let stripe = StripeStandin::start(SECRET_KEY, WEBHOOK_SECRET, base.clock.clone())
        .await
        .unwrap();
    Fixture { base, stripe }
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

async fn owner(f: &Fixture, scoped: &Scoped) -> CurrentUser {
    let email = format!("owner@{}.test", scoped.society().slug);
    signed_in(f, scoped, &email, "owner password 1").await
}

/// A society whose payments go to the stand-in.
async fn paying_society(f: &Fixture, slug: &str) -> Scoped {
    let s = society(f, slug).await;
    let scoped = f.app.scoped(&s);
    let owner = owner(f, &scoped).await;
    p::save_settings(
        &f.app,
        &scoped,
        &owner,
        &SettingsForm {
            publishable_key: PUBLISHABLE_KEY.into(),
            secret_key: SECRET_KEY.into(),
            webhook_secret: WEBHOOK_SECRET.into(),
        },
        Some(f.stripe.base_url()),
        &Actor::default(),
    )
    .await
    .unwrap();
    scoped
}

/// A pending member with a dues invoice for this year, 2026 ($400).
async fn member_with_invoice(
    f: &Fixture,
    scoped: &Scoped,
    email: &str,
) -> (MembershipId, InvoiceId) {
    let level = match scoped.levels().await.unwrap().first() {
        Some(level) => level.id,
        None => m::create_level(
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
        .unwrap(),
    };
    let membership = m::add_member(
        &f.app,
        scoped,
        &MemberForm {
            display_name: "Dr Ada Oncologist".into(),
            email: email.into(),
            level: level.to_string(),
            joined_on: String::new(),
            paid: None,
        },
        &Actor::default(),
    )
    .await
    .unwrap()
    .id;
    let invoice = dues_invoice(f, scoped, membership, 2026).await;
    (membership, invoice)
}

async fn dues_invoice(
    f: &Fixture,
    scoped: &Scoped,
    membership: MembershipId,
    year: i16,
) -> InvoiceId {
    billing::issue_dues_invoice(
        &f.app,
        scoped,
        &Actor::default(),
        membership,
        Term {
            start: date(year, 1, 1),
            end: Some(date(year, 12, 31)),
        },
        None,
        Some(format!("test-{membership}-{year}")),
    )
    .await
    .unwrap()
}

async fn checkout(f: &Fixture, scoped: &Scoped, invoice: InvoiceId, save: bool) -> String {
    let url = p::start_checkout(
        &f.app,
        scoped,
        invoice,
        Cents(40_000),
        "ada@alpha.test",
        save,
        "https://alpha.test/account/membership?paid={CHECKOUT_SESSION_ID}",
        "https://alpha.test/account/membership",
    )
    .await
    .unwrap();
    assert!(url.starts_with(&format!("{}/checkout/cs_test_", f.stripe.base_url())));
    url.rsplit('/').next().unwrap().to_string()
}

/// Hand every event the stand-in sent to the webhook handler, as Stripe would deliver them.
async fn deliver(f: &Fixture, scoped: &Scoped) -> Vec<(String, WebhookResult)> {
    let mut out = Vec::new();
    for event in f.stripe.take_undelivered() {
        let result = p::handle_webhook(
            &f.app,
            scoped.society(),
            &event.signature,
            event.body.as_bytes(),
        )
        .await
        .unwrap();
        out.push((event.kind, result));
    }
    out
}

async fn balance(scoped: &Scoped, invoice: InvoiceId) -> Cents {
    scoped
        .invoice(invoice)
        .await
        .unwrap()
        .unwrap()
        .amounts
        .balance()
}

async fn payments_on(scoped: &Scoped, invoice: InvoiceId) -> Vec<chapterhouse_store::Payment> {
    scoped
        .invoice_detail(invoice)
        .await
        .unwrap()
        .unwrap()
        .payments
}

async fn status(scoped: &Scoped, membership: MembershipId) -> Status {
    scoped
        .membership_state(membership)
        .await
        .unwrap()
        .unwrap()
        .status
}

/// Quoted-printable mail bodies wrap long lines with "=\r\n"; join them back.
fn unwrapped(text: &str) -> String {
    text.replace("=\r\n", "").replace("=\n", "")
}

#[tokio::test]
async fn keys_are_encrypted_at_rest_checked_and_shown_only_masked() {
    let f = fixture().await;
    let s = society(&f, "alpha").await;
    let scoped = f.app.scoped(&s);
    let owner = owner(&f, &scoped).await;

    // Wrong kinds of keys are refused, each with its own message.
    let Err(AppError::Invalid(errors)) = p::save_settings(
        &f.app,
        &scoped,
        &owner,
        &SettingsForm {
            publishable_key: SECRET_KEY.into(),
            secret_key: PUBLISHABLE_KEY.into(),
            webhook_secret: "not a secret".into(),
        },
        None,
        &Actor::default(),
    )
    .await
    else {
        panic!("bad keys were accepted")
    };
    assert!(errors.get("publishable_key").unwrap().contains("pk_"));
    assert!(errors.get("secret_key").unwrap().contains("sk_"));
    assert!(errors.get("webhook_secret").unwrap().contains("whsec_"));
    assert!(scoped.payment_settings().await.unwrap().is_none());

    // Staff below admin may not set them.
    accounts::create_account(
        &f.app,
        &scoped,
        NewAccountInput {
            email: "staff@alpha.test".into(),
            display_name: "Sam Staff".into(),
            role: Role::Staff,
            is_operator: false,
            password: Some("staff password 1".into()),
        },
        &Actor::default(),
    )
    .await
    .unwrap();
    let staff = signed_in(&f, &scoped, "staff@alpha.test", "staff password 1").await;
    let good = SettingsForm {
        publishable_key: PUBLISHABLE_KEY.into(),
        secret_key: SECRET_KEY.into(),
        webhook_secret: WEBHOOK_SECRET.into(),
    };
    assert!(matches!(
        p::save_settings(&f.app, &scoped, &staff, &good, None, &Actor::default()).await,
        Err(AppError::Forbidden)
    ));

    p::save_settings(&f.app, &scoped, &owner, &good, None, &Actor::default())
        .await
        .unwrap();
    let row = scoped.payment_settings().await.unwrap().unwrap();
    assert_eq!(row.api_base, "https://api.stripe.com");
    for sealed in [&row.secret_key_enc, &row.webhook_secret_enc] {
        let text = String::from_utf8_lossy(sealed);
        assert!(
            !text.contains("Chapterhouse"),
            "ciphertext holds no plaintext"
        );
    }
    let summary = p::settings_summary(&f.app, &scoped).await.unwrap().unwrap();
    assert_eq!(summary.secret_key, "sk_test_…4242");
    assert_eq!(summary.webhook_secret, "whsec_…9876");
    assert!(summary.test_mode);
    // Decrypts for the app's own use.
    let settings = p::settings(&f.app, &scoped).await.unwrap().unwrap();
    assert_eq!(settings.secret_key, SECRET_KEY);
    assert_eq!(settings.webhook_secret, WEBHOOK_SECRET);

    // Saving again with blank secrets keeps them; the publishable key can change.
    p::save_settings(
        &f.app,
        &scoped,
        &owner,
        &SettingsForm {
            publishable_key: "pk_test_51AnotherPublishableKey".into(),
            ..Default::default()
        },
        None,
        &Actor::default(),
    )
    .await
    .unwrap();
    let settings = p::settings(&f.app, &scoped).await.unwrap().unwrap();
    assert_eq!(settings.secret_key, SECRET_KEY);
    assert_eq!(settings.publishable_key, "pk_test_51AnotherPublishableKey");

    // Another deployment key cannot read them.
    let mut other = f.app.clone();
    other.secrets = SecretBox::from_deployment_secret(b"another deployment key");
    assert!(p::settings(&other, &scoped).await.is_err());

    // Nowhere in the database: not in the settings, not in the audit log.
    for entry in scoped.audit_entries(100).await.unwrap() {
        assert!(!entry.detail.contains(SECRET_KEY) && !entry.subject.contains(SECRET_KEY));
    }
    if !f.db.is_postgres() {
        let path = f.db.url.trim_start_matches("sqlite://").to_string();
        let mut bytes = std::fs::read(&path).unwrap();
        bytes.extend(std::fs::read(format!("{path}-wal")).unwrap_or_default());
        let haystack = String::from_utf8_lossy(&bytes);
        assert!(haystack.contains(PUBLISHABLE_KEY) || haystack.contains("pk_test_51Another"));
        for secret in [
            SECRET_KEY,
            WEBHOOK_SECRET,
            "ChapterhouseSecretKey",
            "WebhookSecret",
        ] {
            assert!(
                !haystack.contains(secret),
                "{secret} is in the database file"
            );
        }
    }
}

#[tokio::test]
async fn a_card_checkout_pays_the_invoice_once_and_saves_the_card_for_renewal() {
    let f = fixture().await;
    let scoped = paying_society(&f, "alpha").await;
    let (membership, invoice) = member_with_invoice(&f, &scoped, "ada@alpha.test").await;
    assert_eq!(status(&scoped, membership).await, Status::Pending);

    let session = checkout(&f, &scoped, invoice, true).await;
    // What Stripe was asked for.
    let asked = f.stripe.session(&session).unwrap();
    assert_eq!(asked["mode"], "payment");
    assert_eq!(asked["amount_total"], 40_000);
    assert_eq!(asked["client_reference_id"], invoice.to_string());
    assert_eq!(asked["metadata"]["invoice"], invoice.to_string());
    assert_eq!(
        asked["metadata"]["society"],
        scoped.society_id().to_string()
    );
    assert_eq!(asked["customer_creation"], "always");
    assert_eq!(asked["x_setup_future_usage"], "off_session");
    assert_eq!(
        asked["payment_method_types"],
        serde_json::json!(["card", "us_bank_account"])
    );
    // Nothing is paid by starting.
    assert_eq!(balance(&scoped, invoice).await, Cents(40_000));

    f.stripe
        .complete_session(&session, PayWith::Card)
        .await
        .unwrap();
    let events = f.stripe.take_undelivered();
    assert_eq!(events.len(), 2);
    let mut results = Vec::new();
    for event in &events {
        results.push(
            p::handle_webhook(
                &f.app,
                scoped.society(),
                &event.signature,
                event.body.as_bytes(),
            )
            .await
            .unwrap(),
        );
    }
    assert_eq!(
        results[0],
        WebhookResult::Processed("ignored: not an automatic-renewal charge".into())
    );
    let WebhookResult::Processed(outcome) = &results[1] else {
        panic!("{:?}", results[1])
    };
    assert!(outcome.contains("paid $400.00"), "{outcome}");
    assert!(outcome.contains("Visa •••• 4242"), "{outcome}");

    assert_eq!(balance(&scoped, invoice).await, Cents(0));
    assert_eq!(status(&scoped, membership).await, Status::Active);
    let payments = payments_on(&scoped, invoice).await;
    assert_eq!(payments.len(), 1);
    assert_eq!(payments[0].method, "card");
    assert!(
        payments[0]
            .provider_ref
            .as_deref()
            .unwrap()
            .starts_with("pi_")
    );

    // The card is saved and automatic renewal uses it.
    let person = scoped
        .person_by_email("ada@alpha.test")
        .await
        .unwrap()
        .unwrap();
    let methods = scoped.payment_methods_of_person(person).await.unwrap();
    assert_eq!(methods.len(), 1);
    assert_eq!(methods[0].label, "Visa •••• 4242");
    assert!(methods[0].provider_customer_id.starts_with("cus_"));
    assert_eq!(
        scoped.auto_renewal(membership).await.unwrap(),
        Some(Some(methods[0].id))
    );

    // Stripe delivers the same event again: nothing changes.
    let replay = p::handle_webhook(
        &f.app,
        scoped.society(),
        &events[1].signature,
        events[1].body.as_bytes(),
    )
    .await
    .unwrap();
    assert_eq!(replay, WebhookResult::Replay);
    assert_eq!(payments_on(&scoped, invoice).await.len(), 1);
    // One receipt.
    run_jobs(&f).await;
    let receipts: Vec<_> = outbox_texts(&f)
        .into_iter()
        .filter(|t| t.contains("Receipt for your payment"))
        .collect();
    assert_eq!(receipts.len(), 1);

    // Staff see the events.
    let logged = scoped.recent_webhook_events(10).await.unwrap();
    assert_eq!(logged.len(), 2);
    assert!(logged.iter().any(|e| {
        e.event_type == "checkout.session.completed"
            && e.outcome.contains("paid $400.00")
            && e.outcome
                .contains("saved Visa •••• 4242 for automatic renewal")
    }));
}

#[tokio::test]
async fn the_same_event_delivered_twice_at_once_is_acted_on_once() {
    let f = fixture().await;
    let scoped = paying_society(&f, "alpha").await;
    let (_, invoice) = member_with_invoice(&f, &scoped, "ada@alpha.test").await;
    let session = checkout(&f, &scoped, invoice, false).await;
    f.stripe
        .complete_session(&session, PayWith::Card)
        .await
        .unwrap();
    let events = f.stripe.take_undelivered();
    let completed = events.last().unwrap();
    let society = scoped.society().clone();
    let (a, b) = tokio::join!(
        p::handle_webhook(
            &f.app,
            &society,
            &completed.signature,
            completed.body.as_bytes()
        ),
        p::handle_webhook(
            &f.app,
            &society,
            &completed.signature,
            completed.body.as_bytes()
        ),
    );
    let results = [a.unwrap(), b.unwrap()];
    assert_eq!(
        results
            .iter()
            .filter(|r| matches!(r, WebhookResult::Processed(_)))
            .count(),
        1,
        "{results:?}"
    );
    assert!(results.contains(&WebhookResult::Replay));
    assert_eq!(payments_on(&scoped, invoice).await.len(), 1);
    assert_eq!(balance(&scoped, invoice).await, Cents(0));
}

#[tokio::test]
async fn bad_signatures_are_refused_logged_and_change_nothing() {
    let f = fixture().await;
    let scoped = paying_society(&f, "alpha").await;
    let (membership, invoice) = member_with_invoice(&f, &scoped, "ada@alpha.test").await;
    let session = checkout(&f, &scoped, invoice, true).await;
    f.stripe
        .complete_session(&session, PayWith::Card)
        .await
        .unwrap();
    let completed = f.stripe.take_undelivered().pop().unwrap();
    let body = completed.body.as_bytes();
    let t = f.clock.now().0 / 1_000_000;
    let wrong_secret =
        chapterhouse_core::stripe::signature_header("whsec_someoneElsesSecret", t, body);
    let tampered = completed.body.replace("\"paid\"", "\"paid\" ");
    let cases: Vec<(&str, &[u8])> = vec![
        (wrong_secret.as_str(), body),
        ("", body),
        ("t=abc,v1=zz", body),
        (completed.signature.as_str(), tampered.as_bytes()),
    ];
    for (header, body) in &cases {
        let result = p::handle_webhook(&f.app, scoped.society(), header, body)
            .await
            .unwrap();
        assert_eq!(result, WebhookResult::BadSignature);
        assert_eq!(result.status_code(), 400);
    }
    // Signed more than five minutes ago: a captured request replayed later.
    f.clock.advance_seconds(301);
    let late = p::handle_webhook(&f.app, scoped.society(), &completed.signature, body)
        .await
        .unwrap();
    assert_eq!(late, WebhookResult::BadSignature);

    let rejections = scoped.recent_webhook_rejections(10).await.unwrap();
    assert_eq!(rejections.len(), 5);
    assert!(
        rejections
            .iter()
            .all(|r| r.reason.starts_with("bad signature"))
    );
    assert!(rejections.iter().any(|r| r.reason.contains("tolerance")));
    assert!(rejections[0].excerpt.contains("evt_"));
    // Nothing was recorded.
    assert_eq!(balance(&scoped, invoice).await, Cents(40_000));
    assert_eq!(status(&scoped, membership).await, Status::Pending);
    assert!(scoped.recent_webhook_events(10).await.unwrap().is_empty());
    let person = scoped
        .person_by_email("ada@alpha.test")
        .await
        .unwrap()
        .unwrap();
    assert!(
        scoped
            .payment_methods_of_person(person)
            .await
            .unwrap()
            .is_empty()
    );

    // Another society's secret does not open this society's webhooks either.
    let beta = paying_society(&f, "beta").await;
    let _ = beta;
    let result = p::handle_webhook(
        &f.app,
        scoped.society(),
        &chapterhouse_core::stripe::signature_header("whsec_betaSecretOnlyForBeta", t + 301, body),
        body,
    )
    .await
    .unwrap();
    assert_eq!(result, WebhookResult::BadSignature);
}

#[tokio::test]
async fn an_amount_that_does_not_match_is_refused_and_logged() {
    let f = fixture().await;
    let scoped = paying_society(&f, "alpha").await;
    let (membership, invoice) = member_with_invoice(&f, &scoped, "ada@alpha.test").await;
    let session = checkout(&f, &scoped, invoice, false).await;
    f.stripe
        .complete_session(&session, PayWith::Card)
        .await
        .unwrap();
    let completed = f.stripe.take_undelivered().pop().unwrap();
    // A correctly signed event whose amount is not what the session was created for.
    let mut event: serde_json::Value = serde_json::from_str(&completed.body).unwrap();
    event["data"]["object"]["amount_total"] = serde_json::json!(100);
    let forged = event.to_string();
    let result = p::handle_webhook(
        &f.app,
        scoped.society(),
        &f.stripe.sign(&forged),
        forged.as_bytes(),
    )
    .await
    .unwrap();
    let WebhookResult::Refused(reason) = &result else {
        panic!("{result:?}")
    };
    assert!(reason.contains("amount mismatch"), "{reason}");
    assert_eq!(result.status_code(), 200);
    assert_eq!(balance(&scoped, invoice).await, Cents(40_000));
    assert_eq!(status(&scoped, membership).await, Status::Pending);
    let rejections = scoped.recent_webhook_rejections(10).await.unwrap();
    assert_eq!(rejections.len(), 1);
    assert!(rejections[0].reason.contains("reports 100 usd"));

    // A session this site never started is refused too.
    event["data"]["object"]["id"] = serde_json::json!("cs_test_notours");
    event["id"] = serde_json::json!("evt_other");
    let foreign = event.to_string();
    let result = p::handle_webhook(
        &f.app,
        scoped.society(),
        &f.stripe.sign(&foreign),
        foreign.as_bytes(),
    )
    .await
    .unwrap();
    assert!(matches!(result, WebhookResult::Refused(r) if r.contains("not started on this site")));

    // Nor is one made out for another society (its metadata says so).
    event["data"]["object"]["id"] = serde_json::json!(session);
    event["data"]["object"]["amount_total"] = serde_json::json!(40_000);
    event["data"]["object"]["metadata"]["society"] = serde_json::json!("someone-else");
    event["id"] = serde_json::json!("evt_third");
    let elsewhere = event.to_string();
    let result = p::handle_webhook(
        &f.app,
        scoped.society(),
        &f.stripe.sign(&elsewhere),
        elsewhere.as_bytes(),
    )
    .await
    .unwrap();
    assert!(matches!(result, WebhookResult::Refused(r) if r.contains("another society")));
    assert_eq!(balance(&scoped, invoice).await, Cents(40_000));

    // The refusal did not use up the event id: the genuine event still pays.
    let genuine = p::handle_webhook(
        &f.app,
        scoped.society(),
        &completed.signature,
        completed.body.as_bytes(),
    )
    .await
    .unwrap();
    assert!(matches!(genuine, WebhookResult::Processed(_)));
    assert_eq!(balance(&scoped, invoice).await, Cents(0));
}

#[tokio::test]
async fn a_bank_account_payment_waits_for_the_bank_then_pays() {
    let f = fixture().await;
    let scoped = paying_society(&f, "alpha").await;
    let (membership, invoice) = member_with_invoice(&f, &scoped, "ada@alpha.test").await;
    let session = checkout(&f, &scoped, invoice, true).await;
    f.stripe
        .complete_session(&session, PayWith::UsBankAccount)
        .await
        .unwrap();
    let results = deliver(&f, &scoped).await;
    let processing = &results.last().unwrap().1;
    assert!(
        matches!(processing, WebhookResult::Processed(o) if o.contains("processing")),
        "{processing:?}"
    );
    // Not paid yet, but the account is saved for renewal.
    assert_eq!(balance(&scoped, invoice).await, Cents(40_000));
    assert_eq!(status(&scoped, membership).await, Status::Pending);
    assert_eq!(
        scoped
            .checkout_session(&session)
            .await
            .unwrap()
            .unwrap()
            .status,
        "processing"
    );
    let person = scoped
        .person_by_email("ada@alpha.test")
        .await
        .unwrap()
        .unwrap();
    let methods = scoped.payment_methods_of_person(person).await.unwrap();
    assert_eq!(methods[0].label, "STRIPE TEST BANK •••• 6789");
    assert_eq!(methods[0].kind, "us_bank_account");

    f.stripe.settle_bank_payment(&session).await.unwrap();
    let results = deliver(&f, &scoped).await;
    assert_eq!(results.len(), 2);
    assert_eq!(balance(&scoped, invoice).await, Cents(0));
    assert_eq!(status(&scoped, membership).await, Status::Active);
    assert_eq!(payments_on(&scoped, invoice).await[0].method, "ach");
    assert_eq!(
        scoped
            .checkout_session(&session)
            .await
            .unwrap()
            .unwrap()
            .status,
        "paid"
    );
}

#[tokio::test]
async fn a_returned_bank_payment_leaves_the_invoice_open_and_tells_the_payer() {
    let f = fixture().await;
    let scoped = paying_society(&f, "alpha").await;
    let (_, invoice) = member_with_invoice(&f, &scoped, "ada@alpha.test").await;
    let session = checkout(&f, &scoped, invoice, false).await;
    f.stripe
        .complete_session(&session, PayWith::UsBankAccount)
        .await
        .unwrap();
    deliver(&f, &scoped).await;
    f.stripe.fail_bank_payment(&session).await.unwrap();
    let results = deliver(&f, &scoped).await;
    assert!(
        matches!(&results.last().unwrap().1, WebhookResult::Processed(o) if o.contains("failed"))
    );
    assert_eq!(balance(&scoped, invoice).await, Cents(40_000));
    assert_eq!(
        scoped
            .checkout_session(&session)
            .await
            .unwrap()
            .unwrap()
            .status,
        "failed"
    );
    run_jobs(&f).await;
    let mail = outbox_texts(&f);
    assert!(
        mail.iter()
            .any(|t| t.contains("your bank payment did not go through")
                && unwrapped(t).contains("https://alpha.test/account/membership"))
    );
}

/// A member whose first dues were paid by a card that declines every later off-session charge,
/// with a second (renewal) invoice for 2027.
async fn renewal_with_declining_card(
    f: &Fixture,
    scoped: &Scoped,
) -> (MembershipId, InvoiceId, chapterhouse_core::PaymentMethodId) {
    let (membership, first) = member_with_invoice(f, scoped, "ada@alpha.test").await;
    let session = checkout(f, scoped, first, true).await;
    f.stripe
        .complete_session(&session, PayWith::DecliningCard)
        .await
        .unwrap();
    deliver(f, scoped).await;
    let method = scoped
        .auto_renewal(membership)
        .await
        .unwrap()
        .unwrap()
        .unwrap();
    let renewal = dues_invoice(f, scoped, membership, 2027).await;
    (membership, renewal, method)
}

#[tokio::test]
async fn a_declined_off_session_charge_fails_retries_on_schedule_and_asks_for_a_new_method() {
    let f = fixture().await;
    let scoped = paying_society(&f, "alpha").await;
    let (_, renewal, method) = renewal_with_declining_card(&f, &scoped).await;
    run_jobs(&f).await;
    let mail_before = outbox_texts(&f).len();

    let outcome = p::charge_off_session(&f.app, &scoped, renewal, method)
        .await
        .unwrap();
    assert_eq!(
        outcome,
        ChargeOutcome::Failed {
            message: "Your card was declined.".into(),
            next_attempt_on: Some(date(2026, 11, 24)),
        }
    );
    let attempts = scoped.charge_attempts(renewal).await.unwrap();
    assert_eq!(attempts.len(), 1);
    assert_eq!(attempts[0].outcome, "failed");
    assert_eq!(attempts[0].next_attempt_on.as_deref(), Some("2026-11-24"));
    assert!(
        attempts[0]
            .provider_ref
            .as_deref()
            .unwrap()
            .starts_with("pi_")
    );
    assert_eq!(balance(&scoped, renewal).await, Cents(40_000));
    // What Stripe was asked: an off-session, confirmed charge with an idempotency key.
    let charge = f
        .stripe
        .requests()
        .into_iter()
        .find(|r| r.path == "/v1/payment_intents")
        .unwrap();
    assert_eq!(charge.status, 402);
    assert_eq!(
        charge.idempotency_key.unwrap(),
        format!("chapterhouse-{}-{renewal}-1", scoped.society_id())
    );

    // Stripe's own payment_failed event for the same charge changes nothing more (no 2nd email).
    let results = deliver(&f, &scoped).await;
    assert_eq!(results.len(), 1);
    assert_eq!(results[0].0, "payment_intent.payment_failed");
    run_jobs(&f).await;
    let mail = outbox_texts(&f);
    assert_eq!(
        mail.len(),
        mail_before + 1,
        "one email asking for a new method"
    );
    let asking = unwrapped(mail.last().unwrap());
    assert!(asking.contains("did not go through"));
    assert!(asking.contains("Visa •••• 0341") || asking.contains("0341"));
    assert!(asking.contains("https://alpha.test/account/membership"));
    assert!(asking.contains("24 November 2026"));

    // Asking again before the retry date charges nothing.
    let again = p::charge_off_session(&f.app, &scoped, renewal, method)
        .await
        .unwrap();
    assert!(matches!(again, ChargeOutcome::Failed { .. }));
    assert!(
        p::retry_due_charges(&f.app, &scoped)
            .await
            .unwrap()
            .is_empty()
    );
    assert_eq!(f.stripe.count("POST", "/v1/payment_intents"), 1);

    // Three days later the daily run retries, and schedules day 7 after another decline.
    f.clock.advance_seconds(3 * 86_400);
    let retried = p::retry_due_charges(&f.app, &scoped).await.unwrap();
    assert_eq!(
        retried,
        vec![(
            renewal,
            ChargeOutcome::Failed {
                message: "Your card was declined.".into(),
                next_attempt_on: Some(date(2026, 11, 28)),
            }
        )]
    );
    assert_eq!(scoped.charge_attempts(renewal).await.unwrap().len(), 2);
    assert_eq!(f.stripe.count("POST", "/v1/payment_intents"), 2);

    // On day 7 the society's daily membership run makes the third attempt by itself, once.
    f.clock.advance_seconds(4 * 86_400);
    let worker = Worker::new(f.app.clone());
    worker.schedule_recurring().await.unwrap();
    run_jobs(&f).await;
    worker.schedule_recurring().await.unwrap();
    run_jobs(&f).await;
    let attempts = scoped.charge_attempts(renewal).await.unwrap();
    assert_eq!(attempts.len(), 3);
    assert_eq!(attempts[2].next_attempt_on.as_deref(), Some("2026-12-05"));
    assert_eq!(f.stripe.count("POST", "/v1/payment_intents"), 3);
}

#[tokio::test]
async fn an_off_session_charge_is_recorded_when_its_webhook_arrives() {
    let f = fixture().await;
    let scoped = paying_society(&f, "alpha").await;
    let (membership, first) = member_with_invoice(&f, &scoped, "ada@alpha.test").await;
    let session = checkout(&f, &scoped, first, true).await;
    f.stripe
        .complete_session(&session, PayWith::Card)
        .await
        .unwrap();
    deliver(&f, &scoped).await;
    let method = scoped
        .auto_renewal(membership)
        .await
        .unwrap()
        .unwrap()
        .unwrap();
    let renewal = dues_invoice(&f, &scoped, membership, 2027).await;

    let outcome = p::charge_off_session(&f.app, &scoped, renewal, method)
        .await
        .unwrap();
    assert_eq!(outcome, ChargeOutcome::Succeeded);
    // Confirmation only from the webhook: not paid until it arrives.
    assert_eq!(balance(&scoped, renewal).await, Cents(40_000));
    let results = deliver(&f, &scoped).await;
    assert!(matches!(&results[0].1, WebhookResult::Processed(o) if o.contains("succeeded")));
    assert_eq!(balance(&scoped, renewal).await, Cents(0));
    assert_eq!(
        scoped.charge_attempts(renewal).await.unwrap()[0].outcome,
        "succeeded"
    );
    let terms = scoped
        .membership_state(membership)
        .await
        .unwrap()
        .unwrap()
        .terms;
    assert_eq!(terms.len(), 2, "2026 and 2027");
    // Charging a paid invoice again does nothing.
    assert_eq!(
        p::charge_off_session(&f.app, &scoped, renewal, method)
            .await
            .unwrap(),
        ChargeOutcome::Succeeded
    );
    assert_eq!(f.stripe.count("POST", "/v1/payment_intents"), 1);
}

#[tokio::test]
async fn two_charge_runs_at_once_make_one_charge() {
    let f = fixture().await;
    let scoped = paying_society(&f, "alpha").await;
    let (membership, first) = member_with_invoice(&f, &scoped, "ada@alpha.test").await;
    let session = checkout(&f, &scoped, first, true).await;
    f.stripe
        .complete_session(&session, PayWith::Card)
        .await
        .unwrap();
    deliver(&f, &scoped).await;
    let method = scoped
        .auto_renewal(membership)
        .await
        .unwrap()
        .unwrap()
        .unwrap();
    let renewal = dues_invoice(&f, &scoped, membership, 2027).await;

    let (a, b) = tokio::join!(
        p::charge_off_session(&f.app, &scoped, renewal, method),
        p::charge_off_session(&f.app, &scoped, renewal, method),
    );
    let mut outcomes = [a.unwrap(), b.unwrap()];
    outcomes.sort_by_key(|o| format!("{o:?}"));
    assert_eq!(outcomes, [ChargeOutcome::Pending, ChargeOutcome::Succeeded]);
    assert_eq!(f.stripe.count("POST", "/v1/payment_intents"), 1);
    assert_eq!(scoped.charge_attempts(renewal).await.unwrap().len(), 1);
    deliver(&f, &scoped).await;
    assert_eq!(payments_on(&scoped, renewal).await.len(), 1);
}

#[tokio::test]
async fn members_add_a_method_without_paying_and_remove_it() {
    let f = fixture().await;
    let scoped = paying_society(&f, "alpha").await;
    accounts::create_account(
        &f.app,
        &scoped,
        NewAccountInput {
            email: "ada@alpha.test".into(),
            display_name: "Dr Ada Oncologist".into(),
            role: Role::Member,
            is_operator: false,
            password: Some("member password 1".into()),
        },
        &Actor::default(),
    )
    .await
    .unwrap();
    let (membership, _) = member_with_invoice(&f, &scoped, "ada@alpha.test").await;
    let ada = signed_in(&f, &scoped, "ada@alpha.test", "member password 1").await;
    let url = p::start_method_setup(
        &f.app,
        &scoped,
        &ada,
        "https://alpha.test/account/payment-method?added=1",
        "https://alpha.test/account/payment-method",
    )
    .await
    .unwrap();
    let session = url.rsplit('/').next().unwrap();
    assert_eq!(f.stripe.session(session).unwrap()["mode"], "setup");
    f.stripe
        .complete_session(session, PayWith::Card)
        .await
        .unwrap();
    let results = deliver(&f, &scoped).await;
    assert!(
        matches!(&results[0].1, WebhookResult::Processed(o) if o.contains("Visa •••• 4242")),
        "{results:?}"
    );
    let methods = p::methods_of(&scoped, &ada).await.unwrap();
    assert_eq!(methods.len(), 1);
    assert_eq!(
        scoped.auto_renewal(membership).await.unwrap(),
        Some(Some(methods[0].id))
    );

    // Someone else cannot remove it; Ada can, and it is detached at Stripe too.
    let owner = owner(&f, &scoped).await;
    assert!(matches!(
        p::remove_method(&f.app, &scoped, &owner, methods[0].id, &Actor::default()).await,
        Err(AppError::NotFound)
    ));
    p::remove_method(&f.app, &scoped, &ada, methods[0].id, &Actor::default())
        .await
        .unwrap();
    assert!(p::methods_of(&scoped, &ada).await.unwrap().is_empty());
    assert_eq!(scoped.auto_renewal(membership).await.unwrap(), Some(None));
    assert_eq!(f.stripe.count("POST", "/v1/payment_methods/{id}/detach"), 1);
}

#[tokio::test]
async fn checkout_needs_settings_and_an_amount_owed() {
    let f = fixture().await;
    let s = society(&f, "alpha").await;
    let scoped = f.app.scoped(&s);
    let (_, invoice) = member_with_invoice(&f, &scoped, "ada@alpha.test").await;
    let not_set_up = p::start_checkout(
        &f.app,
        &scoped,
        invoice,
        Cents(40_000),
        "",
        false,
        "https://x/ok",
        "https://x/no",
    )
    .await;
    let Err(AppError::Invalid(errors)) = not_set_up else {
        panic!("{not_set_up:?}")
    };
    assert!(errors.get("payment").unwrap().contains("not set up"));

    let scoped = paying_society(&f, "beta").await;
    let (_, invoice) = member_with_invoice(&f, &scoped, "bo@beta.test").await;
    for amount in [0, 40_001] {
        let result = p::start_checkout(
            &f.app,
            &scoped,
            invoice,
            Cents(amount),
            "",
            false,
            "https://x/ok",
            "https://x/no",
        )
        .await;
        assert!(matches!(result, Err(AppError::Invalid(_))), "{amount}");
    }
    assert_eq!(f.stripe.count("POST", "/v1/checkout/sessions"), 0);
    // A wrong secret key is answered by Stripe with 401: the payer is told plainly.
    let owner = owner(&f, &scoped).await;
    p::save_settings(
        &f.app,
        &scoped,
        &owner,
        &SettingsForm {
            publishable_key: PUBLISHABLE_KEY.into(),
            secret_key: "sk_test_51WrongKeyEntirely".into(),
            webhook_secret: String::new(),
        },
        None,
        &Actor::default(),
    )
    .await
    .unwrap();
    let refused = p::start_checkout(
        &f.app,
        &scoped,
        invoice,
        Cents(40_000),
        "",
        false,
        "https://x/ok",
        "https://x/no",
    )
    .await;
    assert!(matches!(refused, Err(AppError::Invalid(e)) if e.get("payment").is_some()));
    assert_eq!(f.stripe.requests().last().unwrap().status, 401);
}

#[tokio::test]
async fn a_flood_of_junk_is_refused_but_logs_at_most_sixty_a_minute() {
    let f = fixture().await;
    let scoped = paying_society(&f, "alpha").await;
    for i in 0..70 {
        let body = format!("{{\"id\":\"evt_junk_{i}\"}}");
        let result = p::handle_webhook(&f.app, scoped.society(), "t=1,v1=00", body.as_bytes())
            .await
            .unwrap();
        assert_eq!(result, WebhookResult::BadSignature);
    }
    assert_eq!(
        scoped.recent_webhook_rejections(100).await.unwrap().len(),
        60
    );
    // A minute later they are logged again.
    f.clock.advance_seconds(61);
    p::handle_webhook(&f.app, scoped.society(), "", b"{}")
        .await
        .unwrap();
    assert_eq!(
        scoped.recent_webhook_rejections(100).await.unwrap().len(),
        61
    );
}

#[path = "payments/join.rs"]
mod join;
#[path = "payments/join_practice.rs"]
mod join_practice;
#[path = "payments/renewals.rs"]
mod renewals;
