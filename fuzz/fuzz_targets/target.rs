//! `target`: quick call URLs from any configuration and any user id.
//!
//! The input chooses a `config.json` from pieces (methods `sso`, `autoconnect` and
//! `template`; base URLs from a small set, with fuzzed paths, query pairs and
//! fragments, encoded or raw) and a user id (any text, or the address of any contact).
//! When the configuration is accepted, every profile's URL must satisfy
//! `invariants::check_quick_call`: on a configured origin, one `url_requestor` (sso) or
//! `field6` (autoconnect), `do_quickcall=1` intact, and the user id nowhere but in one
//! query value.

#![no_main]

use libfuzzer_sys::fuzz_target;
use lync_quickcall::{Config, Contact, Directory, Lookup, PassThrough};
use lync_quickcall_fuzz::invariants::check_quick_call;
use lync_quickcall_fuzz::Bytes;
use serde_json::{json, Map, Value};

/// Base URLs: what administrators write, and some unusual but valid forms.
const BASES: [&str; 8] = [
    "https://companyname.easyvista.com",
    "https://ev.contoso.com/easyvista",
    "http://itsm.example:8080",
    "https://itsm.example",
    "https://xn--bcher-kva.example",
    "https://[::1]",
    "https://192.168.0.1:443",
    "HTTPS://Mixed.Case.Example/",
];

/// Query pairs of the auto connection link EasyVista generates.
const LINK_PAIRS: [&str; 4] = [
    "field1=5C0F051E580F056F19",
    "field2=",
    "field4=%7B90D54E77-40A5-4F0F-8029-5A7A05F5814D%7D",
    "field5=ViewDialog",
];

/// Hostile user ids, besides the fuzzed ones.
const USER_IDS: [&str; 6] = [
    "john.doe@contoso.com",
    "x&url_requestor=evil@evil.com",
    "a@b.com#@evil.com",
    "//evil.com/?field6=x",
    "%2F%2Fevil.com",
    "fuzzrefa",
];

/// Percent-encodes everything but unreserved characters (a clean query piece).
fn encode(s: &str) -> String {
    s.bytes()
        .map(|b| {
            if b.is_ascii_alphanumeric() || b"-._~".contains(&b) {
                (b as char).to_string()
            } else {
                format!("%{b:02X}")
            }
        })
        .collect()
}

/// A URL: a base, a fuzzed path, and (when `extras`) a query and a fragment.
fn url(b: &mut Bytes, extras: bool) -> String {
    let mut u = BASES[b.choose(BASES.len())].to_string();
    if b.flag() {
        u.push('/');
        u.push_str(&b.string(24));
    }
    if extras && b.flag() {
        u.push('?');
        u.push_str(&b.string(24));
    }
    if extras && b.flag() {
        u.push('#');
        u.push_str(&b.string(16));
    }
    u
}

/// Query pairs: EasyVista's, clean fuzzed ones, or raw fuzzed text; `clean` turns false
/// when a raw piece is used.
fn pairs(b: &mut Bytes, clean: &mut bool) -> Vec<String> {
    (0..b.choose(4))
        .map(|_| match b.choose(3) {
            0 => LINK_PAIRS[b.choose(LINK_PAIRS.len())].to_string(),
            1 => format!("{}={}", encode(&b.string(12)), encode(&b.string(12))),
            _ => {
                *clean = false;
                b.string(24)
            }
        })
        .collect()
}

/// One profile, and whether its template (if any) carries `{userid}` once, as a whole
/// value, among clean pairs.
fn profile(b: &mut Bytes) -> (Value, bool) {
    let mut p = Map::new();
    let mut clean = true;
    match b.choose(3) {
        0 => {
            p.insert("method".into(), json!("sso"));
            if b.flag() {
                p.insert("sandbox".into(), json!(true));
            }
            if b.flag() {
                p.insert("itsm_url".into(), json!(url(b, false)));
            }
        }
        1 => {
            p.insert("method".into(), json!("autoconnect"));
            let mut q = pairs(b, &mut clean);
            let at = b.choose(q.len() + 1);
            q.insert(at, format!("field6={}", encode(&b.string(8))));
            q.extend(pairs(b, &mut clean));
            let link = format!("{}/autoconnect_mail.php?{}", url(b, false), q.join("&"));
            p.insert("link".into(), json!(link));
            if b.flag() {
                p.insert("itsm_url".into(), json!(url(b, false)));
            }
        }
        _ => {
            p.insert("method".into(), json!("template"));
            let template = if b.flag() {
                // Free text around the placeholder.
                clean = false;
                format!(
                    "{}{}{{userid}}{}",
                    url(b, false),
                    b.string(32),
                    b.string(32)
                )
            } else {
                let mut q = pairs(b, &mut clean);
                let at = b.choose(q.len() + 1);
                q.insert(at, format!("{}={{userid}}", encode(&b.string(12))));
                q.extend(pairs(b, &mut clean));
                let base = url(b, false);
                // A '?' or '#' in the fuzzed path moves where the query starts.
                clean &= !base.contains(['?', '#']);
                let mut t = format!("{base}?{}", q.join("&"));
                if b.flag() {
                    t.push('#');
                    t.push_str(&encode(&b.string(12)));
                }
                t
            };
            clean &= template.matches("{userid}").count() == 1;
            p.insert("url".into(), json!(template));
        }
    }
    if b.flag() {
        p.insert("fallback_url".into(), json!(url(b, true)));
    }
    (Value::Object(p), clean)
}

fuzz_target!(|data: &[u8]| {
    let mut b = Bytes::new(data);
    let mut config = Map::new();
    if b.flag() {
        config.insert("itsm_url".into(), json!(url(&mut b, false)));
    }
    if b.flag() {
        config.insert("fallback_url".into(), json!(url(&mut b, true)));
    }
    let mut profiles = Map::new();
    let mut strict = Vec::new();
    for i in 0..1 + b.choose(3) {
        let (p, clean) = profile(&mut b);
        profiles.insert(format!("p{i}"), p);
        strict.push((format!("p{i}"), clean));
    }
    config.insert("default_profile".into(), json!("p0"));
    config.insert("profiles".into(), Value::Object(profiles));
    let mut user_ids = vec![USER_IDS[b.choose(USER_IDS.len())].to_string()];
    if b.flag() {
        // A contact's address, as the `none` directory source hands it over.
        if let Ok(c) = Contact::parse(&b.string(80)) {
            if let Lookup::Found(people) = PassThrough.lookup(&c) {
                user_ids.extend(people.into_iter().map(|p| p.user_id));
            }
        }
    }
    user_ids.push(String::from_utf8_lossy(b.rest()).into_owned());
    let text = Value::Object(config).to_string();
    let Ok(config) = Config::from_json(&text) else {
        return;
    };
    for (name, strict_template) in &strict {
        let Ok(profile) = config.profile(Some(name)) else {
            panic!("profile {name} is missing from {text}");
        };
        for user_id in &user_ids {
            if let Err(e) = check_quick_call(&config, profile, user_id, *strict_template) {
                panic!("{e}\nconfig: {text}");
            }
        }
    }
});
