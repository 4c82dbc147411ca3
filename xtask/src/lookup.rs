//! A stand-in, on loopback, for a generic JSON lookup endpoint the page may ask which
//! ITSM users a contact is: `GET /api/lync-lookup?contact=<percent-encoded contact>`
//! answers `{"users":[{"userid":"...","name":"..."}]}`.
//!
//! It answers a credentialed cross-origin `fetch` as a careful server would: the
//! `Origin` echoed (never `*`, which browsers refuse with credentials),
//! `Access-Control-Allow-Credentials: true` and `Vary: Origin`. `GET /login` sets a
//! `SameSite=Lax` session cookie; the page's origin is another port of the same host,
//! hence the same site, so `credentials: "include"` sends it back, and every lookup
//! records the `Cookie` it came with. [`LookupFault`]s make it fail as a real one can.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use anyhow::Result;
use percent_encoding::percent_decode_str;
use serde_json::{json, Value};

use crate::serve::{lock, Incoming, Reply, Running};

/// The longest [`LookupFault::Slow`] delay honoured.
const MAX_DELAY: Duration = Duration::from_secs(30);

/// How the lookup endpoint misbehaves.
#[derive(Clone, Debug)]
pub enum LookupFault {
    /// It does not.
    None,
    /// Every lookup answers this status, with a small JSON error body (and CORS).
    Status(u16),
    /// Every lookup answers 200 with an HTML page (a sign-in page, say).
    NotJson,
    /// Every lookup answers 200 with JSON of another shape.
    WrongShape,
    /// Every lookup answers normally after this delay (at most 30 s).
    Slow(Duration),
}

/// One lookup received (preflights and `/login` are not recorded).
#[derive(Clone, Debug)]
pub struct LookupRequest {
    /// The `contact` query value, percent-decoded, `+` kept as `+`.
    pub contact: Option<String>,
    /// The query, as sent.
    pub raw_query: String,
    /// The `Cookie` header.
    pub cookie: Option<String>,
    /// The `Origin` header.
    pub origin: Option<String>,
}

struct State {
    people: Vec<(String, Vec<(String, String)>)>,
    fault: LookupFault,
    log: Vec<LookupRequest>,
}

/// The lookup endpoint stand-in, answering until dropped.
pub struct LookupEndpoint {
    running: Running,
    state: Arc<Mutex<State>>,
}

impl LookupEndpoint {
    /// Serves GET /api/lync-lookup?contact=<percent-encoded contact>; `people` maps a normalised contact
    /// ("john.doe@contoso.com" or "+33123456789") to (userid, name) pairs; everything else answers {"users":[]}.
    pub fn start(people: Vec<(String, Vec<(String, String)>)>) -> Result<LookupEndpoint> {
        let state = Arc::new(Mutex::new(State {
            people,
            fault: LookupFault::None,
            log: Vec::new(),
        }));
        let s = Arc::clone(&state);
        let running = Running::start(0, move |request| handle(&s, request))?;
        Ok(LookupEndpoint { running, state })
    }

    /// `http://127.0.0.1:<port>`.
    pub fn origin(&self) -> String {
        format!("http://127.0.0.1:{}", self.running.port())
    }

    /// Replaces the fault.
    pub fn set_fault(&self, f: LookupFault) {
        lock(&self.state).fault = f;
    }

    /// The lookups received so far.
    pub fn requests(&self) -> Vec<LookupRequest> {
        lock(&self.state).log.clone()
    }

    /// Forgets the lookups received so far.
    pub fn reset_log(&self) {
        lock(&self.state).log.clear();
    }
}

fn json_reply(status: u16, body: &Value) -> Reply {
    let mut reply = Reply::new(status, body.to_string());
    reply.header("Content-Type", "application/json");
    reply.header("Cache-Control", "no-store");
    reply
}

fn handle(state: &Mutex<State>, request: &Incoming) -> Reply {
    let origin = request.header("Origin");
    let (path, raw_query) = request.url.split_once('?').unwrap_or((&request.url, ""));
    let mut reply = match (request.method.as_str(), path) {
        ("OPTIONS", _) => {
            let mut reply = Reply::new(204, Vec::new());
            reply.header("Access-Control-Allow-Methods", "GET");
            if let Some(headers) = request.header("Access-Control-Request-Headers") {
                reply.header("Access-Control-Allow-Headers", headers);
            }
            reply.header("Access-Control-Max-Age", "600");
            reply
        }
        ("GET", "/login") => {
            let mut reply = Reply::new(200, "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\"><title>Lookup login</title></head><body><p id=\"logged-in\">Signed in to the lookup service.</p></body></html>\n");
            reply.header("Content-Type", "text/html; charset=utf-8");
            reply.header("Set-Cookie", "lookup_session=demo; Path=/; SameSite=Lax");
            reply
        }
        ("GET", "/api/lync-lookup") => lookup(state, request, raw_query),
        ("GET", _) => json_reply(404, &json!({"error": "not found"})),
        _ => json_reply(405, &json!({"error": "method not allowed"})),
    };
    if let Some(origin) = origin {
        reply.header("Access-Control-Allow-Origin", origin);
        reply.header("Access-Control-Allow-Credentials", "true");
    }
    reply.header("Vary", "Origin");
    reply
}

fn lookup(state: &Mutex<State>, request: &Incoming, raw_query: &str) -> Reply {
    // Percent-decoding only: `+` stays `+` (form decoding would make it a space).
    let contact = raw_query
        .split('&')
        .find_map(|pair| pair.strip_prefix("contact="))
        .map(|v| percent_decode_str(v).decode_utf8_lossy().into_owned());
    let (fault, users) = {
        let mut st = lock(state);
        st.log.push(LookupRequest {
            contact: contact.clone(),
            raw_query: raw_query.to_string(),
            cookie: request.header("Cookie").map(str::to_string),
            origin: request.header("Origin").map(str::to_string),
        });
        let key = contact.as_deref().unwrap_or("").to_lowercase();
        let users: Vec<Value> = st
            .people
            .iter()
            .filter(|(contact, _)| contact.to_lowercase() == key)
            .flat_map(|(_, users)| users)
            .map(|(userid, name)| json!({"userid": userid, "name": name}))
            .collect();
        (st.fault.clone(), users)
    };
    match fault {
        LookupFault::None => {}
        // Outside the lock, so that other requests are answered meanwhile.
        LookupFault::Slow(delay) => std::thread::sleep(delay.min(MAX_DELAY)),
        LookupFault::Status(status) => {
            return json_reply(
                status,
                &json!({"error": format!("lookup failed ({status})")}),
            )
        }
        LookupFault::NotJson => {
            let mut reply = Reply::new(200, "<!DOCTYPE html>\n<html><head><title>Sign in</title></head><body><form action=\"/login\"></form></body></html>\n");
            reply.header("Content-Type", "text/html; charset=utf-8");
            return reply;
        }
        LookupFault::WrongShape => {
            return json_reply(
                200,
                &json!({"value": [{"id": "1", "displayName": "John Doe"}]}),
            )
        }
    }
    if contact.as_deref().unwrap_or("").is_empty() {
        return json_reply(400, &json!({"error": "missing contact"}));
    }
    json_reply(200, &json!({ "users": users }))
}

/// The lookup table of the end-to-end suite and the demo (the people of
/// [`crate::entra::demo_users`]).
pub fn demo_people() -> Vec<(String, Vec<(String, String)>)> {
    let person = |userid: &str, name: &str| (userid.to_string(), name.to_string());
    let john = person("john.doe@contoso.com", "John Doe");
    vec![
        ("john.doe@contoso.com".into(), vec![john.clone()]),
        ("jdoe@contoso.com".into(), vec![john]),
        (
            "+33140000000".into(),
            vec![
                person("anna.smith@contoso.com", "Anna Smith"),
                person("bruno.martin@contoso.com", "Bruno Martin"),
            ],
        ),
        (
            "sean.o'brien@contoso.com".into(),
            vec![person("sean.o'brien@contoso.com", "Sean O'Brien")],
        ),
    ]
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::serve::testing::request;
    use std::time::Instant;

    const PAGE: &str = "http://127.0.0.1:9";

    #[test]
    fn answers_with_cors_for_credentials() {
        let lookup = LookupEndpoint::start(demo_people()).unwrap();
        let port = lookup.running.port();
        let get = |query: &str| {
            let target = format!("/api/lync-lookup?{query}");
            request(
                port,
                "GET",
                &target,
                &[("Origin", PAGE), ("Cookie", "lookup_session=demo")],
                "",
            )
        };
        let a = get("contact=%2B33140000000");
        assert_eq!(a.status, 200);
        assert_eq!(a.header("Content-Type"), Some("application/json"));
        assert_eq!(a.header("Access-Control-Allow-Origin"), Some(PAGE));
        assert_eq!(a.header("Access-Control-Allow-Credentials"), Some("true"));
        assert_eq!(a.header("Vary"), Some("Origin"));
        let users = a.json()["users"].clone();
        assert_eq!(
            users[1],
            json!({"userid": "bruno.martin@contoso.com", "name": "Bruno Martin"})
        );
        assert_eq!(users.as_array().unwrap().len(), 2);
        // A raw `+` stays a `+` (not form decoding); the raw query is kept as sent.
        assert_eq!(
            get("contact=+33140000000").json()["users"]
                .as_array()
                .unwrap()
                .len(),
            2
        );
        let john = get("x=1&contact=JDOE%40contoso.com").json();
        assert_eq!(john["users"][0]["name"], "John Doe");
        let sean = get("contact=sean.o%27brien%40contoso.com").json();
        assert_eq!(sean["users"][0]["name"], "Sean O'Brien");
        assert_eq!(
            get("contact=nobody%40contoso.com").json(),
            json!({"users": []})
        );
        assert_eq!(get("other=1").status, 400);
        let log = lookup.requests();
        assert_eq!(log[0].contact.as_deref(), Some("+33140000000"));
        assert_eq!(log[1].contact.as_deref(), Some("+33140000000"));
        assert_eq!(log[1].raw_query, "contact=+33140000000");
        assert_eq!(log[2].contact.as_deref(), Some("JDOE@contoso.com"));
        assert_eq!(log[0].cookie.as_deref(), Some("lookup_session=demo"));
        assert_eq!(log[0].origin.as_deref(), Some(PAGE));
        assert_eq!(log.len(), 6);
        lookup.reset_log();
        assert!(lookup.requests().is_empty());

        let a = request(port, "GET", "/login", &[], "");
        assert_eq!(
            a.header("Set-Cookie"),
            Some("lookup_session=demo; Path=/; SameSite=Lax")
        );
        assert_eq!(a.header("Access-Control-Allow-Origin"), None);
        let a = request(
            port,
            "OPTIONS",
            "/api/lync-lookup?contact=x",
            &[("Origin", PAGE)],
            "",
        );
        assert_eq!(
            (a.status, a.header("Access-Control-Allow-Credentials")),
            (204, Some("true"))
        );
        assert!(lookup.requests().is_empty());
    }

    #[test]
    fn faults() {
        let lookup = LookupEndpoint::start(demo_people()).unwrap();
        let port = lookup.running.port();
        let get = || {
            request(
                port,
                "GET",
                "/api/lync-lookup?contact=jdoe%40contoso.com",
                &[("Origin", PAGE)],
                "",
            )
        };
        lookup.set_fault(LookupFault::Status(503));
        let a = get();
        assert_eq!(
            (a.status, a.header("Access-Control-Allow-Origin")),
            (503, Some(PAGE))
        );
        lookup.set_fault(LookupFault::NotJson);
        let a = get();
        assert!(a.status == 200 && a.header("Content-Type").unwrap().starts_with("text/html"));
        lookup.set_fault(LookupFault::WrongShape);
        assert!(get().json().get("users").is_none());
        lookup.set_fault(LookupFault::Slow(Duration::from_millis(300)));
        let start = Instant::now();
        assert_eq!(get().json()["users"][0]["userid"], "john.doe@contoso.com");
        assert!(start.elapsed() >= Duration::from_millis(300));
        lookup.set_fault(LookupFault::None);
        assert_eq!(get().status, 200);
        assert_eq!(lookup.requests().len(), 5);
        assert!(lookup.origin().starts_with("http://127.0.0.1:"));
    }
}
