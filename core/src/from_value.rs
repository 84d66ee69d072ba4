//! Converting replies into Rust types: `get::<String>`, `get::<Option<Vec<u8>>>`,
//! `incr::<i64>`.

use std::collections::{HashMap, HashSet};
use std::hash::Hash;

use bytes::Bytes;

use crate::error::Error;
use crate::resp::Value;

/// A type a reply can be converted into.
///
/// # Examples
///
/// ```
/// use slotwise::{FromValue, resp::Value};
/// assert_eq!(String::from_value(Value::Bulk("hi".into())).unwrap(), "hi");
/// assert_eq!(Option::<i64>::from_value(Value::Nil).unwrap(), None);
/// assert_eq!(i64::from_value(Value::Bulk("42".into())).unwrap(), 42);
/// ```
pub trait FromValue: Sized {
    /// Converts, or says which type was expected and which arrived.
    ///
    /// # Errors
    ///
    /// [`Error::Type`] when the reply has another shape; [`Error::Server`] never (error
    /// replies are turned into errors before conversion).
    fn from_value(v: Value) -> Result<Self, Error>;

    /// How a `Vec<Self>` is read: element by element, except `Vec<u8>`, which is the bytes
    /// of a string reply.
    #[doc(hidden)]
    fn vec_from_value(v: Value) -> Result<Vec<Self>, Error> {
        elements(v, "Vec")?
            .into_iter()
            .map(Self::from_value)
            .collect()
    }
}

fn mismatch<T>(expected: &'static str, v: &Value) -> Result<T, Error> {
    Err(Error::Type {
        expected,
        got: v.type_name(),
    })
}

impl FromValue for Value {
    fn from_value(v: Value) -> Result<Self, Error> {
        Ok(v)
    }
}

impl FromValue for () {
    fn from_value(_: Value) -> Result<Self, Error> {
        Ok(())
    }
}

impl FromValue for Bytes {
    fn from_value(v: Value) -> Result<Self, Error> {
        match v.without_attributes() {
            Value::Bulk(b) | Value::Simple(b) | Value::BigNumber(b) => Ok(b),
            Value::Verbatim { text, .. } => Ok(text),
            Value::Int(i) => Ok(Bytes::from(i.to_string())),
            Value::Double(d) => Ok(Bytes::from(d.to_string())),
            other => mismatch("bytes", &other),
        }
    }
}

impl FromValue for String {
    fn from_value(v: Value) -> Result<Self, Error> {
        let b = Bytes::from_value(v)?;
        String::from_utf8(b.into()).map_err(|_| Error::Type {
            expected: "String (valid UTF-8)",
            got: "binary bulk string; read it as Vec<u8> or Bytes",
        })
    }
}

macro_rules! int_from_value {
    ($($t:ty),*) => {$(
        impl FromValue for $t {
            int_from_value!(@body $t);
        }
    )*};
    (@body $t:ty) => {
            fn from_value(v: Value) -> Result<Self, Error> {
                let v = v.without_attributes();
                let n: Option<$t> = match &v {
                    Value::Int(i) => <$t>::try_from(*i).ok(),
                    Value::Bulk(b) | Value::Simple(b) | Value::BigNumber(b) => {
                        std::str::from_utf8(b).ok().and_then(|s| s.parse().ok())
                    }
                    Value::Boolean(b) => Some(*b as $t),
                    _ => None,
                };
                n.map_or_else(|| mismatch(stringify!($t), &v), Ok)
            }
    };
}
int_from_value!(i8, i16, i32, i64, isize, u16, u32, u64, usize);

impl FromValue for u8 {
    int_from_value!(@body u8);

    fn vec_from_value(v: Value) -> Result<Vec<u8>, Error> {
        Bytes::from_value(v).map(Vec::from)
    }
}

impl FromValue for f64 {
    fn from_value(v: Value) -> Result<Self, Error> {
        let v = v.without_attributes();
        let n = match &v {
            Value::Double(d) => Some(*d),
            Value::Int(i) => Some(*i as f64),
            Value::Bulk(b) | Value::Simple(b) => {
                std::str::from_utf8(b).ok().and_then(|s| match s {
                    "inf" | "+inf" => Some(f64::INFINITY),
                    "-inf" => Some(f64::NEG_INFINITY),
                    s => s.parse().ok(),
                })
            }
            _ => None,
        };
        n.map_or_else(|| mismatch("f64", &v), Ok)
    }
}

impl FromValue for bool {
    fn from_value(v: Value) -> Result<Self, Error> {
        match v.without_attributes() {
            Value::Boolean(b) => Ok(b),
            Value::Int(i) => Ok(i != 0),
            Value::Simple(s) if &s[..] == b"OK" => Ok(true),
            Value::Nil => Ok(false),
            Value::Bulk(b) if &b[..] == b"1" || &b[..] == b"0" => Ok(&b[..] == b"1"),
            other => mismatch("bool", &other),
        }
    }
}

impl<T: FromValue> FromValue for Option<T> {
    fn from_value(v: Value) -> Result<Self, Error> {
        match v.without_attributes() {
            Value::Nil => Ok(None),
            other => T::from_value(other).map(Some),
        }
    }
}

fn elements(v: Value, expected: &'static str) -> Result<Vec<Value>, Error> {
    match v.without_attributes() {
        Value::Array(a) | Value::Set(a) | Value::Push(a) => Ok(a),
        Value::Map(m) => Ok(m.into_iter().flat_map(|(k, v)| [k, v]).collect()),
        Value::Nil => Ok(Vec::new()),
        other => mismatch(expected, &other),
    }
}

impl<T: FromValue> FromValue for Vec<T> {
    fn from_value(v: Value) -> Result<Self, Error> {
        T::vec_from_value(v)
    }
}

impl<T: FromValue + Eq + Hash> FromValue for HashSet<T> {
    fn from_value(v: Value) -> Result<Self, Error> {
        elements(v, "HashSet")?
            .into_iter()
            .map(T::from_value)
            .collect()
    }
}

impl<K: FromValue + Eq + Hash, V: FromValue> FromValue for HashMap<K, V> {
    fn from_value(v: Value) -> Result<Self, Error> {
        let pairs = match v.without_attributes() {
            Value::Map(m) => m,
            other => {
                let flat = elements(other, "HashMap")?;
                if flat.len() % 2 != 0 {
                    return Err(Error::Type {
                        expected: "HashMap (an even number of elements)",
                        got: "array of odd length",
                    });
                }
                let mut it = flat.into_iter();
                let mut pairs = Vec::new();
                while let (Some(k), Some(v)) = (it.next(), it.next()) {
                    pairs.push((k, v));
                }
                pairs
            }
        };
        pairs
            .into_iter()
            .map(|(k, v)| Ok((K::from_value(k)?, V::from_value(v)?)))
            .collect()
    }
}

impl<A: FromValue, B: FromValue> FromValue for (A, B) {
    fn from_value(v: Value) -> Result<Self, Error> {
        let mut it = elements(v, "a pair")?.into_iter();
        match (it.next(), it.next(), it.next()) {
            (Some(a), Some(b), None) => Ok((A::from_value(a)?, B::from_value(b)?)),
            _ => Err(Error::Type {
                expected: "a pair",
                got: "array of another length",
            }),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_naturally_into_common_types() {
        assert_eq!(
            String::from_value(Value::Simple("OK".into())).unwrap(),
            "OK"
        );
        assert_eq!(Option::<Vec<u8>>::from_value(Value::Nil).unwrap(), None);
        assert_eq!(i64::from_value(Value::Int(-3)).unwrap(), -3);
        assert!(u8::from_value(Value::Int(300)).is_err());
        assert_eq!(f64::from_value(Value::Bulk("1.5".into())).unwrap(), 1.5);
        assert!(bool::from_value(Value::Int(1)).unwrap());
        let v = Value::Array(vec![Value::Bulk("a".into()), Value::Bulk("1".into())]);
        let m: HashMap<String, i64> = HashMap::from_value(v).unwrap();
        assert_eq!(m["a"], 1);
    }

    #[test]
    fn type_mismatch_names_both_types() {
        let e = i64::from_value(Value::Array(vec![])).unwrap_err();
        assert_eq!(e.to_string(), "cannot convert the array reply to i64");
        let e = String::from_value(Value::Bulk(Bytes::from_static(&[0xff]))).unwrap_err();
        assert!(e.to_string().contains("Vec<u8>"));
    }
}
