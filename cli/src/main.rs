//! `slotwise`: run commands against a Redis Cluster and see where they went.
//!
//! ```text
//! $ slotwise -s 127.0.0.1:7000 SET foo bar
//! -> slot 12182 on 127.0.0.1:7002
//! OK
//! $ slotwise keyslot '{user42}:name'
//! slot 14710 (hash tag "user42")
//! ```
//!
//! Modules: [`args`] (command line), [`split`] (REPL quoting), [`format`] (replies and
//! routing lines), [`session`] (running one command), [`repl`], [`nodes`] (the shard table).

mod args;
mod format;
mod nodes;
mod repl;
mod session;
mod split;

use std::io::{self, Write};
use std::process::ExitCode;

use args::{Env, Parsed};
use session::{Outcome, Session};

fn main() -> ExitCode {
    let opts = match args::parse(std::env::args_os().skip(1), &Env::from_process()) {
        Ok(Parsed::Run(o)) => o,
        Ok(Parsed::Help) => {
            println!("{}", args::HELP);
            return ExitCode::SUCCESS;
        }
        Ok(Parsed::Version) => {
            println!("slotwise {}", env!("CARGO_PKG_VERSION"));
            return ExitCode::SUCCESS;
        }
        Err(msg) => {
            eprintln!("slotwise: {msg}\nTry 'slotwise --help'.");
            return ExitCode::from(2);
        }
    };
    let mut session = Session::new(opts);
    let result = if session.options().command.is_empty() {
        repl::run_stdio(&mut session)
    } else {
        let argv = session.options().command.clone();
        let stdout = io::stdout();
        let mut out = stdout.lock();
        session
            .execute(&argv, &mut out)
            .and_then(|o| out.flush().map(|()| o == Outcome::Ok))
    };
    match result {
        Ok(true) => ExitCode::SUCCESS,
        Ok(false) => ExitCode::FAILURE,
        // The reader went away (`slotwise KEYS '*' | head`): nothing more to say.
        Err(e) if e.kind() == io::ErrorKind::BrokenPipe => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("slotwise: {e}");
            ExitCode::FAILURE
        }
    }
}
