//! IAM in one paginated call: `GetAccountAuthorizationDetails` filtered to roles and managed
//! policies (customer managed, and the AWS managed ones attached in the account).

use super::failure::classify;
use super::{Clients, Recorder};
use crate::inventory::*;
use aws_sdk_iam::types::EntityType;
use percent_encoding::percent_decode_str;

pub(crate) async fn collect(clients: &Clients, recorder: &Recorder) -> IamInventory {
    collect_with(&clients.iam(), recorder).await
}

pub async fn collect_with(client: &aws_sdk_iam::Client, recorder: &Recorder) -> IamInventory {
    let limiter = super::limiter::Limiter::per_second(super::limiter::quota::IAM);
    let mut roles = Vec::new();
    let mut users = Vec::new();
    let mut groups = Vec::new();
    let mut policies = Vec::new();
    let mut marker: Option<String> = None;
    let mut guard = super::failure::PageGuard::default();
    loop {
        let request = client
            .get_account_authorization_details()
            .filter(EntityType::Role)
            .filter(EntityType::User)
            .filter(EntityType::Group)
            .filter(EntityType::LocalManagedPolicy)
            .filter(EntityType::AwsManagedPolicy)
            .set_marker(marker.clone())
            .max_items(1000)
            .send();
        let result = recorder
            .paced(&limiter, "iam:GetAccountAuthorizationDetails", request)
            .await;
        let page = match result {
            Ok(page) => page,
            Err(err) => {
                let error = recorder.gap(
                    None,
                    None,
                    classify("iam:GetAccountAuthorizationDetails", &err),
                );
                return all_failed(&error);
            }
        };
        roles.extend(page.role_detail_list().iter().map(|r| role(r, recorder)));
        users.extend(page.user_detail_list().iter().map(|u| user(u, recorder)));
        groups.extend(page.group_detail_list().iter().map(|g| group(g, recorder)));
        policies.extend(page.policies().iter().map(|p| managed_policy(p, recorder)));
        let next = page.marker().filter(|_| page.is_truncated());
        marker = match guard.next("iam:GetAccountAuthorizationDetails", next) {
            Ok(next) => next,
            Err(failure) => {
                let error = recorder.gap(None, None, failure);
                return all_failed(&error);
            }
        };
        if marker.is_none() {
            break;
        }
    }
    roles.sort_by(|a, b| a.arn.cmp(&b.arn));
    users.sort_by(|a, b| a.arn.cmp(&b.arn));
    groups.sort_by(|a, b| a.arn.cmp(&b.arn));
    policies.sort_by(|a, b| a.arn.cmp(&b.arn));
    IamInventory {
        roles: Collected::Collected { value: roles },
        managed_policies: Collected::Collected { value: policies },
        users: Collected::Collected { value: users },
        groups: Collected::Collected { value: groups },
    }
}

/// Every IAM field failed with the one call that feeds them all.
fn all_failed(error: &ApiFailure) -> IamInventory {
    IamInventory {
        roles: failed(error),
        managed_policies: failed(error),
        users: failed(error),
        groups: failed(error),
    }
}

fn failed<T>(error: &ApiFailure) -> Collected<T> {
    Collected::Failed {
        error: error.clone(),
    }
}

/// IAM returns policy documents URL-encoded (RFC 3986); some emulators send plain JSON.
pub fn decode_policy_document(raw: &str) -> Result<serde_json::Value, String> {
    let trimmed = raw.trim_start();
    let text = if trimmed.starts_with('{') {
        std::borrow::Cow::Borrowed(raw)
    } else {
        percent_decode_str(raw)
            .decode_utf8()
            .map_err(|e| format!("policy document is not valid URL-encoded UTF-8: {e}"))?
    };
    serde_json::from_str(&text).map_err(|e| format!("policy document is not valid JSON: {e}"))
}

fn malformed(resource: &str, message: String, recorder: &Recorder) {
    recorder.gap(
        None,
        Some(resource),
        ApiFailure {
            operation: "iam:GetAccountAuthorizationDetails".to_string(),
            kind: FailureKind::MalformedResponse,
            code: "InvalidPolicyDocument".to_string(),
            message,
        },
    );
}

/// Decodes a principal's inline policies; the names of unreadable ones are returned apart
/// (each is also a recorded gap).
fn inline_policies(
    owner_arn: &str,
    list: &[aws_sdk_iam::types::PolicyDetail],
    recorder: &Recorder,
) -> (Vec<InlinePolicy>, Vec<String>) {
    let mut unreadable = Vec::new();
    let policies = list
        .iter()
        .filter_map(|p| {
            let name = p.policy_name().unwrap_or_default().to_string();
            match decode_policy_document(p.policy_document().unwrap_or_default()) {
                Ok(document) => Some(InlinePolicy { name, document }),
                Err(e) => {
                    malformed(owner_arn, format!("inline policy {name}: {e}"), recorder);
                    unreadable.push(name);
                    None
                }
            }
        })
        .collect();
    (policies, unreadable)
}

fn attached(list: &[aws_sdk_iam::types::AttachedPolicy]) -> Vec<AttachedPolicy> {
    list.iter()
        .map(|p| AttachedPolicy {
            name: p.policy_name().unwrap_or_default().to_string(),
            arn: p.policy_arn().unwrap_or_default().to_string(),
        })
        .collect()
}

fn user(detail: &aws_sdk_iam::types::UserDetail, recorder: &Recorder) -> User {
    let arn = detail.arn().unwrap_or_default().to_string();
    let (inline_policies, unreadable_policies) =
        inline_policies(&arn, detail.user_policy_list(), recorder);
    User {
        name: detail.user_name().unwrap_or_default().to_string(),
        inline_policies,
        attached_managed_policies: attached(detail.attached_managed_policies()),
        group_names: detail.group_list().to_vec(),
        permissions_boundary_arn: detail
            .permissions_boundary()
            .and_then(|b| b.permissions_boundary_arn())
            .map(str::to_string),
        unreadable_policies,
        arn,
    }
}

fn group(detail: &aws_sdk_iam::types::GroupDetail, recorder: &Recorder) -> Group {
    let arn = detail.arn().unwrap_or_default().to_string();
    let (inline_policies, unreadable_policies) =
        inline_policies(&arn, detail.group_policy_list(), recorder);
    Group {
        name: detail.group_name().unwrap_or_default().to_string(),
        inline_policies,
        attached_managed_policies: attached(detail.attached_managed_policies()),
        unreadable_policies,
        arn,
    }
}

fn role(detail: &aws_sdk_iam::types::RoleDetail, recorder: &Recorder) -> Role {
    let arn = detail.arn().unwrap_or_default().to_string();
    let trust_policy = detail.assume_role_policy_document().and_then(|raw| {
        decode_policy_document(raw)
            .map_err(|e| malformed(&arn, format!("trust policy: {e}"), recorder))
            .ok()
    });
    let (inline_policies, unreadable) = inline_policies(&arn, detail.role_policy_list(), recorder);
    Role {
        name: detail.role_name().unwrap_or_default().to_string(),
        path: detail.path().unwrap_or("/").to_string(),
        trust_policy,
        inline_policies,
        attached_managed_policies: attached(detail.attached_managed_policies()),
        permissions_boundary_arn: detail
            .permissions_boundary()
            .and_then(|b| b.permissions_boundary_arn())
            .map(str::to_string),
        last_used: detail
            .role_last_used()
            .and_then(|u| u.last_used_date())
            .map(|d| d.to_string()),
        last_used_region: detail
            .role_last_used()
            .and_then(|u| u.region())
            .map(str::to_string),
        tags: detail
            .tags()
            .iter()
            .map(|t| (t.key().to_string(), t.value().to_string()))
            .collect(),
        unreadable_policies: unreadable,
        arn,
    }
}

fn managed_policy(
    detail: &aws_sdk_iam::types::ManagedPolicyDetail,
    recorder: &Recorder,
) -> ManagedPolicy {
    let arn = detail.arn().unwrap_or_default().to_string();
    let default_version = detail
        .policy_version_list()
        .iter()
        .find(|v| v.is_default_version());
    let document = default_version.and_then(|v| v.document()).and_then(|raw| {
        decode_policy_document(raw)
            .map_err(|e| malformed(&arn, e, recorder))
            .ok()
    });
    ManagedPolicy {
        name: detail.policy_name().unwrap_or_default().to_string(),
        aws_managed: arn.contains(":iam::aws:policy/"),
        default_version_id: detail.default_version_id().map(str::to_string),
        attachment_count: detail.attachment_count().unwrap_or(0),
        document,
        arn,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn decodes_url_encoded_and_plain_documents() {
        let encoded = "%7B%22Version%22%3A%222012-10-17%22%2C%22Statement%22%3A%5B%5D%7D";
        assert_eq!(
            decode_policy_document(encoded).unwrap()["Version"],
            "2012-10-17"
        );
        assert_eq!(
            decode_policy_document(r#"{"Statement": []}"#).unwrap()["Statement"],
            serde_json::json!([])
        );
        assert!(decode_policy_document("%7B%22broken").is_err());
    }
}
