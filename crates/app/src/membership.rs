//! Membership use-cases: levels, adding members, renewals, and the daily status run.

use chapterhouse_core::membership::{
    self, Application, RenewalAnchor, RenewalPeriod, Status, StatusInput, Term,
};
use chapterhouse_core::money::Cents;
use chapterhouse_core::text::{looks_like_email, normalize_email};
use chapterhouse_core::validate::FieldErrors;
use chapterhouse_core::{LevelId, MembershipId};
use chapterhouse_store::{Level, LevelFields, MembershipState, NewAudit, Scoped, StoreError};
use jiff::civil::Date;

use crate::{Actor, App, AppError, AppResult};

/// The level form as staff fill it in.
#[derive(Clone, Debug, Default, serde::Deserialize)]
pub struct LevelForm {
    #[serde(default)]
    pub name: String,
    #[serde(default)]
    pub description: String,
    #[serde(default)]
    pub fee: String,
    /// "never", "monthly", "quarterly", "twice-a-year", "1-year", "2-years", "3-years".
    #[serde(default)]
    pub period: String,
    /// Empty for anniversary renewal, else "MM-DD" such as "01-01".
    #[serde(default)]
    pub fixed_day: String,
    #[serde(default)]
    pub grace_days: String,
    #[serde(default)]
    pub approval_required: Option<String>,
    #[serde(default)]
    pub prorate: Option<String>,
    #[serde(default)]
    pub for_practices: Option<String>,
}

pub const PERIODS: &[(&str, &str)] = &[
    ("1-year", "Every year"),
    ("2-years", "Every 2 years"),
    ("3-years", "Every 3 years"),
    ("twice-a-year", "Twice a year"),
    ("quarterly", "Every quarter"),
    ("monthly", "Every month"),
    ("never", "Never (lifetime or honorary)"),
];

pub fn parse_period(text: &str) -> Option<RenewalPeriod> {
    Some(match text {
        "never" => RenewalPeriod::Never,
        "monthly" => RenewalPeriod::Monthly,
        "quarterly" => RenewalPeriod::Quarterly,
        "twice-a-year" => RenewalPeriod::TwiceAYear,
        "1-year" => RenewalPeriod::Years(1),
        "2-years" => RenewalPeriod::Years(2),
        "3-years" => RenewalPeriod::Years(3),
        _ => return None,
    })
}

/// A level's period as stored (months, None for never).
pub fn level_period(level: &Level) -> RenewalPeriod {
    period_of_months(level.period_months)
}

/// A period from its stored number of months (None for never).
pub fn period_of_months(months: Option<i64>) -> RenewalPeriod {
    match months {
        None => RenewalPeriod::Never,
        Some(1) => RenewalPeriod::Monthly,
        Some(3) => RenewalPeriod::Quarterly,
        Some(6) => RenewalPeriod::TwiceAYear,
        Some(m) => RenewalPeriod::Years(u8::try_from((m / 12).max(1)).unwrap_or(1)),
    }
}

pub fn level_anchor(level: &Level) -> RenewalAnchor {
    match (level.fixed_month, level.fixed_day) {
        (Some(month), Some(day)) => RenewalAnchor::FixedDay {
            month: month as i8,
            day: day as i8,
        },
        _ => RenewalAnchor::Anniversary,
    }
}

/// "Every year on 1 January", "Every year on each member's join date".
pub fn describe_renewal(level: &Level) -> String {
    let period = PERIODS
        .iter()
        .find(|(key, _)| parse_period(key) == Some(level_period(level)))
        .map(|(_, label)| *label)
        .unwrap_or("Every year");
    match level_anchor(level) {
        _ if level.period_months.is_none() => period.to_string(),
        RenewalAnchor::Anniversary => format!("{period}, from each member's join date"),
        RenewalAnchor::FixedDay { month, day } => {
            let date = Date::new(2001, month, day)
                .map(|d| d.strftime("%-d %B").to_string())
                .unwrap_or_default();
            format!("{period}, on {date}")
        }
    }
}

impl LevelForm {
    pub fn validate(&self) -> Result<LevelFields, FieldErrors> {
        let mut errors = FieldErrors::new();
        let name = self.name.trim();
        errors.check(
            name.is_empty(),
            "name",
            "Give the level a name, like \"Active physician\".",
        );
        errors.check(
            name.chars().count() > 100,
            "name",
            "Keep the name under 100 characters.",
        );
        let fee = Cents::parse(&self.fee);
        errors.check(
            fee.is_none_or(|f| f.0 < 0),
            "fee",
            "Enter the yearly fee in dollars, like 350 or 350.00 (0 for free levels).",
        );
        let period = parse_period(&self.period);
        errors.check(
            period.is_none(),
            "period",
            "Choose how often the level renews.",
        );
        let fixed = self.fixed_day.trim();
        let fixed_day = if fixed.is_empty() {
            None
        } else {
            match fixed
                .split_once('-')
                .and_then(|(m, d)| Some((m.parse::<i8>().ok()?, d.parse::<i8>().ok()?)))
            {
                Some((m, d)) if Date::new(2001, m, d).is_ok() => Some((m, d)),
                _ => {
                    errors.add("fixed_day", "Enter the renewal day as month-day, like 01-01 for 1 January (29 February is not allowed).");
                    None
                }
            }
        };
        let grace = if self.grace_days.trim().is_empty() {
            Some(30)
        } else {
            self.grace_days
                .trim()
                .parse::<i64>()
                .ok()
                .filter(|g| (0..=365).contains(g))
        };
        errors.check(
            grace.is_none(),
            "grace_days",
            "Enter a number of days from 0 to 365.",
        );
        errors.check(
            self.prorate.is_some() && fixed_day.is_none(),
            "prorate",
            "Only levels that renew on a fixed day can prorate the first term.",
        );
        errors.into_result()?;
        Ok(LevelFields {
            name: name.to_string(),
            description: self.description.trim().to_string(),
            for_practices: self.for_practices.is_some(),
            fee_cents: fee.map(|f| f.0).unwrap_or(0),
            period_months: period.and_then(RenewalPeriod::months).map(i64::from),
            fixed_month: fixed_day.map(|(m, _)| i64::from(m)),
            fixed_day: fixed_day.map(|(_, d)| i64::from(d)),
            grace_days: grace.unwrap_or(30),
            approval_required: self.approval_required.is_some(),
            prorate: self.prorate.is_some(),
            sort_order: 0,
        })
    }
}

pub async fn create_level(
    app: &App,
    scoped: &Scoped,
    form: &LevelForm,
    actor: &Actor,
) -> AppResult<LevelId> {
    let fields = form.validate()?;
    let now = app.now();
    let mut tx = scoped.begin().await?;
    let id = match tx.insert_level(&fields, now).await {
        Err(StoreError::Conflict(_)) => {
            return Err(AppError::field(
                "name",
                "Another level already has that name.",
            ));
        }
        other => other?,
    };
    tx.audit(
        NewAudit {
            actor: actor.account,
            action: "level.created",
            subject: &fields.name,
            detail: "",
            ip: &actor.ip,
        },
        now,
    )
    .await?;
    tx.commit().await?;
    Ok(id)
}

/// Staff add a member by hand (a paper application, a comp membership).
#[derive(Clone, Debug, Default, serde::Deserialize)]
pub struct MemberForm {
    #[serde(default)]
    pub display_name: String,
    #[serde(default)]
    pub email: String,
    #[serde(default)]
    pub level: String,
    /// ISO date; empty means today in the society's zone.
    #[serde(default)]
    pub joined_on: String,
    /// Checked when the first term is paid (or free): the member is active at once.
    #[serde(default)]
    pub paid: Option<String>,
}

/// What adding a member produced, for the confirmation message.
#[derive(Clone, Debug)]
pub struct AddedMember {
    pub id: MembershipId,
    pub status: Status,
    pub first_term: Term,
    /// The price of the first term (prorated where the level says so).
    pub first_term_fee: Cents,
}

/// The society's "today".
pub fn today(app: &App, scoped: &Scoped) -> Date {
    app.now().local_date(&scoped.society().time_zone)
}

pub async fn add_member(
    app: &App,
    scoped: &Scoped,
    form: &MemberForm,
    actor: &Actor,
) -> AppResult<AddedMember> {
    let mut errors = FieldErrors::new();
    let name = form.display_name.trim();
    let email = normalize_email(&form.email);
    errors.check(name.is_empty(), "display_name", "Enter the member's name.");
    errors.check(
        !looks_like_email(&email),
        "email",
        "Enter an email address like name@example.org.",
    );
    let level = match form.level.parse::<LevelId>() {
        Ok(id) => scoped.level(id).await?.filter(|l| !l.archived),
        Err(_) => None,
    };
    errors.check(level.is_none(), "level", "Choose a membership level.");
    let today = today(app, scoped);
    let joined_on = if form.joined_on.trim().is_empty() {
        Some(today)
    } else {
        form.joined_on.trim().parse::<Date>().ok()
    };
    errors.check(
        joined_on.is_none(),
        "joined_on",
        "Enter the date as YYYY-MM-DD, like 2026-11-21.",
    );
    errors.into_result()?;
    let (Some(level), Some(joined_on)) = (level, joined_on) else {
        return Err(AppError::NotFound);
    };

    let period = level_period(&level);
    let first_term = membership::first_term(joined_on, period, level_anchor(&level));
    let fee = Cents(level.fee_cents);
    let first_term_fee = if level.prorate {
        membership::prorated_fee(fee, &first_term, period)
    } else {
        fee
    };
    let paid = form.paid.is_some();
    let application = level.approval_required.then_some(if paid {
        Application::Approved
    } else {
        Application::Pending
    });
    let terms = if paid { vec![first_term] } else { vec![] };
    let status = membership::status(&StatusInput {
        today,
        terms: &terms,
        application,
        cancelled_on: None,
        suspended: false,
        override_status: None,
        practice_status: None,
        grace_days: u16::try_from(level.grace_days).unwrap_or(u16::MAX),
    });

    let now = app.now();
    let mut tx = scoped.begin().await?;
    let person = match scoped.person_by_email(&email).await? {
        Some(person) => person,
        None => tx.insert_person(&email, name, now).await?,
    };
    let id = match tx
        .insert_membership(person, level.id, joined_on, status, application, now)
        .await
    {
        Err(StoreError::Conflict(_)) => {
            return Err(AppError::field(
                "email",
                "This person already has a membership. Find them in the members list to renew or change it.",
            ));
        }
        other => other?,
    };
    if paid {
        tx.insert_term(id, level.id, &first_term, now).await?;
    }
    tx.audit(
        NewAudit {
            actor: actor.account,
            action: "member.added",
            subject: &email,
            detail: &level.name,
            ip: &actor.ip,
        },
        now,
    )
    .await?;
    tx.commit().await?;
    Ok(AddedMember {
        id,
        status,
        first_term,
        first_term_fee,
    })
}

/// A membership's status on `today`; a seat follows its practice's stored status.
pub fn membership_status(state: &MembershipState, today: Date) -> Status {
    membership::status(&StatusInput {
        today,
        terms: &state.terms,
        application: state.application,
        cancelled_on: state.cancelled_on,
        suspended: state.suspended,
        override_status: state.override_status,
        practice_status: state.practice_status,
        grace_days: state.grace_days,
    })
}

/// Record a paid renewal: the next term continues from the latest one (or starts today after a
/// lapse). `seen_paid_through` is the paid-through date the person saw when they pressed the
/// button ("" for none): if the membership has been renewed since, nothing is added and the
/// latest term is returned, so a double-submitted form renews once.
pub async fn renew(
    app: &App,
    scoped: &Scoped,
    id: MembershipId,
    seen_paid_through: &str,
    actor: &Actor,
) -> AppResult<Term> {
    let state = scoped
        .membership_state(id)
        .await?
        .ok_or(AppError::NotFound)?;
    let today = today(app, scoped);
    let level = membership_level(scoped, id).await?;
    let period = level_period(&level);
    if period.months().is_none() {
        return Err(AppError::field("renew", "This level never needs renewing."));
    }
    let latest = state.terms.iter().max_by_key(|t| t.start).copied();
    let paid_through = latest
        .and_then(|t| t.end)
        .map(|d| d.to_string())
        .unwrap_or_default();
    if let Some(latest) = latest
        && paid_through != seen_paid_through.trim()
    {
        return Ok(latest);
    }
    let term = match latest {
        // Within grace or still active: continue without a gap.
        Some(latest) if membership_status(&state, today).has_privileges() => {
            membership::next_term(&latest, period).ok_or(AppError::NotFound)?
        }
        // Lapsed (or never paid): a fresh term from today.
        _ => membership::first_term(today, period, level_anchor(&level)),
    };
    let now = app.now();
    let mut tx = scoped.begin().await?;
    match tx.insert_term(id, level.id, &term, now).await {
        Err(StoreError::Conflict(_)) => return Ok(term),
        other => {
            other?;
        }
    }
    let mut renewed = state.clone();
    renewed.terms.push(term);
    tx.set_membership_status(id, membership_status(&renewed, today), today)
        .await?;
    tx.audit(
        NewAudit {
            actor: actor.account,
            action: "member.renewed",
            subject: &id.to_string(),
            detail: &term.start.to_string(),
            ip: &actor.ip,
        },
        now,
    )
    .await?;
    tx.commit().await?;
    Ok(term)
}

async fn membership_level(scoped: &Scoped, id: MembershipId) -> AppResult<Level> {
    let level_id = scoped
        .membership_level_id(id)
        .await?
        .ok_or(AppError::NotFound)?;
    scoped.level(level_id).await?.ok_or(AppError::NotFound)
}

/// The daily run's status step: recompute every membership's status for the society's today and
/// store the ones that changed. Idempotent: a second run the same day changes nothing.
pub async fn refresh_statuses(app: &App, scoped: &Scoped) -> AppResult<usize> {
    let today = today(app, scoped);
    let states = scoped.membership_states().await?;
    let changed: Vec<(MembershipId, Status)> = states
        .iter()
        .filter_map(|s| {
            let now = membership_status(s, today);
            (now != s.status).then_some((s.id, now))
        })
        .collect();
    if changed.is_empty() {
        return Ok(0);
    }
    let mut tx = scoped.begin().await?;
    let mut count = 0;
    for (id, status) in &changed {
        if tx.set_membership_status(*id, *status, today).await? {
            count += 1;
        }
    }
    tx.commit().await?;
    Ok(count)
}
