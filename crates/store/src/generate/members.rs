//! Generated members and practices at scale, for the `membership_scale` benchmark (never used by
//! a request). Written with the same multi-row inserts as the events, in one transaction, and
//! consistent with what the app itself would have stored:
//!
//! - practices named `Practice 0000`… with one one-year anniversary term each (joined up to two
//!   years ago, most within the year), on the practice level, their status computed from the
//!   term (`status_since` today when it is no longer pending, as the daily run would have set);
//! - people (`first.last<n>@bench.example`) with a profile (profession, specialty, credentials)
//!   and a practice address in one of [`GENERATED_STATES`]; about one in fifty sits on one of
//!   the given committees;
//! - the first eight per practice hold a seat the practice pays for, following its status, and
//!   are linked to it (the first of each eight as its manager);
//! - everyone else is an individual member on one of the given levels, joined up to three years
//!   ago, with one or two one-year terms and the status those give (about three in four
//!   current).

use chapterhouse_core::membership::{self, RenewalAnchor, RenewalPeriod, StatusInput, Term};
use chapterhouse_core::people::Profession;
use chapterhouse_core::practice::practice_status;
use chapterhouse_core::{
    CommitteeId, CommitteeMemberId, LevelId, MembershipId, PersonId, PracticeId, PracticeTermId,
    TermId, Timestamp,
};
use jiff::ToSpan;
use jiff::civil::Date;

use super::{FIRST, LAST, Rng, Rows, Value};
use crate::import::BulkTable;
use crate::{Scoped, StoreResult};

/// The specialties generated members have.
pub const GENERATED_SPECIALTIES: &[&str] = &[
    "Medical oncology",
    "Hematology",
    "Radiation oncology",
    "Gynecologic oncology",
    "Surgical oncology",
    "Oncology pharmacy",
    "Oncology nursing",
    "Pediatric oncology",
];

/// The states of generated practices and members' practice addresses.
pub const GENERATED_STATES: &[&str] = &[
    "TX", "OK", "LA", "NM", "AR", "CO", "KS", "MO", "NE", "AZ", "UT", "NV",
];

/// How much to generate, and into which levels and committees (made beforehand the usual way).
#[derive(Clone, Debug)]
pub struct MembersScale {
    pub members: usize,
    pub practices: usize,
    /// Individual members' levels with their renewal anchors (one-year terms).
    pub levels: Vec<(LevelId, RenewalAnchor)>,
    /// The level practices are on and their seats hold.
    pub practice_level: LevelId,
    pub committees: Vec<CommitteeId>,
    /// Grace days of every level.
    pub grace_days: u16,
    /// The society's local date.
    pub today: Date,
    pub now: Timestamp,
}

/// What was generated.
#[derive(Clone, Debug, Default)]
pub struct GeneratedMembers {
    pub practices: Vec<PracticeId>,
    pub people: usize,
    pub seats: usize,
    pub terms: usize,
    pub committee_members: usize,
}

const PERIOD: RenewalPeriod = RenewalPeriod::Years(1);
/// Seats per practice.
const SEATS: usize = 8;

impl Scoped {
    /// Generate `scale.practices` practices and `scale.members` members (see the module's
    /// notes) in one transaction. A second run on the same database is a conflict (the
    /// practice names and emails are taken).
    pub async fn generate_members(&self, scale: &MembersScale) -> StoreResult<GeneratedMembers> {
        let society = self.society.id.0;
        let today = scale.today;
        let now = scale.now.0;
        let day = |d: Date| Value::Text(d.to_string());
        let end = |t: &Term| Value::OptText(t.end.map(|d| d.to_string()));
        let mut rng = Rng(0x9e37_79b9_7f4a_7c15);
        let mut out = GeneratedMembers::default();

        let mut practices = Rows::new(
            "practice",
            &[
                "society_id",
                "id",
                "name",
                "state",
                "level_id",
                "po_number",
                "joined_on",
                "status",
                "status_since",
                "created_at",
            ],
        );
        let mut practice_terms = Rows::new(
            "practice_term",
            &[
                "society_id",
                "id",
                "practice_id",
                "start_on",
                "end_on",
                "created_at",
            ],
        );
        let mut practice_plans = Vec::with_capacity(scale.practices);
        for i in 0..scale.practices {
            let days_ago = match rng.below(20) {
                0 => 366 + rng.below(25),
                1 => 400 + rng.below(300),
                _ => rng.below(360),
            };
            let joined = today.checked_sub((days_ago as i64).days()).unwrap_or(today);
            let term = membership::first_term(joined, PERIOD, RenewalAnchor::Anniversary);
            let status = practice_status(today, &[term], scale.grace_days);
            let since = if status == membership::Status::Pending {
                joined
            } else {
                today
            };
            let id = PracticeId::new();
            practices.push(vec![
                Value::Id(society),
                Value::Id(id.0),
                Value::Text(format!("Practice {i:04}")),
                Value::Text(GENERATED_STATES[i % GENERATED_STATES.len()].into()),
                Value::Id(scale.practice_level.0),
                Value::Text(format!("PO-{i}")),
                day(joined),
                Value::Text(status.as_str().into()),
                day(since),
                Value::Int(now),
            ]);
            practice_terms.push(vec![
                Value::Id(society),
                Value::Id(PracticeTermId::new().0),
                Value::Id(id.0),
                day(term.start),
                end(&term),
                Value::Int(now),
            ]);
            out.practices.push(id);
            practice_plans.push((term, status));
        }

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
                "specialty",
                "created_at",
                "updated_at",
            ],
        );
        let mut addresses = Rows::new(
            "person_address",
            &["society_id", "person_id", "kind", "city", "state"],
        );
        let mut committee_members = Rows::new(
            "committee_member",
            &[
                "society_id",
                "id",
                "committee_id",
                "person_id",
                "role",
                "created_at",
            ],
        );
        let mut memberships = Rows::new(
            "membership",
            &[
                "society_id",
                "id",
                "person_id",
                "level_id",
                "joined_on",
                "status",
                "status_since",
                "created_at",
                "latest_term_end",
            ],
        );
        let mut terms = Rows::new(
            "membership_term",
            &[
                "society_id",
                "id",
                "membership_id",
                "level_id",
                "start_on",
                "end_on",
                "created_at",
            ],
        );
        let mut seats = Rows::new(
            "membership_seat",
            &["society_id", "membership_id", "practice_id", "added_on"],
        );
        let mut links = Rows::new(
            "practice_link",
            &[
                "society_id",
                "practice_id",
                "person_id",
                "is_manager",
                "created_at",
            ],
        );
        for n in 0..scale.members {
            let seat = (n < scale.practices * SEATS).then_some(n / SEATS);
            let first = *rng.pick(FIRST);
            let last = *rng.pick(LAST);
            let profession = match rng.below(10) {
                0..=5 => Profession::Physician,
                6 => Profession::NursePractitioner,
                7 => Profession::PhysicianAssistant,
                8 => Profession::Pharmacist,
                _ => Profession::Fellow,
            };
            let person = PersonId::new();
            people.push(vec![
                Value::Id(society),
                Value::Id(person.0),
                Value::Text(format!(
                    "{}.{}{n}@bench.example",
                    first.to_lowercase(),
                    last.to_lowercase()
                )),
                Value::Text(format!("{first} {last}")),
                Value::Text(first.into()),
                Value::Text(last.into()),
                Value::Text("MD".into()),
                Value::Text(profession.as_str().into()),
                Value::Text((*rng.pick(GENERATED_SPECIALTIES)).into()),
                Value::Int(now),
                Value::Int(now),
            ]);
            addresses.push(vec![
                Value::Id(society),
                Value::Id(person.0),
                Value::Text("practice".into()),
                Value::Text("City".into()),
                Value::Text((*rng.pick(GENERATED_STATES)).into()),
            ]);
            if rng.below(50) == 0 && !scale.committees.is_empty() {
                committee_members.push(vec![
                    Value::Id(society),
                    Value::Id(CommitteeMemberId::new().0),
                    Value::Id(rng.pick(&scale.committees).0),
                    Value::Id(person.0),
                    Value::Text("member".into()),
                    Value::Int(now),
                ]);
            }
            let membership = MembershipId::new();
            // The latest term end is written with the membership, so the terms' trigger (migration
            // 0019) finds it right and leaves the row alone.
            let (level, joined, status, latest) = match seat {
                Some(p) => {
                    let (term, practice_status) = practice_plans[p];
                    let status = membership::status(&StatusInput {
                        today,
                        terms: &[],
                        application: None,
                        cancelled_on: None,
                        suspended: false,
                        override_status: None,
                        practice_status: Some(practice_status),
                        grace_days: scale.grace_days,
                    });
                    seats.push(vec![
                        Value::Id(society),
                        Value::Id(membership.0),
                        Value::Id(out.practices[p].0),
                        day(term.start),
                    ]);
                    links.push(vec![
                        Value::Id(society),
                        Value::Id(out.practices[p].0),
                        Value::Id(person.0),
                        Value::Bool(n % SEATS == 0),
                        Value::Int(now),
                    ]);
                    (scale.practice_level, term.start, status, None)
                }
                None => {
                    let (level, anchor) = *rng.pick(&scale.levels);
                    // Joined 0–3 years ago; two terms for those who renewed; ~75% current.
                    let days_ago = match rng.below(20) {
                        0..=14 => rng.below(365),
                        15..=16 => 366 + rng.below(30),
                        _ => 400 + rng.below(700),
                    };
                    let joined = today.checked_sub((days_ago as i64).days()).unwrap_or(today);
                    let mut held = vec![membership::first_term(joined, PERIOD, anchor)];
                    if rng.below(3) == 0
                        && let Some(next) = membership::next_term(&held[0], PERIOD)
                    {
                        held.push(next);
                    }
                    let status = membership::status(&StatusInput {
                        today,
                        terms: &held,
                        application: None,
                        cancelled_on: None,
                        suspended: false,
                        override_status: None,
                        practice_status: None,
                        grace_days: scale.grace_days,
                    });
                    for t in &held {
                        terms.push(vec![
                            Value::Id(society),
                            Value::Id(TermId::new().0),
                            Value::Id(membership.0),
                            Value::Id(level.0),
                            day(t.start),
                            end(t),
                            Value::Int(now),
                        ]);
                    }
                    let latest = held.iter().filter_map(|t| t.end).max();
                    (level, joined, status, latest)
                }
            };
            memberships.push(vec![
                Value::Id(society),
                Value::Id(membership.0),
                Value::Id(person.0),
                Value::Id(level.0),
                day(joined),
                Value::Text(status.as_str().into()),
                day(joined),
                Value::Int(now),
                Value::OptText(latest.map(|d| d.to_string())),
            ]);
        }
        out.people = people.len();
        out.seats = seats.len();
        out.terms = terms.len();
        out.committee_members = committee_members.len();

        let mut tx = self.begin().await?;
        tx.write(&practices).await?;
        tx.analyze_after_bulk(BulkTable::Practice, practices.len())
            .await?;
        tx.write(&practice_terms).await?;
        tx.write(&people).await?;
        tx.analyze_after_bulk(BulkTable::Person, people.len())
            .await?;
        tx.write(&addresses).await?;
        tx.write(&committee_members).await?;
        tx.write(&memberships).await?;
        tx.analyze_after_bulk(BulkTable::Membership, memberships.len())
            .await?;
        for rows in [&terms, &seats, &links] {
            tx.write(rows).await?;
        }
        tx.commit().await?;
        Ok(out)
    }
}
