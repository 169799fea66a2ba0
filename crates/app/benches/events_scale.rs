//! Events at scale: 2,000 events and 200,000 registrations generated (`store::generate`) into a
//! SQLite file (and into PostgreSQL when `CHAPTERHOUSE_TEST_DATABASE_URL` is set). Prints the
//! generation time and p50/p95/max of:
//!
//! - the registrant list of the largest event (2,000 registrations, sorted by last name; the
//!   store query the staff list uses), target < 50 ms, and the same list filtered;
//! - the data the public events pages read (upcoming and past lists, one event with its
//!   sessions and types), for context to `bench/load.sh`'s throughput figures;
//! - a learner's transcript PDF of 100 claims as the web handler makes it (the claims query and
//!   profile, `app::education::learner::transcript`, then `transcript_pdf`), target < 200 ms.
//!
//! Run: `cargo bench -p chapterhouse-app --bench events_scale`
//! (`BENCH_EVENTS=200 BENCH_REGISTRATIONS=20000` for a smaller run.)

use std::future::Future;
use std::sync::Arc;
use std::time::{Duration, Instant};

use chapterhouse_app::education::learner;
use chapterhouse_app::education::pdf::transcript_pdf;
use chapterhouse_app::societies::{self, NewSocietyForm};
use chapterhouse_app::{Actor, App, LinkSettings};
use chapterhouse_core::signing::Signer;
use chapterhouse_core::time::FixedClock;
use chapterhouse_mail::Mailer;
use chapterhouse_store::{Db, DbOptions, Listing, RegistrationFilter, Store, migrate};
use jiff::civil::date;

const REGISTRANT_TARGET: Duration = Duration::from_millis(50);
const TRANSCRIPT_TARGET: Duration = Duration::from_millis(200);

fn app_on(db: Db, clock: Arc<FixedClock>, outbox: &std::path::Path) -> App {
    App {
        store: Store::new(db),
        clock,
        signer: Arc::new(Signer::new(b"benchmark key, long enough")),
        secrets: chapterhouse_app::secrets::SecretBox::from_deployment_secret(b"benchmark key"),
        mailer: Mailer::file_outbox(outbox).expect("outbox"),
        links: LinkSettings {
            scheme: "https".into(),
            port_suffix: String::new(),
        },
    }
}

fn load_average() -> String {
    std::fs::read_to_string("/proc/loadavg")
        .unwrap_or_default()
        .split_whitespace()
        .take(3)
        .collect::<Vec<_>>()
        .join(" ")
}

fn percentile(sorted: &[Duration], p: f64) -> Duration {
    let index = ((sorted.len() as f64 - 1.0) * p).round() as usize;
    sorted[index.min(sorted.len() - 1)]
}

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1e3
}

/// Run `f` `runs` times after two unmeasured runs; print p50/p95/max (and the target).
async fn timed<F, Fut, T>(label: &str, runs: usize, target: Option<Duration>, mut f: F) -> T
where
    F: FnMut() -> Fut,
    Fut: Future<Output = T>,
{
    f().await;
    let mut last = f().await;
    let mut times = Vec::with_capacity(runs);
    for _ in 0..runs {
        let started = Instant::now();
        last = f().await;
        times.push(started.elapsed());
    }
    times.sort();
    let verdict = match target {
        Some(t) if percentile(&times, 0.95) < t => format!(" (target < {} ms: met)", ms(t)),
        Some(t) => format!(" (target < {} ms: MISSED)", ms(t)),
        None => String::new(),
    };
    eprintln!(
        "  {label}: p50 {:.2} ms, p95 {:.2} ms, max {:.2} ms over {runs} runs{verdict}",
        ms(percentile(&times, 0.5)),
        ms(percentile(&times, 0.95)),
        ms(*times.last().unwrap()),
    );
    last
}

async fn measure(backend: &str, db: Db, events: usize, registrations: usize) {
    eprintln!("{backend} (load average {}):", load_average());
    let outbox = tempfile::tempdir().expect("outbox dir");
    let clock = FixedClock::at_rfc3339("2026-11-21T15:00:00Z");
    let app = app_on(db, clock.clone(), outbox.path());
    let (society, _) = societies::create_society(
        &app,
        &NewSocietyForm {
            name: "Benchmark Oncology Society".into(),
            short_name: "BOS".into(),
            slug: "bench".into(),
            host: "bench.test".into(),
            time_zone: "America/New_York".into(),
            email: "office@bench.test".into(),
            postal_address: "1 Main St".into(),
            phone: String::new(),
            owner_name: "Owner".into(),
            owner_email: "owner@bench.test".into(),
            owner_password: "benchmark password".into(),
        },
        &Actor::default(),
    )
    .await
    .expect("society");
    let scoped = app.scoped(&society);

    let started = Instant::now();
    let made =
        chapterhouse_app::demo::scale::generate_events(&app, &society, events, registrations)
            .await
            .expect("generate");
    eprintln!(
        "  generated {} events ({} past), {} sessions, {} types, {} people, {} registrations \
         ({} waitlisted), {} claims in {:.1} s (with planner statistics; load {})",
        made.events,
        made.past_events,
        made.sessions,
        made.types,
        made.people,
        made.registrations,
        made.waitlisted,
        made.claims,
        started.elapsed().as_secs_f64(),
        load_average()
    );
    let largest = made.largest.expect("an event");

    // The registrant list of the largest event.
    let everyone = RegistrationFilter::default();
    let rows = timed(
        &format!(
            "registrant list, {} registrations, by last name",
            made.largest_registrations
        ),
        50,
        Some(REGISTRANT_TARGET),
        || scoped.event_registrations(largest, &everyone),
    )
    .await
    .expect("registrants");
    assert_eq!(rows.len(), made.largest_registrations, "the whole list");
    assert!(
        rows.windows(2)
            .all(|w| w[0].last_name.to_lowercase() <= w[1].last_name.to_lowercase()),
        "sorted by last name"
    );
    let confirmed = RegistrationFilter {
        status: "confirmed".into(),
        ..Default::default()
    };
    timed("  … confirmed only", 50, None, || {
        scoped.event_registrations(largest, &confirmed)
    })
    .await
    .expect("registrants");
    let search = RegistrationFilter {
        search: "son".into(),
        ..Default::default()
    };
    timed("  … searched for \"son\"", 50, None, || {
        scoped.event_registrations(largest, &search)
    })
    .await
    .expect("registrants");

    // What the public pages read.
    let now = app.now();
    let upcoming = timed("upcoming events (100) for /events", 50, None, || {
        scoped.events_upcoming(now, 100, Listing::default())
    })
    .await
    .expect("upcoming");
    assert_eq!(upcoming.len(), 100.min(made.events), "a full page");
    timed("past events (20) for /events", 50, None, || {
        scoped.events_past(now, 20, Listing::default())
    })
    .await
    .expect("past");
    timed(
        "one event with its sessions and types for /events/{slug}",
        50,
        None,
        || async {
            let event = scoped
                .event_by_slug(&made.largest_slug)
                .await
                .expect("event")
                .expect("found");
            let sessions = scoped.event_sessions(event.id).await.expect("sessions");
            let types = scoped.registration_types(event.id).await.expect("types");
            (event, sessions.len(), types.len())
        },
    )
    .await;

    // The learner's transcript PDF as the web handler makes it: the claims query and the
    // profile (`education::learner::transcript`), then the render.
    let learner = made.learner.expect("a learner");
    let (from, to) = (date(2000, 1, 1), now.local_date(&society.time_zone));
    let pdf = timed(
        &format!("transcript PDF, {} claims (query + render)", made.claims),
        30,
        Some(TRANSCRIPT_TARGET),
        || async {
            let data = learner::transcript(&app, &scoped, learner, from, to)
                .await
                .expect("transcript");
            assert_eq!(data.rows.len(), made.claims, "every claim");
            transcript_pdf(&data)
        },
    )
    .await;
    eprintln!("    {} bytes", pdf.len());
}

#[tokio::main]
async fn main() {
    let var = |name: &str, default: usize| {
        std::env::var(name)
            .ok()
            .and_then(|v| v.parse().ok())
            .unwrap_or(default)
    };
    let events = var("BENCH_EVENTS", 2_000);
    let registrations = var("BENCH_REGISTRATIONS", 200_000);
    let dir = tempfile::tempdir().expect("temporary directory");
    let url = format!("sqlite://{}", dir.path().join("bench.db").display());
    let db = Db::connect(&url, &DbOptions::default())
        .await
        .expect("open SQLite");
    migrate::run(&db, 0).await.expect("migrate SQLite");
    measure("SQLite", db, events, registrations).await;

    if std::env::var(chapterhouse_testkit::db::PG_ENV).is_ok_and(|v| !v.is_empty()) {
        let test = chapterhouse_testkit::test_db().await;
        eprintln!("(PostgreSQL database: {})", test.url);
        measure("PostgreSQL", test.db.clone(), events, registrations).await;
    }
}
