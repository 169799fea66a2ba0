//! Every route is registered here, through [`Routes`], which records each method and path. The
//! isolation test walks the recorded list and fails on any route it has no fixture for, so a new
//! route cannot skip the cross-society checks.

use std::sync::Arc;

use axum::Router;
use axum::extract::DefaultBodyLimit;
use axum::handler::Handler;
use axum::routing::{get, post};

use crate::{
    AppState, account, applications, assets, attendance_import, auth, billing,
    body_limit::{self, BodyLimits},
    cancellations, checkin, committees, custom_fields, directory, education, event_report, events,
    importexport, join, join_practice, level_rules, members, operator, ops, payments, portal,
    practices, registrations, site, speakers, staff, staff_events, staff_people,
};

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct RouteInfo {
    pub method: &'static str,
    pub path: &'static str,
}

struct Routes {
    router: Router<AppState>,
    recorded: Vec<RouteInfo>,
    /// Upload routes and the largest file each takes (`body_limit`).
    uploads: Vec<(&'static str, usize)>,
}

impl Routes {
    fn get<H, T>(mut self, path: &'static str, handler: H) -> Self
    where
        H: Handler<T, AppState>,
        T: 'static,
    {
        self.recorded.push(RouteInfo {
            method: "GET",
            path,
        });
        self.router = self.router.route(path, get(handler));
        self
    }

    /// A POST taking a file of up to `max_file` bytes: `body_limit` lets its requests carry
    /// the file and the form around it, and refuses a larger one with the 413 page. The page
    /// offering the upload shows the same constant.
    fn post_upload<H, T>(mut self, path: &'static str, handler: H, max_file: usize) -> Self
    where
        H: Handler<T, AppState>,
        T: 'static,
    {
        self.recorded.push(RouteInfo {
            method: "POST",
            path,
        });
        self.uploads.push((path, max_file));
        // `body_limit` already bounds the body; axum's own 2 MB default for multipart must not
        // cut it shorter.
        self.router = self
            .router
            .route(path, post(handler).layer(DefaultBodyLimit::disable()));
        self
    }

    fn post<H, T>(mut self, path: &'static str, handler: H) -> Self
    where
        H: Handler<T, AppState>,
        T: 'static,
    {
        self.recorded.push(RouteInfo {
            method: "POST",
            path,
        });
        self.router = self.router.route(path, post(handler));
        self
    }
}

fn table() -> Routes {
    Routes {
        router: Router::new(),
        recorded: Vec::new(),
        uploads: Vec::new(),
    }
    // Operations: no society needed.
    .get("/healthz", ops::healthz)
    .get("/readyz", ops::readyz)
    .get("/metrics", ops::metrics)
    // Assets.
    .get("/assets/site.css", assets::site_css)
    .get("/assets/editor.js", assets::editor_js)
    .get("/assets/brand.css", assets::brand_css)
    // Public site.
    .get("/", site::home)
    .get("/{slug}", site::page)
    // Events: the list, the calendar feed, an event's page and its calendar file.
    .get("/events", events::list)
    .get("/events.ics", events::feed)
    .get("/events/{slug}", events::show)
    .get("/events/{slug}/calendar.ics", events::calendar)
    .get("/events/{slug}/register", registrations::register_form)
    .post("/events/{slug}/register", registrations::register)
    .get("/registrations/{id}", registrations::show)
    .post("/registrations/{id}/pay", registrations::pay)
    .get("/registrations/{id}/cancel", cancellations::own_form)
    .post("/registrations/{id}/cancel", cancellations::own_cancel)
    .get("/registrations/{id}/offer", registrations::offer)
    .post("/registrations/{id}/offer", registrations::accept)
    .get("/account/registrations", registrations::account_list)
    // A speaker's own page, by the signed link in their invitation (no sign-in).
    .get("/speakers/{token}", speakers::speaker)
    .post("/speakers/{token}/agreement", speakers::accept)
    .post_upload(
        "/speakers/{token}/materials",
        speakers::upload,
        speakers::MAX_FILE,
    )
    .post("/speakers/{token}/disclosure", speakers::disclose)
    .get("/speakers/{token}/files/{material}", speakers::own_file)
    // Joining online, and the page after it.
    .get("/join", join::join_form)
    .post("/join", join::join)
    .get("/join/thanks", join::thanks)
    .get("/join/practice", join_practice::practice_form)
    .post("/join/practice", join_practice::practice_post)
    .get("/join/practice/thanks", join_practice::practice_thanks)
    // Sign-in and account recovery.
    .get("/sign-in", auth::sign_in_form)
    .post("/sign-in", auth::sign_in)
    .post("/sign-in/link", auth::request_link)
    .get("/sign-in/link/{token}", auth::link_confirm)
    .post("/sign-in/link/{token}", auth::link_sign_in)
    .get("/sign-in/mfa", auth::mfa_form)
    .post("/sign-in/mfa", auth::mfa)
    .post("/sign-out", auth::sign_out)
    .get("/password-reset", auth::reset_request_form)
    .post("/password-reset", auth::reset_request)
    .get("/password-reset/{token}", auth::reset_form)
    .post("/password-reset/{token}", auth::reset)
    .get("/verify-email/{token}", auth::verify_confirm)
    .post("/verify-email/{token}", auth::verify)
    .get("/invitations/{token}", auth::invitation_form)
    .post("/invitations/{token}", auth::accept_invitation)
    // The signed-in person's own account.
    .get("/account", account::settings)
    .get("/account/confirm", account::confirm_form)
    .post("/account/confirm", account::confirm)
    .get("/account/password", account::password_form)
    .post("/account/password", account::password)
    .get("/account/email", account::email_form)
    .post("/account/email", account::email)
    .get("/account/mfa", account::mfa_form)
    .post("/account/mfa", account::mfa_enable)
    .post("/account/mfa/disable", account::mfa_disable)
    .post("/account/verify", account::resend_verification)
    // The member portal and the directory.
    .get("/account/membership", portal::membership)
    .post("/account/membership/auto-renew", portal::auto_renew)
    .post("/account/membership/level", portal::change_level)
    .get("/account/profile", portal::profile_form)
    .post("/account/profile", portal::profile_save)
    .get(
        "/account/practice/people/{person_id}/profile",
        portal::delegate_form,
    )
    .post(
        "/account/practice/people/{person_id}/profile",
        portal::delegate_save,
    )
    .get("/directory", directory::search)
    .get("/directory/{person_id}", directory::profile)
    .get("/account/payment-method", payments::payment_method)
    .post("/account/payment-method/add", payments::add_payment_method)
    .post(
        "/account/payment-method/{id}/remove",
        payments::remove_payment_method,
    )
    .get("/account/renew", join::renew_form)
    .post("/account/renew", join::renew)
    .post("/account/invoices/{id}/pay", join::pay_invoice)
    .get("/account/invoices", billing::my_invoices)
    .get("/account/invoices/{id}/pdf", billing::my_invoice_pdf)
    .get(
        "/account/payments/{id}/receipt.pdf",
        billing::my_receipt_pdf,
    )
    .get("/account/education", education::learner_list)
    .get("/account/education/transcript", education::transcript)
    .get(
        "/account/education/transcript.pdf",
        education::transcript_download,
    )
    .get(
        "/account/education/claims/{id}/certificate.pdf",
        education::certificate,
    )
    .get("/account/education/{id}", education::learner_show)
    .post("/account/education/{id}/evaluation", education::evaluate)
    .post("/account/education/{id}/claims", education::claim)
    .get("/account/practice", practices::portal)
    .post("/account/practice/colleagues", practices::portal_add)
    .post(
        "/account/practice/colleagues/{membership}/remove",
        practices::portal_remove,
    )
    // Staff.
    .get("/staff", staff::dashboard)
    .get("/staff/levels", members::levels)
    .post("/staff/levels", members::create_level)
    .get("/staff/levels/{id}", level_rules::edit_form)
    .post("/staff/levels/{id}", level_rules::save)
    .get("/staff/practices", practices::list)
    .get("/staff/practices/new", practices::new_form)
    .post("/staff/practices/new", practices::create)
    .get("/staff/practices/{id}", practices::show)
    .post("/staff/practices/{id}", practices::save)
    .post("/staff/practices/{id}/renew", practices::renew)
    .post("/staff/practices/{id}/colleagues", practices::add_colleague)
    .post(
        "/staff/practices/{id}/colleagues/{membership}/remove",
        practices::remove_colleague,
    )
    .post(
        "/staff/practices/{id}/people/{person}/manager",
        practices::set_manager,
    )
    .get("/staff/members", members::members)
    .get("/staff/members/new", members::new_member_form)
    .post("/staff/members/new", members::add_member)
    .post("/staff/members/{id}/renew", members::renew)
    .get("/staff/people/{person_id}/profile", portal::staff_form)
    .post("/staff/people/{person_id}/profile", portal::staff_save)
    .get("/staff/directory", directory::defaults)
    .post("/staff/directory", directory::save_defaults)
    // Staff: a person's page, status changes, notes, merging duplicates, erasure.
    .get("/staff/people/{id}", staff_people::person)
    .post("/staff/people/{id}/notes", staff_people::add_note)
    .post("/staff/people/{id}/suspend", staff_people::suspend)
    .post("/staff/people/{id}/reinstate", staff_people::reinstate)
    .post("/staff/people/{id}/override", staff_people::set_override)
    .post(
        "/staff/people/{id}/override/clear",
        staff_people::clear_override,
    )
    .get("/staff/people/{id}/merge", staff_people::merge_form)
    .post("/staff/people/{id}/merge", staff_people::merge)
    .get("/staff/people/{id}/erase", staff_people::erase_form)
    .post("/staff/people/{id}/erase", staff_people::erase)
    .get("/staff/applications", applications::applications)
    .post("/staff/applications/{id}/approve", applications::approve)
    .post("/staff/applications/{id}/reject", applications::reject)
    .get("/staff/committees", committees::committees)
    .post("/staff/committees", committees::create_committee)
    .get("/staff/committees/{id}", committees::committee)
    .post("/staff/committees/{id}/members", committees::add_seat)
    .post(
        "/staff/committees/{id}/members/{seat}/end",
        committees::end_seat,
    )
    .get("/staff/members.csv", importexport::export_members)
    .get("/staff/custom-fields", custom_fields::list)
    .post("/staff/custom-fields", custom_fields::create)
    .get(
        "/staff/people/{person_id}/custom-fields",
        custom_fields::person_form,
    )
    .post(
        "/staff/people/{person_id}/custom-fields",
        staff_people::save_custom_fields,
    )
    .get("/staff/import", importexport::import_page)
    .post_upload(
        "/staff/import",
        importexport::upload,
        importexport::MAX_FILE,
    )
    .get("/staff/import/{blob_id}", importexport::check)
    .post("/staff/import/{blob_id}/apply", importexport::apply)
    .post("/staff/import/{blob_id}/discard", importexport::discard)
    .get("/staff/events", staff_events::list)
    .get("/staff/events/new", staff_events::new_form)
    .post("/staff/events/new", staff_events::create)
    .get("/staff/events/{id}", staff_events::edit_form)
    .post("/staff/events/{id}", staff_events::save)
    .post("/staff/events/{id}/publish", staff_events::publish)
    .post("/staff/events/{id}/unpublish", staff_events::unpublish)
    .post("/staff/events/{id}/sessions", staff_events::add_session)
    .get(
        "/staff/events/{id}/sessions/{session}",
        staff_events::session_form,
    )
    .post(
        "/staff/events/{id}/sessions/{session}",
        staff_events::save_session,
    )
    .post(
        "/staff/events/{id}/sessions/{session}/delete",
        staff_events::remove_session,
    )
    .post("/staff/events/{id}/types", staff_events::add_type)
    .get(
        "/staff/events/{id}/types/{type_id}",
        staff_events::type_form,
    )
    .post(
        "/staff/events/{id}/types/{type_id}",
        staff_events::save_type,
    )
    .post(
        "/staff/events/{id}/types/{type_id}/delete",
        staff_events::remove_type,
    )
    .post("/staff/events/{id}/questions", staff_events::add_question)
    .get("/staff/events/{id}/cancel", cancellations::event_form)
    .post("/staff/events/{id}/cancel", cancellations::event_cancel)
    .get("/staff/registrations/{id}", cancellations::staff_form)
    .post(
        "/staff/registrations/{id}/cancel",
        cancellations::staff_cancel,
    )
    .post("/staff/registrations/{id}/move", cancellations::staff_move)
    .get(
        "/staff/events/{id}/registrations",
        registrations::staff_list,
    )
    .post(
        "/staff/events/{id}/registrations",
        registrations::staff_register,
    )
    .get(
        "/staff/events/{id}/registrations/new",
        registrations::staff_new,
    )
    .get(
        "/staff/events/{id}/registrations.csv",
        registrations::staff_csv,
    )
    .post(
        "/staff/events/{id}/questions/{question}/delete",
        staff_events::remove_question,
    )
    // An event's faculty: invitations, the agreement, review of disclosures, materials.
    .get("/staff/events/{id}/faculty", speakers::list)
    .post("/staff/events/{id}/faculty", speakers::invite)
    .post(
        "/staff/events/{id}/faculty/agreement",
        speakers::save_agreement,
    )
    .get("/staff/events/{id}/faculty/{faculty_id}", speakers::member)
    .post(
        "/staff/events/{id}/faculty/{faculty_id}",
        speakers::save_assignment,
    )
    .post(
        "/staff/events/{id}/faculty/{faculty_id}/resend",
        speakers::resend,
    )
    .post(
        "/staff/events/{id}/faculty/{faculty_id}/review",
        speakers::review,
    )
    .get(
        "/staff/events/{id}/faculty/{faculty_id}/remove",
        speakers::confirm_remove,
    )
    .post(
        "/staff/events/{id}/faculty/{faculty_id}/remove",
        speakers::remove,
    )
    .get(
        "/staff/events/{id}/faculty/{faculty_id}/{material}",
        speakers::download,
    )
    .post("/staff/events/{id}/activity", education::for_event)
    .get("/staff/events/{id}/attendance", education::attendance)
    .post("/staff/events/{id}/attendance", education::mark)
    .get("/staff/education", education::staff_list)
    .post("/staff/education", education::create)
    .get("/staff/education/{id}", education::show)
    .post("/staff/education/{id}", education::save)
    .post("/staff/education/{id}/credits", education::set_credit)
    .post(
        "/staff/education/{id}/credits/{credit}/delete",
        education::remove_credit,
    )
    .post("/staff/education/{id}/questions", education::add_question)
    .post(
        "/staff/education/{id}/questions/{question}/delete",
        education::remove_question,
    )
    .get("/staff/education/{id}/results", education::results)
    .get("/staff/education/{id}/export/{file}", education::export)
    // At the door, attendance reports and the event's report.
    .get("/checkin/{token}", checkin::pass)
    .get("/staff/events/{id}/checkin", checkin::page)
    .post(
        "/staff/events/{id}/checkin/{registration}",
        checkin::check_in,
    )
    .post(
        "/staff/events/{id}/checkin/{registration}/guests/{guest}",
        checkin::check_in_guest,
    )
    .post(
        "/staff/events/{id}/checkin/{registration}/undo",
        checkin::undo,
    )
    .get(
        "/staff/events/{id}/attendance/import",
        attendance_import::upload_form,
    )
    .post_upload(
        "/staff/events/{id}/attendance/import",
        attendance_import::upload,
        attendance_import::MAX_FILE,
    )
    .get(
        "/staff/events/{id}/attendance/import/{blob}",
        attendance_import::preview,
    )
    .post(
        "/staff/events/{id}/attendance/import/{blob}",
        attendance_import::confirm,
    )
    .get("/staff/events/{id}/report", event_report::report)
    .get("/staff/events/{id}/report.csv", event_report::report_csv)
    .get("/staff/pages", staff::pages)
    .get("/staff/pages/new", staff::new_page_form)
    .post("/staff/pages/new", staff::create_page)
    .get("/staff/pages/{id}", staff::edit_page_form)
    .post("/staff/pages/{id}", staff::save_page)
    .post("/staff/pages/{id}/delete", staff::delete_page)
    .post("/staff/preview", staff::preview)
    .get("/staff/redirects", staff::redirects)
    .post("/staff/redirects", staff::add_redirect)
    .post("/staff/redirects/{id}/delete", staff::delete_redirect)
    .get("/staff/team", staff::team)
    .post("/staff/team/invite", staff::invite)
    .post("/staff/team/owner-mfa", staff::owner_mfa_rule)
    .get("/staff/jobs", staff::failed_jobs)
    .post("/staff/jobs/{id}/retry", staff::retry_job)
    .get("/staff/audit", staff::audit)
    .get("/staff/settings/payments", payments::settings_form)
    .post("/staff/settings/payments", payments::save_settings)
    .get("/staff/payments/webhooks", payments::webhook_log)
    // Processors' webhooks: signed, no session, no CSRF; the society from the Host header.
    .post("/webhooks/stripe", payments::stripe_webhook)
    // Billing.
    .get("/staff/billing", billing::index)
    .get("/staff/billing/invoices.csv", billing::invoices_csv)
    .get("/staff/billing/payments.csv", billing::payments_csv)
    .get("/staff/billing/accounts", billing::accounts)
    .post("/staff/billing/accounts", billing::create_account)
    .get("/staff/invoices/new", billing::new_invoice_form)
    .post("/staff/invoices/new", billing::create_invoice)
    .get("/staff/invoices/{id}", billing::invoice)
    .post("/staff/invoices/{id}/payments", billing::record_payment)
    .post(
        "/staff/invoices/{id}/credit-memos",
        billing::issue_credit_memo,
    )
    .post("/staff/invoices/{id}/refunds", billing::refund)
    .post("/staff/invoices/{id}/void", billing::void)
    .get("/staff/invoices/{id}/pdf", billing::invoice_pdf)
    .get("/staff/payments/{id}/receipt.pdf", billing::receipt_pdf)
    // Operator.
    .get("/operator", operator::societies)
    .post("/operator/societies", operator::create_society)
}

/// The recorded routes, for the isolation test.
pub fn route_table() -> Vec<RouteInfo> {
    table().recorded
}

/// The routes with the body limit each declared (the fallback gets the configured one).
pub(crate) fn build(state: AppState) -> Router {
    let table = table();
    let limits = Arc::new(BodyLimits {
        default: state.config.max_body_bytes,
        uploads: table.uploads.into_iter().collect(),
    });
    table
        .router
        .fallback(site::fallback)
        .layer(axum::middleware::from_fn_with_state(
            limits,
            body_limit::limit,
        ))
        .with_state(state)
}
