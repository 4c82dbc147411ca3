//! The end-to-end suite: the built page, served over HTTP, opened in headless Chromium
//! with the links Lync produces, checked by where the browser really lands.
//!
//! Two servers on two origins: the page (`dist`, with the suite's own `config.json`)
//! and a mock ITSM that records every request. A case passes when the browser's URL is
//! the expected ITSM URL *and* the mock received exactly that request, or when the page
//! stays put in the expected `#status` state (`choose`, `done`, `error`) and the mock
//! received nothing. One ChromeDriver and one browser session serve every case, in
//! order; the suite prints `ok` or `FAILED` per case and `e2e: N passed, M failed`.
//!
//! The Graph and endpoint directory sources talk to loopback stand-ins of Entra ID and
//! Microsoft Graph ([`crate::entra`]) and of a lookup endpoint ([`crate::lookup`]),
//! whose origins are added to the page's `connect-src` as an administrator would.

mod directory_cases;
mod fault_cases;
mod network_cases;
mod page_cases;
mod startup_cases;

use std::path::Path;
use std::time::{Duration, Instant};

use anyhow::{anyhow, bail, ensure, Context, Result};
use serde_json::Value;

use crate::entra::{self, Entra};
use crate::lookup::{self, LookupEndpoint};
use crate::serve::{MockItsm, Override, StaticServer};
use crate::webdriver::Browser;

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
    browser: Browser,
    /// A second browser, whose preferred language is French, started on first use.
    french: std::cell::OnceCell<Browser>,
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

impl Suite {
    /// Navigates to `path` on the page's origin; returns the mock's request count
    /// before, to tell this case's requests from earlier ones.
    fn open(&self, path: &str) -> Result<usize> {
        let mark = self.mock.count();
        self.browser.goto(&format!("{}{path}", self.origin))?;
        Ok(mark)
    }

    /// Waits until the browser is on the mock ITSM or the page has settled.
    fn settle(&self) -> Result<Settled> {
        self.browser
            .wait_for(SETTLE, "the page to navigate or settle", |b| {
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
        let want = format!("{}{expected}", self.m);
        match self.settle()? {
            Settled::Landed(url) => ensure!(url == want, "landed on {url}, expected {want}"),
            Settled::Stayed(s) => bail!(
                "stayed on the page in state '{}': {}",
                s.state,
                s.text.trim()
            ),
        }
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
        let s = match self.settle()? {
            Settled::Landed(url) => bail!("navigated to {url}, expected state '{state}'"),
            Settled::Stayed(s) => s,
        };
        ensure!(
            s.state == state,
            "state '{}' ({}), expected '{state}'",
            s.state,
            s.text.trim()
        );
        let url = self.browser.url()?;
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
}

fn case(name: impl Into<String>, check: impl Fn(&Suite) -> Result<()> + 'static) -> Case {
    Case {
        name: name.into(),
        check: Box::new(check),
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
            s.landed(
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
        case("a browser without WebAssembly is told so", |s| {
            let id = s.browser.add_init_script("delete window.WebAssembly")?;
            let result = (|| {
                let served = s.site.hits().len();
                let mark = s.open(&format!("{P}?contactId=sip:john.doe@contoso.com"))?;
                let page = s.stayed(mark, "error")?;
                let kind = s.browser.execute("return typeof WebAssembly;", &[])?;
                ensure!(kind == "undefined", "WebAssembly was not removed ({kind})");
                ensure!(
                    page.text.contains("WebAssembly"),
                    "text: {}",
                    page.text.trim()
                );
                let wasm = s.site.hits()[served..]
                    .iter()
                    .filter(|h| h.url.ends_with(".wasm"))
                    .count();
                ensure!(wasm == 0, "the module was still requested");
                Ok(())
            })();
            s.browser.remove_init_script(&id)?;
            result
        }),
        case("a panic is rendered, not silent", |s| {
            let mark = s.open(&format!("{P}?contactId=sip:john.doe@contoso.com&dryrun=1"))?;
            s.stayed(mark, "done")?;
            let thrown = s.browser.execute(
                r#"return (async () => {
                     const main = document.querySelector('script[type=module]').src;
                     const m = await import(main);
                     try { m.__panicForTest(); return 'returned'; }
                     catch (e) { return 'threw: ' + e; }
                   })();"#,
                &[],
            )?;
            let page = s.browser.wait_for(SETTLE, "the panic message", |b| {
                Ok(page_state(b)?.filter(|p| p.state == "error"))
            })?;
            ensure!(
                page.text.contains("deliberate test panic"),
                "text: {} (the call {thrown})",
                page.text.trim()
            );
            Ok(())
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

/// Runs the suite against the distribution in `dist`.
pub fn run(dist: &Path) -> Result<()> {
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
    let browser = Browser::start().context("cannot start headless Chromium")?;
    let suite = Suite {
        browser,
        french: std::cell::OnceCell::new(),
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
    let started = Instant::now();
    let (mut passed, mut failed) = (0, 0);
    let all = cases()
        .into_iter()
        .chain(page_cases::cases())
        .chain(directory_cases::cases())
        .chain(fault_cases::cases())
        .chain(startup_cases::cases())
        .chain(network_cases::cases());
    for c in all {
        let t = Instant::now();
        match (c.check)(&suite) {
            Ok(()) => {
                passed += 1;
                println!("ok      {} ({} ms)", c.name, t.elapsed().as_millis());
            }
            Err(e) => {
                failed += 1;
                println!("FAILED  {}\n        {e:#}", c.name);
            }
        }
    }
    println!("e2e: took {:.1} s", started.elapsed().as_secs_f64());
    println!("e2e: {passed} passed, {failed} failed");
    if failed > 0 {
        return Err(anyhow!("{failed} end-to-end case(s) failed"));
    }
    Ok(())
}
