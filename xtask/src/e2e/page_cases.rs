//! End-to-end cases for the page itself: its language (the browser's, or the one
//! config.json sets), the chooser from the keyboard, the page opened without a contact
//! (its offer to open `sip:` and `tel:` links), and the links a browser hands to the
//! page once it opens them.
//!
//! The French cases run in a second browser of the suite's engine whose preferred
//! language is French (`intl.accept_languages`, and Chromium's `--lang=fr-FR`),
//! started on first use.

use anyhow::{ensure, Result};
use percent_encoding::{utf8_percent_encode, AsciiSet, NON_ALPHANUMERIC};
use serde_json::{json, Value};

use super::directory_cases::with_export;
use super::{case, page_state, with_config, Case, PageState, Suite, JOHN, P, SETTLE};
use crate::serve::Override;
use crate::webdriver::{keys, Browser};

/// Three people, as Lync sends a conversation.
const THREE: &str =
    "?contactId=Contacts=<sip:a@contoso.com>,<sip:b@contoso.com>,<sip:c@contoso.com>";

/// The second person's quick call.
const SECOND: &str = "/sso_samlindexlync.php?do_quickcall=1&url_requestor=b%40contoso.com";

/// What JavaScript's `encodeURIComponent` leaves as it is, as browsers encode the link
/// that replaces a protocol handler's `%s`.
const COMPONENT: &AsciiSet = &NON_ALPHANUMERIC
    .remove(b'-')
    .remove(b'_')
    .remove(b'.')
    .remove(b'!')
    .remove(b'~')
    .remove(b'*')
    .remove(b'\'')
    .remove(b'(')
    .remove(b')');

/// The page's path and query a browser opens for `link` once the page handles its
/// scheme (registered with `?contactId=%s`, after `profile=` when given).
fn handled(link: &str, profile: Option<&str>) -> String {
    let encoded = utf8_percent_encode(link, COMPONENT);
    match profile {
        Some(p) => format!("{P}?profile={p}&contactId={encoded}"),
        None => format!("{P}?contactId={encoded}"),
    }
}

/// What the document says of its language, and `#status`'s heading.
struct Words {
    lang: String,
    title: String,
    heading: String,
}

fn words(b: &Browser) -> Result<Words> {
    let v = b.execute(
        "const h = document.querySelector('#status h1');
         return [document.documentElement.lang, document.title, h ? h.textContent : ''];",
        &[],
    )?;
    let at = |i: usize| v.get(i).and_then(Value::as_str).unwrap_or("").to_string();
    Ok(Words {
        lang: at(0),
        title: at(1),
        heading: at(2),
    })
}

/// Opens `path` in `b` and waits until the page settles in a state other than
/// `working`; checks it is `state` and that the mock ITSM received nothing.
fn settled_in(s: &Suite, b: &Browser, path: &str, state: &str) -> Result<PageState> {
    let mark = s.mock.count();
    b.goto(&format!("{}{path}", s.origin))?;
    let page = b.wait_for(SETTLE, "the page to settle", |b| {
        Ok(page_state(b)?.filter(|p| p.state != "working" && !p.state.is_empty()))
    })?;
    ensure!(
        page.state == state,
        "state '{}' ({}), expected '{state}'",
        page.state,
        page.text.trim()
    );
    ensure!(s.mock.count() == mark, "the mock ITSM received a request");
    Ok(page)
}

/// Checks the document is in `lang` with the chooser's or the error's `heading`.
fn speaks(b: &Browser, lang: &str, title: &str, heading: &str) -> Result<()> {
    let w = words(b)?;
    ensure!(
        w.lang == lang,
        "<html lang=\"{}\">, expected \"{lang}\"",
        w.lang
    );
    ensure!(w.title == title, "title {:?}, expected {title:?}", w.title);
    ensure!(
        w.heading == heading,
        "heading {:?}, expected {heading:?}",
        w.heading
    );
    Ok(())
}

/// The suite's config.json with `"language": language`.
fn config_in(s: &Suite, language: &str) -> Override {
    Override::Body {
        content_type: "application/json".into(),
        body: s
            .config
            .replacen('{', &format!(r#"{{"language":"{language}","#), 1)
            .into_bytes(),
    }
}

/// Replaces `navigator.registerProtocolHandler` in the page as it is, recording its
/// calls in `window.__calls`: after the page has shown its button and before the
/// click, which is when the page calls it (plain WebDriver, both engines).
const STUB_REGISTRATION: &str = "window.__calls = [];
     Object.defineProperty(Navigator.prototype, 'registerProtocolHandler', {
       configurable: true, writable: true,
       value: function (scheme, url) { window.__calls.push([scheme, url]); }
     });";

/// Wraps the browser's own `navigator.registerProtocolHandler`, recording in
/// `window.__calls` each call's scheme and what it did: `returned`, or the exception
/// it threw (thrown on to the page).
const SPY_REGISTRATION: &str = "window.__calls = [];
     const own = Navigator.prototype.registerProtocolHandler;
     Object.defineProperty(Navigator.prototype, 'registerProtocolHandler', {
       configurable: true, writable: true,
       value: function (scheme, url) {
         try { own.call(this, scheme, url); window.__calls.push([scheme, 'returned']); }
         catch (e) { window.__calls.push([scheme, e.name + ': ' + e.message]); throw e; }
       }
     });";

/// Removes `navigator.registerProtocolHandler` from every new document (Chromium: an
/// init script, before the page's scripts, which look for it as they start).
fn remove_registration(s: &Suite) -> Result<String> {
    s.browser
        .add_init_script("delete Navigator.prototype.registerProtocolHandler;")
}

/// Opens the page without a contact (`query`: the rest of the query, or empty) and
/// checks it offers the button, with the profiles listed.
fn home(s: &Suite, query: &str) -> Result<()> {
    let mark = s.open(&format!("{P}{query}"))?;
    let page = s.stayed(mark, "home")?;
    ensure!(
        page.text.contains("production (default)") && page.text.contains("sandbox"),
        "the profiles are not listed: {}",
        page.text.trim()
    );
    let button = s
        .browser
        .execute("return !!document.querySelector('#status button');", &[])?;
    ensure!(button == true, "no button is offered");
    Ok(())
}

/// What the page says once its button is clicked.
fn registration_result(s: &Suite) -> Result<String> {
    s.browser
        .wait_for(SETTLE, "the registration's result", |b| {
            let v = b.execute(
                "const r = document.querySelector('#status .result');
             return r ? r.textContent : '';",
                &[],
            )?;
            Ok(v.as_str().filter(|t| !t.is_empty()).map(str::to_string))
        })
}

/// Opens the page without a contact (`query`: the rest of the query, or empty),
/// stubs the registration, clicks its button and checks both schemes were
/// registered for `expected` (a path and query on the page's origin), and what the
/// page says after.
fn registers(s: &Suite, query: &str, expected: &str) -> Result<()> {
    home(s, query)?;
    s.browser.execute(STUB_REGISTRATION, &[])?;
    s.browser
        .execute("document.querySelector('#status button').click();", &[])?;
    let result = registration_result(s)?;
    ensure!(
        result.contains("confirm") && result.contains("chrome://settings/handlers"),
        "after the click the page says {result:?}"
    );
    let calls = s.browser.execute("return window.__calls;", &[])?;
    let url = format!("{}{expected}", s.origin);
    let want = json!([["sip", url], ["tel", url]]);
    ensure!(calls == want, "registered {calls}, expected {want}");
    Ok(())
}

/// The cases.
pub fn cases() -> Vec<Case> {
    vec![
        // The page's language.
        case("language: English in an English browser", |s| {
            let mark = s.open(&format!("{P}{THREE}"))?;
            s.stayed(mark, "choose")?;
            speaks(
                &s.browser,
                "en",
                "EasyVista Quick Call",
                "Who is the caller?",
            )
        }),
        case("language: the chooser in French in a French browser", |s| {
            let b = s.french()?;
            let page = settled_in(s, b, &format!("{P}{THREE}"), "choose")?;
            speaks(b, "fr", "Appel rapide EasyVista", "Qui est l’appelant ?")?;
            ensure!(page.links.len() == 3, "links: {:?}", page.links);
            Ok(())
        }),
        case("language: an error in French in a French browser", |s| {
            let b = s.french()?;
            let page = settled_in(s, b, &format!("{P}?contactId=javascript:alert(1)"), "error")?;
            speaks(
                b,
                "fr",
                "Appel rapide EasyVista",
                "L’appel rapide n’a pas pu être ouvert",
            )?;
            ensure!(
                page.message
                    .contains("« javascript:alert(1) » n’est ni une adresse SIP"),
                "message: {}",
                page.message
            );
            ensure!(
                page.text.contains("Ouvrir l’ITSM sans appelant"),
                "text: {}",
                page.text.trim()
            );
            Ok(())
        }),
        case(
            "language: a missing config.json explained in French in a French browser",
            |s| {
                let b = s.french()?;
                with_config(s, Override::NotFound, || {
                    let page = settled_in(
                        s,
                        b,
                        &format!("{P}?contactId=sip:john.doe@contoso.com"),
                        "error",
                    )?;
                    speaks(
                        b,
                        "fr",
                        "Appel rapide EasyVista",
                        "L’appel rapide n’a pas pu être ouvert",
                    )?;
                    ensure!(
                        page.message.contains("config.json") && page.message.contains("404"),
                        "message: {}",
                        page.message
                    );
                    Ok(())
                })
            },
        ),
        case(
            "language: config.json's \"fr\" in an English browser",
            |s| {
                with_config(s, config_in(s, "fr"), || {
                    let mark = s.open(&format!("{P}{THREE}"))?;
                    s.stayed(mark, "choose")?;
                    speaks(
                        &s.browser,
                        "fr",
                        "Appel rapide EasyVista",
                        "Qui est l’appelant ?",
                    )
                })
            },
        ),
        case("language: config.json's \"en\" in a French browser", |s| {
            let b = s.french()?;
            with_config(s, config_in(s, "en"), || {
                settled_in(s, b, &format!("{P}{THREE}"), "choose")?;
                speaks(b, "en", "EasyVista Quick Call", "Who is the caller?")
            })
        }),
        // The chooser from the keyboard.
        case(
            "keyboard: focus on the first person, ArrowDown, Enter",
            |s| {
                let mark = s.open(&format!("{P}{THREE}"))?;
                s.stayed(mark, "choose")?;
                let focused = s.browser.execute(
                    "const a = document.activeElement;
                 return a && a.tagName === 'A' ? a.getAttribute('href') : String(a && a.tagName);",
                    &[],
                )?;
                let first = format!(
                    "{}/sso_samlindexlync.php?do_quickcall=1&url_requestor=a%40contoso.com",
                    s.m
                );
                ensure!(
                    focused == first.as_str(),
                    "focused {focused}, expected the first link"
                );
                s.browser.press(&[keys::ARROW_DOWN, keys::ENTER])?;
                s.followed(mark, SECOND)
            },
        ),
        case("keyboard: 2 opens the second person", |s| {
            let mark = s.open(&format!("{P}{THREE}"))?;
            s.stayed(mark, "choose")?;
            s.browser.press(&["2"])?;
            s.followed(mark, SECOND)
        }),
        case("keyboard: ArrowUp wraps to the last person", |s| {
            let mark = s.open(&format!("{P}{THREE}"))?;
            s.stayed(mark, "choose")?;
            s.browser.press(&[keys::ARROW_UP, keys::ENTER])?;
            s.followed(
                mark,
                "/sso_samlindexlync.php?do_quickcall=1&url_requestor=c%40contoso.com",
            )
        }),
        // Opened without a contact.
        case(
            "home: no contactId, the button registers sip: and tel:",
            |s| registers(s, "", "/index.html?contactId=%s"),
        ),
        case("home: the profile the page was opened with is kept", |s| {
            registers(
                s,
                "?profile=sandbox",
                "/index.html?profile=sandbox&contactId=%s",
            )
        }),
        case(
            "home: the browser's own registerProtocolHandler takes sip: and tel:",
            |s| {
                home(s, "")?;
                // The engine's own method, watched: what each call did.
                s.browser.execute(SPY_REGISTRATION, &[])?;
                // A real key press on the focused button: a click with user activation.
                s.browser
                    .execute("document.querySelector('#status button').focus();", &[])?;
                s.browser.press(&[keys::ENTER])?;
                // Both engines take both schemes (on their safe list) without an
                // exception; each then asks the user to confirm, which headless
                // browsers never do.
                let result = registration_result(s)?;
                ensure!(
                    result.contains("confirm"),
                    "after the click the page says {result:?}"
                );
                let calls = s.browser.execute("return window.__calls;", &[])?;
                let want = json!([["sip", "returned"], ["tel", "returned"]]);
                ensure!(
                    calls == want,
                    "{}: the calls {calls}, expected {want}",
                    s.engine
                );
                Ok(())
            },
        ),
        case("home: a browser that cannot register is told so", |s| {
            let id = remove_registration(s)?;
            let result = (|| {
                let mark = s.open(P)?;
                let page = s.stayed(mark, "home")?;
                let button = s
                    .browser
                    .execute("return !!document.querySelector('#status button');", &[])?;
                ensure!(button == false, "a button is offered");
                ensure!(
                    page.text
                        .contains("This browser cannot let a page open sip: and tel: links"),
                    "text: {}",
                    page.text.trim()
                );
                Ok(())
            })();
            s.browser.remove_init_script(&id)?;
            result
        })
        .chromium_only(
            "remove navigator.registerProtocolHandler before the page's scripts run (an \
             init script; Firefox has the method, and plain WebDriver runs scripts only \
             in a page already started)",
        ),
        case("home: in French in a French browser", |s| {
            let b = s.french()?;
            let page = settled_in(s, b, P, "home")?;
            ensure!(
                page.text
                    .contains("Ouvrir les liens sip: et tel: avec l’appel rapide"),
                "text: {}",
                page.text.trim()
            );
            speaks(b, "fr", "Appel rapide EasyVista", "Appel rapide EasyVista")
        }),
        // Links a browser opens through the page as their protocol handler.
        case("handler: a sip: link", |s| {
            let mark = s.open(&handled("sip:john.doe@contoso.com", None))?;
            s.landed(mark, JOHN)
        }),
        case(
            "handler: a sip: link with URI parameters and headers",
            |s| {
                let mark = s.open(&handled(
                    "sip:John.Doe@contoso.com;transport=tls?subject=x",
                    None,
                ))?;
                s.landed(mark, JOHN)
            },
        ),
        case("handler: a sip: link, with the registered profile", |s| {
            let mark = s.open(&handled("sip:john.doe@contoso.com", Some("sandbox")))?;
            s.landed(
                mark,
                "/sso_samlindexlyncsbox.php?do_quickcall=1&url_requestor=john.doe%40contoso.com",
            )
        }),
        case("handler: a tel: link, found in the directory", |s| {
            with_export(s, "directory/", &[&s.exports.key], || {
                let mark = s.open(&handled("tel:+33 1 23 45 67 89", None))?;
                s.landed(mark, JOHN)
            })
        }),
        case("handler: a sip: link with a password is refused", |s| {
            let mark = s.open(&handled("sip:john:secret@contoso.com", None))?;
            let page = s.stayed(mark, "error")?;
            ensure!(
                page.message.contains("sip:john:secret@contoso.com"),
                "message: {}",
                page.message
            );
            Ok(())
        }),
    ]
}
