//! Time to redirect: how long after a technician clicks does the browser reach the
//! ITSM, for this page and for the least a redirect page could be.
//!
//! # Method
//!
//! Every timestamp is taken by this process, on one monotonic clock ([`Instant`]), so
//! no browser clock is involved (the page could not report its own end anyway: it is
//! gone once the browser has left it). Two figures per load:
//!
//! - *navigate -> ITSM*, the budgeted one: from just before the WebDriver navigate
//!   command is sent to the moment the mock ITSM's server thread reads the quick call
//!   request. It covers everything the technician waits for: loading `index.html` and
//!   its scripts, compiling and instantiating the module, fetching `config.json`,
//!   deciding, and the request to the ITSM; plus a constant overhead (the command
//!   reaching ChromeDriver and Chromium, starting the navigation), the same for both
//!   pages, which makes the ratio somewhat kinder than the pages alone.
//! - *page request -> ITSM*: from the static server reading the request for the page
//!   itself to the quick call request, which leaves that overhead out and shows what
//!   the page's own work costs.
//!
//! Each pair of pages is measured twice: on loopback, where round trips cost nothing
//! and the figures swing by a few tenths between identical runs (information), then
//! with [`LATENCY`] added to every request by Chromium's network emulation (CDP
//! `Network.emulateNetworkConditions`), which is what a technician on an intranet
//! feels and what the budget holds: every request made in sequence costs a round trip.
//! The tables give the 10th, 50th and 90th percentiles, and [`rounds`] counts the
//! round trips in sequence from the servers' logs.
//!
//! Before each load the browser goes to `about:blank`, so the previous page is gone
//! before `t0`, and the two pages alternate load by load, so that whatever else the
//! machine is doing weighs on both alike. Warm runs follow one unmeasured priming load
//! of each; cold runs empty the HTTP cache (CDP `Network.clearBrowserCache`) before
//! each load, and the server's log is checked to confirm the module was downloaded
//! every time.
//!
//! Then the same pair in headless Firefox ESR, for information (no budget), so that a
//! slowdown of Firefox's alone shows: on loopback only, since WebDriver has no
//! network emulation in Firefox; warm loads in one session and cold ones in a second
//! session without an HTTP cache (WebDriver cannot empty Firefox's), where the
//! preloaded `config.json` is fetched twice (Firefox does not hand a preload to a
//! `no-cache` fetch). `LQC_ENGINES=chromium` leaves Firefox out.
//!
//! The baseline, `baseline.html` and `baseline-<hash>.js`, is written into the served
//! copy. It does what any redirect page must: read `contactId` from `location.search`
//! with a regular expression, strip `Contacts=<sip:` and `>`, fetch `config.json` as our
//! page does, and `location.replace` to the same quick call URL. It is served by the
//! same server with the same headers, and its script is content-hashed like ours, so
//! both are cached alike.

use std::fs;
use std::path::Path;
use std::time::{Duration, Instant};

use anyhow::{bail, ensure, Context, Result};

use super::{ms, percentile, Verdict};
use crate::dist::{hashed_name, Dist};
use crate::e2e;
use crate::serve::{MockItsm, StaticServer};
use crate::webdriver::{Browser, Engine, Options, ENGINES_VAR};

/// Measured loads per page and cache state, unless [`LOADS_VAR`] says otherwise.
pub const LOADS: usize = 20;

/// Sets the number of measured loads per page and cache state (default [`LOADS`]):
/// more narrows the spread when comparing variants ([`VARIANTS_VAR`]).
pub const LOADS_VAR: &str = "LQC_BENCH_LOADS";

/// The number of measured loads per page and cache state ([`LOADS_VAR`], else [`LOADS`]).
pub fn loads() -> Result<usize> {
    match std::env::var(LOADS_VAR) {
        Err(_) => Ok(LOADS),
        Ok(v) => match v.trim().parse::<usize>() {
            Ok(n) if n > 0 => Ok(n),
            _ => bail!("{LOADS_VAR}={v}: expected a whole number of loads, at least 1"),
        },
    }
}

/// The budget, warm and cold, with [`LATENCY`]: our median time to redirect at most
/// this many times the baseline's.
pub const MAX_RATIO: f64 = 1.15;

/// The round-trip time the budget is measured with: an intranet server some
/// milliseconds away, where every request in sequence costs a round trip.
pub const LATENCY: Duration = Duration::from_millis(20);

/// The link under test, as Lync sends it.
pub const QUERY: &str = "?contactId=Contacts=<sip:John.Doe@contoso.com>";

/// Where both pages must send the browser.
pub const TARGET: &str =
    "/sso_samlindexlync.php?do_quickcall=1&url_requestor=john.doe%40contoso.com";

/// The baseline's script.
const BASELINE_JS: &str = r#"// The least a redirect page can do: read contactId, fetch config.json, go.
(function () {
  'use strict';
  var m = /(?:^\?|[&;])contactId=([^&]*)/i.exec(location.search);
  var contact = decodeURIComponent(m ? m[1] : '')
    .replace(/^Contacts=/i, '').replace(/^<?sips?:/i, '').replace(/>$/, '')
    .toLowerCase();
  fetch('config.json', { cache: 'no-cache' })
    .then(function (r) { return r.json(); })
    .then(function (c) {
      location.replace(c.itsm_url.replace(/\/$/, '') +
        '/sso_samlindexlync.php?do_quickcall=1&url_requestor=' + encodeURIComponent(contact));
    });
})();
"#;

/// The baseline's page, loading `script`.
fn baseline_html(script: &str) -> String {
    format!(
        "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n<title>Baseline redirect</title>\n</head>\n<body>\n<main id=\"status\" data-state=\"working\"><p>Opening the quick call…</p></main>\n<script src=\"{script}\"></script>\n</body>\n</html>\n"
    )
}

/// Writes the baseline page and its script into the served directory `dir`.
pub fn write_baseline(dir: &Path) -> Result<()> {
    let script = hashed_name("baseline.js", BASELINE_JS.as_bytes());
    fs::write(dir.join(&script), BASELINE_JS)?;
    fs::write(dir.join("baseline.html"), baseline_html(&script))?;
    Ok(())
}

/// The name of the module every load runs in a distribution (not the Graph build's).
pub fn module_name(dist: &Dist) -> Result<String> {
    dist.files
        .iter()
        .filter(|f| f.loaded_by_page)
        .map(|f| f.name.clone())
        .find(|n| n.ends_with(".wasm"))
        .context("the distribution has no .wasm file the page loads")
}

/// A page to time: where it is served, and the quick call it must lead to.
pub struct Page<'a> {
    /// Its name in the tables.
    pub label: String,
    /// The server it is on.
    pub site: &'a StaticServer,
    /// Its path and query, e.g. `/index.html?contactId=...`.
    pub path: String,
    /// The request the mock ITSM must receive, e.g. `/sso_samlindexlync.php?...`.
    pub target: String,
    /// Whether it loads the WebAssembly module (checked against the server logs).
    pub loads_module: bool,
}

/// One load: from the navigate command, and from the page's own request, to the
/// quick call request.
#[derive(Clone)]
pub struct Sample {
    /// Navigate command -> quick call request.
    pub total: Duration,
    /// Page request -> quick call request.
    pub in_page: Duration,
    /// Every request of the load, from the page request: (offset, what).
    pub waterfall: Vec<(Duration, String)>,
    /// The static server's requests of the load: (status, request target).
    pub hits: Vec<(u16, String)>,
}

/// One page's samples.
pub struct Series {
    /// The page's label.
    pub page: String,
    /// With a warm cache.
    pub warm: Vec<Sample>,
    /// With an emptied cache.
    pub cold: Vec<Sample>,
}

/// Loads `page` once and times it (see the module documentation).
fn time_one(browser: &Browser, mock: &MockItsm, page: &Page) -> Result<Sample> {
    let (site, path, target) = (page.site, page.path.as_str(), page.target.as_str());
    browser.goto("about:blank")?;
    let mark = mock.count();
    let served = site.hits().len();
    let t0 = Instant::now();
    browser.goto(&format!("{}{path}", site.origin()))?;
    let arrival = browser.wait_for(Duration::from_secs(10), "the quick call request", |_| {
        Ok(mock.landings()[mark..]
            .iter()
            .find(|l| l.target == target)
            .map(|l| l.at))
    })?;
    ensure!(
        mock.landings()[mark..].iter().all(|l| l.target == target),
        "{path} sent unexpected requests to the ITSM: {:?}",
        mock.landings()[mark..]
            .iter()
            .map(|l| l.target.as_str())
            .collect::<Vec<_>>()
    );
    let page_path = path.split('?').next().unwrap_or(path);
    let hits = site.hits()[served..].to_vec();
    let requested = hits
        .iter()
        .find(|h| h.url.split('?').next() == Some(page_path))
        .map(|h| h.at)
        .with_context(|| format!("the server never saw a request for {page_path}"))?;
    let mut waterfall: Vec<(Duration, String)> = hits
        .iter()
        .map(|h| (h.at, format!("page  {} {}", h.status, h.url)))
        .chain(
            mock.landings()[mark..]
                .iter()
                .map(|l| (l.at, format!("ITSM      {}", l.target))),
        )
        .map(|(at, what)| (at.saturating_duration_since(requested), what))
        .collect();
    waterfall.sort();
    Ok(Sample {
        total: arrival.saturating_duration_since(t0),
        in_page: arrival.saturating_duration_since(requested),
        waterfall,
        hits: hits.into_iter().map(|h| (h.status, h.url)).collect(),
    })
}

/// How many times the module `name` (of any build: a variant's has another hash) was
/// served with 200 by the pages' servers since `marks`.
fn downloads(pages: &[Page], marks: &[usize], name: &str) -> usize {
    let stem = name.rsplit_once('-').map_or(name, |(stem, _)| stem);
    let is_module = |path: &str| {
        path.strip_prefix('/')
            .and_then(|p| p.strip_prefix(stem))
            .and_then(|p| p.strip_prefix('-'))
            .is_some_and(|hash| hash.ends_with(".wasm") && !hash.contains(['/', '-']))
    };
    let mut counted: Vec<String> = Vec::new();
    let mut n = 0;
    for (page, &mark) in pages.iter().zip(marks) {
        let origin = page.site.origin();
        if counted.contains(&origin) {
            continue;
        }
        counted.push(origin);
        n += page.site.hits()[mark..]
            .iter()
            .filter(|h| h.status == 200 && h.url.split('?').next().is_some_and(is_module))
            .count();
    }
    n
}

/// [`time_one`], printing what the servers saw when it fails.
fn timed(browser: &Browser, mock: &MockItsm, pages: &[Page], page: &Page) -> Result<Sample> {
    time_one(browser, mock, page).inspect_err(|_| {
        eprintln!("{} failed; the last requests the servers saw:", page.label);
        let mut seen: Vec<String> = Vec::new();
        for p in pages {
            let origin = p.site.origin();
            if seen.contains(&origin) {
                continue;
            }
            let hits = p.site.hits();
            for h in &hits[hits.len().saturating_sub(10)..] {
                eprintln!("  {origin}: {} {}", h.status, h.url);
            }
            seen.push(origin);
        }
        for l in mock.landings().iter().rev().take(3).rev() {
            eprintln!("  mock ITSM: {}", l.target);
        }
    })
}

/// Times `pages`, `LOADS` loads each with a warm cache then with an emptied one, the
/// pages alternating load by load; checks with the servers' logs that warm loads did
/// not download the module `wasm` and cold loads always did.
pub fn measure(
    browser: &Browser,
    mock: &MockItsm,
    pages: &[Page],
    wasm: &str,
) -> Result<Vec<Series>> {
    measure_in(browser, browser, mock, pages, wasm)
}

/// [`measure`], the warm loads in `warm` and the cold ones in `cold`: the same
/// session in Chromium (its cache emptied before each load), a session without an
/// HTTP cache in Firefox (WebDriver cannot empty Firefox's).
pub fn measure_in(
    warm: &Browser,
    cold: &Browser,
    mock: &MockItsm,
    pages: &[Page],
    wasm: &str,
) -> Result<Vec<Series>> {
    let browser = warm;
    let mut series: Vec<Series> = pages
        .iter()
        .map(|p| Series {
            page: p.label.clone(),
            warm: Vec::new(),
            cold: Vec::new(),
        })
        .collect();
    for page in pages {
        timed(browser, mock, pages, page)?; // priming
    }
    let marks =
        |pages: &[Page]| -> Vec<usize> { pages.iter().map(|p| p.site.hits().len()).collect() };
    let loads = loads()?;
    let mark = marks(pages);
    for _ in 0..loads {
        for (s, page) in series.iter_mut().zip(pages) {
            s.warm.push(timed(browser, mock, pages, page)?);
        }
    }
    let n = downloads(pages, &mark, wasm);
    println!("warm loads downloaded the module {n} times (cached: expect 0)");
    let mark = marks(pages);
    for _ in 0..loads {
        for (s, page) in series.iter_mut().zip(pages) {
            cold.clear_cache()?;
            s.cold.push(timed(cold, mock, pages, page)?);
        }
    }
    let n = downloads(pages, &mark, wasm);
    let expected = loads * pages.iter().filter(|p| p.loads_module).count();
    println!("cold loads downloaded the module {n} times (expect {expected})");
    if n != expected {
        bail!("the cache was not emptied before every cold load ({n} of {expected} downloads)");
    }
    Ok(series)
}

/// Loads `page` `n` times in a row (the cache warm after the first) and times each.
pub fn measure_warm(
    browser: &Browser,
    mock: &MockItsm,
    page: &Page,
    n: usize,
) -> Result<Vec<Sample>> {
    (0..n)
        .map(|_| timed(browser, mock, std::slice::from_ref(page), page))
        .collect()
}

/// A statistic of one figure of `samples`.
pub fn stat(samples: &[Sample], pick: fn(&Sample) -> Duration, p: f64) -> Duration {
    percentile(&samples.iter().map(pick).collect::<Vec<_>>(), p)
}

/// Navigate command -> quick call request.
pub fn total(s: &Sample) -> Duration {
    s.total
}

/// Page request -> quick call request.
pub fn in_page(s: &Sample) -> Duration {
    s.in_page
}

/// `ours / base`, infinite when `base` is zero.
pub fn ratio(ours: Duration, base: Duration) -> f64 {
    if base.is_zero() {
        f64::INFINITY
    } else {
        ours.as_secs_f64() / base.as_secs_f64()
    }
}

/// Prints the last load of each page and cache state, request by request, then the
/// table of medians and 90th percentiles.
pub fn print(series: &[Series]) {
    println!("\nOne load of each, request by request (time since the page request):");
    for s in series {
        for (cache, samples) in [("warm", &s.warm), ("cold", &s.cold)] {
            let Some(last) = samples.last() else { continue };
            println!("{} ({cache}):", s.page);
            for (offset, what) in &last.waterfall {
                println!("  {:>9}  {what}", ms(*offset));
            }
        }
    }
    let width = series
        .iter()
        .map(|s| s.page.len())
        .max()
        .unwrap_or(0)
        .max(16);
    println!(
        "\n{:<width$} {:<8} {:>36} {:>36}",
        "page", "cache", "navigate -> ITSM", "page request -> ITSM"
    );
    println!(
        "{:<width$} {:<8} {:>12}{:>12}{:>12} {:>12}{:>12}{:>12}",
        "", "", "p10", "median", "p90", "p10", "median", "p90"
    );
    for s in series {
        for (cache, samples) in [("warm", &s.warm), ("cold", &s.cold)] {
            println!(
                "{:<width$} {:<8} {:>12}{:>12}{:>12} {:>12}{:>12}{:>12}",
                s.page,
                cache,
                ms(stat(samples, total, 10.0)),
                ms(stat(samples, total, 50.0)),
                ms(stat(samples, total, 90.0)),
                ms(stat(samples, in_page, 10.0)),
                ms(stat(samples, in_page, 50.0)),
                ms(stat(samples, in_page, 90.0)),
            );
        }
    }
}

/// The figures for one network condition: warm and cold ratios of the medians.
pub struct Ratios {
    /// Ours / baseline, warm cache, navigate -> ITSM.
    pub warm: f64,
    /// Ours / baseline, emptied cache, navigate -> ITSM.
    pub cold: f64,
    /// The medians behind them: (ours warm, base warm, ours cold, base cold).
    pub medians: [Duration; 4],
}

/// Ratios of `ours` to `base`.
pub fn ratios(ours: &Series, base: &Series) -> Ratios {
    let m = |s: &[Sample]| stat(s, total, 50.0);
    let medians = [m(&ours.warm), m(&base.warm), m(&ours.cold), m(&base.cold)];
    let warm = ratio(medians[0], medians[1]);
    let cold = ratio(medians[2], medians[3]);
    let warm_page = ratio(
        stat(&ours.warm, in_page, 50.0),
        stat(&base.warm, in_page, 50.0),
    );
    let cold_page = ratio(
        stat(&ours.cold, in_page, 50.0),
        stat(&base.cold, in_page, 50.0),
    );
    println!(
        "ours / baseline (medians): warm {warm:.2}x ({warm_page:.2}x in page), cold {cold:.2}x ({cold_page:.2}x in page)"
    );
    Ratios {
        warm,
        cold,
        medians,
    }
}

/// How many round trips in sequence a load made, seen from the servers: a request
/// arriving at least 3/4 of `latency` after the first request of the current round
/// starts a new round (a request that depends on an answer cannot arrive sooner). The
/// page request itself is the first round. Zero latency gives zero (not measurable).
pub fn rounds(sample: &Sample, latency: Duration) -> usize {
    if latency.is_zero() {
        return 0;
    }
    let gap = latency * 3 / 4;
    let mut rounds = 0;
    let mut start: Option<Duration> = None;
    for (at, _) in &sample.waterfall {
        if start.is_none_or(|s| *at >= s + gap) {
            rounds += 1;
            start = Some(*at);
        }
    }
    rounds
}

/// Measures both pages, warm and cold, on loopback (information) and with
/// [`LATENCY`] on every request (the budget), and prints the figures.
pub fn run(dist: &Dist) -> Result<Vec<Verdict>> {
    write_baseline(&dist.dir)?;
    let wasm = module_name(dist)?;

    let mock = MockItsm::start(0)?;
    let site = StaticServer::start(&dist.dir, 0)?;
    site.set_config(&e2e::config(&mock.origin()));
    let browser = Browser::start().context("cannot start headless Chromium")?;
    println!(
        "{} loads per page and cache state; page on {}, mock ITSM on {}",
        loads()?,
        site.origin(),
        mock.origin()
    );

    // Each variant on a server of its own, which sends the headers of its own
    // web.config (the Content-Security-Policy names the hashes of its inline scripts).
    let variants: Vec<(String, StaticServer)> = variants()?
        .into_iter()
        .map(|(name, dir)| {
            let server = StaticServer::start(&dir, 0)?;
            server.set_config(&e2e::config(&mock.origin()));
            Ok((name, server))
        })
        .collect::<Result<_>>()?;
    let mut pages = vec![
        Page {
            label: "lync-quickcall".into(),
            site: &site,
            path: format!("/index.html{QUERY}"),
            target: TARGET.into(),
            loads_module: true,
        },
        Page {
            label: "baseline".into(),
            site: &site,
            path: format!("/baseline.html{QUERY}"),
            target: TARGET.into(),
            loads_module: false,
        },
    ];
    for (name, server) in &variants {
        pages.push(Page {
            label: name.clone(),
            site: server,
            path: format!("/index.html{QUERY}"),
            target: TARGET.into(),
            loads_module: true,
        });
    }
    println!("\n-- on loopback (information: round trips cost nothing here)");
    let series = measure(&browser, &mock, &pages, &wasm)?;
    print(&series);
    let loopback = ratios(&series[0], &series[1]);

    println!(
        "\n-- with {} ms on every request (the budget)",
        LATENCY.as_millis()
    );
    browser.set_latency(LATENCY)?;
    let series = measure(&browser, &mock, &pages, &wasm)?;
    print(&series);
    let slow = ratios(&series[0], &series[1]);
    for variant in &series[2..] {
        print!("{}: ", variant.page);
        ratios(variant, &series[1]);
    }
    for s in &series {
        for (cache, samples) in [("warm", &s.warm), ("cold", &s.cold)] {
            if let Some(last) = samples.last() {
                println!(
                    "{} ({cache}): {} round trips in sequence to the ITSM",
                    s.page,
                    rounds(last, LATENCY)
                );
            }
        }
    }
    let detail = |r: &Ratios, which: usize| {
        format!(
            "median {} vs baseline {} = {:.2}x",
            ms(r.medians[which]),
            ms(r.medians[which + 1]),
            if which == 0 { r.warm } else { r.cold },
        )
    };
    let lat = LATENCY.as_millis();
    let mut verdicts = vec![
        Verdict::budget(
            format!("time to redirect at {lat} ms round trips, warm cache"),
            slow.warm <= MAX_RATIO,
            format!("{}, budget {MAX_RATIO}x", detail(&slow, 0)),
        ),
        Verdict::budget(
            format!("time to redirect at {lat} ms round trips, emptied cache"),
            slow.cold <= MAX_RATIO,
            format!("{}, budget {MAX_RATIO}x", detail(&slow, 2)),
        ),
        Verdict::info(
            "time to redirect on loopback",
            format!(
                "warm: {}; cold: {}",
                detail(&loopback, 0),
                detail(&loopback, 2)
            ),
        ),
    ];
    drop(browser);
    if !Engine::selected(None)?.contains(&Engine::Firefox) {
        println!("\n-- Firefox ESR: not measured ({ENGINES_VAR} leaves it out)");
        return Ok(verdicts);
    }
    println!(
        "\n-- in Firefox ESR, on loopback (information: WebDriver has no network emulation \
         in Firefox, so no {lat} ms round trips; warm loads, and cold ones in a second \
         session without an HTTP cache)"
    );
    crate::tools::for_firefox()?;
    let warm = Browser::launch(Engine::Firefox, &Options::default())
        .context("cannot start headless Firefox ESR")?;
    let cold = Browser::launch(
        Engine::Firefox,
        &Options {
            no_cache: true,
            ..Options::default()
        },
    )
    .context("cannot start headless Firefox ESR without a cache")?;
    let series = measure_in(&warm, &cold, &mock, &pages, &wasm)?;
    print(&series);
    let firefox = ratios(&series[0], &series[1]);
    // Firefox does not hand the preloaded config.json to the page's `no-cache` fetch:
    // a second request, after the module has started (one more round trip on a
    // network).
    let configs = series[0].warm.last().map_or(0, |last| {
        last.hits
            .iter()
            .filter(|(_, url)| url == "/config.json")
            .count()
    });
    println!("lync-quickcall (warm): config.json asked for {configs} times in one load");
    verdicts.push(Verdict::info(
        "time to redirect in Firefox ESR on loopback",
        format!(
            "warm: {}; cold (no HTTP cache): {}; Chromium on loopback: warm {:.2}x, cold {:.2}x; \
             config.json asked for {configs} times per load",
            detail(&firefox, 0),
            detail(&firefox, 2),
            loopback.warm,
            loopback.cold,
        ),
    ));
    Ok(verdicts)
}

/// Variants of the page to time beside it, for comparing a change before making it:
/// `LQC_BENCH_VARIANTS`, a list of folders (separated as `PATH` is), each a copy of a
/// distribution, modified. Each is served by a server of its own (with the headers of
/// its own `web.config`, so that its policy allows its own inline scripts) with the
/// same `config.json`, and timed like the page; its ratios to the baseline are printed
/// after the page's (information only, no budget).
pub const VARIANTS_VAR: &str = "LQC_BENCH_VARIANTS";

/// The variants [`VARIANTS_VAR`] names: (name, folder).
fn variants() -> Result<Vec<(String, std::path::PathBuf)>> {
    let Some(list) = std::env::var_os(VARIANTS_VAR) else {
        return Ok(Vec::new());
    };
    let mut out = Vec::new();
    for dir in std::env::split_paths(&list) {
        let name = dir
            .file_name()
            .and_then(|n| n.to_str())
            .with_context(|| format!("{VARIANTS_VAR}: {} has no usable name", dir.display()))?
            .to_string();
        ensure!(
            dir.join("index.html").is_file(),
            "{VARIANTS_VAR}: {} has no index.html (a copy of a built dist is expected)",
            dir.display()
        );
        out.push((name, dir));
    }
    Ok(out)
}
