//! Charts drawn on the server as SVG: they need no script, scale with the
//! page, and take their colours from the stylesheet (light and dark).

use maud::{html, Markup};

use super::format;
use super::queries::TimelinePoint;

const WIDTH: f64 = 600.0;
/// Longest choice name drawn in a chart (SVG text does not wrap); the
/// whole name stays in the chart's table.
const LABEL_CHARS: usize = 28;

fn label(text: &str) -> String {
    if text.chars().count() > LABEL_CHARS {
        let cut: String = text.chars().take(LABEL_CHARS - 1).collect();
        format!("{cut}…")
    } else {
        text.to_string()
    }
}

/// One bar per choice: its score and share of the total; the leading
/// choice's bar is marked.
pub fn bars(id: &str, title: &str, names: &[&str], scores: &[f64], symbol: &str) -> Markup {
    const ROW: f64 = 50.0;
    let total: f64 = scores.iter().sum();
    let lead = scores.iter().copied().fold(0.0_f64, f64::max);
    let height = ROW * names.len().max(1) as f64;
    html! {
        svg class="chart bars" id=(id) viewBox=(format!("0 0 {WIDTH} {height}")) role="img"
            aria-labelledby=(format!("{id}-title")) {
            title id=(format!("{id}-title")) { (title) }
            @for (i, name) in names.iter().enumerate() {
                @let score = scores.get(i).copied().unwrap_or(0.0);
                @let y = i as f64 * ROW;
                @let share = if total > 0.0 { score / total } else { 0.0 };
                text class="bar-label" x="0" y=(y + 20.0) { (label(name)) }
                text class="bar-value" x=(WIDTH) y=(y + 20.0) text-anchor="end" {
                    (format::power(score)) " " (symbol) " · " (format::percent(score, total))
                }
                rect class="bar-bg" x="0" y=(y + 28.0) width=(WIDTH) height="12" rx="3" {}
                rect class=(if score > 0.0 && score == lead { "bar lead" } else { "bar" })
                    x="0" y=(y + 28.0) width=(format!("{:.2}", WIDTH * share)) height="12" rx="3" {}
            }
        }
    }
}

/// Turnout against the quorum: the bar is the total, the mark the quorum.
pub fn quorum(total: f64, quorum: f64, symbol: &str) -> Markup {
    let scale = (quorum * 1.25).max(total).max(f64::MIN_POSITIVE);
    let mark = WIDTH * quorum / scale;
    html! {
        svg class="chart quorum" viewBox=(format!("0 0 {WIDTH} 52")) role="img" aria-labelledby="quorum-title" {
            title id="quorum-title" {
                "Turnout " (format::power(total)) " " (symbol) " of a quorum of "
                (format::power(quorum)) " " (symbol)
            }
            rect class="bar-bg" x="0" y="8" width=(WIDTH) height="14" rx="3" {}
            rect class=(if total >= quorum { "bar lead" } else { "bar" }) x="0" y="8"
                width=(format!("{:.2}", WIDTH * total / scale)) height="14" rx="3" {}
            line class="quorum-mark" x1=(format!("{mark:.2}")) x2=(format!("{mark:.2}")) y1="2" y2="28" {}
            text class="tick" x=(format!("{:.2}", mark.min(WIDTH - 4.0))) y="46"
                text-anchor=(if mark > WIDTH / 2.0 { "end" } else { "start" }) {
                "quorum " (format::power(quorum))
            }
        }
    }
}

/// Cumulative voting power over the voting period, from its start to `to`.
pub fn timeline(points: &[TimelinePoint], from: i64, to: i64, symbol: &str) -> Markup {
    const HEIGHT: f64 = 160.0;
    const TOP: f64 = 12.0;
    const BOTTOM: f64 = 136.0;
    let span = (to - from).max(1) as f64;
    let total: f64 = points.iter().map(|p| p.vp).sum();
    let x = |time: i64| WIDTH * ((time - from).clamp(0, to - from) as f64) / span;
    let y = |vp: f64| {
        if total > 0.0 {
            BOTTOM - (BOTTOM - TOP) * vp / total
        } else {
            BOTTOM
        }
    };
    let mut line = format!("M0 {BOTTOM}");
    let mut sum = 0.0;
    for point in points {
        line.push_str(&format!(" L{:.1} {:.1}", x(point.time), y(sum)));
        sum += point.vp;
        line.push_str(&format!(" L{:.1} {:.1}", x(point.time), y(sum)));
    }
    line.push_str(&format!(" L{WIDTH} {:.1}", y(sum)));
    let area = format!("{line} L{WIDTH} {BOTTOM} Z");
    let votes: i64 = points.iter().map(|p| p.votes).sum();
    html! {
        svg class="chart timeline" viewBox=(format!("0 0 {WIDTH} {HEIGHT}")) role="img" aria-labelledby="timeline-title" {
            title id="timeline-title" {
                "Voting power over time: " (format::power(total)) " " (symbol) " from "
                (votes) " votes between " (format::date(from)) " and " (format::date(to))
            }
            path class="area" d=(area) {}
            path class="line" d=(line) {}
            line class="axis" x1="0" x2=(WIDTH) y1=(BOTTOM) y2=(BOTTOM) {}
            text class="tick" x="0" y=(HEIGHT - 4.0) { (format::date(from)) }
            text class="tick" x=(WIDTH) y=(HEIGHT - 4.0) text-anchor="end" { (format::date(to)) }
            text class="tick" x="4" y=(TOP + 4.0) { (format::power(total)) " " (symbol) }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bars_are_shares_of_the_total_and_escape_names() {
        let svg = bars("r", "Results", &["A <b>", "B"], &[3.0, 1.0], "BTRST").into_string();
        assert!(svg.contains(r#"width="450.00""#), "{svg}");
        assert!(svg.contains(r#"width="150.00""#), "{svg}");
        assert!(svg.contains("A &lt;b&gt;"), "{svg}");
        assert!(svg.contains("3 BTRST · 75%"), "{svg}");
        assert_eq!(svg.matches("bar lead").count(), 1);
    }

    #[test]
    fn an_empty_timeline_is_flat_and_the_line_climbs_to_the_total() {
        let flat = timeline(&[], 0, 100, "T").into_string();
        assert!(flat.contains(r#"d="M0 136 L600 136.0""#), "{flat}");
        let points = [
            TimelinePoint {
                time: 0,
                votes: 1,
                vp: 1.0,
            },
            TimelinePoint {
                time: 50,
                votes: 1,
                vp: 3.0,
            },
        ];
        let svg = timeline(&points, 0, 100, "T").into_string();
        assert!(svg.contains("L300.0 105.0 L300.0 12.0 L600 12.0"), "{svg}");
    }
}
