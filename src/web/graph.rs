//! `"source": "graph"`: the sign-in's redirects, storage and token request, and the
//! lookups in Microsoft Graph, all decided by [`crate::graph`].

use web_sys::{RequestCache, RequestCredentials};

use super::fetch::{self, Request};
use super::storage;
use crate::contact::Contact;
use crate::directory::{Answers, Person};
use crate::graph::pkce::{new_state, Pkce};
use crate::graph::signin::{
    authorize_url, read_token, token_request, PendingSignIn, SignInError, SignInReturn, Token,
};
use crate::graph::users::{pick, read_users, retry_wait_ms, GraphError, UserQuery};
use crate::graph::GraphSettings;
use crate::weburl::Url;

/// The session storage key of the pending sign-in.
const PENDING_KEY: &str = "lync-quickcall.sign-in";
/// How long one Graph or token request may take, in milliseconds.
const TIMEOUT_MS: u32 = 10_000;

/// The local storage key of the token cache: one token per identity platform, tenant
/// and app.
fn token_key(s: &GraphSettings) -> String {
    format!(
        "lync-quickcall.token {} {} {}",
        s.authority, s.tenant, s.client_id
    )
}

/// A sign-in answer in the address bar, with the sign-in this tab started (taken out
/// of storage: it can be used once).
pub struct Returned {
    answer: SignInReturn,
    pending: Option<PendingSignIn>,
}

impl Returned {
    /// The page's query to work on: the one from before the sign-in.
    pub fn query(&self) -> &str {
        self.pending.as_ref().map_or("", |p| p.query.as_str())
    }
}

/// When the page's query is a sign-in answer: takes the pending sign-in out of
/// storage and puts the original query back in the address bar and history, before
/// anything else runs.
pub fn take_return(search: &str) -> Result<Option<Returned>, String> {
    let Some(answer) = SignInReturn::parse(search) else {
        return Ok(None);
    };
    let pending = storage::take_session(PENDING_KEY).and_then(|t| PendingSignIn::decode(&t));
    let returned = Returned { answer, pending };
    storage::replace_query(returned.query())?;
    Ok(Some(returned))
}

/// A sign-in answer, checked: the code to redeem with its verifier.
pub struct Accepted {
    code: String,
    pkce: Pkce,
}

/// Checks a sign-in answer against the pending sign-in, at `now`.
pub fn accept(
    returned: Returned,
    settings: &GraphSettings,
    page_url: &str,
    now: u64,
) -> Result<Accepted, SignInError> {
    let redirect = redirect(page_url)?;
    let Returned { answer, pending } = returned;
    let code = answer.accept(pending.as_ref(), now, settings, &redirect)?;
    match pending {
        Some(p) => Ok(Accepted { code, pkce: p.pkce }),
        None => Err(SignInError::NotStartedHere),
    }
}

fn redirect(page_url: &str) -> Result<Url, SignInError> {
    crate::graph::signin::redirect_uri(page_url).ok_or_else(|| SignInError::BadAnswer {
        detail: crate::tr!("signin-bad-page-url", url = page_url),
    })
}

/// What the Graph source did.
pub enum Outcome {
    /// The contacts were looked up.
    Answers(Answers),
    /// The browser is on its way to the identity platform.
    SigningIn,
}

/// Why the Graph source failed.
pub enum Failure {
    /// The sign-in failed.
    SignIn(SignInError),
    /// A lookup failed.
    Graph(GraphError),
    /// The browser could not do its part (storage, randomness).
    Browser(String),
}

impl From<SignInError> for Failure {
    fn from(e: SignInError) -> Self {
        Failure::SignIn(e)
    }
}

impl From<GraphError> for Failure {
    fn from(e: GraphError) -> Self {
        Failure::Graph(e)
    }
}

impl std::fmt::Display for Failure {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Failure::SignIn(e) => e.fmt(f),
            Failure::Graph(e) => e.fmt(f),
            Failure::Browser(e) => f.write_str(e),
        }
    }
}

/// Leaves for the identity platform, remembering `query` (the page's query, restored
/// on return).
fn sign_in(
    settings: &GraphSettings,
    page_url: &str,
    query: &str,
    login_hint: Option<&str>,
    now: u64,
) -> Result<Outcome, Failure> {
    let redirect = redirect(page_url)?;
    let pkce = Pkce::from_random(storage::random32().map_err(Failure::Browser)?);
    let state = new_state(storage::random32().map_err(Failure::Browser)?);
    let url = authorize_url(settings, &redirect, &state, &pkce, login_hint);
    let pending = PendingSignIn {
        state,
        pkce,
        query: query.to_string(),
        started: now,
    };
    storage::set_session(PENDING_KEY, &pending.encode()).map_err(Failure::Browser)?;
    // On the way out: words only if the catalogue is at hand, no fetch for them.
    if crate::i18n::is_loaded(crate::i18n::language()) {
        super::dom::show_working(&crate::tr!("working-signing-in"));
    }
    let location = web_sys::window()
        .ok_or_else(|| Failure::Browser("no window".into()))?
        .location();
    location
        .replace(url.as_str())
        .map_err(|e| Failure::Browser(super::describe(&e)))?;
    Ok(Outcome::SigningIn)
}

/// Redeems the code at the token endpoint.
async fn redeem(
    settings: &GraphSettings,
    page_url: &str,
    accepted: Accepted,
    now: u64,
) -> Result<Token, SignInError> {
    let redirect = redirect(page_url)?;
    let (url, body) = token_request(settings, &accepted.code, &redirect, &accepted.pkce);
    let request = Request {
        url: url.as_str(),
        method: "POST",
        headers: &[("Content-Type", "application/x-www-form-urlencoded")],
        body: Some(&body),
        credentials: RequestCredentials::Omit,
        cache: RequestCache::NoStore,
        timeout_ms: TIMEOUT_MS,
    };
    match fetch::send(&request).await {
        Ok((status, _, text)) => read_token(status, &text, now, settings, &redirect),
        // A redirect URI registered as "Web" makes the token endpoint answer without
        // CORS headers: the browser reports a network error and hides the answer.
        Err(_) => Err(SignInError::NotSinglePageApp {
            redirect_uri: redirect.to_string(),
            authority: settings.authority.origin().ascii_serialization(),
            description: None,
        }),
    }
}

/// Why one lookup did not give people.
enum LookupError {
    /// HTTP 401: the token is no longer accepted.
    Unauthorized(String),
    Graph(GraphError),
}

/// Sends one lookup (the token goes in a header only, never in a URL).
fn start_lookup(query: &UserQuery, bearer: &str) -> Result<fetch::Started, String> {
    let mut headers = vec![("Authorization", bearer)];
    if query.advanced {
        headers.push(("ConsistencyLevel", "eventual"));
    }
    fetch::start(&Request {
        headers: &headers,
        cache: RequestCache::NoStore,
        credentials: RequestCredentials::Omit,
        timeout_ms: TIMEOUT_MS,
        ..Request::get(query.url.as_str())
    })
}

/// Reads one lookup's answer, sending it again while Graph asks for patience, within
/// the bounds of [`retry_wait_ms`].
async fn finish(
    settings: &GraphSettings,
    bearer: &str,
    query: &UserQuery,
    first: fetch::Started,
) -> Result<Vec<Person>, LookupError> {
    let network = |detail: String| {
        LookupError::Graph(GraphError::Network {
            origin: settings.graph_url.origin().ascii_serialization(),
            detail,
        })
    };
    let mut started = first;
    let mut attempt = 1;
    let (status, body) = loop {
        let (answer, timer) = started.answer().await.map_err(network)?;
        let (status, retry_after, body) = answer.text(timer).await.map_err(network)?;
        match retry_wait_ms(status, retry_after.as_deref(), attempt) {
            Some(wait) => {
                fetch::sleep(wait).await;
                attempt += 1;
                started = start_lookup(query, bearer).map_err(network)?;
            }
            None => break (status, body),
        }
    };
    match status {
        200..=299 => read_users(settings, query, &body).map_err(LookupError::Graph),
        401 => Err(LookupError::Unauthorized(body)),
        _ => Err(LookupError::Graph(GraphError::from_status(status, &body))),
    }
}

/// Looks every contact up, all requests in parallel.
async fn lookups(
    settings: &GraphSettings,
    token: &Token,
    contacts: &[Contact],
) -> Result<Answers, LookupError> {
    let bearer = token.bearer();
    let mut started = Vec::new();
    for contact in contacts {
        for query in settings.queries(contact) {
            let first = start_lookup(&query, &bearer).map_err(|detail| {
                LookupError::Graph(GraphError::Network {
                    origin: settings.graph_url.origin().ascii_serialization(),
                    detail,
                })
            })?;
            started.push((query, first));
        }
    }
    let mut found: Vec<(Contact, Vec<Person>)> = Vec::new();
    for (query, first) in started {
        let people = finish(settings, &bearer, &query, first).await?;
        found.push((query.contact, people));
    }
    let mut answers = Answers::default();
    for contact in contacts {
        let mine = found
            .iter()
            .filter(|(c, _)| c == contact)
            .map(|(_, p)| p.clone());
        answers.insert(contact.clone(), pick(mine));
    }
    Ok(answers)
}

/// Resolves `contacts` through Graph: with the cached token, or the one a sign-in
/// answer (`accepted`) redeems, or by leaving to sign in.
pub async fn directory(
    settings: &GraphSettings,
    page_url: &str,
    query: &str,
    login_hint: Option<&str>,
    contacts: &[Contact],
    accepted: Option<Accepted>,
    now: u64,
) -> Result<Outcome, Failure> {
    // Nothing Graph can look up (local phone numbers only): no sign-in for nothing.
    if accepted.is_none() && contacts.iter().all(|c| settings.queries(c).is_empty()) {
        return Ok(Outcome::Answers(Answers::default()));
    }
    let key = token_key(settings);
    let (token, fresh) = match accepted {
        Some(a) => {
            let token = redeem(settings, page_url, a, now).await?;
            storage::set_local(&key, &token.encode());
            (token, true)
        }
        None => match storage::get_local(&key)
            .and_then(|t| Token::decode(&t))
            .filter(|t| t.usable(now))
        {
            Some(token) => (token, false),
            None => return sign_in(settings, page_url, query, login_hint, now),
        },
    };
    match lookups(settings, &token, contacts).await {
        Ok(answers) => Ok(Outcome::Answers(answers)),
        // A cached token Graph no longer takes (revoked, or expired early): one new
        // sign-in. A fresh token refused is an error, never another sign-in.
        Err(LookupError::Unauthorized(_)) if !fresh => {
            storage::remove_local(&key);
            sign_in(settings, page_url, query, login_hint, now)
        }
        Err(LookupError::Unauthorized(body)) => {
            storage::remove_local(&key);
            Err(GraphError::from_status(401, &body).into())
        }
        Err(LookupError::Graph(e)) => Err(e.into()),
    }
}
