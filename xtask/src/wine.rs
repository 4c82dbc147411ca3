//! `cargo xtask wine-test` (hidden; a stage of `cargo xtask test`): the Windows
//! build of the administrator's tool, run under Wine as a scheduled task would run it,
//! and compared with the Linux build.
//!
//! 1. Builds `lync-quickcall.exe` as `cargo xtask release` does, checks that it imports
//!    only DLLs of Windows itself, and builds the Linux tool.
//! 2. Prepares a private Wine prefix in `target/wine/prefix` (`wineboot --init` once,
//!    without Mono and Gecko, without a display), and puts two test-only stand-ins
//!    into its `system32`, built from `xtask/wine/` with MinGW-w64 and never shipped:
//!    - `bcryptprimitives.dll`: Debian 12's Wine 8 lacks it, yet Rust's standard
//!      library (1.78 and later) takes its random numbers from its `ProcessPrng`, so
//!      the .exe cannot start without it. Installed only when the .exe does not start
//!      without it;
//!    - `icacls.exe`, which records its command line (Wine's own does nothing), to see
//!      what `keygen` asks of it.
//! 3. Runs the .exe: `keygen`, `export` of PowerShell 5.1's UTF-8 (BOM, CRLF) and
//!    UTF-16LE CSV to a `C:\` path with a space and accents, a second export over the
//!    first (`manifest.json` replaced by a rename), a third with `/` separators, a
//!    relative input and `--progress` (the oldest export removed, the rest untouched),
//!    the exit codes and messages of failures, `check-config`; no output holds an ANSI
//!    escape, and nothing is printed on stderr when it all goes well.
//! 4. Exports the same files with the Linux tool and the same key; the Linux
//!    `check-config` verifies every export, and `tests/windows_export.rs` (ignored
//!    otherwise) looks every key of the input up in each of them through the library.
//! 5. Runs the crate's unit tests and `tests/directory_export.rs` compiled for Windows,
//!    with Wine as cargo's runner.
//!
//! Every command has a time-out; a failure shows the command, its exit code and
//! output. Wine cannot test UNC paths (`\\server\share`: no SMB server) nor the effect
//! of `icacls`: only Windows can.

use std::ffi::OsStr;
use std::fs;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use anyhow::{Context, Result};

use crate::cmd::{self, project_root, target_dir};
use crate::tools::{self, MINGW_GCC, WINDOWS_TARGET};
use crate::{directory, release};

/// The longest one run of the tool under Wine may take (usually about a second).
const RUN: Duration = Duration::from_secs(120);
/// The longest the first `wineboot --init` may take (usually 10 to 60 s).
const BOOT: Duration = Duration::from_secs(600);
/// The longest a `cargo test` here may take, compilation included.
const CARGO_TEST: Duration = Duration::from_secs(1800);

/// The Windows folder of the test, `C:\lqc`.
const WIN_DIR: &str = r"C:\lqc";
/// The web site folder under it: a space and accents.
const SITE: &str = "Données partagées";

/// Runs the stage (`cargo xtask wine-test`).
pub fn run() -> Result<()> {
    let started = Instant::now();
    tools::for_wine()?;
    let exe = release::windows_cli()?;
    let linux = directory::cli(true)?;
    let wine = Wine::prepare(&target_dir().join("wine"), &exe)?;
    let result = cases(&wine, &exe, &linux);
    wine.stop();
    let passed = result?;
    println!(
        "\nwine: {passed} passed, 0 failed ({:.0} s in all)",
        started.elapsed().as_secs_f64()
    );
    Ok(())
}

/// Counts the checks; the first failure ends the run.
struct Checks {
    passed: usize,
}

impl Checks {
    fn check<T>(&mut self, name: &str, f: impl FnOnce() -> Result<T>) -> Result<T> {
        println!("\n--- {name}");
        let t = Instant::now();
        match f() {
            Ok(v) => {
                self.passed += 1;
                println!("ok: {name} ({:.1} s)", t.elapsed().as_secs_f64());
                Ok(v)
            }
            Err(e) => {
                println!("FAILED: {name}\n\nwine: {} passed, 1 failed", self.passed);
                Err(e.context(format!("wine-test: {name}")))
            }
        }
    }
}

/// What a command did.
struct Ran {
    shown: String,
    code: Option<i32>,
    stdout: String,
    stderr: String,
}

impl Ran {
    /// An error naming the command, what was wrong and what it printed.
    fn fail(&self, why: impl std::fmt::Display) -> anyhow::Error {
        anyhow::anyhow!(
            "{why}\n  command: {}\n  exit code: {}\n  stdout:\n{}\n  stderr:\n{}",
            self.shown,
            self.code.map_or("none (killed)".into(), |c| c.to_string()),
            indent(&self.stdout),
            indent(&self.stderr)
        )
    }

    /// Fails unless the command exited with `code`, and prints nothing that a console
    /// without ANSI support would show as garbage.
    fn expect(self, code: i32) -> Result<Ran> {
        if self.code != Some(code) {
            return Err(self.fail(format!("expected exit code {code}")));
        }
        if self.stdout.contains('\x1b') || self.stderr.contains('\x1b') {
            return Err(self.fail("the output holds an ANSI escape"));
        }
        Ok(self)
    }

    fn stdout_has(&self, text: &str) -> Result<()> {
        if !self.stdout.contains(text) {
            return Err(self.fail(format!("stdout does not say {text:?}")));
        }
        Ok(())
    }

    fn stderr_has(&self, text: &str) -> Result<()> {
        if !self.stderr.contains(text) {
            return Err(self.fail(format!("stderr does not say {text:?}")));
        }
        Ok(())
    }
}

fn indent(text: &str) -> String {
    if text.trim().is_empty() {
        return "    (nothing)".into();
    }
    text.lines().map(|l| format!("    {l}\n")).collect()
}

/// Runs `cmd` (shown as `shown`) with its output in files (Wine's server may outlive
/// the command and hold a pipe open), killing it after `timeout`.
fn run_timed(cmd: &mut Command, shown: String, timeout: Duration) -> Result<Ran> {
    use std::sync::atomic::{AtomicUsize, Ordering};
    static N: AtomicUsize = AtomicUsize::new(0);
    println!("$ {shown}");
    let logs = target_dir().join("wine/logs");
    fs::create_dir_all(&logs)?;
    let n = N.fetch_add(1, Ordering::Relaxed);
    let (out_path, err_path) = (logs.join(format!("{n}.out")), logs.join(format!("{n}.err")));
    let mut child = cmd
        .stdin(Stdio::null())
        .stdout(fs::File::create(&out_path)?)
        .stderr(fs::File::create(&err_path)?)
        .spawn()
        .with_context(|| format!("cannot start `{shown}`"))?;
    let deadline = Instant::now() + timeout;
    let status = loop {
        if let Some(status) = child.try_wait()? {
            break Some(status);
        }
        if Instant::now() > deadline {
            let _ = child.kill();
            let _ = child.wait();
            break None;
        }
        std::thread::sleep(Duration::from_millis(20));
    };
    let ran = Ran {
        shown,
        code: status.and_then(|s| s.code()),
        stdout: String::from_utf8_lossy(&fs::read(&out_path)?).into_owned(),
        stderr: String::from_utf8_lossy(&fs::read(&err_path)?).into_owned(),
    };
    if status.is_none() {
        return Err(ran.fail(format!("no answer in {} s: killed", timeout.as_secs())));
    }
    Ok(ran)
}

/// `program args...`, quoted like a shell, without the environment.
fn shown(program: impl AsRef<OsStr>, args: &[&OsStr]) -> String {
    let mut c = Command::new(program);
    c.args(args);
    cmd::display(&c)
}

/// A private Wine prefix under `target/`.
struct Wine {
    prefix: PathBuf,
    /// `C:\lqc` seen from Linux: the test's files, emptied at each run.
    dir: PathBuf,
}

impl Wine {
    /// Creates the prefix once, installs the stand-ins, copies the .exe to `C:\lqc`.
    fn prepare(work: &Path, exe: &Path) -> Result<Wine> {
        let prefix = work.join("prefix");
        let dir = prefix.join("drive_c/lqc");
        let wine = Wine {
            prefix: prefix.clone(),
            dir: dir.clone(),
        };
        let ready = work.join("prefix.ready");
        if !ready.is_file() || !prefix.join("system.reg").is_file() {
            if prefix.exists() {
                fs::remove_dir_all(&prefix)
                    .with_context(|| format!("cannot remove {}", prefix.display()))?;
            }
            fs::create_dir_all(work)?;
            let t = Instant::now();
            wine.wine(&[OsStr::new("wineboot"), OsStr::new("--init")], BOOT)?
                .expect(0)?;
            // The registry is written when the server stops.
            wine.server(&["-w"], BOOT)?;
            println!(
                "wine: prefix {} created in {:.0} s",
                prefix.display(),
                t.elapsed().as_secs_f64()
            );
            fs::write(&ready, "")?;
        }
        if dir.exists() {
            fs::remove_dir_all(&dir).with_context(|| format!("cannot remove {}", dir.display()))?;
        }
        fs::create_dir_all(dir.join("in"))?;
        fs::copy(exe, dir.join(release::WINDOWS_EXE))?;

        let system32 = prefix.join("drive_c/windows/system32");
        let stand_in = system32.join("bcryptprimitives.dll");
        if stand_in.exists() {
            fs::remove_file(&stand_in)?;
        }
        let bare = wine.exe(&["--version"])?;
        if bare.code == Some(0) {
            println!("wine: this Wine has bcryptprimitives.dll; no stand-in needed");
        } else {
            println!(
                "wine: the .exe does not start without bcryptprimitives.dll (exit code {:?}); \
                 installing the test-only stand-in",
                bare.code
            );
            mingw(&["-shared"], "bcryptprimitives.c", &stand_in, &["-lbcrypt"])?;
        }
        mingw(&[], "icacls-recorder.c", &system32.join("icacls.exe"), &[])?;
        Ok(wine)
    }

    /// `wine args...` in the prefix, from `C:\lqc`, without a display.
    fn wine(&self, args: &[&OsStr], timeout: Duration) -> Result<Ran> {
        let mut c = Command::new("wine");
        c.args(args);
        self.environment(&mut c);
        if self.dir.is_dir() {
            c.current_dir(&self.dir);
        }
        run_timed(&mut c, shown("wine", args), timeout)
    }

    /// What every Wine command here runs with: the prefix, no display, no debug output.
    fn environment(&self, c: &mut Command) {
        c.env("WINEPREFIX", &self.prefix)
            .env("WINEDEBUG", "-all")
            // No Mono or Gecko (their install prompts), and the recorder, not Wine's
            // own icacls.
            .env("WINEDLLOVERRIDES", "mscoree,mshtml=;icacls.exe=n")
            .env("LQC_ICACLS_LOG", format!(r"{WIN_DIR}\icacls.log"))
            .env_remove("DISPLAY")
            .env_remove("WAYLAND_DISPLAY");
    }

    /// `wine C:\lqc\lync-quickcall.exe args...`.
    fn exe(&self, args: &[&str]) -> Result<Ran> {
        let exe = format!(r"{WIN_DIR}\{}", release::WINDOWS_EXE);
        let mut all: Vec<&OsStr> = vec![exe.as_ref()];
        all.extend(args.iter().map(OsStr::new));
        self.wine(&all, RUN)
    }

    /// `wineserver args...` for the prefix.
    fn server(&self, args: &[&str], timeout: Duration) -> Result<Ran> {
        let mut c = Command::new("wineserver");
        c.args(args).env("WINEPREFIX", &self.prefix);
        let args: Vec<&OsStr> = args.iter().map(OsStr::new).collect();
        run_timed(&mut c, shown("wineserver", &args), timeout)
    }

    /// Stops the prefix's server (and anything left running in it).
    fn stop(&self) {
        if let Err(e) = self.server(&["-k"], RUN) {
            eprintln!("warning: {e:#}");
        }
    }
}

/// Compiles `xtask/wine/<source>` with MinGW-w64 into `out`.
fn mingw(flags: &[&str], source: &str, out: &Path, libs: &[&str]) -> Result<()> {
    let src = project_root().join("xtask/wine").join(source);
    let mut c = Command::new(MINGW_GCC);
    c.args(flags)
        .args(["-O2", "-Wall", "-o"])
        .arg(out)
        .arg(&src)
        .args(libs);
    let shown = cmd::display(&c);
    run_timed(&mut c, shown, RUN)?.expect(0).map(drop)
}

/// The export id named by `dir/manifest.json`.
fn export_id(dir: &Path) -> Result<String> {
    let bytes = fs::read(dir.join("manifest.json"))
        .with_context(|| format!("no manifest.json in {}", dir.display()))?;
    let json = bytes
        .iter()
        .position(|&b| b == b'\n')
        .map(|i| &bytes[i + 1..])
        .context("manifest.json has no signature line")?;
    let value: serde_json::Value = serde_json::from_slice(json)?;
    value["export_id"]
        .as_str()
        .map(str::to_string)
        .context("manifest.json has no export_id")
}

/// UTF-16LE bytes as text.
fn utf16le(bytes: &[u8]) -> String {
    let units: Vec<u16> = bytes
        .chunks_exact(2)
        .map(|b| u16::from_le_bytes([b[0], b[1]]))
        .collect();
    String::from_utf16_lossy(&units)
}

/// The names in `dir`, sorted.
fn listing(dir: &Path) -> Result<Vec<String>> {
    let mut names: Vec<String> = fs::read_dir(dir)
        .with_context(|| format!("cannot list {}", dir.display()))?
        .map(|e| e.map(|e| e.file_name().to_string_lossy().into_owned()))
        .collect::<std::io::Result<_>>()?;
    names.sort();
    Ok(names)
}

fn sorted(names: &[&str]) -> Vec<String> {
    let mut v: Vec<String> = names.iter().map(|s| s.to_string()).collect();
    v.sort();
    v
}

/// A config.json for the export in `directory/` beside it, signed by `public_key`.
fn config(public_key: &str) -> String {
    let profiles = r#""profiles":{"p":{"method":"sso"}}"#;
    format!(
        r#"{{"itsm_url":"https://itsm.contoso.com",{profiles},"directory":{}}}"#,
        directory::config_json(&[public_key])
    )
}

/// The checks, in order; returns how many passed.
fn cases(wine: &Wine, exe: &Path, linux: &Path) -> Result<usize> {
    let mut c = Checks { passed: 0 };
    let fixtures = project_root().join("tests/fixtures");
    let inputs = [
        "ad-users-ps51.csv",
        "ad-users-ps51-unicode.csv",
        "ad-users-misexported.csv",
    ];
    for name in inputs {
        fs::copy(fixtures.join(name), wine.dir.join("in").join(name))?;
    }
    let win_in = |name: &str| format!(r"{WIN_DIR}\in\{name}");
    let key_win = format!(r"{WIN_DIR}\export.key");
    let key = wine.dir.join("export.key");
    let site = wine.dir.join(SITE);
    let out = site.join("directory");
    let out_win = format!(r"{WIN_DIR}\{SITE}\directory");
    let compare = target_dir().join("wine/compare");
    if compare.exists() {
        fs::remove_dir_all(&compare)?;
    }
    fs::create_dir_all(&compare)?;
    // A copy of the export in `out`, as the site `compare/<name>/`.
    let keep = |name: &str| -> Result<PathBuf> {
        let to = compare.join(name);
        cmd::copy_dir(&out, &to.join("directory"))?;
        Ok(to)
    };

    c.check("the .exe imports only DLLs of Windows itself", || {
        let dlls = release::check_system_dlls(exe)?;
        println!("imports: {}", dlls.join(", "));
        Ok(())
    })?;

    c.check("the .exe starts under Wine", || {
        let r = wine.exe(&["--version"])?.expect(0)?;
        r.stdout_has("lync-quickcall ")
    })?;

    let public_key = c.check(
        r"keygen writes C:\lqc\export.key and restricts it with icacls",
        || {
            let r = wine.exe(&["keygen", "--out", &key_win])?.expect(0)?;
            r.stdout_has("Only you, Administrators and SYSTEM can read it")?;
            let public = r
                .stdout
                .lines()
                .find_map(|l| l.strip_prefix("Public key: "))
                .map(|k| k.trim().to_string())
                .ok_or_else(|| r.fail("no public key"))?;
            let text = fs::read_to_string(&key)?;
            if !text.starts_with("lync-quickcall-secret-key/1 ") {
                return Err(r.fail(format!("{} is not a key file: {text:?}", key.display())));
            }
            let log = fs::read(wine.dir.join("icacls.log"))
                .map_err(|e| r.fail(format!("icacls was not run ({e})")))?;
            let line = utf16le(&log);
            println!("icacls was run as: {}", line.trim());
            // Windows quotes only the arguments that need it.
            let line = line.replace('"', "");
            let (start, end) = (
                format!("{key_win} /inheritance:r /grant:r "),
                ":F *S-1-5-32-544:F *S-1-5-18:F",
            );
            if !line.contains(&start) || !line.trim_end().ends_with(end) {
                return Err(r.fail(format!("icacls was not run with {start}<user>{end}")));
            }
            Ok(public)
        },
    )?;
    println!("public key: {public_key}");

    c.check(
        "keygen never overwrites a key: exit code 1, the reason on stderr",
        || {
            let before = fs::read(&key)?;
            let r = wine.exe(&["keygen", "--out", &key_win])?.expect(1)?;
            r.stderr_has("error: ")?;
            r.stderr_has("already exists")?;
            if fs::read(&key)? != before {
                return Err(r.fail("the key file changed"));
            }
            Ok(())
        },
    )?;

    let first = c.check(
        r"export of PowerShell 5.1's UTF-8 CSV (BOM, CRLF) to C:\lqc\Données partagées\directory",
        || {
            fs::create_dir_all(out.join("keep-me"))?;
            let r = wine
                .exe(&[
                    "export",
                    "--input",
                    &win_in(inputs[0]),
                    "--key",
                    &key_win,
                    "--out",
                    &out_win,
                ])?
                .expect(0)?;
            r.stdout_has(&format!(
                "Exported 4 users and 13 keys into 1 shard(s) in {out_win}"
            ))?;
            if !r.stderr.is_empty() {
                return Err(r.fail("stderr is not empty (progress is for consoles only)"));
            }
            let id = export_id(&out)?;
            if listing(&out)? != sorted(&[&id, "keep-me", "manifest.json"]) {
                return Err(r.fail(format!("{} holds {:?}", out.display(), listing(&out)?)));
            }
            Ok(id)
        },
    )?;
    let mut exports = vec![keep("windows-utf8")?];

    let second = c.check(
        "a second export (UTF-16LE CSV) replaces manifest.json and keeps the previous export",
        || {
            let r = wine
                .exe(&[
                    "export",
                    "--input",
                    &win_in(inputs[1]),
                    "--key",
                    &key_win,
                    "--out",
                    &out_win,
                ])?
                .expect(0)?;
            r.stdout_has(&format!(
                "the previous export {first} is kept until the next export"
            ))?;
            let id = export_id(&out)?;
            if id == first {
                return Err(r.fail("manifest.json was not replaced"));
            }
            if listing(&out)? != sorted(&[&first, &id, "keep-me", "manifest.json"]) {
                return Err(r.fail(format!("{} holds {:?}", out.display(), listing(&out)?)));
            }
            Ok(id)
        },
    )?;
    exports.push(keep("windows-utf16")?);

    c.check(
        "a third export (/ separators, relative input, --progress) removes only the oldest",
        || {
            let out_slash = out_win.replace('\\', "/");
            let r = wine
                .exe(&[
                    "export",
                    "--input",
                    r"in\ad-users-ps51.csv",
                    "--key",
                    "export.key",
                    "--out",
                    &out_slash,
                    "--progress",
                ])?
                .expect(0)?;
            r.stdout_has(&format!(
                "the previous export {second} is kept until the next export"
            ))?;
            r.stderr_has(r"read 5 records from in\ad-users-ps51.csv")?;
            r.stderr_has("done; removed 1 older export folder(s)")?;
            if r.stderr.contains('\r') {
                return Err(r.fail("progress lines hold a carriage return"));
            }
            let id = export_id(&out)?;
            if listing(&out)? != sorted(&[&second, &id, "keep-me", "manifest.json"]) {
                return Err(r.fail(format!("{} holds {:?}", out.display(), listing(&out)?)));
            }
            Ok(())
        },
    )?;

    c.check(
        "a failed export exits 1, says why on stderr and changes nothing",
        || {
            let before = (listing(&out)?, fs::read(out.join("manifest.json"))?);
            let r = wine
                .exe(&[
                    "export",
                    "--input",
                    &win_in(inputs[2]),
                    "--key",
                    &key_win,
                    "--out",
                    &out_win,
                ])?
                .expect(1)?;
            r.stderr_has("error: ")?;
            r.stderr_has("column 'proxyAddresses'")?;
            if (listing(&out)?, fs::read(out.join("manifest.json"))?) != before {
                return Err(r.fail("the output folder changed"));
            }
            let r = wine
                .exe(&[
                    "export",
                    "--input",
                    &win_in("nope.csv"),
                    "--key",
                    &key_win,
                    "--out",
                    &out_win,
                ])?
                .expect(1)?;
            r.stderr_has(&format!("error: cannot read {}", win_in("nope.csv")))
        },
    )?;

    c.check(
        "a usage error exits 2 and names the missing option, without colour",
        || {
            let r = wine
                .exe(&["export", "--input", &win_in(inputs[0])])?
                .expect(2)?;
            r.stderr_has("--key")
        },
    )?;

    let config_win = format!(r"{WIN_DIR}\{SITE}\config.json");
    c.check(
        "check-config verifies the export beside config.json",
        || {
            fs::write(site.join("config.json"), config(&public_key))?;
            let r = wine.exe(&["check-config", &config_win])?.expect(0)?;
            r.stdout_has("manifest.json: OK")
        },
    )?;

    c.check(
        "check-config exits 1 when another key signed the export",
        || {
            // The key of tests/fixtures/export.
            fs::write(
                site.join("config.json"),
                config("iojj3XQJ8ZX9UtstPLpdcspnCb8dlBIb83SIAbQPb1w="),
            )?;
            let r = wine.exe(&["check-config", &config_win])?.expect(1)?;
            r.stderr_has("does not verify")
        },
    )?;

    c.check(
        "the Linux tool exports the same files with the same key",
        || {
            let linux_key = compare.join("export.key");
            fs::copy(&key, &linux_key)?;
            #[cfg(unix)]
            {
                use std::os::unix::fs::PermissionsExt as _;
                fs::set_permissions(&linux_key, fs::Permissions::from_mode(0o600))?;
            }
            for (name, input) in [("linux-utf8", inputs[0]), ("linux-utf16", inputs[1])] {
                let out = compare.join(name).join("directory");
                let mut cmd = Command::new(linux);
                cmd.arg("export")
                    .arg("--input")
                    .arg(fixtures.join(input))
                    .arg("--key")
                    .arg(&linux_key)
                    .arg("--out")
                    .arg(&out);
                let shown = cmd::display(&cmd);
                let r = run_timed(&mut cmd, shown, RUN)?.expect(0)?;
                r.stdout_has("Exported 4 users and 13 keys")?;
                exports.push(compare.join(name));
            }
            Ok(())
        },
    )?;

    c.check(
        "the Linux check-config verifies every export, Windows' and its own",
        || {
            for site in &exports {
                fs::write(site.join("config.json"), config(&public_key))?;
                let mut cmd = Command::new(linux);
                cmd.arg("check-config").arg(site.join("config.json"));
                let shown = cmd::display(&cmd);
                run_timed(&mut cmd, shown, RUN)?
                    .expect(0)?
                    .stdout_has("manifest.json: OK")?;
            }
            Ok(())
        },
    )?;

    c.check(
        "every key of the input finds the same people in all four exports",
        || {
            let join =
                |paths: Vec<PathBuf>| std::env::join_paths(paths).context("a path holds ':'");
            let mut test = cmd::cargo();
            // CI asks for colours (CARGO_TERM_COLOR=always); the output is checked for
            // escapes, which must come from the tool only.
            test.env("CARGO_TERM_COLOR", "never");
            test.args([
                "test",
                "-p",
                "lync-quickcall",
                "--test",
                "windows_export",
                "--",
                "--ignored",
                "--nocapture",
            ])
            .env(
                "LQC_COMPARE_EXPORTS",
                join(exports.iter().map(|s| s.join("directory")).collect())?,
            )
            .env(
                "LQC_COMPARE_INPUTS",
                join(vec![fixtures.join(inputs[0]), fixtures.join(inputs[1])])?,
            )
            .env("LQC_COMPARE_PUBLIC_KEY", &public_key);
            let shown = cmd::display(&test);
            let r = run_timed(&mut test, shown, CARGO_TEST)?.expect(0)?;
            r.stdout_has("test result: ok. 1 passed")?;
            for line in r
                .stdout
                .lines()
                .filter(|l| l.contains("each found as in the input"))
            {
                println!("{line}");
            }
            Ok(())
        },
    )?;

    c.check(
        "the crate's own tests pass on Windows: cargo test, run by Wine",
        || {
            let mut test = cmd::cargo();
            // CI asks for colours (CARGO_TERM_COLOR=always); the output is checked for
            // escapes, which must come from the tool only.
            test.env("CARGO_TERM_COLOR", "never");
            test.args(["test", "--target", WINDOWS_TARGET, "-p", "lync-quickcall"])
                .args(["--lib", "--bins", "--test", "directory_export"])
                .env("CARGO_TARGET_X86_64_PC_WINDOWS_GNU_RUNNER", "wine")
                .env("CARGO_TARGET_X86_64_PC_WINDOWS_GNU_LINKER", MINGW_GCC);
            wine.environment(&mut test);
            let shown = format!(
            "CARGO_TARGET_X86_64_PC_WINDOWS_GNU_RUNNER=wine cargo test --target {WINDOWS_TARGET} \
             -p lync-quickcall --lib --bins --test directory_export"
        );
            let r = run_timed(&mut test, shown, CARGO_TEST)?.expect(0)?;
            let results: Vec<&str> = r
                .stdout
                .lines()
                .filter(|l| l.starts_with("test result:"))
                .collect();
            if results.len() != 3 || results.iter().any(|l| !l.starts_with("test result: ok.")) {
                return Err(r.fail("expected three `test result: ok.` lines"));
            }
            for line in results {
                println!("{line}");
            }
            Ok(())
        },
    )?;

    Ok(c.passed)
}
