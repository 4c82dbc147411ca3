//! `query`: the page's own query string, as any browser could hand it over.
//!
//! The input is the address's `search` and `hash`, split at the first `#`. Checked:
//! [`query::with_fragment`], [`PageQuery::parse`] (of the joined string and of the raw
//! input), [`Contact::parse_list`] and [`Contact::parse`] never panic, and every contact
//! they return prints as text that reads back as itself (what the chooser's links and
//! the export's lookup keys rely on).

#![no_main]

use libfuzzer_sys::fuzz_target;
use lync_quickcall::{query, Contact, PageQuery};

fn reads_back(contacts: &[Contact]) {
    for c in contacts {
        let text = c.to_string();
        assert_eq!(
            Contact::parse(&text).as_ref(),
            Ok(c),
            "{c:?} prints as {text:?}, which does not read back"
        );
    }
}

fuzz_target!(|data: &[u8]| {
    let text = String::from_utf8_lossy(data);
    let (search, hash) = match text.find('#') {
        Some(i) => text.split_at(i),
        None => (&text[..], ""),
    };
    let joined = query::with_fragment(search, hash);
    assert!(
        joined.starts_with(search),
        "with_fragment dropped the search"
    );
    for raw in [&joined[..], &text[..]] {
        if let Ok(q) = PageQuery::parse(raw) {
            assert!(!q.contacts.is_empty(), "{raw:?}: no contact and no error");
            reads_back(&q.contacts);
            reads_back(q.user.as_slice());
        }
    }
    if let Ok(list) = Contact::parse_list(&text) {
        reads_back(&list);
    }
    if let Ok(c) = Contact::parse(&text) {
        reads_back(&[c]);
    }
});
