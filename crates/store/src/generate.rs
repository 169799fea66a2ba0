//! Generated events and registrations at scale, for the `events_scale` benchmark and the hidden
//! `chapterhouse generate-events` command that `bench/load.sh` runs before serving (never used by
//! a request). Everything is written with plain multi-row inserts in one transaction, consistent
//! with the schema's rules:
//!
//! - every event is published, about nine in ten in the future, with sessions inside its times
//!   and registration types (general with a member price, trainee, complimentary faculty, and an
//!   industry type at some meetings);
//! - registrants are people of the society (made here, `@registrants.example` addresses), at most
//!   one live registration per person and event; each is confirmed, waitlisted (at the events
//!   that are full) or cancelled;
//! - `event.taken` and `registration_type.taken` are exactly the seats of the confirmed
//!   registrations (itself plus guests), and every capacity and cap holds them;
//! - one learner attended about a hundred past events, each with an activity, a credit maximum,
//!   an evaluation, attendance and an AMA PRA Category 1 claim within the maximum.
//!
//! No invoices are made for paid registrations (their price is recorded).
//!
//! The first event (`scale-00000`) is a future public meeting with the largest registrant list.

use chapterhouse_core::events::{format_local, to_instant};
use chapterhouse_core::{EventId, PersonId, Timestamp};
use jiff::ToSpan;
use jiff::civil::DateTime;
use uuid::Uuid;

use crate::import::{batch_rows, values_sql};
use crate::{Scoped, ScopedTx, StoreResult, exec};

mod members;
pub use members::*;

/// How much to generate.
#[derive(Clone, Debug)]
pub struct EventsScale {
    pub events: usize,
    pub registrations: usize,
    /// Registrants of the first event (the largest list).
    pub largest_event: usize,
    /// Past events the learner claims credit for.
    pub learner_claims: usize,
    pub now: Timestamp,
}

impl EventsScale {
    pub fn new(events: usize, registrations: usize, now: Timestamp) -> EventsScale {
        EventsScale {
            events,
            registrations,
            largest_event: 2_000.min(registrations),
            learner_claims: 100,
            now,
        }
    }
}

/// What was generated.
#[derive(Clone, Debug, Default)]
pub struct GeneratedEvents {
    pub events: usize,
    pub past_events: usize,
    pub sessions: usize,
    pub types: usize,
    pub people: usize,
    pub registrations: usize,
    pub waitlisted: usize,
    /// The first event: the largest registrant list.
    pub largest: Option<EventId>,
    pub largest_slug: String,
    pub largest_registrations: usize,
    /// The person with the credit claims.
    pub learner: Option<PersonId>,
    pub claims: usize,
}

/// Instants are microseconds.
const MINUTE: i64 = 60_000_000;
const HOUR: i64 = 60 * MINUTE;
const DAY: i64 = 24 * HOUR;

/// The slug of generated event `i`.
pub fn generated_slug(i: usize) -> String {
    format!("scale-{i:05}")
}

const TOPICS: &[&str] = &[
    "Breast Cancer",
    "Thoracic Oncology",
    "Hematologic Malignancies",
    "GI Cancers",
    "Genitourinary Oncology",
    "Melanoma",
    "Head and Neck Cancer",
    "Gynecologic Oncology",
    "Survivorship",
    "Oncology Pharmacy",
    "Radiation Oncology",
    "Palliative Care",
    "Cancer Genetics",
    "Pediatric Oncology",
    "Immunotherapy Toxicities",
    "Oncology Practice Management",
];
const FORMATS: &[&str] = &[
    "Update",
    "Tumor Board",
    "Case Conference",
    "Grand Rounds",
    "Workshop",
    "Symposium",
    "Journal Club",
    "Advocacy Briefing",
];
const REGIONS: &[&str] = &[
    "Capital Region",
    "North Country",
    "Seacoast",
    "Lakes Region",
    "Upper Valley",
    "Monadnock",
    "Merrimack Valley",
    "Great North Woods",
];
const VENUES: &[(&str, &str)] = &[
    (
        "Grappone Conference Center",
        "70 Constitution Avenue\nConcord, NH 03301",
    ),
    (
        "Hilton Garden Inn Downtown",
        "101 South Commercial Street\nManchester, NH 03101",
    ),
    (
        "Dartmouth Medical Center, Auditorium F",
        "1 Medical Center Drive\nLebanon, NH 03756",
    ),
    (
        "Wentworth by the Sea",
        "588 Wentworth Road\nNew Castle, NH 03854",
    ),
];
const FIRST: &[&str] = &[
    "Alma", "Bruno", "Celia", "Dev", "Esther", "Felix", "Gita", "Hugo", "Iris", "Jonah", "Keiko",
    "Luis", "Mira", "Noah", "Opal", "Priya", "Rafael", "Sana", "Theo", "Uma", "Vik", "Wren",
];
const LAST: &[&str] = &[
    "Adler", "Brandt", "Cohen", "Duarte", "Ellison", "Farah", "Greer", "Hoang", "Iwu", "Jensen",
    "Kowalski", "Lam", "Mendez", "Novak", "Ortiz", "Park", "Reyes", "Singh", "Tran", "Vogel",
    "Weiss", "Young", "Zamora",
];
const PROFESSIONS: &[&str] = &[
    "physician",
    "physician",
    "physician",
    "nurse_practitioner",
    "physician_assistant",
    "pharmacist",
    "nurse",
    "other",
];

/// A small deterministic generator (xorshift), so every run makes the same data.
struct Rng(u64);

impl Rng {
    fn below(&mut self, n: u64) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0 % n.max(1)
    }

    fn pick<'a, T>(&mut self, items: &'a [T]) -> &'a T {
        &items[self.below(items.len() as u64) as usize]
    }

    fn chance(&mut self, percent: u64) -> bool {
        self.below(100) < percent
    }
}

/// One bound value of a generated row.
enum Value {
    Id(Uuid),
    OptId(Option<Uuid>),
    Text(String),
    OptText(Option<String>),
    Int(i64),
    OptInt(Option<i64>),
    Bool(bool),
}

/// Rows of one table, written in statements of as many rows as the backends' limits on bound
/// values allow (SQLite: 32,766).
struct Rows {
    table: &'static str,
    columns: &'static [&'static str],
    values: Vec<Value>,
}

impl Rows {
    fn new(table: &'static str, columns: &'static [&'static str]) -> Rows {
        Rows {
            table,
            columns,
            values: Vec::new(),
        }
    }

    fn push(&mut self, row: Vec<Value>) {
        debug_assert_eq!(row.len(), self.columns.len(), "{}", self.table);
        self.values.extend(row);
    }

    fn len(&self) -> usize {
        self.values.len() / self.columns.len()
    }
}

/// A future or past event being generated, before it is written.
struct Plan {
    id: EventId,
    local_start: DateTime,
    hours: i64,
    starts_at: i64,
    ends_at: i64,
    past: bool,
    kind: &'static str,
    title: String,
    /// (id, name, price, member price, guests, complimentary, industry)
    types: Vec<TypePlan>,
}

struct TypePlan {
    id: Uuid,
    name: &'static str,
    price: i64,
    member_price: Option<i64>,
    guests: &'static str,
    complimentary: bool,
    industry: bool,
    taken: i64,
    /// Some types have a cap of their own.
    capped: bool,
}

impl ScopedTx {
    /// Write `rows` with the store's one multi-row insert (`import::values_sql`), in statements
    /// of `import::batch_rows` rows.
    async fn write(&mut self, rows: &Rows) -> StoreResult<()> {
        let width = rows.columns.len();
        let head = format!("INSERT INTO {} ({})", rows.table, rows.columns.join(", "));
        let numbered = self.tx.is_postgres();
        for chunk in rows.values.chunks(batch_rows(width) * width) {
            let sql = values_sql(&head, width, chunk.len() / width, "", numbered);
            exec!(self.tx.conn(), |c| {
                let mut query = sqlx::query(sqlx::AssertSqlSafe(sql.clone()));
                for value in chunk {
                    query = match value {
                        Value::Id(v) => query.bind(*v),
                        Value::OptId(v) => query.bind(*v),
                        Value::Text(v) => query.bind(v.clone()),
                        Value::OptText(v) => query.bind(v.clone()),
                        Value::Int(v) => query.bind(*v),
                        Value::OptInt(v) => query.bind(*v),
                        Value::Bool(v) => query.bind(*v),
                    };
                }
                query.execute(c).await
            })?;
        }
        Ok(())
    }
}

impl Scoped {
    /// Generate `scale.events` published events and about `scale.registrations` registrations
    /// (see the module's notes) in one transaction. A second run on the same database is refused
    /// as a conflict (the slugs and emails are taken).
    pub async fn generate_events(&self, scale: &EventsScale) -> StoreResult<GeneratedEvents> {
        let society = self.society.id.0;
        let zone = self.society.time_zone.clone();
        let now = scale.now.0;
        let mut rng = Rng(0x2545_f491_4f6c_dd1d);
        let mut out = GeneratedEvents::default();
        let today = jiff::Timestamp::from_microsecond(now)
            .unwrap_or(jiff::Timestamp::UNIX_EPOCH)
            .to_zoned(jiff::tz::TimeZone::get(&zone).unwrap_or(jiff::tz::TimeZone::UTC))
            .date();

        // --- The events, their sessions and types.
        let mut events = Rows::new(
            "event",
            &[
                "society_id",
                "id",
                "slug",
                "title",
                "summary",
                "description_md",
                "description_html",
                "kind",
                "status",
                "members_only",
                "time_zone",
                "starts_local",
                "ends_local",
                "starts_at",
                "ends_at",
                "location_name",
                "location_address",
                "online_url",
                "capacity",
                "taken",
                "created_at",
                "updated_at",
            ],
        );
        let mut sessions = Rows::new(
            "event_session",
            &[
                "society_id",
                "id",
                "event_id",
                "title",
                "description",
                "starts_local",
                "ends_local",
                "starts_at",
                "ends_at",
                "room",
                "position",
            ],
        );
        let mut plans: Vec<Plan> = Vec::with_capacity(scale.events);
        for i in 0..scale.events {
            // The first event: a public meeting about two months out. Then about one in ten in
            // the past two years, the rest in the next two.
            let past = i > 0 && rng.chance(10);
            let days = if i == 0 {
                60
            } else if past {
                -(1 + rng.below(730) as i64)
            } else {
                1 + rng.below(730) as i64
            };
            let day = today.checked_add(days.days()).unwrap_or(today);
            let kind = if i == 0 {
                "meeting"
            } else {
                *rng.pick(&[
                    "meeting", "meeting", "meeting", "webinar", "webinar", "series",
                ])
            };
            let (hour, hours) = match kind {
                "meeting" => (8 + rng.below(2) as i8, 6 + rng.below(4) as i64),
                "webinar" => (12 + rng.below(6) as i8, 1),
                _ => (7, 1),
            };
            let local_start = day.at(hour, 0, 0, 0);
            let local_end = local_start
                .checked_add(hours.hours())
                .unwrap_or(local_start);
            let (Ok(starts_at), Ok(ends_at)) =
                (to_instant(local_start, &zone), to_instant(local_end, &zone))
            else {
                continue;
            };
            let topic = rng.pick(TOPICS);
            let format = if kind == "series" {
                "Tumor Board"
            } else {
                rng.pick(FORMATS)
            };
            let region = rng.pick(REGIONS);
            let title = format!("{topic} {format}: {region}");
            let summary = format!(
                "{topic} for the {region}'s oncology teams: recent evidence, cases and discussion."
            );
            let description_md = format!(
                "Join colleagues from the {region} for a {} on {}.\n\n\
                 ## What to expect\n\n\
                 - Short talks on what changed in practice this year\n\
                 - Cases from the audience, discussed by the faculty\n\
                 - Time for questions\n\n\
                 Physicians, nurse practitioners, physician assistants, pharmacists and nurses \
                 are welcome. Continuing education credit is offered where noted.",
                format.to_lowercase(),
                topic.to_lowercase()
            );
            let description_html = format!(
                "<p>Join colleagues from the {region} for a {} on {}.</p>\n\
                 <h2>What to expect</h2>\n<ul>\n\
                 <li>Short talks on what changed in practice this year</li>\n\
                 <li>Cases from the audience, discussed by the faculty</li>\n\
                 <li>Time for questions</li>\n</ul>\n\
                 <p>Physicians, nurse practitioners, physician assistants, pharmacists and nurses \
                 are welcome. Continuing education credit is offered where noted.</p>",
                format.to_lowercase(),
                topic.to_lowercase()
            );
            let (location_name, location_address, online_url) = if kind == "meeting" {
                let (name, address) = rng.pick(VENUES);
                (name.to_string(), address.to_string(), String::new())
            } else {
                (
                    String::new(),
                    String::new(),
                    format!("https://zoom.example/j/{}", 8_100_000_000u64 + i as u64),
                )
            };
            let id = EventId::new();
            let created = starts_at.0.min(now) - DAY * (30 + rng.below(90) as i64);
            events.push(vec![
                Value::Id(society),
                Value::Id(id.0),
                Value::Text(generated_slug(i)),
                Value::Text(title.clone()),
                Value::Text(summary),
                Value::Text(description_md),
                Value::Text(description_html),
                Value::Text(kind.into()),
                Value::Text("published".into()),
                Value::Bool(i > 0 && rng.chance(10)),
                Value::Text(zone.clone()),
                Value::Text(format_local(local_start)),
                Value::Text(format_local(local_end)),
                Value::Int(starts_at.0),
                Value::Int(ends_at.0),
                Value::Text(location_name),
                Value::Text(location_address),
                Value::Text(online_url),
                // Capacity and taken are filled in once the registrations are known.
                Value::OptInt(None),
                Value::Int(0),
                Value::Int(created),
                Value::Int(created),
            ]);
            // Sessions: a meeting's agenda, one for a webinar or a series' meeting.
            let count = if kind == "meeting" {
                2 + rng.below(4) as i64
            } else {
                1
            };
            let step = (hours * 60 / count).max(30);
            for s in 0..count {
                let from = local_start
                    .checked_add((s * step).minutes())
                    .unwrap_or(local_start);
                let to = from.checked_add(step.minutes()).unwrap_or(from);
                let (Ok(from_at), Ok(to_at)) = (to_instant(from, &zone), to_instant(to, &zone))
                else {
                    continue;
                };
                sessions.push(vec![
                    Value::Id(society),
                    Value::Id(Uuid::now_v7()),
                    Value::Id(id.0),
                    Value::Text(format!("{} {}", rng.pick(TOPICS), rng.pick(FORMATS))),
                    Value::Text(String::new()),
                    Value::Text(format_local(from)),
                    Value::Text(format_local(to)),
                    Value::Int(from_at.0),
                    Value::Int(to_at.0),
                    Value::Text(if kind == "meeting" {
                        format!("Room {}", 100 + rng.below(20))
                    } else {
                        String::new()
                    }),
                    Value::Int(s + 1),
                ]);
            }
            let mut types = vec![
                TypePlan {
                    id: Uuid::now_v7(),
                    name: "General",
                    price: 25_000,
                    member_price: Some(15_000),
                    guests: if kind == "meeting" { "count" } else { "none" },
                    complimentary: false,
                    industry: false,
                    taken: 0,
                    capped: false,
                },
                TypePlan {
                    id: Uuid::now_v7(),
                    name: "Fellow or resident",
                    price: 5_000,
                    member_price: None,
                    guests: "none",
                    complimentary: false,
                    industry: false,
                    taken: 0,
                    capped: rng.chance(30),
                },
                TypePlan {
                    id: Uuid::now_v7(),
                    name: "Faculty",
                    price: 0,
                    member_price: None,
                    guests: "none",
                    complimentary: true,
                    industry: false,
                    taken: 0,
                    capped: false,
                },
            ];
            if kind == "meeting" && rng.chance(30) {
                types.push(TypePlan {
                    id: Uuid::now_v7(),
                    name: "Exhibitor",
                    price: 100_000,
                    member_price: None,
                    guests: "none",
                    complimentary: false,
                    industry: true,
                    taken: 0,
                    capped: false,
                });
            }
            out.past_events += past as usize;
            plans.push(Plan {
                id,
                local_start,
                hours,
                starts_at: starts_at.0,
                ends_at: ends_at.0,
                past,
                kind,
                title,
                types,
            });
        }
        out.events = plans.len();
        out.sessions = sessions.len();

        // --- How many registrants each event gets: the first its share, the rest by weight.
        let mut counts = vec![0usize; plans.len()];
        if let Some(first) = counts.first_mut() {
            *first = scale.largest_event.min(scale.registrations);
        }
        let rest = scale
            .registrations
            .saturating_sub(counts.first().copied().unwrap_or(0));
        if plans.len() > 1 {
            let weights: Vec<u64> = (1..plans.len()).map(|_| 1 + rng.below(199)).collect();
            let total: u64 = weights.iter().sum();
            let mut given = 0;
            for (i, w) in weights.iter().enumerate() {
                counts[i + 1] = (rest as u64 * w / total) as usize;
                given += counts[i + 1];
            }
            let mut i = 1;
            while given < rest {
                counts[i] += 1;
                given += 1;
                i = if i + 1 < counts.len() { i + 1 } else { 1 };
            }
        }
        // The learner attends the first past events (up to `learner_claims`).
        let learner_events: Vec<usize> = plans
            .iter()
            .enumerate()
            .filter(|(_, p)| p.past)
            .map(|(i, _)| i)
            .take(scale.learner_claims)
            .collect();
        let largest = counts.iter().copied().max().unwrap_or(0);
        let pool = (scale.registrations / 10).max(2 * largest).max(10);

        // --- People: the pool of registrants, then the learner.
        let mut people = Rows::new(
            "person",
            &[
                "society_id",
                "id",
                "email",
                "display_name",
                "first_name",
                "last_name",
                "credentials",
                "profession",
                "created_at",
                "updated_at",
            ],
        );
        struct Person {
            id: Uuid,
            first: &'static str,
            last: &'static str,
            email: String,
        }
        let mut persons: Vec<Person> = Vec::with_capacity(pool + 1);
        for n in 0..=pool {
            let (first, last) = if n == pool {
                ("Lena", "Learner")
            } else {
                (*rng.pick(FIRST), *rng.pick(LAST))
            };
            let email = format!(
                "{}.{}{n}@registrants.example",
                first.to_lowercase(),
                last.to_lowercase()
            );
            let profession = if n == pool {
                "physician"
            } else {
                *rng.pick(PROFESSIONS)
            };
            let credentials = match profession {
                "physician" => "MD",
                "nurse_practitioner" => "NP",
                "physician_assistant" => "PA-C",
                "pharmacist" => "PharmD",
                "nurse" => "RN",
                _ => "",
            };
            let id = Uuid::now_v7();
            people.push(vec![
                Value::Id(society),
                Value::Id(id),
                Value::Text(email.clone()),
                Value::Text(format!("{first} {last}")),
                Value::Text(first.into()),
                Value::Text(last.into()),
                Value::Text(credentials.into()),
                Value::Text(profession.into()),
                Value::Int(now - DAY * 800),
                Value::Int(now - DAY * 800),
            ]);
            persons.push(Person {
                id,
                first,
                last,
                email,
            });
        }
        out.people = persons.len();
        let learner = pool;
        out.learner = Some(PersonId(persons[learner].id));

        // --- Registrations, and the counters they make.
        let mut registrations = Rows::new(
            "registration",
            &[
                "society_id",
                "id",
                "event_id",
                "registration_type_id",
                "person_id",
                "first_name",
                "last_name",
                "email",
                "status",
                "seats",
                "price_cents",
                "member_price",
                "waitlisted_at",
                "checked_in_at",
                "cancelled_at",
                "created_at",
                "updated_at",
            ],
        );
        let mut capacities: Vec<(Option<i64>, i64)> = Vec::with_capacity(plans.len());
        for (i, plan) in plans.iter_mut().enumerate() {
            let mut who: Vec<usize> = Vec::with_capacity(counts[i] + 1);
            if learner_events.contains(&i) {
                who.push(learner);
            }
            let offset = rng.below(pool as u64) as usize;
            who.extend((0..counts[i]).map(|j| (offset + j) % pool));
            // About one event in seven is full with a waitlist; the first one is not.
            let full = i > 0 && !plan.past && rng.chance(15);
            let confirmed_target = if full {
                who.len() * 85 / 100
            } else {
                who.len()
            };
            let mut taken = 0i64;
            let mut confirmed = 0usize;
            for (j, &p) in who.iter().enumerate() {
                let person = &persons[p];
                let kind = if p == learner {
                    0
                } else {
                    match rng.below(100) {
                        0..=79 => 0,
                        80..=94 => 1,
                        95..=97 if plan.types.len() > 3 => 3,
                        _ => 2,
                    }
                };
                let t = &mut plan.types[kind];
                let cancelled = rng.chance(2) && p != learner;
                let status = if cancelled {
                    "cancelled"
                } else if confirmed < confirmed_target {
                    confirmed += 1;
                    "confirmed"
                } else {
                    out.waitlisted += 1;
                    "waitlisted"
                };
                let seats = if t.guests == "count" && rng.chance(5) {
                    2
                } else {
                    1
                };
                if status == "confirmed" {
                    t.taken += seats;
                    taken += seats;
                }
                let member = t.member_price.is_some() && rng.chance(50);
                let price = if t.complimentary {
                    0
                } else if member {
                    t.member_price.unwrap_or(t.price)
                } else {
                    t.price
                } * seats;
                let created = plan.starts_at.min(now) - DAY * (1 + rng.below(60) as i64) + j as i64;
                registrations.push(vec![
                    Value::Id(society),
                    Value::Id(Uuid::now_v7()),
                    Value::Id(plan.id.0),
                    Value::Id(t.id),
                    Value::Id(person.id),
                    Value::Text(person.first.into()),
                    Value::Text(person.last.into()),
                    Value::Text(person.email.clone()),
                    Value::Text(status.into()),
                    Value::Int(seats),
                    Value::Int(price),
                    Value::Bool(member),
                    Value::OptInt((status == "waitlisted").then_some(created)),
                    Value::OptInt(
                        (plan.past && status == "confirmed" && (p == learner || rng.chance(85)))
                            .then_some(plan.starts_at + 10 * MINUTE),
                    ),
                    Value::OptInt(cancelled.then_some(created + DAY)),
                    Value::Int(created),
                    Value::Int(created),
                ]);
            }
            // A full event's capacity is what it has taken; otherwise most events have room
            // to spare and some have no limit.
            let capacity = if full {
                Some(taken)
            } else if rng.chance(30) {
                None
            } else {
                Some(taken + 10 + rng.below(200) as i64)
            };
            capacities.push((capacity, taken));
        }
        out.registrations = registrations.len();
        out.largest = plans.first().map(|p| p.id);
        out.largest_slug = plans.first().map(|_| generated_slug(0)).unwrap_or_default();
        out.largest_registrations = counts.first().copied().unwrap_or(0);

        // Events, now with their counters.
        let width = events.columns.len();
        for (i, (capacity, taken)) in capacities.iter().enumerate() {
            events.values[i * width + 18] = Value::OptInt(*capacity);
            events.values[i * width + 19] = Value::Int(*taken);
        }
        let mut types = Rows::new(
            "registration_type",
            &[
                "society_id",
                "id",
                "event_id",
                "name",
                "description",
                "price_cents",
                "member_price_cents",
                "audience",
                "cap",
                "taken",
                "guests",
                "max_guests",
                "complimentary",
                "is_industry",
                "cancel_policy",
                "cancel_until_hours",
                "position",
                "created_at",
            ],
        );
        for plan in &plans {
            for (position, t) in plan.types.iter().enumerate() {
                types.push(vec![
                    Value::Id(society),
                    Value::Id(t.id),
                    Value::Id(plan.id.0),
                    Value::Text(t.name.into()),
                    Value::Text(String::new()),
                    Value::Int(t.price),
                    Value::OptInt(t.member_price),
                    Value::Text("anyone".into()),
                    Value::OptInt(t.capped.then_some(t.taken + 5)),
                    Value::Int(t.taken),
                    Value::Text(t.guests.into()),
                    Value::Int(if t.guests == "count" { 2 } else { 0 }),
                    Value::Bool(t.complimentary),
                    Value::Bool(t.industry),
                    Value::Text(if t.complimentary { "none" } else { "refund" }.into()),
                    Value::Int(48),
                    Value::Int(position as i64 + 1),
                    Value::Int(now - DAY * 120),
                ]);
            }
        }
        out.types = types.len();

        // --- The learner's education record at the first past events.
        let mut activities = Rows::new(
            "activity",
            &[
                "society_id",
                "id",
                "event_id",
                "title",
                "activity_type",
                "accreditation_statement",
                "designation_statement",
                "starts_on",
                "ends_on",
                "location",
                "created_at",
            ],
        );
        let mut credits = Rows::new(
            "activity_credit",
            &[
                "society_id",
                "id",
                "activity_id",
                "credit_type",
                "max_hundredths",
            ],
        );
        let mut evaluations = Rows::new(
            "evaluation",
            &[
                "society_id",
                "id",
                "activity_id",
                "person_id",
                "submitted_at",
            ],
        );
        let mut attendance = Rows::new(
            "attendance",
            &[
                "society_id",
                "id",
                "event_id",
                "person_id",
                "minutes",
                "attended",
                "source",
                "recorded_at",
            ],
        );
        let mut claims = Rows::new(
            "credit_claim",
            &[
                "society_id",
                "id",
                "activity_id",
                "person_id",
                "credit_type",
                "amount_hundredths",
                "completed_on",
                "claimed_at",
            ],
        );
        for &i in &learner_events {
            let plan = &plans[i];
            let activity = Uuid::now_v7();
            let day = plan.local_start.date().to_string();
            let max = plan.hours * 100;
            activities.push(vec![
                Value::Id(society),
                Value::Id(activity),
                Value::OptId(Some(plan.id.0)),
                Value::Text(plan.title.clone()),
                Value::Text(
                    if plan.kind == "meeting" {
                        "live"
                    } else {
                        "internet_live"
                    }
                    .into(),
                ),
                Value::Text(
                    "The society is accredited by the Accreditation Council for Continuing \
                     Medical Education (ACCME) to provide continuing medical education for \
                     physicians."
                        .into(),
                ),
                Value::Text(format!(
                    "The society designates this live activity for a maximum of {}.00 AMA PRA \
                     Category 1 Credit(s)\u{2122}. Physicians should claim only the credit \
                     commensurate with the extent of their participation in the activity.",
                    plan.hours
                )),
                Value::Text(day.clone()),
                Value::Text(day.clone()),
                Value::Text(String::new()),
                Value::Int(plan.starts_at - DAY * 30),
            ]);
            credits.push(vec![
                Value::Id(society),
                Value::Id(Uuid::now_v7()),
                Value::Id(activity),
                Value::Text("ama_pra_1".into()),
                Value::Int(max),
            ]);
            evaluations.push(vec![
                Value::Id(society),
                Value::Id(Uuid::now_v7()),
                Value::Id(activity),
                Value::Id(persons[learner].id),
                Value::Int(plan.ends_at + HOUR),
            ]);
            attendance.push(vec![
                Value::Id(society),
                Value::Id(Uuid::now_v7()),
                Value::Id(plan.id.0),
                Value::Id(persons[learner].id),
                Value::Int(plan.hours * 60),
                Value::Bool(true),
                Value::Text("checkin".into()),
                Value::Int(plan.starts_at + 10 * MINUTE),
            ]);
            // A quarter-credit step at most the maximum.
            let amount = (max - 25 * rng.below(4) as i64).max(25);
            claims.push(vec![
                Value::Id(society),
                Value::Id(Uuid::now_v7()),
                Value::Id(activity),
                Value::Id(persons[learner].id),
                Value::Text("ama_pra_1".into()),
                Value::Int(amount),
                Value::Text(day),
                Value::Int(plan.ends_at + HOUR + MINUTE),
            ]);
        }
        out.claims = claims.len();

        let mut tx = self.begin().await?;
        for rows in [
            &events,
            &sessions,
            &types,
            &people,
            &registrations,
            &activities,
            &credits,
            &evaluations,
            &attendance,
            &claims,
        ] {
            tx.write(rows).await.map_err(|e| match e {
                crate::StoreError::Conflict(_) => crate::StoreError::Conflict(format!(
                    "{}: the data were generated here already",
                    rows.table
                )),
                other => other,
            })?;
        }
        tx.commit().await?;
        Ok(out)
    }
}
