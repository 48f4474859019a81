## publication
# The publication card, the publish and retry actions, the document previews
# (50-web-ui §6.3, §11).

publication-heading = Publication
publication-never-run = Never run
publication-status-queued = Queued
publication-status-running = Running
publication-status-succeeded = Succeeded
publication-status-failed = Failed
publication-status-unknown = Unknown
publication-republish-required = Re-publish required

publication-hint-in-progress = Publication in progress…
publication-hint-ghsa-pending = Publishes automatically when the linked GHSA is published on GitHub.
publication-hint-ghsa-republish = Re-publishes automatically when the linked GHSA changes.
publication-hint-ghsa-live = Live in the publication repository (mirrors the linked GHSA).
publication-hint-triage = Available once the report is accepted (and reviewed).
publication-hint-dismissed = Not applicable while dismissed.
publication-hint-review-submitted = Blocked while the review is in progress.
publication-hint-approved = Ready to publish.
publication-hint-changes-requested = Reviewer asked for changes — fix them first.
publication-hint-draft = Publish when ready (review may be required).
publication-hint-republish = Live — but edits since the last publication need re-publishing.
publication-hint-failed = The last publication run failed.
publication-hint-live = Live in the publication repository.

publication-refresh = Refresh
publication-run = Run
publication-version = version { $version }
publication-started-by = started by { $who }
publication-commit = Commit
publication-attempts = Attempts
publication-last-error = Last error
publication-history = History
publication-preview-osv = Preview OSV
publication-preview-csaf = Preview CSAF
publication-preview-cve = Preview CVE
publication-diff = Diff against current
publication-retry = Retry
publication-publish = Publish…
publication-republish = Re-publish…
publication-confirm-explain = Publishing pushes the advisory's latest version to the public repository. Type the advisory ID to confirm:
publication-confirm-label = Advisory ID
publication-confirm-submit = Publish
publication-back-to = ← Back to { $id }

publication-flash-started = Publication started.
publication-flash-retry-started = Publication retry started.
publication-flash-mismatch = The advisory ID you entered did not match. Nothing was published.
publication-error-not-failed = Task is not in 'failed' state.
publication-error-unknown-kind = Unknown artifact kind.

publication-path = Path in the repository
publication-download = Download JSON
publication-back-to-advisory = Back to advisory

publication-admin-title = Publication
publication-admin-forbidden = The admin console is for global admins.
publication-admin-queue = Publication queue
publication-admin-failed = Failed publication exports
publication-admin-awaiting = Awaiting re-publication
publication-admin-recent = Recently published
publication-admin-none = Nothing here.
publication-admin-advisory = Advisory
publication-admin-status = Status
publication-admin-started = Started
publication-admin-failed-at = Failed
publication-admin-actions = Actions
publication-admin-retry = Retry…
publication-admin-retry-explain = A new run publishes the advisory's latest version.
publication-admin-project = Project
publication-admin-edited = Edited
publication-admin-summary = Summary
publication-admin-published = Published
