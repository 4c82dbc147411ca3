//! A minimal WebDriver client: just what the end-to-end tests and the benchmarks need,
//! over `ureq` and `serde_json`, driving headless Chromium through ChromeDriver.
//!
//! [`Browser::start`] starts its own ChromeDriver (`$CHROMEDRIVER`, else
//! `/usr/bin/chromedriver`) on a free port, waits for `/status` to report ready, and
//! opens one session on Chromium (`$CHROME_BIN`, else `/usr/bin/chromium`) with a fresh
//! profile directory. Dropping the [`Browser`] deletes the session and stops the driver.
//!
//! Endpoints used (W3C WebDriver, plus ChromeDriver's CDP passthrough):
//! `POST /session`, `POST /session/{id}/timeouts`, `POST|GET /session/{id}/url`,
//! `POST /session/{id}/back`, `POST /session/{id}/execute/sync`,
//! `GET /session/{id}/window`, `GET /session/{id}/window/handles`,
//! `POST /session/{id}/window/new`, `POST|DELETE /session/{id}/window`,
//! `POST /session/{id}/goog/cdp/execute`, `POST /session/{id}/se/log` (the
//! performance log), `POST|DELETE /session/{id}/actions` (key presses),
//! `DELETE /session/{id}`.

use std::fs::File;
use std::net::TcpListener;
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use anyhow::{anyhow, bail, Context, Result};
use serde_json::{json, Value};

use crate::cmd::TempDir;
use crate::tools;

/// The Chromium switches every session uses: headless, and everything that would make
/// requests of its own (updates, sync, field trials) turned off, so the servers only
/// see what the page asks for. `--no-sandbox` because CI runs as root.
pub const CHROME_ARGS: [&str; 9] = [
    "--headless=new",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-dev-shm-usage",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
];

/// WebDriver's key codes for [`Browser::press`] (W3C WebDriver, "Keyboard actions").
pub mod keys {
    /// The Enter key.
    pub const ENTER: &str = "\u{E007}";
    /// The down arrow.
    pub const ARROW_DOWN: &str = "\u{E015}";
    /// The up arrow.
    pub const ARROW_UP: &str = "\u{E013}";
}

/// How often [`Browser::wait_for`] polls.
const POLL: Duration = Duration::from_millis(20);

/// A headless Chromium session and the ChromeDriver behind it.
pub struct Browser {
    agent: ureq::Agent,
    /// `http://127.0.0.1:<port>/session/<id>`.
    session: String,
    /// `http://127.0.0.1:<port>`.
    driver_url: String,
    driver: Child,
    /// The driver's log and the browser profile; removed after the driver stops.
    scratch: TempDir,
}

/// A free TCP port on 127.0.0.1 (free when asked; the driver binds it right after).
fn free_port() -> Result<u16> {
    let listener = TcpListener::bind(("127.0.0.1", 0)).context("cannot find a free port")?;
    Ok(listener.local_addr()?.port())
}

/// The `value` of a WebDriver answer, or its error as an `Err`.
fn unwrap_value(body: Value, what: &str) -> Result<Value> {
    let value = body.get("value").cloned().unwrap_or(Value::Null);
    if let Some(error) = value.get("error").and_then(Value::as_str) {
        let message = value.get("message").and_then(Value::as_str).unwrap_or("");
        // The first line is the message; the rest is ChromeDriver's stack.
        let message = message.lines().next().unwrap_or("");
        bail!("{what}: {error}: {message}");
    }
    Ok(value)
}

/// Sends one WebDriver request; an HTTP error status still carries a JSON answer.
fn call(agent: &ureq::Agent, method: &str, url: &str, body: Option<&Value>) -> Result<Value> {
    let request = agent.request(method, url);
    let result = match body {
        Some(b) => request.send_json(b),
        None => request.call(),
    };
    let response = match result {
        Ok(r) => r,
        Err(ureq::Error::Status(_, r)) => r,
        Err(e) => return Err(anyhow!("{method} {url}: {e}")),
    };
    let body: Value = response
        .into_json()
        .with_context(|| format!("{method} {url}: the answer is not JSON"))?;
    unwrap_value(body, &format!("{method} {url}"))
}

impl Browser {
    /// Starts ChromeDriver and a headless Chromium session.
    pub fn start() -> Result<Browser> {
        Browser::start_with(None, None)
    }

    /// Starts a session whose browser prefers `language` (e.g. `fr-FR`): its user
    /// interface (`--lang`) and the languages it asks pages in (`navigator.languages`,
    /// `Accept-Language`: `language`, then its primary subtag).
    pub fn start_with_language(language: &str) -> Result<Browser> {
        Browser::start_with(None, Some(language))
    }

    /// Starts a session whose performance log also records a trace of `categories`
    /// (comma-separated, as in `chrome://tracing`), read by [`Browser::performance_log`].
    pub fn start_traced(categories: &str) -> Result<Browser> {
        Browser::start_with(Some(categories), None)
    }

    fn start_with(trace: Option<&str>, language: Option<&str>) -> Result<Browser> {
        let scratch = TempDir::new("webdriver")?;
        let port = free_port()?;
        let driver_path = tools::chromedriver_bin();
        let log_path = scratch.path().join("chromedriver.log");
        let log = File::create(&log_path)
            .with_context(|| format!("cannot create {}", log_path.display()))?;
        let driver = Command::new(&driver_path)
            .arg(format!("--port={port}"))
            .stdin(Stdio::null())
            .stdout(Stdio::from(log.try_clone()?))
            .stderr(Stdio::from(log))
            .spawn()
            .with_context(|| format!("cannot start {}", driver_path.display()))?;
        let agent = ureq::AgentBuilder::new()
            .timeout(Duration::from_secs(60))
            .build();
        let driver_url = format!("http://127.0.0.1:{port}");
        let mut browser = Browser {
            agent,
            session: String::new(),
            driver_url,
            driver,
            scratch,
        };
        browser
            .wait_until_ready()
            .with_context(|| browser.driver_log())?;
        browser
            .new_session(trace, language)
            .with_context(|| browser.driver_log())?;
        Ok(browser)
    }

    /// The end of ChromeDriver's log, to explain a failure.
    fn driver_log(&self) -> String {
        let text = std::fs::read_to_string(self.scratch.path().join("chromedriver.log"))
            .unwrap_or_default();
        let lines: Vec<&str> = text.lines().collect();
        let tail = &lines[lines.len().saturating_sub(15)..];
        format!("chromedriver log:\n{}", tail.join("\n"))
    }

    fn wait_until_ready(&mut self) -> Result<()> {
        let deadline = Instant::now() + Duration::from_secs(15);
        let status = format!("{}/status", self.driver_url);
        loop {
            if let Some(exit) = self.driver.try_wait()? {
                bail!("chromedriver exited at start ({exit})");
            }
            let ready = call(&self.agent, "GET", &status, None)
                .map(|v| v.get("ready").and_then(Value::as_bool) == Some(true))
                .unwrap_or(false);
            if ready {
                return Ok(());
            }
            if Instant::now() > deadline {
                bail!("chromedriver is not ready after 15 s");
            }
            std::thread::sleep(Duration::from_millis(50));
        }
    }

    fn new_session(&mut self, trace: Option<&str>, language: Option<&str>) -> Result<()> {
        let profile: PathBuf = self.scratch.path().join("profile");
        let mut args: Vec<String> = CHROME_ARGS.iter().map(|a| a.to_string()).collect();
        args.push(format!("--user-data-dir={}", profile.display()));
        if let Some(language) = language {
            args.push(format!("--lang={language}"));
        }
        let mut capabilities = json!({
            "capabilities": {
                "alwaysMatch": {
                    "browserName": "chrome",
                    "pageLoadStrategy": "normal",
                    "goog:chromeOptions": {
                        "binary": tools::chrome_bin(),
                        "args": args,
                    },
                },
            },
        });
        if let Some(language) = language {
            let primary = language.split('-').next().unwrap_or(language);
            capabilities["capabilities"]["alwaysMatch"]["goog:chromeOptions"]["prefs"] =
                json!({ "intl.accept_languages": format!("{language},{primary}") });
        }
        if let Some(categories) = trace {
            let always = &mut capabilities["capabilities"]["alwaysMatch"];
            always["goog:loggingPrefs"] = json!({ "performance": "ALL" });
            always["goog:chromeOptions"]["perfLoggingPrefs"] = json!({
                "enableNetwork": true,
                "enablePage": true,
                "traceCategories": categories,
            });
        }
        let url = format!("{}/session", self.driver_url);
        let value = call(&self.agent, "POST", &url, Some(&capabilities))
            .context("cannot start a Chromium session")?;
        let id = value
            .get("sessionId")
            .and_then(Value::as_str)
            .ok_or_else(|| anyhow!("POST /session: no sessionId in {value}"))?;
        self.session = format!("{}/session/{id}", self.driver_url);
        self.post(
            "/timeouts",
            json!({"pageLoad": 20_000, "script": 20_000, "implicit": 0}),
        )?;
        Ok(())
    }

    fn post(&self, path: &str, body: Value) -> Result<Value> {
        call(
            &self.agent,
            "POST",
            &format!("{}{path}", self.session),
            Some(&body),
        )
    }

    fn get(&self, path: &str) -> Result<Value> {
        call(&self.agent, "GET", &format!("{}{path}", self.session), None)
    }

    /// Navigates to `url` and waits for its load event (`POST /url`). The URL is passed
    /// as is: the browser encodes what needs encoding, as when Lync opens a link.
    pub fn goto(&self, url: &str) -> Result<()> {
        self.post("/url", json!({ "url": url })).map(drop)
    }

    /// The current top-level URL (`GET /url`).
    pub fn url(&self) -> Result<String> {
        let v = self.get("/url")?;
        v.as_str()
            .map(str::to_string)
            .ok_or_else(|| anyhow!("GET /url: not a string: {v}"))
    }

    /// Goes back one history entry (`POST /back`).
    pub fn back(&self) -> Result<()> {
        self.post("/back", json!({})).map(drop)
    }

    /// The handle of the window (tab) commands go to (`GET /window`).
    pub fn window(&self) -> Result<String> {
        let v = self.get("/window")?;
        v.as_str()
            .map(str::to_string)
            .ok_or_else(|| anyhow!("GET /window: not a string: {v}"))
    }

    /// The handles of every open window (tab) of the session (`GET /window/handles`).
    pub fn window_handles(&self) -> Result<Vec<String>> {
        let v = self.get("/window/handles")?;
        v.as_array()
            .and_then(|a| a.iter().map(|h| h.as_str().map(str::to_string)).collect())
            .ok_or_else(|| anyhow!("GET /window/handles: not a list of strings: {v}"))
    }

    /// Opens a new tab at `about:blank` and returns its handle (`POST /window/new`);
    /// commands still go to the current window until [`Browser::switch_to`].
    pub fn new_tab(&self) -> Result<String> {
        let v = self.post("/window/new", json!({ "type": "tab" }))?;
        v.get("handle")
            .and_then(Value::as_str)
            .map(str::to_string)
            .ok_or_else(|| anyhow!("POST /window/new: no handle in {v}"))
    }

    /// Sends the next commands to the window `handle` (`POST /window`).
    pub fn switch_to(&self, handle: &str) -> Result<()> {
        self.post("/window", json!({ "handle": handle })).map(drop)
    }

    /// Closes the current window (`DELETE /window`); switch to another one after.
    pub fn close_window(&self) -> Result<()> {
        call(
            &self.agent,
            "DELETE",
            &format!("{}/window", self.session),
            None,
        )
        .map(drop)
    }

    /// Presses and releases each key of `sequence` in turn, as a keyboard would, on the page's
    /// focused element (`POST /actions`, then `DELETE /actions`): a character (`"2"`)
    /// or one of [`keys`].
    pub fn press(&self, sequence: &[&str]) -> Result<()> {
        let actions: Vec<Value> = sequence
            .iter()
            .flat_map(|k| {
                [
                    json!({ "type": "keyDown", "value": k }),
                    json!({ "type": "keyUp", "value": k }),
                ]
            })
            .collect();
        self.post(
            "/actions",
            json!({ "actions": [{ "type": "key", "id": "keyboard", "actions": actions }] }),
        )?;
        call(
            &self.agent,
            "DELETE",
            &format!("{}/actions", self.session),
            None,
        )
        .map(drop)
    }

    /// Runs `script` (a function body; `arguments` holds `args`) in the page and returns
    /// its result; a returned promise is awaited.
    pub fn execute(&self, script: &str, args: &[Value]) -> Result<Value> {
        self.post("/execute/sync", json!({ "script": script, "args": args }))
    }

    /// Sends a Chrome DevTools Protocol command through ChromeDriver.
    pub fn cdp(&self, cmd: &str, params: Value) -> Result<Value> {
        self.post("/goog/cdp/execute", json!({ "cmd": cmd, "params": params }))
    }

    /// Runs `source` in every new document before its own scripts; returns the id
    /// that [`Browser::remove_init_script`] takes.
    pub fn add_init_script(&self, source: &str) -> Result<String> {
        let v = self.cdp(
            "Page.addScriptToEvaluateOnNewDocument",
            json!({ "source": source }),
        )?;
        v.get("identifier")
            .and_then(Value::as_str)
            .map(str::to_string)
            .ok_or_else(|| anyhow!("Page.addScriptToEvaluateOnNewDocument: no identifier in {v}"))
    }

    /// Removes a script added by [`Browser::add_init_script`].
    pub fn remove_init_script(&self, identifier: &str) -> Result<()> {
        self.cdp(
            "Page.removeScriptToEvaluateOnNewDocument",
            json!({ "identifier": identifier }),
        )
        .map(drop)
    }

    /// Adds `latency` to every request of the session from now on, as a network with
    /// that round-trip time would (CDP `Network.emulateNetworkConditions`, unlimited
    /// throughput); zero turns it off. It holds across navigations of the tab.
    pub fn set_latency(&self, latency: Duration) -> Result<()> {
        self.cdp("Network.enable", json!({}))?;
        self.cdp(
            "Network.emulateNetworkConditions",
            json!({
                "offline": false,
                "latency": latency.as_secs_f64() * 1000.0,
                "downloadThroughput": -1,
                "uploadThroughput": -1,
            }),
        )
        .map(drop)
    }

    /// The DevTools messages logged since the last call (`POST /se/log`, type
    /// `performance`): network and page events and, for a session from
    /// [`Browser::start_traced`], `Tracing.dataCollected` batches of trace events.
    pub fn performance_log(&self) -> Result<Vec<Value>> {
        let v = self.post("/se/log", json!({ "type": "performance" }))?;
        let entries = v
            .as_array()
            .ok_or_else(|| anyhow!("POST /se/log: not a list: {v}"))?;
        entries
            .iter()
            .map(|e| {
                let text = e.get("message").and_then(Value::as_str).unwrap_or("{}");
                let outer: Value = serde_json::from_str(text)
                    .with_context(|| format!("POST /se/log: not JSON: {text}"))?;
                Ok(outer.get("message").cloned().unwrap_or(Value::Null))
            })
            .collect()
    }

    /// Empties the HTTP cache, for cold-cache measurements.
    pub fn clear_cache(&self) -> Result<()> {
        self.cdp("Network.clearBrowserCache", json!({})).map(drop)
    }

    /// Polls `check` every 20 ms until it returns `Some`, for at most `timeout`. Errors
    /// from `check` (a script run while the page is navigating away) count as "not
    /// yet"; the last one is reported on timeout, with `what`.
    pub fn wait_for<T>(
        &self,
        timeout: Duration,
        what: &str,
        mut check: impl FnMut(&Browser) -> Result<Option<T>>,
    ) -> Result<T> {
        let deadline = Instant::now() + timeout;
        let mut last_error = None;
        loop {
            match check(self) {
                Ok(Some(v)) => return Ok(v),
                Ok(None) => {}
                Err(e) => last_error = Some(e),
            }
            if Instant::now() >= deadline {
                let url = self.url().unwrap_or_else(|e| format!("unknown ({e})"));
                return Err(match last_error {
                    Some(e) => e.context(format!(
                        "timed out after {timeout:?} waiting for {what} (at {url})"
                    )),
                    None => anyhow!("timed out after {timeout:?} waiting for {what} (at {url})"),
                });
            }
            std::thread::sleep(POLL);
        }
    }
}

impl Drop for Browser {
    fn drop(&mut self) {
        if !self.session.is_empty() {
            let _ = call(&self.agent, "DELETE", &self.session, None);
        }
        let _ = self.driver.kill();
        let _ = self.driver.wait();
    }
}
