//! The HTTP client of `lync-quickcall check`: `GET` with time-outs and bounded bodies,
//! HTTPS trusting the operating system's certificate store, and failures explained in
//! words an administrator can act on, naming the URL.
//!
//! ureq 2 with its `native-certs` feature builds its default rustls configuration from
//! the operating system's trusted roots (`rustls-native-certs`: the Windows certificate
//! store, the macOS keychain, the Linux CA bundle), instead of a copy of Mozilla's list:
//! an intranet site signed by a company CA is trusted exactly when this machine trusts
//! it, as a browser on it would.

use std::io::Read as _;
use std::time::Duration;

use url::Url;

/// The longest a connection may take to open.
pub const CONNECT_TIMEOUT: Duration = Duration::from_secs(10);
/// The longest a whole request may take, body included.
pub const TIMEOUT: Duration = Duration::from_secs(10);

/// An answer, whatever its status.
#[derive(Clone, Debug)]
pub struct Answer {
    /// The URL that answered, after redirects.
    pub url: String,
    /// The HTTP status.
    pub status: u16,
    /// Its reason phrase, as the server sent it.
    pub status_text: String,
    /// The header fields, names lowercased, in order.
    headers: Vec<(String, String)>,
    /// The body (at most the limit asked for).
    pub body: Vec<u8>,
}

impl Answer {
    /// Builds an answer (for tests).
    #[cfg(test)]
    pub fn new(url: &str, status: u16, headers: &[(&str, &str)], body: &[u8]) -> Answer {
        Answer {
            url: url.into(),
            status,
            status_text: String::new(),
            headers: headers
                .iter()
                .map(|(n, v)| (n.to_ascii_lowercase(), v.to_string()))
                .collect(),
            body: body.to_vec(),
        }
    }

    /// Every value of header `name` (compared case-insensitively).
    pub fn all(&self, name: &str) -> Vec<&str> {
        self.headers
            .iter()
            .filter(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
            .collect()
    }

    /// The values of header `name`, joined with `, ` as HTTP allows; `None` without
    /// one.
    pub fn header(&self, name: &str) -> Option<String> {
        let all = self.all(name);
        (!all.is_empty()).then(|| all.join(", "))
    }

    /// `HTTP 404 Not Found`, with a hint for the statuses that say more than "no".
    pub fn status_line(&self) -> String {
        let base = format!("HTTP {} {}", self.status, self.status_text.trim())
            .trim_end()
            .to_string();
        match self.status {
            401 => format!(
                "{base}: the site asks for authentication ({}); this check does not sign in: \
                 allow anonymous access to the page's folder, or check from a browser with \
                 ?dryrun=1",
                self.header("www-authenticate")
                    .unwrap_or_else(|| "no WWW-Authenticate".into())
            ),
            403 => format!(
                "{base}: the server refuses access (file permissions, IP restrictions, or \
                 request filtering)"
            ),
            _ => base,
        }
    }
}

/// Why a request got no answer.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Failure {
    /// The host name does not resolve.
    Dns(String),
    /// The connection was refused: nothing listens on that port.
    Refused,
    /// No answer in time.
    TimedOut,
    /// The TLS handshake failed; what rustls said.
    Tls(String),
    /// The body is bigger than the limit, in bytes.
    TooBig(usize),
    /// Anything else, as described by the library.
    Other(String),
}

/// `host:port` of a URL, for messages.
fn host_port(url: &Url) -> (String, String) {
    let host = url.host_str().unwrap_or("?").to_string();
    let port = url
        .port_or_known_default()
        .map_or_else(|| "?".to_string(), |p| p.to_string());
    (host, port)
}

/// Where this machine keeps the certificate authorities it trusts, for messages.
pub const TRUST_STORE: &str = if cfg!(windows) {
    "the Windows certificate store (Local Computer > Trusted Root Certification \
     Authorities, usually pushed by GPO)"
} else if cfg!(target_os = "macos") {
    "the System keychain, trusted for SSL"
} else {
    "the system's CA certificates (update-ca-certificates, or SSL_CERT_FILE)"
};

/// Explains a failed TLS handshake with `host` from rustls's description of it.
pub fn explain_tls(host: &str, port: &str, detail: &str) -> String {
    let lower = detail.to_ascii_lowercase();
    if lower.contains("unknownissuer") || lower.contains("unknown issuer") {
        format!(
            "the certificate of {host} is not trusted by this machine ({detail}): it is issued \
             by a certificate authority this machine does not know. If the site uses your \
             internal CA, install that CA's certificate in {TRUST_STORE}, as on the \
             technicians' PCs; a browser here says the same"
        )
    } else if lower.contains("caused as end entity") || lower.contains("causedasendentity") {
        format!(
            "the certificate of {host} is a certificate authority's, used as the server's own \
             ({detail}), as self-signed certificates often are: browsers refuse it too; give \
             the site a certificate issued by your internal CA"
        )
    } else if lower.contains("not valid for name") || lower.contains("notvalidforname") {
        format!(
            "the certificate of {host} is not valid for the name {host} ({detail}): use the name \
             the certificate was issued for in the Lync menu and here, or reissue it with \
             {host} in its subject alternative names"
        )
    } else if lower.contains("expired") {
        format!("the certificate of {host} has expired ({detail}): renew it on the web server")
    } else if lower.contains("not valid yet") || lower.contains("notvalidyet") {
        format!(
            "the certificate of {host} is not valid yet ({detail}): the clock of this machine \
             or of the server is wrong"
        )
    } else if lower.contains("revoked") {
        format!("the certificate of {host} is revoked ({detail}): install a new one")
    } else if lower.contains("certificate") {
        format!(
            "the certificate of {host} is refused ({detail}): browsers on this machine would \
             refuse it too; check it with your PKI administrator"
        )
    } else {
        format!(
            "the TLS connection with {host}:{port} failed ({detail}): is it really HTTPS on that \
             port (try http://), and does the server offer TLS 1.2 or 1.3?"
        )
    }
}

/// The message for a request to `url` that got no answer.
pub fn explain(failure: &Failure, url: &Url) -> String {
    let (host, port) = host_port(url);
    let why = match failure {
        Failure::Dns(detail) => format!(
            "the name {host} does not resolve ({detail}): check its spelling, and run the check \
             on a machine of the network the technicians use"
        ),
        Failure::Refused => format!(
            "the connection to {host}:{port} was refused: nothing listens there; is the web \
             site started, and is the port (and http/https) right?"
        ),
        Failure::TimedOut => format!(
            "no answer from {host}:{port} within {} s: a firewall or proxy may drop the \
             connection, or the server is overloaded",
            TIMEOUT.as_secs()
        ),
        Failure::Tls(detail) => explain_tls(&host, &port, detail),
        Failure::TooBig(limit) => format!(
            "the answer is bigger than {}: not the file expected here",
            crate::cli::human_bytes(*limit)
        ),
        Failure::Other(detail) => detail.clone(),
    };
    format!("{url}: {why}")
}

/// Classifies an I/O error met while reading a body.
fn io_failure(e: &std::io::Error) -> Failure {
    match e.kind() {
        std::io::ErrorKind::TimedOut | std::io::ErrorKind::WouldBlock => Failure::TimedOut,
        std::io::ErrorKind::ConnectionRefused => Failure::Refused,
        _ => Failure::Other(e.to_string()),
    }
}

/// Classifies a ureq transport error.
fn transport_failure(t: &ureq::Transport) -> Failure {
    // The whole chain of causes, as text, and the first I/O error in it.
    let mut detail = Vec::new();
    let mut io_kind = None;
    let mut cause: Option<&(dyn std::error::Error + 'static)> = std::error::Error::source(t);
    while let Some(e) = cause {
        if io_kind.is_none() {
            io_kind = e.downcast_ref::<std::io::Error>().map(std::io::Error::kind);
        }
        detail.push(e.to_string());
        cause = e.source();
    }
    // An io::Error displays its inner error: keep the innermost distinct text.
    detail.dedup();
    let detail = detail
        .last()
        .cloned()
        .unwrap_or_else(|| t.message().unwrap_or("").to_string());
    let message = t.message().unwrap_or("").to_ascii_lowercase();
    match (t.kind(), io_kind) {
        (ureq::ErrorKind::Dns, _) => Failure::Dns(detail),
        (_, Some(std::io::ErrorKind::ConnectionRefused)) => Failure::Refused,
        (_, Some(std::io::ErrorKind::TimedOut | std::io::ErrorKind::WouldBlock)) => {
            Failure::TimedOut
        }
        _ if message.contains("tls") => Failure::Tls(detail),
        _ => Failure::Other(t.to_string()),
    }
}

/// Sends `GET`s like a browser loading the page: redirects followed, nothing cached,
/// no cookies or credentials.
pub struct Client {
    agent: ureq::Agent,
}

impl Client {
    /// A client with [`CONNECT_TIMEOUT`] and [`TIMEOUT`].
    pub fn new() -> Client {
        let agent = ureq::AgentBuilder::new()
            .timeout_connect(CONNECT_TIMEOUT)
            .timeout(TIMEOUT)
            .redirects(5)
            // Directly, as a browser on the intranet would reach an intranet site (and
            // whatever features other crates of a workspace build turn on).
            .try_proxy_from_env(false)
            .user_agent(concat!("lync-quickcall-check/", env!("CARGO_PKG_VERSION")))
            .build();
        Client { agent }
    }

    /// `GET url`, reading at most `limit` bytes of body; the error names `url` and
    /// says what to do.
    pub fn get(&self, url: &Url, limit: usize) -> Result<Answer, String> {
        let response = match self
            .agent
            .request_url("GET", url)
            .set("Accept", "*/*")
            .set("Cache-Control", "no-cache")
            .call()
        {
            Ok(r) => r,
            Err(ureq::Error::Status(_, r)) => r,
            Err(ureq::Error::Transport(t)) => return Err(explain(&transport_failure(&t), url)),
        };
        let headers = response
            .headers_names()
            .into_iter()
            .flat_map(|name| {
                response
                    .all(&name)
                    .into_iter()
                    .map(|v| (name.clone(), v.to_string()))
                    .collect::<Vec<_>>()
            })
            .collect();
        let final_url = response.get_url().to_string();
        let status = response.status();
        let status_text = response.status_text().to_string();
        let mut body = Vec::new();
        response
            .into_reader()
            .take(limit as u64 + 1)
            .read_to_end(&mut body)
            .map_err(|e| explain(&io_failure(&e), url))?;
        if body.len() > limit {
            return Err(explain(&Failure::TooBig(limit), url));
        }
        Ok(Answer {
            url: final_url,
            status,
            status_text,
            headers,
            body,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn url(s: &str) -> Url {
        Url::parse(s).unwrap()
    }

    #[test]
    fn failures_name_the_url_and_what_to_do() {
        let u = url("https://intranet/quickcall/index.html");
        let m = explain(&Failure::Dns("failed to lookup address".into()), &u);
        assert!(
            m.starts_with(
                "https://intranet/quickcall/index.html: the name intranet does not resolve"
            ),
            "{m}"
        );
        let m = explain(&Failure::Refused, &u);
        assert!(m.contains("intranet:443 was refused"), "{m}");
        let m = explain(&Failure::TimedOut, &url("http://intranet:8080/"));
        assert!(m.contains("intranet:8080 within 10 s"), "{m}");
        let m = explain(&Failure::TooBig(1024 * 1024), &u);
        assert!(m.contains("bigger than 1.0 MB"), "{m}");
    }

    #[test]
    fn tls_failures_say_why() {
        let m = explain(
            &Failure::Tls("invalid peer certificate: UnknownIssuer".into()),
            &url("https://intranet/q/"),
        );
        assert!(
            m.contains("the certificate of intranet is not trusted by this machine (invalid peer certificate: UnknownIssuer)"),
            "{m}"
        );
        assert!(m.contains(TRUST_STORE), "{m}");
        let ca = explain_tls(
            "h",
            "443",
            "invalid peer certificate: Other(OtherError(CaUsedAsEndEntity))",
        );
        assert!(
            ca.contains("self-signed") && ca.contains("internal CA"),
            "{ca}"
        );
        let other = explain_tls("h", "443", "invalid peer certificate: BadSignature");
        assert!(other.contains("certificate of h is refused"), "{other}");
        let name = explain_tls(
            "intranet",
            "443",
            "invalid peer certificate: certificate not valid for name \"intranet\"; certificate is only valid for web01.contoso.com",
        );
        assert!(name.contains("not valid for the name intranet"), "{name}");
        assert!(explain_tls(
            "h",
            "443",
            "invalid peer certificate: certificate expired: verification time 2"
        )
        .contains("has expired"));
        assert!(explain_tls("h", "443", "invalid peer certificate: Revoked").contains("revoked"));
        assert!(explain_tls(
            "h",
            "443",
            "invalid peer certificate: certificate not valid yet: x"
        )
        .contains("clock"));
        let other = explain_tls(
            "h",
            "8080",
            "received corrupt message of type InvalidContentType",
        );
        assert!(
            other.contains("h:8080 failed") && other.contains("try http://"),
            "{other}"
        );
    }

    #[test]
    fn answers_join_headers_and_explain_statuses() {
        let a = Answer::new(
            "https://h/",
            401,
            &[
                ("WWW-Authenticate", "Negotiate"),
                ("www-authenticate", "NTLM"),
            ],
            b"",
        );
        assert_eq!(
            a.header("Www-Authenticate").as_deref(),
            Some("Negotiate, NTLM")
        );
        assert!(
            a.status_line().contains("(Negotiate, NTLM)"),
            "{}",
            a.status_line()
        );
        assert_eq!(a.header("x"), None);
        assert_eq!(Answer::new("u", 404, &[], b"").status_line(), "HTTP 404");
    }

    #[test]
    fn io_errors_while_reading() {
        let e = std::io::Error::new(std::io::ErrorKind::TimedOut, "x");
        assert_eq!(io_failure(&e), Failure::TimedOut);
        let e = std::io::Error::other("reset");
        assert_eq!(io_failure(&e), Failure::Other("reset".into()));
    }
}
