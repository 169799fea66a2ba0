//! Use-case tests. Like the store tests they run on SQLite by default and on PostgreSQL when
//! `CHAPTERHOUSE_TEST_DATABASE_URL` is set.

use std::sync::Arc;

use chapterhouse_app::accounts::{self, NewAccountInput};
use chapterhouse_app::jobs::Worker;
use chapterhouse_app::mail::EmailJob;
use chapterhouse_app::pages::{self, PageForm};
use chapterhouse_app::societies::{self, NewSocietyForm};
use chapterhouse_app::{Actor, App, AppError, LinkSettings, demo};
use chapterhouse_core::Role;
use chapterhouse_core::signing::Signer;
use chapterhouse_core::time::FixedClock;
use chapterhouse_mail::Mailer;
use chapterhouse_store::{Society, Store};
use chapterhouse_testkit::{TestDb, test_db};

struct Fixture {
    app: App,
    clock: Arc<FixedClock>,
    outbox: tempfile::TempDir,
    _db: TestDb,
}

async fn fixture() -> Fixture {
    let db = test_db().await;
    let outbox = tempfile::tempdir().unwrap();
    let clock = FixedClock::at_rfc3339("2026-11-21T15:00:00Z");
    let app = App {
        store: Store::new(db.db.clone()),
        clock: clock.clone(),
        signer: Arc::new(Signer::new(b"app test key")),
        mailer: Mailer::file_outbox(outbox.path()).unwrap(),
        links: LinkSettings {
            scheme: "https".into(),
            port_suffix: String::new(),
        },
    };
    Fixture {
        app,
        clock,
        outbox,
        _db: db,
    }
}

fn society_form(slug: &str) -> NewSocietyForm {
    NewSocietyForm {
        name: format!("{slug} society"),
        short_name: slug.to_uppercase(),
        slug: slug.into(),
        host: format!("{slug}.test"),
        time_zone: "America/New_York".into(),
        email: format!("office@{slug}.test"),
        postal_address: "1 Main St".into(),
        phone: String::new(),
        owner_name: "Olive Owner".into(),
        owner_email: format!("owner@{slug}.test"),
        owner_password: "owner password 1".into(),
    }
}

async fn society(f: &Fixture, slug: &str) -> Society {
    societies::create_society(&f.app, &society_form(slug), &Actor::default())
        .await
        .unwrap()
        .0
}

fn outbox_texts(f: &Fixture) -> Vec<String> {
    let mut files: Vec<_> = std::fs::read_dir(f.outbox.path())
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    files.sort();
    files
        .into_iter()
        .map(|p| std::fs::read_to_string(p).unwrap())
        .collect()
}

async fn run_jobs(f: &Fixture) {
    let worker = Worker::new(f.app.clone());
    while worker.run_once().await.unwrap() > 0 {}
}

#[tokio::test]
async fn demo_seeding_is_idempotent_and_refuses_real_databases() {
    let f = fixture().await;
    let logins = demo::seed(&f.app).await.unwrap();
    assert_eq!(f.app.store.societies().await.unwrap().len(), 3);
    assert!(
        logins
            .iter()
            .any(|l| l.role == "owner" && l.url == "https://localhost")
    );
    let first = f
        .app
        .store
        .society_by_slug(demo::SOCIETIES[0].slug)
        .await
        .unwrap()
        .unwrap();
    let scoped = f.app.scoped(&first);
    assert!(scoped.page_by_slug("about").await.unwrap().is_some());
    assert!(scoped.menu().await.unwrap().len() >= 5);
    // The first society's own *.localhost name redirects to plain localhost.
    let alias = f
        .app
        .store
        .society_by_host(demo::SOCIETIES[0].host)
        .await
        .unwrap()
        .unwrap();
    assert!(!alias.is_primary);

    demo::seed(&f.app).await.unwrap();
    assert_eq!(
        f.app.store.societies().await.unwrap().len(),
        3,
        "a second run adds nothing"
    );
    let signed = accounts::sign_in_with_password(
        &f.app,
        &scoped,
        demo::SOCIETIES[0].staff[0].email,
        demo::DEMO_PASSWORD,
        &Actor::default(),
    )
    .await
    .unwrap();
    assert_eq!(signed.account.role(), Role::Owner);

    let g = fixture().await;
    society(&g, "real").await;
    let refused = demo::seed(&g.app).await.unwrap_err();
    assert!(
        refused.to_string().contains("real societies")
            || format!("{refused:?}").contains("real societies")
    );
}

#[tokio::test]
async fn creating_societies_validates_and_refuses_taken_hosts() {
    let f = fixture().await;
    let mut bad = society_form("alpha");
    bad.host = "https://alpha.test/".into();
    bad.time_zone = "Nowhere/Place".into();
    bad.owner_email = "not an email".into();
    let Err(AppError::Invalid(errors)) =
        societies::create_society(&f.app, &bad, &Actor::default()).await
    else {
        panic!("expected errors")
    };
    assert!(
        errors.get("host").is_some()
            && errors.get("time_zone").is_some()
            && errors.get("owner_email").is_some()
    );

    society(&f, "alpha").await;
    let mut same_host = society_form("beta");
    same_host.host = "ALPHA.test".into();
    let Err(AppError::Invalid(errors)) =
        societies::create_society(&f.app, &same_host, &Actor::default()).await
    else {
        panic!()
    };
    assert_eq!(
        errors.get("host"),
        Some("Another society already uses that host name.")
    );
    // Nothing half-created.
    assert!(f.app.store.society_by_slug("beta").await.unwrap().is_none());
}

#[tokio::test]
async fn owner_without_password_gets_a_link_on_the_new_host() {
    let f = fixture().await;
    let mut form = society_form("alpha");
    form.owner_password = String::new();
    societies::create_society(&f.app, &form, &Actor::default())
        .await
        .unwrap();
    run_jobs(&f).await;
    let mail = outbox_texts(&f);
    assert_eq!(mail.len(), 1);
    assert!(
        mail[0].contains("https://alpha.test/password-reset/"),
        "{}",
        mail[0]
    );
}

#[tokio::test]
async fn password_sign_in_rules() {
    let f = fixture().await;
    let s = society(&f, "alpha").await;
    let scoped = f.app.scoped(&s);
    let actor = Actor::anonymous("192.0.2.1");
    let ok = accounts::sign_in_with_password(
        &f.app,
        &scoped,
        " Owner@Alpha.test",
        "owner password 1",
        &actor,
    )
    .await
    .unwrap();
    assert!(!ok.mfa_pending);
    let user = accounts::current_user(&f.app, &scoped, &ok.session_token)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(user.account.email, "owner@alpha.test");

    let Err(AppError::Invalid(e)) =
        accounts::sign_in_with_password(&f.app, &scoped, "owner@alpha.test", "nope", &actor).await
    else {
        panic!()
    };
    assert_eq!(e.get("email"), Some(accounts::BAD_CREDENTIALS));
    let Err(AppError::Invalid(e2)) =
        accounts::sign_in_with_password(&f.app, &scoped, "ghost@alpha.test", "nope", &actor).await
    else {
        panic!()
    };
    assert_eq!(e, e2, "the same words whether or not the account exists");

    // Sessions expire.
    f.clock.advance_seconds(accounts::SESSION_DAYS * 86_400 + 1);
    assert!(
        accounts::current_user(&f.app, &scoped, &ok.session_token)
            .await
            .unwrap()
            .is_none()
    );
}

#[tokio::test]
async fn sign_in_links_are_mailed_from_the_society_and_work_once() {
    let f = fixture().await;
    let s = society(&f, "alpha").await;
    let scoped = f.app.scoped(&s);
    accounts::request_sign_in_link(&f.app, &scoped, "owner@alpha.test", &Actor::default())
        .await
        .unwrap();
    accounts::request_sign_in_link(&f.app, &scoped, "ghost@alpha.test", &Actor::default())
        .await
        .unwrap();
    run_jobs(&f).await;
    let mail = outbox_texts(&f);
    assert_eq!(mail.len(), 1, "no mail for an unknown address");
    assert!(
        mail[0].contains("From: \"alpha society\" <office@alpha.test>"),
        "{}",
        mail[0]
    );
    let start = mail[0].find("https://alpha.test/sign-in/link/").unwrap();
    let token = mail[0][start..]
        .split_whitespace()
        .next()
        .unwrap()
        .rsplit('/')
        .next()
        .unwrap()
        .to_string();
    let token = token.replace("=\r", "").replace('=', "");
    let signed = accounts::sign_in_with_link(&f.app, &scoped, &token, &Actor::default()).await;
    if let Ok(signed) = signed {
        assert_eq!(signed.account.email, "owner@alpha.test");
        assert!(
            accounts::sign_in_with_link(&f.app, &scoped, &token, &Actor::default())
                .await
                .is_err(),
            "single use"
        );
    } else {
        panic!("link from the mail did not sign in: {token}");
    }
}

#[tokio::test]
async fn pages_are_sanitised_versioned_and_keep_their_old_address() {
    let f = fixture().await;
    let s = society(&f, "alpha").await;
    let scoped = f.app.scoped(&s);
    let form = PageForm {
        title: "About Us".into(),
        body: "Hi <script>x()</script>".into(),
        published: Some("on".into()),
        ..Default::default()
    };
    let id = pages::create_page(&f.app, &scoped, &form, &Actor::default())
        .await
        .unwrap();
    let page = scoped.page_by_id(id).await.unwrap().unwrap();
    assert_eq!(page.slug, "about-us");
    assert!(!page.body_html.contains("<script"));

    let renamed = PageForm {
        slug: "about".into(),
        version: "1".into(),
        ..form.clone()
    };
    pages::save_page(&f.app, &scoped, id, &renamed, &Actor::default())
        .await
        .unwrap();
    assert_eq!(
        scoped.redirect_for("/about-us").await.unwrap().as_deref(),
        Some("/about")
    );
    let stale = pages::save_page(&f.app, &scoped, id, &renamed, &Actor::default())
        .await
        .unwrap_err();
    assert!(matches!(stale, AppError::Stale));

    let dup = pages::create_page(
        &f.app,
        &scoped,
        &PageForm {
            slug: "about".into(),
            ..form.clone()
        },
        &Actor::default(),
    )
    .await
    .unwrap_err();
    let AppError::Invalid(errors) = dup else {
        panic!()
    };
    assert!(errors.get("slug").unwrap().contains("Another page"));
}

#[tokio::test]
async fn invitation_upgrades_an_existing_member_and_works_once() {
    let f = fixture().await;
    let s = society(&f, "alpha").await;
    let scoped = f.app.scoped(&s);
    accounts::create_account(
        &f.app,
        &scoped,
        NewAccountInput {
            email: "dr@alpha.test".into(),
            display_name: "Dr A".into(),
            role: Role::Member,
            is_operator: false,
            password: None,
        },
        &Actor::default(),
    )
    .await
    .unwrap();
    let owner = accounts::sign_in_with_password(
        &f.app,
        &scoped,
        "owner@alpha.test",
        "owner password 1",
        &Actor::default(),
    )
    .await
    .unwrap();
    let owner = accounts::current_user(&f.app, &scoped, &owner.session_token)
        .await
        .unwrap()
        .unwrap();
    accounts::invite(
        &f.app,
        &scoped,
        &owner,
        "dr@alpha.test",
        "Dr A",
        Role::Staff,
        &Actor::default(),
    )
    .await
    .unwrap();
    run_jobs(&f).await;
    let mail = outbox_texts(&f);
    let start = mail[0].find("https://alpha.test/invitations/").unwrap();
    let token: String = mail[0][start..]
        .split_whitespace()
        .next()
        .unwrap()
        .rsplit('/')
        .next()
        .unwrap()
        .to_string();
    let signed = accounts::accept_invitation(
        &f.app,
        &scoped,
        &token,
        "new staff password",
        "new staff password",
        &Actor::default(),
    )
    .await
    .unwrap();
    assert_eq!(signed.account.role(), Role::Staff);
    assert!(
        accounts::accept_invitation(
            &f.app,
            &scoped,
            &token,
            "new staff password",
            "new staff password",
            &Actor::default()
        )
        .await
        .is_err()
    );
}

#[tokio::test]
async fn worker_sends_mail_and_fails_unknown_jobs_for_good() {
    let f = fixture().await;
    let s = society(&f, "alpha").await;
    let scoped = f.app.scoped(&s);
    let mut tx = scoped.begin().await.unwrap();
    chapterhouse_app::mail::enqueue_email(
        &mut tx,
        &EmailJob {
            to: "x@y.test".into(),
            subject: "Hello".into(),
            text: "Body".into(),
        },
        f.app.now(),
    )
    .await
    .unwrap();
    tx.enqueue(
        &chapterhouse_store::NewJob {
            kind: "no_such_kind",
            payload: "{}".into(),
            run_at: f.app.now(),
            dedup_key: None,
            max_attempts: 5,
        },
        f.app.now(),
    )
    .await
    .unwrap();
    tx.commit().await.unwrap();
    run_jobs(&f).await;
    assert!(outbox_texts(&f)[0].contains("Subject: Hello"));
    let failed = scoped.failed_jobs().await.unwrap();
    assert_eq!(failed.len(), 1);
    assert!(
        failed[0]
            .last_error
            .as_deref()
            .unwrap()
            .contains("unknown job kind")
    );
}

#[tokio::test]
async fn a_use_case_that_fails_leaves_no_side_effects() {
    let f = fixture().await;
    let s = society(&f, "alpha").await;
    let scoped = f.app.scoped(&s);
    // An invitation to a role above the inviter's is refused, and no mail is queued.
    accounts::create_account(
        &f.app,
        &scoped,
        NewAccountInput {
            email: "staff@alpha.test".into(),
            display_name: "S".into(),
            role: Role::Staff,
            is_operator: false,
            password: Some("staff password 1".into()),
        },
        &Actor::default(),
    )
    .await
    .unwrap();
    let staff = accounts::sign_in_with_password(
        &f.app,
        &scoped,
        "staff@alpha.test",
        "staff password 1",
        &Actor::default(),
    )
    .await
    .unwrap();
    let staff = accounts::current_user(&f.app, &scoped, &staff.session_token)
        .await
        .unwrap()
        .unwrap();
    assert!(
        accounts::invite(
            &f.app,
            &scoped,
            &staff,
            "x@alpha.test",
            "X",
            Role::Owner,
            &Actor::default()
        )
        .await
        .is_err()
    );
    assert_eq!(f.app.store.job_counts().await.unwrap(), (0, 0));
}
