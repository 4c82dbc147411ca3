//! The page's words in the technician's language: one catalogue per language in
//! `locales/` (Fluent syntax, one message per line; see `locales/README.md`), and the
//! one function every sentence goes through, [`text`] (the [`tr!`](crate::tr) macro).
//!
//! Natively (the command-line tool, and every test) the catalogues are compiled in. The
//! page does not carry them: most loads only redirect and show no sentence, and the
//! catalogues would be most of the module's text. There, until a catalogue is
//! [`load`]ed, [`text`] returns a *message token* (the id and its values, between
//! private-use characters) instead of words; the page fetches the catalogue of its
//! language only when it has something to show, and [`render`] turns every token in a
//! text into words just before the text goes into the document. Tokens survive
//! `format!`, `to_string` and nesting (a value may itself be a message), so errors can
//! be built anywhere, as before.
//!
//! The language is chosen once per page load ([`choose`]: `config.json`'s `language`,
//! else the browser's preferred languages, else English) and set with [`set_language`];
//! until then, and in the command-line tool, it is English. A message a catalogue lacks
//! falls back to English; tests keep every catalogue complete.
//!
//! Values in a message (field names, addresses, URLs, HTTP statuses) are inserted as
//! they are: the page only ever puts text into the document through `textContent`.

use std::cell::{Cell, RefCell};
use std::fmt::{self, Display, Write as _};

/// Declares the languages: [`CODES`], and (natively and in tests) [`LANGUAGES`] with
/// each catalogue's text. A new language is one file in `locales/` and its code here.
macro_rules! languages {
    ($($code:literal),+ $(,)?) => {
        /// The language codes there are catalogues for (`locales/<code>.ftl`), English
        /// first: the default and the fallback.
        pub const CODES: &[&str] = &[$($code),+];

        /// Every catalogue, compiled in: its language code and its text.
        #[cfg(any(not(target_arch = "wasm32"), test))]
        pub const LANGUAGES: &[(&str, &str)] = &[
            $(($code, include_str!(concat!("../../locales/", $code, ".ftl")))),+
        ];
    };
}

languages!("en", "fr");

/// What `config.json`'s `language` may say besides a language code: follow the browser.
pub const AUTO: &str = "auto";

/// Opens a message token: the message id follows.
const OPEN: char = '\u{E000}';
/// Separates a token's id and its values' names and values.
const SEP: char = '\u{E001}';
/// Closes a message token.
const CLOSE: char = '\u{E002}';

thread_local! {
    /// The index in [`CODES`] of the current language.
    static CURRENT: Cell<usize> = const { Cell::new(0) };
    /// The catalogues loaded at run time: (index in [`CODES`], text).
    static LOADED: RefCell<Vec<(usize, &'static str)>> = const { RefCell::new(Vec::new()) };
}

#[cfg(test)]
thread_local! {
    /// Whether the compiled-in catalogues count (tests of the page's way switch them
    /// off, see [`tests`]).
    static COMPILED_IN: Cell<bool> = const { Cell::new(true) };
}

/// The language codes there are catalogues for, English first.
pub fn available() -> impl Iterator<Item = &'static str> {
    CODES.iter().copied()
}

/// Whether `code` names a catalogue (exactly: `"fr"`, not `"FR"` or `"fr-FR"`).
pub fn is_available(code: &str) -> bool {
    CODES.contains(&code)
}

/// The language code currently used by [`text`].
pub fn language() -> &'static str {
    CODES[CURRENT.with(Cell::get)]
}

/// Makes `code` the current language; `false` (and no change) when there is no
/// catalogue for it.
pub fn set_language(code: &str) -> bool {
    match CODES.iter().position(|c| *c == code) {
        Some(i) => {
            CURRENT.with(|c| c.set(i));
            true
        }
        None => false,
    }
}

/// The language for a page: `configured` (`config.json`'s `language`) when it names a
/// catalogue; for `"auto"` or nothing, the first of the browser's `preferred` languages
/// (`navigator.languages`, e.g. `fr-FR`, `en-US`) whose primary subtag has one;
/// English otherwise.
pub fn choose<'a>(
    configured: Option<&str>,
    preferred: impl IntoIterator<Item = &'a str>,
) -> &'static str {
    if let Some(code) = configured.and_then(|c| CODES.iter().find(|l| **l == c)) {
        return code;
    }
    for tag in preferred {
        let primary = tag.split(['-', '_']).next().unwrap_or("").trim();
        if let Some(code) = CODES.iter().find(|l| l.eq_ignore_ascii_case(primary)) {
            return code;
        }
    }
    CODES[0]
}

/// Adds the catalogue `text` of language `code` (fetched by the page); `false` when
/// there is no such language. The text stays for the page's life.
pub fn load(code: &str, text: String) -> bool {
    let Some(i) = CODES.iter().position(|c| *c == code) else {
        return false;
    };
    let text: &'static str = Box::leak(text.into_boxed_str());
    LOADED.with(|l| l.borrow_mut().push((i, text)));
    true
}

/// Whether the catalogue of `code` is at hand (compiled in, or loaded).
pub fn is_loaded(code: &str) -> bool {
    catalogue(code).is_some()
}

/// The text of catalogue `code`: compiled in natively and in tests, else loaded.
fn catalogue(code: &str) -> Option<&'static str> {
    #[cfg(test)]
    let compiled_in = COMPILED_IN.with(Cell::get);
    #[cfg(all(not(test), not(target_arch = "wasm32")))]
    let compiled_in = true;
    #[cfg(any(not(target_arch = "wasm32"), test))]
    if compiled_in {
        if let Some((_, text)) = LANGUAGES.iter().find(|(c, _)| *c == code) {
            return Some(text);
        }
    }
    let i = CODES.iter().position(|c| *c == code)?;
    LOADED.with(|l| {
        l.borrow()
            .iter()
            .rev()
            .find(|(j, _)| *j == i)
            .map(|(_, t)| *t)
    })
}

/// The text of message `id` in catalogue `source`, if it has it.
fn find(source: &'static str, id: &str) -> Option<&'static str> {
    messages(source).find(|(k, _)| *k == id).map(|(_, v)| v)
}

/// The messages of a catalogue: `(id, text)` for every `id = text` line; comments
/// (`#`) and blank lines skipped.
pub fn messages(source: &'static str) -> impl Iterator<Item = (&'static str, &'static str)> {
    source.lines().filter_map(|line| {
        if line.starts_with('#') {
            return None;
        }
        let (id, text) = line.split_once('=')?;
        Some((id.trim(), text.trim()))
    })
}

/// The template of message `id` in `code`, else in English; `None` when neither
/// catalogue is at hand or has it.
fn template(code: &str, id: &str) -> Option<&'static str> {
    catalogue(code)
        .and_then(|s| find(s, id))
        .or_else(|| catalogue(CODES[0]).and_then(|s| find(s, id)))
}

/// Message `id` in `code`'s catalogue (else English) with every `{ $name }` replaced
/// by the value `args` gives for `name`; when neither catalogue is at hand (the page
/// before it has fetched one), the message's token (see the module documentation).
/// An id no catalogue has (which the tests never let happen) comes back as it is.
pub fn text_in(code: &str, id: &str, args: &[(&str, &dyn Display)]) -> String {
    if let Some(t) = template(code, id) {
        return fill(t, args);
    }
    if !is_loaded(code) && !is_loaded(CODES[0]) {
        return token(id, args);
    }
    fill(id, args)
}

/// Message `id` in the current language (see [`text_in`]).
pub fn text(id: &str, args: &[(&str, &dyn Display)]) -> String {
    text_in(language(), id, args)
}

/// A message token: `OPEN id (SEP name SEP value)* CLOSE`. Values keep their own
/// tokens; stray token characters in a value (from outside, e.g. an address) are
/// dropped so that they cannot open or close one.
fn token(id: &str, args: &[(&str, &dyn Display)]) -> String {
    let mut out = String::new();
    out.push(OPEN);
    out.push_str(id);
    for (name, value) in args {
        out.push(SEP);
        out.push_str(name);
        out.push(SEP);
        let value = value.to_string();
        // A value made of whole tokens keeps them; an unbalanced one loses the marks.
        if balanced(&value) {
            out.push_str(&value);
        } else {
            out.extend(value.chars().filter(|c| ![OPEN, SEP, CLOSE].contains(c)));
        }
    }
    out.push(CLOSE);
    out
}

/// Whether every token mark in `s` belongs to a whole token.
fn balanced(s: &str) -> bool {
    let mut depth = 0usize;
    for c in s.chars() {
        match c {
            OPEN => depth += 1,
            CLOSE => match depth.checked_sub(1) {
                Some(d) => depth = d,
                None => return false,
            },
            SEP if depth == 0 => return false,
            _ => {}
        }
    }
    depth == 0
}

/// `s` with every message token turned into words in the current language (see the
/// module documentation); text without tokens comes back unchanged.
pub fn render(s: &str) -> String {
    if !s.contains(OPEN) {
        return s.to_string();
    }
    let mut out = String::with_capacity(s.len());
    let mut rest = s;
    while let Some(open) = rest.find(OPEN) {
        out.push_str(&rest[..open]);
        let after = &rest[open + OPEN.len_utf8()..];
        let Some(end) = matching_close(after) else {
            out.push_str(&after.replace([SEP, CLOSE], ""));
            return out;
        };
        out.push_str(&render_token(&after[..end]));
        rest = &after[end + CLOSE.len_utf8()..];
    }
    out.push_str(rest);
    out
}

/// The byte offset of the `CLOSE` that ends the token whose content starts `s`.
fn matching_close(s: &str) -> Option<usize> {
    let mut depth = 0usize;
    for (i, c) in s.char_indices() {
        match c {
            OPEN => depth += 1,
            CLOSE if depth == 0 => return Some(i),
            CLOSE => depth -= 1,
            _ => {}
        }
    }
    None
}

/// One token's content (`id (SEP name SEP value)*`) in words.
fn render_token(content: &str) -> String {
    // Split on the separators of this level only (not those of nested tokens).
    let mut parts = Vec::new();
    let (mut depth, mut start) = (0usize, 0);
    for (i, c) in content.char_indices() {
        match c {
            OPEN => depth += 1,
            CLOSE => depth = depth.saturating_sub(1),
            SEP if depth == 0 => {
                parts.push(&content[start..i]);
                start = i + SEP.len_utf8();
            }
            _ => {}
        }
    }
    parts.push(&content[start..]);
    let id = parts[0];
    let values: Vec<String> = parts[1..]
        .iter()
        .skip(1)
        .step_by(2)
        .map(|v| render(v))
        .collect();
    let args: Vec<(&str, &dyn Display)> = parts[1..]
        .iter()
        .step_by(2)
        .zip(&values)
        .map(|(n, v)| (*n, v as &dyn Display))
        .collect();
    match template(language(), id) {
        Some(t) => fill(t, &args),
        // No catalogue: the id and its values, readable if not pretty.
        None => {
            let mut out = id.to_string();
            for (n, v) in &args {
                let _ = write!(out, " ({n}: {v})");
            }
            out
        }
    }
}

/// `template` with every `{ $name }` (spaces optional) replaced by its value in `args`;
/// a placeholder without a value is left as it is.
fn fill(template: &str, args: &[(&str, &dyn Display)]) -> String {
    let mut out = String::with_capacity(template.len() + 16);
    let mut rest = template;
    while let Some(open) = rest.find('{') {
        out.push_str(&rest[..open]);
        let after = &rest[open..];
        let Some(close) = after.find('}') else {
            rest = after;
            break;
        };
        let name = after[1..close]
            .trim()
            .strip_prefix('$')
            .unwrap_or("")
            .trim();
        match args.iter().find(|(n, _)| *n == name) {
            Some((_, value)) => {
                let _ = write!(out, "{value}");
            }
            None => out.push_str(&after[..=close]),
        }
        rest = &after[close + 1..];
    }
    out.push_str(rest);
    out
}

/// The placeholders (`name` of every `{ $name }`) of a message text, in order.
pub fn placeholders(template: &str) -> Vec<&str> {
    let mut out = Vec::new();
    let mut rest = template;
    while let Some(open) = rest.find('{') {
        let after = &rest[open..];
        let Some(close) = after.find('}') else {
            break;
        };
        if let Some(name) = after[1..close].trim().strip_prefix('$') {
            out.push(name.trim());
        }
        rest = &after[close + 1..];
    }
    out
}

/// A message as a value: formats as [`text`] when displayed.
pub struct Message<'a> {
    /// The message id.
    pub id: &'a str,
    /// Its values.
    pub args: &'a [(&'a str, &'a dyn Display)],
}

impl Display for Message<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&text(self.id, self.args))
    }
}

/// A message in the current language: `tr!("id")`, or `tr!("id", name = value, ...)`
/// for a message with `{ $name }` placeholders (any `Display` value).
#[macro_export]
macro_rules! tr {
    ($id:literal) => {
        $crate::i18n::text($id, &[])
    };
    ($id:literal, $($name:ident = $value:expr),+ $(,)?) => {
        $crate::i18n::text($id, &[$((stringify!($name), &$value as &dyn ::std::fmt::Display)),+])
    };
}

#[cfg(test)]
mod tests;
