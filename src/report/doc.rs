//! A small document model rendered to self-contained HTML and to Markdown.
//!
//! Reports are built once as a [`Document`] (sections with ids, headings, paragraphs,
//! key-figure boxes, tables, figures, callouts) and rendered twice: to one HTML file with
//! inline CSS and inline SVG and no external URL at all (readable offline, printable on A4),
//! and to Markdown whose figures are SVG files beside it. Rendering is a pure function of the
//! document, so output is byte-for-byte deterministic.

use crate::config::Lang;
use maud::{html, Markup, PreEscaped, DOCTYPE};

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

fn inline_html(inl: &[Inline]) -> Markup {
    html! {
        @for i in inl {
            @match i {
                Inline::Text(t) => (t),
                Inline::Strong(t) => strong { (t) },
                Inline::Code(t) => code { (t) },
                Inline::Link { text, href } => a href=(href) { (text) },
            }
        }
    }
}

fn align_class(a: Align) -> Option<&'static str> {
    match a {
        Align::Left => None,
        Align::Right => Some("r"),
        Align::Center => Some("c"),
    }
}

/// Prepares a standalone SVG document for inlining in HTML5: drops any XML declaration and
/// the `xmlns` namespace URL (implied for `<svg>` in HTML5), so the page holds no URL at all.
/// The SVG is drawn by this crate from numbers and escaped labels (plotters escapes text).
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

fn table_html(t: &Table) -> Markup {
    html! {
        table {
            @if let Some(c) = &t.caption { caption { (c) } }
            thead { tr { @for (h, a) in &t.columns { th class=[align_class(*a)] { (h) } } } }
            tbody {
                @for row in &t.rows {
                    tr { @for (j, cell) in row.iter().enumerate() {
                        td class=[align_class(t.columns.get(j).map(|c| c.1).unwrap_or_default())] { (cell) }
                    } }
                }
            }
        }
        @if !t.notes.is_empty() { div.tnotes { @for n in &t.notes { p { (n) } } } }
    }
}

fn block_html(b: &Block) -> Markup {
    html! {
        @match b {
            Block::Heading(h) => h3 { (h) },
            Block::Paragraph(inl) => p { (inline_html(inl)) },
            Block::List(items) => ul { @for it in items { li { (inline_html(it)) } } },
            Block::KeyFigures(kf) => div.keyfigs { @for k in kf {
                div.keyfig { div.v { (k.value) } div.l { (k.label) }
                    @if let Some(d) = &k.detail { div.d { (d) } } }
            } },
            Block::Table(t) => (table_html(t)),
            Block::Figure(f) => figure id={ "fig-" (f.id) } role="img" aria-label=(f.alt) {
                (PreEscaped(inline_svg(&f.svg)))
                figcaption { (f.caption) }
            },
            Block::Callout { kind, title, body } => div class=(match kind {
                CalloutKind::Note => "callout",
                CalloutKind::Warning => "callout warning",
            }) { p { @if !title.is_empty() { span.t { (title) } " " } (inline_html(body)) } },
            Block::Code(c) => pre { code { (c) } },
        }
    }
}

/// Renders the document to one self-contained HTML5 page (inline CSS and SVG).
pub fn to_html(doc: &Document) -> String {
    let (lang, toc) = match doc.lang {
        Lang::Fr => ("fr", "Sommaire"),
        Lang::En => ("en", "Contents"),
    };
    html! {
        (DOCTYPE)
        html lang=(lang) {
            head {
                meta charset="utf-8";
                meta name="viewport" content="width=device-width, initial-scale=1";
                title { (doc.title) }
                style { (PreEscaped(BASE_CSS)) }
            }
            body { main {
                h1 { (doc.title) }
                @if let Some(s) = &doc.subtitle { p.subtitle { (s) } }
                nav.toc aria-label=(toc) { strong { (toc) } ol {
                    @for s in &doc.sections { li { a href={ "#" (s.id) } { (s.heading) } } }
                } }
                @for s in &doc.sections {
                    section id=(s.id) class=[s.page_break.then_some("pb")] {
                        h2 { (s.heading) }
                        @for b in &s.blocks { (block_html(b)) }
                    }
                }
            } }
        }
    }
    .into_string()
}

// ---------------------------------------------------------------------------------------------
// Markdown

/// Escapes text for Markdown: HTML special characters become entities, so a name such as
/// `<script>` read from a DSN file is shown, never interpreted, by a Markdown viewer.
pub fn md_text(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
}

/// Escapes text for a Markdown table cell (HTML, pipes and newlines).
fn md_cell(s: &str) -> String {
    md_text(s).replace('|', "\\|").replace('\n', " ")
}

fn inline_md(inl: &[Inline]) -> String {
    let mut out = String::new();
    for i in inl {
        match i {
            Inline::Text(t) => out.push_str(&md_text(t)),
            Inline::Strong(t) => out.push_str(&format!("**{}**", md_text(t))),
            Inline::Code(t) => out.push_str(&format!("`{t}`")),
            Inline::Link { text, href } => {
                out.push_str(&format!("[{}]({})", md_text(text), md_text(href)))
            }
        }
    }
    out
}

/// Renders a table as a GitHub-flavoured Markdown table (caption in bold above, notes below).
pub fn table_md(t: &Table) -> String {
    let mut out = String::new();
    if let Some(c) = &t.caption {
        out.push_str(&format!("**{}**\n\n", md_text(c)));
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
        out.push_str(&format!("\n*{}*\n", md_text(n)));
    }
    out
}

fn block_md(out: &mut String, b: &Block, colon: &str) {
    match b {
        Block::Heading(h) => out.push_str(&format!("### {}\n\n", md_text(h))),
        Block::Paragraph(inl) => out.push_str(&format!("{}\n\n", inline_md(inl))),
        Block::List(items) => {
            for it in items {
                out.push_str(&format!("- {}\n", inline_md(it)));
            }
            out.push('\n');
        }
        Block::KeyFigures(kf) => {
            for k in kf {
                let (l, v) = (md_text(&k.label), md_text(&k.value));
                match &k.detail {
                    Some(d) => out.push_str(&format!("- **{l}**{colon} {v} ({})\n", md_text(d))),
                    None => out.push_str(&format!("- **{l}**{colon} {v}\n")),
                }
            }
            out.push('\n');
        }
        Block::Table(t) => {
            out.push_str(&table_md(t));
            out.push('\n');
        }
        Block::Figure(f) => {
            out.push_str(&format!("![{}](figures/{}.svg)\n\n", md_text(&f.alt), f.id));
            out.push_str(&format!("*{}*\n\n", md_text(&f.caption)));
        }
        Block::Callout { title, body, .. } => {
            out.push_str(&format!("> **{}** {}\n\n", md_text(title), inline_md(body)));
        }
        Block::Code(c) => out.push_str(&format!("```\n{c}\n```\n\n")),
    }
}

/// Renders the document to Markdown; figure `x` is referenced as `figures/x.svg`. Text is
/// escaped ([`md_text`]) so that no HTML from the data reaches a Markdown viewer.
pub fn to_markdown(doc: &Document) -> String {
    let mut out = format!("# {}\n\n", md_text(&doc.title));
    let colon = match doc.lang {
        Lang::Fr => " :",
        Lang::En => ":",
    };
    if let Some(s) = &doc.subtitle {
        out.push_str(&format!("{}\n\n", md_text(s)));
    }
    for s in &doc.sections {
        out.push_str(&format!("## {}\n\n", md_text(&s.heading)));
        for b in &s.blocks {
            block_md(&mut out, b, colon);
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
