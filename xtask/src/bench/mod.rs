//! `cargo xtask bench`: the budgets the page must hold, measured on a release build.
//!
//! One section per module, each returning [`Verdict`]s:
//! - [`size`]: bytes on the wire, gzip level 9, against 110 KB;
//! - [`redirect`]: time from navigation to arrival at the ITSM in headless Chromium,
//!   against a plain-JavaScript redirect page measured in the same run: with 20 ms on
//!   every request (an intranet server some milliseconds away), warm and cold, at most
//!   1.15x; on loopback for information; and in headless Firefox ESR on loopback, warm
//!   and without an HTTP cache, for information (`LQC_ENGINES=chromium` leaves it out);
//! - [`directory`]: the signed directory export of 100,000 generated users: export time
//!   (under 2 s) and peak memory, its size, what one lookup fetches (at most 16 KB, two
//!   requests beyond `config.json`), and the time to redirect with it at 20 ms round
//!   trips with the number of round trips in sequence (information, `INFO`). Its exports run first, before the browser sections.
//!
//! A new section is a new module with a `run` function (or two steps, like
//! [`directory`]'s) that prints its figures and returns its verdicts, called from
//! [`run`].
//! The command fails when any verdict fails.

mod directory;
pub mod profile;
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

/// The sections, in the order they run.
pub const SECTIONS: [&str; 3] = ["size", "directory", "redirect"];

/// The sections `only` names (comma-separated), or all of them.
fn sections(only: Option<&str>) -> Result<Vec<&'static str>> {
    let Some(only) = only else {
        return Ok(SECTIONS.to_vec());
    };
    let mut chosen = Vec::new();
    for name in only.split(',').map(str::trim) {
        match SECTIONS.iter().find(|s| **s == name) {
            Some(s) => chosen.push(*s),
            None => bail!(
                "--only {only}: no section '{name}' (the sections are {})",
                SECTIONS.join(", ")
            ),
        }
    }
    Ok(chosen)
}

/// Builds the distribution into `target/bench-dist` and runs every section, or those
/// `only` names.
pub fn run(only: Option<&str>) -> Result<()> {
    let chosen = sections(only)?;
    tools::for_browser()?;
    let dist = dist::run(&target_dir().join("bench-dist"))?;
    let mut verdicts = Vec::new();
    if chosen.contains(&"size") {
        println!("\n== size");
        verdicts.extend(size::run(&dist)?);
    }
    // The exports first, before the browser's files come and go.
    let exported = if chosen.contains(&"directory") {
        println!("\n== directory export");
        let (export_verdicts, exported) = directory::export()?;
        verdicts.extend(export_verdicts);
        Some(exported)
    } else {
        None
    };
    if chosen.contains(&"redirect") {
        println!("\n== time to redirect");
        verdicts.extend(redirect::run(&dist)?);
    }
    if let Some(exported) = &exported {
        println!("\n== time to redirect with the directory");
        verdicts.extend(directory::redirect(&dist, exported)?);
    }
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

    #[test]
    fn chooses_sections() {
        assert_eq!(sections(None).unwrap(), SECTIONS);
        assert_eq!(
            sections(Some("redirect, size")).unwrap(),
            ["redirect", "size"]
        );
        assert!(sections(Some("speed")).is_err());
    }
}
