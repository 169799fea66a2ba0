//! Joining, renewing and paying an invoice through the real router: the Join page's levels and
//! prices, bad input kept (never the password), the one answer for a known email or NPI, a join
//! paid on the stand-in's hosted page that shows active once the webhook arrives, renewal and
//! "Pay now". Also the join part of the isolation harness.

use std::collections::BTreeMap;

use axum::body::Body;
use axum::http::{Request, StatusCode, header};
use chapterhouse_app::Actor;
use chapterhouse_app::join::{self, JoinForm, JoinOutcome};
use chapterhouse_app::membership::{self as m, LevelForm, MemberForm};
use chapterhouse_app::payments as p;
use chapterhouse_core::{LevelId, Role, npi};
use chapterhouse_store::{Scoped, Society};
use chapterhouse_testkit::{PayWith, StripeStandin};

use crate::common::{Client, PASSWORD, TestApp, path_of};

const SECRET_KEY: &str = "sk_test_51JoinSecretKeyForTests4242";
const WEBHOOK_SECRET: &str = "whsec_JoinWebhookSecretForTests9876";

fn npi_from(first_nine: &str) -> String {
    format!("{first_nine}{}", npi::check_digit(first_nine).unwrap())
}

struct Levels {
    physician: LevelId,
    early_career: LevelId,
}

async fn level(t: &TestApp, scoped: &Scoped, form: LevelForm, public: bool, who: &str) -> LevelId {
    let id = m::create_level(&t.app, scoped, &form, &Actor::default())
        .await
        .unwrap();
    let mut rules = scoped.level_rules(id).await.unwrap().unwrap();
    rules.public_join = public;
    rules.professions = who.into();
    let mut tx = scoped.begin().await.unwrap();
    tx.set_level_rules(id, &rules).await.unwrap();
    tx.commit().await.unwrap();
    id
}

/// Active physician ($360 from 1 January, prorated), Early career ($175, approval), Retired
/// (not on Join) and a practice level (not on Join).
async fn levels(t: &TestApp, scoped: &Scoped) -> Levels {
    let yearly = |name: &str, fee: &str| LevelForm {
        name: name.into(),
        fee: fee.into(),
        period: "1-year".into(),
        grace_days: "30".into(),
        ..Default::default()
    };
    let physician = level(
        t,
        scoped,
        LevelForm {
            fixed_day: "01-01".into(),
            prorate: Some("on".into()),
            ..yearly("Active physician", "360")
        },
        true,
        "physician",
    )
    .await;
    let early_career = level(
        t,
        scoped,
        LevelForm {
            approval_required: Some("on".into()),
            ..yearly("Early career physician", "175")
        },
        true,
        "physician",
    )
    .await;
    level(t, scoped, yearly("Retired", "50"), false, "").await;
    level(
        t,
        scoped,
        LevelForm {
            for_practices: Some("on".into()),
            ..yearly("Group practice", "2000")
        },
        true,
        "",
    )
    .await;
    Levels {
        physician,
        early_career,
    }
}

fn fields(level: LevelId, email: &str, npi: &str, pay: &str) -> Vec<(&'static str, String)> {
    vec![
        ("level", level.to_string()),
        ("first_name", "Ada".into()),
        ("last_name", "Okafor".into()),
        ("credentials", "MD".into()),
        ("profession", "physician".into()),
        ("email", email.into()),
        ("npi", npi.into()),
        ("specialty", "Medical oncology".into()),
        ("practice", "Granite Oncology".into()),
        ("password", "a long join password".into()),
        ("pay", pay.into()),
    ]
}

async fn post_join(
    client: &mut Client,
    fields: &[(&'static str, String)],
) -> crate::common::TestResponse {
    client.get("/join").await;
    let pairs: Vec<(&str, &str)> = fields.iter().map(|(k, v)| (*k, v.as_str())).collect();
    client.post("/join", &pairs).await
}

async fn stand_in(t: &TestApp) -> StripeStandin {
    StripeStandin::start(SECRET_KEY, WEBHOOK_SECRET, t.clock.clone())
        .await
        .unwrap()
}

/// The society's keys, with its API pointed at the stand-in (what `admin payments` does).
async fn set_up_payments(t: &TestApp, society: &Society, stripe: &StripeStandin) {
    p::configure(
        &t.app,
        &t.app.scoped(society),
        &p::SettingsForm {
            publishable_key: "pk_test_51JoinPublishable".into(),
            secret_key: SECRET_KEY.into(),
            webhook_secret: WEBHOOK_SECRET.into(),
        },
        Some(stripe.base_url()),
        &Actor::default(),
    )
    .await
    .unwrap();
}

/// Hand every event the stand-in made to the site's webhook endpoint, as Stripe would.
async fn deliver(t: &TestApp, host: &str, stripe: &StripeStandin) {
    for event in stripe.take_undelivered() {
        let mut client = t.client(host);
        let request = Request::builder()
            .method("POST")
            .uri("/webhooks/stripe")
            .header(header::HOST, host)
            .header(header::CONTENT_TYPE, "application/json; charset=utf-8")
            .header("Stripe-Signature", &event.signature)
            .body(Body::from(event.body.clone()))
            .unwrap();
        let response = client.send(request).await;
        assert_eq!(response.status, StatusCode::OK, "{}", response.body);
    }
}

#[tokio::test]
async fn the_join_page_lists_public_levels_with_prices_and_offers_an_invoice_without_payments() {
    let t = TestApp::new().await;
    let s = t.society("alpha").await;
    t.add_page(&s, "home", "Welcome", "Hello").await;
    let mut visitor = t.client("alpha.test");
    let home = visitor.get("/").await;
    assert!(
        !home.body.contains(r#"href="/join""#),
        "no Join link before there is a level"
    );
    levels(&t, &t.app.scoped(&s)).await;
    // (The home page is cached for two seconds; every page has the header and footer.)
    let home = t.client("alpha.test").get("/sign-in").await;
    assert!(
        home.body.contains(r#"<a href="/join">Join</a>"#),
        "in the header"
    );
    assert!(home.body.contains("Join ALPHA"), "in the footer");

    let page = visitor.get("/join").await;
    assert_eq!(page.status, StatusCode::OK);
    for shown in [
        "<strong>Active physician</strong>: $60.00 now (prorated)",
        "$60.00 for your first term, 21 November 2026 to 31 December 2026: the whole months left of the full fee of $360.00.",
        "<strong>Early career physician</strong>: $175.00",
        "Needs approval: the society&#39;s staff review each application",
        "For: Physician.",
        r#"<label for="f-first_name">First name</label>"#,
        r#"<label for="f-password">Choose a password (optional)</label>"#,
        "Send me an invoice",
    ] {
        assert!(page.body.contains(shown), "{shown} missing:\n{}", page.body);
    }
    for hidden in [
        "Retired",
        "Group practice",
        ">Card<",
        "US bank account (ACH)",
    ] {
        assert!(!page.body.contains(hidden), "{hidden} shown");
    }
}

#[tokio::test]
async fn bad_input_comes_back_with_each_field_named_and_the_input_kept_but_never_the_password() {
    let t = TestApp::new().await;
    let s = t.society("alpha").await;
    let l = levels(&t, &t.app.scoped(&s)).await;
    let mut visitor = t.client("alpha.test");
    let mut bad = fields(l.physician, "ada@", "1234567890", "card");
    bad[2].1 = String::new();
    bad[9].1 = "pw-x9q7".into();
    let response = post_join(&mut visitor, &bad).await;
    assert_eq!(response.status, StatusCode::UNPROCESSABLE_ENTITY);
    for message in [
        "Enter a last name (family name).",
        "Enter your email address, like name@example.org.",
        "An NPI is 10 digits and the last one is a check digit.",
        "Paying online isn&#39;t available yet.",
        "Use at least 10 characters.",
    ] {
        assert!(
            response.body.contains(message),
            "{message}:\n{}",
            response.body
        );
    }
    assert!(response.body.contains(r#"value="Ada""#));
    assert!(response.body.contains(r#"value="ada@""#));
    assert!(response.body.contains(r#"value="1234567890""#));
    assert!(response.body.contains(r#"value="Granite Oncology""#));
    assert!(
        response.body.contains(r##"href="#f-npi""##),
        "the summary links to the field"
    );
    assert!(response.body.contains("Use at least 10 characters."));
    assert!(
        !response.body.contains("pw-x9q7"),
        "the password is never sent back"
    );
    assert_eq!(
        t.app
            .scoped(&s)
            .members(&Default::default())
            .await
            .unwrap()
            .len(),
        0
    );
}

#[tokio::test]
async fn a_known_email_or_npi_gets_one_answer_that_names_neither() {
    let t = TestApp::new().await;
    let s = t.society("alpha").await;
    let l = levels(&t, &t.app.scoped(&s)).await;
    let npi = npi_from("123456789");
    let mut first = t.client("alpha.test");
    let joined = post_join(
        &mut first,
        &fields(l.physician, "ada@alpha.test", &npi, "invoice"),
    )
    .await;
    assert_eq!(joined.status, StatusCode::SEE_OTHER);
    assert!(joined.location().starts_with("/join/thanks?m="));
    let thanks = first.get(&joined.location()).await;
    assert!(
        thanks.body.contains("emailed invoice INV-000001 to you"),
        "{}",
        thanks.body
    );

    let mut bodies = Vec::new();
    for (email, npi) in [
        ("ada@alpha.test", npi_from("111111111")),
        ("someone.else@alpha.test", npi.clone()),
    ] {
        let mut visitor = t.client("alpha.test");
        let again = post_join(&mut visitor, &fields(l.physician, email, &npi, "invoice")).await;
        assert_eq!(again.status, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(
            again
                .body
                .contains("An account already exists — sign in or contact us.")
        );
        assert!(again.body.contains(r#"<a href="/sign-in">Sign in</a>"#));
        assert!(again.body.contains(r#"href="mailto:office@alpha.test""#));
        assert!(
            !again.body.contains("class=\"error\""),
            "no field is singled out"
        );
        bodies.push(again.body.replace(email, "").replace(&npi, ""));
    }
    let strip = |b: &str| {
        regex_lite::Regex::new(r#"value="[^"]*""#)
            .unwrap()
            .replace_all(b, "")
            .to_string()
    };
    assert_eq!(
        strip(&bodies[0]),
        strip(&bodies[1]),
        "the two answers read the same"
    );
    assert_eq!(
        t.app
            .scoped(&s)
            .members(&Default::default())
            .await
            .unwrap()
            .len(),
        1
    );
}

#[tokio::test]
async fn a_join_paid_on_the_hosted_page_is_active_on_the_membership_page_once_confirmed() {
    let t = TestApp::new().await;
    let s = t.society("alpha").await;
    let l = levels(&t, &t.app.scoped(&s)).await;
    let stripe = stand_in(&t).await;
    set_up_payments(&t, &s, &stripe).await;
    let mut visitor = t.client("alpha.test");
    let page = visitor.get("/join").await;
    let csp = page.headers[header::CONTENT_SECURITY_POLICY]
        .to_str()
        .unwrap();
    assert!(
        csp.contains(&format!("form-action 'self' {}", stripe.base_url())),
        "the form may go on to the hosted page: {csp}"
    );
    assert!(page.body.contains("US bank account (ACH)"));
    let mut paid = fields(
        l.physician,
        "ada@alpha.test",
        &npi_from("123456789"),
        "card",
    );
    paid.push(("auto_renew", "on".into()));
    let response = post_join(&mut visitor, &paid).await;
    assert_eq!(response.status, StatusCode::SEE_OTHER, "{}", response.body);
    let hosted = response.location();
    assert!(hosted.starts_with(&format!("{}/checkout/", stripe.base_url())));
    let session_id = hosted.rsplit('/').next().unwrap();
    let session = stripe.session(session_id).unwrap();
    let thanks = path_of(session["success_url"].as_str().unwrap());

    let waiting = visitor.get(&thanks).await;
    assert!(
        waiting.body.contains("We&#39;re confirming your payment"),
        "{}",
        waiting.body
    );
    assert!(!waiting.body.contains("payment of $60.00 is received"));
    assert!(waiting.body.contains("Check again"));

    stripe
        .complete_session(session_id, PayWith::Card)
        .await
        .unwrap();
    deliver(&t, "alpha.test", &stripe).await;
    let welcome = visitor.get(&thanks).await;
    assert!(
        welcome.body.contains("Welcome to ALPHA Oncology Society"),
        "{}",
        welcome.body
    );
    assert!(welcome.body.contains("Your payment of $60.00 is received"));
    // Another society's host cannot open the page.
    t.society("beta").await;
    assert_eq!(
        t.client("beta.test").get(&thanks).await.status,
        StatusCode::NOT_FOUND
    );

    let mut member = t.client("alpha.test");
    member
        .sign_in("ada@alpha.test", "a long join password")
        .await;
    let membership = member.get("/account/membership").await;
    assert!(
        membership.body.contains("Active through 31 December 2026"),
        "{}",
        membership.body
    );
    assert!(
        membership
            .body
            .contains("Automatic renewal is <strong>on</strong>")
    );
}

#[tokio::test]
async fn members_renew_and_pay_open_invoices_but_never_someone_elses() {
    let t = TestApp::new().await;
    let s = t.society("alpha").await;
    let scoped = t.app.scoped(&s);
    let l = levels(&t, &scoped).await;
    let stripe = stand_in(&t).await;
    set_up_payments(&t, &s, &stripe).await;
    t.add_account(&s, "ren@alpha.test", Role::Member).await;
    let added = m::add_member(
        &t.app,
        &scoped,
        &MemberForm {
            display_name: "Dr Renée Renewer".into(),
            email: "ren@alpha.test".into(),
            level: l.early_career.to_string(),
            joined_on: "2026-01-10".into(),
            paid: Some("on".into()),
        },
        &Actor::default(),
    )
    .await
    .unwrap();
    // Someone else's open invoice.
    let other = match join::apply(
        &t.app,
        &scoped,
        &JoinForm {
            level: l.physician.to_string(),
            first_name: "Bo".into(),
            last_name: "Other".into(),
            profession: "physician".into(),
            email: "bo@alpha.test".into(),
            npi: npi_from("987654321"),
            pay: "invoice".into(),
            ..Default::default()
        },
        &Actor::default(),
    )
    .await
    .unwrap()
    {
        JoinOutcome::Joined(joined) => joined.invoice.unwrap(),
        JoinOutcome::AccountExists => panic!("new"),
    };

    let mut member = t.client("alpha.test");
    member.sign_in("ren@alpha.test", PASSWORD).await;
    let portal = member.get("/account/membership").await;
    assert!(portal.body.contains(r#"href="/account/renew""#));
    let own = member.get("/account/renew").await;
    assert!(
        own.body.contains("10 January 2027 to 9 January 2028"),
        "{}",
        own.body
    );
    let page = member
        .get(&format!("/account/renew?membership={}", added.id))
        .await;
    assert!(
        page.body.contains("10 January 2027 to 9 January 2028"),
        "{}",
        page.body
    );
    assert!(page.body.contains("Renew for $175.00"));
    let emailed = member
        .post(
            "/account/renew",
            &[
                ("membership", &added.id.to_string()),
                ("term_start", "2027-01-10"),
                ("pay", "invoice"),
            ],
        )
        .await;
    assert_eq!(emailed.status, StatusCode::OK);
    assert!(
        emailed.body.contains("emailed invoice INV-000002 to you"),
        "{}",
        emailed.body
    );

    let invoices = member.get("/account/invoices").await;
    let pay_now = regex_lite::Regex::new(r#"action="(/account/invoices/[^/"]+/pay)""#).unwrap();
    let action = pay_now.captures(&invoices.body).unwrap()[1].to_string();
    assert!(
        invoices
            .body
            .contains("Pay now<span class=\"visually-hidden\"> INV-000002</span>")
    );
    let hosted = member.post(&action, &[]).await;
    assert_eq!(hosted.status, StatusCode::SEE_OTHER);
    assert!(hosted.location().starts_with(stripe.base_url()));
    stripe
        .complete_session(hosted.location().rsplit('/').next().unwrap(), PayWith::Card)
        .await
        .unwrap();
    deliver(&t, "alpha.test", &stripe).await;
    let after = member.get("/account/invoices?paying=1").await;
    assert!(after.body.contains("confirming your payment"));
    assert!(!after.body.contains(&action), "nothing left to pay on it");
    let again = member.post(&action, &[]).await;
    assert_eq!(again.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(again.body.contains("is already paid"));
    let theirs = member
        .post(&format!("/account/invoices/{other}/pay"), &[])
        .await;
    assert_eq!(theirs.status, StatusCode::NOT_FOUND);
    let portal = member.get("/account/membership").await;
    assert!(
        portal.body.contains("Active through 9 January 2028"),
        "{}",
        portal.body
    );
}

// ---- the isolation harness's joining rows ----

pub struct SeedJoin {
    /// The page after joining, signed for A's society.
    pub thanks_path: String,
    pub membership_id: String,
    pub invoice_id: String,
}

/// A's joiner: a membership at A's level (by invoice), with an open invoice.
pub async fn seed_join(t: &TestApp, scoped: &Scoped, level: LevelId) -> SeedJoin {
    let queued = |t: &TestApp| {
        let db = t.app.store.db().clone();
        let society = scoped.society_id().0;
        async move {
            chapterhouse_testkit::sql::scalar(
                &db,
                "SELECT COUNT(*) FROM job WHERE society_id = $1 AND state = 'queued'",
                &[society.into()],
            )
            .await
        }
    };
    let before = queued(t).await;
    let outcome = join::apply(
        &t.app,
        scoped,
        &JoinForm {
            level: level.to_string(),
            first_name: "Canary".into(),
            last_name: "canary-a-joiner".into(),
            profession: "physician".into(),
            email: "canary-a-joiner@alpha.test".into(),
            npi: npi_from("555555555"),
            pay: "invoice".into(),
            ..Default::default()
        },
        &Actor::default(),
    )
    .await
    .unwrap();
    let JoinOutcome::Joined(joined) = outcome else {
        panic!("A's joiner is new")
    };
    // Their confirmation and invoice mails count as sent: the mail test expects only B's.
    assert_eq!(queued(t).await, before + 2);
    chapterhouse_testkit::sql::exec(
        t.app.store.db(),
        "UPDATE job SET state = 'done' WHERE society_id = $1 AND state = 'queued'",
        &[scoped.society_id().0.into()],
    )
    .await;
    SeedJoin {
        thanks_path: joined.thanks_path.clone(),
        membership_id: joined.membership.to_string(),
        invoice_id: joined.invoice.unwrap().to_string(),
    }
}

type Fixtures = BTreeMap<(&'static str, &'static str), Vec<(String, Vec<(&'static str, String)>)>>;

pub fn isolation_fixtures(f: &mut Fixtures, a: &SeedJoin, level_id: &str, member: &str) {
    f.insert(("GET", "/join"), vec![("/join".into(), vec![])]);
    f.insert(
        ("POST", "/join"),
        vec![(
            "/join".into(),
            vec![
                ("level", level_id.to_string()),
                ("first_name", "B".into()),
                ("last_name", "B".into()),
                ("profession", "physician".into()),
                ("email", "canary-a-joiner@alpha.test".into()),
                ("npi", npi_from("555555555")),
                ("password", "b's long password".into()),
                ("pay", "invoice".into()),
            ],
        )],
    );
    f.insert(
        ("GET", "/join/thanks"),
        vec![(a.thanks_path.clone(), vec![])],
    );
    f.insert(
        ("GET", "/account/renew"),
        vec![
            ("/account/renew".into(), vec![]),
            (format!("/account/renew?membership={member}"), vec![]),
            (
                format!("/account/renew?membership={}", a.membership_id),
                vec![],
            ),
        ],
    );
    f.insert(
        ("POST", "/account/renew"),
        vec![(
            "/account/renew".into(),
            vec![
                ("membership", member.to_string()),
                ("term_start", "2027-11-21".into()),
                ("pay", "invoice".into()),
            ],
        )],
    );
    f.insert(
        ("POST", "/account/invoices/{id}/pay"),
        vec![(format!("/account/invoices/{}/pay", a.invoice_id), vec![])],
    );
}

#[tokio::test]
async fn a_practice_manager_renews_a_colleague_but_not_a_stranger() {
    let t = TestApp::new().await;
    let s = t.society("alpha").await;
    let scoped = t.app.scoped(&s);
    let l = levels(&t, &scoped).await;
    let mut ids = Vec::new();
    for (email, name) in [
        ("col@alpha.test", "Dr Colleen Colleague"),
        ("far@alpha.test", "Dr Farah Stranger"),
    ] {
        let added = m::add_member(
            &t.app,
            &scoped,
            &MemberForm {
                display_name: name.into(),
                email: email.into(),
                level: l.early_career.to_string(),
                joined_on: "2026-01-10".into(),
                paid: Some("on".into()),
            },
            &Actor::default(),
        )
        .await
        .unwrap();
        ids.push(added.id);
    }
    t.add_account(&s, "mgr@alpha.test", Role::Member).await;
    let manager = scoped
        .person_by_email("mgr@alpha.test")
        .await
        .unwrap()
        .unwrap();
    let colleague = scoped
        .person_by_email("col@alpha.test")
        .await
        .unwrap()
        .unwrap();
    let now = t.app.now();
    let mut tx = scoped.begin().await.unwrap();
    let practice = tx
        .insert_practice(
            &chapterhouse_store::PracticeFields {
                name: "Granite Oncology".into(),
                ..Default::default()
            },
            "2026-11-21".parse().unwrap(),
            now,
        )
        .await
        .unwrap();
    tx.link_practice_person(practice, manager, true, now)
        .await
        .unwrap();
    tx.link_practice_person(practice, colleague, false, now)
        .await
        .unwrap();
    tx.commit().await.unwrap();

    let mut client = t.client("alpha.test");
    client.sign_in("mgr@alpha.test", PASSWORD).await;
    let portal = client.get("/account/membership").await;
    let link = format!("/account/renew?membership={}", ids[0]);
    assert!(portal.body.contains(&link), "{}", portal.body);
    let page = client.get(&link).await;
    assert!(
        page.body
            .contains("Renew Dr Colleen Colleague&#39;s membership")
    );
    assert!(page.body.contains("10 January 2027 to 9 January 2028"));
    assert!(
        !page.body.contains("f-auto_renew"),
        "a manager's card is never kept for a colleague"
    );
    let stranger = client
        .get(&format!("/account/renew?membership={}", ids[1]))
        .await;
    assert_eq!(stranger.status, StatusCode::NOT_FOUND);
    let posted = client
        .post(
            "/account/renew",
            &[
                ("membership", &ids[1].to_string()),
                ("term_start", "2027-01-10"),
                ("pay", "invoice"),
            ],
        )
        .await;
    assert_eq!(posted.status, StatusCode::NOT_FOUND);
}
