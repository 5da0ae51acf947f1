//! Structural checks on the HTML this crate writes: tag balance (the pages are written as
//! well-formed XHTML-style markup, void elements self-closed or listed) and absence of any
//! external reference. Used by the tests and available to end-to-end tests of `pipeline`.

/// HTML void elements (no closing tag).
const VOID: [&str; 8] = ["meta", "link", "br", "hr", "img", "input", "col", "wbr"];

/// Elements whose content is raw text (not parsed for tags).
const RAW: [&str; 2] = ["script", "style"];

/// Checks that start and end tags are balanced and properly nested, attribute quotes are
/// closed, and `&` only starts an entity. Returns the first problem with its byte offset.
pub fn well_formed(html: &str) -> Result<(), String> {
    let b = html.as_bytes();
    let mut stack: Vec<String> = Vec::new();
    let mut i = 0;
    while i < b.len() {
        match b[i] {
            b'<' => {
                if html[i..].starts_with("<!--") {
                    let end = html[i..]
                        .find("-->")
                        .ok_or(format!("unclosed comment at {i}"))?;
                    i += end + 3;
                    continue;
                }
                if html[i..].starts_with("<!") || html[i..].starts_with("<?") {
                    let end = html[i..]
                        .find('>')
                        .ok_or(format!("unclosed declaration at {i}"))?;
                    i += end + 1;
                    continue;
                }
                // Find the end of the tag, honouring quoted attribute values.
                let mut j = i + 1;
                let mut quote: Option<u8> = None;
                while j < b.len() {
                    match (quote, b[j]) {
                        (None, b'"') | (None, b'\'') => quote = Some(b[j]),
                        (Some(q), c) if c == q => quote = None,
                        (None, b'>') => break,
                        (None, b'<') => return Err(format!("'<' inside a tag at {j}")),
                        _ => {}
                    }
                    j += 1;
                }
                if j >= b.len() {
                    return Err(format!("unclosed tag at {i}"));
                }
                let inner = &html[i + 1..j];
                let closing = inner.starts_with('/');
                let self_closing = inner.ends_with('/');
                let name: String = inner
                    .trim_start_matches('/')
                    .chars()
                    .take_while(|c| c.is_ascii_alphanumeric() || *c == '-' || *c == ':')
                    .collect::<String>();
                if name.is_empty() {
                    return Err(format!("empty tag name at {i}"));
                }
                let lname = name.to_ascii_lowercase();
                if closing {
                    match stack.pop() {
                        Some(open) if open == name => {}
                        Some(open) => {
                            return Err(format!("</{name}> at {i} closes <{open}>"));
                        }
                        None => return Err(format!("</{name}> at {i} without an open tag")),
                    }
                    i = j + 1;
                } else if self_closing || VOID.contains(&lname.as_str()) {
                    i = j + 1;
                } else if RAW.contains(&lname.as_str()) {
                    let close = format!("</{lname}>");
                    let end = html[j..]
                        .find(&close)
                        .ok_or(format!("<{lname}> at {i} never closed"))?;
                    i = j + end + close.len();
                } else {
                    stack.push(name);
                    i = j + 1;
                }
            }
            b'&' => {
                let rest = &html[i + 1..];
                let end = rest
                    .find(';')
                    .filter(|&e| e > 0 && e <= 10)
                    .ok_or(format!("bare '&' at {i}"))?;
                let ent = &rest[..end];
                let ok = ent.starts_with('#') || ent.chars().all(|c| c.is_ascii_alphanumeric());
                if !ok {
                    return Err(format!("bad entity &{ent}; at {i}"));
                }
                i += end + 2;
            }
            _ => i += 1,
        }
    }
    match stack.pop() {
        Some(open) => Err(format!("<{open}> never closed")),
        None => Ok(()),
    }
}

/// Every substring that would make a browser fetch or link outside the file: `http://`,
/// `https://`, protocol-relative `//` in `src`/`href`, `@import`, and `url(` other than
/// `url(data:` or `url(#` (in-document SVG references).
pub fn external_references(html: &str) -> Vec<String> {
    let lower = html.to_ascii_lowercase();
    let mut found = Vec::new();
    for pat in [
        "http://",
        "https://",
        "@import",
        "src=\"//",
        "href=\"//",
        "src='//",
        "href='//",
        "ftp://",
    ] {
        for (i, _) in lower.match_indices(pat) {
            found.push(context(html, i));
        }
    }
    for (i, _) in lower.match_indices("url(") {
        let rest = lower[i + 4..].trim_start_matches(['"', '\'', ' ']);
        if !(rest.starts_with("data:") || rest.starts_with('#')) {
            found.push(context(html, i));
        }
    }
    for attr in ["src=\"", "href=\""] {
        for (i, _) in lower.match_indices(attr) {
            let v = &lower[i + attr.len()..];
            // Only in-page anchors and relative paths are allowed.
            if v.contains(':') && v.find(':') < v.find('"') && !v.starts_with("data:") {
                found.push(context(html, i));
            }
        }
    }
    found
}

fn context(s: &str, i: usize) -> String {
    let mut a = i.saturating_sub(30);
    while !s.is_char_boundary(a) {
        a -= 1;
    }
    let mut e = (i + 50).min(s.len());
    while !s.is_char_boundary(e) {
        e += 1;
    }
    s[a..e].to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn balanced_pages_pass() {
        let ok = "<!DOCTYPE html><html><head><meta charset=\"utf-8\"/><style>a>b{}</style></head>\
                  <body><p a=\"x>y\">A &amp; B &#8239;</p><br><svg><g/></svg>\
                  <script>if (a<b && c) {}</script></body></html>";
        assert_eq!(well_formed(ok), Ok(()));
    }

    #[test]
    fn broken_pages_fail() {
        assert!(well_formed("<p><b></p></b>").is_err());
        assert!(well_formed("<div>").is_err());
        assert!(well_formed("</div>").is_err());
        assert!(well_formed("<p>A & B</p>").is_err());
        assert!(well_formed("<p class=\"x>").is_err());
    }

    #[test]
    fn external_references_are_found() {
        assert!(
            external_references("<a href=\"#x\">x</a><a href=\"sheets/a.html\">a</a>").is_empty()
        );
        assert!(!external_references("<img src=\"https://x/y.png\"/>").is_empty());
        assert!(!external_references("<script src=\"//cdn/x.js\"></script>").is_empty());
        assert!(!external_references("<style>@import 'x.css';</style>").is_empty());
        assert!(!external_references("<style>a{background:url(x.png)}</style>").is_empty());
        assert!(
            external_references("<style>a{background:url(data:image/png;base64,AA)}</style>")
                .is_empty()
        );
        assert!(!external_references("<a href=\"mailto:x@y\">m</a>").is_empty());
    }
}
