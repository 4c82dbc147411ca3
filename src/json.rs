//! JSON for the core, wherever it runs: a plain value ([`Json`]) and a reader for
//! objects ([`Fields`]) that names the field at fault.
//!
//! Natively the text is parsed by `serde_json`. In the browser the page uses the
//! browser's own `JSON.parse` and walks the result (`crate::web::json`), which keeps
//! `serde_json`, and serde's generated readers, out of the WebAssembly module: every
//! format the page reads (`config.json`, the signed export, the Graph and endpoint
//! answers) is read from a [`Json`] by hand.

use std::fmt;

/// A JSON value. Objects keep their members in order; a repeated name keeps its last
/// value, as `JSON.parse` does.
#[derive(Clone, Debug, PartialEq)]
pub enum Json {
    /// `null`.
    Null,
    /// `true` or `false`.
    Bool(bool),
    /// A number.
    Number(f64),
    /// A string.
    String(String),
    /// A list.
    Array(Vec<Json>),
    /// An object.
    Object(Vec<(String, Json)>),
}

/// Parses `text`; the error is a one-line description.
pub fn parse(text: &str) -> Result<Json, String> {
    #[cfg(not(target_arch = "wasm32"))]
    {
        serde_json::from_str::<serde_json::Value>(text)
            .map(from_serde)
            .map_err(|e| e.to_string())
    }
    #[cfg(target_arch = "wasm32")]
    {
        crate::web::json::parse(text)
    }
}

#[cfg(not(target_arch = "wasm32"))]
fn from_serde(v: serde_json::Value) -> Json {
    use serde_json::Value;
    match v {
        Value::Null => Json::Null,
        Value::Bool(b) => Json::Bool(b),
        // Every number, as JavaScript reads it.
        Value::Number(n) => Json::Number(n.as_f64().unwrap_or(f64::NAN)),
        Value::String(s) => Json::String(s),
        Value::Array(a) => Json::Array(a.into_iter().map(from_serde).collect()),
        Value::Object(o) => Json::Object(o.into_iter().map(|(k, v)| (k, from_serde(v))).collect()),
    }
}

impl Json {
    /// What kind of value this is, for messages: "a string", "a number"... in the
    /// page's language.
    pub fn kind(&self) -> String {
        match self {
            Json::Null => crate::tr!("json-kind-null"),
            Json::Bool(_) => crate::tr!("json-kind-bool"),
            Json::Number(_) => crate::tr!("json-kind-number"),
            Json::String(_) => crate::tr!("json-kind-string"),
            Json::Array(_) => crate::tr!("json-kind-list"),
            Json::Object(_) => crate::tr!("json-kind-object"),
        }
    }

    /// The string, when this is one.
    pub fn as_str(&self) -> Option<&str> {
        match self {
            Json::String(s) => Some(s),
            _ => None,
        }
    }

    /// The items, when this is a list.
    pub fn as_array(&self) -> Option<&[Json]> {
        match self {
            Json::Array(a) => Some(a),
            _ => None,
        }
    }

    /// A whole number from 0 to 2^53, when this is one.
    pub fn as_u64(&self) -> Option<u64> {
        match self {
            Json::Number(n) if n.fract() == 0.0 && (0.0..=9_007_199_254_740_992.0).contains(n) => {
                Some(*n as u64)
            }
            _ => None,
        }
    }
}

/// A value of the wrong kind, or missing: the field's path and what it should be.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FieldError {
    /// The field's path, e.g. `profiles.sandbox.sandbox` (`""` for the whole document).
    pub field: String,
    /// What is wrong, e.g. `must be true or false, not a string` (in the page's
    /// language).
    pub problem: String,
}

impl fmt::Display for FieldError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.field.is_empty() {
            f.write_str(&self.problem)
        } else {
            f.write_str(&crate::tr!(
                "json-field",
                field = self.field,
                problem = self.problem
            ))
        }
    }
}

/// `must be {expected}, not {what found is}`.
fn must_be(expected: &str, found: &Json) -> String {
    crate::tr!("json-must-be", expected = expected, found = found.kind())
}

/// `a string "..."`: what a string field must be.
fn a_string() -> String {
    format!("{} \"...\"", crate::tr!("json-kind-string"))
}

/// `a list [...]`: what a list field must be.
fn a_list() -> String {
    format!("{} [...]", crate::tr!("json-kind-list"))
}

/// The members of an object being read, with the path its fields are named under.
pub struct Fields<'a> {
    path: String,
    members: &'a [(String, Json)],
}

impl<'a> Fields<'a> {
    /// Reads `value` as an object whose fields are named `path` + name (`path` is
    /// `""` or ends with `.`).
    pub fn of(value: &'a Json, path: &str) -> Result<Fields<'a>, FieldError> {
        match value {
            Json::Object(members) => Ok(Fields {
                path: path.to_string(),
                members,
            }),
            other => Err(FieldError {
                field: path.trim_end_matches('.').to_string(),
                problem: must_be(
                    &format!("{} {{...}}", crate::tr!("json-kind-object")),
                    other,
                ),
            }),
        }
    }

    /// The path of field `name`.
    pub fn path(&self, name: &str) -> String {
        format!("{}{name}", self.path)
    }

    /// The members, in order.
    pub fn members(&self) -> impl Iterator<Item = (&'a str, &'a Json)> {
        self.members.iter().map(|(k, v)| (k.as_str(), v))
    }

    /// Field `name`, unless absent or `null`.
    pub fn get(&self, name: &str) -> Option<&'a Json> {
        self.members
            .iter()
            .rev()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v)
            .filter(|v| **v != Json::Null)
    }

    fn wrong(&self, name: &str, expected: &str, found: &Json) -> FieldError {
        FieldError {
            field: self.path(name),
            problem: must_be(expected, found),
        }
    }

    /// A field that must be present (and not `null`).
    pub fn required<T>(
        &self,
        name: &str,
        value: Result<Option<T>, FieldError>,
    ) -> Result<T, FieldError> {
        value?.ok_or_else(|| FieldError {
            field: self.path(name),
            problem: crate::tr!("json-missing"),
        })
    }

    /// An optional string field.
    pub fn str(&self, name: &str) -> Result<Option<&'a str>, FieldError> {
        match self.get(name) {
            None => Ok(None),
            Some(Json::String(s)) => Ok(Some(s)),
            Some(other) => Err(self.wrong(name, &a_string(), other)),
        }
    }

    /// An optional `true`/`false` field.
    pub fn bool(&self, name: &str) -> Result<Option<bool>, FieldError> {
        match self.get(name) {
            None => Ok(None),
            Some(Json::Bool(b)) => Ok(Some(*b)),
            Some(other) => Err(self.wrong(name, &crate::tr!("json-kind-bool"), other)),
        }
    }

    /// An optional whole-number field.
    pub fn u64(&self, name: &str) -> Result<Option<u64>, FieldError> {
        match self.get(name) {
            None => Ok(None),
            // (The number itself is not shown: formatting a float would bring float
            // printing, about 10 KB gzipped, into the page's module.)
            Some(v) => v.as_u64().map(Some).ok_or_else(|| match v {
                Json::Number(_) => FieldError {
                    field: self.path(name),
                    problem: crate::tr!("json-whole-number-range"),
                },
                other => self.wrong(name, &crate::tr!("json-kind-whole-number"), other),
            }),
        }
    }

    /// An optional list of strings.
    pub fn strings(&self, name: &str) -> Result<Option<Vec<String>>, FieldError> {
        match self.get(name) {
            None => Ok(None),
            Some(Json::Array(items)) => items
                .iter()
                .enumerate()
                .map(|(i, v)| {
                    v.as_str().map(str::to_string).ok_or_else(|| FieldError {
                        field: format!("{}[{i}]", self.path(name)),
                        problem: must_be(&a_string(), v),
                    })
                })
                .collect::<Result<Vec<_>, _>>()
                .map(Some),
            Some(other) => Err(self.wrong(name, &a_list(), other)),
        }
    }

    /// An optional list.
    pub fn array(&self, name: &str) -> Result<Option<&'a [Json]>, FieldError> {
        match self.get(name) {
            None => Ok(None),
            Some(Json::Array(items)) => Ok(Some(items)),
            Some(other) => Err(self.wrong(name, &a_list(), other)),
        }
    }

    /// An optional object, read under the path `name.`.
    pub fn object(&self, name: &str) -> Result<Option<Fields<'a>>, FieldError> {
        match self.get(name) {
            None => Ok(None),
            Some(v) => Fields::of(v, &format!("{}.", self.path(name))).map(Some),
        }
    }

    /// The first field whose name is not in `known` (`null` ones included).
    pub fn unknown(&self, known: &[&str]) -> Option<&'a str> {
        self.members
            .iter()
            .map(|(k, _)| k.as_str())
            .find(|k| !known.contains(k))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    #[cfg(all(target_arch = "wasm32", target_os = "unknown"))]
    use wasm_bindgen_test::wasm_bindgen_test as test;

    #[test]
    fn values() {
        let v =
            parse(r#"{"a":"x","b":true,"n":3,"f":1.5,"l":["p","q"],"o":{"z":null},"a":"last"}"#)
                .unwrap();
        let f = Fields::of(&v, "").unwrap();
        assert_eq!(f.str("a"), Ok(Some("last")));
        assert_eq!(f.bool("b"), Ok(Some(true)));
        assert_eq!(f.u64("n"), Ok(Some(3)));
        assert_eq!(f.u64("missing"), Ok(None));
        assert_eq!(
            f.strings("l"),
            Ok(Some(vec!["p".to_string(), "q".to_string()]))
        );
        let o = f.object("o").unwrap().unwrap();
        assert_eq!(o.str("z"), Ok(None));
        assert_eq!(o.path("z"), "o.z");
        assert_eq!(f.unknown(&["a", "b", "n", "f", "l"]), Some("o"));
        let e = f.u64("f").unwrap_err();
        assert_eq!(
            e.to_string(),
            "field 'f' must be a whole number from 0 to 2^53"
        );
        let e = f.str("b").unwrap_err();
        assert_eq!(e.field, "b");
        assert_eq!(e.problem, "must be a string \"...\", not true or false");
        let e = o
            .bool("missing")
            .and_then(|b| o.required("missing", Ok(b)))
            .unwrap_err();
        assert_eq!(e.to_string(), "field 'o.missing' is missing");
        let bad = parse(r#"{"l":["p",1]}"#).unwrap();
        let e = Fields::of(&bad, "x.").unwrap().strings("l").unwrap_err();
        assert_eq!(e.field, "x.l[1]");
        assert!(Fields::of(&Json::Array(vec![]), "").is_err());
        assert!(parse("{").is_err());
        assert_eq!(parse("-1").unwrap().as_u64(), None);
        assert_eq!(parse("12345678901").unwrap().as_u64(), Some(12_345_678_901));
    }

    #[test]
    fn problems_in_french() {
        let v = parse(r#"{"a":1,"l":"x"}"#).unwrap();
        crate::i18n::set_language("fr");
        let f = Fields::of(&v, "p.").unwrap();
        let a = f.str("a").unwrap_err().to_string();
        let l = f.strings("l").unwrap_err().to_string();
        let m = f.required("m", f.str("m")).unwrap_err().to_string();
        let o = Fields::of(&Json::Null, "o.").err().unwrap().to_string();
        crate::i18n::set_language("en");
        assert_eq!(
            a,
            "le champ « p.a » doit être une chaîne \"...\", pas un nombre"
        );
        assert_eq!(
            l,
            "le champ « p.l » doit être une liste [...], pas une chaîne"
        );
        assert_eq!(m, "le champ « p.m » est absent");
        assert_eq!(o, "le champ « o » doit être un objet {...}, pas null");
    }
}
