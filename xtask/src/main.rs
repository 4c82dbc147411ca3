//! `cargo xtask`: this repository's automation, written in Rust (matklad's cargo-xtask
//! pattern, as in rust-analyzer). The alias in `.cargo/config.toml` runs this crate.
//!
//! ```text
//! cargo xtask install-tools      the wasm target, wasm-bindgen-cli, Chromium, wasm-opt
//! cargo xtask dist [--out DIR]   build the deployable directory (default: dist/)
//! cargo xtask demo [--port N]    serve the page and a mock ITSM, print links to click
//! cargo xtask test               every test: native, wasm in Chromium, end-to-end
//! cargo xtask e2e [--engine E]   only the end-to-end suite (after a dist build)
//! cargo xtask bench [--only S]   size and time-to-redirect budgets
//! cargo xtask profile            where one warm load's time goes, beside the baseline's
//! cargo xtask fuzz [--seconds N] every cargo-fuzz target for N seconds (default 60)
//! cargo xtask release            the bundle: page, Windows and Linux tools, zip
//! ```
//!
//! Each command installs what it needs first (see [`tools`]) and runs from the
//! repository root.

mod bench;
mod cmd;
mod csp;
mod demo;
mod directory;
mod dist;
mod e2e;
mod entra;
mod fuzz;
mod lookup;
mod registry_test;
mod release;
mod serve;
mod test;
mod tools;
mod wasm;
mod webdriver;
mod wine;

use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::{bail, Context, Result};

const USAGE: &str = "\
usage: cargo xtask <command>

commands:
  install-tools      install what is missing: the wasm32-unknown-unknown target,
                     wasm-bindgen-cli (the version in Cargo.lock), chromium,
                     chromium-driver, binaryen and libwin-hivex-perl (apt-get)
  dist [--out DIR]   build the deployable directory (default: dist/)
  demo [--port N]    serve the page on 127.0.0.1:N (default 8080) with a mock ITSM
  test               run every test: cargo test, wasm tests in Chromium, end-to-end
  e2e [--engine E]   build dist into target/e2e-dist and run the end-to-end suite in
                     headless Chromium, then Firefox ESR; --engine chromium or
                     firefox runs one (or the variable LQC_ENGINES, also for test)
  bench [--only S]   check the size and time-to-redirect budgets; --only runs some
                     sections: size, redirect, directory (comma-separated)
  profile            trace one warm load of the page and one of the baseline in
                     Chromium (requests, main-thread milestones and tasks,
                     WebAssembly compilation): a summary of each, and a trace file
                     for the DevTools Performance panel or ui.perfetto.dev
  fuzz [--seconds N] run every cargo-fuzz target of fuzz/ for N seconds (default 60),
                     one after another; installs the pinned nightly and cargo-fuzz
  release            build target/release-bundle/lync-quickcall-<version>/ and its
                     .zip: the page, the tool for Windows (x86_64-pc-windows-gnu,
                     with MinGW-w64) and Linux, INSTALL.txt, export-directory.ps1
";

/// A parsed command line.
#[derive(Debug, PartialEq, Eq)]
enum Task {
    InstallTools,
    Dist { out: Option<PathBuf> },
    Demo { port: u16 },
    Test,
    E2e { engine: Option<String> },
    Bench { only: Option<String> },
    Profile,
    Fuzz { seconds: u64 },
    RegistryTest,
    Release,
    WineTest,
    Help,
}

/// Parses the arguments after `cargo xtask`.
fn parse(args: &[String]) -> Result<Task> {
    let (command, rest) = match args.split_first() {
        Some((c, rest)) => (c.as_str(), rest),
        None => return Ok(Task::Help),
    };
    // `--name value` or `--name=value`, each allowed once.
    let mut options: Vec<(String, String)> = Vec::new();
    let mut i = 0;
    while i < rest.len() {
        let arg = &rest[i];
        let Some(name) = arg.strip_prefix("--") else {
            bail!("unexpected argument '{arg}'\n\n{USAGE}");
        };
        let (name, value) = match name.split_once('=') {
            Some((n, v)) => (n.to_string(), v.to_string()),
            None => {
                i += 1;
                let v = rest
                    .get(i)
                    .with_context(|| format!("--{name} needs a value"))?;
                (name.to_string(), v.clone())
            }
        };
        if options.iter().any(|(n, _)| *n == name) {
            bail!("--{name} is given twice");
        }
        options.push((name, value));
        i += 1;
    }
    let allowed: &[&str] = match command {
        "dist" => &["out"],
        "demo" => &["port"],
        "fuzz" => &["seconds"],
        "bench" => &["only"],
        "e2e" => &["engine"],
        _ => &[],
    };
    if let Some((name, _)) = options.iter().find(|(n, _)| !allowed.contains(&n.as_str())) {
        bail!("`{command}` takes no --{name} option\n\n{USAGE}");
    }
    let option = |name: &str| {
        options
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, v)| v.clone())
    };
    Ok(match command {
        "install-tools" => Task::InstallTools,
        "dist" => Task::Dist {
            out: option("out").map(PathBuf::from),
        },
        "demo" => Task::Demo {
            port: match option("port") {
                Some(p) => p
                    .parse()
                    .with_context(|| format!("--port {p}: not a port number"))?,
                None => demo::DEFAULT_PORT,
            },
        },
        "test" => Task::Test,
        "e2e" => Task::E2e {
            engine: match option("engine") {
                Some(e) => Some(webdriver::Engine::list(&e).map(|_| e)?),
                None => None,
            },
        },
        "bench" => Task::Bench {
            only: option("only"),
        },
        "profile" => Task::Profile,
        "fuzz" => Task::Fuzz {
            seconds: match option("seconds") {
                Some(s) => s
                    .parse()
                    .ok()
                    .filter(|&n| n > 0)
                    .with_context(|| format!("--seconds {s}: not a whole number of seconds"))?,
                None => fuzz::DEFAULT_SECONDS,
            },
        },
        // Hidden: only the registry round trip (a stage of `test`).
        "registry-test" => Task::RegistryTest,
        "release" => Task::Release,
        // Hidden: only the Windows build under Wine (a stage of `test`).
        "wine-test" => Task::WineTest,
        "help" | "--help" | "-h" => Task::Help,
        other => bail!("unknown command '{other}'\n\n{USAGE}"),
    })
}

fn run(task: Task) -> Result<()> {
    // Relative paths given on the command line are relative to where it was typed.
    let cwd = std::env::current_dir().context("cannot read the current directory")?;
    let root = cmd::project_root();
    std::env::set_current_dir(&root)
        .with_context(|| format!("cannot change to {}", root.display()))?;
    match task {
        Task::InstallTools => tools::install_all(),
        Task::Dist { out } => {
            let out = out.map_or_else(|| root.join("dist"), |o| cwd.join(o));
            dist::run(&out).map(drop)
        }
        Task::Demo { port } => demo::run(port),
        Task::Test => test::run_all(),
        Task::E2e { engine } => test::run_e2e(engine.as_deref()),
        Task::Bench { only } => bench::run(only.as_deref()),
        Task::Profile => bench::profile::run(),
        Task::Fuzz { seconds } => fuzz::run(seconds),
        Task::RegistryTest => registry_test::run(),
        Task::Release => release::run(),
        Task::WineTest => wine::run(),
        Task::Help => {
            print!("{USAGE}");
            Ok(())
        }
    }
}

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    match parse(&args).and_then(run) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e:#}");
            ExitCode::FAILURE
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn args(s: &str) -> Vec<String> {
        s.split_whitespace().map(str::to_string).collect()
    }

    #[test]
    fn parses_commands() {
        for (line, task) in [
            ("", Task::Help),
            ("install-tools", Task::InstallTools),
            ("dist", Task::Dist { out: None }),
            (
                "dist --out /tmp/d",
                Task::Dist {
                    out: Some("/tmp/d".into()),
                },
            ),
            (
                "dist --out=d",
                Task::Dist {
                    out: Some("d".into()),
                },
            ),
            ("demo", Task::Demo { port: 8080 }),
            ("demo --port 9000", Task::Demo { port: 9000 }),
            ("test", Task::Test),
            ("e2e", Task::E2e { engine: None }),
            (
                "e2e --engine firefox",
                Task::E2e {
                    engine: Some("firefox".into()),
                },
            ),
            ("bench", Task::Bench { only: None }),
            (
                "bench --only size,redirect",
                Task::Bench {
                    only: Some("size,redirect".into()),
                },
            ),
            ("profile", Task::Profile),
            ("fuzz", Task::Fuzz { seconds: 60 }),
            ("fuzz --seconds 5", Task::Fuzz { seconds: 5 }),
            ("registry-test", Task::RegistryTest),
            ("release", Task::Release),
            ("wine-test", Task::WineTest),
        ] {
            assert_eq!(parse(&args(line)).unwrap(), task, "{line}");
        }
        for bad in [
            "nope",
            "dist --port 1",
            "dist --out",
            "dist --out a --out b",
            "demo --port x",
            "demo --port 70000",
            "fuzz --seconds 0",
            "fuzz --seconds x",
            "fuzz --port 1",
            "test extra",
            "e2e --engine safari",
            "test --engine firefox",
        ] {
            assert!(parse(&args(bad)).is_err(), "{bad}");
        }
    }
}
