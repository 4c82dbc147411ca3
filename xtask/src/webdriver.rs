//! A minimal WebDriver client: just what the end-to-end tests and the benchmarks need,
//! over `ureq` and `serde_json`, driving headless Chromium through ChromeDriver or
//! headless Firefox ESR through geckodriver ([`Engine`]).
//!
//! [`Browser::launch`] starts its own driver (`$CHROMEDRIVER`, else
//! `/usr/bin/chromedriver`; `$GECKODRIVER`, else the one `cargo install` put in
//! `~/.cargo/bin`) on a free port, waits for `/status` to report ready, and opens one
//! session on the browser (`$CHROME_BIN`, else `/usr/bin/chromium`; `$FIREFOX_BIN`,
//! else `/usr/bin/firefox-esr`) with a fresh profile. Dropping the [`Browser`] deletes
//! the session and stops the driver.
//!
//! Endpoints used, plain W3C WebDriver in both engines: `POST /session`,
//! `POST /session/{id}/timeouts`, `POST|GET /session/{id}/url`,
//! `POST /session/{id}/back`, `POST /session/{id}/execute/sync`,
//! `GET /session/{id}/window`, `GET /session/{id}/window/handles`,
//! `POST /session/{id}/window/new`, `POST|DELETE /session/{id}/window`,
//! `POST|DELETE /session/{id}/actions` (key presses), `DELETE /session/{id}/cookie`,
//! `DELETE /session/{id}`. Chromium only, ChromeDriver's extensions: the DevTools
//! protocol passthrough `POST /session/{id}/goog/cdp/execute` (init scripts, network
//! emulation, emptying the cache) and `POST /session/{id}/se/log` (the performance
//! log). What needs them fails in Firefox with an error that says so; what Firefox does
//! instead is a session option ([`Options`]): a language (`intl.accept_languages`),
//! WebAssembly off (`javascript.options.wasm`), no HTTP cache (`browser.cache.*`).
//! [`Browser::start`] is a default Chromium session, for the benchmarks.

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

/// `Accept-Language` for a browser preferring `language`: it, then its primary subtag
/// (`fr-FR` gives `fr-FR,fr`).
fn accept_languages(language: &str) -> String {
    let primary = language.split('-').next().unwrap_or(language);
    if primary == language {
        language.to_string()
    } else {
        format!("{language},{primary}")
    }
}

/// The Firefox preferences `options` add to [`tools::firefox_prefs`].
fn firefox_session_prefs(options: &Options) -> Vec<(&'static str, Value)> {
    let mut prefs = Vec::new();
    if let Some(language) = &options.language {
        prefs.push(("intl.accept_languages", json!(accept_languages(language))));
    }
    if options.no_wasm {
        prefs.push(("javascript.options.wasm", json!(false)));
    }
    if options.no_cache {
        prefs.push(("browser.cache.disk.enable", json!(false)));
        prefs.push(("browser.cache.memory.enable", json!(false)));
        prefs.push((
            "dom.script_loader.experimental.navigation_cache",
            json!(false),
        ));
    }
    prefs
}

/// The error for a command only ChromeDriver has.
fn chromium_only(what: &str) -> anyhow::Error {
    anyhow!("{what} needs Chromium's DevTools protocol (ChromeDriver): not in Firefox")
}

/// How often [`Browser::wait_for`] polls.
const POLL: Duration = Duration::from_millis(20);

/// A browser engine the suites run in.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Engine {
    /// Headless Chromium through ChromeDriver.
    Chromium,
    /// Headless Firefox ESR through geckodriver.
    Firefox,
}

/// The variable that chooses the engines when no `--engine` is given
/// (`LQC_ENGINES=chromium`, `firefox` or `chromium,firefox`).
pub const ENGINES_VAR: &str = "LQC_ENGINES";

impl Engine {
    /// Every engine, in the order the suites run them.
    pub const ALL: [Engine; 2] = [Engine::Chromium, Engine::Firefox];

    /// Its name on the command line and in the suites' output.
    pub fn name(self) -> &'static str {
        match self {
            Engine::Chromium => "chromium",
            Engine::Firefox => "firefox",
        }
    }

    /// The engines `list` names (comma-separated: `chromium`, `firefox`), in the order
    /// given, each once.
    pub fn list(list: &str) -> Result<Vec<Engine>> {
        let mut engines = Vec::new();
        for name in list.split(',').map(str::trim).filter(|n| !n.is_empty()) {
            let engine = Engine::ALL
                .into_iter()
                .find(|e| e.name().eq_ignore_ascii_case(name))
                .ok_or_else(|| {
                    anyhow!("no browser engine '{name}' (the engines are chromium, firefox)")
                })?;
            if !engines.contains(&engine) {
                engines.push(engine);
            }
        }
        if engines.is_empty() {
            bail!("no browser engine in '{list}' (the engines are chromium, firefox)");
        }
        Ok(engines)
    }

    /// The engines to run: those `option` names (`--engine`), else those of
    /// `$LQC_ENGINES`, else [`Engine::ALL`].
    pub fn selected(option: Option<&str>) -> Result<Vec<Engine>> {
        if let Some(list) = option {
            return Engine::list(list).context("--engine");
        }
        match std::env::var(ENGINES_VAR) {
            Ok(list) if !list.trim().is_empty() => {
                Engine::list(&list).with_context(|| format!("{ENGINES_VAR}={list}"))
            }
            _ => Ok(Engine::ALL.to_vec()),
        }
    }

    /// The product's name, for messages.
    pub fn product(self) -> &'static str {
        match self {
            Engine::Chromium => "headless Chromium",
            Engine::Firefox => "headless Firefox ESR",
        }
    }

    fn driver_name(self) -> &'static str {
        match self {
            Engine::Chromium => "chromedriver",
            Engine::Firefox => "geckodriver",
        }
    }
}

impl std::fmt::Display for Engine {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.name())
    }
}

/// Chromium's start-up tracing (`--trace-startup`): the browser records a trace of
/// `categories` (comma-separated, as in `chrome://tracing`) from its start for
/// `seconds`, then writes it to `file` as JSON (the Trace Event Format the DevTools
/// Performance panel opens). Unlike ChromeDriver's performance log, which stops and
/// restarts tracing around every command and loses the events of renderers that do
/// not answer in time, it records one uninterrupted trace of every process.
#[derive(Clone, Debug)]
pub struct Trace {
    /// The trace categories.
    pub categories: String,
    /// Where the browser writes the trace when it ends.
    pub file: PathBuf,
    /// How long the trace lasts from the browser's start.
    pub seconds: u64,
}

/// How a session's browser differs from the default one.
#[derive(Clone, Debug, Default)]
pub struct Options {
    /// The language it prefers (e.g. `fr-FR`): its user interface (Chromium's
    /// `--lang`) and the languages it asks pages in (`navigator.languages`,
    /// `Accept-Language`: the language, then its primary subtag; the
    /// `intl.accept_languages` preference of both engines).
    pub language: Option<String>,
    /// Chromium only: the browser traces itself from its start (see [`Trace`]).
    pub trace: Option<Trace>,
    /// WebAssembly turned off: no `WebAssembly` object (Firefox's
    /// `javascript.options.wasm`; Chromium's V8 in `--jitless` mode).
    pub no_wasm: bool,
    /// No HTTP cache at all, so that every load asks the server for every file and
    /// [`Browser::clear_cache`] has nothing to do: Firefox's `browser.cache.disk.enable`
    /// and `browser.cache.memory.enable` (and its in-memory script cache across
    /// navigations) off; Chromium's cache disabled through the DevTools protocol
    /// (`Network.setCacheDisabled`).
    pub no_cache: bool,
}

/// A headless browser session and the WebDriver server (ChromeDriver or geckodriver)
/// behind it.
pub struct Browser {
    engine: Engine,
    /// Whether the session has no HTTP cache ([`Options::no_cache`]).
    no_cache: bool,
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
        // The first line is the message; the rest is the driver's stack.
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
        Browser::launch(Engine::Chromium, &Options::default())
    }

    /// Starts a Chromium session that traces itself as `trace` says.
    pub fn start_traced(trace: Trace) -> Result<Browser> {
        let options = Options {
            trace: Some(trace),
            ..Options::default()
        };
        Browser::launch(Engine::Chromium, &options)
    }

    /// Starts the driver of `engine` and a headless session as `options` say.
    pub fn launch(engine: Engine, options: &Options) -> Result<Browser> {
        if engine == Engine::Firefox && options.trace.is_some() {
            bail!("a traced session needs Chromium's start-up tracing");
        }
        let scratch = TempDir::new("webdriver")?;
        let port = free_port()?;
        let log_path = scratch.path().join("driver.log");
        let log = File::create(&log_path)
            .with_context(|| format!("cannot create {}", log_path.display()))?;
        let (driver_path, mut command) = match engine {
            Engine::Chromium => {
                let path = tools::chromedriver_bin();
                let mut c = Command::new(&path);
                c.arg(format!("--port={port}"));
                (path, c)
            }
            Engine::Firefox => {
                let path = tools::geckodriver_bin();
                let profiles = scratch.path().join("profiles");
                std::fs::create_dir_all(&profiles)?;
                let mut c = Command::new(&path);
                // Its own ports, so that several sessions can run side by side: the
                // WebDriver port, Marionette's (system-allocated by default) and
                // WebDriver BiDi's (9222 by default; 0: system-allocated).
                c.arg("--port")
                    .arg(port.to_string())
                    .args(["--websocket-port", "0", "--profile-root"])
                    .arg(&profiles)
                    .env("MOZ_HEADLESS", "1");
                (path, c)
            }
        };
        let driver = command
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
            engine,
            no_cache: options.no_cache,
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
            .new_session(options)
            .with_context(|| browser.driver_log())?;
        Ok(browser)
    }

    /// The end of the driver's log, to explain a failure.
    fn driver_log(&self) -> String {
        let text =
            std::fs::read_to_string(self.scratch.path().join("driver.log")).unwrap_or_default();
        let lines: Vec<&str> = text.lines().collect();
        let tail = &lines[lines.len().saturating_sub(15)..];
        format!("{} log:\n{}", self.engine.driver_name(), tail.join("\n"))
    }

    fn wait_until_ready(&mut self) -> Result<()> {
        let deadline = Instant::now() + Duration::from_secs(15);
        let status = format!("{}/status", self.driver_url);
        let name = self.engine.driver_name();
        loop {
            if let Some(exit) = self.driver.try_wait()? {
                bail!("{name} exited at start ({exit})");
            }
            let ready = call(&self.agent, "GET", &status, None)
                .map(|v| v.get("ready").and_then(Value::as_bool) == Some(true))
                .unwrap_or(false);
            if ready {
                return Ok(());
            }
            if Instant::now() > deadline {
                bail!("{name} is not ready after 15 s");
            }
            std::thread::sleep(Duration::from_millis(50));
        }
    }

    /// The capabilities of a Chromium session.
    fn chromium_capabilities(&self, options: &Options) -> Value {
        let profile: PathBuf = self.scratch.path().join("profile");
        let mut args: Vec<String> = CHROME_ARGS.iter().map(|a| a.to_string()).collect();
        args.push(format!("--user-data-dir={}", profile.display()));
        if let Some(language) = &options.language {
            args.push(format!("--lang={language}"));
        }
        if options.no_wasm {
            // V8 without its compilers (as Edge's enhanced security mode) has no
            // WebAssembly; `--noexpose-wasm` no longer hides it from pages.
            args.push("--js-flags=--jitless".into());
        }
        if let Some(trace) = &options.trace {
            args.extend([
                format!("--trace-startup={}", trace.categories),
                format!("--trace-startup-file={}", trace.file.display()),
                "--trace-startup-format=json".to_string(),
                format!("--trace-startup-duration={}", trace.seconds),
            ]);
        }
        let mut always = json!({
            "browserName": "chrome",
            "pageLoadStrategy": "normal",
            "goog:chromeOptions": {
                "binary": tools::chrome_bin(),
                "args": args,
            },
        });
        if let Some(language) = &options.language {
            always["goog:chromeOptions"]["prefs"] =
                json!({ "intl.accept_languages": accept_languages(language) });
        }
        always
    }

    /// The capabilities of a Firefox session: [`tools::firefox_prefs`], and what
    /// `options` ask for as preferences.
    fn firefox_capabilities(options: &Options) -> Value {
        let mut prefs = tools::firefox_prefs();
        for (name, value) in firefox_session_prefs(options) {
            prefs[name] = value;
        }
        json!({
            "browserName": "firefox",
            "pageLoadStrategy": "normal",
            "moz:firefoxOptions": {
                "binary": tools::firefox_bin(),
                "args": ["-headless"],
                "prefs": prefs,
            },
        })
    }

    fn new_session(&mut self, options: &Options) -> Result<()> {
        let always = match self.engine {
            Engine::Chromium => self.chromium_capabilities(options),
            Engine::Firefox => Browser::firefox_capabilities(options),
        };
        let capabilities = json!({ "capabilities": { "alwaysMatch": always } });
        let url = format!("{}/session", self.driver_url);
        let value = call(&self.agent, "POST", &url, Some(&capabilities))
            .with_context(|| format!("cannot start a {} session", self.engine.product()))?;
        let id = value
            .get("sessionId")
            .and_then(Value::as_str)
            .ok_or_else(|| anyhow!("POST /session: no sessionId in {value}"))?;
        self.session = format!("{}/session/{id}", self.driver_url);
        self.post(
            "/timeouts",
            json!({"pageLoad": 20_000, "script": 20_000, "implicit": 0}),
        )?;
        if self.engine == Engine::Chromium && options.no_cache {
            self.cdp("Network.enable", json!({}))?;
            self.cdp("Network.setCacheDisabled", json!({ "cacheDisabled": true }))?;
        }
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

    /// Sends a Chrome DevTools Protocol command through ChromeDriver (Chromium only).
    pub fn cdp(&self, cmd: &str, params: Value) -> Result<Value> {
        if self.engine != Engine::Chromium {
            return Err(chromium_only(cmd));
        }
        self.post("/goog/cdp/execute", json!({ "cmd": cmd, "params": params }))
    }

    /// Runs `source` in every new document before its own scripts; returns the id
    /// that [`Browser::remove_init_script`] takes (Chromium only: plain WebDriver has
    /// no such command).
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
    /// throughput); zero turns it off. It holds across navigations of the tab
    /// (Chromium only).
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

    /// Empties the HTTP cache, for cold-cache measurements: in Chromium through the
    /// DevTools protocol (`Network.clearBrowserCache`); a session without a cache
    /// ([`Options::no_cache`]) has nothing to empty. Plain WebDriver has no command for
    /// it: a Firefox session with a cache is an error.
    pub fn clear_cache(&self) -> Result<()> {
        if self.no_cache {
            return Ok(());
        }
        match self.engine {
            Engine::Chromium => self.cdp("Network.clearBrowserCache", json!({})).map(drop),
            Engine::Firefox => bail!(
                "WebDriver cannot empty Firefox's cache: start the session with Options::no_cache"
            ),
        }
    }

    /// Deletes every cookie the current document can see (`DELETE /cookie`): go to a
    /// page of the host first. Cookies do not tell ports apart: on `127.0.0.1` that is
    /// every loopback server's.
    pub fn delete_cookies(&self) -> Result<()> {
        call(
            &self.agent,
            "DELETE",
            &format!("{}/cookie", self.session),
            None,
        )
        .map(drop)
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lists_engines() {
        assert_eq!(Engine::list("chromium").unwrap(), [Engine::Chromium]);
        assert_eq!(
            Engine::list("Firefox, chromium,firefox").unwrap(),
            [Engine::Firefox, Engine::Chromium]
        );
        assert!(Engine::list("safari").is_err());
        assert!(Engine::list(" , ").is_err());
        assert_eq!(
            Engine::selected(Some("firefox")).unwrap(),
            [Engine::Firefox]
        );
        assert!(Engine::selected(Some("edge")).is_err());
    }

    #[test]
    fn firefox_options_are_preferences() {
        let caps = Browser::firefox_capabilities(&Options {
            language: Some("fr-FR".into()),
            no_wasm: true,
            no_cache: true,
            ..Options::default()
        });
        let firefox = &caps["moz:firefoxOptions"];
        assert_eq!(caps["browserName"], "firefox");
        assert_eq!(firefox["args"], json!(["-headless"]));
        let prefs = &firefox["prefs"];
        assert_eq!(prefs["intl.accept_languages"], "fr-FR,fr");
        assert_eq!(prefs["javascript.options.wasm"], false);
        assert_eq!(prefs["browser.cache.disk.enable"], false);
        assert_eq!(prefs["browser.cache.memory.enable"], false);
        // tools::firefox_prefs() is kept.
        assert_eq!(prefs["app.update.enabled"], false);
        let plain = Browser::firefox_capabilities(&Options::default());
        assert!(plain["moz:firefoxOptions"]["prefs"]
            .get("javascript.options.wasm")
            .is_none());
        assert_eq!(accept_languages("fr"), "fr");
    }
}
