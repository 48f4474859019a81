//! Translation catalogues (Fluent files under `locales/`, embedded) and the
//! choice of language for a request: the `lang` cookie set by the language
//! switcher, then `Accept-Language`, then English.

use std::sync::LazyLock;

use axum::http::HeaderMap;
use axum::http::header::{ACCEPT_LANGUAGE, COOKIE};
use fluent_bundle::concurrent::FluentBundle;
use fluent_bundle::{FluentArgs, FluentResource, FluentValue};

/// Name of the cookie that remembers the chosen language.
pub const LANG_COOKIE: &str = "lang";

/// A supported language.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub enum Lang {
    #[default]
    En,
    Fr,
}

impl Lang {
    pub const ALL: [Lang; 2] = [Lang::En, Lang::Fr];

    /// The BCP 47 tag, as used in `<html lang>` and the cookie.
    pub fn tag(self) -> &'static str {
        match self {
            Lang::En => "en",
            Lang::Fr => "fr",
        }
    }

    /// The language's name in itself, for the switcher.
    pub fn native_name(self) -> &'static str {
        match self {
            Lang::En => "English",
            Lang::Fr => "Français",
        }
    }

    pub fn from_tag(tag: &str) -> Option<Lang> {
        let primary = tag.split(['-', '_']).next().unwrap_or("").trim();
        Lang::ALL
            .into_iter()
            .find(|l| l.tag().eq_ignore_ascii_case(primary))
    }

    /// Cookie first, then `Accept-Language` by quality, then English.
    pub fn negotiate(headers: &HeaderMap) -> Lang {
        Self::from_cookie(headers)
            .or_else(|| Self::from_accept_language(headers))
            .unwrap_or_default()
    }

    fn from_cookie(headers: &HeaderMap) -> Option<Lang> {
        headers
            .get_all(COOKIE)
            .iter()
            .filter_map(|v| v.to_str().ok())
            .flat_map(|v| v.split(';'))
            .filter_map(|pair| pair.trim().split_once('='))
            .find(|(name, _)| *name == LANG_COOKIE)
            .and_then(|(_, value)| Lang::from_tag(value))
    }

    fn from_accept_language(headers: &HeaderMap) -> Option<Lang> {
        let raw = headers.get(ACCEPT_LANGUAGE)?.to_str().ok()?;
        let mut best: Option<(Lang, f32)> = None;
        for item in raw.split(',').take(32) {
            let mut parts = item.split(';');
            let tag = parts.next().unwrap_or("").trim();
            let q = parts
                .find_map(|p| p.trim().strip_prefix("q="))
                .and_then(|q| q.parse::<f32>().ok())
                .unwrap_or(1.0);
            if let Some(lang) = Lang::from_tag(tag)
                && q > 0.0
                && best.is_none_or(|(_, bq)| q > bq)
            {
                best = Some((lang, q));
            }
        }
        best.map(|(l, _)| l)
    }
}

type Bundle = FluentBundle<FluentResource>;

/// The parsed catalogues.
pub struct Catalogues {
    en: Bundle,
    fr: Bundle,
}

/// One language's catalogue: the shell's file followed by one file per
/// workflow module (so modules grow their messages independently).
macro_rules! catalogue {
    ($lang:literal) => {
        concat!(
            include_str!(concat!("../../locales/", $lang, ".ftl")),
            "\n",
            include_str!(concat!("../../locales/", $lang, "/review.ftl")),
            "\n",
            include_str!(concat!("../../locales/", $lang, "/cve.ftl")),
            "\n",
            include_str!(concat!("../../locales/", $lang, "/lifecycle.ftl")),
            "\n",
            include_str!(concat!("../../locales/", $lang, "/publication.ftl")),
            // intake (50 §15)
            "\n",
            include_str!(concat!("../../locales/", $lang, "/intake.ftl")),
            // triage and the admin inbox (20 §6, 50 §14.1)
            "\n",
            include_str!(concat!("../../locales/", $lang, "/triage.ftl")),
            // maintenance and retention (90 §7–8)
            "\n",
            include_str!(concat!("../../locales/", $lang, "/maintenance.ftl")),
            // admin console (50 §14)
            "\n",
            include_str!(concat!("../../locales/", $lang, "/admin.ftl")),
        )
    };
}

/// The catalogue sources, embedded so the binary needs no files.
pub const SOURCES: [(Lang, &str); 2] = [(Lang::En, catalogue!("en")), (Lang::Fr, catalogue!("fr"))];

fn bundle(lang: Lang, source: &str) -> Bundle {
    let resource =
        FluentResource::try_new(source.to_owned()).unwrap_or_else(|(partial, errors)| {
            tracing::error!(
                lang = lang.tag(),
                ?errors,
                "translation catalogue has syntax errors"
            );
            partial
        });
    let langid = lang.tag().parse().unwrap_or_default();
    let mut bundle = FluentBundle::new_concurrent(vec![langid]);
    // Unicode isolation marks would show up inside attributes and plain text.
    bundle.set_use_isolating(false);
    if let Err(errors) = bundle.add_resource(resource) {
        tracing::error!(
            lang = lang.tag(),
            ?errors,
            "translation catalogue has duplicate keys"
        );
    }
    bundle
}

static CATALOGUES: LazyLock<Catalogues> = LazyLock::new(|| Catalogues {
    en: bundle(Lang::En, SOURCES[0].1),
    fr: bundle(Lang::Fr, SOURCES[1].1),
});

impl Catalogues {
    fn bundle(&self, lang: Lang) -> &Bundle {
        match lang {
            Lang::En => &self.en,
            Lang::Fr => &self.fr,
        }
    }
}

/// Translates for one language; a key missing in French falls back to English,
/// a key missing everywhere shows itself so the gap is visible, never a panic.
#[derive(Clone, Copy, Debug)]
pub struct Translator {
    pub lang: Lang,
}

impl Translator {
    pub fn new(lang: Lang) -> Self {
        Translator { lang }
    }

    /// The message for `key`.
    pub fn t(&self, key: &str) -> String {
        self.format(key, None)
    }

    /// The message for `key` with named arguments (numbers select plurals).
    pub fn t_with(&self, key: &str, args: &[(&str, FluentValue<'_>)]) -> String {
        let mut fa = FluentArgs::new();
        for (k, v) in args {
            fa.set(*k, v.clone());
        }
        self.format(key, Some(&fa))
    }

    fn format(self, key: &str, args: Option<&FluentArgs<'_>>) -> String {
        for lang in [self.lang, Lang::En] {
            let bundle = CATALOGUES.bundle(lang);
            if let Some(pattern) = bundle.get_message(key).and_then(|m| m.value()) {
                let mut errors = Vec::new();
                let text = bundle.format_pattern(pattern, args, &mut errors);
                if !errors.is_empty() {
                    tracing::warn!(key, ?errors, "translation formatting problem");
                }
                return text.into_owned();
            }
        }
        tracing::warn!(key, "missing translation key");
        key.to_owned()
    }
}

/// The message keys of a catalogue source, in order.
pub fn keys(source: &str) -> Vec<String> {
    let resource = match FluentResource::try_new(source.to_owned()) {
        Ok(r) | Err((r, _)) => r,
    };
    resource
        .entries()
        .filter_map(|e| match e {
            fluent_syntax::ast::Entry::Message(m) => Some(m.id.name.to_owned()),
            _ => None,
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use axum::http::HeaderValue;

    fn headers(pairs: &[(&'static str, &'static str)]) -> HeaderMap {
        let mut h = HeaderMap::new();
        for (k, v) in pairs {
            h.append(*k, HeaderValue::from_static(v));
        }
        h
    }

    #[test]
    fn the_cookie_wins_over_accept_language() {
        let h = headers(&[("cookie", "a=b; lang=fr"), ("accept-language", "en")]);
        assert_eq!(Lang::negotiate(&h), Lang::Fr);
    }

    #[test]
    fn accept_language_is_weighed_by_quality() {
        let h = headers(&[("accept-language", "de-DE, en;q=0.5, fr-CA;q=0.8")]);
        assert_eq!(Lang::negotiate(&h), Lang::Fr);
        let h = headers(&[("accept-language", "fr;q=0, de")]);
        assert_eq!(Lang::negotiate(&h), Lang::En);
        assert_eq!(Lang::negotiate(&HeaderMap::new()), Lang::En);
    }

    #[test]
    fn french_has_every_english_key() {
        let en = keys(SOURCES[0].1);
        let fr = keys(SOURCES[1].1);
        assert!(!en.is_empty());
        let missing: Vec<_> = en.iter().filter(|k| !fr.contains(k)).collect();
        assert!(missing.is_empty(), "missing in fr: {missing:?}");
    }

    #[test]
    fn catalogues_parse_cleanly() {
        for (lang, source) in SOURCES {
            assert!(
                FluentResource::try_new(source.to_owned()).is_ok(),
                "{} has syntax errors",
                lang.tag()
            );
        }
    }

    #[test]
    fn translations_fall_back_and_never_panic() {
        assert_eq!(Translator::new(Lang::Fr).t("no-such-key"), "no-such-key");
        assert_ne!(
            Translator::new(Lang::Fr).t("error-404-title"),
            Translator::new(Lang::En).t("error-404-title")
        );
    }
}
