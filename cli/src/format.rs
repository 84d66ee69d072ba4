//! Printing replies the way redis-cli does on a terminal, and the routing line.

use std::fmt::Write as _;

use slotwise::error::escape_controls;
use slotwise::resp::Value;
use slotwise::router::Route;
use slotwise::Error;

/// `bytes` quoted like redis-cli (`sdscatrepr`): `"..."` with `\n \r \t \a \b \\ \"` escaped,
/// printable ASCII as is and every other byte as `\xHH`.
pub fn repr(bytes: &[u8]) -> String {
    let mut s = String::with_capacity(bytes.len() + 2);
    s.push('"');
    for &b in bytes {
        match b {
            b'\\' => s.push_str("\\\\"),
            b'"' => s.push_str("\\\""),
            b'\n' => s.push_str("\\n"),
            b'\r' => s.push_str("\\r"),
            b'\t' => s.push_str("\\t"),
            0x07 => s.push_str("\\a"),
            0x08 => s.push_str("\\b"),
            0x20..=0x7e => s.push(b as char),
            _ => {
                let _ = write!(s, "\\x{b:02x}");
            }
        }
    }
    s.push('"');
    s
}

/// A reply as redis-cli prints it, each line ending in `\n`.
pub fn format_value(v: &Value) -> String {
    let mut out = String::new();
    write_value(&mut out, v, "");
    out
}

fn double(d: f64) -> String {
    if d.is_nan() {
        "nan".into()
    } else if d.is_infinite() {
        if d > 0.0 { "inf" } else { "-inf" }.into()
    } else {
        d.to_string()
    }
}

fn write_value(out: &mut String, v: &Value, prefix: &str) {
    match v {
        Value::Nil => out.push_str("(nil)\n"),
        Value::Simple(s) => {
            out.push_str(&String::from_utf8_lossy(s));
            out.push('\n');
        }
        // Text from the network: control characters (a blob error may carry CR and LF, a
        // hostile node terminal escapes) are shown escaped.
        Value::Error(e) | Value::BlobError(e) => {
            let _ = writeln!(
                out,
                "(error) {}",
                escape_controls(&String::from_utf8_lossy(e))
            );
        }
        Value::Int(i) => {
            let _ = writeln!(out, "(integer) {i}");
        }
        Value::Double(d) => {
            let _ = writeln!(out, "(double) {}", double(*d));
        }
        Value::Boolean(b) => out.push_str(if *b { "(true)\n" } else { "(false)\n" }),
        Value::BigNumber(n) => {
            let _ = writeln!(out, "(big number) {}", String::from_utf8_lossy(n));
        }
        Value::Bulk(b) => {
            out.push_str(&repr(b));
            out.push('\n');
        }
        Value::Verbatim { text, .. } => {
            out.push_str(&String::from_utf8_lossy(text));
            out.push('\n');
        }
        Value::Attribute { data, .. } => write_value(out, data, prefix),
        Value::Array(items) => write_list(out, items, ')', "(empty array)", prefix),
        Value::Set(items) => write_list(out, items, '~', "(empty set)", prefix),
        Value::Push(items) => write_list(out, items, ')', "(empty push)", prefix),
        Value::Map(pairs) => {
            if pairs.is_empty() {
                out.push_str("(empty hash)\n");
                return;
            }
            let width = digits(pairs.len());
            let inner = format!("{prefix}{}", " ".repeat(width + 2));
            for (i, (k, v)) in pairs.iter().enumerate() {
                let lead = if i == 0 { "" } else { prefix };
                let _ = write!(out, "{lead}{:>width$}# ", i + 1);
                let mut key = String::new();
                write_value(&mut key, k, &inner);
                out.push_str(key.strip_suffix('\n').unwrap_or(&key));
                out.push_str(" => ");
                write_value(out, v, &inner);
            }
        }
    }
}

fn write_list(out: &mut String, items: &[Value], sep: char, empty: &str, prefix: &str) {
    if items.is_empty() {
        out.push_str(empty);
        out.push('\n');
        return;
    }
    let width = digits(items.len());
    // Nested replies are indented past this level's index column.
    let inner = format!("{prefix}{}", " ".repeat(width + 2));
    for (i, item) in items.iter().enumerate() {
        // The first element continues the line the parent already started.
        let lead = if i == 0 { "" } else { prefix };
        let _ = write!(out, "{lead}{:>width$}{sep} ", i + 1);
        write_value(out, item, &inner);
    }
}

fn digits(mut n: usize) -> usize {
    let mut d = 1;
    while n >= 10 {
        n /= 10;
        d += 1;
    }
    d
}

/// An error as printed in place of a reply: `(error) <text>`. A server's error reply is shown
/// as sent (the routing line names the node); the client's own errors carry their advice.
pub fn format_error(e: &Error) -> String {
    match e {
        Error::Server { error, .. } => format!("(error) {}\n", error.text),
        other => format!("(error) {other}\n"),
    }
}

/// The routing line printed before a reply, like `redis-cli -c`'s "-> Redirected to ...":
///
/// - `-> slot 7638 on 127.0.0.1:7001` for a keyed command;
/// - `-> 127.0.0.1:7000` for a keyless one;
/// - `-> 127.0.0.1:7000, 127.0.0.1:7001, 127.0.0.1:7002` for a fan-out;
/// - `-> slots 866, 7638 on 127.0.0.1:7000, 127.0.0.1:7001` for a multi-key command split by
///   slot (`split_slots` lists the slots, in key order);
///
/// followed by `(redirected 1x)` / `(retried 2x)` when that happened. `None` when the
/// command never got a route (rejected before sending and keyless).
pub fn route_line(route: &Route, split_slots: &[u16]) -> Option<String> {
    let mut nodes: Vec<&str> = Vec::new();
    for n in &route.nodes {
        if !nodes.contains(&&**n) {
            nodes.push(n);
        }
    }
    let mut line = String::from("->");
    match (route.slot, split_slots.len() > 1) {
        (Some(_), true) => {
            const SHOWN: usize = 8;
            let list: Vec<String> = split_slots.iter().take(SHOWN).map(u16::to_string).collect();
            let _ = write!(line, " slots {}", list.join(", "));
            if split_slots.len() > SHOWN {
                let _ = write!(line, " (+{} more)", split_slots.len() - SHOWN);
            }
        }
        (Some(slot), false) => {
            let _ = write!(line, " slot {slot}");
        }
        (None, _) if nodes.is_empty() => return None,
        (None, _) => {}
    }
    if nodes.is_empty() {
        line.push_str(" (not sent)");
    } else if route.slot.is_some() {
        let _ = write!(line, " on {}", nodes.join(", "));
    } else {
        let _ = write!(line, " {}", nodes.join(", "));
    }
    if route.redirects > 0 {
        let _ = write!(line, " (redirected {}x)", route.redirects);
    }
    if route.retries > 0 {
        let _ = write!(line, " (retried {}x)", route.retries);
    }
    Some(line)
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use slotwise::resp::ServerError;
    use slotwise::slot::Slot;

    use super::*;

    fn bulk(s: &str) -> Value {
        Value::Bulk(s.to_string().into())
    }

    #[test]
    fn scalars() {
        assert_eq!(format_value(&bulk("bar")), "\"bar\"\n");
        assert_eq!(format_value(&Value::Int(5)), "(integer) 5\n");
        assert_eq!(format_value(&Value::Int(-1)), "(integer) -1\n");
        assert_eq!(format_value(&Value::Nil), "(nil)\n");
        assert_eq!(format_value(&Value::Simple("OK".into())), "OK\n");
        assert_eq!(
            format_value(&Value::Error("ERR nope".into())),
            "(error) ERR nope\n"
        );
        assert_eq!(format_value(&Value::Double(3.25)), "(double) 3.25\n");
        assert_eq!(
            format_value(&Value::Double(f64::INFINITY)),
            "(double) inf\n"
        );
        assert_eq!(format_value(&Value::Double(f64::NAN)), "(double) nan\n");
        assert_eq!(format_value(&Value::Boolean(true)), "(true)\n");
        assert_eq!(format_value(&Value::Boolean(false)), "(false)\n");
        assert_eq!(
            format_value(&Value::BigNumber("12345678901234567890".into())),
            "(big number) 12345678901234567890\n"
        );
        let verbatim = Value::Verbatim {
            format: *b"txt",
            text: "line1\nline2".into(),
        };
        assert_eq!(format_value(&verbatim), "line1\nline2\n");
    }

    #[test]
    fn bulk_strings_are_quoted_like_redis_cli() {
        assert_eq!(
            repr(b"a \"b\" \\ \n\r\t\x07\x08"),
            r#""a \"b\" \\ \n\r\t\a\b""#
        );
        assert_eq!(repr(b"\x00\x7f\xff"), r#""\x00\x7f\xff""#);
        assert_eq!(repr("é".as_bytes()), r#""\xc3\xa9""#);
        assert_eq!(repr(b""), r#""""#);
    }

    #[test]
    fn arrays_are_numbered_and_nested_replies_indented() {
        let v = Value::Array(vec![bulk("a"), Value::Int(2), Value::Nil]);
        assert_eq!(format_value(&v), "1) \"a\"\n2) (integer) 2\n3) (nil)\n");
        // As redis-cli prints CLUSTER SLOTS.
        let nested = Value::Array(vec![
            Value::Array(vec![
                Value::Int(0),
                Value::Int(5460),
                Value::Array(vec![bulk("127.0.0.1"), Value::Int(7000)]),
            ]),
            Value::Array(vec![]),
        ]);
        assert_eq!(
            format_value(&nested),
            "1) 1) (integer) 0\n   2) (integer) 5460\n   3) 1) \"127.0.0.1\"\n      2) (integer) 7000\n2) (empty array)\n"
        );
    }

    #[test]
    fn index_column_is_right_aligned() {
        let v = Value::Array((0..10).map(Value::Int).collect());
        let text = format_value(&v);
        assert!(text.starts_with(" 1) (integer) 0\n 2) (integer) 1\n"));
        assert!(text.ends_with("10) (integer) 9\n"));
        let nested = Value::Array(
            std::iter::once(Value::Array(vec![Value::Int(1), Value::Int(2)]))
                .chain((0..9).map(|_| Value::Nil))
                .collect(),
        );
        assert!(format_value(&nested)
            .starts_with(" 1) 1) (integer) 1\n    2) (integer) 2\n 2) (nil)\n"));
    }

    #[test]
    fn maps_sets_and_empties() {
        let m = Value::Map(vec![
            (bulk("server"), bulk("redis")),
            (bulk("modules"), Value::Array(vec![])),
            (
                bulk("nested"),
                Value::Map(vec![(bulk("k"), Value::Int(1)), (bulk("j"), Value::Int(2))]),
            ),
        ]);
        assert_eq!(
            format_value(&m),
            "1# \"server\" => \"redis\"\n2# \"modules\" => (empty array)\n3# \"nested\" => 1# \"k\" => (integer) 1\n   2# \"j\" => (integer) 2\n"
        );
        let s = Value::Set(vec![bulk("x"), bulk("y")]);
        assert_eq!(format_value(&s), "1~ \"x\"\n2~ \"y\"\n");
        assert_eq!(format_value(&Value::Set(vec![])), "(empty set)\n");
        assert_eq!(format_value(&Value::Map(vec![])), "(empty hash)\n");
        let attr = Value::Attribute {
            attrs: vec![(bulk("ttl"), Value::Int(3))],
            data: Box::new(Value::Int(7)),
        };
        assert_eq!(format_value(&attr), "(integer) 7\n");
    }

    #[test]
    fn errors_print_their_text() {
        let e = Error::Server {
            error: ServerError::parse(
                b"WRONGTYPE Operation against a key holding the wrong kind of value",
            ),
            node: "127.0.0.1:7000".into(),
        };
        assert_eq!(
            format_error(&e),
            "(error) WRONGTYPE Operation against a key holding the wrong kind of value\n"
        );
        let nested = Value::Array(vec![Value::BlobError("ERR a\r\nb\x1b[31m".into())]);
        assert_eq!(format_value(&nested), "1) (error) ERR a\\r\\nb\\x1b[31m\n");
        let e = Error::Config("no seed nodes given".into());
        assert_eq!(
            format_error(&e),
            "(error) invalid configuration: no seed nodes given\n"
        );
    }

    fn route(slot: Option<u16>, nodes: &[&str], redirects: u32, retries: u32) -> Route {
        Route {
            slot: slot.and_then(Slot::new),
            nodes: nodes.iter().map(|n| Arc::from(*n)).collect(),
            redirects,
            retries,
        }
    }

    #[test]
    fn routing_lines() {
        let line = |r: &Route, s: &[u16]| route_line(r, s).unwrap();
        assert_eq!(
            line(&route(Some(7638), &["127.0.0.1:7001"], 0, 0), &[]),
            "-> slot 7638 on 127.0.0.1:7001"
        );
        assert_eq!(
            line(&route(Some(7638), &["127.0.0.1:7001"], 1, 0), &[]),
            "-> slot 7638 on 127.0.0.1:7001 (redirected 1x)"
        );
        assert_eq!(
            line(&route(Some(1), &["h:1"], 2, 3), &[]),
            "-> slot 1 on h:1 (redirected 2x) (retried 3x)"
        );
        assert_eq!(
            line(&route(None, &["127.0.0.1:7000"], 0, 0), &[]),
            "-> 127.0.0.1:7000"
        );
        assert_eq!(
            line(&route(None, &["a:1", "b:2", "c:3"], 0, 0), &[]),
            "-> a:1, b:2, c:3"
        );
        assert_eq!(
            line(
                &route(Some(866), &["a:1", "b:2", "a:1"], 0, 0),
                &[866, 7638, 100]
            ),
            "-> slots 866, 7638, 100 on a:1, b:2"
        );
        let many: Vec<u16> = (0..10).collect();
        assert_eq!(
            line(&route(Some(0), &["a:1"], 0, 0), &many),
            "-> slots 0, 1, 2, 3, 4, 5, 6, 7 (+2 more) on a:1"
        );
        assert_eq!(
            line(&route(Some(5), &[], 0, 0), &[]),
            "-> slot 5 (not sent)"
        );
        assert_eq!(route_line(&route(None, &[], 0, 0), &[]), None);
    }
}
