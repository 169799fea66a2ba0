//! Cancelling registrations, as rules: whether a registrant may still cancel themselves, what
//! they get back under their type's policy, and the words the confirmation page shows.
//!
//! The deadline (`cancel_until_hours` before the event starts) protects the seats of people who
//! hold them: it applies to a confirmed registration. Someone on the waitlist, with an offer
//! they have not taken, or with a seat held for a payment they have not made may withdraw until
//! the event starts, since nothing was paid and the seat goes to the next person.

use crate::events::CancelPolicy;
use crate::money::Cents;
use crate::registration::RegStatus;
use crate::time::Timestamp;

/// What a registrant gets back when they cancel themselves.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum MoneyBack {
    /// The amount paid goes back to the card or account it came from.
    Refund(Cents),
    /// The amount paid stays with the society as a credit (a credit memo on the invoice).
    Credit(Cents),
    /// The type's policy keeps what was paid.
    Kept(Cents),
    /// Nothing was paid.
    NothingPaid,
}

impl MoneyBack {
    /// What the policy gives back for `net_paid` (payments less refunds so far).
    pub fn under(policy: CancelPolicy, net_paid: Cents) -> MoneyBack {
        if net_paid.0 <= 0 {
            return MoneyBack::NothingPaid;
        }
        match policy {
            CancelPolicy::Refund => MoneyBack::Refund(net_paid),
            CancelPolicy::Credit => MoneyBack::Credit(net_paid),
            CancelPolicy::None => MoneyBack::Kept(net_paid),
        }
    }

    /// One sentence for the confirmation page and the mail.
    pub fn words(self) -> String {
        match self {
            MoneyBack::Refund(c) => format!(
                "We will refund the {c} you paid to the card or account you paid with; it can take a few days to reach you."
            ),
            MoneyBack::Credit(c) => format!(
                "The {c} you paid is not refunded: it stays with the society as a credit on your invoice, toward a later registration or your dues."
            ),
            MoneyBack::Kept(c) => format!(
                "This registration type does not give money back: the {c} you paid is not refunded."
            ),
            MoneyBack::NothingPaid => {
                "Nothing has been paid, so there is nothing to refund.".into()
            }
        }
    }
}

/// Whether a registrant may cancel themselves now.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SelfCancel {
    Allowed {
        /// Until when (None: until the event starts).
        deadline: Option<Timestamp>,
        back: MoneyBack,
    },
    /// The deadline has passed: it closed at this instant.
    TooLate { closed_at: Timestamp },
    /// Already cancelled or lapsed: nothing to cancel.
    NotLive,
}

/// The instant self-cancellation closes: `hours` before the start (never after it).
pub fn deadline(starts_at: Timestamp, hours: i64) -> Timestamp {
    starts_at.plus_seconds(-hours.max(0) * 3600)
}

/// May a registration in `status` be cancelled by its registrant at `now`, and with what back.
pub fn self_cancel(
    status: RegStatus,
    policy: CancelPolicy,
    starts_at: Timestamp,
    cancel_until_hours: i64,
    net_paid: Cents,
    now: Timestamp,
) -> SelfCancel {
    if !status.is_live() {
        return SelfCancel::NotLive;
    }
    let closes = if status == RegStatus::Confirmed {
        deadline(starts_at, cancel_until_hours)
    } else {
        starts_at
    };
    if now >= closes {
        return SelfCancel::TooLate { closed_at: closes };
    }
    SelfCancel::Allowed {
        deadline: (status == RegStatus::Confirmed).then_some(closes),
        back: MoneyBack::under(policy, net_paid),
    }
}

/// What staff may move a registration between: live ones only, to another type of the same
/// event.
pub fn can_move(status: RegStatus) -> bool {
    status.is_live()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ts(s: &str) -> Timestamp {
        Timestamp::from_jiff(s.parse().unwrap())
    }

    const START: &str = "2026-12-05T13:00:00Z";

    fn run(status: RegStatus, policy: CancelPolicy, paid: i64, now: &str) -> SelfCancel {
        self_cancel(status, policy, ts(START), 48, Cents(paid), ts(now))
    }

    #[test]
    fn the_deadline_is_hours_before_the_start() {
        assert_eq!(deadline(ts(START), 48), ts("2026-12-03T13:00:00Z"));
        assert_eq!(deadline(ts(START), 0), ts(START));
        assert_eq!(deadline(ts(START), -5), ts(START), "never after the start");
    }

    #[test]
    fn confirmed_registrations_cancel_until_the_deadline_by_policy() {
        let before = "2026-12-03T12:59:59Z";
        assert_eq!(
            run(RegStatus::Confirmed, CancelPolicy::Refund, 20_000, before),
            SelfCancel::Allowed {
                deadline: Some(ts("2026-12-03T13:00:00Z")),
                back: MoneyBack::Refund(Cents(20_000)),
            }
        );
        assert!(matches!(
            run(RegStatus::Confirmed, CancelPolicy::Credit, 20_000, before),
            SelfCancel::Allowed {
                back: MoneyBack::Credit(Cents(20_000)),
                ..
            }
        ));
        assert!(matches!(
            run(RegStatus::Confirmed, CancelPolicy::None, 20_000, before),
            SelfCancel::Allowed {
                back: MoneyBack::Kept(Cents(20_000)),
                ..
            }
        ));
        assert!(matches!(
            run(RegStatus::Confirmed, CancelPolicy::Refund, 0, before),
            SelfCancel::Allowed {
                back: MoneyBack::NothingPaid,
                ..
            }
        ));
        assert_eq!(
            run(
                RegStatus::Confirmed,
                CancelPolicy::Refund,
                20_000,
                "2026-12-03T13:00:00Z"
            ),
            SelfCancel::TooLate {
                closed_at: ts("2026-12-03T13:00:00Z")
            }
        );
    }

    #[test]
    fn the_waitlisted_and_unpaid_may_withdraw_until_the_start() {
        let late = "2026-12-05T12:00:00Z";
        for status in [RegStatus::Waitlisted, RegStatus::Offered, RegStatus::Held] {
            assert_eq!(
                run(status, CancelPolicy::None, 0, late),
                SelfCancel::Allowed {
                    deadline: None,
                    back: MoneyBack::NothingPaid
                },
                "{status:?}"
            );
            assert_eq!(
                run(status, CancelPolicy::None, 0, START),
                SelfCancel::TooLate {
                    closed_at: ts(START)
                }
            );
        }
    }

    #[test]
    fn cancelled_and_expired_have_nothing_to_cancel() {
        for status in [RegStatus::Cancelled, RegStatus::Expired] {
            assert_eq!(
                run(status, CancelPolicy::Refund, 100, "2026-11-01T00:00:00Z"),
                SelfCancel::NotLive
            );
            assert!(!can_move(status));
        }
        assert!(can_move(RegStatus::Confirmed));
    }

    #[test]
    fn the_words_name_the_amount() {
        assert!(MoneyBack::Refund(Cents(20_000)).words().contains("$200.00"));
        assert!(MoneyBack::Credit(Cents(5_050)).words().contains("credit"));
        assert!(MoneyBack::Kept(Cents(100)).words().contains("not refunded"));
    }
}
