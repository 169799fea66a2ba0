//! A practice joining through the real router: the form linked from `/join`, more clinician rows
//! without JavaScript (everything typed kept), each problem named at its field with the input
//! kept (422), the invoice reviewed before joining, the invoice mailed to the billing contact
//! through the SMTP sink, and the one answer for a practice already known. Also the practice
//! join part of the isolation harness.

use std::collections::BTreeMap;

use axum::http::StatusCode;
use chapterhouse_app::Actor;
use chapterhouse_app::levels::{self, LevelEditForm};
use chapterhouse_app::membership::{self as m, LevelForm};
use chapterhouse_core::{LevelId, npi};
use chapterhouse_store::Scoped;

use crate::common::{Client, TestApp, TestResponse};

fn npi_from(first_nine: &str) -> String {
    format!("{first_nine}{}", npi::check_digit(first_nine).unwrap())
}

/// "Group practice": $400 (physicians $350, NPs $150, fellows free), renewing on 1 January with
/// proration, at most four clinicians, offered on Join.
async fn practice_level(t: &TestApp, scoped: &Scoped) -> LevelId {
    let base = LevelForm {
        name: "Group practice".into(),
        fee: "400".into(),
        period: "1-year".into(),
        fixed_day: "01-01".into(),
        grace_days: "30".into(),
        for_practices: Some("on".into()),
        prorate: Some("on".into()),
        ..Default::default()
    };
    let id = m::create_level(&t.app, scoped, &base, &Actor::default())
        .await
        .unwrap();
    let pairs: Vec<(String, String)> = [
        ("name", "Group practice"),
        ("fee", "400"),
        ("period", "1-year"),
        ("fixed_day", "01-01"),
        ("grace_days", "30"),
        ("for_practices", "on"),
        ("prorate", "on"),
        ("public_join", "on"),
        ("seat_limit", "4"),
        ("rate_physician", "350"),
        ("rate_nurse_practitioner", "150"),
        ("rate_fellow", "0"),
    ]
    .into_iter()
    .map(|(k, v)| (k.to_string(), v.to_string()))
    .collect();
    levels::update_level(
        &t.app,
        scoped,
        id,
        &LevelEditForm::from_pairs(&pairs),
        &Actor::default(),
    )
    .await
    .unwrap();
    id
}

/// Granite Oncology with a separate billing office, a physician and a fellow, by invoice.
fn fields(level: LevelId) -> Vec<(&'static str, String)> {
    vec![
        ("rows", "5".into()),
        ("name", "Granite Oncology".into()),
        ("npi", npi_from("176048538")),
        ("line1", "12 Quarry Road".into()),
        ("city", "Concord".into()),
        ("state", "NH".into()),
        ("postal_code", "03301".into()),
        ("key_contact_name", "Olga Office".into()),
        ("key_contact_email", "olga@granite.test".into()),
        ("password", "pw-granite-secret".into()),
        ("billing_contact_name", "Bill Ledger".into()),
        ("billing_contact_email", "billing@granite.test".into()),
        ("po_number", "PO-7781".into()),
        ("level", level.to_string()),
        ("c1_first_name", "Ada".into()),
        ("c1_last_name", "Okafor".into()),
        ("c1_credentials", "MD".into()),
        ("c1_profession", "physician".into()),
        ("c1_email", "ada@granite.test".into()),
        ("c1_npi", npi_from("123456789")),
        ("c2_first_name", "Finn".into()),
        ("c2_last_name", "Fellow".into()),
        ("c2_credentials", "MD".into()),
        ("c2_profession", "fellow".into()),
        ("c2_email", "finn@granite.test".into()),
        ("c2_npi", npi_from("323456789")),
        ("pay", "invoice".into()),
    ]
}

async fn post(
    client: &mut Client,
    fields: &[(&'static str, String)],
    action: &str,
) -> TestResponse {
    let mut pairs: Vec<(&str, &str)> = fields.iter().map(|(k, v)| (*k, v.as_str())).collect();
    pairs.push(("action", action));
    client.post("/join/practice", &pairs).await
}

fn set(fields: &mut Vec<(&'static str, String)>, key: &'static str, value: &str) {
    fields.retain(|(k, _)| *k != key);
    fields.push((key, value.to_string()));
}

#[tokio::test]
async fn a_practice_reviews_its_invoice_fixes_its_rows_and_joins_and_the_billing_contact_is_mailed()
{
    let t = TestApp::new().await;
    let s = t.society("alpha").await;
    let scoped = t.app.scoped(&s);
    let level = practice_level(&t, &scoped).await;
    let mut visitor = t.client("alpha.test");

    let join = visitor.get("/join").await;
    assert!(
        join.body.contains(r#"<a href="/join/practice">"#),
        "linked from /join:\n{}",
        join.body
    );
    let page = visitor.get("/join/practice").await;
    assert_eq!(page.status, StatusCode::OK);
    for shown in [
        "<strong>Group practice</strong>",
        "Physician: $350.00",
        "Fellow in training: free",
        "Covers up to 4 clinicians.",
        r#"<label for="f-name">Practice name</label>"#,
        r#"<label for="f-c5_npi">NPI</label>"#,
        r#"<legend>Clinician 5</legend>"#,
    ] {
        assert!(page.body.contains(shown), "{shown} missing:\n{}", page.body);
    }
    assert!(!page.body.contains("f-c6_first_name"), "five rows to start");

    // More rows, without JavaScript: what was typed stays.
    let mut typed = fields(level);
    let more = post(&mut visitor, &typed, "more").await;
    assert_eq!(more.status, StatusCode::OK);
    assert!(more.body.contains(r#"<legend>Clinician 10</legend>"#));
    assert!(more.body.contains(r#"name="rows" value="10""#));
    assert!(
        more.body.contains(r#"value="Finn""#) && more.body.contains(r#"value="Granite Oncology""#)
    );
    assert!(
        !more.body.contains("pw-granite-secret"),
        "the password is never sent back"
    );

    // Problems in rows 2 and 7 and in the practice's NPI: named at each field, input kept.
    set(&mut typed, "rows", "10");
    set(&mut typed, "c2_npi", "1234567890");
    set(&mut typed, "c7_first_name", "Nia");
    set(&mut typed, "c7_email", "nia@granite");
    set(&mut typed, "npi", "1760485388");
    let bad = post(&mut visitor, &typed, "review").await;
    assert_eq!(bad.status, StatusCode::UNPROCESSABLE_ENTITY);
    for shown in [
        r##"<a href="#f-c2_npi">An NPI is 10 digits and the last one is a check digit."##,
        r#"<p class="error" id="e-c7_email">Enter the clinician&#39;s email address"#,
        r#"<p class="error" id="e-c7_last_name">Enter a last name (family name).</p>"#,
        r#"aria-invalid="true" aria-describedby="e-c2_npi""#,
        r#"<p class="error" id="e-npi">An NPI is 10 digits"#,
        r#"value="nia@granite""#,
        r#"value="1234567890""#,
        r#"<legend>Clinician 10</legend>"#,
    ] {
        assert!(bad.body.contains(shown), "{shown} missing:\n{}", bad.body);
    }
    assert!(!bad.body.contains("pw-granite-secret"));
    assert!(
        !bad.body.contains(r#"value="join""#),
        "no Join before a review"
    );

    // Fixed: the invoice is shown before anything is saved.
    let mut good = fields(level);
    let review = post(&mut visitor, &good, "review").await;
    assert_eq!(review.status, StatusCode::OK, "{}", review.body);
    for shown in [
        "The practice's first invoice",
        "Group practice membership, 21 November 2026 to 31 December 2026.",
        "Billed to Bill Ledger (billing@granite.test), PO PO-7781.",
        "<td>Ada Okafor</td><td>Physician</td><td>$350.00</td><td>$58.33 (2 months)</td>",
        "<td>Finn Fellow</td><td>Fellow in training</td><td>Free</td><td>$0.00</td>",
        "<td><strong>$58.33</strong></td>",
        r#"<input type="hidden" name="seen_total" value="5833">"#,
        r#"<button type="submit" name="action" value="join">Join</button>"#,
    ] {
        assert!(
            review.body.contains(shown),
            "{shown} missing:\n{}",
            review.body
        );
    }
    assert_eq!(
        scoped.practices().await.unwrap().len(),
        0,
        "reviewing saves nothing"
    );

    // Joining at another total shows the invoice as it stands instead.
    set(&mut good, "seen_total", "4000");
    let changed = post(&mut visitor, &good, "join").await;
    assert_eq!(changed.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(changed.body.contains("Check the invoice below"));
    assert!(changed.body.contains(r#"name="seen_total" value="5833""#));
    assert_eq!(scoped.practices().await.unwrap().len(), 0);

    set(&mut good, "seen_total", "5833");
    let joined = post(&mut visitor, &good, "join").await;
    assert_eq!(joined.status, StatusCode::SEE_OTHER, "{}", joined.body);
    assert!(joined.location().starts_with("/join/practice/thanks?p="));
    let thanks = visitor.get(&joined.location()).await;
    assert_eq!(thanks.status, StatusCode::OK);
    assert!(
        thanks
            .body
            .contains("We&#39;ve emailed invoice INV-000001 to billing@granite.test"),
        "{}",
        thanks.body
    );

    // The billing contact gets the invoice; the key contact the link to confirm their address.
    let mail = t.deliver_mail(2).await;
    let invoice_mail = mail
        .iter()
        .find(|m| {
            m.header("To")
                .is_some_and(|to| to.contains("billing@granite.test"))
        })
        .expect("the billing contact is mailed");
    assert_eq!(invoice_mail.subject(), "Invoice INV-000001 from ALPHA");
    let text = invoice_mail.body_text();
    assert!(text.contains("Dear Granite Oncology,"), "{text}");
    assert!(text.contains("Invoice INV-000001 for $58.33"), "{text}");
    assert!(mail.iter().any(|m| {
        m.header("To")
            .is_some_and(|to| to.contains("olga@granite.test"))
            && m.body_text().contains("/verify-email/")
    }));

    // The same practice again: the one answer, nothing more written.
    let mut again_client = t.client("alpha.test");
    again_client.get("/join/practice").await;
    let mut again = fields(level);
    set(&mut again, "seen_total", "5833");
    for (key, value) in [
        ("key_contact_email", "someone@else.test".to_string()),
        ("billing_contact_email", "ap@else.test".into()),
        ("c1_email", "ada2@else.test".into()),
        ("c1_npi", npi_from("923456789")),
        ("c2_email", "finn2@else.test".into()),
        ("c2_npi", npi_from("823456789")),
    ] {
        set(&mut again, key, &value);
    }
    let refused = post(&mut again_client, &again, "join").await;
    assert_eq!(refused.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        refused
            .body
            .contains("An account already exists — sign in or contact us.")
    );
    assert!(
        !refused.body.contains(r#"class="error""#),
        "no field is singled out"
    );
    assert_eq!(scoped.practices().await.unwrap().len(), 1);
}

pub type Fixtures =
    BTreeMap<(&'static str, &'static str), Vec<(String, Vec<(&'static str, String)>)>>;

/// The practice join routes, with A's practice level and the page after A's practice joined.
pub fn isolation_fixtures(f: &mut Fixtures, thanks_path: &str, practice_level: &str) {
    f.insert(
        ("GET", "/join/practice"),
        vec![("/join/practice".into(), vec![])],
    );
    let form = |action: &str| {
        vec![
            ("action", action.to_string()),
            ("name", "B practice".into()),
            ("npi", npi_from("176048538")),
            ("line1", "1 B Street".into()),
            ("city", "Bee".into()),
            ("state", "TX".into()),
            ("postal_code", "78701".into()),
            ("key_contact_name", "B".into()),
            ("key_contact_email", "canary-a-joiner@alpha.test".into()),
            ("level", practice_level.to_string()),
            ("c1_first_name", "B".into()),
            ("c1_last_name", "B".into()),
            ("c1_profession", "physician".into()),
            ("c1_email", "canary-a-joiner@alpha.test".into()),
            ("c1_npi", npi_from("555555555")),
            ("pay", "invoice".into()),
            ("seen_total", "40000".into()),
        ]
    };
    f.insert(
        ("POST", "/join/practice"),
        vec![
            ("/join/practice".into(), form("review")),
            ("/join/practice".into(), form("join")),
            ("/join/practice".into(), form("more")),
        ],
    );
    f.insert(
        ("GET", "/join/practice/thanks"),
        vec![(thanks_path.to_string(), vec![])],
    );
}
