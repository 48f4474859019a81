# AdvisoryHub — English catalogue. Every key here must also exist in fr.ftl.

app-name = AdvisoryHub
app-tagline = The system of record for security advisories.
skip-to-content = Skip to content
nav-main = Main navigation
nav-advisories = Advisories
nav-home = Home

footer-report-issue = Report an issue
footer-ask-question = Ask a question
footer-report-vulnerability = Report a vulnerability in AdvisoryHub
footer-language = Language
footer-language-submit = Change language
footer-version = AdvisoryHub v{ $version }

home-title = Welcome
home-lead = AdvisoryHub is where security teams author, review, publish and audit security advisories.
home-embargo = Embargoed content stays private until it is published.

error-back-home = Back to the home page
error-request-id = Request reference: { $id }
error-400-title = Bad request
error-400-body = The request could not be understood.
error-403-title = Access denied
error-403-body = You are not allowed to do this.
error-404-title = Page not found
error-404-body = There is nothing at this address.
error-405-title = Method not allowed
error-405-body = This address does not accept that kind of request.
error-408-title = Request timed out
error-408-body = The request took too long. Please try again.
error-413-title = Request too large
error-413-body = The request is larger than this server accepts.
error-415-title = Unsupported content type
error-415-body = The request body is not in a format this address accepts.
error-422-title = Invalid input
error-422-body = Some of the submitted values are not valid.
error-429-title = Too many requests
error-429-body = Rate limit exceeded. Try again in a minute.
error-500-title = Something went wrong
error-500-body = An unexpected error happened on our side. It has been logged.
error-503-title = Service unavailable
error-503-body = AdvisoryHub cannot answer right now. Please try again shortly.
error-other-title = Request failed
error-other-body = The request could not be completed.
error-retry = Go back and try again

nav-sign-in = Sign in
nav-sign-out = Sign out
yes = Yes
no = No
home-signed-in-as = Signed in as
home-sign-in-hint = Sign in with your organisation account to continue.

sign-in-failed-title = Sign-in failed
sign-in-failed-retry = Try signing in again
signed-out-title = You're signed out
signed-out-again = Sign in again

account-title = Your account
account-profile = Profile
account-email = E-mail
account-name = Name
account-global-admin = Global admin
account-groups = Groups
account-no-groups = You are in no groups.
account-groups-hint = Groups come from your identity provider and are refreshed each time you sign in.
account-security-team = Security team
account-sessions = Active sessions
account-session-signed-in = Signed in
account-session-last-used = Last used
account-session-address = Address
account-session-browser = Browser
account-session-this = this browser
account-sign-out-everywhere = Sign out everywhere

admin-user-account = Account
admin-user-subject = Identity-provider subject
admin-user-joined = Joined
admin-user-last-login = Last sign-in
admin-user-access = Account access
admin-user-active = This account is active.
admin-user-banned = Banned
admin-user-ban-reason = Reason
admin-user-ban = Ban this account
admin-user-unban = Unban account
