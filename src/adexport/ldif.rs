//! LDIF as `ldapsearch` prints it (RFC 2849, content records only).
//!
//! Handled: `version: 1`, comments (`#`, with their continuation lines), records
//! starting with `dn:` and ending with a blank line, `attr: value`, `attr:: base64`
//! (decoded as UTF-8), lines folded onto continuation lines that start with one space,
//! multi-valued attributes as repeated lines, attribute names in any case, attribute
//! options (`proxyAddresses;range=0-1499:`) dropped, CRLF line ends. Blocks without
//! `dn:` (`ldapsearch`'s `search:`/`result:` trailer, referrals) are skipped.
//! `attr:< URL` values are refused.

use base64::engine::general_purpose::STANDARD;
use base64::Engine as _;

use super::{ReadError, Record, Table};

/// One logical (unfolded) line and the physical line it starts on.
struct Logical {
    line: u64,
    text: String,
}

/// Unfolds continuation lines and drops comments; a blank line is kept as an empty one.
fn unfold(text: &str) -> Vec<Logical> {
    let mut out: Vec<Logical> = Vec::new();
    let mut in_comment = false;
    for (i, raw) in text.split('\n').enumerate() {
        let raw = raw.strip_suffix('\r').unwrap_or(raw);
        let line = i as u64 + 1;
        if let Some(rest) = raw.strip_prefix(' ') {
            if in_comment {
                continue;
            }
            if let Some(last) = out.last_mut().filter(|l| !l.text.is_empty()) {
                last.text.push_str(rest);
                continue;
            }
            // A continuation with nothing to continue: kept, so it is reported.
            out.push(Logical {
                line,
                text: raw.to_string(),
            });
            continue;
        }
        in_comment = raw.starts_with('#');
        if !in_comment {
            out.push(Logical {
                line,
                text: raw.to_string(),
            });
        }
    }
    out
}

/// Reads the text of an LDIF export.
pub fn read(text: &str) -> Result<Table, ReadError> {
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    let mut table = Table::default();
    // The record being read: its line and its (column, value) pairs; `None` between
    // records or in a block that is not an entry.
    let mut current: Option<(u64, Vec<(usize, String)>)> = None;
    let mut in_block = false;
    let finish = |table: &mut Table, current: &mut Option<(u64, Vec<(usize, String)>)>| {
        if let Some((line, pairs)) = current.take() {
            let mut values = vec![Vec::new(); table.columns.len()];
            for (col, v) in pairs {
                if !v.is_empty() {
                    values[col].push(v);
                }
            }
            table.records.push(Record { line, values });
        }
    };
    for Logical { line, text } in unfold(text) {
        if text.trim().is_empty() {
            finish(&mut table, &mut current);
            in_block = false;
            continue;
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
        let value = if let Some(b64) = rest.strip_prefix(':') {
            let bytes = STANDARD
                .decode(b64.trim())
                .map_err(|_| err(&format!("the base64 value of '{name}' is not valid base64")))?;
            String::from_utf8(bytes)
                .map_err(|_| err(&format!("the base64 value of '{name}' is not UTF-8 text")))?
        } else if rest.starts_with('<') {
            return Err(err(&format!(
                "the value of '{name}' is a URL ('{name}:<'), which this tool does not fetch"
            )));
        } else {
            rest.trim_start_matches(' ').to_string()
        };
        let first_of_block = !in_block;
        in_block = true;
        if name.eq_ignore_ascii_case("dn") {
            finish(&mut table, &mut current);
            let col = table.column_or_add("dn");
            current = Some((line, vec![(col, value.trim().to_string())]));
            continue;
        }
        if first_of_block && name.eq_ignore_ascii_case("version") {
            continue;
        }
        if let Some((_, pairs)) = current.as_mut() {
            let col = table.column_or_add(name);
            pairs.push((col, value.trim().to_string()));
        }
        // Otherwise: a block that is not an entry (search:/result:, ref:): skipped.
    }
    finish(&mut table, &mut current);
    if table.records.is_empty() {
        return Err(ReadError::Empty);
    }
    Ok(table)
}
