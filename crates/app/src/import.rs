//! Importing a member list (CSV): read the file (UTF-8 only, named line when it is not), map its
//! columns, dry-run it against what the society holds, and write it in one transaction. The
//! rules are `chapterhouse_core::import`; the web pages and the `chapterhouse import members`
//! command both call the functions here.

use chapterhouse_core::import::{
    self, CustomFieldDef, Problem, Report, Row, Table, Target, find_column, resolve_target,
    target_label,
};
use chapterhouse_core::signing::sha256_hex;
use chapterhouse_core::spreadsheet::strip_bom;
use chapterhouse_core::validate::file_too_large;
use chapterhouse_core::{BlobId, ImportRunId};
use chapterhouse_store::{
    ImportUpload, MAX_BLOB_BYTES, NewAudit, NewImportRun, Scoped, StoreError,
};

use crate::membership::today;
use crate::{Actor, App, AppError, AppResult};

/// Progress of a long import or export, for the command line's progress bar. Every method has
/// an empty default, so [`NoProgress`] is just the trait.
pub trait Progress: Sync {
    /// A new stage ("Checking rows") of `total` units begins.
    fn begin(&self, _stage: &str, _total: u64) {}
    fn advance(&self, _units: u64) {}
    fn finish(&self) {}
}

/// No progress shown (web requests, tests).
pub struct NoProgress;

impl Progress for NoProgress {}

/// Read an uploaded CSV file. Non-UTF-8 text (Excel's plain "CSV" is Windows-1252) is refused
/// with the first bad line; a byte-order mark is dropped; a file whose header uses semicolons
/// and no commas (Excel in many European locales) is read with semicolons.
pub fn read_csv(data: &[u8]) -> Result<Table, String> {
    let text = match std::str::from_utf8(data) {
        Ok(text) => text,
        Err(e) => {
            let line = data[..e.valid_up_to()]
                .iter()
                .filter(|b| **b == b'\n')
                .count()
                + 1;
            return Err(format!(
                "Line {line} is not UTF-8 text. The file was probably saved from Excel as plain \
                 \"CSV\", which uses the Windows-1252 encoding: open it in Excel and save it as \
                 CSV UTF-8 in Excel (File › Save As › \"CSV UTF-8 (Comma delimited)\"), then \
                 upload that file."
            ));
        }
    };
    let text = strip_bom(text);
    if text.trim().is_empty() {
        return Err("The file is empty.".into());
    }
    let first_line = text.lines().next().unwrap_or("");
    let delimiter = if first_line.contains(';') && !first_line.contains(',') {
        b';'
    } else {
        b','
    };
    let mut reader = csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .delimiter(delimiter)
        .from_reader(text.as_bytes());
    let mut table = Table::default();
    for (index, record) in reader.records().enumerate() {
        let record = record.map_err(|e| {
            let line = e.position().map(|p| p.line()).unwrap_or(index as u64 + 1);
            format!("Line {line} could not be read as CSV. Check its quotes: a value with a comma or a line break must be wrapped in double quotes.")
        })?;
        let line = record
            .position()
            .map(|p| p.line())
            .unwrap_or(index as u64 + 1);
        let cells: Vec<String> = record.iter().map(str::to_string).collect();
        if index == 0 {
            table.headers = cells.into_iter().map(|h| h.trim().to_string()).collect();
        } else {
            table.rows.push(Row { line, cells });
        }
    }
    if table.headers.iter().all(|h| h.is_empty()) {
        return Err("The first line of the file should name the columns, like \"First name,Last name,Email\".".into());
    }
    Ok(table)
}

/// Which column of the file staff pointed at.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ColumnRef {
    /// 0-based position (the mapping form).
    Index(usize),
    /// Header text (the command line's `--map "Header=field"`).
    Name(String),
}

/// Staff's choice for one column: a field key (`email`, `custom:<id>`, `ignore`), a known
/// header, or a custom field's name.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct MapOverride {
    pub column: ColumnRef,
    pub target: String,
}

impl MapOverride {
    /// `"Licence #=Licence number"` as given on the command line.
    pub fn parse(text: &str) -> Option<MapOverride> {
        let (column, target) = text.rsplit_once('=')?;
        (!column.trim().is_empty()).then(|| MapOverride {
            column: ColumnRef::Name(column.trim().to_string()),
            target: target.trim().to_string(),
        })
    }
}

/// The mapping: automatic, then staff's overrides. Overrides naming no column or no field are
/// problems on line 1, reported with the dry run.
pub fn build_mapping(
    headers: &[String],
    custom: &[CustomFieldDef],
    overrides: &[MapOverride],
) -> (Vec<Target>, Vec<Problem>) {
    let mut mapping = import::auto_map(headers, custom);
    let mut problems = Vec::new();
    for o in overrides {
        let index = match &o.column {
            ColumnRef::Index(i) if *i < headers.len() => Some(*i),
            ColumnRef::Index(_) => None,
            ColumnRef::Name(name) => find_column(headers, name),
        };
        let Some(index) = index else {
            if let ColumnRef::Name(name) = &o.column {
                problems.push(Problem {
                    line: 1,
                    message: format!(
                        "The mapping names a column \"{name}\", but the file has no such column."
                    ),
                });
            }
            continue;
        };
        match resolve_target(&o.target, custom) {
            Some(target) => mapping[index] = target,
            None => {
                let mut names: Vec<String> = import::Column::ALL
                    .iter()
                    .map(|c| c.key().to_string())
                    .collect();
                names.extend(custom.iter().map(|f| f.name.clone()));
                names.push("ignore".into());
                problems.push(Problem {
                    line: 1,
                    message: format!(
                        "\"{}\" is mapped to \"{}\", which is not a field. Use one of: {}.",
                        headers[index],
                        o.target,
                        names.join(", ")
                    ),
                });
            }
        }
    }
    (mapping, problems)
}

/// A checked file: its columns, how each is mapped, an example value per column, and the
/// report (every problem, and what an import would write).
#[derive(Clone, Debug)]
pub struct DryRun {
    pub headers: Vec<String>,
    pub mapping: Vec<Target>,
    /// The first non-empty value of each column, to help staff map it.
    pub examples: Vec<String>,
    pub custom_fields: Vec<CustomFieldDef>,
    pub report: Report,
}

impl DryRun {
    /// The field a column is mapped to, as staff read it.
    pub fn label(&self, index: usize) -> String {
        self.mapping
            .get(index)
            .map(|t| target_label(*t, &self.custom_fields))
            .unwrap_or_default()
    }
}

fn examples(table: &Table) -> Vec<String> {
    (0..table.headers.len())
        .map(|i| {
            table
                .rows
                .iter()
                .filter_map(|r| r.cells.get(i))
                .map(|c| import::uncell(c))
                .find(|c| !c.is_empty())
                .map(|c| chapterhouse_core::text::truncate_chars(c, 60))
                .unwrap_or_default()
        })
        .collect()
}

fn check(
    table: Table,
    snapshot: &import::Snapshot,
    overrides: &[MapOverride],
    today: jiff::civil::Date,
    progress: &dyn Progress,
) -> DryRun {
    progress.begin("Checking rows", table.rows.len() as u64);
    let (mapping, mapping_problems) =
        build_mapping(&table.headers, &snapshot.custom_fields, overrides);
    let mut report = import::plan(&table, &mapping, snapshot, today);
    if !mapping_problems.is_empty() {
        report.problems.splice(0..0, mapping_problems);
    }
    progress.advance(table.rows.len() as u64);
    progress.finish();
    DryRun {
        examples: examples(&table),
        headers: table.headers,
        mapping,
        custom_fields: snapshot.custom_fields.clone(),
        report,
    }
}

fn unreadable(message: String) -> AppError {
    AppError::field("file", &message)
}

/// Check a file without writing anything.
pub async fn dry_run(
    app: &App,
    scoped: &Scoped,
    data: &[u8],
    overrides: &[MapOverride],
    progress: &dyn Progress,
) -> AppResult<DryRun> {
    let table = read_csv(data).map_err(unreadable)?;
    let today = today(app, scoped);
    let snapshot = scoped.import_snapshot(today).await?;
    Ok(check(table, &snapshot, overrides, today, progress))
}

/// What an import wrote.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ImportSummary {
    pub run: ImportRunId,
    pub rows_total: usize,
    pub created: usize,
    pub updated: usize,
    pub unchanged: usize,
}

#[derive(Clone, Debug)]
pub enum ImportOutcome {
    Imported(ImportSummary),
    /// The file has problems; nothing was written.
    Refused(Box<DryRun>),
}

/// Import a file in one transaction: checked again inside the transaction (so nothing that
/// changed since the dry run slips through), then written, recorded as an import run and
/// audited. With any problem nothing is written and the dry run comes back.
pub async fn import(
    app: &App,
    scoped: &Scoped,
    file_name: &str,
    data: &[u8],
    overrides: &[MapOverride],
    actor: &Actor,
    progress: &dyn Progress,
) -> AppResult<ImportOutcome> {
    let source = Source {
        file_name,
        data,
        upload: None,
    };
    import_source(app, scoped, source, overrides, actor, progress).await
}

/// Import a member list uploaded on the import page, as [`import`] does; the upload is deleted
/// in the import's transaction (a refused file stays, to be mapped again or discarded).
pub async fn import_upload(
    app: &App,
    scoped: &Scoped,
    upload: &ImportUpload,
    overrides: &[MapOverride],
    actor: &Actor,
    progress: &dyn Progress,
) -> AppResult<ImportOutcome> {
    let source = Source {
        file_name: &upload.file_name,
        data: &upload.data,
        upload: Some(upload.blob_id),
    };
    import_source(app, scoped, source, overrides, actor, progress).await
}

/// What is imported: the file, and the upload it waited in (deleted by the import).
struct Source<'a> {
    file_name: &'a str,
    data: &'a [u8],
    upload: Option<BlobId>,
}

async fn import_source(
    app: &App,
    scoped: &Scoped,
    source: Source<'_>,
    overrides: &[MapOverride],
    actor: &Actor,
    progress: &dyn Progress,
) -> AppResult<ImportOutcome> {
    let Source {
        file_name,
        data,
        upload,
    } = source;
    let table = read_csv(data).map_err(unreadable)?;
    let today = today(app, scoped);
    let now = app.now();
    let mut tx = scoped.begin().await?;
    let snapshot = tx.import_snapshot(today).await?;
    let checked = check(table, &snapshot, overrides, today, progress);
    if !checked.report.is_clean() {
        return Ok(ImportOutcome::Refused(Box::new(checked)));
    }
    let plan = &checked.report.plan;
    progress.begin("Writing", plan.writes() as u64);
    let advance = |n: u64| progress.advance(n);
    match tx.apply_import_plan(plan, today, now, &advance).await {
        Err(StoreError::Conflict(_)) => return Err(AppError::Stale),
        other => other?,
    }
    progress.finish();
    let sha256 = sha256_hex(data);
    let run = tx
        .insert_import_run(
            &NewImportRun {
                file_name,
                sha256: &sha256,
                rows_total: plan.rows_total as i64,
                created: plan.created as i64,
                updated: plan.updated as i64,
                unchanged: plan.unchanged as i64,
                created_by: actor.account,
            },
            now,
        )
        .await?;
    if let Some(blob) = upload {
        tx.delete_import_upload(blob).await?;
    }
    tx.audit(
        NewAudit {
            actor: actor.account,
            action: "members.imported",
            subject: file_name,
            detail: &format!(
                "{} rows: {} new, {} updated, {} unchanged",
                plan.rows_total, plan.created, plan.updated, plan.unchanged
            ),
            ip: &actor.ip,
        },
        now,
    )
    .await?;
    tx.commit().await?;
    Ok(ImportOutcome::Imported(ImportSummary {
        run,
        rows_total: plan.rows_total,
        created: plan.created,
        updated: plan.updated,
        unchanged: plan.unchanged,
    }))
}

/// Staff give up on an uploaded member list: it is deleted, nothing imported. Not found when
/// this society has no such upload.
pub async fn discard_upload(
    app: &App,
    scoped: &Scoped,
    blob: BlobId,
    actor: &Actor,
) -> AppResult<()> {
    let upload = scoped
        .import_upload(blob)
        .await?
        .ok_or(AppError::NotFound)?;
    let now = app.now();
    let mut tx = scoped.begin().await?;
    if !tx.delete_import_upload(blob).await? {
        return Err(AppError::NotFound);
    }
    tx.audit(
        NewAudit {
            actor: actor.account,
            action: "members.import_discarded",
            subject: &upload.file_name,
            detail: "",
            ip: &actor.ip,
        },
        now,
    )
    .await?;
    tx.commit().await?;
    Ok(())
}

/// How long an upload waits for its import before the daily maintenance deletes it.
pub const UPLOAD_KEPT_DAYS: i64 = 7;

/// Delete the uploads older than [`UPLOAD_KEPT_DAYS`] (run by the daily maintenance job).
/// Returns how many.
pub async fn delete_stale_uploads(app: &App, scoped: &Scoped) -> AppResult<u64> {
    let before = app.now().plus_seconds(-UPLOAD_KEPT_DAYS * 86_400);
    let mut tx = scoped.begin().await?;
    let mut deleted = tx.delete_import_uploads_before(before).await?;
    // Zoom attendance reports uploaded and never confirmed (`attendance_import`).
    deleted += tx.delete_attendance_uploads_before(before).await?;
    tx.commit().await?;
    Ok(deleted)
}

/// The name an upload is kept under: its last path part, printable, at most 200 characters.
fn clean_file_name(name: &str) -> String {
    let last = name.rsplit(['/', '\\']).next().unwrap_or("");
    let printable: String = last.chars().filter(|c| !c.is_control()).collect();
    let trimmed = chapterhouse_core::text::truncate_chars(printable.trim(), 200);
    if trimmed.is_empty() {
        "members.csv".into()
    } else {
        trimmed
    }
}

/// Keep an uploaded member list until staff have mapped, checked and imported it. A file that
/// cannot be read (not UTF-8, not CSV, empty, too large) is refused at once with the reason.
pub async fn upload(
    app: &App,
    scoped: &Scoped,
    file_name: &str,
    data: &[u8],
    actor: &Actor,
) -> AppResult<BlobId> {
    if file_name.trim().is_empty() && data.is_empty() {
        return Err(AppError::field("file", "Choose a CSV file to upload."));
    }
    if data.len() > MAX_BLOB_BYTES {
        return Err(AppError::field(
            "file",
            &format!(
                "{} Split it into smaller files, or import it with the chapterhouse import members command.",
                file_too_large(data.len() as u64, MAX_BLOB_BYTES as u64)
            ),
        ));
    }
    read_csv(data).map_err(unreadable)?;
    let name = clean_file_name(file_name);
    let now = app.now();
    let mut tx = scoped.begin().await?;
    let blob = tx.insert_blob("text/csv", data, now).await?;
    tx.insert_import_upload(blob, &name, actor.account, now)
        .await?;
    tx.audit(
        NewAudit {
            actor: actor.account,
            action: "members.import_uploaded",
            subject: &name,
            detail: &format!("{} bytes", data.len()),
            ip: &actor.ip,
        },
        now,
    )
    .await?;
    tx.commit().await?;
    Ok(blob)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn windows_1252_is_refused_naming_the_line() {
        let data = b"User ID,First name,Email\n1,Ana,ana@example.org\n2,Jos\xe9,jose@example.org\n";
        let message = read_csv(data).unwrap_err();
        assert!(message.starts_with("Line 3 is not UTF-8 text"), "{message}");
        assert!(
            message.contains("save it as CSV UTF-8 in Excel"),
            "{message}"
        );
    }

    #[test]
    fn the_bom_is_dropped_and_quoted_line_breaks_keep_line_numbers() {
        let data = "\u{feff}Email,Notes\na@example.org,\"two\nlines\"\nb@example.org,x\n";
        let table = read_csv(data.as_bytes()).unwrap();
        assert_eq!(table.headers, vec!["Email", "Notes"]);
        assert_eq!(table.rows[0].line, 2);
        assert_eq!(table.rows[0].cells[1], "two\nlines");
        assert_eq!(table.rows[1].line, 4);
    }

    #[test]
    fn semicolon_files_and_empty_files() {
        let table = read_csv(b"Email;First name\na@example.org;Ana\n").unwrap();
        assert_eq!(table.rows[0].cells, vec!["a@example.org", "Ana"]);
        assert_eq!(read_csv(b"").unwrap_err(), "The file is empty.");
        assert_eq!(
            read_csv(b"\xef\xbb\xbf\r\n").unwrap_err(),
            "The file is empty."
        );
    }

    #[test]
    fn overrides_from_the_command_line() {
        assert_eq!(
            MapOverride::parse("Licence # = Licence number"),
            Some(MapOverride {
                column: ColumnRef::Name("Licence #".into()),
                target: "Licence number".into()
            })
        );
        assert_eq!(MapOverride::parse("no equals"), None);
        let headers = vec!["Mail".to_string(), "Notes".to_string()];
        let (mapping, problems) = build_mapping(
            &headers,
            &[],
            &[
                MapOverride::parse("mail=email").unwrap(),
                MapOverride::parse("Notes=shoe size").unwrap(),
                MapOverride::parse("Fax=phone").unwrap(),
            ],
        );
        assert_eq!(mapping[0], Target::Column(import::Column::Email));
        assert_eq!(mapping[1], Target::Ignore);
        assert_eq!(problems.len(), 2);
        assert!(
            problems[0]
                .message
                .contains("\"Notes\" is mapped to \"shoe size\"")
        );
        assert!(problems[1].message.contains("no such column"));
    }

    #[test]
    fn upload_names_are_cleaned() {
        assert_eq!(clean_file_name("C:\\Users\\me\\members.csv"), "members.csv");
        assert_eq!(clean_file_name("../x\u{7}.csv"), "x.csv");
        assert_eq!(clean_file_name(""), "members.csv");
    }
}
