//! Drift: which deployed function, role and grant each declaration describes, and how
//! deployed and declared policy statements compare. Pure functions of the inventory and the
//! declared estate; the LA5xx checks read the [`DriftView`] and judge one aspect each.

pub mod statements;

use crate::declared::{Declared, DeclaredEstate, DeclaredFunction, DeclaredRole, DeclaredRoleRef};
use crate::inventory::{Function, Inventory, RegionInventory, Role};
use std::collections::{BTreeSet, HashMap};

pub struct DriftView<'a> {
    pub declared: &'a DeclaredEstate,
    pub functions: Vec<FunctionMatch<'a>>,
    /// Deployed functions no declaration describes, in audited regions whose function list
    /// was read.
    pub unmanaged: Vec<(&'a RegionInventory, &'a Function)>,
    pub roles: Vec<RoleMatch<'a>>,
}

pub struct FunctionMatch<'a> {
    pub declared: &'a DeclaredFunction,
    pub deployed: Deployment<'a>,
}

pub enum Deployment<'a> {
    Deployed {
        region: &'a RegionInventory,
        function: &'a Function,
        /// How the match was made, for evidence (`name`, `stack tags`).
        matched_by: &'static str,
    },
    /// Declared for an audited region, and not there.
    Missing { region: String },
    /// Declared for a region this audit did not cover: neither missing nor present.
    OutsideAudit { region: String },
    /// The function list of its region was not read.
    NotEvaluated { region: String, reason: String },
}

pub struct RoleMatch<'a> {
    pub declared: &'a DeclaredRole,
    pub deployed: Result<&'a Role, String>,
}

impl<'a> DriftView<'a> {
    pub fn build(inventory: &'a Inventory, declared: &'a DeclaredEstate) -> Self {
        let index = Index::new(inventory);
        let functions: Vec<FunctionMatch<'a>> = declared
            .functions
            .iter()
            .map(|d| FunctionMatch {
                declared: d,
                deployed: locate(inventory, &index, d),
            })
            .collect();
        let matched: BTreeSet<&str> = functions
            .iter()
            .filter_map(|m| match &m.deployed {
                Deployment::Deployed { function, .. } => Some(function.arn.as_str()),
                _ => None,
            })
            .collect();
        let unmanaged = inventory
            .regions
            .iter()
            .filter(|r| r.functions_listing.value().is_some())
            .flat_map(|r| r.functions.iter().map(move |f| (r, f)))
            .filter(|(_, f)| !matched.contains(f.arn.as_str()))
            .collect();
        let roles = declared
            .roles
            .iter()
            .map(|role| RoleMatch {
                declared: role,
                deployed: locate_role(inventory, role, &functions),
            })
            .collect();
        DriftView {
            declared,
            functions,
            unmanaged,
            roles,
        }
    }

    pub fn deployed(
        &self,
    ) -> impl Iterator<Item = (&FunctionMatch<'a>, &'a RegionInventory, &'a Function)> {
        self.functions.iter().filter_map(|m| match m.deployed {
            Deployment::Deployed {
                region, function, ..
            } => Some((m, region, function)),
            _ => None,
        })
    }
}

/// Deployed functions by (region, name) and by (region, stack, logical id), so matching
/// stays linear in the size of the estate.
struct Index<'a> {
    by_name: HashMap<(&'a str, &'a str), &'a Function>,
    by_stack: HashMap<(&'a str, &'a str, &'a str), &'a Function>,
}

impl<'a> Index<'a> {
    fn new(inventory: &'a Inventory) -> Self {
        let mut index = Index {
            by_name: HashMap::new(),
            by_stack: HashMap::new(),
        };
        for region in &inventory.regions {
            for function in &region.functions {
                index
                    .by_name
                    .insert((region.region.as_str(), function.name.as_str()), function);
                let tags = function.tags.value();
                let tag = |key: &str| tags.and_then(|t| t.get(key)).map(String::as_str);
                if let (Some(stack), Some(logical_id)) = (
                    tag("aws:cloudformation:stack-name"),
                    tag("aws:cloudformation:logical-id"),
                ) {
                    index
                        .by_stack
                        .insert((region.region.as_str(), stack, logical_id), function);
                }
            }
        }
        index
    }
}

fn locate<'a>(
    inventory: &'a Inventory,
    index: &Index<'a>,
    declared: &DeclaredFunction,
) -> Deployment<'a> {
    let wanted_region = declared.region.as_deref();
    let regions: Vec<&RegionInventory> = inventory
        .regions
        .iter()
        .filter(|r| wanted_region.is_none_or(|w| w == r.region))
        .collect();
    if regions.is_empty() {
        return Deployment::OutsideAudit {
            region: wanted_region.unwrap_or("?").to_string(),
        };
    }
    for region in &regions {
        if let Some(reason) = region.functions_listing.unavailable_reason() {
            return Deployment::NotEvaluated {
                region: region.region.clone(),
                reason,
            };
        }
    }
    let by_name = declared.name.known().and_then(|name| {
        regions.iter().find_map(|r| {
            index
                .by_name
                .get(&(r.region.as_str(), name.as_str()))
                .map(|f| (*r, *f, "name"))
        })
    });
    let by_tags = || {
        let stack = declared.origin.stack_name.as_deref()?;
        regions.iter().find_map(|r| {
            index
                .by_stack
                .get(&(r.region.as_str(), stack, declared.origin.key.as_str()))
                .map(|f| (*r, *f, "stack tags"))
        })
    };
    // CloudFormation names an unnamed function `<stack>-<logical id>-<suffix>`; where the
    // stack tags are missing (emulators), that pattern is the evidence left.
    let by_generated_name = || {
        let stack = declared.origin.stack_name.as_deref()?;
        if declared.name.known().is_some() {
            return None;
        }
        let prefix = format!("{stack}-{}-", declared.origin.key);
        regions.iter().find_map(|r| {
            r.functions
                .iter()
                .find(|f| {
                    f.name.starts_with(&prefix)
                        && f.name.len() > prefix.len()
                        && !f.name[prefix.len()..].contains('-')
                })
                .map(|f| (*r, f, "generated name"))
        })
    };
    match by_name.or_else(by_tags).or_else(by_generated_name) {
        Some((region, function, matched_by)) => Deployment::Deployed {
            region,
            function,
            matched_by,
        },
        None if declared.name.known().is_none() => {
            let untagged = regions
                .iter()
                .flat_map(|r| r.functions.iter().map(move |f| (r, f)))
                .find_map(|(r, f)| Some((r, f.tags.unavailable_reason()?)));
            match (&declared.origin.stack_name, untagged) {
                (None, _) => Deployment::NotEvaluated {
                    region: wanted_region.unwrap_or(&regions[0].region).to_string(),
                    reason: match declared.origin.format {
                        crate::declared::SourceFormat::CloudFormation => "its name is generated at deployment and no deployed stack carries its logical id (pass --parameter AWS::StackName=NAME)".into(),
                        _ => format!("its name is not known before deployment ({})", declared.name.unknown_reason().unwrap_or_default()),
                    },
                },
                (Some(_), Some((region, reason))) => Deployment::NotEvaluated {
                    region: region.region.clone(),
                    reason: format!("its name is generated at deployment and the tags that identify its stack were not all collected: {reason}"),
                },
                (Some(_), None) => Deployment::Missing {
                    region: wanted_region.unwrap_or(&regions[0].region).to_string(),
                },
            }
        }
        // Declared for no region in particular and found in none: reported against the
        // first audited region (the one the declaration would deploy to by default).
        None => Deployment::Missing {
            region: wanted_region.unwrap_or(&regions[0].region).to_string(),
        },
    }
}

fn locate_role<'a>(
    inventory: &'a Inventory,
    declared: &DeclaredRole,
    functions: &[FunctionMatch<'a>],
) -> Result<&'a Role, String> {
    let Some(roles) = inventory.iam.roles.value() else {
        return Err(inventory.iam.roles.unavailable_reason().unwrap_or_default());
    };
    if let Declared::Known(name) = &declared.name {
        return roles
            .iter()
            .find(|r| &r.name == name)
            .ok_or_else(|| format!("no role named {name} is deployed"));
    }
    // A generated name: the role the matched functions that use it actually run with.
    let arns: BTreeSet<&str> = functions
        .iter()
        .filter(|m| {
            matches!(&m.declared.role, DeclaredRoleRef::Declared { key } if key == &declared.key)
        })
        .filter_map(|m| match &m.deployed {
            Deployment::Deployed { function, .. } => Some(function.role.as_str()),
            _ => None,
        })
        .collect();
    match arns.len() {
        0 => Err("its name is generated and no deployed function that uses it was found".into()),
        1 => {
            let arn = arns.into_iter().next().unwrap_or_default();
            inventory
                .iam
                .role_by_arn(arn)
                .ok_or_else(|| format!("role {arn} is not in the IAM inventory"))
        }
        _ => Err(format!(
            "the functions declared with it run with different roles ({})",
            arns.into_iter().collect::<Vec<_>>().join(", ")
        )),
    }
}

/// The role name in a role ARN (`arn:aws:iam::1:role/path/name` → `name`).
pub fn role_name(arn: &str) -> &str {
    arn.rsplit('/').next().unwrap_or(arn)
}
