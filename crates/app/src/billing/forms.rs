//! The staff billing forms as typed in, and their parsing into use-case inputs. Every field is
//! text so bad input comes back with the input kept and each problem named.

use std::collections::HashMap;

use chapterhouse_core::money::Cents;
use chapterhouse_core::validate::FieldErrors;
use chapterhouse_core::{InvoiceId, PersonId, RevenueAccountId};
use jiff::ToSpan;
use jiff::civil::Date;

use super::{BillTo, NewInvoice, NewLine, NewPayment, PaymentMethodKind};

/// How many line rows the new-invoice form offers (it works without JavaScript).
pub const LINE_SLOTS: usize = 5;

/// Methods staff record by hand (cards and bank debits come from the processor).
pub const STAFF_METHODS: [PaymentMethodKind; 4] = [
    PaymentMethodKind::Check,
    PaymentMethodKind::BankTransfer,
    PaymentMethodKind::Cash,
    PaymentMethodKind::Other,
];

fn parse_date(text: &str) -> Option<Date> {
    text.trim().parse().ok()
}

const DATE_HINT: &str = "Enter the date as YYYY-MM-DD, like 2026-11-21.";

#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct LineForm {
    pub description: String,
    pub quantity: String,
    pub unit: String,
    /// A revenue account id, or empty for the dues default.
    pub account: String,
}

impl LineForm {
    /// No description and no price: an unused row (its quantity may be prefilled).
    fn is_blank(&self) -> bool {
        self.description.trim().is_empty() && self.unit.trim().is_empty()
    }
}

/// The new-invoice form: who, when, and up to [`LINE_SLOTS`] lines.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct InvoiceForm {
    pub person: String,
    pub due_on: String,
    pub po_number: String,
    pub memo: String,
    pub lines: Vec<LineForm>,
}

impl InvoiceForm {
    /// An empty form for `person`, due in 30 days.
    pub fn blank(person: &str, today: Date) -> InvoiceForm {
        InvoiceForm {
            person: person.to_string(),
            due_on: today.checked_add(30.days()).unwrap_or(today).to_string(),
            lines: (0..LINE_SLOTS)
                .map(|i| LineForm {
                    quantity: if i == 0 { "1".into() } else { String::new() },
                    ..Default::default()
                })
                .collect(),
            ..Default::default()
        }
    }

    /// From posted fields: `person`, `due_on`, `po_number`, `memo`, `description_1`,
    /// `quantity_1`, `unit_1`, `account_1`, … `account_5`.
    pub fn from_fields(fields: &HashMap<String, String>) -> InvoiceForm {
        let get = |k: &str| fields.get(k).cloned().unwrap_or_default();
        InvoiceForm {
            person: get("person"),
            due_on: get("due_on"),
            po_number: get("po_number"),
            memo: get("memo"),
            lines: (1..=LINE_SLOTS)
                .map(|n| LineForm {
                    description: get(&format!("description_{n}")),
                    quantity: get(&format!("quantity_{n}")),
                    unit: get(&format!("unit_{n}")),
                    account: get(&format!("account_{n}")),
                })
                .collect(),
        }
    }

    /// The invoice to issue, or each field's problem.
    pub fn parse(&self) -> Result<NewInvoice, FieldErrors> {
        let mut errors = FieldErrors::new();
        let person = self.person.trim().parse::<PersonId>().ok();
        errors.check(
            person.is_none(),
            "bill_to",
            "Choose who the invoice is for.",
        );
        let due_on = parse_date(&self.due_on);
        errors.check(due_on.is_none(), "due_on", DATE_HINT);
        let mut lines = Vec::new();
        for (i, line) in self.lines.iter().enumerate() {
            if line.is_blank() {
                continue;
            }
            let n = i + 1;
            let quantity = if line.quantity.trim().is_empty() {
                Some(1)
            } else {
                line.quantity.trim().parse::<i64>().ok()
            };
            errors.check(
                quantity.is_none(),
                &format!("quantity_{n}"),
                "Enter a whole number, like 1.",
            );
            let unit = Cents::parse(&line.unit);
            errors.check(
                unit.is_none(),
                &format!("unit_{n}"),
                "Enter a price like 350 or 350.00.",
            );
            let account = if line.account.trim().is_empty() {
                Some(None)
            } else {
                line.account
                    .trim()
                    .parse::<RevenueAccountId>()
                    .ok()
                    .map(Some)
            };
            errors.check(
                account.is_none(),
                &format!("account_{n}"),
                "Choose a revenue account.",
            );
            lines.push(NewLine {
                description: line.description.clone(),
                quantity: quantity.unwrap_or(1),
                unit: unit.unwrap_or(Cents::ZERO),
                revenue_account: account.flatten(),
                person: None,
            });
        }
        errors.check(
            lines.is_empty(),
            "description_1",
            "Add at least one line to the invoice.",
        );
        let (Some(person), Some(due_on), true) = (person, due_on, errors.is_empty()) else {
            return Err(errors);
        };
        Ok(NewInvoice {
            bill_to: BillTo::Person(person),
            lines,
            due_on,
            po_number: self.po_number.clone(),
            memo: self.memo.clone(),
            purpose: "other",
            dues_term: None,
            dedup_key: None,
            nondeductible: Cents::ZERO,
        })
    }
}

/// Record a check, bank transfer or cash payment.
#[derive(Clone, Debug, Default, PartialEq, Eq, serde::Deserialize)]
pub struct PaymentForm {
    #[serde(default)]
    pub amount: String,
    #[serde(default)]
    pub method: String,
    #[serde(default)]
    pub reference: String,
    #[serde(default)]
    pub received_on: String,
    /// The balance the page showed, in cents (a resubmitted form finds it changed).
    #[serde(default)]
    pub seen_balance: String,
}

impl PaymentForm {
    pub fn parse(&self, invoice: InvoiceId) -> Result<(NewPayment, Cents), FieldErrors> {
        let mut errors = FieldErrors::new();
        let amount = Cents::parse(&self.amount);
        errors.check(
            amount.is_none_or(|a| a.0 <= 0),
            "amount",
            "Enter the amount received, like 350.00.",
        );
        let method = PaymentMethodKind::parse(&self.method).filter(|m| STAFF_METHODS.contains(m));
        errors.check(method.is_none(), "method", "Choose how it was paid.");
        errors.check(
            self.reference.chars().count() > 200,
            "reference",
            "Keep the reference under 200 characters.",
        );
        let received_on = parse_date(&self.received_on);
        errors.check(received_on.is_none(), "received_on", DATE_HINT);
        let seen = self.seen_balance.trim().parse::<i64>().ok().map(Cents);
        errors.check(
            seen.is_none(),
            "amount",
            "Reload the invoice and enter the payment again.",
        );
        errors.into_result()?;
        Ok((
            NewPayment {
                invoice,
                amount: amount.unwrap_or(Cents::ZERO),
                method: method.unwrap_or(PaymentMethodKind::Other),
                reference: self.reference.trim().to_string(),
                provider_ref: None,
                received_on: received_on.unwrap_or(Date::MIN),
            },
            seen.unwrap_or(Cents::ZERO),
        ))
    }
}

/// Issue a credit memo.
#[derive(Clone, Debug, Default, PartialEq, Eq, serde::Deserialize)]
pub struct CreditMemoForm {
    #[serde(default)]
    pub credit_amount: String,
    #[serde(default)]
    pub credit_reason: String,
}

impl CreditMemoForm {
    pub fn parse(&self) -> Result<Cents, FieldErrors> {
        let amount = Cents::parse(&self.credit_amount).filter(|a| a.0 > 0);
        let mut errors = FieldErrors::new();
        errors.check(
            amount.is_none(),
            "credit_amount",
            "Enter the amount to credit, like 50.00.",
        );
        errors.into_result()?;
        Ok(amount.unwrap_or(Cents::ZERO))
    }
}

/// Refund (part of) a payment.
#[derive(Clone, Debug, Default, PartialEq, Eq, serde::Deserialize)]
pub struct RefundForm {
    #[serde(default)]
    pub payment: String,
    #[serde(default)]
    pub refund_amount: String,
    #[serde(default)]
    pub refund_reason: String,
}

impl RefundForm {
    pub fn parse(&self) -> Result<(chapterhouse_core::PaymentId, Cents), FieldErrors> {
        let mut errors = FieldErrors::new();
        let payment = self.payment.trim().parse().ok();
        errors.check(
            payment.is_none(),
            "refund_payment",
            "Choose the payment to refund.",
        );
        let amount = Cents::parse(&self.refund_amount).filter(|a| a.0 > 0);
        errors.check(
            amount.is_none(),
            "refund_amount",
            "Enter the amount to refund, like 50.00.",
        );
        match (payment, amount, errors.is_empty()) {
            (Some(payment), Some(amount), true) => Ok((payment, amount)),
            _ => Err(errors),
        }
    }
}

/// A period for the billing list and exports: `from` and `to`, ISO dates, inclusive.
#[derive(Clone, Debug, Default, PartialEq, Eq, serde::Deserialize)]
pub struct PeriodForm {
    #[serde(default)]
    pub from: String,
    #[serde(default)]
    pub to: String,
}

impl PeriodForm {
    /// Empty fields default to the year so far.
    pub fn with_defaults(&self, today: Date) -> PeriodForm {
        PeriodForm {
            from: if self.from.trim().is_empty() {
                Date::new(today.year(), 1, 1).unwrap_or(today).to_string()
            } else {
                self.from.trim().to_string()
            },
            to: if self.to.trim().is_empty() {
                today.to_string()
            } else {
                self.to.trim().to_string()
            },
        }
    }

    pub fn parse(&self) -> Result<(Date, Date), FieldErrors> {
        let mut errors = FieldErrors::new();
        let from = parse_date(&self.from);
        let to = parse_date(&self.to);
        errors.check(from.is_none(), "from", DATE_HINT);
        errors.check(to.is_none(), "to", DATE_HINT);
        if let (Some(from), Some(to)) = (from, to) {
            errors.check(
                from > to,
                "to",
                "The end of the period must be on or after its start.",
            );
            errors.check(
                (to - from).get_days() > 3_700,
                "to",
                "Choose a period of at most ten years.",
            );
        }
        errors.into_result()?;
        Ok((from.unwrap_or(Date::MIN), to.unwrap_or(Date::MAX)))
    }
}

/// Rename a use-case's field names to the names of the form that was shown (the invoice page
/// has three forms, each with its own amount and reason).
pub fn rename_fields(errors: FieldErrors, renames: &[(&str, &str)]) -> FieldErrors {
    FieldErrors(
        errors
            .0
            .into_iter()
            .map(|(field, message)| {
                let field = renames
                    .iter()
                    .find(|(from, _)| *from == field)
                    .map(|(_, to)| to.to_string())
                    .unwrap_or(field);
                (field, message)
            })
            .collect(),
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use jiff::civil::date;

    #[test]
    fn invoice_form_skips_blank_lines_and_names_bad_ones() {
        let mut fields = HashMap::new();
        fields.insert("person".to_string(), PersonId::new().to_string());
        fields.insert("due_on".to_string(), "2026-12-21".to_string());
        fields.insert("description_1".to_string(), "Dues".to_string());
        fields.insert("unit_1".to_string(), "$400".to_string());
        fields.insert("description_3".to_string(), "Meeting".to_string());
        fields.insert("quantity_3".to_string(), "two".to_string());
        fields.insert("unit_3".to_string(), "1.234".to_string());
        let form = InvoiceForm::from_fields(&fields);
        let errors = form.parse().unwrap_err();
        assert!(errors.get("quantity_3").is_some());
        assert!(errors.get("unit_3").is_some());
        assert!(errors.get("unit_1").is_none());
        fields.insert("quantity_3".to_string(), "2".to_string());
        fields.insert("unit_3".to_string(), "125".to_string());
        let invoice = InvoiceForm::from_fields(&fields).parse().unwrap();
        assert_eq!(invoice.lines.len(), 2);
        assert_eq!(invoice.lines[0].quantity, 1, "blank quantity means one");
        assert_eq!(invoice.lines[1].unit, Cents(12_500));
        let empty = InvoiceForm::blank("", date(2026, 11, 21));
        assert_eq!(empty.due_on, "2026-12-21");
        let errors = empty.parse().unwrap_err();
        assert!(errors.get("bill_to").is_some());
        assert!(errors.get("description_1").is_some());
    }

    #[test]
    fn periods_default_to_the_year_so_far_and_must_run_forwards() {
        let today = date(2026, 11, 21);
        let p = PeriodForm::default().with_defaults(today);
        assert_eq!(p.parse().unwrap(), (date(2026, 1, 1), today));
        let backwards = PeriodForm {
            from: "2026-05-01".into(),
            to: "2026-04-01".into(),
        };
        assert!(backwards.parse().unwrap_err().get("to").is_some());
        let bad = PeriodForm {
            from: "May".into(),
            to: "2026-04-01".into(),
        };
        assert!(bad.parse().unwrap_err().get("from").is_some());
    }

    #[test]
    fn payment_form_accepts_only_manual_methods() {
        let form = PaymentForm {
            amount: "350".into(),
            method: "card".into(),
            reference: "1042".into(),
            received_on: "2026-11-20".into(),
            seen_balance: "35000".into(),
        };
        assert!(
            form.parse(InvoiceId::new())
                .unwrap_err()
                .get("method")
                .is_some()
        );
        let form = PaymentForm {
            method: "check".into(),
            ..form
        };
        let (payment, seen) = form.parse(InvoiceId::new()).unwrap();
        assert_eq!(payment.amount, Cents(35_000));
        assert_eq!(seen, Cents(35_000));
    }
}
