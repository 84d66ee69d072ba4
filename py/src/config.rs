//! `_native.Config`: every client option, checked once and shared by the sync and asyncio
//! clients. The Python facade maps redis-py's keyword names onto it.

use std::path::PathBuf;
use std::time::Duration;

use pyo3::prelude::*;
use pyo3::types::{PyBool, PyDict, PyInt, PyList, PyString, PyTuple};
use slotwise::topology::AddressMap;
use slotwise::{ClientOptions, Keepalive, Protocol, ReadPolicy, TlsOptions};

use crate::{batch, errors};

/// Checked client options (build it through `slotwise.Cluster`'s keywords).
#[pyclass(frozen, module = "slotwise._native")]
pub struct Config {
    pub opts: ClientOptions,
    pub decode: bool,
}

fn duration(py: Python<'_>, what: &str, secs: Option<f64>) -> PyResult<Option<Duration>> {
    match secs {
        None => Ok(None),
        Some(s) if s.is_finite() && s > 0.0 => Ok(Some(Duration::from_secs_f64(s))),
        Some(s) => Err(errors::data_error(
            py,
            format!("{what} must be a positive number of seconds, not {s}"),
        )),
    }
}

/// `repr(v)`, shortened, for messages about a value the application gave.
fn shown(v: &Bound<'_, PyAny>) -> String {
    let repr = v
        .repr()
        .map_or_else(|_| "<unrepresentable>".to_string(), |r| r.to_string());
    match repr.char_indices().nth(120) {
        Some((cut, _)) => format!("{}...", &repr[..cut]),
        None => repr,
    }
}

fn type_name(v: &Bound<'_, PyAny>) -> String {
    v.get_type()
        .name()
        .map_or_else(|_| "?".to_string(), |n| n.to_string())
}

/// An address given in Python as a `"host:port"` str or exactly a `(host, port)` pair
/// (tuple or list; host a str, port an int), as the core's `host:port` string. Its validity
/// (host, port range) is the core's check; this only refuses values of the wrong shape.
fn address_of(v: &Bound<'_, PyAny>) -> Result<String, String> {
    if let Ok(s) = v.cast::<PyString>() {
        return s
            .to_str()
            .map(str::to_owned)
            .map_err(|_| format!("{}: a str that is not valid UTF-8", shown(v)));
    }
    let items: Vec<Bound<'_, PyAny>> = if let Ok(t) = v.cast::<PyTuple>() {
        t.iter().collect()
    } else if let Ok(l) = v.cast::<PyList>() {
        l.iter().collect()
    } else {
        return Err(format!(
            "{}: a {} is neither a \"host:port\" str nor a (host, port) pair",
            shown(v),
            type_name(v)
        ));
    };
    let [host, port] = &items[..] else {
        return Err(format!(
            "{}: a {} of {} items, not a (host, port) pair",
            shown(v),
            type_name(v),
            items.len()
        ));
    };
    let Ok(host) = host.cast::<PyString>() else {
        return Err(format!(
            "{}: the host {} is a {}, not a str",
            shown(v),
            shown(host),
            type_name(host)
        ));
    };
    let host = host
        .to_str()
        .map_err(|_| format!("{}: the host is not valid UTF-8", shown(v)))?;
    if !port.is_instance_of::<PyInt>() || port.is_instance_of::<PyBool>() {
        return Err(format!(
            "{}: the port {} is a {}, not an int",
            shown(v),
            shown(port),
            type_name(port)
        ));
    }
    // Written as the int it is (-5, 70000): the core's check names it if it is no port.
    match port.extract::<i64>() {
        Ok(port) => Ok(AddressMap::join(host, port)),
        Err(_) => Err(format!(
            "{}: the port {} is not a number from 1 to 65535",
            shown(v),
            shown(port)
        )),
    }
}

fn build_address_map(py: Python<'_>, m: Option<Bound<'_, PyAny>>) -> PyResult<AddressMap> {
    let Some(m) = m else {
        return Ok(AddressMap::Identity);
    };
    if m.is_none() {
        return Ok(AddressMap::Identity);
    }
    if let Ok(d) = m.cast::<PyDict>() {
        // Every entry is checked now, not when a node happens to announce its address.
        let mut pairs = Vec::with_capacity(d.len());
        for (k, v) in d.iter() {
            let entry = |problem: String| {
                errors::data_error(
                    py,
                    format!(
                        "address_remap entry {}: {}: {problem}; give \"host:port\" strs or \
                         (host, port) pairs",
                        shown(&k),
                        shown(&v)
                    ),
                )
            };
            pairs.push((
                address_of(&k).map_err(entry)?,
                address_of(&v).map_err(entry)?,
            ));
        }
        return AddressMap::checked_table(pairs)
            .map_err(|e| errors::data_error(py, format!("address_remap: {e}")));
    }
    if !m.is_callable() {
        return Err(errors::data_error(
            py,
            "address_remap must be a dict or a callable",
        ));
    }
    let f = m.unbind();
    // A callback that raises or answers something that is not an address fails what needed
    // the address (the slot map view, or the redirect) with a DataError saying so, instead
    // of sending anything where the application did not choose. The core checks that an
    // answer of the right shape is a usable address.
    Ok(AddressMap::fallible(move |addr: &str| {
        // Called from whichever thread learns a topology (with no GIL held): attach here.
        Python::attach(|py| match f.call1(py, (addr,)) {
            Ok(v) if v.is_none(py) => Ok(None),
            Ok(v) => address_of(v.bind(py)).map(Some).map_err(|problem| {
                format!(
                    "address_remap returned {problem}; return a \"host:port\" str, a \
                     (host, port) tuple, or None to keep the announced address"
                )
            }),
            Err(e) => Err(format!("address_remap raised {e}")),
        })
    }))
}

#[pymethods]
impl Config {
    #[new]
    #[pyo3(signature = (
        seeds, *, username=None, password=None, decode_responses=false, read_policy="primary",
        connect_timeout=None, request_timeout=None, max_redirects=None, max_retries=None,
        refresh_interval=None, tls=false, tls_ca_file=None, tls_insecure=false,
        tls_client_cert=None, tls_client_key=None, address_map=None, protocol=2,
        client_name=None, lib_name=None, lib_version=None, tcp_keepalive=false,
        tcp_keepalive_idle=None, tcp_keepalive_interval=None, tcp_keepalive_count=None
    ))]
    #[allow(clippy::too_many_arguments)]
    fn new(
        py: Python<'_>,
        seeds: Vec<String>,
        username: Option<String>,
        password: Option<String>,
        decode_responses: bool,
        read_policy: &str,
        connect_timeout: Option<f64>,
        request_timeout: Option<f64>,
        max_redirects: Option<u32>,
        max_retries: Option<u32>,
        refresh_interval: Option<f64>,
        tls: bool,
        tls_ca_file: Option<PathBuf>,
        tls_insecure: bool,
        tls_client_cert: Option<PathBuf>,
        tls_client_key: Option<PathBuf>,
        address_map: Option<Bound<'_, PyAny>>,
        protocol: u8,
        client_name: Option<String>,
        lib_name: Option<String>,
        lib_version: Option<String>,
        tcp_keepalive: bool,
        tcp_keepalive_idle: Option<f64>,
        tcp_keepalive_interval: Option<f64>,
        tcp_keepalive_count: Option<u32>,
    ) -> PyResult<Config> {
        if seeds.is_empty() {
            return Err(errors::data_error(
                py,
                "no startup nodes given: pass at least one \"host:port\"",
            ));
        }
        let mut opts = ClientOptions::new(seeds);
        if let Some(name) = client_name {
            opts = opts.client_name(name);
        }
        opts = opts.lib_info(lib_name, lib_version);
        if tcp_keepalive {
            opts = opts.keepalive(Keepalive {
                idle: duration(py, "tcp_keepalive_idle", tcp_keepalive_idle)?,
                interval: duration(py, "tcp_keepalive_interval", tcp_keepalive_interval)?,
                retries: tcp_keepalive_count,
            });
        }
        if let Some(d) = duration(py, "connect_timeout", connect_timeout)? {
            opts = opts.connect_timeout(d);
        }
        if let Some(d) = duration(py, "request_timeout", request_timeout)? {
            opts = opts.request_timeout(d);
        }
        if let Some(d) = duration(py, "refresh_interval", refresh_interval)? {
            opts = opts.refresh_interval(d);
        }
        if let Some(n) = max_redirects {
            opts = opts.max_redirects(n);
        }
        if let Some(n) = max_retries {
            let (base, cap) = (opts.retry_base_delay, opts.retry_max_delay);
            opts = opts.retries(n, base, cap);
        }
        opts = opts.read_policy(match read_policy {
            "primary" => ReadPolicy::Primary,
            "prefer_replica" => ReadPolicy::PreferReplica,
            "round_robin" => ReadPolicy::RoundRobin,
            other => {
                return Err(errors::data_error(
                    py,
                    format!(
                        "read_policy must be \"primary\", \"prefer_replica\" or \"round_robin\", not {other:?}"
                    ),
                ))
            }
        });
        match (username, password) {
            (Some(u), Some(p)) => opts = opts.user(u, p),
            (None, Some(p)) => opts = opts.password(p),
            // As redis-py: a user without a password (an ACL `nopass` user) authenticates
            // with an empty one.
            (Some(u), None) => opts = opts.user(u, ""),
            (None, None) => {}
        }
        if tls || tls_ca_file.is_some() || tls_insecure || tls_client_cert.is_some() {
            opts = opts.tls(TlsOptions {
                ca_file: tls_ca_file,
                insecure_skip_verify: tls_insecure,
                client_cert_file: tls_client_cert,
                client_key_file: tls_client_key,
            });
        }
        opts = opts.protocol(match protocol {
            2 => Protocol::Resp2,
            3 => Protocol::Resp3,
            other => {
                return Err(errors::data_error(
                    py,
                    format!("protocol must be 2 or 3, not {other}"),
                ))
            }
        });
        opts = opts.address_map(build_address_map(py, address_map)?);
        Ok(Config {
            opts,
            decode: decode_responses,
        })
    }

    /// The seed addresses.
    #[getter]
    fn seeds(&self) -> Vec<String> {
        self.opts.seeds.clone()
    }

    /// Whether replies are decoded to `str`.
    #[getter]
    fn decode_responses(&self) -> bool {
        self.decode
    }

    /// The deadline, in seconds, of a request of `commands` (argv tuples): the request
    /// timeout, plus for a command that blocks on the server (BLPOP 5, XREAD BLOCK 100...)
    /// the time it may block. The asyncio facade waits that long for the client to connect.
    fn request_budget(&self, commands: &Bound<'_, PyList>) -> PyResult<f64> {
        let (p, _) = batch::pipeline(commands, false, None)?;
        Ok(self.opts.request_budget(p.commands()).as_secs_f64())
    }

    /// The `TimeoutError` (an instance, to raise) of a request that spent its deadline,
    /// `waited` seconds, waiting for the client to discover the cluster; with
    /// `connected_after`, the cluster was discovered that many seconds into the deadline
    /// and no reply came in the rest.
    #[pyo3(signature = (waited, connected_after=None))]
    fn still_connecting_error(
        &self,
        py: Python<'_>,
        waited: f64,
        connected_after: Option<f64>,
    ) -> Py<PyAny> {
        let secs = |s: f64| Duration::try_from_secs_f64(s).unwrap_or_default();
        let e = self
            .opts
            .discovery_timeout(secs(waited), connected_after.map(secs));
        errors::to_py_in(py, e).into_value(py).into_any()
    }

    fn __repr__(&self) -> String {
        // ClientOptions' Debug never shows the password.
        format!("Config({:?})", self.opts.seeds)
    }
}
