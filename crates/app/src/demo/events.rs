//! Demo events, dated from today in the society's zone: the annual meeting with its sessions,
//! registration types and questions; a monthly virtual tumor-board series; a virtual advocacy
//! briefing (a webinar); a workshop with twelve seats; a breakfast with eight (full, with a
//! waitlist); a members-only dinner; and a regional meeting that is over. Registrations:
//! `demo::registrations`, and `demo::checkin` for the series and the briefing.

use chapterhouse_core::EventId;
use chapterhouse_core::events::format_local;
use chapterhouse_store::Society;
use jiff::ToSpan;
use jiff::civil::{Date, Weekday};

use crate::events::{
    EventForm, QuestionForm, SessionForm, TypeForm, add_question, add_session, add_type,
    create_event, publish_event,
};
use crate::{Actor, App, AppResult};

/// Where a society's demo events happen.
struct Places {
    meeting_venue: &'static str,
    meeting_address: &'static str,
    dinner_venue: &'static str,
    dinner_address: &'static str,
    region: &'static str,
}

fn places(society: &Society) -> Places {
    if society.time_zone == "America/Denver" {
        Places {
            meeting_venue: "Salt Palace Convention Center",
            meeting_address: "100 South West Temple\nSalt Lake City, UT 84101",
            dinner_venue: "The Copper Kettle Room",
            dinner_address: "240 East 300 South\nSalt Lake City, UT 84111",
            region: "Utah County",
        }
    } else {
        Places {
            meeting_venue: "Grappone Conference Center",
            meeting_address: "70 Constitution Avenue\nConcord, NH 03301",
            dinner_venue: "The Red Blazer Restaurant",
            dinner_address: "72 Manchester Street\nConcord, NH 03301",
            region: "Seacoast",
        }
    }
}

/// The first `weekday` on or after `from`.
fn on_or_after(from: Date, weekday: Weekday) -> Date {
    let mut d = from;
    while d.weekday() != weekday {
        d = d.tomorrow().unwrap_or(d);
    }
    d
}

fn at(day: Date, hour: i8, minute: i8) -> String {
    format_local(day.at(hour, minute, 0, 0))
}

fn kind_type(name: &str, price: &str, member_price: &str) -> TypeForm {
    TypeForm {
        name: name.into(),
        price: price.into(),
        member_price: member_price.into(),
        ..TypeForm::new_type()
    }
}

async fn event(app: &App, society: &Society, form: EventForm) -> AppResult<EventId> {
    let scoped = app.scoped(society);
    let actor = Actor::anonymous("demo");
    let id = create_event(app, &scoped, &form, &actor).await?;
    publish_event(app, &scoped, id, &actor).await?;
    Ok(id)
}

pub(super) async fn seed(app: &App, society: &Society) -> AppResult<()> {
    let scoped = app.scoped(society);
    if !scoped.staff_events().await?.is_empty() {
        return Ok(());
    }
    let actor = Actor::anonymous("demo");
    let p = places(society);
    let today = crate::membership::today(app, &scoped);
    let short = society.short_name.as_str();

    // The annual meeting: a Saturday about ten weeks out, with a welcome reception the evening
    // before.
    let day = on_or_after(today.saturating_add(70.days()), Weekday::Saturday);
    let eve = day.yesterday().unwrap_or(day);
    let annual = event(
        app,
        society,
        EventForm {
            title: format!("{short} Annual Meeting {}", day.year()),
            kind: "meeting".into(),
            starts: at(eve, 17, 30),
            ends: at(day, 17, 0),
            location_name: p.meeting_venue.into(),
            location_address: p.meeting_address.into(),
            capacity: "300".into(),
            summary: "A day of updates, tumor boards and policy news for the state's oncology teams.".into(),
            description: "Our yearly meeting brings together physicians, nurse practitioners, physician assistants, pharmacists and nurses from across the state.\n\n## What to expect\n\n- Updates on breast, thoracic and hematologic cancers from regional experts\n- A live multidisciplinary tumor board\n- News from the statehouse on coverage and prior authorization\n- Exhibits and time to meet colleagues\n\nContinuing education credit will be offered; details follow when the program is final.".into(),
            ..Default::default()
        },
    )
    .await?;
    for (title, start, end, room, about) in [
        (
            "Welcome reception",
            (eve, 17, 30),
            (eve, 19, 30),
            "Atrium",
            "Drinks and light dinner with the exhibitors.",
        ),
        (
            "Registration and breakfast",
            (day, 7, 30),
            (day, 8, 15),
            "Foyer",
            "",
        ),
        (
            "Welcome and keynote: the year in oncology",
            (day, 8, 15),
            (day, 9, 15),
            "Ballroom A",
            "",
        ),
        (
            "Breast cancer: what changed this year",
            (day, 9, 30),
            (day, 10, 30),
            "Ballroom A",
            "",
        ),
        (
            "Hematologic malignancies in community practice",
            (day, 10, 45),
            (day, 11, 45),
            "Ballroom A",
            "",
        ),
        (
            "Lunch and exhibits",
            (day, 11, 45),
            (day, 13, 0),
            "Exhibit Hall",
            "",
        ),
        (
            "Live thoracic tumor board",
            (day, 13, 0),
            (day, 14, 30),
            "Ballroom A",
            "Cases from member practices, discussed by a panel.",
        ),
        (
            "Policy update: prior authorization and coverage",
            (day, 14, 45),
            (day, 15, 45),
            "Ballroom B",
            "",
        ),
        (
            "Closing remarks",
            (day, 16, 30),
            (day, 17, 0),
            "Ballroom A",
            "",
        ),
    ] {
        add_session(
            app,
            &scoped,
            annual,
            &SessionForm {
                title: title.into(),
                description: about.into(),
                starts: at(start.0, start.1, start.2),
                ends: at(end.0, end.1, end.2),
                room: room.into(),
            },
            &actor,
        )
        .await?;
    }
    let levels = scoped.levels().await?;
    let fellows: Vec<String> = levels
        .iter()
        .filter(|l| l.name.starts_with("Fellow"))
        .map(|l| l.id.to_string())
        .collect();
    let early_bird_closes = at(day.saturating_sub(28.days()), 23, 59);
    for form in [
        TypeForm {
            description: "Early rate until four weeks before the meeting.".into(),
            closes: early_bird_closes,
            cap: "120".into(),
            ..kind_type("Physician, early registration", "395", "275")
        },
        TypeForm {
            description: "MD or DO.".into(),
            ..kind_type("Physician", "450", "325")
        },
        TypeForm {
            description: "Nurse practitioners, physician assistants, pharmacists and nurses."
                .into(),
            guests: "count".into(),
            max_guests: "1".into(),
            ..kind_type("NP, PA, pharmacist or nurse", "225", "150")
        },
        TypeForm {
            description: "For fellows in training who are members.".into(),
            audience: if fellows.is_empty() {
                "members".into()
            } else {
                "levels".into()
            },
            levels: fellows,
            cap: "25".into(),
            ..kind_type("Fellow in training", "0", "")
        },
        TypeForm {
            description: "Representatives of exhibiting and sponsoring companies.".into(),
            industry: true,
            access_code: "EXHIBIT".into(),
            cancel_policy: "none".into(),
            ..kind_type("Industry representative", "950", "")
        },
        TypeForm {
            complimentary: true,
            cancel_policy: "none".into(),
            ..kind_type("Faculty", "0", "")
        },
    ] {
        add_type(app, &scoped, annual, &form, &actor).await?;
    }
    for form in [
        QuestionForm {
            label: "Dietary needs".into(),
            kind: "choice".into(),
            choices: "No restrictions\nVegetarian\nVegan\nGluten free\nOther (we will contact you)"
                .into(),
            required: Some("on".into()),
            ..Default::default()
        },
        QuestionForm {
            label: "Name for your badge, if different".into(),
            kind: "text".into(),
            ..Default::default()
        },
        QuestionForm {
            label: "I agree to be photographed at the meeting".into(),
            kind: "checkbox".into(),
            ..Default::default()
        },
    ] {
        add_question(app, &scoped, annual, &form, &actor).await?;
    }

    // The monthly virtual tumor board: first Tuesday of each month, 6 pm, from two months ago
    // to three months ahead (the past sessions get imported webinar attendance, see
    // `demo::checkin`).
    let first_month = today.first_of_month().saturating_sub(2.months());
    let tuesdays: Vec<Date> = (0..6)
        .map(|m| on_or_after(first_month.saturating_add(m.months()), Weekday::Tuesday))
        .collect();
    let series = event(
        app,
        society,
        EventForm {
            title: format!("Statewide virtual tumor board, {}", first_month.year()),
            kind: "series".into(),
            starts: at(tuesdays[0], 18, 0),
            ends: at(tuesdays[5], 19, 0),
            online_url: "https://zoom.example/j/5550100".into(),
            summary: "Monthly case discussions on the first Tuesday, online. Bring a case.".into(),
            description: "A regularly scheduled series: each month two or three member practices present cases to a panel of medical, radiation and surgical oncologists, a pathologist and a radiologist.\n\nSubmit a case to the program committee a week ahead.".into(),
            ..Default::default()
        },
    )
    .await?;
    for (i, day) in tuesdays.iter().enumerate() {
        add_session(
            app,
            &scoped,
            series,
            &SessionForm {
                title: format!("Tumor board, session {}", i + 1),
                starts: at(*day, 18, 0),
                ends: at(*day, 19, 0),
                ..Default::default()
            },
            &actor,
        )
        .await?;
    }
    add_type(
        app,
        &scoped,
        series,
        &TypeForm {
            audience: "members".into(),
            ..kind_type("Member", "0", "")
        },
        &actor,
    )
    .await?;
    add_type(
        app,
        &scoped,
        series,
        &kind_type("Clinician who is not a member", "60", ""),
        &actor,
    )
    .await?;

    // The advocacy briefing: a webinar at lunchtime in three weeks.
    let briefing_day = on_or_after(today.saturating_add(21.days()), Weekday::Thursday);
    let briefing = event(
        app,
        society,
        EventForm {
            title: "Advocacy briefing: the legislative session ahead".into(),
            kind: "webinar".into(),
            starts: at(briefing_day, 12, 0),
            ends: at(briefing_day, 13, 0),
            online_url: "https://zoom.example/j/5550101".into(),
            summary: "Our lobbyist and the advocacy committee on the bills that matter to cancer care.".into(),
            description: "A one-hour webinar on the bills we expect this session: step therapy, biomarker testing coverage and oral chemotherapy parity. Questions welcome.".into(),
            ..Default::default()
        },
    )
    .await?;
    add_type(
        app,
        &scoped,
        briefing,
        &kind_type("Attendee", "0", ""),
        &actor,
    )
    .await?;

    // A hands-on workshop with twelve seats.
    let workshop_day = on_or_after(today.saturating_add(35.days()), Weekday::Wednesday);
    let workshop = event(
        app,
        society,
        EventForm {
            title: "Workshop: managing immunotherapy toxicities".into(),
            kind: "meeting".into(),
            starts: at(workshop_day, 17, 30),
            ends: at(workshop_day, 20, 0),
            location_name: p.meeting_venue.into(),
            location_address: p.meeting_address.into(),
            capacity: "12".into(),
            summary:
                "Case-based small-group workshop for advanced practice providers and pharmacists."
                    .into(),
            description: "Twelve seats, so every participant works through cases with the faculty."
                .into(),
            ..Default::default()
        },
    )
    .await?;
    add_type(
        app,
        &scoped,
        workshop,
        &TypeForm {
            cap: "12".into(),
            ..kind_type("Participant", "75", "40")
        },
        &actor,
    )
    .await?;

    // A members-only dinner.
    let dinner_day = on_or_after(today.saturating_add(45.days()), Weekday::Thursday);
    let dinner = event(
        app,
        society,
        EventForm {
            title: "Members' dinner and journal club".into(),
            kind: "meeting".into(),
            members_only: Some("on".into()),
            starts: at(dinner_day, 18, 30),
            ends: at(dinner_day, 21, 0),
            location_name: p.dinner_venue.into(),
            location_address: p.dinner_address.into(),
            capacity: "40".into(),
            summary: "Dinner and two recent papers, for members.".into(),
            ..Default::default()
        },
    )
    .await?;
    add_type(app, &scoped, dinner, &kind_type("Member", "35", ""), &actor).await?;

    // A regional meeting that is over.
    let past_day = on_or_after(today.saturating_sub(60.days()), Weekday::Thursday);
    let past = event(
        app,
        society,
        EventForm {
            title: format!("{} regional evening meeting", p.region),
            kind: "meeting".into(),
            starts: at(past_day, 18, 0),
            ends: at(past_day, 20, 30),
            location_name: p.dinner_venue.into(),
            location_address: p.dinner_address.into(),
            summary: "Updates for community oncology teams, with dinner.".into(),
            ..Default::default()
        },
    )
    .await?;
    add_type(
        app,
        &scoped,
        past,
        &kind_type("Clinician", "40", "20"),
        &actor,
    )
    .await?;

    // A breakfast with the visiting professor: eight seats, taken, and a waitlist
    // (`demo::registrations`).
    let breakfast_day = on_or_after(today.saturating_add(17.days()), Weekday::Friday);
    let breakfast = event(
        app,
        society,
        EventForm {
            title: "Breakfast with the visiting professor".into(),
            kind: "meeting".into(),
            starts: at(breakfast_day, 7, 0),
            ends: at(breakfast_day, 8, 30),
            location_name: p.dinner_venue.into(),
            location_address: p.dinner_address.into(),
            capacity: "8".into(),
            summary: "Eight seats at the table for fellows and early-career members.".into(),
            description: "An informal breakfast and case discussion. When it is full, join the waitlist: freed seats are offered by email in turn.".into(),
            ..Default::default()
        },
    )
    .await?;
    add_type(
        app,
        &scoped,
        breakfast,
        &kind_type("Attendee", "0", ""),
        &actor,
    )
    .await?;
    super::registrations::seed(app, society, annual, breakfast).await
}
