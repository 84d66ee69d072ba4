//! The C address-map callback behind the core's `AddressMap`, and the reporting of its
//! invalid outputs.
//!
//! An invalid output is an error for the core's fallible address map: the slot map view or
//! the redirect that needed the address fails, so nothing goes to an address the callback
//! did not choose. The map is consulted deep inside routing and background refreshes,
//! where no C caller may be waiting, so the fault is also recorded in [`MapFaults`]; the
//! client reports it as `SLOTWISE_RESULT_INVALID_ARGUMENT` from `slotwise_client_connect`,
//! or from the next command or pipeline run, which is then not sent. A mistake in the
//! callback therefore surfaces as an error naming the announced address and what was
//! wrong.

use std::ffi::{c_char, c_int, c_void, CStr, CString};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Mutex, PoisonError};

use slotwise::topology::AddressMap;

use crate::error::Failure;

/// Bytes of the buffer the callback writes into (a 255-byte address and its NUL).
pub(crate) const OUT_LEN: usize = 256;

/// The C function and its userdata (`slotwise_options_set_address_map_callback`).
#[derive(Clone, Copy)]
pub(crate) struct AddressCallback {
    pub(crate) f: unsafe extern "C" fn(*mut c_void, *const c_char, *mut c_char, usize) -> c_int,
    pub(crate) userdata: *mut c_void,
}

// SAFETY: the header requires the callback and its userdata to be usable from any thread.
unsafe impl Send for AddressCallback {}
// SAFETY: as above.
unsafe impl Sync for AddressCallback {}

impl AddressCallback {
    /// Asks the callback about `announced`: `Ok(Some)` mapped, `Ok(None)` kept, `Err` the
    /// explanation of an output that breaks the contract.
    pub(crate) fn call(&self, announced: &str) -> Result<Option<String>, String> {
        // Addresses come from CLUSTER SHARDS or MOVED replies; one with a NUL cannot be
        // passed as a C string, and is no address the callback could map.
        let Ok(c_announced) = CString::new(announced) else {
            return Ok(None);
        };
        let mut out = [0 as c_char; OUT_LEN];
        // SAFETY: the callback contract in the header; `out` has `out.len()` bytes.
        let rc = unsafe {
            (self.f)(
                self.userdata,
                c_announced.as_ptr(),
                out.as_mut_ptr(),
                out.len(),
            )
        };
        match rc {
            0 => return Ok(None),
            1 => {}
            other => {
                return Err(format!(
                    "the address-map callback returned {other} for {announced:?}: return 1 \
                     after writing the reachable \"host:port\" into `out`, or return 0 to keep \
                     the announced address"
                ))
            }
        }
        let wrong = |what: &str| {
            format!(
                "the address-map callback returned 1 for {announced:?} but {what}: write a \
                 NUL-terminated \"host:port\" of at most {} bytes (for example \
                 \"127.0.0.1:7000\") into `out` and return 1, or return 0 to keep the \
                 announced address",
                OUT_LEN - 1
            )
        };
        if !out.contains(&0) {
            return Err(wrong(&format!(
                "wrote no NUL within the {OUT_LEN} bytes of `out`"
            )));
        }
        // SAFETY: `out` holds a NUL (checked above).
        let text = unsafe { CStr::from_ptr(out.as_ptr()) };
        let Ok(text) = text.to_str() else {
            return Err(wrong("wrote bytes that are not UTF-8"));
        };
        if text.is_empty() {
            return Err(wrong("wrote an empty string"));
        }
        if let Err(problem) = AddressMap::check_address(text) {
            return Err(wrong(&format!(
                "wrote {text:?}, which is not a host:port address ({problem})"
            )));
        }
        Ok(Some(text.to_owned()))
    }
}

/// Invalid callback outputs not yet reported to the application: the first one's message
/// and how many came after it. Shared by the client and the address map it routes with.
#[derive(Default)]
pub(crate) struct MapFaults {
    /// Set while a fault waits: commands check this flag, not the lock, on every call.
    pending: AtomicBool,
    first: Mutex<Option<(String, u64)>>,
}

impl MapFaults {
    pub(crate) fn record(&self, message: String) {
        let mut slot = self.first.lock().unwrap_or_else(PoisonError::into_inner);
        match &mut *slot {
            Some((_, more)) => *more += 1,
            None => *slot = Some((message, 0)),
        }
        self.pending.store(true, Ordering::Release);
    }

    /// The waiting fault as a failure, once (reporting it clears it); `context` says where
    /// it was found and what became of the call reporting it.
    pub(crate) fn take(&self, context: &str) -> Option<Failure> {
        if !self.pending.load(Ordering::Acquire) {
            return None;
        }
        let mut slot = self.first.lock().unwrap_or_else(PoisonError::into_inner);
        self.pending.store(false, Ordering::Release);
        let (message, more) = slot.take()?;
        let mut message = format!("{message} ({context})");
        if more > 0 {
            message.push_str(&format!(
                "; {more} more invalid output(s) came after this one"
            ));
        }
        Some(Failure::invalid(message))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Writes the bytes `userdata` points at (a NUL-terminated spec: its first byte is the
    /// return value as a digit, the rest the output, copied with its NUL) or fills `out`.
    unsafe extern "C" fn scripted(
        userdata: *mut c_void,
        _: *const c_char,
        out: *mut c_char,
        len: usize,
    ) -> c_int {
        // SAFETY: the tests pass a NUL-terminated C string.
        let spec = unsafe { CStr::from_ptr(userdata.cast()) }.to_bytes();
        let (rc, text) = (spec[0] - b'0', &spec[1..]);
        // SAFETY: `out` has `len` writable bytes.
        let out = unsafe { std::slice::from_raw_parts_mut(out.cast::<u8>(), len) };
        if text == b"FILL" {
            out.fill(b'x');
        } else {
            out[..text.len()].copy_from_slice(text);
            out[text.len()] = 0;
        }
        c_int::from(rc)
    }

    fn call(spec: &CStr) -> Result<Option<String>, String> {
        let cb = AddressCallback {
            f: scripted,
            userdata: spec.as_ptr().cast_mut().cast(),
        };
        cb.call("10.0.0.5:7000")
    }

    #[test]
    fn valid_outputs_map_or_keep() {
        assert_eq!(call(c"1127.0.0.1:7005"), Ok(Some("127.0.0.1:7005".into())));
        assert_eq!(call(c"1[::1]:7005"), Ok(Some("[::1]:7005".into())));
        assert_eq!(call(c"0ignored"), Ok(None));
    }

    #[test]
    fn invalid_outputs_are_explained() {
        for (spec, needle) in [
            (c"1", "wrote an empty string"),
            (c"1FILL", "wrote no NUL within the 256 bytes"),
            (c"1\xff:7000", "not UTF-8"),
            (
                c"1localhost",
                "wrote \"localhost\", which is not a host:port",
            ),
            (c"1127.0.0.1:99999", "wrote \"127.0.0.1:99999\""),
            (
                c"1127.0.0.1 :7000",
                "wrote \"127.0.0.1 :7000\", which is not a host:port address (the host \
                 \"127.0.0.1 \" contains whitespace",
            ),
            (
                c"1127.0.0.1\x01:7000",
                "wrote \"127.0.0.1\\u{1}:7000\", which is not a host:port address (the \
                 host \"127.0.0.1\\u{1}\" contains whitespace or a control character",
            ),
            (c"2127.0.0.1:7005", "returned 2 for \"10.0.0.5:7000\""),
        ] {
            let e = call(spec).unwrap_err();
            assert!(e.contains(needle), "{spec:?}: {e}");
            assert!(e.contains("\"10.0.0.5:7000\""), "{spec:?}: {e}");
            assert!(e.contains("return 0 to keep"), "{spec:?}: {e}");
        }
    }

    #[test]
    fn a_fault_is_reported_once_with_a_count_of_later_ones() {
        let faults = MapFaults::default();
        assert!(faults.take("here").is_none());
        faults.record("first".into());
        faults.record("second".into());
        faults.record("third".into());
        let f = faults.take("here").unwrap();
        assert_eq!(f.code, crate::error::slotwise_result::InvalidArgument);
        assert_eq!(
            f.message,
            "first (here); 2 more invalid output(s) came after this one"
        );
        assert!(faults.take("here").is_none());
        faults.record("fourth".into());
        assert_eq!(faults.take("again").unwrap().message, "fourth (again)");
    }
}
