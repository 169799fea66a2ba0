//! Joining in the demo: who each level is open to on the public Join page (retired members are
//! placed by staff, so Join does not offer that level), early-career applications reviewed by
//! staff, and at least one application waiting for a decision.
//!
//! Card and bank payments stay off in the demo (Join then offers "send me an invoice" only)
//! until an operator points the society at Stripe or at the stand-in with `chapterhouse admin
//! payments`, as the browser tests do.

use chapterhouse_store::Society;

use super::edit_level;
use crate::membership::{MemberForm, add_member};
use crate::{Actor, App, AppResult};

/// (part of the level's name, offered on Join, professions, staff approve applications)
const RULES: &[(&str, bool, &str, bool)] = &[
    ("active physician", true, "physician", false),
    (
        "np, pa or pharmacist",
        true,
        "nurse_practitioner,physician_assistant,pharmacist",
        false,
    ),
    ("early career", true, "physician", true),
    ("fellow", true, "fellow", true),
    ("retired", false, "", false),
];

pub async fn seed(app: &App, society: &Society) -> AppResult<()> {
    let scoped = app.scoped(society);
    let levels = scoped.levels().await?;
    let actor = Actor::anonymous("demo");
    for (part, public, professions, approval) in RULES {
        if let Some(level) = levels.iter().find(|l| l.name.to_lowercase().contains(part)) {
            edit_level(app, society, level.id, &actor, |form| {
                form.public_join = *public;
                form.apply = professions
                    .split(',')
                    .filter(|p| !p.is_empty())
                    .map(str::to_string)
                    .collect();
                form.base.approval_required = approval.then(|| "on".into());
            })
            .await?;
        }
    }
    if scoped.pending_applications().await?.is_empty()
        && let Some(level) = levels
            .iter()
            .find(|l| l.name.to_lowercase().contains("early career"))
    {
        add_member(
            app,
            &scoped,
            &MemberForm {
                display_name: "Dr Priya Raman".into(),
                email: format!("priya.raman.{}@members.example", society.slug),
                level: level.id.to_string(),
                joined_on: String::new(),
                paid: None,
            },
            &Actor::anonymous("demo"),
        )
        .await?;
    }
    Ok(())
}
