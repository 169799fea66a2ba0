//! Staff decide membership applications: approve or reject, with an optional message, emailed to
//! the applicant. The rule for what approval does to an unpaid membership is
//! `core::records::approval_effect`: it stays pending until the dues are paid. An approval whose
//! dues are unpaid and not yet invoiced issues the first dues invoice (dedup key
//! `approval:<membership>`) in the decision's transaction, and the approval email carries it.

use chapterhouse_core::MembershipId;
use chapterhouse_core::joining;
use chapterhouse_core::membership::{self, Application, Status};
use chapterhouse_core::money::Cents;
use chapterhouse_core::records::{self, ApprovalEffect, Decision};
use chapterhouse_core::validate::FieldErrors;
use chapterhouse_store::{NewAudit, Scoped};

use crate::billing;
use crate::mail::{EmailJob, enqueue_email};
use crate::membership::{level_anchor, level_period, membership_status, today};
use crate::{Actor, App, AppError, AppResult};

/// What a decision did.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum DecisionOutcome {
    Approved {
        effect: ApprovalEffect,
        status: Status,
    },
    Rejected,
    /// It had already been decided (a second click, or a colleague was first): nothing changed
    /// and no second email went out.
    AlreadyDecided,
}

/// Approve or reject a pending application and email the applicant (with `message`, if any).
pub async fn decide(
    app: &App,
    scoped: &Scoped,
    id: MembershipId,
    decision: Decision,
    message: &str,
    actor: &Actor,
) -> AppResult<DecisionOutcome> {
    let mut errors = FieldErrors::new();
    if let Some(problem) = records::message_problem(message) {
        errors.add("message", problem);
    }
    errors.into_result()?;
    let message = message.trim();

    let state = scoped
        .membership_state(id)
        .await?
        .ok_or(AppError::NotFound)?;
    let person_id = scoped
        .person_of_membership(id)
        .await?
        .ok_or(AppError::NotFound)?;
    let person = scoped
        .person_file(person_id)
        .await?
        .ok_or(AppError::NotFound)?;
    let level_id = scoped
        .membership_level_id(id)
        .await?
        .ok_or(AppError::NotFound)?;
    let level = scoped.level(level_id).await?.ok_or(AppError::NotFound)?;
    if state.application != Some(Application::Pending) {
        return Ok(DecisionOutcome::AlreadyDecided);
    }
    // For an approval whose dues are unpaid: the open dues invoice already sent (when they
    // joined online), or what to issue now.
    let open_dues = scoped
        .invoices_for_person(person_id)
        .await?
        .into_iter()
        .find(|i| i.membership == Some(id) && i.purpose == "dues" && i.amounts.balance().0 > 0);
    let basis = scoped.dues_basis(id).await?;
    let today = today(app, scoped);
    let now = app.now();
    let mut decided = state.clone();
    let society = scoped.society();

    let mut tx = scoped.begin().await?;
    let recorded = match decision {
        Decision::Approve => Application::Approved,
        Decision::Reject => Application::Rejected,
    };
    if !tx.decide_application(id, recorded).await? {
        return Ok(DecisionOutcome::AlreadyDecided);
    }
    decided.application = Some(recorded);
    let (outcome, email) = match decision {
        Decision::Approve => {
            let effect = records::approval_effect(Cents(level.fee_cents), !state.terms.is_empty());
            if effect == ApprovalEffect::GrantFreeTerm {
                let term =
                    membership::first_term(today, level_period(&level), level_anchor(&level));
                tx.insert_term(id, level.id, &term, now).await?;
                decided.terms.push(term);
            }
            let status = membership_status(&decided, today);
            let through = decided
                .terms
                .iter()
                .filter_map(|t| t.end)
                .max()
                .map(|d| format!(" Your membership runs through {}.", d.strftime("%-d %B %Y")))
                .unwrap_or_default();
            let next = match effect {
                ApprovalEffect::AwaitPayment => {
                    let invoice = match (&open_dues, &basis) {
                        (Some(open), _) => Some(open.clone()),
                        (None, Some(basis)) => {
                            // Unpaid and nothing invoiced yet: the first dues invoice, now.
                            let quote = joining::first_term_quote(
                                today,
                                Cents(level.fee_cents),
                                level_period(&level),
                                level_anchor(&level),
                                level.prorate,
                            );
                            let new = billing::dues_invoice(
                                basis,
                                quote.term,
                                quote.amount,
                                Some(joining::approval_key(id)),
                                today,
                            );
                            let issued =
                                billing::issue_invoice_in(&mut tx, now, actor, new, today).await?;
                            tx.invoice(issued).await?
                        }
                        (None, None) => None,
                    };
                    match invoice {
                        Some(invoice) => format!(
                            "Your membership begins as soon as your dues of {} are paid. Invoice {} is due on {}: pay it online by card or bank account when signed in at {}/account/invoices, or send a check payable to {} with the invoice number on it.",
                            invoice.amounts.balance(),
                            invoice.display_number(),
                            invoice.due_on.strftime("%-d %B %Y"),
                            app.links.base_url(society),
                            society.name,
                        ),
                        None => format!(
                            "Your membership begins as soon as your dues of {} are paid.",
                            Cents(level.fee_cents)
                        ),
                    }
                }
                ApprovalEffect::AlreadyPaid | ApprovalEffect::GrantFreeTerm => {
                    format!("Welcome: you are now a member.{through}")
                }
            };
            let text = format!(
                "Dear {name},\n\nYour application for {level} membership of {society} has been approved.\n\n{next}\n{message}",
                name = person.display_name,
                level = level.name,
                society = society.name,
                message = if message.is_empty() {
                    String::new()
                } else {
                    format!("\n{message}\n")
                },
            );
            (
                DecisionOutcome::Approved { effect, status },
                EmailJob {
                    to: person.email.clone(),
                    subject: format!("Your application to {} is approved", society.name),
                    text,
                },
            )
        }
        Decision::Reject => {
            let text = format!(
                "Dear {name},\n\nThank you for applying for {level} membership of {society}. We are not able to approve your application.\n{message}\nIf you have questions, reply to this email.",
                name = person.display_name,
                level = level.name,
                society = society.name,
                message = if message.is_empty() {
                    String::new()
                } else {
                    format!("\n{message}\n")
                },
            );
            (
                DecisionOutcome::Rejected,
                EmailJob {
                    to: person.email.clone(),
                    subject: format!("Your application to {}", society.name),
                    text,
                },
            )
        }
    };
    tx.set_membership_status(id, membership_status(&decided, today), today)
        .await?;
    let detail = format!(
        "{}{}",
        level.name,
        if message.is_empty() {
            ""
        } else {
            " (with a message)"
        }
    );
    tx.audit(
        NewAudit {
            actor: actor.account,
            action: match decision {
                Decision::Approve => "application.approved",
                Decision::Reject => "application.rejected",
            },
            subject: &id.to_string(),
            detail: &detail,
            ip: &actor.ip,
        },
        now,
    )
    .await?;
    enqueue_email(&mut tx, &email, now).await?;
    tx.commit().await?;
    Ok(outcome)
}
