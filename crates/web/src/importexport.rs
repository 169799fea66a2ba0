//! Staff pages for member-list import (upload → mapping and dry run → import) and the members
//! CSV export. The upload is kept in the database between the steps; nothing is imported until
//! the dry run is clean and staff press Import.

use askama::Template;
use axum::extract::multipart::{Multipart, MultipartError, MultipartRejection};
use axum::extract::{Path, Query};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Redirect};
use chapterhouse_app::AppError;
use chapterhouse_app::export::members_csv;
use chapterhouse_app::import::{self, ColumnRef, DryRun, ImportOutcome, MapOverride, NoProgress};
use chapterhouse_core::import::{Column, Target};
use chapterhouse_core::validate::{FieldErrors, size_words};
use chapterhouse_core::{BlobId, Timestamp};
use chapterhouse_store::{ImportRun, ImportUpload, MAX_BLOB_BYTES};
use serde::Deserialize;

use crate::ctx::{Admin, Chrome, Ctx, Form, RequireRole, Staff};
use crate::error::{WebError, WebResult};
use crate::forms::upload_error;
use crate::views::{form_status, render};
use chapterhouse_app::member_list::MemberQuery;

/// The largest member list the upload takes: the route's body limit and the page's hint.
pub const MAX_FILE: usize = MAX_BLOB_BYTES;

/// An import run as the list shows it.
pub struct RunRow {
    pub when: String,
    pub file_name: String,
    pub by: String,
    pub rows_total: i64,
    pub created: i64,
    pub updated: i64,
    pub unchanged: i64,
}

#[derive(Template)]
#[template(path = "staff/import.html")]
pub struct ImportView {
    pub chrome: Chrome,
    pub errors: FieldErrors,
    pub runs: Vec<RunRow>,
    pub columns: Vec<&'static str>,
    pub custom_fields: Vec<String>,
    /// The largest upload this site accepts, for the hint ("1 MB").
    pub max_upload: String,
}

async fn import_view(ctx: &Ctx, errors: FieldErrors, notice: Option<String>) -> WebResult {
    let zone = ctx.society().time_zone.clone();
    let runs = ctx
        .scoped
        .import_runs(20)
        .await?
        .into_iter()
        .map(|r| RunRow {
            when: Timestamp(r.created_at).display_in(&zone),
            file_name: r.file_name,
            by: r.created_by_name.unwrap_or_else(|| "Command line".into()),
            rows_total: r.rows_total,
            created: r.created,
            updated: r.updated,
            unchanged: r.unchanged,
        })
        .collect();
    let custom_fields = ctx
        .scoped
        .custom_fields()
        .await?
        .into_iter()
        .filter(|f| !f.archived)
        .map(|f| f.name)
        .collect();
    render(
        form_status(&errors),
        &ImportView {
            chrome: ctx.chrome(notice).await?,
            errors,
            runs,
            columns: Column::ALL.iter().map(|c| c.header()).collect(),
            custom_fields,
            max_upload: size_words(MAX_FILE as u64),
        },
    )
}

#[derive(Deserialize, Default)]
pub struct RunQuery {
    #[serde(default)]
    run: String,
    /// `discarded`, or `gone` (an Import pressed for a file no longer waiting).
    #[serde(default)]
    done: String,
}

fn run_notice(run: &ImportRun) -> String {
    format!(
        "Imported {}: {} rows, {} new, {} updated, {} unchanged.",
        run.file_name, run.rows_total, run.created, run.updated, run.unchanged
    )
}

pub async fn import_page(RequireRole { ctx, .. }: Admin, Query(q): Query<RunQuery>) -> WebResult {
    let notice = if q.done == "discarded" {
        Some("The file was discarded. Nothing was imported from it.".to_string())
    } else if q.done == "gone" {
        Some(
            "That file is no longer waiting to be imported: it was imported, discarded, or uploaded more than a week ago. Earlier imports are listed below."
                .to_string(),
        )
    } else if q.run.is_empty() {
        None
    } else {
        ctx.scoped
            .import_runs(20)
            .await?
            .iter()
            .find(|r| r.id.to_string() == q.run)
            .map(run_notice)
    };
    import_view(&ctx, FieldErrors::new(), notice).await
}

fn unreadable_upload(error: MultipartError) -> WebError {
    upload_error(error, MAX_FILE)
}

/// The upload form: `multipart/form-data` with `csrf` and `file`. The CSRF token is checked
/// before anything is stored.
pub async fn upload(
    RequireRole { ctx, .. }: Admin,
    multipart: Result<Multipart, MultipartRejection>,
) -> WebResult {
    let mut multipart = multipart.map_err(|_| {
        WebError::BadRequest("The upload could not be read. Reload the page and try again.".into())
    })?;
    let mut csrf = String::new();
    let mut file_name = String::new();
    let mut data = Vec::new();
    while let Some(field) = multipart.next_field().await.map_err(unreadable_upload)? {
        match field.name() {
            Some("csrf") => csrf = field.text().await.map_err(unreadable_upload)?,
            Some("file") => {
                file_name = field.file_name().unwrap_or("").to_string();
                data = field.bytes().await.map_err(unreadable_upload)?.to_vec();
            }
            _ => {}
        }
    }
    ctx.check_csrf(&csrf)?;
    match import::upload(&ctx.app, &ctx.scoped, &file_name, &data, &ctx.actor).await {
        Ok(blob) => Ok(Redirect::to(&format!("/staff/import/{blob}")).into_response()),
        Err(AppError::Invalid(errors)) => import_view(&ctx, errors, None).await,
        Err(e) => Err(e.into()),
    }
}

/// One column of the file on the mapping form.
pub struct ColumnRow {
    pub index: usize,
    pub header: String,
    pub example: String,
    pub selected: String,
}

/// One line of the problem list.
pub struct ProblemRow {
    pub line: String,
    pub message: String,
}

#[derive(Template)]
#[template(path = "staff/import_check.html")]
pub struct CheckView {
    pub chrome: Chrome,
    pub blob_id: String,
    pub file_name: String,
    pub columns: Vec<ColumnRow>,
    /// (key, label) of every target a column can be mapped to.
    pub targets: Vec<(String, String)>,
    pub problems: Vec<ProblemRow>,
    pub problem_rows: usize,
    pub rows_total: usize,
    pub created: usize,
    pub updated: usize,
    pub unchanged: usize,
}

fn column_rows(dry: &DryRun) -> Vec<ColumnRow> {
    dry.headers
        .iter()
        .enumerate()
        .map(|(index, header)| ColumnRow {
            index,
            header: if header.is_empty() {
                format!("Column {}", index + 1)
            } else {
                header.clone()
            },
            example: dry.examples.get(index).cloned().unwrap_or_default(),
            selected: dry.mapping.get(index).map(Target::key).unwrap_or_default(),
        })
        .collect()
}

async fn render_check(
    ctx: &Ctx,
    upload: &ImportUpload,
    dry: &DryRun,
    status: StatusCode,
) -> WebResult {
    let mut targets = vec![(Target::Ignore.key(), "Ignore this column".to_string())];
    targets.extend(
        Column::ALL
            .iter()
            .map(|c| (Target::Column(*c).key(), c.header().to_string())),
    );
    targets.extend(dry.custom_fields.iter().map(|f| {
        (
            Target::Custom(f.id).key(),
            format!("Custom field: {}", f.name),
        )
    }));
    let report = &dry.report;
    let mut lines: Vec<u64> = report.problems.iter().map(|p| p.line).collect();
    lines.dedup();
    let problem_rows = lines.iter().filter(|l| **l > 1).count();
    render(
        status,
        &CheckView {
            chrome: ctx.chrome(None).await?,
            blob_id: upload.blob_id.to_string(),
            file_name: upload.file_name.clone(),
            columns: column_rows(dry),
            targets,
            problems: report
                .problems
                .iter()
                .map(|p| ProblemRow {
                    line: if p.line <= 1 {
                        "Header".into()
                    } else {
                        p.line.to_string()
                    },
                    message: p.message.clone(),
                })
                .collect(),
            problem_rows,
            rows_total: report.plan.rows_total,
            created: report.plan.created,
            updated: report.plan.updated,
            unchanged: report.plan.unchanged,
        },
    )
}

/// The mapping form's fields (`col_<index>` = target key) as overrides.
fn overrides(pairs: &[(String, String)]) -> Vec<MapOverride> {
    pairs
        .iter()
        .filter_map(|(k, v)| {
            let index = k.strip_prefix("col_")?.parse::<usize>().ok()?;
            Some(MapOverride {
                column: ColumnRef::Index(index),
                target: v.clone(),
            })
        })
        .collect()
}

async fn find_upload(ctx: &Ctx, blob: &str) -> Result<ImportUpload, WebError> {
    let blob: BlobId = blob.parse().map_err(|_| WebError::NotFound)?;
    ctx.scoped
        .import_upload(blob)
        .await?
        .ok_or(WebError::NotFound)
}

/// The mapping and the dry run. The mapping form is a GET to this page, so checking again
/// with another mapping changes nothing.
pub async fn check(
    RequireRole { ctx, .. }: Admin,
    Path(blob): Path<String>,
    Query(mapping): Query<Vec<(String, String)>>,
) -> WebResult {
    let upload = find_upload(&ctx, &blob).await?;
    let dry = import::dry_run(
        &ctx.app,
        &ctx.scoped,
        &upload.data,
        &overrides(&mapping),
        &NoProgress,
    )
    .await?;
    render_check(&ctx, &upload, &dry, StatusCode::OK).await
}

pub async fn apply(
    RequireRole { ctx, .. }: Admin,
    Path(blob): Path<String>,
    Form(post): Form<Vec<(String, String)>>,
) -> WebResult {
    ctx.check_csrf(crate::forms::csrf_of(&post))?;
    let upload = match find_upload(&ctx, &blob).await {
        Ok(upload) => upload,
        // Imported already (a second tab, a double click), discarded, or expired.
        Err(WebError::NotFound) => {
            return Ok(Redirect::to("/staff/import?done=gone").into_response());
        }
        Err(e) => return Err(e),
    };
    match import::import_upload(
        &ctx.app,
        &ctx.scoped,
        &upload,
        &overrides(&post),
        &ctx.actor,
        &NoProgress,
    )
    .await?
    {
        ImportOutcome::Imported(summary) => {
            Ok(Redirect::to(&format!("/staff/import?run={}", summary.run)).into_response())
        }
        ImportOutcome::Refused(dry) => {
            render_check(&ctx, &upload, &dry, StatusCode::UNPROCESSABLE_ENTITY).await
        }
    }
}

/// Staff give up on an uploaded file: it is deleted and nothing is imported.
pub async fn discard(
    RequireRole { ctx, .. }: Admin,
    Path(blob): Path<String>,
    Form(post): Form<crate::forms::CsrfOnly>,
) -> WebResult {
    ctx.check_csrf(&post.csrf)?;
    let blob: BlobId = blob.parse().map_err(|_| WebError::NotFound)?;
    match import::discard_upload(&ctx.app, &ctx.scoped, blob, &ctx.actor).await {
        Ok(()) => Ok(Redirect::to("/staff/import?done=discarded").into_response()),
        Err(AppError::NotFound) => Ok(Redirect::to("/staff/import?done=gone").into_response()),
        Err(e) => Err(e.into()),
    }
}

/// More rows than any society has: an export is never cut to a page.
const EXPORT_LIMIT: i64 = 10_000_000;

/// The members list as CSV, with the members page's filter.
pub async fn export_members(
    RequireRole { ctx, .. }: Staff,
    Query(q): Query<MemberQuery>,
) -> WebResult {
    let date = chapterhouse_app::membership::today(&ctx.app, &ctx.scoped);
    // The whole filtered list, not one page of it.
    let filter = q.to_filter(date, EXPORT_LIMIT);
    let export = members_csv(&ctx.app, &ctx.scoped, &filter, &ctx.actor, &NoProgress).await?;
    Ok((
        [
            (header::CONTENT_TYPE, "text/csv; charset=utf-8".to_string()),
            (
                header::CONTENT_DISPOSITION,
                format!("attachment; filename=\"members-{date}.csv\""),
            ),
            (header::CACHE_CONTROL, "no-store".to_string()),
        ],
        export.bytes,
    )
        .into_response())
}
