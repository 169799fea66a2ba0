//! A practice joining as a group: the invoice it is shown and issued (each clinician at their
//! profession's rate, fellows free, prorated as the level is), the seat limit, the one answer
//! for anything already known (writing nothing), the invoice mailed to the billing contact, and
//! card payment through the stand-in. SQLite, and PostgreSQL when
//! `CHAPTERHOUSE_TEST_DATABASE_URL` is set.

use chapterhouse_app::join;
use chapterhouse_app::join_practice::{
    self as jp, ClinicianRow, PracticeJoinForm, PracticeJoinOutcome, PracticeJoined,
};
use chapterhouse_app::levels::{self, LevelEditForm};
use chapterhouse_app::practices::PracticeForm;
use chapterhouse_core::joining::AfterJoin;
use chapterhouse_core::{LevelId, npi};
use chapterhouse_testkit::sql;

use super::*;

fn npi_from(first_nine: &str) -> String {
    format!("{first_nine}{}", npi::check_digit(first_nine).unwrap())
}

fn visitor() -> Actor {
    Actor::anonymous("203.0.113.21")
}

/// A public practice level: $400 a year (the fee, for professions without a rate), physicians
/// $350, NPs $150, fellows free; `fixed_day` "01-01" with proration, or anniversary.
async fn practice_level(
    f: &Fixture,
    scoped: &Scoped,
    name: &str,
    fixed_day: &str,
    seat_limit: &str,
    approval: bool,
) -> LevelId {
    let id = m::create_level(
        &f.app,
        scoped,
        &LevelForm {
            name: name.into(),
            fee: "400".into(),
            period: "1-year".into(),
            fixed_day: fixed_day.into(),
            grace_days: "30".into(),
            for_practices: Some("on".into()),
            prorate: (!fixed_day.is_empty()).then(|| "on".into()),
            approval_required: approval.then(|| "on".into()),
            ..Default::default()
        },
        &Actor::default(),
    )
    .await
    .unwrap();
    let mut pairs: Vec<(String, String)> = vec![
        ("name".into(), name.into()),
        ("fee".into(), "400".into()),
        ("period".into(), "1-year".into()),
        ("fixed_day".into(), fixed_day.into()),
        ("grace_days".into(), "30".into()),
        ("for_practices".into(), "on".into()),
        ("public_join".into(), "on".into()),
        ("seat_limit".into(), seat_limit.into()),
        ("rate_physician".into(), "350".into()),
        ("rate_nurse_practitioner".into(), "150".into()),
        ("rate_fellow".into(), "0".into()),
        ("nondeductible".into(), "10".into()),
    ];
    if approval {
        pairs.push(("approval_required".into(), "on".into()));
    }
    if !fixed_day.is_empty() {
        pairs.push(("prorate".into(), "on".into()));
    }
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

fn row(first: &str, last: &str, profession: &str, email: &str, npi: &str) -> ClinicianRow {
    ClinicianRow {
        first_name: first.into(),
        last_name: last.into(),
        credentials: match profession {
            "nurse_practitioner" => "NP".into(),
            _ => "MD".into(),
        },
        profession: profession.into(),
        email: email.into(),
        npi: npi.into(),
    }
}

/// Granite Oncology with an office manager as key contact, a separate billing office, and a
/// physician, a nurse practitioner and a fellow, paying by invoice.
fn granite(level: LevelId) -> PracticeJoinForm {
    let mut form = PracticeJoinForm::blank();
    form.practice = PracticeForm {
        name: "Granite Oncology".into(),
        npi: npi_from("176048538"),
        line1: "12 Quarry Road".into(),
        city: "Concord".into(),
        state: "nh".into(),
        postal_code: "03301".into(),
        level: level.to_string(),
        key_contact_name: "Olga Office".into(),
        key_contact_email: "olga@granite.test".into(),
        billing_contact_name: "Bill Ledger".into(),
        billing_contact_email: "Billing@Granite.test".into(),
        po_number: "PO-7781".into(),
        ..Default::default()
    };
    form.password = "granite key contact".into();
    form.pay = "invoice".into();
    form.clinicians[0] = row(
        "Ada",
        "Okafor",
        "physician",
        "ada@granite.test",
        &npi_from("123456789"),
    );
    form.clinicians[1] = row(
        "Nia",
        "Park",
        "nurse_practitioner",
        "nia@granite.test",
        &npi_from("223456789"),
    );
    form.clinicians[3] = row(
        "Finn",
        "Fellow",
        "fellow",
        "finn@granite.test",
        &npi_from("323456789"),
    );
    form
}

/// Review, then join at the reviewed total.
async fn join_reviewed(
    f: &Fixture,
    scoped: &Scoped,
    form: &mut PracticeJoinForm,
) -> PracticeJoinOutcome {
    let review = jp::review(&f.app, scoped, form).await.unwrap();
    form.seen_total = review.total.0.to_string();
    jp::apply(&f.app, scoped, form, &visitor()).await.unwrap()
}

async fn joined(f: &Fixture, scoped: &Scoped, form: &mut PracticeJoinForm) -> PracticeJoined {
    match join_reviewed(f, scoped, form).await {
        PracticeJoinOutcome::Joined(joined) => *joined,
        PracticeJoinOutcome::AccountExists => panic!("refused as already known"),
    }
}

async fn counts(f: &Fixture, scoped: &Scoped) -> Vec<i64> {
    let society = scoped.society_id().0;
    let mut out = Vec::new();
    for table in [
        "SELECT COUNT(*) FROM person WHERE society_id = $1",
        "SELECT COUNT(*) FROM account WHERE society_id = $1",
        "SELECT COUNT(*) FROM practice WHERE society_id = $1",
        "SELECT COUNT(*) FROM practice_link WHERE society_id = $1",
        "SELECT COUNT(*) FROM membership WHERE society_id = $1",
        "SELECT COUNT(*) FROM membership_seat WHERE society_id = $1",
        "SELECT COUNT(*) FROM invoice WHERE society_id = $1",
        "SELECT COUNT(*) FROM job WHERE society_id = $1",
        "SELECT COUNT(*) FROM login_token WHERE society_id = $1",
        "SELECT COUNT(*) FROM audit_log WHERE society_id = $1",
    ] {
        out.push(sql::scalar(f.app.store.db(), table, &[society.into()]).await);
    }
    out
}

async fn thanks_of(f: &Fixture, scoped: &Scoped, joined: &PracticeJoined) -> join::Thanks {
    let query = joined.thanks_path.split_once('?').unwrap().1;
    let token = query.split("t=").nth(1).unwrap();
    jp::thanks(&f.app, scoped, &joined.practice.to_string(), token, false)
        .await
        .unwrap()
}

#[tokio::test]
async fn a_practice_joins_with_each_clinician_at_their_rate_and_the_billing_contact_gets_the_invoice()
 {
    let f = fixture().await;
    let s = society(&f, "alpha").await;
    let scoped = f.app.scoped(&s);
    let level = practice_level(&f, &scoped, "Group practice", "01-01", "4", false).await;

    // Shown before joining: 21 November to 31 December is 2 of 12 months of each rate.
    let mut form = granite(level);
    let review = jp::review(&f.app, &scoped, &form).await.unwrap();
    let lines: Vec<(&str, i64, Option<i32>)> = review
        .charges
        .iter()
        .map(|c| (c.name.as_str(), c.amount.0, c.months))
        .collect();
    assert_eq!(
        lines,
        vec![
            ("Ada Okafor", 5_833, Some(2)),
            ("Nia Park", 2_500, Some(2)),
            ("Finn Fellow", 0, None),
        ],
        "$350 and $150 prorated half-up, the fellow free"
    );
    assert_eq!(review.total, Cents(8_333));
    assert_eq!(
        (review.term.start, review.term.end),
        (date(2026, 11, 21), Some(date(2026, 12, 31)))
    );
    assert_eq!(review.bill_to.email, "billing@granite.test");

    let before = counts(&f, &scoped).await;
    let joined = joined(&f, &scoped, &mut form).await;
    let after = counts(&f, &scoped).await;
    let grown: Vec<i64> = after.iter().zip(&before).map(|(a, b)| a - b).collect();
    assert_eq!(
        &grown[..7],
        &[5, 1, 1, 5, 3, 3, 1],
        "people (3 clinicians, key and billing contacts), one account, the practice, 5 links, 3 memberships as seats, one invoice"
    );

    let practice = scoped.practice(joined.practice).await.unwrap().unwrap();
    assert_eq!(
        practice.npi.as_deref(),
        Some(npi_from("176048538").as_str())
    );
    assert_eq!(practice.state, "NH");
    assert_eq!(practice.po_number, "PO-7781");
    assert_eq!(practice.key_contact(), Some(joined.key_contact));
    assert_ne!(practice.billing_contact(), Some(joined.key_contact));
    assert_eq!(practice.status(), Status::Pending, "pending until paid");
    let managers = scoped.managed_practices(joined.key_contact).await.unwrap();
    assert_eq!(managers.len(), 1, "the key contact manages the practice");

    let seats = scoped.practice_seats(joined.practice).await.unwrap();
    assert_eq!(seats.len(), 3);
    assert!(
        seats
            .iter()
            .all(|s| s.billed_through.as_deref() == Some("2026-12-31")),
        "the first invoice covers every seat through the term's end"
    );
    for m in &joined.memberships {
        assert_eq!(status(&scoped, *m).await, Status::Pending);
    }
    let ada = scoped
        .person_by_email("ada@granite.test")
        .await
        .unwrap()
        .unwrap();
    let profile = scoped.profile(ada).await.unwrap().unwrap();
    assert_eq!(
        (
            profile.fields.display_name.as_str(),
            profile.fields.profession.as_str(),
            profile.fields.npi.as_deref()
        ),
        (
            "Ada Okafor",
            "physician",
            Some(npi_from("123456789").as_str())
        )
    );
    let account = scoped
        .account_by_email("olga@granite.test")
        .await
        .unwrap()
        .unwrap();
    assert!(account.email_verified_at.is_none());
    assert!(
        scoped
            .account_by_email("ada@granite.test")
            .await
            .unwrap()
            .is_none(),
        "only the key contact gets an account"
    );

    let detail = scoped
        .invoice_detail(joined.invoice.unwrap())
        .await
        .unwrap()
        .unwrap();
    let invoice = &detail.invoice;
    assert_eq!(invoice.practice, Some(joined.practice));
    assert_eq!(invoice.purpose, "practice_dues");
    assert_eq!(invoice.amounts.total, Cents(8_333));
    assert_eq!(invoice.bill_to_name, "Granite Oncology");
    assert_eq!(invoice.bill_to_email, "billing@granite.test");
    assert!(invoice.bill_to_address.contains("Attn: Bill Ledger"));
    assert_eq!(invoice.po_number, "PO-7781");
    assert_eq!(invoice.nondeductible, Cents(833), "10% of $83.33");
    assert_eq!(invoice.due_on, date(2026, 12, 21), "30 days to pay");
    assert_eq!(detail.lines.len(), 3);
    assert_eq!(
        detail.lines[0].description,
        "Ada Okafor (Physician): Group practice membership, 21 November 2026 to 31 December 2026, prorated for 2 months"
    );
    assert_eq!(detail.lines[2].amount, Cents(0));
    assert_eq!(
        detail.lines[2].person,
        scoped.person_by_email("finn@granite.test").await.unwrap()
    );

    // The mail goes out as jobs: the invoice to the billing contact, the confirmation link to
    // the key contact.
    run_jobs(&f).await;
    let mail: Vec<String> = outbox_texts(&f).iter().map(|m| unwrapped(m)).collect();
    let to_billing: Vec<&String> = mail
        .iter()
        .filter(|m| m.contains("To: billing@granite.test"))
        .collect();
    assert_eq!(to_billing.len(), 1, "{mail:#?}");
    assert!(to_billing[0].contains(&invoice.display_number()));
    assert!(to_billing[0].contains("$83.33"));
    assert!(to_billing[0].contains("Granite Oncology joining"));
    assert!(
        mail.iter()
            .any(|m| m.contains("To: olga@granite.test") && m.contains("/verify-email/")),
        "{mail:#?}"
    );
    assert!(!mail.iter().any(|m| m.contains("To: ada@granite.test")));

    let thanks = thanks_of(&f, &scoped, &joined).await;
    assert_eq!(thanks.after, AfterJoin::InvoiceEmailed);
    assert_eq!(thanks.invoice_to.as_deref(), Some("billing@granite.test"));
    assert_eq!(thanks.amount, Some(Cents(8_333)));

    // The billing contact pays by check: the practice's first term starts and every clinician
    // is active with it.
    billing::record_staff_payment(
        &f.app,
        &scoped,
        &Actor::default(),
        billing::NewPayment {
            invoice: joined.invoice.unwrap(),
            amount: Cents(8_333),
            method: billing::PaymentMethodKind::Check,
            reference: "Check 2211".into(),
            provider_ref: None,
            received_on: date(2026, 11, 21),
        },
        Cents(8_333),
    )
    .await
    .unwrap();
    let terms = scoped.practice_terms(joined.practice).await.unwrap();
    assert_eq!(
        terms.iter().map(|t| (t.start, t.end)).collect::<Vec<_>>(),
        vec![(date(2026, 11, 21), Some(date(2026, 12, 31)))],
        "the invoice's term, not the payment's date"
    );
    let practice = scoped.practice(joined.practice).await.unwrap().unwrap();
    assert_eq!(practice.status(), Status::Active);
    for m in &joined.memberships {
        assert_eq!(status(&scoped, *m).await, Status::Active);
    }
}

#[tokio::test]
async fn the_key_contact_may_be_a_clinician_and_pays_by_card_at_the_reviewed_total() {
    let f = fixture().await;
    let scoped = paying_society(&f, "alpha").await;
    let level = practice_level(&f, &scoped, "Group practice", "", "", false).await;
    let mut form = granite(level);
    form.practice.key_contact_name = "Ada Okafor".into();
    form.practice.key_contact_email = "ADA@granite.test".into();
    form.practice.billing_contact_name = String::new();
    form.practice.billing_contact_email = String::new();
    form.pay = "card".into();

    // Joining without the review (or after changing the form) joins nothing.
    let before = counts(&f, &scoped).await;
    form.seen_total = "8333".into();
    let Err(AppError::Invalid(errors)) = jp::apply(&f.app, &scoped, &form, &visitor()).await else {
        panic!("a total the page did not show was accepted")
    };
    assert_eq!(errors.get("total"), Some(jp::TOTAL_CHANGED));
    assert_eq!(counts(&f, &scoped).await, before);

    let joined = joined(&f, &scoped, &mut form).await;
    let practice = scoped.practice(joined.practice).await.unwrap().unwrap();
    assert_eq!(
        practice.billing_contact(),
        None,
        "the key contact handles billing"
    );
    let ada = scoped.person_by_email("ada@granite.test").await.unwrap();
    assert_eq!(
        Some(joined.key_contact),
        ada,
        "one person, a clinician and the manager"
    );
    let account = scoped
        .account_by_email("ada@granite.test")
        .await
        .unwrap()
        .unwrap();
    assert_eq!(account.display_name, "Ada Okafor");
    assert_eq!(
        scoped.practice_seats(joined.practice).await.unwrap().len(),
        3
    );

    // Anniversary level: a full year, no proration: $350 + $150 + $0.
    let invoice = scoped
        .invoice(joined.invoice.unwrap())
        .await
        .unwrap()
        .unwrap();
    assert_eq!(invoice.amounts.total, Cents(50_000));
    assert_eq!(invoice.bill_to_email, "ada@granite.test");
    let url = joined.checkout_url.clone().expect("card goes to Checkout");
    let session = f.stripe.session(url.rsplit('/').next().unwrap()).unwrap();
    assert_eq!(session["amount_total"], 50_000);
    assert_eq!(session["customer_email"], "ada@granite.test");
    assert_eq!(
        thanks_of(&f, &scoped, &joined).await.after,
        AfterJoin::ConfirmingPayment
    );
}

#[tokio::test]
async fn the_seat_limit_and_each_rows_problems_are_named() {
    let f = fixture().await;
    let s = society(&f, "alpha").await;
    let scoped = f.app.scoped(&s);
    let level = practice_level(&f, &scoped, "Small practice", "", "2", false).await;
    // A level staff keep off the public page.
    let hidden = practice_level(&f, &scoped, "Hidden", "", "", false).await;
    let mut rules = scoped.level_rules(hidden).await.unwrap().unwrap();
    rules.public_join = false;
    let mut tx = scoped.begin().await.unwrap();
    assert!(tx.set_level_rules(hidden, &rules).await.unwrap());
    tx.commit().await.unwrap();
    let before = counts(&f, &scoped).await;

    let mut form = granite(level);
    let Err(AppError::Invalid(errors)) = jp::review(&f.app, &scoped, &form).await else {
        panic!("three clinicians on a level of two were accepted")
    };
    assert_eq!(
        errors.get("clinicians"),
        Some(
            "The Small practice level covers up to 2 clinicians, and you listed 3. Remove 1 row, or contact the society's office about a larger group."
        )
    );

    form.clinicians[3] = ClinicianRow::default();
    form.clinicians[1].email = "ADA@granite.test".into();
    form.clinicians[1].npi = "1234567890".into();
    form.clinicians[4] = row("", "Solo", "physician", "solo@granite.test", "");
    form.practice.npi = "1760485388".into();
    form.practice.postal_code = String::new();
    form.practice.key_contact_email = "olga at granite".into();
    form.password = "short".into();
    let Err(AppError::Invalid(errors)) = jp::review(&f.app, &scoped, &form).await else {
        panic!("bad rows were accepted")
    };
    for field in [
        "npi",
        "postal_code",
        "key_contact_email",
        "password",
        "c2_email",
        "c2_npi",
        "c5_first_name",
        "c5_npi",
        "clinicians",
    ] {
        assert!(errors.get(field).is_some(), "{field} not named: {errors}");
    }
    assert!(
        errors
            .get("c2_email")
            .unwrap()
            .contains("Row 1 has this email too")
    );
    assert!(errors.get("c1_email").is_none() && errors.get("c4_first_name").is_none());

    // A level not offered on the public page cannot be chosen.
    let Err(AppError::Invalid(errors)) = jp::review(&f.app, &scoped, &granite(hidden)).await else {
        panic!("a level not offered was accepted")
    };
    assert!(errors.get("level").is_some());
    assert_eq!(
        counts(&f, &scoped).await,
        before,
        "reviewing writes nothing"
    );
}

#[tokio::test]
async fn anything_already_known_gets_the_one_answer_and_writes_nothing() {
    let f = fixture().await;
    let s = society(&f, "alpha").await;
    let scoped = f.app.scoped(&s);
    let level = practice_level(&f, &scoped, "Group practice", "", "", false).await;
    joined(&f, &scoped, &mut granite(level)).await;
    let (kept, _) = member_with_invoice(&f, &scoped, "kept@alpha.test").await;
    let kept_person = scoped.person_of_membership(kept).await.unwrap().unwrap();
    let kept_npi = npi_from("987654321");
    let mut tx = scoped.begin().await.unwrap();
    let mut fields = scoped.profile(kept_person).await.unwrap().unwrap().fields;
    fields.npi = Some(kept_npi.clone());
    tx.update_profile(kept_person, &fields, f.app.now())
        .await
        .unwrap();
    tx.commit().await.unwrap();

    /// A new practice whose every detail is new, then changed by `change`.
    fn fresh(level: LevelId, change: impl Fn(&mut PracticeJoinForm)) -> PracticeJoinForm {
        let mut form = granite(level);
        form.practice.name = "Birch Hematology".into();
        form.practice.npi = npi_from("176048539");
        form.practice.key_contact_email = "key@birch.test".into();
        form.practice.billing_contact_email = "billing@birch.test".into();
        form.clinicians[0].email = "one@birch.test".into();
        form.clinicians[0].npi = npi_from("423456789");
        form.clinicians[1].email = "two@birch.test".into();
        form.clinicians[1].npi = npi_from("523456789");
        form.clinicians[3].email = "three@birch.test".into();
        form.clinicians[3].npi = npi_from("623456789");
        change(&mut form);
        form
    }
    let before = counts(&f, &scoped).await;
    let known: Vec<(&str, PracticeJoinForm)> = vec![
        (
            "a clinician's email held by another practice's clinician",
            fresh(level, |f| f.clinicians[1].email = "NIA@granite.test".into()),
        ),
        (
            "a clinician's NPI",
            fresh(level, |f| f.clinicians[0].npi = kept_npi.clone()),
        ),
        (
            "a member's email as a clinician's",
            fresh(level, |f| f.clinicians[3].email = "kept@alpha.test".into()),
        ),
        (
            "the key contact's email",
            fresh(level, |f| {
                f.practice.key_contact_email = "olga@granite.test".into()
            }),
        ),
        (
            "the billing contact's email",
            fresh(level, |f| {
                f.practice.billing_contact_email = "billing@granite.test".into()
            }),
        ),
        (
            "the practice's name",
            fresh(level, |f| f.practice.name = " granite ONCOLOGY".into()),
        ),
        (
            "the practice's NPI",
            fresh(level, |f| f.practice.npi = npi_from("176048538")),
        ),
    ];
    for (what, mut form) in known {
        let outcome = join_reviewed(&f, &scoped, &mut form).await;
        assert!(
            matches!(outcome, PracticeJoinOutcome::AccountExists),
            "{what}: {outcome:?}"
        );
    }
    assert_eq!(counts(&f, &scoped).await, before, "nothing written");
    assert_eq!(
        join::ACCOUNT_EXISTS,
        "An account already exists — sign in or contact us."
    );
    // The same practice with nothing known joins.
    joined(&f, &scoped, &mut fresh(level, |_| {})).await;
}

#[tokio::test]
async fn free_clinicians_join_at_once_unless_the_level_needs_approval() {
    let f = fixture().await;
    let s = society(&f, "alpha").await;
    let scoped = f.app.scoped(&s);
    let open = practice_level(&f, &scoped, "Open practice", "", "", false).await;
    let reviewed = practice_level(&f, &scoped, "Reviewed practice", "", "", true).await;
    let fellows_only = |level: LevelId, name: &str, n: &str| {
        let mut form = granite(level);
        form.practice.name = name.into();
        form.practice.npi = npi_from(&format!("17604853{n}"));
        form.practice.key_contact_email = format!("key{n}@fellows.test");
        form.practice.billing_contact_email = String::new();
        form.practice.billing_contact_name = String::new();
        form.clinicians = vec![row(
            "Fay",
            "Fellow",
            "fellow",
            &format!("fay{n}@fellows.test"),
            &npi_from(&format!("72345678{n}")),
        )];
        form.pay = String::new();
        form
    };
    let active = joined(&f, &scoped, &mut fellows_only(open, "Fellows Clinic", "1")).await;
    assert!(active.invoice.is_none(), "nothing to pay");
    let practice = scoped.practice(active.practice).await.unwrap().unwrap();
    assert_eq!(practice.status(), Status::Active);
    assert_eq!(
        scoped.practice_terms(active.practice).await.unwrap().len(),
        1
    );
    assert_eq!(status(&scoped, active.memberships[0]).await, Status::Active);
    assert_eq!(
        thanks_of(&f, &scoped, &active).await.after,
        AfterJoin::Member
    );

    let pending = joined(
        &f,
        &scoped,
        &mut fellows_only(reviewed, "Fellows Annex", "2"),
    )
    .await;
    let practice = scoped.practice(pending.practice).await.unwrap().unwrap();
    assert_eq!(practice.status(), Status::Pending, "staff approve it first");
    assert!(
        scoped
            .practice_terms(pending.practice)
            .await
            .unwrap()
            .is_empty()
    );
    assert_eq!(
        status(&scoped, pending.memberships[0]).await,
        Status::Pending
    );
    let thanks = thanks_of(&f, &scoped, &pending).await;
    assert_eq!(thanks.after, AfterJoin::AwaitingApproval);
    assert!(thanks.application_pending);
}
