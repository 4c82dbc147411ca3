//! End-to-end cases for the directory sources that ask the network: Microsoft Graph
//! (`"source": "graph"`, signed in through the Entra ID stand-in of [`crate::entra`])
//! and a lookup endpoint of the company's own (`"source": "endpoint"`, the stand-in of
//! [`crate::lookup`]). Each case checks where the browser went and what the stand-ins
//! and the mock ITSM received.

use std::net::TcpListener;
use std::time::{Duration, Instant};

use anyhow::{bail, ensure, Context, Result};
use serde_json::Value;

use super::{case, page_state, with_directory, Case, Suite, LOGIN, P};
use crate::entra::Faults;
use crate::lookup::LookupFault;

/// The tenant of the Entra ID stand-in.
pub const TENANT: &str = "contoso.onmicrosoft.com";
/// The app registration's application (client) id.
pub const CLIENT_ID: &str = "7d3c2b1a-0f9e-4d8c-b7a6-5e4f3a2b1c0d";

/// The quick calls the demo directory leads to.
const JOHN: &str = "/sso_samlindexlync.php?do_quickcall=1&url_requestor=john.doe%40contoso.com";
const PAUL: &str = "/sso_samlindexlync.php?do_quickcall=1&url_requestor=paul.martin%40contoso.com";
const SEAN: &str =
    "/sso_samlindexlync.php?do_quickcall=1&url_requestor=sean.o%27brien%40contoso.com";
const ANNA: &str = "/sso_samlindexlync.php?do_quickcall=1&url_requestor=anna.smith%40contoso.com";
const BRUNO: &str =
    "/sso_samlindexlync.php?do_quickcall=1&url_requestor=bruno.martin%40contoso.com";

/// How long to watch for a sign-in loop after an error page.
const NO_LOOP: Duration = Duration::from_millis(400);

/// The origin of a loopback port nobody listens on (bound, then let go).
pub fn closed_origin() -> Result<String> {
    let listener = TcpListener::bind(("127.0.0.1", 0)).context("cannot bind a loopback port")?;
    let port = listener.local_addr()?.port();
    drop(listener);
    Ok(format!("http://127.0.0.1:{port}"))
}

/// The `directory` of a Graph source on the stand-ins, Graph at `graph_url`.
fn graph_directory(s: &Suite, graph_url: &str) -> String {
    format!(
        r#"{{"source":"graph","tenant":"{TENANT}","client_id":"{CLIENT_ID}","authority":"{}","graph_url":"{graph_url}"}}"#,
        s.entra.authority()
    )
}

/// The `directory` of an endpoint source on the lookup stand-in.
fn endpoint_directory(s: &Suite, credentials: &str) -> String {
    format!(
        r#"{{"source":"endpoint","url":"{}","credentials":"{credentials}"}}"#,
        template(s)
    )
}

/// The endpoint URL as configured (error pages name it).
fn template(s: &Suite) -> String {
    format!("{}/api/lync-lookup?contact={{contact}}", s.lookup.origin())
}

fn with_graph(s: &Suite, check: impl FnOnce() -> Result<()>) -> Result<()> {
    with_directory(s, &graph_directory(s, &s.entra.graph_url()), check)
}

fn with_endpoint(s: &Suite, credentials: &str, check: impl FnOnce() -> Result<()>) -> Result<()> {
    with_directory(s, &endpoint_directory(s, credentials), check)
}

/// Runs `check` with the stand-ins misbehaving as `faults` say, then well again.
fn with_faults(s: &Suite, faults: Faults, check: impl FnOnce() -> Result<()>) -> Result<()> {
    s.entra.set_faults(faults);
    let result = check();
    s.entra.set_faults(Faults::default());
    s.entra.set_graph_exposes_retry_after(false);
    result
}

/// Runs `check` with the lookup endpoint answering as `fault` says, then well again.
fn with_lookup_fault(
    s: &Suite,
    fault: LookupFault,
    check: impl FnOnce() -> Result<()>,
) -> Result<()> {
    s.lookup.set_fault(fault);
    let result = check();
    s.lookup.set_fault(LookupFault::None);
    result
}

/// Runs `check` in a new tab, then closes it and comes back.
fn in_new_tab(s: &Suite, check: impl FnOnce() -> Result<()>) -> Result<()> {
    let home = s.browser.window()?;
    let tab = s.browser.new_tab()?;
    s.browser.switch_to(&tab)?;
    let result = check();
    s.browser.close_window()?;
    s.browser.switch_to(&home)?;
    let open = s.browser.window_handles()?;
    ensure!(open == [home], "tabs left open: {open:?}");
    result
}

/// Forgets what the stand-ins received so far; returns the mock ITSM's mark.
fn reset(s: &Suite) -> usize {
    s.entra.reset_log();
    s.lookup.reset_log();
    s.mock.count()
}

/// A signed-out start: no cached token, no pending sign-in on the page's origin.
fn sign_out(s: &Suite) -> Result<()> {
    // A document of the page's origin that runs nothing: the server's plain-text 404
    // (config.json would do in Chromium, but Firefox shows JSON in its JSON viewer,
    // where scripts cannot reach the origin's storage).
    s.browser.goto(&format!("{}/e2e-sign-out", s.origin))?;
    s.browser
        .execute("localStorage.clear(); sessionStorage.clear();", &[])?;
    Ok(())
}

/// Signs in afresh (with the Graph config in place) by a click that lands on John.
fn sign_in(s: &Suite) -> Result<()> {
    sign_out(s)?;
    let mark = reset(s);
    s.open(&format!("{P}?contactId=sip:jdoe@contoso.com"))?;
    s.landed(mark, JOHN).context("signing in")?;
    let (a, t) = (
        s.entra.authorize_requests().len(),
        s.entra.token_requests().len(),
    );
    ensure!(
        (a, t) == (1, 1),
        "signing in took {a} authorize and {t} token requests"
    );
    Ok(())
}

/// A value of a decoded query or form.
fn value<'a>(pairs: &'a [(String, String)], name: &str) -> Option<&'a str> {
    pairs
        .iter()
        .find(|(n, _)| n == name)
        .map(|(_, v)| v.as_str())
}

/// The counts of authorize and token requests since the last [`reset`].
fn sign_ins(s: &Suite) -> (usize, usize) {
    (
        s.entra.authorize_requests().len(),
        s.entra.token_requests().len(),
    )
}

fn expect_sign_ins(s: &Suite, want: (usize, usize)) -> Result<()> {
    let got = sign_ins(s);
    ensure!(
        got == want,
        "(authorize, token) requests: {got:?}, expected {want:?}"
    );
    Ok(())
}

/// The `$filter`s Graph received since the last [`reset`], with the status answered.
fn filters(s: &Suite) -> Vec<(String, u16)> {
    s.entra
        .graph_requests()
        .iter()
        .map(|r| (r.filter.clone().unwrap_or_default(), r.answered))
        .collect()
}

/// The error message shown (`stayed` in `error` already checked).
fn message(page: &super::PageState) -> &str {
    if page.message.trim().is_empty() {
        page.text.trim()
    } else {
        page.message.trim()
    }
}

fn mentions(text: &str, parts: &[&str]) -> Result<()> {
    for part in parts {
        ensure!(text.contains(part), "{text:?} does not mention {part:?}");
    }
    Ok(())
}

/// The chooser's links, as paths on the mock.
fn expect_links(s: &Suite, page: &super::PageState, paths: &[&str]) -> Result<()> {
    let want: Vec<String> = paths.iter().map(|p| format!("{}{p}", s.m)).collect();
    ensure!(
        page.links == want,
        "links {:?}, expected {want:?}",
        page.links
    );
    Ok(())
}

/// With the Graph source and a signed-out start, the sign-in fails as `faults` make it:
/// an error page mentioning `parts`, one authorize request and `tokens` token
/// requests, and no second attempt.
fn sign_in_refused(
    name: &str,
    faults: fn() -> Faults,
    tokens: usize,
    parts: &'static [&'static str],
) -> Case {
    case(format!("graph: {name}"), move |s| {
        with_graph(s, || {
            sign_out(s)?;
            with_faults(s, faults(), || {
                let mark = reset(s);
                s.open(&format!("{P}?contactId=sip:jdoe@contoso.com"))?;
                let page = s.stayed(mark, "error")?;
                mentions(message(&page), parts)?;
                std::thread::sleep(NO_LOOP);
                expect_sign_ins(s, (1, tokens))?;
                ensure!(
                    s.entra.graph_requests().is_empty(),
                    "Graph was asked without a token"
                );
                ensure!(s.mock.count() == mark, "the mock ITSM received a request");
                Ok(())
            })
        })
    })
}

/// With the Graph source (signed in), `contact` lands on `expected`; the Graph
/// request on the first `match` property that finds somebody carried `filter`.
fn graph_lands(
    name: &str,
    contact: &'static str,
    expected: &'static str,
    filter: &'static str,
) -> Case {
    case(format!("graph: {name}: {contact}"), move |s| {
        with_graph(s, || {
            let mark = reset(s);
            s.open(&format!("{P}?contactId={contact}"))?;
            s.landed(mark, expected)?;
            let sent = filters(s);
            ensure!(
                sent.iter().any(|(f, status)| f == filter && *status == 200),
                "Graph received {sent:?}, not {filter:?}"
            );
            // The dry run names the property and the filter that matched.
            let mark = reset(s);
            s.open(&format!("{P}?contactId={contact}&dryrun=1"))?;
            let page = s.stayed(mark, "done")?;
            let property = filter.split(['/', ' ']).next().unwrap_or("");
            mentions(
                &page.text,
                &[&format!("matched by {property} ($filter={filter})")],
            )?;
            let want = format!("{}{expected}", s.m);
            ensure!(
                page.target.as_deref() == Some(want.as_str()),
                "#target {:?}",
                page.target
            );
            Ok(())
        })
    })
}

/// With the endpoint source, the lookup answering as `fault` says, a click shows an
/// error naming the endpoint and `parts`.
fn endpoint_refused(
    name: &str,
    fault: fn() -> LookupFault,
    parts: &'static [&'static str],
) -> Case {
    case(format!("endpoint: {name}"), move |s| {
        with_endpoint(s, "omit", || {
            with_lookup_fault(s, fault(), || {
                let mark = reset(s);
                s.open(&format!("{P}?contactId=sip:jdoe@contoso.com"))?;
                let page = s.stayed(mark, "error")?;
                mentions(message(&page), &[&template(s)])?;
                mentions(message(&page), parts)?;
                ensure!(s.lookup.requests().len() == 1, "not one lookup");
                Ok(())
            })
        })
    })
}

/// The cases.
pub fn cases() -> Vec<Case> {
    vec![
        case("graph: the first click signs in, then lands", |s| {
            with_graph(s, || {
                sign_out(s)?;
                let mark = reset(s);
                let served = s.site.hits().len();
                s.open(&format!(
                    "{P}?userId=sip:tech@contoso.com;contactId=Contacts=<sip:jdoe@contoso.com>"
                ))?;
                s.landed(mark, JOHN)?;
                expect_sign_ins(s, (1, 1))?;
                // The first module handed over to the Graph build, which main.js loaded.
                let asked: Vec<String> = s.site.hits()[served..]
                    .iter()
                    .map(|h| h.url.clone())
                    .collect();
                for prefix in ["/graph-", "/lync_quickcall_graph_bg-"] {
                    ensure!(
                        asked.iter().any(|u| u.starts_with(prefix)),
                        "the Graph build ({prefix}...) was never asked for: {asked:?}"
                    );
                }
                let q = &s.entra.authorize_requests()[0].query;
                let scope = format!("{}/User.Read.All", s.entra.graph_url());
                let redirect = format!("{}/index.html", s.origin);
                for (name, want) in [
                    ("client_id", CLIENT_ID),
                    ("response_type", "code"),
                    ("response_mode", "query"),
                    ("code_challenge_method", "S256"),
                    ("login_hint", "tech@contoso.com"),
                    ("redirect_uri", &redirect),
                    ("scope", &scope),
                ] {
                    ensure!(
                        value(q, name) == Some(want),
                        "the authorize request has {name}={:?}, expected {want:?}",
                        value(q, name)
                    );
                }
                ensure!(
                    value(q, "code_challenge").is_some_and(|c| c.len() == 43),
                    "no S256 code_challenge"
                );
                let token = &s.entra.token_requests()[0];
                ensure!(
                    token.answered == 200 && token.origin.as_deref() == Some(s.origin.as_str()),
                    "the token request: {token:?}"
                );
                ensure!(
                    value(&token.form, "code_verifier").is_some()
                        && value(&token.form, "client_secret").is_none(),
                    "the token request is not a public client's with PKCE"
                );
                let graph = s.entra.graph_requests();
                ensure!(!graph.is_empty(), "Graph received nothing");
                for r in &graph {
                    ensure!(
                        r.authorization
                            .as_deref()
                            .is_some_and(|a| a.starts_with("Bearer ")),
                        "a Graph request without the token"
                    );
                    ensure!(
                        r.select.as_deref() == Some("id,displayName,mail"),
                        "a Graph request with $select={:?}",
                        r.select
                    );
                }
                ensure!(
                    graph.iter().any(|r| r.answered == 200
                        && r.filter.as_deref()
                            == Some("imAddresses/any(i:i eq 'jdoe@contoso.com')")),
                    "Graph received {:?}",
                    filters(s)
                );
                // The same link again: no sign-in, and the dry run says what matched.
                let mark = reset(s);
                s.open(&format!("{P}?contactId=sip:jdoe@contoso.com&dryrun=1"))?;
                let page = s.stayed(mark, "done")?;
                mentions(
                    &page.text,
                    &[
                        "Microsoft Graph (",
                        "John Doe <john.doe@contoso.com> (matched by imAddresses ($filter=imAddresses/any(i:i eq 'jdoe@contoso.com'))",
                    ],
                )?;
                expect_sign_ins(s, (0, 0))
            })
        }),
        case(
            "graph: after a sign-in the address bar holds the original query, byte for byte",
            |s| {
                with_graph(s, || {
                    sign_out(s)?;
                    let link = format!("{P}?userId=sip:tech@contoso.com;contactId=Contacts=<sip:john+it@contoso.com>,<sip:jdoe@contoso.com>&dryrun=1");
                    let served = s.site.hits().len();
                    let mark = reset(s);
                    s.open(&link)?;
                    let page = s.stayed(mark, "done")?;
                    expect_sign_ins(s, (1, 1))?;
                    // The query the browser made of the link, before the sign-in: what
                    // it first asked the server for, and what its URL parser gives.
                    let hits = s.site.hits();
                    let pages: Vec<&str> = hits[served..]
                        .iter()
                        .filter_map(|h| h.url.strip_prefix("/index.html"))
                        .collect();
                    ensure!(
                        pages.len() == 2 && pages[1].starts_with("?code="),
                        "the page was loaded as {pages:?}, expected the link, then the sign-in answer"
                    );
                    let before = pages[0];
                    let parsed = s.browser.execute(
                        "return new URL(arguments[0]).search;",
                        &[Value::from(format!("{}{link}", s.origin))],
                    )?;
                    ensure!(
                        parsed.as_str() == Some(before),
                        "the browser parses the link to {parsed}, but asked for {before:?}"
                    );
                    ensure!(
                        before.contains('+') && before.contains(';') && before.contains("%3C"),
                        "the query {before:?} lost its + or ; (or kept < raw)"
                    );
                    let now = s.browser.execute("return location.search;", &[])?;
                    ensure!(
                        now.as_str() == Some(before),
                        "location.search is {now} after the sign-in, {before:?} before"
                    );
                    mentions(
                        &page.text,
                        &["sip:john+it@contoso.com", "John Doe <john.doe@contoso.com>"],
                    )
                })
            },
        ),
        case(
            "graph: no sign-in answer left in the history: Back from the quick call",
            |s| {
                with_graph(s, || {
                    sign_out(s)?;
                    in_new_tab(s, || {
                        let blank = s.browser.url()?;
                        ensure!(blank == "about:blank", "a new tab opens at {blank}");
                        // A first entry in the tab's history: a document of its own
                        // (Firefox replaces a new tab's initial about:blank with the
                        // next page, Chromium keeps it), here the server's plain 404.
                        let start = format!("{}/e2e-history-start", s.origin);
                        s.browser.goto(&start)?;
                        let length = s.browser.execute("return history.length;", &[])?;
                        let mark = reset(s);
                        s.open(&format!("{P}?contactId=sip:jdoe@contoso.com"))?;
                        s.landed(mark, JOHN)?;
                        expect_sign_ins(s, (1, 1))?;
                        let after = s.browser.execute("return history.length;", &[])?;
                        ensure!(
                            after.as_u64() == length.as_u64().map(|n| n + 1),
                            "history.length went from {length} to {after}: the page, the \
                             sign-in or its answer stayed in the history"
                        );
                        s.browser.back()?;
                        s.browser.wait_for(super::SETTLE, "the first page after Back", |b| {
                            Ok((b.url()? == start).then_some(()))
                        })?;
                        std::thread::sleep(Duration::from_millis(300));
                        let url = s.browser.url()?;
                        ensure!(url == start, "after Back the browser is at {url}");
                        ensure!(s.mock.count() == mark + 1, "the page ran again after Back");
                        expect_sign_ins(s, (1, 1))
                    })
                })
            },
        ),
        case("graph: the second click, in a new tab, needs no sign-in", |s| {
            with_graph(s, || {
                sign_in(s)?;
                in_new_tab(s, || {
                    let mark = reset(s);
                    s.open(&format!("{P}?contactId=Contacts=<sip:jdoe@contoso.com>"))?;
                    s.landed(mark, JOHN)?;
                    expect_sign_ins(s, (0, 0))?;
                    ensure!(!s.entra.graph_requests().is_empty(), "Graph received nothing");
                    Ok(())
                })
            })
        }),
        graph_lands(
            "found through proxyAddresses SIP:",
            "sip:pmartin@voice.contoso.com",
            PAUL,
            "proxyAddresses/any(p:p eq 'SIP:pmartin@voice.contoso.com')",
        ),
        graph_lands(
            "an apostrophe is doubled in the literal",
            "sip:sean.o'brien@contoso.com",
            SEAN,
            "imAddresses/any(i:i eq 'sean.o''brien@contoso.com')",
        ),
        case("graph: several contacts give the chooser, with names", |s| {
            with_graph(s, || {
                let mark = reset(s);
                s.open(&format!(
                    "{P}?contactId=Contacts=<sip:jdoe@contoso.com>,<sip:anna.smith@contoso.com>"
                ))?;
                let page = s.stayed(mark, "choose")?;
                expect_links(s, &page, &[JOHN, ANNA])?;
                mentions(
                    &page.text,
                    &[
                        "John Doe <john.doe@contoso.com>",
                        "Anna Smith <anna.smith@contoso.com>",
                    ],
                )
            })
        }),
        case(
            "graph: a shared mobile number gives the chooser (ConsistencyLevel: eventual)",
            |s| {
                with_graph(s, || {
                    let mark = reset(s);
                    s.open(&format!("{P}?contactId=tel:+33140000000"))?;
                    let page = s.stayed(mark, "choose")?;
                    expect_links(s, &page, &[ANNA, BRUNO])?;
                    mentions(&page.text, &["Anna Smith", "Bruno Martin"])?;
                    let graph = s.entra.graph_requests();
                    ensure!(graph.len() == 1, "{} Graph requests", graph.len());
                    let r = &graph[0];
                    ensure!(
                        r.filter.as_deref() == Some("mobilePhone eq '+33140000000'")
                            && r.consistency_level.as_deref() == Some("eventual")
                            && r.raw_query.contains("%2B33140000000")
                            && r.raw_query.contains("$count=true")
                            && r.answered == 200,
                        "the mobilePhone request: {r:?}"
                    );
                    Ok(())
                })
            },
        ),
        case("graph: a contact cannot widen the filter", |s| {
            with_graph(s, || {
                let mark = reset(s);
                s.open(&format!(
                    "{P}?contactId=sip:x'or'mail'eq'john.doe@contoso.com"
                ))?;
                s.landed(mark, LOGIN)?;
                let sent = filters(s);
                ensure!(sent.len() == 4, "Graph received {sent:?}");
                for (filter, status) in &sent {
                    // Accepted by the strict parser as one literal, matching nobody.
                    ensure!(
                        *status == 200 && filter.contains("x''or''mail''eq''john.doe@contoso.com"),
                        "Graph received {filter:?}, answered {status}"
                    );
                }
                Ok(())
            })
        }),
        case("graph: the dry run never shows the token", |s| {
            with_graph(s, || {
                let mark = reset(s);
                s.open(&format!("{P}?contactId=sip:jdoe@contoso.com&dryrun=1"))?;
                let page = s.stayed(mark, "done")?;
                let cached = s.browser.execute(
                    "return Object.keys(localStorage)
                       .filter(k => k.startsWith('lync-quickcall.token '))
                       .map(k => localStorage.getItem(k));",
                    &[],
                )?;
                let cached: Vec<&str> = cached
                    .as_array()
                    .map(|a| a.iter().filter_map(Value::as_str).collect())
                    .unwrap_or_default();
                ensure!(cached.len() == 1, "{} cached tokens", cached.len());
                let token = cached[0].lines().nth(2).unwrap_or("");
                ensure!(token.len() >= 20, "the cached token {token:?} is not one");
                let html = s
                    .browser
                    .execute("return document.documentElement.outerHTML;", &[])?;
                let html = html.as_str().unwrap_or("");
                for text in [page.text.as_str(), html] {
                    ensure!(!text.contains(token), "the page shows the access token");
                    ensure!(!text.contains("Bearer"), "the page shows \"Bearer\"");
                }
                Ok(())
            })
        }),
        sign_in_refused(
            "consent missing",
            || Faults {
                authorize_error: Some((
                    "consent_required".into(),
                    "AADSTS65001: The user or administrator has not consented to use the application with ID '7d3c2b1a-0f9e-4d8c-b7a6-5e4f3a2b1c0d'.".into(),
                )),
                ..Faults::default()
            },
            0,
            &[
                "an administrator must grant consent",
                "/contoso.onmicrosoft.com/v2.0/adminconsent?client_id=7d3c2b1a-0f9e-4d8c-b7a6-5e4f3a2b1c0d",
            ],
        ),
        sign_in_refused(
            "the technician cancelled",
            || Faults {
                authorize_error: Some((
                    "access_denied".into(),
                    "AADSTS65004: User declined to consent to access the app.".into(),
                )),
                ..Faults::default()
            },
            0,
            &["the sign-in was cancelled"],
        ),
        sign_in_refused(
            "redirect URI registered as Web, not SPA",
            || Faults {
                token_not_spa: true,
                ..Faults::default()
            },
            1,
            &["\"Single-page application\"", "AADSTS9002326"],
        ),
        case("graph: a token expired mid-way: one new sign-in", |s| {
            with_graph(s, || {
                sign_in(s)?;
                s.entra.expire_tokens();
                // The bare folder this time: its redirect URI is registered too.
                let mark = reset(s);
                s.open("/?contactId=sip:jdoe@contoso.com")?;
                s.landed(mark, JOHN)?;
                expect_sign_ins(s, (1, 1))?;
                let q = &s.entra.authorize_requests()[0].query;
                let redirect = format!("{}/", s.origin);
                ensure!(
                    value(q, "redirect_uri") == Some(redirect.as_str()),
                    "redirect_uri {:?}",
                    value(q, "redirect_uri")
                );
                let statuses: Vec<u16> = filters(s).iter().map(|(_, st)| *st).collect();
                ensure!(
                    statuses.first() == Some(&401) && statuses.last() == Some(&200),
                    "Graph answered {statuses:?}"
                );
                Ok(())
            })
        }),
        case("graph: a fresh token refused too: an error, not a loop", |s| {
            with_graph(s, || {
                sign_in(s)?;
                with_faults(
                    s,
                    Faults {
                        graph_status: Some((401, 10, None)),
                        ..Faults::default()
                    },
                    || {
                        let mark = reset(s);
                        s.open(&format!("{P}?contactId=sip:jdoe@contoso.com"))?;
                        let page = s.stayed(mark, "error")?;
                        mentions(message(&page), &["even after signing in again", "HTTP 401"])?;
                        std::thread::sleep(NO_LOOP);
                        expect_sign_ins(s, (1, 1))
                    },
                )
            })
        }),
        case("graph: 403 names the permission", |s| {
            with_graph(s, || {
                sign_in(s)?;
                with_faults(
                    s,
                    Faults {
                        graph_status: Some((403, 4, None)),
                        ..Faults::default()
                    },
                    || {
                        let mark = reset(s);
                        s.open(&format!("{P}?contactId=sip:jdoe@contoso.com"))?;
                        let page = s.stayed(mark, "error")?;
                        mentions(message(&page), &["HTTP 403", "User.Read.All"])?;
                        expect_sign_ins(s, (0, 0))
                    },
                )
            })
        }),
        case("graph: one 429 with Retry-After is waited out", |s| {
            with_graph(s, || {
                sign_in(s)?;
                s.entra.set_graph_exposes_retry_after(true);
                with_faults(
                    s,
                    Faults {
                        graph_status: Some((429, 1, Some(1))),
                        ..Faults::default()
                    },
                    || {
                        let started = Instant::now();
                        let mark = reset(s);
                        s.open(&format!("{P}?contactId=sip:jdoe@contoso.com"))?;
                        s.landed(mark, JOHN)?;
                        let took = started.elapsed();
                        let sent = filters(s);
                        let throttled: Vec<&str> = sent
                            .iter()
                            .filter(|(_, st)| *st == 429)
                            .map(|(f, _)| f.as_str())
                            .collect();
                        ensure!(throttled.len() == 1, "Graph answered {sent:?}");
                        let again = sent.iter().filter(|(f, _)| f == throttled[0]).count();
                        ensure!(
                            again == 2 && sent.len() == 5,
                            "Graph received {sent:?}: the throttled query was not sent exactly twice"
                        );
                        ensure!(
                            took >= Duration::from_secs(1),
                            "landed after {took:?}, before Retry-After's 1 s"
                        );
                        Ok(())
                    },
                )
            })
        }),
        case("graph: 503 three times: busy or unavailable", |s| {
            with_graph(s, || {
                sign_in(s)?;
                with_faults(
                    s,
                    Faults {
                        graph_status: Some((503, 100, None)),
                        ..Faults::default()
                    },
                    || {
                        let mark = reset(s);
                        s.open(&format!("{P}?contactId=tel:+33140000000"))?;
                        let page = s.stayed(mark, "error")?;
                        mentions(message(&page), &["busy or unavailable", "HTTP 503"])?;
                        std::thread::sleep(Duration::from_millis(300));
                        let statuses: Vec<u16> = filters(s).iter().map(|(_, st)| *st).collect();
                        ensure!(statuses == [503, 503, 503], "Graph answered {statuses:?}");
                        Ok(())
                    },
                )
            })
        }),
        case("graph: Graph unreachable names its origin", |s| {
            with_graph(s, || sign_in(s))?;
            with_directory(s, &graph_directory(s, &s.unreachable), || {
                let mark = reset(s);
                s.open(&format!("{P}?contactId=sip:jdoe@contoso.com"))?;
                let page = s.stayed(mark, "error")?;
                mentions(
                    message(&page),
                    &[
                        &format!("Microsoft Graph at {} could not be reached", s.unreachable),
                        "connect-src",
                    ],
                )?;
                expect_sign_ins(s, (0, 0))
            })
        }),
        case("graph: a forged sign-in answer is refused", |s| {
            with_graph(s, || {
                sign_out(s)?;
                let mark = reset(s);
                s.open(&format!("{P}?code=x&state=forged"))?;
                let page = s.stayed(mark, "error")?;
                mentions(message(&page), &["not started by this page"])?;
                expect_sign_ins(s, (0, 0))
            })
        }),
        case("graph: a replayed sign-in answer is refused", |s| {
            with_graph(s, || {
                sign_out(s)?;
                // The address the sign-in answer arrived at (the page takes it out of
                // the address bar at once), from the server's log.
                let served = s.site.hits().len();
                let mark = reset(s);
                s.open(&format!("{P}?contactId=sip:jdoe@contoso.com&dryrun=1"))?;
                s.stayed(mark, "done")?;
                expect_sign_ins(s, (1, 1))?;
                let answer = s.site.hits()[served..]
                    .iter()
                    .find(|h| h.url.starts_with(&format!("{P}?code=")))
                    .map(|h| format!("{}{}", s.origin, h.url))
                    .context("the sign-in answer never reached the page")?;
                let page = format!("{}{P}?code=", s.origin);
                ensure!(answer.starts_with(&page), "the answer came to {answer}");
                let mark = reset(s);
                s.browser.goto(&answer)?;
                let page = s.stayed(mark, "error")?;
                mentions(message(&page), &["not started by this page"])?;
                expect_sign_ins(s, (0, 0))
            })
        }),
        // The lookup endpoint.
        case("endpoint: one user: the quick call", |s| {
            with_endpoint(s, "omit", || {
                let mark = reset(s);
                s.open(&format!("{P}?contactId=Contacts=<sip:jdoe@contoso.com>"))?;
                s.landed(mark, JOHN)?;
                let r = s.lookup.requests();
                ensure!(r.len() == 1, "{} lookups", r.len());
                ensure!(
                    r[0].contact.as_deref() == Some("jdoe@contoso.com")
                        && r[0].raw_query == "contact=jdoe%40contoso.com"
                        && r[0].origin.as_deref() == Some(s.origin.as_str()),
                    "the lookup: {:?}",
                    r[0]
                );
                Ok(())
            })
        }),
        case("endpoint: a shared number gives the chooser", |s| {
            with_endpoint(s, "omit", || {
                let mark = reset(s);
                s.open(&format!("{P}?contactId=tel:+33140000000"))?;
                let page = s.stayed(mark, "choose")?;
                expect_links(s, &page, &[ANNA, BRUNO])?;
                mentions(
                    &page.text,
                    &[
                        "Anna Smith <anna.smith@contoso.com>",
                        "Bruno Martin <bruno.martin@contoso.com>",
                    ],
                )?;
                let r = s.lookup.requests();
                ensure!(
                    r.len() == 1
                        && r[0].contact.as_deref() == Some("+33140000000")
                        && r[0].raw_query == "contact=%2B33140000000",
                    "the lookups: {r:?}"
                );
                Ok(())
            })
        }),
        case("endpoint: an unknown contact goes to the login page", |s| {
            with_endpoint(s, "omit", || {
                let mark = reset(s);
                s.open(&format!("{P}?contactId=sip:nobody@contoso.com"))?;
                s.landed(mark, LOGIN)?;
                let r = s.lookup.requests();
                ensure!(
                    r.len() == 1 && r[0].contact.as_deref() == Some("nobody@contoso.com"),
                    "the lookups: {r:?}"
                );
                Ok(())
            })
        }),
        case("endpoint: credentials include sends the cookie, omit does not", |s| {
            s.browser.goto(&format!("{}/login", s.lookup.origin()))?;
            let result = (|| {
                for (credentials, cookie) in
                    [("include", Some("lookup_session=demo")), ("omit", None)]
                {
                    with_endpoint(s, credentials, || {
                        let mark = reset(s);
                        s.open(&format!("{P}?contactId=sip:jdoe@contoso.com"))?;
                        s.landed(mark, JOHN)?;
                        let r = s.lookup.requests();
                        ensure!(
                            r.len() == 1 && r[0].cookie.as_deref() == cookie,
                            "credentials {credentials}: the lookup came with Cookie {:?}, expected {cookie:?}",
                            r.first().and_then(|r| r.cookie.as_deref())
                        );
                        Ok(())
                    })?;
                }
                Ok(())
            })();
            // The cookie is gone for the next cases (from a page of its host; cookies
            // ignore ports: every loopback server's).
            s.browser.goto(&format!("{}/", s.lookup.origin()))?;
            s.browser.delete_cookies()?;
            result
        }),
        endpoint_refused(
            "HTTP 500",
            || LookupFault::Status(500),
            &["answered HTTP 500"],
        ),
        endpoint_refused(
            "not JSON",
            || LookupFault::NotJson,
            &["did not answer {\"users\":"],
        ),
        endpoint_refused(
            "JSON of another shape",
            || LookupFault::WrongShape,
            &["did not answer {\"users\":", "users"],
        ),
        case("endpoint: no answer within the time-out", |s| {
            with_endpoint(s, "omit", || {
                with_lookup_fault(s, LookupFault::Slow(Duration::from_secs(12)), || {
                    let mark = reset(s);
                    s.open(&format!("{P}?contactId=sip:jdoe@contoso.com"))?;
                    let started = Instant::now();
                    s.browser.wait_for(
                        Duration::from_secs(15),
                        "the time-out's error page",
                        |b| Ok(page_state(b)?.filter(|p| p.state != "working")),
                    )?;
                    let took = started.elapsed();
                    let page = s.stayed(mark, "error")?;
                    mentions(message(&page), &[&template(s), "no answer within 10 s"])?;
                    if took < Duration::from_secs(8) {
                        bail!("the error came after {took:?}, before the time-out");
                    }
                    Ok(())
                })
            })
        }),
        // A plain redirect leaves before 0.4 s and lays no text out; a slower load
        // says it is working from then on (www/style.css).
        case("the working state shows after 0.4 s, not before", |s| {
            with_endpoint(s, "omit", || {
                with_lookup_fault(s, LookupFault::Slow(Duration::from_secs(3)), || {
                    let mark = reset(s);
                    s.open(&format!("{P}?contactId=sip:jdoe@contoso.com"))?;
                    // The style sheet's animation, paused and set to its start and to
                    // just past its delay: whether #status shows then, whatever the time
                    // now. Hidden: no box (Chromium animates `display`), or a box with
                    // nothing painted or laid out in it (Firefox, which does not).
                    let v = s.browser.execute(
                        "const s = document.getElementById('status');
                         const a = s.getAnimations().find(a => a.animationName === 'lqc-show');
                         if (!a) return [s.dataset.state, 'no lqc-show animation', ''];
                         const shown = () => {
                             const c = getComputedStyle(s);
                             if (c.display === 'none') return 'no box';
                             return c.visibility + ', content ' + c.contentVisibility;
                         };
                         a.pause();
                         a.currentTime = 0;
                         const before = shown();
                         a.currentTime = 450;
                         const after = shown();
                         a.play();
                         return [s.dataset.state, before, after];",
                        &[],
                    )?;
                    let at = |i: usize| v.get(i).and_then(Value::as_str).unwrap_or("");
                    ensure!(at(0) == "working", "the page is '{}', not working", at(0));
                    ensure!(
                        matches!(at(1), "no box" | "hidden, content hidden")
                            && at(2) == "visible, content visible",
                        "#status at first: {}; after 0.45 s: {}",
                        at(1),
                        at(2)
                    );
                    // And in real time, while the lookup is still on its way.
                    s.browser.wait_for(
                        Duration::from_secs(2),
                        "the working state to show",
                        |b| {
                            let v = b.execute(
                                "const s = document.getElementById('status');
                                 const c = getComputedStyle(s);
                                 return s.dataset.state === 'working'
                                     && c.display === 'block' && c.visibility === 'visible'
                                     && c.contentVisibility === 'visible'
                                     && s.textContent.includes('Opening the quick call');",
                                &[],
                            )?;
                            Ok(v.as_bool().filter(|shown| *shown))
                        },
                    )?;
                    s.landed(mark, JOHN)
                })
            })
        }),
    ]
}
