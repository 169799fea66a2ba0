//! Staff's own fields on people (licence number, ABIM id, home county…): the kinds a field can
//! be, the rules for its name and choices, and how a typed value is checked and stored. Values
//! are stored as text in one canonical form per kind, so a form, an import and an export all
//! agree on what "the same value" is.

use crate::import::parse_date;

/// What a custom field holds.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum FieldKind {
    Text,
    Number,
    /// Stored as ISO `YYYY-MM-DD`.
    Date,
    /// One of the field's choices, stored as the choice is written.
    Choice,
    /// Stored as `yes` or `no`.
    YesNo,
}

impl FieldKind {
    pub const ALL: [FieldKind; 5] = [
        FieldKind::Text,
        FieldKind::Number,
        FieldKind::Date,
        FieldKind::Choice,
        FieldKind::YesNo,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            FieldKind::Text => "text",
            FieldKind::Number => "number",
            FieldKind::Date => "date",
            FieldKind::Choice => "choice",
            FieldKind::YesNo => "yes_no",
        }
    }

    pub fn parse(text: &str) -> Option<FieldKind> {
        FieldKind::ALL.into_iter().find(|k| k.as_str() == text)
    }

    /// How staff see the kind.
    pub fn label(self) -> &'static str {
        match self {
            FieldKind::Text => "Text",
            FieldKind::Number => "Number",
            FieldKind::Date => "Date",
            FieldKind::Choice => "Choice from a list",
            FieldKind::YesNo => "Yes or no",
        }
    }
}

/// Longest name of a field, and longest text value.
pub const MAX_NAME_CHARS: usize = 80;
pub const MAX_VALUE_CHARS: usize = 1000;

/// What is wrong with a field's name, if anything. A name becomes a column header in exports
/// and is matched against import headers, so it must start with a letter or digit (a leading
/// `=`, `+`, `-` or `@` would be a formula in a spreadsheet).
pub fn name_problem(name: &str) -> Option<&'static str> {
    let name = name.trim();
    if name.is_empty() {
        Some("Give the field a name, like \"Licence number\".")
    } else if name.chars().count() > MAX_NAME_CHARS {
        Some("Keep the name under 80 characters.")
    } else if !name.chars().next().is_some_and(char::is_alphanumeric) {
        Some("Start the name with a letter or a digit.")
    } else if name.chars().any(char::is_control) {
        Some("Use a name on one line.")
    } else {
        None
    }
}

/// The choices of a choice field as staff type them: one per line, blank lines dropped,
/// repeats (ignoring case) dropped.
pub fn parse_choices(text: &str) -> Vec<String> {
    let mut choices: Vec<String> = Vec::new();
    for line in text.lines().map(str::trim).filter(|l| !l.is_empty()) {
        if !choices.iter().any(|c| c.eq_ignore_ascii_case(line)) {
            choices.push(line.to_string());
        }
    }
    choices
}

/// What is wrong with a choice field's list, if anything.
pub fn choices_problem(kind: FieldKind, choices: &[String]) -> Option<&'static str> {
    match kind {
        FieldKind::Choice if choices.len() < 2 => Some("List at least two choices, one per line."),
        FieldKind::Choice if choices.iter().any(|c| c.chars().count() > 200) => {
            Some("Keep each choice under 200 characters.")
        }
        _ => None,
    }
}

/// A value as a person typed it, checked for the field's kind and put in its stored form.
/// `Ok(None)` means empty (no value). The error says, in plain words, what to enter instead.
pub fn normalize_value(
    kind: FieldKind,
    choices: &[String],
    raw: &str,
) -> Result<Option<String>, String> {
    let text = raw.trim();
    if text.is_empty() {
        return Ok(None);
    }
    match kind {
        FieldKind::Text => {
            if text.chars().count() > MAX_VALUE_CHARS {
                Err("Keep it under 1,000 characters.".into())
            } else {
                Ok(Some(text.to_string()))
            }
        }
        FieldKind::Number => normalize_number(text)
            .map(Some)
            .ok_or_else(|| "Enter a number, like 12 or 3.5.".to_string()),
        FieldKind::Date => parse_date(text)
            .map(|d| Some(d.to_string()))
            .ok_or_else(|| "Enter a date like 2024-01-31, 01/31/2024 or 31 Jan 2024.".to_string()),
        FieldKind::Choice => choices
            .iter()
            .find(|c| c.trim().eq_ignore_ascii_case(text))
            .map(|c| Some(c.clone()))
            .ok_or_else(|| format!("Choose one of: {}.", choices.join(", "))),
        FieldKind::YesNo => match text.to_ascii_lowercase().as_str() {
            "yes" | "y" | "true" | "1" => Ok(Some("yes".into())),
            "no" | "n" | "false" | "0" => Ok(Some("no".into())),
            _ => Err("Answer yes or no.".into()),
        },
    }
}

/// A decimal number: optional minus sign, digits with optional thousands commas, optional
/// fraction. Stored without the commas ("1,250.5" → "1250.5").
fn normalize_number(text: &str) -> Option<String> {
    let (sign, digits) = match text.strip_prefix('-') {
        Some(rest) => ("-", rest),
        None => ("", text.strip_prefix('+').unwrap_or(text)),
    };
    let (whole, fraction) = match digits.split_once('.') {
        Some((w, f)) => (w, Some(f)),
        None => (digits, None),
    };
    let whole_ok = if whole.contains(',') {
        let groups: Vec<&str> = whole.split(',').collect();
        (1..=3).contains(&groups[0].len())
            && groups[1..].iter().all(|g| g.len() == 3)
            && groups.iter().all(|g| g.chars().all(|c| c.is_ascii_digit()))
    } else {
        whole.chars().all(|c| c.is_ascii_digit())
    };
    let fraction_ok =
        fraction.is_none_or(|f| !f.is_empty() && f.chars().all(|c| c.is_ascii_digit()));
    if !whole_ok || !fraction_ok || (whole.is_empty() && fraction.is_none()) || digits.len() > 30 {
        return None;
    }
    let whole = if whole.is_empty() {
        "0".to_string()
    } else {
        whole.replace(',', "")
    };
    Some(match fraction {
        Some(f) => format!("{sign}{whole}.{f}"),
        None => format!("{sign}{whole}"),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn choices() -> Vec<String> {
        parse_choices("Cook\n\nFulton\ncook\n  DeKalb  ")
    }

    #[test]
    fn kinds_round_trip_through_their_stored_names() {
        for kind in FieldKind::ALL {
            assert_eq!(FieldKind::parse(kind.as_str()), Some(kind));
        }
        assert_eq!(FieldKind::parse("Text"), None);
    }

    #[test]
    fn names_must_be_safe_column_headers() {
        assert_eq!(name_problem("Licence number"), None);
        assert_eq!(name_problem("2nd email"), None);
        assert!(name_problem("").is_some());
        assert!(name_problem("=HYPERLINK(1)").is_some());
        assert!(name_problem("-x").is_some());
        assert!(name_problem(&"x".repeat(81)).is_some());
    }

    #[test]
    fn choices_are_one_per_line_without_repeats() {
        assert_eq!(choices(), vec!["Cook", "Fulton", "DeKalb"]);
        assert!(choices_problem(FieldKind::Choice, &["Only".into()]).is_some());
        assert_eq!(choices_problem(FieldKind::Choice, &choices()), None);
        assert_eq!(choices_problem(FieldKind::Text, &[]), None);
    }

    #[test]
    fn values_are_checked_and_stored_in_one_form_per_kind() {
        let c = choices();
        let ok = |kind, raw: &str| normalize_value(kind, &c, raw).unwrap();
        assert_eq!(ok(FieldKind::Text, "  IL-12345 "), Some("IL-12345".into()));
        assert_eq!(ok(FieldKind::Text, "   "), None);
        assert_eq!(ok(FieldKind::Number, "1,250.5"), Some("1250.5".into()));
        assert_eq!(ok(FieldKind::Number, "-3"), Some("-3".into()));
        assert_eq!(ok(FieldKind::Number, ".5"), Some("0.5".into()));
        assert_eq!(ok(FieldKind::Date, "01/31/2024"), Some("2024-01-31".into()));
        assert_eq!(
            ok(FieldKind::Date, "31 Jan 2024"),
            Some("2024-01-31".into())
        );
        assert_eq!(ok(FieldKind::Choice, "fulton"), Some("Fulton".into()));
        assert_eq!(ok(FieldKind::YesNo, "Y"), Some("yes".into()));
        assert_eq!(ok(FieldKind::YesNo, "FALSE"), Some("no".into()));

        let bad = |kind, raw: &str| normalize_value(kind, &c, raw).unwrap_err();
        assert_eq!(
            bad(FieldKind::Number, "12a"),
            "Enter a number, like 12 or 3.5."
        );
        assert!(bad(FieldKind::Number, "1,25").contains("number"));
        assert!(bad(FieldKind::Number, "-").contains("number"));
        assert!(bad(FieldKind::Date, "31/01/2024").contains("2024-01-31"));
        assert_eq!(
            bad(FieldKind::Choice, "Lake"),
            "Choose one of: Cook, Fulton, DeKalb."
        );
        assert_eq!(bad(FieldKind::YesNo, "maybe"), "Answer yes or no.");
        assert!(bad(FieldKind::Text, &"x".repeat(1001)).contains("1,000"));
    }
}
