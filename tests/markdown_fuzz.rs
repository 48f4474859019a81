//! The markdown pipeline (comments, advisory details) against generated
//! hostile input: whatever goes in, only allowlisted elements, attributes
//! and link schemes come out, and nothing panics (10-domain-model §12.3).
//! The same check runs under libFuzzer from `fuzz/` with a nightly
//! toolchain; this test runs it on every build with a fixed seed, so a
//! failure reproduces.

use advisoryhub::web::markdown::{mentions, render, violations};

/// Pieces that have broken sanitisers before, mixed with markdown syntax.
const PIECES: &[&str] = &[
    "<script>alert(1)</script>",
    "<img src=x onerror=alert(1)>",
    "<a href=\"javascript:alert(1)\">x</a>",
    "[x](javascript:alert(1))",
    "[x](JaVaScRiPt:alert(1))",
    "[x](java\tscript:alert(1))",
    "[x](data:text/html,<script>alert(1)</script>)",
    "[x](vbscript:msgbox)",
    "<div hx-get=\"/x\" hx-trigger=\"load\">",
    "<span class=\"mention evil\" onclick=\"x()\">",
    "<svg><script>1</script></svg>",
    "<iframe src=//evil>",
    "<style>*{}</style>",
    "`<script>`",
    "``<b onclick=x>``",
    "```\n<script>\n```",
    "<details open ontoggle=alert(1)>",
    "&lt;script&gt;",
    "&#x3C;script&#x3E;",
    "\\<script>",
    "![a](javascript:alert(1))",
    "<a href=\"http://x\" onmouseover=\"y\">z</a>",
    "[a]: javascript:alert(1)\n[b][a]",
    "<http://example.org/?a=<script>>",
    "https://example.org/<script>",
    "@alice",
    "@bob@example.org",
    "x@y.org",
    "\\@carol",
    "| a | b |\n|---|---|\n| <script> | [x](javascript:y) |",
    "> <b onload=x>",
    "- <i onfocus=x autofocus>",
    "# <h1 style=\"x\">",
    "<!-- <script> -->",
    "<![CDATA[<script>]]>",
    "<math><mi xlink:href=\"javascript:x\">",
    "\n",
    "\n\n",
    " ",
    "*",
    "_",
    "[",
    "]",
    "(",
    ")",
    "<",
    ">",
    "\"",
    "'",
    "`",
];

/// xorshift64*: reproducible, no dependency.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }

    fn below(&mut self, n: usize) -> usize {
        usize::try_from(self.next() % (n as u64)).unwrap_or(0)
    }
}

fn check(input: &str) {
    let html = render(input);
    let found = violations(html.as_str());
    assert!(found.is_empty(), "{found:?} from {input:?} gave {html}");
    let _ = mentions(input);
}

#[test]
fn generated_hostile_markdown_stays_inside_the_allowlist() {
    let mut rng = Rng(0x005E_ED0F_AD71_5012);
    for _ in 0..5_000 {
        let mut input = String::new();
        for _ in 0..=rng.below(12) {
            if rng.below(5) == 0 {
                // A random printable or control character now and then.
                let c = char::from_u32(u32::try_from(rng.below(0x250)).unwrap_or(0)).unwrap_or('?');
                input.push(c);
            } else {
                input.push_str(PIECES[rng.below(PIECES.len())]);
            }
        }
        check(&input);
    }
}

// Huge and deeply nested inputs finish and stay inert (no timing asserted).
#[test]
fn huge_and_deeply_nested_inputs_are_handled() {
    check(&"<script>alert(1)</script>".repeat(20_000));
    check(&"> ".repeat(50_000));
    check(&"[".repeat(50_000));
    check(&"*a ".repeat(50_000));
    check(&"- ".repeat(20_000));
    check(&"`".repeat(100_000));
    check(&format!(
        "{}x{}",
        "<b>".repeat(10_000),
        "</b>".repeat(10_000)
    ));
    check(&"@a ".repeat(30_000));
}
