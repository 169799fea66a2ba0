//! Demo attendance: members registered for the tumor-board series (a free trainee type is
//! added for them) with each past session's Zoom report imported through the import use-case
//! (a participants export written here, with a rejoin, a short stay and a phone caller), a few
//! of them checked in at the door for the latest past session; and registrants for the advocacy
//! briefing webinar, one already checked in, the rest waiting at the door.

use chapterhouse_core::EventId;
use chapterhouse_core::events::EventKind;
use chapterhouse_store::{Event, EventSession, Society};

use crate::attendance_import::{self, ImportChoice};
use crate::checkin;
use crate::events::{TypeForm, add_type};
use crate::registrations::{RegisterForm, Registered, Who, register};
use crate::{Actor, App, AppResult};

struct Person {
    first: String,
    last: String,
    email: String,
}

async fn register_all(
    app: &App,
    society: &Society,
    event: EventId,
    ty: &str,
    people: &[Person],
) -> AppResult<Vec<chapterhouse_core::RegistrationId>> {
    let scoped = app.scoped(society);
    let mut ids = Vec::new();
    for (i, p) in people.iter().enumerate() {
        let form = RegisterForm {
            registration_type: ty.to_string(),
            first_name: p.first.clone(),
            last_name: p.last.clone(),
            email: p.email.clone(),
            profession: "physician".into(),
            ..Default::default()
        };
        let actor = Actor::anonymous(format!("demo-{i}"));
        match register(app, &scoped, event, &form, Who::Visitor, &actor).await? {
            Registered::New { id, .. } | Registered::Existing { id, .. } => ids.push(id),
        }
    }
    Ok(ids)
}

/// A Zoom participants export for one session: everyone joins a few minutes in; one leaves
/// and rejoins, one stays twenty minutes, a caller dials in by phone.
fn participants_csv(session: &EventSession, zone: &str, people: &[Person], skip: usize) -> String {
    let start = chapterhouse_core::Timestamp(session.starts_at)
        .to_jiff()
        .to_zoned(jiff::tz::TimeZone::get(zone).unwrap_or(jiff::tz::TimeZone::UTC));
    let fmt = |minutes: i64| {
        start
            .checked_add(jiff::SignedDuration::from_secs(minutes * 60))
            .map(|t| t.strftime("%m/%d/%Y %I:%M:%S %p").to_string())
            .unwrap_or_default()
    };
    let mut out = String::from(
        "Name (Original Name),User Email,Join Time,Leave Time,Duration (Minutes),Guest,Recording Consent\r\n",
    );
    out.push_str(&format!(
        "Education Office (Host),education@example.org,{},{},70,No,\r\n",
        fmt(-10),
        fmt(60)
    ));
    for (i, p) in people.iter().enumerate() {
        if i % 4 == skip % 4 {
            continue;
        }
        let name = format!("{} {}", p.first, p.last);
        let join = (i as i64) % 5;
        match i % 6 {
            // Dropped off and came back.
            1 => {
                out.push_str(&format!(
                    "{name},{},{},{},{},No,Y\r\n",
                    p.email,
                    fmt(join),
                    fmt(30),
                    30 - join
                ));
                out.push_str(&format!(
                    "{name} (iPhone),{},{},{},28,No,Y\r\n",
                    p.email.to_uppercase(),
                    fmt(32),
                    fmt(60)
                ));
            }
            // Stayed twenty minutes.
            4 => out.push_str(&format!(
                "{name},{},{},{},20,No,Y\r\n",
                p.email,
                fmt(join),
                fmt(join + 20)
            )),
            _ => out.push_str(&format!(
                "{name},{},{},{},{},No,Y\r\n",
                p.email,
                fmt(join),
                fmt(60),
                60 - join
            )),
        }
    }
    out.push_str(&format!(
        "+1 603 555 0148,,{},{},45,Yes,\r\n",
        fmt(5),
        fmt(50)
    ));
    out
}

fn find<'a>(events: &'a [Event], kind: EventKind, title_start: &str) -> Option<&'a Event> {
    events
        .iter()
        .find(|e| EventKind::parse(&e.kind) == Some(kind) && e.title.starts_with(title_start))
}

pub(super) async fn seed(app: &App, society: &Society) -> AppResult<()> {
    let scoped = app.scoped(society);
    let events = scoped.staff_events().await?;
    let (Some(series), Some(briefing)) = (
        find(&events, EventKind::Series, "Statewide virtual tumor board"),
        find(&events, EventKind::Webinar, "Advocacy briefing"),
    ) else {
        return Ok(());
    };
    if !scoped.attendance_imports(series.id).await?.is_empty() {
        return Ok(());
    }
    let staff = scoped
        .staff_accounts()
        .await?
        .into_iter()
        .find(|a| a.role.0 == chapterhouse_core::Role::Owner)
        .map(|a| a.id);
    let actor = Actor {
        account: staff,
        ip: "demo".into(),
    };
    let mut people = Vec::new();
    for m in scoped
        .members(&Default::default())
        .await?
        .into_iter()
        .take(14)
    {
        if let Some(p) = scoped.profile(m.person_id).await?
            && !p.fields.first_name.is_empty()
            && !p.fields.last_name.is_empty()
        {
            people.push(Person {
                first: p.fields.first_name,
                last: p.fields.last_name,
                email: p.email,
            });
        }
    }
    if people.len() < 8 {
        return Ok(());
    }

    // The series: a free type for trainees, so the demo's people can register as visitors.
    let trainee = add_type(
        app,
        &scoped,
        series.id,
        &TypeForm {
            name: "Resident or fellow".into(),
            price: "0".into(),
            ..TypeForm::new_type()
        },
        &actor,
    )
    .await?;
    let on_series = &people[..people.len().min(10)];
    let series_regs =
        register_all(app, society, series.id, &trainee.to_string(), on_series).await?;
    let now = app.now();
    let past: Vec<EventSession> = scoped
        .event_sessions(series.id)
        .await?
        .into_iter()
        .filter(|s| s.ends_at < now.0)
        .collect();
    for (k, s) in past.iter().enumerate() {
        let csv = participants_csv(s, &series.time_zone, on_series, k);
        let choice = ImportChoice {
            session: s.id.to_string(),
            min_minutes: String::new(),
        };
        let name = format!("zoom-participants-session-{}.csv", k + 1);
        let blob = attendance_import::upload_report(
            app,
            &scoped,
            series.id,
            &name,
            csv.as_bytes(),
            &actor,
        )
        .await?;
        attendance_import::confirm(app, &scoped, series.id, blob, &choice, &actor).await?;
    }
    // Checked in at the door for the latest past session (the in-person site).
    if let Some(last) = past.last() {
        for id in series_regs.iter().take(3) {
            checkin::check_in(app, &scoped, series.id, *id, Some(last.id), &actor).await?;
        }
    }

    // The briefing: five registrants, one already checked in.
    if let Some(ty) = scoped.registration_types(briefing.id).await?.first() {
        let on_briefing = &people[people.len() - 5..];
        let regs = register_all(app, society, briefing.id, &ty.id.to_string(), on_briefing).await?;
        if let Some(first) = regs.first() {
            checkin::check_in(app, &scoped, briefing.id, *first, None, &actor).await?;
        }
    }
    Ok(())
}
