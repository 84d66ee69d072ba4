//! `slotwise_client`: connecting, running commands, freeing.

use std::ffi::{c_char, c_int};
use std::sync::Arc;

use slotwise::blocking::Client;

use crate::address_map::MapFaults;
use crate::error::{arg_out, arg_ref, guard, guard_value, slotwise_result, Failure};
use crate::options::slotwise_options;
use crate::reply::{self, slotwise_reply};

/// A connected cluster client.
///
/// Thread-safe: one client may be used by any number of threads at once (each command
/// borrows a pooled connection to the node it needs; the slot map is shared). Create with
/// `slotwise_client_connect`, free with `slotwise_client_free` once no thread uses it.
pub struct slotwise_client {
    pub(crate) client: Client,
    /// Invalid outputs of the address-map callback, reported by the next command.
    map_faults: Arc<MapFaults>,
}

impl slotwise_client {
    /// Fails with a waiting address-map fault, if any: checked before a command or pipeline
    /// is sent, so that a broken mapping is reported instead of silently bypassed.
    pub(crate) fn check_map_faults(&self) -> Result<(), Failure> {
        match self.map_faults.take(
            "found while routing an earlier command or refreshing the slot map, which was \
             then not changed; this command was not sent",
        ) {
            Some(fault) => Err(fault),
            None => Ok(()),
        }
    }
}

/// Discovers the cluster from the seeds in `options` and returns a client in `*client_out`.
///
/// `options` is only read: it stays owned by the caller and may be freed right after. On
/// success the caller owns `*client_out` and frees it with `slotwise_client_free`; on
/// failure `*client_out` is left untouched and `slotwise_last_error()` says why (for example
/// every seed tried and what it answered, that the credentials were refused, or that the
/// address-map callback wrote an invalid address: see `slotwise_address_map_fn`).
///
/// # Safety
///
/// `options` is a live options handle or NULL; `client_out` is writable or NULL.
#[no_mangle]
pub unsafe extern "C" fn slotwise_client_connect(
    options: *const slotwise_options,
    client_out: *mut *mut slotwise_client,
) -> slotwise_result {
    guard("slotwise_client_connect", || {
        // SAFETY: a live handle per the contract.
        let options = unsafe { arg_ref(options, "options") }?;
        let out = arg_out(client_out, "client_out")?;
        let (opts, map_faults) = options.client_options();
        let connected = Client::connect(opts);
        // A broken mapping seen during discovery failed the views that needed it, and must
        // not be bypassed by another node's view that did not: it is reported either way.
        let fault = map_faults.take("found while discovering the cluster; no client was created");
        let client = match (connected, fault) {
            (Ok(client), None) => client,
            (Ok(client), Some(fault)) => {
                client.close();
                return Err(fault);
            }
            (Err(_), Some(fault)) => return Err(fault),
            (Err(e), None) => return Err(e.into()),
        };
        let handle = Box::into_raw(Box::new(slotwise_client { client, map_faults }));
        // SAFETY: checked non-NULL; writable per the contract.
        unsafe { out.write(handle) };
        Ok(())
    })
}

/// Closes the client's connections, stops its background slot-map refresh thread and frees
/// it. NULL is a no-op. It waits for that thread to end (at most for one topology query in
/// flight, bounded by the connect timeout): once it returns, no library thread works for the
/// client and its address map callback is never called again.
///
/// # Safety
///
/// `client` is NULL or a handle from `slotwise_client_connect` not freed yet, which no
/// other thread is using or will use.
#[no_mangle]
pub unsafe extern "C" fn slotwise_client_free(client: *const slotwise_client) {
    guard_value("slotwise_client_free", (), || {
        if !client.is_null() {
            // SAFETY: per the contract, the handle came from Box::into_raw and is unused.
            let handle = unsafe { Box::from_raw(client.cast_mut()) };
            handle.client.close();
        }
    })
}

/// Runs one command given as an argument vector, like hiredis's `redisCommandArgv`:
/// `argv[0]` is the command name, `argc >= 1`. With `argvlen` NULL every argument is a
/// NUL-terminated string; otherwise `argv[i]` is `argvlen[i]` bytes (binary-safe, may
/// contain NULs; an empty argument may be NULL with length 0).
///
/// The command is sent to the node owning its keys' slot (multi-key commands such as MGET,
/// MSET and DEL across slots are split per node and reassembled), following MOVED and ASK
/// and retrying within the request timeout.
///
/// On success the caller owns `*reply_out` and frees it with `slotwise_reply_free`. When
/// the server answers with an error reply (`WRONGTYPE`, `ERR ...`) the result is
/// `SLOTWISE_RESULT_SERVER` and the server's text is in `slotwise_last_error()`; no reply is
/// returned. Thread-safe; the arguments are copied before the call returns.
///
/// # Safety
///
/// `client` is a live handle or NULL; `argv` has `argc` entries readable as described;
/// `reply_out` is writable or NULL.
#[no_mangle]
pub unsafe extern "C" fn slotwise_client_command_argv(
    client: *const slotwise_client,
    argc: c_int,
    argv: *const *const c_char,
    argvlen: *const usize,
    reply_out: *mut *mut slotwise_reply,
) -> slotwise_result {
    guard("slotwise_client_command_argv", || {
        // SAFETY: a live handle per the contract.
        let client = unsafe { arg_ref(client, "client") }?;
        let out = arg_out(reply_out, "reply_out")?;
        // SAFETY: argv/argvlen as the contract describes.
        let cmd = unsafe { crate::argv::to_cmd(argc, argv, argvlen) }?;
        run(client, cmd, out)
    })
}

/// Runs a built command and writes its reply.
pub(crate) fn run(
    client: &slotwise_client,
    cmd: slotwise::Cmd,
    out: *mut *mut slotwise_reply,
) -> Result<(), Failure> {
    client.check_map_faults()?;
    let value = client.client.exec(cmd)?;
    // SAFETY: `out` was checked non-NULL by the caller and is writable per its contract.
    unsafe { out.write(reply::from_value(&value)) };
    Ok(())
}

/// Computes the hash slot (0..16383) of a key: CRC16 of the key, or of its hash tag (the
/// part between the first `{` and the next `}` when not empty). Keys sharing a slot may be
/// used together in multi-key commands and transactions.
///
/// # Safety
///
/// `key` is readable for `len` bytes (it may be NULL when `len` is 0); `slot_out` is
/// writable or NULL.
#[no_mangle]
pub unsafe extern "C" fn slotwise_key_slot(
    key: *const c_char,
    len: usize,
    slot_out: *mut u16,
) -> slotwise_result {
    guard("slotwise_key_slot", || {
        let out = arg_out(slot_out, "slot_out")?;
        let key: &[u8] = match (key.is_null(), len) {
            (_, 0) => &[],
            (true, _) => return Err(Failure::null("key")),
            // SAFETY: readable for len bytes per the contract.
            (false, n) => unsafe { std::slice::from_raw_parts(key.cast(), n) },
        };
        let slot = slotwise::slot::key_slot(key);
        // SAFETY: checked non-NULL; writable per the contract.
        unsafe { out.write(slot.get()) };
        Ok(())
    })
}
