//! Which text-to-speech voice speaks which language, as Twilio names them
//! in `<Say voice>`: Amazon Polly voices (`Polly.Aditi`, also with a
//! `-Neural`/`-Generative` suffix), Google voices (the language is in the
//! name: `Google.en-IN-Standard-A`) and Twilio's basic `man`, `woman` and
//! `alice`. Sources: Amazon Polly's and Google Cloud TTS's published voice
//! lists, Twilio's `<Say>` documentation. A name not listed is unknown: the
//! checker says nothing about it, the engine uses it only for the flow's
//! own language.
//!
//! Exotel's voice is an account setting, not part of a flow.

/// Polly voices and the languages each speaks (bilingual voices list two).
const POLLY: &[(&str, &[&str])] = &[
    ("Aditi", &["hi-IN", "en-IN"]),
    ("Kajal", &["hi-IN", "en-IN"]),
    ("Raveena", &["en-IN"]),
    ("Joanna", &["en-US"]),
    ("Matthew", &["en-US"]),
    ("Ivy", &["en-US"]),
    ("Justin", &["en-US"]),
    ("Kendra", &["en-US"]),
    ("Kimberly", &["en-US"]),
    ("Salli", &["en-US"]),
    ("Joey", &["en-US"]),
    ("Kevin", &["en-US"]),
    ("Ruth", &["en-US"]),
    ("Stephen", &["en-US"]),
    ("Danielle", &["en-US"]),
    ("Gregory", &["en-US"]),
    ("Patrick", &["en-US"]),
    ("Amy", &["en-GB"]),
    ("Brian", &["en-GB"]),
    ("Emma", &["en-GB"]),
    ("Arthur", &["en-GB"]),
    ("Geraint", &["en-GB-WLS"]),
    ("Nicole", &["en-AU"]),
    ("Russell", &["en-AU"]),
    ("Olivia", &["en-AU"]),
    ("Aria", &["en-NZ"]),
    ("Ayanda", &["en-ZA"]),
    ("Niamh", &["en-IE"]),
    ("Jasmine", &["en-SG"]),
    ("Celine", &["fr-FR"]),
    ("Céline", &["fr-FR"]),
    ("Lea", &["fr-FR"]),
    ("Léa", &["fr-FR"]),
    ("Mathieu", &["fr-FR"]),
    ("Remi", &["fr-FR"]),
    ("Chantal", &["fr-CA"]),
    ("Gabrielle", &["fr-CA"]),
    ("Liam", &["fr-CA"]),
    ("Isabelle", &["fr-BE"]),
    ("Hans", &["de-DE"]),
    ("Marlene", &["de-DE"]),
    ("Vicki", &["de-DE"]),
    ("Daniel", &["de-DE"]),
    ("Hannah", &["de-AT"]),
    ("Sabrina", &["de-CH"]),
    ("Conchita", &["es-ES"]),
    ("Enrique", &["es-ES"]),
    ("Lucia", &["es-ES"]),
    ("Sergio", &["es-ES"]),
    ("Mia", &["es-MX"]),
    ("Andres", &["es-MX"]),
    ("Penelope", &["es-US"]),
    ("Miguel", &["es-US"]),
    ("Lupe", &["es-US"]),
    ("Pedro", &["es-US"]),
    ("Carla", &["it-IT"]),
    ("Giorgio", &["it-IT"]),
    ("Bianca", &["it-IT"]),
    ("Adriano", &["it-IT"]),
    ("Mizuki", &["ja-JP"]),
    ("Takumi", &["ja-JP"]),
    ("Kazuha", &["ja-JP"]),
    ("Tomoko", &["ja-JP"]),
    ("Seoyeon", &["ko-KR"]),
    ("Zhiyu", &["cmn-CN", "zh-CN"]),
    ("Hiujin", &["yue-CN", "zh-HK"]),
    ("Camila", &["pt-BR"]),
    ("Vitoria", &["pt-BR"]),
    ("Vitória", &["pt-BR"]),
    ("Ricardo", &["pt-BR"]),
    ("Thiago", &["pt-BR"]),
    ("Cristiano", &["pt-PT"]),
    ("Ines", &["pt-PT"]),
    ("Inês", &["pt-PT"]),
    ("Zeina", &["arb"]),
    ("Hala", &["ar-AE"]),
    ("Zayd", &["ar-AE"]),
    ("Tatyana", &["ru-RU"]),
    ("Maxim", &["ru-RU"]),
    ("Astrid", &["sv-SE"]),
    ("Elin", &["sv-SE"]),
    ("Liv", &["nb-NO"]),
    ("Ida", &["nb-NO"]),
    ("Naja", &["da-DK"]),
    ("Mads", &["da-DK"]),
    ("Sofie", &["da-DK"]),
    ("Lotte", &["nl-NL"]),
    ("Ruben", &["nl-NL"]),
    ("Laura", &["nl-NL"]),
    ("Lisa", &["nl-BE"]),
    ("Ewa", &["pl-PL"]),
    ("Jacek", &["pl-PL"]),
    ("Jan", &["pl-PL"]),
    ("Maja", &["pl-PL"]),
    ("Ola", &["pl-PL"]),
    ("Carmen", &["ro-RO"]),
    ("Filiz", &["tr-TR"]),
    ("Burcu", &["tr-TR"]),
    ("Gwyneth", &["cy-GB"]),
    ("Karl", &["is-IS"]),
    ("Dora", &["is-IS"]),
    ("Suvi", &["fi-FI"]),
    ("Arlet", &["ca-ES"]),
];

/// Twilio's basic voices. `man` and `woman` speak English, Spanish, French
/// and German (any region: `en-IN` is read with their English); `alice`
/// the languages listed.
const BASIC: &[(&str, &[&str])] = &[
    ("man", &["en", "es", "fr", "de"]),
    ("woman", &["en", "es", "fr", "de"]),
    (
        "alice",
        &[
            "da-DK", "de-DE", "en-AU", "en-CA", "en-GB", "en-IN", "en-US", "ca-ES", "es-ES",
            "es-MX", "fi-FI", "fr-CA", "fr-FR", "it-IT", "ja-JP", "ko-KR", "nb-NO", "nl-NL",
            "pl-PL", "pt-BR", "pt-PT", "ru-RU", "sv-SE", "zh-CN", "zh-HK", "zh-TW",
        ],
    ),
];

/// The voice Twilio uses when a `<Say>` names none (unless the account's
/// text-to-speech settings choose another).
pub const TWILIO_DEFAULT: &str = "man";

/// The languages a voice speaks; `None` for a voice this table does not know.
pub fn languages(voice: &str) -> Option<Vec<String>> {
    let voice = voice.trim();
    if let Some(name) = voice.strip_prefix("Polly.") {
        // `Polly.Joanna-Neural`, `Polly.Ruth-Generative`: the same speaker.
        let name = name.split('-').next().unwrap_or(name);
        let (_, langs) = POLLY.iter().find(|(n, _)| n.eq_ignore_ascii_case(name))?;
        return Some(langs.iter().map(|l| l.to_string()).collect());
    }
    if let Some(name) = voice.strip_prefix("Google.") {
        // `Google.en-IN-Standard-A`: the language is the first two parts.
        let mut parts = name.splitn(3, '-');
        let (lang, region, rest) = (parts.next()?, parts.next()?, parts.next()?);
        let plausible = (2..=3).contains(&lang.len())
            && lang.chars().all(|c| c.is_ascii_alphabetic())
            && !region.is_empty()
            && !rest.is_empty();
        return plausible.then(|| vec![format!("{lang}-{region}")]);
    }
    let (_, langs) = BASIC.iter().find(|(n, _)| n.eq_ignore_ascii_case(voice))?;
    Some(langs.iter().map(|l| l.to_string()).collect())
}

/// Does `voice` speak `language`? `None` when the voice is unknown.
/// A bare language in the table (`en`) covers every region (`en-IN`).
pub fn speaks(voice: &str, language: &str) -> Option<bool> {
    Some(
        languages(voice)?
            .iter()
            .any(|known| same_language(known, language)),
    )
}

fn same_language(known: &str, wanted: &str) -> bool {
    if known.eq_ignore_ascii_case(wanted) {
        return true;
    }
    let primary = wanted.split('-').next().unwrap_or(wanted);
    !known.contains('-') && known.eq_ignore_ascii_case(primary)
}

/// A Polly voice that speaks `language`, to suggest in a help line.
pub fn suggest(language: &str) -> Option<String> {
    POLLY
        .iter()
        .find(|(_, langs)| langs.iter().any(|l| l.eq_ignore_ascii_case(language)))
        .map(|(name, _)| format!("Polly.{name}"))
        .or_else(|| {
            // Google names a voice for nearly every language it speaks.
            let plausible = language.split('-').count() == 2;
            plausible.then(|| format!("Google.{language}-Standard-A"))
        })
}

/// Does Twilio read SSML (`<say-as>`) with this voice? Polly and Google
/// voices do; the basic ones read the tags' text.
pub fn takes_ssml(voice: &str) -> bool {
    voice.starts_with("Polly.") || voice.starts_with("Google.")
}

/// The voices this table knows that speak `language`, Polly's first (for
/// an editor's completion; Google's names are built from the language).
pub fn speaking(language: &str) -> Vec<String> {
    let polly = POLLY
        .iter()
        .filter(|(_, langs)| langs.iter().any(|l| same_language(l, language)))
        .map(|(name, _)| format!("Polly.{name}"));
    let basic = BASIC
        .iter()
        .filter(|(_, langs)| langs.iter().any(|l| same_language(l, language)))
        .map(|(name, _)| name.to_string());
    polly.chain(basic).collect()
}

/// Every language (BCP-47 tag with a region) some voice here speaks.
pub fn spoken_languages() -> Vec<&'static str> {
    let mut tags: Vec<&str> = POLLY
        .iter()
        .chain(BASIC)
        .flat_map(|(_, langs)| langs.iter().copied())
        .filter(|tag| tag.contains('-'))
        .collect();
    tags.sort_unstable();
    tags.dedup();
    tags
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn voices_for_a_language_all_speak_it() {
        let hindi = speaking("hi-IN");
        assert!(hindi.contains(&"Polly.Aditi".to_string()), "{hindi:?}");
        assert!(!hindi.contains(&"Polly.Raveena".to_string()));
        assert!(hindi.iter().all(|v| speaks(v, "hi-IN") == Some(true)));
        assert!(spoken_languages().contains(&"en-IN"));
    }

    #[test]
    fn polly_voices_speak_their_languages_with_any_suffix() {
        assert_eq!(speaks("Polly.Aditi", "hi-IN"), Some(true));
        assert_eq!(speaks("Polly.Aditi", "en-in"), Some(true));
        assert_eq!(speaks("Polly.Raveena", "hi-IN"), Some(false));
        assert_eq!(speaks("Polly.Joanna-Neural", "en-US"), Some(true));
        assert_eq!(speaks("Polly.Joanna-Neural", "fr-FR"), Some(false));
        assert_eq!(speaks("Polly.Nobody", "en-US"), None);
    }

    #[test]
    fn google_voices_carry_their_language_in_the_name() {
        assert_eq!(speaks("Google.en-IN-Standard-A", "en-IN"), Some(true));
        assert_eq!(speaks("Google.hi-IN-Wavenet-B", "en-IN"), Some(false));
        assert_eq!(speaks("Google.nonsense", "en-IN"), None);
    }

    #[test]
    fn basic_voices_speak_a_language_in_any_region() {
        assert_eq!(speaks("man", "en-IN"), Some(true));
        assert_eq!(speaks("woman", "hi-IN"), Some(false));
        assert_eq!(speaks("alice", "en-IN"), Some(true));
        assert_eq!(speaks("alice", "hi-IN"), Some(false));
    }

    #[test]
    fn suggestions_speak_the_language() {
        let hindi = suggest("hi-IN").unwrap();
        assert_eq!(speaks(&hindi, "hi-IN"), Some(true));
        assert_eq!(suggest("ta-IN").as_deref(), Some("Google.ta-IN-Standard-A"));
        assert!(takes_ssml("Polly.Aditi") && takes_ssml("Google.en-IN-Standard-A"));
        assert!(!takes_ssml("alice") && !takes_ssml("man"));
    }
}
