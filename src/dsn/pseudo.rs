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

    /// A public fingerprint of the key (hex of the keyed hash of a fixed label that is no
    /// identifier): tells whether two outputs were made with the same key, reveals nothing
    /// about it.
    pub fn fingerprint(&self) -> String {
        hex::encode(
            self.person_id(b"engagement key fingerprint v1")
                .to_be_bytes(),
        )
    }
}

/// Why an identifier cannot be used as a NIR.
#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum NirProblem {
    /// Empty or missing.
    Missing,
    /// Not 13 characters (15 with the key) starting with 1 or 2, letters and digits only.
    InvalidShape,
    /// 15 characters whose last two (the key) do not match the first 13.
    InvalidKey,
}

impl NirProblem {
    pub fn as_str(self) -> &'static str {
        match self {
            NirProblem::Missing => "missing",
            NirProblem::InvalidShape => "invalid_shape",
            NirProblem::InvalidKey => "invalid_key",
        }
    }
}

/// The NIR key: 97 − (the 13 characters as a number mod 97), Corsica's 2A/2B read as 19/18.
fn nir_key(body: &[u8]) -> Option<u64> {
    match body.get(5..7) {
        Some(b"2A") => return nir_key_corsica(body, 19),
        Some(b"2B") => return nir_key_corsica(body, 18),
        _ => {}
    }
    let n: u64 = std::str::from_utf8(body).ok()?.parse().ok()?;
    Some(97 - n % 97)
}

fn nir_key_corsica(body: &[u8], dep: u64) -> Option<u64> {
    // `body[5..7]` is "2A" or "2B"; the position is one digit pair wide, so rebuild the
    // number with the pair replaced.
    let head = std::str::from_utf8(&body[..5]).ok()?.parse::<u64>().ok()?;
    let tail = std::str::from_utf8(&body[7..]).ok()?.parse::<u64>().ok()?;
    let n = (head * 100 + dep) * 1_000_000 + tail;
    Some(97 - n % 97)
}

/// The 13 characters a DSN declares in 30.001 for an identifier written by hand: spaces
/// dropped, letters upper-cased, the key checked and removed when present. Accepts what
/// the reader accepts for 30.001, so the pseudonym is the one `ingest` gives.
pub fn normalise_nir(raw: &str) -> Result<String, NirProblem> {
    let v: Vec<u8> = raw
        .bytes()
        .filter(|b| !b.is_ascii_whitespace())
        .map(|b| b.to_ascii_uppercase())
        .collect();
    if v.is_empty() {
        return Err(NirProblem::Missing);
    }
    let body = match v.len() {
        13 => &v[..],
        15 => &v[..13],
        _ => return Err(NirProblem::InvalidShape),
    };
    if !super::values::nir_usable(body) {
        return Err(NirProblem::InvalidShape);
    }
    if v.len() == 15 {
        let key = std::str::from_utf8(&v[13..])
            .ok()
            .and_then(|k| k.parse::<u64>().ok());
        if key.is_none() || key != nir_key(body) {
            return Err(NirProblem::InvalidKey);
        }
    }
    Ok(String::from_utf8_lossy(body).into_owned())
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
    fn nir_normalisation() {
        // 1 85 07 75 123 456, key 97 - (1850775123456 mod 97).
        let key = 97 - 1_850_775_123_456u64 % 97;
        let with_key = format!("1850775123456{key:02}");
        assert_eq!(normalise_nir(&with_key).unwrap(), "1850775123456");
        assert_eq!(
            normalise_nir(" 1 85 07 75 123 456 ").unwrap(),
            "1850775123456"
        );
        let wrong = format!("1850775123456{:02}", (key + 1) % 100);
        assert_eq!(normalise_nir(&wrong), Err(NirProblem::InvalidKey));
        assert_eq!(normalise_nir(""), Err(NirProblem::Missing));
        assert_eq!(normalise_nir("12345"), Err(NirProblem::InvalidShape));
        assert_eq!(
            normalise_nir("3850775123456"),
            Err(NirProblem::InvalidShape)
        );
        assert_eq!(normalise_nir("185072a123456").unwrap(), "185072A123456");
        // Corsica: 2A counts as 19 in the key.
        let k2a = 97 - 1_850_719_123_456u64 % 97;
        assert_eq!(
            normalise_nir(&format!("185072A123456{k2a:02}")).unwrap(),
            "185072A123456"
        );
    }

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
        assert_eq!(k1.fingerprint(), k1.fingerprint());
        assert_ne!(k1.fingerprint(), k2.fingerprint());
        assert_eq!(k1.fingerprint().len(), 16);
        assert!(!format!("{k1:?}").contains("0123"));
        let d = Date(19_000);
        assert_ne!(contract_id(1, 2, "00001", d), contract_id(1, 2, "00002", d));
        assert_ne!(
            contract_id(1, 2, "00001", d),
            contract_id(1, 2, "00001", Date(19_001))
        );
    }
}
