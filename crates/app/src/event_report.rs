//! The staff report of one event: registrations per type and status with seats, revenue by
//! revenue account (what was paid on the event's registration invoices, shared among each
//! invoice's lines), attendance per session counting learners only (industry and exhibitor
//! registrants never count), and whether the event has an education activity.

use std::collections::{BTreeMap, HashSet};

use chapterhouse_core::checkin::{PaidLine, share_paid};
use chapterhouse_core::registration::RegStatus;
use chapterhouse_core::spreadsheet::text_cell;
use chapterhouse_core::{ActivityId, EventId, PersonId, Timestamp};
use chapterhouse_store::Scoped;

use crate::export::csv_text;
use crate::{AppError, AppResult};

/// Registrations and seats for one status.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Count {
    pub registrations: i64,
    pub seats: i64,
}

/// One registration type's row.
#[derive(Clone, Debug)]
pub struct TypeCounts {
    pub name: String,
    pub is_industry: bool,
    /// In the order of `RegStatus::ALL`.
    pub by_status: Vec<Count>,
    /// Seats held now (confirmed, awaiting payment, offered).
    pub seats_taken: i64,
}

/// One revenue account's row.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RevenueRow {
    pub code: String,
    pub name: String,
    pub cents: i64,
}

/// One session's (or the whole event's) attendance.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SessionCount {
    pub title: String,
    pub starts_at: Option<i64>,
    /// Learners who attended (not registered as industry).
    pub learners: usize,
}

#[derive(Clone, Debug)]
pub struct EventReport {
    pub statuses: Vec<RegStatus>,
    pub types: Vec<TypeCounts>,
    pub totals: Vec<Count>,
    pub seats_taken: i64,
    pub revenue: Vec<RevenueRow>,
    pub revenue_total: i64,
    /// A row per session, by time; an event without sessions has one "Whole event" row.
    pub attendance: Vec<SessionCount>,
    /// Learners who attended any part.
    pub learners_any: usize,
    pub activity: Option<ActivityId>,
}

pub async fn event_report(scoped: &Scoped, event: EventId) -> AppResult<EventReport> {
    scoped.event(event).await?.ok_or(AppError::NotFound)?;
    let statuses = RegStatus::ALL.to_vec();

    // Per type and status.
    let counts = scoped.registration_counts(event).await?;
    let mut types = Vec::new();
    let mut totals = vec![Count::default(); statuses.len()];
    let mut seats_taken = 0;
    for t in scoped.registration_types(event).await? {
        let mut row = TypeCounts {
            name: t.name.clone(),
            is_industry: t.is_industry,
            by_status: vec![Count::default(); statuses.len()],
            seats_taken: 0,
        };
        for c in counts.iter().filter(|c| c.registration_type_id == t.id) {
            if let Some(i) = statuses.iter().position(|s| s.as_str() == c.status) {
                row.by_status[i].registrations += c.registrations;
                row.by_status[i].seats += c.seats;
                totals[i].registrations += c.registrations;
                totals[i].seats += c.seats;
                if statuses[i].takes_seats() {
                    row.seats_taken += c.seats;
                }
            }
        }
        seats_taken += row.seats_taken;
        types.push(row);
    }

    // Revenue: each invoice's payments less refunds shared among its lines.
    let mut by_account: BTreeMap<(String, String), i64> = BTreeMap::new();
    let lines = scoped.event_revenue_lines(event).await?;
    let mut i = 0;
    while i < lines.len() {
        let invoice = lines[i].invoice_id;
        let group: Vec<_> = lines[i..]
            .iter()
            .take_while(|l| l.invoice_id == invoice)
            .collect();
        i += group.len();
        let paid = group[0].paid_cents;
        let shares = share_paid(
            &group
                .iter()
                .map(|l| PaidLine {
                    account: (l.account_code.clone(), l.account_name.clone()),
                    amount_cents: l.amount_cents,
                })
                .collect::<Vec<_>>(),
            paid,
        );
        for (account, cents) in shares {
            *by_account.entry(account).or_default() += cents;
        }
    }
    let revenue: Vec<RevenueRow> = by_account
        .into_iter()
        .map(|((code, name), cents)| RevenueRow { code, name, cents })
        .collect();
    let revenue_total = revenue.iter().map(|r| r.cents).sum();

    // Attendance: learners only; a whole-event row counts for every session.
    let rows = scoped.event_attendance(event).await?;
    let learners: Vec<_> = rows
        .iter()
        .filter(|a| a.attended && !a.is_industry)
        .collect();
    let whole: HashSet<PersonId> = learners
        .iter()
        .filter(|a| a.session_id.is_none())
        .map(|a| a.person_id)
        .collect();
    let sessions = scoped.event_sessions(event).await?;
    let mut attendance = Vec::new();
    if sessions.is_empty() {
        attendance.push(SessionCount {
            title: "Whole event".into(),
            starts_at: None,
            learners: whole.len(),
        });
    }
    for s in &sessions {
        let mut people = whole.clone();
        people.extend(
            learners
                .iter()
                .filter(|a| a.session_id == Some(s.id.0))
                .map(|a| a.person_id),
        );
        attendance.push(SessionCount {
            title: s.title.clone(),
            starts_at: Some(s.starts_at),
            learners: people.len(),
        });
    }
    let learners_any = learners
        .iter()
        .map(|a| a.person_id)
        .collect::<HashSet<_>>()
        .len();
    let activity = scoped.event_activity(event).await?.map(|a| a.id);
    Ok(EventReport {
        statuses,
        types,
        totals,
        seats_taken,
        revenue,
        revenue_total,
        attendance,
        learners_any,
        activity,
    })
}

/// "1,234.50": dollars from cents.
pub fn dollars(cents: i64) -> String {
    let sign = if cents < 0 { "-" } else { "" };
    let c = cents.unsigned_abs();
    let whole = (c / 100).to_string();
    let mut grouped = String::new();
    for (i, ch) in whole.chars().enumerate() {
        if i > 0 && (whole.len() - i).is_multiple_of(3) {
            grouped.push(',');
        }
        grouped.push(ch);
    }
    format!("{sign}{grouped}.{:02}", c % 100)
}

/// The per-type table as CSV for Excel: a registrations and a seats column per status.
pub fn types_csv(report: &EventReport) -> String {
    let mut head = vec!["Registration type".to_string(), "Industry".to_string()];
    for s in &report.statuses {
        head.push(format!("{} registrations", s.label()));
        head.push(format!("{} seats", s.label()));
    }
    head.push("Seats taken".into());
    let row = |name: &str, industry: &str, counts: &[Count], taken: i64| {
        let mut cells = vec![text_cell(name).into_owned(), industry.to_string()];
        for c in counts {
            cells.push(c.registrations.to_string());
            cells.push(c.seats.to_string());
        }
        cells.push(taken.to_string());
        cells
    };
    let mut rows: Vec<Vec<String>> = report
        .types
        .iter()
        .map(|t| {
            row(
                &t.name,
                if t.is_industry { "yes" } else { "no" },
                &t.by_status,
                t.seats_taken,
            )
        })
        .collect();
    rows.push(row("Total", "", &report.totals, report.seats_taken));
    csv_text(head, rows, true)
}

/// When a session starts, for the report's table.
pub fn session_when(starts_at: Option<i64>, zone: &str) -> String {
    starts_at
        .map(|t| Timestamp(t).display_in(zone))
        .unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dollars_group_thousands() {
        assert_eq!(dollars(0), "0.00");
        assert_eq!(dollars(12_345_678), "123,456.78");
        assert_eq!(dollars(-5), "-0.05");
        assert_eq!(dollars(100_000), "1,000.00");
    }
}
