//! The `url` crate's parser (natively: the tool and the tests).

use super::{ParseError, Parts, Url};

/// Parses `input`, relative to `base` when given.
pub(super) fn parse(input: &str, base: Option<&Url>) -> Result<Url, ParseError> {
    let parsed = match base {
        None => url::Url::parse(input),
        Some(base) => url::Url::parse(base.as_str()).and_then(|b| b.join(input)),
    }
    .map_err(|e| ParseError::new(e.to_string()))?;
    let origin = parsed.origin();
    Ok(Url(Box::new(Parts {
        href: parsed.as_str().to_string(),
        scheme: parsed.scheme().to_string(),
        username: parsed.username().to_string(),
        password: parsed.password().map(str::to_string),
        host: parsed
            .host_str()
            .filter(|h| !h.is_empty())
            .map(str::to_string),
        port: parsed.port(),
        path: parsed.path().to_string(),
        query: parsed.query().map(str::to_string),
        fragment: parsed.fragment().map(str::to_string),
        origin: origin.is_tuple().then(|| origin.ascii_serialization()),
    })))
}
