//! The signed directory at 100,000 users: how long `lync-quickcall export` takes and how
//! much memory it needs, what it writes, what one lookup fetches, and how long the page
//! takes to redirect when it looks the contact up in it.
//!
//! # Method
//!
//! - The export: `lync-quickcall synthetic --users 100000` writes the CSV (about 4.7
//!   keys per user), and the optimised tool (`cargo build --profile cli`, as
//!   [`directory::cli`] builds it) exports it [`RUNS`] times, each time into a new, empty
//!   folder of the system's temporary directory (so no old export is removed during the
//!   run), after a `sync`, so that the disk is not still writing out the files of the
//!   steps before (the CSV, the distribution). The wall time is taken around the
//!   process, the budget applies to the median run, and the peak memory is the maximum
//!   resident set size `/usr/bin/time -v` reports. The phases come from the tool's own
//!   `--progress` lines. The exports run before the browser sections and are removed
//!   only when the bench ends: where the file system is ext4 without a journal (as on
//!   the development VM), creating files is several times slower for about half a
//!   minute after many were removed, which shows in the "write files" phase.
//! - One lookup: the page fetches `manifest.json` and the one shard its contact hashes
//!   into, two requests beyond `config.json`: the worst case is the manifest plus the
//!   biggest shard, from the files on disk. The redirect measurement then shows what
//!   the page actually requested, with the sizes of the files it was served.
//! - Time to redirect: a copy of the distribution with the last export in `directory/`,
//!   served twice (two origins): once with `"source": "export"` in `config.json`, once
//!   with `"source": "none"` (the pass-through page), the plain-JavaScript baseline
//!   beside it; the contact is the first user of the CSV, whose SIP address differs
//!   from their mail. The machinery and the method are [`super::redirect`]'s. There is
//!   no budget: the figures are reported for information.

use std::fs;
use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use anyhow::{bail, ensure, Context, Result};

use super::redirect::{self, in_page, ratio, stat, total, Page, Series};
use super::{ms, Verdict};
use crate::cmd::{self, thousands, TempDir};
use crate::directory;
use crate::dist::Dist;
use crate::e2e;
use crate::serve::{MockItsm, StaticServer};
use crate::webdriver::Browser;

/// Generated users.
const USERS: usize = 100_000;
/// Exports timed.
const RUNS: usize = 3;
/// The export budget (the median run).
const EXPORT_BUDGET: Duration = Duration::from_secs(2);
/// What one lookup may fetch beyond `config.json`, in bytes.
const LOOKUP_BUDGET: u64 = 16 * 1024;
/// Where the tool that reports peak memory lives.
const GNU_TIME: &str = "/usr/bin/time";

/// One timed export.
struct Run {
    wall: Duration,
    /// Maximum resident set size, in KB, when `/usr/bin/time` is there.
    peak_kb: Option<u64>,
    /// The tool's progress lines: seconds since its start, and what it began then.
    progress: Vec<(f64, String)>,
    /// The directory folder written.
    out: PathBuf,
}

impl Run {
    /// When the line starting with `what` was printed, in seconds since the start.
    fn at(&self, what: &str) -> Option<f64> {
        self.progress
            .iter()
            .find(|(_, line)| line.starts_with(what))
            .map(|(t, _)| *t)
    }

    /// `(phase, seconds)`: reading, mapping, hashing/encrypting/signing, writing, and
    /// the rest (starting and ending the process).
    fn phases(&self) -> Vec<(&'static str, Option<f64>)> {
        let read = self.at("read ");
        let hashing = self.at("hashing");
        let writing = self.at("writing");
        let done = self.at("done");
        let between = |a: Option<f64>, b: Option<f64>| Some(b? - a?);
        vec![
            ("read CSV", read),
            ("map", between(read, hashing)),
            ("hash, encrypt, sign", between(hashing, writing)),
            ("write files", between(writing, done)),
            ("exit", done.map(|d| self.wall.as_secs_f64() - d)),
        ]
    }

    /// The time spent writing files, which depends on the file system's mood.
    fn writing(&self) -> Option<f64> {
        Some(self.at("done")? - self.at("writing")?)
    }
}

/// `[1.23 s] what` lines of the tool's standard error.
fn progress_lines(stderr: &str) -> Vec<(f64, String)> {
    stderr
        .lines()
        .filter_map(|l| {
            let rest = l.strip_prefix('[')?;
            let (secs, what) = rest.split_once(" s] ")?;
            Some((secs.parse().ok()?, what.to_string()))
        })
        .collect()
}

/// The maximum resident set size in `/usr/bin/time -v`'s report, in KB.
fn peak_kb(stderr: &str) -> Option<u64> {
    stderr
        .lines()
        .find_map(|l| l.trim().strip_prefix("Maximum resident set size (kbytes):"))
        .and_then(|v| v.trim().parse().ok())
}

/// Files (of 4 KB, in one new folder, as an export writes them) created to probe the
/// file system, and how long creating them may take (usually about 50 ms).
const PROBE_FILES: usize = 2000;
const PROBE_CALM: Duration = Duration::from_millis(250);
/// How long to wait at most for the file system to become calm.
const SETTLE_AT_MOST: Duration = Duration::from_secs(180);

/// Waits (up to [`SETTLE_AT_MOST`]) until creating files under `dir` takes its usual
/// time: for a minute or two after many files were removed (the previous bench's
/// exports, a `cargo clean`), ext4 without a journal scans past the freed inodes at
/// every file it creates, and writing an export's 8,193 files takes seconds instead
/// of 0.15 s. Returns how long it waited.
fn settle_file_system(dir: &Path) -> Result<Duration> {
    let start = Instant::now();
    let data = [b'x'; 4096];
    let mut round = 0;
    loop {
        let probe = dir.join(format!("probe{round}"));
        fs::create_dir_all(&probe)?;
        let t0 = Instant::now();
        for i in 0..PROBE_FILES {
            fs::write(probe.join(i.to_string()), data)?;
        }
        let took = t0.elapsed();
        let waited = start.elapsed();
        if took <= PROBE_CALM || waited >= SETTLE_AT_MOST {
            println!(
                "creating {PROBE_FILES} files of 4 KB took {}{}",
                ms(took),
                if round > 0 {
                    format!(" after waiting {:.0} s", waited.as_secs_f64())
                } else {
                    String::new()
                }
            );
            return Ok(waited);
        }
        if round == 0 {
            println!(
                "creating {PROBE_FILES} files of 4 KB took {} (calm: under {}): files were removed recently; waiting for the file system to settle",
                ms(took),
                ms(PROBE_CALM)
            );
        }
        round += 1;
        std::thread::sleep(Duration::from_secs(5));
    }
}

/// Exports `csv` into `out` (which must not exist) and times it.
fn export_once(cli: &Path, csv: &Path, secret: &Path, out: &Path) -> Result<Run> {
    if let Some(sync) = cmd::which("sync") {
        Command::new(sync).status().context("cannot run sync")?;
    }
    let time = Path::new(GNU_TIME);
    let mut c = if time.is_file() {
        let mut c = Command::new(time);
        c.arg("-v").arg(cli);
        c
    } else {
        Command::new(cli)
    };
    c.arg("export")
        .arg("--input")
        .arg(csv)
        .arg("--key")
        .arg(secret)
        .arg("--out")
        .arg(out)
        .arg("--progress")
        .stdin(Stdio::null());
    let shown = cmd::display(&c);
    println!("$ {shown}");
    let t0 = Instant::now();
    let output = c
        .output()
        .with_context(|| format!("cannot start `{shown}`"))?;
    let wall = t0.elapsed();
    let stderr = String::from_utf8_lossy(&output.stderr);
    if !output.status.success() {
        bail!("`{shown}` failed ({}): {}", output.status, stderr.trim());
    }
    Ok(Run {
        wall,
        peak_kb: peak_kb(&stderr),
        progress: progress_lines(&stderr),
        out: out.to_path_buf(),
    })
}

/// What an export folder holds.
struct Folder {
    manifest: u64,
    /// Every shard's size, sorted.
    shards: Vec<u64>,
    /// The biggest shard, relative to the folder.
    biggest: String,
}

impl Folder {
    fn of(dir: &Path) -> Result<Folder> {
        let manifest = fs::metadata(dir.join("manifest.json"))
            .with_context(|| format!("no manifest.json in {}", dir.display()))?
            .len();
        let mut shards: Vec<(u64, String)> = Vec::new();
        for entry in fs::read_dir(dir)? {
            let entry = entry?;
            if !entry.file_type()?.is_dir() {
                continue;
            }
            let folder = entry.file_name().to_string_lossy().into_owned();
            for shard in fs::read_dir(entry.path())? {
                let shard = shard?;
                shards.push((
                    shard.metadata()?.len(),
                    format!("{folder}/{}", shard.file_name().to_string_lossy()),
                ));
            }
        }
        shards.sort();
        let biggest = shards.last().map(|(_, n)| n.clone()).unwrap_or_default();
        Ok(Folder {
            manifest,
            shards: shards.into_iter().map(|(s, _)| s).collect(),
            biggest,
        })
    }

    fn files(&self) -> usize {
        self.shards.len() + 1
    }

    fn total(&self) -> u64 {
        self.manifest + self.shards.iter().sum::<u64>()
    }

    fn biggest(&self) -> u64 {
        self.shards.last().copied().unwrap_or(0)
    }

    fn median(&self) -> u64 {
        self.shards.get(self.shards.len() / 2).copied().unwrap_or(0)
    }
}

/// `58.4 MB` (base 1024), `11.4 KB`.
fn human(n: u64) -> String {
    match n {
        n if n < 1024 => format!("{n} bytes"),
        n if n < 1024 * 1024 => format!("{:.1} KB", n as f64 / 1024.0),
        n => format!("{:.1} MB", n as f64 / (1024.0 * 1024.0)),
    }
}

/// Splits one CSV line (quoted fields, `""` for a quote) into its fields.
fn csv_fields(line: &str) -> Vec<String> {
    let mut fields = Vec::new();
    let mut field = String::new();
    let mut quoted = false;
    let mut chars = line.chars().peekable();
    while let Some(c) = chars.next() {
        match (c, quoted) {
            ('"', true) if chars.peek() == Some(&'"') => {
                chars.next();
                field.push('"');
            }
            ('"', _) => quoted = !quoted,
            (',', false) => fields.push(std::mem::take(&mut field)),
            (c, _) => field.push(c),
        }
    }
    fields.push(field);
    fields
}

/// The first user of the synthetic CSV: (SIP address as in AD, mail).
fn first_user(csv: &Path) -> Result<(String, String)> {
    let file = fs::File::open(csv).with_context(|| format!("cannot read {}", csv.display()))?;
    let mut lines = BufReader::new(file).lines();
    let header = lines.next().context("the CSV is empty")??;
    let header = csv_fields(header.trim_start_matches('\u{feff}').trim_end());
    let column = |name: &str| {
        header
            .iter()
            .position(|h| h.eq_ignore_ascii_case(name))
            .with_context(|| format!("the CSV has no column {name}"))
    };
    let (sip, mail) = (column("msRTCSIP-PrimaryUserAddress")?, column("mail")?);
    for line in lines.take(1000) {
        let fields = csv_fields(line?.trim_end());
        match (fields.get(sip), fields.get(mail)) {
            (Some(s), Some(m)) if !s.is_empty() && !m.is_empty() => {
                return Ok((s.clone(), m.clone()))
            }
            _ => {}
        }
    }
    bail!("no user with a SIP address and a mail among the first rows of the CSV")
}

/// Percent-encodes a query value as the page does (`form_urlencoded`): all but
/// `A-Z a-z 0-9 * - . _`.
fn encode(value: &str) -> String {
    value
        .bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'*' | b'-' | b'.' | b'_' => {
                (b as char).to_string()
            }
            b' ' => "+".to_string(),
            b => format!("%{b:02X}"),
        })
        .collect()
}

/// The quick call the page sends `user_id` to.
fn quick_call(user_id: &str) -> String {
    format!(
        "/sso_samlindexlync.php?do_quickcall=1&url_requestor={}",
        encode(user_id)
    )
}

/// What [`export`] leaves for [`redirect`]: the exports, removed when this is dropped.
pub struct Exported {
    tmp: TempDir,
    /// The last export's directory folder.
    last: PathBuf,
    csv: PathBuf,
    public: String,
}

/// Exports [`RUNS`] times, measures the folder and what one lookup fetches.
///
/// The exports stay until the returned value is dropped: removing tens of thousands
/// of files makes creating files slow for half a minute on some file systems (ext4
/// without a journal skips recently freed inodes), which would weigh on whatever runs
/// next, so the bench drops it last.
pub fn export() -> Result<(Vec<Verdict>, Exported)> {
    let cli = directory::cli(true)?;
    let tmp = TempDir::new("bench-directory")?;
    let csv = tmp.path().join("users.csv");
    cmd::run(
        Command::new(&cli)
            .args(["synthetic", "--users", &USERS.to_string(), "--out"])
            .arg(&csv),
    )?;
    let secret = tmp.path().join("export.key");
    let public = directory::keygen(&cli, &secret)?;

    let waited = settle_file_system(&tmp.path().join("probe"))?;
    let mut runs = Vec::new();
    for n in 1..=RUNS {
        let out = tmp.path().join(format!("run{n}")).join("directory");
        runs.push(export_once(&cli, &csv, &secret, &out)?);
    }
    let time_note = if Path::new(GNU_TIME).is_file() {
        ""
    } else {
        " (peak memory n/a: no /usr/bin/time; apt-get install time)"
    };
    let waited = if waited.as_secs() > 0 {
        format!(
            ", after waiting {} s for the file system to settle",
            waited.as_secs()
        )
    } else {
        String::new()
    };
    println!(
        "\n{RUNS} exports of {} users, each into a new folder after `sync`{waited}{time_note}:",
        thousands(USERS as u64)
    );
    let names: Vec<&str> = runs[0].phases().iter().map(|(n, _)| *n).collect();
    print!("{:<5} {:>9} {:>12}", "run", "wall", "peak memory");
    for n in &names {
        print!(" {:>20}", n);
    }
    println!();
    for (i, r) in runs.iter().enumerate() {
        let peak = r.peak_kb.map_or("n/a".to_string(), |kb| {
            format!("{:.0} MB", kb as f64 / 1024.0)
        });
        print!(
            "{:<5} {:>9} {:>12}",
            i + 1,
            format!("{:.2} s", r.wall.as_secs_f64()),
            peak
        );
        for (_, secs) in r.phases() {
            print!(
                " {:>20}",
                secs.map_or("?".to_string(), |s| format!("{s:.2} s"))
            );
        }
        println!();
    }
    let mut walls: Vec<Duration> = runs.iter().map(|r| r.wall).collect();
    walls.sort();
    let median = walls[walls.len() / 2];
    let median_run = runs
        .iter()
        .find(|r| r.wall == median)
        .context("no median run")?;
    let writing = median_run
        .writing()
        .map_or(String::new(), |w| format!(" (writing the files: {w:.2} s)"));
    let peak = runs.iter().filter_map(|r| r.peak_kb).max();

    let last = runs.last().context("no export run")?;
    let folder = Folder::of(&last.out)?;
    println!(
        "\ndirectory: {} files, {} ({} bytes): manifest.json {} bytes, {} shards, median {} bytes, biggest {} bytes ({})",
        thousands(folder.files() as u64),
        human(folder.total()),
        thousands(folder.total()),
        thousands(folder.manifest),
        thousands(folder.shards.len() as u64),
        thousands(folder.median()),
        thousands(folder.biggest()),
        folder.biggest,
    );
    let worst = folder.manifest + folder.biggest();
    let typical = folder.manifest + folder.median();
    println!(
        "one lookup: 2 requests beyond config.json (manifest.json, one shard); {} bytes at worst (biggest shard), {} bytes for the median shard",
        thousands(worst),
        thousands(typical)
    );

    let verdicts = vec![
        Verdict::budget(
            format!("directory export, {} users", thousands(USERS as u64)),
            median < EXPORT_BUDGET,
            format!(
                "median {:.2} s{writing} of {RUNS} runs ({}), budget {:.0} s; peak memory {}; {} files, {}",
                median.as_secs_f64(),
                walls
                    .iter()
                    .map(|w| format!("{:.2} s", w.as_secs_f64()))
                    .collect::<Vec<_>>()
                    .join(", "),
                EXPORT_BUDGET.as_secs_f64(),
                peak.map_or("n/a".to_string(), |kb| format!(
                    "{:.0} MB",
                    kb as f64 / 1024.0
                )),
                thousands(folder.files() as u64),
                human(folder.total()),
            ),
        ),
        Verdict::budget(
            "one directory lookup",
            worst <= LOOKUP_BUDGET,
            format!(
                "{} bytes at worst (manifest {} + biggest shard {}), {} with the median shard; 2 requests beyond config.json; budget {} bytes",
                thousands(worst),
                thousands(folder.manifest),
                thousands(folder.biggest()),
                thousands(typical),
                thousands(LOOKUP_BUDGET)
            ),
        ),
    ];
    let last = last.out.clone();
    Ok((
        verdicts,
        Exported {
            tmp,
            last,
            csv,
            public,
        },
    ))
}

/// Times the page looking a contact up in the last export (moved into a copy of the
/// distribution), against the pass-through page and the baseline.
pub fn redirect(dist: &Dist, exported: &Exported) -> Result<Vec<Verdict>> {
    let (tmp, export, csv, public) = (
        exported.tmp.path(),
        exported.last.as_path(),
        exported.csv.as_path(),
        exported.public.as_str(),
    );
    let site_dir = tmp.join("site");
    fs::create_dir_all(&site_dir)?;
    for f in dist
        .files
        .iter()
        .filter(|f| !f.name.starts_with("directory/"))
    {
        // Some are in folders of their own (locales/).
        let to = site_dir.join(&f.name);
        if let Some(parent) = to.parent() {
            fs::create_dir_all(parent)?;
        }
        fs::copy(dist.dir.join(&f.name), &to).with_context(|| format!("cannot copy {}", f.name))?;
    }
    redirect::write_baseline(&site_dir)?;
    fs::rename(export, site_dir.join("directory"))
        .with_context(|| format!("cannot move {} into the site", export.display()))?;
    let wasm = redirect::module_name(dist)?;

    let (sip, mail) = first_user(csv)?;
    let address = sip
        .get(..4)
        .filter(|p| p.eq_ignore_ascii_case("sip:"))
        .map_or(sip.as_str(), |_| &sip[4..])
        .to_lowercase();
    let query = format!("?contactId=Contacts=<{sip}>");
    println!("contact {sip}: the directory gives {mail}; the pass-through page and the baseline use {address}");

    let mock = MockItsm::start(0)?;
    let none = e2e::config(&mock.origin());
    let with_export = none.replace(
        r#""directory":{"source":"none"}"#,
        &format!(r#""directory":{}"#, directory::config_json(&[public])),
    );
    ensure!(
        with_export != none,
        "the bench's config.json has no directory to replace"
    );
    let export_site = StaticServer::start(&site_dir, 0)?;
    export_site.set_config(&with_export);
    let plain_site = StaticServer::start(&site_dir, 0)?;
    plain_site.set_config(&none);
    let browser = Browser::start().context("cannot start headless Chromium")?;
    println!(
        "{} loads per page and cache state; with the directory on {}, pass-through and baseline on {}, mock ITSM on {}",
        redirect::loads()?,
        export_site.origin(),
        plain_site.origin(),
        mock.origin()
    );
    let pages = [
        Page {
            label: "with directory".into(),
            site: &export_site,
            path: format!("/index.html{query}"),
            target: quick_call(&mail),
            loads_module: true,
        },
        Page {
            label: "pass-through".into(),
            site: &plain_site,
            path: format!("/index.html{query}"),
            target: quick_call(&address),
            loads_module: true,
        },
        Page {
            label: "baseline".into(),
            site: &plain_site,
            path: format!("/baseline.html{query}"),
            target: quick_call(&address),
            loads_module: false,
        },
    ];
    println!(
        "with {} ms on every request, as in the page's budget",
        redirect::LATENCY.as_millis()
    );
    browser.set_latency(redirect::LATENCY)?;
    let series = redirect::measure(&browser, &mock, &pages, &wasm)?;
    redirect::print(&series);
    let mut serial = Vec::new();
    for s in &series {
        for (cache, samples) in [("warm", &s.warm), ("cold", &s.cold)] {
            if let Some(last) = samples.last() {
                let n = redirect::rounds(last, redirect::LATENCY);
                println!(
                    "{} ({cache}): {n} round trips in sequence to the ITSM",
                    s.page
                );
                serial.push(format!("{} {cache} {n}", s.page));
            }
        }
    }

    // What the page fetched from the directory, from the server's log and the files.
    println!("\nThe directory requests of the last load (sizes of the files served):");
    for (cache, sample) in [
        ("warm", series[0].warm.last()),
        ("cold", series[0].cold.last()),
    ] {
        let Some(sample) = sample else { continue };
        let mut bytes = 0;
        let mut requests = 0;
        let mut revalidated = 0;
        for (status, url) in &sample.hits {
            let path = url.split('?').next().unwrap_or(url);
            if !path.starts_with("/directory/") {
                continue;
            }
            requests += 1;
            revalidated += usize::from(*status == 304);
            let size = match *status {
                200 => fs::metadata(site_dir.join(path.trim_start_matches('/')))
                    .map(|m| m.len())
                    .unwrap_or(0),
                _ => 0,
            };
            bytes += size;
            println!("  {cache}: {status} {path} ({} bytes)", thousands(size));
        }
        let note = if revalidated > 0 {
            " (304: revalidated, no body)"
        } else {
            ""
        };
        println!(
            "  {cache}: {requests} requests, {} bytes of body{note}",
            thousands(bytes)
        );
    }

    let summary = |s: &Series| {
        format!(
            "warm {} (p90 {}), cold {} (p90 {})",
            ms(stat(&s.warm, total, 50.0)),
            ms(stat(&s.warm, total, 90.0)),
            ms(stat(&s.cold, total, 50.0)),
            ms(stat(&s.cold, total, 90.0)),
        )
    };
    let (dir, plain, base) = (&series[0], &series[1], &series[2]);
    let vs = |other: &Series, f: fn(&redirect::Sample) -> Duration| {
        (
            ratio(stat(&dir.warm, f, 50.0), stat(&other.warm, f, 50.0)),
            ratio(stat(&dir.cold, f, 50.0), stat(&other.cold, f, 50.0)),
        )
    };
    let (warm_base, cold_base) = vs(base, total);
    let (warm_plain, cold_plain) = vs(plain, total);
    let (warm_page, _) = vs(base, in_page);
    println!(
        "with directory / baseline (medians): warm {warm_base:.2}x ({warm_page:.2}x in page), cold {cold_base:.2}x; / pass-through: warm {warm_plain:.2}x, cold {cold_plain:.2}x"
    );
    Ok(vec![Verdict::info(
        format!(
            "time to redirect with the directory at {} ms round trips",
            redirect::LATENCY.as_millis()
        ),
        format!(
            "{}; pass-through {}; baseline {}; warm {warm_base:.2}x the baseline (the pass-through page's budget is {}x), {warm_plain:.2}x the pass-through page; round trips in sequence: {}",
            summary(dir),
            summary(plain),
            summary(base),
            redirect::MAX_RATIO,
            serial.join(", "),
        ),
    )])
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_the_tools_reports() {
        let stderr = "[0.24 s] read 100000 records from users.csv\n[0.30 s] 10000 records mapped\n[0.66 s] hashing, encrypting and signing 470193 keys\n[1.34 s] writing 8192 shards to out\n[1.46 s] done; removed 0 older export folder(s)\n\tCommand being timed: \"x\"\n\tMaximum resident set size (kbytes): 320192\n";
        assert_eq!(peak_kb(stderr), Some(320_192));
        let run = Run {
            wall: Duration::from_millis(1500),
            peak_kb: None,
            progress: progress_lines(stderr),
            out: PathBuf::new(),
        };
        assert_eq!(
            run.writing().map(|w| format!("{w:.2}")),
            Some("0.12".into())
        );
        let phases: Vec<(&str, String)> = run
            .phases()
            .into_iter()
            .map(|(n, s)| (n, format!("{:.2}", s.unwrap())))
            .collect();
        assert_eq!(
            phases,
            [
                ("read CSV", "0.24".into()),
                ("map", "0.42".into()),
                ("hash, encrypt, sign", "0.68".into()),
                ("write files", "0.12".into()),
                ("exit", "0.04".into()),
            ]
        );
        assert_eq!(peak_kb("nothing"), None);
    }

    #[test]
    fn small_helpers() {
        assert_eq!(thousands(0), "0");
        assert_eq!(thousands(999), "999");
        assert_eq!(thousands(1000), "1,000");
        assert_eq!(thousands(16_384), "16,384");
        assert_eq!(thousands(61_234_567), "61,234,567");
        assert_eq!(
            csv_fields(r#""a","b ""c""",,"d,e""#),
            ["a", "b \"c\"", "", "d,e"]
        );
        assert_eq!(
            quick_call("helene.bernard0@contoso.com"),
            "/sso_samlindexlync.php?do_quickcall=1&url_requestor=helene.bernard0%40contoso.com"
        );
        assert_eq!(encode("a b+c"), "a+b%2Bc");
    }
}
