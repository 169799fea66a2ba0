//! Membership rules as pure functions: how long a term runs, what a member's status is on a given
//! day, and what a prorated first term costs. Callers pass the society's local date (see
//! [`crate::Timestamp::local_date`]); nothing here reads a clock.

use jiff::ToSpan;
use jiff::civil::Date;
use serde::{Deserialize, Serialize};

use crate::money::Cents;

/// How often a level renews.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum RenewalPeriod {
    /// Lifetime and honorary memberships: one term that never ends.
    Never,
    Monthly,
    Quarterly,
    TwiceAYear,
    /// Every N years (N ≥ 1).
    Years(u8),
}

impl RenewalPeriod {
    /// The length in months, or None for a term that never ends.
    pub fn months(self) -> Option<i32> {
        match self {
            RenewalPeriod::Never => None,
            RenewalPeriod::Monthly => Some(1),
            RenewalPeriod::Quarterly => Some(3),
            RenewalPeriod::TwiceAYear => Some(6),
            RenewalPeriod::Years(n) => Some(12 * i32::from(n.max(1))),
        }
    }
}

/// When terms renew: on the member's own join date, or for everyone on one calendar day.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum RenewalAnchor {
    Anniversary,
    /// Month and day, e.g. 1 January. 29 February is not allowed (it would skip years).
    FixedDay {
        month: i8,
        day: i8,
    },
}

/// One paid period. `end` is the last day covered (inclusive); None never ends.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Term {
    pub start: Date,
    pub end: Option<Date>,
}

impl Term {
    pub fn covers(&self, day: Date) -> bool {
        self.start <= day && self.end.is_none_or(|end| day <= end)
    }
}

/// The date `months` after `anchor`, clamped to the month's last day (31 Jan + 1 month = 28 or
/// 29 Feb). Always counted from the original anchor so terms do not drift: 31 Jan, 28 Feb, 31 Mar.
fn add_months(anchor: Date, months: i32) -> Date {
    anchor.checked_add(months.months()).unwrap_or(Date::MAX)
}

/// The `n`th anniversary term (0-based) of a member who joined on `joined`.
pub fn anniversary_term(joined: Date, period: RenewalPeriod, n: i32) -> Term {
    match period.months() {
        None => Term {
            start: joined,
            end: None,
        },
        Some(months) => {
            let start = add_months(joined, months * n);
            let next = add_months(joined, months * (n + 1));
            Term {
                start,
                end: next.yesterday().ok(),
            }
        }
    }
}

/// The next occurrence of a fixed renewal day strictly after `day`.
pub fn next_fixed_day(day: Date, month: i8, day_of_month: i8) -> Date {
    let this_year = Date::new(day.year(), month, day_of_month).unwrap_or(day);
    if this_year > day {
        this_year
    } else {
        Date::new(day.year() + 1, month, day_of_month).unwrap_or(Date::MAX)
    }
}

/// The term a new member gets when joining on `joined`.
///
/// Anniversary levels: a full period from the join date. Fixed-day levels: from the join date to
/// the day before the next renewal day. Whether that first term is prorated is the level's
/// choice; see [`prorated_fee`].
pub fn first_term(joined: Date, period: RenewalPeriod, anchor: RenewalAnchor) -> Term {
    match (anchor, period.months()) {
        (_, None) => Term {
            start: joined,
            end: None,
        },
        (RenewalAnchor::Anniversary, Some(_)) => anniversary_term(joined, period, 0),
        (RenewalAnchor::FixedDay { month, day }, Some(months)) => {
            // The next renewal day on the level's cycle (for multi-year periods, the first one).
            let next = if months >= 12 {
                next_fixed_day(joined, month, day)
            } else {
                // Sub-year periods on a fixed day renew on that day of each period.
                let mut renewal = Date::new(joined.year(), month, day).unwrap_or(joined);
                while renewal > joined {
                    renewal = add_months(renewal, -months);
                }
                while renewal <= joined {
                    renewal = add_months(renewal, months);
                }
                renewal
            };
            Term {
                start: joined,
                end: next.yesterday().ok(),
            }
        }
    }
}

/// The term that follows `previous` (a renewal, early or late: it always continues from the
/// previous end, so renewing early never shortens a term and renewing late never stretches one).
pub fn next_term(previous: &Term, period: RenewalPeriod) -> Option<Term> {
    let months = period.months()?;
    let start = previous.end?.tomorrow().ok()?;
    let next = add_months(start, months);
    Some(Term {
        start,
        end: next.yesterday().ok(),
    })
}

/// Whole months a fixed-day first term covers, counting the month of joining as a whole month:
/// joining on 15 April for a 1 January renewal covers April to December, nine months.
pub fn months_covered(term: &Term) -> Option<i32> {
    let end = term.end?;
    let months = (i32::from(end.year()) - i32::from(term.start.year())) * 12
        + i32::from(end.month())
        - i32::from(term.start.month())
        + 1;
    Some(months.max(1))
}

/// The prorated price of a fixed-day first term: the fee × months covered ÷ months in a full
/// period, rounded half-up to the cent, never more than the full fee.
pub fn prorated_fee(fee: Cents, term: &Term, period: RenewalPeriod) -> Cents {
    match (months_covered(term), period.months()) {
        (Some(covered), Some(full)) => fee.scale(i64::from(covered.min(full)), i64::from(full)),
        _ => fee,
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Status {
    /// Applied (or paid by invoice not yet settled); not yet a member.
    Pending,
    Active,
    /// The term ended, but the grace period keeps the privileges.
    Grace,
    Lapsed,
    Suspended,
    Cancelled,
}

impl Status {
    pub fn as_str(self) -> &'static str {
        match self {
            Status::Pending => "pending",
            Status::Active => "active",
            Status::Grace => "grace",
            Status::Lapsed => "lapsed",
            Status::Suspended => "suspended",
            Status::Cancelled => "cancelled",
        }
    }

    /// Whether the member has the privileges of membership (directory, member prices…).
    pub fn has_privileges(self) -> bool {
        matches!(self, Status::Active | Status::Grace)
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Application {
    Pending,
    Approved,
    Rejected,
}

/// Everything a member's status depends on.
#[derive(Clone, Debug)]
pub struct StatusInput<'a> {
    /// The society's local date.
    pub today: Date,
    /// Paid terms, in any order.
    pub terms: &'a [Term],
    pub application: Option<Application>,
    pub cancelled_on: Option<Date>,
    pub suspended: bool,
    /// Staff's override, with a reason kept elsewhere; wins over everything.
    pub override_status: Option<Status>,
    /// For a seat paid by a practice: the practice's own status. The seat follows it.
    pub practice_status: Option<Status>,
    pub grace_days: u16,
}

/// A member's status on `today`.
pub fn status(input: &StatusInput<'_>) -> Status {
    if let Some(status) = input.override_status {
        return status;
    }
    if input.suspended {
        return Status::Suspended;
    }
    if input.cancelled_on.is_some_and(|day| day <= input.today) {
        return Status::Cancelled;
    }
    if input.application == Some(Application::Rejected) {
        return Status::Cancelled;
    }
    if let Some(practice) = input.practice_status {
        return match practice {
            Status::Active | Status::Grace | Status::Lapsed | Status::Pending => practice,
            // A suspended or cancelled practice no longer pays for anyone.
            Status::Suspended | Status::Cancelled => Status::Lapsed,
        };
    }
    if input.application == Some(Application::Pending) {
        return Status::Pending;
    }
    if input.terms.iter().any(|t| t.covers(input.today)) {
        return Status::Active;
    }
    let last_ended = input
        .terms
        .iter()
        .filter_map(|t| t.end)
        .filter(|end| *end < input.today)
        .max();
    match last_ended {
        Some(end) => {
            let days_after = (input.today - end).get_days();
            if days_after <= i32::from(input.grace_days) {
                Status::Grace
            } else {
                Status::Lapsed
            }
        }
        // No term yet, or only one that starts later.
        None => Status::Pending,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use jiff::civil::date;

    fn input<'a>(today: Date, terms: &'a [Term]) -> StatusInput<'a> {
        StatusInput {
            today,
            terms,
            application: None,
            cancelled_on: None,
            suspended: false,
            override_status: None,
            practice_status: None,
            grace_days: 30,
        }
    }

    fn year(start: Date) -> Term {
        anniversary_term(start, RenewalPeriod::Years(1), 0)
    }

    #[test]
    fn anniversary_terms_run_a_full_period() {
        let t = year(date(2026, 3, 15));
        assert_eq!(
            (t.start, t.end),
            (date(2026, 3, 15), Some(date(2027, 3, 14)))
        );
        let two = anniversary_term(date(2026, 3, 15), RenewalPeriod::Years(2), 0);
        assert_eq!(two.end, Some(date(2028, 3, 14)));
        let q = anniversary_term(date(2026, 11, 30), RenewalPeriod::Quarterly, 1);
        assert_eq!(
            (q.start, q.end),
            (date(2027, 2, 28), Some(date(2027, 5, 29)))
        );
        let life = first_term(
            date(2026, 1, 1),
            RenewalPeriod::Never,
            RenewalAnchor::Anniversary,
        );
        assert_eq!(life.end, None);
    }

    #[test]
    fn days_29_to_31_and_leap_years_do_not_drift() {
        // Monthly from 31 January: 28/29 February, then back to 31 March.
        let starts: Vec<Date> = (0..3)
            .map(|n| anniversary_term(date(2028, 1, 31), RenewalPeriod::Monthly, n).start)
            .collect();
        assert_eq!(
            starts,
            vec![date(2028, 1, 31), date(2028, 2, 29), date(2028, 3, 31)]
        );
        assert_eq!(
            anniversary_term(date(2028, 1, 31), RenewalPeriod::Monthly, 0).end,
            Some(date(2028, 2, 28))
        );
        // Joined on leap day: the next year's term starts on 28 February.
        let leap = year(date(2028, 2, 29));
        assert_eq!(leap.end, Some(date(2029, 2, 27)));
        assert_eq!(
            anniversary_term(date(2028, 2, 29), RenewalPeriod::Years(1), 1).start,
            date(2029, 2, 28)
        );
        assert_eq!(
            anniversary_term(date(2028, 2, 29), RenewalPeriod::Years(1), 4).start,
            date(2032, 2, 29)
        );
        // 30 and 31 of months through a short month.
        assert_eq!(
            anniversary_term(date(2026, 8, 30), RenewalPeriod::TwiceAYear, 1).start,
            date(2027, 2, 28)
        );
        assert_eq!(
            anniversary_term(date(2026, 8, 30), RenewalPeriod::TwiceAYear, 2).start,
            date(2027, 8, 30)
        );
    }

    #[test]
    fn fixed_day_first_terms_and_proration() {
        let anchor = RenewalAnchor::FixedDay { month: 1, day: 1 };
        let period = RenewalPeriod::Years(1);
        let t = first_term(date(2026, 4, 15), period, anchor);
        assert_eq!(
            (t.start, t.end),
            (date(2026, 4, 15), Some(date(2026, 12, 31)))
        );
        assert_eq!(months_covered(&t), Some(9));
        assert_eq!(prorated_fee(Cents(40_000), &t, period), Cents(30_000));
        // 1/3 of $100.00 rounds half-up: 4 months of 12.
        let sept = first_term(date(2026, 9, 1), period, anchor);
        assert_eq!(prorated_fee(Cents(10_000), &sept, period), Cents(3_333));
        let aug = first_term(date(2026, 8, 20), period, anchor);
        assert_eq!(
            prorated_fee(Cents(10_000), &aug, period),
            Cents(4_167),
            "5/12 of $100 = 41.666…"
        );
        // Joining on the renewal day itself buys the whole coming year.
        let jan = first_term(date(2027, 1, 1), period, anchor);
        assert_eq!(jan.end, Some(date(2027, 12, 31)));
        assert_eq!(prorated_fee(Cents(40_000), &jan, period), Cents(40_000));
        // 30 June renewal (a fellowship year).
        let june = first_term(
            date(2026, 11, 21),
            period,
            RenewalAnchor::FixedDay { month: 7, day: 1 },
        );
        assert_eq!(june.end, Some(date(2027, 6, 30)));
        assert_eq!(months_covered(&june), Some(8));
        // Quarterly on a fixed day renews at the next quarter boundary.
        let q = first_term(date(2026, 5, 10), RenewalPeriod::Quarterly, anchor);
        assert_eq!(q.end, Some(date(2026, 6, 30)));
    }

    #[test]
    fn renewals_continue_from_the_previous_end() {
        let first = year(date(2026, 3, 15));
        let next = next_term(&first, RenewalPeriod::Years(1)).unwrap();
        assert_eq!(
            (next.start, next.end),
            (date(2027, 3, 15), Some(date(2028, 3, 14)))
        );
        // Renewing early (in January) or late (in grace) gives the same next term.
        let today_early = date(2027, 1, 10);
        let today_late = date(2027, 4, 1);
        let terms = [first, next];
        assert_eq!(status(&input(today_early, &terms)), Status::Active);
        assert_eq!(status(&input(today_late, &terms)), Status::Active);
    }

    #[test]
    fn status_table() {
        let d = date;
        let lifetime = [first_term(
            d(2000, 1, 1),
            RenewalPeriod::Never,
            RenewalAnchor::Anniversary,
        )];
        let t = [year(d(2026, 1, 1))]; // covers 2026
        let cases: Vec<(&str, StatusInput<'_>, Status)> = vec![
            (
                "first day of the term",
                input(d(2026, 1, 1), &t),
                Status::Active,
            ),
            (
                "last day of the term",
                input(d(2026, 12, 31), &t),
                Status::Active,
            ),
            (
                "first day of grace",
                input(d(2027, 1, 1), &t),
                Status::Grace,
            ),
            (
                "last day of grace (30 days)",
                input(d(2027, 1, 30), &t),
                Status::Grace,
            ),
            ("day after grace", input(d(2027, 1, 31), &t), Status::Lapsed),
            (
                "no grace at all",
                StatusInput {
                    grace_days: 0,
                    ..input(d(2027, 1, 1), &t)
                },
                Status::Lapsed,
            ),
            (
                "term not started yet",
                input(d(2025, 12, 31), &t),
                Status::Pending,
            ),
            ("no terms", input(d(2026, 6, 1), &[]), Status::Pending),
            (
                "application pending",
                StatusInput {
                    application: Some(Application::Pending),
                    ..input(d(2026, 6, 1), &[])
                },
                Status::Pending,
            ),
            (
                "application rejected",
                StatusInput {
                    application: Some(Application::Rejected),
                    ..input(d(2026, 6, 1), &[])
                },
                Status::Cancelled,
            ),
            (
                "approved and paid",
                StatusInput {
                    application: Some(Application::Approved),
                    ..input(d(2026, 6, 1), &t)
                },
                Status::Active,
            ),
            (
                "cancelled today",
                StatusInput {
                    cancelled_on: Some(d(2026, 6, 1)),
                    ..input(d(2026, 6, 1), &t)
                },
                Status::Cancelled,
            ),
            (
                "cancellation later",
                StatusInput {
                    cancelled_on: Some(d(2026, 7, 1)),
                    ..input(d(2026, 6, 1), &t)
                },
                Status::Active,
            ),
            (
                "suspended",
                StatusInput {
                    suspended: true,
                    ..input(d(2026, 6, 1), &t)
                },
                Status::Suspended,
            ),
            (
                "override beats everything",
                StatusInput {
                    suspended: true,
                    override_status: Some(Status::Active),
                    ..input(d(2030, 1, 1), &t)
                },
                Status::Active,
            ),
            (
                "seat of an active practice",
                StatusInput {
                    practice_status: Some(Status::Active),
                    ..input(d(2030, 1, 1), &[])
                },
                Status::Active,
            ),
            (
                "seat of a practice in grace",
                StatusInput {
                    practice_status: Some(Status::Grace),
                    ..input(d(2026, 6, 1), &[])
                },
                Status::Grace,
            ),
            (
                "seat whose practice lapsed",
                StatusInput {
                    practice_status: Some(Status::Lapsed),
                    ..input(d(2026, 6, 1), &t)
                },
                Status::Lapsed,
            ),
            (
                "seat whose practice was cancelled",
                StatusInput {
                    practice_status: Some(Status::Cancelled),
                    ..input(d(2026, 6, 1), &[])
                },
                Status::Lapsed,
            ),
            (
                "lifetime term",
                input(d(2090, 1, 1), &lifetime),
                Status::Active,
            ),
        ];
        for (name, case, expected) in cases {
            assert_eq!(status(&case), expected, "{name}");
        }
    }

    #[test]
    fn gap_between_terms_counts_from_the_latest_end() {
        let d = date;
        let terms = [year(d(2024, 1, 1)), year(d(2026, 1, 1))];
        assert_eq!(status(&input(d(2025, 1, 15), &terms)), Status::Grace);
        assert_eq!(status(&input(d(2025, 6, 1), &terms)), Status::Lapsed);
        assert_eq!(
            status(&input(d(2026, 6, 1), &terms)),
            Status::Active,
            "renewing restores the privileges"
        );
        assert!(Status::Grace.has_privileges() && !Status::Lapsed.has_privileges());
    }

    #[test]
    fn midnight_is_the_societys_midnight() {
        use crate::Clock;
        use crate::time::FixedClock;
        let terms = [year(date(2026, 1, 1))];
        let zone = "America/New_York";
        // 04:59 UTC on 1 January is still 31 December in New York.
        let before = FixedClock::at_rfc3339("2027-01-01T04:59:59Z")
            .now()
            .local_date(zone);
        let after = FixedClock::at_rfc3339("2027-01-01T05:00:00Z")
            .now()
            .local_date(zone);
        let grace0 = |today| StatusInput {
            grace_days: 0,
            ..input(today, &terms)
        };
        assert_eq!(status(&grace0(before)), Status::Active);
        assert_eq!(status(&grace0(after)), Status::Lapsed);
    }
}
