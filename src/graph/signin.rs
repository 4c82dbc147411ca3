//! The sign-in: the authorization request, the answer the identity platform sends back
//! to the page, the token request and its answer, and what the page keeps between them.
//!
//! The flow, for one click:
//!
//! 1. No usable token in the cache ([`Token`]): the page stores a [`PendingSignIn`]
//!    (random `state`, the PKCE verifier, the page's original query) in the tab's
//!    session storage and goes to [`authorize_url`].
//! 2. The identity platform sends the browser back to the page (the redirect URI, the
//!    page's URL without query) with `?code=...&state=...` or `?error=...`. The page
//!    reads it with [`SignInReturn::parse`], takes the pending sign-in out of storage
//!    (so a replayed answer finds nothing), puts the original query back in the address
//!    bar, and checks it with [`SignInReturn::accept`]: no pending sign-in, another
//!    state, or an old one, and the code never reaches the token endpoint.
//! 3. [`token_request`] is `POST`ed; [`read_token`] reads the answer into a [`Token`],
//!    which the page caches in local storage until it expires, so that the next click,
//!    in a new tab, needs no sign-in.
//!
//! Nothing here holds a token longer than the page does, and no error message or
//! `Debug` output shows one.

use std::fmt;

use super::pkce::Pkce;
use super::GraphSettings;
use crate::contact::printable;
use crate::json::{Fields, Json};
use crate::weburl::Url;

/// How long a sign-in may take, from leaving the page to coming back, in seconds (the
/// identity platform's codes live about 10 minutes).
pub const SIGN_IN_LIFETIME: u64 = 600;
/// A cached token is not used in its last minute.
pub const TOKEN_MARGIN: u64 = 60;

/// The page's OAuth redirect URI: its own URL without query or fragment.
pub fn redirect_uri(page_url: &str) -> Option<Url> {
    Some(
        Url::parse(page_url)
            .ok()?
            .with_query(None)
            .with_fragment(None),
    )
}

/// The authorization request (`GET {authority}/{tenant}/oauth2/v2.0/authorize`).
/// `login_hint` is the technician's address when Lync gave one.
pub fn authorize_url(
    settings: &GraphSettings,
    redirect_uri: &Url,
    state: &str,
    pkce: &Pkce,
    login_hint: Option<&str>,
) -> Url {
    let (scope, challenge) = (settings.scope(), pkce.challenge());
    let pairs = [
        ("client_id", settings.client_id.as_str()),
        ("response_type", "code"),
        ("redirect_uri", redirect_uri.as_str()),
        ("response_mode", "query"),
        ("scope", &scope),
        ("state", state),
        ("code_challenge", &challenge),
        ("code_challenge_method", "S256"),
    ];
    let hint = login_hint.map(|hint| ("login_hint", hint));
    settings
        .endpoints
        .authorize
        .with_appended_query_pairs(pairs.into_iter().chain(hint))
}

/// The administrator consent URL for this app
/// (`{authority}/{tenant}/v2.0/adminconsent`), shown when consent is missing.
pub fn admin_consent_url(settings: &GraphSettings, redirect_uri: &Url) -> Url {
    settings.endpoints.admin_consent.with_appended_query_pairs([
        ("client_id", settings.client_id.as_str()),
        ("scope", &settings.scope()),
        ("redirect_uri", redirect_uri.as_str()),
    ])
}

/// The token request: where to `POST`, and the form-encoded body (a public client: no
/// secret).
pub fn token_request(
    settings: &GraphSettings,
    code: &str,
    redirect_uri: &Url,
    pkce: &Pkce,
) -> (Url, String) {
    let body = form_urlencoded::Serializer::new(String::new())
        .append_pair("client_id", &settings.client_id)
        .append_pair("scope", &settings.scope())
        .append_pair("grant_type", "authorization_code")
        .append_pair("code", code)
        .append_pair("redirect_uri", redirect_uri.as_str())
        .append_pair("code_verifier", pkce.verifier())
        .finish();
    (settings.endpoints.token.clone(), body)
}

/// What the page keeps in session storage while the technician signs in.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PendingSignIn {
    /// The `state` sent, to compare with the one that comes back.
    pub state: String,
    /// The PKCE verifier.
    pub pkce: Pkce,
    /// The page's query before the sign-in (`location.search`), restored byte for byte.
    pub query: String,
    /// When the sign-in started (Unix seconds).
    pub started: u64,
}

const PENDING_FORMAT: &str = "lync-quickcall-signin/1";

impl PendingSignIn {
    /// The text stored: one field a line (none can hold a line break: the state and
    /// verifier are base64url, the query is what `location.search` gave, which a
    /// browser always percent-encodes).
    pub fn encode(&self) -> String {
        format!(
            "{PENDING_FORMAT}\n{}\n{}\n{}\n{}",
            self.state,
            self.pkce.verifier(),
            self.started,
            self.query
        )
    }

    /// Reads what [`PendingSignIn::encode`] wrote; `None` for anything else.
    pub fn decode(text: &str) -> Option<PendingSignIn> {
        let mut lines = text.splitn(5, '\n');
        if lines.next()? != PENDING_FORMAT {
            return None;
        }
        let state = lines.next()?.to_string();
        let pkce = Pkce::from_verifier(lines.next()?)?;
        let started = lines.next()?.parse().ok()?;
        let query = lines.next()?.to_string();
        if state.is_empty() || query.contains(['\n', '\r']) {
            return None;
        }
        Some(PendingSignIn {
            state,
            pkce,
            query,
            started,
        })
    }
}

/// What the identity platform sent back to the page.
#[derive(Clone, PartialEq, Eq)]
pub enum SignInReturn {
    /// `?code=...&state=...`.
    Code {
        /// The authorization code.
        code: String,
        /// The state, as returned.
        state: String,
    },
    /// `?error=...&error_description=...&state=...`.
    Error {
        /// The OAuth error code (`consent_required`, `access_denied`...).
        error: String,
        /// Microsoft's description, starting with an `AADSTS` number.
        description: String,
        /// The state, as returned (absent on some errors).
        state: Option<String>,
    },
}

impl fmt::Debug for SignInReturn {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            SignInReturn::Code { .. } => f.write_str("SignInReturn::Code(..)"),
            SignInReturn::Error { error, .. } => write!(f, "SignInReturn::Error({error})"),
        }
    }
}

impl SignInReturn {
    /// Reads a sign-in answer from the page's query; `None` when the query is not one
    /// (it has no `state`, or neither `code` nor `error`).
    pub fn parse(search: &str) -> Option<SignInReturn> {
        let raw = search.strip_prefix('?').unwrap_or(search);
        // Every page load asks: answer the usual link (no `code` or `error` parameter)
        // without decoding it. A name without `%` or `+` decodes to itself.
        let may_be_answer = raw.split('&').any(|p| {
            let name = p.split('=').next().unwrap_or("");
            name.contains(['%', '+']) || name == "code" || name == "error"
        });
        if !may_be_answer {
            return None;
        }
        let (mut code, mut state, mut error, mut description) = (None, None, None, None);
        for (name, value) in form_urlencoded::parse(raw.as_bytes()) {
            let slot = match name.as_ref() {
                "code" => &mut code,
                "state" => &mut state,
                "error" => &mut error,
                "error_description" => &mut description,
                _ => continue,
            };
            // A repeated parameter is not an answer the identity platform sends.
            if slot.replace(value.into_owned()).is_some() {
                return Some(SignInReturn::Error {
                    error: "invalid_request".into(),
                    description: format!("the parameter '{name}' appears twice"),
                    state: None,
                });
            }
        }
        match (code, error) {
            (_, Some(error)) => Some(SignInReturn::Error {
                error,
                description: description.unwrap_or_default(),
                state,
            }),
            (Some(code), None) => state.map(|state| SignInReturn::Code { code, state }),
            (None, None) => None,
        }
    }

    /// Checks the answer against the sign-in this tab started (`pending`, already
    /// taken out of storage), at `now` (Unix seconds). Returns the code to redeem.
    pub fn accept(
        self,
        pending: Option<&PendingSignIn>,
        now: u64,
        settings: &GraphSettings,
        redirect_uri: &Url,
    ) -> Result<String, SignInError> {
        let Some(pending) = pending else {
            return Err(SignInError::NotStartedHere);
        };
        let state = match &self {
            SignInReturn::Code { state, .. } => Some(state),
            SignInReturn::Error { state, .. } => state.as_ref(),
        };
        if state != Some(&pending.state) {
            return Err(SignInError::NotStartedHere);
        }
        if now > pending.started.saturating_add(SIGN_IN_LIFETIME) {
            return Err(SignInError::TooSlow);
        }
        match self {
            SignInReturn::Code { code, .. } => Ok(code),
            SignInReturn::Error {
                error, description, ..
            } => Err(SignInError::from_oauth(
                &error,
                &description,
                settings,
                redirect_uri,
            )),
        }
    }
}

/// An access token for Graph, and when it expires.
#[derive(Clone, PartialEq, Eq)]
pub struct Token {
    access_token: String,
    /// Unix seconds.
    pub expires_at: u64,
}

impl fmt::Debug for Token {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Token(expires at {})", self.expires_at)
    }
}

const TOKEN_FORMAT: &str = "lync-quickcall-token/1";

impl Token {
    /// The `Authorization` header's value.
    pub fn bearer(&self) -> String {
        format!("Bearer {}", self.access_token)
    }

    /// Whether the token may still be used at `now` (not in its last minute).
    pub fn usable(&self, now: u64) -> bool {
        now.saturating_add(TOKEN_MARGIN) < self.expires_at
    }

    /// The text cached in local storage.
    pub fn encode(&self) -> String {
        format!("{TOKEN_FORMAT}\n{}\n{}", self.expires_at, self.access_token)
    }

    /// Reads what [`Token::encode`] wrote; `None` for anything else.
    pub fn decode(text: &str) -> Option<Token> {
        let mut lines = text.splitn(3, '\n');
        if lines.next()? != TOKEN_FORMAT {
            return None;
        }
        let expires_at = lines.next()?.parse().ok()?;
        let access_token = lines.next()?.to_string();
        is_token(&access_token).then_some(Token {
            access_token,
            expires_at,
        })
    }
}

/// A token is sent in a header: printable ASCII without spaces.
fn is_token(s: &str) -> bool {
    !s.is_empty() && s.len() <= 16 * 1024 && s.bytes().all(|b| b.is_ascii_graphic())
}

/// Reads the token endpoint's answer (`status`, `body`) at `now` (Unix seconds).
pub fn read_token(
    status: u16,
    body: &str,
    now: u64,
    settings: &GraphSettings,
    redirect_uri: &Url,
) -> Result<Token, SignInError> {
    let bad = |e: String| SignInError::BadAnswer {
        detail: crate::tr!("signin-not-json", status = status, error = e),
    };
    let json = crate::json::parse(body).map_err(bad)?;
    let f = Fields::of(&json, "").map_err(|e| bad(e.to_string()))?;
    let text = |name: &str| f.str(name).map_err(|e| bad(e.to_string()));
    if let Some(error) = text("error")? {
        return Err(SignInError::from_oauth(
            error,
            text("error_description")?.unwrap_or(""),
            settings,
            redirect_uri,
        ));
    }
    if !(200..300).contains(&status) {
        return Err(SignInError::BadAnswer {
            detail: crate::tr!("signin-no-error-code", status = status),
        });
    }
    let access_token = text("access_token")?
        .filter(|t| is_token(t))
        .ok_or_else(|| SignInError::BadAnswer {
            detail: crate::tr!("signin-no-token"),
        })?
        .to_string();
    if !text("token_type")?.is_some_and(|t| t.eq_ignore_ascii_case("bearer")) {
        return Err(SignInError::BadAnswer {
            detail: crate::tr!("signin-not-bearer"),
        });
    }
    // Microsoft documents expires_in in seconds; an absent or absurd value is read as
    // a short lifetime rather than trusted.
    let lifetime = match f.get("expires_in") {
        Some(Json::Number(s)) if s.is_finite() && *s > 0.0 => s.min(86_400.0) as u64,
        _ => 300,
    };
    Ok(Token {
        access_token,
        expires_at: now.saturating_add(lifetime),
    })
}

/// Why the technician could not be signed in.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum SignInError {
    /// The answer does not belong to a sign-in this tab started (no pending sign-in,
    /// another `state`, or an answer already used): a forged or replayed link.
    NotStartedHere,
    /// The sign-in took longer than [`SIGN_IN_LIFETIME`].
    TooSlow,
    /// Nobody consented to the app's permission (`AADSTS65001`, `consent_required`).
    ConsentRequired {
        /// Where an administrator grants it.
        admin_consent_url: String,
    },
    /// The technician cancelled, or declined (`access_denied`).
    Cancelled,
    /// The token request was blocked by the browser: the usual cause is a redirect URI
    /// registered as "Web" rather than "Single-page application" (`AADSTS9002326`).
    NotSinglePageApp {
        /// The redirect URI to register.
        redirect_uri: String,
        /// The identity platform's origin (for `connect-src`).
        authority: String,
        /// Microsoft's description, when the browser let the page read it.
        description: Option<String>,
    },
    /// Another error from the identity platform.
    Refused {
        /// The OAuth error code.
        error: String,
        /// Microsoft's description.
        description: String,
    },
    /// The token endpoint's answer could not be read.
    BadAnswer {
        /// What was wrong.
        detail: String,
    },
}

/// The first line of a description, made printable and short.
fn first_line(description: &str) -> String {
    let line = description.lines().next().unwrap_or("").trim();
    let mut short: String = line.chars().take(300).collect();
    if short.len() < line.len() {
        short.push('…');
    }
    printable(&short)
}

impl SignInError {
    fn from_oauth(
        error: &str,
        description: &str,
        settings: &GraphSettings,
        redirect_uri: &Url,
    ) -> SignInError {
        let has = |code: &str| description.contains(code);
        if error == "consent_required" || has("AADSTS65001") {
            SignInError::ConsentRequired {
                admin_consent_url: admin_consent_url(settings, redirect_uri).to_string(),
            }
        } else if has("AADSTS9002326") {
            SignInError::NotSinglePageApp {
                redirect_uri: redirect_uri.to_string(),
                authority: settings.authority.origin().ascii_serialization(),
                description: Some(first_line(description)),
            }
        } else if error == "access_denied" {
            SignInError::Cancelled
        } else {
            SignInError::Refused {
                error: printable(error),
                description: first_line(description),
            }
        }
    }
}

impl fmt::Display for SignInError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let text = match self {
            SignInError::NotStartedHere => crate::tr!("signin-not-started-here"),
            SignInError::TooSlow => crate::tr!("signin-too-slow", minutes = SIGN_IN_LIFETIME / 60),
            SignInError::ConsentRequired { admin_consent_url } => {
                crate::tr!("signin-consent", url = admin_consent_url)
            }
            SignInError::Cancelled => crate::tr!("signin-cancelled"),
            SignInError::NotSinglePageApp {
                redirect_uri,
                authority,
                description,
            } => {
                let text = crate::tr!("signin-not-spa", authority = authority, uri = redirect_uri);
                match description {
                    Some(d) if !d.is_empty() => {
                        format!(
                            "{text} {}",
                            crate::tr!("signin-platform-said", description = d)
                        )
                    }
                    _ => text,
                }
            }
            SignInError::Refused { error, description } => {
                crate::tr!("signin-refused", error = error, description = description)
            }
            SignInError::BadAnswer { detail } => crate::tr!("signin-unreadable", detail = detail),
        };
        f.write_str(&text)
    }
}

impl std::error::Error for SignInError {}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::graph::tests::{settings, CLIENT};
    #[cfg(all(target_arch = "wasm32", target_os = "unknown"))]
    use wasm_bindgen_test::wasm_bindgen_test as test;

    fn page() -> Url {
        redirect_uri("https://intranet.contoso.com/quickcall/index.html?contactId=sip:a@b.c#x")
            .unwrap()
    }

    fn pkce() -> Pkce {
        Pkce::from_random([7; 32])
    }

    fn pending(query: &str) -> PendingSignIn {
        PendingSignIn {
            state: "s-1".into(),
            pkce: pkce(),
            query: query.into(),
            started: 1000,
        }
    }

    #[test]
    fn the_redirect_uri_is_the_page_without_query() {
        assert_eq!(
            page().as_str(),
            "https://intranet.contoso.com/quickcall/index.html"
        );
        assert_eq!(
            redirect_uri("https://intranet/quickcall/?contactId=x")
                .unwrap()
                .as_str(),
            "https://intranet/quickcall/"
        );
    }

    #[test]
    fn authorize_url_is_as_documented() {
        let u = authorize_url(
            &settings(),
            &page(),
            "st&ate=1",
            &pkce(),
            Some("tech@contoso.com"),
        );
        assert_eq!(
            u.origin().ascii_serialization(),
            "https://login.microsoftonline.com"
        );
        assert_eq!(u.path(), "/contoso.onmicrosoft.com/oauth2/v2.0/authorize");
        let pairs: Vec<(String, String)> = u.query_pairs().into_owned().collect();
        let want = [
            ("client_id", CLIENT),
            ("response_type", "code"),
            (
                "redirect_uri",
                "https://intranet.contoso.com/quickcall/index.html",
            ),
            ("response_mode", "query"),
            ("scope", "https://graph.microsoft.com/User.Read.All"),
            ("state", "st&ate=1"),
            ("code_challenge", &pkce().challenge()),
            ("code_challenge_method", "S256"),
            ("login_hint", "tech@contoso.com"),
        ];
        let want: Vec<(String, String)> = want
            .iter()
            .map(|(a, b)| (a.to_string(), b.to_string()))
            .collect();
        assert_eq!(pairs, want);
        // The verifier itself never leaves in the authorization request.
        assert!(!u.as_str().contains(pkce().verifier()));
        let no_hint = authorize_url(&settings(), &page(), "s", &pkce(), None);
        assert!(!no_hint.as_str().contains("login_hint"));
    }

    #[test]
    fn token_request_is_a_public_client_form() {
        let (url, body) = token_request(&settings(), "c+o/d=e", &page(), &pkce());
        assert_eq!(
            url.as_str(),
            "https://login.microsoftonline.com/contoso.onmicrosoft.com/oauth2/v2.0/token"
        );
        let pairs: Vec<(String, String)> = form_urlencoded::parse(body.as_bytes())
            .into_owned()
            .collect();
        let get = |k: &str| pairs.iter().find(|(n, _)| n == k).map(|(_, v)| v.as_str());
        assert_eq!(get("grant_type"), Some("authorization_code"));
        assert_eq!(get("code"), Some("c+o/d=e"));
        assert_eq!(get("code_verifier"), Some(pkce().verifier()));
        assert_eq!(get("redirect_uri"), Some(page().as_str()));
        assert_eq!(get("client_id"), Some(CLIENT));
        assert_eq!(get("client_secret"), None);
    }

    #[test]
    fn pending_sign_in_round_trips_the_query_byte_for_byte() {
        for query in [
            "?contactId=Contacts=<sip:a@x.com>,<tel:+33123456789>",
            "?userId=sip:t@x.com;contactId=sip:john+it@x.com&dryrun=1&profile=p",
            "?contactId=Contacts%3D%3Csip%3Aa%40x.com%3E",
            "",
        ] {
            let p = pending(query);
            assert_eq!(PendingSignIn::decode(&p.encode()), Some(p));
        }
        for bad in ["", "x", "lync-quickcall-signin/1\ns\nshort\n1\n?q"] {
            assert_eq!(PendingSignIn::decode(bad), None, "{bad:?}");
        }
        // The verifier does not show in Debug output.
        assert!(!format!("{:?}", pending("")).contains(pkce().verifier()));
    }

    #[test]
    fn returns_are_read() {
        assert_eq!(SignInReturn::parse("?contactId=sip:a@b.c"), None);
        assert_eq!(SignInReturn::parse("?code=abc"), None);
        // Names are decoded before they are compared, as the identity platform's are.
        assert!(matches!(
            SignInReturn::parse("?c%6Fde=a&state=s"),
            Some(SignInReturn::Code { .. })
        ));
        assert!(matches!(
            SignInReturn::parse("?contactId=sip:a@b.c&error=access_denied"),
            Some(SignInReturn::Error { .. })
        ));
        assert_eq!(
            SignInReturn::parse("?contactId=Contacts=%3Csip:a@b.c%3E&state=s"),
            None
        );
        assert_eq!(
            SignInReturn::parse("?code=a%2Bb&state=s-1&session_state=z"),
            Some(SignInReturn::Code {
                code: "a+b".into(),
                state: "s-1".into()
            })
        );
        assert_eq!(
            SignInReturn::parse(
                "?error=access_denied&error_description=AADSTS65004%3A+User+declined&state=s-1"
            ),
            Some(SignInReturn::Error {
                error: "access_denied".into(),
                description: "AADSTS65004: User declined".into(),
                state: Some("s-1".into())
            })
        );
        assert!(matches!(
            SignInReturn::parse("?code=a&code=b&state=s"),
            Some(SignInReturn::Error { .. })
        ));
        assert_eq!(
            format!("{:?}", SignInReturn::parse("?code=secret&state=s").unwrap()),
            "SignInReturn::Code(..)"
        );
    }

    #[test]
    fn only_the_pending_state_is_accepted() {
        let s = settings();
        let code = |state: &str| SignInReturn::Code {
            code: "c".into(),
            state: state.into(),
        };
        let p = pending("?contactId=x");
        assert_eq!(
            code("s-1").accept(Some(&p), 1010, &s, &page()),
            Ok("c".into())
        );
        // Forged: another state; replayed: no pending sign-in any more.
        assert_eq!(
            code("s-2").accept(Some(&p), 1010, &s, &page()),
            Err(SignInError::NotStartedHere)
        );
        assert_eq!(
            code("s-1").accept(None, 1010, &s, &page()),
            Err(SignInError::NotStartedHere)
        );
        assert_eq!(
            code("s-1").accept(Some(&p), 1000 + SIGN_IN_LIFETIME + 1, &s, &page()),
            Err(SignInError::TooSlow)
        );
        // An error answer must carry the state too.
        let err = SignInReturn::Error {
            error: "consent_required".into(),
            description: "AADSTS65001: The user or administrator has not consented".into(),
            state: None,
        };
        assert_eq!(
            err.accept(Some(&p), 1010, &s, &page()),
            Err(SignInError::NotStartedHere)
        );
    }

    #[test]
    fn oauth_errors_become_advice() {
        let s = settings();
        let e = |error: &str, d: &str| SignInError::from_oauth(error, d, &s, &page());
        let consent = e(
            "consent_required",
            "AADSTS65001: The user or administrator has not consented",
        );
        let text = consent.to_string();
        assert!(
            text.contains("an administrator must grant consent"),
            "{text}"
        );
        assert!(
            text.contains("https://login.microsoftonline.com/contoso.onmicrosoft.com/v2.0/adminconsent?client_id=11111111-2222-3333-4444-555555555555"),
            "{text}"
        );
        assert!(matches!(
            e("invalid_client", "AADSTS65001: x"),
            SignInError::ConsentRequired { .. }
        ));
        assert_eq!(
            e("access_denied", "AADSTS65004: User declined"),
            SignInError::Cancelled
        );
        let spa = e("invalid_request", "AADSTS9002326: Cross-origin token redemption is permitted only for the 'Single-Page Application' client-type.\r\nTrace ID: 1");
        let text = spa.to_string();
        assert!(text.contains("\"Single-page application\""), "{text}");
        assert!(!text.contains("Trace ID"), "{text}");
        let other = e(
            "invalid_grant",
            "AADSTS70008: The provided authorization code has expired.",
        );
        assert!(other.to_string().contains("AADSTS70008"), "{other}");
    }

    #[test]
    fn token_answers() {
        let s = settings();
        let ok = read_token(
            200,
            r#"{"token_type":"Bearer","scope":"https://graph.microsoft.com/User.Read.All","expires_in":3599,"ext_expires_in":3599,"access_token":"eyJ0.abc-_"}"#,
            1000,
            &s,
            &page(),
        )
        .unwrap();
        assert_eq!(ok.expires_at, 4599);
        assert_eq!(ok.bearer(), "Bearer eyJ0.abc-_");
        assert!(ok.usable(4599 - TOKEN_MARGIN - 1));
        assert!(!ok.usable(4599 - TOKEN_MARGIN));
        assert_eq!(Token::decode(&ok.encode()), Some(ok.clone()));
        assert!(!format!("{ok:?}").contains("eyJ0"));
        let refused = read_token(
            400,
            r#"{"error":"invalid_grant","error_description":"AADSTS54005: OAuth2 Authorization code was already redeemed."}"#,
            1000,
            &s,
            &page(),
        );
        assert!(
            matches!(refused, Err(SignInError::Refused { .. })),
            "{refused:?}"
        );
        for bad in [
            "<html>",
            "{}",
            r#"{"token_type":"Bearer","access_token":"a b"}"#,
            r#"{"token_type":"pop","access_token":"ab"}"#,
        ] {
            assert!(
                matches!(
                    read_token(200, bad, 0, &s, &page()),
                    Err(SignInError::BadAnswer { .. })
                ),
                "{bad}"
            );
        }
        for bad in [
            "",
            "lync-quickcall-token/1\nx\nabc",
            "lync-quickcall-token/1\n5\n",
        ] {
            assert_eq!(Token::decode(bad), None, "{bad:?}");
        }
    }

    #[test]
    fn advice_in_french_keeps_the_urls() {
        assert!(crate::i18n::set_language("fr"));
        let s = settings();
        let consent = SignInError::from_oauth("consent_required", "", &s, &page()).to_string();
        assert!(
            consent.starts_with("un administrateur doit donner son consentement"),
            "{consent}"
        );
        assert!(
            consent.contains(" https://login.microsoftonline.com/contoso.onmicrosoft.com/v2.0/adminconsent?client_id=11111111-2222-3333-4444-555555555555&"),
            "{consent}"
        );
        let spa =
            SignInError::from_oauth("invalid_request", "AADSTS9002326: x", &s, &page()).to_string();
        assert!(
            spa.contains("https://intranet.contoso.com/quickcall/index.html doit être enregistrée"),
            "{spa}"
        );
        assert!(
            spa.contains("https://login.microsoftonline.com doit figurer"),
            "{spa}"
        );
        assert!(
            spa.ends_with("(réponse de la plateforme d’identités\u{a0}: AADSTS9002326: x)"),
            "{spa}"
        );
        let slow = SignInError::TooSlow.to_string();
        assert!(slow.contains("plus de 10 minutes"), "{slow}");
        crate::i18n::set_language("en");
    }
}
