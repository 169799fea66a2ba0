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

/// A size in words: "5 MB", "6.2 MB", "512 KB" (binary units, one decimal below 10 MB, none
/// for whole numbers).
pub fn size_words(bytes: u64) -> String {
    const KB: u64 = 1024;
    const MB: u64 = 1024 * 1024;
    if bytes >= MB {
        let tenths = (bytes * 10).div_ceil(MB);
        if tenths.is_multiple_of(10) || tenths >= 100 {
            format!("{} MB", tenths.div_ceil(10))
        } else {
            format!("{}.{} MB", tenths / 10, tenths % 10)
        }
    } else {
        format!("{} KB", bytes.div_ceil(KB).max(1))
    }
}

/// The sentence for an upload over its route's limit: "The file is 6.2 MB; the limit is 5 MB."
pub fn file_too_large(size: u64, limit: u64) -> String {
    format!(
        "The file is {}; the limit is {}.",
        size_words(size),
        size_words(limit)
    )
}

#[cfg(test)]
mod tests {
    #[test]
    fn sizes_in_words_round_up_so_an_oversized_file_never_reads_as_the_limit() {
        use super::{file_too_large, size_words};
        const MB: u64 = 1024 * 1024;
        assert_eq!(size_words(5 * MB), "5 MB");
        assert_eq!(size_words(20 * MB), "20 MB");
        assert_eq!(size_words(512 * 1024), "512 KB");
        assert_eq!(size_words(1), "1 KB");
        assert_eq!(size_words(5 * MB + 1), "5.1 MB");
        assert_eq!(size_words(6 * MB + MB / 5), "6.2 MB");
        assert_eq!(size_words(12 * MB + 1), "13 MB");
        assert_eq!(
            file_too_large(6 * MB + MB / 5, 5 * MB),
            "The file is 6.2 MB; the limit is 5 MB."
        );
    }

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
