//! Result codes, the per-thread last error message, and the panic boundary every exported
//! function runs inside.

use std::cell::RefCell;
use std::ffi::{c_char, c_uint, CStr};
use std::panic::{catch_unwind, AssertUnwindSafe};

use slotwise::resp::ServerErrorKind;
use slotwise::Error;

/// What a fallible function did. `SLOTWISE_RESULT_OK` is zero; every other value is a
/// failure, explained by `slotwise_last_error()` on the same thread.
#[repr(C)]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum slotwise_result {
    /// Success: the `*_out` arguments were written.
    Ok = 0,
    /// A pointer argument that must not be NULL was NULL.
    NullArgument = 1,
    /// An argument or option is invalid (a seed that is not `host:port`, `argc < 1`, text
    /// that is not UTF-8, an unknown enum value, no seeds at all...).
    InvalidArgument = 2,
    /// A printf-style format string is invalid (unsupported conversion, `%s` given NULL).
    Format = 3,
    /// Connecting to, writing to or reading from a node failed, or no seed could be reached.
    Connection = 4,
    /// The request deadline passed (redirects and retries included).
    Timeout = 5,
    /// Authentication failed: the cluster refused the credentials (`WRONGPASS`) or
    /// demanded some that were not given (`NOAUTH`). Check the username and password.
    Auth = 6,
    /// The keys of one command (or transaction) hash to different slots.
    Crossslot = 7,
    /// The redirect budget (MOVED/ASK) was spent.
    RedirectBudget = 8,
    /// The cluster kept answering CLUSTERDOWN until the retries or the deadline ran out.
    ClusterDown = 9,
    /// A seed answered but is not a cluster node (`cluster-enabled no`).
    ClusterDisabled = 10,
    /// The server answered with an error reply (`WRONGTYPE`, `ERR ...`): the command's own
    /// answer. The message is the server's text and the node that sent it.
    Server = 11,
    /// A node sent bytes that are not valid RESP.
    Protocol = 12,
    /// The client was closed.
    Closed = 13,
    /// A bug in slotwise, caught before it crossed into C. Please report it.
    Panic = 14,
    /// Any other failure.
    Other = 15,
    /// The credentials are right but the ACL user may not do this (`NOPERM`): run this
    /// command or touch these keys or channels, or run what slotwise sends on its own
    /// (CLUSTER SHARDS / CLUSTER SLOTS to discover the slot map, READONLY, ASKING, HELLO).
    /// The message carries the server's text, which names what was denied, and the
    /// `ACL SETUSER` rules that grant it.
    NoPermission = 16,
}

impl slotwise_result {
    fn name(self) -> &'static CStr {
        use slotwise_result::*;
        match self {
            Ok => c"SLOTWISE_RESULT_OK",
            NullArgument => c"SLOTWISE_RESULT_NULL_ARGUMENT",
            InvalidArgument => c"SLOTWISE_RESULT_INVALID_ARGUMENT",
            Format => c"SLOTWISE_RESULT_FORMAT",
            Connection => c"SLOTWISE_RESULT_CONNECTION",
            Timeout => c"SLOTWISE_RESULT_TIMEOUT",
            Auth => c"SLOTWISE_RESULT_AUTH",
            Crossslot => c"SLOTWISE_RESULT_CROSSSLOT",
            RedirectBudget => c"SLOTWISE_RESULT_REDIRECT_BUDGET",
            ClusterDown => c"SLOTWISE_RESULT_CLUSTER_DOWN",
            ClusterDisabled => c"SLOTWISE_RESULT_CLUSTER_DISABLED",
            Server => c"SLOTWISE_RESULT_SERVER",
            Protocol => c"SLOTWISE_RESULT_PROTOCOL",
            Closed => c"SLOTWISE_RESULT_CLOSED",
            Panic => c"SLOTWISE_RESULT_PANIC",
            Other => c"SLOTWISE_RESULT_OTHER",
            NoPermission => c"SLOTWISE_RESULT_NO_PERMISSION",
        }
    }

    const ALL: [slotwise_result; 17] = {
        use slotwise_result::*;
        [
            Ok,
            NullArgument,
            InvalidArgument,
            Format,
            Connection,
            Timeout,
            Auth,
            Crossslot,
            RedirectBudget,
            ClusterDown,
            ClusterDisabled,
            Server,
            Protocol,
            Closed,
            Panic,
            Other,
            NoPermission,
        ]
    };
}

/// The result code for a core error.
pub(crate) fn code_of(e: &Error) -> slotwise_result {
    use slotwise_result as R;
    match e {
        Error::Server { error, .. } => match error.kind {
            ServerErrorKind::ClusterDown(_) => R::ClusterDown,
            ServerErrorKind::Auth => R::Auth,
            ServerErrorKind::NoPerm => R::NoPermission,
            _ => R::Server,
        },
        Error::CrossSlot { .. } => R::Crossslot,
        Error::RedirectBudget { .. } => R::RedirectBudget,
        Error::Timeout { .. } => R::Timeout,
        Error::Io { .. } | Error::NoSeedReachable { .. } => R::Connection,
        Error::Protocol { .. } => R::Protocol,
        Error::Auth { .. } => R::Auth,
        Error::NoPermission { .. } => R::NoPermission,
        Error::ClusterSupportDisabled { .. } => R::ClusterDisabled,
        Error::Config(_) => R::InvalidArgument,
        Error::Closed => R::Closed,
        _ => R::Other,
    }
}

/// The text of a failed command inside a reply tree (pipeline element): the server's own
/// words for error replies, as hiredis shows them, else the full explanation.
pub(crate) fn element_text(e: &Error) -> String {
    match e {
        Error::Server { error, .. } => error.text.clone(),
        other => other.to_string(),
    }
}

/// Why a call failed: a code and a message saying what went wrong and how to fix it.
#[derive(Debug)]
pub(crate) struct Failure {
    pub code: slotwise_result,
    pub message: String,
}

impl Failure {
    pub(crate) fn new(code: slotwise_result, message: impl Into<String>) -> Failure {
        Failure {
            code,
            message: message.into(),
        }
    }

    /// A NULL pointer where one was required.
    pub(crate) fn null(arg: &str) -> Failure {
        Failure::new(
            slotwise_result::NullArgument,
            format!("argument `{arg}` is NULL"),
        )
    }

    pub(crate) fn invalid(message: impl Into<String>) -> Failure {
        Failure::new(slotwise_result::InvalidArgument, message)
    }
}

impl From<Error> for Failure {
    fn from(e: Error) -> Failure {
        Failure::new(code_of(&e), e.to_string())
    }
}

thread_local! {
    /// The last failure's message on this thread, NUL-terminated.
    static LAST_ERROR: RefCell<Vec<u8>> = const { RefCell::new(Vec::new()) };
}

fn set_last_error(func: &str, message: &str) {
    let mut text = Vec::with_capacity(func.len() + message.len() + 3);
    text.extend_from_slice(func.as_bytes());
    text.extend_from_slice(b": ");
    // An interior NUL would cut the C string short; such bytes only come from binary keys.
    text.extend(message.bytes().map(|b| if b == 0 { b'?' } else { b }));
    text.push(0);
    let _ = LAST_ERROR.try_with(|cell| {
        if let Ok(mut slot) = cell.try_borrow_mut() {
            *slot = text;
        }
    });
}

fn panic_text(payload: &(dyn std::any::Any + Send)) -> &str {
    payload
        .downcast_ref::<&str>()
        .copied()
        .or_else(|| payload.downcast_ref::<String>().map(String::as_str))
        .unwrap_or("(no message)")
}

/// Runs the body of a fallible exported function: panics become
/// `SLOTWISE_RESULT_PANIC`, failures set the thread's last error.
pub(crate) fn guard(
    func: &'static str,
    body: impl FnOnce() -> Result<(), Failure>,
) -> slotwise_result {
    match catch_unwind(AssertUnwindSafe(body)) {
        Ok(Ok(())) => slotwise_result::Ok,
        Ok(Err(f)) => {
            set_last_error(func, &f.message);
            f.code
        }
        Err(payload) => {
            set_last_error(
                func,
                &format!(
                    "internal error (a Rust panic was caught at the C boundary: {}); please report this bug",
                    panic_text(&*payload)
                ),
            );
            slotwise_result::Panic
        }
    }
}

/// Runs the body of an infallible exported function (constructors, `_free`, accessors):
/// a panic is recorded as the last error and `fallback` is returned.
pub(crate) fn guard_value<T>(func: &'static str, fallback: T, body: impl FnOnce() -> T) -> T {
    match catch_unwind(AssertUnwindSafe(body)) {
        Ok(v) => v,
        Err(payload) => {
            set_last_error(
                func,
                &format!(
                    "internal error (a Rust panic was caught at the C boundary: {}); please report this bug",
                    panic_text(&*payload)
                ),
            );
            fallback
        }
    }
}

/// Borrows a `*const` handle argument, or fails with `SLOTWISE_RESULT_NULL_ARGUMENT`.
///
/// # Safety
///
/// A non-NULL `p` must point to a live `T` for `'a`.
pub(crate) unsafe fn arg_ref<'a, T>(p: *const T, name: &str) -> Result<&'a T, Failure> {
    // SAFETY: the caller promises a non-NULL p is valid.
    unsafe { p.as_ref() }.ok_or_else(|| Failure::null(name))
}

/// Borrows a `*mut` handle argument, or fails with `SLOTWISE_RESULT_NULL_ARGUMENT`.
///
/// # Safety
///
/// A non-NULL `p` must point to a live `T` not used elsewhere for `'a`.
pub(crate) unsafe fn arg_mut<'a, T>(p: *mut T, name: &str) -> Result<&'a mut T, Failure> {
    // SAFETY: the caller promises a non-NULL p is valid and unaliased.
    unsafe { p.as_mut() }.ok_or_else(|| Failure::null(name))
}

/// Checks an output pointer, returning it for a write after everything else succeeded.
pub(crate) fn arg_out<T>(p: *mut T, name: &str) -> Result<*mut T, Failure> {
    if p.is_null() {
        Err(Failure::null(name))
    } else {
        Ok(p)
    }
}

/// Reads a NUL-terminated UTF-8 string argument.
///
/// # Safety
///
/// A non-NULL `p` must point to a NUL-terminated string that lives for `'a`.
pub(crate) unsafe fn arg_str<'a>(p: *const c_char, name: &str) -> Result<&'a str, Failure> {
    if p.is_null() {
        return Err(Failure::null(name));
    }
    // SAFETY: non-NULL and NUL-terminated per the caller.
    unsafe { CStr::from_ptr(p) }
        .to_str()
        .map_err(|_| Failure::invalid(format!("argument `{name}` is not valid UTF-8")))
}

/// The message of the most recent failure on the calling thread: what went wrong, where, and
/// how to fix it (for example which keys hash to which slots, with the hash-tag hint, for
/// `SLOTWISE_RESULT_CROSSSLOT`). It starts with the name of the function that failed.
///
/// Never NULL: `""` when nothing failed yet on this thread. The string belongs to the
/// library and stays valid until the next slotwise call that fails on the same thread;
/// copy it to keep it. Thread-safe: each thread has its own last error, so a client shared
/// by many threads reports each thread's failures to that thread only.
#[no_mangle]
pub extern "C" fn slotwise_last_error() -> *const c_char {
    guard_value("slotwise_last_error", c"".as_ptr(), || {
        LAST_ERROR
            .try_with(|cell| match cell.try_borrow() {
                Ok(text) if !text.is_empty() => text.as_ptr().cast(),
                _ => c"".as_ptr(),
            })
            .unwrap_or(c"".as_ptr())
    })
}

/// Copies the calling thread's last error message (see `slotwise_last_error`) into `buf`
/// of `len` bytes, truncated if needed and always NUL-terminated when `len > 0`.
///
/// Returns the full length of the message (without the NUL), like `snprintf`: a return
/// value `>= len` means it was truncated. `buf` may be NULL when `len` is 0.
///
/// # Safety
///
/// `buf` must be writable for `len` bytes.
#[no_mangle]
pub unsafe extern "C" fn slotwise_error_message(buf: *mut c_char, len: usize) -> usize {
    guard_value("slotwise_error_message", 0, || {
        // SAFETY: slotwise_last_error returns a NUL-terminated string.
        let msg = unsafe { CStr::from_ptr(slotwise_last_error()) }.to_bytes();
        if !buf.is_null() && len > 0 {
            let n = msg.len().min(len - 1);
            // SAFETY: the caller gave `len` writable bytes; n + 1 <= len.
            unsafe {
                std::ptr::copy_nonoverlapping(msg.as_ptr(), buf.cast::<u8>(), n);
                *buf.add(n) = 0;
            }
        }
        msg.len()
    })
}

/// The name of a result code, e.g. `"SLOTWISE_RESULT_CROSSSLOT"`, for logs.
/// Unknown values give `"SLOTWISE_RESULT_UNKNOWN"`. The string is static.
#[no_mangle]
pub extern "C" fn slotwise_result_name(result: c_uint) -> *const c_char {
    guard_value(
        "slotwise_result_name",
        c"SLOTWISE_RESULT_UNKNOWN".as_ptr(),
        || {
            slotwise_result::ALL
                .iter()
                .find(|r| **r as c_uint == result)
                .map_or(c"SLOTWISE_RESULT_UNKNOWN".as_ptr(), |r| r.name().as_ptr())
        },
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn last() -> String {
        // SAFETY: always a valid C string.
        unsafe { CStr::from_ptr(slotwise_last_error()) }
            .to_string_lossy()
            .into_owned()
    }

    #[test]
    fn a_panic_becomes_a_result_code_and_a_message() {
        let r = guard("slotwise_test", || panic!("boom"));
        assert_eq!(r, slotwise_result::Panic);
        assert!(last().starts_with("slotwise_test: internal error"));
        assert!(last().contains("boom"));
    }

    #[test]
    fn failures_are_prefixed_with_the_function_name() {
        let r = guard("slotwise_thing", || Err(Failure::null("client")));
        assert_eq!(r, slotwise_result::NullArgument);
        assert_eq!(last(), "slotwise_thing: argument `client` is NULL");
    }

    #[test]
    fn error_message_truncates_like_snprintf() {
        let _ = guard("f", || Err(Failure::invalid("0123456789")));
        let mut buf = [1 as c_char; 6];
        // SAFETY: buf has 6 bytes.
        let n = unsafe { slotwise_error_message(buf.as_mut_ptr(), buf.len()) };
        assert_eq!(n, "f: 0123456789".len());
        // SAFETY: NUL-terminated by the call.
        assert_eq!(
            unsafe { CStr::from_ptr(buf.as_ptr()) }.to_str().unwrap(),
            "f: 01"
        );
    }

    #[test]
    fn every_code_has_a_name() {
        for r in slotwise_result::ALL {
            // SAFETY: static C strings.
            let name = unsafe { CStr::from_ptr(slotwise_result_name(r as c_uint)) };
            assert!(name.to_str().unwrap().starts_with("SLOTWISE_RESULT_"));
            assert_ne!(name.to_str().unwrap(), "SLOTWISE_RESULT_UNKNOWN");
        }
        // SAFETY: static C string.
        let unknown = unsafe { CStr::from_ptr(slotwise_result_name(999)) };
        assert_eq!(unknown.to_str().unwrap(), "SLOTWISE_RESULT_UNKNOWN");
    }
}
