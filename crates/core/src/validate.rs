//! Form validation results: every problem names its field and says how to fix it, in plain words.

use serde::Serialize;

#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
pub struct FieldErrors(pub Vec<(String, String)>);

impl FieldErrors {
    pub fn new() -> Self {
        Self::default()
    }

    pub fn add(&mut self, field: &str, message: impl Into<String>) {
        self.0.push((field.to_string(), message.into()));
    }

    /// Add `message` for `field` when `bad` holds.
    pub fn check(&mut self, bad: bool, field: &str, message: &str) {
        if bad {
            self.add(field, message);
        }
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    pub fn get(&self, field: &str) -> Option<&str> {
        self.0
            .iter()
            .find(|(f, _)| f == field)
            .map(|(_, m)| m.as_str())
    }

    pub fn into_result(self) -> Result<(), FieldErrors> {
        if self.is_empty() { Ok(()) } else { Err(self) }
    }
}

impl std::fmt::Display for FieldErrors {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let parts: Vec<String> = self.0.iter().map(|(k, v)| format!("{k}: {v}")).collect();
        f.write_str(&parts.join("; "))
    }
}

impl std::error::Error for FieldErrors {}

/// Checks a new password: long enough to resist guessing, not absurdly long (argon2 cost).
pub fn password_problem(password: &str) -> Option<&'static str> {
    let chars = password.chars().count();
    if chars < 10 {
        Some("Use at least 10 characters.")
    } else if chars > 200 {
        Some("Use at most 200 characters.")
    } else {
        None
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn collects_named_errors() {
        let mut errors = FieldErrors::new();
        errors.check(true, "email", "Enter an email address.");
        errors.check(false, "name", "never");
        assert_eq!(errors.get("email"), Some("Enter an email address."));
        assert_eq!(errors.get("name"), None);
        assert!(errors.into_result().is_err());
        assert_eq!(
            password_problem("short"),
            Some("Use at least 10 characters.")
        );
        assert_eq!(password_problem("long enough pass"), None);
    }
}
