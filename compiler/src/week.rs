//! Days of the week and times of day as people write them: one reading
//! for opening hours in flows and campaign calling windows alike.

const DAYS: [&str; 7] = ["mon", "tue", "wed", "thu", "fri", "sat", "sun"];

/// A day's number from Monday (0) to Sunday (6): `Mon`, `monday`, `Thurs`
/// (a prefix of the full name of four letters or more), any case; nothing
/// else (`monkey` is not Monday).
pub fn day(name: &str) -> Result<u32, String> {
    let lower = name.trim().to_ascii_lowercase();
    DAYS.iter()
        .position(|d| lower == *d || (lower.len() > 3 && full_name(d).starts_with(&lower)))
        .map(|i| i as u32)
        .ok_or_else(|| {
            format!(
                "`{}` is not a day; write Mon, Tue, Wed, Thu, Fri, Sat or Sun",
                name.trim()
            )
        })
}

fn full_name(short: &str) -> &'static str {
    match short {
        "mon" => "monday",
        "tue" => "tuesday",
        "wed" => "wednesday",
        "thu" => "thursday",
        "fri" => "friday",
        "sat" => "saturday",
        _ => "sunday",
    }
}

/// `HH:MM` (24-hour) → minutes since midnight; `24:00` is the end of the day.
pub fn time_of_day(text: &str) -> Result<u32, String> {
    let bad = || format!("`{text}` is not a time; write HH:MM, like `09:00`");
    let (h, m) = text.split_once(':').ok_or_else(bad)?;
    if h.is_empty() || h.len() > 2 || m.len() != 2 {
        return Err(bad());
    }
    let h: u32 = h.parse().map_err(|_| bad())?;
    let m: u32 = m.parse().map_err(|_| bad())?;
    if m > 59 || h > 24 || (h == 24 && m != 0) {
        return Err(bad());
    }
    Ok(h * 60 + m)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn days_by_name_and_nothing_like_them() {
        assert_eq!(day("Mon"), Ok(0));
        assert_eq!(day("monday"), Ok(0));
        assert_eq!(day("THURS"), Ok(3));
        assert_eq!(day(" sun "), Ok(6));
        for bad in ["monkey", "mo", "sundays", "fr", ""] {
            assert!(day(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn times_of_day() {
        assert_eq!(time_of_day("09:30"), Ok(570));
        assert_eq!(time_of_day("24:00"), Ok(1440));
        for bad in ["9", "24:01", "12:60", "1:2", "ab:cd", "123:00"] {
            assert!(time_of_day(bad).is_err(), "{bad}");
        }
    }
}
