//! `signed`: signed files, the manifest and the shards, past the signature.
//!
//! The first byte chooses what the rest is:
//!
//! - 0: a whole file, as fetched: `signed::open` as either kind, then as the manifest
//!   and as each shard of the fixture export (`tests/fixtures/export/`, signed by the
//!   same test key, so its files are seeds that verify);
//! - 1: a manifest payload, signed with the test key, opened at a fuzzed time;
//! - 2: a shard payload, signed, opened as one of the fixture manifest's shards, then
//!   looked up;
//! - 3: a manifest built from fuzzed fields and a shard whose entry for a contact is a
//!   fuzzed plaintext sealed as the export tool seals it, so that the fuzzer reaches
//!   the entry's parser;
//! - otherwise: a payload signed as one kind and opened as the other.
//!
//! Nothing may panic; refusals are expected.

#![no_main]

use std::sync::OnceLock;

use libfuzzer_sys::fuzz_target;
use lync_quickcall::published::VerifiedManifest;
use lync_quickcall::signed::{self, Context};
use lync_quickcall::{Contact, Directory, ShardRef};
use lync_quickcall_fuzz::{seal, signing_key, trusted, Bytes};
use serde_json::{json, Value};

const MANIFEST: &[u8] = include_bytes!("../../tests/fixtures/export/manifest.json");
/// When the fixture export was made (it is valid for 7 days).
const CREATED: u64 = 1_750_000_000;
/// Contacts of the fixture export, and some it does not have.
const CONTACTS: [&str; 6] = [
    "sip:jdoe@contoso.com",
    "john.doe@contoso.com",
    "helene.lefevre@contoso.com",
    "tel:+33123456789",
    "sip:nobody@contoso.com",
    "tel:1234",
];

fn contacts() -> Vec<Contact> {
    CONTACTS
        .iter()
        .filter_map(|c| Contact::parse(c).ok())
        .collect()
}

/// The fixture manifest, and a contact for each of its shards (to get their
/// [`ShardRef`]s: one can only be had from a contact).
fn fixture() -> &'static (VerifiedManifest, Vec<ShardRef>) {
    static FIXTURE: OnceLock<(VerifiedManifest, Vec<ShardRef>)> = OnceLock::new();
    FIXTURE.get_or_init(|| {
        let Ok(m) = VerifiedManifest::open(MANIFEST, &trusted(), CREATED + 1) else {
            panic!("the fixture manifest does not open");
        };
        let mut refs: Vec<ShardRef> = Vec::new();
        for n in 0.. {
            if refs.len() == m.shard_count() as usize {
                break;
            }
            let Ok(c) = Contact::parse(&format!("u{n}@contoso.com")) else {
                continue;
            };
            let r = m.shard_for(&c);
            if !refs.iter().any(|x| x.index() == r.index()) {
                refs.push(r);
            }
        }
        refs.sort_by_key(ShardRef::index);
        (m, refs)
    })
}

/// Opens `bytes` as shard `r` of `m` and looks the usual contacts up in it.
fn read_shard(m: &VerifiedManifest, r: &ShardRef, bytes: &[u8], extra: Option<&Contact>) {
    let Ok(shard) = m.open_shard(r, bytes, &trusted()) else {
        return;
    };
    let mut cs = contacts();
    cs.extend(extra.cloned());
    for c in &cs {
        let _ = shard.lookup(c);
    }
    let mine: Vec<Contact> = cs.into_iter().filter(|c| m.shard_for(c) == *r).collect();
    if let Ok(d) = m.directory(&mine, std::slice::from_ref(&shard)) {
        for c in &mine {
            let _ = d.lookup(c);
        }
    }
}

/// A manifest payload from fuzzed fields, mostly valid; its salt and shard bits.
fn manifest_fields(b: &mut Bytes) -> (Value, [u8; 32], u8, String) {
    use base64::Engine as _;
    let salt: [u8; 32] = b.array();
    let bits = b.byte() % 17;
    let export_id = if b.flag() {
        b.string(40)
    } else {
        "0123456789abcdef0123456789abcdef".to_string()
    };
    let attributes: Vec<String> = (0..b.choose(4)).map(|_| b.string(16)).collect();
    let valid = 1 + u64::from(b.byte()) * 86_400;
    let manifest = json!({
        "format": "lync-quickcall-directory/1",
        "export_id": export_id,
        "created": CREATED,
        "expires": CREATED + valid,
        "salt": base64::engine::general_purpose::STANDARD.encode(salt),
        "shard_bits": bits,
        "users": b.u64() >> 11,
        "keys": b.u64() >> 11,
        "attributes": attributes,
    });
    (manifest, salt, bits, export_id)
}

/// Mode 3: a fuzzed manifest, and a shard holding a sealed fuzzed entry for a contact.
fn sealed_entry(b: &mut Bytes) {
    let (manifest, salt, bits, export_id) = manifest_fields(b);
    let key = signing_key();
    let manifest = signed::sign(manifest.to_string().as_bytes(), Context::Manifest, &key);
    let Ok(m) = VerifiedManifest::open(&manifest, &trusted(), CREATED + 1) else {
        return;
    };
    let contact = match b.choose(3) {
        0 => Contact::parse(&b.string(64)).ok(),
        _ => None,
    }
    .unwrap_or_else(|| contacts().swap_remove(b.choose(CONTACTS.len())));
    let r = m.shard_for(&contact);
    let mut entries = Vec::new();
    // Other entries of the same shard, each sealed for its own contact.
    for n in 0..b.choose(3) {
        if let Ok(other) = Contact::parse(&format!("other{n}@contoso.com")) {
            let (id, ct) = seal::entry(&salt, &other, b"[[\"other@contoso.com\",null,0]]");
            if seal::shard_of(&seal::lookup_id(&salt, &other), bits) == r.index() {
                entries.push(json!([id, ct]));
            }
        }
    }
    let index = if b.flag() {
        u64::from(b.byte())
    } else {
        u64::from(r.index())
    };
    let (id, ct) = seal::entry(&salt, &contact, b.rest());
    entries.push(json!([id, ct]));
    let shard = json!({ "export_id": export_id, "index": index, "entries": entries });
    let shard = signed::sign(shard.to_string().as_bytes(), Context::Shard, &key);
    read_shard(&m, &r, &shard, Some(&contact));
}

fuzz_target!(|data: &[u8]| {
    let mut b = Bytes::new(data);
    let mode = b.byte();
    let key = signing_key();
    let keys = trusted();
    match mode {
        0 => {
            let file = b.rest();
            for context in [Context::Manifest, Context::Shard] {
                if let Ok(v) = signed::open(file, context, &keys) {
                    assert!(
                        file.ends_with(v.payload()),
                        "the payload is not the file's end"
                    );
                }
            }
            let _ = VerifiedManifest::open(file, &keys, CREATED + 1);
            let (m, refs) = fixture();
            for r in refs {
                read_shard(m, r, file, None);
            }
        }
        1 => {
            let now = b.u64();
            let now = if now.is_multiple_of(2) {
                CREATED + (now >> 40)
            } else {
                now
            };
            let file = signed::sign(b.rest(), Context::Manifest, &key);
            let _ = VerifiedManifest::open(&file, &keys, now);
        }
        2 => {
            let (m, refs) = fixture();
            let r = &refs[b.choose(refs.len())];
            let file = signed::sign(b.rest(), Context::Shard, &key);
            read_shard(m, r, &file, None);
        }
        3 => sealed_entry(&mut b),
        _ => {
            let payload = b.rest();
            let file = signed::sign(payload, Context::Shard, &key);
            assert!(signed::open(&file, Context::Manifest, &keys).is_err());
            let file = signed::sign(payload, Context::Manifest, &key);
            match signed::open(&file, Context::Manifest, &keys) {
                Ok(v) => assert_eq!(v.payload(), payload),
                Err(e) => panic!("a file signed by the trusted key is refused: {e}"),
            }
        }
    }
});
