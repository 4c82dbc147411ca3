//! The administrator's path, with the real binary in temporary folders: `init` from a
//! release bundle's layout, `export`, `check-config` (which must never pass a site the
//! page cannot use), `public-key`, and the README's own commands.
#![cfg(not(target_arch = "wasm32"))]
// Helpers outside `#[test]` functions unwrap too: a failure is a test failure.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;
use common::{www, TempDir};

use std::path::{Path, PathBuf};
use std::process::Command;

fn root() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

/// The bundle's `site` folder, as `cargo xtask dist` makes it (a stand-in module: only
/// its name and magic number matter here), with the example config.json.
fn fake_site(dir: &Path) {
    std::fs::create_dir_all(dir).unwrap();
    std::fs::write(dir.join("index.html"), www("index.html")).unwrap();
    std::fs::write(dir.join("web.config"), www("web.config")).unwrap();
    std::fs::write(dir.join("config.json"), www("config.json")).unwrap();
    std::fs::create_dir_all(dir.join("locales")).unwrap();
    for code in ["en", "fr"] {
        let catalogue = format!("{}/locales/{code}.ftl", env!("CARGO_MANIFEST_DIR"));
        std::fs::copy(catalogue, dir.join("locales").join(format!("{code}.ftl"))).unwrap();
    }
    std::fs::write(
        dir.join("lync_quickcall_bg-0123456789.wasm"),
        b"\0asm\x01\0\0\0",
    )
    .unwrap();
}

/// A release bundle's layout in `dir`: the tool and `site/` beside it.
fn fake_bundle(dir: &Path) -> PathBuf {
    fake_site(&dir.join("site"));
    let tool = dir.join(format!("lync-quickcall{}", std::env::consts::EXE_SUFFIX));
    std::fs::copy(env!("CARGO_BIN_EXE_lync-quickcall"), &tool).unwrap();
    tool
}

struct Run {
    code: i32,
    stdout: String,
    stderr: String,
}

impl Run {
    #[track_caller]
    fn ok(self) -> Run {
        assert_eq!(self.code, 0, "{}\n{}", self.stdout, self.stderr);
        self
    }

    #[track_caller]
    fn failed(self, words: &[&str]) -> Run {
        assert_eq!(self.code, 1, "{}\n{}", self.stdout, self.stderr);
        for w in words {
            assert!(
                self.stderr.contains(w),
                "{w:?} not in stderr:\n{}\n\nstdout:\n{}",
                self.stderr,
                self.stdout
            );
        }
        self
    }

    fn all(&self) -> String {
        format!("{}\n{}", self.stdout, self.stderr)
    }
}

fn run_with(tool: &Path, args: &[&str]) -> Run {
    // A copied executable can be "busy" for a moment: another test thread forking while
    // the copy was open for writing holds it (ETXTBSY). Try again briefly.
    let mut tries = 0;
    let out = loop {
        match Command::new(tool).args(args).output() {
            Err(e) if e.kind() == std::io::ErrorKind::ExecutableFileBusy && tries < 50 => {
                tries += 1;
                std::thread::sleep(std::time::Duration::from_millis(20));
            }
            other => break other.unwrap(),
        }
    };
    Run {
        code: out.status.code().unwrap_or(-1),
        stdout: String::from_utf8(out.stdout).unwrap(),
        stderr: String::from_utf8(out.stderr).unwrap(),
    }
}

fn run(args: &[&str]) -> Run {
    run_with(Path::new(env!("CARGO_BIN_EXE_lync-quickcall")), args)
}

fn s(p: &Path) -> &str {
    p.to_str().unwrap()
}

/// `lync-quickcall export` of the Windows PowerShell 5.1 fixture, signed with `key`,
/// into `out`.
fn export_fixture(key: &Path, out: &Path) -> Run {
    let csv = root().join("tests/fixtures/ad-users-ps51.csv");
    run(&[
        "export",
        "--input",
        s(&csv),
        "--key",
        s(key),
        "--out",
        s(out),
    ])
}

/// The public key in a config.json's `directory.public_keys`.
fn public_key_of(config: &Path) -> String {
    let v: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(config).unwrap()).unwrap();
    v["directory"]["public_keys"][0]
        .as_str()
        .unwrap()
        .to_string()
}

#[test]
fn init_export_check_from_a_bundle() {
    let tmp = TempDir::new("bundle");
    let tool = fake_bundle(&tmp.0.join("lync-quickcall-9.9.9"));
    let site = tmp.0.join("wwwroot").join("quickcall");
    let init = [
        "init",
        "--site",
        s(&site),
        "--itsm-url",
        "https://contoso.easyvista.com",
        "--source",
        "export",
        "--page-url",
        "https://intranet/quickcall/",
    ];
    let r = run_with(&tool, &init).ok();
    // The page, without the example config.json; a minimal one instead.
    for f in [
        "index.html",
        "web.config",
        "lync_quickcall_bg-0123456789.wasm",
    ] {
        assert!(site.join(f).is_file(), "{f}");
    }
    let config = std::fs::read_to_string(site.join("config.json")).unwrap();
    assert!(
        !config.contains("companyname") && !config.contains("sandbox"),
        "{config}"
    );
    assert!(
        config.contains("\"production\": { \"method\": \"sso\" }"),
        "{config}"
    );
    // The key beside the tool, private, its public key in config.json.
    let key = tmp.0.join("lync-quickcall-9.9.9").join("export.key");
    assert!(key.is_file());
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt as _;
        let mode = std::fs::metadata(&key).unwrap().permissions().mode();
        assert_eq!(mode & 0o777, 0o600);
    }
    let public = public_key_of(&site.join("config.json"));
    // The next commands, with the paths given.
    let out = site.join("directory");
    for w in [
        format!(
            "export --input users.ldif --key {} --out {}",
            s(&key),
            s(&out)
        ),
        "check https://intranet/quickcall/ --contact sip:".to_string(),
        format!("check-config {}", s(&site)),
        "reg --page-url https://intranet/quickcall/ --out quickcall.reg".to_string(),
        "Group Policy Preferences".to_string(),
    ] {
        assert!(r.stdout.contains(&w), "{w}\n{}", r.stdout);
    }
    // public-key prints the key config.json holds.
    let r = run(&["public-key", s(&key)]).ok();
    assert!(
        r.stdout.contains(&format!("Public key: {public}")),
        "{}",
        r.stdout
    );

    // Before the export: not OK, and the fix is the export command (defect 1).
    run(&["check-config", s(&site)]).failed(&[
        "manifest.json not found",
        "lync-quickcall export",
        &format!("--out {}", s(&out)),
        "would not work",
    ]);

    let r = export_fixture(&key, &out).ok();
    assert!(!r.stderr.contains("warning"), "{}", r.stderr);

    // After it: OK, and where a contact goes.
    let r = run(&[
        "check-config",
        s(&site),
        "--contact",
        "sip:jdoe@contoso.com",
    ])
    .ok();
    assert!(r.stdout.contains("manifest.json: OK"), "{}", r.stdout);
    assert!(
        r.stdout.contains("all 1 shard file(s) present")
            || r.stdout.contains("shard file(s) present"),
        "{}",
        r.stdout
    );
    assert!(
        r.stdout.to_lowercase().contains(
            "the page opens https://contoso.easyvista.com/sso_samlindexlync.php?do_quickcall=1&url_requestor=john.doe%40contoso.com"
        ),
        "{}",
        r.stdout
    );
    assert!(
        r.stdout.trim_end().ends_with(&format!("{}: OK", s(&site))),
        "{}",
        r.stdout
    );
    // An unknown contact: the unknown-contact page, a warning, still exit 0.
    let r = run(&[
        "check-config",
        s(&site),
        "--contact",
        "sip:nobody@contoso.com",
    ])
    .ok();
    assert!(r.all().contains("sso_samlindex.php"), "{}", r.all());

    // init again: config.json is kept; with --force it is rewritten with the same key.
    run_with(&tool, &init).failed(&["already exists", "check-config", "--force"]);
    let mut forced = init.to_vec();
    forced.push("--force");
    let r = run_with(&tool, &forced).ok();
    assert!(
        r.stdout.contains("Using the existing secret key"),
        "{}",
        r.stdout
    );
    assert!(r.stdout.contains("already holds the page"), "{}", r.stdout);
    assert_eq!(public_key_of(&site.join("config.json")), public);
    run(&["check-config", s(&site)]).ok();

    // A manifest that verifies, but shards missing (defect 1).
    let manifest = std::fs::read_to_string(out.join("manifest.json")).unwrap();
    let export_id = manifest
        .split("\"export_id\":\"")
        .nth(1)
        .unwrap()
        .split('"')
        .next()
        .unwrap()
        .to_string();
    let folder = out.join(&export_id);
    let shards: Vec<PathBuf> = std::fs::read_dir(&folder)
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    let first = shards[0].clone();
    let bytes = std::fs::read(&first).unwrap();
    std::fs::remove_file(&first).unwrap();
    run(&["check-config", s(&site)]).failed(&[
        &format!(
            "{} has {} of the {} shard files",
            s(&folder),
            shards.len() - 1,
            shards.len()
        ),
        "Copy the whole export folder",
    ]);
    std::fs::write(&first, bytes).unwrap();
    let moved = tmp.0.join("moved");
    std::fs::rename(&folder, &moved).unwrap();
    run(&["check-config", s(&site)]).failed(&[
        "verifies, but the export folder it names",
        &export_id,
        "is missing",
    ]);
    std::fs::rename(&moved, &folder).unwrap();
    run(&["check-config", s(&site)]).ok();
}

#[test]
fn init_writes_nothing_when_an_option_is_wrong() {
    let tmp = TempDir::new("refusals");
    let from = tmp.0.join("dist");
    fake_site(&from);
    let site = tmp.0.join("site");
    let base = |itsm: &'static str| {
        vec![
            "init".to_string(),
            "--site".into(),
            s(&site).into(),
            "--itsm-url".into(),
            itsm.into(),
            "--from".into(),
            s(&from).into(),
        ]
    };
    let go = |args: Vec<String>| {
        let args: Vec<&str> = args.iter().map(String::as_str).collect();
        run(&args)
    };
    // The example's placeholder (defect 2).
    go(base("https://companyname.easyvista.com")).failed(&["--itsm-url", "placeholder"]);
    go(base("https://itsm.example")).failed(&["placeholder"]);
    // Method 2 needs its link; the link is for Method 2.
    let mut a = base("https://contoso.easyvista.com");
    a.extend(["--method".into(), "autoconnect".into()]);
    go(a).failed(&["--link"]);
    let mut a = base("https://contoso.easyvista.com");
    a.extend([
        "--link".into(),
        "https://contoso.easyvista.com/a?field6=x".into(),
    ]);
    go(a).failed(&["--method autoconnect"]);
    // The key inside the site.
    std::fs::create_dir_all(site.join("keys")).unwrap();
    let mut a = base("https://contoso.easyvista.com");
    a.extend([
        "--source".into(),
        "export".into(),
        "--key".into(),
        s(&site.join("keys").join("..").join("keys").join("export.key")).into(),
    ]);
    go(a).failed(&["inside the site", "outside the site"]);
    assert!(!site.join("keys/export.key").exists());
    // Not the page's files.
    let mut a = base("https://contoso.easyvista.com");
    a[6] = s(&tmp.0).into();
    go(a).failed(&["does not hold the page"]);
    // A bad page URL.
    let mut a = base("https://contoso.easyvista.com");
    a.extend(["--page-url".into(), "intranet/quickcall".into()]);
    go(a).failed(&["--page-url"]);
    // Nothing was written.
    assert_eq!(std::fs::read_dir(&site).unwrap().count(), 1, "only keys/");

    // Method 2 with the link on another host: done, with a warning (defect 2).
    let mut a = base("https://contoso.easyvista.com");
    a.extend([
        "--method".into(),
        "autoconnect".into(),
        "--link".into(),
        "https://ev.contoso.com/autoconnect_mail.php?field1=AB12&field6=x".into(),
    ]);
    let r = go(a).ok();
    assert!(
        r.stderr
            .contains("warning: --link: the auto connection link is on ev.contoso.com"),
        "{}",
        r.stderr
    );
    // check-config agrees: OK with a warning, the folder given (defect 3).
    let r = run(&[
        "check-config",
        s(&site),
        "--contact",
        "sip:jdoe@contoso.com",
    ])
    .ok();
    assert!(
        r.stderr
            .contains("warning: config.json, field 'profiles.production.link'"),
        "{}",
        r.stderr
    );
    assert!(r.stdout.contains("OK, with 1 warning(s)"), "{}", r.stdout);
    assert!(
        r.stdout.contains("the page opens https://ev.contoso.com/autoconnect_mail.php?field1=AB12&field6=jdoe%40contoso.com"),
        "{}",
        r.stdout
    );
    // No site folder beside the program, and no --from.
    let elsewhere = tmp.0.join("elsewhere");
    let r = run(&[
        "init",
        "--site",
        s(&elsewhere),
        "--itsm-url",
        "https://contoso.easyvista.com",
    ]);
    if !Path::new(env!("CARGO_BIN_EXE_lync-quickcall"))
        .with_file_name("site")
        .exists()
    {
        r.failed(&["beside this program", "--from"]);
        assert!(!elsewhere.exists());
    }
}

#[test]
fn check_config_never_passes_a_broken_site() {
    let tmp = TempDir::new("check-config");
    let site = tmp.0.join("site");
    fake_site(&site);
    // The example as shipped: placeholders (defect 2), the folder accepted (defect 3).
    let r = run(&["check-config", s(&site)]).failed(&[
        "config.json, field 'itsm_url': https://companyname.easyvista.com is a placeholder",
        "config.json, field 'profiles.other-itsm.url': https://itsm.example/",
        "4 problem(s)",
    ]);
    assert!(!r.stdout.contains(": OK"), "{}", r.stdout);
    // An export config without the export (defect 1), the file given.
    let key = "iojj3XQJ8ZX9UtstPLpdcspnCb8dlBIb83SIAbQPb1w=";
    std::fs::write(
        site.join("config.json"),
        format!(
            r#"{{"itsm_url":"https://contoso.easyvista.com","profiles":{{"p":{{"method":"sso"}}}},
               "directory":{{"source":"export","public_keys":["{key}"]}}}}"#
        ),
    )
    .unwrap();
    run(&["check-config", s(&site.join("config.json"))]).failed(&[
        "manifest.json not found",
        "HTTP 404",
        "lync-quickcall export",
    ]);
    // A config that works, with no directory.
    std::fs::write(
        site.join("config.json"),
        r#"{"itsm_url":"https://contoso.easyvista.com","profiles":{"p":{"method":"sso"}}}"#,
    )
    .unwrap();
    let r = run(&[
        "check-config",
        s(&site),
        "--contact",
        "sip:John.Doe@contoso.com",
    ])
    .ok();
    assert!(
        r.stdout.contains("the page opens https://contoso.easyvista.com/sso_samlindexlync.php?do_quickcall=1&url_requestor=john.doe%40contoso.com"),
        "{}",
        r.stdout
    );
    // A folder without config.json says what it expected.
    run(&["check-config", s(&tmp.0)]).failed(&["config.json", "page's folder"]);
    // A contact the page would refuse.
    run(&["check-config", s(&site), "--contact", "javascript:alert(1)"]).failed(&["--contact"]);
}

#[test]
fn export_into_the_page_folder_warns() {
    let tmp = TempDir::new("export-out");
    let site = tmp.0.join("site");
    fake_site(&site);
    let key = tmp.0.join("export.key");
    run(&["keygen", "--out", s(&key)]).ok();
    let r = export_fixture(&key, &site).ok();
    let right = site.join("directory");
    for w in [
        &format!(
            "warning: --out {} holds index.html and config.json",
            s(&site)
        ),
        "HTTP 404",
        &format!("--out {} instead", s(&right)),
    ] {
        assert!(r.stderr.contains(w), "{w}\n{}", r.stderr);
    }
    // keygen never overwrites, and says how to get the public key again.
    run(&["keygen", "--out", s(&key)]).failed(&["already exists", "lync-quickcall public-key"]);
}

/// The commands of the README's first section and of INSTALL.txt: every subcommand and
/// option they use exists (`--help` lists it).
#[test]
fn the_documented_commands_exist() {
    let readme = std::fs::read_to_string(root().join("README.md")).unwrap();
    let start = readme
        .find("### First deployment in five commands")
        .expect("README has the first-deployment section");
    let section = &readme[start..];
    let section = &section[..section[4..].find("\n### ").map_or(section.len(), |i| i + 4)];
    let install = std::fs::read_to_string(root().join("xtask/release/INSTALL.txt")).unwrap();
    let mut checked = 0;
    for text in [section, install.as_str()] {
        // Continuation lines (PowerShell's backtick) are joined first.
        let joined = text.replace("`\n", " ").replace("`\r\n", " ");
        for line in joined.lines() {
            let Some(at) = [".\\lync-quickcall.exe ", "./lync-quickcall "]
                .iter()
                .find_map(|t| line.find(t).map(|i| i + t.len()))
            else {
                continue;
            };
            let mut words = line[at..].split_whitespace();
            let Some(sub) = words.next() else { continue };
            if !sub.chars().all(|c| c.is_ascii_lowercase() || c == '-') || sub.is_empty() {
                continue;
            }
            let help = run(&[sub, "--help"]);
            assert_eq!(help.code, 0, "`{sub}` in: {line}\n{}", help.stderr);
            for option in words.filter(|w| w.starts_with("--")) {
                let option = option.trim_end_matches([',', ')', '`', '.']);
                let option = option.split('=').next().unwrap();
                assert!(
                    help.stdout.contains(option),
                    "`{sub} {option}` (in: {line}) is not an option of {sub}"
                );
            }
            checked += 1;
        }
    }
    assert!(checked >= 8, "{checked} commands found");
    // The five steps.
    for n in 1..=5 {
        assert!(section.contains(&format!("\n{n}. ")), "step {n}");
    }
    assert!(!section.contains("\n6. "), "more than five steps");
}
