//! The directory and the member portal through the real router: what each visitor sees, the
//! profile form's 422 keeping what was typed, locks, delegates, automatic renewal and levels.

use axum::http::StatusCode;
use chapterhouse_app::Actor;
use chapterhouse_app::membership::{self, LevelForm, MemberForm};
use chapterhouse_app::people::{self, Editor, ProfileForm};
use chapterhouse_core::people::{DirectoryField, Visibility};
use chapterhouse_core::{LevelId, PersonId, Role};
use chapterhouse_store::{Scoped, Society};

use crate::common::{PASSWORD, TestApp};

async fn level(t: &TestApp, scoped: &Scoped, name: &str) -> LevelId {
    membership::create_level(
        &t.app,
        scoped,
        &LevelForm {
            name: name.into(),
            fee: "350".into(),
            period: "1-year".into(),
            grace_days: "30".into(),
            ..Default::default()
        },
        &Actor::default(),
    )
    .await
    .unwrap()
}

/// A member (with a sign-in account when `account`) who joined on `joined`, with a profile.
#[allow(clippy::too_many_arguments)]
async fn member(
    t: &TestApp,
    society: &Society,
    level: LevelId,
    email: &str,
    joined: &str,
    first: &str,
    last: &str,
    phone: &str,
    account: bool,
) -> PersonId {
    let scoped = t.app.scoped(society);
    if account {
        t.add_account(society, email, Role::Member).await;
    }
    membership::add_member(
        &t.app,
        &scoped,
        &MemberForm {
            display_name: format!("{first} {last}"),
            email: email.into(),
            level: level.to_string(),
            joined_on: joined.into(),
            paid: Some("on".into()),
        },
        &Actor::default(),
    )
    .await
    .unwrap();
    let person = scoped.person_by_email(email).await.unwrap().unwrap();
    people::update_profile(
        &t.app,
        &scoped,
        person,
        Editor::Staff,
        &ProfileForm {
            first_name: first.into(),
            last_name: last.into(),
            credentials: "MD".into(),
            profession: "physician".into(),
            specialty: "Medical oncology".into(),
            phone: phone.into(),
            practice_line1: "1 Clinic Way".into(),
            practice_city: "Concord".into(),
            practice_state: "NH".into(),
            practice_postal_code: "03301".into(),
            ..Default::default()
        },
        &Actor::default(),
    )
    .await
    .unwrap();
    person
}

struct World {
    t: TestApp,
    society: Society,
    ada: PersonId,
    cal: PersonId,
    lou: PersonId,
    level: LevelId,
}

/// Ada (active, signs in, phone private), Cal (active, phone members-only by default) and Lou
/// (lapsed: joined in 2024, never renewed).
async fn world() -> World {
    let t = TestApp::new().await;
    let society = t.society("gsco").await;
    let scoped = t.app.scoped(&society);
    let level = level(&t, &scoped, "Active physician").await;
    let ada = member(
        &t,
        &society,
        level,
        "ada@gsco.test",
        "2026-03-01",
        "Ada",
        "Okafor",
        "603 555 0101",
        true,
    )
    .await;
    let cal = member(
        &t,
        &society,
        level,
        "cal@gsco.test",
        "2026-03-01",
        "Cal",
        "Castillo",
        "603 555 0102",
        false,
    )
    .await;
    let lou = member(
        &t,
        &society,
        level,
        "lou@gsco.test",
        "2024-01-10",
        "Lou",
        "Lapsedson",
        "603 555 0103",
        true,
    )
    .await;
    membership::refresh_statuses(&t.app, &scoped).await.unwrap();
    people::set_visibility(
        &t.app,
        &scoped,
        ada,
        Editor::Own,
        &[(DirectoryField::Phone, Visibility::Private)],
        &Actor::default(),
    )
    .await
    .unwrap();
    World {
        t,
        society,
        ada,
        cal,
        lou,
        level,
    }
}

#[tokio::test]
async fn the_public_directory_never_shows_a_private_phone_or_a_lapsed_member() {
    let w = world().await;
    let mut visitor = w.t.client("gsco.test");
    let page = visitor.get("/directory").await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(page.body.contains("Ada Okafor") && page.body.contains("Cal Castillo"));
    assert!(page.body.contains("Medical oncology") && page.body.contains("Concord, NH"));
    assert!(
        !page.body.contains("Lapsedson"),
        "a lapsed member is not listed"
    );
    assert!(!page.body.contains("555 0101"), "Ada's private phone");
    assert!(!page.body.contains("555 0102"), "Cal's members-only phone");
    assert!(
        !page.body.contains("cal@gsco.test"),
        "emails are for members"
    );
    let ada = visitor.get(&format!("/directory/{}", w.ada)).await;
    assert_eq!(ada.status, StatusCode::OK);
    assert!(ada.body.contains("Ada Okafor, MD") && !ada.body.contains("555 0101"));
    assert_eq!(
        visitor.get(&format!("/directory/{}", w.lou)).await.status,
        StatusCode::NOT_FOUND
    );
    assert_eq!(
        visitor.get("/directory/not-an-id").await.status,
        StatusCode::NOT_FOUND
    );
    // Searching by name finds; searching a hidden value does not.
    let found = visitor.get("/directory?name=okaf").await.body;
    assert!(found.contains("Ada Okafor") && !found.contains("Cal Castillo"));

    // A signed-in active member sees members-only fields, still not Ada's private phone.
    let mut cal_view = w.t.client("gsco.test");
    cal_view.sign_in("ada@gsco.test", PASSWORD).await;
    let page = cal_view.get("/directory").await.body;
    assert!(page.contains("555 0102") && page.contains("cal@gsco.test"));
    assert!(!page.contains("555 0101"));
    // Her own page shows her everything, with a link to edit it.
    let own = cal_view.get(&format!("/directory/{}", w.ada)).await.body;
    assert!(own.contains("555 0101") && own.contains(r#"href="/account/profile""#));

    // A lapsed member who signs in is a member of the public again.
    let mut lou = w.t.client("gsco.test");
    lou.sign_in("lou@gsco.test", PASSWORD).await;
    assert!(!lou.get("/directory").await.body.contains("555 0102"));

    // Staff see private fields and get a link to edit.
    let mut staff = w.t.client("gsco.test");
    staff.sign_in("owner@gsco.test", PASSWORD).await;
    let page = staff.get(&format!("/directory/{}", w.ada)).await.body;
    assert!(page.contains("555 0101"));
    assert!(page.contains(&format!("/staff/people/{}/profile", w.ada)));
    let _ = w.cal;
}

#[tokio::test]
async fn the_profile_form_keeps_what_was_typed_on_a_422_and_saves_when_fixed() {
    let w = world().await;
    let mut ada = w.t.client("gsco.test");
    ada.sign_in("ada@gsco.test", PASSWORD).await;
    let form = ada.get("/account/profile").await;
    assert_eq!(form.status, StatusCode::OK);
    assert!(form.body.contains(r#"value="Okafor""#));
    assert!(form.body.contains("<legend>Phone</legend>"));
    assert!(
        form.body
            .contains(r#"<label for="f-npi">NPI (National Provider Identifier)</label>"#)
    );

    let typed = [
        ("first_name", "Ada"),
        ("last_name", "Okafor-Smith"),
        ("credentials", "MD, PhD"),
        ("profession", "physician"),
        ("npi", "1234567891"),
        ("specialty", "Hematology/oncology"),
        ("phone", "603 555 0101"),
        ("abim_id", "12345"),
        ("birth_month", "2"),
        ("birth_day", "30"),
        ("taxonomy_primary", "207RX0202X"),
        ("licence_0_state", "NH"),
        ("licence_0_number", "MD-4411"),
        ("vis_email", "public"),
    ];
    let bad = ada.post("/account/profile", &typed).await;
    assert_eq!(bad.status, StatusCode::UNPROCESSABLE_ENTITY);
    for kept in [
        r#"value="Okafor-Smith""#,
        r#"value="MD, PhD""#,
        r#"value="1234567891""#,
        r#"value="Hematology/oncology""#,
        r#"value="MD-4411""#,
        r#"value="207RX0202X""#,
        r#"id="f-vis_email-public" name="vis_email" value="public" checked"#,
    ] {
        assert!(bad.body.contains(kept), "422 page lost {kept}");
    }
    assert!(bad.body.contains("check digit"));
    assert!(bad.body.contains("An ABIM id is 6 digits."));
    assert!(bad.body.contains("February has no day 30."));
    let scoped = w.t.app.scoped(&w.society);
    assert_eq!(
        scoped
            .profile(w.ada)
            .await
            .unwrap()
            .unwrap()
            .fields
            .last_name,
        "Okafor",
        "nothing saved"
    );

    // Someone else's NPI: the plain-words answer, naming nobody.
    people::update_profile(
        &w.t.app,
        &scoped,
        w.cal,
        Editor::Staff,
        &ProfileForm {
            last_name: "Castillo".into(),
            first_name: "Cal".into(),
            profession: "physician".into(),
            npi: "1760485387".into(),
            ..Default::default()
        },
        &Actor::default(),
    )
    .await
    .unwrap();
    let mut fixed: Vec<(&str, &str)> = typed.to_vec();
    for (k, v) in fixed.iter_mut() {
        match *k {
            "npi" => *v = "1760485387",
            "abim_id" => *v = "123456",
            "birth_day" => *v = "29",
            _ => {}
        }
    }
    let taken = ada.post("/account/profile", &fixed).await;
    assert_eq!(taken.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        taken
            .body
            .contains("An account already exists with that NPI — sign in or contact us.")
    );
    assert!(!taken.body.contains("Castillo"));

    for (k, v) in fixed.iter_mut() {
        if *k == "npi" {
            *v = "1234567893";
        }
    }
    let saved = ada.post("/account/profile", &fixed).await;
    assert_eq!(saved.status, StatusCode::SEE_OTHER, "{}", saved.body);
    let page = ada.get(&saved.location()).await;
    assert!(page.body.contains("Your profile is saved."));
    let profile = scoped.profile(w.ada).await.unwrap().unwrap().fields;
    assert_eq!(profile.npi.as_deref(), Some("1234567893"));
    assert_eq!(
        (profile.birth_month, profile.birth_day),
        (Some(2), Some(29))
    );
    assert_eq!(profile.licences[0].number, "MD-4411");
    // Her email is now public; her phone stays private (the form kept her choice).
    let mut visitor = w.t.client("gsco.test");
    let listing = visitor.get("/directory").await.body;
    assert!(listing.contains("ada@gsco.test") && !listing.contains("555 0101"));
    // The birthday is never shown, even to staff.
    let mut staff = w.t.client("gsco.test");
    staff.sign_in("owner@gsco.test", PASSWORD).await;
    let page = staff.get(&format!("/directory/{}", w.ada)).await.body;
    assert!(!page.contains("February") && !page.contains("Birth"));

    // Garbage posted does not crash the page.
    let odd = ada
        .post(
            "/account/profile",
            &[
                ("last_name", "X"),
                ("profession", "wizard"),
                ("licence_99999999999999999999_state", "NH"),
                ("vis_phone", "everyone"),
            ],
        )
        .await;
    assert_eq!(odd.status, StatusCode::UNPROCESSABLE_ENTITY);
}

#[tokio::test]
async fn staff_lock_a_field_and_the_member_sees_it_set_by_the_society() {
    let w = world().await;
    let mut staff = w.t.client("gsco.test");
    staff.sign_in("owner@gsco.test", PASSWORD).await;
    let path = format!("/staff/people/{}/profile", w.ada);
    let form = staff.get(&path).await;
    assert_eq!(form.status, StatusCode::OK);
    assert!(form.body.contains(r#"<label for="f-lock_phone">"#));
    let saved = staff
        .post(
            &path,
            &[
                ("first_name", "Ada"),
                ("last_name", "Okafor"),
                ("profession", "physician"),
                ("vis_npi", "public"),
                ("lock_npi", "on"),
                ("npi", "1234567893"),
                ("vis_phone", "private"),
            ],
        )
        .await;
    assert_eq!(saved.status, StatusCode::SEE_OTHER, "{}", saved.body);

    let mut ada = w.t.client("gsco.test");
    ada.sign_in("ada@gsco.test", PASSWORD).await;
    let page = ada.get("/account/profile").await.body;
    assert!(page.contains("Set by the society."));
    assert!(
        page.contains(r#"id="f-vis_npi-public" name="vis_npi" value="public" checked disabled"#)
    );
    // Forcing the locked field anyway is refused with the field named, not ignored.
    let refused = ada
        .post(
            "/account/profile",
            &[
                ("first_name", "Ada"),
                ("last_name", "Okafor"),
                ("profession", "physician"),
                ("npi", "1234567893"),
                ("vis_npi", "private"),
            ],
        )
        .await;
    assert_eq!(refused.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        refused
            .body
            .contains("The society has set who sees the npi")
    );
    let mut visitor = w.t.client("gsco.test");
    assert!(
        visitor
            .get(&format!("/directory/{}", w.ada))
            .await
            .body
            .contains("1234567893")
    );

    // Staff set society defaults; members who never chose follow them.
    let defaults = staff.get("/staff/directory").await;
    assert_eq!(defaults.status, StatusCode::OK);
    let mut fields: Vec<(&str, &str)> = DirectoryField::ALL
        .iter()
        .map(|f| match f {
            DirectoryField::Phone => ("vis_phone", "public"),
            other => (
                match other {
                    DirectoryField::Credentials => "vis_credentials",
                    DirectoryField::Specialty => "vis_specialty",
                    DirectoryField::Taxonomy => "vis_taxonomy",
                    DirectoryField::Practice => "vis_practice",
                    DirectoryField::PracticeAddress => "vis_practice_address",
                    DirectoryField::Email => "vis_email",
                    DirectoryField::Npi => "vis_npi",
                    DirectoryField::HomeAddress => "vis_home_address",
                    DirectoryField::Licences => "vis_licences",
                    _ => "vis_abim_id",
                },
                other.builtin_default().as_str(),
            ),
        })
        .collect();
    let saved = staff.post("/staff/directory", &fields).await;
    assert_eq!(saved.status, StatusCode::SEE_OTHER);
    let listing = visitor.get("/directory").await.body;
    assert!(listing.contains("555 0102"), "Cal follows the new default");
    assert!(!listing.contains("555 0101"), "Ada chose private");
    fields[0] = ("vis_credentials", "nobody");
    let bad = staff.post("/staff/directory", &fields).await;
    assert_eq!(bad.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(bad.body.contains("Choose who sees credentials by default."));
    // Members cannot reach the staff pages.
    assert_eq!(
        ada.get("/staff/directory").await.status,
        StatusCode::FORBIDDEN
    );
    assert_eq!(ada.get(&path).await.status, StatusCode::FORBIDDEN);
}

#[tokio::test]
async fn a_practice_manager_edits_a_colleague_but_not_a_stranger() {
    let w = world().await;
    let scoped = w.t.app.scoped(&w.society);
    let now = w.t.app.now();
    let mut tx = scoped.begin().await.unwrap();
    let practice = tx
        .insert_practice(
            &chapterhouse_store::PracticeFields {
                name: "Concord Oncology".into(),
                ..Default::default()
            },
            "2026-11-21".parse().unwrap(),
            now,
        )
        .await
        .unwrap();
    tx.link_practice_person(practice, w.ada, true, now)
        .await
        .unwrap();
    tx.link_practice_person(practice, w.cal, false, now)
        .await
        .unwrap();
    tx.commit().await.unwrap();

    let mut ada = w.t.client("gsco.test");
    ada.sign_in("ada@gsco.test", PASSWORD).await;
    let membership = ada.get("/account/membership").await.body;
    let cal_path = format!("/account/practice/people/{}/profile", w.cal);
    assert!(membership.contains(&cal_path) && membership.contains("Colleagues you manage"));
    let form = ada.get(&cal_path).await;
    assert_eq!(form.status, StatusCode::OK);
    assert!(form.body.contains("Profile of Cal Castillo"));
    let saved = ada
        .post(
            &cal_path,
            &[
                ("first_name", "Cal"),
                ("last_name", "Castillo"),
                ("profession", "fellow"),
                ("credentials", "DO"),
            ],
        )
        .await;
    assert_eq!(saved.status, StatusCode::SEE_OTHER, "{}", saved.body);
    assert_eq!(
        scoped
            .profile(w.cal)
            .await
            .unwrap()
            .unwrap()
            .fields
            .credentials,
        "DO"
    );

    // Lou is not linked to Ada's practice: 404, and nothing changes.
    let lou_path = format!("/account/practice/people/{}/profile", w.lou);
    assert_eq!(ada.get(&lou_path).await.status, StatusCode::NOT_FOUND);
    let post = ada
        .post(
            &lou_path,
            &[("last_name", "Changed"), ("profession", "other")],
        )
        .await;
    assert_eq!(post.status, StatusCode::NOT_FOUND);
    assert_eq!(
        scoped
            .profile(w.lou)
            .await
            .unwrap()
            .unwrap()
            .fields
            .last_name,
        "Lapsedson"
    );
    // Cal is not a manager: he cannot edit Ada.
    let mut lou = w.t.client("gsco.test");
    lou.sign_in("lou@gsco.test", PASSWORD).await;
    assert_eq!(
        lou.get(&format!("/account/practice/people/{}/profile", w.ada))
            .await
            .status,
        StatusCode::NOT_FOUND
    );
}

#[tokio::test]
async fn the_membership_page_speaks_plainly_and_switches_renewal_and_level() {
    let w = world().await;
    let scoped = w.t.app.scoped(&w.society);
    let retired = level(&w.t, &scoped, "Retired").await;
    let mut tx = scoped.begin().await.unwrap();
    tx.set_level_changes(w.level, &[retired]).await.unwrap();
    tx.commit().await.unwrap();

    let mut ada = w.t.client("gsco.test");
    ada.sign_in("ada@gsco.test", PASSWORD).await;
    let page = ada.get("/account/membership").await;
    assert_eq!(page.status, StatusCode::OK);
    // Joined 1 March 2026 on an anniversary level: paid through the last day of February 2027.
    assert!(
        page.body.contains("Active through 28 February 2027"),
        "{}",
        page.body
    );
    assert!(
        page.body.contains(r#"href="/account/renew""#)
            && page.body.contains(r#"href="/account/invoices""#)
    );
    assert!(
        page.body
            .contains("Automatic renewal is <strong>off</strong>")
    );
    assert!(page.body.contains("1 March 2026") && page.body.contains("Active physician"));

    let on = ada
        .post("/account/membership/auto-renew", &[("auto_renew", "on")])
        .await;
    assert_eq!(on.status, StatusCode::SEE_OTHER);
    let page = ada.get(&on.location()).await.body;
    assert!(
        page.contains("Automatic renewal is on.") && page.contains("Turn automatic renewal off")
    );

    let retired_id = retired.to_string();
    let bad = ada
        .post("/account/membership/level", &[("level", "nonsense")])
        .await;
    assert_eq!(bad.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        bad.body.contains("That change of level isn"),
        "{}",
        bad.body
    );
    let changed = ada
        .post(
            "/account/membership/level",
            &[("level", retired_id.as_str())],
        )
        .await;
    assert_eq!(changed.status, StatusCode::SEE_OTHER);
    let page = ada.get(&changed.location()).await.body;
    assert!(page.contains("Your level is changed."));
    assert!(page.contains("<dd>Retired</dd>"));

    // Lou's lapsed membership says so, with the way back.
    let mut lou = w.t.client("gsco.test");
    lou.sign_in("lou@gsco.test", PASSWORD).await;
    let page = lou.get("/account/membership").await.body;
    assert!(
        page.contains("Lapsed: your membership ended on 9 January 2025."),
        "{page}"
    );
    // Staff without a membership are told so; anonymous visitors are sent to sign in.
    let mut staff = w.t.client("gsco.test");
    staff.sign_in("owner@gsco.test", PASSWORD).await;
    assert!(
        staff
            .get("/account/membership")
            .await
            .body
            .contains("have a membership with GSCO")
    );
    let mut visitor = w.t.client("gsco.test");
    assert_eq!(
        visitor.get("/account/membership").await.status,
        StatusCode::SEE_OTHER
    );
}
