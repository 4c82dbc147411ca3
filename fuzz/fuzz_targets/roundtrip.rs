//! `roundtrip`: random users and keys → `published::build` → read back as the page
//! does (`VerifiedManifest::open`, `open_shard`, `directory`): every key is found with
//! exactly its people, in order, and other contacts are unknown.
//!
//! Users are drawn as `adexport::map` hands them over: user ids neither blank nor with
//! control characters (which `build` does not check itself), display names anything;
//! keys are contacts from fuzzed text or from numbered addresses and phone numbers,
//! each mapped to one to twenty users. The shard size limit is fuzzed too, down to a
//! few hundred bytes, so that exports have from one to many shards.

#![no_main]

use libfuzzer_sys::fuzz_target;
use lync_quickcall::published::{
    BuildOptions, DirectoryEntries, ExportUser, Match, MAX_PEOPLE_PER_KEY,
};
use lync_quickcall::Contact;
use lync_quickcall_fuzz::invariants::check_round_trip;
use lync_quickcall_fuzz::{signing_key, Bytes};

/// When the exports are made.
const NOW: u64 = 1_760_000_000;

fn user(b: &mut Bytes, n: usize) -> ExportUser {
    let id = b.string(40);
    let user_id = if !id.trim().is_empty() && !id.chars().any(char::is_control) {
        id
    } else {
        format!("user{n}@contoso.com")
    };
    let display_name = match b.choose(3) {
        0 => None,
        1 => Some(format!("User {n}")),
        _ => Some(b.string(40)),
    };
    ExportUser {
        user_id,
        display_name,
    }
}

fn contact(b: &mut Bytes, n: usize) -> Option<Contact> {
    match b.choose(4) {
        0 => Contact::parse(&b.string(64)).ok(),
        1 => Contact::parse(&format!("tel:+331{:08}", b.u64() % 100_000_000)).ok(),
        _ => Contact::parse(&format!("sip:u{n}.{}@contoso.com", b.byte())).ok(),
    }
}

fuzz_target!(|data: &[u8]| {
    let mut b = Bytes::new(data);
    let seed = b.byte();
    let days = 1 + u64::from(b.byte()) % 366;
    let max_shard_bytes = match b.choose(3) {
        0 => BuildOptions::DEFAULT_MAX_SHARD_BYTES,
        _ => 200 + usize::from(b.byte()) * 16,
    };
    let attributes: Vec<String> = ["msRTCSIP-PrimaryUserAddress", "mail", "telephoneNumber"]
        [..1 + b.choose(3)]
        .iter()
        .map(|s| s.to_string())
        .collect();
    let users: Vec<ExportUser> = (0..1 + b.choose(40)).map(|n| user(&mut b, n)).collect();
    let mut entries = DirectoryEntries {
        users,
        attributes,
        ..DirectoryEntries::default()
    };
    for n in 0..1 + b.choose(60) {
        let Some(c) = contact(&mut b, n) else {
            continue;
        };
        let most = if b.flag() { MAX_PEOPLE_PER_KEY } else { 2 };
        let people = 1 + b.choose(most);
        let matches = (0..people)
            .map(|_| Match {
                user: b.choose(entries.users.len()),
                attribute: b.choose(entries.attributes.len()),
            })
            .collect();
        entries.keys.insert(c, matches);
    }
    if entries.keys.is_empty() {
        return;
    }
    let options = BuildOptions {
        max_shard_bytes,
        ..BuildOptions::new(NOW, days)
    };
    let absent: Vec<Contact> = ["sip:absent@contoso.com", "tel:+33999999999"]
        .iter()
        .filter_map(|c| Contact::parse(c).ok())
        .collect();
    if let Err(e) = check_round_trip(&entries, &options, seed, &signing_key(), &absent) {
        panic!("{e}\nentries: {entries:?}");
    }
});
