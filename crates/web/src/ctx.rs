//! Per-request context: which society (from the Host header), who is signed in (from the session
//! cookie), and the CSRF token for forms. `Ctx` is the only way handlers reach a scoped store.

use std::collections::HashMap;
use std::sync::RwLock;
use std::time::{Duration, Instant};

use axum::extract::FromRequestParts;
use axum::http::request::Parts;
use axum::http::{HeaderMap, Uri, header};
use axum::response::{IntoResponse, Redirect, Response};
use chapterhouse_app::accounts::{self, CurrentUser};
use chapterhouse_app::{Actor, App};
use chapterhouse_core::text::normalize_host;
use chapterhouse_core::{Role, Timestamp};
use chapterhouse_store::{HostMatch, MenuItem, Scoped, Society};

use crate::AppState;
use crate::error::WebError;

pub const SESSION_COOKIE: &str = "ch_session";
const HOST_TTL: Duration = Duration::from_secs(10);
const CSRF_HOURS: i64 = 8;

/// A short-lived cache of host → society, so a page view costs no society lookup. Entries live
/// ten seconds: a host change reaches every node within that.
#[derive(Default)]
pub struct HostCache {
    entries: RwLock<HashMap<String, (Instant, Option<HostMatch>)>>,
    single: RwLock<Option<(Instant, Option<Society>)>>,
}

impl HostCache {
    async fn lookup(&self, app: &App, host: &str) -> Result<Option<HostMatch>, WebError> {
        if let Some((at, found)) = self.entries.read().ok().and_then(|m| m.get(host).cloned())
            && at.elapsed() < HOST_TTL
        {
            return Ok(found);
        }
        let found = app.store.society_by_host(host).await?;
        if let Ok(mut map) = self.entries.write() {
            if map.len() > 10_000 {
                map.clear();
            }
            map.insert(host.to_string(), (Instant::now(), found.clone()));
        }
        Ok(found)
    }

    /// The one society of a one-society deployment (served on any host), else None.
    async fn only_society(&self, app: &App) -> Result<Option<Society>, WebError> {
        if let Some((at, found)) = self.single.read().ok().and_then(|s| s.clone())
            && at.elapsed() < HOST_TTL
        {
            return Ok(found);
        }
        let societies = app.store.societies().await?;
        let found = if societies.len() == 1 {
            societies.into_iter().next()
        } else {
            None
        };
        if let Ok(mut single) = self.single.write() {
            *single = Some((Instant::now(), found.clone()));
        }
        Ok(found)
    }

    /// Forget everything (after an operator changes societies or hosts).
    pub fn clear(&self) {
        if let Ok(mut map) = self.entries.write() {
            map.clear();
        }
        if let Ok(mut single) = self.single.write() {
            *single = None;
        }
    }
}

fn request_host(parts: &Parts) -> String {
    let raw = parts
        .headers
        .get(header::HOST)
        .and_then(|v| v.to_str().ok())
        .or_else(|| parts.uri.host())
        .unwrap_or("");
    normalize_host(raw)
}

pub fn cookie(headers: &HeaderMap, name: &str) -> Option<String> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|pair| pair.trim().split_once('='))
        .find(|(k, _)| *k == name)
        .map(|(_, v)| v.to_string())
}

/// The client's address: the socket's peer, or, behind a trusted proxy, the last address the
/// proxy appended to `X-Forwarded-For` (rate limits are per client, not per proxy).
fn client_ip(parts: &Parts, trust_forwarded_for: bool) -> String {
    if trust_forwarded_for
        && let Some(forwarded) = parts
            .headers
            .get("x-forwarded-for")
            .and_then(|v| v.to_str().ok())
        && let Some(last) = forwarded
            .rsplit(',')
            .next()
            .map(str::trim)
            .filter(|ip| ip.parse::<std::net::IpAddr>().is_ok())
    {
        return last.to_string();
    }
    parts
        .extensions
        .get::<axum::extract::ConnectInfo<std::net::SocketAddr>>()
        .map(|c| c.0.ip().to_string())
        .unwrap_or_default()
}

/// The society a request is for. Alias hosts redirect to the primary host; unknown hosts get a
/// 404 page unless the deployment has exactly one society.
pub struct Tenant {
    pub society: Society,
}

async fn resolve_tenant(parts: &Parts, state: &AppState) -> Result<Tenant, Response> {
    let host = request_host(parts);
    match state
        .hosts
        .lookup(&state.app, &host)
        .await
        .map_err(IntoResponse::into_response)?
    {
        Some(HostMatch {
            society,
            is_primary: true,
        }) => Ok(Tenant { society }),
        Some(HostMatch {
            society,
            is_primary: false,
        }) => {
            let path = parts
                .uri
                .path_and_query()
                .map(|p| p.as_str())
                .unwrap_or("/");
            let target = format!("{}{}", state.app.links.base_url(&society), path);
            Err(Redirect::permanent(&target).into_response())
        }
        None => match state
            .hosts
            .only_society(&state.app)
            .await
            .map_err(IntoResponse::into_response)?
        {
            Some(society) => Ok(Tenant { society }),
            None => Err(WebError::UnknownHost.into_response()),
        },
    }
}

impl FromRequestParts<AppState> for Tenant {
    type Rejection = Response;
    async fn from_request_parts(
        parts: &mut Parts,
        state: &AppState,
    ) -> Result<Self, Self::Rejection> {
        resolve_tenant(parts, state).await
    }
}

/// Everything a page handler needs: the society's scoped store, the signed-in user (if any, with
/// MFA done), the client, and what the page chrome shows.
pub struct Ctx {
    pub app: App,
    pub state: AppState,
    pub scoped: Scoped,
    pub user: Option<CurrentUser>,
    /// A session that still owes its MFA code (only the MFA page and sign-out accept it).
    pub pending_mfa: Option<CurrentUser>,
    pub actor: Actor,
    pub uri: Uri,
    pub origin: Option<String>,
    pub host: String,
}

impl FromRequestParts<AppState> for Ctx {
    type Rejection = Response;
    async fn from_request_parts(
        parts: &mut Parts,
        state: &AppState,
    ) -> Result<Self, Self::Rejection> {
        let tenant = resolve_tenant(parts, state).await?;
        let scoped = state.app.scoped(&tenant.society);
        let mut user = None;
        let mut pending_mfa = None;
        if let Some(token) = cookie(&parts.headers, SESSION_COOKIE) {
            match accounts::current_user(&state.app, &scoped, &token).await {
                Ok(Some(found)) if found.session.mfa_pending => pending_mfa = Some(found),
                Ok(Some(found)) => user = Some(found),
                Ok(None) => {}
                Err(e) => return Err(WebError::from(e).into_response()),
            }
        }
        let actor = Actor {
            account: user.as_ref().map(|u| u.id()),
            ip: client_ip(parts, state.config.trust_forwarded_for),
        };
        Ok(Ctx {
            app: state.app.clone(),
            state: state.clone(),
            scoped,
            user,
            pending_mfa,
            actor,
            uri: parts.uri.clone(),
            origin: parts
                .headers
                .get(header::ORIGIN)
                .and_then(|v| v.to_str().ok())
                .map(str::to_string),
            host: request_host(parts),
        })
    }
}

/// What the layout shows around every page.
pub struct Chrome {
    pub society: Society,
    pub menu: Vec<MenuItem>,
    pub user: Option<UserBrief>,
    pub csrf: String,
    pub notice: Option<String>,
    pub path: String,
    /// The public Join page offers at least one level: link to it.
    pub offers_join: bool,
    /// A published event is coming up: the main menu links to the events page.
    pub has_events: bool,
}

pub struct UserBrief {
    pub name: String,
    pub is_staff: bool,
    pub is_operator: bool,
}

impl Chrome {
    pub fn is_current(&self, slug: &str) -> bool {
        if slug == "home" {
            self.path == "/"
        } else {
            self.path.trim_start_matches('/') == slug
        }
    }
}

impl Ctx {
    pub fn now(&self) -> Timestamp {
        self.app.now()
    }

    pub fn society(&self) -> &Society {
        self.scoped.society()
    }

    fn csrf_binding(&self) -> String {
        self.user
            .as_ref()
            .or(self.pending_mfa.as_ref())
            .map(|u| u.session.id_hash.clone())
            .unwrap_or_else(|| "anonymous".into())
    }

    pub fn csrf_token(&self) -> String {
        let society = self.society().id.to_string();
        self.app.signer.sign(
            "csrf",
            &[&society, &self.csrf_binding()],
            self.now().plus_seconds(CSRF_HOURS * 3600),
        )
    }

    /// Refuse a form that did not come from our own page: the signed token must match this
    /// society and session, and a browser-sent Origin must be this host.
    pub fn check_csrf(&self, token: &str) -> Result<(), WebError> {
        if let Some(origin) = &self.origin {
            let origin_host = origin
                .split("://")
                .nth(1)
                .map(normalize_host)
                .unwrap_or_default();
            if origin_host != self.host {
                return Err(WebError::Csrf);
            }
        }
        let society = self.society().id.to_string();
        self.app
            .signer
            .verify("csrf", &[&society, &self.csrf_binding()], token, self.now())
            .map_err(|_| WebError::Csrf)
    }

    pub async fn chrome(&self, notice: Option<String>) -> Result<Chrome, WebError> {
        Ok(Chrome {
            society: self.society().clone(),
            menu: self.scoped.menu().await?,
            user: self.user.as_ref().map(|u| UserBrief {
                name: u.account.display_name.clone(),
                is_staff: u.role().satisfies(Role::Staff),
                is_operator: u.account.is_operator,
            }),
            csrf: self.csrf_token(),
            notice,
            path: self.uri.path().to_string(),
            offers_join: self.scoped.offers_join().await?,
            has_events: self.scoped.has_upcoming_events(self.now()).await?,
        })
    }

    /// Mark a page any anonymous visitor may be given as cacheable (`cache::Cacheable`): only
    /// for a visitor without a session on the society's primary host (a one-society deployment
    /// answers any host, but only the primary host's pages are kept). The handler calls it only
    /// for something that exists and anyone may see, never for a 404.
    pub fn cacheable_for_anonymous(&self, mut response: Response) -> Response {
        if self.user.is_none()
            && self.pending_mfa.is_none()
            && self.host == self.society().primary_host
        {
            response.extensions_mut().insert(crate::cache::Cacheable);
        }
        response
    }

    /// The signed-in user, or a redirect to sign in that comes back here.
    pub fn require_user(&self) -> Result<&CurrentUser, WebError> {
        self.user
            .as_ref()
            .ok_or_else(|| WebError::SignIn(self.uri.path().to_string()))
    }

    /// A user holding at least `role`; owners who must use MFA are sent to set it up first.
    pub fn require_role(&self, role: Role) -> Result<&CurrentUser, WebError> {
        let user = self.require_user()?;
        if !user.role().satisfies(role) {
            return Err(WebError::Forbidden);
        }
        if accounts::must_set_up_mfa(&self.scoped, user) {
            return Err(WebError::Redirect("/account/mfa".into()));
        }
        Ok(user)
    }

    pub fn require_operator(&self) -> Result<&CurrentUser, WebError> {
        let user = self.require_user()?;
        if !user.account.is_operator {
            return Err(WebError::Forbidden);
        }
        Ok(user)
    }

    pub fn session_cookie(&self, token: &str) -> String {
        let secure = if self.state.config.https {
            "; Secure"
        } else {
            ""
        };
        format!(
            "{SESSION_COOKIE}={token}; Path=/; HttpOnly; SameSite=Lax; Max-Age={}{secure}",
            accounts::SESSION_DAYS * 86_400
        )
    }

    pub fn clear_session_cookie(&self) -> String {
        let secure = if self.state.config.https {
            "; Secure"
        } else {
            ""
        };
        format!("{SESSION_COOKIE}=; Path=/; HttpOnly; SameSite=Lax; Max-Age=0{secure}")
    }
}

/// A local path to return to after sign-in: only paths on this site, never `//host`.
pub fn safe_next(next: &str) -> String {
    if next.starts_with('/')
        && !next.starts_with("//")
        && !next.contains('\\')
        && !next.contains(char::is_control)
    {
        next.to_string()
    } else {
        "/".to_string()
    }
}

/// `axum::Form`, but a malformed body gets our 400 page instead of a plain-text rejection.
pub struct Form<T>(pub T);

impl<T, S> axum::extract::FromRequest<S> for Form<T>
where
    T: serde::de::DeserializeOwned,
    S: Send + Sync,
{
    type Rejection = Response;
    async fn from_request(req: axum::extract::Request, state: &S) -> Result<Self, Self::Rejection> {
        match axum::Form::<T>::from_request(req, state).await {
            Ok(axum::Form(value)) => Ok(Form(value)),
            Err(rejection) => {
                let status = rejection.status();
                if status == axum::http::StatusCode::PAYLOAD_TOO_LARGE {
                    return Err(crate::error::error_page(
                        status,
                        "That was too large",
                        "What you sent is larger than this site accepts. Shorten it and try again.",
                        String::new(),
                        true,
                    ));
                }
                tracing::info!(%rejection, "malformed form");
                Err(WebError::BadRequest(
                    "The form could not be read. Reload the page and try again.".into(),
                )
                .into_response())
            }
        }
    }
}

/// The marker for a role an extractor demands.
pub trait RoleMarker {
    const ROLE: Role;
}

pub struct StaffRole;
pub struct AdminRole;

impl RoleMarker for StaffRole {
    const ROLE: Role = Role::Staff;
}

impl RoleMarker for AdminRole {
    const ROLE: Role = Role::Admin;
}

/// A request from a user holding at least `R::ROLE`: anonymous visitors are sent to sign in,
/// users without the role get 403, and owners who must use MFA are sent to set it up. A handler
/// that takes it cannot forget the check.
pub struct RequireRole<R> {
    pub ctx: Ctx,
    pub user: CurrentUser,
    _role: std::marker::PhantomData<R>,
}

pub type Staff = RequireRole<StaffRole>;
pub type Admin = RequireRole<AdminRole>;

impl<R: RoleMarker> FromRequestParts<AppState> for RequireRole<R> {
    type Rejection = Response;
    async fn from_request_parts(
        parts: &mut Parts,
        state: &AppState,
    ) -> Result<Self, Self::Rejection> {
        let ctx = <Ctx as FromRequestParts<AppState>>::from_request_parts(parts, state).await?;
        let user = ctx
            .require_role(R::ROLE)
            .map_err(IntoResponse::into_response)?
            .clone();
        Ok(RequireRole {
            ctx,
            user,
            _role: std::marker::PhantomData,
        })
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn next_paths_stay_on_site() {
        assert_eq!(super::safe_next("/staff/pages"), "/staff/pages");
        assert_eq!(super::safe_next("//evil.example/x"), "/");
        assert_eq!(super::safe_next("https://evil.example"), "/");
        assert_eq!(super::safe_next("/\\evil"), "/");
    }
}
