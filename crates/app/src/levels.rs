//! Editing a level with all its rules: the fee and period (as when creating it), seats, public
//! join, who may apply, the reminder schedule, automatic renewal, the non-deductible share,
//! rates per profession, allowed level changes and a yearly transition.

use chapterhouse_core::LevelId;
use chapterhouse_core::level_rules::{self, Profession};
use chapterhouse_core::money::Cents;
use chapterhouse_core::validate::FieldErrors;
use chapterhouse_store::{Level, LevelFields, LevelRules, NewAudit, Scoped, StoreError};

use crate::membership::{LevelForm, PERIODS, level_period, parse_period};
use crate::{Actor, App, AppError, AppResult};

/// The level edit form as staff fill it in. Built from the posted pairs, because checkboxes
/// repeat a name (`apply=physician&apply=pharmacist`, `change=<level id>`).
#[derive(Clone, Debug, Default)]
pub struct LevelEditForm {
    pub base: LevelForm,
    /// Empty: no limit.
    pub seat_limit: String,
    pub public_join: bool,
    /// Professions that may apply (none ticked: anyone).
    pub apply: Vec<String>,
    pub reminder_days: String,
    pub auto_renew_allowed: bool,
    /// Percent, up to two decimals.
    pub nondeductible: String,
    /// (profession, dollars as typed); empty dollars: the level's fee.
    pub rates: Vec<(String, String)>,
    /// Level ids a member may change to.
    pub changes: Vec<String>,
    /// Level id, or empty for no transition.
    pub transition_to: String,
    /// Month-day such as 06-30.
    pub transition_on: String,
}

impl LevelEditForm {
    pub fn from_pairs(pairs: &[(String, String)]) -> LevelEditForm {
        let mut form = LevelEditForm::default();
        for (key, value) in pairs {
            let value = value.clone();
            match key.as_str() {
                "name" => form.base.name = value,
                "description" => form.base.description = value,
                "fee" => form.base.fee = value,
                "period" => form.base.period = value,
                "fixed_day" => form.base.fixed_day = value,
                "grace_days" => form.base.grace_days = value,
                "approval_required" => form.base.approval_required = Some(value),
                "prorate" => form.base.prorate = Some(value),
                "for_practices" => form.base.for_practices = Some(value),
                "seat_limit" => form.seat_limit = value,
                "public_join" => form.public_join = true,
                "apply" => form.apply.push(value),
                "reminder_days" => form.reminder_days = value,
                "auto_renew_allowed" => form.auto_renew_allowed = true,
                "nondeductible" => form.nondeductible = value,
                "change" => form.changes.push(value),
                "transition_to" => form.transition_to = value,
                "transition_on" => form.transition_on = value,
                other => {
                    if let Some(profession) = other.strip_prefix("rate_")
                        && Profession::parse(profession).is_some()
                    {
                        form.rates.push((profession.to_string(), value));
                    }
                }
            }
        }
        form
    }

    /// The form showing a level as stored.
    pub fn from_level(
        level: &Level,
        rules: &LevelRules,
        rates: &[(String, i64)],
        changes: &[LevelId],
        transition: Option<(LevelId, i64, i64)>,
    ) -> LevelEditForm {
        let period = PERIODS
            .iter()
            .find(|(key, _)| parse_period(key) == Some(level_period(level)))
            .map(|(key, _)| key.to_string())
            .unwrap_or_else(|| "1-year".into());
        LevelEditForm {
            base: LevelForm {
                name: level.name.clone(),
                description: level.description.clone(),
                fee: cents_text(level.fee_cents),
                period,
                fixed_day: match (level.fixed_month, level.fixed_day) {
                    (Some(m), Some(d)) => format!("{m:02}-{d:02}"),
                    _ => String::new(),
                },
                grace_days: level.grace_days.to_string(),
                approval_required: level.approval_required.then(|| "on".into()),
                prorate: level.prorate.then(|| "on".into()),
                for_practices: level.for_practices.then(|| "on".into()),
            },
            seat_limit: rules.seat_limit.map(|l| l.to_string()).unwrap_or_default(),
            public_join: rules.public_join,
            apply: level_rules::parse_professions(&rules.professions)
                .iter()
                .map(|p| p.as_str().to_string())
                .collect(),
            reminder_days: rules.reminder_days.clone(),
            auto_renew_allowed: rules.auto_renew_allowed,
            nondeductible: if rules.nondeductible_bp == 0 {
                String::new()
            } else {
                level_rules::format_percent_bp(rules.nondeductible_bp)
            },
            rates: rates
                .iter()
                .map(|(p, c)| (p.clone(), cents_text(*c)))
                .collect(),
            changes: changes.iter().map(|l| l.to_string()).collect(),
            transition_to: transition.map(|t| t.0.to_string()).unwrap_or_default(),
            transition_on: transition
                .map(|(_, m, d)| format!("{m:02}-{d:02}"))
                .unwrap_or_default(),
        }
    }

    pub fn rate(&self, profession: &str) -> &str {
        self.rates
            .iter()
            .find(|(p, _)| p == profession)
            .map(|(_, v)| v.as_str())
            .unwrap_or("")
    }

    pub fn applies(&self, profession: &str) -> bool {
        self.apply.iter().any(|p| p == profession)
    }

    pub fn allows_change_to(&self, level: &str) -> bool {
        self.changes.iter().any(|l| l == level)
    }

    /// Check everything; `others` are the society's other levels (for changes and transitions).
    pub fn validate(&self, id: LevelId, others: &[Level]) -> Result<LevelUpdate, FieldErrors> {
        let base = self.base.validate();
        let mut errors = base.clone().err().unwrap_or_default();
        let for_practices = self.base.for_practices.is_some();

        let seat_limit = match self.seat_limit.trim() {
            "" => None,
            text => match text.parse::<i64>() {
                Ok(n) if (1..=10_000).contains(&n) => Some(n),
                _ => {
                    errors.add(
                        "seat_limit",
                        "Enter the number of clinicians the practice's membership covers, like 10, or leave it empty for no limit.",
                    );
                    None
                }
            },
        };
        errors.check(
            seat_limit.is_some() && !for_practices,
            "seat_limit",
            "Only practice levels have seats. Tick \"For practices\" or leave the seat limit empty.",
        );

        let mut apply = Vec::new();
        for p in &self.apply {
            match Profession::parse(p) {
                Some(p) => apply.push(p),
                None => errors.add("apply", "Choose professions from the list."),
            }
        }

        let reminder_days = match level_rules::parse_reminder_days(&self.reminder_days) {
            Ok(days) => level_rules::format_reminder_days(&days),
            Err(message) => {
                errors.add("reminder_days", message);
                String::new()
            }
        };
        let nondeductible_bp = match level_rules::parse_percent_bp(&self.nondeductible) {
            Ok(bp) => bp,
            Err(message) => {
                errors.add("nondeductible", message);
                0
            }
        };

        let mut rates = Vec::new();
        for (profession, text) in &self.rates {
            if text.trim().is_empty() {
                continue;
            }
            match Cents::parse(text) {
                Some(c) if c.0 >= 0 => rates.push((profession.clone(), c.0)),
                _ => errors.add(
                    &format!("rate_{profession}"),
                    "Enter the rate in dollars, like 150 or 0 for free, or leave it empty to use the fee.",
                ),
            }
        }
        errors.check(
            !rates.is_empty() && !for_practices,
            "rate_physician",
            "Rates per profession are for practice levels. Tick \"For practices\" or leave the rates empty.",
        );

        let find = |text: &str| -> Option<LevelId> {
            let id: LevelId = text.trim().parse().ok()?;
            others
                .iter()
                .find(|l| l.id == id && !l.archived)
                .map(|l| l.id)
        };
        let mut changes = Vec::new();
        for text in &self.changes {
            match find(text) {
                Some(to) if to != id => changes.push(to),
                _ => errors.add("changes", "Choose levels from the list."),
            }
        }

        let transition = match (self.transition_to.trim(), self.transition_on.trim()) {
            ("", "") => None,
            ("", _) => {
                errors.add(
                    "transition_to",
                    "Choose the level members move to, or clear the date.",
                );
                None
            }
            (to, on) => {
                let to = find(to).filter(|to| *to != id);
                errors.check(
                    to.is_none(),
                    "transition_to",
                    "Choose another level for members to move to.",
                );
                let day = level_rules::parse_month_day(on);
                errors.check(
                    day.is_none(),
                    "transition_on",
                    "Enter the yearly date as month-day, like 06-30 for 30 June.",
                );
                to.zip(day)
                    .map(|(to, (m, d))| (to, i64::from(m), i64::from(d)))
            }
        };

        errors.into_result()?;
        let fields = base.map_err(|_| FieldErrors::new())?;
        Ok(LevelUpdate {
            fields,
            rules: LevelRules {
                seat_limit,
                public_join: self.public_join,
                professions: level_rules::format_professions(&apply),
                reminder_days,
                auto_renew_allowed: self.auto_renew_allowed,
                nondeductible_bp,
            },
            rates,
            changes,
            transition,
        })
    }
}

/// "350.00" for 35000 cents: how an amount is shown back in a form.
fn cents_text(cents: i64) -> String {
    format!("{}.{:02}", cents / 100, cents % 100)
}

/// A validated level edit.
#[derive(Clone, Debug)]
pub struct LevelUpdate {
    pub fields: LevelFields,
    pub rules: LevelRules,
    pub rates: Vec<(String, i64)>,
    pub changes: Vec<LevelId>,
    pub transition: Option<(LevelId, i64, i64)>,
}

/// Load the edit form for a level (None: not this society's level).
pub async fn edit_form(scoped: &Scoped, id: LevelId) -> AppResult<Option<LevelEditForm>> {
    let Some(level) = scoped.level(id).await? else {
        return Ok(None);
    };
    let rules = scoped.level_rules(id).await?.unwrap_or_default();
    let rates = scoped.level_rates(id).await?;
    let changes = scoped.level_changes(id).await?;
    let transition = scoped
        .level_transition(id)
        .await?
        .map(|t| (t.to_level, t.month, t.day));
    Ok(Some(LevelEditForm::from_level(
        &level, &rules, &rates, &changes, transition,
    )))
}

pub async fn update_level(
    app: &App,
    scoped: &Scoped,
    id: LevelId,
    form: &LevelEditForm,
    actor: &Actor,
) -> AppResult<()> {
    let levels = scoped.levels().await?;
    if !levels.iter().any(|l| l.id == id) {
        return Err(AppError::NotFound);
    }
    let update = form.validate(id, &levels)?;
    let now = app.now();
    let mut tx = scoped.begin().await?;
    match tx.update_level(id, &update.fields).await {
        Err(StoreError::Conflict(_)) => {
            return Err(AppError::field(
                "name",
                "Another level already has that name.",
            ));
        }
        Ok(false) => return Err(AppError::NotFound),
        other => {
            other?;
        }
    }
    tx.set_level_rules(id, &update.rules).await?;
    tx.set_level_rates(id, &update.rates).await?;
    tx.set_level_changes(id, &update.changes).await?;
    tx.set_level_transition(id, update.transition).await?;
    tx.audit(
        NewAudit {
            actor: actor.account,
            action: "level.updated",
            subject: &update.fields.name,
            detail: "",
            ip: &actor.ip,
        },
        now,
    )
    .await?;
    tx.commit().await?;
    Ok(())
}
