//! Check-in at the door and imported attendance reports: who may be checked in, what the page
//! says, the default minimum minutes, matching report rows to registrants by name, and how a
//! registration invoice's payments are shared among its lines for the event report.

use jiff::tz::TimeZone;

use crate::Timestamp;
use crate::events::clock_words;
use crate::registration::RegStatus;

/// Why a registration cannot be checked in, in words for the door; None when it can (only a
/// confirmed registration can).
pub fn refusal(status: RegStatus) -> Option<&'static str> {
    match status {
        RegStatus::Confirmed => None,
        RegStatus::Held => Some("Not paid yet: the registration is waiting for its card payment."),
        RegStatus::Offered => Some(
            "On the waitlist with a seat offered but not yet accepted: they must accept the offer first.",
        ),
        RegStatus::Waitlisted => Some("On the waitlist: there is no seat for them yet."),
        RegStatus::Cancelled => Some("The registration was cancelled."),
        RegStatus::Expired => Some("The registration lapsed without payment."),
    }
}

/// "Checked in at 8:14 am by Olive Owner" (or without "by" when nobody is named), in the
/// event's zone; the date is added when it is not `today`'s local date.
pub fn checked_in_words(at: Timestamp, by: Option<&str>, zone: &str, today: Timestamp) -> String {
    let tz = TimeZone::get(zone).unwrap_or(TimeZone::UTC);
    let when = at.to_jiff().to_zoned(tz.clone());
    let now = today.to_jiff().to_zoned(tz);
    let mut out = format!("Checked in at {}", clock_words(when.time()));
    if when.date() != now.date() {
        out.push_str(&format!(" on {}", when.date().strftime("%a %-d %b")));
    }
    if let Some(by) = by.map(str::trim).filter(|b| !b.is_empty()) {
        out.push_str(" by ");
        out.push_str(by);
    }
    out
}

/// The minimum minutes offered by default: three quarters of the session's (or event's) length,
/// rounded up to a whole minute.
pub fn default_min_minutes(length_minutes: i64) -> i64 {
    let length = length_minutes.max(0);
    (length * 3 + 3) / 4
}

/// A name as compared: lowercased, titles and punctuation dropped, spaces collapsed.
pub fn name_key(name: &str) -> String {
    let cleaned: String = name
        .chars()
        .map(|c| {
            if c.is_alphanumeric() || c == '\'' || c == '’' || c == '-' {
                c.to_lowercase().next().unwrap_or(c)
            } else {
                ' '
            }
        })
        .collect();
    cleaned
        .split_whitespace()
        .filter(|w| !matches!(*w, "dr" | "prof" | "mr" | "mrs" | "ms"))
        .collect::<Vec<_>>()
        .join(" ")
}

/// The names a report row may stand for: the name as given, the part in parentheses
/// (`Dr. K. Nakamura (Kenji Nakamura)`, `Wei Chen (iPhone)`) and the name without it, and
/// `Last, First` turned round.
pub fn name_variants(name: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut push = |s: &str| {
        let k = name_key(s);
        if !k.is_empty() && !out.contains(&k) {
            out.push(k);
        }
    };
    push(name);
    if let (Some(open), Some(close)) = (name.find('('), name.rfind(')'))
        && open < close
    {
        push(&name[open + 1..close]);
        push(&name[..open]);
    }
    let outer = name.split('(').next().unwrap_or(name);
    if let Some((last, first)) = outer.split_once(',') {
        push(&format!("{} {}", first.trim(), last.trim()));
    }
    out
}

/// How a report row's name matched the event's registrants.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum NameMatch<T> {
    One(T),
    None,
    /// More than one registrant has that name: staff must decide.
    Several,
}

/// Match a report row's name against registrants (`(id, "First Last")`), by any of the
/// name's variants; the first variant that matches anyone decides.
pub fn match_name<T: Copy + PartialEq>(name: &str, registrants: &[(T, String)]) -> NameMatch<T> {
    for variant in name_variants(name) {
        let mut found: Vec<T> = Vec::new();
        for (id, full) in registrants {
            if name_key(full) == variant && !found.contains(id) {
                found.push(*id);
            }
        }
        match found.len() {
            0 => continue,
            1 => return NameMatch::One(found[0]),
            _ => return NameMatch::Several,
        }
    }
    NameMatch::None
}

/// An invoice line for the revenue table: its amount and account.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PaidLine<A> {
    pub account: A,
    pub amount_cents: i64,
}

/// Share what was paid on an invoice (payments less refunds, at most its total) among its
/// lines in line order: each line is filled before the next, so a part payment counts
/// towards the first lines. Lines with negative amounts (discounts) reduce the first lines'
/// share instead. Returns (account, cents) per line.
pub fn share_paid<A: Clone>(lines: &[PaidLine<A>], paid_cents: i64) -> Vec<(A, i64)> {
    let total: i64 = lines.iter().map(|l| l.amount_cents).sum();
    let mut left = paid_cents.clamp(0, total.max(0));
    if left == total {
        return lines
            .iter()
            .map(|l| (l.account.clone(), l.amount_cents))
            .collect();
    }
    lines
        .iter()
        .map(|l| {
            let take = l.amount_cents.max(0).min(left);
            left -= take;
            (l.account.clone(), take)
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_confirmed_registrations_are_checked_in() {
        assert_eq!(refusal(RegStatus::Confirmed), None);
        for s in [
            RegStatus::Held,
            RegStatus::Offered,
            RegStatus::Waitlisted,
            RegStatus::Cancelled,
            RegStatus::Expired,
        ] {
            assert!(refusal(s).is_some(), "{s:?}");
        }
        assert!(refusal(RegStatus::Waitlisted).unwrap().contains("waitlist"));
    }

    #[test]
    fn checked_in_words_in_the_event_zone() {
        // 13:14 UTC is 8:14 am in New York in November.
        let at = Timestamp::from_jiff("2026-11-21T13:14:00Z".parse().unwrap());
        let today = Timestamp::from_jiff("2026-11-21T15:00:00Z".parse().unwrap());
        assert_eq!(
            checked_in_words(at, Some("Olive Owner"), "America/New_York", today),
            "Checked in at 8:14 am by Olive Owner"
        );
        let next_day = Timestamp::from_jiff("2026-11-22T15:00:00Z".parse().unwrap());
        assert_eq!(
            checked_in_words(at, None, "America/New_York", next_day),
            "Checked in at 8:14 am on Sat 21 Nov"
        );
    }

    #[test]
    fn default_minimum_is_three_quarters_rounded_up() {
        assert_eq!(default_min_minutes(60), 45);
        assert_eq!(default_min_minutes(90), 68);
        assert_eq!(default_min_minutes(0), 0);
        assert_eq!(default_min_minutes(-5), 0);
    }

    #[test]
    fn names_match_through_their_variants() {
        let regs = vec![
            (1, "Kenji Nakamura".to_string()),
            (2, "Thi Minh Nguyen".to_string()),
            (3, "Wei Chen".to_string()),
            (4, "Ana Souza".to_string()),
            (5, "Ana Souza".to_string()),
        ];
        assert_eq!(
            match_name("Dr. K. Nakamura (Kenji Nakamura)", &regs),
            NameMatch::One(1)
        );
        assert_eq!(match_name("Nguyen, Thi Minh", &regs), NameMatch::One(2));
        assert_eq!(match_name("Wei Chen (iPhone)", &regs), NameMatch::One(3));
        assert_eq!(match_name("WEI  CHEN", &regs), NameMatch::One(3));
        assert_eq!(match_name("Ana Souza", &regs), NameMatch::Several);
        assert_eq!(match_name("+1 617 555 0142", &regs), NameMatch::None);
    }

    #[test]
    fn payments_fill_lines_in_order() {
        let lines = vec![
            PaidLine {
                account: "4100",
                amount_cents: 30_000,
            },
            PaidLine {
                account: "4200",
                amount_cents: 5_000,
            },
        ];
        assert_eq!(
            share_paid(&lines, 35_000),
            vec![("4100", 30_000), ("4200", 5_000)]
        );
        assert_eq!(
            share_paid(&lines, 31_000),
            vec![("4100", 30_000), ("4200", 1_000)]
        );
        assert_eq!(share_paid(&lines, 0), vec![("4100", 0), ("4200", 0)]);
        // Never more than the total.
        assert_eq!(
            share_paid(&lines, 99_000),
            vec![("4100", 30_000), ("4200", 5_000)]
        );
    }
}
