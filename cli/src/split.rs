//! Splitting a REPL line into arguments the way redis-cli does (`sdssplitargs`).
//!
//! - Arguments are separated by spaces, tabs, CR or LF.
//! - `"..."` supports `\n \r \t \b \a \\ \"` and `\xHH`; any other `\c` is `c`.
//! - `'...'` is literal except `\'`.
//! - A quote inside an unquoted word starts a quoted part (`a"b c"` is `ab c`), and a closing
//!   quote must be followed by a separator or the end of the line.

/// Why a line could not be split.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SplitError {
    /// A quote was opened and never closed.
    Unbalanced,
    /// A closing quote was followed by something other than a space.
    TextAfterQuote,
}

impl std::fmt::Display for SplitError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            SplitError::Unbalanced => "invalid argument(s): unbalanced quotes",
            SplitError::TextAfterQuote => {
                "invalid argument(s): a closing quote must be followed by a space"
            }
        })
    }
}

fn is_sep(b: u8) -> bool {
    matches!(b, b' ' | b'\n' | b'\r' | b'\t' | b'\0')
}

fn hex(b: u8) -> Option<u8> {
    (b as char).to_digit(16).map(|d| d as u8)
}

/// Splits `line` into arguments. An empty or blank line gives no arguments.
///
/// # Errors
///
/// [`SplitError`] for unbalanced quotes or text glued to a closing quote.
pub fn split_args(line: &[u8]) -> Result<Vec<Vec<u8>>, SplitError> {
    let mut out = Vec::new();
    let mut i = 0;
    let n = line.len();
    loop {
        while i < n && is_sep(line[i]) {
            i += 1;
        }
        if i >= n {
            return Ok(out);
        }
        let mut cur = Vec::new();
        // 0: unquoted, b'"' or b'\'': inside that quote.
        let mut quote = 0u8;
        loop {
            let c = line.get(i).copied();
            match (quote, c) {
                (0, None) => break,
                (0, Some(c)) if is_sep(c) => break,
                (0, Some(q @ (b'"' | b'\''))) => quote = q,
                (0, Some(c)) => cur.push(c),
                (_, None) => return Err(SplitError::Unbalanced),
                (b'"', Some(b'\\'))
                    if i + 3 < n
                        && line[i + 1] == b'x'
                        && hex(line[i + 2]).is_some()
                        && hex(line[i + 3]).is_some() =>
                {
                    cur.push(hex(line[i + 2]).unwrap_or(0) * 16 + hex(line[i + 3]).unwrap_or(0));
                    i += 3;
                }
                (b'"', Some(b'\\')) if i + 1 < n => {
                    i += 1;
                    cur.push(match line[i] {
                        b'n' => b'\n',
                        b'r' => b'\r',
                        b't' => b'\t',
                        b'b' => 0x08,
                        b'a' => 0x07,
                        other => other,
                    });
                }
                (b'\'', Some(b'\\')) if line.get(i + 1) == Some(&b'\'') => {
                    cur.push(b'\'');
                    i += 1;
                }
                (q, Some(c)) if c == q => {
                    if line.get(i + 1).is_some_and(|&next| !is_sep(next)) {
                        return Err(SplitError::TextAfterQuote);
                    }
                    i += 1;
                    break;
                }
                (_, Some(c)) => cur.push(c),
            }
            i += 1;
        }
        out.push(cur);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn split(s: &str) -> Vec<String> {
        split_args(s.as_bytes())
            .unwrap()
            .into_iter()
            .map(|a| String::from_utf8(a).unwrap())
            .collect()
    }

    #[test]
    fn plain_words() {
        assert_eq!(split("SET  k\tv"), ["SET", "k", "v"]);
        assert_eq!(split("  GET k  \r\n"), ["GET", "k"]);
        assert!(split("").is_empty());
        assert!(split("   \t ").is_empty());
    }

    #[test]
    fn double_quotes_and_escapes() {
        assert_eq!(split(r#"SET k "hello world""#), ["SET", "k", "hello world"]);
        assert_eq!(split(r#""a\nb\tc\"d\\e""#), ["a\nb\tc\"d\\e"]);
        assert_eq!(split(r#""\x41\x62" "\xZZ" "\q""#), ["Ab", "xZZ", "q"]);
        assert_eq!(split(r#""""#), [""]);
        let raw = split_args(br#""\x00\xff\r\a\b""#).unwrap();
        assert_eq!(raw, [vec![0, 0xff, b'\r', 7, 8]]);
    }

    #[test]
    fn single_quotes_are_literal() {
        assert_eq!(split(r#"SET k 'a "b" \n'"#), ["SET", "k", r#"a "b" \n"#]);
        assert_eq!(split(r"'it\'s'"), ["it's"]);
        assert_eq!(split("''"), [""]);
    }

    #[test]
    fn quotes_inside_words() {
        assert_eq!(split(r#"a"b c" d"#), ["ab c", "d"]);
        assert_eq!(split("{user42}:name x"), ["{user42}:name", "x"]);
    }

    #[test]
    fn errors() {
        assert_eq!(split_args(br#"SET k "abc"#), Err(SplitError::Unbalanced));
        assert_eq!(split_args(b"SET k 'abc"), Err(SplitError::Unbalanced));
        assert_eq!(split_args(br#""a"b"#), Err(SplitError::TextAfterQuote));
        assert_eq!(split_args(br#""trailing\"#), Err(SplitError::Unbalanced));
        assert!(SplitError::Unbalanced.to_string().contains("unbalanced"));
    }
}
