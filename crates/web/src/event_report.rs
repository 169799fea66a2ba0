//! The staff report of one event (`/staff/events/{id}/report`) and its per-type table as CSV.

use askama::Template;
use axum::extract::Path;
use axum::http::{StatusCode, header};
use axum::response::IntoResponse;
use chapterhouse_app::event_report::{self, dollars, session_when};
use chapterhouse_core::Timestamp;
use chapterhouse_core::events as rules;

use crate::ctx::{Chrome, RequireRole, Staff};
use crate::error::WebResult;
use crate::staff_events::load_event;
use crate::views::render;

/// Where the education pages show an activity's evaluation results.
pub fn evaluation_results_path(activity: &str) -> String {
    format!("/staff/education/{activity}/results")
}

pub struct TypeLine {
    pub name: String,
    pub is_industry: bool,
    /// "3 (5 seats)" per status.
    pub cells: Vec<String>,
    pub seats_taken: i64,
}

pub struct MoneyLine {
    pub account: String,
    pub amount: String,
}

pub struct SessionLine {
    pub title: String,
    pub when: String,
    pub learners: usize,
}

#[derive(Template)]
#[template(path = "staff/events/report.html")]
pub struct ReportView {
    pub chrome: Chrome,
    pub event_id: String,
    pub title: String,
    pub when: String,
    pub statuses: Vec<String>,
    pub types: Vec<TypeLine>,
    pub totals: TypeLine,
    pub revenue: Vec<MoneyLine>,
    pub revenue_total: String,
    pub sessions: Vec<SessionLine>,
    pub learners_any: usize,
    pub evaluation_href: String,
}

fn cell(c: &event_report::Count) -> String {
    if c.registrations == c.seats {
        c.registrations.to_string()
    } else {
        format!("{} ({} seats)", c.registrations, c.seats)
    }
}

pub async fn report(RequireRole { ctx, .. }: Staff, Path(id): Path<String>) -> WebResult {
    let event = load_event(&ctx, &id).await?;
    let r = event_report::event_report(&ctx.scoped, event.id).await?;
    let zone = event.time_zone.clone();
    render(
        StatusCode::OK,
        &ReportView {
            chrome: ctx.chrome(None).await?,
            event_id: event.id.to_string(),
            title: event.title.clone(),
            when: rules::when_words(Timestamp(event.starts_at), Timestamp(event.ends_at), &zone),
            statuses: r.statuses.iter().map(|s| s.label().to_string()).collect(),
            types: r
                .types
                .iter()
                .map(|t| TypeLine {
                    name: t.name.clone(),
                    is_industry: t.is_industry,
                    cells: t.by_status.iter().map(cell).collect(),
                    seats_taken: t.seats_taken,
                })
                .collect(),
            totals: TypeLine {
                name: "Total".into(),
                is_industry: false,
                cells: r.totals.iter().map(cell).collect(),
                seats_taken: r.seats_taken,
            },
            revenue: r
                .revenue
                .iter()
                .map(|m| MoneyLine {
                    account: format!("{} {}", m.code, m.name),
                    amount: format!("${}", dollars(m.cents)),
                })
                .collect(),
            revenue_total: format!("${}", dollars(r.revenue_total)),
            sessions: r
                .attendance
                .iter()
                .map(|s| SessionLine {
                    title: s.title.clone(),
                    when: session_when(s.starts_at, &zone),
                    learners: s.learners,
                })
                .collect(),
            learners_any: r.learners_any,
            evaluation_href: r
                .activity
                .map(|a| evaluation_results_path(&a.to_string()))
                .unwrap_or_default(),
        },
    )
}

pub async fn report_csv(RequireRole { ctx, .. }: Staff, Path(id): Path<String>) -> WebResult {
    let event = load_event(&ctx, &id).await?;
    let r = event_report::event_report(&ctx.scoped, event.id).await?;
    Ok((
        [
            (header::CONTENT_TYPE, "text/csv; charset=utf-8".to_string()),
            (
                header::CONTENT_DISPOSITION,
                format!("attachment; filename=\"registrations-{}.csv\"", event.slug),
            ),
        ],
        event_report::types_csv(&r),
    )
        .into_response())
}
