//! Demo data: three fictional organisations with content pages and staff accounts. Idempotent:
//! a society that already exists is left as it is. Refuses a database holding real societies.

pub mod billing;
mod cancellations;
mod checkin;
mod committees;
pub mod content;
mod education;
mod events;
mod faculty;
mod join;
pub mod people;
pub mod practices;
mod registrations;
pub mod scale;

use chapterhouse_core::Role;
use chapterhouse_store::NewSociety;

use crate::accounts::NewAccountInput;
use crate::pages::PageForm;
use crate::{Actor, App, AppError, AppResult};

pub use content::{DEMO_PASSWORD, SOCIETIES};

/// A demo login, printed at start.
#[derive(Clone, Debug)]
pub struct DemoLogin {
    pub url: String,
    pub society: String,
    pub email: String,
    pub role: &'static str,
}

/// The host the first demo society is served on: plain `localhost` (its own `*.localhost` name
/// redirects there).
pub const FIRST_HOST: &str = "localhost";

/// Seed the demo societies; returns the logins to print.
pub async fn seed(app: &App) -> AppResult<Vec<DemoLogin>> {
    let (all, demo) = app.store.society_counts().await?;
    if all > demo {
        return Err(AppError::Internal(anyhow::anyhow!(
            "this database holds real societies; demo data goes only into its own data directory (use `chapterhouse serve --demo`)"
        )));
    }
    let actor = Actor::anonymous("demo");
    let mut logins = Vec::new();
    for (index, demo) in SOCIETIES.iter().enumerate() {
        let primary_host = if index == 0 { FIRST_HOST } else { demo.host };
        let society = match app.store.society_by_slug(demo.slug).await? {
            Some(existing) => existing,
            None => {
                let new = NewSociety {
                    slug: demo.slug.into(),
                    name: demo.name.into(),
                    short_name: demo.short_name.into(),
                    primary_host: primary_host.into(),
                    time_zone: demo.time_zone.into(),
                    tagline: demo.tagline.into(),
                    postal_address: demo.address.into(),
                    phone: demo.phone.into(),
                    email: demo.email.into(),
                    sender_address: demo.email.into(),
                    primary_color: demo.primary_color.into(),
                    is_demo: true,
                };
                let owner = &demo.staff[0];
                let (society, _) = crate::societies::create_society_with(
                    app,
                    &new,
                    owner.display_name,
                    owner.email,
                    Some(DEMO_PASSWORD),
                    &actor,
                )
                .await?;
                if index == 0 {
                    let mut tx = app.store.begin().await?;
                    chapterhouse_store::add_host(&mut tx, society.id, demo.host, false).await?;
                    tx.commit().await?;
                }
                let scoped = app.scoped(&society);
                for staff in &demo.staff[1..] {
                    crate::accounts::create_account(
                        app,
                        &scoped,
                        NewAccountInput {
                            email: staff.email.into(),
                            display_name: staff.display_name.into(),
                            role: staff.role.parse().unwrap_or(Role::Staff),
                            is_operator: false,
                            password: Some(DEMO_PASSWORD.into()),
                        },
                        &actor,
                    )
                    .await?;
                }
                for (order, page) in demo.pages.iter().enumerate() {
                    let form = PageForm {
                        title: page.title.into(),
                        slug: page.slug.into(),
                        summary: page.summary.into(),
                        body: page.body_markdown.into(),
                        menu_label: page.menu_label.unwrap_or_default().into(),
                        menu_order: (order * 10).to_string(),
                        published: Some("on".into()),
                        version: String::new(),
                    };
                    let fields = form.to_fields(Some(page.slug)).map_err(AppError::Invalid)?;
                    let mut tx = scoped.begin().await?;
                    tx.insert_page(&fields, None, app.now()).await?;
                    tx.commit().await?;
                }
                society
            }
        };
        // The two membership societies get levels and members; the cancer center has none.
        if index < 2 && app.scoped(&society).levels().await?.is_empty() {
            seed_members(app, &society, index as u64).await?;
            people::seed(app, &society, index as u64).await?;
            billing::seed(app, &society, index as u64).await?;
            committees::seed_committees(app, &society).await?;
            join::seed(app, &society).await?;
            practices::seed(app, &society, index as u64).await?;
        }
        if index < 2 {
            events::seed(app, &society).await?;
            faculty::seed(app, &society).await?;
            let member = match people::member_email(&society) {
                Some(email) => app.scoped(&society).person_by_email(&email).await?,
                None => None,
            };
            education::seed(app, &society, member).await?;
            cancellations::seed(app, &society).await?;
            checkin::seed(app, &society).await?;
        }
        let url = app.links.base_url(&society);
        for staff in demo.staff {
            logins.push(DemoLogin {
                url: url.clone(),
                society: demo.short_name.into(),
                email: staff.email.into(),
                role: staff.role,
            });
        }
        logins.extend(people::login(app, &society).await?);
        if index < 2 {
            logins.push(DemoLogin {
                url,
                society: demo.short_name.into(),
                email: practices::MANAGER_EMAIL.into(),
                role: "practice manager",
            });
        }
    }
    Ok(logins)
}

/// Change a level's rules as staff do on its edit page: the stored form, changed by `change`,
/// saved through the same use-case (so the demo never writes a rule the form would refuse).
/// A level that is gone is left alone.
pub(crate) async fn edit_level(
    app: &App,
    society: &chapterhouse_store::Society,
    id: chapterhouse_core::LevelId,
    actor: &Actor,
    change: impl FnOnce(&mut crate::levels::LevelEditForm),
) -> AppResult<()> {
    let scoped = app.scoped(society);
    let Some(mut form) = crate::levels::edit_form(&scoped, id).await? else {
        return Ok(());
    };
    change(&mut form);
    crate::levels::update_level(app, &scoped, id, &form, actor).await
}

const FIRST_NAMES: &[&str] = &[
    "Amara", "Ben", "Carmen", "Daniel", "Elena", "Farid", "Grace", "Hiro", "Ines", "Jamal",
    "Kavya", "Liam", "Maya", "Nikolai", "Olivia", "Pedro", "Quinn", "Rosa", "Samuel", "Tara",
    "Umar", "Vera", "Wen", "Ximena", "Yusuf", "Zoe", "Aaron", "Bianca", "Chidi", "Dana",
];
const LAST_NAMES: &[&str] = &[
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
];

/// Levels and a few hundred members in every status, written fresh (names are combinations of
/// common given and family names; addresses are on the reserved .example domain).
async fn seed_members(
    app: &App,
    society: &chapterhouse_store::Society,
    seed: u64,
) -> AppResult<()> {
    use crate::membership::{LevelForm, MemberForm, add_member, create_level};
    let scoped = app.scoped(society);
    let actor = Actor::anonymous("demo");
    let levels = [
        ("Active physician", "350", false),
        ("NP, PA or pharmacist", "150", false),
        ("Early career physician", "175", false),
        ("Fellow in training", "0", true),
        ("Retired", "50", false),
    ];
    let mut ids = Vec::new();
    for (name, fee, approval) in levels {
        let form = LevelForm {
            name: name.into(),
            fee: fee.into(),
            period: "1-year".into(),
            grace_days: "30".into(),
            approval_required: approval.then(|| "on".into()),
            ..Default::default()
        };
        ids.push(create_level(app, &scoped, &form, &actor).await?);
    }
    let today = crate::membership::today(app, &scoped);
    let mut state = 0x9e37_79b9_7f4a_7c15_u64 ^ seed;
    let mut next = move |n: u64| {
        // xorshift: repeatable demo data without a dependency.
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        state % n
    };
    for i in 0..240u64 {
        let first = FIRST_NAMES[next(FIRST_NAMES.len() as u64) as usize];
        let last = LAST_NAMES[next(LAST_NAMES.len() as u64) as usize];
        let roll = next(100);
        // Mostly active; some in grace, some lapsed, a few applications waiting.
        let (level, days_ago, paid) = match roll {
            0..=69 => (ids[(next(3)) as usize], next(360), true),
            70..=79 => (ids[0], 366 + next(25), true),
            80..=91 => (ids[(next(5)) as usize], 400 + next(600), true),
            92..=96 => (ids[4], next(300), true),
            _ => (ids[3], next(10), false),
        };
        let joined = today
            .checked_sub(jiff::Span::new().days(days_ago as i64))
            .unwrap_or(today);
        let title = if level == ids[0] || level == ids[2] || level == ids[3] {
            "Dr "
        } else {
            ""
        };
        let form = MemberForm {
            display_name: format!("{title}{first} {last}"),
            email: format!(
                "{}.{}{i}@members.example",
                first.to_lowercase(),
                last.to_lowercase()
            ),
            level: level.to_string(),
            joined_on: joined.to_string(),
            paid: paid.then(|| "on".into()),
        };
        add_member(app, &scoped, &form, &actor).await?;
    }
    Ok(())
}
