//! Unit tests of the secrecy rules: primary rules, secondary suppression against margins
//! (checked by an exact linear audit and, for single tables, by the bridge criterion), linked
//! tables, protected medians and rounding.

use super::*;
use proptest::prelude::*;

fn counts(rows: &[&[u64]]) -> Table {
    Table::new(
        rows.iter()
            .map(|r| r.iter().map(|&n| CellContrib::count(n)).collect())
            .collect(),
    )
}

fn hidden(p: &Protection, r: usize, c: usize) -> bool {
    !p.publishable(Entry::Cell(r, c))
}

/// Every primary-secret entry is hidden and none can be recomputed.
fn assert_safe(tables: &[Table], links: &[Link], ps: &[Protection]) {
    for (t, p) in tables.iter().zip(ps) {
        let g = Grid::new(t);
        for (k, s) in g.state.iter().enumerate() {
            if matches!(s, State::Primary(_)) {
                assert!(p.state[k].hidden(), "primary entry {k} published");
            }
        }
    }
    assert!(exact_disclosures(tables, links, ps).is_empty());
}

#[test]
fn person_threshold() {
    assert_eq!(person_count(10), None);
    assert_eq!(person_count(0), None);
    assert_eq!(person_count(11), Some(11));
}

#[test]
fn primary_rules() {
    let mut c = CellContrib::default();
    assert_eq!(primary_secret(&c), None, "empty cell is a structural zero");
    c.add(5.0);
    c.add(5.0);
    assert_eq!(primary_secret(&c), Some(SecretReason::FewUnits));
    c.add(5.0);
    assert_eq!(primary_secret(&c), None);
    c.add(100.0); // 100 / 115 = 87% > 85%
    assert_eq!(primary_secret(&c), Some(SecretReason::Dominance));
    let mut p = CellContrib::count(5);
    p.add_persons(10);
    assert_eq!(primary_secret(&p), Some(SecretReason::FewPersons));
    p.add_persons(1);
    assert_eq!(primary_secret(&p), None);
    // Exactly 85% is allowed.
    let mut d = CellContrib::default();
    for v in [85.0, 10.0, 5.0] {
        d.add(v);
    }
    assert_eq!(primary_secret(&d), None);
}

#[test]
fn one_small_cell_gets_the_smallest_partners_on_a_cycle() {
    let t = counts(&[&[1, 9, 4], &[6, 20, 8], &[7, 30, 5]]);
    let p = protect(&t);
    assert_eq!(p.secret(Entry::Cell(0, 0)), Some(SecretReason::FewUnits));
    // Cheapest cycle through (0,0): (0,2)=4, (2,0)=7, (2,2)=5 → cost 4+7+5 (+3) beats any
    // cycle through row 1 or column 1.
    for (r, c) in [(0, 2), (2, 0), (2, 2)] {
        assert_eq!(p.secret(Entry::Cell(r, c)), Some(SecretReason::Secondary));
    }
    assert_eq!(p.hidden_cells(), 4);
    for e in [Entry::RowTotal(0), Entry::ColTotal(0), Entry::Total] {
        assert!(p.publishable(e), "margins stay published: {e:?}");
    }
    assert_safe(&[t], &[], &[p]);
}

#[test]
fn every_line_has_zero_or_two_hidden_cells() {
    let t = counts(&[
        &[19, 4, 2, 1],
        &[11, 4, 3, 2],
        &[112, 20, 15, 6],
        &[39, 7, 4, 2],
    ]);
    let p = protect(&t);
    for r in 0..4 {
        let k = (0..4).filter(|&c| hidden(&p, r, c)).count();
        assert!(k != 1, "row {r}");
    }
    for c in 0..4 {
        let k = (0..4).filter(|&r| hidden(&p, r, c)).count();
        assert!(k != 1, "column {c}");
    }
    assert_safe(&[t], &[], &[p]);
}

#[test]
fn two_lines_each_with_two_hidden_cells_can_still_leak() {
    // Hidden: a 4-cycle in rows 0–1 × columns 0–1, another in rows 2–3 × columns 2–3, and
    // (0,2) joining them. Every row and column has 0 or ≥ 2 hidden cells, yet (0,2) is a
    // bridge: row 0 + row 1 − column 0 − column 1 gives it. The audit must see that.
    let t = counts(&[&[5, 5, 1, 9], &[5, 5, 9, 9], &[9, 9, 5, 5], &[9, 9, 5, 5]]);
    let mut g = Grid::new(&t);
    for k in 0..g.state.len() {
        g.state[k] = State::Open;
    }
    let hide = [
        (0, 0),
        (0, 1),
        (1, 0),
        (1, 1),
        (2, 2),
        (2, 3),
        (3, 2),
        (3, 3),
        (0, 2),
    ];
    for (r, c) in hide {
        g.state[r * g.nc + c] = State::Secondary;
    }
    g.state[2] = State::Primary(SecretReason::FewUnits);
    let p = Protection {
        nr: g.nr,
        nc: g.nc,
        state: g.state.clone(),
    };
    assert_eq!(
        exact_disclosures(std::slice::from_ref(&t), &[], &[p]),
        vec![(0, Entry::Cell(0, 2))]
    );
    // The algorithm itself leaves no such bridge.
    let p = protect(&t);
    assert_safe(&[t], &[], &[p]);
}

#[test]
fn one_row_with_only_a_published_total_hides_two_bins() {
    // A histogram: bins with their total (the column totals would repeat the bins).
    let mut t = counts(&[&[0, 2, 40, 55, 3, 1, 0]]);
    t.col_totals = false;
    let p = protect(&t);
    for c in [1, 5] {
        assert!(hidden(&p, 0, c), "small bin {c}");
    }
    for c in [0, 6] {
        assert!(!hidden(&p, 0, c), "empty bins stay published as zero");
    }
    // The two small bins protect each other: only their sum (3) can be derived.
    for c in [2, 3, 4] {
        assert!(!hidden(&p, 0, c), "bin {c} stays published");
    }
    assert!(p.publishable(Entry::Total) && p.publishable(Entry::RowTotal(0)));
    assert_safe(&[t], &[], &[p]);
    // A single small bin among large ones: a partner is still needed.
    let mut t = counts(&[&[30, 1, 40]]);
    t.col_totals = false;
    let p = protect(&t);
    assert!(hidden(&p, 0, 1) && hidden(&p, 0, 0) && !hidden(&p, 0, 2));
    assert_safe(&[t], &[], &[p]);
}

#[test]
fn one_row_with_published_column_totals_hides_the_totals_too() {
    // Column totals of a one-row table are its cells: they are primary-secret as well.
    let t = counts(&[&[30, 1, 40]]);
    let p = protect(&t);
    assert!(hidden(&p, 0, 1));
    assert!(!p.publishable(Entry::ColTotal(1)));
    assert_safe(&[t], &[], &[p]);
}

#[test]
fn all_cells_small() {
    let t = counts(&[&[1, 2], &[2, 1]]);
    let p = protect(&t);
    assert_eq!(p.hidden_cells(), 4);
    // Margins of 3 establishments pass and can stay published: the 2×2 cycle protects.
    assert!(p.publishable(Entry::Total));
    assert_safe(&[t], &[], &[p]);
    let t = counts(&[&[1, 1], &[0, 0]]);
    let p = protect(&t);
    assert_safe(std::slice::from_ref(&t), &[], std::slice::from_ref(&p));
    assert!(
        !p.publishable(Entry::Total),
        "2 establishments in all: total hidden"
    );
    assert!(p.publishable(Entry::Cell(1, 0)), "structural zero stays");
}

#[test]
fn single_cell_table() {
    let t = counts(&[&[2]]);
    let p = protect(&t);
    for e in [
        Entry::Cell(0, 0),
        Entry::RowTotal(0),
        Entry::ColTotal(0),
        Entry::Total,
    ] {
        assert!(!p.publishable(e), "{e:?}");
    }
    assert_safe(&[t], &[], &[p]);
    let t = counts(&[&[7]]);
    assert_eq!(protect(&t).hidden_cells(), 0);
}

#[test]
fn ties_are_broken_by_position_and_results_are_deterministic() {
    let t = counts(&[&[1, 5, 5], &[5, 5, 5], &[5, 5, 5]]);
    let p = protect(&t);
    assert_eq!(p, protect(&t));
    // Equal costs everywhere: the first row and column win.
    for (r, c) in [(0, 1), (1, 0), (1, 1)] {
        assert!(hidden(&p, r, c), "({r},{c})");
    }
    assert_eq!(p.hidden_cells(), 4);
    assert_safe(&[t], &[], &[p]);
}

#[test]
fn dominance_is_primary() {
    let mut cells = vec![vec![CellContrib::default(); 2]; 2];
    for (r, c, vs) in [
        (0, 0, vec![100.0, 5.0, 5.0]),
        (0, 1, vec![10.0, 10.0, 10.0]),
        (1, 0, vec![10.0, 10.0, 10.0]),
        (1, 1, vec![10.0, 10.0, 10.0]),
    ] {
        for v in vs {
            cells[r][c].add(v);
        }
    }
    let t = Table::new(cells);
    let p = protect(&t);
    assert_eq!(p.secret(Entry::Cell(0, 0)), Some(SecretReason::Dominance));
    assert_eq!(p.hidden_cells(), 4);
    assert_safe(&[t], &[], &[p]);
}

#[test]
fn linked_tables_share_hidden_margins() {
    // Sections × levels and sections × zones share the section totals. Section 2 has 2
    // establishments: its total is secret in both tables.
    let a = counts(&[&[10, 5, 4], &[8, 6, 3], &[1, 1, 0], &[9, 9, 9]]);
    let b = counts(&[&[12, 7], &[9, 8], &[2, 0], &[13, 14]]);
    let links: Vec<Link> = (0..4)
        .map(|r| Link {
            a: (0, Entry::RowTotal(r)),
            b: (1, Entry::RowTotal(r)),
        })
        .chain(std::iter::once(Link {
            a: (0, Entry::Total),
            b: (1, Entry::Total),
        }))
        .collect();
    let tables = [a, b];
    let ps = protect_linked(&tables, &links);
    assert!(!ps[0].publishable(Entry::RowTotal(2)));
    assert!(!ps[1].publishable(Entry::RowTotal(2)));
    for l in &links {
        assert_eq!(
            ps[l.a.0].publishable(l.a.1),
            ps[l.b.0].publishable(l.b.1),
            "linked entries agree: {l:?}"
        );
    }
    assert_safe(&tables, &links, &ps);
}

/// For a single table, an entry is determined exactly when it is a bridge of the hidden
/// graph: check the Gaussian audit against that independent criterion on random patterns.
#[test]
fn audit_agrees_with_the_bridge_criterion() {
    let mut s = 99u64;
    let mut next = |m: u64| {
        s = s
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        (s >> 33) % m
    };
    for _ in 0..300 {
        let (r, c) = (1 + next(4) as usize, 1 + next(4) as usize);
        let cells: Vec<Vec<CellContrib>> = (0..r)
            .map(|_| (0..c).map(|_| CellContrib::count(3 + next(9))).collect())
            .collect();
        let t = Table::new(cells);
        let mut g = Grid::new(&t);
        for k in 0..g.state.len() {
            g.state[k] = if next(3) == 0 {
                State::Primary(SecretReason::FewUnits)
            } else {
                State::Open
            };
        }
        let p = Protection {
            nr: g.nr,
            nc: g.nc,
            state: g.state.clone(),
        };
        let mut det: Vec<usize> = exact_disclosures(std::slice::from_ref(&t), &[], &[p])
            .into_iter()
            .map(|(_, e)| index(g.nr, g.nc, e))
            .collect();
        det.sort_unstable();
        let bridges: Vec<usize> = (0..g.state.len())
            .filter(|&k| g.state[k].hidden() && g.is_bridge(k))
            .collect();
        assert_eq!(det, bridges);
    }
}

#[test]
fn protected_median_never_one_value() {
    let v = |xs: &[f64]| -> Vec<MedianInput> {
        xs.iter()
            .map(|&x| MedianInput {
                value: x,
                num: 20.0,
                den: 40.0,
            })
            .collect()
    };
    assert_eq!(
        protected_median(&v(&[0.1, 0.2]), PersonRule::None),
        Err(SecretReason::FewUnits)
    );
    // Odd count: mean of the central three, not the middle value 0.3.
    let m = protected_median(&v(&[0.9, 0.1, 0.3, 0.2, 0.7]), PersonRule::Both).unwrap();
    assert!((m - 0.4).abs() < 1e-12, "{m}");
    // Even count: mean of the central four.
    let m = protected_median(&v(&[0.1, 0.2, 0.3, 0.4, 0.5, 0.6]), PersonRule::Both).unwrap();
    assert!((m - 0.35).abs() < 1e-12, "{m}");
    // Dominance: two zeros and one value among the central three.
    assert_eq!(
        protected_median(&v(&[0.0, 0.0, 0.2]), PersonRule::None),
        Err(SecretReason::Dominance)
    );
    // All zero: no one dominates a zero sum.
    assert_eq!(
        protected_median(&v(&[0.0, 0.0, 0.0]), PersonRule::None),
        Ok(0.0)
    );
    // Persons: pooled numerator below 11 for a sensitive criterion.
    let few: Vec<MedianInput> = [0.1, 0.2, 0.3]
        .iter()
        .map(|&x| MedianInput {
            value: x,
            num: 3.0,
            den: 30.0,
        })
        .collect();
    assert_eq!(
        protected_median(&few, PersonRule::Both),
        Err(SecretReason::FewPersons)
    );
    assert!(protected_median(&few, PersonRule::Denominator).is_ok());
    // Non-finite values are ignored.
    assert_eq!(
        protected_median(&v(&[f64::NAN, 0.1, 0.2]), PersonRule::None),
        Err(SecretReason::FewUnits)
    );
}

#[test]
fn rounding_to_bands() {
    assert_eq!(round_to(0.4423076923076923, 0.05), 0.45);
    assert_eq!(round_to(0.1499, 0.05), 0.15);
    assert_eq!(round_to(0.15, 0.05).to_string(), "0.15");
    assert_eq!(round_to(37.4, 5.0), 35.0);
    assert_eq!(round_to(23.396, 5.0), 25.0);
    assert!(is_rounded(0.15, 0.05) && !is_rounded(0.4423, 0.05));
    assert!(is_rounded(35.0, 5.0) && !is_rounded(37.4, 5.0));
}

fn arb_table() -> impl Strategy<Value = Table> {
    (1usize..5, 1usize..6).prop_flat_map(|(r, c)| {
        prop::collection::vec(prop::collection::vec(0u64..8, c), r).prop_map(|rows| {
            Table::new(
                rows.into_iter()
                    .map(|row| row.into_iter().map(CellContrib::count).collect())
                    .collect(),
            )
        })
    })
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(300))]

    #[test]
    fn random_tables_are_protected(t in arb_table(), hist in any::<bool>()) {
        let mut t = t;
        if hist {
            t.col_totals = false;
        }
        let p = protect(&t);
        assert_safe(std::slice::from_ref(&t), &[], std::slice::from_ref(&p));
        // Published inner cells pass the rules; structural zeros are never hidden as partners
        // unless everything had to be hidden.
        for (r, row) in t.cells.iter().enumerate() {
            for (c, x) in row.iter().enumerate() {
                if p.publishable(Entry::Cell(r, c)) {
                    prop_assert!(primary_secret(x).is_none());
                }
            }
        }
    }

    #[test]
    fn random_linked_tables_are_protected(a in arb_table(), extra in prop::collection::vec(0u64..8, 1..4)) {
        // b: same rows as a, its own columns; the row totals of b are forced equal to a's by
        // putting a's row totals in b's first column minus the extra cells.
        let rows = a.rows();
        let cols = extra.len();
        let mut b_cells = vec![vec![CellContrib::default(); cols]; rows];
        for (r, b_row) in b_cells.iter_mut().enumerate() {
            let total: u64 = a.cells[r].iter().map(|x| x.units).sum();
            let mut left = total;
            for (cell, &x) in b_row.iter_mut().zip(&extra).skip(1) {
                let v = x.min(left);
                *cell = CellContrib::count(v);
                left -= v;
            }
            b_row[0] = CellContrib::count(left);
        }
        let b = Table::new(b_cells);
        let mut links: Vec<Link> = (0..rows)
            .map(|r| Link { a: (0, Entry::RowTotal(r)), b: (1, Entry::RowTotal(r)) })
            .collect();
        links.push(Link { a: (0, Entry::Total), b: (1, Entry::Total) });
        let tables = [a, b];
        let ps = protect_linked(&tables, &links);
        assert_safe(&tables, &links, &ps);
        for l in &links {
            prop_assert_eq!(ps[l.a.0].publishable(l.a.1), ps[l.b.0].publishable(l.b.1));
        }
    }
}

/// A histogram (no column totals) whose two small bins, summed, are a secret aggregate of two
/// establishments: the grand total minus the open bins must not give it.
#[test]
fn hidden_bins_cannot_be_summed_back_from_the_grand_total() {
    let mut t = Table::new(vec![
        vec![CellContrib::count(0), CellContrib::count(1)],
        vec![CellContrib::count(3), CellContrib::count(1)],
    ]);
    t.col_totals = false;
    let p = protect(&t);
    assert_safe(std::slice::from_ref(&t), &[], std::slice::from_ref(&p));
    for (r, row) in t.cells.iter().enumerate() {
        for (c, x) in row.iter().enumerate() {
            if p.publishable(Entry::Cell(r, c)) {
                assert!(primary_secret(x).is_none(), "{r} {c}");
            }
        }
    }
}
