//! Small forms several handlers share. Every field defaults to empty, so a missing field is a
//! validation message rather than a 400.

use serde::Deserialize;

use crate::error::WebError;

/// An id from a path segment: one that does not parse is a 404, like one that is not found.
pub fn parse_id<T: std::str::FromStr>(raw: &str) -> Result<T, WebError> {
    raw.trim().parse().map_err(|_| WebError::NotFound)
}

/// A form whose only field is its CSRF token (sign-out, confirmations, retries).
#[derive(Deserialize)]
pub struct CsrfOnly {
    #[serde(default)]
    pub csrf: String,
}

/// The CSRF token of a form read as `(name, value)` pairs (forms whose names repeat or are made
/// at run time); empty when there is none, which the check refuses.
pub fn csrf_of(pairs: &[(String, String)]) -> &str {
    pairs
        .iter()
        .find(|(k, _)| k == "csrf")
        .map(|(_, v)| v.as_str())
        .unwrap_or("")
}

#[derive(Deserialize)]
pub struct EmailForm {
    #[serde(default)]
    pub csrf: String,
    #[serde(default)]
    pub email: String,
}

#[derive(Deserialize)]
pub struct NewPasswordForm {
    #[serde(default)]
    pub csrf: String,
    #[serde(default)]
    pub new_password: String,
    #[serde(default)]
    pub confirm_password: String,
}

/// `?next=/path` on pages that send the person on afterwards.
#[derive(Deserialize, Default)]
pub struct NextQuery {
    #[serde(default)]
    pub next: String,
}
