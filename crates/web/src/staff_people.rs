//! The staff person page (`/staff/people/{id}`): the person, their membership and terms,
//! invoices and payments (their own and those of practices whose billing contact they are),
//! committees, notes, custom field values and audit history, with the forms to add a note, to
//! edit the custom field values and to suspend, reinstate or override the membership's status;
//! and the pages to merge a duplicate into this person and to erase them on request.

use askama::Template;
use axum::extract::{Path, Query};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect};
use chapterhouse_app::AppError;
use chapterhouse_app::custom_fields::save_person_values;
use chapterhouse_app::records::{self, ErasePreview, MergePreview};
use chapterhouse_core::membership::Term;
use chapterhouse_core::records::{Erasure, Side};
use chapterhouse_core::validate::FieldErrors;
use chapterhouse_core::{PersonId, Timestamp};
use chapterhouse_store::{MembershipFile, PersonFile, PersonMatch, TermListRow};

use crate::billing::{InvoiceRow, PaymentRow, RefundRow, invoice_row, payment_row, refund_row};
use crate::custom_fields::{ValueInput, value_inputs};
use serde::Deserialize;

use crate::ctx::{Admin, Chrome, Ctx, Form, RequireRole, Staff};
use crate::error::{WebError, WebResult};
use crate::forms::CsrfOnly;
use crate::forms::parse_id;
use crate::views::{MessageView, form_status, render};

/// "nurse_practitioner" → "Nurse practitioner" (the label every page uses).
pub(crate) fn profession_label(profession: &str) -> String {
    chapterhouse_core::people::Profession::from_stored(profession)
        .label()
        .to_string()
}

/// Audit actions in plain words; unknown ones are shown as stored.
fn action_label(action: &str) -> String {
    match action {
        "account.created" => "Sign-in account created",
        "member.added" => "Membership added",
        "member.renewed" => "Renewal recorded",
        "member.suspended" => "Membership suspended",
        "member.reinstated" => "Membership reinstated",
        "member.status_overridden" => "Status overridden",
        "member.override_cleared" => "Status override cleared",
        "application.approved" => "Application approved",
        "application.rejected" => "Application rejected",
        "person.note_added" => "Note added",
        "person.merged" => "Records merged",
        "person.anonymised" => "Anonymised on request",
        "committee.member_added" => "Joined a committee",
        "committee.member_ended" => "Committee seat ended",
        "person.custom_fields_saved" => "Custom fields changed",
        other => other,
    }
    .to_string()
}

const STATUSES: [(&str, &str); 6] = [
    ("active", "Active"),
    ("grace", "Grace"),
    ("pending", "Pending"),
    ("lapsed", "Lapsed"),
    ("suspended", "Suspended"),
    ("cancelled", "Cancelled"),
];

/// What the person page's forms had typed in, kept when one comes back with a problem.
#[derive(Default)]
pub struct PersonInputs {
    pub note_body: String,
    pub suspend_reason: String,
    pub reinstate_reason: String,
    pub override_status: String,
    pub override_reason: String,
    /// The custom fields form as posted: (input name, value) pairs.
    pub custom_fields: Option<Vec<(String, String)>>,
}

/// An invoice on the person page; `via_practice` when it is billed to a practice whose
/// billing contact they are rather than to them.
pub struct PersonInvoice {
    pub row: InvoiceRow,
    pub via_practice: bool,
}

/// A payment on the person page with the refunds made from it.
pub struct PersonPayment {
    pub row: PaymentRow,
    pub refunds: Vec<RefundRow>,
}

pub struct SeatLine {
    pub committee_id: String,
    pub committee_name: String,
    pub role: String,
    pub start_on: String,
    pub end_on: String,
    pub current: bool,
}

pub struct NoteLine {
    pub body: String,
    pub author: String,
    pub at: String,
}

pub struct HistoryLine {
    pub at: String,
    pub actor: String,
    pub action: String,
    pub detail: String,
}

#[derive(Template)]
#[template(path = "staff/person/page.html")]
pub struct PersonView {
    pub chrome: Chrome,
    pub errors: FieldErrors,
    pub person: PersonFile,
    pub profession: String,
    pub anonymised_on: Option<String>,
    pub membership: Option<MembershipFile>,
    pub terms: Vec<TermListRow>,
    pub invoices: Vec<PersonInvoice>,
    pub payments: Vec<PersonPayment>,
    pub seats: Vec<SeatLine>,
    pub notes: Vec<NoteLine>,
    pub history: Vec<HistoryLine>,
    pub custom_fields: Vec<ValueInput>,
    pub statuses: Vec<(&'static str, &'static str)>,
    pub input: PersonInputs,
    pub is_admin: bool,
}

#[derive(Deserialize, Default)]
pub struct DoneQuery {
    #[serde(default)]
    done: String,
}

/// Notices after a redirect: a fixed list, so nothing typed is ever reflected.
fn done_notice(done: &str) -> Option<String> {
    Some(
        match done {
            "note" => "Note added.",
            "custom-fields" => "Custom fields saved.",
            "suspended" => "Membership suspended.",
            "reinstated" => "Membership reinstated.",
            "override" => "Status overridden. It stays until you clear the override.",
            "override-cleared" => {
                "Override cleared: the status follows the membership's terms again."
            }
            "merged" => "Records merged. The duplicate has been deleted.",
            "anonymised" => {
                "Anonymised. Personal details are gone; invoices and payments remain as issued."
            }
            _ => return None,
        }
        .to_string(),
    )
}

async fn person_view(
    ctx: &Ctx,
    is_admin: bool,
    id: PersonId,
    errors: FieldErrors,
    input: PersonInputs,
    notice: Option<String>,
) -> WebResult {
    let person = ctx
        .scoped
        .person_file(id)
        .await?
        .ok_or(WebError::NotFound)?;
    let zone = ctx.society().time_zone.clone();
    let today = chapterhouse_app::membership::today(&ctx.app, &ctx.scoped);
    let membership = ctx.scoped.membership_file_of(id).await?;
    let terms = match &membership {
        Some(m) => ctx.scoped.term_list(m.id).await?,
        None => Vec::new(),
    };
    let invoices = ctx
        .scoped
        .person_file_invoices(id)
        .await?
        .iter()
        .map(|i| PersonInvoice {
            row: invoice_row(i, today),
            via_practice: i.person != Some(id),
        })
        .collect();
    let refunds = ctx.scoped.person_file_refunds(id).await?;
    let payments = ctx
        .scoped
        .person_file_payments(id)
        .await?
        .iter()
        .map(|p| PersonPayment {
            row: payment_row(p),
            refunds: refunds
                .iter()
                .filter(|r| r.payment == p.id)
                .map(refund_row)
                .collect(),
        })
        .collect();
    let custom_fields = value_inputs(ctx, id, input.custom_fields.as_deref()).await?;
    let mut seats: Vec<SeatLine> = ctx
        .scoped
        .person_seats(id)
        .await?
        .into_iter()
        .map(|s| {
            let start = s.start_on.as_deref().and_then(|d| d.parse().ok());
            let end = s.end_on.as_deref().and_then(|d| d.parse().ok());
            SeatLine {
                committee_id: s.committee_id.to_string(),
                committee_name: s.committee_name,
                current: chapterhouse_core::committees::is_current(start, end, today),
                role: s.role,
                start_on: s.start_on.unwrap_or_default(),
                end_on: s.end_on.unwrap_or_default(),
            }
        })
        .collect();
    seats.sort_by_key(|s| !s.current);
    let notes = ctx
        .scoped
        .person_notes(id)
        .await?
        .into_iter()
        .map(|n| NoteLine {
            body: n.body,
            author: n.author_name.unwrap_or_else(|| "—".into()),
            at: Timestamp(n.created_at).display_in(&zone),
        })
        .collect();
    let history = ctx
        .scoped
        .person_history(id, &person.email, membership.as_ref().map(|m| m.id), 100)
        .await?
        .into_iter()
        .map(|h| HistoryLine {
            at: Timestamp(h.at).display_in(&zone),
            actor: h.actor_name.unwrap_or_else(|| "—".into()),
            action: action_label(&h.action),
            detail: h.detail,
        })
        .collect();
    render(
        form_status(&errors),
        &PersonView {
            chrome: ctx.chrome(notice).await?,
            errors,
            profession: profession_label(&person.profession),
            anonymised_on: person
                .anonymised_at
                .map(|at| Timestamp(at).local_date(&zone).to_string()),
            person,
            membership,
            terms,
            invoices,
            payments,
            seats,
            notes,
            history,
            custom_fields,
            statuses: STATUSES.to_vec(),
            input,
            is_admin,
        },
    )
}

fn is_admin(user: &chapterhouse_app::accounts::CurrentUser) -> bool {
    user.role().satisfies(chapterhouse_core::Role::Admin)
}

pub async fn person(
    RequireRole { ctx, user, .. }: Staff,
    Path(id): Path<String>,
    Query(q): Query<DoneQuery>,
) -> WebResult {
    let id: PersonId = parse_id(&id)?;
    person_view(
        &ctx,
        is_admin(&user),
        id,
        FieldErrors::new(),
        PersonInputs::default(),
        done_notice(&q.done),
    )
    .await
}

#[derive(Deserialize)]
pub struct NotePost {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    body: String,
}

#[derive(Deserialize)]
pub struct SuspendPost {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    suspend_reason: String,
}

#[derive(Deserialize)]
pub struct ReinstatePost {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    reinstate_reason: String,
}

#[derive(Deserialize)]
pub struct OverridePost {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    override_status: String,
    #[serde(default)]
    override_reason: String,
}

/// After a person-page form: back to the page with a notice, or the page again (422) with the
/// input kept and the problem shown at its field.
async fn after(
    ctx: &Ctx,
    user: &chapterhouse_app::accounts::CurrentUser,
    id: PersonId,
    result: Result<(), AppError>,
    done: &str,
    input: PersonInputs,
) -> WebResult {
    match result {
        Ok(()) => Ok(Redirect::to(&format!("/staff/people/{id}?done={done}")).into_response()),
        Err(AppError::Invalid(errors)) => {
            person_view(ctx, is_admin(user), id, errors, input, None).await
        }
        Err(e) => Err(e.into()),
    }
}

pub async fn add_note(
    RequireRole { ctx, user, .. }: Staff,
    Path(id): Path<String>,
    Form(post): Form<NotePost>,
) -> WebResult {
    ctx.check_csrf(&post.csrf)?;
    let id: PersonId = parse_id(&id)?;
    let result = records::add_note(&ctx.app, &ctx.scoped, id, &post.body, &ctx.actor)
        .await
        .map(|_| ());
    let input = PersonInputs {
        note_body: post.body,
        ..Default::default()
    };
    after(&ctx, &user, id, result, "note", input).await
}

pub async fn suspend(
    RequireRole { ctx, user, .. }: Staff,
    Path(id): Path<String>,
    Form(post): Form<SuspendPost>,
) -> WebResult {
    ctx.check_csrf(&post.csrf)?;
    let id: PersonId = parse_id(&id)?;
    let result = records::suspend(&ctx.app, &ctx.scoped, id, &post.suspend_reason, &ctx.actor)
        .await
        .map(|_| ());
    let input = PersonInputs {
        suspend_reason: post.suspend_reason,
        ..Default::default()
    };
    after(&ctx, &user, id, result, "suspended", input).await
}

pub async fn reinstate(
    RequireRole { ctx, user, .. }: Staff,
    Path(id): Path<String>,
    Form(post): Form<ReinstatePost>,
) -> WebResult {
    ctx.check_csrf(&post.csrf)?;
    let id: PersonId = parse_id(&id)?;
    let result = records::reinstate(
        &ctx.app,
        &ctx.scoped,
        id,
        &post.reinstate_reason,
        &ctx.actor,
    )
    .await
    .map(|_| ());
    let input = PersonInputs {
        reinstate_reason: post.reinstate_reason,
        ..Default::default()
    };
    after(&ctx, &user, id, result, "reinstated", input).await
}

pub async fn set_override(
    RequireRole { ctx, user, .. }: Staff,
    Path(id): Path<String>,
    Form(post): Form<OverridePost>,
) -> WebResult {
    ctx.check_csrf(&post.csrf)?;
    let id: PersonId = parse_id(&id)?;
    let result = records::override_status(
        &ctx.app,
        &ctx.scoped,
        id,
        &post.override_status,
        &post.override_reason,
        &ctx.actor,
    )
    .await
    .map(|_| ());
    let input = PersonInputs {
        override_status: post.override_status,
        override_reason: post.override_reason,
        ..Default::default()
    };
    after(&ctx, &user, id, result, "override", input).await
}

pub async fn clear_override(
    RequireRole { ctx, user, .. }: Staff,
    Path(id): Path<String>,
    Form(post): Form<CsrfOnly>,
) -> WebResult {
    ctx.check_csrf(&post.csrf)?;
    let id: PersonId = parse_id(&id)?;
    let result = records::clear_override(&ctx.app, &ctx.scoped, id, &ctx.actor)
        .await
        .map(|_| ());
    after(
        &ctx,
        &user,
        id,
        result,
        "override-cleared",
        PersonInputs::default(),
    )
    .await
}

/// The custom fields form: `(input name, value)` pairs (see `app::custom_fields::input_name`)
/// and the CSRF token.
pub async fn save_custom_fields(
    RequireRole { ctx, user, .. }: Staff,
    Path(id): Path<String>,
    Form(post): Form<Vec<(String, String)>>,
) -> WebResult {
    ctx.check_csrf(crate::forms::csrf_of(&post))?;
    let id: PersonId = parse_id(&id)?;
    let result = save_person_values(&ctx.app, &ctx.scoped, id, &post, &ctx.actor)
        .await
        .map(|_| ());
    let input = PersonInputs {
        custom_fields: Some(post),
        ..Default::default()
    };
    after(&ctx, &user, id, result, "custom-fields", input).await
}

// ---- Merge duplicates ----------------------------------------------------------------------

#[derive(Template)]
#[template(path = "staff/person/merge.html")]
pub struct MergeView {
    pub chrome: Chrome,
    pub errors: FieldErrors,
    pub keep: PersonFile,
    pub q: String,
    pub searched: bool,
    pub matches: Vec<PersonMatch>,
    pub preview: Option<MergeLines>,
}

/// The preview, as lines of plain words.
pub struct MergeLines {
    pub duplicate: PersonFile,
    pub duplicate_id: String,
    pub membership: Vec<String>,
    pub moves: Vec<String>,
    pub account: String,
    pub blockers: Vec<String>,
}

fn plural(n: i64, one: &str, many: &str) -> String {
    format!("{n} {}", if n == 1 { one } else { many })
}

fn membership_words(m: &MembershipFile) -> String {
    format!("{} ({}, since {})", m.level_name, m.status, m.status_since)
}

fn merge_lines(p: &MergePreview) -> MergeLines {
    let mut membership = Vec::new();
    match (&p.keep_membership, &p.duplicate_membership, p.plan.survivor) {
        (None, None, _) | (_, _, None) => {
            membership.push("Neither record has a membership.".into())
        }
        (Some(k), None, _) => membership.push(format!(
            "The membership kept is this person's own: {}.",
            membership_words(k)
        )),
        (None, Some(d), _) => membership.push(format!(
            "The duplicate's membership moves to this person: {}.",
            membership_words(d)
        )),
        (Some(k), Some(d), Some(side)) => {
            let (kept, other, whose) = match side {
                Side::Kept => (k, d, "this person's"),
                Side::Duplicate => (d, k, "the duplicate's"),
            };
            membership.push(format!(
                "Both have a membership. The one whose latest term ends later stays (this person's on a tie): {whose}, {}.",
                membership_words(kept)
            ));
            let moved: Vec<String> = p.plan.moved_terms.iter().map(term_words).collect();
            let dropped: Vec<String> = p.plan.dropped_terms.iter().map(term_words).collect();
            if !moved.is_empty() {
                membership.push(format!(
                    "Terms moved from the other membership ({}): {}.",
                    other.level_name,
                    moved.join("; ")
                ));
            }
            if !dropped.is_empty() {
                membership.push(format!(
                    "Terms not moved because they overlap the kept membership's: {}.",
                    dropped.join("; ")
                ));
            }
        }
    }
    let c = &p.counts;
    let mut moves = Vec::new();
    for (n, one, many) in [
        (c.invoices, "invoice", "invoices"),
        (
            c.invoice_lines,
            "invoice line naming them",
            "invoice lines naming them",
        ),
        (c.payments, "payment", "payments"),
        (
            c.payment_methods,
            "saved payment method",
            "saved payment methods",
        ),
        (c.notes, "note", "notes"),
        (c.committee_seats, "committee seat", "committee seats"),
        (c.custom_values, "custom field value", "custom field values"),
        (c.taxonomy_codes, "taxonomy code", "taxonomy codes"),
        (c.licences, "licence", "licences"),
        (c.addresses, "address", "addresses"),
        (
            c.visibility_choices,
            "directory visibility choice",
            "directory visibility choices",
        ),
        (c.practice_links, "practice link", "practice links"),
        (
            c.practice_contacts,
            "practice contact role",
            "practice contact roles",
        ),
    ] {
        if n > 0 {
            moves.push(plural(n, one, many));
        }
    }
    let account = match (p.keep.account_id, p.duplicate.account_id) {
        (_, None) => "The duplicate has no sign-in account.".to_string(),
        (Some(_), Some(_)) => format!(
            "The duplicate's sign-in account is deleted ({} signed in now). This person's account is kept.",
            plural(c.sessions, "session", "sessions")
        ),
        (None, Some(_)) => format!(
            "This person has no sign-in account, so the duplicate's is handed over: they sign in with {} from now on, and its {} ended.",
            p.keep.email,
            plural(c.sessions, "session is", "sessions are")
        ),
    };
    MergeLines {
        duplicate_id: p.duplicate.id.to_string(),
        duplicate: p.duplicate.clone(),
        membership,
        moves,
        account,
        blockers: p.blockers.clone(),
    }
}

fn term_words(term: &Term) -> String {
    match term.end {
        Some(end) => format!("{} to {end}", term.start),
        None => format!("from {}, never ending", term.start),
    }
}

#[derive(Deserialize, Default)]
pub struct MergeQuery {
    #[serde(default)]
    q: String,
    #[serde(default)]
    duplicate: String,
}

async fn merge_view(
    ctx: &Ctx,
    keep: PersonId,
    q: String,
    duplicate: Option<PersonId>,
    errors: FieldErrors,
) -> WebResult {
    let keep_file = ctx
        .scoped
        .person_file(keep)
        .await?
        .ok_or(WebError::NotFound)?;
    let preview = match duplicate {
        Some(dup) => match records::merge_preview(&ctx.scoped, keep, dup).await {
            Ok(p) => Some(merge_lines(&p)),
            Err(AppError::NotFound) => None,
            Err(e) => return Err(e.into()),
        },
        None => None,
    };
    let searched = preview.is_none() && q.trim().chars().count() >= 2;
    let matches = if searched {
        ctx.scoped.find_people(&q, Some(keep), 25).await?
    } else {
        Vec::new()
    };
    render(
        form_status(&errors),
        &MergeView {
            chrome: ctx.chrome(None).await?,
            errors,
            keep: keep_file,
            q,
            searched,
            matches,
            preview,
        },
    )
}

pub async fn merge_form(
    RequireRole { ctx, .. }: Admin,
    Path(id): Path<String>,
    Query(q): Query<MergeQuery>,
) -> WebResult {
    let keep: PersonId = parse_id(&id)?;
    let duplicate = q.duplicate.parse().ok();
    merge_view(&ctx, keep, q.q, duplicate, FieldErrors::new()).await
}

#[derive(Deserialize)]
pub struct MergePost {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    duplicate: String,
}

pub async fn merge(
    RequireRole { ctx, .. }: Admin,
    Path(id): Path<String>,
    Form(post): Form<MergePost>,
) -> WebResult {
    ctx.check_csrf(&post.csrf)?;
    let keep: PersonId = parse_id(&id)?;
    let Ok(duplicate) = post.duplicate.parse::<PersonId>() else {
        let mut errors = FieldErrors::new();
        errors.add("duplicate", "Find and choose the duplicate record first.");
        return merge_view(&ctx, keep, String::new(), None, errors).await;
    };
    match records::merge_people(&ctx.app, &ctx.scoped, keep, duplicate, &ctx.actor).await {
        Ok(_) => Ok(Redirect::to(&format!("/staff/people/{keep}?done=merged")).into_response()),
        Err(AppError::Invalid(errors)) => {
            merge_view(&ctx, keep, String::new(), Some(duplicate), errors).await
        }
        Err(e) => Err(e.into()),
    }
}

// ---- Erase on request ----------------------------------------------------------------------

#[derive(Template)]
#[template(path = "staff/person/erase.html")]
pub struct EraseView {
    pub chrome: Chrome,
    pub errors: FieldErrors,
    pub person: PersonFile,
    pub anonymise: bool,
    pub invoices: i64,
    pub payments: i64,
    pub blocker: Option<String>,
    pub confirm_email: String,
    pub confirm_hint: String,
}

async fn erase_view(ctx: &Ctx, id: PersonId, errors: FieldErrors, typed: String) -> WebResult {
    let ErasePreview {
        person,
        counts,
        erasure,
        blocker,
        ..
    } = records::erase_preview(&ctx.scoped, id).await?;
    render(
        form_status(&errors),
        &EraseView {
            chrome: ctx.chrome(None).await?,
            errors,
            anonymise: erasure == Erasure::Anonymise,
            invoices: counts.invoices,
            payments: counts.payments,
            blocker,
            confirm_email: typed,
            confirm_hint: format!("Their address is {}.", person.email),
            person,
        },
    )
}

pub async fn erase_form(RequireRole { ctx, .. }: Admin, Path(id): Path<String>) -> WebResult {
    let id: PersonId = parse_id(&id)?;
    erase_view(&ctx, id, FieldErrors::new(), String::new()).await
}

#[derive(Deserialize)]
pub struct ErasePost {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    confirm_email: String,
}

pub async fn erase(
    RequireRole { ctx, .. }: Admin,
    Path(id): Path<String>,
    Form(post): Form<ErasePost>,
) -> WebResult {
    ctx.check_csrf(&post.csrf)?;
    let id: PersonId = parse_id(&id)?;
    match records::erase_person(&ctx.app, &ctx.scoped, id, &post.confirm_email, &ctx.actor).await
    {
        Ok(Erasure::Anonymise) => {
            Ok(Redirect::to(&format!("/staff/people/{id}?done=anonymised")).into_response())
        }
        Ok(Erasure::Delete) => render(
            StatusCode::OK,
            &MessageView {
                chrome: ctx.chrome(None).await?,
                heading: "Deleted".into(),
                message: "The person and everything recorded about them have been deleted. The audit log keeps only that a record was deleted on request.".into(),
                link_href: "/staff/members".into(),
                link_text: "Back to members".into(),
            },
        ),
        Err(AppError::Invalid(errors)) => erase_view(&ctx, id, errors, post.confirm_email).await,
        Err(e) => Err(e.into()),
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn labels_read_as_words() {
        assert_eq!(
            super::profession_label("nurse_practitioner"),
            "Nurse practitioner"
        );
        assert_eq!(
            super::action_label("member.suspended"),
            "Membership suspended"
        );
        assert_eq!(super::action_label("page.saved"), "page.saved");
    }
}
