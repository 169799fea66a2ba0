//! The import's batched writes and its snapshot, on SQLite and (with
//! `CHAPTERHOUSE_TEST_DATABASE_URL`) PostgreSQL.

use chapterhouse_core::custom_fields::FieldKind;
use chapterhouse_core::import::{MembershipWrite, NewTerm, PersonRec, Plan};
use chapterhouse_core::membership::{Status, Term};
use chapterhouse_core::{CommitteeId, MembershipId, PersonId, PracticeId, Timestamp};
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

#[tokio::test]
async fn a_plan_larger_than_one_statement_is_written_whole_and_scoped() {
    let t = test_db().await;
    let store = Store::new(t.db.clone());
    let a = store.scoped(&society(&store, "alpha").await);
    let b = store.scoped(&society(&store, "beta").await);
    let mut tx = a.begin().await.unwrap();
    let level = tx
        .insert_level(
            &LevelFields {
                name: "Active physician".into(),
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
    let field = tx
        .insert_custom_field("State licence", FieldKind::Text, &[], T0)
        .await
        .unwrap();
    tx.commit().await.unwrap();

    // 2,500 people: three statements of people (1,000 rows each at most), 1,200 practices.
    let n = 2_500;
    let mut plan = Plan::default();
    let group = CommitteeId::new();
    plan.new_groups.push((group, "Thoracic oncology".into()));
    for i in 0..1_200 {
        plan.new_practices
            .push((PracticeId::new(), format!("Practice {i}")));
    }
    for i in 0..n {
        let person = PersonId::new();
        plan.new_people.push(PersonRec {
            id: person,
            email: format!("member{i}@example.org"),
            display_name: format!("Member {i}"),
            first_name: "Member".into(),
            last_name: i.to_string(),
            phone: String::new(),
            external_id: Some(format!("{}", 10_000 + i)),
        });
        let membership = MembershipId::new();
        plan.new_memberships.push(MembershipWrite {
            id: membership,
            person,
            level,
            joined_on: date(2020, 1, 1),
            status: Status::Active,
            status_changed: true,
            application: None,
            cancelled_on: None,
            override_status: None,
            override_reason: String::new(),
        });
        plan.new_terms.push(NewTerm {
            membership,
            level,
            term: Term {
                start: date(2026, 1, 1),
                end: Some(date(2026, 12, 31)),
            },
        });
        plan.new_practice_links
            .push((plan.new_practices[i % 1_200].0, person));
        plan.new_group_members.push((group, person));
        plan.custom_values
            .push((field, person, format!("IL-{i:06}")));
    }
    let written = std::sync::atomic::AtomicU64::new(0);
    let mut tx = a.begin().await.unwrap();
    tx.apply_import_plan(&plan, date(2026, 11, 21), T0, &|n| {
        written.fetch_add(n, std::sync::atomic::Ordering::Relaxed);
    })
    .await
    .unwrap();
    tx.commit().await.unwrap();
    assert_eq!(
        written.into_inner() as usize,
        plan.writes(),
        "progress counts every row"
    );

    let s = a.import_snapshot(date(2026, 11, 21)).await.unwrap();
    assert_eq!(s.people.len(), n);
    assert_eq!(s.memberships.len(), n);
    assert!(s.memberships.iter().all(|m| m.terms.len() == 1));
    assert_eq!(s.practices.len(), 1_200);
    assert_eq!(s.practice_links.len(), n);
    assert_eq!(s.committees.len(), 1);
    assert_eq!(s.committee_members.len(), n);
    assert_eq!(s.custom_values.len(), n);
    let member = a
        .members(&MemberFilter {
            search: Some("member2499@".into()),
            ..Default::default()
        })
        .await
        .unwrap();
    assert_eq!(member[0].status_since, "2026-11-21");
    assert_eq!(member[0].term_end.as_deref(), Some("2026-12-31"));
    // Another society sees none of it.
    let other = b.import_snapshot(date(2026, 11, 21)).await.unwrap();
    assert!(other.people.is_empty() && other.practices.is_empty());

    // Updates: a changed phone moves updated_at; a level-preserving update keeps status_since.
    let mut person = s.people[0].clone();
    person.phone = "+1 312 555 0100".into();
    let stored = s
        .memberships
        .iter()
        .find(|m| m.person == person.id)
        .unwrap();
    let update = Plan {
        person_updates: vec![person.clone()],
        membership_updates: vec![MembershipWrite {
            id: stored.id,
            person: person.id,
            level,
            joined_on: date(2019, 6, 1),
            status: Status::Active,
            status_changed: false,
            application: None,
            cancelled_on: None,
            override_status: None,
            override_reason: String::new(),
        }],
        // Re-setting a value to another replaces it.
        custom_values: vec![(field, person.id, "IL-999999".into())],
        ..Default::default()
    };
    let later = Timestamp(T0.0 + 1_000_000);
    let mut tx = a.begin().await.unwrap();
    tx.apply_import_plan(&update, date(2026, 11, 22), later, &|_| {})
        .await
        .unwrap();
    tx.commit().await.unwrap();
    assert_eq!(a.people_updated_since(later).await.unwrap(), 1);
    let s = a.import_snapshot(date(2026, 11, 22)).await.unwrap();
    let after = s.people.iter().find(|p| p.id == person.id).unwrap();
    assert_eq!(after.phone, "+1 312 555 0100");
    let m = s.memberships.iter().find(|m| m.id == stored.id).unwrap();
    assert_eq!(m.joined_on, date(2019, 6, 1));
    assert!(
        s.custom_values
            .contains(&(field, person.id, "IL-999999".to_string()))
    );
    let row = a
        .members(&MemberFilter {
            search: Some(person.email.clone()),
            ..Default::default()
        })
        .await
        .unwrap();
    assert_eq!(
        row[0].status_since, "2026-11-21",
        "an unchanged status keeps its date"
    );
}

#[tokio::test]
async fn uploads_are_found_only_as_this_societys_import_uploads() {
    let t = test_db().await;
    let store = Store::new(t.db.clone());
    let a = store.scoped(&society(&store, "alpha").await);
    let b = store.scoped(&society(&store, "beta").await);
    let mut tx = a.begin().await.unwrap();
    let upload = tx
        .insert_blob("text/csv", b"Email\nx@example.org\n", T0)
        .await
        .unwrap();
    tx.insert_import_upload(upload, "members.csv", None, T0)
        .await
        .unwrap();
    let logo = tx.insert_blob("image/png", b"\x89PNG", T0).await.unwrap();
    tx.commit().await.unwrap();
    let found = a.import_upload(upload).await.unwrap().unwrap();
    assert_eq!(found.file_name, "members.csv");
    assert_eq!(found.data, b"Email\nx@example.org\n");
    assert!(
        a.import_upload(logo).await.unwrap().is_none(),
        "not an import upload"
    );
    assert!(
        b.import_upload(upload).await.unwrap().is_none(),
        "another society's"
    );
}
