//! The page's words in the technician's language: one catalogue per language in
//! `locales/` (Fluent syntax, one message per line; see `locales/README.md`), embedded
//! in the module, and the one function every sentence goes through, [`text`] (the
//! [`tr!`](crate::tr) macro).
//!
//! The language is chosen once per page load ([`choose`]: `config.json`'s `language`,
//! else the browser's preferred languages, else English) and set with [`set_language`];
//! until then, and in the command-line tool, everything is English. A message a
//! catalogue lacks falls back to English; tests keep every catalogue complete.
//!
//! Values in a message (field names, addresses, URLs, HTTP statuses) are inserted as
//! they are: the page only ever puts text into the document through `textContent`.

use std::cell::Cell;
use std::fmt::{self, Display, Write as _};

/// Every catalogue: its language code and its text. English first: it is the default
/// and the fallback. A new language is one file in `locales/` and one line here.
pub const LANGUAGES: &[(&str, &str)] = &[
    (
        "en",
        concat!(
            include_str!("../../locales/en.ftl"),
            include_str!("../../locales/parts/a.en.ftl"),
            include_str!("../../locales/parts/b.en.ftl"),
            include_str!("../../locales/parts/c.en.ftl"),
        ),
    ),
    (
        "fr",
        concat!(
            include_str!("../../locales/fr.ftl"),
            include_str!("../../locales/parts/a.fr.ftl"),
            include_str!("../../locales/parts/b.fr.ftl"),
            include_str!("../../locales/parts/c.fr.ftl"),
        ),
    ),
];

/// What `config.json`'s `language` may say besides a language code: follow the browser.
pub const AUTO: &str = "auto";

thread_local! {
    /// The index in [`LANGUAGES`] of the current language.
    static CURRENT: Cell<usize> = const { Cell::new(0) };
}

/// The language codes there are catalogues for, English first.
pub fn available() -> impl Iterator<Item = &'static str> {
    LANGUAGES.iter().map(|(code, _)| *code)
}

/// Whether `code` names a catalogue (exactly: `"fr"`, not `"FR"` or `"fr-FR"`).
pub fn is_available(code: &str) -> bool {
    available().any(|c| c == code)
}

/// The language code currently used by [`text`].
pub fn language() -> &'static str {
    LANGUAGES[CURRENT.with(Cell::get)].0
}

/// Makes `code` the current language; `false` (and no change) when there is no
/// catalogue for it.
pub fn set_language(code: &str) -> bool {
    match LANGUAGES.iter().position(|(c, _)| *c == code) {
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
pub fn choose<'a>(configured: Option<&str>, preferred: impl IntoIterator<Item = &'a str>) -> &'static str {
    if let Some(code) = configured.and_then(|c| LANGUAGES.iter().find(|(l, _)| *l == c)) {
        return code.0;
    }
    for tag in preferred {
        let primary = tag.split(['-', '_']).next().unwrap_or("").trim();
        if let Some((code, _)) = LANGUAGES
            .iter()
            .find(|(l, _)| l.eq_ignore_ascii_case(primary))
        {
            return code;
        }
    }
    LANGUAGES[0].0
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

/// Message `id` in `code`'s catalogue, falling back to English, then to the id itself
/// (which the tests never let happen), with every `{ $name }` replaced by the value
/// `args` gives for `name`.
pub fn text_in(code: &str, id: &str, args: &[(&str, &dyn Display)]) -> String {
    let source = LANGUAGES
        .iter()
        .find(|(c, _)| *c == code)
        .map_or(LANGUAGES[0].1, |(_, s)| s);
    let template = find(source, id)
        .or_else(|| find(LANGUAGES[0].1, id))
        .unwrap_or(id);
    fill(template, args)
}

/// Message `id` in the current language (see [`text_in`]).
pub fn text(id: &str, args: &[(&str, &dyn Display)]) -> String {
    text_in(language(), id, args)
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
        let name = after[1..close].trim().strip_prefix('$').unwrap_or("").trim();
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
