//! The four trust levels.

use core::fmt;
use core::str::FromStr;

/// How much a component is trusted, in increasing order.
///
/// The order is meaningful: `Untrusted < CommunityVerified < PublisherSigned
/// < EnterpriseTrusted`, and a key's cap is compared with it.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, serde::Serialize, serde::Deserialize,
)]
#[serde(rename_all = "kebab-case")]
pub enum TrustLevel {
    /// Unsigned, or no signature verified. Server frames only.
    Untrusted,
    /// Signed by a community key. Server frames only, higher limits.
    CommunityVerified,
    /// Signed by a publisher key. May run in the browser with consent.
    PublisherSigned,
    /// Signed by an enterprise key. Runs in the browser without asking.
    EnterpriseTrusted,
}

impl TrustLevel {
    /// All levels, lowest first.
    pub const ALL: [TrustLevel; 4] = [
        TrustLevel::Untrusted,
        TrustLevel::CommunityVerified,
        TrustLevel::PublisherSigned,
        TrustLevel::EnterpriseTrusted,
    ];

    /// The kebab-case name used on the wire and on the command line.
    pub fn as_str(self) -> &'static str {
        match self {
            TrustLevel::Untrusted => "untrusted",
            TrustLevel::CommunityVerified => "community-verified",
            TrustLevel::PublisherSigned => "publisher-signed",
            TrustLevel::EnterpriseTrusted => "enterprise-trusted",
        }
    }
}

impl fmt::Display for TrustLevel {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// An unknown level name.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unknown trust level `{0}` (expected untrusted, community-verified, publisher-signed or enterprise-trusted)")]
pub struct UnknownLevel(pub String);

impl FromStr for TrustLevel {
    type Err = UnknownLevel;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        TrustLevel::ALL
            .into_iter()
            .find(|l| l.as_str() == s)
            .ok_or_else(|| UnknownLevel(s.to_owned()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn levels_are_ordered_from_untrusted_to_enterprise() {
        assert!(TrustLevel::ALL.windows(2).all(|w| w[0] < w[1]));
    }

    #[test]
    fn names_round_trip_through_text_and_json() {
        for l in TrustLevel::ALL {
            assert_eq!(l.as_str().parse::<TrustLevel>(), Ok(l));
            let json = serde_json::to_string(&l).unwrap();
            assert_eq!(json, format!("\"{l}\""));
            assert_eq!(serde_json::from_str::<TrustLevel>(&json).unwrap(), l);
        }
        assert!("Untrusted".parse::<TrustLevel>().is_err());
    }
}
