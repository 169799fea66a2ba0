//! Billing pages: staff issue an invoice, record a check (once, however often the form is sent)
//! and see the balance; bad input is answered with 422 and the input kept; members download only
//! their own (and their managed practices') invoices and receipts; the QuickBooks export. Also
//! the billing part of the isolation harness.

use std::collections::BTreeMap;

use axum::body::Body;
use axum::http::{Request, StatusCode, header};
use chapterhouse_app::Actor;
use chapterhouse_app::billing::{
    self as b, BillTo, NewInvoice, NewLine, NewPayment, PaymentMethodKind,
};
use chapterhouse_core::money::Cents;
use chapterhouse_core::{PersonId, PracticeId, Role};
use chapterhouse_store::{Db, Scoped};
use http_body_util::BodyExt;
use tower::ServiceExt;

use crate::common::{Client, PASSWORD, TestApp};

// ---- the isolation harness's billing rows ----

pub struct SeedBilling {
    pub person_id: String,
    pub invoice_id: String,
    pub payment_id: String,
}

/// An invoice of one line to a person, due at the end of the year.
pub fn invoice_to(person: PersonId, description: &str, unit: i64) -> NewInvoice {
    NewInvoice {
        bill_to: BillTo::Person(person),
        lines: vec![NewLine {
            description: description.into(),
            quantity: 1,
            unit: Cents(unit),
            revenue_account: None,
            person: None,
        }],
        due_on: "2026-12-31".parse().unwrap(),
        po_number: String::new(),
        memo: String::new(),
        purpose: "other",
        dues_term: None,
        dedup_key: None,
        nondeductible: Cents::ZERO,
    }
}

/// Society A's revenue account, and an invoice to a practice with a check payment on it (the
/// practice has no email, so no receipt is queued to disturb the harness's mail test).
pub async fn seed_billing(
    app: &chapterhouse_app::App,
    scoped: &Scoped,
    db: &Db,
    email: &str,
) -> SeedBilling {
    let person = scoped.person_by_email(email).await.unwrap().unwrap();
    let practice = PracticeId::new();
    sql(
        db,
        "INSERT INTO practice (society_id, id, name, created_at) VALUES ($1, $2, 'CANARY-A-PRACTICE-BILLED', 0)",
        &[&scoped.society_id().to_string(), &practice.to_string()],
    )
    .await;
    let account =
        b::create_revenue_account(app, scoped, &Actor::default(), "4100", "CANARY-A-ACCOUNT")
            .await
            .unwrap();
    let mut invoice = invoice_to(person, "CANARY-A-INVOICE", 50_000);
    invoice.bill_to = BillTo::Practice(practice);
    invoice.lines[0].revenue_account = Some(account);
    let invoice = b::issue_invoice(app, scoped, &Actor::default(), invoice)
        .await
        .unwrap();
    let payment = b::record_payment(
        app,
        scoped,
        &Actor::default(),
        NewPayment {
            invoice,
            amount: Cents(20_000),
            method: PaymentMethodKind::Check,
            reference: "CANARY-A-CHECK".into(),
            provider_ref: None,
            received_on: "2026-11-20".parse().unwrap(),
        },
    )
    .await
    .unwrap();
    SeedBilling {
        person_id: person.to_string(),
        invoice_id: invoice.to_string(),
        payment_id: payment.to_string(),
    }
}

/// A's invoices, documents and accounts, to prove B changed none of them.
pub async fn snapshot_billing(scoped: &Scoped) -> String {
    let invoices: Vec<_> = scoped
        .invoices_issued_between(
            chapterhouse_app::billing::Date::MIN,
            chapterhouse_app::billing::Date::MAX,
        )
        .await
        .unwrap()
        .into_iter()
        .map(|i| (i.number, i.bill_to_name, i.amounts))
        .collect();
    let mut documents = Vec::new();
    for (number, ..) in &invoices {
        documents.push(*number);
    }
    let payments: Vec<_> = scoped
        .payments_received_between(
            chapterhouse_app::billing::Date::MIN,
            chapterhouse_app::billing::Date::MAX,
        )
        .await
        .unwrap()
        .into_iter()
        .map(|p| (p.number, p.amount, p.refunded))
        .collect();
    let accounts: Vec<_> = scoped
        .revenue_accounts()
        .await
        .unwrap()
        .into_iter()
        .map(|a| (a.code, a.name))
        .collect();
    format!("{invoices:?}\n{payments:?}\n{accounts:?}")
}

type Fixtures = BTreeMap<(&'static str, &'static str), Vec<(String, Vec<(&'static str, String)>)>>;

pub fn isolation_fixtures(f: &mut Fixtures, a: &SeedBilling) {
    let mut get = |pattern: &'static str, paths: Vec<String>| {
        f.insert(
            ("GET", pattern),
            paths.into_iter().map(|p| (p, vec![])).collect(),
        );
    };
    get(
        "/staff/billing",
        vec![
            "/staff/billing".into(),
            "/staff/billing?from=2000-01-01&to=2100-01-01".into(),
        ],
    );
    get(
        "/staff/billing/accounts",
        vec!["/staff/billing/accounts".into()],
    );
    get(
        "/staff/billing/invoices.csv",
        vec!["/staff/billing/invoices.csv?from=2000-01-01&to=2100-01-01".into()],
    );
    get(
        "/staff/billing/payments.csv",
        vec!["/staff/billing/payments.csv?from=2000-01-01&to=2100-01-01".into()],
    );
    get(
        "/staff/invoices/new",
        vec![
            "/staff/invoices/new".into(),
            format!("/staff/invoices/new?person={}", a.person_id),
            "/staff/invoices/new?q=canary".into(),
        ],
    );
    get(
        "/staff/invoices/{id}",
        vec![format!("/staff/invoices/{}", a.invoice_id)],
    );
    get(
        "/staff/invoices/{id}/pdf",
        vec![format!("/staff/invoices/{}/pdf", a.invoice_id)],
    );
    get(
        "/staff/payments/{id}/receipt.pdf",
        vec![format!("/staff/payments/{}/receipt.pdf", a.payment_id)],
    );
    get("/account/invoices", vec!["/account/invoices".into()]);
    get(
        "/account/invoices/{id}/pdf",
        vec![format!("/account/invoices/{}/pdf", a.invoice_id)],
    );
    get(
        "/account/payments/{id}/receipt.pdf",
        vec![format!("/account/payments/{}/receipt.pdf", a.payment_id)],
    );
    let mut post = |pattern: &'static str, path: String, fields: Vec<(&'static str, String)>| {
        f.insert(("POST", pattern), vec![(path, fields)]);
    };
    post(
        "/staff/billing/accounts",
        "/staff/billing/accounts".into(),
        vec![("code", "4100".into()), ("name", "B's account".into())],
    );
    post(
        "/staff/invoices/new",
        "/staff/invoices/new".into(),
        vec![
            ("person", a.person_id.clone()),
            ("due_on", "2026-12-31".into()),
            ("description_1", "B bills A's member".into()),
            ("unit_1", "10".into()),
        ],
    );
    post(
        "/staff/invoices/{id}/payments",
        format!("/staff/invoices/{}/payments", a.invoice_id),
        vec![
            ("amount", "300".into()),
            ("method", "check".into()),
            ("received_on", "2026-11-21".into()),
            ("seen_balance", "30000".into()),
        ],
    );
    post(
        "/staff/invoices/{id}/credit-memos",
        format!("/staff/invoices/{}/credit-memos", a.invoice_id),
        vec![
            ("credit_amount", "10".into()),
            ("credit_reason", "B".into()),
        ],
    );
    post(
        "/staff/invoices/{id}/refunds",
        format!("/staff/invoices/{}/refunds", a.invoice_id),
        vec![
            ("payment", a.payment_id.clone()),
            ("refund_amount", "10".into()),
            ("refund_reason", "B".into()),
        ],
    );
    post(
        "/staff/invoices/{id}/void",
        format!("/staff/invoices/{}/void", a.invoice_id),
        vec![("void_reason", "B voids A's invoice".into())],
    );
}

// ---- helpers ----

/// GET with the client's session, keeping the body as bytes (PDFs are not text).
async fn get_bytes(t: &TestApp, client: &Client, path: &str) -> (StatusCode, String, Vec<u8>) {
    let mut request = Request::builder()
        .method("GET")
        .uri(path)
        .header(header::HOST, &client.host);
    if let Some(cookie) = &client.cookie {
        request = request.header(header::COOKIE, format!("ch_session={cookie}"));
    }
    let response = t
        .router
        .clone()
        .oneshot(request.body(Body::empty()).unwrap())
        .await
        .unwrap();
    let status = response.status();
    let content_type = response
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("")
        .to_string();
    let bytes = response
        .into_body()
        .collect()
        .await
        .unwrap()
        .to_bytes()
        .to_vec();
    (status, content_type, bytes)
}

/// The text a PDF shows: our PDFs are uncompressed, so this reads the literal strings of the
/// page content (`(…) Tj`), decodes WinAnsi's Latin-1 range, and joins them with spaces. (The
/// app's tests extract text with a real PDF parser.)
fn pdf_text(bytes: &[u8]) -> String {
    assert!(bytes.starts_with(b"%PDF-"), "a PDF");
    let mut strings = Vec::new();
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'(' {
            let mut text = String::new();
            let mut depth = 1;
            i += 1;
            while i < bytes.len() && depth > 0 {
                match bytes[i] {
                    b'\\' if i + 1 < bytes.len() => {
                        i += 1;
                        text.push(bytes[i] as char);
                    }
                    b'(' => {
                        depth += 1;
                        text.push('(');
                    }
                    b')' => {
                        depth -= 1;
                        if depth > 0 {
                            text.push(')');
                        }
                    }
                    byte => text.push(byte as char),
                }
                i += 1;
            }
            strings.push(text);
        } else {
            i += 1;
        }
    }
    strings
        .join(" ")
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
}

async fn person(t: &TestApp, society: &chapterhouse_store::Society, email: &str) -> PersonId {
    t.app
        .scoped(society)
        .person_by_email(email)
        .await
        .unwrap()
        .unwrap()
}

/// The value of the input named `name` in a page.
fn input_value(body: &str, name: &str) -> Option<String> {
    let re = regex_lite::Regex::new(&format!(r#"name="{name}"[^>]*value="([^"]*)""#)).unwrap();
    re.captures(body).map(|c| c[1].to_string())
}

async fn sql(db: &Db, statement: &'static str, binds: &[&str]) {
    fn value(v: &str) -> Result<uuid::Uuid, String> {
        v.parse::<uuid::Uuid>().map_err(|_| v.to_string())
    }
    macro_rules! run {
        ($executor:expr) => {{
            let mut q = sqlx::query(statement);
            for b in binds {
                q = match value(b) {
                    Ok(id) => q.bind(id),
                    Err(text) => match text.parse::<i64>() {
                        Ok(n) => q.bind(n),
                        Err(_) => q.bind(text),
                    },
                };
            }
            q.execute($executor).await.unwrap();
        }};
    }
    match db {
        Db::Sqlite(s) => run!(&s.writer),
        Db::Postgres(p) => run!(p),
    }
}

// ---- tests ----

#[tokio::test]
async fn staff_issue_an_invoice_record_a_check_once_and_see_a_zero_balance() {
    let t = TestApp::new().await;
    let s = t.society("gsco").await;
    t.add_account(&s, "ada@gsco.test", Role::Member).await;
    let mut staff = t.client("gsco.test");
    staff.sign_in("owner@gsco.test", PASSWORD).await;

    let dashboard = staff.get("/staff").await;
    assert!(
        dashboard
            .body
            .contains(r#"<a href="/staff/billing">Billing</a>"#)
    );
    let found = staff.get("/staff/invoices/new?q=ada").await;
    let ada = person(&t, &s, "ada@gsco.test").await;
    assert!(
        found
            .body
            .contains(&format!("/staff/invoices/new?person={ada}"))
    );
    let form = staff
        .get(&format!("/staff/invoices/new?person={ada}"))
        .await;
    assert_eq!(form.status, StatusCode::OK);
    assert!(
        form.body
            .contains(r#"<label for="f-unit_1">Unit price (US dollars)</label>"#)
    );

    // A price with three decimals: 422, the input kept, the problem named.
    let ada_s = ada.to_string();
    let bad = staff
        .post(
            "/staff/invoices/new",
            &[
                ("person", &ada_s),
                ("due_on", "2026-12-21"),
                ("description_1", "Annual meeting registration"),
                ("quantity_1", "1"),
                ("unit_1", "12.345"),
                ("account_1", ""),
            ],
        )
        .await;
    assert_eq!(bad.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(bad.body.contains("Enter a price like 350 or 350.00."));
    assert_eq!(input_value(&bad.body, "unit_1").as_deref(), Some("12.345"));
    assert_eq!(
        input_value(&bad.body, "description_1").as_deref(),
        Some("Annual meeting registration")
    );

    let issued = staff
        .post(
            "/staff/invoices/new",
            &[
                ("person", &ada_s),
                ("due_on", "2026-12-21"),
                ("po_number", "PO-55"),
                ("description_1", "Annual meeting registration"),
                ("quantity_1", "2"),
                ("unit_1", "200"),
                ("account_1", ""),
            ],
        )
        .await;
    assert_eq!(issued.status, StatusCode::SEE_OTHER, "{}", issued.body);
    let location = issued.location();
    let page = staff.get(&location).await;
    assert!(page.body.contains("Invoice INV-000001 issued."));
    assert!(
        page.body
            .contains("<dt>Balance due</dt><dd><strong>$400.00</strong></dd>")
    );
    assert!(page.body.contains("PO-55"));
    let invoice_path = location.split('?').next().unwrap().to_string();

    // A bad amount: 422 with the typed text kept.
    let bad = staff
        .post(
            &format!("{invoice_path}/payments"),
            &[
                ("amount", "four hundred"),
                ("method", "check"),
                ("reference", "Check 1042"),
                ("received_on", "2026-11-20"),
                ("seen_balance", "40000"),
            ],
        )
        .await;
    assert_eq!(bad.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(bad.body.contains("Enter the amount received, like 350.00."));
    assert_eq!(
        input_value(&bad.body, "amount").as_deref(),
        Some("four hundred")
    );
    assert_eq!(
        input_value(&bad.body, "reference").as_deref(),
        Some("Check 1042")
    );

    let check = [
        ("amount", "400.00"),
        ("method", "check"),
        ("reference", "Check 1042"),
        ("received_on", "2026-11-20"),
        ("seen_balance", "40000"),
    ];
    let recorded = staff
        .post(&format!("{invoice_path}/payments"), &check)
        .await;
    assert_eq!(recorded.status, StatusCode::SEE_OTHER);
    let page = staff.get(&recorded.location()).await;
    assert!(page.body.contains("Payment recorded."));
    assert!(
        page.body
            .contains("<dt>Balance due</dt><dd><strong>$0.00</strong></dd>")
    );
    assert!(page.body.contains("PMT-000001"));
    assert!(page.body.contains(">Paid</span>"));
    // The same form sent again (a double click, a reload) records nothing more.
    let again = staff
        .post(&format!("{invoice_path}/payments"), &check)
        .await;
    assert_eq!(again.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        again
            .body
            .contains("the payment may already have been recorded")
    );
    let id = invoice_path.rsplit('/').next().unwrap().parse().unwrap();
    let detail = t.app.scoped(&s).invoice_detail(id).await.unwrap().unwrap();
    assert_eq!(detail.payments.len(), 1);

    // The billing list shows it paid, and links the exports.
    let list = staff.get("/staff/billing").await;
    assert!(list.body.contains("INV-000001"));
    assert!(
        list.body
            .contains("/staff/billing/invoices.csv?from=2026-01-01&#38;to=2026-11-21"),
        "{}",
        list.body
    );

    // Refund part of it and issue nothing over the balance.
    let payment_id = detail.payments[0].id.to_string();
    let too_much = staff
        .post(
            &format!("{invoice_path}/refunds"),
            &[
                ("payment", &payment_id),
                ("refund_amount", "500"),
                ("refund_reason", "Cancelled"),
            ],
        )
        .await;
    assert_eq!(too_much.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        too_much
            .body
            .contains("At most $400.00 of this payment can be refunded.")
    );
    assert_eq!(
        input_value(&too_much.body, "refund_amount").as_deref(),
        Some("500")
    );
    let refunded = staff
        .post(
            &format!("{invoice_path}/refunds"),
            &[
                ("payment", &payment_id),
                ("refund_amount", "100"),
                ("refund_reason", "One day only"),
            ],
        )
        .await;
    assert_eq!(refunded.status, StatusCode::SEE_OTHER);
    let page = staff.get(&refunded.location()).await;
    assert!(page.body.contains("RF-000001"));
    assert!(
        page.body
            .contains("<dt>Balance due</dt><dd><strong>$100.00</strong></dd>")
    );
    let credit = staff
        .post(
            &format!("{invoice_path}/credit-memos"),
            &[("credit_amount", "100"), ("credit_reason", "Waived")],
        )
        .await;
    assert_eq!(credit.status, StatusCode::SEE_OTHER);
    let page = staff.get(&credit.location()).await;
    assert!(page.body.contains("CM-000001"));
    assert!(
        page.body
            .contains("<dt>Balance due</dt><dd><strong>$0.00</strong></dd>")
    );

    // The staff PDF and receipt.
    let (status, content_type, bytes) = get_bytes(&t, &staff, &format!("{invoice_path}/pdf")).await;
    assert_eq!(
        (status, content_type.as_str()),
        (StatusCode::OK, "application/pdf")
    );
    let text = pdf_text(&bytes);
    assert!(
        text.contains("INV-000001")
            && text.contains("Person ada@gsco.test")
            && text.contains("$400.00")
    );
    let (status, _, bytes) = get_bytes(
        &t,
        &staff,
        &format!("/staff/payments/{payment_id}/receipt.pdf"),
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    assert!(pdf_text(&bytes).contains("PMT-000001"));
}

#[tokio::test]
async fn revenue_accounts_and_the_quickbooks_export() {
    let t = TestApp::new().await;
    let s = t.society("gsco").await;
    t.add_account(&s, "ada@gsco.test", Role::Member).await;
    let mut staff = t.client("gsco.test");
    staff.sign_in("owner@gsco.test", PASSWORD).await;
    staff.get("/staff/billing/accounts").await;
    let added = staff
        .post(
            "/staff/billing/accounts",
            &[("code", "4200"), ("name", "Sponsorships")],
        )
        .await;
    assert_eq!(added.status, StatusCode::OK);
    assert!(added.body.contains("Account 4200 Sponsorships added."));
    assert!(added.body.contains("<td>4200</td><td>Sponsorships</td>"));
    let duplicate = staff
        .post(
            "/staff/billing/accounts",
            &[("code", "4200"), ("name", "Exhibits")],
        )
        .await;
    assert_eq!(duplicate.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        duplicate
            .body
            .contains("Another account already has that code.")
    );
    assert_eq!(
        input_value(&duplicate.body, "name").as_deref(),
        Some("Exhibits")
    );

    let scoped = t.app.scoped(&s);
    let ada = person(&t, &s, "ada@gsco.test").await;
    let sponsorships = scoped.revenue_accounts().await.unwrap()[0].id;
    let mut invoice = invoice_to(ada, "Gold sponsorship", 250_000);
    invoice.lines[0].revenue_account = Some(sponsorships);
    b::issue_invoice(&t.app, &scoped, &Actor::default(), invoice)
        .await
        .unwrap();

    let (status, content_type, bytes) = get_bytes(
        &t,
        &staff,
        "/staff/billing/invoices.csv?from=2026-11-01&to=2026-11-30",
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(content_type, "text/csv; charset=utf-8");
    let text = String::from_utf8(bytes).unwrap();
    assert_eq!(
        text,
        "\u{feff}InvoiceNo,Customer,InvoiceDate,DueDate,Item(Product/Service),ItemDescription,ItemQuantity,ItemRate,ItemAmount\r\n\
         INV-000001,Person ada@gsco.test,11/21/2026,12/31/2026,Sponsorships,Gold sponsorship,1,2500.00,2500.00\r\n"
    );
    let bad = staff
        .get("/staff/billing?from=2026-12-01&to=2026-11-01")
        .await;
    assert_eq!(bad.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        bad.body
            .contains("The end of the period must be on or after its start.")
    );
    assert_eq!(
        input_value(&bad.body, "from").as_deref(),
        Some("2026-12-01")
    );
    let (status, ..) = get_bytes(&t, &staff, "/staff/billing/payments.csv?from=nonsense").await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
}

#[tokio::test]
async fn members_download_only_their_own_and_their_practices_invoices() {
    let t = TestApp::new().await;
    let s = t.society("gsco").await;
    let scoped = t.app.scoped(&s);
    for email in ["ada@gsco.test", "bob@gsco.test", "manager@gsco.test"] {
        t.add_account(&s, email, Role::Member).await;
    }
    let ada = person(&t, &s, "ada@gsco.test").await;
    let bob = person(&t, &s, "bob@gsco.test").await;
    let manager = person(&t, &s, "manager@gsco.test").await;

    // Ada's dues invoice: her level says 25% of dues goes to lobbying (IRC 6033(e)).
    let level = chapterhouse_app::membership::create_level(
        &t.app,
        &scoped,
        &chapterhouse_app::membership::LevelForm {
            name: "Active physician".into(),
            fee: "400".into(),
            period: "1-year".into(),
            grace_days: "30".into(),
            ..Default::default()
        },
        &Actor::default(),
    )
    .await
    .unwrap();
    sql(
        &t.db.db,
        "UPDATE membership_level SET nondeductible_bp = 2500 WHERE id = $1",
        &[&level.to_string()],
    )
    .await;
    let added = chapterhouse_app::membership::add_member(
        &t.app,
        &scoped,
        &chapterhouse_app::membership::MemberForm {
            display_name: "Dr Ada".into(),
            email: "ada@gsco.test".into(),
            level: level.to_string(),
            joined_on: String::new(),
            paid: None,
        },
        &Actor::default(),
    )
    .await
    .unwrap();
    let term = chapterhouse_core::membership::Term {
        start: "2026-11-21".parse().unwrap(),
        end: Some("2027-11-20".parse().unwrap()),
    };
    let dues = b::issue_dues_invoice(
        &t.app,
        &scoped,
        &Actor::default(),
        added.id,
        term,
        None,
        None,
    )
    .await
    .unwrap();
    let receipt = b::record_payment(
        &t.app,
        &scoped,
        &Actor::default(),
        NewPayment {
            invoice: dues,
            amount: Cents(40_000),
            method: PaymentMethodKind::Card,
            reference: "Visa 4242".into(),
            provider_ref: Some("pi_1".into()),
            received_on: "2026-11-21".parse().unwrap(),
        },
    )
    .await
    .unwrap();
    let bobs = b::issue_invoice(
        &t.app,
        &scoped,
        &Actor::default(),
        invoice_to(bob, "Bob's registration", 5_000),
    )
    .await
    .unwrap();

    // A practice whose billing contact is the manager; its key contact is Bob.
    let practice = PracticeId::new();
    sql(
        &t.db.db,
        "INSERT INTO practice (society_id, id, name, line1, city, state, postal_code, key_contact_id, \
         billing_contact_id, po_number, created_at) \
         VALUES ($1, $2, 'Prairie Oncology', '9 Elm St', 'Peoria', 'IL', '61602', $3, $4, 'PO-99', 0)",
        &[&s.id.to_string(), &practice.to_string(), &bob.to_string(), &manager.to_string()],
    )
    .await;
    sql(
        &t.db.db,
        "INSERT INTO practice_link (society_id, practice_id, person_id, is_manager, created_at) \
         VALUES ($1, $2, $3, TRUE, 0)",
        &[
            &s.id.to_string(),
            &practice.to_string(),
            &manager.to_string(),
        ],
    )
    .await;
    let practice_invoice = b::issue_invoice(
        &t.app,
        &scoped,
        &Actor::default(),
        NewInvoice {
            bill_to: BillTo::Practice(practice),
            purpose: "practice_dues",
            ..invoice_to(ada, "Seats for 2027", 120_000)
        },
    )
    .await
    .unwrap();
    let issued = scoped.invoice(practice_invoice).await.unwrap().unwrap();
    assert_eq!(issued.bill_to_name, "Prairie Oncology");
    assert_eq!(
        issued.bill_to_email, "manager@gsco.test",
        "the billing contact, not the key contact"
    );
    assert_eq!(issued.po_number, "PO-99");
    assert!(
        issued
            .bill_to_address
            .starts_with("Attn: Person manager@gsco.test\n9 Elm St\nPeoria, IL 61602")
    );

    let mut ada_client = t.client("gsco.test");
    ada_client.sign_in("ada@gsco.test", PASSWORD).await;
    let page = ada_client.get("/account/invoices").await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(page.body.contains("INV-000001") && page.body.contains("PMT-000001"));
    assert!(!page.body.contains("INV-000002") && !page.body.contains("INV-000003"));
    let (status, content_type, bytes) =
        get_bytes(&t, &ada_client, &format!("/account/invoices/{dues}/pdf")).await;
    assert_eq!(
        (status, content_type.as_str()),
        (StatusCode::OK, "application/pdf")
    );
    let text = pdf_text(&bytes);
    assert!(text.contains("INV-000001"));
    assert!(text.contains("Active physician membership dues"));
    assert!(text.contains(
        "$100.00 of your dues is not deductible as a charitable contribution or business expense because of the society's lobbying activities."
    ));
    let (status, _, bytes) = get_bytes(
        &t,
        &ada_client,
        &format!("/account/payments/{receipt}/receipt.pdf"),
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    assert!(pdf_text(&bytes).contains("Card (Visa 4242)"));
    // Someone else's invoice, receipt, the practice's invoice and nonsense ids: not found.
    for path in [
        format!("/account/invoices/{bobs}/pdf"),
        format!("/account/invoices/{practice_invoice}/pdf"),
        "/account/invoices/not-an-id/pdf".to_string(),
        "/account/payments/not-an-id/receipt.pdf".to_string(),
    ] {
        let (status, ..) = get_bytes(&t, &ada_client, &path).await;
        assert_eq!(status, StatusCode::NOT_FOUND, "{path}");
    }
    let mut bob_client = t.client("gsco.test");
    bob_client.sign_in("bob@gsco.test", PASSWORD).await;
    let (status, ..) = get_bytes(
        &t,
        &bob_client,
        &format!("/account/payments/{receipt}/receipt.pdf"),
    )
    .await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    let (status, ..) = get_bytes(
        &t,
        &bob_client,
        &format!("/account/invoices/{practice_invoice}/pdf"),
    )
    .await;
    assert_eq!(
        status,
        StatusCode::NOT_FOUND,
        "a key contact who does not manage the practice"
    );
    // Members cannot open the staff pages.
    let (status, ..) = get_bytes(&t, &bob_client, &format!("/staff/invoices/{bobs}/pdf")).await;
    assert_eq!(status, StatusCode::FORBIDDEN);

    // The practice's manager sees the practice's invoice.
    let mut manager_client = t.client("gsco.test");
    manager_client.sign_in("manager@gsco.test", PASSWORD).await;
    let page = manager_client.get("/account/invoices").await;
    assert!(page.body.contains("Prairie Oncology") && page.body.contains("INV-000003"));
    let (status, _, bytes) = get_bytes(
        &t,
        &manager_client,
        &format!("/account/invoices/{practice_invoice}/pdf"),
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    let text = pdf_text(&bytes);
    assert!(
        text.contains("Prairie Oncology") && text.contains("PO-99") && text.contains("$1,200.00")
    );

    // Signed out: sent to sign in.
    let anonymous = t.client("gsco.test");
    let (status, ..) = get_bytes(&t, &anonymous, &format!("/account/invoices/{dues}/pdf")).await;
    assert_eq!(status, StatusCode::SEE_OTHER);
}

#[tokio::test]
async fn staff_void_an_unpaid_invoice_and_it_is_owed_nowhere() {
    let t = TestApp::new().await;
    let s = t.society("gsco").await;
    t.add_account(&s, "ada@gsco.test", Role::Member).await;
    let ada = person(&t, &s, "ada@gsco.test").await.to_string();
    let mut staff = t.client("gsco.test");
    staff.sign_in("owner@gsco.test", PASSWORD).await;
    let unpaid = issue_invoice(&t, &ada, "200").await;
    let part_paid = issue_invoice(&t, &ada, "300").await;

    // A reason is needed; the form comes back with the problem named.
    let page = staff.get(&unpaid).await;
    assert!(page.body.contains("Void this invoice"));
    let no_reason = staff
        .post(&format!("{unpaid}/void"), &[("void_reason", " ")])
        .await;
    assert_eq!(no_reason.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(no_reason.body.contains("Say why, in a few words"));

    let voided = staff
        .post(
            &format!("{unpaid}/void"),
            &[("void_reason", "Billed twice by mistake")],
        )
        .await;
    assert_eq!(voided.status, StatusCode::SEE_OTHER, "{}", voided.body);
    let page = staff.get(&voided.location()).await;
    assert!(page.body.contains("Invoice voided: nothing is owed on it."));
    assert!(page.body.contains("<strong>VOID.</strong>"));
    assert!(page.body.contains("Reason: Billed twice by mistake"));
    assert!(
        page.body
            .contains("<dt>Balance due</dt><dd><strong>$0.00</strong></dd>")
    );
    assert!(!page.body.contains("Record payment"));
    assert!(!page.body.contains("Void this invoice"));
    let (status, _, pdf) = get_bytes(&t, &staff, &format!("{unpaid}/pdf")).await;
    assert_eq!(status, StatusCode::OK);
    let text = pdf_text(&pdf);
    assert!(
        text.contains("VOID: nothing is owed on this invoice."),
        "{text}"
    );
    assert!(text.contains("Billed twice by mistake"));

    // With a payment recorded, voiding is refused in words.
    staff.get(&part_paid).await;
    let paid = staff
        .post(
            &format!("{part_paid}/payments"),
            &[
                ("amount", "100"),
                ("method", "check"),
                ("received_on", "2026-11-21"),
                ("seen_balance", "30000"),
            ],
        )
        .await;
    assert_eq!(paid.status, StatusCode::SEE_OTHER, "{}", paid.body);
    let refused = staff
        .post(
            &format!("{part_paid}/void"),
            &[("void_reason", "Changed mind")],
        )
        .await;
    assert_eq!(refused.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        refused
            .body
            .contains("A payment is recorded on this invoice")
    );

    // The staff list owes only the part-paid one; Ada sees the void one as void, with nothing
    // to pay, and paying it anyway is refused in words.
    let list = staff.get("/staff/billing").await;
    assert!(
        list.body.contains("$300.00 invoiced, $200.00 outstanding"),
        "{}",
        list.body
    );
    let mut member = t.client("gsco.test");
    member.sign_in("ada@gsco.test", PASSWORD).await;
    let mine = member.get("/account/invoices").await;
    assert!(mine.body.contains("Void"), "{}", mine.body);
    let id = unpaid.rsplit('/').next().unwrap();
    let pay = member
        .post(&format!("/account/invoices/{id}/pay"), &[])
        .await;
    assert_eq!(pay.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        pay.body
            .contains("was cancelled: there is nothing to pay on it.")
    );
}

/// Staff issue a one-line invoice to a person; the invoice's staff page.
async fn issue_invoice(t: &TestApp, person: &str, unit: &str) -> String {
    let mut staff = t.client("gsco.test");
    staff.sign_in("owner@gsco.test", PASSWORD).await;
    let issued = staff
        .post(
            "/staff/invoices/new",
            &[
                ("person", person),
                ("due_on", "2026-12-21"),
                ("description_1", "Annual meeting registration"),
                ("quantity_1", "1"),
                ("unit_1", unit),
                ("account_1", ""),
            ],
        )
        .await;
    assert_eq!(issued.status, StatusCode::SEE_OTHER, "{}", issued.body);
    issued.location().split('?').next().unwrap().to_string()
}
