//! Billing rules as pure functions: line amounts and totals, what is still owed on an invoice,
//! the invoice's state, the lobbying share of dues (IRC 6033(e)), how document numbers are
//! shown, the limits on refunds and credit memos, and the rows QuickBooks Online imports.
//!
//! Documents (invoices, payments, refunds, credit memos) are never changed once written, so an
//! invoice's balance is always computed from them:
//! `balance = total − payments + refunds − credit memos`.

use jiff::civil::Date;

use crate::money::Cents;
use crate::spreadsheet::text_cell;

/// The kinds of numbered document. Each has its own gapless sequence per society.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum DocumentKind {
    Invoice,
    Payment,
    Refund,
    CreditMemo,
}

impl DocumentKind {
    /// The value stored in `document_counter.kind`.
    pub fn as_str(self) -> &'static str {
        match self {
            DocumentKind::Invoice => "invoice",
            DocumentKind::Payment => "payment",
            DocumentKind::Refund => "refund",
            DocumentKind::CreditMemo => "credit_memo",
        }
    }

    /// What a number is prefixed with when shown: `INV-000042`.
    pub fn prefix(self) -> &'static str {
        match self {
            DocumentKind::Invoice => "INV",
            DocumentKind::Payment => "PMT",
            DocumentKind::Refund => "RF",
            DocumentKind::CreditMemo => "CM",
        }
    }

    /// The number as people see it: the prefix and at least six digits.
    pub fn display(self, number: i64) -> String {
        format!("{}-{number:06}", self.prefix())
    }
}

/// `quantity × unit`, or None when it would overflow.
pub fn line_amount(quantity: i64, unit: Cents) -> Option<Cents> {
    quantity.checked_mul(unit.0).map(Cents)
}

/// The sum of line amounts, or None when it would overflow.
pub fn invoice_total(amounts: impl IntoIterator<Item = Cents>) -> Option<Cents> {
    amounts
        .into_iter()
        .try_fold(0i64, |sum, a| sum.checked_add(a.0))
        .map(Cents)
}

/// What has happened to an invoice, summed per kind of document.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct InvoiceAmounts {
    pub total: Cents,
    pub paid: Cents,
    pub refunded: Cents,
    pub credited: Cents,
    /// Voided: cancelled, nothing owed (the documents on it still stand).
    pub voided: bool,
}

/// Where an invoice stands.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum InvoiceState {
    /// Nothing paid or credited yet (or everything paid was refunded).
    Open,
    /// Some paid or credited, some still owed.
    PartlyPaid,
    Paid,
    /// Settled by credit memos alone, nothing paid.
    Credited,
    /// More paid than owed: money to refund.
    Overpaid,
    /// Cancelled: nothing is owed on it.
    Void,
}

impl InvoiceState {
    pub fn as_str(self) -> &'static str {
        match self {
            InvoiceState::Open => "open",
            InvoiceState::PartlyPaid => "partly_paid",
            InvoiceState::Paid => "paid",
            InvoiceState::Credited => "credited",
            InvoiceState::Overpaid => "overpaid",
            InvoiceState::Void => "void",
        }
    }

    /// Words for staff and members.
    pub fn label(self) -> &'static str {
        match self {
            InvoiceState::Open => "Open",
            InvoiceState::PartlyPaid => "Partly paid",
            InvoiceState::Paid => "Paid",
            InvoiceState::Credited => "Credited",
            InvoiceState::Overpaid => "Overpaid",
            InvoiceState::Void => "Void",
        }
    }
}

impl InvoiceAmounts {
    /// Payments less the refunds on them.
    pub fn net_paid(&self) -> Cents {
        Cents(self.paid.0 - self.refunded.0)
    }

    /// What the documents alone leave owed: total − payments + refunds − credit memos,
    /// whether or not the invoice is void (what a payment on it is measured against).
    pub fn document_balance(&self) -> Cents {
        Cents(self.total.0 - self.paid.0 + self.refunded.0 - self.credited.0)
    }

    /// What is still owed: the document balance, or for a void invoice nothing (less any
    /// payment not yet refunded, which is money to give back). Negative when overpaid.
    pub fn balance(&self) -> Cents {
        if self.voided {
            Cents(-self.net_paid().0)
        } else {
            self.document_balance()
        }
    }

    pub fn state(&self) -> InvoiceState {
        if self.voided {
            return InvoiceState::Void;
        }
        let balance = self.balance();
        let net_paid = self.net_paid();
        if balance.0 < 0 {
            InvoiceState::Overpaid
        } else if balance.0 == 0 {
            if net_paid.0 <= 0 && self.credited.0 > 0 {
                InvoiceState::Credited
            } else {
                InvoiceState::Paid
            }
        } else if net_paid.0 > 0 || self.credited.0 > 0 {
            InvoiceState::PartlyPaid
        } else {
            InvoiceState::Open
        }
    }
}

/// Why an invoice cannot be voided, in words, or None. Only an invoice with nothing paid on it
/// may be: money received is settled by refunds and credit memos instead.
pub fn void_problem(amounts: &InvoiceAmounts) -> Option<&'static str> {
    if amounts.voided {
        Some("This invoice is already void.")
    } else if amounts.paid.0 > 0 {
        Some(
            "A payment is recorded on this invoice, so it cannot be voided. Refund the payment or issue a credit memo instead.",
        )
    } else {
        None
    }
}

/// Whether a payment that leaves a void invoice paid in full lifts the void (the invoice is
/// then simply paid): yes, unless it paid for a registration that found no seat, whose money
/// goes back and whose invoice stays void.
pub fn payment_lifts_void(amounts_after: &InvoiceAmounts, refunded_for_no_seat: bool) -> bool {
    amounts_after.voided && amounts_after.document_balance().0 <= 0 && !refunded_for_no_seat
}

/// What a payment receipt (the email) says is left after the payment: the balance still due,
/// paid in full, or, for a payment that arrived for a registration that found no seat, that
/// the payment is refunded (amount and date) and nothing is owed.
pub fn receipt_balance_words(
    balance_after: Cents,
    refunded_for_no_seat: Option<(Cents, Date)>,
) -> String {
    match refunded_for_no_seat {
        Some((amount, on)) => format!(
            "It arrived after the seat hold ended and no seat was free, so your registration was \
             not kept: the payment, {amount}, is refunded in full (refund issued {}). No balance \
             is due.",
            on.strftime("%B %-d, %Y")
        ),
        None if balance_after.0 > 0 => format!("The balance still due is {balance_after}."),
        None => "This invoice is now paid in full.".to_string(),
    }
}

/// The share of `dues` not deductible because of the society's lobbying (IRC 6033(e)):
/// `basis_points` of 10,000, rounded half-up to the cent, clamped to 0..=dues.
pub fn nondeductible_share(dues: Cents, basis_points: i64) -> Cents {
    let bp = basis_points.clamp(0, 10_000);
    dues.scale(bp, 10_000)
}

/// The sentence printed on a dues invoice with a non-deductible share.
pub fn nondeductible_notice(amount: Cents) -> String {
    format!(
        "{amount} of your dues is not deductible as a charitable contribution or business \
         expense because of the society's lobbying activities."
    )
}

/// Why a refund of `amount` from a payment with `refundable` left cannot be made, if it cannot.
pub fn refund_problem(amount: Cents, refundable: Cents) -> Option<String> {
    if amount.0 <= 0 {
        Some("Enter an amount more than zero.".into())
    } else if refundable.0 <= 0 {
        Some("This payment has already been refunded in full.".into())
    } else if amount > refundable {
        Some(format!(
            "At most {refundable} of this payment can be refunded."
        ))
    } else {
        None
    }
}

/// Why a credit memo of `amount` on an invoice with `balance` owed cannot be issued, if it cannot.
pub fn credit_memo_problem(amount: Cents, balance: Cents) -> Option<String> {
    if amount.0 <= 0 {
        Some("Enter an amount more than zero.".into())
    } else if balance.0 <= 0 {
        Some("Nothing is owed on this invoice, so there is nothing to credit.".into())
    } else if amount > balance {
        Some(format!(
            "A credit memo can be at most the balance due, {balance}."
        ))
    } else {
        None
    }
}

/// An amount as a plain decimal for spreadsheets and accounting imports: `1250.00`, `-5.10`.
pub fn decimal(amount: Cents) -> String {
    let sign = if amount.0 < 0 { "-" } else { "" };
    let abs = amount.0.unsigned_abs();
    format!("{sign}{}.{:02}", abs / 100, abs % 100)
}

/// A date as QuickBooks Online's US import expects it: `MM/DD/YYYY`.
pub fn us_date(date: Date) -> String {
    format!("{:02}/{:02}/{:04}", date.month(), date.day(), date.year())
}

/// The header of QuickBooks Online's invoice import, one row per invoice line.
pub const QBO_INVOICE_HEADER: [&str; 9] = [
    "InvoiceNo",
    "Customer",
    "InvoiceDate",
    "DueDate",
    "Item(Product/Service)",
    "ItemDescription",
    "ItemQuantity",
    "ItemRate",
    "ItemAmount",
];

/// One invoice line as QuickBooks Online imports it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct QboInvoiceLine<'a> {
    pub invoice_number: i64,
    pub customer: &'a str,
    pub issued_on: Date,
    pub due_on: Date,
    /// The revenue account's name: QuickBooks' product/service.
    pub item: &'a str,
    pub description: &'a str,
    pub quantity: i64,
    pub unit: Cents,
    pub amount: Cents,
}

impl QboInvoiceLine<'_> {
    /// The row's cells; text cells are made safe to open in a spreadsheet.
    pub fn cells(&self) -> [String; 9] {
        [
            DocumentKind::Invoice.display(self.invoice_number),
            text_cell(self.customer).into_owned(),
            us_date(self.issued_on),
            us_date(self.due_on),
            text_cell(self.item).into_owned(),
            text_cell(self.description).into_owned(),
            self.quantity.to_string(),
            decimal(self.unit),
            decimal(self.amount),
        ]
    }
}

/// The header of the payments export (payments and refunds received in a period).
pub const PAYMENTS_HEADER: [&str; 8] = [
    "PaymentNo",
    "Customer",
    "PaymentDate",
    "InvoiceNo",
    "PaymentMethod",
    "Reference",
    "Amount",
    "Memo",
];

/// One payment (or, with a negative amount, one refund) in the payments export.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PaymentExportRow<'a> {
    pub kind: DocumentKind,
    pub number: i64,
    pub customer: &'a str,
    pub on: Date,
    pub invoice_number: i64,
    pub method: &'a str,
    pub reference: &'a str,
    /// Positive for a payment, negative for a refund.
    pub amount: Cents,
    pub memo: &'a str,
}

impl PaymentExportRow<'_> {
    pub fn cells(&self) -> [String; 8] {
        [
            self.kind.display(self.number),
            text_cell(self.customer).into_owned(),
            us_date(self.on),
            DocumentKind::Invoice.display(self.invoice_number),
            text_cell(self.method).into_owned(),
            text_cell(self.reference).into_owned(),
            decimal(self.amount),
            text_cell(self.memo).into_owned(),
        ]
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use jiff::civil::date;

    #[test]
    fn a_receipt_says_what_is_left_and_a_refund_for_want_of_a_seat_is_not_paid_in_full() {
        assert_eq!(
            receipt_balance_words(Cents(5_000), None),
            "The balance still due is $50.00."
        );
        assert_eq!(
            receipt_balance_words(Cents::ZERO, None),
            "This invoice is now paid in full."
        );
        let refunded =
            receipt_balance_words(Cents::ZERO, Some((Cents(20_000), date(2026, 11, 21))));
        assert!(!refunded.contains("paid in full"), "{refunded}");
        for words in [
            "$200.00",
            "refunded in full",
            "November 21, 2026",
            "No balance is due",
            "not kept",
        ] {
            assert!(refunded.contains(words), "{words:?} in {refunded}");
        }
    }

    fn amounts(total: i64, paid: i64, refunded: i64, credited: i64) -> InvoiceAmounts {
        InvoiceAmounts {
            voided: false,
            total: Cents(total),
            paid: Cents(paid),
            refunded: Cents(refunded),
            credited: Cents(credited),
        }
    }

    #[test]
    fn a_void_invoice_is_owed_nowhere_and_only_an_unpaid_one_may_be_voided() {
        let open = amounts(40_000, 0, 0, 0);
        assert_eq!(void_problem(&open), None);
        let void = InvoiceAmounts {
            voided: true,
            ..open
        };
        assert_eq!(void.balance(), Cents::ZERO);
        assert_eq!(void.state(), InvoiceState::Void);
        assert_eq!(void.state().label(), "Void");
        assert_eq!(void.document_balance(), Cents(40_000));
        assert_eq!(void_problem(&void), Some("This invoice is already void."));
        let part_paid = amounts(40_000, 10_000, 0, 0);
        assert!(
            void_problem(&part_paid)
                .unwrap()
                .contains("A payment is recorded")
        );
        // Even refunded, a payment stays on the record: settle it with documents, not a void.
        assert!(void_problem(&amounts(40_000, 10_000, 10_000, 0)).is_some());

        // A late payment on a void invoice: money to give back until it is refunded or lifts
        // the void by taking a seat.
        let paid_late = InvoiceAmounts {
            voided: true,
            ..amounts(40_000, 40_000, 0, 0)
        };
        assert_eq!(paid_late.balance(), Cents(-40_000));
        assert!(payment_lifts_void(&paid_late, false));
        assert!(!payment_lifts_void(&paid_late, true));
        let refunded = InvoiceAmounts {
            voided: true,
            ..amounts(40_000, 40_000, 40_000, 0)
        };
        assert_eq!(refunded.balance(), Cents::ZERO);
        assert_eq!(refunded.state(), InvoiceState::Void);
        assert!(!payment_lifts_void(&amounts(40_000, 40_000, 0, 0), false));
    }

    #[test]
    fn lines_and_totals() {
        assert_eq!(line_amount(3, Cents(12_500)), Some(Cents(37_500)));
        assert_eq!(line_amount(0, Cents(12_500)), Some(Cents(0)));
        assert_eq!(line_amount(i64::MAX, Cents(2)), None, "overflow is refused");
        assert_eq!(
            invoice_total([Cents(40_000), Cents(25_000), Cents(0)]),
            Some(Cents(65_000))
        );
        assert_eq!(invoice_total([]), Some(Cents(0)));
        assert_eq!(invoice_total([Cents(i64::MAX), Cents(1)]), None);
    }

    #[test]
    fn balance_is_total_less_payments_plus_refunds_less_credits() {
        assert_eq!(amounts(40_000, 0, 0, 0).balance(), Cents(40_000));
        assert_eq!(amounts(40_000, 15_000, 0, 0).balance(), Cents(25_000));
        assert_eq!(amounts(40_000, 40_000, 5_000, 0).balance(), Cents(5_000));
        assert_eq!(amounts(40_000, 30_000, 0, 10_000).balance(), Cents(0));
        assert_eq!(amounts(40_000, 45_000, 0, 0).balance(), Cents(-5_000));
    }

    #[test]
    fn states() {
        assert_eq!(amounts(40_000, 0, 0, 0).state(), InvoiceState::Open);
        assert_eq!(amounts(40_000, 1, 0, 0).state(), InvoiceState::PartlyPaid);
        assert_eq!(
            amounts(40_000, 0, 0, 5_000).state(),
            InvoiceState::PartlyPaid,
            "a partial credit leaves something owed"
        );
        assert_eq!(amounts(40_000, 40_000, 0, 0).state(), InvoiceState::Paid);
        assert_eq!(
            amounts(40_000, 30_000, 0, 10_000).state(),
            InvoiceState::Paid
        );
        assert_eq!(
            amounts(40_000, 0, 0, 40_000).state(),
            InvoiceState::Credited
        );
        assert_eq!(
            amounts(40_000, 40_000, 40_000, 0).state(),
            InvoiceState::Open,
            "a payment refunded in full is owed again"
        );
        assert_eq!(
            amounts(40_000, 50_000, 0, 0).state(),
            InvoiceState::Overpaid
        );
        assert_eq!(
            amounts(0, 0, 0, 0).state(),
            InvoiceState::Paid,
            "a free invoice owes nothing"
        );
    }

    #[test]
    fn nondeductible_share_rounds_half_up() {
        assert_eq!(nondeductible_share(Cents(40_000), 2_500), Cents(10_000));
        // 12.5% of $33.33 = $4.16625 → $4.17
        assert_eq!(nondeductible_share(Cents(3_333), 1_250), Cents(417));
        // 15% of $0.50 = 7.5 cents → 8
        assert_eq!(nondeductible_share(Cents(50), 1_500), Cents(8));
        assert_eq!(nondeductible_share(Cents(40_000), 0), Cents(0));
        assert_eq!(nondeductible_share(Cents(40_000), 20_000), Cents(40_000));
        assert_eq!(nondeductible_share(Cents(40_000), -5), Cents(0));
        assert_eq!(
            nondeductible_notice(Cents(10_000)),
            "$100.00 of your dues is not deductible as a charitable contribution or business \
             expense because of the society's lobbying activities."
        );
    }

    #[test]
    fn document_numbers() {
        assert_eq!(DocumentKind::Invoice.display(42), "INV-000042");
        assert_eq!(DocumentKind::Payment.display(7), "PMT-000007");
        assert_eq!(DocumentKind::Refund.display(1), "RF-000001");
        assert_eq!(DocumentKind::CreditMemo.display(3), "CM-000003");
        assert_eq!(DocumentKind::Invoice.display(1_234_567), "INV-1234567");
        assert_eq!(DocumentKind::CreditMemo.as_str(), "credit_memo");
    }

    #[test]
    fn refunds_and_credit_memos_have_limits() {
        assert_eq!(refund_problem(Cents(10_000), Cents(10_000)), None);
        assert_eq!(
            refund_problem(Cents(10_001), Cents(10_000)).as_deref(),
            Some("At most $100.00 of this payment can be refunded.")
        );
        assert!(refund_problem(Cents(0), Cents(10_000)).is_some());
        assert!(refund_problem(Cents(-1), Cents(10_000)).is_some());
        assert_eq!(
            refund_problem(Cents(1), Cents(0)).as_deref(),
            Some("This payment has already been refunded in full.")
        );
        assert_eq!(credit_memo_problem(Cents(5_000), Cents(5_000)), None);
        assert_eq!(
            credit_memo_problem(Cents(5_001), Cents(5_000)).as_deref(),
            Some("A credit memo can be at most the balance due, $50.00.")
        );
        assert!(credit_memo_problem(Cents(1), Cents(0)).is_some());
        assert!(credit_memo_problem(Cents(0), Cents(100)).is_some());
    }

    #[test]
    fn quickbooks_rows() {
        assert_eq!(decimal(Cents(125_000)), "1250.00");
        assert_eq!(decimal(Cents(5)), "0.05");
        assert_eq!(decimal(Cents(-510)), "-5.10");
        assert_eq!(us_date(date(2026, 3, 7)), "03/07/2026");
        let row = QboInvoiceLine {
            invoice_number: 42,
            customer: "=Oncology Group",
            issued_on: date(2026, 11, 21),
            due_on: date(2026, 12, 21),
            item: "Membership dues",
            description: "Active physician dues, 2027",
            quantity: 2,
            unit: Cents(40_000),
            amount: Cents(80_000),
        };
        assert_eq!(
            row.cells(),
            [
                "INV-000042",
                "'=Oncology Group",
                "11/21/2026",
                "12/21/2026",
                "Membership dues",
                "Active physician dues, 2027",
                "2",
                "400.00",
                "800.00",
            ]
        );
        let refund = PaymentExportRow {
            kind: DocumentKind::Refund,
            number: 3,
            customer: "Ada",
            on: date(2026, 1, 2),
            invoice_number: 9,
            method: "check",
            reference: "-1",
            amount: Cents(-2_500),
            memo: "Duplicate",
        };
        assert_eq!(
            refund.cells(),
            [
                "RF-000003",
                "Ada",
                "01/02/2026",
                "INV-000009",
                "check",
                "'-1",
                "-25.00",
                "Duplicate"
            ]
        );
    }
}
