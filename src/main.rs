use clap::{Parser, Subcommand};

#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;
use postdesk::commands;
use std::path::PathBuf;
use std::process::ExitCode;

/// Postdesk: an email-thread ticketing gateway.
#[derive(Parser)]
#[command(version, about)]
struct Cli {
    /// Database URL.
    #[arg(
        long,
        global = true,
        env = "POSTDESK_DATABASE_URL",
        default_value = "sqlite://postdesk.db"
    )]
    database_url: String,
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Print, as JSON, what ingestion would see in one email file.
    Inspect { file: PathBuf },
    /// Ingest an .eml file, a folder of them, an mbox or a maildir.
    Import {
        path: PathBuf,
        /// Emails per transaction.
        #[arg(long, default_value_t = 4000)]
        batch: usize,
    },
    /// Apply database migrations.
    Migrate,
    /// List tickets with their message counts.
    Tickets,
    /// Measure throughput.
    #[command(subcommand)]
    Bench(BenchCommand),
}

#[derive(Subcommand)]
enum BenchCommand {
    /// Generated realistic threads through the whole pipeline into a fresh SQLite.
    Ingest {
        #[arg(long, default_value_t = 100_000)]
        count: usize,
        #[arg(long, default_value_t = 4000)]
        batch: usize,
    },
}

#[tokio::main]
async fn main() -> ExitCode {
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env().unwrap_or_else(|_| "warn".into()),
        )
        .with_writer(std::io::stderr)
        .init();
    let cli = Cli::parse();
    let result = match cli.command {
        Command::Inspect { file } => return commands::inspect::run(&file),
        Command::Import { path, batch } => {
            commands::import::run(&cli.database_url, &path, batch).await
        }
        Command::Migrate => commands::migrate(&cli.database_url).await,
        Command::Tickets => commands::list_tickets(&cli.database_url).await,
        Command::Bench(BenchCommand::Ingest { count, batch }) => {
            commands::bench::ingest(count, batch).await
        }
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(err) => {
            eprintln!("error: {err:#}");
            ExitCode::from(2)
        }
    }
}
