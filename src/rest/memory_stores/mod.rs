//! The memory-store API under `/v1/memory_stores`.

mod errors;

use super::fault::Fault;
use super::http::{Request, Response};
use super::server::Rest;
use crate::model::Principal;

/// A refusal in this API's shape.
pub fn fault_response(f: &Fault) -> Response {
    errors::fault(f)
}

/// Serves a memory-store request.
pub async fn serve(_rest: &Rest, principal: Option<&Principal>, _req: &Request) -> Response {
    if principal.is_none() {
        return errors::fault(&Fault::Unauthorized);
    }
    errors::fault(&Fault::NoRoute)
}
