//! SVG figures drawn with plotters: trajectories with bands, dynamic effects with error bars,
//! Kaplan–Meier step curves, stacked bars and histograms.
//!
//! All figures share one size, one set of font sizes and one colour-blind-safe palette
//! (Okabe & Ito 2008, "Color Universal Design"), so a group keeps its colour across figures.
//! Tick labels follow the report language's number format (decimal comma in French). SVG
//! text needs no font file: plotters' naive text metrics are used for layout and the browser
//! draws the glyphs. Each function is a pure map from plain numbers to an SVG string.

use super::i18n;
use crate::config::Lang;
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};

/// Okabe–Ito palette in series order: blue, vermillion, bluish green, orange, reddish purple,
/// sky blue, yellow, black.
pub const PALETTE: [RGBColor; 8] = [
    RGBColor(0x00, 0x72, 0xB2),
    RGBColor(0xD5, 0x5E, 0x00),
    RGBColor(0x00, 0x9E, 0x73),
    RGBColor(0xE6, 0x9F, 0x00),
    RGBColor(0xCC, 0x79, 0xA7),
    RGBColor(0x56, 0xB4, 0xE9),
    RGBColor(0xF0, 0xE4, 0x42),
    RGBColor(0x00, 0x00, 0x00),
];

/// Colours of label levels 0–3 (grey for "none", then increasingly strong Okabe–Ito hues).
pub const LEVEL_COLOURS: [RGBColor; 4] = [
    RGBColor(0xBB, 0xBB, 0xBB),
    RGBColor(0x56, 0xB4, 0xE9),
    RGBColor(0x00, 0x72, 0xB2),
    RGBColor(0x00, 0x9E, 0x73),
];

/// Figure size in SVG user units (pixels).
pub const SIZE: (u32, u32) = (820, 460);
const FONT: &str = "sans-serif";
const TICK_PT: u32 = 18;
const AXIS_PT: u32 = 20;
const LEGEND_PT: u32 = 18;

/// A figure could not be drawn.
#[derive(Debug, thiserror::Error)]
pub enum FigureError {
    #[error("figure `{figure}` has no data to draw")]
    Empty { figure: &'static str },
    #[error("figure `{figure}`: {message}")]
    Draw {
        figure: &'static str,
        message: String,
    },
}

/// A series with a 95% band: points `(x, y, lower, upper)`.
#[derive(Debug, Clone, Default)]
pub struct BandSeries {
    /// Legend label.
    pub label: String,
    /// Points in increasing x.
    pub points: Vec<(f64, f64, f64, f64)>,
}

/// Axis labels (with units) and tick formatting.
#[derive(Debug, Clone, Default)]
pub struct Axes {
    /// X axis label, with unit.
    pub x_label: String,
    /// Y axis label, with unit.
    pub y_label: String,
    /// Language of tick labels.
    pub lang: Lang,
    /// Decimals of y ticks.
    pub y_decimals: usize,
    /// Optional labels for integer x positions (e.g. period names); else numbers.
    pub x_tick_labels: Vec<(f64, String)>,
}

fn colour(i: usize) -> RGBColor {
    PALETTE[i % PALETTE.len()]
}

fn pad_range(lo: f64, hi: f64, frac: f64) -> (f64, f64) {
    if !(lo.is_finite() && hi.is_finite()) {
        return (0.0, 1.0);
    }
    if hi - lo < 1e-12 {
        let d = if lo.abs() > 1e-12 {
            lo.abs() * 0.1
        } else {
            1.0
        };
        return (lo - d, hi + d);
    }
    let d = (hi - lo) * frac;
    (lo - d, hi + d)
}

fn minmax<I: IntoIterator<Item = f64>>(it: I) -> Option<(f64, f64)> {
    let mut lo = f64::INFINITY;
    let mut hi = f64::NEG_INFINITY;
    for v in it {
        if v.is_finite() {
            lo = lo.min(v);
            hi = hi.max(v);
        }
    }
    (lo <= hi).then_some((lo, hi))
}

type DynErr = Box<dyn std::error::Error>;

fn finish(figure: &'static str, r: Result<(), DynErr>, buf: String) -> Result<String, FigureError> {
    r.map_err(|e| FigureError::Draw {
        figure,
        message: e.to_string(),
    })?;
    Ok(buf)
}

fn x_tick_text(axes: &Axes, x: f64) -> String {
    if !axes.x_tick_labels.is_empty() {
        return axes
            .x_tick_labels
            .iter()
            .find(|(v, _)| (v - x).abs() < 1e-9)
            .map(|(_, s)| s.clone())
            .unwrap_or_default();
    }
    if (x - x.round()).abs() < 1e-9 {
        i18n::num(x, 0, axes.lang)
    } else {
        i18n::num(x, 1, axes.lang)
    }
}

/// Lines with shaded 95% bands (trajectories of exposed vs comparison).
pub fn line_with_bands(series: &[BandSeries], axes: &Axes) -> Result<String, FigureError> {
    const FIG: &str = "line_with_bands";
    let xs = minmax(series.iter().flat_map(|s| s.points.iter().map(|p| p.0)))
        .ok_or(FigureError::Empty { figure: FIG })?;
    let ys = minmax(
        series
            .iter()
            .flat_map(|s| s.points.iter().flat_map(|p| [p.1, p.2, p.3])),
    )
    .ok_or(FigureError::Empty { figure: FIG })?;
    let (x0, x1) = pad_range(xs.0, xs.1, 0.02);
    let (y0, y1) = pad_range(ys.0, ys.1, 0.08);
    let n_xticks = if axes.x_tick_labels.is_empty() {
        10
    } else {
        axes.x_tick_labels.len().min(12)
    };
    let mut buf = String::new();
    let r = (|| -> Result<(), DynErr> {
        let root = SVGBackend::with_string(&mut buf, SIZE).into_drawing_area();
        root.fill(&WHITE)?;
        let mut chart = ChartBuilder::on(&root)
            .margin(14)
            .x_label_area_size(64)
            .y_label_area_size(80)
            .build_cartesian_2d(x0..x1, y0..y1)?;
        chart
            .configure_mesh()
            .light_line_style(WHITE.mix(0.0))
            .bold_line_style(BLACK.mix(0.08))
            .x_labels(n_xticks)
            .y_labels(8)
            .x_label_formatter(&|x| x_tick_text(axes, *x))
            .y_label_formatter(&|y| i18n::num(*y, axes.y_decimals, axes.lang))
            .x_desc(axes.x_label.as_str())
            .y_desc(axes.y_label.as_str())
            .label_style((FONT, TICK_PT))
            .axis_desc_style((FONT, AXIS_PT))
            .draw()?;
        for (i, s) in series.iter().enumerate() {
            let c = colour(i);
            let mut poly: Vec<(f64, f64)> = s.points.iter().map(|p| (p.0, p.3)).collect();
            poly.extend(s.points.iter().rev().map(|p| (p.0, p.2)));
            chart.draw_series(std::iter::once(Polygon::new(poly, c.mix(0.18).filled())))?;
            chart
                .draw_series(LineSeries::new(
                    s.points.iter().map(|p| (p.0, p.1)),
                    c.stroke_width(3),
                ))?
                .label(s.label.as_str())
                .legend(move |(x, y)| {
                    PathElement::new(vec![(x, y), (x + 24, y)], c.stroke_width(3))
                });
            chart.draw_series(
                s.points
                    .iter()
                    .map(|p| Circle::new((p.0, p.1), 4, c.filled())),
            )?;
        }
        chart
            .configure_series_labels()
            .position(SeriesLabelPosition::UpperLeft)
            .background_style(WHITE.mix(0.85))
            .border_style(BLACK.mix(0.3))
            .label_font((FONT, LEGEND_PT))
            .draw()?;
        root.present()?;
        Ok(())
    })();
    finish(FIG, r, buf)
}

/// A series of points with vertical 95% error bars.
#[derive(Debug, Clone, Default)]
pub struct ErrorSeries {
    /// Legend label.
    pub label: String,
    /// Points `(x, estimate, lower, upper)`.
    pub points: Vec<(f64, f64, f64, f64)>,
}

/// Points with error bars, a horizontal reference line at 0 and a dashed vertical line at
/// `vline` (−0.5 for event studies: between the last pre-period and exposure). Several
/// series are dodged horizontally so their bars do not overlap.
pub fn points_with_error_bars(
    series: &[ErrorSeries],
    axes: &Axes,
    vline: Option<f64>,
) -> Result<String, FigureError> {
    const FIG: &str = "points_with_error_bars";
    let xs = minmax(series.iter().flat_map(|s| s.points.iter().map(|p| p.0)))
        .ok_or(FigureError::Empty { figure: FIG })?;
    let ys = minmax(
        series
            .iter()
            .flat_map(|s| s.points.iter().flat_map(|p| [p.1, p.2, p.3]))
            .chain([0.0]),
    )
    .ok_or(FigureError::Empty { figure: FIG })?;
    let (x0, x1) = (xs.0 - 0.7, xs.1 + 0.7);
    let (y0, y1) = pad_range(ys.0, ys.1, 0.08);
    let n = series.len().max(1) as f64;
    let mut buf = String::new();
    let r = (|| -> Result<(), DynErr> {
        let root = SVGBackend::with_string(&mut buf, SIZE).into_drawing_area();
        root.fill(&WHITE)?;
        let mut chart = ChartBuilder::on(&root)
            .margin(14)
            .x_label_area_size(64)
            .y_label_area_size(80)
            .build_cartesian_2d(x0..x1, y0..y1)?;
        let span = (xs.1 - xs.0).round() as usize + 1;
        chart
            .configure_mesh()
            .light_line_style(WHITE.mix(0.0))
            .bold_line_style(BLACK.mix(0.08))
            .x_labels(span.min(16) + 2)
            .y_labels(8)
            .x_label_formatter(&|x| {
                if (x - x.round()).abs() < 1e-6 {
                    i18n::num(*x, 0, axes.lang)
                } else {
                    String::new()
                }
            })
            .y_label_formatter(&|y| i18n::num(*y, axes.y_decimals, axes.lang))
            .x_desc(axes.x_label.as_str())
            .y_desc(axes.y_label.as_str())
            .label_style((FONT, TICK_PT))
            .axis_desc_style((FONT, AXIS_PT))
            .draw()?;
        chart.draw_series(std::iter::once(PathElement::new(
            vec![(x0, 0.0), (x1, 0.0)],
            BLACK.stroke_width(1),
        )))?;
        if let Some(v) = vline {
            chart.draw_series(DashedLineSeries::new(
                vec![(v, y0), (v, y1)],
                6,
                5,
                BLACK.mix(0.6).stroke_width(1),
            ))?;
        }
        for (i, s) in series.iter().enumerate() {
            let c = colour(i);
            let dx = if n > 1.0 {
                (i as f64 - (n - 1.0) / 2.0) * 0.18
            } else {
                0.0
            };
            let cap = 0.07;
            chart.draw_series(s.points.iter().flat_map(|p| {
                let x = p.0 + dx;
                [
                    PathElement::new(vec![(x, p.2), (x, p.3)], c.stroke_width(2)),
                    PathElement::new(vec![(x - cap, p.2), (x + cap, p.2)], c.stroke_width(2)),
                    PathElement::new(vec![(x - cap, p.3), (x + cap, p.3)], c.stroke_width(2)),
                ]
            }))?;
            chart
                .draw_series(
                    s.points
                        .iter()
                        .map(|p| Circle::new((p.0 + dx, p.1), 5, c.filled())),
                )?
                .label(s.label.as_str())
                .legend(move |(x, y)| Circle::new((x + 10, y), 5, c.filled()));
        }
        chart
            .configure_series_labels()
            .position(SeriesLabelPosition::UpperLeft)
            .background_style(WHITE.mix(0.85))
            .border_style(BLACK.mix(0.3))
            .label_font((FONT, LEGEND_PT))
            .draw()?;
        root.present()?;
        Ok(())
    })();
    finish(FIG, r, buf)
}

/// Kaplan–Meier step curves with shaded bands; y in percent. Points are `(t, S, lo, hi)` at
/// each event time; the curve starts at (0, 1) and is right-continuous (a step at t drops at t).
pub fn km_steps(series: &[BandSeries], axes: &Axes) -> Result<String, FigureError> {
    const FIG: &str = "km_steps";
    let xmax = minmax(series.iter().flat_map(|s| s.points.iter().map(|p| p.0)))
        .ok_or(FigureError::Empty { figure: FIG })?
        .1;
    let ymin = minmax(series.iter().flat_map(|s| s.points.iter().map(|p| p.2)))
        .map(|m| m.0)
        .unwrap_or(0.0);
    let y0 = ((ymin * 10.0).floor() / 10.0).clamp(0.0, 0.9) * 100.0;
    let mut buf = String::new();
    let r = (|| -> Result<(), DynErr> {
        let root = SVGBackend::with_string(&mut buf, SIZE).into_drawing_area();
        root.fill(&WHITE)?;
        let mut chart = ChartBuilder::on(&root)
            .margin(14)
            .x_label_area_size(64)
            .y_label_area_size(80)
            .build_cartesian_2d(0.0..xmax * 1.02, y0..100.5)?;
        chart
            .configure_mesh()
            .light_line_style(WHITE.mix(0.0))
            .bold_line_style(BLACK.mix(0.08))
            .x_labels(10)
            .y_labels(8)
            .x_label_formatter(&|x| i18n::num(*x, 0, axes.lang))
            .y_label_formatter(&|y| i18n::num(*y, 0, axes.lang))
            .x_desc(axes.x_label.as_str())
            .y_desc(axes.y_label.as_str())
            .label_style((FONT, TICK_PT))
            .axis_desc_style((FONT, AXIS_PT))
            .draw()?;
        for (i, s) in series.iter().enumerate() {
            let c = colour(i);
            // Step path: (0,1) then horizontal to each t, then vertical to S(t).
            let mut line = vec![(0.0, 100.0)];
            let mut upper = vec![(0.0, 100.0)];
            let mut lower = vec![(0.0, 100.0)];
            let (mut prev_s, mut prev_lo, mut prev_hi) = (100.0, 100.0, 100.0);
            for p in &s.points {
                line.push((p.0, prev_s));
                line.push((p.0, 100.0 * p.1));
                upper.push((p.0, prev_hi));
                upper.push((p.0, 100.0 * p.3));
                lower.push((p.0, prev_lo));
                lower.push((p.0, 100.0 * p.2));
                prev_s = 100.0 * p.1;
                prev_lo = 100.0 * p.2;
                prev_hi = 100.0 * p.3;
            }
            line.push((xmax, prev_s));
            upper.push((xmax, prev_hi));
            lower.push((xmax, prev_lo));
            let mut poly = upper.clone();
            poly.extend(lower.iter().rev().copied());
            chart.draw_series(std::iter::once(Polygon::new(poly, c.mix(0.16).filled())))?;
            chart
                .draw_series(LineSeries::new(line, c.stroke_width(3)))?
                .label(s.label.as_str())
                .legend(move |(x, y)| {
                    PathElement::new(vec![(x, y), (x + 24, y)], c.stroke_width(3))
                });
        }
        for h in [182.0, 365.0] {
            if h <= xmax {
                chart.draw_series(DashedLineSeries::new(
                    vec![(h, y0), (h, 100.5)],
                    6,
                    5,
                    BLACK.mix(0.45).stroke_width(1),
                ))?;
            }
        }
        chart
            .configure_series_labels()
            .position(SeriesLabelPosition::LowerLeft)
            .background_style(WHITE.mix(0.85))
            .border_style(BLACK.mix(0.3))
            .label_font((FONT, LEGEND_PT))
            .draw()?;
        root.present()?;
        Ok(())
    })();
    finish(FIG, r, buf)
}

/// Width of the category-name area: room for the longest name (about 8 px a character at
/// the tick size), between 90 and 300 px.
fn name_area(categories: &[String]) -> u32 {
    let longest = categories
        .iter()
        .map(|c| c.chars().count())
        .max()
        .unwrap_or(0);
    (40 + 8 * longest as u32).clamp(90, 300)
}

/// One horizontal bar per category, split into stacked shares (e.g. label levels), as
/// percentages of the category total. `stacks[k].1[i]` is the count of part k in category i.
pub fn stacked_share_bars(
    categories: &[String],
    stacks: &[(String, Vec<f64>)],
    colours: &[RGBColor],
    axes: &Axes,
) -> Result<String, FigureError> {
    const FIG: &str = "stacked_share_bars";
    if categories.is_empty() || stacks.is_empty() {
        return Err(FigureError::Empty { figure: FIG });
    }
    let n = categories.len();
    let height = 150 + 34 * (n as u32).max(3);
    let mut buf = String::new();
    let r = (|| -> Result<(), DynErr> {
        let root = SVGBackend::with_string(&mut buf, (SIZE.0, height)).into_drawing_area();
        root.fill(&WHITE)?;
        let (top, root) = root.split_vertically(44);
        // Legend on its own strip above the plot, so it never hides a bar.
        let mut x = 110i32;
        for (k, (label, _)) in stacks.iter().enumerate() {
            let c = colours.get(k).copied().unwrap_or_else(|| colour(k));
            top.draw(&Rectangle::new([(x, 14), (x + 18, 32)], c.filled()))?;
            let style = TextStyle::from((FONT, LEGEND_PT).into_font())
                .color(&BLACK)
                .pos(Pos::new(HPos::Left, VPos::Center));
            top.draw(&Text::new(label.clone(), (x + 24, 23), style))?;
            x += 24 + (label.chars().count() as i32) * 9 + 28;
        }
        let mut chart = ChartBuilder::on(&root)
            .margin(14)
            .margin_right(30)
            .x_label_area_size(60)
            .y_label_area_size(name_area(categories))
            .build_cartesian_2d(0.0..100.0, 0.0..n as f64)?;
        chart
            .configure_mesh()
            .disable_y_mesh()
            .light_line_style(WHITE.mix(0.0))
            .bold_line_style(BLACK.mix(0.08))
            .x_labels(6)
            .y_labels(0)
            .x_label_formatter(&|x| i18n::num(*x, 0, axes.lang))
            .x_desc(axes.x_label.as_str())
            .y_desc(axes.y_label.as_str())
            .label_style((FONT, TICK_PT))
            .axis_desc_style((FONT, AXIS_PT))
            .draw()?;
        // Category names at the middle of each bar, right-aligned against the axis (drawn
        // by hand: plotters' tick placement would not centre them on the bars).
        let name_style = TextStyle::from((FONT, TICK_PT).into_font())
            .color(&BLACK)
            .pos(Pos::new(HPos::Right, VPos::Center));
        chart.draw_series(categories.iter().enumerate().map(|(i, name)| {
            EmptyElement::at((0.0, (n - 1 - i) as f64 + 0.5))
                + Text::new(name.clone(), (-8, 0), name_style.clone())
        }))?;
        for k in 0..stacks.len() {
            let c = colours.get(k).copied().unwrap_or_else(|| colour(k));
            let rects: Vec<_> = (0..n)
                .filter_map(|i| {
                    let total: f64 = stacks
                        .iter()
                        .map(|s| s.1.get(i).copied().unwrap_or(0.0))
                        .sum();
                    if total <= 0.0 {
                        return None;
                    }
                    let before: f64 = stacks[..k]
                        .iter()
                        .map(|s| s.1.get(i).copied().unwrap_or(0.0))
                        .sum();
                    let v = stacks[k].1.get(i).copied().unwrap_or(0.0);
                    let y = (n - 1 - i) as f64;
                    Some(Rectangle::new(
                        [
                            (100.0 * before / total, y + 0.15),
                            (100.0 * (before + v) / total, y + 0.85),
                        ],
                        c.filled(),
                    ))
                })
                .collect();
            chart.draw_series(rects)?;
        }
        root.present()?;
        Ok(())
    })();
    finish(FIG, r, buf)
}

/// A histogram from bin edges and counts; a `None` count is hidden by statistical secrecy and
/// drawn as a grey bin marked `hidden_label` across the whole height, never as 0.
pub fn histogram(
    edges: &[f64],
    counts: &[Option<u64>],
    hidden_label: &str,
    axes: &Axes,
) -> Result<String, FigureError> {
    const FIG: &str = "histogram";
    if counts.is_empty() || edges.len() != counts.len() + 1 {
        return Err(FigureError::Empty { figure: FIG });
    }
    let ymax = counts.iter().flatten().copied().max().unwrap_or(0).max(1) as f64;
    let (x0, x1) = (edges[0], edges[edges.len() - 1]);
    let mut buf = String::new();
    let r = (|| -> Result<(), DynErr> {
        let root = SVGBackend::with_string(&mut buf, SIZE).into_drawing_area();
        root.fill(&WHITE)?;
        let mut chart = ChartBuilder::on(&root)
            .margin(14)
            .x_label_area_size(64)
            .y_label_area_size(90)
            .build_cartesian_2d(x0..x1, 0.0..ymax * 1.08)?;
        chart
            .configure_mesh()
            .disable_x_mesh()
            .light_line_style(WHITE.mix(0.0))
            .bold_line_style(BLACK.mix(0.08))
            .x_labels(11)
            .y_labels(7)
            .x_label_formatter(&|x| i18n::num(*x, 0, axes.lang))
            .y_label_formatter(&|y| {
                if (y - y.round()).abs() < 1e-9 {
                    i18n::num(*y, 0, axes.lang)
                } else {
                    String::new()
                }
            })
            .x_desc(axes.x_label.as_str())
            .y_desc(axes.y_label.as_str())
            .label_style((FONT, TICK_PT))
            .axis_desc_style((FONT, AXIS_PT))
            .draw()?;
        let c = colour(0);
        chart.draw_series(counts.iter().enumerate().filter_map(|(i, &k)| {
            let k = k?;
            let mut r = Rectangle::new([(edges[i], 0.0), (edges[i + 1], k as f64)], c.filled());
            r.set_margin(0, 0, 1, 1);
            Some(r)
        }))?;
        let grey = RGBColor(0xDD, 0xDD, 0xDD);
        for (i, _) in counts.iter().enumerate().filter(|(_, k)| k.is_none()) {
            let mut r = Rectangle::new([(edges[i], 0.0), (edges[i + 1], ymax)], grey.filled());
            r.set_margin(0, 0, 1, 1);
            chart.draw_series(std::iter::once(r))?;
            let ink = BLACK.mix(0.7);
            let style = TextStyle::from((FONT, TICK_PT).into_font())
                .color(&ink)
                .pos(Pos::new(HPos::Center, VPos::Center));
            chart.draw_series(std::iter::once(Text::new(
                hidden_label.to_string(),
                ((edges[i] + edges[i + 1]) / 2.0, ymax / 2.0),
                style,
            )))?;
        }
        root.present()?;
        Ok(())
    })();
    finish(FIG, r, buf)
}

/// A small sparkline of a score history (for the employer sheet): points `(x, y)` with a
/// y range fixed to 0–100, labelled end points.
pub fn sparkline(points: &[(String, f64)], lang: Lang) -> Result<String, FigureError> {
    const FIG: &str = "sparkline";
    if points.is_empty() {
        return Err(FigureError::Empty { figure: FIG });
    }
    let n = points.len();
    let mut buf = String::new();
    let r = (|| -> Result<(), DynErr> {
        let root = SVGBackend::with_string(&mut buf, (560, 170)).into_drawing_area();
        root.fill(&WHITE)?;
        let mut chart = ChartBuilder::on(&root)
            .margin(10)
            .margin_left(20)
            .margin_right(30)
            .x_label_area_size(34)
            .y_label_area_size(46)
            .build_cartesian_2d(-0.3..(n as f64 - 0.7), 0.0..100.0)?;
        chart
            .configure_mesh()
            .disable_x_mesh()
            .light_line_style(WHITE.mix(0.0))
            .bold_line_style(BLACK.mix(0.08))
            .x_labels(n.min(8))
            .y_labels(3)
            .x_label_formatter(&|x| {
                let i = x.round();
                if (x - i).abs() < 1e-6 && i >= 0.0 {
                    points
                        .get(i as usize)
                        .map(|p| p.0.clone())
                        .unwrap_or_default()
                } else {
                    String::new()
                }
            })
            .y_label_formatter(&|y| i18n::num(*y, 0, lang))
            .label_style((FONT, 20))
            .draw()?;
        let c = colour(0);
        chart.draw_series(LineSeries::new(
            points.iter().enumerate().map(|(i, p)| (i as f64, p.1)),
            c.stroke_width(3),
        ))?;
        chart.draw_series(
            points
                .iter()
                .enumerate()
                .map(|(i, p)| Circle::new((i as f64, p.1), 4, c.filled())),
        )?;
        let last = &points[n - 1];
        let style = TextStyle::from((FONT, 22).into_font())
            .color(&BLACK)
            .pos(Pos::new(HPos::Center, VPos::Bottom));
        chart.draw_series(std::iter::once(Text::new(
            i18n::num(last.1, 0, lang),
            ((n - 1) as f64, (last.1 + 6.0).min(100.0)),
            style,
        )))?;
        root.present()?;
        Ok(())
    })();
    finish(FIG, r, buf)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn axes() -> Axes {
        Axes {
            x_label: "x (jours)".into(),
            y_label: "y (%)".into(),
            lang: Lang::Fr,
            y_decimals: 1,
            x_tick_labels: vec![],
        }
    }

    #[test]
    fn band_figure_is_svg_with_palette_and_labels() {
        let s = vec![
            BandSeries {
                label: "Exposés".into(),
                points: vec![(0.0, 50.0, 48.0, 52.0), (1.0, 51.5, 49.0, 53.0)],
            },
            BandSeries {
                label: "Témoins".into(),
                points: vec![(0.0, 50.0, 48.0, 52.0), (1.0, 50.5, 48.0, 52.0)],
            },
        ];
        let svg = line_with_bands(&s, &axes()).unwrap();
        assert!(svg.starts_with("<svg"));
        assert!(svg.contains("x (jours)") && svg.contains("Témoins"));
        assert!(svg.to_lowercase().contains("#0072b2"));
        assert!(svg.to_lowercase().contains("#d55e00"));
        // Deterministic.
        assert_eq!(svg, line_with_bands(&s, &axes()).unwrap());
    }

    #[test]
    fn empty_inputs_are_errors_not_panics() {
        assert!(line_with_bands(&[], &axes()).is_err());
        assert!(points_with_error_bars(&[], &axes(), Some(-0.5)).is_err());
        assert!(km_steps(&[], &axes()).is_err());
        assert!(histogram(&[0.0], &[], "x", &axes()).is_err());
        assert!(stacked_share_bars(&[], &[], &LEVEL_COLOURS, &axes()).is_err());
    }

    #[test]
    fn one_category_bar_is_drawn() {
        let svg = stacked_share_bars(
            &["35".to_string()],
            &[("a".into(), vec![3.0]), ("b".into(), vec![1.0])],
            &LEVEL_COLOURS,
            &axes(),
        )
        .unwrap();
        // Two filled rectangles (one per part) plus the two legend swatches.
        assert!(svg.matches("<rect").count() > 4, "{svg}");
        assert!(
            svg.contains("text-anchor=\"end\"") && svg.contains("\n35\n"),
            "{svg}"
        );
    }

    #[test]
    fn single_point_and_flat_series_draw() {
        let e = vec![ErrorSeries {
            label: "a".into(),
            points: vec![(0.0, 1.0, 1.0, 1.0)],
        }];
        assert!(points_with_error_bars(&e, &axes(), Some(-0.5)).is_ok());
        let b = vec![BandSeries {
            label: "a".into(),
            points: vec![(3.0, 0.5, 0.5, 0.5)],
        }];
        assert!(line_with_bands(&b, &axes()).is_ok());
        assert!(km_steps(&b, &axes()).is_ok());
    }
}
