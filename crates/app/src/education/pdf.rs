//! The learner's certificate (one claim: landscape, framed) and transcript (every claim in a
//! date range: a table that continues on further pages with its column heads repeated, then
//! totals per credit type). Drawn with [`crate::pdf`]. The accreditation, designation and other
//! statements are printed as staff entered them on the activity.

use chapterhouse_core::education::{CreditType, Credits};
use jiff::civil::Date;

use crate::pdf::{Doc, MARGIN, us_long_date, wrap};

/// Everything a certificate shows.
#[derive(Clone, Debug)]
pub struct CertificateData {
    /// The society issuing it.
    pub society_name: String,
    /// The accredited partner of a joint-provided activity; empty when the society provides it.
    pub joint_provider: String,
    pub learner_name: String,
    /// "MD, PhD"; may be empty.
    pub credentials: String,
    pub activity_title: String,
    /// The session claimed for, when the claim is for one session; empty for the activity.
    pub session_title: String,
    pub starts_on: Date,
    pub ends_on: Date,
    /// "Boston, MA", "Online"; may be empty.
    pub location: String,
    pub credit_type: CreditType,
    pub amount: Credits,
    pub completed_on: Date,
    pub accreditation_statement: String,
    pub designation_statement: String,
    pub other_statements: String,
}

/// One claim on a transcript.
#[derive(Clone, Debug)]
pub struct TranscriptRow {
    pub completed_on: Date,
    pub activity_title: String,
    pub credit_type: CreditType,
    pub amount: Credits,
}

/// Everything a transcript shows.
#[derive(Clone, Debug)]
pub struct TranscriptData {
    pub society_name: String,
    pub learner_name: String,
    pub credentials: String,
    pub from: Date,
    pub to: Date,
    /// The society's local date when it was made.
    pub issued_on: Date,
    pub rows: Vec<TranscriptRow>,
}

/// "November 18, 2026", "November 18–20, 2026", "November 30 – December 2, 2026",
/// "December 30, 2026 – January 2, 2027".
pub fn date_range(start: Date, end: Date) -> String {
    if end <= start {
        us_long_date(start)
    } else if start.year() != end.year() {
        format!("{} – {}", us_long_date(start), us_long_date(end))
    } else if start.month() != end.month() {
        format!(
            "{} – {}",
            start.strftime("%B %-d"),
            end.strftime("%B %-d, %Y")
        )
    } else {
        format!("{}–{}", start.strftime("%B %-d"), end.strftime("%-d, %Y"))
    }
}

fn with_credentials(name: &str, credentials: &str) -> String {
    let credentials = credentials.trim();
    if credentials.is_empty() {
        name.trim().to_string()
    } else {
        format!("{}, {credentials}", name.trim())
    }
}

/// The certificate for one claim.
pub fn certificate_pdf(data: &CertificateData) -> Vec<u8> {
    let participation = data.credit_type == CreditType::Participation;
    let heading = if participation {
        "Certificate of Participation"
    } else {
        "Certificate of Credit"
    };
    let mut doc = Doc::landscape(&format!("{heading}: {}", data.activity_title));
    doc.frame(24.0, 2.0);
    doc.frame(30.0, 0.5);
    // `centered` draws on the cursor's baseline and then moves down, so a larger line needs
    // room above it first.
    doc.gap(24.0);
    doc.centered(&data.society_name, 16.0, true);
    if !data.joint_provider.trim().is_empty() {
        doc.centered(
            &format!(
                "Jointly provided by {} and {}",
                data.joint_provider.trim(),
                data.society_name
            ),
            10.0,
            false,
        );
    }
    doc.gap(34.0);
    doc.centered(heading, 28.0, true);
    doc.gap(18.0);
    doc.centered("This certifies that", 12.0, false);
    doc.gap(18.0);
    doc.centered(
        &with_credentials(&data.learner_name, &data.credentials),
        24.0,
        true,
    );
    doc.gap(8.0);
    doc.centered(
        if participation {
            "participated in"
        } else {
            "completed"
        },
        12.0,
        false,
    );
    doc.gap(8.0);
    doc.centered(&data.activity_title, 16.0, true);
    if !data.session_title.trim().is_empty() {
        doc.centered(
            &format!("Session: {}", data.session_title.trim()),
            12.0,
            false,
        );
    }
    let mut when_where = date_range(data.starts_on, data.ends_on);
    if !data.location.trim().is_empty() {
        when_where = format!("{when_where}  •  {}", data.location.trim());
    }
    doc.centered(&when_where, 12.0, false);
    doc.gap(22.0);
    let amount = if participation {
        format!("Hours of participation: {}", data.amount)
    } else {
        format!(
            "Credit awarded: {}",
            data.credit_type.amount_text(data.amount)
        )
    };
    doc.centered(&amount, 14.0, true);
    doc.centered(
        &format!("Date of completion: {}", us_long_date(data.completed_on)),
        11.0,
        false,
    );
    doc.gap(26.0);
    for statement in [
        &data.accreditation_statement,
        &data.designation_statement,
        &data.other_statements,
    ] {
        let statement = statement.trim();
        if !statement.is_empty() {
            doc.centered(statement, 8.5, false);
            doc.gap(4.0);
        }
    }
    doc.finish()
}

/// The transcript of claims completed from `from` to `to`, oldest first, with totals per
/// credit type.
pub fn transcript_pdf(data: &TranscriptData) -> Vec<u8> {
    let mut doc = Doc::new(&format!(
        "Transcript: {}",
        with_credentials(&data.learner_name, &data.credentials)
    ));
    doc.line(MARGIN, &data.society_name, 14.0, true);
    doc.gap(4.0);
    doc.line(MARGIN, "Continuing education transcript", 18.0, true);
    doc.gap(6.0);
    for (label, value) in [
        (
            "Learner",
            with_credentials(&data.learner_name, &data.credentials),
        ),
        ("Period", date_range(data.from, data.to)),
        ("Issued", us_long_date(data.issued_on)),
    ] {
        doc.need(14.0);
        doc.put(MARGIN, label, 10.0, true);
        doc.put(MARGIN + 70.0, &value, 10.0, false);
        doc.y -= 14.0;
    }
    doc.gap(12.0);

    let mut rows: Vec<&TranscriptRow> = data.rows.iter().collect();
    rows.sort_by(|a, b| {
        (a.completed_on, &a.activity_title, a.credit_type).cmp(&(
            b.completed_on,
            &b.activity_title,
            b.credit_type,
        ))
    });
    if rows.is_empty() {
        doc.line(MARGIN, "No credit was claimed in this period.", 10.0, false);
        return doc.finish();
    }

    // Date | Activity | Credit type | Amount.
    let size = 9.0;
    let right = doc.right();
    let activity_x = MARGIN + 78.0;
    let type_x = MARGIN + 318.0;
    let activity_width = type_x - activity_x - 10.0;
    let type_width = right - 50.0 - type_x;
    let heads = |doc: &mut Doc| {
        doc.need(16.0);
        doc.put(MARGIN, "Date", size, true);
        doc.put(activity_x, "Activity", size, true);
        doc.put(type_x, "Credit type", size, true);
        doc.put_right(right, "Amount", size, true);
        doc.y -= 6.0;
        doc.rule();
    };
    heads(&mut doc);
    for row in rows.iter().copied() {
        let title = wrap(&row.activity_title, size, activity_width);
        let kind = wrap(row.credit_type.label(), size, type_width);
        let lines = title.len().max(kind.len());
        let pages = doc.page_count();
        doc.need(size * 1.4 * lines as f32 + 3.0);
        if doc.page_count() != pages {
            heads(&mut doc);
        }
        doc.put(
            MARGIN,
            &row.completed_on.strftime("%b %-d, %Y").to_string(),
            size,
            false,
        );
        doc.put_right(right, &row.amount.to_string(), size, false);
        for i in 0..lines {
            if let Some(text) = title.get(i) {
                doc.put(activity_x, text, size, false);
            }
            if let Some(text) = kind.get(i) {
                doc.put(type_x, text, size, false);
            }
            doc.y -= size * 1.4;
        }
        doc.gap(3.0);
    }
    doc.rule();
    doc.gap(4.0);
    doc.line(MARGIN, "Totals", 10.0, true);
    for credit_type in CreditType::ALL {
        let claims: Vec<Credits> = rows
            .iter()
            .filter(|r| r.credit_type == credit_type)
            .map(|r| r.amount)
            .collect();
        if claims.is_empty() {
            continue;
        }
        let total: Credits = claims.iter().copied().sum();
        doc.need(14.0);
        doc.put(MARGIN, credit_type.label(), 10.0, false);
        doc.put_right(right, &total.to_string(), 10.0, true);
        doc.y -= 14.0;
    }
    doc.finish()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::pdf::text_width;
    use chapterhouse_core::education::{ActivityType, designation_statement};
    use jiff::civil::date;

    /// Each text object of every page, in order, as lopdf extracts them.
    fn pdf_lines(bytes: &[u8]) -> (usize, Vec<String>) {
        assert!(bytes.starts_with(b"%PDF-"), "a PDF");
        let doc = lopdf::Document::load_mem(bytes).expect("a readable PDF");
        let pages: Vec<u32> = doc.get_pages().keys().copied().collect();
        let mut lines = Vec::new();
        for page in &pages {
            let text = doc.extract_text(&[*page]).expect("text extracts");
            lines.extend(
                text.lines()
                    .map(|l| l.trim().to_string())
                    .filter(|l| !l.is_empty()),
            );
        }
        (pages.len(), lines)
    }

    /// The whole text with runs of whitespace collapsed.
    fn flat(lines: &[String]) -> String {
        lines
            .join(" ")
            .split_whitespace()
            .collect::<Vec<_>>()
            .join(" ")
    }

    fn certificate() -> CertificateData {
        CertificateData {
            society_name: "Northeast Oncology Society".into(),
            joint_provider: "Partner CME Institute".into(),
            learner_name: "José Álvarez".into(),
            credentials: "MD, PhD".into(),
            activity_title: "NEOS Annual Meeting 2026".into(),
            session_title: String::new(),
            starts_on: date(2026, 11, 18),
            ends_on: date(2026, 11, 20),
            location: "Boston, MA".into(),
            credit_type: CreditType::AmaPra1,
            amount: Credits(625),
            completed_on: date(2026, 11, 20),
            accreditation_statement: "This activity has been planned and implemented in \
                accordance with the accreditation requirements and policies of the ACCME through \
                the joint providership of Partner CME Institute and Northeast Oncology Society."
                .into(),
            designation_statement: designation_statement(
                "Partner CME Institute",
                ActivityType::Live,
                Credits(625),
            ),
            other_statements: "Successful completion of this CME activity enables the \
                participant to earn up to 6.25 MOC points in the ABIM MOC program."
                .into(),
        }
    }

    #[test]
    fn certificate_carries_learner_activity_credit_and_statements() {
        let data = certificate();
        let (pages, lines) = pdf_lines(&certificate_pdf(&data));
        assert_eq!(pages, 1);
        let text = flat(&lines);
        for expected in [
            "Northeast Oncology Society",
            "Jointly provided by Partner CME Institute and Northeast Oncology Society",
            "Certificate of Credit",
            "José Álvarez, MD, PhD",
            "NEOS Annual Meeting 2026",
            "November 18–20, 2026 • Boston, MA",
            "Credit awarded: 6.25 AMA PRA Category 1 Credits™",
            "Date of completion: November 20, 2026",
            "Partner CME Institute designates this live activity for a maximum of 6.25 AMA PRA \
             Category 1 Credits™. Physicians should claim only the credit commensurate with the \
             extent of their participation in the activity.",
            "through the joint providership of Partner CME Institute and Northeast Oncology Society.",
            "earn up to 6.25 MOC points in the ABIM MOC program.",
        ] {
            assert!(text.contains(expected), "{expected:?} in {text}");
        }
    }

    #[test]
    fn participation_certificate_and_a_society_provided_activity() {
        let data = CertificateData {
            joint_provider: String::new(),
            credentials: String::new(),
            learner_name: "Dana Whitfield".into(),
            credit_type: CreditType::Participation,
            amount: Credits(150),
            session_title: "Tumor board: GI cancers".into(),
            starts_on: date(2026, 11, 30),
            ends_on: date(2026, 12, 2),
            location: String::new(),
            ..certificate()
        };
        let text = flat(&pdf_lines(&certificate_pdf(&data)).1);
        for expected in [
            "Certificate of Participation",
            "Dana Whitfield participated in",
            "Session: Tumor board: GI cancers",
            "November 30 – December 2, 2026",
            "Hours of participation: 1.50",
        ] {
            assert!(text.contains(expected), "{expected:?} in {text}");
        }
        assert!(!text.contains("Jointly provided"), "{text}");
        assert!(!text.contains("Dana Whitfield,"), "no empty credentials");
    }

    #[test]
    fn long_titles_and_statements_wrap_within_the_page() {
        let data = CertificateData {
            activity_title: "Multidisciplinary Management of Locally Advanced and Metastatic \
                Pancreatic Adenocarcinoma: Neoadjuvant Strategies, Molecular Profiling, \
                Germline Testing and Survivorship Care in Community and Academic Practice"
                .into(),
            ..certificate()
        };
        let (_, lines) = pdf_lines(&certificate_pdf(&data));
        // The landscape page is 792 points wide; the title is set at 16 points in bold.
        let widest = 792.0 - 2.0 * MARGIN;
        let title_lines: Vec<&String> = lines
            .iter()
            .filter(|l| {
                ["Multidisciplinary", "Pancreatic", "Germline", "Practice"]
                    .iter()
                    .any(|w| l.contains(w))
            })
            .collect();
        assert!(title_lines.len() >= 2, "the title wraps: {lines:#?}");
        for line in &lines {
            assert!(
                text_width(line, 16.0, true) <= widest || text_width(line, 8.5, false) <= widest,
                "{line:?} is wider than the page"
            );
        }
        for line in &title_lines {
            assert!(text_width(line, 16.0, true) <= widest, "{line:?}");
        }
        assert!(
            flat(&lines).contains(
                "Germline Testing and Survivorship Care in Community and Academic Practice"
            )
        );
    }

    fn transcript(rows: usize) -> TranscriptData {
        let types = [
            CreditType::AmaPra1,
            CreditType::AbimMoc,
            CreditType::AmaPra1,
            CreditType::Participation,
        ];
        TranscriptData {
            society_name: "Northeast Oncology Society".into(),
            learner_name: "Amara Okafor".into(),
            credentials: "MD".into(),
            from: date(2026, 1, 1),
            to: date(2026, 12, 31),
            issued_on: date(2027, 1, 5),
            rows: (0..rows)
                .map(|i| TranscriptRow {
                    completed_on: date(2026, 1, 1)
                        .checked_add(jiff::Span::new().days(i as i64 % 360))
                        .unwrap(),
                    activity_title: if i == 3 {
                        "Tumor Board Series 2026: Thoracic Oncology Case Conference with \
                         Radiation Oncology, Pathology and Interventional Pulmonology"
                            .into()
                    } else {
                        format!("Activity number {i:03}")
                    },
                    credit_type: types[i % types.len()],
                    amount: Credits(25 * (1 + i as i64 % 4)),
                })
                .collect(),
        }
    }

    #[test]
    fn transcript_lists_each_claim_with_totals_per_type() {
        let data = transcript(8);
        let (pages, lines) = pdf_lines(&transcript_pdf(&data));
        assert_eq!(pages, 1);
        let text = flat(&lines);
        for expected in [
            "Continuing education transcript",
            "Amara Okafor, MD",
            "January 1 – December 31, 2026",
            "January 5, 2027",
            "Jan 1, 2026",
            "Activity number 000",
            "Activity number 007",
            "Tumor Board Series 2026: Thoracic Oncology",
            "Interventional Pulmonology",
        ] {
            assert!(text.contains(expected), "{expected:?} in {text}");
        }
        // Amounts 0.25, 0.50, 0.75, 1.00 repeating: AMA rows 0, 2, 4, 6 = 0.25 + 0.75 + 0.25 +
        // 0.75; MOC rows 1, 5 = 0.50 + 0.50; participation rows 3, 7 = 1.00 + 1.00.
        let totals = &text[text.find("Totals").expect("totals")..];
        assert!(
            totals.contains("AMA PRA Category 1 Credit™ 2.00"),
            "{totals}"
        );
        assert!(totals.contains("ABIM MOC points 1.00"), "{totals}");
        assert!(
            totals.contains("Certificate of participation 2.00"),
            "{totals}"
        );
        assert!(!totals.contains("Nursing"), "{totals}");
    }

    #[test]
    fn a_long_transcript_continues_with_its_column_heads() {
        let data = transcript(150);
        let (pages, lines) = pdf_lines(&transcript_pdf(&data));
        assert!(pages >= 3, "{pages} pages");
        let heads = lines.iter().filter(|l| l.as_str() == "Credit type").count();
        assert_eq!(heads, pages, "column heads on every page");
        let continued = lines
            .iter()
            .filter(|l| l.contains("Transcript: Amara Okafor, MD (continued)"))
            .count();
        assert_eq!(continued, pages - 1);
        for i in 0..150 {
            let title = format!("Activity number {i:03}");
            assert!(
                i == 3 || lines.iter().any(|l| l == &title),
                "{title} is listed"
            );
        }
    }

    #[test]
    fn an_empty_period_says_so() {
        let text = flat(&pdf_lines(&transcript_pdf(&transcript(0))).1);
        assert!(text.contains("No credit was claimed in this period."));
        assert!(!text.contains("Totals"));
    }

    #[test]
    fn date_ranges_read_naturally() {
        assert_eq!(
            date_range(date(2026, 11, 18), date(2026, 11, 18)),
            "November 18, 2026"
        );
        assert_eq!(
            date_range(date(2026, 11, 18), date(2026, 11, 20)),
            "November 18–20, 2026"
        );
        assert_eq!(
            date_range(date(2026, 12, 30), date(2027, 1, 2)),
            "December 30, 2026 – January 2, 2027"
        );
    }
}
