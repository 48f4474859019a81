//! Resolving `@handles` (10-domain-model §12.4): a handle with an `@` is a
//! full e-mail address; one without is every user whose address starts with
//! `<handle>@`, and a mirrored group of that name. Unknown handles resolve to
//! nothing. Who among them may see the comment is decided when the
//! notification is sent, not here.

use std::collections::BTreeSet;

use sqlx::PgConnection;

/// Users and groups named by a set of handles.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Mentioned {
    pub user_ids: Vec<i64>,
    pub group_ids: Vec<i64>,
}

/// A comment notifies at most this many handles (the first ones); more is a
/// broadcast, and each handle costs a lookup.
pub const MAX_MENTIONS: usize = 50;

/// Lower-cased handles of `body`'s mentions, as the renderer chips them.
pub fn handles(body: &str) -> BTreeSet<String> {
    crate::web::markdown::mentions(body)
        .into_iter()
        .take(MAX_MENTIONS)
        .map(|h| h.to_lowercase())
        .collect()
}

/// The handles of `after` that `before` did not mention (an edit's additions).
pub fn added(before: &str, after: &str) -> Vec<String> {
    let old = handles(before);
    handles(after)
        .into_iter()
        .filter(|h| !old.contains(h))
        .collect()
}

/// Resolves handles to active users and to groups.
pub async fn resolve(
    conn: &mut PgConnection,
    handles: &[String],
) -> Result<Mentioned, sqlx::Error> {
    if handles.is_empty() {
        return Ok(Mentioned::default());
    }
    let (full, local): (Vec<String>, Vec<String>) =
        handles.iter().cloned().partition(|h| h.contains('@'));
    // The local part is compared as a prefix with `starts_with`, not LIKE,
    // so `_` and `%` in a handle match only themselves.
    let user_ids = sqlx::query_scalar!(
        r#"SELECT id AS "id!" FROM app_user
           WHERE is_active
             AND (lower(email) = ANY($1)
                  OR EXISTS (SELECT 1 FROM unnest($2::text[]) AS h
                             WHERE starts_with(lower(email), h || '@')))
           ORDER BY id"#,
        &full,
        &local
    )
    .fetch_all(&mut *conn)
    .await?;
    let group_ids = sqlx::query_scalar!(
        r#"SELECT id AS "id!" FROM oidc_group WHERE lower(name) = ANY($1) ORDER BY id"#,
        &local
    )
    .fetch_all(&mut *conn)
    .await?;
    Ok(Mentioned {
        user_ids,
        group_ids,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_edit_adds_only_new_handles_whatever_their_case() {
        assert_eq!(
            added(
                "hi @Alice and @bob",
                "hi @alice, @BOB and @carol@example.org"
            ),
            vec!["carol@example.org".to_owned()]
        );
        assert!(added("@a", "`@b` and \\@c").is_empty());
    }
}
