//! Practices that pay for their clinicians, as pure functions: what each seat costs, what a
//! colleague added mid-term adds to the practice's next invoice, and the seat limit.
//!
//! A practice's annual amount is the sum over its seats of the level's rate for each clinician's
//! profession. A colleague added after the practice's current term began is charged for the
//! whole months left in that term (the month of adding counts as whole), rounded half-up to the
//! cent, through [`crate::membership::prorated_fee`].

use jiff::civil::Date;

use crate::joining::first_term_quote;
use crate::level_rules::{Profession, RateTable};
use crate::membership::{
    RenewalAnchor, RenewalPeriod, Status, StatusInput, Term, first_term, months_covered, next_term,
    prorated_fee, status,
};
use crate::money::Cents;
use crate::{MembershipId, PersonId};

/// One seat as the charge rules see it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Seat {
    pub membership: MembershipId,
    pub person: PersonId,
    pub name: String,
    pub profession: Profession,
    pub added_on: Date,
    /// The last day already invoiced for this seat (None: never invoiced).
    pub billed_through: Option<Date>,
}

/// One line the billing code turns into an invoice line: who, at which rate, for how long.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PracticeCharge {
    pub membership: MembershipId,
    pub person: PersonId,
    pub name: String,
    pub profession: Profession,
    /// The full rate for one period.
    pub rate: Cents,
    /// Whole months charged when prorated; None for a full period.
    pub months: Option<i32>,
    pub amount: Cents,
}

impl PracticeCharge {
    /// "Dr Ada Lovelace (Physician)", "… prorated for 4 months".
    pub fn description(&self) -> String {
        match self.months {
            Some(m) => format!(
                "{} ({}), prorated for {m} month{}",
                self.name,
                self.profession.label(),
                if m == 1 { "" } else { "s" }
            ),
            None => format!("{} ({})", self.name, self.profession.label()),
        }
    }
}

/// The full-period charge for every seat: the practice's renewal invoice.
pub fn annual_charges(seats: &[Seat], rates: &RateTable) -> Vec<PracticeCharge> {
    seats
        .iter()
        .map(|s| {
            let rate = rates.rate_for(s.profession);
            PracticeCharge {
                membership: s.membership,
                person: s.person,
                name: s.name.clone(),
                profession: s.profession,
                rate,
                months: None,
                amount: rate,
            }
        })
        .collect()
}

pub fn total(charges: &[PracticeCharge]) -> Cents {
    Cents(charges.iter().map(|c| c.amount.0).sum())
}

/// What one colleague added on `added_on` costs for the rest of `term` (the practice's current
/// term): the rate for whole months remaining, or the full rate when added on or before the
/// term's first day. A term that never ends charges the full rate.
pub fn seat_charge_for_rest_of_term(
    rate: Cents,
    added_on: Date,
    term: &Term,
    period: RenewalPeriod,
) -> (Cents, Option<i32>) {
    if added_on <= term.start || term.end.is_none() || period.months().is_none() {
        return (rate, None);
    }
    let rest = Term {
        start: added_on,
        end: term.end,
    };
    let months = months_covered(&rest);
    let full = period.months();
    match (months, full) {
        (Some(m), Some(f)) if m < f => (prorated_fee(rate, &rest, period), Some(m)),
        _ => (rate, None),
    }
}

/// The seats the practice's next invoice must still charge for `term` (its current term):
/// colleagues added after the term began and not yet invoiced through its end, each prorated.
pub fn pending_charges(
    seats: &[Seat],
    rates: &RateTable,
    term: &Term,
    period: RenewalPeriod,
) -> Vec<PracticeCharge> {
    seats
        .iter()
        .filter(|s| s.added_on > term.start && term.covers(s.added_on))
        .filter(|s| match (s.billed_through, term.end) {
            (Some(billed), Some(end)) => billed < end,
            (Some(_), None) => false,
            (None, _) => true,
        })
        .map(|s| {
            let rate = rates.rate_for(s.profession);
            let (amount, months) = seat_charge_for_rest_of_term(rate, s.added_on, term, period);
            PracticeCharge {
                membership: s.membership,
                person: s.person,
                name: s.name.clone(),
                profession: s.profession,
                rate,
                months,
                amount,
            }
        })
        .collect()
}

/// One clinician on a joining practice's first invoice.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct JoinCharge {
    pub name: String,
    pub profession: Profession,
    /// The level's full rate for the profession, for one period.
    pub rate: Cents,
    /// Whole months charged when the first term is prorated; None for a full period.
    pub months: Option<i32>,
    pub amount: Cents,
}

/// A joining practice's first term and what each clinician costs for it: their profession's
/// rate, prorated by whole months where the level prorates (fixed-day levels only), exactly as
/// a member joining that level would be charged. Fellows (a zero rate) are lines at no charge.
pub fn join_charges(
    clinicians: &[(String, Profession)],
    rates: &RateTable,
    joined: Date,
    period: RenewalPeriod,
    anchor: RenewalAnchor,
    prorate: bool,
) -> (Term, Vec<JoinCharge>) {
    let term = first_term(joined, period, anchor);
    let charges = clinicians
        .iter()
        .map(|(name, profession)| {
            let rate = rates.rate_for(*profession);
            let quote = first_term_quote(joined, rate, period, anchor, prorate);
            JoinCharge {
                name: name.clone(),
                profession: *profession,
                rate,
                months: quote
                    .is_prorated()
                    .then(|| months_covered(&quote.term))
                    .flatten(),
                amount: quote.amount,
            }
        })
        .collect();
    (term, charges)
}

pub fn join_total(charges: &[JoinCharge]) -> Cents {
    Cents(charges.iter().map(|c| c.amount.0).sum())
}

/// The words refusing a joining practice that lists more clinicians than its level covers.
pub fn join_seat_limit_message(level: &str, limit: i64, listed: usize) -> String {
    format!(
        "The {level} level covers up to {limit} clinician{}, and you listed {listed}. Remove {} row{}, or contact the society's office about a larger group.",
        if limit == 1 { "" } else { "s" },
        listed as i64 - limit,
        if listed as i64 - limit == 1 { "" } else { "s" },
    )
}

/// Whether one more seat fits (no limit: always).
pub fn seat_available(used: i64, limit: Option<i64>) -> bool {
    limit.is_none_or(|limit| used < limit)
}

/// The words refusing a seat beyond the limit.
pub fn seat_limit_message(limit: i64) -> String {
    format!(
        "The practice's membership covers {limit} clinician{}, and all are taken. Remove a colleague first, or contact the society's office to change your practice's level.",
        if limit == 1 { "" } else { "s" }
    )
}

/// A practice's status from its own terms: the same rules as a member's, without an
/// application, cancellation or seat of its own.
pub fn practice_status(today: Date, terms: &[Term], grace_days: u16) -> Status {
    status(&StatusInput {
        today,
        terms,
        application: None,
        cancelled_on: None,
        suspended: false,
        override_status: None,
        practice_status: None,
        grace_days,
    })
}

/// The term a practice's renewal buys: while the practice still has its privileges (active or in
/// grace) it continues from the latest term, so paying early never shortens a term; after a
/// lapse (or with no term yet) it starts afresh today. None when the practice holds a term of a
/// level that never renews (a first term of such a level has no end).
pub fn renewal_term(
    terms: &[Term],
    today: Date,
    grace_days: u16,
    period: RenewalPeriod,
    anchor: RenewalAnchor,
) -> Option<Term> {
    let latest = terms.iter().max_by_key(|t| t.start);
    match latest {
        Some(latest) if practice_status(today, terms, grace_days).has_privileges() => {
            next_term(latest, period)
        }
        _ => Some(first_term(today, period, anchor)),
    }
}

/// The practice's latest term (the one a renewal continues from).
pub fn latest_term(terms: &[Term]) -> Option<Term> {
    terms.iter().max_by_key(|t| t.start).copied()
}

/// The practice term covering `today`, if any (the term a colleague added today joins).
pub fn current_term(terms: &[Term], today: Date) -> Option<Term> {
    terms
        .iter()
        .filter(|t| t.covers(today))
        .max_by_key(|t| t.start)
        .copied()
}

/// A US state or territory as two capital letters ("tx" → "TX"); None if it is not two letters.
pub fn normalize_state(text: &str) -> Option<String> {
    let text = text.trim();
    (text.len() == 2 && text.chars().all(|c| c.is_ascii_alphabetic()))
        .then(|| text.to_ascii_uppercase())
}

/// A US ZIP code: five digits, optionally a hyphen and four more.
pub fn is_valid_zip(text: &str) -> bool {
    let text = text.trim();
    let (five, four) = text.split_once('-').unwrap_or((text, ""));
    five.len() == 5
        && five.chars().all(|c| c.is_ascii_digit())
        && (text.len() == 5 || (four.len() == 4 && four.chars().all(|c| c.is_ascii_digit())))
}

#[cfg(test)]
mod tests {
    use super::*;
    use jiff::civil::date;

    fn rates() -> RateTable {
        RateTable {
            fee: Cents(40_000),
            rates: vec![
                (Profession::Physician, Cents(35_000)),
                (Profession::NursePractitioner, Cents(15_000)),
                (Profession::PhysicianAssistant, Cents(15_000)),
                (Profession::Pharmacist, Cents(12_500)),
                (Profession::Fellow, Cents(0)),
            ],
        }
    }

    fn seat(name: &str, profession: Profession, added_on: Date) -> Seat {
        Seat {
            membership: MembershipId::new(),
            person: PersonId::new(),
            name: name.into(),
            profession,
            added_on,
            billed_through: None,
        }
    }

    fn year_2027() -> Term {
        first_term(
            date(2027, 1, 1),
            RenewalPeriod::Years(1),
            RenewalAnchor::FixedDay { month: 1, day: 1 },
        )
    }

    #[test]
    fn the_annual_amount_is_each_clinicians_rate() {
        let start = date(2026, 12, 1);
        let seats = [
            seat("Dr A", Profession::Physician, start),
            seat("Dr B", Profession::Physician, start),
            seat("C, NP", Profession::NursePractitioner, start),
            seat("D, PharmD", Profession::Pharmacist, start),
            seat("Dr E", Profession::Fellow, start),
            seat("F", Profession::Nurse, start),
        ];
        let charges = annual_charges(&seats, &rates());
        assert_eq!(charges[4].amount, Cents(0), "fellows free");
        assert_eq!(
            charges[5].amount,
            Cents(40_000),
            "no rate of its own: the fee"
        );
        assert_eq!(
            total(&charges),
            Cents(35_000 * 2 + 15_000 + 12_500 + 40_000)
        );
        assert!(charges.iter().all(|c| c.months.is_none()));
        assert_eq!(charges[2].description(), "C, NP (Nurse practitioner)");
    }

    #[test]
    fn a_colleague_added_mid_term_is_prorated_by_whole_months_half_up() {
        let term = year_2027();
        let period = RenewalPeriod::Years(1);
        // Added 15 September: September to December, 4 of 12 months.
        assert_eq!(
            seat_charge_for_rest_of_term(Cents(35_000), date(2027, 9, 15), &term, period),
            (Cents(11_667), Some(4)),
            "350 × 4/12 = 116.666… rounds up"
        );
        // Added 1 August: 5 months of $150 = $62.50.
        assert_eq!(
            seat_charge_for_rest_of_term(Cents(15_000), date(2027, 8, 1), &term, period),
            (Cents(6_250), Some(5))
        );
        // Added on the first day, or before the term: the full rate.
        assert_eq!(
            seat_charge_for_rest_of_term(Cents(35_000), date(2027, 1, 1), &term, period),
            (Cents(35_000), None)
        );
        // Added on 10 January: all 12 months, so not prorated.
        assert_eq!(
            seat_charge_for_rest_of_term(Cents(35_000), date(2027, 1, 10), &term, period),
            (Cents(35_000), None)
        );
        // Added in the last month: one month.
        assert_eq!(
            seat_charge_for_rest_of_term(Cents(12_500), date(2027, 12, 31), &term, period),
            (Cents(1_042), Some(1))
        );
        // An anniversary term from 1 July: added 20 February is February to June, 5 months.
        let july = first_term(date(2026, 7, 1), period, RenewalAnchor::Anniversary);
        assert_eq!(
            seat_charge_for_rest_of_term(Cents(35_000), date(2027, 2, 20), &july, period),
            (Cents(14_583), Some(5))
        );
    }

    #[test]
    fn pending_charges_skip_seats_covered_by_the_terms_invoice_and_ones_already_billed() {
        let term = year_2027();
        let period = RenewalPeriod::Years(1);
        let mut billed = seat("Billed", Profession::Physician, date(2027, 3, 5));
        billed.billed_through = Some(date(2027, 12, 31));
        let mut billed_last_year = seat("Old", Profession::Physician, date(2027, 4, 5));
        billed_last_year.billed_through = Some(date(2026, 12, 31));
        let seats = [
            seat("At start", Profession::Physician, date(2026, 12, 20)),
            seat("New NP", Profession::NursePractitioner, date(2027, 9, 2)),
            seat("New fellow", Profession::Fellow, date(2027, 9, 2)),
            billed,
            billed_last_year,
        ];
        let charges = pending_charges(&seats, &rates(), &term, period);
        let names: Vec<&str> = charges.iter().map(|c| c.name.as_str()).collect();
        assert_eq!(names, vec!["New NP", "New fellow", "Old"]);
        assert_eq!(charges[0].amount, Cents(5_000));
        assert_eq!(charges[1].amount, Cents(0));
        assert_eq!(charges[2].months, Some(9));
        assert_eq!(
            charges[0].description(),
            "New NP (Nurse practitioner), prorated for 4 months"
        );
    }

    #[test]
    fn a_practice_has_a_status_like_a_member_and_addresses_normalise() {
        let terms = [year_2027()];
        assert_eq!(
            practice_status(date(2027, 6, 1), &terms, 30),
            Status::Active
        );
        assert_eq!(
            practice_status(date(2028, 1, 30), &terms, 30),
            Status::Grace
        );
        assert_eq!(
            practice_status(date(2028, 1, 31), &terms, 30),
            Status::Lapsed
        );
        assert_eq!(practice_status(date(2027, 6, 1), &[], 30), Status::Pending);
        assert_eq!(current_term(&terms, date(2027, 6, 1)), Some(terms[0]));
        assert_eq!(current_term(&terms, date(2028, 1, 1)), None);
        assert_eq!(normalize_state(" tx "), Some("TX".into()));
        assert_eq!(normalize_state("Texas"), None);
        assert!(is_valid_zip("78701") && is_valid_zip("78701-1234"));
        assert!(!is_valid_zip("7870") && !is_valid_zip("78701-12") && !is_valid_zip("abcde"));
    }

    #[test]
    fn a_renewal_continues_the_latest_term_until_the_practice_lapses() {
        let period = RenewalPeriod::Years(1);
        let anchor = RenewalAnchor::FixedDay { month: 1, day: 1 };
        let terms = [year_2027()];
        let next = Term {
            start: date(2028, 1, 1),
            end: Some(date(2028, 12, 31)),
        };
        // Early, on the last day, and in grace: the next year.
        for today in [date(2027, 11, 2), date(2027, 12, 31), date(2028, 1, 30)] {
            assert_eq!(
                renewal_term(&terms, today, 30, period, anchor),
                Some(next),
                "{today}"
            );
        }
        // Lapsed: afresh from today, to the next renewal day.
        assert_eq!(
            renewal_term(&terms, date(2028, 3, 10), 30, period, anchor),
            Some(Term {
                start: date(2028, 3, 10),
                end: Some(date(2028, 12, 31)),
            })
        );
        // No term yet: from today.
        assert_eq!(
            renewal_term(&[], date(2027, 5, 1), 30, period, anchor).map(|t| t.start),
            Some(date(2027, 5, 1))
        );
        // A level that never renews: a first term without an end, then nothing to renew.
        assert_eq!(
            renewal_term(&[], date(2027, 6, 1), 30, RenewalPeriod::Never, anchor),
            Some(Term {
                start: date(2027, 6, 1),
                end: None,
            })
        );
        assert_eq!(
            renewal_term(&terms, date(2027, 6, 1), 30, RenewalPeriod::Never, anchor),
            None
        );
        assert_eq!(latest_term(&terms), Some(terms[0]));
        assert_eq!(latest_term(&[]), None);
    }

    #[test]
    fn seat_limits() {
        assert!(seat_available(0, Some(1)));
        assert!(!seat_available(1, Some(1)));
        assert!(seat_available(500, None));
        assert!(seat_limit_message(1).contains("covers 1 clinician,"));
        assert!(seat_limit_message(10).contains("covers 10 clinicians"));
    }

    #[test]
    fn a_joining_practice_pays_each_clinicians_rate_prorated_as_the_level_is() {
        let clinicians = vec![
            ("Dr A".to_string(), Profession::Physician),
            ("B, NP".to_string(), Profession::NursePractitioner),
            ("Dr C".to_string(), Profession::Fellow),
            ("D".to_string(), Profession::Nurse),
        ];
        let period = RenewalPeriod::Years(1);
        // Anniversary: a full year from the day they join, every rate in full.
        let (term, charges) = join_charges(
            &clinicians,
            &rates(),
            date(2026, 11, 21),
            period,
            RenewalAnchor::Anniversary,
            true,
        );
        assert_eq!(term.start, date(2026, 11, 21));
        assert_eq!(term.end, Some(date(2027, 11, 20)));
        let amounts: Vec<i64> = charges.iter().map(|c| c.amount.0).collect();
        assert_eq!(
            amounts,
            vec![35_000, 15_000, 0, 40_000],
            "fellows free, no rate: the fee"
        );
        assert!(charges.iter().all(|c| c.months.is_none()));
        assert_eq!(join_total(&charges), Cents(90_000));

        // Renewing on 1 January and prorating: November and December, 2 of 12 months.
        let january = RenewalAnchor::FixedDay { month: 1, day: 1 };
        let (term, charges) = join_charges(
            &clinicians,
            &rates(),
            date(2026, 11, 21),
            period,
            january,
            true,
        );
        assert_eq!(term.end, Some(date(2026, 12, 31)));
        let amounts: Vec<i64> = charges.iter().map(|c| c.amount.0).collect();
        assert_eq!(amounts, vec![5_833, 2_500, 0, 6_667], "half-up to the cent");
        assert_eq!(charges[0].months, Some(2));
        assert_eq!(
            charges[2].months, None,
            "nothing to prorate for a free seat"
        );
        assert_eq!(charges[0].rate, Cents(35_000));

        // A fixed-day level that does not prorate charges the full rate.
        let (_, charges) = join_charges(
            &clinicians,
            &rates(),
            date(2026, 11, 21),
            period,
            january,
            false,
        );
        assert_eq!(charges[0].amount, Cents(35_000));
    }

    #[test]
    fn a_joining_practice_is_told_how_many_rows_to_remove() {
        assert_eq!(
            join_seat_limit_message("Practice", 2, 3),
            "The Practice level covers up to 2 clinicians, and you listed 3. Remove 1 row, or contact the society's office about a larger group."
        );
        assert!(
            join_seat_limit_message("Solo", 1, 4)
                .contains("up to 1 clinician, and you listed 4. Remove 3 rows")
        );
    }
}
