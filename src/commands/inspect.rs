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
            Ok(json) => {
                println!("{json}");
                ExitCode::SUCCESS
            }
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
