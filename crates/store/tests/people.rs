//! Store tests for profiles, visibility and the directory. SQLite by default, PostgreSQL when
//! `CHAPTERHOUSE_TEST_DATABASE_URL` is set.

use chapterhouse_core::membership::{Status, Term};
use chapterhouse_core::people::{DirectoryField as F, Visibility};
use chapterhouse_core::{LevelId, PersonId, Timestamp};
use chapterhouse_store::*;
use chapterhouse_testkit::test_db;
use jiff::civil::date;

const T0: Timestamp = Timestamp(1_795_000_000_000_000);

async fn society(store: &Store, slug: &str) -> Society {
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
            email: format!("office@{slug}.example"),
            sender_address: String::new(),
            primary_color: "#1d4e89".into(),
            is_demo: false,
        },
        T0,
    )
    .await
    .unwrap();
    tx.commit().await.unwrap();
    store.society_by_id(id).await.unwrap().unwrap()
}

async fn level(scoped: &Scoped, name: &str) -> LevelId {
    let mut tx = scoped.begin().await.unwrap();
    let id = tx
        .insert_level(
            &LevelFields {
                name: name.into(),
                description: String::new(),
                for_practices: false,
                fee_cents: 35_000,
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
    tx.commit().await.unwrap();
    id
}

/// A person with a membership in `status` and the given profile.
async fn person(
    scoped: &Scoped,
    level: LevelId,
    email: &str,
    status: Status,
    fields: &ProfileFields,
) -> PersonId {
    let mut tx = scoped.begin().await.unwrap();
    let id = tx
        .insert_person(email, &fields.display_name, T0)
        .await
        .unwrap();
    let m = tx
        .insert_membership(id, level, date(2026, 1, 1), status, None, T0)
        .await
        .unwrap();
    tx.insert_term(
        m,
        level,
        &Term {
            start: date(2026, 1, 1),
            end: Some(date(2026, 12, 31)),
        },
        T0,
    )
    .await
    .unwrap();
    tx.update_profile(id, fields, T0).await.unwrap();
    tx.commit().await.unwrap();
    id
}

fn address(city: &str, state: &str) -> Address {
    Address {
        line1: "1 Clinic Way".into(),
        line2: String::new(),
        city: city.into(),
        state: state.into(),
        postal_code: "55101".into(),
    }
}

fn profile(first: &str, last: &str, npi: &str) -> ProfileFields {
    ProfileFields {
        display_name: format!("{first} {last}"),
        first_name: first.into(),
        last_name: last.into(),
        credentials: "MD".into(),
        profession: "physician".into(),
        npi: Some(npi.into()),
        specialty: "Medical oncology".into(),
        phone: "(651) 555-0100".into(),
        abim_id: "123456".into(),
        nabp_eprofile_id: String::new(),
        birth_month: Some(2),
        birth_day: Some(29),
        primary_taxonomy: Some("207RX0202X".into()),
        other_taxonomies: vec!["207RH0003X".into()],
        licences: vec![Licence {
            state: "MN".into(),
            number: "A12345".into(),
            expires_on: Some("2027-06-30".into()),
        }],
        practice_address: address("Saint Paul", "MN"),
        home_address: address("Stillwater", "MN"),
    }
}

#[tokio::test]
async fn profiles_round_trip_and_replace_their_lists() {
    let t = test_db().await;
    let store = Store::new(t.db.clone());
    let s = society(&store, "alpha").await;
    let scoped = store.scoped(&s);
    let l = level(&scoped, "Active").await;
    let fields = profile("Ada", "Okafor", "1234567893");
    let id = person(&scoped, l, "ada@example.org", Status::Active, &fields).await;

    let read = scoped.profile(id).await.unwrap().unwrap();
    assert_eq!(read.fields, fields);
    assert_eq!(read.email, "ada@example.org");

    let mut changed = fields.clone();
    changed.licences.clear();
    changed.home_address = Address::default();
    changed.other_taxonomies.clear();
    changed.primary_taxonomy = Some("2085R0001X".into());
    changed.npi = None;
    let mut tx = scoped.begin().await.unwrap();
    tx.update_profile(id, &changed, T0).await.unwrap();
    tx.commit().await.unwrap();
    let read = scoped.profile(id).await.unwrap().unwrap();
    assert_eq!(read.fields, changed);
    assert!(scoped.licences(id).await.unwrap().is_empty());
    assert_eq!(scoped.taxonomy_codes(id).await.unwrap(), vec!["2085R0001X"]);

    // Another society cannot read or write the person.
    let b = store.scoped(&society(&store, "beta").await);
    assert!(b.profile(id).await.unwrap().is_none());
    let mut tx = b.begin().await.unwrap();
    assert!(matches!(
        tx.update_profile(id, &fields, T0).await,
        Err(StoreError::NotFound)
    ));
}

#[tokio::test]
async fn an_npi_is_held_by_one_person_per_society() {
    let t = test_db().await;
    let store = Store::new(t.db.clone());
    let s = society(&store, "alpha").await;
    let scoped = store.scoped(&s);
    let l = level(&scoped, "Active").await;
    person(
        &scoped,
        l,
        "a@example.org",
        Status::Active,
        &profile("Ada", "One", "1234567893"),
    )
    .await;
    let mut tx = scoped.begin().await.unwrap();
    let other = tx.insert_person("b@example.org", "B", T0).await.unwrap();
    let err = tx
        .update_profile(other, &profile("Bea", "Two", "1234567893"), T0)
        .await
        .unwrap_err();
    assert!(
        matches!(err, StoreError::Conflict(ref w) if w == "npi"),
        "{err:?}"
    );
    drop(tx);
    assert_eq!(
        scoped
            .person_by_npi("1234567893")
            .await
            .unwrap()
            .map(|p| p.1),
        Some("Ada One".to_string())
    );
    // The same NPI in another society is that society's business.
    let b = store.scoped(&society(&store, "beta").await);
    let lb = level(&b, "Active").await;
    person(
        &b,
        lb,
        "a@example.org",
        Status::Active,
        &profile("Ada", "One", "1234567893"),
    )
    .await;
}

#[tokio::test]
async fn the_directory_lists_current_members_and_shows_each_viewer_only_what_they_may_see() {
    let t = test_db().await;
    let store = Store::new(t.db.clone());
    let s = society(&store, "alpha").await;
    let scoped = store.scoped(&s);
    let l = level(&scoped, "Active").await;
    let active = person(
        &scoped,
        l,
        "ada@example.org",
        Status::Active,
        &profile("Ada", "Okafor", "1234567893"),
    )
    .await;
    let grace = person(
        &scoped,
        l,
        "gus@example.org",
        Status::Grace,
        &profile("Gus", "Grace", "1760485387"),
    )
    .await;
    let lapsed = person(
        &scoped,
        l,
        "lou@example.org",
        Status::Lapsed,
        &profile("Lou", "Lapsed", "1770626038"),
    )
    .await;
    let mut pending_fields = profile("Pat", "Pending", "1234567893");
    pending_fields.npi = None;
    let pending = person(
        &scoped,
        l,
        "pat@example.org",
        Status::Pending,
        &pending_fields,
    )
    .await;

    let all = |widest| {
        let scoped = scoped.clone();
        async move {
            scoped
                .directory(&DirectorySearch::default(), widest)
                .await
                .unwrap()
        }
    };
    let public = all(Visibility::Public).await;
    let ids: Vec<_> = public.iter().map(|e| e.id).collect();
    assert_eq!(
        ids,
        vec![grace, active],
        "by last name; lapsed and pending not listed"
    );
    assert!(!ids.contains(&lapsed) && !ids.contains(&pending));

    // The public sees the built-in public fields only.
    let ada = public.iter().find(|e| e.id == active).unwrap();
    assert_eq!(ada.credentials.as_deref(), Some("MD"));
    assert_eq!(ada.practice_city.as_deref(), Some("Saint Paul"));
    assert_eq!(ada.phone, None, "members-only by default");
    assert_eq!(ada.email, None);
    assert_eq!(
        (ada.home_city.clone(), ada.npi.clone(), ada.abim_id.clone()),
        (None, None, None)
    );
    assert!(!ada.taxonomy_visible && !ada.licences_visible);
    assert_eq!(ada.primary_taxonomy, None);

    // Members see contact details but not private fields.
    let members = all(Visibility::Members).await;
    let ada = members.iter().find(|e| e.id == active).unwrap();
    assert_eq!(ada.phone.as_deref(), Some("(651) 555-0100"));
    assert_eq!(ada.email.as_deref(), Some("ada@example.org"));
    assert_eq!(ada.home_city, None);
    assert_eq!(ada.npi, None);

    // Staff see everything.
    let staff = all(Visibility::Private).await;
    let ada = staff.iter().find(|e| e.id == active).unwrap();
    assert_eq!(ada.home_city.as_deref(), Some("Stillwater"));
    assert_eq!(ada.primary_taxonomy.as_deref(), Some("207RX0202X"));
    assert!(ada.licences_visible);

    // A person's choice beats the society default, which beats the built-in one.
    let mut tx = scoped.begin().await.unwrap();
    tx.put_field_visibility(active, F::PracticeAddress, Visibility::Private, false)
        .await
        .unwrap();
    tx.put_directory_default(F::Phone, Visibility::Public)
        .await
        .unwrap();
    tx.put_directory_default(F::Taxonomy, Visibility::Public)
        .await
        .unwrap();
    tx.put_field_visibility(grace, F::Phone, Visibility::Private, true)
        .await
        .unwrap();
    tx.commit().await.unwrap();
    let public = all(Visibility::Public).await;
    let ada = public.iter().find(|e| e.id == active).unwrap();
    assert_eq!(
        ada.practice_city, None,
        "Ada made her practice address private"
    );
    assert_eq!(
        ada.phone.as_deref(),
        Some("(651) 555-0100"),
        "the society made phones public"
    );
    assert_eq!(ada.primary_taxonomy.as_deref(), Some("207RX0202X"));
    let gus = public.iter().find(|e| e.id == grace).unwrap();
    assert_eq!(
        gus.phone, None,
        "Gus's own choice wins over the society's default"
    );
    assert_eq!(
        scoped.field_choices(grace).await.unwrap(),
        vec![FieldChoice {
            field: F::Phone,
            visibility: Visibility::Private,
            locked: true
        }]
    );

    // Searches match only what the viewer can see: Ada's hidden city does not find her.
    let search = |s: DirectorySearch, widest| {
        let scoped = scoped.clone();
        async move {
            scoped
                .directory(&s, widest)
                .await
                .unwrap()
                .into_iter()
                .map(|e| e.id)
                .collect::<Vec<_>>()
        }
    };
    let by_city = |city: &str| DirectorySearch {
        city: Some(city.into()),
        ..Default::default()
    };
    assert_eq!(
        search(by_city("saint"), Visibility::Public).await,
        vec![grace]
    );
    assert_eq!(
        search(by_city("saint"), Visibility::Private).await,
        vec![grace, active]
    );
    let by_name = DirectorySearch {
        name: Some("OKAF".into()),
        ..Default::default()
    };
    assert_eq!(search(by_name, Visibility::Public).await, vec![active]);
    let by_state = DirectorySearch {
        state: Some("mn".into()),
        ..Default::default()
    };
    assert_eq!(search(by_state, Visibility::Public).await, vec![grace]);
    let by_specialty = DirectorySearch {
        specialty: Some("oncology".into()),
        ..Default::default()
    };
    assert_eq!(search(by_specialty, Visibility::Public).await.len(), 2);
    let by_code = DirectorySearch {
        taxonomy: Some("207rh0003x".into()),
        ..Default::default()
    };
    assert_eq!(
        search(by_code, Visibility::Public).await.len(),
        2,
        "any of their codes"
    );

    // One entry: listed members only.
    assert!(
        scoped
            .directory_entry(active, Visibility::Public)
            .await
            .unwrap()
            .is_some()
    );
    assert!(
        scoped
            .directory_entry(lapsed, Visibility::Private)
            .await
            .unwrap()
            .is_none()
    );

    // Another society's directory never lists these people.
    let b = store.scoped(&society(&store, "beta").await);
    assert!(
        b.directory(&DirectorySearch::default(), Visibility::Private)
            .await
            .unwrap()
            .is_empty()
    );
    assert!(
        b.directory_entry(active, Visibility::Private)
            .await
            .unwrap()
            .is_none()
    );
}

#[tokio::test]
async fn practice_managers_manage_only_their_own_practices_colleagues() {
    let t = test_db().await;
    let store = Store::new(t.db.clone());
    let s = society(&store, "alpha").await;
    let scoped = store.scoped(&s);
    let mut tx = scoped.begin().await.unwrap();
    let manager = tx
        .insert_person("m@example.org", "Mona Manager", T0)
        .await
        .unwrap();
    let colleague = tx
        .insert_person("c@example.org", "Cal Colleague", T0)
        .await
        .unwrap();
    let stranger = tx
        .insert_person("s@example.org", "Sam Stranger", T0)
        .await
        .unwrap();
    let ours = tx
        .insert_practice(
            &chapterhouse_store::PracticeFields {
                name: "North Clinic".into(),
                ..Default::default()
            },
            "2026-11-21".parse().unwrap(),
            T0,
        )
        .await
        .unwrap();
    let theirs = tx
        .insert_practice(
            &chapterhouse_store::PracticeFields {
                name: "South Clinic".into(),
                ..Default::default()
            },
            "2026-11-21".parse().unwrap(),
            T0,
        )
        .await
        .unwrap();
    tx.link_practice_person(ours, manager, true, T0)
        .await
        .unwrap();
    tx.link_practice_person(ours, colleague, false, T0)
        .await
        .unwrap();
    tx.link_practice_person(theirs, stranger, false, T0)
        .await
        .unwrap();
    tx.link_practice_person(theirs, colleague, false, T0)
        .await
        .unwrap();
    tx.commit().await.unwrap();

    assert!(scoped.manages_colleague(manager, colleague).await.unwrap());
    assert!(!scoped.manages_colleague(manager, stranger).await.unwrap());
    assert!(
        !scoped.manages_colleague(colleague, manager).await.unwrap(),
        "not a manager"
    );
    let listed = scoped.managed_colleagues(manager).await.unwrap();
    assert_eq!(
        listed
            .iter()
            .map(|c| c.display_name.as_str())
            .collect::<Vec<_>>(),
        vec!["Cal Colleague"]
    );
}
