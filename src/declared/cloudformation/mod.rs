//! CloudFormation and SAM templates (YAML or JSON) into the declared model.
//!
//! A template does not name its stack, so the stack is found from the deployed functions'
//! `aws:cloudformation:*` tags: every deployed stack whose function logical ids best overlap
//! the template's is an instance of it (a template deployed as `dev` and `prod` declares
//! both). `--parameter AWS::StackName=NAME` forces one.

pub mod intrinsics;
mod sam;

use super::model::*;
use super::yaml::{Node, NodeValue};
use super::{DeployedStack, ResolveContext};
use intrinsics::{Pseudo, Resolver, intrinsic, is_no_value, scalar_text};
use serde_json::Value;
use std::collections::{BTreeMap, HashMap};

const FUNCTION_TYPES: [&str; 2] = ["AWS::Lambda::Function", "AWS::Serverless::Function"];
const SAM_TRANSFORM: &str = "AWS::Serverless-2016-10-31";

/// Tags that are CloudFormation intrinsics (`!Ref`, `!Sub`, ...); any other local tag is an
/// error, as it is for CloudFormation itself.
const KNOWN_TAGS: [&str; 21] = [
    "Ref",
    "GetAtt",
    "Sub",
    "Join",
    "Select",
    "Split",
    "If",
    "FindInMap",
    "ImportValue",
    "GetAZs",
    "Base64",
    "Cidr",
    "Condition",
    "Equals",
    "And",
    "Or",
    "Not",
    "Transform",
    "Length",
    "ToJsonString",
    "ValueOf",
];

pub fn parse(
    file: &str,
    root: &Node,
    ctx: &ResolveContext,
) -> Result<DeclaredEstate, DeclaredError> {
    let error_at = |node: &Node, message: String| DeclaredError {
        location: Location::at(file, node.line, node.column),
        message,
    };
    check_tags(root).map_err(|node| {
        error_at(
            node,
            format!(
                "unknown tag `{}` (not a CloudFormation intrinsic function)",
                node.tag.as_deref().unwrap_or_default()
            ),
        )
    })?;
    let resources = root
        .get("Resources")
        .and_then(Node::as_map)
        .ok_or_else(|| error_at(root, "`Resources` is missing or not a mapping".into()))?;
    let function_ids: Vec<&str> = resources
        .iter()
        .filter(|(_, r)| {
            r.get("Type")
                .and_then(Node::as_str)
                .is_some_and(|t| FUNCTION_TYPES.contains(&t))
        })
        .filter_map(|(k, _)| k.as_str())
        .collect();
    if function_ids.is_empty() {
        return Err(error_at(
            root.get("Resources").unwrap_or(root),
            "declares no Lambda function (AWS::Lambda::Function or AWS::Serverless::Function)"
                .into(),
        ));
    }
    let is_sam = root.get("Transform").is_some_and(|t| match &t.value {
        NodeValue::Seq(items) => items.iter().any(|i| i.as_str() == Some(SAM_TRANSFORM)),
        _ => t.as_str() == Some(SAM_TRANSFORM),
    });

    let mut estate = DeclaredEstate::default();
    for instance in instances(&function_ids, ctx) {
        let pseudo = Pseudo {
            account_id: ctx.account_id.clone(),
            region: instance.region.clone(),
            partition: ctx.partition.clone(),
            stack_name: instance.stack_name.clone(),
        };
        let parameters = parameters(root.get("Parameters"), ctx, file)?;
        let mut resolver = Resolver::new(parameters, root.get("Mappings"), resources, pseudo);
        resolver.evaluate_conditions(root.get("Conditions"));
        let mut reader = TemplateReader {
            file,
            resolver: &resolver,
            stack_name: instance.stack_name.clone(),
            region: instance.region.clone(),
            globals: if is_sam {
                root.get("Globals").and_then(|g| g.get("Function"))
            } else {
                None
            },
            estate: DeclaredEstate::default(),
            function_index: HashMap::new(),
            notes: Vec::new(),
        };
        reader.read(resources);
        let mut part = reader.estate;
        part.sources.push(DeclaredSource {
            file: file.to_string(),
            format: SourceFormat::CloudFormation,
            stack_name: instance.stack_name.clone(),
            stack_evidence: Some(instance.evidence),
            functions: part.functions.len(),
            notes: reader.notes,
        });
        estate.extend(part);
    }
    Ok(estate)
}

/// The first node (depth first) whose local tag is not an intrinsic.
fn check_tags(root: &Node) -> Result<(), &Node> {
    let mut pending = vec![root];
    while let Some(node) = pending.pop() {
        if let Some(tag) = node.local_tag()
            && !KNOWN_TAGS.contains(&tag)
        {
            return Err(node);
        }
        match &node.value {
            NodeValue::Scalar(_) => {}
            NodeValue::Seq(items) => pending.extend(items.iter().rev()),
            NodeValue::Map(entries) => {
                for (k, v) in entries.iter().rev() {
                    pending.push(v);
                    pending.push(k);
                }
            }
        }
    }
    Ok(())
}

struct Instance {
    stack_name: Option<String>,
    region: Option<String>,
    evidence: String,
}

/// The stacks this template is deployed as.
fn instances(function_ids: &[&str], ctx: &ResolveContext) -> Vec<Instance> {
    let forced_region = ctx.parameters.get("AWS::Region").cloned();
    if let Some(stack) = ctx.parameters.get("AWS::StackName") {
        let region = forced_region.or_else(|| {
            ctx.deployed_stacks
                .iter()
                .find(|s| &s.name == stack)
                .map(|s| s.region.clone())
                .or_else(|| ctx.default_region.clone())
        });
        return vec![Instance {
            stack_name: Some(stack.clone()),
            region,
            evidence: "--parameter AWS::StackName".into(),
        }];
    }
    let overlap = |s: &DeployedStack| {
        function_ids
            .iter()
            .filter(|id| s.function_logical_ids.contains(**id))
            .count()
    };
    let best = ctx.deployed_stacks.iter().map(overlap).max().unwrap_or(0);
    if best == 0 {
        return vec![Instance {
            stack_name: None,
            region: forced_region.or_else(|| ctx.default_region.clone()),
            evidence: "no deployed function carries this template's logical ids".into(),
        }];
    }
    // Every stack that carries at least half of the template's functions is an instance of
    // it (a template deployed as `dev` and `prod`, or a stack missing a deleted function);
    // below that, only the best match, so a shared name like `Function` does not pull in
    // unrelated stacks.
    let half = function_ids.len().div_ceil(2);
    let found: Vec<&DeployedStack> = ctx
        .deployed_stacks
        .iter()
        .filter(|s| overlap(s) >= half.min(best))
        .filter(|s| forced_region.as_ref().is_none_or(|r| r == &s.region))
        .collect();
    if found.is_empty() {
        return vec![Instance {
            stack_name: None,
            region: forced_region,
            evidence: "no deployed stack in the region given with --parameter AWS::Region carries this template's logical ids".into(),
        }];
    }
    found
        .into_iter()
        .map(|s| Instance {
            stack_name: Some(s.name.clone()),
            region: Some(s.region.clone()),
            evidence: format!(
                "{} of the template's {} function logical ids are tagged on deployed functions of this stack",
                overlap(s),
                function_ids.len()
            ),
        })
        .collect()
}

/// Parameter values: `--parameter` overrides, then defaults; list types split on commas.
fn parameters(
    declared: Option<&Node>,
    ctx: &ResolveContext,
    file: &str,
) -> Result<BTreeMap<String, Value>, DeclaredError> {
    let mut out = BTreeMap::new();
    let Some(entries) = declared.and_then(Node::as_map) else {
        return Ok(out);
    };
    for (name, spec) in entries {
        let Some(name) = name.as_str() else { continue };
        let kind = spec.get("Type").and_then(Node::as_str).unwrap_or("String");
        let text = match ctx.parameters.get(name) {
            Some(value) => Some(value.clone()),
            None => match spec.get("Default") {
                Some(default) if default.as_map().is_none() && default.as_seq().is_none() => {
                    Some(default.as_str().unwrap_or_default().to_string())
                }
                Some(default) => {
                    return Err(DeclaredError {
                        location: Location::at(file, default.line, default.column),
                        message: format!("the default of parameter {name} is not a scalar"),
                    });
                }
                None => None,
            },
        };
        let value = match text {
            None => unknown_json(format!(
                "parameter {name} has no default (pass --parameter {name}=VALUE)"
            )),
            Some(text) if kind.starts_with("List<") || kind == "CommaDelimitedList" => {
                Value::Array(
                    text.split(',')
                        .map(|s| Value::String(s.trim().to_string()))
                        .collect(),
                )
            }
            Some(text) => Value::String(text),
        };
        out.insert(name.to_string(), value);
    }
    Ok(out)
}

/// Reads the resources of one stack instance.
struct TemplateReader<'r, 't> {
    file: &'r str,
    resolver: &'r Resolver<'t>,
    stack_name: Option<String>,
    region: Option<String>,
    globals: Option<&'t Node>,
    estate: DeclaredEstate,
    /// Position in `estate.functions` by logical id.
    function_index: HashMap<String, usize>,
    notes: Vec<String>,
}

impl<'t> TemplateReader<'_, 't> {
    fn location(&self, node: &Node) -> Location {
        Location::at(self.file, node.line, node.column)
    }

    /// Where a resource is declared: its logical id's line, which is what a reader looks
    /// for (`node` when the id is not a resource of the template, e.g. a SAM-generated one).
    fn resource_location(&self, logical_id: &str, node: &Node) -> Location {
        self.location(self.resolver.resource_key(logical_id).unwrap_or(node))
    }

    fn origin(&self, logical_id: &str, node: &Node) -> DeclaredOrigin {
        DeclaredOrigin {
            format: SourceFormat::CloudFormation,
            key: logical_id.to_string(),
            stack_name: self.stack_name.clone(),
            location: self.resource_location(logical_id, node),
        }
    }

    fn role_key(&self, logical_id: &str) -> String {
        format!(
            "{}#{}#{logical_id}",
            self.file,
            self.stack_name.as_deref().unwrap_or_default()
        )
    }

    /// False when the resource's `Condition` is false; unknown conditions count as present.
    fn exists(&self, resource: &Node) -> bool {
        let Some(name) = resource.get("Condition").and_then(Node::as_str) else {
            return true;
        };
        self.resolver
            .conditions
            .get(name)
            .copied()
            .flatten()
            .unwrap_or(true)
    }

    fn read(&mut self, resources: &'t [(Node, Node)]) {
        let present: Vec<(&'t str, &'t Node)> = resources
            .iter()
            .filter_map(|(k, v)| Some((k.as_str()?, v)))
            .filter(|(id, r)| {
                let keep = self.exists(r);
                if let Some(name) = r.get("Condition").and_then(Node::as_str)
                    && self
                        .resolver
                        .conditions
                        .get(name)
                        .copied()
                        .flatten()
                        .is_none()
                {
                    self.notes.push(format!(
                        "{id}: condition {name} depends on unknown values; treated as deployed"
                    ));
                }
                keep
            })
            .collect();
        fn kind(r: &Node) -> &str {
            r.get("Type").and_then(Node::as_str).unwrap_or_default()
        }
        for (id, resource) in &present {
            if kind(resource) == "AWS::IAM::Role" {
                self.read_role(id, resource);
            }
        }
        for (id, resource) in &present {
            match kind(resource) {
                "AWS::Lambda::Function" => self.read_function(id, resource, None),
                "AWS::Serverless::Function" => {
                    let merged = match (self.globals, resource.get("Properties")) {
                        (Some(globals), Some(own)) => Some(sam::merge_globals(globals, own)),
                        (Some(globals), None) => Some(globals.clone()),
                        _ => None,
                    };
                    self.read_function(id, resource, merged.as_ref());
                }
                _ => {}
            }
        }
        for (id, resource) in &present {
            match kind(resource) {
                "AWS::Lambda::Permission" => self.read_permission(id, resource),
                "AWS::Lambda::Url" => self.read_url(id, resource),
                "AWS::Lambda::EventSourceMapping" => self.read_event_source(id, resource),
                "AWS::IAM::Policy" | "AWS::IAM::RolePolicy" => self.read_role_policy(id, resource),
                "AWS::IAM::ManagedPolicy" => self.read_managed_policy(id, resource),
                "AWS::CloudFormation::Stack" | "AWS::Serverless::Application" => {
                    self.notes.push(format!(
                        "{id}: nested stacks are not read; declare their templates separately"
                    ));
                }
                _ => {}
            }
        }
    }

    fn string(&self, node: Option<&Node>) -> Declared<Option<String>> {
        match node.map(|n| self.resolver.resolve(n)) {
            None => Declared::Known(None),
            Some(v) if is_no_value(&v) => Declared::Known(None),
            Some(v) => match unknown_reason(&v) {
                Some(reason) => Declared::Unknown(reason.to_string()),
                None => match scalar_text(&v) {
                    Some(text) => Declared::Known(Some(text)),
                    None => Declared::Unknown("not a scalar".into()),
                },
            },
        }
    }

    fn int(&self, node: Option<&Node>, default: i32) -> Declared<i32> {
        match self.string(node) {
            Declared::Known(None) => Declared::Known(default),
            Declared::Known(Some(text)) => match text.trim().parse::<i32>() {
                Ok(n) => Declared::Known(n),
                Err(_) => Declared::Unknown(format!("`{text}` is not a whole number")),
            },
            Declared::Unknown(reason) => Declared::Unknown(reason),
        }
    }

    fn strings(&self, node: Option<&Node>) -> Declared<Vec<String>> {
        let Some(node) = node else {
            return Declared::Known(Vec::new());
        };
        let value = self.resolver.resolve(node);
        if let Some(reason) = first_unknown(&value) {
            return Declared::Unknown(reason.to_string());
        }
        match value {
            Value::Array(items) => items
                .iter()
                .map(scalar_text)
                .collect::<Option<Vec<_>>>()
                .map(Declared::Known)
                .unwrap_or_else(|| Declared::Unknown("a list of non-scalars".into())),
            v if is_no_value(&v) => Declared::Known(Vec::new()),
            _ => Declared::Unknown("not a list".into()),
        }
    }

    fn read_role(&mut self, id: &str, resource: &Node) {
        let props = resource.get("Properties");
        let get = |key: &str| props.and_then(|p| p.get(key));
        let name = match self.string(get("RoleName")) {
            Declared::Known(Some(name)) => Declared::Known(name),
            Declared::Known(None) => {
                Declared::Unknown(format!("{id}: the role name is generated at deployment"))
            }
            Declared::Unknown(reason) => Declared::Unknown(reason),
        };
        // Element by element: one unresolvable ARN must not hide the known ones.
        let managed_policy_arns = match get("ManagedPolicyArns").map(|n| self.resolver.resolve(n)) {
            None => Vec::new(),
            Some(Value::Array(items)) => items
                .iter()
                .filter(|v| !is_no_value(v))
                .map(|v| match first_unknown(v) {
                    Some(reason) => Declared::Unknown(reason.to_string()),
                    None => scalar_text(v)
                        .map(Declared::Known)
                        .unwrap_or_else(|| Declared::Unknown("not a scalar".into())),
                })
                .collect(),
            Some(v) if is_no_value(&v) => Vec::new(),
            Some(v) => vec![Declared::Unknown(
                first_unknown(&v).unwrap_or("not a list").to_string(),
            )],
        };
        let inline_policies = get("Policies")
            .and_then(Node::as_seq)
            .unwrap_or_default()
            .iter()
            .map(|p| DeclaredInlinePolicy {
                name: self
                    .string(p.get("PolicyName"))
                    .map(Option::unwrap_or_default),
                document: self.document(p.get("PolicyDocument")),
                location: self.location(p),
            })
            .collect();
        self.estate.roles.push(DeclaredRole {
            key: self.role_key(id),
            origin: self.origin(id, resource),
            name,
            managed_policy_arns,
            inline_policies,
            complete: true,
        });
    }

    fn document(&self, node: Option<&Node>) -> Declared<Value> {
        match node {
            None => Declared::Unknown("no policy document".into()),
            Some(node) => {
                let value = self.resolver.resolve(node);
                match value {
                    Value::String(text)
                        if unknown_reason(&Value::String(text.clone())).is_none() =>
                    {
                        serde_json::from_str(&text)
                            .map(Declared::Known)
                            .unwrap_or_else(|e| Declared::Unknown(format!("not JSON: {e}")))
                    }
                    Value::Object(_) => Declared::Known(value),
                    other => Declared::Unknown(
                        unknown_reason(&other)
                            .unwrap_or("not a policy document")
                            .to_string(),
                    ),
                }
            }
        }
    }

    /// The function a `FunctionName`/`TargetFunctionArn` property designates, with the
    /// qualifier when it names an alias or version.
    fn target_function(&self, node: Option<&Node>) -> Option<(usize, Option<String>)> {
        let node = node?;
        if let Some((function, argument)) = intrinsic(node) {
            let logical = match function {
                "Ref" => argument.as_str().map(str::to_string),
                "GetAtt" => match &argument.value {
                    NodeValue::Scalar(s) => s.text.split('.').next().map(str::to_string),
                    NodeValue::Seq(items) => {
                        items.first().and_then(Node::as_str).map(str::to_string)
                    }
                    NodeValue::Map(_) => None,
                },
                _ => None,
            };
            if let Some(logical) = logical {
                if let Some(&index) = self.function_index.get(&logical) {
                    return Some((index, None));
                }
                // An alias: the permission or URL is on the alias of its function.
                if self.resolver.resource_type(&logical) == Some("AWS::Lambda::Alias") {
                    let alias = self.resolver.resource(&logical)?.get("Properties")?;
                    let (index, _) = self.target_function(alias.get("FunctionName"))?;
                    let name = self.string(alias.get("Name")).known().cloned().flatten()?;
                    return Some((index, Some(name)));
                }
            }
        }
        let text = self.string(Some(node)).known().cloned().flatten()?;
        let (name, qualifier) = split_function_reference(&text);
        let index = self
            .estate
            .functions
            .iter()
            .position(|f| f.name.known().is_some_and(|n| n == &name))?;
        Some((index, qualifier))
    }

    fn read_function(&mut self, id: &str, resource: &Node, merged: Option<&Node>) {
        let props = merged.or_else(|| resource.get("Properties"));
        let get = |key: &str| props.and_then(|p| p.get(key));
        let sam = resource.get("Type").and_then(Node::as_str) == Some("AWS::Serverless::Function");
        let mut attribute_locations = BTreeMap::new();
        for (attribute, property) in [
            ("runtime", "Runtime"),
            ("handler", "Handler"),
            ("timeout", "Timeout"),
            ("memory", "MemorySize"),
            ("architectures", "Architectures"),
            ("role", "Role"),
            ("environment", "Environment"),
            ("layers", "Layers"),
            ("vpc", "VpcConfig"),
            ("tracing", if sam { "Tracing" } else { "TracingConfig" }),
            ("reserved_concurrency", "ReservedConcurrentExecutions"),
            ("url", "FunctionUrlConfig"),
        ] {
            if let Some(node) = get(property) {
                attribute_locations.insert(attribute.to_string(), self.location(node));
            }
        }
        let name = match self.string(get("FunctionName")) {
            Declared::Known(Some(name)) => Declared::Known(name),
            Declared::Known(None) => Declared::Unknown(
                "the function name is generated by CloudFormation; matched by its stack tags"
                    .into(),
            ),
            Declared::Unknown(reason) => Declared::Unknown(reason),
        };
        let tracing_mode = if sam {
            self.string(get("Tracing"))
                .map(|t| t.unwrap_or_else(|| "PassThrough".into()))
        } else {
            self.string(get("TracingConfig").and_then(|t| t.get("Mode")))
                .map(|t| t.unwrap_or_else(|| "PassThrough".into()))
        };
        let image = self
            .string(get("PackageType"))
            .known()
            .cloned()
            .flatten()
            .as_deref()
            == Some("Image");
        let mut function = DeclaredFunction {
            origin: self.origin(id, resource),
            name,
            region: self.region.clone(),
            runtime: if image {
                Declared::Known(None)
            } else {
                self.string(get("Runtime"))
            },
            handler: if image {
                Declared::Known(None)
            } else {
                self.string(get("Handler"))
            },
            timeout_seconds: self.int(get("Timeout"), 3),
            memory_mb: self.int(get("MemorySize"), 128),
            architectures: match self.strings(get("Architectures")) {
                Declared::Known(list) if list.is_empty() => Declared::Known(vec!["x86_64".into()]),
                other => other,
            },
            role: self.role_reference(get("Role")),
            environment: self.environment(get("Environment").and_then(|e| e.get("Variables"))),
            layers: self.strings(get("Layers")),
            vpc: self.vpc(get("VpcConfig")),
            tracing_mode,
            reserved_concurrency: match self.string(get("ReservedConcurrentExecutions")) {
                Declared::Known(None) => Declared::Known(None),
                Declared::Known(Some(text)) => text
                    .parse::<i32>()
                    .map(|n| Declared::Known(Some(n)))
                    .unwrap_or_else(|_| Declared::Unknown(format!("`{text}` is not a number"))),
                Declared::Unknown(reason) => Declared::Unknown(reason),
            },
            url: Declared::Known(None),
            permissions: Vec::new(),
            event_sources: Vec::new(),
            permissions_complete: true,
            event_sources_complete: true,
            attribute_locations,
        };
        if sam {
            let role = sam::apply(self, id, resource, props, &mut function);
            if let Some(role) = role {
                self.estate.roles.push(role);
            }
        }
        self.function_index
            .insert(id.to_string(), self.estate.functions.len());
        self.estate.functions.push(function);
    }

    fn role_reference(&self, node: Option<&Node>) -> DeclaredRoleRef {
        let Some(node) = node else {
            return DeclaredRoleRef::Unknown {
                reason: "no Role property".into(),
            };
        };
        if let Some((function, argument)) = intrinsic(node) {
            let logical = match function {
                "GetAtt" => match &argument.value {
                    NodeValue::Scalar(s) => s.text.split('.').next(),
                    NodeValue::Seq(items) => items.first().and_then(Node::as_str),
                    NodeValue::Map(_) => None,
                },
                "Ref" => argument.as_str(),
                _ => None,
            };
            if let Some(logical) = logical
                && self.resolver.resource_type(logical) == Some("AWS::IAM::Role")
            {
                return DeclaredRoleRef::Declared {
                    key: self.role_key(logical),
                };
            }
        }
        match self.string(Some(node)) {
            Declared::Known(Some(arn)) => DeclaredRoleRef::Arn {
                arn: Declared::Known(arn),
            },
            Declared::Known(None) => DeclaredRoleRef::Unknown {
                reason: "empty Role".into(),
            },
            Declared::Unknown(reason) => DeclaredRoleRef::Arn {
                arn: Declared::Unknown(reason),
            },
        }
    }

    fn environment(&self, node: Option<&Node>) -> Declared<BTreeMap<String, Declared<SecretText>>> {
        let Some(node) = node else {
            return Declared::Known(BTreeMap::new());
        };
        if intrinsic(node).is_some() {
            let value = self.resolver.resolve(node);
            if is_no_value(&value) {
                return Declared::Known(BTreeMap::new());
            }
            return Declared::Unknown("the variables map is computed".into());
        }
        let Some(entries) = node.as_map() else {
            return Declared::Unknown("Variables is not a mapping".into());
        };
        let mut out = BTreeMap::new();
        for (key, value) in entries {
            let Some(key) = key.as_str() else { continue };
            let resolved = self.resolver.resolve(value);
            if is_no_value(&resolved) {
                continue;
            }
            let declared = match unknown_reason(&resolved) {
                Some(reason) => Declared::Unknown(reason.to_string()),
                None => scalar_text(&resolved)
                    .map(|t| Declared::Known(SecretText::new(t)))
                    .unwrap_or_else(|| Declared::Unknown("not a scalar".into())),
            };
            out.insert(key.to_string(), declared);
        }
        Declared::Known(out)
    }

    fn vpc(&self, node: Option<&Node>) -> Declared<Option<DeclaredVpc>> {
        let Some(node) = node else {
            return Declared::Known(None);
        };
        let subnets = self.strings(node.get("SubnetIds"));
        let groups = self.strings(node.get("SecurityGroupIds"));
        match (subnets, groups) {
            (Declared::Known(subnet_ids), Declared::Known(security_group_ids)) => {
                if subnet_ids.is_empty() && security_group_ids.is_empty() {
                    Declared::Known(None)
                } else {
                    Declared::Known(Some(DeclaredVpc {
                        subnet_ids,
                        security_group_ids,
                    }))
                }
            }
            (Declared::Unknown(reason), _) | (_, Declared::Unknown(reason)) => {
                Declared::Unknown(reason)
            }
        }
    }

    fn read_permission(&mut self, id: &str, resource: &Node) {
        let props = resource.get("Properties");
        let get = |key: &str| props.and_then(|p| p.get(key));
        let Some((index, qualifier)) = self.target_function(get("FunctionName")) else {
            self.notes.push(format!(
                "{id}: permission for a function not declared in this template"
            ));
            return;
        };
        let optional = |node: Option<&Node>| match self.string(node) {
            Declared::Known(None) => None,
            Declared::Known(Some(text)) => Some(Declared::Known(text)),
            Declared::Unknown(reason) => Some(Declared::Unknown(reason)),
        };
        let permission = DeclaredPermission {
            action: self.string(get("Action")).map(Option::unwrap_or_default),
            principal: self.string(get("Principal")).map(Option::unwrap_or_default),
            source_arn: optional(get("SourceArn")),
            source_account: optional(get("SourceAccount")),
            function_url_auth_type: self
                .string(get("FunctionUrlAuthType"))
                .known()
                .cloned()
                .flatten(),
            qualifier,
            location: self.resource_location(id, resource),
        };
        self.estate.functions[index].permissions.push(permission);
    }

    fn read_url(&mut self, id: &str, resource: &Node) {
        let props = resource.get("Properties");
        let get = |key: &str| props.and_then(|p| p.get(key));
        let Some((index, _)) = self.target_function(get("TargetFunctionArn")) else {
            self.notes.push(format!(
                "{id}: URL for a function not declared in this template"
            ));
            return;
        };
        let url = DeclaredUrl {
            auth_type: self.string(get("AuthType")).map(Option::unwrap_or_default),
            cors: self.cors(get("Cors")),
            qualifier: self.string(get("Qualifier")).known().cloned().flatten(),
            location: self.resource_location(id, resource),
        };
        let function = &mut self.estate.functions[index];
        function
            .attribute_locations
            .insert("url".into(), url.location.clone());
        // One URL per function in the model: with a second one (another alias's), judging
        // either would call the other "added", so the function's URLs stay unjudged.
        function.url = match &function.url {
            Declared::Known(None) => Declared::Known(Some(url)),
            _ => Declared::Unknown(
                "several function URLs are declared for this function (one per alias); the model compares one, so none is judged".into(),
            ),
        };
    }

    fn cors(&self, node: Option<&Node>) -> Declared<Option<DeclaredCors>> {
        let Some(node) = node else {
            return Declared::Known(None);
        };
        let origins = self.strings(node.get("AllowOrigins"));
        let methods = self.strings(node.get("AllowMethods"));
        let credentials = self.string(node.get("AllowCredentials"));
        match (origins, methods, credentials) {
            (
                Declared::Known(allow_origins),
                Declared::Known(allow_methods),
                Declared::Known(c),
            ) => Declared::Known(Some(DeclaredCors {
                allow_origins,
                allow_methods,
                allow_credentials: c.as_deref() == Some("true"),
            })),
            _ => Declared::Unknown("CORS settings are computed".into()),
        }
    }

    fn read_event_source(&mut self, id: &str, resource: &Node) {
        let props = resource.get("Properties");
        let get = |key: &str| props.and_then(|p| p.get(key));
        let Some((index, _)) = self.target_function(get("FunctionName")) else {
            self.notes.push(format!(
                "{id}: event source mapping for a function not declared in this template"
            ));
            return;
        };
        let source = DeclaredEventSource {
            source_arn: self
                .string(get("EventSourceArn"))
                .map(Option::unwrap_or_default),
            enabled: self
                .string(get("Enabled"))
                .known()
                .cloned()
                .flatten()
                .as_deref()
                != Some("false"),
            batch_size: self
                .string(get("BatchSize"))
                .known()
                .cloned()
                .flatten()
                .and_then(|t| t.parse().ok()),
            location: self.resource_location(id, resource),
        };
        self.estate.functions[index].event_sources.push(source);
    }

    /// The declared roles a `Roles:` list names (by `!Ref`, or by a role name).
    fn roles_named(&self, node: Option<&Node>) -> Vec<usize> {
        let mut out = Vec::new();
        for item in node.and_then(Node::as_seq).unwrap_or_default() {
            if let Some(("Ref", argument)) = intrinsic(item)
                && let Some(logical) = argument.as_str()
            {
                let key = self.role_key(logical);
                if let Some(i) = self.estate.roles.iter().position(|r| r.key == key) {
                    out.push(i);
                    continue;
                }
            }
            if let Some(Some(name)) = self.string(Some(item)).known()
                && let Some(i) = self
                    .estate
                    .roles
                    .iter()
                    .position(|r| r.name.known() == Some(name))
            {
                out.push(i);
            }
        }
        out
    }

    fn read_role_policy(&mut self, id: &str, resource: &Node) {
        let props = resource.get("Properties");
        let get = |key: &str| props.and_then(|p| p.get(key));
        let roles = match get("Roles") {
            Some(list) => self.roles_named(Some(list)),
            // AWS::IAM::RolePolicy names one role.
            None => get("RoleName")
                .map(|r| self.roles_named(Some(&seq_of(r))))
                .unwrap_or_default(),
        };
        let policy = DeclaredInlinePolicy {
            name: self
                .string(get("PolicyName"))
                .map(Option::unwrap_or_default),
            document: self.document(get("PolicyDocument")),
            location: self.resource_location(id, resource),
        };
        for index in roles {
            self.estate.roles[index]
                .inline_policies
                .push(policy.clone());
        }
        let _ = id;
    }

    fn read_managed_policy(&mut self, id: &str, resource: &Node) {
        let roles = self.roles_named(resource.get("Properties").and_then(|p| p.get("Roles")));
        let arn = {
            let value = self.resolver.reference(id);
            match unknown_reason(&value) {
                Some(reason) => Declared::Unknown(reason.to_string()),
                None => Declared::Known(scalar_text(&value).unwrap_or_default()),
            }
        };
        for index in roles {
            self.estate.roles[index]
                .managed_policy_arns
                .push(arn.clone());
        }
    }
}

fn seq_of(node: &Node) -> Node {
    Node {
        value: NodeValue::Seq(vec![node.clone()]),
        tag: None,
        line: node.line,
        column: node.column,
    }
}

/// `name`, `name:qualifier`, a function ARN or a qualified function ARN, as Lambda accepts
/// in `FunctionName`.
pub fn split_function_reference(text: &str) -> (String, Option<String>) {
    let parts: Vec<&str> = text.split(':').collect();
    match parts.as_slice() {
        ["arn", _, "lambda", _, _, "function", name] => (name.to_string(), None),
        ["arn", _, "lambda", _, _, "function", name, qualifier] => {
            (name.to_string(), Some(qualifier.to_string()))
        }
        [_, _, "function", name] => (name.to_string(), None),
        [name, qualifier] => (name.to_string(), Some(qualifier.to_string())),
        _ => (text.to_string(), None),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn demo_template_smoke() {
        let text = include_str!("../../../localstack/demo/template.yaml");
        let root = crate::declared::yaml::parse(text).unwrap();
        let ctx = ResolveContext {
            account_id: "000000000000".into(),
            partition: "aws".into(),
            default_region: Some("us-east-1".into()),
            ..Default::default()
        };
        let estate = parse("template.yaml", &root, &ctx).unwrap();
        eprintln!("{}", serde_json::to_string_pretty(&estate).unwrap());
    }
}
