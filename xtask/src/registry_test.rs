//! The registry round trip (a stage of `cargo xtask test`, alone with the hidden
//! `cargo xtask registry-test`): the files `lync-quickcall reg` writes are merged into a
//! real registry hive by another implementation of the `.reg` format, `hivexregedit`
//! (libhivex; Debian package `libwin-hivex-perl`, which [`tools::for_registry`] installs),
//! and every key and value is read back and compared, byte for byte, with what Windows
//! should store.
//!
//! For each client (`lync2010`, `lync2013`, `sfb2016`), with and without `--profile`, in a
//! fresh hive where the clients' `...\SessionManager\Apps` keys exist with another
//! vendor's command in them:
//!
//! 1. the `.reg` file is `regedit`'s format byte for byte: UTF-16LE with BOM, CRLF line
//!    ends, `Windows Registry Editor Version 5.00` first, a blank line after every key;
//! 2. merged, it adds exactly two keys (the 64-bit view and `Wow6432Node`) named by the
//!    expected GUID, each with exactly `Name`, `Path` (REG_SZ: UTF-16LE with its final
//!    NUL), `ApplicationType` 1, `SessionType` 0 (REG_DWORD) and `ExtensibleMenu`, and
//!    changes nothing else in the hive;
//! 3. merged again, it changes nothing (same GUID, same key);
//! 4. the `--uninstall` file, merged, gives back the hive as it was before, byte for byte
//!    in the export; merged again, it still does.
//!
//! Then two commands side by side (no `--profile`, and `--profile sandbox` with a label
//! that needs escaping and is not ASCII, and other `--menus`) on every client: twelve keys;
//! removing one leaves the other's six untouched. The `--format ps1` script is checked for
//! its encoding only (UTF-8 with BOM, CRLF): there is no PowerShell here to run it.
//!
//! Encoding: hivexregedit reads its input as bytes and splits lines at `\n`, so it cannot
//! read UTF-16LE (a parse error on line 1), and it stores each byte of a string as one
//! UTF-16 unit, so a UTF-8 file would spoil a label like `été`. Rather than convert the
//! file, the test has Perl decode it as written: hivexregedit runs under
//! `perl -Mopen=IN,:raw:encoding(UTF-16LE):crlf`, so the file it opens is read as
//! UTF-16LE with CRLF line ends (the BOM becomes a U+FEFF before the header line, which
//! its parser skips with that line). Only the seed file (ASCII) is read plainly.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::Command;

use anyhow::{bail, ensure, Context, Result};

use crate::cmd::{self, TempDir};
use crate::{directory, tools};

/// The hive's root, as `--prefix`: the hive plays the SOFTWARE hive.
const SOFTWARE: &str = r"HKEY_LOCAL_MACHINE\SOFTWARE";

/// The page given to `--page-url` (a folder), and the address the keys must hold.
const PAGE: &str = "https://intranet.contoso.com/quickcall/";
const INDEX: &str = "https://intranet.contoso.com/quickcall/index.html";

/// The GUIDs the keys must have, computed independently of the tool (Python:
/// `uuid.uuid5(uuid.UUID('01a170aa-e54b-4d85-aeca-99d8e18f2286'), INDEX + '\n' + profile)`).
const GUID_DEFAULT: &str = "{E36117E0-1ED7-58FB-929E-2AEBB3CD4441}";
const GUID_SANDBOX: &str = "{202B67DA-2CAE-5BFB-A6F5-EB78A9F27B57}";

/// `--client` names and the keys they write to under SOFTWARE (and Wow6432Node).
const CLIENTS: [(&str, &str); 3] = [
    ("lync2010", r"Microsoft\Communicator"),
    ("lync2013", r"Microsoft\Office\15.0\Lync"),
    ("sfb2016", r"Microsoft\Office\16.0\Lync"),
];

/// Another vendor's menu command, present before and after every test.
const OTHER_APP: &str = "{0E1D2C3B-4A59-4687-8796-A5B4C3D2E1F0}";

/// An empty registry hive (8,192 bytes, gzip then base64): hivex cannot create one, and
/// this keeps the test free of files outside the repository. The same bytes as the test
/// data `testdata/registry/minimal.hive` this project was given.
const EMPTY_HIVE_GZ_BASE64: &str = "\
H4sIAAAAAAACA+3Yu0oDQRQG4H8SF2HxskiKCBYrWbARa7vglQjBSIiCkErxEhaDRB9gSx/AxkKw8D20FCsfwQfw\
CVI4ztmZJa5JwFLw/5bZOWf490JIs9M7OTuFAmS837zdTz++Kmk9WFKHUgS2bqNqjjb2sYsNM1+jhw6OEaf1BS7N\
vIktbGPNZOpogf6qp8PVPn8FIiIiIiKi/+H8qNOF+77PZPsAUj9orbvxMsKl9bts7XlykNVOViduHvWsKTOiKNpr\
NlqNldrOgay9fGp9FQNyXeL2GxaUzBO30gTKXlsyo4AP+GlXxrzpVCFtPNmfWJTaL0ufDK2PyFfG5CsuX8VsLh8O\
8sHQunm7NG/f1ZuTs1+y2e9rY++byxbl9DOTvw9Qm+F/l4iIiIiIiH7vC4Ebji4AIAAA";

/// The SHA-256 of the empty hive.
const EMPTY_HIVE_SHA256: &str = "4d97a594c11e5b56a0e0370ee181b9c7c9493ac16b7e7fc2b4e1b0199b6085e1";

/// A registry value as the hive holds it: its type (1 REG_SZ, 4 REG_DWORD) and bytes.
type Data = (u32, Vec<u8>);
/// Every key of a hive (full name) with its values (name to data).
type Hive = BTreeMap<String, BTreeMap<String, Data>>;

/// Runs the round trip; fails on the first difference, saying what differs.
pub fn run() -> Result<()> {
    tools::for_registry()?;
    let hivex = cmd::which("hivexregedit").context(
        "hivexregedit is not installed, even after trying to install it: install the Debian package libwin-hivex-perl (apt-get install libwin-hivex-perl)",
    )?;
    ensure!(
        cmd::which("perl").is_some(),
        "perl is not on PATH (hivexregedit is a Perl program)"
    );
    let cli = directory::cli(false)?;
    let tmp = TempDir::new("registry")?;
    let t = RoundTrip {
        cli,
        hivex,
        dir: tmp.path().to_path_buf(),
    };
    let mut checked = 0;
    for (client, software_key) in CLIENTS {
        for profile in [None, Some("sandbox")] {
            checked += t.one_client(client, software_key, profile)?;
        }
    }
    checked += t.side_by_side()?;
    t.ps1_encoding()?;
    println!("registry round trip: {checked} keys checked value by value in hivex; all passed");
    Ok(())
}

/// The tool, hivexregedit and a scratch folder.
struct RoundTrip {
    cli: PathBuf,
    hivex: PathBuf,
    dir: PathBuf,
}

/// The `Path` value for `profile`.
fn path_value(profile: Option<&str>) -> String {
    match profile {
        Some(p) => format!("{INDEX}?profile={p}&userId=%user-id%;contactId=%contact-id%"),
        None => format!("{INDEX}?userId=%user-id%;contactId=%contact-id%"),
    }
}

/// A REG_SZ as Windows stores it: UTF-16LE with a final NUL.
fn reg_sz(s: &str) -> Data {
    let mut bytes = Vec::new();
    for unit in s.encode_utf16().chain([0]) {
        bytes.extend_from_slice(&unit.to_le_bytes());
    }
    (1, bytes)
}

/// A REG_DWORD.
fn reg_dword(n: u32) -> Data {
    (4, n.to_le_bytes().to_vec())
}

/// What a command's key must hold, exactly.
fn expected_values(name: &str, profile: Option<&str>, menus: &str) -> BTreeMap<String, Data> {
    BTreeMap::from([
        ("Name".to_string(), reg_sz(name)),
        ("Path".to_string(), reg_sz(&path_value(profile))),
        ("ApplicationType".to_string(), reg_dword(1)),
        ("SessionType".to_string(), reg_dword(0)),
        ("ExtensibleMenu".to_string(), reg_sz(menus)),
    ])
}

/// The two keys (64-bit view, Wow6432Node) of a command for a client.
fn keys(software_key: &str, guid: &str) -> [String; 2] {
    [
        format!(r"{SOFTWARE}\{software_key}\SessionManager\Apps\{guid}"),
        format!(r"{SOFTWARE}\Wow6432Node\{software_key}\SessionManager\Apps\{guid}"),
    ]
}

/// The empty hive's bytes.
fn empty_hive() -> Result<Vec<u8>> {
    use base64::Engine as _;
    use sha2::{Digest as _, Sha256};
    use std::io::Read as _;
    let gz = base64::engine::general_purpose::STANDARD
        .decode(EMPTY_HIVE_GZ_BASE64)
        .context("the embedded empty hive is not base64")?;
    let mut hive = Vec::new();
    flate2::read::GzDecoder::new(&gz[..])
        .read_to_end(&mut hive)
        .context("the embedded empty hive is not gzip")?;
    let hash: String = Sha256::digest(&hive)
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect();
    ensure!(
        hash == EMPTY_HIVE_SHA256 && hive.starts_with(b"regf"),
        "the embedded empty hive is damaged"
    );
    Ok(hive)
}

/// Checks that `bytes` are a `.reg` file as regedit writes them and returns its text.
fn check_reg_bytes(what: &str, bytes: &[u8]) -> Result<String> {
    ensure!(
        bytes.starts_with(&[0xFF, 0xFE]),
        "{what}: no UTF-16LE byte order mark (FF FE) at the start"
    );
    ensure!(bytes.len() % 2 == 0, "{what}: an odd number of bytes");
    let units: Vec<u16> = bytes[2..]
        .chunks_exact(2)
        .map(|p| u16::from_le_bytes([p[0], p[1]]))
        .collect();
    let text = String::from_utf16(&units).with_context(|| format!("{what}: not UTF-16LE"))?;
    check_crlf(what, &text)?;
    ensure!(
        text.starts_with("Windows Registry Editor Version 5.00\r\n\r\n"),
        "{what}: the first line is not 'Windows Registry Editor Version 5.00' followed by a blank line"
    );
    ensure!(
        text.ends_with("\r\n\r\n"),
        "{what}: the last key is not followed by a blank line"
    );
    let lines: Vec<&str> = text.split("\r\n").collect();
    for (i, line) in lines.iter().enumerate() {
        if line.starts_with('[') {
            ensure!(
                i > 0 && lines[i - 1].is_empty(),
                "{what}: no blank line before line {}: {line}",
                i + 1
            );
        }
    }
    Ok(text)
}

/// Checks that every line of `text` ends with CRLF, and nothing else breaks lines.
fn check_crlf(what: &str, text: &str) -> Result<()> {
    ensure!(text.ends_with("\r\n"), "{what}: the last line has no CRLF");
    ensure!(
        !text.replace("\r\n", "").contains(['\r', '\n']),
        "{what}: a line ends with a lone CR or LF instead of CRLF"
    );
    Ok(())
}

/// Reads `hivexregedit --export` output: every key with its values.
fn parse_export(text: &str) -> Result<Hive> {
    let mut hive = Hive::new();
    let mut current: Option<String> = None;
    for (i, line) in text.lines().enumerate() {
        let bad = || format!("hivexregedit --export, line {}: {line}", i + 1);
        if line.is_empty() || line.starts_with("Windows Registry Editor") {
            continue;
        }
        if let Some(name) = line.strip_prefix('[').and_then(|l| l.strip_suffix(']')) {
            hive.entry(name.to_string()).or_default();
            current = Some(name.to_string());
            continue;
        }
        let key = current.as_ref().with_context(bad)?;
        let (name, data) = if let Some(rest) = line.strip_prefix("@=") {
            (String::new(), rest)
        } else {
            let rest = line.strip_prefix('"').with_context(bad)?;
            // The name, with \\ and \" unescaped, up to the closing quote.
            let mut name = String::new();
            let mut chars = rest.char_indices();
            let mut end = None;
            while let Some((j, c)) = chars.next() {
                match c {
                    '\\' => name.extend(chars.next().map(|(_, c)| c)),
                    '"' => {
                        end = Some(j);
                        break;
                    }
                    c => name.push(c),
                }
            }
            let end = end.with_context(bad)?;
            let data = rest[end + 1..].strip_prefix('=').with_context(bad)?;
            (name, data)
        };
        let value = if let Some(hex) = data.strip_prefix("dword:") {
            reg_dword(u32::from_str_radix(hex, 16).with_context(bad)?)
        } else if let Some(rest) = data.strip_prefix("hex(") {
            let (kind, hex) = rest.split_once("):").with_context(bad)?;
            let kind = u32::from_str_radix(kind, 16).with_context(bad)?;
            let bytes = if hex.is_empty() {
                Vec::new()
            } else {
                hex.split(',')
                    .map(|b| u8::from_str_radix(b, 16))
                    .collect::<Result<_, _>>()
                    .with_context(bad)?
            };
            (kind, bytes)
        } else {
            bail!("{}", bad());
        };
        hive.get_mut(key).with_context(bad)?.insert(name, value);
    }
    Ok(hive)
}

/// A value for messages: `REG_SZ "text"` (when it is UTF-16LE ending with NUL),
/// `REG_DWORD n`, else the type and bytes.
fn describe((kind, bytes): &Data) -> String {
    let units: Vec<u16> = bytes
        .chunks_exact(2)
        .map(|p| u16::from_le_bytes([p[0], p[1]]))
        .collect();
    match (kind, units.split_last()) {
        (1, Some((0, text))) if bytes.len() % 2 == 0 => match String::from_utf16(text) {
            Ok(text) => format!("REG_SZ {text:?}"),
            Err(_) => format!("REG_SZ (not UTF-16) {bytes:02x?}"),
        },
        (4, _) if bytes.len() == 4 => {
            format!(
                "REG_DWORD {}",
                u32::from_le_bytes([bytes[0], bytes[1], bytes[2], bytes[3]])
            )
        }
        _ => format!("type {kind} {bytes:02x?}"),
    }
}

/// The differences between two hives, one line each (empty when equal).
fn differences(got: &Hive, want: &Hive) -> Vec<String> {
    let mut out = Vec::new();
    for (key, values) in want {
        match got.get(key) {
            None => out.push(format!("missing key [{key}]")),
            Some(got_values) => {
                for (name, data) in values {
                    match got_values.get(name) {
                        None => out.push(format!("[{key}] has no value {name:?}")),
                        Some(got) if got != data => out.push(format!(
                            "[{key}] {name:?} is {}, expected {}",
                            describe(got),
                            describe(data)
                        )),
                        Some(_) => {}
                    }
                }
                for name in got_values.keys().filter(|n| !values.contains_key(*n)) {
                    out.push(format!("[{key}] has an unexpected value {name:?}"));
                }
            }
        }
    }
    for key in got.keys().filter(|k| !want.contains_key(*k)) {
        out.push(format!("unexpected key [{key}]"));
    }
    out
}

impl RoundTrip {
    /// A fresh copy of the empty hive named `name`, seeded with the clients'
    /// `...\SessionManager\Apps` keys (hivex creates no missing parent keys; regedit
    /// would) and another vendor's command in each; returns it and its export.
    fn seeded_hive(&self, name: &str) -> Result<(PathBuf, Hive)> {
        let hive = self.dir.join(format!("{name}.hive"));
        std::fs::write(&hive, empty_hive()?)
            .with_context(|| format!("cannot write {}", hive.display()))?;
        let mut seed = String::from("Windows Registry Editor Version 5.00\n\n");
        let mut made = Vec::new();
        for (_, software_key) in CLIENTS {
            for view in ["", r"Wow6432Node\"] {
                let apps = format!(r"{view}{software_key}\SessionManager\Apps");
                let mut path = String::new();
                for part in apps.split('\\') {
                    path = if path.is_empty() {
                        part.to_string()
                    } else {
                        format!(r"{path}\{part}")
                    };
                    if !made.contains(&path) {
                        seed.push_str(&format!("[{SOFTWARE}\\{path}]\n\n"));
                        made.push(path.clone());
                    }
                }
                seed.push_str(&format!(
                    "[{SOFTWARE}\\{apps}\\{OTHER_APP}]\n\"Name\"=\"Another vendor's command\"\n\"ApplicationType\"=dword:00000000\n\n"
                ));
            }
        }
        let seed_file = self.dir.join(format!("{name}-seed.reg"));
        std::fs::write(&seed_file, seed)?;
        self.merge(&hive, &seed_file, false)?;
        let before = self.export(&hive)?;
        let other = format!(r"{SOFTWARE}\Microsoft\Communicator\SessionManager\Apps\{OTHER_APP}");
        ensure!(
            before.get(&other).is_some_and(|v| v.len() == 2),
            "the seeded hive lacks [{other}]"
        );
        Ok((hive, before))
    }

    /// Merges `reg` into `hive` with hivexregedit: as UTF-16LE (what the tool writes,
    /// decoded by Perl, see the module documentation) or as plain bytes.
    fn merge(&self, hive: &Path, reg: &Path, utf16: bool) -> Result<()> {
        let mut merge = Command::new("perl");
        if utf16 {
            merge.arg("-Mopen=IN,:raw:encoding(UTF-16LE):crlf");
        }
        merge
            .arg(&self.hivex)
            .args(["--merge", "--prefix", SOFTWARE])
            .arg(hive)
            .arg(reg);
        cmd::output(&mut merge).map(drop)
    }

    /// Every key and value of `hive`.
    fn export(&self, hive: &Path) -> Result<Hive> {
        let text = cmd::output(
            Command::new(&self.hivex)
                .args(["--export", "--prefix", SOFTWARE])
                .arg(hive)
                .arg(r"\"),
        )?;
        parse_export(&text)
    }

    /// Runs `lync-quickcall reg ARGS --out FILE` (FILE in the scratch folder), checks the
    /// file's bytes as a `.reg` file and returns its path.
    fn reg(&self, file: &str, args: &[&str]) -> Result<PathBuf> {
        let out = self.dir.join(file);
        let mut reg = Command::new(&self.cli);
        reg.arg("reg").args(args).arg("--out").arg(&out);
        cmd::output(&mut reg)?;
        let bytes =
            std::fs::read(&out).with_context(|| format!("cannot read {}", out.display()))?;
        check_reg_bytes(file, &bytes)?;
        Ok(out)
    }

    /// Merges `reg` into `hive` and checks that the hive is then exactly `want`.
    fn merge_and_compare(&self, hive: &Path, reg: &Path, want: &Hive, what: &str) -> Result<()> {
        self.merge(hive, reg, true)?;
        let got = self.export(hive)?;
        let diff = differences(&got, want);
        if !diff.is_empty() {
            bail!(
                "{what}: the hive is not as intended after merging {}:\n  {}",
                reg.display(),
                diff.join("\n  ")
            );
        }
        Ok(())
    }

    /// Install, install again, uninstall, uninstall again, for one client; returns the
    /// number of keys checked.
    fn one_client(&self, client: &str, software_key: &str, profile: Option<&str>) -> Result<usize> {
        let label = format!(
            "{client}{}",
            profile.map(|p| format!("-{p}")).unwrap_or_default()
        );
        let what = format!(
            "--client {client}{}",
            profile
                .map(|p| format!(" --profile {p}"))
                .unwrap_or_default()
        );
        let (hive, before) = self.seeded_hive(&label)?;
        let mut args = vec!["--page-url", PAGE, "--client", client];
        if let Some(p) = profile {
            args.extend(["--profile", p]);
        }
        let install = self.reg(&format!("{label}.reg"), &args)?;
        args.push("--uninstall");
        let uninstall = self.reg(&format!("{label}-uninstall.reg"), &args)?;

        let (guid, name) = match profile {
            Some(p) => (GUID_SANDBOX, format!("EasyVista Quick Call ({p})")),
            None => (GUID_DEFAULT, "EasyVista Quick Call".to_string()),
        };
        let values = expected_values(
            &name,
            profile,
            "MainWindowRightClick;ConversationWindowRightClick;ContactCardMenu",
        );
        let mut after = before.clone();
        for key in keys(software_key, guid) {
            after.insert(key, values.clone());
        }
        self.merge_and_compare(&hive, &install, &after, &what)?;
        self.merge_and_compare(&hive, &install, &after, &format!("{what}, merged twice"))?;
        self.merge_and_compare(&hive, &uninstall, &before, &format!("{what} --uninstall"))?;
        self.merge_and_compare(
            &hive,
            &uninstall,
            &before,
            &format!("{what} --uninstall, merged twice"),
        )?;
        println!(
            "registry: {what}: 2 keys {guid} with exactly the 5 intended values, nothing else changed; merged twice, the same; --uninstall restores the hive"
        );
        Ok(2)
    }

    /// Two commands side by side on every client, then removed one after the other;
    /// returns the number of keys checked.
    fn side_by_side(&self) -> Result<usize> {
        let (hive, before) = self.seeded_hive("side-by-side")?;
        let label = "Appel \"rapide\" \\ été ✓";
        let default = self.reg("default.reg", &["--page-url", PAGE])?;
        let sandbox_args = [
            "--page-url",
            INDEX,
            "--profile",
            "sandbox",
            "--name",
            label,
            "--menus",
            "ContactCardMenu,MainWindowActions",
        ];
        let sandbox = self.reg("sandbox.reg", &sandbox_args)?;
        let default_uninstall = self.reg(
            "default-uninstall.reg",
            &["--page-url", PAGE, "--uninstall"],
        )?;
        let mut uninstall_args = sandbox_args.to_vec();
        uninstall_args.push("--uninstall");
        let sandbox_uninstall = self.reg("sandbox-uninstall.reg", &uninstall_args)?;

        let default_values = expected_values(
            "EasyVista Quick Call",
            None,
            "MainWindowRightClick;ConversationWindowRightClick;ContactCardMenu",
        );
        let sandbox_values =
            expected_values(label, Some("sandbox"), "ContactCardMenu;MainWindowActions");
        let mut only_sandbox = before.clone();
        for (_, software_key) in CLIENTS {
            for key in keys(software_key, GUID_SANDBOX) {
                only_sandbox.insert(key, sandbox_values.clone());
            }
        }
        let mut both = only_sandbox.clone();
        for (_, software_key) in CLIENTS {
            for key in keys(software_key, GUID_DEFAULT) {
                both.insert(key, default_values.clone());
            }
        }
        let mut only_default = before.clone();
        only_default.extend(
            both.iter()
                .filter(|(k, _)| k.ends_with(GUID_DEFAULT))
                .map(|(k, v)| (k.clone(), v.clone())),
        );
        self.merge_and_compare(&hive, &default, &only_default, "every client, no profile")?;
        self.merge_and_compare(&hive, &sandbox, &both, "every client, two profiles")?;
        self.merge_and_compare(
            &hive,
            &default_uninstall,
            &only_sandbox,
            "every client, the default profile's command removed",
        )?;
        self.merge_and_compare(
            &hive,
            &sandbox_uninstall,
            &before,
            "every client, both commands removed",
        )?;
        println!(
            "registry: every client, two profiles side by side: 12 keys, a UTF-16 label with \" and \\ stored exactly; each --uninstall removes its own 6 keys only"
        );
        Ok(12)
    }

    /// The PowerShell script's encoding (it cannot be run here).
    fn ps1_encoding(&self) -> Result<()> {
        let out = self.dir.join("quickcall.ps1");
        cmd::output(
            Command::new(&self.cli)
                .args(["reg", "--page-url", PAGE, "--out"])
                .arg(&out),
        )?;
        let bytes = std::fs::read(&out)?;
        let text = bytes
            .strip_prefix(&[0xEF, 0xBB, 0xBF])
            .context("quickcall.ps1: no UTF-8 byte order mark")?;
        let text = std::str::from_utf8(text).context("quickcall.ps1: not UTF-8")?;
        check_crlf("quickcall.ps1", text)?;
        ensure!(
            text.contains("\r\n$ErrorActionPreference = 'Stop'\r\n")
                && text.matches("New-Item -Path $key -Force").count() == 6,
            "quickcall.ps1 does not set $ErrorActionPreference or write 6 keys:\n{text}"
        );
        println!("registry: --format ps1 (from the .ps1 extension): UTF-8 with BOM, CRLF, 6 keys (not run: no PowerShell here)");
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_embedded_hive_is_intact() {
        let hive = empty_hive().unwrap();
        assert_eq!(hive.len(), 8192);
    }

    #[test]
    fn reads_hivex_exports() {
        let text = "Windows Registry Editor Version 5.00\n\n[HKEY_LOCAL_MACHINE\\SOFTWARE\\]\n\n[HKEY_LOCAL_MACHINE\\SOFTWARE\\A]\n\"D\"=dword:0000000a\n\"N \\\"q\\\" \\\\\"=hex(1):41,00,00,00\n@=hex(3):\n\n";
        let hive = parse_export(text).unwrap();
        assert_eq!(hive.len(), 2);
        let a = &hive[r"HKEY_LOCAL_MACHINE\SOFTWARE\A"];
        assert_eq!(a["D"], reg_dword(10));
        assert_eq!(a[r#"N "q" \"#], reg_sz("A"));
        assert_eq!(a[""], (3, Vec::new()));
        assert!(parse_export("\"x\"=dword:00000001\n").is_err());
        assert!(parse_export("[K]\n\"x\"=str:\"y\"\n").is_err());
    }

    #[test]
    fn checks_reg_bytes() {
        let encode = |s: &str| -> Vec<u8> {
            let mut b = vec![0xFF, 0xFE];
            for u in s.encode_utf16() {
                b.extend_from_slice(&u.to_le_bytes());
            }
            b
        };
        let good =
            "Windows Registry Editor Version 5.00\r\n\r\n[K]\r\n\"a\"=\"b\"\r\n\r\n[L]\r\n\r\n";
        assert_eq!(check_reg_bytes("t", &encode(good)).unwrap(), good);
        for bad in [
            "Windows Registry Editor Version 5.00\n\n[K]\n\n",
            "Windows Registry Editor Version 5.00\r\n\r\n[K]\r\n[L]\r\n\r\n",
            "REGEDIT4\r\n\r\n[K]\r\n\r\n",
            "Windows Registry Editor Version 5.00\r\n\r\n[K]\r\n",
        ] {
            assert!(check_reg_bytes("t", &encode(bad)).is_err(), "{bad:?}");
        }
        assert!(check_reg_bytes("t", good.as_bytes()).is_err());
    }

    #[test]
    fn compares_hives() {
        let want = Hive::from([(
            "K".to_string(),
            BTreeMap::from([("a".to_string(), reg_dword(1))]),
        )]);
        assert!(differences(&want, &want).is_empty());
        let mut got = want.clone();
        got.insert("L".into(), BTreeMap::new());
        assert_eq!(differences(&got, &want), ["unexpected key [L]"]);
        assert_eq!(differences(&Hive::new(), &want), ["missing key [K]"]);
        let mut got = want.clone();
        got.get_mut("K").unwrap().insert("a".into(), reg_sz("x\\"));
        got.get_mut("K").unwrap().insert("b".into(), reg_dword(0));
        assert_eq!(
            differences(&got, &want),
            [
                r#"[K] "a" is REG_SZ "x\\", expected REG_DWORD 1"#,
                r#"[K] has an unexpected value "b""#
            ]
        );
        assert_eq!(describe(&(3, vec![1, 2])), "type 3 [01, 02]");
    }
}
