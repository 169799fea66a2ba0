//! Use-cases. Each takes a scoped store handle, an actor and the clock, validates with `core`,
//! writes in one transaction, and enqueues its side effects (mail) as jobs in that transaction.

pub mod accounts;
pub mod applications;
pub mod attendance_import;
pub mod billing;
pub mod calendar;
pub mod cancellations;
pub mod checkin;
pub mod committees;
pub mod custom_fields;
pub mod daily;
pub mod demo;
pub mod education;
pub mod error;
pub mod event_report;
pub mod events;
pub mod export;
pub mod faculty;
pub mod import;
pub mod jobs;
pub mod join;
pub mod join_practice;
pub mod levels;
pub mod mail;
pub mod member_list;
pub mod membership;
pub mod pages;
pub mod passwords;
pub mod payments;
pub mod pdf;
pub mod people;
pub mod practices;
pub mod records;
pub mod redirects;
pub mod registrations;
pub mod renewals;
pub mod secrets;
pub mod societies;

use std::sync::Arc;

use chapterhouse_core::signing::Signer;
use chapterhouse_core::time::SharedClock;
use chapterhouse_core::{Timestamp, UserId};
use chapterhouse_mail::Mailer;
use chapterhouse_store::{Scoped, Society, Store};

pub use error::{AppError, AppResult};

/// How links to a society are written: scheme and an optional port suffix (":8080" in
/// development). The host always comes from the society's configured primary host.
#[derive(Clone, Debug)]
pub struct LinkSettings {
    pub scheme: String,
    pub port_suffix: String,
}

impl LinkSettings {
    pub fn base_url(&self, society: &Society) -> String {
        society.base_url(&self.scheme, &self.port_suffix)
    }
}

/// Everything a use-case may need besides its inputs. Cheap to clone.
#[derive(Clone)]
pub struct App {
    pub store: Store,
    pub clock: SharedClock,
    pub signer: Arc<Signer>,
    pub mailer: Mailer,
    pub links: LinkSettings,
    /// Encrypts secrets stored in the database (payment keys); derived from the deployment key.
    pub secrets: secrets::SecretBox,
}

impl App {
    pub fn now(&self) -> Timestamp {
        self.clock.now()
    }

    pub fn scoped(&self, society: &Society) -> Scoped {
        self.store.scoped(society)
    }
}

/// Who is acting, for the audit log.
#[derive(Clone, Debug, Default)]
pub struct Actor {
    pub account: Option<UserId>,
    pub ip: String,
}

impl Actor {
    pub fn anonymous(ip: impl Into<String>) -> Actor {
        Actor {
            account: None,
            ip: ip.into(),
        }
    }
}
