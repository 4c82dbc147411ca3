//! `"source": "endpoint"`: one `GET` a contact to the company's lookup service, all in
//! parallel, each with a time-out; the answers are read by [`crate::endpoint`].

use web_sys::{RequestCache, RequestCredentials};

use super::fetch::{self, Request};
use crate::contact::Contact;
use crate::directory::{Answers, Lookup};
use crate::endpoint::{Credentials, EndpointError, EndpointSettings, TIMEOUT_MS};

fn credentials(c: Credentials) -> RequestCredentials {
    match c {
        Credentials::Omit => RequestCredentials::Omit,
        Credentials::SameOrigin => RequestCredentials::SameOrigin,
        Credentials::Include => RequestCredentials::Include,
    }
}

/// Looks every contact up.
pub async fn directory(
    settings: &EndpointSettings,
    contacts: &[Contact],
) -> Result<Answers, EndpointError> {
    let network = |detail: String| EndpointError::Network {
        endpoint: settings.template().to_string(),
        detail,
    };
    let mut started = Vec::new();
    for contact in contacts {
        let url = settings
            .url_for(contact)
            .ok_or_else(|| network(crate::tr!("endpoint-no-url", contact = contact)))?;
        let request = Request {
            credentials: credentials(settings.credentials),
            cache: RequestCache::NoStore,
            timeout_ms: TIMEOUT_MS,
            headers: &[("Accept", "application/json")],
            ..Request::get(url.as_str())
        };
        started.push((contact, fetch::start(&request).map_err(network)?));
    }
    let mut answers = Answers::default();
    for (contact, request) in started {
        let (answer, timer) = request.answer().await.map_err(network)?;
        let (status, _, body) = answer.text(timer).await.map_err(network)?;
        let people = settings.read_answer(status, &body)?;
        let lookup = if people.is_empty() {
            Lookup::Unknown
        } else {
            Lookup::Found(people)
        };
        answers.insert(contact.clone(), lookup);
    }
    Ok(answers)
}
