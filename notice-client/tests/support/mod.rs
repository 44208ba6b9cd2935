//! What only notice-client's tests need besides the shared kit (`notice_tests`): a client configuration
//! for a feed owner's root, and building the C and Go examples.

// Each test file uses a different part of this module.
#![allow(dead_code)]

use std::path::Path;
use std::time::Duration;

pub mod examples;

use notice_client::{Config, Timeouts};
use notice_tests::FeedOwner;
use notice_types::FeedId;

/// A configuration for `owner`'s feed with `mirrors`, a Dutch user, short timeouts and no minimum interval.
pub fn config(owner: &FeedOwner, state_dir: &Path, mirrors: &[String]) -> Config {
    let mut config = Config::new(
        FeedId::parse(owner.feed_id()).unwrap(),
        owner.root_json(),
        state_dir,
    );
    config.mirrors = mirrors.to_vec();
    config.context.locales = vec!["nl_NL".to_owned()];
    config.timeouts = Timeouts {
        connect: Duration::from_millis(1000),
        mirror: Duration::from_millis(1500),
        deadline: Duration::from_millis(3000),
        min_refresh_interval: Duration::ZERO,
    };
    config
}
