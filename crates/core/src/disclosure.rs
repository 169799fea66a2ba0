//! Faculty of an event and their financial-relationship disclosures (ACCME Standards for
//! Integrity and Independence), as pure rules: the roles and natures of relationship, which
//! uploaded files are accepted (by their content, not their name), what a disclosure form and a
//! planner's review must hold, how far along each faculty member is, and the words learners see.

use crate::validate::FieldErrors;

/// What someone does for an event. Everyone here controls content, so everyone discloses.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum FacultyRole {
    Speaker,
    Moderator,
    Planner,
    Reviewer,
}

impl FacultyRole {
    pub const ALL: [FacultyRole; 4] = [
        FacultyRole::Speaker,
        FacultyRole::Moderator,
        FacultyRole::Planner,
        FacultyRole::Reviewer,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            FacultyRole::Speaker => "speaker",
            FacultyRole::Moderator => "moderator",
            FacultyRole::Planner => "planner",
            FacultyRole::Reviewer => "reviewer",
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            FacultyRole::Speaker => "Speaker",
            FacultyRole::Moderator => "Moderator",
            FacultyRole::Planner => "Planner",
            FacultyRole::Reviewer => "Reviewer",
        }
    }

    pub fn parse(s: &str) -> Option<FacultyRole> {
        Self::ALL.into_iter().find(|r| r.as_str() == s)
    }

    /// The label of a stored role ("Speaker" for anything unknown).
    pub fn label_of(s: &str) -> &'static str {
        Self::parse(s).unwrap_or(FacultyRole::Speaker).label()
    }
}

/// The nature of a financial relationship with an ineligible company.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Nature {
    Consulting,
    SpeakersBureau,
    Research,
    AdvisoryBoard,
    Stock,
    Employment,
    Other,
}

impl Nature {
    pub const ALL: [Nature; 7] = [
        Nature::Consulting,
        Nature::SpeakersBureau,
        Nature::Research,
        Nature::AdvisoryBoard,
        Nature::Stock,
        Nature::Employment,
        Nature::Other,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Nature::Consulting => "consulting",
            Nature::SpeakersBureau => "speakers_bureau",
            Nature::Research => "research",
            Nature::AdvisoryBoard => "advisory_board",
            Nature::Stock => "stock",
            Nature::Employment => "employment",
            Nature::Other => "other",
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            Nature::Consulting => "Consulting fee",
            Nature::SpeakersBureau => "Speakers' bureau",
            Nature::Research => "Research funding (contracted research)",
            Nature::AdvisoryBoard => "Advisory board",
            Nature::Stock => "Stock or ownership interest",
            Nature::Employment => "Employment",
            Nature::Other => "Other",
        }
    }

    pub fn parse(s: &str) -> Option<Nature> {
        Self::ALL.into_iter().find(|n| n.as_str() == s)
    }

    /// The label of a stored nature (the stored text itself when unknown).
    pub fn label_of(s: &str) -> String {
        Self::parse(s)
            .map(|n| n.label().to_string())
            .unwrap_or_else(|| s.to_string())
    }
}

// ---------------------------------------------------------------------------------------------
// Materials.

/// The files a faculty member uploads.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Material {
    Slides,
    Cv,
}

/// A file type recognised by its first bytes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum FileType {
    Pdf,
    Pptx,
    Docx,
}

impl FileType {
    pub fn content_type(self) -> &'static str {
        match self {
            FileType::Pdf => "application/pdf",
            FileType::Pptx => {
                "application/vnd.openxmlformats-officedocument.presentationml.presentation"
            }
            FileType::Docx => {
                "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
            }
        }
    }

    pub fn extension(self) -> &'static str {
        match self {
            FileType::Pdf => "pdf",
            FileType::Pptx => "pptx",
            FileType::Docx => "docx",
        }
    }

    /// The type a stored content type names.
    pub fn from_content_type(ct: &str) -> Option<FileType> {
        [FileType::Pdf, FileType::Pptx, FileType::Docx]
            .into_iter()
            .find(|t| t.content_type() == ct)
    }
}

const MB: usize = 1024 * 1024;

impl Material {
    pub fn as_str(self) -> &'static str {
        match self {
            Material::Slides => "slides",
            Material::Cv => "cv",
        }
    }

    pub fn parse(s: &str) -> Option<Material> {
        [Material::Slides, Material::Cv]
            .into_iter()
            .find(|m| m.as_str() == s)
    }

    pub fn label(self) -> &'static str {
        match self {
            Material::Slides => "Slides",
            Material::Cv => "CV",
        }
    }

    /// The largest file accepted.
    pub const fn max_bytes(self) -> usize {
        match self {
            Material::Slides => 20 * MB,
            Material::Cv => 5 * MB,
        }
    }

    pub fn accepts(self) -> &'static [FileType] {
        match self {
            Material::Slides => &[FileType::Pdf, FileType::Pptx],
            Material::Cv => &[FileType::Pdf, FileType::Docx],
        }
    }

    /// "PDF or PowerPoint (.pptx)", for hints and refusals.
    pub fn accepts_words(self) -> &'static str {
        match self {
            Material::Slides => "a PDF or a PowerPoint file (.pptx)",
            Material::Cv => "a PDF or a Word file (.docx)",
        }
    }

    /// What the upload form's `accept` attribute lists.
    pub fn accept_attr(self) -> &'static str {
        match self {
            Material::Slides => ".pdf,.pptx,application/pdf",
            Material::Cv => ".pdf,.docx,application/pdf",
        }
    }
}

/// What the first bytes say a file is. PDF files start with `%PDF-`; PowerPoint and Word files
/// are ZIP packages (`PK\x03\x04`) holding `ppt/presentation.xml` or `word/document.xml`, whose
/// names are stored uncompressed in the package's headers.
pub fn sniff(data: &[u8]) -> Option<FileType> {
    if data.starts_with(b"%PDF-") {
        return Some(FileType::Pdf);
    }
    if !data.starts_with(b"PK\x03\x04") || !contains(data, b"[Content_Types].xml") {
        return None;
    }
    if contains(data, b"ppt/presentation.xml") {
        Some(FileType::Pptx)
    } else if contains(data, b"word/document.xml") {
        Some(FileType::Docx)
    } else {
        None
    }
}

fn contains(haystack: &[u8], needle: &[u8]) -> bool {
    haystack.windows(needle.len()).any(|w| w == needle)
}

/// Check an uploaded file: not empty, within the size, of an accepted type by its content.
/// The error is the sentence to show.
pub fn check_material(material: Material, data: &[u8]) -> Result<FileType, String> {
    if data.is_empty() {
        return Err(format!(
            "Choose a file to upload: {}.",
            material.accepts_words()
        ));
    }
    let max = material.max_bytes();
    if data.len() > max {
        return Err(format!(
            "That file is {} MB; the largest we accept for {} is {} MB. Make it smaller (for example, save it as a PDF with compressed pictures) and upload it again.",
            data.len().div_ceil(MB),
            material.label().to_lowercase(),
            max / MB
        ));
    }
    match sniff(data) {
        Some(t) if material.accepts().contains(&t) => Ok(t),
        _ => Err(format!(
            "That file is not {}. Save it in one of those formats and upload it again.",
            material.accepts_words()
        )),
    }
}

// ---------------------------------------------------------------------------------------------
// The disclosure form.

/// The most relationship rows one disclosure holds.
pub const MAX_RELATIONSHIPS: usize = 50;
/// The longest company name accepted.
const MAX_COMPANY_CHARS: usize = 200;
/// The longest mitigation note accepted.
pub const MAX_MITIGATION_CHARS: usize = 2_000;

/// One relationship row as typed.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct RowInput {
    pub company: String,
    pub nature: String,
    pub ended: bool,
}

impl RowInput {
    /// Nothing typed: a spare row, ignored.
    pub fn is_blank(&self) -> bool {
        self.company.trim().is_empty() && self.nature.trim().is_empty() && !self.ended
    }
}

/// A relationship that passed the checks.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ValidRelationship {
    pub company: String,
    pub nature: Nature,
    pub ended: bool,
}

/// The field name of a relationship row's field on the form: `r3_company`.
pub fn row_key(n: usize, field: &str) -> String {
    format!("r{n}_{field}")
}

/// Check a disclosure: the person chose "no relationships" or listed at least one (never both),
/// each row has a company and a nature, and the attestation is ticked. Rows are numbered from 1
/// as on the form.
pub fn check_disclosure(
    answer: &str,
    rows: &[RowInput],
    attested: bool,
) -> Result<Vec<ValidRelationship>, FieldErrors> {
    let mut errors = FieldErrors::new();
    let filled: Vec<(usize, &RowInput)> = rows
        .iter()
        .enumerate()
        .map(|(i, r)| (i + 1, r))
        .filter(|(_, r)| !r.is_blank())
        .collect();
    let mut valid = Vec::new();
    match answer {
        "none" => {
            if !filled.is_empty() {
                errors.add(
                    "answer",
                    "You chose “no financial relationships” but listed some. Choose “I have relationships to disclose”, or clear the rows.",
                );
            }
        }
        "some" => {
            if filled.is_empty() {
                errors.add(
                    "answer",
                    "List at least one company, or choose “no financial relationships”.",
                );
            }
            if filled.len() > MAX_RELATIONSHIPS {
                errors.add(
                    "answer",
                    format!("List at most {MAX_RELATIONSHIPS} relationships."),
                );
            }
            for (n, row) in &filled {
                let company = row.company.trim();
                if company.is_empty() {
                    errors.add(
                        &row_key(*n, "company"),
                        format!("Enter the company's name in row {n}."),
                    );
                } else if company.chars().count() > MAX_COMPANY_CHARS {
                    errors.add(
                        &row_key(*n, "company"),
                        format!("Shorten the company's name in row {n} to {MAX_COMPANY_CHARS} characters."),
                    );
                }
                let nature = Nature::parse(row.nature.trim());
                if nature.is_none() {
                    errors.add(
                        &row_key(*n, "nature"),
                        format!("Choose the kind of relationship in row {n}."),
                    );
                }
                if let Some(nature) = nature
                    && !company.is_empty()
                {
                    valid.push(ValidRelationship {
                        company: company.to_string(),
                        nature,
                        ended: row.ended,
                    });
                }
            }
        }
        _ => errors.add(
            "answer",
            "Say whether you have had financial relationships with ineligible companies in the past 24 months.",
        ),
    }
    if !attested {
        errors.add(
            "attest",
            "Tick the box to confirm the disclosure is complete and correct.",
        );
    }
    errors.into_result().map(|()| valid)
}

// ---------------------------------------------------------------------------------------------
// The planner's review.

/// A planner's decision on one relationship, as posted.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ReviewInput {
    /// "yes", "no", or empty (undecided).
    pub relevant: String,
    pub mitigation: String,
}

/// A decision that passed the checks.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Decision {
    pub relevant: bool,
    /// Empty when not relevant.
    pub mitigation: String,
}

/// The field name of a review row's field: `x2_relevant`.
pub fn review_key(n: usize, field: &str) -> String {
    format!("x{n}_{field}")
}

/// Check a review: every relationship is marked relevant or not, and each relevant one says
/// how it was mitigated. `companies` names the rows for the messages.
pub fn check_review(
    companies: &[&str],
    inputs: &[ReviewInput],
) -> Result<Vec<Decision>, FieldErrors> {
    let mut errors = FieldErrors::new();
    let mut decisions = Vec::new();
    for (i, company) in companies.iter().enumerate() {
        let n = i + 1;
        let input = inputs.get(i).cloned().unwrap_or_default();
        let mitigation = input.mitigation.trim();
        match input.relevant.as_str() {
            "yes" => {
                if mitigation.is_empty() {
                    errors.add(
                        &review_key(n, "mitigation"),
                        format!("Say how the relationship with {company} was mitigated (for example, peer review of the slides)."),
                    );
                } else if mitigation.chars().count() > MAX_MITIGATION_CHARS {
                    errors.add(
                        &review_key(n, "mitigation"),
                        format!("Shorten the mitigation for {company} to {MAX_MITIGATION_CHARS} characters."),
                    );
                } else {
                    decisions.push(Decision {
                        relevant: true,
                        mitigation: mitigation.to_string(),
                    });
                }
            }
            "no" => decisions.push(Decision {
                relevant: false,
                mitigation: String::new(),
            }),
            _ => errors.add(
                &review_key(n, "relevant"),
                format!("Say whether the relationship with {company} is relevant to the content."),
            ),
        }
    }
    errors.into_result().map(|()| decisions)
}

// ---------------------------------------------------------------------------------------------
// Progress and what learners see.

/// How far a faculty member is, for staff lists.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Progress {
    pub agreement_accepted: bool,
    pub slides: bool,
    pub cv: bool,
    pub disclosure_submitted: bool,
    pub reviewed: bool,
}

impl Progress {
    /// The next thing outstanding, in words.
    pub fn status_words(self) -> &'static str {
        if self.reviewed {
            "Disclosure reviewed"
        } else if self.disclosure_submitted {
            "Disclosure submitted, awaiting review"
        } else if self.agreement_accepted {
            "Agreement accepted, disclosure due"
        } else {
            "Invited"
        }
    }
}

/// A relationship as learners may see it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Disclosed {
    pub company: String,
    /// The nature's label.
    pub nature: String,
    pub relevant: Option<bool>,
}

/// What learners are told about one person.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum LearnerDisclosure {
    /// Not submitted or not reviewed: nothing final to show (staff see "disclosure pending").
    Pending,
    /// "X has no relevant financial relationships with ineligible companies."
    NoneRelevant,
    /// The relevant relationships ("Company (nature)"), all mitigated.
    Mitigated(Vec<(String, String)>),
}

impl LearnerDisclosure {
    /// From a disclosure's state: `reviewed` is the planner's sign-off; only relevant
    /// relationships are shown to learners.
    pub fn of(submitted: bool, reviewed: bool, relationships: &[Disclosed]) -> LearnerDisclosure {
        if !submitted || !reviewed {
            return LearnerDisclosure::Pending;
        }
        let relevant: Vec<(String, String)> = relationships
            .iter()
            .filter(|r| r.relevant == Some(true))
            .map(|r| (r.company.clone(), r.nature.clone()))
            .collect();
        if relevant.is_empty() {
            LearnerDisclosure::NoneRelevant
        } else {
            LearnerDisclosure::Mitigated(relevant)
        }
    }

    /// The sentence shown next to the person's name.
    pub fn sentence(&self, name: &str) -> String {
        match self {
            LearnerDisclosure::Pending => format!("{name}: disclosure pending."),
            LearnerDisclosure::NoneRelevant => {
                format!("{name} has no relevant financial relationships with ineligible companies.")
            }
            LearnerDisclosure::Mitigated(list) => {
                let items: Vec<String> = list
                    .iter()
                    .map(|(company, nature)| format!("{company} ({})", nature.to_lowercase()))
                    .collect();
                format!(
                    "{name} has financial relationships with {} — all relevant financial relationships have been mitigated.",
                    items.join("; ")
                )
            }
        }
    }

    pub fn is_final(&self) -> bool {
        !matches!(self, LearnerDisclosure::Pending)
    }
}

/// The agreement shown when staff have not written one for the event.
pub const DEFAULT_AGREEMENT: &str = "I agree to present the session(s) listed for this event. \
I will give a fair and balanced presentation, free of commercial bias, that is based on the best \
available evidence; I will use generic names of medicines and devices where they exist and will \
not promote the products or services of any ineligible company. I will disclose all financial \
relationships with ineligible companies from the past 24 months and cooperate with the planners \
in mitigating any that are relevant. I give the society permission to record my presentation \
and to share my slides with registered learners.";

#[cfg(test)]
mod tests {
    use super::*;

    fn zip_with(name: &str) -> Vec<u8> {
        let mut data = b"PK\x03\x04\x14\x00\x00\x00".to_vec();
        data.extend_from_slice(b"....[Content_Types].xml....PK\x03\x04....");
        data.extend_from_slice(name.as_bytes());
        data.extend_from_slice(b"....PK\x01\x02");
        data
    }

    #[test]
    fn files_are_recognised_by_their_content_not_their_name() {
        assert_eq!(sniff(b"%PDF-1.7\n..."), Some(FileType::Pdf));
        assert_eq!(
            sniff(&zip_with("ppt/presentation.xml")),
            Some(FileType::Pptx)
        );
        assert_eq!(sniff(&zip_with("word/document.xml")), Some(FileType::Docx));
        // A ZIP that is neither, an old binary .ppt, an image, text claiming to be a PDF later on.
        assert_eq!(sniff(&zip_with("xl/workbook.xml")), None);
        assert_eq!(sniff(b"\xD0\xCF\x11\xE0\xA1\xB1\x1A\xE1"), None);
        assert_eq!(sniff(b"\x89PNG\r\n\x1a\n"), None);
        assert_eq!(sniff(b"hello %PDF-1.4"), None);
        // Package names without the ZIP signature are not a package.
        assert_eq!(sniff(b"[Content_Types].xml ppt/presentation.xml"), None);
    }

    #[test]
    fn materials_accept_their_types_within_their_sizes() {
        let pdf = b"%PDF-1.4 tiny".to_vec();
        assert_eq!(check_material(Material::Slides, &pdf), Ok(FileType::Pdf));
        assert_eq!(check_material(Material::Cv, &pdf), Ok(FileType::Pdf));
        let pptx = zip_with("ppt/presentation.xml");
        assert_eq!(check_material(Material::Slides, &pptx), Ok(FileType::Pptx));
        let refused = check_material(Material::Cv, &pptx).unwrap_err();
        assert_eq!(
            refused,
            "That file is not a PDF or a Word file (.docx). Save it in one of those formats and upload it again."
        );
        let docx = zip_with("word/document.xml");
        assert_eq!(check_material(Material::Cv, &docx), Ok(FileType::Docx));
        assert!(check_material(Material::Slides, &docx).is_err());
        assert!(
            check_material(Material::Slides, b"")
                .unwrap_err()
                .starts_with("Choose a file")
        );

        // Exactly the limit passes; one byte more is refused with the sizes in words.
        let mut big = b"%PDF-".to_vec();
        big.resize(5 * MB, b'x');
        assert!(check_material(Material::Cv, &big).is_ok());
        big.push(b'x');
        assert_eq!(
            check_material(Material::Cv, &big).unwrap_err(),
            "That file is 6 MB; the largest we accept for cv is 5 MB. Make it smaller (for example, save it as a PDF with compressed pictures) and upload it again."
        );
        big.resize(20 * MB, b'x');
        assert!(check_material(Material::Slides, &big).is_ok());
        big.push(b'x');
        assert!(
            check_material(Material::Slides, &big)
                .unwrap_err()
                .contains("the largest we accept for slides is 20 MB")
        );
    }

    fn row(company: &str, nature: &str, ended: bool) -> RowInput {
        RowInput {
            company: company.into(),
            nature: nature.into(),
            ended,
        }
    }

    #[test]
    fn a_disclosure_says_none_or_lists_complete_rows_and_is_attested() {
        assert_eq!(
            check_disclosure("none", &[RowInput::default()], true),
            Ok(vec![])
        );
        let rows = [
            row(" Genentech ", "consulting", false),
            RowInput::default(),
            row("Merck", "stock", true),
        ];
        assert_eq!(
            check_disclosure("some", &rows, true).unwrap(),
            vec![
                ValidRelationship {
                    company: "Genentech".into(),
                    nature: Nature::Consulting,
                    ended: false
                },
                ValidRelationship {
                    company: "Merck".into(),
                    nature: Nature::Stock,
                    ended: true
                },
            ]
        );

        let errors = check_disclosure("", &[], false).unwrap_err();
        assert!(errors.get("answer").unwrap().starts_with("Say whether"));
        assert!(errors.get("attest").unwrap().starts_with("Tick the box"));

        let errors = check_disclosure("none", &rows, true).unwrap_err();
        assert!(errors.get("answer").unwrap().contains("but listed some"));
        let errors = check_disclosure("some", &[RowInput::default()], true).unwrap_err();
        assert!(
            errors
                .get("answer")
                .unwrap()
                .starts_with("List at least one")
        );

        // Row numbers follow the form, spare rows included.
        let rows = [
            row("Pfizer", "consulting", false),
            RowInput::default(),
            row("", "research", false),
            row("Amgen", "", true),
        ];
        let errors = check_disclosure("some", &rows, true).unwrap_err();
        assert_eq!(
            errors.get("r3_company"),
            Some("Enter the company's name in row 3.")
        );
        assert_eq!(
            errors.get("r4_nature"),
            Some("Choose the kind of relationship in row 4.")
        );
        assert_eq!(errors.0.len(), 2);
    }

    #[test]
    fn a_relevant_relationship_needs_its_mitigation() {
        let companies = ["Genentech", "Merck", "Amgen"];
        let inputs = [
            ReviewInput {
                relevant: "yes".into(),
                mitigation: "  ".into(),
            },
            ReviewInput {
                relevant: "".into(),
                mitigation: String::new(),
            },
        ];
        let errors = check_review(&companies, &inputs).unwrap_err();
        assert_eq!(
            errors.get("x1_mitigation"),
            Some(
                "Say how the relationship with Genentech was mitigated (for example, peer review of the slides)."
            )
        );
        assert!(errors.get("x2_relevant").unwrap().contains("Merck"));
        assert!(errors.get("x3_relevant").unwrap().contains("Amgen"));

        let inputs = [
            ReviewInput {
                relevant: "yes".into(),
                mitigation: " Slides peer reviewed by the planning committee ".into(),
            },
            ReviewInput {
                relevant: "no".into(),
                mitigation: "ignored".into(),
            },
        ];
        assert_eq!(
            check_review(&companies[..2], &inputs).unwrap(),
            vec![
                Decision {
                    relevant: true,
                    mitigation: "Slides peer reviewed by the planning committee".into()
                },
                Decision {
                    relevant: false,
                    mitigation: String::new()
                },
            ]
        );
        // No relationships: nothing to decide.
        assert_eq!(check_review(&[], &[]), Ok(vec![]));
    }

    #[test]
    fn learners_see_only_reviewed_disclosures_and_only_relevant_relationships() {
        let rels = [
            Disclosed {
                company: "Genentech".into(),
                nature: "Consulting fee".into(),
                relevant: Some(true),
            },
            Disclosed {
                company: "Acme Foods".into(),
                nature: "Stock or ownership interest".into(),
                relevant: Some(false),
            },
        ];
        assert_eq!(
            LearnerDisclosure::of(false, false, &[]),
            LearnerDisclosure::Pending
        );
        assert_eq!(
            LearnerDisclosure::of(true, false, &rels),
            LearnerDisclosure::Pending
        );
        assert_eq!(
            LearnerDisclosure::of(true, true, &[]).sentence("Dr. Ada Lee"),
            "Dr. Ada Lee has no relevant financial relationships with ineligible companies."
        );
        // Only irrelevant relationships: nothing relevant to disclose.
        assert_eq!(
            LearnerDisclosure::of(true, true, &rels[1..]),
            LearnerDisclosure::NoneRelevant
        );
        let shown = LearnerDisclosure::of(true, true, &rels);
        assert_eq!(
            shown.sentence("Dr. Ada Lee"),
            "Dr. Ada Lee has financial relationships with Genentech (consulting fee) — all relevant financial relationships have been mitigated."
        );
        assert!(shown.is_final());
    }

    #[test]
    fn progress_names_the_next_step() {
        let mut p = Progress::default();
        assert_eq!(p.status_words(), "Invited");
        p.agreement_accepted = true;
        assert_eq!(p.status_words(), "Agreement accepted, disclosure due");
        p.disclosure_submitted = true;
        assert_eq!(p.status_words(), "Disclosure submitted, awaiting review");
        p.reviewed = true;
        assert_eq!(p.status_words(), "Disclosure reviewed");
    }

    #[test]
    fn roles_and_natures_round_trip() {
        for r in FacultyRole::ALL {
            assert_eq!(FacultyRole::parse(r.as_str()), Some(r));
        }
        for n in Nature::ALL {
            assert_eq!(Nature::parse(n.as_str()), Some(n));
        }
        assert_eq!(Nature::label_of("speakers_bureau"), "Speakers' bureau");
        assert_eq!(FacultyRole::label_of("planner"), "Planner");
    }
}
