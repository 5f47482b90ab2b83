//! Many accounts: each one collected like a single account, through its role, at most
//! [`MAX_CONCURRENT_ACCOUNTS`] at a time. Each keeps its own clients, call counter and
//! per-region limiters: AWS's quotas are per account and region. An account that cannot be
//! entered or identified becomes an inventory with no regions and one coverage gap, and the
//! run goes on.

use super::failure::classify;
use super::{AssumeRoleTarget, Clients, CollectError, CollectOptions, collect};
use crate::accounts::AccountSpec;
use crate::inventory::{
    AccountIdentity, ApiFailure, Collected, CollectionStats, CoverageGap, FailureKind,
    IamInventory, Inventory, SCHEMA_VERSION,
};
use futures::StreamExt;

/// Accounts collected at the same time (each has its own regions in parallel).
pub const MAX_CONCURRENT_ACCOUNTS: usize = 4;

/// The accounts to audit and how to enter them.
#[derive(Debug, Clone)]
pub struct AccountsPlan {
    pub accounts: Vec<AccountSpec>,
    /// `--assume-role NAME`: for lines without a role.
    pub default_role: Option<String>,
    /// `--external-id`: for lines without one.
    pub default_external_id: Option<String>,
}

/// One account's outcome: its inventory, and why it could not be audited when it could not.
#[derive(Debug, Clone)]
pub struct AccountCollection {
    pub inventory: Inventory,
    pub failure: Option<ApiFailure>,
}

/// Collects every planned account, sorted by account id. Only a failure to identify the
/// caller (whose partition names the roles) stops the run.
pub async fn collect_accounts(
    options: &CollectOptions,
    plan: &AccountsPlan,
) -> Result<Vec<AccountCollection>, CollectError> {
    let caller = Clients::load(&options.aws).await?.caller_identity().await?;
    let mut outcomes: Vec<AccountCollection> = futures::stream::iter(&plan.accounts)
        .map(|spec| collect_one(options, &caller, spec, plan))
        .buffer_unordered(MAX_CONCURRENT_ACCOUNTS)
        .collect()
        .await;
    outcomes.sort_by(|a, b| {
        a.inventory
            .account
            .account_id
            .cmp(&b.inventory.account.account_id)
    });
    Ok(outcomes)
}

async fn collect_one(
    options: &CollectOptions,
    caller: &AccountIdentity,
    spec: &AccountSpec,
    plan: &AccountsPlan,
) -> AccountCollection {
    let failed = |failure: ApiFailure| AccountCollection {
        inventory: unreachable_account(&spec.account_id, &caller.partition, failure.clone()),
        failure: Some(failure),
    };
    let access = match spec.access(
        &caller.account_id,
        &caller.partition,
        plan.default_role.as_deref(),
        plan.default_external_id.as_deref(),
    ) {
        Ok(access) => access,
        Err(message) => {
            return failed(ApiFailure {
                operation: "sts:AssumeRole".to_string(),
                kind: FailureKind::Other,
                code: "NoRole".to_string(),
                message,
            });
        }
    };
    let mut options = options.clone();
    options.aws.assume_role = access.role_arn.map(|role_arn| AssumeRoleTarget {
        role_arn,
        external_id: access.external_id,
    });
    tracing::info!(account = %spec.account_id, role = ?options.aws.assume_role, "entering account");
    match collect(&options).await {
        Ok(inventory) if inventory.account.account_id == spec.account_id => AccountCollection {
            inventory,
            failure: None,
        },
        Ok(inventory) => failed(ApiFailure {
            operation: "sts:GetCallerIdentity".to_string(),
            kind: FailureKind::Other,
            code: "AccountMismatch".to_string(),
            message: format!(
                "the credentials are for account {} ({}), not {}",
                inventory.account.account_id, inventory.account.caller_arn, spec.account_id
            ),
        }),
        Err(error) => {
            tracing::warn!(account = %spec.account_id, "account not audited: {error}");
            failed(failure_of(error))
        }
    }
}

fn failure_of(error: CollectError) -> ApiFailure {
    match error {
        CollectError::AssumeRole(failure)
        | CollectError::Identity(failure)
        | CollectError::Organization(failure) => failure,
        CollectError::Regions(message) => ApiFailure {
            operation: "account:ListRegions".to_string(),
            kind: FailureKind::Other,
            code: "none".to_string(),
            message,
        },
        other @ CollectError::NoRegion => ApiFailure {
            operation: "sts:GetCallerIdentity".to_string(),
            kind: FailureKind::Other,
            code: "none".to_string(),
            message: other.to_string(),
        },
    }
}

/// An account that could not be read: no regions, IAM failed, and the failure as its one
/// coverage gap, so every check that needs it is "not evaluated".
pub fn unreachable_account(account_id: &str, partition: &str, failure: ApiFailure) -> Inventory {
    fn failed<T>(failure: &ApiFailure) -> Collected<T> {
        Collected::Failed {
            error: failure.clone(),
        }
    }
    Inventory {
        schema_version: SCHEMA_VERSION,
        tool_version: env!("CARGO_PKG_VERSION").to_string(),
        collected_at: humantime::format_rfc3339_seconds(std::time::SystemTime::now()).to_string(),
        account: AccountIdentity {
            account_id: account_id.to_string(),
            partition: partition.to_string(),
            caller_arn: String::new(),
        },
        regions: Vec::new(),
        skipped_regions: Vec::new(),
        iam: IamInventory {
            roles: failed(&failure),
            managed_policies: failed(&failure),
            users: failed(&failure),
            groups: failed(&failure),
        },
        coverage_gaps: vec![CoverageGap {
            account: account_id.to_string(),
            region: None,
            resource: None,
            failure: failure.clone(),
        }],
        collection: CollectionStats::default(),
    }
}

/// `--organization`: every ACTIVE account of the caller's organization (the caller being the
/// management account or a delegated administrator), sorted by id, as accounts without a
/// role of their own (`--assume-role` applies; the caller's own account needs none).
pub async fn organization_accounts(
    options: &CollectOptions,
) -> Result<Vec<AccountSpec>, CollectError> {
    let clients = Clients::load(&options.aws).await?;
    let ids = list_active_accounts(&clients.organizations())
        .await
        .map_err(CollectError::Organization)?;
    Ok(ids
        .into_iter()
        .map(|account_id| AccountSpec {
            account_id,
            role: None,
            external_id: None,
        })
        .collect())
}

/// `ListAccounts`, every page; only ACTIVE accounts (suspended, closed and closing ones
/// cannot be entered). The state is read from `State`, or from the older `Status` when a
/// service sends only that.
pub async fn list_active_accounts(
    client: &aws_sdk_organizations::Client,
) -> Result<Vec<String>, ApiFailure> {
    use aws_sdk_organizations::types::{AccountState, AccountStatus};
    let mut pages = client.list_accounts().into_paginator().send();
    let mut ids = Vec::new();
    while let Some(page) = pages.next().await {
        let page = page.map_err(|e| classify("organizations:ListAccounts", &e))?;
        for account in page.accounts() {
            #[allow(deprecated)]
            let active = match account.state() {
                Some(state) => *state == AccountState::Active,
                None => account.status() == Some(&AccountStatus::Active),
            };
            match account.id() {
                Some(id) if active && crate::accounts::is_account_id(id) => {
                    ids.push(id.to_string())
                }
                Some(id) => {
                    tracing::info!(account = id, "organization account skipped: not ACTIVE")
                }
                None => {}
            }
        }
    }
    ids.sort();
    ids.dedup();
    Ok(ids)
}
