//! Cancellations and event changes: a registrant cancelling themselves within their type's
//! policy, staff cancelling or moving one registration, staff cancelling a whole event, and
//! registrants being told when an event's time or place changes.
//!
//! Every cancellation of one registration goes through [`cancel_one`]: in ONE transaction the
//! status moves (only from the status it was read in, so two cancels cancel once), its seats go
//! back to the counters, the freed seats are offered to the waitlist through registration's own
//! [`registrations::offer_freed_seats_in`], money is settled (a credit memo in the same
//! transaction, or a refund job), and the mail with its `METHOD:CANCEL` calendar file is enqueued.
//!
//! Work that touches many people or the payment processor runs as jobs, never in the request:
//! - [`REGISTRATION_REFUND`]: refunds what was paid on a registration's invoice through
//!   [`payments::refund_to_payer`], keyed per payment, so a repeat refunds nothing more;
//! - [`EVENT_CANCELLATION`]: cancels each live registration of a cancelled event in its own
//!   transaction (a crash resumes with the ones left; the cancelled are no longer live);
//! - [`EVENT_CHANGE_NOTICE`]: mails seat holders the new time or place with an updated
//!   invitation (`METHOD:REQUEST`, same UID, the event's raised SEQUENCE); each mail carries a
//!   dedup key, so a repeated run sends nothing twice.

use chapterhouse_core::cancellation::{self as rules, MoneyBack, SelfCancel};
use chapterhouse_core::events::{CancelPolicy, EventStatus};
use chapterhouse_core::money::Cents;
use chapterhouse_core::registration::RegStatus;
use chapterhouse_core::validate::FieldErrors;
use chapterhouse_core::{EventId, RegistrationId, RegistrationTypeId, Timestamp};
use chapterhouse_store::{Event, NewAudit, NewJob, Registrants, Registration, Scoped, ScopedTx};
use serde::{Deserialize, Serialize};

use crate::accounts::CurrentUser;
use crate::jobs::JobFailure;
use crate::mail::{EmailJob, enqueue_email_once};
use crate::membership::today;
use crate::{Actor, App, AppError, AppResult, billing, events, payments, registrations};

pub const REGISTRATION_REFUND: &str = "registration_refund";
pub const EVENT_CANCELLATION: &str = "event_cancellation";
pub const EVENT_CHANGE_NOTICE: &str = "event_change_notice";
/// Registrations whose mails one change-notice transaction enqueues.
const NOTICE_BATCH: usize = 200;

/// Whether a job kind is one of this module's.
pub fn handles(kind: &str) -> bool {
    matches!(
        kind,
        REGISTRATION_REFUND | EVENT_CANCELLATION | EVENT_CHANGE_NOTICE
    )
}

// ---------------------------------------------------------------------------------------------
// Money on a registration.

/// What was paid on a registration's invoice and not refunded, and what is still owed on it.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Paid {
    pub net_paid: Cents,
    pub owed: Cents,
}

async fn paid_on(scoped: &Scoped, reg: &Registration) -> AppResult<Paid> {
    let Some(invoice) = reg.invoice() else {
        return Ok(Paid::default());
    };
    let Some(detail) = scoped.invoice_detail(invoice).await? else {
        return Ok(Paid::default());
    };
    let net_paid: i64 = detail.payments.iter().map(|p| p.refundable().0).sum();
    Ok(Paid {
        net_paid: Cents(net_paid),
        owed: Cents(detail.invoice.amounts.balance().0.max(0)),
    })
}

// ---------------------------------------------------------------------------------------------
// Self-cancellation.

/// What the cancel page shows a registrant.
#[derive(Clone, Debug)]
pub struct CancelView {
    pub registration: Registration,
    pub event: Event,
    pub decision: SelfCancel,
    /// The sentence about money (allowed), or why not and whom to ask (refused).
    pub words: String,
    /// The registration's own page (with its signed link).
    pub page: String,
}

fn contact_words(scoped: &Scoped) -> String {
    let s = scoped.society();
    match (s.email.is_empty(), s.phone.is_empty()) {
        (false, false) => format!("{} at {} or {}", s.name, s.email, s.phone),
        (false, true) => format!("{} at {}", s.name, s.email),
        (true, false) => format!("{} at {}", s.name, s.phone),
        (true, true) => s.name.clone(),
    }
}

fn decision_words(scoped: &Scoped, e: &Event, decision: SelfCancel) -> String {
    match decision {
        SelfCancel::Allowed { back, .. } => back.words(),
        SelfCancel::TooLate { closed_at } => format!(
            "Cancellation closed on {}. To change your plans, contact {}.",
            closed_at.display_in(&e.time_zone),
            contact_words(scoped)
        ),
        SelfCancel::NotLive => {
            "This registration is no longer active, so there is nothing to cancel.".into()
        }
    }
}

/// The registrant's cancel page: the owner signed in, or anyone with the registration's signed
/// link (staff use the staff page). Anyone else gets `NotFound`.
pub async fn cancel_view(
    app: &App,
    scoped: &Scoped,
    id: RegistrationId,
    user: Option<&CurrentUser>,
    token: Option<&str>,
) -> AppResult<CancelView> {
    let reg = registrations::page_access(app, scoped, id, user, token).await?;
    let e = scoped
        .event(reg.event_id)
        .await?
        .ok_or(AppError::NotFound)?;
    let ty = scoped
        .registration_type(reg.event_id, reg.registration_type_id)
        .await?
        .ok_or(AppError::NotFound)?;
    let paid = paid_on(scoped, &reg).await?;
    let status = RegStatus::parse(&reg.status).unwrap_or(RegStatus::Expired);
    let decision = if e.status == EventStatus::Cancelled.as_str() {
        SelfCancel::NotLive
    } else {
        rules::self_cancel(
            status,
            CancelPolicy::parse(&ty.cancel_policy).unwrap_or(CancelPolicy::None),
            Timestamp(e.starts_at),
            ty.cancel_until_hours,
            paid.net_paid,
            app.now(),
        )
    };
    Ok(CancelView {
        words: decision_words(scoped, &e, decision),
        page: registrations::registration_path(app, scoped, &reg),
        registration: reg,
        event: e,
        decision,
    })
}

/// What a cancellation came to.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Cancelled {
    Done(MoneyBack),
    /// It was cancelled already (a second submit, or staff got there first).
    Already,
}

/// The registrant cancels (after the confirmation page). Past the deadline it is refused with
/// the date it closed and whom to contact, on the field `cancel`.
pub async fn cancel_own(
    app: &App,
    scoped: &Scoped,
    id: RegistrationId,
    user: Option<&CurrentUser>,
    token: Option<&str>,
    actor: &Actor,
) -> AppResult<Cancelled> {
    let view = cancel_view(app, scoped, id, user, token).await?;
    match view.decision {
        SelfCancel::NotLive => Ok(Cancelled::Already),
        SelfCancel::TooLate { .. } => Err(AppError::field("cancel", &view.words)),
        SelfCancel::Allowed { back, .. } => {
            let done = cancel_one(
                app,
                scoped,
                &view.registration,
                &view.event,
                How::Own(back),
                actor,
            )
            .await?;
            Ok(if done {
                Cancelled::Done(back)
            } else {
                Cancelled::Already
            })
        }
    }
}

// ---------------------------------------------------------------------------------------------
// One cancellation.

/// Who cancelled, and what happens to the money.
#[derive(Clone, Debug)]
enum How {
    /// The registrant, under their type's policy.
    Own(MoneyBack),
    /// Staff, refunding what was paid or not.
    Staff { refund: bool, reason: String },
    /// The whole event was cancelled: everything paid is refunded.
    Event { reason: String },
}

async fn cancel_one(
    app: &App,
    scoped: &Scoped,
    reg: &Registration,
    e: &Event,
    how: How,
    actor: &Actor,
) -> AppResult<bool> {
    let now = app.now();
    let status = RegStatus::parse(&reg.status).unwrap_or(RegStatus::Expired);
    if !status.is_live() {
        return Ok(false);
    }
    let paid = paid_on(scoped, reg).await?;
    let back = match &how {
        How::Own(back) => *back,
        How::Staff { refund: true, .. } | How::Event { .. } => {
            MoneyBack::under(CancelPolicy::Refund, paid.net_paid)
        }
        How::Staff { refund: false, .. } => MoneyBack::under(CancelPolicy::None, paid.net_paid),
    };
    let note = match &how {
        How::Own(_) => "Cancelled by the registrant.".to_string(),
        How::Staff { reason, .. } if reason.is_empty() => "Cancelled by the society.".into(),
        How::Staff { reason, .. } => format!("Cancelled by the society: {reason}"),
        How::Event { reason } => format!("The event was cancelled: {reason}"),
    };
    let mut tx = scoped.begin().await?;
    if !tx
        .cancel_registration(reg.id, status.as_str(), &note, now)
        .await?
    {
        return Ok(false);
    }
    if status.takes_seats() {
        tx.release_seats(reg.event_id, reg.registration_type_id, reg.seats)
            .await?;
    }
    if let Some(invoice) = reg.invoice() {
        let invoice = tx.invoice(invoice).await?.ok_or(AppError::Stale)?;
        let today = today(app, scoped);
        // Nothing stays owed on a cancelled registration.
        if paid.owed.0 > 0 {
            billing::credit_memo_in(
                &mut tx,
                &invoice,
                paid.owed,
                &format!("Registration for {} cancelled before payment.", e.title),
                today,
                actor,
                now,
            )
            .await?;
        }
        match back {
            MoneyBack::Credit(amount) => {
                billing::credit_memo_in(
                    &mut tx,
                    &invoice,
                    amount,
                    &format!(
                        "Credit for the cancelled registration for {} ({}), toward a later invoice.",
                        e.title,
                        reg.name()
                    ),
                    today,
                    actor,
                    now,
                )
                .await?;
            }
            MoneyBack::Refund(_) => {
                let reason = match &how {
                    How::Event { .. } => format!("{} was cancelled by the society.", e.title),
                    _ => format!("Registration for {} cancelled.", e.title),
                };
                tx.enqueue(
                    &NewJob {
                        kind: REGISTRATION_REFUND,
                        payload: serde_json::to_string(&RefundPayload {
                            registration: reg.id,
                            reason,
                        })
                        .map_err(anyhow::Error::from)?,
                        run_at: now,
                        dedup_key: Some(format!("{REGISTRATION_REFUND}:{}", reg.id)),
                        max_attempts: 12,
                    },
                    now,
                )
                .await?;
            }
            MoneyBack::Kept(_) | MoneyBack::NothingPaid => {}
        }
    }
    // Mail, with a calendar cancellation for those who were sent an invitation.
    let sequence = match how {
        How::Event { .. } => e.sequence,
        _ => e.sequence + 1,
    };
    let attachments = if status == RegStatus::Confirmed {
        vec![crate::calendar::cancellation(
            app, scoped, e, reg, sequence, now,
        )]
    } else {
        Vec::new()
    };
    let text = cancel_mail_text(app, scoped, reg, e, &how, back);
    let subject = match how {
        How::Event { .. } => format!("Cancelled: {}", e.title),
        _ => format!("Your registration is cancelled: {}", e.title),
    };
    enqueue_email_once(
        &mut tx,
        &EmailJob {
            to: reg.email.clone(),
            subject,
            text,
        },
        &attachments,
        format!("registration_cancelled:{}", reg.id),
        now,
    )
    .await?;
    if status.takes_seats() {
        // The same path that offers a lapsed hold's seat: the oldest waitlisted who fits.
        registrations::offer_freed_seats_in(app, scoped, &mut tx, e, now).await?;
    }
    tx.audit(
        NewAudit {
            actor: actor.account,
            action: "registration.cancelled",
            subject: &e.slug,
            detail: &format!("{} <{}>: {note} {}", reg.name(), reg.email, back_note(back)),
            ip: &actor.ip,
        },
        now,
    )
    .await?;
    tx.commit().await?;
    Ok(true)
}

fn back_note(back: MoneyBack) -> String {
    match back {
        MoneyBack::Refund(c) => format!("Refund of {c}."),
        MoneyBack::Credit(c) => format!("Credit of {c}."),
        MoneyBack::Kept(c) => format!("{c} kept."),
        MoneyBack::NothingPaid => "Nothing paid.".into(),
    }
}

fn cancel_mail_text(
    app: &App,
    scoped: &Scoped,
    reg: &Registration,
    e: &Event,
    how: &How,
    back: MoneyBack,
) -> String {
    let base = app.links.base_url(scoped.society());
    let when = chapterhouse_core::events::when_words(
        Timestamp(e.starts_at),
        Timestamp(e.ends_at),
        &e.time_zone,
    );
    let money = match (how, back) {
        (_, MoneyBack::NothingPaid) => String::new(),
        (How::Own(_), back) => format!("\n\n{}", back.words()),
        (_, MoneyBack::Refund(c)) => format!(
            "\n\nWe are refunding the {c} you paid, in full, to the card or account you paid with; it can take a few days to reach you."
        ),
        (_, MoneyBack::Kept(c)) => format!(
            "\n\nThe {c} you paid is not refunded. If you have questions, contact {}.",
            contact_words(scoped)
        ),
        (_, back) => format!("\n\n{}", back.words()),
    };
    let calendar = if reg.status == RegStatus::Confirmed.as_str() {
        "\n\nThe attached cancel.ics removes the event from your calendar."
    } else {
        ""
    };
    match how {
        How::Own(_) => format!(
            "Dear {},\n\nYour registration for {} ({when}) is cancelled, as you asked.{money}{calendar}\n\nIf this was a mistake, register again from {base}/events/{} while places remain.\n",
            reg.name(),
            e.title,
            e.slug,
        ),
        How::Staff { reason, .. } => format!(
            "Dear {},\n\n{} has cancelled your registration for {} ({when}).{}{money}{calendar}\n\nIf you have questions, contact {}.\n",
            reg.name(),
            scoped.society().name,
            e.title,
            if reason.is_empty() {
                String::new()
            } else {
                format!("\n\nReason: {reason}")
            },
            contact_words(scoped),
        ),
        How::Event { reason } => format!(
            "Dear {},\n\nWe are sorry to tell you that {}, planned for {when}, has been cancelled.\n\nReason: {reason}{money}{calendar}\n\nYour registration is cancelled; there is nothing you need to do. If you have questions, contact {}.\n",
            reg.name(),
            e.title,
            contact_words(scoped),
        ),
    }
}

// ---------------------------------------------------------------------------------------------
// Refunds (job).

#[derive(Serialize, Deserialize)]
struct RefundPayload {
    registration: RegistrationId,
    reason: String,
}

/// Refund everything paid and not yet refunded on a registration's invoice, payment by
/// payment, each under its own key. Returns what was refunded by this run.
pub async fn refund_registration(
    app: &App,
    scoped: &Scoped,
    id: RegistrationId,
    reason: &str,
) -> AppResult<Cents> {
    let reg = scoped.registration(id).await?.ok_or(AppError::NotFound)?;
    let Some(invoice) = reg.invoice() else {
        return Ok(Cents::ZERO);
    };
    let Some(detail) = scoped.invoice_detail(invoice).await? else {
        return Ok(Cents::ZERO);
    };
    let mut total = 0;
    for p in &detail.payments {
        let left = p.refundable();
        if left.0 <= 0 {
            continue;
        }
        payments::refund_to_payer(
            app,
            scoped,
            &Actor::default(),
            p.id,
            left,
            reason.to_string(),
            &format!("registration-refund:{id}:{}", p.id),
        )
        .await?;
        total += left.0;
    }
    Ok(Cents(total))
}

// ---------------------------------------------------------------------------------------------
// Staff: one registration.

/// The staff cancel form: refund or not, and why (told to the registrant).
#[derive(Clone, Debug, Default, Deserialize)]
pub struct StaffCancelForm {
    /// "yes" (a ticked checkbox) to refund what was paid.
    #[serde(default)]
    pub refund: String,
    #[serde(default)]
    pub reason: String,
}

fn check_reason(reason: &str, required: bool) -> Result<String, FieldErrors> {
    let reason = reason.trim().to_string();
    let mut errors = FieldErrors::new();
    errors.check(
        required && reason.is_empty(),
        "reason",
        "Say why, in a few words: registrants are told.",
    );
    errors.check(
        reason.chars().count() > 500,
        "reason",
        "Keep the reason under 500 characters.",
    );
    errors.into_result()?;
    Ok(reason)
}

/// Staff cancel one registration, refunding what was paid when they choose to.
pub async fn staff_cancel(
    app: &App,
    scoped: &Scoped,
    id: RegistrationId,
    form: &StaffCancelForm,
    actor: &Actor,
) -> AppResult<Cancelled> {
    let reason = check_reason(&form.reason, false)?;
    let reg = scoped.registration(id).await?.ok_or(AppError::NotFound)?;
    let e = scoped
        .event(reg.event_id)
        .await?
        .ok_or(AppError::NotFound)?;
    let refund = matches!(form.refund.trim(), "yes" | "on" | "true" | "1");
    let paid = paid_on(scoped, &reg).await?;
    let back = if refund {
        MoneyBack::under(CancelPolicy::Refund, paid.net_paid)
    } else {
        MoneyBack::under(CancelPolicy::None, paid.net_paid)
    };
    let done = cancel_one(app, scoped, &reg, &e, How::Staff { refund, reason }, actor).await?;
    Ok(if done {
        Cancelled::Done(back)
    } else {
        Cancelled::Already
    })
}

/// What staff see before cancelling one registration: what was paid.
pub async fn paid_for(scoped: &Scoped, reg: &Registration) -> AppResult<Paid> {
    paid_on(scoped, reg).await
}

/// Staff move a live registration to another type of the same event. Its seats move with it
/// (refused when the new type is full); the price already charged stays as it is (staff adjust
/// the invoice themselves if the types cost differently). The registrant is told.
pub async fn staff_move(
    app: &App,
    scoped: &Scoped,
    id: RegistrationId,
    to_type: &str,
    actor: &Actor,
) -> AppResult<()> {
    let reg = scoped.registration(id).await?.ok_or(AppError::NotFound)?;
    let status = RegStatus::parse(&reg.status).unwrap_or(RegStatus::Expired);
    if !rules::can_move(status) {
        return Err(AppError::field(
            "to_type",
            "Only an active registration can be moved.",
        ));
    }
    let types = scoped.registration_types(reg.event_id).await?;
    let Some(target) = to_type
        .trim()
        .parse::<RegistrationTypeId>()
        .ok()
        .and_then(|t| types.iter().find(|x| x.id == t))
    else {
        return Err(AppError::field("to_type", "Choose a registration type."));
    };
    if target.id == reg.registration_type_id {
        return Err(AppError::field(
            "to_type",
            "The registration already has this type. Choose another.",
        ));
    }
    let e = scoped
        .event(reg.event_id)
        .await?
        .ok_or(AppError::NotFound)?;
    let now = app.now();
    let mut tx = scoped.begin().await?;
    if status.takes_seats() {
        tx.release_type_seats(reg.registration_type_id, reg.seats)
            .await?;
        if !tx.take_type_seats(e.id, target.id, reg.seats).await? {
            return Err(AppError::field(
                "to_type",
                &format!("“{}” is full. Choose another type.", target.name),
            ));
        }
    }
    if !tx
        .set_registration_type(id, status.as_str(), target.id, now)
        .await?
    {
        return Err(AppError::Stale);
    }
    if status.takes_seats() {
        // A place on the old type may now fit someone waiting for it.
        registrations::offer_freed_seats_in(app, scoped, &mut tx, &e, now).await?;
    }
    crate::mail::enqueue_email(
        &mut tx,
        &EmailJob {
            to: reg.email.clone(),
            subject: format!("Your registration has changed: {}", e.title),
            text: format!(
                "Dear {},\n\nYour registration for {} is now “{}” (it was “{}”).\n\nYour registration: {}{}\n",
                reg.name(),
                e.title,
                target.name,
                reg.type_name,
                app.links.base_url(scoped.society()),
                registrations::registration_path(app, scoped, &reg),
            ),
        },
        now,
    )
    .await?;
    tx.audit(
        NewAudit {
            actor: actor.account,
            action: "registration.moved",
            subject: &e.slug,
            detail: &format!(
                "{} <{}>: {} → {}",
                reg.name(),
                reg.email,
                reg.type_name,
                target.name
            ),
            ip: &actor.ip,
        },
        now,
    )
    .await?;
    tx.commit().await?;
    Ok(())
}

// ---------------------------------------------------------------------------------------------
// Staff: the whole event.

#[derive(Clone, Debug, Default, Deserialize)]
pub struct CancelEventForm {
    #[serde(default)]
    pub reason: String,
}

/// Cancel a published event: its status, reason and a raised SEQUENCE now, and a job that
/// cancels every live registration (refunding what was paid in full), clears the waitlist and
/// mails everyone.
pub async fn cancel_event(
    app: &App,
    scoped: &Scoped,
    event: EventId,
    form: &CancelEventForm,
    actor: &Actor,
) -> AppResult<()> {
    let reason = check_reason(&form.reason, true)?;
    let e = scoped.event(event).await?.ok_or(AppError::NotFound)?;
    let now = app.now();
    let mut tx = scoped.begin().await?;
    if tx.cancel_event(event, &reason, now).await?.is_none() {
        return Err(AppError::field(
            "reason",
            if e.status == EventStatus::Cancelled.as_str() {
                "This event is already cancelled."
            } else {
                "Only a published event can be cancelled (a draft can simply be deleted)."
            },
        ));
    }
    tx.enqueue(
        &NewJob {
            kind: EVENT_CANCELLATION,
            payload: serde_json::json!({ "event": event }).to_string(),
            run_at: now,
            dedup_key: Some(format!("{EVENT_CANCELLATION}:{event}")),
            max_attempts: 12,
        },
        now,
    )
    .await?;
    tx.audit(
        NewAudit {
            actor: actor.account,
            action: "event.cancelled",
            subject: &e.slug,
            detail: &format!("{}: {reason}", e.title),
            ip: &actor.ip,
        },
        now,
    )
    .await?;
    tx.commit().await?;
    Ok(())
}

#[derive(Serialize, Deserialize)]
struct EventPayload {
    event: EventId,
}

/// The event-cancellation job: cancel each live registration of a cancelled event, one
/// transaction each. Returns how many it cancelled (a second run finds none).
pub async fn cancel_registrations_of(
    app: &App,
    scoped: &Scoped,
    event: EventId,
) -> AppResult<usize> {
    let e = scoped.event(event).await?.ok_or(AppError::NotFound)?;
    if e.status != EventStatus::Cancelled.as_str() {
        return Ok(0);
    }
    let how = How::Event {
        reason: e.cancel_reason.clone(),
    };
    let mut done = 0;
    for id in scoped
        .event_registration_ids(event, Registrants::Live)
        .await?
    {
        let Some(reg) = scoped.registration(id).await? else {
            continue;
        };
        if cancel_one(app, scoped, &reg, &e, how.clone(), &Actor::default()).await? {
            done += 1;
        }
    }
    Ok(done)
}

// ---------------------------------------------------------------------------------------------
// Event changes.

/// What registrants knew before a change.
#[derive(Clone, Debug, Serialize, Deserialize)]
struct ChangePayload {
    event: EventId,
    sequence: i64,
    was_when: String,
    was_place: String,
}

fn place_of(e: &Event) -> String {
    let mut place = events::place_words(&e.location_name, &e.online_url);
    let address = e
        .location_address
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty())
        .collect::<Vec<_>>()
        .join(", ");
    if !address.is_empty() {
        place = format!("{place}, {address}");
    }
    place
}

fn when_of(e: &Event) -> String {
    chapterhouse_core::events::when_words(
        Timestamp(e.starts_at),
        Timestamp(e.ends_at),
        &e.time_zone,
    )
}

/// Called by `events::save_event` in its transaction when a published event's time or place
/// changed (its SEQUENCE went up to `sequence`): the job that tells registrants.
pub async fn enqueue_change_notice(
    tx: &mut ScopedTx,
    before: &Event,
    sequence: i64,
    now: Timestamp,
) -> AppResult<()> {
    tx.enqueue(
        &NewJob {
            kind: EVENT_CHANGE_NOTICE,
            payload: serde_json::to_string(&ChangePayload {
                event: before.id,
                sequence,
                was_when: when_of(before),
                was_place: place_of(before),
            })
            .map_err(anyhow::Error::from)?,
            run_at: now,
            dedup_key: Some(format!("{EVENT_CHANGE_NOTICE}:{}:{sequence}", before.id)),
            max_attempts: 12,
        },
        now,
    )
    .await?;
    Ok(())
}

/// The change-notice job: each seat holder is mailed what changed with an updated invitation.
/// A notice overtaken by a later change sends nothing (the later one tells). Returns how many
/// mails this run enqueued.
async fn send_change_notice(app: &App, scoped: &Scoped, p: &ChangePayload) -> AppResult<usize> {
    let Some(e) = scoped.event(p.event).await? else {
        return Ok(0);
    };
    if e.sequence != p.sequence || e.status != EventStatus::Published.as_str() {
        return Ok(0);
    }
    let now = app.now();
    let (when, place) = (when_of(&e), place_of(&e));
    let mut changes = String::new();
    if when != p.was_when {
        changes.push_str(&format!("When: {when}\n  (was: {})\n", p.was_when));
    } else {
        changes.push_str(&format!("When: {when} (unchanged)\n"));
    }
    if place != p.was_place {
        changes.push_str(&format!("Where: {place}\n  (was: {})\n", p.was_place));
    } else {
        changes.push_str(&format!("Where: {place} (unchanged)\n"));
    }
    let online = if e.online_url.is_empty() {
        String::new()
    } else {
        format!("Join online: {}\n", e.online_url)
    };
    let base = app.links.base_url(scoped.society());
    let ids = scoped
        .event_registration_ids(e.id, Registrants::SeatHolders)
        .await?;
    let mut sent = 0;
    for chunk in ids.chunks(NOTICE_BATCH) {
        let mut tx = scoped.begin().await?;
        for id in chunk {
            let Some(reg) = tx.registration_in(*id).await? else {
                continue;
            };
            let invite = crate::calendar::invitation(app, scoped, &e, &reg, now);
            let text = format!(
                "Dear {},\n\nThe details of {} have changed. You are still registered ({}).\n\n{changes}{online}\nThe attached invite.ics updates the entry in your calendar.\n\nYour registration: {base}{}\n",
                reg.name(),
                e.title,
                reg.type_name,
                registrations::registration_path(app, scoped, &reg),
            );
            if enqueue_email_once(
                &mut tx,
                &EmailJob {
                    to: reg.email.clone(),
                    subject: format!("Changed: {}", e.title),
                    text,
                },
                &[invite],
                format!("{EVENT_CHANGE_NOTICE}:{}:{}:{}", e.id, e.sequence, reg.id),
                now,
            )
            .await?
            {
                sent += 1;
            }
        }
        tx.commit().await?;
    }
    Ok(sent)
}

// ---------------------------------------------------------------------------------------------
// The worker's entry.

/// Run one of this module's jobs (see [`handles`]).
pub async fn run_job(
    app: &App,
    scoped: &Scoped,
    kind: &str,
    payload: &str,
) -> Result<(), JobFailure> {
    let bad = |e: serde_json::Error| JobFailure::Permanent(format!("bad payload: {e}"));
    let retry = |e: AppError| JobFailure::Retry(e.to_string());
    match kind {
        REGISTRATION_REFUND => {
            let p: RefundPayload = serde_json::from_str(payload).map_err(bad)?;
            refund_registration(app, scoped, p.registration, &p.reason)
                .await
                .map(drop)
                .map_err(retry)
        }
        EVENT_CANCELLATION => {
            let p: EventPayload = serde_json::from_str(payload).map_err(bad)?;
            cancel_registrations_of(app, scoped, p.event)
                .await
                .map(drop)
                .map_err(retry)
        }
        EVENT_CHANGE_NOTICE => {
            let p: ChangePayload = serde_json::from_str(payload).map_err(bad)?;
            send_change_notice(app, scoped, &p)
                .await
                .map(drop)
                .map_err(retry)
        }
        other => Err(JobFailure::Permanent(format!("unknown job kind {other:?}"))),
    }
}
