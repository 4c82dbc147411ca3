//! `cargo xtask bench`: the budgets the page must hold, measured on a release build.
//!
//! One section per module, each returning [`Verdict`]s:
//! - [`size`]: bytes on the wire, gzip level 9, against 150 KB;
//! - [`redirect`]: time from navigation to arrival at the ITSM in headless Chromium,
//!   against a plain-JavaScript redirect page (warm cache: at most 2x);
//! - [`directory`]: the signed directory export of 100,000 generated users: export time
//!   (under 2 s) and peak memory, its size, what one lookup fetches (at most 16 KB, two
//!   requests beyond `config.json`), and the time to redirect with it (information,
//!   `INFO`). Its exports run first, before the browser sections.
//!
//! A new section is a new module with a `run` function (or two steps, like
//! [`directory`]'s) that prints its figures and returns its verdicts, called from
//! [`run`].
//! The command fails when any verdict fails.

mod directory;
mod redirect;
mod size;

use std::time::Duration;

use anyhow::{bail, Result};

use crate::cmd::target_dir;
use crate::{dist, tools};

/// A budget checked, or a figure reported beside the budgets.
pub struct Verdict {
    /// What was checked.
    pub name: String,
    /// Whether it holds (always, for information).
    pub pass: bool,
    /// The figures behind it.
    pub detail: String,
    /// Whether there is a budget (`PASS`/`FAIL`) or only information (`INFO`).
    pub budgeted: bool,
}

impl Verdict {
    /// A budget, held or not.
    pub fn budget(name: impl Into<String>, pass: bool, detail: impl Into<String>) -> Verdict {
        Verdict {
            name: name.into(),
            pass,
            detail: detail.into(),
            budgeted: true,
        }
    }

    /// A figure with no budget.
    pub fn info(name: impl Into<String>, detail: impl Into<String>) -> Verdict {
        Verdict {
            name: name.into(),
            pass: true,
            detail: detail.into(),
            budgeted: false,
        }
    }

    fn line(&self) -> String {
        let word = match (self.budgeted, self.pass) {
            (false, _) => "INFO",
            (true, true) => "PASS",
            (true, false) => "FAIL",
        };
        format!("{word}  {}: {}", self.name, self.detail)
    }
}

/// Builds the distribution into `target/bench-dist` and runs every section.
pub fn run() -> Result<()> {
    tools::for_browser()?;
    let dist = dist::run(&target_dir().join("bench-dist"))?;
    let mut verdicts = Vec::new();
    println!("\n== size");
    verdicts.extend(size::run(&dist)?);
    // The exports first, before the browser's files come and go.
    println!("\n== directory export");
    let (export_verdicts, exported) = directory::export()?;
    verdicts.extend(export_verdicts);
    println!("\n== time to redirect");
    verdicts.extend(redirect::run(&dist)?);
    println!("\n== time to redirect with the directory");
    verdicts.extend(directory::redirect(&dist, &exported)?);
    println!("\n== budgets");
    for v in &verdicts {
        println!("{}", v.line());
    }
    drop(exported);
    let failed = verdicts.iter().filter(|v| !v.pass).count();
    if failed > 0 {
        bail!("{failed} budget(s) exceeded");
    }
    Ok(())
}

/// The `p`-th percentile of `samples` (nearest rank); zero when there are none.
pub fn percentile(samples: &[Duration], p: f64) -> Duration {
    if samples.is_empty() {
        return Duration::ZERO;
    }
    let mut sorted = samples.to_vec();
    sorted.sort();
    let rank = (p / 100.0 * sorted.len() as f64).ceil() as usize;
    sorted[rank.clamp(1, sorted.len()) - 1]
}

/// Milliseconds, one decimal.
pub fn ms(d: Duration) -> String {
    format!("{:.1} ms", d.as_secs_f64() * 1000.0)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn percentiles() {
        let s: Vec<Duration> = [5, 1, 4, 2, 3, 10, 9, 8, 7, 6]
            .iter()
            .map(|&n| Duration::from_millis(n))
            .collect();
        assert_eq!(percentile(&s, 50.0), Duration::from_millis(5));
        assert_eq!(percentile(&s, 90.0), Duration::from_millis(9));
        assert_eq!(percentile(&s, 100.0), Duration::from_millis(10));
        assert_eq!(percentile(&s, 0.0), Duration::from_millis(1));
        assert_eq!(percentile(&[], 50.0), Duration::ZERO);
    }
}
