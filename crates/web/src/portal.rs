//! The member portal: the signed-in person's membership (status in plain words, terms, automatic
//! renewal, level changes) and profile with directory visibility; a practice manager editing a
//! colleague's profile as a delegate; and staff editing any person's identifiers and locking
//! visibility. One profile form serves all three.

use askama::Template;
use axum::extract::{Path, Query};
use axum::response::{IntoResponse, Redirect};
use chapterhouse_app::AppError;
use chapterhouse_app::people::{self, Editor, LicenceInput, ProfileForm, person_of};
use chapterhouse_core::PersonId;
use chapterhouse_core::money::Cents;
use chapterhouse_core::people::{
    DirectoryField, MONTHS, Profession, US_STATES, Visibility, long_date, status_in_words,
    taxonomy_codes,
};
use chapterhouse_core::validate::FieldErrors;
use chapterhouse_store::{Colleague, LevelChoice, PortalMembership, TermHistory, parse_status};
use serde::Deserialize;

use crate::ctx::{Chrome, Ctx, Form, RequireRole, Staff};
use crate::error::{WebError, WebResult};
use crate::views::{form_status, render};

/// Blank licence rows offered below the filled ones (more after saving).
const BLANK_LICENCE_ROWS: usize = 2;

#[derive(Deserialize)]
pub struct ProfilePost {
    #[serde(default)]
    csrf: String,
    #[serde(flatten)]
    form: ProfileForm,
}

#[derive(Deserialize, Default)]
pub struct SavedQuery {
    #[serde(default)]
    saved: Option<String>,
}

#[derive(Deserialize)]
pub struct AutoRenewPost {
    #[serde(default)]
    csrf: String,
    /// "on" or "off".
    #[serde(default)]
    auto_renew: String,
}

#[derive(Deserialize)]
pub struct LevelPost {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    level: String,
}

/// One field's visibility choice as the form shows it.
pub struct VisibilityRow {
    pub key: &'static str,
    pub label: &'static str,
    pub chosen: String,
    pub locked: bool,
    pub default_label: &'static str,
}

#[derive(Template)]
#[template(path = "portal/profile.html")]
pub struct ProfileView {
    pub chrome: Chrome,
    pub heading: String,
    pub intro: String,
    pub action: String,
    pub email: String,
    pub errors: FieldErrors,
    pub form: ProfileForm,
    pub licences: Vec<LicenceInput>,
    pub visibility: Vec<VisibilityRow>,
    pub staff: bool,
    pub professions: Vec<(String, String)>,
    pub states: Vec<(String, String)>,
    pub months: Vec<(String, String)>,
    pub taxonomies: Vec<(String, String)>,
    pub visibilities: Vec<(String, String)>,
    pub back_href: String,
    pub back_text: String,
}

pub fn visibility_options() -> Vec<(String, String)> {
    Visibility::ALL
        .into_iter()
        .map(|v| (v.as_str().to_string(), v.label().to_string()))
        .collect()
}

pub fn state_options() -> Vec<(String, String)> {
    US_STATES
        .iter()
        .map(|(code, name)| (code.to_string(), format!("{name} ({code})")))
        .collect()
}

/// Where the form posts, and who is editing.
struct Target {
    person: PersonId,
    editor: Editor,
    action: String,
    heading: String,
    intro: String,
    back_href: String,
    back_text: String,
}

async fn profile_view(
    ctx: &Ctx,
    target: &Target,
    form: Option<ProfileForm>,
    errors: FieldErrors,
    notice: Option<String>,
) -> WebResult {
    let profile = ctx
        .scoped
        .profile(target.person)
        .await?
        .ok_or(WebError::NotFound)?;
    let choices = ctx.scoped.field_choices(target.person).await?;
    let defaults = ctx.scoped.directory_defaults().await?;
    let form = form.unwrap_or_else(|| ProfileForm::from_profile(&profile, &choices, &defaults));
    let mut licences = form.licence_rows();
    let next = licences.iter().map(|l| l.index + 1).max().unwrap_or(0);
    for index in next..next + BLANK_LICENCE_ROWS {
        licences.push(LicenceInput {
            index,
            ..Default::default()
        });
    }
    let visibility = DirectoryField::ALL
        .into_iter()
        .map(|field| {
            let choice = choices.iter().find(|c| c.field == field);
            let current = people::effective(field, choice, &defaults);
            let default = people::effective(field, None, &defaults);
            VisibilityRow {
                key: field.as_str(),
                label: field.label(),
                chosen: form
                    .visibility(field)
                    .map(str::to_string)
                    .unwrap_or_else(|| current.as_str().to_string()),
                locked: if target.editor == Editor::Staff {
                    form.locked(field)
                } else {
                    choice.is_some_and(|c| c.locked)
                },
                default_label: default.label(),
            }
        })
        .collect();
    let mut taxonomies: Vec<(String, String)> = taxonomy_codes()
        .iter()
        .filter(|t| t.is_individual() && t.oncology)
        .map(|t| (t.code.clone(), t.display_name.clone()))
        .collect();
    taxonomies.sort_by(|a, b| a.1.cmp(&b.1));
    render(
        form_status(&errors),
        &ProfileView {
            chrome: ctx.chrome(notice).await?,
            heading: target.heading.clone(),
            intro: target.intro.clone(),
            action: target.action.clone(),
            email: profile.email,
            errors,
            form,
            licences,
            visibility,
            staff: target.editor == Editor::Staff,
            professions: Profession::ALL
                .into_iter()
                .map(|p| (p.as_str().to_string(), p.label().to_string()))
                .collect(),
            states: state_options(),
            months: MONTHS
                .iter()
                .enumerate()
                .map(|(i, m)| ((i + 1).to_string(), m.to_string()))
                .collect(),
            taxonomies,
            visibilities: visibility_options(),
            back_href: target.back_href.clone(),
            back_text: target.back_text.clone(),
        },
    )
}

async fn save_profile(ctx: &Ctx, target: &Target, post: ProfilePost) -> WebResult {
    ctx.check_csrf(&post.csrf)?;
    match people::update_profile(
        &ctx.app,
        &ctx.scoped,
        target.person,
        target.editor,
        &post.form,
        &ctx.actor,
    )
    .await
    {
        Ok(()) => Ok(Redirect::to(&format!("{}?saved=1", target.action)).into_response()),
        Err(AppError::Invalid(errors)) => {
            profile_view(ctx, target, Some(post.form), errors, None).await
        }
        Err(e) => Err(e.into()),
    }
}

fn saved_notice(q: &SavedQuery, text: &str) -> Option<String> {
    q.saved.as_ref().map(|_| text.to_string())
}

fn own_target(ctx: &Ctx) -> Result<Target, WebError> {
    let user = ctx.require_user()?;
    Ok(Target {
        person: person_of(user),
        editor: Editor::Own,
        action: "/account/profile".into(),
        heading: "Your profile".into(),
        intro: "Your details and professional identifiers, and who sees each of them in the society's directory.".into(),
        back_href: "/account".into(),
        back_text: "Back to your account".into(),
    })
}

pub async fn profile_form(ctx: Ctx, Query(q): Query<SavedQuery>) -> WebResult {
    let target = own_target(&ctx)?;
    profile_view(
        &ctx,
        &target,
        None,
        FieldErrors::new(),
        saved_notice(&q, "Your profile is saved."),
    )
    .await
}

pub async fn profile_save(ctx: Ctx, Form(post): Form<ProfilePost>) -> WebResult {
    let target = own_target(&ctx)?;
    save_profile(&ctx, &target, post).await
}

/// A colleague's profile for a practice manager; 404 unless the manager manages a practice the
/// colleague is linked to.
async fn delegate_target(ctx: &Ctx, raw: &str) -> Result<Target, WebError> {
    let user = ctx.require_user()?;
    let person: PersonId = raw.parse().map_err(|_| WebError::NotFound)?;
    let editor = Editor::Delegate {
        manager: person_of(user),
    };
    if !people::may_edit(&ctx.scoped, person, editor).await? {
        return Err(WebError::NotFound);
    }
    let name = ctx
        .scoped
        .profile(person)
        .await?
        .map(|p| p.fields.display_name)
        .unwrap_or_default();
    Ok(Target {
        person,
        editor,
        action: format!("/account/practice/people/{person}/profile"),
        heading: format!("Profile of {name}"),
        intro: format!(
            "You manage a practice {name} works at, so you can update their details for them."
        ),
        back_href: "/account/membership".into(),
        back_text: "Back to your membership".into(),
    })
}

pub async fn delegate_form(
    ctx: Ctx,
    Path(id): Path<String>,
    Query(q): Query<SavedQuery>,
) -> WebResult {
    let target = delegate_target(&ctx, &id).await?;
    profile_view(
        &ctx,
        &target,
        None,
        FieldErrors::new(),
        saved_notice(&q, "The profile is saved."),
    )
    .await
}

pub async fn delegate_save(
    ctx: Ctx,
    Path(id): Path<String>,
    Form(post): Form<ProfilePost>,
) -> WebResult {
    let target = delegate_target(&ctx, &id).await?;
    save_profile(&ctx, &target, post).await
}

async fn staff_target(ctx: &Ctx, raw: &str) -> Result<Target, WebError> {
    let person: PersonId = raw.parse().map_err(|_| WebError::NotFound)?;
    let profile = ctx
        .scoped
        .profile(person)
        .await?
        .ok_or(WebError::NotFound)?;
    Ok(Target {
        person,
        editor: Editor::Staff,
        action: format!("/staff/people/{person}/profile"),
        heading: format!("Profile of {}", profile.fields.display_name),
        intro: "Identifiers and directory visibility. Lock a field to keep the member from changing who sees it.".into(),
        back_href: "/staff/members".into(),
        back_text: "Back to members".into(),
    })
}

pub async fn staff_form(
    RequireRole { ctx, .. }: Staff,
    Path(id): Path<String>,
    Query(q): Query<SavedQuery>,
) -> WebResult {
    let target = staff_target(&ctx, &id).await?;
    profile_view(
        &ctx,
        &target,
        None,
        FieldErrors::new(),
        saved_notice(&q, "Profile saved."),
    )
    .await
}

pub async fn staff_save(
    RequireRole { ctx, .. }: Staff,
    Path(id): Path<String>,
    Form(post): Form<ProfilePost>,
) -> WebResult {
    let target = staff_target(&ctx, &id).await?;
    save_profile(&ctx, &target, post).await
}

// ---------------------------------------------------------------------------------------------
// Membership.

pub struct TermRow {
    pub start: String,
    pub end: String,
    pub level: String,
    pub current: bool,
}

#[derive(Template)]
#[template(path = "portal/membership.html")]
pub struct MembershipView {
    pub chrome: Chrome,
    pub errors: FieldErrors,
    pub membership: Option<PortalMembership>,
    pub status_words: String,
    pub member_since: String,
    pub fee: String,
    pub can_renew: bool,
    pub terms: Vec<TermRow>,
    pub level_choices: Vec<(String, String)>,
    /// The colleagues a practice manager acts for, each with their membership id ("" without
    /// one) for the renew link.
    pub colleagues: Vec<(Colleague, String)>,
}

fn nice_date(text: &str) -> String {
    text.parse().map(long_date).unwrap_or_else(|_| text.into())
}

async fn membership_view(ctx: &Ctx, errors: FieldErrors, notice: Option<String>) -> WebResult {
    let user = ctx.require_user()?;
    let person = person_of(user);
    let membership = ctx.scoped.portal_membership(person).await?;
    let colleagues = ctx.scoped.managed_colleagues(person).await?;
    let mut with_memberships = Vec::with_capacity(colleagues.len());
    for c in colleagues {
        let membership = ctx
            .scoped
            .membership_of_person(c.id)
            .await?
            .map(|m| m.to_string())
            .unwrap_or_default();
        with_memberships.push((c, membership));
    }
    let (mut status_words, mut member_since, mut fee) =
        (String::new(), String::new(), String::new());
    let mut terms: Vec<TermHistory> = Vec::new();
    let mut choices: Vec<LevelChoice> = Vec::new();
    let mut can_renew = false;
    if let Some(m) = &membership {
        terms = ctx.scoped.term_history(m.id).await?;
        choices = ctx.scoped.level_changes_from(m.level_id).await?;
        let status =
            parse_status(&m.status).unwrap_or(chapterhouse_core::membership::Status::Pending);
        let paid_through = terms
            .first()
            .and_then(|t| t.end_on.as_deref())
            .and_then(|d| d.parse().ok());
        status_words = status_in_words(
            status,
            paid_through,
            m.grace_days,
            m.application.as_deref() == Some("pending"),
        );
        member_since = nice_date(&m.joined_on);
        fee = Cents(m.fee_cents).to_string();
        use chapterhouse_core::membership::Status as S;
        can_renew = m.paid_by_practice.is_none()
            && matches!(status, S::Active | S::Grace | S::Lapsed)
            && (terms.is_empty() || terms.first().is_some_and(|t| t.end_on.is_some()));
    }
    let today = chapterhouse_app::membership::today(&ctx.app, &ctx.scoped).to_string();
    let terms = terms
        .into_iter()
        .map(|t| TermRow {
            current: t.start_on <= today && t.end_on.as_deref().is_none_or(|e| today.as_str() <= e),
            start: nice_date(&t.start_on),
            end: t
                .end_on
                .as_deref()
                .map(nice_date)
                .unwrap_or_else(|| "No end".into()),
            level: t.level_name,
        })
        .collect();
    let level_choices = choices
        .into_iter()
        .map(|c| {
            (
                c.id.to_string(),
                format!("{} ({} a term)", c.name, Cents(c.fee_cents)),
            )
        })
        .collect();
    render(
        form_status(&errors),
        &MembershipView {
            chrome: ctx.chrome(notice).await?,
            errors,
            membership,
            status_words,
            member_since,
            fee,
            can_renew,
            terms,
            level_choices,
            colleagues: with_memberships,
        },
    )
}

#[derive(Deserialize, Default)]
pub struct DoneQuery {
    #[serde(default)]
    done: String,
}

pub async fn membership(ctx: Ctx, Query(q): Query<DoneQuery>) -> WebResult {
    let notice = match q.done.as_str() {
        "auto-renew-on" => Some("Automatic renewal is on. We will renew your membership with the card or bank account you pay with next.".to_string()),
        "auto-renew-off" => Some("Automatic renewal is off. We will remind you before your membership ends.".to_string()),
        "level" => Some("Your level is changed. Your next renewal is at the new level's price.".to_string()),
        "payment" => Some("Thank you. We're confirming your payment with the card processor: the new term appears here, and your receipt is emailed, as soon as it is confirmed (bank payments take a few days).".to_string()),
        _ => None,
    };
    membership_view(&ctx, FieldErrors::new(), notice).await
}

pub async fn auto_renew(ctx: Ctx, Form(post): Form<AutoRenewPost>) -> WebResult {
    ctx.check_csrf(&post.csrf)?;
    let user = ctx.require_user()?;
    let on = match post.auto_renew.as_str() {
        "on" => true,
        "off" => false,
        _ => {
            let mut errors = FieldErrors::new();
            errors.add(
                "auto_renew",
                "Choose whether to turn automatic renewal on or off.",
            );
            return membership_view(&ctx, errors, None).await;
        }
    };
    match people::set_auto_renew(&ctx.app, &ctx.scoped, person_of(user), on, &ctx.actor).await {
        Ok(_) => Ok(Redirect::to(&format!(
            "/account/membership?done=auto-renew-{}",
            if on { "on" } else { "off" }
        ))
        .into_response()),
        Err(AppError::Invalid(errors)) => membership_view(&ctx, errors, None).await,
        Err(e) => Err(e.into()),
    }
}

pub async fn change_level(ctx: Ctx, Form(post): Form<LevelPost>) -> WebResult {
    ctx.check_csrf(&post.csrf)?;
    let user = ctx.require_user()?;
    match people::change_level(
        &ctx.app,
        &ctx.scoped,
        person_of(user),
        &post.level,
        &ctx.actor,
    )
    .await
    {
        Ok(_) => Ok(Redirect::to("/account/membership?done=level").into_response()),
        Err(AppError::Invalid(errors)) => membership_view(&ctx, errors, None).await,
        Err(e) => Err(e.into()),
    }
}
