use crate::mail::{inspect::inspect, parse};
use std::path::Path;
use std::process::ExitCode;

/// Prints the inspection JSON; exit 2 with a message on unreadable input.
pub fn run(file: &Path) -> ExitCode {
    let raw = match std::fs::read(file) {
        Ok(raw) => raw,
        Err(e) => {
            eprintln!("error: cannot read {}: {e}", file.display());
            return ExitCode::from(2);
        }
    };
    match parse(&raw) {
        Ok(mail) => match serde_json::to_string_pretty(&inspect(&mail)) {
            Ok(json) => print_quietly(&json),
            Err(e) => {
                eprintln!("error: {e}");
                ExitCode::from(2)
            }
        },
        Err(e) => {
            eprintln!("error: {} is not a readable email: {e}", file.display());
            ExitCode::from(2)
        }
    }
}

/// Writes `json` to standard output. A reader that stopped early (`| head`)
/// closes the pipe: that ends the output, not in a panic.
fn print_quietly(json: &str) -> ExitCode {
    use std::io::Write;
    let mut out = std::io::stdout().lock();
    match writeln!(out, "{json}").and_then(|()| out.flush()) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: writing the output: {e}");
            ExitCode::from(2)
        }
    }
}
