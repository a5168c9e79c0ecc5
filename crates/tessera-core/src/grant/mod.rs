//! One module per grant type, named in the spec's words and dispatched by an exhaustive match in
//! [`crate::token_endpoint`].

pub mod client_credentials;
