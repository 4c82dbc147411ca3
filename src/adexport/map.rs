//! From records to the users and lookup keys of an export.
//!
//! Each record is one user: its user id (column `mail` by default) is what the ITSM
//! knows. Its lookup keys come from:
//!
//! - address columns (default `msRTCSIP-PrimaryUserAddress`, `proxyAddresses`, `mail`,
//!   `userPrincipalName`): a leading `sip:` is dropped; in `proxyAddresses` only the
//!   `SIP:`, `SMTP:` and `smtp:` entries count (`X500:`, `EUM:`... are ignored).
//!   Addresses are validated and lowercased like a SIP contact ([`crate::SipAddress`]).
//! - phone columns (default `telephoneNumber`, `msRTCSIP-Line`, `mobile`): `tel:` URIs
//!   (`tel:+33123456789;ext=12`, whose parameters are dropped, as they are from a Lync
//!   `tel:` contact) or written numbers (`+33 (0)1 23 45 67 89`), normalised by
//!   [`crate::PhoneNumber::normalize`]. Numbers written in international form (`+...`)
//!   become E.164 and meet every other international spelling of the same number.
//!   National forms (`01 23 45 67 89`) are kept as their digits: no country or dial
//!   plan is assumed, so they only meet a contact with exactly the same digits.
//!
//! A CSV cell may hold several values separated by `;` (the `-join ';'` of the export
//! command); an LDIF line is one value, `;` included. Either way, URI parameters
//! (`;ext=12`, `;phone-context=...`, `;transport=tls`) belong to the value before
//! them: `EUM:4567;phone-context=Paris.contoso.com` is one (ignored) proxy address.
//!
//! The first column that gives a user a key wins (so the order of columns is the order
//! of preference shown by `?dryrun=1`). A key several users share is kept, mapping to
//! all of them (the page then offers a chooser), and reported; a key shared by more than
//! [`MAX_PEOPLE_PER_KEY`] users (a switchboard number) identifies nobody and is left
//! out, and reported. Rows that share a user id are one user.
//!
//! What one row can add to the export is bounded, and what is cut is reported
//! ([`MapReport::cut`]): a display name is kept up to [`MAX_DISPLAY_NAME_CHARS`]
//! characters, a row gives at most [`MAX_KEYS_PER_USER`] keys, and a single address or
//! number longer than [`MAX_KEY_VALUE_LEN`] bytes is no key. Mapping takes time
//! linear in the file: a key's people are stored up to one past the limit, and only
//! counted beyond.

use std::collections::hash_map::Entry;
use std::collections::{HashMap, HashSet};
use std::fmt;

use super::{Issue, Record, Table, Value};
use crate::contact::{printable, Contact, PhoneNumber, SipAddress};
use crate::published::{DirectoryEntries, ExportUser, Match, MAX_PEOPLE_PER_KEY};

/// How many examples each kind of problem keeps.
pub const EXAMPLES: usize = 5;

/// The longest user id accepted.
const MAX_USER_ID_LEN: usize = 256;

/// The longest display name kept, in characters: Active Directory's own limit for
/// `displayName`. A longer one is cut, and reported.
pub const MAX_DISPLAY_NAME_CHARS: usize = 256;

/// The most keys one row gives its user. Every key repeats the user's id and name in
/// the export, so this bounds what one row can add to it (50 entries of at most about
/// 1.5 KB). A real user has a handful: a SIP address, a mail address, a UPN, two or
/// three phone numbers, and a few `SIP:`/`SMTP:`/`smtp:` proxy addresses (an alias per
/// accepted domain, old names after a rename or a merger); 50 leaves room for a long
/// alias history, while a runaway row (thousands of scripted aliases) is cut, and
/// reported. When a row gives more, it keeps the first key of each column, then the
/// others in order of preference.
pub const MAX_KEYS_PER_USER: usize = 50;

/// The longest single address or phone number value read, in bytes. No real one comes
/// near (an address has at most 254 bytes); a longer value is reported, not parsed.
pub const MAX_KEY_VALUE_LEN: usize = 1024;

/// How many of the file's column names an error message lists.
const COLUMNS_SHOWN: usize = 50;

/// Default address columns, in order of preference.
pub const DEFAULT_ADDRESS_COLUMNS: [&str; 4] = [
    "msRTCSIP-PrimaryUserAddress",
    "proxyAddresses",
    "mail",
    "userPrincipalName",
];
/// Default phone columns, in order of preference.
pub const DEFAULT_PHONE_COLUMNS: [&str; 3] = ["telephoneNumber", "msRTCSIP-Line", "mobile"];
/// Display-name columns tried in turn when none is given.
pub const DEFAULT_DISPLAY_NAME_COLUMNS: [&str; 3] = ["displayName", "name", "cn"];

/// Which columns mean what. `None` means the defaults, whose absent columns are
/// skipped; columns given explicitly must exist.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct MapOptions {
    /// The user id column (`--user-id`).
    pub user_id: String,
    /// Address columns (`--keys`).
    pub addresses: Option<Vec<String>>,
    /// Phone columns (`--phones`).
    pub phones: Option<Vec<String>>,
    /// The display-name column (`--display-name`).
    pub display_name: Option<String>,
}

impl Default for MapOptions {
    fn default() -> Self {
        MapOptions {
            user_id: "mail".into(),
            addresses: None,
            phones: None,
            display_name: None,
        }
    }
}

/// A count of one kind of problem, with the first few examples.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Problems {
    /// How many times it happened.
    pub count: usize,
    /// The first [`EXAMPLES`], each naming its line.
    pub examples: Vec<String>,
}

impl Problems {
    fn push(&mut self, example: impl FnOnce() -> String) {
        self.count += 1;
        if self.examples.len() < EXAMPLES {
            self.examples.push(example());
        }
    }
}

/// What mapping did and skipped.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct MapReport {
    /// Records read.
    pub rows: usize,
    /// Users exported (with at least one key).
    pub users: usize,
    /// Distinct lookup keys exported.
    pub keys: usize,
    /// The columns used, as `role: column` lines.
    pub columns: Vec<String>,
    /// Default columns the file does not have.
    pub missing_default_columns: Vec<String>,
    /// Rows without a user id (skipped).
    pub no_user_id: Problems,
    /// Values that are not an address or phone number, or not text (skipped).
    pub bad_values: Problems,
    /// What was cut to size: a display name longer than [`MAX_DISPLAY_NAME_CHARS`], a
    /// row with more than [`MAX_KEYS_PER_USER`] keys, a value longer than
    /// [`super::MAX_VALUE_LEN`] bytes (the rest of the row is exported).
    pub cut: Problems,
    /// Keys given to a user that another user already has (kept: chooser).
    pub duplicate_keys: Problems,
    /// Keys shared by more than [`MAX_PEOPLE_PER_KEY`] users (left out).
    pub too_shared: Problems,
    /// Rows whose user id an earlier row has (merged into one user).
    pub repeated_user_ids: Problems,
    /// Users left without any key (not exported).
    pub users_without_keys: Problems,
}

impl MapReport {
    /// The problems, as `(title, problems)`, for printing.
    pub fn problems(&self) -> [(&'static str, &Problems); 7] {
        [
            ("rows without a user id (skipped)", &self.no_user_id),
            (
                "values that are not an address or phone number (skipped)",
                &self.bad_values,
            ),
            (
                "values cut to size (the rest of the row is exported)",
                &self.cut,
            ),
            (
                "keys shared by several users (kept: the page offers a chooser)",
                &self.duplicate_keys,
            ),
            ("keys shared by too many users (left out)", &self.too_shared),
            (
                "rows repeating an earlier user id (merged)",
                &self.repeated_user_ids,
            ),
            (
                "users without any usable key (left out)",
                &self.users_without_keys,
            ),
        ]
    }
}

/// Why mapping failed.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum MapError {
    /// A column given on the command line (or the user id column) is not in the file.
    MissingColumn {
        /// The option that names it.
        option: &'static str,
        /// The column.
        name: String,
        /// The file's columns.
        available: Vec<String>,
    },
    /// No user has both a user id and a usable key.
    NoUsableUser {
        /// What was found, for the message.
        report: Box<MapReport>,
    },
}

impl fmt::Display for MapError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            MapError::MissingColumn {
                option,
                name,
                available,
            } => {
                write!(
                    f,
                    "the file has no column '{name}' ({option}); its columns are: {}",
                    available
                        .iter()
                        .take(COLUMNS_SHOWN)
                        .map(|c| printable(c))
                        .collect::<Vec<_>>()
                        .join(", ")
                )?;
                if available.len() > COLUMNS_SHOWN {
                    write!(f, " and {} more", available.len() - COLUMNS_SHOWN)?;
                }
                Ok(())
            }
            MapError::NoUsableUser { report } => {
                write!(
                    f,
                    "no usable user in {} rows: none has both a user id and an address or \
                     phone number that can be looked up",
                    report.rows
                )?;
                for (title, p) in report.problems() {
                    if p.count > 0 {
                        write!(f, "; {} {title}, e.g. {}", p.count, p.examples.join(", "))?;
                    }
                }
                Ok(())
            }
        }
    }
}

impl std::error::Error for MapError {}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Kind {
    Address,
    Proxy,
    Phone,
}

struct Column {
    index: usize,
    kind: Kind,
    name: String,
    /// The attribute labels (indexes into [`DirectoryEntries::attributes`]) of the keys
    /// it gives: the column name, or for `proxyAddresses` one per prefix (`SIP:`,
    /// `SMTP:`, `smtp:`).
    labels: [usize; 3],
}

impl Column {
    fn label_names(&self) -> [String; 3] {
        match self.kind {
            Kind::Proxy => [
                format!("{} (SIP:)", self.name),
                format!("{} (SMTP:)", self.name),
                format!("{} (smtp:)", self.name),
            ],
            _ => std::array::from_fn(|_| self.name.clone()),
        }
    }
}

fn resolve(
    table: &Table,
    option: &'static str,
    given: &Option<Vec<String>>,
    defaults: &[&str],
    kind: Kind,
    report: &mut MapReport,
) -> Result<Vec<Column>, MapError> {
    let mut out = Vec::new();
    let names: Vec<String> = match given {
        Some(g) => g.clone(),
        None => defaults.iter().map(|s| s.to_string()).collect(),
    };
    for name in names {
        match table.column(&name) {
            Some(index) => {
                let name = table.columns()[index].clone();
                let kind = if kind == Kind::Address && name.eq_ignore_ascii_case("proxyAddresses") {
                    Kind::Proxy
                } else {
                    kind
                };
                if !out.iter().any(|c: &Column| c.index == index) {
                    out.push(Column {
                        index,
                        kind,
                        name,
                        labels: [0; 3],
                    });
                }
            }
            None if given.is_some() => {
                return Err(MapError::MissingColumn {
                    option,
                    name,
                    available: table.columns().to_vec(),
                })
            }
            None => report.missing_default_columns.push(name),
        }
    }
    Ok(out)
}

/// Strips an ASCII case-insensitive prefix.
fn strip_ci<'a>(s: &'a str, prefix: &str) -> Option<&'a str> {
    let head = s.get(..prefix.len())?;
    head.eq_ignore_ascii_case(prefix)
        .then(|| &s[prefix.len()..])
}

/// Whether `part` is a URI parameter (`ext=12`, `phone-context=Paris.contoso.com`,
/// `transport=tls`): a name of letters, digits and `-`, then `=`, and no `@` (so that
/// no address is taken for one).
fn is_parameter(part: &str) -> bool {
    let part = part.trim_start();
    let bytes = part.as_bytes();
    match bytes
        .iter()
        .position(|b| !(b.is_ascii_alphanumeric() || *b == b'-'))
    {
        Some(at) => at > 0 && bytes[at] == b'=' && !bytes.contains(&b'@'),
        None => false,
    }
}

/// Calls `f` with each value of `cell`, trimmed and not empty: the cell itself, or when
/// it is `joined` (CSV), each of the values it joins with `;`, a URI parameter staying
/// with the value before it (`EUM:4567;phone-context=Paris.contoso.com` is one value).
/// With each value, `f` learns whether it may have parameters: a joined value has
/// some only when one was kept with it, so most values need no second look.
fn split_values<'a>(cell: &'a str, joined: bool, mut f: impl FnMut(&'a str, bool)) {
    if !joined {
        // Trimmed by the reader.
        if !cell.is_empty() {
            f(cell, true);
        }
        return;
    }
    let mut emit = |v: &'a str, parameters: bool| {
        let v = v.trim();
        if !v.is_empty() {
            f(v, parameters);
        }
    };
    // `start`: where the current value starts; `at`: where the current part starts;
    // `parameters`: whether the current value has kept a parameter.
    let (mut start, mut at, mut parameters) = (0, 0, false);
    for part in cell.split(';') {
        if at > start {
            if is_parameter(part) {
                parameters = true;
            } else {
                emit(&cell[start..at - 1], parameters);
                (start, parameters) = (at, false);
            }
        }
        at += part.len() + 1;
    }
    emit(&cell[start..], parameters);
}

/// `value` without its URI parameters (`tel:+33123456789;ext=12` → `tel:+33123456789`),
/// or whole when what follows a `;` is not parameters (it is then no single address or
/// number, and reported as such).
fn without_parameters(value: &str) -> &str {
    match value.split_once(';') {
        Some((base, params))
            if params
                .split(';')
                .all(|p| p.trim().is_empty() || is_parameter(p)) =>
        {
            base.trim_end()
        }
        _ => value,
    }
}

/// Why `value` is not read: it is longer than [`MAX_KEY_VALUE_LEN`].
fn too_long(value: &str) -> String {
    format!(
        "'{}' is {} bytes long; an address or phone number has at most {MAX_KEY_VALUE_LEN}",
        printable(value),
        value.len()
    )
}

/// An address key.
fn address(value: &str) -> Result<Contact, String> {
    if value.len() > MAX_KEY_VALUE_LEN {
        return Err(too_long(value));
    }
    value
        .parse::<SipAddress>()
        .map(Contact::Sip)
        .map_err(|e| e.to_string())
}

/// A phone number key.
fn phone(value: &str) -> Result<Contact, String> {
    if value.len() > MAX_KEY_VALUE_LEN {
        return Err(too_long(value));
    }
    PhoneNumber::normalize(value)
        .map(Contact::Tel)
        .map_err(|e| e.to_string())
}

/// What mapping found in one row, in order.
enum Found {
    /// A key, its attribute label (an index into [`DirectoryEntries::attributes`]) and
    /// the position of its column among the key columns.
    Key(Contact, usize, usize),
    /// A value that gives no key: the report line (skipped).
    Bad(String),
    /// Something cut to size: the report line.
    Cut(String),
}

/// The report line of a value that is not text.
fn not_text(line: u64, column: &str, len: usize) -> String {
    format!("line {line}, {column}: a value of {len} bytes that is not UTF-8 text (binary data)")
}

/// The key one value of `column` (the `position`th key column) gives, or why it gives
/// none, pushed to `out`; `labels` are the attribute labels, and `parameters` says
/// whether the value may have URI parameters to drop.
fn key_of(
    column: &Column,
    position: usize,
    line: u64,
    (value, parameters): (&str, bool),
    labels: &[String],
    out: &mut Vec<Found>,
) {
    let bare = |v| {
        if parameters {
            without_parameters(v)
        } else {
            v
        }
    };
    let (key, slot) = match column.kind {
        Kind::Address => {
            let a = strip_ci(value, "sip:").unwrap_or(value);
            (address(bare(a)), 0)
        }
        Kind::Proxy => {
            let Some((kind, rest)) = value.split_once(':') else {
                out.push(Found::Bad(format!(
                    "line {line}, {}: '{}' has no type prefix such as SMTP:",
                    column.name,
                    printable(value)
                )));
                return;
            };
            // SMTP: is the primary address, smtp: the others; X500:, EUM:... are no
            // addresses one can be called from.
            let slot = if kind.eq_ignore_ascii_case("sip") {
                0
            } else if kind == "SMTP" {
                1
            } else if kind.eq_ignore_ascii_case("smtp") {
                2
            } else {
                return;
            };
            (address(bare(rest.trim())), slot)
        }
        Kind::Phone => {
            // `tel:+1425...;ext=12;phone-context=...`: parameters are dropped.
            let number = strip_ci(value, "tel:").unwrap_or(value);
            (phone(bare(number)), 0)
        }
    };
    let label = column.labels[slot];
    out.push(match key {
        Ok(k) => Found::Key(k, label, position),
        Err(reason) => Found::Bad(format!("line {line}, {}: {reason}", labels[label])),
    });
}

/// Drops the keys the row `found[start..]` gives again (the first wins: the `SIP:`
/// proxy address repeating the SIP address changes nothing). Linear: a set checks
/// long rows.
fn drop_repeated(found: &mut Vec<Found>, start: usize) {
    const SHORT: usize = 16;
    if found.len() - start > SHORT {
        let mut row = found.split_off(start);
        let mut seen = HashSet::with_capacity(row.len());
        let keep: Vec<bool> = row
            .iter()
            .map(|f| match f {
                Found::Key(k, ..) => seen.insert(k),
                _ => true,
            })
            .collect();
        let mut keep = keep.into_iter();
        row.retain(|_| keep.next().unwrap_or(true));
        found.append(&mut row);
        return;
    }
    let row = &mut found[start..];
    let mut kept = 0;
    for i in 0..row.len() {
        let repeated = match &row[i] {
            Found::Key(k, ..) => row[..kept]
                .iter()
                .any(|f| matches!(f, Found::Key(other, ..) if other == k)),
            _ => false,
        };
        if !repeated {
            row.swap(kept, i);
            kept += 1;
        }
    }
    found.truncate(start + kept);
}

/// Cuts the row `found[start..]` to [`MAX_KEYS_PER_USER`] keys: the first key of each
/// of the `columns`, then the others in order of preference; reports what was left
/// out.
fn cut_keys(found: &mut Vec<Found>, start: usize, line: u64, labels: &[String], columns: usize) {
    let keys = found[start..]
        .iter()
        .filter(|f| matches!(f, Found::Key(..)))
        .count();
    if keys <= MAX_KEYS_PER_USER {
        return;
    }
    let mut row = found.split_off(start);
    let mut seen = vec![false; columns];
    let first: Vec<bool> = row
        .iter()
        .map(|f| match f {
            Found::Key(_, _, position) => {
                !std::mem::replace(seen.get_mut(*position).unwrap_or(&mut true), true)
            }
            _ => false,
        })
        .collect();
    let firsts = first.iter().filter(|&&f| f).count();
    let mut firsts_left = firsts.min(MAX_KEYS_PER_USER);
    let mut others_left = MAX_KEYS_PER_USER - firsts_left;
    let mut left_out = vec![0usize; labels.len()];
    let keep: Vec<bool> = row
        .iter()
        .zip(first)
        .map(|(f, first)| {
            let Found::Key(_, label, _) = f else {
                return true;
            };
            let budget = if first {
                &mut firsts_left
            } else {
                &mut others_left
            };
            if *budget > 0 {
                *budget -= 1;
                return true;
            }
            if let Some(n) = left_out.get_mut(*label) {
                *n += 1;
            }
            false
        })
        .collect();
    let mut keep = keep.into_iter();
    row.retain(|_| keep.next().unwrap_or(true));
    let detail: Vec<String> = left_out
        .iter()
        .enumerate()
        .filter(|(_, &n)| n > 0)
        .map(|(label, n)| format!("{n} of {}", labels[label]))
        .collect();
    row.push(Found::Cut(format!(
        "line {line}: {keys} keys, more than the {MAX_KEYS_PER_USER} a user may have; \
         kept the first of each attribute, then the first in order of preference, and left \
         out {} ({})",
        keys - MAX_KEYS_PER_USER,
        detail.join(", ")
    )));
    found.append(&mut row);
}

/// Every record's findings and how many each record has, for a run of records.
type Parsed = (Vec<Found>, Vec<u32>);

/// Every record's keys from `columns` (with the values that give none, and what was
/// cut), in order, read on all cores; `labels` are the attribute labels, and `joined`
/// says whether a value may join several ([`Table::joined`]).
fn parse_keys(
    records: &[Record],
    columns: &[Column],
    labels: &[String],
    joined: bool,
) -> Vec<Parsed> {
    let threads = std::thread::available_parallelism()
        .map(|n| n.get())
        .unwrap_or(1)
        .clamp(1, 8);
    let chunk = records.len().div_ceil(threads).max(1000);
    std::thread::scope(|scope| {
        let workers: Vec<_> = records
            .chunks(chunk)
            .map(|part| {
                scope.spawn(move || {
                    let mut found: Vec<Found> = Vec::with_capacity(part.len() * 8);
                    let mut counts = Vec::with_capacity(part.len());
                    for record in part {
                        let line = record.line;
                        let start = found.len();
                        for (position, column) in columns.iter().enumerate() {
                            for value in record.get(column.index) {
                                match value.issue {
                                    Some(Issue::NotText { len }) => {
                                        found.push(Found::Bad(not_text(line, &column.name, len)));
                                        continue;
                                    }
                                    Some(Issue::Cut { len }) => found.push(Found::Cut(format!(
                                        "line {line}, {}: {len} bytes, more than {}: only \
                                         its first {} bytes are read",
                                        column.name,
                                        super::MAX_VALUE_LEN,
                                        value.text.len()
                                    ))),
                                    None => {}
                                }
                                split_values(&value.text, joined, |v, parameters| {
                                    key_of(
                                        column,
                                        position,
                                        line,
                                        (v, parameters),
                                        labels,
                                        &mut found,
                                    )
                                });
                            }
                        }
                        drop_repeated(&mut found, start);
                        cut_keys(&mut found, start, line, labels, columns.len());
                        counts.push((found.len() - start) as u32);
                    }
                    (found, counts)
                })
            })
            .collect();
        workers
            .into_iter()
            .map(|w| w.join().unwrap_or_else(|p| std::panic::resume_unwind(p)))
            .collect()
    })
}

/// The first value of `column` that is text (not blank), and the length of a value
/// that is not text met before it.
fn first_text(record: &Record, column: Option<usize>) -> (Option<&Value>, Option<usize>) {
    let mut not_text = None;
    for v in column.into_iter().flat_map(|c| record.get(c)) {
        match v.issue {
            Some(Issue::NotText { len }) => {
                not_text.get_or_insert(len);
            }
            // Values are trimmed by the reader.
            _ if !v.text.is_empty() => return (Some(v), not_text),
            _ => {}
        }
    }
    (None, not_text)
}

/// A display name, cut to [`MAX_DISPLAY_NAME_CHARS`] characters (reported in `cut`).
fn display_name(value: &Value, line: u64, column: &str, cut: &mut Problems) -> String {
    let text = value.text.as_str();
    let end = text
        .char_indices()
        .nth(MAX_DISPLAY_NAME_CHARS)
        .map(|(i, _)| i);
    if end.is_none() && value.issue.is_none() {
        return text.to_string();
    }
    let kept = &text[..end.unwrap_or(text.len())];
    let len = match value.issue {
        Some(Issue::Cut { len }) => len,
        _ => text.len(),
    };
    cut.push(|| {
        format!(
            "line {line}, {column}: {len} bytes long, cut to its first {} characters",
            kept.chars().count()
        )
    });
    kept.to_string()
}

/// Keys shared by more than [`MAX_PEOPLE_PER_KEY`] users, each with its number of users.
pub(super) type Crowded = Vec<(Contact, usize)>;

/// The people each key maps to, while mapping. A key's list grows to one past
/// [`MAX_PEOPLE_PER_KEY`] at most, which marks the key as crowded (to be left out);
/// past that, its users are only counted, in a set that also tells a user who gives
/// the key again from a new one. So each addition takes constant time, however many
/// users share a key.
pub(super) struct KeyIndex {
    /// Each key and its first people (at most [`MAX_PEOPLE_PER_KEY`] + 1).
    pub(super) keys: HashMap<Contact, Vec<Match>>,
    /// Every user of each crowded key.
    crowds: HashMap<Contact, HashSet<usize>>,
}

impl KeyIndex {
    /// An empty index with room for `keys` keys.
    pub(super) fn with_capacity(keys: usize) -> KeyIndex {
        KeyIndex {
            keys: HashMap::with_capacity(keys),
            crowds: HashMap::new(),
        }
    }

    /// Gives `key` to `person`, unless that user has it already; `shared` is called
    /// with the key and the first user who has it when other users have it already.
    pub(super) fn add(
        &mut self,
        key: Contact,
        person: Match,
        shared: impl FnOnce(&Contact, usize),
    ) {
        match self.keys.entry(key) {
            Entry::Vacant(v) => {
                v.insert(vec![person]);
            }
            Entry::Occupied(mut o) => {
                let first = o.get().first().map_or(person.user, |m| m.user);
                if o.get().len() <= MAX_PEOPLE_PER_KEY {
                    if o.get().iter().any(|m| m.user == person.user) {
                        return;
                    }
                    o.get_mut().push(person);
                    if o.get().len() > MAX_PEOPLE_PER_KEY {
                        let users = o.get().iter().map(|m| m.user).collect();
                        self.crowds.insert(o.key().clone(), users);
                    }
                } else if !self
                    .crowds
                    .get_mut(o.key())
                    .is_some_and(|users| users.insert(person.user))
                {
                    return;
                }
                shared(o.key(), first);
            }
        }
    }

    /// How many users have `key`.
    #[cfg(test)]
    pub(super) fn people(&self, key: &Contact) -> usize {
        match self.crowds.get(key) {
            Some(users) => users.len(),
            None => self.keys.get(key).map_or(0, Vec::len),
        }
    }

    /// The keys that identify someone, and the crowded ones (shared by more than
    /// [`MAX_PEOPLE_PER_KEY`] users, left out) with their number of users, in order.
    pub(super) fn finish(self) -> (HashMap<Contact, Vec<Match>>, Crowded) {
        let KeyIndex { mut keys, crowds } = self;
        let mut crowded: Vec<(Contact, usize)> =
            crowds.into_iter().map(|(k, u)| (k, u.len())).collect();
        crowded.sort();
        keys.retain(|_, m| m.len() <= MAX_PEOPLE_PER_KEY);
        (keys, crowded)
    }
}

/// Maps a table to the users and keys of an export. `progress` is called with the
/// number of rows done, every 10,000 rows.
pub fn map(
    table: &Table,
    options: &MapOptions,
    progress: &mut dyn FnMut(usize),
) -> Result<(DirectoryEntries, MapReport), MapError> {
    let mut report = MapReport {
        rows: table.records().len(),
        ..MapReport::default()
    };
    let user_col = table
        .column(&options.user_id)
        .ok_or_else(|| MapError::MissingColumn {
            option: "--user-id",
            name: options.user_id.clone(),
            available: table.columns().to_vec(),
        })?;
    let mut columns = resolve(
        table,
        "--keys",
        &options.addresses,
        &DEFAULT_ADDRESS_COLUMNS,
        Kind::Address,
        &mut report,
    )?;
    columns.extend(resolve(
        table,
        "--phones",
        &options.phones,
        &DEFAULT_PHONE_COLUMNS,
        Kind::Phone,
        &mut report,
    )?);
    let display_col = match &options.display_name {
        Some(name) => Some(table.column(name).ok_or_else(|| MapError::MissingColumn {
            option: "--display-name",
            name: name.clone(),
            available: table.columns().to_vec(),
        })?),
        None => DEFAULT_DISPLAY_NAME_COLUMNS
            .iter()
            .find_map(|n| table.column(n)),
    };
    report
        .columns
        .push(format!("user id: {}", table.columns()[user_col]));
    for c in &columns {
        let role = if c.kind == Kind::Phone {
            "phone"
        } else {
            "address"
        };
        report.columns.push(format!("{role}: {}", c.name));
    }
    report.columns.push(format!(
        "display name: {}",
        display_col.map_or("(none)", |c| table.columns()[c].as_str())
    ));

    let mut entries = DirectoryEntries::default();
    for c in &mut columns {
        for (slot, name) in c.label_names().into_iter().enumerate() {
            c.labels[slot] = match entries.attributes.iter().position(|a| *a == name) {
                Some(i) => i,
                None => {
                    entries.attributes.push(name);
                    entries.attributes.len() - 1
                }
            };
        }
    }
    let rows = table.records().len();
    let mut index = KeyIndex::with_capacity(rows * (columns.len() + 1));
    entries.users.reserve(rows);
    let mut user_lines: Vec<u64> = Vec::with_capacity(rows);
    let mut user_index: HashMap<String, usize> = HashMap::with_capacity(rows);
    // Reading and normalising the values is most of the work, and needs nothing but
    // the record: it is done first for every record, on all cores.
    let mut parsed = parse_keys(
        table.records(),
        &columns,
        &entries.attributes,
        table.joined(),
    )
    .into_iter()
    .flat_map(|(found, counts)| {
        let mut found = found.into_iter();
        counts
            .into_iter()
            .map(move |count| found.by_ref().take(count as usize).collect::<Vec<Found>>())
    });
    for (n, record) in table.records().iter().enumerate() {
        if n > 0 && n % 10_000 == 0 {
            progress(n);
        }
        let found = parsed.next().unwrap_or_default();
        let line = record.line;
        let user_column = &table.columns()[user_col];
        let (user_id, not_text_len) = first_text(record, Some(user_col));
        if let Some(len) = not_text_len {
            report.bad_values.push(|| not_text(line, user_column, len));
        }
        let Some(user_id) = user_id.map(|v| v.text.as_str()) else {
            report
                .no_user_id
                .push(|| format!("line {line}: no {user_column}"));
            continue;
        };
        if user_id.len() > MAX_USER_ID_LEN || user_id.chars().any(char::is_control) {
            report
                .bad_values
                .push(|| format!("line {line}: the user id is too long or has control characters"));
            continue;
        }
        let folded = user_id.to_lowercase();
        let user = match user_index.get(&folded) {
            Some(&u) => {
                report
                    .repeated_user_ids
                    .push(|| format!("line {line}: {user_id} (first on line {})", user_lines[u]));
                u
            }
            None => {
                let (name, not_text_len) = first_text(record, display_col);
                let column = display_col.map_or("", |c| table.columns()[c].as_str());
                if let Some(len) = not_text_len {
                    report.bad_values.push(|| not_text(line, column, len));
                }
                entries.users.push(ExportUser {
                    user_id: user_id.to_string(),
                    display_name: name.map(|v| display_name(v, line, column, &mut report.cut)),
                });
                user_lines.push(line);
                user_index.insert(folded, entries.users.len() - 1);
                entries.users.len() - 1
            }
        };
        for f in found {
            let (key, attribute) = match f {
                Found::Key(key, attribute, _) => (key, attribute),
                Found::Bad(message) => {
                    report.bad_values.push(|| message);
                    continue;
                }
                Found::Cut(message) => {
                    report.cut.push(|| message);
                    continue;
                }
            };
            index.add(key, Match { user, attribute }, |key, other| {
                report.duplicate_keys.push(|| {
                    format!(
                        "line {line}: {} ({}) of {user_id} is also {}'s (line {})",
                        crate::published::lookup_key(key),
                        entries.attributes[attribute],
                        entries.users[other].user_id,
                        user_lines[other]
                    )
                });
            });
        }
    }

    // Keys shared by too many users identify nobody.
    let (keys, crowded) = index.finish();
    entries.keys = keys;
    for (key, n) in &crowded {
        report.too_shared.push(|| {
            format!(
                "{} is shared by {n} users",
                crate::published::lookup_key(key)
            )
        });
    }

    // Users without a key cannot be found: leave them out, renumbering the others.
    let mut has_key = vec![false; entries.users.len()];
    for m in entries.keys.values().flatten() {
        has_key[m.user] = true;
    }
    let mut renumber = vec![usize::MAX; entries.users.len()];
    let mut kept = Vec::with_capacity(entries.users.len());
    for (i, user) in std::mem::take(&mut entries.users).into_iter().enumerate() {
        if has_key[i] {
            renumber[i] = kept.len();
            kept.push(user);
        } else {
            report
                .users_without_keys
                .push(|| format!("line {}: {}", user_lines[i], user.user_id));
        }
    }
    entries.users = kept;
    for m in entries.keys.values_mut().flatten() {
        m.user = renumber[m.user];
    }
    report.users = entries.users.len();
    report.keys = entries.keys.len();
    if entries.keys.is_empty() {
        return Err(MapError::NoUsableUser {
            report: Box::new(report),
        });
    }
    Ok((entries, report))
}
