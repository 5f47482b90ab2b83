//! IAM, as `GetAccountAuthorizationDetails` returns it: roles and managed policies with
//! their documents already URL-decoded and parsed.

use super::coverage::Collected;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct IamInventory {
    pub roles: Collected<Vec<Role>>,
    /// Customer managed policies, and the AWS managed policies attached to anything.
    pub managed_policies: Collected<Vec<ManagedPolicy>>,
    /// IAM users and groups: the other principals of the account that may be able to change
    /// a function or pass its role.
    #[serde(default)]
    pub users: Collected<Vec<User>>,
    #[serde(default)]
    pub groups: Collected<Vec<Group>>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct User {
    pub name: String,
    pub arn: String,
    pub inline_policies: Vec<InlinePolicy>,
    pub attached_managed_policies: Vec<AttachedPolicy>,
    pub group_names: Vec<String>,
    pub permissions_boundary_arn: Option<String>,
    #[serde(default)]
    pub unreadable_policies: Vec<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Group {
    pub name: String,
    pub arn: String,
    pub inline_policies: Vec<InlinePolicy>,
    pub attached_managed_policies: Vec<AttachedPolicy>,
    #[serde(default)]
    pub unreadable_policies: Vec<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Role {
    pub name: String,
    pub arn: String,
    pub path: String,
    pub trust_policy: Option<serde_json::Value>,
    pub inline_policies: Vec<InlinePolicy>,
    pub attached_managed_policies: Vec<AttachedPolicy>,
    pub permissions_boundary_arn: Option<String>,
    /// RFC 3339; `None` when IAM has no record of use (none in its tracking window).
    pub last_used: Option<String>,
    pub last_used_region: Option<String>,
    pub tags: BTreeMap<String, String>,
    /// Policies attached to the role whose documents could not be decoded (each is also a
    /// coverage gap); permission checks treat the role as not fully known.
    #[serde(default)]
    pub unreadable_policies: Vec<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct InlinePolicy {
    pub name: String,
    pub document: serde_json::Value,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AttachedPolicy {
    pub name: String,
    pub arn: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ManagedPolicy {
    pub name: String,
    pub arn: String,
    pub aws_managed: bool,
    pub default_version_id: Option<String>,
    pub attachment_count: i32,
    /// The default version's document; `None` if IAM did not return it.
    pub document: Option<serde_json::Value>,
}

impl IamInventory {
    pub fn role_by_arn(&self, arn: &str) -> Option<&Role> {
        self.roles.value()?.iter().find(|r| r.arn == arn)
    }
}
