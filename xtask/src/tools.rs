//! `cargo xtask install-tools`: everything the build and the tests need beyond cargo,
//! installed only when missing.
//!
//! - the `wasm32-unknown-unknown` target (`rustup target add`);
//! - `wasm-bindgen-cli` at exactly the `wasm-bindgen` version locked in `Cargo.lock`
//!   (the two must match; `cargo install` without `--locked`);
//! - Firefox ESR (Debian's `firefox-esr`) and geckodriver (`cargo install`, pinned) for
//!   the browser suites' second engine ([`for_firefox`]);
//! - Debian packages: `chromium` and `chromium-driver` for the browser tests, `nodejs`
//!   and `npm` for `wasm-opt`, `libwin-hivex-perl` for `hivexregedit` (the registry round
//!   trip of [`crate::registry_test`]) (`apt-get`, through `sudo` when not root);
//! - esbuild, the npm package at [`ESBUILD_VERSION`], into `target/tools/esbuild`: it
//!   bundles `main.js` with wasm-bindgen's glue and minifies the scripts and style;
//! - `wasm-opt` from the npm package `binaryen` at [`BINARYEN_VERSION`], into
//!   `target/tools/binaryen` (`npm install`, run with node): Debian's binaryen 108
//!   mis-maps the module's table exports, and 132 does not.
//! - for the fuzz targets ([`for_fuzz`]): a pinned nightly toolchain and `cargo-fuzz`
//!   (`rustup toolchain install`, `cargo install --locked`).
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

/// The Firefox binary: `$FIREFOX_BIN`, else Debian's `/usr/bin/firefox-esr`.
pub fn firefox_bin() -> PathBuf {
    std::env::var_os("FIREFOX_BIN")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from("/usr/bin/firefox-esr"))
}

/// The preferences every Firefox session uses: nothing it would fetch on its own
/// (updates, studies, telemetry, captive-portal and connectivity checks), so the
/// servers only see what the page asks for.
pub fn firefox_prefs() -> serde_json::Value {
    serde_json::json!({
        "app.update.enabled": false,
        "app.normandy.enabled": false,
        "browser.shell.checkDefaultBrowser": false,
        "browser.startup.homepage_override.mstone": "ignore",
        "datareporting.policy.dataSubmissionEnabled": false,
        "toolkit.telemetry.enabled": false,
        "network.captive-portal-service.enabled": false,
        "network.connectivity-service.enabled": false,
        "extensions.update.enabled": false,
        "browser.safebrowsing.malware.enabled": false,
        "browser.safebrowsing.phishing.enabled": false,
    })
}

/// The geckodriver version `cargo install` builds (crates.io) when it is missing.
pub const GECKODRIVER_VERSION: &str = "0.37.1";

/// The geckodriver binary: `$GECKODRIVER`, else the one `cargo install` put on the
/// path (`~/.cargo/bin`).
pub fn geckodriver_bin() -> PathBuf {
    std::env::var_os("GECKODRIVER")
        .map(PathBuf::from)
        .or_else(|| cmd::which("geckodriver"))
        .unwrap_or_else(|| {
            let cargo_home = std::env::var_os("CARGO_HOME").map_or_else(
                || PathBuf::from(std::env::var_os("HOME").unwrap_or_default()).join(".cargo"),
                PathBuf::from,
            );
            cargo_home.join("bin/geckodriver")
        })
}

/// Installs Firefox ESR (Debian's `firefox-esr`) and geckodriver
/// ([`GECKODRIVER_VERSION`], `cargo install`, a few minutes to build once) when missing.
pub fn for_firefox() -> Result<()> {
    let firefox = firefox_bin();
    if !firefox.is_file() {
        if std::env::var_os("FIREFOX_BIN").is_some() {
            bail!("FIREFOX_BIN={} does not exist", firefox.display());
        }
        apt(&["firefox-esr"], true)?;
    }
    let driver = geckodriver_bin();
    let version = cmd::output(Command::new(&driver).arg("--version"))
        .ok()
        .and_then(|v| v.split_whitespace().nth(1).map(str::to_string));
    if version.is_none() {
        if std::env::var_os("GECKODRIVER").is_some() {
            bail!("GECKODRIVER={} does not run", driver.display());
        }
        println!("install-tools: geckodriver {GECKODRIVER_VERSION} (cargo install)");
        cmd::run(cmd::cargo().args(["install", "geckodriver", "--version", GECKODRIVER_VERSION]))?;
    }
    Ok(())
}

/// Installs everything (`cargo xtask install-tools`), Firefox ESR and geckodriver
/// included.
pub fn install_all() -> Result<()> {
    install(true)
}

/// What the Chromium side of the browser tests, the demo and the bench need; `firefox`
/// adds Firefox ESR and geckodriver ([`for_firefox`]).
fn install(firefox: bool) -> Result<()> {
    wasm_target()?;
    let bindgen = wasm_bindgen()?;
    debian_packages(true, true, true)?;
    if firefox {
        for_firefox()?;
    }
    let esbuild = esbuild()?;
    let wasm_opt = match wasm_opt() {
        Ok(script) => script.display().to_string(),
        Err(e) => {
            eprintln!(
                "warning: wasm-opt is not available ({e:#}); the module will not be optimised"
            );
            "no wasm-opt".into()
        }
    };
    println!(
        "tools: {WASM_TARGET}, wasm-bindgen-cli {bindgen}, {}, {}, {}, {wasm_opt}, {}, {}",
        chrome_bin().display(),
        chromedriver_bin().display(),
        if firefox {
            format!(
                "{}, {}",
                firefox_bin().display(),
                geckodriver_bin().display()
            )
        } else {
            "(Firefox: only for the tests)".to_string()
        },
        esbuild.display(),
        cmd::which("hivexregedit")
            .map_or_else(|| "no hivexregedit".into(), |p| p.display().to_string()),
    );
    Ok(())
}

/// What `dist` needs: the target, wasm-bindgen and esbuild; `wasm-opt` is optional (a
/// warning).
pub fn for_dist() -> Result<()> {
    wasm_target()?;
    wasm_bindgen()?;
    esbuild()?;
    if let Err(e) = debian_packages(false, true, false).and_then(|()| wasm_opt()) {
        eprintln!("warning: wasm-opt is not available ({e:#}); the module will not be optimised");
    }
    Ok(())
}

/// The npm package `esbuild` that bundles `main.js` with the glue and minifies the
/// page's scripts and style sheet.
pub const ESBUILD_VERSION: &str = "0.25.12";

/// Installs the npm package `esbuild` at [`ESBUILD_VERSION`] into
/// `target/tools/esbuild` when missing or another version; returns its binary.
pub fn esbuild() -> Result<PathBuf> {
    let dir = cmd::target_dir().join("tools").join("esbuild");
    let bin = dir.join("node_modules/esbuild/bin/esbuild");
    // `esbuild --version` prints the bare version.
    let version = || {
        cmd::output(Command::new(&bin).arg("--version"))
            .ok()
            .map(|v| v.trim().to_string())
    };
    if version().as_deref() == Some(ESBUILD_VERSION) {
        return Ok(bin);
    }
    npm_install(&dir, "esbuild", ESBUILD_VERSION)?;
    match version() {
        Some(v) if v == ESBUILD_VERSION => Ok(bin),
        other => bail!(
            "npm installed esbuild {} into {}, not {ESBUILD_VERSION}",
            other.as_deref().unwrap_or("(nothing that runs)"),
            dir.display()
        ),
    }
}

/// `npm install package@version` into `dir` (its own `node_modules`), installing node
/// and npm first when missing.
fn npm_install(dir: &std::path::Path, package: &str, version: &str) -> Result<()> {
    debian_packages(false, true, false)?;
    if cmd::which("npm").is_none() || cmd::which("node").is_none() {
        bail!("node and npm are needed for {package} (Debian: apt-get install nodejs npm)");
    }
    std::fs::create_dir_all(dir).with_context(|| format!("cannot create {}", dir.display()))?;
    println!(
        "install-tools: {package} {version} (npm) into {}",
        dir.display()
    );
    cmd::run(
        Command::new("npm")
            .args([
                "install",
                "--no-save",
                "--no-audit",
                "--no-fund",
                "--prefix",
            ])
            .arg(dir)
            .arg(format!("{package}@{version}")),
    )
}

/// The npm package `binaryen` whose `wasm-opt` optimises the module.
pub const BINARYEN_VERSION: &str = "132.0.0";

/// Where [`wasm_opt`] installs binaryen.
fn binaryen_dir() -> PathBuf {
    cmd::target_dir().join("tools").join("binaryen")
}

/// The `wasm-opt` script of the npm package (run it with `node`).
pub fn wasm_opt_script() -> PathBuf {
    binaryen_dir().join("node_modules/binaryen/bin/wasm-opt")
}

/// The version of binaryen installed in [`binaryen_dir`], from its `package.json`.
fn installed_binaryen() -> Option<String> {
    let text =
        std::fs::read_to_string(binaryen_dir().join("node_modules/binaryen/package.json")).ok()?;
    let value: serde_json::Value = serde_json::from_str(&text).ok()?;
    value.get("version")?.as_str().map(str::to_string)
}

/// Installs the npm package `binaryen` at [`BINARYEN_VERSION`] when it is missing or
/// another version; returns the `wasm-opt` script.
pub fn wasm_opt() -> Result<PathBuf> {
    let script = wasm_opt_script();
    if installed_binaryen().as_deref() == Some(BINARYEN_VERSION) && script.is_file() {
        return Ok(script);
    }
    let dir = binaryen_dir();
    npm_install(&dir, "binaryen", BINARYEN_VERSION)?;
    match installed_binaryen() {
        Some(v) if v == BINARYEN_VERSION && script.is_file() => Ok(script),
        other => bail!(
            "npm installed binaryen {} into {}, not {BINARYEN_VERSION} with bin/wasm-opt",
            other.as_deref().unwrap_or("(nothing)"),
            dir.display()
        ),
    }
}

/// What the registry round trip needs: `hivexregedit`.
pub fn for_registry() -> Result<()> {
    debian_packages(false, false, true)
}

/// What the browser tests need: everything.
pub fn for_browser() -> Result<()> {
    install(false)
}

/// Adds the wasm target when the toolchain lacks it.
fn wasm_target() -> Result<()> {
    rust_target(WASM_TARGET)
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

/// Installs the missing Debian packages: the browser pair when `browser`, node and npm
/// (for binaryen's `wasm-opt`) when `wasm_opt`, libwin-hivex-perl (`hivexregedit`)
/// when `hivex`.
fn debian_packages(browser: bool, wasm_opt: bool, hivex: bool) -> Result<()> {
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
    if wasm_opt {
        for (program, package) in [("node", "nodejs"), ("npm", "npm")] {
            if cmd::which(program).is_none() {
                missing.push(package);
            }
        }
    }
    if hivex && cmd::which("hivexregedit").is_none() {
        missing.push("libwin-hivex-perl");
    }
    // The browser may want its recommended packages (fonts, libraries).
    apt(&missing, true)
}

/// The target of the administrator's tool for Windows (`cargo xtask release`, and its
/// tests under Wine, `cargo xtask wine-test`).
pub const WINDOWS_TARGET: &str = "x86_64-pc-windows-gnu";
/// MinGW-w64's C compiler: the linker of [`WINDOWS_TARGET`] (Debian's
/// `gcc-mingw-w64-x86-64`).
pub const MINGW_GCC: &str = "x86_64-w64-mingw32-gcc";
/// MinGW-w64's objdump, which lists the DLLs an .exe imports (Debian's
/// `binutils-mingw-w64-x86-64`, which the compiler brings).
pub const MINGW_OBJDUMP: &str = "x86_64-w64-mingw32-objdump";

/// What the Windows build needs, each part only when missing: the Rust target
/// (`rustup target add`) and MinGW-w64 (`apt-get`).
pub fn for_windows() -> Result<()> {
    rust_target(WINDOWS_TARGET)?;
    let mut missing = Vec::new();
    if cmd::which(MINGW_GCC).is_none() {
        missing.push("gcc-mingw-w64-x86-64");
    }
    if cmd::which(MINGW_OBJDUMP).is_none() {
        missing.push("binutils-mingw-w64-x86-64");
    }
    apt_install(&missing)
}

/// What the tests under Wine need: the Windows build's tools and 64-bit Wine (Debian's
/// `wine` and `wine64`; no 32-bit Wine, so no i386 architecture), when `wine
/// --version` does not run.
pub fn for_wine() -> Result<()> {
    for_windows()?;
    let mut version = Command::new("wine");
    version.arg("--version").env("WINEDEBUG", "-all");
    if cmd::output(&mut version).is_ok() {
        return Ok(());
    }
    apt_install(&["wine", "wine64"])
}

/// Adds the Rust target `target` when the toolchain lacks it.
fn rust_target(target: &str) -> Result<()> {
    if cmd::which("rustup").is_none() {
        let sysroot = cmd::output(Command::new("rustc").args(["--print", "sysroot"]))?;
        if PathBuf::from(sysroot.trim())
            .join("lib/rustlib")
            .join(target)
            .is_dir()
        {
            return Ok(());
        }
        bail!("rustup is not installed and the toolchain has no {target} target; install it with your toolchain's package manager");
    }
    let installed = cmd::output(Command::new("rustup").args(["target", "list", "--installed"]))?;
    if installed.lines().any(|l| l.trim() == target) {
        return Ok(());
    }
    println!("install-tools: adding the {target} target");
    cmd::run(Command::new("rustup").args(["target", "add", target]))
}

/// Installs Debian `packages` (none: nothing to do) without their recommended
/// packages, with `apt-get` as root or through `sudo`.
fn apt_install(packages: &[&str]) -> Result<()> {
    apt(packages, false)
}

/// Installs Debian `packages` (none: nothing to do), with their recommended packages
/// when `recommends`, with `apt-get` as root or through `sudo`.
fn apt(packages: &[&str], recommends: bool) -> Result<()> {
    if packages.is_empty() {
        return Ok(());
    }
    println!("install-tools: installing {}", packages.join(" "));
    if cmd::which("apt-get").is_none() {
        bail!(
            "apt-get is not available: install {} with your package manager",
            packages.join(" ")
        );
    }
    let is_root = cmd::output(Command::new("id").arg("-u")).is_ok_and(|uid| uid.trim() == "0");
    if !is_root && cmd::which("sudo").is_none() {
        bail!(
            "not root and sudo is not available: run `apt-get install -y {}` as root",
            packages.join(" ")
        );
    }
    let apt_get = |args: &[&str]| -> Command {
        let mut c = if is_root {
            Command::new("apt-get")
        } else {
            let mut c = Command::new("sudo");
            c.args(["env", "DEBIAN_FRONTEND=noninteractive", "apt-get"]);
            c
        };
        c.env("DEBIAN_FRONTEND", "noninteractive").args(args);
        c
    };
    cmd::run(&mut apt_get(&["update"]))?;
    let mut install = apt_get(&["install", "-y"]);
    if !recommends {
        install.arg("--no-install-recommends");
    }
    cmd::run(install.args(packages))
}

/// What `cargo xtask fuzz` (and the fuzz stage of `cargo xtask test`) needs, each only
/// when missing: the pinned nightly toolchain [`crate::fuzz::NIGHTLY`] (`rustup toolchain
/// install --profile minimal`) and cargo-fuzz [`crate::fuzz::CARGO_FUZZ_VERSION`]
/// (`cargo install --locked`).
pub fn for_fuzz() -> Result<()> {
    use crate::fuzz::{CARGO_FUZZ_VERSION, NIGHTLY};
    if cmd::which("rustup").is_none() {
        bail!("rustup is not installed: the fuzz targets need its {NIGHTLY} toolchain");
    }
    let toolchains = cmd::output(Command::new("rustup").args(["toolchain", "list"]))?;
    let has_nightly = toolchains.lines().any(|l| {
        l.split_whitespace()
            .next()
            .is_some_and(|t| t == NIGHTLY || t.starts_with(&format!("{NIGHTLY}-")))
    });
    if !has_nightly {
        println!("install-tools: installing the {NIGHTLY} toolchain");
        cmd::run(Command::new("rustup").args([
            "toolchain",
            "install",
            NIGHTLY,
            "--profile",
            "minimal",
        ]))?;
    }
    // `cargo fuzz --version` prints `cargo-fuzz 0.13.2`.
    let version = cmd::output(cmd::cargo().args(["fuzz", "--version"])).ok();
    let version = version.as_deref().and_then(|v| v.split_whitespace().nth(1));
    if version != Some(CARGO_FUZZ_VERSION) {
        println!(
            "install-tools: cargo-fuzz {CARGO_FUZZ_VERSION} is needed (found: {})",
            version.unwrap_or("none")
        );
        cmd::run(cmd::cargo().args([
            "install",
            "cargo-fuzz",
            "--version",
            CARGO_FUZZ_VERSION,
            "--locked",
        ]))?;
    }
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
