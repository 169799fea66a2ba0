//! Demo identifiers for the demo members: credentials by profession, NPIs with correct check
//! digits (fictional: generated, not looked up), NUCC taxonomy codes from the embedded list,
//! practice addresses across the society's state and its neighbours (the 555-01xx phone
//! numbers are the range reserved for fiction), some licences, a few personal directory choices,
//! the society's directory defaults, allowed level changes, and one member who can sign in to
//! the portal.

use chapterhouse_core::Role;
use chapterhouse_core::npi;
use chapterhouse_core::people::{
    DirectoryField as F, Profession, Visibility as V, split_display_name, taxonomy,
};
use chapterhouse_store::{Address, Licence, MemberFilter, NewAudit, ProfileFields, Society};

use crate::accounts::NewAccountInput;
use crate::demo::{DEMO_PASSWORD, DemoLogin, edit_level};
use crate::membership::{MemberForm, add_member};
use crate::{Actor, App, AppResult};

/// (state, area code, cities with a ZIP code): the society's own state first, then neighbours.
type Region = &'static [(
    &'static str,
    &'static str,
    &'static [(&'static str, &'static str)],
)];

const NEW_ENGLAND: Region = &[
    (
        "NH",
        "603",
        &[
            ("Concord", "03301"),
            ("Manchester", "03101"),
            ("Nashua", "03060"),
            ("Portsmouth", "03801"),
            ("Lebanon", "03766"),
            ("Keene", "03431"),
            ("Dover", "03820"),
        ],
    ),
    (
        "VT",
        "802",
        &[("Burlington", "05401"), ("Rutland", "05701")],
    ),
    ("ME", "207", &[("Portland", "04101"), ("Bangor", "04401")]),
    (
        "MA",
        "978",
        &[
            ("Lowell", "01852"),
            ("Haverhill", "01830"),
            ("Worcester", "01605"),
        ],
    ),
];

const MOUNTAIN_WEST: Region = &[
    (
        "UT",
        "801",
        &[
            ("Salt Lake City", "84106"),
            ("Murray", "84107"),
            ("Provo", "84604"),
            ("Ogden", "84401"),
            ("St. George", "84770"),
            ("Logan", "84321"),
        ],
    ),
    ("ID", "208", &[("Boise", "83702"), ("Pocatello", "83201")]),
    ("NV", "775", &[("Reno", "89502"), ("Elko", "89801")]),
    ("CO", "970", &[("Grand Junction", "81501")]),
    ("WY", "307", &[("Rock Springs", "82901")]),
];

const STREETS: &[&str] = &[
    "Medical Center Drive",
    "Hospital Road",
    "Pleasant Street",
    "Main Street",
    "Health Park Way",
    "River Road",
    "Summit Avenue",
    "Cedar Lane",
];

/// Physician oncology codes, most common first (repeated to weight them).
const PHYSICIAN_CODES: &[&str] = &[
    "207RX0202X",
    "207RX0202X",
    "207RH0003X",
    "207RH0003X",
    "207RX0202X",
    "2085R0001X",
    "2086X0206X",
    "207VX0201X",
    "2080P0207X",
];

/// Where the `i`th demo practice is: two in three in the society's own state, the rest in a
/// neighbouring one. (city, state, ZIP code)
pub(crate) fn practice_place(
    society: &Society,
    i: usize,
) -> (&'static str, &'static str, &'static str) {
    let region = region(society);
    let (state, _, cities) = if i % 3 == 2 {
        region[1 + (i / 3) % (region.len() - 1)]
    } else {
        region[0]
    };
    let (city, zip) = cities[i % cities.len()];
    (city, state, zip)
}

fn region(society: &Society) -> Region {
    if society.postal_address.contains(" UT ") || society.time_zone == "America/Denver" {
        MOUNTAIN_WEST
    } else {
        NEW_ENGLAND
    }
}

/// A fictional but valid NPI: nine digits starting with 1, and the check digit.
pub fn demo_npi(seed: u64, i: u64) -> String {
    let base = 100_000_000 + seed * 10_000_000 + i * 37 + 11;
    let nine = base.to_string();
    let check = npi::check_digit(&nine).unwrap_or(0);
    format!("{nine}{check}")
}

struct Rng(u64);

impl Rng {
    fn next(&mut self, n: u64) -> u64 {
        // xorshift, as in the rest of the demo data.
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0 % n.max(1)
    }

    fn pick<T: Copy>(&mut self, items: &[T]) -> T {
        items[self.next(items.len() as u64) as usize]
    }
}

fn profession_for(level: &str, rng: &mut Rng) -> Profession {
    let level = level.to_ascii_lowercase();
    if level.contains("fellow") {
        Profession::Fellow
    } else if level.contains("np") || level.contains("pharmacist") {
        rng.pick(&[
            Profession::NursePractitioner,
            Profession::NursePractitioner,
            Profession::PhysicianAssistant,
            Profession::Pharmacist,
        ])
    } else {
        Profession::Physician
    }
}

fn profile_for(
    display_name: &str,
    profession: Profession,
    seed: u64,
    i: u64,
    region: Region,
    rng: &mut Rng,
) -> ProfileFields {
    let (first, last) = split_display_name(display_name);
    let (state, area, cities) = if rng.next(10) < 7 {
        region[0]
    } else {
        region[1 + rng.next(region.len() as u64 - 1) as usize]
    };
    let (city, zip) = rng.pick(cities);
    let practice_address = Address {
        line1: format!("{} {}", 10 + rng.next(1900), rng.pick(STREETS)),
        line2: if rng.next(3) == 0 {
            format!("Suite {}", 100 + rng.next(400))
        } else {
            String::new()
        },
        city: city.into(),
        state: state.into(),
        postal_code: zip.into(),
    };
    let home_address = if rng.next(10) < 3 {
        let (home_city, home_zip) = rng.pick(cities);
        Address {
            line1: format!(
                "{} {}",
                1 + rng.next(300),
                rng.pick(&["Elm Street", "Maple Avenue", "Hill Road", "Orchard Lane"])
            ),
            line2: String::new(),
            city: home_city.into(),
            state: state.into(),
            postal_code: home_zip.into(),
        }
    } else {
        Address::default()
    };
    let (credentials, codes, specialty): (&str, Vec<&str>, String) = match profession {
        Profession::Physician => {
            let code = rng.pick(PHYSICIAN_CODES);
            let mut codes = vec![code];
            if code == "207RX0202X" && rng.next(3) == 0 {
                codes.push("207RH0003X");
            }
            let specialty = taxonomy(code)
                .map(|t| t.specialization.clone())
                .unwrap_or_default();
            (
                rng.pick(&["MD", "MD", "MD", "DO", "MD, PhD", "MD, MPH"]),
                codes,
                specialty,
            )
        }
        Profession::Fellow => (
            rng.pick(&["MD", "MD", "DO"]),
            vec![rng.pick(&["207RH0003X", "207RX0202X"])],
            "Hematology & Oncology (fellowship)".into(),
        ),
        Profession::NursePractitioner => (
            rng.pick(&["MSN, APRN, AOCNP", "DNP, APRN", "MSN, FNP-BC"]),
            // There is no oncology nurse-practitioner taxonomy code (see the data README).
            vec![],
            "Oncology nursing".into(),
        ),
        Profession::PhysicianAssistant => ("PA-C", vec![], "Hematology/oncology".into()),
        Profession::Pharmacist => (
            rng.pick(&["PharmD, BCOP", "PharmD"]),
            vec!["1835X0200X"],
            "Oncology pharmacy".into(),
        ),
        _ => ("", vec![], String::new()),
    };
    let mut codes = codes.into_iter().map(str::to_string);
    let primary_taxonomy = codes.next();
    let licence_prefix = match profession {
        Profession::NursePractitioner => "APRN",
        Profession::PhysicianAssistant => "PA",
        Profession::Pharmacist => "RPH",
        _ => "MD",
    };
    let mut licences = vec![Licence {
        state: state.into(),
        number: format!("{licence_prefix}-{}", 10_000 + rng.next(89_999)),
        expires_on: Some(format!("{}-06-30", 2027 + rng.next(2))),
    }];
    if rng.next(5) == 0 {
        let (other, _, _) = region[1 + rng.next(region.len() as u64 - 1) as usize];
        if other != state {
            licences.push(Licence {
                state: other.into(),
                number: format!("{licence_prefix}{}", 1_000 + rng.next(8_999)),
                expires_on: None,
            });
        }
    }
    let medical = matches!(
        primary_taxonomy.as_deref(),
        Some("207RX0202X" | "207RH0003X")
    );
    let (birth_month, birth_day) = if rng.next(2) == 0 {
        let month = 1 + rng.next(12) as i64;
        (Some(month), Some(1 + rng.next(28) as i64))
    } else {
        (None, None)
    };
    ProfileFields {
        display_name: display_name.to_string(),
        first_name: first,
        last_name: last,
        credentials: credentials.into(),
        profession: profession.as_str().into(),
        npi: (profession != Profession::Other).then(|| demo_npi(seed, i)),
        specialty,
        phone: format!("({area}) 555-01{:02}", i % 100),
        abim_id: if medical && profession == Profession::Physician {
            format!("{}", 100_000 + rng.next(899_999))
        } else {
            String::new()
        },
        nabp_eprofile_id: if profession == Profession::Pharmacist {
            format!("{}", 1_000 + rng.next(8_999_000))
        } else {
            String::new()
        },
        birth_month,
        birth_day,
        primary_taxonomy,
        other_taxonomies: codes.collect(),
        licences,
        practice_address,
        home_address,
    }
}

/// The demo member's sign-in address: `member@` the society's own domain.
pub(super) fn member_email(society: &Society) -> Option<String> {
    society
        .email
        .split_once('@')
        .map(|(_, domain)| format!("member@{domain}"))
}

/// Fill in the demo members' identifiers, the directory defaults and level changes, and add
/// the portal demo member. Runs once, right after the members are created.
pub async fn seed(app: &App, society: &Society, seed: u64) -> AppResult<()> {
    let scoped = app.scoped(society);
    let actor = Actor::anonymous("demo");
    let levels = scoped.levels().await?;
    let level_named = |part: &str| {
        levels
            .iter()
            .find(|l| l.name.to_ascii_lowercase().contains(part))
            .map(|l| l.id)
    };

    // The member who signs in to try the portal: an active physician.
    if let (Some(email), Some(active)) = (member_email(society), level_named("active"))
        && scoped.account_by_email(&email).await?.is_none()
    {
        crate::accounts::create_account(
            app,
            &scoped,
            NewAccountInput {
                email: email.clone(),
                display_name: "Dr Jordan Avery".into(),
                role: Role::Member,
                is_operator: false,
                password: Some(DEMO_PASSWORD.into()),
            },
            &actor,
        )
        .await?;
        let joined = crate::membership::today(app, &scoped)
            .checked_sub(jiff::Span::new().days(100))
            .map(|d| d.to_string())
            .unwrap_or_default();
        add_member(
            app,
            &scoped,
            &MemberForm {
                display_name: "Dr Jordan Avery".into(),
                email,
                level: active.to_string(),
                joined_on: joined,
                paid: Some("on".into()),
            },
            &actor,
        )
        .await?;
    }

    let members = scoped
        .members(&MemberFilter {
            limit: 100_000,
            ..Default::default()
        })
        .await?;
    let region = region(society);
    let mut rng = Rng(0x2545_f491_4f6c_dd1d ^ (seed + 1));
    let now = app.now();
    let mut tx = scoped.begin().await?;
    for (i, m) in members.iter().enumerate() {
        let Some(person) = scoped.person_by_email(&m.email).await? else {
            continue;
        };
        let profession = profession_for(&m.level_name, &mut rng);
        let fields = profile_for(
            &m.display_name,
            profession,
            seed,
            i as u64,
            region,
            &mut rng,
        );
        tx.update_profile(person, &fields, now).await?;
        // A few members change who sees what; most keep the society's defaults.
        match i % 13 {
            3 => {
                tx.put_field_visibility(person, F::Phone, V::Public, false)
                    .await?
            }
            7 => {
                tx.put_field_visibility(person, F::PracticeAddress, V::Members, false)
                    .await?
            }
            11 => {
                tx.put_field_visibility(person, F::Email, V::Private, false)
                    .await?
            }
            _ => {}
        }
    }
    for (field, v) in [
        (F::Credentials, V::Public),
        (F::Specialty, V::Public),
        (F::Taxonomy, V::Public),
        (F::Practice, V::Public),
        (F::PracticeAddress, V::Public),
        (F::Email, V::Members),
        (F::Phone, V::Members),
        (F::Npi, V::Members),
        (F::HomeAddress, V::Private),
        (F::Licences, V::Private),
        (F::AbimId, V::Private),
    ] {
        tx.put_directory_default(field, v).await?;
    }
    tx.audit(
        NewAudit {
            actor: None,
            action: "demo.people",
            subject: "directory",
            detail: &format!("{} profiles", members.len()),
            ip: "demo",
        },
        now,
    )
    .await?;
    tx.commit().await?;
    // Level changes members may make themselves, and no automatic renewal for a free level.
    for (from, to) in [
        ("active", "retired"),
        ("early career", "active"),
        ("active", "early career"),
    ] {
        if let (Some(from), Some(to)) = (level_named(from), level_named(to)) {
            edit_level(app, society, from, &actor, |form| {
                form.changes.push(to.to_string())
            })
            .await?;
        }
    }
    if let Some(fellow) = level_named("fellow") {
        edit_level(app, society, fellow, &actor, |form| {
            form.auto_renew_allowed = false
        })
        .await?;
    }
    Ok(())
}

/// The portal demo login for a society that has one.
pub async fn login(app: &App, society: &Society) -> AppResult<Option<DemoLogin>> {
    let scoped = app.scoped(society);
    let Some(email) = member_email(society) else {
        return Ok(None);
    };
    let Some(account) = scoped.account_by_email(&email).await? else {
        return Ok(None);
    };
    Ok(Some(DemoLogin {
        url: app.links.base_url(society),
        society: society.short_name.clone(),
        email: account.email,
        role: "member",
    }))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn demo_npis_are_valid_and_distinct() {
        let mut seen = std::collections::HashSet::new();
        for seed in 0..2 {
            for i in 0..1000 {
                let n = demo_npi(seed, i);
                assert!(npi::is_valid(&n), "{n}");
                assert!(seen.insert(n));
            }
        }
    }

    #[test]
    fn demo_profiles_pass_the_profile_rules() {
        let mut rng = Rng(7);
        for (i, level) in [
            "Active physician",
            "NP, PA or pharmacist",
            "Fellow in training",
            "Retired",
        ]
        .iter()
        .cycle()
        .take(200)
        .enumerate()
        {
            let profession = profession_for(level, &mut rng);
            let p = profile_for(
                "Dr Amara Abbott",
                profession,
                0,
                i as u64,
                NEW_ENGLAND,
                &mut rng,
            );
            assert_eq!(
                (p.first_name.as_str(), p.last_name.as_str()),
                ("Amara", "Abbott")
            );
            assert!(
                chapterhouse_core::people::normalize_phone(&p.phone).is_some(),
                "{}",
                p.phone
            );
            for code in p.primary_taxonomy.iter().chain(&p.other_taxonomies) {
                assert_eq!(chapterhouse_core::people::taxonomy_problem(code), None);
            }
            assert!(
                chapterhouse_core::people::normalize_postal_code(&p.practice_address.postal_code)
                    .is_some()
            );
            if !p.abim_id.is_empty() {
                assert!(chapterhouse_core::people::normalize_abim_id(&p.abim_id).is_some());
            }
            if !p.nabp_eprofile_id.is_empty() {
                assert!(
                    chapterhouse_core::people::normalize_nabp_id(&p.nabp_eprofile_id).is_some()
                );
            }
            for l in &p.licences {
                assert!(chapterhouse_core::people::normalize_state(&l.state).is_some());
            }
        }
    }
}
