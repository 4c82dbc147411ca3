//! Signed directory exports for the demo, the end-to-end suite and the bench, made the
//! way an administrator makes them: with the `lync-quickcall` command-line tool.

use std::path::{Path, PathBuf};

use anyhow::{Context, Result};

use crate::cmd;

/// The demo's Active Directory export: four people, three of whose SIP address differs
/// from their mail, two sharing a phone number.
pub const DEMO_CSV: &str = "xtask/fixtures/demo-ad-users.csv";

/// What makes the export tool fast, passed to rustc for the optimised build: the
/// portable Poly1305 and ChaCha20 code. Their AVX2 code pays a set-up for every message,
/// and an export encrypts one short message per key, each under its own key: about
/// 0.4 s of a 100,000-user export on two cores. (Both are the RustCrypto crates' own
/// switches; the page's WebAssembly always uses the portable code.)
pub const CLI_RUSTFLAGS: &str = "--cfg poly1305_force_soft --cfg chacha20_force_soft";

/// Builds the `lync-quickcall` binary, optimised (`--profile cli`, with
/// [`CLI_RUSTFLAGS`]: how an administrator should build it) or debug, and returns its
/// path.
pub fn cli(release: bool) -> Result<PathBuf> {
    let mut build = cmd::cargo();
    build.args(["build", "-p", "lync-quickcall", "--bin", "lync-quickcall"]);
    if release {
        build.args(["--profile", "cli"]);
        let flags = match std::env::var("RUSTFLAGS") {
            Ok(mine) if !mine.trim().is_empty() => format!("{mine} {CLI_RUSTFLAGS}"),
            _ => CLI_RUSTFLAGS.to_string(),
        };
        build.env("RUSTFLAGS", flags);
    }
    cmd::run(&mut build)?;
    let exe = format!("lync-quickcall{}", std::env::consts::EXE_SUFFIX);
    let profile = if release { "cli" } else { "debug" };
    Ok(cmd::target_dir().join(profile).join(exe))
}

/// Creates a key pair with `lync-quickcall keygen` (the secret key in `secret`, which
/// must not exist) and returns the public key as config.json takes it.
pub fn keygen(cli: &Path, secret: &Path) -> Result<String> {
    let out = cmd::output(
        std::process::Command::new(cli)
            .arg("keygen")
            .arg("--out")
            .arg(secret),
    )?;
    out.lines()
        .find_map(|l| l.strip_prefix("Public key: "))
        .map(|k| k.trim().to_string())
        .context("`lync-quickcall keygen` printed no public key")
}

/// Exports `input` into the directory folder `out` with `lync-quickcall export`,
/// signed with `secret`; `extra` are more options (e.g. `--valid-days`).
pub fn export(cli: &Path, input: &Path, secret: &Path, out: &Path, extra: &[&str]) -> Result<()> {
    cmd::run(
        std::process::Command::new(cli)
            .arg("export")
            .arg("--input")
            .arg(input)
            .arg("--key")
            .arg(secret)
            .arg("--out")
            .arg(out)
            .args(extra),
    )
}

/// The `directory` part of config.json for an export under `directory/`.
pub fn config_json(public_keys: &[&str]) -> String {
    config_json_at("directory/", public_keys)
}

/// The `directory` part of config.json for an export under `path` (relative, ending
/// with `/`).
pub fn config_json_at(path: &str, public_keys: &[&str]) -> String {
    let keys: Vec<String> = public_keys.iter().map(|k| format!("\"{k}\"")).collect();
    format!(
        r#"{{"source":"export","path":"{path}","public_keys":[{}]}}"#,
        keys.join(",")
    )
}
