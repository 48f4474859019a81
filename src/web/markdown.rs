//! User markdown (advisory `details`, comment bodies) to HTML: the only way
//! user-supplied HTML reaches a template (10-domain-model §12.3/§12.4,
//! 50-web-ui §1.5).
//!
//! Owns [`SanitizedHtml`], whose only constructor is [`render`] (and
//! [`render_kept`], which keeps its output), and the
//! mention syntax ([`mentions`] and the `<span class="mention">` chips).
//!
//! Pipeline, in this order and nothing after the sanitiser:
//! 1. pulldown-cmark parses CommonMark with tables;
//! 2. the event stream is rewritten: raw HTML (blocks and inline) becomes
//!    escaped text, single newlines become `<br>`, bare URLs become links,
//!    `@handle` becomes a mention chip, images become plain links (no `img`
//!    is allowed, and the alt text should stay readable);
//! 3. ammonia sanitises with the allowlist: tags `p br strong em u code pre
//!    blockquote hr ul ol li h1–h6 a table thead tbody tr th td span`,
//!    attributes `a[href, title]` and `span[class="mention"]` only, URL
//!    schemes `http https mailto` (relative URLs pass, as they carry no
//!    scheme, unless their first segment holds a `:`), and
//!    `rel="nofollow noopener"` on every link.
//!
//! Invariants: the sanitiser runs last; no mention and no link is made
//! inside code spans, code blocks or link text; a mention never follows a
//! word character or `.` and is never made from an escaped `\@` (or the
//! entity `&#64;`). Rendered HTML is for display only and never stored, so
//! tightening the allowlist applies retroactively: render at display time
//! (`SanitizedHtml` deliberately has no `Serialize`).

use std::borrow::Cow;
use std::collections::{HashMap, HashSet};
use std::fmt;
use std::ops::Range;
use std::sync::LazyLock;

use pulldown_cmark::{CowStr, Event, LinkType, Options, Parser, Tag, TagEnd};

/// HTML produced by [`render`]: parsed from markdown and sanitised with the
/// allowlist. Templates print it as is (it implements askama's `HtmlSafe`),
/// so no template needs `|safe`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SanitizedHtml(String);

impl SanitizedHtml {
    pub fn as_str(&self) -> &str {
        &self.0
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}

impl fmt::Display for SanitizedHtml {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// Sound because the only constructor is [`render`] (which [`render_kept`]
/// calls), whose output went through the sanitiser last.
impl askama::filters::HtmlSafe for SanitizedHtml {}

/// Renders user markdown to sanitised HTML.
pub fn render(markdown: &str) -> SanitizedHtml {
    let mut rewriter = Rewriter::new(markdown);
    rewriter.run();
    let mut html = String::with_capacity(markdown.len() * 3 / 2);
    pulldown_cmark::html::push_html(&mut html, rewriter.out.into_iter());
    SanitizedHtml(SANITIZER.clean(&html).to_string())
}

/// [`render`], kept in memory per advisory: its details are rendered on
/// every view of its page and change only with a new version. An entry
/// serves only the advisory it was rendered for and only while its text is
/// the same, so no page can tell whether another advisory's text was shown.
/// When the kept sources and HTML reach [`KEPT_BYTES`], all are dropped.
pub fn render_kept(advisory: i64, markdown: &str) -> SanitizedHtml {
    let kept = KEPT
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner);
    if let Some((source, html)) = kept.entries.get(&advisory)
        && source.as_ref() == markdown
    {
        return html.clone();
    }
    drop(kept);
    let html = render(markdown);
    let size = markdown.len() + html.0.len();
    if size > KEPT_BYTES {
        return html;
    }
    let mut kept = KEPT
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner);
    if kept.bytes + size > KEPT_BYTES {
        kept.entries.clear();
        kept.bytes = 0;
    }
    if let Some((source, old)) = kept
        .entries
        .insert(advisory, (markdown.into(), html.clone()))
    {
        kept.bytes -= source.len() + old.0.len();
    }
    kept.bytes += size;
    html
}

/// The most memory [`render_kept`] holds: the details of about a thousand
/// advisories.
const KEPT_BYTES: usize = 4 << 20;

#[derive(Default)]
struct Kept {
    entries: HashMap<i64, (Box<str>, SanitizedHtml)>,
    bytes: usize,
}

static KEPT: LazyLock<std::sync::Mutex<Kept>> = LazyLock::new(Default::default);

/// The handles mentioned in `markdown`, without the leading `@`, exactly as
/// [`render`] chips them, each once (compared case-insensitively, first
/// spelling kept), in order of appearance.
pub fn mentions(markdown: &str) -> Vec<String> {
    let mut rewriter = Rewriter::new(markdown);
    rewriter.run();
    let mut seen = HashSet::new();
    rewriter
        .mentions
        .into_iter()
        .filter(|handle| seen.insert(handle.to_ascii_lowercase()))
        .collect()
}

/// The elements user markdown may produce (50-web-ui §1.5).
const ALLOWED_TAGS: [&str; 26] = [
    "p",
    "br",
    "strong",
    "em",
    "u",
    "code",
    "pre",
    "blockquote",
    "hr",
    "ul",
    "ol",
    "li",
    "h1",
    "h2",
    "h3",
    "h4",
    "h5",
    "h6",
    "a",
    "table",
    "thead",
    "tbody",
    "tr",
    "th",
    "td",
    "span",
];

static SANITIZER: LazyLock<ammonia::Builder<'static>> = LazyLock::new(|| {
    let mut builder = ammonia::Builder::empty();
    builder
        .tags(HashSet::from(ALLOWED_TAGS))
        .clean_content_tags(HashSet::from(["script", "style"]))
        .generic_attributes(HashSet::new())
        .tag_attributes(HashMap::from([("a", HashSet::from(["href", "title"]))]))
        // The exact value, not a class list: `class="mention x"` is dropped.
        .tag_attribute_values(HashMap::from([(
            "span",
            HashMap::from([("class", HashSet::from(["mention"]))]),
        )]))
        .url_schemes(HashSet::from(["http", "https", "mailto"]))
        .url_relative(ammonia::UrlRelative::Custom(Box::new(keep_relative_url)))
        .link_rel(Some("nofollow noopener"))
        .strip_comments(true);
    builder
});

/// Relative URLs carry no scheme and pass, except one whose first segment
/// holds a `:` (say `java%09script:x`): browsers read it as a relative path,
/// but nothing legitimate needs it and it is one decoding step away from a
/// scheme.
fn keep_relative_url(url: &str) -> Option<Cow<'_, str>> {
    let head = url.split(['/', '?', '#']).next().unwrap_or_default();
    (!head.contains(':')).then_some(Cow::Borrowed(url))
}

const MENTION_OPEN: &str = "<span class=\"mention\">";
const MENTION_CLOSE: &str = "</span>";

/// Walks the parser's events and writes the rewritten stream to `out`.
///
/// Consecutive text (pulldown-cmark splits text at every would-be
/// delimiter) is gathered into `run` first, so a URL or a mention split
/// across events is still seen whole. `protected` holds the byte offsets in
/// `run` of characters that came from a backslash escape or an entity: an
/// `@` there never starts a mention.
struct Rewriter<'a> {
    source: &'a str,
    out: Vec<Event<'a>>,
    run: String,
    protected: Vec<usize>,
    /// Inside a code block: text is left exactly as written.
    code_depth: usize,
    /// Inside link text: no nested links, no mention chips.
    link_depth: usize,
    /// For each open element, whether it was written (see [`MAX_NESTING`]).
    open: Vec<bool>,
    /// Open elements written.
    nesting: usize,
    mentions: Vec<String>,
}

/// Elements nest at most this deep; deeper ones are left out and their text
/// joins the deepest one kept. The sanitiser's HTML parser takes time
/// quadratic in the nesting, so a comment of `> > > …` would otherwise take
/// minutes to render on every read.
const MAX_NESTING: usize = 32;

impl<'a> Rewriter<'a> {
    fn new(source: &'a str) -> Rewriter<'a> {
        Rewriter {
            source,
            out: Vec::new(),
            run: String::new(),
            protected: Vec::new(),
            code_depth: 0,
            link_depth: 0,
            open: Vec::new(),
            nesting: 0,
            mentions: Vec::new(),
        }
    }

    fn run(&mut self) {
        let parser = Parser::new_ext(self.source, Options::ENABLE_TABLES).into_offset_iter();
        for (event, range) in parser {
            match event {
                Event::Text(text) => self.gather(&text, &range),
                // Raw HTML is shown as the text the user typed.
                Event::Html(html) | Event::InlineHtml(html) => self.run.push_str(&html),
                other => {
                    self.flush();
                    self.pass(other);
                }
            }
        }
        self.flush();
    }

    fn gather(&mut self, text: &str, range: &Range<usize>) {
        let escaped = range
            .start
            .checked_sub(1)
            .and_then(|i| self.source.as_bytes().get(i))
            == Some(&b'\\');
        let from_entity = match (self.source.get(range.clone()), text.chars().next()) {
            (Some(source), Some(first)) => !source.starts_with(first),
            _ => false,
        };
        if escaped || from_entity {
            self.protected.push(self.run.len());
        }
        self.run.push_str(text);
    }

    /// Passes a non-text event through, with the rewrites that need no text.
    fn pass(&mut self, event: Event<'a>) {
        let event = match event {
            Event::Start(Tag::HtmlBlock) => Event::Start(Tag::Paragraph),
            Event::End(TagEnd::HtmlBlock) => Event::End(TagEnd::Paragraph),
            Event::SoftBreak => Event::HardBreak,
            Event::Start(Tag::CodeBlock(kind)) => {
                self.code_depth += 1;
                Event::Start(Tag::CodeBlock(kind))
            }
            Event::End(TagEnd::CodeBlock) => {
                self.code_depth = self.code_depth.saturating_sub(1);
                Event::End(TagEnd::CodeBlock)
            }
            Event::Start(
                Tag::Link {
                    link_type,
                    dest_url,
                    title,
                    id,
                }
                | Tag::Image {
                    link_type,
                    dest_url,
                    title,
                    id,
                },
            ) => {
                self.link_depth += 1;
                Event::Start(Tag::Link {
                    link_type,
                    dest_url,
                    title,
                    id,
                })
            }
            Event::End(TagEnd::Link | TagEnd::Image) => {
                self.link_depth = self.link_depth.saturating_sub(1);
                Event::End(TagEnd::Link)
            }
            other => other,
        };
        match event {
            Event::Start(_) => {
                let keep = self.nesting < MAX_NESTING;
                self.open.push(keep);
                if !keep {
                    return;
                }
                self.nesting += 1;
            }
            Event::End(_) => {
                if !self.open.pop().unwrap_or(true) {
                    return;
                }
                self.nesting = self.nesting.saturating_sub(1);
            }
            _ => {}
        }
        self.out.push(event);
    }

    /// Writes the gathered text: verbatim in a code block, otherwise with
    /// links and mentions.
    fn flush(&mut self) {
        if self.run.is_empty() {
            return;
        }
        let text = std::mem::take(&mut self.run);
        let protected = std::mem::take(&mut self.protected);
        if self.code_depth > 0 {
            self.out.push(Event::Text(text.into()));
            return;
        }
        // A raw HTML block ends with its line break.
        let text = text.trim_end_matches('\n');
        if self.link_depth > 0 {
            self.plain(text);
            return;
        }
        let mut cursor = 0;
        for url in find_urls(text) {
            self.with_mentions(text, cursor..url.range.start, &protected);
            self.out.push(Event::Start(Tag::Link {
                link_type: LinkType::Autolink,
                dest_url: url.href.into(),
                title: CowStr::Borrowed(""),
                id: CowStr::Borrowed(""),
            }));
            self.plain(&text[url.range.clone()]);
            self.out.push(Event::End(TagEnd::Link));
            cursor = url.range.end;
        }
        self.with_mentions(text, cursor..text.len(), &protected);
    }

    /// Writes `text[span]`, turning mentions into chips.
    fn with_mentions(&mut self, text: &str, span: Range<usize>, protected: &[usize]) {
        let mut written = span.start;
        let mut search = span.start;
        while let Some(found) = text[search..span.end].find('@') {
            let at = search + found;
            let len = mention_len(text, at, span.end, protected);
            if len == 0 {
                search = at + 1;
                continue;
            }
            self.plain(&text[written..at]);
            let handle = &text[at + 1..at + 1 + len];
            self.mentions.push(handle.to_owned());
            self.out.push(Event::InlineHtml(MENTION_OPEN.into()));
            self.out.push(Event::Text(format!("@{handle}").into()));
            self.out.push(Event::InlineHtml(MENTION_CLOSE.into()));
            written = at + 1 + len;
            search = written;
        }
        self.plain(&text[written..span.end]);
    }

    /// Writes text, each line break as `<br>`.
    fn plain(&mut self, text: &str) {
        for (i, line) in text.split('\n').enumerate() {
            if i > 0 {
                self.out.push(Event::HardBreak);
            }
            if !line.is_empty() {
                self.out.push(Event::Text(line.to_owned().into()));
            }
        }
    }
}

/// The length of the handle of a mention whose `@` is at byte `at` of
/// `text`, or 0 when there is none (10-domain-model §12.4): `@` then
/// `[A-Za-z0-9_.+-]+`, optionally `@[A-Za-z0-9_.-]+`; not after a word
/// character or `.`, not escaped. Trailing dots are sentence punctuation,
/// not part of the handle.
fn mention_len(text: &str, at: usize, end: usize, protected: &[usize]) -> usize {
    if protected.contains(&at) {
        return 0;
    }
    if text[..at]
        .chars()
        .next_back()
        .is_some_and(|c| c.is_alphanumeric() || c == '_' || c == '.')
    {
        return 0;
    }
    let rest = &text.as_bytes()[at + 1..end];
    let local = rest
        .iter()
        .take_while(|b| b.is_ascii_alphanumeric() || matches!(b, b'_' | b'.' | b'+' | b'-'))
        .count();
    if local == 0 {
        return 0;
    }
    let mut len = local;
    if rest.get(local) == Some(&b'@') {
        let domain = rest[local + 1..]
            .iter()
            .take_while(|b| b.is_ascii_alphanumeric() || matches!(b, b'_' | b'.' | b'-'))
            .count();
        if domain > 0 {
            len = local + 1 + domain;
        }
    }
    // The handle is ASCII, so byte and character counts agree.
    let handle = &text[at + 1..at + 1 + len];
    handle.trim_end_matches(['.', '@']).len()
}

/// A bare URL found in text.
struct FoundUrl {
    range: Range<usize>,
    href: String,
}

/// Bare `http://`, `https://` and `www.` URLs, after the GFM autolink
/// extension: the URL runs to whitespace or `<`; trailing punctuation and
/// an unbalanced closing parenthesis are left out; `www.` links get
/// `http://`.
fn find_urls(text: &str) -> Vec<FoundUrl> {
    const PREFIXES: [&str; 3] = ["https://", "http://", "www."];
    // ASCII lower-casing keeps every byte offset.
    let lower = text.to_ascii_lowercase();
    let mut found = Vec::new();
    let mut from = 0;
    while from < text.len() {
        let Some((start, prefix)) = PREFIXES
            .iter()
            .filter_map(|p| lower[from..].find(p).map(|i| (from + i, *p)))
            .min_by_key(|(i, _)| *i)
        else {
            break;
        };
        let after_word = text[..start]
            .chars()
            .next_back()
            .is_some_and(char::is_alphanumeric);
        let end = text[start..]
            .find(|c: char| c.is_whitespace() || matches!(c, '<' | '>' | '"'))
            .map_or(text.len(), |i| start + i);
        let end = trim_url_end(text, start, end);
        let host_ok = text
            .get(start + prefix.len()..end)
            .and_then(|host| host.chars().next())
            .is_some_and(char::is_alphanumeric);
        if after_word || !host_ok {
            // The prefix starts with an ASCII letter, so +1 is a boundary.
            from = start + 1;
            continue;
        }
        let url = &text[start..end];
        let href = if prefix == "www." {
            format!("http://{url}")
        } else {
            url.to_owned()
        };
        found.push(FoundUrl {
            range: start..end,
            href,
        });
        from = end;
    }
    found
}

fn trim_url_end(text: &str, start: usize, mut end: usize) -> usize {
    loop {
        let url = &text[start..end];
        match url.chars().next_back() {
            Some('?' | '!' | '.' | ',' | ':' | ';' | '*' | '_' | '~' | '\'') => end -= 1,
            Some(')') if url.matches(')').count() > url.matches('(').count() => end -= 1,
            _ => return end,
        }
    }
}

/// What in `html` breaks the allowlist: elements, attributes and link
/// schemes it does not allow. Empty for every output of [`render`]; the
/// tests and the fuzz target (`fuzz/`) check exactly that.
pub fn violations(html: &str) -> Vec<String> {
    let mut found = Vec::new();
    for (name, attrs) in tags(html) {
        if !ALLOWED_TAGS.contains(&name.as_str()) {
            found.push(format!("<{name}>"));
        }
        for (attr, value) in attrs {
            let ok = match (name.as_str(), attr.as_str()) {
                ("a", "title") => true,
                ("a", "rel") => value == "nofollow noopener",
                ("a", "href") => {
                    let lower = value.to_ascii_lowercase();
                    ["http:", "https:", "mailto:"]
                        .iter()
                        .any(|s| lower.starts_with(s))
                        || lower
                            .split('/')
                            .next()
                            .is_none_or(|head| !head.contains(':'))
                }
                ("span", "class") => value == "mention",
                _ => false,
            };
            if !ok {
                found.push(format!("{name}[{attr}={value:?}]"));
            }
        }
    }
    found
}

/// The tags of `html` as (name, attributes), skipping text and honouring
/// quoted attribute values.
fn tags(html: &str) -> Vec<(String, Vec<(String, String)>)> {
    let mut out = Vec::new();
    let mut rest = html;
    while let Some(open) = rest.find('<') {
        rest = &rest[open + 1..];
        let mut inner = String::new();
        let mut quoted = false;
        let mut len = rest.len();
        for (i, c) in rest.char_indices() {
            match c {
                '"' => quoted = !quoted,
                '>' if !quoted => {
                    len = i + 1;
                    break;
                }
                _ => {}
            }
            inner.push(c);
        }
        rest = &rest[len..];
        let inner = inner.trim_start_matches('/').trim_end_matches('/');
        let (name, mut attrs) = inner.split_once(char::is_whitespace).unwrap_or((inner, ""));
        let mut parsed = Vec::new();
        loop {
            attrs = attrs.trim_start();
            if attrs.is_empty() {
                break;
            }
            let name_end = attrs.find(['=', ' ']).unwrap_or(attrs.len());
            let attr = attrs[..name_end].to_owned();
            attrs = &attrs[name_end..];
            let value;
            if let Some(after) = attrs.strip_prefix("=\"") {
                let close = after.find('"').unwrap_or(after.len());
                value = &after[..close];
                attrs = after.get(close + 1..).unwrap_or("");
            } else if let Some(after) = attrs.strip_prefix('=') {
                // An unquoted value: whatever follows, up to a space.
                let end = after.find(' ').unwrap_or(after.len());
                value = &after[..end];
                attrs = &after[end..];
            } else {
                value = "";
            }
            parsed.push((attr, value.to_owned()));
        }
        out.push((name.to_ascii_lowercase(), parsed));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn html(markdown: &str) -> String {
        render(markdown).to_string()
    }

    #[test]
    fn kept_renders_follow_the_text_and_stay_within_their_budget() {
        assert_eq!(render_kept(1, "**one**"), render("**one**"));
        assert_eq!(render_kept(1, "**one**"), render("**one**"));
        assert_eq!(render_kept(1, "*edited*"), render("*edited*"));
        assert_eq!(render_kept(2, "**one**"), render("**one**"));
        let big = "a".repeat(KEPT_BYTES / 3);
        for advisory in 3..10 {
            assert_eq!(render_kept(advisory, &big), render(&big));
            let kept = KEPT.lock().unwrap();
            let held: usize = kept
                .entries
                .values()
                .map(|(s, h)| s.len() + h.0.len())
                .sum();
            assert_eq!(kept.bytes, held);
            assert!(kept.bytes <= KEPT_BYTES, "{} bytes kept", kept.bytes);
        }
    }

    fn chip(handle: &str) -> String {
        format!("<span class=\"mention\">@{handle}</span>")
    }

    /// No element, attribute or URL scheme outside the allowlist survives.
    fn assert_inert(output: &str) {
        let found = violations(output);
        assert!(found.is_empty(), "{found:?} in {output}");
    }

    #[test]
    fn nesting_is_capped() {
        let out = html(&"> ".repeat(200));
        assert_eq!(out.matches("<blockquote>").count(), MAX_NESTING);
        assert_eq!(
            out.matches("<blockquote>").count(),
            out.matches("</blockquote>").count()
        );
        let list = html(&format!("{}x", "- ".repeat(100)));
        assert_eq!(list.matches("<ul>").count(), list.matches("</ul>").count());
        assert!(list.contains('x'));
    }

    #[test]
    fn basic_commonmark() {
        assert_eq!(html(""), "");
        assert_eq!(html("hello *world*"), "<p>hello <em>world</em></p>\n");
        assert_eq!(
            html("# Title\n\n**bold** _it_\n\n> quote\n\n---\n\n1. one\n2. two\n\n- a\n- b"),
            "<h1>Title</h1>\n<p><strong>bold</strong> <em>it</em></p>\n<blockquote>\n<p>quote</p>\n</blockquote>\n<hr>\n<ol>\n<li>one</li>\n<li>two</li>\n</ol>\n<ul>\n<li>a</li>\n<li>b</li>\n</ul>\n"
        );
        assert_eq!(
            html("```rust\nfn main() {}\n```"),
            "<pre><code>fn main() {}\n</code></pre>\n"
        );
    }

    #[test]
    fn single_newlines_are_hard_breaks() {
        assert_eq!(html("one\ntwo"), "<p>one<br>\ntwo</p>\n");
    }

    #[test]
    fn tables() {
        let out = html("| a | b |\n|:--|--:|\n| 1 | **2** |");
        assert_eq!(
            out,
            "<table><thead><tr><th>a</th><th>b</th></tr></thead><tbody>\n<tr><td>1</td><td><strong>2</strong></td></tr>\n</tbody></table>\n"
        );
    }

    #[test]
    fn links_get_rel_and_keep_title() {
        assert_eq!(
            html("[x](https://example.org/a \"T\")"),
            "<p><a href=\"https://example.org/a\" title=\"T\" rel=\"nofollow noopener\">x</a></p>\n"
        );
        assert_eq!(
            html("<https://example.org>"),
            "<p><a href=\"https://example.org\" rel=\"nofollow noopener\">https://example.org</a></p>\n"
        );
        assert_eq!(
            html("[m](mailto:sec@example.org)"),
            "<p><a href=\"mailto:sec@example.org\" rel=\"nofollow noopener\">m</a></p>\n"
        );
        assert_eq!(
            html("[rel](/advisories/)"),
            "<p><a href=\"/advisories/\" rel=\"nofollow noopener\">rel</a></p>\n"
        );
    }

    #[test]
    fn bare_urls_are_linked() {
        let link = |href: &str, text: &str| {
            format!("<a href=\"{href}\" rel=\"nofollow noopener\">{text}</a>")
        };
        let cases = [
            (
                "see https://example.org/a_b?x=1&y=2.",
                format!(
                    "<p>see {}.</p>\n",
                    link(
                        "https://example.org/a_b?x=1&amp;y=2",
                        "https://example.org/a_b?x=1&amp;y=2"
                    )
                ),
            ),
            (
                "(http://example.org/wiki/A_(b))",
                format!(
                    "<p>({})</p>\n",
                    link(
                        "http://example.org/wiki/A_(b)",
                        "http://example.org/wiki/A_(b)"
                    )
                ),
            ),
            (
                "visit www.example.org, now",
                format!(
                    "<p>visit {}, now</p>\n",
                    link("http://www.example.org", "www.example.org")
                ),
            ),
            (
                "HTTPS://EXAMPLE.ORG!",
                format!(
                    "<p>{}!</p>\n",
                    link("HTTPS://EXAMPLE.ORG", "HTTPS://EXAMPLE.ORG")
                ),
            ),
        ];
        for (input, expected) in cases {
            assert_eq!(html(input), expected, "{input}");
        }
        for text in [
            "http:// nothing",
            "xhttps://example.org",
            "www. no",
            "notwww.example.org",
        ] {
            assert!(!html(text).contains("<a"), "{text}");
        }
    }

    #[test]
    fn no_links_inside_code_or_link_text() {
        assert_eq!(
            html("`https://example.org`"),
            "<p><code>https://example.org</code></p>\n"
        );
        assert_eq!(
            html("    https://example.org\n"),
            "<pre><code>https://example.org\n</code></pre>\n"
        );
        assert_eq!(
            html("[https://a.example](https://b.example)"),
            "<p><a href=\"https://b.example\" rel=\"nofollow noopener\">https://a.example</a></p>\n"
        );
    }

    #[test]
    fn mentions_are_chipped() {
        let cases = [
            ("@alice", format!("<p>{}</p>\n", chip("alice"))),
            ("hi @alice.", format!("<p>hi {}.</p>\n", chip("alice"))),
            (
                "cc @a.b-c+d_e!",
                format!("<p>cc {}!</p>\n", chip("a.b-c+d_e")),
            ),
            (
                "@alice@example.org.",
                format!("<p>{}.</p>\n", chip("alice@example.org")),
            ),
            ("@alice@", format!("<p>{}@</p>\n", chip("alice"))),
            ("(@alice)", format!("<p>({})</p>\n", chip("alice"))),
            (
                "**@alice**",
                format!("<p><strong>{}</strong></p>\n", chip("alice")),
            ),
            (
                "@alice,@bob",
                format!("<p>{},{}</p>\n", chip("alice"), chip("bob")),
            ),
            ("# @team", format!("<h1>{}</h1>\n", chip("team"))),
            ("@@alice", format!("<p>@{}</p>\n", chip("alice"))),
        ];
        for (input, expected) in cases {
            assert_eq!(html(input), expected, "{input}");
        }
    }

    #[test]
    fn not_mentions() {
        let cases = [
            ("mail bob@example.org", "<p>mail bob@example.org</p>\n"),
            ("x.@alice", "<p>x.@alice</p>\n"),
            ("_@alice", "<p>_@alice</p>\n"),
            ("é@alice", "<p>é@alice</p>\n"),
            ("\\@alice", "<p>@alice</p>\n"),
            ("&#64;alice", "<p>@alice</p>\n"),
            ("`@alice`", "<p><code>@alice</code></p>\n"),
            ("```\n@alice\n```", "<pre><code>@alice\n</code></pre>\n"),
            ("@ alone", "<p>@ alone</p>\n"),
            ("@.", "<p>@.</p>\n"),
        ];
        for (input, expected) in cases {
            assert_eq!(html(input), expected, "{input}");
        }
        // An escaped backslash does not escape the `@` after it.
        assert_eq!(html("\\\\@alice"), format!("<p>\\{}</p>\n", chip("alice")));
    }

    #[test]
    fn no_mentions_in_links_or_urls() {
        assert_eq!(
            html("[@alice](https://example.org)"),
            "<p><a href=\"https://example.org\" rel=\"nofollow noopener\">@alice</a></p>\n"
        );
        assert_eq!(
            html("https://example.org/@alice"),
            "<p><a href=\"https://example.org/@alice\" rel=\"nofollow noopener\">https://example.org/@alice</a></p>\n"
        );
        assert_eq!(
            html("https://example.org @alice"),
            format!(
                "<p><a href=\"https://example.org\" rel=\"nofollow noopener\">https://example.org</a> {}</p>\n",
                chip("alice")
            )
        );
    }

    #[test]
    fn mentions_list_matches_the_chips() {
        assert_eq!(
            mentions("@alice and @Bob@Example.org, `@code`, \\@esc, bob@x.org, @ALICE, @team"),
            ["alice", "Bob@Example.org", "team"]
        );
        assert!(mentions("no mentions here").is_empty());
        assert_eq!(mentions("| @c |\n|---|\n| @d |"), ["c", "d"]);
    }

    #[test]
    fn raw_html_is_text() {
        assert_eq!(
            html("<script>alert(1)</script>"),
            "<p>&lt;script&gt;alert(1)&lt;/script&gt;</p>\n"
        );
        assert_eq!(
            html("a <b onclick=\"x()\">b</b>"),
            "<p>a &lt;b onclick=\"x()\"&gt;b&lt;/b&gt;</p>\n"
        );
        assert_eq!(
            html("<div>\n@alice\n</div>"),
            format!(
                "<p>&lt;div&gt;<br>\n{}<br>\n&lt;/div&gt;</p>\n",
                chip("alice")
            )
        );
        assert_eq!(html("<!-- hidden -->"), "<p>&lt;!-- hidden --&gt;</p>\n");
    }

    #[test]
    fn xss_vectors_are_inert() {
        let vectors = [
            "<script>alert(1)</script>",
            "<SCRIPT SRC=//evil.example/x.js></SCRIPT>",
            "<img src=x onerror=alert(1)>",
            "<svg onload=alert(1)>",
            "<iframe src=\"javascript:alert(1)\"></iframe>",
            "<a href=\"javascript:alert(1)\">x</a>",
            "<style>body{display:none}</style>",
            "[x](javascript:alert(1))",
            "[x](JaVaScRiPt:alert(1))",
            "[x](java&#09;script:alert(1))",
            "[x](&#106;avascript:alert(1))",
            "[x](vbscript:msgbox(1))",
            "[x](data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==)",
            "![x](data:image/svg+xml;base64,PHN2Zz4=)",
            "![x](javascript:alert(1))",
            "<javascript:alert(1)>",
            "[x](https://ok.example \"t\\\" onmouseover=\\\"alert(1)\")",
            "[x]: javascript:alert(1)\n\n[x]",
            "<div style=\"x\" onmouseover=alert(1)>hi</div>",
            "@alice<script>alert(1)</script>",
            "`<script>` <span class=\"mention\">@evil</span>",
            "<span class=\"mention\" onclick=\"x()\">fake</span>",
        ];
        for vector in vectors {
            let out = html(vector);
            assert_inert(&out);
        }
        assert_eq!(
            html("[x](javascript:alert(1))"),
            "<p><a rel=\"nofollow noopener\">x</a></p>\n"
        );
        assert_eq!(
            html("![alt](data:image/png;base64,AAAA)"),
            "<p><a rel=\"nofollow noopener\">alt</a></p>\n"
        );
        // A user cannot forge a chip: their span is text (the `@x` inside is
        // a real mention, chipped by the parser).
        assert_eq!(
            html("<span class=\"mention\">x</span>"),
            "<p>&lt;span class=\"mention\"&gt;x&lt;/span&gt;</p>\n"
        );
    }

    #[test]
    fn images_become_links() {
        assert_eq!(
            html("![diagram](https://example.org/d.png \"D\")"),
            "<p><a href=\"https://example.org/d.png\" title=\"D\" rel=\"nofollow noopener\">diagram</a></p>\n"
        );
    }

    #[test]
    fn sanitiser_allowlist() {
        let clean = |s: &str| SANITIZER.clean(s).to_string();
        assert_eq!(
            clean(
                "<span class=\"mention\">@a</span><span class=\"mention x\">b</span><span class=\"other\">c</span>"
            ),
            "<span class=\"mention\">@a</span><span>b</span><span>c</span>"
        );
        assert_eq!(
            clean("<a href=\"ftp://x\" target=\"_blank\" id=\"i\">f</a>"),
            "<a rel=\"nofollow noopener\">f</a>"
        );
        assert_eq!(clean("<p title=\"t\" lang=\"en\">p</p>"), "<p>p</p>");
        assert_eq!(clean("<u>u</u><del>d</del><img src=x>"), "<u>u</u>d");
        assert_eq!(clean("<script>x()</script>ok"), "ok");
        assert_eq!(
            clean(
                "<a href=\"/a/b?c#d\">1</a><a href=\"#top\">2</a><a href=\"java%09script:x\">3</a>"
            ),
            "<a href=\"/a/b?c#d\" rel=\"nofollow noopener\">1</a><a href=\"#top\" rel=\"nofollow noopener\">2</a><a rel=\"nofollow noopener\">3</a>"
        );
    }

    #[test]
    fn templates_print_it_without_escaping() {
        #[derive(askama::Template)]
        #[template(source = "<div>{{ body }}</div><i>{{ text }}</i>", ext = "html")]
        struct Page<'a> {
            body: &'a SanitizedHtml,
            text: &'a str,
        }
        let body = render("**hi** <b>");
        let page = Page {
            body: &body,
            text: "<b>",
        };
        assert_eq!(
            askama::Template::render(&page).unwrap(),
            "<div><p><strong>hi</strong> &lt;b&gt;</p>\n</div><i>&#60;b&#62;</i>"
        );
    }
}
