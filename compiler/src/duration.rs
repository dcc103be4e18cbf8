//! Durations as people write them in flows, YAML, scenario files and the
//! campaign API: a whole number and one unit, `500ms`, `5s`, `2m`, `1h`.
//! The one rule for reading and writing them.

/// `5s` → 5000 (milliseconds). `None` for anything else: no unit, another
/// unit, a fraction, a sign or spaces, or more than `u64` milliseconds.
pub fn parse_ms(text: &str) -> Option<u64> {
    let (digits, unit) = split(text)?;
    digits.parse::<u64>().ok()?.checked_mul(unit)
}

/// Like [`parse_ms`], but a duration too long for a `u64` of milliseconds
/// is `u64::MAX` (for the parsers, whose literals the checker then finds
/// out of range) rather than no duration at all.
pub fn parse_ms_saturating(text: &str) -> Option<u64> {
    let (digits, unit) = split(text)?;
    Some(
        digits
            .parse::<u64>()
            .unwrap_or(u64::MAX)
            .saturating_mul(unit),
    )
}

/// The digits and the unit's size in milliseconds, when `text` is shaped
/// as a duration.
fn split(text: &str) -> Option<(&str, u64)> {
    let digits_end = text.find(|c: char| !c.is_ascii_digit())?;
    let unit = match &text[digits_end..] {
        "ms" => 1,
        "s" => 1_000,
        "m" => 60_000,
        "h" => 3_600_000,
        _ => return None,
    };
    (digits_end > 0).then_some((&text[..digits_end], unit))
}

/// The largest unit that divides evenly: 5000 → `5s`, 120000 → `2m`,
/// 1500 → `1500ms`. [`parse_ms`] reads it back.
pub fn format_ms(ms: u64) -> String {
    for (unit, size) in [("h", 3_600_000), ("m", 60_000), ("s", 1_000)] {
        if ms > 0 && ms.is_multiple_of(size) {
            return format!("{}{unit}", ms / size);
        }
    }
    format!("{ms}ms")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn whole_numbers_with_one_unit() {
        assert_eq!(parse_ms("500ms"), Some(500));
        assert_eq!(parse_ms("5s"), Some(5_000));
        assert_eq!(parse_ms("2m"), Some(120_000));
        assert_eq!(parse_ms("1h"), Some(3_600_000));
        for bad in [
            "",
            "5",
            "s",
            "1.5s",
            "5 s",
            " 5s",
            "-5s",
            "5d",
            "99999999999999999999s",
        ] {
            assert_eq!(parse_ms(bad), None, "{bad:?}");
        }
        assert_eq!(parse_ms(&format!("{}h", u64::MAX / 1000)), None);
        assert_eq!(parse_ms_saturating("99999999999999999999s"), Some(u64::MAX));
        assert_eq!(parse_ms_saturating("5s"), Some(5_000));
        assert_eq!(parse_ms_saturating("5 s"), None);
    }

    #[test]
    fn written_in_the_largest_unit_and_read_back() {
        for (ms, text) in [
            (5_000, "5s"),
            (120_000, "2m"),
            (7_200_000, "2h"),
            (1_500, "1500ms"),
            (0, "0ms"),
        ] {
            assert_eq!(format_ms(ms), text);
            assert_eq!(parse_ms(text), Some(ms));
        }
    }
}
