//! Terraform state (`terraform.tfstate`, format 4) and `terraform show -json` output (of a
//! plan or of a state) into the declared model.
//!
//! Terraform files hold provider attributes, not configuration: a state holds what the last
//! apply or refresh wrote, a plan what the next apply will write. A plan omits values
//! computed at apply time and marks them in `resource_changes[].change.after_unknown`; those
//! become `Declared::Unknown("known after apply")`, never a guess.
//!
//! Values are read from the YAML tree (which keeps lines and columns for the report); the
//! text is checked to be JSON first because YAML accepts more than Terraform ever writes.

use super::yaml::{Node, NodeValue};
use super::{
    Declared, DeclaredCors, DeclaredError, DeclaredEstate, DeclaredEventSource, DeclaredFunction,
    DeclaredInlinePolicy, DeclaredOrigin, DeclaredPermission, DeclaredRole, DeclaredRoleRef,
    DeclaredSource, DeclaredUrl, DeclaredVpc, Location, ResolveContext, SecretText, SourceFormat,
};
use std::collections::{BTreeMap, HashMap};

const KNOWN_AFTER_APPLY: &str = "known after apply";
/// Module nesting deeper than this is not read (real configurations stay under 10).
pub const MAX_MODULE_DEPTH: usize = 64;

pub fn parse(
    file: &str,
    text: &str,
    root: &Node,
    _ctx: &ResolveContext,
) -> Result<DeclaredEstate, DeclaredError> {
    check_json(file, text)?;
    let collected = if root.get("format_version").is_some() {
        collect_show_json(file, root)?
    } else {
        collect_state(file, root)?
    };
    Ok(Builder::new(
        file,
        collected.format,
        collected.notes,
        &collected.resources,
    )
    .build())
}

/// Why a function with more than one declared URL has its URLs unjudged.
const SEVERAL_URLS: &str = "several function URLs are declared for this function (one per alias); the model compares one, so none is judged";

/// YAML accepts input that is not JSON (trailing commas, comments); Terraform never writes
/// such files, so they are refused with serde_json's position.
fn check_json(file: &str, text: &str) -> Result<(), DeclaredError> {
    serde_json::from_str::<serde::de::IgnoredAny>(text)
        .map(|_| ())
        .map_err(|e| {
            let full = e.to_string();
            let position = format!(" at line {} column {}", e.line(), e.column());
            let message = full.strip_suffix(&position).unwrap_or(&full);
            DeclaredError {
                location: Location::at(file, e.line() as u32, e.column().max(1) as u32),
                message: format!("not valid JSON: {message}"),
            }
        })
}

fn node_location(file: &str, node: &Node) -> Location {
    Location::at(file, node.line, node.column)
}

fn error_at(file: &str, node: &Node, message: String) -> DeclaredError {
    DeclaredError {
        location: node_location(file, node),
        message,
    }
}

/// One resource instance, from either file shape.
struct Resource<'a> {
    address: String,
    kind: &'a str,
    attrs: Attr<'a>,
    location: Location,
    /// Where it sits, to follow a plan's configuration references: the module instance
    /// (`module.api["eu"]`, empty at the root), the resource name and the instance key
    /// (`["a"]`, `[0]` or empty).
    module: String,
    name: &'a str,
    index: String,
    /// The resource's `expressions` in a plan's configuration.
    expressions: Option<&'a Node>,
}

struct Collected<'a> {
    format: SourceFormat,
    resources: Vec<Resource<'a>>,
    notes: Vec<String>,
}

impl Collected<'_> {
    fn new(format: SourceFormat) -> Self {
        Collected {
            format,
            resources: Vec::new(),
            notes: Vec::new(),
        }
    }
}

fn seq_or_empty(node: Option<&Node>) -> &[Node] {
    node.and_then(Node::as_seq).unwrap_or_default()
}

// ---------------------------------------------------------------------------------------
// terraform.tfstate

fn collect_state<'a>(file: &str, root: &'a Node) -> Result<Collected<'a>, DeclaredError> {
    check_state_version(file, root)?;
    let mut collected = Collected::new(SourceFormat::TerraformState);
    let resources = match root.get("resources") {
        None => &[][..],
        Some(node) if node.is_null() => &[][..],
        Some(node) => node
            .as_seq()
            .ok_or_else(|| error_at(file, node, "`resources` is not a list".into()))?,
    };
    for resource in resources {
        state_resource(file, resource, &mut collected);
    }
    Ok(collected)
}

fn check_state_version(file: &str, root: &Node) -> Result<(), DeclaredError> {
    let Some(version) = root.get("version") else {
        return Err(DeclaredError {
            location: Location::file(file),
            message: "Terraform state without a `version`".into(),
        });
    };
    let is_number = matches!(&version.value, NodeValue::Scalar(s) if s.plain);
    if is_number && version.as_i64() == Some(4) {
        return Ok(());
    }
    let shown = match &version.value {
        NodeValue::Scalar(s) if s.plain => s.text.clone(),
        NodeValue::Scalar(s) => format!("{:?}", s.text),
        _ => kind(version).to_string(),
    };
    Err(error_at(
        file,
        version,
        format!("Terraform state format version {shown} is not supported (only 4)"),
    ))
}

fn state_resource<'a>(file: &str, node: &'a Node, out: &mut Collected<'a>) {
    // Data sources are read, not managed: they declare nothing.
    if node.get("mode").and_then(Node::as_str) != Some("managed") {
        return;
    }
    let location = node_location(file, node);
    let (Some(kind), Some(name)) = (
        node.get("type").and_then(Node::as_str),
        node.get("name").and_then(Node::as_str),
    ) else {
        out.notes.push(format!(
            "{location}: a resource without `type` or `name` was skipped"
        ));
        return;
    };
    let module = node
        .get("module")
        .and_then(Node::as_str)
        .unwrap_or_default();
    let base = match module {
        "" => format!("{kind}.{name}"),
        module => format!("{module}.{kind}.{name}"),
    };
    for instance in seq_or_empty(node.get("instances")) {
        // A deposed object is an old copy that the next apply destroys.
        if instance.get("deposed").is_some_and(|d| !d.is_null()) {
            continue;
        }
        let index = index_suffix(instance.get("index_key"));
        let address = format!("{base}{index}");
        let Some(attributes) = instance.get("attributes").filter(|a| a.as_map().is_some()) else {
            out.notes.push(format!(
                "{address}: an instance without `attributes` was skipped"
            ));
            continue;
        };
        out.resources.push(Resource {
            address,
            kind,
            attrs: Attr::known(attributes),
            location: location.clone(),
            module: module.to_string(),
            name,
            index,
            expressions: None,
        });
    }
}

/// `["key"]` for `for_each`, `[0]` for `count`, as Terraform writes addresses.
fn index_suffix(key: Option<&Node>) -> String {
    match key.map(|k| &k.value) {
        Some(NodeValue::Scalar(s)) if !s.plain => {
            format!("[{}]", serde_json::Value::String(s.text.clone()))
        }
        Some(NodeValue::Scalar(s)) if s.text != "null" => format!("[{}]", s.text),
        _ => String::new(),
    }
}

// ---------------------------------------------------------------------------------------
// terraform show -json

fn collect_show_json<'a>(file: &str, root: &'a Node) -> Result<Collected<'a>, DeclaredError> {
    check_format_version(file, root)?;
    let (format, values) = if let Some(planned) = root.get("planned_values") {
        (SourceFormat::TerraformPlan, planned)
    } else if let Some(values) = root.get("values") {
        (SourceFormat::TerraformState, values)
    } else {
        return Err(DeclaredError {
            location: Location::file(file),
            message: "`terraform show -json` output without `planned_values` or `values`".into(),
        });
    };
    let unknowns = after_unknown_by_address(root);
    let expressions = configuration_expressions(root);
    let planned = Planned {
        unknowns: &unknowns,
        expressions: &expressions,
    };
    let mut collected = Collected::new(format);
    let mut pending: Vec<(&Node, usize)> = values
        .get("root_module")
        .map(|m| (m, 0))
        .into_iter()
        .collect();
    while let Some((module, depth)) = pending.pop() {
        if depth > MAX_MODULE_DEPTH {
            collected.notes.push(format!(
                "{}: modules nested deeper than {MAX_MODULE_DEPTH} levels were not read",
                node_location(file, module)
            ));
            continue;
        }
        for resource in seq_or_empty(module.get("resources")) {
            show_resource(file, module, resource, &planned, &mut collected);
        }
        // Reversed so that the stack visits child modules in document order.
        for child in seq_or_empty(module.get("child_modules")).iter().rev() {
            pending.push((child, depth + 1));
        }
    }
    Ok(collected)
}

fn check_format_version(file: &str, root: &Node) -> Result<(), DeclaredError> {
    let Some(version) = root.get("format_version") else {
        return Ok(());
    };
    match version.as_str() {
        Some(text) if text.split('.').next() == Some("1") => Ok(()),
        Some(text) => Err(error_at(
            file,
            version,
            format!("`terraform show -json` format version {text} is not supported (only 1.x)"),
        )),
        None => Err(error_at(
            file,
            version,
            format!("`format_version` is {}, not a string", kind(version)),
        )),
    }
}

/// `after_unknown` of each planned resource, by address.
fn after_unknown_by_address(root: &Node) -> HashMap<&str, &Node> {
    seq_or_empty(root.get("resource_changes"))
        .iter()
        .filter_map(|change| {
            let address = change.get("address")?.as_str()?;
            let unknown = change.get("change")?.get("after_unknown")?;
            Some((address, unknown))
        })
        .collect()
}

/// What a plan says beside `planned_values`: unknown values by resource address, and the
/// configuration's expressions by (module path without instance keys, `type.name`).
struct Planned<'p, 'a> {
    unknowns: &'p HashMap<&'a str, &'a Node>,
    expressions: &'p HashMap<(String, String), &'a Node>,
}

/// Each resource's `expressions` in `configuration`, whose module calls nest like the
/// modules and whose addresses are relative to their module.
fn configuration_expressions(root: &Node) -> HashMap<(String, String), &Node> {
    let mut out = HashMap::new();
    let mut pending: Vec<(String, &Node, usize)> = root
        .get("configuration")
        .and_then(|c| c.get("root_module"))
        .map(|m| (String::new(), m, 0))
        .into_iter()
        .collect();
    while let Some((path, module, depth)) = pending.pop() {
        for resource in seq_or_empty(module.get("resources")) {
            let address = resource.get("address").and_then(Node::as_str);
            if let (Some(address), Some(expressions)) = (address, resource.get("expressions")) {
                out.insert((path.clone(), address.to_string()), expressions);
            }
        }
        if depth >= MAX_MODULE_DEPTH {
            continue;
        }
        for (name, call) in module
            .get("module_calls")
            .and_then(Node::as_map)
            .unwrap_or_default()
        {
            if let (Some(name), Some(child)) = (name.as_str(), call.get("module")) {
                let child_path = match path.as_str() {
                    "" => format!("module.{name}"),
                    parent => format!("{parent}.module.{name}"),
                };
                pending.push((child_path, child, depth + 1));
            }
        }
    }
    out
}

/// `module.a["x"].module.b[0]` → `module.a.module.b`.
fn without_instance_keys(address: &str) -> String {
    let mut out = String::with_capacity(address.len());
    let (mut in_key, mut in_string, mut escaped) = (false, false, false);
    for c in address.chars() {
        if !in_key {
            if c == '[' {
                in_key = true;
            } else {
                out.push(c);
            }
        } else if in_string {
            if escaped {
                escaped = false;
            } else if c == '\\' {
                escaped = true;
            } else if c == '"' {
                in_string = false;
            }
        } else if c == '"' {
            in_string = true;
        } else if c == ']' {
            in_key = false;
        }
    }
    out
}

fn show_resource<'a>(
    file: &str,
    module: &'a Node,
    node: &'a Node,
    planned: &Planned<'_, 'a>,
    out: &mut Collected<'a>,
) {
    if node.get("mode").and_then(Node::as_str) != Some("managed") {
        return;
    }
    let location = node_location(file, node);
    let (Some(address), Some(kind)) = (
        node.get("address").and_then(Node::as_str),
        node.get("type").and_then(Node::as_str),
    ) else {
        out.notes.push(format!(
            "{location}: a resource without `address` or `type` was skipped"
        ));
        return;
    };
    let Some(values) = node.get("values").filter(|v| v.as_map().is_some()) else {
        out.notes.push(format!(
            "{address}: a resource without `values` was skipped"
        ));
        return;
    };
    let module = module
        .get("address")
        .and_then(Node::as_str)
        .unwrap_or_default();
    let name = node.get("name").and_then(Node::as_str).unwrap_or_default();
    let expressions = planned
        .expressions
        .get(&(without_instance_keys(module), format!("{kind}.{name}")))
        .copied();
    out.resources.push(Resource {
        address: address.to_string(),
        kind,
        attrs: Attr {
            node: Some(values),
            unknown: planned.unknowns.get(address).copied(),
        },
        location,
        module: module.to_string(),
        name,
        index: index_suffix(node.get("index")),
        expressions,
    });
}

// ---------------------------------------------------------------------------------------
// Typed reading of attributes

/// An attribute: its value, and its `after_unknown` counterpart in a plan.
#[derive(Clone, Copy)]
struct Attr<'a> {
    node: Option<&'a Node>,
    unknown: Option<&'a Node>,
}

enum Read<T> {
    Absent,
    Unknown,
    Known(T),
    /// What is wrong, as a predicate: "is a string, not a number".
    Wrong(String),
}

impl<T> Read<T> {
    fn map<U>(self, f: impl FnOnce(T) -> U) -> Read<U> {
        match self {
            Read::Known(value) => Read::Known(f(value)),
            Read::Absent => Read::Absent,
            Read::Unknown => Read::Unknown,
            Read::Wrong(what) => Read::Wrong(what),
        }
    }
}

impl Read<String> {
    /// The provider writes `""` for optional strings left unset.
    fn non_empty(self) -> Read<String> {
        match self {
            Read::Known(text) if text.is_empty() => Read::Absent,
            other => other,
        }
    }
}

fn kind(node: &Node) -> &'static str {
    match &node.value {
        NodeValue::Seq(_) => "a list",
        NodeValue::Map(_) => "an object",
        NodeValue::Scalar(s) if !s.plain => "a string",
        _ if node.is_null() => "null",
        _ if node.as_bool().is_some() => "a boolean",
        _ => "a number",
    }
}

fn wrong<T>(node: &Node, expected: &str) -> Read<T> {
    Read::Wrong(format!("is {}, not {expected}", kind(node)))
}

impl<'a> Attr<'a> {
    fn known(node: &'a Node) -> Self {
        Attr {
            node: Some(node),
            unknown: None,
        }
    }

    fn get(self, key: &str) -> Self {
        Attr {
            node: self.node.and_then(|n| n.get(key)),
            unknown: self.descend(|u| u.get(key)),
        }
    }

    fn at(self, index: usize) -> Self {
        Attr {
            node: self.node.and_then(|n| n.as_seq()?.get(index)),
            unknown: self.descend(|u| u.as_seq()?.get(index)),
        }
    }

    /// Everything under an unknown value is unknown too.
    fn descend(self, f: impl FnOnce(&'a Node) -> Option<&'a Node>) -> Option<&'a Node> {
        if self.is_unknown() {
            self.unknown
        } else {
            self.unknown.and_then(f)
        }
    }

    fn is_unknown(self) -> bool {
        self.unknown.is_some_and(|u| u.as_bool() == Some(true))
    }

    fn present(self) -> Option<&'a Node> {
        self.node.filter(|n| !n.is_null())
    }

    fn read<T>(self, f: impl FnOnce(&'a Node) -> Read<T>) -> Read<T> {
        if self.is_unknown() {
            return Read::Unknown;
        }
        self.present().map_or(Read::Absent, f)
    }

    fn string(self) -> Read<String> {
        self.read(|n| match &n.value {
            NodeValue::Scalar(s) if !s.plain => Read::Known(s.text.clone()),
            _ => wrong(n, "a string"),
        })
    }

    fn int(self) -> Read<i32> {
        self.read(|n| match (&n.value, n.as_i64()) {
            (NodeValue::Scalar(s), Some(i)) if s.plain => i32::try_from(i).map_or_else(
                |_| Read::Wrong(format!("is {i}, out of range")),
                Read::Known,
            ),
            _ => wrong(n, "a whole number"),
        })
    }

    fn boolean(self) -> Read<bool> {
        self.read(|n| match (&n.value, n.as_bool()) {
            (NodeValue::Scalar(s), Some(b)) if s.plain => Read::Known(b),
            _ => wrong(n, "a boolean"),
        })
    }

    /// A list of strings; unknown as a whole when any element is.
    fn strings(self) -> Read<Vec<String>> {
        self.read(|n| {
            let Some(items) = n.as_seq() else {
                return wrong(n, "a list");
            };
            let mut out = Vec::with_capacity(items.len());
            for index in 0..items.len() {
                match self.at(index).string() {
                    Read::Known(text) => out.push(text),
                    Read::Absent => {}
                    Read::Unknown => return Read::Unknown,
                    Read::Wrong(what) => return Read::Wrong(format!("has an element that {what}")),
                }
            }
            Read::Known(out)
        })
    }
}

/// Turns reads into model values, noting wrong types against the resource address.
struct Notes<'n> {
    address: &'n str,
    notes: &'n mut Vec<String>,
}

impl Notes<'_> {
    fn wrong(&mut self, name: &str, what: &str) -> String {
        let reason = format!("`{name}` {what}");
        self.notes.push(format!("{}: {reason}", self.address));
        reason
    }

    fn declared<T>(&mut self, name: &str, read: Read<T>, absent: Declared<T>) -> Declared<T> {
        match read {
            Read::Known(value) => Declared::Known(value),
            Read::Absent => absent,
            Read::Unknown => Declared::Unknown(KNOWN_AFTER_APPLY.into()),
            Read::Wrong(what) => Declared::Unknown(self.wrong(name, &what)),
        }
    }

    fn optional_declared<T>(&mut self, name: &str, read: Read<T>) -> Option<Declared<T>> {
        match read {
            Read::Absent => None,
            other => Some(self.declared(name, other, Declared::Unknown(String::new()))),
        }
    }

    fn optional<T>(&mut self, name: &str, read: Read<T>) -> Option<T> {
        match read {
            Read::Known(value) => Some(value),
            Read::Absent => None,
            Read::Unknown => {
                self.notes.push(format!(
                    "{}: `{name}` is known only after apply and was left out",
                    self.address
                ));
                None
            }
            Read::Wrong(what) => {
                self.wrong(name, &what);
                None
            }
        }
    }
}

// ---------------------------------------------------------------------------------------
// From resources to the model

/// What a permission, URL or mapping may use to name a function.
struct FunctionKeys {
    name: Option<String>,
    region: Option<String>,
}

/// A function reference as Lambda accepts it: a name, `name:qualifier`, a full ARN or a
/// partial ARN (`ACCOUNT:function:NAME`), each optionally qualified.
struct Target {
    name: String,
    region: Option<String>,
    qualifier: Option<String>,
}

fn parse_target(text: &str) -> Target {
    let (prefix, rest) = match text.split_once(":function:") {
        Some((prefix, rest)) => (Some(prefix), rest),
        None => (None, text),
    };
    let (name, qualifier) = match rest.split_once(':') {
        Some((name, qualifier)) => (name, Some(qualifier.to_string())),
        None => (rest, None),
    };
    let region = prefix
        .filter(|p| p.starts_with("arn:"))
        .and_then(|p| p.split(':').nth(3))
        .filter(|r| !r.is_empty())
        .map(str::to_string);
    Target {
        name: name.to_string(),
        region,
        qualifier: qualifier.filter(|q| !q.is_empty()),
    }
}

/// The region of `arn:PARTITION:lambda:REGION:ACCOUNT:function:NAME`.
fn region_from_arn(arn: &str) -> Option<String> {
    let parts: Vec<&str> = arn.split(':').collect();
    match parts.as_slice() {
        ["arn", _, "lambda", region, _, "function", ..] if !region.is_empty() => {
            Some(region.to_string())
        }
        _ => None,
    }
}

/// The role name in `arn:PARTITION:iam::ACCOUNT:role/PATH/NAME`, or the text itself.
fn role_name_from(text: &str) -> &str {
    match text.split_once(":role/") {
        Some((_, path)) => path.rsplit('/').next().unwrap_or(path),
        None => text,
    }
}

enum Link {
    Found(usize, Option<String>),
    /// The reference is computed at apply time.
    Unknown,
    Missing(String),
}

struct Builder<'r> {
    file: &'r str,
    resources: &'r [Resource<'r>],
    format: SourceFormat,
    notes: Vec<String>,
    functions: Vec<DeclaredFunction>,
    keys: Vec<FunctionKeys>,
    roles: Vec<DeclaredRole>,
    /// The `arn` attribute of each role, parallel to `roles`.
    role_arns: Vec<Option<String>>,
    not_compared: BTreeMap<String, usize>,
    aliases: usize,
}

const FUNCTION_ATTRIBUTES: [(&str, &str); 12] = [
    ("name", "function_name"),
    ("runtime", "runtime"),
    ("handler", "handler"),
    ("timeout", "timeout"),
    ("memory", "memory_size"),
    ("architectures", "architectures"),
    ("role", "role"),
    ("environment", "environment"),
    ("layers", "layers"),
    ("vpc", "vpc_config"),
    ("tracing", "tracing_config"),
    ("reserved_concurrency", "reserved_concurrent_executions"),
];

impl<'r> Builder<'r> {
    fn new(
        file: &'r str,
        format: SourceFormat,
        notes: Vec<String>,
        resources: &'r [Resource<'r>],
    ) -> Self {
        Builder {
            file,
            resources,
            format,
            notes,
            functions: Vec::new(),
            keys: Vec::new(),
            roles: Vec::new(),
            role_arns: Vec::new(),
            not_compared: BTreeMap::new(),
            aliases: 0,
        }
    }

    fn build(mut self) -> DeclaredEstate {
        let resources = self.resources;
        // Functions and roles first: the other resources attach to them.
        for resource in resources {
            match resource.kind {
                "aws_lambda_function" => self.function(resource),
                "aws_iam_role" => self.role(resource),
                _ => {}
            }
        }
        for resource in resources {
            self.attachment(resource);
        }
        self.link_roles();
        self.finish()
    }

    fn attachment(&mut self, resource: &Resource) {
        match resource.kind {
            "aws_lambda_permission" => self.permission(resource),
            "aws_lambda_function_url" => self.url(resource),
            "aws_lambda_event_source_mapping" => self.event_source(resource),
            "aws_lambda_alias" => self.aliases += 1,
            "aws_iam_role_policy" => self.role_policy(resource),
            "aws_iam_role_policy_attachment" => self.role_policy_attachment(resource),
            "aws_iam_policy_attachment" => self.policy_attachment(resource),
            kind if kind.starts_with("aws_api_gateway_")
                || kind.starts_with("aws_apigatewayv2_") =>
            {
                *self.not_compared.entry(kind.to_string()).or_default() += 1;
            }
            _ => {}
        }
    }

    fn origin(&self, resource: &Resource) -> DeclaredOrigin {
        DeclaredOrigin {
            format: self.format,
            key: resource.address.clone(),
            stack_name: None,
            location: resource.location.clone(),
        }
    }

    fn function(&mut self, resource: &Resource) {
        let a = resource.attrs;
        let origin = self.origin(resource);
        let arn = match a.get("arn").string() {
            Read::Known(arn) => Some(arn),
            _ => None,
        };
        let mut n = Notes {
            address: &resource.address,
            notes: &mut self.notes,
        };
        let missing_name = Declared::Unknown("no `function_name`".into());
        let function = DeclaredFunction {
            origin,
            name: n.declared(
                "function_name",
                a.get("function_name").string(),
                missing_name,
            ),
            region: arn.as_deref().and_then(region_from_arn),
            runtime: optional_text(&mut n, a, "runtime"),
            handler: optional_text(&mut n, a, "handler"),
            timeout_seconds: n.declared("timeout", a.get("timeout").int(), Declared::Known(3)),
            memory_mb: n.declared(
                "memory_size",
                a.get("memory_size").int(),
                Declared::Known(128),
            ),
            architectures: architectures(&mut n, a),
            role: role_ref(&mut n, a),
            environment: environment(&mut n, a),
            layers: n.declared(
                "layers",
                a.get("layers").strings(),
                Declared::Known(Vec::new()),
            ),
            vpc: vpc(&mut n, a),
            tracing_mode: n.declared(
                "tracing_config[0].mode",
                a.get("tracing_config")
                    .at(0)
                    .get("mode")
                    .string()
                    .non_empty(),
                Declared::Known("PassThrough".into()),
            ),
            reserved_concurrency: reserved_concurrency(&mut n, a),
            url: Declared::Known(None),
            permissions: Vec::new(),
            event_sources: Vec::new(),
            permissions_complete: true,
            event_sources_complete: true,
            attribute_locations: FUNCTION_ATTRIBUTES
                .iter()
                .filter_map(|(ours, theirs)| {
                    Some((ours.to_string(), a.get(theirs).location(self.file)?))
                })
                .collect(),
        };
        self.keys.push(FunctionKeys {
            name: function.name.known().cloned(),
            region: function.region.clone(),
        });
        self.functions.push(function);
    }

    /// The address of the `kind` resource that `attribute` refers to in a plan's
    /// configuration (`aws_lambda_function.export[each.key].arn`), when one instance fits:
    /// the one named by a literal key, the only one, or the one with the referring
    /// resource's own key (both made by the same `for_each`).
    fn referenced(&self, resource: &Resource, attribute: &str, kind: &str) -> Option<String> {
        let references = resource
            .expressions?
            .get(attribute)?
            .get("references")?
            .as_seq()?;
        let prefix = format!("{kind}.");
        let reference = references
            .iter()
            .filter_map(Node::as_str)
            .find_map(|r| r.strip_prefix(prefix.as_str()))?;
        let (name, rest) =
            reference.split_at(reference.find(['.', '[']).unwrap_or(reference.len()));
        let literal = rest
            .strip_prefix('[')
            .and_then(|r| r.split_once(']'))
            .map(|(key, _)| key)
            .filter(|k| {
                k.starts_with('"') || (!k.is_empty() && k.chars().all(|c| c.is_ascii_digit()))
            });
        let candidates: Vec<&Resource> = self
            .resources
            .iter()
            .filter(|r| r.kind == kind && r.name == name && r.module == resource.module)
            .collect();
        let chosen = match literal {
            Some(key) => candidates.iter().find(|r| r.index == format!("[{key}]")),
            None if candidates.len() == 1 => candidates.first(),
            None => candidates
                .iter()
                .find(|r| !r.index.is_empty() && r.index == resource.index),
        }?;
        Some(chosen.address.clone())
    }

    /// Finds the function a permission, URL or mapping names, by value or, when the value
    /// is computed at apply time, by the configuration's reference.
    fn find_function(&mut self, resource: &Resource, name: &str, read: Read<String>) -> Link {
        let address = &resource.address;
        let text = match read {
            Read::Known(text) => text,
            Read::Unknown => {
                let target = self.referenced(resource, name, "aws_lambda_function");
                return match target
                    .and_then(|t| self.functions.iter().position(|f| f.origin.key == t))
                {
                    Some(index) => Link::Found(index, None),
                    None => Link::Unknown,
                };
            }
            Read::Absent => return Link::Missing(format!("no `{name}`")),
            Read::Wrong(what) => {
                self.notes.push(format!("{address}: `{name}` {what}"));
                return Link::Missing(format!("`{name}` {what}"));
            }
        };
        let target = parse_target(&text);
        let found = self.keys.iter().position(|keys| {
            keys.name.as_deref() == Some(target.name.as_str())
                && match (&keys.region, &target.region) {
                    (Some(ours), Some(theirs)) => ours == theirs,
                    _ => true,
                }
        });
        match found {
            Some(index) => Link::Found(index, target.qualifier),
            None => Link::Missing(format!(
                "function `{text}`, which this file does not declare"
            )),
        }
    }

    /// Notes a reference that could not be followed; an unknown one may name any function,
    /// so none of them is complete any more.
    fn unlinked(&mut self, address: &str, what: &str, link: Link, mark: fn(&mut DeclaredFunction)) {
        match link {
            Link::Found(..) => {}
            Link::Unknown => {
                self.notes.push(format!(
                    "{address}: the {what}'s function is known only after apply, so no function's {what}s are taken as complete"
                ));
                self.functions.iter_mut().for_each(mark);
            }
            Link::Missing(why) => self
                .notes
                .push(format!("{address}: {what} for {why}; not compared")),
        }
    }

    fn permission(&mut self, resource: &Resource) {
        let a = resource.attrs;
        let link = self.find_function(resource, "function_name", a.get("function_name").string());
        let Link::Found(index, target_qualifier) = link else {
            return self.unlinked(&resource.address, "permission", link, |f| {
                f.permissions_complete = false
            });
        };
        let mut n = Notes {
            address: &resource.address,
            notes: &mut self.notes,
        };
        let permission = DeclaredPermission {
            action: n.declared(
                "action",
                a.get("action").string(),
                Declared::Unknown("no `action`".into()),
            ),
            principal: n.declared(
                "principal",
                a.get("principal").string(),
                Declared::Unknown("no `principal`".into()),
            ),
            source_arn: n.optional_declared("source_arn", a.get("source_arn").string().non_empty()),
            source_account: n.optional_declared(
                "source_account",
                a.get("source_account").string().non_empty(),
            ),
            function_url_auth_type: n.optional(
                "function_url_auth_type",
                a.get("function_url_auth_type").string().non_empty(),
            ),
            qualifier: n
                .optional("qualifier", a.get("qualifier").string().non_empty())
                .or(target_qualifier),
            location: resource.location.clone(),
        };
        if let Some(function) = self.functions.get_mut(index) {
            function.permissions.push(permission);
        }
    }

    fn url(&mut self, resource: &Resource) {
        let a = resource.attrs;
        let link = self.find_function(resource, "function_name", a.get("function_name").string());
        let Link::Found(index, target_qualifier) = link else {
            return self.unlinked(&resource.address, "function URL", link, |f| {
                if f.url == Declared::Known(None) {
                    f.url = Declared::Unknown(
                        "a function URL in this file names a function known only after apply"
                            .into(),
                    );
                }
            });
        };
        let mut n = Notes {
            address: &resource.address,
            notes: &mut self.notes,
        };
        let url = DeclaredUrl {
            auth_type: n.declared(
                "authorization_type",
                a.get("authorization_type").string(),
                Declared::Unknown("no `authorization_type`".into()),
            ),
            cors: cors(&mut n, a),
            qualifier: n
                .optional("qualifier", a.get("qualifier").string().non_empty())
                .or(target_qualifier),
            location: resource.location.clone(),
        };
        let Some(function) = self.functions.get_mut(index) else {
            return;
        };
        // One URL per function in the model: with a second one, judging either would call
        // the other "added", so the function's URLs are left unjudged (not evaluated).
        match &function.url {
            Declared::Known(Some(_)) => {
                function.url = Declared::Unknown(SEVERAL_URLS.into());
                self.notes.push(format!(
                    "{}: a second function URL for the same function; its URLs are not compared",
                    resource.address
                ));
            }
            Declared::Unknown(reason) if reason == SEVERAL_URLS => {}
            _ => {
                function
                    .attribute_locations
                    .insert("url".into(), url.location.clone());
                function.url = Declared::Known(Some(url));
            }
        }
    }

    fn event_source(&mut self, resource: &Resource) {
        let a = resource.attrs;
        let target = match a.get("function_name").string() {
            Read::Absent => a.get("function_arn").string(),
            read => read,
        };
        let link = self.find_function(resource, "function_name", target);
        let Link::Found(index, _) = link else {
            return self.unlinked(&resource.address, "event source mapping", link, |f| {
                f.event_sources_complete = false
            });
        };
        let mut n = Notes {
            address: &resource.address,
            notes: &mut self.notes,
        };
        let mapping = DeclaredEventSource {
            source_arn: n.declared(
                "event_source_arn",
                a.get("event_source_arn").string().non_empty(),
                Declared::Unknown("no `event_source_arn` (a self-managed source)".into()),
            ),
            enabled: n
                .optional("enabled", a.get("enabled").boolean())
                .unwrap_or(true),
            batch_size: n.optional("batch_size", a.get("batch_size").int()),
            location: resource.location.clone(),
        };
        if let Some(function) = self.functions.get_mut(index) {
            function.event_sources.push(mapping);
        }
    }

    fn role(&mut self, resource: &Resource) {
        let a = resource.attrs;
        let origin = self.origin(resource);
        let file = self.file;
        let mut n = Notes {
            address: &resource.address,
            notes: &mut self.notes,
        };
        let name = n.declared(
            "name",
            a.get("name").string(),
            Declared::Unknown("no `name`".into()),
        );
        let (managed_policy_arns, managed_complete) = match n.declared(
            "managed_policy_arns",
            a.get("managed_policy_arns").strings(),
            Declared::Known(Vec::new()),
        ) {
            Declared::Known(arns) => (arns.into_iter().map(Declared::Known).collect(), true),
            Declared::Unknown(_) => (Vec::new(), false),
        };
        let (inline_policies, inline_complete) = inline_policies(&mut n, a, file);
        if !(managed_complete && inline_complete) {
            n.notes.push(format!(
                "{}: the role's attached or inline policies are known only after apply; its policies are not taken as complete",
                resource.address
            ));
        }
        self.role_arns.push(match a.get("arn").string() {
            Read::Known(arn) => Some(arn),
            _ => None,
        });
        self.roles.push(DeclaredRole {
            key: format!("{file}#{}", resource.address),
            origin,
            name,
            managed_policy_arns,
            inline_policies,
            complete: managed_complete && inline_complete,
        });
    }

    /// The role named `role` in this file; one made up (and incomplete) when the file only
    /// attaches policies to a role declared elsewhere.
    fn role_named(&mut self, resource: &Resource, role: Read<String>) -> Option<usize> {
        let name = match role {
            Read::Known(name) => role_name_from(&name).to_string(),
            Read::Unknown => {
                let target = self.referenced(resource, "role", "aws_iam_role");
                let found = target.and_then(|t| self.roles.iter().position(|r| r.origin.key == t));
                if found.is_some() {
                    return found;
                }
                self.notes.push(format!(
                    "{}: the role is known only after apply, so no role's policies are taken as complete",
                    resource.address
                ));
                self.roles.iter_mut().for_each(|r| r.complete = false);
                return None;
            }
            Read::Absent => {
                self.notes
                    .push(format!("{}: no `role`; not compared", resource.address));
                return None;
            }
            Read::Wrong(what) => {
                self.notes
                    .push(format!("{}: `role` {what}; not compared", resource.address));
                return None;
            }
        };
        if let Some(index) = self
            .roles
            .iter()
            .position(|r| r.name.known() == Some(&name))
        {
            return Some(index);
        }
        self.notes.push(format!(
            "{}: role `{name}` is not declared in this file; its policies here are partial",
            resource.address
        ));
        self.roles.push(DeclaredRole {
            key: format!("{}#role/{name}", self.file),
            origin: self.origin(resource),
            name: Declared::Known(name),
            managed_policy_arns: Vec::new(),
            inline_policies: Vec::new(),
            complete: false,
        });
        self.role_arns.push(None);
        Some(self.roles.len() - 1)
    }

    fn role_policy(&mut self, resource: &Resource) {
        let a = resource.attrs;
        let Some(index) = self.role_named(resource, a.get("role").string()) else {
            return;
        };
        let mut n = Notes {
            address: &resource.address,
            notes: &mut self.notes,
        };
        let policy = DeclaredInlinePolicy {
            name: n.declared(
                "name",
                a.get("name").string(),
                Declared::Unknown("no `name`".into()),
            ),
            document: policy_document(&mut n, a.get("policy")),
            location: resource.location.clone(),
        };
        let Some(role) = self.roles.get_mut(index) else {
            return;
        };
        // A state's role also lists, as read from AWS, the inline policies this resource
        // manages: the resource's own document is the declaration.
        role.inline_policies
            .retain(|p| p.name.known().is_none() || p.name != policy.name);
        role.inline_policies.push(policy);
    }

    fn role_policy_attachment(&mut self, resource: &Resource) {
        let a = resource.attrs;
        let Some(index) = self.role_named(resource, a.get("role").string()) else {
            return;
        };
        self.attach(resource, index);
    }

    fn policy_attachment(&mut self, resource: &Resource) {
        let a = resource.attrs;
        let roles = match a.get("roles").strings() {
            Read::Known(roles) => roles.into_iter().map(Read::Known).collect(),
            Read::Absent => Vec::new(),
            Read::Unknown => vec![Read::Unknown],
            Read::Wrong(what) => vec![Read::Wrong(what)],
        };
        for role in roles {
            if let Some(index) = self.role_named(resource, role) {
                self.attach(resource, index);
            }
        }
    }

    fn attach(&mut self, resource: &Resource, index: usize) {
        let mut n = Notes {
            address: &resource.address,
            notes: &mut self.notes,
        };
        let arn = n.declared(
            "policy_arn",
            resource.attrs.get("policy_arn").string(),
            Declared::Unknown("no `policy_arn`".into()),
        );
        if let Some(role) = self.roles.get_mut(index)
            && (arn.known().is_none() || !role.managed_policy_arns.contains(&arn))
        {
            role.managed_policy_arns.push(arn);
        }
    }

    /// Functions whose role is declared in the file refer to it by key.
    fn link_roles(&mut self) {
        let resources = self.resources;
        let targets: Vec<Option<usize>> = resources
            .iter()
            .filter(|r| r.kind == "aws_lambda_function")
            .zip(&self.functions)
            .map(|(resource, function)| self.declared_role(resource, &function.role))
            .collect();
        for (function, target) in self.functions.iter_mut().zip(targets) {
            if let Some(role) = target.and_then(|i| self.roles.get(i)) {
                function.role = DeclaredRoleRef::Declared {
                    key: role.key.clone(),
                };
            }
        }
    }

    /// The role with the function's role ARN as its `arn`; a role only known by name from
    /// its attachments whose name ends the ARN; in a plan, the role the configuration
    /// refers to when the ARN is computed.
    fn declared_role(&self, resource: &Resource, role: &DeclaredRoleRef) -> Option<usize> {
        match role {
            DeclaredRoleRef::Arn {
                arn: Declared::Known(arn),
            } => {
                let name = role_name_from(arn);
                let by_name = || {
                    self.roles
                        .iter()
                        .zip(&self.role_arns)
                        .position(|(role, role_arn)| {
                            role_arn.is_none()
                                && !role.complete
                                && role.name.known().map(String::as_str) == Some(name)
                        })
                };
                self.role_arns
                    .iter()
                    .position(|r| r.as_deref() == Some(arn.as_str()))
                    .or_else(by_name)
            }
            DeclaredRoleRef::Arn {
                arn: Declared::Unknown(_),
            } => {
                let target = self.referenced(resource, "role", "aws_iam_role")?;
                self.roles.iter().position(|r| r.origin.key == target)
            }
            _ => None,
        }
    }

    fn finish(mut self) -> DeclaredEstate {
        if self.aliases > 0 {
            self.notes.push(format!(
                "Lambda aliases read but not compared: aws_lambda_alias ×{}",
                self.aliases
            ));
        }
        if !self.not_compared.is_empty() {
            let counts: Vec<String> = self
                .not_compared
                .iter()
                .map(|(kind, count)| format!("{kind} ×{count}"))
                .collect();
            self.notes.push(format!(
                "API Gateway resources read but not compared: {}",
                counts.join(", ")
            ));
        }
        DeclaredEstate {
            sources: vec![DeclaredSource {
                file: self.file.to_string(),
                format: self.format,
                stack_name: None,
                stack_evidence: None,
                functions: self.functions.len(),
                notes: self.notes,
            }],
            functions: self.functions,
            roles: self.roles,
            errors: Vec::new(),
        }
    }
}

impl Attr<'_> {
    fn location(self, file: &str) -> Option<Location> {
        self.present().map(|n| node_location(file, n))
    }
}

/// Image functions have no runtime nor handler; the provider writes `""` for them.
fn optional_text(n: &mut Notes, a: Attr, name: &str) -> Declared<Option<String>> {
    let read = a.get(name).string().non_empty().map(Some);
    n.declared(name, read, Declared::Known(None))
}

fn architectures(n: &mut Notes, a: Attr) -> Declared<Vec<String>> {
    let x86 = || vec!["x86_64".to_string()];
    match n.declared(
        "architectures",
        a.get("architectures").strings(),
        Declared::Known(x86()),
    ) {
        Declared::Known(list) if list.is_empty() => Declared::Known(x86()),
        other => other,
    }
}

fn role_ref(n: &mut Notes, a: Attr) -> DeclaredRoleRef {
    match a.get("role").string() {
        Read::Absent => DeclaredRoleRef::Unknown {
            reason: "no `role`".into(),
        },
        read => DeclaredRoleRef::Arn {
            arn: n.declared("role", read, Declared::Unknown(String::new())),
        },
    }
}

fn reserved_concurrency(n: &mut Notes, a: Attr) -> Declared<Option<i32>> {
    // -1 is the provider's "no reservation".
    let read = a
        .get("reserved_concurrent_executions")
        .int()
        .map(|c| (c >= 0).then_some(c));
    n.declared(
        "reserved_concurrent_executions",
        read,
        Declared::Known(None),
    )
}

fn environment(n: &mut Notes, a: Attr) -> Declared<BTreeMap<String, Declared<SecretText>>> {
    let variables = a.get("environment").at(0).get("variables");
    if variables.is_unknown() {
        return Declared::Unknown(KNOWN_AFTER_APPLY.into());
    }
    let mut out = BTreeMap::new();
    if let Some(node) = variables.present() {
        let Some(entries) = node.as_map() else {
            let what = format!("is {}, not an object", kind(node));
            return Declared::Unknown(n.wrong("environment[0].variables", &what));
        };
        for (key, _) in entries {
            let Some(key) = key.as_str() else { continue };
            let value = match variables.get(key).string() {
                Read::Absent => continue,
                read => n.declared(
                    &format!("environment variable {key}"),
                    read,
                    Declared::Unknown(String::new()),
                ),
            };
            out.insert(key.to_string(), value.map(SecretText::new));
        }
    }
    // A plan leaves unknown values out of `values` and lists them in `after_unknown` only.
    for (key, flag) in variables.unknown.and_then(Node::as_map).unwrap_or_default() {
        if let (Some(key), Some(true)) = (key.as_str(), flag.as_bool()) {
            out.entry(key.to_string())
                .or_insert_with(|| Declared::Unknown(KNOWN_AFTER_APPLY.into()));
        }
    }
    Declared::Known(out)
}

fn vpc(n: &mut Notes, a: Attr) -> Declared<Option<DeclaredVpc>> {
    let block = a.get("vpc_config").at(0);
    if block.is_unknown() {
        return Declared::Unknown(KNOWN_AFTER_APPLY.into());
    }
    let empty = Declared::Known(Vec::new());
    let subnets = n.declared(
        "vpc_config[0].subnet_ids",
        block.get("subnet_ids").strings(),
        empty.clone(),
    );
    let groups = n.declared(
        "vpc_config[0].security_group_ids",
        block.get("security_group_ids").strings(),
        empty,
    );
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

fn cors(n: &mut Notes, a: Attr) -> Declared<Option<DeclaredCors>> {
    let block = a.get("cors").at(0);
    if block.is_unknown() {
        return Declared::Unknown(KNOWN_AFTER_APPLY.into());
    }
    if block.present().is_none() {
        return Declared::Known(None);
    }
    let empty = Declared::Known(Vec::new());
    let origins = n.declared(
        "cors[0].allow_origins",
        block.get("allow_origins").strings(),
        empty.clone(),
    );
    let methods = n.declared(
        "cors[0].allow_methods",
        block.get("allow_methods").strings(),
        empty,
    );
    let credentials = n.declared(
        "cors[0].allow_credentials",
        block.get("allow_credentials").boolean(),
        Declared::Known(false),
    );
    match (origins, methods, credentials) {
        (
            Declared::Known(allow_origins),
            Declared::Known(allow_methods),
            Declared::Known(allow_credentials),
        ) => Declared::Known(Some(DeclaredCors {
            allow_origins,
            allow_methods,
            allow_credentials,
        })),
        (Declared::Unknown(reason), _, _)
        | (_, Declared::Unknown(reason), _)
        | (_, _, Declared::Unknown(reason)) => Declared::Unknown(reason),
    }
}

/// Inline policies written in the role (`inline_policy` blocks); false when the plan
/// computes them.
fn inline_policies(n: &mut Notes, a: Attr, file: &str) -> (Vec<DeclaredInlinePolicy>, bool) {
    let blocks = a.get("inline_policy");
    if blocks.is_unknown() {
        return (Vec::new(), false);
    }
    let count = blocks
        .present()
        .and_then(Node::as_seq)
        .map_or(0, <[Node]>::len);
    let mut out = Vec::new();
    for index in 0..count {
        let block = blocks.at(index);
        let name = block.get("name").string();
        // The provider records a role without inline policies as one empty block.
        if matches!(&name, Read::Known(text) if text.is_empty())
            && matches!(block.get("policy").string(), Read::Known(text) if text.is_empty())
        {
            continue;
        }
        let location = block.location(file).unwrap_or_else(|| Location::file(file));
        out.push(DeclaredInlinePolicy {
            name: n.declared(
                "inline_policy.name",
                name,
                Declared::Unknown("no `name`".into()),
            ),
            document: policy_document(n, block.get("policy")),
            location,
        });
    }
    (out, true)
}

/// Terraform stores policy documents as JSON text.
fn policy_document(n: &mut Notes, policy: Attr) -> Declared<serde_json::Value> {
    match n.declared(
        "policy",
        policy.string(),
        Declared::Unknown("no `policy`".into()),
    ) {
        Declared::Known(text) => match serde_json::from_str(&text) {
            Ok(document) => Declared::Known(document),
            Err(e) => Declared::Unknown(n.wrong("policy", &format!("is not a JSON document: {e}"))),
        },
        Declared::Unknown(reason) => Declared::Unknown(reason),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::declared::parse_text;

    fn parse_ok(text: &str) -> DeclaredEstate {
        match parse_text("t.tfstate", text, &ResolveContext::default()) {
            Ok(Some(estate)) => estate,
            other => panic!("{other:?}"),
        }
    }

    fn state(resources: &str) -> String {
        format!(
            r#"{{"version": 4, "terraform_version": "1.9.5", "serial": 1, "lineage": "x",
  "outputs": {{}},
  "resources": [{resources}]}}"#
        )
    }

    fn function_resource(attributes: &str) -> String {
        format!(
            r#"{{"mode": "managed", "type": "aws_lambda_function", "name": "f",
  "provider": "provider[\"registry.terraform.io/hashicorp/aws\"]",
  "instances": [{{"schema_version": 0, "attributes": {attributes}}}]}}"#
        )
    }

    #[test]
    fn rejects_state_version_3_with_its_line() {
        let text = "{\n  \"terraform_version\": \"0.11.14\",\n  \"version\": 3,\n  \"lineage\": \"x\",\n  \"modules\": []\n}";
        let err = parse_text("old.tfstate", text, &ResolveContext::default()).unwrap_err();
        assert_eq!(err.location, Location::at("old.tfstate", 3, 14));
        assert_eq!(
            err.message,
            "Terraform state format version 3 is not supported (only 4)"
        );
    }

    #[test]
    fn rejects_json_that_only_yaml_accepts() {
        let text = "{\"version\": 4, \"terraform_version\": \"1.9.5\",\n \"resources\": [1,]}";
        let err = parse_text("t.tfstate", text, &ResolveContext::default()).unwrap_err();
        assert_eq!(err.location.line, Some(2));
        assert!(err.message.starts_with("not valid JSON"), "{}", err.message);
    }

    #[test]
    fn wrong_types_become_unknown_with_a_note() {
        let text = state(&function_resource(
            r#"{"function_name": "f", "timeout": "30", "memory_size": 1e12, "layers": "x",
               "environment": [{"variables": {"A": 1, "B": "b"}}], "role": 7}"#,
        ));
        let estate = parse_ok(&text);
        let f = &estate.functions[0];
        assert_eq!(
            f.timeout_seconds,
            Declared::Unknown("`timeout` is a string, not a whole number".into())
        );
        assert_eq!(
            f.memory_mb,
            Declared::Unknown("`memory_size` is 1000000000000, out of range".into())
        );
        assert_eq!(
            f.layers,
            Declared::Unknown("`layers` is a string, not a list".into())
        );
        assert_eq!(
            f.role,
            DeclaredRoleRef::Arn {
                arn: Declared::Unknown("`role` is a number, not a string".into())
            }
        );
        let env = f.environment.known().unwrap();
        assert!(matches!(&env["A"], Declared::Unknown(r) if r.contains("is a number")));
        assert!(env["B"].known().is_some());
        let notes = &estate.sources[0].notes;
        assert!(
            notes.contains(
                &"aws_lambda_function.f: `timeout` is a string, not a whole number".to_string()
            ),
            "{notes:?}"
        );
    }

    #[test]
    fn module_addresses_and_index_keys() {
        let text = state(
            r#"{"module": "module.api", "mode": "managed", "type": "aws_lambda_function", "name": "h",
                "instances": [{"index_key": "a", "attributes": {"function_name": "a"}},
                              {"index_key": "b\"c", "attributes": {"function_name": "b"}}]},
               {"mode": "managed", "type": "aws_lambda_function", "name": "n",
                "instances": [{"index_key": 0, "attributes": {"function_name": "n0"}},
                              {"index_key": 1, "attributes": {"function_name": "n1"}, "deposed": "00ab"}]},
               {"mode": "data", "type": "aws_lambda_function", "name": "d",
                "instances": [{"attributes": {"function_name": "d"}}]}"#,
        );
        let estate = parse_ok(&text);
        let keys: Vec<&str> = estate
            .functions
            .iter()
            .map(|f| f.origin.key.as_str())
            .collect();
        assert_eq!(
            keys,
            [
                r#"module.api.aws_lambda_function.h["a"]"#,
                r#"module.api.aws_lambda_function.h["b\"c"]"#,
                "aws_lambda_function.n[0]"
            ]
        );
    }

    #[test]
    fn permission_by_qualified_arn() {
        let text = state(&format!(
            "{}, {}",
            function_resource(
                r#"{"function_name": "f", "arn": "arn:aws:lambda:eu-west-1:111122223333:function:f"}"#
            ),
            r#"{"mode": "managed", "type": "aws_lambda_permission", "name": "p",
                "instances": [{"attributes": {"function_name": "arn:aws:lambda:eu-west-1:111122223333:function:f:live",
                  "action": "lambda:InvokeFunction", "principal": "s3.amazonaws.com", "qualifier": "",
                  "source_arn": null, "source_account": "111122223333"}}]},
               {"mode": "managed", "type": "aws_lambda_permission", "name": "other",
                "instances": [{"attributes": {"function_name": "g", "action": "lambda:InvokeFunction", "principal": "*"}}]}"#
        ));
        let estate = parse_ok(&text);
        let f = &estate.functions[0];
        assert_eq!(f.region.as_deref(), Some("eu-west-1"));
        assert_eq!(f.permissions.len(), 1);
        assert_eq!(f.permissions[0].qualifier.as_deref(), Some("live"));
        assert_eq!(f.permissions[0].source_arn, None);
        assert_eq!(
            f.permissions[0].source_account,
            Some(Declared::Known("111122223333".into()))
        );
        assert!(
            estate.sources[0]
                .notes
                .iter()
                .any(|n| n.starts_with("aws_lambda_permission.other: permission for function `g`"))
        );
    }

    #[test]
    fn plan_after_unknown_is_unknown() {
        let text = r#"{"format_version": "1.2", "terraform_version": "1.9.5",
  "planned_values": {"root_module": {"resources": [
    {"address": "aws_lambda_function.f", "mode": "managed", "type": "aws_lambda_function", "name": "f",
     "values": {"function_name": "f", "timeout": 10, "memory_size": 256,
                "environment": [{"variables": {"KNOWN": "v"}}], "layers": [null], "tracing_config": []}},
    {"address": "aws_lambda_permission.p", "mode": "managed", "type": "aws_lambda_permission", "name": "p",
     "values": {"action": "lambda:InvokeFunction", "principal": "apigateway.amazonaws.com"}}]}},
  "resource_changes": [
    {"address": "aws_lambda_function.f", "change": {"actions": ["create"],
     "after_unknown": {"arn": true, "role": true, "architectures": true, "memory_size": false,
                       "environment": [{"variables": {"TABLE": true}}], "layers": [true], "tracing_config": true}}},
    {"address": "aws_lambda_permission.p", "change": {"actions": ["create"], "after_unknown": {"function_name": true}}}]}"#;
        let estate = match parse_text("plan.json", text, &ResolveContext::default()) {
            Ok(Some(estate)) => estate,
            other => panic!("{other:?}"),
        };
        assert_eq!(estate.sources[0].format, SourceFormat::TerraformPlan);
        let f = &estate.functions[0];
        fn unknown<T>() -> Declared<T> {
            Declared::Unknown(KNOWN_AFTER_APPLY.to_string())
        }
        assert_eq!(f.region, None);
        assert_eq!(f.timeout_seconds, Declared::Known(10));
        assert_eq!(f.memory_mb, Declared::Known(256));
        assert_eq!(f.architectures, unknown());
        assert_eq!(f.layers, unknown());
        assert_eq!(f.tracing_mode, unknown());
        assert_eq!(f.role, DeclaredRoleRef::Arn { arn: unknown() });
        let env = f.environment.known().unwrap();
        assert!(env["KNOWN"].known().is_some());
        assert_eq!(
            env["TABLE"].clone().map(|_| ()),
            Declared::Unknown(KNOWN_AFTER_APPLY.into())
        );
        // The permission may be this function's: its permissions are not complete.
        assert!(f.permissions.is_empty());
        assert!(!f.permissions_complete);
        assert!(f.event_sources_complete);
    }

    #[test]
    fn instance_keys_are_stripped_from_module_paths() {
        assert_eq!(
            without_instance_keys(r#"module.a["x.]\"y"].module.b[0]"#),
            "module.a.module.b"
        );
        assert_eq!(without_instance_keys(""), "");
    }

    #[test]
    fn plan_references_follow_the_same_for_each_key() {
        let change = |address: &str| {
            format!(
                r#"{{"address": {address:?}, "change": {{"after_unknown": {{"function_name": true, "role": true}}}}}}"#
            )
        };
        let function = |key: &str| {
            format!(
                r#"{{"address": "module.m.aws_lambda_function.f[\"{key}\"]", "mode": "managed", "type": "aws_lambda_function",
                    "name": "f", "index": "{key}", "values": {{"function_name": "fn-{key}"}}}}"#
            )
        };
        let mapping = |key: &str| {
            format!(
                r#"{{"address": "module.m.aws_lambda_event_source_mapping.q[\"{key}\"]", "mode": "managed",
                    "type": "aws_lambda_event_source_mapping", "name": "q", "index": "{key}",
                    "values": {{"event_source_arn": "arn:aws:sqs:us-east-1:1:{key}"}}}}"#
            )
        };
        let text = format!(
            r#"{{"format_version": "1.2", "planned_values": {{"root_module": {{"child_modules": [{{"address": "module.m",
  "resources": [{}, {}, {}, {}]}}]}}}},
  "resource_changes": [{}, {}, {}, {}],
  "configuration": {{"root_module": {{"module_calls": {{"m": {{"module": {{"resources": [
    {{"address": "aws_lambda_event_source_mapping.q", "expressions": {{"function_name": {{"references": ["aws_lambda_function.f[each.key].arn", "aws_lambda_function.f"]}}}}}},
    {{"address": "aws_lambda_function.f", "expressions": {{"role": {{"references": ["aws_iam_role.r.arn", "aws_iam_role.r"]}}}}}}]}}}}}}}}}}}}"#,
            function("a"),
            function("b"),
            mapping("a"),
            mapping("b"),
            change(r#"module.m.aws_lambda_function.f["a"]"#),
            change(r#"module.m.aws_lambda_function.f["b"]"#),
            change(r#"module.m.aws_lambda_event_source_mapping.q["a"]"#),
            change(r#"module.m.aws_lambda_event_source_mapping.q["b"]"#),
        );
        let estate = parse_ok(&text);
        let sources: Vec<Vec<String>> = estate
            .functions
            .iter()
            .map(|f| {
                f.event_sources
                    .iter()
                    .filter_map(|e| e.source_arn.known().cloned())
                    .collect()
            })
            .collect();
        assert_eq!(
            sources,
            [["arn:aws:sqs:us-east-1:1:a"], ["arn:aws:sqs:us-east-1:1:b"]]
        );
        assert!(estate.functions.iter().all(|f| f.event_sources_complete));
        // The role is not in the plan: the reference leads nowhere, the ARN stays unknown.
        assert_eq!(
            estate.functions[0].role,
            DeclaredRoleRef::Arn {
                arn: Declared::Unknown(KNOWN_AFTER_APPLY.into())
            }
        );
    }

    #[test]
    fn targets() {
        let t = parse_target("123456789012:function:f:2");
        assert_eq!(
            (t.name.as_str(), t.region, t.qualifier.as_deref()),
            ("f", None, Some("2"))
        );
        let t = parse_target("arn:aws-cn:lambda:cn-north-1:1:function:f");
        assert_eq!(
            (t.name.as_str(), t.region.as_deref(), t.qualifier),
            ("f", Some("cn-north-1"), None)
        );
        assert_eq!(
            region_from_arn("arn:aws:lambda:us-east-1:1:function:f"),
            Some("us-east-1".into())
        );
        assert_eq!(region_from_arn("arn:aws:iam::1:role/f"), None);
        assert_eq!(role_name_from("arn:aws:iam::1:role/path/to/r"), "r");
    }

    #[test]
    fn hostile_shapes_do_not_panic() {
        for text in [
            r#"{"version": 4, "terraform_version": "1", "resources": {}}"#,
            r#"{"version": 4, "terraform_version": "1", "resources": [1, null, {"mode": "managed"}]}"#,
            r#"{"version": 4, "terraform_version": "1", "resources": [{"mode": "managed", "type": "aws_iam_role", "name": "r", "instances": [{"attributes": {"inline_policy": [{"name": "x", "policy": "{"}], "managed_policy_arns": [1]}}]}]}"#,
            r#"{"version": "4", "terraform_version": "1", "resources": []}"#,
            r#"{"format_version": "1.0", "values": {"root_module": {"resources": [{"mode": "managed"}], "child_modules": 3}}}"#,
            r#"{"format_version": 2, "planned_values": {}}"#,
        ] {
            let _ = parse_text("t.json", text, &ResolveContext::default());
        }
    }
}
