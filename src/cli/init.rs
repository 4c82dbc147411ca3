//! `lync-quickcall init`: a first deployment's site in one command.
//!
//! 1. checks everything it was given before it writes anything: the URLs (the page's own
//!    validation, and no placeholder), the page's files, where the key goes (never inside
//!    the site), that `config.json` is not there yet (unless `--force`);
//! 2. copies the page into the site folder, unless it already holds `index.html`: the
//!    files come from `--from`, else from the `site` folder beside this program (the
//!    release bundle's layout); the example `config.json` is not copied;
//! 3. with `--source export`, creates the signing key as `keygen` does (or reuses the
//!    one that exists), outside the site;
//! 4. writes a minimal `config.json`: one profile, the directory source asked for, the
//!    public key;
//! 5. prints the next commands with the paths and addresses given.

use std::path::{Path, PathBuf};

use anyhow::{bail, Context as _};
use lync_quickcall::registry::MenuCommand;
use lync_quickcall::{Config, PublicKey};

use super::check_config::lint;
use super::keygen;

/// The page's folder in the release bundle, beside the program.
const BUNDLE_SITE: &str = "site";
/// The key's file name when `--key` is not given, beside the program.
const DEFAULT_KEY: &str = "export.key";
/// The scheduled export script in the release bundle, beside the program.
const EXPORT_SCRIPT: &str = "export-directory.ps1";

/// Options of `init`.
#[derive(clap::Args)]
#[command(after_help = "\
Examples:
  lync-quickcall init --site \\\\web01\\wwwroot\\quickcall --itsm-url https://contoso.easyvista.com \
--source export --page-url https://intranet/quickcall/
  lync-quickcall init --site /var/www/quickcall --itsm-url https://contoso.easyvista.com \
--method autoconnect --link 'https://contoso.easyvista.com/autoconnect_mail.php?...&field6=x'

Nothing is written when an option is wrong. It never replaces an existing config.json
(without --force) nor an existing key: an existing key is used as it is.")]
pub struct Args {
    /// The folder of the web server that serves the page (created if missing), e.g.
    /// \\web01\wwwroot\quickcall or /var/www/quickcall.
    #[arg(long, value_name = "FOLDER")]
    pub site: PathBuf,
    /// Your EasyVista address, e.g. https://contoso.easyvista.com.
    #[arg(long, value_name = "URL")]
    pub itsm_url: String,
    /// How the quick call opens: sso (EasyVista's Method 1, SAML single sign-on) or
    /// autoconnect (Method 2: give --link).
    #[arg(long, value_enum, default_value = "sso")]
    pub method: MethodArg,
    /// With --method autoconnect: the auto connection link EasyVista generated, whole
    /// (quote it: it holds '&').
    #[arg(long, value_name = "URL")]
    pub link: Option<String>,
    /// With --method sso: use EasyVista's sandbox pages.
    #[arg(long)]
    pub sandbox: bool,
    /// The profile's name in config.json.
    #[arg(long, value_name = "NAME", default_value = "production")]
    pub profile: String,
    /// How a contact becomes an EasyVista user id: none (the Lync address is the user
    /// id) or export (a signed export of Active Directory, published beside the page).
    #[arg(long, value_enum, default_value = "none")]
    pub source: SourceArg,
    /// With --source export: the secret key file, created if missing, used as it is
    /// otherwise; never inside the site [default: export.key beside this program].
    #[arg(long, value_name = "FILE")]
    pub key: Option<PathBuf>,
    /// The page's address as technicians will open it, e.g. https://intranet/quickcall/;
    /// put into the commands printed at the end.
    #[arg(long, value_name = "URL")]
    pub page_url: Option<String>,
    /// The page's files to copy [default: the site folder beside this program, as in the
    /// release bundle; from source, the dist/ folder of `cargo xtask dist`].
    #[arg(long, value_name = "FOLDER")]
    pub from: Option<PathBuf>,
    /// Replace an existing config.json.
    #[arg(long)]
    pub force: bool,
}

/// `--method`.
#[derive(clap::ValueEnum, Clone, Copy, Debug, PartialEq, Eq)]
pub enum MethodArg {
    /// EasyVista's Method 1: SAML single sign-on (sso_samlindexlync.php).
    Sso,
    /// EasyVista's Method 2: an auto connection link (autoconnect_mail.php), --link.
    Autoconnect,
}

/// `--source`.
#[derive(clap::ValueEnum, Clone, Copy, Debug, PartialEq, Eq)]
pub enum SourceArg {
    /// The contact's Lync (SIP) address is its EasyVista user id.
    None,
    /// A signed export of Active Directory, published beside the page.
    Export,
}

/// A JSON string literal.
fn json_string(s: &str) -> String {
    serde_json::Value::String(s.to_string()).to_string()
}

/// The text of the config.json `init` writes.
fn config_text(args: &Args, public: Option<&PublicKey>) -> String {
    let profile = match args.method {
        MethodArg::Sso if args.sandbox => r#"{ "method": "sso", "sandbox": true }"#.to_string(),
        MethodArg::Sso => r#"{ "method": "sso" }"#.to_string(),
        MethodArg::Autoconnect => format!(
            r#"{{ "method": "autoconnect", "link": {} }}"#,
            json_string(args.link.as_deref().unwrap_or_default())
        ),
    };
    let directory = match public {
        None => r#"{ "source": "none" }"#.to_string(),
        Some(key) => format!(
            r#"{{ "source": "export", "path": "directory/", "public_keys": [{}] }}"#,
            json_string(&key.to_string())
        ),
    };
    format!(
        "{{\n  \"itsm_url\": {},\n  \"default_profile\": {},\n  \"profiles\": {{\n    {}: {profile}\n  }},\n  \"directory\": {directory}\n}}\n",
        json_string(args.itsm_url.trim()),
        json_string(&args.profile),
        json_string(&args.profile),
    )
}

/// The folder this program is in (the release bundle's folder).
fn program_folder() -> anyhow::Result<PathBuf> {
    let exe = std::env::current_exe().context("cannot find where this program is")?;
    Ok(exe
        .parent()
        .map(Path::to_path_buf)
        .unwrap_or_else(|| PathBuf::from(".")))
}

/// An absolute form of `path` with `.` and `..` removed and what exists of it resolved
/// (symbolic links, Windows short names), so that two spellings of one folder compare
/// equal.
fn resolved(path: &Path) -> PathBuf {
    use std::path::Component;
    let absolute = std::path::absolute(path).unwrap_or_else(|_| path.to_path_buf());
    let mut clean = PathBuf::new();
    for c in absolute.components() {
        match c {
            Component::CurDir => {}
            Component::ParentDir => {
                clean.pop();
            }
            other => clean.push(other),
        }
    }
    // The longest existing ancestor, canonicalised, and the rest as given.
    let mut existing = clean.clone();
    let mut rest = Vec::new();
    loop {
        if let Ok(c) = std::fs::canonicalize(&existing) {
            return rest.iter().rev().fold(c, |p: PathBuf, r| p.join(r));
        }
        match existing.file_name().map(|n| n.to_os_string()) {
            Some(name) if existing.pop() => rest.push(name),
            _ => return clean,
        }
    }
}

/// Fails unless `from` holds the page: `index.html` and a WebAssembly module.
fn check_page_files(from: &Path) -> anyhow::Result<()> {
    let entries: Vec<String> = std::fs::read_dir(from)
        .with_context(|| format!("cannot read the page's files in {}", from.display()))?
        .filter_map(|e| e.ok())
        .filter_map(|e| e.file_name().into_string().ok())
        .collect();
    if !entries.iter().any(|n| n == "index.html") || !entries.iter().any(|n| n.ends_with(".wasm")) {
        bail!(
            "{} does not hold the page (index.html and its .wasm module): give --from the \
             release bundle's site folder, or the dist/ folder of `cargo xtask dist`",
            from.display()
        );
    }
    Ok(())
}

/// Copies the files under `from` into `to` (folders included), but not the top-level
/// `config.json`; returns how many files were copied.
fn copy_page(from: &Path, to: &Path, top: bool) -> anyhow::Result<usize> {
    std::fs::create_dir_all(to).with_context(|| format!("cannot create {}", to.display()))?;
    let mut copied = 0;
    for entry in
        std::fs::read_dir(from).with_context(|| format!("cannot read {}", from.display()))?
    {
        let entry = entry.with_context(|| format!("cannot read {}", from.display()))?;
        let name = entry.file_name();
        if top && name == "config.json" {
            continue;
        }
        let (source, target) = (entry.path(), to.join(&name));
        if entry.file_type()?.is_dir() {
            copied += copy_page(&source, &target, false)?;
        } else {
            std::fs::copy(&source, &target).with_context(|| {
                format!("cannot copy {} to {}", source.display(), target.display())
            })?;
            copied += 1;
        }
    }
    Ok(copied)
}

/// `path` as a command-line word: quoted when it holds a space or a quote.
fn word(path: &Path) -> String {
    let s = path.display().to_string();
    if !s.contains([' ', '\'', '"', '&', '$', '(', ')', ';']) {
        s
    } else if cfg!(windows) {
        format!("\"{s}\"")
    } else {
        format!("'{}'", s.replace('\'', r"'\''"))
    }
}

/// The program as the first word of a command (PowerShell runs a quoted path with `&`).
fn program_word() -> String {
    let exe = std::env::current_exe().unwrap_or_else(|_| PathBuf::from("lync-quickcall"));
    let w = word(&exe);
    if cfg!(windows) && w.starts_with('"') {
        format!("& {w}")
    } else {
        w
    }
}

pub fn run(args: &Args) -> anyhow::Result<()> {
    // 1. Everything is checked before anything is written.
    match (args.method, &args.link) {
        (MethodArg::Autoconnect, None) => bail!(
            "--method autoconnect needs --link: the auto connection link EasyVista generated, \
             whole, in quotes"
        ),
        (MethodArg::Sso, Some(_)) => {
            bail!("--link is for --method autoconnect (the sso method builds its own URLs)")
        }
        (MethodArg::Autoconnect, Some(_)) if args.sandbox => {
            bail!("--sandbox is for --method sso (an auto connection link names its own page)")
        }
        _ => {}
    }
    let draft = config_text(args, None);
    let config =
        Config::from_json(&draft).context("the options do not make a usable config.json")?;
    let mut warnings = Vec::new();
    for finding in lint(&config, &draft) {
        let option = match finding.field.rsplit('.').next() {
            Some("itsm_url") => "--itsm-url",
            Some("link") => "--link",
            _ => "an option",
        };
        let message = &finding.message;
        if finding.error {
            bail!("{option}: {message}");
        }
        warnings.push(format!("{option}: {message}"));
    }
    let page_url = match &args.page_url {
        Some(url) => {
            // The same address `reg` will be given, checked as `reg` checks it.
            MenuCommand::new(url, None, None, &[]).context("--page-url")?;
            Some(url.trim().to_string())
        }
        None => None,
    };
    let config_path = args.site.join("config.json");
    if config_path.exists() && !args.force {
        bail!(
            "{} already exists: init never replaces it. Check it with `lync-quickcall \
             check-config {}`, or give --force to replace it",
            config_path.display(),
            args.site.display()
        );
    }
    let has_page = args.site.join("index.html").is_file();
    let from = if has_page {
        None
    } else {
        let from = match &args.from {
            Some(f) => f.clone(),
            None => {
                let beside = program_folder()?.join(BUNDLE_SITE);
                if !beside.is_dir() {
                    bail!(
                        "there is no {BUNDLE_SITE} folder beside this program ({}), where the \
                         release bundle has the page: give --from <the page's files> (the \
                         bundle's {BUNDLE_SITE} folder, or dist/ after `cargo xtask dist`)",
                        beside.display()
                    );
                }
                beside
            }
        };
        check_page_files(&from)?;
        Some(from)
    };
    let key_path = match args.source {
        SourceArg::None => {
            if args.key.is_some() {
                bail!("--key is for --source export");
            }
            None
        }
        SourceArg::Export => {
            let key = match &args.key {
                Some(k) => k.clone(),
                None => program_folder()?.join(DEFAULT_KEY),
            };
            let key = std::path::absolute(&key).unwrap_or(key);
            let folder = key.parent().unwrap_or(Path::new("."));
            if !folder.is_dir() {
                bail!(
                    "--key {}: the folder {} does not exist",
                    key.display(),
                    folder.display()
                );
            }
            if resolved(folder).starts_with(resolved(&args.site)) {
                bail!(
                    "--key {} is inside the site {}: anyone who can open the page could \
                     download the secret key and sign exports the page trusts. Keep it on the \
                     machine that runs the export: give --key a file outside the site",
                    key.display(),
                    args.site.display()
                );
            }
            Some(key)
        }
    };

    // 2. The page.
    std::fs::create_dir_all(&args.site)
        .with_context(|| format!("cannot create {}", args.site.display()))?;
    match &from {
        Some(from) => {
            let n = copy_page(from, &args.site, true)?;
            println!(
                "Copied the page ({n} files) from {} to {}.",
                from.display(),
                args.site.display()
            );
        }
        None => println!(
            "{} already holds the page (index.html): left as it is.",
            args.site.display()
        ),
    }

    // 3. The key.
    let public = match &key_path {
        None => None,
        Some(key) if key.exists() => {
            let public = PublicKey::of(&keygen::read_secret_key(key)?);
            println!("Using the existing secret key {}.", key.display());
            Some(public)
        }
        Some(key) => {
            let public = keygen::create(key)?;
            println!("Secret key written to {}.", key.display());
            keygen::keep_it_private(key);
            Some(public)
        }
    };

    // 4. config.json.
    let text = config_text(args, public.as_ref());
    Config::from_json(&text).context("init made an unusable config.json (a bug)")?;
    let tmp = args.site.join("config.json.tmp");
    std::fs::write(&tmp, &text)
        .and_then(|()| std::fs::rename(&tmp, &config_path))
        .with_context(|| format!("cannot write {}", config_path.display()))?;
    println!("Wrote {}:", config_path.display());
    for line in text.lines() {
        println!("  {line}");
    }
    for w in &warnings {
        eprintln!("warning: {w}");
    }

    // 5. What comes next.
    let tool = program_word();
    let site = word(&args.site);
    let page = page_url.as_deref().unwrap_or("https://intranet/quickcall/");
    let page_note = if page_url.is_none() {
        " (your page's address: give --page-url to have it here)"
    } else {
        ""
    };
    println!();
    println!("Next:");
    let mut step = 0;
    let mut next = |title: &str| {
        step += 1;
        println!();
        println!("{step}. {title}");
    };
    if let Some(key) = &key_path {
        let out = word(&args.site.join("directory"));
        next("Publish the directory export beside the page, then every night:");
        let script = program_folder()?.join(EXPORT_SCRIPT);
        if cfg!(windows) && script.is_file() {
            println!(
                "     powershell -NoProfile -ExecutionPolicy Bypass -File {} -Out {out}{} -Register",
                word(&script),
                if args.key.is_some() {
                    format!(" -Key {}", word(key))
                } else {
                    String::new()
                }
            );
            println!(
                "   (with the Active Directory module: exports the users, publishes them, and \
                 registers the daily task once that worked). From a CSV or LDIF file instead:"
            );
            println!(
                "     {tool} export --input users.csv --key {} --out {out}",
                word(key)
            );
        } else {
            println!(
                "     {tool} export --input users.ldif --key {} --out {out}",
                word(key)
            );
            println!(
                "   (users.ldif from ldapsearch, or a CSV from Export-Csv: README, The export \
                 in detail); then run both every night, e.g. from cron."
            );
        }
    }
    next(
        "Check the site as the technicians' browsers will see it (with a colleague's Lync \
         address instead of john.doe@contoso.com):",
    );
    println!("     {tool} check {page} --contact sip:john.doe@contoso.com{page_note}");
    println!("   (before the web server serves it: {tool} check-config {site})");
    next("Add the command to the Lync / Skype for Business menus:");
    println!("     {tool} reg --page-url {page} --out quickcall.reg");
    println!(
        "   then push quickcall.reg by Group Policy Preferences (Registry items) or `reg \
         import` in a computer startup script, and restart Lync."
    );
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn args(itsm: &str) -> Args {
        Args {
            site: PathBuf::from("site"),
            itsm_url: itsm.into(),
            method: MethodArg::Sso,
            link: None,
            sandbox: false,
            profile: "production".into(),
            source: SourceArg::None,
            key: None,
            page_url: None,
            from: None,
            force: false,
        }
    }

    #[test]
    fn the_config_is_minimal_and_valid() {
        let a = args("https://contoso.easyvista.com");
        let text = config_text(&a, None);
        let c = Config::from_json(&text).unwrap();
        assert_eq!(c.profiles.len(), 1);
        assert_eq!(c.default_profile, "production");
        assert!(lint(&c, &text).is_empty());
        let key = PublicKey::of(&ed25519_dalek::SigningKey::from_bytes(&[3; 32]));
        let mut a = args("https://contoso.easyvista.com");
        a.method = MethodArg::Autoconnect;
        a.link =
            Some("https://contoso.easyvista.com/autoconnect_mail.php?field1=AB&field6=x".into());
        a.profile = "it-desk".into();
        let text = config_text(&a, Some(&key));
        let c = Config::from_json(&text).unwrap();
        assert!(c.profiles.contains_key("it-desk"));
        assert!(lint(&c, &text).is_empty());
        match &c.directory {
            lync_quickcall::DirectorySource::Export { path, keys } => {
                assert_eq!(path, "directory/");
                assert_eq!(keys.keys(), &[key]);
            }
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn paths_are_compared_resolved() {
        let here = std::env::current_dir().unwrap();
        assert_eq!(
            resolved(Path::new("a/../b/c")),
            std::fs::canonicalize(&here).unwrap().join("b").join("c")
        );
        assert!(resolved(&here.join("x/y")).starts_with(resolved(Path::new("."))));
        assert_eq!(word(Path::new("plain")), "plain");
        assert_ne!(word(Path::new("with space")), "with space");
    }
}
