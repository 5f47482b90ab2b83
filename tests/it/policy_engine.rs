//! The IAM policy engine: statement parsing (Resource/NotResource), identity-based
//! evaluation with permission boundaries (a table of tricky documents), and property tests
//! of wildcard matching.

use lambda_audit::inventory::{AttachedPolicy, InlinePolicy, ManagedPolicy, Role};
use lambda_audit::policy::effective::{
    BoundaryStatus, Decision, IdentityPolicies, PolicySourceRef, SourceKind,
};
use lambda_audit::policy::{
    PolicyError, ResourceSpec, parse_statements, resource_match, wildcard_match, wildcard_match_ci,
};
use proptest::prelude::*;
use serde_json::{Value, json};
use std::collections::BTreeMap;

const ACCOUNT: &str = "123456789012";

fn managed_arn(name: &str) -> String {
    format!("arn:aws:iam::{ACCOUNT}:policy/{name}")
}

fn role(inline: &[Value], managed: &[&str], boundary: Option<&str>) -> Role {
    Role {
        name: "r".into(),
        arn: format!("arn:aws:iam::{ACCOUNT}:role/r"),
        path: "/".into(),
        trust_policy: None,
        inline_policies: inline
            .iter()
            .enumerate()
            .map(|(i, document)| InlinePolicy {
                name: format!("inline{i}"),
                document: document.clone(),
            })
            .collect(),
        attached_managed_policies: managed
            .iter()
            .map(|name| AttachedPolicy {
                name: name.to_string(),
                arn: managed_arn(name),
            })
            .collect(),
        permissions_boundary_arn: boundary.map(managed_arn),
        last_used: None,
        last_used_region: None,
        tags: BTreeMap::new(),
        unreadable_policies: Vec::new(),
    }
}

fn managed(name: &str, document: Option<Value>) -> ManagedPolicy {
    ManagedPolicy {
        name: name.into(),
        arn: managed_arn(name),
        aws_managed: false,
        default_version_id: Some("v1".into()),
        attachment_count: 1,
        document,
    }
}

fn doc(statements: Value) -> Value {
    json!({"Version": "2012-10-17", "Statement": statements})
}

fn allow(action: Value, resource: Value) -> Value {
    json!({"Effect": "Allow", "Action": action, "Resource": resource})
}

fn deny(action: Value, resource: Value) -> Value {
    json!({"Effect": "Deny", "Action": action, "Resource": resource})
}

const BUCKET_OBJECT: &str = "arn:aws:s3:::data/report.csv";
const FUNCTION: &str = "arn:aws:lambda:us-east-1:123456789012:function:f";

#[derive(Debug, Clone, Copy, PartialEq)]
enum Expect {
    Allowed,
    AllowedConditionally,
    Denied,
    MayDeny,
    Implicit,
    NotInBoundary,
}

fn outcome(decision: &Decision) -> Expect {
    match decision {
        Decision::Allowed {
            conditional: false, ..
        } => Expect::Allowed,
        Decision::Allowed {
            conditional: true, ..
        } => Expect::AllowedConditionally,
        Decision::ExplicitDeny {
            conditional: false, ..
        } => Expect::Denied,
        Decision::ExplicitDeny {
            conditional: true, ..
        } => Expect::MayDeny,
        Decision::ImplicitDeny => Expect::Implicit,
        Decision::NotInBoundary { .. } => Expect::NotInBoundary,
    }
}

struct Case {
    name: &'static str,
    /// Inline policy documents.
    inline: Vec<Value>,
    /// The boundary's document, if one is attached.
    boundary: Option<Value>,
    action: &'static str,
    resource: &'static str,
    expect: Expect,
}

fn case(
    name: &'static str,
    inline: Vec<Value>,
    action: &'static str,
    resource: &'static str,
    expect: Expect,
) -> Case {
    Case {
        name,
        inline,
        boundary: None,
        action,
        resource,
        expect,
    }
}

fn cases() -> Vec<Case> {
    use Expect::*;
    let s3_read = doc(json!([allow(
        json!("s3:Get*Object"),
        json!("arn:aws:s3:::data/*")
    )]));
    vec![
        case(
            "mid-action wildcard matches",
            vec![s3_read.clone()],
            "s3:GetObject",
            BUCKET_OBJECT,
            Allowed,
        ),
        case(
            "mid-action wildcard matches a longer name",
            vec![s3_read.clone()],
            "s3:GetObjectVersionObject",
            BUCKET_OBJECT,
            Allowed,
        ),
        case(
            "mid-action wildcard needs the suffix",
            vec![s3_read.clone()],
            "s3:GetObjectAcl",
            BUCKET_OBJECT,
            Implicit,
        ),
        case(
            "actions match case-insensitively",
            vec![s3_read.clone()],
            "S3:getobject",
            BUCKET_OBJECT,
            Allowed,
        ),
        case(
            "resources match case-sensitively",
            vec![s3_read.clone()],
            "s3:GetObject",
            "arn:aws:s3:::Data/report.csv",
            Implicit,
        ),
        case(
            "bucket/* does not cover the bucket itself",
            vec![s3_read.clone()],
            "s3:GetObject",
            "arn:aws:s3:::data",
            Implicit,
        ),
        case(
            "string and array fields read alike",
            vec![doc(
                json!([{"Effect": "Allow", "Action": ["s3:GetObject"], "Resource": ["arn:aws:s3:::other/*", "arn:aws:s3:::data/*"]}]),
            )],
            "s3:GetObject",
            BUCKET_OBJECT,
            Allowed,
        ),
        case(
            "Statement as a single object",
            vec![
                json!({"Version": "2012-10-17", "Statement": {"Effect": "Allow", "Action": "s3:GetObject", "Resource": "*"}}),
            ],
            "s3:GetObject",
            BUCKET_OBJECT,
            Allowed,
        ),
        case(
            "NotAction Allow grants what it does not list",
            vec![doc(
                json!([{"Effect": "Allow", "NotAction": ["iam:*", "organizations:*"], "Resource": "*"}]),
            )],
            "lambda:InvokeFunction",
            FUNCTION,
            Allowed,
        ),
        case(
            "NotAction Allow does not grant what it lists",
            vec![doc(
                json!([{"Effect": "Allow", "NotAction": ["iam:*", "organizations:*"], "Resource": "*"}]),
            )],
            "IAM:PassRole",
            "arn:aws:iam::123456789012:role/admin",
            Implicit,
        ),
        case(
            "NotResource Allow covers other resources",
            vec![doc(
                json!([{"Effect": "Allow", "Action": "s3:*", "NotResource": ["arn:aws:s3:::secret", "arn:aws:s3:::secret/*"]}]),
            )],
            "s3:GetObject",
            BUCKET_OBJECT,
            Allowed,
        ),
        case(
            "NotResource Allow excludes the listed resources",
            vec![doc(
                json!([{"Effect": "Allow", "Action": "s3:*", "NotResource": ["arn:aws:s3:::secret", "arn:aws:s3:::secret/*"]}]),
            )],
            "s3:GetObject",
            "arn:aws:s3:::secret/key",
            Implicit,
        ),
        case(
            "Deny overrides Allow",
            vec![doc(json!([
                allow(json!("*"), json!("*")),
                deny(json!("s3:GetObject"), json!(BUCKET_OBJECT))
            ]))],
            "s3:GetObject",
            BUCKET_OBJECT,
            Denied,
        ),
        case(
            "wildcard Deny overrides Allow, across policies",
            vec![
                doc(json!([allow(json!("s3:GetObject"), json!("*"))])),
                doc(json!([deny(json!("s3:*"), json!("arn:aws:s3:::*"))])),
            ],
            "s3:GetObject",
            BUCKET_OBJECT,
            Denied,
        ),
        case(
            "Deny of another resource leaves the Allow",
            vec![doc(json!([
                allow(json!("*"), json!("*")),
                deny(json!("s3:*"), json!("arn:aws:s3:::secret/*"))
            ]))],
            "s3:GetObject",
            BUCKET_OBJECT,
            Allowed,
        ),
        case(
            "NotAction Deny denies everything else",
            vec![doc(
                json!([allow(json!("*"), json!("*")), {"Effect": "Deny", "NotAction": "s3:Get*", "Resource": "*"}]),
            )],
            "lambda:InvokeFunction",
            FUNCTION,
            Denied,
        ),
        case(
            "NotResource Deny spares only the listed resources",
            vec![doc(
                json!([allow(json!("s3:*"), json!("*")), {"Effect": "Deny", "Action": "s3:*", "NotResource": "arn:aws:s3:::data/*"}]),
            )],
            "s3:GetObject",
            BUCKET_OBJECT,
            Allowed,
        ),
        case(
            "a conditional Deny may deny",
            vec![doc(
                json!([allow(json!("s3:*"), json!("*")), {"Effect": "Deny", "Action": "s3:*", "Resource": "*", "Condition": {"Bool": {"aws:SecureTransport": "false"}}}]),
            )],
            "s3:GetObject",
            BUCKET_OBJECT,
            MayDeny,
        ),
        case(
            "a conditional Deny on what nothing allows stays an implicit deny",
            vec![doc(
                json!([{"Effect": "Deny", "Action": "s3:*", "Resource": "*", "Condition": {"Bool": {"aws:SecureTransport": "false"}}}]),
            )],
            "s3:GetObject",
            BUCKET_OBJECT,
            Implicit,
        ),
        case(
            "an unconditional Deny beats a conditional one",
            vec![doc(json!([
                allow(json!("s3:*"), json!("*")),
                {"Effect": "Deny", "Action": "s3:*", "Resource": "*", "Condition": {"Bool": {"aws:SecureTransport": "false"}}},
                deny(json!("s3:GetObject"), json!("*"))
            ]))],
            "s3:GetObject",
            BUCKET_OBJECT,
            Denied,
        ),
        case(
            "a conditional Allow is conditional",
            vec![doc(
                json!([{"Effect": "Allow", "Action": "s3:GetObject", "Resource": "*", "Condition": {"IpAddress": {"aws:SourceIp": "10.0.0.0/8"}}}]),
            )],
            "s3:GetObject",
            BUCKET_OBJECT,
            AllowedConditionally,
        ),
        case(
            "an unconditional Allow beside a conditional one is not",
            vec![doc(json!([
                {"Effect": "Allow", "Action": "s3:GetObject", "Resource": "*", "Condition": {"IpAddress": {"aws:SourceIp": "10.0.0.0/8"}}},
                allow(json!("s3:Get*"), json!("arn:aws:s3:::data/*"))
            ]))],
            "s3:GetObject",
            BUCKET_OBJECT,
            Allowed,
        ),
        case(
            "a policy variable matches any value",
            vec![doc(json!([allow(
                json!("s3:GetObject"),
                json!("arn:aws:s3:::home/${aws:username}/*")
            )]))],
            "s3:GetObject",
            "arn:aws:s3:::home/alice/notes",
            Allowed,
        ),
        case(
            "a function wildcard covers qualified ARNs (wildcards span colons)",
            vec![doc(json!([allow(
                json!("lambda:InvokeFunction"),
                json!("arn:aws:lambda:*:123456789012:function:*")
            )]))],
            "lambda:InvokeFunction",
            "arn:aws:lambda:eu-west-1:123456789012:function:f:prod",
            Allowed,
        ),
        case(
            "another account's function is not covered",
            vec![doc(json!([allow(
                json!("lambda:InvokeFunction"),
                json!("arn:aws:lambda:*:123456789012:function:*")
            )]))],
            "lambda:InvokeFunction",
            "arn:aws:lambda:eu-west-1:999999999999:function:f",
            Implicit,
        ),
        case(
            "no policies: implicit deny",
            vec![],
            "s3:GetObject",
            BUCKET_OBJECT,
            Implicit,
        ),
        Case {
            boundary: Some(doc(json!([allow(json!(["s3:*", "logs:*"]), json!("*"))]))),
            ..case(
                "boundary allows what the role allows",
                vec![doc(json!([allow(json!("*"), json!("*"))]))],
                "s3:GetObject",
                BUCKET_OBJECT,
                Allowed,
            )
        },
        Case {
            boundary: Some(doc(json!([allow(json!(["s3:*", "logs:*"]), json!("*"))]))),
            ..case(
                "allowed by the role, not by the boundary",
                vec![doc(json!([allow(json!("*"), json!("*"))]))],
                "iam:CreateUser",
                "arn:aws:iam::123456789012:user/u",
                NotInBoundary,
            )
        },
        Case {
            boundary: Some(doc(json!([allow(json!("*"), json!("*"))]))),
            ..case(
                "a boundary grants nothing by itself",
                vec![],
                "s3:GetObject",
                BUCKET_OBJECT,
                Implicit,
            )
        },
        Case {
            boundary: Some(doc(json!([
                allow(json!("*"), json!("*")),
                deny(json!("s3:*"), json!("*"))
            ]))),
            ..case(
                "a Deny in the boundary denies",
                vec![doc(json!([allow(json!("s3:*"), json!("*"))]))],
                "s3:GetObject",
                BUCKET_OBJECT,
                Denied,
            )
        },
        Case {
            boundary: Some(doc(
                json!([{"Effect": "Allow", "Action": "s3:*", "Resource": "*", "Condition": {"StringEquals": {"aws:RequestedRegion": "eu-west-1"}}}]),
            )),
            ..case(
                "a conditional boundary makes the Allow conditional",
                vec![doc(json!([allow(json!("s3:*"), json!("*"))]))],
                "s3:GetObject",
                BUCKET_OBJECT,
                AllowedConditionally,
            )
        },
        Case {
            boundary: Some(doc(json!([allow(
                json!("s3:GetObject"),
                json!("arn:aws:s3:::other/*")
            )]))),
            ..case(
                "boundary and role must both cover the resource",
                vec![doc(json!([allow(json!("s3:*"), json!("*"))]))],
                "s3:GetObject",
                BUCKET_OBJECT,
                NotInBoundary,
            )
        },
    ]
}

fn policies_for(case: &Case) -> (IdentityPolicies, Vec<String>) {
    let mut inventory = Vec::new();
    if let Some(boundary) = &case.boundary {
        inventory.push(managed("boundary", Some(boundary.clone())));
    }
    let r = role(
        &case.inline,
        &[],
        case.boundary.as_ref().map(|_| "boundary"),
    );
    IdentityPolicies::for_role(&r, &inventory)
}

#[test]
fn evaluation_table() {
    let mut failures = Vec::new();
    for case in cases() {
        let (policies, reasons) = policies_for(&case);
        assert!(reasons.is_empty(), "{}: {reasons:?}", case.name);
        let decision = policies.evaluate(case.action, case.resource);
        if outcome(&decision) != case.expect {
            failures.push(format!(
                "{}: expected {:?}, got {decision:?}",
                case.name, case.expect
            ));
        }
    }
    assert!(failures.is_empty(), "\n{}", failures.join("\n"));
}

#[test]
fn decisions_name_their_statements() {
    let (policies, reasons) = IdentityPolicies::for_role(
        &role(
            &[doc(
                json!([{"Sid": "All", "Effect": "Allow", "Action": "*", "Resource": "*"}]),
            )],
            &["NoS3"],
            Some("Bound"),
        ),
        &[
            managed(
                "NoS3",
                Some(doc(json!([deny(json!("s3:Delete*"), json!("*"))]))),
            ),
            managed("Bound", Some(doc(json!([allow(json!("*"), json!("*"))])))),
        ],
    );
    assert!(reasons.is_empty(), "{reasons:?}");
    assert_eq!(policies.boundary_status(), BoundaryStatus::Known);
    match policies.evaluate("s3:DeleteObject", BUCKET_OBJECT) {
        Decision::ExplicitDeny {
            by,
            conditional: false,
            overrides,
        } => {
            assert_eq!(by.len(), 1);
            assert_eq!(by[0].source.kind, SourceKind::Managed);
            assert_eq!(
                by[0].source.arn.as_deref(),
                Some(managed_arn("NoS3").as_str())
            );
            assert_eq!(overrides[0].sid.as_deref(), Some("All"));
            assert_eq!(overrides[0].source.kind, SourceKind::Inline);
        }
        other => panic!("{other:?}"),
    }
    match policies.evaluate("lambda:GetFunction", FUNCTION) {
        Decision::Allowed { by, conditional } => {
            assert!(!conditional);
            let kinds: Vec<SourceKind> =
                by.iter().map(|r: &PolicySourceRef| r.source.kind).collect();
            assert_eq!(kinds, vec![SourceKind::Inline, SourceKind::Boundary]);
            assert_eq!(
                by[0].label(),
                "inline policy inline0 statement 0 (Sid \"All\")"
            );
        }
        other => panic!("{other:?}"),
    }
    assert_eq!(policies.allow_statements().count(), 1);
    assert_eq!(policies.deny_statements().count(), 1);
    assert_eq!(policies.boundary_statements().count(), 1);
}

#[test]
fn missing_managed_documents_are_reasons_not_silence() {
    let mut r = role(&[], &["Gone", "NoDoc", "Fine"], Some("LostBoundary"));
    r.unreadable_policies = vec!["Undecodable".into()];
    let (policies, reasons) = IdentityPolicies::for_role(
        &r,
        &[
            managed("NoDoc", None),
            managed(
                "Fine",
                Some(doc(json!([allow(json!("s3:GetObject"), json!("*"))]))),
            ),
        ],
    );
    assert_eq!(reasons.len(), 4, "{reasons:#?}");
    assert!(reasons.iter().any(|r| r.contains("Undecodable")));
    assert!(
        reasons
            .iter()
            .any(|r| r.contains(&managed_arn("Gone")) && r.contains("not among"))
    );
    assert!(
        reasons
            .iter()
            .any(|r| r.contains(&managed_arn("NoDoc")) && r.contains("no document"))
    );
    assert!(
        reasons
            .iter()
            .any(|r| r.contains("LostBoundary") && r.contains("boundary"))
    );
    assert_eq!(policies.boundary_status(), BoundaryStatus::Unknown);
    // What is known is still evaluated; the unknown boundary limits nothing.
    assert_eq!(
        outcome(&policies.evaluate("s3:GetObject", BUCKET_OBJECT)),
        Expect::Allowed
    );
}

#[test]
fn malformed_documents_are_reasons_not_panics() {
    let bad: Vec<Value> = vec![
        json!([]),
        json!({"Statement": "nope"}),
        json!({"Statement": [{"Effect": "allow", "Action": "*", "Resource": "*"}]}),
        json!({"Statement": [{"Effect": "Allow", "Action": 7, "Resource": "*"}]}),
        json!({"Statement": [{"Effect": "Allow", "Action": "*", "Resource": [1]}]}),
        json!({"Statement": [{"Effect": "Allow", "Action": "*", "Resource": "*", "Condition": "x"}]}),
        json!(null),
    ];
    let r = role(&bad, &["Broken"], Some("BrokenBoundary"));
    let (policies, reasons) = IdentityPolicies::for_role(
        &r,
        &[
            managed("Broken", Some(json!("{not json}"))),
            managed("BrokenBoundary", Some(json!({"Statement": 1}))),
        ],
    );
    assert_eq!(reasons.len(), bad.len() + 2, "{reasons:#?}");
    assert!(
        reasons.iter().all(|r| r.contains("malformed")),
        "{reasons:#?}"
    );
    assert_eq!(policies.allow_statements().count(), 0);
    assert_eq!(policies.boundary_status(), BoundaryStatus::Unknown);
    assert_eq!(
        policies.evaluate("s3:GetObject", BUCKET_OBJECT),
        Decision::ImplicitDeny
    );
    assert!(!policies.is_unconditional_admin());
    // One bad statement makes the whole document unknown, not just that statement.
    assert!(matches!(
        parse_statements(
            &json!({"Statement": [allow(json!("*"), json!("*")), {"Effect": "Allow", "Action": "*", "NotResource": {}}]})
        ),
        Err(PolicyError::BadStringList {
            index: 1,
            field: "NotResource"
        })
    ));
}

#[test]
fn identity_statements_without_resource_are_flagged() {
    let (policies, reasons) = IdentityPolicies::for_role(
        &role(
            &[doc(json!([{"Effect": "Allow", "Action": "s3:GetObject"}]))],
            &[],
            None,
        ),
        &[],
    );
    assert_eq!(reasons.len(), 1, "{reasons:?}");
    assert!(reasons[0].contains("neither Resource nor NotResource"));
    let (statement, _) = policies.allow_statements().next().unwrap();
    assert_eq!(statement.resources, ResourceSpec::None);
}

fn admin(inline: Vec<Value>, boundary: Option<Value>) -> bool {
    let c = Case {
        boundary,
        ..case("admin", inline, "", "", Expect::Implicit)
    };
    let (policies, reasons) = policies_for(&c);
    assert!(reasons.is_empty(), "{reasons:?}");
    policies.is_unconditional_admin()
}

#[test]
fn unconditional_admin() {
    let star = doc(json!([allow(json!("*"), json!("*"))]));
    assert!(admin(vec![star.clone()], None));
    assert!(admin(
        vec![doc(json!([allow(
            json!(["s3:GetObject", "*:*"]),
            json!(["arn:aws:s3:::x", "*"])
        )]))],
        None
    ));
    assert!(admin(
        vec![doc(
            json!([{"Effect": "Allow", "NotAction": ["s3:*", "cloudtrail:*"], "Resource": "*"}])
        )],
        None
    ));
    assert!(admin(vec![star.clone()], Some(star.clone())));
    // A Deny that leaves IAM alone does not stop an administrator (it can remove the Deny).
    assert!(admin(
        vec![doc(json!([
            allow(json!("*"), json!("*")),
            deny(json!("s3:DeleteBucket"), json!("*"))
        ]))],
        None
    ));
    // PowerUserAccess is not admin.
    assert!(!admin(
        vec![doc(
            json!([{"Effect": "Allow", "NotAction": ["iam:*", "organizations:*", "account:*"], "Resource": "*"}])
        )],
        None
    ));
    // Conditions, partial resources, partial actions.
    assert!(!admin(
        vec![doc(
            json!([{"Effect": "Allow", "Action": "*", "Resource": "*", "Condition": {"Bool": {"aws:MultiFactorAuthPresent": "true"}}}])
        )],
        None
    ));
    assert!(!admin(
        vec![doc(json!([allow(json!("*"), json!("arn:aws:s3:::*"))]))],
        None
    ));
    assert!(!admin(
        vec![doc(json!([allow(json!("s3:*"), json!("*"))]))],
        None
    ));
    assert!(!admin(
        vec![doc(
            json!([{"Effect": "Allow", "Action": "*", "NotResource": "arn:aws:s3:::x"}])
        )],
        None
    ));
    // Blocked by the boundary, or by a Deny touching IAM (even a conditional one).
    assert!(!admin(
        vec![star.clone()],
        Some(doc(json!([allow(json!("s3:*"), json!("*"))])))
    ));
    assert!(!admin(
        vec![doc(json!([
            allow(json!("*"), json!("*")),
            deny(json!("iam:*"), json!("*"))
        ]))],
        None
    ));
    assert!(!admin(
        vec![doc(
            json!([allow(json!("*"), json!("*")), {"Effect": "Deny", "Action": "*", "Resource": "*", "Condition": {"Bool": {"aws:ViaAWSService": "false"}}}])
        )],
        None
    ));
    assert!(!admin(
        vec![star.clone()],
        Some(doc(json!([
            allow(json!("*"), json!("*")),
            deny(json!("iam:Put*"), json!("*"))
        ])))
    ));
    assert!(!admin(vec![], None));
}

// ---------------------------------------------------------------------------------------
// Property tests of wildcard matching.

fn arn_like() -> impl Strategy<Value = String> {
    "arn:aws:[a-z0-9-]{1,12}:[a-z0-9-]{0,12}:[0-9]{0,12}:[A-Za-z0-9/:_.+=,@-]{0,40}"
}

/// A text for the resource matcher's properties: `${` would be read as a policy variable.
fn no_variable(text: &str) -> bool {
    !text.contains("${")
}

/// The textbook recursive glob, as an oracle on small inputs.
fn reference_glob(p: &[char], t: &[char]) -> bool {
    match p.split_first() {
        None => t.is_empty(),
        Some(('*', rest)) => (0..=t.len()).any(|k| reference_glob(rest, &t[k..])),
        Some((c, rest)) => {
            !t.is_empty() && (*c == '?' || *c == t[0]) && reference_glob(rest, &t[1..])
        }
    }
}

/// Every string over `alphabet` of length at most `max`.
fn all_words(alphabet: &[char], max: usize) -> Vec<String> {
    let mut out = vec![String::new()];
    let mut frontier = vec![String::new()];
    for _ in 0..max {
        frontier = frontier
            .iter()
            .flat_map(|w| alphabet.iter().map(move |c| format!("{w}{c}")))
            .collect();
        out.extend(frontier.iter().cloned());
    }
    out
}

proptest! {
    #[test]
    fn a_pattern_equal_to_the_text_matches(text in any::<String>()) {
        prop_assert!(wildcard_match(&text, &text));
        prop_assert!(wildcard_match_ci(&text, &text));
        prop_assert!(wildcard_match_ci(&text.to_uppercase(), &text.to_lowercase()) || !text.is_ascii());
        if no_variable(&text) {
            prop_assert!(resource_match(&text, &text));
        }
    }

    #[test]
    fn star_matches_anything(text in any::<String>()) {
        prop_assert!(wildcard_match("*", &text));
        prop_assert!(wildcard_match_ci("*", &text));
        prop_assert!(resource_match("*", &text));
        let variable = "${aws:username}";
        prop_assert!(resource_match(variable, &text));
    }

    #[test]
    fn a_question_mark_stands_for_any_one_character(text in ".{1,40}", at in any::<prop::sample::Index>()) {
        let chars: Vec<char> = text.chars().collect();
        let i = at.index(chars.len());
        let mut pattern = chars.clone();
        pattern[i] = '?';
        let pattern: String = pattern.into_iter().collect();
        prop_assert!(wildcard_match(&pattern, &text));
        prop_assert!(wildcard_match_ci(&pattern, &text));
        if no_variable(&text) && no_variable(&pattern) {
            prop_assert!(resource_match(&pattern, &text));
        }
        // ...and only one: without a `*` the pattern never matches a shorter text.
        if !pattern.contains('*') {
            let shorter: String = chars.iter().enumerate().filter(|(j, _)| *j != i).map(|(_, c)| c).collect();
            prop_assert!(!wildcard_match(&pattern, &shorter));
            prop_assert!(!wildcard_match_ci(&pattern, &shorter));
        }
    }

    #[test]
    fn replacing_a_substring_by_star_still_matches(text in any::<String>(), a in any::<prop::sample::Index>(), b in any::<prop::sample::Index>()) {
        let chars: Vec<char> = text.chars().collect();
        let (mut i, mut j) = (a.index(chars.len() + 1), b.index(chars.len() + 1));
        if i > j { std::mem::swap(&mut i, &mut j); }
        let pattern: String = chars[..i].iter().chain(std::iter::once(&'*')).chain(chars[j..].iter()).collect();
        prop_assert!(wildcard_match(&pattern, &text), "{pattern:?} {text:?}");
        prop_assert!(wildcard_match_ci(&pattern, &text));
        if no_variable(&text) && no_variable(&pattern) {
            prop_assert!(resource_match(&pattern, &text));
        }
    }

    #[test]
    fn matching_agrees_with_the_textbook_glob(pattern in "[ab*?]{0,8}", text in "[ab]{0,10}") {
        let p: Vec<char> = pattern.chars().collect();
        let t: Vec<char> = text.chars().collect();
        let expected = reference_glob(&p, &t);
        prop_assert_eq!(wildcard_match(&pattern, &text), expected);
        prop_assert_eq!(resource_match(&pattern, &text), expected);
        prop_assert_eq!(wildcard_match_ci(&pattern.to_uppercase(), &text), expected);
    }

    #[test]
    fn service_reach_agrees_with_brute_force(pattern in "[iam:x*?]{0,5}") {
        // A witness, if any, is "iam:" then at most as many characters as the pattern has,
        // drawn from the pattern's literals (or any one for `?`).
        let words = all_words(&['i', 'a', 'm', ':', 'x', 'y'], pattern.len().min(4));
        let texts: Vec<String> = words.iter().map(|w| format!("iam:{w}")).collect();
        let touches = texts.iter().any(|t| wildcard_match_ci(&pattern, t));
        prop_assert_eq!(lambda_audit::policy::action_pattern_may_touch_service(&pattern, "IAM"), touches);
        if lambda_audit::policy::action_pattern_covers_service(&pattern, "iam") {
            prop_assert!(texts.iter().filter(|t| t.len() > 4).all(|t| wildcard_match_ci(&pattern, t)));
        }
    }

    #[test]
    fn a_policy_variable_in_place_of_a_segment_matches(arn in arn_like(), var in "[a-zA-Z:/]{1,20}") {
        // Replace the region segment by a variable.
        let parts: Vec<&str> = arn.splitn(6, ':').collect();
        let pattern = format!("{}:{}:{}:${{{var}}}:{}:{}", parts[0], parts[1], parts[2], parts[4], parts[5]);
        prop_assert!(resource_match(&pattern, &arn), "{pattern:?} {arn:?}");
    }

    #[test]
    fn resources_are_case_sensitive_actions_are_not(text in "[a-z]{1,20}") {
        let upper = text.to_uppercase();
        prop_assert!(!resource_match(&text, &upper));
        prop_assert!(!wildcard_match(&text, &upper));
        prop_assert!(wildcard_match_ci(&text, &upper));
    }

    #[test]
    fn matching_never_panics_on_arbitrary_unicode(pattern in any::<String>(), text in any::<String>()) {
        let _ = wildcard_match(&pattern, &text);
        let _ = wildcard_match_ci(&pattern, &text);
        let _ = resource_match(&pattern, &text);
        let _ = lambda_audit::policy::action_pattern_may_touch_service(&pattern, "iam");
        let _ = lambda_audit::policy::action_pattern_covers_service(&pattern, "iam");
    }

    #[test]
    fn pathological_patterns_finish(n in 1usize..200) {
        let pattern = "*a".repeat(n) + "b";
        let text = "a".repeat(4 * n);
        prop_assert!(!wildcard_match(&pattern, &text));
    }

    #[test]
    fn parsing_arbitrary_json_never_panics(value in arbitrary_json()) {
        let _ = parse_statements(&value);
        let r = role(std::slice::from_ref(&value), &["m"], Some("m"));
        let (policies, _) = IdentityPolicies::for_role(&r, &[managed("m", Some(value))]);
        let _ = policies.evaluate("s3:GetObject", BUCKET_OBJECT);
        let _ = policies.is_unconditional_admin();
    }
}

fn arbitrary_json() -> impl Strategy<Value = Value> {
    let leaf = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::Bool),
        any::<i64>().prop_map(|n| json!(n)),
        prop_oneof![
            Just("Allow".to_string()),
            Just("Deny".to_string()),
            Just("*".to_string()),
            "[a-z0-9:*?${}]{0,12}"
        ]
        .prop_map(Value::String),
    ];
    leaf.prop_recursive(4, 48, 6, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..4).prop_map(Value::Array),
            prop::collection::btree_map(
                prop_oneof![
                    Just("Statement".to_string()),
                    Just("Effect".to_string()),
                    Just("Action".to_string()),
                    Just("NotAction".to_string()),
                    Just("Resource".to_string()),
                    Just("NotResource".to_string()),
                    Just("Condition".to_string()),
                    Just("Principal".to_string()),
                    "[A-Za-z]{1,8}"
                ],
                inner,
                0..5
            )
            .prop_map(|m| Value::Object(m.into_iter().collect())),
        ]
    })
}
