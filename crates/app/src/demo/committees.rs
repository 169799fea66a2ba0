//! Demo committees and groups, with a chair, officers and members drawn from the active members,
//! and one seat that has ended.

use chapterhouse_core::membership::Status;
use chapterhouse_store::{MemberFilter, Society};

use crate::committees::{CommitteeForm, SeatForm, add_seat, create_committee};
use crate::{Actor, App, AppResult};

const COMMITTEES: &[(&str, &str, &str)] = &[
    (
        "Advocacy Committee",
        "committee",
        "Tracks bills in the state legislature and meets legislators on Advocacy Day.",
    ),
    (
        "Program Committee",
        "committee",
        "Plans the annual meeting and the webinar series.",
    ),
    (
        "Membership Committee",
        "committee",
        "Reviews applications and welcomes new members.",
    ),
    (
        "Early Career Group",
        "group",
        "Fellows and members in their first five years of practice.",
    ),
];

pub(super) async fn seed_committees(app: &App, society: &Society) -> AppResult<()> {
    let scoped = app.scoped(society);
    let actor = Actor::anonymous("demo");
    let active = scoped
        .members(&MemberFilter {
            status: Some(Status::Active),
            limit: 60,
            ..Default::default()
        })
        .await?;
    let mut people = active.iter().map(|m| m.person_id);
    for (index, (name, kind, description)) in COMMITTEES.iter().enumerate() {
        let id = create_committee(
            app,
            &scoped,
            &CommitteeForm {
                name: (*name).into(),
                kind: (*kind).into(),
                description: (*description).into(),
            },
            &actor,
        )
        .await?;
        let roles = [
            "chair",
            "vice chair",
            "secretary",
            "member",
            "member",
            "member",
        ];
        for (seat, role) in roles.iter().enumerate() {
            let Some(person) = people.next() else {
                return Ok(());
            };
            // The first committee's former secretary stepped down last year.
            let ended = index == 0 && seat == 2;
            add_seat(
                app,
                &scoped,
                id,
                &SeatForm {
                    person_id: person.to_string(),
                    role: (*role).into(),
                    start_on: if ended { "2024-07-01" } else { "2025-07-01" }.into(),
                    end_on: if ended {
                        "2025-06-30".into()
                    } else {
                        String::new()
                    },
                    ..Default::default()
                },
                &actor,
            )
            .await?;
        }
    }
    Ok(())
}
