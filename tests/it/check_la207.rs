//! LA207 no-code-signing: .zip functions only.

use crate::support::*;
use serde_json::json;

#[test]
fn la207_flags_zip_function_without_code_signing() {
    let r = run(vec![function("z", json!({"package_type": "Zip"}))]);
    let f = findings_of(&r, "LA207");
    assert_eq!(f.len(), 1);
    assert_eq!(f[0].resource_arn, function_arn("z"));
}

#[test]
fn la207_passes_signed_zip_and_image_functions() {
    let r = run(vec![
        function(
            "signed",
            json!({"code_signing_config_arn": {"status": "collected",
                "value": "arn:aws:lambda:us-east-1:111122223333:code-signing-config:csc-0123"}}),
        ),
        function("img", json!({"package_type": "Image", "runtime": null})),
        // Not even collected for an image: still not a gap, code signing does not apply.
        function(
            "img2",
            json!({"package_type": "Image", "runtime": null,
                   "code_signing_config_arn": failed("lambda:GetFunctionCodeSigningConfig")}),
        ),
    ]);
    assert!(findings_of(&r, "LA207").is_empty());
    assert!(!r.not_evaluated.iter().any(|n| n.check_id == "LA207"));
}

#[test]
fn la207_reports_failed_call_as_not_evaluated() {
    let r = run(vec![function(
        "z",
        json!({"code_signing_config_arn": failed("lambda:GetFunctionCodeSigningConfig")}),
    )]);
    assert!(findings_of(&r, "LA207").is_empty());
    assert_eq!(
        r.not_evaluated
            .iter()
            .filter(|n| n.check_id == "LA207")
            .count(),
        1
    );
}
