//! Joining online, renewing from the portal, paying an open invoice, and the invoice an approval
//! issues. Runs on SQLite, and on PostgreSQL when `CHAPTERHOUSE_TEST_DATABASE_URL` is set.

use chapterhouse_app::applications;
use chapterhouse_app::join::{self, JoinForm, JoinOutcome, Joined};
use chapterhouse_app::renewals::{self, RenewForm, RenewOutcome, Renewal};
use chapterhouse_core::joining::AfterJoin;
use chapterhouse_core::records::{ApprovalEffect, Decision};
use chapterhouse_core::{LevelId, npi};
use chapterhouse_testkit::sql;

use super::*;

/// A valid NPI starting with these nine digits.
fn npi_from(first_nine: &str) -> String {
    format!("{first_nine}{}", npi::check_digit(first_nine).unwrap())
}

struct Levels {
    /// $360 a year, renewing on 1 January, prorated: $60.00 for a join on 21 November.
    physician: LevelId,
    /// Free, anniversary, no approval.
    fellow: LevelId,
    /// $175 a year, staff approve each application.
    early_career: LevelId,
    /// Not offered on Join.
    retired: LevelId,
    /// A practice's level: not offered on Join either.
    practice: LevelId,
}

async fn level(f: &Fixture, scoped: &Scoped, form: LevelForm, professions: &str) -> LevelId {
    let id = m::create_level(&f.app, scoped, &form, &Actor::default())
        .await
        .unwrap();
    set_join_rules(scoped, id, true, professions).await;
    id
}

/// Whether Join offers a level, and to which professions (comma-separated; empty: anyone).
async fn set_join_rules(scoped: &Scoped, id: LevelId, public: bool, professions: &str) {
    let mut rules = scoped.level_rules(id).await.unwrap().unwrap();
    rules.public_join = public;
    rules.professions = professions.into();
    let mut tx = scoped.begin().await.unwrap();
    assert!(tx.set_level_rules(id, &rules).await.unwrap());
    tx.commit().await.unwrap();
}

async fn levels(f: &Fixture, scoped: &Scoped) -> Levels {
    let yearly = |name: &str, fee: &str| LevelForm {
        name: name.into(),
        fee: fee.into(),
        period: "1-year".into(),
        grace_days: "30".into(),
        ..Default::default()
    };
    let physician = level(
        f,
        scoped,
        LevelForm {
            fixed_day: "01-01".into(),
            prorate: Some("on".into()),
            ..yearly("Active physician", "360")
        },
        "physician",
    )
    .await;
    let fellow = level(f, scoped, yearly("Fellow in training", "0"), "fellow").await;
    let early_career = level(
        f,
        scoped,
        LevelForm {
            approval_required: Some("on".into()),
            ..yearly("Early career physician", "175")
        },
        "physician",
    )
    .await;
    let retired = level(f, scoped, yearly("Retired", "50"), "").await;
    set_join_rules(scoped, retired, false, "").await;
    let practice = level(
        f,
        scoped,
        LevelForm {
            for_practices: Some("on".into()),
            ..yearly("Group practice", "2000")
        },
        "",
    )
    .await;
    Levels {
        physician,
        fellow,
        early_career,
        retired,
        practice,
    }
}

fn form(level: LevelId, email: &str, npi: &str, pay: &str) -> JoinForm {
    JoinForm {
        level: level.to_string(),
        first_name: "Ada".into(),
        last_name: "Okafor".into(),
        credentials: "MD, PhD".into(),
        profession: "physician".into(),
        email: email.into(),
        npi: npi.into(),
        specialty: "Medical oncology".into(),
        practice: String::new(),
        password: "a long join password".into(),
        pay: pay.into(),
        auto_renew: None,
    }
}

fn visitor() -> Actor {
    Actor::anonymous("203.0.113.9")
}

async fn joined(f: &Fixture, scoped: &Scoped, form: &JoinForm) -> Joined {
    match join::apply(&f.app, scoped, form, &visitor()).await.unwrap() {
        JoinOutcome::Joined(joined) => *joined,
        JoinOutcome::AccountExists => panic!("{} was refused as a duplicate", form.email),
    }
}

/// Rows a join writes, for this society.
async fn counts(f: &Fixture, scoped: &Scoped) -> Vec<i64> {
    let society = scoped.society_id().0;
    let mut out = Vec::new();
    for sql_text in [
        "SELECT COUNT(*) FROM person WHERE society_id = $1",
        "SELECT COUNT(*) FROM account WHERE society_id = $1",
        "SELECT COUNT(*) FROM membership WHERE society_id = $1",
        "SELECT COUNT(*) FROM invoice WHERE society_id = $1",
        "SELECT COUNT(*) FROM job WHERE society_id = $1",
        "SELECT COUNT(*) FROM login_token WHERE society_id = $1",
        "SELECT COUNT(*) FROM person_note WHERE society_id = $1",
        "SELECT COUNT(*) FROM audit_log WHERE society_id = $1",
    ] {
        out.push(sql::scalar(f.app.store.db(), sql_text, &[society.into()]).await);
    }
    out
}

async fn thanks(f: &Fixture, scoped: &Scoped, joined: &Joined) -> join::Thanks {
    let query = joined.thanks_path.split_once('?').unwrap().1;
    let token = query.split("t=").nth(1).unwrap();
    join::thanks(&f.app, scoped, &joined.membership.to_string(), token, false)
        .await
        .unwrap()
}

fn session_of(url: &str) -> String {
    url.rsplit('/').next().unwrap().to_string()
}

#[tokio::test]
async fn a_join_writes_person_account_membership_and_invoice_then_the_webhook_makes_them_a_member()
{
    let f = fixture().await;
    let scoped = paying_society(&f, "alpha").await;
    let l = levels(&f, &scoped).await;
    let page = join::join_page(&f.app, &scoped).await.unwrap();
    let offered: Vec<&str> = page.levels.iter().map(|l| l.name()).collect();
    assert_eq!(
        offered,
        vec![
            "Active physician",
            "Early career physician",
            "Fellow in training"
        ],
        "public, individual levels only, dearest first"
    );
    let physician = page.level(&l.physician.to_string()).unwrap();
    assert_eq!(
        physician.quote.amount,
        Cents(6_000),
        "prorated: 2 of 12 months"
    );
    assert_eq!(physician.quote.term.end, Some(date(2026, 12, 31)));

    let now = f.app.now();
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
    tx.commit().await.unwrap();
    let before = counts(&f, &scoped).await;
    let npi = npi_from("123456789");
    let mut ada = form(l.physician, "Ada@Alpha.test ", &npi, "card");
    ada.practice = " granite oncology ".into();
    ada.auto_renew = Some("on".into());
    let joined = joined(&f, &scoped, &ada).await;
    let after = counts(&f, &scoped).await;
    assert_eq!(
        (
            after[0] - before[0],
            after[1] - before[1],
            after[2] - before[2],
            after[3] - before[3]
        ),
        (1, 1, 1, 1),
        "one person, account, membership and invoice"
    );

    let profile = scoped.profile(joined.person).await.unwrap().unwrap();
    assert_eq!(profile.email, "ada@alpha.test");
    assert_eq!(
        (
            profile.fields.display_name.as_str(),
            profile.fields.credentials.as_str(),
            profile.fields.profession.as_str(),
            profile.fields.npi.as_deref(),
            profile.fields.specialty.as_str()
        ),
        (
            "Ada Okafor",
            "MD, PhD",
            "physician",
            Some(npi.as_str()),
            "Medical oncology"
        )
    );
    let linked = sql::scalar(
        f.app.store.db(),
        "SELECT COUNT(*) FROM practice_link WHERE practice_id = $1 AND person_id = $2 AND NOT is_manager",
        &[practice.0.into(), joined.person.0.into()],
    )
    .await;
    assert_eq!(
        linked, 1,
        "linked to the practice of that name, not as manager"
    );
    let account = scoped
        .account_by_email("ada@alpha.test")
        .await
        .unwrap()
        .unwrap();
    assert_eq!(account.role(), Role::Member);
    assert!(
        account.email_verified_at.is_none(),
        "unverified until the link"
    );
    assert_eq!(status(&scoped, joined.membership).await, Status::Pending);

    let invoice = scoped
        .invoice(joined.invoice.unwrap())
        .await
        .unwrap()
        .unwrap();
    assert_eq!(invoice.amounts.total, Cents(6_000));
    assert_eq!(invoice.purpose, "dues");
    assert_eq!(
        (invoice.term_start, invoice.term_end),
        (Some(date(2026, 11, 21)), Some(date(2026, 12, 31)))
    );
    let url = joined.checkout_url.clone().unwrap();
    let session = f.stripe.session(&session_of(&url)).unwrap();
    assert_eq!(session["amount_total"], 6_000);
    assert_eq!(
        session["payment_method_types"],
        serde_json::json!(["card"]),
        "only the way they chose"
    );
    assert!(
        session["success_url"]
            .as_str()
            .unwrap()
            .starts_with("https://alpha.test/join/thanks?m=")
    );
    assert_eq!(
        thanks(&f, &scoped, &joined).await.after,
        AfterJoin::ConfirmingPayment,
        "no claim of payment before the webhook"
    );
    let forged = join::thanks(
        &f.app,
        &scoped,
        &joined.membership.to_string(),
        "forged",
        false,
    )
    .await;
    assert!(matches!(forged, Err(AppError::NotFound)));

    f.stripe
        .complete_session(&session_of(&url), PayWith::Card)
        .await
        .unwrap();
    deliver(&f, &scoped).await;
    assert_eq!(status(&scoped, joined.membership).await, Status::Active);
    assert_eq!(thanks(&f, &scoped, &joined).await.after, AfterJoin::Member);
    assert!(
        matches!(
            scoped.auto_renewal(joined.membership).await.unwrap(),
            Some(Some(_))
        ),
        "the card is kept for automatic renewal"
    );
    run_jobs(&f).await;
    let mail = outbox_texts(&f).join("\n");
    assert!(mail.contains("Confirm your email address"));
    assert!(mail.contains("Receipt for your payment"));
    // Their password works at once.
    signed_in(&f, &scoped, "ada@alpha.test", "a long join password").await;
}

#[tokio::test]
async fn a_known_email_or_npi_gets_the_same_answer_and_writes_nothing() {
    let f = fixture().await;
    let scoped = paying_society(&f, "alpha").await;
    let l = levels(&f, &scoped).await;
    let npi = npi_from("123456789");
    joined(
        &f,
        &scoped,
        &form(l.physician, "ada@alpha.test", &npi, "invoice"),
    )
    .await;
    // Someone staff entered by hand, with no account: their NPI is known too.
    let (kept, _) = member_with_invoice(&f, &scoped, "kept@alpha.test").await;
    let kept_person = scoped.person_of_membership(kept).await.unwrap().unwrap();
    let other_npi = npi_from("987654321");
    let mut tx = scoped.begin().await.unwrap();
    let mut fields = scoped.profile(kept_person).await.unwrap().unwrap().fields;
    fields.npi = Some(other_npi.clone());
    tx.update_profile(kept_person, &fields, f.app.now())
        .await
        .unwrap();
    tx.commit().await.unwrap();

    let before = counts(&f, &scoped).await;
    let fellow = |email: &str, npi: &str| JoinForm {
        profession: "fellow".into(),
        ..form(l.fellow, email, npi, "")
    };
    for again in [
        // The email of an account, with a new NPI.
        form(
            l.physician,
            "ada@alpha.test",
            &npi_from("111111111"),
            "invoice",
        ),
        // The same email typed differently, for another level.
        fellow(" ADA@alpha.TEST", &npi_from("333333333")),
        // A new email with a member's NPI.
        form(l.physician, "new@alpha.test", &npi, "card"),
        // The email of a person staff entered (no account).
        form(
            l.physician,
            "kept@alpha.test",
            &npi_from("222222222"),
            "invoice",
        ),
        // Their NPI with a new email.
        fellow("other@alpha.test", &other_npi),
    ] {
        let outcome = join::apply(&f.app, &scoped, &again, &visitor())
            .await
            .unwrap();
        assert!(
            matches!(outcome, JoinOutcome::AccountExists),
            "{} {}: {outcome:?}",
            again.email,
            again.npi
        );
    }
    assert_eq!(
        counts(&f, &scoped).await,
        before,
        "no person, account, membership, invoice, mail, token, note or audit entry"
    );
    assert_eq!(
        join::ACCOUNT_EXISTS,
        "An account already exists — sign in or contact us."
    );
}

#[tokio::test]
async fn bad_input_names_each_field() {
    let f = fixture().await;
    let scoped = society(&f, "alpha").await;
    let scoped = f.app.scoped(&scoped);
    let l = levels(&f, &scoped).await;
    let mut bad = form(l.physician, "not an email", "1234567890", "card");
    bad.first_name = " ".into();
    bad.password = "short".into();
    let Err(AppError::Invalid(errors)) = join::apply(&f.app, &scoped, &bad, &visitor()).await
    else {
        panic!("refused")
    };
    for field in ["first_name", "email", "npi", "password", "pay"] {
        assert!(errors.get(field).is_some(), "{field}: {errors}");
    }
    assert!(
        errors.get("pay").unwrap().contains("Send me an invoice"),
        "no card payments without payment settings"
    );
    let mut nurse = form(l.physician, "np@alpha.test", "", "invoice");
    nurse.profession = "nurse_practitioner".into();
    let Err(AppError::Invalid(errors)) = join::apply(&f.app, &scoped, &nurse, &visitor()).await
    else {
        panic!("refused")
    };
    assert!(
        errors
            .get("level")
            .unwrap()
            .contains("The Active physician level is for: Physician")
    );
    assert!(errors.get("npi").unwrap().contains("10-digit NPI"));
    for hidden in [l.retired, l.practice] {
        let mut other = form(hidden, "r@alpha.test", &npi_from("123456789"), "invoice");
        other.profession = "physician".into();
        let Err(AppError::Invalid(errors)) = join::apply(&f.app, &scoped, &other, &visitor()).await
        else {
            panic!("refused")
        };
        assert_eq!(errors.get("level"), Some("Choose a membership level."));
    }
    assert_eq!(
        sql::scalar(
            f.app.store.db(),
            "SELECT COUNT(*) FROM membership WHERE society_id = $1",
            &[scoped.society_id().0.into()]
        )
        .await,
        0
    );
}

#[tokio::test]
async fn a_free_level_is_active_at_once_and_an_invoice_join_mails_the_invoice() {
    let f = fixture().await;
    let s = society(&f, "alpha").await;
    let scoped = f.app.scoped(&s);
    let l = levels(&f, &scoped).await;
    let mut fellow = form(l.fellow, "fellow@alpha.test", &npi_from("123456789"), "");
    fellow.profession = "fellow".into();
    fellow.password.clear();
    let joined_fellow = joined(&f, &scoped, &fellow).await;
    assert_eq!(joined_fellow.invoice, None);
    assert_eq!(joined_fellow.checkout_url, None);
    assert_eq!(
        status(&scoped, joined_fellow.membership).await,
        Status::Active
    );
    assert_eq!(
        thanks(&f, &scoped, &joined_fellow).await.after,
        AfterJoin::Member
    );
    assert!(
        scoped
            .account_by_email("fellow@alpha.test")
            .await
            .unwrap()
            .unwrap()
            .password_hash
            .is_none(),
        "no password: they sign in with emailed links"
    );

    // Without payment settings, "send me an invoice": due in 30 days, and mailed.
    let mut ada = form(
        l.physician,
        "ada@alpha.test",
        &npi_from("987654321"),
        "invoice",
    );
    ada.practice = "Lakeside Hematology".into();
    let joined_ada = joined(&f, &scoped, &ada).await;
    assert_eq!(joined_ada.checkout_url, None);
    let invoice = scoped
        .invoice(joined_ada.invoice.unwrap())
        .await
        .unwrap()
        .unwrap();
    assert_eq!(invoice.due_on, date(2026, 12, 21));
    assert_eq!(
        thanks(&f, &scoped, &joined_ada).await.after,
        AfterJoin::InvoiceEmailed
    );
    let notes = scoped.person_notes(joined_ada.person).await.unwrap();
    assert!(
        notes[0].body.contains("\"Lakeside Hematology\""),
        "an unknown practice is kept for staff"
    );
    run_jobs(&f).await;
    let mail = unwrapped(&outbox_texts(&f).join("\n"));
    assert!(mail.contains(&format!(
        "Invoice {} for $60.00 is due on December 21, 2026.",
        invoice.display_number()
    )));
    assert!(mail.contains("https://alpha.test/account/invoices"));
    assert!(mail.contains("send a check payable to alpha oncology society"));
    assert_eq!(
        mail.matches("Confirm your email address").count(),
        2,
        "each joiner confirms their address"
    );
}

#[tokio::test]
async fn an_approval_level_stays_pending_after_payment_until_staff_approve() {
    let f = fixture().await;
    let scoped = paying_society(&f, "alpha").await;
    let l = levels(&f, &scoped).await;
    let joined = joined(
        &f,
        &scoped,
        &form(
            l.early_career,
            "ec@alpha.test",
            &npi_from("123456789"),
            "ach",
        ),
    )
    .await;
    assert_eq!(
        scoped
            .membership_state(joined.membership)
            .await
            .unwrap()
            .unwrap()
            .application,
        Some(chapterhouse_core::membership::Application::Pending)
    );
    let url = joined.checkout_url.clone().unwrap();
    assert_eq!(
        f.stripe.session(&session_of(&url)).unwrap()["payment_method_types"],
        serde_json::json!(["us_bank_account"])
    );
    f.stripe
        .complete_session(&session_of(&url), PayWith::UsBankAccount)
        .await
        .unwrap();
    deliver(&f, &scoped).await;
    assert_eq!(
        thanks(&f, &scoped, &joined).await.after,
        AfterJoin::BankPaymentOnItsWay
    );
    f.stripe
        .settle_bank_payment(&session_of(&url))
        .await
        .unwrap();
    deliver(&f, &scoped).await;
    assert_eq!(balance(&scoped, joined.invoice.unwrap()).await, Cents(0));
    assert_eq!(status(&scoped, joined.membership).await, Status::Pending);
    assert_eq!(
        thanks(&f, &scoped, &joined).await.after,
        AfterJoin::PaidAwaitingApproval
    );
    let outcome = applications::decide(
        &f.app,
        &scoped,
        joined.membership,
        Decision::Approve,
        "",
        &Actor::default(),
    )
    .await
    .unwrap();
    assert_eq!(
        outcome,
        applications::DecisionOutcome::Approved {
            effect: ApprovalEffect::AlreadyPaid,
            status: Status::Active
        }
    );
    assert_eq!(
        scoped
            .invoices_for_person(joined.person)
            .await
            .unwrap()
            .len(),
        1,
        "approval of a paid application issues nothing"
    );
}

#[tokio::test]
async fn approving_an_unpaid_application_issues_and_mails_its_invoice_once() {
    let f = fixture().await;
    let scoped = paying_society(&f, "alpha").await;
    let l = levels(&f, &scoped).await;
    // Entered by staff: no invoice yet.
    let added = m::add_member(
        &f.app,
        &scoped,
        &MemberForm {
            display_name: "Dr Bo Early".into(),
            email: "bo@alpha.test".into(),
            level: l.early_career.to_string(),
            joined_on: String::new(),
            paid: None,
        },
        &Actor::default(),
    )
    .await
    .unwrap();
    let bo = scoped
        .person_of_membership(added.id)
        .await
        .unwrap()
        .unwrap();
    // Joined online asking for an invoice: it has one already.
    let joined = joined(
        &f,
        &scoped,
        &form(
            l.early_career,
            "cy@alpha.test",
            &npi_from("123456789"),
            "invoice",
        ),
    )
    .await;
    for id in [added.id, joined.membership] {
        let outcome = applications::decide(
            &f.app,
            &scoped,
            id,
            Decision::Approve,
            "",
            &Actor::default(),
        )
        .await
        .unwrap();
        assert_eq!(
            outcome,
            applications::DecisionOutcome::Approved {
                effect: ApprovalEffect::AwaitPayment,
                status: Status::Pending
            }
        );
    }
    let bo_invoices = scoped.invoices_for_person(bo).await.unwrap();
    assert_eq!(bo_invoices.len(), 1);
    let issued = &bo_invoices[0];
    assert_eq!(issued.amounts.total, Cents(17_500));
    assert_eq!(issued.membership, Some(added.id));
    assert_eq!(
        issued.dedup_key.as_deref(),
        Some(format!("approval:{}", added.id).as_str())
    );
    let cy_invoices = scoped.invoices_for_person(joined.person).await.unwrap();
    assert_eq!(
        cy_invoices.len(),
        1,
        "the join's open invoice is the one to pay"
    );
    run_jobs(&f).await;
    let mail = unwrapped(&outbox_texts(&f).join("\n"));
    assert!(mail.contains(&format!(
        "Invoice {} is due on 21 November 2026",
        issued.display_number()
    )));
    assert!(mail.contains(&format!(
        "Invoice {} is due on",
        cy_invoices[0].display_number()
    )));
    assert!(mail.contains("https://alpha.test/account/invoices"));

    // Paid by check on the billing page: the member is active.
    billing::record_staff_payment(
        &f.app,
        &scoped,
        &Actor::default(),
        billing::NewPayment {
            invoice: issued.id,
            amount: Cents(17_500),
            method: billing::PaymentMethodKind::Check,
            reference: "Check 1001".into(),
            provider_ref: None,
            received_on: date(2026, 11, 21),
        },
        Cents(17_500),
    )
    .await
    .unwrap();
    assert_eq!(status(&scoped, added.id).await, Status::Active);
}

/// A member who can sign in, with one paid term of an anniversary level.
async fn renewing_member(
    f: &Fixture,
    scoped: &Scoped,
    level: LevelId,
    email: &str,
) -> (CurrentUser, MembershipId) {
    accounts::create_account(
        &f.app,
        scoped,
        NewAccountInput {
            email: email.into(),
            display_name: "Dr Renée Renewer".into(),
            role: Role::Member,
            is_operator: false,
            password: Some("renewal password 1".into()),
        },
        &Actor::default(),
    )
    .await
    .unwrap();
    let added = m::add_member(
        &f.app,
        scoped,
        &MemberForm {
            display_name: "Dr Renée Renewer".into(),
            email: email.into(),
            level: level.to_string(),
            joined_on: "2026-01-10".into(),
            paid: Some("on".into()),
        },
        &Actor::default(),
    )
    .await
    .unwrap();
    (
        signed_in(f, scoped, email, "renewal password 1").await,
        added.id,
    )
}

#[tokio::test]
async fn renewing_twice_issues_one_invoice_and_a_paid_renewal_is_not_sold_again() {
    let f = fixture().await;
    let scoped = paying_society(&f, "alpha").await;
    let l = levels(&f, &scoped).await;
    let (user, membership) = renewing_member(&f, &scoped, l.early_career, "ren@alpha.test").await;
    let Renewal::Ready(page) = renewals::renewal(&f.app, &scoped, &user, &membership.to_string())
        .await
        .unwrap()
    else {
        panic!("renewable")
    };
    assert_eq!(
        (
            page.quote.term.start,
            page.quote.term.end,
            page.quote.amount
        ),
        (date(2027, 1, 10), Some(date(2028, 1, 9)), Cents(17_500)),
        "continues from the current term, at the full fee"
    );
    let renew_form = |pay: &str| RenewForm {
        membership: membership.to_string(),
        practice: String::new(),
        term_start: "2027-01-10".into(),
        pay: pay.into(),
        auto_renew: None,
    };
    let first = renewals::renew(
        &f.app,
        &scoped,
        &user,
        &renew_form("invoice"),
        &Actor::default(),
    )
    .await
    .unwrap();
    let second = renewals::renew(
        &f.app,
        &scoped,
        &user,
        &renew_form("card"),
        &Actor::default(),
    )
    .await
    .unwrap();
    let RenewOutcome::InvoiceEmailed { number } = first else {
        panic!("{first:?}")
    };
    let RenewOutcome::Checkout(url) = second else {
        panic!("{second:?}")
    };
    let person = scoped
        .person_of_membership(membership)
        .await
        .unwrap()
        .unwrap();
    let invoices = scoped.invoices_for_person(person).await.unwrap();
    assert_eq!(invoices.len(), 1, "one invoice for the term");
    assert_eq!(invoices[0].display_number(), number);
    assert_eq!(
        invoices[0].dedup_key.as_deref(),
        Some(format!("renew:{membership}:2027-01-10").as_str())
    );
    f.stripe
        .complete_session(&session_of(&url), PayWith::Card)
        .await
        .unwrap();
    deliver(&f, &scoped).await;
    assert_eq!(scoped.term_list(membership).await.unwrap().len(), 2);

    // The same page sent again: the term it showed is paid, so nothing is sold twice.
    let sessions = f.stripe.count("POST", "/v1/checkout/sessions");
    let Err(AppError::Invalid(errors)) = renewals::renew(
        &f.app,
        &scoped,
        &user,
        &renew_form("card"),
        &Actor::default(),
    )
    .await
    else {
        panic!("refused")
    };
    assert!(
        errors
            .get("term_start")
            .unwrap()
            .contains("renewed meanwhile")
    );
    // Paying the paid invoice again is refused before any payment page is made.
    let Err(AppError::Invalid(errors)) =
        renewals::pay_invoice(&f.app, &scoped, &user, &invoices[0].id.to_string()).await
    else {
        panic!("refused")
    };
    assert!(errors.get("pay").unwrap().contains("already paid"));
    assert_eq!(f.stripe.count("POST", "/v1/checkout/sessions"), sessions);
    assert_eq!(scoped.term_list(membership).await.unwrap().len(), 2);
    run_jobs(&f).await;
    assert!(
        unwrapped(&outbox_texts(&f).join("\n")).contains(&format!("Invoice {number} for $175.00"))
    );
}

#[tokio::test]
async fn only_the_member_or_their_practice_manager_may_renew_or_pay() {
    let f = fixture().await;
    let scoped = paying_society(&f, "alpha").await;
    let l = levels(&f, &scoped).await;
    let (member, membership) = renewing_member(&f, &scoped, l.early_career, "ren@alpha.test").await;
    let (stranger, _) = renewing_member(&f, &scoped, l.early_career, "stranger@alpha.test").await;
    let (manager, _) = renewing_member(&f, &scoped, l.early_career, "manager@alpha.test").await;
    let member_person = scoped
        .person_of_membership(membership)
        .await
        .unwrap()
        .unwrap();
    let manager_person = chapterhouse_core::PersonId(manager.account.person_id);
    let now = f.app.now();
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
    tx.link_practice_person(practice, manager_person, true, now)
        .await
        .unwrap();
    tx.link_practice_person(practice, member_person, false, now)
        .await
        .unwrap();
    tx.commit().await.unwrap();

    assert!(matches!(
        renewals::renewal(&f.app, &scoped, &stranger, &membership.to_string()).await,
        Err(AppError::NotFound)
    ));
    let Renewal::Ready(page) =
        renewals::renewal(&f.app, &scoped, &manager, &membership.to_string())
            .await
            .unwrap()
    else {
        panic!("a manager renews a colleague")
    };
    assert!(
        !page.own && !page.offer_auto_renew(),
        "never saves the manager's card for them"
    );
    let RenewOutcome::Checkout(_) = renewals::renew(
        &f.app,
        &scoped,
        &manager,
        &RenewForm {
            membership: membership.to_string(),
            practice: String::new(),
            term_start: page.quote.term.start.to_string(),
            pay: "card".into(),
            auto_renew: Some("on".into()),
        },
        &Actor::default(),
    )
    .await
    .unwrap() else {
        panic!("checkout")
    };
    assert_eq!(
        f.stripe.last_session().unwrap()["x_setup_future_usage"],
        serde_json::Value::Null
    );
    let invoice = scoped.invoices_for_person(member_person).await.unwrap()[0].id;
    assert!(matches!(
        renewals::pay_invoice(&f.app, &scoped, &stranger, &invoice.to_string()).await,
        Err(AppError::NotFound)
    ));
    let url = renewals::pay_invoice(&f.app, &scoped, &member, &invoice.to_string())
        .await
        .unwrap();
    assert!(url.starts_with(f.stripe.base_url()));
}
