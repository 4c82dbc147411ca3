//! The browser glue: read `location`, fetch `config.json`, resolve, then navigate,
//! show the chooser, or explain what is wrong. Everything it decides comes from the
//! core; this module only does the I/O. It must not panic (a panic poisons the module),
//! and if it does anyway the panic hook still renders a message.
//!
//! The page speaks the browser's language from the start, and the one `config.json`
//! sets once it is read ([`crate::i18n::choose`]). Opened without a contact, it shows
//! what it is and offers to open `sip:` and `tel:` links (`dom::show_home`).
//!
//! The page is built twice from this crate (`cargo xtask dist`): every load runs the
//! build without the `graph` feature; a Microsoft Graph configuration, or a sign-in
//! answer coming back to the page, is handed over to the build with it
//! (`handover`), which `main.js` loads only then and which runs the same code with
//! `graph` (the sign-in and lookups) in.

#![deny(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod dom;
mod endpoint;
mod fetch;
#[cfg(feature = "graph")]
mod graph;
#[cfg(not(feature = "graph"))]
mod handover;
pub(crate) mod json;
#[cfg(feature = "graph")]
mod storage;

use wasm_bindgen::prelude::*;

use web_sys::RequestCache;

use crate::config::Config;
use crate::contact::Contact;
use crate::directory::{DirectorySource, PassThrough};
use crate::outcome::{decide, resolve_all, Outcome};
use crate::published::{ExportDirectory, VerifiedManifest};
use crate::query::{PageQuery, QueryError};
use crate::report;
use crate::signed::TrustedKeys;
use crate::target::Target;

/// An error the page shows: a message, and a link that still helps when there is one.
pub(crate) struct PageError {
    message: String,
    fallback: Option<Target>,
}

impl<E: std::fmt::Display> From<E> for PageError {
    fn from(e: E) -> Self {
        PageError {
            message: e.to_string(),
            fallback: None,
        }
    }
}

/// A readable description of a thrown JavaScript value.
pub(crate) fn describe(value: &JsValue) -> String {
    if let Some(e) = value.dyn_ref::<js_sys::Error>() {
        return String::from(e.message());
    }
    value.as_string().unwrap_or_else(|| format!("{value:?}"))
}

/// The browser's preferred languages (`navigator.languages`), most preferred first.
fn browser_languages() -> Vec<String> {
    web_sys::window()
        .map(|w| {
            w.navigator()
                .languages()
                .iter()
                .filter_map(|l| l.as_string())
                .collect()
        })
        .unwrap_or_default()
}

/// Chooses the page's language ([`crate::i18n::choose`]: `configured`, config.json's
/// `language`, else the browser's languages), and says it to the document.
fn use_language(configured: Option<&str>) {
    let preferred = browser_languages();
    let code = crate::i18n::choose(configured, preferred.iter().map(String::as_str));
    crate::i18n::set_language(code);
    dom::set_language(code);
}

/// Fetches the catalogue of the page's language (`locales/<code>.ftl`, beside
/// `index.html`), or English when that fails, unless it is at hand: called before any
/// state with words is shown. Most loads redirect without words and never fetch one.
/// A catalogue that cannot be had leaves the messages readable (their ids and values).
pub(crate) async fn ensure_catalogue() {
    let code = crate::i18n::language();
    for candidate in [code, crate::i18n::CODES[0]] {
        if crate::i18n::is_loaded(candidate) {
            break;
        }
        if let Ok(text) = fetch::text(&format!("locales/{candidate}.ftl")).await {
            crate::i18n::load(candidate, text);
            break;
        }
    }
    dom::set_language(code);
}

/// Installs a panic hook that renders the panic as the page's error message.
fn install_panic_hook() {
    std::panic::set_hook(Box::new(|info| {
        let message = crate::tr!("error-internal", detail = info);
        web_sys::console::error_1(&JsValue::from_str(&message));
        dom::show_error(&message, None);
    }));
}

/// Entry point, called by `main.js` once the module is instantiated, with
/// `config.json` as `boot.js` read it (see [`fetch::read_by_boot`]; `undefined` when
/// boot.js did not). A plain redirect goes at once ([`go_now`]): nothing to wait for,
/// and no more of the module's code than deciding needs, which the browser compiles on
/// first use. Anything else (a lookup, the chooser, an error to explain, the home page)
/// goes on asynchronously.
#[wasm_bindgen]
pub fn run(read: JsValue) {
    install_panic_hook();
    let config = match fetch::read_by_boot(&read) {
        Some(Ok(text)) if go_now(&text) => return,
        Some(Ok(text)) => ConfigFrom::Text(text),
        Some(Err(e)) => ConfigFrom::Failed(e),
        None => ConfigFrom::Url(fetch::READ_BY_BOOT),
    };
    wasm_bindgen_futures::spawn_local(finish(config));
}

/// Entry point of the build with the `graph` feature, called by `graph.js` when the
/// build without it hands over (see the module documentation): `config` is
/// `config.json` as that build read it, or nothing for a sign-in answer (it is read
/// then).
#[cfg(feature = "graph")]
#[wasm_bindgen(js_name = "runHandedOver")]
pub async fn run_handed_over(config: Option<String>) {
    install_panic_hook();
    finish(match config {
        Some(text) => ConfigFrom::Text(text),
        None => ConfigFrom::Url(fetch::READ_BY_BOOT),
    })
    .await;
}

/// The page's query string, its fragment joined back (a `#` in a raw address cut the
/// contact list).
fn page_query(location: &web_sys::Location) -> Result<String, String> {
    let search = location.search().map_err(|e| describe(&e))?;
    let hash = location.hash().map_err(|e| describe(&e))?;
    Ok(crate::query::with_fragment(&search, &hash))
}

/// A plain redirect, at once: the page's query and `config.json`'s text lead to one
/// place ([`crate::outcome::immediate`]), and the browser goes there. `false` when
/// there is more to do, or anything fails: [`finish`] then does all of it, and says
/// what went wrong.
fn go_now(config_text: &str) -> bool {
    let Some(window) = web_sys::window() else {
        return false;
    };
    let location = window.location();
    let Ok(search) = page_query(&location) else {
        return false;
    };
    // A sign-in answer is taken out of the address bar first (see `run_page`).
    if crate::graph::signin::SignInReturn::parse(&search).is_some() {
        return false;
    }
    let Ok(config) = Config::from_json(config_text) else {
        return false;
    };
    match crate::outcome::immediate(&search, &config) {
        // `replace`, so that Back does not bounce through this page.
        Some(target) => location.replace(target.as_str()).is_ok(),
        None => false,
    }
}

/// Everything but a plain redirect (see [`run`]): reads the page and `config`, then
/// navigates, shows what it has to, or explains what is wrong.
async fn finish(config: ConfigFrom<'static>) {
    // The browser's language until config.json is read, so that even its absence is
    // explained in the technician's language. (A plain redirect shows no words.)
    use_language(None);
    if let Err(e) = run_page(config).await {
        ensure_catalogue().await;
        dom::show_error(&e.message, e.fallback.as_ref());
    }
}

/// Triggers a panic, so that tests can check the panic hook renders it.
#[doc(hidden)]
#[wasm_bindgen(js_name = "__panicForTest")]
pub fn panic_for_test() {
    install_panic_hook();
    #[allow(clippy::panic)]
    {
        panic!("deliberate test panic")
    }
}

async fn run_page(config: ConfigFrom<'static>) -> Result<(), PageError> {
    let window = web_sys::window().ok_or("no window")?;
    let location = window.location();
    let search = page_query(&location)?;
    // A sign-in answer: out of the address bar and history before anything else.
    #[cfg(feature = "graph")]
    let returned = graph::take_return(&search)?;
    #[cfg(feature = "graph")]
    let search = returned.as_ref().map_or(search, |r| r.query().to_string());
    #[cfg(not(feature = "graph"))]
    let returned = match crate::graph::signin::SignInReturn::parse(&search) {
        Some(_) => return handover::hand_over(None).await.map(|_| ()),
        None => None,
    };
    let page_url = location.href().map_err(|e| describe(&e))?;
    match prepare(&search, config, &page_url, returned).await? {
        Step::Go(target) => {
            // Without fetching words: boot.js already says "Opening the quick call…".
            if crate::i18n::is_loaded(crate::i18n::language()) {
                dom::show_working(&match target.url().host_str() {
                    Some(host) => crate::tr!("working-opening", host = host),
                    None => crate::tr!("working-opening-quick-call"),
                });
            }
            // `replace`, so that Back does not bounce through this page.
            location
                .replace(target.as_str())
                .map_err(|e| describe(&e))?;
            Ok(())
        }
        Step::Shown => Ok(()),
    }
}

/// What is left to do once the page has decided.
#[derive(Debug)]
pub(crate) enum Step {
    /// Navigate there (already checked to be on a configured origin).
    Go(Target),
    /// The chooser, the dry-run report or the way to sign-in is under way; nothing
    /// more to do.
    Shown,
}

/// Where [`prepare`] gets `config.json`'s text.
pub(crate) enum ConfigFrom<'a> {
    /// Fetched from this URL.
    Url(&'a str),
    /// Already read: by `boot.js`, or by the build without `graph`, handing over.
    Text(String),
    /// `boot.js` could not read it: why, as the module's own fetch would say.
    Failed(String),
}

/// A sign-in answer the address bar carried (see `graph::take_return`); the build
/// without `graph` hands those over and never has one.
#[cfg(feature = "graph")]
type Returned = graph::Returned;
#[cfg(not(feature = "graph"))]
type Returned = handover::Never;

/// Whole seconds since 1970; `Date.now()` is a finite, positive number of ms.
fn now() -> u64 {
    (js_sys::Date::now() / 1000.0) as u64
}

/// Reads `search`, loads the configuration (`config`), resolves the contacts and
/// decides. Renders the chooser or dry-run report itself; returns where to go.
/// `page_url` is the page's address (the sign-in's redirect URI comes from it);
/// `returned`, a sign-in answer the address bar carried.
pub(crate) async fn prepare(
    search: &str,
    config: ConfigFrom<'_>,
    page_url: &str,
    returned: Option<Returned>,
) -> Result<Step, PageError> {
    let config_text = match config {
        ConfigFrom::Url(url) => fetch::text(url).await?,
        ConfigFrom::Text(text) => text,
        ConfigFrom::Failed(e) => return Err(PageError::from(e)),
    };
    let config = Config::from_json(&config_text)?;
    use_language(config.language.as_deref());
    let fallback = || config.profile(None).ok().and_then(|p| p.unknown_contact());
    // This build hands sign-in answers over before reading anything: it has none.
    #[cfg(not(feature = "graph"))]
    let _ = returned;
    // A sign-in answer is checked before anything else is read: a forged or replayed
    // one stops here, and its code never reaches the token endpoint.
    #[cfg(feature = "graph")]
    let accepted = match (returned, &config.directory) {
        (None, _) => None,
        (Some(r), DirectorySource::Graph(settings)) => Some(
            graph::accept(r, settings, page_url, now()).map_err(|e| PageError {
                message: e.to_string(),
                fallback: fallback(),
            })?,
        ),
        (Some(_), _) => {
            return Err(PageError {
                message: crate::graph::signin::SignInError::NotStartedHere.to_string(),
                fallback: fallback(),
            })
        }
    };
    let query = match PageQuery::parse(search) {
        Ok(q) => q,
        // Opened without a contact, by someone browsing to it: what the page is, and
        // the way to make it open sip: and tel: links.
        Err(QueryError::MissingContact) => {
            let profile = crate::query::requested_profile(search);
            config.profile(profile.as_deref())?;
            let handler = protocol_handler(page_url, profile.as_deref());
            ensure_catalogue().await;
            dom::show_home(&config, profile.as_deref(), handler);
            return Ok(Step::Shown);
        }
        Err(e) => {
            return Err(PageError {
                message: e.to_string(),
                fallback: fallback(),
            });
        }
    };
    let profile = config.profile(query.profile.as_deref())?;
    let failed = |message: String| PageError {
        message,
        fallback: profile.unknown_contact(),
    };
    let (source, resolutions) = match &config.directory {
        DirectorySource::None => (
            crate::tr!("page-directory-none"),
            resolve_all(&query.contacts, &PassThrough),
        ),
        // Never falls back to the SIP address when the export cannot be verified: the
        // error page says why, and the page goes nowhere.
        DirectorySource::Export { path, keys } => {
            let (summary, directory) = export_directory(path, keys, &query.contacts)
                .await
                .map_err(failed)?;
            (summary, resolve_all(&query.contacts, &directory))
        }
        #[cfg(not(feature = "graph"))]
        DirectorySource::Graph(_) => return handover::hand_over(Some(config_text)).await,
        #[cfg(feature = "graph")]
        DirectorySource::Graph(settings) => {
            let hint = match &query.user {
                Some(Contact::Sip(a)) => Some(a.as_str()),
                _ => None,
            };
            let outcome = graph::directory(
                settings,
                page_url,
                search,
                hint,
                &query.contacts,
                accepted,
                now(),
            )
            .await
            .map_err(|e| failed(e.to_string()))?;
            match outcome {
                graph::Outcome::Answers(answers) => {
                    (settings.summary(), resolve_all(&query.contacts, &answers))
                }
                graph::Outcome::SigningIn => return Ok(Step::Shown),
            }
        }
        DirectorySource::Endpoint(settings) => {
            let answers = endpoint::directory(settings, &query.contacts)
                .await
                .map_err(|e| failed(e.to_string()))?;
            (
                crate::tr!("page-directory-endpoint", template = settings.template()),
                resolve_all(&query.contacts, &answers),
            )
        }
    };
    let outcome = decide(profile, &resolutions);
    if query.dry_run {
        ensure_catalogue().await;
        dom::show_dry_run(&report::dry_run(
            &query,
            profile,
            &source,
            &resolutions,
            &outcome,
        ));
        return Ok(Step::Shown);
    }
    match outcome {
        Outcome::Navigate { target, .. } if config.allows(target.url()) => Ok(Step::Go(target)),
        Outcome::Navigate { target, .. } => Err(PageError::from(crate::tr!(
            "page-refused-target",
            target = target
        ))),
        Outcome::Choose { choices, hidden } => {
            ensure_catalogue().await;
            dom::show_chooser(&choices, hidden);
            Ok(Step::Shown)
        }
        Outcome::Failed { message, fallback } => Err(PageError { message, fallback }),
    }
}

/// Whether and how the page can offer to open `sip:` and `tel:` links: only in a
/// secure context (https, or the local machine) of a browser with
/// `navigator.registerProtocolHandler`.
fn protocol_handler(page_url: &str, profile: Option<&str>) -> dom::Handler {
    let Some(window) = web_sys::window() else {
        return dom::Handler::Unsupported;
    };
    if !window.is_secure_context() {
        return dom::Handler::NotSecure;
    }
    let supported = js_sys::Reflect::has(
        &window.navigator(),
        &JsValue::from_str("registerProtocolHandler"),
    )
    .unwrap_or(false);
    if !supported {
        return dom::Handler::Unsupported;
    }
    dom::Handler::Offer(crate::query::handler_url(page_url, profile))
}

/// Fetches and verifies the signed export under `path` (the manifest, then the shard
/// of each contact), and reads what it says of `contacts`. A shard that is gone means
/// the export was replaced between the two requests: the manifest is read once more,
/// and the lookup tried again with it.
async fn export_directory(
    path: &str,
    keys: &TrustedKeys,
    contacts: &[Contact],
) -> Result<(String, ExportDirectory), String> {
    let manifest_url = format!("{path}manifest.json");
    let incomplete = |url: &str| crate::tr!("page-export-incomplete", url = url, path = path);
    // The shard found missing with the first manifest, and that manifest's export.
    let mut missed: Option<(String, String)> = None;
    loop {
        let bytes = fetch::bytes(&manifest_url, RequestCache::NoCache).await?;
        let manifest = VerifiedManifest::open(&bytes, keys, now()).map_err(|e| e.to_string())?;
        if let Some((url, export)) = &missed {
            if export == manifest.export_id() {
                // Not replaced: the export itself lacks the shard.
                return Err(incomplete(url));
            }
        }
        let mut shards = Vec::new();
        let mut gone = None;
        for shard in manifest.shards_for(contacts) {
            // Shard files never change (a new export gets a new folder): cache them.
            let url = format!("{path}{}", shard.path());
            match fetch::bytes_or_missing(&url, RequestCache::Default).await? {
                Some(bytes) => shards.push(
                    manifest
                        .open_shard(&shard, &bytes, keys)
                        .map_err(|e| e.to_string())?,
                ),
                None => {
                    gone = Some(url);
                    break;
                }
            }
        }
        match gone {
            None => {
                let directory = manifest
                    .directory(contacts, &shards)
                    .map_err(|e| e.to_string())?;
                return Ok((manifest.summary(), directory));
            }
            Some(url) if missed.is_some() => return Err(incomplete(&url)),
            Some(url) => missed = Some((url, manifest.export_id().to_string())),
        }
    }
}

#[cfg(test)]
mod tests;
