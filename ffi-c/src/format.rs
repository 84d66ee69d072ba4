//! printf-style commands, as hiredis's `redisCommand(c, "SET %s %b", key, val, len)`.
//!
//! Stable Rust cannot read C variadic arguments, so the work is split: this module owns the
//! grammar (splitting on spaces, `%s`, `%b`, `%%`, and the numeric conversions) and asks an
//! argument source for each value; the header's inline `slotwise_client_command` and
//! `slotwise_pipeline_append` are that source, fetching each argument with `va_arg` and
//! formatting numbers with the C library's `snprintf`.

use std::ffi::{c_char, c_int, c_void, CStr};

use slotwise::Cmd;

use crate::client::slotwise_client;
use crate::error::{arg_mut, arg_out, arg_ref, guard, slotwise_result, Failure};
use crate::pipeline::slotwise_pipeline;
use crate::reply::slotwise_reply;

/// The C type of the next variadic argument, as a format conversion asks for it.
#[repr(C)]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum slotwise_format_arg {
    /// `%s`: a NUL-terminated `const char *` (not NULL).
    Cstring = 0,
    /// `%b`: a `const void *` followed by a `size_t` length (binary-safe).
    Binary = 1,
    /// An `int` (`%d %i %u %o %x %X %c`, also with `hh` or `h`).
    Int = 2,
    /// A `long` (`%ld`, `%lu`, ...).
    Long = 3,
    /// A `long long` (`%lld`, `%llu`, `%qd`, ...).
    LongLong = 4,
    /// A `size_t` (`%zu`, `%zd`, ...).
    Size = 5,
    /// An `intmax_t` (`%jd`, ...).
    Intmax = 6,
    /// A `ptrdiff_t` (`%td`, ...).
    Ptrdiff = 7,
    /// A `double` (`%f %F %e %E %g %G %a %A`, also with `l`).
    Double = 8,
}

/// Fetches the next variadic argument for a format conversion.
///
/// For `SLOTWISE_FORMAT_ARG_CSTRING` and `SLOTWISE_FORMAT_ARG_BINARY`, points `*out` /
/// `*out_len` at the argument's bytes. For the numeric kinds, formats the argument with
/// `snprintf(buf, cap, spec, value)` and points `*out` at `buf`. Returns 0 on success,
/// non-zero if the argument is NULL (`%s`, or `%b` with a non-zero length) or the text does
/// not fit in `cap` bytes. The bytes must stay valid until the next call.
pub type slotwise_format_next_fn = Option<
    unsafe extern "C" fn(
        state: *mut c_void,
        kind: slotwise_format_arg,
        spec: *const c_char,
        buf: *mut c_char,
        cap: usize,
        out: *mut *const c_char,
        out_len: *mut usize,
    ) -> c_int,
>;

/// The longest text one numeric conversion of a printf-style command may produce, in bytes
/// (`%f` of the largest double takes 317): a longer one, such as a width of 600, gives
/// `SLOTWISE_RESULT_FORMAT`. An argument source receives a buffer of this many bytes plus
/// one for the NUL as its `cap`.
pub const SLOTWISE_FORMAT_NUMBER_MAX: usize = 511;

/// The buffer handed to the argument source: the longest number and its NUL.
const NUMBER_CAP: usize = SLOTWISE_FORMAT_NUMBER_MAX + 1;

fn format_error(message: String) -> Failure {
    Failure::new(slotwise_result::Format, message)
}

/// One conversion after the `%`: its C type and the spec to hand to `snprintf`.
struct Conversion {
    kind: slotwise_format_arg,
    /// `%`, flags, width, precision, length and conversion, NUL-terminated.
    spec: Vec<u8>,
    /// Bytes of the format consumed after the `%`.
    used: usize,
}

/// Copies the bytes of `rest` from `*i` that satisfy `set` into `spec`.
fn take_while(rest: &[u8], i: &mut usize, spec: &mut Vec<u8>, set: impl Fn(u8) -> bool) {
    while let Some(&c) = rest.get(*i).filter(|c| set(**c)) {
        spec.push(c);
        *i += 1;
    }
}

const NO_STAR: &str =
    "`*` widths and precisions are not supported: write the number into the format";

/// Parses a numeric conversion (`rest` starts right after the `%`).
fn numeric(rest: &[u8]) -> Result<Conversion, String> {
    let mut i = 0;
    let mut spec = vec![b'%'];
    take_while(rest, &mut i, &mut spec, |c| b"#0-+ '".contains(&c));
    if rest.get(i) == Some(&b'*') {
        return Err(NO_STAR.into());
    }
    take_while(rest, &mut i, &mut spec, |c| c.is_ascii_digit());
    if rest.get(i) == Some(&b'.') {
        spec.push(b'.');
        i += 1;
        if rest.get(i) == Some(&b'*') {
            return Err(NO_STAR.into());
        }
        take_while(rest, &mut i, &mut spec, |c| c.is_ascii_digit());
    }
    let (length, n): (&[u8], usize) = match (rest.get(i), rest.get(i + 1)) {
        (Some(b'h'), Some(b'h')) => (b"hh", 2),
        (Some(b'l'), Some(b'l')) => (b"ll", 2),
        (Some(b'q'), _) => (b"ll", 1),
        (Some(b'h'), _) => (b"h", 1),
        (Some(b'l'), _) => (b"l", 1),
        (Some(b'z'), _) => (b"z", 1),
        (Some(b'j'), _) => (b"j", 1),
        (Some(b't'), _) => (b"t", 1),
        (Some(b'L'), _) => (b"L", 1),
        _ => (b"", 0),
    };
    i += n;
    let conv = *rest.get(i).ok_or("the format ends inside a conversion")?;
    use slotwise_format_arg as K;
    let kind = if b"diouxXc".contains(&conv) && (conv != b'c' || length.is_empty()) {
        match length {
            b"" | b"h" | b"hh" => Some(K::Int),
            b"l" => Some(K::Long),
            b"ll" => Some(K::LongLong),
            b"z" => Some(K::Size),
            b"j" => Some(K::Intmax),
            b"t" => Some(K::Ptrdiff),
            _ => None,
        }
    } else if b"fFeEgGaA".contains(&conv) && matches!(length, b"" | b"l") {
        Some(K::Double)
    } else {
        None
    };
    let Some(kind) = kind else {
        let shown = String::from_utf8_lossy(&rest[..=i]).into_owned();
        return Err(format!(
            "unsupported conversion %{shown}: use %s (C string), %b (pointer and size_t \
             length), %% or an integer/double conversion such as %d, %lld, %zu, %f"
        ));
    };
    spec.extend_from_slice(length);
    spec.push(conv);
    spec.push(0);
    Ok(Conversion {
        kind,
        spec,
        used: i + 1,
    })
}

/// Splits a format into a command, asking `fetch` for each interpolated argument's bytes
/// (appended to the argument being built). Spaces separate arguments, except inside
/// interpolated values; an argument touched by a conversion exists even when empty.
pub(crate) fn parse(
    format: &[u8],
    mut fetch: impl FnMut(slotwise_format_arg, &CStr, &mut Vec<u8>) -> Result<(), String>,
) -> Result<Cmd, Failure> {
    let mut data = Vec::with_capacity(format.len() + 32);
    let mut ends = Vec::new();
    let mut touched = false;
    let mut i = 0;
    let mut conversions = 0;
    while i < format.len() {
        let c = format[i];
        if c == b' ' {
            if touched {
                ends.push(data.len());
                touched = false;
            }
            i += 1;
            continue;
        }
        touched = true;
        if c != b'%' {
            data.push(c);
            i += 1;
            continue;
        }
        let rest = &format[i + 1..];
        let conv = match rest.first() {
            Some(b'%') => {
                data.push(b'%');
                i += 2;
                continue;
            }
            Some(b's') => Ok(Conversion {
                kind: slotwise_format_arg::Cstring,
                spec: b"%s\0".to_vec(),
                used: 1,
            }),
            Some(b'b') => Ok(Conversion {
                kind: slotwise_format_arg::Binary,
                spec: b"%b\0".to_vec(),
                used: 1,
            }),
            None => {
                Err("the format ends with a lone %: write %% for a literal percent sign".into())
            }
            Some(_) => numeric(rest),
        }
        .map_err(|e| format_error(format!("at byte {i} of the format: {e}")))?;
        conversions += 1;
        let spec = CStr::from_bytes_with_nul(&conv.spec).unwrap_or(c"%");
        fetch(conv.kind, spec, &mut data).map_err(|e| {
            format_error(format!(
                "conversion {conversions} ({}) at byte {i}: {e}",
                spec.to_string_lossy()
            ))
        })?;
        i += 1 + conv.used;
    }
    if touched {
        ends.push(data.len());
    }
    if ends.is_empty() {
        return Err(format_error(
            "the format gives no command (it is empty or only spaces)".into(),
        ));
    }
    let mut start = 0;
    Ok(Cmd::from_args(ends.iter().map(|&end| {
        let arg = &data[start..end];
        start = end;
        arg
    })))
}

/// Builds a command by parsing `format` and pulling each argument from `next`.
///
/// # Safety
///
/// `format` is NULL or NUL-terminated; `next` honours [`slotwise_format_next_fn`].
unsafe fn build(
    format: *const c_char,
    next: slotwise_format_next_fn,
    state: *mut c_void,
) -> Result<Cmd, Failure> {
    if format.is_null() {
        return Err(Failure::null("format"));
    }
    let next = next.ok_or_else(|| Failure::null("next"))?;
    // SAFETY: NUL-terminated per the contract.
    let format = unsafe { CStr::from_ptr(format) }.to_bytes();
    let mut buf = [0 as c_char; NUMBER_CAP];
    parse(format, |kind, spec, data| {
        let mut out: *const c_char = std::ptr::null();
        let mut len = 0usize;
        // SAFETY: the callback contract; buf has NUMBER_CAP writable bytes.
        let rc = unsafe {
            next(
                state,
                kind,
                spec.as_ptr(),
                buf.as_mut_ptr(),
                buf.len(),
                &mut out,
                &mut len,
            )
        };
        if rc != 0 {
            return Err(match kind {
                slotwise_format_arg::Cstring => "the string argument is NULL".into(),
                slotwise_format_arg::Binary => {
                    "the binary argument is NULL with a non-zero length".into()
                }
                _ => format!(
                    "the formatted number is longer than SLOTWISE_FORMAT_NUMBER_MAX \
                     ({SLOTWISE_FORMAT_NUMBER_MAX} bytes): use a smaller width or precision"
                ),
            });
        }
        if len > 0 {
            if out.is_null() {
                return Err("the argument source returned NULL".into());
            }
            // SAFETY: the source points at `len` readable bytes.
            data.extend_from_slice(unsafe { std::slice::from_raw_parts(out.cast::<u8>(), len) });
        }
        Ok(())
    })
}

/// Runs a printf-style command whose arguments come from `next` (see
/// `slotwise_format_next_fn`). `slotwise_client_command` and `slotwise_client_vcommand`
/// call this with a `va_list` source; other language bindings may call it with their own.
/// Replies, errors and ownership as `slotwise_client_command_argv`.
///
/// # Safety
///
/// `client` is a live handle or NULL; `format` is NUL-terminated or NULL; `next` honours
/// its contract with `state`; `reply_out` is writable or NULL.
#[no_mangle]
pub unsafe extern "C" fn slotwise_client_command_fmt(
    client: *const slotwise_client,
    reply_out: *mut *mut slotwise_reply,
    format: *const c_char,
    next: slotwise_format_next_fn,
    state: *mut c_void,
) -> slotwise_result {
    guard("slotwise_client_command", || {
        // SAFETY: a live handle per the contract.
        let client = unsafe { arg_ref(client, "client") }?;
        let out = arg_out(reply_out, "reply_out")?;
        // SAFETY: per the contract.
        let cmd = unsafe { build(format, next, state) }?;
        crate::client::run(client, cmd, out)
    })
}

/// Appends a printf-style command whose arguments come from `next` (see
/// `slotwise_client_command_fmt`). The bytes are copied.
///
/// # Safety
///
/// `pipeline` is a live handle or NULL; `format` and `next` as for
/// `slotwise_client_command_fmt`.
#[no_mangle]
pub unsafe extern "C" fn slotwise_pipeline_append_fmt(
    pipeline: *mut slotwise_pipeline,
    format: *const c_char,
    next: slotwise_format_next_fn,
    state: *mut c_void,
) -> slotwise_result {
    guard("slotwise_pipeline_append", || {
        // SAFETY: a live handle per the contract.
        let p = unsafe { arg_mut(pipeline, "pipeline") }?;
        // SAFETY: per the contract.
        let cmd = unsafe { build(format, next, state) }?;
        p.pipeline.add(cmd);
        Ok(())
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Parses with fake arguments: strings for %s/%b, and the spec itself for numbers.
    fn split(format: &str, args: &[&[u8]]) -> Result<Vec<Vec<u8>>, Failure> {
        let mut args = args.iter();
        let cmd = parse(format.as_bytes(), |kind, spec, data| {
            match kind {
                slotwise_format_arg::Cstring | slotwise_format_arg::Binary => {
                    data.extend_from_slice(args.next().ok_or("no more args")?)
                }
                _ => data.extend_from_slice(format!("<{}>", spec.to_str().unwrap()).as_bytes()),
            }
            Ok(())
        })?;
        Ok(cmd.args().map(<[u8]>::to_vec).collect())
    }

    #[test]
    fn splits_on_spaces_but_not_inside_values() {
        let args = split("SET  %s %b ", &[b"my key", b"v\0al"]).unwrap();
        assert_eq!(args, [&b"SET"[..], b"my key", b"v\0al"]);
    }

    #[test]
    fn an_interpolated_empty_value_is_an_argument() {
        assert_eq!(split("SET k %s", &[b""]).unwrap(), [&b"SET"[..], b"k", b""]);
    }

    #[test]
    fn literal_text_and_values_join_into_one_argument() {
        let args = split("GET user:%s:name 100%%", &[b"42"]).unwrap();
        assert_eq!(args, [&b"GET"[..], b"user:42:name", b"100%"]);
    }

    #[test]
    fn numeric_conversions_pass_their_full_spec() {
        let args = split("X %d %05lld %zu %.2f %qx %hhu % d %lf", &[]).unwrap();
        let shown: Vec<String> = args
            .iter()
            .map(|a| String::from_utf8_lossy(a).into())
            .collect();
        assert_eq!(
            shown,
            ["X", "<%d>", "<%05lld>", "<%zu>", "<%.2f>", "<%llx>", "<%hhu>", "<% d>", "<%lf>"]
        );
    }

    #[test]
    fn bad_formats_say_what_is_wrong() {
        for (f, needle) in [
            ("GET %", "lone %"),
            ("GET %*d", "`*` widths"),
            ("GET %p", "unsupported conversion %p"),
            ("GET %n", "unsupported conversion %n"),
            ("GET %Lf", "unsupported conversion %Lf"),
            ("GET %lc", "unsupported conversion %lc"),
            ("GET %5", "ends inside a conversion"),
            ("   ", "no command"),
        ] {
            let e = split(f, &[]).unwrap_err();
            assert_eq!(e.code, slotwise_result::Format, "{f}");
            assert!(e.message.contains(needle), "{f}: {}", e.message);
        }
    }
}
