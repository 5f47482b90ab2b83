//! `lambda-audit graph`: the data-flow map as DOT and Mermaid, with hostile labels escaped
//! for each syntax.

use crate::support::*;
use lambda_audit::checks::all_analyses;
use lambda_audit::report::graph::{Graph, dot_escape, mermaid_escape};
use serde_json::json;

/// One function, invoked by a bucket whose ARN holds quotes, a backslash, a newline and
/// Mermaid syntax; its role reaches a table and, with excess, every bucket.
fn fixture() -> lambda_audit::inventory::Inventory {
    let hostile_source = "arn:aws:s3:::b\"ad\\name\n#x;y`z<br>|w";
    iam_inventory(
        vec![function(
            "thumbs\"]; click n0 call x",
            json!({
                "role": "arn:aws:iam::111122223333:role/thumbs-role",
                "policy": policy(json!([{"Sid": "s3", "Effect": "Allow",
                    "Principal": {"Service": "s3.amazonaws.com"}, "Action": "lambda:InvokeFunction",
                    "Condition": {"ArnLike": {"aws:SourceArn": hostile_source}}}]))
            }),
        )],
        json!({"roles": [iam_role("thumbs-role", json!({"inline_policies": [{"name": "app",
        "document": {"Version": "2012-10-17", "Statement": [
            {"Effect": "Allow", "Action": "s3:GetObject", "Resource": "*"},
            {"Effect": "Allow", "Action": "dynamodb:PutItem",
             "Resource": "arn:aws:dynamodb:us-east-1:111122223333:table/thumbs"}
        ]}}]}))]}),
    )
}

fn graph() -> Graph {
    let inventory = fixture();
    Graph::build(&inventory, &all_analyses(&inventory))
}

#[test]
fn dot_escapes_quotes_backslashes_and_newlines() {
    assert_eq!(dot_escape("a\"b\\c\nd\x1be"), "a\\\"b\\\\c\\nd\\\\u{1b}e");
    let dot = graph().to_dot();
    assert!(dot.starts_with("digraph lambda_audit {\n  rankdir=LR;"));
    assert!(
        dot.contains("label=\"thumbs\\\"]; click n0 call x\""),
        "{dot}"
    );
    assert!(dot.contains("b\\\"ad\\\\name\\n#x;y`z<br>|w"), "{dot}");
    // Every line is a statement: a raw newline from data never splits one.
    for line in dot.lines().skip(4) {
        assert!(
            line == "}" || line.ends_with("];"),
            "broken statement: {line:?}"
        );
    }
    insta::assert_snapshot!("graph_dot", dot);
}

#[test]
fn mermaid_quotes_labels_and_uses_entity_codes() {
    assert_eq!(
        mermaid_escape("\"<>#;`&|\n"),
        "#quot;#lt;#gt;#35;#59;#96;#amp;#124; "
    );
    let mermaid = graph().to_mermaid();
    assert!(mermaid.starts_with("flowchart LR\n"));
    assert!(
        mermaid.contains("n0[\"thumbs#quot;]#59; click n0 call x\"]"),
        "{mermaid}"
    );
    for line in mermaid.lines().skip(1) {
        // Outside the quoted labels only ids, arrows and class statements remain.
        let outside: String = line
            .split('"')
            .step_by(2)
            .collect::<String>()
            .replace("-.->", "")
            .replace("-->", "")
            .replace("==>", "");
        assert!(
            !outside.contains(['<', '>', ';', '`', '#']) || outside.contains("classDef"),
            "unquoted data in {line:?}"
        );
    }
    assert!(!mermaid.contains("<br>") && !mermaid.contains('`'));
    insta::assert_snapshot!("graph_mermaid", mermaid);
}

#[test]
fn graph_links_trigger_function_role_and_resources() {
    let g = graph();
    let kinds: Vec<&str> = g.nodes.iter().map(|n| n.kind.name()).collect();
    assert_eq!(
        kinds,
        [
            "function", "trigger", "role", "resource", "resource", "resource"
        ],
        "{:#?}",
        g.nodes
    );
    let edges: Vec<(usize, usize, &str)> = g
        .edges
        .iter()
        .map(|e| (e.from, e.to, e.kind.name()))
        .collect();
    assert!(edges.contains(&(1, 0, "invokes")));
    assert!(edges.contains(&(0, 2, "runs-as")));
    assert!(edges.contains(&(2, 4, "excess")), "{edges:?}");
    assert!(edges.contains(&(2, 5, "missing")), "{edges:?}");
}

#[test]
fn graph_subcommand_writes_dot_and_mermaid() {
    let dir = tempfile::tempdir().unwrap();
    let snapshot = dir.path().join("inv.json");
    lambda_audit::inventory::snapshot::write(&fixture(), &snapshot).unwrap();
    let out = dir.path().join("g.mmd");
    let run = |args: &[&str]| {
        std::process::Command::new(env!("CARGO_BIN_EXE_lambda-audit"))
            .args(args)
            .output()
            .expect("binary runs")
    };
    let dot = run(&["graph", "--from-snapshot", snapshot.to_str().unwrap()]);
    assert!(
        dot.status.success(),
        "{}",
        String::from_utf8_lossy(&dot.stderr)
    );
    assert_eq!(String::from_utf8(dot.stdout).unwrap(), graph().to_dot());
    let mermaid = run(&[
        "graph",
        "--from-snapshot",
        snapshot.to_str().unwrap(),
        "--format",
        "mermaid",
        "--output",
        out.to_str().unwrap(),
    ]);
    assert!(mermaid.status.success());
    assert_eq!(std::fs::read_to_string(&out).unwrap(), graph().to_mermaid());
}
