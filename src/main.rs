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
    /// Database URL [default: sqlite://postdesk.db, or the config file's].
    #[arg(long, global = true, env = "POSTDESK_DATABASE_URL")]
    database_url: Option<String>,
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// A working local setup: a private Dovecot and SMTP receiver on
    /// loopback, the gateway on them, and a customer writing in.
    Demo,
    /// Run the gateway: IMAP pollers and the SMTP sender for the configured email domains.
    Serve {
        /// Config file (TOML); POSTDESK_* environment variables override it.
        #[arg(long, env = "POSTDESK_CONFIG")]
        config: Option<PathBuf>,
    },
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
    /// API tokens.
    #[command(subcommand)]
    Token(TokenCommand),
    /// Agents.
    #[command(subcommand)]
    Agent(AgentCommand),
}

#[derive(Subcommand)]
enum AgentCommand {
    /// Set an agent's password for the pages, read from standard input
    /// (its first line); the agent's sessions end.
    Password { email: String },
}

#[derive(Subcommand)]
enum TokenCommand {
    /// Make a bearer token and print it (once: only its hash is kept).
    Create {
        #[arg(long)]
        name: String,
        /// admin or agent.
        #[arg(long)]
        role: String,
        /// The agent (by email) acting with this token.
        #[arg(long)]
        agent: Option<String>,
    },
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
    /// Mail preloaded into a local Dovecot → tickets through the real poller,
    /// beside a plain IMAP fetch of the same mail.
    Imap {
        #[arg(long, default_value_t = 10_000)]
        count: usize,
        /// Messages per fetch and per ingest transaction (the poller's default).
        #[arg(long, default_value_t = 2000)]
        batch: usize,
        /// Acknowledge no new ticket (`serve` acknowledges them by default).
        #[arg(long)]
        no_ack: bool,
    },
    /// A million tickets and three million messages, `serve` on them, and
    /// p50/p99 latency of the list, filters, search, a long thread and replies.
    Api(commands::bench::api::Options),
    /// The pages over HTTP on the same store as `bench api`: server time of
    /// the inbox (folders, a filter, a search) and a 100-message ticket, and
    /// the inbox's weight.
    Pages(commands::bench::api::Options),
    /// Pages watching `/live` while mail arrives: delivery latency from
    /// commit to page, and the server's CPU and memory.
    Live(commands::bench::live::Options),
    /// Queued replies → a local discarding SMTP receiver through the real
    /// sender, beside a plain SMTP send of the same mail.
    Smtp {
        #[arg(long, default_value_t = 10_000)]
        count: usize,
        #[arg(long, default_value_t = 4)]
        connections: u32,
    },
    /// Queued replies sent by `serve` into a local discarding SMTP receiver
    /// while `serve` is killed with SIGKILL; counts what went out twice.
    Resend {
        #[arg(long, default_value_t = 2000)]
        count: usize,
        #[arg(long, default_value_t = 5)]
        kills: usize,
        #[arg(long, default_value_t = 4)]
        connections: u32,
    },
}

#[tokio::main]
async fn main() -> ExitCode {
    no_transparent_huge_pages();
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env()
                .unwrap_or_else(|_| "warn,postdesk=info".into())
                // async-imap traces every command, LOGIN with its password
                // among them: never below info, whatever RUST_LOG says.
                .add_directive("async_imap=info".parse().expect("a valid directive")),
        )
        .with_writer(std::io::stderr)
        .init();
    let cli = Cli::parse();
    let database_url = cli
        .database_url
        .clone()
        .unwrap_or_else(|| postdesk::config::DEFAULT_DATABASE_URL.to_string());
    let result = match cli.command {
        Command::Serve { config } => serve(config.as_deref(), cli.database_url.as_deref()).await,
        Command::Inspect { file } => return commands::inspect::run(&file),
        Command::Import { path, batch } => commands::import::run(&database_url, &path, batch).await,
        Command::Demo => commands::demo::run(&database_url).await,
        Command::Migrate => commands::migrate(&database_url).await,
        Command::Tickets => commands::list_tickets(&database_url).await,
        Command::Token(TokenCommand::Create { name, role, agent }) => {
            commands::token::create(&database_url, &name, &role, agent.as_deref()).await
        }
        Command::Agent(AgentCommand::Password { email }) => {
            commands::agent::password(&database_url, &email).await
        }
        Command::Bench(BenchCommand::Ingest { count, batch }) => {
            commands::bench::ingest(count, batch).await
        }
        Command::Bench(BenchCommand::Imap {
            count,
            batch,
            no_ack,
        }) => commands::bench::mail::imap(count, batch, !no_ack).await,
        Command::Bench(BenchCommand::Pages(options)) => {
            commands::bench::pages::pages(options).await
        }
        Command::Bench(BenchCommand::Api(options)) => commands::bench::api::api(options).await,
        Command::Bench(BenchCommand::Live(options)) => commands::bench::live::live(options).await,
        Command::Bench(BenchCommand::Smtp { count, connections }) => {
            commands::bench::mail::smtp(count, connections).await
        }
        Command::Bench(BenchCommand::Resend {
            count,
            kills,
            connections,
        }) => commands::bench::resend::resend(count, kills, connections).await,
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(err) => {
            eprintln!("error: {err:#}");
            ExitCode::from(2)
        }
    }
}

async fn serve(path: Option<&std::path::Path>, database_url: Option<&str>) -> anyhow::Result<()> {
    let mut config = postdesk::config::Config::load(path)?;
    if let Some(url) = database_url {
        config.database_url = url.to_string();
    }
    commands::serve::run(&config).await
}

/// mimalloc asks the kernel for transparent huge pages, and the kernel
/// zeroes each fresh 2 MiB page whole on its first touch: a third of the CPU
/// of storing mail in `bench imap` (perf: clear_page_erms under
/// do_huge_pmd_anonymous_page). Off for this process: 20% more mail per
/// second, a quarter less memory.
fn no_transparent_huge_pages() {
    // SAFETY: PR_SET_THP_DISABLE takes plain integers and touches no memory
    // of ours; on a kernel without it the call fails and nothing changes.
    let _ = unsafe { libc::prctl(libc::PR_SET_THP_DISABLE, 1, 0, 0, 0) };
}
