//! iCalendar (RFC 5545) output for events: one event's `.ics` (a download, or a confirmation
//! email's attachment) and a subscribable feed. Pure: the caller passes the events and "now".
//!
//! Times are written as the local time staff entered with its zone
//! (`DTSTART;TZID=America/New_York:20261121T180000`), and each zone used gets a `VTIMEZONE`
//! generated from the IANA database through jiff: one `STANDARD` or `DAYLIGHT` observance per
//! transition, from the one in force at the earliest event to the last before the latest, so a
//! calendar in any other zone converts the time correctly on both sides of a clock change.
//! Lines end in CRLF, text is escaped, and lines longer than 75 octets are folded.

use std::collections::BTreeMap;

use jiff::civil::DateTime;
use jiff::tz::{Offset, TimeZone};

use crate::time::Timestamp;

/// One event for a calendar.
#[derive(Clone, Debug)]
pub struct CalendarEvent {
    /// Stable across edits: `{event id}@{host}`.
    pub uid: String,
    /// Raised on every change attendees should see; calendars replace an entry with a higher one.
    pub sequence: i64,
    pub zone: String,
    pub starts_local: DateTime,
    pub ends_local: DateTime,
    pub starts_at: Timestamp,
    pub ends_at: Timestamp,
    pub summary: String,
    pub description: String,
    pub location: String,
    pub url: String,
    pub cancelled: bool,
    pub last_modified: Timestamp,
}

/// Who an invitation is from and for (iTIP `METHOD:REQUEST` needs both).
#[derive(Clone, Debug)]
pub struct Invitee {
    pub organizer_name: String,
    pub organizer_email: String,
    pub attendee_name: String,
    pub attendee_email: String,
}

/// A calendar of `events`: a single event's file when `name` is None, a named feed otherwise.
pub fn calendar(name: Option<&str>, events: &[CalendarEvent], now: Timestamp) -> String {
    render(name, events, None, now)
}

/// A registrant's invitation to one event (`METHOD:REQUEST`, with the organizer and the
/// registrant as attendee), for the confirmation email: calendars offer to add it, and a later
/// one with a higher SEQUENCE updates it.
pub fn invitation(event: &CalendarEvent, who: &Invitee, now: Timestamp) -> String {
    render(None, std::slice::from_ref(event), Some(who), now)
}

/// A registrant's cancellation of an earlier invitation (`METHOD:CANCEL`, `STATUS:CANCELLED`,
/// same UID): give it a SEQUENCE higher than the invitation's and calendars remove the entry.
pub fn cancellation(event: &CalendarEvent, who: &Invitee, now: Timestamp) -> String {
    let mut cancelled = event.clone();
    cancelled.cancelled = true;
    render(None, std::slice::from_ref(&cancelled), Some(who), now)
}

fn render(
    name: Option<&str>,
    events: &[CalendarEvent],
    who: Option<&Invitee>,
    now: Timestamp,
) -> String {
    let mut out = Lines::default();
    out.push("BEGIN:VCALENDAR");
    out.push("VERSION:2.0");
    out.push("PRODID:-//Chapterhouse//Events//EN");
    out.push("CALSCALE:GREGORIAN");
    out.push(match who {
        // An invitation to a cancelled event, or a registrant's cancelled place, withdraws it.
        Some(_) if events.iter().all(|e| e.cancelled) => "METHOD:CANCEL",
        Some(_) => "METHOD:REQUEST",
        None => "METHOD:PUBLISH",
    });
    if let Some(name) = name {
        out.push(&format!("X-WR-CALNAME:{}", escape(name)));
        // Subscribed calendars look for changes twice a day.
        out.push("REFRESH-INTERVAL;VALUE=DURATION:PT12H");
        out.push("X-PUBLISHED-TTL:PT12H");
    }
    // Each zone once, covering its events' span.
    let mut zones: BTreeMap<&str, (Timestamp, Timestamp)> = BTreeMap::new();
    for e in events {
        let span = zones.entry(&e.zone).or_insert((e.starts_at, e.ends_at));
        span.0 = span.0.min(e.starts_at);
        span.1 = span.1.max(e.ends_at);
    }
    for (zone, (from, to)) in &zones {
        for line in vtimezone(zone, *from, *to) {
            out.push(&line);
        }
    }
    for e in events {
        out.push("BEGIN:VEVENT");
        out.push(&format!("UID:{}", escape(&e.uid)));
        out.push(&format!("DTSTAMP:{}", utc(now)));
        out.push(&format!("LAST-MODIFIED:{}", utc(e.last_modified)));
        out.push(&format!("SEQUENCE:{}", e.sequence.max(0)));
        out.push(&format!(
            "DTSTART;TZID={}:{}",
            e.zone,
            local(e.starts_local)
        ));
        out.push(&format!("DTEND;TZID={}:{}", e.zone, local(e.ends_local)));
        out.push(&format!("SUMMARY:{}", escape(&e.summary)));
        if !e.description.is_empty() {
            out.push(&format!("DESCRIPTION:{}", escape(&e.description)));
        }
        if !e.location.is_empty() {
            out.push(&format!("LOCATION:{}", escape(&e.location)));
        }
        if !e.url.is_empty() {
            out.push(&format!("URL:{}", e.url));
        }
        if let Some(who) = who {
            out.push(&format!(
                "ORGANIZER;CN={}:mailto:{}",
                param(&who.organizer_name),
                who.organizer_email
            ));
            out.push(&format!(
                "ATTENDEE;CN={};ROLE=REQ-PARTICIPANT;PARTSTAT=ACCEPTED:mailto:{}",
                param(&who.attendee_name),
                who.attendee_email
            ));
        }
        out.push(if e.cancelled {
            "STATUS:CANCELLED"
        } else {
            "STATUS:CONFIRMED"
        });
        out.push("END:VEVENT");
    }
    out.push("END:VCALENDAR");
    out.0
}

/// A parameter value (CN=…): quoted, without the characters a quoted value cannot hold.
fn param(text: &str) -> String {
    let clean: String = text
        .chars()
        .filter(|c| !c.is_control() && *c != '"')
        .collect();
    format!("\"{clean}\"")
}

/// The `VTIMEZONE` lines for `zone` covering instants from `from` to `to`.
pub fn vtimezone(zone: &str, from: Timestamp, to: Timestamp) -> Vec<String> {
    let tz = TimeZone::get(zone).unwrap_or(TimeZone::UTC);
    let mut lines = vec![
        "BEGIN:VTIMEZONE".to_string(),
        format!("TZID:{zone}"),
        format!("X-LIC-LOCATION:{zone}"),
    ];
    let (from, to) = (from.to_jiff(), to.to_jiff());
    // The transition in force at `from` (the first strictly after it is found by `following`).
    let first = tz
        .preceding(
            from.checked_add(jiff::SignedDuration::from_secs(1))
                .unwrap_or(from),
        )
        .next();
    let mut transitions: Vec<_> = first.into_iter().collect();
    transitions.extend(tz.following(from).take_while(|t| t.timestamp() <= to));
    if transitions.is_empty() {
        // A zone without transitions (UTC, or fixed since before 1970): one observance.
        let info = tz.to_offset_info(from);
        lines.extend(observance(
            "STANDARD",
            "19700101T000000".into(),
            info.offset(),
            info.offset(),
            info.abbreviation(),
        ));
    }
    for t in transitions {
        let before = tz.to_offset(
            t.timestamp()
                .checked_sub(jiff::SignedDuration::from_secs(1))
                .unwrap_or(t.timestamp()),
        );
        // DTSTART is the moment of change in the local time that was in force before it.
        let onset = local(before.to_datetime(t.timestamp()));
        let kind = if t.dst().is_dst() {
            "DAYLIGHT"
        } else {
            "STANDARD"
        };
        lines.extend(observance(
            kind,
            onset,
            before,
            t.offset(),
            t.abbreviation(),
        ));
    }
    lines.push("END:VTIMEZONE".into());
    lines
}

fn observance(kind: &str, onset: String, from: Offset, to: Offset, name: &str) -> Vec<String> {
    let mut lines = vec![
        format!("BEGIN:{kind}"),
        format!("DTSTART:{onset}"),
        format!("TZOFFSETFROM:{}", offset(from)),
        format!("TZOFFSETTO:{}", offset(to)),
    ];
    if !name.is_empty() {
        lines.push(format!("TZNAME:{}", escape(name)));
    }
    lines.push(format!("END:{kind}"));
    lines
}

/// "-0500", "+0530", "+054500" for an offset with seconds.
fn offset(o: Offset) -> String {
    let total = o.seconds();
    let sign = if total < 0 { '-' } else { '+' };
    let abs = total.unsigned_abs();
    let (h, m, s) = (abs / 3600, abs % 3600 / 60, abs % 60);
    if s == 0 {
        format!("{sign}{h:02}{m:02}")
    } else {
        format!("{sign}{h:02}{m:02}{s:02}")
    }
}

fn local(dt: DateTime) -> String {
    dt.strftime("%Y%m%dT%H%M%S").to_string()
}

fn utc(ts: Timestamp) -> String {
    ts.to_jiff().strftime("%Y%m%dT%H%M%SZ").to_string()
}

/// TEXT values: backslash, semicolon and comma escaped, newlines as `\n`.
pub fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut chars = text.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '\\' => out.push_str("\\\\"),
            ';' => out.push_str("\\;"),
            ',' => out.push_str("\\,"),
            '\r' => {
                if chars.peek() == Some(&'\n') {
                    chars.next();
                }
                out.push_str("\\n");
            }
            '\n' => out.push_str("\\n"),
            c if c.is_control() => {}
            c => out.push(c),
        }
    }
    out
}

/// Content lines, folded at 75 octets (never inside a character) and ended with CRLF.
#[derive(Default)]
struct Lines(String);

impl Lines {
    fn push(&mut self, line: &str) {
        let mut width = 0;
        for c in line.chars() {
            let len = c.len_utf8();
            if width + len > 75 {
                self.0.push_str("\r\n ");
                // The leading space of a continuation line counts.
                width = 1;
            }
            self.0.push(c);
            width += len;
        }
        self.0.push_str("\r\n");
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::events::{parse_local, to_instant};

    const BOSTON: &str = "America/New_York";

    fn event(uid: &str, start: &str, end: &str, zone: &str) -> CalendarEvent {
        let (s, e) = (parse_local(start).unwrap(), parse_local(end).unwrap());
        CalendarEvent {
            uid: uid.into(),
            sequence: 2,
            zone: zone.into(),
            starts_local: s,
            ends_local: e,
            starts_at: to_instant(s, zone).unwrap(),
            ends_at: to_instant(e, zone).unwrap(),
            summary: "Evening tumor board; cases, questions".into(),
            description: "Bring cases.\nDinner at 5:30, talks at 6.".into(),
            location: "Hynes Convention Center, Room 201, Boston".into(),
            url: "https://gsco.example/events/tumor-board".into(),
            cancelled: false,
            last_modified: Timestamp(1_700_000_000_000_000),
        }
    }

    fn now() -> Timestamp {
        Timestamp::from_jiff("2026-09-01T12:00:00Z".parse().unwrap())
    }

    fn parse(ics: &str) -> ical::parser::ical::component::IcalCalendar {
        let mut parser = ical::IcalParser::new(std::io::BufReader::new(ics.as_bytes()));
        let calendar = parser.next().expect("one calendar").expect("parses");
        assert!(parser.next().is_none());
        calendar
    }

    fn prop<'a>(props: &'a [ical::property::Property], name: &str) -> &'a ical::property::Property {
        props
            .iter()
            .find(|p| p.name == name)
            .unwrap_or_else(|| panic!("no {name}"))
    }

    fn value(props: &[ical::property::Property], name: &str) -> String {
        prop(props, name).value.clone().unwrap_or_default()
    }

    fn parse_offset(text: &str) -> i32 {
        let sign = if text.starts_with('-') { -1 } else { 1 };
        let digits = &text[1..];
        let h: i32 = digits[0..2].parse().unwrap();
        let m: i32 = digits[2..4].parse().unwrap();
        let s: i32 = digits.get(4..6).map_or(0, |s| s.parse().unwrap());
        sign * (h * 3600 + m * 60 + s)
    }

    fn parse_basic(text: &str) -> DateTime {
        DateTime::strptime("%Y%m%dT%H%M%S", text).unwrap()
    }

    /// What a calendar program does: read DTSTART's TZID and local time, find the observance of
    /// the emitted VTIMEZONE in force then, and turn it into an instant.
    fn instant_of(
        calendar: &ical::parser::ical::component::IcalCalendar,
        event: usize,
    ) -> jiff::Timestamp {
        let start = prop(&calendar.events[event].properties, "DTSTART");
        let tzid = start
            .params
            .as_ref()
            .and_then(|ps| ps.iter().find(|(k, _)| k == "TZID"))
            .map(|(_, v)| v[0].clone())
            .expect("DTSTART has a TZID");
        let local = parse_basic(start.value.as_deref().unwrap());
        let zone = calendar
            .timezones
            .iter()
            .find(|z| value(&z.properties, "TZID") == tzid)
            .expect("a VTIMEZONE for the TZID");
        let in_force = zone
            .transitions
            .iter()
            .map(|t| {
                (
                    parse_basic(&value(&t.properties, "DTSTART")),
                    parse_offset(&value(&t.properties, "TZOFFSETTO")),
                )
            })
            .filter(|(onset, _)| *onset <= local)
            .max_by_key(|(onset, _)| *onset)
            .expect("an observance covers the event");
        jiff::tz::Offset::from_seconds(in_force.1)
            .unwrap()
            .to_timestamp(local)
            .unwrap()
    }

    fn in_zone(ts: jiff::Timestamp, zone: &str) -> String {
        ts.to_zoned(TimeZone::get(zone).unwrap())
            .strftime("%Y-%m-%d %H:%M")
            .to_string()
    }

    #[test]
    fn six_pm_in_boston_is_three_pm_in_los_angeles_on_both_sides_of_the_clock_change() {
        let events = [
            // Daylight time in both zones.
            event(
                "a@gsco.example",
                "2026-10-29T18:00",
                "2026-10-29T20:00",
                BOSTON,
            ),
            // Standard time in both zones (the clocks went back on 1 November).
            event(
                "b@gsco.example",
                "2026-11-05T18:00",
                "2026-11-05T20:00",
                BOSTON,
            ),
            // Daylight again next spring (the clocks go forward on 14 March 2027).
            event(
                "c@gsco.example",
                "2027-03-18T18:00",
                "2027-03-18T20:00",
                BOSTON,
            ),
        ];
        let ics = calendar(Some("GSCO events"), &events, now());
        let parsed = parse(&ics);
        assert_eq!(parsed.events.len(), 3);
        assert_eq!(parsed.timezones.len(), 1, "one VTIMEZONE for the one zone");
        let kinds: Vec<_> = parsed.timezones[0]
            .transitions
            .iter()
            .map(|t| format!("{:?} {}", t.transition, value(&t.properties, "DTSTART")))
            .collect();
        assert!(
            kinds.contains(&"STANDARD 20261101T020000".to_string())
                && kinds.contains(&"DAYLIGHT 20270314T020000".to_string()),
            "{kinds:?}"
        );
        for (i, utc_expected) in [
            (0, "2026-10-29 22:00"),
            (1, "2026-11-05 23:00"),
            (2, "2027-03-18 22:00"),
        ] {
            let instant = instant_of(&parsed, i);
            assert_eq!(in_zone(instant, "UTC"), utc_expected, "event {i}");
            assert_eq!(
                in_zone(instant, BOSTON)[11..],
                *"18:00",
                "event {i} in Boston"
            );
            assert_eq!(
                in_zone(instant, "America/Los_Angeles")[11..],
                *"15:00",
                "event {i} in Los Angeles"
            );
            assert_eq!(
                jiff::Timestamp::from_microsecond(events[i].starts_at.0).unwrap(),
                instant
            );
        }
    }

    #[test]
    fn the_week_the_zones_disagree_still_converts() {
        // US clocks go forward on 8 March 2026 and Europe's on 29 March, so 6 pm in Boston on
        // 20 March is 10 pm in London (not 11 pm).
        let e = event("x@h", "2026-03-20T18:00", "2026-03-20T19:00", BOSTON);
        let parsed = parse(&calendar(None, &[e], now()));
        let instant = instant_of(&parsed, 0);
        assert_eq!(in_zone(instant, "Europe/London")[11..], *"22:00");
        assert_eq!(in_zone(instant, "America/Los_Angeles")[11..], *"15:00");
    }

    #[test]
    fn fields_uid_sequence_escaping_folding_and_line_ends() {
        let mut e = event(
            "0190f0aa-1111-7000-8000-000000000001@gsco.example",
            "2026-11-21T18:00",
            "2026-11-21T21:00",
            BOSTON,
        );
        e.description = "A long description that certainly goes well past seventy-five octets, with commas; semicolons \\ backslashes and ünïcödé.\nSecond line.".into();
        let ics = calendar(None, &[e.clone()], now());
        assert!(ics.ends_with("END:VCALENDAR\r\n"));
        for line in ics.split("\r\n") {
            assert!(line.len() <= 75, "line over 75 octets: {line:?}");
            assert!(!line.contains('\n') && !line.contains('\r'));
        }
        let parsed = parse(&ics);
        let props = &parsed.events[0].properties;
        assert_eq!(value(props, "UID"), e.uid);
        assert_eq!(value(props, "SEQUENCE"), "2");
        assert_eq!(value(props, "STATUS"), "CONFIRMED");
        assert_eq!(value(props, "DTSTART"), "20261121T180000");
        assert_eq!(value(props, "DTEND"), "20261121T210000");
        assert_eq!(value(props, "DTSTAMP"), "20260901T120000Z");
        // The parser unfolds lines but leaves TEXT escapes as they are.
        assert_eq!(value(props, "DESCRIPTION"), escape(&e.description));
        assert!(
            value(props, "DESCRIPTION")
                .contains("commas\\; semicolons \\\\ backslashes and ünïcödé.\\nSecond")
        );
        assert_eq!(
            value(props, "SUMMARY"),
            "Evening tumor board\\; cases\\, questions"
        );
        // A single event's file has no feed name; a cancelled event says so.
        assert!(!ics.contains("X-WR-CALNAME"));
        e.cancelled = true;
        let ics = calendar(None, &[e], now());
        assert!(ics.contains("STATUS:CANCELLED\r\n"));
    }

    #[test]
    fn zones_without_clock_changes_and_empty_feeds() {
        let e = event(
            "p@h",
            "2026-07-01T09:00",
            "2026-07-01T10:00",
            "America/Phoenix",
        );
        let parsed = parse(&calendar(None, &[e], now()));
        let instant = instant_of(&parsed, 0);
        assert_eq!(in_zone(instant, "UTC")[11..], *"16:00");
        let e = event("u@h", "2026-07-01T09:00", "2026-07-01T10:00", "UTC");
        let parsed = parse(&calendar(None, &[e], now()));
        assert_eq!(in_zone(instant_of(&parsed, 0), "UTC")[11..], *"09:00");
        let empty = parse(&calendar(Some("Nothing yet"), &[], now()));
        assert!(empty.events.is_empty() && empty.timezones.is_empty());
    }

    #[test]
    fn two_zones_get_two_timezones() {
        let a = event("a@h", "2026-11-21T18:00", "2026-11-21T19:00", BOSTON);
        let b = event(
            "b@h",
            "2026-11-21T18:00",
            "2026-11-21T19:00",
            "America/Denver",
        );
        let parsed = parse(&calendar(Some("x"), &[a, b], now()));
        assert_eq!(parsed.timezones.len(), 2);
        assert_eq!(in_zone(instant_of(&parsed, 1), "UTC")[11..], *"01:00");
    }
}
