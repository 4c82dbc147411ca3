//! `cargo xtask fuzz [--seconds N]`: every cargo-fuzz target of `fuzz/` for N seconds,
//! one after another, with the executions each ran; and the short run that is a stage of
//! `cargo xtask test` ([`smoke`]), so that a crash the fuzzers can reach fails the tests.
//!
//! The targets (`fuzz/fuzz_targets/`, see their module docs) need a nightly toolchain
//! and `cargo-fuzz`; both are pinned here ([`NIGHTLY`], [`CARGO_FUZZ_VERSION`]) and
//! installed when missing by [`tools::for_fuzz`]. Each target runs as
//!
//! ```text
//! cargo +nightly-… fuzz run -O -s none --target-dir target/fuzz <t> \
//!     target/fuzz/corpus/<t> fuzz/corpus/<t> \
//!     -- -max_total_time=N -rss_limit_mb=2048 -timeout=25 -print_final_stats=1
//! ```
//!
//! - `-O -s none`: optimised, no sanitizer (the crate forbids `unsafe`; AddressSanitizer
//!   halved the executions a second), with debug assertions and overflow checks on
//!   through `fuzz/Cargo.toml`'s release profile;
//! - the committed seed corpus `fuzz/corpus/<t>/` is only read; what a run adds goes to
//!   `target/fuzz/corpus/<t>/`, kept from run to run;
//! - a crash (a panic, a unit slower than [`UNIT_TIMEOUT_SECS`], or more than
//!   [`RSS_LIMIT_MB`] of memory) stops the command with the reproducer's path
//!   (`fuzz/artifacts/<t>/…`) and the command that replays it.
//!
//! Each run's output goes to `target/fuzz/logs/<t>.log`; the count of executions comes
//! from libFuzzer's final statistics (`stat::number_of_executed_units`, or the
//! `#N DONE` line).

use std::fs::File;
use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use anyhow::{bail, Context, Result};

use crate::cmd::{self, project_root, target_dir, thousands};
use crate::tools;

/// The nightly toolchain the targets are built with (cargo-fuzz needs nightly for
/// `-Zsanitizer` and coverage instrumentation). A date rather than `nightly`, so that a
/// new nightly cannot break the build overnight.
pub const NIGHTLY: &str = "nightly-2026-10-20";

/// The cargo-fuzz version installed (`cargo install cargo-fuzz --version … --locked`).
pub const CARGO_FUZZ_VERSION: &str = "0.13.2";

/// The targets, in the order they run (each is `fuzz/fuzz_targets/<name>.rs`).
pub const TARGETS: [&str; 6] = [
    "query",
    "config",
    "target",
    "signed",
    "adexport",
    "roundtrip",
];

/// `cargo xtask fuzz` without `--seconds`: seconds per target.
pub const DEFAULT_SECONDS: u64 = 60;

/// Seconds per target in the `cargo xtask test` stage.
pub const SMOKE_SECONDS: u64 = 5;

/// libFuzzer's `-rss_limit_mb`: a target that needs more memory has crashed.
pub const RSS_LIMIT_MB: u64 = 2048;

/// libFuzzer's `-timeout`: one input that takes longer has crashed (a hang).
pub const UNIT_TIMEOUT_SECS: u64 = 25;

/// The `cargo xtask test` stage: every target for [`SMOKE_SECONDS`].
pub fn smoke() -> Result<()> {
    run(SMOKE_SECONDS)
}

/// `cargo xtask fuzz --seconds N`: installs what is missing, builds the targets, runs
/// each for `seconds`, and prints the executions of each and in all.
pub fn run(seconds: u64) -> Result<()> {
    if seconds == 0 {
        bail!("--seconds must be at least 1");
    }
    tools::for_fuzz()?;
    let root = project_root();
    let out = target_dir().join("fuzz");
    let build_started = Instant::now();
    cmd::run(&mut cargo_fuzz("build", &out))?;
    println!(
        "fuzz: {} targets built in {}",
        TARGETS.len(),
        duration(build_started.elapsed())
    );
    let started = Instant::now();
    let mut results = Vec::new();
    for target in TARGETS {
        let executions = run_target(&root, &out, target, seconds)?;
        println!("fuzz: {target}: {} executions", thousands(executions));
        results.push((target, executions));
    }
    let total: u64 = results.iter().map(|(_, n)| n).sum();
    println!("\nfuzz: {seconds} s per target, no crash");
    for (target, n) in &results {
        println!("  {target:<10} {:>14}", thousands(*n));
    }
    println!(
        "  {:<10} {:>14} executions in {}",
        "total",
        thousands(total),
        duration(started.elapsed())
    );
    Ok(())
}

/// `cargo +NIGHTLY fuzz <subcommand> -O -s none --target-dir <out>`, from the
/// repository root, through the rustup proxy (the `+toolchain` argument needs it), and
/// without the variables the `cargo` running xtask set (cargo-fuzz adds its own flags to
/// `RUSTFLAGS`).
fn cargo_fuzz(subcommand: &str, out: &Path) -> Command {
    let mut c = Command::new("cargo");
    c.arg(format!("+{NIGHTLY}"))
        .args(["fuzz", subcommand, "-O", "-s", "none", "--target-dir"])
        .arg(out)
        .current_dir(project_root());
    for var in [
        "CARGO",
        "CARGO_TARGET_DIR",
        "RUSTC",
        "RUSTDOC",
        "RUSTUP_TOOLCHAIN",
        "RUSTFLAGS",
    ] {
        c.env_remove(var);
    }
    c
}

/// Runs one target for `seconds`; returns its executions, or the crash.
fn run_target(root: &Path, out: &Path, target: &str, seconds: u64) -> Result<u64> {
    let corpus = out.join("corpus").join(target);
    std::fs::create_dir_all(&corpus)
        .with_context(|| format!("cannot create {}", corpus.display()))?;
    let logs = out.join("logs");
    std::fs::create_dir_all(&logs)?;
    let log_path = logs.join(format!("{target}.log"));
    let log =
        File::create(&log_path).with_context(|| format!("cannot create {}", log_path.display()))?;
    let seeds = root.join("fuzz").join("corpus").join(target);
    let mut command = cargo_fuzz("run", out);
    command
        .arg(target)
        .arg(&corpus)
        .arg(&seeds)
        .arg("--")
        .arg(format!("-max_total_time={seconds}"))
        .arg(format!("-rss_limit_mb={RSS_LIMIT_MB}"))
        .arg(format!("-timeout={UNIT_TIMEOUT_SECS}"))
        .arg("-print_final_stats=1")
        .stdin(Stdio::null())
        .stdout(log.try_clone()?)
        .stderr(log);
    println!(
        "\n$ {}  (output in {})",
        cmd::display(&command),
        log_path.display()
    );
    let status = command
        .status()
        .with_context(|| format!("cannot start cargo fuzz for {target}"))?;
    let text = std::fs::read_to_string(&log_path).unwrap_or_default();
    if status.success() {
        return executions(&text).with_context(|| {
            format!(
                "{target}: no execution count in {} (libFuzzer's final statistics)",
                log_path.display()
            )
        });
    }
    let tail: Vec<&str> = text.lines().rev().take(40).collect();
    for line in tail.iter().rev() {
        eprintln!("  {line}");
    }
    match reproducer(&text) {
        Some(unit) => bail!(
            "fuzz target {target} crashed ({status}); the input is {unit}\n\
             replay it with: cargo +{NIGHTLY} fuzz run -O -s none {target} {unit}\n\
             (whole output in {})",
            log_path.display()
        ),
        None => bail!(
            "fuzz target {target} failed ({status}) before fuzzing; see {}",
            log_path.display()
        ),
    }
}

/// The path libFuzzer wrote the crashing input to (`Test unit written to <path>`).
fn reproducer(log: &str) -> Option<String> {
    log.lines().rev().find_map(|l| {
        l.split_once("Test unit written to ")
            .map(|(_, p)| p.trim().to_string())
    })
}

/// The executions a libFuzzer run reports: `stat::number_of_executed_units: N`, else
/// the last `#N DONE` (or any `#N`) line.
fn executions(log: &str) -> Option<u64> {
    let stat = log.lines().rev().find_map(|l| {
        l.trim()
            .strip_prefix("stat::number_of_executed_units:")
            .and_then(|n| n.trim().parse().ok())
    });
    stat.or_else(|| {
        log.lines().rev().find_map(|l| {
            let rest = l.strip_prefix('#')?;
            let end = rest.find(|c: char| !c.is_ascii_digit())?;
            let (n, after) = rest.split_at(end);
            after
                .trim_start()
                .starts_with("DONE")
                .then(|| n.parse().ok())?
        })
    })
}

/// `1m 05s`, or `42.0 s`.
fn duration(d: Duration) -> String {
    let s = d.as_secs();
    if s >= 60 {
        format!("{}m {:02}s", s / 60, s % 60)
    } else {
        format!("{:.1} s", d.as_secs_f64())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_libfuzzer_output() {
        let done = "#1185748\tDONE   cov: 703 ft: 3490 corp: 1424/121Kb lim: 2369 exec/s: 25777 rss: 45Mb\n\
                    Done 1185748 runs in 46 second(s)\n";
        assert_eq!(executions(done), Some(1_185_748));
        let stats = "#65536\tpulse  cov: 1\n#70000\tDONE   cov: 2\n\
                     stat::number_of_executed_units: 70001\nstat::average_exec_per_sec:     1555\n";
        assert_eq!(executions(stats), Some(70_001));
        assert_eq!(executions("INFO: Seed: 1\n"), None);
        let crash = "==1== ERROR: libFuzzer: deadly signal\n\
                     artifact_prefix='/w/fuzz/artifacts/target/'; Test unit written to /w/fuzz/artifacts/target/crash-9a32\n\
                     Base64: NX4A\n";
        assert_eq!(
            reproducer(crash).as_deref(),
            Some("/w/fuzz/artifacts/target/crash-9a32")
        );
        assert_eq!(reproducer(done), None);
    }

    #[test]
    fn formats() {
        assert_eq!(thousands(0), "0");
        assert_eq!(thousands(999), "999");
        assert_eq!(thousands(1000), "1,000");
        assert_eq!(thousands(12_345_678), "12,345,678");
        assert_eq!(duration(Duration::from_secs(65)), "1m 05s");
        assert_eq!(duration(Duration::from_millis(4200)), "4.2 s");
    }

    /// Every target listed here is a `[[bin]]` of `fuzz/Cargo.toml` with its source and
    /// a seed corpus, and every `[[bin]]` is listed.
    #[test]
    fn the_targets_are_those_of_the_fuzz_crate() {
        let fuzz = project_root().join("fuzz");
        let manifest = std::fs::read_to_string(fuzz.join("Cargo.toml")).unwrap();
        let bins: Vec<&str> = manifest
            .lines()
            .filter_map(|l| l.strip_prefix("name = \""))
            .filter_map(|l| l.strip_suffix('"'))
            .filter(|n| *n != "lync-quickcall-fuzz")
            .collect();
        assert_eq!(bins, TARGETS);
        for t in TARGETS {
            assert!(
                fuzz.join("fuzz_targets").join(format!("{t}.rs")).is_file(),
                "{t}"
            );
            let seeds = std::fs::read_dir(fuzz.join("corpus").join(t))
                .unwrap()
                .count();
            assert!(seeds > 0, "{t} has no seed corpus");
        }
    }
}
