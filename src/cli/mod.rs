//! Command-line parsing and dispatch; each command lives in its own module.

mod check;
mod check_config;
mod export;
mod init;
mod keygen;
mod reg;
mod synthetic;

use std::process::ExitCode;

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
    /// Set up a site for a first deployment: copy the page into the web server's folder,
    /// write a minimal config.json (and, for a directory export, create the signing key
    /// outside the site), then print the next commands.
    Init(init::Args),
    /// Check a deployed site's folder (or its config.json) as the page would use it: the
    /// configuration, no placeholder left, the directory export beside it; print what
    /// each profile does, and with --contact the URL that contact opens.
    CheckConfig(check_config::Args),
    /// Create the key pair that signs directory exports.
    ///
    /// Writes the secret key to a new file (never overwriting one) readable only by
    /// you, and prints the public key as config.json takes it. Keep the secret key on
    /// the machine that runs the export, never on the web server. On Windows "only
    /// you" also means Administrators and SYSTEM (set with icacls, by SID), instead of
    /// the folder's permissions.
    Keygen(keygen::Args),
    /// Print the public key of an existing secret key file, as config.json takes it.
    PublicKey(keygen::PublicArgs),
    /// Turn an Active Directory export (CSV from Export-Csv, or LDIF from ldapsearch)
    /// into the signed directory the page reads.
    Export(export::Args),
    /// Write the registry entry (a .reg file, or a PowerShell script) that adds the
    /// quick call command to the Lync / Skype for Business menus; push it by Group Policy
    /// Preferences or reg import in a computer startup script.
    Reg(reg::Args),
    /// Check a deployed site over HTTP(S), as a browser would: the page, its scripts
    /// and module, headers, caching, config.json and the directory export.
    Check(check::Args),
    /// Write a synthetic Active Directory CSV export, for tests and benchmarks.
    #[command(hide = true)]
    Synthetic(synthetic::Args),
}

/// Runs the tool; errors are printed as `error: ...` with their causes, exit code 1.
pub fn main() -> ExitCode {
    let cli = Cli::parse();
    let result = match cli.command {
        Command::Init(args) => init::run(&args),
        Command::CheckConfig(args) => check_config::run(&args),
        Command::Keygen(args) => keygen::run(&args),
        Command::PublicKey(args) => keygen::run_public(&args),
        Command::Export(args) => export::run(&args),
        Command::Reg(args) => reg::run(&args),
        Command::Check(args) => check::run(&args),
        Command::Synthetic(args) => synthetic::run(&args),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e:#}");
            ExitCode::FAILURE
        }
    }
}

/// The current time, Unix seconds.
pub(crate) fn now_unix() -> anyhow::Result<u64> {
    use anyhow::Context as _;
    Ok(std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .context("the system clock is before 1970")?
        .as_secs())
}

/// `12.3 KB`, `4.5 MB`.
pub(crate) fn human_bytes(n: usize) -> String {
    match n {
        n if n < 1024 => format!("{n} bytes"),
        n if n < 1024 * 1024 => format!("{:.1} KB", n as f64 / 1024.0),
        n => format!("{:.1} MB", n as f64 / (1024.0 * 1024.0)),
    }
}
