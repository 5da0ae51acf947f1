//! Text folding for search, shared by the counsellors' page and the served list: one table of
//! accented letters, so that a name folds the same way wherever it is searched.

/// Pushes the accent-free form of lower-case `c` (`é` → `e`, `œ` → `oe`); other characters
/// unchanged.
pub fn push_unaccented(c: char, out: &mut String) {
    match c {
        'à' | 'â' | 'ä' | 'á' => out.push('a'),
        'é' | 'è' | 'ê' | 'ë' => out.push('e'),
        'î' | 'ï' | 'í' => out.push('i'),
        'ô' | 'ö' | 'ó' => out.push('o'),
        'ù' | 'û' | 'ü' | 'ú' => out.push('u'),
        'ÿ' => out.push('y'),
        'ç' => out.push('c'),
        'œ' => out.push_str("oe"),
        'æ' => out.push_str("ae"),
        _ => out.push(c),
    }
}
