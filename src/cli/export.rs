//! `lync-quickcall export`: an Active Directory export in, the signed directory out.
//!
//! Everything is read, checked, built and signed in memory first, so bad input changes
//! nothing in `--out`. Then, in `--out`:
//! 1. the shards go into `<export id>.tmp/`, renamed to `<export id>/` when complete;
//! 2. `manifest.json` is written to `manifest.json.tmp` and renamed over the old one, so
//!    a reader sees the old manifest or the new one, never half of one;
//! 3. export folders other than this one and the previous one are removed. The previous
//!    one stays so that a page which fetched the old manifest just before the switch can
//!    still fetch its shards; it goes at the next export. Only folders named like an
//!    export id (32 hex digits, optionally `.tmp`) are ever removed.

use std::io::{IsTerminal as _, Write as _};
use std::path::{Path, PathBuf};

use anyhow::{bail, Context};
use lync_quickcall::adexport::{self, Format, MapOptions};
use lync_quickcall::published::{
    self, format_utc, BuildOptions, Fresh, PublishedDirectory, MANIFEST_FILE,
};
use lync_quickcall::PublicKey;

use super::human_bytes;

/// Options of `export`.
#[derive(clap::Args)]
pub struct Args {
    /// The Active Directory export: CSV from Export-Csv, or LDIF from ldapsearch.
    #[arg(long)]
    input: PathBuf,
    /// The secret key file made by `lync-quickcall keygen`.
    #[arg(long)]
    key: PathBuf,
    /// The directory folder of the deployment (created if missing), e.g. the
    /// `directory` folder beside index.html.
    #[arg(long)]
    out: PathBuf,
    /// The input format [default: from the extension (.csv, .ldif), else guessed].
    #[arg(long, value_enum)]
    format: Option<FormatArg>,
    /// The column holding the ITSM user id.
    #[arg(long, default_value = "mail")]
    user_id: String,
    /// Address columns to look contacts up by, in order of preference
    /// [default: msRTCSIP-PrimaryUserAddress,proxyAddresses,mail,userPrincipalName].
    #[arg(long, value_delimiter = ',')]
    keys: Option<Vec<String>>,
    /// Phone columns to look tel: contacts up by
    /// [default: telephoneNumber,msRTCSIP-Line,mobile].
    #[arg(long, value_delimiter = ',')]
    phones: Option<Vec<String>>,
    /// The column with the name shown when several people match
    /// [default: displayName, else name, else cn].
    #[arg(long)]
    display_name: Option<String>,
    /// How many days the export stays valid; the page refuses it afterwards, so
    /// schedule the export more often than this.
    #[arg(long, default_value_t = 7, value_parser = clap::value_parser!(u64).range(1..=published::MAX_VALID_DAYS))]
    valid_days: u64,
    /// Show progress on stderr (shown anyway when stderr is a terminal).
    #[arg(long)]
    progress: bool,
}

#[derive(Clone, Copy, clap::ValueEnum)]
enum FormatArg {
    Csv,
    Ldif,
}

fn is_export_folder(name: &str) -> bool {
    let id = name.strip_suffix(".tmp").unwrap_or(name);
    id.len() == 32 && id.bytes().all(|b| b.is_ascii_hexdigit())
}

/// The export id named by the manifest currently in `out`, read without verification
/// (it only decides which folder to keep).
fn current_export_id(out: &Path) -> Option<String> {
    let bytes = std::fs::read(out.join(MANIFEST_FILE)).ok()?;
    let newline = bytes.iter().position(|&b| b == b'\n')?;
    let value: serde_json::Value = serde_json::from_slice(&bytes[newline + 1..]).ok()?;
    let id = value.get("export_id")?.as_str()?;
    is_export_folder(id).then(|| id.to_string())
}

/// Writes `data` to `path` through a temporary file and a rename.
fn write_atomically(path: &Path, data: &[u8]) -> anyhow::Result<()> {
    let tmp = path.with_extension("json.tmp");
    let mut f =
        std::fs::File::create(&tmp).with_context(|| format!("cannot create {}", tmp.display()))?;
    f.write_all(data)
        .and_then(|()| f.sync_all())
        .with_context(|| format!("cannot write {}", tmp.display()))?;
    drop(f);
    std::fs::rename(&tmp, path)
        .with_context(|| format!("cannot rename {} to {}", tmp.display(), path.display()))
}

/// Writes every shard into the folder `tmp`, each with one `write`, from several
/// threads: creating thousands of files is mostly the file system's CPU time.
fn write_shards(tmp: &Path, shards: &[(String, Vec<u8>)]) -> anyhow::Result<()> {
    let threads = std::thread::available_parallelism()
        .map(|n| n.get())
        .unwrap_or(1)
        .clamp(2, 8);
    let next = std::sync::atomic::AtomicUsize::new(0);
    let write_some = || -> anyhow::Result<()> {
        loop {
            let i = next.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
            let Some((path, bytes)) = shards.get(i) else {
                return Ok(());
            };
            let name = path.rsplit('/').next().unwrap_or(path);
            let file = tmp.join(name);
            std::fs::write(&file, bytes)
                .with_context(|| format!("cannot write {}", file.display()))?;
        }
    };
    std::thread::scope(|scope| {
        let workers: Vec<_> = (0..threads).map(|_| scope.spawn(write_some)).collect();
        workers
            .into_iter()
            .map(|w| w.join().unwrap_or_else(|p| std::panic::resume_unwind(p)))
            .collect::<anyhow::Result<Vec<()>>>()
    })?;
    Ok(())
}

/// What [`write`] did.
struct Written {
    kept_previous: Option<String>,
    removed: usize,
}

/// Writes an export into `out` (see the module documentation for the order).
fn write(out: &Path, dir: &PublishedDirectory) -> anyhow::Result<Written> {
    std::fs::create_dir_all(out).with_context(|| format!("cannot create {}", out.display()))?;
    let previous = current_export_id(out);
    let tmp = out.join(format!("{}.tmp", dir.export_id));
    if tmp.exists() {
        std::fs::remove_dir_all(&tmp)
            .with_context(|| format!("cannot remove {}", tmp.display()))?;
    }
    std::fs::create_dir(&tmp).with_context(|| format!("cannot create {}", tmp.display()))?;
    write_shards(&tmp, &dir.shards)?;
    let final_dir = out.join(&dir.export_id);
    std::fs::rename(&tmp, &final_dir)
        .with_context(|| format!("cannot rename {} to {}", tmp.display(), final_dir.display()))?;
    write_atomically(&out.join(MANIFEST_FILE), &dir.manifest)?;

    let mut removed = 0;
    let entries =
        std::fs::read_dir(out).with_context(|| format!("cannot list {}", out.display()))?;
    for entry in entries.flatten() {
        let name = entry.file_name().to_string_lossy().into_owned();
        let keep = name == dir.export_id || Some(&name) == previous.as_ref();
        if keep || !is_export_folder(&name) || !entry.path().is_dir() {
            continue;
        }
        match std::fs::remove_dir_all(entry.path()) {
            Ok(()) => removed += 1,
            Err(e) => eprintln!(
                "warning: cannot remove the old export {}: {e}",
                entry.path().display()
            ),
        }
    }
    Ok(Written {
        kept_previous: previous.filter(|p| *p != dir.export_id),
        removed,
    })
}

/// A warning when `out` looks like the page's own folder (it holds `index.html` or
/// `config.json`) rather than the export folder beside the page: the page looks for the
/// export in `directory/` (config.json's `directory.path`), and would not find it.
fn site_folder_warning(out: &Path) -> Option<String> {
    let found: Vec<&str> = ["index.html", "config.json"]
        .into_iter()
        .filter(|f| out.join(f).is_file())
        .collect();
    if found.is_empty() {
        return None;
    }
    let path = std::fs::read_to_string(out.join("config.json"))
        .ok()
        .and_then(|text| lync_quickcall::Config::from_json(&text).ok())
        .and_then(|c| match c.directory {
            lync_quickcall::DirectorySource::Export { path, .. } => Some(path),
            _ => None,
        })
        .unwrap_or_else(|| lync_quickcall::directory::DEFAULT_EXPORT_PATH.to_string());
    let right = super::check_config::join_relative(out, &path);
    Some(format!(
        "--out {} holds {}: it is the page's own folder, but the page reads the export from \
         {path} beside index.html (config.json's directory.path), so it would answer every \
         contact with an error (HTTP 404). Export with --out {} instead, then delete the \
         manifest.json and the export folder written here",
        out.display(),
        found.join(" and "),
        right.display()
    ))
}

pub fn run(args: &Args) -> anyhow::Result<()> {
    let show_progress = args.progress || std::io::stderr().is_terminal();
    let started = std::time::Instant::now();
    let elapsed = || format!("{:.2} s", started.elapsed().as_secs_f64());
    let input = &args.input;
    let bytes = std::fs::read(input).with_context(|| format!("cannot read {}", input.display()))?;
    let format = match args.format {
        Some(FormatArg::Csv) => Some(Format::Csv),
        Some(FormatArg::Ldif) => Some(Format::Ldif),
        None => Format::from_extension(input),
    };
    let (format, table) =
        adexport::read(&bytes, format).with_context(|| format!("{}", input.display()))?;
    drop(bytes);
    if show_progress {
        eprintln!(
            "[{}] read {} records from {}",
            elapsed(),
            table.records().len(),
            input.display()
        );
    }
    // `--phones ""` means no phone column.
    let names = |v: &Option<Vec<String>>| {
        v.as_ref().map(|v| {
            v.iter()
                .map(|s| s.trim().to_string())
                .filter(|s| !s.is_empty())
                .collect()
        })
    };
    let options = MapOptions {
        user_id: args.user_id.trim().to_string(),
        addresses: names(&args.keys),
        phones: names(&args.phones),
        display_name: args.display_name.as_ref().map(|s| s.trim().to_string()),
    };
    let mut progress = |n: usize| {
        if show_progress {
            eprintln!("[{}] {n} records mapped", elapsed());
        }
    };
    let (entries, report) = adexport::map(&table, &options, &mut progress)
        .with_context(|| format!("{}", input.display()))?;
    drop(table);
    let key = super::keygen::read_secret_key(&args.key)?;
    let now = super::now_unix()?;
    if show_progress {
        eprintln!(
            "[{}] hashing, encrypting and signing {} keys",
            elapsed(),
            report.keys
        );
    }
    let fresh = Fresh::generate(&mut rand_core::OsRng);
    let directory = published::build(
        &entries,
        &BuildOptions::new(now, args.valid_days),
        fresh,
        &key,
    )
    .with_context(|| format!("{}", input.display()))?;
    if show_progress {
        eprintln!(
            "[{}] writing {} shards to {}",
            elapsed(),
            directory.shards.len(),
            args.out.display()
        );
    }
    let written = write(&args.out, &directory)?;
    if show_progress {
        eprintln!(
            "[{}] done; removed {} older export folder(s)",
            elapsed(),
            written.removed
        );
    }

    let s = &directory.stats;
    println!(
        "Read {} ({format}): {} records",
        input.display(),
        report.rows
    );
    for c in &report.columns {
        println!("  {c}");
    }
    if !report.missing_default_columns.is_empty() {
        println!(
            "  not in the file (skipped): {}",
            report.missing_default_columns.join(", ")
        );
    }
    for (title, p) in report.problems() {
        if p.count > 0 {
            println!("{} {title}:", p.count);
            for e in &p.examples {
                println!("  {e}");
            }
            if p.count > p.examples.len() {
                println!("  ...");
            }
        }
    }
    println!(
        "Exported {} users and {} keys into {} shard(s) in {} in {}",
        s.users,
        s.keys,
        s.shards,
        args.out.display(),
        elapsed()
    );
    println!(
        "  biggest shard {}, manifest {}, total {}; a lookup fetches at most {}",
        human_bytes(s.biggest_shard_bytes),
        human_bytes(s.manifest_bytes),
        human_bytes(s.total_bytes),
        human_bytes(s.manifest_bytes + s.biggest_shard_bytes)
    );
    println!(
        "  export {} valid until {} ({} days): run the export again before then",
        directory.export_id,
        format_utc(s.expires),
        args.valid_days
    );
    println!(
        "  signed with the public key {} (config.json's directory.public_keys must list it)",
        PublicKey::of(&key)
    );
    if let Some(p) = written.kept_previous {
        println!("  the previous export {p} is kept until the next export");
    }
    if let Some(warning) = site_folder_warning(&args.out) {
        eprintln!("warning: {warning}");
    }
    if s.users == 0 {
        bail!("nothing was exported");
    }
    // The process ends here: freeing half a million keys one by one would take
    // 0.1 s of a 100,000-user export for nothing.
    std::mem::forget(entries);
    std::mem::forget(directory);
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use lync_quickcall::published::VerifiedManifest;
    use lync_quickcall::{Contact, Directory, Lookup, TrustedKeys};

    fn temp(name: &str) -> PathBuf {
        let d = std::env::temp_dir().join(format!("lqc-export-{name}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&d);
        std::fs::create_dir_all(&d).unwrap();
        d
    }

    fn args(input: PathBuf, key: PathBuf, out: PathBuf) -> Args {
        Args {
            input,
            key,
            out,
            format: None,
            user_id: "mail".into(),
            keys: None,
            phones: None,
            display_name: None,
            valid_days: 7,
            progress: false,
        }
    }

    fn folders(out: &Path) -> Vec<String> {
        let mut v: Vec<String> = std::fs::read_dir(out)
            .unwrap()
            .flatten()
            .map(|e| e.file_name().to_string_lossy().into_owned())
            .collect();
        v.sort();
        v
    }

    #[test]
    fn export_writes_a_verifiable_directory_and_keeps_one_previous_export() {
        let dir = temp("full");
        let input = dir.join("users.csv");
        std::fs::write(
            &input,
            lync_quickcall::adexport::synthetic::synthetic_ad_csv(300, 5),
        )
        .unwrap();
        let key_file = dir.join("export.key");
        super::super::keygen::run(&super::super::keygen::Args {
            out: key_file.clone(),
        })
        .unwrap();
        let key = super::super::keygen::read_secret_key(&key_file).unwrap();
        let keys = TrustedKeys::new(vec![PublicKey::of(&key)]).unwrap();
        let out = dir.join("www").join("directory");
        // Something that is not an export folder is never touched.
        std::fs::create_dir_all(out.join("keep-me")).unwrap();

        let mut ids = Vec::new();
        for _ in 0..3 {
            run(&args(input.clone(), key_file.clone(), out.clone())).unwrap();
            let bytes = std::fs::read(out.join(MANIFEST_FILE)).unwrap();
            let m =
                VerifiedManifest::open(&bytes, &keys, super::super::now_unix().unwrap()).unwrap();
            ids.push(m.export_id().to_string());
            // Look a user up through the files, as the page does.
            let who = Contact::parse("sip:jean.martin0@contoso.com").ok();
            let contacts: Vec<Contact> = who.into_iter().collect();
            let shards: Vec<_> = m
                .shards_for(&contacts)
                .iter()
                .map(|r| {
                    let b = std::fs::read(out.join(r.path())).unwrap();
                    m.open_shard(r, &b, &keys).unwrap()
                })
                .collect();
            let d = m.directory(&contacts, &shards).unwrap();
            for c in &contacts {
                // Either known or unknown, but never an error.
                let _ = d.lookup(c);
            }
            // Every shard of the manifest exists.
            assert_eq!(
                std::fs::read_dir(out.join(m.export_id())).unwrap().count(),
                m.shard_count() as usize
            );
        }
        let mut expected = vec![
            ids[1].clone(),
            ids[2].clone(),
            "keep-me".to_string(),
            MANIFEST_FILE.to_string(),
        ];
        expected.sort();
        assert_eq!(folders(&out), expected);

        // A mail that exists in the synthetic export resolves.
        let text = lync_quickcall::adexport::synthetic::synthetic_ad_csv(300, 5);
        let mail = text
            .lines()
            .nth(1)
            .and_then(|l| l.split("\",\"").nth(2))
            .unwrap()
            .to_string();
        let bytes = std::fs::read(out.join(MANIFEST_FILE)).unwrap();
        let m = VerifiedManifest::open(&bytes, &keys, super::super::now_unix().unwrap()).unwrap();
        let c = vec![Contact::parse(&mail).unwrap()];
        let r = &m.shards_for(&c)[0];
        let shard = m
            .open_shard(r, &std::fs::read(out.join(r.path())).unwrap(), &keys)
            .unwrap();
        match m.directory(&c, &[shard]).unwrap().lookup(&c[0]) {
            Lookup::Found(p) => assert_eq!(p[0].user_id, mail),
            Lookup::Unknown => panic!("{mail} should be found"),
        }
        std::fs::remove_dir_all(&dir).unwrap();
    }

    #[test]
    fn bad_input_changes_nothing() {
        let dir = temp("bad");
        let key_file = dir.join("export.key");
        super::super::keygen::run(&super::super::keygen::Args {
            out: key_file.clone(),
        })
        .unwrap();
        let out = dir.join("directory");
        std::fs::create_dir_all(&out).unwrap();
        std::fs::write(out.join(MANIFEST_FILE), "old").unwrap();
        let input = dir.join("users.csv");
        std::fs::write(
            &input,
            "\"mail\",\"proxyAddresses\"\n\"a@x.com\",\"Microsoft.ActiveDirectory.Management.ADPropertyValueCollection\"\n",
        )
        .unwrap();
        let e = run(&args(input.clone(), key_file.clone(), out.clone())).unwrap_err();
        let msg = format!("{e:#}");
        assert!(msg.contains("users.csv"), "{msg}");
        assert!(msg.contains("line 2, column 'proxyAddresses'"), "{msg}");
        assert!(
            msg.contains("@{n='proxyAddresses';e={$_.proxyAddresses -join ';'}}"),
            "{msg}"
        );
        std::fs::write(
            &input,
            "\"mail\",\"telephoneNumber\"\n\"\",\"+33 1 23 45 67 89\"\n",
        )
        .unwrap();
        let e = run(&args(input, key_file, out.clone())).unwrap_err();
        assert!(format!("{e:#}").contains("no usable user"), "{e:#}");
        assert_eq!(folders(&out), vec![MANIFEST_FILE.to_string()]);
        assert_eq!(std::fs::read(out.join(MANIFEST_FILE)).unwrap(), b"old");
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
