//! [`ClusterOptions`]: what a [`crate::TestCluster`] looks like, and the redis-server config
//! it turns into.

use std::path::PathBuf;
use std::time::Duration;

use crate::conn::Auth;
use crate::node::directive;

/// Environment variable: when set to `1`, a dropped [`crate::TestCluster`] stops its processes but
/// keeps its directory (configs, `nodes.conf`, logs) and prints where it is.
pub const KEEP_DIR_ENV: &str = "SLOTWISE_TESTCLUSTER_KEEP";

/// How to build a [`crate::TestCluster`].
#[derive(Debug, Clone)]
pub struct ClusterOptions {
    /// Number of primaries; the 16384 slots are split evenly between them. Default 3.
    pub primaries: usize,
    /// Replicas per primary. Default 1.
    pub replicas_per_primary: usize,
    /// Password of the `default` user (`requirepass`, and `masterauth` when there is no
    /// [`ClusterOptions::acl_user`]). Default none.
    pub password: Option<String>,
    /// `(user, password)`: an ACL user with full access (`on >pass ~* &* +@all`) on every
    /// node, used by replicas to sync (`masteruser`/`masterauth`) and by the harness itself.
    ///
    /// With an ACL user and no [`ClusterOptions::password`], the `default` user is
    /// **disabled** (`user default off`), so every client must `AUTH <user> <pass>`. With both,
    /// `default` keeps full access behind `password`.
    pub acl_user: Option<(String, String)>,
    /// Serve TLS as well: at start a throwaway CA and a certificate for `127.0.0.1` /
    /// `localhost` are written to the cluster directory (`ca.crt`, `node.crt`, `node.key`), and
    /// every node listens on a `tls-port` besides its plain `port` (which the harness keeps
    /// using). Replication, the cluster bus and `MIGRATE` use TLS (`tls-cluster yes`), so that
    /// TLS clients are told the TLS ports. See [`crate::TestCluster::tls_seeds`] and
    /// [`crate::TestCluster::ca_file`]. Default false.
    pub tls: bool,
    /// With [`ClusterOptions::tls`]: TLS clients must present a certificate signed by the
    /// cluster's CA (`tls-auth-clients yes`); the harness writes one to `client.crt` /
    /// `client.key` (see [`crate::TlsFiles`]). The plain ports the harness uses are not
    /// affected. Default false.
    pub tls_auth_clients: bool,
    /// `cluster-node-timeout` in ms. Default 2000, so failovers in tests are quick.
    pub node_timeout_ms: u64,
    /// Extra `key value` config lines, written verbatim after the harness' own.
    pub extra_config: Vec<(String, String)>,
    /// The redis-server binary. Default `redis-server` from `PATH`.
    pub redis_server: PathBuf,
    /// The redis-cli binary (for [`crate::TestCluster::reshard`]). Default `redis-cli` from `PATH`.
    pub redis_cli: PathBuf,
    /// Directory for the nodes' files; must be empty or not exist, and is **deleted** on drop.
    /// Default: a fresh temporary directory.
    pub dir: Option<PathBuf>,
    /// Deadline of each wait (startup, convergence after an operation). Default 30 s.
    pub wait_timeout: Duration,
    /// Kill the redis-servers if the process that started them dies (Linux
    /// `PR_SET_PDEATHSIG`), so killed test runs leak nothing. Default true; the CLI turns it
    /// off for detached clusters.
    pub die_with_harness: bool,
}

impl Default for ClusterOptions {
    fn default() -> Self {
        ClusterOptions {
            primaries: 3,
            replicas_per_primary: 1,
            password: None,
            acl_user: None,
            tls: false,
            tls_auth_clients: false,
            node_timeout_ms: 2000,
            extra_config: Vec::new(),
            redis_server: PathBuf::from("redis-server"),
            redis_cli: PathBuf::from("redis-cli"),
            dir: None,
            wait_timeout: Duration::from_secs(30),
            die_with_harness: true,
        }
    }
}

impl ClusterOptions {
    /// The credentials clients need: the ACL user if set, else the password.
    pub fn auth(&self) -> Option<Auth> {
        match (&self.acl_user, &self.password) {
            (Some((user, password)), _) => Some(Auth::User {
                user: user.clone(),
                password: password.clone(),
            }),
            (None, Some(p)) => Some(Auth::Password(p.clone())),
            (None, None) => None,
        }
    }

    /// Total number of nodes.
    pub fn node_count(&self) -> usize {
        self.primaries * (1 + self.replicas_per_primary)
    }

    pub(crate) fn node_directives(&self) -> String {
        let mut s = String::from(
            "bind 127.0.0.1\n\
             protected-mode no\n\
             daemonize no\n\
             appendonly no\n\
             save \"\"\n\
             cluster-enabled yes\n\
             cluster-config-file nodes.conf\n\
             cluster-replica-validity-factor 0\n\
             cluster-allow-replica-migration no\n\
             repl-diskless-sync yes\n\
             repl-diskless-sync-delay 0\n\
             shutdown-on-sigterm nosave now\n\
             enable-debug-command yes\n",
        );
        s.push_str(&format!("cluster-node-timeout {}\n", self.node_timeout_ms));
        s.push_str(&auth_directives(
            self.password.as_deref(),
            self.acl_user.as_ref(),
        ));
        for (k, v) in &self.extra_config {
            s.push_str(&format!("{k} {v}\n"));
        }
        s
    }
}

/// Config lines for a password and/or an ACL user (see [`ClusterOptions::acl_user`]).
pub(crate) fn auth_directives(
    password: Option<&str>,
    acl_user: Option<&(String, String)>,
) -> String {
    let mut s = String::new();
    if let Some((user, pass)) = acl_user {
        let secret = format!(">{pass}");
        s.push_str(&directive(
            "user",
            &[user, "on", &secret, "~*", "&*", "+@all"],
        ));
        s.push_str(&directive("masteruser", &[user]));
        s.push_str(&directive("masterauth", &[pass]));
        match password {
            Some(p) => s.push_str(&directive("requirepass", &[p])),
            None => s.push_str("user default off\n"),
        }
    } else if let Some(p) = password {
        s.push_str(&directive("requirepass", &[p]));
        s.push_str(&directive("masterauth", &[p]));
    }
    s
}
