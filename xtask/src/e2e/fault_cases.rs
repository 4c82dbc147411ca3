//! End-to-end cases for servers that misbehave: a file that never comes, an error
//! page answered `200 text/html`, a 500, a truncated shard, an export replaced between
//! the manifest and the shard, and a `config.json` saved by Notepad (with a BOM). The
//! page must end on the right page in bounded time, and the mock ITSM receive nothing
//! on an error.

use std::time::Duration;

use anyhow::{ensure, Context, Result};

use super::directory_cases::with_export;
use super::{case, page_state, Case, Suite, JOHN, P};
use crate::serve::Override;

/// A lookup of John in the demo export.
const LOOKUP: &str = "?contactId=sip:jdoe@contoso.com";

/// The page's fetch time-out is 10 s: an error must be on screen within this.
const BOUNDED: Duration = Duration::from_secs(15);

/// The shard the demo export's lookup of John fetches (found by doing it once).
fn johns_shard(s: &Suite) -> Result<String> {
    let served = s.site.hits().len();
    let mark = s.open(&format!("{P}{LOOKUP}"))?;
    s.landed(mark, JOHN)?;
    s.site.hits()[served..]
        .iter()
        .map(|h| h.url.clone())
        .find(|u| u.starts_with("/directory/") && !u.ends_with("manifest.json"))
        .context("the lookup fetched no shard")
}

/// With the demo export, `path` answering `what` (once, or for the whole case),
/// opening John's link shows an error mentioning `contains`.
fn refused(
    name: &str,
    path: fn(&Suite) -> Result<String>,
    what: fn(&Suite) -> Override,
    contains: &'static str,
) -> Case {
    case(format!("fault: {name}"), move |s| {
        with_export(s, "directory/", &[&s.exports.key], || {
            let path = path(s)?;
            s.site.set_override(&path, Some(what(s)));
            let result = (|| {
                let mark = s.open(&format!("{P}{LOOKUP}"))?;
                let page = s.stayed(mark, "error")?;
                ensure!(
                    page.text.contains(contains),
                    "the page says {:?}, not {contains:?}",
                    page.text.trim()
                );
                Ok(())
            })();
            s.site.set_override(&path, None);
            result
        })
    })
}

fn manifest(_: &Suite) -> Result<String> {
    Ok("/directory/manifest.json".into())
}

fn html(_: &Suite) -> Override {
    Override::Body {
        content_type: "text/html; charset=utf-8".into(),
        body: b"<!DOCTYPE html><html><body><h1>Server Error</h1></body></html>".to_vec(),
    }
}

/// The cases.
pub fn cases() -> Vec<Case> {
    vec![
        case(
            "fault: a config.json that never comes gives an error in bounded time",
            |s| {
                s.site.set_override(
                    "/config.json",
                    Some(Override::Hang(Duration::from_secs(25))),
                );
                let result = (|| {
                    let mark = s.open(&format!("{P}{LOOKUP}"))?;
                    let page = s.browser.wait_for(BOUNDED, "an error page", |b| {
                        Ok(page_state(b)?.filter(|p| p.state == "error"))
                    })?;
                    ensure!(
                        page.text.contains("no answer within 10 s"),
                        "the page says {:?}",
                        page.text.trim()
                    );
                    ensure!(s.mock.count() == mark, "the mock ITSM received a request");
                    Ok(())
                })();
                s.site.set_config(&s.config);
                result
            },
        ),
        case(
            "fault: config.json saved with a BOM (Notepad) is read",
            |s| {
                let mut body = "\u{feff}".as_bytes().to_vec();
                body.extend_from_slice(s.config.as_bytes());
                s.site.set_override(
                    "/config.json",
                    Some(Override::Body {
                        content_type: "application/json".into(),
                        body,
                    }),
                );
                let result = (|| {
                    let mark = s.open(&format!("{P}?contactId=sip:john.doe@contoso.com"))?;
                    s.landed(mark, JOHN)
                })();
                s.site.set_config(&s.config);
                result
            },
        ),
        refused(
            "the manifest answers 500",
            manifest,
            |_| Override::Status(500),
            "HTTP 500",
        ),
        refused(
            "the manifest answered as an HTML error page (200 text/html)",
            manifest,
            html,
            "HTML page",
        ),
        refused(
            "the shard answered as an HTML page (200 text/html)",
            johns_shard,
            html,
            "HTML page",
        ),
        case("fault: a truncated shard is refused", |s| {
            with_export(s, "directory/", &[&s.exports.key], || {
                let path = johns_shard(s)?;
                let file = s.dist.join(path.trim_start_matches('/'));
                let bytes = std::fs::read(&file).with_context(|| file.display().to_string())?;
                s.site.set_override(
                    &path,
                    Some(Override::Body {
                        content_type: "application/json".into(),
                        body: bytes[..bytes.len() / 2].to_vec(),
                    }),
                );
                let result = (|| {
                    let mark = s.open(&format!("{P}{LOOKUP}"))?;
                    let page = s.stayed(mark, "error")?;
                    ensure!(
                        page.text.contains(path.trim_start_matches("/directory/")),
                        "the error does not name the shard: {:?}",
                        page.text.trim()
                    );
                    Ok(())
                })();
                s.site.set_override(&path, None);
                result
            })
        }),
        case(
            "fault: an export replaced between the manifest and the shard is read again",
            |s| {
                with_export(s, "directory/", &[&s.exports.key], || {
                    // The first manifest names a later export whose shards are not there
                    // (yet): the page reads the manifest again and uses the one it gets.
                    s.site.set_override(
                        "/directory/manifest.json",
                        Some(Override::Once(Box::new(Override::Body {
                            content_type: "application/json".into(),
                            body: s.exports.next_manifest.clone(),
                        }))),
                    );
                    let served = s.site.hits().len();
                    let mark = s.open(&format!("{P}{LOOKUP}"))?;
                    let result = s.landed(mark, JOHN);
                    s.site.set_override("/directory/manifest.json", None);
                    result?;
                    let manifests = s.site.hits()[served..]
                        .iter()
                        .filter(|h| h.url == "/directory/manifest.json")
                        .count();
                    ensure!(
                        manifests == 2,
                        "the manifest was read {manifests} times, not twice"
                    );
                    Ok(())
                })
            },
        ),
        refused(
            "a shard missing from the export itself (not replaced)",
            johns_shard,
            |_| Override::NotFound,
            "incomplete",
        ),
    ]
}
