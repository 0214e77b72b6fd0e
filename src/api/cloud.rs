//! Sovereign clouds: which login, Graph and Defender hosts a tenant lives on, and the
//! token resource (audience) each backend needs there. Source: hunting-api.md §5 and §0.

use crate::backend::BackendKind;

/// The Microsoft cloud a tenant is in.
#[derive(
    Clone,
    Copy,
    Debug,
    PartialEq,
    Eq,
    Hash,
    Default,
    clap::ValueEnum,
    serde::Deserialize,
    serde::Serialize,
)]
#[serde(rename_all = "kebab-case")]
pub enum Cloud {
    #[default]
    Public,
    Gcc,
    GccHigh,
    Dod,
}

impl Cloud {
    pub fn name(self) -> &'static str {
        match self {
            Cloud::Public => "public",
            Cloud::Gcc => "gcc",
            Cloud::GccHigh => "gcc-high",
            Cloud::Dod => "dod",
        }
    }

    /// The Entra ID authority host (`AZURE_AUTHORITY_HOST` overrides it).
    pub fn login_host(self) -> &'static str {
        match self {
            Cloud::Public | Cloud::Gcc => "login.microsoftonline.com",
            Cloud::GccHigh | Cloud::Dod => "login.microsoftonline.us",
        }
    }

    /// The API host of a remote backend (`None` for `local`).
    pub fn api_host(self, backend: BackendKind) -> Option<&'static str> {
        Some(match (backend, self) {
            (BackendKind::Local, _) => return None,
            (BackendKind::Graph, Cloud::Public | Cloud::Gcc) => "graph.microsoft.com",
            (BackendKind::Graph, Cloud::GccHigh) => "graph.microsoft.us",
            (BackendKind::Graph, Cloud::Dod) => "dod-graph.microsoft.us",
            (BackendKind::Defender, Cloud::Public) => "api.security.microsoft.com",
            (BackendKind::Defender, Cloud::Gcc) => "api-gcc.security.microsoft.us",
            (BackendKind::Defender, Cloud::GccHigh | Cloud::Dod) => "api-gov.security.microsoft.us",
            (BackendKind::Mde, Cloud::Public) => "api.securitycenter.microsoft.com",
            (BackendKind::Mde, Cloud::Gcc) => "api-gcc.securitycenter.microsoft.us",
            (BackendKind::Mde, Cloud::GccHigh | Cloud::Dod) => {
                "api-gov.securitycenter.microsoft.us"
            }
        })
    }

    /// The default base URL of a remote backend, e.g. `https://graph.microsoft.com`.
    pub fn api_base(self, backend: BackendKind) -> Option<String> {
        self.api_host(backend).map(|h| format!("https://{h}"))
    }

    /// The OAuth scope for client-credential tokens of a backend: `<resource>/.default`.
    pub fn scope(self, backend: BackendKind) -> Option<String> {
        self.api_base(backend).map(|b| format!("{b}/.default"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hosts_per_cloud() {
        assert_eq!(
            Cloud::Public.scope(BackendKind::Graph).unwrap(),
            "https://graph.microsoft.com/.default"
        );
        assert_eq!(
            Cloud::Dod.api_host(BackendKind::Graph),
            Some("dod-graph.microsoft.us")
        );
        assert_eq!(
            Cloud::Gcc.api_host(BackendKind::Mde),
            Some("api-gcc.securitycenter.microsoft.us")
        );
        assert_eq!(Cloud::GccHigh.login_host(), "login.microsoftonline.us");
        assert_eq!(Cloud::Public.api_host(BackendKind::Local), None);
    }
}
