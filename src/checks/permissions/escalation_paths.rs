//! The privilege-escalation paths LA404 looks for, as data: a principal holding every
//! action of a path (each on a resource it can use) can raise its own privileges or take
//! those of another role. Sources: Rhino Security Labs, "AWS IAM Privilege Escalation –
//! Methods and Mitigation" (methods numbered there, also exercised by Bishop Fox's
//! iam-vulnerable, <https://github.com/BishopFox/iam-vulnerable>), and AWS documentation.

/// Which resources an action must be allowed on for the path to work.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Target {
    /// Any resource: the path creates it (a new function, stack, instance).
    Any,
    /// A role other than the function's own (passing its own role gains nothing).
    OtherRole,
    /// Any role, the function's own included.
    Role,
    /// Every role: `*`, a pattern with a wildcard account, or `…:role/*`.
    AllRoles,
    User,
    Group,
    /// A customer managed policy (AWS managed ones cannot be changed).
    CustomerPolicy,
    /// A function other than the audited one.
    OtherFunction,
}

pub(crate) struct EscalationPath {
    pub name: &'static str,
    pub actions: &'static [(&'static str, Target)],
    pub description: &'static str,
    pub reference: &'static str,
}

const RHINO: &str =
    "https://rhinosecuritylabs.com/aws/aws-privilege-escalation-methods-mitigation/";

pub(crate) const ESCALATION_PATHS: &[EscalationPath] = &[
    EscalationPath {
        name: "create-policy-version",
        actions: &[("iam:CreatePolicyVersion", Target::CustomerPolicy)],
        description: "Write a new default version of a customer managed policy attached to itself (or anyone) with any permissions (Rhino 1).",
        reference: RHINO,
    },
    EscalationPath {
        name: "set-default-policy-version",
        actions: &[("iam:SetDefaultPolicyVersion", Target::CustomerPolicy)],
        description: "Make an older, broader version of a customer managed policy the default (Rhino 2).",
        reference: RHINO,
    },
    EscalationPath {
        name: "pass-role-to-ec2",
        actions: &[
            ("iam:PassRole", Target::OtherRole),
            ("ec2:RunInstances", Target::Any),
        ],
        description: "Launch an instance with another role's instance profile and read its credentials from the instance metadata (Rhino 3).",
        reference: RHINO,
    },
    EscalationPath {
        name: "create-access-key",
        actions: &[("iam:CreateAccessKey", Target::User)],
        description: "Create an access key for another IAM user and act as that user (Rhino 4).",
        reference: RHINO,
    },
    EscalationPath {
        name: "create-login-profile",
        actions: &[("iam:CreateLoginProfile", Target::User)],
        description: "Set a console password for a user that has none and sign in as that user (Rhino 5).",
        reference: RHINO,
    },
    EscalationPath {
        name: "update-login-profile",
        actions: &[("iam:UpdateLoginProfile", Target::User)],
        description: "Change a user's console password and sign in as that user (Rhino 6).",
        reference: RHINO,
    },
    EscalationPath {
        name: "attach-user-policy",
        actions: &[("iam:AttachUserPolicy", Target::User)],
        description: "Attach any managed policy, AdministratorAccess included, to a user (Rhino 7).",
        reference: RHINO,
    },
    EscalationPath {
        name: "attach-group-policy",
        actions: &[("iam:AttachGroupPolicy", Target::Group)],
        description: "Attach any managed policy to a group (Rhino 8).",
        reference: RHINO,
    },
    EscalationPath {
        name: "attach-role-policy",
        actions: &[("iam:AttachRolePolicy", Target::Role)],
        description: "Attach any managed policy to a role, the function's own included (Rhino 9).",
        reference: RHINO,
    },
    EscalationPath {
        name: "put-user-policy",
        actions: &[("iam:PutUserPolicy", Target::User)],
        description: "Write an inline policy with any permissions on a user (Rhino 10).",
        reference: RHINO,
    },
    EscalationPath {
        name: "put-group-policy",
        actions: &[("iam:PutGroupPolicy", Target::Group)],
        description: "Write an inline policy with any permissions on a group (Rhino 11).",
        reference: RHINO,
    },
    EscalationPath {
        name: "put-role-policy",
        actions: &[("iam:PutRolePolicy", Target::Role)],
        description: "Write an inline policy with any permissions on a role, the function's own included (Rhino 12).",
        reference: RHINO,
    },
    EscalationPath {
        name: "add-user-to-group",
        actions: &[("iam:AddUserToGroup", Target::Group)],
        description: "Add a user to a more privileged group (Rhino 13).",
        reference: RHINO,
    },
    EscalationPath {
        name: "update-assume-role-policy",
        actions: &[("iam:UpdateAssumeRolePolicy", Target::OtherRole)],
        description: "Rewrite another role's trust policy so that an attacker's principal may assume it (Rhino 14).",
        reference: RHINO,
    },
    EscalationPath {
        name: "pass-role-to-new-lambda-then-invoke",
        actions: &[
            ("iam:PassRole", Target::OtherRole),
            ("lambda:CreateFunction", Target::Any),
            ("lambda:InvokeFunction", Target::Any),
        ],
        description: "Create a function with another role and invoke it to run code with that role (Rhino 15).",
        reference: RHINO,
    },
    EscalationPath {
        name: "pass-role-to-new-lambda-then-event-source",
        actions: &[
            ("iam:PassRole", Target::OtherRole),
            ("lambda:CreateFunction", Target::Any),
            ("lambda:CreateEventSourceMapping", Target::Any),
        ],
        description: "Create a function with another role and trigger it through an event source mapping (a stream or queue) instead of invoking it (Rhino 16).",
        reference: RHINO,
    },
    EscalationPath {
        name: "update-other-function-code",
        actions: &[("lambda:UpdateFunctionCode", Target::OtherFunction)],
        description: "Replace another function's code and run with that function's role at its next invocation (Rhino 17).",
        reference: RHINO,
    },
    EscalationPath {
        name: "pass-role-to-glue-dev-endpoint",
        actions: &[
            ("iam:PassRole", Target::OtherRole),
            ("glue:CreateDevEndpoint", Target::Any),
        ],
        description: "Create a Glue development endpoint with another role and SSH into it (Rhino 18).",
        reference: RHINO,
    },
    EscalationPath {
        name: "pass-role-to-glue-job",
        actions: &[
            ("iam:PassRole", Target::OtherRole),
            ("glue:CreateJob", Target::Any),
            ("glue:StartJobRun", Target::Any),
        ],
        description: "Create and run a Glue job whose script runs with another role (the same technique as the dev endpoint, through a job; AWS Glue Developer Guide: IAM role for jobs).",
        reference: "https://docs.aws.amazon.com/glue/latest/dg/create-an-iam-role.html",
    },
    EscalationPath {
        name: "pass-role-to-cloudformation",
        actions: &[
            ("iam:PassRole", Target::OtherRole),
            ("cloudformation:CreateStack", Target::Any),
        ],
        description: "Create a stack with another role as its service role; the template creates whatever that role may create (Rhino 20).",
        reference: RHINO,
    },
    EscalationPath {
        name: "assume-any-role",
        actions: &[("sts:AssumeRole", Target::AllRoles)],
        description: "Assume every role whose trust policy trusts this account or role; a role trusting the account root delegates the decision to exactly this permission (AWS IAM User Guide: granting a user permissions to switch roles).",
        reference: "https://docs.aws.amazon.com/IAM/latest/UserGuide/id_roles_use_permissions-to-switch.html",
    },
];
