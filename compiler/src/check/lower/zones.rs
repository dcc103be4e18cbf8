//! Time zones written the way people say them — `IST`, `EST`, `UTC+5:30` —
//! instead of the place whose clock the flow follows. An abbreviation means
//! different places in different countries (`IST` is India, Ireland or
//! Israel), and a fixed offset ignores daylight saving, so the suggestion
//! comes from the flow's own language tag (`en-IN` → India).

/// (abbreviation, region of the flow's language or `""` for any, IANA zone).
/// The first row whose region matches wins; a `""` row is the fallback.
const ABBREVIATIONS: &[(&str, &str, &str)] = &[
    ("IST", "IN", "Asia/Kolkata"),
    ("IST", "IE", "Europe/Dublin"),
    ("IST", "IL", "Asia/Jerusalem"),
    ("IST", "", "Asia/Kolkata"),
    ("EST", "", "America/New_York"),
    ("EDT", "", "America/New_York"),
    ("ET", "", "America/New_York"),
    ("CST", "CN", "Asia/Shanghai"),
    ("CST", "", "America/Chicago"),
    ("CDT", "", "America/Chicago"),
    ("MST", "", "America/Denver"),
    ("MDT", "", "America/Denver"),
    ("PST", "PH", "Asia/Manila"),
    ("PST", "", "America/Los_Angeles"),
    ("PDT", "", "America/Los_Angeles"),
    ("PT", "", "America/Los_Angeles"),
    ("HST", "", "Pacific/Honolulu"),
    ("AKST", "", "America/Anchorage"),
    ("BST", "BD", "Asia/Dhaka"),
    ("BST", "", "Europe/London"),
    ("GMT", "GB", "Europe/London"),
    ("GMT", "IE", "Europe/Dublin"),
    ("WET", "PT", "Europe/Lisbon"),
    ("CET", "DE", "Europe/Berlin"),
    ("CET", "FR", "Europe/Paris"),
    ("CET", "ES", "Europe/Madrid"),
    ("CET", "IT", "Europe/Rome"),
    ("CET", "NL", "Europe/Amsterdam"),
    ("CET", "", "Europe/Paris"),
    ("CEST", "", "Europe/Paris"),
    ("EET", "", "Europe/Athens"),
    ("MSK", "", "Europe/Moscow"),
    ("GST", "AE", "Asia/Dubai"),
    ("GST", "", "Asia/Dubai"),
    ("PKT", "", "Asia/Karachi"),
    ("NPT", "", "Asia/Kathmandu"),
    ("SLST", "", "Asia/Colombo"),
    ("SGT", "", "Asia/Singapore"),
    ("HKT", "", "Asia/Hong_Kong"),
    ("JST", "", "Asia/Tokyo"),
    ("KST", "", "Asia/Seoul"),
    ("WIB", "", "Asia/Jakarta"),
    ("AEST", "", "Australia/Sydney"),
    ("AEDT", "", "Australia/Sydney"),
    ("NZST", "", "Pacific/Auckland"),
    ("SAST", "", "Africa/Johannesburg"),
    ("WAT", "", "Africa/Lagos"),
    ("EAT", "", "Africa/Nairobi"),
    ("BRT", "", "America/Sao_Paulo"),
];

/// The zone most callers of a country live in, for a fixed offset.
const REGIONS: &[(&str, &str)] = &[
    ("IN", "Asia/Kolkata"),
    ("US", "America/New_York"),
    ("CA", "America/Toronto"),
    ("GB", "Europe/London"),
    ("IE", "Europe/Dublin"),
    ("AU", "Australia/Sydney"),
    ("NZ", "Pacific/Auckland"),
    ("SG", "Asia/Singapore"),
    ("AE", "Asia/Dubai"),
    ("PK", "Asia/Karachi"),
    ("BD", "Asia/Dhaka"),
    ("LK", "Asia/Colombo"),
    ("NP", "Asia/Kathmandu"),
    ("IL", "Asia/Jerusalem"),
    ("ZA", "Africa/Johannesburg"),
    ("NG", "Africa/Lagos"),
    ("KE", "Africa/Nairobi"),
    ("DE", "Europe/Berlin"),
    ("FR", "Europe/Paris"),
    ("ES", "Europe/Madrid"),
    ("IT", "Europe/Rome"),
    ("NL", "Europe/Amsterdam"),
    ("JP", "Asia/Tokyo"),
    ("KR", "Asia/Seoul"),
    ("CN", "Asia/Shanghai"),
    ("HK", "Asia/Hong_Kong"),
    ("PH", "Asia/Manila"),
    ("ID", "Asia/Jakarta"),
    ("BR", "America/Sao_Paulo"),
    ("MX", "America/Mexico_City"),
];

/// The region of a language tag: `en-IN` → `IN`.
pub(super) fn region(language: &str) -> Option<&str> {
    language
        .split('-')
        .skip(1)
        .find(|p| p.len() == 2 && p.chars().all(|c| c.is_ascii_alphabetic()))
}

/// Is `name` an abbreviation or a fixed offset rather than a place?
/// (`EST` and `Etc/GMT-5` are in the IANA database, but follow no place's
/// daylight saving; `UTC` alone is a deliberate choice and is fine.)
pub(super) fn is_not_a_place(name: &str) -> bool {
    let upper = name.to_ascii_uppercase();
    let bare = upper.strip_prefix("ETC/").unwrap_or(&upper);
    if matches!(bare, "UTC" | "GMT" | "UCT" | "ZULU" | "UNIVERSAL") {
        return false;
    }
    ABBREVIATIONS.iter().any(|(a, _, _)| *a == bare)
        || [
            "EST5EDT", "CST6CDT", "MST7MDT", "PST8PDT", "MET", "WET", "EET", "CET",
        ]
        .contains(&bare)
        || offset_minutes(bare).is_some()
}

/// `UTC+5:30`, `GMT+05:30`, `+0530`, `GMT-5` → minutes east of UTC. IANA's
/// `Etc/GMT-5` means UTC+5 (the sign is POSIX's), so `Etc/` flips it.
fn offset_minutes(text: &str) -> Option<i32> {
    let (rest, flip) = match text.strip_prefix("ETC/") {
        Some(r) => (r, true),
        None => (text, false),
    };
    let rest = rest
        .strip_prefix("UTC")
        .or_else(|| rest.strip_prefix("GMT"))
        .unwrap_or(rest);
    let (sign, digits) = match rest.chars().next()? {
        '+' => (1, &rest[1..]),
        '-' => (-1, &rest[1..]),
        _ => return None,
    };
    let (h, m) = match digits.split_once(':') {
        Some((h, m)) => (h, m),
        None if digits.len() == 4 => digits.split_at(2),
        None => (digits, "0"),
    };
    let (h, m): (i32, i32) = (h.parse().ok()?, m.parse().ok()?);
    if h > 14 || m > 59 {
        return None;
    }
    let minutes = sign * (h * 60 + m);
    Some(if flip { -minutes } else { minutes })
}

/// The place a flow in `language` most likely meant by `name`.
pub(super) fn suggest(name: &str, language: &str) -> Option<&'static str> {
    let upper = name.to_ascii_uppercase();
    let bare = upper.strip_prefix("ETC/").unwrap_or(&upper);
    let region = region(language).map(str::to_ascii_uppercase);
    let by_region = |r: &str| region.as_deref() == Some(r) || r.is_empty();
    if let Some((_, _, zone)) = ABBREVIATIONS
        .iter()
        .filter(|(a, _, _)| *a == bare)
        .find(|(_, r, _)| by_region(r))
    {
        return Some(zone);
    }
    let offset = offset_minutes(&upper)?;
    // The flow's own country, when its clock has that offset (today, in winter
    // or in summer: the offset may be summer time).
    let own = REGIONS
        .iter()
        .find(|(r, _)| region.as_deref() == Some(*r))
        .map(|(_, z)| *z);
    own.into_iter()
        .chain(REGIONS.iter().map(|(_, z)| *z))
        .find(|zone| has_offset(zone, offset))
}

/// Does `zone` keep UTC+`minutes` in January or in July 2026?
fn has_offset(zone: &str, minutes: i32) -> bool {
    let Ok(tz) = jiff::tz::TimeZone::get(zone) else {
        return false;
    };
    ["2026-01-15T12:00:00Z", "2026-07-15T12:00:00Z"]
        .iter()
        .filter_map(|t| t.parse::<jiff::Timestamp>().ok())
        .any(|t| tz.to_offset(t).seconds() == minutes * 60)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_abbreviation_is_read_in_the_flows_country() {
        assert_eq!(suggest("IST", "en-IN"), Some("Asia/Kolkata"));
        assert_eq!(suggest("IST", "en-IE"), Some("Europe/Dublin"));
        assert_eq!(suggest("IST", "he-IL"), Some("Asia/Jerusalem"));
        assert_eq!(suggest("EST", "en-US"), Some("America/New_York"));
        assert_eq!(suggest("cst", "zh-CN"), Some("Asia/Shanghai"));
    }

    #[test]
    fn an_offset_is_matched_to_a_place_with_that_clock() {
        assert_eq!(suggest("UTC+5:30", "en-IN"), Some("Asia/Kolkata"));
        assert_eq!(suggest("GMT+05:30", "en-US"), Some("Asia/Kolkata"));
        assert_eq!(suggest("UTC-5", "en-US"), Some("America/New_York"));
        assert_eq!(suggest("UTC+1", "en-GB"), Some("Europe/London"));
        assert_eq!(suggest("Etc/GMT-8", "en-SG"), Some("Asia/Singapore"));
        assert_eq!(suggest("UTC+13:45", "en-IN"), None);
    }

    #[test]
    fn places_and_utc_are_places() {
        for name in ["Asia/Kolkata", "UTC", "Etc/UTC", "GMT", "Europe/London"] {
            assert!(!is_not_a_place(name), "{name}");
        }
        for name in ["EST", "IST", "Etc/GMT-5", "UTC+5:30", "EST5EDT", "CET"] {
            assert!(is_not_a_place(name), "{name}");
        }
    }
}
