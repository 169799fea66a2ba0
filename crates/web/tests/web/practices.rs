//! Practices through the real router: staff set up a practice level and a practice, record its
//! term and manage its people; a practice manager adds a colleague and sees the prorated amount.

use axum::http::StatusCode;
use chapterhouse_core::{Role, Timestamp};

use crate::common::{Client, PASSWORD, TestApp};

fn first_capture(pattern: &str, body: &str) -> String {
    regex_lite::Regex::new(pattern)
        .unwrap()
        .captures(body)
        .unwrap_or_else(|| panic!("{pattern} not in:\n{body}"))[1]
        .to_string()
}

/// A practice level ($350 physicians, $150 NPs, fellows free; two seats, anniversary renewal),
/// created and edited through the staff pages. Returns its id.
async fn practice_level(staff: &mut Client) -> String {
    staff.get("/staff/levels").await;
    let created = staff
        .post(
            "/staff/levels",
            &[
                ("name", "Group practice"),
                ("fee", "400"),
                ("period", "1-year"),
                ("grace_days", "30"),
                ("for_practices", "on"),
            ],
        )
        .await;
    assert_eq!(created.status, StatusCode::SEE_OTHER);
    let levels = staff.get("/staff/levels").await;
    let id = first_capture(
        r#"href="/staff/levels/([0-9a-f-]{36})">Group practice"#,
        &levels.body,
    );
    let form = staff.get(&format!("/staff/levels/{id}")).await;
    assert_eq!(form.status, StatusCode::OK);
    assert!(
        form.body.contains("60,30,7,-7"),
        "the default schedule is shown"
    );

    let fields = |seat_limit: &'static str, reminders: &'static str| {
        vec![
            ("name", "Group practice"),
            ("fee", "400"),
            ("period", "1-year"),
            ("grace_days", "30"),
            ("for_practices", "on"),
            ("public_join", "on"),
            ("seat_limit", seat_limit),
            ("reminder_days", reminders),
            ("rate_physician", "350"),
            ("rate_nurse_practitioner", "150"),
            ("rate_fellow", "0"),
            ("apply", "physician"),
            ("apply", "nurse_practitioner"),
            ("apply", "fellow"),
        ]
    };
    let bad = staff
        .post(&format!("/staff/levels/{id}"), &fields("many", "60,soon"))
        .await;
    assert_eq!(bad.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        bad.body
            .contains("Enter whole numbers of days separated by commas")
            && bad.body.contains(r#"value="60,soon""#)
            && bad.body.contains(r#"value="many""#),
        "the input is kept and each problem named"
    );
    let saved = staff
        .post(&format!("/staff/levels/{id}"), &fields("2", "30, 7"))
        .await;
    assert_eq!(saved.status, StatusCode::SEE_OTHER, "{}", saved.body);
    let form = staff.get(&format!("/staff/levels/{id}")).await;
    assert!(
        form.body.contains(r#"value="30,7""#)
            && form
                .body
                .contains(r#"name="rate_physician" type="text" value="350.00""#)
            && form
                .body
                .contains(r#"name="rate_fellow" type="text" value="0.00""#),
        "{}",
        form.body
    );
    id
}

/// A practice whose key contact (a manager) is `manager_email`; returns its id.
async fn practice(staff: &mut Client, level: &str, manager_email: &str) -> String {
    staff.get("/staff/practices/new").await;
    let bad = staff
        .post(
            "/staff/practices/new",
            &[
                ("name", "Hill Country Oncology"),
                ("npi", "1770626039"),
                ("level", level),
                ("state", "Texas"),
            ],
        )
        .await;
    assert_eq!(bad.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(bad.body.contains("check digit does not match"));
    assert!(bad.body.contains("Enter the state as two letters"));
    assert!(bad.body.contains(r#"value="Hill Country Oncology""#));
    let created = staff
        .post(
            "/staff/practices/new",
            &[
                ("name", "Hill Country Oncology"),
                ("npi", "1770626038"),
                ("level", level),
                ("state", "tx"),
                ("key_contact_name", "Kim Key"),
                ("key_contact_email", manager_email),
                ("billing_contact_name", "Bill Payer"),
                ("billing_contact_email", "bill@hco.example"),
                ("po_number", "PO-77"),
            ],
        )
        .await;
    assert_eq!(created.status, StatusCode::SEE_OTHER, "{}", created.body);
    first_capture(r"/staff/practices/([0-9a-f-]{36})", &created.location())
}

#[tokio::test]
async fn staff_set_up_a_practice_record_its_term_and_manage_its_seats() {
    let t = TestApp::new().await;
    t.society("gsco").await;
    let mut staff = t.client("gsco.test");
    staff.sign_in("owner@gsco.test", PASSWORD).await;
    let level = practice_level(&mut staff).await;
    let id = practice(&mut staff, &level, "kim@hco.example").await;

    let page = staff.get(&format!("/staff/practices/{id}")).await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(page.body.contains("Hill Country Oncology") && page.body.contains("Pending"));
    assert!(page.body.contains("Kim Key") && page.body.contains("Bill Payer"));
    assert!(page.body.contains(r#"value="PO-77""#) && page.body.contains(r#"value="TX""#));
    let list = staff.get("/staff/practices").await;
    assert!(list.body.contains("Hill Country Oncology") && list.body.contains("0 of 2"));

    let renewed = staff
        .post(
            &format!("/staff/practices/{id}/renew"),
            &[("paid_through", "")],
        )
        .await;
    assert_eq!(renewed.status, StatusCode::SEE_OTHER);
    let page = staff.get(&format!("/staff/practices/{id}")).await;
    assert!(page.body.contains("Active") && page.body.contains("2027-11-20"));

    // Added on the term's first day: the full rate, not prorated.
    staff.get(&format!("/staff/practices/{id}")).await;
    let added = staff
        .post(
            &format!("/staff/practices/{id}/colleagues"),
            &[
                ("first_name", "Pat"),
                ("last_name", "Physician"),
                ("email", "pat@hco.example"),
                ("profession", "physician"),
                ("credentials", "MD"),
            ],
        )
        .await;
    assert_eq!(added.status, StatusCode::OK);
    assert!(
        added
            .body
            .contains("Added. $350.00 will be on the practice&#39;s next invoice.")
            || added
                .body
                .contains("Added. $350.00 will be on the practice's next invoice."),
        "{}",
        added.body
    );
    assert!(added.body.contains("1 of 2 seats used"));
    let members = staff.get("/staff/members").await;
    assert!(members.body.contains("pat@hco.example"));
    let filtered = staff.get(&format!("/staff/members?practice={id}")).await;
    assert!(filtered.body.contains("pat@hco.example") && filtered.body.contains("1 member"));

    // Bad input on the add form: 422, input kept, problems named.
    let bad = staff
        .post(
            &format!("/staff/practices/{id}/colleagues"),
            &[
                ("first_name", "Nia"),
                ("last_name", ""),
                ("email", "nia@"),
                ("profession", "nurse_practitioner"),
            ],
        )
        .await;
    assert_eq!(bad.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        bad.body.contains("Enter the colleague&#39;s last name.")
            || bad.body.contains("Enter the colleague's last name.")
    );
    assert!(bad.body.contains(r#"value="Nia""#) && bad.body.contains(r#"value="nia@""#));

    // The billing contact becomes a manager, then the seat is removed.
    let page = staff.get(&format!("/staff/practices/{id}")).await;
    // Kim (a manager) is listed first, then Bill Payer, then Pat Physician.
    let people: Vec<String> = regex_lite::Regex::new(r"/people/([0-9a-f-]{36})/manager")
        .unwrap()
        .captures_iter(&page.body)
        .map(|c| c[1].to_string())
        .collect();
    assert_eq!(people.len(), 3);
    let bill = &people[1];
    let made = staff
        .post(
            &format!("/staff/practices/{id}/people/{bill}/manager"),
            &[("manager", "yes")],
        )
        .await;
    assert_eq!(made.status, StatusCode::SEE_OTHER);
    let page = staff.get(&format!("/staff/practices/{id}")).await;
    assert!(
        page.body
            .contains("Stop managing<span class=\"visually-hidden\">: Bill Payer")
    );
    let seat = first_capture(
        r"/staff/practices/[0-9a-f-]{36}/colleagues/([0-9a-f-]{36})/remove",
        &page.body,
    );
    let removed = staff
        .post(
            &format!("/staff/practices/{id}/colleagues/{seat}/remove"),
            &[],
        )
        .await;
    assert_eq!(removed.status, StatusCode::SEE_OTHER);
    let page = staff.get(&format!("/staff/practices/{id}")).await;
    assert!(page.body.contains("0 of 2 seats used"));
    assert!(
        !page.body.contains("Pat Physician"),
        "unlinked when the seat goes"
    );
    // A practice id that is not one gives the not-found page.
    assert_eq!(
        staff.get("/staff/practices/not-an-id").await.status,
        StatusCode::NOT_FOUND
    );
}

#[tokio::test]
async fn a_practice_manager_adds_a_colleague_and_sees_the_prorated_amount() {
    let t = TestApp::new().await;
    let society = t.society("gsco").await;
    t.add_account(&society, "kim@hco.example", Role::Member)
        .await;
    t.add_account(&society, "someone@else.example", Role::Member)
        .await;
    let mut staff = t.client("gsco.test");
    staff.sign_in("owner@gsco.test", PASSWORD).await;
    let level = practice_level(&mut staff).await;
    let id = practice(&mut staff, &level, "kim@hco.example").await;
    staff
        .post(
            &format!("/staff/practices/{id}/renew"),
            &[("paid_through", "")],
        )
        .await;

    // A member who manages nothing is refused.
    let mut other = t.client("gsco.test");
    other.sign_in("someone@else.example", PASSWORD).await;
    assert_eq!(
        other.get("/account/practice").await.status,
        StatusCode::FORBIDDEN
    );

    // 15 August 2027: August to November are left of the term ending 20 November.
    t.clock.set(Timestamp::from_jiff(
        "2027-08-15T15:00:00Z".parse().unwrap(),
    ));
    let mut kim = t.client("gsco.test");
    kim.sign_in("kim@hco.example", PASSWORD).await;
    let page = kim.get("/account/practice").await;
    assert_eq!(page.status, StatusCode::OK, "{}", page.body);
    assert!(page.body.contains("Hill Country Oncology") && page.body.contains("0 of 2 seats used"));
    let added = kim
        .post(
            "/account/practice/colleagues",
            &[
                ("practice", &id),
                ("first_name", "Ada"),
                ("last_name", "Lovelace"),
                ("email", "ada@hco.example"),
                ("profession", "physician"),
                ("credentials", "MD, PhD"),
                // A manager cannot make someone a manager or skip the seat.
                ("manager", "on"),
                ("no_seat", "on"),
            ],
        )
        .await;
    assert_eq!(added.status, StatusCode::OK);
    let message = "$116.67 (prorated for 4 months) will be on the practice";
    assert!(added.body.contains(message), "{}", added.body);
    assert!(
        added.body.contains("Ada Lovelace, MD, PhD") && added.body.contains("1 of 2 seats used")
    );
    assert!(
        added
            .body
            .contains("$116.67 for colleagues added this term")
    );
    let fellow = kim
        .post(
            "/account/practice/colleagues",
            &[
                ("practice", &id),
                ("first_name", "Fen"),
                ("last_name", "Fellow"),
                ("email", "fen@hco.example"),
                ("profession", "fellow"),
            ],
        )
        .await;
    assert!(
        fellow.body.contains("Added at no charge"),
        "fellows are free: {}",
        fellow.body
    );
    // The third is beyond the two seats: refused with the reason, input kept.
    let full = kim
        .post(
            "/account/practice/colleagues",
            &[
                ("practice", &id),
                ("first_name", "Nia"),
                ("last_name", "Nurse"),
                ("email", "nia@hco.example"),
                ("profession", "nurse_practitioner"),
            ],
        )
        .await;
    assert_eq!(full.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(full.body.contains("covers 2 clinicians, and all are taken"));
    assert!(full.body.contains(r#"value="nia@hco.example""#));
    // The colleague's welcome says who pays; Kim's colleagues show on the staff members list.
    let mail = t.deliver_mail(2).await;
    assert!(mail.iter().any(|m| {
        m.data.contains("ada@hco.example")
            && m.body_text()
                .contains("Your dues are paid by your practice")
    }));

    // Removing a colleague frees the seat.
    let page = kim.get("/account/practice").await;
    let seat = first_capture(
        r"/account/practice/colleagues/([0-9a-f-]{36})/remove",
        &page.body,
    );
    let removed = kim
        .post(
            &format!("/account/practice/colleagues/{seat}/remove"),
            &[("practice", &id)],
        )
        .await;
    assert_eq!(removed.status, StatusCode::SEE_OTHER);
    assert!(
        kim.get("/account/practice")
            .await
            .body
            .contains("1 of 2 seats used")
    );
    // Another member cannot remove Kim's colleagues.
    let page = kim.get("/account/practice").await;
    let seat = first_capture(
        r"/account/practice/colleagues/([0-9a-f-]{36})/remove",
        &page.body,
    );
    other.sign_in("someone@else.example", PASSWORD).await;
    let refused = other
        .post(
            &format!("/account/practice/colleagues/{seat}/remove"),
            &[("practice", &id)],
        )
        .await;
    assert_eq!(refused.status, StatusCode::FORBIDDEN);
    assert!(
        kim.get("/account/practice")
            .await
            .body
            .contains("1 of 2 seats used")
    );
}

#[tokio::test]
async fn the_billing_contact_sees_the_practices_renewal_and_a_stranger_gets_not_found() {
    let t = TestApp::new().await;
    let society = t.society("gsco").await;
    // Accounts first, so the practice's contacts are these people.
    t.add_account(&society, "kim@hco.example", Role::Member)
        .await;
    t.add_account(&society, "bill@hco.example", Role::Member)
        .await;
    t.add_account(&society, "someone@else.example", Role::Member)
        .await;
    let mut staff = t.client("gsco.test");
    staff.sign_in("owner@gsco.test", PASSWORD).await;
    let level = practice_level(&mut staff).await;
    let id = practice(&mut staff, &level, "kim@hco.example").await;
    staff
        .post(
            &format!("/staff/practices/{id}/renew"),
            &[("paid_through", "")],
        )
        .await;
    for (first, email, profession) in [
        ("Pat", "pat@hco.example", "physician"),
        ("Fen", "fen@hco.example", "fellow"),
    ] {
        staff.get(&format!("/staff/practices/{id}")).await;
        let added = staff
            .post(
                &format!("/staff/practices/{id}/colleagues"),
                &[
                    ("first_name", first),
                    ("last_name", "Colleague"),
                    ("email", email),
                    ("profession", profession),
                ],
            )
            .await;
        assert_eq!(added.status, StatusCode::OK, "{}", added.body);
    }
    let renew = format!("/account/renew?practice={id}");

    // The billing contact (not a manager) sees the next term, each colleague and the amount.
    let mut bill = t.client("gsco.test");
    bill.sign_in("bill@hco.example", PASSWORD).await;
    let page = bill.get(&renew).await;
    assert_eq!(page.status, StatusCode::OK, "{}", page.body);
    assert!(page.body.contains("Renew Hill Country Oncology"));
    assert!(page.body.contains("21 November 2027 to 20 November 2028"));
    assert!(page.body.contains("Pat Colleague (Physician)") && page.body.contains("$350.00"));
    assert!(
        page.body.contains("Fen Colleague (Fellow in training)") && page.body.contains("$0.00")
    );
    assert!(
        page.body.contains(r#"<td id="total">$350.00</td>"#),
        "{}",
        page.body
    );
    assert!(page.body.contains("PO-77"));
    assert!(page.body.contains("Paying by check"));

    // Asking for the invoice issues it once; the page then names it.
    let sent = bill
        .post(
            "/account/renew",
            &[
                ("practice", &id),
                ("term_start", "2027-11-21"),
                ("pay", "invoice"),
            ],
        )
        .await;
    assert_eq!(sent.status, StatusCode::OK, "{}", sent.body);
    assert!(
        sent.body.contains("We&#39;ve emailed invoice INV-")
            || sent.body.contains("We've emailed invoice INV-"),
        "{}",
        sent.body
    );
    let page = bill.get(&renew).await;
    let number = first_capture(r"(INV-\d{6})", &page.body);
    assert!(page.body.contains(r#"<td id="total">$350.00</td>"#));
    // A page sent with a term that is not the next one is refused, the form shown again.
    let stale = bill
        .post(
            "/account/renew",
            &[
                ("practice", &id),
                ("term_start", "2026-11-21"),
                ("pay", "invoice"),
            ],
        )
        .await;
    assert_eq!(stale.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(stale.body.contains("renewed meanwhile"));
    let invoices = bill.get("/account/invoices").await;
    assert!(
        invoices.body.contains(&number),
        "the billing contact sees the practice's invoice"
    );
    assert_eq!(invoices.body.matches("INV-").count(), 1);

    // The manager sees it too; anyone else, and any other id, is not found.
    let mut kim = t.client("gsco.test");
    kim.sign_in("kim@hco.example", PASSWORD).await;
    let own = kim.get("/account/practice").await;
    assert!(
        own.body.contains(&format!(r#"href="{renew}""#)),
        "the manager's page links to it"
    );
    let page = kim.get(&renew).await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(page.body.contains(&number));
    let mut other = t.client("gsco.test");
    other.sign_in("someone@else.example", PASSWORD).await;
    for path in [
        renew.clone(),
        "/account/renew?practice=not-an-id".to_string(),
    ] {
        let refused = other.get(&path).await;
        assert_eq!(refused.status, StatusCode::NOT_FOUND, "{path}");
        assert!(!refused.body.contains("Hill Country"));
    }
    other.get("/account").await;
    let posted = other
        .post(
            "/account/renew",
            &[
                ("practice", &id),
                ("term_start", "2027-11-21"),
                ("pay", "invoice"),
            ],
        )
        .await;
    assert_eq!(posted.status, StatusCode::NOT_FOUND);
    // Signed out: sent to sign in.
    let anonymous = t.client("gsco.test").get(&renew).await;
    assert_ne!(anonymous.status, StatusCode::OK);
}
