//! What each provider can do — the one table the checker consults.
//!
//! `targets twilio, exotel` promises that a flow runs on both; a node that
//! needs something a target lacks is refused (E021), and a value outside what
//! a target accepts is refused (E018). Sources are in
//! /work/shared/reference/{twilio,exotel}.md; where a provider documents no
//! limit we chose one and say so.

use crate::graph::Provider;

/// A provider's features and limits.
#[derive(Debug)]
pub struct Capabilities {
    pub provider: Provider,
    /// `gather … input speech` (Twilio `<Gather input="speech">`; Exotel's
    /// Gather applet takes keys only).
    pub speech_input: bool,
    /// `transfer` to a `sip:` URI (Twilio `<Dial><Sip>`; Exotel Connect dials
    /// numbers, and SIP trunks need account set-up we cannot name in a flow).
    pub sip_transfer: bool,
    /// `transfer` to `client:NAME`, an agent in a browser or app (Twilio
    /// `<Dial><Client>`; Exotel has no client SDK identities).
    pub client_transfer: bool,
    /// `queue` (Twilio `<Enqueue>`; Exotel has no hosted queue).
    pub queue: bool,
    /// `ai … param`: how many parameters the agent may get (Exotel Voicebot: 3).
    pub max_ai_params: Option<usize>,
    /// `record … finish any` and `trim false` (Twilio `<Record finishOnKey
    /// trim>`; Exotel's Voicemail applet is set up in its flow builder).
    pub record_controls: bool,
    /// `record_call`: recording the rest of the call from a node on (Twilio
    /// `<Start><Recording>`; Exotel records only a Connect's conversation,
    /// `transfer … record true`).
    pub record_call: bool,
    /// `record … transcribe into VAR`: the provider transcribes a recording
    /// and posts the text later (Twilio `<Record transcribe
    /// transcribeCallback>`; Exotel's Voicemail applet has no transcription).
    pub transcribe: bool,
    /// `ai … mode relay` (Twilio `<ConversationRelay>`; Exotel streams audio only).
    pub ai_relay: bool,
    /// A wait between keys apart from the wait for the first key (`menu …
    /// inter_digit`). Neither provider has one: Twilio's `<Gather timeout>`
    /// and Exotel's `input_timeout` are one wait for every key.
    pub inter_digit_timeout: bool,
    /// Inclusive ranges, per [`Limit`]; `None`: no limit we know of.
    pub gather_timeout_s: Option<(u64, u64)>,
    pub ring_timeout_s: Option<(u64, u64)>,
    pub record_max_length_s: Option<(u64, u64)>,
    pub transcribed_length_s: Option<(u64, u64)>,
    pub say_text_bytes: Option<(u64, u64)>,
    pub queue_name_chars: Option<(u64, u64)>,
    pub sms_text_chars: Option<(u64, u64)>,
}

/// A provider-limited quantity.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Limit {
    GatherTimeout,
    RingTimeout,
    RecordMaxLength,
    /// `max_length` of a recording that is transcribed.
    TranscribedLength,
    SayText,
    QueueName,
    SmsText,
}

impl Limit {
    pub fn describe(self) -> &'static str {
        match self {
            Limit::GatherTimeout => "the input timeout",
            Limit::RingTimeout => "`ring_timeout`",
            Limit::RecordMaxLength => "`max_length`",
            Limit::TranscribedLength => "`max_length` of a transcribed recording",
            Limit::SayText => "spoken text",
            Limit::QueueName => "a queue name",
            Limit::SmsText => "an SMS text",
        }
    }

    pub fn unit(self) -> &'static str {
        match self {
            Limit::GatherTimeout
            | Limit::RingTimeout
            | Limit::RecordMaxLength
            | Limit::TranscribedLength => "s",
            Limit::SayText => "bytes",
            Limit::QueueName | Limit::SmsText => "characters",
        }
    }
}

impl Capabilities {
    pub fn range(&self, limit: Limit) -> Option<(u64, u64)> {
        match limit {
            Limit::GatherTimeout => self.gather_timeout_s,
            Limit::RingTimeout => self.ring_timeout_s,
            Limit::RecordMaxLength => self.record_max_length_s,
            Limit::TranscribedLength => self.transcribed_length_s,
            Limit::SayText => self.say_text_bytes,
            Limit::QueueName => self.queue_name_chars,
            Limit::SmsText => self.sms_text_chars,
        }
    }
}

const TWILIO: Capabilities = Capabilities {
    provider: Provider::Twilio,
    speech_input: true,
    sip_transfer: true,
    client_transfer: true,
    queue: true,
    max_ai_params: None,
    record_controls: true,
    record_call: true,
    transcribe: true,
    ai_relay: true,
    inter_digit_timeout: false,
    // `<Gather timeout>` documents no maximum; 180 s is our bound on silence.
    gather_timeout_s: Some((1, 180)),
    // `<Dial timeout>`: 5–600 s.
    ring_timeout_s: Some((5, 600)),
    // `<Record maxLength>`: up to 4 hours.
    record_max_length_s: Some((1, 14_400)),
    // Transcription: recordings of at most two minutes (Recording
    // Transcription resource).
    transcribed_length_s: Some((1, 120)),
    // `<Say>` body: at most 4 KB.
    say_text_bytes: Some((0, 4_096)),
    // `<Enqueue>` name: at most 64 characters.
    queue_name_chars: Some((1, 64)),
    // A message body: at most 1600 characters.
    sms_text_chars: Some((1, 1_600)),
};

const EXOTEL: Capabilities = Capabilities {
    provider: Provider::Exotel,
    speech_input: false,
    sip_transfer: false,
    client_transfer: false,
    queue: false,
    // Voicebot applet: at most 3 custom parameters.
    max_ai_params: Some(3),
    record_controls: false,
    record_call: false,
    transcribe: false,
    ai_relay: false,
    inter_digit_timeout: false,
    // Gather applet `input_timeout`: undocumented; we allow 1–60 s.
    gather_timeout_s: Some((1, 60)),
    // Connect applet `max_ringing_duration`: undocumented; we allow 5–120 s.
    ring_timeout_s: Some((5, 120)),
    // Voicemail: undocumented; we allow up to 1 hour.
    record_max_length_s: Some((1, 3_600)),
    // No transcription at all (`transcribe` above).
    transcribed_length_s: None,
    // Greeting text: undocumented; we keep Twilio's 4 KB.
    say_text_bytes: Some((0, 4_096)),
    queue_name_chars: None,
    // Sms/send `Body`: at most 2000 characters.
    sms_text_chars: Some((1, 2_000)),
};

/// The table row of a provider.
pub fn of(provider: Provider) -> &'static Capabilities {
    match provider {
        Provider::Twilio => &TWILIO,
        Provider::Exotel => &EXOTEL,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_provider_has_its_own_row() {
        for p in Provider::ALL {
            assert_eq!(of(p).provider, p);
        }
    }

    #[test]
    fn exotel_lacks_what_twilio_has() {
        assert!(of(Provider::Twilio).speech_input && !of(Provider::Exotel).speech_input);
        assert!(of(Provider::Twilio).queue && !of(Provider::Exotel).queue);
        assert_eq!(of(Provider::Exotel).max_ai_params, Some(3));
        assert_eq!(
            of(Provider::Twilio).range(Limit::RingTimeout),
            Some((5, 600))
        );
    }
}
