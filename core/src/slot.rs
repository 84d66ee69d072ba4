//! Hash slots: which of the cluster's 16384 slots a key belongs to.

use std::fmt;

/// Number of hash slots in a Redis Cluster.
pub const SLOT_COUNT: u16 = 16384;

/// A hash slot.
///
/// Invariant: the value is below [`SLOT_COUNT`]; every constructor enforces it, so code that
/// indexes a 16384-entry table by a `Slot` needs no bounds check of its own.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Slot(u16);

impl Slot {
    /// `Some` when `n < 16384`.
    pub const fn new(n: u16) -> Option<Slot> {
        if n < SLOT_COUNT {
            Some(Slot(n))
        } else {
            None
        }
    }

    /// The slot number, always below 16384.
    pub const fn get(self) -> u16 {
        self.0
    }

    /// The slot number as an index into a 16384-entry table.
    pub const fn index(self) -> usize {
        self.0 as usize
    }
}

impl fmt::Display for Slot {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.0.fmt(f)
    }
}

/// The slot of a key: CRC16/XMODEM of its hash tag (or of the whole key) modulo 16384.
///
/// # Examples
///
/// ```
/// use slotwise::slot::key_slot;
/// assert_eq!(key_slot(b"foo").get(), 12182);
/// // Keys that share a hash tag share a slot, so multi-key commands on them work.
/// assert_eq!(key_slot(b"{user42}:name"), key_slot(b"{user42}:mail"));
/// ```
pub fn key_slot(key: &[u8]) -> Slot {
    Slot(crc16_xmodem(hash_tag(key)) & (SLOT_COUNT - 1))
}

/// The part of `key` that is hashed, as the cluster specification defines it: the bytes
/// between the first `{` and the first `}` after it, if that is non-empty; otherwise the whole
/// key.
///
/// ```
/// use slotwise::slot::hash_tag;
/// assert_eq!(hash_tag(b"foo{bar}zap"), b"bar");
/// assert_eq!(hash_tag(b"foo{}{bar}"), b"foo{}{bar}"); // empty tag: whole key
/// assert_eq!(hash_tag(b"foo{{bar}}zap"), b"{bar");
/// ```
pub fn hash_tag(key: &[u8]) -> &[u8] {
    // Typical keys are short: a plain scan beats memchr's setup cost there.
    let find = |hay: &[u8], b: u8| {
        if hay.len() < 64 {
            hay.iter().position(|&c| c == b)
        } else {
            memchr::memchr(b, hay)
        }
    };
    if let Some(open) = find(key, b'{') {
        let after = &key[open + 1..];
        if let Some(close) = find(after, b'}') {
            if close > 0 {
                return &after[..close];
            }
        }
    }
    key
}

/// CRC16/XMODEM (polynomial 0x1021, initial value 0, no reflection), the checksum Redis
/// Cluster uses. Check value: `crc16_xmodem(b"123456789") == 0x31C3`.
///
/// Two bytes per step ("slice-by-2"): by linearity of the CRC, the table lookups for the
/// two bytes are independent, so they overlap instead of forming one long dependency chain.
pub fn crc16_xmodem(data: &[u8]) -> u16 {
    let mut crc: u16 = 0;
    let mut pairs = data.chunks_exact(2);
    for p in &mut pairs {
        let hi = ((crc >> 8) as u8 ^ p[0]) as usize;
        let lo = ((crc & 0xFF) as u8 ^ p[1]) as usize;
        crc = CRC16_TABLES[1][hi] ^ CRC16_TABLES[0][lo];
    }
    for &b in pairs.remainder() {
        crc = (crc << 8) ^ CRC16_TABLES[0][((crc >> 8) as u8 ^ b) as usize];
    }
    crc
}

/// `[0]`: the classic one-byte table. `[1][x]`: the effect of byte `x` followed by one more
/// byte, i.e. `(T[x] << 8) ^ T[T[x] >> 8]` (the low byte of `T[x]` shifted out by one step).
static CRC16_TABLES: [[u16; 256]; 2] = crc16_tables();

const fn crc16_tables() -> [[u16; 256]; 2] {
    let mut t0 = [0u16; 256];
    let mut i = 0;
    while i < 256 {
        let mut crc = (i as u16) << 8;
        let mut bit = 0;
        while bit < 8 {
            crc = if crc & 0x8000 != 0 {
                (crc << 1) ^ 0x1021
            } else {
                crc << 1
            };
            bit += 1;
        }
        t0[i] = crc;
        i += 1;
    }
    let mut t1 = [0u16; 256];
    let mut i = 0;
    while i < 256 {
        t1[i] = (t0[i] << 8) ^ t0[(t0[i] >> 8) as usize];
        i += 1;
    }
    [t0, t1]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn crc16_matches_the_spec_check_value() {
        assert_eq!(crc16_xmodem(b"123456789"), 0x31C3);
        assert_eq!(crc16_xmodem(b""), 0);
    }

    /// The bit-by-bit definition, to check the two-bytes-per-step tables against.
    fn crc16_bitwise(data: &[u8]) -> u16 {
        let mut crc: u16 = 0;
        for &b in data {
            crc ^= (b as u16) << 8;
            for _ in 0..8 {
                crc = if crc & 0x8000 != 0 {
                    (crc << 1) ^ 0x1021
                } else {
                    crc << 1
                };
            }
        }
        crc
    }

    #[test]
    fn crc16_tables_agree_with_the_bitwise_definition_for_every_length() {
        let data: Vec<u8> = (0..600u32).map(|i| (i * 7919 % 251) as u8).collect();
        for len in 0..data.len() {
            assert_eq!(
                crc16_xmodem(&data[..len]),
                crc16_bitwise(&data[..len]),
                "length {len}"
            );
        }
    }

    #[test]
    fn known_slots_from_the_cluster_spec() {
        assert_eq!(key_slot(b"foo").get(), 12182);
        assert_eq!(key_slot(b"somekey").get(), 11058);
        assert_eq!(key_slot(b"foo{hash_tag}").get(), 2515);
        assert_eq!(key_slot(b"bar{hash_tag}").get(), 2515);
    }

    #[test]
    fn hash_tag_rules() {
        assert_eq!(hash_tag(b"{user1000}.following"), b"user1000");
        assert_eq!(hash_tag(b"foo{}{bar}"), b"foo{}{bar}");
        assert_eq!(hash_tag(b"foo{{bar}}zap"), b"{bar");
        assert_eq!(hash_tag(b"foo{bar}{zap}"), b"bar");
        assert_eq!(hash_tag(b"{"), b"{");
        assert_eq!(hash_tag(b"}{"), b"}{");
        assert_eq!(hash_tag(b"}{a}"), b"a");
        assert_eq!(hash_tag(b""), b"");
    }

    #[test]
    fn slot_constructor_enforces_the_range() {
        assert_eq!(Slot::new(16383).map(Slot::get), Some(16383));
        assert_eq!(Slot::new(16384), None);
    }

    #[test]
    fn shared_vectors_match() {
        // A copy of ../shared/vectors/keyslot.tsv (slots from CLUSTER KEYSLOT of Redis 7.0).
        let text = include_str!("../tests/data/keyslot.tsv");
        let mut n = 0;
        for line in text.lines().filter(|l| !l.starts_with('#')) {
            let (hex, slot) = line.split_once('\t').expect("two columns");
            let key = decode_hex(hex);
            assert_eq!(
                key_slot(&key).get(),
                slot.parse::<u16>().unwrap(),
                "key {hex}"
            );
            n += 1;
        }
        assert!(n >= 3000, "only {n} vectors read");
    }

    fn decode_hex(s: &str) -> Vec<u8> {
        (0..s.len())
            .step_by(2)
            .map(|i| u8::from_str_radix(&s[i..i + 2], 16).unwrap())
            .collect()
    }
}
