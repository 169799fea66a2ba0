//! Membership at scale (issue 3): 100,000 members and 1,000 practices, generated in bulk
//! (`store::generate_members`, multi-row inserts in one transaction) into a SQLite file, and into
//! a fresh PostgreSQL database (`testkit::test_db`) when `CHAPTERHOUSE_TEST_DATABASE_URL` is set.
//! Measures, per backend:
//!
//! - the staff members list over 200 mixed filters (status, level, practice, specialty,
//!   committee, state, renewal due, search), each a page as the page reads it
//!   (`member_list::member_page`, 100 rows), run three times: p50/p95/max of the first runs
//!   (target: p95 < 50 ms) and of the best of three, and p50/p95/max per kind of filter; then
//!   the next page of some of them (keyset paging);
//! - the next midnight's daily run (target: < 10 s), with each step's time, then a repeated run
//!   (which must do nothing).
//!
//! It ends with a summary per backend, with the load average when that backend started: other
//! work on the machine inflates every figure, so measure on an idle machine.
//!
//! Run (release; the first build takes a while):
//!
//! ```sh
//! CHAPTERHOUSE_TEST_DATABASE_URL=postgres://postgres@127.0.0.1:5432/postgres \
//!   cargo bench -p chapterhouse-app --bench membership_scale
//! ```
//!
//! - `BENCH_MEMBERS=20000`: a smaller run (practices are always members / 100);
//! - `BENCH_ONLY=sqlite` or `BENCH_ONLY=postgres`: one backend;
//! - `BENCH_SQLITE_PATH=/tmp/members.db`: keep the SQLite database for `EXPLAIN QUERY PLAN`
//!   (the PostgreSQL database is kept too; its name is printed).

use std::sync::Arc;
use std::time::{Duration, Instant};

use chapterhouse_app::member_list::{MemberQuery, PAGE_LIMIT, member_page};
use chapterhouse_app::membership::{LevelForm, create_level, today};
use chapterhouse_app::societies::{self, NewSocietyForm};
use chapterhouse_app::{Actor, App, LinkSettings, daily, levels};
use chapterhouse_core::membership::RenewalAnchor;
use chapterhouse_core::signing::Signer;
use chapterhouse_core::time::FixedClock;
use chapterhouse_core::{CommitteeId, LevelId, PracticeId, Timestamp};
use chapterhouse_mail::Mailer;
use chapterhouse_store::{
    CommitteeFields, Db, DbOptions, GENERATED_SPECIALTIES, GENERATED_STATES, MembersScale, Scoped,
    Store, migrate,
};

const SPECIALTIES: &[&str] = GENERATED_SPECIALTIES;
const STATES: &[&str] = GENERATED_STATES;

struct Rng(u64);
impl Rng {
    fn below(&mut self, n: u64) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0 % n.max(1)
    }
}

struct World {
    levels: Vec<LevelId>,
    practices: Vec<PracticeId>,
    committees: Vec<CommitteeId>,
}

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

async fn generate(app: &App, members: usize, practices: usize) -> (Scoped, World) {
    let actor = Actor::default();
    let (society, _) = societies::create_society(
        app,
        &NewSocietyForm {
            name: "Benchmark Oncology Society".into(),
            short_name: "BOS".into(),
            slug: "bench".into(),
            host: "bench.test".into(),
            time_zone: "America/Chicago".into(),
            email: "office@bench.test".into(),
            postal_address: "1 Main St".into(),
            phone: String::new(),
            owner_name: "Owner".into(),
            owner_email: "owner@bench.test".into(),
            owner_password: "benchmark password".into(),
        },
        &actor,
    )
    .await
    .expect("society");
    let scoped = app.scoped(&society);
    let mut level_ids = Vec::new();
    for (name, fee, fixed) in [
        ("Active physician", "350", "01-01"),
        ("NP, PA or pharmacist", "150", "01-01"),
        ("Early career", "175", ""),
        ("Fellow", "0", ""),
        ("Retired", "50", ""),
    ] {
        level_ids.push(
            create_level(
                app,
                &scoped,
                &LevelForm {
                    name: name.into(),
                    fee: fee.into(),
                    period: "1-year".into(),
                    fixed_day: fixed.into(),
                    grace_days: "30".into(),
                    ..Default::default()
                },
                &actor,
            )
            .await
            .expect("level"),
        );
    }
    let practice_level = create_level(
        app,
        &scoped,
        &LevelForm {
            name: "Practice".into(),
            fee: "350".into(),
            period: "1-year".into(),
            grace_days: "30".into(),
            for_practices: Some("on".into()),
            ..Default::default()
        },
        &actor,
    )
    .await
    .expect("practice level");
    let pairs: Vec<(String, String)> = [
        ("name", "Practice"),
        ("fee", "350"),
        ("period", "1-year"),
        ("grace_days", "30"),
        ("for_practices", "on"),
        ("reminder_days", "60,30,7,-7"),
        ("rate_physician", "350"),
        ("rate_nurse_practitioner", "150"),
        ("rate_fellow", "0"),
    ]
    .iter()
    .map(|(k, v)| (k.to_string(), v.to_string()))
    .collect();
    levels::update_level(
        app,
        &scoped,
        practice_level,
        &levels::LevelEditForm::from_pairs(&pairs),
        &actor,
    )
    .await
    .expect("practice rates");
    // The fellow moves to early career on 30 June.
    let fellow_pairs: Vec<(String, String)> = [
        ("name", "Fellow"),
        ("fee", "0"),
        ("period", "1-year"),
        ("grace_days", "30"),
        ("reminder_days", "60,30,7,-7"),
        ("transition_to", &level_ids[2].to_string()),
        ("transition_on", "06-30"),
    ]
    .iter()
    .map(|(k, v)| (k.to_string(), v.to_string()))
    .collect();
    levels::update_level(
        app,
        &scoped,
        level_ids[3],
        &levels::LevelEditForm::from_pairs(&fellow_pairs),
        &actor,
    )
    .await
    .expect("fellow transition");
    level_ids.push(practice_level);

    let now = app.now();
    let today = today(app, &scoped);
    let mut tx = scoped.begin().await.expect("begin");
    let mut committees = Vec::new();
    for i in 0..12 {
        committees.push(
            tx.insert_committee(&committee_named(&format!("Committee {i}")), now)
                .await
                .expect("committee"),
        );
    }
    tx.commit().await.expect("commit");

    // Practices, their seats and the individual members: in bulk (`store::generate`).
    let started = Instant::now();
    let generated = scoped
        .generate_members(&MembersScale {
            members,
            practices,
            levels: level_ids[..5]
                .iter()
                .enumerate()
                .map(|(i, &level)| {
                    let anchor = if i < 2 {
                        RenewalAnchor::FixedDay { month: 1, day: 1 }
                    } else {
                        RenewalAnchor::Anniversary
                    };
                    (level, anchor)
                })
                .collect(),
            practice_level,
            committees: committees.clone(),
            grace_days: 30,
            today,
            now,
        })
        .await
        .expect("generate members");
    eprintln!(
        "  generated {members} members ({} seats, {} terms, {} committee seats) and {practices} \
         practices in {:.1} s",
        generated.seats,
        generated.terms,
        generated.committee_members,
        started.elapsed().as_secs_f64()
    );
    (
        scoped,
        World {
            levels: level_ids,
            practices: generated.practices,
            committees,
        },
    )
}

fn mixed_queries(world: &World, rng: &mut Rng, count: usize) -> Vec<MemberQuery> {
    let statuses = ["", "active", "grace", "lapsed", "pending"];
    (0..count)
        .map(|i| {
            let mut q = MemberQuery::default();
            match i % 8 {
                0 => q.status = statuses[rng.below(5) as usize].into(),
                1 => {
                    q.level =
                        world.levels[rng.below(world.levels.len() as u64) as usize].to_string();
                    q.status = "active".into();
                }
                2 => {
                    q.practice = world.practices[rng.below(world.practices.len() as u64) as usize]
                        .to_string()
                }
                3 => q.specialty = SPECIALTIES[rng.below(SPECIALTIES.len() as u64) as usize].into(),
                4 => {
                    q.committee = world.committees
                        [rng.below(world.committees.len() as u64) as usize]
                        .to_string()
                }
                5 => q.state = STATES[rng.below(STATES.len() as u64) as usize].into(),
                6 => {
                    q.due = ["7", "30", "60", "90"][rng.below(4) as usize].into();
                    if rng.below(2) == 0 {
                        q.status = "active".into();
                    }
                }
                _ => {
                    q.q = ["ada", "park", "mira", "son", "x"][rng.below(5) as usize].into();
                    if rng.below(2) == 0 {
                        q.specialty =
                            SPECIALTIES[rng.below(SPECIALTIES.len() as u64) as usize].into();
                        q.state = STATES[rng.below(STATES.len() as u64) as usize].into();
                    }
                }
            }
            q
        })
        .collect()
}

/// The mixed queries' kinds, by `mixed_queries`'s `i % 8`.
const KINDS: [&str; 8] = [
    "status",
    "level",
    "practice",
    "specialty",
    "committee",
    "state",
    "due",
    "search",
];

fn load_average() -> String {
    std::fs::read_to_string("/proc/loadavg")
        .unwrap_or_default()
        .split_whitespace()
        .take(3)
        .collect::<Vec<_>>()
        .join(" ")
}

/// p50, p95 and max of some timings.
#[derive(Clone, Copy, Debug, Default)]
struct Spread {
    p50: Duration,
    p95: Duration,
    max: Duration,
}

impl Spread {
    /// Of sorted timings.
    fn of(sorted: &[Duration]) -> Spread {
        Spread {
            p50: percentile(sorted, 0.5),
            p95: percentile(sorted, 0.95),
            max: sorted.last().copied().unwrap_or_default(),
        }
    }
}

impl std::fmt::Display for Spread {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let ms = |d: Duration| d.as_secs_f64() * 1e3;
        write!(
            f,
            "p50 {:.1} ms, p95 {:.1} ms, max {:.1} ms",
            ms(self.p50),
            ms(self.p95),
            ms(self.max)
        )
    }
}

/// One backend's figures, printed again together at the end.
struct Summary {
    backend: String,
    load: String,
    /// The staff list: each query's first run, and its best of three.
    first: Spread,
    best: Spread,
    /// Best of three, per kind of filter.
    kinds: Vec<(&'static str, Spread)>,
    daily: Duration,
}

impl Summary {
    fn print(&self) {
        let verdict = |ok: bool| if ok { "met" } else { "MISSED" };
        eprintln!(
            "{} (load average at start {}):\n  daily run {:.2} s (target < 10 s: {})\n  \
             staff list first run {} (target p95 < 50 ms: {})\n  \
             staff list best of 3 {}",
            self.backend,
            self.load,
            self.daily.as_secs_f64(),
            verdict(self.daily < Duration::from_secs(10)),
            self.first,
            verdict(self.first.p95 < Duration::from_millis(50)),
            self.best,
        );
        let kinds: Vec<String> = self
            .kinds
            .iter()
            .map(|(kind, spread)| format!("{kind} {:.1}", spread.p95.as_secs_f64() * 1e3))
            .collect();
        eprintln!("  p95 ms by filter (best of 3): {}", kinds.join(", "));
    }
}

fn percentile(sorted: &[Duration], p: f64) -> Duration {
    let index = ((sorted.len() as f64 - 1.0) * p).round() as usize;
    sorted[index.min(sorted.len() - 1)]
}

async fn measure(backend: &str, db: Db, members: usize, practices: usize) -> Summary {
    // Other work on the machine shows in every number: say how busy it was.
    let load = load_average();
    eprintln!("{backend} (load average {load}):");
    let outbox = tempfile::tempdir().expect("outbox dir");
    let clock = FixedClock::at_rfc3339("2026-11-21T15:00:00Z");
    let app = app_on(db, clock.clone(), outbox.path());
    let (scoped, world) = generate(&app, members, practices).await;
    // As the nightly maintenance job does.
    let started = Instant::now();
    app.store
        .refresh_planner_statistics()
        .await
        .expect("planner statistics");
    eprintln!(
        "  planner statistics refreshed in {:.2} s",
        started.elapsed().as_secs_f64()
    );
    let today = today(&app, &scoped);

    // Warm up, then ~200 mixed filters.
    let mut rng = Rng(0x1234_5678_9abc_def1);
    for q in mixed_queries(&world, &mut rng, 16) {
        member_page(&scoped, &q, today).await.expect("warm-up");
    }
    let queries = mixed_queries(&world, &mut rng, 200);
    // Each query runs three times: the first time as a visitor would meet it, and the fastest
    // of the three as the query's own cost on a machine other work is also using.
    let mut first_times = Vec::new();
    let mut best_times = Vec::new();
    let mut by_kind: std::collections::BTreeMap<usize, Vec<Duration>> = Default::default();
    let mut slowest = (Duration::ZERO, MemberQuery::default(), 0);
    for (i, q) in queries.iter().enumerate() {
        let mut best = Duration::MAX;
        for run in 0..3 {
            let started = Instant::now();
            let rows = member_page(&scoped, q, today).await.expect("members").rows;
            let took = started.elapsed();
            if run == 0 {
                first_times.push(took);
            }
            best = best.min(took);
            if run == 2 && best > slowest.0 {
                slowest = (best, q.clone(), rows.len());
            }
        }
        best_times.push(best);
        by_kind.entry(i % 8).or_default().push(best);
    }
    // The next page of each of the first 80 queries that has one (keyset: after its last row).
    let mut next_times = Vec::new();
    for q in queries.iter().take(80) {
        let page = member_page(&scoped, q, today).await.expect("members");
        let Some(last) = page.rows.last().filter(|_| page.next.is_some()) else {
            continue;
        };
        let next = MemberQuery {
            after: last.id.to_string(),
            from: (page.last() + 1).to_string(),
            ..q.clone()
        };
        let started = Instant::now();
        member_page(&scoped, &next, today).await.expect("next page");
        next_times.push(started.elapsed());
    }
    next_times.sort();
    if !next_times.is_empty() {
        eprintln!(
            "  next pages ({} of them, first run): {}",
            next_times.len(),
            Spread::of(&next_times)
        );
    }
    first_times.sort();
    best_times.sort();
    let mut kinds = Vec::new();
    for (kind, mut list) in by_kind {
        list.sort();
        kinds.push((KINDS[kind], Spread::of(&list)));
    }
    let summary = Summary {
        backend: backend.to_string(),
        load,
        first: Spread::of(&first_times),
        best: Spread::of(&best_times),
        kinds,
        daily: Duration::ZERO,
    };
    eprintln!(
        "  members list, {} filtered queries (limit {PAGE_LIMIT}), target p95 < 50 ms:\n    \
         first run: {}\n    best of 3: {}",
        first_times.len(),
        summary.first,
        summary.best,
    );
    for (kind, spread) in &summary.kinds {
        eprintln!("    {kind:<10} best of 3: {spread}");
    }
    let started = Instant::now();
    scoped.member_filter_choices().await.expect("choices");
    let choices = started.elapsed();
    eprintln!(
        "  slowest: {:?} ({} rows); filter choices: {:.1} ms",
        slowest.1.to_query_string(),
        slowest.2,
        choices.as_secs_f64() * 1e3
    );

    // The next local midnight's daily run: statuses move, reminders go out.
    clock.set(Timestamp::from_jiff(
        "2026-11-22T06:30:00Z".parse().expect("instant"),
    ));
    let started = Instant::now();
    let (report, steps) = daily::membership_daily_timed(&app, &scoped)
        .await
        .expect("daily run");
    let took = started.elapsed();
    eprintln!(
        "  daily run: {:.2} s (target < 10 s): {report:?}",
        took.as_secs_f64()
    );
    let steps: Vec<String> = steps
        .iter()
        .map(|(step, d)| format!("{step} {:.2} s", d.as_secs_f64()))
        .collect();
    eprintln!("    steps: {}", steps.join(", "));
    let started = Instant::now();
    let again = daily::membership_daily(&app, &scoped)
        .await
        .expect("daily run");
    eprintln!(
        "  repeated daily run: {:.2} s, {again:?}",
        started.elapsed().as_secs_f64()
    );
    assert_eq!(
        again,
        daily::DailyReport::default(),
        "a repeated run does nothing"
    );
    Summary {
        daily: took,
        ..summary
    }
}

#[tokio::main]
async fn main() {
    let members: usize = std::env::var("BENCH_MEMBERS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(100_000);
    let practices = (members / 100).max(1);
    let postgres = std::env::var(chapterhouse_testkit::db::PG_ENV).is_ok_and(|v| !v.is_empty());
    // BENCH_ONLY=sqlite or BENCH_ONLY=postgres measures one backend.
    let only = std::env::var("BENCH_ONLY").unwrap_or_default();
    let mut summaries = Vec::new();
    let dir = tempfile::tempdir().expect("temporary directory");
    if only.is_empty() || only == "sqlite" {
        // BENCH_SQLITE_PATH keeps the generated database for a closer look (replaced if present).
        let path = match std::env::var("BENCH_SQLITE_PATH") {
            Ok(path) if !path.is_empty() => {
                for suffix in ["", "-wal", "-shm"] {
                    let _ = std::fs::remove_file(format!("{path}{suffix}"));
                }
                std::path::PathBuf::from(path)
            }
            _ => dir.path().join("bench.db"),
        };
        let url = format!("sqlite://{}", path.display());
        let db = Db::connect(&url, &DbOptions::default())
            .await
            .expect("open SQLite");
        migrate::run(&db, 0).await.expect("migrate SQLite");
        summaries.push(measure("SQLite", db, members, practices).await);
    }
    if postgres && (only.is_empty() || only == "postgres") {
        let test = chapterhouse_testkit::test_db().await;
        eprintln!("(PostgreSQL database: {})", test.url);
        summaries.push(measure("PostgreSQL", test.db.clone(), members, practices).await);
    }
    eprintln!("\n=== membership_scale: {members} members, {practices} practices ===");
    for summary in &summaries {
        summary.print();
    }
    if !postgres {
        eprintln!(
            "(PostgreSQL not measured: set {} to a server URL)",
            chapterhouse_testkit::db::PG_ENV
        );
    }
}

fn committee_named(name: &str) -> CommitteeFields {
    CommitteeFields {
        name: name.into(),
        kind: "committee".into(),
        description: String::new(),
    }
}
