//! What runs beside the HTTP server: the heartbeat that keeps the feed signed ([`heartbeat`]), the tasks
//! that keep the copies on other providers current ([`copies`]), and the read-only mirror that polls its
//! upstreams and serves what it verified ([`mirror`]).
//!
//! Uses the HTTP, publishing and storage layers.

pub(crate) mod copies;
pub(crate) mod heartbeat;
pub(crate) mod mirror;
