//! Demo practices: the level rules of the demo levels (the fellow moves to early career on 30
//! June, retired and honorary are not offered on Join), a practice level with rates per
//! profession and a seat limit, and about twenty practices per society with managers, billing
//! contacts and seats, most active, some in grace and some lapsed. Committees, specialties and
//! practice-address states give the members list's filters something to find.

use chapterhouse_core::Role;
use chapterhouse_core::level_rules::Profession;
use chapterhouse_core::membership::{self, RenewalAnchor, RenewalPeriod, StatusInput};
use chapterhouse_store::{Address, CommitteeFields, NewSeat, ProfileFields, Society};
use jiff::ToSpan;

use super::edit_level;
use crate::accounts::NewAccountInput;
use crate::membership::{LevelForm, create_level};
use crate::practices::{self, PracticeForm};
use crate::{Actor, App, AppResult};

const PRACTICE_NAMES: &[&str] = &[
    "Hill Country Oncology",
    "Riverside Hematology Associates",
    "Lakeshore Cancer Specialists",
    "Prairie Oncology Group",
    "Cedar Valley Cancer Care",
    "Northgate Hematology & Oncology",
    "Bluebonnet Cancer Center",
    "Harbor Oncology Partners",
    "Summit Infusion & Oncology",
    "Westfield Medical Oncology",
    "Oak Park Hematology",
    "Pinecrest Oncology Clinic",
    "Meadowbrook Cancer Institute",
    "Granite State Oncology",
    "Silver Creek Hematology",
    "Redwood Oncology Associates",
    "Magnolia Cancer Care",
    "Canyon Ridge Oncology",
    "Bayview Cancer Specialists",
    "Stonebridge Oncology Group",
];
const SPECIALTIES: &[&str] = &[
    "Medical oncology",
    "Hematology",
    "Radiation oncology",
    "Gynecologic oncology",
    "Oncology pharmacy",
];
const COMMITTEES: &[&str] = &[
    "Board of directors",
    "Advocacy committee",
    "Education committee",
];
const FIRST: &[&str] = &[
    "Alma", "Bruno", "Celia", "Dev", "Esther", "Felix", "Gita", "Hugo", "Iris", "Jonah", "Keiko",
    "Luis", "Mira", "Noah", "Opal", "Priya", "Rafael", "Sana", "Theo", "Uma",
];
const LAST: &[&str] = &[
    "Adler", "Brandt", "Cohen", "Duarte", "Ellison", "Farah", "Greer", "Hoang", "Iwu", "Jensen",
    "Kowalski", "Lam", "Mendez", "Novak", "Ortiz", "Park", "Reyes", "Singh", "Tran", "Vogel",
];

/// The first demo practice's manager, who can sign in (with the demo password) to try
/// `/account/practice`.
pub const MANAGER_EMAIL: &str = "practice.manager@practices.example";

/// Seed the demo practices into a society that already has the demo levels and members.
pub async fn seed(app: &App, society: &Society, seed: u64) -> AppResult<()> {
    let scoped = app.scoped(society);
    let actor = Actor::anonymous("demo");
    let levels = scoped.levels().await?;
    let find = |name: &str| levels.iter().find(|l| l.name == name).map(|l| l.id);
    if let (Some(fellow), Some(early)) =
        (find("Fellow in training"), find("Early career physician"))
    {
        edit_level(app, society, fellow, &actor, |form| {
            form.transition_to = early.to_string();
            form.transition_on = "06-30".into();
            form.apply = vec![Profession::Fellow.as_str().into()];
        })
        .await?;
    }
    if let Some(retired) = find("Retired") {
        edit_level(app, society, retired, &actor, |form| {
            form.public_join = false
        })
        .await?;
    }
    let honorary = create_level(
        app,
        &scoped,
        &LevelForm {
            name: "Honorary".into(),
            description: "Awarded by the board; not offered on Join.".into(),
            fee: "0".into(),
            period: "never".into(),
            grace_days: "0".into(),
            ..Default::default()
        },
        &actor,
    )
    .await?;
    edit_level(app, society, honorary, &actor, |form| {
        form.public_join = false
    })
    .await?;
    let practice_level = create_level(
        app,
        &scoped,
        &LevelForm {
            name: "Practice".into(),
            description: "A practice pays for its clinicians on one invoice.".into(),
            fee: "350".into(),
            period: "1-year".into(),
            grace_days: "30".into(),
            for_practices: Some("on".into()),
            ..Default::default()
        },
        &actor,
    )
    .await?;
    edit_level(app, society, practice_level, &actor, |form| {
        form.seat_limit = "12".into();
        form.rates = [
            (Profession::Physician, "350"),
            (Profession::NursePractitioner, "150"),
            (Profession::PhysicianAssistant, "150"),
            (Profession::Pharmacist, "125"),
            (Profession::Fellow, "0"),
        ]
        .iter()
        .map(|(p, dollars)| (p.as_str().to_string(), dollars.to_string()))
        .collect();
    })
    .await?;

    // The first practice's manager can sign in to try /account/practice.
    let manager_email = MANAGER_EMAIL.to_string();
    crate::accounts::create_account(
        app,
        &scoped,
        NewAccountInput {
            email: manager_email.clone(),
            display_name: "Morgan Manager".into(),
            role: Role::Member,
            is_operator: false,
            password: Some(super::DEMO_PASSWORD.into()),
        },
        &actor,
    )
    .await?;

    let now = app.now();
    let today = crate::membership::today(app, &scoped);
    // Seat clinicians on the committees the demo already has (its own only when there are none).
    let mut committees: Vec<_> = scoped
        .committees(today)
        .await?
        .into_iter()
        .map(|c| c.id)
        .collect();
    if committees.is_empty() {
        let mut tx = scoped.begin().await?;
        for name in COMMITTEES {
            let fields = CommitteeFields {
                name: (*name).into(),
                kind: "committee".into(),
                description: String::new(),
            };
            committees.push(tx.insert_committee(&fields, now).await?);
        }
        tx.commit().await?;
    }

    let mut state = 0x2545_f491_4f6c_dd1d_u64 ^ seed;
    let mut next = move |n: u64| {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        state % n
    };
    let period = RenewalPeriod::Years(1);
    let mut person_no = 0u64;
    let mut clinician_no = 0_u64;
    for (i, name) in PRACTICE_NAMES.iter().enumerate() {
        let slug = name
            .to_lowercase()
            .chars()
            .filter(|c| c.is_ascii_alphanumeric())
            .collect::<String>();
        let (key_name, key_email) = if i == 0 {
            ("Morgan Manager".to_string(), manager_email.clone())
        } else {
            (
                format!("Office manager of {name}"),
                format!("office@{slug}.example"),
            )
        };
        let separate_billing = i % 2 == 1;
        let (city, state, zip) = super::people::practice_place(society, i);
        let id = practices::create_practice(
            app,
            &scoped,
            &PracticeForm {
                name: (*name).into(),
                phone: format!("(555) 01{:02}-{:04}", i, 1000 + i),
                line1: format!("{} Medical Parkway", 100 + i * 7),
                city: city.into(),
                state: state.into(),
                postal_code: zip.into(),
                level: practice_level.to_string(),
                key_contact_name: key_name,
                key_contact_email: key_email,
                billing_contact_name: if separate_billing {
                    format!("Billing office of {name}")
                } else {
                    String::new()
                },
                billing_contact_email: if separate_billing {
                    format!("billing@{slug}.example")
                } else {
                    String::new()
                },
                po_number: if i % 3 == 0 {
                    format!("PO-{}", 4000 + i)
                } else {
                    String::new()
                },
                ..Default::default()
            },
            &actor,
        )
        .await?;
        // Mostly active; two in grace, two lapsed.
        let days_ago = match i {
            5 | 12 => 366 + next(20),
            9 | 17 => 420 + next(200),
            _ => next(330),
        };
        let joined = today.checked_sub((days_ago as i64).days()).unwrap_or(today);
        let term = membership::first_term(joined, period, RenewalAnchor::Anniversary);
        let status = membership::status(&StatusInput {
            today,
            terms: &[term],
            application: None,
            cancelled_on: None,
            suspended: false,
            override_status: None,
            practice_status: None,
            grace_days: 30,
        });
        let mut tx = scoped.begin().await?;
        tx.insert_practice_term(id, &term, now).await?;
        tx.set_practice_status(id, status, today).await?;
        let seats = 3 + next(7);
        for s in 0..seats {
            let profession = match (s, next(10)) {
                (0, _) | (_, 0..=4) => Profession::Physician,
                (_, 5..=6) => Profession::NursePractitioner,
                (_, 7) => Profession::PhysicianAssistant,
                (_, 8) => Profession::Pharmacist,
                _ => Profession::Fellow,
            };
            let first = FIRST[next(FIRST.len() as u64) as usize];
            let last = LAST[next(LAST.len() as u64) as usize];
            person_no += 1;
            let email = format!(
                "{}.{}{person_no}@{slug}.example",
                first.to_lowercase(),
                last.to_lowercase()
            );
            let credentials = match profession {
                Profession::Physician | Profession::Fellow => "MD",
                Profession::NursePractitioner => "NP",
                Profession::PhysicianAssistant => "PA-C",
                Profession::Pharmacist => "PharmD, BCOP",
                _ => "",
            };
            let specialty = match profession {
                Profession::Pharmacist => SPECIALTIES[4],
                _ => SPECIALTIES[next(4) as usize],
            };
            // Clinicians have NPIs (a range apart from the individual members' demo NPIs).
            let npi = (profession != Profession::Other)
                .then(|| super::people::demo_npi(seed + 5, clinician_no));
            clinician_no += 1;
            let display_name = format!("{first} {last}");
            let person = tx.insert_person(&email, &display_name, now).await?;
            let profile = ProfileFields {
                display_name,
                first_name: first.into(),
                last_name: last.into(),
                credentials: credentials.into(),
                profession: profession.as_str().into(),
                specialty: specialty.into(),
                npi,
                practice_address: Address {
                    city: city.into(),
                    state: state.into(),
                    ..Default::default()
                },
                ..Default::default()
            };
            tx.update_profile(person, &profile, now).await?;
            let seat_status = membership::status(&StatusInput {
                today,
                terms: &[],
                application: None,
                cancelled_on: None,
                suspended: false,
                override_status: None,
                practice_status: Some(status),
                grace_days: 30,
            });
            let m = tx
                .insert_membership(person, practice_level, joined, seat_status, None, now)
                .await?;
            tx.insert_practice_seat(m, id, term.start).await?;
            tx.link_practice_person(id, person, false, now).await?;
            if next(6) == 0 {
                let c = committees[next(committees.len() as u64) as usize];
                let role = if next(4) == 0 { "chair" } else { "member" };
                let seat = NewSeat {
                    committee: c,
                    person,
                    role,
                    start_on: None,
                    end_on: None,
                };
                tx.insert_seat(&seat, now).await?;
            }
        }
        tx.commit().await?;
    }
    // The practices' statuses and their seats', as the daily run would store them.
    crate::daily::refresh_practice_statuses(app, &scoped).await?;
    crate::membership::refresh_statuses(app, &scoped).await?;
    Ok(())
}
