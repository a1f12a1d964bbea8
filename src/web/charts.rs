//! Charts drawn on the server as SVG: they need no script, scale with the
//! page, and take their colours from the stylesheet (light and dark).

use maud::{html, Markup};

use super::format;
use super::queries::TimelinePoint;

/// A bar `share` (0 to 1) of its track, drawn in SVG that stretches to the
/// width of its container; the words around it are HTML, so they wrap and
/// keep their size on a phone.
fn track(share: f64, class: &str, quorum: Option<f64>) -> Markup {
    html! {
        svg class="bar-track" viewBox="0 0 100 4" preserveAspectRatio="none" aria-hidden="true" {
            rect class="bar-bg" x="0" y="0" width="100" height="4" rx="1" {}
            rect class=(class) x="0" y="0" width=(format!("{:.2}", 100.0 * share.clamp(0.0, 1.0))) height="4" rx="1" {}
            @if let Some(mark) = quorum {
                line class="quorum-mark" x1=(format!("{:.2}", 100.0 * mark)) x2=(format!("{:.2}", 100.0 * mark)) y1="0" y2="4" {}
            }
        }
    }
}

/// One bar per choice: its score and share of the total; the leading
/// choice's bar is marked.
pub fn bars(id: &str, title: &str, names: &[&str], scores: &[f64], symbol: &str) -> Markup {
    let total: f64 = scores.iter().sum();
    let lead = scores.iter().copied().fold(0.0_f64, f64::max);
    html! {
        figure class="chart bars" id=(id) aria-labelledby=(format!("{id}-title")) {
            figcaption id=(format!("{id}-title")) class="visually-hidden" { (title) }
            @for (i, name) in names.iter().enumerate() {
                @let score = scores.get(i).copied().unwrap_or(0.0);
                @let share = if total > 0.0 { score / total } else { 0.0 };
                div class="bar-row" {
                    div class="bar-text" {
                        span class="bar-label" { (name) }
                        span class="bar-value" {
                            (format::power(score)) " " (symbol) " · " (format::percent(score, total))
                        }
                    }
                    (track(share, if score > 0.0 && score == lead { "bar lead" } else { "bar" }, None))
                }
            }
        }
    }
}

/// Turnout against the quorum: the bar is the total, the mark the quorum.
pub fn quorum(total: f64, quorum: f64, symbol: &str) -> Markup {
    let scale = (quorum * 1.25).max(total).max(f64::MIN_POSITIVE);
    html! {
        figure class="chart quorum" aria-labelledby="quorum-title" {
            figcaption id="quorum-title" class="bar-text" {
                span class="bar-label" { "Turnout " (format::power(total)) " " (symbol) }
                span class="bar-value" { "quorum " (format::power(quorum)) " " (symbol) }
            }
            (track(total / scale, if total >= quorum { "bar lead" } else { "bar" }, Some(quorum / scale)))
        }
    }
}

/// Cumulative voting power over the voting period `[from, to)`, drawn up
/// to `upto` (now, for a proposal still open).
pub fn timeline(points: &[TimelinePoint], from: i64, to: i64, upto: i64, symbol: &str) -> Markup {
    const WIDTH: f64 = 600.0;
    const HEIGHT: f64 = 120.0;
    let span = (to - from).max(1) as f64;
    let total: f64 = points.iter().map(|p| p.vp).sum();
    let x = |time: i64| WIDTH * ((time - from).clamp(0, to - from) as f64) / span;
    let y = |vp: f64| {
        if total > 0.0 {
            HEIGHT - HEIGHT * vp / total
        } else {
            HEIGHT
        }
    };
    let mut line = format!("M0 {HEIGHT}");
    let mut sum = 0.0;
    for point in points {
        line.push_str(&format!(" L{:.1} {:.1}", x(point.time), y(sum)));
        sum += point.vp;
        line.push_str(&format!(" L{:.1} {:.1}", x(point.time), y(sum)));
    }
    let last = x(upto.clamp(from, to)).max(points.last().map_or(0.0, |p| x(p.time)));
    line.push_str(&format!(" L{last:.1} {:.1}", y(sum)));
    let area = format!("{line} L{last:.1} {HEIGHT} Z");
    let votes: i64 = points.iter().map(|p| p.votes).sum();
    html! {
        figure class="chart timeline" aria-labelledby="timeline-title" {
            figcaption id="timeline-title" class="visually-hidden" {
                "Voting power over time: " (format::power(total)) " " (symbol) " from "
                (format::count(votes, "vote")) " between " (format::date(from)) " and " (format::date(to))
            }
            p class="bar-value" aria-hidden="true" { (format::power(total)) " " (symbol) }
            svg class="plot" viewBox=(format!("0 0 {WIDTH} {HEIGHT}")) preserveAspectRatio="none" aria-hidden="true" {
                path class="area" d=(area) {}
                path class="line" d=(line) {}
                line class="axis" x1="0" x2=(WIDTH) y1=(HEIGHT) y2=(HEIGHT) {}
            }
            div class="bar-text" aria-hidden="true" {
                span class="tick" { (format::date(from)) }
                span class="tick" { (format::date(to)) }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bars_are_shares_of_the_total_and_escape_names() {
        let svg = bars("r", "Results", &["A <b>", "B"], &[3.0, 1.0], "BTRST").into_string();
        assert!(svg.contains(r#"width="75.00""#), "{svg}");
        assert!(svg.contains(r#"width="25.00""#), "{svg}");
        assert!(svg.contains("A &lt;b&gt;"), "{svg}");
        assert!(svg.contains("3 BTRST · 75%"), "{svg}");
        assert_eq!(svg.matches("bar lead").count(), 1);
    }

    #[test]
    fn an_empty_timeline_is_flat_and_the_line_climbs_to_the_total() {
        let flat = timeline(&[], 0, 100, 100, "T").into_string();
        assert!(flat.contains(r#"d="M0 120 L600.0 120.0""#), "{flat}");
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
        let svg = timeline(&points, 0, 100, 100, "T").into_string();
        assert!(svg.contains("L300.0 90.0 L300.0 0.0 L600.0 0.0"), "{svg}");
        // An open proposal's line stops at now.
        let open = timeline(&points, 0, 100, 75, "T").into_string();
        assert!(open.contains("L300.0 0.0 L450.0 0.0\""), "{open}");
    }
}
