//! Outgoing e-mail (80-integrations §5.1): one [`Mailer`] per process, its
//! backend chosen by `EMAIL_BACKEND`. Every backend builds the same message
//! first, so a header-injection attempt or a bad address is refused the same
//! way whether the message is sent, logged or kept. Errors never carry the
//! SMTP password (80-integrations §1.3).
//!
//! SMTP sessions are lettre's connections driven here rather than through
//! its `AsyncSmtpTransport`, which bounds only the TCP connect by its timeout
//! and, when a send is cancelled, puts the half-used connection back in its
//! pool. Here every step (connect and greeting, STARTTLS, AUTH, the mail
//! transaction, the liveness check of a reused connection) is bounded by
//! `EMAIL_TIMEOUT`, and a connection that timed out or failed is dropped,
//! never reused: the server discards a transaction cut short.

use std::future::Future;
use std::sync::{Arc, Mutex, PoisonError};
use std::time::{Duration, Instant};

use lettre::Message;
use lettre::address::Envelope;
use lettre::message::{Mailbox, MultiPart, SinglePart};
use lettre::transport::smtp::authentication::{Credentials, DEFAULT_MECHANISMS};
use lettre::transport::smtp::client::{AsyncSmtpConnection, TlsParameters};
use lettre::transport::smtp::extension::ClientId;

use crate::audit::redact::Redactor;
use crate::config::{Config, EmailBackend, EmailConfig};

/// One message to one recipient.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct OutgoingMail {
    /// The recipient: `user@example.org` or `Name <user@example.org>`.
    pub to: String,
    pub subject: String,
    /// The plain-text body, always present.
    pub text: String,
    /// An HTML alternative; the message is multipart/alternative when set.
    pub html: Option<String>,
}

/// Why a message was not sent. `Display` is safe to log.
#[derive(Debug, thiserror::Error)]
pub enum MailError {
    #[error("the {field} contains a line break; refused as a header injection")]
    HeaderInjection { field: &'static str },
    #[error("invalid recipient address {0:?}")]
    InvalidRecipient(String),
    #[error("cannot build the message: {0}")]
    Build(String),
    #[error("cannot set up TLS for SMTP: {0}")]
    TlsSetup(String),
    #[error("SMTP: no answer to the {step} within {after:?}")]
    Timeout { step: &'static str, after: Duration },
    /// The SMTP exchange failed; `permanent` when the server refused the
    /// message with a 5xx reply, so that sending it again cannot help.
    #[error("SMTP: {message}")]
    Smtp { message: String, permanent: bool },
}

impl MailError {
    /// Whether trying the same message again is pointless.
    pub fn is_permanent(&self) -> bool {
        match self {
            MailError::HeaderInjection { .. }
            | MailError::InvalidRecipient(_)
            | MailError::Build(_) => true,
            MailError::Smtp { permanent, .. } => *permanent,
            MailError::TlsSetup(_) | MailError::Timeout { .. } => false,
        }
    }
}

/// Sends e-mail through the configured backend. Cheap to clone: the idle
/// SMTP connections and the memory store are shared between clones.
#[derive(Clone)]
pub struct Mailer {
    from: Mailbox,
    backend: Backend,
}

#[derive(Clone)]
enum Backend {
    Smtp(Arc<Smtp>),
    Console,
    Memory(Arc<Mutex<Vec<OutgoingMail>>>),
}

impl Mailer {
    /// The mailer of `EMAIL_BACKEND`. Fails only when TLS is requested and
    /// the system's certificate store cannot be loaded.
    pub fn from_config(config: &Config) -> Result<Mailer, MailError> {
        let email = &config.email;
        let backend = match email.backend {
            EmailBackend::Smtp => Backend::Smtp(Arc::new(Smtp::new(email)?)),
            EmailBackend::Console => Backend::Console,
            EmailBackend::Memory => Backend::Memory(Arc::default()),
        };
        Ok(Mailer {
            from: email.from.clone(),
            backend,
        })
    }

    /// Sends one message: multipart/alternative (text, then HTML) when
    /// `html` is set, plain text otherwise.
    #[tracing::instrument(name = "mail.send", skip_all)]
    pub async fn send(&self, mail: &OutgoingMail) -> Result<(), MailError> {
        let message = self.message(mail)?;
        match &self.backend {
            Backend::Smtp(smtp) => smtp.deliver(message.envelope(), &message.formatted()).await,
            Backend::Console => {
                // Not the body: invitation links carry their token.
                tracing::info!(
                    to = %mail.to,
                    subject = %mail.subject,
                    bytes = mail.text.len(),
                    "e-mail not sent (EMAIL_BACKEND=console)"
                );
                Ok(())
            }
            Backend::Memory(sent) => {
                sent.lock()
                    .unwrap_or_else(PoisonError::into_inner)
                    .push(mail.clone());
                Ok(())
            }
        }
    }

    /// What the memory backend has kept, oldest first; empty for the others.
    pub fn sent(&self) -> Vec<OutgoingMail> {
        match &self.backend {
            Backend::Memory(sent) => sent.lock().unwrap_or_else(PoisonError::into_inner).clone(),
            Backend::Smtp(_) | Backend::Console => Vec::new(),
        }
    }

    fn message(&self, mail: &OutgoingMail) -> Result<Message, MailError> {
        // lettre would encode a line break rather than obey it; refusing it
        // outright keeps a crafted subject or address from passing silently.
        for (field, value) in [("recipient", &mail.to), ("subject", &mail.subject)] {
            if value.contains(['\r', '\n']) {
                return Err(MailError::HeaderInjection { field });
            }
        }
        let to: Mailbox = mail
            .to
            .parse()
            .map_err(|_| MailError::InvalidRecipient(mail.to.clone()))?;
        let builder = Message::builder()
            .from(self.from.clone())
            .to(to)
            .subject(mail.subject.as_str())
            .message_id(Some(format!(
                "<{}@{}>",
                uuid::Uuid::new_v4().simple(),
                self.from.email.domain()
            )))
            .date_now();
        let built = match &mail.html {
            None => builder.singlepart(SinglePart::plain(mail.text.clone())),
            Some(html) => builder.multipart(MultiPart::alternative_plain_html(
                mail.text.clone(),
                html.clone(),
            )),
        };
        built.map_err(|e| MailError::Build(e.to_string()))
    }
}

/// Idle connections kept for reuse, at most.
const MAX_IDLE: usize = 4;
/// An idle connection older than this is closed rather than reused.
const MAX_IDLE_AGE: Duration = Duration::from_secs(60);

/// One SMTP server and the idle connections to it.
struct Smtp {
    host: String,
    port: u16,
    timeout: Duration,
    hello: ClientId,
    tls: SmtpTls,
    credentials: Option<Credentials>,
    /// Masks the SMTP password in error messages.
    redactor: Redactor,
    idle: Mutex<Vec<(AsyncSmtpConnection, Instant)>>,
}

/// TLS as configured. Verification is always on, against the system's
/// roots; no setting turns it off.
enum SmtpTls {
    None,
    /// `EMAIL_USE_TLS`: STARTTLS, required; a server without it is an error.
    StartTls(TlsParameters),
    /// `EMAIL_USE_SSL`: TLS from the first byte.
    Implicit(TlsParameters),
}

impl Smtp {
    fn new(email: &EmailConfig) -> Result<Smtp, MailError> {
        let params = || {
            TlsParameters::new(email.host.clone()).map_err(|e| MailError::TlsSetup(e.to_string()))
        };
        let tls = if email.implicit_tls {
            SmtpTls::Implicit(params()?)
        } else if email.starttls {
            SmtpTls::StartTls(params()?)
        } else {
            SmtpTls::None
        };
        Ok(Smtp {
            host: email.host.clone(),
            port: email.port,
            timeout: email.timeout,
            hello: ClientId::default(),
            tls,
            credentials: (!email.user.is_empty())
                .then(|| Credentials::new(email.user.clone(), email.password.expose().to_owned())),
            redactor: Redactor::new([email.password.expose().to_owned()]),
            idle: Mutex::new(Vec::new()),
        })
    }

    async fn deliver(&self, envelope: &Envelope, body: &[u8]) -> Result<(), MailError> {
        let mut conn = self.checkout().await?;
        let sent = self
            .bounded("mail transaction", conn.send(envelope, body))
            .await;
        // Kept only when the exchange completed: lettre marks a connection
        // broken when a command failed, and one that timed out is stuck
        // mid-transaction.
        if !conn.has_broken() && !matches!(sent, Err(MailError::Timeout { .. })) {
            self.checkin(conn);
        }
        sent.map(drop)
    }

    /// An idle connection that still answers, or a new one.
    async fn checkout(&self) -> Result<AsyncSmtpConnection, MailError> {
        loop {
            let idle = self
                .idle
                .lock()
                .unwrap_or_else(PoisonError::into_inner)
                .pop();
            let Some((mut conn, since)) = idle else {
                break;
            };
            if since.elapsed() < MAX_IDLE_AGE
                && matches!(
                    tokio::time::timeout(self.timeout, conn.test_connected()).await,
                    Ok(true)
                )
            {
                return Ok(conn);
            }
        }
        self.connect().await
    }

    fn checkin(&self, conn: AsyncSmtpConnection) {
        let mut idle = self.idle.lock().unwrap_or_else(PoisonError::into_inner);
        if idle.len() < MAX_IDLE {
            idle.push((conn, Instant::now()));
        }
    }

    async fn connect(&self) -> Result<AsyncSmtpConnection, MailError> {
        let wrapper = match &self.tls {
            SmtpTls::Implicit(params) => Some(params.clone()),
            SmtpTls::None | SmtpTls::StartTls(_) => None,
        };
        let mut conn = self
            .bounded(
                "connection",
                AsyncSmtpConnection::connect_tokio1(
                    (self.host.as_str(), self.port),
                    Some(self.timeout),
                    &self.hello,
                    wrapper,
                    None,
                ),
            )
            .await?;
        if let SmtpTls::StartTls(params) = &self.tls {
            self.bounded("STARTTLS", conn.starttls(params.clone(), &self.hello))
                .await?;
        }
        if let Some(credentials) = &self.credentials {
            self.bounded("authentication", conn.auth(DEFAULT_MECHANISMS, credentials))
                .await?;
        }
        Ok(conn)
    }

    /// `step` within `EMAIL_TIMEOUT`, its error made safe to log.
    async fn bounded<T>(
        &self,
        step: &'static str,
        f: impl Future<Output = Result<T, lettre::transport::smtp::Error>>,
    ) -> Result<T, MailError> {
        match tokio::time::timeout(self.timeout, f).await {
            Err(_) => Err(MailError::Timeout {
                step,
                after: self.timeout,
            }),
            Ok(Err(e)) => Err(MailError::Smtp {
                message: format!("{step}: {}", self.redactor.redact_str(&e.to_string())),
                permanent: e.is_permanent(),
            }),
            Ok(Ok(v)) => Ok(v),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn mailer(overrides: &[(&str, &str)]) -> Mailer {
        let mut vars = vec![("EMAIL_BACKEND", "memory")];
        vars.extend_from_slice(overrides);
        Mailer::from_config(&Config::for_tests(&vars).unwrap()).unwrap()
    }

    fn mail(to: &str, subject: &str) -> OutgoingMail {
        OutgoingMail {
            to: to.into(),
            subject: subject.into(),
            text: "Hello".into(),
            html: Some("<p>Hello</p>".into()),
        }
    }

    #[tokio::test]
    async fn the_memory_backend_keeps_what_was_sent() {
        let m = mailer(&[]);
        m.send(&mail("Bob <bob@example.org>", "[ECL-1] new comment"))
            .await
            .unwrap();
        let clone = m.clone();
        clone
            .send(&mail("carol@example.org", "Réunion"))
            .await
            .unwrap();
        let sent = m.sent();
        assert_eq!(sent.len(), 2);
        assert_eq!(sent[1].subject, "Réunion");
    }

    #[tokio::test]
    async fn line_breaks_in_headers_are_refused() {
        let m = mailer(&[]);
        for bad in [
            mail("bob@example.org", "hi\r\nBcc: eve@example.org"),
            mail("bob@example.org\nBcc: eve@example.org", "hi"),
            mail("bob@example.org", "hi\rthere"),
        ] {
            let err = m.send(&bad).await.unwrap_err();
            assert!(matches!(err, MailError::HeaderInjection { .. }), "{err}");
            assert!(err.is_permanent());
        }
        assert!(m.sent().is_empty());
    }

    #[tokio::test]
    async fn a_bad_recipient_is_an_error() {
        let m = mailer(&[]);
        for bad in ["", "not an address", "a@example.org, b@example.org"] {
            let err = m.send(&mail(bad, "hi")).await.unwrap_err();
            assert!(matches!(err, MailError::InvalidRecipient(_)), "{err}");
        }
    }

    #[test]
    fn the_message_has_the_headers_a_mail_needs() {
        let m = mailer(&[("DEFAULT_FROM_EMAIL", "Advisories <advisories@example.net>")]);
        let raw = String::from_utf8(
            m.message(&mail("bob@example.org", "Überblick"))
                .unwrap()
                .formatted(),
        )
        .unwrap();
        for header in [
            "From: Advisories <advisories@example.net>",
            "To: bob@example.org",
            "Subject: =?utf-8?",
            "Date: ",
            "MIME-Version: 1.0",
            "Content-Type: multipart/alternative;",
        ] {
            assert!(raw.contains(header), "{header} missing from {raw}");
        }
        assert!(raw.contains("@example.net>\r\n"), "Message-ID: {raw}");
        let text = m
            .message(&OutgoingMail {
                html: None,
                ..mail("bob@example.org", "hi")
            })
            .unwrap()
            .formatted();
        assert!(
            String::from_utf8(text)
                .unwrap()
                .contains("Content-Type: text/plain; charset=utf-8")
        );
    }
}
