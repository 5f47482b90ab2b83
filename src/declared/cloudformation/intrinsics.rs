//! CloudFormation intrinsic functions, short form (`!Sub`) and long form (`Fn::Sub`),
//! resolved as far as a template alone allows. What needs a deployment (a generated name, an
//! `!ImportValue`, a parameter without default) resolves to an unknown marker
//! ([`unknown_json`]), never to a guess.

use crate::declared::model::{first_unknown, unknown_json, unknown_reason};
use crate::declared::yaml::{Node, NodeValue};
use serde_json::Value;
use std::cell::Cell;
use std::collections::{BTreeMap, HashMap};

/// Reference chains longer than this (a resource whose name refers to another's...) are
/// treated as cycles.
const MAX_REFERENCE_DEPTH: usize = 32;

/// Removes the containing key or element, as `AWS::NoValue` does.
const NO_VALUE: &str = "\u{1}novalue";

pub struct Pseudo {
    pub account_id: String,
    pub region: Option<String>,
    pub partition: String,
    pub stack_name: Option<String>,
}

pub struct Resolver<'t> {
    pub parameters: BTreeMap<String, Value>,
    pub conditions: BTreeMap<String, Option<bool>>,
    pub mappings: Option<&'t Node>,
    pub resources: &'t [(Node, Node)],
    /// Resources by logical id (the last one when an id repeats, as CloudFormation
    /// rejects), so references resolve in constant time on large templates.
    by_id: HashMap<&'t str, (&'t Node, &'t Node)>,
    pub pseudo: Pseudo,
    depth: Cell<usize>,
}

impl<'t> Resolver<'t> {
    pub fn new(
        parameters: BTreeMap<String, Value>,
        mappings: Option<&'t Node>,
        resources: &'t [(Node, Node)],
        pseudo: Pseudo,
    ) -> Self {
        Resolver {
            parameters,
            conditions: BTreeMap::new(),
            mappings,
            resources,
            by_id: resources
                .iter()
                .filter_map(|(k, v)| Some((k.as_str()?, (k, v))))
                .collect(),
            pseudo,
            depth: Cell::new(0),
        }
    }

    pub fn resource(&self, logical_id: &str) -> Option<&'t Node> {
        self.by_id.get(logical_id).map(|(_, v)| *v)
    }

    /// The logical id's own node (its key), for pointing at where the resource is declared.
    pub fn resource_key(&self, logical_id: &str) -> Option<&'t Node> {
        self.by_id.get(logical_id).map(|(k, _)| *k)
    }

    pub fn resource_type(&self, logical_id: &str) -> Option<&'t str> {
        self.resource(logical_id)?.get("Type")?.as_str()
    }

    /// Evaluates the template's `Conditions` in order of need.
    pub fn evaluate_conditions(&mut self, conditions: Option<&Node>) {
        let Some(entries) = conditions.and_then(Node::as_map) else {
            return;
        };
        // Conditions may refer to conditions defined later; a few passes settle them.
        for _ in 0..entries.len().min(16) + 1 {
            for (name, body) in entries {
                let Some(name) = name.as_str() else { continue };
                let value = self.condition(body);
                self.conditions.insert(name.to_string(), value);
            }
        }
    }

    /// A condition expression: `Some(bool)`, or `None` when it depends on something unknown.
    pub fn condition(&self, node: &Node) -> Option<bool> {
        if let Some(name) = condition_reference(node) {
            return self.conditions.get(name).copied().flatten();
        }
        let (function, argument) = intrinsic(node)?;
        let args = argument.as_seq().unwrap_or_default();
        match function {
            "Equals" => {
                let [a, b] = args else { return None };
                let (a, b) = (self.resolve(a), self.resolve(b));
                if first_unknown(&a).is_some() || first_unknown(&b).is_some() {
                    return None;
                }
                Some(scalar_text(&a) == scalar_text(&b))
            }
            "Not" => Some(!self.condition(args.first()?)?),
            "And" => {
                let values: Vec<_> = args.iter().map(|a| self.condition(a)).collect();
                if values.contains(&Some(false)) {
                    Some(false)
                } else if values.iter().all(Option::is_some) {
                    Some(true)
                } else {
                    None
                }
            }
            "Or" => {
                let values: Vec<_> = args.iter().map(|a| self.condition(a)).collect();
                if values.contains(&Some(true)) {
                    Some(true)
                } else if values.iter().all(Option::is_some) {
                    Some(false)
                } else {
                    None
                }
            }
            "Condition" => self.conditions.get(argument.as_str()?).copied().flatten(),
            _ => None,
        }
    }

    /// Resolves a node to JSON; unknown parts become unknown markers.
    pub fn resolve(&self, node: &Node) -> Value {
        let depth = self.depth.get();
        if depth > MAX_REFERENCE_DEPTH {
            return unknown_json("reference chain too deep (a cycle?)");
        }
        self.depth.set(depth + 1);
        let value = self.resolve_inner(node);
        self.depth.set(depth);
        match value.as_str() {
            // `{{resolve:ssm:…}}` / `{{resolve:secretsmanager:…}}`: CloudFormation fetches the
            // value at deployment; the template only names where it lives.
            Some(text) if text.contains("{{resolve:") => {
                unknown_json("a dynamic reference ({{resolve:…}}) resolved at deployment")
            }
            _ => value,
        }
    }

    fn resolve_inner(&self, node: &Node) -> Value {
        if let Some((function, argument)) = intrinsic(node) {
            return self.call(function, argument);
        }
        match &node.value {
            NodeValue::Scalar(_) => node.to_json(),
            NodeValue::Seq(items) => Value::Array(
                items
                    .iter()
                    .map(|i| self.resolve(i))
                    .filter(|v| !is_no_value(v))
                    .collect(),
            ),
            NodeValue::Map(entries) => Value::Object(
                entries
                    .iter()
                    .filter_map(|(k, v)| {
                        let value = self.resolve(v);
                        (!is_no_value(&value))
                            .then(|| (k.as_str().unwrap_or_default().to_string(), value))
                    })
                    .collect(),
            ),
        }
    }

    fn call(&self, function: &str, argument: &Node) -> Value {
        match function {
            "Ref" => argument
                .as_str()
                .map(|name| self.reference(name))
                .unwrap_or_else(|| unknown_json("!Ref without a name")),
            "GetAtt" => self.get_att(argument),
            "Sub" => self.sub(argument),
            "Join" => self.join(argument),
            "Select" => self.select(argument),
            "Split" => self.split(argument),
            "If" => self.if_(argument),
            "FindInMap" => self.find_in_map(argument),
            "ImportValue" => {
                let name = self.resolve_argument(function, argument);
                unknown_json(format!(
                    "!ImportValue {}",
                    scalar_text(&name).unwrap_or_else(|| "(computed)".into())
                ))
            }
            "GetAZs" => unknown_json("!GetAZs depends on the account"),
            "Base64" => unknown_json("!Base64"),
            "Cidr" => unknown_json("!Cidr"),
            "Length" => match self.resolve_argument(function, argument) {
                Value::Array(items) if first_unknown(&Value::Array(items.clone())).is_none() => {
                    Value::from(items.len())
                }
                _ => unknown_json("!Length of an unknown list"),
            },
            "ToJsonString" => {
                let value = self.resolve_argument(function, argument);
                if let Some(reason) = first_unknown(&value) {
                    unknown_json(reason)
                } else {
                    Value::String(value.to_string())
                }
            }
            "Condition" => match self.condition(&wrap_condition(argument)) {
                Some(b) => Value::Bool(b),
                None => unknown_json("condition depends on unknown values"),
            },
            "Equals" | "And" | "Or" | "Not" => match self.condition(&wrap(function, argument)) {
                Some(b) => Value::Bool(b),
                None => unknown_json("condition depends on unknown values"),
            },
            other => unknown_json(format!("Fn::{other} is not supported")),
        }
    }

    /// The value of a function's argument. In the short form (`!ImportValue name`) the
    /// argument is the tagged node itself: resolving it as is would call the function again.
    fn resolve_argument(&self, function: &str, argument: &Node) -> Value {
        if argument.local_tag() == Some(function) {
            return self.resolve(&Node {
                tag: None,
                ..argument.clone()
            });
        }
        self.resolve(argument)
    }

    /// `!Ref NAME`: a parameter, a pseudo parameter or a resource's physical id.
    pub fn reference(&self, name: &str) -> Value {
        match name {
            "AWS::AccountId" => return Value::String(self.pseudo.account_id.clone()),
            "AWS::Partition" => return Value::String(self.pseudo.partition.clone()),
            "AWS::Region" => {
                return self
                    .pseudo
                    .region
                    .clone()
                    .map(Value::String)
                    .unwrap_or_else(|| unknown_json("AWS::Region"));
            }
            "AWS::StackName" => {
                return self
                    .pseudo
                    .stack_name
                    .clone()
                    .map(Value::String)
                    .unwrap_or_else(|| {
                        unknown_json(
                            "AWS::StackName (no deployed stack matched; pass --parameter AWS::StackName=NAME)",
                        )
                    });
            }
            "AWS::URLSuffix" => {
                return Value::String(if self.pseudo.partition == "aws-cn" {
                    "amazonaws.com.cn".into()
                } else {
                    "amazonaws.com".into()
                });
            }
            "AWS::NoValue" => return Value::String(NO_VALUE.into()),
            "AWS::StackId" | "AWS::NotificationARNs" => return unknown_json(name),
            _ => {}
        }
        if let Some(value) = self.parameters.get(name) {
            return value.clone();
        }
        match self.resource_type(name) {
            Some(kind) => self.physical_id(name, kind),
            None => unknown_json(format!("!Ref {name}: no such parameter or resource")),
        }
    }

    fn property(&self, logical_id: &str, property: &str) -> Option<Value> {
        let node = self
            .resource(logical_id)?
            .get("Properties")?
            .get(property)?;
        let value = self.resolve(node);
        (!is_no_value(&value)).then_some(value)
    }

    fn known_property(&self, logical_id: &str, property: &str) -> Option<String> {
        self.property(logical_id, property)
            .as_ref()
            .and_then(scalar_text)
            .filter(|s| unknown_reason(&Value::String(s.clone())).is_none())
    }

    fn region_or_unknown(&self) -> Result<&str, Value> {
        self.pseudo
            .region
            .as_deref()
            .ok_or_else(|| unknown_json("AWS::Region"))
    }

    fn physical_id(&self, logical_id: &str, kind: &str) -> Value {
        let generated = || {
            unknown_json(format!(
                "the physical id of {logical_id} is generated at deployment"
            ))
        };
        let named = |property: &str| {
            self.known_property(logical_id, property)
                .map(Value::String)
                .unwrap_or_else(generated)
        };
        match kind {
            "AWS::Lambda::Function" | "AWS::Serverless::Function" => named("FunctionName"),
            "AWS::IAM::Role" => named("RoleName"),
            "AWS::S3::Bucket" => named("BucketName"),
            "AWS::DynamoDB::Table" | "AWS::Serverless::SimpleTable" => named("TableName"),
            "AWS::Kinesis::Stream" => named("Name"),
            "AWS::SNS::Topic" => self.arn_from_name(logical_id, "TopicName", |p, r, a, n| {
                format!("arn:{p}:sns:{r}:{a}:{n}")
            }),
            "AWS::SQS::Queue" => match (
                self.known_property(logical_id, "QueueName"),
                self.region_or_unknown(),
            ) {
                (Some(name), Ok(region)) => Value::String(format!(
                    "https://sqs.{region}.amazonaws.com/{}/{name}",
                    self.pseudo.account_id
                )),
                _ => generated(),
            },
            "AWS::IAM::ManagedPolicy" => match self.known_property(logical_id, "ManagedPolicyName")
            {
                Some(name) => Value::String(format!(
                    "arn:{}:iam::{}:policy{}{name}",
                    self.pseudo.partition,
                    self.pseudo.account_id,
                    self.known_property(logical_id, "Path")
                        .unwrap_or_else(|| "/".into())
                )),
                None => generated(),
            },
            _ => generated(),
        }
    }

    fn arn_from_name(
        &self,
        logical_id: &str,
        property: &str,
        format: impl Fn(&str, &str, &str, &str) -> String,
    ) -> Value {
        match (
            self.known_property(logical_id, property),
            self.region_or_unknown(),
        ) {
            (Some(name), Ok(region)) => Value::String(format(
                &self.pseudo.partition,
                region,
                &self.pseudo.account_id,
                &name,
            )),
            _ => unknown_json(format!(
                "the physical id of {logical_id} is generated at deployment"
            )),
        }
    }

    fn get_att(&self, argument: &Node) -> Value {
        let (logical_id, attribute) = match &argument.value {
            NodeValue::Scalar(s) => match s.text.split_once('.') {
                Some((id, attr)) => (id.to_string(), attr.to_string()),
                None => return unknown_json(format!("!GetAtt {}: no attribute", s.text)),
            },
            NodeValue::Seq(items) if items.len() == 2 => {
                let attribute = self.resolve(&items[1]);
                match (items[0].as_str(), scalar_text(&attribute)) {
                    (Some(id), Some(attr)) if unknown_reason(&attribute).is_none() => {
                        (id.to_string(), attr)
                    }
                    _ => return unknown_json("!GetAtt with a computed name"),
                }
            }
            _ => return unknown_json("malformed !GetAtt"),
        };
        let Some(kind) = self.resource_type(&logical_id) else {
            return unknown_json(format!(
                "!GetAtt {logical_id}.{attribute}: no such resource"
            ));
        };
        let (partition, account) = (&self.pseudo.partition, &self.pseudo.account_id);
        let unknown = || unknown_json(format!("!GetAtt {logical_id}.{attribute}"));
        let physical = self.physical_id(&logical_id, kind);
        let Some(name) = scalar_text(&physical).filter(|_| unknown_reason(&physical).is_none())
        else {
            return unknown();
        };
        let region = match self.region_or_unknown() {
            Ok(region) => region,
            Err(unknown_region) => return unknown_region,
        };
        let text = match (kind, attribute.as_str()) {
            ("AWS::Lambda::Function" | "AWS::Serverless::Function", "Arn") => {
                format!("arn:{partition}:lambda:{region}:{account}:function:{name}")
            }
            ("AWS::IAM::Role", "Arn") => {
                let path = self
                    .known_property(&logical_id, "Path")
                    .unwrap_or_else(|| "/".into());
                format!("arn:{partition}:iam::{account}:role{path}{name}")
            }
            ("AWS::IAM::Role", "RoleId") => return unknown(),
            ("AWS::SQS::Queue", "Arn") => {
                let queue = name.rsplit('/').next().unwrap_or(&name);
                format!("arn:{partition}:sqs:{region}:{account}:{queue}")
            }
            ("AWS::SQS::Queue", "QueueName") => name.rsplit('/').next().unwrap_or(&name).into(),
            ("AWS::SQS::Queue", "QueueUrl") => name,
            ("AWS::SNS::Topic", "TopicArn") => name,
            ("AWS::SNS::Topic", "TopicName") => name.rsplit(':').next().unwrap_or(&name).into(),
            ("AWS::S3::Bucket", "Arn") => format!("arn:{partition}:s3:::{name}"),
            ("AWS::DynamoDB::Table" | "AWS::Serverless::SimpleTable", "Arn") => {
                format!("arn:{partition}:dynamodb:{region}:{account}:table/{name}")
            }
            ("AWS::Kinesis::Stream", "Arn") => {
                format!("arn:{partition}:kinesis:{region}:{account}:stream/{name}")
            }
            _ => return unknown(),
        };
        Value::String(text)
    }

    fn sub(&self, argument: &Node) -> Value {
        let (template, variables) = match &argument.value {
            NodeValue::Seq(items) if items.len() == 2 => {
                (items[0].as_str().map(str::to_string), Some(&items[1]))
            }
            NodeValue::Scalar(_) => (argument.as_str().map(str::to_string), None),
            _ => (None, None),
        };
        let Some(template) = template else {
            return unknown_json("malformed !Sub");
        };
        let mut local = BTreeMap::new();
        if let Some(entries) = variables.and_then(Node::as_map) {
            for (k, v) in entries {
                if let Some(k) = k.as_str() {
                    local.insert(k.to_string(), self.resolve(v));
                }
            }
        }
        let mut out = String::new();
        let mut rest = template.as_str();
        while let Some(start) = rest.find("${") {
            out.push_str(&rest[..start]);
            let after = &rest[start + 2..];
            let Some(end) = after.find('}') else {
                out.push_str(&rest[start..]);
                rest = "";
                break;
            };
            let name = after[..end].trim();
            rest = &after[end + 1..];
            if let Some(literal) = name.strip_prefix('!') {
                out.push_str("${");
                out.push_str(literal);
                out.push('}');
                continue;
            }
            let value = match local.get(name) {
                Some(value) => value.clone(),
                None => match name.split_once('.') {
                    Some((id, attr)) if self.resource(id).is_some() => self.get_att(&Node {
                        value: NodeValue::Scalar(crate::declared::yaml::Scalar {
                            text: format!("{id}.{attr}"),
                            plain: false,
                        }),
                        tag: None,
                        line: argument.line,
                        column: argument.column,
                    }),
                    _ => self.reference(name),
                },
            };
            if let Some(reason) = unknown_reason(&value) {
                return unknown_json(format!("!Sub ${{{name}}}: {reason}"));
            }
            match scalar_text(&value) {
                Some(text) => out.push_str(&text),
                None => return unknown_json(format!("!Sub ${{{name}}} is not a scalar")),
            }
        }
        out.push_str(rest);
        Value::String(out)
    }

    fn join(&self, argument: &Node) -> Value {
        let Some([delimiter, list]) = argument
            .as_seq()
            .and_then(|s| <&[Node; 2]>::try_from(s).ok())
        else {
            return unknown_json("malformed !Join");
        };
        let delimiter = delimiter.as_str().unwrap_or_default();
        let list = self.resolve(list);
        if let Some(reason) = first_unknown(&list) {
            return unknown_json(format!("!Join: {reason}"));
        }
        match list {
            Value::Array(items) => {
                let parts: Option<Vec<String>> = items.iter().map(scalar_text).collect();
                parts
                    .map(|p| Value::String(p.join(delimiter)))
                    .unwrap_or_else(|| unknown_json("!Join of non-scalars"))
            }
            _ => unknown_json("!Join of a non-list"),
        }
    }

    fn select(&self, argument: &Node) -> Value {
        let Some([index, list]) = argument
            .as_seq()
            .and_then(|s| <&[Node; 2]>::try_from(s).ok())
        else {
            return unknown_json("malformed !Select");
        };
        let index = self.resolve(index);
        let list = self.resolve(list);
        let Some(i) = scalar_text(&index).and_then(|t| t.parse::<usize>().ok()) else {
            return unknown_json("!Select with an unknown index");
        };
        match list {
            Value::Array(items) => items
                .get(i)
                .cloned()
                .unwrap_or_else(|| unknown_json("!Select index out of range")),
            other => unknown_reason(&other)
                .map(|r| unknown_json(format!("!Select: {r}")))
                .unwrap_or_else(|| unknown_json("!Select of a non-list")),
        }
    }

    fn split(&self, argument: &Node) -> Value {
        let Some([delimiter, text]) = argument
            .as_seq()
            .and_then(|s| <&[Node; 2]>::try_from(s).ok())
        else {
            return unknown_json("malformed !Split");
        };
        let text = self.resolve(text);
        match (delimiter.as_str(), &text) {
            (Some(d), Value::String(s)) if unknown_reason(&text).is_none() && !d.is_empty() => {
                Value::Array(s.split(d).map(|p| Value::String(p.into())).collect())
            }
            _ => unknown_json("!Split of an unknown value"),
        }
    }

    fn if_(&self, argument: &Node) -> Value {
        let Some([name, when_true, when_false]) = argument
            .as_seq()
            .and_then(|s| <&[Node; 3]>::try_from(s).ok())
        else {
            return unknown_json("malformed !If");
        };
        match name
            .as_str()
            .and_then(|n| self.conditions.get(n).copied().flatten())
        {
            Some(true) => self.resolve(when_true),
            Some(false) => self.resolve(when_false),
            None => {
                let (a, b) = (self.resolve(when_true), self.resolve(when_false));
                if a == b {
                    a
                } else {
                    unknown_json(format!(
                        "!If {} depends on unknown values",
                        name.as_str().unwrap_or_default()
                    ))
                }
            }
        }
    }

    fn find_in_map(&self, argument: &Node) -> Value {
        let Some([map, top, second]) = argument
            .as_seq()
            .and_then(|s| <&[Node; 3]>::try_from(s).ok())
        else {
            return unknown_json("malformed !FindInMap");
        };
        let keys: Vec<Value> = [map, top, second].iter().map(|k| self.resolve(k)).collect();
        let texts: Option<Vec<String>> = keys
            .iter()
            .map(|k| scalar_text(k).filter(|_| unknown_reason(k).is_none()))
            .collect();
        let Some(texts) = texts else {
            return unknown_json("!FindInMap with an unknown key");
        };
        self.mappings
            .and_then(|m| m.get(&texts[0]))
            .and_then(|m| m.get(&texts[1]))
            .and_then(|m| m.get(&texts[2]))
            .map(|v| self.resolve(v))
            .unwrap_or_else(|| unknown_json(format!("!FindInMap {}", texts.join("/"))))
    }
}

/// The intrinsic a node calls, short form (`!Sub x`) or long form (`{"Fn::Sub": x}`), with
/// its argument.
pub fn intrinsic(node: &Node) -> Option<(&str, &Node)> {
    if let Some(tag) = node.local_tag() {
        return Some((tag, node));
    }
    let [(key, value)] = node.as_map()? else {
        return None;
    };
    let key = key.as_str()?;
    if key == "Ref" || key == "Condition" {
        return Some((key, value));
    }
    key.strip_prefix("Fn::").map(|f| (f, value))
}

fn condition_reference(node: &Node) -> Option<&str> {
    match intrinsic(node) {
        Some(("Condition", argument)) => argument.as_str(),
        _ => None,
    }
}

fn wrap(function: &str, argument: &Node) -> Node {
    Node {
        value: argument.value.clone(),
        tag: Some(format!("!{function}")),
        line: argument.line,
        column: argument.column,
    }
}

fn wrap_condition(argument: &Node) -> Node {
    wrap("Condition", argument)
}

pub fn is_no_value(value: &Value) -> bool {
    value.as_str() == Some(NO_VALUE)
}

/// A scalar as CloudFormation turns it into a string (numbers and booleans included).
pub fn scalar_text(value: &Value) -> Option<String> {
    match value {
        Value::String(s) => Some(s.clone()),
        Value::Number(n) => Some(n.to_string()),
        Value::Bool(b) => Some(b.to_string()),
        _ => None,
    }
}
