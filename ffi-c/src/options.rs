//! `slotwise_options`: the builder a client is connected from.

use std::collections::HashMap;
use std::ffi::{c_char, c_int, c_uint, c_void};
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use slotwise::topology::AddressMap;
use slotwise::{ClientOptions, Protocol, ReadPolicy, TlsOptions};

use crate::address_map::{AddressCallback, MapFaults};
use crate::error::{arg_mut, arg_str, guard, guard_value, slotwise_result, Failure};

/// Client options: seeds, timeouts, budgets, credentials, TLS, read policy, address map.
///
/// Create with `slotwise_options_new`, set what you need, pass to `slotwise_client_connect`
/// (which copies them: the options may be freed or reused right after), free with
/// `slotwise_options_free`. Not thread-safe: set options from one thread at a time.
pub struct slotwise_options {
    pub(crate) opts: ClientOptions,
    table: HashMap<String, String>,
    callback: Option<AddressCallback>,
}

/// Where read-only commands may be served (`slotwise_options_set_read_policy`).
#[repr(C)]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum slotwise_read_policy {
    /// Every command goes to the slot's primary (default; always reads your writes).
    Primary = 0,
    /// Read-only commands go to a healthy replica of the shard when it has one.
    PreferReplica = 1,
    /// Read-only commands rotate over the shard's healthy replicas and its primary.
    RoundRobin = 2,
}

/// The RESP version spoken (`slotwise_options_set_protocol`).
#[repr(C)]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum slotwise_protocol {
    /// RESP2 (default; works with every server).
    Resp2 = 2,
    /// RESP3 (`HELLO 3`): maps, sets, doubles, booleans, big numbers and verbatim strings
    /// arrive with their own reply types.
    Resp3 = 3,
}

/// Translates an address a node announces into one this host can reach (NAT, Docker).
///
/// Called with the `userdata` given to `slotwise_options_set_address_map_callback` and the
/// announced `"host:port"`. To map it, write the reachable `"host:port"` NUL-terminated into
/// `out` (`out_len` bytes, 256: at most 255 characters) and return 1; return 0 to keep the
/// announced address. Called from whichever thread is routing or refreshing the slot map,
/// possibly from several at once: it must be thread-safe and must not call slotwise
/// functions on the same client.
///
/// Any other answer is a bug in the callback: a return value other than 0 or 1, or a 1 with
/// `out` empty, not NUL-terminated within `out_len`, not UTF-8, or not `host:port` (a host
/// without whitespace or control characters, IPv6 in brackets; a port from 1 to 65535). Nothing is then sent to an address the callback did not choose:
/// a slot map that needed the address is not installed (the client keeps the one it has),
/// and a MOVED/ASK redirect that needed it fails its command. The mistake is reported as
/// `SLOTWISE_RESULT_INVALID_ARGUMENT`, with a message naming the announced address and what
/// was wrong: from `slotwise_client_connect` (no client is created) when it happened during
/// discovery, otherwise from the next command or pipeline run on the client, whichever
/// thread runs it, which is then not sent. Later faults before that report are counted in
/// its message; the calls after it run normally unless the callback errs again.
pub type slotwise_address_map_fn = Option<
    unsafe extern "C" fn(
        userdata: *mut c_void,
        announced: *const c_char,
        out: *mut c_char,
        out_len: usize,
    ) -> c_int,
>;

impl slotwise_options {
    /// The core options with the address map assembled (the table first, then the
    /// callback), and where the callback's invalid outputs are recorded for the client to
    /// report (see `address_map`).
    pub(crate) fn client_options(&self) -> (ClientOptions, Arc<MapFaults>) {
        let faults = Arc::new(MapFaults::default());
        let mut opts = self.opts.clone();
        opts.address_map = match (self.table.is_empty(), self.callback) {
            (true, None) => AddressMap::Identity,
            (false, None) => AddressMap::table(self.table.clone()),
            (_, Some(cb)) => {
                let table = self.table.clone();
                let faults = Arc::clone(&faults);
                AddressMap::fallible(move |addr| {
                    if let Some(mapped) = table.get(addr) {
                        return Ok(Some(mapped.clone()));
                    }
                    // An invalid output: the core refuses what needed the address, and the
                    // fault is recorded for the next call on the client to report.
                    cb.call(addr)
                        .inspect_err(|problem| faults.record(problem.clone()))
                })
            }
        };
        (opts, faults)
    }
}

/// Checks a `host:port` address (IPv6 hosts in brackets) with the core's check.
pub(crate) fn check_addr(what: &str, addr: &str) -> Result<(), Failure> {
    AddressMap::check_address(addr).map_err(|problem| {
        Failure::invalid(format!(
            "{what} {addr:?} is not a host:port address ({problem}; for example \"127.0.0.1:7000\" or \"[::1]:7000\")"
        ))
    })
}

fn millis(what: &str, ms: u64) -> Result<Duration, Failure> {
    if ms == 0 {
        return Err(Failure::invalid(format!(
            "{what} must be at least 1 ms (got 0)"
        )));
    }
    Ok(Duration::from_millis(ms))
}

/// Runs a setter body on a non-NULL options handle.
fn with_options(
    func: &'static str,
    options: *mut slotwise_options,
    body: impl FnOnce(&mut slotwise_options) -> Result<(), Failure>,
) -> slotwise_result {
    guard(func, || {
        // SAFETY: the header requires a handle from slotwise_options_new (or NULL).
        let o = unsafe { arg_mut(options, "options") }?;
        body(o)
    })
}

/// New options with defaults: no seeds, connect timeout 2 s, request timeout 5 s,
/// 16 redirects, 32 retries (10 ms to 500 ms backoff), refresh every 30 s, primary reads,
/// RESP2, no credentials, plain TCP.
///
/// The caller owns the result and frees it with `slotwise_options_free`. Returns NULL only
/// if the library failed internally (see `slotwise_last_error`).
#[no_mangle]
pub extern "C" fn slotwise_options_new() -> *mut slotwise_options {
    guard_value("slotwise_options_new", std::ptr::null_mut(), || {
        Box::into_raw(Box::new(slotwise_options {
            opts: ClientOptions::new(Vec::<String>::new()),
            table: HashMap::new(),
            callback: None,
        }))
    })
}

/// Frees options from `slotwise_options_new`. NULL is a no-op.
///
/// # Safety
///
/// `options` is NULL or a handle from `slotwise_options_new` not freed yet.
#[no_mangle]
pub unsafe extern "C" fn slotwise_options_free(options: *mut slotwise_options) {
    guard_value("slotwise_options_free", (), || {
        if !options.is_null() {
            // SAFETY: per the contract, the handle came from Box::into_raw.
            drop(unsafe { Box::from_raw(options) });
        }
    })
}

/// Adds a seed node, `"host:port"` (IPv6 as `"[::1]:7000"`). Any seed may be down; at
/// least one is needed. The string is copied.
///
/// # Safety
///
/// `options` is a live handle or NULL; `addr` is a NUL-terminated string or NULL.
#[no_mangle]
pub unsafe extern "C" fn slotwise_options_add_seed(
    options: *mut slotwise_options,
    addr: *const c_char,
) -> slotwise_result {
    with_options("slotwise_options_add_seed", options, |o| {
        // SAFETY: NUL-terminated per the contract.
        let addr = unsafe { arg_str(addr, "addr") }?;
        check_addr("seed", addr)?;
        o.opts.seeds.push(addr.to_owned());
        Ok(())
    })
}

/// Sets the time allowed to open one connection (TCP, TLS and AUTH/HELLO), in ms (> 0).
///
/// # Safety
///
/// `options` is a live handle or NULL.
#[no_mangle]
pub unsafe extern "C" fn slotwise_options_set_connect_timeout_ms(
    options: *mut slotwise_options,
    ms: u64,
) -> slotwise_result {
    with_options("slotwise_options_set_connect_timeout_ms", options, |o| {
        o.opts.connect_timeout = millis("the connect timeout", ms)?;
        Ok(())
    })
}

/// Sets the deadline of one request, redirects and retries included, in ms (> 0).
///
/// # Safety
///
/// `options` is a live handle or NULL.
#[no_mangle]
pub unsafe extern "C" fn slotwise_options_set_request_timeout_ms(
    options: *mut slotwise_options,
    ms: u64,
) -> slotwise_result {
    with_options("slotwise_options_set_request_timeout_ms", options, |o| {
        o.opts.request_timeout = millis("the request timeout", ms)?;
        Ok(())
    })
}

/// Sets how many MOVED/ASK redirects one request may follow (default 16).
///
/// # Safety
///
/// `options` is a live handle or NULL.
#[no_mangle]
pub unsafe extern "C" fn slotwise_options_set_max_redirects(
    options: *mut slotwise_options,
    max_redirects: u32,
) -> slotwise_result {
    with_options("slotwise_options_set_max_redirects", options, |o| {
        o.opts.max_redirects = max_redirects;
        Ok(())
    })
}

/// Sets the retry budget of one request (TRYAGAIN, CLUSTERDOWN, LOADING, connection errors)
/// and its backoff: the first delay `base_delay_ms`, doubling up to `max_delay_ms`.
///
/// # Safety
///
/// `options` is a live handle or NULL.
#[no_mangle]
pub unsafe extern "C" fn slotwise_options_set_retries(
    options: *mut slotwise_options,
    max_retries: u32,
    base_delay_ms: u64,
    max_delay_ms: u64,
) -> slotwise_result {
    with_options("slotwise_options_set_retries", options, |o| {
        if max_delay_ms < base_delay_ms {
            return Err(Failure::invalid(format!(
                "max_delay_ms ({max_delay_ms}) is below base_delay_ms ({base_delay_ms})"
            )));
        }
        o.opts = o.opts.clone().retries(
            max_retries,
            Duration::from_millis(base_delay_ms),
            Duration::from_millis(max_delay_ms),
        );
        Ok(())
    })
}

/// Sets the period of the background slot-map refresh, in ms (> 0; default 30000). The map
/// is also refreshed on MOVED and on connection failures.
///
/// Values below 100 ms are raised to 100 ms when the client connects: the client never
/// refreshes more often than that (the same floor keeps a storm of MOVED replies down to one
/// refresh), so 1 ms means "every 100 ms".
///
/// # Safety
///
/// `options` is a live handle or NULL.
#[no_mangle]
pub unsafe extern "C" fn slotwise_options_set_refresh_interval_ms(
    options: *mut slotwise_options,
    ms: u64,
) -> slotwise_result {
    with_options("slotwise_options_set_refresh_interval_ms", options, |o| {
        o.opts.refresh_interval = millis("the refresh interval", ms)?;
        Ok(())
    })
}

/// Authenticates the `default` user with `password` (`requirepass`). The string is copied
/// and never appears in messages.
///
/// # Safety
///
/// `options` is a live handle or NULL; `password` is a NUL-terminated string or NULL.
#[no_mangle]
pub unsafe extern "C" fn slotwise_options_set_password(
    options: *mut slotwise_options,
    password: *const c_char,
) -> slotwise_result {
    with_options("slotwise_options_set_password", options, |o| {
        // SAFETY: NUL-terminated per the contract.
        let password = unsafe { arg_str(password, "password") }?;
        o.opts = o.opts.clone().password(password);
        Ok(())
    })
}

/// Authenticates as the ACL user `username` with `password`. Both are copied; the password
/// never appears in messages.
///
/// # Safety
///
/// `options` is a live handle or NULL; the strings are NUL-terminated or NULL.
#[no_mangle]
pub unsafe extern "C" fn slotwise_options_set_user(
    options: *mut slotwise_options,
    username: *const c_char,
    password: *const c_char,
) -> slotwise_result {
    with_options("slotwise_options_set_user", options, |o| {
        // SAFETY: NUL-terminated per the contract.
        let username = unsafe { arg_str(username, "username") }?;
        // SAFETY: as above.
        let password = unsafe { arg_str(password, "password") }?;
        o.opts = o.opts.clone().user(username, password);
        Ok(())
    })
}

/// Enables TLS (rustls; certificates are verified). `ca_file` is a PEM file of the CA
/// certificates to trust instead of the built-in roots, or NULL for the built-in roots.
/// The seeds must then be the nodes' TLS ports. A client certificate set with
/// `slotwise_options_set_tls_client_cert` is kept.
///
/// # Safety
///
/// `options` is a live handle or NULL; `ca_file` is a NUL-terminated string or NULL.
#[no_mangle]
pub unsafe extern "C" fn slotwise_options_enable_tls(
    options: *mut slotwise_options,
    ca_file: *const c_char,
) -> slotwise_result {
    with_options("slotwise_options_enable_tls", options, |o| {
        let ca_file = if ca_file.is_null() {
            None
        } else {
            // SAFETY: non-NULL and NUL-terminated per the contract.
            Some(PathBuf::from(unsafe { arg_str(ca_file, "ca_file") }?))
        };
        o.opts.tls.get_or_insert_with(TlsOptions::default).ca_file = ca_file;
        Ok(())
    })
}

/// Presents a client certificate to nodes that require one (`tls-auth-clients yes`), and
/// enables TLS if it was not. `cert_file` is a PEM file with the certificate (and any
/// intermediates), `key_file` the PEM file of its private key (PKCS#8, PKCS#1 or SEC1); both
/// are read by `slotwise_client_connect`, which fails with `SLOTWISE_RESULT_INVALID_ARGUMENT`
/// naming the file if one cannot be read or they do not fit together. Both NULL removes the
/// client certificate; one NULL is an error.
///
/// # Safety
///
/// `options` is a live handle or NULL; the paths are NUL-terminated strings or NULL.
#[no_mangle]
pub unsafe extern "C" fn slotwise_options_set_tls_client_cert(
    options: *mut slotwise_options,
    cert_file: *const c_char,
    key_file: *const c_char,
) -> slotwise_result {
    with_options("slotwise_options_set_tls_client_cert", options, |o| {
        let (cert, key) = match (cert_file.is_null(), key_file.is_null()) {
            (true, true) => (None, None),
            (false, false) => (
                // SAFETY: non-NULL and NUL-terminated per the contract.
                Some(PathBuf::from(unsafe { arg_str(cert_file, "cert_file") }?)),
                // SAFETY: as above.
                Some(PathBuf::from(unsafe { arg_str(key_file, "key_file") }?)),
            ),
            (cert_missing, _) => {
                return Err(Failure::invalid(format!(
                    "{} is NULL: a client certificate needs both its certificate file and its \
                     key file (or both NULL to remove it)",
                    if cert_missing {
                        "cert_file"
                    } else {
                        "key_file"
                    }
                )))
            }
        };
        let tls = o.opts.tls.get_or_insert_with(TlsOptions::default);
        tls.client_cert_file = cert;
        tls.client_key_file = key;
        Ok(())
    })
}

/// Turns certificate verification off (`skip` true; testing only) or back on, and enables
/// TLS if it was not.
///
/// # Safety
///
/// `options` is a live handle or NULL.
#[no_mangle]
pub unsafe extern "C" fn slotwise_options_set_tls_insecure_skip_verify(
    options: *mut slotwise_options,
    skip: bool,
) -> slotwise_result {
    with_options(
        "slotwise_options_set_tls_insecure_skip_verify",
        options,
        |o| {
            o.opts
                .tls
                .get_or_insert_with(TlsOptions::default)
                .insecure_skip_verify = skip;
            Ok(())
        },
    )
}

/// Sets where read-only commands go: a `slotwise_read_policy` value.
///
/// # Safety
///
/// `options` is a live handle or NULL.
#[no_mangle]
pub unsafe extern "C" fn slotwise_options_set_read_policy(
    options: *mut slotwise_options,
    policy: c_uint,
) -> slotwise_result {
    with_options("slotwise_options_set_read_policy", options, |o| {
        o.opts.read_policy = match policy {
            p if p == slotwise_read_policy::Primary as c_uint => ReadPolicy::Primary,
            p if p == slotwise_read_policy::PreferReplica as c_uint => ReadPolicy::PreferReplica,
            p if p == slotwise_read_policy::RoundRobin as c_uint => ReadPolicy::RoundRobin,
            other => {
                return Err(Failure::invalid(format!(
                    "unknown read policy {other}: use SLOTWISE_READ_POLICY_PRIMARY, \
                     SLOTWISE_READ_POLICY_PREFER_REPLICA or SLOTWISE_READ_POLICY_ROUND_ROBIN"
                )))
            }
        };
        Ok(())
    })
}

/// Chooses RESP2 or RESP3: a `slotwise_protocol` value (2 or 3).
///
/// # Safety
///
/// `options` is a live handle or NULL.
#[no_mangle]
pub unsafe extern "C" fn slotwise_options_set_protocol(
    options: *mut slotwise_options,
    protocol: c_uint,
) -> slotwise_result {
    with_options("slotwise_options_set_protocol", options, |o| {
        o.opts.protocol = match protocol {
            2 => Protocol::Resp2,
            3 => Protocol::Resp3,
            other => {
                return Err(Failure::invalid(format!(
                "unknown protocol {other}: use SLOTWISE_PROTOCOL_RESP2 or SLOTWISE_PROTOCOL_RESP3"
            )))
            }
        };
        Ok(())
    })
}

/// Adds an entry to the address map: nodes announcing `announced` (`"host:port"`) are
/// reached at `reachable` instead (NAT, Docker, port forwards). Applied to the slot map and
/// to MOVED/ASK targets. Unlisted addresses are used as announced. Both strings are copied.
/// Both must be `"host:port"` (a host without whitespace or control characters, IPv6 in
/// brackets; a port from 1 to 65535): otherwise `SLOTWISE_RESULT_INVALID_ARGUMENT`, with a
/// message saying what is wrong.
///
/// # Safety
///
/// `options` is a live handle or NULL; the strings are NUL-terminated or NULL.
#[no_mangle]
pub unsafe extern "C" fn slotwise_options_map_address(
    options: *mut slotwise_options,
    announced: *const c_char,
    reachable: *const c_char,
) -> slotwise_result {
    with_options("slotwise_options_map_address", options, |o| {
        // SAFETY: NUL-terminated per the contract.
        let announced = unsafe { arg_str(announced, "announced") }?;
        // SAFETY: as above.
        let reachable = unsafe { arg_str(reachable, "reachable") }?;
        check_addr("announced address", announced)?;
        check_addr("reachable address", reachable)?;
        o.table.insert(announced.to_owned(), reachable.to_owned());
        Ok(())
    })
}

/// Sets a function that maps announced addresses (see `slotwise_address_map_fn`), consulted
/// for addresses the table of `slotwise_options_map_address` does not list. NULL `callback`
/// removes it. `userdata` is passed back untouched and must stay valid until every client
/// connected with these options has been freed (`slotwise_client_free` returns only once
/// the client's threads are done with it).
///
/// # Safety
///
/// `options` is a live handle or NULL; the callback honours `slotwise_address_map_fn`.
#[no_mangle]
pub unsafe extern "C" fn slotwise_options_set_address_map_callback(
    options: *mut slotwise_options,
    callback: slotwise_address_map_fn,
    userdata: *mut c_void,
) -> slotwise_result {
    with_options("slotwise_options_set_address_map_callback", options, |o| {
        o.callback = callback.map(|f| AddressCallback { f, userdata });
        Ok(())
    })
}

#[cfg(test)]
mod tests {
    use std::ffi::CStr;

    use super::*;

    #[test]
    fn seeds_must_be_host_port() {
        let o = slotwise_options_new();
        // SAFETY: a live handle and C string literals.
        unsafe {
            assert_eq!(
                slotwise_options_add_seed(o, c"127.0.0.1:7000".as_ptr()),
                slotwise_result::Ok
            );
            assert_eq!(
                slotwise_options_add_seed(o, c"[::1]:7000".as_ptr()),
                slotwise_result::Ok
            );
            for bad in [
                c"localhost",
                c":7000",
                c"host:0",
                c"host:99999",
                c"",
                c"a host:7000",
            ] {
                assert_eq!(
                    slotwise_options_add_seed(o, bad.as_ptr()),
                    slotwise_result::InvalidArgument
                );
            }
            assert_eq!((*o).opts.seeds, ["127.0.0.1:7000", "[::1]:7000"]);
            slotwise_options_free(o);
        }
    }

    unsafe extern "C" fn shift(
        _: *mut c_void,
        announced: *const c_char,
        out: *mut c_char,
        len: usize,
    ) -> c_int {
        // SAFETY: the library passes a C string and `len` writable bytes.
        let a = unsafe { CStr::from_ptr(announced) }.to_str().unwrap();
        match a.strip_prefix("10.0.0.5:") {
            Some(port) => {
                let s = format!("127.0.0.1:{port}\0");
                assert!(s.len() <= len);
                // SAFETY: s fits in `len` bytes.
                unsafe { std::ptr::copy_nonoverlapping(s.as_ptr(), out.cast(), s.len()) };
                1
            }
            None => 0,
        }
    }

    #[test]
    fn address_map_consults_the_table_then_the_callback() {
        let o = slotwise_options_new();
        // SAFETY: a live handle and C string literals.
        unsafe {
            slotwise_options_map_address(o, c"10.0.0.9:6379".as_ptr(), c"127.0.0.1:7009".as_ptr());
            slotwise_options_set_address_map_callback(o, Some(shift), std::ptr::null_mut());
            let map = (*o).client_options().0.address_map;
            assert_eq!(map.apply("10.0.0.9:6379".into()).unwrap(), "127.0.0.1:7009");
            assert_eq!(map.apply("10.0.0.5:7005".into()).unwrap(), "127.0.0.1:7005");
            assert_eq!(map.apply("10.0.0.7:7000".into()).unwrap(), "10.0.0.7:7000");
            slotwise_options_free(o);
        }
    }

    unsafe extern "C" fn garbage(
        _: *mut c_void,
        _: *const c_char,
        out: *mut c_char,
        _: usize,
    ) -> c_int {
        // SAFETY: the library passes at least 256 writable bytes.
        unsafe { std::ptr::copy_nonoverlapping(c"no-port".as_ptr(), out, 8) };
        1
    }

    #[test]
    fn an_invalid_callback_output_is_an_error_for_the_core_and_a_recorded_fault() {
        let o = slotwise_options_new();
        // SAFETY: a live handle and C string literals.
        unsafe {
            slotwise_options_map_address(o, c"10.0.0.9:6379".as_ptr(), c"127.0.0.1:7009".as_ptr());
            slotwise_options_set_address_map_callback(o, Some(garbage), std::ptr::null_mut());
            let (opts, faults) = (*o).client_options();
            assert_eq!(
                opts.address_map.apply("10.0.0.9:6379".into()).unwrap(),
                "127.0.0.1:7009"
            );
            assert!(
                faults.take("t").is_none(),
                "the table answered; no callback call"
            );
            // Not the announced address: an error, so that nothing is sent there.
            let refused = opts.address_map.apply("10.0.0.5:7005".into()).unwrap_err();
            assert!(
                refused.contains("\"no-port\", which is not a host:port"),
                "{refused}"
            );
            let fault = faults.take("t").expect("the invalid output is recorded");
            assert!(fault
                .message
                .contains("\"no-port\", which is not a host:port"));
            slotwise_options_free(o);
        }
    }

    #[test]
    fn refresh_intervals_below_the_documented_100_ms_floor_are_raised_to_it() {
        let o = slotwise_options_new();
        // SAFETY: a live handle.
        unsafe {
            assert_eq!(
                slotwise_options_set_refresh_interval_ms(o, 1),
                slotwise_result::Ok
            );
            // What the client applies when it connects.
            let opts = (*o).client_options().0.normalized();
            assert_eq!(opts.refresh_interval, Duration::from_millis(100));
            slotwise_options_free(o);
        }
    }
}
