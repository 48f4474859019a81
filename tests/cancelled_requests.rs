//! Requests cancelled by their client in the middle of a transaction must
//! not leave a transaction open on a pooled connection for the next request.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    reason = "tests fail loudly on purpose"
)]

mod common;

use std::fmt::Write as _;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use common::site::{Browser, Site};

/// Collects PostgreSQL notices that sqlx logs.
#[derive(Clone, Default)]
struct Notices(Arc<Mutex<Vec<String>>>);

impl<S: tracing::Subscriber> tracing_subscriber::Layer<S> for Notices {
    fn on_event(&self, event: &tracing::Event<'_>, _: tracing_subscriber::layer::Context<'_, S>) {
        struct Visit(String);
        impl tracing::field::Visit for Visit {
            fn record_debug(&mut self, _: &tracing::field::Field, value: &dyn std::fmt::Debug) {
                let _ = write!(self.0, "{value:?} ");
            }
        }
        let mut v = Visit(String::new());
        event.record(&mut v);
        if v.0.contains("transaction") {
            self.0.lock().unwrap().push(v.0);
        }
    }
}

#[tokio::test]
async fn cancelled_requests_leave_no_transaction_behind() {
    use tracing_subscriber::layer::SubscriberExt;
    use tracing_subscriber::util::SubscriberInitExt;
    let notices = Notices::default();
    tracing_subscriber::registry().with(notices.clone()).init();
    let site = Site::start(&[("DATABASE_MAX_CONNECTIONS", "3")]).await;
    let b = Browser::new();
    b.sign_in(&site, "alice@example.org").await;
    let impatient = reqwest::Client::builder()
        .cookie_provider(b.jar.clone())
        .timeout(Duration::from_micros(1500))
        .build()
        .unwrap();
    let url = site.url("/advisories/");
    for i in 0..300u64 {
        let _ = impatient
            .get(&url)
            .timeout(Duration::from_micros(200 + (i * 37) % 3000))
            .send()
            .await;
    }
    tokio::time::sleep(Duration::from_millis(500)).await;
    for _ in 0..20 {
        assert_eq!(b.get(&url).await.status, 200);
    }
    let open: i64 = sqlx::query_scalar(
        "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database()
         AND application_name = 'advisoryhub' AND state LIKE 'idle in transaction%'",
    )
    .fetch_one(&site.db.pool)
    .await
    .unwrap();
    let seen = notices.0.lock().unwrap().clone();
    assert_eq!(open, 0, "connections left idle in a transaction");
    assert!(
        !seen
            .iter()
            .any(|n| n.contains("already a transaction in progress")),
        "{seen:#?}"
    );
}
