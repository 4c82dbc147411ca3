//! Active Directory exports, as administrators hand them to `lync-quickcall export`
//! (native only).
//!
//! - [`read`] decodes a file (UTF-8 with or without BOM, or UTF-16 with BOM) and reads
//!   it as CSV ([`csv`], what `Get-ADUser ... | Export-Csv` writes) or LDIF ([`ldif`],
//!   what `ldapsearch` prints) into a [`Table`]: one [`Record`] per user, with its line
//!   number and the [`Value`]s of its attributes;
//! - [`map()`] turns the table into the users and lookup keys of an export, reporting rows
//!   it could not use and what it cut to size;
//! - [`synthetic`] generates realistic exports for tests and benchmarks.
//!
//! What is kept grows with the file, never faster: a record holds only the values it
//! has (an attribute that one LDIF entry alone carries costs the other entries
//! nothing), a value is kept up to [`MAX_VALUE_LEN`] bytes, and a value that is not
//! text (an LDIF `thumbnailPhoto::`, `objectGUID::` or `objectSid::`) is kept as a mark,
//! which matters only if the export uses that attribute.

pub mod csv;
pub mod ldif;
pub mod map;
pub mod synthetic;

use std::collections::HashMap;
use std::fmt;
use std::path::Path;

pub use map::{map, MapError, MapOptions, MapReport, Problems};

/// The most bytes of one value (a CSV cell, or one LDIF value) that are kept: 64 KiB,
/// hundreds of times what a user's attribute holds (a `-join ';'`ed `proxyAddresses`
/// of a thousand addresses fits). What is beyond is left out, and [`map()`] reports it
/// when the export uses the attribute.
pub const MAX_VALUE_LEN: usize = 64 * 1024;

/// An export read into records. Attribute names are matched case-insensitively.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Table {
    columns: Vec<String>,
    /// Each column by its ASCII-lowercased name.
    by_name: HashMap<String, usize>,
    records: Vec<Record>,
    joined: bool,
}

/// One user's attributes.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Record {
    /// The line the record starts on, from 1.
    pub line: u64,
    /// The values it has, in file order (absent and empty ones are not stored).
    values: Vec<Value>,
}

/// One value of one attribute.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Value {
    /// The column (an index into [`Table::columns`]).
    pub column: usize,
    /// The text, trimmed (its beginning only when [`Value::issue`] says it was cut;
    /// empty when it is not text).
    pub text: String,
    /// What the reader could not keep, if anything.
    pub issue: Option<Issue>,
}

/// What the reader could not keep of a value.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Issue {
    /// The value had `len` bytes, more than [`MAX_VALUE_LEN`]: only its beginning is
    /// kept (in a CSV cell, up to the last `;` that fits).
    Cut {
        /// Its length in the file, in bytes.
        len: usize,
    },
    /// The value (`len` bytes, from an LDIF `attr:: base64` line) is not UTF-8 text: a
    /// photo, a GUID, a SID. Nothing of it is kept.
    NotText {
        /// Its length, in bytes.
        len: usize,
    },
}

impl Value {
    /// A value of `column` from `text` (trimmed by the reader), cut to
    /// [`MAX_VALUE_LEN`] bytes (at the last `;` that fits when `joined`, else at a
    /// character boundary).
    fn new(column: usize, text: &str, joined: bool) -> Value {
        if text.len() <= MAX_VALUE_LEN {
            return Value {
                column,
                text: text.to_string(),
                issue: None,
            };
        }
        let mut end = MAX_VALUE_LEN;
        while !text.is_char_boundary(end) {
            end -= 1;
        }
        let mut kept = &text[..end];
        if joined {
            if let Some(at) = kept.rfind(';') {
                kept = &kept[..at];
            }
        }
        Value {
            column,
            text: kept.trim_end().to_string(),
            issue: Some(Issue::Cut { len: text.len() }),
        }
    }

    /// A value of `column` that is not text, `len` bytes long.
    fn not_text(column: usize, len: usize) -> Value {
        Value {
            column,
            text: String::new(),
            issue: Some(Issue::NotText { len }),
        }
    }
}

impl Record {
    /// Every value the record has, in file order.
    pub fn values(&self) -> &[Value] {
        &self.values
    }

    /// The values of column `index`, in file order.
    pub fn get(&self, index: usize) -> impl Iterator<Item = &Value> + '_ {
        self.values.iter().filter(move |v| v.column == index)
    }
}

impl Table {
    /// The column names, spelled as in the file (for LDIF: every attribute name met).
    pub fn columns(&self) -> &[String] {
        &self.columns
    }

    /// The records, in file order.
    pub fn records(&self) -> &[Record] {
        &self.records
    }

    /// Whether one value may hold several, joined with `;`: true for CSV (the
    /// `-join ';'` of the export command), false for LDIF (one value per line).
    pub fn joined(&self) -> bool {
        self.joined
    }

    /// The index of column `name`, case-insensitively.
    pub fn column(&self, name: &str) -> Option<usize> {
        self.by_name.get(&name.to_ascii_lowercase()).copied()
    }

    /// The index of column `name`, adding it when absent.
    fn column_or_add(&mut self, name: &str) -> usize {
        let folded = name.to_ascii_lowercase();
        if let Some(&i) = self.by_name.get(&folded) {
            return i;
        }
        self.columns.push(name.to_string());
        self.by_name.insert(folded, self.columns.len() - 1);
        self.columns.len() - 1
    }
}

/// The two input formats.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Format {
    /// Comma- or semicolon-separated values, as `Export-Csv` writes them.
    Csv,
    /// LDAP Data Interchange Format, as `ldapsearch` prints it.
    Ldif,
}

impl Format {
    /// `.csv` or `.txt` → CSV, `.ldif`/`.ldf` → LDIF.
    pub fn from_extension(path: &Path) -> Option<Format> {
        let ext = path.extension()?.to_str()?.to_ascii_lowercase();
        match ext.as_str() {
            "csv" | "txt" => Some(Format::Csv),
            "ldif" | "ldf" => Some(Format::Ldif),
            _ => None,
        }
    }

    /// Guesses from the content: LDIF when the first line that is neither blank nor a
    /// comment is `dn: ...` or `version: ...`, CSV otherwise.
    pub fn sniff(text: &str) -> Format {
        let first = text
            .lines()
            .map(str::trim_end)
            .find(|l| !l.is_empty() && !l.starts_with('#'));
        match first {
            Some(l)
                if ["dn:", "version:"]
                    .iter()
                    .any(|p| l.get(..p.len()).is_some_and(|h| h.eq_ignore_ascii_case(p))) =>
            {
                Format::Ldif
            }
            _ => Format::Csv,
        }
    }
}

impl fmt::Display for Format {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Format::Csv => "CSV",
            Format::Ldif => "LDIF",
        })
    }
}

/// Why an export file could not be read. Messages name the line (and the column).
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum ReadError {
    /// The bytes are not text in a known encoding.
    Encoding {
        /// The line of the first bad byte.
        line: u64,
        /// What to do.
        problem: String,
    },
    /// The file has no header line (CSV) or no record at all.
    Empty,
    /// A CSV line cannot be read.
    Csv {
        /// The line.
        line: u64,
        /// What is wrong.
        problem: String,
    },
    /// Two columns have the same name.
    DuplicateColumn {
        /// The name.
        name: String,
    },
    /// A multi-valued attribute exported without `-join`: the cell holds the type name.
    MisExported {
        /// The line.
        line: u64,
        /// The column.
        column: String,
        /// What the cell holds.
        found: String,
    },
    /// An LDIF line cannot be read.
    Ldif {
        /// The line.
        line: u64,
        /// What is wrong.
        problem: String,
    },
}

impl fmt::Display for ReadError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ReadError::Encoding { line, problem } => write!(f, "line {line}: {problem}"),
            ReadError::Empty => f.write_str("the file is empty: there is no header line or record"),
            ReadError::Csv { line, problem } => write!(f, "line {line}: {problem}"),
            ReadError::DuplicateColumn { name } => {
                write!(f, "line 1: the column '{name}' appears twice in the header")
            }
            ReadError::MisExported {
                line,
                column,
                found,
            } => write!(
                f,
                "line {line}, column '{column}': the cell holds '{found}' instead of the values: \
                 the multi-valued attribute was exported without being joined; in the \
                 Select-Object of the export command, replace {column} by \
                 @{{n='{column}';e={{$_.{column} -join ';'}}}}"
            ),
            ReadError::Ldif { line, problem } => write!(f, "line {line}: {problem}"),
        }
    }
}

impl std::error::Error for ReadError {}

/// Decodes a file's bytes: UTF-8 (a BOM is dropped), or UTF-16 LE/BE with its BOM (what
/// Windows PowerShell's `Out-File` and `-Encoding Unicode` write).
pub fn decode(bytes: &[u8]) -> Result<String, ReadError> {
    if let Some(rest) = bytes.strip_prefix(b"\xef\xbb\xbf") {
        return utf8(rest);
    }
    let utf16 = |rest: &[u8], from: fn([u8; 2]) -> u16| {
        if rest.len() % 2 != 0 {
            return Err(ReadError::Encoding {
                line: 1,
                problem: "the file starts like UTF-16 but has an odd number of bytes".into(),
            });
        }
        let units: Vec<u16> = rest.chunks_exact(2).map(|c| from([c[0], c[1]])).collect();
        String::from_utf16(&units).map_err(|_| ReadError::Encoding {
            line: 1,
            problem: "the file is not valid UTF-16; export it again with -Encoding UTF8".into(),
        })
    };
    if let Some(rest) = bytes.strip_prefix(b"\xff\xfe") {
        return utf16(rest, u16::from_le_bytes);
    }
    if let Some(rest) = bytes.strip_prefix(b"\xfe\xff") {
        return utf16(rest, u16::from_be_bytes);
    }
    utf8(bytes)
}

fn utf8(bytes: &[u8]) -> Result<String, ReadError> {
    match std::str::from_utf8(bytes) {
        Ok(s) => Ok(s.to_string()),
        Err(e) => {
            let line = 1 + bytes[..e.valid_up_to()]
                .iter()
                .filter(|&&b| b == b'\n')
                .count() as u64;
            Err(ReadError::Encoding {
                line,
                problem: "the file is not UTF-8 (probably the Windows code page); export it \
                          again with Export-Csv -Encoding UTF8"
                    .into(),
            })
        }
    }
}

/// Decodes and reads an export, in `format` or else the sniffed one.
pub fn read(bytes: &[u8], format: Option<Format>) -> Result<(Format, Table), ReadError> {
    let text = decode(bytes)?;
    let format = format.unwrap_or_else(|| Format::sniff(&text));
    let table = match format {
        Format::Csv => csv::read(&text)?,
        Format::Ldif => ldif::read(&text)?,
    };
    Ok((format, table))
}

#[cfg(test)]
mod tests;
