//! `cargo xtask profile`: where the time of one warm load goes.
//!
//! Builds the distribution, serves it with the bench's mock ITSM and config, and loads
//! the page in headless Chromium with [`redirect::LATENCY`] on every request (as the
//! bench's budget), once to warm the cache and once traced. ChromeDriver's performance
//! log records the DevTools network events and a trace of the categories in
//! [`CATEGORIES`]; this prints
//!
//! - the requests, when each started and finished, from the navigation's start;
//! - the renderer's main-thread tasks (`RunTask`), the busiest first, and how busy the
//!   thread was until the ITSM request;
//! - what V8 did with the WebAssembly module (streaming compilation, lazy compilation
//!   of functions, instantiation), with counts and total time;
//!
//! and writes every trace event to `target/profile/trace.json`, which the DevTools
//! Performance panel ("Load profile…") and <https://ui.perfetto.dev> open.

use std::collections::BTreeMap;
use std::fs;

use anyhow::{Context, Result};
use serde_json::{json, Value};

use super::ms;
use super::redirect::{self, stat, total, LATENCY};
use crate::cmd::target_dir;
use crate::e2e;
use crate::serve::{MockItsm, StaticServer};
use crate::webdriver::Browser;
use crate::{dist, tools};

/// The trace categories: the DevTools timeline (tasks, parsing, script evaluation),
/// V8's WebAssembly compilation, and loading; [`CATEGORIES_VAR`] replaces them.
pub const CATEGORIES: &str = "devtools.timeline,disabled-by-default-devtools.timeline,toplevel,v8,v8.wasm,disabled-by-default-v8.wasm.detailed,loading,blink.user_timing";

/// Replaces [`CATEGORIES`] (comma-separated): fewer categories slow the traced load
/// less (recording each function V8 compiles costs time of its own).
pub const CATEGORIES_VAR: &str = "LQC_TRACE_CATEGORIES";

/// Trace events that only say a task ran, left out when naming what it did.
const GENERIC: [&str; 6] = [
    "RunTask",
    "ThreadControllerImpl::RunTask",
    "BlinkScheduler_PerformMicrotaskCheckpoint",
    "RunMicrotasks",
    "SequenceManager::DoIdleWork",
    "ThreadPool_RunTask",
];

/// A trace event's duration, in microseconds (`dur`, complete events only).
fn duration_us(event: &Value) -> f64 {
    event.get("dur").and_then(Value::as_f64).unwrap_or(0.0)
}

/// The events of `kind` (`method`) in a performance log.
fn events<'a>(log: &'a [Value], kind: &'a str) -> impl Iterator<Item = &'a Value> + 'a {
    log.iter()
        .filter(move |m| m.get("method").and_then(Value::as_str) == Some(kind))
        .filter_map(|m| m.get("params"))
}

/// Every trace event of the log: ChromeDriver logs each as one `Tracing.dataCollected`
/// message whose parameters are the event (DevTools itself sends batches in `value`).
fn trace_events(log: &[Value]) -> Vec<Value> {
    let mut out = Vec::new();
    for p in events(log, "Tracing.dataCollected") {
        match p.get("value").and_then(Value::as_array) {
            Some(batch) => out.extend(batch.iter().cloned()),
            None => out.push(p.clone()),
        }
    }
    out
}

/// The (pid, tid) of the renderer's main thread: the thread named `CrRendererMain`
/// with the most `RunTask` time (the page's renderer, not about:blank's).
fn renderer_main(trace: &[Value]) -> Option<(i64, i64)> {
    let id = |e: &Value| {
        Some((
            e.get("pid").and_then(Value::as_i64)?,
            e.get("tid").and_then(Value::as_i64)?,
        ))
    };
    let mains: Vec<(i64, i64)> = trace
        .iter()
        .filter(|e| e.get("name").and_then(Value::as_str) == Some("thread_name"))
        .filter(|e| e["args"]["name"].as_str() == Some("CrRendererMain"))
        .filter_map(id)
        .collect();
    let mut busy: BTreeMap<(i64, i64), f64> = BTreeMap::new();
    for e in trace {
        if e.get("name").and_then(Value::as_str) == Some("RunTask") {
            if let Some(t) = id(e).filter(|t| mains.contains(t)) {
                *busy.entry(t).or_default() += duration_us(e);
            }
        }
    }
    busy.into_iter()
        .max_by(|a, b| a.1.total_cmp(&b.1))
        .map(|(t, _)| t)
}

/// Profiles one warm load and prints the summary (see the module documentation).
pub fn run() -> Result<()> {
    tools::for_browser()?;
    let dist = dist::run(&target_dir().join("bench-dist"))?;
    redirect::write_baseline(&dist.dir)?;
    let mock = MockItsm::start(0)?;
    let site = StaticServer::start(&dist.dir, 0)?;
    site.set_config(&e2e::config(&mock.origin()));
    let categories = std::env::var(CATEGORIES_VAR).unwrap_or_else(|_| CATEGORIES.to_string());
    let browser = Browser::start_traced(&categories).context("cannot start headless Chromium")?;
    browser.set_latency(LATENCY)?;
    let page = redirect::Page {
        label: "lync-quickcall".into(),
        site: &site,
        path: format!("/index.html{}", redirect::QUERY),
        target: redirect::TARGET.into(),
        loads_module: true,
    };
    let wasm = redirect::module_name(&dist)?;
    // A few loads to warm the cache (and V8's code cache, which needs repeats),
    // then the traced one.
    let warmed = redirect::measure_warm(&browser, &mock, &page, 3)?;
    println!(
        "warm-up: {} loads, median {} navigate -> ITSM",
        warmed.len(),
        ms(stat(&warmed, total, 50.0))
    );
    // Forget the warm-up; ChromeDriver hands trace events over some time after they
    // happen, so wait for the stragglers before and after the traced load.
    let settle = || std::thread::sleep(std::time::Duration::from_millis(1500));
    // ChromeDriver sometimes hands over a trace without the renderer's events (seen
    // about one time in three here): trace another load then, up to three.
    let mut traced = None;
    for _ in 0..3 {
        settle();
        browser.performance_log()?;
        let sample = redirect::measure_warm(&browser, &mock, &page, 1)?;
        settle();
        let mut log = browser.performance_log()?;
        settle();
        log.extend(browser.performance_log()?);
        let complete = trace_events(&log).iter().any(|e| {
            matches!(
                e["name"].as_str(),
                Some("wasm.FinishStreaming" | "v8.wasm.compileConsume")
            )
        });
        traced = Some((sample, log));
        if complete {
            break;
        }
        println!("(the trace lacks the module's compilation: tracing another load)");
    }
    let (sample, log) = traced.context("no traced load")?;
    let sample = sample.first().context("no traced load")?;
    println!(
        "traced load: {} from the page request to the ITSM, {} ms on every request (tracing slows the WebDriver commands around it, not the page)",
        ms(sample.in_page),
        LATENCY.as_millis()
    );

    // Requests, from the page's own request.
    let mut starts: BTreeMap<String, (f64, String)> = BTreeMap::new();
    for p in events(&log, "Network.requestWillBeSent") {
        let (Some(id), Some(ts), Some(url)) = (
            p["requestId"].as_str(),
            p["timestamp"].as_f64(),
            p["request"]["url"].as_str(),
        ) else {
            continue;
        };
        starts.insert(id.to_string(), (ts, url.to_string()));
    }
    let mut ends: BTreeMap<String, (f64, String)> = BTreeMap::new();
    for p in events(&log, "Network.responseReceived") {
        if let (Some(id), Some(ts)) = (p["requestId"].as_str(), p["timestamp"].as_f64()) {
            let cached = p["response"]["fromDiskCache"].as_bool() == Some(true)
                || p["response"]["fromPrefetchCache"].as_bool() == Some(true);
            let status = p["response"]["status"].as_i64().unwrap_or(0);
            let note = if cached {
                "cache".to_string()
            } else {
                status.to_string()
            };
            ends.insert(id.to_string(), (ts, note));
        }
    }
    // The traced load's own request for the page (the log may still hold the end of
    // the warm-up).
    let origin = starts
        .values()
        .filter(|(_, u)| u.contains("/index.html"))
        .map(|(t, _)| *t)
        .fold(f64::NEG_INFINITY, f64::max);
    let mut rows: Vec<(f64, String)> = starts
        .iter()
        .filter(|(_, (t, u))| !u.starts_with("about:") && *t >= origin)
        .map(|(id, (t, url))| {
            let end = ends
                .get(id)
                .map(|(e, note)| format!("{:>8.1} ms  {note}", (e - origin) * 1000.0))
                .unwrap_or_else(|| "       (no response: the page had left)".into());
            let short = url.split_once("://").map_or(url.as_str(), |(_, r)| r);
            let short = short.split_once('/').map_or(short, |(_, p)| p);
            (
                *t,
                format!("{:>8.1} ms -> {end}  /{short}", (t - origin) * 1000.0),
            )
        })
        .collect();
    rows.sort_by(|a, b| a.0.total_cmp(&b.0));
    println!("\nrequests (start -> response, from the request for index.html):");
    for (_, row) in &rows {
        println!("  {row}");
    }

    // The renderer's main thread and V8's WebAssembly work.
    let trace = trace_events(&log);
    let out = target_dir().join("profile");
    fs::create_dir_all(&out)?;
    let file = out.join("trace.json");
    fs::write(&file, serde_json::to_vec(&json!({ "traceEvents": trace }))?)
        .with_context(|| format!("cannot write {}", file.display()))?;
    let Some(main) = renderer_main(&trace) else {
        println!(
            "\nthe trace has no renderer main thread ({} events)",
            trace.len()
        );
        println!("trace: {}", file.display());
        return Ok(());
    };
    let on_main = |e: &&Value| {
        e.get("pid").and_then(Value::as_i64) == Some(main.0)
            && e.get("tid").and_then(Value::as_i64) == Some(main.1)
    };
    // ChromeDriver may hand over some of the warm-up's events too: the window is the
    // traced load's time to the ITSM on either side of the module's last compilation.
    let span = sample.in_page.as_secs_f64() * 1e6;
    let anchor = trace
        .iter()
        .filter(|e| {
            matches!(
                e["name"].as_str(),
                Some("wasm.FinishStreaming" | "v8.wasm.compileConsume")
            )
        })
        .filter_map(|e| e["ts"].as_f64())
        .fold(f64::NEG_INFINITY, f64::max);
    let start_us = anchor - span;
    let in_window = |e: &&Value| {
        let t = e["ts"].as_f64().unwrap_or(-1.0);
        t >= start_us && t <= anchor + span
    };
    let mut tasks: Vec<(f64, f64, String)> = Vec::new();
    for task in trace
        .iter()
        .filter(on_main)
        .filter(in_window)
        .filter(|e| e.get("name").and_then(Value::as_str) == Some("RunTask"))
    {
        let (ts, dur) = (task["ts"].as_f64().unwrap_or(0.0), duration_us(task));
        // What the task did: the longest events nested in it, scheduler plumbing left out.
        let mut inner: Vec<(f64, &str)> = trace
            .iter()
            .filter(on_main)
            .filter(|e| {
                let t = e["ts"].as_f64().unwrap_or(-1.0);
                t >= ts && t < ts + dur
            })
            .filter_map(|e| Some((duration_us(e), e["name"].as_str()?)))
            .filter(|(d, n)| *d >= dur / 5.0 && !GENERIC.contains(n))
            .collect();
        inner.sort_by(|a, b| b.0.total_cmp(&a.0));
        let mut names: Vec<&str> = Vec::new();
        for (_, n) in inner {
            if !names.contains(&n) && names.len() < 4 {
                names.push(n);
            }
        }
        tasks.push((dur, ts, names.join(" > ")));
    }
    let busy: f64 = tasks.iter().map(|t| t.0).sum();
    tasks.sort_by(|a, b| b.0.total_cmp(&a.0));
    println!(
        "\nrenderer main thread, the load's time to the ITSM either side of the module's compilation: {} tasks, {:.1} ms busy; the longest:",
        tasks.len(),
        busy / 1000.0
    );
    for (dur, ts, inner) in tasks.iter().take(12) {
        println!(
            "  {:>7.1} ms at {:>7.1} ms  {inner}",
            dur / 1000.0,
            (ts - start_us) / 1000.0
        );
    }
    let mut wasm_work: BTreeMap<String, (usize, f64)> = BTreeMap::new();
    for e in trace.iter().filter(in_window) {
        let cat = e.get("cat").and_then(Value::as_str).unwrap_or("");
        let name = e.get("name").and_then(Value::as_str).unwrap_or("");
        if cat.contains("wasm") || name.to_ascii_lowercase().contains("wasm") {
            let entry = wasm_work.entry(name.to_string()).or_default();
            entry.0 += 1;
            entry.1 += duration_us(e);
        }
    }
    println!("\nWebAssembly ({wasm}), every thread, same window: event, count, total time");
    let mut wasm_rows: Vec<_> = wasm_work.into_iter().collect();
    wasm_rows.sort_by(|a, b| b.1 .1.total_cmp(&a.1 .1));
    for (name, (count, us)) in wasm_rows.iter().take(15) {
        println!("  {name:<48} {count:>6} {:>9.1} ms", us / 1000.0);
    }
    println!(
        "\ntrace ({} events): {} (DevTools Performance panel: Load profile; or ui.perfetto.dev)",
        trace.len(),
        file.display()
    );
    Ok(())
}
