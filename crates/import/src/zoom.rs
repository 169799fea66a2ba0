//! Zoom attendance reports: the meeting "Participants" export and the webinar "Attendee Report".
//!
//! The reader finds the participant table wherever it starts (the meeting-data block of a
//! participants export and the summary lines of an attendee report come first), reads one row at
//! a time, and keeps only each attendee's intervals, so a large file costs memory per person, not
//! per byte. Rows of one person (a rejoin, a second device) are merged: the intervals are united,
//! so overlapping time counts once. People are matched by email (lowercased); rows without an
//! email are matched by name, and joined to the one emailed person of exactly that name when
//! there is exactly one.
//!
//! Layouts understood (header names compared ignoring case and surrounding spaces):
//! - Participants: `Name (Original Name)`, `User Email`, `Join Time`, `Leave Time`,
//!   `Duration (Minutes)`, `Guest`, `Recording Consent` (older exports: `Name (original name)`,
//!   `Join time`, `Leave time`, `Duration (minutes)`), optionally after a
//!   `Meeting ID,Topic,Start Time,…` block.
//! - Attendee Report: summary lines, then `Host Details`, `Panelist Details`, `Attendee Details`
//!   (and `Other Attended`) sections, each with its own header row (`Attended`,
//!   `User Name (Original Name)`, `First Name`, `Last Name`, `Email`, `Join Time`, `Leave Time`,
//!   `Time in Session (minutes)`, …). Host and panelist rows are skipped (they are staff and
//!   faculty, not learners); attendee rows marked `Attended` = `No` are registrants who never
//!   joined and are skipped too.
//!
//! Encodings: UTF-8 with or without a byte-order mark, UTF-16 (Excel's "Unicode text", which is
//! tab-delimited), Windows-1252 fields; comma or tab delimiter (whichever the start of the file
//! uses more); CRLF or LF; quoted fields; blank lines. Times (`11/18/2026 06:02:13 PM`,
//! `11/18/2026 18:02`, `2026-11-18 18:02:13`, `Nov 18, 2026 06:02:13 PM`) are in the Zoom
//! account's zone, which the caller passes; an hour repeated when clocks go back reads as the
//! earlier one. Minutes are whole minutes of the united intervals, rounded down.
//!
//! Nothing here panics on any input: a row that cannot be used becomes a [`Problem`] with its
//! line number and the rest of the file is still read.

use std::collections::{HashMap, VecDeque};
use std::fmt;
use std::io::{self, Cursor, Read};

use jiff::civil::DateTime;
use jiff::tz::TimeZone;
use jiff::{SignedDuration, Timestamp};

use crate::decode::{Encoding, Transcode, field_text};

/// One person's attendance, all their rows merged.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Attendee {
    /// Lowercased; `None` when no row of theirs had an email address.
    pub email: Option<String>,
    /// As the first of their rows with a name gave it.
    pub name: String,
    /// Whole minutes present (overlapping rows counted once), rounded down.
    pub minutes: i64,
    pub first_join: Timestamp,
    pub last_leave: Timestamp,
    /// How many rows were merged into this attendee.
    pub rows: usize,
}

/// Which kind of report the table came from.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Layout {
    /// A meeting's participants export.
    Participants,
    /// A webinar's attendee report.
    AttendeeReport,
    /// No participant table was found.
    Unknown,
}

/// What was wrong with a row (or the file).
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ProblemKind {
    /// No header row with a name or email column and a join-time column.
    NoTable,
    NoNameOrEmail,
    MissingJoinTime,
    MissingLeaveTime,
    BadTime {
        column: String,
        value: String,
    },
    LeaveBeforeJoin,
    /// The file could not be read past this point.
    Unreadable(String),
}

impl fmt::Display for ProblemKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ProblemKind::NoTable => f.write_str(
                "No participant table was found: the file needs a header row with a name or \
                 email column and a Join Time column.",
            ),
            ProblemKind::NoNameOrEmail => {
                f.write_str("The row has neither a name nor an email address.")
            }
            ProblemKind::MissingJoinTime => f.write_str("The join time is empty."),
            ProblemKind::MissingLeaveTime => {
                f.write_str("The leave time is empty and there is no duration.")
            }
            ProblemKind::BadTime { column, value } => write!(
                f,
                "The {column} “{value}” is not a date and time (such as 11/18/2026 06:02:13 PM)."
            ),
            ProblemKind::LeaveBeforeJoin => f.write_str("The leave time is before the join time."),
            ProblemKind::Unreadable(why) => {
                write!(f, "The file could not be read past this line ({why}).")
            }
        }
    }
}

/// A row that was not counted, and why.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Problem {
    /// 1-based line of the file where the row starts.
    pub line: u64,
    pub kind: ProblemKind,
}

impl fmt::Display for Problem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Line {}: {}", self.line, self.kind)
    }
}

/// The outcome of reading a report.
#[derive(Clone, Debug)]
pub struct ZoomReport {
    pub layout: Layout,
    pub encoding: Encoding,
    /// Some field was not UTF-8 and was read as Windows-1252.
    pub windows_1252: bool,
    /// Attendees by first join, then name.
    pub attendees: Vec<Attendee>,
    pub problems: Vec<Problem>,
    /// Rows of the participant table that were looked at (counted or not; host and panelist
    /// rows excluded).
    pub rows_read: usize,
    /// Host and panelist rows of an attendee report.
    pub host_rows_skipped: usize,
    /// Attendee-report rows marked `Attended` = `No`.
    pub not_attended_rows: usize,
}

/// Whether `minutes` present meets the activity's minimum.
pub fn attended(minutes: i64, min_minutes: i64) -> bool {
    minutes >= min_minutes.max(0)
}

/// Read a Zoom participants export or webinar attendee report. `zone` is the Zoom account's
/// time zone, in which the report's times are written.
pub fn read_report<R: Read>(input: R, zone: &TimeZone) -> ZoomReport {
    let mut state = State::default();
    let transcode = match Transcode::new(input) {
        Ok(t) => t,
        Err(e) => {
            state.problem(1, ProblemKind::Unreadable(e.to_string()));
            return state.finish(Encoding::Utf8);
        }
    };
    let encoding = transcode.encoding();
    // Look at the start of the text to choose the delimiter, then read on from where it stopped.
    let mut transcode = transcode;
    let mut head = Vec::new();
    if let Err(e) = transcode.by_ref().take(8 * 1024).read_to_end(&mut head) {
        state.problem(1, ProblemKind::Unreadable(e.to_string()));
        return state.finish(encoding);
    }
    let delimiter = delimiter_of(&head);
    let text = Lines::new(Cursor::new(head).chain(transcode));
    let mut reader = csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .delimiter(delimiter)
        .from_reader(text);
    let mut record = csv::ByteRecord::new();
    let mut last_line = 1;
    loop {
        match reader.read_byte_record(&mut record) {
            Ok(true) => {
                if let Some(p) = record.position() {
                    last_line = reader.get_mut().line_at(p.byte());
                }
                state.record(last_line, &record, zone);
            }
            Ok(false) => break,
            Err(e) => {
                if let Some(p) = e.position() {
                    last_line = reader.get_mut().line_at(p.byte());
                }
                state.problem(last_line, ProblemKind::Unreadable(e.to_string()));
                break;
            }
        }
    }
    state.finish(encoding)
}

/// Line numbers for the CSV reader's records. The reader reports where it began looking for a
/// record, which is before any blank lines it skipped (and, after CRLF, before the LF), so the
/// record's own line is the line of the first byte from there that is not a line break. The
/// bytes between the last record asked about and what the reader has read ahead are kept.
struct Lines<R> {
    inner: R,
    /// Bytes from offset `base` up to what has been read.
    window: VecDeque<u8>,
    base: u64,
    /// Line breaks before `base`.
    breaks: u64,
}

impl<R: Read> Lines<R> {
    fn new(inner: R) -> Lines<R> {
        Lines {
            inner,
            window: VecDeque::new(),
            base: 0,
            breaks: 0,
        }
    }

    /// The 1-based line of the first byte at or after `offset` that is not `\r` or `\n`.
    /// Offsets asked about never decrease.
    fn line_at(&mut self, offset: u64) -> u64 {
        while self.base < offset {
            match self.window.pop_front() {
                Some(b) => {
                    self.breaks += u64::from(b == b'\n');
                    self.base += 1;
                }
                None => break,
            }
        }
        while let Some(&b) = self.window.front() {
            if b != b'\r' && b != b'\n' {
                break;
            }
            self.window.pop_front();
            self.breaks += u64::from(b == b'\n');
            self.base += 1;
        }
        self.breaks + 1
    }
}

impl<R: Read> Read for Lines<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let n = self.inner.read(buf)?;
        self.window.extend(&buf[..n]);
        Ok(n)
    }
}

/// Tab when the start of the file has more tabs than commas (Excel's "Unicode text").
fn delimiter_of(head: &[u8]) -> u8 {
    let tabs = head.iter().filter(|b| **b == b'\t').count();
    let commas = head.iter().filter(|b| **b == b',').count();
    if tabs > commas { b'\t' } else { b',' }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Section {
    /// A participants export (no sections) or an attendee section.
    Learners,
    /// Host or panelist rows.
    Staff,
}

#[derive(Clone, Copy, Debug, Default)]
struct Columns {
    name: Option<usize>,
    email: Option<usize>,
    first: Option<usize>,
    last: Option<usize>,
    join: usize,
    leave: Option<usize>,
    duration: Option<usize>,
    attended: Option<usize>,
}

impl Columns {
    fn from_header(fields: &[String]) -> Option<Columns> {
        let find = |names: &[&str]| {
            fields.iter().position(|f| {
                let f = f.trim().to_lowercase();
                names.iter().any(|n| f == *n)
            })
        };
        let join = find(&["join time"])?;
        let columns = Columns {
            name: find(&[
                "name (original name)",
                "user name (original name)",
                "name",
                "user name",
                "participant",
                "participant name",
            ]),
            email: find(&["user email", "email", "email address"]),
            first: find(&["first name"]),
            last: find(&["last name"]),
            join,
            leave: find(&["leave time"]),
            duration: find(&[
                "duration (minutes)",
                "time in session (minutes)",
                "duration",
                "time in session",
            ]),
            attended: find(&["attended"]),
        };
        (columns.name.is_some() || columns.email.is_some() || columns.first.is_some())
            .then_some(columns)
    }
}

#[derive(Clone, Debug, PartialEq, Eq, Hash)]
enum Key {
    Email(String),
    Name(String),
}

#[derive(Debug)]
struct Entry {
    email: Option<String>,
    name: String,
    /// Seconds since the epoch, [start, end).
    intervals: Vec<(i64, i64)>,
    rows: usize,
    order: usize,
}

#[derive(Debug)]
struct State {
    columns: Option<Columns>,
    section: Section,
    saw_sections: bool,
    layout: Layout,
    windows_1252: bool,
    entries: HashMap<Key, Entry>,
    problems: Vec<Problem>,
    rows_read: usize,
    host_rows_skipped: usize,
    not_attended_rows: usize,
}

impl Default for State {
    fn default() -> State {
        State {
            columns: None,
            section: Section::Learners,
            saw_sections: false,
            layout: Layout::Unknown,
            windows_1252: false,
            entries: HashMap::new(),
            problems: Vec::new(),
            rows_read: 0,
            host_rows_skipped: 0,
            not_attended_rows: 0,
        }
    }
}

/// A name compared loosely: lowercase, single spaces.
fn name_key(name: &str) -> String {
    name.split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
        .to_lowercase()
}

impl State {
    fn problem(&mut self, line: u64, kind: ProblemKind) {
        self.problems.push(Problem { line, kind });
    }

    fn record(&mut self, line: u64, record: &csv::ByteRecord, zone: &TimeZone) {
        let fields: Vec<String> = record
            .iter()
            .map(|bytes| {
                let (text, fallback) = field_text(bytes);
                self.windows_1252 |= fallback;
                text.trim_start_matches('\u{feff}').trim().to_string()
            })
            .collect();
        if fields.iter().all(|f| f.is_empty()) {
            return;
        }
        if fields[1..].iter().all(|f| f.is_empty()) {
            match fields[0].to_lowercase().as_str() {
                "host details" | "panelist details" => {
                    self.saw_sections = true;
                    self.section = Section::Staff;
                    self.columns = None;
                    return;
                }
                "attendee details" | "other attended" => {
                    self.saw_sections = true;
                    self.section = Section::Learners;
                    self.columns = None;
                    return;
                }
                _ => {}
            }
        }
        if let Some(columns) = Columns::from_header(&fields) {
            self.columns = Some(columns);
            if self.layout == Layout::Unknown || self.section == Section::Learners {
                self.layout = if self.saw_sections || columns.attended.is_some() {
                    Layout::AttendeeReport
                } else {
                    Layout::Participants
                };
            }
            return;
        }
        let Some(columns) = self.columns else {
            // The summary lines before a table.
            return;
        };
        if self.section == Section::Staff {
            self.host_rows_skipped += 1;
            return;
        }
        self.rows_read += 1;
        let get = |i: Option<usize>| i.and_then(|i| fields.get(i)).map_or("", |s| s.as_str());
        if get(columns.attended).eq_ignore_ascii_case("no") {
            self.not_attended_rows += 1;
            return;
        }
        let email = {
            let e = get(columns.email).to_lowercase();
            (e.contains('@') && !e.contains(char::is_whitespace)).then_some(e)
        };
        let mut name = get(columns.name).to_string();
        if name.is_empty() {
            name = format!("{} {}", get(columns.first), get(columns.last))
                .trim()
                .to_string();
        }
        if name.is_empty() && email.is_none() {
            return self.problem(line, ProblemKind::NoNameOrEmail);
        }
        let join_text = get(Some(columns.join));
        if join_text.is_empty() || join_text == "--" {
            return self.problem(line, ProblemKind::MissingJoinTime);
        }
        let Some(join) = parse_time(join_text, zone) else {
            return self.problem(
                line,
                ProblemKind::BadTime {
                    column: "join time".into(),
                    value: join_text.to_string(),
                },
            );
        };
        let leave_text = get(columns.leave);
        let leave = if leave_text.is_empty() || leave_text == "--" {
            let minutes = get(columns.duration)
                .parse::<u32>()
                .ok()
                .filter(|m| *m <= 100_000);
            match minutes.and_then(|m| {
                join.checked_add(SignedDuration::from_secs(i64::from(m) * 60))
                    .ok()
            }) {
                Some(leave) => leave,
                None => return self.problem(line, ProblemKind::MissingLeaveTime),
            }
        } else {
            match parse_time(leave_text, zone) {
                Some(leave) => leave,
                None => {
                    return self.problem(
                        line,
                        ProblemKind::BadTime {
                            column: "leave time".into(),
                            value: leave_text.to_string(),
                        },
                    );
                }
            }
        };
        if leave < join {
            return self.problem(line, ProblemKind::LeaveBeforeJoin);
        }
        let key = match &email {
            Some(e) => Key::Email(e.clone()),
            None => Key::Name(name_key(&name)),
        };
        let order = self.entries.len();
        let entry = self.entries.entry(key).or_insert_with(|| Entry {
            email,
            name: String::new(),
            intervals: Vec::new(),
            rows: 0,
            order,
        });
        if entry.name.is_empty() {
            entry.name = name;
        }
        entry.rows += 1;
        entry.intervals.push((join.as_second(), leave.as_second()));
    }

    fn finish(mut self, encoding: Encoding) -> ZoomReport {
        if self.layout == Layout::Unknown && self.problems.is_empty() {
            self.problem(1, ProblemKind::NoTable);
        }
        // Rows without an email join the one emailed attendee of the same name, if unique.
        let mut emailed_by_name: HashMap<String, Option<Key>> = HashMap::new();
        for (key, entry) in &self.entries {
            if matches!(key, Key::Email(_)) && !entry.name.is_empty() {
                emailed_by_name
                    .entry(name_key(&entry.name))
                    .and_modify(|k| *k = None)
                    .or_insert_with(|| Some(key.clone()));
            }
        }
        let nameless: Vec<Key> = self
            .entries
            .keys()
            .filter(|k| matches!(k, Key::Name(_)))
            .cloned()
            .collect();
        for key in nameless {
            let Key::Name(name) = &key else { continue };
            if let Some(Some(target)) = emailed_by_name.get(name).cloned()
                && let Some(entry) = self.entries.remove(&key)
                && let Some(into) = self.entries.get_mut(&target)
            {
                into.intervals.extend(entry.intervals);
                into.rows += entry.rows;
                into.order = into.order.min(entry.order);
            }
        }
        let mut attendees: Vec<(usize, Attendee)> = self
            .entries
            .into_values()
            .filter_map(|entry| {
                let (seconds, first, last) = united_seconds(entry.intervals)?;
                Some((
                    entry.order,
                    Attendee {
                        email: entry.email,
                        name: entry.name,
                        minutes: seconds / 60,
                        first_join: Timestamp::from_second(first).ok()?,
                        last_leave: Timestamp::from_second(last).ok()?,
                        rows: entry.rows,
                    },
                ))
            })
            .collect();
        attendees.sort_by(|(ao, a), (bo, b)| {
            (a.first_join, &a.name, ao).cmp(&(b.first_join, &b.name, bo))
        });
        self.problems.sort_by_key(|p| p.line);
        ZoomReport {
            layout: self.layout,
            encoding,
            windows_1252: self.windows_1252,
            attendees: attendees.into_iter().map(|(_, a)| a).collect(),
            problems: self.problems,
            rows_read: self.rows_read,
            host_rows_skipped: self.host_rows_skipped,
            not_attended_rows: self.not_attended_rows,
        }
    }
}

/// Total seconds covered by the intervals (overlaps once), the earliest start and latest end.
fn united_seconds(mut intervals: Vec<(i64, i64)>) -> Option<(i64, i64, i64)> {
    intervals.sort_unstable();
    let first = intervals.first()?.0;
    let mut last = i64::MIN;
    let mut total = 0i64;
    let mut current: Option<(i64, i64)> = None;
    for (start, end) in intervals {
        last = last.max(end);
        current = match current {
            Some((s, e)) if start <= e => Some((s, e.max(end))),
            Some((s, e)) => {
                total = total.saturating_add(e - s);
                Some((start, end))
            }
            None => Some((start, end)),
        };
    }
    if let Some((s, e)) = current {
        total = total.saturating_add(e - s);
    }
    Some((total, first, last))
}

/// The formats Zoom (and Excel re-saving Zoom's file) write times in.
const TIME_FORMATS: &[&str] = &[
    "%m/%d/%Y %I:%M:%S %p",
    "%m/%d/%Y %I:%M %p",
    "%m/%d/%Y %H:%M:%S",
    "%m/%d/%Y %H:%M",
    "%Y-%m-%d %H:%M:%S",
    "%Y-%m-%d %H:%M",
    "%Y-%m-%dT%H:%M:%S",
    "%b %d, %Y %I:%M:%S %p",
    "%b %d, %Y %I:%M %p",
];

/// A local date and time in `zone`.
fn parse_time(text: &str, zone: &TimeZone) -> Option<Timestamp> {
    let text = text.split_whitespace().collect::<Vec<_>>().join(" ");
    let local: DateTime = TIME_FORMATS.iter().find_map(|format| {
        jiff::fmt::strtime::parse(format, &text)
            .ok()?
            .to_datetime()
            .ok()
    })?;
    zone.to_ambiguous_timestamp(local).compatible().ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ny() -> TimeZone {
        TimeZone::get("America/New_York").unwrap()
    }

    fn at(text: &str) -> Timestamp {
        text.parse().unwrap()
    }

    #[test]
    fn times_in_the_forms_zoom_and_excel_write() {
        let z = ny();
        let six_pm = at("2026-11-18T23:02:13Z");
        for text in [
            "11/18/2026 06:02:13 PM",
            "11/18/2026 6:02:13 pm",
            "11/18/2026  06:02:13 PM",
            "11/18/2026 18:02:13",
            "2026-11-18 18:02:13",
            "2026-11-18T18:02:13",
            "Nov 18, 2026 06:02:13 PM",
        ] {
            assert_eq!(parse_time(text, &z), Some(six_pm), "{text}");
        }
        assert_eq!(
            parse_time("11/18/2026 06:02 PM", &z),
            Some(at("2026-11-18T23:02:00Z"))
        );
        // Summer time: the same wall time is an hour earlier in UTC.
        assert_eq!(
            parse_time("06/18/2026 06:00:00 PM", &z),
            Some(at("2026-06-18T22:00:00Z"))
        );
        for bad in [
            "",
            "--",
            "18/11/2026 06:02:13 PM",
            "yesterday",
            "11/31/2026 01:00:00 AM",
        ] {
            assert_eq!(parse_time(bad, &z), None, "{bad}");
        }
    }

    #[test]
    fn overlapping_intervals_count_once() {
        assert_eq!(united_seconds(vec![]), None);
        assert_eq!(united_seconds(vec![(0, 600)]), Some((600, 0, 600)));
        // Two devices at once, then a rejoin after a gap.
        assert_eq!(
            united_seconds(vec![(1200, 1800), (0, 900), (300, 600)]),
            Some((1500, 0, 1800))
        );
        // Touching intervals merge.
        assert_eq!(
            united_seconds(vec![(0, 60), (60, 120)]),
            Some((120, 0, 120))
        );
    }

    #[test]
    fn attendance_rule_is_at_least_the_minimum() {
        assert!(attended(45, 45));
        assert!(attended(46, 45));
        assert!(!attended(44, 45));
        assert!(attended(0, 0));
        assert!(attended(0, -5), "a negative minimum is none");
    }

    #[test]
    fn delimiter_follows_the_file() {
        assert_eq!(delimiter_of(b"Name\tUser Email\tJoin Time\r\n"), b'\t');
        assert_eq!(delimiter_of(b"Name,User Email,Join Time\r\n"), b',');
        assert_eq!(delimiter_of(b"Attendee Report\r\n"), b',');
    }
}
