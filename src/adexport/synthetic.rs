//! Synthetic Active Directory exports, for tests and benchmarks (`cargo xtask bench`).

/// A small deterministic generator (SplitMix64): the same seed gives the same export.
struct SplitMix(u64);

impl SplitMix {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }

    fn below(&mut self, n: u64) -> u64 {
        self.next() % n
    }

    fn pick<'a>(&mut self, items: &[&'a str]) -> &'a str {
        items[self.below(items.len() as u64) as usize]
    }
}

/// Given names as displayed, and as they appear in addresses.
const FIRST: [(&str, &str); 16] = [
    ("Jean", "jean"),
    ("Hélène", "helene"),
    ("François", "francois"),
    ("Marie", "marie"),
    ("Jürgen", "juergen"),
    ("Anna", "anna"),
    ("José", "jose"),
    ("Chloé", "chloe"),
    ("Mohamed", "mohamed"),
    ("Sophie", "sophie"),
    ("Éric", "eric"),
    ("Laura", "laura"),
    ("Thomas", "thomas"),
    ("Zoë", "zoe"),
    ("Pierre-Yves", "pierre-yves"),
    ("Sean", "sean"),
];

const LAST: [(&str, &str); 16] = [
    ("Martin", "martin"),
    ("Dupont", "dupont"),
    ("Müller", "mueller"),
    ("O'Neil", "oneil"),
    ("García", "garcia"),
    ("Lefèvre", "lefevre"),
    ("Schmidt", "schmidt"),
    ("Bernard", "bernard"),
    ("Nguyen", "nguyen"),
    ("Da Silva", "dasilva"),
    ("Rossi", "rossi"),
    ("Moreau", "moreau"),
    ("Weber", "weber"),
    ("Petit", "petit"),
    ("Lambert", "lambert"),
    ("Fontaine", "fontaine"),
];

/// The header `Export-Csv` writes for the documented `Get-ADUser` command, with
/// `msRTCSIP-Line` and `displayName` added.
pub const HEADER: &str = "\"SamAccountName\",\"UserPrincipalName\",\"mail\",\"msRTCSIP-PrimaryUserAddress\",\"proxyAddresses\",\"telephoneNumber\",\"msRTCSIP-Line\",\"displayName\"";

fn quoted(out: &mut String, field: &str) {
    out.push('"');
    out.push_str(&field.replace('"', "\"\""));
    out.push('"');
}

/// A CSV export of `n_users` users as Windows PowerShell 5.1's
/// `Export-Csv -NoTypeInformation -Encoding UTF8` writes it (BOM, every field quoted,
/// CRLF line ends), generated from `seed`.
///
/// User `i` has the mail `<first>.<last><i>@contoso.com` (the user id). About a third
/// have a SIP address that differs from their mail; everyone has `SMTP:`, `smtp:`,
/// `SIP:` and `X500:` proxy addresses and a UPN in `contoso.local`. Most have a phone
/// number (`+33 1 ...`, some in the national form `01 ...`) and a `tel:` line URI; about
/// one in 25 shares the number of the user before (a shared office line), so some keys
/// map to several people. About one row in 200 has no mail (no user id).
pub fn synthetic_ad_csv(n_users: usize, seed: u64) -> String {
    let mut rng = SplitMix(seed);
    let mut out = String::with_capacity(n_users * 420 + 200);
    out.push('\u{feff}');
    out.push_str(HEADER);
    out.push_str("\r\n");
    let mut previous_phone: Option<u64> = None;
    for i in 0..n_users {
        let (first_d, first_a) = FIRST[rng.below(FIRST.len() as u64) as usize];
        let (last_d, last_a) = LAST[rng.below(LAST.len() as u64) as usize];
        let sam = format!("{}{last_a}{i}", &first_a[..1]);
        let mail = format!("{first_a}.{last_a}{i}@contoso.com");
        let sip = match rng.below(3) {
            0 => format!("{sam}@contoso.com"),
            1 if i % 2 == 0 => format!("{first_a}.{last_a}{i}@lync.contoso.com"),
            _ => mail.clone(),
        };
        let upn = format!("{sam}@contoso.local");
        let has_mail = rng.below(200) != 0;
        let phone: Option<u64> = match (rng.below(25), previous_phone) {
            (0, Some(p)) => Some(p),
            (1..=3, _) => None,
            _ => Some(140_000_000 + i as u64),
        };
        previous_phone = phone;
        let national = rng.below(20) == 0;
        let phone_text = phone.map(|p| {
            let d = format!("{p:09}");
            if national {
                format!(
                    "0{} {} {} {} {}",
                    &d[..1],
                    &d[1..3],
                    &d[3..5],
                    &d[5..7],
                    &d[7..9]
                )
            } else {
                format!(
                    "+33 {} {} {} {} {}",
                    &d[..1],
                    &d[1..3],
                    &d[3..5],
                    &d[5..7],
                    &d[7..9]
                )
            }
        });
        let line = phone.map(|p| {
            if rng.below(4) == 0 {
                format!("tel:+33{p:09};ext={}", 1000 + i % 9000)
            } else {
                format!("tel:+33{p:09}")
            }
        });
        let display = if rng.below(2) == 0 {
            format!("{first_d} {last_d}")
        } else {
            format!("{}, {first_d}", last_d.to_uppercase())
        };
        let proxies = format!(
            "SMTP:{mail};smtp:{sam}@contoso.mail.onmicrosoft.com;SIP:{sip};X500:/o=Contoso/ou=Exchange Administrative Group (FYDIBOHF23SPDLT)/cn=Recipients/cn={sam}{}",
            if rng.pick(&["a", "b", "c"]) == "a" {
                format!(";smtp:{first_a}.{last_a}{i}@contoso.fr")
            } else {
                String::new()
            }
        );
        let fields: [&str; 8] = [
            &sam,
            &upn,
            if has_mail { &mail } else { "" },
            &format!("sip:{sip}"),
            &proxies,
            phone_text.as_deref().unwrap_or(""),
            line.as_deref().unwrap_or(""),
            &display,
        ];
        for (k, f) in fields.iter().enumerate() {
            if k > 0 {
                out.push(',');
            }
            quoted(&mut out, f);
        }
        out.push_str("\r\n");
    }
    out
}
