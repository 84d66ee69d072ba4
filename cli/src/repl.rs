//! The REPL: one command per line from stdin, a prompt only on a terminal.

use std::io::{self, BufRead, IsTerminal, Write};

use crate::session::{Outcome, Session};
use crate::split::split_args;

/// The prompt shown when stdin is a terminal.
pub const PROMPT: &str = "slotwise> ";

/// Runs the REPL on `input` until `quit`, `exit` or end of input; returns whether every
/// command succeeded.
///
/// # Errors
///
/// When reading `input` or writing `out` fails.
pub fn run(
    session: &mut Session,
    input: &mut dyn BufRead,
    out: &mut dyn Write,
    interactive: bool,
) -> io::Result<bool> {
    let mut all_ok = true;
    let mut line = Vec::new();
    loop {
        if interactive {
            out.write_all(PROMPT.as_bytes())?;
            out.flush()?;
        }
        line.clear();
        if input.read_until(b'\n', &mut line)? == 0 {
            if interactive {
                out.write_all(b"\n")?;
            }
            break;
        }
        let argv = match split_args(&line) {
            Ok(a) => a,
            Err(e) => {
                writeln!(out, "(error) {e}")?;
                all_ok = false;
                continue;
            }
        };
        let Some(first) = argv.first() else { continue };
        if argv.len() == 1
            && (first.eq_ignore_ascii_case(b"quit") || first.eq_ignore_ascii_case(b"exit"))
        {
            break;
        }
        if argv.len() == 1 && first.eq_ignore_ascii_case(b"help") {
            out.write_all(REPL_HELP.as_bytes())?;
            continue;
        }
        if session.execute(&argv, out)? == Outcome::Failed {
            all_ok = false;
        }
        out.flush()?;
    }
    out.flush()?;
    Ok(all_ok)
}

const REPL_HELP: &str = "\
Type a Redis command (quote arguments as in redis-cli: \"a b\", 'a b', \"\\x00\").
Each reply is preceded by its route: -> slot 7638 on 127.0.0.1:7001 (redirected 1x).
Local commands: keyslot KEY [KEY...] | nodes | help | quit | exit
";

/// Runs the REPL on the process' stdin and stdout. An interactive session always succeeds;
/// with piped input, it fails when any command failed (so scripts can check).
pub fn run_stdio(session: &mut Session) -> io::Result<bool> {
    let stdin = io::stdin();
    let interactive = stdin.is_terminal();
    let mut input = stdin.lock();
    let stdout = io::stdout();
    let mut out = stdout.lock();
    Ok(run(session, &mut input, &mut out, interactive)? || interactive)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::args::{parse, Env, Parsed};

    fn session() -> Session {
        // A seed nobody listens on: only local commands may run.
        let Ok(Parsed::Run(o)) = parse(["-s", "127.0.0.1:1"].map(Into::into), &Env::default())
        else {
            panic!()
        };
        Session::new(o)
    }

    fn repl(input: &str, interactive: bool) -> (String, bool) {
        let mut out = Vec::new();
        let ok = run(&mut session(), &mut input.as_bytes(), &mut out, interactive).unwrap();
        (String::from_utf8(out).unwrap(), ok)
    }

    #[test]
    fn local_commands_quit_and_no_prompt_when_piped() {
        let (out, ok) = repl(
            "keyslot foo\n\n  \nKEYSLOT \"a b\"\nquit\nkeyslot never\n",
            false,
        );
        assert_eq!(out, "slot 12182\nslot 9817\n");
        assert!(ok);
    }

    #[test]
    fn prompt_when_interactive_and_eof_ends() {
        let (out, ok) = repl("keyslot foo", true);
        assert_eq!(out, "slotwise> slot 12182\nslotwise> \n");
        assert!(ok);
    }

    #[test]
    fn bad_quoting_is_reported_and_the_loop_goes_on() {
        let (out, ok) = repl("keyslot \"foo\nkeyslot foo\nexit\n", false);
        assert_eq!(
            out,
            "(error) invalid argument(s): unbalanced quotes\nslot 12182\n"
        );
        assert!(!ok);
    }
}
