//! What the page loads: the files `index.html` references (scripts, module preloads,
//! style sheets, the WebAssembly preload) and what its JavaScript modules import or
//! fetch (`import ... from './x.js'`, `new URL('./x.wasm', import.meta.url)`).
//!
//! `cargo xtask dist` rewrites every such reference to a content-hashed name
//! (`main-0123456789.js`); the check fetches what the deployed files actually name, so
//! it needs no list of expected names. The readers below are small and forgiving: they
//! understand the shipped files and anything written like them, not every HTML or
//! JavaScript there is.

/// What a referenced file is, which decides the content type it must be served with.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum Kind {
    /// A classic script (`<script src>`).
    Script,
    /// A JavaScript module (`<script type="module">`, `<link rel="modulepreload">`, an
    /// `import`): browsers run it only when served as JavaScript.
    Module,
    /// A style sheet.
    Style,
    /// The WebAssembly module.
    Wasm,
    /// Anything else a module fetches relative to itself.
    Other,
}

impl Kind {
    /// The word the report uses: `script`, `module`, `style`, `wasm`, `file`.
    pub fn word(self) -> &'static str {
        match self {
            Kind::Script => "script",
            Kind::Module => "module",
            Kind::Style => "style",
            Kind::Wasm => "wasm",
            Kind::Other => "file",
        }
    }
}

/// One file a page or module refers to.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Reference {
    /// What it is.
    pub kind: Kind,
    /// The reference as written (relative to the referring file), entities decoded.
    pub href: String,
}

fn reference(kind: Kind, href: &str) -> Option<Reference> {
    let href = href.trim();
    (!href.is_empty() && !href.starts_with('#')).then(|| Reference {
        kind,
        href: href.to_string(),
    })
}

/// Decodes the character references the shipped pages may use in attribute values.
fn decode_entities(s: &str) -> String {
    s.replace("&quot;", "\"")
        .replace("&#39;", "'")
        .replace("&apos;", "'")
        .replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&amp;", "&")
}

/// One start tag: its lowercase name and its attributes (names lowercased, values
/// decoded).
#[derive(Debug)]
struct Tag {
    name: String,
    attributes: Vec<(String, String)>,
    /// The raw text of a `<script>` or `<style>` element, up to its end tag.
    text: Option<String>,
}

impl Tag {
    fn get(&self, name: &str) -> Option<&str> {
        self.attributes
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, v)| v.as_str())
    }
}

/// Reads the attributes of a start tag from `s` (just after its name); returns them
/// and how many bytes the rest of the tag took, up to and including its `>`.
fn attributes(s: &str) -> (Vec<(String, String)>, usize) {
    let b = s.as_bytes();
    let mut i = 0;
    let mut out = Vec::new();
    loop {
        while i < b.len() && (b[i].is_ascii_whitespace() || b[i] == b'/') {
            i += 1;
        }
        if i >= b.len() {
            return (out, i);
        }
        if b[i] == b'>' {
            return (out, i + 1);
        }
        let start = i;
        while i < b.len() && !b[i].is_ascii_whitespace() && !matches!(b[i], b'=' | b'>' | b'/') {
            i += 1;
        }
        let name = s[start..i].to_ascii_lowercase();
        while i < b.len() && b[i].is_ascii_whitespace() {
            i += 1;
        }
        let mut value = String::new();
        if i < b.len() && b[i] == b'=' {
            i += 1;
            while i < b.len() && b[i].is_ascii_whitespace() {
                i += 1;
            }
            if i < b.len() && (b[i] == b'"' || b[i] == b'\'') {
                let quote = b[i];
                let from = i + 1;
                let len = b[from..].iter().position(|&c| c == quote);
                let end = len.map_or(b.len(), |n| from + n);
                value = decode_entities(&s[from..end]);
                i = (end + 1).min(b.len());
            } else {
                let from = i;
                while i < b.len() && !b[i].is_ascii_whitespace() && b[i] != b'>' {
                    i += 1;
                }
                value = decode_entities(&s[from..i]);
            }
        }
        if !name.is_empty() {
            out.push((name, value));
        }
    }
}

/// The start tags of `html`, skipping comments and the content of `<script>` and
/// `<style>` elements.
fn tags(html: &str) -> Vec<Tag> {
    let mut out = Vec::new();
    let mut rest = html;
    while let Some(at) = rest.find('<') {
        rest = &rest[at + 1..];
        if let Some(after) = rest.strip_prefix("!--") {
            rest = after.find("-->").map_or("", |end| &after[end + 3..]);
            continue;
        }
        let name_len = rest
            .bytes()
            .take_while(|b| b.is_ascii_alphanumeric())
            .count();
        if name_len == 0 {
            continue;
        }
        let name = rest[..name_len].to_ascii_lowercase();
        let (attributes, used) = attributes(&rest[name_len..]);
        rest = &rest[name_len + used..];
        let mut text = None;
        if name == "script" || name == "style" {
            // Raw text: anything up to the end tag is not markup.
            let close = format!("</{name}");
            let lower = rest.to_ascii_lowercase();
            let end = lower.find(&close).unwrap_or(rest.len());
            text = Some(rest[..end].to_string());
            rest = &rest[end..];
        }
        out.push(Tag {
            name,
            attributes,
            text,
        });
    }
    out
}

/// Whether a `<script type>` is JavaScript: no type, a JavaScript MIME type, or
/// `module`.
fn is_javascript_type(t: &str) -> bool {
    let t = t.trim().to_ascii_lowercase();
    t.is_empty() || t == "module" || super::rules::is_javascript(&t)
}

/// The files `index.html` makes the browser load, in document order, each once:
/// `<script src>`, `<link rel="modulepreload">`, `<link rel="stylesheet">` and
/// `<link rel="preload">` of a script, style sheet or WebAssembly module.
pub fn page_references(html: &str) -> Vec<Reference> {
    let mut out: Vec<Reference> = Vec::new();
    for tag in tags(html) {
        let found = match tag.name.as_str() {
            "script" => {
                let t = tag.get("type").unwrap_or("");
                let kind = if t.trim().eq_ignore_ascii_case("module") {
                    Kind::Module
                } else {
                    Kind::Script
                };
                tag.get("src")
                    .filter(|_| is_javascript_type(t))
                    .and_then(|src| reference(kind, src))
            }
            "link" => {
                let rel = tag.get("rel").unwrap_or("").to_ascii_lowercase();
                let rels: Vec<&str> = rel.split_ascii_whitespace().collect();
                let href = tag.get("href").unwrap_or("");
                let as_ = tag.get("as").unwrap_or("").to_ascii_lowercase();
                let wasm = tag
                    .get("type")
                    .is_some_and(|t| t.trim().eq_ignore_ascii_case("application/wasm"))
                    || path_of(href).to_ascii_lowercase().ends_with(".wasm");
                let kind = if rels.contains(&"stylesheet") {
                    Some(Kind::Style)
                } else if rels.contains(&"modulepreload") {
                    Some(Kind::Module)
                } else if rels.contains(&"preload") {
                    match as_.as_str() {
                        "script" => Some(Kind::Script),
                        "style" => Some(Kind::Style),
                        "fetch" if wasm => Some(Kind::Wasm),
                        "fetch" => Some(Kind::Other),
                        _ => None,
                    }
                } else {
                    None
                };
                kind.and_then(|k| reference(k, href))
            }
            _ => None,
        };
        if let Some(r) = found {
            if !out.iter().any(|o| o.href == r.href) {
                out.push(r);
            }
        }
    }
    out
}

/// The inline scripts (`<script>` without `src`, JavaScript or module) and `<style>`
/// elements of `html`, in document order: their kind ([`Kind::Script`],
/// [`Kind::Module`] or [`Kind::Style`]) and text, which the Content-Security-Policy
/// must allow by hash, and where a module names the files it loads.
pub fn inline_elements(html: &str) -> Vec<(Kind, String)> {
    tags(html)
        .into_iter()
        .filter_map(|tag| {
            let kind = match tag.name.as_str() {
                "script" if tag.get("src").is_none() => {
                    let t = tag.get("type").unwrap_or("");
                    if t.trim().eq_ignore_ascii_case("module") {
                        Kind::Module
                    } else {
                        is_javascript_type(t).then_some(Kind::Script)?
                    }
                }
                "style" => Kind::Style,
                _ => return None,
            };
            Some((kind, tag.text?))
        })
        .collect()
}

/// The path part of a reference (without `?query` or `#fragment`).
fn path_of(href: &str) -> &str {
    href.split(['?', '#']).next().unwrap_or(href)
}

/// A token of JavaScript, as far as finding imports needs.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Token<'a> {
    /// An identifier or keyword (or a number).
    Word(&'a str),
    /// A string literal's content, escapes left as written (a template literal
    /// without substitutions counts).
    Str(&'a str),
    /// Any other character.
    Punct(char),
}

/// Whether a `/` after `prev` starts a regular expression rather than a division.
fn regex_may_follow(prev: Option<Token<'_>>) -> bool {
    match prev {
        None => true,
        Some(Token::Punct(c)) => !matches!(c, ')' | ']' | '}'),
        Some(Token::Word(w)) => matches!(
            w,
            "return"
                | "typeof"
                | "case"
                | "do"
                | "else"
                | "in"
                | "of"
                | "new"
                | "delete"
                | "void"
                | "throw"
                | "yield"
                | "await"
                | "instanceof"
        ),
        Some(Token::Str(_)) => false,
    }
}

/// Splits JavaScript into tokens, leaving out comments and regular expressions.
fn tokens(js: &str) -> Vec<Token<'_>> {
    let b = js.as_bytes();
    let mut out: Vec<Token<'_>> = Vec::new();
    let mut i = 0;
    let is_word = |c: u8| c.is_ascii_alphanumeric() || c == b'_' || c == b'$' || c >= 0x80;
    while i < b.len() {
        let c = b[i];
        if c.is_ascii_whitespace() {
            i += 1;
        } else if b[i..].starts_with(b"//") {
            i = b[i..]
                .iter()
                .position(|&c| c == b'\n')
                .map_or(b.len(), |n| i + n);
        } else if b[i..].starts_with(b"/*") {
            i = js[i + 2..].find("*/").map_or(b.len(), |n| i + 2 + n + 2);
        } else if c == b'/' && regex_may_follow(out.last().copied()) {
            // A regular expression literal: up to the unescaped `/` outside a class.
            i += 1;
            let mut class = false;
            while i < b.len() && b[i] != b'\n' {
                match b[i] {
                    b'\\' => i += 1,
                    b'[' => class = true,
                    b']' => class = false,
                    b'/' if !class => break,
                    _ => {}
                }
                i += 1;
            }
            i += 1;
            while i < b.len() && is_word(b[i]) {
                i += 1;
            }
        } else if matches!(c, b'\'' | b'"' | b'`') {
            let from = i + 1;
            i = from;
            while i < b.len() && b[i] != c {
                if b[i] == b'\\' {
                    i += 1;
                }
                i += 1;
            }
            let content = js.get(from..i.min(b.len())).unwrap_or("");
            i += 1;
            if !(c == b'`' && content.contains("${")) {
                out.push(Token::Str(content));
            }
        } else if is_word(c) {
            let from = i;
            while i < b.len() && is_word(b[i]) {
                i += 1;
            }
            out.push(Token::Word(&js[from..i]));
        } else {
            // A whole character, even outside ASCII.
            let ch = js[i..].chars().next().unwrap_or(' ');
            out.push(Token::Punct(ch));
            i += ch.len_utf8().max(1);
        }
    }
    out
}

/// Whether an import specifier names a file (relative, root-relative or absolute
/// URL) rather than a bare package name, which browsers cannot load without an
/// import map.
fn is_url_specifier(s: &str) -> bool {
    s.starts_with("./")
        || s.starts_with("../")
        || s.starts_with('/')
        || s.starts_with("https://")
        || s.starts_with("http://")
}

/// The files a JavaScript module loads, each once: what it imports (`import ... from`,
/// `export ... from`, `import '...'`, `import('...')`), and what it fetches relative
/// to itself (`new URL('...', import.meta.url)`: a `.wasm` file is the WebAssembly
/// module).
pub fn module_references(js: &str) -> Vec<Reference> {
    let t = tokens(js);
    let mut out: Vec<Reference> = Vec::new();
    let mut push = |r: Option<Reference>| {
        if let Some(r) = r {
            if !out.iter().any(|o| o.href == r.href) {
                out.push(r);
            }
        }
    };
    for i in 0..t.len() {
        let after_dot = i > 0 && t[i - 1] == Token::Punct('.');
        if after_dot {
            continue;
        }
        match &t[i..] {
            [Token::Word("from" | "import"), Token::Str(s), ..]
            | [Token::Word("import"), Token::Punct('('), Token::Str(s), Token::Punct(')'), ..]
                if is_url_specifier(s) =>
            {
                push(reference(Kind::Module, s))
            }
            [Token::Word("new"), Token::Word("URL"), Token::Punct('('), Token::Str(s), Token::Punct(','), Token::Word("import"), Token::Punct('.'), Token::Word("meta"), Token::Punct('.'), Token::Word("url"), ..] =>
            {
                let kind = if path_of(s).to_ascii_lowercase().ends_with(".wasm") {
                    Kind::Wasm
                } else {
                    Kind::Other
                };
                push(reference(kind, s))
            }
            _ => {}
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn refs(list: &[Reference]) -> Vec<(Kind, &str)> {
        list.iter().map(|r| (r.kind, r.href.as_str())).collect()
    }

    #[test]
    fn inline_scripts_and_styles() {
        let html = r#"<head><style>p { color: red }</style><script src="a.js"></script>
            <script type="module">import x from './x.js';</script>
            <script type="application/json">{"not": "a script"}</script>
            <!-- <script>commented()</script> --></head>
            <body><SCRIPT>boot("</p>")</SCRIPT></body>"#;
        assert_eq!(
            inline_elements(html),
            vec![
                (Kind::Style, "p { color: red }".to_string()),
                (Kind::Module, "import x from './x.js';".to_string()),
                (Kind::Script, "boot(\"</p>\")".to_string()),
            ]
        );
        assert_eq!(inline_elements("<p>no script</p>"), vec![]);
    }

    #[test]
    fn the_shipped_page_and_its_dist_rewrite() {
        let www = include_str!("../../../www/index.html");
        assert_eq!(
            refs(&page_references(www)),
            [
                (Kind::Style, "style.css"),
                (Kind::Module, "main.js"),
                (Kind::Wasm, "lync_quickcall_bg.wasm"),
                (Kind::Other, "config.json"),
                (Kind::Script, "boot.js"),
            ]
        );
        // As `cargo xtask dist` rewrites it.
        let dist = www
            .replace("\"style.css\"", "\"style-0123456789.css\"")
            .replace("\"main.js\"", "\"main-0123456789.js\"")
            .replace("\"boot.js\"", "\"boot-0123456789.js\"")
            .replace(
                "\"lync_quickcall_bg.wasm\"",
                "\"lync_quickcall_bg-0123456789.wasm\"",
            );
        let names: Vec<String> = page_references(&dist).into_iter().map(|r| r.href).collect();
        assert_eq!(
            names,
            [
                "style-0123456789.css",
                "main-0123456789.js",
                "lync_quickcall_bg-0123456789.wasm",
                "config.json",
                "boot-0123456789.js"
            ]
        );
    }

    #[test]
    fn html_forms_and_what_is_not_a_reference() {
        let html = r#"<!doctype html><html><head>
            <!-- <script src="commented.js"></script> -->
            <LINK REL=stylesheet HREF=a.css>
            <link rel='icon' href='favicon.ico'>
            <link rel="preload" as="script" href="p.js?v=1&amp;x=2">
            <link rel="preload" as="fetch" href="data.bin">
            <link rel="preload" as="image" href="i.png">
            <script>var s = '<script src="inline.js">';</script>
            <script type="application/json" src="data.json"></script>
            <script type="text/javascript" src="classic.js"></script>
            <script type=module src="./m.js"></script>
            <script src="classic.js"></script>
            <style>body { background: url("x.png") } <link rel=stylesheet href=no.css></style>
            <script src=""></script>
            </head></html>"#;
        assert_eq!(
            refs(&page_references(html)),
            [
                (Kind::Style, "a.css"),
                (Kind::Script, "p.js?v=1&x=2"),
                (Kind::Other, "data.bin"),
                (Kind::Script, "classic.js"),
                (Kind::Module, "./m.js"),
            ]
        );
        assert!(page_references("").is_empty());
        assert!(page_references("<p>no scripts <").is_empty());
        assert!(page_references("<script src=\"unterminated").len() == 1);
    }

    #[test]
    fn module_imports_and_the_wasm_url() {
        let main = include_str!("../../../www/main.js");
        assert_eq!(
            refs(&module_references(main)),
            [
                (Kind::Module, "./lync_quickcall.js"),
                // Imported only to hand a Graph configuration over; checked all the same.
                (Kind::Module, "./graph.js"),
                (Kind::Wasm, "./lync_quickcall_bg.wasm"),
            ]
        );
        let graph = include_str!("../../../www/graph.js");
        assert_eq!(
            refs(&module_references(graph)),
            [
                (Kind::Module, "./lync_quickcall_graph.js"),
                (Kind::Wasm, "./lync_quickcall_graph_bg.wasm"),
            ]
        );
        // wasm-bindgen's glue names the module without "./".
        let glue = r#"
            let wasm;
            const cachedTextDecoder = (typeof TextDecoder !== 'undefined' ? new TextDecoder('utf-8', { ignoreBOM: true, fatal: true }) : { decode: () => { throw Error('TextDecoder not available') } } );
            function debugString(val) {
                const builtInMatches = /\[object ([^\]]+)\]/.exec(toString.call(val));
                const className = x / 2 / 3;
                return Array.from('abc');
            }
            function __wbg_get_imports() { const imports = {}; imports.wbg = {}; return imports; }
            async function __wbg_init(module_or_path) {
                if (typeof module_or_path === 'undefined') {
                    module_or_path = new URL('lync_quickcall_bg-0123456789.wasm', import.meta.url);
                }
                const imports = __wbg_get_imports();
            }
            export default __wbg_init;
        "#;
        assert_eq!(
            refs(&module_references(glue)),
            [(Kind::Wasm, "lync_quickcall_bg-0123456789.wasm")]
        );
        let forms = r#"
            // import x from './commented.js';
            /* import y from "./block.js"; */
            import a from "./a.js";
            import { b } from '../b.mjs';
            import './side.js';
            export * from "/abs/c.js";
            const d = import("./d.js");
            import e from 'bare-package';
            const s = "import f from './in-string.js'";
            const t = `template ${x} from './t.js'`;
            foo.import('./method.js');
            new URL("./data.json", import.meta.url);
            new URL('./a.js', import.meta.url);
        "#;
        assert_eq!(
            refs(&module_references(forms)),
            [
                (Kind::Module, "./a.js"),
                (Kind::Module, "../b.mjs"),
                (Kind::Module, "./side.js"),
                (Kind::Module, "/abs/c.js"),
                (Kind::Module, "./d.js"),
                (Kind::Other, "./data.json"),
            ]
        );
        assert!(module_references("").is_empty());
        assert!(module_references("'unterminated").is_empty());
        assert!(module_references("/ unterminated regex").is_empty());
    }
}
