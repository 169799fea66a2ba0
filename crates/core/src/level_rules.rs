//! Level rules as pure functions: professions and their rates, who may apply, the reminder
//! schedule, the non-deductible (lobbying) share, and yearly level transitions (a fellow becomes
//! an early-career member on 30 June). Parsers take what staff type and say what is wrong in
//! plain words.

use jiff::ToSpan;
use jiff::civil::Date;

use crate::money::Cents;

pub use crate::people::Profession;

/// Professions allowed to apply, stored comma-separated; empty means anyone.
pub fn format_professions(list: &[Profession]) -> String {
    let mut sorted = list.to_vec();
    sorted.sort();
    sorted.dedup();
    sorted
        .iter()
        .map(|p| p.as_str())
        .collect::<Vec<_>>()
        .join(",")
}

/// The stored list back; unknown words are ignored.
pub fn parse_professions(stored: &str) -> Vec<Profession> {
    let mut list: Vec<Profession> = stored.split(',').filter_map(Profession::parse).collect();
    list.sort();
    list.dedup();
    list
}

/// Whether someone of `profession` may apply for a level allowing `allowed` (empty: anyone).
pub fn may_apply(allowed: &[Profession], profession: Profession) -> bool {
    allowed.is_empty() || allowed.contains(&profession)
}

/// A level's prices: the level's fee, and for practice levels a rate per profession (a
/// profession without its own rate pays the fee).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct RateTable {
    pub fee: Cents,
    pub rates: Vec<(Profession, Cents)>,
}

impl RateTable {
    pub fn rate_for(&self, profession: Profession) -> Cents {
        self.rates
            .iter()
            .find(|(p, _)| *p == profession)
            .map(|(_, c)| *c)
            .unwrap_or(self.fee)
    }
}

/// The furthest a reminder may be from the term's end, in days, either side.
pub const MAX_REMINDER_DAYS: i32 = 365;
/// At most this many reminder steps per level.
pub const MAX_REMINDER_STEPS: usize = 8;
/// A step (or transition) whose day was missed (the server was down, the run failed) is still
/// made up to this many days late; after that it is skipped rather than sent stale.
pub const CATCH_UP_DAYS: i32 = 7;

/// Parse a reminder schedule such as `60,30,7,-7`: days before the term's end (negative: after
/// it). Empty means no reminders. Returned largest first, without repeats.
pub fn parse_reminder_days(text: &str) -> Result<Vec<i32>, &'static str> {
    let text = text.trim();
    if text.is_empty() {
        return Ok(Vec::new());
    }
    let mut days = Vec::new();
    for part in text.split([',', ' ', ';']).filter(|p| !p.trim().is_empty()) {
        let part = part.trim();
        let value: i32 = part
            .strip_prefix('+')
            .unwrap_or(part)
            .parse()
            .map_err(|_| "Enter whole numbers of days separated by commas, like 60,30,7,-7.")?;
        if !(-MAX_REMINDER_DAYS..=MAX_REMINDER_DAYS).contains(&value) {
            return Err("Each reminder must be within 365 days of the end of the term.");
        }
        if days.contains(&value) {
            return Err("Each day may appear only once.");
        }
        days.push(value);
    }
    if days.len() > MAX_REMINDER_STEPS {
        return Err("Use at most 8 reminders.");
    }
    days.sort_by(|a, b| b.cmp(a));
    Ok(days)
}

/// The schedule as stored and shown: `60,30,7,-7`.
pub fn format_reminder_days(days: &[i32]) -> String {
    days.iter()
        .map(i32::to_string)
        .collect::<Vec<_>>()
        .join(",")
}

/// The day a reminder step goes out for a term ending on `end`.
pub fn reminder_date(end: Date, days_before: i32) -> Date {
    end.checked_sub(i64::from(days_before).days())
        .unwrap_or(end)
}

/// The reminder step due on `today` for a term ending on `end`: the latest step whose day has
/// come within the last [`CATCH_UP_DAYS`] days. Only one step is ever due on a day, so a member
/// never gets two reminders at once; whether it was already sent is the caller's record.
pub fn due_reminder(end: Date, steps: &[i32], today: Date) -> Option<i32> {
    steps
        .iter()
        .copied()
        .filter(|step| {
            let day = reminder_date(end, *step);
            day <= today && (today - day).get_days() < CATCH_UP_DAYS
        })
        // The latest day is the step with the fewest days before the end.
        .min()
}

/// Whether the renewal invoice for a term ending on `end` is due by `today`: from the day of the
/// schedule's first (earliest) reminder on, so every reminder can point at the invoice. No
/// schedule, no renewal invoice from the daily run. Unlike a reminder this never goes stale:
/// a run that missed the day issues it on the next.
pub fn renewal_invoice_due(end: Date, steps: &[i32], today: Date) -> bool {
    steps
        .iter()
        .max()
        .is_some_and(|first| reminder_date(end, *first) <= today)
}

/// Words for a step: "in 30 days", "today", "7 days ago".
pub fn describe_step(step: i32) -> String {
    match step {
        0 => "today".into(),
        1 => "tomorrow".into(),
        -1 => "yesterday".into(),
        d if d > 0 => format!("in {d} days"),
        d => format!("{} days ago", -d),
    }
}

/// Parse a percentage with up to two decimals ("25", "12.5", "7.25%") into basis points.
pub fn parse_percent_bp(text: &str) -> Result<i64, &'static str> {
    let text = text.trim().trim_end_matches('%').trim();
    if text.is_empty() {
        return Ok(0);
    }
    let (whole, fraction) = text.split_once('.').unwrap_or((text, ""));
    let digits_ok = |s: &str| s.chars().all(|c| c.is_ascii_digit());
    if whole.is_empty() && fraction.is_empty()
        || !digits_ok(whole)
        || !digits_ok(fraction)
        || whole.len() > 3
    {
        return Err("Enter a percentage such as 25 or 12.5.");
    }
    if fraction.len() > 2 {
        return Err("Use at most two decimals, like 12.25.");
    }
    let whole: i64 = if whole.is_empty() {
        0
    } else {
        whole
            .parse()
            .map_err(|_| "Enter a percentage such as 25.")?
    };
    let fraction: i64 = match fraction.len() {
        0 => 0,
        1 => fraction.parse::<i64>().unwrap_or(0) * 10,
        _ => fraction.parse().unwrap_or(0),
    };
    let bp = whole * 100 + fraction;
    if bp > 10_000 {
        return Err("The share cannot be more than 100%.");
    }
    Ok(bp)
}

/// Basis points as a percentage people read: 2500 → "25", 1250 → "12.5", 1234 → "12.34".
pub fn format_percent_bp(bp: i64) -> String {
    let whole = bp / 100;
    let fraction = bp % 100;
    match fraction {
        0 => whole.to_string(),
        f if f % 10 == 0 => format!("{whole}.{}", f / 10),
        f => format!("{whole}.{f:02}"),
    }
}

/// The part of `amount` that is not deductible, rounded half-up to the cent.
pub fn nondeductible_share(amount: Cents, bp: i64) -> Cents {
    amount.scale(bp, 10_000)
}

/// Parse a yearly day written month-day ("06-30", "6-30", "6/30"). 29 February is allowed (in
/// other years it falls on 28 February, see [`transition_date`]).
pub fn parse_month_day(text: &str) -> Option<(i8, i8)> {
    let (m, d) = text.trim().split_once(['-', '/'])?;
    let (m, d) = (m.trim().parse::<i8>().ok()?, d.trim().parse::<i8>().ok()?);
    // 2000 was a leap year, so every real month-day is a date in it.
    Date::new(2000, m, d).ok().map(|_| (m, d))
}

/// This year's date for a yearly month-day: 29 February becomes 28 February in other years.
pub fn transition_date(year: i16, month: i8, day: i8) -> Date {
    Date::new(year, month, day)
        .or_else(|_| Date::new(year, month, 28))
        .unwrap_or(Date::MIN)
}

/// The transition due on `today` for a member who joined on `joined`: this year's transition
/// date, if it has come within the last [`CATCH_UP_DAYS`] days and the member joined before it
/// (someone who joins in July is not moved by the June transition they joined after). The
/// caller records the date so each member moves at most once a year.
pub fn due_transition(today: Date, joined: Date, month: i8, day: i8) -> Option<Date> {
    let date = transition_date(today.year(), month, day);
    let days_since = (today - date).get_days();
    (date <= today && days_since < CATCH_UP_DAYS && joined < date).then_some(date)
}

#[cfg(test)]
mod tests {
    use super::*;
    use jiff::civil::date;

    #[test]
    fn professions_round_trip_and_unknown_words_read_as_other() {
        for p in Profession::ALL {
            assert_eq!(Profession::parse(p.as_str()), Some(p));
        }
        assert_eq!(Profession::from_stored("astronaut"), Profession::Other);
        let stored = format_professions(&[
            Profession::Pharmacist,
            Profession::Physician,
            Profession::Pharmacist,
        ]);
        assert_eq!(stored, "physician,pharmacist");
        assert_eq!(
            parse_professions("physician,bogus,pharmacist"),
            vec![Profession::Physician, Profession::Pharmacist]
        );
        assert!(may_apply(&[], Profession::Nurse));
        assert!(!may_apply(&[Profession::Physician], Profession::Nurse));
    }

    #[test]
    fn rates_fall_back_to_the_fee() {
        let table = RateTable {
            fee: Cents(35_000),
            rates: vec![
                (Profession::NursePractitioner, Cents(15_000)),
                (Profession::Fellow, Cents(0)),
            ],
        };
        assert_eq!(table.rate_for(Profession::Physician), Cents(35_000));
        assert_eq!(table.rate_for(Profession::NursePractitioner), Cents(15_000));
        assert_eq!(table.rate_for(Profession::Fellow), Cents(0), "fellows free");
    }

    #[test]
    fn reminder_schedules_parse_with_plain_errors() {
        assert_eq!(parse_reminder_days("60,30,7,-7"), Ok(vec![60, 30, 7, -7]));
        assert_eq!(parse_reminder_days(" -7, 30 ,+60 "), Ok(vec![60, 30, -7]));
        assert_eq!(parse_reminder_days(""), Ok(vec![]));
        assert!(parse_reminder_days("60,thirty").is_err());
        assert!(parse_reminder_days("400").is_err());
        assert!(parse_reminder_days("30,30").is_err());
        assert!(parse_reminder_days("1,2,3,4,5,6,7,8,9").is_err());
        assert_eq!(format_reminder_days(&[60, 30, 7, -7]), "60,30,7,-7");
    }

    #[test]
    fn reminder_steps_fall_due_on_their_day_including_after_the_end() {
        let end = date(2026, 12, 31);
        let steps = [60, 30, 7, -7];
        assert_eq!(due_reminder(end, &steps, date(2026, 11, 1)), Some(60));
        assert_eq!(due_reminder(end, &steps, date(2026, 10, 31)), None);
        assert_eq!(due_reminder(end, &steps, date(2026, 12, 1)), Some(30));
        assert_eq!(due_reminder(end, &steps, date(2026, 12, 24)), Some(7));
        assert_eq!(due_reminder(end, &steps, date(2026, 12, 30)), Some(7));
        assert_eq!(
            due_reminder(end, &steps, date(2026, 12, 31)),
            None,
            "a week late is too late"
        );
        // Negative: seven days after the end (in grace).
        assert_eq!(due_reminder(end, &steps, date(2027, 1, 7)), Some(-7));
        assert_eq!(due_reminder(end, &steps, date(2027, 1, 13)), Some(-7));
        assert_eq!(
            due_reminder(end, &steps, date(2027, 1, 14)),
            None,
            "too late to catch up"
        );
        // A missed day is made up a few days later, but never two steps at once.
        assert_eq!(due_reminder(end, &steps, date(2026, 12, 5)), Some(30));
        assert_eq!(
            due_reminder(end, &steps, date(2026, 11, 20)),
            None,
            "between steps"
        );
        // Across a leap day: 30 days before 15 March 2028 is 14 February.
        assert_eq!(
            reminder_date(date(2028, 3, 15), 30),
            date(2028, 2, 14),
            "February 2028 has 29 days"
        );
        assert_eq!(reminder_date(date(2028, 2, 22), -7), date(2028, 2, 29));
        assert_eq!(due_reminder(end, &[], date(2026, 12, 1)), None);
        assert_eq!(describe_step(30), "in 30 days");
        assert_eq!(describe_step(-7), "7 days ago");
    }

    #[test]
    fn the_renewal_invoice_is_due_from_the_first_reminder_on_and_never_goes_stale() {
        let end = date(2026, 12, 31);
        let steps = [60, 30, 7, -7];
        assert!(!renewal_invoice_due(end, &steps, date(2026, 10, 31)));
        assert!(renewal_invoice_due(end, &steps, date(2026, 11, 1)));
        assert!(
            renewal_invoice_due(end, &steps, date(2027, 1, 20)),
            "a late run still issues it"
        );
        // Only a reminder after the end: the invoice waits for it.
        assert!(!renewal_invoice_due(end, &[-7], date(2027, 1, 6)));
        assert!(renewal_invoice_due(end, &[-7], date(2027, 1, 7)));
        assert!(
            !renewal_invoice_due(end, &[], date(2027, 1, 7)),
            "no schedule"
        );
    }

    #[test]
    fn percentages_become_basis_points() {
        assert_eq!(parse_percent_bp("25"), Ok(2500));
        assert_eq!(parse_percent_bp("12.5"), Ok(1250));
        assert_eq!(parse_percent_bp("7.25%"), Ok(725));
        assert_eq!(parse_percent_bp(".5"), Ok(50));
        assert_eq!(parse_percent_bp(""), Ok(0));
        assert_eq!(parse_percent_bp("100"), Ok(10_000));
        for bad in ["100.01", "abc", "1.234", "-5", "1e2", "."] {
            assert!(parse_percent_bp(bad).is_err(), "{bad:?}");
        }
        assert_eq!(format_percent_bp(2500), "25");
        assert_eq!(format_percent_bp(1250), "12.5");
        assert_eq!(format_percent_bp(1234), "12.34");
        assert_eq!(format_percent_bp(5), "0.05");
        assert_eq!(nondeductible_share(Cents(35_000), 1250), Cents(4_375));
        assert_eq!(nondeductible_share(Cents(999), 3333), Cents(333));
    }

    #[test]
    fn transitions_happen_on_their_day_and_29_february_falls_back_in_other_years() {
        assert_eq!(parse_month_day("06-30"), Some((6, 30)));
        assert_eq!(parse_month_day("6/30"), Some((6, 30)));
        assert_eq!(parse_month_day("02-29"), Some((2, 29)));
        assert_eq!(parse_month_day("02-30"), None);
        assert_eq!(parse_month_day("13-01"), None);
        assert_eq!(parse_month_day("june"), None);

        assert_eq!(transition_date(2027, 2, 29), date(2027, 2, 28));
        assert_eq!(transition_date(2028, 2, 29), date(2028, 2, 29));

        let joined = date(2025, 7, 1);
        assert_eq!(due_transition(date(2026, 6, 29), joined, 6, 30), None);
        assert_eq!(
            due_transition(date(2026, 6, 30), joined, 6, 30),
            Some(date(2026, 6, 30))
        );
        assert_eq!(
            due_transition(date(2026, 7, 3), joined, 6, 30),
            Some(date(2026, 6, 30)),
            "a missed run catches up"
        );
        assert_eq!(due_transition(date(2026, 8, 1), joined, 6, 30), None);
        assert_eq!(
            due_transition(date(2026, 7, 2), date(2026, 7, 1), 6, 30),
            None,
            "joined after this year's transition"
        );
        // 29 February: on 28 February in 2027, on the 29th in 2028.
        assert_eq!(
            due_transition(date(2027, 2, 28), joined, 2, 29),
            Some(date(2027, 2, 28))
        );
        assert_eq!(due_transition(date(2028, 2, 28), joined, 2, 29), None);
        assert_eq!(
            due_transition(date(2028, 2, 29), joined, 2, 29),
            Some(date(2028, 2, 29))
        );
    }
}
