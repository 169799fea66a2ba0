//! Import and export of 50,000 generated members, timed (not a unit test).
//!
//! `cargo bench -p chapterhouse-app --bench import_export` imports a generated member list into a
//! fresh SQLite file database, re-imports it (a no-op), exports it, and prints the timings
//! against the targets (import < 15 s, export < 5 s). With `CHAPTERHOUSE_TEST_DATABASE_URL` set
//! it does the same on a fresh PostgreSQL database too. `IMPORT_BENCH_ROWS` changes the row count.

use std::sync::Arc;
use std::time::{Duration, Instant};

use chapterhouse_app::custom_fields::{CustomFieldForm, create_custom_field};
use chapterhouse_app::export::members_csv;
use chapterhouse_app::import::{self, ImportOutcome, NoProgress};
use chapterhouse_app::membership::{LevelForm, create_level};
use chapterhouse_app::societies::{NewSocietyForm, create_society};
use chapterhouse_app::{Actor, App, LinkSettings};
use chapterhouse_core::signing::Signer;
use chapterhouse_core::time::FixedClock;
use chapterhouse_mail::Mailer;
use chapterhouse_store::{Db, DbOptions, MemberFilter, Store, migrate};
use jiff::civil::{Date, date};

const TODAY: Date = date(2026, 11, 21);
const IMPORT_TARGET: Duration = Duration::from_secs(15);
const EXPORT_TARGET: Duration = Duration::from_secs(5);

const FIRST: &[&str] = &[
    "Amara", "Ben", "Carmen", "Daniel", "Elena", "Farid", "Grace", "Hiro", "Ines", "Jamal",
    "Kavya", "Liam", "Maya", "Nikolai", "Olivia", "Pedro", "Quinn", "Rosa", "Samuel", "Tara",
    "Umar", "Vera", "Wen", "Ximena", "Yusuf", "Zoe", "Aaron", "Bianca", "Chidi", "Dana", "José",
    "Zoë", "Siobhán", "Łukasz",
];
const LAST: &[&str] = &[
    "Abbott",
    "Bergstrom",
    "Castillo",
    "Delacroix",
    "Eze",
    "Fitzgerald",
    "Gupta",
    "Halvorsen",
    "Ibarra",
    "Jovanovic",
    "Kaur",
    "Lindqvist",
    "Moreau",
    "Nakamura",
    "Okafor",
    "Petrov",
    "Quintero",
    "Rasmussen",
    "Sato",
    "Thorne",
    "Urquhart",
    "Valdez",
    "Whitfield",
    "Xu",
    "Yilmaz",
    "Zielinski",
    "O'Brien",
    "García-López",
    "Nguyen",
    "Van der Berg",
];
const PLACES: &[&str] = &[
    "Lakeside",
    "Prairie",
    "Northshore",
    "Riverbend",
    "Oak Park",
    "Springfield",
    "Cedar Valley",
    "Fox River",
    "Heartland",
    "Lincoln",
    "Bluff City",
    "Maple Grove",
    "Harbor",
    "Summit",
    "Meadowbrook",
    "Pinecrest",
    "Stone Creek",
    "Willow",
    "Elmhurst",
    "Bayview",
];
const KINDS: &[&str] = &[
    "Oncology Associates",
    "Hematology Group",
    "Cancer Center",
    "Oncology & Hematology, P.C.",
    "Cancer Care",
];
const GROUPS: &[&str] = &[
    "Thoracic oncology",
    "Breast cancer",
    "GI oncology",
    "Advocacy committee",
    "Early career forum",
    "Pharmacists' network",
    "Tumor board hosts",
    "Reimbursement help line",
    "Annual meeting planning",
    "NP/PA section",
    "Hematologic malignancies",
    "Survivorship",
];
const LEVELS: &[(&str, &str)] = &[
    ("Active physician", "1-year"),
    ("NP, PA or pharmacist", "1-year"),
    ("Early career physician", "1-year"),
    ("Fellow in training", "1-year"),
    ("Honorary", "never"),
];

/// xorshift: repeatable without a dependency.
struct Rng(u64);

impl Rng {
    fn below(&mut self, n: u64) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0 % n
    }

    fn pick<'a>(&mut self, items: &[&'a str]) -> &'a str {
        items[self.below(items.len() as u64) as usize]
    }
}

fn days(n: u64) -> jiff::Span {
    jiff::Span::new().days(n as i64)
}

fn quote(cell: &str) -> String {
    if cell.contains([',', '"', '\n']) {
        format!("\"{}\"", cell.replace('"', "\"\""))
    } else {
        cell.to_string()
    }
}

/// A member list as a hosted membership system exports it: 1,000 practices, five levels, every
/// status, groups, two custom fields, several date formats.
fn generate(rows: usize) -> Vec<u8> {
    let mut rng = Rng(0x9e37_79b9_7f4a_7c15);
    let practices: Vec<String> = (0..1000)
        .map(|i| {
            format!(
                "{} {} {}",
                PLACES[i % PLACES.len()],
                KINDS[(i / PLACES.len()) % KINDS.len()],
                i / (PLACES.len() * KINDS.len()) + 1
            )
        })
        .collect();
    let mut out = String::from(
        "User ID,First name,Last name,Organization,Email,Phone,Membership level,Membership status,\
         Member since,Renewal due,Group participation,State licence,Tumor board\r\n",
    );
    for i in 0..rows {
        let first = rng.pick(FIRST);
        let last = rng.pick(LAST);
        let (level, period) = LEVELS[match rng.below(100) {
            0..=59 => 0,
            60..=79 => 1,
            80..=89 => 2,
            90..=97 => 3,
            _ => 4,
        }];
        let since = TODAY - days(30 + rng.below(7000));
        let (status, due) = match rng.below(100) {
            0..=79 => ("Active", Some(TODAY + days(1 + rng.below(360)))),
            80..=84 => ("Lapsed", Some(TODAY - days(1 + rng.below(25)))), // in grace
            85..=92 => ("Lapsed", Some(TODAY - days(40 + rng.below(700)))),
            93..=96 => ("Pending - Renewal", Some(TODAY + days(1 + rng.below(60)))),
            _ => ("Suspended", Some(TODAY + days(1 + rng.below(300)))),
        };
        let due = if period == "never" { None } else { due };
        let since = match due {
            Some(due) if since > due => due - days(365),
            _ => since,
        };
        let since_text = match i % 3 {
            0 => since.to_string(),
            1 => since.strftime("%m/%d/%Y").to_string(),
            _ => since.strftime("%-d %b %Y").to_string(),
        };
        let groups: Vec<&str> = (0..rng.below(3)).map(|_| rng.pick(GROUPS)).collect();
        let email = format!(
            "{}.{}{i}@{}.example",
            first.to_lowercase(),
            last.to_lowercase().replace([' ', '\''], ""),
            [
                "gmail",
                "lakeside-onc",
                "prairieheme",
                "northshore",
                "uchicago"
            ][i % 5]
        );
        let cells = [
            (100_000 + i).to_string(),
            first.to_string(),
            last.to_string(),
            practices[rng.below(1000) as usize].clone(),
            email,
            format!(
                "({}) 555-{:04}",
                [312, 217, 847, 630][i % 4],
                rng.below(10_000)
            ),
            level.to_string(),
            status.to_string(),
            since_text,
            due.map(|d| d.to_string()).unwrap_or_default(),
            groups.join("; "),
            format!("IL-036-{:06}", rng.below(1_000_000)),
            ["yes", "no", ""][i % 3].to_string(),
        ];
        let line: Vec<String> = cells.iter().map(|c| quote(c)).collect();
        out.push_str(&line.join(","));
        out.push_str("\r\n");
    }
    out.into_bytes()
}

async fn app_on(db: Db, outbox: &std::path::Path) -> App {
    App {
        store: Store::new(db),
        clock: FixedClock::at_rfc3339("2026-11-21T15:00:00Z"),
        signer: Arc::new(Signer::new(b"benchmark key")),
        secrets: chapterhouse_app::secrets::SecretBox::from_deployment_secret(b"benchmark key"),
        mailer: Mailer::file_outbox(outbox).expect("outbox"),
        links: LinkSettings {
            scheme: "https".into(),
            port_suffix: String::new(),
        },
    }
}

fn verdict(took: Duration, target: Duration) -> &'static str {
    if took < target {
        "ok"
    } else {
        "SLOWER THAN TARGET"
    }
}

async fn bench(backend: &str, app: &App, file: &[u8], rows: usize) {
    let (society, _) = create_society(
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
            owner_name: "Olive Owner".into(),
            owner_email: "owner@bench.test".into(),
            owner_password: "benchmark password".into(),
        },
        &Actor::default(),
    )
    .await
    .expect("society");
    let scoped = app.scoped(&society);
    for (name, period) in LEVELS {
        create_level(
            app,
            &scoped,
            &LevelForm {
                name: name.to_string(),
                fee: "350".into(),
                period: period.to_string(),
                grace_days: "30".into(),
                ..Default::default()
            },
            &Actor::default(),
        )
        .await
        .expect("level");
    }
    for (name, kind) in [("State licence", "text"), ("Tumor board", "yes_no")] {
        create_custom_field(
            app,
            &scoped,
            &CustomFieldForm {
                name: name.into(),
                kind: kind.into(),
                choices: String::new(),
            },
            &Actor::default(),
        )
        .await
        .expect("custom field");
    }

    let scoped = &scoped;
    let run = |label: &'static str| async move {
        let started = Instant::now();
        let outcome = import::import(
            app,
            scoped,
            "members.csv",
            file,
            &[],
            &Actor::default(),
            &NoProgress,
        )
        .await
        .expect("import");
        let took = started.elapsed();
        let ImportOutcome::Imported(summary) = outcome else {
            panic!("the generated file was refused");
        };
        println!(
            "{backend:<9} {label:<26} {:>7.2} s  ({} new, {} updated, {} unchanged){}",
            took.as_secs_f64(),
            summary.created,
            summary.updated,
            summary.unchanged,
            if label == "import" {
                format!(
                    "  target < {} s: {}",
                    IMPORT_TARGET.as_secs(),
                    verdict(took, IMPORT_TARGET)
                )
            } else {
                String::new()
            }
        );
        summary
    };
    let first = run("import").await;
    assert_eq!(first.created, rows);
    let again = run("re-import (changes nothing)").await;
    assert_eq!(again.unchanged, rows);

    let started = Instant::now();
    let export = members_csv(
        app,
        scoped,
        &MemberFilter::default(),
        &Actor::default(),
        &NoProgress,
    )
    .await
    .expect("export");
    let took = started.elapsed();
    assert_eq!(export.rows, rows);
    println!(
        "{backend:<9} {:<26} {:>7.2} s  ({} rows, {:.1} MB)  target < {} s: {}",
        "export",
        took.as_secs_f64(),
        export.rows,
        export.bytes.len() as f64 / 1e6,
        EXPORT_TARGET.as_secs(),
        verdict(took, EXPORT_TARGET)
    );
}

fn main() {
    let rows: usize = std::env::var("IMPORT_BENCH_ROWS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(50_000);
    let runtime = tokio::runtime::Runtime::new().expect("runtime");
    let file = generate(rows);
    println!(
        "member import/export: {rows} generated rows, {:.1} MB of CSV",
        file.len() as f64 / 1e6
    );
    runtime.block_on(async {
        let dir = tempfile::tempdir().expect("temporary directory");
        let url = format!("sqlite://{}", dir.path().join("bench.db").display());
        let db = Db::connect(&url, &DbOptions::default())
            .await
            .expect("open SQLite");
        migrate::run(&db, 0).await.expect("migrate");
        let app = app_on(db, &dir.path().join("outbox")).await;
        bench("sqlite", &app, &file, rows).await;

        if std::env::var(chapterhouse_testkit::db::PG_ENV).is_ok_and(|v| !v.is_empty()) {
            let pg = chapterhouse_testkit::test_db().await;
            let app = app_on(pg.db.clone(), &dir.path().join("outbox")).await;
            bench("postgres", &app, &file, rows).await;
        }
    });
}
