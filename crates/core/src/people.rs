//! People and their professional identifiers: professions, NUCC taxonomy codes, US state codes,
//! ABIM and NABP e-Profile ids, birth month/day, and who may see which field in the directory.
//!
//! Directory visibility resolves in three steps: the person's own choice, else the society's
//! default for the field, else a built-in default ([`DirectoryField::builtin_default`]). The
//! member's name is always shown for a listed member; birth month and day are never shown.

use std::sync::OnceLock;

use jiff::civil::Date;
use serde::{Deserialize, Serialize};

use crate::membership::Status;

/// What kind of clinician (or not) a person is. Practice levels charge per profession.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Profession {
    Physician,
    Fellow,
    NursePractitioner,
    PhysicianAssistant,
    Pharmacist,
    Nurse,
    Administrator,
    Other,
}

impl Profession {
    pub const ALL: [Profession; 8] = [
        Profession::Physician,
        Profession::Fellow,
        Profession::NursePractitioner,
        Profession::PhysicianAssistant,
        Profession::Pharmacist,
        Profession::Nurse,
        Profession::Administrator,
        Profession::Other,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Profession::Physician => "physician",
            Profession::Fellow => "fellow",
            Profession::NursePractitioner => "nurse_practitioner",
            Profession::PhysicianAssistant => "physician_assistant",
            Profession::Pharmacist => "pharmacist",
            Profession::Nurse => "nurse",
            Profession::Administrator => "administrator",
            Profession::Other => "other",
        }
    }

    pub fn parse(text: &str) -> Option<Profession> {
        Profession::ALL
            .into_iter()
            .find(|p| p.as_str() == text.trim())
    }

    /// A stored value that is not one of ours reads as `Other` (older rows, imports).
    pub fn from_stored(text: &str) -> Profession {
        Profession::parse(text).unwrap_or(Profession::Other)
    }

    pub fn label(self) -> &'static str {
        match self {
            Profession::Physician => "Physician",
            Profession::Fellow => "Fellow in training",
            Profession::NursePractitioner => "Nurse practitioner",
            Profession::PhysicianAssistant => "Physician assistant",
            Profession::Pharmacist => "Pharmacist",
            Profession::Nurse => "Nurse",
            Profession::Administrator => "Practice administrator",
            Profession::Other => "Other",
        }
    }
}

/// Who may see a directory field.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Visibility {
    /// Anyone, signed in or not.
    Public,
    /// Signed-in members whose membership is active or in grace.
    Members,
    /// Only the person and the society's staff.
    Private,
}

impl Visibility {
    pub const ALL: [Visibility; 3] = [Visibility::Public, Visibility::Members, Visibility::Private];

    pub fn as_str(self) -> &'static str {
        match self {
            Visibility::Public => "public",
            Visibility::Members => "members",
            Visibility::Private => "private",
        }
    }

    pub fn parse(text: &str) -> Option<Visibility> {
        Visibility::ALL.into_iter().find(|v| v.as_str() == text)
    }

    pub fn label(self) -> &'static str {
        match self {
            Visibility::Public => "Everyone",
            Visibility::Members => "Members only",
            Visibility::Private => "Only me and the society's staff",
        }
    }
}

/// A field of a person's directory listing whose visibility can be chosen.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum DirectoryField {
    Credentials,
    Specialty,
    Taxonomy,
    Practice,
    PracticeAddress,
    Email,
    Phone,
    Npi,
    HomeAddress,
    Licences,
    AbimId,
}

impl DirectoryField {
    pub const ALL: [DirectoryField; 11] = [
        DirectoryField::Credentials,
        DirectoryField::Specialty,
        DirectoryField::Taxonomy,
        DirectoryField::Practice,
        DirectoryField::PracticeAddress,
        DirectoryField::Email,
        DirectoryField::Phone,
        DirectoryField::Npi,
        DirectoryField::HomeAddress,
        DirectoryField::Licences,
        DirectoryField::AbimId,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            DirectoryField::Credentials => "credentials",
            DirectoryField::Specialty => "specialty",
            DirectoryField::Taxonomy => "taxonomy",
            DirectoryField::Practice => "practice",
            DirectoryField::PracticeAddress => "practice_address",
            DirectoryField::Email => "email",
            DirectoryField::Phone => "phone",
            DirectoryField::Npi => "npi",
            DirectoryField::HomeAddress => "home_address",
            DirectoryField::Licences => "licences",
            DirectoryField::AbimId => "abim_id",
        }
    }

    pub fn parse(text: &str) -> Option<DirectoryField> {
        DirectoryField::ALL.into_iter().find(|f| f.as_str() == text)
    }

    pub fn label(self) -> &'static str {
        match self {
            DirectoryField::Credentials => "Credentials",
            DirectoryField::Specialty => "Specialty",
            DirectoryField::Taxonomy => "Taxonomy (provider type)",
            DirectoryField::Practice => "Practice",
            DirectoryField::PracticeAddress => "Practice address",
            DirectoryField::Email => "Email address",
            DirectoryField::Phone => "Phone",
            DirectoryField::Npi => "NPI",
            DirectoryField::HomeAddress => "Home address",
            DirectoryField::Licences => "State licences",
            DirectoryField::AbimId => "ABIM id",
        }
    }

    /// The default when neither the person nor the society chose: what patients and colleagues
    /// look a clinician up by is public, contact details are for members, the rest private.
    pub fn builtin_default(self) -> Visibility {
        match self {
            DirectoryField::Credentials
            | DirectoryField::Specialty
            | DirectoryField::Practice
            | DirectoryField::PracticeAddress => Visibility::Public,
            DirectoryField::Email | DirectoryField::Phone => Visibility::Members,
            DirectoryField::Taxonomy
            | DirectoryField::Npi
            | DirectoryField::HomeAddress
            | DirectoryField::Licences
            | DirectoryField::AbimId => Visibility::Private,
        }
    }

    fn index(self) -> usize {
        DirectoryField::ALL
            .iter()
            .position(|f| *f == self)
            .unwrap_or(0)
    }
}

/// The visibility a field has: the person's choice, else the society's default, else built-in.
pub fn resolve(
    field: DirectoryField,
    person: Option<Visibility>,
    society: Option<Visibility>,
) -> Visibility {
    person
        .or(society)
        .unwrap_or_else(|| field.builtin_default())
}

/// Who is looking at a listing.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Viewer {
    /// Not signed in, or signed in without a current membership.
    Public,
    /// A signed-in member whose membership is active or in grace.
    Member,
    /// The society's staff.
    Staff,
    /// The person the record is about.
    Owner,
}

impl Viewer {
    /// Whether this viewer may see a field with visibility `v`.
    pub fn sees(self, v: Visibility) -> bool {
        match self {
            Viewer::Public => v == Visibility::Public,
            Viewer::Member => v != Visibility::Private,
            Viewer::Staff | Viewer::Owner => true,
        }
    }

    /// The most private visibility this viewer sees (the store filters with it).
    pub fn widest(self) -> Visibility {
        match self {
            Viewer::Public => Visibility::Public,
            Viewer::Member => Visibility::Members,
            Viewer::Staff | Viewer::Owner => Visibility::Private,
        }
    }

    /// The viewer a signed-in person is, from their role and membership status.
    pub fn for_person(is_staff: bool, status: Option<Status>) -> Viewer {
        if is_staff {
            Viewer::Staff
        } else if status.is_some_and(Status::has_privileges) {
            Viewer::Member
        } else {
            Viewer::Public
        }
    }
}

/// The fields one viewer sees of one person.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct FieldSet([bool; DirectoryField::ALL.len()]);

impl FieldSet {
    pub fn contains(&self, field: DirectoryField) -> bool {
        self.0[field.index()]
    }

    pub fn insert(&mut self, field: DirectoryField) {
        self.0[field.index()] = true;
    }

    pub fn fields(&self) -> impl Iterator<Item = DirectoryField> + '_ {
        DirectoryField::ALL
            .into_iter()
            .filter(|f| self.contains(*f))
    }
}

/// Which fields `viewer` sees, given each field's resolved visibility.
pub fn visible_fields(
    viewer: Viewer,
    visibility: impl Fn(DirectoryField) -> Visibility,
) -> FieldSet {
    let mut set = FieldSet::default();
    for field in DirectoryField::ALL {
        if viewer.sees(visibility(field)) {
            set.insert(field);
        }
    }
    set
}

// ---------------------------------------------------------------------------------------------
// NUCC taxonomy codes.

/// One NUCC Health Care Provider Taxonomy code from the embedded oncology list.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TaxonomyCode {
    pub code: String,
    /// "Individual" or "Non-Individual" (organisations).
    pub section: String,
    pub grouping: String,
    pub classification: String,
    pub specialization: String,
    /// NUCC's display name, e.g. "Medical Oncology Physician".
    pub display_name: String,
    /// Whether the code belongs in a physician directory ("yes", "yes (legacy …)").
    pub physician_directory: bool,
    /// False where the list warns the code is not an oncology one ("optional (not oncology)",
    /// "NO - NOT oncology (no oncology NP code exists)"), so forms do not suggest it.
    pub oncology: bool,
}

impl TaxonomyCode {
    pub fn is_individual(&self) -> bool {
        self.section.eq_ignore_ascii_case("Individual")
    }
}

const TAXONOMY_CSV: &str = include_str!("../data/oncology_taxonomy_codes.csv");

/// Split one CSV record: commas separate fields; a field in double quotes may hold commas, and
/// `""` inside quotes is one quote.
fn csv_fields(line: &str) -> Vec<String> {
    let mut fields = Vec::new();
    let mut field = String::new();
    let mut quoted = false;
    let mut chars = line.chars().peekable();
    while let Some(c) = chars.next() {
        match (c, quoted) {
            ('"', true) if chars.peek() == Some(&'"') => {
                field.push('"');
                chars.next();
            }
            ('"', true) => quoted = false,
            ('"', false) if field.is_empty() => quoted = true,
            (',', false) => fields.push(std::mem::take(&mut field)),
            _ => field.push(c),
        }
    }
    fields.push(field);
    fields
}

fn parse_taxonomy_csv(text: &str) -> Vec<TaxonomyCode> {
    let mut lines = text.lines().filter(|l| !l.trim().is_empty());
    let header = lines.next().map(csv_fields).unwrap_or_default();
    let col = |name: &str| header.iter().position(|h| h.trim() == name);
    let (
        Some(code),
        Some(section),
        Some(grouping),
        Some(class),
        Some(spec),
        Some(display),
        Some(dir),
    ) = (
        col("code"),
        col("section"),
        col("grouping"),
        col("classification"),
        col("specialization"),
        col("nucc_display_name"),
        col("include_in_physician_directory"),
    )
    else {
        return Vec::new();
    };
    lines
        .map(csv_fields)
        .filter_map(|row| {
            let get = |i: usize| row.get(i).map(|s| s.trim().to_string()).unwrap_or_default();
            let code = get(code);
            let flag = get(dir).to_ascii_lowercase();
            is_taxonomy_shape(&code).then(|| TaxonomyCode {
                code,
                section: get(section),
                grouping: get(grouping),
                classification: get(class),
                specialization: get(spec),
                display_name: get(display),
                physician_directory: flag.starts_with("yes"),
                oncology: !flag.contains("not oncology"),
            })
        })
        .collect()
}

/// The embedded list of oncology-related taxonomy codes.
pub fn taxonomy_codes() -> &'static [TaxonomyCode] {
    static CODES: OnceLock<Vec<TaxonomyCode>> = OnceLock::new();
    CODES.get_or_init(|| parse_taxonomy_csv(TAXONOMY_CSV))
}

/// A known code's entry.
pub fn taxonomy(code: &str) -> Option<&'static TaxonomyCode> {
    taxonomy_codes().iter().find(|t| t.code == code)
}

/// What to show for a code: its NUCC display name when known, else the code itself.
pub fn taxonomy_label(code: &str) -> String {
    match taxonomy(code) {
        Some(t) => t.display_name.clone(),
        None => code.to_string(),
    }
}

/// The NUCC shape: three digits, six digits or capital letters, then `X` (`207RX0202X`).
pub fn is_taxonomy_shape(code: &str) -> bool {
    let b = code.as_bytes();
    b.len() == 10
        && b[..3].iter().all(u8::is_ascii_digit)
        && b[3..9]
            .iter()
            .all(|c| c.is_ascii_digit() || c.is_ascii_uppercase())
        && b[9] == b'X'
}

/// A taxonomy code as typed (any case, surrounding spaces) in its stored form, if well formed.
pub fn normalize_taxonomy(input: &str) -> Option<String> {
    let code = input.trim().to_ascii_uppercase();
    is_taxonomy_shape(&code).then_some(code)
}

/// Why a code cannot be a person's taxonomy, in plain words, or None when it can.
pub fn taxonomy_problem(input: &str) -> Option<String> {
    let Some(code) = normalize_taxonomy(input) else {
        return Some(format!(
            "\"{}\" is not a taxonomy code: they are 10 characters ending in X, like 207RX0202X.",
            input.trim()
        ));
    };
    match taxonomy(&code) {
        Some(t) if !t.is_individual() => Some(format!(
            "{code} ({}) is for organisations, not people.",
            t.display_name
        )),
        _ => None,
    }
}

// ---------------------------------------------------------------------------------------------
// US states and territories.

/// Postal codes of the states, DC, the territories and the military "states".
pub const US_STATES: &[(&str, &str)] = &[
    ("AL", "Alabama"),
    ("AK", "Alaska"),
    ("AZ", "Arizona"),
    ("AR", "Arkansas"),
    ("CA", "California"),
    ("CO", "Colorado"),
    ("CT", "Connecticut"),
    ("DE", "Delaware"),
    ("DC", "District of Columbia"),
    ("FL", "Florida"),
    ("GA", "Georgia"),
    ("HI", "Hawaii"),
    ("ID", "Idaho"),
    ("IL", "Illinois"),
    ("IN", "Indiana"),
    ("IA", "Iowa"),
    ("KS", "Kansas"),
    ("KY", "Kentucky"),
    ("LA", "Louisiana"),
    ("ME", "Maine"),
    ("MD", "Maryland"),
    ("MA", "Massachusetts"),
    ("MI", "Michigan"),
    ("MN", "Minnesota"),
    ("MS", "Mississippi"),
    ("MO", "Missouri"),
    ("MT", "Montana"),
    ("NE", "Nebraska"),
    ("NV", "Nevada"),
    ("NH", "New Hampshire"),
    ("NJ", "New Jersey"),
    ("NM", "New Mexico"),
    ("NY", "New York"),
    ("NC", "North Carolina"),
    ("ND", "North Dakota"),
    ("OH", "Ohio"),
    ("OK", "Oklahoma"),
    ("OR", "Oregon"),
    ("PA", "Pennsylvania"),
    ("RI", "Rhode Island"),
    ("SC", "South Carolina"),
    ("SD", "South Dakota"),
    ("TN", "Tennessee"),
    ("TX", "Texas"),
    ("UT", "Utah"),
    ("VT", "Vermont"),
    ("VA", "Virginia"),
    ("WA", "Washington"),
    ("WV", "West Virginia"),
    ("WI", "Wisconsin"),
    ("WY", "Wyoming"),
    ("AS", "American Samoa"),
    ("GU", "Guam"),
    ("MP", "Northern Mariana Islands"),
    ("PR", "Puerto Rico"),
    ("VI", "U.S. Virgin Islands"),
    ("AA", "Armed Forces Americas"),
    ("AE", "Armed Forces Europe"),
    ("AP", "Armed Forces Pacific"),
];

/// The two-letter code for a state as typed ("mn", " MN "), if it is one.
pub fn normalize_state(input: &str) -> Option<&'static str> {
    let upper = input.trim().to_ascii_uppercase();
    US_STATES
        .iter()
        .find(|(code, _)| *code == upper)
        .map(|(code, _)| *code)
}

pub fn state_name(code: &str) -> Option<&'static str> {
    US_STATES
        .iter()
        .find(|(c, _)| *c == code)
        .map(|(_, name)| *name)
}

/// A ZIP code: five digits, optionally `-` and four more.
pub fn normalize_postal_code(input: &str) -> Option<String> {
    let t = input.trim();
    let (five, four) = t.split_once('-').unwrap_or((t, ""));
    let digits = |s: &str, n: usize| s.len() == n && s.bytes().all(|b| b.is_ascii_digit());
    (digits(five, 5) && (four.is_empty() || digits(four, 4))).then(|| t.to_string())
}

// ---------------------------------------------------------------------------------------------
// Other identifiers.

/// An ABIM id: six digits.
pub fn normalize_abim_id(input: &str) -> Option<String> {
    let t = input.trim();
    (t.len() == 6 && t.bytes().all(|b| b.is_ascii_digit())).then(|| t.to_string())
}

/// A NABP e-Profile id: one to seven digits.
pub fn normalize_nabp_id(input: &str) -> Option<String> {
    let t = input.trim();
    ((1..=7).contains(&t.len()) && t.bytes().all(|b| b.is_ascii_digit())).then(|| t.to_string())
}

/// A phone number as typed, if it has 10 to 15 digits and only the usual punctuation
/// (`+ ( ) - .`, spaces, and an extension written `x123` or `ext 123`).
pub fn normalize_phone(input: &str) -> Option<String> {
    let t = input.trim();
    let lower = t.to_ascii_lowercase();
    let (main, ext) = match lower.find("ext").or_else(|| lower.find('x')) {
        Some(i) => (&lower[..i], &lower[i..]),
        None => (lower.as_str(), ""),
    };
    let main_ok = main
        .chars()
        .all(|c| c.is_ascii_digit() || matches!(c, '+' | '(' | ')' | '-' | '.' | ' '));
    let ext_digits = ext
        .trim_start_matches("ext")
        .trim_start_matches(['x', '.', ' ']);
    let ext_ok = ext_digits.is_empty() == ext.is_empty()
        && ext_digits.len() <= 6
        && ext_digits.bytes().all(|b| b.is_ascii_digit());
    let count = main.chars().filter(char::is_ascii_digit).count();
    (main_ok && ext_ok && (10..=15).contains(&count)).then(|| t.to_string())
}

/// Whether a birth month and day can be someone's birthday (29 February can; 31 April cannot).
pub fn is_valid_birth_day(month: i8, day: i8) -> bool {
    // A leap year, so 29 February is allowed.
    Date::new(2000, month, day).is_ok()
}

pub const MONTHS: [&str; 12] = [
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
];

/// First and last name from a display name such as "Dr Ada Okafor" (titles dropped), for
/// records made before names were split.
pub fn split_display_name(display: &str) -> (String, String) {
    let words: Vec<&str> = display
        .split_whitespace()
        .filter(|w| {
            !matches!(
                w.trim_end_matches('.').to_ascii_lowercase().as_str(),
                "dr" | "mr" | "mrs" | "ms" | "prof"
            )
        })
        .collect();
    match words.as_slice() {
        [] => (String::new(), String::new()),
        [only] => (String::new(), only.to_string()),
        [first @ .., last] => (first.join(" "), last.to_string()),
    }
}

/// "30 June 2027".
pub fn long_date(date: Date) -> String {
    date.strftime("%-d %B %Y").to_string()
}

/// A membership's status as its member reads it, e.g. "Active through 30 June 2027".
/// `paid_through` is the end of the latest term (None for a term that never ends or no term).
pub fn status_in_words(
    status: Status,
    paid_through: Option<Date>,
    grace_days: i64,
    application_pending: bool,
) -> String {
    match (status, paid_through) {
        (Status::Active, Some(end)) => format!("Active through {}", long_date(end)),
        (Status::Active, None) => "Active, with no renewal needed".into(),
        (Status::Grace, Some(end)) => {
            let last = end
                .checked_add(jiff::Span::new().days(grace_days))
                .map(long_date)
                .unwrap_or_default();
            format!(
                "In grace period: your membership ended on {}. Renew by {last} to keep your member privileges.",
                long_date(end)
            )
        }
        (Status::Grace, None) => {
            "In grace period: renew soon to keep your member privileges.".into()
        }
        (Status::Lapsed, Some(end)) => format!(
            "Lapsed: your membership ended on {}. Renew to restore your member privileges.",
            long_date(end)
        ),
        (Status::Lapsed, None) => "Lapsed. Renew to restore your member privileges.".into(),
        (Status::Pending, _) if application_pending => {
            "Application received: the society's staff will review it and let you know.".into()
        }
        (Status::Pending, _) => "Waiting for your first payment.".into(),
        (Status::Suspended, _) => "Suspended. Please contact the society's office.".into(),
        (Status::Cancelled, _) => "Cancelled.".into(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use jiff::civil::date;

    #[test]
    fn codes_round_trip() {
        for p in Profession::ALL {
            assert_eq!(Profession::parse(p.as_str()), Some(p));
        }
        for v in Visibility::ALL {
            assert_eq!(Visibility::parse(v.as_str()), Some(v));
        }
        for f in DirectoryField::ALL {
            assert_eq!(DirectoryField::parse(f.as_str()), Some(f));
        }
        assert_eq!(Profession::parse("Physician"), None);
        assert_eq!(
            DirectoryField::parse("birth_day"),
            None,
            "never a directory field"
        );
    }

    #[test]
    fn visibility_table() {
        use DirectoryField as F;
        use Visibility::*;
        // (field, person's choice, society default, resolved, public sees, member sees, staff sees)
        let cases = [
            (F::Phone, None, None, Members, false, true, true),
            (F::Phone, Some(Public), None, Public, true, true, true),
            (F::Phone, None, Some(Private), Private, false, false, true),
            (
                F::Phone,
                Some(Members),
                Some(Private),
                Members,
                false,
                true,
                true,
            ),
            (F::Credentials, None, None, Public, true, true, true),
            (F::Specialty, None, None, Public, true, true, true),
            (F::Practice, None, None, Public, true, true, true),
            (F::PracticeAddress, None, None, Public, true, true, true),
            (
                F::PracticeAddress,
                Some(Private),
                Some(Public),
                Private,
                false,
                false,
                true,
            ),
            (F::Email, None, None, Members, false, true, true),
            (F::Npi, None, None, Private, false, false, true),
            (F::Npi, None, Some(Public), Public, true, true, true),
            (F::HomeAddress, None, None, Private, false, false, true),
            (F::Licences, None, None, Private, false, false, true),
            (F::AbimId, None, None, Private, false, false, true),
            (F::Taxonomy, None, None, Private, false, false, true),
        ];
        for (field, person, society, resolved, public, member, staff) in cases {
            let v = resolve(field, person, society);
            assert_eq!(v, resolved, "{field:?} {person:?} {society:?}");
            assert_eq!(Viewer::Public.sees(v), public, "public {field:?}");
            assert_eq!(Viewer::Member.sees(v), member, "member {field:?}");
            assert_eq!(Viewer::Staff.sees(v), staff, "staff {field:?}");
            assert!(
                Viewer::Owner.sees(v),
                "the person sees all of their own record"
            );
        }
    }

    #[test]
    fn visible_field_sets_follow_the_viewer() {
        let defaults = |f: DirectoryField| resolve(f, None, None);
        let public = visible_fields(Viewer::Public, defaults);
        assert_eq!(
            public.fields().collect::<Vec<_>>(),
            vec![
                DirectoryField::Credentials,
                DirectoryField::Specialty,
                DirectoryField::Practice,
                DirectoryField::PracticeAddress
            ]
        );
        let member = visible_fields(Viewer::Member, defaults);
        assert!(member.contains(DirectoryField::Phone) && member.contains(DirectoryField::Email));
        assert!(!member.contains(DirectoryField::HomeAddress));
        assert_eq!(visible_fields(Viewer::Staff, defaults).fields().count(), 11);
        assert_eq!(Viewer::Member.widest(), Visibility::Members);
    }

    #[test]
    fn viewers_from_role_and_status() {
        assert_eq!(
            Viewer::for_person(false, Some(Status::Active)),
            Viewer::Member
        );
        assert_eq!(
            Viewer::for_person(false, Some(Status::Grace)),
            Viewer::Member
        );
        assert_eq!(
            Viewer::for_person(false, Some(Status::Lapsed)),
            Viewer::Public
        );
        assert_eq!(
            Viewer::for_person(false, Some(Status::Pending)),
            Viewer::Public
        );
        assert_eq!(Viewer::for_person(false, None), Viewer::Public);
        assert_eq!(Viewer::for_person(true, None), Viewer::Staff);
    }

    #[test]
    fn the_embedded_taxonomy_list_keeps_its_quirks() {
        let codes = taxonomy_codes();
        assert_eq!(codes.len(), 16, "every row of the CSV");
        assert_eq!(
            taxonomy("207RX0202X").map(|t| t.display_name.as_str()),
            Some("Medical Oncology Physician")
        );
        // A quoted field with a comma in it.
        let radiation_clinic = taxonomy("261QX0203X").unwrap();
        assert_eq!(radiation_clinic.specialization, "Oncology, Radiation");
        assert!(!radiation_clinic.is_individual());
        // The legacy radiation oncology name still counts; the "optional" and "NO" rows do not.
        assert!(taxonomy("2085R0203X").unwrap().physician_directory);
        assert!(!taxonomy("207RH0000X").unwrap().physician_directory);
        let np = taxonomy("363LX0106X").unwrap();
        assert!(!np.physician_directory && !np.oncology);
        assert!(!taxonomy("207RH0000X").unwrap().oncology);
        assert!(taxonomy("1835X0200X").unwrap().oncology);
        assert_eq!(np.display_name, "Occupational Health Nurse Practitioner");
        assert_eq!(
            codes.iter().filter(|t| t.physician_directory).count(),
            7,
            "the seven physician oncology codes"
        );
    }

    #[test]
    fn taxonomy_codes_are_checked() {
        assert!(is_taxonomy_shape("207RX0202X"));
        assert!(is_taxonomy_shape("1835X0200X"));
        assert_eq!(
            normalize_taxonomy(" 207rx0202x ").as_deref(),
            Some("207RX0202X")
        );
        for bad in [
            "",
            "207RX0202",
            "207RX0202Y",
            "A07RX0202X",
            "207RX0202XX",
            "207rx-202X",
        ] {
            assert!(normalize_taxonomy(bad).is_none(), "{bad:?}");
            assert!(taxonomy_problem(bad).is_some(), "{bad:?}");
        }
        assert_eq!(taxonomy_problem("207RX0202X"), None);
        // Well formed but not in our oncology list: accepted, shown as the code.
        assert_eq!(taxonomy_problem("208D00000X"), None);
        assert_eq!(taxonomy_label("208D00000X"), "208D00000X");
        assert_eq!(taxonomy_label("2085R0001X"), "Radiation Oncology Physician");
        assert!(
            taxonomy_problem("261QX0200X")
                .unwrap()
                .contains("for organisations")
        );
        assert_eq!(
            csv_fields(r#"a,"b, c","say ""hi""""#),
            vec!["a", "b, c", "say \"hi\""]
        );
    }

    #[test]
    fn states_and_zip_codes() {
        assert_eq!(normalize_state(" mn "), Some("MN"));
        assert_eq!(normalize_state("PR"), Some("PR"));
        assert_eq!(normalize_state("DC"), Some("DC"));
        assert_eq!(normalize_state("XX"), None);
        assert_eq!(normalize_state("Minnesota"), None);
        assert_eq!(state_name("NH"), Some("New Hampshire"));
        assert_eq!(US_STATES.len(), 59);
        assert_eq!(normalize_postal_code("03301").as_deref(), Some("03301"));
        assert_eq!(
            normalize_postal_code("03301-1234").as_deref(),
            Some("03301-1234")
        );
        for bad in ["3301", "033011", "03301-12", "ABCDE", ""] {
            assert!(normalize_postal_code(bad).is_none(), "{bad:?}");
        }
    }

    #[test]
    fn identifiers_have_their_shapes() {
        assert_eq!(normalize_abim_id(" 123456 ").as_deref(), Some("123456"));
        for bad in ["12345", "1234567", "12345a", ""] {
            assert!(normalize_abim_id(bad).is_none(), "{bad:?}");
        }
        assert_eq!(normalize_nabp_id("1").as_deref(), Some("1"));
        assert_eq!(normalize_nabp_id("1234567").as_deref(), Some("1234567"));
        for bad in ["12345678", "12a", ""] {
            assert!(normalize_nabp_id(bad).is_none(), "{bad:?}");
        }
        for good in [
            "(603) 555-0142",
            "603.555.0142",
            "+1 603 555 0142",
            "603-555-0142 x12",
            "6035550142 ext. 7",
        ] {
            assert!(normalize_phone(good).is_some(), "{good:?}");
        }
        for bad in ["555-0142", "call me", "603-555-0142 xabc", "=1+6035550142"] {
            assert!(normalize_phone(bad).is_none(), "{bad:?}");
        }
    }

    #[test]
    fn birth_days_allow_leap_day_but_not_impossible_dates() {
        assert!(is_valid_birth_day(2, 29));
        assert!(is_valid_birth_day(12, 31));
        assert!(is_valid_birth_day(1, 1));
        for (m, d) in [
            (2, 30),
            (2, 31),
            (4, 31),
            (6, 31),
            (9, 31),
            (11, 31),
            (13, 1),
            (0, 5),
            (5, 0),
            (1, 32),
        ] {
            assert!(!is_valid_birth_day(m, d), "{m}/{d}");
        }
    }

    #[test]
    fn names_split_without_titles() {
        assert_eq!(
            split_display_name("Dr Ada Okafor"),
            ("Ada".to_string(), "Okafor".to_string())
        );
        assert_eq!(
            split_display_name("Mary Ann  van Dyke"),
            ("Mary Ann van".to_string(), "Dyke".to_string())
        );
        assert_eq!(
            split_display_name("Cher"),
            (String::new(), "Cher".to_string())
        );
        assert_eq!(split_display_name(""), (String::new(), String::new()));
    }

    #[test]
    fn statuses_read_as_sentences() {
        assert_eq!(
            status_in_words(Status::Active, Some(date(2027, 6, 30)), 30, false),
            "Active through 30 June 2027"
        );
        let grace = status_in_words(Status::Grace, Some(date(2026, 10, 31)), 30, false);
        assert!(grace.starts_with("In grace period"), "{grace}");
        assert!(
            grace.contains("31 October 2026") && grace.contains("30 November 2026"),
            "{grace}"
        );
        assert!(
            status_in_words(Status::Lapsed, Some(date(2025, 1, 31)), 30, false)
                .contains("Renew to restore")
        );
        assert!(status_in_words(Status::Pending, None, 30, true).contains("review"));
        assert_eq!(
            status_in_words(Status::Active, None, 30, false),
            "Active, with no renewal needed"
        );
    }
}
