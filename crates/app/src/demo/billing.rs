//! Demo billing: revenue accounts, a dues invoice for most members' current term (paid by card
//! or check soon after it was issued), meeting and sponsorship invoices, a few open invoices,
//! one refund and one credit memo. Written in one transaction with the same use-case code as
//! real invoices; no mail is sent (demo payments are history, not news).

use chapterhouse_core::billing::DocumentKind;
use chapterhouse_core::membership::Term;
use chapterhouse_core::money::Cents;
use chapterhouse_core::{InvoiceId, PersonId};
use chapterhouse_store::{NewCreditMemoRow, NewPaymentRow, NewRefundRow, ScopedTx, Society};
use jiff::ToSpan;
use jiff::civil::Date;

use crate::billing::{
    BillTo, DUES_ACCOUNT_CODE, DUES_ACCOUNT_NAME, NewInvoice, NewLine, PaymentMethodKind,
    dues_invoice, issue_invoice_in,
};
use crate::{Actor, App, AppResult};

/// What one planned invoice is, so they can be issued in date order (numbers follow dates).
enum Plan {
    Dues {
        basis: chapterhouse_store::DuesBasis,
        term: Term,
        /// Days after issue the payment came in, and how; None: still open.
        paid: Option<(i64, PaymentMethodKind)>,
    },
    Other {
        person: PersonId,
        description: &'static str,
        account: usize,
        unit: Cents,
        quantity: i64,
        paid: Option<(i64, PaymentMethodKind)>,
    },
}

async fn pay(
    tx: &mut ScopedTx,
    invoice: InvoiceId,
    amount: Cents,
    method: PaymentMethodKind,
    on: Date,
    n: usize,
    app: &App,
) -> AppResult<chapterhouse_core::PaymentId> {
    let number = tx.next_document_number(DocumentKind::Payment).await?;
    let (reference, provider_ref) = match method {
        PaymentMethodKind::Check => (format!("Check {}", 1000 + n), None),
        _ => ("Visa •••• 4242".to_string(), Some(format!("demo_pi_{n}"))),
    };
    Ok(tx
        .insert_payment(
            &NewPaymentRow {
                number,
                invoice,
                received_on: on,
                method: method.as_str(),
                reference,
                provider_ref,
                amount,
                created_by: None,
            },
            app.now(),
        )
        .await?)
}

/// Seed billing for one demo society that already has its members. Run once, when the
/// members are created.
pub async fn seed(app: &App, society: &Society, seed: u64) -> AppResult<()> {
    let scoped = app.scoped(society);
    let today = crate::membership::today(app, &scoped);
    let actor = Actor::anonymous("demo");
    let mut state = 0x2545_f491_4f6c_dd1d_u64 ^ seed;
    let mut next = move |n: u64| {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        state % n
    };

    let mut plans: Vec<(Date, Plan)> = Vec::new();
    let mut people = Vec::new();
    for membership in scoped.membership_states().await? {
        let Some(basis) = scoped.dues_basis(membership.id).await? else {
            continue;
        };
        people.push(basis.person);
        let Some(term) = membership.terms.iter().max_by_key(|t| t.start).copied() else {
            continue;
        };
        if basis.fee.0 == 0 || next(100) >= 85 {
            continue;
        }
        let issued = term.start.min(today);
        let method = if next(100) < 65 {
            PaymentMethodKind::Card
        } else {
            PaymentMethodKind::Check
        };
        let delay = if method == PaymentMethodKind::Card {
            0
        } else {
            3 + next(12) as i64
        };
        plans.push((
            issued,
            Plan::Dues {
                basis,
                term,
                paid: Some((delay, method)),
            },
        ));
    }
    // Renewal invoices still open for a few members whose term has ended.
    for membership in scoped.membership_states().await? {
        if plans
            .iter()
            .filter(|(_, p)| matches!(p, Plan::Dues { paid: None, .. }))
            .count()
            >= 3
        {
            break;
        }
        let Some(latest) = membership.terms.iter().max_by_key(|t| t.start).copied() else {
            continue;
        };
        let Some(end) = latest.end.filter(|end| *end < today) else {
            continue;
        };
        let Some(basis) = scoped.dues_basis(membership.id).await? else {
            continue;
        };
        if basis.fee.0 == 0 {
            continue;
        }
        let level_id = basis.level_id;
        let Some(level) = scoped.level(level_id).await? else {
            continue;
        };
        let Some(next_term) = chapterhouse_core::membership::next_term(
            &latest,
            crate::membership::level_period(&level),
        ) else {
            continue;
        };
        plans.push((
            end.checked_sub(14.days()).unwrap_or(end),
            Plan::Dues {
                basis,
                term: next_term,
                paid: None,
            },
        ));
    }
    // Meeting registrations and a sponsorship.
    for (i, person) in people.iter().take(12).enumerate() {
        let paid = match i % 4 {
            0 => None,
            1 => Some((5, PaymentMethodKind::Check)),
            _ => Some((0, PaymentMethodKind::Card)),
        };
        plans.push((
            today
                .checked_sub((20 + 7 * i as i64).days())
                .unwrap_or(today),
            Plan::Other {
                person: *person,
                description: "Annual meeting registration",
                account: 1,
                unit: Cents(29_500),
                quantity: 1,
                paid,
            },
        ));
    }
    if let Some(person) = people.get(20) {
        plans.push((
            today.checked_sub(45.days()).unwrap_or(today),
            Plan::Other {
                person: *person,
                description: "Annual meeting sponsorship, Gold tier",
                account: 2,
                unit: Cents(500_000),
                quantity: 1,
                paid: Some((10, PaymentMethodKind::Check)),
            },
        ));
    }
    plans.sort_by_key(|(date, _)| *date);

    let now = app.now();
    let mut tx = scoped.begin().await?;
    let accounts = [
        tx.ensure_revenue_account(DUES_ACCOUNT_CODE, DUES_ACCOUNT_NAME, now)
            .await?,
        tx.ensure_revenue_account("4100", "Annual meeting", now)
            .await?,
        tx.ensure_revenue_account("4200", "Sponsorship", now)
            .await?,
    ];
    let mut card_payments = Vec::new();
    let mut open = Vec::new();
    for (n, (issued, plan)) in plans.into_iter().enumerate() {
        let (invoice, amount, paid) = match plan {
            Plan::Dues { basis, term, paid } => {
                let amount = basis.fee;
                let invoice = dues_invoice(&basis, term, amount, None, issued);
                (invoice, amount, paid)
            }
            Plan::Other {
                person,
                description,
                account,
                unit,
                quantity,
                paid,
            } => (
                NewInvoice {
                    bill_to: BillTo::Person(person),
                    lines: vec![NewLine {
                        description: description.into(),
                        quantity,
                        unit,
                        revenue_account: Some(accounts[account]),
                        person: None,
                    }],
                    due_on: issued.checked_add(30.days()).unwrap_or(issued),
                    po_number: String::new(),
                    memo: String::new(),
                    purpose: "other",
                    dues_term: None,
                    dedup_key: None,
                    nondeductible: Cents::ZERO,
                },
                Cents(unit.0 * quantity),
                paid,
            ),
        };
        let id = issue_invoice_in(&mut tx, now, &actor, invoice, issued).await?;
        match paid {
            Some((delay, method)) => {
                let on = issued
                    .checked_add(delay.days())
                    .unwrap_or(issued)
                    .min(today);
                let payment = pay(&mut tx, id, amount, method, on, n, app).await?;
                if method == PaymentMethodKind::Card {
                    card_payments.push((payment, amount));
                }
            }
            None => open.push((id, amount)),
        }
    }
    // One refund of part of a card payment, one credit memo on an open invoice.
    if let Some((payment, amount)) = card_payments.last() {
        let number = tx.next_document_number(DocumentKind::Refund).await?;
        tx.insert_refund(
            &NewRefundRow {
                number,
                payment: *payment,
                refunded_on: today,
                amount: Cents(amount.0.min(5_000)),
                reason: "Charged twice; the duplicate part returned".into(),
                provider_ref: Some("demo_re_1".into()),
                created_by: None,
            },
            now,
        )
        .await?;
    }
    if let Some((invoice, amount)) = open.first() {
        let number = tx.next_document_number(DocumentKind::CreditMemo).await?;
        tx.insert_credit_memo(
            &NewCreditMemoRow {
                number,
                invoice: *invoice,
                issued_on: today,
                amount: Cents(amount.0.min(5_000)),
                reason: "Early-bird rate applied".into(),
                created_by: None,
            },
            now,
        )
        .await?;
    }
    tx.commit().await?;
    Ok(())
}
