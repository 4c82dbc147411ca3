//! Command-line parsing and dispatch; each command lives in its own module.

use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::Context;
use clap::{Parser, Subcommand};

/// lync-quickcall: administer an EasyVista quick call page for Lync / Skype for Business.
#[derive(Parser)]
#[command(version, about)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Check a config.json and print what each profile does.
    CheckConfig {
        /// The config.json to check.
        path: PathBuf,
    },
}

/// Runs the tool; errors are printed as `error: ...` with their causes, exit code 1.
pub fn main() -> ExitCode {
    let cli = Cli::parse();
    let result = match cli.command {
        Command::CheckConfig { path } => check_config(&path),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e:#}");
            ExitCode::FAILURE
        }
    }
}

fn check_config(path: &std::path::Path) -> anyhow::Result<()> {
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
    Ok(())
}
