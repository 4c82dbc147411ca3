//! `lync-quickcall check-config`: validate a config.json and, for a directory export,
//! verify the export beside it as the page would.

use std::path::Path;

use anyhow::Context;
use lync_quickcall::published::{VerifiedManifest, MANIFEST_FILE};
use lync_quickcall::DirectorySource;

pub fn run(path: &Path) -> anyhow::Result<()> {
    let text =
        std::fs::read_to_string(path).with_context(|| format!("cannot read {}", path.display()))?;
    let config = lync_quickcall::Config::from_json(&text)
        .with_context(|| format!("{} is not usable", path.display()))?;
    println!("{}: OK", path.display());
    for (name, profile) in &config.profiles {
        let example = profile
            .quick_call("john.doe@contoso.com")
            .map(|t| t.to_string())
            .unwrap_or_else(|e| e.to_string());
        let default = if *name == config.default_profile {
            " (default)"
        } else {
            ""
        };
        println!("  profile {name}{default}: john.doe@contoso.com -> {example}");
        match profile.unknown_contact() {
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
        other => println!("  directory: {other:?}"),
    }
    Ok(())
}
