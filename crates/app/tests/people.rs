//! People use-cases: profiles, NPI duplicates, visibility locks, delegates, automatic renewal and
//! level changes. SQLite by default, PostgreSQL when `CHAPTERHOUSE_TEST_DATABASE_URL` is set.

mod common;

use common::{Fixture, fixture, society};

use chapterhouse_app::membership::{self, LevelForm, MemberForm};
use chapterhouse_app::people::{self, Editor, NPI_TAKEN, ProfileForm};
use chapterhouse_app::{Actor, AppError};
use chapterhouse_core::membership::Status;
use chapterhouse_core::people::{DirectoryField as F, Visibility as V};
use chapterhouse_core::{LevelId, PersonId};
use chapterhouse_store::{DirectorySearch, Scoped};

async fn level(f: &Fixture, scoped: &Scoped, name: &str, grace: &str) -> LevelId {
    membership::create_level(
        &f.app,
        scoped,
        &LevelForm {
            name: name.into(),
            fee: "350".into(),
            period: "1-year".into(),
            grace_days: grace.into(),
            ..Default::default()
        },
        &Actor::default(),
    )
    .await
    .unwrap()
}

/// A member who joined on `joined` with the first term paid.
async fn member(
    f: &Fixture,
    scoped: &Scoped,
    level: LevelId,
    email: &str,
    joined: &str,
) -> PersonId {
    membership::add_member(
        &f.app,
        scoped,
        &MemberForm {
            display_name: format!("Dr {email}"),
            email: email.into(),
            level: level.to_string(),
            joined_on: joined.into(),
            paid: Some("on".into()),
        },
        &Actor::default(),
    )
    .await
    .unwrap();
    scoped.person_by_email(email).await.unwrap().unwrap()
}

fn form(first: &str, last: &str, npi: &str) -> ProfileForm {
    ProfileForm {
        first_name: first.into(),
        last_name: last.into(),
        credentials: "MD".into(),
        profession: "physician".into(),
        npi: npi.into(),
        specialty: "Medical oncology".into(),
        phone: "(603) 555-0142".into(),
        ..Default::default()
    }
}

async fn audit_actions(scoped: &Scoped) -> Vec<String> {
    scoped
        .audit_entries(100)
        .await
        .unwrap()
        .into_iter()
        .map(|e| format!("{} {}", e.action, e.detail))
        .collect()
}

#[tokio::test]
async fn a_duplicate_npi_never_says_whose_it_is_to_members() {
    let f = fixture().await;
    let s = society(&f, "gsco").await;
    let scoped = f.app.scoped(&s);
    let l = level(&f, &scoped, "Active physician", "30").await;
    let ada = member(&f, &scoped, l, "ada@example.org", "2026-03-01").await;
    let bea = member(&f, &scoped, l, "bea@example.org", "2026-03-01").await;
    people::update_profile(
        &f.app,
        &scoped,
        ada,
        Editor::Own,
        &form("Ada", "Okafor", "1234567893"),
        &Actor::default(),
    )
    .await
    .unwrap();
    let saved = scoped.profile(ada).await.unwrap().unwrap();
    assert_eq!(saved.fields.display_name, "Ada Okafor");
    assert_eq!(saved.fields.npi.as_deref(), Some("1234567893"));
    assert!(
        audit_actions(&scoped)
            .await
            .iter()
            .any(|a| a == "profile.updated self")
    );

    // Bea types Ada's NPI (with separators): the plain-words answer, and nothing saved.
    let err = people::update_profile(
        &f.app,
        &scoped,
        bea,
        Editor::Own,
        &form("Bea", "Jones", "123 456 7893"),
        &Actor::default(),
    )
    .await
    .unwrap_err();
    let AppError::Invalid(errors) = err else {
        panic!("{err:?}")
    };
    assert_eq!(errors.get("npi"), Some(NPI_TAKEN));
    assert!(
        !errors
            .0
            .iter()
            .any(|(_, m)| m.contains("Okafor") || m.contains("ada@"))
    );
    let bea_now = scoped.profile(bea).await.unwrap().unwrap();
    assert_eq!(bea_now.fields.npi, None);
    assert_eq!(
        bea_now.fields.last_name, "",
        "nothing of the form was saved"
    );

    // Staff are told who holds it, so they can merge duplicates.
    let err = people::update_profile(
        &f.app,
        &scoped,
        bea,
        Editor::Staff,
        &form("Bea", "Jones", "1234567893"),
        &Actor::default(),
    )
    .await
    .unwrap_err();
    let AppError::Invalid(errors) = err else {
        panic!("{err:?}")
    };
    assert!(
        errors
            .get("npi")
            .unwrap()
            .starts_with("Ada Okafor already has this NPI")
    );

    // Saving one's own NPI again is not a duplicate.
    people::update_profile(
        &f.app,
        &scoped,
        ada,
        Editor::Own,
        &form("Ada", "Okafor", "1234567893"),
        &Actor::default(),
    )
    .await
    .unwrap();
    // A bad check digit is named as such.
    let err = people::update_profile(
        &f.app,
        &scoped,
        bea,
        Editor::Own,
        &form("Bea", "Jones", "1234567891"),
        &Actor::default(),
    )
    .await
    .unwrap_err();
    let AppError::Invalid(errors) = err else {
        panic!("{err:?}")
    };
    assert!(errors.get("npi").unwrap().contains("check digit"));
}

#[tokio::test]
async fn locked_fields_are_refused_for_members_and_delegates_but_not_staff() {
    let f = fixture().await;
    let s = society(&f, "gsco").await;
    let scoped = f.app.scoped(&s);
    let l = level(&f, &scoped, "Active physician", "30").await;
    let ada = member(&f, &scoped, l, "ada@example.org", "2026-03-01").await;
    let mona = member(&f, &scoped, l, "mona@example.org", "2026-03-01").await;
    let mut tx = scoped.begin().await.unwrap();
    let practice = tx
        .insert_practice(
            &chapterhouse_store::PracticeFields {
                name: "North Clinic".into(),
                ..Default::default()
            },
            "2026-11-21".parse().unwrap(),
            f.app.now(),
        )
        .await
        .unwrap();
    tx.link_practice_person(practice, mona, true, f.app.now())
        .await
        .unwrap();
    tx.link_practice_person(practice, ada, false, f.app.now())
        .await
        .unwrap();
    tx.commit().await.unwrap();

    people::lock_visibility(
        &f.app,
        &scoped,
        ada,
        F::Phone,
        V::Private,
        true,
        &Actor::default(),
    )
    .await
    .unwrap();

    for editor in [Editor::Own, Editor::Delegate { manager: mona }] {
        let err = people::set_visibility(
            &f.app,
            &scoped,
            ada,
            editor,
            &[(F::Phone, V::Public)],
            &Actor::default(),
        )
        .await
        .unwrap_err();
        let AppError::Invalid(errors) = err else {
            panic!("{err:?}")
        };
        assert!(
            errors
                .get("vis_phone")
                .unwrap()
                .contains("The society has set"),
            "{editor:?}"
        );
        // The same through the profile form: refused, and nothing else in it saved either.
        let mut posted = form("Ada", "Okafor", "");
        posted.extra.insert("vis_phone".into(), "public".into());
        posted.extra.insert("vis_email".into(), "public".into());
        let err = people::update_profile(&f.app, &scoped, ada, editor, &posted, &Actor::default())
            .await
            .unwrap_err();
        assert!(
            matches!(err, AppError::Invalid(ref e) if e.get("vis_phone").is_some()),
            "{err:?}"
        );
        assert_eq!(
            scoped.profile(ada).await.unwrap().unwrap().fields.last_name,
            ""
        );
    }
    // Unlocked fields change; the locked one stays as staff set it.
    people::set_visibility(
        &f.app,
        &scoped,
        ada,
        Editor::Own,
        &[(F::Email, V::Public), (F::Phone, V::Private)],
        &Actor::default(),
    )
    .await
    .unwrap();
    let members = scoped
        .directory(&DirectorySearch::default(), V::Public)
        .await
        .unwrap();
    let listed = members.iter().find(|e| e.id == ada).unwrap();
    assert_eq!(listed.email.as_deref(), Some("ada@example.org"));
    assert_eq!(listed.phone, None);

    // Staff change and unlock it.
    people::set_visibility(
        &f.app,
        &scoped,
        ada,
        Editor::Staff,
        &[(F::Phone, V::Members)],
        &Actor::default(),
    )
    .await
    .unwrap();
    let choice = scoped
        .field_choices(ada)
        .await
        .unwrap()
        .into_iter()
        .find(|c| c.field == F::Phone)
        .unwrap();
    assert_eq!(
        (choice.visibility, choice.locked),
        (V::Members, true),
        "staff's change keeps the lock"
    );
    people::lock_visibility(
        &f.app,
        &scoped,
        ada,
        F::Phone,
        V::Members,
        false,
        &Actor::default(),
    )
    .await
    .unwrap();
    people::set_visibility(
        &f.app,
        &scoped,
        ada,
        Editor::Own,
        &[(F::Phone, V::Public)],
        &Actor::default(),
    )
    .await
    .unwrap();
    let actions = audit_actions(&scoped).await;
    assert!(
        actions
            .iter()
            .any(|a| a == "directory.locked phone: private"),
        "{actions:?}"
    );
    assert!(
        actions
            .iter()
            .any(|a| a == "directory.unlocked phone: members"),
        "{actions:?}"
    );
}

#[tokio::test]
async fn a_delegate_edits_only_colleagues_of_practices_they_manage() {
    let f = fixture().await;
    let s = society(&f, "gsco").await;
    let scoped = f.app.scoped(&s);
    let l = level(&f, &scoped, "Active physician", "30").await;
    let mona = member(&f, &scoped, l, "mona@example.org", "2026-03-01").await;
    let cal = member(&f, &scoped, l, "cal@example.org", "2026-03-01").await;
    let sam = member(&f, &scoped, l, "sam@example.org", "2026-03-01").await;
    let now = f.app.now();
    let mut tx = scoped.begin().await.unwrap();
    let north = tx
        .insert_practice(
            &chapterhouse_store::PracticeFields {
                name: "North Clinic".into(),
                ..Default::default()
            },
            "2026-11-21".parse().unwrap(),
            now,
        )
        .await
        .unwrap();
    let south = tx
        .insert_practice(
            &chapterhouse_store::PracticeFields {
                name: "South Clinic".into(),
                ..Default::default()
            },
            "2026-11-21".parse().unwrap(),
            now,
        )
        .await
        .unwrap();
    tx.link_practice_person(north, mona, true, now)
        .await
        .unwrap();
    tx.link_practice_person(north, cal, false, now)
        .await
        .unwrap();
    tx.link_practice_person(south, sam, false, now)
        .await
        .unwrap();
    tx.link_practice_person(south, mona, false, now)
        .await
        .unwrap();
    tx.commit().await.unwrap();
    let delegate = Editor::Delegate { manager: mona };

    people::update_profile(
        &f.app,
        &scoped,
        cal,
        delegate,
        &form("Cal", "Colleague", ""),
        &Actor::default(),
    )
    .await
    .unwrap();
    assert_eq!(
        scoped.profile(cal).await.unwrap().unwrap().fields.last_name,
        "Colleague"
    );
    assert!(people::may_edit(&scoped, cal, delegate).await.unwrap());

    // Sam works at a practice Mona belongs to but does not manage.
    let err = people::update_profile(
        &f.app,
        &scoped,
        sam,
        delegate,
        &form("Sam", "X", ""),
        &Actor::default(),
    )
    .await
    .unwrap_err();
    assert!(matches!(err, AppError::NotFound), "{err:?}");
    assert!(!people::may_edit(&scoped, sam, delegate).await.unwrap());
    assert_eq!(
        scoped.profile(sam).await.unwrap().unwrap().fields.last_name,
        ""
    );
    // Nor does the delegate route act on the manager herself.
    assert!(!people::may_edit(&scoped, mona, delegate).await.unwrap());

    // A delegate hitting a taken NPI gets the same words as a member.
    people::update_profile(
        &f.app,
        &scoped,
        sam,
        Editor::Staff,
        &form("Sam", "Stone", "1760485387"),
        &Actor::default(),
    )
    .await
    .unwrap();
    let err = people::update_profile(
        &f.app,
        &scoped,
        cal,
        delegate,
        &form("Cal", "Colleague", "1760485387"),
        &Actor::default(),
    )
    .await
    .unwrap_err();
    assert!(
        matches!(err, AppError::Invalid(ref e) if e.get("npi") == Some(NPI_TAKEN)),
        "{err:?}"
    );

    // Another society's manager cannot reach these people at all.
    let other = f.app.scoped(&society(&f, "bsos").await);
    assert!(!people::may_edit(&other, cal, Editor::Staff).await.unwrap());
    let err = people::update_profile(
        &f.app,
        &other,
        cal,
        Editor::Staff,
        &form("B", "B", ""),
        &Actor::default(),
    )
    .await
    .unwrap_err();
    assert!(matches!(err, AppError::NotFound));
}

#[tokio::test]
async fn automatic_renewal_is_switched_only_where_the_level_allows_it() {
    let f = fixture().await;
    let s = society(&f, "gsco").await;
    let scoped = f.app.scoped(&s);
    let active = level(&f, &scoped, "Active physician", "30").await;
    let honorary = level(&f, &scoped, "Honorary", "30").await;
    let mut rules = scoped.level_rules(honorary).await.unwrap().unwrap();
    rules.auto_renew_allowed = false;
    let mut tx = scoped.begin().await.unwrap();
    tx.set_level_rules(honorary, &rules).await.unwrap();
    tx.commit().await.unwrap();
    let ada = member(&f, &scoped, active, "ada@example.org", "2026-03-01").await;
    let hal = member(&f, &scoped, honorary, "hal@example.org", "2026-03-01").await;

    assert!(
        people::set_auto_renew(&f.app, &scoped, ada, true, &Actor::default())
            .await
            .unwrap()
    );
    assert!(
        scoped
            .portal_membership(ada)
            .await
            .unwrap()
            .unwrap()
            .auto_renew_on
    );
    assert!(
        !people::set_auto_renew(&f.app, &scoped, ada, true, &Actor::default())
            .await
            .unwrap(),
        "switching on twice changes nothing"
    );
    assert!(
        people::set_auto_renew(&f.app, &scoped, ada, false, &Actor::default())
            .await
            .unwrap()
    );
    assert!(
        !scoped
            .portal_membership(ada)
            .await
            .unwrap()
            .unwrap()
            .auto_renew_on
    );

    let err = people::set_auto_renew(&f.app, &scoped, hal, true, &Actor::default())
        .await
        .unwrap_err();
    assert!(
        matches!(err, AppError::Invalid(ref e) if e.get("auto_renew").unwrap().contains("isn't offered for the Honorary level")),
        "{err:?}"
    );
    assert!(
        !scoped
            .portal_membership(hal)
            .await
            .unwrap()
            .unwrap()
            .auto_renew_on
    );
    let actions = audit_actions(&scoped).await;
    assert_eq!(
        actions
            .iter()
            .filter(|a| a.starts_with("membership.auto_renew"))
            .count(),
        2
    );

    // Someone without a membership has nothing to switch.
    let err = people::set_auto_renew(&f.app, &scoped, PersonId::new(), true, &Actor::default())
        .await
        .unwrap_err();
    assert!(matches!(err, AppError::NotFound));
}

#[tokio::test]
async fn members_change_level_only_where_the_society_allows_it() {
    let f = fixture().await;
    let s = society(&f, "gsco").await;
    let scoped = f.app.scoped(&s);
    let active = level(&f, &scoped, "Active physician", "30").await;
    let retired = level(&f, &scoped, "Retired", "60").await;
    let fellow = level(&f, &scoped, "Fellow", "30").await;
    let mut tx = scoped.begin().await.unwrap();
    tx.set_level_changes(active, &[retired]).await.unwrap();
    tx.commit().await.unwrap();
    // Joined 2025-10-01: the term ended 2026-09-30, 52 days before today (2026-11-21): lapsed
    // under 30 days' grace, in grace under the retired level's 60.
    let ada = member(&f, &scoped, active, "ada@example.org", "2025-10-01").await;
    membership::refresh_statuses(&f.app, &scoped).await.unwrap();
    assert_eq!(
        scoped.portal_membership(ada).await.unwrap().unwrap().status,
        "lapsed"
    );

    let choices = scoped.level_changes_from(active).await.unwrap();
    assert_eq!(
        choices.iter().map(|c| c.name.as_str()).collect::<Vec<_>>(),
        vec!["Retired"]
    );

    let err = people::change_level(&f.app, &scoped, ada, &fellow.to_string(), &Actor::default())
        .await
        .unwrap_err();
    assert!(
        matches!(err, AppError::Invalid(ref e) if e.get("level").is_some()),
        "{err:?}"
    );
    let err = people::change_level(&f.app, &scoped, ada, "not-a-level", &Actor::default())
        .await
        .unwrap_err();
    assert!(matches!(err, AppError::Invalid(_)));
    assert_eq!(
        scoped
            .portal_membership(ada)
            .await
            .unwrap()
            .unwrap()
            .level_name,
        "Active physician"
    );

    let name = people::change_level(
        &f.app,
        &scoped,
        ada,
        &retired.to_string(),
        &Actor::default(),
    )
    .await
    .unwrap();
    assert_eq!(name, "Retired");
    let now = scoped.portal_membership(ada).await.unwrap().unwrap();
    assert_eq!(
        (now.level_name.as_str(), now.status.as_str()),
        ("Retired", Status::Grace.as_str())
    );
    // Past terms keep the level they were paid at.
    let history = scoped.term_history(now.id).await.unwrap();
    assert_eq!(history[0].level_name, "Active physician");
    assert!(
        audit_actions(&scoped)
            .await
            .iter()
            .any(|a| a == "membership.level_changed Active physician → Retired")
    );
    // From Retired there is no way back listed.
    assert!(scoped.level_changes_from(retired).await.unwrap().is_empty());
}

#[tokio::test]
async fn society_defaults_apply_to_everyone_who_never_chose() {
    let f = fixture().await;
    let s = society(&f, "gsco").await;
    let scoped = f.app.scoped(&s);
    let l = level(&f, &scoped, "Active physician", "30").await;
    let ada = member(&f, &scoped, l, "ada@example.org", "2026-03-01").await;
    let bea = member(&f, &scoped, l, "bea@example.org", "2026-03-01").await;
    // Ada saves her profile with every choice as shown (the defaults): no row pins them.
    let profile = scoped.profile(ada).await.unwrap().unwrap();
    let mut posted = ProfileForm::from_profile(&profile, &[], &[]);
    posted.last_name = "Okafor".into();
    posted.profession = "physician".into();
    posted.phone = "(603) 555-0142".into();
    people::update_profile(
        &f.app,
        &scoped,
        ada,
        Editor::Own,
        &posted,
        &Actor::default(),
    )
    .await
    .unwrap();
    assert!(scoped.field_choices(ada).await.unwrap().is_empty());
    // Bea makes her phone private.
    people::set_visibility(
        &f.app,
        &scoped,
        bea,
        Editor::Own,
        &[(F::Phone, V::Private)],
        &Actor::default(),
    )
    .await
    .unwrap();

    let mut defaults = people::DefaultsForm::from_defaults(&[]);
    assert_eq!(defaults.get(F::Phone), "members");
    defaults.choices.insert("vis_phone".into(), "public".into());
    people::set_directory_defaults(&f.app, &scoped, &defaults, &Actor::default())
        .await
        .unwrap();
    let public = scoped
        .directory(&DirectorySearch::default(), V::Public)
        .await
        .unwrap();
    let ada_entry = public.iter().find(|e| e.id == ada).unwrap();
    assert_eq!(
        ada_entry.phone.as_deref(),
        Some("(603) 555-0142"),
        "Ada follows the new default"
    );
    let bea_entry = public.iter().find(|e| e.id == bea).unwrap();
    assert_eq!(bea_entry.phone, None, "Bea's own choice stays");

    defaults.choices.insert("vis_npi".into(), "everyone".into());
    let err = people::set_directory_defaults(&f.app, &scoped, &defaults, &Actor::default())
        .await
        .unwrap_err();
    assert!(matches!(err, AppError::Invalid(ref e) if e.get("vis_npi").is_some()));
}

#[tokio::test]
async fn demo_members_have_identifiers_and_a_directory() {
    let f = fixture().await;
    let logins = chapterhouse_app::demo::seed(&f.app).await.unwrap();
    let first = f
        .app
        .store
        .society_by_slug(chapterhouse_app::demo::SOCIETIES[0].slug)
        .await
        .unwrap()
        .unwrap();
    let scoped = f.app.scoped(&first);
    let member_login = logins
        .iter()
        .find(|l| l.role == "member" && l.society == first.short_name)
        .expect("a member login for the portal");
    let signed = chapterhouse_app::accounts::sign_in_with_password(
        &f.app,
        &scoped,
        &member_login.email,
        chapterhouse_app::demo::DEMO_PASSWORD,
        &Actor::default(),
    )
    .await
    .unwrap();
    let jordan = PersonId(signed.account.person_id);
    let m = scoped.portal_membership(jordan).await.unwrap().unwrap();
    assert_eq!(m.status, "active");
    assert!(
        !scoped
            .level_changes_from(m.level_id)
            .await
            .unwrap()
            .is_empty()
    );

    let public = scoped
        .directory(
            &DirectorySearch {
                limit: 1000,
                ..Default::default()
            },
            V::Public,
        )
        .await
        .unwrap();
    assert!(public.len() > 100, "most demo members are current");
    assert!(
        public
            .iter()
            .all(|e| e.home_city.is_none() && e.npi.is_none())
    );
    assert!(
        public.iter().any(|e| e.phone.is_some()),
        "some chose a public phone"
    );
    assert!(public.iter().filter(|e| e.phone.is_none()).count() > public.len() / 2);
    let nh = public
        .iter()
        .filter(|e| e.practice_state.as_deref() == Some("NH"))
        .count();
    assert!(
        nh > public.len() / 2 && nh < public.len(),
        "mostly in-state, some neighbours"
    );
    let staff = scoped
        .directory(
            &DirectorySearch {
                limit: 1000,
                ..Default::default()
            },
            V::Private,
        )
        .await
        .unwrap();
    for e in &staff {
        let npi = e.npi.as_deref().expect("every demo clinician has an NPI");
        assert!(chapterhouse_core::npi::is_valid(npi), "{npi}");
    }
    assert!(
        staff
            .iter()
            .any(|e| e.primary_taxonomy.as_deref() == Some("207RX0202X"))
    );
    assert!(
        staff
            .iter()
            .any(|e| e.primary_taxonomy.as_deref() == Some("1835X0200X"))
    );
    assert!(
        !staff
            .iter()
            .any(|e| e.primary_taxonomy.as_deref() == Some("363LX0106X")),
        "no nurse practitioner gets the occupational-health code"
    );
    // Seeding again changes nothing and still prints the member login.
    let again = chapterhouse_app::demo::seed(&f.app).await.unwrap();
    assert!(again.iter().any(|l| l.role == "member"));
}
