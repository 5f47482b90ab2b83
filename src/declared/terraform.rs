//! WORK IN PROGRESS
use super::{DeclaredError, DeclaredEstate, Location, ResolveContext, yaml::Node};

pub fn parse(
    file: &str,
    _text: &str,
    _root: &Node,
    _ctx: &ResolveContext,
) -> Result<DeclaredEstate, DeclaredError> {
    Err(DeclaredError { location: Location::file(file), message: "not implemented".into() })
}
