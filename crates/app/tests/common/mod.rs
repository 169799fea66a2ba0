//! What the use-case test files build the same way: an `App` over a fresh database (SQLite, or
//! PostgreSQL when `CHAPTERHOUSE_TEST_DATABASE_URL` is set) whose clock is fixed at 21 November
//! 2026, 10:00 in New York and whose mail goes to a temporary outbox; a society with an owner;
//! the outbox's messages; and the job worker run until nothing is due.
//!
//! Each test file includes it with `mod common;` and uses what it needs.
#![allow(dead_code)]

use std::sync::Arc;

use chapterhouse_app::jobs::Worker;
use chapterhouse_app::societies::{self, NewSocietyForm};
use chapterhouse_app::{Actor, App, LinkSettings};
use chapterhouse_core::Timestamp;
use chapterhouse_core::signing::Signer;
use chapterhouse_core::time::FixedClock;
use chapterhouse_mail::Mailer;
use chapterhouse_store::{Society, Store};
use chapterhouse_testkit::{TestDb, test_db};

/// The owner's password of every [`society`].
pub const OWNER_PASSWORD: &str = "owner password 1";

pub struct Fixture {
    pub app: App,
    pub clock: Arc<FixedClock>,
    pub outbox: tempfile::TempDir,
    pub db: TestDb,
}

pub async fn fixture() -> Fixture {
    let db = test_db().await;
    let outbox = tempfile::tempdir().unwrap();
    let clock = FixedClock::at_rfc3339("2026-11-21T15:00:00Z");
    let app = App {
        store: Store::new(db.db.clone()),
        clock: clock.clone(),
        signer: Arc::new(Signer::new(b"use-case test key")),
        secrets: chapterhouse_app::secrets::SecretBox::from_deployment_secret(b"use-case test key"),
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
        db,
    }
}

/// "alpha oncology society" at `alpha.test`, in New York, owned by Olive Owner
/// (`owner@alpha.test`, [`OWNER_PASSWORD`]).
pub fn society_form(slug: &str) -> NewSocietyForm {
    NewSocietyForm {
        name: format!("{slug} oncology society"),
        short_name: slug.to_uppercase(),
        slug: slug.into(),
        host: format!("{slug}.test"),
        time_zone: "America/New_York".into(),
        email: format!("office@{slug}.test"),
        postal_address: "1 Main St, Springfield".into(),
        phone: String::new(),
        owner_name: "Olive Owner".into(),
        owner_email: format!("owner@{slug}.test"),
        owner_password: OWNER_PASSWORD.into(),
    }
}

pub async fn society(f: &Fixture, slug: &str) -> Society {
    societies::create_society(&f.app, &society_form(slug), &Actor::default())
        .await
        .unwrap()
        .0
}

/// Every message written to the outbox, oldest first, as stored.
pub fn outbox_texts(f: &Fixture) -> Vec<String> {
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

/// Run the worker until no job is due (mail is written to the outbox).
pub async fn run_jobs(f: &Fixture) {
    let worker = Worker::new(f.app.clone());
    while worker.run_once().await.unwrap() > 0 {}
}

pub fn set_clock(f: &Fixture, rfc3339: &str) {
    f.clock.set(Timestamp::from_jiff(rfc3339.parse().unwrap()));
}
