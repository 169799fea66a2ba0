//! What joining reads: the levels the Join page offers, a level's rules, a practice by its exact
//! name, where an invoice's hosted payment stands, and the person of an account inside the
//! transaction that created it. Each read stays inside its society.

use super::*;

fn level_fields(name: &str, fee: i64, for_practices: bool) -> LevelFields {
    LevelFields {
        name: name.into(),
        description: String::new(),
        for_practices,
        fee_cents: fee,
        period_months: Some(12),
        fixed_month: None,
        fixed_day: None,
        grace_days: 30,
        approval_required: false,
        prorate: false,
        sort_order: 0,
    }
}

#[tokio::test]
async fn join_reads_stay_in_their_society_and_offer_only_public_individual_levels() {
    let db = test_db().await;
    let store = Store::new(db.db.clone());
    let alpha = store.scoped(&society(&store, "alpha").await);
    let beta = store.scoped(&society(&store, "beta").await);
    assert!(!alpha.offers_join().await.unwrap(), "no level yet");

    let mut tx = alpha.begin().await.unwrap();
    tx.insert_level(
        &LevelFields {
            approval_required: true,
            ..level_fields("Associate", 10_000, false)
        },
        T0,
    )
    .await
    .unwrap();
    let dear = tx
        .insert_level(&level_fields("Active physician", 35_000, false), T0)
        .await
        .unwrap();
    let retired = tx
        .insert_level(&level_fields("Retired", 5_000, false), T0)
        .await
        .unwrap();
    tx.insert_level(&level_fields("Group practice", 200_000, true), T0)
        .await
        .unwrap();
    let not_public = LevelRules {
        public_join: false,
        ..LevelRules::default()
    };
    assert!(
        tx.set_level_rules(retired, &not_public).await.unwrap(),
        "the level is found"
    );
    let physicians_and_fellows = LevelRules {
        professions: "physician,fellow".into(),
        ..LevelRules::default()
    };
    tx.set_level_rules(dear, &physicians_and_fellows)
        .await
        .unwrap();
    let practice = tx
        .insert_practice(
            &chapterhouse_store::PracticeFields {
                name: "Granite Oncology".into(),
                ..Default::default()
            },
            "2026-11-21".parse().unwrap(),
            T0,
        )
        .await
        .unwrap();
    let user = tx
        .insert_account(
            &NewAccount {
                email: "ada@alpha.example".into(),
                display_name: "Ada".into(),
                role: Role::Member,
                is_operator: false,
                password_hash: None,
                email_verified: false,
            },
            T0,
        )
        .await
        .unwrap();
    let person = tx.person_of_account(user).await.unwrap();
    assert!(
        person.is_some(),
        "seen inside the transaction that wrote it"
    );
    tx.commit().await.unwrap();

    let offered: Vec<(String, bool, String)> = alpha
        .join_levels()
        .await
        .unwrap()
        .into_iter()
        .map(|l| (l.level.name, l.level.approval_required, l.rules.professions))
        .collect();
    assert_eq!(
        offered,
        vec![
            (
                "Active physician".to_string(),
                false,
                "physician,fellow".to_string()
            ),
            ("Associate".to_string(), true, String::new()),
        ],
        "public individual levels, dearest first; not retired, not the practice level"
    );
    assert!(alpha.offers_join().await.unwrap());
    let rules = alpha.join_level(retired).await.unwrap().unwrap();
    assert!(!rules.rules.public_join && rules.rules.auto_renew_allowed);
    assert_eq!(
        alpha.practice_named("  granite ONCOLOGY ").await.unwrap(),
        Some(practice)
    );
    assert_eq!(alpha.practice_named("Granite").await.unwrap(), None);
    assert_eq!(alpha.level_revenue_account(dear).await.unwrap(), None);

    // Beta sees none of it, and cannot change alpha's levels.
    assert!(beta.join_levels().await.unwrap().is_empty());
    assert!(!beta.offers_join().await.unwrap());
    assert!(beta.join_level(dear).await.unwrap().is_none());
    assert_eq!(beta.practice_named("Granite Oncology").await.unwrap(), None);
    let mut tx = beta.begin().await.unwrap();
    assert!(!tx.set_level_rules(dear, &not_public).await.unwrap());
    assert!(tx.person_of_account(user).await.unwrap().is_none());
    tx.commit().await.unwrap();
    assert_eq!(alpha.join_levels().await.unwrap().len(), 2);
}
