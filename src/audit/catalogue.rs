//! The audit action catalogue (10-domain-model §13.3): every value the hub
//! may record, where it is stored and which timeline audience sees it.
//!
//! Owns the closed set of action values. The recorder takes an [`Action`],
//! never a string, and anything read back from the database goes through
//! [`Action::from_str`], which rejects any value outside the catalogue
//! (INV-AUDIT-3).
//!
//! Invariants kept here:
//! * INV-AUDIT-5: the access-log set and the timeline tiers are disjoint,
//!   checked at compile time (and again by a unit test).
//! * INV-AUDIT-6: `advisory.first_seen` is a ledger action on no tier.
//! * Ruling 16 of 00-decisions: the failed sign-in is `auth.failed_login`;
//!   the spec's `auth.login_failed` stays readable as a legacy value.
//!
//! Totals, with rulings 13 and 16 applied: 100 values (94 active, 6 legacy);
//! 14 in the access log (13 active, plus the legacy `auth.login_failed`); 86
//! in the ledger; timeline tiers A = 19, B = 14, C = 9. Legacy values are readable
//! only: the recorder must refuse them ([`Action::is_recordable`]).

use std::fmt;
use std::str::FromStr;

use crate::access::permissions::Role;

/// Where an action is stored.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Store {
    /// `audit_log_entry`, the durable append-only ledger (INV-AUDIT-1).
    Ledger,
    /// `access_log_entry`, monthly partitions dropped after the retention
    /// horizon (INV-AUDIT-5).
    AccessLog,
}

/// Which advisory-timeline audience sees an action.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Tier {
    /// Viewers and above.
    A,
    /// Collaborators and above.
    B,
    /// Owners and admins.
    C,
}

impl Tier {
    /// The lowest role that sees this tier.
    pub const fn audience(self) -> Role {
        match self {
            Tier::A => Role::Viewer,
            Tier::B => Role::Collaborator,
            Tier::C => Role::Owner,
        }
    }

    /// Whether a caller with `role` sees events of this tier.
    pub fn visible_to(self, role: Role) -> bool {
        role >= self.audience()
    }
}

/// A value that is not in the catalogue.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("unknown audit action {0:?}")]
pub struct UnknownAction(pub String);

macro_rules! store {
    (L) => {
        Store::Ledger
    };
    (A) => {
        Store::AccessLog
    };
}

macro_rules! tier {
    (A) => {
        Some(Tier::A)
    };
    (B) => {
        Some(Tier::B)
    };
    (C) => {
        Some(Tier::C)
    };
    (-) => {
        None
    };
}

macro_rules! legacy {
    (active) => {
        false
    };
    (legacy) => {
        true
    };
}

/// Builds [`Action`] and its lookups from one table, so a value, its store,
/// its tier and its legacy flag can never drift apart.
macro_rules! catalogue {
    ($(
        $(#[$meta:meta])*
        $variant:ident => $value:literal, $store:ident, $tier:tt, $status:ident;
    )+) => {
        /// One value of the action catalogue (10-domain-model §13.3). Each
        /// variant's documentation is the spec's "recorded when".
        #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
        pub enum Action {
            $($(#[$meta])* $variant,)+
        }

        impl Action {
            /// Every value, in catalogue order.
            pub const ALL: &'static [Action] = &[$(Action::$variant,)+];

            /// The stored spelling.
            pub const fn as_str(self) -> &'static str {
                match self {
                    $(Action::$variant => $value,)+
                }
            }

            /// Ledger or access log.
            pub const fn store(self) -> Store {
                match self {
                    $(Action::$variant => store!($store),)+
                }
            }

            /// The timeline audience, or `None` when the action never shows
            /// on an advisory timeline.
            pub const fn tier(self) -> Option<Tier> {
                match self {
                    $(Action::$variant => tier!($tier),)+
                }
            }

            /// A value kept only so old rows stay readable; never emitted.
            pub const fn is_legacy(self) -> bool {
                match self {
                    $(Action::$variant => legacy!($status),)+
                }
            }
        }

        fn lookup(value: &str) -> Option<Action> {
            match value {
                $($value => Some(Action::$variant),)+
                _ => None,
            }
        }
    };
}

catalogue! {
/// #1. Native draft created by an owner.
AdvisoryCreated => "advisory.created", L, A, active;
/// #2. Every advisory detail open (with IP/UA).
AdvisoryViewed => "advisory.viewed", A, -, active;
/// #3. First detail open by a user (no IP/UA).
AdvisoryFirstSeen => "advisory.first_seen", L, -, active;
/// #4. Content edit saved (metadata `changed_fields`).
AdvisoryEdited => "advisory.edited", L, B, active;
/// #5. Structured state flip; also the `review_status` flip of reopen-review. Rows tagged
/// `metadata.narrated = true` are hidden on the timeline.
AdvisoryStateChanged => "advisory.state_changed", L, A, active;
/// #6. Any project move (edit, triage reassign, reassignment accept, PMI re-home).
AdvisoryProjectChanged => "advisory.project_changed", L, A, active;
/// #7. Owner acknowledged the access-review banner.
AdvisoryAccessReviewDismissed => "advisory.access_review_dismissed", L, C, active;
/// #8. Review submission.
AdvisorySubmittedForReview => "advisory.submitted_for_review", L, A, active;
/// #9. Admin approved.
AdvisoryReviewApproved => "advisory.review_approved", L, A, active;
/// #10. Admin requested changes.
AdvisoryReviewChangesRequested => "advisory.review_changes_requested", L, A, active;
/// #11. Non-admin edit voided an approval.
AdvisoryReviewApprovalInvalidated => "advisory.review_approval_invalidated", L, A, active;
/// #12. Admin revoked an approval.
AdvisoryReviewApprovalRevoked => "advisory.review_approval_revoked", L, A, active;
/// #13. Submitter withdrew, or dismissal tore down review state.
AdvisoryReviewWithdrawn => "advisory.review_withdrawn", L, A, active;
/// #14. Publication succeeded (state → published).
AdvisoryPublished => "advisory.published", L, A, active;
/// #15. Dismissal (triage, draft, GHSA auto) or completed withdrawal.
AdvisoryDismissed => "advisory.dismissed", L, A, active;
/// #16. Reopen / un-withdraw.
AdvisoryReopened => "advisory.reopened", L, -, active;
/// #17. Grant created or its permission changed (incl. intake auto-grant, invitation
/// redemption).
AccessGranted => "access.granted", L, B, active;
/// #18. Grant removed.
AccessRevoked => "access.revoked", L, B, active;
/// #19. Invitation created, or its permission changed (`metadata.updated = true`).
InvitationCreated => "invitation.created", L, B, active;
/// #20. Invitation redeemed at login.
InvitationRedeemed => "invitation.redeemed", L, B, active;
/// #21. Invitation removed.
InvitationRevoked => "invitation.revoked", L, B, active;
/// #22. Admin re-sent an invitation (expiry refreshed).
InvitationResent => "invitation.resent", L, -, active;
/// #23. Any comment, including action notes.
CommentCreated => "comment.created", L, -, active;
/// #24. Comment body edited.
CommentEdited => "comment.edited", L, -, active;
/// #25. Comment redacted.
CommentRedacted => "comment.redacted", L, -, active;
/// #26. CVE request opened.
CveRequested => "cve.requested", L, A, active;
/// #27. CVE task reserved/rejected, or a replacement reserved task created.
CveTaskStatusChanged => "cve.task_status_changed", L, A, active;
/// #28. Ban set on rejection.
CveRequestBanned => "cve.request_banned", L, B, active;
/// #29. Admin lifted the ban.
CveRequestUnbanned => "cve.request_unbanned", L, -, active;
/// #30. Open request auto-cancelled by dismissal.
CveRequestCancelled => "cve.request_cancelled", L, B, active;
/// #31. `assigned_cve_id` cleared and an orphan created.
CveUnassigned => "cve.unassigned", L, B, active;
/// #32. Admin recorded the cve.org rejection of an orphan.
CveMarkedRejectedAtCveOrg => "cve.marked_rejected_at_cve_org", L, A, active;
/// #33. Orphaned CVE reattached to its advisory.
CveReassignedFromOrphan => "cve.reassigned_from_orphan", L, -, active;
/// #34. Reopen queued an orphan reassignment task.
CveOrphanReassignmentRequested => "cve.orphan_reassignment_requested", L, -, active;
/// #35. Admin resolved that task.
CveOrphanReassignmentResolved => "cve.orphan_reassignment_resolved", L, -, active;
/// #36. Structured twin of review decisions/withdrawals (ledger-only).
ReviewTaskStatusChanged => "review.task_status_changed", L, -, active;
/// #37. Publication task created.
PublicationExportStarted => "publication.export_started", L, B, active;
/// #38. Task succeeded.
PublicationExportCompleted => "publication.export_completed", L, B, active;
/// #39. Validation or unexpected failure.
PublicationExportFailed => "publication.export_failed", L, B, active;
/// #40. OSV built and validated.
PublicationOsvGenerated => "publication.osv_generated", L, -, active;
/// #41. CSAF built and validated.
PublicationCsafGenerated => "publication.csaf_generated", L, -, active;
/// #42. CVE record built and validated.
PublicationCveGenerated => "publication.cve_generated", L, -, active;
/// #43. Commit created.
PublicationGitCommit => "publication.git_commit", L, -, active;
/// #44. Push succeeded.
PublicationGitPush => "publication.git_push", L, B, active;
/// #45. Any git-layer failure.
PublicationGitPushFailed => "publication.git_push_failed", L, B, active;
/// #46. Stale task force-failed.
PublicationTaskReaped => "publication.task_reaped", L, -, active;
/// #47. Duplicate check queued (content about to leave the deployment).
SimilarityCheckStarted => "similarity.check_started", L, -, active;
/// #48. Check succeeded.
SimilarityCheckCompleted => "similarity.check_completed", L, -, active;
/// #49. Check failed.
SimilarityCheckFailed => "similarity.check_failed", L, -, active;
/// #50. Stale check force-failed.
SimilarityCheckReaped => "similarity.check_reaped", L, -, active;
/// #51. Global or per-advisory preferences changed.
NotificationPrefsChanged => "notification.prefs_changed", L, -, active;
/// #52. One per recipient per delivered e-mail (incl. invitations).
NotificationSent => "notification.sent", A, -, active;
/// #53. A GHSA sync fetched (or found missing) the upstream advisory.
GhsaMetadataFetched => "ghsa.metadata_fetched", A, -, active;
/// #54. GHSA-linked advisory created.
GhsaLinkedAdvisoryCreated => "ghsa.linked_advisory_created", L, C, active;
/// #55. Native advisory converted via Move to GHSA.
AdvisoryMovedToGhsa => "advisory.moved_to_ghsa", L, -, active;
/// #56. CVE push task queued.
GhsaCvePushRequested => "ghsa.cve_push_requested", L, C, active;
/// #57. Push succeeded.
GhsaCvePushSucceeded => "ghsa.cve_push_succeeded", L, C, active;
/// #58. Push failed.
GhsaCvePushFailed => "ghsa.cve_push_failed", L, C, active;
/// #59. Stale push task force-failed.
GhsaCvePushReaped => "ghsa.cve_push_reaped", L, -, active;
/// #60. Upstream CVE differs from the assigned one.
GhsaCveConflictDetected => "ghsa.cve_conflict_detected", L, C, active;
/// #61. Batch sync started.
GhsaSyncRunStarted => "ghsa.sync_run_started", A, -, active;
/// #62. Batch sync finished.
GhsaSyncRunFinished => "ghsa.sync_run_finished", A, -, active;
/// #63. App installation created/updated/unsuspended.
GhsaInstallationRegistered => "ghsa.installation_registered", L, -, active;
/// #64. Installation suspended.
GhsaInstallationSuspended => "ghsa.installation_suspended", L, -, active;
/// #65. Installation deleted.
GhsaInstallationRemoved => "ghsa.installation_removed", L, -, active;
/// #66. Verified webhook accepted.
GhsaWebhookReceived => "ghsa.webhook_received", A, -, active;
/// #67. Webhook failed HMAC or was malformed.
GhsaWebhookRejected => "ghsa.webhook_rejected", A, -, active;
/// #68. PMI repo mirror refreshed (or failed) for a project.
PmiProjectReposSynced => "pmi.project_repos_synced", A, -, active;
/// #69. Roster sync ran (or failed) for a project.
RosterSynced => "roster.synced", A, -, active;
/// #70. A shadow user logged in for the first time.
RosterShadowLinked => "roster.shadow_linked", L, -, active;
/// #71. Successful sign-in.
AuthLogin => "auth.login", A, -, active;
/// #72. Sign-out.
AuthLogout => "auth.logout", A, -, active;
/// #73. Callback produced no session (actor null). Spelled `auth.failed_login` by ruling 16
/// of 00-decisions.
AuthFailedLogin => "auth.failed_login", A, -, active;
/// #74. Confirmed step-up re-authentication.
AuthStepUpCompleted => "auth.step_up_completed", A, -, active;
/// #75. Maintenance switched on, or its message changed while on.
MaintenanceEnabled => "maintenance.enabled", L, -, active;
/// #76. Maintenance switched off.
MaintenanceDisabled => "maintenance.disabled", L, -, active;
/// #77. Admin banned an account.
UserBanned => "user.banned", L, -, active;
/// #78. Admin lifted a ban.
UserUnbanned => "user.unbanned", L, -, active;
/// #79. Project created (admin console).
ProjectCreated => "project.created", L, -, active;
/// #80. Project metadata or security-team binding changed.
ProjectUpdated => "project.updated", L, -, active;
/// #81. Forget-user completed (no subject PII).
UserForgotten => "user.forgotten", L, -, active;
/// #82. Ledger retention sweep ran.
AuditPruned => "audit.pruned", L, -, active;
// retention (90 §8)
/// `prune-reports` scrubbed reporter and honeypot network data (the issue's
/// "each retention command records itself").
IntakeReportsPruned => "intake.reports_pruned", L, -, active;
// admin console (50 §14)
/// Ruling 13 of 00-decisions: an admin re-queued a dead-lettered job.
JobRequeued => "job.requeued", L, -, active;
/// #83. Public report filed.
AdvisoryTriageSubmitted => "advisory.triage_submitted", L, C, active;
/// #84. Triage promoted to draft.
AdvisoryTriagePromoted => "advisory.triage_promoted", L, A, active;
/// #85. Owner flagged a triage report for admin routing.
AdvisoryFlaggedForRouting => "advisory.flagged_for_routing", L, C, active;
/// #86. Routing flag cleared.
AdvisoryRoutingFlagCleared => "advisory.routing_flag_cleared", L, C, active;
/// #87. Draft admin-reassignment requested.
AdvisoryReassignmentRequested => "advisory.reassignment_requested", L, A, active;
/// #88. Request cleared; only `metadata.cause = 'withdrawn'` rows appear on the timeline.
AdvisoryReassignmentRequestCleared => "advisory.reassignment_request_cleared", L, A, active;
/// #89. Withdrawal requested by a non-mature owner.
AdvisoryWithdrawalRequested => "advisory.withdrawal_requested", L, -, active;
/// #90. Withdrawal request cancelled or approved.
AdvisoryWithdrawalRequestCleared => "advisory.withdrawal_request_cleared", L, -, active;
/// #91. Comments locked.
AdvisoryCommentsLocked => "advisory.comments_locked", L, A, active;
/// #92. Comments unlocked.
AdvisoryCommentsUnlocked => "advisory.comments_unlocked", L, A, active;
/// #93. Legacy; readable only, never emitted.
ReportSubmitted => "report.submitted", L, -, legacy;
/// #94. Legacy; never emitted.
ReportTriagedIntoAdvisory => "report.triaged_into_advisory", L, -, legacy;
/// #95. Legacy; never emitted.
ReportDismissed => "report.dismissed", L, -, legacy;
/// #96. Legacy; never emitted.
ReportProjectReassigned => "report.project_reassigned", L, -, legacy;
/// #97. Legacy; never emitted.
ReportFlaggedForRouting => "report.flagged_for_routing", L, -, legacy;
/// The pre-ruling spelling of `auth.failed_login` (ruling 16 of 00-decisions): readable in
/// old access-log rows, never emitted.
AuthLoginFailed => "auth.login_failed", A, -, legacy;}

impl Action {
    /// Whether the recorder may write this action now (legacy values are
    /// readable only).
    pub const fn is_recordable(self) -> bool {
        !self.is_legacy()
    }

    /// The actions a caller with `role` sees on an advisory timeline, for the
    /// tier-filtered timeline query.
    pub fn visible_on_timeline(role: Role) -> impl Iterator<Item = Action> {
        Action::ALL
            .iter()
            .copied()
            .filter(move |action| action.tier().is_some_and(|tier| tier.visible_to(role)))
    }
}

impl FromStr for Action {
    type Err = UnknownAction;

    /// Case-sensitive: the catalogue spelling only.
    fn from_str(s: &str) -> Result<Action, UnknownAction> {
        lookup(s).ok_or_else(|| UnknownAction(s.to_owned()))
    }
}

impl fmt::Display for Action {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

// INV-AUDIT-5 and INV-AUDIT-6, checked when the crate compiles.
const _: () = {
    let mut i = 0;
    while i < Action::ALL.len() {
        let action = Action::ALL[i];
        assert!(
            !(matches!(action.store(), Store::AccessLog) && action.tier().is_some()),
            "INV-AUDIT-5: an access-log action is on a timeline tier"
        );
        i += 1;
    }
    assert!(
        matches!(Action::AdvisoryFirstSeen.store(), Store::Ledger)
            && Action::AdvisoryFirstSeen.tier().is_none(),
        "INV-AUDIT-6: advisory.first_seen must be a ledger action on no tier"
    );
};

#[cfg(test)]
mod tests {
    use std::collections::HashSet;

    use super::*;

    fn count(pred: impl Fn(Action) -> bool) -> usize {
        Action::ALL.iter().copied().filter(|a| pred(*a)).count()
    }

    #[test]
    fn totals_match_the_spec_with_ruling_16() {
        assert_eq!(Action::ALL.len(), 100);
        assert_eq!(count(Action::is_recordable), 94);
        assert_eq!(count(Action::is_legacy), 6);
        assert_eq!(count(|a| a.store() == Store::AccessLog), 14);
        assert_eq!(
            count(|a| a.store() == Store::AccessLog && a.is_recordable()),
            13
        );
        assert_eq!(count(|a| a.store() == Store::Ledger), 86);
        assert_eq!(count(|a| a.tier() == Some(Tier::A)), 19);
        assert_eq!(count(|a| a.tier() == Some(Tier::B)), 14);
        assert_eq!(count(|a| a.tier() == Some(Tier::C)), 9);
    }

    #[test]
    fn access_log_and_timeline_tiers_are_disjoint_inv_audit_5() {
        for action in Action::ALL {
            if action.store() == Store::AccessLog {
                assert_eq!(action.tier(), None, "{action}");
            }
        }
    }

    #[test]
    fn first_seen_is_ledger_and_on_no_tier_inv_audit_6() {
        let action: Action = "advisory.first_seen".parse().unwrap();
        assert_eq!(action, Action::AdvisoryFirstSeen);
        assert_eq!(action.store(), Store::Ledger);
        assert_eq!(action.tier(), None);
        assert!(action.is_recordable());
    }

    #[test]
    fn the_13_ephemeral_actions() {
        let expected: HashSet<&str> = [
            "advisory.viewed",
            "notification.sent",
            "ghsa.metadata_fetched",
            "ghsa.sync_run_started",
            "ghsa.sync_run_finished",
            "ghsa.webhook_received",
            "ghsa.webhook_rejected",
            "pmi.project_repos_synced",
            "roster.synced",
            "auth.login",
            "auth.logout",
            "auth.failed_login",
            "auth.step_up_completed",
        ]
        .into();
        let actual: HashSet<&str> = Action::ALL
            .iter()
            .filter(|a| a.store() == Store::AccessLog && a.is_recordable())
            .map(|a| a.as_str())
            .collect();
        assert_eq!(actual, expected);
    }

    #[test]
    fn failed_sign_in_follows_ruling_16() {
        let current: Action = "auth.failed_login".parse().unwrap();
        assert!(current.is_recordable());
        assert_eq!(current.store(), Store::AccessLog);
        let legacy: Action = "auth.login_failed".parse().unwrap();
        assert!(legacy.is_legacy());
        assert!(!legacy.is_recordable());
        assert_eq!(legacy.store(), Store::AccessLog);
        assert_eq!(legacy.tier(), None);
    }

    #[test]
    fn legacy_report_values_are_readable_only() {
        for value in [
            "report.submitted",
            "report.triaged_into_advisory",
            "report.dismissed",
            "report.project_reassigned",
            "report.flagged_for_routing",
        ] {
            let action: Action = value.parse().unwrap();
            assert!(action.is_legacy(), "{value}");
            assert_eq!(action.store(), Store::Ledger);
            assert_eq!(action.tier(), None);
        }
    }

    #[test]
    fn every_value_round_trips_and_is_unique() {
        let mut seen = HashSet::new();
        for action in Action::ALL {
            let value = action.as_str();
            assert!(seen.insert(value), "duplicate {value}");
            assert_eq!(value.parse::<Action>(), Ok(*action));
            assert_eq!(action.to_string(), value);
            let (domain, verb) = value.split_once('.').unwrap();
            assert!(!domain.is_empty() && domain.bytes().all(|b| b.is_ascii_lowercase()));
            assert!(
                !verb.is_empty() && verb.bytes().all(|b| b.is_ascii_lowercase() || b == b'_'),
                "{value}"
            );
        }
    }

    #[test]
    fn the_recorder_rejects_values_outside_the_catalogue() {
        for value in [
            "",
            "advisory",
            "advisory.Created",
            "ADVISORY.CREATED",
            " advisory.created",
            "advisory.created ",
            "advisory.deleted",
            "auth.login_failure",
        ] {
            assert_eq!(
                value.parse::<Action>(),
                Err(UnknownAction(value.to_owned())),
                "{value:?}"
            );
        }
    }

    #[test]
    fn tiers_map_to_roles() {
        assert_eq!(Tier::A.audience(), Role::Viewer);
        assert_eq!(Tier::B.audience(), Role::Collaborator);
        assert_eq!(Tier::C.audience(), Role::Owner);
        assert!(Tier::A.visible_to(Role::Viewer));
        assert!(!Tier::B.visible_to(Role::Viewer));
        assert!(Tier::B.visible_to(Role::Collaborator));
        assert!(!Tier::C.visible_to(Role::Collaborator));
        assert!(Tier::C.visible_to(Role::Owner));
        assert_eq!(Action::visible_on_timeline(Role::Viewer).count(), 19);
        assert_eq!(Action::visible_on_timeline(Role::Collaborator).count(), 33);
        assert_eq!(Action::visible_on_timeline(Role::Owner).count(), 42);
        assert!(
            Action::visible_on_timeline(Role::Owner).all(Action::is_recordable),
            "no legacy value is on a tier"
        );
    }

    #[test]
    fn spot_checks_against_the_table() {
        use Action as A;
        let cases = [
            (A::AdvisoryCreated, Store::Ledger, Some(Tier::A)),
            (A::AdvisoryViewed, Store::AccessLog, None),
            (A::AdvisoryEdited, Store::Ledger, Some(Tier::B)),
            (
                A::AdvisoryAccessReviewDismissed,
                Store::Ledger,
                Some(Tier::C),
            ),
            (A::AdvisoryReopened, Store::Ledger, None),
            (A::CommentCreated, Store::Ledger, None),
            (A::CveMarkedRejectedAtCveOrg, Store::Ledger, Some(Tier::A)),
            (A::GhsaLinkedAdvisoryCreated, Store::Ledger, Some(Tier::C)),
            (A::AdvisoryTriageSubmitted, Store::Ledger, Some(Tier::C)),
            (A::AdvisoryCommentsUnlocked, Store::Ledger, Some(Tier::A)),
            (A::AdvisoryWithdrawalRequested, Store::Ledger, None),
        ];
        for (action, store, tier) in cases {
            assert_eq!((action.store(), action.tier()), (store, tier), "{action}");
        }
    }
}
