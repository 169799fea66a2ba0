//! `chapterhouse`: the one binary. `serve` runs the web server and the job worker; the other
//! commands migrate, seed demo data, administer societies and print the default configuration.

mod config;
mod importexport;

use std::net::SocketAddr;
use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::Arc;
use std::time::Instant;

use chapterhouse_app::accounts::NewAccountInput;
use chapterhouse_app::jobs::Worker;
use chapterhouse_app::secrets::SecretBox;
use chapterhouse_app::societies::NewSocietyForm;
use chapterhouse_app::{Actor, App, AppError, LinkSettings};
use chapterhouse_core::Role;
use chapterhouse_core::signing::Signer;
use chapterhouse_core::time::{SharedClock, SystemClock};
use chapterhouse_mail::Mailer;
use chapterhouse_store::{Db, DbOptions, Store, migrate};
use chapterhouse_web::{AppState, WebConfig};
use clap::{Parser, Subcommand};
use tokio::sync::watch;

use crate::config::Config;

#[derive(Parser)]
#[command(
    name = "chapterhouse",
    version,
    about = "Membership, events, education and a public website for oncology societies"
)]
struct Cli {
    /// Configuration file (TOML). Without one, built-in defaults and CHAPTERHOUSE_* variables apply.
    #[arg(long, global = true, env = "CHAPTERHOUSE_CONFIG")]
    config: Option<PathBuf>,
    /// Data directory (SQLite file, secret key, mail outbox).
    #[arg(long, global = true)]
    data_dir: Option<PathBuf>,
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Run the web server and the job worker.
    Serve {
        /// Run the demo: three fictional societies in their own data directory.
        #[arg(long)]
        demo: bool,
        /// Address to listen on, e.g. 127.0.0.1:8080.
        #[arg(long)]
        listen: Option<String>,
        /// Do not run the job worker in this process (PostgreSQL deployments with separate workers).
        #[arg(long)]
        no_worker: bool,
    },
    /// Run only the job worker.
    Worker,
    /// Apply database migrations and exit.
    Migrate,
    /// Write demo content into its own data directory (idempotent).
    Demo,
    /// Administer societies and accounts.
    Admin {
        #[command(subcommand)]
        command: Box<AdminCommand>,
    },
    /// Import from CSV files (`import members`).
    Import {
        #[command(subcommand)]
        command: importexport::ImportCommand,
    },
    /// Export CSV files (`export members`).
    Export {
        #[command(subcommand)]
        command: importexport::ExportCommand,
    },
    /// Configuration helpers.
    Config {
        #[command(subcommand)]
        command: ConfigCommand,
    },
    /// Load-test data: generate published events and registrations into a society of the data
    /// directory's database (see bench/README.md). Refuses to run twice on one database.
    #[command(hide = true)]
    GenerateEvents {
        /// The society's slug (default: the first demo society).
        #[arg(long)]
        society: Option<String>,
        #[arg(long, default_value_t = 2_000)]
        events: usize,
        #[arg(long, default_value_t = 200_000)]
        registrations: usize,
    },
}

#[derive(Subcommand)]
enum AdminCommand {
    /// Create a society with its primary host and first owner.
    CreateSociety {
        #[arg(long)]
        name: String,
        #[arg(long)]
        short_name: String,
        #[arg(long)]
        slug: String,
        #[arg(long)]
        host: String,
        #[arg(long, default_value = "America/New_York")]
        time_zone: String,
        #[arg(long)]
        email: String,
        #[arg(long, default_value = "")]
        postal_address: String,
        #[arg(long)]
        owner_name: String,
        #[arg(long)]
        owner_email: String,
        /// Without one, the owner is emailed a link to choose a password.
        #[arg(long, env = "CHAPTERHOUSE_OWNER_PASSWORD")]
        owner_password: Option<String>,
    },
    /// Create an account in a society.
    CreateUser {
        /// The society's slug.
        #[arg(long)]
        society: String,
        #[arg(long)]
        email: String,
        #[arg(long)]
        name: String,
        /// member, staff, admin or owner.
        #[arg(long, default_value = "staff")]
        role: String,
        /// Also make the account a deployment operator.
        #[arg(long)]
        operator: bool,
        #[arg(long, env = "CHAPTERHOUSE_USER_PASSWORD")]
        password: Option<String>,
    },
    /// Set a society's Stripe keys (stored encrypted), as its admins can on the payments page.
    Payments {
        /// The society's slug.
        #[arg(long)]
        society: String,
        #[arg(long)]
        publishable_key: String,
        /// Empty keeps the saved one.
        #[arg(long, env = "CHAPTERHOUSE_STRIPE_SECRET_KEY", default_value = "")]
        secret_key: String,
        /// The webhook endpoint's signing secret; empty keeps the saved one.
        #[arg(long, env = "CHAPTERHOUSE_STRIPE_WEBHOOK_SECRET", default_value = "")]
        webhook_secret: String,
        /// Where the API lives: Stripe's own unless you point it at a local stand-in.
        #[arg(long)]
        api_base: Option<String>,
    },
}

#[derive(Subcommand)]
enum ConfigCommand {
    /// Print an annotated configuration file with every setting and its default.
    Default,
}

const DEMO_DIR: &str = "chapterhouse-data/demo";
const OPERATOR_EMAIL: &str = "operator@chapterhouse.example";

#[tokio::main]
async fn main() -> ExitCode {
    let cli = Cli::parse();
    match run(cli).await {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => {
            // One clear line; the detail is in the chain.
            eprintln!("chapterhouse: {}", error_line(&error));
            ExitCode::FAILURE
        }
    }
}

fn error_line(error: &anyhow::Error) -> String {
    let mut parts = vec![error.to_string()];
    for cause in error.chain().skip(1) {
        let text = cause.to_string();
        if !parts.iter().any(|p| p.contains(&text)) {
            parts.push(text);
        }
    }
    parts.join(": ")
}

fn init_logging(config: &Config) {
    let filter = tracing_subscriber::EnvFilter::try_from_env("CHAPTERHOUSE_LOG")
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info,sqlx=warn,tower_http=warn"));
    let builder = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_target(false);
    if config.log_format == "json" {
        builder.json().init();
    } else {
        builder.init();
    }
}

async fn open(config: &Config) -> anyhow::Result<(App, Store)> {
    let db = Db::connect(&config.database_url(), &DbOptions::default()).await?;
    let clock: SharedClock = Arc::new(SystemClock);
    migrate::run(&db, clock.now().0).await?;
    let store = Store::new(db);
    let mailer = match config.mail.mode.as_str() {
        "smtp" => {
            let smtp = config.mail.smtp.as_ref().ok_or_else(|| {
                anyhow::anyhow!("mail mode is smtp but [mail.smtp] is not configured")
            })?;
            Mailer::smtp(smtp)?
        }
        "outbox" => Mailer::file_outbox(config.data_dir.join("outbox"))?,
        other => anyhow::bail!("unknown mail mode {other:?}: use \"outbox\" or \"smtp\""),
    };
    let secret_key = config.secret_key()?;
    let app = App {
        store: store.clone(),
        clock,
        signer: Arc::new(Signer::new(&secret_key)),
        secrets: SecretBox::from_deployment_secret(&secret_key),
        mailer,
        links: LinkSettings {
            scheme: config.public_scheme.clone(),
            port_suffix: config.port_suffix(),
        },
    };
    Ok((app, store))
}

fn app_error(error: AppError) -> anyhow::Error {
    match error {
        AppError::Invalid(errors) => anyhow::anyhow!("{errors}"),
        other => anyhow::anyhow!("{other:#}"),
    }
}

async fn run(cli: Cli) -> anyhow::Result<()> {
    let mut config = Config::load(cli.config.as_deref())?;
    let demo = matches!(
        cli.command,
        Command::Serve { demo: true, .. } | Command::Demo
    );
    if demo {
        if config.database_url.is_some() {
            anyhow::bail!("the demo runs on its own SQLite file; unset DATABASE_URL to run it");
        }
        config.data_dir = cli
            .data_dir
            .clone()
            .unwrap_or_else(|| PathBuf::from(DEMO_DIR));
    } else if let Some(dir) = &cli.data_dir {
        config.data_dir = dir.clone();
    }
    if let Command::Serve {
        listen: Some(listen),
        ..
    } = &cli.command
    {
        config.listen = listen.clone();
    }
    match cli.command {
        Command::Config {
            command: ConfigCommand::Default,
        } => {
            print!("{}", config::DEFAULT_TOML);
            Ok(())
        }
        Command::Migrate => {
            let db = Db::connect(&config.database_url(), &DbOptions::default()).await?;
            let ran = migrate::run(&db, SystemClock.now().0).await?;
            println!(
                "applied {ran} migration(s) to the {} database",
                db.backend_name()
            );
            Ok(())
        }
        Command::Demo => {
            let (app, _) = open(&config).await?;
            let logins = seed_demo(&app).await?;
            print_logins(&config, &logins);
            Ok(())
        }
        Command::Admin { command } => admin(&config, *command).await,
        Command::Import { command } => {
            let (app, _) = open(&config).await?;
            importexport::import(&app, command).await
        }
        Command::Export { command } => {
            let (app, _) = open(&config).await?;
            importexport::export(&app, command).await
        }
        Command::Worker => {
            init_logging(&config);
            let (app, _) = open(&config).await?;
            let (tx, rx) = watch::channel(false);
            let worker = tokio::spawn(
                Worker::new(app)
                    .with_lock_seconds(config.job_lock_seconds)
                    .run(rx),
            );
            shutdown_signal().await;
            let _ = tx.send(true);
            let _ = worker.await;
            Ok(())
        }
        Command::Serve {
            demo, no_worker, ..
        } => serve(config, demo, no_worker).await,
        Command::GenerateEvents {
            society,
            events,
            registrations,
        } => generate_events(&config, society, events, registrations).await,
    }
}

async fn generate_events(
    config: &Config,
    society: Option<String>,
    events: usize,
    registrations: usize,
) -> anyhow::Result<()> {
    let (app, store) = open(config).await?;
    let slug = society.unwrap_or_else(|| chapterhouse_app::demo::SOCIETIES[0].slug.to_string());
    let society = store
        .society_by_slug(&slug)
        .await?
        .ok_or_else(|| anyhow::anyhow!("no society with the slug {slug:?}"))?;
    if !society.is_demo {
        anyhow::bail!(
            "generated events go only into a demo society (`chapterhouse demo` makes them)"
        );
    }
    let started = Instant::now();
    let made =
        chapterhouse_app::demo::scale::generate_events(&app, &society, events, registrations)
            .await
            .map_err(app_error)?;
    println!(
        "generated {} events ({} past, {} sessions, {} registration types), {} people, {} \
         registrations ({} waitlisted) and {} credit claims in {:.1} s",
        made.events,
        made.past_events,
        made.sessions,
        made.types,
        made.people,
        made.registrations,
        made.waitlisted,
        made.claims,
        started.elapsed().as_secs_f64()
    );
    println!(
        "largest event: /events/{} ({} registrations)",
        made.largest_slug, made.largest_registrations
    );
    Ok(())
}

use chapterhouse_core::Clock;

async fn seed_demo(app: &App) -> anyhow::Result<Vec<chapterhouse_app::demo::DemoLogin>> {
    let mut logins = chapterhouse_app::demo::seed(app).await.map_err(app_error)?;
    // An operator account on the first society, so the operator page can be tried.
    if let Some(first) = app
        .store
        .society_by_slug(chapterhouse_app::demo::SOCIETIES[0].slug)
        .await?
    {
        let scoped = app.scoped(&first);
        if scoped.account_by_email(OPERATOR_EMAIL).await?.is_none() {
            chapterhouse_app::accounts::create_account(
                app,
                &scoped,
                NewAccountInput {
                    email: OPERATOR_EMAIL.into(),
                    display_name: "Deployment operator".into(),
                    role: Role::Member,
                    is_operator: true,
                    password: Some(chapterhouse_app::demo::DEMO_PASSWORD.into()),
                },
                &Actor::anonymous("demo"),
            )
            .await
            .map_err(app_error)?;
        }
        logins.push(chapterhouse_app::demo::DemoLogin {
            url: app.links.base_url(&first),
            society: "operator".into(),
            email: OPERATOR_EMAIL.into(),
            role: "operator",
        });
    }
    Ok(logins)
}

fn print_logins(config: &Config, logins: &[chapterhouse_app::demo::DemoLogin]) {
    println!();
    println!(
        "Chapterhouse demo: every account's password is \"{}\"",
        chapterhouse_app::demo::DEMO_PASSWORD
    );
    for login in logins {
        println!(
            "  {:<28} {:<10} {:<34} {}",
            login.url, login.society, login.email, login.role
        );
    }
    println!(
        "  Sign-in links and other mail are written to {}",
        config.data_dir.join("outbox").display()
    );
    println!();
}

async fn admin(config: &Config, command: AdminCommand) -> anyhow::Result<()> {
    let (app, store) = open(config).await?;
    let actor = Actor::anonymous("cli");
    match command {
        AdminCommand::CreateSociety {
            name,
            short_name,
            slug,
            host,
            time_zone,
            email,
            postal_address,
            owner_name,
            owner_email,
            owner_password,
        } => {
            let form = NewSocietyForm {
                name,
                short_name,
                slug,
                host,
                time_zone,
                email,
                postal_address,
                phone: String::new(),
                owner_name,
                owner_email,
                owner_password: owner_password.unwrap_or_default(),
            };
            let (society, _) = chapterhouse_app::societies::create_society(&app, &form, &actor)
                .await
                .map_err(app_error)?;
            println!(
                "created {} at {}",
                society.name,
                app.links.base_url(&society)
            );
        }
        AdminCommand::CreateUser {
            society,
            email,
            name,
            role,
            operator,
            password,
        } => {
            let society = store
                .society_by_slug(&society)
                .await?
                .ok_or_else(|| anyhow::anyhow!("no society has the slug {society:?}"))?;
            let role: Role = role.parse().map_err(|e: String| anyhow::anyhow!(e))?;
            let scoped = app.scoped(&society);
            chapterhouse_app::accounts::create_account(
                &app,
                &scoped,
                NewAccountInput {
                    email: email.clone(),
                    display_name: name,
                    role,
                    is_operator: operator,
                    password,
                },
                &actor,
            )
            .await
            .map_err(app_error)?;
            println!("created {email} as {role} in {}", society.name);
        }
        AdminCommand::Payments {
            society,
            publishable_key,
            secret_key,
            webhook_secret,
            api_base,
        } => {
            let society = store
                .society_by_slug(&society)
                .await?
                .ok_or_else(|| anyhow::anyhow!("no society has the slug {society:?}"))?;
            let scoped = app.scoped(&society);
            chapterhouse_app::payments::configure(
                &app,
                &scoped,
                &chapterhouse_app::payments::SettingsForm {
                    publishable_key,
                    secret_key,
                    webhook_secret,
                },
                api_base.as_deref(),
                &actor,
            )
            .await
            .map_err(app_error)?;
            println!("saved the Stripe keys of {}", society.name);
        }
    }
    // Let the worker of a running server send any mail; here, send it now.
    let worker = Worker::new(app);
    while worker.run_once().await? > 0 {}
    Ok(())
}

async fn serve(config: Config, demo: bool, no_worker: bool) -> anyhow::Result<()> {
    let started = Instant::now();
    init_logging(&config);
    let (app, store) = open(&config).await?;
    if demo {
        let logins = seed_demo(&app).await?;
        print_logins(&config, &logins);
    }
    let addr: SocketAddr = config.listen.parse().map_err(|_| {
        anyhow::anyhow!(
            "cannot listen on {:?}: give an address like 127.0.0.1:8080",
            config.listen
        )
    })?;
    let listener = tokio::net::TcpListener::bind(addr)
        .await
        .map_err(|e| anyhow::anyhow!("cannot listen on {addr}: {e}"))?;
    let state = AppState::new(
        app.clone(),
        WebConfig {
            https: config.https,
            max_body_bytes: config.max_body_bytes,
            trust_forwarded_for: config.trust_forwarded_for,
        },
    );
    let router = chapterhouse_web::router(state);

    let (stop_worker, worker_rx) = watch::channel(false);
    let worker = if no_worker && matches!(store.db(), Db::Postgres(_)) {
        None
    } else {
        Some(tokio::spawn(
            Worker::new(app)
                .with_lock_seconds(config.job_lock_seconds)
                .run(worker_rx),
        ))
    };
    tracing::info!(%addr, database = store.db().backend_name(), startup_ms = started.elapsed().as_millis() as u64, "listening");
    // Graceful: stop accepting, finish in-flight requests, then stop the worker, which gives back
    // any job it had claimed.
    axum::serve(
        listener,
        router.into_make_service_with_connect_info::<SocketAddr>(),
    )
    .with_graceful_shutdown(shutdown_signal())
    .await?;
    let _ = stop_worker.send(true);
    if let Some(worker) = worker {
        let _ = worker.await;
    }
    store.db().close().await;
    tracing::info!("stopped");
    Ok(())
}

async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let terminate = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut signal) => {
                signal.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let terminate = std::future::pending::<()>();
    tokio::select! {
        _ = ctrl_c => {},
        _ = terminate => {},
    }
    tracing::info!("shutting down");
}
