//! The committed bytes of a document (70-publication §4.1): keys sorted
//! lexicographically at every level, two-space indentation, `": "` between a
//! key and its value, one item per line, non-ASCII written as raw UTF-8, and
//! one trailing newline. The order does not depend on how the `Value` was
//! built (nor on serde_json's `preserve_order` feature), so equal documents
//! always give equal bytes.

use serde::Serialize;
use serde_json::{Map, Value};

/// `value` with the keys of every object in sorted order.
fn sorted(value: &Value) -> Value {
    match value {
        Value::Object(map) => {
            let mut keys: Vec<&String> = map.keys().collect();
            keys.sort();
            let mut out = Map::new();
            for key in keys {
                out.insert(key.clone(), sorted(&map[key.as_str()]));
            }
            Value::Object(out)
        }
        Value::Array(items) => Value::Array(items.iter().map(sorted).collect()),
        other => other.clone(),
    }
}

/// The serialisation of §4.1.
pub fn to_bytes(value: &Value) -> Vec<u8> {
    let mut out = Vec::new();
    let formatter = serde_json::ser::PrettyFormatter::with_indent(b"  ");
    let mut serializer = serde_json::Serializer::with_formatter(&mut out, formatter);
    // Serialising a `Value` into memory cannot fail: its keys are strings and
    // its numbers finite.
    if sorted(value).serialize(&mut serializer).is_err() {
        out.clear();
    }
    out.push(b'\n');
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn keys_are_sorted_at_every_level_with_two_space_indentation() {
        let value = json!({"b": 1, "a": {"z": [], "y": {}, "x": [{"d": 1, "c": "é"}]}});
        let text = String::from_utf8(to_bytes(&value)).unwrap();
        assert_eq!(
            text,
            "{\n  \"a\": {\n    \"x\": [\n      {\n        \"c\": \"é\",\n        \"d\": 1\n      }\n    ],\n    \"y\": {},\n    \"z\": []\n  },\n  \"b\": 1\n}\n"
        );
    }

    #[test]
    fn strings_are_escaped_as_json_and_floats_keep_their_decimal() {
        let value = json!({"s": "line\nbreak \"quoted\" \u{1} ünï", "n": 10.0, "m": 9.8});
        let text = String::from_utf8(to_bytes(&value)).unwrap();
        assert_eq!(
            text,
            "{\n  \"m\": 9.8,\n  \"n\": 10.0,\n  \"s\": \"line\\nbreak \\\"quoted\\\" \\u0001 ünï\"\n}\n"
        );
    }
}
