//! End-to-end cases for a page whose scripts cannot start: the module script (inline
//! in index.html) blocked by a policy with an earlier version's hash, the module
//! itself missing, and the page opened from disk (`file://`). It must never stay on "Opening the quick call…": boot.js
//! (an ES5 script) says what is wrong within seconds, and the mock ITSM receives
//! nothing.
//!
//! The scripts and the module have content-hashed names, cached for good: to be asked
//! for them (and answer with an override), these cases run in a browser that asks
//! every time ([`Suite::uncached`]): Chromium's own with its cache emptied through the
//! DevTools protocol, or a Firefox session without an HTTP cache.

use std::time::Duration;

use anyhow::{ensure, Context, Result};

use super::{case, page_state, Case, Suite, P};
use crate::serve::Override;
use crate::webdriver::Browser;

/// boot.js waits 8 s for the module to start: an error must be on screen by then.
const BOUNDED: Duration = Duration::from_secs(12);

/// The served name of the file of `dist` starting with `prefix` (`main-`, ...).
fn served(s: &Suite, prefix: &str) -> Result<String> {
    std::fs::read_dir(&s.dist)?
        .filter_map(|e| e.ok())
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .find(|n| n.starts_with(prefix))
        .map(|n| format!("/{n}"))
        .with_context(|| format!("the dist has no {prefix}* file"))
}

/// Runs `f` in a browser that asks for every file (with the index of the site's next
/// hit) while `route` answers `answer`; the override is removed afterwards, and what it
/// answered emptied from the cache (content-hashed names are cached for good).
fn with_override(
    s: &Suite,
    route: &str,
    answer: Override,
    f: impl FnOnce(&Browser, usize) -> Result<()>,
) -> Result<()> {
    let b = s.uncached()?;
    b.clear_cache()?;
    s.site.set_override(route, Some(answer));
    let served = s.site.hits().len();
    let result = f(b, served);
    s.site.set_override(route, None);
    b.clear_cache()?;
    result
}

/// Fails unless the browser asked for `route` since the site's hit `served`.
fn asked(s: &Suite, served: usize, route: &str) -> Result<()> {
    let asked = s.site.hits()[served..]
        .iter()
        .any(|h| h.url.split('?').next() == Some(route));
    ensure!(asked, "the browser did not ask for {route} (cached?)");
    Ok(())
}

/// With `route` answering `answer`, the page shows an error containing `contains`
/// within [`BOUNDED`], and the mock ITSM receives nothing.
fn fails_readably(s: &Suite, route: &str, answer: Override, contains: &str) -> Result<()> {
    with_override(s, route, answer, |b, served| {
        let mark = s.open_in(b, &format!("{P}?contactId=sip:john.doe@contoso.com"))?;
        let page = b.wait_for(BOUNDED, "an error page", |b| {
            Ok(page_state(b)?.filter(|p| p.state == "error"))
        })?;
        ensure!(
            page.text.contains(contains),
            "the page says {:?}, not {contains:?}",
            page.text.trim()
        );
        ensure!(s.mock.count() == mark, "the mock ITSM received a request");
        asked(s, served, route)
    })
}

pub(super) fn cases() -> Vec<Case> {
    vec![
        case(
            "startup: a module served as application/octet-stream still opens the quick call",
            |s| {
                // boot.js compiles the module while main.js loads; a server without the
                // application/wasm type (an IIS without the shipped web.config) gets the
                // slower way, as with wasm-bindgen's own loader.
                let wasm = served(s, "lync_quickcall_bg-")?;
                let body = std::fs::read(s.dist.join(wasm.trim_start_matches('/')))?;
                let answer = Override::Body {
                    content_type: "application/octet-stream".into(),
                    body,
                };
                with_override(s, &wasm, answer, |b, served| {
                    let mark = s.open_in(b, &format!("{P}?contactId=sip:john.doe@contoso.com"))?;
                    s.landed_in(b, mark, super::JOHN)?;
                    asked(s, served, &wasm)
                })
            },
        ),
        case("startup: a missing module (404) is reported", |s| {
            let wasm = served(s, "lync_quickcall_bg-")?;
            fails_readably(s, &wasm, Override::NotFound, "failed to start")
        }),
        case(
            "startup: a policy that blocks the module script is reported in seconds",
            |s| {
                // A Content-Security-Policy with an earlier version's hash for main.js
                // (inline in index.html; an nginx header not updated, say): the browser
                // does not run it, boot.js's timer says so.
                let index = std::fs::read_to_string(s.dist.join("index.html"))?;
                let module = index
                    .split("<script type=\"module\">")
                    .nth(1)
                    .and_then(|rest| rest.split("</script>").next())
                    .context("index.html has no inline module script")?;
                let hash = crate::dist::csp_hash(module);
                ensure!(index.contains(&hash), "index.html's policy lacks {hash}");
                let stale = index.replacen(&hash, "'sha256-b2xkLXZlcnNpb24='", 1);
                fails_readably(
                    s,
                    P,
                    Override::Body {
                        content_type: "text/html; charset=utf-8".into(),
                        body: stale.into_bytes(),
                    },
                    "did not start within 8 seconds",
                )
            },
        ),
        case(
            "startup: the page opened from disk (file://) says so",
            |s| {
                let index = s.dist.join("index.html");
                let url = format!(
                    "file://{}?contactId=sip:john.doe@contoso.com",
                    index.display()
                );
                let mark = s.mock.count();
                s.browser.goto(&url)?;
                let page = s.browser.wait_for(BOUNDED, "an error page", |b| {
                    Ok(page_state(b)?.filter(|p| p.state == "error"))
                })?;
                ensure!(
                    page.text.contains("opened from a file"),
                    "the page says {:?}",
                    page.text.trim()
                );
                ensure!(s.mock.count() == mark, "the mock ITSM received a request");
                Ok(())
            },
        ),
    ]
}
