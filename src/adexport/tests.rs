use super::*;
use crate::contact::Contact;
use crate::published::{lookup_key, DirectoryEntries, MAX_PEOPLE_PER_KEY};

const PS51: &[u8] = include_bytes!("../../tests/fixtures/ad-users-ps51.csv");
const USECULTURE: &[u8] = include_bytes!("../../tests/fixtures/ad-users-useculture-fr.csv");
const MISEXPORTED: &[u8] = include_bytes!("../../tests/fixtures/ad-users-misexported.csv");
const LDIF: &[u8] = include_bytes!("../../tests/fixtures/ad-users-ldapsearch.ldif");

fn table(bytes: &[u8]) -> Table {
    read(bytes, None).unwrap().1
}

/// The values of `column` in record `n`.
fn cell<'a>(t: &'a Table, n: usize, column: &str) -> &'a [String] {
    t.records()[n].get(t.column(column).unwrap())
}

fn mapped(bytes: &[u8]) -> (DirectoryEntries, MapReport) {
    map(&table(bytes), &MapOptions::default(), &mut |_| {}).unwrap()
}

/// Who `contact` maps to, as `(user id, attribute)`.
fn who(entries: &DirectoryEntries, contact: &str) -> Vec<(String, String)> {
    let c = Contact::parse(contact).unwrap();
    entries
        .keys
        .get(&c)
        .map(|ms| {
            ms.iter()
                .map(|m| {
                    (
                        entries.users[m.user].user_id.clone(),
                        entries.attributes[m.attribute].clone(),
                    )
                })
                .collect()
        })
        .unwrap_or_default()
}

fn pair(u: &str, a: &str) -> (String, String) {
    (u.to_string(), a.to_string())
}

#[test]
fn powershell_51_csv_with_bom_and_type_line() {
    let (format, t) = read(PS51, None).unwrap();
    assert_eq!(format, Format::Csv);
    // The BOM is not part of the first column's name; the #TYPE line is skipped.
    assert_eq!(t.columns()[0], "SamAccountName");
    assert_eq!(t.columns().len(), 8);
    assert_eq!(t.records().len(), 5);
    // Line numbers count the #TYPE line and the header.
    assert_eq!(t.records()[0].line, 3);
    assert_eq!(t.records()[4].line, 7);
    // Case-insensitive names, quoted multi-valued cells, empty cells.
    assert_eq!(cell(&t, 0, "MAIL"), ["John.Doe@contoso.com"]);
    assert!(cell(&t, 0, "proxyaddresses")[0].starts_with("SMTP:John.Doe@contoso.com;smtp:"));
    assert!(cell(&t, 2, "mail").is_empty());
    assert_eq!(cell(&t, 4, "displayName"), ["O'Neil, Sean \"Shay\""]);
}

#[test]
fn semicolon_delimiter_from_use_culture() {
    let t = table(USECULTURE);
    assert_eq!(t.columns().len(), 7);
    assert_eq!(t.records().len(), 2);
    assert_eq!(
        cell(&t, 1, "proxyAddresses"),
        ["SMTP:chloe.garcia@contoso.com;SIP:chloe.garcia@lync.contoso.com;smtp:cgarcia@contoso.fr"]
    );
    assert_eq!(cell(&t, 1, "displayname"), ["García; Chloé"]);
    let (entries, report) = mapped(USECULTURE);
    assert_eq!(report.users, 2);
    assert_eq!(
        who(&entries, "sip:chloe.garcia@lync.contoso.com"),
        [pair(
            "chloe.garcia@contoso.com",
            "msRTCSIP-PrimaryUserAddress"
        )]
    );
    assert_eq!(
        who(&entries, "sip:cgarcia@contoso.fr"),
        [pair("chloe.garcia@contoso.com", "proxyAddresses (smtp:)")]
    );
    assert_eq!(
        entries.users[1].display_name.as_deref(),
        Some("García; Chloé")
    );
}

#[test]
fn misexported_multivalued_attribute_names_column_line_and_fix() {
    let e = read(MISEXPORTED, None).unwrap_err();
    assert_eq!(
        e,
        ReadError::MisExported {
            line: 3,
            column: "proxyAddresses".into(),
            found: "Microsoft.ActiveDirectory.Management.ADPropertyValueCollection".into()
        }
    );
    let msg = e.to_string();
    assert!(msg.starts_with("line 3, column 'proxyAddresses':"), "{msg}");
    assert!(
        msg.contains("@{n='proxyAddresses';e={$_.proxyAddresses -join ';'}}"),
        "{msg}"
    );
    let e =
        csv::read("\"mail\",\"otherTelephone\"\n\"a@x.com\",\"System.Object[]\"\n").unwrap_err();
    assert!(matches!(e, ReadError::MisExported { line: 2, .. }), "{e:?}");
}

#[test]
fn csv_errors_name_the_line() {
    let e = csv::read("\"mail\",\"sip\"\n\"a@x.com\",\"b\"\n\"c@x.com\"\n").unwrap_err();
    assert!(matches!(e, ReadError::Csv { line: 3, .. }), "{e:?}");
    assert!(
        e.to_string().contains("1 fields but the header has 2"),
        "{e}"
    );
    let e = csv::read("\"mail\",\"MAIL\"\n").unwrap_err();
    assert_eq!(
        e,
        ReadError::DuplicateColumn {
            name: "MAIL".into()
        }
    );
    assert_eq!(csv::read(""), Err(ReadError::Empty));
    assert_eq!(csv::read("#TYPE x"), Err(ReadError::Empty));
    // Windows-1252 bytes (Export-Csv -Encoding Default) are refused with the fix.
    let e = decode(b"\"mail\"\r\n\"h\xe9lene@x.com\"\r\n").unwrap_err();
    assert!(matches!(e, ReadError::Encoding { line: 2, .. }), "{e:?}");
    assert!(e.to_string().contains("-Encoding UTF8"), "{e}");
}

#[test]
fn utf16_exports_are_decoded() {
    let text = "\"mail\",\"displayName\"\r\n\"a@x.com\",\"Hélène\"\r\n";
    let mut le = vec![0xff, 0xfe];
    le.extend(text.encode_utf16().flat_map(u16::to_le_bytes));
    let mut be = vec![0xfe, 0xff];
    be.extend(text.encode_utf16().flat_map(u16::to_be_bytes));
    for bytes in [le, be] {
        let t = table(&bytes);
        assert_eq!(cell(&t, 0, "displayName"), ["Hélène"]);
    }
}

#[test]
fn ldif_from_ldapsearch() {
    let (format, t) = read(LDIF, None).unwrap();
    assert_eq!(format, Format::Ldif);
    assert_eq!(
        t.records().len(),
        2,
        "the search/result trailer is no record"
    );
    assert_eq!(t.records()[0].line, 12);
    assert_eq!(t.records()[1].line, 24);
    // attr:: base64, decoded as UTF-8.
    assert_eq!(cell(&t, 0, "displayName"), ["Müller, Jürgen"]);
    assert_eq!(
        cell(&t, 0, "dn"),
        ["CN=Müller\\, Jürgen,OU=Users,DC=contoso,DC=com"]
    );
    // Multi-valued, with a folded value.
    let proxies = cell(&t, 0, "proxyAddresses");
    assert_eq!(proxies.len(), 4);
    assert_eq!(
        proxies[2],
        "X500:/o=Contoso/ou=Exchange Administrative Group (FYDIBOHF23SPDLT)/cn=Recipients/cn=0123456789abcdef0123456789abcdef-jmueller"
    );
    // Names in any case; options such as ;range= dropped; folded plain values.
    assert_eq!(cell(&t, 1, "mail"), ["anna.smith@contoso.com"]);
    assert_eq!(
        cell(&t, 1, "msRTCSIP-PrimaryUserAddress"),
        ["sip:anna.smith@contoso.com"]
    );
    assert_eq!(
        cell(&t, 1, "proxyAddresses"),
        ["SMTP:anna.smith@contoso.com"]
    );

    let (entries, report) = mapped(LDIF);
    assert_eq!(report.users, 2);
    assert_eq!(
        who(&entries, "sip:jmueller@contoso.com"),
        [pair(
            "juergen.mueller@contoso.com",
            "msRTCSIP-PrimaryUserAddress"
        )]
    );
    assert_eq!(
        who(&entries, "sip:jmueller@contoso.de"),
        [pair(
            "juergen.mueller@contoso.com",
            "proxyAddresses (smtp:)"
        )]
    );
    // The shared number maps to both.
    assert_eq!(
        who(&entries, "tel:+49301234567"),
        [
            pair("juergen.mueller@contoso.com", "telephoneNumber"),
            pair("anna.smith@contoso.com", "telephoneNumber")
        ]
    );
    assert_eq!(report.duplicate_keys.count, 1);
}

#[test]
fn ldif_details() {
    let t = ldif::read("version: 1\ndn: cn=a\nmail: a@x.com\r\n\r\ndn: cn=b\n# a comment\n#  folded comment\nmail:   b@x.com  \n").unwrap();
    assert_eq!(t.records().len(), 2);
    assert_eq!(cell(&t, 1, "mail"), ["b@x.com"]);
    let e = ldif::read("dn: cn=a\nmail:: ***\n").unwrap_err();
    assert_eq!(
        e,
        ReadError::Ldif {
            line: 2,
            problem: "the base64 value of 'mail' is not valid base64".into()
        }
    );
    let e = ldif::read("dn: cn=a\njpegPhoto:< file:///tmp/x\n").unwrap_err();
    assert!(matches!(e, ReadError::Ldif { line: 2, .. }), "{e:?}");
    let e = ldif::read("dn: cn=a\nno colon here\n").unwrap_err();
    assert!(matches!(e, ReadError::Ldif { line: 2, .. }), "{e:?}");
    let e = ldif::read("\n continuation\n").unwrap_err();
    assert!(matches!(e, ReadError::Ldif { line: 2, .. }), "{e:?}");
    assert_eq!(
        ldif::read("# nothing\n\nsearch: 2\nresult: 0 Success\n"),
        Err(ReadError::Empty)
    );
}

#[test]
fn format_detection() {
    use std::path::Path;
    assert_eq!(
        Format::from_extension(Path::new("x.CSV")),
        Some(Format::Csv)
    );
    assert_eq!(
        Format::from_extension(Path::new("x.ldif")),
        Some(Format::Ldif)
    );
    assert_eq!(
        Format::from_extension(Path::new("x.ldf")),
        Some(Format::Ldif)
    );
    assert_eq!(Format::from_extension(Path::new("x.dat")), None);
    assert_eq!(Format::sniff("#TYPE x\n\"mail\"\n"), Format::Csv);
    assert_eq!(Format::sniff("# comment\n\nversion: 1\n"), Format::Ldif);
    assert_eq!(Format::sniff("dn: cn=x\n"), Format::Ldif);
    assert_eq!(Format::sniff("\"dn\",\"mail\"\n"), Format::Csv);
}

#[test]
fn mapping_the_powershell_export() {
    let (entries, report) = mapped(PS51);
    assert_eq!(report.rows, 5);
    assert_eq!(report.users, 4);
    // SIP address that differs from the mail.
    assert_eq!(
        who(&entries, "sip:jdoe@contoso.com"),
        [pair("John.Doe@contoso.com", "msRTCSIP-PrimaryUserAddress")]
    );
    // proxyAddresses SMTP:, whatever the case of the contact.
    assert_eq!(
        who(&entries, "SIP:John.Doe@CONTOSO.com"),
        [pair("John.Doe@contoso.com", "proxyAddresses (SMTP:)")]
    );
    assert_eq!(
        who(&entries, "sip:jdoe@contoso.mail.onmicrosoft.com"),
        [pair("John.Doe@contoso.com", "proxyAddresses (smtp:)")]
    );
    // UPN.
    assert_eq!(
        who(&entries, "jdoe@contoso.local"),
        [pair("John.Doe@contoso.com", "UserPrincipalName")]
    );
    // X500: is no key.
    assert!(entries
        .keys
        .keys()
        .all(|k| !lookup_key(k).contains("cn=recipients")));
    // The three spellings of one number meet, and the shared number maps to both.
    let both = [
        pair("John.Doe@contoso.com", "telephoneNumber"),
        pair("helene.lefevre@contoso.com", "telephoneNumber"),
    ];
    for c in [
        "tel:+33 1 23 45 67 89",
        "tel:+33123456789",
        "tel:+33123456789;phone-context=contoso.com",
    ] {
        assert_eq!(who(&entries, c), both, "{c}");
    }
    // A national number is kept as its digits; an extension is dropped.
    assert_eq!(
        who(&entries, "tel:0140000000"),
        [pair("marc.martin@contoso.com", "msRTCSIP-Line")]
    );
    assert_eq!(
        who(&entries, "tel:+14255550100"),
        [pair("sean.oneil@contoso.com", "msRTCSIP-Line")]
    );
    assert!(who(&entries, "tel:+33140000000").is_empty());
    // Display names: given, or none.
    assert_eq!(
        entries.users[1].display_name.as_deref(),
        Some("Lefèvre, Hélène")
    );
    assert_eq!(entries.users[2].display_name, None);

    assert_eq!(report.no_user_id.count, 1);
    assert_eq!(report.no_user_id.examples, ["line 5: no mail"]);
    assert_eq!(report.bad_values.count, 2);
    assert!(report.bad_values.examples[0]
        .starts_with("line 6, proxyAddresses (smtp:): 'not an address'"));
    assert!(report.bad_values.examples[1].starts_with("line 6, telephoneNumber:"));
    assert_eq!(report.duplicate_keys.count, 1);
    assert_eq!(
        report.duplicate_keys.examples,
        ["line 4: tel:+33123456789 (telephoneNumber) of helene.lefevre@contoso.com is also John.Doe@contoso.com's (line 3)"]
    );
    assert_eq!(report.missing_default_columns, ["mobile"]);
}

#[test]
fn explicit_columns_must_exist_and_options_apply() {
    let t = table(PS51);
    let opts = |f: &dyn Fn(&mut MapOptions)| {
        let mut o = MapOptions::default();
        f(&mut o);
        o
    };
    let e = map(&t, &opts(&|o| o.user_id = "email".into()), &mut |_| {}).unwrap_err();
    assert!(
        matches!(&e, MapError::MissingColumn { option: "--user-id", name, .. } if name == "email"),
        "{e:?}"
    );
    assert!(
        e.to_string()
            .contains("SamAccountName, UserPrincipalName, mail"),
        "{e}"
    );
    let e = map(
        &t,
        &opts(&|o| o.phones = Some(vec!["mobile".into()])),
        &mut |_| {},
    )
    .unwrap_err();
    assert!(matches!(
        e,
        MapError::MissingColumn {
            option: "--phones",
            ..
        }
    ));
    let e = map(
        &t,
        &opts(&|o| o.display_name = Some("cn".into())),
        &mut |_| {},
    )
    .unwrap_err();
    assert!(matches!(
        e,
        MapError::MissingColumn {
            option: "--display-name",
            ..
        }
    ));

    // Only the SIP address as key, SamAccountName as user id.
    let (entries, report) = map(
        &t,
        &opts(&|o| {
            o.user_id = "samaccountname".into();
            o.addresses = Some(vec!["msRTCSIP-PrimaryUserAddress".into()]);
            o.phones = Some(vec![]);
        }),
        &mut |_| {},
    )
    .unwrap();
    assert_eq!(report.users, 4);
    assert_eq!(report.keys, 4);
    assert_eq!(
        who(&entries, "sip:marc.martin@contoso.com"),
        [pair("mmartin", "msRTCSIP-PrimaryUserAddress")]
    );
    assert!(who(&entries, "sip:john.doe@contoso.com").is_empty());
}

#[test]
fn no_usable_user_is_an_error() {
    let t = csv::read(
        "\"SamAccountName\",\"telephoneNumber\"\n\"\",\"+33 1 23 45 67 89\"\n\"jdoe\",\"n/a\"\n",
    )
    .unwrap();
    let options = MapOptions {
        user_id: "SamAccountName".into(),
        ..MapOptions::default()
    };
    let e = map(&t, &options, &mut |_| {}).unwrap_err();
    let MapError::NoUsableUser { report } = &e else {
        panic!("{e:?}")
    };
    assert_eq!(report.rows, 2);
    assert_eq!(report.no_user_id.count, 1);
    assert_eq!(report.bad_values.count, 1);
    assert_eq!(report.users_without_keys.examples, ["line 3: jdoe"]);
    let msg = e.to_string();
    assert!(msg.starts_with("no usable user in 2 rows"), "{msg}");
    assert!(msg.contains("line 2: no SamAccountName"), "{msg}");
    assert!(
        msg.contains("line 3, telephoneNumber: 'n/a' is not a valid phone number"),
        "{msg}"
    );
}

#[test]
fn repeated_user_ids_merge_and_crowded_keys_are_left_out() {
    let mut csv_text = String::from("\"mail\",\"telephoneNumber\",\"proxyAddresses\"\n");
    csv_text.push_str("\"a@x.com\",\"\",\"SMTP:a@x.com\"\n");
    csv_text.push_str("\"A@X.com\",\"\",\"smtp:a2@x.com\"\n");
    for i in 0..=MAX_PEOPLE_PER_KEY {
        csv_text.push_str(&format!("\"u{i}@x.com\",\"+33 1 40 00 00 00\",\"\"\n"));
    }
    let t = csv::read(&csv_text).unwrap();
    let (entries, report) = map(&t, &MapOptions::default(), &mut |_| {}).unwrap();
    assert_eq!(report.repeated_user_ids.count, 1);
    assert_eq!(
        report.repeated_user_ids.examples,
        ["line 3: A@X.com (first on line 2)"]
    );
    assert_eq!(
        who(&entries, "a2@x.com"),
        [pair("a@x.com", "proxyAddresses (smtp:)")]
    );
    // The switchboard number is shared by 21 users: left out, reported.
    assert!(who(&entries, "tel:+33140000000").is_empty());
    assert_eq!(report.too_shared.count, 1);
    assert_eq!(
        report.too_shared.examples,
        [format!(
            "tel:+33140000000 is shared by {} users",
            MAX_PEOPLE_PER_KEY + 1
        )]
    );
    // Their own mail addresses still find them.
    assert_eq!(report.users, 2 + MAX_PEOPLE_PER_KEY);
    assert_eq!(who(&entries, "u3@x.com"), [pair("u3@x.com", "mail")]);
}

#[test]
fn progress_is_reported_every_10000_rows() {
    let csv_text = synthetic::synthetic_ad_csv(25_000, 3);
    let t = table(csv_text.as_bytes());
    let mut seen = Vec::new();
    let (_, report) = map(&t, &MapOptions::default(), &mut |n| seen.push(n)).unwrap();
    assert_eq!(seen, [10_000, 20_000]);
    assert!(report.users > 24_000);
}

#[test]
fn the_synthetic_export_is_realistic_and_deterministic() {
    let a = synthetic::synthetic_ad_csv(2_000, 7);
    assert_eq!(a, synthetic::synthetic_ad_csv(2_000, 7));
    assert_ne!(a, synthetic::synthetic_ad_csv(2_000, 8));
    assert!(a.starts_with('\u{feff}'));
    let (entries, report) = mapped(a.as_bytes());
    assert!(report.no_user_id.count > 0);
    assert!(report.duplicate_keys.count > 0, "some numbers are shared");
    assert_eq!(report.bad_values.count, 0);
    // Some users have a SIP address that is not their mail.
    let sip_only = entries
        .keys
        .values()
        .flatten()
        .filter(|m| entries.attributes[m.attribute] == "msRTCSIP-PrimaryUserAddress")
        .count();
    assert!(sip_only > 300, "{sip_only}");
    // Every user has at least its mail, UPN and SIP address as keys.
    assert!(report.keys > report.users * 3);
}
