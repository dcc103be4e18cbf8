//! Nodes that reach out: `transfer`, `queue`, `record`, `http`, `sms`, `ai`.

use super::*;
use crate::graph::{FieldShape, ResultField};
use crate::source::Spanned;

/// The longest agent budget: Exotel ends a Voicebot session after 60 minutes.
const MAX_AGENT_TIME_MS: u64 = 60 * 60 * 1000;

/// Parameters the runtime passes to every agent (docs/agents.md): the URL to
/// post the result to and the token that authenticates it.
pub const RESERVED_AGENT_PARAMS: &[&str] = &["ivr_result_url", "ivr_result_token"];

impl Build<'_> {
    pub(super) fn transfer(&mut self, cx: &mut Cx) -> PendingKind {
        let prompt = self.optional_prompt(cx, PROMPT);
        let written = self.props.all("to");
        if written.is_empty() {
            self.props.missing("to", "`to \"+918045671200\"`");
        }
        let mut to = Vec::new();
        for v in written {
            let Some(t) = self.template(cx, v, "to") else {
                continue;
            };
            match t.address() {
                Address::Sip => {
                    values::feature(
                        cx,
                        self.scope.targets(),
                        |c| c.sip_transfer,
                        "transfer to a SIP address",
                        v.span,
                    );
                    self.unchecked_address(cx, &t, v.span, "SIP address");
                }
                Address::Client => {
                    values::feature(
                        cx,
                        self.scope.targets(),
                        |c| c.client_transfer,
                        "transfer to a Twilio Client (`client:…`)",
                        v.span,
                    );
                    if values::literal(&t).as_deref() == Some(Address::CLIENT) {
                        cx.push(
                            Diagnostic::new(Code::InvalidValue, "`client:` names nobody")
                                .label(v.span, "no identity after `client:`")
                                .help("write the agent's identity: `to \"client:alice\"`"),
                        );
                    }
                    self.unchecked_address(cx, &t, v.span, "Client identity");
                }
                Address::Number => self.number(cx, &t, v.span),
            }
            to.push(t);
        }
        let caller_id = self.props.one(cx, "caller_id").and_then(|v| {
            let t = self.template(cx, v, "caller_id")?;
            values::phone(cx, &t, v.span, self.scope.language());
            Some(t)
        });
        let ring_timeout_s = self.secs(cx, "ring_timeout", 30, Some(Limit::RingTimeout));
        let record = self.flag(cx, "record", false);
        let answered = self.exit(cx, "answered");
        let busy = self.exit(cx, "busy");
        let no_answer = self.exit(cx, "no_answer");
        let failed = self.exit(cx, "failed");
        Self::node(NodeKind::Transfer {
            prompt,
            to,
            caller_id,
            ring_timeout_s,
            record,
            answered,
            busy,
            no_answer,
            failed,
        })
    }

    pub(super) fn queue(&mut self, cx: &mut Cx, node_name: &str) -> PendingKind {
        values::feature(
            cx,
            self.scope.targets(),
            |c| c.queue,
            "queues",
            self.owner.span,
        );
        let (name, name_template) = match self.props.one(cx, "name") {
            Some(v) => match self.template(cx, v, "name") {
                Some(t) if !t.is_literal() => (t.display(), Some(t)),
                Some(t) => {
                    let name = values::literal(&t).unwrap_or_default();
                    values::limit(
                        cx,
                        self.scope.targets(),
                        Limit::QueueName,
                        name.chars().count() as u64,
                        v.span,
                    );
                    (name, None)
                }
                None => (node_name.to_string(), None),
            },
            None => (node_name.to_string(), None),
        };
        let prompt = self.optional_prompt(cx, PROMPT);
        let hold_music = self.props.one(cx, "hold_music").and_then(|v| {
            let t = self.template(cx, v, "hold_music")?;
            let Some(url) = values::literal(&t) else {
                cx.push(
                    Diagnostic::new(Code::InvalidTemplate, "`hold_music` cannot hold variables")
                        .label(v.span, "a template here")
                        .help("write the full URL of the music"),
                );
                return None;
            };
            values::url(cx, &t, v.span, "hold_music", &["http", "https"]);
            Some(url)
        });
        let position_every_s = self
            .props
            .one(cx, "announce_every")
            .and_then(|v| values::seconds(cx, v, "announce_every"));
        let max_wait_s = self.secs(cx, "max_wait", 600, None);
        let bridged = self.exit(cx, "bridged");
        let timeout = self.exit(cx, "timeout");
        let failed = self.exit(cx, "failed");
        Self::node(NodeKind::Queue {
            name,
            name_template,
            prompt,
            hold_music,
            position_every_s,
            max_wait_s,
            bridged,
            timeout,
            failed,
        })
    }

    pub(super) fn record(&mut self, cx: &mut Cx) -> PendingKind {
        let prompt = self.optional_prompt(cx, PROMPT);
        let max_length_s = self.secs(cx, "max_length", 120, Some(Limit::RecordMaxLength));
        let beep = self.flag(cx, "beep", true);
        // `finish any` (any key ends the recording) is for recordings only.
        let finish = self.props.one(cx, "finish");
        let finish_any = matches!(
            finish.map(|v| &v.value),
            Some(Value::Word(w) | Value::Str(w)) if w == "any"
        );
        let finish_key = match finish {
            None => Some('#'),
            Some(_) if finish_any => None,
            Some(v) => values::finish_key(cx, v).unwrap_or(Some('#')),
        };
        let trim = self.props.one(cx, "trim");
        let keep_silence = trim
            .and_then(|v| values::boolean(cx, v, "trim"))
            .is_some_and(|trimmed| !trimmed);
        for (wanted, v, key) in [
            (finish_any, finish, "finish any"),
            (keep_silence, trim, "trim false"),
        ] {
            if let (true, Some(v)) = (wanted, v) {
                values::feature(
                    cx,
                    self.scope.targets(),
                    |c| c.record_controls,
                    &format!("`{key}` on a recording"),
                    v.span,
                );
            }
        }
        let timeout_s = self.secs(cx, "timeout", 5, None);
        let into = self.into(cx, &[Type::String], 0);
        let transcript = self.transcript(cx, max_length_s);
        let done = self.exit(cx, "done");
        let empty = self.exit(cx, "empty");
        Self::node(NodeKind::Record {
            prompt,
            max_length_s,
            beep,
            finish_key,
            finish_any,
            keep_silence,
            timeout_s,
            into,
            transcript,
            done,
            empty,
        })
    }

    /// `transcribe into VAR`: the `string` variable the transcript goes
    /// into. It is set (to `""`) on `done`, so reading it is never E014, but
    /// the text itself comes later: the provider transcribes after the
    /// recording ends and posts the text when it is done.
    fn transcript(&mut self, cx: &mut Cx, max_length_s: u32) -> Option<String> {
        let p = self.props.one_line(cx, &["transcribe"])?;
        values::feature(
            cx,
            self.scope.targets(),
            |c| c.transcribe,
            "transcribing a recording (`transcribe`)",
            p.span,
        );
        let var = match p.values.as_slice() {
            [into, var] if matches!(&into.value, Value::Word(w) if w == "into") => var,
            _ => {
                cx.push(
                    Diagnostic::new(
                        Code::InvalidValue,
                        "`transcribe` names the variable the transcript goes into",
                    )
                    .label(p.span, "expected `into` and a variable")
                    .help("write `transcribe into message_text` (a `string` variable)"),
                );
                return None;
            }
        };
        let length = self.props.span_of("max_length").unwrap_or(p.span);
        values::limit(
            cx,
            self.scope.targets(),
            Limit::TranscribedLength,
            u64::from(max_length_s),
            length,
        );
        self.stored(cx, var, "transcribe", &[Type::String], 0)
    }

    /// `record_call`: record the rest of the call.
    pub(super) fn record_call(&mut self, cx: &mut Cx) -> PendingKind {
        values::feature(
            cx,
            self.scope.targets(),
            |c| c.record_call,
            "recording the whole call (`record_call`)",
            self.owner.span,
        );
        let next = self.exit(cx, "next");
        Self::node(NodeKind::RecordCall { next })
    }

    pub(super) fn http(&mut self, cx: &mut Cx) -> PendingKind {
        let method = self
            .props
            .one(cx, "method")
            .and_then(|v| values::choice(cx, v, "method", METHODS))
            .map_or(Method::Get, |i| {
                [
                    Method::Get,
                    Method::Post,
                    Method::Put,
                    Method::Patch,
                    Method::Delete,
                ][i]
            });
        let url = match self
            .props
            .required(cx, "url", "`url \"https://api.example.com/…\"`")
        {
            Some(v) => self.template(cx, v, "url").inspect(|t| {
                values::url(cx, t, v.span, "url", &["http", "https"]);
            }),
            None => None,
        };
        let headers = self
            .pairs(cx, "header")
            .into_iter()
            .map(|(n, t, _)| (n, t))
            .collect();
        let body = self
            .props
            .one(cx, "body")
            .and_then(|v| self.template(cx, v, "body"));
        let timeout_ms = self.ms(cx, "timeout", 3_000);
        let into = self.into(cx, &[Type::Json], 0);
        let ok = self.exit(cx, "ok");
        let error = self.exit(cx, "error");
        Self::node(NodeKind::Http {
            method,
            url: url.unwrap_or_default(),
            headers,
            body,
            timeout_ms,
            into,
            ok,
            error,
        })
    }

    pub(super) fn sms(&mut self, cx: &mut Cx) -> PendingKind {
        let to = self
            .props
            .required(cx, "to", "`to \"{call.from}\"`")
            .and_then(|v| {
                let t = self.template(cx, v, "to")?;
                self.number(cx, &t, v.span);
                Some(t)
            });
        let text = self
            .props
            .required(cx, "text", "`text \"…\"`")
            .and_then(|v| {
                let t = self.template(cx, v, "text")?;
                let chars = t.display().chars().count() as u64;
                values::limit(cx, self.scope.targets(), Limit::SmsText, chars, v.span);
                Some(t)
            });
        let dlt_template = self
            .props
            .one(cx, "dlt_template")
            .and_then(|v| values::text(cx, v, "dlt_template"))
            .map(|id| id.trim().to_string())
            .filter(|id| !id.is_empty());
        let sent = self.exit(cx, "sent");
        let failed = self.exit(cx, "failed");
        Self::node(NodeKind::Sms {
            to: to.unwrap_or_default(),
            text: text.unwrap_or_default(),
            dlt_template,
            sent,
            failed,
        })
    }

    pub(super) fn ai(&mut self, cx: &mut Cx) -> PendingKind {
        let url = match self
            .props
            .required(cx, "url", "`url \"wss://agents.example.com/…\"`")
        {
            Some(v) => self.template(cx, v, "url").inspect(|t| {
                values::url(cx, t, v.span, "url", &["ws", "wss"]);
                super::super::pitfalls::agent_url(cx, self.scope.targets(), t, v.span);
            }),
            None => None,
        };
        let greeting = self.optional_prompt(cx, &["greeting"]);
        let mut params: Vec<(String, Template)> = Vec::new();
        let written = self.pairs(cx, "param");
        for (name, t, span) in written.iter().cloned() {
            if params.iter().any(|(n, _)| *n == name) {
                cx.push(
                    Diagnostic::new(
                        Code::DuplicateName,
                        format!("parameter `{name}` is passed twice"),
                    )
                    .label(span, "again here")
                    .help("pass each parameter once"),
                );
                continue;
            }
            if RESERVED_AGENT_PARAMS.contains(&name.as_str()) {
                cx.push(
                    Diagnostic::new(
                        Code::InvalidValue,
                        format!("parameter `{name}` is the runtime's"),
                    )
                    .label(span, "a reserved name")
                    .help("the runtime passes `ivr_result_url` and `ivr_result_token` to every agent; name yours otherwise"),
                );
                continue;
            }
            params.push((name, t));
        }
        for &provider in self.scope.targets() {
            let max = crate::check::capabilities::of(provider).max_ai_params;
            if let Some(max) = max
                && params.len() > max
            {
                let span = written.get(max).map_or(self.owner.span, |(_, _, s)| *s);
                cx.push(
                    Diagnostic::new(
                        Code::Unsupported,
                        format!("{} passes at most {max} parameters to an agent", provider.as_str()),
                    )
                    .label(span, format!("parameter {} of {}", max + 1, params.len()))
                    .help(format!(
                        "pass at most {max}, e.g. fold them into one JSON text, or remove `{}` from `targets`",
                        provider.as_str()
                    )),
                );
            }
        }
        let relay = match self.props.one(cx, "mode") {
            Some(v) => match values::choice(cx, v, "mode", &["stream", "relay"]) {
                Some(1) => {
                    values::feature(
                        cx,
                        self.scope.targets(),
                        |c| c.ai_relay,
                        "an agent over ConversationRelay (`mode relay`)",
                        v.span,
                    );
                    true
                }
                _ => false,
            },
            None => false,
        };
        let result = self.agent_result(cx);
        let timeout_ms = match self.props.one(cx, "timeout") {
            Some(v) => values::duration_ms(cx, v, "timeout").filter(|&ms| {
                let fits = (1_000..=MAX_AGENT_TIME_MS).contains(&ms);
                if !fits {
                    cx.push(
                        Diagnostic::new(
                            Code::InvalidValue,
                            "an agent's `timeout` is between 1s and 60m",
                        )
                        .label(v.span, "out of range")
                        .help("write e.g. `timeout 5m`; Exotel ends a Voicebot after 60 minutes"),
                    );
                }
                fits
            }),
            None => None,
        };
        let into = self.into(cx, &[Type::Json], 0);
        let done = self.exit(cx, "done");
        let failed = self.exit(cx, "failed");
        Self::node(NodeKind::Ai {
            url: url.unwrap_or_default(),
            greeting,
            params,
            into,
            relay,
            result,
            timeout_ms,
            done,
            failed,
        })
    }

    /// `result NAME TYPE` (`string`, `number`, `bool`, `json`) or
    /// `result NAME "a", "b", …` (one of these strings), once per field.
    fn agent_result(&mut self, cx: &mut Cx) -> Vec<ResultField> {
        let mut fields: Vec<ResultField> = Vec::new();
        for p in self.props.entries("result") {
            let Some((name, shape)) = p.values.split_first() else {
                continue;
            };
            let Some(name_text) = values::text(cx, name, "result") else {
                continue;
            };
            let shape = match shape {
                [
                    Spanned {
                        value: Value::Word(word),
                        span,
                    },
                ] => match FieldShape::WORDS.iter().position(|w| w == word) {
                    Some(0) => FieldShape::String,
                    Some(1) => FieldShape::Number,
                    Some(2) => FieldShape::Bool,
                    Some(_) => FieldShape::Json,
                    None => {
                        let help = did_you_mean(word, FieldShape::WORDS.iter().copied())
                            .unwrap_or_else(|| {
                                "a field is `string`, `number`, `bool`, `json`, or one of some texts: `result intent \"billing\", \"support\"`".into()
                            });
                        cx.push(
                            Diagnostic::new(
                                Code::InvalidValue,
                                format!("`{word}` is not a result field type"),
                            )
                            .label(*span, "unknown type")
                            .help(help),
                        );
                        continue;
                    }
                },
                [] => {
                    cx.push(
                        Diagnostic::new(
                            Code::InvalidValue,
                            format!("result field `{name_text}` has no type"),
                        )
                        .label(p.span, "a name alone")
                        .help(format!(
                            "write `result {name_text} string`, or its values: `result {name_text} \"yes\", \"no\"`"
                        )),
                    );
                    continue;
                }
                values_written => {
                    let mut one_of: Vec<String> = Vec::new();
                    for v in values_written {
                        match &v.value {
                            Value::Str(s) if !one_of.contains(s) => one_of.push(s.clone()),
                            Value::Str(_) => {}
                            _ => {
                                cx.push(
                                    Diagnostic::new(
                                        Code::InvalidValue,
                                        format!(
                                            "result field `{name_text}` takes one type or several texts"
                                        ),
                                    )
                                    .label(v.span, v.value.describe())
                                    .help(format!(
                                        "write `result {name_text} json`, or quote each value: `\"billing\", \"support\"`"
                                    )),
                                );
                            }
                        }
                    }
                    if one_of.is_empty() {
                        continue;
                    }
                    FieldShape::OneOf(one_of)
                }
            };
            if fields.iter().any(|f| f.name == name_text) {
                cx.push(
                    Diagnostic::new(
                        Code::DuplicateName,
                        format!("result field `{name_text}` is declared twice"),
                    )
                    .label(name.span, "again here")
                    .help("declare each field once"),
                );
                continue;
            }
            fields.push(ResultField {
                name: name_text,
                shape,
            });
        }
        fields
    }
}

impl Build<'_> {
    /// A phone number to dial or text: checked now when written out, else
    /// normalised at run time with the flow's country — which needs one when
    /// the number comes from the caller (W034).
    fn number(&mut self, cx: &mut Cx, t: &Template, span: Span) {
        let language = self.scope.language();
        if t.is_literal() {
            values::phone(cx, t, span, language);
            return;
        }
        if crate::phone::country_of(language).is_some() {
            return;
        }
        if let Some(var) = self.caller_input_in(t) {
            cx.push(
                Diagnostic::new(
                    Code::UnnormalisedNumber,
                    format!("`{var}` goes out as the caller keyed it"),
                )
                .label(span, "a number from caller input")
                .help(format!(
                    "the flow's language `{language}` names no country, so a number without `+` cannot be read: give it a region (`language \"en-IN\"`), or ask for the country code"
                )),
            );
        }
    }

    /// A SIP address or Client identity built from caller input is passed on
    /// as typed: nothing can normalise it (W034).
    fn unchecked_address(&mut self, cx: &mut Cx, t: &Template, span: Span, what: &str) {
        if let Some(var) = self.caller_input_in(t) {
            cx.push(
                Diagnostic::new(
                    Code::UnnormalisedNumber,
                    format!("a {what} is built from `{var}`, which the caller typed"),
                )
                .label(span, "caller input, unchecked")
                .help(format!(
                    "check it first: give the `gather` into `{var}` a `pattern` (`pattern \"[0-9]{{3,4}}\"`), or test it in a `branch`"
                )),
            );
        }
    }

    /// The first variable of `t` that holds unchecked caller input.
    fn caller_input_in(&self, t: &Template) -> Option<String> {
        t.vars()
            .filter_map(|path| path.first())
            .find(|root| self.scope.caller_input.contains(root.as_str()))
            .cloned()
    }
}
