//! Proof Key for Code Exchange (RFC 7636) with the `S256` method, and the random
//! `state` of an authorization request.
//!
//! The page draws 32 random bytes (`crypto.getRandomValues`) for each; their base64url
//! text (43 characters) is the code verifier, or the state. The verifier stays in the
//! browser's session storage and is sent only to the token endpoint; the authorization
//! request carries its challenge, `BASE64URL(SHA-256(verifier))`.

use std::fmt;

use base64ct::{Base64UrlUnpadded, Encoding as _};
use sha2::{Digest, Sha256};

/// A PKCE code verifier.
#[derive(Clone, PartialEq, Eq)]
pub struct Pkce {
    verifier: String,
}

impl fmt::Debug for Pkce {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // The verifier is a secret of this sign-in: never in a log line.
        f.write_str("Pkce(..)")
    }
}

/// Whether `s` is a valid code verifier: 43 to 128 characters of
/// `A-Z a-z 0-9 - . _ ~` (RFC 7636, section 4.1).
fn is_verifier(s: &str) -> bool {
    (43..=128).contains(&s.len())
        && s.bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"-._~".contains(&b))
}

impl Pkce {
    /// The verifier made of 32 random bytes (the caller draws them from a
    /// cryptographic source).
    pub fn from_random(bytes: [u8; 32]) -> Pkce {
        Pkce {
            verifier: Base64UrlUnpadded::encode_string(&bytes),
        }
    }

    /// A verifier read back from storage; `None` when it is not a valid verifier.
    pub fn from_verifier(verifier: &str) -> Option<Pkce> {
        is_verifier(verifier).then(|| Pkce {
            verifier: verifier.to_string(),
        })
    }

    /// The verifier, for the token request.
    pub fn verifier(&self) -> &str {
        &self.verifier
    }

    /// The `S256` challenge, for the authorization request.
    pub fn challenge(&self) -> String {
        Base64UrlUnpadded::encode_string(&Sha256::digest(self.verifier.as_bytes()))
    }
}

/// A fresh `state` value from 32 random bytes: base64url, 43 characters.
pub fn new_state(bytes: [u8; 32]) -> String {
    Base64UrlUnpadded::encode_string(&bytes)
}

#[cfg(test)]
mod tests {
    use super::*;
    #[cfg(all(target_arch = "wasm32", target_os = "unknown"))]
    use wasm_bindgen_test::wasm_bindgen_test as test;

    #[test]
    fn rfc7636_appendix_b() {
        // The octets of appendix B, their verifier, and its S256 challenge.
        let octets = [
            116, 24, 223, 180, 151, 153, 224, 37, 79, 250, 96, 125, 216, 173, 187, 186, 22, 212,
            37, 77, 105, 214, 191, 240, 91, 88, 5, 88, 83, 132, 141, 121,
        ];
        let p = Pkce::from_random(octets);
        assert_eq!(p.verifier(), "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk");
        assert_eq!(p.challenge(), "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM");
        let back = Pkce::from_verifier("dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk").unwrap();
        assert_eq!(back, p);
        assert_eq!(format!("{p:?}"), "Pkce(..)");
    }

    #[test]
    fn verifiers_are_checked() {
        for bad in [
            "",
            "short",
            &"a".repeat(42),
            &"a".repeat(129),
            &format!("{}+", "a".repeat(42)),
            &format!("{} ", "a".repeat(43)),
            &format!("{}é", "a".repeat(42)),
        ] {
            assert!(Pkce::from_verifier(bad).is_none(), "{bad:?}");
        }
        assert!(Pkce::from_verifier(&"a~._-".repeat(10)).is_some());
        assert_eq!(new_state([0; 32]).len(), 43);
        assert_ne!(new_state([0; 32]), new_state([1; 32]));
    }
}
