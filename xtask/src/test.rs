//! `cargo xtask test` and `cargo xtask e2e`: the test stages, in order, stopping at the
//! first failure.
//!
//! 1. `cargo test --workspace`: the core's unit tests (natively) and this crate's;
//! 2. the registry round trip ([`crate::registry_test`]): `lync-quickcall reg`'s files
//!    merged into a hive by `hivexregedit` and read back;
//! 3. `cargo test --target wasm32-unknown-unknown -p lync-quickcall`: the same crate's
//!    tests compiled to WebAssembly and run by `wasm-bindgen-test-runner` (the runner
//!    set in `.cargo/config.toml`) in headless Chromium, through ChromeDriver (then the
//!    library's again without default features: the page build without `graph`), then
//!    in headless Firefox ESR, through geckodriver (`GECKODRIVER`);
//! 4. `cargo xtask dist` into `target/e2e-dist`;
//! 5. the end-to-end suite ([`crate::e2e`]) against that build, in headless Chromium,
//!    then in headless Firefox ESR (`--engine` or `LQC_ENGINES` choose);
//! 6. the tool's Windows build under Wine ([`crate::wine`], `cargo xtask wine-test`):
//!    keygen, exports to `C:\` paths, a second export over the first, failures' exit
//!    codes, compared with the Linux build's exports;
//! 7. the fuzz smoke run ([`crate::fuzz::smoke`]): every cargo-fuzz target for a few
//!    seconds from its committed corpus, so that a crash they reach fails the tests
//!    (`cargo xtask fuzz --seconds 5` alone).

use std::path::PathBuf;

use anyhow::{Context, Result};

use crate::cmd::{self, project_root, target_dir};
use crate::tools::{self, WASM_TARGET};
use crate::webdriver::Engine;
use crate::{dist, e2e};

/// A named stage.
type Stage<'a> = (&'static str, &'a dyn Fn() -> Result<()>);

/// Runs every stage (`cargo xtask test`); the end-to-end suite in the engines
/// `$LQC_ENGINES` names, else both.
pub fn run_all() -> Result<()> {
    let engines = Engine::selected(None)?;
    tools::install_all()?;
    let end_to_end = || end_to_end(&engines);
    run_stages(&[
        ("native tests: cargo test --workspace", &native),
        (
            "registry round trip through hivexregedit",
            &crate::registry_test::run,
        ),
        ("wasm tests in headless Chromium", &wasm),
        ("wasm tests in headless Firefox ESR", &wasm_firefox),
        ("dist build into target/e2e-dist", &e2e_dist),
        (e2e_stage(&engines), &end_to_end),
        ("the tool's Windows build under Wine", &crate::wine::run),
        ("fuzz smoke: every target for 5 s", &crate::fuzz::smoke),
    ])
}

/// Builds the distribution and runs the end-to-end suite (`cargo xtask e2e`) in the
/// engines `engine` names (`--engine chromium,firefox`), else `$LQC_ENGINES`, else
/// both.
pub fn run_e2e(engine: Option<&str>) -> Result<()> {
    let engines = Engine::selected(engine)?;
    tools::for_browser()?;
    if engines.contains(&Engine::Firefox) {
        tools::for_firefox()?;
    }
    let end_to_end = || end_to_end(&engines);
    run_stages(&[
        ("dist build into target/e2e-dist", &e2e_dist),
        (e2e_stage(&engines), &end_to_end),
    ])
}

/// The end-to-end stage's name.
fn e2e_stage(engines: &[Engine]) -> &'static str {
    match engines {
        [Engine::Chromium] => "end-to-end suite in headless Chromium",
        [Engine::Firefox] => "end-to-end suite in headless Firefox ESR",
        [Engine::Firefox, Engine::Chromium] => {
            "end-to-end suite in headless Firefox ESR, then Chromium"
        }
        _ => "end-to-end suite in headless Chromium, then Firefox ESR",
    }
}

fn run_stages(stages: &[Stage]) -> Result<()> {
    let n = stages.len();
    for (i, (name, stage)) in stages.iter().enumerate() {
        println!("\n==> [{}/{n}] {name}", i + 1);
        stage().with_context(|| format!("stage {}/{n} ({name}) failed", i + 1))?;
    }
    println!("\n==> all {n} stages passed");
    Ok(())
}

fn native() -> Result<()> {
    cmd::run(cmd::cargo().args(["test", "--workspace"]))
}

/// The capabilities file for `wasm-bindgen-test-runner`: `webdriver.json` at the root,
/// with `goog:chromeOptions.binary` added when `$CHROME_BIN` is set. The runner reads
/// it, appends its own `headless`, `disable-dev-shm-usage` and `no-sandbox` arguments
/// and asks ChromeDriver for a session.
fn webdriver_json() -> Result<PathBuf> {
    let path = project_root().join("webdriver.json");
    if std::env::var_os("CHROME_BIN").is_none() {
        return Ok(path);
    }
    let text = std::fs::read_to_string(&path)
        .with_context(|| format!("cannot read {}", path.display()))?;
    let mut caps: serde_json::Value =
        serde_json::from_str(&text).with_context(|| format!("{} is not JSON", path.display()))?;
    caps.get_mut("goog:chromeOptions")
        .and_then(serde_json::Value::as_object_mut)
        .with_context(|| format!("{} has no goog:chromeOptions object", path.display()))?
        .insert(
            "binary".into(),
            tools::chrome_bin().to_string_lossy().into(),
        );
    let out = target_dir().join("xtask");
    std::fs::create_dir_all(&out)?;
    let out = out.join("webdriver.json");
    std::fs::write(&out, serde_json::to_string_pretty(&caps)?)?;
    Ok(out)
}

/// The capabilities file for `wasm-bindgen-test-runner` driving Firefox: the binary
/// ([`tools::firefox_bin`]) and preferences that keep it from making requests of its
/// own; the runner adds `-headless`.
fn firefox_webdriver_json() -> Result<PathBuf> {
    let caps = serde_json::json!({
        "moz:firefoxOptions": {
            "binary": tools::firefox_bin(),
            "prefs": tools::firefox_prefs(),
        }
    });
    let out = target_dir().join("xtask");
    std::fs::create_dir_all(&out)?;
    let out = out.join("webdriver-firefox.json");
    std::fs::write(&out, serde_json::to_string_pretty(&caps)?)?;
    Ok(out)
}

/// The crate's tests in headless Firefox ESR (`GECKODRIVER` makes the runner use it).
fn wasm_firefox() -> Result<()> {
    tools::for_firefox()?;
    let mut test = cmd::cargo();
    test.args(["test", "--target", WASM_TARGET, "-p", "lync-quickcall"])
        .env_remove("CHROMEDRIVER")
        .env("GECKODRIVER", tools::geckodriver_bin())
        .env("WASM_BINDGEN_TEST_TIMEOUT", "90")
        .env("WASM_BINDGEN_USE_BROWSER", "1")
        .env(
            "WASM_BINDGEN_TEST_WEBDRIVER_JSON",
            firefox_webdriver_json()?,
        );
    cmd::run(&mut test)
}

/// The crate's tests in headless Chromium: with the default features (the page's
/// Graph build), then the library's without them (the build every load runs, which
/// hands Graph configurations over).
fn wasm() -> Result<()> {
    let webdriver = webdriver_json()?;
    for features in [&[][..], &["--no-default-features", "--lib"][..]] {
        let mut test = cmd::cargo();
        test.args(["test", "--target", WASM_TARGET, "-p", "lync-quickcall"])
            .args(features)
            .env("CHROMEDRIVER", tools::chromedriver_bin())
            .env("WASM_BINDGEN_TEST_TIMEOUT", "60")
            // Test binaries without `wasm_bindgen_test_configure!(run_in_browser)`
            // would otherwise run in Node.js.
            .env("WASM_BINDGEN_USE_BROWSER", "1")
            .env("WASM_BINDGEN_TEST_WEBDRIVER_JSON", &webdriver);
        cmd::run(&mut test)?;
    }
    Ok(())
}

fn e2e_dir() -> PathBuf {
    target_dir().join("e2e-dist")
}

fn e2e_dist() -> Result<()> {
    dist::run(&e2e_dir()).map(drop)
}

fn end_to_end(engines: &[Engine]) -> Result<()> {
    e2e::run(&e2e_dir(), engines)
}
