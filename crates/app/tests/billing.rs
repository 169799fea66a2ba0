//! Billing use-case tests: numbering, payments that add dues terms, refunds, credit memos, PDFs
//! and the QuickBooks export. SQLite by default; PostgreSQL when
//! `CHAPTERHOUSE_TEST_DATABASE_URL` is set.

mod common;

use common::{Fixture, fixture, outbox_texts, run_jobs, society};

use chapterhouse_app::billing::{
    self as b, BillTo, NewInvoice, NewLine, NewPayment, PaymentMethodKind,
};
use chapterhouse_app::membership::{self as m, LevelForm, MemberForm};
use chapterhouse_app::{Actor, AppError};
use chapterhouse_core::membership::{Status, Term};
use chapterhouse_core::money::Cents;
use chapterhouse_core::{LevelId, MembershipId, PersonId};
use chapterhouse_store::Scoped;
use jiff::civil::{Date, date};

async fn level(f: &Fixture, scoped: &Scoped) -> LevelId {
    m::create_level(
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
    .unwrap()
}

/// A member with no paid term yet (pending until their dues invoice is paid).
async fn member(f: &Fixture, scoped: &Scoped, level: LevelId, email: &str) -> MembershipId {
    m::add_member(
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
    .id
}

async fn person(scoped: &Scoped, email: &str) -> PersonId {
    scoped.person_by_email(email).await.unwrap().unwrap()
}

fn term_2027() -> Term {
    Term {
        start: date(2027, 1, 1),
        end: Some(date(2027, 12, 31)),
    }
}

fn other_invoice(person: PersonId, unit: i64) -> NewInvoice {
    NewInvoice {
        bill_to: BillTo::Person(person),
        lines: vec![NewLine {
            description: "Annual meeting registration".into(),
            quantity: 1,
            unit: Cents(unit),
            revenue_account: None,
            person: None,
        }],
        due_on: date(2026, 12, 21),
        po_number: String::new(),
        memo: String::new(),
        purpose: "other",
        dues_term: None,
        dedup_key: None,
        nondeductible: Cents::ZERO,
    }
}

fn check(invoice: chapterhouse_core::InvoiceId, amount: i64) -> NewPayment {
    NewPayment {
        invoice,
        amount: Cents(amount),
        method: PaymentMethodKind::Check,
        reference: "Check 1042".into(),
        provider_ref: None,
        received_on: date(2026, 11, 20),
    }
}

async fn status(scoped: &Scoped, id: MembershipId) -> Status {
    scoped.membership_state(id).await.unwrap().unwrap().status
}

#[tokio::test]
async fn concurrent_invoices_get_gapless_numbers_per_society() {
    let f = fixture().await;
    let a = society(&f, "alpha").await;
    let b_soc = society(&f, "beta").await;
    let sa = f.app.scoped(&a);
    let sb = f.app.scoped(&b_soc);
    let lvl = level(&f, &sa).await;
    member(&f, &sa, lvl, "ada@alpha.test").await;
    let ada = person(&sa, "ada@alpha.test").await;

    const N: usize = 12;
    let mut tasks = Vec::new();
    for i in 0..N {
        let app = f.app.clone();
        let scoped = sa.clone();
        tasks.push(tokio::spawn(async move {
            b::issue_invoice(
                &app,
                &scoped,
                &Actor::default(),
                other_invoice(ada, 1_000 + i as i64),
            )
            .await
        }));
    }
    let mut numbers = Vec::new();
    for t in tasks {
        let id = t.await.unwrap().unwrap();
        numbers.push(sa.invoice(id).await.unwrap().unwrap().number);
    }
    numbers.sort();
    assert_eq!(numbers, (1..=N as i64).collect::<Vec<_>>());

    // A refused invoice takes no number: the next one is N + 1.
    let mut bad = other_invoice(ada, 500);
    bad.lines[0].description = String::new();
    let Err(AppError::Invalid(errors)) =
        b::issue_invoice(&f.app, &sa, &Actor::default(), bad).await
    else {
        panic!("an empty description is refused")
    };
    assert_eq!(
        errors.get("description_1"),
        Some("Describe what this line is for.")
    );
    let next = b::issue_invoice(&f.app, &sa, &Actor::default(), other_invoice(ada, 500))
        .await
        .unwrap();
    assert_eq!(
        sa.invoice(next).await.unwrap().unwrap().number,
        N as i64 + 1
    );

    // Another society counts from 1, and cannot bill society A's person.
    let lvl_b = level(&f, &sb).await;
    member(&f, &sb, lvl_b, "bo@beta.test").await;
    let bo = person(&sb, "bo@beta.test").await;
    let first_b = b::issue_invoice(&f.app, &sb, &Actor::default(), other_invoice(bo, 500))
        .await
        .unwrap();
    assert_eq!(sb.invoice(first_b).await.unwrap().unwrap().number, 1);
    let Err(AppError::Invalid(errors)) =
        b::issue_invoice(&f.app, &sb, &Actor::default(), other_invoice(ada, 500)).await
    else {
        panic!("society A's person is not billable from B")
    };
    assert!(errors.get("bill_to").is_some());
    assert!(
        sb.invoice(next).await.unwrap().is_none(),
        "B cannot read A's invoice"
    );
}

#[tokio::test]
async fn concurrent_payments_and_dedup_keys_never_repeat() {
    let f = fixture().await;
    let s = society(&f, "alpha").await;
    let scoped = f.app.scoped(&s);
    let lvl = level(&f, &scoped).await;
    let ms = member(&f, &scoped, lvl, "ada@alpha.test").await;
    // The same renewal invoice requested several times at once: one invoice.
    let mut tasks = Vec::new();
    for _ in 0..6 {
        let app = f.app.clone();
        let scoped = scoped.clone();
        tasks.push(tokio::spawn(async move {
            b::issue_dues_invoice(
                &app,
                &scoped,
                &Actor::default(),
                ms,
                term_2027(),
                None,
                Some("renewal:2027".into()),
            )
            .await
        }));
    }
    let mut ids = Vec::new();
    for t in tasks {
        ids.push(t.await.unwrap().unwrap());
    }
    ids.dedup();
    assert_eq!(ids.len(), 1, "one invoice for one dedup key");
    let invoice = ids[0];
    assert_eq!(scoped.invoice(invoice).await.unwrap().unwrap().number, 1);

    // Eight card payments of $50 with distinct provider refs and the same one replayed.
    let mut tasks = Vec::new();
    for i in 0..8 {
        let app = f.app.clone();
        let scoped = scoped.clone();
        tasks.push(tokio::spawn(async move {
            b::record_payment(
                &app,
                &scoped,
                &Actor::default(),
                NewPayment {
                    invoice,
                    amount: Cents(5_000),
                    method: PaymentMethodKind::Card,
                    reference: String::new(),
                    provider_ref: Some(format!("pi_{}", i % 4)),
                    received_on: date(2026, 11, 21),
                },
            )
            .await
        }));
    }
    for t in tasks {
        t.await.unwrap().unwrap();
    }
    let detail = scoped.invoice_detail(invoice).await.unwrap().unwrap();
    let mut numbers: Vec<i64> = detail.payments.iter().map(|p| p.number).collect();
    numbers.sort();
    assert_eq!(numbers, vec![1, 2, 3, 4], "four distinct provider payments");
    assert_eq!(detail.invoice.amounts.balance(), Cents(20_000));
}

#[tokio::test]
async fn a_dues_invoice_paid_in_full_adds_the_term_and_a_partial_payment_does_not() {
    let f = fixture().await;
    let s = society(&f, "alpha").await;
    let scoped = f.app.scoped(&s);
    let lvl = level(&f, &scoped).await;
    let ms = member(&f, &scoped, lvl, "ada@alpha.test").await;
    assert_eq!(status(&scoped, ms).await, Status::Pending);
    // Dues of $400 for the rest of 2026 (a term that covers today).
    let term = Term {
        start: date(2026, 11, 21),
        end: Some(date(2026, 12, 31)),
    };
    let invoice = b::issue_dues_invoice(
        &f.app,
        &scoped,
        &Actor::default(),
        ms,
        term,
        Some(Cents(6_667)),
        None,
    )
    .await
    .unwrap();
    let issued = scoped.invoice(invoice).await.unwrap().unwrap();
    assert_eq!(issued.amounts.total, Cents(6_667));
    assert_eq!(issued.bill_to_email, "ada@alpha.test");
    assert_eq!(issued.bill_to_name, "Dr Ada Oncologist");
    assert_eq!(issued.purpose, "dues");

    b::record_payment(&f.app, &scoped, &Actor::default(), check(invoice, 6_000))
        .await
        .unwrap();
    assert_eq!(
        status(&scoped, ms).await,
        Status::Pending,
        "a partial payment adds no term"
    );
    assert!(
        scoped
            .membership_state(ms)
            .await
            .unwrap()
            .unwrap()
            .terms
            .is_empty()
    );
    b::record_payment(&f.app, &scoped, &Actor::default(), check(invoice, 667))
        .await
        .unwrap();
    let state = scoped.membership_state(ms).await.unwrap().unwrap();
    assert_eq!(state.status, Status::Active);
    assert_eq!(state.terms, vec![term]);
    let members = scoped.members(&Default::default()).await.unwrap();
    assert_eq!(members[0].status, "active");
    assert_eq!(members[0].term_end.as_deref(), Some("2026-12-31"));
    let paid = scoped.invoice(invoice).await.unwrap().unwrap();
    assert_eq!(paid.amounts.balance(), Cents::ZERO);
    assert_eq!(paid.amounts.state().label(), "Paid");

    // Receipts go to the bill-to email, one per payment.
    run_jobs(&f).await;
    let mail = outbox_texts(&f);
    let receipts: Vec<&String> = mail.iter().filter(|m| m.contains("Receipt for")).collect();
    assert_eq!(receipts.len(), 2);
    assert!(receipts.iter().all(|m| m.contains("ada@alpha.test")));
    assert!(
        receipts
            .iter()
            .any(|m| m.contains("INV-000001") && m.contains("paid in full"))
    );
}

#[tokio::test]
async fn many_dues_invoices_paid_at_once_each_add_their_term() {
    // More concurrent payers than the pool has connections: each writer must finish on the one
    // connection its transaction holds.
    let f = fixture().await;
    let s = society(&f, "alpha").await;
    let scoped = f.app.scoped(&s);
    let lvl = level(&f, &scoped).await;
    let mut invoices = Vec::new();
    for i in 0..12 {
        let ms = member(&f, &scoped, lvl, &format!("m{i}@alpha.test")).await;
        let term = Term {
            start: date(2026, 11, 21),
            end: Some(date(2026, 12, 31)),
        };
        let invoice =
            b::issue_dues_invoice(&f.app, &scoped, &Actor::default(), ms, term, None, None)
                .await
                .unwrap();
        invoices.push((ms, invoice));
    }
    let mut tasks = Vec::new();
    for (i, (_, invoice)) in invoices.iter().enumerate() {
        let app = f.app.clone();
        let scoped = scoped.clone();
        let invoice = *invoice;
        tasks.push(tokio::spawn(async move {
            b::record_payment(
                &app,
                &scoped,
                &Actor::default(),
                NewPayment {
                    invoice,
                    amount: Cents(40_000),
                    method: PaymentMethodKind::Card,
                    reference: String::new(),
                    provider_ref: Some(format!("pi_{i}")),
                    received_on: date(2026, 11, 21),
                },
            )
            .await
        }));
    }
    for t in tasks {
        t.await.unwrap().unwrap();
    }
    for (ms, _) in invoices {
        assert_eq!(status(&scoped, ms).await, Status::Active);
    }
}

#[tokio::test]
async fn a_replayed_provider_payment_is_recorded_once() {
    let f = fixture().await;
    let s = society(&f, "alpha").await;
    let scoped = f.app.scoped(&s);
    let lvl = level(&f, &scoped).await;
    let ms = member(&f, &scoped, lvl, "ada@alpha.test").await;
    let invoice = b::issue_dues_invoice(
        &f.app,
        &scoped,
        &Actor::default(),
        ms,
        term_2027(),
        None,
        None,
    )
    .await
    .unwrap();
    let card = NewPayment {
        invoice,
        amount: Cents(40_000),
        method: PaymentMethodKind::Card,
        reference: "Visa 4242".into(),
        provider_ref: Some("pi_123".into()),
        received_on: date(2026, 11, 21),
    };
    let first = b::record_payment(&f.app, &scoped, &Actor::default(), card.clone())
        .await
        .unwrap();
    let again = b::record_payment(&f.app, &scoped, &Actor::default(), card)
        .await
        .unwrap();
    assert_eq!(first, again);
    let detail = scoped.invoice_detail(invoice).await.unwrap().unwrap();
    assert_eq!(detail.payments.len(), 1);
    assert_eq!(detail.invoice.amounts.balance(), Cents::ZERO);
    assert_eq!(
        scoped
            .membership_state(ms)
            .await
            .unwrap()
            .unwrap()
            .terms
            .len(),
        1
    );
}

#[tokio::test]
async fn refunds_are_limited_to_the_payment_and_credit_memos_reduce_the_balance() {
    let f = fixture().await;
    let s = society(&f, "alpha").await;
    let scoped = f.app.scoped(&s);
    let lvl = level(&f, &scoped).await;
    member(&f, &scoped, lvl, "ada@alpha.test").await;
    let ada = person(&scoped, "ada@alpha.test").await;
    let invoice = b::issue_invoice(
        &f.app,
        &scoped,
        &Actor::default(),
        other_invoice(ada, 30_000),
    )
    .await
    .unwrap();

    // Credit memo: more than the balance is refused; $50 leaves $250.
    let Err(AppError::Invalid(errors)) = b::issue_credit_memo(
        &f.app,
        &scoped,
        &Actor::default(),
        invoice,
        Cents(30_001),
        "Too much".into(),
    )
    .await
    else {
        panic!("a credit memo over the balance is refused")
    };
    assert_eq!(
        errors.get("credit_amount"),
        Some("A credit memo can be at most the balance due, $300.00.")
    );
    b::issue_credit_memo(
        &f.app,
        &scoped,
        &Actor::default(),
        invoice,
        Cents(5_000),
        "Early-bird discount".into(),
    )
    .await
    .unwrap();
    assert_eq!(
        scoped
            .invoice(invoice)
            .await
            .unwrap()
            .unwrap()
            .amounts
            .balance(),
        Cents(25_000)
    );

    // Staff payment: more than the balance is refused, then $250 settles it.
    let seen = Cents(25_000);
    let Err(AppError::Invalid(errors)) = b::record_staff_payment(
        &f.app,
        &scoped,
        &Actor::default(),
        check(invoice, 25_001),
        seen,
    )
    .await
    else {
        panic!("more than the balance is refused")
    };
    assert_eq!(
        errors.get("amount"),
        Some("This is more than the balance due, $250.00.")
    );
    let payment = b::record_staff_payment(
        &f.app,
        &scoped,
        &Actor::default(),
        check(invoice, 25_000),
        seen,
    )
    .await
    .unwrap();
    // The same form sent again (it still shows $250 due) records nothing.
    assert!(matches!(
        b::record_staff_payment(
            &f.app,
            &scoped,
            &Actor::default(),
            check(invoice, 25_000),
            seen
        )
        .await,
        Err(AppError::Stale)
    ));
    assert_eq!(
        scoped
            .invoice_detail(invoice)
            .await
            .unwrap()
            .unwrap()
            .payments
            .len(),
        1
    );

    // Refunds: more than the payment is refused; two partial refunds up to it are fine.
    let Err(AppError::Invalid(errors)) = b::refund_payment(
        &f.app,
        &scoped,
        &Actor::default(),
        payment,
        Cents(25_001),
        "Overpaid".into(),
        None,
    )
    .await
    else {
        panic!("a refund over the payment is refused")
    };
    assert_eq!(
        errors.get("amount"),
        Some("At most $250.00 of this payment can be refunded.")
    );
    let Err(AppError::Invalid(errors)) = b::refund_payment(
        &f.app,
        &scoped,
        &Actor::default(),
        payment,
        Cents(100),
        "  ".into(),
        None,
    )
    .await
    else {
        panic!("a refund needs a reason")
    };
    assert!(errors.get("reason").is_some());
    b::refund_payment(
        &f.app,
        &scoped,
        &Actor::default(),
        payment,
        Cents(20_000),
        "Could not attend".into(),
        None,
    )
    .await
    .unwrap();
    let Err(AppError::Invalid(errors)) = b::refund_payment(
        &f.app,
        &scoped,
        &Actor::default(),
        payment,
        Cents(5_001),
        "More".into(),
        None,
    )
    .await
    else {
        panic!("only what is left of the payment can be refunded")
    };
    assert_eq!(
        errors.get("amount"),
        Some("At most $50.00 of this payment can be refunded.")
    );
    let detail = scoped.invoice_detail(invoice).await.unwrap().unwrap();
    assert_eq!(detail.refunds.len(), 1);
    assert_eq!(detail.refunds[0].number, 1);
    assert_eq!(detail.credit_memos[0].number, 1);
    assert_eq!(
        detail.invoice.amounts.balance(),
        Cents(20_000),
        "300 − 50 credited − 250 paid + 200 refunded"
    );
}

#[tokio::test]
async fn bad_invoices_name_each_field_and_lines_book_to_revenue_accounts() {
    let f = fixture().await;
    let s = society(&f, "alpha").await;
    let scoped = f.app.scoped(&s);
    let lvl = level(&f, &scoped).await;
    member(&f, &scoped, lvl, "ada@alpha.test").await;
    let ada = person(&scoped, "ada@alpha.test").await;
    let bad = NewInvoice {
        lines: vec![NewLine {
            description: "x".into(),
            quantity: 0,
            unit: Cents(-1),
            revenue_account: Some(chapterhouse_core::RevenueAccountId::new()),
            person: None,
        }],
        due_on: date(2026, 11, 1),
        nondeductible: Cents(-5),
        ..other_invoice(ada, 0)
    };
    let Err(AppError::Invalid(errors)) =
        b::issue_invoice(&f.app, &scoped, &Actor::default(), bad).await
    else {
        panic!()
    };
    for field in ["quantity_1", "unit_1", "due_on", "nondeductible"] {
        assert!(errors.get(field).is_some(), "{field}: {errors:?}");
    }
    let unknown_account = NewInvoice {
        lines: vec![NewLine {
            revenue_account: Some(chapterhouse_core::RevenueAccountId::new()),
            ..other_invoice(ada, 100).lines[0].clone()
        }],
        ..other_invoice(ada, 100)
    };
    let Err(AppError::Invalid(errors)) =
        b::issue_invoice(&f.app, &scoped, &Actor::default(), unknown_account).await
    else {
        panic!()
    };
    assert_eq!(errors.get("account_1"), Some("Choose a revenue account."));

    // Revenue accounts: codes are unique; the dues default appears on first use.
    let meetings =
        b::create_revenue_account(&f.app, &scoped, &Actor::default(), "4100", "Annual meeting")
            .await
            .unwrap();
    let Err(AppError::Invalid(errors)) =
        b::create_revenue_account(&f.app, &scoped, &Actor::default(), "4100", "Again").await
    else {
        panic!()
    };
    assert_eq!(
        errors.get("code"),
        Some("Another account already has that code.")
    );
    let with_account = NewInvoice {
        lines: vec![
            NewLine {
                revenue_account: Some(meetings),
                quantity: 2,
                unit: Cents(12_500),
                ..other_invoice(ada, 0).lines[0].clone()
            },
            other_invoice(ada, 4_000).lines[0].clone(),
        ],
        ..other_invoice(ada, 0)
    };
    let id = b::issue_invoice(&f.app, &scoped, &Actor::default(), with_account)
        .await
        .unwrap();
    let detail = scoped.invoice_detail(id).await.unwrap().unwrap();
    assert_eq!(detail.invoice.amounts.total, Cents(29_000));
    assert_eq!(detail.lines[0].amount, Cents(25_000));
    assert_eq!(detail.lines[0].account_name, "Annual meeting");
    assert_eq!(detail.lines[1].account_code, "4000");
    assert_eq!(detail.lines[1].account_name, "Membership dues");
    let accounts = scoped.revenue_accounts().await.unwrap();
    assert_eq!(
        accounts.iter().map(|a| a.code.as_str()).collect::<Vec<_>>(),
        vec!["4000", "4100"]
    );
    assert!(
        scoped
            .audit_entries(50)
            .await
            .unwrap()
            .iter()
            .any(|e| e.action == "invoice.issued" && e.subject == "INV-000001")
    );
}

/// The text of every page of a PDF, with runs of whitespace collapsed to one space.
fn pdf_text(bytes: &[u8]) -> String {
    assert!(bytes.starts_with(b"%PDF-"), "a PDF");
    let doc = lopdf::Document::load_mem(bytes).expect("a readable PDF");
    let pages: Vec<u32> = doc.get_pages().keys().copied().collect();
    let text = doc.extract_text(&pages).expect("text extracts");
    text.split_whitespace().collect::<Vec<_>>().join(" ")
}

#[tokio::test]
async fn invoice_and_receipt_pdfs_carry_the_numbers_amounts_names_and_the_6033e_notice() {
    let f = fixture().await;
    let s = society(&f, "alpha").await;
    let scoped = f.app.scoped(&s);
    let lvl = level(&f, &scoped).await;
    member(&f, &scoped, lvl, "ada@alpha.test").await;
    let ada = person(&scoped, "ada@alpha.test").await;
    let invoice = NewInvoice {
        lines: vec![
            NewLine {
                description:
                    "Active physician membership dues, January 1, 2027 to December 31, 2027".into(),
                quantity: 1,
                unit: Cents(40_000),
                revenue_account: None,
                person: None,
            },
            NewLine {
                description: "Annual meeting – Café dinner".into(),
                quantity: 2,
                unit: Cents(7_550),
                revenue_account: None,
                person: None,
            },
        ],
        po_number: "PO-7781".into(),
        nondeductible: Cents(10_000),
        ..other_invoice(ada, 0)
    };
    let id = b::issue_invoice(&f.app, &scoped, &Actor::default(), invoice)
        .await
        .unwrap();
    let payment = b::record_payment(&f.app, &scoped, &Actor::default(), check(id, 20_000))
        .await
        .unwrap();
    let detail = scoped.invoice_detail(id).await.unwrap().unwrap();
    let text = pdf_text(&b::pdf::invoice_pdf(&s, &detail));
    for expected in [
        "alpha oncology society",
        "1 Main St, Springfield",
        "INVOICE",
        "INV-000001",
        "November 21, 2026",
        "December 21, 2026",
        "PO-7781",
        "Dr Ada Oncologist",
        "ada@alpha.test",
        "Annual meeting – Café dinner",
        "$75.50",
        "$151.00",
        "$551.00",
        "Paid $200.00",
        "Balance due $351.00",
        "$100.00 of your dues is not deductible as a charitable contribution or business \
         expense because of the society's lobbying activities.",
    ] {
        assert!(text.contains(expected), "{expected:?} in {text}");
    }

    let paid = scoped.payment(payment).await.unwrap().unwrap();
    let invoice = scoped.invoice(id).await.unwrap().unwrap();
    let receipt = pdf_text(&b::pdf::receipt_pdf(&s, &paid, &invoice, &[]));
    for expected in [
        "RECEIPT",
        "PMT-000001",
        "November 20, 2026",
        "$200.00",
        "Check (Check 1042)",
        "INV-000001",
        "Dr Ada Oncologist",
        "$351.00",
        "$100.00 of your dues is not deductible",
    ] {
        assert!(receipt.contains(expected), "{expected:?} in {receipt}");
    }

    // No non-deductible share: no notice.
    let plain = b::issue_invoice(&f.app, &scoped, &Actor::default(), other_invoice(ada, 100))
        .await
        .unwrap();
    let detail = scoped.invoice_detail(plain).await.unwrap().unwrap();
    let text = pdf_text(&b::pdf::invoice_pdf(&s, &detail));
    assert!(text.contains("INV-000002"));
    assert!(!text.contains("not deductible"));
}

#[tokio::test]
async fn quickbooks_exports_have_the_import_header_and_one_row_per_line() {
    let f = fixture().await;
    let s = society(&f, "alpha").await;
    let scoped = f.app.scoped(&s);
    let lvl = level(&f, &scoped).await;
    member(&f, &scoped, lvl, "ada@alpha.test").await;
    let ada = person(&scoped, "ada@alpha.test").await;
    let meetings =
        b::create_revenue_account(&f.app, &scoped, &Actor::default(), "4100", "Annual meeting")
            .await
            .unwrap();
    let invoice = NewInvoice {
        lines: vec![
            NewLine {
                description: "=Registration".into(),
                quantity: 2,
                unit: Cents(12_550),
                revenue_account: Some(meetings),
                person: None,
            },
            other_invoice(ada, 40_000).lines[0].clone(),
        ],
        ..other_invoice(ada, 0)
    };
    let id = b::issue_invoice(&f.app, &scoped, &Actor::default(), invoice)
        .await
        .unwrap();
    let payment = b::record_payment(&f.app, &scoped, &Actor::default(), check(id, 65_100))
        .await
        .unwrap();
    b::refund_payment(
        &f.app,
        &scoped,
        &Actor::default(),
        payment,
        Cents(1_000),
        "Overcharged".into(),
        None,
    )
    .await
    .unwrap();

    let csv = b::export::invoices_csv(&scoped, date(2026, 11, 1), date(2026, 11, 30))
        .await
        .unwrap();
    let lines: Vec<&str> = csv.split("\r\n").collect();
    assert_eq!(
        lines[0],
        "\u{feff}InvoiceNo,Customer,InvoiceDate,DueDate,Item(Product/Service),ItemDescription,ItemQuantity,ItemRate,ItemAmount"
    );
    assert_eq!(
        lines[1],
        "INV-000001,Dr Ada Oncologist,11/21/2026,12/21/2026,Annual meeting,'=Registration,2,125.50,251.00"
    );
    assert_eq!(
        lines[2],
        "INV-000001,Dr Ada Oncologist,11/21/2026,12/21/2026,Membership dues,Annual meeting registration,1,400.00,400.00"
    );
    assert_eq!(
        lines.len(),
        4,
        "two lines and the final line break: {csv:?}"
    );
    let outside = b::export::invoices_csv(&scoped, date(2026, 12, 1), date(2026, 12, 31))
        .await
        .unwrap();
    assert_eq!(
        outside.lines().count(),
        1,
        "only the header outside the period"
    );

    let payments = b::export::payments_csv(&scoped, date(2026, 11, 1), date(2026, 11, 30))
        .await
        .unwrap();
    let lines: Vec<&str> = payments.split("\r\n").collect();
    assert_eq!(
        lines[0],
        "\u{feff}PaymentNo,Customer,PaymentDate,InvoiceNo,PaymentMethod,Reference,Amount,Memo"
    );
    assert_eq!(
        lines[1],
        "PMT-000001,Dr Ada Oncologist,11/20/2026,INV-000001,check,Check 1042,651.00,"
    );
    assert_eq!(
        lines[2],
        "RF-000001,Dr Ada Oncologist,11/21/2026,INV-000001,check,,-10.00,Refund of PMT-000001: Overcharged"
    );
}

#[tokio::test]
async fn demo_societies_have_paid_and_open_invoices_a_refund_and_a_credit_memo() {
    let f = fixture().await;
    chapterhouse_app::demo::seed(&f.app).await.unwrap();
    let first = f
        .app
        .store
        .society_by_slug(chapterhouse_app::demo::SOCIETIES[0].slug)
        .await
        .unwrap()
        .unwrap();
    let scoped = f.app.scoped(&first);
    let invoices = scoped
        .invoices_issued_between(Date::MIN, Date::MAX)
        .await
        .unwrap();
    assert!(invoices.len() > 100, "{} invoices", invoices.len());
    let mut numbers: Vec<i64> = invoices.iter().map(|i| i.number).collect();
    numbers.sort();
    assert_eq!(numbers, (1..=invoices.len() as i64).collect::<Vec<_>>());
    let states: Vec<&str> = invoices
        .iter()
        .map(|i| i.amounts.state().as_str())
        .collect();
    for state in ["paid", "open", "partly_paid"] {
        assert!(states.contains(&state), "a demo invoice is {state}");
    }
    assert!(
        invoices
            .iter()
            .any(|i| i.purpose == "dues" && i.membership.is_some())
    );
    let payments = scoped
        .payments_received_between(Date::MIN, Date::MAX)
        .await
        .unwrap();
    for method in ["card", "check"] {
        assert!(payments.iter().any(|p| p.method == method), "{method}");
    }
    assert_eq!(
        scoped
            .refunds_made_between(Date::MIN, Date::MAX)
            .await
            .unwrap()
            .len(),
        1
    );
    assert!(invoices.iter().any(|i| i.amounts.credited.0 > 0));
    let accounts: Vec<String> = scoped
        .revenue_accounts()
        .await
        .unwrap()
        .into_iter()
        .map(|a| a.name)
        .collect();
    assert_eq!(
        accounts,
        vec!["Membership dues", "Annual meeting", "Sponsorship"]
    );
    assert!(outbox_texts(&f).is_empty(), "seeding sends no mail");
    // Seeding again changes nothing.
    chapterhouse_app::demo::seed(&f.app).await.unwrap();
    assert_eq!(
        scoped
            .invoices_issued_between(Date::MIN, Date::MAX)
            .await
            .unwrap()
            .len(),
        invoices.len()
    );
}
