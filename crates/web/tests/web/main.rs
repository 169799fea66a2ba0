//! Web tests: the real router in process, a fresh SQLite database per test, mail through a real
//! SMTP server on loopback. One test binary for the crate (see the architecture's CI notes).

mod accounts;
mod billing;
mod cancellations;
mod checkin;
mod common;
mod education;
mod events;
mod importexport;
mod isolation;
mod join;
mod join_practice;
mod payments;
mod people;
mod practices;
mod registrations;
mod site;
mod speakers;
mod staff;
mod staff_people;
