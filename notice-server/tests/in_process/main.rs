//! In-process tests of the router: every route and every error, through `app(state).oneshot(…)`, with a
//! manual clock.

mod admin;
mod auth;
mod dry_run;
mod errors;
mod harness;
mod heartbeat;
mod ingest;
mod openapi;
mod public;
mod restart;
mod root;
mod scopes;
mod status_page;
