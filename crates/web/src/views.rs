//! Page templates (askama, checked at compile time) and the helpers that render them.

use askama::Template;
use axum::http::StatusCode;
use axum::response::{Html, IntoResponse};
use chapterhouse_app::pages::PageForm;
use chapterhouse_app::societies::NewSocietyForm;
use chapterhouse_core::validate::FieldErrors;
use chapterhouse_store::{Account, FailedJob, Invitation, Page, Redirect, Society};

use crate::ctx::Chrome;
use crate::error::WebResult;

/// Render a template as a response with the given status (200 or 422 for a form with errors).
pub fn render(status: StatusCode, template: &impl Template) -> WebResult {
    Ok((status, Html(template.render()?)).into_response())
}

pub fn ok(template: &impl Template) -> WebResult {
    render(StatusCode::OK, template)
}

/// A re-shown form: 422 when it has errors, so tests and tools can tell.
pub fn form_status(errors: &FieldErrors) -> StatusCode {
    if errors.is_empty() {
        StatusCode::OK
    } else {
        StatusCode::UNPROCESSABLE_ENTITY
    }
}

#[derive(Template)]
#[template(path = "page.html")]
pub struct PageView {
    pub chrome: Chrome,
    pub page: Page,
    pub is_home: bool,
    pub description: String,
    /// The home page lists the next few events.
    pub events: Vec<crate::events::EventCard>,
}

#[derive(Template)]
#[template(path = "message.html")]
pub struct MessageView {
    pub chrome: Chrome,
    pub heading: String,
    pub message: String,
    pub link_href: String,
    pub link_text: String,
}

#[derive(Template)]
#[template(path = "sign_in.html")]
pub struct SignInView {
    pub chrome: Chrome,
    pub errors: FieldErrors,
    pub email: String,
    pub next: String,
}

#[derive(Template)]
#[template(path = "confirm_link.html")]
pub struct ConfirmLinkView {
    pub chrome: Chrome,
    pub heading: String,
    pub message: String,
    pub action: String,
    pub button: String,
}

#[derive(Template)]
#[template(path = "mfa.html")]
pub struct MfaView {
    pub chrome: Chrome,
    pub errors: FieldErrors,
    pub action: String,
    pub next: String,
}

#[derive(Template)]
#[template(path = "password_form.html")]
pub struct PasswordFormView {
    pub chrome: Chrome,
    pub errors: FieldErrors,
    pub heading: String,
    pub intro: String,
    pub action: String,
    pub button: String,
}

#[derive(Template)]
#[template(path = "email_form.html")]
pub struct EmailFormView {
    pub chrome: Chrome,
    pub errors: FieldErrors,
    pub heading: String,
    pub intro: String,
    pub action: String,
    pub button: String,
    pub email: String,
}

#[derive(Template)]
#[template(path = "account/settings.html")]
pub struct AccountView {
    pub chrome: Chrome,
    pub account: Account,
    pub role_label: String,
    pub recent: bool,
}

#[derive(Template)]
#[template(path = "account/confirm.html")]
pub struct ConfirmView {
    pub chrome: Chrome,
    pub errors: FieldErrors,
    pub next: String,
}

#[derive(Template)]
#[template(path = "account/mfa_setup.html")]
pub struct MfaSetupView {
    pub chrome: Chrome,
    pub errors: FieldErrors,
    pub enabled: bool,
    pub required: bool,
    pub secret: String,
    pub proof: String,
    pub uri: String,
}

#[derive(Template)]
#[template(path = "staff/dashboard.html")]
pub struct DashboardView {
    pub chrome: Chrome,
    pub name: String,
    pub page_count: usize,
    pub redirect_count: usize,
    pub failed_jobs: usize,
}

#[derive(Template)]
#[template(path = "staff/pages.html")]
pub struct PagesView {
    pub chrome: Chrome,
    pub pages: Vec<Page>,
}

#[derive(Template)]
#[template(path = "staff/page_edit.html")]
pub struct PageEditView {
    pub chrome: Chrome,
    pub errors: FieldErrors,
    pub form: PageForm,
    pub is_new: bool,
    pub action: String,
    pub public_path: String,
    pub preview_html: String,
}

#[derive(Template)]
#[template(path = "staff/redirects.html")]
pub struct RedirectsView {
    pub chrome: Chrome,
    pub errors: FieldErrors,
    pub redirects: Vec<Redirect>,
    pub from_path: String,
    pub to_path: String,
}

#[derive(Template)]
#[template(path = "staff/team.html")]
pub struct TeamView {
    pub chrome: Chrome,
    pub errors: FieldErrors,
    pub accounts: Vec<Account>,
    pub invitations: Vec<Invitation>,
    pub can_invite: bool,
    pub is_owner: bool,
    pub owner_mfa_required: bool,
    pub roles: Vec<(String, String)>,
    pub display_name: String,
    pub email: String,
    pub role: String,
}

#[derive(Template)]
#[template(path = "staff/jobs.html")]
pub struct JobsView {
    pub chrome: Chrome,
    pub jobs: Vec<FailedJob>,
}

#[derive(Template)]
#[template(path = "staff/audit.html")]
pub struct AuditView {
    pub chrome: Chrome,
    pub entries: Vec<(String, String, String, String, String)>,
}

#[derive(Template)]
#[template(path = "operator/societies.html")]
pub struct OperatorView {
    pub chrome: Chrome,
    pub errors: FieldErrors,
    pub societies: Vec<Society>,
    pub form: NewSocietyForm,
}

/// A level as the levels table shows it.
pub struct LevelRow {
    pub id: String,
    pub name: String,
    pub fee: String,
    pub renews: String,
    pub grace_days: i64,
    pub approval_required: bool,
    pub for_practices: bool,
}

#[derive(Template)]
#[template(path = "staff/levels.html")]
pub struct LevelsView {
    pub chrome: Chrome,
    pub errors: FieldErrors,
    pub levels: Vec<LevelRow>,
    pub form: chapterhouse_app::membership::LevelForm,
    pub periods: Vec<(String, String)>,
}

#[derive(Template)]
#[template(path = "staff/members.html")]
pub struct MembersView {
    pub chrome: Chrome,
    /// One page of the list, with its links either side.
    pub page: chapterhouse_app::member_list::MemberPage,
    /// The filter as given in the query string.
    pub query: chapterhouse_app::member_list::MemberQuery,
    pub statuses: Vec<(String, String)>,
    pub levels: Vec<(String, String)>,
    pub practices: Vec<(String, String)>,
    pub specialties: Vec<String>,
    pub committees: Vec<(String, String)>,
    pub states: Vec<String>,
}

#[derive(Template)]
#[template(path = "staff/member_new.html")]
pub struct MemberNewView {
    pub chrome: Chrome,
    pub errors: FieldErrors,
    pub form: chapterhouse_app::membership::MemberForm,
    pub levels: Vec<(String, String)>,
}
