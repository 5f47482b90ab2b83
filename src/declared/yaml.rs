//! YAML (and JSON, its subset) into a tree that keeps what templates need and serde_yaml
//! drops: each node's line and column, and local tags such as CloudFormation's `!Ref`.
//!
//! Anchors and aliases are expanded, `<<` merge keys applied. The tree is built without
//! recursion and bounded in depth and size, so hostile input gets an error, never a stack
//! overflow or an alias bomb.

use std::collections::HashMap;
use yaml_rust2::parser::{Event, Parser};
use yaml_rust2::scanner::{Marker, TScalarStyle};

/// Deeper nesting than this is refused (real templates stay under 30).
pub const MAX_DEPTH: usize = 200;
/// More nodes than this, aliases expanded, is refused.
pub const MAX_NODES: usize = 2_000_000;

#[derive(Debug, Clone, PartialEq)]
pub struct Node {
    pub value: NodeValue,
    /// The tag as written, e.g. `!Ref`, `!GetAtt`, `!!str`.
    pub tag: Option<String>,
    /// 1-based.
    pub line: u32,
    /// 1-based.
    pub column: u32,
}

#[derive(Debug, Clone, PartialEq)]
pub enum NodeValue {
    Scalar(Scalar),
    Seq(Vec<Node>),
    /// In document order; keys are usually scalars.
    Map(Vec<(Node, Node)>),
}

#[derive(Debug, Clone, PartialEq)]
pub struct Scalar {
    pub text: String,
    /// Plain (unquoted) scalars are the ones YAML types as null, bool or number.
    pub plain: bool,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("line {line}, column {column}: {message}")]
pub struct YamlError {
    pub line: u32,
    pub column: u32,
    pub message: String,
}

impl Node {
    pub fn as_str(&self) -> Option<&str> {
        match &self.value {
            NodeValue::Scalar(s) if !self.is_null() => Some(&s.text),
            _ => None,
        }
    }

    pub fn is_null(&self) -> bool {
        matches!(&self.value, NodeValue::Scalar(s) if s.plain && matches!(s.text.as_str(), "" | "~" | "null" | "Null" | "NULL"))
    }

    pub fn as_bool(&self) -> Option<bool> {
        match self.as_str()? {
            "true" | "True" | "TRUE" => Some(true),
            "false" | "False" | "FALSE" => Some(false),
            _ => None,
        }
    }

    pub fn as_i64(&self) -> Option<i64> {
        let text = self.as_str()?.trim();
        text.parse::<i64>().ok().or_else(|| {
            text.parse::<f64>()
                .ok()
                .filter(|f| f.fract() == 0.0)
                .map(|f| f as i64)
        })
    }

    pub fn as_seq(&self) -> Option<&[Node]> {
        match &self.value {
            NodeValue::Seq(items) => Some(items),
            _ => None,
        }
    }

    pub fn as_map(&self) -> Option<&[(Node, Node)]> {
        match &self.value {
            NodeValue::Map(entries) => Some(entries),
            _ => None,
        }
    }

    /// The value under `key` in a mapping (the last one when a key repeats, as YAML loaders do).
    pub fn get(&self, key: &str) -> Option<&Node> {
        self.as_map()?
            .iter()
            .rev()
            .find(|(k, _)| k.as_str() == Some(key))
            .map(|(_, v)| v)
    }

    /// The tag without its leading `!` for local tags (`!Ref` → `Ref`).
    pub fn local_tag(&self) -> Option<&str> {
        let tag = self.tag.as_deref()?;
        tag.strip_prefix('!').filter(|t| !t.starts_with('!'))
    }

    /// The node as plain JSON (tags dropped, scalars typed as YAML 1.2 core schema types
    /// them), for documents such as IAM policies written inline.
    pub fn to_json(&self) -> serde_json::Value {
        match &self.value {
            NodeValue::Scalar(s) => scalar_to_json(s),
            NodeValue::Seq(items) => items.iter().map(Node::to_json).collect(),
            NodeValue::Map(entries) => serde_json::Value::Object(
                entries
                    .iter()
                    .map(|(k, v)| (k.as_str().unwrap_or_default().to_string(), v.to_json()))
                    .collect(),
            ),
        }
    }
}

fn scalar_to_json(s: &Scalar) -> serde_json::Value {
    use serde_json::Value;
    if !s.plain {
        return Value::String(s.text.clone());
    }
    match s.text.as_str() {
        "" | "~" | "null" | "Null" | "NULL" => Value::Null,
        "true" | "True" | "TRUE" => Value::Bool(true),
        "false" | "False" | "FALSE" => Value::Bool(false),
        text => {
            if let Ok(i) = text.parse::<i64>() {
                Value::from(i)
            } else if let Some(f) = text
                .parse::<f64>()
                .ok()
                .filter(|f| f.is_finite() && text.chars().any(|c| c.is_ascii_digit()))
            {
                Value::from(f)
            } else {
                Value::String(text.to_string())
            }
        }
    }
}

enum Frame {
    Seq {
        anchor: usize,
        tag: Option<String>,
        mark: Marker,
        items: Vec<Node>,
    },
    Map {
        anchor: usize,
        tag: Option<String>,
        mark: Marker,
        entries: Vec<(Node, Node)>,
        pending_key: Option<Node>,
    },
}

/// Parses the first document of `text`. An empty document is a null scalar.
pub fn parse(text: &str) -> Result<Node, YamlError> {
    let mut parser = Parser::new_from_str(text).keep_tags(true);
    let mut stack: Vec<Frame> = Vec::new();
    let mut anchors: HashMap<usize, Node> = HashMap::new();
    let mut nodes = 0usize;
    loop {
        let (event, mark) = parser.next_token().map_err(|e| YamlError {
            line: e.marker().line() as u32,
            column: e.marker().col() as u32 + 1,
            message: e.info().to_string(),
        })?;
        let error = |message: String| YamlError {
            line: mark.line() as u32,
            column: mark.col() as u32 + 1,
            message,
        };
        let complete: Node = match event {
            Event::StreamStart | Event::DocumentStart | Event::Nothing => continue,
            Event::StreamEnd | Event::DocumentEnd => {
                return Ok(Node {
                    value: NodeValue::Scalar(Scalar {
                        text: String::new(),
                        plain: true,
                    }),
                    tag: None,
                    line: 1,
                    column: 1,
                });
            }
            Event::SequenceStart(..) | Event::MappingStart(..) => {
                let is_seq = matches!(event, Event::SequenceStart(..));
                let (Event::SequenceStart(anchor, tag) | Event::MappingStart(anchor, tag)) = event
                else {
                    continue;
                };
                if stack.len() >= MAX_DEPTH {
                    return Err(error(format!("nesting deeper than {MAX_DEPTH} levels")));
                }
                let tag = tag.map(|t| format!("{}{}", t.handle, t.suffix));
                stack.push(if is_seq {
                    Frame::Seq {
                        anchor,
                        tag,
                        mark,
                        items: Vec::new(),
                    }
                } else {
                    Frame::Map {
                        anchor,
                        tag,
                        mark,
                        entries: Vec::new(),
                        pending_key: None,
                    }
                });
                continue;
            }
            Event::SequenceEnd | Event::MappingEnd => {
                let (anchor, node) = match stack.pop() {
                    Some(Frame::Seq {
                        anchor,
                        tag,
                        mark,
                        items,
                    }) => (anchor, node_at(NodeValue::Seq(items), tag, mark)),
                    Some(Frame::Map {
                        anchor,
                        tag,
                        mark,
                        entries,
                        ..
                    }) => {
                        // A block mapping's event is marked at its first key's `:`; the
                        // mapping starts at that key.
                        let start = entries
                            .first()
                            .map(|(key, _)| (key.line, key.column))
                            .filter(|&first| first < (mark.line() as u32, mark.col() as u32 + 1));
                        let mut node = node_at(NodeValue::Map(merge_keys(entries)), tag, mark);
                        if let Some((line, column)) = start {
                            (node.line, node.column) = (line, column);
                        }
                        (anchor, node)
                    }
                    None => return Err(error("unbalanced collection end".into())),
                };
                remember(&mut anchors, anchor, &node);
                node
            }
            Event::Scalar(text, style, anchor, tag) => {
                nodes += 1;
                let tag = tag.map(|t| format!("{}{}", t.handle, t.suffix));
                let node = node_at(
                    NodeValue::Scalar(Scalar {
                        text,
                        plain: style == TScalarStyle::Plain,
                    }),
                    tag,
                    mark,
                );
                remember(&mut anchors, anchor, &node);
                node
            }
            Event::Alias(anchor) => {
                let node = anchors
                    .get(&anchor)
                    .cloned()
                    .ok_or_else(|| error("alias to an unknown anchor".into()))?;
                nodes += count_nodes(&node);
                node
            }
        };
        nodes += 1;
        if nodes > MAX_NODES {
            return Err(error(format!(
                "more than {MAX_NODES} nodes once aliases are expanded"
            )));
        }
        match stack.last_mut() {
            None => return Ok(complete),
            Some(Frame::Seq { items, .. }) => items.push(complete),
            Some(Frame::Map {
                entries,
                pending_key,
                ..
            }) => match pending_key.take() {
                None => *pending_key = Some(complete),
                Some(key) => entries.push((key, complete)),
            },
        }
    }
}

fn node_at(value: NodeValue, tag: Option<String>, mark: Marker) -> Node {
    Node {
        value,
        tag,
        line: mark.line() as u32,
        column: mark.col() as u32 + 1,
    }
}

fn remember(anchors: &mut HashMap<usize, Node>, anchor: usize, node: &Node) {
    if anchor > 0 {
        anchors.insert(anchor, node.clone());
    }
}

fn count_nodes(node: &Node) -> usize {
    let mut count = 0;
    let mut pending = vec![node];
    while let Some(n) = pending.pop() {
        count += 1;
        match &n.value {
            NodeValue::Scalar(_) => {}
            NodeValue::Seq(items) => pending.extend(items),
            NodeValue::Map(entries) => {
                for (k, v) in entries {
                    pending.push(k);
                    pending.push(v);
                }
            }
        }
    }
    count
}

/// Applies YAML merge keys (`<<: *defaults`, `<<: [*a, *b]`): merged entries come first so
/// the mapping's own keys win.
fn merge_keys(entries: Vec<(Node, Node)>) -> Vec<(Node, Node)> {
    if !entries
        .iter()
        .any(|(k, _)| k.as_str() == Some("<<") && k.tag.is_none())
    {
        return entries;
    }
    let mut merged = Vec::new();
    let mut own = Vec::new();
    for (key, value) in entries {
        if key.as_str() == Some("<<") && key.tag.is_none() {
            let sources: Vec<Node> = match value.value {
                NodeValue::Seq(items) => items,
                _ => vec![value],
            };
            for source in sources {
                if let NodeValue::Map(source_entries) = source.value {
                    merged.extend(source_entries);
                }
            }
        } else {
            own.push((key, value));
        }
    }
    merged.retain(|(k, _)| !own.iter().any(|(o, _)| o.as_str() == k.as_str()));
    merged.extend(own);
    merged
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keeps_tags_lines_and_columns() {
        let doc = parse("Resources:\n  Fn:\n    Role: !GetAtt Role.Arn\n").unwrap();
        let role = doc
            .get("Resources")
            .unwrap()
            .get("Fn")
            .unwrap()
            .get("Role")
            .unwrap();
        assert_eq!(role.tag.as_deref(), Some("!GetAtt"));
        assert_eq!(role.local_tag(), Some("GetAtt"));
        assert_eq!(role.as_str(), Some("Role.Arn"));
        assert_eq!((role.line, role.column), (3, 19));
    }

    #[test]
    fn a_block_mapping_starts_at_its_first_key() {
        let doc =
            parse("Resources:\n  Bucket:\n    Type: AWS::S3::Bucket\nFlow: {a: 1}\n").unwrap();
        assert_eq!((doc.line, doc.column), (1, 1));
        let resources = doc.get("Resources").unwrap();
        assert_eq!((resources.line, resources.column), (2, 3));
        let bucket = resources.get("Bucket").unwrap();
        assert_eq!((bucket.line, bucket.column), (3, 5));
        let flow = doc.get("Flow").unwrap();
        assert_eq!((flow.line, flow.column), (4, 7));
    }

    #[test]
    fn expands_aliases_and_merge_keys() {
        let doc = parse("a: &d {x: 1, y: 2}\nb:\n  <<: *d\n  y: 3\n").unwrap();
        let b = doc.get("b").unwrap();
        assert_eq!(b.get("x").and_then(Node::as_i64), Some(1));
        assert_eq!(b.get("y").and_then(Node::as_i64), Some(3));
    }

    #[test]
    fn reports_errors_with_position() {
        let err = parse("a: [1, 2\nb: 3\n").unwrap_err();
        assert!(err.line >= 1, "{err}");
        let err = parse(&"[".repeat(10_000)).unwrap_err();
        assert!(
            err.message.contains("nesting") || err.message.contains("recursion"),
            "{err}"
        );
    }

    #[test]
    fn refuses_alias_bombs() {
        let mut text = String::from("a0: &a0 [x, x, x, x, x, x, x, x, x, x]\n");
        for i in 1..10 {
            let p = i - 1;
            text.push_str(&format!(
                "a{i}: &a{i} [*a{p}, *a{p}, *a{p}, *a{p}, *a{p}, *a{p}, *a{p}, *a{p}, *a{p}, *a{p}]\n"
            ));
        }
        assert!(parse(&text).unwrap_err().message.contains("nodes"));
    }

    #[test]
    fn parses_json() {
        let doc = parse("{\"Resources\": {\"F\": {\"Type\": \"AWS::Lambda::Function\"}}}").unwrap();
        let t = doc
            .get("Resources")
            .unwrap()
            .get("F")
            .unwrap()
            .get("Type")
            .unwrap();
        assert_eq!(t.as_str(), Some("AWS::Lambda::Function"));
        assert_eq!(
            doc.to_json()["Resources"]["F"]["Type"],
            "AWS::Lambda::Function"
        );
    }
}
