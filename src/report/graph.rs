//! The data-flow map: what can invoke each function (triggers), the function, the role it
//! runs as, and what that role reaches. Built once from the inventory and the
//! least-privilege analyses; written as Graphviz DOT or Mermaid by `lambda-audit graph`, and
//! drawn per function as inline SVG by the HTML report.
//!
//! Triggers come from resource policies (principal and source ARN), API Gateway routes and
//! methods whose integration resolves to the function, function URLs and event source
//! mappings. Resources come from the role's granted actions (grouped by service and access
//! level; flagged when the analysis calls them excess) and from needed permissions the role
//! lacks.

use crate::inventory::{Function, Inventory, RegionInventory};
use crate::least_privilege::LeastPrivilege;
use crate::policy::{ActionSpec, Effect, PrincipalSpec, parse_statements};
use std::collections::{BTreeMap, BTreeSet};
use std::fmt::Write;

/// At most this many resource nodes per role; the rest are counted in one node.
const MAX_RESOURCES_PER_ROLE: usize = 12;

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum NodeKind {
    Trigger,
    Function,
    Role,
    Resource,
}

impl NodeKind {
    /// The column the node is drawn in, left to right.
    pub fn column(self) -> usize {
        match self {
            NodeKind::Trigger => 0,
            NodeKind::Function => 1,
            NodeKind::Role => 2,
            NodeKind::Resource => 3,
        }
    }

    pub fn name(self) -> &'static str {
        match self {
            NodeKind::Trigger => "trigger",
            NodeKind::Function => "function",
            NodeKind::Role => "role",
            NodeKind::Resource => "resource",
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Node {
    /// `n0`, `n1`, … in insertion order: never derived from account data.
    pub id: String,
    pub kind: NodeKind,
    /// What is shown (account data: escape it for the output format).
    pub label: String,
    /// The full identity (ARN, URL, principal), for tooltips.
    pub detail: String,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum EdgeKind {
    /// A trigger may invoke the function.
    Invokes,
    /// The function runs as the role.
    RunsAs,
    /// The role grants access the function needs (or that was not judged excess).
    Grants,
    /// The role grants access the least-privilege analysis calls excess.
    GrantsExcess,
    /// The function needs access the role does not grant.
    Missing,
}

impl EdgeKind {
    pub fn name(self) -> &'static str {
        match self {
            EdgeKind::Invokes => "invokes",
            EdgeKind::RunsAs => "runs-as",
            EdgeKind::Grants => "grants",
            EdgeKind::GrantsExcess => "excess",
            EdgeKind::Missing => "missing",
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Edge {
    /// Indexes into [`Graph::nodes`].
    pub from: usize,
    pub to: usize,
    pub kind: EdgeKind,
    /// Distinct labels (routes, actions, access levels), joined for display.
    pub labels: Vec<String>,
}

impl Edge {
    pub fn label(&self) -> String {
        self.labels.join(", ")
    }
}

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Graph {
    pub nodes: Vec<Node>,
    pub edges: Vec<Edge>,
    keys: BTreeMap<(NodeKind, String), usize>,
    edge_keys: BTreeMap<(usize, usize, EdgeKind), usize>,
    /// Roles whose outgoing edges were already added (shared roles are drawn once).
    roles_done: BTreeSet<usize>,
}

impl Graph {
    /// The whole account: every function of every collected region.
    pub fn build(
        inventory: &Inventory,
        analyses: &BTreeMap<String, Result<LeastPrivilege, String>>,
    ) -> Graph {
        let mut graph = Graph::default();
        for (region, function) in inventory.functions() {
            graph.add_function(region, function, analyses.get(&function.arn));
        }
        graph
    }

    /// One function's map, for its section of the HTML report.
    pub fn for_function(
        region: &RegionInventory,
        function: &Function,
        analysis: Option<&Result<LeastPrivilege, String>>,
    ) -> Graph {
        let mut graph = Graph::default();
        graph.add_function(region, function, analysis);
        graph
    }

    fn node(&mut self, kind: NodeKind, key: &str, label: String, detail: String) -> usize {
        if let Some(&index) = self.keys.get(&(kind, key.to_string())) {
            return index;
        }
        let index = self.nodes.len();
        self.nodes.push(Node {
            id: format!("n{index}"),
            kind,
            label,
            detail,
        });
        self.keys.insert((kind, key.to_string()), index);
        index
    }

    fn edge(&mut self, from: usize, to: usize, kind: EdgeKind, label: Option<String>) {
        let index = *self.edge_keys.entry((from, to, kind)).or_insert_with(|| {
            self.edges.push(Edge {
                from,
                to,
                kind,
                labels: Vec::new(),
            });
            self.edges.len() - 1
        });
        if let Some(label) = label {
            let labels = &mut self.edges[index].labels;
            if !labels.contains(&label) {
                labels.push(label);
            }
        }
    }

    fn add_function(
        &mut self,
        region: &RegionInventory,
        function: &Function,
        analysis: Option<&Result<LeastPrivilege, String>>,
    ) {
        let f = self.node(
            NodeKind::Function,
            &function.arn,
            function.name.clone(),
            function.arn.clone(),
        );
        self.add_policy_triggers(function, f);
        self.add_api_triggers(region, function, f);
        if let Some(urls) = function.url_configs.value() {
            for url in urls {
                let t = self.node(
                    NodeKind::Trigger,
                    &format!("url {}", url.url),
                    format!("function URL ({})", url.auth_type),
                    url.url.clone(),
                );
                let label = match &url.qualifier {
                    Some(q) => format!("URL, alias {q}"),
                    None => "URL".to_string(),
                };
                self.edge(t, f, EdgeKind::Invokes, Some(label));
            }
        }
        if let Some(mappings) = region.event_source_mappings.value() {
            for m in mappings
                .iter()
                .filter(|m| same_function(&m.function_arn, function))
            {
                let source = match &m.event_source_arn {
                    Some(arn) => arn.clone(),
                    None if !m.self_managed_endpoints.is_empty() => {
                        format!("Kafka {}", m.self_managed_endpoints.join(","))
                    }
                    None => format!("event source mapping {}", m.uuid),
                };
                let t = self.node(
                    NodeKind::Trigger,
                    &format!("source {source}"),
                    short_arn(&source),
                    source.clone(),
                );
                let label = format!(
                    "event source mapping{}",
                    m.state
                        .as_deref()
                        .map(|s| format!(" ({s})"))
                        .unwrap_or_default()
                );
                self.edge(t, f, EdgeKind::Invokes, Some(label));
            }
        }

        let role = self.node(
            NodeKind::Role,
            &function.role,
            short_arn(&function.role),
            function.role.clone(),
        );
        self.edge(f, role, EdgeKind::RunsAs, None);
        if !self.roles_done.insert(role) {
            return;
        }
        match analysis {
            Some(Ok(lp)) => self.add_reach(role, lp),
            Some(Err(reason)) => {
                let r = self.node(
                    NodeKind::Resource,
                    &format!("unknown {}", function.role),
                    "permissions not analysed".to_string(),
                    reason.clone(),
                );
                self.edge(role, r, EdgeKind::Grants, None);
            }
            None => {}
        }
    }

    /// Role → resources: granted groups (excess ones flagged), then missing needs.
    fn add_reach(&mut self, role: usize, lp: &LeastPrivilege) {
        let mut shown: BTreeSet<&str> = BTreeSet::new();
        let mut hidden: BTreeSet<&str> = BTreeSet::new();
        for group in &lp.granted {
            let level = group.access_level.to_string();
            for resource in &group.resources {
                let excess = lp.excess.iter().any(|e| {
                    e.service == group.service
                        && e.access_level == group.access_level
                        && e.resources.contains(resource)
                });
                if !shown.contains(resource.as_str()) && shown.len() >= MAX_RESOURCES_PER_ROLE {
                    hidden.insert(resource);
                    continue;
                }
                shown.insert(resource);
                let r = self.resource_node(resource);
                let kind = if excess {
                    EdgeKind::GrantsExcess
                } else {
                    EdgeKind::Grants
                };
                self.edge(role, r, kind, Some(format!("{} {level}", group.service)));
            }
        }
        if !hidden.is_empty() {
            let r = self.node(
                NodeKind::Resource,
                &format!("more {}", lp.role_arn),
                format!("… {} more resource pattern(s)", hidden.len()),
                hidden.iter().copied().collect::<Vec<_>>().join("\n"),
            );
            self.edge(role, r, EdgeKind::Grants, None);
        }
        for missing in &lp.missing {
            let r = self.resource_node(&missing.resource);
            self.edge(role, r, EdgeKind::Missing, Some(missing.action.clone()));
        }
    }

    fn resource_node(&mut self, resource: &str) -> usize {
        let label = if resource == "*" {
            "* (any resource)".to_string()
        } else {
            short_arn(resource)
        };
        self.node(NodeKind::Resource, resource, label, resource.to_string())
    }

    /// Allow statements of every resource policy (function, aliases, versions): the
    /// principal, narrowed to the source ARN or account when a condition names one.
    fn add_policy_triggers(&mut self, function: &Function, f: usize) {
        for qualified in function.policies() {
            let Some(Some(policy)) = qualified.policy.value() else {
                continue;
            };
            let Ok(statements) = parse_statements(&policy.document) else {
                continue;
            };
            for statement in statements.iter().filter(|s| s.effect == Effect::Allow) {
                let principal = match &statement.principal {
                    PrincipalSpec::Principal(p) => principal_text(p),
                    PrincipalSpec::NotPrincipal(p) => {
                        format!("anyone except {}", principal_text(p))
                    }
                    PrincipalSpec::None => "(no principal)".to_string(),
                };
                let source: Vec<&str> = statement
                    .conditions
                    .iter()
                    .filter(|c| {
                        c.key_is("aws:SourceArn")
                            || c.key_is("aws:SourceAccount")
                            || c.key_is("aws:PrincipalOrgID")
                    })
                    .flat_map(|c| c.values.iter().map(String::as_str))
                    .collect();
                let (key, label, detail) = if source.is_empty() {
                    (
                        principal.clone(),
                        principal.clone(),
                        format!("principal: {principal}"),
                    )
                } else {
                    let joined = source.join(", ");
                    (
                        format!("{principal} {joined}"),
                        format!("{principal}: {}", short_arn(&joined)),
                        format!("principal: {principal}; source: {joined}"),
                    )
                };
                let t = self.node(NodeKind::Trigger, &format!("policy {key}"), label, detail);
                let actions = match &statement.actions {
                    ActionSpec::Action(list) => list.join(" "),
                    ActionSpec::NotAction(list) => format!("all but {}", list.join(" ")),
                };
                let label = match qualified.qualifier {
                    Some(q) => format!("{actions} on :{q}"),
                    None => actions,
                };
                self.edge(t, f, EdgeKind::Invokes, Some(label));
            }
        }
    }

    fn add_api_triggers(&mut self, region: &RegionInventory, function: &Function, f: usize) {
        for api in region.rest_apis.value().into_iter().flatten() {
            let name = api.name.clone().unwrap_or_else(|| api.id.clone());
            for resource in api.resources.value().into_iter().flatten() {
                for method in &resource.methods {
                    let Some(target) = method.integration.as_ref().and_then(|i| i.lambda.as_ref())
                    else {
                        continue;
                    };
                    if target.function_arn != function.arn {
                        continue;
                    }
                    let t = self.node(
                        NodeKind::Trigger,
                        &format!("rest {}", api.id),
                        format!("REST API {name}"),
                        format!("REST API {name} ({})", api.id),
                    );
                    let label = format!(
                        "{} {} ({})",
                        method.http_method, resource.path, method.authorization_type
                    );
                    self.edge(t, f, EdgeKind::Invokes, Some(label));
                }
            }
        }
        for api in region.http_apis.value().into_iter().flatten() {
            let name = api.name.clone().unwrap_or_else(|| api.id.clone());
            let integrations = api.integrations.value().map(Vec::as_slice).unwrap_or(&[]);
            for route in api.routes.value().into_iter().flatten() {
                let Some(id) = route
                    .target
                    .as_deref()
                    .and_then(|t| t.strip_prefix("integrations/"))
                else {
                    continue;
                };
                let invokes = integrations.iter().any(|i| {
                    i.id == id
                        && i.lambda
                            .as_ref()
                            .is_some_and(|l| l.function_arn == function.arn)
                });
                if !invokes {
                    continue;
                }
                let t = self.node(
                    NodeKind::Trigger,
                    &format!("http {}", api.id),
                    format!("{} API {name}", api.protocol_type),
                    format!("{} API {name} ({})", api.protocol_type, api.id),
                );
                let label = format!("{} ({})", route.route_key, route.authorization_type);
                self.edge(t, f, EdgeKind::Invokes, Some(label));
            }
        }
    }

    /// Graphviz DOT, left to right; node ids are generated, labels escaped.
    pub fn to_dot(&self) -> String {
        let mut out = String::from(
            "digraph lambda_audit {\n  rankdir=LR;\n  node [shape=box, style=\"rounded,filled\", fontname=\"Helvetica\"];\n  edge [fontname=\"Helvetica\", fontsize=10];\n",
        );
        for node in &self.nodes {
            let fill = match node.kind {
                NodeKind::Trigger => "#fde2c8",
                NodeKind::Function => "#cfe3fb",
                NodeKind::Role => "#e3d7f7",
                NodeKind::Resource => "#d8f0dc",
            };
            let _ = writeln!(
                out,
                "  {} [label=\"{}\", tooltip=\"{}\", fillcolor=\"{fill}\", class=\"{}\"];",
                node.id,
                dot_escape(&node.label),
                dot_escape(&node.detail),
                node.kind.name()
            );
        }
        for edge in &self.edges {
            let style = match edge.kind {
                EdgeKind::Invokes | EdgeKind::RunsAs | EdgeKind::Grants => "solid",
                EdgeKind::GrantsExcess => "bold",
                EdgeKind::Missing => "dashed",
            };
            let color = match edge.kind {
                EdgeKind::GrantsExcess => "#c2410c",
                EdgeKind::Missing => "#b91c1c",
                _ => "#444444",
            };
            let _ = writeln!(
                out,
                "  {} -> {} [label=\"{}\", style={style}, color=\"{color}\"];",
                self.nodes[edge.from].id,
                self.nodes[edge.to].id,
                dot_escape(&edge_text(edge))
            );
        }
        out.push_str("}\n");
        out
    }

    /// A Mermaid flowchart; every label quoted and entity-escaped.
    pub fn to_mermaid(&self) -> String {
        let mut out = String::from("flowchart LR\n");
        for node in &self.nodes {
            let _ = writeln!(out, "  {}[\"{}\"]", node.id, mermaid_escape(&node.label));
        }
        for edge in &self.edges {
            let arrow = match edge.kind {
                EdgeKind::Missing => "-.->",
                EdgeKind::GrantsExcess => "==>",
                _ => "-->",
            };
            let text = edge_text(edge);
            if text.is_empty() {
                let _ = writeln!(
                    out,
                    "  {} {arrow} {}",
                    self.nodes[edge.from].id, self.nodes[edge.to].id
                );
            } else {
                let _ = writeln!(
                    out,
                    "  {} {arrow}|\"{}\"| {}",
                    self.nodes[edge.from].id,
                    mermaid_escape(&text),
                    self.nodes[edge.to].id
                );
            }
        }
        out.push_str("  classDef trigger fill:#fde2c8,stroke:#9a3412\n");
        out.push_str("  classDef function fill:#cfe3fb,stroke:#1d4ed8\n");
        out.push_str("  classDef role fill:#e3d7f7,stroke:#6d28d9\n");
        out.push_str("  classDef resource fill:#d8f0dc,stroke:#15803d\n");
        for kind in [
            NodeKind::Trigger,
            NodeKind::Function,
            NodeKind::Role,
            NodeKind::Resource,
        ] {
            let ids: Vec<&str> = self
                .nodes
                .iter()
                .filter(|n| n.kind == kind)
                .map(|n| n.id.as_str())
                .collect();
            if !ids.is_empty() {
                let _ = writeln!(out, "  class {} {}", ids.join(","), kind.name());
            }
        }
        out
    }
}

/// An edge's text: its labels, prefixed for the kinds a reader must not miss.
pub fn edge_text(edge: &Edge) -> String {
    let label = edge.label();
    match edge.kind {
        EdgeKind::GrantsExcess => format!("excess: {label}"),
        EdgeKind::Missing => format!("missing: {label}"),
        _ => label,
    }
}

fn same_function(arn: &str, function: &Function) -> bool {
    arn == function.arn
        || arn
            .strip_prefix(function.arn.as_str())
            .is_some_and(|rest| rest.starts_with(':'))
}

fn principal_text(p: &crate::policy::Principal) -> String {
    if p.wildcard {
        return "anyone (*)".to_string();
    }
    let mut parts: Vec<String> = Vec::new();
    parts.extend(p.service.iter().cloned());
    parts.extend(p.aws.iter().cloned());
    parts.extend(p.federated.iter().cloned());
    parts.extend(
        p.canonical_user
            .iter()
            .map(|c| format!("canonical user {c}")),
    );
    if parts.is_empty() {
        "(no principal)".to_string()
    } else {
        parts.join(", ")
    }
}

/// `arn:aws:s3:::bucket/key` → `s3: bucket/key`; anything else unchanged.
pub fn short_arn(text: &str) -> String {
    let parts: Vec<&str> = text.splitn(6, ':').collect();
    if parts.len() == 6 && parts[0] == "arn" && !parts[2].is_empty() {
        format!("{}: {}", parts[2], parts[5])
    } else {
        text.to_string()
    }
}

/// Text inside a double-quoted DOT string: backslashes and quotes escaped, a newline becomes
/// the `\n` line break, other control characters a visible `\u{…}`.
pub fn dot_escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '\\' => out.push_str("\\\\"),
            '"' => out.push_str("\\\""),
            '\n' => out.push_str("\\n"),
            c if c.is_control() => {
                out.push('\\');
                out.extend(c.escape_unicode());
            }
            c => out.push(c),
        }
    }
    out
}

/// Text inside a quoted Mermaid label: Mermaid's entity codes for the characters that could
/// end the label, start an entity or markup (`"`, `<`, `>`, `#`, `;`, `` ` ``, `&`, `|`);
/// line breaks and control characters become spaces.
pub fn mermaid_escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '"' => out.push_str("#quot;"),
            '<' => out.push_str("#lt;"),
            '>' => out.push_str("#gt;"),
            '#' => out.push_str("#35;"),
            ';' => out.push_str("#59;"),
            '`' => out.push_str("#96;"),
            '&' => out.push_str("#amp;"),
            '|' => out.push_str("#124;"),
            c if c.is_control() => out.push(' '),
            c => out.push(c),
        }
    }
    out
}
