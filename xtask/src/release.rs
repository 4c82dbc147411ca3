//! `cargo xtask release`: the bundle an administrator downloads, as a folder and a zip.
//!
//! ```text
//! target/release-bundle/
//!   lync-quickcall-<version>/
//!     site/                  the page (`cargo xtask dist`): copied to the web server
//!     lync-quickcall.exe     the tool for Windows x64, statically linked
//!     lync-quickcall         the tool for Linux x86-64
//!     export-directory.ps1   the README's scheduled-task script, CRLF
//!     INSTALL.txt            the administrator's steps (xtask/release/INSTALL.txt), CRLF
//!     SHA256SUMS             every other file's SHA-256, as `sha256sum -c` reads it
//!   lync-quickcall-<version>.zip   the folder above, read back and compared once written
//! ```
//!
//! Both binaries are built as `cargo xtask` builds the tool (`--profile cli` with
//! [`crate::directory::CLI_RUSTFLAGS`]); the Windows one for [`WINDOWS_TARGET`],
//! linked by MinGW-w64's gcc (Debian's `gcc-mingw-w64-x86-64`). Rust links the MinGW
//! runtime (libgcc, the exception handling, winpthreads) statically for this target;
//! [`check_system_dlls`] makes sure that the .exe needs no DLL beside it.

use std::fs;
use std::io::{Read as _, Write as _};
use std::path::{Path, PathBuf};
use std::process::Command;

use anyhow::{bail, Context, Result};
use sha2::{Digest, Sha256};

use crate::cmd::{self, project_root, target_dir};
use crate::tools::{self, MINGW_GCC, MINGW_OBJDUMP, WINDOWS_TARGET};
use crate::{directory, dist};

/// The file name of the Windows tool in the bundle.
pub const WINDOWS_EXE: &str = "lync-quickcall.exe";
/// The file name of the Linux tool in the bundle.
const LINUX_BIN: &str = "lync-quickcall";
/// The page's folder in the bundle.
const SITE: &str = "site";
/// The checksum file.
const SUMS: &str = "SHA256SUMS";
/// The scheduled-task script, taken from the README.
const SCRIPT: &str = "export-directory.ps1";
/// The README line just before the script's code block.
const SCRIPT_MARKER: &str = "`cargo xtask release` copies this block into `export-directory.ps1`";

/// DLLs that every Windows since 8.1 / Server 2012 R2 has: the only ones the tool may
/// import (lower case), besides the `api-ms-win-*` API sets.
const SYSTEM_DLLS: [&str; 16] = [
    "kernel32.dll",
    "kernelbase.dll",
    "ntdll.dll",
    "advapi32.dll",
    "bcrypt.dll",
    "bcryptprimitives.dll",
    "crypt32.dll",
    "ncrypt.dll",
    "secur32.dll",
    "ws2_32.dll",
    "userenv.dll",
    "msvcrt.dll",
    "ucrtbase.dll",
    "user32.dll",
    "shell32.dll",
    "ole32.dll",
];

/// Builds the bundle and its zip (`cargo xtask release`).
pub fn run() -> Result<()> {
    let version = package_version(&read(&project_root().join("Cargo.toml"))?)?;
    let name = format!("lync-quickcall-{version}");
    let out = target_dir().join("release-bundle");
    let bundle = out.join(&name);
    let zip_path = out.join(format!("{name}.zip"));
    let started = std::time::Instant::now();

    let exe = windows_cli()?;
    let dlls = check_system_dlls(&exe)?;
    let linux = directory::cli(true)?;

    if bundle.exists() {
        fs::remove_dir_all(&bundle)
            .with_context(|| format!("cannot remove {}", bundle.display()))?;
    }
    fs::create_dir_all(&bundle).with_context(|| format!("cannot create {}", bundle.display()))?;
    dist::run(&bundle.join(SITE))?;
    copy(&exe, &bundle.join(WINDOWS_EXE))?;
    copy(&linux, &bundle.join(LINUX_BIN))?;
    let readme = read(&project_root().join("README.md"))?;
    write(&bundle.join(SCRIPT), &crlf(&readme_script(&readme)?))?;
    let install = read(&project_root().join("xtask/release/INSTALL.txt"))?;
    write(
        &bundle.join("INSTALL.txt"),
        &crlf(&install.replace("{version}", &version)),
    )?;
    write(&bundle.join(SUMS), &sha256sums(&bundle)?)?;

    write_zip(&bundle, &name, &zip_path)?;
    let entries = check_zip(&zip_path, &bundle, &name)?;
    let zip_size = fs::metadata(&zip_path)?.len();
    println!("\nrelease: {}", bundle.display());
    for (file, size) in [
        (WINDOWS_EXE, fs::metadata(bundle.join(WINDOWS_EXE))?.len()),
        (LINUX_BIN, fs::metadata(bundle.join(LINUX_BIN))?.len()),
    ] {
        println!("  {file:<22} {size:>9} bytes");
    }
    println!("  {WINDOWS_EXE} imports only: {}", dlls.join(", "));
    println!(
        "release: {} ({zip_size} bytes, {entries} entries, read back and compared) in {:.0} s",
        zip_path.display(),
        started.elapsed().as_secs_f64()
    );
    Ok(())
}

/// The `RUSTFLAGS` of an optimised build of the tool: the caller's, then
/// [`directory::CLI_RUSTFLAGS`].
fn cli_rustflags() -> String {
    match std::env::var("RUSTFLAGS") {
        Ok(mine) if !mine.trim().is_empty() => format!("{mine} {}", directory::CLI_RUSTFLAGS),
        _ => directory::CLI_RUSTFLAGS.to_string(),
    }
}

/// Builds the tool for Windows (installing the target and MinGW-w64 when missing), as
/// [`directory::cli`] builds it for this machine, and returns the .exe.
pub fn windows_cli() -> Result<PathBuf> {
    tools::for_windows()?;
    let mut build = cmd::cargo();
    build
        .args(["build", "-p", "lync-quickcall", "--bin", "lync-quickcall"])
        .args(["--profile", "cli", "--target", WINDOWS_TARGET])
        .env("RUSTFLAGS", cli_rustflags());
    // The linker rustc would pick anyway; named so the build does not depend on it.
    let linker = "CARGO_TARGET_X86_64_PC_WINDOWS_GNU_LINKER";
    if std::env::var_os(linker).is_none() {
        build.env(linker, MINGW_GCC);
    }
    cmd::run(&mut build)?;
    Ok(target_dir()
        .join(WINDOWS_TARGET)
        .join("cli")
        .join(WINDOWS_EXE))
}

/// The DLLs `exe` imports, from `objdump -p`.
pub fn imported_dlls(exe: &Path) -> Result<Vec<String>> {
    let text = cmd::output(Command::new(MINGW_OBJDUMP).arg("-p").arg(exe))?;
    let dlls = dll_names(&text);
    if dlls.is_empty() {
        bail!("`{MINGW_OBJDUMP} -p {}` lists no DLL", exe.display());
    }
    Ok(dlls)
}

/// The `DLL Name:` lines of `objdump -p`, lower case, sorted, without duplicates.
fn dll_names(objdump: &str) -> Vec<String> {
    let mut names: Vec<String> = objdump
        .lines()
        .filter_map(|l| l.trim().strip_prefix("DLL Name:"))
        .map(|n| n.trim().to_ascii_lowercase())
        .collect();
    names.sort();
    names.dedup();
    names
}

/// The DLLs of `dlls` that Windows does not have: MinGW's `libgcc_s_seh-1.dll`,
/// `libwinpthread-1.dll`, or anything else unknown.
fn non_system_dlls(dlls: &[String]) -> Vec<String> {
    dlls.iter()
        .filter(|d| !SYSTEM_DLLS.contains(&d.as_str()) && !d.starts_with("api-ms-win-"))
        .cloned()
        .collect()
}

/// Fails unless `exe` imports only DLLs of Windows itself; returns them.
pub fn check_system_dlls(exe: &Path) -> Result<Vec<String>> {
    let dlls = imported_dlls(exe)?;
    let foreign = non_system_dlls(&dlls);
    if !foreign.is_empty() {
        bail!(
            "{} needs DLLs that Windows does not have: {} (it imports {}); the MinGW runtime \
             must be linked statically",
            exe.display(),
            foreign.join(", "),
            dlls.join(", ")
        );
    }
    Ok(dlls)
}

/// The `version` of the `[package]` table of a Cargo.toml.
fn package_version(cargo_toml: &str) -> Result<String> {
    let mut in_package = false;
    for line in cargo_toml.lines().map(str::trim) {
        if line.starts_with('[') {
            in_package = line == "[package]";
        } else if in_package {
            if let Some(v) = line.strip_prefix("version") {
                if let Some(v) = v.trim_start().strip_prefix('=') {
                    return Ok(v.trim().trim_matches('"').to_string());
                }
            }
        }
    }
    bail!("Cargo.toml has no [package] version")
}

/// The scheduled-task script: the first PowerShell code block after the README's
/// "`cargo xtask release` copies this block into `export-directory.ps1`".
fn readme_script(readme: &str) -> Result<String> {
    let after = readme
        .find(SCRIPT_MARKER)
        .map(|i| &readme[i..])
        .with_context(|| format!("README.md has no line with {SCRIPT_MARKER}"))?;
    let mut lines = after.lines().skip_while(|l| l.trim() != "```powershell");
    if lines.next().is_none() {
        bail!("README.md has no ```powershell block after {SCRIPT_MARKER}");
    }
    let mut script = String::new();
    for line in lines {
        if line.trim() == "```" {
            if !script.contains("'lync-quickcall.exe'") || !script.contains("& $exe export") {
                bail!("the README's export-directory.ps1 does not run `lync-quickcall.exe export`");
            }
            return Ok(script);
        }
        script.push_str(line);
        script.push('\n');
    }
    bail!("the README's export-directory.ps1 block is not closed")
}

/// `text` with CRLF line ends (whatever it had), ending with one.
fn crlf(text: &str) -> String {
    let mut out = String::with_capacity(text.len() + text.len() / 20);
    for line in text.lines() {
        out.push_str(line);
        out.push_str("\r\n");
    }
    out
}

/// The files under `dir` (recursively), as sorted `/`-separated relative paths.
fn files(dir: &Path) -> Result<Vec<String>> {
    fn walk(root: &Path, rel: &str, out: &mut Vec<String>) -> Result<()> {
        let here = root.join(rel);
        for entry in
            fs::read_dir(&here).with_context(|| format!("cannot read {}", here.display()))?
        {
            let entry = entry?;
            let name = entry
                .file_name()
                .into_string()
                .map_err(|n| anyhow::anyhow!("{n:?} is not UTF-8"))?;
            let path = if rel.is_empty() {
                name
            } else {
                format!("{rel}/{name}")
            };
            let kind = entry.file_type()?;
            if kind.is_dir() {
                walk(root, &path, out)?;
            } else if kind.is_file() {
                out.push(path);
            } else {
                bail!("{} is not a plain file or folder", entry.path().display());
            }
        }
        Ok(())
    }
    let mut out = Vec::new();
    walk(dir, "", &mut out)?;
    out.sort();
    Ok(out)
}

/// `<sha256>  <path>` for every file under `dir` but [`SUMS`], as `sha256sum` writes.
fn sha256sums(dir: &Path) -> Result<String> {
    let mut out = String::new();
    for path in files(dir)?.into_iter().filter(|p| p != SUMS) {
        let bytes = fs::read(dir.join(&path))?;
        let hash: String = Sha256::digest(&bytes)
            .iter()
            .map(|b| format!("{b:02x}"))
            .collect();
        out.push_str(&format!("{hash}  {path}\n"));
    }
    Ok(out)
}

/// The Unix mode a file of the bundle gets in the zip.
fn unix_mode(path: &str) -> u32 {
    if path == LINUX_BIN {
        0o755
    } else {
        0o644
    }
}

/// Zips the folder `dir` as `top/...` into `zip_path` (written through a temporary
/// file). Entries are sorted and dated 1980-01-01, so the same files give the same zip.
fn write_zip(dir: &Path, top: &str, zip_path: &Path) -> Result<()> {
    use zip::write::SimpleFileOptions;
    let tmp = zip_path.with_extension("zip.tmp");
    let file =
        fs::File::create(&tmp).with_context(|| format!("cannot create {}", tmp.display()))?;
    let mut zip = zip::ZipWriter::new(file);
    let options = SimpleFileOptions::default()
        .compression_method(zip::CompressionMethod::Deflated)
        .last_modified_time(zip::DateTime::default());
    let mut folders: Vec<String> = Vec::new();
    for path in files(dir)? {
        let full = format!("{top}/{path}");
        // Each folder once, before its first file.
        let mut end = 0;
        while let Some(i) = full[end..].find('/') {
            end += i + 1;
            let folder = &full[..end];
            if !folders.iter().any(|f| f == folder) {
                zip.add_directory(folder, options.unix_permissions(0o755))?;
                folders.push(folder.to_string());
            }
        }
        zip.start_file(full.as_str(), options.unix_permissions(unix_mode(&path)))?;
        zip.write_all(&fs::read(dir.join(&path))?)?;
    }
    zip.finish()?.sync_all()?;
    fs::rename(&tmp, zip_path)
        .with_context(|| format!("cannot rename {} to {}", tmp.display(), zip_path.display()))
}

/// Reads `zip_path` back: every file of `dir` under `top/`, same bytes, same mode, and
/// nothing else. Returns the number of entries.
fn check_zip(zip_path: &Path, dir: &Path, top: &str) -> Result<usize> {
    let file = fs::File::open(zip_path)?;
    let mut zip = zip::ZipArchive::new(file)
        .with_context(|| format!("{} is not a readable zip", zip_path.display()))?;
    let mut seen = Vec::new();
    for i in 0..zip.len() {
        let mut entry = zip.by_index(i)?;
        if entry.is_dir() {
            continue;
        }
        let name = entry.name().to_string();
        let Some(path) = name.strip_prefix(&format!("{top}/")).map(str::to_string) else {
            bail!("{}: {name} is outside {top}/", zip_path.display());
        };
        let mut bytes = Vec::new();
        entry.read_to_end(&mut bytes)?;
        let on_disk = fs::read(dir.join(&path))
            .with_context(|| format!("{}: {name} is not in the bundle", zip_path.display()))?;
        if bytes != on_disk {
            bail!("{}: {name} differs from the bundle's", zip_path.display());
        }
        if entry.unix_mode().map(|m| m & 0o777) != Some(unix_mode(&path)) {
            bail!(
                "{}: {name} has mode {:?}",
                zip_path.display(),
                entry.unix_mode()
            );
        }
        seen.push(path);
    }
    seen.sort();
    if seen != files(dir)? {
        bail!(
            "{} does not hold every file of {}",
            zip_path.display(),
            dir.display()
        );
    }
    Ok(zip.len())
}

fn read(path: &Path) -> Result<String> {
    fs::read_to_string(path).with_context(|| format!("cannot read {}", path.display()))
}

fn write(path: &Path, text: &str) -> Result<()> {
    fs::write(path, text).with_context(|| format!("cannot write {}", path.display()))
}

fn copy(from: &Path, to: &Path) -> Result<()> {
    fs::copy(from, to)
        .map(drop)
        .with_context(|| format!("cannot copy {} to {}", from.display(), to.display()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn objdump_dll_names_are_read() {
        let text = "\
There is an import table in .idata at 0x1403b5000

The Import Tables (interpreted .idata section contents)
 vma:            Hint    Time      Forward  DLL       First
                 Table   Stamp     Chain    Name      Thunk
 003b5050       003b5230 00000000 00000000 003b6a24 003b5ca0

\tDLL Name: KERNEL32.dll
\tvma:  Hint/Ord Member-Name Bound-To
\t3b5ff8\t  282  CloseHandle

\tDLL Name: api-ms-win-core-synch-l1-2-0.dll
\tDLL Name: kernel32.dll
\tDLL Name: bcryptprimitives.dll
";
        let dlls = dll_names(text);
        assert_eq!(
            dlls,
            [
                "api-ms-win-core-synch-l1-2-0.dll",
                "bcryptprimitives.dll",
                "kernel32.dll"
            ]
        );
        assert!(non_system_dlls(&dlls).is_empty());
        let mingw = dll_names(
            "DLL Name: libgcc_s_seh-1.dll\nDLL Name: libwinpthread-1.dll\nDLL Name: ws2_32.dll\n",
        );
        assert_eq!(
            non_system_dlls(&mingw),
            ["libgcc_s_seh-1.dll", "libwinpthread-1.dll"]
        );
    }

    #[test]
    fn the_version_is_the_packages() {
        let toml = "[workspace]\nmembers = [\".\"]\n\n[package]\nname = \"x\"\n\
                    version = \"1.2.3\"\n\n[dependencies]\nversion = \"9\"\n";
        assert_eq!(package_version(toml).unwrap(), "1.2.3");
        assert!(package_version("[dependencies]\nversion = \"9\"\n").is_err());
        let ours = read(&project_root().join("Cargo.toml")).unwrap();
        assert!(package_version(&ours)
            .unwrap()
            .starts_with(|c: char| c.is_ascii_digit()));
    }

    #[test]
    fn the_readme_has_the_scheduled_script() {
        let readme = read(&project_root().join("README.md")).unwrap();
        let script = readme_script(&readme).unwrap();
        assert!(script.starts_with("# export-directory.ps1"), "{script}");
        // Windows PowerShell reads the parameters only when param() is the first statement.
        let first = script
            .lines()
            .find(|l| !l.trim_start().starts_with('#'))
            .unwrap();
        assert_eq!(first, "param(", "{script}");
        for w in [
            "[Parameter(Mandatory = $true)] [string] $Out",
            "[switch] $Register",
            "Export-Csv",
            "*> $log",
            "Register-ScheduledTask",
            "New-ScheduledTaskTrigger -Daily -At $At",
            "-UserId 'SYSTEM'",
        ] {
            assert!(script.contains(w), "{w}: {script}");
        }
        // It registers the task only after a successful export.
        let failed = script.find("if ($code -ne 0)").unwrap();
        assert!(failed < script.find("Register-ScheduledTask").unwrap());
        assert!(script.trim_end().ends_with("exit 0"), "{script}");
        assert!(!script.contains('\t'), "tabs: {script}");
        let windows = crlf(&script);
        assert_eq!(windows.matches("\r\n").count(), script.lines().count());
        assert!(!windows.replace("\r\n", "").contains(['\r', '\n']));
        assert!(readme_script(&format!("{SCRIPT_MARKER}:\n\n```powershell\nexit 1\n")).is_err());
    }

    #[test]
    fn crlf_normalises_any_line_end() {
        assert_eq!(crlf("a\nb\r\nc"), "a\r\nb\r\nc\r\n");
        assert_eq!(crlf(""), "");
    }

    #[test]
    fn install_txt_names_what_the_bundle_holds() {
        let text = read(&project_root().join("xtask/release/INSTALL.txt")).unwrap();
        assert!(text.starts_with("lync-quickcall {version}\n"));
        for name in [
            SITE,
            WINDOWS_EXE,
            LINUX_BIN,
            SCRIPT,
            SUMS,
            "README",
            "init --site",
            "-Register",
            "check https://",
            "reg --page-url",
        ] {
            assert!(text.contains(name), "{name}");
        }
        // Notepad on older Windows does not wrap: prose fits 80 columns, commands 100.
        for line in text.lines() {
            let command = [".\\", "powershell ", "--", "-Out "]
                .iter()
                .any(|c| line.trim_start().starts_with(c));
            assert!(
                line.chars().count() <= if command { 100 } else { 80 },
                "{line}"
            );
        }
    }

    #[test]
    fn bundles_zip_and_read_back() {
        let tmp = cmd::TempDir::new("release-test").unwrap();
        let dir = tmp.path().join("lync-quickcall-9.9.9");
        fs::create_dir_all(dir.join("site/directory")).unwrap();
        fs::write(dir.join("site/index.html"), "<!doctype html>").unwrap();
        fs::write(dir.join("site/directory/manifest.json"), "{}").unwrap();
        fs::write(dir.join(LINUX_BIN), b"\x7fELF").unwrap();
        fs::write(dir.join(WINDOWS_EXE), b"MZ").unwrap();
        let sums = sha256sums(&dir).unwrap();
        fs::write(dir.join(SUMS), &sums).unwrap();
        assert_eq!(sums.lines().count(), 4);
        // sha256("{}")
        let hash = "44136fa355b3678a1146ad16f7e8649e94fb4fc21fe77e8310c060f61caaff8a";
        assert!(sums.contains(&format!("{hash}  site/directory/manifest.json\n")));
        assert!(sums
            .lines()
            .all(|l| l.len() > 66 && l.as_bytes()[64..66] == *b"  "));
        let zip_path = tmp.path().join("b.zip");
        write_zip(&dir, "lync-quickcall-9.9.9", &zip_path).unwrap();
        // 5 files and 3 folders.
        assert_eq!(
            check_zip(&zip_path, &dir, "lync-quickcall-9.9.9").unwrap(),
            8
        );
        // The same files give the same zip.
        let first = fs::read(&zip_path).unwrap();
        write_zip(&dir, "lync-quickcall-9.9.9", &zip_path).unwrap();
        assert_eq!(fs::read(&zip_path).unwrap(), first);
        // A file added after zipping is noticed.
        fs::write(dir.join("extra.txt"), "x").unwrap();
        assert!(check_zip(&zip_path, &dir, "lync-quickcall-9.9.9").is_err());
    }
}
