## cve

# The CVE panel of the advisory page (50-web-ui §6.2)
cve-heading = CVE
cve-assigned = Assigned CVE
cve-requests = Requests
cve-hint-assigned = A CVE is assigned to this advisory.
cve-hint-pending = CVE reservation pending: the administrators will reserve a CVE or answer the request.
cve-hint-banned = CVE requests are disabled for this advisory.
cve-hint-available = No CVE yet. Owners can request one from the Eclipse Foundation, as its CNA.
cve-hint-withdrawing = A withdrawal of this advisory is in progress; CVE requests are closed meanwhile.
cve-hint-dismissed = CVE requests are closed while the advisory is dismissed.
cve-hint-none = No CVE assigned.
cve-requested-by = Requested by { $who } on { $when }
cve-decided-by = decided by { $who } on { $when }
cve-request = Request a CVE number
cve-id-label = CVE id
cve-reserve = Assign
cve-reject = Reject the request…
cve-reject-notes = Why the request is rejected (required)
cve-reject-notes-public = The notes are posted as a comment everyone with access can read.
cve-ban-future = Also disable further CVE requests for this advisory
cve-reject-submit = Reject CVE request
cve-cancel = Cancel the request…
cve-cancel-confirm = Cancel this CVE request without an answer? The owners can request again.
cve-cancel-submit = Cancel CVE request
cve-unassign = Remove CVE assignment…
cve-unassign-explain = { $cve } goes to the orphan CVEs, to be rejected at cve.org.
cve-unassign-reason = Reason (required)
cve-unassign-reason-internal = The reason is posted as an internal comment (collaborators and owners).
cve-unassign-submit = Remove CVE assignment
cve-unban = Allow CVE requests
cve-history = Request history
cve-admin-link = CVE assignment (admin console)
cve-status-queued = Pending
cve-status-reserved = Reserved
cve-status-rejected = Rejected
cve-status-cancelled = Cancelled
cve-status-unknown = Unknown
cve-page-back = Back to the advisory

# Outcomes
cve-requested-flash = CVE requested.
cve-reserved-flash = { $cve } reserved for this advisory.
cve-rejected-flash = CVE request rejected.
cve-rejected-banned-flash = CVE request rejected; further requests are disabled.
cve-cancelled-flash = CVE request cancelled.
cve-unassigned-flash = CVE unassigned; it is now an orphan CVE.
cve-unbanned-flash = CVE requests re-allowed.
cve-not-banned-flash = CVE requests were not disabled.
cve-marked-rejected-flash = { $cve } marked rejected at cve.org.
cve-resolved-flash = Reassignment resolved: the advisory holds { $cve }.

# Refusals (20-lifecycle §8)
cve-refused-not-owner = Only the advisory's owners (its project's security team and the administrators) may request a CVE.
cve-refused-state = A CVE can be requested only for a draft or a published advisory.
cve-refused-withdrawing = This advisory is being withdrawn; a CVE cannot be requested for it.
cve-refused-banned = CVE requests are disabled for this advisory.
cve-refused-assigned = This advisory already has a CVE assigned.
cve-refused-pending = A CVE request is already pending for this advisory.
cve-refused-not-admin = Only the Eclipse Foundation Security Team administrators may do this.
cve-refused-not-queued = This CVE request is no longer pending: it was decided or cancelled meanwhile.
cve-refused-none-assigned = This advisory has no CVE assigned.
cve-refused-orphan-not-orphaned = This orphan CVE was already marked rejected or reattached.
cve-refused-task-resolved = This reassignment task was already resolved.
cve-refused-advisory-holds-cve = The advisory already holds a CVE: remove it first.
cve-refused-held-elsewhere = Another advisory holds this CVE now.
cve-refused-orphan-unavailable = This orphan CVE cannot be reattached to the advisory.
cve-refused-orphaned-elsewhere = This CVE is in the orphan registry for another advisory; it cannot be unassigned here.

# Field errors
cve-field-cve-id-required = Enter the CVE id to assign.
cve-field-cve-id-invalid = A CVE id looks like CVE-2026-12345: CVE, a four-digit year and 4 to 19 digits.
cve-field-cve-id-taken = This CVE id is already assigned to another advisory. Use another id, or unassign it there first.
cve-field-cve-id-orphaned = This CVE id is an orphan CVE awaiting rejection at cve.org; it cannot be assigned again.
cve-field-notes-required = Write why the request is rejected.
cve-field-reason-required = Write why the CVE is removed.
cve-field-text-invalid = The text must be at most 65,536 characters, without NUL characters.
cve-field-status-unknown = Choose to reserve, reject or cancel the request.
cve-field-ban-only-on-reject = Further requests can be disabled only when rejecting a request.
cve-field-outcome-unknown = Choose whether the rejection was undone or a new CVE is assigned.

# The CVE assignment page of the admin console (50-web-ui §14.2)
cve-admin-title = CVE assignment
cve-admin-queued = Advisories awaiting CVE reservation
cve-admin-orphans = Orphan CVEs (awaiting cve.org rejection)
cve-admin-reassignments = CVE reassignments after reopen
cve-admin-banned = CVE requests disabled
cve-admin-resolved = Recently resolved
cve-admin-none = Nothing here.
cve-admin-advisory = Advisory
cve-admin-project = Project
cve-admin-requested = Requested
cve-admin-previous = Previous advisory
cve-admin-unassigned = Unassigned
cve-admin-status = Status
cve-admin-actions = Actions
cve-admin-deleted = (advisory deleted)
cve-admin-mark-notes = Notes (optional)
cve-admin-mark-rejected = Mark rejected at cve.org
cve-admin-outcome-reassigned = Rejection undone — reattach { $cve }
cve-admin-outcome-replaced = Couldn't undo — assign a new CVE number
cve-admin-replacement = New CVE id (when assigning a new number)
cve-admin-resolve-notes = Notes (optional)
cve-admin-resolve = Resolve
cve-admin-allow = Allow CVE requests
cve-admin-by = by { $who }
cve-orphan-status-orphaned = Orphaned
cve-orphan-status-marked_rejected = Marked rejected
cve-orphan-status-reassigned = Reassigned
cve-task-status-queued = Queued
cve-task-status-resolved_reassigned = Reattached
cve-task-status-resolved_replaced = Replaced
