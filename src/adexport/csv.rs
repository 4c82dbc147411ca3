//! CSV as `Get-ADUser ... | Export-Csv` writes it (Windows PowerShell 5.1 and 7).
//!
//! Handled: every field quoted (or not), an optional first line `#TYPE ...` (when
//! `-NoTypeInformation` was forgotten), `,` or `;` as delimiter (`-UseCulture` on French
//! or German systems; detected from the header line), header names in any case, empty
//! cells, quoted cells spanning lines. A cell that holds the name of a collection type
//! (`Microsoft.ActiveDirectory.Management.ADPropertyValueCollection`, `System.Object[]`)
//! is a multi-valued attribute exported without `-join`: an error that gives the fix.
//!
//! A cell may join several values with `;` ([`Table::joined`]); empty cells are not
//! stored, and a cell longer than [`super::MAX_VALUE_LEN`] is cut (see [`Value`]).

use super::{ReadError, Record, Table, Value};

/// Cell contents that betray a multi-valued attribute exported without `-join`.
const COLLECTION_TYPES: [&str; 3] = [
    "Microsoft.ActiveDirectory.Management.ADPropertyValueCollection",
    "System.Object[]",
    "System.String[]",
];

/// The delimiter of a header line: `;` when it has more `;` than `,` outside quotes.
fn delimiter(header: &str) -> u8 {
    let (mut commas, mut semicolons, mut quoted) = (0, 0, false);
    for c in header.chars() {
        match c {
            '"' => quoted = !quoted,
            ',' if !quoted => commas += 1,
            ';' if !quoted => semicolons += 1,
            _ => {}
        }
    }
    if semicolons > commas {
        b';'
    } else {
        b','
    }
}

/// Reads the text of a CSV export.
pub fn read(text: &str) -> Result<Table, ReadError> {
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    // `#TYPE Microsoft.ActiveDirectory.Management.ADUser` or `#TYPE Selected....`.
    let (text, skipped) = match text.get(..5) {
        Some(h) if h.eq_ignore_ascii_case("#type") => match text.split_once('\n') {
            Some((_, rest)) => (rest, 1u64),
            None => return Err(ReadError::Empty),
        },
        _ => (text, 0),
    };
    let header_line = text.lines().next().unwrap_or("");
    if header_line.trim().is_empty() {
        return Err(ReadError::Empty);
    }
    let mut reader = ::csv::ReaderBuilder::new()
        .delimiter(delimiter(header_line))
        .has_headers(true)
        .flexible(false)
        .from_reader(text.as_bytes());
    // Line numbers from byte offsets: the csv crate counts CRLF line ends wrongly, and
    // after a CRLF its record offsets point at the LF.
    let mut counted = (0usize, 1u64);
    let mut line_at = |byte: u64| {
        let mut byte = (byte as usize).min(text.len());
        if text.as_bytes().get(byte) == Some(&b'\n') {
            byte += 1;
        }
        if byte >= counted.0 {
            counted.1 += text.as_bytes()[counted.0..byte]
                .iter()
                .filter(|&&b| b == b'\n')
                .count() as u64;
            counted.0 = byte;
        }
        counted.1 + skipped
    };
    let csv_error = |e: ::csv::Error, line_at: &mut dyn FnMut(u64) -> u64| {
        let line = e.position().map_or(1 + skipped, |p| line_at(p.byte()));
        let problem = match e.kind() {
            ::csv::ErrorKind::UnequalLengths {
                expected_len, len, ..
            } => format!(
                "the line has {len} fields but the header has {expected_len} \
                 (a stray quote or delimiter?)"
            ),
            _ => e.to_string(),
        };
        ReadError::Csv { line, problem }
    };
    let mut table = Table {
        joined: true,
        ..Table::default()
    };
    let headers = reader
        .headers()
        .map_err(|e| csv_error(e, &mut line_at))?
        .clone();
    for name in &headers {
        let name = name.trim().trim_start_matches('\u{feff}');
        if table.column(name).is_some() {
            return Err(ReadError::DuplicateColumn {
                name: name.to_string(),
            });
        }
        table.column_or_add(name);
    }
    let mut row = ::csv::StringRecord::new();
    while reader
        .read_record(&mut row)
        .map_err(|e| csv_error(e, &mut line_at))?
    {
        let line = row.position().map_or(0, |p| line_at(p.byte()));
        let mut values = Vec::with_capacity(row.len());
        for (i, cell) in row.iter().enumerate() {
            let cell = cell.trim();
            if let Some(t) = COLLECTION_TYPES.iter().find(|t| cell.contains(*t)) {
                return Err(ReadError::MisExported {
                    line,
                    column: table.columns.get(i).cloned().unwrap_or_default(),
                    found: (*t).to_string(),
                });
            }
            if !cell.is_empty() {
                values.push(Value::new(i, cell, true));
            }
        }
        if values.is_empty() {
            continue;
        }
        table.records.push(Record { line, values });
    }
    Ok(table)
}
