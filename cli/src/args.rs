//! Command-line parsing: options first, then the command and its arguments (taken verbatim,
//! so `slotwise SET k -1` works).

use std::ffi::OsString;
use std::time::Duration;

/// The seed used when neither `-s` nor `SLOTWISE_SEEDS` gives one.
pub const DEFAULT_SEED: &str = "127.0.0.1:7000";

/// The full help text (`slotwise --help`).
pub const HELP: &str = "\
slotwise: run commands against a Redis Cluster and see where they went.

Usage:
  slotwise [OPTIONS] CMD [ARGS...]   run one command, print the route and the reply
  slotwise [OPTIONS]                 read commands from stdin, one per line (a REPL)
  slotwise keyslot KEY [KEY...]      the slot of each key (and the hash tag used); no server
  slotwise [OPTIONS] nodes           the cluster's shards: slot ranges, primary, replicas

Options:
  -s, --seed HOST:PORT   a seed node; repeat or comma-separate for several
                         (default: $SLOTWISE_SEEDS, else 127.0.0.1:7000)
  -a, --pass PASSWORD    password (default: $SLOTWISE_PASSWORD)
      --user NAME        ACL user name (needs a password)
  -3, --resp3            speak RESP3 (maps, sets, doubles, booleans)
  -t, --timeout SECS     per-request deadline, redirects and retries included (default 5)
  -q, --quiet            do not print the routing line (`-> slot 7638 on 127.0.0.1:7001`)
  -h, --help             this help
  -V, --version          the version

Output is formatted like redis-cli. The routing line names the slot and the node that
answered, and how many MOVED/ASK redirects were followed on the way.

Exit status: 0 on success; 1 when the reply is an error or the command failed (in the REPL
with piped input: when any command failed); 2 for a usage error.

In the REPL, quote arguments as in redis-cli (\"a b\", 'a b', \"\\x00\\n\"); `quit` or
`exit` (or end of input) leaves. `keyslot` and `nodes` work there too.";

/// What the command line asks for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Parsed {
    /// Run a command, or the REPL when `command` is empty.
    Run(Options),
    /// Print the help.
    Help,
    /// Print the version.
    Version,
}

/// The options and the command.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Options {
    /// Seed nodes, `host:port`.
    pub seeds: Vec<String>,
    /// Password, if any.
    pub password: Option<String>,
    /// ACL user, if any (then `password` is set too).
    pub user: Option<String>,
    /// Speak RESP3.
    pub resp3: bool,
    /// Per-request deadline, when not the client's default.
    pub timeout: Option<Duration>,
    /// Suppress routing lines.
    pub quiet: bool,
    /// The command and its arguments; empty for the REPL.
    pub command: Vec<Vec<u8>>,
}

/// What the environment supplies (`SLOTWISE_SEEDS`, `SLOTWISE_PASSWORD`).
#[derive(Debug, Clone, Default)]
pub struct Env {
    /// `SLOTWISE_SEEDS`: comma-separated `host:port`s.
    pub seeds: Option<String>,
    /// `SLOTWISE_PASSWORD`.
    pub password: Option<String>,
}

impl Env {
    /// Reads the variables from the process environment.
    pub fn from_process() -> Env {
        Env {
            seeds: std::env::var("SLOTWISE_SEEDS").ok(),
            password: std::env::var("SLOTWISE_PASSWORD").ok(),
        }
    }
}

/// Parses the arguments (without the program name).
///
/// # Errors
///
/// A message for the user when the command line is not valid.
pub fn parse<I>(args: I, env: &Env) -> Result<Parsed, String>
where
    I: IntoIterator<Item = OsString>,
{
    let mut args = args.into_iter().map(OsString::into_encoded_bytes);
    let mut seeds = Vec::new();
    let mut password = None;
    let mut user = None;
    let mut resp3 = false;
    let mut timeout = None;
    let mut quiet = false;
    let mut command = Vec::new();
    while let Some(arg) = args.next() {
        if arg == b"--" {
            command.extend(args.by_ref());
            break;
        }
        if arg.len() < 2 || arg[0] != b'-' {
            command.push(arg);
            command.extend(args.by_ref());
            break;
        }
        let text = String::from_utf8_lossy(&arg).into_owned();
        // `--name=value` carries its value inline.
        let (name, inline) = match text.split_once('=') {
            Some((n, v)) if n.starts_with("--") => (n.to_string(), Some(v.to_string())),
            _ => (text.clone(), None),
        };
        let mut value = |what: &str| -> Result<String, String> {
            if let Some(v) = inline.clone() {
                return Ok(v);
            }
            match args.next() {
                Some(v) => Ok(String::from_utf8_lossy(&v).into_owned()),
                None => Err(format!("{name} needs {what}")),
            }
        };
        match name.as_str() {
            "-s" | "--seed" => {
                for s in value("a HOST:PORT")?.split(',') {
                    seeds.push(check_seed(s)?);
                }
            }
            "-a" | "--pass" | "--password" => password = Some(value("a password")?),
            "--user" => user = Some(value("a user name")?),
            "-t" | "--timeout" => {
                let v = value("a number of seconds")?;
                let secs: f64 = v
                    .parse()
                    .ok()
                    .filter(|s: &f64| s.is_finite() && *s > 0.0)
                    .ok_or_else(|| {
                        format!("--timeout takes a positive number of seconds, not {v:?}")
                    })?;
                timeout = Some(Duration::from_secs_f64(secs));
            }
            "-3" | "--resp3" => resp3 = true,
            "-q" | "--quiet" => quiet = true,
            "-h" | "--help" => return Ok(Parsed::Help),
            "-V" | "--version" => return Ok(Parsed::Version),
            _ => {
                return Err(format!(
                    "unknown option {name} (options go before the command; use -- to pass a \
                     command that starts with '-')"
                ))
            }
        }
    }
    if seeds.is_empty() {
        match env
            .seeds
            .as_deref()
            .map(str::trim)
            .filter(|s| !s.is_empty())
        {
            Some(list) => {
                for s in list.split(',').map(str::trim).filter(|s| !s.is_empty()) {
                    seeds.push(check_seed(s).map_err(|e| format!("SLOTWISE_SEEDS: {e}"))?);
                }
            }
            None => seeds.push(DEFAULT_SEED.to_string()),
        }
    }
    if password.is_none() {
        password = env.password.clone();
    }
    if user.is_some() && password.is_none() {
        return Err("--user needs a password too (-a PASSWORD or SLOTWISE_PASSWORD)".into());
    }
    Ok(Parsed::Run(Options {
        seeds,
        password,
        user,
        resp3,
        timeout,
        quiet,
        command,
    }))
}

/// Accepts `host:port` (IPv6 as `[::1]:7000`), with a valid port.
fn check_seed(s: &str) -> Result<String, String> {
    let s = s.trim();
    let ok = s
        .rsplit_once(':')
        .is_some_and(|(host, port)| !host.is_empty() && port.parse::<u16>().is_ok_and(|p| p > 0));
    if ok {
        Ok(s.to_string())
    } else {
        Err(format!("seed {s:?} is not HOST:PORT (e.g. 127.0.0.1:7000)"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn run(args: &[&str], env: &Env) -> Result<Options, String> {
        match parse(args.iter().map(OsString::from), env)? {
            Parsed::Run(o) => Ok(o),
            other => panic!("{other:?}"),
        }
    }

    fn words(c: &[Vec<u8>]) -> Vec<String> {
        c.iter()
            .map(|w| String::from_utf8_lossy(w).into_owned())
            .collect()
    }

    #[test]
    fn defaults_and_command() {
        let o = run(&["GET", "k"], &Env::default()).unwrap();
        assert_eq!(o.seeds, [DEFAULT_SEED]);
        assert_eq!(words(&o.command), ["GET", "k"]);
        assert!(!o.quiet && o.password.is_none() && o.user.is_none());
        assert!(run(&[], &Env::default()).unwrap().command.is_empty());
    }

    #[test]
    fn options_before_the_command_only() {
        let o = run(
            &[
                "-s",
                "h:1",
                "--seed=h:2,h:3",
                "-a",
                "pw",
                "--user",
                "u",
                "-q",
                "-3",
            ],
            &Env::default(),
        )
        .unwrap();
        assert_eq!(o.seeds, ["h:1", "h:2", "h:3"]);
        assert_eq!(
            (o.user.as_deref(), o.password.as_deref()),
            (Some("u"), Some("pw"))
        );
        assert!(o.quiet && o.resp3 && o.command.is_empty());
        // After the command name, dashes are arguments.
        let o = run(&["-q", "INCRBY", "n", "-5", "-q"], &Env::default()).unwrap();
        assert_eq!(words(&o.command), ["INCRBY", "n", "-5", "-q"]);
        let o = run(&["--", "-weird"], &Env::default()).unwrap();
        assert_eq!(words(&o.command), ["-weird"]);
    }

    #[test]
    fn environment_fills_the_gaps() {
        let env = Env {
            seeds: Some(" a:1, b:2 ".into()),
            password: Some("secret".into()),
        };
        let o = run(&["PING"], &env).unwrap();
        assert_eq!(o.seeds, ["a:1", "b:2"]);
        assert_eq!(o.password.as_deref(), Some("secret"));
        // -s wins over the environment.
        assert_eq!(run(&["-s", "c:3"], &env).unwrap().seeds, ["c:3"]);
    }

    #[test]
    fn usage_errors() {
        let e = Env::default();
        assert!(run(&["-s"], &e).unwrap_err().contains("-s needs"));
        assert!(run(&["-s", "nohost"], &e)
            .unwrap_err()
            .contains("HOST:PORT"));
        assert!(run(&["-s", "h:99999"], &e)
            .unwrap_err()
            .contains("HOST:PORT"));
        assert!(run(&["--bogus"], &e)
            .unwrap_err()
            .contains("unknown option"));
        assert!(run(&["--user", "u"], &e).unwrap_err().contains("password"));
        assert!(run(&["-t", "0"], &e).unwrap_err().contains("positive"));
        assert_eq!(parse(["--help"].map(OsString::from), &e), Ok(Parsed::Help));
        assert_eq!(
            run(&["-t", "1.5"], &e).unwrap().timeout,
            Some(Duration::from_millis(1500))
        );
    }
}
