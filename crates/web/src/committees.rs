//! Staff pages for committees and groups: the list with a form to add one, and each committee's
//! page with its seats (chair first), a form to seat someone found by email or name, and a form
//! per seat to end it.

use askama::Template;
use axum::extract::{Path, Query};
use axum::response::{IntoResponse, Redirect};
use chapterhouse_app::AppError;
use chapterhouse_app::committees::{self, CommitteeForm, SeatForm};
use chapterhouse_app::membership::today;
use chapterhouse_core::committees::{CommitteeKind, SUGGESTED_ROLES, is_current, role_rank};
use chapterhouse_core::validate::FieldErrors;
use chapterhouse_core::{CommitteeId, CommitteeMemberId};
use chapterhouse_store::{Committee, PersonMatch};
use serde::Deserialize;

use crate::ctx::{Chrome, Ctx, Form, RequireRole, Staff};
use crate::error::{WebError, WebResult};
use crate::forms::parse_id;
use crate::views::{form_status, render};

pub struct CommitteeLine {
    pub id: String,
    pub name: String,
    pub kind: String,
    pub description: String,
    pub current_members: i64,
    pub archived: bool,
}

#[derive(Template)]
#[template(path = "staff/committees/list.html")]
pub struct CommitteesView {
    pub chrome: Chrome,
    pub errors: FieldErrors,
    pub committees: Vec<CommitteeLine>,
    pub form: CommitteeForm,
    pub kinds: Vec<(&'static str, &'static str)>,
}

fn kind_label(kind: &str) -> &'static str {
    CommitteeKind::parse(kind)
        .unwrap_or(CommitteeKind::Committee)
        .label()
}

async fn list_view(ctx: &Ctx, errors: FieldErrors, form: CommitteeForm) -> WebResult {
    let today = today(&ctx.app, &ctx.scoped);
    let committees = ctx
        .scoped
        .committees(today)
        .await?
        .into_iter()
        .map(|c: Committee| CommitteeLine {
            id: c.id.to_string(),
            kind: kind_label(&c.kind).to_string(),
            name: c.name,
            description: c.description,
            current_members: c.current_members,
            archived: c.archived,
        })
        .collect();
    render(
        form_status(&errors),
        &CommitteesView {
            chrome: ctx.chrome(None).await?,
            errors,
            committees,
            form,
            kinds: [CommitteeKind::Committee, CommitteeKind::Group]
                .into_iter()
                .map(|k| (k.as_str(), k.label()))
                .collect(),
        },
    )
}

pub async fn committees(RequireRole { ctx, .. }: Staff) -> WebResult {
    list_view(
        &ctx,
        FieldErrors::new(),
        CommitteeForm {
            kind: "committee".into(),
            ..Default::default()
        },
    )
    .await
}

#[derive(Deserialize)]
pub struct CommitteePost {
    #[serde(default)]
    csrf: String,
    #[serde(flatten)]
    form: CommitteeForm,
}

pub async fn create_committee(
    RequireRole { ctx, .. }: Staff,
    Form(post): Form<CommitteePost>,
) -> WebResult {
    ctx.check_csrf(&post.csrf)?;
    match committees::create_committee(&ctx.app, &ctx.scoped, &post.form, &ctx.actor).await {
        Ok(id) => Ok(Redirect::to(&format!("/staff/committees/{id}")).into_response()),
        Err(AppError::Invalid(errors)) => list_view(&ctx, errors, post.form).await,
        Err(e) => Err(e.into()),
    }
}

pub struct SeatLine {
    pub id: String,
    pub person_id: String,
    pub display_name: String,
    pub role: String,
    pub start_on: String,
    pub end_on: String,
    /// The error key of this seat's "end on" field (`end-<id>`).
    pub end_key: String,
    pub end_value: String,
}

#[derive(Template)]
#[template(path = "staff/committees/show.html")]
pub struct CommitteeView {
    pub chrome: Chrome,
    pub errors: FieldErrors,
    pub id: String,
    pub name: String,
    pub kind: String,
    pub description: String,
    pub current: Vec<SeatLine>,
    pub other: Vec<SeatLine>,
    pub form: SeatForm,
    pub candidates: Vec<PersonMatch>,
    pub roles: &'static [&'static str],
}

#[derive(Deserialize, Default)]
pub struct DoneQuery {
    #[serde(default)]
    done: String,
}

async fn committee_view(
    ctx: &Ctx,
    id: CommitteeId,
    errors: FieldErrors,
    form: SeatForm,
    ended: Option<(CommitteeMemberId, String)>,
    notice: Option<String>,
) -> WebResult {
    let today = today(&ctx.app, &ctx.scoped);
    let committee = ctx
        .scoped
        .committee(id, today)
        .await?
        .ok_or(WebError::NotFound)?;
    let mut seats = ctx.scoped.committee_seats(id).await?;
    seats.sort_by(|a, b| {
        (role_rank(&a.role), &a.display_name).cmp(&(role_rank(&b.role), &b.display_name))
    });
    let (mut current, mut other) = (Vec::new(), Vec::new());
    for s in seats {
        let start = s.start_on.as_deref().and_then(|d| d.parse().ok());
        let end = s.end_on.as_deref().and_then(|d| d.parse().ok());
        let line = SeatLine {
            end_key: format!("end-{}", s.id),
            end_value: match &ended {
                Some((seat, typed)) if *seat == s.id => typed.clone(),
                _ => String::new(),
            },
            id: s.id.to_string(),
            person_id: s.person_id.to_string(),
            display_name: s.display_name,
            role: s.role,
            start_on: s.start_on.unwrap_or_default(),
            end_on: s.end_on.unwrap_or_default(),
        };
        if is_current(start, end, today) {
            current.push(line);
        } else {
            other.push(line);
        }
    }
    let candidates = if errors.get("who") == Some(committees::SEVERAL_MATCH) {
        committees::candidates(&ctx.scoped, &form.who).await?
    } else {
        Vec::new()
    };
    render(
        form_status(&errors),
        &CommitteeView {
            chrome: ctx.chrome(notice).await?,
            errors,
            id: committee.id.to_string(),
            kind: kind_label(&committee.kind).to_string(),
            name: committee.name,
            description: committee.description,
            current,
            other,
            form,
            candidates,
            roles: SUGGESTED_ROLES,
        },
    )
}

pub async fn committee(
    RequireRole { ctx, .. }: Staff,
    Path(id): Path<String>,
    Query(q): Query<DoneQuery>,
) -> WebResult {
    let id: CommitteeId = parse_id(&id)?;
    let notice = match q.done.as_str() {
        "added" => Some("Added.".to_string()),
        "ended" => Some("Seat ended.".to_string()),
        _ => None,
    };
    committee_view(
        &ctx,
        id,
        FieldErrors::new(),
        SeatForm::default(),
        None,
        notice,
    )
    .await
}

#[derive(Deserialize)]
pub struct SeatPost {
    #[serde(default)]
    csrf: String,
    #[serde(flatten)]
    form: SeatForm,
}

pub async fn add_seat(
    RequireRole { ctx, .. }: Staff,
    Path(id): Path<String>,
    Form(post): Form<SeatPost>,
) -> WebResult {
    ctx.check_csrf(&post.csrf)?;
    let id: CommitteeId = parse_id(&id)?;
    match committees::add_seat(&ctx.app, &ctx.scoped, id, &post.form, &ctx.actor).await {
        Ok(_) => Ok(Redirect::to(&format!("/staff/committees/{id}?done=added")).into_response()),
        Err(AppError::Invalid(errors)) => {
            committee_view(&ctx, id, errors, post.form, None, None).await
        }
        Err(e) => Err(e.into()),
    }
}

#[derive(Deserialize)]
pub struct EndPost {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    end_on: String,
}

pub async fn end_seat(
    RequireRole { ctx, .. }: Staff,
    Path((id, seat)): Path<(String, String)>,
    Form(post): Form<EndPost>,
) -> WebResult {
    ctx.check_csrf(&post.csrf)?;
    let id: CommitteeId = parse_id(&id)?;
    let seat: CommitteeMemberId = parse_id(&seat)?;
    match committees::end_seat(&ctx.app, &ctx.scoped, id, seat, &post.end_on, &ctx.actor).await {
        Ok(()) => Ok(Redirect::to(&format!("/staff/committees/{id}?done=ended")).into_response()),
        Err(AppError::Invalid(errors)) => {
            // Each seat has its own field: point the problem at this one.
            let mut keyed = FieldErrors::new();
            for (_, message) in errors.0 {
                keyed.add(&format!("end-{seat}"), message);
            }
            committee_view(
                &ctx,
                id,
                keyed,
                SeatForm::default(),
                Some((seat, post.end_on)),
                None,
            )
            .await
        }
        Err(e) => Err(e.into()),
    }
}
