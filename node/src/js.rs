//! Thin wrappers over raw Node-API calls, for the paths that run once per command (argument
//! reading, reply conversion, promise settlement). Everything here runs on the JavaScript
//! thread with a live `env`.
//!
//! The `#[napi]` macros are used for everything else; these exist because the generated glue
//! does a few map look-ups and allocations per call that matter at a million calls a second.

use std::ffi::{c_char, c_void};
use std::ptr;

use napi::sys;

/// A JavaScript value handle, valid in the current handle scope.
pub(crate) type Value = sys::napi_value;
/// The Node-API environment of the calling thread.
pub(crate) type Env = sys::napi_env;

/// A Node-API call failed (usually a pending exception or a wrong value type).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Failed(pub sys::napi_status);

/// Turns a Node-API status into a `Result`.
pub(crate) fn check(status: sys::napi_status) -> Result<(), Failed> {
    if status == sys::Status::napi_ok {
        Ok(())
    } else {
        Err(Failed(status))
    }
}

impl From<Failed> for napi::Error {
    fn from(f: Failed) -> napi::Error {
        napi::Error::new(
            napi::Status::from(f.0),
            format!("Node-API call failed with status {}", f.0),
        )
    }
}

/// A promise's resolve/reject capability. Only settled on the JavaScript thread; it travels
/// through the I/O thread as an opaque pointer, which is why it is `Send`.
#[derive(Debug)]
pub(crate) struct Deferred(sys::napi_deferred);

// SAFETY: the pointer is never dereferenced off the JavaScript thread: the I/O thread only
// moves it into a completion, which the JavaScript thread settles.
unsafe impl Send for Deferred {}

/// Creates a promise; returns it with its deferred.
pub(crate) unsafe fn promise(env: Env) -> Result<(Deferred, Value), Failed> {
    let mut deferred = ptr::null_mut();
    let mut promise = ptr::null_mut();
    check(sys::napi_create_promise(env, &mut deferred, &mut promise))?;
    Ok((Deferred(deferred), promise))
}

/// Resolves (`Ok`) or rejects (`Err`) the promise behind `d`.
pub(crate) unsafe fn settle(env: Env, d: Deferred, outcome: Result<Value, Value>) {
    // A failure here means the environment is shutting down; nothing is left to notify.
    let _ = match outcome {
        Ok(v) => sys::napi_resolve_deferred(env, d.0, v),
        Err(e) => sys::napi_reject_deferred(env, d.0, e),
    };
}

pub(crate) unsafe fn undefined(env: Env) -> Value {
    let mut v = ptr::null_mut();
    sys::napi_get_undefined(env, &mut v);
    v
}

pub(crate) unsafe fn null(env: Env) -> Value {
    let mut v = ptr::null_mut();
    sys::napi_get_null(env, &mut v);
    v
}

pub(crate) unsafe fn boolean(env: Env, b: bool) -> Value {
    let mut v = ptr::null_mut();
    sys::napi_get_boolean(env, b, &mut v);
    v
}

pub(crate) unsafe fn number(env: Env, n: f64) -> Value {
    let mut v = ptr::null_mut();
    sys::napi_create_double(env, n, &mut v);
    v
}

/// A string from UTF-8 bytes; invalid sequences become U+FFFD.
pub(crate) unsafe fn string(env: Env, s: &[u8]) -> Value {
    let mut v = ptr::null_mut();
    sys::napi_create_string_utf8(env, s.as_ptr().cast::<c_char>(), s.len() as isize, &mut v);
    v
}

/// A `Buffer` holding a copy of `bytes`.
pub(crate) unsafe fn buffer(env: Env, bytes: &[u8]) -> Value {
    let mut v = ptr::null_mut();
    let mut data: *mut c_void = ptr::null_mut();
    sys::napi_create_buffer_copy(
        env,
        bytes.len(),
        bytes.as_ptr().cast::<c_void>(),
        &mut data,
        &mut v,
    );
    v
}

pub(crate) unsafe fn array(env: Env, len: usize) -> Value {
    let mut v = ptr::null_mut();
    sys::napi_create_array_with_length(env, len, &mut v);
    v
}

pub(crate) unsafe fn set_index(env: Env, array: Value, i: usize, item: Value) {
    sys::napi_set_element(env, array, i as u32, item);
}

pub(crate) unsafe fn object(env: Env) -> Value {
    let mut v = ptr::null_mut();
    sys::napi_create_object(env, &mut v);
    v
}

pub(crate) unsafe fn set_property(env: Env, object: Value, key: Value, value: Value) {
    sys::napi_set_property(env, object, key, value);
}

/// An `Error` with `message` and a `code` property.
pub(crate) unsafe fn error(env: Env, code: &str, message: &str) -> Value {
    let mut v = ptr::null_mut();
    let code = string(env, code.as_bytes());
    let message = string(env, message.as_bytes());
    sys::napi_create_error(env, code, message, &mut v);
    v
}

/// A `TypeError` with `message` and a `code` property.
pub(crate) unsafe fn type_error(env: Env, code: &str, message: &str) -> Value {
    let mut v = ptr::null_mut();
    let code = string(env, code.as_bytes());
    let message = string(env, message.as_bytes());
    sys::napi_create_type_error(env, code, message, &mut v);
    v
}

/// Throws `error`; the callback must then return (any value is ignored).
pub(crate) unsafe fn throw(env: Env, error: Value) -> Value {
    sys::napi_throw(env, error);
    ptr::null_mut()
}

/// Runs `f` inside its own handle scope, so handles it creates are freed at the end.
pub(crate) unsafe fn with_scope<R>(env: Env, f: impl FnOnce() -> R) -> R {
    let mut scope = ptr::null_mut();
    let opened = sys::napi_open_handle_scope(env, &mut scope) == sys::Status::napi_ok;
    let r = f();
    if opened {
        sys::napi_close_handle_scope(env, scope);
    }
    r
}

/// A strong reference that keeps a value alive across calls; deleted on drop (on the
/// JavaScript thread that created it).
#[derive(Debug)]
pub(crate) struct Persistent {
    env: Env,
    handle: sys::napi_ref,
}

impl Persistent {
    pub(crate) unsafe fn new(env: Env, value: Value) -> Result<Persistent, Failed> {
        let mut handle = ptr::null_mut();
        check(sys::napi_create_reference(env, value, 1, &mut handle))?;
        Ok(Persistent { env, handle })
    }

    pub(crate) unsafe fn get(&self) -> Value {
        let mut v = ptr::null_mut();
        sys::napi_get_reference_value(self.env, self.handle, &mut v);
        v
    }
}

impl Drop for Persistent {
    fn drop(&mut self) {
        // SAFETY: created on this environment's thread and dropped there (the owners are
        // `!Send` JavaScript-side objects).
        unsafe {
            sys::napi_delete_reference(self.env, self.handle);
        }
    }
}

/// The `this` value and arguments of a raw callback. Up to `INLINE` arguments are read in one
/// call; longer argument lists are read again into a vector.
pub(crate) struct CallInfo {
    pub this: Value,
    pub data: *mut c_void,
    inline: [Value; INLINE],
    spilled: Vec<Value>,
    argc: usize,
}

const INLINE: usize = 8;

impl CallInfo {
    pub(crate) unsafe fn read(env: Env, info: sys::napi_callback_info) -> Result<CallInfo, Failed> {
        let mut ci = CallInfo {
            this: ptr::null_mut(),
            data: ptr::null_mut(),
            inline: [ptr::null_mut(); INLINE],
            spilled: Vec::new(),
            argc: INLINE,
        };
        check(sys::napi_get_cb_info(
            env,
            info,
            &mut ci.argc,
            ci.inline.as_mut_ptr(),
            &mut ci.this,
            &mut ci.data,
        ))?;
        if ci.argc > INLINE {
            ci.spilled = vec![ptr::null_mut(); ci.argc];
            let mut argc = ci.argc;
            check(sys::napi_get_cb_info(
                env,
                info,
                &mut argc,
                ci.spilled.as_mut_ptr(),
                ptr::null_mut(),
                ptr::null_mut(),
            ))?;
        }
        Ok(ci)
    }

    pub(crate) fn args(&self) -> &[Value] {
        if self.argc > INLINE {
            &self.spilled
        } else {
            &self.inline[..self.argc]
        }
    }
}

/// Returns the native object wrapped in `this` when it is a `T` (checked through the tag every
/// wrapped type of this addon starts with), or `None`.
pub(crate) unsafe fn unwrap<T: Tagged>(env: Env, this: Value) -> Option<&'static T> {
    let mut raw: *mut c_void = ptr::null_mut();
    if sys::napi_unwrap(env, this, &mut raw) != sys::Status::napi_ok || raw.is_null() {
        return None;
    }
    // Every class of this addon is `#[repr(C)]` with a `Tag` first, so reading the tag through
    // a pointer to any of them is valid.
    let tag = *raw.cast::<Tag>();
    (tag == T::TAG).then(|| &*raw.cast::<T>())
}

/// The first field of every `#[napi]` class that raw callbacks unwrap.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[repr(transparent)]
pub(crate) struct Tag(pub u64);

/// A `#[repr(C)]` class whose first field is its [`Tag`].
pub(crate) trait Tagged {
    const TAG: Tag;
}
