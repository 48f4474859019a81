## review

# The review card (50-web-ui §6.3)
review-heading = Review
review-status-none = Not submitted
review-status-submitted = Submitted
review-status-approved = Approved
review-status-changes_requested = Changes requested
review-hint-triage = Review opens once the report is accepted as a draft.
review-hint-dismissed = Not applicable while dismissed.
review-hint-published = Past review — already published.
review-hint-none = Not submitted.
review-hint-submitted = Awaiting a decision by the administrators.
review-hint-approved = Approved — publication unlocked.
review-hint-changes-requested = Reviewer asked for changes. Reopen, edit, then resubmit.
review-submitted-by = Submitted by { $who } on { $when }.
review-pinned-version = Under review: version { $version }.
review-diff = View changes since the submitted version
review-last-decision = Last decision:
review-decided-by = by { $who } on { $when }
review-submit = Submit for review
review-submit-confirm = Submit this advisory for review? Only administrators can edit it until the review is decided or withdrawn.
review-withdraw = Withdraw from review
review-withdraw-confirm = Withdraw this advisory from review?
review-notes-disclosure = Add decision notes
review-notes = Decision notes (optional)
review-notes-public = The notes are posted as a comment everyone with access can read.
review-approve = Approve
review-request-changes = Request changes
review-revoke = Revoke approval…
review-revoke-reason = Reason (optional)
review-revoke-internal = The reason is posted as an internal comment, for collaborators and owners.
review-revoke-submit = Revoke approval
review-reopen = Reopen for editing

# Flash messages (50-web-ui §6.6)
review-submitted-flash = Submitted for review.
review-withdrawn-flash = Review withdrawn.
review-reopened-flash = Review reopened.
review-revoked-flash = Approval revoked.
review-approved-flash = Review approved.
review-changes-requested-flash = Changes requested.
review-unknown-decision = Unknown decision '{ $decision }'.

# Refusals
review-refused-ghsa = A GHSA-linked advisory has no review here: it follows its GitHub advisory.
review-refused-admin-submit = Administrators review advisories; they cannot submit them for review.
review-refused-admin-withdraw = Administrators decide reviews; only the advisory's owners can withdraw one.
review-refused-not-owner = Only the project's security team can submit or withdraw a review.
review-refused-not-reviewer = Only administrators can decide reviews or revoke an approval.
review-refused-not-team = Only administrators and the project's security team can reopen a review.
review-refused-not-draft = Only a draft can be submitted for review.
review-refused-no-version = This advisory has no saved version to review yet.
review-refused-already-submitted = This advisory is already submitted for review.
review-refused-already-decided = This review was already decided or withdrawn.
review-refused-not-submitted = This advisory is not submitted for review.
review-refused-not-changes-requested = Only a review whose changes were requested can be reopened.
review-refused-not-approved = This advisory is not approved.
review-note-invalid = A note must be text of at most 65,536 characters.

# Timeline prose (20-lifecycle §19)
timeline-review-submitted = submitted it for review
timeline-review-approved = approved the review
timeline-review-changes-requested = requested changes
timeline-review-withdrawn = withdrew it from review
timeline-review-cancelled = reset the review on dismissal
timeline-review-revoked = revoked the approval
timeline-review-reopened = reopened the review for editing

# Notifications (Q-11)
email-subject-review-withdrawn = [{ $id }] withdrawn from review
notifications-kind-advisory_review_withdrawn = Withdrawn from review
