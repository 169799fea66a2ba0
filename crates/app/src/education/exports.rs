//! Accreditor exports, as pure functions of plain structs the use-cases fill from the store:
//!
//! - PARS learner completions and the PARS activity record (ACCME): tab-delimited text, a
//!   header row, CRLF; tabs, line breaks and other control characters inside a value become
//!   spaces, since the format has no quoting. Dates `MM/DD/YYYY`, credits with two decimals.
//! - CPE Monitor (ACPE/NABP): CSV without a byte-order mark, for upload.
//! - The joint-provider package, for the accredited partner of an activity the society does not
//!   accredit itself: CSV files people open in Excel (UTF-8 byte-order mark, every text cell
//!   through `core::spreadsheet::text_cell`, ISO dates).
//!
//! Industry and exhibitor registrants are never learners: every input row carries
//! `is_industry`, and every function leaves those rows out. The exact column layouts are listed
//! in `docs/ARCHITECTURE.md` ("Education exports").

use chapterhouse_core::education::{ActivityType, CreditType, Credits};
use chapterhouse_core::money::Cents;
use chapterhouse_core::people::Profession;
use chapterhouse_core::spreadsheet::text_cell;
use jiff::civil::Date;

use crate::export::csv_text;

/// One learner's completion of an activity for one credit type.
#[derive(Clone, Debug)]
pub struct LearnerCompletion {
    pub first_name: String,
    pub last_name: String,
    /// The certifying board's id (the ABIM id for MOC); empty when none.
    pub board_id: String,
    /// A state medical licence, used when there is no board id.
    pub licence_number: String,
    pub licence_state: String,
    pub nabp_eprofile_id: String,
    pub birth_month: Option<i8>,
    pub birth_day: Option<i8>,
    pub completed_on: Date,
    pub credit_type: CreditType,
    pub credits: Credits,
    /// An industry or exhibitor registrant: never exported as a learner.
    pub is_industry: bool,
}

impl LearnerCompletion {
    fn name(&self) -> String {
        format!("{} {}", self.first_name.trim(), self.last_name.trim())
            .trim()
            .to_string()
    }
}

/// A learner left out of a file, and why (for staff to fix and export again).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Skipped {
    pub name: String,
    pub reason: &'static str,
}

/// A finished file: its text, how many learner rows it has, and who was left out.
#[derive(Clone, Debug)]
pub struct ExportFile {
    pub text: String,
    pub rows: usize,
    pub skipped: Vec<Skipped>,
}

/// A value for a tab-delimited file: control characters (tabs, line breaks) become spaces.
fn tsv_field(value: &str) -> String {
    value
        .chars()
        .map(|c| if c.is_control() { ' ' } else { c })
        .collect::<String>()
        .trim()
        .to_string()
}

fn tsv(header: &[&str], rows: &[Vec<String>]) -> String {
    let mut text = header.join("\t");
    text.push_str("\r\n");
    for row in rows {
        let cells: Vec<String> = row.iter().map(|c| tsv_field(c)).collect();
        text.push_str(&cells.join("\t"));
        text.push_str("\r\n");
    }
    text
}

/// A text cell of a spreadsheet CSV.
fn cell(value: &str) -> String {
    text_cell(value.trim()).into_owned()
}

fn us_date(date: Date) -> String {
    date.strftime("%m/%d/%Y").to_string()
}

fn iso_date(date: Option<Date>) -> String {
    date.map(|d| d.to_string()).unwrap_or_default()
}

fn yes_no(value: bool) -> String {
    if value { "Yes" } else { "No" }.to_string()
}

fn two_digits(value: Option<i8>) -> String {
    value.map(|v| format!("{v:02}")).unwrap_or_default()
}

/// How PARS names a credit type in a learner file.
fn pars_credit_type(credit_type: CreditType) -> &'static str {
    match credit_type {
        CreditType::AmaPra1 => "AMA PRA Category 1",
        CreditType::AbimMoc => "ABIM MOC",
        CreditType::Nursing => "Nursing",
        CreditType::Pharmacy => "Pharmacy",
        CreditType::Participation => "Participation",
    }
}

fn by_name(a: &LearnerCompletion, b: &LearnerCompletion) -> std::cmp::Ordering {
    (
        a.last_name.to_lowercase(),
        a.first_name.to_lowercase(),
        a.completed_on,
        a.credit_type,
    )
        .cmp(&(
            b.last_name.to_lowercase(),
            b.first_name.to_lowercase(),
            b.completed_on,
            b.credit_type,
        ))
}

pub const PARS_LEARNER_HEADER: [&str; 9] = [
    "Board ID or Licence Number",
    "Licence State",
    "First Name",
    "Last Name",
    "Birth Month",
    "Birth Day",
    "Completion Date",
    "Credit Type",
    "Credits",
];

/// PARS learner completions for one activity: AMA PRA Category 1 and ABIM MOC claims (the
/// ones ACCME passes to boards; pharmacy goes to CPE Monitor, nursing and participation are not
/// reported to ACCME). A learner is identified by their board id, else their licence number and
/// state; one with neither is skipped and named.
pub fn pars_learners_tsv(completions: &[LearnerCompletion]) -> ExportFile {
    let mut rows: Vec<&LearnerCompletion> = completions
        .iter()
        .filter(|c| !c.is_industry)
        .filter(|c| matches!(c.credit_type, CreditType::AmaPra1 | CreditType::AbimMoc))
        .collect();
    rows.sort_by(|a, b| by_name(a, b));
    let mut skipped = Vec::new();
    let mut lines = Vec::new();
    for c in rows {
        let (id, state) = if !c.board_id.trim().is_empty() {
            (c.board_id.trim(), "")
        } else if !c.licence_number.trim().is_empty() {
            (c.licence_number.trim(), c.licence_state.trim())
        } else {
            skipped.push(Skipped {
                name: c.name(),
                reason: "PARS needs a board ID or a licence number.",
            });
            continue;
        };
        if c.credit_type == CreditType::AbimMoc && c.board_id.trim().is_empty() {
            skipped.push(Skipped {
                name: c.name(),
                reason: "ABIM MOC points need the learner's ABIM ID.",
            });
            continue;
        }
        lines.push(vec![
            id.to_string(),
            state.to_uppercase(),
            c.first_name.clone(),
            c.last_name.clone(),
            two_digits(c.birth_month),
            two_digits(c.birth_day),
            us_date(c.completed_on),
            pars_credit_type(c.credit_type).to_string(),
            c.credits.to_string(),
        ]);
    }
    ExportFile {
        text: tsv(&PARS_LEARNER_HEADER, &lines),
        rows: lines.len(),
        skipped,
    }
}

/// Someone who took part in an activity, for the PARS learner counts.
#[derive(Clone, Debug)]
pub struct ActivityLearner {
    pub profession: Profession,
    pub is_industry: bool,
}

/// One activity as PARS records it.
#[derive(Clone, Debug)]
pub struct ActivityRecord {
    pub activity_type: ActivityType,
    pub title: String,
    pub starts_on: Date,
    pub ends_on: Date,
    /// City and state, or the place ("Online" for internet activities).
    pub location: String,
    /// The activity-wide maximum designated for each credit type offered.
    pub designated: Vec<(CreditType, Credits)>,
    pub commercial_support: Cents,
    pub commercial_supporters: Vec<String>,
    /// Everyone who took part (attended), industry included; the counts leave industry out.
    pub learners: Vec<ActivityLearner>,
}

pub const PARS_ACTIVITY_HEADER: [&str; 14] = [
    "Activity Type",
    "Activity Title",
    "Start Date",
    "End Date",
    "Location",
    "AMA PRA Category 1 Credits Designated",
    "ABIM MOC Points Designated",
    "Nursing Contact Hours Designated",
    "Pharmacy Contact Hours Designated",
    "Physician Learners",
    "Other Learners",
    "Commercial Support Received",
    "Commercial Support Amount",
    "Commercial Supporters",
];

/// The PARS activity records, one row per activity. Physicians and fellows count as physician
/// learners, everyone else (not industry) as other learners. A type not designated is empty.
pub fn pars_activity_tsv(activities: &[ActivityRecord]) -> String {
    let rows: Vec<Vec<String>> = activities
        .iter()
        .map(|a| {
            let designated = |t: CreditType| {
                a.designated
                    .iter()
                    .find(|(d, _)| *d == t)
                    .map(|(_, c)| c.to_string())
                    .unwrap_or_default()
            };
            let learners = a.learners.iter().filter(|l| !l.is_industry);
            let physicians = learners
                .clone()
                .filter(|l| matches!(l.profession, Profession::Physician | Profession::Fellow))
                .count();
            let others = learners.count() - physicians;
            let supporters: Vec<String> = a
                .commercial_supporters
                .iter()
                .map(|s| tsv_field(s))
                .filter(|s| !s.is_empty())
                .collect();
            let supported = a.commercial_support.0 > 0;
            vec![
                a.activity_type.pars_label().to_string(),
                a.title.clone(),
                us_date(a.starts_on),
                us_date(a.ends_on),
                a.location.clone(),
                designated(CreditType::AmaPra1),
                designated(CreditType::AbimMoc),
                designated(CreditType::Nursing),
                designated(CreditType::Pharmacy),
                physicians.to_string(),
                others.to_string(),
                yes_no(supported),
                format!(
                    "{}.{:02}",
                    a.commercial_support.0.max(0) / 100,
                    a.commercial_support.0.max(0) % 100
                ),
                supporters.join("; "),
            ]
        })
        .collect();
    tsv(&PARS_ACTIVITY_HEADER, &rows)
}

pub const CPE_MONITOR_HEADER: [&str; 5] = [
    "NABP e-Profile ID",
    "Birth Date (MMDD)",
    "ACPE UAN",
    "Date of Participation",
    "Contact Hours",
];

/// The CPE Monitor upload for one activity (its ACPE universal activity number): pharmacy
/// claims only. A learner without an NABP e-Profile id or birth month and day is skipped and
/// named (CPE Monitor refuses the row).
pub fn cpe_monitor_csv(acpe_uan: &str, completions: &[LearnerCompletion]) -> ExportFile {
    let mut rows: Vec<&LearnerCompletion> = completions
        .iter()
        .filter(|c| !c.is_industry && c.credit_type == CreditType::Pharmacy)
        .collect();
    rows.sort_by(|a, b| by_name(a, b));
    let mut skipped = Vec::new();
    let mut lines = Vec::new();
    for c in rows {
        let id = c.nabp_eprofile_id.trim();
        let (Some(month), Some(day)) = (c.birth_month, c.birth_day) else {
            skipped.push(Skipped {
                name: c.name(),
                reason: "CPE Monitor needs the birth month and day.",
            });
            continue;
        };
        if id.is_empty() {
            skipped.push(Skipped {
                name: c.name(),
                reason: "CPE Monitor needs the NABP e-Profile ID.",
            });
            continue;
        }
        lines.push(vec![
            tsv_field(id),
            format!("{month:02}{day:02}"),
            tsv_field(acpe_uan),
            us_date(c.completed_on),
            c.credits.to_string(),
        ]);
    }
    ExportFile {
        rows: lines.len(),
        text: csv_text(CPE_MONITOR_HEADER, lines, false),
        skipped,
    }
}

/// A person's attendance at the activity or one of its sessions.
#[derive(Clone, Debug)]
pub struct AttendanceRow {
    pub first_name: String,
    pub last_name: String,
    pub email: String,
    pub profession: Profession,
    pub credentials: String,
    /// The session's title; empty for the whole activity.
    pub session: String,
    pub minutes: i64,
    pub attended: bool,
    pub is_industry: bool,
}

/// A credit claim.
#[derive(Clone, Debug)]
pub struct ClaimRow {
    pub first_name: String,
    pub last_name: String,
    pub email: String,
    pub profession: Profession,
    pub session: String,
    pub credit_type: CreditType,
    pub credits: Credits,
    pub completed_on: Date,
    pub is_industry: bool,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum QuestionKind {
    /// 1 to 5.
    Scale,
    Text,
}

#[derive(Clone, Debug)]
pub struct EvaluationAnswer {
    pub scale: Option<i8>,
    pub text: String,
    pub is_industry: bool,
}

/// An evaluation question with every answer given.
#[derive(Clone, Debug)]
pub struct EvaluationQuestion {
    pub prompt: String,
    pub kind: QuestionKind,
    pub answers: Vec<EvaluationAnswer>,
}

/// One question's results, industry registrants left out: the results page and the package's
/// evaluation files are made from these.
#[derive(Clone, Debug)]
pub struct QuestionResult {
    pub prompt: String,
    pub is_scale: bool,
    /// Ratings (1 to 5) given, or comments written.
    pub responses: usize,
    /// "4.50"; empty with no ratings.
    pub mean: String,
    /// How many rated 1, 2, 3, 4 and 5.
    pub counts: [usize; 5],
    pub comments: Vec<String>,
}

/// Each question's results.
pub fn question_results(questions: &[EvaluationQuestion]) -> Vec<QuestionResult> {
    questions
        .iter()
        .map(|q| {
            let answers = q.answers.iter().filter(|a| !a.is_industry);
            let mut counts = [0usize; 5];
            let mut comments = Vec::new();
            for a in answers {
                match (q.kind, a.scale) {
                    (QuestionKind::Scale, Some(s @ 1..=5)) => counts[(s - 1) as usize] += 1,
                    (QuestionKind::Scale, _) => {}
                    (QuestionKind::Text, _) => {
                        let text = a.text.trim();
                        if !text.is_empty() {
                            comments.push(text.to_string());
                        }
                    }
                }
            }
            let rated: usize = counts.iter().sum();
            let sum: usize = counts.iter().zip(1..).map(|(n, s)| n * s).sum();
            QuestionResult {
                prompt: q.prompt.clone(),
                is_scale: q.kind == QuestionKind::Scale,
                responses: if q.kind == QuestionKind::Scale {
                    rated
                } else {
                    comments.len()
                },
                mean: average(sum as i64, rated as i64),
                counts,
                comments,
            }
        })
        .collect()
}

/// A financial relationship as disclosed and reviewed.
#[derive(Clone, Debug)]
pub struct Relationship {
    pub company: String,
    /// As shown to people (`core::disclosure::Nature::label`: "Consulting fee", "Speakers' bureau").
    pub nature: String,
    pub has_ended: bool,
    /// The planner's decision; `None` until reviewed.
    pub relevant: Option<bool>,
    pub mitigation: String,
    pub mitigated_on: Option<Date>,
}

/// The `Role` cell of `disclosures.csv`: the role, and for someone removed from the event's
/// faculty (a speaker who withdrew) the day they were removed: "Speaker (withdrawn 2027-02-01)".
pub fn role_cell(role: &str, withdrawn_on: Option<Date>) -> String {
    match withdrawn_on {
        Some(day) => format!("{role} (withdrawn {day})"),
        None => role.to_string(),
    }
}

/// Someone who controls content, with their disclosure (if submitted).
#[derive(Clone, Debug)]
pub struct FacultyDisclosure {
    pub name: String,
    /// "Speaker", "Planner"… ([`role_cell`]: with the day for someone withdrawn).
    pub role: String,
    /// `None` when the disclosure has not been submitted.
    pub submitted_on: Option<Date>,
    pub attested: bool,
    pub reviewed_on: Option<Date>,
    pub relationships: Vec<Relationship>,
}

/// Everything the joint-provider package holds.
#[derive(Clone, Debug, Default)]
pub struct JointProviderInput {
    pub attendance: Vec<AttendanceRow>,
    pub claims: Vec<ClaimRow>,
    pub evaluation: Vec<EvaluationQuestion>,
    pub disclosures: Vec<FacultyDisclosure>,
}

/// One file of the package.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum JointProviderFile {
    Attendance,
    Credits,
    EvaluationSummary,
    EvaluationComments,
    Disclosures,
}

impl JointProviderFile {
    /// Every file, in the order the activity page lists them.
    pub const ALL: [JointProviderFile; 5] = [
        JointProviderFile::Attendance,
        JointProviderFile::Credits,
        JointProviderFile::EvaluationSummary,
        JointProviderFile::EvaluationComments,
        JointProviderFile::Disclosures,
    ];

    pub fn name(self) -> &'static str {
        match self {
            JointProviderFile::Attendance => "attendance.csv",
            JointProviderFile::Credits => "credits.csv",
            JointProviderFile::EvaluationSummary => "evaluation_summary.csv",
            JointProviderFile::EvaluationComments => "evaluation_comments.csv",
            JointProviderFile::Disclosures => "disclosures.csv",
        }
    }

    pub fn parse(name: &str) -> Option<JointProviderFile> {
        Self::ALL.into_iter().find(|f| f.name() == name)
    }
}

pub const ATTENDANCE_HEADER: [&str; 8] = [
    "First Name",
    "Last Name",
    "Email",
    "Profession",
    "Credentials",
    "Session",
    "Minutes",
    "Attended",
];
pub const CREDITS_HEADER: [&str; 8] = [
    "First Name",
    "Last Name",
    "Email",
    "Profession",
    "Session",
    "Credit Type",
    "Credits",
    "Completion Date",
];
pub const EVALUATION_HEADER: [&str; 9] = [
    "Question",
    "Type",
    "Responses",
    "Average",
    "Rated 1",
    "Rated 2",
    "Rated 3",
    "Rated 4",
    "Rated 5",
];
pub const COMMENTS_HEADER: [&str; 2] = ["Question", "Comment"];
pub const DISCLOSURES_HEADER: [&str; 12] = [
    "Name",
    "Role",
    "Disclosure Submitted",
    "Attested",
    "Financial Relationships",
    "Company",
    "Nature",
    "Relationship Ended",
    "Relevant",
    "Mitigation",
    "Mitigated On",
    "Reviewed On",
];

/// A mean of whole ratings with two decimals, rounded half up.
fn average(sum: i64, count: i64) -> String {
    if count == 0 {
        return String::new();
    }
    let hundredths = (sum * 200 + count) / (2 * count);
    format!("{}.{:02}", hundredths / 100, hundredths % 100)
}

/// One file of the joint-provider package, from the part of `input` it needs (the others may
/// be left empty).
pub fn joint_provider_file(file: JointProviderFile, input: &JointProviderInput) -> String {
    let (header, rows): (&[&str], Vec<Vec<String>>) = match file {
        JointProviderFile::Attendance => (&ATTENDANCE_HEADER, attendance_rows(&input.attendance)),
        JointProviderFile::Credits => (&CREDITS_HEADER, claim_rows(&input.claims)),
        JointProviderFile::EvaluationSummary => {
            (&EVALUATION_HEADER, evaluation_rows(&input.evaluation))
        }
        JointProviderFile::EvaluationComments => {
            (&COMMENTS_HEADER, comment_rows(&input.evaluation))
        }
        JointProviderFile::Disclosures => {
            (&DISCLOSURES_HEADER, disclosure_rows(&input.disclosures))
        }
    };
    csv_text(header, rows, true)
}

fn attendance_rows(rows: &[AttendanceRow]) -> Vec<Vec<String>> {
    let mut attendance: Vec<&AttendanceRow> = rows.iter().filter(|a| !a.is_industry).collect();
    attendance.sort_by_key(|a| {
        (
            a.session.clone(),
            a.last_name.to_lowercase(),
            a.first_name.to_lowercase(),
        )
    });
    attendance
        .iter()
        .map(|a| {
            vec![
                cell(&a.first_name),
                cell(&a.last_name),
                cell(&a.email),
                cell(a.profession.label()),
                cell(&a.credentials),
                cell(&a.session),
                a.minutes.max(0).to_string(),
                yes_no(a.attended),
            ]
        })
        .collect()
}

fn claim_rows(rows: &[ClaimRow]) -> Vec<Vec<String>> {
    let mut claims: Vec<&ClaimRow> = rows.iter().filter(|c| !c.is_industry).collect();
    claims.sort_by_key(|c| {
        (
            c.last_name.to_lowercase(),
            c.first_name.to_lowercase(),
            c.session.clone(),
            c.credit_type,
        )
    });
    claims
        .iter()
        .map(|c| {
            vec![
                cell(&c.first_name),
                cell(&c.last_name),
                cell(&c.email),
                cell(c.profession.label()),
                cell(&c.session),
                cell(c.credit_type.label()),
                c.credits.to_string(),
                iso_date(Some(c.completed_on)),
            ]
        })
        .collect()
}

fn evaluation_rows(questions: &[EvaluationQuestion]) -> Vec<Vec<String>> {
    question_results(questions)
        .into_iter()
        .map(|r| {
            let mut row = vec![
                cell(&r.prompt),
                if r.is_scale {
                    "Rating (1-5)"
                } else {
                    "Comment"
                }
                .to_string(),
                r.responses.to_string(),
            ];
            if r.is_scale {
                row.push(r.mean);
                row.extend(r.counts.iter().map(usize::to_string));
            } else {
                row.extend(std::iter::repeat_n(String::new(), 6));
            }
            row
        })
        .collect()
}

fn comment_rows(questions: &[EvaluationQuestion]) -> Vec<Vec<String>> {
    question_results(questions)
        .into_iter()
        .flat_map(|r| {
            let prompt = cell(&r.prompt);
            r.comments
                .into_iter()
                .map(move |t| vec![prompt.clone(), cell(&t)])
        })
        .collect()
}

fn disclosure_rows(disclosures: &[FacultyDisclosure]) -> Vec<Vec<String>> {
    let mut disclosure_rows = Vec::new();
    for f in disclosures {
        let head = |relationships: &str| {
            vec![
                cell(&f.name),
                cell(&f.role),
                iso_date(f.submitted_on),
                if f.submitted_on.is_some() {
                    yes_no(f.attested)
                } else {
                    String::new()
                },
                relationships.to_string(),
            ]
        };
        if f.submitted_on.is_none() {
            let mut row = head("Not submitted");
            row.extend(std::iter::repeat_n(String::new(), 7));
            disclosure_rows.push(row);
            continue;
        }
        if f.relationships.is_empty() {
            let mut row = head("None");
            row.extend(std::iter::repeat_n(String::new(), 6));
            row.push(iso_date(f.reviewed_on));
            disclosure_rows.push(row);
            continue;
        }
        for r in &f.relationships {
            let mut row = head("Yes");
            row.extend([
                cell(&r.company),
                cell(&r.nature),
                yes_no(r.has_ended),
                match r.relevant {
                    None => "Not reviewed".to_string(),
                    Some(relevant) => yes_no(relevant),
                },
                cell(&r.mitigation),
                iso_date(r.mitigated_on),
                iso_date(f.reviewed_on),
            ]);
            disclosure_rows.push(row);
        }
    }

    disclosure_rows
}

#[cfg(test)]
mod tests {
    use super::*;
    use chapterhouse_core::spreadsheet::UTF8_BOM;
    use jiff::civil::date;

    fn tsv_rows(text: &str) -> Vec<Vec<String>> {
        assert!(text.ends_with("\r\n"), "CRLF lines");
        text.split("\r\n")
            .filter(|l| !l.is_empty())
            .map(|l| l.split('\t').map(str::to_string).collect())
            .collect()
    }

    fn csv_rows(text: &str) -> Vec<Vec<String>> {
        let mut reader = ::csv::ReaderBuilder::new()
            .has_headers(false)
            .from_reader(text.strip_prefix(UTF8_BOM).unwrap_or(text).as_bytes());
        reader
            .records()
            .map(|r| r.unwrap().iter().map(str::to_string).collect())
            .collect()
    }

    fn completion(first: &str, last: &str, credit_type: CreditType) -> LearnerCompletion {
        LearnerCompletion {
            first_name: first.into(),
            last_name: last.into(),
            birth_month: Some(3),
            birth_day: Some(7),
            board_id: String::new(),
            licence_number: String::new(),
            licence_state: String::new(),
            nabp_eprofile_id: String::new(),
            completed_on: date(2026, 11, 20),
            credit_type,
            credits: Credits(625),
            is_industry: false,
        }
    }

    #[test]
    fn pars_learners_are_physician_credit_without_industry_and_with_an_id() {
        use CreditType::*;
        let rows = vec![
            LearnerCompletion {
                board_id: "123456".into(),
                ..completion("Amara", "Okafor", AbimMoc)
            },
            LearnerCompletion {
                licence_number: "MD-278113".into(),
                licence_state: "ma".into(),
                ..completion("Amara", "Okafor", AmaPra1)
            },
            LearnerCompletion {
                board_id: "654321".into(),
                ..completion("Wei\tJr", "Chen\r\nSmith", AmaPra1)
            },
            // An exhibitor's representative with a claim row never reaches PARS.
            LearnerCompletion {
                board_id: "999999".into(),
                is_industry: true,
                ..completion("Rep", "Pharma", AmaPra1)
            },
            // Not ACCME's to report.
            LearnerCompletion {
                board_id: "111111".into(),
                ..completion("Nina", "Nurse", Nursing)
            },
            LearnerCompletion {
                nabp_eprofile_id: "1234567".into(),
                ..completion("Paul", "Pharmacist", Pharmacy)
            },
            // Nothing to identify them by.
            completion("Ida", "Noid", AmaPra1),
            // MOC without an ABIM id.
            LearnerCompletion {
                licence_number: "MD-1".into(),
                licence_state: "NH".into(),
                ..completion("Moc", "Nobody", AbimMoc)
            },
        ];
        let file = pars_learners_tsv(&rows);
        let lines = tsv_rows(&file.text);
        assert_eq!(lines[0], PARS_LEARNER_HEADER);
        assert_eq!(
            &lines[1..],
            &[
                vec![
                    "654321",
                    "",
                    "Wei Jr",
                    "Chen  Smith",
                    "03",
                    "07",
                    "11/20/2026",
                    "AMA PRA Category 1",
                    "6.25"
                ],
                vec![
                    "MD-278113",
                    "MA",
                    "Amara",
                    "Okafor",
                    "03",
                    "07",
                    "11/20/2026",
                    "AMA PRA Category 1",
                    "6.25"
                ],
                vec![
                    "123456",
                    "",
                    "Amara",
                    "Okafor",
                    "03",
                    "07",
                    "11/20/2026",
                    "ABIM MOC",
                    "6.25"
                ],
            ]
        );
        assert_eq!(file.rows, 3);
        assert!(!file.text.contains("Pharma"), "industry left out");
        assert_eq!(
            file.skipped,
            vec![
                Skipped {
                    name: "Moc Nobody".into(),
                    reason: "ABIM MOC points need the learner's ABIM ID."
                },
                Skipped {
                    name: "Ida Noid".into(),
                    reason: "PARS needs a board ID or a licence number."
                },
            ]
        );
        // Every line has the header's nine fields: nothing inside a value split it.
        assert!(lines.iter().all(|l| l.len() == 9), "{lines:?}");
    }

    fn learners(physicians: usize, others: usize, industry: usize) -> Vec<ActivityLearner> {
        let mut all = Vec::new();
        for i in 0..physicians {
            all.push(ActivityLearner {
                profession: if i % 2 == 0 {
                    Profession::Physician
                } else {
                    Profession::Fellow
                },
                is_industry: false,
            });
        }
        for _ in 0..others {
            all.push(ActivityLearner {
                profession: Profession::Nurse,
                is_industry: false,
            });
        }
        for _ in 0..industry {
            all.push(ActivityLearner {
                profession: Profession::Other,
                is_industry: true,
            });
        }
        all
    }

    #[test]
    fn pars_activity_record_counts_learners_without_industry() {
        let activities = vec![
            ActivityRecord {
                activity_type: ActivityType::Live,
                title: "NEOS Annual Meeting\t2026".into(),
                starts_on: date(2026, 11, 18),
                ends_on: date(2026, 11, 20),
                location: "Boston, MA".into(),
                designated: vec![
                    (CreditType::AmaPra1, Credits(625)),
                    (CreditType::AbimMoc, Credits(625)),
                    (CreditType::Nursing, Credits(600)),
                ],
                commercial_support: Cents(1_500_000),
                commercial_supporters: vec![
                    "Acme Oncology\n".into(),
                    "Beta Bio".into(),
                    " ".into(),
                ],
                learners: learners(40, 12, 9),
            },
            ActivityRecord {
                activity_type: ActivityType::Rss,
                title: "GI Tumor Board 2026".into(),
                starts_on: date(2026, 1, 7),
                ends_on: date(2026, 12, 16),
                location: "Online".into(),
                designated: vec![(CreditType::AmaPra1, Credits(2400))],
                commercial_support: Cents(0),
                commercial_supporters: vec![],
                learners: learners(3, 0, 0),
            },
        ];
        let lines = tsv_rows(&pars_activity_tsv(&activities));
        assert_eq!(lines[0], PARS_ACTIVITY_HEADER);
        assert_eq!(
            lines[1],
            vec![
                "Course",
                "NEOS Annual Meeting 2026",
                "11/18/2026",
                "11/20/2026",
                "Boston, MA",
                "6.25",
                "6.25",
                "6.00",
                "",
                "40",
                "12",
                "Yes",
                "15000.00",
                "Acme Oncology; Beta Bio"
            ]
        );
        assert_eq!(
            lines[2],
            vec![
                "Regularly Scheduled Series",
                "GI Tumor Board 2026",
                "01/07/2026",
                "12/16/2026",
                "Online",
                "24.00",
                "",
                "",
                "",
                "3",
                "0",
                "No",
                "0.00",
                ""
            ]
        );
    }

    #[test]
    fn cpe_monitor_lists_pharmacists_with_their_ids() {
        use CreditType::*;
        let rows = vec![
            LearnerCompletion {
                nabp_eprofile_id: "1234567".into(),
                birth_month: Some(2),
                birth_day: Some(29),
                credits: Credits(150),
                ..completion("Paul", "Pharmacist", Pharmacy)
            },
            LearnerCompletion {
                nabp_eprofile_id: "".into(),
                ..completion("No", "Id", Pharmacy)
            },
            LearnerCompletion {
                nabp_eprofile_id: "7654321".into(),
                birth_day: None,
                ..completion("No", "Birthday", Pharmacy)
            },
            LearnerCompletion {
                nabp_eprofile_id: "5555555".into(),
                is_industry: true,
                ..completion("Rep", "Industry", Pharmacy)
            },
            LearnerCompletion {
                board_id: "123456".into(),
                ..completion("Amara", "Okafor", AmaPra1)
            },
        ];
        let file = cpe_monitor_csv("0000-0000-26-001-L01-P", &rows);
        assert!(
            !file.text.starts_with(UTF8_BOM),
            "an upload, not a spreadsheet"
        );
        assert_eq!(
            csv_rows(&file.text),
            vec![
                CPE_MONITOR_HEADER.map(String::from).to_vec(),
                vec![
                    "1234567".to_string(),
                    "0229".into(),
                    "0000-0000-26-001-L01-P".into(),
                    "11/20/2026".into(),
                    "1.50".into()
                ],
            ]
        );
        assert_eq!(
            file.skipped
                .iter()
                .map(|s| (s.name.as_str(), s.reason))
                .collect::<Vec<_>>(),
            vec![
                ("No Birthday", "CPE Monitor needs the birth month and day."),
                ("No Id", "CPE Monitor needs the NABP e-Profile ID."),
            ]
        );
    }

    fn package() -> JointProviderInput {
        let attendance = |first: &str, last: &str, profession, minutes, industry| AttendanceRow {
            first_name: first.into(),
            last_name: last.into(),
            email: format!("{}@example.org", first.to_lowercase()),
            profession,
            credentials: "MD".into(),
            session: String::new(),
            minutes,
            attended: minutes >= 45,
            is_industry: industry,
        };
        let scale = |s: i8| EvaluationAnswer {
            scale: Some(s),
            text: String::new(),
            is_industry: false,
        };
        JointProviderInput {
            attendance: vec![
                attendance("Wei", "Chen", Profession::Physician, 61, false),
                attendance(
                    "=HYPERLINK(\"http://x\")",
                    "Okafor",
                    Profession::Nurse,
                    30,
                    false,
                ),
                attendance("Rep", "Acme", Profession::Other, 60, true),
            ],
            claims: vec![
                ClaimRow {
                    first_name: "Wei".into(),
                    last_name: "Chen".into(),
                    email: "wei@example.org".into(),
                    profession: Profession::Physician,
                    session: String::new(),
                    credit_type: CreditType::AmaPra1,
                    credits: Credits(100),
                    completed_on: date(2026, 11, 18),
                    is_industry: false,
                },
                ClaimRow {
                    first_name: "Rep".into(),
                    last_name: "Acme".into(),
                    email: "rep@acme.example".into(),
                    profession: Profession::Other,
                    session: String::new(),
                    credit_type: CreditType::Participation,
                    credits: Credits(100),
                    completed_on: date(2026, 11, 18),
                    is_industry: true,
                },
            ],
            evaluation: vec![
                EvaluationQuestion {
                    prompt: "The content was free of commercial bias.".into(),
                    kind: QuestionKind::Scale,
                    answers: vec![
                        scale(5),
                        scale(4),
                        scale(4),
                        EvaluationAnswer {
                            scale: Some(1),
                            text: String::new(),
                            is_industry: true,
                        },
                    ],
                },
                EvaluationQuestion {
                    prompt: "What will you change in your practice?".into(),
                    kind: QuestionKind::Text,
                    answers: vec![
                        EvaluationAnswer {
                            scale: None,
                            text: "Order germline testing, sooner.\nEvery time.".into(),
                            is_industry: false,
                        },
                        EvaluationAnswer {
                            scale: None,
                            text: "  ".into(),
                            is_industry: false,
                        },
                        EvaluationAnswer {
                            scale: None,
                            text: "-1 for the coffee".into(),
                            is_industry: false,
                        },
                    ],
                },
            ],
            disclosures: vec![
                FacultyDisclosure {
                    name: "Helen Park, MD".into(),
                    role: "Speaker".into(),
                    submitted_on: Some(date(2026, 10, 1)),
                    attested: true,
                    reviewed_on: Some(date(2026, 10, 5)),
                    relationships: vec![
                        Relationship {
                            company: "Acme Oncology".into(),
                            nature: "Consulting".into(),
                            has_ended: false,
                            relevant: Some(true),
                            mitigation: "Content peer reviewed by the planning committee.".into(),
                            mitigated_on: Some(date(2026, 10, 5)),
                        },
                        Relationship {
                            company: "Beta Bio".into(),
                            nature: "Stock".into(),
                            has_ended: true,
                            relevant: None,
                            mitigation: String::new(),
                            mitigated_on: None,
                        },
                    ],
                },
                FacultyDisclosure {
                    name: "Samuel Reyes, MD".into(),
                    role: "Planner".into(),
                    submitted_on: Some(date(2026, 9, 20)),
                    attested: true,
                    reviewed_on: None,
                    relationships: vec![],
                },
                FacultyDisclosure {
                    name: "Late Speaker".into(),
                    role: "Speaker".into(),
                    submitted_on: None,
                    attested: false,
                    reviewed_on: None,
                    relationships: vec![],
                },
            ],
        }
    }

    fn owned(rows: Vec<Vec<&str>>) -> Vec<Vec<String>> {
        rows.into_iter()
            .map(|r| r.into_iter().map(String::from).collect())
            .collect()
    }

    fn file(input: &JointProviderInput, name: &str) -> String {
        joint_provider_file(JointProviderFile::parse(name).expect(name), input)
    }

    #[test]
    fn joint_provider_package_leaves_industry_out_and_is_safe_in_excel() {
        let files = package();
        assert_eq!(
            JointProviderFile::ALL.map(JointProviderFile::name),
            [
                "attendance.csv",
                "credits.csv",
                "evaluation_summary.csv",
                "evaluation_comments.csv",
                "disclosures.csv"
            ]
        );
        assert!(
            JointProviderFile::ALL
                .iter()
                .all(|f| joint_provider_file(*f, &files).starts_with(UTF8_BOM))
        );

        let attendance = csv_rows(&file(&files, "attendance.csv"));
        assert_eq!(attendance[0], ATTENDANCE_HEADER);
        assert_eq!(
            attendance[1..],
            owned(vec![
                vec![
                    "Wei",
                    "Chen",
                    "wei@example.org",
                    "Physician",
                    "MD",
                    "",
                    "61",
                    "Yes"
                ],
                vec![
                    "'=HYPERLINK(\"http://x\")",
                    "Okafor",
                    "'=hyperlink(\"http://x\")@example.org",
                    "Nurse",
                    "MD",
                    "",
                    "30",
                    "No"
                ],
            ])[..]
        );
        assert!(
            !file(&files, "attendance.csv").contains("Acme"),
            "industry left out"
        );

        let credits = csv_rows(&file(&files, "credits.csv"));
        assert_eq!(credits.len(), 2, "{credits:?}");
        assert_eq!(
            credits[1],
            vec![
                "Wei",
                "Chen",
                "wei@example.org",
                "Physician",
                "",
                "AMA PRA Category 1 Credit™",
                "1.00",
                "2026-11-18"
            ]
        );

        let evaluation = csv_rows(&file(&files, "evaluation_summary.csv"));
        assert_eq!(evaluation[0], EVALUATION_HEADER);
        // 5, 4, 4 (the industry rating of 1 is left out): 4.33.
        assert_eq!(
            evaluation[1],
            vec![
                "The content was free of commercial bias.",
                "Rating (1-5)",
                "3",
                "4.33",
                "0",
                "0",
                "0",
                "2",
                "1"
            ]
        );
        assert_eq!(
            evaluation[2][..3],
            ["What will you change in your practice?", "Comment", "2"]
        );
        let comments = csv_rows(&file(&files, "evaluation_comments.csv"));
        assert_eq!(
            comments[1..],
            owned(vec![
                vec![
                    "What will you change in your practice?",
                    "Order germline testing, sooner.\nEvery time."
                ],
                vec![
                    "What will you change in your practice?",
                    "'-1 for the coffee"
                ],
            ])[..]
        );

        let disclosures = csv_rows(&file(&files, "disclosures.csv"));
        assert_eq!(disclosures[0], DISCLOSURES_HEADER);
        assert_eq!(
            disclosures[1..],
            owned(vec![
                vec![
                    "Helen Park, MD",
                    "Speaker",
                    "2026-10-01",
                    "Yes",
                    "Yes",
                    "Acme Oncology",
                    "Consulting",
                    "No",
                    "Yes",
                    "Content peer reviewed by the planning committee.",
                    "2026-10-05",
                    "2026-10-05"
                ],
                vec![
                    "Helen Park, MD",
                    "Speaker",
                    "2026-10-01",
                    "Yes",
                    "Yes",
                    "Beta Bio",
                    "Stock",
                    "Yes",
                    "Not reviewed",
                    "",
                    "",
                    "2026-10-05"
                ],
                vec![
                    "Samuel Reyes, MD",
                    "Planner",
                    "2026-09-20",
                    "Yes",
                    "None",
                    "",
                    "",
                    "",
                    "",
                    "",
                    "",
                    ""
                ],
                vec![
                    "Late Speaker",
                    "Speaker",
                    "",
                    "",
                    "Not submitted",
                    "",
                    "",
                    "",
                    "",
                    "",
                    "",
                    ""
                ],
            ])[..]
        );
    }

    #[test]
    fn a_withdrawn_role_carries_the_day() {
        assert_eq!(role_cell("Speaker", None), "Speaker");
        assert_eq!(
            role_cell("Speaker", Some(date(2027, 2, 1))),
            "Speaker (withdrawn 2027-02-01)"
        );
    }

    #[test]
    fn averages_round_half_up() {
        assert_eq!(average(13, 3), "4.33");
        assert_eq!(average(14, 3), "4.67");
        assert_eq!(average(9, 2), "4.50");
        assert_eq!(average(5, 1), "5.00");
        assert_eq!(average(0, 0), "");
        // 1.005 rounds up to 1.01.
        assert_eq!(average(201, 200), "1.01");
    }
}
