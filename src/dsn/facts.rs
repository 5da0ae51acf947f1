//! Declaration facts: what survives of an accepted declaration, and their on-disk form.
//!
//! The parser turns each accepted declaration into one [`Decl`] (a few numbers per person
//! and contract; no NIR, only pseudonyms). Facts are written out as they are produced and
//! read back one SIRET partition at a time (see `store`), so the compact binary record
//! below is the format of the fact files:
//!
//! ```text
//! record  = len:u32 payload[len]            (little-endian throughout)
//! payload = order(i32 u32 u32) nature dtype fraction:u8 month:i32 siret:u64
//!           naf:str postcode:ostr emitter_name:ostr commune:ostr creation:odate zone:ostr
//!           n:u32 person*n  n:u32 contract*n  n:u32 change*n  n:u32 stoppage*n
//! str     = len:u32 utf8[len];  ostr/odate = 0 | 1 value
//! ```
//!
//! A fact file starts with the 8-byte magic [`MAGIC`]; a truncated or foreign file is an
//! error naming the file, never a panic.

use crate::date::Date;
use crate::model::Pcs;

/// First bytes of every fact file (format version 1).
pub const MAGIC: &[u8; 8] = b"ENGDSNF1";

/// Chronology of a declaration: (constitution date 05.007, file index, sequence in file).
/// Unique per declaration, so sorting by it is deterministic whatever the arrival order.
pub(crate) type Order = (i32, u32, u32);

/// A block 60 stoppage as declared.
#[derive(Clone, Debug, Default, PartialEq)]
pub(crate) struct StopFacts {
    pub reason: u8,
    pub last_worked: Option<Date>,
    pub planned_end: Option<Date>,
    pub resumed: Option<Date>,
}

/// The facts of one accepted declaration.
#[derive(Clone, Debug, PartialEq)]
pub(crate) struct Decl {
    pub order: Order,
    pub nature: u8,
    pub dtype: u8,
    pub fraction: u8,
    /// Declared month (05.005), or the month of the constitution date for signalements.
    pub month: Date,
    pub siret: u64,
    pub naf: String,
    pub postcode: Option<String>,
    pub emitter_name: Option<String>,
    pub commune_ext: Option<String>,
    pub creation_ext: Option<Date>,
    pub zone_ext: Option<String>,
    pub persons: Box<[PFact]>,
    pub contracts: Box<[CFact]>,
    /// Block 41 nature changes: (contract index, date, former nature).
    pub changes: Box<[(u32, Date, u8)]>,
    /// Block 60 stoppages: (contract index, facts).
    pub stoppages: Box<[(u32, StopFacts)]>,
}

/// A person as declared in one declaration.
#[derive(Clone, Copy, Debug, PartialEq)]
pub(crate) struct PFact {
    pub id: u64,
    pub sex: u8,
    pub birth: Date,
}

/// A contract as declared in one declaration.
#[derive(Clone, Copy, Debug, PartialEq)]
pub(crate) struct CFact {
    /// `contract_id` of (SIRET, person, 40.009, 40.001).
    pub cid: u64,
    /// Index into the declaration's persons.
    pub person: u32,
    pub start: Date,
    pub planned_end: Option<Date>,
    /// Block 62: (end date, reason).
    pub end: Option<(Date, u16)>,
    pub pcs: Option<Pcs>,
    pub nature: u8,
    pub scheme: Option<u8>,
    pub iae: Option<u8>,
    pub working_time: Option<u8>,
    pub cdd_reason: Option<u8>,
    pub boeth: Option<u8>,
}

/// The partition of a SIRET among `n`: a fixed 64-bit mix (SplitMix64's finaliser) of the
/// SIRET, modulo `n`. Stable across runs, machines and versions: shards written on
/// different machines put an establishment in the same partition.
pub fn siret_partition(siret: u64, n: u32) -> u32 {
    let mut z = siret.wrapping_add(0x9E37_79B9_7F4A_7C15);
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^= z >> 31;
    (z % u64::from(n.max(1))) as u32
}

// ---------------------------------------------------------------- encoding

struct W<'a>(&'a mut Vec<u8>);

impl W<'_> {
    fn u8(&mut self, v: u8) {
        self.0.push(v);
    }
    fn u16(&mut self, v: u16) {
        self.0.extend_from_slice(&v.to_le_bytes());
    }
    fn u32(&mut self, v: u32) {
        self.0.extend_from_slice(&v.to_le_bytes());
    }
    fn i32(&mut self, v: i32) {
        self.0.extend_from_slice(&v.to_le_bytes());
    }
    fn u64(&mut self, v: u64) {
        self.0.extend_from_slice(&v.to_le_bytes());
    }
    fn len(&mut self, n: usize) {
        self.u32(u32::try_from(n).unwrap_or(u32::MAX));
    }
    fn str(&mut self, s: &str) {
        self.len(s.len());
        self.0.extend_from_slice(s.as_bytes());
    }
    fn ostr(&mut self, s: &Option<String>) {
        match s {
            Some(s) => {
                self.u8(1);
                self.str(s);
            }
            None => self.u8(0),
        }
    }
    fn odate(&mut self, d: Option<Date>) {
        match d {
            Some(d) => {
                self.u8(1);
                self.i32(d.0);
            }
            None => self.u8(0),
        }
    }
    fn ou8(&mut self, v: Option<u8>) {
        match v {
            Some(v) => {
                self.u8(1);
                self.u8(v);
            }
            None => self.u8(0),
        }
    }
}

fn put_contract(w: &mut W<'_>, c: &CFact) {
    w.u64(c.cid);
    w.u32(c.person);
    w.i32(c.start.0);
    w.odate(c.planned_end);
    match c.end {
        Some((d, r)) => {
            w.u8(1);
            w.i32(d.0);
            w.u16(r);
        }
        None => w.u8(0),
    }
    match c.pcs {
        Some(p) => {
            w.u8(1);
            w.0.extend_from_slice(&p.0);
        }
        None => w.u8(0),
    }
    w.u8(c.nature);
    for v in [c.scheme, c.iae, c.working_time, c.cdd_reason, c.boeth] {
        w.ou8(v);
    }
}

/// Appends one record (length prefix and payload) to `out`.
pub(crate) fn encode(d: &Decl, out: &mut Vec<u8>) {
    let at = out.len();
    out.extend_from_slice(&[0; 4]);
    let mut w = W(out);
    w.i32(d.order.0);
    w.u32(d.order.1);
    w.u32(d.order.2);
    for v in [d.nature, d.dtype, d.fraction] {
        w.u8(v);
    }
    w.i32(d.month.0);
    w.u64(d.siret);
    w.str(&d.naf);
    w.ostr(&d.postcode);
    w.ostr(&d.emitter_name);
    w.ostr(&d.commune_ext);
    w.odate(d.creation_ext);
    w.ostr(&d.zone_ext);
    w.len(d.persons.len());
    for p in d.persons.iter() {
        w.u64(p.id);
        w.u8(p.sex);
        w.i32(p.birth.0);
    }
    w.len(d.contracts.len());
    for c in d.contracts.iter() {
        put_contract(&mut w, c);
    }
    w.len(d.changes.len());
    for &(ci, date, old) in d.changes.iter() {
        w.u32(ci);
        w.i32(date.0);
        w.u8(old);
    }
    w.len(d.stoppages.len());
    for (ci, s) in d.stoppages.iter() {
        w.u32(*ci);
        w.u8(s.reason);
        w.odate(s.last_worked);
        w.odate(s.planned_end);
        w.odate(s.resumed);
    }
    let n = (out.len() - at - 4) as u32;
    out[at..at + 4].copy_from_slice(&n.to_le_bytes());
}

// ---------------------------------------------------------------- decoding

/// Why a fact file could not be decoded.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FactError(pub &'static str);

type Res<T> = Result<T, FactError>;

struct R<'a> {
    b: &'a [u8],
    pos: usize,
}

impl<'a> R<'a> {
    fn take(&mut self, n: usize) -> Res<&'a [u8]> {
        let end = self
            .pos
            .checked_add(n)
            .filter(|&e| e <= self.b.len())
            .ok_or(FactError("truncated record"))?;
        let s = &self.b[self.pos..end];
        self.pos = end;
        Ok(s)
    }
    fn arr<const N: usize>(&mut self) -> Res<[u8; N]> {
        Ok(self.take(N)?.try_into().expect("length checked"))
    }
    fn u8(&mut self) -> Res<u8> {
        Ok(self.take(1)?[0])
    }
    fn u16(&mut self) -> Res<u16> {
        Ok(u16::from_le_bytes(self.arr()?))
    }
    fn u32(&mut self) -> Res<u32> {
        Ok(u32::from_le_bytes(self.arr()?))
    }
    fn i32(&mut self) -> Res<i32> {
        Ok(i32::from_le_bytes(self.arr()?))
    }
    fn u64(&mut self) -> Res<u64> {
        Ok(u64::from_le_bytes(self.arr()?))
    }
    fn flag(&mut self) -> Res<bool> {
        match self.u8()? {
            0 => Ok(false),
            1 => Ok(true),
            _ => Err(FactError("bad option tag")),
        }
    }
    /// A count, bounded by the bytes left (each item takes at least one byte).
    fn len(&mut self) -> Res<usize> {
        let n = self.u32()? as usize;
        if n > self.b.len() - self.pos {
            return Err(FactError("count larger than the record"));
        }
        Ok(n)
    }
    fn str(&mut self) -> Res<String> {
        let n = self.len()?;
        String::from_utf8(self.take(n)?.to_vec()).map_err(|_| FactError("text not UTF-8"))
    }
    fn ostr(&mut self) -> Res<Option<String>> {
        if self.flag()? {
            self.str().map(Some)
        } else {
            Ok(None)
        }
    }
    fn odate(&mut self) -> Res<Option<Date>> {
        if self.flag()? {
            Ok(Some(Date(self.i32()?)))
        } else {
            Ok(None)
        }
    }
    fn ou8(&mut self) -> Res<Option<u8>> {
        if self.flag()? {
            self.u8().map(Some)
        } else {
            Ok(None)
        }
    }
}

fn get_contract(r: &mut R<'_>) -> Res<CFact> {
    let cid = r.u64()?;
    let person = r.u32()?;
    let start = Date(r.i32()?);
    let planned_end = r.odate()?;
    let end = if r.flag()? {
        Some((Date(r.i32()?), r.u16()?))
    } else {
        None
    };
    let pcs = if r.flag()? { Some(Pcs(r.arr()?)) } else { None };
    Ok(CFact {
        cid,
        person,
        start,
        planned_end,
        end,
        pcs,
        nature: r.u8()?,
        scheme: r.ou8()?,
        iae: r.ou8()?,
        working_time: r.ou8()?,
        cdd_reason: r.ou8()?,
        boeth: r.ou8()?,
    })
}

fn get_decl(r: &mut R<'_>) -> Res<Decl> {
    let order = (r.i32()?, r.u32()?, r.u32()?);
    let (nature, dtype, fraction) = (r.u8()?, r.u8()?, r.u8()?);
    let month = Date(r.i32()?);
    let siret = r.u64()?;
    let naf = r.str()?;
    let postcode = r.ostr()?;
    let emitter_name = r.ostr()?;
    let commune_ext = r.ostr()?;
    let creation_ext = r.odate()?;
    let zone_ext = r.ostr()?;
    let persons = (0..r.len()?)
        .map(|_| {
            Ok(PFact {
                id: r.u64()?,
                sex: r.u8()?,
                birth: Date(r.i32()?),
            })
        })
        .collect::<Res<Vec<_>>>()?;
    let contracts = (0..r.len()?)
        .map(|_| get_contract(r))
        .collect::<Res<Vec<_>>>()?;
    let changes = (0..r.len()?)
        .map(|_| Ok((r.u32()?, Date(r.i32()?), r.u8()?)))
        .collect::<Res<Vec<_>>>()?;
    let stoppages = (0..r.len()?)
        .map(|_| {
            let ci = r.u32()?;
            let s = StopFacts {
                reason: r.u8()?,
                last_worked: r.odate()?,
                planned_end: r.odate()?,
                resumed: r.odate()?,
            };
            Ok((ci, s))
        })
        .collect::<Res<Vec<_>>>()?;
    Ok(Decl {
        order,
        nature,
        dtype,
        fraction,
        month,
        siret,
        naf,
        postcode,
        emitter_name,
        commune_ext,
        creation_ext,
        zone_ext,
        persons: persons.into(),
        contracts: contracts.into(),
        changes: changes.into(),
        stoppages: stoppages.into(),
    })
}

/// Decodes a sequence of records (no magic), appending to `out`.
pub(crate) fn decode_records(bytes: &[u8], out: &mut Vec<Decl>) -> Res<()> {
    let mut r = R { b: bytes, pos: 0 };
    while r.pos < bytes.len() {
        let n = r.u32()? as usize;
        let payload = r.take(n)?;
        let mut inner = R { b: payload, pos: 0 };
        let d = get_decl(&mut inner)?;
        if inner.pos != payload.len() {
            return Err(FactError("record longer than its content"));
        }
        out.push(d);
    }
    Ok(())
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;

    pub(crate) fn sample(siret: u64, seq: u32) -> Decl {
        Decl {
            order: (19_000, 3, seq),
            nature: 1,
            dtype: 1,
            fraction: 11,
            month: Date(19_000),
            siret,
            naf: "5610C".into(),
            postcode: Some("35000".into()),
            emitter_name: None,
            commune_ext: Some("35238".into()),
            creation_ext: Some(Date(12_000)),
            zone_ext: None,
            persons: vec![PFact {
                id: 42,
                sex: 2,
                birth: Date(5_000),
            }]
            .into(),
            contracts: vec![CFact {
                cid: 7,
                person: 0,
                start: Date(18_000),
                planned_end: None,
                end: Some((Date(19_010), 31)),
                pcs: Pcs::new("561b"),
                nature: 2,
                scheme: None,
                iae: Some(1),
                working_time: Some(10),
                cdd_reason: None,
                boeth: None,
            }]
            .into(),
            changes: vec![(0, Date(18_500), 1)].into(),
            stoppages: vec![(
                0,
                StopFacts {
                    reason: 1,
                    last_worked: Some(Date(18_900)),
                    planned_end: None,
                    resumed: Some(Date(18_950)),
                },
            )]
            .into(),
        }
    }

    #[test]
    fn records_round_trip_and_reject_garbage() {
        let (a, b) = (sample(12345678900017, 1), sample(98765432100011, 2));
        let mut bytes = Vec::new();
        encode(&a, &mut bytes);
        encode(&b, &mut bytes);
        let mut got = Vec::new();
        decode_records(&bytes, &mut got).unwrap();
        assert_eq!(got, vec![a, b]);
        for cut in [1, 5, bytes.len() / 2 + 3, bytes.len() - 1] {
            let mut v = Vec::new();
            assert!(decode_records(&bytes[..cut], &mut v).is_err(), "cut {cut}");
        }
        let mut v = Vec::new();
        assert!(decode_records(&[255; 64], &mut v).is_err());
    }

    #[test]
    fn partitions_are_stable_and_spread() {
        assert_eq!(
            siret_partition(12345678900017, 256),
            siret_partition(12345678900017, 256)
        );
        let mut seen = [0u32; 16];
        for s in 0..16_000u64 {
            seen[siret_partition(10_000_000_000_000 + s * 100_000 + 17, 16) as usize] += 1;
        }
        assert!(seen.iter().all(|&n| (800..1200).contains(&n)), "{seen:?}");
        assert_eq!(siret_partition(5, 1), 0);
    }
}
