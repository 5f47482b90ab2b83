//! `--accounts FILE` parsing (every error names the line and the field) and `--shard I/N`
//! selection (every account in exactly one shard, deterministically).

use lambda_audit::accounts::{AccountSpec, RoleRef, Shard, parse_accounts, select_shard};
use std::path::Path;

fn parse(text: &str) -> Result<Vec<AccountSpec>, String> {
    parse_accounts(text, Path::new("accounts.txt")).map_err(|e| e.to_string())
}

#[test]
fn accounts_file_lines_comments_roles_and_external_ids() {
    let accounts = parse(
        "# production\n\
         111111111111\n\
         \n\
         222222222222, audit-role   # by name\n\
         333333333333,arn:aws:iam::333333333333:role/security/audit,ext-id:42\n",
    )
    .expect("parses");
    assert_eq!(accounts.len(), 3);
    assert_eq!(accounts[0].account_id, "111111111111");
    assert_eq!(accounts[0].role, None);
    assert_eq!(
        accounts[1].role,
        Some(RoleRef::Name("audit-role".to_string()))
    );
    assert_eq!(
        accounts[2].role,
        Some(RoleRef::Arn(
            "arn:aws:iam::333333333333:role/security/audit".to_string()
        ))
    );
    assert_eq!(accounts[2].external_id.as_deref(), Some("ext-id:42"));
}

#[test]
fn accounts_file_errors_name_the_file_line_and_field() {
    let cases = [
        (
            "12345\n",
            "accounts.txt:1: account id: `12345` is not a 12-digit",
        ),
        ("\n11111111111a\n", "accounts.txt:2: account id:"),
        (
            "111111111111\n222222222222\n111111111111,r\n",
            "accounts.txt:3: account id: account 111111111111 is listed twice (first on line 1)",
        ),
        (
            "111111111111,bad role\n",
            "accounts.txt:1: role: `bad role` is neither",
        ),
        (
            "111111111111,arn:aws:iam::222222222222:role/x\n",
            "accounts.txt:1: role: `arn:aws:iam::222222222222:role/x` is a role in account 222222222222, not in the listed account 111111111111",
        ),
        (
            "111111111111,arn:aws:s3:::bucket\n",
            "accounts.txt:1: role: `arn:aws:s3:::bucket` is not a role ARN",
        ),
        (
            "111111111111,arn:aws:iam::111111111111:user/x\n",
            "accounts.txt:1: role: `arn:aws:iam::111111111111:user/x` is not a role ARN: expected role/NAME",
        ),
        (
            "111111111111,arn:moon:iam::111111111111:role/x\n",
            "is not a role ARN: unknown partition",
        ),
        (
            "111111111111,arn:aws:iam::111111111111:role/\n",
            "the role name is empty",
        ),
        (
            "111111111111,role,x\n",
            "accounts.txt:1: external id: `x` is not an external id",
        ),
        (
            "111111111111,,ext-id\n",
            "accounts.txt:1: role: an external id needs a role",
        ),
        ("111111111111,a,bb,c\n", "accounts.txt:1: line: 4 fields"),
        ("# nothing\n\n", "accounts.txt: no account listed"),
    ];
    for (text, expected) in cases {
        let error = parse(text).expect_err(text);
        assert!(error.contains(expected), "{text:?}: {error}");
    }
}

#[test]
fn accounts_resolve_roles_from_the_line_the_default_or_the_caller() {
    let accounts = parse("000000000000\n111111111111,own\n222222222222\n").expect("parses");
    let access = |i: usize, default: Option<&str>| {
        accounts[i].access("000000000000", "aws-cn", default, Some("default-ext"))
    };
    let caller = access(0, Some("audit")).expect("caller");
    assert_eq!(caller.role_arn, None, "the caller's account needs no role");
    let own = access(1, Some("audit")).expect("own");
    assert_eq!(
        own.role_arn.as_deref(),
        Some("arn:aws-cn:iam::111111111111:role/own")
    );
    assert_eq!(own.external_id.as_deref(), Some("default-ext"));
    let default = access(2, Some("audit")).expect("default");
    assert_eq!(
        default.role_arn.as_deref(),
        Some("arn:aws-cn:iam::222222222222:role/audit")
    );
    let missing = access(2, None).expect_err("no role");
    assert!(missing.contains("--assume-role"), "{missing}");
}

#[test]
fn shard_argument_is_i_of_n() {
    assert_eq!("1/3".parse::<Shard>(), Ok(Shard { index: 1, count: 3 }));
    for bad in ["3/3", "0/0", "1", "a/2", "-1/2", "1/2/3"] {
        assert!(bad.parse::<Shard>().is_err(), "{bad}");
    }
}

#[test]
fn shards_partition_the_accounts_deterministically() {
    let ids: Vec<String> = (0..23)
        .map(|i| format!("{:012}", 900_000 - i * 7919))
        .collect();
    let text = ids.join("\n");
    let accounts = parse(&text).expect("parses");
    let mut reversed = accounts.clone();
    reversed.reverse();
    for count in 1..=6 {
        let mut seen = Vec::new();
        for index in 0..count {
            let shard = Shard { index, count };
            let selected = select_shard(accounts.clone(), shard);
            assert_eq!(
                selected,
                select_shard(reversed.clone(), shard),
                "the file's order does not matter"
            );
            let expected = accounts.len() / count + usize::from(index < accounts.len() % count);
            assert_eq!(selected.len(), expected, "shards are balanced");
            seen.extend(selected.into_iter().map(|a| a.account_id));
        }
        seen.sort();
        let mut all = ids.clone();
        all.sort();
        assert_eq!(seen, all, "every account in exactly one of {count} shards");
    }
    // Documented rule: sorted ids, position % N == I.
    let three = parse("333333333333\n111111111111\n222222222222\n").expect("parses");
    let first: Vec<_> = select_shard(three, Shard { index: 0, count: 2 })
        .into_iter()
        .map(|a| a.account_id)
        .collect();
    assert_eq!(first, ["111111111111", "333333333333"]);
}
