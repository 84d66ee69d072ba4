//! Commands given as `argc` / `argv` / `argvlen`, as hiredis's `redisCommandArgv` takes them.

use std::ffi::{c_char, c_int, CStr};

use slotwise::Cmd;

use crate::error::Failure;

/// Builds a command from C arrays. `argvlen` NULL means every argument is NUL-terminated;
/// otherwise `argv[i]` has `argvlen[i]` bytes (binary-safe, NULs allowed).
///
/// # Safety
///
/// `argv` (when non-NULL) has `argc` entries; each entry is readable for `argvlen[i]`
/// bytes, or is NUL-terminated when `argvlen` is NULL.
pub(crate) unsafe fn to_cmd(
    argc: c_int,
    argv: *const *const c_char,
    argvlen: *const usize,
) -> Result<Cmd, Failure> {
    if argv.is_null() {
        return Err(Failure::null("argv"));
    }
    let n = match usize::try_from(argc) {
        Ok(n) if n > 0 => n,
        _ => {
            return Err(Failure::invalid(format!(
                "argc is {argc}: a command needs at least its name (argc >= 1)"
            )))
        }
    };
    // SAFETY: the caller promises `argc` entries.
    let ptrs = unsafe { std::slice::from_raw_parts(argv, n) };
    let lens = if argvlen.is_null() {
        None
    } else {
        // SAFETY: as above, `argc` entries.
        Some(unsafe { std::slice::from_raw_parts(argvlen, n) })
    };
    if let Some(i) = ptrs
        .iter()
        .enumerate()
        .position(|(i, p)| p.is_null() && lens.is_none_or(|l| l[i] > 0))
    {
        return Err(Failure::null(&format!("argv[{i}]")));
    }
    let arg = |i: usize| -> &[u8] {
        match lens {
            // An empty argument may come as NULL with length 0.
            Some(l) if l[i] == 0 => &[],
            // SAFETY: the caller promises `argvlen[i]` readable bytes.
            Some(l) => unsafe { std::slice::from_raw_parts(ptrs[i].cast::<u8>(), l[i]) },
            // SAFETY: NUL-terminated per the contract (NULL rejected above).
            None => unsafe { CStr::from_ptr(ptrs[i]) }.to_bytes(),
        }
    };
    // Sized up front: one allocation per buffer, however many arguments.
    let bytes = match lens {
        Some(l) => l.iter().fold(0usize, |sum, &n| sum.saturating_add(n)),
        None => (0..n).map(|i| arg(i).len()).sum(),
    };
    let mut cmd = Cmd::with_capacity(bytes, n);
    for i in 0..n {
        cmd.push(arg(i));
    }
    Ok(cmd)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn binary_arguments_keep_their_nul_bytes() {
        let args = [c"SET".as_ptr(), c"k".as_ptr(), b"a\0b".as_ptr().cast()];
        let lens = [3usize, 1, 3];
        // SAFETY: three entries with matching lengths.
        let cmd = unsafe { to_cmd(3, args.as_ptr(), lens.as_ptr()) }.unwrap();
        assert_eq!(cmd.arg_at(2), Some(&b"a\0b"[..]));
    }

    #[test]
    fn without_lengths_arguments_are_c_strings() {
        let args = [c"GET".as_ptr(), c"key".as_ptr()];
        // SAFETY: two NUL-terminated entries.
        let cmd = unsafe { to_cmd(2, args.as_ptr(), std::ptr::null()) }.unwrap();
        assert_eq!(cmd.args().collect::<Vec<_>>(), [&b"GET"[..], b"key"]);
    }

    #[test]
    fn bad_arrays_are_refused() {
        let args = [c"GET".as_ptr(), std::ptr::null()];
        // SAFETY: two entries, the second NULL (checked before reading).
        let e = unsafe { to_cmd(2, args.as_ptr(), std::ptr::null()) }.unwrap_err();
        assert_eq!(e.message, "argument `argv[1]` is NULL");
        // SAFETY: argc 0 reads nothing.
        let e = unsafe { to_cmd(0, args.as_ptr(), std::ptr::null()) }.unwrap_err();
        assert!(e.message.contains("argc is 0"));
    }
}
