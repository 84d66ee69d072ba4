//! `natMap` given as a function: the core asks for addresses on the I/O thread, but the
//! function can only run on the JavaScript thread. Each new address is sent there through a
//! threadsafe function and the I/O thread waits for the answer (usable answers are cached:
//! the map is asked once per announced address, on discovery and on redirects to new nodes).
//!
//! A function that throws, answers something that is not an address, or cannot answer makes
//! the address map fail for that address ([`AddressMap::fallible`]): the view or redirect
//! that needed it fails with a `CONFIG` error saying why. Its exceptions are caught here and
//! never reach the event loop.

use std::collections::HashMap;
use std::ffi::{c_void, CStr};
use std::ptr;
use std::sync::mpsc::{sync_channel, RecvTimeoutError, SyncSender};
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::Duration;

use napi::sys;
use slotwise::topology::AddressMap;

use crate::js::{self, Env};

/// How long the I/O thread waits for the JavaScript thread to answer (it may be busy).
const ANSWER_TIMEOUT: Duration = Duration::from_secs(5);

struct Tsfn(sys::napi_threadsafe_function);

// SAFETY: threadsafe functions may be called and released from any thread.
unsafe impl Send for Tsfn {}

struct Bridge {
    /// `None` once released or finalized.
    tsfn: Mutex<Option<Tsfn>>,
    cache: Mutex<HashMap<String, Option<String>>>,
}

/// The function's answer: the address to use (`None`: the announced one), or why there is
/// none.
type Answer = Result<Option<String>, String>;

struct Question {
    announced: String,
    answer: SyncSender<Answer>,
}

/// Owns the bridge for the address map's closure; releasing the threadsafe function when the
/// last copy of the map is dropped.
struct Owner(Arc<Bridge>);

impl Drop for Owner {
    fn drop(&mut self) {
        if let Some(t) = lock(&self.0.tsfn).take() {
            // SAFETY: the one acquisition made at creation is given back once.
            unsafe {
                sys::napi_release_threadsafe_function(
                    t.0,
                    sys::ThreadsafeFunctionReleaseMode::release,
                );
            }
        }
    }
}

fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|p| p.into_inner())
}

/// An address map that calls the JavaScript function `func` (JavaScript thread).
pub(crate) unsafe fn from_function(env: Env, func: js::Value) -> Result<AddressMap, js::Failed> {
    let bridge = Arc::new(Bridge {
        tsfn: Mutex::new(None),
        cache: Mutex::new(HashMap::new()),
    });
    let context = Arc::into_raw(bridge.clone()) as *mut c_void;
    let mut raw = ptr::null_mut();
    let status = sys::napi_create_threadsafe_function(
        env,
        func,
        ptr::null_mut(),
        js::string(env, b"slotwise.natMap"),
        0,
        1,
        context,
        Some(finalize),
        context,
        Some(ask),
        &mut raw,
    );
    if let Err(e) = js::check(status) {
        drop(Arc::from_raw(context as *const Bridge));
        return Err(e);
    }
    // Never keeps the process alive by itself.
    sys::napi_unref_threadsafe_function(env, raw);
    *lock(&bridge.tsfn) = Some(Tsfn(raw));
    let owner = Owner(bridge);
    Ok(AddressMap::fallible(move |announced| {
        map(&owner.0, announced)
    }))
}

/// Runs on the I/O thread: the cached answer, or the function's. Only usable answers are
/// cached: a function that threw or answered something unusable is asked again next time.
fn map(bridge: &Bridge, announced: &str) -> Answer {
    if let Some(hit) = lock(&bridge.cache).get(announced) {
        return Ok(hit.clone());
    }
    let closing =
        || "the natMap function can no longer be called: the client is closing".to_string();
    let (tx, rx) = sync_channel(1);
    let question = Box::into_raw(Box::new(Question {
        announced: announced.to_string(),
        answer: tx,
    }));
    let sent = match lock(&bridge.tsfn).as_ref() {
        // SAFETY: the handle is live while it is in the slot.
        Some(t) => unsafe {
            sys::napi_call_threadsafe_function(
                t.0,
                question.cast::<c_void>(),
                sys::ThreadsafeFunctionCallMode::nonblocking,
            ) == sys::Status::napi_ok
        },
        None => false,
    };
    if !sent {
        // SAFETY: not handed over, so still ours.
        drop(unsafe { Box::from_raw(question) });
        return Err(closing());
    }
    let answer = match rx.recv_timeout(ANSWER_TIMEOUT) {
        Ok(answer) => answer?,
        Err(RecvTimeoutError::Timeout) => {
            return Err(format!(
                "the natMap function did not answer within {} s (the JavaScript thread is \
                 busy)",
                ANSWER_TIMEOUT.as_secs()
            ))
        }
        Err(RecvTimeoutError::Disconnected) => return Err(closing()),
    };
    if answer
        .as_deref()
        .is_none_or(|a| AddressMap::check_address(a).is_ok())
    {
        lock(&bridge.cache).insert(announced.to_string(), answer.clone());
    }
    Ok(answer)
}

/// Calls the function with the announced address (JavaScript thread). It may return
/// `'host:port'`, `{ host, port }`, or `null`/`undefined` for "use as announced". An
/// exception it throws is caught here and becomes the answer's error: it never reaches the
/// event loop.
unsafe extern "C" fn ask(env: Env, func: js::Value, _context: *mut c_void, data: *mut c_void) {
    let q = Box::from_raw(data.cast::<Question>());
    if env.is_null() {
        return; // dropping the question wakes the I/O thread with "no answer"
    }
    let answer = js::with_scope(env, || {
        let arg = js::string(env, q.announced.as_bytes());
        let mut result = ptr::null_mut();
        let status = sys::napi_call_function(env, js::undefined(env), func, 1, &arg, &mut result);
        if status != sys::Status::napi_ok {
            return Err(format!("the natMap function threw {}", thrown(env)));
        }
        target_of(env, result).map_err(|what| {
            format!(
                "the natMap function returned {what}; return 'host:port', {{ host, port }} or \
                 null (keep the announced address)"
            )
        })
    });
    let _ = q.answer.send(answer);
}

/// Takes the pending exception, as `String(exception)` (which may throw too).
unsafe fn thrown(env: Env) -> String {
    let Some(exception) = take_exception(env) else {
        return "an exception".to_string();
    };
    let mut text = ptr::null_mut();
    if sys::napi_coerce_to_string(env, exception, &mut text) != sys::Status::napi_ok {
        take_exception(env);
        return "an exception that cannot be converted to a string".to_string();
    }
    shorten(&string_of(env, text))
}

/// Clears and returns the pending exception, if any.
unsafe fn take_exception(env: Env) -> Option<js::Value> {
    let mut pending = false;
    sys::napi_is_exception_pending(env, &mut pending);
    if !pending {
        return None;
    }
    let mut exception = ptr::null_mut();
    sys::napi_get_and_clear_last_exception(env, &mut exception);
    Some(exception)
}

/// Text from JavaScript cut to a length fit for an error message (the core escapes its
/// control characters).
fn shorten(s: &str) -> String {
    match s.char_indices().nth(200) {
        Some((cut, _)) => format!("{}...", &s[..cut]),
        None => s.to_string(),
    }
}

/// A natMap answer or table entry read strictly: `'host:port'` as it is, `{ host, port }`
/// (host a string, port an integer) as `host:port`, `null`/`undefined` as `None`. Anything
/// else is `Err` describing the value and what is wrong with it. Whether the address is
/// usable (host, port range) is the core's check.
pub(crate) unsafe fn target_of(env: Env, v: js::Value) -> Result<Option<String>, String> {
    match type_of(env, v) {
        sys::ValueType::napi_undefined | sys::ValueType::napi_null => Ok(None),
        sys::ValueType::napi_string => Ok(Some(string_of(env, v))),
        sys::ValueType::napi_object => {
            let mut is_array = false;
            sys::napi_is_array(env, v, &mut is_array);
            if is_array {
                return Err("an array, not 'host:port' or { host, port }".to_string());
            }
            let host = property(env, v, c"host")?;
            let port = property(env, v, c"port")?;
            let shown = format!(
                "{{ host: {}, port: {} }}",
                describe(env, host),
                describe(env, port)
            );
            if type_of(env, host) != sys::ValueType::napi_string {
                return Err(format!(
                    "{shown}: the host is {}, not a string",
                    kind(type_of(env, host))
                ));
            }
            let mut p = 0f64;
            if type_of(env, port) != sys::ValueType::napi_number
                || sys::napi_get_value_double(env, port, &mut p) != sys::Status::napi_ok
            {
                return Err(format!(
                    "{shown}: the port is {}, not an integer",
                    kind(type_of(env, port))
                ));
            }
            if !p.is_finite() || p.fract() != 0.0 {
                return Err(format!("{shown}: the port is not an integer"));
            }
            // Written as the integer it is (-5, 70000): the core's check names a bad one.
            Ok(Some(AddressMap::join(&string_of(env, host), p)))
        }
        _ => Err(describe(env, v)),
    }
}

/// `object[name]`; a getter that throws is reported, not left pending.
unsafe fn property(env: Env, object: js::Value, name: &CStr) -> Result<js::Value, String> {
    let mut v = ptr::null_mut();
    if sys::napi_get_named_property(env, object, name.as_ptr(), &mut v) != sys::Status::napi_ok {
        let why = thrown(env);
        return Err(format!(
            "an object whose {} property could not be read ({why})",
            name.to_string_lossy()
        ));
    }
    Ok(v)
}

unsafe fn type_of(env: Env, v: js::Value) -> sys::napi_valuetype {
    let mut ty = sys::ValueType::napi_undefined;
    sys::napi_typeof(env, v, &mut ty);
    ty
}

/// A value as it would be written in JavaScript, for error messages: `42`, `"abc"`,
/// `undefined`, or its kind (`an object`, `a symbol`).
unsafe fn describe(env: Env, v: js::Value) -> String {
    match type_of(env, v) {
        sys::ValueType::napi_boolean => {
            let mut b = false;
            sys::napi_get_value_bool(env, v, &mut b);
            b.to_string()
        }
        sys::ValueType::napi_number => {
            let mut n = 0f64;
            sys::napi_get_value_double(env, v, &mut n);
            match n {
                n if n.is_nan() => "NaN".into(),
                n if n.is_infinite() => (if n > 0.0 { "Infinity" } else { "-Infinity" }).into(),
                n => n.to_string(),
            }
        }
        sys::ValueType::napi_string => format!("{:?}", shorten(&string_of(env, v))),
        ty => kind(ty).into(),
    }
}

/// What type a value is, as a phrase: `a string`, `undefined` ...
fn kind(ty: sys::napi_valuetype) -> &'static str {
    match ty {
        sys::ValueType::napi_undefined => "undefined",
        sys::ValueType::napi_null => "null",
        sys::ValueType::napi_boolean => "a boolean",
        sys::ValueType::napi_number => "a number",
        sys::ValueType::napi_string => "a string",
        sys::ValueType::napi_symbol => "a symbol",
        sys::ValueType::napi_function => "a function",
        sys::ValueType::napi_bigint => "a bigint",
        _ => "an object",
    }
}

unsafe fn string_of(env: Env, v: js::Value) -> String {
    let mut len = 0usize;
    sys::napi_get_value_string_utf8(env, v, ptr::null_mut(), 0, &mut len);
    let mut buf = vec![0u8; len + 1];
    sys::napi_get_value_string_utf8(env, v, buf.as_mut_ptr().cast(), buf.len(), &mut len);
    buf.truncate(len);
    String::from_utf8_lossy(&buf).into_owned()
}

unsafe extern "C" fn finalize(_env: Env, data: *mut c_void, _hint: *mut c_void) {
    let bridge = Arc::from_raw(data as *const Bridge);
    lock(&bridge.tsfn).take();
}
