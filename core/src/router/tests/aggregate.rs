//! Combining split and fanned-out replies: every node's answer counts.

use std::sync::Arc;

use bytes::Bytes;

use crate::command::Aggregate;
use crate::error::Error;
use crate::resp::Value;

use super::super::aggregate::combine;
use super::super::plan::Combine;
use super::{P0, P1, P2};

fn ok() -> Value {
    Value::Simple(Bytes::from_static(b"OK"))
}

fn err(text: &'static str) -> Value {
    Value::Error(Bytes::from_static(text.as_bytes()))
}

/// One node's part: node, key positions, result.
type Part = (Arc<str>, Vec<usize>, Result<Value, Error>);

fn parts(values: Vec<Value>) -> Vec<Part> {
    [P0, P1, P2]
        .iter()
        .zip(values)
        .enumerate()
        .map(|(i, (n, v))| (Arc::from(*n), vec![i], Ok(v)))
        .collect()
}

#[test]
fn all_ok_fails_when_any_node_refused() {
    let got = combine(
        Combine::Fanout(Aggregate::AllOk),
        parts(vec![
            ok(),
            err("READONLY You can't write against a read only replica."),
            ok(),
        ]),
    );
    assert_eq!(
        got.unwrap(),
        err("READONLY You can't write against a read only replica.")
    );
    let all = combine(
        Combine::Fanout(Aggregate::AllOk),
        parts(vec![ok(), ok(), ok()]),
    );
    assert_eq!(all.unwrap(), ok());
}

#[test]
fn sum_and_gather_pass_a_node_error_through() {
    let sum = combine(
        Combine::Fanout(Aggregate::Sum),
        parts(vec![Value::Int(2), err("ERR boom"), Value::Int(3)]),
    );
    assert_eq!(sum.unwrap(), err("ERR boom"));
    let split = combine(
        Combine::Split(Aggregate::Gather, 3),
        parts(vec![
            Value::Array(vec![Value::Nil]),
            err("WRONGTYPE Operation against a key holding the wrong kind of value"),
            Value::Array(vec![Value::Nil]),
        ]),
    );
    assert!(split.unwrap().is_error());
}

#[test]
fn per_node_keeps_each_nodes_own_reply() {
    let got = combine(
        Combine::Fanout(Aggregate::PerNode),
        parts(vec![ok(), err("ERR nope"), ok()]),
    )
    .unwrap();
    let Value::Map(m) = got else {
        panic!("expected a map")
    };
    assert_eq!(m.len(), 3);
    assert_eq!(m[1].1, err("ERR nope"));
}

#[test]
fn logical_and_rejects_replies_of_different_lengths() {
    let ints = |v: &[i64]| Value::Array(v.iter().map(|&i| Value::Int(i)).collect());
    let same = combine(
        Combine::Fanout(Aggregate::LogicalAnd),
        parts(vec![ints(&[1, 1]), ints(&[1, 0]), ints(&[1, 1])]),
    );
    assert_eq!(same.unwrap(), ints(&[1, 0]));
    let short = combine(
        Combine::Fanout(Aggregate::LogicalAnd),
        parts(vec![ints(&[1, 1]), ints(&[1]), ints(&[1, 1])]),
    );
    assert!(matches!(short, Err(Error::Type { .. })), "{short:?}");
}
