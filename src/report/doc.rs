//! A small document model rendered to self-contained HTML and to Markdown.
//!
//! Reports are built once as a [`Document`] (sections with ids, headings, paragraphs,
//! key-figure boxes, tables, figures, callouts) and rendered twice: to one HTML file with
//! inline CSS and inline SVG and no external URL at all (readable offline, printable on A4),
//! and to Markdown whose figures are SVG files beside it. Rendering is a pure function of the
//! document, so output is byte-for-byte deterministic.

use crate::config::Lang;

/// A whole report.
#[derive(Debug, Clone, Default)]
pub struct Document {
    /// Language (sets `<html lang>` and the table-of-contents heading).
    pub lang: Lang,
    /// Title (`<h1>`).
    pub title: String,
    /// Line under the title.
    pub subtitle: Option<String>,
    /// Sections, in order.
    pub sections: Vec<Section>,
}

/// A top-level section (`<section id>` with an `<h2>`).
#[derive(Debug, Clone, Default)]
pub struct Section {
    /// Anchor id, `[a-z0-9-]`.
    pub id: String,
    /// Heading.
    pub heading: String,
    /// Content.
    pub blocks: Vec<Block>,
    /// Start on a new printed page.
    pub page_break: bool,
}

/// Inline text.
#[derive(Debug, Clone, PartialEq)]
pub enum Inline {
    /// Plain text.
    Text(String),
    /// Bold text.
    Strong(String),
    /// Code.
    Code(String),
    /// A link to a relative path or an in-page anchor (never an external URL).
    Link { text: String, href: String },
}

/// Column alignment.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Align {
    /// Text columns.
    #[default]
    Left,
    /// Number columns.
    Right,
    /// Short codes.
    Center,
}

/// A table.
#[derive(Debug, Clone, Default)]
pub struct Table {
    /// Caption above the table.
    pub caption: Option<String>,
    /// Column headers and alignment.
    pub columns: Vec<(String, Align)>,
    /// Rows of cells, already formatted.
    pub rows: Vec<Vec<String>>,
    /// Notes under the table.
    pub notes: Vec<String>,
}

/// A key figure: a large number with a label.
#[derive(Debug, Clone, Default)]
pub struct KeyFigure {
    /// What the number is.
    pub label: String,
    /// The number, formatted.
    pub value: String,
    /// Small print under the number (interval, unit).
    pub detail: Option<String>,
}

/// A figure: an SVG document and its caption.
#[derive(Debug, Clone, Default)]
pub struct Figure {
    /// File stem in `figures/` and anchor id.
    pub id: String,
    /// Caption.
    pub caption: String,
    /// Alternative text.
    pub alt: String,
    /// Complete SVG document.
    pub svg: String,
}

/// Kind of callout box.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CalloutKind {
    /// Neutral information.
    Note,
    /// A caveat the reader must not miss.
    Warning,
}

/// Block-level content.
#[derive(Debug, Clone)]
pub enum Block {
    /// A sub-heading (`<h3>`).
    Heading(String),
    /// A paragraph.
    Paragraph(Vec<Inline>),
    /// A bulleted list; each item is inline content.
    List(Vec<Vec<Inline>>),
    /// A row of key-figure boxes.
    KeyFigures(Vec<KeyFigure>),
    /// A table.
    Table(Table),
    /// A figure.
    Figure(Figure),
    /// A callout box.
    Callout {
        kind: CalloutKind,
        title: String,
        body: Vec<Inline>,
    },
    /// Preformatted text (commands, JSON).
    Code(String),
}

impl Block {
    /// A paragraph of plain text.
    pub fn para(text: impl Into<String>) -> Block {
        Block::Paragraph(vec![Inline::Text(text.into())])
    }
    /// A bulleted list of plain strings.
    pub fn list<I: IntoIterator<Item = String>>(items: I) -> Block {
        Block::List(items.into_iter().map(|s| vec![Inline::Text(s)]).collect())
    }
    /// A note callout with plain text.
    pub fn note(title: impl Into<String>, text: impl Into<String>) -> Block {
        Block::Callout {
            kind: CalloutKind::Note,
            title: title.into(),
            body: vec![Inline::Text(text.into())],
        }
    }
    /// A warning callout with plain text.
    pub fn warning(title: impl Into<String>, text: impl Into<String>) -> Block {
        Block::Callout {
            kind: CalloutKind::Warning,
            title: title.into(),
            body: vec![Inline::Text(text.into())],
        }
    }
}

impl Document {
    /// Every figure of the document, in order.
    pub fn figures(&self) -> Vec<&Figure> {
        self.sections
            .iter()
            .flat_map(|s| s.blocks.iter())
            .filter_map(|b| match b {
                Block::Figure(f) => Some(f),
                _ => None,
            })
            .collect()
    }
}

// ---------------------------------------------------------------------------------------------
// HTML

/// Escapes text for HTML element content and attribute values.
pub fn escape_html(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            _ => out.push(c),
        }
    }
    out
}

/// Style sheet shared by every HTML page of the crate: screen and A4 print.
/// No `url(` and no `@import`: the pages fetch nothing.
pub const BASE_CSS: &str = r#"
:root { --ink:#1b1f24; --muted:#5b6470; --line:#d5d9de; --soft:#f4f6f8; --accent:#0072B2; --warn:#D55E00; }
* { box-sizing: border-box; }
html { font-size: 16px; }
body { font-family: "Segoe UI", "Helvetica Neue", Arial, sans-serif; color: var(--ink); line-height: 1.5; margin: 0; background: #fff; }
main { max-width: 60rem; margin: 0 auto; padding: 1.5rem 1.5rem 4rem; }
h1 { font-size: 1.9rem; margin: 0.2rem 0 0.3rem; line-height: 1.2; }
h2 { font-size: 1.45rem; margin: 2.2rem 0 0.8rem; padding-bottom: 0.25rem; border-bottom: 2px solid var(--accent); }
h3 { font-size: 1.15rem; margin: 1.5rem 0 0.5rem; }
p { margin: 0.5rem 0; }
.subtitle { color: var(--muted); margin: 0 0 1rem; }
nav.toc { background: var(--soft); padding: 0.6rem 1rem; border-radius: 6px; margin: 1rem 0; }
nav.toc ol { margin: 0.2rem 0; padding-left: 1.4rem; }
a { color: var(--accent); }
code, pre { font-family: "DejaVu Sans Mono", Consolas, monospace; font-size: 0.88rem; }
pre { background: var(--soft); padding: 0.7rem 0.9rem; border-radius: 6px; overflow-x: auto; white-space: pre-wrap; word-break: break-all; }
.keyfigs { display: flex; flex-wrap: wrap; gap: 0.8rem; margin: 0.8rem 0; }
.keyfig { flex: 1 1 11rem; border: 1px solid var(--line); border-left: 5px solid var(--accent); border-radius: 6px; padding: 0.6rem 0.8rem; }
.keyfig .v { font-size: 1.6rem; font-weight: 700; line-height: 1.2; }
.keyfig .l { color: var(--muted); font-size: 0.9rem; }
.keyfig .d { font-size: 0.85rem; }
table { border-collapse: collapse; margin: 0.6rem 0; font-size: 0.92rem; width: auto; max-width: 100%; }
caption { text-align: left; font-weight: 600; padding: 0.3rem 0; white-space: nowrap; }
th, td { border-bottom: 1px solid var(--line); padding: 0.3rem 0.6rem; vertical-align: top; }
th { background: var(--soft); text-align: left; }
td.r, th.r { text-align: right; font-variant-numeric: tabular-nums; }
td.c, th.c { text-align: center; }
.tnotes { font-size: 0.82rem; color: var(--muted); margin: 0 0 1rem; }
figure { margin: 1rem 0; }
figure svg { width: 100%; max-width: 48rem; height: auto; display: block; }
figcaption { font-size: 0.9rem; color: var(--muted); margin-top: 0.3rem; }
.callout { border-radius: 6px; padding: 0.6rem 0.9rem; margin: 0.8rem 0; background: #eef5fb; border-left: 5px solid var(--accent); }
.callout.warning { background: #fdf1e8; border-left-color: var(--warn); }
.callout .t { font-weight: 700; }
footer { margin-top: 3rem; font-size: 0.8rem; color: var(--muted); }
@page { size: A4; margin: 14mm 12mm; }
@media print {
  html { font-size: 10.5pt; }
  main { max-width: none; padding: 0; }
  nav.toc { display: none; }
  section.pb { break-before: page; }
  figure, table, .keyfigs, .callout { break-inside: avoid; }
  h2, h3 { break-after: avoid; }
  a { color: inherit; text-decoration: none; }
}
"#;

fn inline_html(out: &mut String, inl: &[Inline]) {
    for i in inl {
        match i {
            Inline::Text(t) => out.push_str(&escape_html(t)),
            Inline::Strong(t) => {
                out.push_str("<strong>");
                out.push_str(&escape_html(t));
                out.push_str("</strong>");
            }
            Inline::Code(t) => {
                out.push_str("<code>");
                out.push_str(&escape_html(t));
                out.push_str("</code>");
            }
            Inline::Link { text, href } => {
                out.push_str("<a href=\"");
                out.push_str(&escape_html(href));
                out.push_str("\">");
                out.push_str(&escape_html(text));
                out.push_str("</a>");
            }
        }
    }
}

fn align_class(a: Align) -> &'static str {
    match a {
        Align::Left => "",
        Align::Right => " class=\"r\"",
        Align::Center => " class=\"c\"",
    }
}

/// Prepares a standalone SVG document for inlining in HTML5: drops any XML declaration and
/// the `xmlns` namespace URL (implied for `<svg>` in HTML5), so the page holds no URL at all.
pub fn inline_svg(svg: &str) -> String {
    let s = svg.trim();
    let s = match s.strip_prefix("<?xml") {
        Some(rest) => rest
            .split_once("?>")
            .map(|(_, r)| r.trim_start())
            .unwrap_or(s),
        None => s,
    };
    s.replacen(" xmlns=\"http://www.w3.org/2000/svg\"", "", 1)
}

fn table_html(out: &mut String, t: &Table) {
    out.push_str("<table>");
    if let Some(c) = &t.caption {
        out.push_str("<caption>");
        out.push_str(&escape_html(c));
        out.push_str("</caption>");
    }
    out.push_str("<thead><tr>");
    for (h, a) in &t.columns {
        out.push_str(&format!("<th{}>{}</th>", align_class(*a), escape_html(h)));
    }
    out.push_str("</tr></thead><tbody>\n");
    for row in &t.rows {
        out.push_str("<tr>");
        for (j, cell) in row.iter().enumerate() {
            let a = t.columns.get(j).map(|c| c.1).unwrap_or_default();
            out.push_str(&format!("<td{}>{}</td>", align_class(a), escape_html(cell)));
        }
        out.push_str("</tr>\n");
    }
    out.push_str("</tbody></table>\n");
    if !t.notes.is_empty() {
        out.push_str("<div class=\"tnotes\">");
        for n in &t.notes {
            out.push_str("<p>");
            out.push_str(&escape_html(n));
            out.push_str("</p>");
        }
        out.push_str("</div>\n");
    }
}

fn block_html(out: &mut String, b: &Block) {
    match b {
        Block::Heading(h) => out.push_str(&format!("<h3>{}</h3>\n", escape_html(h))),
        Block::Paragraph(inl) => {
            out.push_str("<p>");
            inline_html(out, inl);
            out.push_str("</p>\n");
        }
        Block::List(items) => {
            out.push_str("<ul>\n");
            for it in items {
                out.push_str("<li>");
                inline_html(out, it);
                out.push_str("</li>\n");
            }
            out.push_str("</ul>\n");
        }
        Block::KeyFigures(kf) => {
            out.push_str("<div class=\"keyfigs\">\n");
            for k in kf {
                out.push_str("<div class=\"keyfig\">");
                out.push_str(&format!(
                    "<div class=\"v\">{}</div><div class=\"l\">{}</div>",
                    escape_html(&k.value),
                    escape_html(&k.label)
                ));
                if let Some(d) = &k.detail {
                    out.push_str(&format!("<div class=\"d\">{}</div>", escape_html(d)));
                }
                out.push_str("</div>\n");
            }
            out.push_str("</div>\n");
        }
        Block::Table(t) => table_html(out, t),
        Block::Figure(f) => {
            out.push_str(&format!(
                "<figure id=\"fig-{}\" role=\"img\" aria-label=\"{}\">\n",
                escape_html(&f.id),
                escape_html(&f.alt)
            ));
            out.push_str(&inline_svg(&f.svg));
            out.push_str(&format!(
                "\n<figcaption>{}</figcaption></figure>\n",
                escape_html(&f.caption)
            ));
        }
        Block::Callout { kind, title, body } => {
            let cls = match kind {
                CalloutKind::Note => "callout",
                CalloutKind::Warning => "callout warning",
            };
            out.push_str(&format!(
                "<div class=\"{cls}\"><p><span class=\"t\">{}</span> ",
                escape_html(title)
            ));
            inline_html(out, body);
            out.push_str("</p></div>\n");
        }
        Block::Code(c) => {
            out.push_str("<pre><code>");
            out.push_str(&escape_html(c));
            out.push_str("</code></pre>\n");
        }
    }
}

/// Renders the document to one self-contained HTML5 page (inline CSS and SVG).
pub fn to_html(doc: &Document) -> String {
    let lang = match doc.lang {
        Lang::Fr => "fr",
        Lang::En => "en",
    };
    let mut out = String::new();
    out.push_str("<!DOCTYPE html>\n");
    out.push_str(&format!(
        "<html lang=\"{lang}\">\n<head>\n<meta charset=\"utf-8\"/>\n"
    ));
    out.push_str("<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\"/>\n");
    out.push_str(&format!("<title>{}</title>\n", escape_html(&doc.title)));
    out.push_str("<style>");
    out.push_str(BASE_CSS);
    out.push_str("</style>\n</head>\n<body>\n<main>\n");
    out.push_str(&format!("<h1>{}</h1>\n", escape_html(&doc.title)));
    if let Some(s) = &doc.subtitle {
        out.push_str(&format!("<p class=\"subtitle\">{}</p>\n", escape_html(s)));
    }
    let toc = match doc.lang {
        Lang::Fr => "Sommaire",
        Lang::En => "Contents",
    };
    out.push_str(&format!(
        "<nav class=\"toc\" aria-label=\"{toc}\"><strong>{toc}</strong><ol>\n"
    ));
    for s in &doc.sections {
        out.push_str(&format!(
            "<li><a href=\"#{}\">{}</a></li>\n",
            escape_html(&s.id),
            escape_html(&s.heading)
        ));
    }
    out.push_str("</ol></nav>\n");
    for s in &doc.sections {
        let cls = if s.page_break { " class=\"pb\"" } else { "" };
        out.push_str(&format!(
            "<section id=\"{}\"{cls}>\n<h2>{}</h2>\n",
            escape_html(&s.id),
            escape_html(&s.heading)
        ));
        for b in &s.blocks {
            block_html(&mut out, b);
        }
        out.push_str("</section>\n");
    }
    out.push_str("</main>\n</body>\n</html>\n");
    out
}

// ---------------------------------------------------------------------------------------------
// Markdown

/// Escapes text for a Markdown table cell (pipes and newlines).
fn md_cell(s: &str) -> String {
    s.replace('|', "\\|").replace('\n', " ")
}

fn inline_md(inl: &[Inline]) -> String {
    let mut out = String::new();
    for i in inl {
        match i {
            Inline::Text(t) => out.push_str(t),
            Inline::Strong(t) => out.push_str(&format!("**{t}**")),
            Inline::Code(t) => out.push_str(&format!("`{t}`")),
            Inline::Link { text, href } => out.push_str(&format!("[{text}]({href})")),
        }
    }
    out
}

/// Renders a table as a GitHub-flavoured Markdown table (caption in bold above, notes below).
pub fn table_md(t: &Table) -> String {
    let mut out = String::new();
    if let Some(c) = &t.caption {
        out.push_str(&format!("**{c}**\n\n"));
    }
    out.push('|');
    for (h, _) in &t.columns {
        out.push_str(&format!(" {} |", md_cell(h)));
    }
    out.push_str("\n|");
    for (_, a) in &t.columns {
        out.push_str(match a {
            Align::Left => " :--- |",
            Align::Right => " ---: |",
            Align::Center => " :---: |",
        });
    }
    out.push('\n');
    for row in &t.rows {
        out.push('|');
        for cell in row {
            out.push_str(&format!(" {} |", md_cell(cell)));
        }
        out.push('\n');
    }
    for n in &t.notes {
        out.push_str(&format!("\n*{n}*\n"));
    }
    out
}

/// Renders the document to Markdown; figure `x` is referenced as `figures/x.svg`.
pub fn to_markdown(doc: &Document) -> String {
    let mut out = format!("# {}\n\n", doc.title);
    let colon = match doc.lang {
        Lang::Fr => " :",
        Lang::En => ":",
    };
    if let Some(s) = &doc.subtitle {
        out.push_str(&format!("{s}\n\n"));
    }
    for s in &doc.sections {
        out.push_str(&format!("## {}\n\n", s.heading));
        for b in &s.blocks {
            match b {
                Block::Heading(h) => out.push_str(&format!("### {h}\n\n")),
                Block::Paragraph(inl) => out.push_str(&format!("{}\n\n", inline_md(inl))),
                Block::List(items) => {
                    for it in items {
                        out.push_str(&format!("- {}\n", inline_md(it)));
                    }
                    out.push('\n');
                }
                Block::KeyFigures(kf) => {
                    for k in kf {
                        match &k.detail {
                            Some(d) => out
                                .push_str(&format!("- **{}**{colon} {} ({d})\n", k.label, k.value)),
                            None => {
                                out.push_str(&format!("- **{}**{colon} {}\n", k.label, k.value))
                            }
                        }
                    }
                    out.push('\n');
                }
                Block::Table(t) => {
                    out.push_str(&table_md(t));
                    out.push('\n');
                }
                Block::Figure(f) => {
                    out.push_str(&format!("![{}](figures/{}.svg)\n\n", f.alt, f.id));
                    out.push_str(&format!("*{}*\n\n", f.caption));
                }
                Block::Callout { title, body, .. } => {
                    out.push_str(&format!("> **{title}** {}\n\n", inline_md(body)));
                }
                Block::Code(c) => out.push_str(&format!("```\n{c}\n```\n\n")),
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tiny() -> Document {
        Document {
            lang: Lang::En,
            title: "T <&>".into(),
            subtitle: None,
            sections: vec![Section {
                id: "s1".into(),
                heading: "One".into(),
                blocks: vec![
                    Block::para("a < b"),
                    Block::Table(Table {
                        caption: Some("Cap".into()),
                        columns: vec![("x".into(), Align::Left), ("y".into(), Align::Right)],
                        rows: vec![vec!["a|b".into(), "1.5".into()]],
                        notes: vec!["n".into()],
                    }),
                ],
                page_break: false,
            }],
        }
    }

    #[test]
    fn html_escapes_and_aligns() {
        let h = to_html(&tiny());
        assert!(h.contains("<title>T &lt;&amp;&gt;</title>"));
        assert!(h.contains("<p>a &lt; b</p>"));
        assert!(h.contains("<td class=\"r\">1.5</td>"));
        assert!(h.contains("<section id=\"s1\">"));
    }

    #[test]
    fn markdown_table_escapes_pipes_and_aligns() {
        let m = to_markdown(&tiny());
        assert!(
            m.contains("| x | y |\n| :--- | ---: |\n| a\\|b | 1.5 |\n"),
            "{m}"
        );
    }

    #[test]
    fn inline_svg_drops_namespace_and_declaration() {
        let s = "<?xml version=\"1.0\"?>\n<svg width=\"1\" xmlns=\"http://www.w3.org/2000/svg\"><g/></svg>";
        assert_eq!(inline_svg(s), "<svg width=\"1\"><g/></svg>");
    }
}
