//! Demo data: three fictional organisations with content pages and staff accounts. Idempotent:
//! a society that already exists is left as it is. Refuses a database holding real societies.

pub mod content;

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
        let url = app.links.base_url(&society);
        for staff in demo.staff {
            logins.push(DemoLogin {
                url: url.clone(),
                society: demo.short_name.into(),
                email: staff.email.into(),
                role: staff.role,
            });
        }
    }
    Ok(logins)
}
