//! `adexport`: Active Directory exports (CSV, LDIF, in UTF-8 or UTF-16) read and mapped
//! to an export's users and keys, as `lync-quickcall export` does.
//!
//! The first byte chooses the format (sniffed, CSV or LDIF) and the column options;
//! the rest is the file. [`adexport::read`] and [`adexport::map`] never panic, and
//! stay within memory (runs use `-rss_limit_mb=2048`); what `map` hands on to the
//! export builder is valid: every key maps to one to twenty existing users, and no
//! user id is blank or has control characters (the page would refuse the entry).

#![no_main]

use libfuzzer_sys::fuzz_target;
use lync_quickcall::adexport::{self, Format, MapOptions};
use lync_quickcall::published::MAX_PEOPLE_PER_KEY;

fn options(choice: u8) -> MapOptions {
    let strings = |v: &[&str]| Some(v.iter().map(|s| s.to_string()).collect());
    match choice % 4 {
        0 => MapOptions::default(),
        1 => MapOptions {
            user_id: "userPrincipalName".into(),
            ..MapOptions::default()
        },
        2 => MapOptions {
            user_id: "mail".into(),
            addresses: strings(&["proxyAddresses", "mail"]),
            phones: strings(&["telephoneNumber"]),
            display_name: Some("displayName".into()),
        },
        _ => MapOptions {
            user_id: "sAMAccountName".into(),
            addresses: strings(&[]),
            phones: strings(&["mobile", "msRTCSIP-Line"]),
            display_name: Some("cn".into()),
        },
    }
}

fuzz_target!(|data: &[u8]| {
    let Some((&choice, file)) = data.split_first() else {
        return;
    };
    let format = match choice & 3 {
        1 => Some(Format::Csv),
        2 => Some(Format::Ldif),
        _ => None,
    };
    let Ok((_, table)) = adexport::read(file, format) else {
        return;
    };
    let Ok((entries, report)) = adexport::map(&table, &options(choice >> 2), &mut |_| {}) else {
        return;
    };
    assert_eq!(report.users, entries.users.len());
    assert_eq!(report.keys, entries.keys.len());
    for u in &entries.users {
        // The page refuses an entry whose user id is blank or has control characters.
        assert!(
            !u.user_id.trim().is_empty() && !u.user_id.chars().any(char::is_control),
            "{u:?}"
        );
    }
    for (key, matches) in &entries.keys {
        assert!(
            (1..=MAX_PEOPLE_PER_KEY).contains(&matches.len())
                && matches
                    .iter()
                    .all(|m| m.user < entries.users.len() && m.attribute < entries.attributes.len()),
            "{key}: {matches:?}"
        );
    }
});
