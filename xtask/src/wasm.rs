//! Just enough of the WebAssembly binary format to check what `wasm-opt` hands back.
//!
//! Debian's binaryen 108 silently rewires a table export when a module has two tables
//! (wasm-bindgen's `__wbindgen_externrefs`, an `externref` table, comes out pointing at
//! the `funcref` table), and the page then fails at start with "WebAssembly.Table.set():
//! Argument 1 is invalid for table". So [`dist`](crate::dist) compares the exports of
//! the module before and after optimisation and keeps the unoptimised module when they
//! differ.

use anyhow::{bail, Context, Result};

/// An export: its name, and what it is (`func`, `table funcref`, `table externref`...).
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub struct Export {
    /// The export's name.
    pub name: String,
    /// Its kind, and for a table its element type.
    pub kind: String,
}

struct Reader<'a> {
    bytes: &'a [u8],
    at: usize,
}

impl<'a> Reader<'a> {
    fn byte(&mut self) -> Result<u8> {
        let b = *self
            .bytes
            .get(self.at)
            .context("unexpected end of the module")?;
        self.at += 1;
        Ok(b)
    }

    fn leb(&mut self) -> Result<u64> {
        let mut value = 0u64;
        for shift in (0..64).step_by(7) {
            let b = self.byte()?;
            value |= u64::from(b & 0x7f) << shift;
            if b & 0x80 == 0 {
                return Ok(value);
            }
        }
        bail!("LEB128 number too long")
    }

    fn len(&mut self) -> Result<usize> {
        usize::try_from(self.leb()?).context("length too large")
    }

    fn take(&mut self, n: usize) -> Result<&'a [u8]> {
        let end = self.at.checked_add(n).context("length overflow")?;
        let slice = self
            .bytes
            .get(self.at..end)
            .context("unexpected end of the module")?;
        self.at = end;
        Ok(slice)
    }

    fn name(&mut self) -> Result<String> {
        let n = self.len()?;
        Ok(String::from_utf8_lossy(self.take(n)?).into_owned())
    }

    fn limits(&mut self) -> Result<()> {
        let flags = self.byte()?;
        self.leb()?;
        if flags & 1 != 0 {
            self.leb()?;
        }
        Ok(())
    }

    fn ref_type(&mut self) -> Result<&'static str> {
        match self.byte()? {
            0x70 => Ok("funcref"),
            0x6f => Ok("externref"),
            other => bail!("table element type 0x{other:02x} is not supported here"),
        }
    }
}

/// Every export of `module`, sorted, tables with their element type.
pub fn exports(module: &[u8]) -> Result<Vec<Export>> {
    if module.get(..4) != Some(b"\0asm") {
        bail!("not a WebAssembly module");
    }
    let mut r = Reader {
        bytes: module,
        at: 8,
    };
    let mut tables: Vec<&str> = Vec::new();
    let mut out = Vec::new();
    while r.at < module.len() {
        let id = r.byte()?;
        let size = r.len()?;
        let mut s = Reader {
            bytes: r.take(size)?,
            at: 0,
        };
        match id {
            // Imports: imported tables come first in the table index space.
            2 => {
                for _ in 0..s.len()? {
                    s.name()?;
                    s.name()?;
                    match s.byte()? {
                        0 => {
                            s.leb()?;
                        }
                        1 => {
                            tables.push(s.ref_type()?);
                            s.limits()?;
                        }
                        2 => s.limits()?,
                        3 => {
                            s.byte()?;
                            s.byte()?;
                        }
                        4 => {
                            s.byte()?;
                            s.leb()?;
                        }
                        other => bail!("unknown import kind {other}"),
                    }
                }
            }
            4 => {
                for _ in 0..s.len()? {
                    tables.push(s.ref_type()?);
                    s.limits()?;
                }
            }
            7 => {
                for _ in 0..s.len()? {
                    let name = s.name()?;
                    let kind = s.byte()?;
                    let index = s.len()?;
                    let kind = match kind {
                        0 => "func".to_string(),
                        1 => format!(
                            "table {}",
                            tables
                                .get(index)
                                .with_context(|| format!("export {name}: no table {index}"))?
                        ),
                        2 => "memory".to_string(),
                        3 => "global".to_string(),
                        4 => "tag".to_string(),
                        other => bail!("unknown export kind {other}"),
                    };
                    out.push(Export { name, kind });
                }
            }
            _ => {}
        }
    }
    out.sort();
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A module with a funcref table and an externref table, the second exported.
    fn module(exported_table: u8) -> Vec<u8> {
        let mut m = b"\0asm\x01\0\0\0".to_vec();
        // Table section: 2 tables, funcref min 1, externref min 2 max 3.
        m.extend([4, 8, 2, 0x70, 0, 1, 0x6f, 1, 2, 3]);
        // Export section: "t" -> table `exported_table`.
        m.extend([7, 5, 1, 1, b't', 1, exported_table]);
        m
    }

    #[test]
    fn reads_table_exports() {
        let export = |kind: &str| {
            vec![Export {
                name: "t".into(),
                kind: kind.into(),
            }]
        };
        assert_eq!(exports(&module(1)).unwrap(), export("table externref"));
        assert_eq!(exports(&module(0)).unwrap(), export("table funcref"));
        assert!(exports(&module(2)).is_err());
        assert!(exports(b"\0asm\x01\0\0\0\x07\x05").is_err());
        assert!(exports(b"MZ").is_err());
    }
}
