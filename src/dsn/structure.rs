//! Block structure of a declaration: which block instance each rubric belongs to.
//!
//! A new block instance starts when a rubric number does not increase within its block, or
//! when a block of another code starts; its parent must be open. Closing an instance checks
//! its mandatory rubrics and its children's lower bounds; opening one checks the upper
//! bound. Problems are queued as [`Issue`]s for the parser to record.

use super::norm::{blocks, mandatory, BlockId, Norm, RubricId};
use super::Reason;

/// One open block instance.
pub(crate) struct Frame {
    pub(crate) block: BlockId,
    /// Last rubric number seen: a number that does not increase opens a new instance.
    pub(crate) last: u16,
    /// Line of the instance's first rubric.
    line: u64,
    /// Rubric numbers seen, as a bitset (numbers above 1023 share the last bit).
    seen: [u64; 16],
    /// Child instances opened, by block.
    kids: Vec<(BlockId, u32)>,
}

impl Frame {
    fn new(block: BlockId, line: u64) -> Frame {
        Frame {
            block,
            last: 0,
            line,
            seen: [0; 16],
            kids: Vec::new(),
        }
    }
    fn mark(&mut self, r: u16) {
        self.last = r;
        let r = usize::from(r).min(1023);
        self.seen[r / 64] |= 1 << (r % 64);
    }
    fn seen(&self, r: u16) -> bool {
        let r = usize::from(r).min(1023);
        self.seen[r / 64] & (1 << (r % 64)) != 0
    }
}

/// A structural problem: reason, rubric, line, detail.
pub(crate) type Issue = (Reason, Option<RubricId>, u64, String);

/// Blocks whose lower bound is enforced in every declaration nature: the identification
/// chain. Other lower bounds hold for monthly DSN only (signalements carry fewer blocks).
const ALWAYS_MIN: [BlockId; 5] = [
    blocks::EMETTEUR,
    blocks::CONTACT,
    blocks::ENTREPRISE,
    blocks::ETABLISSEMENT,
    blocks::CONTRAT,
];

/// The open block instances of one declaration, and the problems found closing them.
#[derive(Default)]
pub(crate) struct Structure {
    pub(crate) stack: Vec<Frame>,
    /// Check every mandatory rubric of the cahier technique (see [`mandatory`]).
    pub(crate) full: bool,
    /// The declaration is a monthly DSN (nature 01): every lower bound applies.
    pub(crate) monthly: bool,
    pub(crate) issues: Vec<Issue>,
}

impl Structure {
    fn close_frame(&mut self, norm: &Norm) {
        let Some(f) = self.stack.pop() else { return };
        for &r in mandatory(f.block, self.full) {
            if !f.seen(r) {
                let rid = f.block.rubric(r);
                self.issues.push((
                    Reason::MissingRubric,
                    Some(rid),
                    f.line,
                    format!("mandatory rubric {rid} missing from block {}", f.block),
                ));
            }
        }
        for &child in norm.children(f.block) {
            let Some(def) = norm.block(child) else {
                continue;
            };
            if def.min == 0 || !(self.monthly || ALWAYS_MIN.contains(&child)) {
                continue;
            }
            let n = f.kids.iter().find(|k| k.0 == child).map_or(0, |k| k.1);
            if n < def.min {
                self.issues.push((
                    Reason::Cardinality,
                    None,
                    f.line,
                    format!(
                        "block {} has {n} instance(s) of its child block {child}, at least {} required",
                        f.block, def.min
                    ),
                ));
            }
        }
    }

    pub(crate) fn close_to(&mut self, len: usize, norm: &Norm) {
        while self.stack.len() > len {
            self.close_frame(norm);
        }
    }

    /// Places a rubric of a known block; returns whether it opens a new block instance.
    pub(crate) fn rubric(&mut self, norm: &Norm, rid: RubricId, line: u64) -> Result<bool, Issue> {
        if let Some(top) = self.stack.last_mut() {
            if top.block == rid.block && rid.r > top.last {
                top.mark(rid.r);
                return Ok(false);
            }
        }
        let parent = norm.block(rid.block).and_then(|d| d.parent);
        match parent {
            None => {
                self.close_to(0, norm);
                let mut f = Frame::new(rid.block, line);
                f.mark(rid.r);
                self.stack.push(f);
                Ok(true)
            }
            Some(p) => {
                let Some(i) = self.stack.iter().rposition(|f| f.block == p) else {
                    return Err((
                        Reason::OrphanBlock,
                        Some(rid),
                        line,
                        format!("block {} appears without its parent block {p}", rid.block),
                    ));
                };
                self.close_to(i + 1, norm);
                let parent = &mut self.stack[i];
                let n = match parent.kids.iter_mut().find(|k| k.0 == rid.block) {
                    Some(k) => {
                        k.1 += 1;
                        k.1
                    }
                    None => {
                        parent.kids.push((rid.block, 1));
                        1
                    }
                };
                let max = norm.block(rid.block).and_then(|d| d.max);
                let mut f = Frame::new(rid.block, line);
                f.mark(rid.r);
                self.stack.push(f);
                match max {
                    Some(m) if n > m => Err((
                        Reason::Cardinality,
                        Some(rid),
                        line,
                        format!(
                            "instance {n} of block {} in block {p}, at most {m} allowed",
                            rid.block
                        ),
                    )),
                    _ => Ok(true),
                }
            }
        }
    }
}
