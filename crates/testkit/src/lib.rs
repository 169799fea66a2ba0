//! Test support: a fresh database per test on SQLite or PostgreSQL, and a real SMTP server on
//! loopback that records what it receives.

pub mod db;
pub mod smtp_sink;
pub mod sql;
pub mod stripe_standin;

pub use db::{TestDb, test_db};
pub use smtp_sink::{ReceivedMail, SmtpSink};
pub use stripe_standin::{PayWith, StripeStandin};
