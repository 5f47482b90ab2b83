//! `--organization`: `ListAccounts` read page by page, only ACTIVE accounts kept (from
//! `State`, or the older `Status` when a service sends only that), a refusal is an error.

use aws_sdk_organizations::Client;
use aws_sdk_organizations::operation::list_accounts::{ListAccountsError, ListAccountsOutput};
use aws_sdk_organizations::types::{Account, AccountState, AccountStatus};
use aws_smithy_mocks::{RuleMode, mock, mock_client};
use lambda_audit::collect::accounts::list_active_accounts;
use lambda_audit::inventory::FailureKind;

fn account(id: &str, state: Option<AccountState>, status: Option<AccountStatus>) -> Account {
    #[allow(deprecated)]
    let builder = Account::builder()
        .id(id)
        .set_state(state)
        .set_status(status);
    builder.build()
}

#[tokio::test]
async fn organization_lists_every_page_and_keeps_active_accounts() {
    let first = mock!(Client::list_accounts)
        .match_requests(|r| r.next_token().is_none())
        .then_output(|| {
            ListAccountsOutput::builder()
                .accounts(account("333333333333", Some(AccountState::Active), None))
                .accounts(account(
                    "444444444444",
                    Some(AccountState::Suspended),
                    Some(AccountStatus::Active),
                ))
                .accounts(account(
                    "555555555555",
                    Some(AccountState::PendingClosure),
                    None,
                ))
                .next_token("page-2")
                .build()
        });
    let second = mock!(Client::list_accounts)
        .match_requests(|r| r.next_token() == Some("page-2"))
        .then_output(|| {
            ListAccountsOutput::builder()
                .accounts(account("111111111111", None, Some(AccountStatus::Active)))
                .accounts(account("222222222222", Some(AccountState::Closed), None))
                .accounts(account(
                    "666666666666",
                    None,
                    Some(AccountStatus::Suspended),
                ))
                .build()
        });
    let client = mock_client!(aws_sdk_organizations, RuleMode::MatchAny, [&first, &second]);
    let ids = list_active_accounts(&client).await.expect("lists");
    assert_eq!(ids, ["111111111111", "333333333333"]);
    assert_eq!(first.num_calls() + second.num_calls(), 2);
}

#[tokio::test]
async fn organization_refusal_is_an_organizations_failure() {
    let denied = mock!(Client::list_accounts).then_error(|| {
        ListAccountsError::AccessDeniedException(
            aws_sdk_organizations::types::error::AccessDeniedException::builder()
                .message("not the management account")
                .meta(
                    aws_sdk_organizations::error::ErrorMetadata::builder()
                        .code("AccessDeniedException")
                        .message("not the management account")
                        .build(),
                )
                .build(),
        )
    });
    let client = mock_client!(aws_sdk_organizations, [&denied]);
    let failure = list_active_accounts(&client).await.expect_err("denied");
    assert_eq!(failure.operation, "organizations:ListAccounts");
    assert_eq!(failure.kind, FailureKind::AccessDenied);
}
