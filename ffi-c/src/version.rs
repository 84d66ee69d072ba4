//! The library version, as header macros and at run time.
//!
//! cbindgen copies literal constants only, so the numbers are written out here and checked
//! against the crate's version at compile time: a version bump that forgets them does not
//! build, and the regenerated header then differs from the committed one.

use std::ffi::c_char;

/// Major version of the header (and of the crate it was generated from).
pub const SLOTWISE_VERSION_MAJOR: u32 = 0;
/// Minor version of the header.
pub const SLOTWISE_VERSION_MINOR: u32 = 1;
/// Patch version of the header.
pub const SLOTWISE_VERSION_PATCH: u32 = 0;

const fn parse_u32(s: &str) -> u32 {
    let bytes = s.as_bytes();
    let mut n = 0u32;
    let mut i = 0;
    while i < bytes.len() {
        n = n * 10 + (bytes[i] - b'0') as u32;
        i += 1;
    }
    n
}

const _: () = {
    assert!(SLOTWISE_VERSION_MAJOR == parse_u32(env!("CARGO_PKG_VERSION_MAJOR")));
    assert!(SLOTWISE_VERSION_MINOR == parse_u32(env!("CARGO_PKG_VERSION_MINOR")));
    assert!(SLOTWISE_VERSION_PATCH == parse_u32(env!("CARGO_PKG_VERSION_PATCH")));
};

/// The crate version, NUL-terminated.
const VERSION: &str = concat!(env!("CARGO_PKG_VERSION"), "\0");

/// The version of the library actually loaded, e.g. `"0.1.0"`: compare it with
/// `SLOTWISE_VERSION` to detect a header/library mismatch.
///
/// The string is static: never free it.
#[no_mangle]
pub extern "C" fn slotwise_version() -> *const c_char {
    crate::error::guard_value("slotwise_version", VERSION.as_ptr().cast(), || {
        VERSION.as_ptr().cast()
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn runtime_version_is_the_crate_version() {
        // SAFETY: VERSION is NUL-terminated and static.
        let v = unsafe { std::ffi::CStr::from_ptr(slotwise_version()) };
        assert_eq!(v.to_str().unwrap(), env!("CARGO_PKG_VERSION"));
        assert_eq!(
            format!("{SLOTWISE_VERSION_MAJOR}.{SLOTWISE_VERSION_MINOR}.{SLOTWISE_VERSION_PATCH}"),
            env!("CARGO_PKG_VERSION")
        );
    }
}
