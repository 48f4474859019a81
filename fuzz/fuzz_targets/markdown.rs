//! Any text through the markdown pipeline yields only allowlisted HTML, and
//! neither rendering nor mention extraction panics.
#![no_main]

use advisoryhub::web::markdown;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if let Ok(text) = std::str::from_utf8(data) {
        let html = markdown::render(text);
        let found = markdown::violations(html.as_str());
        assert!(found.is_empty(), "{found:?} from {text:?}");
        let _ = markdown::mentions(text);
    }
});
