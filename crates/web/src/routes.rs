//! Every route is registered here, through [`Routes`], which records each method and path. The
//! isolation test walks the recorded list and fails on any route it has no fixture for, so a new
//! route cannot skip the cross-society checks.

use axum::Router;
use axum::handler::Handler;
use axum::routing::{get, post};

use crate::{
    AppState, account, assets, auth, level_rules, members, operator, ops, practices, site, staff,
};

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct RouteInfo {
    pub method: &'static str,
    pub path: &'static str,
}

struct Routes {
    router: Router<AppState>,
    recorded: Vec<RouteInfo>,
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
    // Operator.
    .get("/operator", operator::societies)
    .post("/operator/societies", operator::create_society)
}

/// The recorded routes, for the isolation test.
pub fn route_table() -> Vec<RouteInfo> {
    table().recorded
}

pub(crate) fn build(state: AppState) -> Router {
    table().router.fallback(site::fallback).with_state(state)
}
