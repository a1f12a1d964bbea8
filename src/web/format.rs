//! Numbers, times and addresses as people read them. All in UTC, so a page
//! reads the same on any server; the `<time>` elements carry ISO 8601.

use time::OffsetDateTime;

/// Voting power or a score: thousands grouped, at most four decimals, no
/// trailing zeros (`1,234.5`, `0.0001`, `250.5`).
pub fn power(value: f64) -> String {
    if !value.is_finite() {
        return "–".into();
    }
    let fixed = format!("{:.4}", value.abs());
    let (whole, fraction) = fixed.split_once('.').unwrap_or((&fixed, ""));
    let mut grouped = String::with_capacity(whole.len() + whole.len() / 3);
    for (i, digit) in whole.chars().enumerate() {
        if i > 0 && (whole.len() - i) % 3 == 0 {
            grouped.push(',');
        }
        grouped.push(digit);
    }
    let fraction = fraction.trim_end_matches('0');
    let sign = if value < 0.0 && (whole != "0" || !fraction.is_empty()) {
        "-"
    } else {
        ""
    };
    if fraction.is_empty() {
        format!("{sign}{grouped}")
    } else {
        format!("{sign}{grouped}.{fraction}")
    }
}

/// `part` of `total` as a percentage with one decimal (`0%` of nothing).
pub fn percent(part: f64, total: f64) -> String {
    if total > 0.0 && part.is_finite() {
        let value = part / total * 100.0;
        let text = format!("{value:.1}");
        format!("{}%", text.trim_end_matches(".0"))
    } else {
        "0%".into()
    }
}

fn datetime(unix: i64) -> Option<OffsetDateTime> {
    OffsetDateTime::from_unix_timestamp(unix).ok()
}

/// `2 Dec 2026, 07:10 UTC`.
pub fn date(unix: i64) -> String {
    match datetime(unix) {
        Some(t) => format!(
            "{} {} {}, {:02}:{:02} UTC",
            t.day(),
            &format!("{}", t.month())[..3],
            t.year(),
            t.hour(),
            t.minute()
        ),
        None => unix.to_string(),
    }
}

/// ISO 8601 for `<time datetime>`.
pub fn iso(unix: i64) -> String {
    match datetime(unix) {
        Some(t) => format!(
            "{:04}-{:02}-{:02}T{:02}:{:02}:{:02}Z",
            t.year(),
            u8::from(t.month()),
            t.day(),
            t.hour(),
            t.minute(),
            t.second()
        ),
        None => String::new(),
    }
}

/// How far `unix` is from `now`, in the largest whole unit: `in 3 days`,
/// `2 hours ago`.
pub fn relative(unix: i64, now: i64) -> String {
    let seconds = (unix - now).unsigned_abs();
    let (amount, unit) = match seconds {
        0..=59 => return "now".into(),
        60..=3599 => (seconds / 60, "minute"),
        3600..=86_399 => (seconds / 3600, "hour"),
        _ => (seconds / 86_400, "day"),
    };
    let plural = if amount == 1 { "" } else { "s" };
    if unix > now {
        format!("in {amount} {unit}{plural}")
    } else {
        format!("{amount} {unit}{plural} ago")
    }
}

/// `0x1234…abcd` for an address, the whole of anything shorter.
pub fn short_address(address: &str) -> String {
    match (
        address.get(..6),
        address.get(address.len().saturating_sub(4)..),
    ) {
        (Some(head), Some(tail)) if address.len() > 12 => format!("{head}…{tail}"),
        _ => address.to_string(),
    }
}

/// A long hash or CID cut in the middle for display.
pub fn short_hash(hash: &str) -> String {
    match (hash.get(..10), hash.get(hash.len().saturating_sub(6)..)) {
        (Some(head), Some(tail)) if hash.len() > 20 => format!("{head}…{tail}"),
        _ => hash.to_string(),
    }
}

/// A duration in seconds as words (`3 days`, `1 hour`, `none`).
pub fn duration(seconds: i64) -> String {
    match seconds {
        s if s <= 0 => "none".into(),
        s if s % 86_400 == 0 => count(s / 86_400, "day"),
        s if s % 3600 == 0 => count(s / 3600, "hour"),
        s if s % 60 == 0 => count(s / 60, "minute"),
        s => count(s, "second"),
    }
}

/// `1 vote`, `2 votes`.
pub fn count(amount: i64, unit: &str) -> String {
    if amount == 1 {
        format!("1 {unit}")
    } else {
        format!("{amount} {unit}s")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn powers_are_grouped_and_trimmed() {
        assert_eq!(power(0.0), "0");
        assert_eq!(power(250.5), "250.5");
        assert_eq!(power(1_234_567.891_23), "1,234,567.8912");
        assert_eq!(power(999.999_99), "1,000");
        assert_eq!(power(0.000_01), "0");
        assert_eq!(power(-1500.0), "-1,500");
        assert_eq!(power(f64::NAN), "–");
        // An 18-decimal balance as a float: shown to four decimals.
        assert_eq!(
            power("123456789.123456789012345678".parse().unwrap()),
            "123,456,789.1235"
        );
    }

    #[test]
    fn percents_dates_and_spans() {
        assert_eq!(percent(1.0, 3.0), "33.3%");
        assert_eq!(percent(1.0, 1.0), "100%");
        assert_eq!(percent(1.0, 0.0), "0%");
        assert_eq!(date(1_796_165_236), "1 Dec 2026, 22:47 UTC");
        assert_eq!(iso(1_796_165_236), "2026-12-01T22:47:16Z");
        assert_eq!(relative(1000 + 3 * 86_400, 1000), "in 3 days");
        assert_eq!(relative(1000, 1000 + 7200), "2 hours ago");
        assert_eq!(relative(1000, 1030), "now");
        assert_eq!(duration(7 * 86_400), "7 days");
        assert_eq!(duration(0), "none");
        assert_eq!(
            short_address("0xf39Fd6e51aad88F6F4ce6aB8827279cffFb92266"),
            "0xf39F…2266"
        );
    }
}
