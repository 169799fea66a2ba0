//! A string that must never end up in logs or error messages.

use std::fmt;

use serde::{Deserialize, Serialize};

/// A secret value (password, private key) read from configuration.
///
/// `Debug` prints `Secret(***)` so that a configuration struct can be logged or shown in an error
/// without leaking credentials; there is deliberately no `Display`. Serde sees the plain string
/// (`#[serde(transparent)]`) so configuration files hold the value as written.
#[derive(Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(transparent)]
pub struct Secret(String);

impl Secret {
    /// Wraps a secret value.
    pub fn new(value: impl Into<String>) -> Self {
        Self(value.into())
    }

    /// The secret itself; call only where the value is handed to the code that needs it.
    pub fn expose(&self) -> &str {
        &self.0
    }

    /// Whether the secret is the empty string (e.g. an unset environment variable).
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Secret(***)")
    }
}

impl From<String> for Secret {
    fn from(value: String) -> Self {
        Self(value)
    }
}

impl From<&str> for Secret {
    fn from(value: &str) -> Self {
        Self(value.to_owned())
    }
}

#[cfg(test)]
mod tests {
    use super::Secret;

    #[test]
    fn debug_is_redacted() {
        let secret = Secret::new("hunter2");
        assert_eq!(format!("{secret:?}"), "Secret(***)");
        // Also when nested in other Debug output, e.g. a config struct or an Option.
        assert!(!format!("{:?}", Some(&secret)).contains("hunter2"));
        assert!(!format!("{:#?}", (1, secret.clone())).contains("hunter2"));
        assert_eq!(secret.expose(), "hunter2");
    }

    #[test]
    fn serde_is_transparent() {
        let secret: Secret = serde_json::from_str(r#""s3cret""#).expect("deserialize");
        assert_eq!(secret.expose(), "s3cret");
        assert_eq!(
            serde_json::to_string(&secret).expect("serialize"),
            r#""s3cret""#
        );
    }
}
