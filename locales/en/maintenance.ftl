## maintenance

# The paused page, the banner and the admin page (90-operations §7, 50-web-ui §3, §14.11)
maintenance-paused-title = Maintenance in progress
maintenance-paused-body = Reading still works; what you tried to change was not saved. Please try again later.
maintenance-default-message = Actions are temporarily paused while AdvisoryHub is being maintained.
maintenance-banner-admin = Maintenance mode is ON — regular users are paused.
maintenance-banner-manage = Manage
maintenance-title = Maintenance mode
maintenance-forbidden = The admin console is for global admins.
maintenance-explain = While maintenance mode is on, everyone but the global admins can only read: any change they try is refused with a "Maintenance in progress" page. Sign-in, health probes and the GitHub webhook keep working. Workers keep running; scale them to zero for a quiet database.
maintenance-state-on = Currently ON
maintenance-state-off = Currently OFF
maintenance-changed-by = Changed by { $who } at { $when }
maintenance-enabled-label = Maintenance mode on
maintenance-message-label = Message shown to users
maintenance-message-placeholder = e.g. Database upgrade until 14:00 UTC.
maintenance-save = Save
maintenance-now-on = Maintenance mode is now ON. Regular users are paused.
maintenance-now-off = Maintenance mode is now OFF.
maintenance-message-saved = Maintenance message updated (mode stays OFF).
maintenance-no-change = No change.
maintenance-too-long = The message is too long (at most { $max } characters).

# Right to be forgotten on a user's admin page (50-web-ui §14.9)
forget-heading = Right to be forgotten (GDPR)
forget-explain = Forgetting an account is irreversible: its e-mail and names are replaced by a pseudonym everywhere, its comments are redacted, its pending invitations and access-log rows are deleted, and it can no longer sign in.
forget-reason = Justification (required)
forget-confirm-email = Type the account's e-mail to confirm
forget-submit = Forget this account…
forget-self = You cannot forget your own account.
forget-reason-required = A justification message is required to forget an account.
forget-confirm-mismatch = The confirmation email did not match.
forget-done = { $email } has been forgotten and anonymized.
forget-forgotten = This account has been forgotten.
forget-not-permitted = The web application's database role may not rewrite the audit ledger (it is not a member of hub_retention); nothing was changed. Use the forget-user command.

# The retention marker at the top of a timeline (20-lifecycle §19.7)
timeline-pruned-before = Events before this date were removed by audit retention; the history starts incomplete.
