//! Store tests. They run on SQLite by default and on PostgreSQL when
//! `CHAPTERHOUSE_TEST_DATABASE_URL` is set (`.ci/run` does both).

use chapterhouse_core::{Role, Timestamp, UserId};
use chapterhouse_store::*;
use chapterhouse_testkit::test_db;

const T0: Timestamp = Timestamp(1_795_000_000_000_000);

fn new_society(slug: &str) -> NewSociety {
    NewSociety {
        slug: slug.into(),
        name: format!("{slug} society"),
        short_name: slug.to_uppercase(),
        primary_host: format!("{slug}.example"),
        time_zone: "America/Chicago".into(),
        tagline: String::new(),
        postal_address: "1 Main St".into(),
        phone: String::new(),
        email: format!("office@{slug}.example"),
        sender_address: format!("office@{slug}.example"),
        primary_color: "#1d4e89".into(),
        is_demo: false,
    }
}

async fn society(store: &Store, slug: &str) -> Society {
    let mut tx = store.begin().await.unwrap();
    let id = insert_society(&mut tx, &new_society(slug), T0)
        .await
        .unwrap();
    tx.commit().await.unwrap();
    store.society_by_id(id).await.unwrap().unwrap()
}

async fn account(scoped: &Scoped, email: &str, role: Role) -> UserId {
    let mut tx = scoped.begin().await.unwrap();
    let id = tx
        .insert_account(
            &NewAccount {
                email: email.into(),
                display_name: "Dr Test".into(),
                role,
                is_operator: false,
                password_hash: None,
                email_verified: true,
            },
            T0,
        )
        .await
        .unwrap();
    tx.commit().await.unwrap();
    id
}

fn page_fields(slug: &str, body: &str) -> PageFields {
    PageFields {
        slug: slug.into(),
        title: "About Us".into(),
        summary: String::new(),
        body_markdown: body.into(),
        body_html: format!("<p>{body}</p>"),
        menu_label: Some("About".into()),
        menu_order: 1,
        published: true,
    }
}

#[tokio::test]
async fn migrations_are_idempotent() {
    let t = test_db().await;
    assert_eq!(
        migrate::run(&t.db, 0).await.unwrap(),
        0,
        "a second run applies nothing"
    );
}

#[tokio::test]
async fn hosts_resolve_and_are_unique_across_societies() {
    let t = test_db().await;
    let store = Store::new(t.db.clone());
    let a = society(&store, "alpha").await;
    let b = society(&store, "beta").await;
    let mut tx = store.begin().await.unwrap();
    add_host(&mut tx, a.id, "www.alpha.example", false)
        .await
        .unwrap();
    tx.commit().await.unwrap();

    let found = store
        .society_by_host("alpha.example")
        .await
        .unwrap()
        .unwrap();
    assert_eq!((found.society.id, found.is_primary), (a.id, true));
    let alias = store
        .society_by_host("www.alpha.example")
        .await
        .unwrap()
        .unwrap();
    assert_eq!((alias.society.id, alias.is_primary), (a.id, false));
    assert_eq!(alias.society.primary_host, "alpha.example");
    assert!(
        store
            .society_by_host("gamma.example")
            .await
            .unwrap()
            .is_none()
    );

    let mut tx = store.begin().await.unwrap();
    let err = add_host(&mut tx, b.id, "alpha.example", false)
        .await
        .unwrap_err();
    assert!(
        matches!(err, StoreError::Conflict(ref what) if what == "host"),
        "{err:?}"
    );
    drop(tx);

    let mut tx = store.begin().await.unwrap();
    let err = insert_society(&mut tx, &new_society("alpha"), T0)
        .await
        .unwrap_err();
    assert!(
        matches!(err, StoreError::Conflict(ref what) if what == "slug"),
        "{err:?}"
    );
}

#[tokio::test]
async fn composite_keys_refuse_another_societys_rows() {
    let t = test_db().await;
    let store = Store::new(t.db.clone());
    let a = store.scoped(&society(&store, "alpha").await);
    let b = store.scoped(&society(&store, "beta").await);
    let account_in_a = account(&a, "chair@alpha.example", Role::Owner).await;

    // Society B's handle cannot see A's account...
    assert!(b.account_by_id(account_in_a).await.unwrap().is_none());
    // ...and the database refuses a B row that points at it.
    let mut tx = b.begin().await.unwrap();
    let err = tx
        .insert_session("hash", account_in_a, T0, T0.plus_seconds(60), false)
        .await
        .unwrap_err();
    assert!(
        matches!(err, StoreError::Sql(_)),
        "expected a foreign-key refusal, got {err:?}"
    );
}

#[tokio::test]
async fn same_email_may_exist_in_two_societies_but_not_twice_in_one() {
    let t = test_db().await;
    let store = Store::new(t.db.clone());
    let a = store.scoped(&society(&store, "alpha").await);
    let b = store.scoped(&society(&store, "beta").await);
    account(&a, "dr@x.example", Role::Member).await;
    account(&b, "dr@x.example", Role::Member).await;
    let mut tx = a.begin().await.unwrap();
    let err = tx
        .insert_account(
            &NewAccount {
                email: "dr@x.example".into(),
                display_name: "Again".into(),
                role: Role::Member,
                is_operator: false,
                password_hash: None,
                email_verified: false,
            },
            T0,
        )
        .await
        .unwrap_err();
    assert!(
        matches!(err, StoreError::Conflict(ref w) if w == "email"),
        "{err:?}"
    );
}

#[tokio::test]
async fn page_saves_refuse_a_stale_version() {
    let t = test_db().await;
    let store = Store::new(t.db.clone());
    let a = store.scoped(&society(&store, "alpha").await);
    let mut tx = a.begin().await.unwrap();
    let id = tx
        .insert_page(&page_fields("about", "v1"), None, T0)
        .await
        .unwrap();
    tx.commit().await.unwrap();

    let mut tx = a.begin().await.unwrap();
    tx.update_page(id, 1, &page_fields("about", "v2"), None, T0)
        .await
        .unwrap();
    tx.commit().await.unwrap();

    // A second editor who read version 1 cannot overwrite version 2.
    let mut tx = a.begin().await.unwrap();
    let err = tx
        .update_page(id, 1, &page_fields("about", "v3"), None, T0)
        .await
        .unwrap_err();
    assert!(matches!(err, StoreError::Stale), "{err:?}");
    drop(tx);

    let page = a.page_by_slug("about").await.unwrap().unwrap();
    assert_eq!((page.version, page.body_markdown.as_str()), (2, "v2"));
    assert_eq!(a.menu().await.unwrap().len(), 1);

    // Uncommitted work is gone when the transaction is dropped.
    let mut tx = a.begin().await.unwrap();
    tx.update_page(id, 2, &page_fields("about", "lost"), None, T0)
        .await
        .unwrap();
    drop(tx);
    assert_eq!(
        a.page_by_slug("about")
            .await
            .unwrap()
            .unwrap()
            .body_markdown,
        "v2"
    );
}

#[tokio::test]
async fn sign_in_tokens_work_once_and_only_in_their_society() {
    let t = test_db().await;
    let store = Store::new(t.db.clone());
    let a = store.scoped(&society(&store, "alpha").await);
    let b = store.scoped(&society(&store, "beta").await);
    let user = account(&a, "dr@alpha.example", Role::Member).await;
    let mut tx = a.begin().await.unwrap();
    tx.insert_login_token("tok", user, TokenPurpose::SignIn, T0, T0.plus_seconds(900))
        .await
        .unwrap();
    tx.commit().await.unwrap();

    let mut tx = b.begin().await.unwrap();
    assert_eq!(
        tx.consume_login_token("tok", TokenPurpose::SignIn, T0)
            .await
            .unwrap(),
        None
    );
    drop(tx);
    let mut tx = a.begin().await.unwrap();
    assert_eq!(
        tx.consume_login_token("tok", TokenPurpose::PasswordReset, T0)
            .await
            .unwrap(),
        None
    );
    assert_eq!(
        tx.consume_login_token("tok", TokenPurpose::SignIn, T0)
            .await
            .unwrap(),
        Some(user)
    );
    assert_eq!(
        tx.consume_login_token("tok", TokenPurpose::SignIn, T0)
            .await
            .unwrap(),
        None
    );
    tx.commit().await.unwrap();
}

#[tokio::test]
async fn expired_tokens_are_refused() {
    let t = test_db().await;
    let store = Store::new(t.db.clone());
    let a = store.scoped(&society(&store, "alpha").await);
    let user = account(&a, "dr@alpha.example", Role::Member).await;
    let mut tx = a.begin().await.unwrap();
    tx.insert_login_token("tok", user, TokenPurpose::SignIn, T0, T0.plus_seconds(900))
        .await
        .unwrap();
    assert_eq!(
        tx.consume_login_token("tok", TokenPurpose::SignIn, T0.plus_seconds(901))
            .await
            .unwrap(),
        None
    );
}

#[tokio::test]
async fn jobs_claim_dedup_retry_and_reclaim_after_lock_expiry() {
    let t = test_db().await;
    let store = Store::new(t.db.clone());
    let a = society(&store, "alpha").await;
    let job = NewJob {
        kind: "test",
        payload: "{}".into(),
        run_at: T0,
        dedup_key: Some("daily:alpha:2026-11-21".into()),
        max_attempts: 2,
    };
    assert!(store.enqueue(Some(a.id), &job, T0).await.unwrap());
    assert!(
        !store.enqueue(Some(a.id), &job, T0).await.unwrap(),
        "the dedup key makes a second enqueue a no-op"
    );

    let claimed = store
        .claim_jobs("w1", T0, T0.plus_seconds(60), 10)
        .await
        .unwrap();
    assert_eq!(claimed.len(), 1);
    assert_eq!(claimed[0].attempts, 1);
    // While locked, nobody else gets it.
    assert!(
        store
            .claim_jobs("w2", T0.plus_seconds(30), T0.plus_seconds(90), 10)
            .await
            .unwrap()
            .is_empty()
    );
    // The worker died: after the lock expires another worker claims it again.
    let again = store
        .claim_jobs("w2", T0.plus_seconds(61), T0.plus_seconds(120), 10)
        .await
        .unwrap();
    assert_eq!(again.len(), 1);
    assert_eq!(again[0].attempts, 2);
    store
        .fail_job(again[0].id, "smtp down", T0.plus_seconds(62), None)
        .await
        .unwrap();

    let scoped = store.scoped(&a);
    let failed = scoped.failed_jobs().await.unwrap();
    assert_eq!(failed.len(), 1);
    assert_eq!(failed[0].last_error.as_deref(), Some("smtp down"));
    assert_eq!(store.job_counts().await.unwrap(), (0, 1));

    // Another society cannot retry it; its own staff can.
    let b = society(&store, "beta").await;
    assert!(!store.scoped(&b).retry_job(failed[0].id, T0).await.unwrap());
    assert!(
        scoped
            .retry_job(failed[0].id, T0.plus_seconds(70))
            .await
            .unwrap()
    );
    let retried = store
        .claim_jobs("w3", T0.plus_seconds(70), T0.plus_seconds(130), 10)
        .await
        .unwrap();
    assert_eq!(retried.len(), 1);
    store
        .complete_job(retried[0].id, T0.plus_seconds(71))
        .await
        .unwrap();
    assert_eq!(store.job_counts().await.unwrap(), (0, 0));
}

#[tokio::test]
async fn released_jobs_are_claimable_at_once() {
    let t = test_db().await;
    let store = Store::new(t.db.clone());
    let job = NewJob {
        kind: "test",
        payload: "{}".into(),
        run_at: T0,
        dedup_key: None,
        max_attempts: 3,
    };
    store.enqueue(None, &job, T0).await.unwrap();
    assert_eq!(
        store
            .claim_jobs("w1", T0, T0.plus_seconds(600), 10)
            .await
            .unwrap()
            .len(),
        1
    );
    assert_eq!(store.release_jobs("w1").await.unwrap(), 1);
    let again = store
        .claim_jobs("w2", T0, T0.plus_seconds(600), 10)
        .await
        .unwrap();
    assert_eq!(again.len(), 1);
    assert_eq!(
        again[0].attempts, 1,
        "a released claim does not count as an attempt"
    );
}

#[tokio::test]
async fn rate_limit_counts_per_window_and_society() {
    let t = test_db().await;
    let store = Store::new(t.db.clone());
    let a = store.scoped(&society(&store, "alpha").await);
    let b = store.scoped(&society(&store, "beta").await);
    assert_eq!(a.hit_rate_limit("email:x", 100).await.unwrap(), 1);
    assert_eq!(a.hit_rate_limit("email:x", 100).await.unwrap(), 2);
    assert_eq!(b.hit_rate_limit("email:x", 100).await.unwrap(), 1);
    assert_eq!(a.hit_rate_limit("email:x", 200).await.unwrap(), 1);
}

#[tokio::test]
async fn blobs_are_scoped() {
    let t = test_db().await;
    let store = Store::new(t.db.clone());
    let a = store.scoped(&society(&store, "alpha").await);
    let b = store.scoped(&society(&store, "beta").await);
    let mut tx = a.begin().await.unwrap();
    let id = tx
        .insert_blob("image/png", b"\x89PNG data", T0)
        .await
        .unwrap();
    tx.commit().await.unwrap();
    let blob = a.blob(id).await.unwrap().unwrap();
    assert_eq!(blob.data, b"\x89PNG data");
    assert_eq!(blob.sha256.len(), 64);
    assert!(b.blob(id).await.unwrap().is_none());
}

#[tokio::test]
async fn unknown_scheme_and_unreachable_server_are_refused_clearly() {
    let err = Db::connect("mysql://x", &DbOptions::default())
        .await
        .err()
        .unwrap();
    assert!(
        err.to_string().contains("unsupported database URL scheme"),
        "{err}"
    );
    let opts = DbOptions {
        acquire_timeout: std::time::Duration::from_secs(2),
        ..Default::default()
    };
    let err = Db::connect("postgres://nobody@127.0.0.1:1/none", &opts)
        .await
        .err()
        .unwrap();
    assert!(
        err.to_string()
            .contains("cannot reach the PostgreSQL server"),
        "{err}"
    );
}

#[path = "store/records.rs"]
mod records;

#[path = "store/joining.rs"]
mod joining;
