//! The directory of current members: a public search page and a page per listed member, each
//! showing only the fields the viewer may see (the store never reads the others into the page
//! model); and the staff page setting the society's defaults.

use askama::Template;
use axum::extract::{Path, Query};
use axum::response::{IntoResponse, Redirect};
use chapterhouse_app::AppError;
use chapterhouse_app::people::{self, DefaultsForm, person_of};
use chapterhouse_core::PersonId;
use chapterhouse_core::people::{
    DirectoryField, Viewer, state_name, taxonomy_codes, taxonomy_label,
};
use chapterhouse_core::validate::FieldErrors;
use chapterhouse_store::{DirectoryEntry, DirectorySearch};
use serde::Deserialize;

use crate::ctx::{Chrome, Ctx, Form, RequireRole, Staff};
use crate::error::{WebError, WebResult};
use crate::portal::{state_options, visibility_options};
use crate::views::{form_status, ok, render};

/// Most results one page shows.
const PAGE: i64 = 200;

#[derive(Deserialize, Default, Clone)]
pub struct DirectoryQuery {
    #[serde(default)]
    pub name: String,
    #[serde(default)]
    pub specialty: String,
    #[serde(default)]
    pub city: String,
    #[serde(default)]
    pub state: String,
    #[serde(default)]
    pub taxonomy: String,
}

/// One member in the results.
pub struct Card {
    pub id: PersonId,
    pub name: String,
    pub credentials: String,
    pub details: Vec<String>,
}

#[derive(Template)]
#[template(path = "directory/search.html")]
pub struct SearchView {
    pub chrome: Chrome,
    pub q: DirectoryQuery,
    pub searched: bool,
    pub cards: Vec<Card>,
    pub more: bool,
    pub viewer_note: String,
    pub states: Vec<(String, String)>,
    pub taxonomies: Vec<(String, String)>,
}

/// A fact on a member's page: a label and its lines.
pub struct Fact {
    pub label: &'static str,
    pub lines: Vec<String>,
    pub href: String,
}

#[derive(Template)]
#[template(path = "directory/profile.html")]
pub struct ProfileView {
    pub chrome: Chrome,
    pub name: String,
    pub credentials: String,
    pub facts: Vec<Fact>,
    pub edit_href: String,
}

fn some(text: &Option<String>) -> Option<String> {
    text.as_deref()
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(str::to_string)
}

fn place(city: &Option<String>, state: &Option<String>) -> Option<String> {
    match (some(city), some(state)) {
        (Some(c), Some(s)) => Some(format!("{c}, {s}")),
        (Some(c), None) => Some(c),
        (None, Some(s)) => Some(s),
        (None, None) => None,
    }
}

fn address_lines(parts: [&Option<String>; 5]) -> Vec<String> {
    let [line1, line2, city, state, postal] = parts;
    let mut lines: Vec<String> = [line1, line2].into_iter().filter_map(some).collect();
    let last = [place(city, state), some(postal)]
        .into_iter()
        .flatten()
        .collect::<Vec<_>>()
        .join(" ");
    if !last.is_empty() {
        lines.push(last);
    }
    lines
}

async fn viewer_of(ctx: &Ctx) -> Result<Viewer, WebError> {
    Ok(people::viewer(&ctx.scoped, ctx.user.as_ref()).await?)
}

pub async fn search(ctx: Ctx, Query(q): Query<DirectoryQuery>) -> WebResult {
    let viewer = viewer_of(&ctx).await?;
    let filter = DirectorySearch {
        name: Some(q.name.clone()),
        specialty: Some(q.specialty.clone()),
        city: Some(q.city.clone()),
        state: Some(q.state.clone()),
        taxonomy: Some(q.taxonomy.clone()),
        limit: PAGE + 1,
    };
    let mut entries = ctx.scoped.directory(&filter, viewer.widest()).await?;
    let more = entries.len() as i64 > PAGE;
    entries.truncate(PAGE as usize);
    let cards = entries
        .iter()
        .map(|e| Card {
            id: e.id,
            name: e.display_name.clone(),
            credentials: some(&e.credentials).unwrap_or_default(),
            details: [
                some(&e.specialty),
                some(&e.practice),
                place(&e.practice_city, &e.practice_state),
                some(&e.phone).map(|p| format!("Phone: {p}")),
                some(&e.email).map(|m| format!("Email: {m}")),
            ]
            .into_iter()
            .flatten()
            .collect(),
        })
        .collect();
    let viewer_note = match viewer {
        Viewer::Public => "You see what members share with everyone. Members who sign in see more.",
        Viewer::Member => "As a member you also see what members share with each other.",
        Viewer::Staff | Viewer::Owner => "As staff you see every field, including private ones.",
    }
    .to_string();
    let searched = [&q.name, &q.specialty, &q.city, &q.state, &q.taxonomy]
        .iter()
        .any(|s| !s.trim().is_empty());
    let mut taxonomies: Vec<(String, String)> = taxonomy_codes()
        .iter()
        .filter(|t| t.physician_directory)
        .map(|t| (t.code.clone(), t.display_name.clone()))
        .collect();
    taxonomies.sort_by(|a, b| a.1.cmp(&b.1));
    ok(&SearchView {
        chrome: ctx.chrome(None).await?,
        q,
        searched,
        cards,
        more,
        viewer_note,
        states: state_options(),
        taxonomies,
    })
}

fn facts(entry: &DirectoryEntry, taxonomies: Vec<String>, licences: Vec<String>) -> Vec<Fact> {
    let fact = |label: &'static str, lines: Vec<String>| Fact {
        label,
        lines,
        href: String::new(),
    };
    let mut out = Vec::new();
    for (label, value) in [
        ("Specialty", some(&entry.specialty)),
        ("Practice", some(&entry.practice)),
    ] {
        if let Some(v) = value {
            out.push(fact(label, vec![v]));
        }
    }
    let practice = address_lines([
        &entry.practice_line1,
        &entry.practice_line2,
        &entry.practice_city,
        &entry.practice_state,
        &entry.practice_postal_code,
    ]);
    if !practice.is_empty() {
        out.push(fact("Practice address", practice));
    }
    if let Some(phone) = some(&entry.phone) {
        out.push(Fact {
            label: "Phone",
            href: format!(
                "tel:{}",
                phone
                    .chars()
                    .filter(|c| c.is_ascii_digit() || *c == '+')
                    .collect::<String>()
            ),
            lines: vec![phone],
        });
    }
    if let Some(email) = some(&entry.email) {
        out.push(Fact {
            label: "Email",
            href: format!("mailto:{email}"),
            lines: vec![email],
        });
    }
    if !taxonomies.is_empty() {
        out.push(fact("Provider type (NUCC taxonomy)", taxonomies));
    }
    if let Some(npi) = some(&entry.npi) {
        out.push(fact("NPI", vec![npi]));
    }
    if let Some(abim) = some(&entry.abim_id) {
        out.push(fact("ABIM id", vec![abim]));
    }
    if !licences.is_empty() {
        out.push(fact("State licences", licences));
    }
    let home = address_lines([
        &entry.home_line1,
        &entry.home_line2,
        &entry.home_city,
        &entry.home_state,
        &entry.home_postal_code,
    ]);
    if !home.is_empty() {
        out.push(fact("Home address", home));
    }
    out
}

pub async fn profile(ctx: Ctx, Path(id): Path<String>) -> WebResult {
    let person: PersonId = id.parse().map_err(|_| WebError::NotFound)?;
    let viewer = match ctx.user.as_ref() {
        Some(user) if person_of(user) == person => Viewer::Owner,
        _ => viewer_of(&ctx).await?,
    };
    let entry = ctx
        .scoped
        .directory_entry(person, viewer.widest())
        .await?
        .ok_or(WebError::NotFound)?;
    let taxonomies = if entry.taxonomy_visible {
        ctx.scoped
            .taxonomy_codes(person)
            .await?
            .iter()
            .map(|code| format!("{} ({code})", taxonomy_label(code)))
            .collect()
    } else {
        Vec::new()
    };
    let licences = if entry.licences_visible {
        ctx.scoped
            .licences(person)
            .await?
            .into_iter()
            .map(|l| {
                let state = state_name(&l.state).unwrap_or(&l.state).to_string();
                match l.expires_on {
                    Some(e) => format!("{state}: {} (expires {e})", l.number),
                    None => format!("{state}: {}", l.number),
                }
            })
            .collect()
    } else {
        Vec::new()
    };
    let edit_href = match viewer {
        Viewer::Staff => format!("/staff/people/{person}/profile"),
        Viewer::Owner => "/account/profile".into(),
        _ => String::new(),
    };
    ok(&ProfileView {
        chrome: ctx.chrome(None).await?,
        name: entry.display_name.clone(),
        credentials: some(&entry.credentials).unwrap_or_default(),
        facts: facts(&entry, taxonomies, licences),
        edit_href,
    })
}

// ---------------------------------------------------------------------------------------------
// Staff: the society's defaults.

pub struct DefaultRow {
    pub key: &'static str,
    pub label: &'static str,
    pub chosen: String,
    pub builtin: &'static str,
}

#[derive(Template)]
#[template(path = "directory/defaults.html")]
pub struct DefaultsView {
    pub chrome: Chrome,
    pub errors: FieldErrors,
    pub rows: Vec<DefaultRow>,
    pub visibilities: Vec<(String, String)>,
}

#[derive(Deserialize)]
pub struct DefaultsPost {
    #[serde(default)]
    csrf: String,
    #[serde(flatten)]
    form: DefaultsForm,
}

#[derive(Deserialize, Default)]
pub struct SavedQuery {
    #[serde(default)]
    saved: Option<String>,
}

async fn defaults_view(
    ctx: &Ctx,
    form: DefaultsForm,
    errors: FieldErrors,
    notice: Option<String>,
) -> WebResult {
    let rows = DirectoryField::ALL
        .into_iter()
        .map(|f| DefaultRow {
            key: f.as_str(),
            label: f.label(),
            chosen: form.get(f).to_string(),
            builtin: f.builtin_default().label(),
        })
        .collect();
    render(
        form_status(&errors),
        &DefaultsView {
            chrome: ctx.chrome(notice).await?,
            errors,
            rows,
            visibilities: visibility_options(),
        },
    )
}

pub async fn defaults(RequireRole { ctx, .. }: Staff, Query(q): Query<SavedQuery>) -> WebResult {
    let form = DefaultsForm::from_defaults(&ctx.scoped.directory_defaults().await?);
    let notice = q.saved.map(|_| {
        "Directory defaults saved. They apply to every member who hasn't chosen otherwise."
            .to_string()
    });
    defaults_view(&ctx, form, FieldErrors::new(), notice).await
}

pub async fn save_defaults(
    RequireRole { ctx, .. }: Staff,
    Form(post): Form<DefaultsPost>,
) -> WebResult {
    ctx.check_csrf(&post.csrf)?;
    match people::set_directory_defaults(&ctx.app, &ctx.scoped, &post.form, &ctx.actor).await {
        Ok(()) => Ok(Redirect::to("/staff/directory?saved=1").into_response()),
        Err(AppError::Invalid(errors)) => defaults_view(&ctx, post.form, errors, None).await,
        Err(e) => Err(e.into()),
    }
}
