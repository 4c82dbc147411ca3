//! `cargo xtask install-tools`: everything the build and the tests need beyond cargo,
//! installed only when missing.
//!
//! - the `wasm32-unknown-unknown` target (`rustup target add`);
//! - `wasm-bindgen-cli` at exactly the `wasm-bindgen` version locked in `Cargo.lock`
//!   (the two must match; `cargo install` without `--locked`);
//! - Debian packages: `chromium` and `chromium-driver` for the browser tests, `binaryen`
//!   for `wasm-opt` (`apt-get`, through `sudo` when not root).
//!
//! The other subcommands call the parts they need first, so a fresh machine only needs
//! rustup and, for the browser, a Debian-like system.

use std::path::PathBuf;
use std::process::Command;

use anyhow::{bail, Context, Result};

use crate::cmd::{self, project_root};

/// The target the page is compiled for.
pub const WASM_TARGET: &str = "wasm32-unknown-unknown";

/// The Chromium binary: `$CHROME_BIN`, else Debian's `/usr/bin/chromium`.
pub fn chrome_bin() -> PathBuf {
    std::env::var_os("CHROME_BIN")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from("/usr/bin/chromium"))
}

/// The ChromeDriver binary: `$CHROMEDRIVER`, else Debian's `/usr/bin/chromedriver`.
pub fn chromedriver_bin() -> PathBuf {
    std::env::var_os("CHROMEDRIVER")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from("/usr/bin/chromedriver"))
}

/// Installs everything (`cargo xtask install-tools`).
pub fn install_all() -> Result<()> {
    wasm_target()?;
    let bindgen = wasm_bindgen()?;
    debian_packages(true, true)?;
    println!(
        "tools: {WASM_TARGET}, wasm-bindgen-cli {bindgen}, {}, {}, {}",
        chrome_bin().display(),
        chromedriver_bin().display(),
        cmd::which("wasm-opt").map_or_else(|| "no wasm-opt".into(), |p| p.display().to_string()),
    );
    Ok(())
}

/// What `dist` needs: the target and wasm-bindgen; `wasm-opt` is optional (a warning).
pub fn for_dist() -> Result<()> {
    wasm_target()?;
    wasm_bindgen()?;
    if let Err(e) = debian_packages(false, true) {
        eprintln!("warning: wasm-opt is not available ({e:#}); the module will not be optimised");
    }
    Ok(())
}

/// What the browser tests need: everything.
pub fn for_browser() -> Result<()> {
    install_all()
}

/// Adds the wasm target when the toolchain lacks it.
fn wasm_target() -> Result<()> {
    if cmd::which("rustup").is_none() {
        // A toolchain without rustup (a distribution's rustc): check its sysroot.
        let sysroot = cmd::output(Command::new("rustc").args(["--print", "sysroot"]))?;
        let lib = PathBuf::from(sysroot.trim())
            .join("lib/rustlib")
            .join(WASM_TARGET);
        if lib.is_dir() {
            return Ok(());
        }
        bail!("rustup is not installed and the toolchain has no {WASM_TARGET} target; install it with your toolchain's package manager");
    }
    let installed = cmd::output(Command::new("rustup").args(["target", "list", "--installed"]))?;
    if installed.lines().any(|l| l.trim() == WASM_TARGET) {
        return Ok(());
    }
    println!("install-tools: adding the {WASM_TARGET} target");
    cmd::run(Command::new("rustup").args(["target", "add", WASM_TARGET]))
}

/// The version of `package` in a `Cargo.lock` text (the first one, if several).
pub fn locked_version(lock: &str, package: &str) -> Option<String> {
    let mut name = None;
    for line in lock.lines() {
        let line = line.trim();
        if line == "[[package]]" {
            name = None;
        } else if let Some(n) = line.strip_prefix("name = ") {
            name = Some(n.trim_matches('"').to_string());
        } else if let Some(v) = line.strip_prefix("version = ") {
            if name.as_deref() == Some(package) {
                return Some(v.trim_matches('"').to_string());
            }
        }
    }
    None
}

/// The version a `--version` line reports (`wasm-bindgen 0.2.130` gives `0.2.130`).
fn reported_version(program: &str) -> Option<String> {
    let out = cmd::output(Command::new(program).arg("--version")).ok()?;
    out.split_whitespace().nth(1).map(str::to_string)
}

/// Installs `wasm-bindgen-cli` at the locked `wasm-bindgen` version when
/// `wasm-bindgen` or `wasm-bindgen-test-runner` is missing or reports another version;
/// returns that version.
fn wasm_bindgen() -> Result<String> {
    let lock_path = project_root().join("Cargo.lock");
    let lock = std::fs::read_to_string(&lock_path)
        .with_context(|| format!("cannot read {}", lock_path.display()))?;
    let Some(wanted) = locked_version(&lock, "wasm-bindgen") else {
        bail!("Cargo.lock has no wasm-bindgen package");
    };
    let bindgen = reported_version("wasm-bindgen");
    let runner = reported_version("wasm-bindgen-test-runner");
    if bindgen.as_deref() == Some(&wanted) && runner.as_deref() == Some(&wanted) {
        return Ok(wanted);
    }
    println!(
        "install-tools: wasm-bindgen-cli {wanted} is needed (wasm-bindgen: {}, wasm-bindgen-test-runner: {})",
        bindgen.as_deref().unwrap_or("missing"),
        runner.as_deref().unwrap_or("missing"),
    );
    cmd::run(cmd::cargo().args(["install", "wasm-bindgen-cli", "--version", &wanted]))?;
    match reported_version("wasm-bindgen") {
        Some(v) if v == wanted => Ok(wanted),
        other => bail!(
            "wasm-bindgen-cli {wanted} was installed but `wasm-bindgen --version` says {}; is ~/.cargo/bin on PATH?",
            other.as_deref().unwrap_or("nothing")
        ),
    }
}

/// Installs the missing Debian packages: the browser pair when `browser`, binaryen
/// when `wasm_opt`.
fn debian_packages(browser: bool, wasm_opt: bool) -> Result<()> {
    let mut missing = Vec::new();
    if browser {
        for (path, env, package) in [
            (chrome_bin(), "CHROME_BIN", "chromium"),
            (chromedriver_bin(), "CHROMEDRIVER", "chromium-driver"),
        ] {
            if path.is_file() {
                continue;
            }
            if std::env::var_os(env).is_some() {
                bail!("{env}={} does not exist", path.display());
            }
            missing.push(package);
        }
    }
    if wasm_opt && cmd::which("wasm-opt").is_none() {
        missing.push("binaryen");
    }
    if missing.is_empty() {
        return Ok(());
    }
    println!("install-tools: installing {}", missing.join(" "));
    if cmd::which("apt-get").is_none() {
        bail!(
            "apt-get is not available: install {} with your package manager",
            missing.join(" ")
        );
    }
    let is_root = cmd::output(Command::new("id").arg("-u"))
        .map(|uid| uid.trim() == "0")
        .unwrap_or(false);
    let apt = |args: &[&str]| -> Command {
        let mut c = if is_root {
            Command::new("apt-get")
        } else {
            // `sudo env` so that DEBIAN_FRONTEND survives sudo's environment reset.
            let mut c = Command::new("sudo");
            c.args(["env", "DEBIAN_FRONTEND=noninteractive", "apt-get"]);
            c
        };
        if is_root {
            c.env("DEBIAN_FRONTEND", "noninteractive");
        }
        c.args(args);
        c
    };
    if !is_root && cmd::which("sudo").is_none() {
        bail!(
            "not root and sudo is not available: run `apt-get install -y {}` as root",
            missing.join(" ")
        );
    }
    cmd::run(&mut apt(&["update"]))?;
    let mut install = apt(&["install", "-y"]);
    install.args(&missing);
    cmd::run(&mut install)?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_the_locked_version() {
        let lock = r#"
version = 4

[[package]]
name = "wasm-bindgen-futures"
version = "0.4.80"

[[package]]
name = "wasm-bindgen"
version = "0.2.130"
source = "registry+https://github.com/rust-lang/crates.io-index"
"#;
        assert_eq!(
            locked_version(lock, "wasm-bindgen").as_deref(),
            Some("0.2.130")
        );
        assert_eq!(
            locked_version(lock, "wasm-bindgen-futures").as_deref(),
            Some("0.4.80")
        );
        assert_eq!(locked_version(lock, "serde"), None);
    }

    #[test]
    fn the_workspace_lock_pins_wasm_bindgen() {
        let lock = std::fs::read_to_string(project_root().join("Cargo.lock")).unwrap();
        assert!(locked_version(&lock, "wasm-bindgen").is_some());
    }
}
