//! Instructions → TwiML.
//!
//! Guarantees a caller may rely on:
//! - the body starts exactly with `<?xml version="1.0" encoding="UTF-8"?>`
//!   and has one `<Response>` root;
//! - nesting is always legal: `<Gather>` holds only Say/Play/Pause, `<Dial>`
//!   holds `<Number>`/`<Sip>`/`<Client>`, `<Start>` one `<Recording>`, `<Connect>` holds one `<Stream>`;
//! - every dynamic value (text, URLs, names) is escaped by quick-xml, and
//!   characters XML 1.0 forbids are dropped, so no variable can inject a verb;
//! - every verb that waits carries an explicit `action` (POST), and nothing
//!   is rendered after it (Twilio would never reach it);
//! - the body is at most [`MAX_BODY`] bytes (Twilio's 64 kB limit, error 11750).
//!
//! `loops: 0` plays once: to Twilio `loop="0"` means forever, which would
//! trap the caller in a prompt with no way out.
//!
//! Size policy: each `<Say>` text is cut to [`MAX_SAY`] bytes at a word
//! boundary (Twilio rejects longer Say bodies). If the whole document is
//! still too large, it is replaced by a short apology and `<Hangup/>`: a
//! truncated menu would mislead the caller, an apology does not.

use std::io;

use ivr_compiler::check::voices;
use ivr_compiler::graph::{Input, SayAs};
use quick_xml::Writer;
use quick_xml::events::{BytesDecl, BytesText, Event};

use crate::engine::{Instruction, Spoken};

/// Twilio refuses responses larger than 64 kB.
pub const MAX_BODY: usize = 64 * 1024;
/// Twilio's limit on the text of one `<Say>`.
pub const MAX_SAY: usize = 4096;
/// `<Dial>` takes at most ten `<Number>`s (or `<Sip>`s).
pub const MAX_DIAL_TARGETS: usize = 10;
/// `<Enqueue>`'s queue name is at most 64 characters.
pub const MAX_QUEUE_NAME: usize = 64;

/// Every key: `finishOnKey` for a recording that any key ends.
const ANY_KEY: &str = "1234567890*#";

/// Hold music when a queue names none: a track from the bucket Twilio's own
/// default hold playlist uses.
pub const DEFAULT_HOLD_MUSIC: &str =
    "http://com.twilio.music.classical.s3.amazonaws.com/BusyStrings.mp3";

/// What the caller hears when the response would exceed [`MAX_BODY`].
pub const APOLOGY: &str = "We are sorry, we cannot continue this call. Goodbye.";

/// Our own query parameters on the queue's `waitUrl`: the wait page is
/// stateless, so the Enqueue's settings travel in its URL (which Twilio signs).
pub(crate) const WAIT_HOLD: &str = "ivr_hold";
pub(crate) const WAIT_EVERY: &str = "ivr_every";
pub(crate) const WAIT_MAX: &str = "ivr_max";

/// Render `instructions` as one TwiML document.
///
/// `action_url` is the absolute URL of every waiting verb's `action` (see
/// [`super::Step::after`] for which step it will report). `wait_url` is the
/// queue wait page (served with [`queue_wait`]); without it `<Enqueue>` gets
/// Twilio's default music and `max_wait_s`/`position_every_s` are not applied.
pub fn render(instructions: &[Instruction], action_url: &str, wait_url: Option<&str>) -> String {
    let body = document(|w| {
        for instruction in instructions {
            verb(w, instruction, action_url, wait_url)?;
            if instruction.waits() {
                break;
            }
        }
        Ok(())
    });
    if body.len() <= MAX_BODY {
        body
    } else {
        apology()
    }
}

/// How long one hold pauses before Twilio comes back, in seconds.
pub const HOLD_PAUSE_S: u32 = 1;

/// A hold while a slow effect runs on: the prompts of the turn so far
/// (Say/Play/Pause), the filler (`audio_url` played once, or a pause of
/// [`HOLD_PAUSE_S`]), then a `<Redirect>` (POST) to `redirect_url`, where the
/// rest of the turn is answered — or another hold.
pub fn hold(prompts: &[Instruction], audio_url: Option<&str>, redirect_url: &str) -> String {
    let filler = match audio_url {
        Some(url) => Instruction::Play {
            url: url.to_owned(),
            loops: 1,
        },
        None => Instruction::Pause {
            seconds: HOLD_PAUSE_S,
        },
    };
    let body = document(|w| {
        for instruction in prompts.iter().take_while(|i| !i.waits()) {
            prompt(w, instruction)?;
        }
        prompt(w, &filler)?;
        w.create_element("Redirect")
            .with_attribute(("method", "POST"))
            .write_text_content(BytesText::new(&clean(redirect_url)))?;
        Ok(())
    });
    if body.len() <= MAX_BODY {
        body
    } else {
        apology()
    }
}

/// What the caller does while waiting in a queue: Twilio requests the
/// `waitUrl` again each time this document ends.
#[derive(Clone, Debug, PartialEq)]
pub struct QueueWait {
    /// Seconds spent in the queue so far (Twilio's `QueueTime`).
    pub queue_time_s: u32,
    /// 1-based place in the queue (Twilio's `QueuePosition`).
    pub position: Option<u32>,
    pub hold_music: Option<String>,
    pub position_every_s: Option<u32>,
    pub max_wait_s: Option<u32>,
}

/// The queue wait page. Past `max_wait_s` it answers `<Leave/>`, which ends
/// the Enqueue with `QueueResult=leave` (decoded as a timeout). Otherwise it
/// plays the hold music once, preceded by the caller's position when
/// announcements are on — so the position is announced once per music loop,
/// not exactly every `position_every_s` (the page is stateless), and the
/// time limit is checked once per loop.
pub fn queue_wait(wait: &QueueWait) -> String {
    document(|w| {
        if wait.max_wait_s.is_some_and(|max| wait.queue_time_s >= max) {
            w.create_element("Leave").write_empty()?;
            return Ok(());
        }
        if let (Some(_), Some(position)) = (wait.position_every_s, wait.position) {
            let text = format!("You are number {position} in the queue.");
            w.create_element("Say")
                .write_text_content(BytesText::new(&text))?;
        }
        let music = wait
            .hold_music
            .as_deref()
            .map(link)
            .filter(|m| !m.is_empty())
            .unwrap_or_else(|| DEFAULT_HOLD_MUSIC.to_string());
        w.create_element("Play")
            .write_text_content(BytesText::new(&music))?;
        Ok(())
    })
}

/// The answer to a webhook we cannot serve (unknown call, bad request):
/// the apology, then hang up.
pub fn apology() -> String {
    document(|w| {
        w.create_element("Say")
            .write_text_content(BytesText::new(APOLOGY))?;
        w.create_element("Hangup").write_empty()?;
        Ok(())
    })
}

/// An empty `<Response/>`: the right answer to a status callback.
pub fn empty() -> String {
    document(|_| Ok(()))
}

type Xml = Writer<Vec<u8>>;

fn document(content: impl FnOnce(&mut Xml) -> io::Result<()>) -> String {
    let mut w = Writer::new(Vec::new());
    let written = w
        .write_event(Event::Decl(BytesDecl::new("1.0", Some("UTF-8"), None)))
        .and_then(|()| {
            w.create_element("Response")
                .write_inner_content(content)
                .map(|_| ())
        });
    // A Vec sink cannot fail, and every text went in as &str.
    written.expect("writing TwiML to memory");
    String::from_utf8(w.into_inner()).expect("TwiML is built from UTF-8 text")
}

fn verb(
    w: &mut Xml,
    instruction: &Instruction,
    action: &str,
    wait_url: Option<&str>,
) -> io::Result<()> {
    match instruction {
        Instruction::Say { .. }
        | Instruction::Play { .. }
        | Instruction::Pause { .. }
        | Instruction::RecordCall => prompt(w, instruction)?,
        Instruction::Gather {
            prompts,
            input,
            max_digits,
            finish_key,
            timeout_s,
            language,
            hints,
            ..
        } => {
            let speech = matches!(input, Input::Speech | Input::DtmfSpeech);
            let mut el = w
                .create_element("Gather")
                .with_attribute(("action", action))
                .with_attribute(("method", "POST"))
                .with_attribute(("input", input_name(*input)))
                .with_attribute(("timeout", timeout_s.to_string().as_str()));
            if *max_digits > 0 {
                el = el.with_attribute(("numDigits", max_digits.to_string().as_str()));
            }
            // Twilio's default finish key is `#`; "no key" must be said explicitly.
            let finish = finish_key.map(String::from).unwrap_or_default();
            el = el.with_attribute(("finishOnKey", finish.as_str()));
            if speech {
                el = el.with_attribute(("language", clean(language).as_str()));
                if !hints.is_empty() {
                    el = el.with_attribute(("hints", clean(&hints.join(", ")).as_str()));
                }
            }
            // Without this a timeout falls through to the next verb instead
            // of coming back to us as an empty `Digits`.
            el = el.with_attribute(("actionOnEmptyResult", "true"));
            el.write_inner_content(|w| {
                for p in prompts {
                    prompt(w, p)?;
                }
                Ok(())
            })?;
        }
        Instruction::Dial {
            targets,
            caller_id,
            ring_timeout_s,
            record,
        } => {
            let mut el = w
                .create_element("Dial")
                .with_attribute(("action", action))
                .with_attribute(("method", "POST"))
                .with_attribute(("timeout", ring_timeout_s.to_string().as_str()));
            if let Some(id) = caller_id {
                el = el.with_attribute(("callerId", clean(id).as_str()));
            }
            if *record {
                el = el.with_attribute(("record", "record-from-answer"));
            }
            // One `<Sip>` and nothing beside it (Twilio's rule; the checker
            // refuses such a transfer where it can see it, E039): a SIP
            // address among the targets is dialled alone.
            let sip = targets.iter().find(|t| t.trim().starts_with("sip:"));
            let targets: Vec<&String> = match sip {
                Some(sip) => vec![sip],
                None => targets.iter().take(MAX_DIAL_TARGETS).collect(),
            };
            el.write_inner_content(|w| {
                for target in targets {
                    let target = target.trim();
                    // `<Client>` takes the bare identity; `<Sip>` the whole URI.
                    let (noun, text) = match target.strip_prefix("client:") {
                        Some(identity) => ("Client", identity),
                        None if target.starts_with("sip:") => ("Sip", target),
                        None => ("Number", target),
                    };
                    w.create_element(noun)
                        .write_text_content(BytesText::new(clean(text).trim()))?;
                }
                Ok(())
            })?;
        }
        Instruction::Enqueue {
            name,
            hold_music,
            position_every_s,
            max_wait_s,
        } => {
            let mut el = w
                .create_element("Enqueue")
                .with_attribute(("action", action))
                .with_attribute(("method", "POST"));
            let wait = wait_url
                .map(|url| wait_link(url, hold_music.as_deref(), *position_every_s, *max_wait_s));
            if let Some(wait) = &wait {
                el = el
                    .with_attribute(("waitUrl", wait.as_str()))
                    .with_attribute(("waitUrlMethod", "POST"));
            }
            let name: String = clean(name).chars().take(MAX_QUEUE_NAME).collect();
            el.write_text_content(BytesText::new(&name))?;
        }
        Instruction::Record {
            max_length_s,
            beep,
            finish_key,
            finish_any,
            trim,
            timeout_s,
            transcribe,
        } => {
            let mut el = w
                .create_element("Record")
                .with_attribute(("action", action))
                .with_attribute(("method", "POST"))
                .with_attribute(("maxLength", max_length_s.to_string().as_str()))
                .with_attribute(("playBeep", if *beep { "true" } else { "false" }))
                .with_attribute(("timeout", timeout_s.to_string().as_str()));
            // Without a key of our own, Twilio's default (any key) applies;
            // `finish any` says so explicitly.
            if *finish_any {
                el = el.with_attribute(("finishOnKey", ANY_KEY));
            } else if let Some(key) = finish_key {
                el = el.with_attribute(("finishOnKey", key.to_string().as_str()));
            }
            if !*trim {
                el = el.with_attribute(("trim", "do-not-trim"));
            }
            // The transcript comes later, on its own request, often after
            // the call has ended.
            let transcript = super::transcript_url(action);
            if *transcribe {
                el = el
                    .with_attribute(("transcribe", "true"))
                    .with_attribute(("transcribeCallback", transcript.as_str()));
            }
            el.write_empty()?;
            // An empty recording makes no action request: Twilio moves on to
            // the next verb. Send it to the action URL anyway; a request
            // without `RecordingUrl` decodes as "nothing recorded".
            w.create_element("Redirect")
                .with_attribute(("method", "POST"))
                .write_text_content(BytesText::new(action))?;
        }
        Instruction::Agent { url, params, relay } => {
            // Twilio drops a `<Stream>` URL's query string (error 31922
            // says: use `<Parameter>`s), so its pairs travel as parameters.
            let (stream_url, query) = match relay {
                Some(_) => (url.clone(), Vec::new()),
                None => split_query(url),
            };
            w.create_element("Connect")
                .with_attribute(("action", action))
                .with_attribute(("method", "POST"))
                .write_inner_content(|w| {
                    // Raw audio (`<Stream>`), or text with Twilio doing the
                    // speech both ways (`<ConversationRelay>`, in the
                    // call's language; the agent's `end` message carries
                    // `handoffData` back to the action URL).
                    let agent = match relay {
                        Some(language) => w
                            .create_element("ConversationRelay")
                            .with_attribute(("url", clean(url).as_str()))
                            .with_attribute(("language", clean(language).as_str()))
                            .with_attribute(("dtmfDetection", "true")),
                        None => w
                            .create_element("Stream")
                            .with_attribute(("url", clean(&stream_url).as_str())),
                    };
                    agent.write_inner_content(|w| {
                        for (name, value) in query.iter().chain(params) {
                            w.create_element("Parameter")
                                .with_attribute(("name", clean(name).as_str()))
                                .with_attribute(("value", clean(value).as_str()))
                                .write_empty()?;
                        }
                        Ok(())
                    })?;
                    Ok(())
                })?;
        }
        Instruction::Hangup => {
            w.create_element("Hangup").write_empty()?;
        }
    }
    Ok(())
}

/// Say, Play or Pause — the verbs allowed inside `<Gather>`. Anything else
/// is skipped (the engine never nests it; TwiML would refuse it).
fn prompt(w: &mut Xml, instruction: &Instruction) -> io::Result<()> {
    match instruction {
        Instruction::Say {
            text,
            language,
            voice,
            loops,
            marked,
        } => {
            let whole = clean(text);
            let text = cut(whole.trim(), MAX_SAY);
            // An empty <Say> is an error to Twilio and silence to the caller.
            if text.is_empty() {
                return Ok(());
            }
            let voice = voice.clone().or_else(|| voice_for(language));
            let mut el = w
                .create_element("Say")
                .with_attribute(("language", clean(language).as_str()));
            if let Some(voice) = &voice {
                el = el.with_attribute(("voice", clean(voice).as_str()));
            }
            if *loops > 1 {
                el = el.with_attribute(("loop", loops.to_string().as_str()));
            }
            // SSML only where the voice reads it, and only whole: a text cut
            // to size is spoken as the plain words.
            let ssml = voice.as_deref().filter(|v| voices::takes_ssml(v));
            match ssml {
                Some(voice) if !marked.is_empty() && text.len() == whole.trim().len() => {
                    el.write_inner_content(|w| {
                        for piece in marked {
                            match piece {
                                Spoken::Text(t) => {
                                    w.write_event(Event::Text(BytesText::new(&clean(t))))?
                                }
                                Spoken::As {
                                    how,
                                    value,
                                    spelled,
                                } => say_as(w, voice, *how, value, spelled)?,
                            }
                        }
                        Ok(())
                    })?;
                }
                _ => {
                    el.write_text_content(BytesText::new(&text))?;
                }
            }
        }
        Instruction::Play { url, loops } => {
            let url = link(url);
            if url.is_empty() {
                return Ok(());
            }
            let mut el = w.create_element("Play");
            if *loops > 1 {
                el = el.with_attribute(("loop", loops.to_string().as_str()));
            }
            el.write_text_content(BytesText::new(&url))?;
        }
        Instruction::Pause { seconds } => {
            w.create_element("Pause")
                .with_attribute(("length", seconds.to_string().as_str()))
                .write_empty()?;
        }
        // Starts recording the call and goes straight on; kept with the
        // prompts so a hold's answer still starts it.
        Instruction::RecordCall => {
            w.create_element("Start").write_inner_content(|w| {
                w.create_element("Recording").write_empty()?;
                Ok(())
            })?;
        }
        Instruction::Gather { .. }
        | Instruction::Dial { .. }
        | Instruction::Enqueue { .. }
        | Instruction::Record { .. }
        | Instruction::Agent { .. }
        | Instruction::Hangup => {}
    }
    Ok(())
}

/// One `{var:format}` hole inside an SSML `<Say>`: `<say-as>` where both
/// Polly and Google read the format (digits, phone numbers, ISO dates);
/// times and amounts as the engine spelled them, which every voice reads.
fn say_as(w: &mut Xml, voice: &str, how: SayAs, value: &str, spelled: &str) -> io::Result<()> {
    let value = clean(value);
    let value = value.trim();
    let iso_date = value
        .get(..10)
        .filter(|d| d.parse::<jiff::civil::Date>().is_ok());
    let (interpret, format, content) = match how {
        // Google has no `digits`; its `characters` reads digits one by one too.
        SayAs::Digits if voice.starts_with("Google.") => ("characters", None, value),
        SayAs::Digits => ("digits", None, value),
        SayAs::Phone => ("telephone", None, value),
        SayAs::Date if iso_date.is_some() => ("date", Some("yyyymmdd"), iso_date.unwrap_or(value)),
        SayAs::Date | SayAs::Time | SayAs::Currency => {
            w.write_event(Event::Text(BytesText::new(&clean(spelled))))?;
            return Ok(());
        }
    };
    if content.is_empty() {
        return Ok(());
    }
    let mut el = w
        .create_element("say-as")
        .with_attribute(("interpret-as", interpret));
    if let Some(format) = format {
        el = el.with_attribute(("format", format));
    }
    el.write_text_content(BytesText::new(content))?;
    Ok(())
}

fn input_name(input: Input) -> &'static str {
    match input {
        Input::Dtmf => "dtmf",
        Input::Speech => "speech",
        Input::DtmfSpeech => "dtmf speech",
    }
}

/// The queue's wait URL with the Enqueue's settings in its query string.
fn wait_link(base: &str, hold: Option<&str>, every: Option<u32>, max: u32) -> String {
    let mut query = url::form_urlencoded::Serializer::new(String::new());
    if let Some(hold) = hold {
        query.append_pair(WAIT_HOLD, hold);
    }
    if let Some(every) = every {
        query.append_pair(WAIT_EVERY, &every.to_string());
    }
    query.append_pair(WAIT_MAX, &max.to_string());
    let sep = if base.contains('?') { '&' } else { '?' };
    format!("{base}{sep}{}", query.finish())
}

/// A URL as Twilio fetches it: percent-encoded where it needs to be (a
/// space, a non-ASCII letter, a quote), as a browser would send it; text
/// that is no absolute URL has its unsafe bytes encoded the same way. XML
/// escaping comes after, from quick-xml.
fn link(url: &str) -> String {
    let url = clean(url);
    let url = url.trim();
    if url.is_empty() {
        return String::new();
    }
    match url::Url::parse(url) {
        Ok(parsed) => parsed.into(),
        Err(_) => percent_encoding::utf8_percent_encode(url, UNSAFE_IN_URL).to_string(),
    }
}

/// What is never left bare in a URL: controls, space, non-ASCII (always
/// encoded by `utf8_percent_encode`) and the characters RFC 3986 excludes.
const UNSAFE_IN_URL: &percent_encoding::AsciiSet = &percent_encoding::CONTROLS
    .add(b' ')
    .add(b'"')
    .add(b'<')
    .add(b'>')
    .add(b'\\')
    .add(b'^')
    .add(b'`')
    .add(b'{')
    .add(b'|')
    .add(b'}');

/// A `<Stream>` URL without its query, and the query's pairs.
fn split_query(url: &str) -> (String, Vec<(String, String)>) {
    match url.split_once('?') {
        Some((base, query)) => {
            let (query, _fragment) = query.split_once('#').unwrap_or((query, ""));
            let pairs = url::form_urlencoded::parse(query.as_bytes())
                .into_owned()
                .collect();
            (base.to_string(), pairs)
        }
        None => (url.to_string(), Vec::new()),
    }
}

/// The voice for a `<Say>` the flow gave none: none while Twilio's default
/// voice speaks `language` (the account's choice stands), else a voice that
/// speaks it — Twilio's default would read Hindi text with an English voice.
fn voice_for(language: &str) -> Option<String> {
    match voices::speaks(voices::TWILIO_DEFAULT, language) {
        Some(true) => None,
        _ => voices::suggest(language),
    }
}

/// Drop the characters XML 1.0 cannot carry at all (escaping cannot save
/// them, and one would make Twilio reject the whole document).
fn clean(text: &str) -> String {
    text.chars()
        .filter(|&c| matches!(c, '\t' | '\n' | '\r' | '\u{20}'..='\u{D7FF}' | '\u{E000}'..='\u{FFFD}' | '\u{10000}'..))
        .collect()
}

/// At most `max` bytes of `text`, ending on a word boundary when one is near,
/// never inside a character.
fn cut(text: &str, max: usize) -> String {
    if text.len() <= max {
        return text.to_owned();
    }
    let mut end = max;
    while !text.is_char_boundary(end) {
        end -= 1;
    }
    let head = &text[..end];
    // Prefer a clean word end unless that would throw away a lot.
    match head.rfind(char::is_whitespace) {
        Some(space) if space >= max / 2 => head[..space].trim_end().to_owned(),
        _ => head.to_owned(),
    }
}

#[cfg(test)]
mod tests;
