//! Signals across processes: `NOTIFY` on named channels, received on one
//! long-lived connection per process outside the pool and fanned out
//! in-process (a broadcast per channel).
//!
//! The connection is made with tokio-postgres so it can point straight at
//! PostgreSQL (`DATABASE_LISTEN_URL`) when the pool goes through a
//! transaction-pooling PgBouncer, where `LISTEN` does not survive. `sslmode`
//! means what it means to libpq and to the pool: `disable` is plain,
//! `prefer` and `require` encrypt without checking the certificate, and
//! `verify-ca` / `verify-full` check it (against `sslrootcert` when given,
//! else the platform's roots; both check the host name too).
//! `channel_binding=require` is honoured. After a lost connection it
//! reconnects and listens again; a notification sent meanwhile is lost,
//! which is why every consumer also polls.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use futures_util::StreamExt;
use tokio::sync::{broadcast, mpsc};
use tokio_postgres::AsyncMessage;
use tokio_postgres_rustls::MakeRustlsConnect;

/// Why the listener could not be set up.
#[derive(Debug, thiserror::Error)]
pub enum SignalsError {
    #[error("DATABASE_LISTEN_URL: {0}")]
    Url(String),
    #[error("TLS setup: {0}")]
    Tls(String),
    #[error("channel names are lower-case letters, digits and underscores: {0:?}")]
    Channel(String),
}

struct Hub {
    channels: Mutex<HashMap<String, broadcast::Sender<String>>>,
    listen: mpsc::UnboundedSender<String>,
}

/// The process's signal hub; cheap to clone.
#[derive(Clone)]
pub struct Signals {
    hub: Arc<Hub>,
}

/// How the listener connection uses TLS, from the URL's `sslmode`.
#[derive(Debug, Clone, PartialEq, Eq)]
enum TlsMode {
    Disable,
    /// Encrypt if the server offers it (`prefer`) or insist (`require`), but
    /// trust any certificate, as libpq does.
    Unverified {
        required: bool,
    },
    /// Check the certificate chain and the host name.
    Verified {
        root_cert: Option<String>,
    },
}

/// Splits the URL into what tokio-postgres understands and our TLS mode:
/// `sslmode` and `sslrootcert` are taken out (tokio-postgres knows neither
/// the verifying modes nor root files), as are parameters only the pool uses.
fn parse_url(url: &str) -> Result<(tokio_postgres::Config, TlsMode), SignalsError> {
    let (base, query) = url.split_once('?').unwrap_or((url, ""));
    let mut kept = Vec::new();
    let mut sslmode = "prefer".to_owned();
    let mut root_cert = None;
    for pair in query.split('&').filter(|p| !p.is_empty()) {
        let (key, value) = pair.split_once('=').unwrap_or((pair, ""));
        match key {
            "sslmode" => value.clone_into(&mut sslmode),
            "sslrootcert" => root_cert = Some(value.to_owned()),
            "statement-cache-capacity" | "sslcert" | "sslkey" | "options" => {}
            _ => kept.push(pair),
        }
    }
    let mode = match sslmode.as_str() {
        "disable" | "allow" => TlsMode::Disable,
        "prefer" => TlsMode::Unverified { required: false },
        "require" => TlsMode::Unverified { required: true },
        "verify-ca" | "verify-full" => TlsMode::Verified { root_cert },
        other => return Err(SignalsError::Url(format!("unknown sslmode {other:?}"))),
    };
    let url = if kept.is_empty() {
        base.to_owned()
    } else {
        format!("{base}?{}", kept.join("&"))
    };
    let mut config: tokio_postgres::Config = url
        .parse()
        .map_err(|e: tokio_postgres::Error| SignalsError::Url(e.to_string()))?;
    config.ssl_mode(match mode {
        TlsMode::Disable => tokio_postgres::config::SslMode::Disable,
        TlsMode::Unverified { required: false } => tokio_postgres::config::SslMode::Prefer,
        _ => tokio_postgres::config::SslMode::Require,
    });
    Ok((config, mode))
}

/// Accepts any server certificate (libpq's `prefer` and `require`) while
/// still checking that the handshake is signed by the presented key.
#[derive(Debug)]
struct AnyCertificate(Arc<rustls::crypto::CryptoProvider>);

impl rustls::client::danger::ServerCertVerifier for AnyCertificate {
    fn verify_server_cert(
        &self,
        _end_entity: &rustls::pki_types::CertificateDer<'_>,
        _intermediates: &[rustls::pki_types::CertificateDer<'_>],
        _server_name: &rustls::pki_types::ServerName<'_>,
        _ocsp_response: &[u8],
        _now: rustls::pki_types::UnixTime,
    ) -> Result<rustls::client::danger::ServerCertVerified, rustls::Error> {
        Ok(rustls::client::danger::ServerCertVerified::assertion())
    }

    fn verify_tls12_signature(
        &self,
        message: &[u8],
        cert: &rustls::pki_types::CertificateDer<'_>,
        dss: &rustls::DigitallySignedStruct,
    ) -> Result<rustls::client::danger::HandshakeSignatureValid, rustls::Error> {
        rustls::crypto::verify_tls12_signature(
            message,
            cert,
            dss,
            &self.0.signature_verification_algorithms,
        )
    }

    fn verify_tls13_signature(
        &self,
        message: &[u8],
        cert: &rustls::pki_types::CertificateDer<'_>,
        dss: &rustls::DigitallySignedStruct,
    ) -> Result<rustls::client::danger::HandshakeSignatureValid, rustls::Error> {
        rustls::crypto::verify_tls13_signature(
            message,
            cert,
            dss,
            &self.0.signature_verification_algorithms,
        )
    }

    fn supported_verify_schemes(&self) -> Vec<rustls::SignatureScheme> {
        self.0.signature_verification_algorithms.supported_schemes()
    }
}

fn tls(mode: &TlsMode) -> Result<MakeRustlsConnect, SignalsError> {
    let tls_err = |e: &dyn std::fmt::Display| SignalsError::Tls(e.to_string());
    let provider = Arc::new(rustls::crypto::aws_lc_rs::default_provider());
    let config = match mode {
        TlsMode::Verified {
            root_cert: Some(path),
        } => {
            let pem =
                std::fs::read(path).map_err(|e| tls_err(&format!("sslrootcert {path}: {e}")))?;
            let mut roots = rustls::RootCertStore::empty();
            for cert in rustls::pki_types::pem::PemObject::pem_slice_iter(&pem) {
                let cert: rustls::pki_types::CertificateDer<'static> =
                    cert.map_err(|e| tls_err(&format!("sslrootcert {path}: {e}")))?;
                roots.add(cert).map_err(|e| tls_err(&e))?;
            }
            rustls::ClientConfig::builder_with_provider(provider)
                .with_safe_default_protocol_versions()
                .map_err(|e| tls_err(&e))?
                .with_root_certificates(roots)
                .with_no_client_auth()
        }
        TlsMode::Verified { root_cert: None } => {
            use rustls_platform_verifier::ConfigVerifierExt;
            rustls::ClientConfig::with_platform_verifier().map_err(|e| tls_err(&e))?
        }
        TlsMode::Disable | TlsMode::Unverified { .. } => {
            rustls::ClientConfig::builder_with_provider(provider.clone())
                .with_safe_default_protocol_versions()
                .map_err(|e| tls_err(&e))?
                .dangerous()
                .with_custom_certificate_verifier(Arc::new(AnyCertificate(provider)))
                .with_no_client_auth()
        }
    };
    Ok(MakeRustlsConnect::new(config))
}

impl Signals {
    /// Starts the listener task for `url`.
    pub fn start(url: &str) -> Result<Signals, SignalsError> {
        let (mut config, mode) = parse_url(url)?;
        config.application_name("advisoryhub-listener");
        let tls = tls(&mode)?;
        let (listen_tx, listen_rx) = mpsc::unbounded_channel();
        let hub = Arc::new(Hub {
            channels: Mutex::new(HashMap::new()),
            listen: listen_tx,
        });
        tokio::spawn(listen_loop(config, tls, hub.clone(), listen_rx));
        Ok(Signals { hub })
    }

    /// Receives every notification on `channel` from now on.
    pub fn subscribe(&self, channel: &str) -> Result<broadcast::Receiver<String>, SignalsError> {
        if channel.is_empty()
            || !channel
                .bytes()
                .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_')
        {
            return Err(SignalsError::Channel(channel.to_owned()));
        }
        let mut channels = self
            .hub
            .channels
            .lock()
            .map_err(|_| SignalsError::Channel(channel.to_owned()))?;
        if let Some(tx) = channels.get(channel) {
            return Ok(tx.subscribe());
        }
        let (tx, rx) = broadcast::channel(1024);
        channels.insert(channel.to_owned(), tx);
        let _ = self.hub.listen.send(channel.to_owned());
        Ok(rx)
    }
}

async fn listen_loop(
    config: tokio_postgres::Config,
    tls: MakeRustlsConnect,
    hub: Arc<Hub>,
    mut new_channels: mpsc::UnboundedReceiver<String>,
) {
    let mut delay = Duration::from_millis(250);
    loop {
        match config.connect(tls.clone()).await {
            Ok((client, mut connection)) => {
                delay = Duration::from_millis(250);
                let client = Arc::new(client);
                let known: Vec<String> = hub
                    .channels
                    .lock()
                    .map(|c| c.keys().cloned().collect())
                    .unwrap_or_default();
                for channel in known {
                    listen(&client, channel);
                }
                let mut messages =
                    futures_util::stream::poll_fn(move |cx| connection.poll_message(cx));
                tracing::debug!("listener connected");
                loop {
                    tokio::select! {
                        message = messages.next() => match message {
                            Some(Ok(AsyncMessage::Notification(n))) => {
                                let tx = hub.channels.lock().ok().and_then(|c| c.get(n.channel()).cloned());
                                if let Some(tx) = tx {
                                    let _ = tx.send(n.payload().to_owned());
                                }
                            }
                            Some(Ok(_)) => {}
                            Some(Err(e)) => {
                                tracing::warn!(error = %e, "listener connection lost; reconnecting");
                                break;
                            }
                            None => {
                                tracing::warn!("listener connection closed; reconnecting");
                                break;
                            }
                        },
                        channel = new_channels.recv() => match channel {
                            Some(channel) => listen(&client, channel),
                            None => return,
                        },
                    }
                }
            }
            Err(e) => {
                tracing::warn!(error = %e, "listener cannot connect; retrying");
            }
        }
        tokio::time::sleep(crate::jobs::worker::jitter(delay, delay * 2)).await;
        delay = (delay * 2).min(Duration::from_secs(5));
    }
}

fn listen(client: &Arc<tokio_postgres::Client>, channel: String) {
    let client = client.clone();
    // The statement completes only while the connection is polled, which the
    // loop keeps doing; hence a task of its own.
    tokio::spawn(async move {
        if let Err(e) = client.batch_execute(&format!("LISTEN \"{channel}\"")).await {
            tracing::warn!(error = %e, channel, "LISTEN failed; the next reconnect retries it");
        }
    });
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sslmode_keeps_its_libpq_meaning() {
        let (_, mode) = parse_url("postgres://u@h/db").unwrap();
        assert_eq!(mode, TlsMode::Unverified { required: false });
        let (_, mode) = parse_url("postgres://u@h/db?sslmode=require").unwrap();
        assert_eq!(mode, TlsMode::Unverified { required: true });
        let (c, mode) = parse_url(
            "postgres://u@h/db?sslmode=verify-full&sslrootcert=/ca.pem&channel_binding=require",
        )
        .unwrap();
        assert_eq!(
            mode,
            TlsMode::Verified {
                root_cert: Some("/ca.pem".into())
            }
        );
        assert_eq!(
            c.get_channel_binding(),
            tokio_postgres::config::ChannelBinding::Require
        );
        let (_, mode) = parse_url("postgres://u@h/db?sslmode=disable").unwrap();
        assert_eq!(mode, TlsMode::Disable);
        assert!(parse_url("postgres://u@h/db?sslmode=sometimes").is_err());
        let (c, _) =
            parse_url("postgres://advisoryhub@localhost/advisoryhub?host=/tmp/run").unwrap();
        assert_eq!(c.get_dbname(), Some("advisoryhub"));
    }
}
