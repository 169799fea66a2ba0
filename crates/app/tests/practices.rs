//! Practices, level rules and the daily run. Like the other use-case tests they run on SQLite by
//! default and on PostgreSQL when `CHAPTERHOUSE_TEST_DATABASE_URL` is set.

mod common;

use common::{Fixture, fixture, outbox_texts, run_jobs, set_clock, society};

use chapterhouse_app::levels::{self, LevelEditForm};
use chapterhouse_app::member_list::MemberQuery;
use chapterhouse_app::membership::{self as m, LevelForm, MemberForm};
use chapterhouse_app::practices::{self, ColleagueForm, PracticeForm};
use chapterhouse_app::{Actor, AppError, daily};
use chapterhouse_core::membership::Status;
use chapterhouse_core::money::Cents;
use chapterhouse_core::{LevelId, MembershipId, PracticeId};
use chapterhouse_store::{CommitteeFields, MemberFilter, NewSeat, Scoped};
use jiff::civil::Date;

/// Every mail written to the outbox, its body decoded.
fn outbox(f: &Fixture) -> Vec<String> {
    outbox_texts(f)
        .iter()
        .map(|text| decode_quoted_printable(text))
        .collect()
}

/// The message with its quoted-printable body decoded (soft line breaks joined, =XX bytes).
fn decode_quoted_printable(text: &str) -> String {
    let joined = text.replace("=\r\n", "").replace("=\n", "");
    let bytes = joined.as_bytes();
    let mut out = Vec::new();
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'='
            && i + 2 < bytes.len()
            && let Ok(b) = u8::from_str_radix(&joined[i + 1..i + 3], 16)
        {
            out.push(b);
            i += 3;
            continue;
        }
        out.push(bytes[i]);
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

fn mails_to<'a>(all: &'a [String], address: &str) -> Vec<&'a String> {
    all.iter()
        .filter(|m| m.contains(&format!("To: {address}")))
        .collect()
}

async fn level(f: &Fixture, scoped: &Scoped, name: &str, fee: &str, fixed_day: &str) -> LevelId {
    m::create_level(
        &f.app,
        scoped,
        &LevelForm {
            name: name.into(),
            fee: fee.into(),
            period: "1-year".into(),
            fixed_day: fixed_day.into(),
            grace_days: "30".into(),
            ..Default::default()
        },
        &Actor::default(),
    )
    .await
    .unwrap()
}

async fn member(f: &Fixture, scoped: &Scoped, level: LevelId, email: &str) -> MembershipId {
    m::add_member(
        &f.app,
        scoped,
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
    .unwrap()
    .id
}

/// Edit a level's rules through the same form staff use.
async fn edit_level(f: &Fixture, scoped: &Scoped, id: LevelId, pairs: &[(&str, &str)]) {
    let mut form = levels::edit_form(scoped, id).await.unwrap().unwrap();
    let mut all: Vec<(String, String)> = vec![
        ("name".into(), form.base.name.clone()),
        ("fee".into(), form.base.fee.clone()),
        ("period".into(), form.base.period.clone()),
        ("fixed_day".into(), form.base.fixed_day.clone()),
        ("grace_days".into(), form.base.grace_days.clone()),
        ("reminder_days".into(), form.reminder_days.clone()),
    ];
    if form.base.for_practices.is_some() {
        all.push(("for_practices".into(), "on".into()));
    }
    for (k, v) in pairs {
        all.retain(|(key, _)| key != k);
        all.push((k.to_string(), v.to_string()));
    }
    form = LevelEditForm::from_pairs(&all);
    levels::update_level(&f.app, scoped, id, &form, &Actor::default())
        .await
        .unwrap();
}

/// A practice level: physicians $350, NPs and PAs $150, pharmacists $125, fellows free, others
/// the $400 fee; three seats.
async fn practice_level(f: &Fixture, scoped: &Scoped, fixed_day: &str) -> LevelId {
    let id = level(f, scoped, "Practice", "400", fixed_day).await;
    edit_level(
        f,
        scoped,
        id,
        &[
            ("for_practices", "on"),
            ("seat_limit", "3"),
            ("rate_physician", "350"),
            ("rate_nurse_practitioner", "150"),
            ("rate_physician_assistant", "150"),
            ("rate_pharmacist", "125"),
            ("rate_fellow", "0"),
        ],
    )
    .await;
    id
}

async fn practice(f: &Fixture, scoped: &Scoped, level: LevelId) -> PracticeId {
    practices::create_practice(
        &f.app,
        scoped,
        &PracticeForm {
            name: "Hill Country Oncology".into(),
            npi: "1770626038".into(),
            state: "tx".into(),
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
    .unwrap()
}

fn colleague(first: &str, email: &str, profession: &str) -> ColleagueForm {
    ColleagueForm {
        first_name: first.into(),
        last_name: "Colleague".into(),
        email: email.into(),
        profession: profession.into(),
        credentials: "MD".into(),
        ..Default::default()
    }
}

async fn status_of(scoped: &Scoped, email: &str) -> String {
    scoped
        .members(&MemberFilter {
            search: Some(email.into()),
            ..Default::default()
        })
        .await
        .unwrap()
        .into_iter()
        .find(|r| r.email == email)
        .map(|r| r.status)
        .unwrap_or_else(|| panic!("no member {email}"))
}

#[tokio::test]
async fn level_rules_validate_and_are_stored() {
    let f = fixture().await;
    let s = society(&f, "alpha").await;
    let scoped = f.app.scoped(&s);
    let fellow = level(&f, &scoped, "Fellow", "0", "07-01").await;
    let early = level(&f, &scoped, "Early career", "175", "07-01").await;
    let form = levels::edit_form(&scoped, fellow).await.unwrap().unwrap();
    assert_eq!(form.reminder_days, "60,30,7,-7", "the default schedule");
    assert!(form.public_join && form.auto_renew_allowed);

    let bad = LevelEditForm::from_pairs(&[
        ("name".into(), "Fellow".into()),
        ("fee".into(), "0".into()),
        ("period".into(), "1-year".into()),
        ("seat_limit".into(), "5".into()),
        ("reminder_days".into(), "60,soon".into()),
        ("nondeductible".into(), "120".into()),
        ("rate_physician".into(), "lots".into()),
        ("transition_to".into(), fellow.to_string()),
        ("transition_on".into(), "02-30".into()),
        ("change".into(), "not-a-level".into()),
    ]);
    let Err(AppError::Invalid(errors)) =
        levels::update_level(&f.app, &scoped, fellow, &bad, &Actor::default()).await
    else {
        panic!("bad rules must be refused")
    };
    for field in [
        "seat_limit",
        "reminder_days",
        "nondeductible",
        "rate_physician",
        "transition_to",
        "transition_on",
        "changes",
    ] {
        assert!(errors.get(field).is_some(), "{field}: {errors:?}");
    }
    assert_eq!(
        errors.get("seat_limit"),
        Some(
            "Only practice levels have seats. Tick \"For practices\" or leave the seat limit empty."
        )
    );

    edit_level(
        &f,
        &scoped,
        fellow,
        &[
            ("reminder_days", "30, -7, 7"),
            ("nondeductible", "12.5"),
            ("apply", "fellow"),
            ("change", &early.to_string()),
            ("transition_to", &early.to_string()),
            ("transition_on", "6/30"),
        ],
    )
    .await;
    let rules = scoped.level_rules(fellow).await.unwrap().unwrap();
    assert_eq!(rules.reminder_days, "30,7,-7");
    assert_eq!(rules.nondeductible_bp, 1250);
    assert_eq!(rules.professions, "fellow");
    assert!(!rules.public_join, "an unticked box is off");
    assert_eq!(scoped.level_changes(fellow).await.unwrap(), vec![early]);
    let t = scoped.level_transition(fellow).await.unwrap().unwrap();
    assert_eq!((t.to_level, t.month, t.day), (early, 6, 30));
    let shown = levels::edit_form(&scoped, fellow).await.unwrap().unwrap();
    assert_eq!(
        (shown.nondeductible.as_str(), shown.transition_on.as_str()),
        ("12.5", "06-30")
    );

    // Another society cannot edit this level, nor point a transition at it.
    let b = society(&f, "beta").await;
    let sb = f.app.scoped(&b);
    assert!(matches!(
        levels::update_level(&f.app, &sb, fellow, &shown, &Actor::default()).await,
        Err(AppError::NotFound)
    ));
    let b_level = level(&f, &sb, "Beta fellow", "0", "").await;
    let sneaky = LevelEditForm::from_pairs(&[
        ("name".into(), "Beta fellow".into()),
        ("fee".into(), "0".into()),
        ("period".into(), "1-year".into()),
        ("transition_to".into(), early.to_string()),
        ("transition_on".into(), "06-30".into()),
    ]);
    let Err(AppError::Invalid(errors)) =
        levels::update_level(&f.app, &sb, b_level, &sneaky, &Actor::default()).await
    else {
        panic!("another society's level must not be a target")
    };
    assert!(errors.get("transition_to").is_some());
}

#[tokio::test]
async fn a_reminder_goes_once_per_step_even_when_the_run_repeats_and_never_after_renewal() {
    let f = fixture().await;
    let s = society(&f, "alpha").await;
    let scoped = f.app.scoped(&s);
    let physician = level(&f, &scoped, "Active physician", "350", "01-01").await;
    // All three joined 21 November: paid through 31 December.
    let ada = member(&f, &scoped, physician, "ada@alpha.test").await;
    let ben = member(&f, &scoped, physician, "ben@alpha.test").await;
    member(&f, &scoped, physician, "cy@alpha.test").await;
    // Cy is suspended by staff: never reminded.
    suspend(&f, &scoped, "cy@alpha.test").await;

    let report = daily::membership_daily(&f.app, &scoped).await.unwrap();
    assert_eq!(
        report.reminders, 0,
        "the 60-day step was 20 days ago: too late"
    );

    // Ben renews early, before the 30-day step.
    m::renew(&f.app, &scoped, ben, "2026-12-31", &Actor::default())
        .await
        .unwrap();

    // 1 December, 07:00 in New York: the 30-day step for a term ending 31 December.
    set_clock(&f, "2026-12-01T12:00:00Z");
    let report = daily::membership_daily(&f.app, &scoped).await.unwrap();
    assert_eq!(report.reminders, 1);
    let again = daily::membership_daily(&f.app, &scoped).await.unwrap();
    assert_eq!(
        again,
        daily::DailyReport::default(),
        "a repeated run does nothing"
    );
    // The next day (the run was missed and catches up): still nothing new.
    set_clock(&f, "2026-12-02T12:00:00Z");
    assert_eq!(
        daily::membership_daily(&f.app, &scoped)
            .await
            .unwrap()
            .reminders,
        0
    );
    run_jobs(&f).await;
    let mail = outbox(&f);
    let to_ada = mails_to(&mail, "ada@alpha.test");
    assert_eq!(to_ada.len(), 1, "{mail:?}");
    let text = to_ada[0];
    assert!(
        text.contains("Subject: Your alpha oncology society membership ends on 31 December 2026")
    );
    assert!(text.contains("$350.00"), "{text}");
    assert!(
        text.contains(&format!(
            "https://alpha.test/account/renew?membership={ada}"
        )),
        "{text}"
    );
    assert!(mails_to(&mail, "ben@alpha.test").is_empty(), "Ben renewed");
    assert!(
        mails_to(&mail, "cy@alpha.test").is_empty(),
        "Cy is suspended"
    );

    // Seven days after the end (in grace): the -7 step, once; Ben's renewed term is far off.
    set_clock(&f, "2027-01-07T12:00:00Z");
    let report = daily::membership_daily(&f.app, &scoped).await.unwrap();
    assert_eq!(report.reminders, 1);
    assert_eq!(status_of(&scoped, "ada@alpha.test").await, "grace");
    run_jobs(&f).await;
    let mail = outbox(&f);
    let to_ada = mails_to(&mail, "ada@alpha.test");
    assert_eq!(to_ada.len(), 2);
    assert!(to_ada.iter().any(|m| m.contains("has ended: renew now")));
    assert!(mails_to(&mail, "ben@alpha.test").is_empty());
}

async fn suspend(f: &Fixture, scoped: &Scoped, email: &str) {
    let person = scoped.person_by_email(email).await.unwrap().unwrap();
    chapterhouse_app::records::suspend(&f.app, scoped, person, "Unpaid fees", &Actor::default())
        .await
        .unwrap();
}

#[tokio::test]
async fn seats_follow_the_practice_and_its_billing_contact_gets_the_reminder_with_the_amount() {
    let f = fixture().await;
    let s = society(&f, "alpha").await;
    let scoped = f.app.scoped(&s);
    let level = practice_level(&f, &scoped, "01-01").await;
    let p = practice(&f, &scoped, level).await;
    let stored = scoped.practice(p).await.unwrap().unwrap();
    assert_eq!(
        (stored.npi.as_deref(), stored.state.as_str()),
        (Some("1770626038"), "TX")
    );
    assert_eq!(stored.status(), Status::Pending);

    // The practice pays: its term runs from today to 31 December.
    let term = practices::record_term(&f.app, &scoped, p, "", &Actor::default())
        .await
        .unwrap();
    assert_eq!(term.end.unwrap().to_string(), "2026-12-31");
    // Recording the same form again adds nothing.
    practices::record_term(&f.app, &scoped, p, "", &Actor::default())
        .await
        .unwrap();
    assert_eq!(scoped.practice_terms(p).await.unwrap().len(), 1);

    for (first, email, profession) in [
        ("Pat", "pat@hco.example", "physician"),
        ("Nia", "nia@hco.example", "nurse_practitioner"),
        ("Fen", "fen@hco.example", "fellow"),
    ] {
        let added = practices::add_colleague(
            &f.app,
            &scoped,
            p,
            &colleague(first, email, profession),
            &Actor::default(),
        )
        .await
        .unwrap();
        assert!(added.charge.is_some());
        assert_eq!(status_of(&scoped, email).await, "active", "{email}");
    }
    // A fourth is beyond the seat limit of three.
    let Err(AppError::Invalid(errors)) = practices::add_colleague(
        &f.app,
        &scoped,
        p,
        &colleague("Ola", "ola@hco.example", "pharmacist"),
        &Actor::default(),
    )
    .await
    else {
        panic!("the seat limit must hold")
    };
    assert!(
        errors
            .get("colleague")
            .unwrap()
            .contains("covers 3 clinicians, and all are taken"),
        "{errors:?}"
    );
    assert!(
        scoped
            .person_by_email("ola@hco.example")
            .await
            .unwrap()
            .is_none()
    );
    let charges = practices::annual_charges(&scoped, p).await.unwrap();
    assert_eq!(
        chapterhouse_core::practice::total(&charges),
        Cents(35_000 + 15_000)
    );

    // 1 December: the practice's 30-day step goes to its billing contact, not to the seats.
    set_clock(&f, "2026-12-01T12:00:00Z");
    let report = daily::membership_daily(&f.app, &scoped).await.unwrap();
    assert_eq!((report.reminders, report.practice_reminders), (0, 1));
    assert_eq!(
        daily::membership_daily(&f.app, &scoped)
            .await
            .unwrap()
            .practice_reminders,
        0
    );
    run_jobs(&f).await;
    let mail = outbox(&f);
    let to_billing = mails_to(&mail, "bill@hco.example");
    assert_eq!(to_billing.len(), 1, "{mail:?}");
    assert!(
        to_billing[0].contains("3 clinicians for $500.00")
            && to_billing[0].contains("PO PO-77")
            && to_billing[0].contains(&format!("/account/renew?practice={p}")),
        "{}",
        to_billing[0]
    );
    assert!(mails_to(&mail, "kim@hco.example").is_empty());
    for seat in ["pat@hco.example", "nia@hco.example", "fen@hco.example"] {
        assert!(
            mails_to(&mail, seat)
                .iter()
                .all(|m| m.contains("pays your")),
            "{seat} got only the welcome, no dues reminder"
        );
    }

    // The practice's term ends: grace, then lapsed, and its seats with it.
    set_clock(&f, "2027-01-05T12:00:00Z");
    let report = daily::membership_daily(&f.app, &scoped).await.unwrap();
    assert_eq!((report.practice_statuses, report.member_statuses), (1, 3));
    assert_eq!(status_of(&scoped, "pat@hco.example").await, "grace");
    set_clock(&f, "2027-02-01T12:00:00Z");
    daily::membership_daily(&f.app, &scoped).await.unwrap();
    assert_eq!(
        scoped.practice(p).await.unwrap().unwrap().status(),
        Status::Lapsed
    );
    assert_eq!(status_of(&scoped, "nia@hco.example").await, "lapsed");
    // Paying again restores the practice and every seat at once.
    practices::record_term(&f.app, &scoped, p, "2026-12-31", &Actor::default())
        .await
        .unwrap();
    assert_eq!(status_of(&scoped, "nia@hco.example").await, "active");

    // Removed from the practice, a colleague's membership stands on its own (no terms: pending).
    let nia = scoped
        .practice_people(p)
        .await
        .unwrap()
        .into_iter()
        .find(|x| x.email == "nia@hco.example")
        .unwrap();
    practices::remove_colleague(
        &f.app,
        &scoped,
        p,
        nia.membership().unwrap(),
        &Actor::default(),
    )
    .await
    .unwrap();
    assert_eq!(status_of(&scoped, "nia@hco.example").await, "pending");
    assert_eq!(practices::seats(&scoped, p).await.unwrap().len(), 2);
}

#[tokio::test]
async fn a_manager_adds_a_colleague_mid_term_prorated_and_only_for_their_own_practice() {
    let f = fixture().await;
    let s = society(&f, "alpha").await;
    let scoped = f.app.scoped(&s);
    // Anniversary practice level: the term runs 21 November 2026 to 20 November 2027.
    let level = practice_level(&f, &scoped, "").await;
    let p = practice(&f, &scoped, level).await;
    practices::record_term(&f.app, &scoped, p, "", &Actor::default())
        .await
        .unwrap();
    let kim = scoped
        .person_by_email("kim@hco.example")
        .await
        .unwrap()
        .unwrap();
    let bill = scoped
        .person_by_email("bill@hco.example")
        .await
        .unwrap()
        .unwrap();
    assert_eq!(
        scoped.managed_practices(kim).await.unwrap(),
        vec![(p, "Hill Country Oncology".to_string())],
        "the key contact manages the practice"
    );
    assert!(scoped.managed_practices(bill).await.unwrap().is_empty());

    // 15 August 2027: August to November left, 4 of 12 months of $350.
    set_clock(&f, "2027-08-15T15:00:00Z");
    let added = practices::add_colleague_as_manager(
        &f.app,
        &scoped,
        kim,
        p,
        &colleague("Ada", "ada@hco.example", "physician"),
        &Actor::default(),
    )
    .await
    .unwrap();
    assert_eq!(
        added.message(),
        "Added. $116.67 (prorated for 4 months) will be on the practice's next invoice."
    );
    let pending = practices::pending_charges(&f.app, &scoped, p)
        .await
        .unwrap();
    assert_eq!(pending.len(), 1);
    assert_eq!(
        (
            pending[0].amount,
            pending[0].months,
            pending[0].name.as_str()
        ),
        (Cents(11_667), Some(4), "Ada Colleague")
    );
    // Once invoiced, the seat is not charged again this term.
    let mut tx = scoped.begin().await.unwrap();
    tx.mark_seats_billed(p, jiff::civil::date(2027, 11, 20))
        .await
        .unwrap();
    tx.commit().await.unwrap();
    assert!(
        practices::pending_charges(&f.app, &scoped, p)
            .await
            .unwrap()
            .is_empty()
    );

    // Bad input is named per field; someone who is not a manager cannot add anyone.
    let Err(AppError::Invalid(errors)) = practices::add_colleague_as_manager(
        &f.app,
        &scoped,
        kim,
        p,
        &ColleagueForm {
            email: "not an email".into(),
            profession: "wizard".into(),
            ..Default::default()
        },
        &Actor::default(),
    )
    .await
    else {
        panic!()
    };
    for field in ["first_name", "last_name", "email", "profession"] {
        assert!(errors.get(field).is_some(), "{field}");
    }
    assert!(matches!(
        practices::add_colleague_as_manager(
            &f.app,
            &scoped,
            bill,
            p,
            &colleague("Eve", "eve@hco.example", "physician"),
            &Actor::default(),
        )
        .await,
        Err(AppError::NotFound)
    ));
    // Adding the same colleague twice is refused plainly.
    let Err(AppError::Invalid(errors)) = practices::add_colleague_as_manager(
        &f.app,
        &scoped,
        kim,
        p,
        &colleague("Ada", "ADA@hco.example", "physician"),
        &Actor::default(),
    )
    .await
    else {
        panic!()
    };
    assert_eq!(
        errors.get("email"),
        Some("This colleague is already covered by the practice.")
    );
    // Another society's staff cannot reach this practice at all.
    let b = society(&f, "beta").await;
    let sb = f.app.scoped(&b);
    assert!(matches!(
        practices::add_colleague(
            &f.app,
            &sb,
            p,
            &colleague("Eve", "eve@x.example", "physician"),
            &Actor::default()
        )
        .await,
        Err(AppError::NotFound)
    ));
    // A manager cannot remove themselves, but can remove a colleague.
    let ada = added.membership.unwrap();
    practices::remove_colleague_as_manager(&f.app, &scoped, kim, p, ada, &Actor::default())
        .await
        .unwrap();
    assert!(practices::seats(&scoped, p).await.unwrap().is_empty());
}

#[tokio::test]
async fn the_fellow_becomes_early_career_on_30_june_once() {
    let f = fixture().await;
    let s = society(&f, "alpha").await;
    let scoped = f.app.scoped(&s);
    let fellow = level(&f, &scoped, "Fellow", "0", "").await;
    let early = level(&f, &scoped, "Early career", "175", "").await;
    edit_level(
        &f,
        &scoped,
        fellow,
        &[
            ("transition_to", &early.to_string()),
            ("transition_on", "06-30"),
        ],
    )
    .await;
    let fen = member(&f, &scoped, fellow, "fen@alpha.test").await;

    set_clock(&f, "2027-06-29T15:00:00Z");
    assert_eq!(
        daily::membership_daily(&f.app, &scoped)
            .await
            .unwrap()
            .transitions,
        0
    );
    set_clock(&f, "2027-06-30T15:00:00Z");
    assert_eq!(
        daily::membership_daily(&f.app, &scoped)
            .await
            .unwrap()
            .transitions,
        1
    );
    assert_eq!(scoped.membership_level_id(fen).await.unwrap(), Some(early));
    let audit = scoped.audit_entries(10).await.unwrap();
    assert!(
        audit
            .iter()
            .any(|e| e.action == "member.level_transitioned"
                && e.detail == "Fellow → Early career")
    );
    // Put back on the fellow level by hand, the member is not moved again this year.
    let mut tx = scoped.begin().await.unwrap();
    tx.set_membership_level(fen, fellow).await.unwrap();
    tx.commit().await.unwrap();
    set_clock(&f, "2027-07-01T15:00:00Z");
    assert_eq!(
        daily::membership_daily(&f.app, &scoped)
            .await
            .unwrap()
            .transitions,
        0
    );
    assert_eq!(scoped.membership_level_id(fen).await.unwrap(), Some(fellow));
    // A fellow who joined after 30 June waits for next year's.
    let late = member(&f, &scoped, fellow, "late@alpha.test").await;
    set_clock(&f, "2027-07-02T15:00:00Z");
    daily::membership_daily(&f.app, &scoped).await.unwrap();
    assert_eq!(
        scoped.membership_level_id(late).await.unwrap(),
        Some(fellow)
    );
    // Next year both move.
    set_clock(&f, "2028-06-30T15:00:00Z");
    assert_eq!(
        daily::membership_daily(&f.app, &scoped)
            .await
            .unwrap()
            .transitions,
        2
    );
}

#[tokio::test]
async fn the_members_list_filters_by_practice_specialty_committee_state_and_renewal_due() {
    let f = fixture().await;
    let s = society(&f, "alpha").await;
    let scoped = f.app.scoped(&s);
    let physician = level(&f, &scoped, "Active physician", "350", "").await; // ends 2027-11-20
    let plevel = practice_level(&f, &scoped, "").await;
    let p = practice(&f, &scoped, plevel).await;
    practices::record_term(&f.app, &scoped, p, "", &Actor::default())
        .await
        .unwrap();
    practices::add_colleague(
        &f.app,
        &scoped,
        p,
        &colleague("Pat", "pat@hco.example", "physician"),
        &Actor::default(),
    )
    .await
    .unwrap();
    let ada = member(&f, &scoped, physician, "ada@alpha.test").await;
    let ben = member(&f, &scoped, physician, "ben@alpha.test").await;
    let ada_person = scoped
        .person_by_email("ada@alpha.test")
        .await
        .unwrap()
        .unwrap();
    let ben_person = scoped
        .person_by_email("ben@alpha.test")
        .await
        .unwrap()
        .unwrap();
    let now = f.app.now();
    let mut ada_profile = scoped.profile(ada_person).await.unwrap().unwrap().fields;
    ada_profile.specialty = "Medical oncology".into();
    ada_profile.practice_address.city = "Austin".into();
    ada_profile.practice_address.state = "TX".into();
    let mut ben_profile = scoped.profile(ben_person).await.unwrap().unwrap().fields;
    ben_profile.practice_address.city = "Tulsa".into();
    ben_profile.practice_address.state = "OK".into();
    let mut tx = scoped.begin().await.unwrap();
    tx.update_profile(ada_person, &ada_profile, now)
        .await
        .unwrap();
    tx.update_profile(ben_person, &ben_profile, now)
        .await
        .unwrap();
    let committee = |name: &str| CommitteeFields {
        name: name.into(),
        kind: "committee".into(),
        description: String::new(),
    };
    let board = tx.insert_committee(&committee("Board"), now).await.unwrap();
    let past = tx
        .insert_committee(&committee("Past committee"), now)
        .await
        .unwrap();
    let seat = |committee, person, role, end_on| NewSeat {
        committee,
        person,
        role,
        start_on: None,
        end_on,
    };
    tx.insert_seat(&seat(board, ben_person, "chair", None), now)
        .await
        .unwrap();
    let ended: Date = "2025-12-31".parse().unwrap();
    tx.insert_seat(&seat(past, ada_person, "member", Some(ended)), now)
        .await
        .unwrap();
    tx.commit().await.unwrap();
    // Ben renews: his latest term ends a year later than Ada's.
    m::renew(&f.app, &scoped, ben, "2027-11-20", &Actor::default())
        .await
        .unwrap();
    let _ = ada;

    let today = jiff::civil::date(2026, 11, 21);
    let emails = |q: MemberQuery| {
        let scoped = scoped.clone();
        async move {
            let mut e: Vec<String> = scoped
                .members(&q.to_filter(today, 0))
                .await
                .unwrap()
                .into_iter()
                .map(|r| r.email)
                .collect();
            e.sort();
            e
        }
    };
    assert_eq!(emails(MemberQuery::default()).await.len(), 3);
    assert_eq!(
        emails(MemberQuery {
            practice: p.to_string(),
            ..Default::default()
        })
        .await,
        vec!["pat@hco.example"]
    );
    assert_eq!(
        emails(MemberQuery {
            specialty: "Medical oncology".into(),
            ..Default::default()
        })
        .await,
        vec!["ada@alpha.test"]
    );
    assert_eq!(
        emails(MemberQuery {
            committee: board.to_string(),
            ..Default::default()
        })
        .await,
        vec!["ben@alpha.test"]
    );
    assert!(
        emails(MemberQuery {
            committee: past.to_string(),
            ..Default::default()
        })
        .await
        .is_empty(),
        "a seat that ended does not count"
    );
    assert_eq!(
        emails(MemberQuery {
            state: "ok".into(),
            ..Default::default()
        })
        .await,
        vec!["ben@alpha.test"]
    );
    // Ada's (and Pat's practice-level) terms end 20 November 2027: due within 365 days; Ben's
    // renewed term ends a year later.
    assert_eq!(
        emails(MemberQuery {
            due: "364".into(),
            ..Default::default()
        })
        .await,
        vec!["ada@alpha.test"]
    );
    assert!(
        emails(MemberQuery {
            due: "30".into(),
            ..Default::default()
        })
        .await
        .is_empty()
    );
    let choices = scoped.member_filter_choices().await.unwrap();
    assert_eq!(choices.specialties, vec!["Medical oncology"]);
    assert_eq!(choices.states, vec!["OK", "TX"]);
    assert_eq!(choices.practices.len(), 1);
    assert_eq!(choices.committees.len(), 2);
}

#[tokio::test]
async fn practice_forms_name_each_problem() {
    let f = fixture().await;
    let s = society(&f, "alpha").await;
    let scoped = f.app.scoped(&s);
    let individual = level(&f, &scoped, "Active physician", "350", "").await;
    let Err(AppError::Invalid(errors)) = practices::create_practice(
        &f.app,
        &scoped,
        &PracticeForm {
            name: " ".into(),
            npi: "1770626039".into(),
            state: "Texas".into(),
            postal_code: "787".into(),
            level: individual.to_string(),
            key_contact_name: "Kim".into(),
            billing_email: "nope".into(),
            ..Default::default()
        },
        &Actor::default(),
    )
    .await
    else {
        panic!()
    };
    for field in [
        "name",
        "npi",
        "state",
        "postal_code",
        "level",
        "key_contact_email",
        "billing_email",
    ] {
        assert!(errors.get(field).is_some(), "{field}: {errors:?}");
    }
    let plevel = practice_level(&f, &scoped, "").await;
    practice(&f, &scoped, plevel).await;
    let Err(AppError::Invalid(errors)) = practices::create_practice(
        &f.app,
        &scoped,
        &PracticeForm {
            name: "Hill Country Oncology".into(),
            ..Default::default()
        },
        &Actor::default(),
    )
    .await
    else {
        panic!()
    };
    assert_eq!(
        errors.get("name"),
        Some("Another practice already has that name.")
    );
}

/// The benchmark's generated society holds what the app itself would have stored: the daily
/// run's status steps find nothing to change the same day, each practice lists its eight seats,
/// and a second generation is refused.
#[tokio::test]
async fn generated_members_have_the_statuses_the_rules_give() {
    use chapterhouse_core::membership::RenewalAnchor;
    use chapterhouse_store::{GENERATED_STATES, MembersScale, StoreError};

    let f = fixture().await;
    let society = society(&f, "alpha").await;
    let scoped = f.app.scoped(&society);
    let fixed = level(&f, &scoped, "Active", "350", "01-01").await;
    let anniversary = level(&f, &scoped, "Early career", "175", "").await;
    let practice_level = level(&f, &scoped, "Practice", "350", "").await;
    edit_level(&f, &scoped, practice_level, &[("for_practices", "on")]).await;
    let scale = MembersScale {
        members: 400,
        practices: 4,
        levels: vec![
            (fixed, RenewalAnchor::FixedDay { month: 1, day: 1 }),
            (anniversary, RenewalAnchor::Anniversary),
        ],
        practice_level,
        committees: Vec::new(),
        grace_days: 30,
        today: m::today(&f.app, &scoped),
        now: f.app.now(),
    };
    let generated = scoped.generate_members(&scale).await.unwrap();
    assert_eq!(generated.practices.len(), 4);
    assert_eq!((generated.people, generated.seats), (400, 32));

    assert_eq!(
        daily::refresh_practice_statuses(&f.app, &scoped)
            .await
            .unwrap(),
        0
    );
    assert_eq!(m::refresh_statuses(&f.app, &scoped).await.unwrap(), 0);
    let seats = scoped
        .members(
            &MemberQuery {
                practice: generated.practices[0].to_string(),
                ..Default::default()
            }
            .to_filter(scale.today, 500),
        )
        .await
        .unwrap();
    assert_eq!(seats.len(), 8);
    let in_state = scoped
        .members(
            &MemberQuery {
                state: GENERATED_STATES[0].into(),
                ..Default::default()
            }
            .to_filter(scale.today, 500),
        )
        .await
        .unwrap();
    assert!(!in_state.is_empty() && in_state.len() < 400);
    assert!(matches!(
        scoped.generate_members(&scale).await,
        Err(StoreError::Conflict(_))
    ));
}
