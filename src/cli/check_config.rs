//! `lync-quickcall check-config`: validate a deployed site's config.json and what it
//! points to, as the page would use them. It says OK only when the page can work:
//!
//! - `config.json` is valid (the page's own validation and messages);
//! - no URL in it is one of the example's placeholders (`companyname.easyvista.com`,
//!   `itsm.example`, the example's auto connection link...): those are errors in a
//!   deployed configuration ([`lint`], also applied by `check`);
//! - an `autoconnect` link on another host than `itsm_url` is a warning: known contacts
//!   would go to one host and unknown ones to the other;
//! - with `"source": "export"`, the export beside the page exists, its manifest verifies
//!   (signature, trusted key, expiry), the export folder it names holds every shard, and
//!   one shard verifies;
//! - with Graph or an endpoint, the page's Content-Security-Policy lets it reach them.
//!
//! With `--contact`, it resolves that contact as the page would (`none`, and `export`
//! through the files beside the page) and prints the URL the page would open.

use std::path::{Path, PathBuf};

use anyhow::Context;
use lync_quickcall::config::Method;
use lync_quickcall::csp;
use lync_quickcall::published::{VerifiedManifest, VerifiedShard, MANIFEST_FILE};
use lync_quickcall::{
    decide, resolve_all, Config, Contact, DirectorySource, Outcome, PageQuery, PassThrough,
    Profile, Resolution, Target, TargetError, TrustedKeys,
};
use percent_encoding::{utf8_percent_encode, NON_ALPHANUMERIC};

/// The user id every profile is shown with (here and by `check`).
pub(crate) const SAMPLE_USER_ID: &str = "john.doe@contoso.com";

/// Options of `check-config`.
#[derive(clap::Args)]
#[command(after_help = "\
Examples:
  lync-quickcall check-config \\\\web01\\wwwroot\\quickcall
  lync-quickcall check-config /var/www/quickcall --contact sip:john.doe@contoso.com

Exit code: 0 when the page can use the site (warnings included), 1 otherwise. Once the
site is served, `lync-quickcall check <page-url>` also checks the web server.")]
pub struct Args {
    /// The deployed site: the folder holding index.html and config.json (or that
    /// config.json itself).
    pub path: PathBuf,
    /// Also resolve this contact as the page would (directory source none or export),
    /// and print the URL it would open: sip:john.doe@contoso.com, tel:+33123456789, or
    /// Lync's whole Contacts=<...> list.
    #[arg(long)]
    pub contact: Option<String>,
    /// The profile to resolve --contact with [default: config.json's default_profile].
    #[arg(long, requires = "contact")]
    pub profile: Option<String>,
}

/// Validates the text of a `config.json` read from `source` (a path, or the URL `check`
/// fetched it from); the error reads `<source> is not usable: config.json, field ...`.
pub(crate) fn validate(text: &str, source: &str) -> anyhow::Result<Config> {
    Config::from_json(text).with_context(|| format!("{source} is not usable"))
}

/// What one profile does with [`SAMPLE_USER_ID`], and with an unknown contact.
pub(crate) struct ProfileSample<'a> {
    /// The profile's name.
    pub name: &'a str,
    /// Whether it is the default profile.
    pub is_default: bool,
    /// The quick call URL for [`SAMPLE_USER_ID`].
    pub quick_call: Result<Target, TargetError>,
    /// Where an unknown contact goes (`None`: an error page).
    pub unknown: Option<Target>,
}

/// Every profile's [`ProfileSample`], in name order.
pub(crate) fn profile_samples(config: &Config) -> Vec<ProfileSample<'_>> {
    config
        .profiles
        .iter()
        .map(|(name, profile)| ProfileSample {
            name,
            is_default: *name == config.default_profile,
            quick_call: profile.quick_call(SAMPLE_USER_ID),
            unknown: profile.unknown_contact(),
        })
        .collect()
}

// ---------------------------------------------------------------------------------
// What a valid config.json may still get wrong.

/// A problem [`lint`] found in a valid `config.json`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct Finding {
    /// An error (the page would go to the wrong place), or a warning.
    pub error: bool,
    /// The field at fault, as the page's own messages name them (`profiles.p.link`).
    pub field: String,
    /// What is wrong and what to do.
    pub message: String,
}

impl std::fmt::Display for Finding {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "config.json, field '{}': {}", self.field, self.message)
    }
}

/// The auto connection link's `field1` in the example config.json (and EasyVista's
/// integration guide): a link holding it was copied, not generated for this ITSM.
const EXAMPLE_LINK_FIELD1: &str = "5C0F051E580F056F19";

/// Why `host` is a placeholder, when it is one: the example's `companyname`, or a name
/// reserved for examples (RFC 2606: `.example`, `.invalid`, `example.com/net/org`).
pub(crate) fn placeholder_host(host: &str) -> Option<&'static str> {
    let host = host.trim_end_matches('.').to_ascii_lowercase();
    let under = |domain: &str| host == domain || host.ends_with(&format!(".{domain}"));
    if host.split('.').next() == Some("companyname") {
        Some("the example's placeholder 'companyname'")
    } else if under("example") || under("invalid") {
        Some("a name reserved for examples, which no server has")
    } else if under("example.com") || under("example.net") || under("example.org") {
        Some("a domain reserved for examples")
    } else {
        None
    }
}

/// Every string of `value` with the path of its field (`profiles.p.link`).
fn strings<'a>(value: &'a serde_json::Value, path: &str, out: &mut Vec<(String, &'a str)>) {
    match value {
        serde_json::Value::String(s) => out.push((path.to_string(), s)),
        serde_json::Value::Object(map) => {
            for (k, v) in map {
                let p = if path.is_empty() {
                    k.clone()
                } else {
                    format!("{path}.{k}")
                };
                strings(v, &p, out);
            }
        }
        serde_json::Value::Array(items) => {
            for (i, v) in items.iter().enumerate() {
                strings(v, &format!("{path}[{i}]"), out);
            }
        }
        _ => {}
    }
}

/// What a valid `config.json` (`config`, read from `text`) still gets wrong for a
/// deployment: placeholders left from the example (errors), and an `autoconnect` link
/// on another host than the ITSM its unknown contacts go to (a warning).
pub(crate) fn lint(config: &Config, text: &str) -> Vec<Finding> {
    let mut out = Vec::new();
    let raw: serde_json::Value = serde_json::from_str(text.trim_start_matches('\u{feff}'))
        .unwrap_or(serde_json::Value::Null);
    let mut fields = Vec::new();
    strings(&raw, "", &mut fields);
    for (field, value) in &fields {
        if field == "directory.client_id" && value.trim_matches(['0', '-']).is_empty() {
            out.push(Finding {
                error: true,
                field: field.clone(),
                message: "the all-zero client id is the README's placeholder: put the \
                          Application (client) ID of your app registration"
                    .into(),
            });
        }
        let as_url = value.replace("{userid}", "x").replace("{contact}", "x");
        let Ok(url) = url::Url::parse(&as_url) else {
            continue;
        };
        if !matches!(url.scheme(), "http" | "https") {
            continue;
        }
        if let Some(why) = url.host_str().and_then(placeholder_host) {
            let what = match field.rsplit('.').next().unwrap_or("") {
                "itsm_url" => {
                    "Put your EasyVista address instead, e.g. https://<your company>.easyvista.com"
                }
                "link" => "Paste the whole auto connection link your EasyVista generated instead",
                "fallback_url" => "Put your page for unknown contacts instead, or remove the field",
                _ => "Put your own address instead, or remove what you do not use",
            };
            out.push(Finding {
                error: true,
                field: field.clone(),
                message: format!(
                    "{value} is a placeholder ({} is {why}): the page would send technicians \
                     there. {what}",
                    url.host_str().unwrap_or("")
                ),
            });
        } else if url
            .query_pairs()
            .any(|(k, v)| k == "field1" && v == EXAMPLE_LINK_FIELD1)
        {
            out.push(Finding {
                error: true,
                field: field.clone(),
                message: format!(
                    "{value} is the example's auto connection link (field1={EXAMPLE_LINK_FIELD1}), \
                     not one your EasyVista generated: paste the whole link generated for your \
                     quick call instead"
                ),
            });
        }
    }
    for (name, profile) in config.profiles.iter() {
        if let Some(f) = host_mismatch(name, profile, &raw) {
            out.push(f);
        }
    }
    out
}

/// The warning for an `autoconnect` profile whose link and `itsm_url` (where its
/// unknown contacts go, without `fallback_url`) are on different hosts.
fn host_mismatch(name: &str, profile: &Profile, raw: &serde_json::Value) -> Option<Finding> {
    let Method::AutoConnect {
        link,
        itsm: Some(itsm),
    } = &profile.method
    else {
        return None;
    };
    if profile.fallback.is_some() || link.host_str() == itsm.host_str() {
        return None;
    }
    let link_host = link.host_str().unwrap_or("");
    let itsm_field = if raw["profiles"][name].get("itsm_url").is_some() {
        format!("profiles.{name}.itsm_url")
    } else {
        "itsm_url".to_string()
    };
    Some(Finding {
        error: false,
        field: format!("profiles.{name}.link"),
        message: format!(
            "the auto connection link is on {link_host} but {itsm_field} is {itsm}: known \
             contacts would open {link_host} and unknown contacts {}. If they are the same \
             EasyVista, set {itsm_field} to {}://{link_host}; if unknown contacts should go \
             elsewhere on purpose, say where with profiles.{name}.fallback_url",
            itsm.host_str().unwrap_or(""),
            link.scheme()
        ),
    })
}

// ---------------------------------------------------------------------------------
// A contact, as the page would treat it.

/// How a contact's outcome reads: fine, worth a look, or broken.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Verdict {
    Ok,
    Warning,
    Failed,
}

/// What the page does for a contact: a verdict, a sentence, and the URL it opens when
/// it opens one.
pub(crate) struct ContactOutcome {
    pub verdict: Verdict,
    pub message: String,
    pub target: Option<String>,
}

/// Describes what the page does with `resolutions` under `profile` (shared with
/// `check`).
pub(crate) fn describe(
    config: &Config,
    profile: &Profile,
    resolutions: &[Resolution],
) -> ContactOutcome {
    let (verdict, message, target) = match decide(profile, resolutions) {
        Outcome::Navigate { target, reason } if config.allows(target.url()) => (
            Verdict::Ok,
            format!("{reason}: the page opens {target}"),
            Some(target.to_string()),
        ),
        Outcome::Navigate { target, .. } => (
            Verdict::Failed,
            format!("the page would refuse to open {target}: it is not on a configured ITSM"),
            None,
        ),
        Outcome::Choose { choices, hidden } => {
            let lines: Vec<String> = choices
                .iter()
                .map(|c| match &c.target {
                    Some(t) => format!("{} -> {t}", c.label),
                    None => format!("{} ({})", c.label, c.note),
                })
                .collect();
            let more = if hidden > 0 {
                format!(" (and {hidden} more)")
            } else {
                String::new()
            };
            (
                Verdict::Ok,
                format!("the page shows a chooser{more}: {}", lines.join("; ")),
                None,
            )
        }
        Outcome::Failed { message, fallback } => (
            Verdict::Warning,
            format!(
                "the page shows an error: {message}{}",
                fallback
                    .map(|f| format!(" (with a link to {f})"))
                    .unwrap_or_default()
            ),
            None,
        ),
    };
    ContactOutcome {
        verdict,
        message,
        target,
    }
}

/// `contactId=<contact, percent-encoded>`, as a link would carry it.
pub(crate) fn contact_query(contact: &str) -> String {
    format!(
        "contactId={}",
        utf8_percent_encode(contact, NON_ALPHANUMERIC)
    )
}

/// The contacts of a `--contact` value, read as the page reads `contactId`.
pub(crate) fn contacts_of(contact: &str) -> Result<Vec<Contact>, String> {
    PageQuery::parse(&contact_query(contact))
        .map(|q| q.contacts)
        .map_err(|e| e.to_string())
}

// ---------------------------------------------------------------------------------
// The export beside the page.

/// An export read from the site's folder and verified.
struct LocalExport {
    folder: PathBuf,
    keys: TrustedKeys,
    manifest: VerifiedManifest,
    shards: Vec<VerifiedShard>,
}

impl LocalExport {
    /// Reads and verifies the shard at `path` (relative to the export's folder) into
    /// `self.shards` (once); its size.
    fn open_shard(&mut self, shard: &lync_quickcall::ShardRef) -> Result<usize, String> {
        let file = join_relative(&self.folder, shard.path());
        let bytes = std::fs::read(&file).map_err(|e| {
            format!(
                "cannot read {}: {e}; the page would show an error for the contacts it holds",
                file.display()
            )
        })?;
        if !self.shards.iter().any(|s| s.index() == shard.index()) {
            let verified = self
                .manifest
                .open_shard(shard, &bytes, &self.keys)
                .map_err(|e| format!("{}: {e}", file.display()))?;
            self.shards.push(verified);
        }
        Ok(bytes.len())
    }
}

/// `base` joined with a `/`-separated relative path, one component at a time (so that
/// Windows shows one kind of separator).
pub(crate) fn join_relative(base: &Path, relative: &str) -> PathBuf {
    relative
        .split('/')
        .filter(|c| !c.is_empty() && *c != ".")
        .fold(base.to_path_buf(), |p, c| p.join(c))
}

/// The shard file names an export of `count` shards has: `0000.json` ...
fn shard_names(count: u32) -> impl Iterator<Item = String> {
    (0..count).map(|i| format!("{i:04x}.json"))
}

/// Verifies the export in `folder` as the page would: the manifest (signature, trusted
/// key, expiry), every shard file present in its export folder, and the shard of
/// `probe` verified. Prints what it found; the error says what the page would do.
fn check_export(
    folder: &Path,
    keys: &TrustedKeys,
    probe: &Contact,
    now: u64,
) -> Result<LocalExport, String> {
    let manifest_path = folder.join(MANIFEST_FILE);
    let bytes = match std::fs::read(&manifest_path) {
        Ok(b) => b,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            return Err(format!(
                "{} not found: the page would answer every contact with an error (HTTP 404 \
                 for the manifest). Run the export into that folder: lync-quickcall export \
                 --input <users.csv> --key <export.key> --out {} (README: First deployment, \
                 step 3); or, if the export is published elsewhere, correct directory.path",
                manifest_path.display(),
                folder.display()
            ))
        }
        Err(e) => return Err(format!("cannot read {}: {e}", manifest_path.display())),
    };
    let manifest = VerifiedManifest::open(&bytes, keys, now).map_err(|e| {
        format!(
            "{} does not verify: the page would refuse it: {e}",
            manifest_path.display()
        )
    })?;
    let export_folder = folder.join(manifest.export_id());
    let present: Vec<String> = match std::fs::read_dir(&export_folder) {
        Ok(entries) => entries
            .filter_map(|e| e.ok())
            .filter_map(|e| e.file_name().into_string().ok())
            .collect(),
        Err(e) => {
            return Err(format!(
                "{} verifies, but the export folder it names, {}, {}: every lookup would fail. \
                 Copy that folder before manifest.json (README: Where the files go), or run \
                 the export again",
                manifest_path.display(),
                export_folder.display(),
                if e.kind() == std::io::ErrorKind::NotFound {
                    "is missing".to_string()
                } else {
                    format!("cannot be read ({e})")
                }
            ))
        }
    };
    let missing: Vec<String> = shard_names(manifest.shard_count())
        .filter(|n| !present.contains(n))
        .collect();
    if !missing.is_empty() {
        let first: Vec<&str> = missing.iter().take(3).map(String::as_str).collect();
        return Err(format!(
            "{} has {} of the {} shard files the manifest names (missing: {}{}): the contacts \
             in them would get an error. Copy the whole export folder (README: Where the files \
             go), or run the export again",
            export_folder.display(),
            manifest.shard_count() as usize - missing.len(),
            manifest.shard_count(),
            first.join(", "),
            if missing.len() > first.len() {
                format!(" and {} more", missing.len() - first.len())
            } else {
                String::new()
            }
        ));
    }
    println!("  {}: OK, {}", manifest_path.display(), manifest.summary());
    let mut export = LocalExport {
        folder: folder.to_path_buf(),
        keys: keys.clone(),
        manifest,
        shards: Vec::new(),
    };
    let shard = export.manifest.shard_for(probe);
    let size = export.open_shard(&shard)?;
    println!(
        "  {}: all {} shard file(s) present; {} verified ({})",
        export_folder.display(),
        export.manifest.shard_count(),
        shard.path(),
        crate::cli::human_bytes(size)
    );
    Ok(export)
}

// ---------------------------------------------------------------------------------
// The command.

/// The site folder and its config.json, from the command line's path.
fn locate(path: &Path) -> (PathBuf, PathBuf) {
    if path.is_dir() {
        (path.to_path_buf(), path.join("config.json"))
    } else {
        let folder = match path.parent() {
            Some(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
            _ => PathBuf::from("."),
        };
        (folder, path.to_path_buf())
    }
}

/// The page's catalogues (`locales/<code>.ftl`, one per language it speaks) missing
/// from the page's folder `site`.
fn missing_catalogues(site: &Path) -> Vec<std::path::PathBuf> {
    lync_quickcall::i18n::CODES
        .iter()
        .map(|code| site.join("locales").join(format!("{code}.ftl")))
        .filter(|p| !p.is_file())
        .collect()
}

/// What a run found wrong.
#[derive(Default)]
struct Problems {
    errors: Vec<String>,
    warnings: usize,
}

impl Problems {
    fn error(&mut self, message: String) {
        eprintln!("error: {message}");
        self.errors.push(message);
    }

    fn warning(&mut self, message: &str) {
        eprintln!("warning: {message}");
        self.warnings += 1;
    }
}

pub fn run(args: &Args) -> anyhow::Result<()> {
    let (site, path) = locate(&args.path);
    let text = std::fs::read_to_string(&path).with_context(|| {
        if args.path.is_dir() {
            format!(
                "cannot read {}: is {} the page's folder? (`lync-quickcall init` writes \
                 config.json)",
                path.display(),
                site.display()
            )
        } else {
            format!("cannot read {}", path.display())
        }
    })?;
    let config = validate(&text, &path.display().to_string())?;
    let mut problems = Problems::default();
    println!("{}: valid", path.display());
    if !site.join("index.html").is_file() {
        problems.warning(&format!(
            "there is no index.html in {}: is it the page's folder? Check the folder the web \
             server serves (README: First deployment)",
            site.display()
        ));
    }
    if site.join("index.html").is_file() {
        for missing in missing_catalogues(&site) {
            problems.error(format!(
                "{} is missing: the page fetches its words there to show an error, the \
                 chooser or the dry run, and would show message ids instead. Copy the \
                 `locales` folder of the bundle's `site` folder beside index.html",
                missing.display()
            ));
        }
    }
    for sample in profile_samples(&config) {
        let example = sample
            .quick_call
            .as_ref()
            .map(|t| t.to_string())
            .unwrap_or_else(|e| e.to_string());
        let default = if sample.is_default { " (default)" } else { "" };
        println!(
            "  profile {}{default}: {SAMPLE_USER_ID} -> {example}",
            sample.name
        );
        match &sample.unknown {
            Some(t) => println!("    unknown contact -> {t}"),
            None => println!("    unknown contact -> error page (no fallback_url)"),
        }
    }
    for finding in lint(&config, &text) {
        if finding.error {
            problems.error(finding.to_string());
        } else {
            problems.warning(&finding.to_string());
        }
    }
    let contacts = match &args.contact {
        Some(c) => match contacts_of(c) {
            Ok(list) => Some(list),
            Err(e) => {
                problems.error(format!("--contact {c}: the page would refuse it: {e}"));
                None
            }
        },
        None => None,
    };
    let mut export = None;
    match &config.directory {
        DirectorySource::None => {
            println!("  directory: none (the SIP address is the user id)");
        }
        DirectorySource::Export { path: dir, keys } => {
            println!("  directory: signed export in {dir}, trusted keys:");
            for k in keys.keys() {
                println!("    {k}");
            }
            // The page reads the export relative to itself, and config.json sits beside
            // the page: verify the export found there.
            let folder = join_relative(&site, dir);
            let probe = match contacts.as_deref() {
                Some([first, ..]) => first.clone(),
                _ => Contact::parse(&format!("sip:{SAMPLE_USER_ID}"))
                    .map_err(|e| anyhow::anyhow!("{e}"))?,
            };
            match check_export(&folder, keys, &probe, crate::cli::now_unix()?) {
                Ok(e) => export = Some(e),
                Err(message) => problems.error(message),
            }
        }
        DirectorySource::Graph(g) => {
            println!("  directory: {}", g.summary());
            println!(
                "    sign-in: {}{}/oauth2/v2.0/authorize, app {}",
                g.authority, g.tenant, g.client_id
            );
            println!(
                "    the app registration needs the redirect URI of the page (its URL without query) \
                 under \"Single-page application\", and the delegated permission {} with admin consent",
                g.scope()
            );
        }
        DirectorySource::Endpoint(e) => {
            println!(
                "  directory: lookup endpoint {} (credentials: {})",
                e.template(),
                e.credentials.as_str()
            );
        }
        other => println!("  directory: {other:?}"),
    }
    if let Err(e) = check_csp(&site, &path, &config.directory.connect_origins()) {
        problems.error(format!("{e:#}"));
    }
    if let (Some(contact), Some(contacts)) = (&args.contact, &contacts) {
        match contact_outcome(&config, args.profile.as_deref(), contact, contacts, export) {
            Ok(o) => match o.verdict {
                Verdict::Ok => println!("  contact {contact}: {}", o.message),
                Verdict::Warning => problems.warning(&format!("contact {contact}: {}", o.message)),
                Verdict::Failed => problems.error(format!("contact {contact}: {}", o.message)),
            },
            Err(message) => problems.error(format!("contact {contact}: {message}")),
        }
    }
    match problems.errors.len() {
        0 if problems.warnings == 0 => {
            println!("{}: OK", args.path.display());
            Ok(())
        }
        0 => {
            println!(
                "{}: OK, with {} warning(s) (above)",
                args.path.display(),
                problems.warnings
            );
            Ok(())
        }
        n => anyhow::bail!(
            "{}: {n} problem(s) (above): the page would not work as configured",
            args.path.display()
        ),
    }
}

/// What the page does for `contact` (already read into `contacts`), when that can be
/// worked out here: with no directory, or with the export beside the page.
fn contact_outcome(
    config: &Config,
    profile: Option<&str>,
    contact: &str,
    contacts: &[Contact],
    export: Option<LocalExport>,
) -> Result<ContactOutcome, String> {
    let query = PageQuery::parse(&contact_query(contact)).map_err(|e| e.to_string())?;
    let profile = config
        .profile(profile.or(query.profile.as_deref()))
        .map_err(|e| e.to_string())?;
    let resolutions = match &config.directory {
        DirectorySource::None => resolve_all(contacts, &PassThrough),
        DirectorySource::Export { .. } => {
            let mut export = export.ok_or(
                "the directory export could not be verified (see above): the page would show \
                 that error",
            )?;
            for shard in export.manifest.shards_for(contacts) {
                export.open_shard(&shard)?;
            }
            let directory = export
                .manifest
                .directory(contacts, &export.shards)
                .map_err(|e| e.to_string())?;
            resolve_all(contacts, &directory)
        }
        _ => {
            return Ok(ContactOutcome {
                verdict: Verdict::Ok,
                message: format!(
                    "not resolved: this directory source answers the technician's browser \
                     only, which this check cannot be; once the site is served, run \
                     `lync-quickcall check <page-url> --contact {contact}`, or open the page \
                     with ?dryrun=1&{} in a browser",
                    contact_query(contact)
                ),
                target: None,
            })
        }
    };
    Ok(describe(config, profile, &resolutions))
}

/// Checks that the Content-Security-Policy of the page in `site` (its `index.html` and,
/// for IIS, `web.config`) lets the page reach `origins`; prints the policy to use when
/// it does not.
fn check_csp(site: &Path, config: &Path, origins: &[String]) -> anyhow::Result<()> {
    if origins.is_empty() {
        return Ok(());
    }
    let mut wrong = Vec::new();
    for (file, read, show) in [
        (
            "index.html",
            csp::from_html as fn(&str) -> Option<String>,
            "<meta http-equiv=\"Content-Security-Policy\" content=\"{}\">",
        ),
        (
            "web.config",
            csp::from_web_config,
            "<add name=\"Content-Security-Policy\" value=\"{}\" />",
        ),
    ] {
        let at = site.join(file);
        let text = match std::fs::read_to_string(&at) {
            Ok(t) => t,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                println!(
                    "  {} not found beside {}: make sure the web server's Content-Security-Policy has connect-src 'self' {}",
                    at.display(),
                    config.display(),
                    origins.join(" ")
                );
                continue;
            }
            Err(e) => return Err(e).with_context(|| format!("cannot read {}", at.display())),
        };
        let Some(policy) = read(&text) else {
            println!("  {}: no Content-Security-Policy found", at.display());
            continue;
        };
        let missing = csp::missing(&policy, origins);
        if missing.is_empty() {
            println!(
                "  {}: the Content-Security-Policy allows {}",
                at.display(),
                origins.join(", ")
            );
        } else {
            let fixed = csp::with_origins(&policy, origins);
            let line = show.replace("{}", &attribute_escape(&fixed));
            eprintln!(
                "{}: the Content-Security-Policy does not let the page reach {} (connect-src); \
                 the page would fail. Replace its policy with:\n  {line}",
                at.display(),
                missing.join(", ")
            );
            wrong.push(file);
        }
    }
    if !wrong.is_empty() {
        anyhow::bail!(
            "the Content-Security-Policy of {} must list the directory's origins in connect-src (see above)",
            wrong.join(" and ")
        );
    }
    Ok(())
}

/// The policy as a double-quoted attribute value.
pub(crate) fn attribute_escape(policy: &str) -> String {
    policy.replace('&', "&amp;").replace('"', "&quot;")
}

#[cfg(test)]
mod tests {
    use super::*;

    const GRAPH: &str = r#"{"itsm_url":"https://ev.contoso.com","profiles":{"p":{"method":"sso"}},
        "directory":{"source":"graph","tenant":"contoso.onmicrosoft.com","client_id":"11111111-2222-3333-4444-555555555555"}}"#;

    fn args(path: &Path) -> Args {
        Args {
            path: path.to_path_buf(),
            contact: None,
            profile: None,
        }
    }

    #[test]
    fn the_policy_must_let_the_page_reach_graph() {
        let dir = std::env::temp_dir().join(format!("lqc-check-csp-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let config = dir.join("config.json");
        std::fs::write(&config, GRAPH).unwrap();
        // Only config.json: nothing to compare, the origins are printed.
        run(&args(&config)).unwrap();
        // The shipped files: refused, naming the file and the directive.
        let html = include_str!("../../www/index.html");
        let web = include_str!("../../www/web.config");
        std::fs::write(dir.join("index.html"), html).unwrap();
        std::fs::write(dir.join("web.config"), web).unwrap();
        std::fs::create_dir_all(dir.join("locales")).unwrap();
        for code in lync_quickcall::i18n::CODES {
            std::fs::write(dir.join(format!("locales/{code}.ftl")), "x = y\n").unwrap();
        }
        let e = check_csp(
            &dir,
            &config,
            &Config::from_json(GRAPH)
                .unwrap()
                .directory
                .connect_origins(),
        )
        .unwrap_err();
        let e = format!("{e:#}");
        assert!(e.contains("index.html and web.config"), "{e}");
        assert!(e.contains("connect-src"), "{e}");
        assert!(run(&args(&dir)).is_err());
        // Fixed as check-config prints: accepted.
        let origins = [
            "https://login.microsoftonline.com".to_string(),
            "https://graph.microsoft.com".to_string(),
        ];
        for (file, text, policy) in [
            ("index.html", html, csp::from_html(html).unwrap()),
            ("web.config", web, csp::from_web_config(web).unwrap()),
        ] {
            let fixed = text.replace(&policy, &csp::with_origins(&policy, &origins));
            assert_ne!(fixed, text);
            std::fs::write(dir.join(file), fixed).unwrap();
        }
        run(&args(&config)).unwrap();
        // The folder is the same as its config.json.
        run(&args(&dir)).unwrap();
        std::fs::remove_dir_all(&dir).unwrap();
    }

    #[test]
    fn placeholder_hosts() {
        for host in [
            "companyname.easyvista.com",
            "CompanyName.EasyVista.com",
            "itsm.example",
            "example",
            "example.com",
            "www.example.org",
            "itsm.invalid",
        ] {
            assert!(placeholder_host(host).is_some(), "{host}");
        }
        for host in [
            "contoso.easyvista.com",
            "itsm.contoso.com",
            "example.contoso.com",
            "myexample.com",
            "127.0.0.1",
        ] {
            assert!(placeholder_host(host).is_none(), "{host}");
        }
    }

    #[test]
    fn the_example_config_is_full_of_placeholders() {
        let text = include_str!("../../www/config.json");
        let config = Config::from_json(text).unwrap();
        let findings = lint(&config, text);
        let fields: Vec<&str> = findings
            .iter()
            .filter(|f| f.error)
            .map(|f| f.field.as_str())
            .collect();
        assert_eq!(
            fields,
            [
                "itsm_url",
                "profiles.db50004.link",
                "profiles.other-itsm.fallback_url",
                "profiles.other-itsm.url"
            ],
            "{findings:#?}"
        );
        let first = findings[0].to_string();
        assert!(
            first.starts_with(
                "config.json, field 'itsm_url': https://companyname.easyvista.com is a placeholder"
            ),
            "{first}"
        );
        assert!(first.contains("your EasyVista address"), "{first}");
        // The example's link on the right host is still the example's link.
        let copied = text
            .replace("companyname.easyvista.com", "contoso.easyvista.com")
            .replace("itsm.example", "itsm.contoso.com");
        let findings = lint(&Config::from_json(&copied).unwrap(), &copied);
        assert_eq!(findings.len(), 1, "{findings:#?}");
        assert_eq!(findings[0].field, "profiles.db50004.link");
        assert!(findings[0].message.contains("field1=5C0F051E580F056F19"));
        // Graph's all-zero client id.
        let graph = GRAPH.replace(
            "11111111-2222-3333-4444-555555555555",
            "00000000-0000-0000-0000-000000000000",
        );
        let findings = lint(&Config::from_json(&graph).unwrap(), &graph);
        assert_eq!(findings.len(), 1, "{findings:#?}");
        assert_eq!(findings[0].field, "directory.client_id");
        // A real configuration has none.
        assert!(lint(&Config::from_json(GRAPH).unwrap(), GRAPH).is_empty());
    }

    #[test]
    fn the_page_folder_needs_every_catalogue() {
        let site = std::env::temp_dir().join(format!("lqc-catalogues-{}", std::process::id()));
        std::fs::create_dir_all(site.join("locales")).unwrap();
        let all: Vec<_> = lync_quickcall::i18n::CODES
            .iter()
            .map(|c| site.join("locales").join(format!("{c}.ftl")))
            .collect();
        assert_eq!(missing_catalogues(&site), all);
        std::fs::write(&all[0], "page-title = x\n").unwrap();
        assert_eq!(missing_catalogues(&site), all[1..]);
        for p in &all {
            std::fs::write(p, "page-title = x\n").unwrap();
        }
        assert!(missing_catalogues(&site).is_empty());
        let _ = std::fs::remove_dir_all(&site);
    }

    #[test]
    fn an_autoconnect_link_on_another_host_is_a_warning() {
        let text = r#"{"itsm_url":"https://ev.contoso.com","profiles":{
            "p":{"method":"autoconnect","link":"https://ev2.contoso.com/autoconnect_mail.php?field1=AB&field6=x"}}}"#;
        let findings = lint(&Config::from_json(text).unwrap(), text);
        assert_eq!(findings.len(), 1, "{findings:#?}");
        let f = &findings[0];
        assert!(!f.error);
        assert_eq!(f.field, "profiles.p.link");
        for w in [
            "on ev2.contoso.com but itsm_url is https://ev.contoso.com/",
            "set itsm_url to https://ev2.contoso.com",
            "profiles.p.fallback_url",
        ] {
            assert!(f.message.contains(w), "{w}: {}", f.message);
        }
        // Its own itsm_url is named when it has one.
        let own = text.replace(
            r#""method":"autoconnect""#,
            r#""method":"autoconnect","itsm_url":"https://ev3.contoso.com""#,
        );
        let findings = lint(&Config::from_json(&own).unwrap(), &own);
        assert!(
            findings[0].message.contains("set profiles.p.itsm_url to"),
            "{findings:#?}"
        );
        // Same host, or a fallback_url that says where unknown contacts go: fine.
        for fine in [
            text.replace("ev2.contoso.com", "ev.contoso.com"),
            text.replace(
                r#""method":"autoconnect""#,
                r#""method":"autoconnect","fallback_url":"https://ev.contoso.com/""#,
            ),
        ] {
            assert!(
                lint(&Config::from_json(&fine).unwrap(), &fine).is_empty(),
                "{fine}"
            );
        }
    }
}
