//! Rendering into `<main id="status" data-state="...">`. Text only ever goes in through
//! `textContent`, never as HTML.

use web_sys::{Document, Element};

use crate::outcome::Choice;
use crate::report::Row;
use crate::target::Target;

fn document() -> Option<Document> {
    web_sys::window()?.document()
}

/// Clears `#status`, sets its state, and returns it with the document.
fn status(state: &str) -> Option<(Document, Element)> {
    let doc = document()?;
    let el = doc.get_element_by_id("status")?;
    el.set_attribute("data-state", state).ok()?;
    el.set_text_content(None);
    Some((doc, el))
}

fn append(doc: &Document, parent: &Element, tag: &str, text: &str) -> Option<Element> {
    let el = doc.create_element(tag).ok()?;
    el.set_text_content(Some(text));
    parent.append_child(&el).ok()?;
    Some(el)
}

fn link(doc: &Document, parent: &Element, target: &Target, text: &str) -> Option<Element> {
    let a = append(doc, parent, "a", text)?;
    a.set_attribute("href", target.as_str()).ok()?;
    Some(a)
}

/// `data-state="working"` with a short message.
pub fn show_working(message: &str) {
    if let Some((doc, el)) = status("working") {
        append(&doc, &el, "p", message);
    }
}

/// `data-state="error"`: the message, and a link to `fallback` when there is one.
pub fn show_error(message: &str, fallback: Option<&Target>) {
    let Some((doc, el)) = status("error") else {
        return;
    };
    append(&doc, &el, "h1", "The quick call could not be opened");
    if let Some(p) = append(&doc, &el, "p", message) {
        p.set_class_name("message");
    }
    if let Some(f) = fallback {
        if let Some(p) = append(&doc, &el, "p", "") {
            link(&doc, &p, f, "Open the ITSM without a caller");
        }
    }
}

/// `data-state="choose"`: one plain link a person.
pub fn show_chooser(choices: &[Choice], hidden: usize) {
    let Some((doc, el)) = status("choose") else {
        return;
    };
    append(&doc, &el, "h1", "Who is the caller?");
    let Some(list) = append(&doc, &el, "ul", "") else {
        return;
    };
    for c in choices {
        let Some(li) = append(&doc, &list, "li", "") else {
            continue;
        };
        match &c.target {
            Some(t) => {
                link(&doc, &li, t, &c.label);
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
        append(&doc, &el, "p", &format!("{hidden} more not shown."));
    }
}

/// `data-state="done"`: the dry-run report; the target URL is in `#target`.
pub fn show_dry_run(rows: &[Row]) {
    let Some((doc, el)) = status("done") else {
        return;
    };
    append(&doc, &el, "h1", "Dry run: nothing was opened");
    let Some(dl) = append(&doc, &el, "dl", "") else {
        return;
    };
    for r in rows {
        append(&doc, &dl, "dt", r.label);
        if let Some(dd) = append(&doc, &dl, "dd", &r.value) {
            if r.label == "Target" {
                dd.set_id("target");
            }
        }
    }
}
