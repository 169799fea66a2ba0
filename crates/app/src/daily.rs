//! The membership daily run, per society at its local midnight (the `membership_daily` job).
//! Steps, in order, each a separate function so renewal invoices and automatic charges can be
//! slotted in between:
//!
//! 1. [`refresh_practice_statuses`]: each practice's status from its terms;
//! 2. [`crate::membership::refresh_statuses`]: every membership's status (a seat follows its
//!    practice's status stored in step 1);
//! 3. [`level_transitions`]: members of a level with a yearly transition move on its date, once
//!    per member per year (a `membership_notice` of kind `level_transition` records it);
//! 4. [`renewal_invoices`]: from the day of a level's first reminder step, the renewal invoice
//!    for each member's and each practice's next term (keyed per membership or practice and
//!    term, so it is issued once, and the reminders point at it); then [`first_charges`]: the
//!    first automatic charge of a renewal invoice that has fallen due, for members with
//!    automatic renewal and a saved method (declines are retried by
//!    [`crate::payments::retry_due_charges`] after this run);
//! 5. [`member_reminders`] and [`practice_reminders`]: each step of the level's reminder
//!    schedule exactly once per term end, naming the renewal invoice. The notice row and the
//!    mail job are written in one transaction, and the row's primary key refuses a second one,
//!    so a repeated or half-crashed run sends nothing twice.
//!
//! Each step reads the whole society with a few queries and writes in batches; nothing runs a
//! query per member.

use std::time::{Duration, Instant};

use chapterhouse_core::joining::{practice_renewal_key, renewal_key};
use chapterhouse_core::level_rules::{self, CATCH_UP_DAYS};
use chapterhouse_core::membership::{Status, Term, next_term};
use chapterhouse_core::money::Cents;
use chapterhouse_core::practice as practice_rules;
use chapterhouse_core::{MembershipId, PracticeId};
use chapterhouse_store::{DuesBasis, NewAudit, Scoped};
use jiff::ToSpan;
use jiff::civil::Date;

use crate::billing::{self, IssuedBatch, PreparedInvoice};
use crate::mail::{EmailJob, enqueue_email, enqueue_emails};
use crate::membership::{period_of_months, today};
use crate::payments::{self, ChargeOutcome};
use crate::{Actor, App, AppError, AppResult};

/// Rows written per transaction by the batched steps.
const BATCH: usize = 500;
/// Practices' renewal invoices issued per transaction (each is a few statements and a line per
/// seat).
const PRACTICE_BATCH: usize = 50;
/// The `membership_notice` kind that records a yearly level transition.
pub const TRANSITION_NOTICE: &str = "level_transition";

/// The notice kind of a reminder step: `reminder:30`, `reminder:-7`.
pub fn reminder_kind(step: i32) -> String {
    format!("reminder:{step}")
}

/// What one daily run did.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct DailyReport {
    pub practice_statuses: usize,
    pub member_statuses: usize,
    pub transitions: usize,
    /// Members' renewal invoices issued.
    pub renewal_invoices: usize,
    /// Practices' renewal invoices issued.
    pub practice_invoices: usize,
    /// First automatic charges made (accepted, on their way, or declined).
    pub automatic_charges: usize,
    /// Of those, declined (a retry is scheduled and the payer asked for a new method).
    pub declined_charges: usize,
    pub reminders: usize,
    pub practice_reminders: usize,
}

/// The whole run for one society. Idempotent: a second run on the same day changes and sends
/// nothing.
pub async fn membership_daily(app: &App, scoped: &Scoped) -> AppResult<DailyReport> {
    Ok(membership_daily_timed(app, scoped).await?.0)
}

/// [`membership_daily`], with how long each step took (wall time, in order; for the
/// `membership_scale` benchmark).
pub async fn membership_daily_timed(
    app: &App,
    scoped: &Scoped,
) -> AppResult<(DailyReport, Vec<(&'static str, Duration)>)> {
    let mut steps = Vec::new();
    let mut started = Instant::now();
    let mut lap = |step: &'static str| {
        steps.push((step, started.elapsed()));
        started = Instant::now();
    };
    let practice_statuses = refresh_practice_statuses(app, scoped).await?;
    lap("practice statuses");
    let member_statuses = crate::membership::refresh_statuses(app, scoped).await?;
    lap("member statuses");
    let transitions = level_transitions(app, scoped).await?;
    lap("level transitions");
    // Before the reminders, so a reminder can point at the invoice.
    let invoices = renewal_invoices(app, scoped).await?;
    lap("renewal invoices");
    let charges = first_charges(app, scoped).await?;
    lap("first charges");
    let reminders = member_reminders(app, scoped).await?;
    lap("member reminders");
    let practice_reminders = practice_reminders(app, scoped).await?;
    lap("practice reminders");
    let report = DailyReport {
        practice_statuses,
        member_statuses,
        transitions,
        renewal_invoices: invoices.members,
        practice_invoices: invoices.practices,
        automatic_charges: charges.made,
        declined_charges: charges.declined,
        reminders,
        practice_reminders,
    };
    Ok((report, steps))
}

/// How far back a latest term's end can be for a membership still in grace (grace is at most
/// 365 days).
const GRACE_HORIZON_DAYS: i64 = 366;

/// The latest term end for which a renewal invoice can be due today: the largest first step of
/// any level's schedule from today. None when no level has a schedule.
fn invoice_horizon<'a>(today: Date, schedules: impl Iterator<Item = &'a str>) -> Option<Date> {
    let first = schedules
        .filter_map(|s| level_rules::parse_reminder_days(s).ok())
        .filter_map(|steps| steps.first().copied())
        .max()?;
    today.checked_add(i64::from(first).days()).ok()
}

/// What [`renewal_invoices`] issued.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct RenewalInvoices {
    pub members: usize,
    pub practices: usize,
}

/// Step 4a: renewal invoices for members and practices whose level's first reminder step has
/// come (or passed: a missed day is made up). Never for a member a practice pays for, nor one
/// cancelled, suspended, overridden by staff or lapsed, nor one already renewed (their latest
/// term is another) or already invoiced (by the portal or an earlier run); never a zero
/// invoice. Members' invoices are written in batches of [`BATCH`], keyed
/// `renew:<membership>:<term start>` as the portal keys them; practices' go through
/// [`crate::practices::issue_renewal_invoice_in`], [`PRACTICE_BATCH`] practices per
/// transaction. The candidates' query leaves out whoever already has an invoice for their next
/// term, so a repeated run reads little and writes nothing. Not emailed on their own: the reminder sent
/// the same day names them.
pub async fn renewal_invoices(app: &App, scoped: &Scoped) -> AppResult<RenewalInvoices> {
    renewal_invoices_in_batches(app, scoped, Batches::default()).await
}

/// How [`renewal_invoices_in_batches`] splits the members' invoices into transactions.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Batches {
    /// Invoices per transaction.
    pub size: usize,
    /// Stop after this many batches (the rest is left for the next run, as a crash would
    /// leave it; tests use it). None: all of them.
    pub limit: Option<usize>,
}

impl Default for Batches {
    fn default() -> Self {
        Batches {
            size: BATCH,
            limit: None,
        }
    }
}

/// [`renewal_invoices`] with the members' invoices issued `batches.size` per transaction (each
/// batch numbered as one block of consecutive numbers and committed on its own), stopping
/// after `batches.limit` batches if given. A run that stops (or crashes) between batches leaves
/// whole batches behind it, and the next run issues exactly the invoices still missing, with
/// the next numbers.
pub async fn renewal_invoices_in_batches(
    app: &App,
    scoped: &Scoped,
    batches: Batches,
) -> AppResult<RenewalInvoices> {
    let today = today(app, scoped);
    let now = app.now();
    let levels = scoped.level_rules_all().await?;
    let Some(through) = invoice_horizon(today, levels.iter().map(|(_, days)| days.as_str())) else {
        return Ok(RenewalInvoices::default());
    };
    let after = today
        .checked_sub(GRACE_HORIZON_DAYS.days())
        .unwrap_or(Date::MIN);
    let actor = Actor::default();

    let due: Vec<PreparedInvoice> = scoped
        .renewal_invoice_candidates(after, through)
        .await?
        .into_iter()
        .filter_map(|c| {
            let latest = Term {
                start: c.start_on.parse().ok()?,
                end: Some(c.end_on.parse().ok()?),
            };
            let steps = level_rules::parse_reminder_days(&c.reminder_days).ok()?;
            if !level_rules::renewal_invoice_due(latest.end?, &steps, today) || c.fee_cents <= 0 {
                return None;
            }
            let term = next_term(&latest, period_of_months(Some(c.period_months)))?;
            let basis = DuesBasis {
                membership: c.membership_id,
                person: c.person_id,
                level_id: c.level_id,
                level_name: c.level_name,
                fee: Cents(c.fee_cents),
                nondeductible_bp: c.nondeductible_bp,
                revenue_account: c.revenue_account,
            };
            let key = renewal_key(c.membership_id, term.start);
            Some(PreparedInvoice {
                invoice: billing::dues_invoice(&basis, term, basis.fee, Some(key), today),
                bill_to: c.bill_to,
            })
        })
        .collect();
    let mut members = 0;
    for batch in due
        .chunks(batches.size.max(1))
        .take(batches.limit.unwrap_or(usize::MAX))
    {
        members += issue_batch(scoped, now, &actor, batch, today).await?;
    }

    // The practices due, then their invoices a batch of practices per transaction (a commit
    // each is what costs on PostgreSQL).
    let mut due_practices = Vec::new();
    for c in scoped.practice_renewal_candidates(after, through).await? {
        let (Ok(end), Ok(steps)) = (
            c.end_on.parse::<Date>(),
            level_rules::parse_reminder_days(&c.reminder_days),
        ) else {
            continue;
        };
        if level_rules::renewal_invoice_due(end, &steps, today) {
            due_practices.push((c.practice_id, end.tomorrow().unwrap_or(end)));
        }
    }
    let mut practices = 0;
    for batch in due_practices.chunks(PRACTICE_BATCH) {
        let mut tx = scoped.begin().await?;
        for (practice, next_start) in batch {
            match crate::practices::issue_renewal_invoice_in(
                app,
                scoped,
                &mut tx,
                *practice,
                Some(*next_start),
                None,
                &actor,
            )
            .await
            {
                Ok(issued) => practices += usize::from(issued.new),
                // Nothing to invoice (no seats yet, no level) or the practice moved on: its
                // reminder still goes out. Nothing was written for it.
                Err(AppError::Invalid(errors)) => {
                    tracing::info!(%practice, ?errors, "no practice renewal invoice");
                }
                Err(error) => return Err(error),
            }
        }
        tx.commit().await?;
    }
    Ok(RenewalInvoices { members, practices })
}

/// One batch of renewal invoices in one transaction. A key taken since the candidates were
/// read (the member renewed in the portal meanwhile) rolls the batch back, numbers included,
/// and it is issued again without that member.
async fn issue_batch(
    scoped: &Scoped,
    now: chapterhouse_core::Timestamp,
    actor: &Actor,
    batch: &[PreparedInvoice],
    today: Date,
) -> AppResult<usize> {
    let mut taken = std::collections::HashSet::new();
    loop {
        let batch: Vec<PreparedInvoice> = batch
            .iter()
            .filter(|p| {
                p.invoice
                    .dedup_key
                    .as_ref()
                    .is_none_or(|key| !taken.contains(key))
            })
            .cloned()
            .collect();
        let mut tx = scoped.begin().await?;
        match billing::issue_invoices_in(&mut tx, now, actor, batch, today).await? {
            IssuedBatch::Issued(ids) => {
                tx.commit().await?;
                return Ok(ids.len());
            }
            // Dropping the transaction rolls it back.
            IssuedBatch::KeysTaken(keys) => {
                tracing::info!(
                    count = keys.len(),
                    "renewal invoices issued meanwhile; batch retried without them"
                );
                taken.extend(keys);
            }
        }
    }
}

/// What [`first_charges`] did.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct FirstCharges {
    pub made: usize,
    pub declined: usize,
}

/// Step 4b: the first automatic charge of each renewal invoice that has fallen due, for members
/// with automatic renewal on and a saved method ([`Scoped::first_charges_due`]). Each goes
/// through [`payments::charge_off_session`], which claims the attempt before calling the
/// processor, so two runs make one charge; an invoice already tried is not listed again (its
/// retries are [`payments::retry_due_charges`]'). The payment itself is recorded when the
/// processor's webhook confirms it. One invoice's trouble does not stop the others.
pub async fn first_charges(app: &App, scoped: &Scoped) -> AppResult<FirstCharges> {
    let mut done = FirstCharges::default();
    if scoped.payment_settings().await?.is_none() {
        return Ok(done);
    }
    for due in scoped.first_charges_due(today(app, scoped)).await? {
        match payments::charge_off_session(app, scoped, due.invoice, due.payment_method).await {
            Ok(ChargeOutcome::Succeeded | ChargeOutcome::Pending) => done.made += 1,
            Ok(ChargeOutcome::Failed { .. }) => {
                done.made += 1;
                done.declined += 1;
            }
            Ok(ChargeOutcome::NothingDue) => {}
            Err(error) => {
                tracing::warn!(?error, invoice = %due.invoice, "automatic renewal charge not made");
            }
        }
    }
    Ok(done)
}

/// Step 1: recompute each practice's status and store the ones that changed.
pub async fn refresh_practice_statuses(app: &App, scoped: &Scoped) -> AppResult<usize> {
    let today = today(app, scoped);
    let changed: Vec<(PracticeId, Status)> = scoped
        .practice_states()
        .await?
        .into_iter()
        .filter_map(|p| {
            let now = practice_rules::practice_status(today, &p.terms, p.grace_days);
            (now != p.status).then_some((p.id, now))
        })
        .collect();
    let mut count = 0;
    for chunk in changed.chunks(BATCH) {
        let mut tx = scoped.begin().await?;
        for (id, status) in chunk {
            if tx.set_practice_status(*id, *status, today).await? {
                count += 1;
            }
        }
        tx.commit().await?;
    }
    Ok(count)
}

/// Step 3: yearly level transitions due today (or missed within the catch-up window).
pub async fn level_transitions(app: &App, scoped: &Scoped) -> AppResult<usize> {
    let today = today(app, scoped);
    let now = app.now();
    let levels = scoped.levels().await?;
    let name = |id| {
        levels
            .iter()
            .find(|l| l.id == id)
            .map(|l| l.name.clone())
            .unwrap_or_default()
    };
    let mut count = 0;
    for t in scoped.level_transitions().await? {
        let (Ok(month), Ok(day)) = (i8::try_from(t.month), i8::try_from(t.day)) else {
            continue;
        };
        // Nobody can be due unless the date itself is (anyone who joined long ago).
        if level_rules::due_transition(today, Date::MIN, month, day).is_none() {
            continue;
        }
        let due: Vec<(MembershipId, Date)> = scoped
            .transition_candidates(t.level)
            .await?
            .into_iter()
            .filter_map(|c| {
                let joined: Date = c.joined_on.parse().ok()?;
                level_rules::due_transition(today, joined, month, day)
                    .map(|date| (c.membership_id, date))
            })
            .collect();
        let detail = format!("{} → {}", name(t.level), name(t.to_level));
        for chunk in due.chunks(BATCH) {
            let mut tx = scoped.begin().await?;
            for (membership, date) in chunk {
                // Once per member per year: the notice row refuses a second move.
                if !tx
                    .insert_membership_notice(*membership, TRANSITION_NOTICE, *date, now)
                    .await?
                {
                    continue;
                }
                tx.set_membership_level(*membership, t.to_level).await?;
                tx.audit(
                    NewAudit {
                        actor: None,
                        action: "member.level_transitioned",
                        subject: &membership.to_string(),
                        detail: &detail,
                        ip: "",
                    },
                    now,
                )
                .await?;
                count += 1;
            }
            tx.commit().await?;
        }
    }
    Ok(count)
}

/// The range of term ends (after, through] for which some step of `schedules` can be due today.
fn reminder_window<'a>(
    today: Date,
    schedules: impl Iterator<Item = &'a str>,
) -> Option<(Date, Date)> {
    let steps: Vec<i32> = schedules
        .filter_map(|s| level_rules::parse_reminder_days(s).ok())
        .flatten()
        .collect();
    let (min, max) = (steps.iter().min()?, steps.iter().max()?);
    let after = today
        .checked_add(i64::from(min - CATCH_UP_DAYS).days())
        .ok()?;
    let through = today.checked_add(i64::from(*max).days()).ok()?;
    Some((after, through))
}

fn long_date(date: Date) -> String {
    date.strftime("%-d %B %Y").to_string()
}

/// Step 5a: members' dues reminders. Never to a member who renewed (the term end is no longer
/// their latest), cancelled, suspended, overridden by staff, or whose practice pays.
pub async fn member_reminders(app: &App, scoped: &Scoped) -> AppResult<usize> {
    let today = today(app, scoped);
    let now = app.now();
    let levels = scoped.level_rules_all().await?;
    let Some((after, through)) =
        reminder_window(today, levels.iter().map(|(_, days)| days.as_str()))
    else {
        return Ok(0);
    };
    let society = scoped.society();
    let base = app.links.base_url(society);
    let due: Vec<_> = scoped
        .member_reminder_candidates(after, through)
        .await?
        .into_iter()
        .filter_map(|c| {
            let end: Date = c.end_on.parse().ok()?;
            let steps = level_rules::parse_reminder_days(&c.reminder_days).ok()?;
            let step = level_rules::due_reminder(end, &steps, today)?;
            Some((c, end, step))
        })
        .collect();
    // The renewal invoice each names: the one for the term after the ending one.
    let keys: Vec<String> = due
        .iter()
        .filter_map(|(c, end, _)| Some(renewal_key(c.membership_id, end.tomorrow().ok()?)))
        .collect();
    let invoices = scoped.invoices_by_dedup_keys(&keys).await?;
    let mut sent = 0;
    for chunk in due.chunks(BATCH) {
        // The notice rows first: those already there (a repeated or half-crashed run) come
        // back as not new, and their mail is not written again.
        let notices: Vec<(MembershipId, String, Date)> = chunk
            .iter()
            .map(|(c, end, step)| (c.membership_id, reminder_kind(*step), *end))
            .collect();
        let mut tx = scoped.begin().await?;
        let new = tx.insert_membership_notices(&notices, now).await?;
        let mut emails = Vec::with_capacity(new.len());
        for (c, end, _) in chunk
            .iter()
            .filter(|(c, _, _)| new.contains(&c.membership_id))
        {
            let ended = *end < today;
            let invoice = end
                .tomorrow()
                .ok()
                .and_then(|start| invoices.get(&renewal_key(c.membership_id, start)));
            let subject = if ended {
                format!("Your {} membership has ended: renew now", society.name)
            } else {
                format!(
                    "Your {} membership ends on {}",
                    society.name,
                    long_date(*end)
                )
            };
            let cost = match invoice {
                Some(invoice) => format!(
                    "Your renewal invoice, {}, is for {}.",
                    invoice.display_number(),
                    invoice.total
                ),
                None => format!("Renewing for another term costs {}.", Cents(c.fee_cents)),
            };
            let text = format!(
                "Hello {name},\n\n\
                 Your {level} membership of {society} {verb} on {end}. {cost}\n\n\
                 Renew in one click:\n{base}/account/renew?membership={id}\n\n\
                 {grace}If you have already renewed, thank you: please ignore this message.",
                name = c.display_name,
                level = c.level_name,
                society = society.name,
                verb = if ended { "ended" } else { "ends" },
                end = long_date(*end),
                id = c.membership_id,
                grace = if ended {
                    "You keep your membership's privileges during the grace period; after it, your membership lapses until you renew.\n\n"
                } else {
                    ""
                },
            );
            emails.push(EmailJob {
                to: c.email.clone(),
                subject,
                text,
            });
        }
        enqueue_emails(&mut tx, &emails, now).await?;
        sent += emails.len();
        tx.commit().await?;
    }
    Ok(sent)
}

/// Step 5b: practices' dues reminders, to the billing email or billing contact (else the key
/// contact), with the practice's annual amount for its seats.
pub async fn practice_reminders(app: &App, scoped: &Scoped) -> AppResult<usize> {
    let today = today(app, scoped);
    let now = app.now();
    let levels = scoped.level_rules_all().await?;
    let Some((after, through)) =
        reminder_window(today, levels.iter().map(|(_, days)| days.as_str()))
    else {
        return Ok(0);
    };
    let society = scoped.society();
    let base = app.links.base_url(society);
    let mut sent = 0;
    let candidates = scoped.practice_reminder_candidates(after, through).await?;
    for c in candidates {
        let Ok(end) = c.end_on.parse::<Date>() else {
            continue;
        };
        let Ok(steps) = level_rules::parse_reminder_days(&c.reminder_days) else {
            continue;
        };
        let Some(step) = level_rules::due_reminder(end, &steps, today) else {
            continue;
        };
        if c.to_email.is_empty() {
            tracing::warn!(practice = %c.practice_id, "practice reminder due but no billing or key contact email");
            continue;
        }
        // A query or two per practice due today (a handful), not per member.
        let charges = crate::practices::annual_charges(scoped, c.practice_id).await?;
        let key = end
            .tomorrow()
            .map(|start| practice_renewal_key(c.practice_id, start))
            .unwrap_or_default();
        let invoices = scoped
            .invoices_by_dedup_keys(std::slice::from_ref(&key))
            .await?;
        let invoice = invoices.get(&key);
        let total = invoice
            .map(|i| i.total)
            .unwrap_or_else(|| practice_rules::total(&charges));
        let named = invoice
            .map(|i| format!(" Your renewal invoice is {}.", i.display_number()))
            .unwrap_or_default();
        let ended = end < today;
        let po = if c.po_number.is_empty() {
            String::new()
        } else {
            format!(" (PO {})", c.po_number)
        };
        let mut tx = scoped.begin().await?;
        if !tx
            .insert_practice_notice(c.practice_id, &reminder_kind(step), end, now)
            .await?
        {
            continue;
        }
        let text = format!(
            "Hello {name},\n\n\
             {practice}'s group membership of {society}{po} {verb} on {end}. Renewing covers \
             {count} clinician{s} for {total}.{named}\n\n\
             Renew in one click:\n{base}/account/renew?practice={id}\n\n\
             If you have already renewed, thank you: please ignore this message.",
            name = c.to_name,
            practice = c.practice_name,
            society = society.name,
            verb = if ended { "ended" } else { "ends" },
            end = long_date(end),
            count = charges.len(),
            s = if charges.len() == 1 { "" } else { "s" },
            id = c.practice_id,
        );
        enqueue_email(
            &mut tx,
            &EmailJob {
                to: c.to_email.clone(),
                subject: if ended {
                    format!("{}'s membership has ended: renew now", c.practice_name)
                } else {
                    format!(
                        "{}'s membership ends on {}",
                        c.practice_name,
                        long_date(end)
                    )
                },
                text,
            },
            now,
        )
        .await?;
        tx.commit().await?;
        sent += 1;
    }
    Ok(sent)
}

#[cfg(test)]
mod tests {
    use super::*;
    use jiff::civil::date;

    #[test]
    fn the_reminder_window_covers_every_step_with_catch_up() {
        let today = date(2026, 12, 1);
        assert_eq!(
            reminder_window(today, ["60,30,7,-7", "14"].into_iter()),
            Some((date(2026, 11, 17), date(2027, 1, 30)))
        );
        assert_eq!(reminder_window(today, ["", "bad"].into_iter()), None);
        assert_eq!(reminder_kind(-7), "reminder:-7");
    }
}
