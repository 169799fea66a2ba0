//! Events and registrations at scale for load tests: `chapterhouse generate-events` (a hidden
//! command `bench/load.sh` runs on the demo data directory) and the `events_scale` benchmark.
//! The rows themselves are written by `store::generate` (see its notes).

use chapterhouse_store::{EventsScale, GeneratedEvents, Society};

use crate::{App, AppResult};

/// Generate `events` events and `registrations` registrations into `society`, then refresh the
/// planner's statistics as the nightly maintenance would.
pub async fn generate_events(
    app: &App,
    society: &Society,
    events: usize,
    registrations: usize,
) -> AppResult<GeneratedEvents> {
    let scoped = app.scoped(society);
    let generated = scoped
        .generate_events(&EventsScale::new(events, registrations, app.now()))
        .await?;
    app.store.refresh_planner_statistics().await?;
    Ok(generated)
}
