//! The Stripe stand-in as a process, for browser tests against the real binary:
//!
//! ```text
//! cargo run -p chapterhouse-testkit --bin stripe-standin -- --listen 127.0.0.1:12111 \
//!   --secret-key sk_test_… --webhook-secret whsec_… \
//!   --webhook-url http://127.0.0.1:8080/webhooks/stripe --webhook-host localhost
//! ```
//!
//! Then point the society at it: `chapterhouse admin payments --society SLUG --publishable-key
//! pk_test_… --secret-key sk_test_… --webhook-secret whsec_… --api-base http://127.0.0.1:12111`.
//! Checkout sessions open the stand-in's hosted page; its "Pay" button sends the signed webhooks
//! to the site and returns to the session's success URL.

use std::net::SocketAddr;
use std::sync::Arc;

use chapterhouse_core::SystemClock;
use chapterhouse_testkit::StripeStandin;

fn arg(args: &[String], name: &str) -> Option<String> {
    args.iter()
        .position(|a| a == name)
        .and_then(|i| args.get(i + 1))
        .cloned()
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let args: Vec<String> = std::env::args().collect();
    let listen: SocketAddr = arg(&args, "--listen")
        .unwrap_or_else(|| "127.0.0.1:12111".into())
        .parse()?;
    let secret_key = arg(&args, "--secret-key")
        .ok_or_else(|| anyhow::anyhow!("--secret-key sk_test_… is required"))?;
    let webhook_secret = arg(&args, "--webhook-secret")
        .ok_or_else(|| anyhow::anyhow!("--webhook-secret whsec_… is required"))?;
    let standin =
        StripeStandin::start_on(listen, &secret_key, &webhook_secret, Arc::new(SystemClock))
            .await?;
    if let Some(url) = arg(&args, "--webhook-url") {
        let rest = url
            .strip_prefix("http://")
            .ok_or_else(|| anyhow::anyhow!("--webhook-url must be http://host:port/path"))?;
        let (authority, path) = rest.split_once('/').unwrap_or((rest, ""));
        let addr = tokio::net::lookup_host(authority)
            .await?
            .next()
            .ok_or_else(|| anyhow::anyhow!("cannot resolve {authority}"))?;
        let host = arg(&args, "--webhook-host").unwrap_or_else(|| authority.to_string());
        standin.set_webhook_target(addr, &host, &format!("/{path}"));
    }
    println!("Stripe stand-in listening on {}", standin.base_url());
    tokio::signal::ctrl_c().await?;
    Ok(())
}
