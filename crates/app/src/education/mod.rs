//! Accredited education: attendance marked by staff ([`attendance`]), activities with their
//! credits and evaluation questions, evaluations, credit claims, certificates and transcripts
//! ([`activities`], [`learner`]), the PDFs ([`pdf`]) and the accreditor exports ([`exports`]:
//! PARS learner completions and activity record, CPE Monitor, the joint-provider package). The
//! PDFs and exports are pure functions of plain structs the use-cases fill from the store; the
//! rules themselves are in `core::education`.

pub mod activities;
pub mod attendance;
pub mod exports;
pub mod learner;
pub mod pdf;
