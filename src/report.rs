//! The dry-run report (`?dryrun=1`): what the page read, what it found and where it
//! would go, as label/value rows for an administrator testing a deployment, in the
//! page's language.

use crate::config::Profile;
use crate::directory::Lookup;
use crate::outcome::{Outcome, Resolution};
use crate::query::PageQuery;

/// One row of the report.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Row {
    /// What the row is about, whatever the language: `profile`, `user`, `directory`,
    /// `contact`, `decision`, `target`, `choice` or `fallback`.
    pub key: &'static str,
    /// What the row is about, in the page's language (e.g. `Target`, `Cible`).
    pub label: String,
    /// What was found.
    pub value: String,
}

fn row(key: &'static str, label: &'static str, value: impl Into<String>) -> Row {
    Row {
        key,
        label: crate::i18n::text(label, &[]),
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
    let mut rows = vec![row("profile", "report-profile", profile.name.clone())];
    match &query.user {
        Some(u) if query.removed_self => rows.push(row(
            "user",
            "report-user",
            crate::tr!("report-user-removed", user = u),
        )),
        Some(u) => rows.push(row("user", "report-user", u.to_string())),
        None => {}
    }
    rows.push(row("directory", "report-directory", source));
    for r in resolutions {
        let found = match &r.lookup {
            Lookup::Found(people) => people
                .iter()
                .map(|p| match &p.matched_by {
                    Some(m) => crate::tr!("report-person-matched", person = p.label(), key = m),
                    None => p.label(),
                })
                .collect::<Vec<_>>()
                .join("; "),
            Lookup::Unknown => crate::tr!("outcome-not-in-directory"),
        };
        rows.push(row(
            "contact",
            "report-contact",
            format!("{} → {found}", r.contact),
        ));
    }
    match outcome {
        Outcome::Navigate { target, reason } => {
            rows.push(row(
                "decision",
                "report-decision",
                crate::tr!("report-decision-open", reason = reason),
            ));
            rows.push(row("target", "report-target", target.as_str()));
        }
        Outcome::Choose { choices, hidden } => {
            let count = choices.len();
            let decision = if *hidden > 0 {
                crate::tr!(
                    "report-decision-choose-more",
                    count = count,
                    hidden = hidden
                )
            } else {
                crate::tr!("report-decision-choose", count = count)
            };
            rows.push(row("decision", "report-decision", decision));
            for c in choices {
                let to = match &c.target {
                    Some(t) => t.as_str().to_string(),
                    None => crate::tr!("report-no-link"),
                };
                rows.push(row(
                    "choice",
                    "report-choice",
                    format!("{} → {to}", c.label),
                ));
            }
        }
        Outcome::Failed { message, fallback } => {
            rows.push(row(
                "decision",
                "report-decision",
                crate::tr!("report-decision-error", message = message),
            ));
            if let Some(f) = fallback {
                rows.push(row("fallback", "report-fallback", f.as_str()));
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
        let target = rows.iter().find(|r| r.key == "target").unwrap();
        assert_eq!(target.label, "Target");
        assert_eq!(
            target.value,
            "https://ev.example/sso_samlindexlync.php?do_quickcall=1&url_requestor=a%40x.com"
        );
        assert!(rows
            .iter()
            .any(|r| r.label == "Signed-in user" && r.value.contains("left out")));
    }

    #[test]
    fn report_in_french_keeps_its_keys() {
        let c = Config::from_json(
            r#"{"itsm_url":"https://ev.example","profiles":{"p":{"method":"sso"}}}"#,
        )
        .unwrap();
        let q = PageQuery::parse(
            "?userId=sip:me@x.com;contactId=Contacts=<sip:a@x.com>,<sip:me@x.com>,tel:12",
        )
        .unwrap();
        let p = c.profile(None).unwrap();
        crate::i18n::set_language("fr");
        let r = resolve_all(&q.contacts, &PassThrough);
        let rows = dry_run(&q, p, "none", &r, &decide(p, &r));
        crate::i18n::set_language("en");
        let labels: Vec<_> = rows.iter().map(|r| (r.key, r.label.as_str())).collect();
        assert_eq!(
            labels,
            [
                ("profile", "Profil"),
                ("user", "Utilisateur connecté"),
                ("directory", "Annuaire"),
                ("contact", "Contact"),
                ("contact", "Contact"),
                ("decision", "Décision"),
                ("choice", "Choix"),
                ("choice", "Choix"),
            ]
        );
        assert_eq!(rows[1].value, "sip:me@x.com (retiré des contacts)");
        assert_eq!(rows[4].value, "tel:12 → introuvable dans l’annuaire");
        assert_eq!(rows[5].value, "laisser le technicien choisir parmi 2");
        // Every label is in every catalogue.
        for (code, _) in crate::i18n::LANGUAGES {
            crate::i18n::set_language(code);
            for id in [
                "report-profile",
                "report-user",
                "report-directory",
                "report-contact",
                "report-decision",
                "report-target",
                "report-choice",
                "report-fallback",
            ] {
                assert_ne!(crate::i18n::text(id, &[]), id, "{code}: {id}");
            }
        }
        crate::i18n::set_language("en");
    }
}
