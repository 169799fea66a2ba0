//! Staff record work: applications, suspensions and overrides, committees, merging duplicates
//! and erasure. Runs on SQLite, and on PostgreSQL when `CHAPTERHOUSE_TEST_DATABASE_URL` is set.

use chapterhouse_app::applications::{self, DecisionOutcome};
use chapterhouse_app::committees::{self, CommitteeForm, SeatForm};
use chapterhouse_app::membership::{self as m, LevelForm, MemberForm};
use chapterhouse_app::records;
use chapterhouse_core::membership::{Status, Term};
use chapterhouse_core::records::{ApprovalEffect, Decision, Erasure};
use chapterhouse_core::{LevelId, MembershipId, PersonId, Timestamp};
use chapterhouse_store::{Scoped, Society};
use chapterhouse_testkit::sql;
use jiff::civil::date;
use uuid::Uuid;

use super::*;

fn level(name: &str, fee: &str, approval: bool) -> LevelForm {
    LevelForm {
        name: name.into(),
        fee: fee.into(),
        period: "1-year".into(),
        grace_days: "30".into(),
        approval_required: approval.then(|| "on".into()),
        ..Default::default()
    }
}

async fn new_level(f: &Fixture, scoped: &Scoped, form: LevelForm) -> LevelId {
    m::create_level(&f.app, scoped, &form, &Actor::default())
        .await
        .unwrap()
}

async fn join(
    f: &Fixture,
    scoped: &Scoped,
    level: LevelId,
    name: &str,
    email: &str,
    paid: bool,
) -> (MembershipId, PersonId) {
    let added = m::add_member(
        &f.app,
        scoped,
        &MemberForm {
            display_name: name.into(),
            email: email.into(),
            level: level.to_string(),
            joined_on: String::new(),
            paid: paid.then(|| "on".into()),
        },
        &Actor::default(),
    )
    .await
    .unwrap();
    let person = scoped
        .person_of_membership(added.id)
        .await
        .unwrap()
        .unwrap();
    (added.id, person)
}

async fn stored_status(scoped: &Scoped, person: PersonId) -> String {
    scoped
        .membership_file_of(person)
        .await
        .unwrap()
        .unwrap()
        .status
}

fn staff() -> Actor {
    Actor {
        account: None,
        ip: "192.0.2.1".into(),
    }
}

#[tokio::test]
async fn approving_and_rejecting_applications_email_the_applicant_and_store_the_status() {
    let f = fixture().await;
    let s = society(&f, "alpha").await;
    let scoped = f.app.scoped(&s);
    let paid_level = new_level(&f, &scoped, level("Active physician", "350", true)).await;
    let free_level = new_level(&f, &scoped, level("Fellow", "0", true)).await;
    let (ada, ada_person) = join(
        &f,
        &scoped,
        paid_level,
        "Dr Ada Byron",
        "ada@alpha.test",
        false,
    )
    .await;
    f.clock.advance_seconds(60);
    let (bob, bob_person) = join(
        &f,
        &scoped,
        paid_level,
        "Dr Bob Hale",
        "bob@alpha.test",
        false,
    )
    .await;
    f.clock.advance_seconds(60);
    let (cy, cy_person) = join(
        &f,
        &scoped,
        free_level,
        "Dr Cy Fellow",
        "cy@alpha.test",
        false,
    )
    .await;

    let pending = scoped.pending_applications().await.unwrap();
    let names: Vec<_> = pending.iter().map(|a| a.display_name.as_str()).collect();
    assert_eq!(
        names,
        vec!["Dr Cy Fellow", "Dr Bob Hale", "Dr Ada Byron"],
        "newest first"
    );
    assert_eq!(pending[2].level_name, "Active physician");

    let too_long = "x".repeat(2_001);
    let Err(AppError::Invalid(errors)) =
        applications::decide(&f.app, &scoped, ada, Decision::Approve, &too_long, &staff()).await
    else {
        panic!("an over-long message is refused")
    };
    assert!(errors.get("message").is_some());

    let approved = applications::decide(
        &f.app,
        &scoped,
        ada,
        Decision::Approve,
        "Welcome aboard, see you at the spring meeting.",
        &staff(),
    )
    .await
    .unwrap();
    assert_eq!(
        approved,
        DecisionOutcome::Approved {
            effect: ApprovalEffect::AwaitPayment,
            status: Status::Pending
        },
        "approved with dues unpaid: still pending"
    );
    assert_eq!(stored_status(&scoped, ada_person).await, "pending");
    assert_eq!(
        scoped
            .membership_file_of(ada_person)
            .await
            .unwrap()
            .unwrap()
            .application
            .as_deref(),
        Some("approved")
    );
    assert_eq!(
        applications::decide(&f.app, &scoped, ada, Decision::Reject, "", &staff())
            .await
            .unwrap(),
        DecisionOutcome::AlreadyDecided,
        "a second decision changes nothing"
    );

    assert_eq!(
        applications::decide(
            &f.app,
            &scoped,
            bob,
            Decision::Reject,
            "We need proof of a state licence.",
            &staff()
        )
        .await
        .unwrap(),
        DecisionOutcome::Rejected
    );
    assert_eq!(stored_status(&scoped, bob_person).await, "cancelled");

    let free = applications::decide(&f.app, &scoped, cy, Decision::Approve, "", &staff())
        .await
        .unwrap();
    assert_eq!(
        free,
        DecisionOutcome::Approved {
            effect: ApprovalEffect::GrantFreeTerm,
            status: Status::Active
        }
    );
    assert_eq!(stored_status(&scoped, cy_person).await, "active");
    assert_eq!(scoped.term_list(cy).await.unwrap().len(), 1);
    assert!(scoped.pending_applications().await.unwrap().is_empty());

    run_jobs(&f).await;
    let mail = outbox_texts(&f);
    assert_eq!(mail.len(), 3, "one email per decision, none for the repeat");
    let to = |addr: &str| {
        mail.iter()
            .find(|m| m.contains(&format!("To: {addr}")))
            .unwrap_or_else(|| panic!("mail to {addr}"))
            .replace("=\r\n", "")
            .replace("\r\n", "\n")
    };
    let ada_mail = to("ada@alpha.test");
    assert!(ada_mail.contains("has been approved"), "{ada_mail}");
    assert!(ada_mail.contains("as soon as your dues of $350.00 are paid"));
    assert!(ada_mail.contains("Welcome aboard, see you at the spring meeting."));
    let bob_mail = to("bob@alpha.test");
    assert!(bob_mail.contains("not able to approve"));
    assert!(bob_mail.contains("We need proof of a state licence."));
    assert!(to("cy@alpha.test").contains("you are now a member"));

    // The decisions are in each person's history.
    let history = scoped
        .person_history(ada_person, "ada@alpha.test", Some(ada), 50)
        .await
        .unwrap();
    assert!(history.iter().any(|h| h.action == "application.approved"));
}

#[tokio::test]
async fn suspending_reinstating_and_overriding_need_a_reason_and_store_the_status() {
    let f = fixture().await;
    let s = society(&f, "alpha").await;
    let scoped = f.app.scoped(&s);
    let lvl = new_level(&f, &scoped, level("Active physician", "350", false)).await;
    let (_, person) = join(&f, &scoped, lvl, "Dr Ada Byron", "ada@alpha.test", true).await;
    assert_eq!(stored_status(&scoped, person).await, "active");

    let Err(AppError::Invalid(errors)) =
        records::suspend(&f.app, &scoped, person, "  ", &staff()).await
    else {
        panic!("a reason is required")
    };
    assert!(errors.get("suspend_reason").is_some());
    assert_eq!(
        records::suspend(
            &f.app,
            &scoped,
            person,
            "Ethics complaint under review",
            &staff()
        )
        .await
        .unwrap(),
        Status::Suspended
    );
    let file = scoped.membership_file_of(person).await.unwrap().unwrap();
    assert_eq!(
        (file.status.as_str(), file.suspended_reason.as_str()),
        ("suspended", "Ethics complaint under review")
    );
    assert!(matches!(
        records::suspend(&f.app, &scoped, person, "again", &staff()).await,
        Err(AppError::Invalid(_))
    ));
    assert_eq!(
        records::reinstate(&f.app, &scoped, person, "Complaint dismissed", &staff())
            .await
            .unwrap(),
        Status::Active
    );
    assert_eq!(stored_status(&scoped, person).await, "active");

    let Err(AppError::Invalid(errors)) =
        records::override_status(&f.app, &scoped, person, "gold", "", &staff()).await
    else {
        panic!()
    };
    assert!(errors.get("override_status").is_some() && errors.get("override_reason").is_some());
    assert_eq!(
        records::override_status(
            &f.app,
            &scoped,
            person,
            "lapsed",
            "Asked to pause membership during leave",
            &staff()
        )
        .await
        .unwrap(),
        Status::Lapsed
    );
    let file = scoped.membership_file_of(person).await.unwrap().unwrap();
    assert_eq!(file.override_status.as_deref(), Some("lapsed"));
    assert_eq!(
        file.override_reason,
        "Asked to pause membership during leave"
    );
    // The daily run respects the override.
    m::refresh_statuses(&f.app, &scoped).await.unwrap();
    assert_eq!(stored_status(&scoped, person).await, "lapsed");
    assert_eq!(
        records::clear_override(&f.app, &scoped, person, &staff())
            .await
            .unwrap(),
        Status::Active
    );
    let file = scoped.membership_file_of(person).await.unwrap().unwrap();
    assert_eq!(
        (file.override_status, file.status.as_str()),
        (None, "active")
    );

    let history: Vec<_> = scoped
        .person_history(person, "ada@alpha.test", Some(file.id), 50)
        .await
        .unwrap()
        .into_iter()
        .map(|h| (h.action, h.detail))
        .collect();
    assert!(history.contains(&(
        "member.status_overridden".into(),
        "lapsed: Asked to pause membership during leave".into()
    )));
    assert!(history.contains(&(
        "member.suspended".into(),
        "Ethics complaint under review".into()
    )));

    // A person without a membership has nothing to suspend.
    let other = PersonId::new();
    assert!(matches!(
        records::suspend(&f.app, &scoped, other, "x", &staff()).await,
        Err(AppError::NotFound)
    ));
}

#[tokio::test]
async fn committees_list_the_chair_first_and_seats_end() {
    let f = fixture().await;
    let s = society(&f, "alpha").await;
    let b = society(&f, "beta").await;
    let scoped = f.app.scoped(&s);
    let lvl = new_level(&f, &scoped, level("Active physician", "350", false)).await;
    let (_, ada) = join(&f, &scoped, lvl, "Dr Ada Byron", "ada@alpha.test", true).await;
    let (_, _bob) = join(&f, &scoped, lvl, "Dr Bob Byrne", "bob@alpha.test", true).await;
    let (_, cy) = join(&f, &scoped, lvl, "Dr Cy Young", "cy@alpha.test", true).await;

    let Err(AppError::Invalid(errors)) = committees::create_committee(
        &f.app,
        &scoped,
        &CommitteeForm {
            name: " ".into(),
            kind: "club".into(),
            description: String::new(),
        },
        &staff(),
    )
    .await
    else {
        panic!()
    };
    assert!(errors.get("name").is_some() && errors.get("kind").is_some());
    let form = CommitteeForm {
        name: "Advocacy  Committee".into(),
        kind: "committee".into(),
        description: "Works with the state legislature.".into(),
    };
    let advocacy = committees::create_committee(&f.app, &scoped, &form, &staff())
        .await
        .unwrap();
    let Err(AppError::Invalid(errors)) =
        committees::create_committee(&f.app, &scoped, &form, &staff()).await
    else {
        panic!()
    };
    assert_eq!(
        errors.get("name"),
        Some("A committee or group already has that name.")
    );

    let seat = |who: &str, role: &str| SeatForm {
        who: who.into(),
        role: role.into(),
        start_on: "2026-07-01".into(),
        ..Default::default()
    };
    // By exact email, by the only matching name, by a choice among several.
    committees::add_seat(
        &f.app,
        &scoped,
        advocacy,
        &seat("CY@alpha.test", ""),
        &staff(),
    )
    .await
    .unwrap();
    committees::add_seat(
        &f.app,
        &scoped,
        advocacy,
        &seat("ada byron", "Chair"),
        &staff(),
    )
    .await
    .unwrap();
    let Err(AppError::Invalid(errors)) =
        committees::add_seat(&f.app, &scoped, advocacy, &seat("Byr", "member"), &staff()).await
    else {
        panic!("two people match")
    };
    assert_eq!(errors.get("who"), Some(committees::SEVERAL_MATCH));
    assert_eq!(
        committees::candidates(&scoped, "Byr").await.unwrap().len(),
        2
    );
    let Err(AppError::Invalid(errors)) =
        committees::add_seat(&f.app, &scoped, advocacy, &seat("Zed", "member"), &staff()).await
    else {
        panic!()
    };
    assert!(
        errors
            .get("who")
            .unwrap()
            .contains("No one in your records")
    );
    let Err(AppError::Invalid(errors)) = committees::add_seat(
        &f.app,
        &scoped,
        advocacy,
        &SeatForm {
            end_on: "2026-06-30".into(),
            ..seat("cy@alpha.test", "member")
        },
        &staff(),
    )
    .await
    else {
        panic!()
    };
    assert_eq!(
        errors.get("end_on"),
        Some("The end date is before the start date.")
    );

    let seats = scoped.committee_seats(advocacy).await.unwrap();
    let mut ranked: Vec<_> = seats.iter().collect();
    ranked.sort_by_key(|s| chapterhouse_core::committees::role_rank(&s.role));
    assert_eq!(
        (ranked[0].display_name.as_str(), ranked[0].role.as_str()),
        ("Dr Ada Byron", "chair")
    );
    assert_eq!(ranked[1].role, "member");
    let committee = scoped
        .committee(advocacy, date(2026, 7, 1))
        .await
        .unwrap()
        .unwrap();
    assert_eq!(
        (committee.name.as_str(), committee.current_members),
        ("Advocacy Committee", 2)
    );
    assert_eq!(
        scoped
            .committee(advocacy, date(2026, 6, 30))
            .await
            .unwrap()
            .unwrap()
            .current_members,
        0,
        "the seats start on 1 July"
    );

    // Ending a seat.
    let cy_seat = seats.iter().find(|s| s.person_id == cy).unwrap().id;
    let Err(AppError::Invalid(_)) =
        committees::end_seat(&f.app, &scoped, advocacy, cy_seat, "2026-06-01", &staff()).await
    else {
        panic!("cannot end before it starts")
    };
    committees::end_seat(&f.app, &scoped, advocacy, cy_seat, "2026-12-31", &staff())
        .await
        .unwrap();
    let cy_seats = scoped.person_seats(cy).await.unwrap();
    assert_eq!(cy_seats[0].end_on.as_deref(), Some("2026-12-31"));
    assert_eq!(
        scoped.person_seats(ada).await.unwrap()[0].committee_name,
        "Advocacy Committee"
    );

    // Another society cannot see or use it.
    let sb = f.app.scoped(&b);
    assert!(
        sb.committee(advocacy, date(2026, 7, 1))
            .await
            .unwrap()
            .is_none()
    );
    assert!(matches!(
        committees::add_seat(&f.app, &sb, advocacy, &seat("ada@alpha.test", ""), &staff()).await,
        Err(AppError::NotFound)
    ));
    assert!(matches!(
        committees::end_seat(&f.app, &sb, advocacy, cy_seat, "", &staff()).await,
        Err(AppError::NotFound)
    ));
}

/// Rows of every kind that reference a person, inserted directly (the billing, people and
/// custom-field use-cases live on other branches).
struct Extras {
    invoice: Uuid,
    committee: Uuid,
    practice: Uuid,
}

async fn give_rows(f: &Fixture, s: &Society, person: PersonId, membership: MembershipId) -> Extras {
    let db = f.app.store.db();
    let soc = s.id.0;
    let p = person.0;
    let invoice = Uuid::now_v7();
    let account = Uuid::now_v7();
    let committee = Uuid::now_v7();
    let practice = Uuid::now_v7();
    let field = Uuid::now_v7();
    sql::exec(
        db,
        "INSERT INTO revenue_account (society_id, id, code, name, created_at) VALUES ($1, $2, '4000', 'Membership dues', 0)",
        &[soc.into(), account.into()],
    )
    .await;
    sql::exec(
        db,
        "INSERT INTO invoice (society_id, id, number, person_id, bill_to_name, bill_to_email, \
         bill_to_address, issued_on, due_on, total_cents, purpose, membership_id, created_at) \
         VALUES ($1, $2, 1, $3, 'Dr Dup Licate', 'dup@alpha.test', '9 Elm St', '2026-01-05', \
         '2026-02-04', 35000, 'dues', $4, 0)",
        &[soc.into(), invoice.into(), p.into(), membership.0.into()],
    )
    .await;
    sql::exec(
        db,
        "INSERT INTO invoice_line (society_id, invoice_id, line_no, description, unit_cents, \
         amount_cents, revenue_account_id, person_id) VALUES ($1, $2, 1, 'Dues 2026', 35000, 35000, $3, $4)",
        &[soc.into(), invoice.into(), account.into(), p.into()],
    )
    .await;
    sql::exec(
        db,
        "INSERT INTO payment (society_id, id, number, invoice_id, received_on, method, reference, \
         amount_cents, created_at) VALUES ($1, $2, 1, $3, '2026-01-10', 'check', '1042', 35000, 0)",
        &[soc.into(), Uuid::now_v7().into(), invoice.into()],
    )
    .await;
    sql::exec(
        db,
        "INSERT INTO payment_method (society_id, id, person_id, provider_customer_id, \
         provider_method_id, kind, label, created_at) VALUES ($1, $2, $3, 'cus_1', 'pm_1', 'card', 'Visa 4242', 0)",
        &[soc.into(), Uuid::now_v7().into(), p.into()],
    )
    .await;
    sql::exec(
        db,
        "INSERT INTO committee (society_id, id, name, created_at) VALUES ($1, $2, 'Program', 0)",
        &[soc.into(), committee.into()],
    )
    .await;
    sql::exec(
        db,
        "INSERT INTO committee_member (society_id, id, committee_id, person_id, role, created_at) \
         VALUES ($1, $2, $3, $4, 'chair', 0)",
        &[
            soc.into(),
            Uuid::now_v7().into(),
            committee.into(),
            p.into(),
        ],
    )
    .await;
    sql::exec(
        db,
        "INSERT INTO practice (society_id, id, name, created_at, key_contact_id) VALUES ($1, $2, 'Lakeside Oncology', 0, $3)",
        &[soc.into(), practice.into(), p.into()],
    )
    .await;
    sql::exec(
        db,
        "INSERT INTO practice_link (society_id, practice_id, person_id, is_manager, created_at) VALUES ($1, $2, $3, TRUE, 0)",
        &[soc.into(), practice.into(), p.into()],
    )
    .await;
    sql::exec(
        db,
        "INSERT INTO custom_field (society_id, id, name, kind, created_at) VALUES ($1, $2, 'Board id', 'text', 0)",
        &[soc.into(), field.into()],
    )
    .await;
    sql::exec(
        db,
        "INSERT INTO custom_field_value (society_id, field_id, person_id, value) VALUES ($1, $2, $3, 'B-77')",
        &[soc.into(), field.into(), p.into()],
    )
    .await;
    for code in ["207RX0202X", "207RH0003X"] {
        sql::exec(
            db,
            "INSERT INTO person_taxonomy (society_id, person_id, code, is_primary) VALUES ($1, $2, $3, TRUE)",
            &[soc.into(), p.into(), code.into()],
        )
        .await;
    }
    sql::exec(
        db,
        "INSERT INTO person_licence (society_id, id, person_id, state, number) VALUES ($1, $2, $3, 'IL', '036-999')",
        &[soc.into(), Uuid::now_v7().into(), p.into()],
    )
    .await;
    for kind in ["home", "practice"] {
        sql::exec(
            db,
            "INSERT INTO person_address (society_id, person_id, kind, line1, city, state) VALUES ($1, $2, $3, '9 Elm St', 'Peoria', 'IL')",
            &[soc.into(), p.into(), kind.into()],
        )
        .await;
    }
    sql::exec(
        db,
        "INSERT INTO person_field_visibility (society_id, person_id, field, visibility) VALUES ($1, $2, 'phone', 'members')",
        &[soc.into(), p.into()],
    )
    .await;
    sql::exec(
        db,
        "UPDATE person SET npi = '1234567893', phone = '(309) 555-0199', credentials = 'MD' WHERE society_id = $1 AND id = $2",
        &[soc.into(), p.into()],
    )
    .await;
    Extras {
        invoice,
        committee,
        practice,
    }
}

async fn count(f: &Fixture, sql_text: &'static str, id: Uuid) -> i64 {
    sql::scalar(f.app.store.db(), sql_text, &[id.into()]).await
}

async fn add_term(f: &Fixture, scoped: &Scoped, membership: MembershipId, start: &str, end: &str) {
    let level = scoped
        .membership_level_id(membership)
        .await
        .unwrap()
        .unwrap();
    let mut tx = scoped.begin().await.unwrap();
    tx.insert_term(
        membership,
        level,
        &Term {
            start: start.parse().unwrap(),
            end: Some(end.parse().unwrap()),
        },
        f.app.now(),
    )
    .await
    .unwrap();
    tx.commit().await.unwrap();
}

async fn account_for(f: &Fixture, scoped: &Scoped, email: &str) {
    accounts::create_account(
        &f.app,
        scoped,
        NewAccountInput {
            email: email.into(),
            display_name: "Signed-in person".into(),
            role: Role::Member,
            is_operator: false,
            password: Some("a long member password".into()),
        },
        &Actor::default(),
    )
    .await
    .unwrap();
    accounts::sign_in_with_password(
        &f.app,
        scoped,
        email,
        "a long member password",
        &Actor::default(),
    )
    .await
    .unwrap();
}

#[tokio::test]
async fn merging_a_duplicate_with_invoices_moves_everything_and_keeps_one_account() {
    let f = fixture().await;
    let s = society(&f, "alpha").await;
    let scoped = f.app.scoped(&s);
    let lvl = new_level(&f, &scoped, level("Active physician", "350", false)).await;
    account_for(&f, &scoped, "ada@alpha.test").await;
    account_for(&f, &scoped, "dup@alpha.test").await;
    // Kept: paid 2026-11-21 to 2027-11-20, and an address of her own.
    let (keep_m, keep) = join(&f, &scoped, lvl, "Dr Ada Byron", "ada@alpha.test", true).await;
    // The duplicate paid 2025 (overlaps nothing) and a term ending earlier than the kept one's.
    let (dup_m, dup) = join(&f, &scoped, lvl, "Dr A. Byron", "dup@alpha.test", true).await;
    sql::exec(
        f.app.store.db(),
        "DELETE FROM membership_term WHERE membership_id = $1",
        &[dup_m.0.into()],
    )
    .await;
    add_term(&f, &scoped, dup_m, "2025-01-01", "2025-12-31").await;
    add_term(&f, &scoped, dup_m, "2026-11-01", "2027-10-31").await;
    let extras = give_rows(&f, &s, dup, dup_m).await;
    sql::exec(
        f.app.store.db(),
        "INSERT INTO person_address (society_id, person_id, kind, line1, city, state) VALUES ($1, $2, 'practice', '1 Main St', 'Chicago', 'IL')",
        &[s.id.0.into(), keep.0.into()],
    )
    .await;
    sql::exec(
        f.app.store.db(),
        "INSERT INTO person_taxonomy (society_id, person_id, code, is_primary) VALUES ($1, $2, '207RX0202X', TRUE)",
        &[s.id.0.into(), keep.0.into()],
    )
    .await;
    records::add_note(&f.app, &scoped, dup, "Called about CME credits", &staff())
        .await
        .unwrap();

    let preview = records::merge_preview(&scoped, keep, dup).await.unwrap();
    assert!(preview.blockers.is_empty(), "{:?}", preview.blockers);
    assert_eq!(
        preview.plan.survivor,
        Some(chapterhouse_core::records::Side::Kept)
    );
    assert_eq!(preview.plan.moved_terms.len(), 1, "2025 moves");
    assert_eq!(
        preview.plan.dropped_terms.len(),
        1,
        "the overlapping term does not"
    );
    assert_eq!(
        (
            preview.counts.invoices,
            preview.counts.payments,
            preview.counts.notes
        ),
        (1, 1, 1)
    );
    let self_merge = records::merge_preview(&scoped, keep, keep).await.unwrap();
    assert!(!self_merge.blockers.is_empty());

    let report = records::merge_people(&f.app, &scoped, keep, dup, &staff())
        .await
        .unwrap();
    assert!(report.account_deleted && !report.account_moved);
    assert_eq!(report.terms_moved, 1);

    assert!(
        scoped.person_file(dup).await.unwrap().is_none(),
        "the duplicate is gone"
    );
    let kept = scoped.person_file(keep).await.unwrap().unwrap();
    assert_eq!(kept.email, "ada@alpha.test");
    assert_eq!(
        kept.npi.as_deref(),
        Some("1234567893"),
        "blank NPI filled from the duplicate"
    );
    assert_eq!(kept.phone, "(309) 555-0199");
    // One membership, the kept one, with its own term and the duplicate's 2025 term.
    assert_eq!(
        count(
            &f,
            "SELECT COUNT(*) FROM membership WHERE society_id = $1",
            s.id.0
        )
        .await,
        1
    );
    let terms: Vec<_> = scoped
        .term_list(keep_m)
        .await
        .unwrap()
        .into_iter()
        .map(|t| t.start_on)
        .collect();
    assert_eq!(terms, vec!["2026-11-21", "2025-01-01"]);
    // The members list's "paid through" (kept by the terms' triggers) is still the latest end.
    let latest = scoped
        .term_list(keep_m)
        .await
        .unwrap()
        .into_iter()
        .filter_map(|t| t.end_on)
        .max();
    let listed = scoped
        .members(&chapterhouse_store::MemberFilter {
            search: Some("ada@alpha.test".into()),
            ..Default::default()
        })
        .await
        .unwrap();
    assert_eq!(listed.len(), 1);
    assert_eq!(listed[0].term_end, latest);
    assert!(latest.is_some());
    assert_eq!(stored_status(&scoped, keep).await, "active");
    // The invoice now names the kept person and membership, and reads as it was issued.
    let invoice = sql::texts(
        f.app.store.db(),
        "SELECT bill_to_name, bill_to_email, CAST(total_cents AS TEXT) FROM invoice WHERE id = $1",
        &[extras.invoice.into()],
    )
    .await;
    assert_eq!(
        invoice[0],
        vec![
            Some("Dr Dup Licate".into()),
            Some("dup@alpha.test".into()),
            Some("35000".into())
        ]
    );
    for (what, sql_text) in [
        (
            "invoice",
            "SELECT COUNT(*) FROM invoice WHERE person_id = $1",
        ),
        (
            "invoice line",
            "SELECT COUNT(*) FROM invoice_line WHERE person_id = $1",
        ),
        (
            "payment method",
            "SELECT COUNT(*) FROM payment_method WHERE person_id = $1",
        ),
        (
            "note",
            "SELECT COUNT(*) FROM person_note WHERE person_id = $1",
        ),
        (
            "committee seat",
            "SELECT COUNT(*) FROM committee_member WHERE person_id = $1",
        ),
        (
            "custom value",
            "SELECT COUNT(*) FROM custom_field_value WHERE person_id = $1",
        ),
        (
            "licence",
            "SELECT COUNT(*) FROM person_licence WHERE person_id = $1",
        ),
        (
            "visibility",
            "SELECT COUNT(*) FROM person_field_visibility WHERE person_id = $1",
        ),
        (
            "practice link",
            "SELECT COUNT(*) FROM practice_link WHERE person_id = $1 AND is_manager",
        ),
        (
            "practice contact",
            "SELECT COUNT(*) FROM practice WHERE key_contact_id = $1",
        ),
    ] {
        assert_eq!(
            count(&f, sql_text, keep.0).await,
            1,
            "{what} moved to the kept person"
        );
    }
    assert_eq!(
        count(
            &f,
            "SELECT COUNT(*) FROM invoice WHERE membership_id = $1",
            keep_m.0
        )
        .await,
        1
    );
    // Unique rows the kept person already had stay hers; the rest move.
    assert_eq!(
        count(
            &f,
            "SELECT COUNT(*) FROM person_taxonomy WHERE person_id = $1",
            keep.0
        )
        .await,
        2
    );
    assert_eq!(
        count(
            &f,
            "SELECT COUNT(*) FROM person_taxonomy WHERE person_id = $1 AND is_primary",
            keep.0
        )
        .await,
        1,
        "still one primary taxonomy code"
    );
    let addresses = sql::texts(
        f.app.store.db(),
        "SELECT kind, city FROM person_address WHERE person_id = $1 ORDER BY kind",
        &[keep.0.into()],
    )
    .await;
    assert_eq!(
        addresses,
        vec![
            vec![Some("home".into()), Some("Peoria".into())],
            vec![Some("practice".into()), Some("Chicago".into())]
        ]
    );
    // One account: the kept person's; the duplicate's and its sessions are gone.
    assert_eq!(
        count(
            &f,
            "SELECT COUNT(*) FROM account WHERE society_id = $1 AND role = 'member'",
            s.id.0
        )
        .await,
        1
    );
    assert_eq!(
        count(
            &f,
            "SELECT COUNT(*) FROM session WHERE society_id = $1",
            s.id.0
        )
        .await,
        1
    );
    assert!(
        scoped
            .account_by_email("dup@alpha.test")
            .await
            .unwrap()
            .is_none()
    );
    assert!(
        scoped
            .account_by_email("ada@alpha.test")
            .await
            .unwrap()
            .is_some()
    );
    let _ = (extras.committee, extras.practice);
    // Both ids are in the audit log.
    let history = scoped
        .person_history(keep, &kept.email, Some(keep_m), 50)
        .await
        .unwrap();
    assert!(
        history
            .iter()
            .any(|h| h.action == "person.merged" && h.detail.contains(&dup.to_string()))
    );
    assert_eq!(
        count(
            &f,
            "SELECT COUNT(*) FROM audit_log WHERE action = 'person.merged' AND society_id = $1",
            s.id.0
        )
        .await,
        2
    );
}

#[tokio::test]
async fn merging_into_a_person_without_membership_or_account_hands_both_over() {
    let f = fixture().await;
    let s = society(&f, "alpha").await;
    let scoped = f.app.scoped(&s);
    let lvl = new_level(&f, &scoped, level("Active physician", "350", false)).await;
    // The kept record: a bare person (say, from an event registration).
    let mut tx = scoped.begin().await.unwrap();
    let keep = tx
        .insert_person("ada.byron@hospital.test", "Ada Byron", f.app.now())
        .await
        .unwrap();
    tx.commit().await.unwrap();
    account_for(&f, &scoped, "ada@alpha.test").await;
    let (dup_m, dup) = join(&f, &scoped, lvl, "Dr Ada Byron", "ada@alpha.test", true).await;

    let preview = records::merge_preview(&scoped, keep, dup).await.unwrap();
    assert_eq!(
        preview.plan.survivor,
        Some(chapterhouse_core::records::Side::Duplicate)
    );
    let report = records::merge_people(&f.app, &scoped, keep, dup, &staff())
        .await
        .unwrap();
    assert!(report.account_moved);
    let membership = scoped.membership_file_of(keep).await.unwrap().unwrap();
    assert_eq!(
        (membership.id, membership.status.as_str()),
        (dup_m, "active")
    );
    let account = scoped
        .account_by_email("ada.byron@hospital.test")
        .await
        .unwrap()
        .unwrap();
    assert_eq!(
        account.person_id, keep.0,
        "the sign-in account now belongs to the kept person"
    );
    assert_eq!(
        count(
            &f,
            "SELECT COUNT(*) FROM session WHERE society_id = $1",
            s.id.0
        )
        .await,
        0,
        "sessions under the old address are ended"
    );
}

#[tokio::test]
async fn erasing_a_person_without_invoices_deletes_them() {
    let f = fixture().await;
    let s = society(&f, "alpha").await;
    let scoped = f.app.scoped(&s);
    let lvl = new_level(&f, &scoped, level("Active physician", "350", true)).await;
    account_for(&f, &scoped, "ada@alpha.test").await;
    let (membership, person) =
        join(&f, &scoped, lvl, "Dr Ada Byron", "ada@alpha.test", false).await;
    records::add_note(&f.app, &scoped, person, "Prefers phone calls", &staff())
        .await
        .unwrap();
    // A decision email waits in the queue. (A rejection: approving unpaid dues now issues
    // an invoice, and a person with invoices is anonymised rather than deleted.)
    applications::decide(&f.app, &scoped, membership, Decision::Reject, "", &staff())
        .await
        .unwrap();

    let preview = records::erase_preview(&scoped, person).await.unwrap();
    assert_eq!(
        (preview.erasure, preview.blocker.as_deref()),
        (Erasure::Delete, None)
    );
    let Err(AppError::Invalid(errors)) =
        records::erase_person(&f.app, &scoped, person, "ada@alpha.org", &staff()).await
    else {
        panic!("the wrong email does not confirm")
    };
    assert!(errors.get("confirm_email").is_some());
    assert!(scoped.person_file(person).await.unwrap().is_some());

    assert_eq!(
        records::erase_person(&f.app, &scoped, person, " ADA@alpha.test ", &staff())
            .await
            .unwrap(),
        Erasure::Delete
    );
    assert!(scoped.person_file(person).await.unwrap().is_none());
    let soc = s.id.0;
    for sql_text in [
        "SELECT COUNT(*) FROM membership WHERE society_id = $1",
        "SELECT COUNT(*) FROM person_note WHERE society_id = $1",
        "SELECT COUNT(*) FROM account WHERE society_id = $1 AND role = 'member'",
        "SELECT COUNT(*) FROM session WHERE society_id = $1",
        "SELECT COUNT(*) FROM job WHERE society_id = $1 AND payload LIKE '%ada@alpha.test%'",
        "SELECT COUNT(*) FROM audit_log WHERE society_id = $1 AND (subject LIKE '%ada@alpha.test%' OR detail LIKE '%ada@alpha.test%' OR detail LIKE '%Byron%')",
    ] {
        assert_eq!(count(&f, sql_text, soc).await, 0, "{sql_text}");
    }
    assert_eq!(
        count(
            &f,
            "SELECT COUNT(*) FROM audit_log WHERE society_id = $1 AND action = 'person.deleted'",
            soc
        )
        .await,
        1
    );
    run_jobs(&f).await;
    assert!(
        outbox_texts(&f).is_empty(),
        "no mail goes to an erased person"
    );
}

#[tokio::test]
async fn anonymising_keeps_invoices_and_leaves_no_personal_data_in_the_person_row() {
    let f = fixture().await;
    let s = society(&f, "alpha").await;
    let scoped = f.app.scoped(&s);
    let lvl = new_level(&f, &scoped, level("Active physician", "350", false)).await;
    account_for(&f, &scoped, "dup@alpha.test").await;
    let (membership, person) =
        join(&f, &scoped, lvl, "Dr Dup Licate", "dup@alpha.test", true).await;
    let extras = give_rows(&f, &s, person, membership).await;
    records::add_note(
        &f.app,
        &scoped,
        person,
        "Dr Licate asked to be forgotten",
        &staff(),
    )
    .await
    .unwrap();
    records::suspend(&f.app, &scoped, person, "Licate dues dispute", &staff())
        .await
        .unwrap();

    let preview = records::erase_preview(&scoped, person).await.unwrap();
    assert_eq!(preview.erasure, Erasure::Anonymise);
    assert_eq!(
        records::erase_person(&f.app, &scoped, person, "dup@alpha.test", &staff())
            .await
            .unwrap(),
        Erasure::Anonymise
    );

    let row = sql::texts(
        f.app.store.db(),
        "SELECT display_name, email, first_name, last_name, credentials, npi, specialty, phone, \
         abim_id, nabp_eprofile_id, CAST(birth_month AS TEXT), external_id, \
         CAST(anonymised_at AS TEXT) FROM person WHERE id = $1",
        &[person.0.into()],
    )
    .await
    .remove(0);
    assert_eq!(row[0].as_deref(), Some("Anonymised member"));
    let email = row[1].clone().unwrap();
    assert!(
        email.starts_with("anonymised-") && email.ends_with("@invalid"),
        "{email}"
    );
    assert!(
        row[2..12]
            .iter()
            .all(|v| v.as_deref().unwrap_or("").is_empty()),
        "{row:?}"
    );
    assert_eq!(
        row[12].as_deref(),
        Some(
            Timestamp::from_jiff("2026-11-21T15:00:00Z".parse().unwrap())
                .0
                .to_string()
                .as_str()
        )
    );
    for (what, sql_text) in [
        (
            "taxonomy",
            "SELECT COUNT(*) FROM person_taxonomy WHERE person_id = $1",
        ),
        (
            "licences",
            "SELECT COUNT(*) FROM person_licence WHERE person_id = $1",
        ),
        (
            "addresses",
            "SELECT COUNT(*) FROM person_address WHERE person_id = $1",
        ),
        (
            "visibility",
            "SELECT COUNT(*) FROM person_field_visibility WHERE person_id = $1",
        ),
        (
            "notes",
            "SELECT COUNT(*) FROM person_note WHERE person_id = $1",
        ),
        (
            "custom values",
            "SELECT COUNT(*) FROM custom_field_value WHERE person_id = $1",
        ),
        (
            "committee seats",
            "SELECT COUNT(*) FROM committee_member WHERE person_id = $1",
        ),
        (
            "practice links",
            "SELECT COUNT(*) FROM practice_link WHERE person_id = $1",
        ),
        (
            "practice contact",
            "SELECT COUNT(*) FROM practice WHERE key_contact_id = $1",
        ),
        (
            "payment methods",
            "SELECT COUNT(*) FROM payment_method WHERE person_id = $1",
        ),
        (
            "sessions",
            "SELECT COUNT(*) FROM session s JOIN account a ON a.id = s.account_id WHERE a.person_id = $1",
        ),
        (
            "enabled accounts",
            "SELECT COUNT(*) FROM account WHERE person_id = $1 AND disabled_at IS NULL",
        ),
    ] {
        assert_eq!(count(&f, sql_text, person.0).await, 0, "{what}");
    }
    // The legal record stays exactly as issued.
    let invoice = sql::texts(
        f.app.store.db(),
        "SELECT CAST(number AS TEXT), CAST(total_cents AS TEXT), bill_to_name, bill_to_email, \
         bill_to_address FROM invoice WHERE id = $1",
        &[extras.invoice.into()],
    )
    .await;
    assert_eq!(
        invoice[0],
        vec![
            Some("1".into()),
            Some("35000".into()),
            Some("Dr Dup Licate".into()),
            Some("dup@alpha.test".into()),
            Some("9 Elm St".into())
        ]
    );
    assert_eq!(
        count(
            &f,
            "SELECT COUNT(*) FROM payment WHERE invoice_id = $1",
            extras.invoice
        )
        .await,
        1
    );
    assert_eq!(
        count(
            &f,
            "SELECT COUNT(*) FROM invoice WHERE person_id = $1",
            person.0
        )
        .await,
        1
    );
    // The membership is cancelled and no one can sign in as them.
    let file = scoped.membership_file_of(person).await.unwrap().unwrap();
    assert_eq!(
        (file.status.as_str(), file.suspended_reason.as_str()),
        ("cancelled", "")
    );
    // No trace of their name or address in the audit log; the entry names only the id.
    assert_eq!(
        count(
            &f,
            "SELECT COUNT(*) FROM audit_log WHERE society_id = $1 AND (subject LIKE '%dup@alpha.test%' \
             OR detail LIKE '%Licate%' OR detail LIKE '%dup@alpha.test%')",
            s.id.0
        )
        .await,
        0
    );
    let entry = sql::texts(
        f.app.store.db(),
        "SELECT subject, detail FROM audit_log WHERE action = 'person.anonymised'",
        &[],
    )
    .await;
    assert_eq!(
        entry,
        vec![vec![Some(person.to_string()), Some("on request".into())]]
    );
    assert!(
        accounts::sign_in_with_password(
            &f.app,
            &scoped,
            "dup@alpha.test",
            "a long member password",
            &Actor::default()
        )
        .await
        .is_err()
    );
    // Erasing twice is refused with a reason.
    assert!(
        records::erase_preview(&scoped, person)
            .await
            .unwrap()
            .blocker
            .is_some()
    );
}

#[tokio::test]
async fn staff_accounts_are_neither_erased_nor_merged_away() {
    let f = fixture().await;
    let s = society(&f, "alpha").await;
    let scoped = f.app.scoped(&s);
    let owner = scoped
        .person_by_email("owner@alpha.test")
        .await
        .unwrap()
        .unwrap();
    let preview = records::erase_preview(&scoped, owner).await.unwrap();
    assert!(preview.blocker.is_some());
    assert!(matches!(
        records::erase_person(&f.app, &scoped, owner, "owner@alpha.test", &staff()).await,
        Err(AppError::Invalid(_))
    ));
    let mut tx = scoped.begin().await.unwrap();
    let other = tx
        .insert_person("olive@elsewhere.test", "Olive", f.app.now())
        .await
        .unwrap();
    tx.commit().await.unwrap();
    assert!(matches!(
        records::merge_people(&f.app, &scoped, other, owner, &staff()).await,
        Err(AppError::Invalid(_))
    ));
    assert!(scoped.person_file(owner).await.unwrap().is_some());
}
