//! Reports: JSON, Markdown, self-contained HTML and SVG figures (issue #7).
