//! Privacy guard of the reader: a NIR or NTT never leaves ingestion.
//!
//! Two nets, applied to everything the reader lets out (reject files, problem details,
//! file names in messages, free-text values copied into the tables, report keys):
//!
//! 1. **By type.** Every rubric whose norm datatype identifies a person
//!    ([`IDENTIFYING_DATATYPES`](super::norm::IDENTIFYING_DATATYPES): NIRs, NTTs, wherever
//!    they sit) has its value replaced by `X` in reject files and is never quoted in a
//!    message. This holds on glued lines too (a lost line feed puts two rubrics on one
//!    line): every `Sss.Ggg.bb.rrr,` inside a line starts a segment of its own.
//! 2. **By shape.** Whatever the rubric, and whether or not the line parses, runs that look
//!    like a NIR are replaced by `X`: every run of 13 digits or more (a NIR is 13 digits, 15
//!    with its key, starting with 1, 2, 7 or 8; a lost separator can glue it to neighbouring
//!    digits, so longer runs go too) and the Corsican forms with `2A`/`2B` in place of the
//!    département digits. A 14-digit SIRET is hidden by the same rule: a deliberate
//!    over-redaction (the SIREN and NIC rubrics stay readable).

use super::norm::{Norm, RubricId};
use std::borrow::Cow;

/// Shortest digit run treated as a possible NIR.
pub const MIN_RUN: usize = 13;

/// Replaces NIR-shaped runs by `X`, in place. Returns whether anything changed.
pub fn scrub_bytes(v: &mut [u8]) -> bool {
    let mut changed = false;
    let mut i = 0;
    while i < v.len() {
        if !v[i].is_ascii_digit() {
            i += 1;
            continue;
        }
        let start = i;
        while i < v.len() && v[i].is_ascii_digit() {
            i += 1;
        }
        if i - start >= MIN_RUN {
            v[start..i].fill(b'X');
            changed = true;
        }
    }
    changed | scrub_corsican(v)
}

/// `[1278] YY MM 2[AB] CCC OOO [KK]`: the NIR of a person born in Corsica.
fn scrub_corsican(v: &mut [u8]) -> bool {
    let mut changed = false;
    let mut i = 0;
    while i + 13 <= v.len() {
        let w = &v[i..i + 13];
        let hit = matches!(w[0], b'1' | b'2' | b'7' | b'8')
            && w[1..5].iter().all(u8::is_ascii_digit)
            && w[5] == b'2'
            && matches!(w[6], b'A' | b'B' | b'a' | b'b')
            && w[7..13].iter().all(u8::is_ascii_digit);
        if hit {
            let mut end = i + 13;
            while end < v.len() && v[end].is_ascii_digit() {
                end += 1;
            }
            v[i..end].fill(b'X');
            changed = true;
            i = end;
        } else {
            i += 1;
        }
    }
    changed
}

/// `s` with NIR-shaped runs replaced by `X` (borrowed when there is none).
pub fn scrub(s: &str) -> Cow<'_, str> {
    let mut b = s.as_bytes().to_vec();
    if scrub_bytes(&mut b) {
        // Only ASCII digits and letters were replaced by ASCII `X`: still UTF-8.
        Cow::Owned(
            String::from_utf8(b)
                .unwrap_or_else(|e| String::from_utf8_lossy(e.as_bytes()).into_owned()),
        )
    } else {
        Cow::Borrowed(s)
    }
}

/// Latin-1 bytes as text, scrubbed: for values copied into tables, reports or messages.
pub fn text(v: &[u8]) -> String {
    let mut b = v.to_vec();
    scrub_bytes(&mut b);
    b.iter().map(|&c| c as char).collect()
}

/// Whether a rubric segment of a line starts at `i`: a 14-byte code and a comma.
fn segment_at(line: &[u8], i: usize) -> Option<RubricId> {
    let code = line.get(i..i + 14)?;
    if line.get(i + 14) != Some(&b',') {
        return None;
    }
    RubricId::parse(code)
}

/// One line with every identifying segment's value replaced by `X`, then scrubbed.
fn redact_line(line: &[u8], norm: &Norm, out: &mut Vec<u8>) {
    let start = out.len();
    let starts: Vec<usize> = (0..line.len())
        .filter(|&i| line[i] == b'S' && segment_at(line, i).is_some())
        .collect();
    let mut pos = 0;
    for (k, &s) in starts.iter().enumerate() {
        let end = starts.get(k + 1).copied().unwrap_or(line.len());
        out.extend_from_slice(&line[pos..s]);
        let rid = segment_at(line, s).expect("segment start");
        if norm.is_identifying(rid) {
            out.extend_from_slice(&line[s..s + 15]);
            let value = &line[s + 15..end];
            let quoted = value.len() >= 2 && value[0] == b'\'' && value.ends_with(b"'");
            if quoted {
                out.push(b'\'');
                out.resize(out.len() + value.len() - 2, b'X');
                out.push(b'\'');
            } else {
                out.resize(out.len() + value.len(), b'X');
            }
        } else {
            out.extend_from_slice(&line[s..end]);
        }
        pos = end;
    }
    out.extend_from_slice(&line[pos..]);
    scrub_bytes(&mut out[start..]);
}

/// A declaration's raw lines as written to `rejects/`: identifying values replaced by `X`,
/// NIR-shaped runs scrubbed on every line.
pub fn redact_declaration(raw: &[u8], norm: &Norm) -> Vec<u8> {
    let mut out = Vec::with_capacity(raw.len());
    for line in raw.split(|&b| b == b'\n') {
        if line.is_empty() {
            continue;
        }
        redact_line(line, norm, &mut out);
        out.push(b'\n');
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn red(s: &str) -> String {
        String::from_utf8(redact_declaration(s.as_bytes(), Norm::get())).unwrap()
    }

    #[test]
    fn runs_and_corsica() {
        assert_eq!(scrub("nir 1850775123456 ok"), "nir XXXXXXXXXXXXX ok");
        assert_eq!(scrub("185077512345678"), "XXXXXXXXXXXXXXX");
        assert_eq!(scrub("x1850775123456123y"), "xXXXXXXXXXXXXXXXXy");
        assert_eq!(scrub("185072A123456"), "XXXXXXXXXXXXX");
        assert_eq!(scrub("285072b12345699!"), "XXXXXXXXXXXXXXX!");
        assert_eq!(
            scrub("SIREN 123456789 NIC 00017"),
            "SIREN 123456789 NIC 00017"
        );
        assert_eq!(
            scrub("185077512345"),
            "185077512345",
            "12 digits are not a NIR"
        );
        assert!(matches!(scrub("nothing"), Cow::Borrowed(_)));
        assert_eq!(text(b"\xe9l\xe8ve 1850775123456"), "élève XXXXXXXXXXXXX");
    }

    #[test]
    fn by_type_on_clean_and_glued_lines() {
        let r = red("S21.G00.30.001,'1850775123456'\nS21.G00.30.020,'NTT0000000000001'\n");
        assert_eq!(
            r,
            "S21.G00.30.001,'XXXXXXXXXXXXX'\nS21.G00.30.020,'XXXXXXXXXXXXXXXX'\n"
        );
        // Former NIR (block 31) and beneficiaries (block 73), typed as NIRs by the norm.
        let r = red("S21.G00.31.008,'123'\nS21.G00.73.007,'2991299999999'\n");
        assert_eq!(r, "S21.G00.31.008,'XXX'\nS21.G00.73.007,'XXXXXXXXXXXXX'\n");
        // A lost line feed: the NTT glued behind a name is still found by its rubric.
        let r = red("S21.G00.30.002,'DUPONT'S21.G00.30.020,'ABCDEFGHIJK'\n");
        assert_eq!(r, "S21.G00.30.002,'DUPONT'S21.G00.30.020,'XXXXXXXXXXX'\n");
        // An unparseable line keeps its text but not its NIR-shaped runs.
        let r = red("broken 1850775123456 line, S21.G00.40.009 '00001'\n");
        assert_eq!(r, "broken XXXXXXXXXXXXX line, S21.G00.40.009 '00001'\n");
        // Unquoted identifying value.
        assert_eq!(red("S21.G00.30.001,12345\n"), "S21.G00.30.001,XXXXX\n");
    }
}
