//! `lync-quickcall reg`: writes the registry entry that adds the quick call command to
//! the Lync / Skype for Business menus, as a `.reg` file or a PowerShell script.
//!
//! The keys, values and texts come from [`lync_quickcall::registry`]; this module reads
//! the command line and writes the bytes: to `--out` through a temporary file in the same
//! folder renamed over the target (never a half-written file), or to standard output.

use std::io::{IsTerminal as _, Write as _};
use std::path::{Path, PathBuf};

use anyhow::{bail, Context as _};
use lync_quickcall::registry::{Action, Client, Format, Menu, MenuCommand, Plan};

/// Options of `reg`.
#[derive(clap::Args, Debug)]
#[command(after_help = "\
Examples:
  lync-quickcall reg --page-url https://intranet/quickcall/ --out quickcall.reg
  lync-quickcall reg --page-url https://intranet/quickcall/ --profile sandbox --client sfb2016 --out quickcall-sandbox.reg
  lync-quickcall reg --page-url https://intranet/quickcall/ --profile sandbox --uninstall --out remove-quickcall-sandbox.reg
  lync-quickcall reg --page-url https://intranet/quickcall/ --format ps1 --out quickcall.ps1

The same --page-url and --profile always give the same key ({GUID}), so running it again
replaces the command, each profile gets a command of its own, and --uninstall removes exactly
what was added. Import the .reg file as an administrator (reg import quickcall.reg); a GPO does
not apply a .reg file by itself: push it with Group Policy Preferences (Registry items) or reg
import in a computer startup script (a logon script cannot write HKEY_LOCAL_MACHINE). Then
restart Lync / Skype for Business. The command opens the default browser, which must not be
Internet Explorer.

What Lync puts in the link: %contact-id% is Contacts=<sip:john.doe@contoso.com> (several:
Contacts=<sip:a@x>,<tel:+33...>,<sip:b@x>), %user-id% is sip:<the technician>. To try a link
by hand: <page>/index.html?userId=sip:tech@contoso.com;contactId=Contacts=<sip:john.doe@contoso.com>")]
pub struct Args {
    /// The page's address: the folder that holds index.html, ending with '/', or
    /// index.html itself (https://, or http://; no '?' or '#').
    #[arg(long, value_name = "URL")]
    pub page_url: String,
    /// The config.json profile the command opens (added to the link as profile=NAME);
    /// without it, config.json's default profile. Run once per profile for several
    /// commands.
    #[arg(long, value_name = "NAME")]
    pub profile: Option<String>,
    /// The menu label [default: "EasyVista Quick Call", followed by " (NAME)" with
    /// --profile].
    #[arg(long, value_name = "LABEL")]
    pub name: Option<String>,
    /// Where the command appears, separated by commas: MainWindowActions,
    /// MainWindowRightClick, ConversationWindowActions, ConversationWindowRightClick,
    /// ContactCardMenu [default: MainWindowRightClick,ConversationWindowRightClick,ContactCardMenu].
    #[arg(long, value_name = "LIST")]
    pub menus: Option<String>,
    /// The client to add it to; repeat the option for several [default: all]. Each is
    /// written in the 64-bit view and under Wow6432Node (32-bit clients).
    #[arg(long = "client", value_name = "CLIENT", value_enum)]
    pub clients: Vec<ClientArg>,
    /// Write what removes the command instead (give the same --page-url and --profile as
    /// when adding it).
    #[arg(long)]
    pub uninstall: bool,
    /// The file format [default: from the --out extension, else reg].
    #[arg(long, value_name = "FORMAT", value_enum)]
    pub format: Option<FormatArg>,
    /// The file to write (replaced whole, never left half-written); without it, standard
    /// output. In PowerShell prefer --out to '>', which re-encodes what programs print.
    #[arg(long, value_name = "FILE")]
    pub out: Option<PathBuf>,
}

/// `--client`.
#[derive(clap::ValueEnum, Clone, Copy, Debug, PartialEq, Eq)]
pub enum ClientArg {
    /// Lync 2010.
    Lync2010,
    /// Lync 2013 and Skype for Business 2015.
    Lync2013,
    /// Skype for Business 2016 and 2019.
    Sfb2016,
    /// All three.
    All,
}

/// `--format`.
#[derive(clap::ValueEnum, Clone, Copy, Debug, PartialEq, Eq)]
pub enum FormatArg {
    /// A .reg file for regedit and reg import (UTF-16, as regedit writes them).
    Reg,
    /// A Windows PowerShell 5.1 script (New-Item, New-ItemProperty).
    Ps1,
}

impl From<FormatArg> for Format {
    fn from(f: FormatArg) -> Format {
        match f {
            FormatArg::Reg => Format::Reg,
            FormatArg::Ps1 => Format::Ps1,
        }
    }
}

/// The clients `--client` chose (none: all).
fn clients(args: &[ClientArg]) -> Vec<Client> {
    if args.is_empty() || args.contains(&ClientArg::All) {
        return Client::ALL.to_vec();
    }
    args.iter()
        .map(|c| match c {
            ClientArg::Lync2010 => Client::Lync2010,
            ClientArg::Lync2013 => Client::Lync2013,
            ClientArg::Sfb2016 | ClientArg::All => Client::Sfb2016,
        })
        .collect()
}

/// The output format: `--format`, else the extension of `--out`, else `.reg`. A `--format`
/// that contradicts a `.reg` or `.ps1` extension is an error (a `.ps1` file holding a
/// registry export would fail in confusing ways).
fn format(args: &Args) -> anyhow::Result<Format> {
    let extension = args
        .out
        .as_deref()
        .and_then(Path::extension)
        .and_then(|e| e.to_str())
        .map(str::to_ascii_lowercase);
    let by_extension = match extension.as_deref() {
        Some("reg") => Some(Format::Reg),
        Some("ps1") => Some(Format::Ps1),
        _ => None,
    };
    match (args.format.map(Format::from), by_extension) {
        (Some(given), Some(ext)) if given != ext => {
            let out = args.out.as_deref().unwrap_or(Path::new("")).display();
            bail!(
                "--out '{out}' ends with .{} but --format is {}: name the file .{} or give --format {}",
                ext.extension(),
                given.extension(),
                given.extension(),
                ext.extension()
            )
        }
        (Some(given), _) => Ok(given),
        (None, Some(ext)) => Ok(ext),
        (None, None) => Ok(Format::Reg),
    }
}

/// Builds the plan the options describe.
fn plan(args: &Args) -> anyhow::Result<Plan> {
    let menus = match &args.menus {
        Some(list) => Menu::parse_list(list)?,
        None => Vec::new(),
    };
    let command = MenuCommand::new(
        &args.page_url,
        args.profile.as_deref(),
        args.name.as_deref(),
        &menus,
    )?;
    let action = if args.uninstall {
        Action::Uninstall
    } else {
        Action::Install
    };
    Ok(Plan::new(command, &clients(&args.clients), action))
}

/// Writes `bytes` to `path` whole or not at all: into a new temporary file in the same
/// folder, flushed to disk, then renamed over `path` (which it replaces, on Windows too).
fn write_atomically(path: &Path, bytes: &[u8]) -> anyhow::Result<()> {
    let shown = path.display();
    if path.is_dir() {
        bail!("--out '{shown}' is a folder: give a file name, e.g. quickcall.reg");
    }
    let Some(file_name) = path.file_name() else {
        bail!("--out '{shown}' is not a file name: give one, e.g. quickcall.reg");
    };
    let folder = match path.parent() {
        Some(p) if !p.as_os_str().is_empty() => p,
        _ => Path::new("."),
    };
    if !folder.is_dir() {
        bail!(
            "--out '{shown}': the folder {} does not exist",
            folder.display()
        );
    }
    let tmp = folder.join(format!(
        ".{}.{}.tmp",
        file_name.to_string_lossy(),
        std::process::id()
    ));
    let written = (|| -> std::io::Result<()> {
        let mut file = std::fs::OpenOptions::new()
            .write(true)
            .create_new(true)
            .open(&tmp)?;
        file.write_all(bytes)?;
        file.sync_all()?;
        drop(file);
        std::fs::rename(&tmp, path)
    })();
    if let Err(e) = written {
        // Best effort: the temporary file may not even exist.
        let _ = std::fs::remove_file(&tmp);
        return Err(e).with_context(|| format!("cannot write --out '{shown}'"));
    }
    Ok(())
}

/// Runs `reg`: checks the options, renders the file and writes it.
pub fn run(args: &Args) -> anyhow::Result<()> {
    let format = format(args)?;
    let plan = plan(args)?;
    let bytes = plan.render(format);
    let what = match plan.action {
        Action::Install => "adds",
        Action::Uninstall => "removes",
    };
    let Some(out) = &args.out else {
        let mut stdout = std::io::stdout().lock();
        if stdout.is_terminal() {
            // A console shows text, not UTF-16 (and Windows consoles refuse bytes that
            // are not UTF-8): show the text, and say how to get the file.
            let text = match format {
                Format::Reg => plan.reg_text(),
                Format::Ps1 => plan.ps1_text(),
            };
            stdout.write_all(text.as_bytes())?;
            stdout.flush()?;
            eprintln!(
                "(shown as text; to write the .{} file, add --out FILE)",
                format.extension()
            );
        } else {
            stdout.write_all(&bytes)?;
            stdout.flush()?;
        }
        return Ok(());
    };
    write_atomically(out, &bytes)?;
    println!(
        "Wrote {}: {what} the command \"{}\" ({} keys, {}) for {}",
        out.display(),
        plan.command.name(),
        plan.keys.len(),
        plan.command.guid(),
        plan.clients
            .iter()
            .map(|c| c.product())
            .collect::<Vec<_>>()
            .join(", ")
    );
    match format {
        Format::Reg => println!(
            "Import it as an administrator (reg import \"{}\"). A GPO does not apply a .reg file \
             by itself: push it with Group Policy Preferences (Registry items; import it on one \
             computer, then use the Registry Wizard) or reg import in a computer startup script \
             (a logon script cannot write HKEY_LOCAL_MACHINE). Then restart Lync / Skype for \
             Business. The command opens the default browser: Edge, Chrome or Firefox, not \
             Internet Explorer.",
            out.display()
        ),
        Format::Ps1 => println!(
            "Run it in an elevated 64-bit Windows PowerShell (powershell -ExecutionPolicy Bypass -File \"{}\") or in a computer startup script of a GPO, then restart Lync / Skype for Business.",
            out.display()
        ),
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap::Parser;

    #[derive(Parser)]
    struct Cli {
        #[command(flatten)]
        args: Args,
    }

    fn args(line: &str) -> Result<Args, String> {
        let words = std::iter::once("reg").chain(line.split_whitespace());
        Cli::try_parse_from(words)
            .map(|c| c.args)
            .map_err(|e| e.to_string())
    }

    fn temp_dir(label: &str) -> PathBuf {
        use std::sync::atomic::{AtomicUsize, Ordering};
        static N: AtomicUsize = AtomicUsize::new(0);
        let dir = std::env::temp_dir().join(format!(
            "lync-quickcall-reg-{label}-{}-{}",
            std::process::id(),
            N.fetch_add(1, Ordering::Relaxed)
        ));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap();
        dir
    }

    #[test]
    fn parses_the_options() {
        let a = args("--page-url https://intranet/quickcall/").unwrap();
        assert_eq!(clients(&a.clients), Client::ALL);
        assert_eq!(format(&a).unwrap(), Format::Reg);
        let p = plan(&a).unwrap();
        assert_eq!(p.action, Action::Install);
        assert_eq!(p.keys.len(), 6);

        let a = args(
            "--page-url https://intranet/quickcall/index.html --profile sandbox --client sfb2016 --client lync2010 --uninstall --menus ContactCardMenu --name X",
        )
        .unwrap();
        assert_eq!(clients(&a.clients), [Client::Sfb2016, Client::Lync2010]);
        let p = plan(&a).unwrap();
        assert_eq!(p.action, Action::Uninstall);
        assert_eq!(p.clients, [Client::Lync2010, Client::Sfb2016]);
        assert_eq!(p.command.profile(), Some("sandbox"));
        assert_eq!(p.command.name(), "X");

        let a = args("--page-url https://x/ --client all --client lync2013").unwrap();
        assert_eq!(clients(&a.clients), Client::ALL);

        assert!(args("").unwrap_err().contains("--page-url"));
        assert!(args("--page-url https://x/ --client lync2016")
            .unwrap_err()
            .contains("lync2016"));
        assert!(args("--page-url https://x/ --format txt").is_err());
    }

    #[test]
    fn errors_name_the_option() {
        for (line, start) in [
            ("--page-url https://x/q", "--page-url 'https://x/q'"),
            ("--page-url https://x/ --profile a/b", "--profile 'a/b'"),
            ("--page-url https://x/ --menus Foo", "--menus 'Foo'"),
        ] {
            let e = plan(&args(line).unwrap()).unwrap_err().to_string();
            assert!(e.starts_with(start), "{line}: {e}");
        }
    }

    #[test]
    fn the_format_follows_the_out_extension() {
        let f = |line: &str| format(&args(line).unwrap());
        assert_eq!(f("--page-url https://x/ --out a.ps1").unwrap(), Format::Ps1);
        assert_eq!(f("--page-url https://x/ --out A.PS1").unwrap(), Format::Ps1);
        assert_eq!(f("--page-url https://x/ --out a.reg").unwrap(), Format::Reg);
        assert_eq!(f("--page-url https://x/ --out a.txt").unwrap(), Format::Reg);
        assert_eq!(
            f("--page-url https://x/ --out a.txt --format ps1").unwrap(),
            Format::Ps1
        );
        let e = f("--page-url https://x/ --out a.ps1 --format reg")
            .unwrap_err()
            .to_string();
        assert_eq!(
            e,
            "--out 'a.ps1' ends with .ps1 but --format is reg: name the file .reg or give --format ps1"
        );
    }

    #[test]
    fn writes_whole_files_and_replaces_them() {
        let dir = temp_dir("write");
        let out = dir.join("quickcall.reg");
        write_atomically(&out, b"first").unwrap();
        assert_eq!(std::fs::read(&out).unwrap(), b"first");
        write_atomically(&out, b"second, longer").unwrap();
        assert_eq!(std::fs::read(&out).unwrap(), b"second, longer");
        // No temporary file is left behind.
        let names: Vec<_> = std::fs::read_dir(&dir)
            .unwrap()
            .map(|e| e.unwrap().file_name())
            .collect();
        assert_eq!(names, ["quickcall.reg"]);

        let e = write_atomically(&dir, b"x").unwrap_err().to_string();
        assert!(e.contains("is a folder"), "{e}");
        let e = write_atomically(&dir.join("missing/a.reg"), b"x")
            .unwrap_err()
            .to_string();
        assert!(e.contains("does not exist"), "{e}");
        std::fs::remove_dir_all(&dir).unwrap();
    }

    #[test]
    fn run_writes_the_rendered_file() {
        let dir = temp_dir("run");
        let out = dir.join("q.ps1");
        let line = format!(
            "--page-url https://intranet/quickcall/ --client sfb2016 --out {}",
            out.display()
        );
        let a = args(&line).unwrap();
        run(&a).unwrap();
        let bytes = std::fs::read(&out).unwrap();
        assert_eq!(bytes, plan(&a).unwrap().render(Format::Ps1));
        assert!(bytes.starts_with(&[0xEF, 0xBB, 0xBF]));
        // A bad option writes nothing.
        let bad = dir.join("bad.reg");
        let a = args(&format!(
            "--page-url https://intranet/quickcall --out {}",
            bad.display()
        ))
        .unwrap();
        assert!(run(&a).is_err());
        assert!(!bad.exists());
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
