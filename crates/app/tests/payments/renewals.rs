//! Renewal billing: a practice's dues invoice (a line per seat at its profession's rate, the
//! prorated colleagues, the billing contact and PO number), the practice's renewal page and its
//! payment, and the daily run's renewal invoices and first automatic charges. Runs on SQLite, and
//! on PostgreSQL when `CHAPTERHOUSE_TEST_DATABASE_URL` is set.

use chapterhouse_app::daily::{self, DailyReport};
use chapterhouse_app::levels::{self, LevelEditForm};
use chapterhouse_app::practices::{self, ColleagueForm, PracticeForm};
use chapterhouse_app::renewals::{self, PracticeRenewal, RenewForm, RenewOutcome};
use chapterhouse_core::{PracticeId, Timestamp};

use super::*;

/// The text of every page of a PDF, with runs of whitespace collapsed to one space.
fn pdf_text(bytes: &[u8]) -> String {
    assert!(bytes.starts_with(b"%PDF-"), "a PDF");
    let doc = lopdf::Document::load_mem(bytes).expect("a readable PDF");
    let pages: Vec<u32> = doc.get_pages().keys().copied().collect();
    let text = doc.extract_text(&pages).expect("text extracts");
    text.split_whitespace().collect::<Vec<_>>().join(" ")
}

fn set_clock(f: &Fixture, rfc3339: &str) {
    f.clock.set(Timestamp::from_jiff(rfc3339.parse().unwrap()));
}

async fn account(f: &Fixture, scoped: &Scoped, email: &str, name: &str) -> CurrentUser {
    accounts::create_account(
        &f.app,
        scoped,
        NewAccountInput {
            email: email.into(),
            display_name: name.into(),
            role: Role::Member,
            is_operator: false,
            password: Some("a long member password".into()),
        },
        &Actor::default(),
    )
    .await
    .unwrap();
    signed_in(f, scoped, email, "a long member password").await
}

/// A practice level renewing on 1 January: physicians $350, NPs $150, pharmacists $125,
/// fellows free; five seats.
async fn practice_level(f: &Fixture, scoped: &Scoped) -> chapterhouse_core::LevelId {
    let id = m::create_level(
        &f.app,
        scoped,
        &LevelForm {
            name: "Group practice".into(),
            fee: "400".into(),
            period: "1-year".into(),
            fixed_day: "01-01".into(),
            grace_days: "30".into(),
            for_practices: Some("on".into()),
            ..Default::default()
        },
        &Actor::default(),
    )
    .await
    .unwrap();
    let pairs: Vec<(String, String)> = [
        ("name", "Group practice"),
        ("fee", "400"),
        ("period", "1-year"),
        ("fixed_day", "01-01"),
        ("grace_days", "30"),
        ("for_practices", "on"),
        ("seat_limit", "5"),
        ("reminder_days", "60,30,7,-7"),
        ("rate_physician", "350"),
        ("rate_nurse_practitioner", "150"),
        ("rate_pharmacist", "125"),
        ("rate_fellow", "0"),
    ]
    .iter()
    .map(|(k, v)| (k.to_string(), v.to_string()))
    .collect();
    levels::update_level(
        &f.app,
        scoped,
        id,
        &LevelEditForm::from_pairs(&pairs),
        &Actor::default(),
    )
    .await
    .unwrap();
    id
}

/// Hill Country Oncology: Kim Key manages it, Bill Payer pays its invoices (PO-77). Its first
/// term runs from today (21 November 2026) to 31 December 2026, covering Pat (physician), Nia
/// (nurse practitioner) and Fen (fellow) from its first day.
async fn practice(f: &Fixture, scoped: &Scoped) -> PracticeId {
    let level = practice_level(f, scoped).await;
    let p = practices::create_practice(
        &f.app,
        scoped,
        &PracticeForm {
            name: "Hill Country Oncology".into(),
            line1: "500 Congress Ave".into(),
            city: "Austin".into(),
            state: "TX".into(),
            postal_code: "78701".into(),
            level: level.to_string(),
            key_contact_name: "Kim Key".into(),
            key_contact_email: "kim@hco.example".into(),
            billing_contact_name: "Bill Payer".into(),
            billing_contact_email: "bill@hco.example".into(),
            po_number: "PO-77".into(),
            ..Default::default()
        },
        &Actor::default(),
    )
    .await
    .unwrap();
    practices::record_term(&f.app, scoped, p, "", &Actor::default())
        .await
        .unwrap();
    for (first, email, profession) in [
        ("Pat", "pat@hco.example", "physician"),
        ("Nia", "nia@hco.example", "nurse_practitioner"),
        ("Fen", "fen@hco.example", "fellow"),
    ] {
        add_colleague(f, scoped, p, first, email, profession).await;
    }
    p
}

async fn add_colleague(
    f: &Fixture,
    scoped: &Scoped,
    p: PracticeId,
    first: &str,
    email: &str,
    profession: &str,
) {
    practices::add_colleague(
        &f.app,
        scoped,
        p,
        &ColleagueForm {
            first_name: first.into(),
            last_name: "Colleague".into(),
            email: email.into(),
            profession: profession.into(),
            ..Default::default()
        },
        &Actor::default(),
    )
    .await
    .unwrap();
}

async fn member_status(scoped: &Scoped, email: &str) -> Status {
    let person = scoped.person_by_email(email).await.unwrap().unwrap();
    let membership = scoped.person_membership(person).await.unwrap().unwrap();
    status(scoped, membership).await
}

#[tokio::test]
async fn a_practice_invoice_bills_each_seat_at_its_rate_to_the_billing_contact_once() {
    let f = fixture().await;
    let scoped = paying_society(&f, "alpha").await;
    let p = practice(&f, &scoped).await;
    // 10 December: Ola, a pharmacist, joins for the rest of the term (December: 1 of 12
    // months of $125 is $10.42).
    set_clock(&f, "2026-12-10T15:00:00Z");
    add_colleague(&f, &scoped, p, "Ola", "ola@hco.example", "pharmacist").await;

    let issued = practices::issue_renewal_invoice(
        &f.app,
        &scoped,
        p,
        None,
        Some("Here is your practice's renewal."),
        &Actor::default(),
    )
    .await
    .unwrap();
    assert!(issued.new);
    assert_eq!(
        (issued.term.start, issued.term.end),
        (date(2027, 1, 1), Some(date(2027, 12, 31)))
    );
    let detail = scoped
        .invoice_detail(issued.invoice)
        .await
        .unwrap()
        .unwrap();
    let invoice = &detail.invoice;
    let lines: Vec<(&str, Cents)> = detail
        .lines
        .iter()
        .map(|l| (l.description.as_str(), l.amount))
        .collect();
    let year = "Group practice dues, January 1, 2027 to December 31, 2027";
    assert_eq!(
        lines,
        vec![
            (
                format!("Fen Colleague (Fellow in training): {year}").as_str(),
                Cents(0)
            ),
            (
                format!("Nia Colleague (Nurse practitioner): {year}").as_str(),
                Cents(15_000)
            ),
            (
                format!("Ola Colleague (Pharmacist): {year}").as_str(),
                Cents(12_500)
            ),
            (
                format!("Pat Colleague (Physician): {year}").as_str(),
                Cents(35_000)
            ),
            (
                "Ola Colleague (Pharmacist), prorated for 1 month of $125.00: added during the current term through December 31, 2026",
                Cents(1_042)
            ),
        ],
        "{lines:#?}"
    );
    assert_eq!(invoice.amounts.total, Cents(63_542));
    assert_eq!(invoice.practice, Some(p));
    assert_eq!(invoice.person, None);
    assert_eq!(invoice.purpose, "practice_dues");
    assert_eq!(invoice.bill_to_name, "Hill Country Oncology");
    assert_eq!(invoice.bill_to_email, "bill@hco.example");
    assert!(
        invoice
            .bill_to_address
            .starts_with("Attn: Bill Payer\n500 Congress Ave")
    );
    assert_eq!(invoice.po_number, "PO-77");
    assert_eq!(invoice.due_on, date(2027, 1, 1));
    let pdf = pdf_text(&billing::pdf::invoice_pdf(scoped.society(), &detail));
    for text in [
        invoice.display_number().as_str(),
        "Hill Country Oncology",
        "Attn: Bill Payer",
        "PO number",
        "PO-77",
        "Pat Colleague (Physician)",
        "prorated for 1 month",
        "$635.42",
    ] {
        assert!(pdf.contains(text), "{text} not in the PDF: {pdf}");
    }

    // Every seat is billed through the new term: nothing is pending any more.
    assert!(
        scoped
            .practice_seats(p)
            .await
            .unwrap()
            .iter()
            .all(|s| s.billed_through.as_deref() == Some("2027-12-31"))
    );
    assert!(
        practices::pending_charges(&f.app, &scoped, p)
            .await
            .unwrap()
            .is_empty()
    );

    // Asked again (the daily run, a second visit): the same invoice, nothing new.
    let again = practices::issue_renewal_invoice(&f.app, &scoped, p, None, None, &Actor::default())
        .await
        .unwrap();
    assert_eq!((again.invoice, again.new), (issued.invoice, false));
    assert_eq!(scoped.invoices_for_practice(p).await.unwrap().len(), 1);

    // The billing contact got it, with the link to pay.
    run_jobs(&f).await;
    let mail: Vec<String> = outbox_texts(&f)
        .iter()
        .map(|t| unwrapped(t))
        .filter(|t| t.contains("To: bill@hco.example"))
        .collect();
    assert_eq!(mail.len(), 1, "{mail:#?}");
    assert!(mail[0].contains(&format!("Invoice {} for $635.42", invoice.display_number())));
    assert!(
        mail[0]
            .replace("=3D", "=")
            .contains(&format!("https://alpha.test/account/renew?practice={p}")),
        "{}",
        mail[0]
    );

    // In grace, the practice pays by check: its next term is added and every seat follows.
    set_clock(&f, "2027-01-05T15:00:00Z");
    daily::membership_daily(&f.app, &scoped).await.unwrap();
    assert_eq!(
        member_status(&scoped, "pat@hco.example").await,
        Status::Grace
    );
    billing::record_staff_payment(
        &f.app,
        &scoped,
        &Actor::default(),
        billing::NewPayment {
            invoice: issued.invoice,
            amount: Cents(63_542),
            method: billing::PaymentMethodKind::Check,
            reference: "Check 1001".into(),
            provider_ref: None,
            received_on: date(2027, 1, 5),
        },
        Cents(63_542),
    )
    .await
    .unwrap();
    let terms = scoped.practice_terms(p).await.unwrap();
    assert_eq!(terms.len(), 2);
    assert_eq!(terms[1].end, Some(date(2027, 12, 31)));
    assert_eq!(
        scoped.practice(p).await.unwrap().unwrap().status(),
        Status::Active
    );
    for seat in ["pat@hco.example", "nia@hco.example", "ola@hco.example"] {
        assert_eq!(member_status(&scoped, seat).await, Status::Active, "{seat}");
    }
}

#[tokio::test]
async fn the_billing_contact_renews_the_practice_once_even_when_two_renewals_arrive_at_once() {
    let f = fixture().await;
    let scoped = paying_society(&f, "alpha").await;
    // Both have accounts first, so the practice form finds them as its contacts.
    let bill = account(&f, &scoped, "bill@hco.example", "Bill Payer").await;
    let kim = account(&f, &scoped, "kim@hco.example", "Kim Key").await;
    let stranger = account(&f, &scoped, "stranger@alpha.test", "Sam Stranger").await;
    let p = practice(&f, &scoped).await;

    // Someone who neither manages nor pays for the practice does not find it.
    for id in [p.to_string(), "not-an-id".to_string()] {
        assert!(matches!(
            renewals::practice_renewal(&f.app, &scoped, &stranger, &id).await,
            Err(AppError::NotFound)
        ));
    }
    let PracticeRenewal::Ready(page) =
        renewals::practice_renewal(&f.app, &scoped, &bill, &p.to_string())
            .await
            .unwrap()
    else {
        panic!("renewable")
    };
    assert_eq!(page.term.start, date(2027, 1, 1));
    assert_eq!(page.total, Cents(50_000), "$350 + $150 + a free fellow");
    assert_eq!(page.po_number, "PO-77");
    assert!(page.invoice.is_none(), "not issued by looking");
    assert!(scoped.invoices_for_practice(p).await.unwrap().is_empty());

    let form = |pay: &str| RenewForm {
        practice: p.to_string(),
        term_start: "2027-01-01".into(),
        pay: pay.into(),
        ..Default::default()
    };
    // The billing contact asks for the invoice while the manager pays by card, at once.
    let (invoice_form, card_form, actor) = (form("invoice"), form("card"), Actor::default());
    let (by_invoice, by_card) = tokio::join!(
        renewals::renew(&f.app, &scoped, &bill, &invoice_form, &actor),
        renewals::renew(&f.app, &scoped, &kim, &card_form, &actor),
    );
    let RenewOutcome::InvoiceEmailed { number } = by_invoice.unwrap() else {
        panic!("emailed")
    };
    let RenewOutcome::Checkout(url) = by_card.unwrap() else {
        panic!("checkout")
    };
    let invoices = scoped.invoices_for_practice(p).await.unwrap();
    assert_eq!(invoices.len(), 1, "one invoice for the term");
    assert_eq!(invoices[0].display_number(), number);
    assert_eq!(
        invoices[0].dedup_key.as_deref(),
        Some(format!("practice-renew:{p}:2027-01-01").as_str())
    );
    let session = url.rsplit('/').next().unwrap().to_string();
    assert_eq!(f.stripe.session(&session).unwrap()["amount_total"], 50_000);

    // The card payment is confirmed by the webhook: one payment, one new term, seats follow.
    f.stripe
        .complete_session(&session, PayWith::Card)
        .await
        .unwrap();
    deliver(&f, &scoped).await;
    assert_eq!(payments_on(&scoped, invoices[0].id).await.len(), 1);
    assert_eq!(balance(&scoped, invoices[0].id).await, Cents(0));
    assert_eq!(scoped.practice_terms(p).await.unwrap().len(), 2);
    // A check for the same invoice recorded from the balance staff saw before: refused.
    let late_check = billing::record_staff_payment(
        &f.app,
        &scoped,
        &Actor::default(),
        billing::NewPayment {
            invoice: invoices[0].id,
            amount: Cents(50_000),
            method: billing::PaymentMethodKind::Check,
            reference: "Check 7".into(),
            provider_ref: None,
            received_on: date(2026, 11, 21),
        },
        Cents(50_000),
    )
    .await;
    assert!(matches!(late_check, Err(AppError::Stale)), "{late_check:?}");
    assert_eq!(payments_on(&scoped, invoices[0].id).await.len(), 1);

    // The page sent again buys nothing: the term it showed is paid.
    let Err(AppError::Invalid(errors)) =
        renewals::renew(&f.app, &scoped, &kim, &form("card"), &Actor::default()).await
    else {
        panic!("refused")
    };
    assert!(
        errors
            .get("term_start")
            .unwrap()
            .contains("renewed meanwhile")
    );
    assert_eq!(scoped.practice_terms(p).await.unwrap().len(), 2);
    assert_eq!(f.stripe.count("POST", "/v1/checkout/sessions"), 1);

    // The billing contact sees the practice's invoices (and the emailed one reached them).
    assert!(
        scoped
            .invoice_visible_to(
                invoices[0].id,
                chapterhouse_core::PersonId(bill.account.person_id)
            )
            .await
            .unwrap()
    );
    run_jobs(&f).await;
    let mail = unwrapped(&outbox_texts(&f).join("\n"));
    assert!(
        mail.contains(&format!("Invoice {number} for $500.00")),
        "{mail}"
    );
}

#[tokio::test]
async fn the_daily_run_issues_renewal_invoices_once_and_never_for_a_seat_the_practice_pays() {
    let f = fixture().await;
    let scoped = paying_society(&f, "alpha").await;
    let p = practice(&f, &scoped).await;
    let level = m::create_level(
        &f.app,
        &scoped,
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
    let mut ids = Vec::new();
    for email in ["ada@alpha.test", "ben@alpha.test", "cy@alpha.test"] {
        // Paid through 31 December 2026.
        let added = m::add_member(
            &f.app,
            &scoped,
            &MemberForm {
                display_name: format!("Dr {email}"),
                email: email.into(),
                level: level.to_string(),
                joined_on: String::new(),
                paid: Some("on".into()),
            },
            &Actor::default(),
        )
        .await
        .unwrap();
        ids.push(added.id);
    }
    let (ada, ben, cy) = (ids[0], ids[1], ids[2]);
    // Ben has renewed already; Cy is suspended.
    m::renew(&f.app, &scoped, ben, "2026-12-31", &Actor::default())
        .await
        .unwrap();
    let cy_person = scoped
        .person_by_email("cy@alpha.test")
        .await
        .unwrap()
        .unwrap();
    chapterhouse_app::records::suspend(
        &f.app,
        &scoped,
        cy_person,
        "Unpaid fees",
        &Actor::default(),
    )
    .await
    .unwrap();

    // 21 November: the 60-day step for 31 December has passed, so the invoices are due.
    let report = daily::membership_daily(&f.app, &scoped).await.unwrap();
    assert_eq!((report.renewal_invoices, report.practice_invoices), (1, 1));
    let ada_person = scoped.person_of_membership(ada).await.unwrap().unwrap();
    let invoices = scoped.invoices_for_person(ada_person).await.unwrap();
    assert_eq!(invoices.len(), 1);
    let invoice = &invoices[0];
    assert_eq!(
        invoice.dedup_key.as_deref(),
        Some(format!("renew:{ada}:2027-01-01").as_str())
    );
    assert_eq!(
        (invoice.term_start, invoice.term_end, invoice.due_on),
        (
            Some(date(2027, 1, 1)),
            Some(date(2027, 12, 31)),
            date(2027, 1, 1)
        )
    );
    assert_eq!(invoice.amounts.total, Cents(40_000));
    assert_eq!(invoice.bill_to_email, "ada@alpha.test");
    for (who, membership) in [("Ben renewed", ben), ("Cy is suspended", cy)] {
        let person = scoped
            .person_of_membership(membership)
            .await
            .unwrap()
            .unwrap();
        assert!(
            scoped.invoices_for_person(person).await.unwrap().is_empty(),
            "{who}"
        );
    }
    // The practice's seats are on the practice's invoice, never on one of their own.
    for seat in ["pat@hco.example", "nia@hco.example", "fen@hco.example"] {
        let person = scoped.person_by_email(seat).await.unwrap().unwrap();
        assert!(
            scoped.invoices_for_person(person).await.unwrap().is_empty(),
            "{seat}"
        );
    }
    let practice_invoices = scoped.invoices_for_practice(p).await.unwrap();
    assert_eq!(practice_invoices.len(), 1);
    assert_eq!(practice_invoices[0].amounts.total, Cents(50_000));

    // The same day again, and the next: nothing more.
    assert_eq!(
        daily::membership_daily(&f.app, &scoped).await.unwrap(),
        DailyReport::default()
    );
    set_clock(&f, "2026-11-22T15:00:00Z");
    let next = daily::membership_daily(&f.app, &scoped).await.unwrap();
    assert_eq!((next.renewal_invoices, next.practice_invoices), (0, 0));

    // 1 December: the 30-day reminders name the invoices.
    set_clock(&f, "2026-12-01T15:00:00Z");
    let report = daily::membership_daily(&f.app, &scoped).await.unwrap();
    assert_eq!((report.reminders, report.practice_reminders), (1, 1));
    run_jobs(&f).await;
    let mail: Vec<String> = outbox_texts(&f).iter().map(|t| unwrapped(t)).collect();
    let to_ada: Vec<&String> = mail
        .iter()
        .filter(|t| t.contains("To: ada@alpha.test"))
        .collect();
    assert_eq!(to_ada.len(), 1, "only the reminder: the invoice is in it");
    assert!(
        to_ada[0].contains(&format!(
            "Your renewal invoice, {}, is for $400.00.",
            invoice.display_number()
        )),
        "{}",
        to_ada[0]
    );
    let to_bill: Vec<&String> = mail
        .iter()
        .filter(|t| t.contains("To: bill@hco.example"))
        .collect();
    assert_eq!(to_bill.len(), 1);
    assert!(to_bill[0].contains(&format!(
        "Your renewal invoice is {}.",
        practice_invoices[0].display_number()
    )));
}

/// Members on a $400 level renewing on 1 January, each paid through 31 December 2026 (no
/// invoice of their own yet).
async fn paid_members(f: &Fixture, scoped: &Scoped, emails: &[&str]) -> Vec<MembershipId> {
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
    let mut ids = Vec::new();
    for email in emails {
        let added = m::add_member(
            &f.app,
            scoped,
            &MemberForm {
                display_name: format!("Dr {email}"),
                email: (*email).into(),
                level: level.to_string(),
                joined_on: String::new(),
                paid: Some("on".into()),
            },
            &Actor::default(),
        )
        .await
        .unwrap();
        ids.push(added.id);
    }
    ids
}

/// Every invoice of the society, by number.
async fn all_invoices(scoped: &Scoped) -> Vec<chapterhouse_store::Invoice> {
    let mut all = scoped
        .invoices_issued_between(date(2000, 1, 1), date(2100, 1, 1))
        .await
        .unwrap();
    all.sort_by_key(|i| i.number);
    all
}

/// The numbers run 1, 2, 3… with no hole.
fn assert_gapless(invoices: &[chapterhouse_store::Invoice]) {
    let numbers: Vec<i64> = invoices.iter().map(|i| i.number).collect();
    let expected: Vec<i64> = (1..=invoices.len() as i64).collect();
    assert_eq!(numbers, expected, "gapless invoice numbers");
}

#[tokio::test]
async fn a_daily_run_stopped_after_its_first_batch_is_finished_by_the_next_with_the_next_numbers() {
    let f = fixture().await;
    let scoped = paying_society(&f, "alpha").await;
    let emails = [
        "ada@alpha.test",
        "ben@alpha.test",
        "cy@alpha.test",
        "dee@alpha.test",
        "eli@alpha.test",
    ];
    let members = paid_members(&f, &scoped, &emails).await;
    let before = all_invoices(&scoped).await.len();

    // A run that stops after its first batch of two, as a crash between batches would leave it.
    let first = daily::renewal_invoices_in_batches(
        &f.app,
        &scoped,
        daily::Batches {
            size: 2,
            limit: Some(1),
        },
    )
    .await
    .unwrap();
    assert_eq!(first.members, 2);
    assert_eq!(all_invoices(&scoped).await.len(), before + 2);

    // The next run issues exactly the three still missing; a third issues nothing.
    let report = daily::membership_daily(&f.app, &scoped).await.unwrap();
    assert_eq!(report.renewal_invoices, 3);
    assert_eq!(
        daily::renewal_invoices(&f.app, &scoped).await.unwrap(),
        daily::RenewalInvoices::default()
    );

    // One renewal invoice per member, numbered on from the others without a hole.
    let all = all_invoices(&scoped).await;
    assert_gapless(&all);
    let renewals: Vec<&chapterhouse_store::Invoice> = all
        .iter()
        .filter(|i| i.term_start == Some(date(2027, 1, 1)))
        .collect();
    assert_eq!(renewals.len(), 5);
    let mut renewed: Vec<MembershipId> = renewals.iter().filter_map(|i| i.membership).collect();
    renewed.sort();
    renewed.dedup();
    let mut expected = members.clone();
    expected.sort();
    assert_eq!(renewed, expected, "each member invoiced once");
    for invoice in &renewals {
        assert_eq!(invoice.amounts.total, Cents(40_000));
        let membership = invoice.membership.unwrap();
        assert_eq!(
            invoice.dedup_key.as_deref(),
            Some(format!("renew:{membership}:2027-01-01").as_str())
        );
    }
}

#[tokio::test]
async fn a_renewal_batch_meeting_an_invoice_issued_meanwhile_writes_nothing_and_the_run_skips_it() {
    let f = fixture().await;
    let scoped = paying_society(&f, "alpha").await;
    let members = paid_members(&f, &scoped, &["ada@alpha.test", "ben@alpha.test"]).await;
    let today = date(2026, 11, 21);
    let term = Term {
        start: date(2027, 1, 1),
        end: Some(date(2027, 12, 31)),
    };
    let mut prepared = Vec::new();
    for membership in &members {
        let basis = scoped.dues_basis(*membership).await.unwrap().unwrap();
        let (name, email) = scoped.person_brief(basis.person).await.unwrap().unwrap();
        prepared.push(billing::PreparedInvoice {
            invoice: billing::dues_invoice(
                &basis,
                term,
                basis.fee,
                Some(format!("renew:{membership}:2027-01-01")),
                today,
            ),
            bill_to: chapterhouse_store::BillToDetails {
                name,
                email,
                address: String::new(),
                po_number: String::new(),
            },
        });
    }
    let now = f.app.now();
    // Ada renews in the portal while the run is reading its candidates...
    let mut tx = scoped.begin().await.unwrap();
    let issued = billing::issue_invoices_in(
        &mut tx,
        now,
        &Actor::default(),
        prepared[..1].to_vec(),
        today,
    )
    .await
    .unwrap();
    tx.commit().await.unwrap();
    assert!(matches!(issued, billing::IssuedBatch::Issued(ref ids) if ids.len() == 1));
    let after_ada = all_invoices(&scoped).await;

    // ... so the run's batch with both finds Ada's key taken; rolled back, it leaves nothing.
    let mut tx = scoped.begin().await.unwrap();
    let outcome =
        billing::issue_invoices_in(&mut tx, now, &Actor::default(), prepared.clone(), today)
            .await
            .unwrap();
    drop(tx);
    assert_eq!(
        outcome,
        billing::IssuedBatch::KeysTaken(vec![format!("renew:{}:2027-01-01", members[0])])
    );
    assert_eq!(all_invoices(&scoped).await.len(), after_ada.len());

    // The daily run invoices Ben alone, with the next number.
    let report = daily::membership_daily(&f.app, &scoped).await.unwrap();
    assert_eq!(report.renewal_invoices, 1);
    let all = all_invoices(&scoped).await;
    assert_gapless(&all);
    assert_eq!(all.len(), after_ada.len() + 1);
    assert_eq!(all.last().unwrap().membership, Some(members[1]));
    let renewals = all
        .iter()
        .filter(|i| i.term_start == Some(date(2027, 1, 1)))
        .count();
    assert_eq!(renewals, 2);
}

#[tokio::test]
async fn the_first_automatic_charge_renews_and_a_declined_one_is_retried_later() {
    let f = fixture().await;
    let scoped = paying_society(&f, "alpha").await;
    // Ada and Bea paid 2026 online and saved their cards for automatic renewal; Bea's card
    // declines every later charge.
    let mut members = Vec::new();
    for (email, card) in [
        ("ada@alpha.test", PayWith::Card),
        ("bea@alpha.test", PayWith::DecliningCard),
    ] {
        let (membership, invoice) = member_with_invoice(&f, &scoped, email).await;
        let session = checkout(&f, &scoped, invoice, true).await;
        f.stripe.complete_session(&session, card).await.unwrap();
        deliver(&f, &scoped).await;
        assert!(
            scoped
                .auto_renewal(membership)
                .await
                .unwrap()
                .unwrap()
                .is_some()
        );
        members.push(membership);
    }
    let (ada, bea) = (members[0], members[1]);

    // The renewal invoices are issued on 21 November, due 1 January: nothing is charged yet.
    let report = daily::membership_daily(&f.app, &scoped).await.unwrap();
    assert_eq!((report.renewal_invoices, report.automatic_charges), (2, 0));
    assert_eq!(f.stripe.count("POST", "/v1/payment_intents"), 0);

    // 1 January: both are charged once.
    set_clock(&f, "2027-01-01T15:00:00Z");
    let report = daily::membership_daily(&f.app, &scoped).await.unwrap();
    assert_eq!((report.automatic_charges, report.declined_charges), (2, 1));
    assert_eq!(f.stripe.count("POST", "/v1/payment_intents"), 2);
    deliver(&f, &scoped).await;
    let renewal_of = |membership: MembershipId| {
        let scoped = scoped.clone();
        async move {
            let person = scoped
                .person_of_membership(membership)
                .await
                .unwrap()
                .unwrap();
            scoped
                .invoices_for_person(person)
                .await
                .unwrap()
                .into_iter()
                .find(|i| i.term_start == Some(date(2027, 1, 1)))
                .unwrap()
        }
    };
    // Ada's charge succeeded: the webhook paid the invoice and added 2027.
    let ada_renewal = renewal_of(ada).await;
    assert_eq!(ada_renewal.amounts.balance(), Cents(0));
    let terms = scoped.membership_state(ada).await.unwrap().unwrap().terms;
    assert!(
        terms.iter().any(|t| t.start == date(2027, 1, 1)),
        "{terms:?}"
    );
    assert_eq!(status(&scoped, ada).await, Status::Active);
    // Bea's was declined: the retry waits for day 3, and she is asked for a new card.
    let bea_renewal = renewal_of(bea).await;
    assert_eq!(bea_renewal.amounts.balance(), Cents(40_000));
    let attempts = scoped.charge_attempts(bea_renewal.id).await.unwrap();
    assert_eq!(attempts.len(), 1);
    assert_eq!(
        (
            attempts[0].outcome.as_str(),
            attempts[0].next_attempt_on.as_deref()
        ),
        ("failed", Some("2027-01-04"))
    );
    assert_eq!(status(&scoped, bea).await, Status::Grace);
    run_jobs(&f).await;
    assert!(
        outbox_texts(&f)
            .iter()
            .any(|t| t.contains("To: bea@alpha.test") && t.contains("did not go through"))
    );

    // The same day again: nothing is charged, issued or sent.
    assert_eq!(
        daily::membership_daily(&f.app, &scoped).await.unwrap(),
        DailyReport::default()
    );
    assert_eq!(f.stripe.count("POST", "/v1/payment_intents"), 2);

    // Day 3: the retry (not the daily run's first charge) tries Bea's card again.
    set_clock(&f, "2027-01-04T15:00:00Z");
    let report = daily::membership_daily(&f.app, &scoped).await.unwrap();
    assert_eq!(report.automatic_charges, 0);
    let retried = p::retry_due_charges(&f.app, &scoped).await.unwrap();
    assert_eq!(retried.len(), 1);
    assert_eq!(
        scoped.charge_attempts(bea_renewal.id).await.unwrap().len(),
        2
    );
}
