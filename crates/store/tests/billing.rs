//! Billing storage: gapless document numbers under concurrent writers (a rolled-back document
//! gives its number back), documents and their sums, bill-to details copied from people and
//! practices, what a member may see, and composite keys across societies. SQLite by default,
//! PostgreSQL when `CHAPTERHOUSE_TEST_DATABASE_URL` is set.

use std::collections::BTreeSet;

use chapterhouse_core::billing::DocumentKind;
use chapterhouse_core::money::Cents;
use chapterhouse_core::{InvoiceId, PersonId, PracticeId, Timestamp};
use chapterhouse_store::*;
use chapterhouse_testkit::test_db;
use jiff::civil::{Date, date};

const T0: Timestamp = Timestamp(1_795_000_000_000_000);

async fn society(store: &Store, slug: &str) -> Scoped {
    let mut tx = store.begin().await.unwrap();
    let id = insert_society(
        &mut tx,
        &NewSociety {
            slug: slug.into(),
            name: format!("{slug} society"),
            short_name: slug.to_uppercase(),
            primary_host: format!("{slug}.example"),
            time_zone: "America/Chicago".into(),
            tagline: String::new(),
            postal_address: String::new(),
            phone: String::new(),
            email: String::new(),
            sender_address: String::new(),
            primary_color: "#1d4e89".into(),
            is_demo: false,
        },
        T0,
    )
    .await
    .unwrap();
    tx.commit().await.unwrap();
    store.scoped(&store.society_by_id(id).await.unwrap().unwrap())
}

async fn person(scoped: &Scoped, email: &str, name: &str) -> PersonId {
    let mut tx = scoped.begin().await.unwrap();
    let id = tx.insert_person(email, name, T0).await.unwrap();
    tx.commit().await.unwrap();
    id
}

fn row(
    number: i64,
    person: Option<PersonId>,
    practice: Option<PracticeId>,
    bill_to: BillToDetails,
    issued_on: Date,
    total: i64,
) -> NewInvoiceRow {
    NewInvoiceRow {
        number,
        person,
        practice,
        bill_to,
        issued_on,
        due_on: issued_on,
        total: Cents(total),
        nondeductible: Cents::ZERO,
        memo: String::new(),
        purpose: "other".into(),
        membership: None,
        term_start: None,
        term_end: None,
        dedup_key: None,
        created_by: None,
    }
}

/// Issue a one-line invoice to `person` in its own transaction.
async fn invoice(scoped: &Scoped, person: PersonId, issued_on: Date, total: i64) -> InvoiceId {
    let mut tx = scoped.begin().await.unwrap();
    let account = tx
        .ensure_revenue_account("4000", "Membership dues", T0)
        .await
        .unwrap();
    let bill_to = tx.person_bill_to(person).await.unwrap().unwrap();
    let number = tx
        .next_document_number(DocumentKind::Invoice)
        .await
        .unwrap();
    let id = tx
        .insert_invoice(
            &row(number, Some(person), None, bill_to, issued_on, total),
            &[NewInvoiceLineRow {
                description: "Dues".into(),
                quantity: 1,
                unit: Cents(total),
                amount: Cents(total),
                revenue_account: account,
                person: None,
            }],
            T0,
        )
        .await
        .unwrap();
    tx.commit().await.unwrap();
    id
}

#[tokio::test]
async fn document_numbers_are_gapless_under_concurrent_writers_and_rollbacks() {
    let t = test_db().await;
    let store = Store::new(t.db.clone());
    let a = society(&store, "alpha").await;
    let b = society(&store, "beta").await;

    // Writers that hold their transaction open a moment after taking a number; every third
    // rolls back. The committed numbers must be exactly 1..=committed.
    let mut tasks = Vec::new();
    for i in 0..15 {
        let scoped = a.clone();
        tasks.push(tokio::spawn(async move {
            let mut tx = scoped.begin().await.unwrap();
            let n = tx
                .next_document_number(DocumentKind::Payment)
                .await
                .unwrap();
            tokio::time::sleep(std::time::Duration::from_millis(5)).await;
            if i % 3 == 0 {
                drop(tx);
                None
            } else {
                tx.commit().await.unwrap();
                Some(n)
            }
        }));
    }
    let mut committed = Vec::new();
    for task in tasks {
        if let Some(n) = task.await.unwrap() {
            committed.push(n);
        }
    }
    committed.sort();
    assert_eq!(
        committed,
        (1..=10).collect::<Vec<i64>>(),
        "no gaps, no repeats"
    );

    // Each kind and each society has its own sequence; locking does not take a number.
    let mut tx = a.begin().await.unwrap();
    tx.lock_document_counter(DocumentKind::Payment)
        .await
        .unwrap();
    tx.lock_document_counter(DocumentKind::Refund)
        .await
        .unwrap();
    assert_eq!(
        tx.next_document_number(DocumentKind::Payment)
            .await
            .unwrap(),
        11
    );
    assert_eq!(
        tx.next_document_number(DocumentKind::Refund).await.unwrap(),
        1
    );
    assert_eq!(
        tx.next_document_number(DocumentKind::CreditMemo)
            .await
            .unwrap(),
        1
    );
    tx.commit().await.unwrap();
    let mut tx = b.begin().await.unwrap();
    assert_eq!(
        tx.next_document_number(DocumentKind::Payment)
            .await
            .unwrap(),
        1
    );
    tx.commit().await.unwrap();
}

#[tokio::test]
async fn balances_sum_payments_refunds_and_credit_memos() {
    let t = test_db().await;
    let store = Store::new(t.db.clone());
    let a = society(&store, "alpha").await;
    let ada = person(&a, "ada@alpha.example", "Dr Ada").await;
    let inv = invoice(&a, ada, date(2026, 11, 21), 40_000).await;
    let other = invoice(&a, ada, date(2026, 12, 5), 10_000).await;

    let mut tx = a.begin().await.unwrap();
    let mut payment_ids = Vec::new();
    for (amount, provider_ref) in [(30_000, Some("pi_1")), (5_000, None)] {
        let number = tx
            .next_document_number(DocumentKind::Payment)
            .await
            .unwrap();
        payment_ids.push(
            tx.insert_payment(
                &NewPaymentRow {
                    number,
                    invoice: inv,
                    received_on: date(2026, 11, 22),
                    method: "check",
                    reference: String::new(),
                    provider_ref: provider_ref.map(str::to_string),
                    amount: Cents(amount),
                    created_by: None,
                },
                T0,
            )
            .await
            .unwrap(),
        );
    }
    assert_eq!(
        tx.payment_by_provider_ref("pi_1").await.unwrap(),
        Some(payment_ids[0])
    );
    assert_eq!(tx.payment_by_provider_ref("pi_2").await.unwrap(), None);
    let number = tx.next_document_number(DocumentKind::Refund).await.unwrap();
    tx.insert_refund(
        &NewRefundRow {
            number,
            payment: payment_ids[0],
            refunded_on: date(2026, 11, 23),
            amount: Cents(2_500),
            reason: "Partial".into(),
            provider_ref: Some("re_1".into()),
            created_by: None,
        },
        T0,
    )
    .await
    .unwrap();
    let number = tx
        .next_document_number(DocumentKind::CreditMemo)
        .await
        .unwrap();
    tx.insert_credit_memo(
        &NewCreditMemoRow {
            number,
            invoice: inv,
            issued_on: date(2026, 11, 23),
            amount: Cents(1_000),
            reason: "Discount".into(),
            created_by: None,
        },
        T0,
    )
    .await
    .unwrap();
    // Inside the transaction its own documents count already.
    let seen = tx.invoice(inv).await.unwrap().unwrap();
    assert_eq!(
        seen.amounts.balance(),
        Cents(40_000 - 35_000 + 2_500 - 1_000)
    );
    assert!(tx.refund_by_provider_ref("re_1").await.unwrap().is_some());
    tx.commit().await.unwrap();

    let detail = a.invoice_detail(inv).await.unwrap().unwrap();
    assert_eq!(detail.invoice.amounts.paid, Cents(35_000));
    assert_eq!(detail.invoice.amounts.refunded, Cents(2_500));
    assert_eq!(detail.invoice.amounts.credited, Cents(1_000));
    assert_eq!(detail.invoice.amounts.balance(), Cents(6_500));
    assert_eq!(detail.payments[0].refundable(), Cents(27_500));
    assert_eq!(detail.lines[0].account_name, "Membership dues");
    assert_eq!(detail.refunds[0].payment_number, 1);
    assert_eq!(detail.credit_memos[0].reason, "Discount");

    // Reads by period.
    let november = a
        .invoices_issued_between(date(2026, 11, 1), date(2026, 11, 30))
        .await
        .unwrap();
    assert_eq!(november.iter().map(|i| i.id).collect::<Vec<_>>(), vec![inv]);
    let lines = a
        .invoice_lines_issued_between(date(2026, 12, 1), date(2026, 12, 31))
        .await
        .unwrap();
    assert_eq!(lines.len(), 1);
    assert_eq!(
        (lines[0].invoice_number, lines[0].amount),
        (2, Cents(10_000))
    );
    assert_eq!(
        a.payments_received_between(date(2026, 11, 22), date(2026, 11, 22))
            .await
            .unwrap()
            .len(),
        2
    );
    assert!(
        a.payments_received_between(date(2026, 11, 23), date(2026, 12, 31))
            .await
            .unwrap()
            .is_empty()
    );
    assert_eq!(
        a.refunds_made_between(date(2026, 11, 1), date(2026, 11, 30))
            .await
            .unwrap()
            .len(),
        1
    );
    let mine = a.invoices_for_person(ada).await.unwrap();
    assert_eq!(
        mine.iter().map(|i| i.id).collect::<Vec<_>>(),
        vec![other, inv],
        "newest first"
    );
}

#[tokio::test]
async fn bill_to_is_copied_from_people_and_practices_and_managers_see_their_practices() {
    let t = test_db().await;
    let store = Store::new(t.db.clone());
    let a = society(&store, "alpha").await;
    let b = society(&store, "beta").await;
    let ada = person(&a, "ada@alpha.example", "Ada display").await;
    let key = person(&a, "key@alpha.example", "Kim Key").await;
    let billing = person(&a, "billing@alpha.example", "Bill Payer").await;
    let outsider = person(&a, "out@alpha.example", "Out Sider").await;
    let practice = PracticeId::new();
    let society_a = a.society_id().0;
    let exec = |sql: &'static str, binds: Vec<uuid::Uuid>| {
        let db = t.db.clone();
        async move {
            match &db {
                Db::Sqlite(s) => {
                    let mut q = sqlx::query(sql);
                    for b in binds {
                        q = q.bind(b);
                    }
                    q.execute(&s.writer).await.unwrap();
                }
                Db::Postgres(p) => {
                    let mut q = sqlx::query(sql);
                    for b in binds {
                        q = q.bind(b);
                    }
                    q.execute(p).await.unwrap();
                }
            }
        }
    };
    exec(
        "UPDATE person SET first_name = 'Ada', last_name = 'Lovelace' WHERE society_id = $1 AND id = $2",
        vec![society_a, ada.0],
    )
    .await;
    exec(
        "INSERT INTO person_address (society_id, person_id, kind, line1, city, state, postal_code) \
         VALUES ($1, $2, 'home', '1 Home Rd', 'Urbana', 'IL', '61801'), \
                ($1, $2, 'practice', '2 Clinic Way', 'Champaign', 'IL', '61820')",
        vec![society_a, ada.0],
    )
    .await;
    exec(
        "INSERT INTO practice (society_id, id, name, line1, city, state, postal_code, key_contact_id, po_number, created_at) \
         VALUES ($1, $2, 'Prairie Oncology', '9 Elm St', 'Peoria', 'IL', '61602', $3, 'PO-1', 0)",
        vec![society_a, practice.0, key.0],
    )
    .await;
    exec(
        "INSERT INTO practice_link (society_id, practice_id, person_id, is_manager, created_at) \
         VALUES ($1, $2, $3, TRUE, 0), ($1, $2, $4, FALSE, 0)",
        vec![society_a, practice.0, billing.0, outsider.0],
    )
    .await;

    let mut tx = a.begin().await.unwrap();
    let person_bill_to = tx.person_bill_to(ada).await.unwrap().unwrap();
    assert_eq!(
        person_bill_to,
        BillToDetails {
            name: "Ada Lovelace".into(),
            email: "ada@alpha.example".into(),
            address: "2 Clinic Way\nChampaign, IL 61820".into(),
            po_number: String::new(),
        },
        "the first and last name, and the practice address over the home one"
    );
    let by_key = tx.practice_bill_to(practice).await.unwrap().unwrap();
    assert_eq!(by_key.name, "Prairie Oncology");
    assert_eq!(
        by_key.email, "key@alpha.example",
        "no billing contact: the key contact"
    );
    assert_eq!(by_key.address, "Attn: Kim Key\n9 Elm St\nPeoria, IL 61602");
    assert_eq!(by_key.po_number, "PO-1");
    drop(tx);
    exec(
        "UPDATE practice SET billing_contact_id = $3 WHERE society_id = $1 AND id = $2",
        vec![society_a, practice.0, billing.0],
    )
    .await;
    let mut tx = a.begin().await.unwrap();
    let by_billing = tx.practice_bill_to(practice).await.unwrap().unwrap();
    assert_eq!(by_billing.email, "billing@alpha.example");
    assert_eq!(
        by_billing.address,
        "Attn: Bill Payer\n9 Elm St\nPeoria, IL 61602"
    );
    let account = tx
        .ensure_revenue_account("4000", "Membership dues", T0)
        .await
        .unwrap();
    assert_eq!(
        tx.ensure_revenue_account("4000", "Another name", T0)
            .await
            .unwrap(),
        account,
        "ensuring an existing code finds it"
    );
    let number = tx
        .next_document_number(DocumentKind::Invoice)
        .await
        .unwrap();
    let practice_invoice = tx
        .insert_invoice(
            &row(
                number,
                None,
                Some(practice),
                by_billing,
                date(2026, 11, 21),
                120_000,
            ),
            &[],
            T0,
        )
        .await
        .unwrap();
    tx.commit().await.unwrap();
    // Society B's handle cannot bill A's people or practices.
    let mut tx_b = b.begin().await.unwrap();
    assert!(tx_b.person_bill_to(ada).await.unwrap().is_none());
    assert!(tx_b.practice_bill_to(practice).await.unwrap().is_none());
    drop(tx_b);
    let own = invoice(&a, ada, date(2026, 11, 21), 40_000).await;

    let visible = |who| {
        let a = a.clone();
        async move {
            a.invoices_visible_to(who)
                .await
                .unwrap()
                .into_iter()
                .map(|i| i.id)
                .collect::<BTreeSet<_>>()
        }
    };
    assert_eq!(visible(ada).await, BTreeSet::from([own]));
    assert_eq!(
        visible(billing).await,
        BTreeSet::from([practice_invoice]),
        "the manager"
    );
    assert!(
        visible(outsider).await.is_empty(),
        "a linked clinician who is not a manager"
    );
    assert!(
        visible(key).await.is_empty(),
        "the key contact who is not a manager"
    );
    assert!(
        a.invoice_visible_to(practice_invoice, billing)
            .await
            .unwrap()
    );
    assert!(!a.invoice_visible_to(own, billing).await.unwrap());
    assert!(
        b.invoice(own).await.unwrap().is_none(),
        "B cannot read A's invoice"
    );
    assert!(!b.invoice_visible_to(own, ada).await.unwrap());
    assert_eq!(a.invoices_for_practice(practice).await.unwrap().len(), 1);

    // The composite foreign key refuses a line booked to another society's account.
    let mut tx_b = b.begin().await.unwrap();
    let number = tx_b
        .next_document_number(DocumentKind::Invoice)
        .await
        .unwrap();
    let bo = tx_b
        .insert_person("bo@beta.example", "Bo", T0)
        .await
        .unwrap();
    let bill_to = tx_b.person_bill_to(bo).await.unwrap().unwrap();
    let err = tx_b
        .insert_invoice(
            &row(number, Some(bo), None, bill_to, date(2026, 11, 21), 100),
            &[NewInvoiceLineRow {
                description: "x".into(),
                quantity: 1,
                unit: Cents(100),
                amount: Cents(100),
                revenue_account: account,
                person: None,
            }],
            T0,
        )
        .await;
    assert!(err.is_err(), "A's revenue account cannot be used by B");
}
