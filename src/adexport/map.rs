//! From records to the users and lookup keys of an export.
//!
//! Each record is one user: its user id (column `mail` by default) is what the ITSM
//! knows. Its lookup keys come from:
//!
//! - address columns (default `msRTCSIP-PrimaryUserAddress`, `proxyAddresses`, `mail`,
//!   `userPrincipalName`): a leading `sip:` is dropped; in `proxyAddresses` only the
//!   `SIP:`, `SMTP:` and `smtp:` entries count (`X500:`, `EUM:`... are ignored);
//!   several values in one cell are separated by `;` (the `-join ';'` of the export
//!   command). Addresses are validated and lowercased like a SIP contact
//!   ([`crate::SipAddress`]).
//! - phone columns (default `telephoneNumber`, `msRTCSIP-Line`, `mobile`): `tel:` URIs
//!   (`tel:+33123456789;ext=12`, whose parameters are dropped, as they are from a Lync
//!   `tel:` contact) or written numbers (`+33 (0)1 23 45 67 89`), normalised by
//!   [`crate::PhoneNumber::normalize`]. Numbers written in international form (`+...`)
//!   become E.164 and meet every other international spelling of the same number.
//!   National forms (`01 23 45 67 89`) are kept as their digits: no country or dial
//!   plan is assumed, so they only meet a contact with exactly the same digits.
//!
//! The first column that gives a user a key wins (so the order of columns is the order
//! of preference shown by `?dryrun=1`). A key several users share is kept, mapping to
//! all of them (the page then offers a chooser), and reported; a key shared by more than
//! [`MAX_PEOPLE_PER_KEY`] users (a switchboard number) identifies nobody and is left
//! out, and reported. Rows that share a user id are one user.

use std::collections::hash_map::Entry;
use std::collections::HashMap;
use std::fmt;

use super::{Record, Table};
use crate::contact::{Contact, PhoneNumber, SipAddress};
use crate::published::{DirectoryEntries, ExportUser, Match, MAX_PEOPLE_PER_KEY};

/// How many examples each kind of problem keeps.
pub const EXAMPLES: usize = 5;

/// The longest user id accepted.
const MAX_USER_ID_LEN: usize = 256;

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
    /// Values that are not an address or phone number (skipped).
    pub bad_values: Problems,
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
    pub fn problems(&self) -> [(&'static str, &Problems); 6] {
        [
            ("rows without a user id (skipped)", &self.no_user_id),
            (
                "values that are not an address or phone number (skipped)",
                &self.bad_values,
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
            } => write!(
                f,
                "the file has no column '{name}' ({option}); its columns are: {}",
                available.join(", ")
            ),
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

/// The keys one cell value gives, each with its label slot in [`Column::labels`], or
/// the reason a part is unusable.
fn keys_of(column: &Column, value: &str, out: &mut Vec<(Result<Contact, String>, usize)>) {
    let parts = value.split(';').map(str::trim).filter(|p| !p.is_empty());
    let address = |a: &str| {
        a.parse::<SipAddress>()
            .map(Contact::Sip)
            .map_err(|e| e.to_string())
    };
    match column.kind {
        Kind::Address => {
            for part in parts {
                out.push((address(strip_ci(part, "sip:").unwrap_or(part)), 0));
            }
        }
        Kind::Proxy => {
            for part in parts {
                let Some((kind, rest)) = part.split_once(':') else {
                    out.push((Err(format!("'{part}' has no type prefix such as SMTP:")), 0));
                    continue;
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
                    continue;
                };
                out.push((address(rest.trim()), slot));
            }
        }
        Kind::Phone => {
            // `tel:+1425...;ext=12;phone-context=...`: parameters (with '=') are dropped.
            for part in parts {
                if part.contains('=') {
                    continue;
                }
                let number = strip_ci(part, "tel:").unwrap_or(part);
                out.push((
                    PhoneNumber::normalize(number)
                        .map(Contact::Tel)
                        .map_err(|e| e.to_string()),
                    0,
                ));
            }
        }
    }
}

fn first_value(record: &Record, column: Option<usize>) -> Option<&str> {
    column
        .and_then(|c| record.get(c).first())
        .map(|s| s.trim())
        .filter(|s| !s.is_empty())
}

/// A run of records' keys, each with its attribute label, and how many each record has.
type ParsedKeys = (Vec<(Result<Contact, String>, usize)>, Vec<u32>);

/// Every record's keys from `columns`, in order, read on all cores.
fn parse_keys(records: &[Record], columns: &[Column]) -> Vec<ParsedKeys> {
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
                    let mut keys: Vec<(Result<Contact, String>, usize)> =
                        Vec::with_capacity(part.len() * 8);
                    let mut counts = Vec::with_capacity(part.len());
                    let mut found = Vec::new();
                    for record in part {
                        let before = keys.len();
                        for column in columns {
                            for value in record.get(column.index) {
                                found.clear();
                                keys_of(column, value, &mut found);
                                for (key, slot) in found.drain(..) {
                                    // A key the record gave already (the SIP: proxy
                                    // address repeating the SIP address...) changes
                                    // nothing: the first column wins.
                                    let repeated = key.as_ref().is_ok_and(|k| {
                                        keys[before..]
                                            .iter()
                                            .any(|(other, _)| other.as_ref() == Ok(k))
                                    });
                                    if !repeated {
                                        keys.push((key, column.labels[slot]));
                                    }
                                }
                            }
                        }
                        counts.push((keys.len() - before) as u32);
                    }
                    (keys, counts)
                })
            })
            .collect();
        workers
            .into_iter()
            .map(|w| w.join().unwrap_or_else(|p| std::panic::resume_unwind(p)))
            .collect()
    })
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
    entries.keys.reserve(rows * (columns.len() + 1));
    entries.users.reserve(rows);
    let mut user_lines: Vec<u64> = Vec::with_capacity(rows);
    let mut user_index: HashMap<String, usize> = HashMap::with_capacity(rows);
    // Reading and normalising the values is most of the work, and needs nothing but
    // the record: it is done first for every record, on all cores.
    let mut parsed =
        parse_keys(table.records(), &columns)
            .into_iter()
            .flat_map(|(keys, counts)| {
                let mut keys = keys.into_iter();
                counts.into_iter().map(move |count| {
                    keys.by_ref()
                        .take(count as usize)
                        .collect::<Vec<(Result<Contact, String>, usize)>>()
                })
            });
    for (n, record) in table.records().iter().enumerate() {
        if n > 0 && n % 10_000 == 0 {
            progress(n);
        }
        let found = parsed.next().unwrap_or_default();
        let line = record.line;
        let Some(user_id) = first_value(record, Some(user_col)) else {
            report
                .no_user_id
                .push(|| format!("line {line}: no {}", table.columns()[user_col]));
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
                entries.users.push(ExportUser {
                    user_id: user_id.to_string(),
                    display_name: first_value(record, display_col).map(str::to_string),
                });
                user_lines.push(line);
                user_index.insert(folded, entries.users.len() - 1);
                entries.users.len() - 1
            }
        };
        for (key, attribute) in found {
            let key = match key {
                Ok(k) => k,
                Err(reason) => {
                    report.bad_values.push(|| {
                        format!("line {line}, {}: {reason}", entries.attributes[attribute])
                    });
                    continue;
                }
            };
            let new = Match { user, attribute };
            match entries.keys.entry(key) {
                Entry::Vacant(v) => {
                    v.insert(vec![new]);
                }
                Entry::Occupied(mut o) => {
                    if o.get().iter().any(|m| m.user == user) {
                        continue;
                    }
                    let other = o.get()[0].user;
                    report.duplicate_keys.push(|| {
                        format!(
                            "line {line}: {} ({}) of {user_id} is also {}'s (line {})",
                            crate::published::lookup_key(o.key()),
                            entries.attributes[attribute],
                            entries.users[other].user_id,
                            user_lines[other]
                        )
                    });
                    o.get_mut().push(new);
                }
            }
        }
    }

    // Keys shared by too many users identify nobody.
    let mut crowded: Vec<(&Contact, usize)> = entries
        .keys
        .iter()
        .filter(|(_, m)| m.len() > MAX_PEOPLE_PER_KEY)
        .map(|(k, m)| (k, m.len()))
        .collect();
    crowded.sort();
    for (key, n) in &crowded {
        report.too_shared.push(|| {
            format!(
                "{} is shared by {n} users",
                crate::published::lookup_key(key)
            )
        });
    }
    entries.keys.retain(|_, m| m.len() <= MAX_PEOPLE_PER_KEY);

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
