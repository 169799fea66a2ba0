//! Money in integer cents (USD for now). Arithmetic that divides rounds half-up to the cent.

use serde::{Deserialize, Serialize};
use std::fmt;

#[derive(
    Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize,
)]
#[serde(transparent)]
pub struct Cents(pub i64);

impl Cents {
    pub const ZERO: Cents = Cents(0);

    /// `self × numerator ÷ denominator`, rounded half away from zero (half-up for amounts owed).
    pub fn scale(self, numerator: i64, denominator: i64) -> Cents {
        assert!(denominator > 0, "denominator must be positive");
        let product = i128::from(self.0) * i128::from(numerator);
        let denominator = i128::from(denominator);
        let half = denominator / 2;
        let rounded = if product >= 0 {
            (product + half) / denominator
        } else {
            (product - half) / denominator
        };
        Cents(rounded as i64)
    }

    /// Parse what a person types: "150", "150.5", "$1,250.00". At most two decimals.
    pub fn parse(text: &str) -> Option<Cents> {
        let cleaned: String = text
            .trim()
            .trim_start_matches('$')
            .chars()
            .filter(|c| *c != ',')
            .collect();
        let (negative, digits) = match cleaned.strip_prefix('-') {
            Some(rest) => (true, rest),
            None => (false, cleaned.as_str()),
        };
        let (whole, fraction) = digits.split_once('.').unwrap_or((digits, ""));
        if whole.is_empty() && fraction.is_empty()
            || !whole.chars().all(|c| c.is_ascii_digit())
            || !fraction.chars().all(|c| c.is_ascii_digit())
            || fraction.len() > 2
            || whole.len() > 12
        {
            return None;
        }
        let whole: i64 = if whole.is_empty() {
            0
        } else {
            whole.parse().ok()?
        };
        let fraction: i64 = match fraction.len() {
            0 => 0,
            1 => fraction.parse::<i64>().ok()? * 10,
            _ => fraction.parse().ok()?,
        };
        let cents = whole * 100 + fraction;
        Some(Cents(if negative { -cents } else { cents }))
    }
}

impl fmt::Display for Cents {
    /// "$1,250.00", "-$5.10".
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let sign = if self.0 < 0 { "-" } else { "" };
        let abs = self.0.unsigned_abs();
        let dollars = (abs / 100).to_string();
        let mut grouped = String::new();
        for (i, c) in dollars.chars().enumerate() {
            if i > 0 && (dollars.len() - i).is_multiple_of(3) {
                grouped.push(',');
            }
            grouped.push(c);
        }
        write!(f, "{sign}${grouped}.{:02}", abs % 100)
    }
}

#[cfg(test)]
mod tests {
    use super::Cents;

    #[test]
    fn scaling_rounds_half_up() {
        assert_eq!(Cents(10_000).scale(9, 12), Cents(7_500));
        assert_eq!(Cents(100).scale(1, 3), Cents(33));
        assert_eq!(Cents(200).scale(1, 3), Cents(67));
        assert_eq!(Cents(5).scale(1, 2), Cents(3), "2.5 cents rounds up");
        assert_eq!(
            Cents(-5).scale(1, 2),
            Cents(-3),
            "refunds round away from zero too"
        );
        assert_eq!(
            Cents(i64::MAX / 2).scale(2, 2),
            Cents(i64::MAX / 2),
            "no overflow"
        );
    }

    #[test]
    fn parse_and_display() {
        assert_eq!(Cents::parse("$1,250.00"), Some(Cents(125_000)));
        assert_eq!(Cents::parse("150.5"), Some(Cents(15_050)));
        assert_eq!(Cents::parse(".99"), Some(Cents(99)));
        assert_eq!(Cents::parse("-3"), Some(Cents(-300)));
        for bad in ["", "abc", "1.234", "1.2.3", "$", "1e5"] {
            assert_eq!(Cents::parse(bad), None, "{bad:?}");
        }
        assert_eq!(Cents(125_000).to_string(), "$1,250.00");
        assert_eq!(Cents(-510).to_string(), "-$5.10");
        assert_eq!(Cents(123_456_789).to_string(), "$1,234,567.89");
    }
}
