//! Small text rules shared by forms and stores.

/// Emails are stored lowercased and trimmed, so lookups need no case-insensitive collation.
pub fn normalize_email(email: &str) -> String {
    email.trim().to_lowercase()
}

/// A plausible email address: one `@`, something on each side, a dot in the domain, no spaces.
pub fn looks_like_email(email: &str) -> bool {
    let email = email.trim();
    let Some((local, domain)) = email.split_once('@') else {
        return false;
    };
    !local.is_empty()
        && domain.contains('.')
        && !domain.starts_with('.')
        && !domain.ends_with('.')
        && !domain.contains('@')
        && email.len() <= 254
        && !email.chars().any(|c| c.is_whitespace() || c.is_control())
}

/// A host name as we store it: lowercase, no port, no trailing dot.
pub fn normalize_host(host: &str) -> String {
    let host = host.trim().to_lowercase();
    let without_port = match host.rsplit_once(':') {
        // An IPv6 literal keeps its colons; only strip a port after the closing bracket.
        Some((h, port)) if !h.ends_with(']') && h.contains(':') => {
            let _ = port;
            host.as_str()
        }
        Some((h, port)) if port.chars().all(|c| c.is_ascii_digit()) => h,
        _ => host.as_str(),
    };
    without_port.trim_end_matches('.').to_string()
}

/// Whether a host name is well formed (letters, digits, hyphens, dots; 1–253 characters).
pub fn is_valid_host(host: &str) -> bool {
    !host.is_empty()
        && host.len() <= 253
        && host.split('.').all(|label| {
            !label.is_empty()
                && label.len() <= 63
                && !label.starts_with('-')
                && !label.ends_with('-')
                && label.chars().all(|c| c.is_ascii_alphanumeric() || c == '-')
        })
}

/// A URL slug: lowercase letters, digits and single hyphens.
pub fn is_valid_slug(slug: &str) -> bool {
    !slug.is_empty()
        && slug.len() <= 80
        && !slug.starts_with('-')
        && !slug.ends_with('-')
        && !slug.contains("--")
        && slug
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-')
}

/// Turn a title into a slug: "About Us & History" → "about-us-history".
pub fn slugify(title: &str) -> String {
    let mut slug = String::new();
    for c in title.trim().chars() {
        if c.is_ascii_alphanumeric() {
            slug.push(c.to_ascii_lowercase());
        } else if !slug.ends_with('-') && !slug.is_empty() {
            slug.push('-');
        }
    }
    truncate_chars(slug.trim_end_matches('-'), 80)
        .trim_end_matches('-')
        .to_string()
}

/// At most `max` characters, never splitting a character.
pub fn truncate_chars(s: &str, max: usize) -> String {
    match s.char_indices().nth(max) {
        Some((idx, _)) => s[..idx].to_string(),
        None => s.to_string(),
    }
}

/// An old URL path as staff enter it for a redirect: must start with '/', no scheme or host,
/// trailing slash removed (except the root) so "/about-us/" and "/about-us" are one rule.
pub fn normalize_path(path: &str) -> Option<String> {
    let path = path.trim();
    if !path.starts_with('/') || path.starts_with("//") || path.contains(char::is_whitespace) {
        return None;
    }
    let trimmed = if path.len() > 1 {
        path.trim_end_matches('/')
    } else {
        path
    };
    Some(if trimmed.is_empty() {
        "/".into()
    } else {
        trimmed.to_string()
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn emails() {
        assert_eq!(
            normalize_email("  Jane.Doe@Example.ORG "),
            "jane.doe@example.org"
        );
        assert!(looks_like_email("a@b.co"));
        assert!(!looks_like_email("a@b"));
        assert!(!looks_like_email("a b@c.org"));
        assert!(!looks_like_email("@c.org"));
    }

    #[test]
    fn hosts() {
        assert_eq!(normalize_host("GSCO.localhost:8080"), "gsco.localhost");
        assert_eq!(normalize_host("example.org."), "example.org");
        assert!(is_valid_host("www.society.example"));
        assert!(!is_valid_host("bad_host.example"));
        assert!(!is_valid_host("-x.example"));
    }

    #[test]
    fn slugs_and_paths() {
        assert_eq!(slugify("About Us & History"), "about-us-history");
        assert!(is_valid_slug("about-us"));
        assert!(!is_valid_slug("About"));
        assert_eq!(normalize_path("/about-us/").as_deref(), Some("/about-us"));
        assert_eq!(normalize_path("/").as_deref(), Some("/"));
        assert_eq!(normalize_path("//evil.example"), None);
        assert_eq!(normalize_path("http://x"), None);
        assert_eq!(truncate_chars("héllo", 2), "hé");
    }
}
