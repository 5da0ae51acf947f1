//! The DSN norm tables (P24V01) that drive parsing, validation and writing.
//!
//! `data/reference/dsn/{blocks,fields}.csv` are trimmed from the official datatypes workbook
//! by `data/reference/dsn/build.py` and embedded in the binary. Blocks give the hierarchy and
//! cardinalities; fields give each rubric's datatype nature, length bounds and enumerated
//! codes. The workbook's regular expressions are not applied (that would need the `regex`
//! crate); dates, numbers, lengths, enumerations and the NIR layout are checked instead.

use std::collections::HashMap;
use std::fmt;
use std::sync::OnceLock;

const BLOCKS_CSV: &str = include_str!("../../data/reference/dsn/blocks.csv");
const FIELDS_CSV: &str = include_str!("../../data/reference/dsn/fields.csv");

/// The norm version whose tables are shipped.
pub const NORM_VERSION: &str = "P24V01";

/// Datatypes whose values identify a person, wherever their rubric sits: the NIR
/// (`Identifiant_Nir_13`: the individual's, the former one in S21.G00.31, those of blocks
/// S89; `DSN_NIR`: the beneficiaries of S21.G00.73), the NTT (`Type_Alphanumeric_11_40`,
/// used by the norm only for the temporary identifier beside each NIR) and the 13-character
/// individual identifier of block S89.G00.91 (`Type_Alphanumeric_13-13`, its only use).
pub const IDENTIFYING_DATATYPES: [&str; 4] = [
    "Identifiant_Nir_13",
    "DSN_NIR",
    "Type_Alphanumeric_11_40",
    "Type_Alphanumeric_13-13",
];

/// A block code `Sss.Ggg.bb`, packed as `ss << 16 | gg << 8 | bb`.
#[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Debug)]
pub struct BlockId(pub u32);

impl BlockId {
    pub const fn new(s: u32, g: u32, b: u32) -> BlockId {
        BlockId(s << 16 | g << 8 | b)
    }
    /// The structure number (`10`, `20`, `21`, `90`; `05`, `06`, `95`, `96` for wrappers).
    pub fn structure(self) -> u32 {
        self.0 >> 16
    }
    pub fn rubric(self, r: u16) -> RubricId {
        RubricId { block: self, r }
    }
}

impl fmt::Display for BlockId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let s = self.0 >> 16;
        let g = (self.0 >> 8) & 0xff;
        let b = self.0 & 0xff;
        write!(f, "S{s:02}.G{g:02}.{b:02}")
    }
}

/// A rubric code `Sss.Ggg.bb.rrr`.
#[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Debug)]
pub struct RubricId {
    pub block: BlockId,
    pub r: u16,
}

impl RubricId {
    /// Parses the 14-byte code `S21.G00.40.007`; `None` unless it has exactly that shape.
    pub fn parse(code: &[u8]) -> Option<RubricId> {
        if code.len() != 14
            || code[0] != b'S'
            || code[3] != b'.'
            || code[4] != b'G'
            || code[7] != b'.'
            || code[10] != b'.'
        {
            return None;
        }
        let d = |i: usize| -> Option<u32> {
            let c = code[i];
            c.is_ascii_digit().then(|| u32::from(c - b'0'))
        };
        let s = d(1)? * 10 + d(2)?;
        let g = d(5)? * 10 + d(6)?;
        let b = d(8)? * 10 + d(9)?;
        let r = d(11)? * 100 + d(12)? * 10 + d(13)?;
        Some(BlockId::new(s, g, b).rubric(r as u16))
    }
}

impl fmt::Display for RubricId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}.{:03}", self.block, self.r)
    }
}

/// A block's place in the hierarchy: its parent and how many instances a parent may hold.
#[derive(Clone, Debug)]
pub struct BlockDef {
    pub id: BlockId,
    /// `None` for the roots: envoi S10.G00.00, declaration S20.G00.05, total S90.G00.90.
    pub parent: Option<BlockId>,
    pub min: u32,
    /// `None` = unbounded (`*`).
    pub max: Option<u32>,
}

/// The datatype nature of a rubric (workbook column `Nature`).
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum FieldNature {
    Alphanumeric,
    Numeric,
    Date,
    Enumeration,
    /// External referential (NAF, PCS-ESE, postal codes...): length only.
    External,
}

/// A rubric's datatype.
#[derive(Clone, Debug)]
pub struct FieldDef {
    pub datatype: String,
    pub nature: FieldNature,
    pub min_len: usize,
    pub max_len: usize,
    /// Enumerated codes, sorted (empty unless `nature` is `Enumeration`).
    pub codes: Vec<String>,
    /// The datatype identifies a person (see [`IDENTIFYING_DATATYPES`]): the value is
    /// pseudonymised or dropped, never shown.
    pub identifying: bool,
}

impl FieldDef {
    pub fn has_code(&self, v: &[u8]) -> bool {
        self.codes.binary_search_by(|c| c.as_bytes().cmp(v)).is_ok()
    }
}

/// The loaded norm tables.
#[derive(Debug)]
pub struct Norm {
    children: HashMap<BlockId, Vec<BlockId>>,
    fields: HashMap<RubricId, FieldDef>,
    /// Dense lookup on the hot path: `slot[s * 100 + b]` (group 00 only) → block slot + 1.
    slot: Vec<u16>,
    /// `dense[(slot - 1) * 1000 + r]` → index + 1 into `field_list`.
    dense: Vec<u16>,
    field_list: Vec<FieldDef>,
    block_list: Vec<BlockDef>,
}

fn parse_block(s: &str) -> Option<BlockId> {
    let mut code = s.as_bytes().to_vec();
    code.extend_from_slice(b".001");
    RubricId::parse(&code).map(|r| r.block)
}

type BlockTables = (HashMap<BlockId, BlockDef>, HashMap<BlockId, Vec<BlockId>>);

/// The embedded `blocks.csv`: each block's definition, and each block's children.
fn load_blocks() -> BlockTables {
    let mut blocks = HashMap::new();
    let mut children: HashMap<BlockId, Vec<BlockId>> = HashMap::new();
    for line in BLOCKS_CSV.lines().skip(1) {
        let cols: Vec<&str> = line.split(',').collect();
        let (Some(id), [_, parent, min, max]) = (parse_block(cols[0]), cols.as_slice()) else {
            panic!("embedded blocks.csv: bad line {line:?}");
        };
        let parent = parse_block(parent);
        if let Some(p) = parent {
            children.entry(p).or_default().push(id);
        }
        let def = BlockDef {
            id,
            parent,
            min: min.parse().unwrap_or(0),
            max: max.parse().ok(),
        };
        blocks.insert(id, def);
    }
    (blocks, children)
}

/// The embedded `fields.csv`: each rubric's datatype.
fn load_fields() -> HashMap<RubricId, FieldDef> {
    let mut fields = HashMap::new();
    for line in FIELDS_CSV.lines().skip(1) {
        let cols: Vec<&str> = line.split(',').collect();
        let [rubric, datatype, nature, min, max, codes] = cols.as_slice() else {
            panic!("embedded fields.csv: bad line {line:?}");
        };
        let id = RubricId::parse(rubric.as_bytes()).expect("embedded rubric code");
        let nature = match *nature {
            "Numeric" => FieldNature::Numeric,
            "Date" => FieldNature::Date,
            "Enumeration" => FieldNature::Enumeration,
            "ExternalReferential" => FieldNature::External,
            _ => FieldNature::Alphanumeric,
        };
        let mut codes: Vec<String> = codes
            .split('|')
            .filter(|c| !c.is_empty())
            .map(str::to_owned)
            .collect();
        codes.sort();
        fields.insert(
            id,
            FieldDef {
                datatype: datatype.to_string(),
                nature,
                min_len: min.parse().unwrap_or(0),
                max_len: max.parse().unwrap_or(usize::MAX),
                codes,
                identifying: IDENTIFYING_DATATYPES.contains(datatype),
            },
        );
    }
    fields
}

impl Norm {
    /// The embedded P24V01 tables, parsed once.
    pub fn get() -> &'static Norm {
        static NORM: OnceLock<Norm> = OnceLock::new();
        NORM.get_or_init(Norm::load)
    }

    fn load() -> Norm {
        let (blocks, children) = load_blocks();
        let fields = load_fields();
        let mut slot = vec![0u16; 100 * 100];
        let mut block_list: Vec<BlockDef> = blocks.into_values().collect();
        block_list.sort_by_key(|b| b.id);
        for (i, b) in block_list.iter().enumerate() {
            let (s, g, bb) = (b.id.0 >> 16, (b.id.0 >> 8) & 0xff, b.id.0 & 0xff);
            assert!(g == 0 && s < 100 && bb < 100, "norm block outside group 00");
            slot[(s * 100 + bb) as usize] = i as u16 + 1;
        }
        let mut dense = vec![0u16; block_list.len() * 1000];
        let mut field_list: Vec<(RubricId, FieldDef)> =
            fields.iter().map(|(k, v)| (*k, v.clone())).collect();
        field_list.sort_by_key(|f| f.0);
        for (i, (rid, _)) in field_list.iter().enumerate() {
            let (s, b) = (rid.block.0 >> 16, rid.block.0 & 0xff);
            let sl = slot[(s * 100 + b) as usize];
            if sl > 0 && rid.r < 1000 {
                dense[(sl as usize - 1) * 1000 + rid.r as usize] = i as u16 + 1;
            }
        }
        Norm {
            children,
            fields,
            slot,
            dense,
            field_list: field_list.into_iter().map(|f| f.1).collect(),
            block_list,
        }
    }

    fn slot(&self, id: BlockId) -> Option<usize> {
        let (s, g, b) = (id.0 >> 16, (id.0 >> 8) & 0xff, id.0 & 0xff);
        if g != 0 || s >= 100 || b >= 100 {
            return None;
        }
        match self.slot[(s * 100 + b) as usize] {
            0 => None,
            n => Some(n as usize - 1),
        }
    }

    pub fn block(&self, id: BlockId) -> Option<&BlockDef> {
        self.slot(id).map(|i| &self.block_list[i])
    }

    /// Child blocks of `id`, in code order.
    pub fn children(&self, id: BlockId) -> &[BlockId] {
        self.children.get(&id).map_or(&[], Vec::as_slice)
    }

    pub fn field(&self, id: RubricId) -> Option<&FieldDef> {
        let sl = self.slot(id.block)?;
        match self.dense.get(sl * 1000 + usize::from(id.r)) {
            Some(&n) if n > 0 => Some(&self.field_list[n as usize - 1]),
            _ => None,
        }
    }

    pub fn n_fields(&self) -> usize {
        self.fields.len()
    }

    /// Whether the rubric's datatype identifies a person (false for rubrics the norm does
    /// not know: their values are still scrubbed of NIR-shaped runs).
    pub fn is_identifying(&self, id: RubricId) -> bool {
        self.field(id).is_some_and(|f| f.identifying)
    }

    /// Every identifying rubric of the tables, in code order.
    pub fn identifying_rubrics(&self) -> Vec<RubricId> {
        let mut v: Vec<RubricId> = self
            .fields
            .iter()
            .filter(|(_, f)| f.identifying)
            .map(|(r, _)| *r)
            .collect();
        v.sort();
        v
    }
}

/// Well-known block codes.
pub mod blocks {
    use super::BlockId;
    pub const ENVOI: BlockId = BlockId::new(10, 0, 0);
    pub const EMETTEUR: BlockId = BlockId::new(10, 0, 1);
    pub const CONTACT: BlockId = BlockId::new(10, 0, 2);
    pub const DECLARATION: BlockId = BlockId::new(20, 0, 5);
    pub const ENTREPRISE: BlockId = BlockId::new(21, 0, 6);
    pub const ETABLISSEMENT: BlockId = BlockId::new(21, 0, 11);
    pub const INDIVIDU: BlockId = BlockId::new(21, 0, 30);
    pub const CONTRAT: BlockId = BlockId::new(21, 0, 40);
    pub const CHANGEMENT: BlockId = BlockId::new(21, 0, 41);
    pub const VERSEMENT: BlockId = BlockId::new(21, 0, 50);
    pub const REMUNERATION: BlockId = BlockId::new(21, 0, 51);
    pub const ARRET: BlockId = BlockId::new(21, 0, 60);
    pub const FIN: BlockId = BlockId::new(21, 0, 62);
    pub const PREAVIS: BlockId = BlockId::new(21, 0, 63);
    pub const RETRAITE: BlockId = BlockId::new(21, 0, 71);
    pub const TOTAL: BlockId = BlockId::new(90, 0, 90);
}

/// Rubrics every block instance must carry, from the cahier technique's usage column (the
/// workbook export does not carry it). `Full` is what the writer guarantees and what
/// `ReadOptions::full_mandatory` checks; the reader's default only requires what the
/// reconstruction needs, so that real files with optional gaps are not rejected.
pub fn mandatory(block: BlockId, full: bool) -> &'static [u16] {
    use blocks::*;
    match (block, full) {
        (DECLARATION, _) => &[1, 2],
        (ENTREPRISE, _) => &[1],
        (ETABLISSEMENT, _) => &[1],
        (CONTRAT, false) => &[1, 7, 9],
        (ARRET, _) => &[1, 2],
        (FIN, _) => &[1, 2],
        (CHANGEMENT, _) => &[1],
        (TOTAL, _) => &[1, 2],
        (ENVOI, true) => &[1, 2, 3, 5, 6, 7, 8],
        (EMETTEUR, true) => &[1, 2, 3, 4, 5, 6],
        (CONTACT, true) => &[2, 4, 5],
        (INDIVIDU, true) => &[2, 4, 6],
        (CONTRAT, true) => &[
            1, 2, 3, 4, 6, 7, 8, 9, 11, 12, 13, 14, 16, 18, 19, 20, 24, 26, 36, 37,
        ],
        (VERSEMENT, true) => &[1, 2, 3, 4],
        (REMUNERATION, true) => &[1, 2, 10, 11, 13],
        (PREAVIS, true) => &[1],
        (RETRAITE, true) => &[2],
        _ => &[],
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tables_load_and_link() {
        let n = Norm::get();
        assert!(n.n_fields() > 500);
        let c = n.block(blocks::CONTRAT).unwrap();
        assert_eq!(c.parent, Some(blocks::INDIVIDU));
        assert_eq!((c.min, c.max), (1, None));
        assert_eq!(n.block(blocks::FIN).unwrap().max, Some(1));
        assert!(n.children(blocks::CONTRAT).contains(&blocks::ARRET));
        let f = n.field(blocks::FIN.rubric(2)).unwrap();
        assert_eq!(f.nature, FieldNature::Enumeration);
        assert!(f.has_code(b"031") && f.has_code(b"998") && !f.has_code(b"999x"));
        for (rid, f) in &n.fields {
            assert_eq!(
                n.field(*rid).map(|g| &g.datatype),
                Some(&f.datatype),
                "{rid}"
            );
        }
        assert!(n.field(BlockId::new(21, 0, 6).rubric(903)).is_none());
        assert!(n.block(BlockId::new(10, 0, 95)).is_none());
        assert!(n.block(BlockId::new(5, 51, 0)).is_none());
        let ids: Vec<String> = n
            .identifying_rubrics()
            .iter()
            .map(|r| r.to_string())
            .collect();
        for r in [
            "S21.G00.30.001",
            "S21.G00.30.020",
            "S21.G00.31.008",
            "S21.G00.73.007",
            "S21.G00.73.008",
            "S89.G00.67.001",
            "S89.G00.91.001",
        ] {
            assert!(ids.iter().any(|i| i == r), "{r} not identifying");
        }
        assert!(!n.is_identifying(blocks::CONTRAT.rubric(9)));
        let r = RubricId::parse(b"S21.G00.40.007").unwrap();
        assert_eq!(r.to_string(), "S21.G00.40.007");
        assert_eq!(RubricId::parse(b"S21.G00.40.07"), None);
        assert_eq!(RubricId::parse(b"S21.G0A.40.007"), None);
    }
}
