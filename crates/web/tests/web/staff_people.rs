//! Staff record pages through the real router: the person page with its invoices, payments,
//! custom fields and status forms, notes, applications, committees, merging duplicates, and
//! erasure on request.

use axum::http::StatusCode;
use chapterhouse_app::Actor;
use chapterhouse_app::billing::{self as b, BillTo, NewInvoice, NewPayment, PaymentMethodKind};
use chapterhouse_core::money::Cents;
use chapterhouse_core::{PersonId, PracticeId, Role};
use chapterhouse_store::{PracticeFields, Society};
use chapterhouse_testkit::sql;

use crate::billing::invoice_to;
use crate::common::{Client, PASSWORD, TestApp};

async fn level(t: &TestApp, s: &Society, name: &str, fee: &str, approval: bool) -> String {
    chapterhouse_app::membership::create_level(
        &t.app,
        &t.app.scoped(s),
        &chapterhouse_app::membership::LevelForm {
            name: name.into(),
            fee: fee.into(),
            period: "1-year".into(),
            grace_days: "30".into(),
            approval_required: approval.then(|| "on".into()),
            ..Default::default()
        },
        &Default::default(),
    )
    .await
    .unwrap()
    .to_string()
}

async fn member(
    t: &TestApp,
    s: &Society,
    level: &str,
    name: &str,
    email: &str,
    paid: bool,
) -> PersonId {
    let scoped = t.app.scoped(s);
    let added = chapterhouse_app::membership::add_member(
        &t.app,
        &scoped,
        &chapterhouse_app::membership::MemberForm {
            display_name: name.into(),
            email: email.into(),
            level: level.into(),
            joined_on: String::new(),
            paid: paid.then(|| "on".into()),
        },
        &Default::default(),
    )
    .await
    .unwrap();
    scoped
        .person_of_membership(added.id)
        .await
        .unwrap()
        .unwrap()
}

async fn owner(t: &TestApp) -> (Society, Client) {
    let s = t.society("gsco").await;
    let mut staff = t.client("gsco.test");
    staff.sign_in("owner@gsco.test", PASSWORD).await;
    (s, staff)
}

#[tokio::test]
async fn the_person_page_shows_the_membership_and_its_forms_keep_input_on_a_problem() {
    let t = TestApp::new().await;
    let (s, mut staff) = owner(&t).await;
    let lvl = level(&t, &s, "Active physician", "350", false).await;
    let ada = member(&t, &s, &lvl, "Dr Ada Byron", "ada@gsco.test", true).await;
    let page = format!("/staff/people/{ada}");

    let list = staff.get("/staff/members").await;
    assert!(
        list.body.contains(&format!(
            r#"<a href="/staff/people/{ada}">Dr Ada Byron</a>"#
        )),
        "the members list links to the person page"
    );
    let shown = staff.get(&page).await;
    assert_eq!(shown.status, StatusCode::OK);
    for text in [
        "Dr Ada Byron",
        "ada@gsco.test",
        "Active physician",
        "2026-11-21",
        "2027-11-20",
        &format!(r#"href="/staff/people/{ada}/profile">Edit identifiers"#),
        "Membership added",
        r#"<label for="f-body">Add a note</label>"#,
    ] {
        assert!(shown.body.contains(text), "{text} on the page");
    }

    // An empty note: 422 with the problem at the field.
    let empty = staff
        .post(&format!("{page}/notes"), &[("body", "  ")])
        .await;
    assert_eq!(empty.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(empty.body.contains("Write the note before adding it."));
    let added = staff
        .post(
            &format!("{page}/notes"),
            &[("body", "Called about <CME> credits\nwill call back")],
        )
        .await;
    assert_eq!(added.status, StatusCode::SEE_OTHER);
    let shown = staff.get(&added.location()).await;
    assert!(shown.body.contains("Note added."));
    assert!(
        shown
            .body
            .contains("Called about &#60;CME&#62; credits<br>will call back"),
        "notes are escaped and keep their lines"
    );

    // An override without a reason keeps the chosen status.
    let no_reason = staff
        .post(
            &format!("{page}/override"),
            &[("override_status", "lapsed"), ("override_reason", "")],
        )
        .await;
    assert_eq!(no_reason.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        no_reason
            .body
            .contains(r#"<option value="lapsed" selected>"#)
    );
    assert!(no_reason.body.contains("Give a reason"));
    let overridden = staff
        .post(
            &format!("{page}/override"),
            &[
                ("override_status", "lapsed"),
                ("override_reason", "On leave until March"),
            ],
        )
        .await;
    assert_eq!(overridden.status, StatusCode::SEE_OTHER);
    let shown = staff.get(&overridden.location()).await;
    assert!(shown.body.contains("Status override"));
    assert!(shown.body.contains("On leave until March"));
    assert!(shown.body.contains("lapsed <span class=\"hint\">since"));
    assert!(shown.body.contains("Clear the override"));
    let cleared = staff.post(&format!("{page}/override/clear"), &[]).await;
    assert_eq!(cleared.status, StatusCode::SEE_OTHER);
    let shown = staff.get(&cleared.location()).await;
    assert!(shown.body.contains("active <span class=\"hint\">since"));
    assert!(!shown.body.contains("Clear the override"));

    // Suspending needs a reason; the reason is shown while it lasts.
    let typed = "x".repeat(501);
    let too_long = staff
        .post(
            &format!("{page}/suspend"),
            &[("suspend_reason", typed.as_str())],
        )
        .await;
    assert_eq!(too_long.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(too_long.body.contains(&typed), "the input is kept");
    let suspended = staff
        .post(
            &format!("{page}/suspend"),
            &[("suspend_reason", "Ethics complaint under review")],
        )
        .await;
    let shown = staff.get(&suspended.location()).await;
    assert!(
        shown
            .body
            .contains("<dt>Suspended</dt><dd>Ethics complaint under review</dd>")
    );
    assert!(shown.body.contains("Reinstate"));
    let history_row = "<td>Membership suspended</td><td>Ethics complaint under review</td>";
    assert!(shown.body.contains(history_row), "in the history");

    // Ids that are not people are 404s, and members cannot see the page.
    assert_eq!(
        staff.get("/staff/people/not-an-id").await.status,
        StatusCode::NOT_FOUND
    );
    assert_eq!(
        staff
            .get(&format!("/staff/people/{}", PersonId::new()))
            .await
            .status,
        StatusCode::NOT_FOUND
    );
    t.add_account(&s, "member@gsco.test", Role::Member).await;
    let mut plain = t.client("gsco.test");
    plain.sign_in("member@gsco.test", PASSWORD).await;
    assert_eq!(plain.get(&page).await.status, StatusCode::FORBIDDEN);
}

#[tokio::test]
async fn staff_approve_and_reject_applications_and_the_applicant_is_emailed() {
    let t = TestApp::new().await;
    let (s, mut staff) = owner(&t).await;
    let lvl = level(&t, &s, "Pharmacist", "175", true).await;
    let rx = member(&t, &s, &lvl, "Dr Rx Pharm", "rx@gsco.test", false).await;
    member(&t, &s, &lvl, "Dr No Thanks", "no@gsco.test", false).await;
    let ids: Vec<_> = t
        .app
        .scoped(&s)
        .pending_applications()
        .await
        .unwrap()
        .into_iter()
        .map(|a| (a.display_name, a.membership_id.to_string()))
        .collect();
    let id_of = |name: &str| ids.iter().find(|(n, _)| n == name).unwrap().1.clone();

    let list = staff.get("/staff/applications").await;
    assert!(list.body.contains("2 waiting for a decision"));
    assert!(list.body.contains("Pharmacist ($175.00)"));
    assert!(list.body.contains("Not paid yet"));
    assert!(
        list.body
            .contains(&format!(r#"<a href="/staff/people/{rx}">Dr Rx Pharm</a>"#))
    );

    let long = "y".repeat(2_001);
    let refused = staff
        .post(
            &format!("/staff/applications/{}/approve", id_of("Dr Rx Pharm")),
            &[("message", long.as_str())],
        )
        .await;
    assert_eq!(refused.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        refused
            .body
            .contains("Keep the message under 2,000 characters.")
    );
    assert!(refused.body.contains(&long), "the message is kept");
    assert!(
        refused
            .body
            .contains(&format!(r##"href="#f-message-{}""##, id_of("Dr Rx Pharm")))
    );

    let approved = staff
        .post(
            &format!("/staff/applications/{}/approve", id_of("Dr Rx Pharm")),
            &[("message", "Glad to have you.")],
        )
        .await;
    assert_eq!(approved.status, StatusCode::SEE_OTHER);
    let page = staff.get(&approved.location()).await;
    assert!(
        page.body
            .contains("They stay pending until their dues are paid.")
    );
    let rejected = staff
        .post(
            &format!("/staff/applications/{}/reject", id_of("Dr No Thanks")),
            &[("message", "")],
        )
        .await;
    assert!(
        staff
            .get(&rejected.location())
            .await
            .body
            .contains("No applications are waiting")
    );
    let again = staff
        .post(
            &format!("/staff/applications/{}/reject", id_of("Dr Rx Pharm")),
            &[("message", "")],
        )
        .await;
    assert!(
        staff
            .get(&again.location())
            .await
            .body
            .contains("had already been decided")
    );

    let mail = t.deliver_mail(2).await;
    let rx_mail = mail
        .iter()
        .find(|m| m.rcpt_to.iter().any(|r| r.contains("rx@gsco.test")))
        .unwrap()
        .body_text();
    assert!(rx_mail.contains("has been approved"));
    assert!(rx_mail.contains("$175.00"));
    assert!(rx_mail.contains("Glad to have you."));
    let person = staff.get(&format!("/staff/people/{rx}")).await;
    assert!(
        person
            .body
            .contains("<dt>Application</dt><dd>approved</dd>")
    );
    assert!(person.body.contains("pending <span class=\"hint\">since"));
}

#[tokio::test]
async fn committees_are_created_and_seat_people_with_the_chair_listed_first() {
    let t = TestApp::new().await;
    let (s, mut staff) = owner(&t).await;
    let lvl = level(&t, &s, "Active physician", "350", false).await;
    let ada = member(&t, &s, &lvl, "Dr Ada Byron", "ada@gsco.test", true).await;
    member(&t, &s, &lvl, "Dr Bob Byrne", "bob@gsco.test", true).await;

    let empty = staff
        .post(
            "/staff/committees",
            &[
                ("name", ""),
                ("kind", "committee"),
                ("description", "Meets monthly"),
            ],
        )
        .await;
    assert_eq!(empty.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(empty.body.contains("Give it a name"));
    assert!(empty.body.contains(r#"value="Meets monthly""#));
    let created = staff
        .post(
            "/staff/committees",
            &[
                ("name", "Advocacy Committee"),
                ("kind", "committee"),
                ("description", "Meets monthly"),
            ],
        )
        .await;
    assert_eq!(created.status, StatusCode::SEE_OTHER);
    let committee = created.location();
    assert!(
        staff
            .get("/staff/committees")
            .await
            .body
            .contains("Advocacy Committee")
    );

    // Two people match "Byr": the form comes back with both to choose from.
    let ambiguous = staff
        .post(
            &format!("{committee}/members"),
            &[
                ("who", "Byr"),
                ("role", "chair"),
                ("start_on", "2026-07-01"),
            ],
        )
        .await;
    assert_eq!(ambiguous.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(ambiguous.body.contains("Which person?"));
    assert!(ambiguous.body.contains("Dr Bob Byrne, bob@gsco.test"));
    assert!(
        ambiguous.body.contains(r#"value="chair""#),
        "the role is kept"
    );
    let chosen = staff
        .post(
            &format!("{committee}/members"),
            &[
                ("who", "Byr"),
                ("person_id", &ada.to_string()),
                ("role", "chair"),
                ("start_on", "2026-07-01"),
            ],
        )
        .await;
    assert_eq!(chosen.status, StatusCode::SEE_OTHER);
    staff
        .post(
            &format!("{committee}/members"),
            &[("who", "bob@gsco.test"), ("role", "")],
        )
        .await;
    let page = staff.get(&committee).await;
    let chair = page.body.find("Dr Ada Byron").unwrap();
    let bob = page.body.find("Dr Bob Byrne").unwrap();
    assert!(chair < bob, "the chair is listed first");
    assert!(page.body.contains("<td>chair</td>"));
    assert!(page.body.contains("2 current seats"));

    // Ending a seat: a bad date comes back at that seat's field; a good one moves it.
    let seats = t.app.scoped(&s).person_seats(ada).await.unwrap();
    let end = format!("{committee}/members/{}/end", seats[0].id);
    let bad = staff.post(&end, &[("end_on", "31/12/2026")]).await;
    assert_eq!(bad.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(bad.body.contains(r#"value="31/12/2026""#));
    assert!(bad.body.contains("Enter the date as YYYY-MM-DD"));
    let ended = staff.post(&end, &[("end_on", "2026-11-20")]).await;
    assert_eq!(ended.status, StatusCode::SEE_OTHER);
    let page = staff.get(&ended.location()).await;
    assert!(page.body.contains("Seat ended."));
    assert!(page.body.contains("1 current seat,"));
    assert!(page.body.contains("Past and future seats"));
    // Left empty, the last day is today: the seat still counts today.
    let bob_seat = t
        .app
        .scoped(&s)
        .committee_seats(seats[0].committee_id)
        .await
        .unwrap()
        .into_iter()
        .find(|seat| seat.email == "bob@gsco.test")
        .unwrap();
    let today = staff
        .post(
            &format!("{committee}/members/{}/end", bob_seat.id),
            &[("end_on", "")],
        )
        .await;
    let page = staff.get(&today.location()).await;
    assert!(page.body.contains("<td>2026-11-21</td>"));
    assert!(page.body.contains("1 current seat,"));
    let person = staff.get(&format!("/staff/people/{ada}")).await;
    assert!(person.body.contains("Advocacy Committee"));
    assert!(person.body.contains("Joined a committee"));
}

#[tokio::test]
async fn admins_merge_a_duplicate_after_seeing_what_moves() {
    let t = TestApp::new().await;
    let (s, mut staff) = owner(&t).await;
    let lvl = level(&t, &s, "Active physician", "350", false).await;
    let keep = member(&t, &s, &lvl, "Dr Ada Byron", "ada@gsco.test", true).await;
    let dup = member(&t, &s, &lvl, "Ada Byron MD", "a.byron@hospital.test", false).await;
    chapterhouse_app::records::add_note(
        &t.app,
        &t.app.scoped(&s),
        dup,
        "Duplicate made at the spring meeting",
        &Default::default(),
    )
    .await
    .unwrap();

    let merge = format!("/staff/people/{keep}/merge");
    let search = staff.get(&format!("{merge}?q=byron")).await;
    assert!(search.body.contains(&format!("?duplicate={dup}")));
    assert!(
        !search.body.contains(&format!("?duplicate={keep}")),
        "the kept person is not offered as their own duplicate"
    );
    let preview = staff.get(&format!("{merge}?duplicate={dup}")).await;
    assert!(
        preview
            .body
            .contains("ends later stays (this person&#39;s on a tie): this person")
    );
    assert!(preview.body.contains("1 note"));
    assert!(preview.body.contains("Merge and delete the duplicate"));

    let missing = staff.post(&merge, &[("duplicate", "")]).await;
    assert_eq!(missing.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        missing
            .body
            .contains("Find and choose the duplicate record first.")
    );
    let merged = staff.post(&merge, &[("duplicate", &dup.to_string())]).await;
    assert_eq!(merged.status, StatusCode::SEE_OTHER);
    let page = staff.get(&merged.location()).await;
    assert!(page.body.contains("Records merged."));
    assert!(page.body.contains("Duplicate made at the spring meeting"));
    assert!(page.body.contains("Records merged</td>"));
    assert_eq!(
        staff.get(&format!("/staff/people/{dup}")).await.status,
        StatusCode::NOT_FOUND
    );

    // Staff without the admin role cannot merge or erase.
    t.add_account(&s, "staffer@gsco.test", Role::Staff).await;
    let mut staffer = t.client("gsco.test");
    staffer.sign_in("staffer@gsco.test", PASSWORD).await;
    assert_eq!(staffer.get(&merge).await.status, StatusCode::FORBIDDEN);
    assert_eq!(
        staffer
            .get(&format!("/staff/people/{keep}/erase"))
            .await
            .status,
        StatusCode::FORBIDDEN
    );
    let page = staffer.get(&format!("/staff/people/{keep}")).await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(!page.body.contains("/merge\""), "no merge link for them");
}

#[tokio::test]
async fn erasure_deletes_or_anonymises_after_the_email_is_typed() {
    let t = TestApp::new().await;
    let (s, mut staff) = owner(&t).await;
    let lvl = level(&t, &s, "Active physician", "350", false).await;
    let gone = member(&t, &s, &lvl, "Dr Gone Away", "gone@gsco.test", true).await;
    let billed = member(&t, &s, &lvl, "Dr Has Invoices", "billed@gsco.test", true).await;

    let erase = format!("/staff/people/{gone}/erase");
    let page = staff.get(&erase).await;
    assert!(page.body.contains("will be <strong>deleted</strong>"));
    let wrong = staff
        .post(&erase, &[("confirm_email", "gone@gsco.org")])
        .await;
    assert_eq!(wrong.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        wrong.body.contains(r#"value="gone@gsco.org""#),
        "the input is kept"
    );
    assert!(
        wrong
            .body
            .contains("That is not this person&#39;s email address.")
    );
    let deleted = staff
        .post(&erase, &[("confirm_email", "gone@gsco.test")])
        .await;
    assert_eq!(deleted.status, StatusCode::OK);
    assert!(deleted.body.contains("Deleted"));
    assert_eq!(
        staff.get(&format!("/staff/people/{gone}")).await.status,
        StatusCode::NOT_FOUND
    );

    // An invoice names the second person: anonymised, the invoice untouched.
    let db = t.app.store.db();
    let account = uuid::Uuid::now_v7();
    let invoice = uuid::Uuid::now_v7();
    sql::exec(
        db,
        "INSERT INTO revenue_account (society_id, id, code, name, created_at) VALUES ($1, $2, '4000', 'Dues', 0)",
        &[s.id.0.into(), account.into()],
    )
    .await;
    sql::exec(
        db,
        "INSERT INTO invoice (society_id, id, number, person_id, bill_to_name, bill_to_email, \
         issued_on, due_on, total_cents, created_at) VALUES ($1, $2, 7, $3, 'Dr Has Invoices', \
         'billed@gsco.test', '2026-11-01', '2026-12-01', 35000, 0)",
        &[s.id.0.into(), invoice.into(), billed.0.into()],
    )
    .await;
    let erase = format!("/staff/people/{billed}/erase");
    let page = staff.get(&erase).await;
    assert!(page.body.contains("will be <strong>anonymised</strong>"));
    assert!(
        page.body
            .contains("the bill-to name, email and address printed on them are not changed")
    );
    let anonymised = staff
        .post(&erase, &[("confirm_email", "BILLED@gsco.test")])
        .await;
    assert_eq!(anonymised.status, StatusCode::SEE_OTHER);
    let person = staff.get(&anonymised.location()).await;
    assert!(person.body.contains("<h1>Anonymised member</h1>"));
    assert!(person.body.contains("Anonymised on request on 2026-11-21"));
    assert!(!person.body.contains("billed@gsco.test"));
    assert!(!person.body.contains("/erase\""), "nothing left to erase");
    let kept = sql::texts(
        db,
        "SELECT bill_to_name, bill_to_email FROM invoice WHERE id = $1",
        &[invoice.into()],
    )
    .await;
    assert_eq!(
        kept[0],
        vec![
            Some("Dr Has Invoices".into()),
            Some("billed@gsco.test".into())
        ]
    );
}

/// A practice whose billing contact is `contact`.
async fn practice(t: &TestApp, s: &Society, name: &str, contact: PersonId) -> PracticeId {
    let scoped = t.app.scoped(s);
    let mut tx = scoped.begin().await.unwrap();
    let id = tx
        .insert_practice(
            &PracticeFields {
                name: name.into(),
                billing_contact: Some(contact),
                ..Default::default()
            },
            "2026-01-01".parse().unwrap(),
            t.app.now(),
        )
        .await
        .unwrap();
    tx.commit().await.unwrap();
    id
}

#[tokio::test]
async fn the_person_page_lists_their_invoices_and_payments_and_their_practices_bills() {
    let t = TestApp::new().await;
    let (s, mut staff) = owner(&t).await;
    let scoped = t.app.scoped(&s);
    let actor = Actor::default();
    let lvl = level(&t, &s, "Active physician", "350", false).await;
    let ada = member(&t, &s, &lvl, "Dr Ada Byron", "ada@gsco.test", false).await;
    let ben = member(&t, &s, &lvl, "Dr Ben Okafor", "ben@gsco.test", false).await;
    let lakeside = practice(&t, &s, "Lakeside Oncology", ada).await;
    let hilltop = practice(&t, &s, "Hilltop Hematology", ben).await;
    let to_practice = |practice, what, cents| NewInvoice {
        bill_to: BillTo::Practice(practice),
        ..invoice_to(ada, what, cents)
    };
    let issue = |invoice| b::issue_invoice(&t.app, &scoped, &actor, invoice);
    let own = issue(invoice_to(ada, "Annual dues", 35_000)).await.unwrap();
    let practices = issue(to_practice(lakeside, "Seats", 120_000))
        .await
        .unwrap();
    let bens = issue(invoice_to(ben, "Annual dues", 9_900)).await.unwrap();
    let hilltops = issue(to_practice(hilltop, "Seats", 77_700)).await.unwrap();
    let paid = b::record_payment(
        &t.app,
        &scoped,
        &actor,
        NewPayment {
            invoice: own,
            amount: Cents(35_000),
            method: PaymentMethodKind::Check,
            reference: "Check 1042".into(),
            provider_ref: None,
            received_on: "2026-11-20".parse().unwrap(),
        },
    )
    .await
    .unwrap();
    b::refund_payment(
        &t.app,
        &scoped,
        &actor,
        paid,
        Cents(5_000),
        "Overpaid the early-career rate".into(),
        None,
    )
    .await
    .unwrap();
    let number = |id| {
        let scoped = scoped.clone();
        async move { scoped.invoice(id).await.unwrap().unwrap().display_number() }
    };
    let (own_no, practice_no) = (number(own).await, number(practices).await);
    let (bens_no, hilltop_no) = (number(bens).await, number(hilltops).await);

    let page = staff.get(&format!("/staff/people/{ada}")).await;
    assert_eq!(page.status, StatusCode::OK);
    let body = &page.body;
    for text in [
        format!(r#"<a href="/staff/invoices/{own}">{own_no}</a>"#),
        format!(r#"<a href="/staff/invoices/{own}/pdf">PDF"#),
        format!(r#"<a href="/staff/invoices/{practices}">{practice_no}</a>"#),
        "Lakeside Oncology <span class=\"tag\">practice: they are its billing contact</span>"
            .into(),
        "<td>$1,200.00</td>".into(),
        "<td>Open</td>".into(),
        "<td>$50.00</td>".into(),
        "<td>Partly paid</td>".into(),
        format!(r#"href="/staff/payments/{paid}/receipt.pdf">PMT-000001"#),
        "Check 1042".into(),
        "$350.00".into(),
        "RF-000001, 2026-11-21: $50.00".into(),
    ] {
        assert!(body.contains(&text), "{text} on Ada's page");
    }
    assert!(
        !body.contains("Dr Ada Byron <span class=\"tag\">"),
        "her own invoice is not labelled as a practice's"
    );
    for other in [
        &bens_no,
        &hilltop_no,
        "Hilltop Hematology",
        "$777.00",
        "$99.00",
    ] {
        assert!(
            !body.contains(other),
            "another person's {other} is not shown"
        );
    }

    let page = staff.get(&format!("/staff/people/{ben}")).await;
    assert!(page.body.contains(&bens_no) && page.body.contains(&hilltop_no));
    for other in [&own_no, &practice_no, "Lakeside Oncology", "PMT-000001"] {
        assert!(
            !page.body.contains(other),
            "Ada's {other} is not on Ben's page"
        );
    }
}

#[tokio::test]
async fn staff_edit_custom_field_values_on_the_person_page() {
    let t = TestApp::new().await;
    let (s, mut staff) = owner(&t).await;
    let scoped = t.app.scoped(&s);
    let lvl = level(&t, &s, "Active physician", "350", false).await;
    let ada = member(&t, &s, &lvl, "Dr Ada Byron", "ada@gsco.test", true).await;
    let ben = member(&t, &s, &lvl, "Dr Ben Okafor", "ben@gsco.test", true).await;
    let page = format!("/staff/people/{ada}");
    let empty = staff.get(&page).await;
    assert!(
        empty
            .body
            .contains("Your society has no custom fields yet.")
    );

    for (name, kind, choices) in [
        ("Years in practice", "number", ""),
        ("Tumor board", "yes_no", ""),
        ("Region", "choice", "North\nSouth"),
    ] {
        chapterhouse_app::custom_fields::create_custom_field(
            &t.app,
            &scoped,
            &chapterhouse_app::custom_fields::CustomFieldForm {
                name: name.into(),
                kind: kind.into(),
                choices: choices.into(),
            },
            &Actor::default(),
        )
        .await
        .unwrap();
    }
    let shown = staff.get(&page).await;
    let input = |label: &str| {
        regex_lite::Regex::new(&format!(r#"<label for="f-(cf_[0-9a-f]+)">{label}</label>"#))
            .unwrap()
            .captures(&shown.body)
            .unwrap_or_else(|| panic!("a labelled input for {label}"))[1]
            .to_string()
    };
    let (years, board, region) = (
        input("Years in practice"),
        input("Tumor board"),
        input("Region"),
    );
    let action = format!("{page}/custom-fields");
    assert!(shown.body.contains(&format!(r#"action="{action}""#)));

    // A bad number: 422, the problem at its field, everything typed kept.
    let bad = staff
        .post(
            &action,
            &[
                (years.as_str(), "twelve"),
                (board.as_str(), "yes"),
                (region.as_str(), "South"),
            ],
        )
        .await;
    assert_eq!(bad.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(bad.body.contains(&format!(
        r#"<p class="error" id="e-{years}">Enter a number, like 12 or 3.5.</p>"#
    )));
    assert!(bad.body.contains(r#"value="twelve""#));
    assert!(bad.body.contains(r#"<option value="yes" selected>"#));
    assert!(bad.body.contains(r#"<option value="South" selected>"#));
    assert!(
        scoped.custom_field_values(ada).await.unwrap().is_empty(),
        "nothing saved"
    );

    let saved = staff
        .post(
            &action,
            &[
                (years.as_str(), "1,200"),
                (board.as_str(), "yes"),
                (region.as_str(), "South"),
            ],
        )
        .await;
    assert_eq!(saved.status, StatusCode::SEE_OTHER);
    let shown = staff.get(&saved.location()).await;
    assert!(shown.body.contains("Custom fields saved."));
    assert!(shown.body.contains(r#"value="1200""#), "stored in one form");
    assert!(shown.body.contains(r#"<option value="yes" selected>"#));
    assert!(
        shown
            .body
            .contains("Custom fields changed</td><td>3 changed")
    );
    let bens = staff.get(&format!("/staff/people/{ben}")).await;
    assert!(
        !bens.body.contains(r#"value="1200""#),
        "Ben's values are his own"
    );

    // Without the form's token nothing is saved; the old address leads to the page.
    staff.csrf = Some("forged".into());
    let forged = staff.post(&action, &[(years.as_str(), "7")]).await;
    assert_eq!(forged.status, StatusCode::FORBIDDEN);
    let old = staff.get(&action).await;
    assert_eq!(old.location(), format!("{page}#custom-fields"));
    assert_eq!(
        staff
            .get(&format!("/staff/people/{}/custom-fields", PersonId::new()))
            .await
            .status,
        StatusCode::NOT_FOUND
    );
}
