//! Joining and renewing, as rules: which professions a level is open to, whose NPI is required,
//! how a joiner pays, what the first or the next term costs (shown before payment), what the
//! thanks page may honestly say, and the keys that let a repeated submit find the invoice it
//! already issued.

use std::fmt::Display;

use jiff::civil::Date;

use crate::membership::{self, RenewalAnchor, RenewalPeriod, Term};
use crate::money::Cents;
use crate::people::Profession;

/// The professions a level's comma-separated list names (unknown words are ignored). An empty
/// list means anyone may join.
pub fn professions_of(list: &str) -> Vec<Profession> {
    list.split(',')
        .filter_map(|p| Profession::parse(p.trim()))
        .collect()
}

/// Whether a level whose list is `list` is open to `profession`.
pub fn open_to(list: &str, profession: Profession) -> bool {
    let allowed = professions_of(list);
    allowed.is_empty() || allowed.contains(&profession)
}

/// "Physician or Fellow in training", for a level's description; None when open to anyone.
pub fn open_to_words(list: &str) -> Option<String> {
    let labels: Vec<&str> = professions_of(list)
        .into_iter()
        .map(|p| p.label())
        .collect();
    match labels.as_slice() {
        [] => None,
        [one] => Some(one.to_string()),
        [rest @ .., last] => Some(format!("{} or {last}", rest.join(", "))),
    }
}

/// Clinicians who prescribe (and fellows, who have their own NPI) must give their NPI when they
/// join; pharmacists, nurses, administrators and others may leave it out.
pub fn npi_required(profession: Profession) -> bool {
    matches!(
        profession,
        Profession::Physician
            | Profession::Fellow
            | Profession::NursePractitioner
            | Profession::PhysicianAssistant
    )
}

/// How a joiner (or a renewing member) chose to pay.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum PayBy {
    /// On the processor's hosted page, by card.
    Card,
    /// On the processor's hosted page, by US bank account (ACH).
    BankAccount,
    /// "Send me an invoice": pay later by check, or online from the portal.
    Invoice,
}

impl PayBy {
    pub const ALL: [PayBy; 3] = [PayBy::Card, PayBy::BankAccount, PayBy::Invoice];

    pub fn as_str(self) -> &'static str {
        match self {
            PayBy::Card => "card",
            PayBy::BankAccount => "ach",
            PayBy::Invoice => "invoice",
        }
    }

    pub fn parse(text: &str) -> Option<PayBy> {
        PayBy::ALL.into_iter().find(|p| p.as_str() == text.trim())
    }

    pub fn label(self) -> &'static str {
        match self {
            PayBy::Card => "Card",
            PayBy::BankAccount => "US bank account (ACH)",
            PayBy::Invoice => "Send me an invoice",
        }
    }

    /// Paid on the processor's hosted page now (rather than by invoice later).
    pub fn is_online(self) -> bool {
        self != PayBy::Invoice
    }

    /// The processor's payment method type for the hosted page ("card", "us_bank_account").
    pub fn method_type(self) -> Option<&'static str> {
        match self {
            PayBy::Card => Some("card"),
            PayBy::BankAccount => Some("us_bank_account"),
            PayBy::Invoice => None,
        }
    }
}

/// A term and its price, as shown before payment.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Quote {
    pub term: Term,
    /// What is charged for this term.
    pub amount: Cents,
    /// The level's fee for a full term.
    pub full_fee: Cents,
}

impl Quote {
    pub fn is_prorated(&self) -> bool {
        self.amount != self.full_fee
    }

    pub fn is_free(&self) -> bool {
        self.amount.0 <= 0
    }
}

/// The first term of someone joining on `joined`, and its price: prorated by whole months where
/// the level prorates (fixed-day levels only), else the full fee.
pub fn first_term_quote(
    joined: Date,
    fee: Cents,
    period: RenewalPeriod,
    anchor: RenewalAnchor,
    prorate: bool,
) -> Quote {
    let term = membership::first_term(joined, period, anchor);
    let amount = if prorate && matches!(anchor, RenewalAnchor::FixedDay { .. }) {
        membership::prorated_fee(fee, &term, period)
    } else {
        fee
    };
    Quote {
        term,
        amount,
        full_fee: fee,
    }
}

/// The term a renewal buys and its price. A membership that still has its privileges (active
/// or in grace) continues from its latest term at the full fee, so renewing early never shortens
/// a term; one that lapsed (or never had a term) starts afresh today, priced like a first term.
/// None for a level that never renews.
pub fn renewal_quote(
    terms: &[Term],
    continuing: bool,
    today: Date,
    fee: Cents,
    period: RenewalPeriod,
    anchor: RenewalAnchor,
    prorate: bool,
) -> Option<Quote> {
    period.months()?;
    let latest = terms.iter().max_by_key(|t| t.start);
    match latest {
        Some(latest) if continuing => {
            let term = membership::next_term(latest, period)?;
            Some(Quote {
                term,
                amount: fee,
                full_fee: fee,
            })
        }
        _ => Some(first_term_quote(today, fee, period, anchor, prorate)),
    }
}

/// The dedup key of a renewal invoice: one per membership and term, so two submits (or the
/// portal and the daily run) issue one invoice.
pub fn renewal_key(membership: impl Display, term_start: Date) -> String {
    format!("renew:{membership}:{term_start}")
}

/// The dedup key of a practice's renewal invoice: one per practice and term, so the daily run,
/// the renewal page and a repeated submit issue one invoice.
pub fn practice_renewal_key(practice: impl Display, term_start: Date) -> String {
    format!("practice-renew:{practice}:{term_start}")
}

/// The dedup key of the first dues invoice issued when someone joins.
pub fn join_key(membership: impl Display) -> String {
    format!("join:{membership}")
}

/// The dedup key of the dues invoice issued when staff approve an unpaid application.
pub fn approval_key(membership: impl Display) -> String {
    format!("approval:{membership}")
}

/// What the page after joining may say. It never claims a payment the processor's signed
/// webhook has not confirmed yet.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum AfterJoin {
    /// Active: paid (or free), nothing left to do but confirm the email address.
    Member,
    /// Paid; staff review the application before the membership starts.
    PaidAwaitingApproval,
    /// Nothing to pay yet (a free level, or dues invoiced on approval); staff review it.
    AwaitingApproval,
    /// Back from the hosted page, but no confirmation has arrived yet.
    ConfirmingPayment,
    /// A bank (ACH) payment is on its way; it takes a few days.
    BankPaymentOnItsWay,
    /// The bank returned the payment; the invoice is still open.
    PaymentFailed,
    /// The dues invoice was emailed; nothing was paid online.
    InvoiceEmailed,
}

/// Where a new member stands. `invoice_paid` is None without a dues invoice; `checkout` is the
/// latest hosted-page session's state for it ("open", "processing", "paid", "failed"), if any.
pub fn after_join(
    active: bool,
    application_pending: bool,
    invoice_paid: Option<bool>,
    checkout: Option<&str>,
) -> AfterJoin {
    if active {
        return AfterJoin::Member;
    }
    match (invoice_paid, checkout) {
        (Some(true), _) if application_pending => AfterJoin::PaidAwaitingApproval,
        // Paid but not active yet (staff decide next, or the status catches up): never a claim
        // of membership, only of the payment.
        (Some(true), _) => AfterJoin::PaidAwaitingApproval,
        (None, _) => AfterJoin::AwaitingApproval,
        (Some(false), Some("processing")) => AfterJoin::BankPaymentOnItsWay,
        (Some(false), Some("failed")) => AfterJoin::PaymentFailed,
        (Some(false), Some(_)) => AfterJoin::ConfirmingPayment,
        (Some(false), None) => AfterJoin::InvoiceEmailed,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use jiff::civil::date;

    #[test]
    fn levels_are_open_to_the_professions_they_list() {
        assert!(
            open_to("", Profession::Pharmacist),
            "an empty list is anyone"
        );
        let np = "nurse_practitioner, physician_assistant,pharmacist";
        assert!(open_to(np, Profession::Pharmacist));
        assert!(open_to(np, Profession::PhysicianAssistant));
        assert!(!open_to(np, Profession::Physician));
        assert!(
            open_to("physician,unknown", Profession::Physician),
            "unknown words ignored"
        );
        assert_eq!(open_to_words(""), None);
        assert_eq!(open_to_words("physician").as_deref(), Some("Physician"));
        assert_eq!(
            open_to_words(np).as_deref(),
            Some("Nurse practitioner, Physician assistant or Pharmacist")
        );
    }

    #[test]
    fn prescribers_give_their_npi() {
        assert!(npi_required(Profession::Physician));
        assert!(npi_required(Profession::NursePractitioner));
        assert!(!npi_required(Profession::Pharmacist));
        assert!(!npi_required(Profession::Administrator));
    }

    #[test]
    fn pay_choices_round_trip() {
        for p in PayBy::ALL {
            assert_eq!(PayBy::parse(p.as_str()), Some(p));
        }
        assert_eq!(PayBy::parse("bitcoin"), None);
        assert_eq!(PayBy::BankAccount.method_type(), Some("us_bank_account"));
        assert!(!PayBy::Invoice.is_online());
    }

    #[test]
    fn first_terms_are_prorated_only_on_fixed_day_levels_that_say_so() {
        let fixed = RenewalAnchor::FixedDay { month: 1, day: 1 };
        let year = RenewalPeriod::Years(1);
        // Joining 21 November for a 1 January renewal: November and December, 2 of 12 months.
        let q = first_term_quote(date(2026, 11, 21), Cents(36_000), year, fixed, true);
        assert_eq!(q.term.end, Some(date(2026, 12, 31)));
        assert_eq!(q.amount, Cents(6_000));
        assert!(q.is_prorated() && !q.is_free());
        // Half-up to the cent: $350 × 2/12 = $58.333… → $58.33.
        let q = first_term_quote(date(2026, 11, 21), Cents(35_000), year, fixed, true);
        assert_eq!(q.amount, Cents(5_833));
        // Not prorating: the full fee for the short term.
        let q = first_term_quote(date(2026, 11, 21), Cents(35_000), year, fixed, false);
        assert_eq!(q.amount, Cents(35_000));
        // Anniversary levels never prorate: a full year from the join date.
        let q = first_term_quote(
            date(2026, 11, 21),
            Cents(35_000),
            year,
            RenewalAnchor::Anniversary,
            true,
        );
        assert_eq!(
            (q.term.end, q.amount),
            (Some(date(2027, 11, 20)), Cents(35_000))
        );
        assert!(first_term_quote(date(2026, 1, 5), Cents(0), year, fixed, true).is_free());
    }

    #[test]
    fn renewals_continue_from_the_latest_term_or_start_afresh_after_a_lapse() {
        let year = RenewalPeriod::Years(1);
        let anniversary = RenewalAnchor::Anniversary;
        let terms = [
            Term {
                start: date(2024, 3, 1),
                end: Some(date(2025, 2, 28)),
            },
            Term {
                start: date(2025, 3, 1),
                end: Some(date(2026, 2, 28)),
            },
        ];
        let today = date(2026, 2, 10);
        // Early (still active): from the day after the latest end, full fee.
        let q =
            renewal_quote(&terms, true, today, Cents(35_000), year, anniversary, false).unwrap();
        assert_eq!(
            (q.term.start, q.term.end, q.amount),
            (date(2026, 3, 1), Some(date(2027, 2, 28)), Cents(35_000))
        );
        // Lapsed: a fresh term from today.
        let q = renewal_quote(
            &terms,
            false,
            date(2026, 6, 2),
            Cents(35_000),
            year,
            anniversary,
            false,
        )
        .unwrap();
        assert_eq!(q.term.start, date(2026, 6, 2));
        // A lapsed fixed-day member who renews mid-year pays the prorated part.
        let fixed = RenewalAnchor::FixedDay { month: 1, day: 1 };
        let q = renewal_quote(
            &terms,
            false,
            date(2026, 7, 15),
            Cents(36_000),
            year,
            fixed,
            true,
        )
        .unwrap();
        assert_eq!(
            (q.term.end, q.amount),
            (Some(date(2026, 12, 31)), Cents(18_000))
        );
        // Lifetime levels never renew.
        assert_eq!(
            renewal_quote(
                &terms,
                true,
                today,
                Cents(0),
                RenewalPeriod::Never,
                anniversary,
                false
            ),
            None
        );
        assert_eq!(
            renewal_key("m1", date(2026, 3, 1)),
            "renew:m1:2026-03-01",
            "one key per membership and term"
        );
        assert_eq!(
            practice_renewal_key("p1", date(2026, 3, 1)),
            "practice-renew:p1:2026-03-01",
            "and per practice and term, never equal to a membership's"
        );
    }

    #[test]
    fn the_thanks_page_never_claims_an_unconfirmed_payment() {
        use AfterJoin::*;
        let cases = [
            // (active, application pending, invoice paid, checkout state, answer)
            (true, false, Some(true), Some("paid"), Member),
            (true, false, None, None, Member),
            (false, false, Some(false), Some("open"), ConfirmingPayment),
            (false, true, Some(false), Some("open"), ConfirmingPayment),
            (
                false,
                false,
                Some(false),
                Some("processing"),
                BankPaymentOnItsWay,
            ),
            (false, false, Some(false), Some("failed"), PaymentFailed),
            (false, true, Some(true), Some("paid"), PaidAwaitingApproval),
            (false, true, None, None, AwaitingApproval),
            (false, false, Some(false), None, InvoiceEmailed),
            (false, true, Some(false), None, InvoiceEmailed),
        ];
        for (active, pending, paid, checkout, expected) in cases {
            assert_eq!(
                after_join(active, pending, paid, checkout),
                expected,
                "{active} {pending} {paid:?} {checkout:?}"
            );
        }
    }
}
