//! JavaScript arguments to command arguments, as ioredis converts them: strings as UTF-8,
//! `Buffer`s and typed arrays as raw bytes, numbers in decimal, arrays flattened, plain
//! objects and `Map`s expanded to key/value pairs (`hset(key, { a: 1 })`), `null` and
//! `undefined` as empty strings.

use std::cell::RefCell;
use std::ffi::{c_char, c_void};
use std::ptr;

use napi::sys;
use slotwise::Cmd;

use crate::js::{self, Env};

/// Why an argument could not be converted; the message names the argument.
#[derive(Debug)]
pub(crate) struct BadArgument(pub String);

/// Nesting allowed for arrays and objects inside arguments (ioredis flattens one level; a
/// little more costs nothing, unbounded recursion could overflow the stack).
const MAX_DEPTH: u32 = 4;

thread_local! {
    /// Scratch space strings are read into before they are appended to a command.
    static SCRATCH: RefCell<Vec<u8>> = RefCell::new(vec![0; 256]);
}

/// A command named `name` with `args` converted and appended.
pub(crate) unsafe fn command(env: Env, name: &str, args: &[js::Value]) -> Result<Cmd, BadArgument> {
    let mut cmd = Cmd::new(name);
    for (i, &a) in args.iter().enumerate() {
        push(env, &mut cmd, a, i, 0)?;
    }
    Ok(cmd)
}

/// A command whose name is the first argument (`call('GET', key)`).
pub(crate) unsafe fn dynamic_command(env: Env, args: &[js::Value]) -> Result<Cmd, BadArgument> {
    let Some((&first, rest)) = args.split_first() else {
        return Err(BadArgument(
            "call() needs the command name first, e.g. call('GET', 'key')".into(),
        ));
    };
    let mut cmd = Cmd::from_args(std::iter::empty::<&[u8]>());
    push(env, &mut cmd, first, 0, MAX_DEPTH)?;
    if cmd.arg_count() != 1 {
        return Err(BadArgument(
            "the command name must be a string, e.g. call('GET', 'key')".into(),
        ));
    }
    for (i, &a) in rest.iter().enumerate() {
        push(env, &mut cmd, a, i + 1, 0)?;
    }
    Ok(cmd)
}

/// Appends the argument(s) `v` stands for.
unsafe fn push(
    env: Env,
    cmd: &mut Cmd,
    v: js::Value,
    pos: usize,
    depth: u32,
) -> Result<(), BadArgument> {
    // Strings are the common case: try them before asking for the type.
    if push_string(env, cmd, v) {
        return Ok(());
    }
    let mut ty = 0;
    sys::napi_typeof(env, v, &mut ty);
    match ty {
        sys::ValueType::napi_number => {
            let mut n = 0f64;
            sys::napi_get_value_double(env, v, &mut n);
            push_number(cmd, n);
            Ok(())
        }
        sys::ValueType::napi_bigint => {
            let mut n = 0i64;
            let mut lossless = false;
            sys::napi_get_value_bigint_int64(env, v, &mut n, &mut lossless);
            if !lossless {
                return Err(bad(pos, "a BigInt outside the 64-bit range"));
            }
            cmd.push(n);
            Ok(())
        }
        sys::ValueType::napi_boolean => {
            let mut b = false;
            sys::napi_get_value_bool(env, v, &mut b);
            cmd.push(if b { "true" } else { "false" });
            Ok(())
        }
        sys::ValueType::napi_null | sys::ValueType::napi_undefined => {
            cmd.push("");
            Ok(())
        }
        sys::ValueType::napi_object => push_object(env, cmd, v, pos, depth),
        sys::ValueType::napi_symbol => Err(bad(pos, "a Symbol")),
        sys::ValueType::napi_function => Err(bad(pos, "a function")),
        _ => Err(bad(pos, "a value of unsupported type")),
    }
}

fn bad(pos: usize, what: &str) -> BadArgument {
    BadArgument(format!(
        "argument {} is {what}; pass strings, numbers, Buffers, or arrays of them",
        pos + 1
    ))
}

/// Appends `v` if it is a string; false otherwise.
unsafe fn push_string(env: Env, cmd: &mut Cmd, v: js::Value) -> bool {
    SCRATCH.with(|s| {
        let mut buf = s.borrow_mut();
        let mut len = 0usize;
        let status = sys::napi_get_value_string_utf8(
            env,
            v,
            buf.as_mut_ptr().cast::<c_char>(),
            buf.len(),
            &mut len,
        );
        if status != sys::Status::napi_ok {
            return false;
        }
        // A string that did not fit is cut at a character boundary (characters take up to 4
        // bytes), so anything this close to the end may be partial.
        if len + 4 >= buf.len() {
            // Ask for the exact length and read it again.
            sys::napi_get_value_string_utf8(env, v, ptr::null_mut(), 0, &mut len);
            buf.resize(len + 1, 0);
            sys::napi_get_value_string_utf8(
                env,
                v,
                buf.as_mut_ptr().cast::<c_char>(),
                buf.len(),
                &mut len,
            );
        }
        cmd.push(&buf[..len]);
        true
    })
}

/// Numbers as JavaScript's `String(n)` would write the common ones: integers without a
/// fraction, others in shortest round-trip form.
fn push_number(cmd: &mut Cmd, n: f64) {
    if n.fract() == 0.0 && n.abs() < 9_007_199_254_740_992.0 {
        cmd.push(n as i64);
    } else if n.is_nan() {
        cmd.push("NaN");
    } else {
        cmd.push(n);
    }
}

unsafe fn push_object(
    env: Env,
    cmd: &mut Cmd,
    v: js::Value,
    pos: usize,
    depth: u32,
) -> Result<(), BadArgument> {
    let mut yes = false;
    sys::napi_is_buffer(env, v, &mut yes);
    if yes {
        let mut data: *mut c_void = ptr::null_mut();
        let mut len = 0usize;
        sys::napi_get_buffer_info(env, v, &mut data, &mut len);
        cmd.push(bytes_at(data, len));
        return Ok(());
    }
    sys::napi_is_typedarray(env, v, &mut yes);
    if yes {
        let mut kind = 0;
        let mut count = 0usize;
        let mut data: *mut c_void = ptr::null_mut();
        let mut byte_offset = 0usize;
        let mut buffer = ptr::null_mut();
        sys::napi_get_typedarray_info(
            env,
            v,
            &mut kind,
            &mut count,
            &mut data,
            &mut buffer,
            &mut byte_offset,
        );
        let width = typed_array_width(kind);
        cmd.push(bytes_at(data, count * width));
        return Ok(());
    }
    if depth >= MAX_DEPTH {
        return Err(bad(pos, "nested too deeply"));
    }
    sys::napi_is_array(env, v, &mut yes);
    if yes {
        let mut n = 0u32;
        sys::napi_get_array_length(env, v, &mut n);
        for i in 0..n {
            let mut item = ptr::null_mut();
            sys::napi_get_element(env, v, i, &mut item);
            push(env, cmd, item, pos, depth + 1)?;
        }
        return Ok(());
    }
    if is_map(env, v) {
        return push_map(env, cmd, v, pos, depth);
    }
    // A plain object: its own enumerable string keys and their values, in order.
    let mut keys = ptr::null_mut();
    if sys::napi_get_property_names(env, v, &mut keys) != sys::Status::napi_ok {
        return Err(bad(pos, "an object whose keys cannot be read"));
    }
    let mut n = 0u32;
    sys::napi_get_array_length(env, keys, &mut n);
    for i in 0..n {
        let mut key = ptr::null_mut();
        let mut value = ptr::null_mut();
        sys::napi_get_element(env, keys, i, &mut key);
        sys::napi_get_property(env, v, key, &mut value);
        push(env, cmd, key, pos, depth + 1)?;
        push(env, cmd, value, pos, depth + 1)?;
    }
    Ok(())
}

unsafe fn bytes_at<'a>(data: *mut c_void, len: usize) -> &'a [u8] {
    if data.is_null() || len == 0 {
        &[]
    } else {
        std::slice::from_raw_parts(data.cast::<u8>(), len)
    }
}

fn typed_array_width(kind: sys::napi_typedarray_type) -> usize {
    use sys::TypedarrayType as T;
    match kind {
        T::int16_array | T::uint16_array => 2,
        T::int32_array | T::uint32_array | T::float32_array => 4,
        T::float64_array | T::bigint64_array | T::biguint64_array => 8,
        _ => 1,
    }
}

/// True for `Map` instances (checked with `instanceof` against the global `Map`).
unsafe fn is_map(env: Env, v: js::Value) -> bool {
    let mut global = ptr::null_mut();
    let mut ctor = ptr::null_mut();
    let mut yes = false;
    sys::napi_get_global(env, &mut global);
    sys::napi_get_named_property(env, global, c"Map".as_ptr(), &mut ctor);
    sys::napi_instanceof(env, v, ctor, &mut yes) == sys::Status::napi_ok && yes
}

/// Appends a `Map`'s entries as key/value pairs (through `Array.from(map)`).
unsafe fn push_map(
    env: Env,
    cmd: &mut Cmd,
    v: js::Value,
    pos: usize,
    depth: u32,
) -> Result<(), BadArgument> {
    let mut global = ptr::null_mut();
    let mut array_ctor = ptr::null_mut();
    let mut from = ptr::null_mut();
    let mut entries = ptr::null_mut();
    sys::napi_get_global(env, &mut global);
    sys::napi_get_named_property(env, global, c"Array".as_ptr(), &mut array_ctor);
    sys::napi_get_named_property(env, array_ctor, c"from".as_ptr(), &mut from);
    if sys::napi_call_function(env, array_ctor, from, 1, &v, &mut entries) != sys::Status::napi_ok {
        return Err(bad(pos, "a Map whose entries cannot be read"));
    }
    push(env, cmd, entries, pos, depth + 1)
}
