# Triage decisions on a report (20-lifecycle §6) and the admin console inbox (50-web-ui §14.1).

triage-heading = Triage
triage-badge-routing = Routing
triage-reporter = Reported by
triage-anonymous = anonymous
triage-hint = Untrusted report. Accept it as a draft, move it to the right project, or dismiss it.
triage-hint-flagged = Flagged for admin routing: only admins decide on it until the flag is cleared.
triage-hint-unsorted = Filed without a project: assign it to a project before accepting it as a draft.
triage-flagged-banner = Flagged for admin routing
triage-promote = Accept as draft
triage-promote-submit = Accept as draft
triage-promote-hint = The report becomes a draft of this project, keeping its id, history, comments and grants.
triage-flag = Flag for admin routing…
triage-flag-submit = Flag for routing
triage-flag-hint = Hand the report to the admins, who will move it to the right project.
triage-clear-flag = Clear flag…
triage-clear-flag-submit = Clear flag
triage-reassign = Assign to project…
triage-reassign-submit = Assign to project
triage-reassign-note = Note (optional, kept in the audit log)

triage-flash-promoted = Advisory accepted as draft.
triage-flash-flagged = Flagged for admin routing.
triage-flash-flag-cleared = Routing flag cleared.
triage-flash-reassigned = Advisory assigned to { $project }.

triage-error-forbidden = Only the project's security team and admins may decide on this report.
triage-error-ghsa = This report mirrors a GitHub advisory and follows it; it is not triaged here.
triage-error-unknown-project = Unknown project.
triage-error-promote-target-forbidden = You may only accept this report into a project whose security team you are on.
triage-error-promote-unsorted = Choose the project this report belongs to before accepting it as a draft.
triage-error-flag-forbidden = Only the project's security team may flag this report for admin routing.
triage-error-already-flagged = This report is already flagged for admin routing.
triage-error-clear-forbidden = Only the project's security team and admins may clear the routing flag.
triage-error-clear-unsorted = A report without a project stays flagged until it is assigned to a project, accepted or dismissed.
triage-error-not-flagged = This report is not flagged for admin routing.
triage-error-reassign-forbidden = Only the project's security team and admins may move this report.
triage-error-choose-project = Choose a project to assign this advisory to.
triage-error-reassign-target-forbidden = You may only move this report to a project whose security team you are on.

admin-inbox-title = Admin inbox
admin-inbox-chips = Filter by category
admin-inbox-all = All open work ({ $count })
admin-inbox-chip-cve = { $count ->
    [one] 1 CVE request
   *[other] { $count } CVE requests
}
admin-inbox-chip-review = { $count ->
    [one] 1 review pending
   *[other] { $count } reviews pending
}
admin-inbox-chip-needs-publish = { $count } publish required
admin-inbox-chip-triage = { $count } awaiting triage
admin-inbox-chip-routing = { $count } awaiting routing
admin-inbox-chip-orphan = { $count ->
    [one] 1 orphan CVE
   *[other] { $count } orphan CVEs
}
admin-inbox-chip-reassignment = { $count ->
    [one] 1 CVE reassignment
   *[other] { $count } CVE reassignments
}
admin-inbox-chip-withdrawal = { $count ->
    [one] 1 withdrawal request
   *[other] { $count } withdrawal requests
}
admin-inbox-chip-recent = Recent activity
admin-inbox-type = Type
admin-inbox-item = Item
admin-inbox-age = Age
admin-inbox-empty = Nothing is waiting here.
admin-inbox-badge-cve = CVE
admin-inbox-badge-review = Review
admin-inbox-badge-publish = Publish
admin-inbox-badge-triage = Triage
admin-inbox-badge-routing = Routing
admin-inbox-badge-orphan = Orphan
admin-inbox-badge-reassign = Reassign
admin-inbox-badge-withdraw = Withdraw
admin-inbox-submitted-by = submitted by { $who }
admin-inbox-edited-since-publish = edited since publish · { $project }
admin-inbox-reopened = reopened: { $id }
admin-inbox-advisory-deleted = (advisory deleted)
admin-inbox-withdrawal-requested = withdrawal requested: { $project }
admin-inbox-anonymous = anonymous
admin-inbox-pages = Pages
admin-inbox-page = Page { $page } of { $pages }
admin-inbox-previous = ← Newer
admin-inbox-next = Older →
admin-inbox-more = More on the section pages:
admin-inbox-more-cve = CVE requests ({ $count } not shown)
admin-inbox-more-publish = Publish required ({ $count } not shown)
admin-inbox-more-orphan = Orphan CVEs ({ $count } not shown)
admin-inbox-more-reassignment = CVE reassignments ({ $count } not shown)
admin-inbox-recent-when = When
admin-inbox-recent-who = Who
admin-inbox-recent-what = What
admin-inbox-recent-advisory = Advisory
admin-inbox-system = system
nav-admin-console = Admin Console
timeline-triage-submitted = reported it through the public form
timeline-triage-promoted = accepted the report as a draft
timeline-flagged-for-routing = flagged it for admin routing
timeline-routing-flag-cleared = cleared the routing flag
