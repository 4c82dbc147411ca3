//! `lync-quickcall check-config`: validate a config.json and, for a directory export,
//! verify the export beside it as the page would.

use std::path::Path;

use anyhow::Context;
use lync_quickcall::csp;
use lync_quickcall::published::{VerifiedManifest, MANIFEST_FILE};
use lync_quickcall::{Config, DirectorySource, Target, TargetError};

/// The user id every profile is shown with (here and by `check`).
pub(crate) const SAMPLE_USER_ID: &str = "john.doe@contoso.com";

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

pub fn run(path: &Path) -> anyhow::Result<()> {
    let text =
        std::fs::read_to_string(path).with_context(|| format!("cannot read {}", path.display()))?;
    let config = validate(&text, &path.display().to_string())?;
    println!("{}: OK", path.display());
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
            // the page: verify the export found there, if any.
            let base = path.parent().unwrap_or(Path::new("."));
            let manifest = base.join(dir).join(MANIFEST_FILE);
            match std::fs::read(&manifest) {
                Ok(bytes) => {
                    let m = VerifiedManifest::open(&bytes, keys, crate::cli::now_unix()?)
                        .with_context(|| {
                            format!(
                                "{} does not verify: the page would refuse it",
                                manifest.display()
                            )
                        })?;
                    println!("  {}: OK, {}", manifest.display(), m.summary());
                }
                Err(e) if e.kind() == std::io::ErrorKind::NotFound => println!(
                    "  {} not found here: run `lync-quickcall export --out {}` and copy it beside the page",
                    manifest.display(),
                    base.join(dir).display()
                ),
                Err(e) => {
                    return Err(e).with_context(|| format!("cannot read {}", manifest.display()))
                }
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
    check_csp(path, &config.directory.connect_origins())
}

/// Checks that the Content-Security-Policy of the page beside `config` (its
/// `index.html` and, for IIS, `web.config`) lets the page reach `origins`; prints the
/// policy to use when it does not.
fn check_csp(config: &Path, origins: &[String]) -> anyhow::Result<()> {
    if origins.is_empty() {
        return Ok(());
    }
    let base = config.parent().unwrap_or(Path::new("."));
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
        let at = base.join(file);
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

    #[test]
    fn the_policy_must_let_the_page_reach_graph() {
        let dir = std::env::temp_dir().join(format!("lqc-check-csp-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let config = dir.join("config.json");
        std::fs::write(&config, GRAPH).unwrap();
        // Only config.json: nothing to compare, the origins are printed.
        run(&config).unwrap();
        // The shipped files: refused, naming the file and the directive.
        let html = include_str!("../../www/index.html");
        let web = include_str!("../../www/web.config");
        std::fs::write(dir.join("index.html"), html).unwrap();
        std::fs::write(dir.join("web.config"), web).unwrap();
        let e = format!("{:#}", run(&config).unwrap_err());
        assert!(e.contains("index.html and web.config"), "{e}");
        assert!(e.contains("connect-src"), "{e}");
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
        run(&config).unwrap();
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
