//! Reading (not verifying) the claims of an access token: its audience, expiry and
//! permissions (`roles` for apps, `scp` for people), so kqlhunt can explain a token that
//! cannot work before the service answers 401/403. Tokens that are not JWTs read as `None`.

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;

use crate::backend::BackendKind;

/// The claims kqlhunt looks at.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Claims {
    pub aud: Vec<String>,
    pub tid: Option<String>,
    pub exp: Option<u64>,
    /// `roles` (application permissions) and `scp` (delegated, space-separated) together.
    pub permissions: Vec<String>,
}

/// The claims of a JWT-shaped token, unverified.
pub fn claims(token: &str) -> Option<Claims> {
    let payload = token.split('.').nth(1)?;
    let bytes = URL_SAFE_NO_PAD.decode(payload.trim_end_matches('=')).ok()?;
    let v: serde_json::Value = serde_json::from_slice(&bytes).ok()?;
    let obj = v.as_object()?;
    let aud = match obj.get("aud") {
        Some(serde_json::Value::String(s)) => vec![s.clone()],
        Some(serde_json::Value::Array(a)) => a
            .iter()
            .filter_map(|x| x.as_str().map(str::to_string))
            .collect(),
        _ => Vec::new(),
    };
    let mut permissions: Vec<String> = obj
        .get("roles")
        .and_then(|r| r.as_array())
        .map(|a| {
            a.iter()
                .filter_map(|x| x.as_str().map(str::to_string))
                .collect()
        })
        .unwrap_or_default();
    if let Some(scp) = obj.get("scp").and_then(|s| s.as_str()) {
        permissions.extend(scp.split_whitespace().map(str::to_string));
    }
    Some(Claims {
        aud,
        tid: obj.get("tid").and_then(|t| t.as_str()).map(str::to_string),
        exp: obj.get("exp").and_then(|e| e.as_u64()),
        permissions,
    })
}

/// The permissions that let a token run hunting queries on a backend (any one suffices).
pub fn hunting_permissions(backend: BackendKind) -> &'static [&'static str] {
    match backend {
        BackendKind::Graph => &["ThreatHunting.Read.All"],
        BackendKind::Defender => &["AdvancedHunting.Read.All", "AdvancedHunting.Read"],
        BackendKind::Mde => &["AdvancedQuery.Read.All", "AdvancedQuery.Read"],
        BackendKind::Local => &[],
    }
}

impl Claims {
    /// Whether the token carries one of the backend's hunting permissions. Tokens that
    /// carry no permission claims at all are given the benefit of the doubt.
    pub fn can_hunt(&self, backend: BackendKind) -> bool {
        let needed = hunting_permissions(backend);
        self.permissions.is_empty()
            || needed.is_empty()
            || self
                .permissions
                .iter()
                .any(|p| needed.iter().any(|n| p.eq_ignore_ascii_case(n)))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn jwt(payload: &str) -> String {
        format!(
            "{}.{}.sig",
            URL_SAFE_NO_PAD.encode(br#"{"alg":"none"}"#),
            URL_SAFE_NO_PAD.encode(payload)
        )
    }

    #[test]
    fn reads_roles_and_scopes() {
        let c = claims(&jwt(
            r#"{"aud":"https://graph.microsoft.com","tid":"t","exp":5,"scp":"User.Read ThreatHunting.Read.All"}"#,
        ))
        .unwrap();
        assert_eq!(c.aud, vec!["https://graph.microsoft.com"]);
        assert!(c.can_hunt(BackendKind::Graph));
        assert!(!c.can_hunt(BackendKind::Mde));
        let c = claims(&jwt(r#"{"roles":["AdvancedHunting.Read.All"]}"#)).unwrap();
        assert!(c.can_hunt(BackendKind::Defender));
        assert!(claims("opaque-token").is_none());
        assert!(claims("a.!!!.c").is_none());
    }
}
