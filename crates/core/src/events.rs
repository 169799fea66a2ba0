//! Events as rules: local date-times in an IANA zone and the UTC instants derived from them, the
//! checks on an event's and a session's times, the words for seats that remain, who may see an
//! event, and which registration types a viewer sees and at what price.
//!
//! A future event's start is kept as the local date-time staff typed plus its zone (so a change
//! to the zone's rules does not move a 6 pm meeting); the UTC instant is derived here and stored
//! for sorting and calendars. A local time that does not exist (the hour skipped when clocks go
//! forward) or happens twice (the hour repeated when they go back) is refused with the reason,
//! rather than silently moved.

use jiff::civil::{Date, DateTime};
use jiff::tz::{AmbiguousOffset, TimeZone};

use crate::LevelId;
use crate::money::Cents;
use crate::time::Timestamp;

/// The longest event (a year-long tumor-board series fits).
pub const MAX_EVENT_DAYS: i64 = 366;

/// What kind of event: a meeting in a place, a webinar online, or a regularly scheduled series.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum EventKind {
    Meeting,
    Webinar,
    Series,
}

impl EventKind {
    pub const ALL: [EventKind; 3] = [EventKind::Meeting, EventKind::Webinar, EventKind::Series];

    pub fn as_str(self) -> &'static str {
        match self {
            EventKind::Meeting => "meeting",
            EventKind::Webinar => "webinar",
            EventKind::Series => "series",
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            EventKind::Meeting => "Meeting",
            EventKind::Webinar => "Webinar",
            EventKind::Series => "Series (tumor board, grand rounds)",
        }
    }

    pub fn parse(s: &str) -> Option<EventKind> {
        Self::ALL.into_iter().find(|k| k.as_str() == s)
    }
}

/// Where an event is in its life.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum EventStatus {
    Draft,
    Published,
    Cancelled,
}

impl EventStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            EventStatus::Draft => "draft",
            EventStatus::Published => "published",
            EventStatus::Cancelled => "cancelled",
        }
    }

    pub fn parse(s: &str) -> Option<EventStatus> {
        match s {
            "draft" => Some(EventStatus::Draft),
            "published" => Some(EventStatus::Published),
            "cancelled" => Some(EventStatus::Cancelled),
            _ => None,
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            EventStatus::Draft => "Draft",
            EventStatus::Published => "Published",
            EventStatus::Cancelled => "Cancelled",
        }
    }
}

/// Who may register with a type.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Audience {
    Anyone,
    /// Any member with privileges (active or in grace).
    Members,
    /// Members of the levels listed for the type.
    Levels,
}

impl Audience {
    pub const ALL: [Audience; 3] = [Audience::Anyone, Audience::Members, Audience::Levels];

    pub fn as_str(self) -> &'static str {
        match self {
            Audience::Anyone => "anyone",
            Audience::Members => "members",
            Audience::Levels => "levels",
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            Audience::Anyone => "Anyone",
            Audience::Members => "Members only",
            Audience::Levels => "Members of the levels ticked below",
        }
    }

    pub fn parse(s: &str) -> Option<Audience> {
        Self::ALL.into_iter().find(|a| a.as_str() == s)
    }
}

/// Whether a registration brings guests, and what is asked about them.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum GuestPolicy {
    None,
    /// A number of unnamed guests.
    Count,
    /// Each guest's name and email.
    Details,
}

impl GuestPolicy {
    pub const ALL: [GuestPolicy; 3] = [GuestPolicy::None, GuestPolicy::Count, GuestPolicy::Details];

    pub fn as_str(self) -> &'static str {
        match self {
            GuestPolicy::None => "none",
            GuestPolicy::Count => "count",
            GuestPolicy::Details => "details",
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            GuestPolicy::None => "No guests",
            GuestPolicy::Count => "A number of guests",
            GuestPolicy::Details => "Guests, each with name and email",
        }
    }

    pub fn parse(s: &str) -> Option<GuestPolicy> {
        Self::ALL.into_iter().find(|g| g.as_str() == s)
    }
}

/// What a registrant who cancels themselves gets back.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum CancelPolicy {
    /// They may cancel themselves, but get nothing back.
    None,
    Refund,
    /// A credit memo for a later invoice.
    Credit,
}

impl CancelPolicy {
    pub const ALL: [CancelPolicy; 3] = [
        CancelPolicy::Refund,
        CancelPolicy::Credit,
        CancelPolicy::None,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            CancelPolicy::None => "none",
            CancelPolicy::Refund => "refund",
            CancelPolicy::Credit => "credit",
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            CancelPolicy::None => "Cancel without money back",
            CancelPolicy::Refund => "Cancel with a refund",
            CancelPolicy::Credit => "Cancel with a credit",
        }
    }

    pub fn parse(s: &str) -> Option<CancelPolicy> {
        Self::ALL.into_iter().find(|p| p.as_str() == s)
    }
}

/// The kind of answer a registration question takes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum QuestionKind {
    Text,
    /// One of the lines of `choices`.
    Choice,
    /// Yes or no.
    Checkbox,
}

impl QuestionKind {
    pub const ALL: [QuestionKind; 3] = [
        QuestionKind::Text,
        QuestionKind::Choice,
        QuestionKind::Checkbox,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            QuestionKind::Text => "text",
            QuestionKind::Choice => "choice",
            QuestionKind::Checkbox => "checkbox",
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            QuestionKind::Text => "Text answer",
            QuestionKind::Choice => "One of a list",
            QuestionKind::Checkbox => "Tick box (yes or no)",
        }
    }

    pub fn parse(s: &str) -> Option<QuestionKind> {
        Self::ALL.into_iter().find(|k| k.as_str() == s)
    }
}

// ---------------------------------------------------------------------------------------------
// Local date-times and instants.

/// Parse a local date-time as a form sends it: "2026-11-21T18:00" (what `datetime-local`
/// inputs post) or "2026-11-21 18:00"; seconds are dropped.
pub fn parse_local(text: &str) -> Option<DateTime> {
    let text = text.trim().replacen(' ', "T", 1);
    // A date and a time, and nothing else (no offset or zone).
    if text.len() < 16 || text.len() > 19 || text.as_bytes().get(10).is_none_or(|b| *b != b'T') {
        return None;
    }
    let dt: DateTime = text.parse().ok()?;
    dt.with().second(0).subsec_nanosecond(0).build().ok()
}

/// The stored and form form of a local date-time: "2026-11-21T18:00".
pub fn format_local(dt: DateTime) -> String {
    dt.strftime("%Y-%m-%dT%H:%M").to_string()
}

/// Why a local time cannot be turned into an instant.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum TimeProblem {
    UnknownZone(String),
    /// The hour skipped when clocks go forward: the time does not exist.
    Skipped {
        local: DateTime,
        zone: String,
    },
    /// The hour repeated when clocks go back: the time happens twice.
    Repeated {
        local: DateTime,
        zone: String,
    },
}

impl TimeProblem {
    /// The message for the form field.
    pub fn message(&self) -> String {
        match self {
            TimeProblem::UnknownZone(zone) => format!("The time zone {zone} is not known."),
            TimeProblem::Skipped { local, zone } => format!(
                "{} on {} does not exist in {zone}: the clocks go forward an hour that night. Choose a time outside the skipped hour.",
                clock_words(local.time()),
                long_date(local.date()),
            ),
            TimeProblem::Repeated { local, zone } => format!(
                "{} on {} happens twice in {zone}: the clocks go back an hour that night. Choose a time outside the repeated hour.",
                clock_words(local.time()),
                long_date(local.date()),
            ),
        }
    }
}

/// The UTC instant of a local date-time in an IANA zone. Times in a daylight-saving gap or
/// fold are refused (see [`TimeProblem`]).
pub fn to_instant(local: DateTime, zone: &str) -> Result<Timestamp, TimeProblem> {
    let tz = TimeZone::get(zone).map_err(|_| TimeProblem::UnknownZone(zone.to_string()))?;
    match tz.to_ambiguous_zoned(local).offset() {
        AmbiguousOffset::Unambiguous { offset } => offset
            .to_timestamp(local)
            .map(Timestamp::from_jiff)
            .map_err(|_| TimeProblem::UnknownZone(zone.to_string())),
        AmbiguousOffset::Gap { .. } => Err(TimeProblem::Skipped {
            local,
            zone: zone.to_string(),
        }),
        AmbiguousOffset::Fold { .. } => Err(TimeProblem::Repeated {
            local,
            zone: zone.to_string(),
        }),
    }
}

/// The local date-time of an instant in a zone (UTC if the zone is unknown).
pub fn local_of(instant: Timestamp, zone: &str) -> DateTime {
    let tz = TimeZone::get(zone).unwrap_or(TimeZone::UTC);
    instant.to_jiff().to_zoned(tz).datetime()
}

/// "6:00 pm", "12:30 am".
pub fn clock_words(t: jiff::civil::Time) -> String {
    let (hour, minute) = (t.hour(), t.minute());
    let h12 = match hour % 12 {
        0 => 12,
        h => h,
    };
    let half = if hour < 12 { "am" } else { "pm" };
    format!("{h12}:{minute:02} {half}")
}

/// "Saturday 21 November 2026".
pub fn long_date(d: Date) -> String {
    d.strftime("%A %-d %B %Y").to_string()
}

/// "Sat 21 Nov 2026".
pub fn short_date(d: Date) -> String {
    d.strftime("%a %-d %b %Y").to_string()
}

/// An event's or a session's time in words, in the zone it is held in: "Saturday 21 November
/// 2026, 6:00 pm – 9:00 pm EST", or across days "Friday 20 November 2026, 8:00 am – Saturday
/// 21 November 2026, 1:00 pm EST".
pub fn when_words(starts_at: Timestamp, ends_at: Timestamp, zone: &str) -> String {
    let tz = TimeZone::get(zone).unwrap_or(TimeZone::UTC);
    let start = starts_at.to_jiff().to_zoned(tz.clone());
    let end = ends_at.to_jiff().to_zoned(tz);
    let (start_zone, end_zone) = (
        start.strftime("%Z").to_string(),
        end.strftime("%Z").to_string(),
    );
    let start_clock = clock_words(start.time());
    let start_tail = if start_zone == end_zone {
        String::new()
    } else {
        format!(" {start_zone}")
    };
    if start.date() == end.date() {
        format!(
            "{}, {start_clock}{start_tail} – {} {end_zone}",
            long_date(start.date()),
            clock_words(end.time())
        )
    } else {
        format!(
            "{}, {start_clock}{start_tail} – {}, {} {end_zone}",
            long_date(start.date()),
            long_date(end.date()),
            clock_words(end.time())
        )
    }
}

/// A session's time within its event's page: "8:00 am – 9:15 am" on one day, with the date
/// when the event spans several.
pub fn session_words(
    starts_at: Timestamp,
    ends_at: Timestamp,
    zone: &str,
    with_date: bool,
) -> String {
    let tz = TimeZone::get(zone).unwrap_or(TimeZone::UTC);
    let start = starts_at.to_jiff().to_zoned(tz.clone());
    let end = ends_at.to_jiff().to_zoned(tz);
    let span = format!(
        "{} – {}",
        clock_words(start.time()),
        clock_words(end.time())
    );
    if with_date {
        format!("{}, {span}", short_date(start.date()))
    } else {
        span
    }
}

/// An event's start and end as typed: the end must come after the start, and an event lasts at
/// most [`MAX_EVENT_DAYS`]. Returns the field to blame and the message.
pub fn check_event_span(start: DateTime, end: DateTime) -> Result<(), (&'static str, String)> {
    if end <= start {
        return Err(("ends", "The end must be after the start.".into()));
    }
    let days = start
        .date()
        .until(end.date())
        .map(|s| s.get_days() as i64)
        .unwrap_or(i64::MAX);
    if days > MAX_EVENT_DAYS {
        return Err((
            "ends",
            format!(
                "An event lasts at most {MAX_EVENT_DAYS} days; make a longer series two events."
            ),
        ));
    }
    Ok(())
}

/// A session must end after it starts and fall within its event's days (by local date, so a
/// breakfast before the opening keynote is fine).
pub fn check_session_span(
    event_start: DateTime,
    event_end: DateTime,
    start: DateTime,
    end: DateTime,
) -> Result<(), (&'static str, String)> {
    if end <= start {
        return Err(("ends", "The end must be after the start.".into()));
    }
    let (first, last) = (event_start.date(), event_end.date());
    if start.date() < first || start.date() > last {
        return Err((
            "starts",
            format!(
                "The session must start during the event: {} to {}.",
                short_date(first),
                short_date(last)
            ),
        ));
    }
    if end.date() > last {
        return Err((
            "ends",
            format!(
                "The session must end by the event's last day, {}.",
                short_date(last)
            ),
        ));
    }
    Ok(())
}

// ---------------------------------------------------------------------------------------------
// Seats.

/// Seats a counter has left: None when it has no limit.
pub fn remaining(cap: Option<i64>, taken: i64) -> Option<i64> {
    cap.map(|c| (c - taken).max(0))
}

/// What a list or a type says about seats.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Seats {
    /// No limit applies.
    Available,
    Left(i64),
    Full,
    Closed,
}

impl Seats {
    pub fn words(self) -> String {
        match self {
            Seats::Available => "Seats available".into(),
            Seats::Left(1) => "1 seat left".into(),
            Seats::Left(n) => format!("{n} seats left"),
            Seats::Full => "Full — join the waitlist".into(),
            Seats::Closed => "Registration closed".into(),
        }
    }

    fn from_left(left: Option<i64>) -> Seats {
        match left {
            None => Seats::Available,
            Some(0) => Seats::Full,
            Some(n) => Seats::Left(n),
        }
    }
}

/// The smaller of two limits, where None is no limit.
fn tighter(a: Option<i64>, b: Option<i64>) -> Option<i64> {
    match (a, b) {
        (Some(x), Some(y)) => Some(x.min(y)),
        (x, None) => x,
        (None, y) => y,
    }
}

/// When registration for an event closes unless a type says otherwise: at the start of a
/// meeting or webinar; at the end of a series, which people join part-way.
pub fn registration_closes_at(
    kind: EventKind,
    starts_at: Timestamp,
    ends_at: Timestamp,
) -> Timestamp {
    match kind {
        EventKind::Series => ends_at,
        EventKind::Meeting | EventKind::Webinar => starts_at,
    }
}

/// What an event's public registration types (those not complimentary) have left.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct TypesLeft {
    pub types: i64,
    /// Types without a cap of their own.
    pub uncapped: i64,
    /// Seats the capped types have left, summed.
    pub left: i64,
}

impl TypesLeft {
    /// From each public type's (cap, taken).
    pub fn of(types: &[(Option<i64>, i64)]) -> TypesLeft {
        TypesLeft {
            types: types.len() as i64,
            uncapped: types.iter().filter(|(cap, _)| cap.is_none()).count() as i64,
            left: types
                .iter()
                .filter_map(|(cap, t)| remaining(*cap, *t))
                .sum(),
        }
    }
}

/// The seats line of an event in a list: the event's own limit and, when every public type is
/// capped, the sum of what the types have left. None when the event has no public type (there
/// is nothing to register for, so nothing to say).
pub fn event_seats(
    open: bool,
    capacity: Option<i64>,
    taken: i64,
    types: TypesLeft,
) -> Option<Seats> {
    if types.types == 0 {
        return None;
    }
    if !open {
        return Some(Seats::Closed);
    }
    let by_types = (types.uncapped == 0).then_some(types.left.max(0));
    Some(Seats::from_left(tighter(
        remaining(capacity, taken),
        by_types,
    )))
}

// ---------------------------------------------------------------------------------------------
// Who sees what.

/// Who is looking: staff, a member with privileges (active or in grace) and their level, or
/// anyone else.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Standing {
    pub is_staff: bool,
    pub is_member: bool,
    pub level: Option<LevelId>,
}

/// What a viewer gets for an event's page.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum EventAccess {
    Show,
    /// A members-only event seen by a non-member: a page saying so (sign in, or join), without
    /// the event's details.
    MembersOnly,
    /// A draft, to anyone but staff.
    NotFound,
}

pub fn event_access(status: EventStatus, members_only: bool, viewer: Standing) -> EventAccess {
    match status {
        EventStatus::Draft if !viewer.is_staff => EventAccess::NotFound,
        _ if members_only && !viewer.is_staff && !viewer.is_member => EventAccess::MembersOnly,
        _ => EventAccess::Show,
    }
}

/// A registration type's terms, as stored.
#[derive(Clone, Copy, Debug)]
pub struct TypeTerms<'a> {
    pub price: Cents,
    pub member_price: Option<Cents>,
    pub audience: Audience,
    /// The levels of an `Audience::Levels` type.
    pub levels: &'a [LevelId],
    pub opens_at: Option<Timestamp>,
    pub closes_at: Option<Timestamp>,
    pub has_code: bool,
    pub cap: Option<i64>,
    pub taken: i64,
    pub complimentary: bool,
}

/// The event around a type: whether it takes registrations at all now, and the seats the event
/// itself has left.
#[derive(Clone, Copy, Debug)]
pub struct EventTerms {
    pub status: EventStatus,
    pub closes_at: Timestamp,
    pub seats_left: Option<i64>,
}

/// Whether a viewer may register with a type now, or why not.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum TypeState {
    Open,
    /// Members only, and the viewer is not one (offer sign-in and joining).
    MembersOnly,
    /// A member, but not of a level the type is for.
    OtherLevels,
    NotYetOpen(Timestamp),
    Closed,
    /// No seats left: offer the waitlist.
    Full,
}

/// A type as one viewer sees it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct TypeOffer {
    /// What this viewer would pay.
    pub price: Cents,
    /// The member price applies to this viewer.
    pub member_rate: bool,
    /// The member price a non-member would get by joining (None when members pay the same, or
    /// the viewer already gets it).
    pub member_price_offer: Option<Cents>,
    pub state: TypeState,
    pub seats: Seats,
    /// The viewer must enter the type's code to register.
    pub needs_code: bool,
    /// Staff see complimentary types, marked; the public never does.
    pub complimentary: bool,
}

/// How a type appears to a viewer, or None when it is hidden from them (complimentary types
/// are for faculty and staff to use, never listed to the public). Staff see complimentary types
/// but are otherwise judged like anyone else: a staff account that is not a member is not
/// eligible for a members-only type.
pub fn offer(
    viewer: Standing,
    event: EventTerms,
    ty: &TypeTerms<'_>,
    now: Timestamp,
) -> Option<TypeOffer> {
    if ty.complimentary && !viewer.is_staff {
        return None;
    }
    let member_rate = viewer.is_member && ty.member_price.is_some();
    let price = if ty.complimentary {
        Cents::ZERO
    } else if member_rate {
        ty.member_price.unwrap_or(ty.price)
    } else {
        ty.price
    };
    let member_price_offer = match ty.member_price {
        Some(m) if !viewer.is_member && m < ty.price => Some(m),
        _ => None,
    };
    let left = tighter(remaining(ty.cap, ty.taken), event.seats_left);
    let closes = ty
        .closes_at
        .map_or(event.closes_at, |c| c.min(event.closes_at));
    let state = if event.status != EventStatus::Published || now >= closes {
        TypeState::Closed
    } else if ty.opens_at.is_some_and(|o| now < o) {
        TypeState::NotYetOpen(ty.opens_at.unwrap_or(now))
    } else if ty.audience != Audience::Anyone && !viewer.is_member {
        TypeState::MembersOnly
    } else if ty.audience == Audience::Levels
        && !viewer.level.is_some_and(|l| ty.levels.contains(&l))
    {
        TypeState::OtherLevels
    } else if left == Some(0) {
        TypeState::Full
    } else {
        TypeState::Open
    };
    let seats = match state {
        TypeState::Closed => Seats::Closed,
        _ => Seats::from_left(left),
    };
    Some(TypeOffer {
        price,
        member_rate,
        member_price_offer,
        state,
        seats,
        needs_code: ty.has_code && state == TypeState::Open,
        complimentary: ty.complimentary,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn dt(s: &str) -> DateTime {
        parse_local(s).unwrap()
    }

    fn ts(s: &str) -> Timestamp {
        Timestamp::from_jiff(s.parse().unwrap())
    }

    #[test]
    fn local_times_parse_as_forms_send_them() {
        assert_eq!(format_local(dt("2026-11-21T18:00")), "2026-11-21T18:00");
        assert_eq!(format_local(dt(" 2026-11-21 18:05 ")), "2026-11-21T18:05");
        assert_eq!(format_local(dt("2026-11-21T18:05:59")), "2026-11-21T18:05");
        for bad in [
            "",
            "2026-11-21",
            "18:00",
            "2026-13-01T10:00",
            "2026-11-21T18:00Z",
            "tomorrow",
        ] {
            assert_eq!(parse_local(bad), None, "{bad:?}");
        }
    }

    #[test]
    fn six_pm_in_boston_is_the_right_instant_either_side_of_the_clock_change() {
        // Eastern daylight time (UTC-4) before 1 November 2026, standard (UTC-5) after.
        assert_eq!(
            to_instant(dt("2026-10-29T18:00"), "America/New_York").unwrap(),
            ts("2026-10-29T22:00:00Z")
        );
        assert_eq!(
            to_instant(dt("2026-11-05T18:00"), "America/New_York").unwrap(),
            ts("2026-11-05T23:00:00Z")
        );
        // And back again.
        assert_eq!(
            format_local(local_of(ts("2026-11-05T23:00:00Z"), "America/New_York")),
            "2026-11-05T18:00"
        );
        assert_eq!(
            format_local(local_of(ts("2026-11-05T23:00:00Z"), "America/Los_Angeles")),
            "2026-11-05T15:00"
        );
    }

    #[test]
    fn skipped_and_repeated_hours_are_refused_with_the_reason() {
        let skipped = to_instant(dt("2026-03-08T02:30"), "America/New_York").unwrap_err();
        assert!(matches!(skipped, TimeProblem::Skipped { .. }));
        assert_eq!(
            skipped.message(),
            "2:30 am on Sunday 8 March 2026 does not exist in America/New_York: the clocks go forward an hour that night. Choose a time outside the skipped hour."
        );
        let repeated = to_instant(dt("2026-11-01T01:30"), "America/New_York").unwrap_err();
        assert!(
            repeated.message().contains("happens twice"),
            "{}",
            repeated.message()
        );
        // The minutes either side of the gap are fine.
        assert_eq!(
            to_instant(dt("2026-03-08T01:59"), "America/New_York").unwrap(),
            ts("2026-03-08T06:59:00Z")
        );
        assert_eq!(
            to_instant(dt("2026-03-08T03:00"), "America/New_York").unwrap(),
            ts("2026-03-08T07:00:00Z")
        );
        // Arizona keeps no daylight time: 2:30 am on that day exists there.
        assert!(to_instant(dt("2026-03-08T02:30"), "America/Phoenix").is_ok());
        assert!(matches!(
            to_instant(dt("2026-03-08T02:30"), "Mars/Olympus"),
            Err(TimeProblem::UnknownZone(_))
        ));
    }

    #[test]
    fn times_in_words_name_the_zone_of_each_end() {
        let start = to_instant(dt("2026-11-21T18:00"), "America/New_York").unwrap();
        let end = to_instant(dt("2026-11-21T21:00"), "America/New_York").unwrap();
        assert_eq!(
            when_words(start, end, "America/New_York"),
            "Saturday 21 November 2026, 6:00 pm – 9:00 pm EST"
        );
        // A weekend across the clock change shows both abbreviations.
        let start = to_instant(dt("2026-10-31T08:00"), "America/New_York").unwrap();
        let end = to_instant(dt("2026-11-01T12:00"), "America/New_York").unwrap();
        assert_eq!(
            when_words(start, end, "America/New_York"),
            "Saturday 31 October 2026, 8:00 am EDT – Sunday 1 November 2026, 12:00 pm EST"
        );
        assert_eq!(
            session_words(
                start,
                start.plus_seconds(75 * 60),
                "America/New_York",
                false
            ),
            "8:00 am – 9:15 am"
        );
        assert_eq!(clock_words(jiff::civil::time(0, 5, 0, 0)), "12:05 am");
    }

    #[test]
    fn event_and_session_spans() {
        let (s, e) = (dt("2026-11-20T08:00"), dt("2026-11-21T17:00"));
        assert!(check_event_span(s, e).is_ok());
        assert_eq!(check_event_span(e, s).unwrap_err().0, "ends");
        assert_eq!(check_event_span(s, s).unwrap_err().0, "ends");
        assert!(check_event_span(dt("2026-01-01T12:00"), dt("2027-01-01T12:00")).is_ok());
        assert!(check_event_span(dt("2026-01-01T12:00"), dt("2027-01-03T12:00")).is_err());
        // A breakfast before the opening is on the event's day; the day after is not.
        assert!(check_session_span(s, e, dt("2026-11-20T07:00"), dt("2026-11-20T08:00")).is_ok());
        assert!(check_session_span(s, e, dt("2026-11-21T16:00"), dt("2026-11-21T19:00")).is_ok());
        let (field, message) =
            check_session_span(s, e, dt("2026-11-19T09:00"), dt("2026-11-19T10:00")).unwrap_err();
        assert_eq!(field, "starts");
        assert_eq!(
            message,
            "The session must start during the event: Fri 20 Nov 2026 to Sat 21 Nov 2026."
        );
        assert_eq!(
            check_session_span(s, e, dt("2026-11-21T23:00"), dt("2026-11-22T01:00"))
                .unwrap_err()
                .0,
            "ends"
        );
        assert_eq!(
            check_session_span(s, e, dt("2026-11-20T10:00"), dt("2026-11-20T09:00"))
                .unwrap_err()
                .0,
            "ends"
        );
    }

    #[test]
    fn seats_in_words() {
        let one = |cap, taken| TypesLeft::of(&[(cap, taken)]);
        let words = |s: Option<Seats>| s.unwrap().words();
        assert_eq!(
            words(event_seats(true, Some(50), 38, one(None, 0))),
            "12 seats left"
        );
        assert_eq!(
            words(event_seats(true, Some(50), 49, one(None, 0))),
            "1 seat left"
        );
        assert_eq!(
            words(event_seats(true, Some(50), 50, one(None, 0))),
            "Full — join the waitlist"
        );
        assert_eq!(
            words(event_seats(false, Some(50), 2, one(None, 0))),
            "Registration closed"
        );
        assert_eq!(
            words(event_seats(true, None, 400, one(None, 0))),
            "Seats available"
        );
        // Nothing to register for: nothing said.
        assert_eq!(event_seats(true, Some(50), 0, TypesLeft::default()), None);
        // Every type capped: their sum, unless the event's own limit is tighter.
        let two = TypesLeft::of(&[(Some(10), 4), (Some(5), 5)]);
        assert_eq!(event_seats(true, None, 0, two), Some(Seats::Left(6)));
        assert_eq!(event_seats(true, Some(3), 0, two), Some(Seats::Left(3)));
        // One uncapped type: the types set no limit.
        let open = TypesLeft::of(&[(Some(10), 10), (None, 0)]);
        assert_eq!(event_seats(true, None, 0, open), Some(Seats::Available));
        let full = TypesLeft::of(&[(Some(2), 2), (Some(1), 1)]);
        assert_eq!(event_seats(true, None, 0, full), Some(Seats::Full));
    }

    fn open_event() -> EventTerms {
        EventTerms {
            status: EventStatus::Published,
            closes_at: ts("2026-12-01T00:00:00Z"),
            seats_left: None,
        }
    }

    fn standard<'a>(levels: &'a [LevelId]) -> TypeTerms<'a> {
        TypeTerms {
            price: Cents(30_000),
            member_price: Some(Cents(20_000)),
            audience: Audience::Anyone,
            levels,
            opens_at: None,
            closes_at: None,
            has_code: false,
            cap: None,
            taken: 0,
            complimentary: false,
        }
    }

    #[test]
    fn members_see_member_prices_and_others_are_offered_them() {
        let now = ts("2026-11-21T15:00:00Z");
        let public = Standing::default();
        let member = Standing {
            is_member: true,
            ..Default::default()
        };
        let ty = standard(&[]);
        let seen = offer(public, open_event(), &ty, now).unwrap();
        assert_eq!(seen.price, Cents(30_000));
        assert!(!seen.member_rate);
        assert_eq!(seen.member_price_offer, Some(Cents(20_000)));
        assert_eq!(seen.state, TypeState::Open);
        let seen = offer(member, open_event(), &ty, now).unwrap();
        assert_eq!(seen.price, Cents(20_000));
        assert!(seen.member_rate);
        assert_eq!(seen.member_price_offer, None);
        // No member price: everyone pays the same and nobody is offered a discount.
        let same = TypeTerms {
            member_price: None,
            ..ty
        };
        let seen = offer(member, open_event(), &same, now).unwrap();
        assert_eq!((seen.price, seen.member_rate), (Cents(30_000), false));
        assert_eq!(
            offer(public, open_event(), &same, now)
                .unwrap()
                .member_price_offer,
            None
        );
    }

    #[test]
    fn audience_levels_window_code_and_complimentary() {
        let now = ts("2026-11-21T15:00:00Z");
        let fellows = LevelId::new();
        let physicians = LevelId::new();
        let public = Standing::default();
        let fellow = Standing {
            is_member: true,
            level: Some(fellows),
            ..Default::default()
        };
        let physician = Standing {
            is_member: true,
            level: Some(physicians),
            ..Default::default()
        };
        let staff = Standing {
            is_staff: true,
            ..Default::default()
        };
        let levels = [fellows];
        let members_only = TypeTerms {
            audience: Audience::Members,
            ..standard(&levels)
        };
        assert_eq!(
            offer(public, open_event(), &members_only, now)
                .unwrap()
                .state,
            TypeState::MembersOnly
        );
        assert_eq!(
            offer(physician, open_event(), &members_only, now)
                .unwrap()
                .state,
            TypeState::Open
        );
        let fellows_only = TypeTerms {
            audience: Audience::Levels,
            ..standard(&levels)
        };
        assert_eq!(
            offer(public, open_event(), &fellows_only, now)
                .unwrap()
                .state,
            TypeState::MembersOnly
        );
        assert_eq!(
            offer(physician, open_event(), &fellows_only, now)
                .unwrap()
                .state,
            TypeState::OtherLevels
        );
        assert_eq!(
            offer(fellow, open_event(), &fellows_only, now)
                .unwrap()
                .state,
            TypeState::Open
        );

        // The window: not yet open, then open, then closed (by the type or by the event).
        let window = TypeTerms {
            opens_at: Some(ts("2026-11-22T00:00:00Z")),
            closes_at: Some(ts("2026-11-25T00:00:00Z")),
            ..standard(&levels)
        };
        assert_eq!(
            offer(public, open_event(), &window, now).unwrap().state,
            TypeState::NotYetOpen(ts("2026-11-22T00:00:00Z"))
        );
        assert_eq!(
            offer(public, open_event(), &window, ts("2026-11-23T00:00:00Z"))
                .unwrap()
                .state,
            TypeState::Open
        );
        let closed = offer(public, open_event(), &window, ts("2026-11-25T00:00:00Z")).unwrap();
        assert_eq!(
            (closed.state, closed.seats),
            (TypeState::Closed, Seats::Closed)
        );
        assert_eq!(
            offer(
                public,
                open_event(),
                &standard(&levels),
                ts("2026-12-01T00:00:00Z")
            )
            .unwrap()
            .state,
            TypeState::Closed
        );
        let draft = EventTerms {
            status: EventStatus::Draft,
            ..open_event()
        };
        assert_eq!(
            offer(staff, draft, &standard(&levels), now).unwrap().state,
            TypeState::Closed
        );

        // A code field only while registration is open.
        let coded = TypeTerms {
            has_code: true,
            ..standard(&levels)
        };
        assert!(offer(public, open_event(), &coded, now).unwrap().needs_code);
        assert!(
            !offer(public, open_event(), &coded, ts("2026-12-02T00:00:00Z"))
                .unwrap()
                .needs_code
        );

        // Complimentary: hidden from the public and members, shown to staff at no charge.
        let comp = TypeTerms {
            complimentary: true,
            ..standard(&levels)
        };
        assert_eq!(offer(public, open_event(), &comp, now), None);
        assert_eq!(offer(fellow, open_event(), &comp, now), None);
        let seen = offer(staff, open_event(), &comp, now).unwrap();
        assert!(seen.complimentary);
        assert_eq!(seen.price, Cents::ZERO);
    }

    #[test]
    fn a_full_type_or_event_offers_the_waitlist() {
        let now = ts("2026-11-21T15:00:00Z");
        let capped = TypeTerms {
            cap: Some(20),
            taken: 20,
            ..standard(&[])
        };
        let seen = offer(Standing::default(), open_event(), &capped, now).unwrap();
        assert_eq!(
            (seen.state, seen.seats.words().as_str()),
            (TypeState::Full, "Full — join the waitlist")
        );
        let event_full = EventTerms {
            seats_left: Some(0),
            ..open_event()
        };
        assert_eq!(
            offer(Standing::default(), event_full, &standard(&[]), now)
                .unwrap()
                .state,
            TypeState::Full
        );
        let few = TypeTerms {
            cap: Some(20),
            taken: 8,
            ..standard(&[])
        };
        let tight = EventTerms {
            seats_left: Some(3),
            ..open_event()
        };
        assert_eq!(
            offer(Standing::default(), tight, &few, now).unwrap().seats,
            Seats::Left(3)
        );
    }

    #[test]
    fn who_sees_an_event() {
        let public = Standing::default();
        let member = Standing {
            is_member: true,
            ..Default::default()
        };
        let staff = Standing {
            is_staff: true,
            ..Default::default()
        };
        assert_eq!(
            event_access(EventStatus::Draft, false, public),
            EventAccess::NotFound
        );
        assert_eq!(
            event_access(EventStatus::Draft, false, member),
            EventAccess::NotFound
        );
        assert_eq!(
            event_access(EventStatus::Draft, true, staff),
            EventAccess::Show
        );
        assert_eq!(
            event_access(EventStatus::Published, false, public),
            EventAccess::Show
        );
        assert_eq!(
            event_access(EventStatus::Published, true, public),
            EventAccess::MembersOnly
        );
        assert_eq!(
            event_access(EventStatus::Published, true, member),
            EventAccess::Show
        );
        assert_eq!(
            event_access(EventStatus::Cancelled, true, public),
            EventAccess::MembersOnly
        );
        assert_eq!(
            event_access(EventStatus::Cancelled, false, public),
            EventAccess::Show
        );
    }

    #[test]
    fn registration_closes_at_the_start_except_for_a_series() {
        let (s, e) = (ts("2026-11-21T15:00:00Z"), ts("2027-06-21T15:00:00Z"));
        assert_eq!(registration_closes_at(EventKind::Meeting, s, e), s);
        assert_eq!(registration_closes_at(EventKind::Webinar, s, e), s);
        assert_eq!(registration_closes_at(EventKind::Series, s, e), e);
    }
}
