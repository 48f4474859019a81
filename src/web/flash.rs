//! One-time messages shown on the next page (50-web-ui §1.3), kept in the
//! session.

use serde::{Deserialize, Serialize};
use tower_sessions::Session;

const KEY: &str = "flash.messages";

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Level {
    Success,
    Info,
    Warning,
    Error,
}

impl Level {
    pub fn as_str(self) -> &'static str {
        match self {
            Level::Success => "success",
            Level::Info => "info",
            Level::Warning => "warning",
            Level::Error => "error",
        }
    }
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Flash {
    pub level: Level,
    pub message: String,
}

/// Queues a message for the next page.
pub async fn push(
    session: &Session,
    level: Level,
    message: impl Into<String>,
) -> Result<(), tower_sessions::session::Error> {
    let mut messages: Vec<Flash> = session.get(KEY).await?.unwrap_or_default();
    messages.push(Flash {
        level,
        message: message.into(),
    });
    session.insert(KEY, messages).await
}

/// Takes the queued messages; writes to the session only when there were some.
pub async fn take(session: &Session) -> Result<Vec<Flash>, tower_sessions::session::Error> {
    let messages: Vec<Flash> = session.get(KEY).await?.unwrap_or_default();
    if !messages.is_empty() {
        session.remove_value(KEY).await?;
    }
    Ok(messages)
}
