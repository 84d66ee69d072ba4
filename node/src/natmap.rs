//! `natMap` given as a function: the core asks for addresses on the I/O thread, but the
//! function can only run on the JavaScript thread. Each new address is sent there through a
//! threadsafe function and the I/O thread waits for the answer (answers are cached: the map
//! is asked once per announced address, on discovery and on redirects to new nodes).

use std::collections::HashMap;
use std::ffi::c_void;
use std::ptr;
use std::sync::mpsc::{sync_channel, SyncSender};
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

struct Question {
    announced: String,
    answer: SyncSender<Option<String>>,
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
    Ok(AddressMap::callback(move |announced| {
        map(&owner.0, announced)
    }))
}

/// Runs on the I/O thread: the cached answer, or the function's.
fn map(bridge: &Bridge, announced: &str) -> Option<String> {
    if let Some(hit) = lock(&bridge.cache).get(announced) {
        return hit.clone();
    }
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
        return None;
    }
    let answer = rx.recv_timeout(ANSWER_TIMEOUT).ok()?;
    lock(&bridge.cache).insert(announced.to_string(), answer.clone());
    answer
}

/// Calls the function with the announced address (JavaScript thread). It may return
/// `'host:port'`, `{ host, port }`, or `null`/`undefined` for "use as announced".
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
            // The function threw: report it and keep the announced address.
            let mut exception = ptr::null_mut();
            sys::napi_get_and_clear_last_exception(env, &mut exception);
            sys::napi_fatal_exception(env, exception);
            return None;
        }
        target_of(env, result)
    });
    let _ = q.answer.send(answer);
}

/// `'host:port'` or `{ host, port }` as `host:port`; anything else as `None`.
pub(crate) unsafe fn target_of(env: Env, v: js::Value) -> Option<String> {
    let mut ty = 0;
    sys::napi_typeof(env, v, &mut ty);
    match ty {
        sys::ValueType::napi_string => Some(string_of(env, v)),
        sys::ValueType::napi_object => {
            let mut host = ptr::null_mut();
            let mut port = ptr::null_mut();
            sys::napi_get_named_property(env, v, c"host".as_ptr(), &mut host);
            sys::napi_get_named_property(env, v, c"port".as_ptr(), &mut port);
            let mut p = 0f64;
            if sys::napi_get_value_double(env, port, &mut p) != sys::Status::napi_ok {
                return None;
            }
            let mut hty = 0;
            sys::napi_typeof(env, host, &mut hty);
            let host = if hty == sys::ValueType::napi_string {
                string_of(env, host)
            } else {
                "127.0.0.1".to_string()
            };
            Some(format!("{host}:{}", p as u16))
        }
        _ => None,
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
