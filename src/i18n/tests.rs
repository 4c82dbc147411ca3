use super::*;
// The same tests run in headless Chromium under `cargo xtask test`.
#[cfg(all(target_arch = "wasm32", target_os = "unknown"))]
use wasm_bindgen_test::wasm_bindgen_test as test;

fn ids(source: &'static str) -> Vec<&'static str> {
    messages(source).map(|(id, _)| id).collect()
}

#[test]
fn every_catalogue_has_every_message_once() {
    let english = ids(LANGUAGES[0].1);
    assert!(english.len() > 5);
    for (code, source) in LANGUAGES {
        let mine = ids(source);
        let mut seen = Vec::new();
        for id in &mine {
            assert!(!seen.contains(id), "{code}.ftl defines {id} twice");
            seen.push(*id);
            assert!(
                english.contains(id),
                "{code}.ftl has {id}, which en.ftl lacks (a message no code uses?)"
            );
        }
        for id in &english {
            assert!(mine.contains(id), "{code}.ftl lacks {id}");
        }
        for (id, text) in messages(source) {
            assert!(!text.is_empty(), "{code}.ftl: {id} is empty");
            assert!(
                id.chars()
                    .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-'),
                "{code}.ftl: '{id}' is not a message id (lowercase, digits, '-')"
            );
        }
    }
}

#[test]
fn translations_keep_every_value() {
    for (code, source) in LANGUAGES {
        for (id, text) in messages(source) {
            let english = find(LANGUAGES[0].1, id).unwrap_or("");
            let mut want = placeholders(english);
            let mut got = placeholders(text);
            want.sort_unstable();
            got.sort_unstable();
            assert_eq!(got, want, "{code}.ftl: {id} has other values than en.ftl");
        }
    }
}

#[test]
fn every_message_renders_in_every_language() {
    for (code, source) in LANGUAGES {
        for (id, template) in messages(source) {
            let names = placeholders(template);
            let values: Vec<String> = names.iter().map(|n| format!("<{n}:1>")).collect();
            let args: Vec<(&str, &dyn Display)> = names
                .iter()
                .zip(&values)
                .map(|(n, v)| (*n, v as &dyn Display))
                .collect();
            let out = text_in(code, id, &args);
            assert!(
                !out.contains("{ $") && !out.contains("{$"),
                "{code}: {id}: {out}"
            );
            for v in &values {
                assert!(out.contains(v.as_str()), "{code}: {id} lost {v}: {out}");
            }
        }
    }
}

#[cfg(not(target_arch = "wasm32"))]
#[test]
fn every_message_is_used_and_every_use_exists() {
    use std::path::Path;
    fn walk(dir: &Path, out: &mut String) {
        let Ok(entries) = std::fs::read_dir(dir) else {
            return;
        };
        for entry in entries.flatten() {
            let path = entry.path();
            if path.is_dir() {
                walk(&path, out);
            } else if matches!(
                path.extension().and_then(|e| e.to_str()),
                Some("rs" | "js" | "html")
            ) && !path.ends_with("i18n/tests.rs")
            {
                out.push_str(&std::fs::read_to_string(&path).unwrap_or_default());
            }
        }
    }
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut code = String::new();
    for dir in ["src", "www", "xtask/src"] {
        walk(&root.join(dir), &mut code);
    }
    for id in ids(LANGUAGES[0].1) {
        assert!(
            code.contains(&format!("\"{id}\"")),
            "en.ftl has {id}, which no code uses: remove it from every catalogue"
        );
    }
    // Every `tr!("id"` in the code (comments aside; rustfmt may break the line after
    // the parenthesis) has a message.
    let code: String = code
        .lines()
        .filter(|l| !l.trim_start().starts_with("//"))
        .collect::<Vec<_>>()
        .join("\n");
    for (at, _) in code.match_indices("tr!(") {
        // `tr!`, not `include_str!` or `attr!`.
        let before = code[..at].chars().next_back().unwrap_or(' ');
        if before.is_alphanumeric() || before == '_' {
            continue;
        }
        let rest = code[at + 4..].trim_start();
        let Some(rest) = rest.strip_prefix('"') else {
            continue;
        };
        let id = &rest[..rest.find('"').unwrap_or(0)];
        assert!(
            find(LANGUAGES[0].1, id).is_some(),
            "tr!(\"{id}\") has no message in en.ftl"
        );
    }
}

#[test]
fn values_are_put_in_as_they_are() {
    assert_eq!(fill("a { $x } b", &[("x", &"<i>&")]), "a <i>& b");
    assert_eq!(fill("{$x}{ $y }", &[("x", &1), ("y", &"two")]), "1two");
    assert_eq!(fill("no value { $z }", &[]), "no value { $z }");
    assert_eq!(fill("unclosed { $z", &[("z", &1)]), "unclosed { $z");
    assert_eq!(placeholders("{ $a } and {$b} and { c }"), ["a", "b"]);
}

#[test]
fn the_language_follows_the_configuration_then_the_browser() {
    assert_eq!(choose(Some("fr"), []), "fr");
    assert_eq!(choose(Some("en"), ["fr-FR"]), "en");
    assert_eq!(choose(Some(AUTO), ["fr-FR", "en-US"]), "fr");
    assert_eq!(choose(None, ["de-DE", "fr-CA", "en"]), "fr");
    assert_eq!(choose(None, ["en-GB", "fr"]), "en");
    assert_eq!(choose(None, ["FR"]), "fr");
    assert_eq!(choose(None, ["de", "es"]), "en");
    assert_eq!(choose(None, []), "en");
    assert_eq!(choose(Some("xx"), ["fr"]), "fr");
}

#[test]
fn the_current_language_and_its_fallback() {
    assert!(set_language("fr"));
    assert_eq!(language(), "fr");
    assert_eq!(
        crate::tr!("working-opening", host = "ev.example"),
        "Ouverture de ev.example…"
    );
    assert!(!set_language("xx"));
    assert_eq!(language(), "fr");
    assert!(set_language("en"));
    assert_eq!(
        crate::tr!("working-opening", host = "ev.example"),
        "Opening ev.example…"
    );
    assert_eq!(
        text_in("xx", "error-heading", &[]),
        text_in("en", "error-heading", &[])
    );
    assert_eq!(text_in("fr", "no-such-message", &[]), "no-such-message");
    assert!(is_available("fr") && !is_available("FR") && !is_available("fr-FR"));
    assert_eq!(available().collect::<Vec<_>>(), ["en", "fr"]);
}

/// Runs `f` as the page does: no catalogue compiled in, none loaded at first.
fn as_the_page(f: impl FnOnce()) {
    COMPILED_IN.with(|c| c.set(false));
    LOADED.with(|l| l.borrow_mut().clear());
    f();
    LOADED.with(|l| l.borrow_mut().clear());
    COMPILED_IN.with(|c| c.set(true));
    set_language("en");
}

#[test]
fn without_a_catalogue_messages_are_tokens_until_rendered() {
    as_the_page(|| {
        set_language("en");
        let inner = crate::tr!("working-opening", host = "ev.example");
        assert!(
            inner.starts_with(OPEN) && !inner.contains("Opening"),
            "{inner:?}"
        );
        // Tokens survive formatting and nesting.
        let outer = format!(
            "x: {}",
            crate::tr!("error-internal", detail = inner.clone())
        );
        // Without any catalogue, a readable fallback.
        assert_eq!(render(&inner), "working-opening (host: ev.example)");
        assert!(load("en", LANGUAGES[0].1.to_string()));
        assert!(load("fr", LANGUAGES[1].1.to_string()));
        assert!(!load("xx", String::new()));
        assert_eq!(render(&inner), "Opening ev.example…");
        assert_eq!(
            render(&outer),
            "x: the page stopped on an internal error: Opening ev.example…"
        );
        set_language("fr");
        assert_eq!(render(&inner), "Ouverture de ev.example…");
        // Once loaded, messages are words at once.
        assert_eq!(crate::tr!("working-opening", host = "a"), "Ouverture de a…");
        assert_eq!(render("plain text"), "plain text");
    });
}

#[test]
fn stray_token_marks_from_outside_are_dropped() {
    as_the_page(|| {
        let hostile = format!("{OPEN}error-heading{CLOSE}{SEP}");
        let t = crate::tr!("working-opening", host = hostile);
        assert!(load("en", LANGUAGES[0].1.to_string()));
        assert_eq!(render(&t), "Opening error-heading…");
        // An unclosed token in a text is shown without its marks.
        assert_eq!(render(&format!("a{OPEN}b{SEP}c")), "abc");
        assert!(balanced(&t) && !balanced(&hostile));
    });
}
