//! A role's effective identity-based permissions: its inline and attached managed policies,
//! capped by its permissions boundary, evaluated the way IAM evaluates identity-based
//! policies within one account (SCPs, resource policies and session policies are out of
//! scope).
//!
//! Everything here describes the documents that are *known*. [`IdentityPolicies::for_role`]
//! returns, next to the set, a reason for every document it could not read (an unreadable
//! policy, a managed policy without a document, a malformed document); such a document
//! contributes nothing — not its Allows, not its Denies, and an unknown boundary limits
//! nothing. A caller that gets any reason must treat its conclusions as not fully known
//! (report "not evaluated", never "passed").

use super::{ActionSpec, Effect, ResourceSpec, Statement, parse_statements};
use crate::inventory::{ManagedPolicy, Role};
use serde_json::Value;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SourceKind {
    Inline,
    Managed,
    Boundary,
}

/// Where a statement comes from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PolicySource {
    pub kind: SourceKind,
    pub name: String,
    /// The managed policy's ARN; `None` for inline policies.
    pub arn: Option<String>,
}

impl PolicySource {
    pub fn label(&self) -> String {
        let kind = match self.kind {
            SourceKind::Inline => "inline policy",
            SourceKind::Managed => "managed policy",
            SourceKind::Boundary => "permissions boundary",
        };
        match &self.arn {
            Some(arn) => format!("{kind} {} ({arn})", self.name),
            None => format!("{kind} {}", self.name),
        }
    }
}

/// One statement that took part in a [`Decision`], for evidence.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PolicySourceRef {
    pub source: PolicySource,
    /// The statement's position in its document.
    pub statement: usize,
    pub sid: Option<String>,
}

impl PolicySourceRef {
    fn new(statement: &Statement, source: &PolicySource) -> Self {
        PolicySourceRef {
            source: source.clone(),
            statement: statement.index,
            sid: statement.sid.clone(),
        }
    }

    /// e.g. `managed policy Admin (arn:aws:iam::…) statement 0 (Sid "All")`.
    pub fn label(&self) -> String {
        match &self.sid {
            Some(sid) if !sid.is_empty() => format!(
                "{} statement {} (Sid \"{sid}\")",
                self.source.label(),
                self.statement
            ),
            _ => format!("{} statement {}", self.source.label(), self.statement),
        }
    }
}

/// The outcome of [`IdentityPolicies::evaluate`] for one action on one resource.
#[derive(Debug, Clone, PartialEq)]
pub enum Decision {
    /// Allowed by the identity policies (and, with a boundary, by the boundary too). `by`
    /// lists every matching Allow, identity statements first, then boundary ones.
    /// `conditional`: every matching identity Allow, or every matching boundary Allow, has
    /// a `Condition`, so whether a given request is allowed depends on its context.
    Allowed {
        by: Vec<PolicySourceRef>,
        conditional: bool,
    },
    /// An explicit Deny matches the action and resource.
    ///
    /// `conditional: false`: at least one matching Deny has no `Condition`; the request is
    /// denied whatever else allows it (`overrides` lists the identity Allows it beats, may
    /// be empty).
    ///
    /// `conditional: true` ("may deny"): every matching Deny has a `Condition`, and the
    /// request is otherwise allowed (`overrides` lists those Allows, as in
    /// [`Decision::Allowed::by`]): it is denied when the Deny's conditions hold, allowed
    /// otherwise. A conditional Deny on a request that nothing allows is reported as
    /// [`Decision::ImplicitDeny`] / [`Decision::NotInBoundary`], which are certain.
    ExplicitDeny {
        by: Vec<PolicySourceRef>,
        conditional: bool,
        overrides: Vec<PolicySourceRef>,
    },
    /// No identity Allow matches.
    ImplicitDeny,
    /// The identity policies allow it (`allowed_by`), the permissions boundary does not.
    NotInBoundary { allowed_by: Vec<PolicySourceRef> },
}

impl Decision {
    /// Allowed for every request context: an unconditional Allow and no Deny that may apply.
    pub fn is_allowed_unconditionally(&self) -> bool {
        matches!(
            self,
            Decision::Allowed {
                conditional: false,
                ..
            }
        )
    }

    /// Allowed for at least some request contexts (as far as the conditions go).
    pub fn may_be_allowed(&self) -> bool {
        matches!(
            self,
            Decision::Allowed { .. }
                | Decision::ExplicitDeny {
                    conditional: true,
                    ..
                }
        )
    }
}

/// Whether a permissions boundary is attached, and whether its document is known.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BoundaryStatus {
    NotAttached,
    Known,
    /// Attached, but its document could not be read (a reason says why); it is not counted
    /// as a limit.
    Unknown,
}

#[derive(Debug, Clone)]
struct Entry {
    statement: Statement,
    source: usize,
}

#[derive(Debug, Clone)]
pub struct IdentityPolicies {
    sources: Vec<PolicySource>,
    allows: Vec<Entry>,
    denies: Vec<Entry>,
    /// Allow and Deny statements of the boundary.
    boundary: Vec<Entry>,
    boundary_status: BoundaryStatus,
}

impl IdentityPolicies {
    /// Builds the role's identity policies from the inventory: inline + attached managed
    /// (documents from `managed` by ARN) + permissions boundary. Returns the set and a
    /// reason for every document that is unknown (a managed policy missing from `managed`
    /// or without a document, a policy the collector could not decode, a malformed
    /// document) — never panics.
    pub fn for_role(role: &Role, managed: &[ManagedPolicy]) -> (IdentityPolicies, Vec<String>) {
        let mut set = IdentityPolicies {
            sources: Vec::new(),
            allows: Vec::new(),
            denies: Vec::new(),
            boundary: Vec::new(),
            boundary_status: BoundaryStatus::NotAttached,
        };
        let mut reasons = Vec::new();

        for name in &role.unreadable_policies {
            reasons.push(format!(
                "policy {name} attached to role {} could not be decoded",
                role.name
            ));
        }
        for inline in &role.inline_policies {
            let source = PolicySource {
                kind: SourceKind::Inline,
                name: inline.name.clone(),
                arn: None,
            };
            set.add(source, &inline.document, &mut reasons);
        }
        for attached in &role.attached_managed_policies {
            let source = PolicySource {
                kind: SourceKind::Managed,
                name: attached.name.clone(),
                arn: Some(attached.arn.clone()),
            };
            match managed_document(managed, &attached.arn) {
                Ok(document) => {
                    set.add(source, document, &mut reasons);
                }
                Err(why) => reasons.push(format!("{}: {why}", source.label())),
            }
        }
        if let Some(arn) = &role.permissions_boundary_arn {
            let name = managed
                .iter()
                .find(|p| &p.arn == arn)
                .map_or_else(|| name_from_arn(arn), |p| p.name.clone());
            let source = PolicySource {
                kind: SourceKind::Boundary,
                name,
                arn: Some(arn.clone()),
            };
            set.boundary_status = match managed_document(managed, arn) {
                Ok(document) if set.add(source.clone(), document, &mut reasons) => {
                    BoundaryStatus::Known
                }
                Ok(_) => BoundaryStatus::Unknown,
                Err(why) => {
                    reasons.push(format!(
                        "{}: {why}; the boundary is not counted as a limit",
                        source.label()
                    ));
                    BoundaryStatus::Unknown
                }
            };
        }
        (set, reasons)
    }

    /// Parses `document` and files its statements under `source`. False (and a reason)
    /// when the document is malformed: then none of its statements is used.
    fn add(&mut self, source: PolicySource, document: &Value, reasons: &mut Vec<String>) -> bool {
        let statements = match parse_statements(document) {
            Ok(statements) => statements,
            Err(e) => {
                reasons.push(format!(
                    "{}: malformed document ({e}); its statements are not counted",
                    source.label()
                ));
                return false;
            }
        };
        for statement in &statements {
            if statement.resources == ResourceSpec::None {
                reasons.push(format!(
                    "{} {}: neither Resource nor NotResource (IAM requires one in identity \
                     policies); read as every resource",
                    source.label(),
                    statement.label()
                ));
            }
        }
        let index = self.sources.len();
        let boundary = source.kind == SourceKind::Boundary;
        self.sources.push(source);
        for statement in statements {
            let entry = Entry {
                statement,
                source: index,
            };
            if boundary {
                self.boundary.push(entry);
            } else if entry.statement.effect == Effect::Allow {
                self.allows.push(entry);
            } else {
                self.denies.push(entry);
            }
        }
        true
    }

    /// The identity policies' Allow statements (not the boundary's).
    pub fn allow_statements(&self) -> impl Iterator<Item = (&Statement, &PolicySource)> {
        self.allows
            .iter()
            .map(|e| (&e.statement, &self.sources[e.source]))
    }

    /// The identity policies' Deny statements (not the boundary's; those are in
    /// [`IdentityPolicies::boundary_statements`], and deny just the same).
    pub fn deny_statements(&self) -> impl Iterator<Item = (&Statement, &PolicySource)> {
        self.denies
            .iter()
            .map(|e| (&e.statement, &self.sources[e.source]))
    }

    /// Every statement of the permissions boundary, Allow and Deny; empty when no boundary
    /// is attached or its document is unknown (see [`IdentityPolicies::boundary_status`]).
    pub fn boundary_statements(&self) -> impl Iterator<Item = (&Statement, &PolicySource)> {
        self.boundary
            .iter()
            .map(|e| (&e.statement, &self.sources[e.source]))
    }

    pub fn boundary_status(&self) -> BoundaryStatus {
        self.boundary_status
    }

    fn boundary_limits(&self) -> bool {
        self.boundary_status == BoundaryStatus::Known
    }

    fn all_denies(&self) -> impl Iterator<Item = &Entry> {
        self.denies.iter().chain(
            self.boundary
                .iter()
                .filter(|e| e.statement.effect == Effect::Deny),
        )
    }

    fn source_ref(&self, entry: &Entry) -> PolicySourceRef {
        PolicySourceRef::new(&entry.statement, &self.sources[entry.source])
    }

    /// IAM's identity-based evaluation of one request for `action` (e.g. `s3:GetObject`,
    /// matched case-insensitively) on `resource` (an ARN, or `*` for actions without
    /// resource-level permissions; matched case-sensitively): an explicit Deny (identity or
    /// boundary) wins; otherwise it takes an identity Allow and, when a boundary is
    /// attached, a boundary Allow. Conditions are not evaluated (the request context is
    /// unknown): a conditional Allow makes the decision `conditional`, a conditional Deny
    /// "may deny" (see [`Decision::ExplicitDeny`]).
    pub fn evaluate(&self, action: &str, resource: &str) -> Decision {
        let matches =
            |e: &&Entry| e.statement.covers_action(action) && e.statement.covers_resource(resource);
        let denies: Vec<&Entry> = self.all_denies().filter(matches).collect();
        let allows: Vec<&Entry> = self.allows.iter().filter(matches).collect();
        let allowed_by: Vec<PolicySourceRef> = allows.iter().map(|e| self.source_ref(e)).collect();

        let unconditional_denies: Vec<PolicySourceRef> = denies
            .iter()
            .filter(|e| !e.statement.has_conditions())
            .map(|e| self.source_ref(e))
            .collect();
        if !unconditional_denies.is_empty() {
            return Decision::ExplicitDeny {
                by: unconditional_denies,
                conditional: false,
                overrides: allowed_by,
            };
        }
        if allows.is_empty() {
            return Decision::ImplicitDeny;
        }
        let mut conditional = allows.iter().all(|e| e.statement.has_conditions());
        let mut by = allowed_by;
        if self.boundary_limits() {
            let boundary_allows: Vec<&Entry> = self
                .boundary
                .iter()
                .filter(|e| e.statement.effect == Effect::Allow)
                .filter(matches)
                .collect();
            if boundary_allows.is_empty() {
                return Decision::NotInBoundary { allowed_by: by };
            }
            conditional |= boundary_allows.iter().all(|e| e.statement.has_conditions());
            by.extend(boundary_allows.iter().map(|e| self.source_ref(e)));
        }
        if !denies.is_empty() {
            return Decision::ExplicitDeny {
                by: denies.iter().map(|e| self.source_ref(e)).collect(),
                conditional: true,
                overrides: by,
            };
        }
        Decision::Allowed { by, conditional }
    }

    /// Whether the role is an administrator for every request context, from its known
    /// documents. Precisely, all of:
    ///
    /// 1. an identity Allow statement without `Condition` grants every action on every
    ///    resource: [`grants_everything`];
    /// 2. when a boundary is known, a boundary Allow statement passes the same test;
    /// 3. no Deny statement (identity or boundary, with or without `Condition`, on any
    ///    resource) has an action clause that may match an `iam:` action.
    ///
    /// A `NotAction` Allow counts in (1) when none of its patterns may match an `iam:`
    /// action (`NotAction: ["s3:*"]` does; AWS's PowerUserAccess, `NotAction: ["iam:*",
    /// "organizations:*", "account:*"]`, does not): a principal with every IAM action can
    /// grant itself whatever it lacks. For the same reason a Deny that leaves IAM alone
    /// does not stop (3): the role can delete its own Deny. A Deny touching IAM does, even
    /// a conditional one or one on a few resources, since it may keep the role from
    /// rewriting its own policies.
    pub fn is_unconditional_admin(&self) -> bool {
        let granted = self.allows.iter().any(|e| grants_everything(&e.statement));
        let in_boundary = !self.boundary_limits()
            || self
                .boundary
                .iter()
                .any(|e| grants_everything(&e.statement));
        let iam_denied = self
            .all_denies()
            .any(|e| action_clause_may_touch(&e.statement.actions, "iam"));
        granted && in_boundary && !iam_denied
    }
}

/// An Allow statement without `Condition` whose action clause grants every action
/// (`Action` with a pattern made only of `*`, or `*…:*…`; or `NotAction` none of whose
/// patterns may match an `iam:` action) and whose resource clause covers every resource
/// (`Resource` with a pattern made only of `*`, or `arn:` then only `*`; or an empty
/// `NotResource`).
pub fn grants_everything(statement: &Statement) -> bool {
    if statement.effect != Effect::Allow || statement.has_conditions() {
        return false;
    }
    let every_action = match &statement.actions {
        ActionSpec::Action(patterns) => patterns.iter().any(|p| is_universal_action(p)),
        ActionSpec::NotAction(patterns) => !patterns
            .iter()
            .any(|p| super::action_pattern_may_touch_service(p, "iam")),
    };
    let every_resource = match &statement.resources {
        ResourceSpec::Resource(patterns) => patterns.iter().any(|p| is_universal_resource(p)),
        ResourceSpec::NotResource(patterns) => patterns.is_empty(),
        ResourceSpec::None => false,
    };
    every_action && every_resource
}

fn only_stars(s: &str) -> bool {
    !s.is_empty() && s.chars().all(|c| c == '*')
}

fn is_universal_action(pattern: &str) -> bool {
    only_stars(pattern)
        || pattern
            .split_once(':')
            .is_some_and(|(service, name)| only_stars(service) && only_stars(name))
}

fn is_universal_resource(pattern: &str) -> bool {
    only_stars(pattern) || pattern.strip_prefix("arn:").is_some_and(only_stars)
}

/// Whether the clause may match some action of `service` — for `Action`, a pattern that
/// may; for `NotAction`, any action its patterns leave out (so all but a clause excluding
/// the whole service).
fn action_clause_may_touch(actions: &ActionSpec, service: &str) -> bool {
    match actions {
        ActionSpec::Action(patterns) => patterns
            .iter()
            .any(|p| super::action_pattern_may_touch_service(p, service)),
        ActionSpec::NotAction(patterns) => !patterns
            .iter()
            .any(|p| super::action_pattern_covers_service(p, service)),
    }
}

fn managed_document<'a>(managed: &'a [ManagedPolicy], arn: &str) -> Result<&'a Value, String> {
    match managed.iter().find(|p| p.arn == arn) {
        None => Err("not among the collected managed policies".to_string()),
        Some(ManagedPolicy { document: None, .. }) => {
            Err("IAM returned no document for its default version".to_string())
        }
        Some(ManagedPolicy {
            document: Some(document),
            ..
        }) => Ok(document),
    }
}

fn name_from_arn(arn: &str) -> String {
    arn.rsplit('/').next().unwrap_or(arn).to_string()
}
