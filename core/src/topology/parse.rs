//! Parsing CLUSTER SHARDS (Redis 7+) and CLUSTER SLOTS replies, RESP2 or RESP3.

use std::sync::Arc;

use crate::resp::Value;
use crate::slot::SLOT_COUNT;

use super::{AddressMap, Health, Node, Role, Shard, Topology};

/// Where the reply came from: used for NULL, empty and `?` endpoints.
struct Ctx<'a> {
    answering_host: &'a str,
    map: &'a AddressMap,
    tls: bool,
}

fn text(v: &Value) -> Option<String> {
    v.as_bytes()
        .map(|b| String::from_utf8_lossy(b).into_owned())
}

fn int(v: &Value) -> Option<i64> {
    match v {
        Value::Int(i) => Some(*i),
        other => text(other)?.parse().ok(),
    }
}

/// Key/value pairs of a RESP3 map or a RESP2 flat array.
fn pairs(v: &Value) -> Option<Vec<(&Value, &Value)>> {
    match v {
        Value::Map(m) => Some(m.iter().map(|(k, v)| (k, v)).collect()),
        Value::Array(a) if a.len() % 2 == 0 => {
            Some(a.chunks_exact(2).map(|c| (&c[0], &c[1])).collect())
        }
        _ => None,
    }
}

fn field<'v>(kv: &[(&'v Value, &'v Value)], name: &str) -> Option<&'v Value> {
    kv.iter()
        .find(|(k, _)| {
            k.as_bytes()
                .is_some_and(|b| b.eq_ignore_ascii_case(name.as_bytes()))
        })
        .map(|(_, v)| *v)
}

fn host_or_answering(host: Option<String>, ctx: &Ctx<'_>) -> String {
    match host {
        Some(h) if !h.is_empty() && h != "?" => h,
        _ => ctx.answering_host.to_string(),
    }
}

fn address(host: &str, port: u16, ctx: &Ctx<'_>) -> Result<Arc<str>, ParseError> {
    let raw = AddressMap::join(host, port);
    if let Err(problem) = AddressMap::check_address(&raw) {
        return Err(ParseError::Reply(format!(
            "a node announces the invalid host \"{}\" ({}); fix the node's \
             cluster-announce-hostname / cluster-announce-ip",
            crate::error::escape_controls(host),
            crate::error::escape_controls(&problem)
        )));
    }
    ctx.map
        .apply(raw)
        .map(Into::into)
        .map_err(ParseError::AddressMap)
}

/// Why a topology reply gave no view.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ParseError {
    /// The reply is malformed; the text says where.
    Reply(String),
    /// The address map failed for an announced address; the text says why.
    AddressMap(String),
}

impl std::fmt::Display for ParseError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            ParseError::Reply(m) | ParseError::AddressMap(m) => f.write_str(m),
        }
    }
}

impl From<String> for ParseError {
    fn from(m: String) -> ParseError {
        ParseError::Reply(m)
    }
}

impl From<&str> for ParseError {
    fn from(m: &str) -> ParseError {
        ParseError::Reply(m.to_string())
    }
}

fn to_range(a: i64, b: i64) -> Option<(u16, u16)> {
    let max = SLOT_COUNT as i64 - 1;
    if !(0..=max).contains(&a) || !(0..=max).contains(&b) || a > b {
        return None;
    }
    Some((a as u16, b as u16))
}

/// Parses a CLUSTER SHARDS reply. `answering_host` is the host of the node that answered
/// (used for NULL, empty and `?` endpoints); `tls` selects `tls-port` when present.
///
/// # Errors
///
/// A description of the first malformed part.
pub fn parse_shards(
    reply: &Value,
    answering_host: &str,
    map: &AddressMap,
    tls: bool,
) -> Result<Topology, ParseError> {
    let ctx = Ctx {
        answering_host,
        map,
        tls,
    };
    let Value::Array(shards) = reply else {
        return Err(format!(
            "CLUSTER SHARDS: expected an array, got a {}",
            reply.type_name()
        )
        .into());
    };
    let mut out = Vec::with_capacity(shards.len());
    for shard in shards {
        let kv = pairs(shard).ok_or("CLUSTER SHARDS: a shard is not a map")?;
        let mut ranges = Vec::new();
        if let Some(Value::Array(s)) = field(&kv, "slots") {
            for c in s.chunks_exact(2) {
                let (a, b) = (int(&c[0]), int(&c[1]));
                let r = a.zip(b).and_then(|(a, b)| to_range(a, b));
                ranges.push(r.ok_or("CLUSTER SHARDS: invalid slot range")?);
            }
        }
        let Some(Value::Array(nodes)) = field(&kv, "nodes") else {
            return Err("CLUSTER SHARDS: a shard has no node list".into());
        };
        let mut primaries = Vec::new();
        let mut replicas = Vec::new();
        for n in nodes {
            let nkv = pairs(n).ok_or("CLUSTER SHARDS: a node is not a map")?;
            let port = if ctx.tls {
                // A server with `tls-cluster no` announces no TLS port: falling back to the
                // plain port would try TLS where the node speaks plain RESP.
                field(&nkv, "tls-port").and_then(int).ok_or(
                    "CLUSTER SHARDS: TLS is on but the node announces no tls-port; set tls-cluster yes on the servers (Redis only announces TLS ports then)",
                )?
            } else {
                field(&nkv, "port")
                    .and_then(int)
                    .ok_or("CLUSTER SHARDS: a node has no valid port")?
            };
            let port =
                u16::try_from(port).map_err(|_| "CLUSTER SHARDS: a node has no valid port")?;
            let host = field(&nkv, "endpoint")
                .and_then(text)
                .filter(|h| !h.is_empty() && h != "?")
                .or_else(|| field(&nkv, "ip").and_then(text));
            let role = match field(&nkv, "role").and_then(text).as_deref() {
                Some("master") => Role::Primary,
                _ => Role::Replica,
            };
            let health = match field(&nkv, "health").and_then(text).as_deref() {
                Some("fail") | Some("failed") => Health::Failed,
                Some("loading") => Health::Loading,
                _ => Health::Online,
            };
            let node = Node {
                addr: address(&host_or_answering(host, &ctx), port, &ctx)?,
                id: field(&nkv, "id").and_then(text),
                role,
                health,
            };
            match role {
                Role::Primary => primaries.push(node),
                Role::Replica => replicas.push(node),
            }
        }
        // After a failover the dead former primary may still be listed as a failed master:
        // the serving primary is the healthy one.
        primaries.sort_by_key(|n| n.health != Health::Online);
        let mut primaries = primaries.into_iter();
        let Some(primary) = primaries.next() else {
            continue; // a shard whose primary is unknown serves nothing
        };
        replicas.extend(primaries.map(|mut n| {
            n.role = Role::Replica;
            n
        }));
        out.push(Shard {
            primary,
            replicas,
            ranges,
        });
    }
    Topology::from_reported_shards(out).map_err(|e| format!("CLUSTER SHARDS: {e}").into())
}

/// Parses a CLUSTER SLOTS reply (the fallback for servers before Redis 7).
///
/// # Errors
///
/// A description of the first malformed part.
pub fn parse_slots(
    reply: &Value,
    answering_host: &str,
    map: &AddressMap,
) -> Result<Topology, ParseError> {
    let ctx = Ctx {
        answering_host,
        map,
        tls: false,
    };
    let Value::Array(entries) = reply else {
        return Err(format!(
            "CLUSTER SLOTS: expected an array, got a {}",
            reply.type_name()
        )
        .into());
    };
    let mut shards: Vec<Shard> = Vec::new();
    for e in entries {
        let Value::Array(parts) = e else {
            return Err("CLUSTER SLOTS: an entry is not an array".into());
        };
        if parts.len() < 3 {
            return Err("CLUSTER SLOTS: an entry has no primary".into());
        }
        let range = int(&parts[0])
            .zip(int(&parts[1]))
            .and_then(|(a, b)| to_range(a, b))
            .ok_or("CLUSTER SLOTS: invalid slot range")?;
        let mut nodes = Vec::new();
        for (i, n) in parts[2..].iter().enumerate() {
            let Value::Array(f) = n else {
                return Err("CLUSTER SLOTS: a node is not an array".into());
            };
            let host = f.first().and_then(text);
            let port = f
                .get(1)
                .and_then(int)
                .and_then(|p| u16::try_from(p).ok())
                .ok_or("CLUSTER SLOTS: a node has no valid port")?;
            nodes.push(Node {
                addr: address(&host_or_answering(host, &ctx), port, &ctx)?,
                id: f.get(2).and_then(text),
                role: if i == 0 { Role::Primary } else { Role::Replica },
                health: Health::Online,
            });
        }
        let mut nodes = nodes.into_iter();
        let Some(primary) = nodes.next() else {
            continue;
        };
        match shards.iter_mut().find(|s| s.primary.addr == primary.addr) {
            Some(s) => s.ranges.push(range),
            None => shards.push(Shard {
                primary,
                replicas: nodes.collect(),
                ranges: vec![range],
            }),
        }
    }
    Topology::from_reported_shards(shards).map_err(|e| format!("CLUSTER SLOTS: {e}").into())
}
