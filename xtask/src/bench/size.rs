//! Bytes on the wire: every file of the distribution, raw and gzipped (level 9, what a
//! server with static compression sends), and the total of what the page loads
//! (`index.html` with its style sheet and `boot.js`, `main.js` with the glue, the module, `config.json`) against the
//! budget; what a Microsoft Graph site loads on top (the Graph build) as information.

use std::io::Write;

use anyhow::{Context, Result};
use flate2::write::GzEncoder;
use flate2::Compression;

use super::Verdict;
use crate::dist::Dist;

/// What the page may transfer, gzipped, in bytes (110 KB).
pub const BUDGET: u64 = 110_000;

/// The gzip (level 9) size of `bytes`.
pub fn gzip_len(bytes: &[u8]) -> Result<u64> {
    let mut gz = GzEncoder::new(Vec::new(), Compression::new(9));
    gz.write_all(bytes)?;
    Ok(gz.finish()?.len() as u64)
}

/// Prints the table and returns the transfer budget's verdict.
pub fn run(dist: &Dist) -> Result<Vec<Verdict>> {
    println!(
        "{:<42} {:>10} {:>10}",
        "file (* loaded by the page)", "raw", "gzip -9"
    );
    let (mut raw_total, mut gz_total) = (0, 0);
    for f in &dist.files {
        let path = dist.dir.join(&f.name);
        let bytes =
            std::fs::read(&path).with_context(|| format!("cannot read {}", path.display()))?;
        let gz = gzip_len(&bytes)?;
        let mark = if f.loaded_by_page { "*" } else { " " };
        println!("{mark} {:<40} {:>10} {:>10}", f.name, bytes.len(), gz);
        if f.loaded_by_page {
            raw_total += bytes.len() as u64;
            gz_total += gz;
        }
    }
    println!(
        "  {:<40} {:>10} {:>10}",
        "total loaded by the page", raw_total, gz_total
    );
    // The catalogues: one is fetched when the page shows words (an error, the chooser,
    // the dry run), never on a redirect.
    let mut words = Vec::new();
    for f in dist.files.iter().filter(|f| f.name.starts_with("locales/")) {
        let bytes = std::fs::read(dist.dir.join(&f.name))?;
        words.push(format!("{} {}", f.name, gzip_len(&bytes)?));
    }
    // The Graph build: only a site whose directory is Microsoft Graph loads it, after
    // the first module has read config.json and handed over (src/web/handover.rs).
    let mut graph = 0;
    let graph_wasm = format!("{}_bg-", crate::dist::GRAPH_LIB);
    for f in dist
        .files
        .iter()
        .filter(|f| f.name.starts_with("graph-") || f.name.starts_with(&graph_wasm))
    {
        graph += gzip_len(&std::fs::read(dist.dir.join(&f.name))?)?;
    }
    let mut verdicts = vec![
        Verdict::info(
            "words, fetched only when the page shows some (bytes gzipped)",
            words.join(", "),
        ),
        Verdict::info(
            "a Microsoft Graph site",
            format!(
                "also loads the Graph build (graph-*.js and its module): {graph} bytes gzipped, {} in all",
                gz_total + graph
            ),
        ),
    ];
    verdicts.insert(0, Verdict::budget(
        "transfer size",
        gz_total <= BUDGET,
        format!(
            "{gz_total} bytes gzipped ({raw_total} raw) for everything the page loads, budget {BUDGET}"
        ),
    ));
    Ok(verdicts)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn gzip_shrinks_repetition() {
        let text = "lync ".repeat(1000);
        let gz = gzip_len(text.as_bytes()).unwrap();
        assert!(gz > 18 && gz < 100, "{gz}");
    }
}
