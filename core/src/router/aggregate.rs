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
        Combine::Single | Combine::Transaction => parts
            .into_iter()
            .next()
            .map_or(Err(Error::Closed), |(_, _, r)| r),
        Combine::Split(agg, nkeys) => {
            let mut ok = Vec::with_capacity(parts.len());
            for (node, pos, r) in parts {
                ok.push((node, pos, r?));
            }
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
        Combine::Fanout(agg) => {
            let mut ok = Vec::with_capacity(parts.len());
            for (node, pos, r) in parts {
                ok.push((node, pos, r?));
            }
            fanout(agg, ok)
        }
    }
}

fn fanout(agg: Aggregate, parts: Vec<(Arc<str>, Vec<usize>, Value)>) -> Result<Value, Error> {
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
