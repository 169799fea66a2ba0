//! The members export: the staff members list, with the same filter, as a CSV file Excel opens
//! as UTF-8 (byte-order mark) with every text cell made formula-safe. Its columns are the
//! import's known columns plus the society's custom fields, so an export imports back cleanly
//! and changes nothing.
//!
//! [`csv_text`] is the one CSV writer of the other downloads (accounting, education, registrant
//! and event-report files).

use std::collections::HashMap;

use chapterhouse_core::import::{Column, join_groups, status_word};
use chapterhouse_core::spreadsheet::{UTF8_BOM, text_cell};
use chapterhouse_core::{CustomFieldId, PersonId};
use chapterhouse_store::{MemberFilter, NewAudit, Scoped, parse_status};

use crate::import::Progress;
use crate::membership::today;
use crate::{Actor, App, AppResult};

/// A CSV file's text: the header, then the rows, CRLF line ends, a cell quoted where it needs
/// to be (the `csv` crate). `bom`: starts with the UTF-8 byte-order mark, for files people open
/// in Excel. Text cells are made formula-safe by the caller (`spreadsheet::text_cell`), so
/// amounts stay numbers.
pub fn csv_text(
    header: impl IntoIterator<Item = impl AsRef<[u8]>>,
    rows: impl IntoIterator<Item = impl IntoIterator<Item = impl AsRef<[u8]>>>,
    bom: bool,
) -> String {
    let mut bytes = if bom {
        UTF8_BOM.as_bytes().to_vec()
    } else {
        Vec::new()
    };
    let mut writer = csv::WriterBuilder::new()
        .terminator(csv::Terminator::CRLF)
        .from_writer(&mut bytes);
    // Writing to memory cannot fail.
    let _ = writer.write_record(header);
    for row in rows {
        let _ = writer.write_record(row);
    }
    let _ = writer.flush();
    drop(writer);
    // Every cell is a `str`, so the text is UTF-8.
    String::from_utf8(bytes).unwrap_or_default()
}

/// A finished export.
#[derive(Clone, Debug)]
pub struct MembersCsv {
    pub bytes: Vec<u8>,
    pub rows: usize,
}

/// First and last name for the export. People entered by hand have only a display name: it is
/// split before its last word, which the import reads back as the same name.
fn split_name(first: &str, last: &str, display: &str) -> (String, String) {
    if !first.is_empty() || !last.is_empty() {
        return (first.to_string(), last.to_string());
    }
    match display.trim().rsplit_once(' ') {
        Some((f, l)) => (f.trim().to_string(), l.to_string()),
        None => (String::new(), display.trim().to_string()),
    }
}

/// Every member the filter selects (the members page's filter, without its page limit), in the
/// page's order. The export is recorded in the audit log.
pub async fn members_csv(
    app: &App,
    scoped: &Scoped,
    filter: &MemberFilter,
    actor: &Actor,
    progress: &dyn Progress,
) -> AppResult<MembersCsv> {
    let today = today(app, scoped);
    let rows = scoped
        .members(&MemberFilter {
            limit: i64::MAX,
            // Every matching row, whichever page the list was showing.
            page: None,
            ..filter.clone()
        })
        .await?;
    progress.begin("Exporting", rows.len() as u64);
    let data = scoped.member_export_data(today).await?;
    let fields: Vec<_> = scoped
        .custom_fields()
        .await?
        .into_iter()
        .filter(|f| !f.archived)
        .collect();

    let people: HashMap<_, _> = data.people.iter().map(|p| (p.membership_id, p)).collect();
    let mut practice: HashMap<PersonId, &str> = HashMap::new();
    for (person, name) in &data.practices {
        practice.entry(*person).or_insert(name);
    }
    let mut groups: HashMap<PersonId, Vec<&str>> = HashMap::new();
    for (person, name) in &data.groups {
        groups.entry(*person).or_default().push(name);
    }
    let values: HashMap<(CustomFieldId, PersonId), &str> = data
        .values
        .iter()
        .map(|(f, p, v)| ((*f, *p), v.as_str()))
        .collect();

    let mut bytes = UTF8_BOM.as_bytes().to_vec();
    let mut writer = csv::WriterBuilder::new()
        .terminator(csv::Terminator::CRLF)
        .from_writer(&mut bytes);
    let mut header: Vec<String> = Column::ALL.iter().map(|c| c.header().to_string()).collect();
    header.extend(fields.iter().map(|f| text_cell(&f.name).into_owned()));
    writer.write_record(&header).map_err(anyhow::Error::from)?;
    let mut written = 0;
    for row in &rows {
        let Some(person) = people.get(&row.id) else {
            continue;
        };
        let (first, last) = split_name(&person.first_name, &person.last_name, &person.display_name);
        let status = parse_status(&row.status)
            .map(status_word)
            .unwrap_or(row.status.as_str());
        let person_groups = groups
            .get(&person.person_id)
            .map(|g| join_groups(g))
            .unwrap_or_default();
        let mut record: Vec<String> = [
            person.external_id.as_deref().unwrap_or(""),
            &first,
            &last,
            practice.get(&person.person_id).copied().unwrap_or(""),
            &row.email,
            &person.phone,
            &row.level_name,
            status,
            &row.joined_on,
            row.term_end.as_deref().unwrap_or(""),
            &person_groups,
        ]
        .iter()
        .map(|cell| text_cell(cell).into_owned())
        .collect();
        record.extend(fields.iter().map(|f| {
            text_cell(values.get(&(f.id, person.person_id)).copied().unwrap_or("")).into_owned()
        }));
        writer.write_record(&record).map_err(anyhow::Error::from)?;
        written += 1;
        if written % 1000 == 0 {
            progress.advance(1000);
        }
    }
    writer.flush().map_err(anyhow::Error::from)?;
    drop(writer);
    progress.advance((written % 1000) as u64);
    progress.finish();

    let now = app.now();
    let mut tx = scoped.begin().await?;
    tx.audit(
        NewAudit {
            actor: actor.account,
            action: "members.exported",
            subject: "members.csv",
            detail: &format!("{written} members"),
            ip: &actor.ip,
        },
        now,
    )
    .await?;
    tx.commit().await?;
    Ok(MembersCsv {
        bytes,
        rows: written,
    })
}

#[cfg(test)]
mod tests {
    #[test]
    fn names_split_before_the_last_word() {
        use super::split_name;
        assert_eq!(
            split_name("Jane", "Doe", "Dr Jane Doe"),
            ("Jane".into(), "Doe".into())
        );
        assert_eq!(
            split_name("", "", "Dr Rosa Sato"),
            ("Dr Rosa".into(), "Sato".into())
        );
        assert_eq!(split_name("", "", "Cher"), ("".into(), "Cher".into()));
    }
}
