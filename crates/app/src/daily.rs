//! The membership daily run, per society at its local midnight (the `membership_daily` job).
//! Steps, in order, each a separate function so renewal invoices and automatic charges can be
//! slotted in between:
//!
//! 1. [`refresh_practice_statuses`]: each practice's status from its terms;
//! 2. [`crate::membership::refresh_statuses`]: every membership's status (a seat follows its
//!    practice's status stored in step 1);
//! 3. [`level_transitions`]: members of a level with a yearly transition move on its date, once
//!    per member per year (a `membership_notice` of kind `level_transition` records it);
//! 4. (billing: renewal invoices, then automatic charges);
//! 5. [`member_reminders`] and [`practice_reminders`]: each step of the level's reminder
//!    schedule exactly once per term end. The notice row and the mail job are written in one
//!    transaction, and the row's primary key refuses a second one, so a repeated or half-crashed
//!    run sends nothing twice.
//!
//! Each step reads the whole society with a few queries and writes in batches; nothing runs a
//! query per member.

use chapterhouse_core::level_rules::{self, CATCH_UP_DAYS};
use chapterhouse_core::membership::Status;
use chapterhouse_core::money::Cents;
use chapterhouse_core::practice as practice_rules;
use chapterhouse_core::{MembershipId, PracticeId};
use chapterhouse_store::{NewAudit, Scoped};
use jiff::ToSpan;
use jiff::civil::Date;

use crate::mail::{EmailJob, enqueue_email};
use crate::membership::today;
use crate::{App, AppResult};

/// Rows written per transaction by the batched steps.
const BATCH: usize = 500;
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
    pub reminders: usize,
    pub practice_reminders: usize,
}

/// The whole run for one society. Idempotent: a second run on the same day changes and sends
/// nothing.
pub async fn membership_daily(app: &App, scoped: &Scoped) -> AppResult<DailyReport> {
    let practice_statuses = refresh_practice_statuses(app, scoped).await?;
    let member_statuses = crate::membership::refresh_statuses(app, scoped).await?;
    let transitions = level_transitions(app, scoped).await?;
    // Renewal invoices and automatic charges (billing) go here, before the reminders, so a
    // reminder can point at the invoice.
    let reminders = member_reminders(app, scoped).await?;
    let practice_reminders = practice_reminders(app, scoped).await?;
    Ok(DailyReport {
        practice_statuses,
        member_statuses,
        transitions,
        reminders,
        practice_reminders,
    })
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
    let mut sent = 0;
    for chunk in due.chunks(BATCH) {
        let mut tx = scoped.begin().await?;
        for (c, end, step) in chunk {
            if !tx
                .insert_membership_notice(c.membership_id, &reminder_kind(*step), *end, now)
                .await?
            {
                continue;
            }
            let ended = *end < today;
            let subject = if ended {
                format!("Your {} membership has ended: renew now", society.name)
            } else {
                format!(
                    "Your {} membership ends on {}",
                    society.name,
                    long_date(*end)
                )
            };
            let text = format!(
                "Hello {name},\n\n\
                 Your {level} membership of {society} {verb} on {end}. Renewing for another \
                 term costs {fee}.\n\n\
                 Renew in one click:\n{base}/account/renew?membership={id}\n\n\
                 {grace}If you have already renewed, thank you: please ignore this message.",
                name = c.display_name,
                level = c.level_name,
                society = society.name,
                verb = if ended { "ended" } else { "ends" },
                end = long_date(*end),
                fee = Cents(c.fee_cents),
                id = c.membership_id,
                grace = if ended {
                    "You keep your membership's privileges during the grace period; after it, your membership lapses until you renew.\n\n"
                } else {
                    ""
                },
            );
            enqueue_email(
                &mut tx,
                &EmailJob {
                    to: c.email.clone(),
                    subject,
                    text,
                },
                now,
            )
            .await?;
            sent += 1;
        }
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
        let total = practice_rules::total(&charges);
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
             {count} clinician{s} for {total}.\n\n\
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
