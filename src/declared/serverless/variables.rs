//! Serverless Framework variables (`${source:address, fallback}`), resolved the way the
//! framework does where that needs nothing but the file and the operator's options:
//!
//! - `${self:path.to.key}`: another place in the same file, resolved in turn (a cycle or a
//!   chain deeper than [`MAX_DEPTH`] is unknown);
//! - `${opt:KEY}`: the operator's `--parameter KEY=VALUE`;
//! - `${sls:stage}`, `${aws:region}`, `${aws:accountId}`: the resolved stage and region, the
//!   audited account;
//! - `${env:X, 'default'}`: the default only. The deploy environment is never read, so
//!   without a default the value is unknown;
//! - `${ssm:…}`, `${cf:…}`, `${s3:…}`, `${file(…)}`, `${param:…}` and any other source:
//!   unknown, with the variable as the reason. A fallback is *not* used for them: the
//!   parameter, output or file most likely exists at deploy time.
//!
//! Fallbacks (`${opt:stage, self:provider.stage, 'dev'}`) are tried left to right while a
//! source has no value (an option not given, a `self:` path not set, an `env:` variable).
//! Variables embedded in strings (`arn:aws:sqs:${aws:region}:${aws:accountId}:q`) are
//! substituted; a mapping or list can only be the whole value. `${AWS::Region}`-style text
//! (a CloudFormation `Fn::Sub` placeholder) is not a framework variable and is kept as is.

use super::super::ResolveContext;
use super::super::yaml::{Node, NodeValue, Scalar};
use std::borrow::Cow;

/// Variables nested or chained deeper than this are unknown.
pub const MAX_DEPTH: usize = 64;
/// More variable evaluations (and resolved nodes) than this in one file: the rest is unknown.
pub const MAX_STEPS: usize = 200_000;

/// What a variable source gave.
enum Eval<'a> {
    Found(Cow<'a, Node>),
    /// No value here: the next fallback is tried.
    Missing(String),
    /// A value exists but cannot be known without deploying: fallbacks are not tried.
    Unknown(String),
}

pub struct Resolver<'a> {
    root: &'a Node,
    ctx: &'a ResolveContext,
    /// `Err` while being computed (so `${sls:stage}` in `provider.stage` is a cycle) or
    /// when unknown.
    stage: Result<String, String>,
    region: Result<String, String>,
    steps: usize,
    /// `self:` addresses being resolved, for cycle detection.
    active: Vec<String>,
}

impl<'a> Resolver<'a> {
    /// Resolves the stage (`--parameter stage=…`, else `provider.stage`, else `dev`) and the
    /// region (`--parameter region=…`, else `provider.region`, else `us-east-1`).
    pub fn new(root: &'a Node, ctx: &'a ResolveContext) -> Self {
        let mut resolver = Resolver {
            root,
            ctx,
            stage: Err("the stage depends on itself".into()),
            region: Err("the region depends on itself".into()),
            steps: 0,
            active: Vec::new(),
        };
        let provider = root.get("provider");
        resolver.stage = match ctx.parameters.get("stage") {
            Some(stage) => Ok(stage.clone()),
            None => match provider.and_then(|p| p.get("stage")) {
                Some(node) if !node.is_null() => resolver.string(node),
                _ => Ok("dev".to_string()),
            },
        };
        resolver.region = match ctx.parameters.get("region") {
            Some(region) => Ok(region.clone()),
            None => match provider.and_then(|p| p.get("region")) {
                Some(node) if !node.is_null() => resolver.string(node),
                _ => Ok("us-east-1".to_string()),
            },
        };
        resolver
    }

    pub fn stage(&self) -> Result<&str, &str> {
        self.stage.as_deref().map_err(String::as_str)
    }

    pub fn region(&self) -> Result<&str, &str> {
        self.region.as_deref().map_err(String::as_str)
    }

    /// The node with the variables of its own value resolved; a mapping or list keeps its
    /// children as written (resolve them with [`Resolver::shallow`] or [`Resolver::deep`]).
    /// `Err`: the reason it is unknown.
    pub fn shallow<'n>(&mut self, node: &'n Node) -> Result<Cow<'n, Node>, String>
    where
        'a: 'n,
    {
        self.shallow_at(node, 0)
    }

    /// The node with every variable inside it resolved.
    pub fn deep(&mut self, node: &Node) -> Result<Node, String> {
        self.deep_at(node, 0)
    }

    /// A scalar value as text (numbers and booleans as written); a null, mapping or list is
    /// an error.
    pub fn string(&mut self, node: &Node) -> Result<String, String> {
        let resolved = self.shallow(node)?;
        scalar_text(&resolved).ok_or_else(|| describe_non_scalar(&resolved))
    }

    fn step(&mut self) -> Result<(), String> {
        self.steps += 1;
        if self.steps > MAX_STEPS {
            Err(format!(
                "more than {MAX_STEPS} variable evaluations in this file"
            ))
        } else {
            Ok(())
        }
    }

    fn shallow_at<'n>(&mut self, node: &'n Node, depth: usize) -> Result<Cow<'n, Node>, String>
    where
        'a: 'n,
    {
        let NodeValue::Scalar(scalar) = &node.value else {
            return Ok(Cow::Borrowed(node));
        };
        if !scalar.text.contains("${") {
            return Ok(Cow::Borrowed(node));
        }
        let segments = split_segments(&scalar.text)?;
        if !segments.iter().any(|s| matches!(s, Segment::Var(_))) {
            return Ok(Cow::Borrowed(node));
        }
        if let [Segment::Var(inner)] = segments.as_slice() {
            return match self.eval_var(inner, depth + 1)? {
                Eval::Found(found) => Ok(found),
                Eval::Missing(reason) | Eval::Unknown(reason) => Err(reason),
            };
        }
        let mut text = String::new();
        for segment in &segments {
            match segment {
                Segment::Lit(lit) => text.push_str(lit),
                Segment::Var(inner) => text.push_str(&self.embedded(inner, depth + 1)?),
            }
        }
        Ok(Cow::Owned(Node {
            value: NodeValue::Scalar(Scalar { text, plain: false }),
            tag: node.tag.clone(),
            line: node.line,
            column: node.column,
        }))
    }

    fn deep_at(&mut self, node: &Node, depth: usize) -> Result<Node, String> {
        if depth > MAX_DEPTH {
            return Err(format!("values nested deeper than {MAX_DEPTH} levels"));
        }
        self.step()?;
        let resolved = self.shallow_at(node, depth)?;
        let value = match &resolved.value {
            NodeValue::Scalar(_) => return Ok(resolved.into_owned()),
            NodeValue::Seq(items) => NodeValue::Seq(
                items
                    .iter()
                    .map(|item| self.deep_at(item, depth + 1))
                    .collect::<Result<_, _>>()?,
            ),
            NodeValue::Map(entries) => NodeValue::Map(
                entries
                    .iter()
                    .map(|(k, v)| Ok((self.deep_at(k, depth + 1)?, self.deep_at(v, depth + 1)?)))
                    .collect::<Result<_, String>>()?,
            ),
        };
        Ok(Node {
            value,
            tag: resolved.tag.clone(),
            line: resolved.line,
            column: resolved.column,
        })
    }

    /// A variable inside a longer string: it must give a scalar.
    fn embedded(&mut self, inner: &str, depth: usize) -> Result<String, String> {
        match self.eval_var(inner, depth)? {
            Eval::Found(node) => scalar_text(&node).ok_or_else(|| {
                format!(
                    "`${{{inner}}}` is {}, inside a string",
                    describe_non_scalar(&node)
                )
            }),
            Eval::Missing(reason) | Eval::Unknown(reason) => Err(reason),
        }
    }

    /// `inner`: the text between `${` and `}`.
    fn eval_var(&mut self, inner: &str, depth: usize) -> Result<Eval<'a>, String> {
        if depth > MAX_DEPTH {
            return Err(format!("variables nested deeper than {MAX_DEPTH} levels"));
        }
        self.step()?;
        let operands = split_operands(inner);
        let mut missing = None;
        for operand in operands {
            match self.eval_operand(operand.trim(), depth + 1)? {
                Eval::Missing(reason) => missing = Some(reason),
                other => return Ok(other),
            }
        }
        Ok(Eval::Missing(
            missing.unwrap_or_else(|| format!("`${{{inner}}}` is empty")),
        ))
    }

    fn eval_operand(&mut self, operand: &str, depth: usize) -> Result<Eval<'a>, String> {
        if operand.is_empty() {
            return Err("a variable has an empty operand".into());
        }
        if let Some(literal) = unquote(operand) {
            return Ok(Eval::Found(Cow::Owned(scalar(literal, false))));
        }
        if operand.starts_with("${") {
            let segments = split_segments(operand)?;
            if let [Segment::Var(inner)] = segments.as_slice() {
                return self.eval_var(inner, depth);
            }
            return Err(format!("`{operand}` is not a variable"));
        }
        if operand.parse::<f64>().is_ok() || matches!(operand, "true" | "false" | "null") {
            return Ok(Eval::Found(Cow::Owned(scalar(operand.to_string(), true))));
        }
        let Some((source, address)) = split_source(operand) else {
            // An unquoted word as a fallback (`${opt:stage, dev}`): the word itself.
            return Ok(Eval::Found(Cow::Owned(scalar(operand.to_string(), false))));
        };
        // Variables in the address (`self:custom.${opt:stage}.memory`) come first.
        let address: String = if address.contains("${") {
            let mut text = String::new();
            for segment in split_segments(address)? {
                match segment {
                    Segment::Lit(lit) => text.push_str(&lit),
                    Segment::Var(inner) => match self.embedded(&inner, depth + 1) {
                        Ok(value) => text.push_str(&value),
                        Err(reason) => return Ok(Eval::Unknown(reason)),
                    },
                }
            }
            text
        } else {
            address.to_string()
        };
        let address = address.trim();
        let found = |text: &str| Ok(Eval::Found(Cow::Owned(scalar(text.to_string(), false))));
        match source {
            "self" => self.lookup_self(address, depth + 1),
            "opt" => match self.ctx.parameters.get(address) {
                Some(value) => found(value),
                None => Ok(Eval::Missing(format!(
                    "`${{opt:{address}}}` needs `--parameter {address}=VALUE`"
                ))),
            },
            "sls" if address == "stage" => match &self.stage {
                Ok(stage) => found(&stage.clone()),
                Err(reason) => Ok(Eval::Unknown(reason.clone())),
            },
            "aws" if address == "region" => match &self.region {
                Ok(region) => found(&region.clone()),
                Err(reason) => Ok(Eval::Unknown(reason.clone())),
            },
            "aws" if address == "accountId" => {
                if self.ctx.account_id.is_empty() {
                    Ok(Eval::Unknown("the account id is not known".into()))
                } else {
                    found(&self.ctx.account_id.clone())
                }
            }
            "env" => Ok(Eval::Missing(format!(
                "`${{env:{address}}}` comes from the deploy environment, which is not read"
            ))),
            _ => Ok(Eval::Unknown(format!(
                "`${{{operand}}}` is resolved by the framework at deploy time"
            ))),
        }
    }

    /// `${self:a.b.0.c}`: walks the file, resolving each step.
    fn lookup_self(&mut self, address: &str, depth: usize) -> Result<Eval<'a>, String> {
        if self.active.iter().any(|a| a == address) {
            let mut chain = self.active.clone();
            chain.push(address.to_string());
            return Ok(Eval::Unknown(format!(
                "`self:` variables form a cycle: {}",
                chain.join(" → ")
            )));
        }
        self.active.push(address.to_string());
        let result = self.walk_self(address, depth);
        self.active.pop();
        result
    }

    fn walk_self(&mut self, address: &str, depth: usize) -> Result<Eval<'a>, String> {
        let root: &'a Node = self.root;
        let mut current: Cow<'a, Node> = Cow::Borrowed(root);
        for key in address.split('.').filter(|k| !k.is_empty()) {
            current = match current {
                Cow::Borrowed(node) => match self.shallow_at(node, depth + 1) {
                    Err(reason) => return Ok(Eval::Unknown(reason)),
                    Ok(resolved) => match resolved {
                        Cow::Borrowed(node) => match child(node, key) {
                            Some(next) => Cow::Borrowed(next),
                            None => return Ok(not_set(address)),
                        },
                        Cow::Owned(node) => match child(&node, key) {
                            Some(next) => Cow::Owned(next.clone()),
                            None => return Ok(not_set(address)),
                        },
                    },
                },
                Cow::Owned(node) => {
                    let resolved = match self.shallow_at(&node, depth + 1) {
                        Err(reason) => return Ok(Eval::Unknown(reason)),
                        Ok(resolved) => resolved.into_owned(),
                    };
                    match child(&resolved, key) {
                        Some(next) => Cow::Owned(next.clone()),
                        None => return Ok(not_set(address)),
                    }
                }
            };
        }
        let resolved = match current {
            Cow::Borrowed(node) => self.shallow_at(node, depth + 1),
            Cow::Owned(node) => self
                .shallow_at(&node, depth + 1)
                .map(|n| Cow::Owned(n.into_owned())),
        };
        match resolved {
            Ok(node) if node.is_null() => Ok(not_set(address)),
            Ok(node) => Ok(Eval::Found(node)),
            Err(reason) => Ok(Eval::Unknown(reason)),
        }
    }
}

fn not_set<'a>(address: &str) -> Eval<'a> {
    Eval::Missing(format!("`${{self:{address}}}` is not set in the file"))
}

fn child<'n>(node: &'n Node, key: &str) -> Option<&'n Node> {
    match &node.value {
        NodeValue::Map(_) => node.get(key),
        NodeValue::Seq(items) => key.parse::<usize>().ok().and_then(|i| items.get(i)),
        NodeValue::Scalar(_) => None,
    }
}

fn scalar(text: String, plain: bool) -> Node {
    Node {
        value: NodeValue::Scalar(Scalar { text, plain }),
        tag: None,
        line: 0,
        column: 0,
    }
}

/// A scalar's text; `None` for null, mappings and lists.
pub fn scalar_text(node: &Node) -> Option<String> {
    node.as_str().map(str::to_string)
}

pub fn describe_non_scalar(node: &Node) -> String {
    match &node.value {
        NodeValue::Map(_) => "a mapping".into(),
        NodeValue::Seq(_) => "a list".into(),
        NodeValue::Scalar(_) => "empty".into(),
    }
}

fn unquote(operand: &str) -> Option<String> {
    let bytes = operand.as_bytes();
    if bytes.len() >= 2 {
        let (first, last) = (bytes[0], bytes[bytes.len() - 1]);
        if (first == b'\'' || first == b'"') && first == last {
            return Some(operand[1..operand.len() - 1].to_string());
        }
    }
    None
}

/// `ssm(us-east-1):/a/b` → (`ssm`, `/a/b`); `file(./x.yml)` → (`file`, ``). `None` when
/// the text does not start with a source name.
fn split_source(operand: &str) -> Option<(&str, &str)> {
    let name_end = operand
        .find(|c: char| !c.is_ascii_alphanumeric())
        .unwrap_or(operand.len());
    if name_end == 0 || !operand.as_bytes()[0].is_ascii_alphabetic() {
        return None;
    }
    let (name, rest) = operand.split_at(name_end);
    let rest = if let Some(params) = rest.strip_prefix('(') {
        let close = params.find(')')?;
        &params[close + 1..]
    } else if rest.is_empty() {
        return None;
    } else {
        rest
    };
    if rest.is_empty() && operand.len() > name_end {
        return Some((name, ""));
    }
    let address = rest.strip_prefix(':')?;
    if address.starts_with(':') {
        return None;
    }
    Some((name, address))
}

#[derive(Debug, PartialEq)]
enum Segment {
    Lit(String),
    /// The text between `${` and its `}`.
    Var(String),
}

/// Whether the text after `${` starts a framework variable (`self:`, `file(`), as opposed
/// to a CloudFormation `${AWS::Region}` or `${LogicalId}` placeholder.
fn starts_variable(rest: &str) -> bool {
    if rest.starts_with("${") {
        return true;
    }
    let name_end = rest
        .find(|c: char| !c.is_ascii_alphanumeric())
        .unwrap_or(rest.len());
    if name_end == 0 || !rest.as_bytes()[0].is_ascii_alphabetic() {
        return false;
    }
    let after = &rest[name_end..];
    after.starts_with('(') || (after.starts_with(':') && !after.starts_with("::"))
}

fn split_segments(text: &str) -> Result<Vec<Segment>, String> {
    let mut segments = Vec::new();
    let mut literal = String::new();
    let mut rest = text;
    while let Some(start) = rest.find("${") {
        literal.push_str(&rest[..start]);
        let after = &rest[start + 2..];
        if !starts_variable(after) {
            literal.push_str("${");
            rest = after;
            continue;
        }
        let end = matching_close(after)
            .ok_or_else(|| format!("`{text}` has a variable without its closing `}}`"))?;
        if !literal.is_empty() {
            segments.push(Segment::Lit(std::mem::take(&mut literal)));
        }
        segments.push(Segment::Var(after[..end].to_string()));
        rest = &after[end + 1..];
    }
    literal.push_str(rest);
    if !literal.is_empty() {
        segments.push(Segment::Lit(literal));
    }
    Ok(segments)
}

/// The byte offset of the `}` closing a variable whose body starts `text`.
fn matching_close(text: &str) -> Option<usize> {
    let bytes = text.as_bytes();
    let mut depth = 0usize;
    let mut quote: Option<u8> = None;
    let mut i = 0;
    while i < bytes.len() {
        let b = bytes[i];
        match quote {
            Some(q) if b == q => quote = None,
            Some(_) => {}
            None => match b {
                b'\'' | b'"' => quote = Some(b),
                b'$' if bytes.get(i + 1) == Some(&b'{') => {
                    depth += 1;
                    i += 1;
                }
                b'}' if depth == 0 => return Some(i),
                b'}' => depth -= 1,
                _ => {}
            },
        }
        i += 1;
    }
    None
}

/// Splits a variable body on its top-level commas (not inside nested variables, parentheses
/// or quotes).
fn split_operands(inner: &str) -> Vec<&str> {
    let bytes = inner.as_bytes();
    let mut operands = Vec::new();
    let (mut braces, mut parens) = (0usize, 0usize);
    let mut quote: Option<u8> = None;
    let mut start = 0;
    for (i, &b) in bytes.iter().enumerate() {
        match quote {
            Some(q) if b == q => quote = None,
            Some(_) => {}
            None => match b {
                b'\'' | b'"' => quote = Some(b),
                b'{' => braces += 1,
                b'}' => braces = braces.saturating_sub(1),
                b'(' => parens += 1,
                b')' => parens = parens.saturating_sub(1),
                b',' if braces == 0 && parens == 0 => {
                    operands.push(&inner[start..i]);
                    start = i + 1;
                }
                _ => {}
            },
        }
    }
    operands.push(&inner[start..]);
    operands
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::declared::yaml;
    use std::collections::BTreeMap;

    fn ctx(params: &[(&str, &str)]) -> ResolveContext {
        ResolveContext {
            account_id: "111122223333".into(),
            partition: "aws".into(),
            default_region: Some("eu-west-1".into()),
            parameters: params
                .iter()
                .map(|(k, v)| (k.to_string(), v.to_string()))
                .collect::<BTreeMap<_, _>>(),
            deployed_stacks: Vec::new(),
        }
    }

    /// Resolves `custom.value` of `doc` to a string.
    fn resolve(doc: &str, params: &[(&str, &str)]) -> Result<String, String> {
        let root = yaml::parse(doc).expect("test YAML parses");
        let ctx = ctx(params);
        let mut resolver = Resolver::new(&root, &ctx);
        let node = root
            .get("custom")
            .and_then(|c| c.get("value"))
            .expect("custom.value");
        resolver.string(node)
    }

    #[test]
    fn stage_and_region_defaults_and_overrides() {
        let root = yaml::parse("service: s\nprovider:\n  stage: ${opt:stage, 'qa'}\n").unwrap();
        let c = ctx(&[]);
        let r = Resolver::new(&root, &c);
        assert_eq!(r.stage(), Ok("qa"));
        assert_eq!(r.region(), Ok("us-east-1"));
        let c = ctx(&[("stage", "prod"), ("region", "eu-central-1")]);
        let r = Resolver::new(&root, &c);
        assert_eq!(r.stage(), Ok("prod"));
        assert_eq!(r.region(), Ok("eu-central-1"));
        let root = yaml::parse("service: s\nprovider:\n  name: aws\n").unwrap();
        let c = ctx(&[]);
        assert_eq!(Resolver::new(&root, &c).stage(), Ok("dev"));
    }

    #[test]
    fn nested_defaults() {
        let doc = "custom:\n  value: ${opt:stage, ${env:STAGE, ${self:custom.fallback}}}\n  fallback: beta\n";
        assert_eq!(resolve(doc, &[]), Ok("beta".into()));
        assert_eq!(resolve(doc, &[("stage", "prod")]), Ok("prod".into()));
        let doc = "custom:\n  value: ${opt:stage, self:custom.missing, \"last\"}\n";
        assert_eq!(resolve(doc, &[]), Ok("last".into()));
        let doc = "custom:\n  value: ${opt:memory, 512}\n";
        assert_eq!(resolve(doc, &[]), Ok("512".into()));
    }

    #[test]
    fn self_chains_and_variable_addresses() {
        let doc = "custom:\n  value: ${self:custom.a}\n  a: ${self:custom.b}\n  b: ${self:custom.sizes.${sls:stage}}\n  sizes:\n    dev: small\n    prod: large\n";
        assert_eq!(resolve(doc, &[]), Ok("small".into()));
        assert_eq!(resolve(doc, &[("stage", "prod")]), Ok("large".into()));
        let doc = "custom:\n  value: ${self:custom.list.1}\n  list: [a, b]\n";
        assert_eq!(resolve(doc, &[]), Ok("b".into()));
    }

    #[test]
    fn cycles_are_unknown() {
        let doc =
            "custom:\n  value: ${self:custom.a}\n  a: ${self:custom.b}\n  b: ${self:custom.a}\n";
        let reason = resolve(doc, &[]).unwrap_err();
        assert!(reason.contains("cycle"), "{reason}");
        let doc = "custom:\n  value: ${self:custom.value}\n";
        assert!(resolve(doc, &[]).unwrap_err().contains("cycle"));
        let doc = "custom:\n  value: ${self:custom}\n";
        assert!(resolve(doc, &[]).is_err());
        // A mapping that contains itself: bounded, never a stack overflow.
        let root = yaml::parse("custom:\n  a:\n    x: ${self:custom.a}\n").unwrap();
        let c = ctx(&[]);
        let mut r = Resolver::new(&root, &c);
        let a = root.get("custom").and_then(|c| c.get("a")).unwrap();
        assert!(r.deep(a).is_err());
    }

    #[test]
    fn provider_stage_from_sls_stage_is_a_cycle_not_a_hang() {
        let root = yaml::parse("provider:\n  stage: ${sls:stage}\n").unwrap();
        let c = ctx(&[]);
        assert!(Resolver::new(&root, &c).stage().is_err());
    }

    #[test]
    fn embedded_variables() {
        let doc = "provider:\n  region: eu-west-1\ncustom:\n  value: arn:aws:sqs:${aws:region}:${aws:accountId}:q-${sls:stage}\n";
        assert_eq!(
            resolve(doc, &[("stage", "prod")]),
            Ok("arn:aws:sqs:eu-west-1:111122223333:q-prod".into())
        );
        // A CloudFormation Fn::Sub placeholder is left for CloudFormation.
        let doc =
            "custom:\n  value: arn:aws:s3:::${AWS::Region}-${self:custom.b}-${Bucket}\n  b: x\n";
        assert_eq!(
            resolve(doc, &[]),
            Ok("arn:aws:s3:::${AWS::Region}-x-${Bucket}".into())
        );
        let doc = "custom:\n  value: q-${self:custom.m}\n  m: {a: 1}\n";
        assert!(resolve(doc, &[]).unwrap_err().contains("mapping"));
        let doc = "custom:\n  value: q-${self:custom.m\n";
        assert!(resolve(doc, &[]).unwrap_err().contains("closing"));
    }

    #[test]
    fn unknown_sources() {
        for (value, needle) in [
            ("${ssm:/app/key}", "ssm:/app/key"),
            ("${ssm:/app/key, 'fallback'}", "ssm:/app/key"),
            ("${cf:other-stack.Output}", "cf:other-stack.Output"),
            ("${file(./config.yml):key}", "file(./config.yml):key"),
            ("${s3:bucket/key}", "s3:bucket/key"),
            ("${param:secret}", "param:secret"),
            ("${env:HOME}", "deploy environment"),
            ("${opt:nope}", "--parameter nope"),
            ("${self:custom.absent}", "not set"),
            ("prefix-${ssm:/x}", "ssm:/x"),
        ] {
            let doc = format!("custom:\n  value: \"{value}\"\n");
            let reason = resolve(&doc, &[]).unwrap_err();
            assert!(reason.contains(needle), "{value}: {reason}");
        }
        let doc = "custom:\n  value: ${env:LOG_LEVEL, 'info'}\n";
        assert_eq!(resolve(doc, &[]), Ok("info".into()));
    }

    #[test]
    fn whole_value_variables_keep_structure() {
        let root = yaml::parse(
            "custom:\n  env:\n    A: ${self:custom.a}\n    B: ${ssm:/b}\n  a: 1\nvalue: ${self:custom.env}\n",
        )
        .unwrap();
        let c = ctx(&[]);
        let mut r = Resolver::new(&root, &c);
        let value = r.shallow(root.get("value").unwrap()).unwrap().into_owned();
        let a = value.get("A").unwrap();
        assert_eq!(r.string(a), Ok("1".into()));
        assert!(r.string(value.get("B").unwrap()).is_err());
        assert!(r.deep(&value).is_err());
    }

    #[test]
    fn exponential_references_are_bounded() {
        let mut doc = String::from("custom:\n  l0: [x, x, x, x, x, x, x, x]\n");
        for i in 1..12 {
            let p = i - 1;
            doc.push_str(&format!(
                "  l{i}: ['${{self:custom.l{p}}}', '${{self:custom.l{p}}}', '${{self:custom.l{p}}}', '${{self:custom.l{p}}}']\n"
            ));
        }
        let root = yaml::parse(&doc).unwrap();
        let c = ctx(&[]);
        let mut r = Resolver::new(&root, &c);
        let top = root.get("custom").and_then(|c| c.get("l11")).unwrap();
        assert!(r.deep(top).unwrap_err().contains("evaluations"));
    }
}
