//! A reference for the blocking sequential mode: the least a cluster client can do per
//! command, to show how much of the measured CPU is the kernel's and not any client's.
//!
//! One plain `TcpStream` per primary, the slot owner of every key looked up in a fixed
//! table, the command written with one `write` and its reply read with blocking `read`s and
//! checked by hand. No redirects, retries, timeouts, pools or typed replies: not a client,
//! only the floor under one (one `sendto` and one `recvfrom` per command, like slotwise's
//! blocking client).

use std::io::{Read, Write};
use std::net::TcpStream;

use super::redis_side::SlotOwners;
use super::Workload;

/// The raw connections, one per primary in [`SlotOwners`] order.
pub struct RawFloor {
    conns: Vec<TcpStream>,
    owners: SlotOwners,
    out: Vec<u8>,
    buf: Vec<u8>,
}

impl RawFloor {
    /// Connects to every primary (`addrs` in the order `owners` numbers them).
    pub fn connect(addrs: &[String], owners: SlotOwners) -> Result<RawFloor, String> {
        let conns = addrs
            .iter()
            .map(|a| {
                let s = TcpStream::connect(a).map_err(|e| format!("floor: {a}: {e}"))?;
                s.set_nodelay(true)
                    .map_err(|e| format!("floor: {a}: {e}"))?;
                Ok(s)
            })
            .collect::<Result<Vec<_>, String>>()?;
        Ok(RawFloor {
            conns,
            owners,
            out: Vec::with_capacity(256),
            buf: vec![0; 4096],
        })
    }

    /// SET then GET every key, one command at a time.
    pub fn sequential(&mut self, w: &Workload, n: usize) -> Result<(), String> {
        for i in 0..n {
            let (k, v) = (w.key(i).as_bytes(), w.value(i));
            self.out.clear();
            self.out.extend_from_slice(b"*3\r\n$3\r\nSET\r\n");
            bulk(&mut self.out, k);
            bulk(&mut self.out, v);
            let node = self.owners.of(w.key(i));
            let reply = self.roundtrip(node)?;
            if reply != b"+OK\r\n" {
                return Err(format!(
                    "floor: SET {} got {:?}",
                    w.key(i),
                    String::from_utf8_lossy(reply)
                ));
            }
        }
        for i in 0..n {
            self.out.clear();
            self.out.extend_from_slice(b"*2\r\n$3\r\nGET\r\n");
            bulk(&mut self.out, w.key(i).as_bytes());
            let node = self.owners.of(w.key(i));
            let reply = self.roundtrip(node)?;
            let got = match reply.first() {
                Some(b'$') if reply.starts_with(b"$-1") => None,
                Some(b'$') => {
                    let start = reply.iter().position(|&b| b == b'\n').map_or(0, |p| p + 1);
                    Some(&reply[start..reply.len() - 2])
                }
                _ => {
                    return Err(format!(
                        "floor: GET {} got {:?}",
                        w.key(i),
                        String::from_utf8_lossy(reply)
                    ))
                }
            };
            w.check(i, got)?;
        }
        Ok(())
    }

    /// Writes `self.out` to `node` and reads one whole reply (simple, error or bulk string).
    fn roundtrip(&mut self, node: usize) -> Result<&[u8], String> {
        let conn = &mut self.conns[node];
        conn.write_all(&self.out)
            .map_err(|e| format!("floor: write: {e}"))?;
        let mut len = 0;
        loop {
            let k = conn
                .read(&mut self.buf[len..])
                .map_err(|e| format!("floor: read: {e}"))?;
            if k == 0 {
                return Err("floor: the node closed the connection".into());
            }
            len += k;
            if let Some(end) = reply_end(&self.buf[..len]) {
                if end != len {
                    return Err("floor: more bytes than one reply".into());
                }
                return Ok(&self.buf[..len]);
            }
            if len == self.buf.len() {
                return Err("floor: reply too long".into());
            }
        }
    }
}

fn bulk(out: &mut Vec<u8>, b: &[u8]) {
    out.push(b'$');
    let (mut digits, mut at, mut n) = ([0u8; 20], 20, b.len());
    loop {
        at -= 1;
        digits[at] = b'0' + (n % 10) as u8;
        n /= 10;
        if n == 0 {
            break;
        }
    }
    out.extend_from_slice(&digits[at..]);
    out.extend_from_slice(b"\r\n");
    out.extend_from_slice(b);
    out.extend_from_slice(b"\r\n");
}

/// Where the reply at the start of `buf` ends, once it is complete.
fn reply_end(buf: &[u8]) -> Option<usize> {
    let line = buf.windows(2).position(|w| w == b"\r\n")? + 2;
    match buf[0] {
        b'$' => {
            let n: i64 = std::str::from_utf8(&buf[1..line - 2]).ok()?.parse().ok()?;
            if n < 0 {
                return Some(line);
            }
            let end = line + n as usize + 2;
            (buf.len() >= end).then_some(end)
        }
        _ => Some(line),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bulk_strings() {
        let mut out = Vec::new();
        bulk(&mut out, b"key:42");
        bulk(&mut out, b"");
        bulk(&mut out, &[b'x'; 123]);
        let mut want = b"$6\r\nkey:42\r\n$0\r\n\r\n$123\r\n".to_vec();
        want.extend_from_slice(&[b'x'; 123]);
        want.extend_from_slice(b"\r\n");
        assert_eq!(out, want);
    }

    #[test]
    fn replies_end_where_they_should() {
        assert_eq!(reply_end(b"+OK\r\n"), Some(5));
        assert_eq!(reply_end(b"+OK\r"), None);
        assert_eq!(reply_end(b"$-1\r\n"), Some(5));
        assert_eq!(reply_end(b"$3\r\nabc\r\n"), Some(9));
        assert_eq!(reply_end(b"$3\r\nab"), None);
        assert_eq!(reply_end(b"-ERR x\r\n"), Some(8));
    }
}
