//! Token authentication: `Authorization: Token <t>` or `Bearer <t>` maps to a principal through
//! a JSON table held in a Fastly secret store (the same table the Cloudflare Worker reads from
//! its `MEMSPACE_TOKENS` secret):
//!
//! ```json
//! { "<token>": { "userId": "u1", "tenantId": "t1" },
//!   "sha256:<hex of SHA-256(token)>": { "userId": "u2", "tenantId": "t1" } }
//! ```
//!
//! Hashed entries keep raw tokens out of the configuration. Anything else is unauthenticated.

use memspace::model::Principal;
use serde::Deserialize;
use sha2::{Digest, Sha256};
use std::collections::HashMap;

/// One entry of the table.
#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
struct Entry {
    user_id: String,
    tenant_id: String,
}

/// The parsed token table.
#[derive(Debug, Default)]
pub struct Tokens(HashMap<String, Entry>);

impl Tokens {
    /// Parses the table (`Err`: not a JSON object of `{userId, tenantId}` entries).
    pub fn parse(json: &[u8]) -> Result<Tokens, String> {
        serde_json::from_slice(json)
            .map(Tokens)
            .map_err(|e| format!("token table: {e}"))
    }

    /// The principal of an `Authorization` header value, or `None` (→ 401).
    pub fn authenticate(&self, authorization: Option<&str>) -> Option<Principal> {
        let h = authorization?.trim();
        let (scheme, token) = h.split_once(char::is_whitespace)?;
        let token = token.trim();
        if !(scheme.eq_ignore_ascii_case("token") || scheme.eq_ignore_ascii_case("bearer"))
            || token.is_empty()
            || token.contains(char::is_whitespace)
            || token.starts_with("sha256:")
        {
            return None;
        }
        let e = self.0.get(token).or_else(|| {
            let digest = Sha256::digest(token.as_bytes());
            let hex: String = digest.iter().map(|b| format!("{b:02x}")).collect();
            self.0.get(&format!("sha256:{hex}"))
        })?;
        if e.user_id.is_empty() || e.tenant_id.is_empty() {
            return None;
        }
        Some(Principal::new(e.user_id.clone(), e.tenant_id.clone()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn table() -> Tokens {
        Tokens::parse(
            br#"{"t-a": {"userId": "alice", "tenantId": "acme"},
                 "t-empty": {"userId": "", "tenantId": "acme"}}"#,
        )
        .unwrap()
    }

    #[test]
    fn token_and_bearer_schemes_map_to_the_principal() {
        let t = table();
        let alice = Some(Principal::new("alice", "acme"));
        assert_eq!(t.authenticate(Some("Token t-a")), alice);
        assert_eq!(t.authenticate(Some("bearer  t-a ")), alice);
        assert_eq!(t.authenticate(Some("Basic t-a")), None);
        assert_eq!(t.authenticate(Some("Token")), None);
        assert_eq!(t.authenticate(Some("Token t-b")), None);
        assert_eq!(t.authenticate(None), None);
        assert_eq!(t.authenticate(Some("Token t-empty")), None);
    }

    #[test]
    fn hashed_entries_match_the_token_not_their_key() {
        let hex: String = Sha256::digest(b"secret")
            .iter()
            .map(|b| format!("{b:02x}"))
            .collect();
        let t = Tokens::parse(
            format!(r#"{{"sha256:{hex}": {{"userId": "carol", "tenantId": "globex"}}}}"#)
                .as_bytes(),
        )
        .unwrap();
        assert_eq!(
            t.authenticate(Some("Token secret")),
            Some(Principal::new("carol", "globex"))
        );
        assert_eq!(t.authenticate(Some(&format!("Token sha256:{hex}"))), None);
    }
}
