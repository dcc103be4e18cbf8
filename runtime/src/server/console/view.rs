//! The console's templates (embedded at build time) and how pages are answered.

use std::sync::OnceLock;

use axum::http::{StatusCode, header};
use axum::response::{Html, IntoResponse, Response};
use minijinja::Environment;

const TEMPLATES: [(&str, &str); 10] = [
    ("base.html", include_str!("templates/base.html")),
    ("login.html", include_str!("templates/login.html")),
    ("flows.html", include_str!("templates/flows.html")),
    ("flow.html", include_str!("templates/flow.html")),
    ("calls.html", include_str!("templates/calls.html")),
    ("call.html", include_str!("templates/call.html")),
    ("analytics.html", include_str!("templates/analytics.html")),
    ("campaigns.html", include_str!("templates/campaigns.html")),
    ("campaign.html", include_str!("templates/campaign.html")),
    ("phone.html", include_str!("templates/phone.html")),
];

fn templates() -> &'static Environment<'static> {
    static ENV: OnceLock<Environment<'static>> = OnceLock::new();
    ENV.get_or_init(|| {
        // `.html` names turn on HTML escaping of every value (minijinja's default).
        let mut env = Environment::new();
        for (name, source) in TEMPLATES {
            env.add_template(name, source)
                .expect("the console's templates are checked by its tests");
        }
        env.add_filter("time", time);
        env
    })
}

/// Milliseconds since the epoch as a UTC time a person reads.
fn time(millis: i64) -> String {
    jiff::Timestamp::from_millisecond(millis)
        .map(|t| t.strftime("%Y-%m-%d %H:%M:%S UTC").to_string())
        .unwrap_or_default()
}

/// A page; a template that fails to render is a 500 page saying so, never a
/// panic (the templates are the binary's own, so tests catch this first).
pub fn page(status: StatusCode, name: &str, context: minijinja::Value) -> Response {
    match templates()
        .get_template(name)
        .and_then(|t| t.render(context))
    {
        Ok(html) => (status, [(header::CACHE_CONTROL, "no-store")], Html(html)).into_response(),
        Err(e) => {
            tracing::error!(error = %e, template = name, "console page failed to render");
            (StatusCode::INTERNAL_SERVER_ERROR, "console page failed\n").into_response()
        }
    }
}

/// A short page saying why the console is not shown.
pub fn refused(status: StatusCode, why: &str) -> Response {
    page(
        status,
        "login.html",
        minijinja::context! { refused => why, bare => true },
    )
}

/// A page that is not there (an unknown flow or call), or a store that did
/// not answer: said in the console's frame, not as bare text.
pub fn missing(status: StatusCode, why: &str) -> Response {
    page(
        status,
        "login.html",
        minijinja::context! { refused => why, title => "Not here" },
    )
}

pub async fn stylesheet() -> Response {
    (
        [
            (header::CONTENT_TYPE, "text/css; charset=utf-8"),
            (header::CACHE_CONTROL, "max-age=3600"),
        ],
        include_str!("templates/console.css"),
    )
        .into_response()
}

pub async fn script() -> Response {
    javascript(include_str!("templates/console.js"))
}

/// The browser phone's page script.
pub async fn phone_script() -> Response {
    javascript(include_str!("templates/phone.js"))
}

fn javascript(source: &'static str) -> Response {
    (
        [
            (header::CONTENT_TYPE, "text/javascript; charset=utf-8"),
            (header::CACHE_CONTROL, "max-age=3600"),
        ],
        source,
    )
        .into_response()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_template_compiles_and_renders() {
        let flow = minijinja::context! { name => "a b", path => "/f", targets => ["twilio"], status => "serving" };
        let call = minijinja::context! {
            call_id => "CA1", flow => "a b", version => "0123456789abcdef", status => "completed",
            started_at => 0, caller => minijinja::context! { from => "+1", to => "+2", direction => "inbound" },
            trace => [minijinja::context! { node => "main", exit => "1", at => 0, input => "1" }],
        };
        for (name, _) in TEMPLATES {
            let rendered = templates().get_template(name).and_then(|t| {
                t.render(minijinja::context! {
                    flows => vec![flow.clone()], flow => flow.clone(), calls => vec![call.clone()],
                    call => call.clone(), statuses => ["completed"], flow_names => ["a b"], filter => minijinja::context! {}, hours => 24, most => 1, total => 1, shown => 1, open => true,
                    progress => minijinja::context! { id => "c1", flow => "a b", state => "running", start_at => 0, created_at => 0, counts => minijinja::context! { done => 1 }, numbers => vec![minijinja::context! { to => "+1", state => "done", attempts => 1, calls => vec!["CA1"] }] },
                    campaigns => vec![minijinja::context! { total => 1, progress => minijinja::context! { id => "c1", flow => "f", state => "done", created_at => 0, counts => minijinja::context! {} } }],
                    a => minijinja::context! { flow => "a b", calls => 1, statuses => minijinja::context! { completed => 1 }, nodes => vec![minijinja::context! { node => "main", kind => "menu", entries => 1, answers => 2, no_input => 1, no_input_rate => 50.0, no_match => 0, no_match_rate => 0.0, exits => minijinja::context! { x => minijinja::context! { taken => 1, percent => 100.0 } } }],
                        transfers => minijinja::context! { answered => 1, busy => 0, no_answer => 0, failed => 0 },
                        queues => minijinja::context! { bridged => 1, timeout => 0, failed => 0, wait => minijinja::context! { median => 1.0, p90 => 2.0, max => 3.0 } } },
                    svg => "<svg></svg>", heat => "",
                    turns => vec![minijinja::context! { turn => 1, at => 0, event => "digits", input => "1",
                        visits => vec![minijinja::context! { node => "main", exit => "1" }],
                        call_outs => vec![minijinja::context! { method => "GET", url => "http://x/", status => 200, latency_ms => 3 }],
                        heard => vec![minijinja::context! { text => "Hi", language => "en-IN" }],
                        vars => vec![("a", "1")], answer => "<Response/>" }],
                })
            });
            assert!(rendered.is_ok(), "{name}: {rendered:?}");
        }
    }

    #[test]
    fn values_are_html_escaped() {
        let html = templates()
            .get_template("login.html")
            .unwrap()
            .render(minijinja::context! { refused => "<script>&\"" })
            .unwrap();
        assert!(html.contains("&lt;script&gt;&amp;&quot;"), "{html}");
    }
}
