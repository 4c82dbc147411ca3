//! The page's Content-Security-Policy, extended for the directory sources that fetch
//! from other origins (Graph, a lookup endpoint), exactly as the README and
//! `lync-quickcall check-config` tell an administrator to: `connect-src 'self'` followed
//! by the origins, in both `index.html` and `web.config`. Used by the demo and the
//! end-to-end suite on their copies of the distribution.

use std::fs;
use std::path::Path;

use anyhow::{ensure, Context, Result};

/// The CSP directive the page ships with.
const CONNECT_SELF: &str = "connect-src 'self'";

/// `text` with every `connect-src 'self' ...` directive replaced by `connect-src 'self'`
/// followed by `origins` (what the README tells an administrator to do). Fails when
/// the text has no such directive.
pub fn allow_connect(text: &str, origins: &[String]) -> Result<String> {
    ensure!(
        text.contains(CONNECT_SELF),
        "no \"{CONNECT_SELF}\" directive to extend"
    );
    let mut out = String::new();
    let mut rest = text;
    while let Some(at) = rest.find(CONNECT_SELF) {
        out.push_str(&rest[..at]);
        // The directive runs to the next `;`, or to the end of the attribute.
        let tail = &rest[at..];
        let end = tail.find([';', '"']).unwrap_or(tail.len());
        out.push_str(CONNECT_SELF);
        for o in origins {
            out.push(' ');
            out.push_str(o);
        }
        rest = &tail[end..];
    }
    out.push_str(rest);
    Ok(out)
}

/// Lets the page in `dist` connect to `origins`: the `connect-src` of both
/// `index.html` (meta tag) and `web.config` (headers, which the test server reads when
/// it starts, so call this before).
pub fn allow_connect_in(dist: &Path, origins: &[String]) -> Result<()> {
    for name in ["index.html", "web.config"] {
        let path = dist.join(name);
        let text =
            fs::read_to_string(&path).with_context(|| format!("cannot read {}", path.display()))?;
        let text = allow_connect(&text, origins).with_context(|| format!("{}", path.display()))?;
        fs::write(&path, text).with_context(|| format!("cannot write {}", path.display()))?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn connect_src_gets_the_origins() {
        let origins = [
            "http://127.0.0.1:1".to_string(),
            "https://graph.microsoft.com".into(),
        ];
        let meta = r#"<meta http-equiv="Content-Security-Policy" content="default-src 'none'; connect-src 'self'; style-src 'self'">"#;
        assert_eq!(
            allow_connect(meta, &origins).unwrap(),
            r#"<meta http-equiv="Content-Security-Policy" content="default-src 'none'; connect-src 'self' http://127.0.0.1:1 https://graph.microsoft.com; style-src 'self'">"#
        );
        // Last in the attribute, and run twice: the earlier origins are replaced.
        let config =
            r#"<add name="Content-Security-Policy" value="img-src 'self'; connect-src 'self'" />"#;
        let once = allow_connect(config, &origins[..1]).unwrap();
        assert_eq!(
            allow_connect(&once, &origins[1..]).unwrap(),
            r#"<add name="Content-Security-Policy" value="img-src 'self'; connect-src 'self' https://graph.microsoft.com" />"#
        );
        let err = allow_connect("default-src 'self'", &origins).unwrap_err();
        assert!(err.to_string().contains("connect-src 'self'"), "{err}");
    }

    #[test]
    fn the_shipped_page_and_web_config_can_be_extended() {
        let www = crate::cmd::project_root().join("www");
        for name in ["index.html", "web.config"] {
            let text = fs::read_to_string(www.join(name)).unwrap();
            let done = allow_connect(&text, &["http://127.0.0.1:1".into()]).unwrap();
            assert!(
                done.contains("connect-src 'self' http://127.0.0.1:1;"),
                "{name}"
            );
        }
    }
}
