//! How the review's ledger events read on the activity timeline
//! (20-lifecycle §19): a message key of `locales/*/review.ftl` per event.
//! `review.task_status_changed` is ledger-only and never shown.

use serde_json::Value;

/// The message key of a review event, or `None` when `action` is not one.
/// `advisory.state_changed` is the review's only when its metadata says
/// `reopened` (the reopen of §7 records the review status flip there).
pub fn key(action: &str, metadata: &Value) -> Option<&'static str> {
    let flag = |name: &str| metadata.get(name).and_then(Value::as_bool) == Some(true);
    match action {
        "advisory.submitted_for_review" => Some("timeline-review-submitted"),
        "advisory.review_approved" => Some("timeline-review-approved"),
        "advisory.review_changes_requested" => Some("timeline-review-changes-requested"),
        "advisory.review_withdrawn" if flag("cancelled_on_dismiss") => {
            Some("timeline-review-cancelled")
        }
        "advisory.review_withdrawn" => Some("timeline-review-withdrawn"),
        "advisory.review_approval_revoked" => Some("timeline-review-revoked"),
        "advisory.state_changed" if flag("reopened") => Some("timeline-review-reopened"),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::key;

    #[test]
    fn every_review_event_has_prose_and_nothing_else_does() {
        let none = json!({});
        for action in [
            "advisory.submitted_for_review",
            "advisory.review_approved",
            "advisory.review_changes_requested",
            "advisory.review_withdrawn",
            "advisory.review_approval_revoked",
        ] {
            assert!(key(action, &none).is_some(), "{action}");
        }
        assert_eq!(
            key(
                "advisory.review_withdrawn",
                &json!({"cancelled_on_dismiss": true})
            ),
            Some("timeline-review-cancelled")
        );
        assert_eq!(
            key("advisory.state_changed", &json!({"reopened": true})),
            Some("timeline-review-reopened")
        );
        assert_eq!(key("advisory.state_changed", &none), None);
        assert_eq!(key("advisory.edited", &none), None);
    }
}
