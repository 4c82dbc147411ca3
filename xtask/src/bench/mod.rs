//! `cargo xtask bench`: the budgets the page must hold, measured on a release build.
//!
//! One section per module, each returning [`Verdict`]s:
//! - [`size`]: bytes on the wire, gzip level 9, against 150 KB;
//! - [`redirect`]: time from navigation to arrival at the ITSM in headless Chromium,
//!   against a plain-JavaScript redirect page (warm cache: at most 2x).
//!
//! A new section (say, reading a 100 000-user directory export) is a new module with a
//! `run` function that prints its figures and returns its verdicts, called from [`run`].
//! The command fails when any verdict fails.

mod redirect;
mod size;

use std::time::Duration;

use anyhow::{bail, Result};

use crate::cmd::target_dir;
use crate::{dist, tools};

/// A budget checked.
pub struct Verdict {
    /// What was checked.
    pub name: String,
    /// Whether it holds.
    pub pass: bool,
    /// The figures behind it.
    pub detail: String,
}

impl Verdict {
    fn line(&self) -> String {
        let word = if self.pass { "PASS" } else { "FAIL" };
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
    println!("\n== time to redirect");
    verdicts.extend(redirect::run(&dist)?);
    println!("\n== budgets");
    for v in &verdicts {
        println!("{}", v.line());
    }
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
