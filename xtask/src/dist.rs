//! `cargo xtask dist [--out DIR]`: the directory an administrator copies to the web
//! server.
//!
//! 1. `cargo build --release --lib --target wasm32-unknown-unknown -p lync-quickcall`
//!    (only the page's crate: never `--workspace` for wasm), twice: with
//!    `--no-default-features`, the module every load runs, and with the default
//!    features (`graph`: Microsoft Graph's sign-in and lookups, an eighth of the module)
//!    into `target/wasm-graph/`, the module the first hands Graph configurations over
//!    to (see `src/web/handover.rs`);
//! 2. `wasm-bindgen --target web --no-typescript --remove-name-section` into
//!    `target/wasm-bindgen/` (the name section, only read by debuggers, is a third of
//!    the module; the Graph build is named `lync_quickcall_graph`);
//! 3. `wasm-opt` ([`WASM_OPT_PASSES`]) on the module, binaryen 132 from npm (see
//!    [`crate::tools`]), with the features rustc emits enabled. Without `wasm-opt`, when
//!    it fails, or when its output does not export the same things (see
//!    [`crate::wasm`]; Debian's binaryen 108 rewires a table export): a warning, and the
//!    unoptimised module;
//! 4. esbuild ([`crate::tools::esbuild`]) bundles `www/main.js` with the glue into one
//!    minified module script (one file and one module to link instead of two), and
//!    `www/graph.js` with the Graph build's glue (imported by `main.js` only then), and
//!    minifies `boot.js` (kept ES5; its messages filled in from `locales/`, see
//!    [`BOOT_MESSAGES`]) and `style.css`; `index.html`'s `<noscript>` gets its message
//!    in every language, and `boot.js` and the style sheet go inline into it, allowed
//!    by their hash in the Content-Security-Policy of `index.html`, `web.config` and
//!    `.htaccess` (see `Inline`);
//! 5. the files of `www/` and those, with content-hashed names for everything the page
//!    loads except `index.html` and `config.json`, which keep their names (Lync links
//!    point at the first, administrators edit the second). Each reference is rewritten
//!    bottom-up, module, `main.js`, then `index.html`, so that every hash covers the
//!    final bytes of its file, references included: a hashed file can be cached forever.
//!
//! ```text
//! dist/
//!   index.html  config.json  web.config  .htaccess (Apache)
//!   main-<hash>.js (with the glue; boot.js and the style sheet are in index.html)
//!   lync_quickcall_bg-<hash>.wasm
//!   graph-<hash>.js  lync_quickcall_graph_bg-<hash>.wasm (Graph sites only)
//!   locales/en.ftl fr.ftl (the page's words, fetched when it shows some)
//!   directory/            (copied from www/directory/ when present)
//! ```

use std::fs;
use std::path::{Path, PathBuf};
use std::process::Command;

use anyhow::{bail, Context, Result};
use sha2::{Digest, Sha256};

use crate::cmd::{self, project_root, target_dir};
use crate::tools::{self, WASM_TARGET};
use crate::wasm;

/// The page crate's library name, as wasm-bindgen names its output.
const LIB: &str = "lync_quickcall";

/// The name wasm-bindgen gives the page's Graph build (`--out-name`).
pub const GRAPH_LIB: &str = "lync_quickcall_graph";

/// How `wasm-opt` optimises: `-O2`, inlining a function called from one place only
/// when it is at most 30 bytes. Measured on the module without Graph (gzip -9,
/// binaryen 132, bytes against `-O2 --skip-pass=inlining-optimizing`, the earlier
/// choice, 95,897): `-O2` alone +2,580 (fewer, larger functions compress worse), `-Oz`
/// +2,190, one-caller limit 20: -980, 30: -945 with 26% fewer functions (944, against
/// 1,277; each is compiled on its first call), 50: -663, 100: +119 (758 functions).
pub const WASM_OPT_PASSES: [&str; 3] = ["-O2", "--one-caller-inline-max-function-size", "30"];

/// The features rustc enables by default for wasm32 that `wasm-opt` must accept.
const WASM_OPT_FEATURES: [&str; 6] = [
    "--enable-bulk-memory",
    "--enable-nontrapping-float-to-int",
    "--enable-sign-ext",
    "--enable-mutable-globals",
    "--enable-reference-types",
    "--enable-multivalue",
];

/// Files of `www/` that the page needs; anything else there is reported.
const WWW_FILES: [&str; 8] = [
    "index.html",
    "main.js",
    "graph.js",
    "boot.js",
    "style.css",
    "config.json",
    "web.config",
    ".htaccess",
];

/// A built distribution directory.
pub struct Dist {
    /// Where it is.
    pub dir: PathBuf,
    /// Its files, in the order written.
    pub files: Vec<DistFile>,
}

/// One file of a [`Dist`].
pub struct DistFile {
    /// The path relative to the dist directory, with `/` separators.
    pub name: String,
    /// Its size in bytes.
    pub size: u64,
    /// Whether the page loads it (as opposed to `web.config` or directory data).
    pub loaded_by_page: bool,
}

/// What the build hands to [`write`]: the page's scripts, style sheet and module.
pub struct Built {
    /// `main.js` bundled with wasm-bindgen's glue, minified.
    pub main: String,
    /// `graph.js` bundled with the Graph build's glue, minified.
    pub graph: String,
    /// The Graph build's module.
    pub graph_wasm: Vec<u8>,
    /// `boot.js`, minified.
    pub boot: String,
    /// `style.css`, minified.
    pub style: String,
    /// The module.
    pub wasm: Vec<u8>,
}

/// Installs what is missing, builds, and writes the distribution into `out`.
pub fn run(out: &Path) -> Result<Dist> {
    tools::for_dist()?;
    let built = build()?;
    let dist = write(out, &project_root().join("www"), &built)?;
    println!("dist: {}", dist.dir.display());
    for f in &dist.files {
        println!("  {:<40} {:>9} bytes", f.name, f.size);
    }
    Ok(dist)
}

/// Builds the page's module in `target` (`--no-default-features` without Graph) and
/// its glue into `out` as `name.js` and `name_bg.wasm`; optimises the module and
/// returns it.
fn build_module(target: &Path, features: &[&str], out: &Path, name: &str) -> Result<Vec<u8>> {
    cmd::run(
        cmd::cargo()
            .args([
                "build",
                "--release",
                "--lib",
                "--target",
                WASM_TARGET,
                "-p",
                "lync-quickcall",
            ])
            .args(features)
            .env("CARGO_TARGET_DIR", target),
    )?;
    let wasm = target
        .join(WASM_TARGET)
        .join("release")
        .join(format!("{LIB}.wasm"));
    cmd::run(
        Command::new("wasm-bindgen")
            .args([
                "--target",
                "web",
                "--no-typescript",
                "--remove-name-section",
                "--out-name",
                name,
            ])
            .arg("--out-dir")
            .arg(out)
            .arg(&wasm),
    )?;
    let bg = out.join(format!("{name}_bg.wasm"));
    optimise(&bg);
    fs::read(&bg).with_context(|| format!("cannot read {}", bg.display()))
}

/// Builds both modules and their glue, bundles each glue with its loader (`main.js`,
/// `graph.js`) and minifies the scripts and the style sheet (esbuild).
fn build() -> Result<Built> {
    let out = target_dir().join("wasm-bindgen");
    if out.exists() {
        fs::remove_dir_all(&out).with_context(|| format!("cannot remove {}", out.display()))?;
    }
    // Each in its own target directory: one feature set replacing the other's library
    // would rebuild it every time.
    let wasm = build_module(&target_dir(), &["--no-default-features"], &out, LIB)?;
    let graph_wasm = build_module(&target_dir().join("wasm-graph"), &[], &out, GRAPH_LIB)?;
    // main.js imports './lync_quickcall.js', graph.js './lync_quickcall_graph.js':
    // bundle them where the glue is. main.js loads graph.js only when it hands over.
    let www = project_root().join("www");
    for loader in ["main.js", "graph.js"] {
        fs::copy(www.join(loader), out.join(loader))
            .with_context(|| format!("cannot copy www/{loader} to {}", out.display()))?;
    }
    let main = esbuild(
        &out.join("main.js"),
        &[
            "--bundle",
            "--format=esm",
            "--target=es2020",
            "--external:./graph.js",
        ],
    )?;
    let graph = esbuild(
        &out.join("graph.js"),
        &["--bundle", "--format=esm", "--target=es2020"],
    )?;
    // boot.js's messages, in every language of locales/.
    let catalogues = catalogues(&project_root().join("locales"))?;
    let boot = fill_boot_texts(&fs::read_to_string(www.join("boot.js"))?, &catalogues)?;
    fs::write(out.join("boot.js"), boot)?;
    let boot = esbuild(&out.join("boot.js"), &["--target=es5"])?;
    let style = esbuild(&www.join("style.css"), &[])?;
    Ok(Built {
        main,
        graph,
        graph_wasm,
        boot,
        style,
        wasm,
    })
}

/// The messages `boot.js` (and `main.js`, through it) shows before or without the module.
pub const BOOT_MESSAGES: [&str; 8] = [
    "page-title",
    "working-opening-quick-call",
    "error-heading",
    "boot-no-wasm-heading",
    "boot-no-wasm",
    "boot-from-file",
    "boot-not-started",
    "boot-start-failed",
];

/// One catalogue of `locales/`: its language code and its `(id, text)` messages.
pub type Catalogue = (String, Vec<(String, String)>);

/// Every catalogue in `locales` (`<code>.ftl`), English first, then by code. The format is the one
/// `src/i18n/mod.rs` reads: `id = text` lines, `#` comments.
pub fn catalogues(locales: &Path) -> Result<Vec<Catalogue>> {
    let read = |path: &Path, messages: &mut Vec<(String, String)>| -> Result<()> {
        let text =
            fs::read_to_string(path).with_context(|| format!("cannot read {}", path.display()))?;
        for line in text.lines().filter(|l| !l.starts_with('#')) {
            if let Some((id, t)) = line.split_once('=') {
                messages.push((id.trim().to_string(), t.trim().to_string()));
            }
        }
        Ok(())
    };
    let mut codes: Vec<String> = fs::read_dir(locales)
        .with_context(|| format!("cannot read {}", locales.display()))?
        .filter_map(|e| e.ok())
        .filter_map(|e| {
            let name = e.file_name().to_string_lossy().into_owned();
            name.strip_suffix(".ftl").map(str::to_string)
        })
        .collect();
    codes.sort_by_key(|c| (c != "en", c.clone()));
    let mut out = Vec::new();
    for code in codes {
        let mut messages = Vec::new();
        read(&locales.join(format!("{code}.ftl")), &mut messages)?;
        out.push((code, messages));
    }
    if out.first().map(|c| c.0.as_str()) != Some("en") {
        bail!("{} has no en.ftl", locales.display());
    }
    Ok(out)
}

/// `boot.js` with its `var TEXT = {};` filled with [`BOOT_MESSAGES`] in every language.
fn fill_boot_texts(boot: &str, catalogues: &[Catalogue]) -> Result<String> {
    const EMPTY: &str = "var TEXT = {};";
    if !boot.contains(EMPTY) {
        bail!("www/boot.js no longer has `{EMPTY}`: update xtask/src/dist.rs");
    }
    let mut all = serde_json::Map::new();
    for (code, messages) in catalogues {
        let mut table = serde_json::Map::new();
        for id in BOOT_MESSAGES {
            if let Some((_, t)) = messages.iter().find(|(i, _)| i == id) {
                table.insert(id.to_string(), t.clone().into());
            } else if code == "en" {
                bail!("locales/en.ftl lacks {id}, which boot.js shows");
            }
        }
        all.insert(code.clone(), table.into());
    }
    let json = serde_json::to_string(&all)?;
    Ok(boot.replacen(EMPTY, &format!("var TEXT = {json};"), 1))
}

/// `index.html` with its `<noscript>` saying message `noscript` in every language.
fn fill_noscript(index: &str, catalogues: &[Catalogue]) -> Result<String> {
    let (Some(start), Some(end)) = (index.find("<noscript>"), index.find("</noscript>")) else {
        bail!("www/index.html has no <noscript>: update xtask/src/dist.rs");
    };
    let escape = |t: &str| {
        t.replace('&', "&amp;")
            .replace('<', "&lt;")
            .replace('>', "&gt;")
            .replace('"', "&quot;")
    };
    let mut inner = String::new();
    for (code, messages) in catalogues {
        if let Some((_, t)) = messages.iter().find(|(i, _)| i == "noscript") {
            inner.push_str(&format!("<p lang=\"{code}\">{}</p>", escape(t)));
        }
    }
    Ok(format!(
        "{}<noscript>{inner}</noscript>{}",
        &index[..start],
        &index[end + "</noscript>".len()..]
    ))
}

/// How esbuild is run: minify, no comments kept, output on stdout.
const ESBUILD_ARGS: [&str; 3] = ["--minify", "--legal-comments=none", "--log-level=warning"];

/// Runs esbuild on `input` with [`ESBUILD_ARGS`] and `args`; returns what it writes.
fn esbuild(input: &Path, args: &[&str]) -> Result<String> {
    let bin = tools::esbuild()?;
    cmd::output(Command::new(&bin).arg(input).args(ESBUILD_ARGS).args(args))
        .with_context(|| format!("esbuild failed on {}", input.display()))
}

/// Runs `wasm-opt` on `wasm` in place; when it is missing, fails, or hands back a
/// module whose exports differ (see [`crate::wasm`]), warns and keeps the file.
fn optimise(wasm: &Path) {
    let script = tools::wasm_opt_script();
    if !script.is_file() {
        eprintln!(
            "warning: wasm-opt not found ({}); keeping the unoptimised module",
            script.display()
        );
        return;
    }
    let optimised = wasm.with_extension("opt.wasm");
    let result = cmd::run(
        Command::new("node")
            .arg(&script)
            .args(WASM_OPT_PASSES)
            .args(WASM_OPT_FEATURES)
            .arg(wasm)
            .arg("-o")
            .arg(&optimised),
    )
    .and_then(|()| {
        let before = fs::read(wasm)?;
        let after = fs::read(&optimised)?;
        let (want, got) = (wasm::exports(&before)?, wasm::exports(&after)?);
        if want != got {
            let changed: Vec<String> = got
                .iter()
                .filter(|e| !want.contains(e))
                .map(|e| format!("{} is now a {}", e.name, e.kind))
                .chain(
                    want.iter()
                        .filter(|e| !got.iter().any(|g| g.name == e.name))
                        .map(|e| format!("{} is gone", e.name)),
                )
                .collect();
            bail!(
                "wasm-opt changed the module's exports ({}): binaryen 108 mis-maps table exports when a module has two tables (binaryen {} does not)",
                changed.join(", "),
                tools::BINARYEN_VERSION
            );
        }
        fs::rename(&optimised, wasm)?;
        println!("wasm-opt: {} -> {} bytes", before.len(), after.len());
        Ok(())
    });
    if let Err(e) = result {
        eprintln!("warning: {e:#}; keeping the unoptimised module");
        let _ = fs::remove_file(&optimised);
    }
}

/// `stem-<first 10 hex digits of SHA-256(content)>.ext`.
pub fn hashed_name(name: &str, content: &[u8]) -> String {
    let digest = Sha256::digest(content);
    let hex: String = digest.iter().take(5).map(|b| format!("{b:02x}")).collect();
    match name.rsplit_once('.') {
        Some((stem, ext)) => format!("{stem}-{hex}.{ext}"),
        None => format!("{name}-{hex}"),
    }
}

/// Replaces every reference to the file `name` in `text` by `new`, and counts them.
/// An occurrence is a reference when it is a whole file name: preceded by a quote or
/// `/`, and followed by a quote, `?` or `#`.
pub fn replace_reference(text: &str, name: &str, new: &str) -> (String, usize) {
    let mut out = String::with_capacity(text.len());
    let mut count = 0;
    let mut last = 0;
    for (at, _) in text.match_indices(name) {
        let before = text[..at].chars().next_back();
        let after = text[at + name.len()..].chars().next();
        let whole = matches!(before, Some('"' | '\'' | '/'))
            && matches!(after, Some('"' | '\'' | '?' | '#'));
        if whole {
            out.push_str(&text[last..at]);
            out.push_str(new);
            last = at + name.len();
            count += 1;
        }
    }
    out.push_str(&text[last..]);
    (out, count)
}

/// Rewrites the references `renames` (old name, new name) in `text`, the file `file`;
/// every old name must be referenced at least once, else the page would load a file
/// that is not deployed.
fn rewrite(file: &str, text: &str, renames: &[(&str, &str)]) -> Result<String> {
    let mut text = text.to_string();
    for (old, new) in renames {
        let (next, count) = replace_reference(&text, old, new);
        if count == 0 {
            bail!("{file} no longer references {old}: update xtask/src/dist.rs");
        }
        text = next;
    }
    Ok(text)
}

/// Refuses to delete `out` unless it is empty or looks like an earlier dist.
fn clear(out: &Path) -> Result<()> {
    if !out.exists() {
        return Ok(());
    }
    let root = project_root();
    if out == root || root.starts_with(out) || out == root.join("www") {
        bail!("refusing to use {} as the output directory", out.display());
    }
    let empty = fs::read_dir(out)
        .with_context(|| format!("cannot read {}", out.display()))?
        .next()
        .is_none();
    if !empty && !out.join("index.html").is_file() {
        bail!(
            "refusing to delete {}: it is not empty and has no index.html (not an earlier dist)",
            out.display()
        );
    }
    fs::remove_dir_all(out).with_context(|| format!("cannot remove {}", out.display()))
}

/// Writes the distribution into `out` from the `www` directory (index.html, config.json,
/// web.config, .htaccess) and what the build made.
fn write(out: &Path, www: &Path, built: &Built) -> Result<Dist> {
    clear(out)?;
    fs::create_dir_all(out).with_context(|| format!("cannot create {}", out.display()))?;
    let read = |name: &str| {
        let path = www.join(name);
        fs::read_to_string(&path).with_context(|| format!("cannot read {}", path.display()))
    };
    let mut files = Vec::new();
    let mut put = |name: &str, content: &[u8], loaded_by_page: bool| -> Result<()> {
        let path = out.join(name);
        fs::write(&path, content).with_context(|| format!("cannot write {}", path.display()))?;
        files.push(DistFile {
            name: name.to_string(),
            size: content.len() as u64,
            loaded_by_page,
        });
        Ok(())
    };

    let wasm = built.wasm.as_slice();
    let wasm_name = hashed_name(&format!("{LIB}_bg.wasm"), wasm);
    // graph.js names the Graph build's module; main.js its module and graph.js.
    let graph_wasm = built.graph_wasm.as_slice();
    let graph_wasm_name = hashed_name(&format!("{GRAPH_LIB}_bg.wasm"), graph_wasm);
    let graph = rewrite(
        "graph.js (bundled)",
        &built.graph,
        &[(&format!("{GRAPH_LIB}_bg.wasm"), &graph_wasm_name)],
    )?;
    let graph_name = hashed_name("graph.js", graph.as_bytes());
    let main = rewrite(
        "main.js (bundled)",
        &built.main,
        &[
            (&format!("{LIB}_bg.wasm"), &wasm_name),
            ("graph.js", &graph_name),
        ],
    )?;
    // boot.js starts compiling the module (main.js hands the promise to the glue).
    let boot = rewrite(
        "boot.js (minified)",
        &built.boot,
        &[(&format!("{LIB}_bg.wasm"), &wasm_name)],
    )?;
    let index = fill_noscript(
        &read("index.html")?,
        &catalogues(&www.with_file_name("locales"))?,
    )?;
    // A `<link rel="preload">` of the module, should index.html get one.
    let (index, _) = replace_reference(&index, &format!("{LIB}_bg.wasm"), &wasm_name);
    // The style sheet, boot.js and main.js in index.html: three files fewer to wait for
    // (see `Inline`); the three policies allow exactly them, by hash.
    let inline = Inline {
        script: boot,
        module: main,
        style: built.style.clone(),
    };
    let index = inline.put_in(&index)?;

    put(
        "index.html",
        inline.allow("www/index.html", &index)?.as_bytes(),
        true,
    )?;
    put(&wasm_name, wasm, true)?;
    // Loaded only by a Graph site, when the first module hands over.
    put(&graph_name, graph.as_bytes(), false)?;
    put(&graph_wasm_name, graph_wasm, false)?;
    put("config.json", read("config.json")?.as_bytes(), true)?;
    put(
        "web.config",
        inline
            .allow("www/web.config", &read("web.config")?)?
            .as_bytes(),
        false,
    )?;
    // The catalogues, fetched by the page only when it shows words (not on a redirect).
    let locales = www.with_file_name("locales");
    fs::create_dir_all(out.join("locales"))?;
    for (code, _) in catalogues(&locales)? {
        let name = format!("locales/{code}.ftl");
        let text = fs::read(locales.join(format!("{code}.ftl")))?;
        put(&name, &text, false)?;
    }
    put(
        ".htaccess",
        inline
            .allow("www/.htaccess", &read(".htaccess")?)?
            .as_bytes(),
        false,
    )?;

    let directory = www.join("directory");
    if directory.is_dir() {
        cmd::copy_dir(&directory, &out.join("directory"))?;
        for entry in walk(&out.join("directory"))? {
            let size = fs::metadata(&entry)?.len();
            let name = entry
                .strip_prefix(out)
                .unwrap_or(&entry)
                .to_string_lossy()
                .replace('\\', "/");
            files.push(DistFile {
                name,
                size,
                loaded_by_page: false,
            });
        }
    }
    for entry in fs::read_dir(www).with_context(|| format!("cannot read {}", www.display()))? {
        let name = entry?.file_name().to_string_lossy().into_owned();
        if !WWW_FILES.contains(&name.as_str()) && name != "directory" {
            eprintln!(
                "warning: www/{name} is not part of the distribution (see xtask/src/dist.rs)"
            );
        }
    }
    Ok(Dist {
        dir: out.to_path_buf(),
        files,
    })
}

/// `'sha256-<base64>'`: the Content-Security-Policy source that allows an inline
/// `<script>` or `<style>` whose text is exactly `content`.
pub fn csp_hash(content: &str) -> String {
    use base64::Engine as _;
    let digest = Sha256::digest(content.as_bytes());
    format!(
        "'sha256-{}'",
        base64::engine::general_purpose::STANDARD.encode(digest)
    )
}

/// What `index.html` carries inline instead of loading: `boot.js`, `main.js` (with the
/// glue) and the style sheet. Measured with `cargo xtask bench` (variants, 30 loads
/// each, 20 ms round trips): with an emptied cache the style sheet inline takes 6-11 ms
/// off, boot.js inline 5-9 ms more (the module's compilation starts while index.html
/// is parsed, not once boot.js has arrived), main.js inline 5 ms more; with a warm
/// cache main.js inline takes 7 ms off (its read from the cache was on the way to the
/// module's start), the other two a few. The Content-Security-Policy keeps `'self'` for
/// scripts (graph.js) and allows these by their hash, never `'unsafe-inline'`.
struct Inline {
    /// `boot.js`, minified, with its messages and the module's name.
    script: String,
    /// `main.js` bundled with the glue, minified, naming the module and graph.js.
    module: String,
    /// `style.css`, minified.
    style: String,
}

impl Inline {
    /// `index` with `<link rel="stylesheet" href="style.css">`,
    /// `<script src="boot.js"></script>` and `<script type="module" src="main.js">`
    /// replaced by the elements themselves, and main.js's `modulepreload` gone.
    fn put_in(&self, index: &str) -> Result<String> {
        const LINK: &str = r#"<link rel="stylesheet" href="style.css">"#;
        const SCRIPT: &str = r#"<script src="boot.js"></script>"#;
        const MODULE: &str = r#"<script type="module" src="main.js"></script>"#;
        const PRELOAD: &str = "<link rel=\"modulepreload\" href=\"main.js\">\n";
        for (what, text, end) in [
            ("boot.js", &self.script, "</script"),
            ("main.js", &self.module, "</script"),
            ("style.css", &self.style, "</style"),
        ] {
            let lower = text.to_ascii_lowercase();
            if lower.contains(end) || lower.contains("<!--") {
                bail!(
                    "{what} contains \"{end}\" or \"<!--\": it cannot be put inline in index.html"
                );
            }
        }
        for tag in [LINK, SCRIPT, MODULE] {
            if index.matches(tag).count() != 1 {
                bail!("www/index.html no longer has {tag} once: update xtask/src/dist.rs");
            }
        }
        Ok(index
            .replace(PRELOAD, "")
            .replace(LINK, &format!("<style>{}</style>", self.style))
            .replace(SCRIPT, &format!("<script>{}</script>", self.script))
            .replace(
                MODULE,
                &format!("<script type=\"module\">{}</script>", self.module),
            ))
    }

    /// `text` (a file with a Content-Security-Policy) allowing the inline elements:
    /// `script-src 'self'` gets boot.js's and main.js's hashes, `style-src 'self'`
    /// becomes the style's.
    fn allow(&self, file: &str, text: &str) -> Result<String> {
        let mut out = text.to_string();
        for (from, to) in [
            (
                "script-src 'self'",
                format!(
                    "script-src 'self' {} {}",
                    csp_hash(&self.script),
                    csp_hash(&self.module)
                ),
            ),
            (
                "style-src 'self'",
                format!("style-src {}", csp_hash(&self.style)),
            ),
        ] {
            if !out.contains(from) {
                bail!("{file} has no \"{from}\" in its Content-Security-Policy: update xtask/src/dist.rs");
            }
            out = out.replace(from, &to);
        }
        Ok(out)
    }
}

/// Every file under `dir`, sorted.
fn walk(dir: &Path) -> Result<Vec<PathBuf>> {
    let mut out = Vec::new();
    for entry in fs::read_dir(dir).with_context(|| format!("cannot read {}", dir.display()))? {
        let path = entry?.path();
        if path.is_dir() {
            out.extend(walk(&path)?);
        } else {
            out.push(path);
        }
    }
    out.sort();
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hashed_names() {
        // SHA-256("") = e3b0c44298fc1c149afbf4c8996fb924...
        assert_eq!(hashed_name("main.js", b""), "main-e3b0c44298.js");
        assert_eq!(
            hashed_name("lync_quickcall_bg.wasm", b""),
            "lync_quickcall_bg-e3b0c44298.wasm"
        );
        assert_ne!(hashed_name("a.js", b"1"), hashed_name("a.js", b"2"));
    }

    #[test]
    fn only_whole_references_are_rewritten() {
        for (text, name, expected, count) in [
            (
                "import init from './lync_quickcall.js';",
                "lync_quickcall.js",
                "import init from './X';",
                1,
            ),
            (
                r#"<script src="main.js"></script><script src="xmain.js">"#,
                "main.js",
                r#"<script src="X"></script><script src="xmain.js">"#,
                1,
            ),
            (
                "new URL('lync_quickcall_bg.wasm', import.meta.url); // lync_quickcall_bg.wasm",
                "lync_quickcall_bg.wasm",
                "new URL('X', import.meta.url); // lync_quickcall_bg.wasm",
                1,
            ),
            ("href=\"style.css?v=1\"", "style.css", "href=\"X?v=1\"", 1),
            ("nothing here", "main.js", "nothing here", 0),
        ] {
            assert_eq!(
                replace_reference(text, name, "X"),
                (expected.to_string(), count),
                "{text}"
            );
        }
    }

    /// Every `src="..."`, `href="..."` and `'./...'` reference in `text`.
    fn references(text: &str) -> Vec<String> {
        let mut out = Vec::new();
        for open in ["src=\"", "href=\"", "'./", "\"./"] {
            for (at, _) in text.match_indices(open) {
                let rest = &text[at + open.len()..];
                let end = rest.find(['"', '\'']).unwrap();
                out.push(rest[..end].to_string());
            }
        }
        out
    }

    /// What [`build`] hands over, without building: `www`'s own files and a bundle
    /// that names the module as the real one does.
    fn fake_build() -> Built {
        let www = project_root().join("www");
        Built {
            main: "x=new URL(\"./lync_quickcall_bg.wasm\",import.meta.url);y=()=>import(\"./graph.js\");".into(),
            graph: "x=new URL(\"./lync_quickcall_graph_bg.wasm\",import.meta.url);".into(),
            graph_wasm: b"\0asm graph".to_vec(),
            boot: fs::read_to_string(www.join("boot.js")).unwrap(),
            style: fs::read_to_string(www.join("style.css")).unwrap(),
            wasm: b"\0asm".to_vec(),
        }
    }

    #[test]
    fn boot_js_and_noscript_speak_every_language() {
        let all = catalogues(&project_root().join("locales")).unwrap();
        assert_eq!(all[0].0, "en");
        assert!(all.iter().any(|(c, _)| c == "fr"));
        let boot = fs::read_to_string(project_root().join("www/boot.js")).unwrap();
        let filled = fill_boot_texts(&boot, &all).unwrap();
        assert!(!filled.contains("var TEXT = {};"));
        assert!(filled.contains(r#""fr":{"#), "{filled}");
        assert!(
            filled.contains(r#""page-title":"Appel rapide EasyVista""#),
            "{filled}"
        );
        assert!(filled.contains("The page failed to start: { $detail }"));
        assert!(fill_boot_texts("var TEXT = {a:1};", &all).is_err());
        let no_en = vec![("en".to_string(), Vec::new())];
        assert!(fill_boot_texts(&boot, &no_en).is_err());

        let html = "<body><noscript><p>old</p></noscript></body>";
        let two = vec![
            (
                "en".to_string(),
                vec![("noscript".into(), "Needs <script> & \"JS\"".into())],
            ),
            (
                "fr".to_string(),
                vec![("noscript".into(), "Il faut JavaScript".into())],
            ),
        ];
        assert_eq!(
            fill_noscript(html, &two).unwrap(),
            "<body><noscript><p lang=\"en\">Needs &lt;script&gt; &amp; &quot;JS&quot;</p><p lang=\"fr\">Il faut JavaScript</p></noscript></body>"
        );
        assert!(fill_noscript("<body></body>", &two).is_err());
    }

    #[test]
    fn an_upgrade_never_mixes_old_and_new_files() {
        // Dropping a new dist over an old one: index.html (with main.js and the glue
        // inline) is revalidated, and every file it loads has a content-hashed name, so
        // an old script can never be served with a new module or the other way round.
        let tmp = cmd::TempDir::new("dist-upgrade").unwrap();
        let out = tmp.path().join("dist");
        write(&out, &project_root().join("www"), &fake_build()).unwrap();
        let mut checked = 0;
        for page in ["index.html"] {
            let name = fs::read_dir(&out)
                .unwrap()
                .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
                .find(|n| n.starts_with(page))
                .unwrap();
            let text = fs::read_to_string(out.join(&name)).unwrap();
            for r in references(&text) {
                let file = r.trim_start_matches("./");
                assert!(
                    out.join(file).is_file(),
                    "{name} references {r}, not deployed"
                );
                if file == "config.json" {
                    // Preloaded, and revalidated on every load like index.html.
                    continue;
                }
                assert!(
                    is_hashed(file),
                    "{name} references {r}, which has no content hash"
                );
                checked += 1;
            }
        }
        assert!(checked >= 3, "only {checked} references found");
    }

    fn is_hashed(name: &str) -> bool {
        let Some((stem, _ext)) = name.rsplit_once('.') else {
            return false;
        };
        stem.rsplit_once('-')
            .is_some_and(|(_, h)| h.len() == 10 && h.bytes().all(|b| b.is_ascii_hexdigit()))
    }

    /// The Content-Security-Policy that `web.config` sends.
    fn web_config_policy(doc: &roxmltree::Document) -> String {
        doc.descendants()
            .find(|n| {
                n.has_tag_name("add") && n.attribute("name") == Some("Content-Security-Policy")
            })
            .and_then(|n| n.attribute("value"))
            .unwrap()
            .to_string()
    }

    #[test]
    fn web_config_is_well_formed_and_complete() {
        let text = fs::read_to_string(project_root().join("www/web.config")).unwrap();
        let doc = roxmltree::Document::parse(&text).expect("www/web.config is not well-formed XML");
        let find = |tag: &str, attr: &str, value: &str| {
            doc.descendants()
                .find(|n| n.has_tag_name(tag) && n.attribute(attr) == Some(value))
        };
        let wasm = find("mimeMap", "fileExtension", ".wasm").unwrap();
        assert_eq!(wasm.attribute("mimeType"), Some("application/wasm"));
        let json = find("mimeMap", "fileExtension", ".json").unwrap();
        assert_eq!(json.attribute("mimeType"), Some("application/json"));
        for header in [
            "Content-Security-Policy",
            "X-Content-Type-Options",
            "Referrer-Policy",
        ] {
            assert!(find("add", "name", header).is_some(), "{header}");
        }
        // Long conversations: 50 contacts, encoded as a browser sends them, fit.
        let limits = doc
            .descendants()
            .find(|n| n.has_tag_name("requestLimits"))
            .unwrap();
        let number = |a: &str| limits.attribute(a).unwrap().parse::<usize>().unwrap();
        let contacts: Vec<String> = (1..=50)
            .map(|i| format!("%3Csip:firstname.lastname{i:02}@subsidiary.contoso.com%3E"))
            .collect();
        let query = format!(
            "userId=sip:technician@contoso.com;contactId=Contacts={}",
            contacts.join(",")
        );
        assert!(
            query.len() > 2048,
            "the sample is not long: {}",
            query.len()
        );
        assert!(
            number("maxQueryString") >= 2 * query.len(),
            "{}",
            query.len()
        );
        assert!(number("maxUrl") >= number("maxQueryString"));
        // What changes in place is revalidated.
        for path in ["index.html", "config.json", "directory/manifest.json"] {
            let location = find("location", "path", path).unwrap();
            let cache = location
                .descendants()
                .find(|n| n.has_tag_name("clientCache"))
                .unwrap();
            assert_eq!(
                cache.attribute("cacheControlMode"),
                Some("DisableCache"),
                "{path}"
            );
        }
    }

    #[test]
    fn the_three_policies_agree() {
        let www = project_root().join("www");
        let web = fs::read_to_string(www.join("web.config")).unwrap();
        let header = web_config_policy(&roxmltree::Document::parse(&web).unwrap());
        let htaccess = fs::read_to_string(www.join(".htaccess")).unwrap();
        let apache = htaccess
            .lines()
            .find_map(|l| {
                l.trim()
                    .strip_prefix("Header always set Content-Security-Policy \"")
            })
            .and_then(|l| l.strip_suffix('"'))
            .unwrap();
        assert_eq!(apache, header);
        assert!(htaccess.contains("AddType application/wasm .wasm"));
        // The meta tag cannot carry frame-ancestors; otherwise the same.
        let html = fs::read_to_string(www.join("index.html")).unwrap();
        let at = html
            .find("http-equiv=\"Content-Security-Policy\" content=\"")
            .unwrap();
        let rest = &html[at..];
        let start = rest.find("content=\"").unwrap() + 9;
        let meta = &rest[start..start + rest[start..].find('"').unwrap()];
        assert_eq!(format!("{meta}; frame-ancestors 'none'"), header);
        // The README's nginx line says the same, with the hashes `cargo xtask dist` puts
        // in (see `Inline::allow`) left as `'sha256-…'`.
        let readme = fs::read_to_string(project_root().join("README.md")).unwrap();
        let shown = header
            .replace(
                "script-src 'self'",
                "script-src 'self' 'sha256-…' 'sha256-…'",
            )
            .replace("style-src 'self'", "style-src 'sha256-…'");
        assert!(
            readme.contains(&format!("add_header Content-Security-Policy \"{shown}\"")),
            "README.md should show: add_header Content-Security-Policy \"{shown}\""
        );
    }

    #[test]
    fn boot_js_reads_config_json_with_the_modules_time_out() {
        // boot.js reads config.json for the module (src/web/fetch.rs, read_by_boot): with
        // the time-out the module gives files.
        let root = project_root();
        let boot = fs::read_to_string(root.join("www/boot.js")).unwrap();
        let fetch = fs::read_to_string(root.join("src/web/fetch.rs")).unwrap();
        let number = |text: &str, key: &str| -> u64 {
            let at = text.find(key).unwrap() + key.len();
            text[at..]
                .chars()
                .skip_while(|c| !c.is_ascii_digit())
                .take_while(|c| c.is_ascii_digit() || *c == '_')
                .filter(char::is_ascii_digit)
                .collect::<String>()
                .parse()
                .unwrap()
        };
        assert_eq!(
            number(&boot, "var CONFIG_TIMEOUT_SECONDS =") * 1000,
            number(&fetch, "pub const FILE_TIMEOUT_MS: u32 =")
        );
        assert!(boot.contains("fetch('config.json', {"));
        assert!(fetch.contains("pub const READ_BY_BOOT: &str = \"config.json\";"));
    }

    #[test]
    fn csp_hashes_are_base64_sha256() {
        // SHA-256("") in base64, as browsers compute it for an empty <script></script>.
        assert_eq!(
            csp_hash(""),
            "'sha256-47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU='"
        );
    }

    #[test]
    fn boot_main_and_the_style_sheet_are_inline_and_allowed_by_hash() {
        let tmp = cmd::TempDir::new("dist-inline").unwrap();
        let out = tmp.path().join("dist");
        let built = fake_build();
        let dist = write(&out, &project_root().join("www"), &built).unwrap();
        let named = |prefix: &str| {
            dist.files
                .iter()
                .find(|f| f.name.starts_with(prefix))
                .unwrap()
                .name
                .clone()
        };
        let wasm = named("lync_quickcall_bg-");
        let boot = built.boot.replace("lync_quickcall_bg.wasm", &wasm);
        let main = built
            .main
            .replace("lync_quickcall_bg.wasm", &wasm)
            .replace("./graph.js", &format!("./{}", named("graph-")));
        let index = fs::read_to_string(out.join("index.html")).unwrap();
        assert!(index.contains(&format!("<script>{boot}</script>")));
        assert!(index.contains(&format!("<script type=\"module\">{main}</script>")));
        assert!(index.contains(&format!("<style>{}</style>", built.style)));
        for gone in ["style.css", "boot.js\"", "\"main.js\"", "modulepreload"] {
            assert!(!index.contains(gone), "{gone}");
        }
        assert!(!dist.files.iter().any(|f| f.name.starts_with("boot")
            || f.name.starts_with("style")
            || f.name.starts_with("main")));
        let (script, module, style) = (csp_hash(&boot), csp_hash(&main), csp_hash(&built.style));
        for name in ["index.html", "web.config", ".htaccess"] {
            let text = fs::read_to_string(out.join(name)).unwrap();
            assert!(
                text.contains(&format!(
                    "script-src 'self' {script} {module} 'wasm-unsafe-eval'"
                )),
                "{name}"
            );
            assert!(text.contains(&format!("style-src {style};")), "{name}");
            assert!(!text.contains("unsafe-inline"), "{name}");
        }
        // What cannot be put inline is refused, not broken.
        let inline = Inline {
            script: "a='</SCRIPT>'".into(),
            module: String::new(),
            style: String::new(),
        };
        assert!(inline.put_in(&index).is_err());
        let inline = Inline {
            script: String::new(),
            module: String::new(),
            style: String::new(),
        };
        assert!(inline.put_in("<html></html>").is_err());
        assert!(inline.allow("x", "default-src 'none'").is_err());
    }

    #[test]
    fn writes_a_consistent_dist() {
        let tmp = cmd::TempDir::new("dist-test").unwrap();
        let out = tmp.path().join("dist");
        let dist = write(&out, &project_root().join("www"), &fake_build()).unwrap();
        let index = fs::read_to_string(out.join("index.html")).unwrap();
        for f in dist.files.iter().filter(|f| f.loaded_by_page) {
            let content = fs::read(out.join(&f.name)).unwrap();
            assert_eq!(content.len() as u64, f.size);
            if f.name != "index.html" && f.name != "config.json" {
                // The name's hash is the hash of the final content.
                let (stem, _) = f.name.rsplit_once('-').unwrap();
                let ext = f.name.rsplit_once('.').unwrap().1;
                assert_eq!(hashed_name(&format!("{stem}.{ext}"), &content), f.name);
            }
        }
        let wasm = &dist
            .files
            .iter()
            .find(|f| f.name.starts_with("lync_quickcall_bg-"))
            .unwrap()
            .name;
        // main.js, inline, names the module.
        assert!(index.contains(wasm), "{index}");
        assert!(!index.contains("lync_quickcall_bg.wasm"));
        let main_js = index.clone();
        // The Graph build: named by main.js, hashed, not counted as loaded by every page.
        let named = |prefix: &str| {
            dist.files
                .iter()
                .find(|f| f.name.starts_with(prefix))
                .unwrap()
        };
        let (graph, graph_wasm) = (named("graph-"), named("lync_quickcall_graph_bg-"));
        assert!(!graph.loaded_by_page && !graph_wasm.loaded_by_page);
        assert!(
            main_js.contains(&format!("\"./{}\"", graph.name)),
            "{main_js}"
        );
        let graph_js = fs::read_to_string(out.join(&graph.name)).unwrap();
        assert!(graph_js.contains(&graph_wasm.name));
        for f in [graph, graph_wasm] {
            let content = fs::read(out.join(&f.name)).unwrap();
            let (stem, _) = f.name.rsplit_once('-').unwrap();
            let ext = f.name.rsplit_once('.').unwrap().1;
            assert_eq!(hashed_name(&format!("{stem}.{ext}"), &content), f.name);
        }
        // A second run replaces the first; a foreign directory is not deleted.
        write(&out, &project_root().join("www"), &fake_build()).unwrap();
        fs::create_dir_all(tmp.path().join("foreign")).unwrap();
        fs::write(tmp.path().join("foreign/keep.txt"), "x").unwrap();
        assert!(write(
            &tmp.path().join("foreign"),
            &project_root().join("www"),
            &fake_build()
        )
        .is_err());
        assert!(tmp.path().join("foreign/keep.txt").exists());
    }
}
