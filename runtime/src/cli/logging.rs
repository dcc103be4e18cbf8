//! The server's log lines. Webhooks put caller text into fields (a
//! `CallSid`, a `SpeechResult`, a URL built from them); written raw, a value
//! holding a line break would start a line of its own — a forged `ERROR`.
//! Every field value, the message included, is written with its control
//! characters escaped (`\n`, `\r`, `\t`, `\u{1b}`…), so one event is always
//! one line, whatever a field holds and however it was recorded (`%` or `?`).

use std::fmt;

use tracing_subscriber::field::MakeExt;
use tracing_subscriber::fmt::format::{Writer, debug_fn};

/// Start logging to stderr at `RUST_LOG`'s level (default `info`).
pub fn init() {
    let filter =
        tracing_subscriber::EnvFilter::try_from_default_env().unwrap_or_else(|_| "info".into());
    let _ = subscriber(std::io::stderr)
        .with_env_filter(filter)
        .try_init();
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
}
