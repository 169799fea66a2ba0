//! Domain types and rules as pure functions: no I/O, no clock reads, no database.
//!
//! Everything here is a function of its inputs (and an injected [`time::Clock`] where time matters),
//! so it is unit-tested without a server.

pub mod billing;
pub mod calendar;
pub mod cancellation;
pub mod checkin;
pub mod committees;
pub mod custom_fields;
pub mod disclosure;
pub mod education;
pub mod events;
pub mod ids;
pub mod import;
pub mod joining;
pub mod level_rules;
pub mod markdown;
pub mod membership;
pub mod money;
pub mod npi;
pub mod people;
pub mod practice;
pub mod records;
pub mod registration;
pub mod roles;
pub mod signing;
pub mod spreadsheet;
pub mod stripe;
pub mod text;
pub mod time;
pub mod totp;
pub mod validate;

pub use ids::*;
pub use roles::Role;
pub use time::{Clock, FixedClock, SystemClock, Timestamp};
