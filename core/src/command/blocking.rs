//! Commands that make the server hold the reply back (BLPOP, XREAD BLOCK, WAIT...): how long
//! they may block, so that the client gives them that long on top of its request timeout
//! and keeps them off the connections other callers share.

use std::time::Duration;

use super::Cmd;

/// How long a command may block on the server.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BlockFor {
    /// Not a blocking command (or its blocking option is absent).
    No,
    /// Up to this long.
    Up(Duration),
    /// Until something arrives (a timeout of 0).
    Forever,
}

impl BlockFor {
    /// True unless [`BlockFor::No`].
    pub fn blocks(self) -> bool {
        self != BlockFor::No
    }

    /// How long the server may hold the reply back: zero, the wait, or (forever)
    /// [`ClientOptions::MAX_WAIT`](crate::ClientOptions::MAX_WAIT).
    pub fn wait(self) -> std::time::Duration {
        match self {
            BlockFor::No => std::time::Duration::ZERO,
            BlockFor::Up(d) => d.min(crate::ClientOptions::MAX_WAIT),
            BlockFor::Forever => crate::ClientOptions::MAX_WAIT,
        }
    }
}

/// How long `cmd` may block. A malformed timeout counts as "forever": the server rejects
/// it at once anyway, and erring long never cuts a valid wait short.
pub fn block_for(cmd: &Cmd) -> BlockFor {
    let mut buf = [0u8; 32];
    block_for_named(super::upper(cmd.name(), &mut buf), cmd)
}

/// [`block_for`] with the command's name already upper-cased.
pub(super) fn block_for_named(name: &[u8], cmd: &Cmd) -> BlockFor {
    let last = || cmd.arg_at(cmd.arg_count().saturating_sub(1));
    match name {
        b"BLPOP" | b"BRPOP" | b"BZPOPMIN" | b"BZPOPMAX" | b"BLMOVE" | b"BRPOPLPUSH" => {
            seconds(last())
        }
        b"BLMPOP" | b"BZMPOP" => seconds(cmd.arg_at(1)),
        b"WAIT" | b"WAITAOF" => millis(last()),
        b"XREAD" | b"XREADGROUP" => {
            let opt = cmd
                .args()
                .take_while(|a| !a.eq_ignore_ascii_case(b"STREAMS"))
                .position(|a| a.eq_ignore_ascii_case(b"BLOCK"));
            match opt {
                Some(i) => millis(cmd.arg_at(i + 1)),
                None => BlockFor::No,
            }
        }
        _ => BlockFor::No,
    }
}

fn seconds(arg: Option<&[u8]>) -> BlockFor {
    let secs = arg
        .and_then(|a| std::str::from_utf8(a).ok())
        .and_then(|s| s.parse::<f64>().ok())
        .filter(|s| s.is_finite() && *s >= 0.0);
    match secs {
        Some(s) if s > 0.0 => BlockFor::Up(Duration::try_from_secs_f64(s).unwrap_or(Duration::MAX)),
        _ => BlockFor::Forever,
    }
}

fn millis(arg: Option<&[u8]>) -> BlockFor {
    let ms = arg
        .and_then(|a| std::str::from_utf8(a).ok())
        .and_then(|s| s.parse::<u64>().ok());
    match ms {
        Some(ms) if ms > 0 => BlockFor::Up(Duration::from_millis(ms)),
        _ => BlockFor::Forever,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::cmd;

    fn c(args: &[&str]) -> Cmd {
        Cmd::from_args(args)
    }

    #[test]
    fn list_and_zset_pops_read_seconds_from_the_last_argument() {
        assert_eq!(
            block_for(&c(&["BLPOP", "a", "b", "1.5"])),
            BlockFor::Up(Duration::from_millis(1500))
        );
        assert_eq!(block_for(&c(&["brpop", "a", "0"])), BlockFor::Forever);
        assert_eq!(
            block_for(&c(&["BLMOVE", "a", "b", "LEFT", "RIGHT", "2"])),
            BlockFor::Up(Duration::from_secs(2))
        );
        assert_eq!(
            block_for(&c(&["BLMPOP", "3", "1", "k", "LEFT"])),
            BlockFor::Up(Duration::from_secs(3))
        );
        assert_eq!(block_for(&c(&["BLPOP", "a", "soon"])), BlockFor::Forever);
        assert_eq!(block_for(&c(&["BLPOP", "a", "-1"])), BlockFor::Forever);
    }

    #[test]
    fn xread_blocks_only_with_its_block_option() {
        assert_eq!(
            block_for(&c(&["XREAD", "COUNT", "2", "STREAMS", "s", "0"])),
            BlockFor::No
        );
        assert_eq!(
            block_for(&c(&["XREAD", "BLOCK", "250", "STREAMS", "s", "$"])),
            BlockFor::Up(Duration::from_millis(250))
        );
        assert_eq!(
            block_for(&c(&[
                "XREADGROUP",
                "GROUP",
                "g",
                "c",
                "BLOCK",
                "0",
                "STREAMS",
                "s",
                ">"
            ])),
            BlockFor::Forever
        );
        // A stream named BLOCK after STREAMS is not the option.
        assert_eq!(
            block_for(&c(&["XREAD", "STREAMS", "BLOCK", "0"])),
            BlockFor::No
        );
    }

    #[test]
    fn wait_reads_milliseconds_and_other_commands_never_block() {
        assert_eq!(
            block_for(&c(&["WAIT", "1", "100"])),
            BlockFor::Up(Duration::from_millis(100))
        );
        assert_eq!(block_for(&c(&["WAIT", "1", "0"])), BlockFor::Forever);
        assert_eq!(block_for(&cmd("GET").arg("k")), BlockFor::No);
        assert!(!block_for(&cmd("LPOP").arg("k")).blocks());
    }
}
