//! Stand-ins, on loopback, for the Microsoft identity platform (Entra ID) v2.0 endpoints
//! a single-page application signs in with (authorization code flow with PKCE) and for
//! Microsoft Graph's `GET /v1.0/users`, for the end-to-end tests and the demo.
//!
//! [`Entra`] runs two servers on `127.0.0.1`, two origins as `login.microsoftonline.com`
//! and `graph.microsoft.com` are, sharing one state:
//!
//! - the identity server (the configuration's `authority`) answers
//!   `GET /{tenant}/oauth2/v2.0/authorize` as Entra does for redirect URIs registered as
//!   "Single-page application": it checks the tenant, the client ID and the redirect URI
//!   (exact match; a mismatch is an error page, never a redirect), then the response type
//!   and mode, the scope, `state` and the PKCE challenge (S256), which it reports by
//!   redirecting with `error=`; there is no user to ask, so it signs in at once
//!   (`prompt=none` succeeds too) and redirects with a single-use code valid 10 minutes.
//!   `POST /{tenant}/oauth2/v2.0/token` redeems that code only cross-origin (an `Origin`
//!   header, answered with CORS), from a public client (no secret), with the same
//!   redirect URI and the verifier whose SHA-256 is the challenge, else answers Entra's
//!   error JSON (`error`, `error_description`, `error_codes`, `trace_id`, ...).
//! - the Graph server answers `GET /v1.0/users` for a bearer token the identity server
//!   issued and did not expire, with the few `$filter` forms the page uses, parsed
//!   strictly (anything else, an attempt to close the string literal above all, is a 400
//!   as Graph gives for an invalid clause), `$select`, and `$count=true` with
//!   `ConsistencyLevel: eventual`, which the advanced query `mobilePhone eq` needs.
//!   Errors are Graph's `{"error":{"code","message","innerError"}}`.
//!
//! Both answer CORS as the real ones do for an SPA: the `Origin` echoed, Graph's
//! preflight allowing `Authorization` and `ConsistencyLevel`. Graph does not list
//! `Retry-After` in `Access-Control-Expose-Headers`, so a page cannot read it; a test
//! may make it do so ([`Entra::set_graph_exposes_retry_after`]).
//!
//! [`Faults`] make them answer as when something is misconfigured or busy (consent
//! missing, a "Web" redirect URI, throttling, ...). Every request is recorded. Codes and
//! tokens come from std's random hasher keys: unguessable enough for a test stand-in,
//! not for anything else.

use std::collections::hash_map::RandomState;
use std::collections::HashMap;
use std::hash::{BuildHasher, Hasher};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use anyhow::Result;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use serde_json::{json, Map, Value};
use sha2::{Digest, Sha256};

use crate::serve::{html_escape, lock, Incoming, Reply, Running};

/// The Graph scope the page asks for, as Entra writes it back.
const SCOPE: &str = "https://graph.microsoft.com/User.Read.All";
/// How long an authorization code may be redeemed.
const CODE_LIFETIME: Duration = Duration::from_secs(600);
/// The user properties the Graph stand-in knows (`$select` names).
const PROPERTIES: &str = "id,displayName,mail,userPrincipalName,imAddresses,proxyAddresses,mobilePhone,businessPhones,onPremisesSamAccountName,employeeId";
/// What Graph v1.0 answers without `$select` (those this directory lacks are null).
const DEFAULT_PROPERTIES: &str = "businessPhones,displayName,givenName,jobTitle,mail,mobilePhone,officeLocation,preferredLanguage,surname,userPrincipalName,id";
/// The headers real Graph lists in `Access-Control-Expose-Headers` (as reported on
/// Microsoft Q&A, 2021, and microsoftgraph/microsoft-graph-docs#17488, 2022, closed
/// unfixed): `Retry-After` is not among them, so a page cannot read it cross-origin.
const GRAPH_EXPOSED: &str = "ETag, Location, Preference-Applied, Content-Range, request-id, client-request-id, ReadWriteConsistencyToken, SdkVersion, WWW-Authenticate";

/// A user of the directory, with the Graph properties the page may read.
#[derive(Clone, Debug, Default)]
pub struct EntraUser {
    /// `id`.
    pub id: String,
    /// `displayName`.
    pub display_name: String,
    /// `mail`.
    pub mail: Option<String>,
    /// `userPrincipalName`.
    pub user_principal_name: String,
    /// `imAddresses`: bare SIP addresses, no `sip:`.
    pub im_addresses: Vec<String>,
    /// `proxyAddresses`: `SMTP:a@b`, `smtp:c@d`, `SIP:e@f`, ...
    pub proxy_addresses: Vec<String>,
    /// `mobilePhone`.
    pub mobile_phone: Option<String>,
    /// `businessPhones`.
    pub business_phones: Vec<String>,
    /// `onPremisesSamAccountName`.
    pub on_premises_sam_account_name: Option<String>,
    /// `employeeId`.
    pub employee_id: Option<String>,
}

/// How the stand-ins misbehave; the default is not at all.
#[derive(Clone, Debug, Default)]
pub struct Faults {
    /// The authorize endpoint answers with this OAuth error (redirect with error=,
    /// error_description=, state=), e.g. ("consent_required", "AADSTS65001: The user or
    /// administrator has not consented to use the application ...") or ("access_denied",
    /// "AADSTS65004: User declined to consent to access the app.")
    pub authorize_error: Option<(String, String)>,
    /// The token endpoint answers as for a redirect URI registered as "Web" instead of
    /// "Single-page application": HTTP 400 with error invalid_request and description
    /// "AADSTS9002326: Cross-origin token redemption is permitted only for the
    /// 'Single-Page Application' client-type. ..." and NO Access-Control-Allow-Origin
    /// header (so the browser sees a CORS failure).
    pub token_not_spa: bool,
    /// The next `n` Graph requests answer this status (with Graph's JSON error body: 401
    /// InvalidAuthenticationToken, 403 Authorization_RequestDenied "Insufficient
    /// privileges to complete the operation.", 429 TooManyRequests, 500/503 ...), with
    /// `Retry-After: retry_after` seconds when given; then normal answers again.
    /// (status, n, retry_after)
    ///
    /// Only requests with a valid token count: the token is checked first.
    pub graph_status: Option<(u16, u32, Option<u32>)>,
}

/// One request to the authorize endpoint.
#[derive(Clone, Debug)]
pub struct AuthorizeRequest {
    /// The query, decoded, in order.
    pub query: Vec<(String, String)>,
}

/// One request to the token endpoint (preflights are not recorded).
#[derive(Clone, Debug)]
pub struct TokenRequest {
    /// The form body, decoded, in order.
    pub form: Vec<(String, String)>,
    /// The `Origin` header.
    pub origin: Option<String>,
    /// The status answered.
    pub answered: u16,
}

/// One request to the Graph server (preflights are not recorded).
#[derive(Clone, Debug)]
pub struct GraphRequest {
    /// The decoded `$filter`.
    pub filter: Option<String>,
    /// The decoded `$select`.
    pub select: Option<String>,
    /// The query, as sent.
    pub raw_query: String,
    /// The `Authorization` header.
    pub authorization: Option<String>,
    /// The `ConsistencyLevel` header.
    pub consistency_level: Option<String>,
    /// The status answered.
    pub answered: u16,
}

/// An authorization code issued and not yet expired.
struct Code {
    redirect_uri: String,
    challenge: String,
    scope: String,
    issued: Instant,
    used: bool,
}

struct State {
    tenant: String,
    client_id: String,
    redirect_uris: Vec<String>,
    users: Vec<EntraUser>,
    graph_url: String,
    faults: Faults,
    expose_retry_after: bool,
    codes: HashMap<String, Code>,
    /// Every access token issued, and whether it is still valid.
    tokens: HashMap<String, bool>,
    authorize_log: Vec<AuthorizeRequest>,
    token_log: Vec<TokenRequest>,
    graph_log: Vec<GraphRequest>,
}

/// The identity platform and Graph stand-ins, answering until dropped.
pub struct Entra {
    identity: Running,
    graph: Running,
    state: Arc<Mutex<State>>,
}

impl Entra {
    /// tenant: the tenant segment accepted in the path (e.g. "contoso.onmicrosoft.com"); client_id: the registered app;
    /// redirect_uris: the registered SPA redirect URIs (exact match, as Entra does); users: the directory.
    pub fn start(
        tenant: &str,
        client_id: &str,
        redirect_uris: Vec<String>,
        users: Vec<EntraUser>,
    ) -> Result<Entra> {
        let state = Arc::new(Mutex::new(State {
            tenant: tenant.to_string(),
            client_id: client_id.to_string(),
            redirect_uris,
            users,
            graph_url: String::new(),
            faults: Faults::default(),
            expose_retry_after: false,
            codes: HashMap::new(),
            tokens: HashMap::new(),
            authorize_log: Vec::new(),
            token_log: Vec::new(),
            graph_log: Vec::new(),
        }));
        let s = Arc::clone(&state);
        let identity = Running::start(0, move |r| identity(&mut lock(&s), r))?;
        let s = Arc::clone(&state);
        let graph = Running::start(0, move |r| graph(&mut lock(&s), r))?;
        lock(&state).graph_url = format!("http://127.0.0.1:{}", graph.port());
        Ok(Entra {
            identity,
            graph,
            state,
        })
    }

    /// `http://127.0.0.1:<port>` of the identity server (the configuration's `authority`).
    pub fn authority(&self) -> String {
        format!("http://127.0.0.1:{}", self.identity.port())
    }

    /// `http://127.0.0.1:<port>` of the Graph server (the configuration's `graph_url`).
    pub fn graph_url(&self) -> String {
        format!("http://127.0.0.1:{}", self.graph.port())
    }

    /// Replaces the faults.
    pub fn set_faults(&self, f: Faults) {
        lock(&self.state).faults = f;
    }

    /// Whether Graph answers list `Retry-After` in `Access-Control-Expose-Headers`
    /// (default: no, as real Graph; see [`GRAPH_EXPOSED`]).
    pub fn set_graph_exposes_retry_after(&self, exposed: bool) {
        lock(&self.state).expose_retry_after = exposed;
    }

    /// Registers another redirect URI.
    pub fn add_redirect_uri(&self, uri: &str) {
        let mut state = lock(&self.state);
        if !state.redirect_uris.iter().any(|r| r == uri) {
            state.redirect_uris.push(uri.to_string());
        }
    }

    /// Every access token issued so far becomes invalid (401 at Graph).
    pub fn expire_tokens(&self) {
        lock(&self.state)
            .tokens
            .values_mut()
            .for_each(|v| *v = false);
    }

    /// The authorize requests received so far.
    pub fn authorize_requests(&self) -> Vec<AuthorizeRequest> {
        lock(&self.state).authorize_log.clone()
    }

    /// The token requests received so far.
    pub fn token_requests(&self) -> Vec<TokenRequest> {
        lock(&self.state).token_log.clone()
    }

    /// The Graph requests received so far.
    pub fn graph_requests(&self) -> Vec<GraphRequest> {
        lock(&self.state).graph_log.clone()
    }

    /// Clears the three logs (not the codes and tokens, not the users).
    pub fn reset_log(&self) {
        let mut state = lock(&self.state);
        state.authorize_log.clear();
        state.token_log.clear();
        state.graph_log.clear();
    }
}

/// 32 unpredictable bytes (see the module documentation).
fn random_bytes() -> [u8; 32] {
    static COUNTER: AtomicU64 = AtomicU64::new(0);
    let n = COUNTER.fetch_add(1, Ordering::Relaxed);
    let nanos = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_nanos());
    let mut sha = Sha256::new();
    for i in 0..4u8 {
        let mut h = RandomState::new().build_hasher();
        h.write_u64(n);
        h.write_u128(nanos);
        h.write_u8(i);
        sha.update(h.finish().to_le_bytes());
    }
    sha.finalize().into()
}

fn random_token() -> String {
    URL_SAFE_NO_PAD.encode(random_bytes())
}

fn guid() -> String {
    let h: String = random_bytes()[..16]
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect();
    format!(
        "{}-{}-{}-{}-{}",
        &h[..8],
        &h[8..12],
        &h[12..16],
        &h[16..20],
        &h[20..]
    )
}

/// The time now, UTC, as `2024-05-01T12:34:56`.
fn now_utc() -> String {
    let secs = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_secs() as i64);
    let (days, rem) = (secs.div_euclid(86_400), secs.rem_euclid(86_400));
    // Howard Hinnant's civil_from_days.
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + i64::from(month <= 2);
    let (h, m, s) = (rem / 3600, rem % 3600 / 60, rem % 60);
    format!("{year:04}-{month:02}-{day:02}T{h:02}:{m:02}:{s:02}")
}

/// BASE64URL-NOPAD(SHA256(verifier)), RFC 7636's S256.
fn pkce_challenge(verifier: &str) -> String {
    URL_SAFE_NO_PAD.encode(Sha256::digest(verifier.as_bytes()))
}

fn split_target(url: &str) -> (&str, &str) {
    url.split_once('?').unwrap_or((url, ""))
}

fn decode_pairs(text: &[u8]) -> Vec<(String, String)> {
    form_urlencoded::parse(text).into_owned().collect()
}

fn value<'a>(pairs: &'a [(String, String)], name: &str) -> Option<&'a str> {
    pairs
        .iter()
        .find(|(n, _)| n == name)
        .map(|(_, v)| v.as_str())
}

fn json_reply(status: u16, body: &Value, content_type: &str) -> Reply {
    let mut reply = Reply::new(status, body.to_string());
    reply.header("Content-Type", content_type);
    reply.header("Cache-Control", "no-store");
    reply
}

/// A CORS preflight answer.
fn preflight(origin: Option<&str>, methods: &str, headers: &str) -> Reply {
    let mut reply = Reply::new(204, Vec::new());
    if let Some(origin) = origin {
        reply.header("Access-Control-Allow-Origin", origin);
    }
    reply.header("Access-Control-Allow-Methods", methods);
    reply.header("Access-Control-Allow-Headers", headers);
    reply.header("Access-Control-Max-Age", "600");
    reply.header("Vary", "Origin");
    reply
}

fn identity(st: &mut State, req: &Incoming) -> Reply {
    let (path, query) = split_target(&req.url);
    let origin = req.header("Origin");
    let Some((tenant, endpoint)) = path
        .strip_prefix('/')
        .and_then(|p| p.split_once("/oauth2/v2.0/"))
    else {
        return Reply::new(404, "not found\n");
    };
    let tenant_error = (!tenant.eq_ignore_ascii_case(&st.tenant)).then(|| {
        format!("AADSTS90002: Tenant '{tenant}' not found. Check to make sure you have the correct tenant ID and are signing into the correct cloud.")
    });
    match (endpoint, req.method.as_str()) {
        ("authorize", "GET") => {
            let query = decode_pairs(query.as_bytes());
            st.authorize_log.push(AuthorizeRequest {
                query: query.clone(),
            });
            match tenant_error {
                Some(message) => error_page(&message),
                None => authorize(st, &query),
            }
        }
        ("token", "OPTIONS") => preflight(
            origin,
            "POST, OPTIONS",
            req.header("Access-Control-Request-Headers")
                .unwrap_or("content-type"),
        ),
        ("token", "POST") => {
            let form = decode_pairs(&req.body);
            let answer = match tenant_error {
                Some(message) => Err((400, "invalid_request", message)),
                None => redeem(st, &form, origin),
            };
            let (status, body) = match answer {
                Ok(body) => (200, body),
                Err((status, error, description)) => (status, oauth_error(error, &description)),
            };
            let mut reply = json_reply(status, &body, "application/json; charset=utf-8");
            reply.header("Pragma", "no-cache");
            if let (Some(origin), false) = (origin, st.faults.token_not_spa) {
                reply.header("Access-Control-Allow-Origin", origin);
                reply.header("Vary", "Origin");
            }
            st.token_log.push(TokenRequest {
                form,
                origin: origin.map(str::to_string),
                answered: status,
            });
            reply
        }
        ("authorize" | "token", _) => Reply::new(405, "method not allowed\n"),
        _ => Reply::new(404, "not found\n"),
    }
}

/// The page Entra shows, without redirecting, when it cannot trust the redirect URI.
fn error_page(message: &str) -> Reply {
    let page = format!(
        "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\"><title>Sign in to your account</title></head>\n<body><p>Sorry, but we're having trouble signing you in.</p><p id=\"error\">{}</p></body></html>\n",
        html_escape(message)
    );
    let mut reply = Reply::new(400, page);
    reply.header("Content-Type", "text/html; charset=utf-8");
    reply.header("Cache-Control", "no-store");
    reply
}

/// 302 to `uri` with `params` added to its query.
fn redirect(uri: &str, params: &[(&str, &str)]) -> Reply {
    let query = form_urlencoded::Serializer::new(String::new())
        .extend_pairs(params)
        .finish();
    let separator = if uri.contains('?') { '&' } else { '?' };
    let mut reply = Reply::new(302, Vec::new());
    reply.header("Location", &format!("{uri}{separator}{query}"));
    reply.header("Cache-Control", "no-store");
    reply
}

fn authorize(st: &mut State, q: &[(String, String)]) -> Reply {
    let get = |name: &str| value(q, name);
    let client_id = get("client_id").unwrap_or("");
    if client_id != st.client_id {
        return error_page(&format!("AADSTS700016: Application with identifier '{client_id}' was not found in the directory '{}'. This can happen if the application has not been installed by the administrator of the tenant or consented to by any user in the tenant. You may have sent your authentication request to the wrong tenant.", st.tenant));
    }
    let redirect_uri = get("redirect_uri").unwrap_or("");
    if !st.redirect_uris.iter().any(|r| r == redirect_uri) {
        return error_page(&format!("AADSTS50011: The redirect URI '{redirect_uri}' specified in the request does not match the redirect URIs configured for the application '{client_id}'. Make sure the redirect URI sent in the request matches one added to your application in the Azure portal."));
    }
    let state = get("state");
    let fail = |error: &str, description: &str| {
        let mut params = vec![("error", error), ("error_description", description)];
        params.extend(state.map(|s| ("state", s)));
        redirect(redirect_uri, &params)
    };
    if let Some((error, description)) = &st.faults.authorize_error {
        return fail(error, description);
    }
    let scope = get("scope").unwrap_or("");
    let challenge = get("code_challenge").unwrap_or("");
    // The resource is Graph: the global cloud's name for it, or this stand-in's own
    // origin (a page derives the scope from its `graph_url`, as for sovereign clouds).
    let own = format!("{}/User.Read.All", st.graph_url);
    let graph_scope = |s: &str| s == SCOPE || s == own;
    let scopes_ok = scope.split(' ').any(graph_scope)
        && (scope.split(' '))
            .all(|s| graph_scope(s) || ["openid", "profile", "offline_access"].contains(&s));
    let refusal = if get("response_type") != Some("code") {
        Some((
            "unsupported_response_type",
            "AADSTS700054: response_type must be 'code'.",
        ))
    } else if !matches!(get("response_mode"), None | Some("query")) {
        Some((
            "invalid_request",
            "The stand-in answers only response_mode=query.",
        ))
    } else if !scopes_ok {
        Some(("invalid_scope", "AADSTS70011: The provided value for the input parameter 'scope' is not valid. (The stand-in expects User.Read.All, with openid, profile or offline_access at most.)"))
    } else if state.is_none() {
        Some((
            "invalid_request",
            "AADSTS900144: The request body must contain the following parameter: 'state'.",
        ))
    } else if challenge.is_empty() {
        Some(("invalid_request", "AADSTS9002325: Proof Key for Code Exchange is required for cross-origin authorization code redemption."))
    } else if get("code_challenge_method") != Some("S256") {
        Some(("invalid_request", "AADSTS501491-like: code_challenge_method must be 'S256' (the stand-in refuses 'plain' and none)."))
    } else if challenge.len() != 43 || URL_SAFE_NO_PAD.decode(challenge).is_err() {
        Some((
            "invalid_request",
            "AADSTS501491: Invalid size of Code_Challenge parameter.",
        ))
    } else {
        None
    };
    if let Some((error, description)) = refusal {
        return fail(error, description);
    }
    let code = random_token();
    st.codes.insert(
        code.clone(),
        Code {
            redirect_uri: redirect_uri.to_string(),
            challenge: challenge.to_string(),
            scope: scope.to_string(),
            issued: Instant::now(),
            used: false,
        },
    );
    let state = state.unwrap_or("");
    redirect(
        redirect_uri,
        &[
            ("code", &code),
            ("state", state),
            ("session_state", &guid()),
        ],
    )
}

/// An OAuth error: status, `error`, `error_description` (starting with `AADSTS<n>:`).
type OAuthError = (u16, &'static str, String);

/// Entra's JSON body for an OAuth error.
fn oauth_error(error: &str, description: &str) -> Value {
    let (trace_id, correlation_id) = (guid(), guid());
    let timestamp = format!("{}Z", now_utc().replace('T', " "));
    let codes: Vec<u64> = description
        .strip_prefix("AADSTS")
        .and_then(|rest| rest.split(':').next())
        .and_then(|n| n.parse().ok())
        .into_iter()
        .collect();
    json!({
        "error": error,
        "error_description": format!("{description}\r\nTrace ID: {trace_id}\r\nCorrelation ID: {correlation_id}\r\nTimestamp: {timestamp}"),
        "error_codes": codes,
        "timestamp": timestamp,
        "trace_id": trace_id,
        "correlation_id": correlation_id,
    })
}

/// Redeems an authorization code (the code is spent only by a successful redemption).
fn redeem(
    st: &mut State,
    form: &[(String, String)],
    origin: Option<&str>,
) -> Result<Value, OAuthError> {
    let get = |name: &str| value(form, name);
    let bad = |error: &'static str, description: String| Err((400, error, description));
    if st.faults.token_not_spa {
        return bad("invalid_request", format!("AADSTS9002326: Cross-origin token redemption is permitted only for the 'Single-Page Application' client-type. Request origin: '{}'.", origin.unwrap_or("")));
    }
    let grant_type = get("grant_type").unwrap_or("");
    if grant_type != "authorization_code" {
        return bad(
            "unsupported_grant_type",
            format!("AADSTS70003: The app requested an unsupported grant type '{grant_type}'."),
        );
    }
    let client_id = get("client_id").unwrap_or("");
    if client_id != st.client_id {
        return bad("unauthorized_client", format!("AADSTS700016: Application with identifier '{client_id}' was not found in the directory '{}'.", st.tenant));
    }
    if get("client_secret").is_some() || get("client_assertion").is_some() {
        return Err((401, "invalid_client", "AADSTS700025: Client is public so neither 'client_assertion' nor 'client_secret' should be presented.".into()));
    }
    if origin.is_none() {
        return bad("invalid_request", "AADSTS9002327: Tokens issued for the 'Single-Page Application' client-type may only be redeemed via cross-origin requests.".into());
    }
    let Some(code) = get("code")
        .and_then(|c| st.codes.get_mut(c))
        .filter(|c| c.issued.elapsed() < CODE_LIFETIME)
    else {
        return bad("invalid_grant", "AADSTS70008: The provided authorization code or refresh token has expired due to inactivity. Send a new interactive authorization request for this user and resource.".into());
    };
    if code.used {
        return bad("invalid_grant", "AADSTS54005: OAuth2 Authorization code was already redeemed, please retry with a new valid code or use an existing refresh token.".into());
    }
    let redirect_uri = get("redirect_uri").unwrap_or("");
    if redirect_uri != code.redirect_uri {
        return bad("invalid_grant", format!("AADSTS500112: The reply address '{redirect_uri}' does not match the reply address '{}' provided when requesting Authorization code.", code.redirect_uri));
    }
    if pkce_challenge(get("code_verifier").unwrap_or("")) != code.challenge {
        return bad("invalid_grant", "AADSTS501481: The Code_Verifier does not match the code_challenge supplied in the authorization request.".into());
    }
    code.used = true;
    let offline = code.scope.split(' ').any(|s| s == "offline_access");
    let access_token = random_token();
    st.tokens.insert(access_token.clone(), true);
    let mut body = json!({
        "token_type": "Bearer",
        "scope": SCOPE,
        "expires_in": 3599,
        "ext_expires_in": 3599,
        "access_token": access_token,
    });
    if offline {
        body["refresh_token"] = json!(random_token());
    }
    Ok(body)
}

/// A Graph error answer.
struct GraphError {
    status: u16,
    code: &'static str,
    message: String,
    retry_after: Option<u32>,
}

fn graph_error(status: u16, code: &'static str, message: impl Into<String>) -> GraphError {
    GraphError {
        status,
        code,
        message: message.into(),
        retry_after: None,
    }
}

fn unsupported(property: &str) -> GraphError {
    graph_error(400, "Request_UnsupportedQuery", format!("Unsupported or invalid query filter clause specified for property '{property}' of resource 'User'."))
}

/// What Graph answers with a status injected by [`Faults::graph_status`].
fn fault(status: u16) -> GraphError {
    let (code, message) = match status {
        401 => (
            "InvalidAuthenticationToken",
            "Access token has expired or is not yet valid.",
        ),
        403 => (
            "Authorization_RequestDenied",
            "Insufficient privileges to complete the operation.",
        ),
        429 => (
            "TooManyRequests",
            "Too many requests. Please retry again later.",
        ),
        503 => (
            "serviceNotAvailable",
            "The service is temporarily unavailable. Please retry later.",
        ),
        _ => ("UnknownError", "An unexpected error occurred."),
    };
    graph_error(status, code, message)
}

/// The properties a `$filter` may name.
#[derive(Clone, Copy, Debug, PartialEq)]
enum Field {
    ImAddresses,
    ProxyAddresses,
    Mail,
    UserPrincipalName,
    MobilePhone,
}

/// A `$filter` the stand-in accepts: one property (or collection) equal to one string.
#[derive(Debug, PartialEq)]
struct Filter {
    field: Field,
    value: String,
}

impl Filter {
    fn matches(&self, u: &EntraUser) -> bool {
        let same = |a: &str| a.to_lowercase() == self.value.to_lowercase();
        match self.field {
            Field::ImAddresses => u.im_addresses.iter().any(|a| same(a)),
            Field::ProxyAddresses => u.proxy_addresses.iter().any(|a| same(a)),
            Field::Mail => u.mail.as_deref().is_some_and(same),
            Field::UserPrincipalName => same(&u.user_principal_name),
            Field::MobilePhone => u.mobile_phone.as_deref() == Some(self.value.as_str()),
        }
    }
}

/// An OData string literal at the start of `s` (`''` stands for `'`), and what follows.
fn literal(s: &str) -> Option<(String, &str)> {
    let mut rest = s.strip_prefix('\'')?;
    let mut value = String::new();
    loop {
        let end = rest.find('\'')?;
        value.push_str(&rest[..end]);
        rest = &rest[end + 1..];
        match rest.strip_prefix('\'') {
            Some(after) => {
                value.push('\'');
                rest = after;
            }
            None => return Some((value, rest)),
        }
    }
}

/// Parses exactly `imAddresses/any(v:v eq '...')`, `proxyAddresses/any(v:v eq '...')`,
/// `mail eq '...'`, `userPrincipalName eq '...'` or `mobilePhone eq '...'`.
fn parse_filter(text: &str) -> Result<Filter, GraphError> {
    let syntax = |rest: &str| {
        let at = text.len() - rest.len();
        graph_error(
            400,
            "BadRequest",
            format!("Invalid filter clause: syntax error at position {at} in '{text}'."),
        )
    };
    if text.starts_with("businessPhones") {
        return Err(unsupported("businessPhones"));
    }
    for (prefix, field) in [
        ("imAddresses/any(", Field::ImAddresses),
        ("proxyAddresses/any(", Field::ProxyAddresses),
    ] {
        let Some(rest) = text.strip_prefix(prefix) else {
            continue;
        };
        let len = rest
            .find(|c: char| !(c.is_ascii_alphanumeric() || c == '_'))
            .unwrap_or(rest.len());
        let (var, after) = rest.split_at(len);
        if var.is_empty() || var.starts_with(|c: char| c.is_ascii_digit()) {
            return Err(syntax(rest));
        }
        let Some(rest) = after
            .strip_prefix(':')
            .and_then(|r| r.strip_prefix(var))
            .and_then(|r| r.strip_prefix(" eq "))
        else {
            return Err(syntax(after));
        };
        let (value, rest) = literal(rest).ok_or_else(|| syntax(rest))?;
        return match rest {
            ")" => Ok(Filter { field, value }),
            _ => Err(syntax(rest)),
        };
    }
    for (prefix, field) in [
        ("mail eq ", Field::Mail),
        ("userPrincipalName eq ", Field::UserPrincipalName),
        ("mobilePhone eq ", Field::MobilePhone),
    ] {
        let Some(rest) = text.strip_prefix(prefix) else {
            continue;
        };
        let (value, rest) = literal(rest).ok_or_else(|| syntax(rest))?;
        return match rest {
            "" => Ok(Filter { field, value }),
            _ => Err(syntax(rest)),
        };
    }
    Err(syntax(text))
}

/// `$select`'s property names, as this stand-in spells them (Graph ignores case).
fn parse_select(text: &str) -> Result<Vec<&'static str>, GraphError> {
    let known = |name: &str| PROPERTIES.split(',').find(|p| p.eq_ignore_ascii_case(name));
    let names = text.split(',').map(str::trim);
    names
        .map(|name| {
            let message =
                format!("Could not find a property named '{name}' on type 'microsoft.graph.user'.");
            known(name).ok_or_else(|| graph_error(400, "BadRequest", message))
        })
        .collect()
}

fn property(u: &EntraUser, name: &str) -> Value {
    match name {
        "id" => json!(u.id),
        "displayName" => json!(u.display_name),
        "mail" => json!(u.mail),
        "userPrincipalName" => json!(u.user_principal_name),
        "imAddresses" => json!(u.im_addresses),
        "proxyAddresses" => json!(u.proxy_addresses),
        "mobilePhone" => json!(u.mobile_phone),
        "businessPhones" => json!(u.business_phones),
        "onPremisesSamAccountName" => json!(u.on_premises_sam_account_name),
        "employeeId" => json!(u.employee_id),
        _ => Value::Null,
    }
}

fn graph(st: &mut State, req: &Incoming) -> Reply {
    let origin = req.header("Origin");
    if req.method == "OPTIONS" {
        return preflight(
            origin,
            "GET",
            "authorization, consistencylevel, content-type",
        );
    }
    let (path, raw_query) = split_target(&req.url);
    // Graph decodes `+` in a query as a space (so a page must send `%2B`), as forms do.
    let params = decode_pairs(raw_query.as_bytes());
    const JSON: &str = "application/json;odata.metadata=minimal;odata.streaming=true;IEEE754Compatible=false;charset=utf-8";
    let mut reply = match users(st, req, path, &params) {
        Ok(body) => json_reply(200, &body, JSON),
        Err(e) => {
            let now = now_utc();
            let body = json!({"error": {"code": e.code, "message": e.message,
                "innerError": {"date": now, "request-id": guid(), "client-request-id": guid()}}});
            let mut reply = json_reply(e.status, &body, JSON);
            if let Some(seconds) = e.retry_after {
                reply.header("Retry-After", &seconds.to_string());
            }
            reply
        }
    };
    if let Some(origin) = origin {
        reply.header("Access-Control-Allow-Origin", origin);
    }
    // Real Graph does not expose Retry-After (see GRAPH_EXPOSED); a test may ask it to.
    let exposed = match st.expose_retry_after {
        true => format!("{GRAPH_EXPOSED}, Retry-After"),
        false => GRAPH_EXPOSED.to_string(),
    };
    reply.header("Access-Control-Expose-Headers", &exposed);
    st.graph_log.push(GraphRequest {
        filter: value(&params, "$filter").map(str::to_string),
        select: value(&params, "$select").map(str::to_string),
        raw_query: raw_query.to_string(),
        authorization: req.header("Authorization").map(str::to_string),
        consistency_level: req.header("ConsistencyLevel").map(str::to_string),
        answered: reply.status,
    });
    reply
}

/// `GET /v1.0/users`: the token, then a pending fault, then the query.
fn users(
    st: &mut State,
    req: &Incoming,
    path: &str,
    params: &[(String, String)],
) -> Result<Value, GraphError> {
    if req.method != "GET" {
        return Err(graph_error(
            405,
            "Request_BadRequest",
            "Specified HTTP method is not allowed for the request target.",
        ));
    }
    if path != "/v1.0/users" {
        let segment = path.rsplit('/').next().unwrap_or("");
        return Err(graph_error(
            400,
            "BadRequest",
            format!("Resource not found for the segment '{segment}'."),
        ));
    }
    let token = req
        .header("Authorization")
        .and_then(|a| {
            a.get(..7)
                .filter(|s| s.eq_ignore_ascii_case("bearer "))
                .map(|_| a[7..].trim())
        })
        .unwrap_or("");
    let invalid = |message: &str| Err(graph_error(401, "InvalidAuthenticationToken", message));
    match st.tokens.get(token) {
        _ if token.is_empty() => return invalid("Access token is empty."),
        Some(true) => {}
        Some(false) => return invalid("Lifetime validation failed, the token is expired."),
        None => return invalid("IDX14100: JWT is not well formed, there are no dots (.)."),
    }
    if let Some((status, n, retry_after)) = st.faults.graph_status.take() {
        if n > 0 {
            st.faults.graph_status = (n > 1).then_some((status, n - 1, retry_after));
            return Err(GraphError {
                retry_after,
                ..fault(status)
            });
        }
    }
    for name in ["$filter", "$select", "$count"] {
        if params.iter().filter(|(n, _)| n == name).count() > 1 {
            return Err(graph_error(400, "BadRequest", format!("Query option '{name}' was specified more than once, but it must be specified at most once.")));
        }
    }
    let select = value(params, "$select").map(parse_select).transpose()?;
    let count = match value(params, "$count") {
        None | Some("false") => false,
        Some("true") => true,
        Some(v) => {
            return Err(graph_error(
                400,
                "BadRequest",
                format!("'{v}' is not a valid value for $count."),
            ))
        }
    };
    // Without `ConsistencyLevel: eventual`, Graph ignores `$count=true` on /users.
    let advanced = count
        && req
            .header("ConsistencyLevel")
            .is_some_and(|v| v.eq_ignore_ascii_case("eventual"));
    let filter = value(params, "$filter").map(parse_filter).transpose()?;
    if filter
        .as_ref()
        .is_some_and(|f| f.field == Field::MobilePhone)
        && !advanced
    {
        return Err(unsupported("mobilePhone"));
    }
    let found: Vec<&EntraUser> = st
        .users
        .iter()
        .filter(|u| filter.as_ref().is_none_or(|f| f.matches(u)))
        .collect();
    let context = match &select {
        Some(names) => format!("{}/v1.0/$metadata#users({})", st.graph_url, names.join(",")),
        None => format!("{}/v1.0/$metadata#users", st.graph_url),
    };
    let names = select.unwrap_or_else(|| DEFAULT_PROPERTIES.split(',').collect());
    let mut body = Map::new();
    body.insert("@odata.context".into(), json!(context));
    if advanced {
        body.insert("@odata.count".into(), json!(found.len()));
    }
    let value = found.iter().map(|u| {
        names
            .iter()
            .map(|n| (n.to_string(), property(u, n)))
            .collect()
    });
    body.insert(
        "value".into(),
        Value::Array(value.map(Value::Object).collect()),
    );
    Ok(Value::Object(body))
}

/// The directory of the end-to-end suite and the demo: a SIP address that differs from
/// the mail, one found only through `proxyAddresses`, an apostrophe, two people sharing
/// a mobile phone.
pub fn demo_users() -> Vec<EntraUser> {
    let strings = |v: &[&str]| v.iter().map(|s| s.to_string()).collect::<Vec<_>>();
    let user = |id: &str, name: &str, mail: &str, upn: &str, employee: &str| EntraUser {
        id: id.into(),
        display_name: name.into(),
        mail: Some(mail.into()),
        user_principal_name: upn.into(),
        employee_id: Some(employee.into()),
        ..EntraUser::default()
    };
    vec![
        EntraUser {
            im_addresses: strings(&["jdoe@contoso.com"]),
            proxy_addresses: strings(&["SMTP:john.doe@contoso.com", "SIP:jdoe@contoso.com"]),
            mobile_phone: Some("+33611111111".into()),
            business_phones: strings(&["+33 1 23 45 67 89"]),
            on_premises_sam_account_name: Some("jdoe".into()),
            ..user(
                "1",
                "John Doe",
                "john.doe@contoso.com",
                "john.doe@contoso.com",
                "1001",
            )
        },
        EntraUser {
            proxy_addresses: strings(&[
                "SMTP:paul.martin@contoso.com",
                "SIP:pmartin@voice.contoso.com",
            ]),
            on_premises_sam_account_name: Some("pmartin".into()),
            ..user(
                "2",
                "Paul Martin",
                "paul.martin@contoso.com",
                "paul.martin@contoso.com",
                "1002",
            )
        },
        EntraUser {
            im_addresses: strings(&["sean.o'brien@contoso.com"]),
            proxy_addresses: strings(&[
                "SMTP:sean.o'brien@contoso.com",
                "SIP:sean.o'brien@contoso.com",
            ]),
            ..user(
                "3",
                "Sean O'Brien",
                "sean.o'brien@contoso.com",
                "sean.obrien@contoso.com",
                "1003",
            )
        },
        EntraUser {
            im_addresses: strings(&["anna.smith@contoso.com"]),
            proxy_addresses: strings(&["SMTP:anna.smith@contoso.com"]),
            mobile_phone: Some("+33140000000".into()),
            ..user(
                "4",
                "Anna Smith",
                "anna.smith@contoso.com",
                "anna.smith@contoso.com",
                "1004",
            )
        },
        EntraUser {
            im_addresses: strings(&["bruno.martin@contoso.com"]),
            proxy_addresses: strings(&["SMTP:bruno.martin@contoso.com"]),
            mobile_phone: Some("+33140000000".into()),
            ..user(
                "5",
                "Bruno Martin",
                "bruno.martin@contoso.com",
                "bruno.martin@contoso.com",
                "1005",
            )
        },
        EntraUser {
            im_addresses: strings(&["chloe@contoso.com"]),
            proxy_addresses: strings(&["SMTP:chloe.lefevre@contoso.com"]),
            ..user(
                "6",
                "Chloe Lefevre",
                "chloe.lefevre@contoso.com",
                "chloe.lefevre@contoso.com",
                "1006",
            )
        },
    ]
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::serve::testing::{request, Answer};

    const TENANT: &str = "contoso.onmicrosoft.com";
    const CLIENT: &str = "11111111-2222-3333-4444-555555555555";
    const REDIRECT: &str = "http://127.0.0.1:9/";
    const ORIGIN: &str = "http://127.0.0.1:9";
    // RFC 7636, appendix B.
    const VERIFIER: &str = "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk";
    const CHALLENGE: &str = "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM";

    fn start() -> Entra {
        Entra::start(TENANT, CLIENT, vec![REDIRECT.into()], demo_users()).unwrap()
    }

    fn port(url: &str) -> u16 {
        url.rsplit(':').next().unwrap().parse().unwrap()
    }

    fn encode(pairs: &[(&str, &str)]) -> String {
        form_urlencoded::Serializer::new(String::new())
            .extend_pairs(pairs)
            .finish()
    }

    fn authorize(e: &Entra, pairs: &[(&str, &str)]) -> Answer {
        let mut all = vec![
            ("client_id", CLIENT),
            ("response_type", "code"),
            ("redirect_uri", REDIRECT),
            ("response_mode", "query"),
            (
                "scope",
                "openid profile https://graph.microsoft.com/User.Read.All",
            ),
            ("state", "s"),
            ("code_challenge", CHALLENGE),
            ("code_challenge_method", "S256"),
        ];
        for (name, value) in pairs {
            all.retain(|(n, _)| n != name);
            if !value.is_empty() {
                all.push((name, value));
            }
        }
        let target = format!("/{TENANT}/oauth2/v2.0/authorize?{}", encode(&all));
        request(port(&e.authority()), "GET", &target, &[], "")
    }

    /// The query of the 302's Location, decoded.
    fn redirected(a: &Answer) -> Vec<(String, String)> {
        assert_eq!(a.status, 302, "{}", a.body);
        let location = a.header("Location").unwrap();
        let query = location.strip_prefix(&format!("{REDIRECT}?")).unwrap();
        decode_pairs(query.as_bytes())
    }

    fn code(e: &Entra) -> String {
        value(&redirected(&authorize(e, &[])), "code")
            .unwrap()
            .to_string()
    }

    fn redeem(e: &Entra, code: &str, pairs: &[(&str, &str)], origin: Option<&str>) -> Answer {
        let mut all = vec![
            ("client_id", CLIENT),
            ("grant_type", "authorization_code"),
            ("code", code),
            ("redirect_uri", REDIRECT),
            ("code_verifier", VERIFIER),
        ];
        for (name, value) in pairs {
            all.retain(|(n, _)| n != name);
            all.push((name, value));
        }
        let mut headers = vec![("Content-Type", "application/x-www-form-urlencoded")];
        headers.extend(origin.map(|o| ("Origin", o)));
        let target = format!("/{TENANT}/oauth2/v2.0/token");
        request(
            port(&e.authority()),
            "POST",
            &target,
            &headers,
            &encode(&all),
        )
    }

    fn sign_in(e: &Entra) -> String {
        let a = redeem(e, &code(e), &[], Some(ORIGIN));
        assert_eq!(a.status, 200, "{}", a.body);
        a.json()["access_token"].as_str().unwrap().to_string()
    }

    fn users(e: &Entra, query: &str, token: &str, eventual: bool) -> Answer {
        let bearer = format!("Bearer {token}");
        let mut headers = vec![("Authorization", bearer.as_str()), ("Origin", ORIGIN)];
        if eventual {
            headers.push(("ConsistencyLevel", "eventual"));
        }
        request(
            port(&e.graph_url()),
            "GET",
            &format!("/v1.0/users?{query}"),
            &headers,
            "",
        )
    }

    fn filter(e: &Entra, token: &str, filter: &str) -> Answer {
        users(
            e,
            &encode(&[("$filter", filter), ("$select", "id")]),
            token,
            false,
        )
    }

    fn ids(a: &Answer) -> Vec<String> {
        assert_eq!(a.status, 200, "{}", a.body);
        let value = a.json()["value"].as_array().unwrap().clone();
        value
            .iter()
            .map(|u| u["id"].as_str().unwrap().to_string())
            .collect()
    }

    fn description(a: &Answer) -> String {
        a.json()["error_description"].as_str().unwrap().to_string()
    }

    #[test]
    fn pkce_vector() {
        assert_eq!(pkce_challenge(VERIFIER), CHALLENGE);
    }

    #[test]
    fn filter_parser() {
        let ok = |text: &str, field, value: &str| {
            let f = parse_filter(text).unwrap_or_else(|e| panic!("{text}: {}", e.message));
            assert_eq!(
                f,
                Filter {
                    field,
                    value: value.into()
                },
                "{text}"
            );
        };
        ok(
            "imAddresses/any(i:i eq 'a@b.c')",
            Field::ImAddresses,
            "a@b.c",
        );
        ok(
            "proxyAddresses/any(p_1:p_1 eq 'SIP:a@b.c')",
            Field::ProxyAddresses,
            "SIP:a@b.c",
        );
        ok("mail eq 'o''brien@b.c'", Field::Mail, "o'brien@b.c");
        ok("userPrincipalName eq ''", Field::UserPrincipalName, "");
        ok("mobilePhone eq '+33 1'", Field::MobilePhone, "+33 1");
        ok(
            "mail eq 'x'' or mail eq ''john.doe@contoso.com'",
            Field::Mail,
            "x' or mail eq 'john.doe@contoso.com",
        );
        for bad in [
            "mail eq 'x' or mail eq 'john.doe@contoso.com'",
            "mail eq 'x') or (mail eq 'y'",
            "mail  eq 'x'",
            "mail eq 'x' ",
            "mail eq x",
            "mail eq 'x",
            "Mail eq 'x'",
            "displayName eq 'x'",
            "imAddresses/any(i:j eq 'x')",
            "imAddresses/any(i:ix eq 'x')",
            "imAddresses/any(1:1 eq 'x')",
            "imAddresses/any(:eq 'x')",
            "imAddresses/any(i:i eq 'x'",
            "imAddresses/any(i:i eq 'x') or mail eq 'y'",
            "imAddresses/any(i: i eq 'x')",
            "startswith(mail,'x')",
            "",
        ] {
            let e = parse_filter(bad)
                .err()
                .unwrap_or_else(|| panic!("{bad} parsed"));
            assert_eq!((e.status, e.code), (400, "BadRequest"), "{bad}");
        }
        let e = parse_filter("businessPhones/any(p:p eq '+33 1')")
            .err()
            .unwrap();
        assert_eq!(e.code, "Request_UnsupportedQuery");
    }

    #[test]
    fn round_trip() {
        let e = start();
        // A state with every kind of character comes back intact.
        let state = "a b&c=d+e/%é'\"<";
        let a = authorize(&e, &[("state", state), ("prompt", "none")]);
        let q = redirected(&a);
        assert_eq!(value(&q, "state"), Some(state));
        assert!(value(&q, "session_state").is_some());
        let code = value(&q, "code").unwrap().to_string();
        assert_eq!(e.authorize_requests()[0].query.len(), 9);

        let a = redeem(&e, &code, &[], Some(ORIGIN));
        assert_eq!(a.status, 200, "{}", a.body);
        assert_eq!(a.header("Access-Control-Allow-Origin"), Some(ORIGIN));
        assert_eq!(a.header("Vary"), Some("Origin"));
        let token = a.json();
        assert_eq!(token["token_type"], "Bearer");
        assert_eq!(token["scope"], SCOPE);
        assert_eq!(token["expires_in"], 3599);
        assert!(token.get("refresh_token").is_none());
        let access = token["access_token"].as_str().unwrap();

        // Single use.
        let again = redeem(&e, &code, &[], Some(ORIGIN));
        assert_eq!(again.status, 400);
        assert_eq!(again.json()["error"], "invalid_grant");
        assert_eq!(again.json()["error_codes"], json!([54005]));
        assert!(description(&again).starts_with("AADSTS54005: "));
        assert_eq!(again.header("Access-Control-Allow-Origin"), Some(ORIGIN));

        let a = users(
            &e,
            "$filter=imAddresses/any(i:i%20eq%20'JDOE@contoso.com')&$select=id,displayName",
            access,
            false,
        );
        assert_eq!(a.status, 200, "{}", a.body);
        assert!(a
            .header("Content-Type")
            .unwrap()
            .starts_with("application/json"));
        assert_eq!(
            a.json(),
            json!({"@odata.context": format!("{}/v1.0/$metadata#users(id,displayName)", e.graph_url()),
                   "value": [{"id": "1", "displayName": "John Doe"}]})
        );
        let logged = e.graph_requests();
        assert_eq!(
            logged[0].filter.as_deref(),
            Some("imAddresses/any(i:i eq 'JDOE@contoso.com')")
        );
        assert_eq!(logged[0].authorization, Some(format!("Bearer {access}")));
        assert_eq!(logged[0].answered, 200);
        assert_eq!(e.token_requests().len(), 2);
        e.reset_log();
        assert!(e.authorize_requests().is_empty() && e.graph_requests().is_empty());

        // offline_access brings a refresh token.
        let a = authorize(
            &e,
            &[(
                "scope",
                "https://graph.microsoft.com/User.Read.All offline_access",
            )],
        );
        let code = value(&redirected(&a), "code").unwrap().to_string();
        assert!(redeem(&e, &code, &[], Some(ORIGIN)).json()["refresh_token"].is_string());
    }

    #[test]
    fn token_refusals() {
        let e = start();
        let refused = |a: Answer, status: u16, aadsts: &str| {
            assert_eq!(a.status, status, "{}", a.body);
            assert!(
                description(&a).starts_with(&format!("AADSTS{aadsts}: ")),
                "{}",
                a.body
            );
        };
        let code = code(&e);
        // Often quoted as RFC 7636's verifier, but it is not: its challenge differs.
        let wrong = "dBjftJeZ4CVP-mJ0kDnM-jfGMUzY5hAvAc9ssl5nZOQ";
        refused(
            redeem(&e, &code, &[("code_verifier", wrong)], Some(ORIGIN)),
            400,
            "501481",
        );
        refused(
            redeem(
                &e,
                &code,
                &[("redirect_uri", "http://127.0.0.1:9/x")],
                Some(ORIGIN),
            ),
            400,
            "500112",
        );
        refused(redeem(&e, &code, &[], None), 400, "9002327");
        refused(
            redeem(&e, &code, &[("client_secret", "s")], Some(ORIGIN)),
            401,
            "700025",
        );
        refused(
            redeem(&e, &code, &[("client_id", "x")], Some(ORIGIN)),
            400,
            "700016",
        );
        refused(
            redeem(&e, &code, &[("grant_type", "refresh_token")], Some(ORIGIN)),
            400,
            "70003",
        );
        refused(redeem(&e, "nope", &[], Some(ORIGIN)), 400, "70008");
        // None of those spent the code.
        assert_eq!(redeem(&e, &code, &[], Some(ORIGIN)).status, 200);

        // A redirect URI registered as "Web": no CORS header at all.
        e.set_faults(Faults {
            token_not_spa: true,
            ..Faults::default()
        });
        let a = redeem(&e, &self::code(&e), &[], Some(ORIGIN));
        assert_eq!(a.header("Access-Control-Allow-Origin"), None);
        assert_eq!(a.json()["error"], "invalid_request");
        refused(a, 400, "9002326");
        assert_eq!(e.token_requests().last().unwrap().answered, 400);

        let a = request(
            port(&e.authority()),
            "OPTIONS",
            &format!("/{TENANT}/oauth2/v2.0/token"),
            &[
                ("Origin", ORIGIN),
                ("Access-Control-Request-Method", "POST"),
            ],
            "",
        );
        assert_eq!(a.status, 204);
        assert_eq!(a.header("Access-Control-Allow-Origin"), Some(ORIGIN));
        let a = request(
            port(&e.authority()),
            "POST",
            "/other.onmicrosoft.com/oauth2/v2.0/token",
            &[("Origin", ORIGIN)],
            "a=b",
        );
        refused(a, 400, "90002");
    }

    #[test]
    fn authorize_refusals() {
        let e = start();
        // No redirect when the redirect URI or the client is not trusted.
        for (pairs, aadsts) in [
            (
                vec![("redirect_uri", "http://127.0.0.1:9/other")],
                "AADSTS50011",
            ),
            (vec![("redirect_uri", "http://127.0.0.1:9")], "AADSTS50011"),
            (vec![("client_id", "nope")], "AADSTS700016"),
        ] {
            let a = authorize(&e, &pairs);
            assert_eq!((a.status, a.header("Location")), (400, None), "{pairs:?}");
            assert!(
                a.body.contains(aadsts)
                    && a.header("Content-Type").unwrap().starts_with("text/html")
            );
        }
        let a = request(
            port(&e.authority()),
            "GET",
            "/common/oauth2/v2.0/authorize?client_id=x",
            &[],
            "",
        );
        assert!(
            a.status == 400 && a.body.contains("AADSTS90002"),
            "{}",
            a.body
        );
        assert_eq!(e.authorize_requests().len(), 4);
        e.add_redirect_uri("http://127.0.0.1:9/other");
        assert_eq!(
            authorize(&e, &[("redirect_uri", "http://127.0.0.1:9/other")]).status,
            302
        );

        // Then errors go back to the page, with its state.
        for (pairs, error) in [
            (vec![("code_challenge", "")], "invalid_request"),
            (vec![("code_challenge_method", "plain")], "invalid_request"),
            (vec![("code_challenge_method", "")], "invalid_request"),
            (vec![("code_challenge", "short")], "invalid_request"),
            (
                vec![("response_type", "token")],
                "unsupported_response_type",
            ),
            (vec![("response_mode", "fragment")], "invalid_request"),
            (vec![("scope", "openid")], "invalid_scope"),
            (
                vec![(
                    "scope",
                    "https://graph.microsoft.com/User.Read.All Mail.Read",
                )],
                "invalid_scope",
            ),
        ] {
            let q = redirected(&authorize(&e, &pairs));
            assert_eq!(value(&q, "error"), Some(error), "{pairs:?}");
            assert_eq!(value(&q, "state"), Some("s"), "{pairs:?}");
            assert!(value(&q, "code").is_none());
        }
        let q = redirected(&authorize(&e, &[("state", "")]));
        assert_eq!(
            (value(&q, "error"), value(&q, "state")),
            (Some("invalid_request"), None)
        );

        let consent =
            "AADSTS65001: The user or administrator has not consented to use the application.";
        e.set_faults(Faults {
            authorize_error: Some(("consent_required".into(), consent.into())),
            ..Faults::default()
        });
        let a = authorize(&e, &[("state", "x&y")]);
        assert!(a
            .header("Location")
            .unwrap()
            .contains("error=consent_required&error_description=AADSTS65001%3A+The+user"));
        let q = redirected(&a);
        assert_eq!(value(&q, "error_description"), Some(consent));
        assert_eq!(value(&q, "state"), Some("x&y"));
    }

    #[test]
    fn graph_filters_and_select() {
        let e = start();
        let token = sign_in(&e);
        for (f, expected) in [
            ("imAddresses/any(i:i eq 'jdoe@contoso.com')", vec!["1"]),
            ("imAddresses/any(x:x eq 'sip:jdoe@contoso.com')", vec![]),
            (
                "imAddresses/any(i:i eq 'sean.o''brien@contoso.com')",
                vec!["3"],
            ),
            (
                "proxyAddresses/any(p:p eq 'sip:PMARTIN@voice.contoso.com')",
                vec!["2"],
            ),
            ("mail eq 'Paul.Martin@contoso.com'", vec!["2"]),
            ("mail eq 'sean.o''brien@contoso.com'", vec!["3"]),
            ("userPrincipalName eq 'sean.obrien@contoso.com'", vec!["3"]),
            ("mail eq 'x'' or mail eq ''john.doe@contoso.com'", vec![]),
        ] {
            assert_eq!(ids(&filter(&e, &token, f)), expected, "{f}");
        }
        for (f, code) in [
            (
                "mail eq 'x' or mail eq 'john.doe@contoso.com'",
                "BadRequest",
            ),
            (
                "businessPhones/any(p:p eq '+33 1 23 45 67 89')",
                "Request_UnsupportedQuery",
            ),
            ("mobilePhone eq '+33140000000'", "Request_UnsupportedQuery"),
        ] {
            let a = filter(&e, &token, f);
            assert_eq!(
                (a.status, a.json()["error"]["code"].as_str()),
                (400, Some(code)),
                "{f}"
            );
            assert!(a.json()["error"]["innerError"]["request-id"].is_string());
        }
        // mobilePhone is an advanced query: ConsistencyLevel and $count=true, both.
        let query = "$filter=mobilePhone%20eq%20'%2B33140000000'&$count=true&$select=id";
        assert_eq!(users(&e, query, &token, false).status, 400);
        let a = users(&e, query, &token, true);
        assert_eq!(ids(&a), ["4", "5"]);
        assert_eq!(a.json()["@odata.count"], 2);
        assert_eq!(
            e.graph_requests()
                .last()
                .unwrap()
                .consistency_level
                .as_deref(),
            Some("eventual")
        );
        // A raw `+` is a space to Graph: nobody.
        let raw = "%24filter=mobilePhone%20eq%20'+33140000000'&%24count=true&%24select=id";
        assert!(ids(&users(&e, raw, &token, true)).is_empty());
        // $count without ConsistencyLevel is ignored.
        assert!(users(&e, "$count=true&$select=id", &token, false)
            .json()
            .get("@odata.count")
            .is_none());

        let a = users(
            &e,
            "$filter=mail%20eq%20'john.doe@contoso.com'",
            &token,
            false,
        );
        let john = a.json()["value"][0].clone();
        assert_eq!(john["businessPhones"], json!(["+33 1 23 45 67 89"]));
        assert_eq!(john["mobilePhone"], "+33611111111");
        assert!(john.get("imAddresses").is_none() && john.get("employeeId").is_none());
        let select = "$select=id,imAddresses,proxyAddresses,onPremisesSamAccountName,employeeId&$filter=mail%20eq%20'john.doe@contoso.com'";
        let john = users(&e, select, &token, false).json()["value"][0].clone();
        assert_eq!(john.as_object().unwrap().len(), 5);
        assert_eq!(john["onPremisesSamAccountName"], "jdoe");
        let a = users(&e, "$select=id,manager", &token, false);
        assert_eq!(a.status, 400);
        assert_eq!(
            a.json()["error"]["message"],
            "Could not find a property named 'manager' on type 'microsoft.graph.user'."
        );
        assert_eq!(
            users(&e, "$select=id&$select=mail", &token, false).status,
            400
        );
    }

    #[test]
    fn graph_tokens_faults_and_cors() {
        let e = start();
        let token = sign_in(&e);
        let graph = port(&e.graph_url());
        let a = request(
            graph,
            "GET",
            "/v1.0/users?$select=id",
            &[("Origin", ORIGIN)],
            "",
        );
        assert_eq!(
            (a.status, a.json()["error"]["message"].as_str()),
            (401, Some("Access token is empty."))
        );
        assert_eq!(a.header("Access-Control-Allow-Origin"), Some(ORIGIN));
        assert_eq!(users(&e, "", "made-up", false).status, 401);
        assert_eq!(users(&e, "", &token, false).status, 200);
        e.expire_tokens();
        let a = users(&e, "", &token, false);
        assert_eq!(
            (a.status, a.json()["error"]["code"].as_str()),
            (401, Some("InvalidAuthenticationToken"))
        );
        assert!(a.body.contains("expired"));

        let token = sign_in(&e);
        e.set_faults(Faults {
            graph_status: Some((429, 2, Some(7))),
            ..Faults::default()
        });
        for _ in 0..2 {
            let a = users(&e, "$select=id", &token, false);
            assert_eq!((a.status, a.header("Retry-After")), (429, Some("7")));
            assert_eq!(a.json()["error"]["code"], "TooManyRequests");
            assert!(!a
                .header("Access-Control-Expose-Headers")
                .unwrap()
                .contains("Retry-After"));
        }
        assert_eq!(users(&e, "$select=id", &token, false).status, 200);
        e.set_faults(Faults {
            graph_status: Some((403, 1, None)),
            ..Faults::default()
        });
        let a = users(&e, "$select=id", &token, false);
        assert_eq!((a.status, a.header("Retry-After")), (403, None));
        assert_eq!(a.json()["error"]["code"], "Authorization_RequestDenied");
        e.set_graph_exposes_retry_after(true);
        let a = users(&e, "$select=id", &token, false);
        assert!(a
            .header("Access-Control-Expose-Headers")
            .unwrap()
            .ends_with(", Retry-After"));
        let statuses: Vec<u16> = e.graph_requests().iter().map(|r| r.answered).collect();
        assert_eq!(statuses, [401, 401, 200, 401, 429, 429, 200, 403, 200]);

        let a = request(
            graph,
            "OPTIONS",
            "/v1.0/users?$select=id",
            &[
                ("Origin", ORIGIN),
                (
                    "Access-Control-Request-Headers",
                    "authorization,consistencylevel",
                ),
            ],
            "",
        );
        assert_eq!(a.status, 204);
        assert_eq!(a.header("Access-Control-Allow-Origin"), Some(ORIGIN));
        assert_eq!(a.header("Access-Control-Allow-Methods"), Some("GET"));
        assert_eq!(
            a.header("Access-Control-Allow-Headers"),
            Some("authorization, consistencylevel, content-type")
        );
        assert_eq!(a.header("Access-Control-Max-Age"), Some("600"));
        assert_eq!(e.graph_requests().len(), 9);
        let a = request(graph, "GET", "/v1.0/users", &[], "");
        assert_eq!(a.header("Access-Control-Allow-Origin"), None);
    }
}
