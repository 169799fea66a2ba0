//! Demo faculty on each membership society's annual meeting, through the same use-cases staff
//! and speakers use: a keynote speaker with no financial relationships (reviewed), a speaker
//! with a relevant relationship that was mitigated and one that was not relevant (reviewed),
//! a planner who has accepted the agreement but not yet disclosed (pending, so learners do
//! not see them yet), and a speaker who disclosed and then withdrew (removed: off the event's
//! page, listed as withdrawn on the staff faculty page and in the joint-provider export).

use chapterhouse_core::disclosure::{Material, RowInput};
use chapterhouse_store::Society;

use crate::faculty::{self, DisclosureForm, InviteForm, ReviewForm};
use crate::{Actor, App, AppResult};

/// A one-page PDF standing in for slides.
const SLIDES: &[u8] = b"%PDF-1.4\n1 0 obj << /Type /Catalog /Pages 2 0 R >> endobj\n2 0 obj << /Type /Pages /Kids [] /Count 0 >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n";

pub(super) async fn seed(app: &App, society: &Society) -> AppResult<()> {
    let scoped = app.scoped(society);
    let Some(annual) = scoped
        .staff_events()
        .await?
        .into_iter()
        .find(|e| e.title.contains("Annual Meeting"))
    else {
        return Ok(());
    };
    if !scoped.event_faculty(annual.id).await?.is_empty() {
        return Ok(());
    }
    let staff = Actor::anonymous("demo");
    let sessions = scoped.event_sessions(annual.id).await?;
    let session = |prefix: &str| -> Vec<String> {
        sessions
            .iter()
            .filter(|s| s.title.starts_with(prefix))
            .map(|s| s.id.to_string())
            .collect()
    };
    let domain = society
        .email
        .split_once('@')
        .map(|(_, d)| d)
        .unwrap_or("example.org");

    // The keynote: nothing to disclose.
    let keynote = faculty::invite(
        app,
        &scoped,
        annual.id,
        &InviteForm {
            email: format!("keynote.speaker@{domain}"),
            name: "Dr. Helen Park".into(),
            role: "speaker".into(),
            sessions: session("Welcome and keynote"),
        },
        &staff,
    )
    .await?;
    let token = faculty::speaker_token(app, &scoped, keynote);
    faculty::accept_agreement(app, &scoped, &token, &staff).await?;
    faculty::upload_material(app, &scoped, &token, Material::Slides, SLIDES, &staff).await?;
    faculty::submit_disclosure(
        app,
        &scoped,
        &token,
        &DisclosureForm {
            answer: "none".into(),
            rows: Vec::new(),
            attest: true,
        },
        &staff,
    )
    .await?;
    review(app, society, annual.id, keynote, &[]).await?;

    // A speaker with a relevant, mitigated relationship and one that is not relevant.
    let breast = faculty::invite(
        app,
        &scoped,
        annual.id,
        &InviteForm {
            email: format!("breast.speaker@{domain}"),
            name: "Dr. Samuel Reyes".into(),
            role: "speaker".into(),
            sessions: session("Breast cancer"),
        },
        &staff,
    )
    .await?;
    let token = faculty::speaker_token(app, &scoped, breast);
    faculty::accept_agreement(app, &scoped, &token, &staff).await?;
    faculty::submit_disclosure(
        app,
        &scoped,
        &token,
        &DisclosureForm {
            answer: "some".into(),
            rows: vec![
                RowInput {
                    company: "Northwind Oncology Pharmaceuticals".into(),
                    nature: "advisory_board".into(),
                    ended: false,
                },
                RowInput {
                    company: "Contoso Diagnostics".into(),
                    nature: "stock".into(),
                    ended: true,
                },
            ],
            attest: true,
        },
        &staff,
    )
    .await?;
    review(
        app,
        society,
        annual.id,
        breast,
        &[
            ("x1_relevant", "yes"),
            (
                "x1_mitigation",
                "Slides peer reviewed for fair balance by the planning committee; recommendations based on published guidelines.",
            ),
            ("x2_relevant", "no"),
        ],
    )
    .await?;

    // A planner who has accepted the agreement but not disclosed yet.
    let planner = faculty::invite(
        app,
        &scoped,
        annual.id,
        &InviteForm {
            email: format!("program.chair@{domain}"),
            name: "Dr. Maria Okafor".into(),
            role: "planner".into(),
            sessions: Vec::new(),
        },
        &staff,
    )
    .await?;
    let token = faculty::speaker_token(app, &scoped, planner);
    faculty::accept_agreement(app, &scoped, &token, &staff).await?;

    // A speaker who accepted and disclosed, then withdrew: removed, what she recorded kept.
    let withdrawn = faculty::invite(
        app,
        &scoped,
        annual.id,
        &InviteForm {
            email: format!("withdrawn.speaker@{domain}"),
            name: "Dr. Lena Fischer".into(),
            role: "speaker".into(),
            sessions: session("Breast cancer"),
        },
        &staff,
    )
    .await?;
    let token = faculty::speaker_token(app, &scoped, withdrawn);
    faculty::accept_agreement(app, &scoped, &token, &staff).await?;
    faculty::submit_disclosure(
        app,
        &scoped,
        &token,
        &DisclosureForm {
            answer: "none".into(),
            rows: Vec::new(),
            attest: true,
        },
        &staff,
    )
    .await?;
    faculty::remove(app, &scoped, annual.id, withdrawn, &staff).await?;
    Ok(())
}

/// Review a disclosure as a planner would on the faculty member's page.
async fn review(
    app: &App,
    society: &Society,
    event: chapterhouse_core::EventId,
    id: chapterhouse_core::FacultyId,
    decisions: &[(&str, &str)],
) -> AppResult<()> {
    let scoped = app.scoped(society);
    let f = faculty::member_of(&scoped, event, id).await?;
    let mut pairs = vec![(
        "disclosure".to_string(),
        f.disclosure_id.map(|d| d.to_string()).unwrap_or_default(),
    )];
    pairs.extend(
        decisions
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string())),
    );
    faculty::review(
        app,
        &scoped,
        event,
        id,
        &ReviewForm::from_pairs(&pairs),
        &Actor::anonymous("demo"),
    )
    .await
}
