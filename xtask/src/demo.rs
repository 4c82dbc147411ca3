//! `cargo xtask demo [--port N]`: the page and a mock ITSM on this machine, and links
//! to click, for trying the page without Lync or EasyVista.
//!
//! The distribution is built, copied to `target/demo/` with a `config.json` made from
//! the example `www/config.json` with every ITSM URL moved to the mock ITSM, and a signed
//! directory export of a few demo users (`xtask/fixtures/demo-ad-users.csv`, whose SIP
//! addresses differ from their mail) made with the command-line tool, as an
//! administrator would. It is served on `127.0.0.1:N` (8080 by default); the mock
//! listens on another port and each request it receives is printed. Two more copies of
//! the page, on ports of their own, show the network sources: Entra ID through
//! Microsoft Graph, and a lookup endpoint, against the loopback stand-ins of
//! [`crate::entra`] and [`crate::lookup`]. It runs until Ctrl-C.

use std::fs;
use std::time::Duration;

use anyhow::{Context, Result};
use serde_json::Value;

use crate::cmd::{self, project_root, target_dir};
use crate::entra::{self, Entra};
use crate::lookup::{self, LookupEndpoint};
use crate::serve::{MockItsm, StaticServer};
use crate::{directory, dist};

/// The demo's Entra ID tenant and app registration.
const DEMO_TENANT: &str = "contoso.onmicrosoft.com";
const DEMO_CLIENT_ID: &str = "7d3c2b1a-0f9e-4d8c-b7a6-5e4f3a2b1c0d";

/// The page's port when `--port` is not given.
pub const DEFAULT_PORT: u16 = 8080;

/// `url` with its scheme, host and port replaced by `origin`.
pub fn rebase(url: &str, origin: &str) -> String {
    let Some(scheme_end) = url.find("://") else {
        return url.to_string();
    };
    let after = &url[scheme_end + 3..];
    let rest = after.find(['/', '?', '#']).map_or("", |i| &after[i..]);
    format!("{origin}{rest}")
}

/// Moves every `http(s)://` string value of a JSON document to `origin`.
fn rebase_all(value: &mut Value, origin: &str) {
    match value {
        Value::String(s) if s.starts_with("https://") || s.starts_with("http://") => {
            *s = rebase(s, origin);
        }
        Value::Array(items) => items.iter_mut().for_each(|v| rebase_all(v, origin)),
        Value::Object(map) => map.values_mut().for_each(|v| rebase_all(v, origin)),
        _ => {}
    }
}

/// The example configuration with every ITSM URL on `origin`.
pub fn demo_config(example: &str, origin: &str) -> Result<Value> {
    let mut config: Value =
        serde_json::from_str(example).context("www/config.json is not valid JSON")?;
    rebase_all(&mut config, origin);
    Ok(config)
}

/// Builds, serves and prints links until interrupted.
pub fn run(port: u16) -> Result<()> {
    let built = dist::run(&project_root().join("dist"))?;
    let dir = target_dir().join("demo");
    if dir.exists() {
        fs::remove_dir_all(&dir).with_context(|| format!("cannot remove {}", dir.display()))?;
    }
    cmd::copy_dir(&built.dir, &dir)?;

    // The mock next to the page when that port is free, anywhere otherwise.
    let mock = match port.checked_add(1).filter(|_| port != 0) {
        Some(p) => MockItsm::start(p).or_else(|_| MockItsm::start(0))?,
        None => MockItsm::start(0)?,
    };
    let example_path = project_root().join("www/config.json");
    let example = fs::read_to_string(&example_path)
        .with_context(|| format!("cannot read {}", example_path.display()))?;
    let mut config = demo_config(&example, &mock.origin())?;

    // The demo directory, signed with a key made for this run.
    let cli = directory::cli(false)?;
    let keys = target_dir().join("demo-keys");
    if keys.exists() {
        fs::remove_dir_all(&keys).with_context(|| format!("cannot remove {}", keys.display()))?;
    }
    fs::create_dir_all(&keys)?;
    let secret = keys.join("secret.key");
    let public = directory::keygen(&cli, &secret)?;
    let csv = project_root().join(directory::DEMO_CSV);
    directory::export(&cli, &csv, &secret, &dir.join("directory"), &[])?;
    config["directory"] = serde_json::from_str(&directory::config_json(&[&public]))?;
    fs::write(
        dir.join("config.json"),
        serde_json::to_string_pretty(&config)?,
    )?;
    let site = StaticServer::start(&dir, port)?;

    let page = format!("{}/index.html", site.origin());
    let default = config
        .get("default_profile")
        .and_then(Value::as_str)
        .unwrap_or("");
    let mut links: Vec<(String, String)> = [
        (
            "One contact, as Lync sends it (SIP jdoe@, mail john.doe@)",
            "contactId=Contacts=<sip:jdoe@contoso.com>",
        ),
        (
            "The same, fully percent-encoded",
            "contactId=Contacts%3D%3Csip%3Ajdoe%40contoso.com%3E",
        ),
        (
            "Microsoft's documented form (the technician is left out)",
            "userId=sip:tech@contoso.com;contactId=Contacts=<sip:anna@contoso.com>",
        ),
        (
            "A phone number, found in the directory",
            "contactId=tel:+33%201%2023%2045%2067%2089",
        ),
        (
            "A number two people share: the chooser",
            "contactId=tel:+33140000000",
        ),
        (
            "Several contacts: the chooser",
            "contactId=Contacts=<sip:jdoe@contoso.com>,<tel:1234;phone-context=labda>,<sip:anna@contoso.com>",
        ),
        (
            "A contact not in the directory: the unknown-contact page",
            "contactId=sip:nobody@contoso.com",
        ),
        (
            "Dry run: what the page would do, and which key matched",
            "contactId=sip:jdoe@contoso.com&dryrun=1",
        ),
    ]
    .iter()
    .map(|(what, query)| (what.to_string(), format!("{page}?{query}")))
    .collect();
    if let Some(profiles) = config.get("profiles").and_then(Value::as_object) {
        for name in profiles.keys().filter(|n| n.as_str() != default) {
            links.push((
                format!("Profile {name}"),
                format!("{page}?profile={name}&contactId=sip:jdoe@contoso.com"),
            ));
        }
    }
    links.push((
        "A malformed contact: the error page".into(),
        format!("{page}?contactId=javascript:alert(1)"),
    ));

    // The same page with the network sources: Entra ID / Graph and a lookup endpoint,
    // each a copy of the distribution with its own config.json, on stand-ins.
    let entra = Entra::start(DEMO_TENANT, DEMO_CLIENT_ID, Vec::new(), entra::demo_users())?;
    let lookup = LookupEndpoint::start(lookup::demo_people())?;
    let network = [
        (
            "graph",
            format!(
                r#"{{"source":"graph","tenant":"{DEMO_TENANT}","client_id":"{DEMO_CLIENT_ID}","authority":"{}","graph_url":"{}"}}"#,
                entra.authority(),
                entra.graph_url()
            ),
        ),
        (
            "endpoint",
            format!(
                r#"{{"source":"endpoint","url":"{}/api/lync-lookup?contact={{contact}}","credentials":"include"}}"#,
                lookup.origin()
            ),
        ),
    ];
    let mut sites = Vec::new();
    for (name, directory) in network {
        let site_dir = target_dir().join(format!("demo-{name}"));
        if site_dir.exists() {
            fs::remove_dir_all(&site_dir)
                .with_context(|| format!("cannot remove {}", site_dir.display()))?;
        }
        cmd::copy_dir(&built.dir, &site_dir)?;
        let mut site_config = config.clone();
        site_config["directory"] = serde_json::from_str(&directory)?;
        fs::write(
            site_dir.join("config.json"),
            serde_json::to_string_pretty(&site_config)?,
        )?;
        let origins = [entra.authority(), entra.graph_url(), lookup.origin()];
        crate::csp::allow_connect_in(&site_dir, &origins)?;
        let server = StaticServer::start(&site_dir, 0)?;
        if name == "graph" {
            entra.add_redirect_uri(&format!("{}/index.html", server.origin()));
            entra.add_redirect_uri(&format!("{}/", server.origin()));
        }
        sites.push((name, server));
    }
    for (name, server) in &sites {
        let at = format!("{}/index.html", server.origin());
        let what = if *name == "graph" {
            "Entra ID through Microsoft Graph (a stand-in signs you in at once)"
        } else {
            "A lookup endpoint of your own (a stand-in)"
        };
        for (label, query) in [
            (
                "SIP jdoe@ is john.doe@",
                "contactId=Contacts=<sip:jdoe@contoso.com>",
            ),
            (
                "a number two people share: the chooser",
                "contactId=tel:+33140000000",
            ),
            (
                "dry run: the source, and what matched",
                "contactId=sip:jdoe@contoso.com&dryrun=1",
            ),
        ] {
            links.push((format!("{what}, {label}"), format!("{at}?{query}")));
        }
    }

    println!();
    println!("Page:      {page}  (serving {})", dir.display());
    println!("Mock ITSM: {}", mock.origin());
    println!("Config:    {}", dir.join("config.json").display());
    println!(
        "Stand-ins: Entra ID {}, Microsoft Graph {}, lookup endpoint {}",
        entra.authority(),
        entra.graph_url(),
        lookup.origin()
    );
    println!();
    for (what, url) in &links {
        println!("{what}:\n  {url}");
    }
    println!("\nRequests reaching the mock ITSM are printed below. Ctrl-C to stop.");
    let mut seen = 0;
    loop {
        std::thread::sleep(Duration::from_millis(250));
        let landings = mock.landings();
        for l in &landings[seen..] {
            println!("mock ITSM: GET {}", l.target);
        }
        seen = landings.len();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rebases_urls() {
        let m = "http://127.0.0.1:8081";
        for (url, expected) in [
            ("https://companyname.easyvista.com", "http://127.0.0.1:8081"),
            (
                "https://companyname.easyvista.com/",
                "http://127.0.0.1:8081/",
            ),
            (
                "https://companyname.easyvista.com/autoconnect_mail.php?field1=5C&field6=morley",
                "http://127.0.0.1:8081/autoconnect_mail.php?field1=5C&field6=morley",
            ),
            (
                "https://itsm.example:8443/cti.do?e={userid}",
                "http://127.0.0.1:8081/cti.do?e={userid}",
            ),
            ("https://itsm.example?x=1", "http://127.0.0.1:8081?x=1"),
        ] {
            assert_eq!(rebase(url, m), expected);
        }
    }

    #[test]
    fn the_demo_config_points_at_the_mock_only() {
        let example = fs::read_to_string(project_root().join("www/config.json")).unwrap();
        let config = demo_config(&example, "http://127.0.0.1:9").unwrap();
        let text = config.to_string();
        assert!(!text.contains("easyvista.com"), "{text}");
        assert!(!text.contains("itsm.example"), "{text}");
        assert!(
            text.contains("http://127.0.0.1:9/autoconnect_mail.php?"),
            "{text}"
        );
        assert_eq!(config["default_profile"], example_default(&example));
    }

    fn example_default(example: &str) -> Value {
        serde_json::from_str::<Value>(example).unwrap()["default_profile"].clone()
    }
}
