//! `lync-quickcall synthetic` (hidden): a generated Active Directory CSV, for benchmarks.

use std::path::PathBuf;

use anyhow::Context;

/// Options of `synthetic`.
#[derive(clap::Args)]
pub struct Args {
    /// How many users.
    #[arg(long, default_value_t = 100_000)]
    users: usize,
    /// The generator's seed (the same seed gives the same file).
    #[arg(long, default_value_t = 1)]
    seed: u64,
    /// Where to write the CSV.
    #[arg(long)]
    out: PathBuf,
}

pub fn run(args: &Args) -> anyhow::Result<()> {
    let csv = lync_quickcall::adexport::synthetic::synthetic_ad_csv(args.users, args.seed);
    std::fs::write(&args.out, csv)
        .with_context(|| format!("cannot write {}", args.out.display()))?;
    println!("wrote {} users to {}", args.users, args.out.display());
    Ok(())
}
