//! Card and bank payments through the real router: Stripe's webhooks over HTTP from the local
//! stand-in, the staff pages for keys and the webhook log, and the member's saved method.

use axum::body::Body;
use axum::http::{Request, StatusCode, header};
use chapterhouse_app::Actor;
use chapterhouse_app::billing;
use chapterhouse_app::membership::{self as m, LevelForm, MemberForm};
use chapterhouse_app::payments as p;
use chapterhouse_core::membership::{Status, Term};
use chapterhouse_core::money::Cents;
use chapterhouse_core::{InvoiceId, MembershipId, Role};
use chapterhouse_store::{Scoped, Society};
use chapterhouse_testkit::{PayWith, StripeStandin};

use crate::common::{Client, PASSWORD, TestApp};

pub const SECRET_KEY: &str = "sk_test_51WebSecretKeyForTests4242";
pub const WEBHOOK_SECRET: &str = "whsec_WebWebhookSecretForTests9876";
const PUBLISHABLE_KEY: &str = "pk_test_51WebPublishableKey";

async fn stand_in(t: &TestApp) -> StripeStandin {
    StripeStandin::start(SECRET_KEY, WEBHOOK_SECRET, t.clock.clone())
        .await
        .unwrap()
}

/// The owner enters the keys on the settings page; the API then points at the stand-in.
async fn set_up_payments(t: &TestApp, society: &Society, stripe: &StripeStandin) -> Client {
    let host = format!("{}.test", society.slug);
    let mut owner = t.client(&host);
    owner.sign_in(&format!("owner@{}", host), PASSWORD).await;
    owner.get("/staff/settings/payments").await;
    let saved = owner
        .post(
            "/staff/settings/payments",
            &[
                ("publishable_key", PUBLISHABLE_KEY),
                ("secret_key", SECRET_KEY),
                ("webhook_secret", WEBHOOK_SECRET),
            ],
        )
        .await;
    assert_eq!(saved.status, StatusCode::SEE_OTHER, "{}", saved.body);
    p::point_api_at(
        &t.app,
        &t.app.scoped(society),
        stripe.base_url(),
        &Actor::default(),
    )
    .await
    .unwrap();
    owner
}

async fn member_with_invoice(
    t: &TestApp,
    scoped: &Scoped,
    email: &str,
) -> (MembershipId, InvoiceId) {
    let level = m::create_level(
        &t.app,
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
    let membership = m::add_member(
        &t.app,
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
    let invoice = billing::issue_dues_invoice(
        &t.app,
        scoped,
        &Actor::default(),
        membership,
        Term {
            start: "2026-01-01".parse().unwrap(),
            end: Some("2026-12-31".parse().unwrap()),
        },
        None,
        None,
    )
    .await
    .unwrap();
    (membership, invoice)
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

/// POST a webhook body with a signature header to a host, as Stripe would.
async fn post_webhook(
    t: &TestApp,
    host: &str,
    signature: &str,
    body: &str,
) -> (StatusCode, String) {
    let mut client = t.client(host);
    let mut request = Request::builder()
        .method("POST")
        .uri("/webhooks/stripe")
        .header(header::HOST, host)
        .header(header::CONTENT_TYPE, "application/json; charset=utf-8");
    if !signature.is_empty() {
        request = request.header("Stripe-Signature", signature);
    }
    let response = client
        .send(request.body(Body::from(body.to_string())).unwrap())
        .await;
    (response.status, response.body)
}

#[tokio::test]
async fn stripe_webhooks_over_http_pay_the_invoice_and_another_hosts_changes_nothing() {
    let t = TestApp::new().await;
    let alpha = t.society("alpha").await;
    let beta = t.society("beta").await;
    let stripe = stand_in(&t).await;
    set_up_payments(&t, &alpha, &stripe).await;
    let scoped = t.app.scoped(&alpha);
    let (membership, invoice) = member_with_invoice(&t, &scoped, "ada@alpha.test").await;

    // The router on a real socket, so the stand-in POSTs its webhooks over HTTP.
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let router = t.router.clone();
    tokio::spawn(async move {
        axum::serve(listener, router).await.ok();
    });

    let url = p::start_checkout(
        &t.app,
        &scoped,
        invoice,
        Cents(40_000),
        "ada@alpha.test",
        true,
        "https://alpha.test/account/payment-method?added=1",
        "https://alpha.test/account",
    )
    .await
    .unwrap();
    let session = url.rsplit('/').next().unwrap().to_string();

    // First a delivery to the wrong society's host: signed with alpha's secret, sent to beta.
    stripe.set_webhook_target(addr, "beta.test", "/webhooks/stripe");
    stripe
        .complete_session(&session, PayWith::Card)
        .await
        .unwrap();
    let events = stripe.events();
    assert!(events.iter().all(|e| e.delivered_status == Some(400)));
    assert_eq!(balance(&scoped, invoice).await, Cents(40_000));
    assert!(scoped.recent_webhook_events(10).await.unwrap().is_empty());
    let beta_rejections = t
        .app
        .scoped(&beta)
        .recent_webhook_rejections(10)
        .await
        .unwrap();
    assert_eq!(beta_rejections.len(), events.len());
    assert!(beta_rejections[0].reason.contains("not set up"));

    // The same events to alpha's own host: paid, once.
    for event in &events {
        let (status, text) = post_webhook(&t, "alpha.test", &event.signature, &event.body).await;
        assert_eq!(status, StatusCode::OK, "{text}");
    }
    assert_eq!(balance(&scoped, invoice).await, Cents(0));
    assert_eq!(
        scoped
            .membership_state(membership)
            .await
            .unwrap()
            .unwrap()
            .status,
        Status::Active
    );
    let completed = events.last().unwrap();
    let (status, text) =
        post_webhook(&t, "alpha.test", &completed.signature, &completed.body).await;
    assert_eq!(
        (status, text.as_str()),
        (StatusCode::OK, "already processed")
    );
    let (status, _) = post_webhook(&t, "alpha.test", "", &completed.body).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    let (status, _) = post_webhook(&t, "alpha.test", "t=1,v1=00", "not json").await;
    assert_eq!(status, StatusCode::BAD_REQUEST);

    // A bank payment through the stand-in's delivery to alpha: processing, then paid.
    let (_, second) = {
        let ada2 = "bo@alpha.test";
        let membership = m::add_member(
            &t.app,
            &scoped,
            &MemberForm {
                display_name: "Dr Bo".into(),
                email: ada2.into(),
                level: scoped.levels().await.unwrap()[0].id.to_string(),
                joined_on: String::new(),
                paid: None,
            },
            &Actor::default(),
        )
        .await
        .unwrap()
        .id;
        let invoice = billing::issue_dues_invoice(
            &t.app,
            &scoped,
            &Actor::default(),
            membership,
            Term {
                start: "2026-01-01".parse().unwrap(),
                end: Some("2026-12-31".parse().unwrap()),
            },
            None,
            None,
        )
        .await
        .unwrap();
        (membership, invoice)
    };
    stripe.set_webhook_target(addr, "alpha.test", "/webhooks/stripe");
    let url = p::start_checkout(
        &t.app,
        &scoped,
        second,
        Cents(40_000),
        "bo@alpha.test",
        false,
        "https://alpha.test/account",
        "https://alpha.test/account",
    )
    .await
    .unwrap();
    let session = url.rsplit('/').next().unwrap().to_string();
    stripe
        .complete_session(&session, PayWith::UsBankAccount)
        .await
        .unwrap();
    assert_eq!(balance(&scoped, second).await, Cents(40_000));
    stripe.settle_bank_payment(&session).await.unwrap();
    assert_eq!(balance(&scoped, second).await, Cents(0));
    assert!(
        stripe
            .events()
            .iter()
            .rev()
            .take(4)
            .all(|e| e.delivered_status == Some(200))
    );
}

#[tokio::test]
async fn admins_set_the_keys_which_are_never_shown_again() {
    let t = TestApp::new().await;
    let alpha = t.society("alpha").await;
    let mut owner = t.client("alpha.test");
    owner.sign_in("owner@alpha.test", PASSWORD).await;
    let page = owner.get("/staff/settings/payments").await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(page.body.contains("not set up yet"));
    assert!(page.body.contains("https://alpha.test/webhooks/stripe"));
    assert!(
        page.body
            .contains(r#"<label for="f-secret_key">Secret key</label>"#)
    );

    let bad = owner
        .post(
            "/staff/settings/payments",
            &[
                ("publishable_key", "pk_test_51Kept"),
                ("secret_key", "pk_test_51NotASecretKey"),
                ("webhook_secret", "secret"),
            ],
        )
        .await;
    assert_eq!(bad.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(bad.body.contains("starts with sk_live_ or sk_test_"));
    assert!(bad.body.contains("starts with whsec_"));
    assert!(bad.body.contains(r#"value="pk_test_51Kept""#), "input kept");

    let saved = owner
        .post(
            "/staff/settings/payments",
            &[
                ("publishable_key", PUBLISHABLE_KEY),
                ("secret_key", SECRET_KEY),
                ("webhook_secret", WEBHOOK_SECRET),
            ],
        )
        .await;
    assert_eq!(saved.status, StatusCode::SEE_OTHER);
    let page = owner.get(&saved.location()).await;
    assert!(page.body.contains("sk_test_…4242"));
    assert!(page.body.contains("whsec_…9876"));
    assert!(page.body.contains("Test mode"));
    for secret in [SECRET_KEY, WEBHOOK_SECRET, "WebSecretKeyForTests"] {
        assert!(!page.body.contains(secret), "{secret} shown again");
    }
    // Blank secrets keep the saved ones.
    let resaved = owner
        .post(
            "/staff/settings/payments",
            &[("publishable_key", PUBLISHABLE_KEY)],
        )
        .await;
    assert_eq!(resaved.status, StatusCode::SEE_OTHER);
    let settings = p::settings(&t.app, &t.app.scoped(&alpha))
        .await
        .unwrap()
        .unwrap();
    assert_eq!(settings.secret_key, SECRET_KEY);

    // Staff below admin and members may not see or change them.
    t.add_account(&alpha, "staff@alpha.test", Role::Staff).await;
    t.add_account(&alpha, "member@alpha.test", Role::Member)
        .await;
    for email in ["staff@alpha.test", "member@alpha.test"] {
        let mut client = t.client("alpha.test");
        client.sign_in(email, PASSWORD).await;
        assert_eq!(
            client.get("/staff/settings/payments").await.status,
            StatusCode::FORBIDDEN
        );
        let posted = client
            .post(
                "/staff/settings/payments",
                &[
                    ("publishable_key", "pk_test_51Intruder"),
                    ("secret_key", "sk_test_51Intruder"),
                    ("webhook_secret", "whsec_Intruder1"),
                ],
            )
            .await;
        assert_eq!(posted.status, StatusCode::FORBIDDEN);
    }
    let settings = p::settings(&t.app, &t.app.scoped(&alpha))
        .await
        .unwrap()
        .unwrap();
    assert_eq!(settings.publishable_key, PUBLISHABLE_KEY);
    assert_eq!(settings.secret_key, SECRET_KEY);
}

#[tokio::test]
async fn staff_see_refused_and_accepted_webhooks() {
    let t = TestApp::new().await;
    let alpha = t.society("alpha").await;
    let stripe = stand_in(&t).await;
    let mut owner = set_up_payments(&t, &alpha, &stripe).await;
    let (status, _) = post_webhook(
        &t,
        "alpha.test",
        "t=1,v1=abcdef",
        r#"{"id":"evt_probe","object":"event","type":"checkout.session.completed"}"#,
    )
    .await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    let body = r#"{"id":"evt_other_1","object":"event","type":"customer.created","created":1,"data":{"object":{"id":"cus_1"}}}"#;
    let (status, text) = post_webhook(&t, "alpha.test", &stripe.sign(body), body).await;
    assert_eq!(status, StatusCode::OK);
    assert!(text.contains("ignored"));

    let log = owner.get("/staff/payments/webhooks").await;
    assert_eq!(log.status, StatusCode::OK);
    assert!(log.body.contains("bad signature: no v1 signature matches"));
    assert!(
        log.body.contains("evt_probe"),
        "the start of the message is shown"
    );
    assert!(log.body.contains("customer.created"));
    assert!(log.body.contains("ignored: not an event we act on"));
    let mut visitor = t.client("alpha.test");
    assert_ne!(
        visitor.get("/staff/payments/webhooks").await.status,
        StatusCode::OK
    );
}

#[tokio::test]
async fn members_see_add_and_remove_their_saved_method() {
    let t = TestApp::new().await;
    let alpha = t.society("alpha").await;
    let stripe = stand_in(&t).await;
    set_up_payments(&t, &alpha, &stripe).await;
    let scoped = t.app.scoped(&alpha);
    t.add_account(&alpha, "ada@alpha.test", Role::Member).await;
    let (membership, invoice) = member_with_invoice(&t, &scoped, "ada@alpha.test").await;
    let mut ada = t.client("alpha.test");
    ada.sign_in("ada@alpha.test", PASSWORD).await;
    let page = ada.get("/account/payment-method").await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(
        page.body
            .contains("You have no saved card or bank account.")
    );
    assert!(page.body.contains("Off. We email you an invoice"));

    // Paying with "save for automatic renewal".
    let url = p::start_checkout(
        &t.app,
        &scoped,
        invoice,
        Cents(40_000),
        "ada@alpha.test",
        true,
        "https://alpha.test/account",
        "https://alpha.test/account",
    )
    .await
    .unwrap();
    stripe
        .complete_session(url.rsplit('/').next().unwrap(), PayWith::Card)
        .await
        .unwrap();
    for event in stripe.take_undelivered() {
        let (status, _) = post_webhook(&t, "alpha.test", &event.signature, &event.body).await;
        assert_eq!(status, StatusCode::OK);
    }
    let page = ada.get("/account/payment-method").await;
    assert!(page.body.contains("Visa •••• 4242"));
    // The browser may follow the form's redirect to the hosted page (form-action allows it).
    let policy = page.headers[header::CONTENT_SECURITY_POLICY]
        .to_str()
        .unwrap();
    assert!(
        policy.contains(&format!("form-action 'self' {};", stripe.base_url())),
        "{policy}"
    );
    assert!(policy.contains("frame-ancestors 'none'"));
    assert!(page.body.contains("On, charging Visa •••• 4242."));

    // Adding another goes to Stripe's page in setup mode.
    let add = ada.post("/account/payment-method/add", &[]).await;
    assert_eq!(add.status, StatusCode::SEE_OTHER);
    assert!(
        add.location()
            .starts_with(&format!("{}/checkout/cs_test_", stripe.base_url()))
    );

    let method = scoped
        .auto_renewal(membership)
        .await
        .unwrap()
        .unwrap()
        .unwrap();
    let removed = ada
        .post(&format!("/account/payment-method/{method}/remove"), &[])
        .await;
    assert_eq!(removed.status, StatusCode::SEE_OTHER);
    let page = ada.get(&removed.location()).await;
    assert!(
        page.body
            .contains("You have no saved card or bank account.")
    );
    assert!(page.body.contains("we will email you an invoice"));
    // Removing it again, or a made-up id, is a plain 404.
    assert_eq!(
        ada.post(&format!("/account/payment-method/{method}/remove"), &[])
            .await
            .status,
        StatusCode::NOT_FOUND
    );
    assert_eq!(
        ada.post("/account/payment-method/not-an-id/remove", &[])
            .await
            .status,
        StatusCode::NOT_FOUND
    );
}

/// For the isolation harness: society A with Stripe keys, a refused and an accepted webhook, and
/// a saved card used for automatic renewal, each carrying a canary. Returns the method's id.
pub async fn seed_a_payments(t: &TestApp, a: &Society, member_email: &str) -> String {
    let scoped = t.app.scoped(a);
    let signed = chapterhouse_app::accounts::sign_in_with_password(
        &t.app,
        &scoped,
        "owner@alpha.test",
        PASSWORD,
        &Actor::default(),
    )
    .await
    .unwrap();
    let owner = chapterhouse_app::accounts::current_user(&t.app, &scoped, &signed.session_token)
        .await
        .unwrap()
        .unwrap();
    p::save_settings(
        &t.app,
        &scoped,
        &owner,
        &p::SettingsForm {
            publishable_key: "pk_test_CANARYAPUBLISHABLE".into(),
            secret_key: SECRET_KEY.into(),
            webhook_secret: WEBHOOK_SECRET.into(),
        },
        // Nothing listens here: no request B makes may reach A's processor anyway.
        Some("http://127.0.0.1:9"),
        &Actor::default(),
    )
    .await
    .unwrap();
    p::handle_webhook(&t.app, a, "t=1,v1=00", br#"{"id":"CANARY-A-WEBHOOK"}"#)
        .await
        .unwrap();
    let body = r#"{"id":"evt_CANARY-A-EVENT","object":"event","type":"customer.created","created":1,"data":{"object":{}}}"#;
    let now = t.app.now().0 / 1_000_000;
    let signature =
        chapterhouse_core::stripe::signature_header(WEBHOOK_SECRET, now, body.as_bytes());
    let accepted = p::handle_webhook(&t.app, a, &signature, body.as_bytes())
        .await
        .unwrap();
    assert!(matches!(accepted, p::WebhookResult::Processed(_)));
    let person = scoped.person_by_email(member_email).await.unwrap().unwrap();
    let membership = scoped.membership_of_person(person).await.unwrap().unwrap();
    let mut tx = scoped.begin().await.unwrap();
    let method = tx
        .upsert_payment_method(
            &chapterhouse_store::NewPaymentMethod {
                person: Some(person),
                practice: None,
                provider_customer_id: "cus_canary",
                provider_method_id: "pm_canary",
                kind: "card",
                label: "CANARY-A-CARD •••• 4242",
            },
            t.app.now(),
        )
        .await
        .unwrap();
    tx.set_auto_renewal(membership, Some(method), t.app.now())
        .await
        .unwrap();
    tx.commit().await.unwrap();
    method.to_string()
}

/// For the isolation harness: A's payment rows that B must not change.
pub async fn snapshot_a_payments(t: &TestApp, a: &Society, member_email: &str) -> String {
    let scoped = t.app.scoped(a);
    let settings = p::settings(&t.app, &scoped).await.unwrap().unwrap();
    let person = scoped.person_by_email(member_email).await.unwrap().unwrap();
    let membership = scoped.membership_of_person(person).await.unwrap().unwrap();
    let methods: Vec<_> = scoped
        .payment_methods_of_person(person)
        .await
        .unwrap()
        .into_iter()
        .map(|m| (m.label, m.provider_method_id))
        .collect();
    format!(
        "{} {} {} {}\n{methods:?} {:?}\n{} events, {} rejections",
        settings.publishable_key,
        settings.secret_key,
        settings.webhook_secret,
        settings.api_base,
        scoped.auto_renewal(membership).await.unwrap(),
        scoped.recent_webhook_events(100).await.unwrap().len(),
        scoped.recent_webhook_rejections(100).await.unwrap().len(),
    )
}

#[tokio::test]
async fn the_isolation_canaries_for_payments_are_there_for_their_own_society() {
    let t = TestApp::new().await;
    let alpha = t.society("alpha").await;
    t.add_account(&alpha, "canary-a-member@alpha.test", Role::Member)
        .await;
    member_with_invoice(&t, &t.app.scoped(&alpha), "canary-a-member@alpha.test").await;
    seed_a_payments(&t, &alpha, "canary-a-member@alpha.test").await;
    let mut owner = t.client("alpha.test");
    owner.sign_in("owner@alpha.test", PASSWORD).await;
    let log = owner.get("/staff/payments/webhooks").await.body;
    assert!(log.contains("CANARY-A-WEBHOOK") && log.contains("CANARY-A-EVENT"));
    let mut member = t.client("alpha.test");
    member.sign_in("canary-a-member@alpha.test", PASSWORD).await;
    assert!(
        member
            .get("/account/payment-method")
            .await
            .body
            .contains("CANARY-A-CARD")
    );
}
