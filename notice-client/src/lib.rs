//! notice-client.
