//! LDIF as `ldapsearch` prints it (RFC 2849, content records only).
//!
//! Handled: `version: 1`, comments (`#`, with their continuation lines), records
//! starting with `dn:` and ending with a blank line, `attr: value`, `attr:: base64`,
//! lines folded onto continuation lines that start with one space, multi-valued
//! attributes as repeated lines, attribute names in any case, attribute options
//! (`proxyAddresses;range=0-1499:`) dropped, CRLF line ends. Blocks without `dn:`
//! (`ldapsearch`'s `search:`/`result:` trailer, referrals) are skipped. `attr:< URL`
//! values are refused.
//!
//! Each line is one value: a `;` in it is part of the value ([`Table::joined`] is
//! false). A base64 value that is not UTF-8 text (`thumbnailPhoto::`, `objectGUID::`,
//! `objectSid::` in a dump made without an attribute list) is kept as a mark
//! ([`super::Issue::NotText`]): it matters only if the export uses that attribute.
//!
//! The file is read in one pass, and only folded lines are copied; each attribute name
//! is looked up in a hash map, so an entry's cost does not depend on how many other
//! attribute names the file has.

use std::borrow::Cow;
use std::collections::HashMap;

use base64::engine::general_purpose::STANDARD;
use base64::Engine as _;

use super::{ReadError, Record, Table, Value};

/// Calls `f` with each logical (unfolded) line and the physical line it starts on,
/// leaving comments out; a blank line is passed as an empty one. A continuation line
/// with nothing to continue is passed as it is (starting with a space), to be reported.
fn unfold<'a>(
    text: &'a str,
    mut f: impl FnMut(u64, &str) -> Result<(), ReadError>,
) -> Result<(), ReadError> {
    // The logical line being gathered: borrowed from `text` unless it was folded.
    let mut pending: Option<(u64, Cow<'a, str>)> = None;
    let mut in_comment = false;
    for (i, raw) in text.split('\n').enumerate() {
        let raw = raw.strip_suffix('\r').unwrap_or(raw);
        let line = i as u64 + 1;
        if let Some(rest) = raw.strip_prefix(' ') {
            if in_comment {
                continue;
            }
            if let Some((_, last)) = pending.as_mut().filter(|(_, l)| !l.is_empty()) {
                last.to_mut().push_str(rest);
                continue;
            }
        } else {
            in_comment = raw.starts_with('#');
            if in_comment {
                continue;
            }
        }
        if let Some((l, t)) = pending.replace((line, Cow::Borrowed(raw))) {
            f(l, &t)?;
        }
    }
    if let Some((l, t)) = pending {
        f(l, &t)?;
    }
    Ok(())
}

/// Reads the text of an LDIF export.
pub fn read(text: &str) -> Result<Table, ReadError> {
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    let mut table = Table::default();
    // Each attribute name as spelled in the file, for a lookup without lowercasing.
    let mut spelled: HashMap<String, usize> = HashMap::new();
    // The record being read; `None` between records or in a block that is no entry.
    let mut current: Option<Record> = None;
    let mut in_block = false;
    let finish = |table: &mut Table, current: &mut Option<Record>| {
        if let Some(record) = current.take() {
            table.records.push(record);
        }
    };
    unfold(text, |line, text| {
        if text.trim().is_empty() {
            finish(&mut table, &mut current);
            in_block = false;
            return Ok(());
        }
        let err = |problem: &str| ReadError::Ldif {
            line,
            problem: problem.to_string(),
        };
        if text.starts_with(' ') {
            return Err(err(
                "a continuation line (starting with a space) follows nothing",
            ));
        }
        let (name, rest) = text
            .split_once(':')
            .ok_or_else(|| err("the line is not 'attribute: value'"))?;
        let name = name.split(';').next().unwrap_or(name).trim();
        if name.is_empty()
            || !name
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '.')
        {
            return Err(err("the line is not 'attribute: value'"));
        }
        // The value: text, or the length of a value that is not text.
        let decoded;
        let value: Result<&str, usize> = if let Some(b64) = rest.strip_prefix(':') {
            let bytes = STANDARD
                .decode(b64.trim())
                .map_err(|_| err(&format!("the base64 value of '{name}' is not valid base64")))?;
            match String::from_utf8(bytes) {
                Ok(s) => {
                    decoded = s;
                    Ok(decoded.as_str())
                }
                Err(e) => Err(e.as_bytes().len()),
            }
        } else if rest.starts_with('<') {
            return Err(err(&format!(
                "the value of '{name}' is a URL ('{name}:<'), which this tool does not fetch"
            )));
        } else {
            Ok(rest.trim_start_matches(' '))
        };
        let first_of_block = !in_block;
        in_block = true;
        let is_dn = name.eq_ignore_ascii_case("dn");
        if is_dn {
            finish(&mut table, &mut current);
            current = Some(Record {
                line,
                values: Vec::new(),
            });
        } else if first_of_block && name.eq_ignore_ascii_case("version") {
            return Ok(());
        }
        // Otherwise, outside an entry: a block that is not one (search:/result:,
        // ref:), skipped.
        let Some(record) = current.as_mut() else {
            return Ok(());
        };
        let column = match spelled.get(name) {
            Some(&c) => c,
            None => {
                let c = table.column_or_add(if is_dn { "dn" } else { name });
                spelled.insert(name.to_string(), c);
                c
            }
        };
        match value.map(str::trim) {
            Ok("") => {}
            Ok(v) => record.values.push(Value::new(column, v, false)),
            Err(len) => record.values.push(Value::not_text(column, len)),
        }
        Ok(())
    })?;
    finish(&mut table, &mut current);
    if table.records.is_empty() {
        return Err(ReadError::Empty);
    }
    Ok(table)
}
