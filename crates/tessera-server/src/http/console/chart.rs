//! The usage chart, drawn on the server as SVG: one line per client (tokens per minute), the anomalies as
//! marks at their minute. No script and no style attribute (the console's CSP allows neither): positions
//! are attributes, colours come from classes in `console.css`.

use tessera_core::usage::UsageReport;

/// The drawing's size in SVG units (it scales to the page's width).
pub const WIDTH: f64 = 960.0;
pub const HEIGHT: f64 = 280.0;
const LEFT: f64 = 52.0;
const RIGHT: f64 = 16.0;
const TOP: f64 = 14.0;
const BOTTOM: f64 = 30.0;
/// Lines drawn at most (the busiest clients); the table below lists every client.
pub const MAX_SERIES: usize = 8;

/// One client's line.
#[derive(Debug, Clone, PartialEq)]
pub struct Series {
    pub client_id: String,
    /// `series-N`, whose colour the stylesheet gives.
    pub class: String,
    /// The polyline's `points`.
    pub points: String,
    pub tokens: u64,
}

/// A label on an axis at a position (x for the time axis, y for the rate axis).
#[derive(Debug, Clone, PartialEq)]
pub struct Tick {
    pub at: f64,
    pub label: String,
}

/// An anomaly's mark: a vertical line at its minute, with what it was as the mark's title.
#[derive(Debug, Clone, PartialEq)]
pub struct Mark {
    pub x: f64,
    pub title: String,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Chart {
    pub series: Vec<Series>,
    pub y_ticks: Vec<Tick>,
    pub x_ticks: Vec<Tick>,
    pub marks: Vec<Mark>,
    /// Plot area edges, for the axes.
    pub left: f64,
    pub right: f64,
    pub top: f64,
    pub bottom: f64,
}

/// The smallest of 1, 2, 5 × 10ⁿ at least `v` (so the top of the axis is a round number).
fn nice_ceiling(v: u64) -> u64 {
    let mut step = 1u64;
    loop {
        for m in [1, 2, 5] {
            if step.saturating_mul(m) >= v {
                return step.saturating_mul(m);
            }
        }
        step = step.saturating_mul(10);
    }
}

fn hh_mm(seconds: i64) -> String {
    let minutes = seconds.div_euclid(60);
    format!("{:02}:{:02}", minutes.div_euclid(60).rem_euclid(24), minutes.rem_euclid(60))
}

/// The chart of a report, with `anomalies` as (instant in seconds, title) marked where they fall.
pub fn chart(report: &UsageReport, anomalies: &[(i64, String)]) -> Chart {
    let minutes = report.clients.first().map_or(0, |c| c.tokens_per_minute.len()).max(1);
    let (right, bottom) = (WIDTH - RIGHT, HEIGHT - BOTTOM);
    let step = (right - LEFT) / (minutes.saturating_sub(1).max(1)) as f64;
    let x = |i: usize| LEFT + i as f64 * step;
    let drawn = &report.clients[..report.clients.len().min(MAX_SERIES)];
    let peak = drawn.iter().flat_map(|c| c.tokens_per_minute.iter().copied()).max().unwrap_or(0);
    let top_value = nice_ceiling(peak.max(1));
    let y = |v: u64| bottom - (v as f64 / top_value as f64) * (bottom - TOP);
    let series = drawn
        .iter()
        .enumerate()
        .map(|(n, c)| Series {
            client_id: c.client_id.clone(),
            class: format!("series-{n}"),
            points: c
                .tokens_per_minute
                .iter()
                .enumerate()
                .map(|(i, v)| format!("{:.1},{:.1}", x(i), y(*v)))
                .collect::<Vec<_>>()
                .join(" "),
            tokens: c.tokens,
        })
        .collect();
    let middle = top_value.is_multiple_of(2).then_some(top_value / 2);
    let y_ticks = [Some(0), middle, Some(top_value)]
        .into_iter()
        .flatten()
        .map(|v| Tick { at: y(v), label: format!("{v}/min") })
        .collect();
    let labels = 6.min(minutes);
    let x_ticks = (0..labels)
        .map(|k| {
            let i = if labels > 1 { k * (minutes - 1) / (labels - 1) } else { 0 };
            Tick { at: x(i), label: hh_mm(report.since + 60 * i as i64) }
        })
        .collect();
    let marks = anomalies
        .iter()
        .filter(|(at, _)| *at >= report.since && *at < report.until)
        .map(|(at, title)| Mark { x: x(usize::try_from((at - report.since) / 60).unwrap_or(0)), title: title.clone() })
        .collect();
    Chart { series, y_ticks, x_ticks, marks, left: LEFT, right, top: TOP, bottom }
}

#[cfg(test)]
mod tests {
    use tessera_core::usage::ClientUsage;

    use super::*;

    fn report(rates: &[(&str, Vec<u64>)]) -> UsageReport {
        let clients = rates
            .iter()
            .map(|(id, v)| ClientUsage {
                client_id: (*id).to_owned(),
                tokens: v.iter().sum(),
                tokens_per_minute: v.clone(),
                ..ClientUsage::default()
            })
            .collect();
        UsageReport { realm: "shop".into(), since: 600, until: 600 + 60 * 4, clients }
    }

    #[test]
    fn lines_span_the_plot_scaled_to_a_round_top_and_anomalies_mark_their_minute() {
        let r = report(&[("busy", vec![0, 7, 3, 0]), ("quiet", vec![1, 0, 0, 0])]);
        let c = chart(&r, &[(600 + 60 * 2 + 30, "burst".into()), (10, "before the window".into())]);
        assert_eq!(c.series.len(), 2);
        assert_eq!(c.series[0].class, "series-0");
        // Four minutes from the left edge to the right one; 7 tokens under a top of 10.
        let first: Vec<&str> = c.series[0].points.split(' ').collect();
        assert_eq!(first.len(), 4);
        assert_eq!(first[0], format!("{LEFT:.1},{:.1}", HEIGHT - BOTTOM));
        assert!(first[3].starts_with(&format!("{:.1},", WIDTH - RIGHT)));
        let top = HEIGHT - BOTTOM - 0.7 * (HEIGHT - BOTTOM - TOP);
        assert_eq!(first[1].split(',').nth(1).unwrap(), format!("{top:.1}"));
        assert_eq!(c.y_ticks.last().unwrap().label, "10/min");
        assert_eq!(c.x_ticks.first().unwrap().label, "00:10");
        assert_eq!(c.marks.len(), 1, "only anomalies inside the window are marked");
        let step = (WIDTH - RIGHT - LEFT) / 3.0;
        assert!((c.marks[0].x - (LEFT + 2.0 * step)).abs() < 1e-9);
    }

    #[test]
    fn an_empty_report_draws_axes_without_lines_and_nothing_divides_by_zero() {
        let c = chart(&report(&[]), &[]);
        assert!(c.series.is_empty());
        assert_eq!(c.y_ticks.last().unwrap().label, "1/min");
        assert!(c.x_ticks.iter().all(|t| t.at.is_finite()));
        assert_eq!(nice_ceiling(11), 20);
        assert_eq!(nice_ceiling(u64::MAX).max(1), nice_ceiling(u64::MAX));
    }
}
