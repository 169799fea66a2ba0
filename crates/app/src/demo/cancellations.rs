//! Demo: a cancelled event. A statehouse advocacy day that two people registered for (one with a
//! seat, one on the waitlist) was cancelled by staff with a reason, through the same use-cases
//! and job body as a real cancellation: the events page shows it as cancelled with the reason,
//! the calendar feed carries `STATUS:CANCELLED`, and both registrations read "Cancelled".

use chapterhouse_core::events::format_local;
use chapterhouse_store::Society;
use jiff::ToSpan;

use crate::cancellations::{self, CancelEventForm};
use crate::events::{EventForm, TypeForm, add_type, create_event, publish_event};
use crate::registrations::{self, RegisterForm, Who};
use crate::{Actor, App, AppResult};

const SLUG: &str = "advocacy-day-at-the-statehouse";

pub(super) async fn seed(app: &App, society: &Society) -> AppResult<()> {
    let scoped = app.scoped(society);
    if scoped.event_by_slug(SLUG).await?.is_some() {
        return Ok(());
    }
    let actor = Actor::anonymous("demo");
    let day = crate::membership::today(app, &scoped).saturating_add(24.days());
    let at = |h: i8| format_local(day.at(h, 0, 0, 0));
    let event = create_event(
        app,
        &scoped,
        &EventForm {
            title: "Advocacy day at the statehouse".into(),
            slug: SLUG.into(),
            kind: "meeting".into(),
            starts: at(9),
            ends: at(15),
            location_name: "State House, Room 428".into(),
            capacity: "1".into(),
            summary:
                "Meet your legislators about prior authorization and oral chemotherapy parity."
                    .into(),
            ..Default::default()
        },
        &actor,
    )
    .await?;
    let ty = add_type(
        app,
        &scoped,
        event,
        &TypeForm {
            name: "Advocate".into(),
            price: "0".into(),
            ..TypeForm::new_type()
        },
        &actor,
    )
    .await?;
    publish_event(app, &scoped, event, &actor).await?;
    for (first, last, email) in [
        ("Rosa", "Delgado", "rosa.delgado@example.org"),
        ("Tom", "Whitaker", "tom.whitaker@example.org"),
    ] {
        registrations::register(
            app,
            &scoped,
            event,
            &RegisterForm {
                registration_type: ty.to_string(),
                first_name: first.into(),
                last_name: last.into(),
                email: email.into(),
                profession: "physician".into(),
                submit_key: registrations::new_submit_key(),
                ..Default::default()
            },
            Who::Visitor,
            &actor,
        )
        .await?;
    }
    cancellations::cancel_event(
        app,
        &scoped,
        event,
        &CancelEventForm {
            reason: "The legislature extended its session that week; we will announce a new date."
                .into(),
        },
        &actor,
    )
    .await?;
    // What the queued job does, done now so the demo shows the end state.
    cancellations::cancel_registrations_of(app, &scoped, event).await?;
    Ok(())
}
