//! One error type for handlers. Users see what went wrong in plain words; internals go to the
//! log with the request's id, never to the page.

use askama::Template;
use axum::http::StatusCode;
use axum::response::{Html, IntoResponse, Redirect, Response};
use chapterhouse_app::AppError;
use chapterhouse_store::StoreError;

#[derive(Debug)]
pub enum WebError {
    NotFound,
    Forbidden,
    /// The form's CSRF token was missing, expired or from elsewhere.
    Csrf,
    UnknownHost,
    /// Sign in first, then come back to this path.
    SignIn(String),
    Redirect(String),
    BadRequest(String),
    /// An upload over its route's limit whose size is not known (the 413 page).
    TooLarge {
        max_file: usize,
    },
    RateLimited,
    Internal(anyhow::Error),
}

#[derive(Template)]
#[template(path = "bare_error.html")]
struct ErrorPage<'a> {
    heading: &'a str,
    message: &'a str,
    reference: String,
    show_home: bool,
}

pub fn error_page(
    status: StatusCode,
    heading: &str,
    message: &str,
    reference: String,
    show_home: bool,
) -> Response {
    let html = ErrorPage {
        heading,
        message,
        reference,
        show_home,
    }
    .render()
    .unwrap_or_else(|_| format!("<h1>{status}</h1>"));
    (status, Html(html)).into_response()
}

impl IntoResponse for WebError {
    fn into_response(self) -> Response {
        match self {
            WebError::NotFound => error_page(
                StatusCode::NOT_FOUND,
                "Page not found",
                "We couldn't find that page. It may have moved; try the menu or the home page.",
                String::new(),
                true,
            ),
            WebError::Forbidden => error_page(
                StatusCode::FORBIDDEN,
                "Not allowed",
                "Your account doesn't have access to this page. If you think it should, ask your society's office.",
                String::new(),
                true,
            ),
            WebError::Csrf => error_page(
                StatusCode::FORBIDDEN,
                "Please try again",
                "This form had been open too long or came from another site, so we didn't act on it. Go back, reload the page and submit it again.",
                String::new(),
                true,
            ),
            WebError::UnknownHost => error_page(
                StatusCode::NOT_FOUND,
                "No site here",
                "No society's website is served at this address. Check the address you typed.",
                String::new(),
                false,
            ),
            WebError::SignIn(next) => {
                let encoded: String = form_urlencoded::byte_serialize(next.as_bytes()).collect();
                Redirect::to(&format!("/sign-in?next={encoded}")).into_response()
            }
            WebError::Redirect(to) => Redirect::to(&to).into_response(),
            WebError::BadRequest(message) => error_page(
                StatusCode::BAD_REQUEST,
                "Something is wrong with that request",
                &message,
                String::new(),
                true,
            ),
            WebError::TooLarge { max_file } => {
                crate::body_limit::too_large(None, max_file, Some(max_file))
            }
            WebError::RateLimited => error_page(
                StatusCode::TOO_MANY_REQUESTS,
                "Too many attempts",
                "There have been too many attempts in a short time. Wait 15 minutes and try again, or use an emailed sign-in link.",
                String::new(),
                true,
            ),
            WebError::Internal(error) => {
                let reference = uuid::Uuid::now_v7().simple().to_string();
                tracing::error!(%reference, error = ?error, "internal error");
                error_page(
                    StatusCode::INTERNAL_SERVER_ERROR,
                    "Sorry, something went wrong",
                    "We couldn't finish that because of a problem on our side. Nothing you submitted was half-saved; please try again in a moment.",
                    reference,
                    true,
                )
            }
        }
    }
}

impl From<AppError> for WebError {
    fn from(error: AppError) -> Self {
        match error {
            AppError::NotFound => WebError::NotFound,
            AppError::Forbidden => WebError::Forbidden,
            AppError::RateLimited => WebError::RateLimited,
            AppError::Stale => WebError::BadRequest(
                "Someone else changed this meanwhile. Reload the page and try again.".into(),
            ),
            AppError::Invalid(errors) => WebError::BadRequest(
                errors
                    .0
                    .into_iter()
                    .map(|(_, m)| m)
                    .collect::<Vec<_>>()
                    .join(" "),
            ),
            AppError::Internal(e) => WebError::Internal(e),
        }
    }
}

impl From<StoreError> for WebError {
    fn from(error: StoreError) -> Self {
        WebError::from(AppError::from(error))
    }
}

impl From<askama::Error> for WebError {
    fn from(error: askama::Error) -> Self {
        WebError::Internal(error.into())
    }
}

pub type WebResult<T = Response> = Result<T, WebError>;
