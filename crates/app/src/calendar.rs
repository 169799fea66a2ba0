//! A registrant's calendar files, attached to their mails: the invitation (`invite.ics`,
//! `METHOD:REQUEST`, sent with the confirmation and again when the event changes) and its
//! cancellation (`cancel.ics`, `METHOD:CANCEL`). The society is the organizer; the event's
//! UID stays the same, so a calendar updates or removes the entry it already has.

use chapterhouse_core::Timestamp;
use chapterhouse_core::calendar::{self, Invitee};
use chapterhouse_store::{Event, Registration, Scoped};

use crate::App;
use crate::mail::{JobAttachment, sender_address};

fn invitee(scoped: &Scoped, reg: &Registration) -> Invitee {
    let society = scoped.society();
    Invitee {
        organizer_name: society.name.clone(),
        organizer_email: sender_address(society),
        attendee_name: reg.name(),
        attendee_email: reg.email.clone(),
    }
}

/// `invite.ics`: the event at its current SEQUENCE, its online link in the description.
pub fn invitation(
    app: &App,
    scoped: &Scoped,
    e: &Event,
    reg: &Registration,
    now: Timestamp,
) -> JobAttachment {
    let mut cal = crate::events::calendar_event(&app.links, scoped, e);
    if !e.online_url.is_empty() {
        cal.description = format!("{}\n\nJoin online: {}", cal.description, e.online_url);
    }
    let ics = calendar::invitation(&cal, &invitee(scoped, reg), now);
    JobAttachment::new(
        "invite.ics",
        "text/calendar; method=REQUEST; charset=utf-8",
        ics.as_bytes(),
    )
}

/// `cancel.ics`: removes the event from the registrant's calendar; `sequence` is the event's
/// (when the whole event is cancelled) or one above it (one registration cancelled).
pub fn cancellation(
    app: &App,
    scoped: &Scoped,
    e: &Event,
    reg: &Registration,
    sequence: i64,
    now: Timestamp,
) -> JobAttachment {
    let mut cal = crate::events::calendar_event(&app.links, scoped, e);
    cal.sequence = sequence;
    let ics = calendar::cancellation(&cal, &invitee(scoped, reg), now);
    JobAttachment::new(
        "cancel.ics",
        "text/calendar; method=CANCEL; charset=utf-8",
        ics.as_bytes(),
    )
}
