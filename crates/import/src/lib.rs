//! Readers for files that come from outside systems. Pure parsing: no database and no crate of
//! ours, so the result is plain data a use-case matches against its own records.
//!
//! - [`zoom`]: Zoom meeting participant exports and webinar attendee reports, merged per person.
//! - [`decode`]: the encodings those files arrive in (UTF-8, UTF-16, Windows-1252).

pub mod decode;
pub mod zoom;

pub use decode::Encoding;
pub use zoom::{Attendee, Layout, Problem, ProblemKind, ZoomReport, attended, read_report};
