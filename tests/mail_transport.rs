//! The SMTP transport against a real SMTP server on loopback (MailDev, from
//! `bin/mail/run`): what arrives, what is refused, and how sending fails when
//! the server is missing, silent, or without the TLS it was asked for.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    reason = "a failing test should panic"
)]

mod common;

use std::time::{Duration, Instant};

use advisoryhub::notifications::mail::{MailError, Mailer, OutgoingMail};
use common::mail::MailCatcher;
use common::site::free_port;

fn mailer(settings: &[(&str, String)], extra: &[(&str, &str)]) -> Mailer {
    let mut vars: Vec<(&str, &str)> = settings.iter().map(|(k, v)| (*k, v.as_str())).collect();
    vars.extend_from_slice(extra);
    Mailer::from_config(&common::config(&vars)).unwrap()
}

/// Settings for an SMTP server on `port` of the loopback interface.
fn smtp_on(port: u16) -> [(&'static str, String); 3] {
    [
        ("EMAIL_BACKEND", "smtp".into()),
        ("EMAIL_HOST", "127.0.0.1".into()),
        ("EMAIL_PORT", port.to_string()),
    ]
}

fn mail(to: &str, subject: &str, html: Option<&str>) -> OutgoingMail {
    OutgoingMail {
        to: to.into(),
        subject: subject.into(),
        text: "Ein Kommentar wurde hinzugefügt.\nSee /advisories/ECL-2026-0001/".into(),
        html: html.map(str::to_owned),
    }
}

#[tokio::test]
async fn messages_arrive_multipart_with_a_utf8_subject() {
    let catcher = MailCatcher::start().await;
    let mailer = mailer(
        &catcher.settings(),
        &[("DEFAULT_FROM_EMAIL", "AdvisoryHub <advisories@example.org>")],
    );
    let subject = "[ECL-2026-0001] Überblick — réunion ✓";
    mailer
        .send(&mail(
            "Bob Example <bob@example.org>",
            subject,
            Some("<p>Ein Kommentar wurde <b>hinzugefügt</b>.</p>"),
        ))
        .await
        .unwrap();
    mailer
        .send(&mail(
            "carol@example.org",
            "[ECL-2026-0001] text only",
            None,
        ))
        .await
        .unwrap();

    let got = catcher.wait_for(2, Duration::from_secs(10)).await;
    assert_eq!(got.len(), 2);
    let multipart = got.iter().find(|m| m.subject == subject).unwrap();
    assert_eq!(multipart.to, ["bob@example.org"]);
    assert_eq!(multipart.from, "advisories@example.org");
    assert!(
        multipart.headers["content-type"]
            .as_str()
            .unwrap()
            .starts_with("multipart/alternative"),
        "{:?}",
        multipart.headers
    );
    assert!(multipart.headers.contains_key("message-id"));
    assert!(multipart.headers.contains_key("date"));
    assert!(
        multipart
            .text
            .as_deref()
            .unwrap()
            .contains("Ein Kommentar wurde hinzugefügt.")
    );
    assert!(
        multipart
            .html
            .as_deref()
            .unwrap()
            .contains("<b>hinzugefügt</b>")
    );

    let plain = got.iter().find(|m| m.to == ["carol@example.org"]).unwrap();
    assert!(plain.html.is_none());
    assert!(
        plain.headers["content-type"]
            .as_str()
            .unwrap()
            .starts_with("text/plain")
    );
}

#[tokio::test]
async fn concurrent_sends_all_arrive() {
    let catcher = MailCatcher::start().await;
    let mailer = mailer(&catcher.settings(), &[]);
    let sends = (0..5).map(|i| {
        let mailer = mailer.clone();
        async move {
            mailer
                .send(&mail(
                    &format!("user{i}@example.org"),
                    &format!("n°{i}"),
                    None,
                ))
                .await
        }
    });
    for result in futures_util::future::join_all(sends).await {
        result.unwrap();
    }
    let mut to: Vec<String> = catcher
        .wait_for(5, Duration::from_secs(10))
        .await
        .into_iter()
        .flat_map(|m| m.to)
        .collect();
    to.sort();
    assert_eq!(
        to,
        (0..5)
            .map(|i| format!("user{i}@example.org"))
            .collect::<Vec<_>>()
    );
}

#[tokio::test]
async fn header_injection_is_refused_and_nothing_is_sent() {
    let catcher = MailCatcher::start().await;
    let mailer = mailer(&catcher.settings(), &[]);
    for bad in [
        mail("bob@example.org", "hi\r\nBcc: eve@example.org", None),
        mail("bob@example.org", "hi\nBcc: eve@example.org", None),
        mail("bob@example.org\r\nBcc: eve@example.org", "hi", None),
    ] {
        let err = mailer.send(&bad).await.unwrap_err();
        assert!(matches!(err, MailError::HeaderInjection { .. }), "{err:?}");
        assert!(err.is_permanent());
    }
    // A good message afterwards is the only one that arrives.
    mailer
        .send(&mail("bob@example.org", "fine", None))
        .await
        .unwrap();
    let got = catcher.wait_for(1, Duration::from_secs(10)).await;
    assert_eq!(got.len(), 1);
    assert_eq!(got[0].subject, "fine");
    assert_eq!(got[0].to, ["bob@example.org"]);
}

const PASSWORD: &str = "s3cret-smtp-password";

#[tokio::test]
async fn nothing_listening_is_an_error_not_a_panic() {
    let port = free_port();
    let mailer = mailer(
        &smtp_on(port),
        &[
            ("EMAIL_TIMEOUT", "1"),
            ("EMAIL_HOST_USER", "advisoryhub"),
            ("EMAIL_HOST_PASSWORD", PASSWORD),
        ],
    );
    let started = Instant::now();
    let err = mailer
        .send(&mail("bob@example.org", "hi", None))
        .await
        .unwrap_err();
    assert!(started.elapsed() < Duration::from_secs(5));
    assert!(matches!(err, MailError::Smtp { .. }), "{err:?}");
    assert!(!err.is_permanent(), "a retry may find the server back");
    assert!(!err.to_string().contains(PASSWORD));
    assert!(!format!("{err:?}").contains(PASSWORD));
}

#[tokio::test]
async fn a_server_that_never_answers_times_out() {
    // Accepts connections and never sends the greeting.
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let port = listener.local_addr().unwrap().port();
    let held = tokio::spawn(async move {
        let mut open = Vec::new();
        while let Ok((socket, _)) = listener.accept().await {
            open.push(socket);
        }
    });
    let mailer = mailer(&smtp_on(port), &[("EMAIL_TIMEOUT", "1")]);
    let started = Instant::now();
    let result = tokio::time::timeout(
        Duration::from_secs(10),
        mailer.send(&mail("bob@example.org", "hi", None)),
    )
    .await
    .expect("EMAIL_TIMEOUT bounds the wait for the greeting");
    assert!(
        matches!(
            result,
            Err(MailError::Timeout {
                step: "connection",
                ..
            })
        ),
        "{result:?}"
    );
    assert!(!result.unwrap_err().is_permanent());
    assert!(started.elapsed() < Duration::from_secs(5));
    held.abort();
}

#[tokio::test]
async fn tls_the_server_does_not_offer_fails_cleanly() {
    let catcher = MailCatcher::start().await;
    // MailDev never offers STARTTLS, and speaks plain SMTP from the first byte.
    for tls in [("EMAIL_USE_TLS", "true"), ("EMAIL_USE_SSL", "true")] {
        let mailer = mailer(&catcher.settings(), &[tls, ("EMAIL_TIMEOUT", "2")]);
        let result = tokio::time::timeout(
            Duration::from_secs(10),
            mailer.send(&mail("bob@example.org", "must not arrive", None)),
        )
        .await
        .expect("a TLS failure is prompt");
        assert!(
            matches!(result, Err(MailError::Smtp { .. })),
            "{tls:?}: {result:?}"
        );
    }
    // Plain SMTP still works, and only that message arrived.
    mailer(&catcher.settings(), &[])
        .send(&mail("bob@example.org", "plain", None))
        .await
        .unwrap();
    let got = catcher.wait_for(1, Duration::from_secs(10)).await;
    assert_eq!(
        got.iter().map(|m| m.subject.as_str()).collect::<Vec<_>>(),
        ["plain"]
    );
}
