//! Sans-I/O pieces of connecting: the handshake every connection sends, and turning a
//! node's answer to CLUSTER SHARDS (or CLUSTER SLOTS) into a [`Topology`].

use crate::command::Cmd;
use crate::error::Error;
use crate::options::{ClientOptions, Protocol};
use crate::resp::{ServerError, ServerErrorKind, Value};
use crate::router::Router;
use crate::topology::{parse_shards, parse_slots, ParseError, Topology};

/// The commands sent on every new connection, in order: `HELLO 3 [AUTH ..]` or
/// `AUTH [user] pass`, `CLIENT SETNAME` and `CLIENT SETINFO` when configured, then
/// `READONLY` on replica connections.
pub fn handshake(opts: &ClientOptions, replica: bool) -> Vec<Cmd> {
    let mut cmds = Vec::with_capacity(2);
    let creds = opts.credentials.as_ref();
    match opts.protocol {
        Protocol::Resp3 => {
            let mut hello = Cmd::new("HELLO").arg("3");
            if let Some(c) = creds {
                hello = hello
                    .arg("AUTH")
                    .arg(c.username.as_deref().unwrap_or("default"))
                    .arg(&c.password);
            }
            cmds.push(hello);
        }
        Protocol::Resp2 => {
            if let Some(c) = creds {
                let mut auth = Cmd::new("AUTH");
                if let Some(u) = &c.username {
                    auth = auth.arg(u);
                }
                cmds.push(auth.arg(&c.password));
            }
        }
    }
    if let Some(name) = &opts.client_name {
        cmds.push(Cmd::new("CLIENT").arg("SETNAME").arg(name));
    }
    for (attr, value) in [("LIB-NAME", &opts.lib_name), ("LIB-VER", &opts.lib_version)] {
        if let Some(v) = value {
            cmds.push(Cmd::new("CLIENT").arg("SETINFO").arg(attr).arg(v));
        }
    }
    if replica {
        cmds.push(Cmd::new("READONLY"));
    }
    cmds
}

/// True for a handshake command whose refusal does not fail the connection: `CLIENT
/// SETINFO`, which servers before Redis 7.2 do not know (redis-py ignores its errors too).
fn optional(cmd: &Cmd) -> bool {
    let mut args = cmd.args();
    args.next()
        .is_some_and(|a| a.eq_ignore_ascii_case(b"CLIENT"))
        && args
            .next()
            .is_some_and(|a| a.eq_ignore_ascii_case(b"SETINFO"))
}

/// Checks the replies to `cmds` (the [`handshake`]; replies beyond `cmds` count as
/// required); an error reply becomes [`Error::Auth`] (AUTH/HELLO refused) or
/// [`Error::Server`], except to an optional command (`CLIENT SETINFO`). The password is
/// never part of the message.
pub fn check_handshake(node: &str, cmds: &[Cmd], replies: &[Value]) -> Result<(), Error> {
    for (i, r) in replies.iter().enumerate() {
        if cmds.get(i).is_some_and(optional) {
            continue;
        }
        if let Some(text) = r.as_error() {
            let err = ServerError::parse(without_args(text));
            return Err(match err.kind {
                ServerErrorKind::Auth => Error::Auth {
                    node: node.to_string(),
                    message: err.text,
                },
                ServerErrorKind::NoPerm => Error::NoPermission {
                    node: node.to_string(),
                    message: err.text,
                },
                _ if err.text.contains("unknown command 'HELLO'") => Error::Config(format!(
                    "{node} does not support RESP3 (HELLO): {}; use Protocol::Resp2",
                    err.text
                )),
                _ if err.text.contains("AUTH") => Error::Auth {
                    node: node.to_string(),
                    message: err.text,
                },
                _ => Error::Server {
                    error: err,
                    node: node.to_string(),
                },
            });
        }
    }
    Ok(())
}

/// An error reply to a handshake command without the echo of the command's arguments:
/// "ERR unknown command 'HELLO', with args beginning with: '3' 'AUTH' 'user' 'secret'" (a
/// server without HELLO, or with AUTH renamed) would otherwise carry the password into
/// error messages and logs.
fn without_args(text: &[u8]) -> &[u8] {
    const ECHO: &[u8] = b", with args beginning with";
    match text.windows(ECHO.len()).position(|w| w == ECHO) {
        Some(i) => &text[..i],
        None => text,
    }
}

/// The command that asks a node for the topology.
pub fn shards_query() -> Cmd {
    Cmd::new("CLUSTER").arg("SHARDS")
}

/// The fallback for servers without CLUSTER SHARDS (before Redis 7).
pub fn slots_query() -> Cmd {
    Cmd::new("CLUSTER").arg("SLOTS")
}

/// What a node's answer to a topology query means.
#[derive(Debug)]
pub enum TopologyReply {
    /// A parsed view.
    View(Topology),
    /// The node does not know CLUSTER SHARDS: ask it CLUSTER SLOTS.
    TrySlots,
}

/// Interprets a reply to [`shards_query`] (`shards == true`) or [`slots_query`] from `node`.
///
/// # Errors
///
/// [`Error::ClusterSupportDisabled`] for a standalone server, [`Error::Auth`] for missing
/// credentials, [`Error::Server`] / [`Error::Protocol`]-like text for anything unparseable.
pub fn topology_reply(
    router: &Router,
    node: &str,
    reply: Value,
    shards: bool,
) -> Result<TopologyReply, Error> {
    let reply = reply.without_attributes();
    if let Some(text) = reply.as_error() {
        let err = ServerError::parse(text);
        if err.text.contains("cluster support disabled") {
            return Err(Error::ClusterSupportDisabled {
                node: node.to_string(),
            });
        }
        if shards && err.text.to_ascii_lowercase().contains("unknown subcommand") {
            return Ok(TopologyReply::TrySlots);
        }
        if matches!(err.kind, ServerErrorKind::Auth) {
            return Err(Error::Auth {
                node: node.to_string(),
                message: err.text,
            });
        }
        if matches!(err.kind, ServerErrorKind::NoPerm) {
            return Err(Error::NoPermission {
                node: node.to_string(),
                message: err.text,
            });
        }
        return Err(Error::Server {
            error: err,
            node: node.to_string(),
        });
    }
    let opts = router.options();
    let host = crate::router::host_of(node);
    let parsed = if shards {
        parse_shards(&reply, host, &opts.address_map, opts.tls.is_some())
    } else {
        parse_slots(&reply, host, &opts.address_map)
    };
    let topo = parsed.map_err(|e| match e {
        ParseError::AddressMap(why) => Error::Config(why),
        ParseError::Reply(msg) => Error::Server {
            error: ServerError::parse(format!("ERR unusable topology reply: {msg}").as_bytes()),
            node: node.to_string(),
        },
    })?;
    // A fresh node knows itself as a slot-less master: that view routes nothing.
    if topo.assigned_slots() == 0 {
        return Err(Error::Server {
            error: ServerError::parse(b"CLUSTERDOWN the node reports no shards with slots yet"),
            node: node.to_string(),
        });
    }
    Ok(TopologyReply::View(topo))
}

/// Asking one node for its view: CLUSTER SHARDS first, CLUSTER SLOTS if the node does not
/// know SHARDS (before Redis 7). Drivers send [`TopologyQuery::command`] and feed the reply
/// to [`TopologyQuery::on_reply`] until it yields a view.
#[derive(Debug, Default)]
pub struct TopologyQuery {
    fell_back: bool,
}

impl TopologyQuery {
    /// The command to send now.
    pub fn command(&self) -> Cmd {
        if self.fell_back {
            slots_query()
        } else {
            shards_query()
        }
    }

    /// `Ok(Some(view))` when done, `Ok(None)` to send [`TopologyQuery::command`] again.
    ///
    /// # Errors
    ///
    /// As [`topology_reply`], or when the node answers neither query.
    pub fn on_reply(
        &mut self,
        router: &Router,
        node: &str,
        reply: Value,
    ) -> Result<Option<Topology>, Error> {
        match topology_reply(router, node, reply, !self.fell_back)? {
            TopologyReply::View(t) => Ok(Some(t)),
            TopologyReply::TrySlots if !self.fell_back => {
                self.fell_back = true;
                Ok(None)
            }
            TopologyReply::TrySlots => Err(Error::Config(format!(
                "{node} answers neither CLUSTER SHARDS nor CLUSTER SLOTS"
            ))),
        }
    }
}

/// How many nodes a refresh asks, to vote on the view.
pub const VIEWS_TO_COMPARE: usize = 3;

/// Collects the answers of a refresh round: views, and for the error message every node
/// that failed and why. Credentials, "not a cluster" and configuration errors (a failing
/// address map) win over generic ones, so the user sees the cause that needs action.
#[derive(Debug, Default)]
pub struct ViewCollector {
    views: Vec<Topology>,
    attempts: Vec<crate::error::Attempt>,
    decisive: Option<Error>,
}

impl ViewCollector {
    /// Records one node's answer.
    pub fn add(&mut self, node: &str, got: Result<Topology, Error>) {
        match got {
            Ok(v) => self.views.push(v),
            Err(e) => {
                if matches!(
                    e,
                    Error::ClusterSupportDisabled { .. }
                        | Error::Auth { .. }
                        | Error::NoPermission { .. }
                        | Error::Config(_)
                ) {
                    self.decisive.get_or_insert(e.clone());
                }
                self.attempts.push(crate::error::Attempt {
                    node: node.to_string(),
                    outcome: e.to_string(),
                });
            }
        }
    }

    /// True once at least one view is in (the round can stop asking further nodes).
    pub fn has_view(&self) -> bool {
        !self.views.is_empty()
    }

    /// The views, or the reason there are none.
    ///
    /// # Errors
    ///
    /// The decisive error if any node gave one, else [`Error::NoSeedReachable`].
    pub fn finish(self) -> Result<Vec<Topology>, Error> {
        if self.views.is_empty() {
            return Err(self.decisive.unwrap_or(Error::NoSeedReachable {
                attempts: self.attempts,
            }));
        }
        Ok(self.views)
    }
}

#[cfg(test)]
mod tests {
    use bytes::Bytes;

    use super::*;
    use crate::options::Protocol;

    fn argv(c: &Cmd) -> Vec<String> {
        c.args()
            .map(|a| String::from_utf8_lossy(a).into_owned())
            .collect()
    }

    fn all(cmds: &[Cmd]) -> Vec<Vec<String>> {
        cmds.iter().map(argv).collect()
    }

    fn err(text: &str) -> Value {
        Value::Error(Bytes::copy_from_slice(text.as_bytes()))
    }

    fn b(s: &str) -> Value {
        Value::Bulk(Bytes::copy_from_slice(s.as_bytes()))
    }

    fn opts() -> ClientOptions {
        ClientOptions::new(["127.0.0.1:7000"])
    }

    #[test]
    fn resp2_without_credentials_sends_nothing_to_a_primary() {
        assert!(handshake(&opts(), false).is_empty());
        assert_eq!(all(&handshake(&opts(), true)), [["READONLY"]]);
    }

    #[test]
    fn resp2_with_a_password_sends_auth_password() {
        let o = opts().password("s3cret");
        assert_eq!(all(&handshake(&o, false)), [vec!["AUTH", "s3cret"]]);
        assert_eq!(
            all(&handshake(&o, true)),
            [vec!["AUTH", "s3cret"], vec!["READONLY"]]
        );
    }

    #[test]
    fn resp2_with_an_acl_user_sends_auth_user_password() {
        let o = opts().user("app", "s3cret");
        assert_eq!(all(&handshake(&o, false)), [vec!["AUTH", "app", "s3cret"]]);
    }

    #[test]
    fn resp3_sends_hello_with_auth_and_the_default_user_for_a_bare_password() {
        let o = opts().protocol(Protocol::Resp3);
        assert_eq!(all(&handshake(&o, false)), [vec!["HELLO", "3"]]);
        let o = opts().protocol(Protocol::Resp3).password("pw");
        assert_eq!(
            all(&handshake(&o, false)),
            [vec!["HELLO", "3", "AUTH", "default", "pw"]]
        );
        let o = opts().protocol(Protocol::Resp3).user("app", "pw");
        assert_eq!(
            all(&handshake(&o, true)),
            [vec!["HELLO", "3", "AUTH", "app", "pw"], vec!["READONLY"]]
        );
    }

    #[test]
    fn handshake_errors_never_echo_the_password() {
        for reply in [
            &b"ERR unknown command 'HELLO', with args beginning with: '3' 'AUTH' 'app' 's3cret' "[..],
            b"ERR unknown command `HELLO`, with args beginning with: `3`, `AUTH`, `app`, `s3cret`, ",
            b"ERR unknown command 'AUTH', with args beginning with: 'app' 's3cret' ",
        ] {
            let e = check_handshake("n:1", &[], &[Value::Error(bytes::Bytes::copy_from_slice(reply))])
                .unwrap_err();
            let shown = format!("{e} {e:?}");
            assert!(!shown.contains("s3cret"), "{shown}");
            assert!(shown.contains("unknown command"), "{shown}");
        }
    }

    #[test]
    fn handshake_commands_never_show_the_password_in_debug_output() {
        let o = opts().user("app", "s3cret");
        for c in handshake(&o, true) {
            assert!(!format!("{c:?}").contains("s3cret"));
        }
    }

    #[test]
    fn check_handshake_accepts_ok_and_hello_maps() {
        let hello = Value::Map(vec![(b("server"), b("redis")), (b("proto"), Value::Int(3))]);
        assert!(check_handshake("n:1", &[], &[]).is_ok());
        assert!(check_handshake(
            "n:1",
            &[],
            &[Value::Simple(Bytes::from_static(b"OK")), hello]
        )
        .is_ok());
    }

    #[test]
    fn check_handshake_maps_wrongpass_to_an_auth_error_without_the_password() {
        let e = check_handshake(
            "127.0.0.1:7000",
            &[],
            &[err(
                "WRONGPASS invalid username-password pair or user is disabled.",
            )],
        )
        .unwrap_err();
        match &e {
            Error::Auth { node, message } => {
                assert_eq!(node, "127.0.0.1:7000");
                assert!(message.starts_with("WRONGPASS"));
            }
            other => panic!("{other:?}"),
        }
        let msg = e.to_string();
        assert!(msg.contains("127.0.0.1:7000"), "{msg}");
        assert!(!msg.contains("s3cret"), "{msg}");
        assert_eq!(e.code(), "NOAUTH");
    }

    #[test]
    fn check_handshake_maps_noauth_noperm_and_auth_complaints_to_auth_errors() {
        for text in [
            "NOAUTH HELLO must be called with the client already authenticated, otherwise the HELLO <proto> AUTH <user> <pass> option can be used to authenticate the client and select the RESP protocol version at the same time",
            "ERR AUTH <password> called without any password configured for the default user. Are you sure your configuration is correct?",
        ] {
            let e = check_handshake("n:1", &[], &[err(text)]).unwrap_err();
            assert!(matches!(e, Error::Auth { .. }), "{text}: {e:?}");
        }
    }

    #[test]
    fn client_name_and_lib_info_follow_the_auth_and_precede_readonly() {
        let o = opts()
            .password("pw")
            .client_name("app1")
            .lib_info(Some("mylib".into()), Some("1.2".into()));
        assert_eq!(
            all(&handshake(&o, true)),
            [
                vec!["AUTH", "pw"],
                vec!["CLIENT", "SETNAME", "app1"],
                vec!["CLIENT", "SETINFO", "LIB-NAME", "mylib"],
                vec!["CLIENT", "SETINFO", "LIB-VER", "1.2"],
                vec!["READONLY"],
            ]
        );
        let o = opts().lib_info(None, Some("1.2".into()));
        assert_eq!(
            all(&handshake(&o, false)),
            [vec!["CLIENT", "SETINFO", "LIB-VER", "1.2"]]
        );
    }

    #[test]
    fn a_refused_setinfo_is_ignored_but_a_refused_setname_is_not() {
        let o = opts()
            .client_name("app1")
            .lib_info(Some("mylib".into()), None);
        let hs = handshake(&o, false);
        let ok = Value::Simple(Bytes::from_static(b"OK"));
        let old = err("ERR unknown subcommand 'SETINFO'. Try CLIENT HELP.");
        assert!(check_handshake("n:1", &hs, &[ok.clone(), old.clone()]).is_ok());
        let e = check_handshake(
            "n:1",
            &hs,
            &[err("ERR Client names cannot contain spaces"), ok],
        )
        .unwrap_err();
        assert!(matches!(e, Error::Server { .. }), "{e:?}");
        // A reply beyond the commands counts as required.
        assert!(check_handshake("n:1", &[], &[old]).is_err());
    }

    #[test]
    fn check_handshake_reports_the_first_error_reply() {
        let e = check_handshake(
            "n:1",
            &[],
            &[
                Value::Simple(Bytes::from_static(b"OK")),
                err("ERR This instance has cluster support disabled"),
                err("ERR second"),
            ],
        )
        .unwrap_err();
        match e {
            Error::Server { error, node } => {
                assert_eq!(node, "n:1");
                assert_eq!(error.text, "ERR This instance has cluster support disabled");
            }
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn topology_queries() {
        assert_eq!(argv(&shards_query()), ["CLUSTER", "SHARDS"]);
        assert_eq!(argv(&slots_query()), ["CLUSTER", "SLOTS"]);
    }

    fn router() -> Router {
        Router::new(opts())
    }

    #[test]
    fn a_standalone_server_is_cluster_support_disabled() {
        let r = router();
        for shards in [true, false] {
            let e = topology_reply(
                &r,
                "127.0.0.1:6379",
                err("ERR This instance has cluster support disabled"),
                shards,
            )
            .unwrap_err();
            assert!(
                matches!(e, Error::ClusterSupportDisabled { ref node } if node == "127.0.0.1:6379"),
                "{e:?}"
            );
            assert_eq!(e.code(), "CLUSTER_DISABLED");
        }
    }

    #[test]
    fn an_old_server_without_cluster_shards_falls_back_to_slots() {
        let r = router();
        for text in [
            "ERR unknown subcommand 'SHARDS'. Try CLUSTER HELP.",
            "ERR Unknown subcommand or wrong number of arguments for 'SHARDS'. Try CLUSTER HELP.",
        ] {
            assert!(
                matches!(
                    topology_reply(&r, "n:1", err(text), true),
                    Ok(TopologyReply::TrySlots)
                ),
                "{text}"
            );
        }
        // The fallback itself failing that way is an error, not a loop.
        let e =
            topology_reply(&r, "n:1", err("ERR unknown subcommand 'SLOTS'."), false).unwrap_err();
        assert!(matches!(e, Error::Server { .. }), "{e:?}");
    }

    #[test]
    fn topology_query_refused_for_credentials_is_an_auth_error() {
        let r = router();
        let e =
            topology_reply(&r, "n:1", err("NOAUTH Authentication required."), true).unwrap_err();
        assert!(matches!(e, Error::Auth { .. }), "{e:?}");
    }

    #[test]
    fn a_user_without_cluster_rights_gets_a_permission_error_naming_the_grants() {
        let r = router();
        let denied = "NOPERM User u has no permissions to run the 'cluster|shards' command";
        let e = topology_reply(&r, "n:1", err(denied), true).unwrap_err();
        assert!(matches!(e, Error::NoPermission { .. }), "{e:?}");
        assert_eq!(e.code(), "NOPERM");
        let msg = e.to_string();
        assert!(msg.contains(denied), "{msg}");
        assert!(msg.contains("+cluster|shards +cluster|slots"), "{msg}");
        assert!(
            !msg.contains("password"),
            "not a credentials problem: {msg}"
        );
        // It wins over other nodes' generic failures, so the caller sees what to fix.
        let mut views = ViewCollector::default();
        views.add("a:1", Err(Error::Closed));
        views.add("n:1", Err(e));
        assert!(matches!(views.finish(), Err(Error::NoPermission { .. })));
    }

    #[test]
    fn a_handshake_command_refused_by_acl_is_a_permission_error() {
        let text = "NOPERM User app has no permissions to run the 'readonly' command";
        let e = check_handshake("n:1", &[], &[err(text)]).unwrap_err();
        assert!(matches!(e, Error::NoPermission { .. }), "{e:?}");
        assert!(e.to_string().contains("+readonly"), "{e}");
    }

    #[test]
    fn other_topology_errors_are_server_errors() {
        let r = router();
        let e = topology_reply(&r, "n:1", err("LOADING Redis is loading"), true).unwrap_err();
        assert_eq!(e.code(), "LOADING");
    }

    fn slots_reply(host: Value) -> Value {
        Value::Array(vec![Value::Array(vec![
            Value::Int(0),
            Value::Int(16383),
            Value::Array(vec![host, Value::Int(7000), b("id")]),
        ])])
    }

    #[test]
    fn a_slots_reply_becomes_a_view_resolving_hosts_against_the_answering_node() {
        let r = router();
        let view = match topology_reply(&r, "10.0.0.7:7000", slots_reply(b("")), false) {
            Ok(TopologyReply::View(t)) => t,
            other => panic!("{other:?}"),
        };
        let p = view.primary_of(crate::slot::Slot::new(0).unwrap()).unwrap();
        assert_eq!(&**p, "10.0.0.7:7000");
    }

    #[test]
    fn a_shards_reply_with_attributes_and_the_address_map_becomes_a_view() {
        let map = crate::topology::AddressMap::table([("172.17.0.2:6379", "127.0.0.1:7000")]);
        let r = Router::new(opts().address_map(map));
        let node = Value::Map(vec![
            (b("port"), Value::Int(6379)),
            (b("ip"), b("172.17.0.2")),
            (b("role"), b("master")),
        ]);
        let shard = Value::Map(vec![
            (
                b("slots"),
                Value::Array(vec![Value::Int(0), Value::Int(16383)]),
            ),
            (b("nodes"), Value::Array(vec![node])),
        ]);
        let reply = Value::Attribute {
            attrs: vec![(b("k"), b("v"))],
            data: Box::new(Value::Array(vec![shard])),
        };
        let view = match topology_reply(&r, "172.17.0.2:6379", reply, true) {
            Ok(TopologyReply::View(t)) => t,
            other => panic!("{other:?}"),
        };
        assert_eq!(&*view.shards()[0].primary.addr, "127.0.0.1:7000");
    }

    #[test]
    fn a_failing_address_map_makes_the_view_a_configuration_error_that_wins() {
        let map = crate::topology::AddressMap::fallible(|a: &str| {
            Err(format!("no route to {a} from this network"))
        });
        let r = Router::new(opts().address_map(map));
        let e = match topology_reply(&r, "10.0.0.7:7000", slots_reply(b("")), false) {
            Err(e) => e,
            other => panic!("{other:?}"),
        };
        let msg = e.to_string();
        assert!(matches!(e, Error::Config(_)), "{e:?}");
        assert!(
            msg.contains("the address map failed for 10.0.0.7:7000: no route to 10.0.0.7:7000"),
            "{msg}"
        );
        // Among other failures, it is the one the caller sees.
        let mut views = ViewCollector::default();
        views.add("a:1", Err(Error::Closed));
        views.add("10.0.0.7:7000", Err(e));
        assert!(matches!(views.finish(), Err(Error::Config(_))));
    }

    #[test]
    fn an_unparseable_topology_reply_is_a_server_error_naming_the_problem() {
        let r = router();
        let e = topology_reply(&r, "n:1", Value::Int(3), true).unwrap_err();
        assert!(matches!(e, Error::Server { .. }), "{e:?}");
        assert!(e.to_string().contains("unusable topology reply"), "{e}");
        assert!(e.to_string().contains("CLUSTER SHARDS"), "{e}");
    }

    #[test]
    fn a_node_reporting_no_slots_yet_is_clusterdown() {
        let r = router();
        let e = topology_reply(&r, "n:1", Value::Array(Vec::new()), false).unwrap_err();
        assert_eq!(e.code(), "CLUSTERDOWN");
        // A fresh node knows itself as a master of a shard without slots.
        let lonely = Value::Array(vec![Value::Array(vec![
            b("slots"),
            Value::Array(Vec::new()),
            b("nodes"),
            Value::Array(vec![Value::Array(vec![
                b("port"),
                Value::Int(7000),
                b("ip"),
                b("127.0.0.1"),
                b("role"),
                b("master"),
            ])]),
        ])]);
        let e = topology_reply(&r, "n:1", lonely, true).unwrap_err();
        assert_eq!(e.code(), "CLUSTERDOWN", "{e:?}");
        assert!(e.to_string().contains("no shards with slots"), "{e}");
    }
}
