//! `slotwise_reply`: a reply tree readable like hiredis's `redisReply`, in one allocation
//! per kind of storage and freed by one call.

use std::ffi::c_char;
use std::ptr::null_mut;

use slotwise::resp::Value;
use slotwise::Error;

use crate::error::{code_of, element_text, guard_value, slotwise_result};

/// The type of a reply. The numbers are hiredis's `REDIS_REPLY_*` values.
#[repr(C)]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum slotwise_reply_type {
    /// A bulk string: `str` / `len` (binary-safe).
    String = 1,
    /// An array: `elements` / `element`.
    Array = 2,
    /// An integer: `integer`.
    Integer = 3,
    /// A nil (null bulk, null array, RESP3 null).
    Nil = 4,
    /// A status line such as `OK`: `str` / `len`.
    Status = 5,
    /// An error: `str` / `len` hold the text, `error` its class. Inside arrays and pipeline
    /// replies only; a command whose reply is an error fails with a result code instead.
    Error = 6,
    /// A RESP3 double: `dval`, and its text in `str` / `len`.
    Double = 7,
    /// A RESP3 boolean: `integer` is 1 or 0.
    Bool = 8,
    /// A RESP3 map: `elements` is twice the number of pairs; `element` alternates key, value.
    Map = 9,
    /// A RESP3 set: `elements` / `element`.
    Set = 10,
    /// A RESP3 push (out-of-band message): `elements` / `element`.
    Push = 12,
    /// A RESP3 big number: its decimal digits in `str` / `len`.
    Bignum = 13,
    /// A RESP3 verbatim string: the text in `str` / `len`, the format (`"txt"`, `"mkd"`) in
    /// `vtype`.
    Verb = 14,
}

/// One reply, or one node of a reply tree.
///
/// Readable from C like hiredis's `redisReply`. Every pointer inside points into memory
/// owned by the tree: it stays valid until the top-level reply is freed with
/// `slotwise_reply_free`, and must not be freed on its own. Strings are NUL-terminated
/// (after `len` bytes, which may themselves contain NULs). A reply is immutable: any number
/// of threads may read it at once.
///
/// cbindgen:field-names=[type, integer, dval, len, str, vtype, elements, element, error]
#[repr(C)]
#[derive(Debug, Clone, Copy)]
pub struct slotwise_reply {
    /// What this node is; says which fields below are meaningful.
    pub kind: slotwise_reply_type,
    /// `SLOTWISE_REPLY_TYPE_INTEGER` value; 1 or 0 for `SLOTWISE_REPLY_TYPE_BOOL`.
    pub integer: i64,
    /// `SLOTWISE_REPLY_TYPE_DOUBLE` value.
    pub dval: f64,
    /// Length of `str` in bytes, without the terminating NUL.
    pub len: usize,
    /// String, status, error, double text, big number or verbatim text; NULL for other types.
    pub text: *mut c_char,
    /// Verbatim format (3 characters and a NUL); empty for other types.
    pub vtype: [c_char; 4],
    /// Number of children of an array, map (keys and values), set or push.
    pub elements: usize,
    /// The children; NULL when `elements` is 0.
    pub element: *mut *mut slotwise_reply,
    /// For `SLOTWISE_REPLY_TYPE_ERROR`: the failure's class (`SLOTWISE_RESULT_SERVER` for a
    /// server's error reply, `SLOTWISE_RESULT_TIMEOUT`, ...). `SLOTWISE_RESULT_OK` otherwise.
    pub error: slotwise_result,
}

const EMPTY: slotwise_reply = slotwise_reply {
    kind: slotwise_reply_type::Nil,
    integer: 0,
    dval: 0.0,
    len: 0,
    text: null_mut(),
    vtype: [0; 4],
    elements: 0,
    element: null_mut(),
    error: slotwise_result::Ok,
};

/// The allocation behind a top-level reply: the root first (so a root pointer is a tree
/// pointer), then the storage of every descendant, sized exactly before filling so that
/// nothing moves while pointers into it are handed out.
#[repr(C)]
struct Tree {
    root: slotwise_reply,
    nodes: Box<[slotwise_reply]>,
    children: Box<[*mut slotwise_reply]>,
    bytes: Box<[u8]>,
}

/// What one node is built from: a value, or a failed command inside a pipeline.
enum Item<'a> {
    Value(&'a Value),
    Failed(&'a Error),
    /// The pipeline's own array.
    Results(&'a [Result<Value, Error>]),
}

impl Item<'_> {
    fn of(r: &Result<Value, Error>) -> Item<'_> {
        match r {
            Ok(v) => Item::Value(v),
            Err(e) => Item::Failed(e),
        }
    }
}

fn strip(v: &Value) -> &Value {
    match v {
        Value::Attribute { data, .. } => strip(data),
        v => v,
    }
}

fn double_text(d: f64) -> String {
    if d.is_nan() {
        "nan".into()
    } else if d.is_infinite() {
        if d > 0.0 { "inf" } else { "-inf" }.into()
    } else {
        format!("{d}")
    }
}

/// Storage needed below a node.
#[derive(Default)]
struct Sizes {
    nodes: usize,
    children: usize,
    bytes: usize,
}

impl Sizes {
    fn add(&mut self, item: &Item<'_>) {
        match item {
            Item::Results(rs) => {
                self.children += rs.len();
                self.nodes += rs.len();
                for r in rs.iter() {
                    self.add(&Item::of(r));
                }
            }
            Item::Failed(e) => self.bytes += element_text(e).len() + 1,
            Item::Value(v) => match strip(v) {
                Value::Nil | Value::Int(_) | Value::Boolean(_) => {}
                Value::Double(d) => self.bytes += double_text(*d).len() + 1,
                Value::Simple(b)
                | Value::Error(b)
                | Value::BlobError(b)
                | Value::BigNumber(b)
                | Value::Bulk(b)
                | Value::Verbatim { text: b, .. } => self.bytes += b.len() + 1,
                Value::Array(items) | Value::Set(items) | Value::Push(items) => {
                    self.children += items.len();
                    self.nodes += items.len();
                    for c in items {
                        self.add(&Item::Value(c));
                    }
                }
                Value::Map(pairs) => {
                    self.children += 2 * pairs.len();
                    self.nodes += 2 * pairs.len();
                    for (k, v) in pairs {
                        self.add(&Item::Value(k));
                        self.add(&Item::Value(v));
                    }
                }
                Value::Attribute { .. } => unreachable!("stripped above"),
            },
        }
    }
}

/// Cursors into the tree's storage while it is filled.
struct Filler {
    nodes: *mut slotwise_reply,
    children: *mut *mut slotwise_reply,
    bytes: *mut u8,
}

impl Filler {
    /// Copies `s` and a NUL into the byte storage, setting `str` / `len`.
    ///
    /// # Safety
    ///
    /// The storage was sized by [`Sizes`] for this tree.
    unsafe fn text(&mut self, node: &mut slotwise_reply, s: &[u8]) {
        // SAFETY: Sizes reserved s.len() + 1 bytes for this string.
        unsafe {
            std::ptr::copy_nonoverlapping(s.as_ptr(), self.bytes, s.len());
            *self.bytes.add(s.len()) = 0;
            node.text = self.bytes.cast();
            self.bytes = self.bytes.add(s.len() + 1);
        }
        node.len = s.len();
    }

    /// Reserves `n` child nodes, links them from `node`, and returns them.
    ///
    /// # Safety
    ///
    /// As [`Filler::text`].
    unsafe fn children(&mut self, node: &mut slotwise_reply, n: usize) -> *mut slotwise_reply {
        node.elements = n;
        if n == 0 {
            return null_mut();
        }
        let first = self.nodes;
        // SAFETY: Sizes reserved n nodes and n child pointers for this aggregate.
        unsafe {
            for i in 0..n {
                *self.children.add(i) = first.add(i);
            }
            node.element = self.children;
            self.children = self.children.add(n);
            self.nodes = self.nodes.add(n);
        }
        first
    }

    /// Fills `node` (already set to EMPTY) from `item`.
    ///
    /// # Safety
    ///
    /// As [`Filler::text`].
    unsafe fn fill(&mut self, node: &mut slotwise_reply, item: &Item<'_>) {
        use slotwise_reply_type as T;
        // SAFETY (whole body): the storage was sized by Sizes::add over the same item, and
        // fill visits it in an order that consumes exactly that storage.
        unsafe {
            match item {
                Item::Results(rs) => {
                    node.kind = T::Array;
                    let first = self.children(node, rs.len());
                    for (i, r) in rs.iter().enumerate() {
                        self.fill(&mut *first.add(i), &Item::of(r));
                    }
                }
                Item::Failed(e) => {
                    node.kind = T::Error;
                    node.error = code_of(e);
                    self.text(node, element_text(e).as_bytes());
                }
                Item::Value(v) => match strip(v) {
                    Value::Nil => node.kind = T::Nil,
                    Value::Int(n) => {
                        node.kind = T::Integer;
                        node.integer = *n;
                    }
                    Value::Boolean(b) => {
                        node.kind = T::Bool;
                        node.integer = i64::from(*b);
                    }
                    Value::Double(d) => {
                        node.kind = T::Double;
                        node.dval = *d;
                        self.text(node, double_text(*d).as_bytes());
                    }
                    Value::Simple(b) => {
                        node.kind = T::Status;
                        self.text(node, b);
                    }
                    Value::Error(b) | Value::BlobError(b) => {
                        node.kind = T::Error;
                        node.error = slotwise_result::Server;
                        self.text(node, b);
                    }
                    Value::BigNumber(b) => {
                        node.kind = T::Bignum;
                        self.text(node, b);
                    }
                    Value::Bulk(b) => {
                        node.kind = T::String;
                        self.text(node, b);
                    }
                    Value::Verbatim { format, text } => {
                        node.kind = T::Verb;
                        for (dst, src) in node.vtype.iter_mut().zip(format) {
                            *dst = *src as c_char;
                        }
                        self.text(node, text);
                    }
                    Value::Array(items) | Value::Set(items) | Value::Push(items) => {
                        node.kind = match strip(v) {
                            Value::Set(_) => T::Set,
                            Value::Push(_) => T::Push,
                            _ => T::Array,
                        };
                        let first = self.children(node, items.len());
                        for (i, c) in items.iter().enumerate() {
                            self.fill(&mut *first.add(i), &Item::Value(c));
                        }
                    }
                    Value::Map(pairs) => {
                        node.kind = T::Map;
                        let first = self.children(node, 2 * pairs.len());
                        for (i, (k, v)) in pairs.iter().enumerate() {
                            self.fill(&mut *first.add(2 * i), &Item::Value(k));
                            self.fill(&mut *first.add(2 * i + 1), &Item::Value(v));
                        }
                    }
                    Value::Attribute { .. } => unreachable!("stripped above"),
                },
            }
        }
    }
}

fn build(item: Item<'_>) -> *mut slotwise_reply {
    let mut sizes = Sizes::default();
    sizes.add(&item);
    let tree = Box::into_raw(Box::new(Tree {
        root: EMPTY,
        nodes: vec![EMPTY; sizes.nodes].into_boxed_slice(),
        children: vec![null_mut(); sizes.children].into_boxed_slice(),
        bytes: vec![0u8; sizes.bytes].into_boxed_slice(),
    }));
    // SAFETY: `tree` is a fresh, exclusively owned allocation; the pointers below are
    // derived from it once and used only while filling it.
    unsafe {
        let mut filler = Filler {
            nodes: (*tree).nodes.as_mut_ptr(),
            children: (*tree).children.as_mut_ptr(),
            bytes: (*tree).bytes.as_mut_ptr(),
        };
        let root = std::ptr::addr_of_mut!((*tree).root);
        filler.fill(&mut *root, &item);
        root
    }
}

/// A top-level reply for one command's value; free with `slotwise_reply_free`.
pub(crate) fn from_value(v: &Value) -> *mut slotwise_reply {
    build(Item::Value(v))
}

/// A top-level array reply with one element per pipelined command.
pub(crate) fn from_results(rs: &[Result<Value, Error>]) -> *mut slotwise_reply {
    build(Item::Results(rs))
}

/// Frees a reply and everything inside it. NULL is a no-op.
///
/// # Safety
///
/// `reply` is NULL or a top-level reply returned by slotwise and not freed yet: never an
/// element of another reply.
#[no_mangle]
pub unsafe extern "C" fn slotwise_reply_free(reply: *mut slotwise_reply) {
    guard_value("slotwise_reply_free", (), || {
        if !reply.is_null() {
            // SAFETY: a top-level reply is the first field of a boxed Tree (repr(C)).
            drop(unsafe { Box::from_raw(reply.cast::<Tree>()) });
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::ffi::CStr;

    use bytes::Bytes;

    unsafe fn text(r: &slotwise_reply) -> &[u8] {
        // SAFETY: str has len bytes plus a NUL.
        unsafe { std::slice::from_raw_parts(r.text.cast::<u8>(), r.len + 1) }
    }

    unsafe fn child(r: &slotwise_reply, i: usize) -> &slotwise_reply {
        assert!(i < r.elements);
        // SAFETY: element has `elements` valid pointers.
        unsafe { &**r.element.add(i) }
    }

    #[test]
    fn a_bulk_string_keeps_its_nul_bytes_and_gets_a_terminator() {
        let r = from_value(&Value::Bulk(Bytes::from_static(b"a\0b")));
        // SAFETY: a fresh reply, freed once.
        unsafe {
            assert_eq!((*r).kind, slotwise_reply_type::String);
            assert_eq!((*r).len, 3);
            assert_eq!(text(&*r), b"a\0b\0");
            slotwise_reply_free(r);
        }
    }

    #[test]
    fn nested_values_map_to_hiredis_shapes() {
        let v = Value::Array(vec![
            Value::Int(-7),
            Value::Nil,
            Value::Map(vec![(
                Value::Simple(Bytes::from_static(b"k")),
                Value::Double(1.5),
            )]),
            Value::Set(vec![Value::Boolean(true)]),
            Value::Verbatim {
                format: *b"txt",
                text: Bytes::from_static(b"hi"),
            },
            Value::Attribute {
                attrs: vec![],
                data: Box::new(Value::BigNumber(Bytes::from_static(b"123"))),
            },
            Value::Error(Bytes::from_static(b"WRONGTYPE x")),
            Value::Push(vec![Value::Bulk(Bytes::from_static(b"message"))]),
        ]);
        let r = from_value(&v);
        // SAFETY: a fresh reply, freed once.
        unsafe {
            let r0 = &*r;
            assert_eq!(r0.kind, slotwise_reply_type::Array);
            assert_eq!(r0.elements, 8);
            assert_eq!(child(r0, 0).integer, -7);
            assert_eq!(child(r0, 1).kind, slotwise_reply_type::Nil);
            assert!(child(r0, 1).text.is_null());
            let m = child(r0, 2);
            assert_eq!((m.kind, m.elements), (slotwise_reply_type::Map, 2));
            assert_eq!(text(child(m, 0)), b"k\0");
            assert_eq!(child(m, 1).dval, 1.5);
            assert_eq!(text(child(m, 1)), b"1.5\0");
            let s = child(r0, 3);
            assert_eq!(
                (s.kind, child(s, 0).kind, child(s, 0).integer),
                (slotwise_reply_type::Set, slotwise_reply_type::Bool, 1)
            );
            let verb = child(r0, 4);
            assert_eq!(CStr::from_ptr(verb.vtype.as_ptr()).to_bytes(), b"txt");
            assert_eq!(child(r0, 5).kind, slotwise_reply_type::Bignum);
            assert_eq!(child(r0, 6).error, slotwise_result::Server);
            let push = child(r0, 7);
            assert_eq!((push.kind, push.elements), (slotwise_reply_type::Push, 1));
            assert_eq!(text(child(push, 0)), b"message\0");
            slotwise_reply_free(r);
        }
    }

    #[test]
    fn pipeline_results_become_one_array_with_error_elements() {
        let rs = vec![Ok(Value::Int(1)), Err(Error::Closed)];
        let r = from_results(&rs);
        // SAFETY: a fresh reply, freed once.
        unsafe {
            let e = child(&*r, 1);
            assert_eq!(
                (e.kind, e.error),
                (slotwise_reply_type::Error, slotwise_result::Closed)
            );
            assert_eq!(text(e), b"the client is closed\0");
            slotwise_reply_free(r);
        }
    }

    #[test]
    fn doubles_have_resp3_text() {
        for (d, t) in [
            (f64::INFINITY, "inf"),
            (f64::NEG_INFINITY, "-inf"),
            (f64::NAN, "nan"),
            (-0.25, "-0.25"),
        ] {
            assert_eq!(double_text(d), t);
        }
    }
}
