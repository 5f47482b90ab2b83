//! The SAM transform's part of the declaration: `Globals`, the function's generated
//! execution role, event sources and the permissions and mappings they imply, function URLs,
//! and policy templates (expanded from SAM's own definitions, see `data/README.md`).

use super::TemplateReader;
use super::intrinsics::intrinsic;
use crate::declared::model::*;
use crate::declared::yaml::{self, Node, NodeValue};
use std::collections::BTreeMap;
use std::sync::OnceLock;

/// `Globals.Function` under a function's own properties: mappings merge, lists take the
/// global entries first, scalars are overridden (SAM's documented rules).
pub fn merge_globals(global: &Node, own: &Node) -> Node {
    match (&global.value, &own.value) {
        (NodeValue::Map(g), NodeValue::Map(o)) if intrinsic(own).is_none() => {
            let mut entries: Vec<(Node, Node)> = Vec::new();
            for (key, value) in g {
                match o.iter().find(|(k, _)| k.as_str() == key.as_str()) {
                    Some((_, own_value)) => {
                        entries.push((key.clone(), merge_globals(value, own_value)))
                    }
                    None => entries.push((key.clone(), value.clone())),
                }
            }
            for (key, value) in o {
                if !g.iter().any(|(k, _)| k.as_str() == key.as_str()) {
                    entries.push((key.clone(), value.clone()));
                }
            }
            Node {
                value: NodeValue::Map(entries),
                ..own.clone()
            }
        }
        (NodeValue::Seq(g), NodeValue::Seq(o)) if intrinsic(own).is_none() => Node {
            value: NodeValue::Seq(g.iter().chain(o).cloned().collect()),
            ..own.clone()
        },
        _ => own.clone(),
    }
}

/// Applies the SAM-only properties to `function`; returns the execution role SAM generates
/// when the function names none.
pub fn apply(
    reader: &mut TemplateReader<'_, '_>,
    id: &str,
    resource: &Node,
    props: Option<&Node>,
    function: &mut DeclaredFunction,
) -> Option<DeclaredRole> {
    let get = |key: &str| props.and_then(|p| p.get(key));
    let partition = reader.resolver.pseudo.partition.clone();
    let aws_managed = |name: &str| format!("arn:{partition}:iam::aws:policy/{name}");
    let alias = reader
        .string(get("AutoPublishAlias"))
        .known()
        .cloned()
        .flatten();
    let mut managed: Vec<Declared<String>> = vec![Declared::Known(aws_managed(
        "service-role/AWSLambdaBasicExecutionRole",
    ))];
    let mut role_complete = true;

    if let Some(url) = get("FunctionUrlConfig").filter(|u| intrinsic(u).is_some()) {
        function.url =
            Declared::Unknown(format!("FunctionUrlConfig is computed (line {})", url.line));
        function.permissions_complete = false;
    } else if let Some(url) = get("FunctionUrlConfig") {
        let auth_type = reader
            .string(url.get("AuthType"))
            .map(Option::unwrap_or_default);
        // SAM also grants `lambda:InvokeFunction` scoped to URL calls; the comparison
        // derives that one from this grant (see `drift::statements::declared_by`). Not when
        // the config is computed.
        if auth_type.known().map(String::as_str) == Some("NONE") {
            function.permissions.push(DeclaredPermission {
                action: Declared::Known("lambda:InvokeFunctionUrl".into()),
                principal: Declared::Known("*".into()),
                source_arn: None,
                source_account: None,
                function_url_auth_type: Some("NONE".into()),
                qualifier: alias.clone(),
                location: reader.location(url),
            });
        }
        function.url = Declared::Known(Some(DeclaredUrl {
            auth_type,
            cors: reader.cors(url.get("Cors")),
            qualifier: alias.clone(),
            location: reader.location(url),
        }));
    }

    for (name_node, event) in get("Events").and_then(Node::as_map).unwrap_or_default() {
        let name = name_node.as_str().unwrap_or_default();
        let kind = reader
            .string(event.get("Type"))
            .known()
            .cloned()
            .flatten()
            .unwrap_or_default();
        let event_props = event.get("Properties");
        let prop = |key: &str| event_props.and_then(|p| p.get(key));
        // The event's name line, where a reader looks for it.
        let location = reader.location(name_node);
        let permission =
            |principal: &str, source_arn: Option<Declared<String>>| DeclaredPermission {
                action: Declared::Known("lambda:InvokeFunction".into()),
                principal: Declared::Known(principal.into()),
                source_arn: Some(source_arn.unwrap_or_else(|| {
                    Declared::Unknown(format!(
                        "event {name}: the source ARN is generated at deployment"
                    ))
                })),
                source_account: None,
                function_url_auth_type: None,
                qualifier: alias.clone(),
                location: location.clone(),
            };
        let known_arn = |node: Option<&Node>| match reader.string(node) {
            Declared::Known(Some(arn)) => Some(Declared::Known(arn)),
            Declared::Known(None) => None,
            Declared::Unknown(reason) => Some(Declared::Unknown(reason)),
        };
        let mut mapping = |source: Option<&Node>, policy: Option<&str>| {
            function.event_sources.push(DeclaredEventSource {
                source_arn: reader.string(source).map(Option::unwrap_or_default),
                enabled: reader
                    .string(prop("Enabled"))
                    .known()
                    .cloned()
                    .flatten()
                    .as_deref()
                    != Some("false"),
                batch_size: reader
                    .string(prop("BatchSize"))
                    .known()
                    .cloned()
                    .flatten()
                    .and_then(|t| t.parse().ok()),
                location: location.clone(),
            });
            match policy {
                Some(policy) => managed.push(Declared::Known(aws_managed(policy))),
                None => role_complete = false,
            }
        };
        match kind.as_str() {
            "SQS" => mapping(
                prop("Queue"),
                Some("service-role/AWSLambdaSQSQueueExecutionRole"),
            ),
            "Kinesis" => mapping(
                prop("Stream"),
                Some("service-role/AWSLambdaKinesisExecutionRole"),
            ),
            "DynamoDB" => mapping(
                prop("Stream"),
                Some("service-role/AWSLambdaDynamoDBExecutionRole"),
            ),
            "MSK" => mapping(prop("Stream"), None),
            "MQ" => mapping(prop("Broker"), None),
            "DocumentDB" => mapping(prop("Cluster"), None),
            "SelfManagedKafka" => {
                function.event_sources_complete = false;
                role_complete = false;
            }
            "Api" | "HttpApi" => function
                .permissions
                .push(permission("apigateway.amazonaws.com", None)),
            "SNS" => {
                if prop("SqsSubscription").is_some() {
                    function.event_sources_complete = false;
                    role_complete = false;
                    reader.notes.push(format!(
                        "{id}.{name}: SNS with SqsSubscription creates a queue and mapping that are not modelled"
                    ));
                } else {
                    function
                        .permissions
                        .push(permission("sns.amazonaws.com", known_arn(prop("Topic"))));
                }
            }
            "S3" => {
                let bucket = reader.string(prop("Bucket")).map(|b| {
                    b.map(|b| format!("arn:{partition}:s3:::{b}"))
                        .unwrap_or_default()
                });
                let mut p = permission("s3.amazonaws.com", Some(bucket));
                p.source_account = Some(Declared::Known(reader.resolver.pseudo.account_id.clone()));
                function.permissions.push(p);
            }
            "Schedule" | "CloudWatchEvent" | "EventBridgeRule" => function
                .permissions
                .push(permission("events.amazonaws.com", None)),
            // EventBridge Scheduler invokes through a role, not the resource policy.
            "ScheduleV2" => {}
            "CloudWatchLogs" => function
                .permissions
                .push(permission("logs.amazonaws.com", None)),
            "IoTRule" => function
                .permissions
                .push(permission("iot.amazonaws.com", None)),
            "AlexaSkill" => function
                .permissions
                .push(permission("alexa-appkit.amazon.com", None)),
            "Cognito" => function
                .permissions
                .push(permission("cognito-idp.amazonaws.com", None)),
            other => {
                function.permissions_complete = false;
                function.event_sources_complete = false;
                reader.notes.push(format!(
                    "{id}.{name}: event type `{other}` is not modelled; added permissions and mappings are not judged"
                ));
            }
        }
    }

    if get("Role").is_some() {
        return None;
    }
    if function.vpc.known().is_some_and(Option::is_some) {
        managed.push(Declared::Known(aws_managed(
            "service-role/AWSLambdaVPCAccessExecutionRole",
        )));
    }
    if function.tracing_mode.known().map(String::as_str) == Some("Active") {
        managed.push(Declared::Known(aws_managed("AWSXrayWriteOnlyAccess")));
    }
    if get("DeadLetterQueue").is_some() || get("EventInvokeConfig").is_some() {
        // SAM adds an inline statement for the target whose exact shape we do not model.
        role_complete = false;
    }
    let mut inline_policies = Vec::new();
    let policies: Vec<&Node> = match get("Policies") {
        None => Vec::new(),
        Some(node) => match node.as_seq() {
            Some(items) if intrinsic(node).is_none() => items.iter().collect(),
            _ => vec![node],
        },
    };
    for (index, policy) in policies.into_iter().enumerate() {
        let policy_name = Declared::Known(format!("{id}RolePolicy{index}"));
        let location = reader.location(policy);
        if policy.as_map().is_some() && intrinsic(policy).is_none() {
            if policy.get("Statement").is_some() {
                inline_policies.push(DeclaredInlinePolicy {
                    name: policy_name,
                    document: reader.document(Some(policy)),
                    location,
                });
                continue;
            }
            match expand_policy_template(policy) {
                Some(expanded) => inline_policies.push(DeclaredInlinePolicy {
                    name: policy_name,
                    document: reader.document(Some(&expanded)),
                    location,
                }),
                None => {
                    role_complete = false;
                    reader.notes.push(format!(
                        "{id}: a policy template at line {} is not one SAM defines; the role is judged partially",
                        policy.line
                    ));
                }
            }
            continue;
        }
        match reader.string(Some(policy)) {
            Declared::Known(Some(name)) if name.starts_with("arn:") => {
                managed.push(Declared::Known(name))
            }
            Declared::Known(Some(name)) => managed.push(Declared::Known(aws_managed(&name))),
            Declared::Known(None) => {}
            Declared::Unknown(reason) => managed.push(Declared::Unknown(reason)),
        }
    }
    let role_logical_id = format!("{id}Role");
    let key = reader.role_key(&role_logical_id);
    function.role = DeclaredRoleRef::Declared { key: key.clone() };
    Some(DeclaredRole {
        key,
        origin: DeclaredOrigin {
            // The generated role has no resource of its own: point at its function.
            location: reader.resource_location(id, resource),
            ..reader.origin(&role_logical_id, resource)
        },
        name: Declared::Unknown(format!(
            "SAM generates the name of {role_logical_id} at deployment"
        )),
        managed_policy_arns: managed,
        inline_policies,
        complete: role_complete,
    })
}

fn policy_templates() -> Option<&'static Node> {
    static TEMPLATES: OnceLock<Option<Node>> = OnceLock::new();
    TEMPLATES
        .get_or_init(|| yaml::parse(include_str!("data/sam-policy-templates.json")).ok())
        .as_ref()
}

/// `{SQSPollerPolicy: {QueueName: X}}` → SAM's definition with `Ref QueueName` replaced by
/// `X` (still to be resolved against the template); `None` for an unknown template.
pub fn expand_policy_template(policy: &Node) -> Option<Node> {
    let [(name, arguments)] = policy.as_map()? else {
        return None;
    };
    let template = policy_templates()?.get("Templates")?.get(name.as_str()?)?;
    let mut parameters = BTreeMap::new();
    for (key, value) in arguments.as_map().unwrap_or_default() {
        parameters.insert(key.as_str()?.to_string(), value.clone());
    }
    let definition = template.get("Definition")?;
    Some(substitute(definition, &parameters, policy))
}

/// Replaces `{"Ref": P}` for template parameters `P` with the caller's values, and places
/// every node at the caller's line (the template file's lines mean nothing to the user).
fn substitute(node: &Node, parameters: &BTreeMap<String, Node>, at: &Node) -> Node {
    if let Some(("Ref", argument)) = intrinsic(node)
        && let Some(value) = argument.as_str().and_then(|p| parameters.get(p))
    {
        return value.clone();
    }
    let value = match &node.value {
        NodeValue::Scalar(s) => NodeValue::Scalar(s.clone()),
        NodeValue::Seq(items) => NodeValue::Seq(
            items
                .iter()
                .map(|i| substitute(i, parameters, at))
                .collect(),
        ),
        NodeValue::Map(entries) => NodeValue::Map(
            entries
                .iter()
                .map(|(k, v)| (substitute(k, parameters, at), substitute(v, parameters, at)))
                .collect(),
        ),
    };
    Node {
        value,
        tag: node.tag.clone(),
        line: at.line,
        column: at.column,
    }
}
