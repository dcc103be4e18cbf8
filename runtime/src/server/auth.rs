//! Reading credentials from request headers, one way for every route.

/// The token of `Bearer TOKEN` (the scheme in any case, RFC 9110).
pub fn bearer(authorization: &str) -> Option<&str> {
    let (scheme, token) = authorization.trim().split_once(' ')?;
    scheme
        .eq_ignore_ascii_case("bearer")
        .then(|| token.trim())
        .filter(|t| !t.is_empty())
}

#[cfg(test)]
mod tests {
    use super::bearer;

    #[test]
    fn the_bearer_scheme_is_read_in_any_case() {
        assert_eq!(bearer("Bearer 3.1.abc"), Some("3.1.abc"));
        assert_eq!(bearer("bearer  3.1.abc "), Some("3.1.abc"));
        for other in ["Basic dXNlcg==", "Bearer", "Bearer  ", "3.1.abc", ""] {
            assert_eq!(bearer(other), None, "{other:?}");
        }
    }
}
