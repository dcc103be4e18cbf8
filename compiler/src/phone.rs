//! Phone numbers: a flow's country, and a number as a caller keyed or said it
//! turned into E.164 (`+919876543210`). Pure, and shared: the checker uses it
//! on numbers written in a flow, the engine on numbers built at run time.

pub use phonenumber::country;

/// The longest text tried as a phone number. E.164 numbers have at most 15
/// digits; room is left for a prefix and punctuation, and anything longer is
/// not a number a caller meant.
const MAX_LEN: usize = 32;

/// The country of a flow, from the region of its language (`en-IN` → IN).
/// `None` when the language names no region (`en`) or an unknown one.
pub fn country_of(language: &str) -> Option<country::Id> {
    language
        .split('-')
        .skip(1)
        .find(|part| part.len() == 2 && part.chars().all(|c| c.is_ascii_alphabetic()))
        .and_then(|region| region.to_ascii_uppercase().parse().ok())
}

/// `text` as an E.164 number, or `None` when it is not a valid number.
///
/// A number starting with `+` (or `00`) carries its own country; any other is
/// read as dialled inside `country` (`09876543210` in IN → `+919876543210`),
/// and without a country it cannot be read. Spaces, dashes, dots and
/// brackets are ignored; anything else (letters, `*`, `#`) makes it invalid.
pub fn normalise(text: &str, country: Option<country::Id>) -> Option<String> {
    let text = text.trim();
    if text.is_empty()
        || text.len() > MAX_LEN
        || !text
            .chars()
            .all(|c| c.is_ascii_digit() || matches!(c, '+' | ' ' | '-' | '.' | '(' | ')'))
    {
        return None;
    }
    let international = text.starts_with('+');
    let text = match text.strip_prefix("00") {
        Some(rest) if !international => format!("+{rest}"),
        _ => text.to_string(),
    };
    let region = if text.starts_with('+') {
        None
    } else {
        Some(country?)
    };
    let number = phonenumber::parse(region, &text).ok()?;
    if !phonenumber::is_valid(&number) {
        return None;
    }
    Some(number.format().mode(phonenumber::Mode::E164).to_string())
}

/// `text` as an E.164 number when it is written as one: `+`, the country
/// code and the digits (spaces, dashes, dots and brackets ignored), or why
/// not. The one rule for a number written in a flow, given to the API or in
/// a campaign.
pub fn e164(text: &str) -> Result<String, String> {
    text.trim()
        .starts_with('+')
        .then(|| normalise(text, None))
        .flatten()
        .ok_or_else(|| {
            format!("`{text}` is not a valid E.164 number: it must be + and the country code, then digits")
        })
}

/// Whether `text`, written as `+` and digits (spaces allowed), is a valid
/// number — the same answer as `phonenumber::parse(None, text)` and
/// `is_valid` give with the whole database, from the metadata of its
/// calling code alone (see compiler/build.rs). `None` when it cannot tell
/// that way: other punctuation, an unknown code, or a code of non-geographic
/// entities; ask the whole database then.
pub fn is_valid_international(text: &str) -> Option<bool> {
    let digits = text.strip_prefix('+')?.trim_start_matches(' ');
    if digits.starts_with('0') || !digits.bytes().all(|b| b.is_ascii_digit() || b == b' ') {
        return None;
    }
    let digits: String = digits.chars().filter(char::is_ascii_digit).collect();
    let database = by_code::database_for(&digits)?;
    let number = phonenumber::parse_with(database, None, text).ok()?;
    Some(phonenumber::is_valid_with(database, &number))
}

/// The phone-number database split by calling code, each part loaded on
/// first use.
mod by_code {
    use std::sync::OnceLock;

    use phonenumber::metadata::{Database, loader};

    include!(concat!(env!("OUT_DIR"), "/phone_codes.rs"));

    static LOADED: [OnceLock<Option<Database>>; CODES.len()] =
        [const { OnceLock::new() }; CODES.len()];

    /// The database of the calling code `digits` start with. Calling codes
    /// are 1 to 3 digits and none is a prefix of another; the parser takes
    /// the shortest known one, and so does this.
    pub(super) fn database_for(digits: &str) -> Option<&'static Database> {
        let i = (1..=3.min(digits.len())).find_map(|len| {
            let code: u16 = digits[..len].parse().ok()?;
            CODES.binary_search_by_key(&code, |&(c, _)| c).ok()
        })?;
        LOADED[i]
            .get_or_init(|| {
                let json = CODES[i].1?;
                let regions: Vec<loader::Metadata> = serde_json::from_str(json).ok()?;
                Database::from(regions).ok()
            })
            .as_ref()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn india() -> Option<country::Id> {
        country_of("en-IN")
    }

    #[test]
    fn a_flow_country_comes_from_its_language() {
        assert_eq!(country_of("en-IN"), Some(country::Id::IN));
        assert_eq!(country_of("hi-in"), Some(country::Id::IN));
        assert_eq!(country_of("en-GB"), Some(country::Id::GB));
        assert_eq!(country_of("zh-Hant-TW"), Some(country::Id::TW));
        assert_eq!(country_of("en"), None);
        assert_eq!(country_of("es-419"), None);
    }

    #[test]
    fn national_numbers_take_the_flow_country() {
        assert_eq!(
            normalise("09876543210", india()).as_deref(),
            Some("+919876543210")
        );
        assert_eq!(
            normalise("98765 43210", india()).as_deref(),
            Some("+919876543210")
        );
        assert_eq!(
            normalise("020 7946 0958", country_of("en-GB")).as_deref(),
            Some("+442079460958")
        );
    }

    #[test]
    fn international_numbers_keep_their_own_country() {
        assert_eq!(
            normalise("+44 20 7946 0958", india()).as_deref(),
            Some("+442079460958")
        );
        assert_eq!(
            normalise("00442079460958", india()).as_deref(),
            Some("+442079460958")
        );
        assert_eq!(
            normalise("+919876543210", None).as_deref(),
            Some("+919876543210")
        );
    }

    #[test]
    fn e164_needs_the_plus_and_a_valid_number() {
        assert_eq!(e164("+14155550100").as_deref(), Ok("+14155550100"));
        assert_eq!(e164(" +91 98123 45678").as_deref(), Ok("+919812345678"));
        for bad in [
            "09812345678",
            "00919812345678",
            "+123",
            "+1415555010a",
            "+1-800-FLOWERS",
        ] {
            // Letters are not keypad digits here (the phone number crate reads them so).
            assert!(e164(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn garbage_is_not_a_number() {
        for bad in [
            "",
            "12",
            "98765",
            "0987654321099999",
            "5555555555",
            "0000000000",
            "1234#",
            "nine eight seven",
            "+91 98765 4321x",
            "<Number>+1</Number>",
            &"9".repeat(100),
        ] {
            assert_eq!(normalise(bad, india()), None, "{bad:?}");
        }
        // A national number needs a country to be read.
        assert_eq!(normalise("09876543210", None), None);
    }

    /// Every example number of every region, and near misses of each (a
    /// digit changed, one dropped, one added), get the same answer from
    /// their calling code's part of the database as from the whole one.
    #[test]
    fn a_calling_code_alone_answers_as_the_whole_database_does() {
        let db = &*phonenumber::metadata::DATABASE;
        let mut compared = 0;
        for meta in db.iter() {
            let code = meta.country_code();
            let d = meta.descriptors();
            let examples = [d.fixed_line(), d.mobile(), d.toll_free(), d.voip(), d.uan()]
                .into_iter()
                .flatten()
                .filter_map(|d| d.example());
            for example in examples {
                let mut changed = example.to_string().into_bytes();
                let last = changed.len() - 1;
                changed[last] = if changed[last] == b'9' {
                    b'0'
                } else {
                    changed[last] + 1
                };
                let changed = String::from_utf8(changed).unwrap();
                for national in [
                    example.to_string(),
                    changed,
                    example[..example.len() - 1].to_string(),
                    format!("{example}5"),
                ] {
                    for text in [format!("+{code}{national}"), format!("+{code} {national}")] {
                        let whole = phonenumber::parse(None, &text)
                            .is_ok_and(|n| phonenumber::is_valid(&n));
                        match is_valid_international(&text) {
                            Some(part) => {
                                assert_eq!(part, whole, "{text} ({})", meta.id());
                                compared += 1;
                            }
                            // Only the non-geographic codes are left to the
                            // whole database.
                            None => assert_eq!(meta.id(), "001", "{text}"),
                        }
                    }
                }
            }
        }
        assert!(compared > 5_000, "compared only {compared} numbers");
    }

    #[test]
    fn what_a_calling_code_cannot_tell_is_left_to_the_whole_database() {
        assert_eq!(is_valid_international("+919876543210"), Some(true));
        assert_eq!(is_valid_international("+91 98765 43210"), Some(true));
        assert_eq!(is_valid_international("+15555555555"), Some(false));
        // Not `+` and digits: another reading might apply.
        assert_eq!(is_valid_international("+91-98765-43210"), None);
        assert_eq!(is_valid_international("919876543210"), None);
        // No calling code starts with 0; `+01…` must not be read as +1.
        assert_eq!(is_valid_international("+01234567890"), None);
        // Non-geographic: +800 is filed under region 001.
        assert_eq!(is_valid_international("+80012345678"), None);
    }
}
