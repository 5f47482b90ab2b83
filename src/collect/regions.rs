//! Which regions to audit. `all` means the regions enabled for the account: asked of the
//! Account API (`ListRegions`), and where that is denied or not implemented (emulators),
//! every region of the partition, with opt-in regions that turn out not to be enabled
//! skipped with a note when their first call is refused.

use super::failure::classify;
use super::{Clients, CollectError};
use crate::inventory::{AccountIdentity, SkippedRegion};

#[derive(Debug, Clone, PartialEq)]
pub enum RegionSelection {
    /// The configured region.
    Configured,
    List(Vec<String>),
    All,
}

impl std::str::FromStr for RegionSelection {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        if s.trim().eq_ignore_ascii_case("all") {
            return Ok(RegionSelection::All);
        }
        let regions: Vec<String> = s
            .split(',')
            .map(|r| r.trim().to_string())
            .filter(|r| !r.is_empty())
            .collect();
        if regions.is_empty() {
            return Err("expected a comma-separated list of regions, or `all`".to_string());
        }
        if let Some(bad) = regions.iter().find(|r| !looks_like_region(r)) {
            return Err(format!(
                "`{bad}` is not a region name (like us-east-1); use a comma-separated list or `all`"
            ));
        }
        Ok(RegionSelection::List(regions))
    }
}

fn looks_like_region(name: &str) -> bool {
    let parts: Vec<&str> = name.split('-').collect();
    parts.len() >= 3
        && name
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-')
        && parts
            .last()
            .is_some_and(|p| p.chars().all(|c| c.is_ascii_digit()))
}

/// Regions of each partition as published by AWS (November 2026). Opt-in regions are the
/// ones an account must enable before use.
const AWS_DEFAULT_REGIONS: &[&str] = &[
    "us-east-1",
    "us-east-2",
    "us-west-1",
    "us-west-2",
    "ca-central-1",
    "eu-central-1",
    "eu-west-1",
    "eu-west-2",
    "eu-west-3",
    "eu-north-1",
    "ap-northeast-1",
    "ap-northeast-2",
    "ap-northeast-3",
    "ap-southeast-1",
    "ap-southeast-2",
    "ap-south-1",
    "sa-east-1",
];
pub const AWS_OPT_IN_REGIONS: &[&str] = &[
    "af-south-1",
    "ap-east-1",
    "ap-east-2",
    "ap-south-2",
    "ap-southeast-3",
    "ap-southeast-4",
    "ap-southeast-5",
    "ap-southeast-7",
    "ca-west-1",
    "eu-central-2",
    "eu-south-1",
    "eu-south-2",
    "il-central-1",
    "me-central-1",
    "me-south-1",
    "mx-central-1",
];
const AWS_CN_REGIONS: &[&str] = &["cn-north-1", "cn-northwest-1"];
const AWS_US_GOV_REGIONS: &[&str] = &["us-gov-east-1", "us-gov-west-1"];

pub(super) async fn resolve(
    selection: &RegionSelection,
    clients: &Clients,
    identity: &AccountIdentity,
) -> Result<(Vec<String>, Vec<SkippedRegion>), CollectError> {
    match selection {
        RegionSelection::Configured => Ok((vec![clients.home_region()], Vec::new())),
        RegionSelection::List(list) => {
            let mut list = list.clone();
            list.sort();
            list.dedup();
            Ok((list, Vec::new()))
        }
        RegionSelection::All => enabled_regions(clients, identity).await,
    }
}

async fn enabled_regions(
    clients: &Clients,
    identity: &AccountIdentity,
) -> Result<(Vec<String>, Vec<SkippedRegion>), CollectError> {
    let client = clients.account();
    let mut enabled = Vec::new();
    let mut skipped = Vec::new();
    let mut token: Option<String> = None;
    let mut guard = super::failure::PageGuard::default();
    loop {
        let result = client
            .list_regions()
            .set_next_token(token.clone())
            .max_results(50)
            .send()
            .await;
        let page = match result {
            Ok(page) => page,
            Err(err) => {
                // Denied or unimplemented: fall back to the partition's list, a superset of
                // the enabled regions. Opt-in regions that are not enabled then answer with
                // refused credentials and are skipped there; nothing goes unseen, so this
                // is a note rather than a coverage gap.
                let failure = classify("account:ListRegions", &err);
                tracing::info!(
                    code = %failure.code,
                    "account:ListRegions unavailable ({}); auditing every region of partition {}",
                    failure.kind,
                    identity.partition
                );
                return Ok((partition_regions(&identity.partition), Vec::new()));
            }
        };
        for region in page.regions() {
            let name = region.region_name().unwrap_or_default().to_string();
            let status = region
                .region_opt_status()
                .map(|s| s.as_str().to_string())
                .unwrap_or_default();
            match status.as_str() {
                "ENABLED" | "ENABLED_BY_DEFAULT" => enabled.push(name),
                _ => skipped.push(SkippedRegion {
                    region: name,
                    reason: format!("opt-in region not enabled for this account ({status})"),
                }),
            }
        }
        token = match guard.next("account:ListRegions", page.next_token()) {
            Ok(next) => next,
            Err(failure) => return Err(CollectError::Regions(failure.message)),
        };
        if token.is_none() {
            break;
        }
    }
    if enabled.is_empty() {
        return Err(CollectError::Regions(
            "account:ListRegions returned no enabled region".to_string(),
        ));
    }
    enabled.sort();
    skipped.sort_by(|a, b| a.region.cmp(&b.region));
    Ok((enabled, skipped))
}

fn partition_regions(partition: &str) -> Vec<String> {
    let list: Vec<&str> = match partition {
        "aws-cn" => AWS_CN_REGIONS.to_vec(),
        "aws-us-gov" => AWS_US_GOV_REGIONS.to_vec(),
        _ => AWS_DEFAULT_REGIONS
            .iter()
            .chain(AWS_OPT_IN_REGIONS)
            .copied()
            .collect(),
    };
    let mut out: Vec<String> = list.into_iter().map(str::to_string).collect();
    out.sort();
    out
}

/// The error an opt-in region that is not enabled answers with: the credentials are
/// unknown there.
pub fn is_region_not_enabled(region: &str, failure: &crate::inventory::ApiFailure) -> bool {
    AWS_OPT_IN_REGIONS.contains(&region)
        && matches!(
            failure.code.as_str(),
            "UnrecognizedClientException" | "InvalidClientTokenId" | "AuthFailure"
        )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_selections() {
        assert_eq!("all".parse::<RegionSelection>(), Ok(RegionSelection::All));
        assert_eq!(
            "us-east-1, eu-west-1".parse::<RegionSelection>(),
            Ok(RegionSelection::List(vec![
                "us-east-1".into(),
                "eu-west-1".into()
            ]))
        );
        assert!("us-east-1,Europe".parse::<RegionSelection>().is_err());
        assert!("".parse::<RegionSelection>().is_err());
    }
}
