//! Staff pages for membership applications: the pending list with what each applicant submitted,
//! and approve / reject with an optional message emailed to the applicant.

use askama::Template;
use axum::extract::{Path, Query};
use axum::response::{IntoResponse, Redirect};
use chapterhouse_app::AppError;
use chapterhouse_app::applications::{self, DecisionOutcome};
use chapterhouse_core::membership::Status;
use chapterhouse_core::money::Cents;
use chapterhouse_core::records::Decision;
use chapterhouse_core::validate::FieldErrors;
use chapterhouse_core::{MembershipId, Timestamp};
use serde::Deserialize;

use crate::ctx::{Chrome, Ctx, Form, RequireRole, Staff};
use crate::error::{WebError, WebResult};
use crate::staff_people::profession_label;
use crate::views::{form_status, render};

/// One application as the list shows it.
pub struct ApplicationCard {
    pub membership_id: String,
    pub person_id: String,
    pub display_name: String,
    pub email: String,
    pub credentials: String,
    pub profession: String,
    pub npi: String,
    pub specialty: String,
    pub phone: String,
    pub practices: String,
    pub level_name: String,
    pub fee: String,
    pub applied: String,
    pub paid: bool,
    /// The message typed for this applicant, kept when it came back with a problem.
    pub message: String,
    /// The error key for this card's message field (`message-<id>`).
    pub message_key: String,
}

#[derive(Template)]
#[template(path = "staff/applications.html")]
pub struct ApplicationsView {
    pub chrome: Chrome,
    pub errors: FieldErrors,
    pub cards: Vec<ApplicationCard>,
}

#[derive(Deserialize, Default)]
pub struct DoneQuery {
    #[serde(default)]
    done: String,
}

fn done_notice(done: &str) -> Option<String> {
    Some(
        match done {
            "approved-unpaid" => {
                "Approved, and the applicant emailed with the invoice for their dues. They stay pending until their dues are paid."
            }
            "approved" => "Approved, and the applicant emailed. They are now a member.",
            "rejected" => "Rejected, and the applicant emailed.",
            "already" => "That application had already been decided; nothing was changed.",
            _ => return None,
        }
        .to_string(),
    )
}

async fn list_view(
    ctx: &Ctx,
    errors: FieldErrors,
    kept: Option<(MembershipId, String)>,
    notice: Option<String>,
) -> WebResult {
    let zone = ctx.society().time_zone.clone();
    let cards = ctx
        .scoped
        .pending_applications()
        .await?
        .into_iter()
        .map(|a| {
            let message = match &kept {
                Some((id, text)) if *id == a.membership_id => text.clone(),
                _ => String::new(),
            };
            ApplicationCard {
                message_key: format!("message-{}", a.membership_id),
                membership_id: a.membership_id.to_string(),
                person_id: a.person_id.to_string(),
                display_name: a.display_name,
                email: a.email,
                credentials: a.credentials,
                profession: profession_label(&a.profession),
                npi: a.npi.unwrap_or_default(),
                specialty: a.specialty,
                phone: a.phone,
                practices: a.practices.join(", "),
                level_name: a.level_name,
                fee: Cents(a.fee_cents).to_string(),
                applied: Timestamp(a.created_at).local_date(&zone).to_string(),
                paid: a.paid_terms > 0,
                message,
            }
        })
        .collect();
    render(
        form_status(&errors),
        &ApplicationsView {
            chrome: ctx.chrome(notice).await?,
            errors,
            cards,
        },
    )
}

pub async fn applications(RequireRole { ctx, .. }: Staff, Query(q): Query<DoneQuery>) -> WebResult {
    list_view(&ctx, FieldErrors::new(), None, done_notice(&q.done)).await
}

#[derive(Deserialize)]
pub struct DecisionPost {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    message: String,
}

async fn decide(ctx: Ctx, id: String, decision: Decision, post: DecisionPost) -> WebResult {
    ctx.check_csrf(&post.csrf)?;
    let id: MembershipId = id.parse().map_err(|_| WebError::NotFound)?;
    match applications::decide(
        &ctx.app,
        &ctx.scoped,
        id,
        decision,
        &post.message,
        &ctx.actor,
    )
    .await
    {
        Ok(outcome) => {
            let done = match outcome {
                DecisionOutcome::Approved {
                    status: Status::Pending,
                    ..
                } => "approved-unpaid",
                DecisionOutcome::Approved { .. } => "approved",
                DecisionOutcome::Rejected => "rejected",
                DecisionOutcome::AlreadyDecided => "already",
            };
            Ok(Redirect::to(&format!("/staff/applications?done={done}")).into_response())
        }
        Err(AppError::Invalid(errors)) => {
            // Each card has its own message field: point the problem at this one.
            let mut keyed = FieldErrors::new();
            for (field, message) in errors.0 {
                keyed.add(&format!("{field}-{id}"), message);
            }
            list_view(&ctx, keyed, Some((id, post.message)), None).await
        }
        Err(e) => Err(e.into()),
    }
}

pub async fn approve(
    RequireRole { ctx, .. }: Staff,
    Path(id): Path<String>,
    Form(post): Form<DecisionPost>,
) -> WebResult {
    decide(ctx, id, Decision::Approve, post).await
}

pub async fn reject(
    RequireRole { ctx, .. }: Staff,
    Path(id): Path<String>,
    Form(post): Form<DecisionPost>,
) -> WebResult {
    decide(ctx, id, Decision::Reject, post).await
}
