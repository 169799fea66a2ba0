//! Accredited education, the parts that need no database: certificate and transcript PDFs
//! ([`pdf`]) and the accreditor exports ([`exports`]: PARS learner completions and activity
//! record, CPE Monitor, the joint-provider package). Each is a pure function of plain structs
//! the use-cases fill from the store; the rules themselves are in `core::education`.

pub mod exports;
pub mod pdf;
