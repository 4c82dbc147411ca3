//! `cargo xtask profile`: where the time of one warm load goes, beside the plain-JS
//! baseline's.
//!
//! Builds the distribution, serves it with the bench's mock ITSM and config, and loads
//! the page and the bench's baseline page in headless Chromium with
//! [`redirect::LATENCY`] on every request (as the bench's budget), three times each to
//! warm the cache and once more each, the loads profiled. Chromium traces itself from
//! its start (start-up tracing, [`Trace`]: ChromeDriver's performance log, which stops
//! and restarts tracing around every command, lost the renderer's events) with the
//! categories in [`CATEGORIES`]; from the trace this prints, for each of the two loads,
//! from its request for the page to its request to the ITSM:
//!
//! - the requests, when each started and was answered;
//! - the milestones on the renderer's main thread (the HTML parsed, each script
//!   compiled and run, layout and paint, the module compiled and instantiated, the
//!   page leaving), in order;
//! - the longest main-thread tasks and what they did, and how busy the thread was;
//! - what V8 did with the WebAssembly module (streaming compilation, lazy compilation
//!   of functions, instantiation), with counts and total time.
//!
//! The trace, every event of the session, is `target/profile/trace.json`, which the
//! DevTools Performance panel ("Load profile…") and <https://ui.perfetto.dev> open.

use std::collections::BTreeMap;
use std::fs;
use std::path::Path;
use std::time::{Duration, Instant};

use anyhow::{bail, Context, Result};
use serde_json::Value;

use super::ms;
use super::redirect::{self, stat, total, Sample, LATENCY};
use crate::cmd::target_dir;
use crate::e2e;
use crate::serve::{MockItsm, StaticServer};
use crate::webdriver::{Browser, Trace};
use crate::{dist, tools};

/// The trace categories: the DevTools timeline (tasks, parsing, script evaluation),
/// V8's WebAssembly compilation, and loading; [`CATEGORIES_VAR`] replaces them.
pub const CATEGORIES: &str = "devtools.timeline,disabled-by-default-devtools.timeline,toplevel,v8,v8.wasm,disabled-by-default-v8.wasm.detailed,loading,blink.user_timing";

/// Replaces [`CATEGORIES`] (comma-separated): fewer categories slow the traced load
/// less (recording each function V8 compiles costs time of its own;
/// `devtools.timeline,toplevel,loading` still gives the requests and milestones).
pub const CATEGORIES_VAR: &str = "LQC_TRACE_CATEGORIES";

/// How long the browser traces: the warm-ups and the traced loads take a few seconds;
/// the rest is margin for a busy machine.
const TRACE_SECONDS: u64 = 20;

/// Trace events that only say a task ran, left out when naming what it did.
const GENERIC: [&str; 6] = [
    "RunTask",
    "ThreadControllerImpl::RunTask",
    "BlinkScheduler_PerformMicrotaskCheckpoint",
    "RunMicrotasks",
    "SequenceManager::DoIdleWork",
    "ThreadPool_RunTask",
];

/// The main-thread events the milestones list (the DevTools timeline's names).
const MILESTONES: [&str; 12] = [
    "ParseHTML",
    "v8.compileModule",
    "EvaluateScript",
    "v8.evaluateModule",
    "MarkDOMContent",
    "Layout",
    "Paint",
    "wasm.FinishStreaming",
    "wasm.SyncInstantiate",
    "FunctionCall",
    "BlinkScheduler_PerformMicrotaskCheckpoint",
    "FrameStartedLoading",
];

/// A trace event's duration, in microseconds (`dur`, complete events only).
fn duration_us(event: &Value) -> f64 {
    event.get("dur").and_then(Value::as_f64).unwrap_or(0.0)
}

/// A trace event's time stamp, in microseconds.
fn ts(event: &Value) -> f64 {
    event.get("ts").and_then(Value::as_f64).unwrap_or(f64::NAN)
}

/// A trace event's name.
fn name(event: &Value) -> &str {
    event.get("name").and_then(Value::as_str).unwrap_or("")
}

/// A trace event's process and thread.
fn thread(event: &Value) -> Option<(i64, i64)> {
    Some((
        event.get("pid").and_then(Value::as_i64)?,
        event.get("tid").and_then(Value::as_i64)?,
    ))
}

/// The events of a trace file: the Trace Event Format's object form
/// (`{"traceEvents": [...]}`) or its array form.
fn trace_events(text: &str) -> Result<Vec<Value>> {
    let value: Value = serde_json::from_str(text)?;
    match value {
        Value::Array(events) => Ok(events),
        Value::Object(mut o) => match o.remove("traceEvents") {
            Some(Value::Array(events)) => Ok(events),
            _ => bail!("no traceEvents list"),
        },
        _ => bail!("neither a list nor an object"),
    }
}

/// Whether `event` is one of the renderer's top-level tasks (named `RunTask` up to
/// Chromium 13x, `ThreadControllerImpl::RunTask` since).
fn is_task(event: &Value) -> bool {
    matches!(name(event), "RunTask" | "ThreadControllerImpl::RunTask")
}

/// Waits for the browser to write its trace (at [`TRACE_SECONDS`] from its start) and
/// reads it.
fn read_trace(file: &Path) -> Result<Vec<Value>> {
    let wait = TRACE_SECONDS + 45;
    let deadline = Instant::now() + Duration::from_secs(wait);
    loop {
        // The file appears when the trace ends and grows until it is written whole.
        if let Ok(text) = fs::read_to_string(file) {
            if let Ok(events) = trace_events(&text) {
                return Ok(events);
            }
        }
        if Instant::now() > deadline {
            bail!(
                "Chromium wrote no complete trace to {} within {wait} s of its start",
                file.display()
            );
        }
        std::thread::sleep(Duration::from_millis(250));
    }
}

/// One request of the trace: when it started (the browser's `ResourceWillSendRequest`
/// for a document, which the renderer logs only once it commits) and was answered.
struct Request {
    start: f64,
    url: String,
    answer: Option<(f64, String)>,
}

/// Every request of the trace.
fn requests(trace: &[Value]) -> Vec<Request> {
    let mut starts: BTreeMap<&str, (f64, &str)> = BTreeMap::new();
    let mut answers: BTreeMap<&str, (f64, String)> = BTreeMap::new();
    let mut will_send: BTreeMap<&str, f64> = BTreeMap::new();
    for e in trace {
        let data = &e["args"]["data"];
        let Some(id) = data["requestId"].as_str() else {
            continue;
        };
        match name(e) {
            "ResourceWillSendRequest" => {
                will_send.insert(id, ts(e));
            }
            "ResourceSendRequest" => {
                if let Some(url) = data["url"].as_str() {
                    starts.insert(id, (ts(e), url));
                }
            }
            "ResourceReceiveResponse" => {
                let note = if data["fromCache"].as_bool() == Some(true) {
                    "cache".to_string()
                } else {
                    data["statusCode"].as_i64().unwrap_or(0).to_string()
                };
                answers.insert(id, (ts(e), note));
            }
            _ => {}
        }
    }
    starts
        .into_iter()
        .map(|(id, (start, url))| Request {
            start: will_send.get(id).map_or(start, |w| w.min(start)),
            url: url.to_string(),
            answer: answers.remove(id),
        })
        .collect()
}

/// A URL's path and query.
fn short(url: &str) -> &str {
    let rest = url.split_once("://").map_or(url, |(_, r)| r);
    rest.find('/').map_or(rest, |i| &rest[i..])
}

/// One traced load: from its request for the page to its request to the ITSM, and the
/// main thread of the renderer that ran it.
struct Load {
    origin: f64,
    itsm: f64,
    main: (i64, i64),
}

impl Load {
    /// The last load of `path` in `trace`.
    fn find(trace: &[Value], requests: &[Request], path: &str) -> Result<Load> {
        let origin = requests
            .iter()
            .filter(|r| short(&r.url).starts_with(path))
            .map(|r| r.start)
            .fold(f64::NEG_INFINITY, f64::max);
        if !origin.is_finite() {
            bail!("the trace has no request for {path}");
        }
        let itsm = requests
            .iter()
            .filter(|r| r.start >= origin && short(&r.url) == redirect::TARGET)
            .map(|r| r.start)
            .fold(f64::INFINITY, f64::min);
        if !itsm.is_finite() {
            bail!("the trace has no request to the ITSM after {path}'s");
        }
        let main = trace
            .iter()
            .filter(|e| name(e) == "ParseHTML" && ts(e) >= origin && ts(e) <= itsm)
            .filter(|e| {
                e["args"]["beginData"]["url"]
                    .as_str()
                    .is_some_and(|u| short(u).starts_with(path))
            })
            .find_map(thread)
            .with_context(|| format!("the trace has no parsing of {path}"))?;
        Ok(Load { origin, itsm, main })
    }

    /// Whether `e` happened during the load.
    fn during(&self, e: &Value) -> bool {
        (self.origin..=self.itsm).contains(&ts(e))
    }

    /// Milliseconds from the page request to `us`.
    fn at(&self, us: f64) -> f64 {
        (us - self.origin) / 1000.0
    }
}

/// What a milestone was about: the script's line, the request, the parsed lines.
fn detail(e: &Value) -> String {
    let data = &e["args"]["data"];
    let begin = &e["args"]["beginData"];
    match name(e) {
        "EvaluateScript" | "v8.compileModule" => data["lineNumber"]
            .as_i64()
            .map(|l| format!("line {l}"))
            .unwrap_or_default(),
        "ParseHTML" => match (
            begin["startLine"].as_i64(),
            e["args"]["endData"]["endLine"].as_i64(),
        ) {
            (Some(a), Some(b)) => format!("lines {a}-{b}"),
            _ => String::new(),
        },
        "FunctionCall" => data["functionName"].as_str().unwrap_or("").to_string(),
        _ => String::new(),
    }
}

/// Prints one traced load (see the module documentation).
fn summarise(trace: &[Value], requests: &[Request], label: &str, path: &str) -> Result<()> {
    let load = Load::find(trace, requests, path)?;
    println!(
        "\n== {label}: {:.1} ms from the request for {path} to the ITSM's",
        load.at(load.itsm)
    );
    println!("requests (start -> answer):");
    let mut rows: Vec<&Request> = requests
        .iter()
        .filter(|r| r.url.starts_with("http") && r.start >= load.origin && r.start <= load.itsm)
        .collect();
    rows.sort_by(|a, b| a.start.total_cmp(&b.start));
    for r in rows {
        let answer = match &r.answer {
            Some((t, note)) => format!("{:>8.1} ms  {note:<5}", load.at(*t)),
            None => "   (none: the page left)".to_string(),
        };
        println!(
            "  {:>8.1} ms -> {answer}  {}",
            load.at(r.start),
            short(&r.url)
        );
    }

    let on_main = |e: &&Value| thread(e) == Some(load.main) && load.during(e);
    println!("main thread milestones (start, duration):");
    let mut marks: Vec<&Value> = trace
        .iter()
        .filter(on_main)
        .filter(|e| MILESTONES.contains(&name(e)))
        // Microtask checkpoints only when they did something.
        .filter(|e| {
            name(e) != "BlinkScheduler_PerformMicrotaskCheckpoint" || duration_us(e) >= 500.0
        })
        .collect();
    marks.sort_by(|a, b| ts(a).total_cmp(&ts(b)));
    for e in marks {
        let label = match name(e) {
            "BlinkScheduler_PerformMicrotaskCheckpoint" => "microtasks (promise callbacks)",
            "FrameStartedLoading" => "the page leaves (location.replace)",
            other => other,
        };
        println!(
            "  {:>8.1} ms {:>6.1} ms  {label} {}",
            load.at(ts(e)),
            duration_us(e) / 1000.0,
            detail(e)
        );
    }

    // Top-level tasks only: Chromium logs some tasks twice, one event in the other.
    let mut top: Vec<&Value> = trace
        .iter()
        .filter(on_main)
        .filter(|e| is_task(e))
        .collect();
    top.sort_by(|a, b| {
        ts(a)
            .total_cmp(&ts(b))
            .then(duration_us(b).total_cmp(&duration_us(a)))
    });
    let mut end = f64::NEG_INFINITY;
    top.retain(|e| {
        let keep = ts(e) >= end;
        if keep {
            end = ts(e) + duration_us(e);
        }
        keep
    });
    let mut tasks: Vec<(f64, f64, String)> = Vec::new();
    for task in top {
        let (start, dur) = (ts(task), duration_us(task));
        // What the task did: the longest events nested in it, scheduler plumbing left out.
        let mut inner: Vec<(f64, &str)> = trace
            .iter()
            .filter(|e| thread(e) == Some(load.main))
            .filter(|e| ts(e) >= start && ts(e) < start + dur)
            .map(|e| (duration_us(e), name(e)))
            .filter(|(d, n)| *d >= dur / 5.0 && !GENERIC.contains(n))
            .collect();
        inner.sort_by(|a, b| b.0.total_cmp(&a.0));
        let mut names: Vec<&str> = Vec::new();
        for (_, n) in inner {
            if !names.contains(&n) && names.len() < 4 {
                names.push(n);
            }
        }
        tasks.push((dur, start, names.join(" > ")));
    }
    let busy: f64 = tasks.iter().map(|t| t.0).sum();
    tasks.sort_by(|a, b| b.0.total_cmp(&a.0));
    println!(
        "main thread: {} tasks, {:.1} ms busy; the longest (start, duration):",
        tasks.len(),
        busy / 1000.0
    );
    for (dur, start, inner) in tasks.iter().take(8) {
        println!(
            "  {:>8.1} ms {:>6.1} ms  {inner}",
            load.at(*start),
            dur / 1000.0
        );
    }

    let mut wasm_work: BTreeMap<&str, (usize, f64)> = BTreeMap::new();
    for e in trace
        .iter()
        .filter(|e| load.during(e) && thread(e).map(|t| t.0) == Some(load.main.0))
    {
        let cat = e.get("cat").and_then(Value::as_str).unwrap_or("");
        if cat.contains("wasm") || name(e).to_ascii_lowercase().contains("wasm") {
            let entry = wasm_work.entry(name(e)).or_default();
            entry.0 += 1;
            entry.1 += duration_us(e);
        }
    }
    if !wasm_work.is_empty() {
        println!("WebAssembly, every thread of the renderer: event, count, total time");
        let mut wasm_rows: Vec<_> = wasm_work.into_iter().collect();
        wasm_rows.sort_by(|a, b| b.1 .1.total_cmp(&a.1 .1));
        for (name, (count, us)) in wasm_rows.iter().take(12) {
            println!("  {name:<40} {count:>6} {:>9.1} ms", us / 1000.0);
        }
    }
    Ok(())
}

/// Profiles one warm load of the page and one of the baseline and prints the summary
/// (see the module documentation).
pub fn run() -> Result<()> {
    tools::for_browser()?;
    let dist = dist::run(&target_dir().join("bench-dist"))?;
    redirect::write_baseline(&dist.dir)?;
    let mock = MockItsm::start(0)?;
    let site = StaticServer::start(&dist.dir, 0)?;
    site.set_config(&e2e::config(&mock.origin()));
    let categories = std::env::var(CATEGORIES_VAR).unwrap_or_else(|_| CATEGORIES.to_string());
    let out = target_dir().join("profile");
    fs::create_dir_all(&out)?;
    let file = out.join("trace.json");
    if file.exists() {
        fs::remove_file(&file).with_context(|| format!("cannot remove {}", file.display()))?;
    }
    let started = Instant::now();
    let browser = Browser::start_traced(Trace {
        categories,
        file: file.clone(),
        seconds: TRACE_SECONDS,
    })
    .context("cannot start headless Chromium")?;
    browser.set_latency(LATENCY)?;
    let page = |label: &str, path: &str, loads_module: bool| redirect::Page {
        label: label.into(),
        site: &site,
        path: format!("{path}{}", redirect::QUERY),
        target: redirect::TARGET.into(),
        loads_module,
    };
    let pages = [
        (
            "lync-quickcall",
            "/index.html",
            page("lync-quickcall", "/index.html", true),
        ),
        (
            "baseline",
            "/baseline.html",
            page("baseline", "/baseline.html", false),
        ),
    ];
    // A few loads of each to warm the cache, then the traced ones: the trace records
    // them all, and what follows looks at the last of each.
    for (label, _, p) in &pages {
        let warmed = redirect::measure_warm(&browser, &mock, p, 3)?;
        println!(
            "{label}: warm-up, 3 loads, median {} navigate -> ITSM",
            ms(stat(&warmed, total, 50.0))
        );
    }
    let mut samples: Vec<Sample> = Vec::new();
    for (_, _, p) in &pages {
        samples.extend(redirect::measure_warm(&browser, &mock, p, 1)?);
    }
    if started.elapsed().as_secs() + 1 >= TRACE_SECONDS {
        bail!(
            "the traced loads ended {} s after Chromium started, too close to the end of its {TRACE_SECONDS} s trace: the machine is busy, run it again",
            started.elapsed().as_secs()
        );
    }
    for ((label, _, _), s) in pages.iter().zip(&samples) {
        println!(
            "{label}: traced load, {} from the page request to the ITSM",
            ms(s.in_page)
        );
    }
    println!(
        "{} ms on every request; waiting for Chromium's trace (written {TRACE_SECONDS} s after its start)",
        LATENCY.as_millis()
    );
    let trace = read_trace(&file)?;
    drop(browser);
    let requests = requests(&trace);
    for (label, path, _) in &pages {
        summarise(&trace, &requests, label, path)?;
    }
    println!(
        "\ntrace ({} events): {} (DevTools Performance panel: Load profile; or ui.perfetto.dev)",
        trace.len(),
        file.display()
    );
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn trace_files_of_both_forms_are_read() {
        let events = trace_events(r#"{"traceEvents":[{"name":"a"}],"metadata":{}}"#).unwrap();
        assert_eq!(events.len(), 1);
        assert_eq!(
            trace_events(r#"[{"name":"a"},{"name":"b"}]"#)
                .unwrap()
                .len(),
            2
        );
        assert!(trace_events(r#"{"other":[]}"#).is_err());
        // Chromium writes the file as the trace ends: a cut file is not read.
        assert!(trace_events(r#"{"traceEvents":[{"name":"a"},"#).is_err());
    }

    fn request(name: &str, ts: f64, data: Value) -> Value {
        json!({ "name": name, "ts": ts, "pid": 1, "tid": 1, "args": { "data": data } })
    }

    /// A load of /index.html: the browser's start of the document request, the
    /// renderer's, the module from the cache, the ITSM; parsed on thread (2, 3).
    fn load() -> Vec<Value> {
        let page = "http://127.0.0.1:1/index.html?contactId=x";
        vec![
            request(
                "ResourceWillSendRequest",
                1000.0,
                json!({ "requestId": "d" }),
            ),
            request(
                "ResourceSendRequest",
                30000.0,
                json!({ "requestId": "d", "url": page }),
            ),
            request(
                "ResourceReceiveResponse",
                30100.0,
                json!({ "requestId": "d", "statusCode": 200 }),
            ),
            json!({ "name": "ParseHTML", "ts": 31000.0, "dur": 500.0, "pid": 2, "tid": 3,
                    "args": { "beginData": { "url": page, "startLine": 0 } } }),
            request(
                "ResourceSendRequest",
                32000.0,
                json!({ "requestId": "m", "url": "http://127.0.0.1:1/m.wasm" }),
            ),
            request(
                "ResourceReceiveResponse",
                35000.0,
                json!({ "requestId": "m", "fromCache": true, "statusCode": 200 }),
            ),
            request(
                "ResourceSendRequest",
                90000.0,
                json!({ "requestId": "i", "url": format!("http://127.0.0.1:2{}", redirect::TARGET) }),
            ),
        ]
    }

    #[test]
    fn a_document_request_starts_when_the_browser_sends_it() {
        let requests = requests(&load());
        let page = requests
            .iter()
            .find(|r| r.url.contains("index.html"))
            .unwrap();
        assert_eq!(page.start, 1000.0);
        assert_eq!(page.answer, Some((30100.0, "200".to_string())));
        let module = requests.iter().find(|r| r.url.ends_with(".wasm")).unwrap();
        assert_eq!(module.start, 32000.0);
        assert_eq!(module.answer, Some((35000.0, "cache".to_string())));
    }

    #[test]
    fn a_load_runs_from_the_page_request_to_the_itsm_request() {
        let trace = load();
        let load = Load::find(&trace, &requests(&trace), "/index.html").unwrap();
        assert_eq!(
            (load.origin, load.itsm, load.main),
            (1000.0, 90000.0, (2, 3))
        );
        assert_eq!(load.at(31000.0), 30.0);
        assert!(Load::find(&trace, &requests(&trace), "/baseline.html").is_err());
    }

    #[test]
    fn short_keeps_the_path_and_query() {
        assert_eq!(short("http://127.0.0.1:8/a/b?c=d"), "/a/b?c=d");
        assert_eq!(short("/a"), "/a");
    }
}
