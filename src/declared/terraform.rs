//! WORK IN PROGRESS
use super::{DeclaredError, DeclaredEstate, Location, ResolveContext};

pub fn parse(file: &str, _text: &str, _ctx: &ResolveContext) -> Result<DeclaredEstate, DeclaredError> {
    Err(DeclaredError { location: Location::file(file), message: "not implemented".into() })
}
