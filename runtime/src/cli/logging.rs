//! The server's log lines. Webhooks put caller text into fields (a
//! `CallSid`, a `SpeechResult`, a URL built from them); written raw, a value
//! holding a line break would start a line of its own — a forged `ERROR`.
//! Every field value, the message included, is written with its control
//! characters escaped (`\n`, `\r`, `\t`, `\u{1b}`…), so one event is always
//! one line, whatever a field holds and however it was recorded (`%` or `?`).

use std::fmt;

use tracing_subscriber::field::MakeExt;
use tracing_subscriber::fmt::format::{Writer, debug_fn};

/// How log lines are written (`ivr serve --log-format`).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, clap::ValueEnum)]
pub enum Format {
    /// `time LEVEL message key=value…`, one event per line.
    #[default]
    Text,
    /// One JSON object per line: `timestamp`, `level`, `message` and the
    /// event's fields at the top level.
    Json,
}

/// Start logging to stderr at `RUST_LOG`'s level (default `info`).
pub fn init(format: Format) {
    let filter =
        tracing_subscriber::EnvFilter::try_from_default_env().unwrap_or_else(|_| "info".into());
    let _ = match format {
        // Logs often go to a file: escape codes only on a terminal (and `--color`).
        Format::Text => subscriber(std::io::stderr)
            .with_env_filter(filter)
            .with_ansi(super::colour::stderr())
            .try_init(),
        Format::Json => json(std::io::stderr).with_env_filter(filter).try_init(),
    };
}

/// The JSON format: strings escaped by the encoder, never coloured.
fn json<W>(
    writer: W,
) -> tracing_subscriber::fmt::SubscriberBuilder<
    tracing_subscriber::fmt::format::JsonFields,
    tracing_subscriber::fmt::format::Format<tracing_subscriber::fmt::format::Json>,
    tracing_subscriber::filter::LevelFilter,
    W,
>
where
    W: for<'w> tracing_subscriber::fmt::MakeWriter<'w> + Send + Sync + 'static,
{
    tracing_subscriber::fmt()
        .json()
        .flatten_event(true)
        .with_current_span(false)
        .with_span_list(false)
        .with_target(false)
        .with_ansi(false)
        .with_writer(writer)
}

/// The log format, writing to `writer`.
fn subscriber<W>(
    writer: W,
) -> tracing_subscriber::fmt::SubscriberBuilder<
    impl for<'w> tracing_subscriber::fmt::FormatFields<'w> + Send + Sync + 'static,
    tracing_subscriber::fmt::format::Format,
    tracing_subscriber::filter::LevelFilter,
    W,
>
where
    W: for<'w> tracing_subscriber::fmt::MakeWriter<'w> + Send + Sync + 'static,
{
    let fields = debug_fn(|w: &mut Writer<'_>, field, value| {
        if field.name() != "message" {
            write!(w, "{}=", field.name())?;
        }
        write_escaped(w, &format!("{value:?}"))
    })
    .delimited(" ");
    tracing_subscriber::fmt()
        .with_target(false)
        .fmt_fields(fields)
        .with_writer(writer)
}

/// `text` with every character that could end or rewrite a line escaped.
fn write_escaped(w: &mut impl fmt::Write, text: &str) -> fmt::Result {
    for c in text.chars() {
        match c {
            '\n' => w.write_str("\\n")?,
            '\r' => w.write_str("\\r")?,
            '\t' => w.write_str("\\t")?,
            // Control characters (ESC starts terminal sequences) and the
            // Unicode line and paragraph separators.
            c if c.is_control() || c == '\u{2028}' || c == '\u{2029}' => {
                write!(w, "\\u{{{:x}}}", c as u32)?
            }
            c => w.write_char(c)?,
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::{Arc, Mutex};

    #[derive(Clone, Default)]
    struct Captured(Arc<Mutex<Vec<u8>>>);

    impl std::io::Write for Captured {
        fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
            self.0.lock().unwrap().extend_from_slice(buf);
            Ok(buf.len())
        }
        fn flush(&mut self) -> std::io::Result<()> {
            Ok(())
        }
    }

    /// The bug: a CallSid or SpeechResult with a newline forged whole lines.
    #[test]
    fn caller_text_cannot_start_a_line_of_its_own() {
        let out = Captured::default();
        let sink = out.clone();
        let subscriber = subscriber(move || sink.clone()).with_ansi(false).finish();
        let forged = "CA1\n2026-01-01T00:00:00Z ERROR forged\r\u{1b}[2K";
        tracing::subscriber::with_default(subscriber, || {
            let span = tracing::info_span!("call", call_sid = %forged);
            let _in = span.enter();
            tracing::warn!(said = %forged, digits = ?forged, "heard {}", forged);
        });
        let text = String::from_utf8(out.0.lock().unwrap().clone()).unwrap();
        assert_eq!(text.lines().count(), 1, "{text}");
        assert!(!text.contains('\r') && !text.contains('\u{1b}'), "{text}");
        assert!(text.contains(r"said=CA1\n2026-01-01T00:00:00Z ERROR forged\r\u{1b}[2K"));
        assert!(text.contains(r"heard CA1\n2026"));
        assert!(text.contains(r"call_sid=CA1\n2026"));
    }

    #[test]
    fn json_lines_are_one_object_each_with_the_fields_at_the_top() {
        let out = Captured::default();
        let sink = out.clone();
        let subscriber = json(move || sink.clone()).finish();
        let forged = "CA1\n{\"level\":\"ERROR\"}\u{1b}[2K";
        tracing::subscriber::with_default(subscriber, || {
            tracing::info!(call = %forged, path = "main>bye", latency_ms = 1.5, "turn");
        });
        let text = String::from_utf8(out.0.lock().unwrap().clone()).unwrap();
        assert_eq!(text.lines().count(), 1, "{text}");
        assert!(!text.contains('\u{1b}'), "{text}");
        let line: serde_json::Value = serde_json::from_str(text.trim()).unwrap();
        assert_eq!(line["message"], "turn");
        assert_eq!(line["level"], "INFO");
        assert_eq!(line["call"], forged);
        assert_eq!(line["path"], "main>bye");
        assert_eq!(line["latency_ms"], 1.5);
        assert!(line["timestamp"].is_string());
    }
}
