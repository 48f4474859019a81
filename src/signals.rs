//! Signals across processes: `NOTIFY` on named channels, received on one
//! long-lived connection per process outside the pool and fanned out
//! in-process (a broadcast per channel).
//!
//! The connection is made with tokio-postgres so it can point straight at
//! PostgreSQL (`DATABASE_LISTEN_URL`) when the pool goes through a
//! transaction-pooling PgBouncer, where `LISTEN` does not survive. TLS goes
//! through rustls with certificate verification against the platform's
//! roots (`sslmode=require`, `verify-ca` and `verify-full` all verify);
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

/// tokio-postgres knows `disable`, `prefer` and `require`; the verifying
/// modes become `require` here because our TLS always verifies.
fn parse_config(url: &str) -> Result<tokio_postgres::Config, SignalsError> {
    let normalised = url
        .replace("sslmode=verify-full", "sslmode=require")
        .replace("sslmode=verify-ca", "sslmode=require");
    normalised
        .parse()
        .map_err(|e: tokio_postgres::Error| SignalsError::Url(e.to_string()))
}

fn tls() -> Result<MakeRustlsConnect, SignalsError> {
    use rustls_platform_verifier::ConfigVerifierExt;
    let config = rustls::ClientConfig::with_platform_verifier()
        .map_err(|e| SignalsError::Tls(e.to_string()))?;
    Ok(MakeRustlsConnect::new(config))
}

impl Signals {
    /// Starts the listener task for `url`.
    pub fn start(url: &str) -> Result<Signals, SignalsError> {
        let mut config = parse_config(url)?;
        config.application_name("advisoryhub-listener");
        let tls = tls()?;
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
