//! Serverless Framework (v3/v4) `serverless.yml` files: the functions with the provider
//! defaults applied, what their events imply (resource-policy grants, event source
//! mappings), and the framework's shared execution role.
//!
//! Variables are resolved by [`variables::Resolver`]; what cannot be resolved without
//! deploying is `Unknown`, never guessed. The `resources:` section (raw CloudFormation) is
//! not read: a function whose role is declared there refers to it as unknown, with a note.

mod variables;

use super::yaml::{Node, NodeValue};
use super::{
    Declared, DeclaredCors, DeclaredError, DeclaredEstate, DeclaredEventSource, DeclaredFunction,
    DeclaredInlinePolicy, DeclaredOrigin, DeclaredPermission, DeclaredRole, DeclaredRoleRef,
    DeclaredSource, DeclaredUrl, DeclaredVpc, Location, ResolveContext, SecretText, SourceFormat,
};
use std::borrow::Cow;
use std::collections::BTreeMap;
use variables::Resolver;

/// The framework's defaults (v3 and v4 agree on these).
const DEFAULT_MEMORY_MB: i32 = 1024;
const DEFAULT_TIMEOUT_SECONDS: i32 = 6;
const DEFAULT_ARCHITECTURE: &str = "x86_64";
/// The logical id of the role the framework generates for functions without their own.
const FRAMEWORK_ROLE: &str = "IamRoleLambdaExecution";

/// Reads a Serverless Framework file (already detected as one).
pub fn parse(
    file: &str,
    root: &Node,
    ctx: &ResolveContext,
) -> Result<DeclaredEstate, DeclaredError> {
    Parser::new(file, root, ctx).run()
}

struct Parser<'a> {
    file: &'a str,
    root: &'a Node,
    ctx: &'a ResolveContext,
    vars: Resolver<'a>,
    notes: Vec<String>,
    partition: String,
}

/// What the functions need from the file's top level.
struct Common<'p> {
    service: Declared<String>,
    stage: Declared<String>,
    region: Declared<String>,
    stack_name: Option<String>,
    provider: Option<Cow<'p, Node>>,
    role_key: String,
}

fn err(file: &str, node: &Node, message: impl Into<String>) -> DeclaredError {
    DeclaredError {
        location: Location::at(file, node.line, node.column),
        message: message.into(),
    }
}

/// The key and value nodes of `key` in a mapping (the last one when repeated).
fn entry<'n>(node: &'n Node, key: &str) -> Option<(&'n Node, &'n Node)> {
    node.as_map()?
        .iter()
        .rev()
        .find(|(k, _)| k.as_str() == Some(key))
        .map(|(k, v)| (k, v))
}

impl<'a> Parser<'a> {
    fn new(file: &'a str, root: &'a Node, ctx: &'a ResolveContext) -> Self {
        Parser {
            file,
            root,
            ctx,
            vars: Resolver::new(root, ctx),
            notes: Vec::new(),
            partition: if ctx.partition.is_empty() {
                "aws".to_string()
            } else {
                ctx.partition.clone()
            },
        }
    }

    fn loc(&self, node: &Node) -> Location {
        Location::at(self.file, node.line, node.column)
    }

    fn run(mut self) -> Result<DeclaredEstate, DeclaredError> {
        let root = self.root;
        if root.as_map().is_none() {
            return Err(err(self.file, root, "a Serverless file must be a mapping"));
        }
        let provider: Option<Cow<'a, Node>> = match root.get("provider") {
            None => None,
            Some(node) if node.is_null() => None,
            Some(node) => match self.vars.shallow(node) {
                Ok(p) if p.as_map().is_some() => Some(p),
                Ok(p) if p.as_str().is_some() => {
                    // `provider: aws` (very old syntax): no defaults.
                    None
                }
                Ok(_) => return Err(err(self.file, node, "`provider` must be a mapping")),
                Err(reason) => {
                    self.notes.push(format!(
                        "the provider section is unknown ({reason}); defaults not applied"
                    ));
                    None
                }
            },
        };
        let service = match root.get("service") {
            Some(node) => {
                let resolved = self.vars.shallow(node).map(Cow::into_owned);
                match resolved {
                    Ok(n) if n.as_map().is_some() => match n.get("name") {
                        Some(name) => known_or(self.vars.string(name)),
                        None => return Err(err(self.file, node, "`service` has no `name`")),
                    },
                    Ok(n) => match n.as_str() {
                        Some(s) => Declared::Known(s.to_string()),
                        None => return Err(err(self.file, node, "`service` must be a name")),
                    },
                    Err(reason) => Declared::Unknown(reason),
                }
            }
            None => Declared::Unknown("the file names no service".into()),
        };
        let stage = known_or(
            self.vars
                .stage()
                .map(str::to_string)
                .map_err(str::to_string),
        );
        let region = known_or(
            self.vars
                .region()
                .map(str::to_string)
                .map_err(str::to_string),
        );
        let stack_name = match provider.as_deref().and_then(|p| p.get("stackName")) {
            Some(node) => self.vars.string(node).ok(),
            None => match (&service, &stage) {
                (Declared::Known(service), Declared::Known(stage)) => {
                    Some(format!("{service}-{stage}"))
                }
                _ => None,
            },
        };
        let common = Common {
            service,
            stage,
            region,
            stack_name,
            provider,
            role_key: format!("{}#{FRAMEWORK_ROLE}", self.file),
        };

        let mut estate = DeclaredEstate::default();
        for (key, node) in self.function_entries()? {
            let function = self.function(&common, key, &node)?;
            estate.functions.push(function);
        }
        let uses_framework_role = estate.functions.iter().any(
            |f| matches!(&f.role, DeclaredRoleRef::Declared { key } if *key == common.role_key),
        );
        if uses_framework_role {
            let role = self.framework_role(&common, &estate.functions);
            estate.roles.push(role);
        }
        if root.get("resources").is_some() {
            self.notes.push(
                "the `resources:` section (raw CloudFormation) is not read nor compared".into(),
            );
        }
        if estate.functions.is_empty() {
            self.notes.push("no functions declared".into());
        }
        estate.sources.push(DeclaredSource {
            file: self.file.to_string(),
            format: SourceFormat::Serverless,
            stack_name: common.stack_name.clone(),
            stack_evidence: common
                .stack_name
                .as_ref()
                .map(|_| "service and stage of the Serverless file".to_string()),
            functions: estate.functions.len(),
            notes: std::mem::take(&mut self.notes),
        });
        Ok(estate)
    }

    /// `functions:` as (key node, function node) pairs; a list of mappings is merged as the
    /// framework does.
    fn function_entries(&mut self) -> Result<Vec<(Node, Node)>, DeclaredError> {
        let Some(node) = self.root.get("functions") else {
            return Ok(Vec::new());
        };
        if node.is_null() {
            return Ok(Vec::new());
        }
        let resolved = match self.vars.shallow(node) {
            Ok(resolved) => resolved.into_owned(),
            Err(reason) => {
                self.notes.push(format!(
                    "`functions` could not be read ({reason}): none compared"
                ));
                return Ok(Vec::new());
            }
        };
        let mut entries: Vec<(Node, Node)> = Vec::new();
        let mut add = |map: &[(Node, Node)]| {
            for (k, v) in map {
                entries.retain(|(existing, _)| existing.as_str() != k.as_str());
                entries.push((k.clone(), v.clone()));
            }
        };
        match &resolved.value {
            NodeValue::Map(map) => add(map),
            NodeValue::Seq(items) => {
                for item in items {
                    match self.vars.shallow(item) {
                        Ok(part) => match part.as_map() {
                            Some(map) => add(map),
                            None if part.is_null() => {}
                            None => {
                                return Err(err(
                                    self.file,
                                    item,
                                    "each item of `functions` must be a mapping of functions",
                                ));
                            }
                        },
                        Err(reason) => self.notes.push(format!(
                            "functions at line {} could not be read ({reason}): not compared",
                            item.line
                        )),
                    }
                }
            }
            NodeValue::Scalar(_) => {
                return Err(err(
                    self.file,
                    node,
                    "`functions` must be a mapping of functions",
                ));
            }
        }
        Ok(entries)
    }

    /// A value of the function, else of the provider: (value, key node for the location).
    fn setting<'n>(
        function: &'n Node,
        provider: Option<&'n Node>,
        key: &str,
    ) -> Option<(&'n Node, &'n Node)> {
        entry(function, key)
            .filter(|(_, v)| !v.is_null())
            .or_else(|| {
                provider
                    .and_then(|p| entry(p, key))
                    .filter(|(_, v)| !v.is_null())
            })
    }

    fn function(
        &mut self,
        common: &Common<'_>,
        key_node: Node,
        node: &Node,
    ) -> Result<DeclaredFunction, DeclaredError> {
        let key = key_node
            .as_str()
            .ok_or_else(|| err(self.file, &key_node, "a function key must be a name"))?
            .to_string();
        let location = self.loc(&key_node);
        let provider = common.provider.as_deref();
        let origin = DeclaredOrigin {
            format: SourceFormat::Serverless,
            key: key.clone(),
            stack_name: common.stack_name.clone(),
            location: location.clone(),
        };
        let region = common.region.known().cloned();
        let function = match self.vars.shallow(node) {
            Ok(f) if f.as_map().is_some() => f.into_owned(),
            Ok(_) => {
                return Err(err(
                    self.file,
                    node,
                    format!("function `{key}` must be a mapping"),
                ));
            }
            Err(reason) => {
                self.notes.push(format!(
                    "function `{key}` could not be read ({reason}): its settings are unknown"
                ));
                return Ok(unknown_function(origin, region, &reason));
            }
        };
        let f = &function;
        let mut locations = BTreeMap::new();
        let file = self.file;
        let at = |name: &str, node: &Node, locations: &mut BTreeMap<String, Location>| {
            locations.insert(name.to_string(), Location::at(file, node.line, node.column));
        };

        let name = match entry(f, "name").filter(|(_, v)| !v.is_null()) {
            Some((_, n)) => known_or(self.vars.string(n)),
            None => match (&common.service, &common.stage) {
                (Declared::Known(service), Declared::Known(stage)) => {
                    Declared::Known(format!("{service}-{stage}-{key}"))
                }
                (Declared::Unknown(reason), _) | (_, Declared::Unknown(reason)) => {
                    Declared::Unknown(reason.clone())
                }
            },
        };

        let image = entry(f, "image").filter(|(_, v)| !v.is_null());
        let (runtime, handler) = if image.is_some() {
            (Declared::Known(None), Declared::Known(None))
        } else {
            let runtime = match Self::setting(f, provider, "runtime") {
                Some((k, v)) => {
                    at("runtime", k, &mut locations);
                    known_or(self.vars.string(v)).map(Some)
                }
                None => Declared::Unknown(
                    "no runtime set: the framework's default depends on its version".into(),
                ),
            };
            let handler = match entry(f, "handler").filter(|(_, v)| !v.is_null()) {
                Some((k, v)) => {
                    at("handler", k, &mut locations);
                    known_or(self.vars.string(v)).map(Some)
                }
                None => Declared::Unknown("the function has neither `handler` nor `image`".into()),
            };
            (runtime, handler)
        };

        let integer = |this: &mut Self,
                       key: &str,
                       attr: &str,
                       default: i32,
                       locations: &mut BTreeMap<String, Location>| {
            match Self::setting(f, provider, key) {
                Some((k, v)) => {
                    locations.insert(attr.to_string(), this.loc(k));
                    this.integer(v)
                }
                None => Declared::Known(default),
            }
        };
        let memory_mb = integer(
            self,
            "memorySize",
            "memory",
            DEFAULT_MEMORY_MB,
            &mut locations,
        );
        let timeout_seconds = integer(
            self,
            "timeout",
            "timeout",
            DEFAULT_TIMEOUT_SECONDS,
            &mut locations,
        );

        let architectures = match Self::setting(f, provider, "architecture") {
            Some((k, v)) => {
                at("architectures", k, &mut locations);
                known_or(self.vars.string(v)).map(|a| vec![a])
            }
            None => Declared::Known(vec![DEFAULT_ARCHITECTURE.to_string()]),
        };

        let environment = self.environment(f, provider, &mut locations);

        let layers = match Self::setting(f, provider, "layers") {
            Some((k, v)) => {
                at("layers", k, &mut locations);
                self.string_list(v, "layers")
            }
            None => Declared::Known(Vec::new()),
        };

        let vpc = match Self::setting(f, provider, "vpc") {
            Some((k, v)) => {
                at("vpc", k, &mut locations);
                self.vpc(v)
            }
            None => Declared::Known(None),
        };

        let tracing_mode = self.tracing(f, provider, &mut locations);

        let reserved_concurrency =
            match entry(f, "reservedConcurrency").filter(|(_, v)| !v.is_null()) {
                Some((k, v)) => {
                    at("reserved_concurrency", k, &mut locations);
                    self.integer(v).map(Some)
                }
                None => Declared::Known(None),
            };

        let role = self.role_ref(&key, f, provider, common, &mut locations);

        // With provisioned concurrency the framework puts the URL on the `provisioned` alias.
        let qualifier = entry(f, "provisionedConcurrency")
            .filter(|(_, v)| !v.is_null() && v.as_i64() != Some(0))
            .map(|_| "provisioned".to_string());
        let mut permissions = Vec::new();
        let url = match entry(f, "url").filter(|(_, v)| !v.is_null()) {
            Some((k, v)) => {
                at("url", k, &mut locations);
                self.url(v, self.loc(k), qualifier.clone(), &mut permissions)
            }
            None => Declared::Known(None),
        };

        let mut function = DeclaredFunction {
            origin,
            name,
            region,
            runtime,
            handler,
            timeout_seconds,
            memory_mb,
            architectures,
            role,
            environment,
            layers,
            vpc,
            tracing_mode,
            reserved_concurrency,
            url,
            permissions,
            event_sources: Vec::new(),
            permissions_complete: true,
            event_sources_complete: true,
            attribute_locations: locations,
        };
        if let Some((_, events)) = entry(f, "events").filter(|(_, v)| !v.is_null()) {
            self.events(&key, events, common, &mut function)?;
        }
        Ok(function)
    }

    fn integer(&mut self, node: &Node) -> Declared<i32> {
        match self.vars.shallow(node) {
            Ok(n) => match n.as_i64().and_then(|i| i32::try_from(i).ok()) {
                Some(i) => Declared::Known(i),
                None => Declared::Unknown(format!(
                    "`{}` at line {} is not a whole number",
                    n.as_str().unwrap_or("?"),
                    node.line
                )),
            },
            Err(reason) => Declared::Unknown(reason),
        }
    }

    fn boolean(&mut self, node: &Node) -> Result<bool, String> {
        let n = self.vars.shallow(node)?;
        n.as_bool().ok_or_else(|| {
            format!(
                "`{}` at line {} is not true or false",
                n.as_str().unwrap_or("?"),
                node.line
            )
        })
    }

    /// A value as a string, CloudFormation pseudo parameters (`!Sub …${AWS::Region}…`,
    /// `Ref: AWS::AccountId`, `Fn::Join`) resolved; other intrinsics are unknown.
    fn value_string(&mut self, node: &Node, stack: Option<&str>) -> Result<String, String> {
        let deep = self.vars.deep(node)?;
        let evaluated = self.cfn(&deep, stack, 0)?;
        evaluated.as_str().map(str::to_string).ok_or_else(|| {
            format!(
                "the value at line {} is {}",
                node.line,
                variables::describe_non_scalar(&evaluated)
            )
        })
    }

    /// A list of strings (or one string), each resolved.
    fn string_list(&mut self, node: &Node, what: &str) -> Declared<Vec<String>> {
        let resolved = match self.vars.shallow(node) {
            Ok(n) => n.into_owned(),
            Err(reason) => return Declared::Unknown(reason),
        };
        let items: Vec<Node> = match &resolved.value {
            NodeValue::Seq(items) => items.clone(),
            NodeValue::Scalar(_) => vec![resolved.clone()],
            NodeValue::Map(_) => {
                return Declared::Unknown(format!("`{what}` at line {} is a mapping", node.line));
            }
        };
        let mut out = Vec::new();
        for item in &items {
            match self.value_string(item, None) {
                Ok(s) => out.push(s),
                Err(reason) => return Declared::Unknown(reason),
            }
        }
        Declared::Known(out)
    }

    fn environment(
        &mut self,
        f: &Node,
        provider: Option<&Node>,
        locations: &mut BTreeMap<String, Location>,
    ) -> Declared<BTreeMap<String, Declared<SecretText>>> {
        let mut env = BTreeMap::new();
        let sources = [
            provider.and_then(|p| entry(p, "environment")),
            entry(f, "environment"),
        ];
        for (k, v) in sources.into_iter().flatten() {
            if v.is_null() {
                continue;
            }
            locations.insert("environment".into(), self.loc(k));
            let map = match self.vars.shallow(v) {
                Ok(map) => map.into_owned(),
                Err(reason) => return Declared::Unknown(reason),
            };
            let Some(entries) = map.as_map() else {
                return Declared::Unknown(format!(
                    "`environment` at line {} is not a mapping",
                    v.line
                ));
            };
            for (name, value) in entries {
                let Some(name) = name.as_str() else { continue };
                let value = match self.value_string(value, None) {
                    Ok(text) => Declared::Known(SecretText::new(text)),
                    Err(reason) => Declared::Unknown(reason),
                };
                env.insert(name.to_string(), value);
            }
        }
        Declared::Known(env)
    }

    fn vpc(&mut self, node: &Node) -> Declared<Option<DeclaredVpc>> {
        let vpc = match self.vars.shallow(node) {
            Ok(v) => v.into_owned(),
            Err(reason) => return Declared::Unknown(reason),
        };
        if vpc.as_map().is_none() {
            return Declared::Unknown(format!("`vpc` at line {} is not a mapping", node.line));
        }
        let mut list = |key: &str| match vpc.get(key).filter(|v| !v.is_null()) {
            Some(v) => self.string_list(v, key),
            None => Declared::Known(Vec::new()),
        };
        let subnets = list("subnetIds");
        let groups = list("securityGroupIds");
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

    /// Function-level `tracing` (`Active`, `PassThrough`, true, false), else the provider's
    /// `tracing.lambda`; absent is `PassThrough`.
    fn tracing(
        &mut self,
        f: &Node,
        provider: Option<&Node>,
        locations: &mut BTreeMap<String, Location>,
    ) -> Declared<String> {
        let (key, value) = match entry(f, "tracing").filter(|(_, v)| !v.is_null()) {
            Some(found) => found,
            None => match provider
                .and_then(|p| p.get("tracing"))
                .and_then(|t| entry(t, "lambda"))
                .filter(|(_, v)| !v.is_null())
            {
                Some(found) => found,
                None => return Declared::Known("PassThrough".into()),
            },
        };
        locations.insert("tracing".into(), self.loc(key));
        match self.vars.shallow(value) {
            Ok(v) => match v.as_str() {
                Some("true" | "True" | "TRUE" | "Active" | "active") => {
                    Declared::Known("Active".into())
                }
                Some("false" | "False" | "FALSE" | "PassThrough" | "passthrough") => {
                    Declared::Known("PassThrough".into())
                }
                other => Declared::Unknown(format!(
                    "tracing `{}` at line {} is neither Active nor PassThrough",
                    other.unwrap_or("?"),
                    value.line
                )),
            },
            Err(reason) => Declared::Unknown(reason),
        }
    }

    fn role_ref(
        &mut self,
        key: &str,
        f: &Node,
        provider: Option<&Node>,
        common: &Common<'_>,
        locations: &mut BTreeMap<String, Location>,
    ) -> DeclaredRoleRef {
        // `provider.iam.role` may be a role (ARN or name) instead of the framework role's
        // settings.
        let provider_iam_role = provider
            .and_then(|p| p.get("iam"))
            .and_then(|iam| entry(iam, "role"))
            .filter(|(_, v)| v.as_map().is_none() && !v.is_null());
        let found = entry(f, "role")
            .filter(|(_, v)| !v.is_null())
            .or_else(|| {
                provider
                    .and_then(|p| entry(p, "role"))
                    .filter(|(_, v)| !v.is_null())
            })
            .or(provider_iam_role);
        let Some((k, v)) = found else {
            return DeclaredRoleRef::Declared {
                key: common.role_key.clone(),
            };
        };
        locations.insert("role".into(), self.loc(k));
        let resolved = match self.vars.shallow(v) {
            Ok(r) => r.into_owned(),
            Err(reason) => {
                return DeclaredRoleRef::Arn {
                    arn: Declared::Unknown(reason),
                };
            }
        };
        if let Some(text) = resolved.as_str().filter(|_| resolved.tag.is_none()) {
            if text.starts_with("arn:") {
                return DeclaredRoleRef::Arn {
                    arn: Declared::Known(text.to_string()),
                };
            }
            self.notes.push(format!(
                "function `{key}` uses role `{text}` from the `resources:` section, which is not compared"
            ));
            return DeclaredRoleRef::Unknown {
                reason: format!(
                    "role `{text}` is declared in the `resources:` section, which is not read"
                ),
            };
        }
        // An intrinsic: `Fn::GetAtt: [Role, Arn]` names a role of `resources:`; others
        // (`Fn::ImportValue`, `Fn::Sub` with pseudo parameters) are an ARN.
        if let Some(logical) = get_att_target(&resolved) {
            self.notes.push(format!(
                "function `{key}` uses role `{logical}` from the `resources:` section, which is not compared"
            ));
            return DeclaredRoleRef::Unknown {
                reason: format!(
                    "role `{logical}` is declared in the `resources:` section, which is not read"
                ),
            };
        }
        DeclaredRoleRef::Arn {
            arn: known_or(self.value_string(&resolved, common.stack_name.as_deref())),
        }
    }

    fn url(
        &mut self,
        node: &Node,
        location: Location,
        qualifier: Option<String>,
        permissions: &mut Vec<DeclaredPermission>,
    ) -> Declared<Option<DeclaredUrl>> {
        let url = match self.vars.shallow(node) {
            Ok(u) => u.into_owned(),
            Err(reason) => return Declared::Unknown(reason),
        };
        let (auth_type, cors) = match url.as_bool() {
            Some(false) => return Declared::Known(None),
            Some(true) => (Declared::Known("NONE".to_string()), Declared::Known(None)),
            None if url.as_map().is_some() => {
                let auth = match url.get("authorizer").filter(|a| !a.is_null()) {
                    None => Declared::Known("NONE".to_string()),
                    Some(a) => match self.vars.string(a) {
                        Ok(a) if a.eq_ignore_ascii_case("aws_iam") => {
                            Declared::Known("AWS_IAM".to_string())
                        }
                        Ok(a) => Declared::Unknown(format!("unknown URL authorizer `{a}`")),
                        Err(reason) => Declared::Unknown(reason),
                    },
                };
                let cors = match url.get("cors").filter(|c| !c.is_null()) {
                    None => Declared::Known(None),
                    Some(c) => self.cors(c),
                };
                (auth, cors)
            }
            None => {
                return Declared::Unknown(format!(
                    "`url` at line {} is neither true/false nor a mapping",
                    node.line
                ));
            }
        };
        if auth_type.known().map(String::as_str) == Some("NONE") {
            permissions.push(DeclaredPermission {
                action: Declared::Known("lambda:InvokeFunctionUrl".into()),
                principal: Declared::Known("*".into()),
                source_arn: None,
                source_account: None,
                function_url_auth_type: Some("NONE".into()),
                qualifier: qualifier.clone(),
                location: location.clone(),
            });
        }
        Declared::Known(Some(DeclaredUrl {
            auth_type,
            cors,
            qualifier,
            location,
        }))
    }

    /// `cors: true` is the framework's defaults (any origin, any method); a mapping
    /// overrides them.
    fn cors(&mut self, node: &Node) -> Declared<Option<DeclaredCors>> {
        let cors = match self.vars.shallow(node) {
            Ok(c) => c.into_owned(),
            Err(reason) => return Declared::Unknown(reason),
        };
        let star = || vec!["*".to_string()];
        match cors.as_bool() {
            Some(false) => return Declared::Known(None),
            Some(true) => {
                return Declared::Known(Some(DeclaredCors {
                    allow_origins: star(),
                    allow_methods: star(),
                    allow_credentials: false,
                }));
            }
            None => {}
        }
        if cors.as_map().is_none() {
            return Declared::Unknown(format!("`cors` at line {} is not a mapping", node.line));
        }
        let mut list = |key: &str| match cors.get(key).filter(|v| !v.is_null()) {
            Some(v) => self.string_list(v, key),
            None => Declared::Known(star()),
        };
        let origins = list("allowedOrigins");
        let methods = list("allowedMethods");
        let credentials = match cors.get("allowCredentials").filter(|v| !v.is_null()) {
            Some(v) => self.boolean(v),
            None => Ok(false),
        };
        match (origins, methods, credentials) {
            (
                Declared::Known(allow_origins),
                Declared::Known(allow_methods),
                Ok(allow_credentials),
            ) => Declared::Known(Some(DeclaredCors {
                allow_origins,
                allow_methods,
                allow_credentials,
            })),
            (Declared::Unknown(reason), _, _)
            | (_, Declared::Unknown(reason), _)
            | (_, _, Err(reason)) => Declared::Unknown(reason),
        }
    }

    fn events(
        &mut self,
        key: &str,
        events: &Node,
        common: &Common<'_>,
        function: &mut DeclaredFunction,
    ) -> Result<(), DeclaredError> {
        let events = match self.vars.shallow(events) {
            Ok(e) => e.into_owned(),
            Err(reason) => {
                self.incomplete(
                    function,
                    format!("events of function `{key}` could not be read ({reason})"),
                );
                return Ok(());
            }
        };
        let Some(items) = events.as_seq() else {
            return Err(err(
                self.file,
                &events,
                format!("`events` of function `{key}` must be a list"),
            ));
        };
        // The framework creates one permission per function for each API kind (REST,
        // HTTP, WebSocket), not one per route: one is recorded per kind.
        let mut api_kinds_seen: Vec<&'static str> = Vec::new();
        for item in items {
            let event = match self.vars.shallow(item) {
                Ok(e) => e.into_owned(),
                Err(reason) => {
                    self.incomplete(
                        function,
                        format!(
                            "an event of function `{key}` at line {} could not be read ({reason})",
                            item.line
                        ),
                    );
                    continue;
                }
            };
            let Some([(type_node, config)]) = event.as_map() else {
                return Err(err(
                    self.file,
                    item,
                    format!("an event of function `{key}` must be a mapping with one event type"),
                ));
            };
            let Some(kind) = type_node.as_str() else {
                return Err(err(self.file, type_node, "an event type must be a name"));
            };
            let location = self.loc(type_node);
            let config = match self.vars.shallow(config) {
                Ok(c) => c.into_owned(),
                Err(reason) if is_mapping_event(kind) => {
                    // One mapping whose source is unknown (`sqs: ${ssm:/queue-arn}`).
                    function.event_sources.push(DeclaredEventSource {
                        source_arn: Declared::Unknown(reason),
                        enabled: true,
                        batch_size: None,
                        location,
                    });
                    continue;
                }
                Err(reason) => {
                    self.incomplete(function, format!("the `{kind}` event of function `{key}` at line {} could not be read ({reason})", type_node.line));
                    continue;
                }
            };
            // `enabled: false` disables a rule or mapping but the framework still creates the
            // grant (for `alexaSkill` it becomes `lambda:DisableInvokeFunction`).
            let disabled = match config.get("enabled").filter(|e| !e.is_null()) {
                Some(enabled) => self.boolean(enabled) == Ok(false),
                None => false,
            };
            match kind {
                "http" | "httpApi" | "websocket" => {
                    let api: &'static str = match kind {
                        "http" => "http",
                        "httpApi" => "httpApi",
                        _ => "websocket",
                    };
                    if api_kinds_seen.contains(&api) {
                        continue;
                    }
                    api_kinds_seen.push(api);
                    let source_arn = self.api_source_arn(api, common);
                    function.permissions.push(permission(
                        "lambda:InvokeFunction",
                        "apigateway.amazonaws.com",
                        Some(source_arn),
                        location,
                    ));
                }
                "sns" => {
                    let arn = match config.as_str() {
                        Some(text) if text.starts_with("arn:") => Some(&config),
                        _ => config.get("arn").filter(|a| !a.is_null()),
                    };
                    let source_arn = self.given_arn(
                        arn,
                        common,
                        "the topic is created by the framework; its ARN is known at deploy time",
                    );
                    function.permissions.push(permission(
                        "lambda:InvokeFunction",
                        "sns.amazonaws.com",
                        Some(source_arn),
                        location,
                    ));
                }
                "schedule" => {
                    let method = config.get("method").and_then(|m| self.vars.string(m).ok());
                    if method.as_deref() == Some("scheduler") {
                        // EventBridge Scheduler invokes through a role, not the resource policy.
                        continue;
                    }
                    let source_arn =
                        Declared::Unknown("the rule name is generated at deploy time".into());
                    function.permissions.push(permission(
                        "lambda:InvokeFunction",
                        "events.amazonaws.com",
                        Some(source_arn),
                        location,
                    ));
                }
                "eventBridge" => {
                    let source_arn = self.event_bridge_rule_arn(&config, common);
                    function.permissions.push(permission(
                        "lambda:InvokeFunction",
                        "events.amazonaws.com",
                        Some(source_arn),
                        location,
                    ));
                }
                "s3" => {
                    let source_arn =
                        Declared::Unknown("the bucket ARN is known at deploy time".into());
                    function.permissions.push(permission(
                        "lambda:InvokeFunction",
                        "s3.amazonaws.com",
                        Some(source_arn),
                        location,
                    ));
                }
                "alb" | "cloudwatchLog" | "cloudwatchEvent" | "iot" | "cognitoUserPool" => {
                    let principal = match kind {
                        "alb" => "elasticloadbalancing.amazonaws.com",
                        "cloudwatchLog" => "logs.amazonaws.com",
                        "cloudwatchEvent" => "events.amazonaws.com",
                        "iot" => "iot.amazonaws.com",
                        _ => "cognito-idp.amazonaws.com",
                    };
                    let source_arn = Declared::Unknown(format!(
                        "the `{kind}` source ARN is known at deploy time"
                    ));
                    function.permissions.push(permission(
                        "lambda:InvokeFunction",
                        principal,
                        Some(source_arn),
                        location,
                    ));
                }
                "alexaSkill" | "alexaSmartHome" => {
                    let principal = if kind == "alexaSkill" {
                        "alexa-appkit.amazon.com"
                    } else {
                        "alexa-connectedhome.amazon.com"
                    };
                    let action = if disabled {
                        "lambda:DisableInvokeFunction"
                    } else {
                        "lambda:InvokeFunction"
                    };
                    // Restricted by an event-source token (the skill id), not a source ARN.
                    function
                        .permissions
                        .push(permission(action, principal, None, location));
                }
                "sqs" | "stream" | "msk" | "activemq" | "rabbitmq" | "kafka" => {
                    let source = self.event_source(kind, &config, location, common);
                    function.event_sources.push(source);
                }
                "cloudFront" => {
                    // Lambda@Edge: replicated to CloudFront, no resource-policy grant here.
                }
                other => {
                    self.incomplete(function, format!("function `{key}` has a `{other}` event this parser does not know; its grants and mappings are not compared"));
                }
            }
        }
        Ok(())
    }

    fn incomplete(&mut self, function: &mut DeclaredFunction, note: String) {
        function.permissions_complete = false;
        function.event_sources_complete = false;
        self.notes.push(note);
    }

    /// An ARN written in the event, resolved; otherwise unknown with `otherwise`.
    fn given_arn(
        &mut self,
        arn: Option<&Node>,
        common: &Common<'_>,
        otherwise: &str,
    ) -> Declared<String> {
        match arn {
            Some(node) => known_or(self.value_string(node, common.stack_name.as_deref())),
            None => Declared::Unknown(otherwise.to_string()),
        }
    }

    /// With an existing API (`provider.apiGateway.restApiId`, `provider.httpApi.id`) the
    /// source ARN is known; otherwise the API id is generated at deploy time.
    fn api_source_arn(&mut self, api: &str, common: &Common<'_>) -> Declared<String> {
        let generated = || Declared::Unknown("API id is generated at deploy time".to_string());
        let provider = common.provider.as_deref();
        let id_node = match api {
            "http" => provider
                .and_then(|p| p.get("apiGateway"))
                .and_then(|a| a.get("restApiId")),
            "httpApi" => provider
                .and_then(|p| p.get("httpApi"))
                .and_then(|a| a.get("id")),
            _ => None,
        };
        let Some(id_node) = id_node.filter(|n| !n.is_null()) else {
            return generated();
        };
        let (Declared::Known(region), false) = (&common.region, self.ctx.account_id.is_empty())
        else {
            return Declared::Unknown("the region or account is not known".into());
        };
        match self.value_string(id_node, common.stack_name.as_deref()) {
            Ok(id) => {
                let suffix = if api == "http" { "/*/*" } else { "/*" };
                Declared::Known(format!(
                    "arn:{}:execute-api:{region}:{}:{id}{suffix}",
                    self.partition, self.ctx.account_id
                ))
            }
            Err(reason) => Declared::Unknown(reason),
        }
    }

    /// The rule ARN when the event names its rule (`name`), on the default bus or the one
    /// `eventBus` names or gives by ARN.
    fn event_bridge_rule_arn(&mut self, config: &Node, common: &Common<'_>) -> Declared<String> {
        let Some(name) = config.get("name").filter(|n| !n.is_null()) else {
            return Declared::Unknown("the rule name is generated at deploy time".into());
        };
        let name = match self.vars.string(name) {
            Ok(n) => n,
            Err(reason) => return Declared::Unknown(reason),
        };
        let bus = match config.get("eventBus").filter(|b| !b.is_null()) {
            None => None,
            Some(b) => match self.value_string(b, common.stack_name.as_deref()) {
                Ok(bus) => {
                    let bus = bus
                        .rsplit_once(":event-bus/")
                        .map(|(_, n)| n.to_string())
                        .unwrap_or(bus);
                    (bus != "default").then_some(bus)
                }
                Err(reason) => return Declared::Unknown(reason),
            },
        };
        let (Declared::Known(region), false) = (&common.region, self.ctx.account_id.is_empty())
        else {
            return Declared::Unknown("the region or account is not known".into());
        };
        let rule = match bus {
            Some(bus) => format!("{bus}/{name}"),
            None => name,
        };
        Declared::Known(format!(
            "arn:{}:events:{region}:{}:rule/{rule}",
            self.partition, self.ctx.account_id
        ))
    }

    fn event_source(
        &mut self,
        kind: &str,
        config: &Node,
        location: Location,
        common: &Common<'_>,
    ) -> DeclaredEventSource {
        let default_batch = if kind == "sqs" { 10 } else { 100 };
        let arn_node = if config.as_str().is_some() {
            Some(config)
        } else {
            config.get("arn").filter(|a| !a.is_null())
        };
        let source_arn = if kind == "kafka" {
            Declared::Unknown("a self-managed Kafka source has no ARN".into())
        } else {
            match arn_node {
                Some(node) => match self.value_string(node, common.stack_name.as_deref()) {
                    Ok(arn) if arn.starts_with("arn:") => Declared::Known(arn),
                    Ok(other) => Declared::Unknown(format!("`{other}` is not an ARN")),
                    Err(reason) => Declared::Unknown(reason),
                },
                None => Declared::Unknown(format!("the `{kind}` event gives no ARN")),
            }
        };
        let enabled = match config.get("enabled").filter(|e| !e.is_null()) {
            Some(e) => self.boolean(e).unwrap_or(true),
            None => true,
        };
        let batch_size = match config.get("batchSize").filter(|b| !b.is_null()) {
            Some(b) => self.integer(b).known().copied(),
            None => Some(default_batch),
        };
        DeclaredEventSource {
            source_arn,
            enabled,
            batch_size,
            location,
        }
    }

    /// The role the framework generates for functions without a role of their own.
    fn framework_role(
        &mut self,
        common: &Common<'_>,
        functions: &[DeclaredFunction],
    ) -> DeclaredRole {
        let provider = common.provider.as_deref();
        let role_settings = provider
            .and_then(|p| p.get("iam"))
            .and_then(|iam| iam.get("role"))
            .filter(|r| r.as_map().is_some());
        let location = match (role_settings, provider) {
            (Some(r), _) => self.loc(r),
            (None, Some(p)) => self.loc(p),
            (None, None) => Location::file(self.file),
        };
        let known3 = |service: &Declared<String>,
                      stage: &Declared<String>,
                      region: &Declared<String>| match (service, stage, region)
        {
            (Declared::Known(a), Declared::Known(b), Declared::Known(c)) => {
                Ok((a.clone(), b.clone(), c.clone()))
            }
            (Declared::Unknown(r), _, _)
            | (_, Declared::Unknown(r), _)
            | (_, _, Declared::Unknown(r)) => Err(r.clone()),
        };
        let parts = known3(&common.service, &common.stage, &common.region);
        let name = match role_settings
            .and_then(|r| r.get("name"))
            .filter(|n| !n.is_null())
        {
            Some(n) => known_or(self.vars.string(n)),
            None => match &parts {
                Ok((service, stage, region)) => {
                    Declared::Known(format!("{service}-{stage}-{region}-lambdaRole"))
                }
                Err(reason) => Declared::Unknown(reason.clone()),
            },
        };
        let managed = role_settings
            .and_then(|r| r.get("managedPolicies"))
            .or_else(|| provider.and_then(|p| p.get("iamManagedPolicies")))
            .filter(|m| !m.is_null());
        let mut managed_policy_arns = Vec::new();
        if let Some(managed) = managed {
            match self.vars.shallow(managed).map(Cow::into_owned) {
                Ok(list) => match list.as_seq() {
                    Some(items) => {
                        for item in items {
                            managed_policy_arns.push(known_or(
                                self.value_string(item, common.stack_name.as_deref()),
                            ));
                        }
                    }
                    None => managed_policy_arns.push(Declared::Unknown(format!(
                        "managed policies at line {} are not a list",
                        managed.line
                    ))),
                },
                Err(reason) => managed_policy_arns.push(Declared::Unknown(reason)),
            }
        }
        let uses_vpc = functions.iter().any(|f| {
            matches!(&f.role, DeclaredRoleRef::Declared { key } if *key == common.role_key)
                && matches!(f.vpc, Declared::Known(Some(_)))
        });
        if uses_vpc {
            let vpc_policy = format!(
                "arn:{}:iam::aws:policy/service-role/AWSLambdaVPCAccessExecutionRole",
                self.partition
            );
            if !managed_policy_arns
                .iter()
                .any(|m| m.known() == Some(&vpc_policy))
            {
                managed_policy_arns.push(Declared::Known(vpc_policy));
            }
        }
        let statements = role_settings
            .and_then(|r| entry(r, "statements"))
            .or_else(|| provider.and_then(|p| entry(p, "iamRoleStatements")))
            .filter(|(_, s)| !s.is_null());
        let policy_location = statements
            .map(|(k, _)| self.loc(k))
            .unwrap_or_else(|| location.clone());
        let document = match statements {
            None => Declared::Known(serde_json::json!({"Version": "2012-10-17", "Statement": []})),
            Some((_, s)) => match self
                .vars
                .deep(s)
                .and_then(|d| self.cfn(&d, common.stack_name.as_deref(), 0))
            {
                Ok(resolved) if resolved.as_seq().is_some() => Declared::Known(serde_json::json!({
                    "Version": "2012-10-17",
                    "Statement": resolved.to_json(),
                })),
                Ok(_) => Declared::Unknown(format!(
                    "the IAM statements at line {} are not a list",
                    s.line
                )),
                Err(reason) => Declared::Unknown(reason),
            },
        };
        let policy_name = match (&common.service, &common.stage) {
            (Declared::Known(service), Declared::Known(stage)) => {
                Declared::Known(format!("{service}-{stage}-lambda"))
            }
            (Declared::Unknown(r), _) | (_, Declared::Unknown(r)) => Declared::Unknown(r.clone()),
        };
        DeclaredRole {
            key: common.role_key.clone(),
            origin: DeclaredOrigin {
                format: SourceFormat::Serverless,
                key: FRAMEWORK_ROLE.to_string(),
                stack_name: common.stack_name.clone(),
                location,
            },
            name,
            managed_policy_arns,
            inline_policies: vec![DeclaredInlinePolicy {
                name: policy_name,
                document,
                location: policy_location,
            }],
            // The framework adds statements we do not reproduce: CloudWatch Logs for each
            // function's log group, and for VPC, stream, SQS and other event sources.
            complete: false,
        }
    }

    /// Evaluates the CloudFormation intrinsics that need only pseudo parameters (`Ref` to
    /// `AWS::Region`/`AWS::AccountId`/`AWS::Partition`/`AWS::URLSuffix`/`AWS::StackName`,
    /// `Fn::Sub` with those, `Fn::Join` of known strings); any other intrinsic is an error
    /// (unknown) naming it.
    fn cfn(&self, node: &Node, stack: Option<&str>, depth: usize) -> Result<Node, String> {
        if depth > variables::MAX_DEPTH {
            return Err("intrinsics nested too deep".into());
        }
        let intrinsic = match (node.local_tag(), node.as_map()) {
            (Some(tag), _) => Some((
                format!("Fn::{tag}").replace("Fn::Ref", "Ref"),
                untagged(node),
            )),
            (None, Some([(k, v)]))
                if k.as_str()
                    .is_some_and(|k| k == "Ref" || k.starts_with("Fn::")) =>
            {
                Some((k.as_str().unwrap_or_default().to_string(), v.clone()))
            }
            _ => None,
        };
        let Some((name, arg)) = intrinsic else {
            let value = match &node.value {
                NodeValue::Scalar(_) => return Ok(node.clone()),
                NodeValue::Seq(items) => NodeValue::Seq(
                    items
                        .iter()
                        .map(|i| self.cfn(i, stack, depth + 1))
                        .collect::<Result<_, _>>()?,
                ),
                NodeValue::Map(entries) => NodeValue::Map(
                    entries
                        .iter()
                        .map(|(k, v)| Ok((k.clone(), self.cfn(v, stack, depth + 1)?)))
                        .collect::<Result<_, String>>()?,
                ),
            };
            return Ok(Node {
                value,
                tag: node.tag.clone(),
                line: node.line,
                column: node.column,
            });
        };
        let text = |s: String| Node {
            value: NodeValue::Scalar(super::yaml::Scalar {
                text: s,
                plain: false,
            }),
            tag: None,
            line: node.line,
            column: node.column,
        };
        match name.as_str() {
            "Ref" => {
                let target = arg.as_str().unwrap_or_default();
                self.pseudo(target, stack)
                    .map(text)
                    .ok_or_else(|| format!("`Ref: {target}` is known at deploy time"))
            }
            "Fn::Sub" => {
                let Some(template) = arg.as_str() else {
                    return Err(format!(
                        "`Fn::Sub` with variables at line {} is not resolved",
                        node.line
                    ));
                };
                let mut out = String::new();
                let mut rest = template;
                while let Some(start) = rest.find("${") {
                    out.push_str(&rest[..start]);
                    let after = &rest[start + 2..];
                    let end = after
                        .find('}')
                        .ok_or_else(|| format!("`Fn::Sub` at line {} is not closed", node.line))?;
                    let var = &after[..end];
                    if let Some(literal) = var.strip_prefix('!') {
                        out.push_str("${");
                        out.push_str(literal);
                        out.push('}');
                    } else {
                        out.push_str(&self.pseudo(var, stack).ok_or_else(|| {
                            format!("`${{{var}}}` in `Fn::Sub` is known at deploy time")
                        })?);
                    }
                    rest = &after[end + 1..];
                }
                out.push_str(rest);
                Ok(text(out))
            }
            "Fn::Join" => {
                let parts = arg
                    .as_seq()
                    .filter(|p| p.len() == 2)
                    .ok_or_else(|| format!("malformed `Fn::Join` at line {}", node.line))?;
                let separator = parts[0].as_str().unwrap_or_default().to_string();
                let list = self.cfn(&parts[1], stack, depth + 1)?;
                let items = list
                    .as_seq()
                    .ok_or_else(|| format!("malformed `Fn::Join` at line {}", node.line))?;
                let strings: Vec<String> = items
                    .iter()
                    .map(|i| {
                        i.as_str().map(str::to_string).ok_or_else(|| {
                            format!("`Fn::Join` at line {} joins a non-string", node.line)
                        })
                    })
                    .collect::<Result<_, _>>()?;
                Ok(text(strings.join(&separator)))
            }
            other => Err(format!(
                "`{other}` at line {} is resolved by CloudFormation at deploy time",
                node.line
            )),
        }
    }

    fn pseudo(&self, name: &str, stack: Option<&str>) -> Option<String> {
        match name {
            "AWS::Region" => self.vars.region().ok().map(str::to_string),
            "AWS::AccountId" => Some(self.ctx.account_id.clone()).filter(|a| !a.is_empty()),
            "AWS::Partition" => Some(self.partition.clone()),
            "AWS::URLSuffix" => Some(
                if self.partition == "aws-cn" {
                    "amazonaws.com.cn"
                } else {
                    "amazonaws.com"
                }
                .to_string(),
            ),
            "AWS::StackName" => stack.map(str::to_string),
            _ => None,
        }
    }
}

/// The logical id a `Fn::GetAtt` (or `!GetAtt`) names.
fn get_att_target(node: &Node) -> Option<String> {
    let arg = if node.local_tag() == Some("GetAtt") {
        untagged(node)
    } else {
        node.get("Fn::GetAtt")
            .filter(|_| node.as_map().is_some_and(|m| m.len() == 1))?
            .clone()
    };
    match &arg.value {
        NodeValue::Scalar(s) => s.text.split('.').next().map(str::to_string),
        NodeValue::Seq(items) => items.first().and_then(Node::as_str).map(str::to_string),
        NodeValue::Map(_) => None,
    }
}

fn untagged(node: &Node) -> Node {
    Node {
        tag: None,
        ..node.clone()
    }
}

/// Events that create an event source mapping rather than a grant.
fn is_mapping_event(kind: &str) -> bool {
    matches!(
        kind,
        "sqs" | "stream" | "msk" | "activemq" | "rabbitmq" | "kafka"
    )
}

fn permission(
    action: &str,
    principal: &str,
    source_arn: Option<Declared<String>>,
    location: Location,
) -> DeclaredPermission {
    DeclaredPermission {
        action: Declared::Known(action.to_string()),
        principal: Declared::Known(principal.to_string()),
        source_arn,
        source_account: None,
        function_url_auth_type: None,
        qualifier: None,
        location,
    }
}

/// A function whose settings could not be read (`hello: ${file(fn.yml)}`): all unknown.
fn unknown_function(
    origin: DeclaredOrigin,
    region: Option<String>,
    reason: &str,
) -> DeclaredFunction {
    let unknown = || reason.to_string();
    DeclaredFunction {
        origin,
        name: Declared::Unknown(unknown()),
        region,
        runtime: Declared::Unknown(unknown()),
        handler: Declared::Unknown(unknown()),
        timeout_seconds: Declared::Unknown(unknown()),
        memory_mb: Declared::Unknown(unknown()),
        architectures: Declared::Unknown(unknown()),
        role: DeclaredRoleRef::Unknown { reason: unknown() },
        environment: Declared::Unknown(unknown()),
        layers: Declared::Unknown(unknown()),
        vpc: Declared::Unknown(unknown()),
        tracing_mode: Declared::Unknown(unknown()),
        reserved_concurrency: Declared::Unknown(unknown()),
        url: Declared::Unknown(unknown()),
        permissions: Vec::new(),
        event_sources: Vec::new(),
        permissions_complete: false,
        event_sources_complete: false,
        attribute_locations: BTreeMap::new(),
    }
}

fn known_or<T>(result: Result<T, String>) -> Declared<T> {
    match result {
        Ok(value) => Declared::Known(value),
        Err(reason) => Declared::Unknown(reason),
    }
}
