//! Rendering into `<main id="status" data-state="...">`. Text only ever goes in through
//! `textContent`, never as HTML, and always through [`crate::i18n::render`] (message
//! tokens become words: the caller has fetched the catalogue, see
//! `super::ensure_catalogue`).
//!
//! `#status` is a polite live region (`aria-live`, `aria-atomic`): each state is built
//! in a detached fragment and put in with one `replaceChildren`, so that a screen
//! reader announces it once, heading first, instead of piece by piece.
//!
//! The chooser works from the keyboard: focus starts on the first person, the arrow
//! keys move between people (wrapping), Enter opens (each person is a real link), and
//! 1 to 9 open the person on that line.

use std::cell::Cell;

use wasm_bindgen::prelude::*;
use web_sys::{Document, DocumentFragment, Element, HtmlElement, KeyboardEvent, Node};

use crate::config::Config;
use crate::outcome::Choice;
use crate::report::Row;
use crate::target::Target;
use crate::tr;

fn document() -> Option<Document> {
    web_sys::window()?.document()
}

/// A fragment to build a state in, detached from the document.
fn fragment() -> Option<(Document, DocumentFragment)> {
    let doc = document()?;
    let frag = doc.create_document_fragment();
    Some((doc, frag))
}

/// Sets `#status`'s state and replaces its content with `content`, in one mutation.
fn show(doc: &Document, state: &str, content: &Node) -> Option<Element> {
    let el = doc.get_element_by_id("status")?;
    el.set_attribute("data-state", state).ok()?;
    el.set_attribute("aria-atomic", "true").ok()?;
    el.replace_children_with_node_1(content);
    Some(el)
}

fn append(doc: &Document, parent: &Node, tag: &str, text: &str) -> Option<Element> {
    let el = doc.create_element(tag).ok()?;
    if !text.is_empty() {
        el.set_text_content(Some(&crate::i18n::render(text)));
    }
    parent.append_child(&el).ok()?;
    Some(el)
}

fn link(doc: &Document, parent: &Node, target: &Target, text: &str) -> Option<Element> {
    let a = append(doc, parent, "a", text)?;
    a.set_attribute("href", target.as_str()).ok()?;
    Some(a)
}

/// Says the page's language to the document: `<html lang>` and the title.
pub fn set_language(code: &str) {
    let Some(doc) = document() else {
        return;
    };
    if let Some(html) = doc.document_element() {
        let _ = html.set_attribute("lang", code);
    }
    // boot.js has set the title; the module's words wait for its catalogue.
    if crate::i18n::is_loaded(code) {
        doc.set_title(&crate::i18n::render(&tr!("page-title")));
    }
}

/// `data-state="working"` with a short message.
pub fn show_working(message: &str) {
    let Some((doc, frag)) = fragment() else {
        return;
    };
    append(&doc, &frag, "p", message);
    show(&doc, "working", &frag);
}

/// `data-state="error"`: the message, and a link to `fallback` when there is one.
pub fn show_error(message: &str, fallback: Option<&Target>) {
    let Some((doc, frag)) = fragment() else {
        return;
    };
    append(&doc, &frag, "h1", &tr!("error-heading"));
    if let Some(p) = append(&doc, &frag, "p", message) {
        p.set_class_name("message");
    }
    if let Some(f) = fallback {
        if let Some(p) = append(&doc, &frag, "p", "") {
            link(&doc, &p, f, &tr!("error-fallback-link"));
        }
    }
    show(&doc, "error", &frag);
}

/// `data-state="choose"`: one plain link a person, numbered, the first one focused.
pub fn show_chooser(choices: &[Choice], hidden: usize) {
    let Some((doc, frag)) = fragment() else {
        return;
    };
    append(&doc, &frag, "h1", &tr!("chooser-heading"));
    let Some(list) = append(&doc, &frag, "ol", "") else {
        return;
    };
    let mut first = None;
    for c in choices {
        let Some(li) = append(&doc, &list, "li", "") else {
            continue;
        };
        match &c.target {
            Some(t) => {
                let a = link(&doc, &li, t, &c.label);
                first = first.or(a);
            }
            None => {
                append(&doc, &li, "span", &c.label);
            }
        }
        if !c.note.is_empty() {
            if let Some(n) = append(&doc, &li, "span", &c.note) {
                n.set_class_name("note");
            }
        }
    }
    if hidden > 0 {
        append(&doc, &frag, "p", &tr!("chooser-more", count = hidden));
    }
    if first.is_some() {
        if let Some(p) = append(&doc, &frag, "p", &tr!("chooser-keys")) {
            p.set_class_name("note");
        }
    }
    show(&doc, "choose", &frag);
    listen_to_keys(&doc);
    if let Some(a) = first.and_then(|a| a.dyn_into::<HtmlElement>().ok()) {
        let _ = a.focus();
    }
}

thread_local! {
    /// Whether the chooser's key listener is on the document (it is added once).
    static KEYS: Cell<bool> = const { Cell::new(false) };
}

/// Adds the chooser's `keydown` listener to the document, once: it acts only while
/// `#status` shows the chooser, on the links there at the time of the key press.
fn listen_to_keys(doc: &Document) {
    if KEYS.with(|k| k.replace(true)) {
        return;
    }
    let on_key = Closure::<dyn Fn(KeyboardEvent)>::new(chooser_key);
    if doc
        .add_event_listener_with_callback("keydown", on_key.as_ref().unchecked_ref())
        .is_err()
    {
        KEYS.with(|k| k.set(false));
        return;
    }
    // The page lives once: the listener stays for its lifetime.
    on_key.forget();
}

/// The line number (1 to 9) a key press names: the key itself, or the digit key it
/// was typed on (on AZERTY keyboards, the top row types `&é"'...` without Shift).
fn line_number(e: &KeyboardEvent) -> Option<u32> {
    let digit = |s: &str| match s.as_bytes() {
        [d @ b'1'..=b'9'] => Some(u32::from(d - b'0')),
        _ => None,
    };
    digit(&e.key()).or_else(|| {
        let code = e.code();
        code.strip_prefix("Digit")
            .or_else(|| code.strip_prefix("Numpad"))
            .and_then(digit)
    })
}

fn chooser_key(e: KeyboardEvent) {
    if e.ctrl_key() || e.alt_key() || e.meta_key() || e.default_prevented() {
        return;
    }
    let Some(doc) = document() else {
        return;
    };
    let Some(status) = doc.get_element_by_id("status") else {
        return;
    };
    if status.get_attribute("data-state").as_deref() != Some("choose") {
        return;
    }
    let step: i64 = match e.key().as_str() {
        "ArrowDown" | "ArrowRight" => 1,
        "ArrowUp" | "ArrowLeft" => -1,
        _ => {
            // A number opens the person on that line, as a click on the link would.
            let Some(n) = line_number(&e) else {
                return;
            };
            let selector = format!("li:nth-child({n}) a");
            if let Ok(Some(a)) = status.query_selector(&selector) {
                if let Ok(a) = a.dyn_into::<HtmlElement>() {
                    e.prevent_default();
                    a.click();
                }
            }
            return;
        }
    };
    let Ok(list) = status.query_selector_all("li a") else {
        return;
    };
    let count = i64::from(list.length());
    if count == 0 {
        return;
    }
    let active = doc.active_element().map(Node::from);
    let current = (0..list.length())
        .find(|&i| list.item(i).is_some() && list.item(i) == active)
        .map(i64::from);
    let next = match current {
        Some(i) => (i + step).rem_euclid(count),
        None if step > 0 => 0,
        None => count - 1,
    };
    if let Some(a) = u32::try_from(next)
        .ok()
        .and_then(|i| list.item(i))
        .and_then(|n| n.dyn_into::<HtmlElement>().ok())
    {
        e.prevent_default();
        let _ = a.focus();
    }
}

/// What the page opened without a contact can do about `sip:` and `tel:` links.
pub enum Handler {
    /// Offer the button: it registers this address (see
    /// [`crate::query::handler_url`]).
    Offer(String),
    /// The page is not in a secure context (https, or the local machine).
    NotSecure,
    /// The browser has no `navigator.registerProtocolHandler`.
    Unsupported,
}

#[wasm_bindgen]
extern "C" {
    /// `navigator.registerProtocolHandler(scheme, url)`, in its current two-argument
    /// form (web-sys binds the old one, with a title).
    #[wasm_bindgen(catch, js_namespace = navigator, js_name = registerProtocolHandler)]
    fn register_protocol_handler(scheme: &str, url: &str) -> Result<(), JsValue>;
}

/// `data-state="home"`, the page opened without a contact (by someone browsing to
/// it): what it is, the configured profiles, and the way to make it open `sip:` and
/// `tel:` links. `profile` is the profile the page was opened with, kept in the links.
pub fn show_home(config: &Config, profile: Option<&str>, handler: Handler) {
    let Some((doc, frag)) = fragment() else {
        return;
    };
    append(&doc, &frag, "h1", &tr!("page-title"));
    append(&doc, &frag, "p", &tr!("home-about"));
    append(&doc, &frag, "p", &tr!("home-profiles"));
    if let Some(list) = append(&doc, &frag, "ul", "") {
        list.set_class_name("profiles");
        for name in config.profiles.keys() {
            let text = if *name == config.default_profile {
                tr!("home-profile-default", name = name)
            } else {
                name.clone()
            };
            append(&doc, &list, "li", &text);
        }
    }
    match handler {
        Handler::Offer(url) => {
            if let Some(p) = profile {
                append(&doc, &frag, "p", &tr!("home-register-profile", name = p));
            }
            let button = append(&doc, &frag, "button", &tr!("home-register-button"));
            // Its own live region: after the click, only this sentence is announced.
            let result = append(&doc, &frag, "p", "");
            if let (Some(button), Some(result)) = (button, result) {
                let _ = button.set_attribute("type", "button");
                let _ = result.set_attribute("aria-live", "polite");
                let _ = result.set_attribute("aria-atomic", "true");
                result.set_class_name("result");
                let on_click = Closure::<dyn Fn()>::new(move || {
                    result.set_text_content(Some(&crate::i18n::render(&register(&url))));
                });
                let _ = button
                    .add_event_listener_with_callback("click", on_click.as_ref().unchecked_ref());
                on_click.forget();
            }
        }
        Handler::NotSecure => {
            append(&doc, &frag, "p", &tr!("home-register-insecure"));
        }
        Handler::Unsupported => {
            append(&doc, &frag, "p", &tr!("home-register-unsupported"));
        }
    }
    if let Some(p) = append(&doc, &frag, "p", &tr!("home-from-lync")) {
        p.set_class_name("note");
    }
    show(&doc, "home", &frag);
}

/// Registers `url` for `sip:` and `tel:` links; what happened, to tell the technician.
fn register(url: &str) -> String {
    for scheme in ["sip", "tel"] {
        if let Err(e) = register_protocol_handler(scheme, url) {
            return tr!("home-register-failed", detail = super::describe(&e));
        }
    }
    tr!("home-register-done")
}

/// `data-state="done"`: the dry-run report; the target URL is in `#target`.
pub fn show_dry_run(rows: &[Row]) {
    let Some((doc, frag)) = fragment() else {
        return;
    };
    append(&doc, &frag, "h1", &tr!("dry-run-heading"));
    if let Some(dl) = append(&doc, &frag, "dl", "") {
        for r in rows {
            append(&doc, &dl, "dt", &r.label);
            if let Some(dd) = append(&doc, &dl, "dd", &r.value) {
                if r.key == "target" {
                    dd.set_id("target");
                }
            }
        }
    }
    show(&doc, "done", &frag);
}
