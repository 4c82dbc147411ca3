//! The end-to-end suite: the built page, served over HTTP, opened in headless Chromium
//! and then in headless Firefox ESR with the links Lync produces, checked by where the
//! browser really lands.
//!
//! Two servers on two origins: the page (`dist`, with the suite's own `config.json`)
//! and a mock ITSM that records every request. A case passes when the browser's URL is
//! the expected ITSM URL *and* the mock received exactly that request, or when the page
//! stays put in the expected `#status` state (`choose`, `done`, `error`) and the mock
//! received nothing. The servers serve both engines, one after the other; per engine,
//! one browser session serves every case, in order (a few cases use a second session
//! of the same engine: another language, WebAssembly off, no HTTP cache). The suite
//! prints `ok`, `FAILED` or `skip` per case and `e2e (<engine>): N passed, M failed, K
//! Chromium-only` per engine.
//!
//! A case that needs Chromium's DevTools protocol and has no Firefox way (an init
//! script that must run before the page's own) is marked [`Case::chromium_only`] with
//! the reason, printed when the suite runs in Firefox; never skipped silently.
//!
//! `LQC_E2E_ONLY=<text>` runs only the cases whose names contain the text (while
//! working on the suite).
//!
//! The Graph and endpoint directory sources talk to loopback stand-ins of Entra ID and
//! Microsoft Graph ([`crate::entra`]) and of a lookup endpoint ([`crate::lookup`]),
//! whose origins are added to the page's `connect-src` as an administrator would.

mod directory_cases;
mod fault_cases;
mod network_cases;
mod page_cases;
mod startup_cases;

use std::cell::OnceCell;
use std::path::Path;
use std::time::{Duration, Instant};

use anyhow::{anyhow, bail, ensure, Context, Result};
use serde_json::Value;

use crate::entra::{self, Entra};
use crate::lookup::{self, LookupEndpoint};
use crate::serve::{MockItsm, Override, StaticServer};
use crate::webdriver::{Browser, Engine, Options};

/// How long a page may take to land or settle.
const SETTLE: Duration = Duration::from_secs(5);

/// The page, as Lync opens it.
const P: &str = "/index.html";

/// The quick call for john.doe@contoso.com on the production profile.
const JOHN: &str = "/sso_samlindexlync.php?do_quickcall=1&url_requestor=john.doe%40contoso.com";

/// The EasyVista login page, where unknown contacts go on the production profile.
const LOGIN: &str = "/sso_samlindex.php";

/// The suite's `config.json`, every URL on the mock ITSM origin `m`.
pub fn config(m: &str) -> String {
    format!(
        r#"{{"itsm_url":"{m}","default_profile":"production","profiles":{{"production":{{"method":"sso"}},"sandbox":{{"method":"sso","sandbox":true}},"db50004":{{"method":"autoconnect","link":"{m}/autoconnect_mail.php?field1=5C0F051E580F056F19&field2=&field4=%7B90D54E77-40A5-4F0F-8029-5A7A05F5814D%7D&field5=ViewDialog&field6=morley"}},"tpl":{{"method":"template","url":"{m}/cti.do?sysparm_caller_email={{userid}}","fallback_url":"{m}/new"}}}},"directory":{{"source":"none"}}}}"#
    )
}

/// The servers and the browser every case shares.
struct Suite {
    /// The engine the cases run in.
    engine: Engine,
    browser: Browser,
    /// A second browser, whose preferred language is French, started on first use.
    french: OnceCell<Browser>,
    /// A browser without WebAssembly, started on first use.
    no_wasm: OnceCell<Browser>,
    /// Firefox only: a browser without an HTTP cache, started on first use.
    no_cache: OnceCell<Browser>,
    mock: MockItsm,
    site: StaticServer,
    /// The mock ITSM's origin.
    m: String,
    /// The page's origin.
    origin: String,
    /// The suite's config.json text.
    config: String,
    /// The signed directory exports served beside the page, and their keys.
    exports: directory_cases::Exports,
    /// The Entra ID and Microsoft Graph stand-ins.
    entra: Entra,
    /// The lookup endpoint stand-in.
    lookup: LookupEndpoint,
    /// The origin of a loopback port nobody listens on (allowed by `connect-src`).
    unreachable: String,
    /// The served distribution.
    dist: std::path::PathBuf,
}

/// What `#status` shows.
#[derive(Debug)]
struct PageState {
    state: String,
    text: String,
    message: String,
    links: Vec<String>,
    target: Option<String>,
}

/// Reads `#status` (`None` when the document has none, e.g. the mock's page).
const READ_STATUS: &str = r#"
const s = document.getElementById('status');
if (!s) { return null; }
const t = document.getElementById('target');
const m = s.querySelector('.message');
return {
  state: s.getAttribute('data-state') || '',
  text: s.textContent,
  message: m ? m.textContent : '',
  links: Array.from(s.querySelectorAll('a')).map(a => a.getAttribute('href')),
  target: t ? t.textContent : null,
};
"#;

fn page_state(browser: &Browser) -> Result<Option<PageState>> {
    let v = browser.execute(READ_STATUS, &[])?;
    if v.is_null() {
        return Ok(None);
    }
    let text = |k: &str| v.get(k).and_then(Value::as_str).unwrap_or("").to_string();
    Ok(Some(PageState {
        state: text("state"),
        text: text("text"),
        message: text("message"),
        links: v
            .get("links")
            .and_then(Value::as_array)
            .map(|a| {
                a.iter()
                    .map(|h| h.as_str().unwrap_or("").to_string())
                    .collect()
            })
            .unwrap_or_default(),
        target: v.get("target").and_then(Value::as_str).map(str::to_string),
    }))
}

/// Where a page went.
enum Settled {
    /// The browser is on the mock ITSM, at this URL.
    Landed(String),
    /// The page stopped in a state other than `working`.
    Stayed(PageState),
}

/// Starts a session of `engine` as `options` say, naming what failed.
fn start_browser(engine: Engine, options: &Options, what: &str) -> Result<Browser> {
    Browser::launch(engine, options)
        .with_context(|| format!("cannot start {}{what}", engine.product()))
}

/// The browser in `cell`, started with `options` on first use.
fn lazily<'a>(
    cell: &'a OnceCell<Browser>,
    engine: Engine,
    options: Options,
    what: &str,
) -> Result<&'a Browser> {
    if cell.get().is_none() {
        let _ = cell.set(start_browser(engine, &options, what)?);
    }
    cell.get().context("no browser")
}

impl Suite {
    /// The browser whose preferred language is French (`fr-FR`), started on first use.
    fn french(&self) -> Result<&Browser> {
        let options = Options {
            language: Some("fr-FR".into()),
            ..Options::default()
        };
        lazily(&self.french, self.engine, options, " in French")
    }

    /// A browser that asks the server for every file at every load: in Chromium the
    /// suite's own, whose cache [`Browser::clear_cache`] empties through the DevTools
    /// protocol; in Firefox, where WebDriver cannot empty the cache, a second session
    /// without one ([`Options::no_cache`]), started on first use.
    fn uncached(&self) -> Result<&Browser> {
        match self.engine {
            Engine::Chromium => Ok(&self.browser),
            Engine::Firefox => {
                let options = Options {
                    no_cache: true,
                    ..Options::default()
                };
                lazily(&self.no_cache, self.engine, options, " without a cache")
            }
        }
    }

    /// A browser with WebAssembly turned off ([`Options::no_wasm`]), started on first
    /// use.
    fn without_wasm(&self) -> Result<&Browser> {
        let options = Options {
            no_wasm: true,
            ..Options::default()
        };
        lazily(&self.no_wasm, self.engine, options, " without WebAssembly")
    }

    /// Navigates to `path` on the page's origin; returns the mock's request count
    /// before, to tell this case's requests from earlier ones.
    fn open(&self, path: &str) -> Result<usize> {
        self.open_in(&self.browser, path)
    }

    /// [`Suite::open`] in the browser `b`.
    fn open_in(&self, b: &Browser, path: &str) -> Result<usize> {
        let mark = self.mock.count();
        b.goto(&format!("{}{path}", self.origin))?;
        Ok(mark)
    }

    /// Waits until the browser `b` is on the mock ITSM or the page has settled.
    fn settle_in(&self, b: &Browser) -> Result<Settled> {
        b.wait_for(SETTLE, "the page to navigate or settle", |b| {
            let url = b.url()?;
            if url.starts_with(&format!("{}/", self.m)) {
                return Ok(Some(Settled::Landed(url)));
            }
            Ok(page_state(b)?
                .filter(|s| s.state != "working" && !s.state.is_empty())
                .map(Settled::Stayed))
        })
    }

    /// Checks that the browser landed on `m + expected`, and that the mock received
    /// exactly that request since `mark`.
    fn landed(&self, mark: usize, expected: &str) -> Result<()> {
        self.landed_in(&self.browser, mark, expected)
    }

    /// [`Suite::landed`] in the browser `b`.
    fn landed_in(&self, b: &Browser, mark: usize, expected: &str) -> Result<()> {
        let want = format!("{}{expected}", self.m);
        match self.settle_in(b)? {
            Settled::Landed(url) => ensure!(url == want, "landed on {url}, expected {want}"),
            Settled::Stayed(s) => bail!(
                "stayed on the page in state '{}': {}",
                s.state,
                s.text.trim()
            ),
        }
        self.received_only(mark, expected)
    }

    /// After a click or a key press on the settled page (the chooser): waits until
    /// the browser is on the mock ITSM, then checks it is at `m + expected`, and that
    /// the mock received exactly that request since `mark`. Unlike
    /// [`Suite::landed`], the page's current state does not count as settled: a
    /// browser may start the navigation a moment after the event (Firefox does), and
    /// until then the page still shows the state the event was sent to.
    fn followed(&self, mark: usize, expected: &str) -> Result<()> {
        let want = format!("{}{expected}", self.m);
        let on_mock = format!("{}/", self.m);
        let url = self
            .browser
            .wait_for(SETTLE, "the browser to go to the mock ITSM", |b| {
                let url = b.url()?;
                Ok(url.starts_with(&on_mock).then_some(url))
            })
            .map_err(|e| match page_state(&self.browser) {
                Ok(Some(s)) => e.context(format!(
                    "stayed on the page in state '{}': {}",
                    s.state,
                    s.text.trim()
                )),
                _ => e,
            })?;
        ensure!(url == want, "landed on {url}, expected {want}");
        self.received_only(mark, expected)
    }

    /// Checks that the mock received exactly the request `expected` since `mark`.
    fn received_only(&self, mark: usize, expected: &str) -> Result<()> {
        let new: Vec<String> = self.mock.landings()[mark..]
            .iter()
            .map(|l| l.target.clone())
            .collect();
        ensure!(
            new == [expected],
            "the mock ITSM received {new:?}, expected exactly [{expected:?}]"
        );
        Ok(())
    }

    /// Checks that the page stayed on its origin in `state`, and that the mock received
    /// nothing since `mark`.
    fn stayed(&self, mark: usize, state: &str) -> Result<PageState> {
        self.stayed_in(&self.browser, mark, state)
    }

    /// [`Suite::stayed`] in the browser `b`.
    fn stayed_in(&self, b: &Browser, mark: usize, state: &str) -> Result<PageState> {
        let s = match self.settle_in(b)? {
            Settled::Landed(url) => bail!("navigated to {url}, expected state '{state}'"),
            Settled::Stayed(s) => s,
        };
        ensure!(
            s.state == state,
            "state '{}' ({}), expected '{state}'",
            s.state,
            s.text.trim()
        );
        let url = b.url()?;
        ensure!(
            url.starts_with(&format!("{}/", self.origin)),
            "the page's URL changed to {url}"
        );
        let new = &self.mock.landings()[mark..];
        ensure!(
            new.is_empty(),
            "the mock ITSM received {:?}",
            new.iter().map(|l| &l.target).collect::<Vec<_>>()
        );
        for link in &s.links {
            ensure!(
                link.starts_with(&format!("{}/", self.m)),
                "a link leads off the ITSM: {link}"
            );
        }
        Ok(s)
    }
}

/// What a case checks, given the shared servers and browser.
type Check = Box<dyn Fn(&Suite) -> Result<()>>;

/// One case: a name and a check.
struct Case {
    name: String,
    check: Check,
    /// Why the case runs in Chromium only (what it needs the DevTools protocol for),
    /// when it does.
    chromium_only: Option<&'static str>,
}

impl Case {
    /// Runs this case in Chromium only: it needs the DevTools protocol `to` do
    /// something WebDriver cannot do in Firefox. The suite says so when it runs in
    /// Firefox.
    fn chromium_only(mut self, to: &'static str) -> Case {
        self.chromium_only = Some(to);
        self
    }
}

fn case(name: impl Into<String>, check: impl Fn(&Suite) -> Result<()> + 'static) -> Case {
    Case {
        name: name.into(),
        check: Box::new(check),
        chromium_only: None,
    }
}

/// Opening `path` lands on `m + expected`.
fn lands(name: &str, path: &str, expected: &str) -> Case {
    let (path, expected) = (path.to_string(), expected.to_string());
    case(format!("{name}: {path}"), move |s| {
        let mark = s.open(&path)?;
        s.landed(mark, &expected)
    })
}

/// Opening `path` shows an error whose message contains `contains`, with exactly the
/// fallback link `fallback` (on the mock) when given.
fn fails(name: &str, path: &str, contains: &str, fallback: Option<&str>) -> Case {
    let (path, contains) = (path.to_string(), contains.to_string());
    let fallback = fallback.map(str::to_string);
    case(format!("{name}: {path}"), move |s| {
        let mark = s.open(&path)?;
        let page = s.stayed(mark, "error")?;
        let message = if page.message.trim().is_empty() {
            page.text.trim()
        } else {
            page.message.trim()
        };
        ensure!(!message.is_empty(), "the error message is empty");
        ensure!(
            message.contains(&contains),
            "the message {message:?} does not mention {contains:?}"
        );
        if let Some(f) = &fallback {
            let want = vec![format!("{}{f}", s.m)];
            ensure!(
                page.links == want,
                "links {:?}, expected {want:?}",
                page.links
            );
        }
        Ok(())
    })
}

/// With `/config.json` answered by `what`, a valid link shows an error whose text
/// contains `contains`, and nothing is opened.
fn bad_config(name: &str, contains: &'static str, what: fn(&Suite) -> Override) -> Case {
    case(name, move |s| {
        with_config(s, what(s), || {
            let mark = s.open(&format!("{P}?contactId=sip:john.doe@contoso.com"))?;
            let page = s.stayed(mark, "error")?;
            ensure!(page.text.contains(contains), "text: {}", page.text.trim());
            Ok(())
        })
    })
}

/// Runs `check` with config.json's directory set to `directory`.
fn with_directory(s: &Suite, directory: &str, check: impl FnOnce() -> Result<()>) -> Result<()> {
    let config = s.config.replace(r#"{"source":"none"}"#, directory);
    ensure!(
        config != s.config,
        "the suite's config has no directory to replace"
    );
    with_config(
        s,
        Override::Body {
            content_type: "application/json".into(),
            body: config.into_bytes(),
        },
        check,
    )
}

/// Serves `what` as `/config.json` while `check` runs, then the suite's config again.
fn with_config(s: &Suite, what: Override, check: impl FnOnce() -> Result<()>) -> Result<()> {
    s.site.set_override("/config.json", Some(what));
    let result = check();
    s.site.set_config(&s.config);
    result
}

/// The query of John's quick call.
const JOHN_LINK: &str = "?contactId=sip:john.doe@contoso.com";

/// The module script of the panic case, served on the page's origin.
const PANIC_JS: &str = "/e2e-panic.js";

/// It calls the test export of the page's module (the instance the page runs, which
/// main.js leaves on `window`), which panics; what the call did is left in
/// `window.__thrown`.
const PANIC_SCRIPT: &str = "try { window.lqcPanicForTest(); window.__thrown = 'returned'; }
catch (e) { window.__thrown = 'threw: ' + e; }
";

fn cases() -> Vec<Case> {
    let q = |query: &str| format!("{P}?{query}");
    let mut cases = vec![
        // Every form Lync or an administrator may produce, one contact.
        lands(
            "raw Lync form",
            &q("contactId=Contacts=<sip:John.Doe@contoso.com>"),
            JOHN,
        ),
        lands(
            "percent-encoded",
            &q("contactId=Contacts%3D%3Csip%3AJohn.Doe%40contoso.com%3E"),
            JOHN,
        ),
        lands(
            "uppercase scheme, URI parameter",
            &q("contactId=SIP:john.doe@contoso.com;transport=tls"),
            JOHN,
        ),
        lands("sips", &q("contactId=sips:john.doe@contoso.com"), JOHN),
        lands(
            "surrounding spaces",
            &q("contactId=%20john.doe@contoso.com%20"),
            JOHN,
        ),
        lands(
            "parameter name in capitals",
            &q("CONTACTID=sip:john.doe@contoso.com"),
            JOHN,
        ),
        lands(
            "Microsoft's userId;contactId form",
            &q("userId=sip:tech@contoso.com;contactId=Contacts=<sip:john.doe@contoso.com>"),
            JOHN,
        ),
        lands(
            "technician left out, one contact left",
            &q("userId=sip:tech@contoso.com;contactId=Contacts=<sip:tech@contoso.com>,<sip:john.doe@contoso.com>"),
            JOHN,
        ),
        lands(
            "a raw & in an address stays in it",
            &q("contactId=Contacts=<sip:r&d@contoso.com>"),
            "/sso_samlindexlync.php?do_quickcall=1&url_requestor=r%26d%40contoso.com",
        ),
        lands(
            "a raw # in an address (the browser's fragment) is joined back",
            &q("contactId=Contacts=<sip:r#d@contoso.com>"),
            "/sso_samlindexlync.php?do_quickcall=1&url_requestor=r%23d%40contoso.com",
        ),
        lands(
            "bare / serves index.html",
            "/?contactId=Contacts=<sip:john.doe@contoso.com>",
            JOHN,
        ),
        // Profiles.
        lands(
            "sandbox profile",
            &q("profile=sandbox&contactId=Contacts=<sip:john.doe@contoso.com>"),
            "/sso_samlindexlyncsbox.php?do_quickcall=1&url_requestor=john.doe%40contoso.com",
        ),
        lands(
            "autoconnect profile changes only field6",
            &q("profile=db50004&contactId=sip:john.doe@contoso.com"),
            "/autoconnect_mail.php?field1=5C0F051E580F056F19&field2=&field4=%7B90D54E77-40A5-4F0F-8029-5A7A05F5814D%7D&field5=ViewDialog&field6=john.doe%40contoso.com",
        ),
        lands(
            "template profile keeps the +",
            &q("profile=tpl&contactId=sip:john+it@contoso.com"),
            "/cti.do?sysparm_caller_email=john%2Bit%40contoso.com",
        ),
        // Unknown contacts.
        lands("tel: contact to the login page", &q("contactId=tel:+33123456789"), LOGIN),
        lands(
            "tel: contact, sandbox login page",
            &q("profile=sandbox&contactId=tel:+33123456789"),
            "/sso_samlindexsbox.php",
        ),
        lands(
            "tel: contact, template fallback_url",
            &q("profile=tpl&contactId=tel:+33123456789"),
            "/new",
        ),
        lands(
            "tel: contact, autoconnect to the ITSM",
            &q("profile=db50004&contactId=tel:+33123456789"),
            "/",
        ),
        lands(
            "several contacts, none known",
            &q("contactId=Contacts=<tel:+33123456789>,<tel:1234;phone-context=labda>"),
            LOGIN,
        ),
        // Several contacts: the chooser, then a click.
        case("chooser, then the third link", |s| {
            let mark = s.open(&format!(
                "{P}?contactId=Contacts=<sip:a@contoso.com>,<tel:1234;phone-context=labda>,<sip:b@contoso.com>"
            ))?;
            let page = s.stayed(mark, "choose")?;
            let want: Vec<String> = [
                "/sso_samlindexlync.php?do_quickcall=1&url_requestor=a%40contoso.com",
                LOGIN,
                "/sso_samlindexlync.php?do_quickcall=1&url_requestor=b%40contoso.com",
            ]
            .iter()
            .map(|p| format!("{}{p}", s.m))
            .collect();
            ensure!(page.links == want, "links {:?}, expected {want:?}", page.links);
            s.browser
                .execute("document.querySelectorAll('#status a')[2].click();", &[])?;
            s.followed(
                mark,
                "/sso_samlindexlync.php?do_quickcall=1&url_requestor=b%40contoso.com",
            )
        }),
        // Dry run.
        case("dry run shows the target and opens nothing", |s| {
            let mark = s.open(&format!("{P}?contactId=sip:john.doe@contoso.com&dryrun=1"))?;
            let page = s.stayed(mark, "done")?;
            let want = format!("{}{JOHN}", s.m);
            ensure!(
                page.target.as_deref() == Some(want.as_str()),
                "#target is {:?}, expected {want:?}",
                page.target
            );
            Ok(())
        }),
        // Refusals: the page stays, explains, and the ITSM sees nothing. (Without any
        // contactId, the page says what it is: page_cases.rs.)
        fails(
            "javascript: URL",
            &q("contactId=javascript:alert(1)"),
            "javascript",
            Some(LOGIN),
        ),
        fails(
            "protocol-relative URL",
            &q("contactId=//evil.example"),
            "evil.example",
            Some(LOGIN),
        ),
        fails(
            "CR LF injection",
            &q("contactId=sip:a@x.com%0D%0ALocation:%20http://evil"),
            "control character",
            Some(LOGIN),
        ),
        fails(
            "contactId twice",
            &q("contactId=sip:a@x.com&contactId=sip:b@x.com"),
            "more than once",
            Some(LOGIN),
        ),
        fails(
            "double encoding",
            &q("contactId=Contacts%253D%253Csip%253Aa%2540x.com%253E"),
            "",
            Some(LOGIN),
        ),
        fails(
            "encoded & smuggling a second url_requestor",
            &q("contactId=sip:john@contoso.com%26url_requestor%3Devil@evil.com"),
            "",
            Some(LOGIN),
        ),
        fails(
            "invalid UTF-8",
            &q("contactId=%FF%FE"),
            "UTF-8",
            Some(LOGIN),
        ),
        fails(
            "only the technician",
            &q("userId=sip:tech@contoso.com;contactId=Contacts=<sip:Tech@contoso.com>"),
            "tech@contoso.com",
            Some(LOGIN),
        ),
        fails(
            "malformed profile name",
            &q("profile=../x&contactId=sip:a@x.com"),
            "profile",
            Some(LOGIN),
        ),
        fails(
            "unknown profile",
            &q("profile=nope&contactId=sip:a@x.com"),
            "nope",
            None,
        ),
    ];
    cases.extend([
        bad_config("broken config.json names the field", "itsm_url", |s| {
            Override::Body {
                content_type: "application/json".into(),
                body: s.config.replacen(&s.m, "ftp://x", 1).into_bytes(),
            }
        }),
        bad_config("config.json that is not JSON", "config.json", |_| {
            Override::Body {
                content_type: "application/json".into(),
                body: b"{ \"itsm_url\": ".to_vec(),
            }
        }),
        bad_config("missing config.json (404)", "config.json", |_| {
            Override::NotFound
        }),
        case(
            "preloads: config.json asked for once in Chromium, twice in Firefox; the module once",
            |s| {
                // index.html preloads config.json; the page then fetches it with
                // `cache: 'no-cache'`. Chromium hands the preloaded answer to that
                // fetch: one request. Firefox (ESR 153) does not, and asks again: a
                // revalidation answered 304 when the preload's answer is in its HTTP
                // cache (warm, or a cold cache that stores it), 200 in a session
                // without a cache. Both hand the preloaded module to the page's
                // streaming compilation: one request when it is not cached.
                let engine = s.engine;
                for (cache, b) in [("warm", &s.browser), ("cold", s.uncached()?)] {
                    if cache == "warm" {
                        // Everything cached, and this config.json.
                        b.goto(&format!("{}{P}{JOHN_LINK}", s.origin))?;
                        s.settle_in(b)?;
                    } else {
                        b.clear_cache()?;
                    }
                    b.goto("about:blank")?;
                    let served = s.site.hits().len();
                    let mark = s.open_in(b, &format!("{P}{JOHN_LINK}"))?;
                    s.landed_in(b, mark, JOHN)?;
                    let hits = &s.site.hits()[served..];
                    let statuses: Vec<u16> = hits
                        .iter()
                        .filter(|h| h.url == "/config.json")
                        .map(|h| h.status)
                        .collect();
                    let expected: &[u16] = match (engine, cache) {
                        (Engine::Chromium, "warm") => &[304],
                        (Engine::Chromium, _) => &[200],
                        (Engine::Firefox, "warm") => &[304, 304],
                        (Engine::Firefox, _) => &[200, 200],
                    };
                    ensure!(
                        statuses == expected,
                        "{cache}: /config.json answered {statuses:?} in one load in {engine}, \
                         expected {expected:?}"
                    );
                    let modules = hits.iter().filter(|h| h.url.ends_with(".wasm")).count();
                    let want = usize::from(cache == "cold");
                    ensure!(
                        modules == want,
                        "{cache}: the module was asked for {modules} times, expected {want}"
                    );
                    // Without Graph in config.json, the Graph build is never loaded.
                    ensure!(
                        !hits.iter().any(|h| h.url.starts_with("/graph-")),
                        "{cache}: graph.js was loaded for a configuration without Graph"
                    );
                }
                Ok(())
            },
        ),
        case("a browser without WebAssembly is told so", |s| {
            // A session with WebAssembly turned off: Firefox's preference, Chromium's
            // V8 without its compilers (`--jitless`, as Edge's enhanced security mode).
            let b = s.without_wasm()?;
            let served = s.site.hits().len();
            let mark = s.open_in(b, &format!("{P}{JOHN_LINK}"))?;
            let page = s.stayed_in(b, mark, "error")?;
            let kind = b.execute("return typeof WebAssembly;", &[])?;
            ensure!(kind == "undefined", "WebAssembly is there ({kind})");
            ensure!(
                page.text.contains("WebAssembly"),
                "text: {}",
                page.text.trim()
            );
            // index.html's `<link rel="preload">` asks for the module in any browser,
            // WebAssembly or not: once at most (none when it is cached).
            let wasm = s.site.hits()[served..]
                .iter()
                .filter(|h| h.url.ends_with(".wasm"))
                .count();
            ensure!(wasm <= 1, "the module was requested {wasm} times");
            Ok(())
        }),
        case("a panic is rendered, not silent", |s| {
            let mark = s.open(&format!("{P}?contactId=sip:john.doe@contoso.com&dryrun=1"))?;
            s.stayed(mark, "done")?;
            // A script of the page's origin (the CSP allows no other) makes the page's
            // module, the same instance, panic. (A WebDriver script runs apart from
            // the page's own in Firefox.)
            s.site.set_override(
                PANIC_JS,
                Some(Override::Body {
                    content_type: "text/javascript".into(),
                    body: PANIC_SCRIPT.as_bytes().to_vec(),
                }),
            );
            let result = (|| {
                s.browser.execute(
                    "const s = document.createElement('script');
                     s.type = 'module';
                     s.src = arguments[0];
                     document.head.appendChild(s);",
                    &[Value::from(PANIC_JS)],
                )?;
                let page = s.browser.wait_for(SETTLE, "the panic message", |b| {
                    Ok(page_state(b)?.filter(|p| p.state == "error"))
                })?;
                let thrown = s.browser.execute("return window.__thrown;", &[])?;
                ensure!(
                    page.text.contains("deliberate test panic"),
                    "text: {} (the call {thrown})",
                    page.text.trim()
                );
                Ok(())
            })();
            s.site.set_override(PANIC_JS, None);
            result
        }),
        case("Back does not bounce through the page", |s| {
            s.browser.goto("about:blank")?;
            let mark = s.open(&format!("{P}?contactId=sip:john.doe@contoso.com"))?;
            s.landed(mark, JOHN)?;
            s.browser.back()?;
            s.browser.wait_for(SETTLE, "about:blank after Back", |b| {
                Ok((b.url()? == "about:blank").then_some(()))
            })?;
            // Had the page been in the history, it would redirect again by now.
            std::thread::sleep(Duration::from_millis(300));
            let url = s.browser.url()?;
            ensure!(url == "about:blank", "after Back the browser is at {url}");
            ensure!(s.mock.count() == mark + 1, "the page ran again after Back");
            Ok(())
        }),
    ]);
    cases
}

/// The variable that limits a run to the cases whose names contain its value.
const ONLY_VAR: &str = "LQC_E2E_ONLY";

/// What one engine's run gave.
struct Tally {
    engine: Engine,
    passed: usize,
    failed: usize,
    chromium_only: usize,
    took: Duration,
}

impl Tally {
    fn line(&self) -> String {
        format!(
            "e2e ({}): {} passed, {} failed, {} Chromium-only ({:.1} s)",
            self.engine,
            self.passed,
            self.failed,
            self.chromium_only,
            self.took.as_secs_f64()
        )
    }
}

/// Runs every case in the suite's engine, in order.
fn run_cases(suite: &Suite) -> Tally {
    let engine = suite.engine;
    let started = Instant::now();
    let mut tally = Tally {
        engine,
        passed: 0,
        failed: 0,
        chromium_only: 0,
        took: Duration::ZERO,
    };
    let all = cases()
        .into_iter()
        .chain(page_cases::cases())
        .chain(directory_cases::cases())
        .chain(fault_cases::cases())
        .chain(startup_cases::cases())
        .chain(network_cases::cases());
    // While working on the suite: only the cases whose names contain this.
    let only = std::env::var(ONLY_VAR).ok().filter(|o| !o.is_empty());
    if let Some(only) = &only {
        println!("e2e: only the cases whose names contain {only:?} ({ONLY_VAR})");
    }
    for c in all {
        if only.as_ref().is_some_and(|o| !c.name.contains(o.as_str())) {
            continue;
        }
        if let (Some(to), Engine::Firefox) = (c.chromium_only, engine) {
            tally.chromium_only += 1;
            println!(
                "skip    {} (Chromium only: needs the DevTools protocol to {to})",
                c.name
            );
            continue;
        }
        let t = Instant::now();
        match (c.check)(suite) {
            Ok(()) => {
                tally.passed += 1;
                println!("ok      {} ({} ms)", c.name, t.elapsed().as_millis());
            }
            Err(e) => {
                tally.failed += 1;
                println!("FAILED  {}\n        {e:#}", c.name);
            }
        }
    }
    tally.took = started.elapsed();
    println!("{}", tally.line());
    tally
}

/// Runs the suite against the distribution in `dist`, in each of `engines` in turn
/// (the same servers for all).
pub fn run(dist: &Path, engines: &[Engine]) -> Result<()> {
    let Some(&first) = engines.first() else {
        bail!("no browser engine to run the suite in");
    };
    let exports = directory_cases::prepare(dist)?;
    let entra = Entra::start(
        network_cases::TENANT,
        network_cases::CLIENT_ID,
        Vec::new(),
        entra::demo_users(),
    )?;
    let lookup = LookupEndpoint::start(lookup::demo_people())?;
    let unreachable = network_cases::closed_origin()?;
    let connect = [
        entra.authority(),
        entra.graph_url(),
        lookup.origin(),
        unreachable.clone(),
    ];
    crate::csp::allow_connect_in(dist, &connect)?;
    let mock = MockItsm::start(0)?;
    let site = StaticServer::start(dist, 0)?;
    let m = mock.origin();
    let config = config(&m);
    site.set_config(&config);
    let origin = site.origin();
    // The page's redirect URIs, registered as "Single-page application".
    entra.add_redirect_uri(&format!("{origin}/index.html"));
    entra.add_redirect_uri(&format!("{origin}/"));
    println!(
        "e2e: page on {origin}, mock ITSM on {m}, Entra ID on {}, Graph on {}, lookup on {}",
        entra.authority(),
        entra.graph_url(),
        lookup.origin()
    );
    let mut suite = Suite {
        engine: first,
        browser: start_browser(first, &Options::default(), "")?,
        french: OnceCell::new(),
        no_wasm: OnceCell::new(),
        no_cache: OnceCell::new(),
        mock,
        site,
        m,
        origin,
        config,
        exports,
        entra,
        lookup,
        unreachable,
        dist: dist.to_path_buf(),
    };
    let mut tallies = Vec::new();
    let mut problems = Vec::new();
    for (i, &engine) in engines.iter().enumerate() {
        println!("\ne2e ({engine}): {}", engine.product());
        if i > 0 {
            // The previous engine's sessions end before this one's start.
            suite.french = OnceCell::new();
            suite.no_wasm = OnceCell::new();
            suite.no_cache = OnceCell::new();
            match start_browser(engine, &Options::default(), "") {
                Ok(b) => suite.browser = b,
                Err(e) => {
                    println!("e2e ({engine}): could not start: {e:#}");
                    problems.push(format!("{engine}: {e:#}"));
                    continue;
                }
            }
            suite.engine = engine;
        }
        let tally = run_cases(&suite);
        if tally.failed > 0 {
            problems.push(format!(
                "{} end-to-end case(s) failed in {engine}",
                tally.failed
            ));
        }
        tallies.push(tally);
    }
    drop(suite);
    println!();
    for tally in &tallies {
        println!("{}", tally.line());
    }
    if !problems.is_empty() {
        return Err(anyhow!("{}", problems.join("; ")));
    }
    Ok(())
}
