//! The command value: a name and arguments as bytes.

use std::fmt;

use bytes::BytesMut;
use smallvec::SmallVec;

use crate::resp::put_command;

/// A Redis command: name plus binary-safe arguments, stored in one buffer.
///
/// # Examples
///
/// ```
/// use slotwise::cmd;
/// let c = cmd("SET").arg("greeting").arg(b"hello\0world").arg("EX").arg(60);
/// assert_eq!(c.arg_count(), 5);
/// assert_eq!(c.arg_at(1), Some(&b"greeting"[..]));
/// ```
#[derive(Clone, PartialEq, Eq, Hash)]
pub struct Cmd {
    data: Vec<u8>,
    /// Where each argument ends in `data`; inline up to `SET key value EX secs`, so a
    /// typical command is one allocation.
    ends: SmallVec<[usize; 5]>,
}

/// Starts a command with its name: `cmd("GET").arg(key)`.
pub fn cmd(name: &str) -> Cmd {
    Cmd::new(name)
}

impl Cmd {
    /// A command with just its name.
    pub fn new(name: &str) -> Cmd {
        // Room for a typical key and value, so that building `SET key value` allocates
        // twice instead of growing each vector again and again.
        let mut data = Vec::with_capacity(name.len() + 64);
        data.extend_from_slice(name.as_bytes());
        let mut ends = SmallVec::new();
        ends.push(name.len());
        Cmd { data, ends }
    }

    /// A command from a full argv (name first). Empty argv gives an empty command, which
    /// the clients reject with a configuration error.
    pub fn from_args<I, A>(args: I) -> Cmd
    where
        I: IntoIterator<Item = A>,
        A: AsRef<[u8]>,
    {
        let mut c = Cmd {
            data: Vec::new(),
            ends: SmallVec::new(),
        };
        for a in args {
            c.push_bytes(a.as_ref());
        }
        c
    }

    /// An empty command with room for `args` arguments (name included) of `bytes` bytes in
    /// all, for callers that know the sizes up front (no regrowth while pushing them).
    ///
    /// ```
    /// let mut c = slotwise::Cmd::with_capacity(8, 2);
    /// c.push("GET").push("key:1");
    /// assert_eq!(c.args().collect::<Vec<_>>(), [&b"GET"[..], b"key:1"]);
    /// ```
    pub fn with_capacity(bytes: usize, args: usize) -> Cmd {
        Cmd {
            data: Vec::with_capacity(bytes),
            ends: SmallVec::with_capacity(args),
        }
    }

    /// Appends an argument (builder style).
    #[allow(clippy::should_implement_trait)]
    pub fn arg<A: ToArg>(mut self, a: A) -> Cmd {
        self.push(a);
        self
    }

    /// Appends an argument in place.
    pub fn push<A: ToArg>(&mut self, a: A) -> &mut Cmd {
        a.write_arg(&mut self.data);
        self.ends.push(self.data.len());
        self
    }

    fn push_bytes(&mut self, a: &[u8]) {
        self.data.extend_from_slice(a);
        self.ends.push(self.data.len());
    }

    /// Number of arguments including the name.
    pub fn arg_count(&self) -> usize {
        self.ends.len()
    }

    /// Argument `i` (0 is the name).
    pub fn arg_at(&self, i: usize) -> Option<&[u8]> {
        let end = *self.ends.get(i)?;
        let start = if i == 0 { 0 } else { self.ends[i - 1] };
        Some(&self.data[start..end])
    }

    /// All arguments, name first.
    pub fn args(&self) -> impl ExactSizeIterator<Item = &[u8]> + '_ {
        let mut start = 0;
        self.ends.iter().map(move |&end| {
            let a = &self.data[start..end];
            start = end;
            a
        })
    }

    /// The command name, as given.
    pub fn name(&self) -> &[u8] {
        self.arg_at(0).unwrap_or_default()
    }

    /// Writes the command as a RESP array of bulk strings.
    pub fn write_resp(&self, out: &mut BytesMut) {
        put_command(out, self.ends.len(), self.data.len(), self.args());
    }

    /// A copy of this command with only the given argument indices after the name, used to
    /// split multi-key commands by slot.
    pub(crate) fn with_args(&self, name_and_prefix: usize, picks: &[usize]) -> Cmd {
        let mut c = Cmd {
            data: Vec::with_capacity(self.data.len()),
            ends: SmallVec::with_capacity(name_and_prefix + picks.len()),
        };
        for i in 0..name_and_prefix {
            c.push_bytes(self.arg_at(i).unwrap_or_default());
        }
        for &i in picks {
            c.push_bytes(self.arg_at(i).unwrap_or_default());
        }
        c
    }
}

/// Shows the command name and argument count only: arguments may hold secrets (AUTH, HELLO)
/// or large values, so they never appear in Debug output or logs.
impl fmt::Debug for Cmd {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "Cmd({} +{} args)",
            String::from_utf8_lossy(self.name()),
            self.ends.len().saturating_sub(1)
        )
    }
}

/// Something that can be a command argument: strings, bytes, integers and floats.
pub trait ToArg {
    /// Appends the argument's bytes.
    fn write_arg(&self, out: &mut Vec<u8>);
}

impl<T: ToArg + ?Sized> ToArg for &T {
    fn write_arg(&self, out: &mut Vec<u8>) {
        (**self).write_arg(out)
    }
}

macro_rules! bytes_arg {
    ($($t:ty),*) => {$(
        impl ToArg for $t {
            fn write_arg(&self, out: &mut Vec<u8>) {
                out.extend_from_slice(AsRef::<[u8]>::as_ref(self));
            }
        }
    )*};
}
bytes_arg!(str, String, [u8], Vec<u8>, bytes::Bytes);

impl<const N: usize> ToArg for [u8; N] {
    fn write_arg(&self, out: &mut Vec<u8>) {
        out.extend_from_slice(self);
    }
}

macro_rules! int_arg {
    ($($t:ty),*) => {$(
        impl ToArg for $t {
            fn write_arg(&self, out: &mut Vec<u8>) {
                out.extend_from_slice(itoa::Buffer::new().format(*self).as_bytes());
            }
        }
    )*};
}
int_arg!(i8, i16, i32, i64, isize, u8, u16, u32, u64, usize);

impl ToArg for f64 {
    fn write_arg(&self, out: &mut Vec<u8>) {
        if self.is_infinite() {
            out.extend_from_slice(if *self > 0.0 { b"+inf" } else { b"-inf" });
        } else {
            out.extend_from_slice(format!("{self}").as_bytes());
        }
    }
}
