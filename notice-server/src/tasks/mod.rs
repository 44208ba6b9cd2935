//! What runs beside the HTTP server: the heartbeat that keeps the feed signed ([`heartbeat`]), and the
//! read-only mirror that polls an upstream and serves what it verified ([`mirror`]).
//!
//! Uses the HTTP, publishing and storage layers.

pub(crate) mod heartbeat;
pub(crate) mod mirror;
