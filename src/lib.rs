//! lync-quickcall: open the EasyVista quick call for a Lync / Skype for Business contact,
//! from a static page.
//!
//! Lync launches `index.html?contactId=%contact-id%`; the page, this crate compiled to
//! WebAssembly, reads the contact, resolves it to an ITSM user id and sends the browser
//! to the quick call. The crate is a pure core plus two thin edges:
//!
//! - core (plain Rust, tested natively): [`contact`] reads what Lync sends, [`query`]
//!   the page's own URL, [`config`] validates `config.json`, [`directory`] maps contacts
//!   to user ids, [`outcome`] decides between one quick call, a chooser and a fallback,
//!   and [`target`] builds the URLs, all of them parsed by [`weburl`] (the `url` crate
//!   natively, the browser's own `URL` in the page);
//! - `web` (wasm32 only): reads `location`, fetches, renders and navigates;
//! - [`graph`] (Entra ID through Microsoft Graph, signed in with PKCE) and [`endpoint`]
//!   (a lookup service of the company's own) build the requests and read the answers
//!   of the two network sources;
//! - [`signed`] verifies Ed25519-signed files and [`published`] reads (and, natively,
//!   writes) the signed directory export;
//! - `adexport` (native only) reads Active Directory exports (CSV, LDIF) for the export
//!   tool;
//! - the `lync-quickcall` command-line tool (native only), for administrators.

#![forbid(unsafe_code)]

pub mod config;
pub mod contact;
pub mod csp;
pub mod directory;
pub mod endpoint;
pub mod graph;
pub mod i18n;
mod json;
pub mod outcome;
pub mod published;
pub mod query;
pub mod report;
pub mod signed;
pub mod target;
pub mod weburl;

#[cfg(not(target_arch = "wasm32"))]
pub mod adexport;
#[cfg(not(target_arch = "wasm32"))]
pub mod registry;

#[cfg(all(target_arch = "wasm32", target_os = "unknown"))]
mod web;

/// The page's allocator: Talc, smaller and faster in WebAssembly than the default
/// dlmalloc (the page is single-threaded: no `atomics`).
#[cfg(all(target_arch = "wasm32", not(target_feature = "atomics")))]
#[global_allocator]
static ALLOCATOR: talc::wasm::WasmDynamicTalc = talc::wasm::new_wasm_dynamic_allocator();

pub use config::{Config, ConfigError, Method, Profile};
pub use contact::{Contact, ContactError, PhoneNumber, SipAddress};
pub use directory::{Answers, Directory, DirectorySource, Lookup, PassThrough, Person};
pub use outcome::{decide, resolve_all, Choice, Outcome, Resolution};
pub use published::{DirectoryError, ExportDirectory, ShardRef, VerifiedManifest, VerifiedShard};
pub use query::{PageQuery, QueryError};
pub use signed::{PublicKey, SignedError, TrustedKeys};
pub use target::{Target, TargetError};
