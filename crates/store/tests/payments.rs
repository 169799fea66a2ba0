//! Payment storage: webhook event ids recorded once per society, charge attempts claimed once and
//! settled once, checkout sessions that only move forward, saved methods bound to one society
//! and person. SQLite by default, PostgreSQL when `CHAPTERHOUSE_TEST_DATABASE_URL` is set.

use chapterhouse_core::billing::DocumentKind;
use chapterhouse_core::membership::Status;
use chapterhouse_core::money::Cents;
use chapterhouse_core::{InvoiceId, LevelId, PersonId, Timestamp};
use chapterhouse_store::*;
use chapterhouse_testkit::test_db;
use jiff::civil::date;

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

async fn person(scoped: &Scoped, email: &str) -> PersonId {
    let mut tx = scoped.begin().await.unwrap();
    let id = tx.insert_person(email, "Dr Ada", T0).await.unwrap();
    tx.commit().await.unwrap();
    id
}

async fn invoice(scoped: &Scoped, person: PersonId) -> InvoiceId {
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
            &NewInvoiceRow {
                number,
                person: Some(person),
                practice: None,
                bill_to,
                issued_on: date(2026, 11, 21),
                due_on: date(2026, 12, 21),
                total: Cents(40_000),
                nondeductible: Cents::ZERO,
                memo: String::new(),
                purpose: "other".into(),
                membership: None,
                term_start: None,
                term_end: None,
                dedup_key: None,
                created_by: None,
            },
            &[NewInvoiceLineRow {
                description: "Dues".into(),
                quantity: 1,
                unit: Cents(40_000),
                amount: Cents(40_000),
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
async fn webhook_events_are_recorded_once_per_society() {
    let t = test_db().await;
    let store = Store::new(t.db.clone());
    let a = society(&store, "alpha").await;
    let b = society(&store, "beta").await;
    let mut tx = a.begin().await.unwrap();
    assert!(
        tx.insert_webhook_event("evt_1", "x", "done", T0)
            .await
            .unwrap()
    );
    // The duplicate does not abort the transaction (PostgreSQL): later writes still work.
    assert!(
        !tx.insert_webhook_event("evt_1", "x", "again", T0)
            .await
            .unwrap()
    );
    tx.insert_webhook_rejection("bad signature", "{...}", T0)
        .await
        .unwrap();
    tx.commit().await.unwrap();
    assert!(a.webhook_event_seen("evt_1").await.unwrap());
    assert!(!b.webhook_event_seen("evt_1").await.unwrap());
    let mut tx = b.begin().await.unwrap();
    assert!(
        tx.insert_webhook_event("evt_1", "x", "done", T0)
            .await
            .unwrap()
    );
    tx.commit().await.unwrap();
    let events = a.recent_webhook_events(10).await.unwrap();
    assert_eq!(events.len(), 1);
    assert_eq!(events[0].outcome, "done");
    assert_eq!(a.recent_webhook_rejections(10).await.unwrap().len(), 1);
    assert!(b.recent_webhook_rejections(10).await.unwrap().is_empty());
    assert_eq!(a.webhook_rejections_since(T0).await.unwrap(), 1);
    assert_eq!(
        a.webhook_rejections_since(T0.plus_seconds(1))
            .await
            .unwrap(),
        0
    );
}

#[tokio::test]
async fn charge_attempts_are_claimed_once_and_settled_once() {
    let t = test_db().await;
    let store = Store::new(t.db.clone());
    let a = society(&store, "alpha").await;
    let ada = person(&a, "ada@alpha.test").await;
    let inv = invoice(&a, ada).await;
    let attempt = |no| NewChargeAttempt {
        invoice: inv,
        attempt_no: no,
        attempted_on: date(2026, 11, 21),
        amount_cents: 40_000,
        provider_method_id: "pm_1",
    };
    let mut tx = a.begin().await.unwrap();
    let first = tx.insert_charge_attempt(&attempt(1), T0).await.unwrap();
    assert!(first.is_some());
    assert_eq!(
        tx.insert_charge_attempt(&attempt(1), T0).await.unwrap(),
        None
    );
    tx.commit().await.unwrap();
    let first = first.unwrap();

    let mut tx = a.begin().await.unwrap();
    tx.set_charge_provider_ref(first, "pi_1").await.unwrap();
    tx.set_charge_provider_ref(first, "pi_other").await.unwrap();
    assert!(
        tx.fail_charge_attempt(first, "Your card was declined.", Some(date(2026, 11, 24)))
            .await
            .unwrap()
    );
    assert!(!tx.fail_charge_attempt(first, "again", None).await.unwrap());
    assert!(!tx.succeed_charge_attempt(first).await.unwrap());
    tx.commit().await.unwrap();
    let row = a
        .charge_attempt_by_provider_ref("pi_1")
        .await
        .unwrap()
        .unwrap();
    assert_eq!(row.id, first);
    assert_eq!(row.failure_message, "Your card was declined.");

    assert!(
        a.charge_retries_due(date(2026, 11, 23))
            .await
            .unwrap()
            .is_empty()
    );
    let due = a.charge_retries_due(date(2026, 11, 24)).await.unwrap();
    assert_eq!(due.len(), 1);
    let mut tx = a.begin().await.unwrap();
    let second = tx
        .insert_charge_attempt(&attempt(2), T0)
        .await
        .unwrap()
        .unwrap();
    assert!(tx.succeed_charge_attempt(second).await.unwrap());
    tx.commit().await.unwrap();
    // Once a later attempt exists, the failed one is no longer due.
    assert!(
        a.charge_retries_due(date(2026, 12, 31))
            .await
            .unwrap()
            .is_empty()
    );
    assert_eq!(a.charge_attempts(inv).await.unwrap().len(), 2);
    // Another society sees none of it.
    let b = society(&store, "beta").await;
    assert!(b.charge_attempts(inv).await.unwrap().is_empty());
    assert!(b.charge_attempt(first).await.unwrap().is_none());
}

#[tokio::test]
async fn checkout_sessions_move_only_forward() {
    let t = test_db().await;
    let store = Store::new(t.db.clone());
    let a = society(&store, "alpha").await;
    let ada = person(&a, "ada@alpha.test").await;
    let inv = invoice(&a, ada).await;
    let mut tx = a.begin().await.unwrap();
    tx.insert_checkout_session("cs_1", inv, 40_000, true, T0)
        .await
        .unwrap();
    assert!(
        tx.set_checkout_session_status("cs_1", ["open", "open"], "processing", Some("pi_1"), T0)
            .await
            .unwrap()
    );
    assert!(
        tx.set_checkout_session_status("cs_1", ["open", "processing"], "paid", None, T0)
            .await
            .unwrap()
    );
    assert!(
        !tx.set_checkout_session_status("cs_1", ["open", "processing"], "failed", None, T0)
            .await
            .unwrap(),
        "a late failure cannot undo a payment"
    );
    tx.commit().await.unwrap();
    let row = a.checkout_session("cs_1").await.unwrap().unwrap();
    assert_eq!(row.status, "paid");
    assert_eq!(row.provider_payment_ref.as_deref(), Some("pi_1"));
    assert_eq!(row.completed_at, Some(T0.0));
    let b = society(&store, "beta").await;
    assert!(b.checkout_session("cs_1").await.unwrap().is_none());
    // B cannot record a session for A's invoice: the composite key refuses it.
    let mut tx = b.begin().await.unwrap();
    assert!(
        tx.insert_checkout_session("cs_2", inv, 1, false, T0)
            .await
            .is_err()
    );
}

#[tokio::test]
async fn saved_methods_belong_to_one_society_and_person() {
    let t = test_db().await;
    let store = Store::new(t.db.clone());
    let a = society(&store, "alpha").await;
    let b = society(&store, "beta").await;
    let ada = person(&a, "ada@alpha.test").await;
    let bo = person(&a, "bo@alpha.test").await;
    let method = |person| NewPaymentMethod {
        person: Some(person),
        practice: None,
        provider_customer_id: "cus_1",
        provider_method_id: "pm_1",
        kind: "card",
        label: "Visa •••• 4242",
    };
    let mut tx = a.begin().await.unwrap();
    let level: LevelId = tx
        .insert_level(
            &LevelFields {
                name: "Active".into(),
                description: String::new(),
                for_practices: false,
                fee_cents: 40_000,
                period_months: Some(12),
                fixed_month: None,
                fixed_day: None,
                grace_days: 30,
                approval_required: false,
                prorate: false,
                sort_order: 0,
            },
            T0,
        )
        .await
        .unwrap();
    let membership = tx
        .insert_membership(ada, level, date(2026, 1, 1), Status::Active, None, T0)
        .await
        .unwrap();
    let id = tx.upsert_payment_method(&method(ada), T0).await.unwrap();
    assert_eq!(
        tx.upsert_payment_method(&method(ada), T0).await.unwrap(),
        id,
        "saving the same method again finds it"
    );
    tx.set_auto_renewal(membership, Some(id), T0).await.unwrap();
    tx.commit().await.unwrap();
    assert_eq!(a.payment_methods_of_person(ada).await.unwrap().len(), 1);
    assert_eq!(a.auto_renewal(membership).await.unwrap(), Some(Some(id)));
    assert_eq!(a.membership_of_person(ada).await.unwrap(), Some(membership));

    // Another society can neither see it nor attach a method to A's person.
    assert!(b.payment_method(id).await.unwrap().is_none());
    let mut tx = b.begin().await.unwrap();
    assert!(
        tx.upsert_payment_method(
            &NewPaymentMethod {
                provider_method_id: "pm_2",
                ..method(ada)
            },
            T0
        )
        .await
        .is_err()
    );
    drop(tx);

    // Only its owner removes it; automatic renewal then has no method.
    let mut tx = a.begin().await.unwrap();
    assert!(!tx.delete_payment_method(id, bo).await.unwrap());
    assert!(tx.delete_payment_method(id, ada).await.unwrap());
    tx.commit().await.unwrap();
    assert!(a.payment_method(id).await.unwrap().is_none());
    assert_eq!(a.auto_renewal(membership).await.unwrap(), Some(None));
}
