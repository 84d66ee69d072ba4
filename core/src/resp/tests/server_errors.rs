//! Classification of error replies and redirect targets.

use super::*;
use crate::slot::Slot;

fn kind(text: &str) -> ServerErrorKind {
    ServerError::parse(text.as_bytes()).kind
}

fn redirect(slot: u16, host: RedirectHost, port: u16) -> Redirect {
    Redirect {
        slot: Slot::new(slot).unwrap(),
        host,
        port,
    }
}

fn name(h: &str) -> RedirectHost {
    RedirectHost::Name(h.to_string())
}

// ---- MOVED / ASK ---------------------------------------------------------------------------

#[test]
fn moved_with_ipv4() {
    assert_eq!(
        kind("MOVED 3999 127.0.0.1:6381"),
        ServerErrorKind::Moved(redirect(3999, name("127.0.0.1"), 6381))
    );
}

#[test]
fn moved_with_hostname() {
    assert_eq!(
        kind("MOVED 12182 redis-node-3.example.com:7000"),
        ServerErrorKind::Moved(redirect(12182, name("redis-node-3.example.com"), 7000))
    );
}

#[test]
fn moved_with_ipv6_splits_on_the_last_colon() {
    assert_eq!(
        kind("MOVED 3999 2001:db8::1:6381"),
        ServerErrorKind::Moved(redirect(3999, name("2001:db8::1"), 6381))
    );
    assert_eq!(
        kind("MOVED 0 ::1:7000"),
        ServerErrorKind::Moved(redirect(0, name("::1"), 7000))
    );
}

#[test]
fn moved_with_bracketed_ipv6_drops_the_brackets() {
    assert_eq!(
        kind("MOVED 3999 [2001:db8::1]:6381"),
        ServerErrorKind::Moved(redirect(3999, name("2001:db8::1"), 6381))
    );
}

#[test]
fn moved_with_empty_host_means_same_as_connection() {
    assert_eq!(
        kind("MOVED 3999 :6381"),
        ServerErrorKind::Moved(redirect(3999, RedirectHost::SameAsConnection, 6381))
    );
}

#[test]
fn moved_with_question_mark_host_means_unknown_endpoint() {
    assert_eq!(
        kind("MOVED 3999 ?:6381"),
        ServerErrorKind::Moved(redirect(3999, RedirectHost::Unknown, 6381))
    );
}

#[test]
fn moved_slot_bounds() {
    assert_eq!(
        kind("MOVED 0 a:1"),
        ServerErrorKind::Moved(redirect(0, name("a"), 1))
    );
    assert_eq!(
        kind("MOVED 16383 a:65535"),
        ServerErrorKind::Moved(redirect(16383, name("a"), 65535))
    );
}

#[test]
fn moved_tolerates_trailing_whitespace() {
    assert_eq!(
        kind("MOVED 3999 127.0.0.1:6381 "),
        ServerErrorKind::Moved(redirect(3999, name("127.0.0.1"), 6381))
    );
}

#[test]
fn ask_forms() {
    assert_eq!(
        kind("ASK 3999 127.0.0.1:6381"),
        ServerErrorKind::Ask(redirect(3999, name("127.0.0.1"), 6381))
    );
    assert_eq!(
        kind("ASK 1 node-a:7001"),
        ServerErrorKind::Ask(redirect(1, name("node-a"), 7001))
    );
    assert_eq!(
        kind("ASK 42 fe80::1:7001"),
        ServerErrorKind::Ask(redirect(42, name("fe80::1"), 7001))
    );
    assert_eq!(
        kind("ASK 42 :7001"),
        ServerErrorKind::Ask(redirect(42, RedirectHost::SameAsConnection, 7001))
    );
    assert_eq!(
        kind("ASK 42 ?:7001"),
        ServerErrorKind::Ask(redirect(42, RedirectHost::Unknown, 7001))
    );
}

#[test]
fn malformed_redirects_are_invalid_redirects_saying_what_is_wrong() {
    for (text, problem) in [
        ("MOVED 99999 h:1", "slot"),
        ("MOVED 7629 127.0.0.1:99999", "port"),
        ("MOVED 7629 127.0.0.1:0", "port"),
        ("MOVED 7629", "no target address"),
        ("ASK 7629 bad\r\nhost:7000", "control characters"),
        ("MOVED 7629 bad\x1bhost:7000", "control characters"),
        ("MOVED 7629 two words:7000", "whitespace"),
        ("MOVED 7629 []:7000", "host is empty"),
    ] {
        match kind(text) {
            ServerErrorKind::InvalidRedirect(why) => {
                assert!(why.contains(problem), "{text}: {why}")
            }
            other => panic!("{text}: {other:?}"),
        }
    }
}

#[test]
fn error_text_from_the_network_has_its_control_characters_escaped() {
    let e = ServerError::parse(b"ERR bad\r\nINJECTED LOG LINE\x1b[2J\x00");
    assert_eq!(e.text, "ERR bad\\r\\nINJECTED LOG LINE\\x1b[2J\\x00");
    assert!(!e.text.chars().any(char::is_control));
    let moved = ServerError::parse(b"MOVED 7629 evil\nhost:7000");
    assert!(!moved.text.chars().any(char::is_control), "{}", moved.text);
}

#[test]
fn malformed_redirects_are_never_followed() {
    for text in [
        "MOVED 16384 127.0.0.1:6381",
        "MOVED 65536 127.0.0.1:6381",
        "MOVED -1 127.0.0.1:6381",
        "MOVED abc 127.0.0.1:6381",
        "MOVED 3999 127.0.0.1",
        "MOVED 3999 127.0.0.1:",
        "MOVED 3999 127.0.0.1:65536",
        "MOVED 3999 127.0.0.1:port",
        "MOVED 3999",
        "MOVED",
        "ASK 16384 127.0.0.1:6381",
        "ASK",
    ] {
        assert!(
            matches!(kind(text), ServerErrorKind::InvalidRedirect(_)),
            "{text}"
        );
    }
}

#[test]
fn codes_are_case_sensitive() {
    assert_eq!(kind("moved 3999 127.0.0.1:6381"), ServerErrorKind::Other);
}

// ---- other routing errors --------------------------------------------------------------------

#[test]
fn tryagain() {
    assert_eq!(
        kind("TRYAGAIN Multiple keys request during rehashing of slot"),
        ServerErrorKind::TryAgain
    );
    assert_eq!(kind("TRYAGAIN"), ServerErrorKind::TryAgain);
}

#[test]
fn clusterdown_distinguishes_the_three_server_texts() {
    assert_eq!(
        kind("CLUSTERDOWN The cluster is down"),
        ServerErrorKind::ClusterDown(ClusterDownReason::Down)
    );
    assert_eq!(
        kind("CLUSTERDOWN The cluster is down and only accepts read commands"),
        ServerErrorKind::ClusterDown(ClusterDownReason::ReadOnly)
    );
    assert_eq!(
        kind("CLUSTERDOWN Hash slot not served"),
        ServerErrorKind::ClusterDown(ClusterDownReason::SlotNotServed)
    );
}

#[test]
fn clusterdown_with_another_text_is_still_clusterdown() {
    assert_eq!(
        kind("CLUSTERDOWN something new"),
        ServerErrorKind::ClusterDown(ClusterDownReason::Other)
    );
    assert_eq!(
        kind("CLUSTERDOWN"),
        ServerErrorKind::ClusterDown(ClusterDownReason::Other)
    );
}

#[test]
fn loading() {
    assert_eq!(
        kind("LOADING Redis is loading the dataset in memory"),
        ServerErrorKind::Loading
    );
}

#[test]
fn readonly() {
    assert_eq!(
        kind("READONLY You can't write against a read only replica."),
        ServerErrorKind::ReadOnly
    );
}

#[test]
fn masterdown() {
    assert_eq!(
        kind("MASTERDOWN Link with MASTER is down and replica-serve-stale-data is set to 'no'."),
        ServerErrorKind::MasterDown
    );
}

#[test]
fn crossslot() {
    assert_eq!(
        kind("CROSSSLOT Keys in request don't hash to the same slot"),
        ServerErrorKind::CrossSlot
    );
}

#[test]
fn noauth_and_wrongpass_are_auth() {
    assert_eq!(
        kind("NOAUTH Authentication required."),
        ServerErrorKind::Auth
    );
    assert_eq!(
        kind("WRONGPASS invalid username-password pair or user is disabled."),
        ServerErrorKind::Auth
    );
}

#[test]
fn noperm() {
    assert_eq!(
        kind("NOPERM User default has no permissions to run the 'get' command"),
        ServerErrorKind::NoPerm
    );
}

#[test]
fn err_and_unknown_codes_are_other() {
    for text in [
        "ERR unknown command 'FOO'",
        "WRONGTYPE Operation against a key holding the wrong kind of value",
        "BUSY Redis is busy running a script.",
        "",
        " MOVED 1 a:1",
    ] {
        assert_eq!(kind(text), ServerErrorKind::Other, "{text:?}");
    }
}

#[test]
fn text_code_and_display_keep_the_reply() {
    let e = ServerError::parse(b"ERR wrong number of arguments for 'get' command");
    assert_eq!(e.text, "ERR wrong number of arguments for 'get' command");
    assert_eq!(e.code(), "ERR");
    assert_eq!(e.to_string(), e.text);
    assert_eq!(ServerError::parse(b"TRYAGAIN").code(), "TRYAGAIN");
    assert_eq!(ServerError::parse(b"").code(), "");
}

#[test]
fn non_utf8_error_text_is_kept_lossily() {
    let e = ServerError::parse(b"ERR bad \xff byte");
    assert_eq!(e.kind, ServerErrorKind::Other);
    assert_eq!(e.text, "ERR bad \u{fffd} byte");
}

#[test]
fn decoded_error_reply_classifies() {
    let v = one(b"-MOVED 3999 127.0.0.1:6381\r\n");
    let e = ServerError::parse(v.as_error().unwrap());
    assert_eq!(
        e.kind,
        ServerErrorKind::Moved(redirect(3999, name("127.0.0.1"), 6381))
    );
}

// ---- Redirect::address ----------------------------------------------------------------------

#[test]
fn address_of_ipv4_and_hostname() {
    assert_eq!(
        redirect(1, name("127.0.0.1"), 6381)
            .address("10.0.0.9")
            .as_deref(),
        Some("127.0.0.1:6381")
    );
    assert_eq!(
        redirect(1, name("node-a.example"), 7000)
            .address("10.0.0.9")
            .as_deref(),
        Some("node-a.example:7000")
    );
}

#[test]
fn address_of_ipv6_is_bracketed() {
    assert_eq!(
        redirect(1, name("2001:db8::1"), 6381)
            .address("10.0.0.9")
            .as_deref(),
        Some("[2001:db8::1]:6381")
    );
}

#[test]
fn address_of_same_as_connection_uses_the_answering_host() {
    assert_eq!(
        redirect(1, RedirectHost::SameAsConnection, 6381)
            .address("10.0.0.9")
            .as_deref(),
        Some("10.0.0.9:6381")
    );
}

#[test]
fn address_of_same_as_connection_brackets_an_ipv6_answering_host() {
    let r = redirect(1, RedirectHost::SameAsConnection, 6381);
    assert_eq!(
        r.address("2001:db8::7").as_deref(),
        Some("[2001:db8::7]:6381")
    );
    assert_eq!(
        r.address("[2001:db8::7]").as_deref(),
        Some("[2001:db8::7]:6381")
    );
}

#[test]
fn address_of_unknown_endpoint_is_none() {
    assert_eq!(
        redirect(1, RedirectHost::Unknown, 6381).address("10.0.0.9"),
        None
    );
}

#[test]
fn parsed_redirect_round_trips_through_address() {
    for (text, want) in [
        ("MOVED 3999 127.0.0.1:6381", "127.0.0.1:6381"),
        ("MOVED 3999 2001:db8::1:6381", "[2001:db8::1]:6381"),
        ("MOVED 3999 [2001:db8::1]:6381", "[2001:db8::1]:6381"),
        ("ASK 3999 host:1", "host:1"),
        ("ASK 3999 :1", "answering:1"),
    ] {
        let (ServerErrorKind::Moved(r) | ServerErrorKind::Ask(r)) = kind(text) else {
            panic!("{text}")
        };
        assert_eq!(r.address("answering").as_deref(), Some(want), "{text}");
    }
}
