use super::*;

fn keys(c: &Cmd) -> Vec<String> {
    let info = info_of(c);
    key_indices(c, info.keys)
        .map(|i| String::from_utf8_lossy(c.arg_at(i).unwrap()).into_owned())
        .collect()
}

#[test]
fn finds_keys_of_common_command_shapes() {
    assert_eq!(keys(&cmd("get").arg("a")), ["a"]);
    assert_eq!(
        keys(&cmd("MSET").arg("a").arg(1).arg("b").arg(2)),
        ["a", "b"]
    );
    assert_eq!(keys(&cmd("BLPOP").arg("a").arg("b").arg(0)), ["a", "b"]);
    assert_eq!(
        keys(
            &cmd("EVAL")
                .arg("return 1")
                .arg(2)
                .arg("k1")
                .arg("k2")
                .arg("argv")
        ),
        ["k1", "k2"]
    );
    assert_eq!(
        keys(
            &cmd("ZUNIONSTORE")
                .arg("dst")
                .arg(2)
                .arg("a")
                .arg("b")
                .arg("WEIGHTS")
                .arg(1)
                .arg(2)
        ),
        ["dst", "a", "b"]
    );
    assert_eq!(
        keys(
            &cmd("XREAD")
                .arg("COUNT")
                .arg(2)
                .arg("STREAMS")
                .arg("s1")
                .arg("s2")
                .arg("0")
                .arg("0")
        ),
        ["s1", "s2"]
    );
    assert_eq!(keys(&cmd("OBJECT").arg("ENCODING").arg("k")), ["k"]);
    assert!(keys(&cmd("PING")).is_empty());
    assert!(keys(&cmd("DBSIZE")).is_empty());
}

#[test]
fn numkeys_larger_than_argv_is_clamped() {
    assert_eq!(keys(&cmd("EVAL").arg("s").arg(99).arg("k")), ["k"]);
    assert!(keys(&cmd("EVAL").arg("s").arg("notanumber").arg("k")).is_empty());
}

#[test]
fn classifies_fanout_and_readonly() {
    assert_eq!(
        info_of(&cmd("mget")).fanout,
        Fanout::SplitBySlot(Aggregate::Gather)
    );
    assert_eq!(
        info_of(&cmd("DEL")).fanout,
        Fanout::SplitBySlot(Aggregate::Sum)
    );
    assert_eq!(
        info_of(&cmd("DBSIZE")).fanout,
        Fanout::AllPrimaries(Aggregate::Sum)
    );
    assert_eq!(
        info_of(&cmd("KEYS").arg("*")).fanout,
        Fanout::AllPrimaries(Aggregate::Concat)
    );
    assert_eq!(
        info_of(&cmd("script").arg("load").arg("x")).fanout,
        Fanout::AllNodes(Aggregate::AllOk)
    );
    assert_eq!(
        info_of(&cmd("INFO")).fanout,
        Fanout::AllNodes(Aggregate::PerNode)
    );
    assert!(info_of(&cmd("GET")).readonly);
    assert!(!info_of(&cmd("SET")).readonly);
    assert!(!info_of(&cmd("GETEX")).readonly);
}

#[test]
fn wait_and_waitaof_are_keyless_and_follow_the_command_before_them() {
    for c in [
        cmd("WAIT").arg(1).arg(100),
        cmd("waitaof").arg(0).arg(1).arg(100),
    ] {
        let info = info_of(&c);
        assert_eq!(info.fanout, Fanout::FollowPrevious, "{c:?}");
        assert!(keys(&c).is_empty(), "{c:?}: numlocal is not a key");
        assert_eq!(
            block_for(&c),
            BlockFor::Up(std::time::Duration::from_millis(100))
        );
    }
}

#[test]
fn cross_slot_error_names_keys_slots_and_the_hash_tag_fix() {
    let c = cmd("RENAME").arg("foo").arg("bar");
    let err = single_slot(&c, info_of(&c).keys).unwrap_err();
    let msg = err.to_string();
    assert!(msg.contains("the keys of RENAME hash"), "{msg}");
    assert!(msg.contains("\"foo\" -> slot 12182"), "{msg}");
    assert!(msg.contains("\"bar\" -> slot 5061"), "{msg}");
    assert!(msg.contains("hash tag"), "{msg}");
    assert_eq!(err.code(), "CROSSSLOT");
    let same = cmd("RENAME").arg("{u}a").arg("{u}b");
    assert!(single_slot(&same, info_of(&same).keys).unwrap().is_some());
}

#[test]
fn splits_mset_by_slot_keeping_pairs_and_positions() {
    let c = cmd("MSET")
        .arg("{a}1")
        .arg("v1")
        .arg("{b}1")
        .arg("v2")
        .arg("{a}2")
        .arg("v3");
    let parts = split_by_slot(&c, info_of(&c).keys);
    assert_eq!(parts.len(), 2);
    let a = &parts[0];
    assert_eq!(a.positions, [0, 2]);
    let args: Vec<&[u8]> = a.cmd.args().collect();
    assert_eq!(args, [&b"MSET"[..], b"{a}1", b"v1", b"{a}2", b"v3"]);
    assert_eq!(parts[1].positions, [1]);
}

#[test]
fn writes_resp_and_hides_arguments_in_debug() {
    let c = cmd("AUTH").arg("user").arg("s3cret");
    let mut out = bytes::BytesMut::new();
    c.write_resp(&mut out);
    assert_eq!(
        &out[..],
        b"*3\r\n$4\r\nAUTH\r\n$4\r\nuser\r\n$6\r\ns3cret\r\n"
    );
    assert!(!format!("{c:?}").contains("s3cret"));
}

#[test]
fn numeric_arguments_format_like_redis_expects() {
    let c = cmd("X").arg(-5i64).arg(1.5f64).arg(f64::INFINITY).arg(7u16);
    let args: Vec<&[u8]> = c.args().skip(1).collect();
    assert_eq!(args, [&b"-5"[..], b"1.5", b"+inf", b"7"]);
}

#[test]
fn classify_answers_what_info_of_block_for_and_connection_state_error_answer() {
    let cases = [
        cmd("GET").arg("k"),
        cmd("set").arg("k").arg("v").arg("EX").arg(10),
        cmd("MGET").arg("a").arg("b"),
        cmd("blpop").arg("q").arg("1.5"),
        cmd("XREAD")
            .arg("BLOCK")
            .arg(100)
            .arg("STREAMS")
            .arg("s")
            .arg("$"),
        cmd("WAIT").arg(1).arg(0),
        cmd("FLUSHALL"),
        cmd("memory").arg("usage").arg("k"),
        cmd("SCRIPT").arg("load").arg("return 1"),
        cmd("multi"),
        cmd("Client").arg("Reply").arg("OFF"),
        cmd("SELECT").arg(1),
        cmd("NOSUCHCOMMAND").arg("k"),
    ];
    for c in &cases {
        match (classify(c), connection_state_error(c)) {
            (Ok(got), None) => {
                assert_eq!(got.info, info_of(c), "{c:?}");
                assert_eq!(got.block, block_for(c), "{c:?}");
            }
            (Err(got), Some(want)) => assert_eq!(got.to_string(), want.to_string()),
            (got, want) => panic!("{c:?}: classify {got:?}, connection_state_error {want:?}"),
        }
    }
    assert!(classify(&cases[9]).is_err(), "MULTI is refused");
    assert!(classify(&cases[3]).unwrap().block.blocks(), "BLPOP blocks");
}

#[test]
fn commands_the_hand_written_match_does_not_list_take_their_keys_from_the_command_table() {
    let keys = |argv: &[&str]| -> Vec<String> {
        let c = Cmd::from_args(argv.iter().map(|a| a.as_bytes()));
        key_indices(&c, info_of(&c).keys)
            .map(|i| String::from_utf8_lossy(c.arg_at(i).unwrap()).into_owned())
            .collect()
    };
    // The operation is not a key; the destination and the sources are.
    assert_eq!(
        keys(&["BITOP", "AND", "{b}d", "{b}1", "{b}2"]),
        ["{b}d", "{b}1", "{b}2"]
    );
    // The STORE destination is a key too (it must share the slot).
    assert_eq!(
        keys(&["GEORADIUS", "{g}", "0", "0", "1", "km", "STORE", "{g}out"]),
        ["{g}", "{g}out"]
    );
    assert_eq!(keys(&["GEORADIUS", "{g}", "0", "0", "1", "km"]), ["{g}"]);
    // Keyless administrative commands: no argument is taken for a key.
    for argv in [
        &["SWAPDB", "0", "1"][..],
        &["FAILOVER", "TO", "127.0.0.1", "7000"],
        &["PUBSUB", "CHANNELS", "news.*"],
        &["SHUTDOWN", "NOSAVE"],
    ] {
        assert!(keys(argv).is_empty(), "{argv:?}");
    }
    // Read-only by the table's flags.
    let c = Cmd::from_args([&b"PFDEBUG"[..], b"GETREG", b"k"]);
    assert_eq!(keys(&["PFDEBUG", "GETREG", "k"]), ["k"]);
    assert!(!info_of(&c).readonly);
    // Unknown to both (a module's command): the key first, as most commands.
    assert_eq!(keys(&["MYMODULE.GET", "k1", "x"]), ["k1"]);
}
