//! Every job kind this binary runs; each domain adds its jobs here.

use super::bench::BenchJob;
use super::housekeeping::{PruneJobs, SweepEphemeral};
use super::registry::Registry;
use crate::audit::partitions::MaintainAccessLogPartitions;
use crate::notifications::advisory_event::AdvisoryEvent;
use crate::notifications::comment::{CommentPosted, MentionsAdded};
use crate::notifications::invitation::NotifyInvitation;
use crate::notifications::triage_event::TriageEvent;
use crate::publication::jobs::{PublicationRun, ReapStaleTasks};

/// The registry of the `worker` process.
pub fn registry() -> Registry {
    Registry::new()
        .register::<PruneJobs>()
        .register::<SweepEphemeral>()
        .register::<BenchJob>()
        .register::<MaintainAccessLogPartitions>()
        .register::<AdvisoryEvent>()
        .register::<CommentPosted>()
        .register::<MentionsAdded>()
        .register::<NotifyInvitation>()
        .register::<TriageEvent>()
        .register::<PublicationRun>()
        .register::<ReapStaleTasks>()
}
