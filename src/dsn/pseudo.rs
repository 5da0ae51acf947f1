//! Pseudonymisation: NIR and NTT never leave the line parser.
//!
//! `person_id` = the first 8 bytes (big-endian `u64`) of HMAC-SHA256(key, NIR or NTT)
//! (RFC 2104 keyed hashing, as recommended by the CNIL for pseudonymising the NIR): without
//! the key, ids cannot be linked back to NIRs by enumerating the (small) NIR space.
//! `contract_id` = the first 8 bytes of SHA-256 over the contract's identifying key
//! (SIRET, person pseudonym, contract number 40.009, start date 40.001), so it is stable
//! across months and runs and, being built on the pseudonym, carries no NIR either.

use crate::date::Date;
use hmac::{Hmac, Mac};
use sha2::{Digest, Sha256};
use std::fmt;

/// The pseudonymisation key. Its bytes are never printed.
#[derive(Clone)]
pub struct PseudoKey {
    bytes: Vec<u8>,
    demo: bool,
}

impl fmt::Debug for PseudoKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "PseudoKey {{ demo: {}, .. }}", self.demo)
    }
}

/// Minimum key length in bytes: shorter keys make the pseudonyms guessable.
pub const MIN_KEY_LEN: usize = 16;

/// The fixed, public key behind `--demo-key`: outputs made with it are marked demo.
const DEMO_KEY: &[u8] = b"engagement-demo-key-NOT-FOR-REAL-DATA";

impl PseudoKey {
    /// A key from secret bytes (trailing whitespace, e.g. a key file's newline, is dropped).
    pub fn new(bytes: &[u8]) -> Result<PseudoKey, super::DsnError> {
        let end = bytes
            .iter()
            .rposition(|b| !b.is_ascii_whitespace())
            .map_or(0, |i| i + 1);
        let bytes = &bytes[..end];
        if bytes.len() < MIN_KEY_LEN {
            return Err(super::DsnError::Key(format!(
                "the key has {} bytes, at least {MIN_KEY_LEN} are required",
                bytes.len()
            )));
        }
        Ok(PseudoKey {
            bytes: bytes.to_vec(),
            demo: false,
        })
    }

    /// The public demo key: only for synthetic or sample data.
    pub fn demo() -> PseudoKey {
        PseudoKey {
            bytes: DEMO_KEY.to_vec(),
            demo: true,
        }
    }

    pub fn is_demo(&self) -> bool {
        self.demo
    }

    /// `person_id` for a NIR or NTT (as declared, without spaces).
    pub fn person_id(&self, identifier: &[u8]) -> u64 {
        let mut mac =
            <Hmac<Sha256> as Mac>::new_from_slice(&self.bytes).expect("HMAC accepts any key");
        mac.update(identifier);
        let out = mac.finalize().into_bytes();
        u64::from_be_bytes(out[..8].try_into().expect("32-byte digest"))
    }
}

/// `contract_id` = first 8 bytes of SHA-256(siret ‖ person_id ‖ number ‖ start).
pub fn contract_id(siret: u64, person_id: u64, number: &str, start: Date) -> u64 {
    let mut h = Sha256::new();
    h.update(siret.to_be_bytes());
    h.update(person_id.to_be_bytes());
    h.update((number.len() as u32).to_be_bytes());
    h.update(number.as_bytes());
    h.update(start.0.to_be_bytes());
    let out = h.finalize();
    u64::from_be_bytes(out[..8].try_into().expect("32-byte digest"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keyed_and_stable() {
        let k1 = PseudoKey::new(b"0123456789abcdef\n").unwrap();
        let k2 = PseudoKey::new(b"0123456789abcdeX").unwrap();
        assert_eq!(
            k1.person_id(b"1850775123456"),
            k1.person_id(b"1850775123456")
        );
        assert_ne!(
            k1.person_id(b"1850775123456"),
            k2.person_id(b"1850775123456")
        );
        assert_ne!(
            k1.person_id(b"1850775123456"),
            k1.person_id(b"1850775123457")
        );
        assert!(PseudoKey::new(b"short").is_err());
        assert!(!format!("{k1:?}").contains("0123"));
        let d = Date(19_000);
        assert_ne!(contract_id(1, 2, "00001", d), contract_id(1, 2, "00002", d));
        assert_ne!(
            contract_id(1, 2, "00001", d),
            contract_id(1, 2, "00001", Date(19_001))
        );
    }
}
