//! Committees and groups: who sits on them, in what role, and when. Pure rules; storage is in
//! `chapterhouse-store::committees`, use-cases in `chapterhouse-app::committees`.

use jiff::civil::Date;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum CommitteeKind {
    /// A standing or ad-hoc committee (Membership, Advocacy, Program…).
    Committee,
    /// Any other grouping staff track (a tumor-board series' faculty, a regional group…).
    Group,
}

impl CommitteeKind {
    pub fn as_str(self) -> &'static str {
        match self {
            CommitteeKind::Committee => "committee",
            CommitteeKind::Group => "group",
        }
    }

    pub fn parse(text: &str) -> Option<CommitteeKind> {
        match text.trim() {
            "committee" => Some(CommitteeKind::Committee),
            "group" => Some(CommitteeKind::Group),
            _ => None,
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            CommitteeKind::Committee => "Committee",
            CommitteeKind::Group => "Group",
        }
    }
}

/// Roles offered in the form; staff may type another.
pub const SUGGESTED_ROLES: &[&str] = &[
    "member",
    "chair",
    "vice chair",
    "secretary",
    "treasurer",
    "staff liaison",
];

pub const MAX_ROLE_CHARS: usize = 60;

/// A role as stored: trimmed, lowercased, "member" when left empty.
pub fn normalise_role(text: &str) -> Result<String, &'static str> {
    let role = text.split_whitespace().collect::<Vec<_>>().join(" ");
    if role.chars().count() > MAX_ROLE_CHARS {
        return Err("Keep the role under 60 characters, like \"chair\" or \"member\".");
    }
    if role.is_empty() {
        Ok("member".into())
    } else {
        Ok(role.to_lowercase())
    }
}

/// Lists show the chair first, then other officers, then members.
pub fn role_rank(role: &str) -> u8 {
    match role {
        "chair" | "co-chair" => 0,
        "vice chair" | "vice-chair" => 1,
        "member" => 3,
        _ => 2,
    }
}

/// Whether a seat with these dates is held on `today` (no start: since always; no end: open).
pub fn is_current(start: Option<Date>, end: Option<Date>, today: Date) -> bool {
    start.is_none_or(|s| s <= today) && end.is_none_or(|e| today <= e)
}

/// The end date must not come before the start.
pub fn dates_problem(start: Option<Date>, end: Option<Date>) -> Option<&'static str> {
    match (start, end) {
        (Some(s), Some(e)) if e < s => Some("The end date is before the start date."),
        _ => None,
    }
}

/// Parse an optional ISO date typed into a form: empty is None, anything else must be a date.
pub fn parse_optional_date(text: &str) -> Result<Option<Date>, &'static str> {
    let text = text.trim();
    if text.is_empty() {
        return Ok(None);
    }
    text.parse::<Date>()
        .map(Some)
        .map_err(|_| "Enter the date as YYYY-MM-DD, like 2026-07-01.")
}

#[cfg(test)]
mod tests {
    use super::*;
    use jiff::civil::date;

    #[test]
    fn roles_are_tidied_and_ranked() {
        assert_eq!(normalise_role("  Vice   Chair ").unwrap(), "vice chair");
        assert_eq!(normalise_role("").unwrap(), "member");
        assert!(normalise_role(&"x".repeat(61)).is_err());
        let mut roles = vec!["member", "secretary", "chair", "vice chair"];
        roles.sort_by_key(|r| role_rank(r));
        assert_eq!(roles, vec!["chair", "vice chair", "secretary", "member"]);
    }

    #[test]
    fn current_seats_include_their_first_and_last_day() {
        let today = date(2026, 6, 30);
        assert!(is_current(None, None, today));
        assert!(is_current(Some(today), Some(today), today));
        assert!(!is_current(Some(date(2026, 7, 1)), None, today), "not yet");
        assert!(!is_current(None, Some(date(2026, 6, 29)), today), "ended");
        assert_eq!(
            dates_problem(Some(date(2026, 7, 1)), Some(date(2026, 6, 30))),
            Some("The end date is before the start date.")
        );
        assert_eq!(dates_problem(Some(today), Some(today)), None);
    }

    #[test]
    fn form_dates_and_kinds_parse() {
        assert_eq!(parse_optional_date(" "), Ok(None));
        assert_eq!(
            parse_optional_date("2026-07-01"),
            Ok(Some(date(2026, 7, 1)))
        );
        assert!(parse_optional_date("07/01/2026").is_err());
        assert!(parse_optional_date("2026-02-30").is_err());
        assert_eq!(CommitteeKind::parse("group"), Some(CommitteeKind::Group));
        assert_eq!(CommitteeKind::parse("club"), None);
    }
}
