//! `chapterhouse import members` and `chapterhouse export members`: the staff pages' import and
//! export for files too large to upload, or for scripts. Same use-cases, same rules; a progress
//! bar on stderr when it is a terminal.

use std::io::{IsTerminal, Write};
use std::path::{Path, PathBuf};
use std::sync::Mutex;

use chapterhouse_app::export::members_csv;
use chapterhouse_app::import::{self, DryRun, ImportOutcome, MapOverride, Progress};
use chapterhouse_app::{Actor, App};
use chapterhouse_store::{MemberFilter, Scoped, parse_status};
use clap::Subcommand;
use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};

#[derive(Subcommand)]
pub enum ImportCommand {
    /// Import a member list (CSV) into a society. Every problem row is listed and nothing is
    /// written while any remains; importing the same file again changes nothing.
    Members {
        /// The society's slug.
        #[arg(long)]
        society: String,
        /// The CSV file (UTF-8).
        file: PathBuf,
        /// Check the file and list every problem without writing anything.
        #[arg(long)]
        dry_run: bool,
        /// Read a column as a field: "Column=field", where field is one of user_id,
        /// first_name, last_name, organization, email, phone, level, status, member_since,
        /// renewal_due, groups, a custom field's name, or ignore. Repeat for more columns.
        #[arg(long = "map", value_name = "COLUMN=FIELD")]
        map: Vec<String>,
    },
}

#[derive(Subcommand)]
pub enum ExportCommand {
    /// Export a society's members as CSV (UTF-8 with a byte-order mark, for Excel).
    Members {
        /// The society's slug.
        #[arg(long)]
        society: String,
        /// Only members with this status: active, grace, pending, lapsed, suspended, cancelled.
        #[arg(long)]
        status: Option<String>,
        /// Write to this file instead of standard output.
        #[arg(short = 'o', long = "output")]
        output: Option<PathBuf>,
    },
}

/// A progress bar per stage on stderr, or nothing when stderr is not a terminal.
struct Bar {
    visible: bool,
    current: Mutex<Option<ProgressBar>>,
}

impl Bar {
    fn new() -> Bar {
        Bar {
            visible: std::io::stderr().is_terminal(),
            current: Mutex::new(None),
        }
    }
}

impl Progress for Bar {
    fn begin(&self, stage: &str, total: u64) {
        let bar = if self.visible {
            let bar = ProgressBar::with_draw_target(Some(total), ProgressDrawTarget::stderr());
            if let Ok(style) =
                ProgressStyle::with_template("{msg:<14} [{bar:40}] {pos}/{len} ({elapsed})")
            {
                bar.set_style(style.progress_chars("=> "));
            }
            bar.set_message(stage.to_string());
            bar
        } else {
            ProgressBar::hidden()
        };
        if let Ok(mut current) = self.current.lock()
            && let Some(old) = current.replace(bar)
        {
            old.finish_and_clear();
        }
    }

    fn advance(&self, units: u64) {
        if let Ok(current) = self.current.lock()
            && let Some(bar) = current.as_ref()
        {
            bar.inc(units);
        }
    }

    fn finish(&self) {
        if let Ok(mut current) = self.current.lock()
            && let Some(bar) = current.take()
        {
            bar.finish_and_clear();
        }
    }
}

async fn scoped(app: &App, slug: &str) -> anyhow::Result<Scoped> {
    let society = app
        .store
        .society_by_slug(slug)
        .await?
        .ok_or_else(|| anyhow::anyhow!("no society has the slug {slug:?}"))?;
    Ok(app.scoped(&society))
}

fn app_error(error: chapterhouse_app::AppError) -> anyhow::Error {
    match error {
        chapterhouse_app::AppError::Invalid(errors) => {
            anyhow::anyhow!(
                "{}",
                errors
                    .0
                    .into_iter()
                    .map(|(_, m)| m)
                    .collect::<Vec<_>>()
                    .join(" ")
            )
        }
        chapterhouse_app::AppError::Stale => anyhow::anyhow!(
            "members changed while the file was being imported; nothing was imported, run it again"
        ),
        other => anyhow::anyhow!("{other:#}"),
    }
}

fn print_problems(file: &Path, dry: &DryRun) -> anyhow::Error {
    let mut stderr = std::io::stderr().lock();
    for problem in &dry.report.problems {
        let place = if problem.line <= 1 {
            "header".to_string()
        } else {
            format!("line {}", problem.line)
        };
        let _ = writeln!(stderr, "{}: {place}: {}", file.display(), problem.message);
    }
    let count = dry.report.problems.len();
    anyhow::anyhow!(
        "{count} problem{} in {}: nothing was imported",
        if count == 1 { "" } else { "s" },
        file.display()
    )
}

pub async fn import(app: &App, command: ImportCommand) -> anyhow::Result<()> {
    let ImportCommand::Members {
        society,
        file,
        dry_run,
        map,
    } = command;
    let scoped = scoped(app, &society).await?;
    let overrides = map
        .iter()
        .map(|m| {
            MapOverride::parse(m).ok_or_else(|| {
                anyhow::anyhow!(
                    "--map {m:?}: write it as \"Column=field\", e.g. \"E-mail address=email\""
                )
            })
        })
        .collect::<anyhow::Result<Vec<_>>>()?;
    let data =
        std::fs::read(&file).map_err(|e| anyhow::anyhow!("cannot read {}: {e}", file.display()))?;
    let bar = Bar::new();
    let name = file
        .file_name()
        .map(|n| n.to_string_lossy().to_string())
        .unwrap_or_else(|| "members.csv".into());
    if dry_run {
        let dry = import::dry_run(app, &scoped, &data, &overrides, &bar)
            .await
            .map_err(app_error)?;
        if !dry.report.is_clean() {
            return Err(print_problems(&file, &dry));
        }
        let plan = &dry.report.plan;
        println!(
            "{name}: no problems; {} rows would be imported: {} new, {} updated, {} unchanged (dry run: nothing written)",
            plan.rows_total, plan.created, plan.updated, plan.unchanged
        );
        return Ok(());
    }
    match import::import(
        app,
        &scoped,
        &name,
        &data,
        &overrides,
        &Actor::anonymous("cli"),
        &bar,
    )
    .await
    .map_err(app_error)?
    {
        ImportOutcome::Refused(dry) => Err(print_problems(&file, &dry)),
        ImportOutcome::Imported(summary) => {
            println!(
                "{name}: imported {} rows: {} new, {} updated, {} unchanged",
                summary.rows_total, summary.created, summary.updated, summary.unchanged
            );
            Ok(())
        }
    }
}

pub async fn export(app: &App, command: ExportCommand) -> anyhow::Result<()> {
    let ExportCommand::Members {
        society,
        status,
        output,
    } = command;
    let scoped = scoped(app, &society).await?;
    let status = match status.as_deref() {
        None => None,
        Some(text) => Some(parse_status(&text.to_lowercase()).ok_or_else(|| {
            anyhow::anyhow!(
                "unknown status {text:?}: use active, grace, pending, lapsed, suspended or cancelled"
            )
        })?),
    };
    let filter = MemberFilter {
        status,
        ..Default::default()
    };
    let bar = Bar::new();
    let export = members_csv(app, &scoped, &filter, &Actor::anonymous("cli"), &bar)
        .await
        .map_err(app_error)?;
    match output {
        Some(path) => {
            std::fs::write(&path, &export.bytes)
                .map_err(|e| anyhow::anyhow!("cannot write {}: {e}", path.display()))?;
            eprintln!("exported {} members to {}", export.rows, path.display());
        }
        None => {
            let mut stdout = std::io::stdout().lock();
            stdout.write_all(&export.bytes)?;
            stdout.flush()?;
        }
    }
    Ok(())
}
