//! How people are named to each other (10-domain-model §2.9,
//! INV-PRIVACY-4): only owners see other participants' e-mail addresses;
//! everyone else sees a display name or a masked address. Everyone always
//! sees their own.

/// `alice@example.org` → `a•••@example.org`. Strings without `@` (group
/// names) and empty strings come back unchanged.
pub fn mask_email(email: &str) -> String {
    match email.split_once('@') {
        Some((local, domain)) => {
            let first: String = local.chars().take(1).collect();
            format!("{first}•••@{domain}")
        }
        None => email.to_owned(),
    }
}

/// A user's label for a reader: the display name when there is one, else the
/// e-mail, masked unless `show_emails`.
pub fn user_label(display_name: &str, email: &str, show_emails: bool) -> String {
    if !display_name.trim().is_empty() {
        display_name.to_owned()
    } else if show_emails {
        email.to_owned()
    } else {
        mask_email(email)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    // INV-PRIVACY-4
    #[test]
    fn addresses_are_masked_to_their_first_letter_and_domain() {
        assert_eq!(mask_email("alice@example.org"), "a•••@example.org");
        assert_eq!(mask_email("é@x.fr"), "é•••@x.fr");
        assert_eq!(mask_email("committers"), "committers");
        assert_eq!(mask_email(""), "");
        assert_eq!(user_label("", "bob@example.org", false), "b•••@example.org");
        assert_eq!(user_label("", "bob@example.org", true), "bob@example.org");
        assert_eq!(user_label("Bob", "bob@example.org", false), "Bob");
    }
}
