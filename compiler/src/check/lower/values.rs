//! Single values: words, text, durations, counts, keys, phone numbers, URLs,
//! time zones, and the providers' ranges. Each reader reports a value of the
//! wrong kind (E009) and returns `None`; the caller then uses the default so
//! checking goes on.
//!
//! Words may come as `Value::Word` (`.ivr`: `input dtmf`) or `Value::Str`
//! (YAML: `input: dtmf`); durations as `Value::Duration` or as text (`"5s"`).

use super::props::Val;
use super::{Cx, zones};
use crate::check::capabilities::{self, Limit};
use crate::diagnostic::{Code, Diagnostic, did_you_mean};
use crate::graph::{Provider, Segment, Template};
use crate::source::Span;
use crate::syntax::ast::Value;

fn wrong(cx: &mut Cx, v: Val, key: &str, expected: &str, example: &str) {
    cx.push(
        Diagnostic::new(
            Code::InvalidValue,
            format!("`{key}` takes {expected}, not {}", v.value.describe()),
        )
        .label(v.span, format!("{} here", v.value.describe()))
        .help(format!("write it like `{key} {example}`")),
    );
}

/// Text: a quoted string, or a bare word where the syntax allows one.
pub(super) fn text(cx: &mut Cx, v: Val, key: &str) -> Option<String> {
    match &v.value {
        Value::Str(s) | Value::Word(s) => Some(s.clone()),
        _ => {
            wrong(cx, v, key, "text", "\"…\"");
            None
        }
    }
}

/// One of a fixed set of words, case-insensitively; returns the index.
pub(super) fn choice(cx: &mut Cx, v: Val, key: &str, choices: &[&str]) -> Option<usize> {
    let word = match &v.value {
        Value::Str(s) | Value::Word(s) => s,
        _ => {
            wrong(cx, v, key, "a word", choices[0]);
            return None;
        }
    };
    if let Some(i) = choices.iter().position(|c| c.eq_ignore_ascii_case(word)) {
        return Some(i);
    }
    let help = did_you_mean(word, choices.iter().copied())
        .unwrap_or_else(|| format!("`{key}` is one of: {}", choices.join(", ")));
    cx.push(
        Diagnostic::new(
            Code::InvalidValue,
            format!("`{word}` is not a valid `{key}`"),
        )
        .label(v.span, "not one of the choices")
        .help(help),
    );
    None
}

pub(super) fn provider(cx: &mut Cx, v: Val) -> Option<Provider> {
    let names: Vec<&str> = Provider::ALL.iter().map(|p| p.as_str()).collect();
    choice(cx, v, "targets", &names).map(|i| Provider::ALL[i])
}

/// A BCP-47-looking tag: `en-IN`, `hi-IN`, `en`.
pub(super) fn language(cx: &mut Cx, v: Val) -> Option<String> {
    let tag = text(cx, v, "language")?;
    if is_language_tag(&tag) {
        return Some(tag);
    }
    cx.push(
        Diagnostic::new(Code::InvalidValue, format!("`{tag}` is not a language tag"))
            .label(v.span, "expected a BCP-47 tag")
            .help("write a language and region, like `en-IN` or `hi-IN`"),
    );
    None
}

/// The language of a `{ en-IN "…" }` line; reports one that is not a tag.
pub(super) fn language_key(cx: &mut Cx, lang: &crate::source::Spanned<String>, help: &str) -> bool {
    if is_language_tag(&lang.value) {
        return true;
    }
    cx.push(
        Diagnostic::new(
            Code::InvalidValue,
            format!("`{}` is not a language tag", lang.value),
        )
        .label(lang.span, "expected a BCP-47 tag")
        .help(help),
    );
    false
}

pub(super) fn is_language_tag(tag: &str) -> bool {
    let mut parts = tag.split('-');
    let first = parts.next().unwrap_or("");
    (2..=3).contains(&first.len())
        && first.chars().all(|c| c.is_ascii_alphabetic())
        && parts
            .all(|p| !p.is_empty() && p.len() <= 8 && p.chars().all(|c| c.is_ascii_alphanumeric()))
}

/// An IANA time zone jiff knows. An abbreviation or a fixed offset (`IST`,
/// `EST`, `UTC+5:30`) gets the place the flow's `language` suggests: an
/// error when jiff does not know it, a warning (W036) when it does but it
/// follows no place's clock.
pub(super) fn timezone(cx: &mut Cx, name: &str, span: Span, language: &str) -> bool {
    let place = zones::suggest(name, language);
    if jiff::tz::TimeZone::get(name).is_ok() {
        if zones::is_not_a_place(name) {
            let help = match place {
                Some(zone) => format!(
                    "write the place whose clock the callers keep: `timezone \"{zone}\"` \
                     (it also follows daylight saving)"
                ),
                None => "write the place whose clock the callers keep, like `Asia/Kolkata`".into(),
            };
            cx.push(
                Diagnostic::new(
                    Code::HoursMistake,
                    format!("`{name}` is an abbreviation or a fixed offset, not a place"),
                )
                .label(span, "follows no place's daylight saving")
                .help(help),
            );
        }
        return true;
    }
    let help = match place {
        Some(zone) => format!("did you mean `{zone}`? (time zones are places, not abbreviations)"),
        None => {
            // Never suggest a name that would only be warned about next.
            let names: Vec<String> = jiff::tz::db()
                .available()
                .map(|n| n.to_string())
                .filter(|n| !zones::is_not_a_place(n))
                .collect();
            did_you_mean(name, names.iter().map(String::as_str)).unwrap_or_else(|| {
                "use an IANA name such as `Asia/Kolkata` or `Europe/London`".into()
            })
        }
    };
    cx.push(
        Diagnostic::new(Code::UnknownTimezone, format!("unknown time zone `{name}`"))
            .label(span, "not an IANA time zone")
            .help(help),
    );
    false
}

/// Milliseconds: `500ms`, `5s`, `2m`, `1h` (or the same as YAML text).
pub(super) fn duration_ms(cx: &mut Cx, v: Val, key: &str) -> Option<u64> {
    match &v.value {
        Value::Duration(ms) => Some(*ms),
        Value::Str(s) | Value::Word(s) if parse_duration(s).is_some() => parse_duration(s),
        _ => {
            wrong(cx, v, key, "a duration", "5s");
            None
        }
    }
}

/// `5s` → 5000. Whole numbers with one unit, as the `.ivr` grammar has them.
pub(super) fn parse_duration(text: &str) -> Option<u64> {
    crate::duration::parse_ms(text.trim())
}

/// A duration the provider counts in whole seconds.
pub(super) fn seconds(cx: &mut Cx, v: Val, key: &str) -> Option<u32> {
    let ms = duration_ms(cx, v, key)?;
    if ms % 1000 != 0 || ms / 1000 > u64::from(u32::MAX) {
        cx.push(
            Diagnostic::new(
                Code::InvalidValue,
                format!("`{key}` is counted in whole seconds"),
            )
            .label(v.span, "not a whole number of seconds")
            .help(format!("write it like `{key} 30s`")),
        );
        return None;
    }
    Some((ms / 1000) as u32)
}

/// A whole number ≥ `min`.
pub(super) fn count(cx: &mut Cx, v: Val, key: &str, min: u32) -> Option<u32> {
    let n = match &v.value {
        Value::Number(n) => *n,
        Value::Str(s) | Value::Word(s) if s.parse::<u32>().is_ok() => s.parse::<f64>().ok()?,
        _ => {
            wrong(cx, v, key, "a number", "3");
            return None;
        }
    };
    if n.fract() != 0.0 || n < f64::from(min) || n > f64::from(u32::MAX) {
        cx.push(
            Diagnostic::new(
                Code::InvalidValue,
                format!("`{key}` must be a whole number from {min}"),
            )
            .label(v.span, format!("{n} is not allowed here"))
            .help(format!("write it like `{key} 3`")),
        );
        return None;
    }
    Some(n as u32)
}

/// A share in percent, `0`–`100` with at most two decimals (`12.5`), as
/// basis points.
pub(super) fn percent(cx: &mut Cx, v: Val, key: &str) -> Option<u32> {
    let n = match &v.value {
        Value::Number(n) => *n,
        Value::Str(s) | Value::Word(s) if s.trim().parse::<f64>().is_ok() => {
            s.trim().parse::<f64>().ok()?
        }
        _ => {
            wrong(cx, v, key, "a share in percent", "new 10");
            return None;
        }
    };
    let basis_points = n * 100.0;
    if !(0.0..=10_000.0).contains(&basis_points)
        || (basis_points - basis_points.round()).abs() > 1e-6
    {
        cx.push(
            Diagnostic::new(
                Code::InvalidValue,
                format!("`{key}` takes a share from 0 to 100"),
            )
            .label(v.span, format!("{n} is not a share"))
            .help("write a percentage with at most two decimals: `10`, `12.5`, `0.25`"),
        );
        return None;
    }
    Some(basis_points.round() as u32)
}

pub(super) fn boolean(cx: &mut Cx, v: Val, key: &str) -> Option<bool> {
    match &v.value {
        Value::Bool(b) => Some(*b),
        Value::Str(s) | Value::Word(s) if s == "true" || s == "false" => Some(s == "true"),
        _ => {
            wrong(cx, v, key, "`true` or `false`", "true");
            None
        }
    }
}

pub(super) fn is_dtmf_key(key: &str) -> bool {
    let mut chars = key.chars();
    matches!(
        (chars.next(), chars.next()),
        (Some('0'..='9' | '*' | '#'), None)
    )
}

/// A finish key: one DTMF key in quotes, or `none`.
pub(super) fn finish_key(cx: &mut Cx, v: Val) -> Option<Option<char>> {
    match &v.value {
        Value::Word(w) | Value::Str(w) if w == "none" => Some(None),
        Value::Str(k) | Value::Word(k) if is_dtmf_key(k) => Some(k.chars().next()),
        // `finish 5` (unquoted) reads as a number in both syntaxes.
        Value::Number(n) if n.fract() == 0.0 && (0.0..=9.0).contains(n) => {
            Some(char::from_digit(*n as u32, 10))
        }
        _ => {
            cx.push(
                Diagnostic::new(Code::InvalidValue, "`finish` takes one key or `none`")
                    .label(v.span, "not a single key")
                    .help("write `finish \"#\"`, `finish \"*\"` or `finish none`"),
            );
            None
        }
    }
}

/// The text of a template that has no holes.
pub(super) fn literal(template: &Template) -> Option<String> {
    match template.0.as_slice() {
        [] => Some(String::new()),
        [Segment::Text(t)] => Some(t.clone()),
        _ => None,
    }
}

/// An E.164 phone number, checked only when written literally. The help
/// fits the flow: a national number of the flow's country (`language
/// "en-IN"`) is shown in E.164 form, and examples are of that country.
pub(super) fn phone(cx: &mut Cx, template: &Template, span: Span, language: &str) {
    let Some(number) = literal(template) else {
        return;
    };
    // Most numbers are `+` and digits: their calling code's metadata alone
    // answers, without loading the whole database (~70 ms). The rest take
    // the one E.164 rule the API and campaigns use.
    let valid = crate::phone::is_valid_international(&number)
        .unwrap_or_else(|| crate::phone::e164(&number).is_ok());
    if valid {
        return;
    }
    let region = zones::region(language).map(str::to_ascii_uppercase);
    let country = region
        .as_deref()
        .and_then(|r| r.parse::<phonenumber::country::Id>().ok());
    let national = country
        .and_then(|c| phonenumber::parse(Some(c), &number).ok())
        .filter(phonenumber::is_valid);
    let help = match (number.starts_with('+'), national) {
        (false, Some(n)) => format!(
            "write it in E.164 form, with `+` and the country code: `{}`",
            n.format().mode(phonenumber::Mode::E164)
        ),
        (false, None) => format!(
            "write it in E.164 form, with `+` and the country code: `{}`",
            example_number(region.as_deref())
        ),
        (true, _) => format!(
            "check the digits: the number is not valid for its country code (a valid one looks like `{}`)",
            example_number(region.as_deref())
        ),
    };
    cx.push(
        Diagnostic::new(
            Code::InvalidPhone,
            format!("`{number}` is not a valid phone number"),
        )
        .label(span, "not an E.164 number")
        .help(help),
    );
}

/// An example number of the flow's country, in E.164 form (India's when
/// the language names no country the number database knows).
fn example_number(region: Option<&str>) -> String {
    let db = &*phonenumber::metadata::DATABASE;
    region
        .and_then(|r| db.by_id(r))
        .and_then(|m| {
            let kinds = m.descriptors();
            let example = kinds.fixed_line().or(kinds.mobile())?.example()?;
            Some(format!("+{}{example}", m.country_code()))
        })
        .unwrap_or_else(|| "+918045671200".to_string())
}

/// A URL with one of `schemes`. Holes are filled with a placeholder first, so
/// `"https://api.example.com/orders/{id}"` is checked too; a URL that starts
/// with a hole cannot be checked here.
pub(super) fn url(cx: &mut Cx, template: &Template, span: Span, key: &str, schemes: &[&str]) {
    if matches!(template.0.first(), Some(Segment::Var(_))) {
        return;
    }
    let text = template.render(|_| Some("x".into()));
    let problem = match url::Url::parse(&text) {
        Err(e) => Some(format!("{e}")),
        Ok(u) if !schemes.contains(&u.scheme()) => Some(format!("a `{}` URL", u.scheme())),
        Ok(u) if u.host_str().is_none_or(str::is_empty) => Some("no host".to_string()),
        Ok(_) => None,
    };
    if let Some(problem) = problem {
        let list: Vec<String> = schemes.iter().map(|s| format!("{s}://")).collect();
        cx.push(
            Diagnostic::new(Code::InvalidUrl, format!("`{key}` is not a valid URL"))
                .label(span, problem)
                .help(format!("`{key}` takes a full {} URL", list.join(" or "))),
        );
    }
}

/// Report a value outside what a declared provider accepts.
pub(super) fn limit(cx: &mut Cx, targets: &[Provider], limit: Limit, value: u64, span: Span) {
    for &provider in targets {
        let Some((min, max)) = capabilities::of(provider).range(limit) else {
            continue;
        };
        if value < min || value > max {
            let unit = limit.unit();
            cx.push(
                Diagnostic::new(
                    Code::OutOfRange,
                    format!(
                        "{} must be {min}–{max} {unit} on {}",
                        limit.describe(),
                        provider.as_str()
                    ),
                )
                .label(span, format!("{value} {unit}"))
                .help(format!(
                    "use a value from {min} to {max} {unit}, or drop `{}` from `targets`",
                    provider.as_str()
                )),
            );
        }
    }
}

/// Report a feature some declared provider lacks.
pub(super) fn feature(
    cx: &mut Cx,
    targets: &[Provider],
    has: impl Fn(&capabilities::Capabilities) -> bool,
    what: &str,
    span: Span,
) {
    for &provider in targets {
        if !has(capabilities::of(provider)) {
            cx.push(
                Diagnostic::new(
                    Code::Unsupported,
                    format!("{} does not support {what}", provider.as_str()),
                )
                .label(span, format!("needs {what}"))
                .help(format!(
                    "remove `{}` from `targets`, or do without {what}",
                    provider.as_str()
                )),
            );
        }
    }
}
