//! Value checks and conversions: each rubric value against its norm datatype.
//!
//! Dates, numbers, lengths, enumerations and the NIR layout are checked (the workbook's
//! regular expressions are not). Messages quote the offending value only when its datatype
//! does not identify a person, and always through [`redact::text`](super::redact::text).

use super::norm::{blocks, FieldDef, FieldNature, RubricId};
use super::redact;
use super::Reason;
use crate::date::{days_in_month, Date};

/// The individual's NIR (30.001).
pub(crate) const NIR: RubricId = RubricId {
    block: blocks::INDIVIDU,
    r: 1,
};
/// The individual's birth date (30.006).
pub(crate) const BIRTH: RubricId = RubricId {
    block: blocks::INDIVIDU,
    r: 6,
};
/// The envoi's norm version (10.G00.00.006).
pub(crate) const VERSION: RubricId = RubricId {
    block: blocks::ENVOI,
    r: 6,
};

/// A value as it may appear in a message: redacted when its datatype identifies a person.
fn shown(f: &FieldDef, v: &[u8]) -> String {
    if f.identifying {
        "<redacted>".to_string()
    } else {
        redact::text(v)
    }
}

/// Latin-1 bytes as text, unscrubbed: only for values that are hashed, never shown.
pub(crate) fn latin1(v: &[u8]) -> String {
    v.iter().map(|&b| b as char).collect()
}

pub(crate) fn digits(v: &[u8]) -> bool {
    !v.is_empty() && v.iter().all(u8::is_ascii_digit)
}

pub(crate) fn num<T: std::str::FromStr>(v: &[u8]) -> Option<T> {
    std::str::from_utf8(v).ok()?.parse().ok()
}

pub(crate) fn date(v: &[u8]) -> Option<Date> {
    Date::parse_dsn(std::str::from_utf8(v).ok()?)
}

/// Birth date 30.006: `99` stands for an unknown day or month (read as 1 and January).
pub(crate) fn birth_date(v: &[u8]) -> Option<Date> {
    if v.len() != 8 || !digits(v) {
        return None;
    }
    let d: u32 = num(&v[0..2])?;
    let m: u32 = num(&v[2..4])?;
    let y: i32 = num(&v[4..8])?;
    let m = if m == 99 { 1 } else { m };
    let d = if d == 99 { 1 } else { d };
    if !(1800..=2099).contains(&y) || !(1..=12).contains(&m) || d > days_in_month(y, m) {
        return None;
    }
    Date::from_ymd(y, m, d)
}

/// NIR layout (Identifiant_Nir_13): sex 1|2, year, month (01–12, 20, 30–42, 50–99),
/// département (01–99, 2A, 2B), commune 001–999, order 001–999; or the 1|2 + twelve 9s form.
pub(crate) fn nir_ok(v: &[u8]) -> bool {
    if v.len() != 13 || !matches!(v[0], b'1' | b'2') {
        return false;
    }
    if v[1..].iter().all(|&c| c == b'9') {
        return true;
    }
    let dep_ok =
        (v[5] == b'2' && matches!(v[6], b'A' | b'B')) || (digits(&v[5..7]) && &v[5..7] != b"00");
    let month = num::<u32>(&v[3..5]);
    let month_ok = matches!(month, Some(1..=12 | 20 | 30..=42 | 50..=99));
    digits(&v[1..5])
        && month_ok
        && dep_ok
        && digits(&v[7..13])
        && &v[7..10] != b"000"
        && &v[10..13] != b"000"
}

/// What the reader relies on for 30.001: 13 alphanumeric characters, sex digit 1 or 2.
/// The finer layout is only a warning, see [`nir_ok`].
pub(crate) fn nir_usable(v: &[u8]) -> bool {
    v.len() == 13 && matches!(v[0], b'1' | b'2') && v.iter().all(u8::is_ascii_alphanumeric)
}

fn version_ok(v: &[u8]) -> bool {
    v.len() == 6 && v[0] == b'P' && v[3] == b'V' && digits(&v[1..3]) && digits(&v[4..6])
}

/// Checks a value against its datatype.
pub(crate) fn check_value(rid: RubricId, f: &FieldDef, v: &[u8]) -> Result<(), (Reason, String)> {
    if rid == NIR {
        return if nir_usable(v) {
            Ok(())
        } else {
            Err((
                Reason::InvalidFormat,
                "not a NIR: 13 characters starting with 1 or 2 expected (value redacted)".into(),
            ))
        };
    }
    if rid == BIRTH {
        return match birth_date(v) {
            Some(_) => Ok(()),
            None => Err((
                Reason::InvalidDate,
                format!("'{}' is not a birth date JJMMAAAA", shown(f, v)),
            )),
        };
    }
    if rid == VERSION {
        return if version_ok(v) {
            Ok(())
        } else {
            Err((
                Reason::InvalidFormat,
                format!("'{}' is not a norm version PnnVnn", shown(f, v)),
            ))
        };
    }
    if v.len() < f.min_len || v.len() > f.max_len {
        return Err((
            Reason::InvalidLength,
            format!(
                "'{}' has {} characters, datatype {} allows {} to {}",
                shown(f, v),
                v.len(),
                f.datatype,
                f.min_len,
                f.max_len
            ),
        ));
    }
    check_nature(f, v)
}

/// The datatype nature's own rule (lengths already checked).
fn check_nature(f: &FieldDef, v: &[u8]) -> Result<(), (Reason, String)> {
    match f.nature {
        FieldNature::Date => {
            let ok =
                date(v).is_some() && (!f.datatype.contains("Mois_Declare") || v.starts_with(b"01"));
            if !ok {
                return Err((
                    Reason::InvalidDate,
                    format!(
                        "'{}' is not a valid date JJMMAAAA ({})",
                        shown(f, v),
                        f.datatype
                    ),
                ));
            }
        }
        FieldNature::Numeric => {
            let ok = v.iter().any(u8::is_ascii_digit)
                && v.iter()
                    .all(|&c| c.is_ascii_digit() || c == b'.' || c == b'-');
            if !ok {
                return Err((
                    Reason::InvalidFormat,
                    format!("'{}' is not a number ({})", shown(f, v), f.datatype),
                ));
            }
        }
        FieldNature::Enumeration => {
            if !f.has_code(v) {
                return Err((
                    Reason::NotInEnumeration,
                    format!(
                        "code '{}' is not in enumeration {}",
                        shown(f, v),
                        f.datatype
                    ),
                ));
            }
        }
        FieldNature::Alphanumeric | FieldNature::External => {}
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::dsn::norm::Norm;

    #[test]
    fn nir_layout() {
        assert!(nir_ok(b"1850775123456"));
        assert!(nir_ok(b"2991299999999") && nir_ok(b"1999999999999"));
        assert!(nir_ok(b"185072A123456"));
        assert!(!nir_ok(b"3850775123456"));
        assert!(!nir_ok(b"1851375123456"));
        assert!(!nir_ok(b"1850700123456"));
        assert!(!nir_ok(b"185077512345"));
    }

    #[test]
    fn birth_dates_allow_99() {
        assert_eq!(birth_date(b"99991990"), Date::from_ymd(1990, 1, 1));
        assert_eq!(birth_date(b"15061990"), Date::from_ymd(1990, 6, 15));
        assert_eq!(birth_date(b"31021990"), None);
    }

    #[test]
    fn messages_never_quote_identifying_values() {
        let norm = Norm::get();
        // The former NIR (31.008) with a wrong length: the message names the datatype only.
        let rid = RubricId::parse(b"S21.G00.31.008").unwrap();
        let f = norm.field(rid).unwrap();
        let (reason, detail) = check_value(rid, f, b"185077512345").unwrap_err();
        assert_eq!(reason, Reason::InvalidLength);
        assert!(!detail.contains("18507751"), "{detail}");
        // A NIR typed into a date field is quoted, scrubbed.
        let rid = blocks::CONTRAT.rubric(1);
        let (_, detail) = check_value(rid, norm.field(rid).unwrap(), b"1850775123456").unwrap_err();
        assert!(!detail.contains("1850775123456"), "{detail}");
    }
}
