//! Importing a member list exported from hosted membership software, as pure rules: which column
//! means what, how dates and status words are read, and — given what the society already holds
//! (a [`Snapshot`]) — what each row would change. [`plan`] finds every problem row and, for the
//! rest, the exact rows to write; nothing here touches a database, so the dry run and the real
//! import share one code path and a re-import of the same file plans no change at all.

use std::collections::{HashMap, HashSet};

use jiff::ToSpan;
use jiff::civil::Date;

use crate::custom_fields::{FieldKind, normalize_value};
use crate::membership::{
    self, Application, RenewalAnchor, RenewalPeriod, Status, StatusInput, Term,
};
use crate::text::{looks_like_email, normalize_email};
use crate::{CommitteeId, CustomFieldId, LevelId, MembershipId, PersonId, PracticeId};

/// The columns of a hosted membership system's member export that map without asking.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Column {
    UserId,
    FirstName,
    LastName,
    Organization,
    Email,
    Phone,
    Level,
    Status,
    MemberSince,
    RenewalDue,
    Groups,
}

impl Column {
    pub const ALL: [Column; 11] = [
        Column::UserId,
        Column::FirstName,
        Column::LastName,
        Column::Organization,
        Column::Email,
        Column::Phone,
        Column::Level,
        Column::Status,
        Column::MemberSince,
        Column::RenewalDue,
        Column::Groups,
    ];

    /// The header as the export writes it (and as the import recognises it).
    pub fn header(self) -> &'static str {
        match self {
            Column::UserId => "User ID",
            Column::FirstName => "First name",
            Column::LastName => "Last name",
            Column::Organization => "Organization",
            Column::Email => "Email",
            Column::Phone => "Phone",
            Column::Level => "Membership level",
            Column::Status => "Membership status",
            Column::MemberSince => "Member since",
            Column::RenewalDue => "Renewal due",
            Column::Groups => "Group participation",
        }
    }

    /// The short name used in mapping forms and on the command line (`--map "Col=email"`).
    pub fn key(self) -> &'static str {
        match self {
            Column::UserId => "user_id",
            Column::FirstName => "first_name",
            Column::LastName => "last_name",
            Column::Organization => "organization",
            Column::Email => "email",
            Column::Phone => "phone",
            Column::Level => "level",
            Column::Status => "status",
            Column::MemberSince => "member_since",
            Column::RenewalDue => "renewal_due",
            Column::Groups => "groups",
        }
    }

    /// Other spellings seen in real exports.
    fn aliases(self) -> &'static [&'static str] {
        match self {
            Column::UserId => &["userid", "user id #"],
            Column::Email => &["e-mail", "email address", "e-mail address"],
            Column::Phone => &["phone number", "telephone"],
            Column::Organization => &["organisation", "company"],
            Column::Groups => &["groups"],
            _ => &[],
        }
    }
}

/// What one column of the file feeds.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Target {
    Column(Column),
    Custom(CustomFieldId),
    Ignore,
}

impl Target {
    pub fn key(&self) -> String {
        match self {
            Target::Column(c) => c.key().to_string(),
            Target::Custom(id) => format!("custom:{id}"),
            Target::Ignore => "ignore".to_string(),
        }
    }
}

/// A custom field as the import needs it.
#[derive(Clone, Debug)]
pub struct CustomFieldDef {
    pub id: CustomFieldId,
    pub name: String,
    pub kind: FieldKind,
    pub choices: Vec<String>,
}

/// Headers compare without case and with runs of spaces or underscores as one space.
fn header_key(text: &str) -> String {
    text.replace('_', " ")
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
        .to_lowercase()
}

fn column_named(text: &str) -> Option<Column> {
    let key = header_key(text);
    Column::ALL.into_iter().find(|c| {
        header_key(c.header()) == key
            || c.key() == key.replace(' ', "_")
            || c.aliases().contains(&key.as_str())
    })
}

/// Whether `name` reads as one of the known columns (so a custom field may not be called that:
/// its column would never map to it).
pub fn is_known_header(name: &str) -> bool {
    column_named(name).is_some()
}

/// The mapping a file gets without asking: known headers, then custom fields by name; anything
/// else is ignored until staff map it. A header repeated later in the file is ignored.
pub fn auto_map(headers: &[String], custom: &[CustomFieldDef]) -> Vec<Target> {
    let mut used = HashSet::new();
    headers
        .iter()
        .map(|h| {
            let target = column_named(h)
                .map(Target::Column)
                .or_else(|| {
                    custom
                        .iter()
                        .find(|f| header_key(&f.name) == header_key(h))
                        .map(|f| Target::Custom(f.id))
                })
                .unwrap_or(Target::Ignore);
            if target != Target::Ignore && !used.insert(target) {
                Target::Ignore
            } else {
                target
            }
        })
        .collect()
}

/// A target as written in a mapping form or on the command line: a key (`email`,
/// `custom:<id>`, `ignore`), a known header (`Email`), or a custom field's name.
pub fn resolve_target(text: &str, custom: &[CustomFieldDef]) -> Option<Target> {
    let key = header_key(text);
    if key.is_empty() || key == "ignore" {
        return Some(Target::Ignore);
    }
    if let Some(column) = column_named(text) {
        return Some(Target::Column(column));
    }
    if let Some(id) = key.strip_prefix("custom:") {
        return custom
            .iter()
            .find(|f| f.id.to_string() == id.trim())
            .map(|f| Target::Custom(f.id));
    }
    custom
        .iter()
        .find(|f| header_key(&f.name) == key)
        .map(|f| Target::Custom(f.id))
}

/// The index of the column whose header is `name` (compared like headers are).
pub fn find_column(headers: &[String], name: &str) -> Option<usize> {
    let key = header_key(name);
    headers.iter().position(|h| header_key(h) == key)
}

/// A spreadsheet-safe cell (see [`crate::spreadsheet::text_cell`]) read back: the apostrophe
/// our export put before a leading `=`, `+`, `-` or `@` is dropped, and the cell trimmed.
pub fn uncell(text: &str) -> &str {
    let text = text.trim();
    match text.strip_prefix('\'') {
        Some(rest) if rest.starts_with(['=', '+', '-', '@', '\t', '\r']) => rest.trim(),
        _ => text,
    }
}

const MONTHS: [&str; 12] = [
    "jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec",
];

fn month_named(word: &str) -> Option<i8> {
    let word = word.trim_end_matches('.').to_lowercase();
    if word.len() < 3 || !word.chars().all(|c| c.is_ascii_alphabetic()) {
        return None;
    }
    let full = [
        "january",
        "february",
        "march",
        "april",
        "may",
        "june",
        "july",
        "august",
        "september",
        "october",
        "november",
        "december",
    ];
    MONTHS
        .iter()
        .zip(full)
        .position(|(short, long)| {
            word == *short || long.starts_with(&word) || word == "sept" && *short == "sep"
        })
        .and_then(|i| i8::try_from(i + 1).ok())
}

fn number<T: std::str::FromStr>(text: &str, max_len: usize) -> Option<T> {
    (!text.is_empty() && text.len() <= max_len && text.chars().all(|c| c.is_ascii_digit()))
        .then(|| text.parse().ok())
        .flatten()
}

/// A calendar date as exports write them: `2024-01-31` (optionally followed by a time),
/// `01/31/2024` (US month first), `31 Jan 2024`, `31 January 2024` or `Jan 31, 2024`.
pub fn parse_date(text: &str) -> Option<Date> {
    let text = text.trim();
    // ISO, possibly with a time after a space or 'T'.
    let iso = match text.get(..10) {
        Some(head) if text.len() == 10 || text[10..].starts_with([' ', 'T']) => head,
        _ => text,
    };
    let parts: Vec<&str> = iso.split('-').collect();
    if let [y, m, d] = parts[..]
        && y.len() == 4
    {
        return Date::new(number(y, 4)?, number(m, 2)?, number(d, 2)?).ok();
    }
    let parts: Vec<&str> = text.split('/').collect();
    if let [m, d, y] = parts[..] {
        return if y.len() == 4 {
            Date::new(number(y, 4)?, number(m, 2)?, number(d, 2)?).ok()
        } else {
            None
        };
    }
    let words: Vec<&str> = text.split([' ', ',']).filter(|w| !w.is_empty()).collect();
    match words[..] {
        [d, m, y] if y.len() == 4 => match (number::<i8>(d, 2), month_named(m)) {
            (Some(d), Some(m)) => Date::new(number(y, 4)?, m, d).ok(),
            _ => match (month_named(d), number::<i8>(m, 2)) {
                (Some(m), Some(d)) => Date::new(number(y, 4)?, m, d).ok(),
                _ => None,
            },
        },
        _ => None,
    }
}

/// A membership status as the file says it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum FileStatus {
    Active,
    Grace,
    Lapsed,
    Pending,
    Suspended,
    Cancelled,
}

/// Status words of hosted membership exports ("Active", "Lapsed", "Pending - New",
/// "PendingRenewal", "Suspended"…) and our own export's words.
pub fn parse_status_word(text: &str) -> Option<FileStatus> {
    let word: String = text
        .chars()
        .filter(char::is_ascii_alphanumeric)
        .collect::<String>()
        .to_lowercase();
    Some(match word.as_str() {
        "active" => FileStatus::Active,
        "grace" | "graceperiod" | "ingrace" => FileStatus::Grace,
        "lapsed" | "expired" => FileStatus::Lapsed,
        "suspended" => FileStatus::Suspended,
        "cancelled" | "canceled" => FileStatus::Cancelled,
        w if w.starts_with("pending") => FileStatus::Pending,
        _ => return None,
    })
}

/// The word our export writes for a stored status (and [`parse_status_word`] reads back).
pub fn status_word(status: Status) -> &'static str {
    match status {
        Status::Pending => "Pending",
        Status::Active => "Active",
        Status::Grace => "Grace",
        Status::Lapsed => "Lapsed",
        Status::Suspended => "Suspended",
        Status::Cancelled => "Cancelled",
    }
}

/// Group names in one cell: semicolon-separated, or comma-separated when there is no semicolon.
pub fn split_groups(text: &str) -> Vec<String> {
    let separator = if text.contains(';') { ';' } else { ',' };
    let mut names: Vec<String> = Vec::new();
    for name in text
        .split(separator)
        .map(str::trim)
        .filter(|n| !n.is_empty())
    {
        if !names.iter().any(|n| n.eq_ignore_ascii_case(name)) {
            names.push(name.to_string());
        }
    }
    names
}

/// How the export writes a person's groups.
pub fn join_groups<S: AsRef<str>>(names: &[S]) -> String {
    names
        .iter()
        .map(AsRef::as_ref)
        .collect::<Vec<_>>()
        .join("; ")
}

/// The reason recorded on the status override an import sets for a member the file says is
/// suspended. A later import that no longer says so clears only an override with this reason.
pub const IMPORT_SUSPENDED_REASON: &str = "Suspended in an imported member list";

/// The parsed file: its header and its rows with their line numbers in the file.
#[derive(Clone, Debug, Default)]
pub struct Table {
    pub headers: Vec<String>,
    pub rows: Vec<Row>,
}

#[derive(Clone, Debug)]
pub struct Row {
    /// The line the row starts on (the header is line 1).
    pub line: u64,
    pub cells: Vec<String>,
}

/// One thing wrong with the file, on one line.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Problem {
    pub line: u64,
    pub message: String,
}

/// A level's renewal period as stored: months per term, or NULL for a term that never ends.
pub fn period_from_months(months: Option<i64>) -> RenewalPeriod {
    match months {
        None => RenewalPeriod::Never,
        Some(1) => RenewalPeriod::Monthly,
        Some(3) => RenewalPeriod::Quarterly,
        Some(6) => RenewalPeriod::TwiceAYear,
        Some(m) => RenewalPeriod::Years(u8::try_from((m / 12).max(1)).unwrap_or(1)),
    }
}

/// A level's renewal day as stored: both set for a fixed day, else anniversary.
pub fn anchor_from_stored(month: Option<i64>, day: Option<i64>) -> RenewalAnchor {
    match (
        month.and_then(|m| i8::try_from(m).ok()),
        day.and_then(|d| i8::try_from(d).ok()),
    ) {
        (Some(month), Some(day)) => RenewalAnchor::FixedDay { month, day },
        _ => RenewalAnchor::Anniversary,
    }
}

/// A membership level as the import needs it.
#[derive(Clone, Debug)]
pub struct LevelDef {
    pub id: LevelId,
    pub name: String,
    pub period: RenewalPeriod,
    pub anchor: RenewalAnchor,
    pub grace_days: u16,
    pub approval_required: bool,
    pub for_practices: bool,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PersonRec {
    pub id: PersonId,
    pub email: String,
    pub display_name: String,
    pub first_name: String,
    pub last_name: String,
    pub phone: String,
    pub external_id: Option<String>,
}

#[derive(Clone, Debug)]
pub struct MembershipRec {
    pub id: MembershipId,
    pub person: PersonId,
    pub level: LevelId,
    pub joined_on: Date,
    pub status: Status,
    pub application: Option<Application>,
    pub cancelled_on: Option<Date>,
    pub suspended: bool,
    pub override_status: Option<Status>,
    pub override_reason: String,
    pub terms: Vec<Term>,
}

/// What the society holds that an import reads: enough to match rows and tell what changes.
#[derive(Clone, Debug, Default)]
pub struct Snapshot {
    pub levels: Vec<LevelDef>,
    pub custom_fields: Vec<CustomFieldDef>,
    pub people: Vec<PersonRec>,
    pub memberships: Vec<MembershipRec>,
    pub practices: Vec<(PracticeId, String)>,
    pub practice_links: Vec<(PracticeId, PersonId)>,
    /// Committees and groups (names are unique across both).
    pub committees: Vec<(CommitteeId, String)>,
    /// Current committee and group memberships.
    pub committee_members: Vec<(CommitteeId, PersonId)>,
    pub custom_values: Vec<(CustomFieldId, PersonId, String)>,
    /// People who sign in: their email is their sign-in name, which an import never changes.
    pub account_holders: Vec<PersonId>,
}

/// A membership row to insert or update, with every column the import sets.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct MembershipWrite {
    pub id: MembershipId,
    pub person: PersonId,
    pub level: LevelId,
    pub joined_on: Date,
    pub status: Status,
    /// For updates: whether `status` differs from the stored one (`status_since` moves).
    pub status_changed: bool,
    pub application: Option<Application>,
    pub cancelled_on: Option<Date>,
    pub override_status: Option<Status>,
    pub override_reason: String,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct NewTerm {
    pub membership: MembershipId,
    pub level: LevelId,
    pub term: Term,
}

/// Everything an import writes. Empty lists and `created == updated == 0` for a file that
/// changes nothing.
#[derive(Clone, Debug, Default)]
pub struct Plan {
    pub rows_total: usize,
    pub created: usize,
    pub updated: usize,
    pub unchanged: usize,
    pub new_people: Vec<PersonRec>,
    /// The full new values of each changed person.
    pub person_updates: Vec<PersonRec>,
    pub new_memberships: Vec<MembershipWrite>,
    pub membership_updates: Vec<MembershipWrite>,
    pub new_terms: Vec<NewTerm>,
    pub new_practices: Vec<(PracticeId, String)>,
    pub new_practice_links: Vec<(PracticeId, PersonId)>,
    /// New committees of kind 'group'.
    pub new_groups: Vec<(CommitteeId, String)>,
    pub new_group_members: Vec<(CommitteeId, PersonId)>,
    /// Values to insert or replace.
    pub custom_values: Vec<(CustomFieldId, PersonId, String)>,
}

impl Plan {
    /// Rows written in all, for a progress bar.
    pub fn writes(&self) -> usize {
        self.new_people.len()
            + self.person_updates.len()
            + self.new_memberships.len()
            + self.membership_updates.len()
            + self.new_terms.len()
            + self.new_practices.len()
            + self.new_practice_links.len()
            + self.new_groups.len()
            + self.new_group_members.len()
            + self.custom_values.len()
    }
}

/// The dry run's answer: every problem (sorted by line), and what would be written.
#[derive(Clone, Debug, Default)]
pub struct Report {
    pub problems: Vec<Problem>,
    pub plan: Plan,
    /// Headers of columns nothing reads.
    pub ignored_columns: Vec<String>,
}

impl Report {
    pub fn is_clean(&self) -> bool {
        self.problems.is_empty()
    }
}

/// Problems with the mapping itself (reported on line 1, the header).
pub fn mapping_problems(
    headers: &[String],
    mapping: &[Target],
    custom: &[CustomFieldDef],
) -> Vec<Problem> {
    let mut problems = Vec::new();
    let mut first: HashMap<Target, usize> = HashMap::new();
    for (index, target) in mapping.iter().enumerate() {
        if *target == Target::Ignore {
            continue;
        }
        if let Some(earlier) = first.get(target) {
            problems.push(Problem {
                line: 1,
                message: format!(
                    "The columns \"{}\" and \"{}\" are both mapped to {}: map one of them to something else or ignore it.",
                    headers.get(*earlier).map(String::as_str).unwrap_or(""),
                    headers.get(index).map(String::as_str).unwrap_or(""),
                    target_label(*target, custom)
                ),
            });
        } else {
            first.insert(*target, index);
        }
    }
    if !first.contains_key(&Target::Column(Column::Email)) {
        problems.push(Problem {
            line: 1,
            message: "No column is mapped to Email. Every row needs an email address: map the column that holds it.".into(),
        });
    }
    problems
}

/// How a target is named to staff.
pub fn target_label(target: Target, custom: &[CustomFieldDef]) -> String {
    match target {
        Target::Column(c) => c.header().to_string(),
        Target::Custom(id) => custom
            .iter()
            .find(|f| f.id == id)
            .map(|f| f.name.clone())
            .unwrap_or_else(|| "a custom field".into()),
        Target::Ignore => "nothing (ignored)".into(),
    }
}

fn full_name(first: &str, last: &str) -> String {
    format!("{} {}", first.trim(), last.trim())
        .trim()
        .to_string()
}

/// Indexes over the snapshot plus what earlier rows of the file have planned.
struct State<'a> {
    snapshot: &'a Snapshot,
    today: Date,
    people_by_email: HashMap<&'a str, usize>,
    people_by_external: HashMap<&'a str, usize>,
    membership_by_person: HashMap<PersonId, usize>,
    levels_by_name: HashMap<String, &'a LevelDef>,
    practices_by_name: HashMap<String, PracticeId>,
    links: HashSet<(PracticeId, PersonId)>,
    groups_by_name: HashMap<String, CommitteeId>,
    group_members: HashSet<(CommitteeId, PersonId)>,
    values: HashMap<(CustomFieldId, PersonId), &'a str>,
    account_holders: HashSet<PersonId>,
    seen_email: HashMap<String, u64>,
    seen_external: HashMap<String, u64>,
    seen_person: HashMap<PersonId, u64>,
}

impl<'a> State<'a> {
    fn new(snapshot: &'a Snapshot, today: Date) -> State<'a> {
        State {
            snapshot,
            today,
            people_by_email: snapshot
                .people
                .iter()
                .enumerate()
                .map(|(i, p)| (p.email.as_str(), i))
                .collect(),
            people_by_external: snapshot
                .people
                .iter()
                .enumerate()
                .filter_map(|(i, p)| p.external_id.as_deref().map(|x| (x, i)))
                .collect(),
            membership_by_person: snapshot
                .memberships
                .iter()
                .enumerate()
                .map(|(i, m)| (m.person, i))
                .collect(),
            levels_by_name: snapshot
                .levels
                .iter()
                .map(|l| (header_key(&l.name), l))
                .collect(),
            practices_by_name: snapshot
                .practices
                .iter()
                .map(|(id, name)| (header_key(name), *id))
                .collect(),
            links: snapshot.practice_links.iter().copied().collect(),
            groups_by_name: snapshot
                .committees
                .iter()
                .map(|(id, name)| (header_key(name), *id))
                .collect(),
            group_members: snapshot.committee_members.iter().copied().collect(),
            values: snapshot
                .custom_values
                .iter()
                .map(|(f, p, v)| ((*f, *p), v.as_str()))
                .collect(),
            account_holders: snapshot.account_holders.iter().copied().collect(),
            seen_email: HashMap::new(),
            seen_external: HashMap::new(),
            seen_person: HashMap::new(),
        }
    }
}

/// One row's cells, read through the mapping.
struct Cells<'r> {
    row: &'r Row,
    columns: &'r HashMap<Column, usize>,
}

impl<'r> Cells<'r> {
    /// None when no column is mapped to `column` or its cell is empty.
    fn get(&self, column: Column) -> Option<&'r str> {
        let index = *self.columns.get(&column)?;
        self.row
            .cells
            .get(index)
            .map(|c| uncell(c))
            .filter(|c| !c.is_empty())
    }
}

fn too_long(problems: &mut Vec<String>, what: &str, value: Option<&str>, max: usize) {
    if value.is_some_and(|v| v.chars().count() > max) {
        problems.push(format!("{what} is longer than {max} characters."));
    }
}

fn describe_person(person: &PersonRec) -> String {
    match &person.external_id {
        Some(id) => format!("User ID {id}"),
        None => "a person with no User ID".into(),
    }
}

/// Check every row of `table` read through `mapping` against `snapshot`, and plan the writes.
/// `today` is the society's local date. Problems do not stop the check: every row is looked at,
/// so staff see every problem at once.
pub fn plan(table: &Table, mapping: &[Target], snapshot: &Snapshot, today: Date) -> Report {
    let custom = &snapshot.custom_fields;
    let mut report = Report {
        problems: mapping_problems(&table.headers, mapping, custom),
        ..Default::default()
    };
    report.ignored_columns = table
        .headers
        .iter()
        .zip(mapping)
        .filter(|(h, t)| **t == Target::Ignore && !h.trim().is_empty())
        .map(|(h, _)| h.clone())
        .collect();
    let columns: HashMap<Column, usize> = mapping
        .iter()
        .enumerate()
        .filter_map(|(i, t)| match t {
            Target::Column(c) => Some((*c, i)),
            _ => None,
        })
        .collect();
    let custom_columns: Vec<(usize, &CustomFieldDef)> = mapping
        .iter()
        .enumerate()
        .filter_map(|(i, t)| match t {
            Target::Custom(id) => custom.iter().find(|f| f.id == *id).map(|f| (i, f)),
            _ => None,
        })
        .collect();
    let mut state = State::new(snapshot, today);
    // Without an email column no row can be matched or created: the header's problem is all.
    let check_rows = columns.contains_key(&Column::Email);
    for row in &table.rows {
        if row.cells.iter().all(|c| c.trim().is_empty()) {
            continue;
        }
        report.plan.rows_total += 1;
        if !check_rows {
            continue;
        }
        let cells = Cells {
            row,
            columns: &columns,
        };
        let mut problems = Vec::new();
        let checked = check_row(
            &cells,
            &custom_columns,
            table.headers.len(),
            &mut state,
            &mut problems,
        );
        if problems.is_empty() {
            plan_row(&checked, &mut state, &mut report.plan);
        }
        report
            .problems
            .extend(problems.into_iter().map(|message| Problem {
                line: row.line,
                message,
            }));
    }
    if report.plan.rows_total == 0 {
        report.problems.push(Problem {
            line: 1,
            message: "The file has a header but no member rows.".into(),
        });
    }
    report.problems.sort_by_key(|p| p.line);
    report
}

/// A row whose cells each make sense on their own.
struct Checked<'a> {
    email: String,
    user_id: Option<String>,
    first_name: Option<String>,
    last_name: Option<String>,
    phone: Option<String>,
    organization: Option<String>,
    level: Option<&'a LevelDef>,
    status: Option<FileStatus>,
    member_since: Option<Date>,
    renewal_due: Option<Date>,
    groups: Vec<String>,
    custom: Vec<(CustomFieldId, String)>,
    /// The existing person the row describes, if any.
    person: Option<&'a PersonRec>,
}

/// Whether the row's person (by email) already holds a membership at `level`.
fn seat_at(state: &State<'_>, cells: &Cells<'_>, level: LevelId) -> bool {
    let Some(email) = cells.get(Column::Email).map(normalize_email) else {
        return false;
    };
    state
        .people_by_email
        .get(email.as_str())
        .and_then(|i| {
            let person = state.snapshot.people[*i].id;
            state.membership_by_person.get(&person)
        })
        .is_some_and(|m| state.snapshot.memberships[*m].level == level)
}

fn check_row<'a>(
    cells: &Cells<'_>,
    custom_columns: &[(usize, &CustomFieldDef)],
    header_len: usize,
    state: &mut State<'a>,
    problems: &mut Vec<String>,
) -> Checked<'a> {
    let row = cells.row;
    if row.cells.len() > header_len && row.cells[header_len..].iter().any(|c| !c.trim().is_empty())
    {
        problems.push(format!(
            "This row has {} cells but the header has {} columns; a value may contain a comma without quotes around it.",
            row.cells.len(),
            header_len
        ));
    }
    let email = match cells.get(Column::Email) {
        None => {
            problems.push("The email address is missing.".into());
            String::new()
        }
        Some(raw) => {
            let email = normalize_email(raw);
            if !looks_like_email(&email) {
                problems.push(format!("\"{raw}\" is not an email address."));
            }
            email
        }
    };
    let user_id = cells.get(Column::UserId).map(str::to_string);
    too_long(problems, "The User ID", user_id.as_deref(), 100);
    let first_name = cells.get(Column::FirstName).map(str::to_string);
    too_long(problems, "The first name", first_name.as_deref(), 100);
    let last_name = cells.get(Column::LastName).map(str::to_string);
    too_long(problems, "The last name", last_name.as_deref(), 100);
    let phone = cells.get(Column::Phone).map(str::to_string);
    too_long(problems, "The phone number", phone.as_deref(), 50);
    let organization = cells.get(Column::Organization).map(str::to_string);
    too_long(problems, "The organization", organization.as_deref(), 200);

    let level = match cells.get(Column::Level) {
        None => None,
        Some(name) => match state.levels_by_name.get(&header_key(name)) {
            // A practice's seat (as our own export writes it): the practice pays for and
            // renews it, so the row's membership columns are left to the practice.
            Some(level) if level.for_practices && seat_at(state, cells, level.id) => None,
            Some(level) if level.for_practices => {
                problems.push(format!(
                    "\"{}\" is a practice level; import each member at an individual level.",
                    level.name
                ));
                None
            }
            Some(level) => Some(*level),
            None => {
                let mut names: Vec<&str> = state
                    .snapshot
                    .levels
                    .iter()
                    .filter(|l| !l.for_practices)
                    .map(|l| l.name.as_str())
                    .collect();
                names.sort_unstable();
                problems.push(if names.is_empty() {
                    format!("There is no membership level called \"{name}\": add the society's levels before importing members.")
                } else {
                    format!(
                        "There is no membership level called \"{name}\". The levels are: {}.",
                        names.join(", ")
                    )
                });
                None
            }
        },
    };
    let status = match cells.get(Column::Status) {
        None => None,
        Some(word) => {
            let parsed = parse_status_word(word);
            if parsed.is_none() {
                problems.push(format!(
                    "\"{word}\" is not a membership status: use Active, Grace, Lapsed, Pending, Suspended or Cancelled, or leave it empty."
                ));
            }
            parsed
        }
    };
    if status.is_some() && cells.get(Column::Level).is_none() {
        problems.push("The membership status is given but the membership level is empty.".into());
    }
    let mut date = |column: Column| {
        let raw = cells.get(column)?;
        let parsed = parse_date(raw);
        if parsed.is_none() {
            problems.push(format!(
                "{} \"{raw}\" is not a date: write it like 2024-01-31, 01/31/2024 or 31 Jan 2024.",
                column.header()
            ));
        }
        parsed
    };
    let member_since = date(Column::MemberSince);
    let renewal_due = date(Column::RenewalDue);
    if let (Some(since), Some(due)) = (member_since, renewal_due)
        && due < since
    {
        problems.push(format!(
            "Renewal due ({due}) is before Member since ({since})."
        ));
    }
    if let Some(level) = level
        && level.period.months().is_none()
        && renewal_due.is_some()
    {
        problems.push(format!(
            "\"{}\" never needs renewing: leave Renewal due empty.",
            level.name
        ));
    }
    let groups = cells
        .get(Column::Groups)
        .map(split_groups)
        .unwrap_or_default();
    if groups.iter().any(|g| g.chars().count() > 200) {
        problems.push("A group name is longer than 200 characters.".into());
    }
    let mut custom = Vec::new();
    for (index, field) in custom_columns {
        let raw = row.cells.get(*index).map(|c| uncell(c)).unwrap_or("");
        match normalize_value(field.kind, &field.choices, raw) {
            Ok(Some(value)) => custom.push((field.id, value)),
            Ok(None) => {}
            Err(message) => problems.push(format!("{}: {message}", field.name)),
        }
    }

    // The same person twice in the file.
    if !email.is_empty() {
        if let Some(first) = state.seen_email.get(&email) {
            problems.push(format!("The email {email} is also on line {first}."));
        } else {
            state.seen_email.insert(email.clone(), row.line);
        }
    }
    if let Some(id) = &user_id {
        if let Some(first) = state.seen_external.get(id) {
            problems.push(format!("User ID {id} is also on line {first}."));
        } else {
            state.seen_external.insert(id.clone(), row.line);
        }
    }

    // Who the row is: by User ID, else by email.
    let people = &state.snapshot.people;
    let by_external = user_id
        .as_deref()
        .and_then(|id| state.people_by_external.get(id))
        .map(|i| &people[*i]);
    let by_email = state
        .people_by_email
        .get(email.as_str())
        .map(|i| &people[*i]);
    let person = match (by_external, by_email) {
        (Some(p), Some(q)) if p.id != q.id => {
            problems.push(format!(
                "The email {email} belongs to someone else here ({}), not to User ID {}.",
                describe_person(q),
                user_id.as_deref().unwrap_or("")
            ));
            None
        }
        (Some(p), _) => Some(p),
        (None, Some(q)) => match (&user_id, &q.external_id) {
            (Some(mine), Some(theirs)) if mine != theirs => {
                problems.push(format!(
                    "The email {email} already belongs to User ID {theirs}, not {mine}."
                ));
                None
            }
            _ => Some(q),
        },
        (None, None) => None,
    };
    if let Some(p) = person
        && !email.is_empty()
        && p.email != email
        && state.account_holders.contains(&p.id)
    {
        problems.push(format!(
            "User ID {} signs in as {}: an import does not change the email someone signs in with (they can change it in their account settings).",
            p.external_id.as_deref().unwrap_or(""),
            p.email
        ));
    }
    if let Some(p) = person {
        if let Some(first) = state.seen_person.get(&p.id) {
            problems.push(format!(
                "Lines {first} and {} are the same person (matched by User ID and by email).",
                row.line
            ));
        } else {
            state.seen_person.insert(p.id, row.line);
        }
    }
    let has_membership = person.is_some_and(|p| state.membership_by_person.contains_key(&p.id));
    if let Some(level) = level
        && level.period.months().is_some()
        && cells.get(Column::RenewalDue).is_none()
        && !has_membership
        && matches!(
            status,
            Some(FileStatus::Active | FileStatus::Grace | FileStatus::Lapsed)
        )
    {
        problems.push(
            "Renewal due is empty: an active, grace or lapsed member needs the date their current term ends."
                .into(),
        );
    }
    Checked {
        email,
        user_id,
        first_name,
        last_name,
        phone,
        organization,
        level,
        status,
        member_since,
        renewal_due,
        groups,
        custom,
        person,
    }
}

/// The term a row describes: ending on Renewal due, one level period long, starting no earlier
/// than Member since. Lifetime levels: one open-ended term from Member since.
fn file_term(row: &Checked<'_>, level: &LevelDef, fallback_start: Date) -> Option<Term> {
    match level.period.months() {
        None => Some(Term {
            start: row.member_since.unwrap_or(fallback_start),
            end: None,
        }),
        Some(months) => {
            let end = row.renewal_due?;
            let start = end
                .tomorrow()
                .ok()
                .and_then(|d| d.checked_sub(months.months()).ok())
                .unwrap_or(end);
            Some(Term {
                start: row.member_since.map_or(start, |since| start.max(since)),
                end: Some(end),
            })
        }
    }
}

fn status_for(
    terms: &[Term],
    w: &MembershipWrite,
    suspended: bool,
    level: &LevelDef,
    today: Date,
) -> Status {
    membership::status(&StatusInput {
        today,
        terms,
        application: w.application,
        cancelled_on: w.cancelled_on,
        suspended,
        override_status: w.override_status,
        practice_status: None,
        grace_days: level.grace_days,
    })
}

fn plan_row(row: &Checked<'_>, state: &mut State<'_>, plan: &mut Plan) {
    let today = state.today;
    let mut changed = false;
    // The person.
    let person_id = match row.person {
        None => {
            let first = row.first_name.clone().unwrap_or_default();
            let last = row.last_name.clone().unwrap_or_default();
            let name = full_name(&first, &last);
            let id = PersonId::new();
            plan.new_people.push(PersonRec {
                id,
                email: row.email.clone(),
                display_name: if name.is_empty() {
                    row.email.clone()
                } else {
                    name
                },
                first_name: first,
                last_name: last,
                phone: row.phone.clone().unwrap_or_default(),
                external_id: row.user_id.clone(),
            });
            id
        }
        Some(stored) => {
            let file_name = full_name(
                row.first_name.as_deref().unwrap_or(""),
                row.last_name.as_deref().unwrap_or(""),
            );
            // A person entered by hand has only a display name; a file giving the same name
            // split in two changes nothing.
            let same_as_display = stored.first_name.is_empty()
                && stored.last_name.is_empty()
                && file_name == stored.display_name;
            let mut next = stored.clone();
            if !same_as_display {
                if let Some(first) = &row.first_name {
                    next.first_name = first.clone();
                }
                if let Some(last) = &row.last_name {
                    next.last_name = last.clone();
                }
                // The display name follows the split name only when the file changes it, so a
                // display name with a title ("Dr Ana Ruiz") survives a round trip.
                let name = full_name(&next.first_name, &next.last_name);
                let split_changed =
                    next.first_name != stored.first_name || next.last_name != stored.last_name;
                if split_changed && !name.is_empty() {
                    next.display_name = name;
                }
            }
            next.email = row.email.clone();
            if let Some(phone) = &row.phone {
                next.phone = phone.clone();
            }
            if row.user_id.is_some() {
                next.external_id = row.user_id.clone();
            }
            if next != *stored {
                plan.person_updates.push(next);
                changed = true;
            }
            stored.id
        }
    };

    // The membership.
    if let Some(level) = row.level {
        let existing = state
            .membership_by_person
            .get(&person_id)
            .map(|i| &state.snapshot.memberships[*i]);
        match existing {
            None => {
                let term = file_term(row, level, row.member_since.unwrap_or(today));
                let application =
                    level
                        .approval_required
                        .then_some(if row.status == Some(FileStatus::Pending) {
                            Application::Pending
                        } else {
                            Application::Approved
                        });
                let suspended = row.status == Some(FileStatus::Suspended);
                let mut write = MembershipWrite {
                    id: MembershipId::new(),
                    person: person_id,
                    level: level.id,
                    joined_on: row.member_since.or(term.map(|t| t.start)).unwrap_or(today),
                    status: Status::Pending,
                    status_changed: true,
                    application,
                    cancelled_on: (row.status == Some(FileStatus::Cancelled)).then_some(today),
                    override_status: suspended.then_some(Status::Suspended),
                    override_reason: if suspended {
                        IMPORT_SUSPENDED_REASON.to_string()
                    } else {
                        String::new()
                    },
                };
                let terms: Vec<Term> = term.into_iter().collect();
                write.status = status_for(&terms, &write, false, level, today);
                if let Some(term) = term {
                    plan.new_terms.push(NewTerm {
                        membership: write.id,
                        level: level.id,
                        term,
                    });
                }
                plan.new_memberships.push(write);
                changed = true;
            }
            Some(stored) => {
                let mut write = MembershipWrite {
                    id: stored.id,
                    person: person_id,
                    level: stored.level,
                    joined_on: stored.joined_on,
                    status: stored.status,
                    status_changed: false,
                    application: stored.application,
                    cancelled_on: stored.cancelled_on,
                    override_status: stored.override_status,
                    override_reason: stored.override_reason.clone(),
                };
                let mut touched = false;
                if level.id != stored.level {
                    write.level = level.id;
                    touched = true;
                }
                if let Some(since) = row.member_since
                    && since != stored.joined_on
                {
                    write.joined_on = since;
                    touched = true;
                }
                let mut terms = stored.terms.clone();
                if let Some(term) = file_term(row, level, stored.joined_on)
                    && !stored.terms.iter().any(|t| t.end == term.end)
                    && !stored.terms.iter().any(|t| t.end.is_none())
                {
                    let latest_end = stored.terms.iter().filter_map(|t| t.end).max();
                    let add = match (term.end, latest_end) {
                        (_, None) => Some(term),
                        (None, Some(latest)) => latest.tomorrow().ok().map(|start| Term {
                            start: start.max(term.start),
                            end: None,
                        }),
                        (Some(end), Some(latest)) if end > latest => {
                            latest.tomorrow().ok().map(|start| Term {
                                start: start.max(term.start),
                                end: Some(end),
                            })
                        }
                        // Our records run later than the file's: keep them.
                        _ => None,
                    };
                    if let Some(term) = add {
                        plan.new_terms.push(NewTerm {
                            membership: stored.id,
                            level: level.id,
                            term,
                        });
                        terms.push(term);
                        touched = true;
                    }
                }
                let import_override = stored.override_status == Some(Status::Suspended)
                    && stored.override_reason == IMPORT_SUSPENDED_REASON;
                match row.status {
                    Some(FileStatus::Suspended)
                        if stored.status != Status::Suspended
                            && stored.override_status != Some(Status::Suspended) =>
                    {
                        write.override_status = Some(Status::Suspended);
                        write.override_reason = IMPORT_SUSPENDED_REASON.to_string();
                        touched = true;
                    }
                    Some(status) if status != FileStatus::Suspended && import_override => {
                        write.override_status = None;
                        write.override_reason = String::new();
                        touched = true;
                    }
                    _ => {}
                }
                if row.status == Some(FileStatus::Cancelled)
                    && stored.status != Status::Cancelled
                    && stored.cancelled_on.is_none()
                {
                    write.cancelled_on = Some(today);
                    touched = true;
                }
                if touched {
                    // The stored status is recomputed only when the membership changed, so an
                    // import never disturbs a status set by rules it does not see (practice seats).
                    let status = status_for(&terms, &write, stored.suspended, level, today);
                    write.status_changed = status != stored.status;
                    write.status = status;
                    plan.membership_updates.push(write);
                    changed = true;
                }
            }
        }
    }

    // The practice.
    if let Some(name) = &row.organization {
        let key = header_key(name);
        let practice = match state.practices_by_name.get(&key) {
            Some(id) => *id,
            None => {
                let id = PracticeId::new();
                plan.new_practices.push((id, name.clone()));
                state.practices_by_name.insert(key, id);
                id
            }
        };
        if state.links.insert((practice, person_id)) {
            plan.new_practice_links.push((practice, person_id));
            changed = true;
        }
    }

    // Groups.
    for name in &row.groups {
        let key = header_key(name);
        let group = match state.groups_by_name.get(&key) {
            Some(id) => *id,
            None => {
                let id = CommitteeId::new();
                plan.new_groups.push((id, name.clone()));
                state.groups_by_name.insert(key, id);
                id
            }
        };
        if state.group_members.insert((group, person_id)) {
            plan.new_group_members.push((group, person_id));
            changed = true;
        }
    }

    // Custom fields.
    for (field, value) in &row.custom {
        if state.values.get(&(*field, person_id)).copied() != Some(value.as_str()) {
            plan.custom_values.push((*field, person_id, value.clone()));
            changed = true;
        }
    }

    if row.person.is_none() {
        plan.created += 1;
    } else if changed {
        plan.updated += 1;
    } else {
        plan.unchanged += 1;
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use jiff::civil::date;

    fn headers(names: &[&str]) -> Vec<String> {
        names.iter().map(|s| s.to_string()).collect()
    }

    fn licence() -> CustomFieldDef {
        CustomFieldDef {
            id: CustomFieldId::new(),
            name: "Licence number".into(),
            kind: FieldKind::Text,
            choices: vec![],
        }
    }

    fn tumor_board() -> CustomFieldDef {
        CustomFieldDef {
            id: CustomFieldId::new(),
            name: "Tumor board".into(),
            kind: FieldKind::YesNo,
            choices: vec![],
        }
    }

    fn level(name: &str) -> LevelDef {
        LevelDef {
            id: LevelId::new(),
            name: name.into(),
            period: RenewalPeriod::Years(1),
            anchor: RenewalAnchor::Anniversary,
            grace_days: 30,
            approval_required: false,
            for_practices: false,
        }
    }

    const HEADER: &[&str] = &[
        "User ID",
        "First name",
        "Last name",
        "Organization",
        "Email",
        "Phone",
        "Membership level",
        "Membership status",
        "Member since",
        "Renewal due",
        "Group participation",
        "Licence number",
    ];

    fn snapshot() -> Snapshot {
        Snapshot {
            levels: vec![level("Active physician"), level("Fellow in training")],
            custom_fields: vec![licence(), tumor_board()],
            ..Default::default()
        }
    }

    fn table(rows: &[&[&str]]) -> Table {
        Table {
            headers: headers(HEADER),
            rows: rows
                .iter()
                .enumerate()
                .map(|(i, cells)| Row {
                    line: i as u64 + 2,
                    cells: cells.iter().map(|s| s.to_string()).collect(),
                })
                .collect(),
        }
    }

    const TODAY: Date = date(2026, 11, 21);

    fn run(s: &Snapshot, rows: &[&[&str]]) -> Report {
        let t = table(rows);
        plan(&t, &auto_map(&t.headers, &s.custom_fields), s, TODAY)
    }

    const JANE: &[&str] = &[
        "1001",
        "Jane",
        "Doe",
        "Lakeside Oncology",
        "Jane.Doe@Example.org",
        "'+1 555 0100",
        "Active physician",
        "Active",
        "03/15/2019",
        "31 Jan 2027",
        "Thoracic; Breast",
        "IL-036-123",
    ];

    #[test]
    fn known_headers_and_custom_fields_map_without_asking() {
        let s = snapshot();
        let mut names = HEADER.to_vec();
        names.extend(["E-mail", "Shoe size", "tumor  BOARD"]);
        let mapping = auto_map(&headers(&names), &s.custom_fields);
        assert_eq!(mapping[0], Target::Column(Column::UserId));
        assert_eq!(mapping[6], Target::Column(Column::Level));
        assert_eq!(mapping[10], Target::Column(Column::Groups));
        assert_eq!(mapping[11], Target::Custom(s.custom_fields[0].id));
        // A second email column is not mapped twice; unknown columns wait for staff.
        assert_eq!(mapping[12], Target::Ignore);
        assert_eq!(mapping[13], Target::Ignore);
        assert_eq!(mapping[14], Target::Custom(s.custom_fields[1].id));
        assert_eq!(
            auto_map(&headers(&["email address"]), &[])[0],
            Target::Column(Column::Email)
        );
    }

    #[test]
    fn known_headers_are_recognised_in_any_case() {
        assert!(is_known_header("phone"));
        assert!(is_known_header("E-mail"));
        assert!(is_known_header("Member  since"));
        assert!(!is_known_header("Licence number"));
    }

    #[test]
    fn targets_resolve_from_keys_headers_and_field_names() {
        let s = snapshot();
        let c = &s.custom_fields;
        assert_eq!(
            resolve_target("email", c),
            Some(Target::Column(Column::Email))
        );
        assert_eq!(
            resolve_target("Renewal due", c),
            Some(Target::Column(Column::RenewalDue))
        );
        assert_eq!(
            resolve_target("licence number", c),
            Some(Target::Custom(c[0].id))
        );
        assert_eq!(
            resolve_target(&Target::Custom(c[1].id).key(), c),
            Some(Target::Custom(c[1].id))
        );
        assert_eq!(resolve_target("ignore", c), Some(Target::Ignore));
        assert_eq!(resolve_target("shoe size", c), None);
        assert_eq!(find_column(&headers(HEADER), "member  SINCE"), Some(8));
    }

    #[test]
    fn mapping_problems_name_the_columns() {
        let h = headers(&["Email", "Other email", "Name"]);
        let problems = mapping_problems(
            &h,
            &[
                Target::Column(Column::Email),
                Target::Column(Column::Email),
                Target::Ignore,
            ],
            &[],
        );
        assert_eq!(problems.len(), 1);
        assert!(
            problems[0]
                .message
                .contains("\"Email\" and \"Other email\" are both mapped to Email")
        );
        let problems = mapping_problems(&h, &[Target::Ignore, Target::Ignore, Target::Ignore], &[]);
        assert!(problems[0].message.contains("No column is mapped to Email"));
    }

    #[test]
    fn dates_in_the_formats_exports_use() {
        for text in [
            "2024-01-31",
            "2024-01-31 00:00:00",
            "2024-01-31T10:00:00Z",
            "01/31/2024",
            "1/31/2024",
            "31 Jan 2024",
            "31 January 2024",
            "Jan 31, 2024",
            " 31 jan. 2024 ",
        ] {
            assert_eq!(parse_date(text), Some(date(2024, 1, 31)), "{text:?}");
        }
        assert_eq!(parse_date("29 Feb 2024"), Some(date(2024, 2, 29)));
        assert_eq!(parse_date("4 Sept 2025"), Some(date(2025, 9, 4)));
        for bad in [
            "31/01/2024",
            "2023-02-29",
            "01/31/24",
            "Jan 2024",
            "yesterday",
            "",
            "32 Jan 2024",
            "2024-1-31x",
        ] {
            assert_eq!(parse_date(bad), None, "{bad:?}");
        }
    }

    #[test]
    fn status_words_of_hosted_exports() {
        assert_eq!(parse_status_word("Active"), Some(FileStatus::Active));
        assert_eq!(
            parse_status_word("Pending - New"),
            Some(FileStatus::Pending)
        );
        assert_eq!(
            parse_status_word("PendingRenewal"),
            Some(FileStatus::Pending)
        );
        assert_eq!(
            parse_status_word("pending – level change"),
            Some(FileStatus::Pending)
        );
        assert_eq!(parse_status_word("Expired"), Some(FileStatus::Lapsed));
        assert_eq!(parse_status_word("LAPSED"), Some(FileStatus::Lapsed));
        assert_eq!(parse_status_word("Suspended"), Some(FileStatus::Suspended));
        assert_eq!(parse_status_word("Canceled"), Some(FileStatus::Cancelled));
        assert_eq!(parse_status_word("Gold"), None);
        for status in [
            Status::Active,
            Status::Grace,
            Status::Lapsed,
            Status::Pending,
            Status::Suspended,
            Status::Cancelled,
        ] {
            assert!(parse_status_word(status_word(status)).is_some());
        }
    }

    #[test]
    fn groups_split_on_semicolons_or_commas_and_cells_read_back() {
        assert_eq!(
            split_groups("Thoracic; Breast, GI"),
            vec!["Thoracic", "Breast, GI"]
        );
        assert_eq!(
            split_groups("Thoracic, Breast ,thoracic"),
            vec!["Thoracic", "Breast"]
        );
        assert_eq!(join_groups(&["A", "B"]), "A; B");
        assert_eq!(uncell("'=SUM(A1)"), "=SUM(A1)");
        assert_eq!(uncell(" '+1 555 "), "+1 555");
        assert_eq!(uncell("O'Brien"), "O'Brien");
        assert_eq!(uncell("'quoted'"), "'quoted'");
    }

    #[test]
    fn a_new_member_gets_a_person_a_membership_a_term_a_practice_and_groups() {
        let s = snapshot();
        let report = run(&s, &[JANE]);
        assert!(report.is_clean(), "{:?}", report.problems);
        let p = &report.plan;
        assert_eq!((p.created, p.updated, p.unchanged), (1, 0, 0));
        let person = &p.new_people[0];
        assert_eq!(person.email, "jane.doe@example.org");
        assert_eq!(person.display_name, "Jane Doe");
        assert_eq!(
            person.phone, "+1 555 0100",
            "the export's apostrophe is dropped"
        );
        assert_eq!(person.external_id.as_deref(), Some("1001"));
        let m = &p.new_memberships[0];
        assert_eq!(m.joined_on, date(2019, 3, 15));
        assert_eq!(m.status, Status::Active);
        assert_eq!(
            p.new_terms[0].term,
            Term {
                start: date(2026, 2, 1),
                end: Some(date(2027, 1, 31))
            }
        );
        assert_eq!(p.new_practices[0].1, "Lakeside Oncology");
        assert_eq!(p.new_practice_links.len(), 1);
        let groups: Vec<&str> = p.new_groups.iter().map(|g| g.1.as_str()).collect();
        assert_eq!(groups, vec!["Thoracic", "Breast"]);
        assert_eq!(p.new_group_members.len(), 2);
        assert_eq!(p.custom_values[0].2, "IL-036-123");
    }

    #[test]
    fn a_term_starts_no_earlier_than_member_since_and_status_follows_the_rules() {
        let s = snapshot();
        let mut row = JANE.to_vec();
        row[8] = "2026-06-01";
        row[9] = "2026-10-01";
        row[7] = "Active";
        let report = run(&s, &[&row]);
        let p = &report.plan;
        assert_eq!(p.new_terms[0].term.start, date(2026, 6, 1));
        // Ended 51 days ago with 30 days' grace: lapsed, whatever the file said.
        assert_eq!(p.new_memberships[0].status, Status::Lapsed);
        row[7] = "Suspended";
        row[9] = "2027-10-01";
        let report = run(&s, &[&row]);
        let m = &report.plan.new_memberships[0];
        assert_eq!(m.status, Status::Suspended);
        assert_eq!(m.override_status, Some(Status::Suspended));
        assert_eq!(m.override_reason, IMPORT_SUSPENDED_REASON);
    }

    #[test]
    fn every_bad_row_is_reported_with_its_line_and_a_plain_reason() {
        let s = snapshot();
        let mut missing_email = JANE.to_vec();
        missing_email[4] = "";
        missing_email[0] = "1";
        let mut bad_email = JANE.to_vec();
        bad_email[4] = "jane at example";
        bad_email[0] = "2";
        let mut bad_level = JANE.to_vec();
        bad_level[4] = "c@example.org";
        bad_level[0] = "3";
        bad_level[6] = "Gold";
        let mut bad_date = JANE.to_vec();
        bad_date[4] = "d@example.org";
        bad_date[0] = "4";
        bad_date[9] = "31/01/2027";
        let mut bad_status = JANE.to_vec();
        bad_status[4] = "e@example.org";
        bad_status[0] = "5";
        bad_status[7] = "Gold";
        let mut bad_custom = JANE.to_vec();
        bad_custom[4] = "f@example.org";
        bad_custom[0] = "6";
        let mut t = table(&[
            &missing_email,
            &bad_email,
            &bad_level,
            &bad_date,
            &bad_status,
            &bad_custom,
            &[""; 12],
        ]);
        t.headers.push("Tumor board".into());
        t.rows[5].cells.push("maybe".into());
        let report = plan(&t, &auto_map(&t.headers, &s.custom_fields), &s, TODAY);
        let lines: Vec<u64> = report.problems.iter().map(|p| p.line).collect();
        assert_eq!(lines, vec![2, 3, 4, 5, 6, 7], "{:?}", report.problems);
        let text = |line: u64| {
            report
                .problems
                .iter()
                .find(|p| p.line == line)
                .map(|p| p.message.clone())
                .unwrap()
        };
        assert_eq!(text(2), "The email address is missing.");
        assert_eq!(text(3), "\"jane at example\" is not an email address.");
        assert_eq!(
            text(4),
            "There is no membership level called \"Gold\". The levels are: Active physician, Fellow in training."
        );
        assert!(text(5).starts_with("Renewal due \"31/01/2027\" is not a date"));
        assert!(text(6).contains("\"Gold\" is not a membership status"));
        assert_eq!(text(7), "Tumor board: Answer yes or no.");
        // The blank row is not a member and not a problem.
        assert_eq!(report.plan.rows_total, 6);
    }

    #[test]
    fn duplicates_in_the_file_name_both_lines() {
        let s = snapshot();
        let mut same_email = JANE.to_vec();
        same_email[0] = "1002";
        same_email[4] = "JANE.DOE@example.org";
        let mut same_id = JANE.to_vec();
        same_id[4] = "other@example.org";
        let report = run(&s, &[JANE, &same_email, &same_id]);
        let messages: Vec<(u64, &str)> = report
            .problems
            .iter()
            .map(|p| (p.line, p.message.as_str()))
            .collect();
        assert_eq!(
            messages,
            vec![
                (3, "The email jane.doe@example.org is also on line 2."),
                (4, "User ID 1001 is also on line 2."),
            ]
        );
    }

    fn stored_jane(s: &mut Snapshot) -> PersonId {
        let id = PersonId::new();
        s.people.push(PersonRec {
            id,
            email: "jane.doe@example.org".into(),
            display_name: "Jane Doe".into(),
            first_name: "Jane".into(),
            last_name: "Doe".into(),
            phone: "+1 555 0100".into(),
            external_id: Some("1001".into()),
        });
        id
    }

    #[test]
    fn an_email_that_belongs_to_another_user_id_is_a_problem() {
        let mut s = snapshot();
        stored_jane(&mut s);
        let mut row = JANE.to_vec();
        row[0] = "2002";
        let report = run(&s, &[&row]);
        assert_eq!(
            report.problems[0].message,
            "The email jane.doe@example.org already belongs to User ID 1001, not 2002."
        );
        // Matched by User ID but the email is someone else's.
        s.people.push(PersonRec {
            id: PersonId::new(),
            email: "other@example.org".into(),
            display_name: "Other".into(),
            first_name: String::new(),
            last_name: String::new(),
            phone: String::new(),
            external_id: None,
        });
        let mut row = JANE.to_vec();
        row[4] = "other@example.org";
        let report = run(&s, &[&row]);
        assert!(
            report.problems[0]
                .message
                .contains("belongs to someone else here (a person with no User ID)")
        );
    }

    #[test]
    fn a_file_matching_what_is_stored_changes_nothing() {
        let s = snapshot();
        let first = run(&s, &[JANE]);
        // Build the snapshot the first import would leave behind.
        let p = first.plan;
        let mut after = snapshot();
        after.levels = s.levels.clone();
        after.custom_fields = s.custom_fields.clone();
        after.people = p.new_people.clone();
        after.memberships = p
            .new_memberships
            .iter()
            .map(|m| MembershipRec {
                id: m.id,
                person: m.person,
                level: m.level,
                joined_on: m.joined_on,
                status: m.status,
                application: m.application,
                cancelled_on: m.cancelled_on,
                suspended: false,
                override_status: m.override_status,
                override_reason: m.override_reason.clone(),
                terms: p.new_terms.iter().map(|t| t.term).collect(),
            })
            .collect();
        after.practices = p.new_practices.clone();
        after.practice_links = p.new_practice_links.clone();
        after.committees = p.new_groups.clone();
        after.committee_members = p.new_group_members.clone();
        after.custom_values = p.custom_values.clone();
        let again = run(&after, &[JANE]);
        assert!(again.is_clean());
        assert_eq!(
            (again.plan.created, again.plan.updated, again.plan.unchanged),
            (0, 0, 1)
        );
        assert_eq!(again.plan.writes(), 0);

        // A later renewal in the file adds the next term and nothing else.
        let mut renewed = JANE.to_vec();
        renewed[9] = "2028-01-31";
        let later = run(&after, &[&renewed]);
        assert_eq!(later.plan.updated, 1);
        assert_eq!(
            later.plan.new_terms[0].term,
            Term {
                start: date(2027, 2, 1),
                end: Some(date(2028, 1, 31))
            }
        );
        assert!(later.plan.person_updates.is_empty() && later.plan.membership_updates.len() == 1);
        // An older renewal date than ours is not a change.
        renewed[9] = "2026-01-31";
        assert_eq!(run(&after, &[&renewed]).plan.unchanged, 1);
    }

    #[test]
    fn a_sign_in_email_is_never_changed_by_an_import() {
        let mut s = snapshot();
        let jane = stored_jane(&mut s);
        let mut row = JANE.to_vec();
        row[4] = "jane@new.example";
        let report = run(&s, &[&row]);
        assert!(
            report.is_clean(),
            "without an account the email follows the file"
        );
        assert_eq!(report.plan.person_updates[0].email, "jane@new.example");
        s.account_holders.push(jane);
        let report = run(&s, &[&row]);
        assert_eq!(
            report.problems[0].message,
            "User ID 1001 signs in as jane.doe@example.org: an import does not change the email someone signs in with (they can change it in their account settings)."
        );
    }

    #[test]
    fn a_hand_entered_name_split_in_two_is_the_same_name() {
        let mut s = snapshot();
        s.people.push(PersonRec {
            id: PersonId::new(),
            email: "rosa@example.org".into(),
            display_name: "Dr Rosa Sato".into(),
            first_name: String::new(),
            last_name: String::new(),
            phone: String::new(),
            external_id: None,
        });
        let h = headers(&["First name", "Last name", "Email"]);
        let t = Table {
            headers: h.clone(),
            rows: vec![Row {
                line: 2,
                cells: vec!["Dr Rosa".into(), "Sato".into(), "rosa@example.org".into()],
            }],
        };
        let report = plan(&t, &auto_map(&h, &[]), &s, TODAY);
        assert_eq!(report.plan.unchanged, 1, "{:?}", report.plan.person_updates);
        let t = Table {
            rows: vec![Row {
                line: 2,
                cells: vec!["Rosa".into(), "Sato".into(), "rosa@example.org".into()],
            }],
            ..t
        };
        let report = plan(&t, &auto_map(&h, &[]), &s, TODAY);
        assert_eq!(report.plan.person_updates[0].display_name, "Rosa Sato");
    }

    #[test]
    fn a_titled_display_name_survives_the_same_split_name() {
        let mut s = snapshot();
        s.people.push(PersonRec {
            id: PersonId::new(),
            email: "aaron@example.org".into(),
            display_name: "Dr Aaron Halvorsen".into(),
            first_name: "Aaron".into(),
            last_name: "Halvorsen".into(),
            phone: String::new(),
            external_id: None,
        });
        let h = headers(&["First name", "Last name", "Email"]);
        let t = Table {
            headers: h.clone(),
            rows: vec![Row {
                line: 2,
                cells: vec![
                    "Aaron".into(),
                    "Halvorsen".into(),
                    "aaron@example.org".into(),
                ],
            }],
        };
        let report = plan(&t, &auto_map(&h, &[]), &s, TODAY);
        assert_eq!(report.plan.unchanged, 1, "{:?}", report.plan.person_updates);
    }

    #[test]
    fn the_mapping_decides_what_a_column_feeds() {
        let s = snapshot();
        let h = headers(&["Mail", "Licence #", "Notes"]);
        let t = Table {
            headers: h.clone(),
            rows: vec![Row {
                line: 2,
                cells: vec!["a@example.org".into(), "TX-1".into(), "likes trains".into()],
            }],
        };
        let auto = auto_map(&h, &s.custom_fields);
        let report = plan(&t, &auto, &s, TODAY);
        assert!(
            report.problems[0]
                .message
                .contains("No column is mapped to Email")
        );
        assert_eq!(report.problems.len(), 1, "said once, not on every row");
        assert!(report.plan.new_people.is_empty() && report.plan.rows_total == 1);
        let mapping = vec![
            resolve_target("email", &s.custom_fields).unwrap(),
            resolve_target("Licence number", &s.custom_fields).unwrap(),
            Target::Ignore,
        ];
        let report = plan(&t, &mapping, &s, TODAY);
        assert!(report.is_clean(), "{:?}", report.problems);
        assert_eq!(report.ignored_columns, vec!["Notes"]);
        assert_eq!(report.plan.custom_values[0].2, "TX-1");
        assert!(
            report.plan.new_memberships.is_empty(),
            "no level column: no membership"
        );
    }

    #[test]
    fn a_pending_application_at_an_approval_level_stays_pending() {
        let mut s = snapshot();
        s.levels[1].approval_required = true;
        let mut row = JANE.to_vec();
        row[6] = "Fellow in training";
        row[7] = "Pending - New";
        row[9] = "";
        let report = run(&s, &[&row]);
        assert!(report.is_clean(), "{:?}", report.problems);
        let m = &report.plan.new_memberships[0];
        assert_eq!(
            (m.status, m.application),
            (Status::Pending, Some(Application::Pending))
        );
        assert!(report.plan.new_terms.is_empty());
        // Active without a renewal date cannot be placed in time.
        row[7] = "Active";
        let report = run(&s, &[&row]);
        assert!(
            report.problems[0]
                .message
                .starts_with("Renewal due is empty")
        );
    }
}
