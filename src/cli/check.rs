//! `lync-quickcall check <page-url>`: fetches a deployed page as a browser would and
//! checks what the technicians' browsers need, one line per check (`ok`, `warning`,
//! `FAILED` and what to do); the exit code is 1 when a check fails.
//!
//! 1. `index.html` answers 200 as HTML (the URL may be the folder or `index.html`);
//! 2. every script, module preload, style sheet and the WebAssembly module it (and its
//!    modules) reference answer 200 with the right content type (`application/wasm`
//!    above all: IIS needs the `<mimeMap>` of the shipped `web.config`);
//! 3. `config.json` is valid (the validation and messages of `check-config`), holds
//!    none of the example's placeholders (an auto connection link on another host than
//!    `itsm_url` is a warning) and every profile builds a well-formed quick call URL;
//! 4. with `"source": "export"`, the manifest verifies against `public_keys` and is not
//!    (nearly) expired, and one shard verifies;
//! 5. the Content-Security-Policy (header and `<meta>`) lets the page compile
//!    WebAssembly and reach what its directory source needs; `nosniff` is sent;
//! 6. `index.html`, `config.json` and `manifest.json` are revalidated, hashed files may
//!    be cached;
//! 7. a long query (a 50-person conference) is accepted (IIS's `maxQueryString`);
//! 8. with `--contact`, where the page would send the browser for that contact.
//!
//! The decisions are plain functions in [`rules`] and [`html`]; [`http`] fetches (10 s
//! time-outs, bounded bodies, the operating system's certificate store); this file
//! only runs the checks in order and collects the [`report`].

mod html;
mod http;
mod report;
mod rules;

use std::io::Write as _;

use anyhow::{bail, Context as _};
use lync_quickcall::csp;
use lync_quickcall::published::{format_utc, VerifiedManifest, VerifiedShard, MANIFEST_FILE};
use lync_quickcall::{
    resolve_all, Config, Contact, DirectorySource, PageQuery, PassThrough, Resolution, TrustedKeys,
};
use url::Url;

use super::check_config::{
    attribute_escape, contact_query, contacts_of, describe, lint, profile_samples, validate,
    Verdict, SAMPLE_USER_ID,
};
use html::{Kind, Reference};
use http::{Answer, Client};
use report::{Check, Report, Sample, Status};
use rules::{Changing, PolicyFrom};

/// The largest `index.html` read.
const PAGE_LIMIT: usize = 1024 * 1024;
/// The largest script or style sheet read.
const FILE_LIMIT: usize = 8 * 1024 * 1024;
/// The largest WebAssembly module read.
const WASM_LIMIT: usize = 32 * 1024 * 1024;
/// The largest `config.json` or `manifest.json` read.
const JSON_LIMIT: usize = 1024 * 1024;
/// The largest shard read (they are about 13 KB at most).
const SHARD_LIMIT: usize = 4 * 1024 * 1024;
/// The most files followed from `index.html` (the shipped page loads five).
const MAX_FILES: usize = 32;
/// Days of validity under which an export is a warning.
const EXPIRY_WARNING_SECS: u64 = 2 * 86_400;

/// The command's arguments.
#[derive(clap::Args)]
#[command(
    after_help = "Exit code: 0 when no check failed (warnings included), 1 otherwise. \
    Every request has a 10-second time-out; HTTPS trusts this machine's certificate store; \
    no proxy is used and nothing is sent but GET requests for the page's own files."
)]
pub struct Args {
    /// The page's address as the Lync menu opens it: its folder
    /// (https://intranet/quickcall/) or its index.html.
    page: String,
    /// Also resolve this contact as the page would, and print the URL it would open:
    /// sip:john.doe@contoso.com, tel:+33123456789, or Lync's whole Contacts=<...> list.
    #[arg(long)]
    contact: Option<String>,
    /// The profile to resolve --contact with [default: config.json's default_profile].
    #[arg(long, requires = "contact")]
    profile: Option<String>,
    /// Print one JSON document (checks with name, status ok|warning|failed and message;
    /// the contact's target) instead of text, for monitoring.
    #[arg(long)]
    json: bool,
}

pub fn run(args: &Args) -> anyhow::Result<()> {
    let page = page_url(&args.page)?;
    let client = Client::new();
    let mut site = Site {
        client: &client,
        report: Report {
            page: page.to_string(),
            ..Report::default()
        },
        now: super::now_unix()?,
        manifest_answer: None,
    };
    site.check(&page, args.contact.as_deref(), args.profile.as_deref());
    let report = site.report;
    let text = if args.json {
        format!("{}\n", report.json())
    } else {
        report.text()
    };
    let mut out = std::io::stdout().lock();
    if let Err(e) = out.write_all(text.as_bytes()).and_then(|()| out.flush()) {
        // A reader that stopped reading (`| head`) is not an error of the check.
        if e.kind() != std::io::ErrorKind::BrokenPipe {
            bail!("cannot write the report: {e}");
        }
    }
    let n = report.counts();
    if n.failed > 0 {
        bail!(
            "{} of {} checks failed for {}",
            n.failed,
            report.checks.len(),
            report.page
        );
    }
    Ok(())
}

/// The page's URL from the command line: absolute `http(s)`, without query or
/// fragment (a whole Lync link may be pasted).
fn page_url(given: &str) -> anyhow::Result<Url> {
    let mut url = Url::parse(given.trim()).with_context(|| {
        format!("'{given}' is not an absolute URL; give the page's address, e.g. https://intranet/quickcall/")
    })?;
    if !matches!(url.scheme(), "http" | "https") {
        bail!("'{given}' is not an http:// or https:// address");
    }
    url.set_query(None);
    url.set_fragment(None);
    Ok(url)
}

/// A file the page loads, as answered.
struct Loaded {
    kind: Kind,
    url: String,
    cache_control: Option<String>,
    nosniff: bool,
}

/// Whether an answer carries `X-Content-Type-Options: nosniff`.
fn has_nosniff(a: &Answer) -> bool {
    a.all("x-content-type-options")
        .iter()
        .any(|v| v.trim().eq_ignore_ascii_case("nosniff"))
}

/// ` (redirected to ...)` when `answer` is not from `asked`.
fn redirected(asked: &Url, answer: &Answer) -> String {
    if answer.url == asked.as_str() {
        String::new()
    } else {
        format!(" (redirected to {})", answer.url)
    }
}

/// A verified export, for the contact's lookup.
struct Export {
    folder: Url,
    keys: TrustedKeys,
    manifest: VerifiedManifest,
    shards: Vec<VerifiedShard>,
}

/// One run of the checks.
struct Site<'a> {
    client: &'a Client,
    report: Report,
    now: u64,
    /// The export's `manifest.json` as answered (200): its URL and `Cache-Control`.
    manifest_answer: Option<(String, Option<String>)>,
}

impl Site<'_> {
    fn push(&mut self, check: Check) {
        self.report.push(check);
    }

    /// Fetches `url`; when it gets no answer, records check `name` as failed with why.
    fn get(&mut self, name: &str, url: &Url, limit: usize) -> Option<http::Answer> {
        match self.client.get(url, limit) {
            Ok(a) => Some(a),
            Err(e) => {
                self.push(Check::failed(name, e));
                None
            }
        }
    }

    /// Every check, in order.
    fn check(&mut self, page: &Url, contact: Option<&str>, profile: Option<&str>) {
        let Some(answer) = self.page(page) else {
            return;
        };
        // Relative references resolve against the page as the browser ends up on it.
        let base = Url::parse(&answer.url).unwrap_or_else(|_| page.clone());
        let html = String::from_utf8_lossy(&answer.body).into_owned();
        let loaded = self.files(&base, &html);
        let config = self.config(&base);
        self.catalogues(&base);
        let contacts = contact.and_then(|c| contacts_of(c).ok());
        let export = match &config {
            Some((config, _)) => self.directory(&base, config, contacts.as_deref()),
            None => None,
        };
        let origins = config
            .as_ref()
            .map(|(c, _)| c.directory.connect_origins())
            .unwrap_or_default();
        self.policy(&answer, &html, &origins);
        self.nosniff(&answer, &loaded);
        self.caching(&answer, &loaded, config.as_ref());
        self.long_query(page);
        if let Some(contact) = contact {
            self.contact(
                page,
                contact,
                profile,
                config.as_ref().map(|(c, _)| c),
                export,
            );
        }
    }

    /// `index.html`: 200, HTML.
    fn page(&mut self, url: &Url) -> Option<Answer> {
        let answer = match self.client.get(url, PAGE_LIMIT) {
            Ok(a) => a,
            Err(e) => {
                self.push(Check::failed(
                    "page",
                    format!("{e}; nothing else was checked"),
                ));
                return None;
            }
        };
        if answer.status != 200 {
            let hint = if answer.status == 404 {
                ": is the address right (the folder holding index.html, as in the Lync menu's Path)?"
            } else {
                ""
            };
            self.push(Check::failed(
                "page",
                format!(
                    "{url}: {}{}{hint}; nothing else was checked",
                    answer.status_line(),
                    redirected(url, &answer)
                ),
            ));
            return None;
        }
        let content_type = answer.header("content-type");
        let essence = rules::essence(content_type.as_deref());
        let size = super::human_bytes(answer.body.len());
        if !rules::is_html(&essence) {
            self.push(Check::failed(
                "page",
                format!(
                    "{}{} is served as '{}', not text/html: browsers show it as text or \
                     download it; map .html to text/html",
                    answer.url,
                    redirected(url, &answer),
                    content_type.unwrap_or_default()
                ),
            ));
            return Some(answer);
        }
        let last = answer.url.split(['?', '#']).next().unwrap_or("");
        let last = last.rsplit('/').next().unwrap_or("");
        if !last.is_empty() && !last.contains('.') {
            self.push(Check::warning(
                "page",
                format!(
                    "{}: HTTP 200, {essence}, {size}{}; but the address does not end with '/': \
                     the browser looks for the page's files in the folder above; use {}/ in \
                     the Lync menu",
                    answer.url,
                    redirected(url, &answer),
                    answer.url
                ),
            ));
        } else {
            self.push(Check::ok(
                "page",
                format!(
                    "{}: HTTP 200, {essence}, {size}{}",
                    answer.url,
                    redirected(url, &answer)
                ),
            ));
        }
        Some(answer)
    }

    /// The files `index.html` and its modules load.
    fn files(&mut self, base: &Url, html: &str) -> Vec<Loaded> {
        let mut queue: Vec<(Reference, Url, &'static str)> = html::page_references(html)
            .into_iter()
            .map(|r| (r, base.clone(), "index.html"))
            .collect();
        // What the module scripts inline in index.html load (main.js: the module,
        // graph.js), relative to the page.
        for (_, js) in html::inline_elements(html)
            .into_iter()
            .filter(|(k, _)| *k == Kind::Module)
        {
            for r in html::module_references(&js) {
                queue.push((r, base.clone(), "index.html's module script"));
            }
        }
        let mut seen: Vec<Url> = Vec::new();
        let mut loaded = Vec::new();
        let mut wasm = false;
        let mut next = 0;
        while next < queue.len() && seen.len() < MAX_FILES {
            let (reference, from, referrer) = queue[next].clone();
            next += 1;
            let name = format!("{} {}", reference.kind.word(), reference.href);
            let Ok(mut url) = from.join(&reference.href) else {
                self.push(Check::failed(
                    name,
                    format!(
                        "{referrer} refers to '{}', which is not a usable URL",
                        reference.href
                    ),
                ));
                continue;
            };
            url.set_fragment(None);
            if seen.contains(&url) {
                continue;
            }
            seen.push(url.clone());
            wasm |= reference.kind == Kind::Wasm;
            let limit = if reference.kind == Kind::Wasm {
                WASM_LIMIT
            } else {
                FILE_LIMIT
            };
            let answer = match self.client.get(&url, limit) {
                Ok(a) => a,
                Err(e) => {
                    self.push(Check::failed(name, format!("{e} (loaded by {referrer})")));
                    continue;
                }
            };
            if answer.status != 200 {
                self.push(Check::failed(
                    name,
                    format!(
                        "{url}: {} (loaded by {referrer}): a file of the page is missing; {}",
                        answer.status_line(),
                        rules::not_found_hint(reference.kind, url.path())
                    ),
                ));
                continue;
            }
            let content_type = answer.header("content-type");
            let (status, message) = rules::judge_file(
                reference.kind,
                url.as_str(),
                content_type.as_deref(),
                &answer.body,
            );
            let message = format!("{message}{}", redirected(&url, &answer));
            self.push(Check::new(name, status, message));
            if reference.kind == Kind::Module && status == Status::Ok {
                let js = String::from_utf8_lossy(&answer.body);
                let module_url = Url::parse(&answer.url).unwrap_or_else(|_| url.clone());
                for r in html::module_references(&js) {
                    queue.push((r, module_url.clone(), "a module"));
                }
            }
            loaded.push(Loaded {
                kind: reference.kind,
                url: url.to_string(),
                cache_control: answer.header("cache-control"),
                nosniff: has_nosniff(&answer),
            });
        }
        if !wasm {
            self.push(Check::failed(
                "wasm",
                format!(
                    "neither {base} nor its scripts reference a WebAssembly module (.wasm): this is \
                     not the quick call page, or its files are not those of one `cargo xtask dist`"
                ),
            ));
        }
        loaded
    }

    /// `locales/<code>.ftl`, one per language the page speaks: 200 and UTF-8 (the page
    /// fetches its words there to show an error, the chooser or the dry run).
    fn catalogues(&mut self, base: &Url) {
        let name = "words";
        let mut found = Vec::new();
        for code in lync_quickcall::i18n::CODES {
            let Ok(url) = base.join(&format!("locales/{code}.ftl")) else {
                continue;
            };
            let Some(answer) = self.get(name, &url, JSON_LIMIT) else {
                return;
            };
            if answer.status != 200 || std::str::from_utf8(&answer.body).is_err() {
                self.push(Check::failed(
                    name,
                    format!(
                        "{url}: {}: the page fetches its words there to show an error, the \
                         chooser or the dry run, and would show message ids instead; copy the \
                         `locales` folder of the bundle's `site` folder beside index.html; {}",
                        answer.status_line(),
                        rules::not_found_hint(Kind::Other, url.path())
                    ),
                ));
                return;
            }
            found.push(url.to_string());
        }
        self.push(Check::ok(name, found.join(", ")));
    }

    /// `config.json`: 200, valid, every profile's sample well formed. Returns it with
    /// its answer's `Cache-Control`.
    fn config(&mut self, base: &Url) -> Option<(Config, Option<String>)> {
        let name = "config.json";
        let url = match base.join("config.json") {
            Ok(u) => u,
            Err(e) => {
                self.push(Check::failed(name, format!("{base}: {e}")));
                return None;
            }
        };
        let answer = self.get(name, &url, JSON_LIMIT)?;
        if answer.status != 200 {
            self.push(Check::failed(
                name,
                format!(
                    "{url}: {}: the page cannot start without it; copy config.json beside \
                     index.html; {}",
                    answer.status_line(),
                    rules::not_found_hint(Kind::Other, url.path())
                ),
            ));
            return None;
        }
        let Ok(text) = std::str::from_utf8(&answer.body) else {
            self.push(Check::failed(
                name,
                format!(
                    "{url} is not UTF-8 text: save it as UTF-8 (Notepad: Save as, Encoding UTF-8)"
                ),
            ));
            return None;
        };
        let config = match validate(text, url.as_str()) {
            Ok(c) => c,
            Err(e) => {
                self.push(Check::failed(name, format!("{e:#}")));
                return None;
            }
        };
        let content_type = answer.header("content-type");
        let essence = rules::essence(content_type.as_deref());
        let summary = format!(
            "{url}: valid, {} profile(s) (default {}), directory source {}",
            config.profiles.len(),
            config.default_profile,
            source_name(&config.directory)
        );
        if rules::is_json(&essence) {
            self.push(Check::ok(name, summary));
        } else {
            self.push(Check::warning(
                name,
                format!(
                    "{summary}; but it is served as '{}', not application/json (the page reads \
                     it anyway): {}",
                    content_type.unwrap_or_default(),
                    rules::IIS_JSON_MIME
                ),
            ));
        }
        // What the page accepts but would still get wrong: the example's placeholders
        // (errors) and an auto connection link on another host than itsm_url (a warning).
        for finding in lint(&config, text) {
            let name = format!("config.json {}", finding.field);
            let message = finding.to_string();
            if finding.error {
                self.push(Check::failed(name, message));
            } else {
                self.push(Check::warning(name, message));
            }
        }
        for sample in profile_samples(&config) {
            let check_name = format!("profile {}", sample.name);
            let default = if sample.is_default {
                "the default profile; "
            } else {
                ""
            };
            let unknown = match &sample.unknown {
                Some(t) if config.allows(t.url()) => format!("unknown contact -> {t}"),
                Some(t) => {
                    self.push(Check::failed(
                        check_name,
                        format!("its unknown-contact page {t} is not on a configured origin"),
                    ));
                    continue;
                }
                None => "unknown contact -> error page (no fallback_url)".into(),
            };
            match &sample.quick_call {
                Ok(t) if config.allows(t.url()) => self.push(Check::ok(
                    check_name,
                    format!("{default}{SAMPLE_USER_ID} -> {t}; {unknown}"),
                )),
                Ok(t) => self.push(Check::failed(
                    check_name,
                    format!("{SAMPLE_USER_ID} -> {t}, which is not on a configured origin: the page would refuse to open it"),
                )),
                Err(e) => self.push(Check::failed(
                    check_name,
                    format!("{SAMPLE_USER_ID} gives no quick call URL: {e}"),
                )),
            }
        }
        Some((config, answer.header("cache-control")))
    }

    /// The directory source; with `export`, the manifest and one shard (that of the
    /// first of `contacts`, else of the sample user).
    fn directory(
        &mut self,
        base: &Url,
        config: &Config,
        contacts: Option<&[Contact]>,
    ) -> Option<Export> {
        let (path, keys) = match &config.directory {
            DirectorySource::Export { path, keys } => (path, keys),
            DirectorySource::None => {
                self.push(Check::ok(
                    "directory",
                    "none: a contact's SIP address is its EasyVista user id",
                ));
                return None;
            }
            DirectorySource::Graph(g) => {
                self.push(Check::ok(
                    "directory",
                    format!(
                        "{}; the page signs in as the technician, which this check cannot do: \
                         try a contact in a browser with ?dryrun=1",
                        g.summary()
                    ),
                ));
                return None;
            }
            DirectorySource::Endpoint(e) => {
                self.push(Check::ok(
                    "directory",
                    format!(
                        "lookup endpoint {} (credentials: {}); the page asks it as the \
                         technician, which this check does not do: try a contact in a browser \
                         with ?dryrun=1",
                        e.template(),
                        e.credentials.as_str()
                    ),
                ));
                return None;
            }
            other => {
                self.push(Check::ok("directory", format!("{other:?}")));
                return None;
            }
        };
        let name = "export manifest";
        let (folder, url) = match base
            .join(path)
            .and_then(|folder| Ok((folder.clone(), folder.join(MANIFEST_FILE)?)))
        {
            Ok(v) => v,
            Err(e) => {
                self.push(Check::failed(name, format!("{base}{path}: {e}")));
                return None;
            }
        };
        let answer = self.get(name, &url, JSON_LIMIT)?;
        if answer.status != 200 {
            let what = if answer.status == 404 {
                format!(
                    ": there is no directory export there; run `lync-quickcall export --out \
                     <the page's folder>\\{}` (README: Resolving contacts with Active Directory), \
                     or correct directory.path in config.json; {}",
                    path.trim_end_matches('/'),
                    rules::not_found_hint(Kind::Other, url.path())
                )
            } else {
                String::new()
            };
            self.push(Check::failed(
                name,
                format!(
                    "{url}: {}{what}; the page shows an error for every contact",
                    answer.status_line()
                ),
            ));
            return None;
        }
        self.manifest_answer = Some((url.to_string(), answer.header("cache-control")));
        let manifest = match VerifiedManifest::open(&answer.body, keys, self.now) {
            Ok(m) => m,
            Err(e) => {
                self.push(Check::failed(
                    name,
                    format!("{url}: {e}; the page refuses the export and shows an error for every contact"),
                ));
                return None;
            }
        };
        let key_index = keys
            .keys()
            .iter()
            .position(|k| k == manifest.signer())
            .map_or_else(String::new, |i| format!(" (directory.public_keys[{i}])"));
        let left = manifest.expires().saturating_sub(self.now);
        let facts = format!(
            "{url}: signature valid, signed by {}{key_index}; export {} of {} users ({} keys) in \
             {} shard(s), made {}, valid until {}",
            manifest.signer(),
            manifest.export_id(),
            manifest.users(),
            manifest.keys(),
            manifest.shard_count(),
            format_utc(manifest.created()),
            format_utc(manifest.expires()),
        );
        let essence = rules::essence(answer.header("content-type").as_deref());
        let type_note = if rules::is_json(&essence) {
            String::new()
        } else {
            format!(
                "; served as '{essence}', not application/json: {}",
                rules::IIS_JSON_MIME
            )
        };
        if left < EXPIRY_WARNING_SECS {
            self.push(Check::warning(
                name,
                format!(
                    "{facts}: only {} left; the daily export should have replaced it by now: \
                     check the scheduled task and its last-export.log (README: Schedule the \
                     export){type_note}",
                    rules::duration_words(left)
                ),
            ));
        } else if type_note.is_empty() {
            self.push(Check::ok(
                name,
                format!("{facts} ({} left)", rules::duration_words(left)),
            ));
        } else {
            self.push(Check::warning(
                name,
                format!("{facts} ({} left){type_note}", rules::duration_words(left)),
            ));
        }
        let sample;
        let contacts = match contacts {
            Some(c) if !c.is_empty() => c,
            _ => {
                sample = Contact::parse(&format!("sip:{SAMPLE_USER_ID}")).ok()?;
                std::slice::from_ref(&sample)
            }
        };
        let mut export = Export {
            folder,
            keys: keys.clone(),
            manifest,
            shards: Vec::new(),
        };
        let first = export.manifest.shards_for(&contacts[..1]);
        match self.shard(&mut export, first.first()?) {
            Ok(message) => self.push(Check::ok("export shard", message)),
            Err(message) => self.push(Check::failed("export shard", message)),
        }
        Some(export)
    }

    /// Fetches and verifies one shard into `export`; the message names its URL.
    fn shard(
        &self,
        export: &mut Export,
        shard: &lync_quickcall::ShardRef,
    ) -> Result<String, String> {
        let url = export
            .folder
            .join(shard.path())
            .map_err(|e| format!("{}{}: {e}", export.folder, shard.path()))?;
        let answer = self.client.get(&url, SHARD_LIMIT)?;
        if answer.status != 200 {
            return Err(format!(
                "{url}: {}: the manifest names the export folder {}, which is not there whole; \
                 copy the export folder before manifest.json (README: Where the files go)",
                answer.status_line(),
                export.manifest.export_id()
            ));
        }
        let verified = export
            .manifest
            .open_shard(shard, &answer.body, &export.keys)
            .map_err(|e| format!("{url}: {e}"))?;
        let message = format!(
            "{url}: signature valid, {} entries, {}",
            verified.len(),
            super::human_bytes(answer.body.len())
        );
        export.shards.push(verified);
        Ok(message)
    }

    /// The Content-Security-Policy of the page: header(s) and `<meta>`.
    fn policy(&mut self, page: &Answer, html: &str, origins: &[String]) {
        let name = "content-security-policy";
        let page_origin = Url::parse(&page.url)
            .map(|u| u.origin().ascii_serialization())
            .unwrap_or_default();
        let mut policies: Vec<(PolicyFrom, String)> = page
            .all("content-security-policy")
            .iter()
            .flat_map(|v| v.split(','))
            .map(str::trim)
            .filter(|p| !p.is_empty())
            .map(|p| (PolicyFrom::Header, p.to_string()))
            .collect();
        if let Some(meta) = csp::from_html(html) {
            policies.push((PolicyFrom::Meta, meta));
        }
        if policies.is_empty() {
            self.push(Check::warning(
                name,
                format!(
                    "{}: no Content-Security-Policy, neither header nor <meta>: the page works, \
                     but the shipped index.html and web.config set one so that no foreign or \
                     inline script runs beside the page (README: Security); deploy them",
                    page.url
                ),
            ));
            return;
        }
        let inline = html::inline_elements(html);
        let problems: Vec<rules::PolicyProblem> = policies
            .iter()
            .filter_map(|(from, p)| rules::judge_policy(*from, p, &page_origin, origins, &inline))
            .collect();
        if problems.is_empty() {
            let wheres: Vec<&str> = policies
                .iter()
                .map(|(f, _)| match f {
                    PolicyFrom::Header => "header",
                    PolicyFrom::Meta => "<meta>",
                })
                .collect();
            let reach = if origins.is_empty() {
                String::new()
            } else {
                format!(" and {}", origins.join(" "))
            };
            let reach = if inline.is_empty() {
                reach
            } else {
                format!("{reach}, and the page's inline script and style by their hash")
            };
            self.push(Check::ok(
                name,
                format!(
                    "{}: the policy ({}) allows 'wasm-unsafe-eval' and connect-src 'self'{reach}",
                    page.url,
                    wheres.join(" and ")
                ),
            ));
            return;
        }
        let mut lines = Vec::new();
        for p in problems {
            let escaped = attribute_escape(&p.fixed);
            match p.from {
                PolicyFrom::Header => lines.push(format!(
                    "the Content-Security-Policy header of {}: {}. Replace it with, in web.config:\n  \
                     <add name=\"Content-Security-Policy\" value=\"{escaped}\" />\n(nginx: \
                     add_header Content-Security-Policy \"{}\";)",
                    page.url,
                    p.problems.join("; "),
                    p.fixed
                )),
                PolicyFrom::Meta => lines.push(format!(
                    "the <meta> policy of {} (index.html): {}. Replace it with:\n  <meta \
                     http-equiv=\"Content-Security-Policy\" content=\"{escaped}\">",
                    page.url,
                    p.problems.join("; ")
                )),
            }
        }
        self.push(Check::failed(name, lines.join("\n")));
    }

    /// `X-Content-Type-Options: nosniff` on the page and its files.
    fn nosniff(&mut self, page: &Answer, loaded: &[Loaded]) {
        let mut without: Vec<&str> = Vec::new();
        if !has_nosniff(page) {
            without.push(&page.url);
        }
        without.extend(loaded.iter().filter(|l| !l.nosniff).map(|l| l.url.as_str()));
        if without.is_empty() {
            self.push(Check::ok(
                "nosniff",
                format!(
                    "X-Content-Type-Options: nosniff is sent with {} and its {} file(s)",
                    page.url,
                    loaded.len()
                ),
            ));
        } else {
            self.push(Check::warning(
                "nosniff",
                format!(
                    "X-Content-Type-Options: nosniff is missing on {}: browsers may guess a \
                     file's type (MIME sniffing); add the header as the shipped web.config does \
                     (<add name=\"X-Content-Type-Options\" value=\"nosniff\" />; nginx: \
                     add_header X-Content-Type-Options nosniff;)",
                    without.join(", ")
                ),
            ));
        }
    }

    /// Caching: what changes in place is revalidated; hashed files may be cached.
    fn caching(
        &mut self,
        page: &Answer,
        loaded: &[Loaded],
        config: Option<&(Config, Option<String>)>,
    ) {
        let fix = |url: &str, location: &str| {
            let mut path = Url::parse(url)
                .map(|u| u.path().to_string())
                .unwrap_or_default();
            // nginx adds the headers of index.html's location, where it sends a request
            // for the folder inside the server.
            if path.ends_with('/') {
                path.push_str("index.html");
            }
            format!(
                "IIS: the shipped web.config's <location path=\"{location}\"> with <clientCache \
                 cacheControlMode=\"DisableCache\" />; nginx: location = {path} {{ add_header \
                 Cache-Control no-cache; }}"
            )
        };
        let (status, message) = rules::judge_changing(
            Changing::Page,
            &page.url,
            page.header("cache-control").as_deref(),
            &fix(&page.url, "index.html"),
        );
        self.push(Check::new("cache index.html", status, message));
        if let Some((_, cache_control)) = config {
            let url = Url::parse(&page.url)
                .and_then(|u| u.join("config.json"))
                .map(|u| u.to_string())
                .unwrap_or_else(|_| "config.json".into());
            let (status, message) = rules::judge_changing(
                Changing::Data,
                &url,
                cache_control.as_deref(),
                &fix(&url, "config.json"),
            );
            self.push(Check::new("cache config.json", status, message));
        }
        if let (Some((url, cache_control)), Some((config, _))) =
            (self.manifest_answer.clone(), config)
        {
            let location = match &config.directory {
                DirectorySource::Export { path, .. } => format!("{path}{MANIFEST_FILE}"),
                _ => MANIFEST_FILE.to_string(),
            };
            let (status, message) = rules::judge_changing(
                Changing::Data,
                &url,
                cache_control.as_deref(),
                &fix(&url, &location),
            );
            self.push(Check::new("cache manifest.json", status, message));
        }
        if loaded.is_empty() {
            return;
        }
        // config.json (which index.html preloads) has a check of its own above.
        let loaded: Vec<&Loaded> = loaded
            .iter()
            .filter(|l| !l.url.ends_with("/config.json"))
            .collect();
        if loaded.is_empty() {
            return;
        }
        let stale: Vec<String> = loaded
            .iter()
            .filter(|l| !rules::is_hashed(&l.url))
            .filter_map(|l| match rules::caching(l.cache_control.as_deref()) {
                rules::Caching::Revalidated => None,
                rules::Caching::Heuristic => Some(format!("{} (no Cache-Control)", l.url)),
                rules::Caching::For(s) => {
                    Some(format!("{} (for {})", l.url, rules::duration_words(s)))
                }
            })
            .collect();
        let hashed = loaded.iter().filter(|l| rules::is_hashed(&l.url)).count();
        let kinds: Vec<&str> = {
            let mut k: Vec<Kind> = loaded.iter().map(|l| l.kind).collect();
            k.sort();
            k.dedup();
            k.into_iter().map(Kind::word).collect()
        };
        if stale.is_empty() {
            self.push(Check::ok(
                "cache files",
                format!(
                    "{hashed} of {} file(s) ({}) have content-hashed names and may be cached{}",
                    loaded.len(),
                    kinds.join(", "),
                    if hashed < loaded.len() {
                        "; the others are revalidated"
                    } else {
                        ""
                    }
                ),
            ));
        } else {
            self.push(Check::warning(
                "cache files",
                format!(
                    "these files have no content hash in their names yet may be kept by \
                     browsers: {}; after an update a browser can mix old and new files: deploy \
                     the output of `cargo xtask dist`, whose names change with their content",
                    stale.join(", ")
                ),
            ));
        }
    }

    /// The page with the query of a 50-person conference.
    fn long_query(&mut self, page: &Url) {
        let query = rules::long_query();
        let mut url = page.clone();
        url.set_query(Some(&query));
        let (status, message) = match self.client.get(&url, PAGE_LIMIT) {
            Ok(a) => rules::judge_long_query(page.as_str(), query.len(), a.status, &a.body),
            Err(e) => (
                Status::Failed,
                format!(
                    "with a {}-byte query: {e}; the same page without it answered",
                    query.len()
                ),
            ),
        };
        self.push(Check::new("long query", status, message));
    }

    /// Where the page sends the browser for `contact`.
    fn contact(
        &mut self,
        page: &Url,
        contact: &str,
        profile_name: Option<&str>,
        config: Option<&Config>,
        export: Option<Export>,
    ) {
        let name = format!("contact {contact}");
        let mut dry_run = page.clone();
        dry_run.set_query(Some(&format!("dryrun=1&{}", contact_query(contact))));
        let mut sample = Sample {
            contact: contact.to_string(),
            profile: profile_name.unwrap_or("").to_string(),
            ..Sample::default()
        };
        let result = (|| -> Result<(Status, String), String> {
            let query = PageQuery::parse(&contact_query(contact))
                .map_err(|e| format!("the page would refuse it: {e}"))?;
            let config = config.ok_or("config.json could not be read (see above)")?;
            let profile = config
                .profile(profile_name.or(query.profile.as_deref()))
                .map_err(|e| e.to_string())?;
            sample.profile = profile.name.clone();
            let resolutions: Vec<Resolution> = match &config.directory {
                DirectorySource::Export { .. } => {
                    let Some(mut export) = export else {
                        return Err(
                            "the directory export could not be verified (see above): the page \
                             shows that error"
                                .into(),
                        );
                    };
                    for shard in export.manifest.shards_for(&query.contacts) {
                        if !export.shards.iter().any(|s| s.index() == shard.index()) {
                            self.shard(&mut export, &shard)?;
                        }
                    }
                    let directory = export
                        .manifest
                        .directory(&query.contacts, &export.shards)
                        .map_err(|e| e.to_string())?;
                    resolve_all(&query.contacts, &directory)
                }
                DirectorySource::Graph(g) => {
                    for c in &query.contacts {
                        for q in g.queries(c) {
                            sample.requests.push(format!(
                                "GET {} ({}Authorization: Bearer <the technician's token>)",
                                q.url,
                                if q.advanced {
                                    "ConsistencyLevel: eventual, "
                                } else {
                                    ""
                                }
                            ));
                        }
                    }
                    return Ok((
                        Status::Ok,
                        format!(
                            "not resolved: the page asks Microsoft Graph as the signed-in \
                             technician, and this check cannot sign in; the page would send the \
                             {} request(s) below. Open {dry_run} in a browser to see the answer",
                            sample.requests.len()
                        ),
                    ));
                }
                DirectorySource::Endpoint(e) => {
                    for c in &query.contacts {
                        if let Some(url) = e.url_for(c) {
                            sample.requests.push(format!(
                                "GET {url} (Accept: application/json, credentials: {})",
                                e.credentials.as_str()
                            ));
                        }
                    }
                    return Ok((
                        Status::Ok,
                        format!(
                            "not resolved: the page asks the lookup endpoint with the \
                             technician's browser (and, with credentials, their sign-in), which \
                             this check does not do; the page would send the {} request(s) \
                             below. Open {dry_run} in a browser to see the answer",
                            sample.requests.len()
                        ),
                    ));
                }
                _ => resolve_all(&query.contacts, &PassThrough),
            };
            let outcome = describe(config, profile, &resolutions);
            sample.target = outcome.target;
            Ok((
                match outcome.verdict {
                    Verdict::Ok => Status::Ok,
                    Verdict::Warning => Status::Warning,
                    Verdict::Failed => Status::Failed,
                },
                outcome.message,
            ))
        })();
        let (status, message) = result.unwrap_or_else(|m| (Status::Failed, m));
        sample.message = message.clone();
        self.push(Check::new(name, status, message));
        self.report.sample = Some(sample);
    }
}

/// `none`, `export`, `graph` or `endpoint`.
fn source_name(source: &DirectorySource) -> &'static str {
    match source {
        DirectorySource::None => "none",
        DirectorySource::Export { .. } => "export",
        DirectorySource::Graph(_) => "graph",
        DirectorySource::Endpoint(_) => "endpoint",
        _ => "other",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn page_urls() {
        assert_eq!(
            page_url("https://intranet/quickcall/index.html?contactId=sip:a@b.c#x")
                .unwrap()
                .as_str(),
            "https://intranet/quickcall/index.html"
        );
        assert_eq!(
            page_url(" http://intranet/quickcall/ ").unwrap().as_str(),
            "http://intranet/quickcall/"
        );
        let e = page_url("intranet/quickcall").unwrap_err().to_string();
        assert!(e.contains("not an absolute URL"), "{e}");
        let e = page_url("file:///c:/inetpub/wwwroot")
            .unwrap_err()
            .to_string();
        assert!(e.contains("not an http"), "{e}");
    }

    #[test]
    fn contacts_are_read_as_the_page_reads_them() {
        assert_eq!(
            contacts_of("sip:John.Doe@Contoso.com").unwrap()[0].to_string(),
            "sip:john.doe@contoso.com"
        );
        assert_eq!(
            contacts_of("Contacts=<sip:a@contoso.com>,<tel:+33 1 23 45 67 89>")
                .unwrap()
                .len(),
            2
        );
        assert!(contacts_of("javascript:alert(1)").is_err());
        assert!(contacts_of("").is_err());
    }

    #[test]
    fn redirects_are_shown() {
        let u = Url::parse("https://h/q").unwrap();
        assert_eq!(
            redirected(&u, &Answer::new("https://h/q/", 200, &[], b"")),
            " (redirected to https://h/q/)"
        );
        assert_eq!(
            redirected(&u, &Answer::new("https://h/q", 200, &[], b"")),
            ""
        );
        assert!(has_nosniff(&Answer::new(
            "u",
            200,
            &[("X-Content-Type-Options", "NoSniff")],
            b""
        )));
        assert!(!has_nosniff(&Answer::new("u", 200, &[], b"")));
    }
}
