//! `{var:format}` holes spelled out as words any voice reads right: the text
//! every provider can speak (Exotel, Twilio's basic voices, transcripts).
//! Twilio's SSML voices get `<say-as>` from the provider instead.
//!
//! Month and currency words are English; other languages get the forms a
//! voice reads well without words (`25-12-2026`, `14:30`, the amount).

use ivr_compiler::graph::SayAs;

/// `value` as `how` says it is read, in `language`.
pub fn spell(how: SayAs, value: &str, language: &str) -> String {
    let value = value.trim();
    let english = language
        .split('-')
        .next()
        .is_some_and(|l| l.eq_ignore_ascii_case("en"));
    let spelled = match how {
        SayAs::Digits => Some(one_by_one(value)),
        SayAs::Phone => Some(phone(value)),
        SayAs::Date => date(value, language, english),
        SayAs::Time => time(value, english),
        SayAs::Currency if english => currency(value, region(language)),
        SayAs::Currency => None,
    };
    spelled.unwrap_or_else(|| value.to_string())
}

/// "013" → "0 1 3": every character on its own (a voice reads "0 1 3" as
/// "zero one three", never "thirteen").
fn one_by_one(value: &str) -> String {
    let chars: Vec<String> = value
        .chars()
        .filter(|c| !c.is_whitespace())
        .map(String::from)
        .collect();
    chars.join(" ")
}

/// "+91 98765-43210" → "+9 1, 9 8 7, 6 5 4, 3 2 1 0": digits one by one,
/// grouped from the end (the last four, then threes) so the voice pauses
/// as a person reading a number would.
fn phone(value: &str) -> String {
    let plus = value.starts_with('+');
    let digits: Vec<char> = value.chars().filter(char::is_ascii_digit).collect();
    if digits.is_empty() {
        return value.to_string();
    }
    let mut groups: Vec<String> = Vec::new();
    let mut end = digits.len();
    let mut size = 4;
    while end > 0 {
        let start = end.saturating_sub(size);
        groups.push(one_by_one(&digits[start..end].iter().collect::<String>()));
        end = start;
        size = 3;
    }
    groups.reverse();
    let joined = groups.join(", ");
    if plus { format!("+{joined}") } else { joined }
}

const MONTHS: [&str; 12] = [
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
];

/// An ISO date `2026-12-25`: "25 December 2026" ("December 25, 2026" in
/// en-US); in other languages `25-12-2026`. Not a date: `None`.
fn date(value: &str, language: &str, english: bool) -> Option<String> {
    let date: jiff::civil::Date = value.get(..10)?.parse().ok()?;
    let (day, month, year) = (date.day(), date.month(), date.year());
    let name = MONTHS[usize::try_from(month).ok()?.checked_sub(1)?];
    Some(if !english {
        format!("{day:02}-{month:02}-{year}")
    } else if language.eq_ignore_ascii_case("en-US") {
        format!("{name} {day}, {year}")
    } else {
        format!("{day} {name} {year}")
    })
}

/// A 24-hour `14:30` (or `14:30:00`): "2:30 PM", "9 AM", "12 noon"; other
/// languages keep `14:30`. Not a time: `None`.
fn time(value: &str, english: bool) -> Option<String> {
    let mut parts = value.split(':');
    let hour: u32 = parts.next()?.trim().parse().ok()?;
    let minute: u32 = parts.next()?.trim().parse().ok()?;
    if hour > 23
        || minute > 59
        || parts
            .next()
            .is_some_and(|s| s.trim().parse::<u32>().is_err())
    {
        return None;
    }
    if !english {
        return Some(format!("{hour:02}:{minute:02}"));
    }
    Some(match (hour, minute) {
        (0, 0) => "12 midnight".to_string(),
        (12, 0) => "12 noon".to_string(),
        _ => {
            let half = if hour < 12 { "AM" } else { "PM" };
            let h = match hour % 12 {
                0 => 12,
                h => h,
            };
            if minute == 0 {
                format!("{h} {half}")
            } else {
                format!("{h}:{minute:02} {half}")
            }
        }
    })
}

/// The region of a language tag: `en-IN` → `IN`.
fn region(language: &str) -> &str {
    language.split('-').nth(1).unwrap_or("")
}

/// Major and minor unit names: (one, many) each.
type Units = ((&'static str, &'static str), (&'static str, &'static str));

fn units(region: &str) -> Option<Units> {
    let region = region.to_ascii_uppercase();
    Some(match region.as_str() {
        "IN" => (("rupee", "rupees"), ("paisa", "paise")),
        "US" | "AU" | "CA" | "NZ" | "SG" | "HK" => (("dollar", "dollars"), ("cent", "cents")),
        "GB" => (("pound", "pounds"), ("penny", "pence")),
        "IE" | "FR" | "DE" | "ES" | "IT" | "NL" | "BE" | "AT" | "PT" | "FI" => {
            (("euro", "euros"), ("cent", "cents"))
        }
        "ZA" => (("rand", "rand"), ("cent", "cents")),
        "AE" => (("dirham", "dirhams"), ("fils", "fils")),
        _ => return None,
    })
}

/// "1250.5" in en-IN → "1250 rupees and 50 paise". An amount that is not a
/// plain decimal number, or a region without a table entry: `None`.
fn currency(value: &str, region: &str) -> Option<String> {
    let ((one, many), (minor_one, minor_many)) = units(region)?;
    let (negative, value) = match value.strip_prefix('-') {
        Some(rest) => (true, rest),
        None => (false, value),
    };
    let (whole, fraction) = value.split_once('.').unwrap_or((value, ""));
    let plain = |s: &str| s.chars().all(|c| c.is_ascii_digit());
    if whole.is_empty() || !plain(whole) || !plain(fraction) || fraction.len() > 2 {
        return None;
    }
    let whole = whole.trim_start_matches('0');
    let whole = if whole.is_empty() { "0" } else { whole };
    let minor: u32 = match fraction.len() {
        0 => 0,
        1 => fraction.parse::<u32>().ok()? * 10,
        _ => fraction.parse().ok()?,
    };
    let major = format!("{whole} {}", if whole == "1" { one } else { many });
    let mut out = match minor {
        0 => major,
        m if whole == "0" => format!("{m} {}", if m == 1 { minor_one } else { minor_many }),
        m => format!(
            "{major} and {m} {}",
            if m == 1 { minor_one } else { minor_many }
        ),
    };
    if negative {
        out.insert_str(0, "minus ");
    }
    Some(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn digits_are_read_one_by_one_keeping_leading_zeros() {
        assert_eq!(spell(SayAs::Digits, "013", "en-IN"), "0 1 3");
        assert_eq!(spell(SayAs::Digits, " AB 12 ", "hi-IN"), "A B 1 2");
        assert_eq!(spell(SayAs::Digits, "", "en-IN"), "");
    }

    #[test]
    fn phone_numbers_are_grouped_from_the_end() {
        assert_eq!(
            spell(SayAs::Phone, "+919876543210", "en-IN"),
            "+9 1, 9 8 7, 6 5 4, 3 2 1 0"
        );
        assert_eq!(spell(SayAs::Phone, "080-4567", "en-IN"), "0 8 0, 4 5 6 7");
        assert_eq!(spell(SayAs::Phone, "none", "en-IN"), "none");
    }

    #[test]
    fn dates_read_as_words_in_english_and_as_numbers_elsewhere() {
        assert_eq!(
            spell(SayAs::Date, "2026-12-25", "en-IN"),
            "25 December 2026"
        );
        assert_eq!(
            spell(SayAs::Date, "2026-12-05", "en-US"),
            "December 5, 2026"
        );
        assert_eq!(
            spell(SayAs::Date, "2026-12-05T10:00:00Z", "en-GB"),
            "5 December 2026"
        );
        assert_eq!(spell(SayAs::Date, "2026-12-25", "hi-IN"), "25-12-2026");
        assert_eq!(spell(SayAs::Date, "tomorrow", "en-IN"), "tomorrow");
        assert_eq!(spell(SayAs::Date, "2026-02-30", "en-IN"), "2026-02-30");
    }

    #[test]
    fn times_read_on_a_twelve_hour_clock_in_english() {
        assert_eq!(spell(SayAs::Time, "14:30", "en-IN"), "2:30 PM");
        assert_eq!(spell(SayAs::Time, "09:00", "en-US"), "9 AM");
        assert_eq!(spell(SayAs::Time, "00:00", "en-US"), "12 midnight");
        assert_eq!(spell(SayAs::Time, "12:00:00", "en-US"), "12 noon");
        assert_eq!(spell(SayAs::Time, "00:05", "en-US"), "12:05 AM");
        assert_eq!(spell(SayAs::Time, "9:5", "fr-FR"), "09:05");
        assert_eq!(spell(SayAs::Time, "25:00", "en-US"), "25:00");
        assert_eq!(spell(SayAs::Time, "soon", "en-US"), "soon");
    }

    #[test]
    fn amounts_name_the_regions_currency() {
        assert_eq!(
            spell(SayAs::Currency, "1250.50", "en-IN"),
            "1250 rupees and 50 paise"
        );
        assert_eq!(
            spell(SayAs::Currency, "1.01", "en-US"),
            "1 dollar and 1 cent"
        );
        assert_eq!(spell(SayAs::Currency, "0.5", "en-GB"), "50 pence");
        assert_eq!(spell(SayAs::Currency, "007", "en-IE"), "7 euros");
        assert_eq!(spell(SayAs::Currency, "-3", "en-US"), "minus 3 dollars");
        assert_eq!(spell(SayAs::Currency, "12.345", "en-US"), "12.345");
        assert_eq!(spell(SayAs::Currency, "12", "en-XX"), "12");
        assert_eq!(spell(SayAs::Currency, "12", "hi-IN"), "12");
    }
}
