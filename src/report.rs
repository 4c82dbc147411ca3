//! The dry-run report (`?dryrun=1`): what the page read, what it found and where it
//! would go, as label/value rows for an administrator testing a deployment.

use crate::config::Profile;
use crate::directory::Lookup;
use crate::outcome::{Outcome, Resolution};
use crate::query::PageQuery;

/// One row of the report.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Row {
    /// What the row is about.
    pub label: &'static str,
    /// What was found.
    pub value: String,
}

fn row(label: &'static str, value: impl Into<String>) -> Row {
    Row {
        label,
        value: value.into(),
    }
}

/// The rows describing a decision; `source` names the directory used.
pub fn dry_run(
    query: &PageQuery,
    profile: &Profile,
    source: &str,
    resolutions: &[Resolution],
    outcome: &Outcome,
) -> Vec<Row> {
    let mut rows = vec![row("Profile", profile.name.clone())];
    match &query.user {
        Some(u) if query.removed_self => rows.push(row(
            "Signed-in user",
            format!("{u} (left out of the contacts)"),
        )),
        Some(u) => rows.push(row("Signed-in user", u.to_string())),
        None => {}
    }
    rows.push(row("Directory", source));
    for r in resolutions {
        let found = match &r.lookup {
            Lookup::Found(people) => people
                .iter()
                .map(|p| match &p.matched_by {
                    Some(m) => format!("{} (matched by {m})", p.label()),
                    None => p.label(),
                })
                .collect::<Vec<_>>()
                .join("; "),
            Lookup::Unknown => "not in the directory".into(),
        };
        rows.push(row("Contact", format!("{} → {found}", r.contact)));
    }
    match outcome {
        Outcome::Navigate { target, reason } => {
            rows.push(row("Decision", format!("open the URL below ({reason})")));
            rows.push(row("Target", target.as_str()));
        }
        Outcome::Choose { choices, hidden } => {
            let more = if *hidden > 0 {
                format!(", {hidden} more not shown")
            } else {
                String::new()
            };
            rows.push(row(
                "Decision",
                format!("let the technician choose among {}{more}", choices.len()),
            ));
            for c in choices {
                let to = c.target.as_ref().map_or("(no link)", |t| t.as_str());
                rows.push(row("Choice", format!("{} → {to}", c.label)));
            }
        }
        Outcome::Failed { message, fallback } => {
            rows.push(row("Decision", format!("show an error: {message}")));
            if let Some(f) = fallback {
                rows.push(row("Fallback link", f.as_str()));
            }
        }
    }
    rows
}

#[cfg(test)]
mod tests {
    use super::*;
    // The same tests run in headless Chromium under `cargo xtask test`.
    use crate::{decide, resolve_all, Config, PassThrough};
    #[cfg(all(target_arch = "wasm32", target_os = "unknown"))]
    use wasm_bindgen_test::wasm_bindgen_test as test;

    #[test]
    fn report_names_the_target() {
        let c = Config::from_json(
            r#"{"itsm_url":"https://ev.example","profiles":{"p":{"method":"sso"}}}"#,
        )
        .unwrap();
        let q = PageQuery::parse(
            "?userId=sip:me@x.com;contactId=Contacts=<sip:a@x.com>,<sip:me@x.com>",
        )
        .unwrap();
        let p = c.profile(None).unwrap();
        let r = resolve_all(&q.contacts, &PassThrough);
        let o = decide(p, &r);
        let rows = dry_run(&q, p, "none", &r, &o);
        let target = rows.iter().find(|r| r.label == "Target").unwrap();
        assert_eq!(
            target.value,
            "https://ev.example/sso_samlindexlync.php?do_quickcall=1&url_requestor=a%40x.com"
        );
        assert!(rows
            .iter()
            .any(|r| r.label == "Signed-in user" && r.value.contains("left out")));
    }
}
