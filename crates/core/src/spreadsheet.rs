//! Cells for CSV files that people open in Excel. A cell starting with `=`, `+`, `-`, `@`, a tab
//! or a carriage return would be read as a formula (CSV injection), so text cells get a leading
//! apostrophe, which Excel and LibreOffice hide. Amounts are written by the caller as plain
//! numbers and do not go through `text_cell`, so a negative amount stays a number.

use std::borrow::Cow;

/// The UTF-8 byte-order mark Excel needs to read a CSV as UTF-8 rather than the system code page.
pub const UTF8_BOM: &str = "\u{feff}";

/// A text value made safe to open in a spreadsheet.
pub fn text_cell(value: &str) -> Cow<'_, str> {
    match value.chars().next() {
        Some('=' | '+' | '-' | '@' | '\t' | '\r') => Cow::Owned(format!("'{value}")),
        _ => Cow::Borrowed(value),
    }
}

/// Strip a leading byte-order mark from an uploaded file's text.
pub fn strip_bom(text: &str) -> &str {
    text.strip_prefix(UTF8_BOM).unwrap_or(text)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formula_starters_are_neutralised() {
        for bad in ["=HYPERLINK(\"x\")", "+1", "-2+3", "@SUM(A1)", "\tx", "\rx"] {
            assert_eq!(text_cell(bad), format!("'{bad}"), "{bad:?}");
        }
    }

    #[test]
    fn ordinary_text_is_unchanged() {
        for fine in ["Jane Doe", "", "O'Brien", "1 Main St", "MD, PhD", "é"] {
            assert_eq!(text_cell(fine), fine);
        }
    }

    #[test]
    fn bom_is_stripped_once() {
        assert_eq!(strip_bom("\u{feff}User ID,Email"), "User ID,Email");
        assert_eq!(strip_bom("User ID"), "User ID");
    }
}
