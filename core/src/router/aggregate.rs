//! Combining the replies of split and fanned-out commands into one reply.

use std::sync::Arc;

use bytes::Bytes;

use crate::command::Aggregate;
use crate::error::Error;
use crate::resp::Value;

use super::plan::Combine;

type Part = (Arc<str>, Vec<usize>, Result<Value, Error>);

fn int_of(v: &Value) -> Result<i64, Error> {
    match v {
        Value::Int(i) => Ok(*i),
        other => Err(Error::Type {
            expected: "integer (to sum the nodes' replies)",
            got: other.type_name(),
        }),
    }
}

fn items_of(v: Value) -> Result<Vec<Value>, Error> {
    match v {
        Value::Array(a) | Value::Set(a) => Ok(a),
        other => Err(Error::Type {
            expected: "array (to combine the nodes' replies)",
            got: other.type_name(),
        }),
    }
}

/// Combines sub-results. The first failed part fails the whole item: a partial MGET or
/// DBSIZE would silently lie.
pub(crate) fn combine(how: Combine, parts: Vec<Part>) -> Result<Value, Error> {
    match how {
        Combine::Single | Combine::Transaction | Combine::Follow(_) => parts
            .into_iter()
            .next()
            .map_or(Err(Error::Closed), |(_, _, r)| r),
        Combine::Split(agg, nkeys) => {
            let ok = match successes(agg, parts)? {
                Ok(ok) => ok,
                Err(error_reply) => return Ok(error_reply),
            };
            match agg {
                Aggregate::Gather => {
                    let mut out = vec![Value::Nil; nkeys];
                    for (_, pos, v) in ok {
                        for (p, item) in pos.into_iter().zip(items_of(v)?) {
                            if let Some(slot) = out.get_mut(p) {
                                *slot = item;
                            }
                        }
                    }
                    Ok(Value::Array(out))
                }
                other => fanout(other, ok),
            }
        }
        Combine::Fanout(agg) => match successes(agg, parts)? {
            Ok(ok) => fanout(agg, ok),
            Err(error_reply) => Ok(error_reply),
        },
    }
}

type Replies = Vec<(Arc<str>, Vec<usize>, Value)>;

/// The parts' replies, or the first failure: an `Err` part fails the item, and so does an
/// error reply from any node (`Ok(Err(reply))`: a FLUSHALL refused by one primary must not
/// read as OK because another said OK). Per-node results keep every node's own reply.
fn successes(agg: Aggregate, parts: Vec<Part>) -> Result<Result<Replies, Value>, Error> {
    let mut ok = Vec::with_capacity(parts.len());
    for (node, pos, r) in parts {
        let v = r?;
        if v.is_error() && !matches!(agg, Aggregate::PerNode) {
            return Ok(Err(v));
        }
        ok.push((node, pos, v));
    }
    Ok(Ok(ok))
}

fn fanout(agg: Aggregate, parts: Replies) -> Result<Value, Error> {
    match agg {
        Aggregate::Sum => {
            let mut sum = 0i64;
            for (_, _, v) in &parts {
                sum = sum.saturating_add(int_of(v)?);
            }
            Ok(Value::Int(sum))
        }
        Aggregate::Concat | Aggregate::Gather => {
            let mut all = Vec::new();
            for (_, _, v) in parts {
                all.extend(items_of(v)?);
            }
            Ok(Value::Array(all))
        }
        Aggregate::AllOk => Ok(parts
            .into_iter()
            .next()
            .map_or(Value::Simple(Bytes::from_static(b"OK")), |(_, _, v)| v)),
        Aggregate::PerNode => Ok(Value::Map(
            parts
                .into_iter()
                .map(|(node, _, v)| (Value::Bulk(Bytes::copy_from_slice(node.as_bytes())), v))
                .collect(),
        )),
        Aggregate::LogicalAnd => {
            let mut acc: Option<Vec<i64>> = None;
            for (_, _, v) in parts {
                let ints = items_of(v)?
                    .iter()
                    .map(int_of)
                    .collect::<Result<Vec<_>, _>>()?;
                acc = Some(match acc {
                    None => ints,
                    Some(a) if a.len() != ints.len() => {
                        return Err(Error::Type {
                            expected: "one answer per script from every primary",
                            got: "replies of different lengths",
                        })
                    }
                    Some(a) => a
                        .iter()
                        .zip(&ints)
                        .map(|(x, y)| (*x != 0 && *y != 0) as i64)
                        .collect(),
                });
            }
            Ok(Value::Array(
                acc.unwrap_or_default()
                    .into_iter()
                    .map(Value::Int)
                    .collect(),
            ))
        }
    }
}
