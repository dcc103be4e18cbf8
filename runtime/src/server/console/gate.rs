//! Who may see the console: the holder of the admin token, by cookie.

use axum::Form;
use axum::extract::{Request, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Redirect, Response};
use hmac::{Hmac, Mac};
use sha2::Sha256;
use subtle::ConstantTimeEq;

use super::view;
use crate::server::App;

const COOKIE: &str = "ivr_console";

/// The cookie's value: derived from the token, so the cookie cannot be
/// replayed as the `/api` bearer token, and changing the token logs
/// everyone out.
fn session(token: &str) -> String {
    let mut mac = Hmac::<Sha256>::new_from_slice(token.as_bytes()).expect("any key length");
    mac.update(b"ivr console session v1");
    hex::encode(mac.finalize().into_bytes())
}

fn cookie_value<'h>(headers: &'h HeaderMap, name: &str) -> Option<&'h str> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|pair| pair.trim().split_once('='))
        .find(|(k, _)| *k == name)
        .map(|(_, v)| v)
}

/// A POST from another site (a forged form) is refused whatever its cookie:
/// browsers say where a request comes from in `Origin` or `Sec-Fetch-Site`.
pub(super) fn cross_site(headers: &HeaderMap) -> bool {
    if let Some(site) = headers.get("sec-fetch-site").and_then(|v| v.to_str().ok()) {
        return !matches!(site, "same-origin" | "none");
    }
    match (
        headers.get(header::ORIGIN).and_then(|v| v.to_str().ok()),
        headers.get(header::HOST).and_then(|v| v.to_str().ok()),
    ) {
        (Some(origin), Some(host)) => origin.split_once("://").map(|(_, h)| h) != Some(host),
        (Some(_), None) => true,
        (None, _) => false,
    }
}

pub async fn require(State(app): State<App>, request: Request, next: Next) -> Response {
    if request.method() == axum::http::Method::POST && cross_site(request.headers()) {
        return view::refused(StatusCode::FORBIDDEN, "Cross-site request refused.");
    }
    match &app.config.admin_token {
        Some(token) => {
            let given = cookie_value(request.headers(), COOKIE).unwrap_or("");
            if !bool::from(given.as_bytes().ct_eq(session(token).as_bytes())) {
                return Redirect::to("/console/login").into_response();
            }
        }
        None if !app.config.listen.ip().is_loopback() => {
            return view::refused(
                StatusCode::FORBIDDEN,
                "The console is open without a token only on a loopback address. Set IVR_ADMIN_TOKEN.",
            );
        }
        None => {}
    }
    next.run(request).await
}

pub async fn login_page(State(app): State<App>) -> Response {
    if app.config.admin_token.is_none() {
        return Redirect::to("/console").into_response();
    }
    view::page(
        StatusCode::OK,
        "login.html",
        minijinja::context! { bare => true },
    )
}

#[derive(serde::Deserialize)]
pub struct Login {
    token: String,
}

pub async fn login(
    State(app): State<App>,
    headers: HeaderMap,
    form: Result<Form<Login>, axum::extract::rejection::FormRejection>,
) -> Response {
    if cross_site(&headers) {
        return view::refused(StatusCode::FORBIDDEN, "Cross-site request refused.");
    }
    let Some(token) = &app.config.admin_token else {
        return Redirect::to("/console").into_response();
    };
    let given = form.map(|Form(login)| login.token).unwrap_or_default();
    if !bool::from(given.as_bytes().ct_eq(token.as_bytes())) {
        return view::page(
            StatusCode::UNAUTHORIZED,
            "login.html",
            minijinja::context! { failed => true, bare => true },
        );
    }
    let cookie = format!(
        "{COOKIE}={}; Path=/console; HttpOnly; SameSite=Strict; Max-Age=43200",
        session(token)
    );
    with_cookie(Redirect::to("/console").into_response(), &cookie)
}

pub async fn logout() -> Response {
    let cookie = format!("{COOKIE}=; Path=/console; HttpOnly; SameSite=Strict; Max-Age=0");
    with_cookie(Redirect::to("/console/login").into_response(), &cookie)
}

fn with_cookie(mut response: Response, cookie: &str) -> Response {
    if let Ok(value) = HeaderValue::from_str(cookie) {
        response.headers_mut().insert(header::SET_COOKIE, value);
    }
    response
}

#[cfg(test)]
mod tests {
    use super::*;

    fn headers(pairs: &[(&'static str, &str)]) -> HeaderMap {
        let mut map = HeaderMap::new();
        for (k, v) in pairs {
            map.append(*k, HeaderValue::from_str(v).unwrap());
        }
        map
    }

    #[test]
    fn requests_from_other_sites_are_told_apart() {
        assert!(!cross_site(&headers(&[])));
        assert!(!cross_site(&headers(&[("sec-fetch-site", "same-origin")])));
        assert!(cross_site(&headers(&[("sec-fetch-site", "cross-site")])));
        assert!(!cross_site(&headers(&[
            ("origin", "http://127.0.0.1:8080"),
            ("host", "127.0.0.1:8080")
        ])));
        assert!(cross_site(&headers(&[
            ("origin", "https://evil.example"),
            ("host", "127.0.0.1:8080")
        ])));
    }

    #[test]
    fn the_session_cookie_is_found_among_others_and_is_not_the_token() {
        let h = headers(&[("cookie", "a=1; ivr_console=abc; b=2")]);
        assert_eq!(cookie_value(&h, COOKIE), Some("abc"));
        assert_ne!(session("secret"), "secret");
        assert_ne!(session("secret"), session("other"));
    }
}
