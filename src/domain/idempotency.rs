//! The key a client sends with a claim so that a retry returns the first answer
//! instead of claiming twice (`Idempotency-Key` on the API, a hidden field on the page).

/// 1–200 visible ASCII characters, trimmed; a page's key is kept apart from the API's
/// (`page:` before it), so the two doors never answer each other's retries.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct IdempotencyKey(String);

/// The longest key a client may send.
pub const MAX_LEN: usize = 200;

impl IdempotencyKey {
    /// A key sent on the API; `None` when it is empty, too long or has a character that
    /// is not visible ASCII.
    pub fn parse(s: &str) -> Option<Self> {
        let k = s.trim();
        (!k.is_empty() && k.len() <= MAX_LEN && k.bytes().all(|b| b.is_ascii_graphic()))
            .then(|| IdempotencyKey(k.to_string()))
    }

    /// A key sent by the claim page's form.
    pub fn from_page(s: &str) -> Option<Self> {
        Self::parse(s).map(|k| IdempotencyKey(format!("page:{}", k.0)))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    pub fn into_string(self) -> String {
        self.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_are_visible_ascii_of_at_most_200_characters() {
        assert_eq!(IdempotencyKey::parse(" abc-1 ").unwrap().as_str(), "abc-1");
        assert!(IdempotencyKey::parse(&"k".repeat(200)).is_some());
        assert!(IdempotencyKey::parse(&"k".repeat(201)).is_none());
        for bad in ["", "   ", "a b", "键", "a\u{0}b", "tab\there"] {
            assert!(IdempotencyKey::parse(bad).is_none(), "{bad:?}");
        }
    }

    #[test]
    fn a_page_key_never_equals_an_api_key() {
        let page = IdempotencyKey::from_page("x1").unwrap();
        assert_eq!(page.as_str(), "page:x1");
        assert_ne!(Some(page), IdempotencyKey::parse("x1"));
        assert!(IdempotencyKey::from_page("").is_none());
    }
}
