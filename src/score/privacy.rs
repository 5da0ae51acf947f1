//! Publication rules: statistical secrecy for every table, figure, list and record that leaves
//! the workbench.
//!
//! - **Persons** (tax-data rule, stricter than URSSAF's ≤5): a count of persons below
//!   [`MIN_PERSONS`] = 11 is never published. BOETH status, unemployment history and health are
//!   sensitive, so an establishment-level criterion on them is only cited (as a position, never
//!   a count) when both its numerator and its denominator reach 11 persons.
//! - **Establishments** (business statistics, law of 7 June 1951): an aggregate cell needs at
//!   least [`MIN_UNITS`] = 3 establishments and no establishment may contribute more than
//!   [`DOMINANCE_SHARE`] = 85% of the cell's magnitude. Cells failing a rule are
//!   primary-secret ([`primary_secret`]).
//! - **Secondary suppression** ([`protect`], [`protect_linked`]): a table is seen with its
//!   margins as an augmented (R+1)×(C+1) grid in which every row and column sums to zero
//!   (margins counted negatively). Hidden entries are the edges of a bipartite graph between
//!   rows and columns, and a hidden entry can be recomputed from the published ones exactly
//!   when it is a bridge of that graph (it lies on no cycle). So each primary-secret entry that
//!   is a bridge is put on a cycle by the cheapest path of further hidden entries (smallest
//!   non-empty cells first, margins only when no cell will do). Empty cells are never used:
//!   an empty cell is a structural zero that an outsider can know from the business register.
//!   Tables that share margins (labels by sector and by zone share the national counts) are
//!   protected together: a margin hidden in one is hidden in the others, and an exact linear
//!   audit of all tables at once ([`exact_disclosures`]) adds suppressions until no secret
//!   entry can be recomputed. The guarantee is against exact recovery; bounds implied by
//!   non-negativity (a hidden count of 2 may be bounded to 0–5) are not widened further.
//! - **Peer medians** ([`protected_median`]): a median over an odd number of peers is one
//!   peer's exact value, so a published median is the mean of the central 3 (odd count) or 4
//!   (even count) values, and only when they pass the establishment, dominance and person rules.
//! - **Values** of persons-based shares are published as rounded bands ([`round_to`]), never
//!   raw.

use crate::indicators::{Criterion, IndicatorRow, Kind};
use serde::{Deserialize, Serialize};

/// Minimum count of persons in any published figure.
pub const MIN_PERSONS: u64 = 11;
/// Minimum establishments per published aggregate cell.
pub const MIN_UNITS: u64 = 3;
/// Maximum share of a cell's magnitude from one establishment.
pub const DOMINANCE_SHARE: f64 = 0.85;

/// A person count as publishable: `None` below [`MIN_PERSONS`] (0 included: "no BOETH hire"
/// is also a statement about persons).
pub fn person_count(n: u64) -> Option<u64> {
    (n >= MIN_PERSONS).then_some(n)
}

/// Contributions to one aggregate cell.
#[derive(Debug, Clone, Copy, Default, PartialEq, Serialize, Deserialize)]
pub struct CellContrib {
    /// Establishments in the cell.
    pub units: u64,
    /// Cell magnitude (for example hires); 0 for a pure count of establishments.
    pub total: f64,
    /// Largest single establishment's contribution to the magnitude.
    pub largest: f64,
    /// Persons counted in the cell, when the cell publishes a count of persons.
    pub persons: Option<u64>,
}

impl CellContrib {
    /// A cell counting `units` establishments and nothing else (no magnitude, no persons).
    pub fn count(units: u64) -> Self {
        CellContrib {
            units,
            ..Default::default()
        }
    }

    /// Adds one establishment contributing `v` to the magnitude.
    pub fn add(&mut self, v: f64) {
        self.units += 1;
        self.total += v;
        self.largest = self.largest.max(v);
    }

    /// Adds `n` persons to the cell's person count.
    pub fn add_persons(&mut self, n: u64) {
        self.persons = Some(self.persons.unwrap_or(0) + n);
    }

    /// The union of two disjoint cells (a margin is the merge of its cells).
    pub fn merge(&mut self, o: &CellContrib) {
        self.units += o.units;
        self.total += o.total;
        self.largest = self.largest.max(o.largest);
        if let Some(p) = o.persons {
            self.add_persons(p);
        }
    }

    /// No establishment: a structural zero.
    pub fn is_empty(&self) -> bool {
        self.units == 0
    }
}

/// Why a cell is hidden.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SecretReason {
    /// Fewer than [`MIN_UNITS`] establishments.
    FewUnits,
    /// One establishment over [`DOMINANCE_SHARE`] of the magnitude.
    Dominance,
    /// Fewer than [`MIN_PERSONS`] persons.
    FewPersons,
    /// Hidden so that a secret cell cannot be recomputed from the margins.
    Secondary,
}

/// The primary-secrecy rules for a non-empty cell (an empty cell is a structural zero and
/// publishable).
pub fn primary_secret(c: &CellContrib) -> Option<SecretReason> {
    if c.units == 0 {
        None
    } else if c.units < MIN_UNITS {
        Some(SecretReason::FewUnits)
    } else if c.total > 0.0 && c.largest > DOMINANCE_SHARE * c.total {
        Some(SecretReason::Dominance)
    } else if c.persons.is_some_and(|p| p < MIN_PERSONS) {
        Some(SecretReason::FewPersons)
    } else {
        None
    }
}

/// An entry of a table: an inner cell, a row or column total, or the grand total.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Entry {
    Cell(usize, usize),
    RowTotal(usize),
    ColTotal(usize),
    Total,
}

/// A two-way table to publish: its inner cells and which margins are published. Margins that
/// are not published (for example the sum over periods of a period × level table) are still
/// constraints an outsider may not know, and are treated as unknown.
#[derive(Debug, Clone, PartialEq)]
pub struct Table {
    /// Inner cells, `rows × cols` (every row the same length).
    pub cells: Vec<Vec<CellContrib>>,
    /// Row totals are published.
    pub row_totals: bool,
    /// Column totals are published.
    pub col_totals: bool,
    /// The grand total is published.
    pub total: bool,
}

impl Table {
    /// A table whose margins and grand total are all published.
    pub fn new(cells: Vec<Vec<CellContrib>>) -> Self {
        Table {
            cells,
            row_totals: true,
            col_totals: true,
            total: true,
        }
    }
    pub fn rows(&self) -> usize {
        self.cells.len()
    }
    pub fn cols(&self) -> usize {
        self.cells.first().map_or(0, Vec::len)
    }
}

/// Two entries (of the same or of two tables, by index) that publish the same number.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Link {
    pub a: (usize, Entry),
    pub b: (usize, Entry),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum State {
    Open,
    Primary(SecretReason),
    Secondary,
    NotPublished,
}

impl State {
    fn hidden(self) -> bool {
        self != State::Open
    }
    fn secret(self) -> bool {
        matches!(self, State::Primary(_) | State::Secondary)
    }
}

/// The outcome of secrecy on one table: what may be published of each entry.
#[derive(Debug, Clone, PartialEq)]
pub struct Protection {
    nr: usize,
    nc: usize,
    state: Vec<State>,
}

impl Protection {
    /// Why an entry is hidden (`None`: publishable, or a margin the table does not publish).
    pub fn secret(&self, e: Entry) -> Option<SecretReason> {
        match self.state[index(self.nr, self.nc, e)] {
            State::Primary(r) => Some(r),
            State::Secondary => Some(SecretReason::Secondary),
            State::Open | State::NotPublished => None,
        }
    }
    /// The entry may be published.
    pub fn publishable(&self, e: Entry) -> bool {
        self.state[index(self.nr, self.nc, e)] == State::Open
    }
    /// `Some(v)` when the entry may be published.
    pub fn value<T>(&self, e: Entry, v: T) -> Option<T> {
        self.publishable(e).then_some(v)
    }
    /// Hidden inner cells.
    pub fn hidden_cells(&self) -> usize {
        (0..self.nr - 1)
            .flat_map(|r| (0..self.nc - 1).map(move |c| (r, c)))
            .filter(|&(r, c)| self.state[r * self.nc + c].hidden())
            .count()
    }
}

/// Index of an entry in the augmented grid (`nr = rows + 1`, `nc = cols + 1`).
fn index(nr: usize, nc: usize, e: Entry) -> usize {
    let (r, c) = match e {
        Entry::Cell(r, c) => (r, c),
        Entry::RowTotal(r) => (r, nc - 1),
        Entry::ColTotal(c) => (nr - 1, c),
        Entry::Total => (nr - 1, nc - 1),
    };
    r * nc + c
}

/// A table as an augmented grid: the last row holds the column totals, the last column the
/// row totals, the corner the grand total.
#[derive(Debug, Clone)]
struct Grid {
    nr: usize,
    nc: usize,
    contrib: Vec<CellContrib>,
    state: Vec<State>,
    /// Entries whose hiding must hold: primary secrets, and entries shared with other tables.
    guard: Vec<bool>,
}

impl Grid {
    fn new(t: &Table) -> Grid {
        let (nr, nc) = (t.rows() + 1, t.cols() + 1);
        let mut contrib = vec![CellContrib::default(); nr * nc];
        for (r, row) in t.cells.iter().enumerate() {
            for (c, x) in row.iter().enumerate() {
                contrib[r * nc + c] = *x;
                for k in [r * nc + nc - 1, (nr - 1) * nc + c, nr * nc - 1] {
                    contrib[k].merge(x);
                }
            }
        }
        let mut state: Vec<State> = contrib
            .iter()
            .map(|x| primary_secret(x).map_or(State::Open, State::Primary))
            .collect();
        let unpublished = (0..nr - 1)
            .filter(|_| !t.row_totals)
            .map(|r| r * nc + nc - 1)
            .chain(
                (0..nc - 1)
                    .filter(|_| !t.col_totals)
                    .map(|c| (nr - 1) * nc + c),
            )
            .chain((!t.total).then_some(nr * nc - 1));
        // An unpublished margin that would itself be secret stays a primary secret: it must
        // not be recoverable from what is published (a histogram's hidden bins summed as the
        // grand total minus the open bins).
        for k in unpublished {
            if !matches!(state[k], State::Primary(_)) {
                state[k] = State::NotPublished;
            }
        }
        let guard = state
            .iter()
            .map(|s| matches!(s, State::Primary(_)))
            .collect();
        Grid {
            nr,
            nc,
            contrib,
            state,
            guard,
        }
    }

    fn ends(&self, k: usize) -> (usize, usize) {
        (k / self.nc, self.nr + k % self.nc)
    }

    /// Whether hidden entry `k` lies on no cycle of hidden entries.
    fn is_bridge(&self, k: usize) -> bool {
        let (from, to) = self.ends(k);
        let n = self.nr + self.nc;
        let mut seen = vec![false; n];
        let mut stack = vec![from];
        seen[from] = true;
        while let Some(v) = stack.pop() {
            if v == to {
                return false;
            }
            for (w, e) in self.neighbours(v) {
                if e != k && self.state[e].hidden() && !seen[w] {
                    seen[w] = true;
                    stack.push(w);
                }
            }
        }
        true
    }

    /// (node, entry) pairs adjacent to a row or column node.
    fn neighbours(&self, v: usize) -> Vec<(usize, usize)> {
        if v < self.nr {
            (0..self.nc)
                .map(|c| (self.nr + c, v * self.nc + c))
                .collect()
        } else {
            let c = v - self.nr;
            (0..self.nr).map(|r| (r, r * self.nc + c)).collect()
        }
    }

    /// Cost of hiding entry `k` as a partner (`None`: cannot serve).
    fn cost(&self, k: usize) -> Option<f64> {
        if self.state[k].hidden() {
            return Some(0.0);
        }
        let x = &self.contrib[k];
        if x.is_empty() {
            return None;
        }
        let (r, c) = (k / self.nc, k % self.nc);
        let size = 1.0 + x.units as f64;
        Some(match (r == self.nr - 1, c == self.nc - 1) {
            (false, false) => size,
            (true, true) => 1e12 + size,
            _ => 1e6 + size,
        })
    }

    /// Hides the cheapest path of entries that puts entry `k` on a cycle; false if none.
    fn close_cycle(&mut self, k: usize) -> bool {
        let (from, to) = self.ends(k);
        let n = self.nr + self.nc;
        let mut dist = vec![f64::INFINITY; n];
        let mut via: Vec<Option<(usize, usize)>> = vec![None; n];
        let mut done = vec![false; n];
        dist[from] = 0.0;
        while let Some(v) = (0..n)
            .filter(|&v| !done[v] && dist[v].is_finite())
            .min_by(|&a, &b| dist[a].total_cmp(&dist[b]).then(a.cmp(&b)))
        {
            done[v] = true;
            if v == to {
                break;
            }
            for (w, e) in self.neighbours(v) {
                let Some(c) = (e != k).then(|| self.cost(e)).flatten() else {
                    continue;
                };
                if dist[v] + c < dist[w] {
                    dist[w] = dist[v] + c;
                    via[w] = Some((v, e));
                }
            }
        }
        if !dist[to].is_finite() {
            return false;
        }
        let mut v = to;
        while let Some((u, e)) = via[v] {
            if !self.state[e].hidden() {
                self.state[e] = State::Secondary;
            }
            v = u;
        }
        true
    }

    /// Closes cycles until no guarded hidden entry is a bridge; false if one cannot be
    /// protected (then every non-empty entry is hidden).
    fn protect(&mut self) -> bool {
        loop {
            let bridge = (0..self.state.len())
                .find(|&k| self.guard[k] && self.state[k].hidden() && self.is_bridge(k));
            match bridge {
                None => return true,
                Some(k) if self.close_cycle(k) => {}
                Some(_) => {
                    self.hide_all();
                    return false;
                }
            }
        }
    }

    fn hide_all(&mut self) {
        for (k, s) in self.state.iter_mut().enumerate() {
            if *s == State::Open && !self.contrib[k].is_empty() {
                *s = State::Secondary;
            }
        }
    }

    /// Hides the cheapest published non-empty entry on the lines of entry `k` (or anywhere in
    /// the table); false when nothing is left to hide.
    fn hide_near(&mut self, k: usize) -> bool {
        let (r, c) = (k / self.nc, k % self.nc);
        let line = (0..self.nc)
            .map(|j| r * self.nc + j)
            .chain((0..self.nr).map(|i| i * self.nc + c));
        let pick = |ks: &mut dyn Iterator<Item = usize>, g: &Grid| {
            ks.filter(|&j| g.state[j] == State::Open)
                .filter_map(|j| g.cost(j).map(|x| (x, j)))
                .min_by(|a, b| a.0.total_cmp(&b.0).then(a.1.cmp(&b.1)))
                .map(|(_, j)| j)
        };
        let mut line = line;
        let j = pick(&mut line, self).or_else(|| pick(&mut (0..self.state.len()), self));
        match j {
            Some(j) => {
                self.state[j] = State::Secondary;
                true
            }
            None => false,
        }
    }
}

/// Secondary suppression of one table whose published margins an outsider can read.
pub fn protect(t: &Table) -> Protection {
    protect_linked(std::slice::from_ref(t), &[])
        .pop()
        .expect("one table in, one out")
}

/// Secondary suppression of tables that publish some numbers in common (`links`), so that no
/// secret entry of any table can be recomputed from everything published (see the module
/// docs). Deterministic.
pub fn protect_linked(tables: &[Table], links: &[Link]) -> Vec<Protection> {
    let mut grids: Vec<Grid> = tables.iter().map(Grid::new).collect();
    for l in links {
        for (t, e) in [l.a, l.b] {
            let k = index(grids[t].nr, grids[t].nc, e);
            grids[t].guard[k] = true;
        }
    }
    // Each round hides at least one more entry, so this ends.
    loop {
        loop {
            for g in grids.iter_mut() {
                g.protect();
            }
            if !sync_links(&mut grids, links) {
                break;
            }
        }
        let det = determined(&grids, links);
        if det.is_empty() {
            break;
        }
        let mut changed = false;
        for (t, k) in det {
            changed |= grids[t].hide_near(k);
        }
        if !changed {
            grids.iter_mut().for_each(Grid::hide_all);
            break;
        }
    }
    grids
        .into_iter()
        .map(|g| Protection {
            nr: g.nr,
            nc: g.nc,
            state: g.state,
        })
        .collect()
}

/// Makes linked entries agree: hidden everywhere if secret anywhere, else published if
/// published anywhere. Returns whether anything changed.
fn sync_links(grids: &mut [Grid], links: &[Link]) -> bool {
    let mut changed = false;
    for l in links {
        let ka = index(grids[l.a.0].nr, grids[l.a.0].nc, l.a.1);
        let kb = index(grids[l.b.0].nr, grids[l.b.0].nc, l.b.1);
        let (sa, sb) = (grids[l.a.0].state[ka], grids[l.b.0].state[kb]);
        let target = |own: State, other: State| {
            if other.secret() && !own.secret() {
                State::Secondary
            } else if other == State::Open && own == State::NotPublished {
                State::Open
            } else {
                own
            }
        };
        let (na, nb) = (target(sa, sb), target(sb, sa));
        changed |= na != sa || nb != sb;
        grids[l.a.0].state[ka] = na;
        grids[l.b.0].state[kb] = nb;
    }
    changed
}

/// Primary-secret entries (table, grid index) that the published entries of all tables
/// determine exactly, by Gaussian elimination on the margin equations.
fn determined(grids: &[Grid], links: &[Link]) -> Vec<(usize, usize)> {
    // Variables: every entry of every table, linked entries merged (union-find).
    let offsets: Vec<usize> = grids
        .iter()
        .scan(0, |acc, g| {
            let o = *acc;
            *acc += g.nr * g.nc;
            Some(o)
        })
        .collect();
    let n: usize = grids.iter().map(|g| g.nr * g.nc).sum();
    let mut parent: Vec<usize> = (0..n).collect();
    fn find(p: &mut [usize], x: usize) -> usize {
        let mut r = x;
        while p[r] != r {
            r = p[r];
        }
        p[x] = r;
        r
    }
    for l in links {
        let a = offsets[l.a.0] + index(grids[l.a.0].nr, grids[l.a.0].nc, l.a.1);
        let b = offsets[l.b.0] + index(grids[l.b.0].nr, grids[l.b.0].nc, l.b.1);
        let (ra, rb) = (find(&mut parent, a), find(&mut parent, b));
        parent[ra] = rb;
    }
    let mut known = vec![false; n];
    for (t, g) in grids.iter().enumerate() {
        for (k, s) in g.state.iter().enumerate() {
            if *s == State::Open {
                let root = find(&mut parent, offsets[t] + k);
                known[root] = true;
            }
        }
    }
    // Unknown columns of the constraint matrix.
    let mut col_of = vec![usize::MAX; n];
    let mut ncols = 0;
    for v in 0..n {
        let root = find(&mut parent, v);
        if !known[root] && col_of[root] == usize::MAX {
            col_of[root] = ncols;
            ncols += 1;
        }
    }
    let mut rows: Vec<Vec<f64>> = Vec::new();
    for (t, g) in grids.iter().enumerate() {
        for line in lines(g) {
            let mut row = vec![0.0; ncols];
            let mut any = false;
            for (k, sign) in line {
                let root = find(&mut parent, offsets[t] + k);
                if !known[root] {
                    row[col_of[root]] += sign;
                    any = true;
                }
            }
            if any {
                rows.push(row);
            }
        }
    }
    let fixed = determined_columns(&mut rows, ncols);
    let mut out = Vec::new();
    for (t, g) in grids.iter().enumerate() {
        for (k, s) in g.state.iter().enumerate() {
            if matches!(s, State::Primary(_)) {
                let root = find(&mut parent, offsets[t] + k);
                if !known[root] && fixed[col_of[root]] {
                    out.push((t, k));
                }
            }
        }
    }
    out
}

/// The margin equations of a grid: each line's inner entries minus its total (sign −1).
fn lines(g: &Grid) -> Vec<Vec<(usize, f64)>> {
    let (nr, nc) = (g.nr, g.nc);
    let row = |r: usize| {
        (0..nc)
            .map(|c| (r * nc + c, if c == nc - 1 { -1.0 } else { 1.0 }))
            .collect()
    };
    let col = |c: usize| {
        (0..nr)
            .map(|r| (r * nc + c, if r == nr - 1 { -1.0 } else { 1.0 }))
            .collect()
    };
    (0..nr).map(row).chain((0..nc).map(col)).collect()
}

/// Reduces `rows` to reduced row echelon form and returns, per column, whether that variable
/// is fixed by the equations (a pivot whose row has no free column).
fn determined_columns(rows: &mut [Vec<f64>], ncols: usize) -> Vec<bool> {
    const EPS: f64 = 1e-9;
    let mut pivots: Vec<(usize, usize)> = Vec::new();
    let mut r = 0;
    for c in 0..ncols {
        let Some(p) = (r..rows.len())
            .filter(|&i| rows[i][c].abs() > EPS)
            .max_by(|&a, &b| rows[a][c].abs().total_cmp(&rows[b][c].abs()))
        else {
            continue;
        };
        rows.swap(r, p);
        let pv = rows[r][c];
        rows[r].iter_mut().for_each(|x| *x /= pv);
        let pivot_row = rows[r].clone();
        for (i, row) in rows.iter_mut().enumerate() {
            if i != r && row[c].abs() > EPS {
                let f = row[c];
                row.iter_mut()
                    .zip(&pivot_row)
                    .for_each(|(x, y)| *x -= f * y);
            }
        }
        pivots.push((r, c));
        r += 1;
        if r == rows.len() {
            break;
        }
    }
    let is_pivot: Vec<bool> = {
        let mut v = vec![false; ncols];
        pivots.iter().for_each(|&(_, c)| v[c] = true);
        v
    };
    let mut fixed = vec![false; ncols];
    for &(i, c) in &pivots {
        fixed[c] = (0..ncols).all(|j| is_pivot[j] || rows[i][j].abs() <= EPS);
    }
    fixed
}

/// The primary-secret entries of `tables` that an outsider could recompute exactly from what
/// `protections` publish (an independent audit of [`protect_linked`]: empty when it worked).
pub fn exact_disclosures(
    tables: &[Table],
    links: &[Link],
    protections: &[Protection],
) -> Vec<(usize, Entry)> {
    let grids: Vec<Grid> = tables
        .iter()
        .zip(protections)
        .map(|(t, p)| {
            let mut g = Grid::new(t);
            g.state = p.state.clone();
            for (k, s) in g.state.iter_mut().enumerate() {
                // Keep the primary reasons visible to the audit.
                if let Some(r) = primary_secret(&g.contrib[k]) {
                    if s.hidden() {
                        *s = State::Primary(r);
                    }
                }
            }
            g
        })
        .collect();
    determined(&grids, links)
        .into_iter()
        .map(|(t, k)| {
            let (nr, nc) = (grids[t].nr, grids[t].nc);
            let (r, c) = (k / nc, k % nc);
            let e = match (r == nr - 1, c == nc - 1) {
                (false, false) => Entry::Cell(r, c),
                (false, true) => Entry::RowTotal(r),
                (true, false) => Entry::ColTotal(c),
                (true, true) => Entry::Total,
            };
            (t, e)
        })
        .collect()
}

/// Which person counts a published median must reach.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PersonRule {
    /// No person count (for example a median of sub-scores of non-sensitive criteria).
    None,
    /// The pooled denominator reaches [`MIN_PERSONS`].
    Denominator,
    /// Both the pooled numerator and denominator reach [`MIN_PERSONS`] (sensitive criteria).
    Both,
}

impl PersonRule {
    /// The rule for a criterion's values: both counts for sensitive criteria, the
    /// denominator (persons, completed CDDs or employees) otherwise.
    pub fn of(c: Criterion) -> PersonRule {
        if c.is_sensitive() {
            PersonRule::Both
        } else {
            PersonRule::Denominator
        }
    }
}

/// One establishment's value in a published median, with the counts behind it.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct MedianInput {
    /// The value (non-negative: shares, days, rates, sub-scores).
    pub value: f64,
    /// Persons in the numerator (e.g. BOETH hires).
    pub num: f64,
    /// Persons in the denominator (e.g. new hires), completed CDDs or employees.
    pub den: f64,
}

/// A median that never publishes one establishment's value: the mean of the central 3 (odd
/// count) or 4 (even count) values, published only with at least [`MIN_UNITS`] values, no
/// central value above [`DOMINANCE_SHARE`] of the central sum, and the central values'
/// pooled persons meeting `rule`.
pub fn protected_median(values: &[MedianInput], rule: PersonRule) -> Result<f64, SecretReason> {
    let mut v: Vec<MedianInput> = values
        .iter()
        .copied()
        .filter(|x| x.value.is_finite())
        .collect();
    let n = v.len();
    if (n as u64) < MIN_UNITS {
        return Err(SecretReason::FewUnits);
    }
    v.sort_by(|a, b| {
        a.value
            .total_cmp(&b.value)
            .then(a.num.total_cmp(&b.num))
            .then(a.den.total_cmp(&b.den))
    });
    let k = if n % 2 == 1 { 3 } else { 4 };
    let mid = &v[(n - k) / 2..(n - k) / 2 + k];
    let sum: f64 = mid.iter().map(|x| x.value.abs()).sum();
    let largest = mid.iter().map(|x| x.value.abs()).fold(0.0, f64::max);
    if sum > 0.0 && largest > DOMINANCE_SHARE * sum {
        return Err(SecretReason::Dominance);
    }
    let min = MIN_PERSONS as f64;
    let num: f64 = mid.iter().map(|x| x.num).sum();
    let den: f64 = mid.iter().map(|x| x.den).sum();
    let persons_ok = match rule {
        PersonRule::None => true,
        PersonRule::Denominator => den >= min,
        PersonRule::Both => den >= min && num >= min,
    };
    if !persons_ok {
        return Err(SecretReason::FewPersons);
    }
    Ok(mid.iter().map(|x| x.value).sum::<f64>() / k as f64)
}

/// `v` rounded to the nearest multiple of `step`, printed without binary noise (0.15, not
/// 0.15000000000000002): the published form of a value band `[v − step/2, v + step/2)`.
pub fn round_to(v: f64, step: f64) -> f64 {
    let k = (v / step).round();
    let micro = (step * 1e6).round();
    (k * micro).round() / 1e6
}

/// Whether `v` is a multiple of `step` as [`round_to`] writes it.
pub fn is_rounded(v: f64, step: f64) -> bool {
    (round_to(v, step) - v).abs() <= 1e-9 * step.max(1.0)
}

/// Whether a criterion may be cited for one establishment in a published list (as a
/// position only): shares need at least 11 persons in the denominator, and sensitive shares
/// ([`Criterion::is_sensitive`]) 11 in the numerator too; rates and lengths need 11 employees
/// (or 11 completed CDDs).
pub fn can_cite(row: &IndicatorRow, c: Criterion, window_months: u32) -> bool {
    let (x, n) = row.counts(c, window_months);
    let min = MIN_PERSONS as f64;
    match c.kind() {
        Kind::Share(_) => n >= min && (!c.is_sensitive() || x >= min),
        Kind::Days => n >= min,
        Kind::Rate { .. } => row.headcount >= min,
    }
}

/// Whether a sensitive criterion's position may be published for one establishment: both
/// its numerator and its denominator reach [`MIN_PERSONS`]. Non-sensitive criteria are
/// positions on at least the score's own minimums and are always citable as positions.
pub fn can_cite_position(row: &IndicatorRow, c: Criterion, window_months: u32) -> bool {
    !c.is_sensitive() || can_cite(row, c, window_months)
}

#[cfg(test)]
mod tests;
