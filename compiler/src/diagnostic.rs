//! Diagnostics are values: a stage produces them, the edge (the `ivr` command,
//! the server) renders them. Codes are stable; docs/diagnostics.md documents
//! every one, and tests/broken/ holds a fixture for each.

use crate::source::Span;

#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Severity {
    Warning,
    Error,
}

impl Severity {
    pub fn as_str(self) -> &'static str {
        match self {
            Severity::Error => "error",
            Severity::Warning => "warning",
        }
    }
}

macro_rules! codes {
    ($($variant:ident = $code:literal, $slug:literal, $severity:ident;)*) => {
        /// Every diagnostic the compiler can produce. The code string never changes meaning.
        #[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
        pub enum Code { $($variant,)* }

        impl Code {
            pub const ALL: &'static [Code] = &[$(Code::$variant,)*];

            /// `E012`
            pub fn as_str(self) -> &'static str {
                match self { $(Code::$variant => $code,)* }
            }

            /// `trapped-caller`
            pub fn slug(self) -> &'static str {
                match self { $(Code::$variant => $slug,)* }
            }

            pub fn severity(self) -> Severity {
                match self { $(Code::$variant => Severity::$severity,)* }
            }

            /// `e012-trapped-caller`: the anchor of the code's section in
            /// docs/diagnostics.md (`## E012 trapped-caller`).
            pub fn docs_anchor(self) -> String {
                format!("{}-{}", self.as_str().to_ascii_lowercase(), self.slug())
            }
        }
    };
}

codes! {
    Syntax = "E001", "syntax-error", Error;
    DuplicateNode = "E002", "duplicate-node", Error;
    UnknownTarget = "E003", "unknown-target", Error;
    MissingExit = "E004", "missing-exit", Error;
    UnknownExit = "E005", "unknown-exit", Error;
    DuplicateKey = "E006", "duplicate-key", Error;
    UnknownField = "E007", "unknown-field", Error;
    MissingField = "E008", "missing-field", Error;
    InvalidValue = "E009", "invalid-value", Error;
    Unreachable = "W010", "unreachable-node", Warning;
    EndlessLoop = "E011", "endless-loop", Error;
    TrappedCaller = "E012", "trapped-caller", Error;
    UndeclaredVariable = "E013", "undeclared-variable", Error;
    MaybeUnset = "E014", "maybe-unset-variable", Error;
    TypeMismatch = "E015", "type-mismatch", Error;
    InvalidPhone = "E016", "invalid-phone-number", Error;
    InvalidUrl = "E017", "invalid-url", Error;
    OutOfRange = "E018", "out-of-range", Error;
    UnknownTimezone = "E019", "unknown-timezone", Error;
    MalformedHours = "E020", "malformed-hours", Error;
    Unsupported = "E021", "unsupported-by-target", Error;
    NotUtf8 = "E022", "not-utf8", Error;
    DuplicateName = "E023", "duplicate-name", Error;
    UnknownModule = "E024", "unknown-module", Error;
    InvalidPattern = "E025", "invalid-pattern", Error;
    InvalidTemplate = "E026", "invalid-template", Error;
    UnknownKind = "E027", "unknown-node-kind", Error;
    NoFlow = "E028", "no-flow", Error;
    UnboundedRetry = "E029", "unbounded-retry", Error;
    AmbiguousKeys = "W030", "ambiguous-keys", Warning;
    ImpossibleInput = "E031", "impossible-input", Error;
    SilentFailure = "W032", "silent-failure", Warning;
    ErrorHangup = "W033", "error-hangup", Warning;
    UnnormalisedNumber = "W034", "unnormalised-number", Warning;
    DeadCondition = "W035", "dead-condition", Warning;
    HoursMistake = "W036", "hours-mistake", Warning;
    JsonFieldType = "E037", "json-field-type", Error;
    VoiceLanguage = "W038", "voice-language", Warning;
    ProviderPitfall = "E039", "provider-pitfall", Error;
    LongPath = "W040", "long-path", Warning;
    AiNoPerson = "W041", "ai-no-person", Warning;
    DeadAir = "E042", "dead-air", Error;
}

/// A label: a span and what is there.
#[derive(Clone, Debug, PartialEq)]
pub struct Label {
    pub span: Span,
    pub message: String,
}

#[derive(Clone, Debug, PartialEq)]
pub struct Diagnostic {
    pub code: Code,
    pub severity: Severity,
    /// Lowercase, no trailing period.
    pub message: String,
    /// The first label is the primary one.
    pub labels: Vec<Label>,
    pub help: Option<String>,
}

impl Diagnostic {
    pub fn new(code: Code, message: impl Into<String>) -> Self {
        Diagnostic {
            code,
            severity: code.severity(),
            message: message.into(),
            labels: Vec::new(),
            help: None,
        }
    }

    pub fn label(mut self, span: Span, message: impl Into<String>) -> Self {
        self.labels.push(Label {
            span,
            message: message.into(),
        });
        self
    }

    pub fn help(mut self, help: impl Into<String>) -> Self {
        self.help = Some(help.into());
        self
    }

    /// Where it points: the primary label's span.
    pub fn span(&self) -> Span {
        self.labels.first().map(|l| l.span).unwrap_or_default()
    }

    pub fn is_error(&self) -> bool {
        self.severity == Severity::Error
    }
}

/// "did you mean `x`?" — the closest candidate, if one is close enough.
pub fn did_you_mean<'a>(
    wrong: &str,
    candidates: impl IntoIterator<Item = &'a str>,
) -> Option<String> {
    let mut best: Option<(f64, &str)> = None;
    for candidate in candidates {
        let mut score = strsim::jaro_winkler(wrong, candidate);
        // Two swapped letters (`sya` for `say`) score low on short words.
        if wrong.len() >= 3 && strsim::damerau_levenshtein(wrong, candidate) == 1 {
            score = score.max(0.85);
        }
        if score > 0.8 && best.is_none_or(|(s, _)| score > s) {
            best = Some((score, candidate));
        }
    }
    best.map(|(_, c)| format!("did you mean `{c}`?"))
}
