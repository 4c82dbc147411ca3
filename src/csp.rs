//! The page's Content-Security-Policy and the origins a directory source needs.
//!
//! The shipped policy (in `index.html` and `web.config`) has `connect-src 'self'`: the
//! page may fetch only from its own site, which is all the `none` and `export` sources
//! need. The `graph` and `endpoint` sources fetch from other origins
//! ([`crate::DirectorySource::connect_origins`]), which `connect-src` must list, in
//! both places (a browser enforces every policy it is given). `lync-quickcall
//! check-config` compares a deployed folder's policies with `config.json` and prints
//! the exact ones to use, made by [`with_origins`].

/// The `connect-src` sources of `policy`; `None` when it has no such directive (then
/// `default-src` rules, which the shipped policy sets to `'none'`).
pub fn connect_src(policy: &str) -> Option<Vec<&str>> {
    policy.split(';').find_map(|directive| {
        let mut words = directive.split_ascii_whitespace();
        words
            .next()
            .filter(|name| name.eq_ignore_ascii_case("connect-src"))
            .map(|_| words.collect())
    })
}

/// Whether `source` (a `connect-src` source expression) allows `origin`
/// (`https://host[:port]`).
fn allows(source: &str, origin: &str) -> bool {
    let source = source.trim_end_matches('/');
    source == "*"
        || source.eq_ignore_ascii_case(origin)
        || origin
            .split_once("://")
            .is_some_and(|(scheme, _)| source.eq_ignore_ascii_case(&format!("{scheme}:")))
}

/// The `origins` that `policy` does not let the page fetch from.
pub fn missing<'a>(policy: &str, origins: &'a [String]) -> Vec<&'a str> {
    let sources = connect_src(policy).unwrap_or_default();
    origins
        .iter()
        .filter(|o| !sources.iter().any(|s| allows(s, o)))
        .map(String::as_str)
        .collect()
}

/// `policy` with the `origins` it lacks added to `connect-src` (a `connect-src 'self'`
/// directive is added when it has none).
pub fn with_origins(policy: &str, origins: &[String]) -> String {
    let add = missing(policy, origins);
    if add.is_empty() {
        return policy.to_string();
    }
    let extra = add.join(" ");
    if connect_src(policy).is_none() {
        return format!(
            "{}; connect-src 'self' {extra}",
            policy.trim_end_matches([';', ' '])
        );
    }
    policy
        .split(';')
        .map(|directive| {
            let name = directive.split_ascii_whitespace().next().unwrap_or("");
            if name.eq_ignore_ascii_case("connect-src") {
                format!("{} {extra}", directive.trim_end())
            } else {
                directive.to_string()
            }
        })
        .collect::<Vec<_>>()
        .join(";")
}

/// The policy of `index.html`'s `<meta http-equiv="Content-Security-Policy" content="...">`.
pub fn from_html(html: &str) -> Option<String> {
    let at = html.find("http-equiv=\"Content-Security-Policy\"")?;
    let tag_start = html[..at].rfind('<')?;
    let tag_end = at + html[at..].find('>')?;
    attribute(&html[tag_start..tag_end], "content")
}

/// The policy of `web.config`'s `<add name="Content-Security-Policy" value="..." />`.
pub fn from_web_config(xml: &str) -> Option<String> {
    let at = xml.find("name=\"Content-Security-Policy\"")?;
    let tag_start = xml[..at].rfind('<')?;
    let tag_end = at + xml[at..].find('>')?;
    attribute(&xml[tag_start..tag_end], "value")
}

/// The value of `name="..."` in one tag, with the XML/HTML entities the shipped files
/// use decoded.
fn attribute(tag: &str, name: &str) -> Option<String> {
    let key = format!(" {name}=\"");
    let start = tag.find(&key)? + key.len();
    let len = tag[start..].find('"')?;
    Some(
        tag[start..start + len]
            .replace("&apos;", "'")
            .replace("&quot;", "\"")
            .replace("&amp;", "&"),
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    #[cfg(all(target_arch = "wasm32", target_os = "unknown"))]
    use wasm_bindgen_test::wasm_bindgen_test as test;

    const SHIPPED: &str = "default-src 'none'; script-src 'self' 'wasm-unsafe-eval'; connect-src 'self'; style-src 'self'";

    fn graph() -> Vec<String> {
        vec![
            "https://login.microsoftonline.com".into(),
            "https://graph.microsoft.com".into(),
        ]
    }

    #[test]
    fn origins_are_added_to_connect_src() {
        assert_eq!(connect_src(SHIPPED), Some(vec!["'self'"]));
        assert_eq!(
            missing(SHIPPED, &graph()),
            [
                "https://login.microsoftonline.com",
                "https://graph.microsoft.com"
            ]
        );
        let fixed = with_origins(SHIPPED, &graph());
        assert_eq!(
            fixed,
            "default-src 'none'; script-src 'self' 'wasm-unsafe-eval'; connect-src 'self' https://login.microsoftonline.com https://graph.microsoft.com; style-src 'self'"
        );
        assert!(missing(&fixed, &graph()).is_empty());
        assert_eq!(with_origins(&fixed, &graph()), fixed);
        // Already allowed in other ways.
        for policy in [
            "connect-src https:",
            "connect-src *",
            "connect-src 'self' https://login.microsoftonline.com/ https://GRAPH.microsoft.com",
        ] {
            assert!(missing(policy, &graph()).is_empty(), "{policy}");
        }
        assert_eq!(
            with_origins("default-src 'none';", &graph()),
            "default-src 'none'; connect-src 'self' https://login.microsoftonline.com https://graph.microsoft.com"
        );
    }

    #[test]
    fn policies_are_read_from_the_shipped_files() {
        let html = include_str!("../www/index.html");
        let config = include_str!("../www/web.config");
        let a = from_html(html).unwrap();
        let b = from_web_config(config).unwrap();
        assert_eq!(connect_src(&a), Some(vec!["'self'"]));
        assert_eq!(connect_src(&b), Some(vec!["'self'"]));
        assert!(b.contains("frame-ancestors 'none'"), "{b}");
        assert_eq!(
            from_web_config(
                r#"<add name="Content-Security-Policy" value="connect-src &apos;self&apos; https://a" />"#
            ),
            Some("connect-src 'self' https://a".into())
        );
        assert_eq!(from_html("<p>no policy</p>"), None);
    }
}
