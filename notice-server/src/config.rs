//! Settings of a running server.
//!
//! Everything here comes from flags or `NOTICE_…` environment variables (see `notice-server serve --help`);
//! [`Settings::validate`] refuses combinations that would publish a feed that expires between heartbeats.

use std::time::Duration;

use notice_copies::Target;
use notice_publish::status_page::Site;

/// Largest admin request body. Notices are small: a full notice with three languages is a few KiB.
pub const BODY_LIMIT_BYTES: usize = 64 * 1024;

/// Longest `max-age` allowed: caches must pick up a new notice within a minute.
pub const MAX_CACHE_MAX_AGE_SECS: u32 = 60;

/// Runtime settings of `serve`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Settings {
    /// How long a signed feed stays valid (`expires_at - issued_at`).
    pub feed_validity: Duration,
    /// How often the feed is re-signed when nothing changes.
    pub heartbeat_interval: Duration,
    /// How long a resolved notice stays in the feed after it was resolved.
    pub retention: Duration,
    /// `Cache-Control: max-age` of the feed, in seconds.
    pub cache_max_age_secs: u32,
    /// Failed admin authentications allowed per peer address per minute; past that, wrong tokens get 429
    /// (a valid token never does).
    pub auth_failures_per_minute: u32,
    /// How long one request may take, body included, before the answer is 408.
    pub request_timeout: Duration,
    /// The status page's name, language and URL; `None`: named after the feed id, English, no URL.
    pub site: Option<Site>,
    /// Reverse proxies (address ranges) in front of the server. A request from one of them is counted
    /// against the client address its `X-Forwarded-For` names, so that failed logins of one client behind a
    /// shared proxy do not lock every operator out. Empty: the socket's peer address is the client.
    pub trusted_proxies: Vec<ipnet::IpNet>,
    /// Copies on other providers the server writes after every new version (buckets, directories).
    pub publish_to: Vec<Target>,
    /// Further copies it only reads (a CDN, a static host someone else fills), to know whether one is
    /// ahead of it: a break-glass document written there while it was down.
    pub watch: Vec<Target>,
    /// How often the copies are read to notice one that is ahead (besides before every write).
    pub copy_check_interval: Duration,
    /// After the stop signal, how long requests in flight may take before the connections are closed.
    pub shutdown_timeout: Duration,
    /// Serve `/metrics` on this address only, not on the public listener.
    pub metrics_listen: Option<std::net::SocketAddr>,
    /// How many published documents the database keeps (the newest; older ones are pruned after every
    /// publish). Versions only go up whatever is pruned: the newest is always kept.
    pub keep_versions: u32,
}

impl Default for Settings {
    fn default() -> Self {
        Self {
            feed_validity: notice_publish::DEFAULT_FEED_VALIDITY,
            heartbeat_interval: Duration::from_secs(3600),
            retention: notice_publish::DEFAULT_RETENTION,
            cache_max_age_secs: 30,
            auth_failures_per_minute: 10,
            request_timeout: Duration::from_secs(30),
            site: None,
            trusted_proxies: Vec::new(),
            publish_to: Vec::new(),
            watch: Vec::new(),
            copy_check_interval: Duration::from_secs(30),
            shutdown_timeout: Duration::from_secs(10),
            keep_versions: 200,
            metrics_listen: None,
        }
    }
}

/// A setting that cannot work.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum ConfigError {
    /// The feed would expire before (or right when) the next heartbeat re-signs it.
    #[error(
        "--feed-validity ({validity}) must be longer than --heartbeat-interval ({interval}), or the feed expires between heartbeats; a validity of at least 3 intervals lets clients ride out missed heartbeats"
    )]
    ValidityNotAboveHeartbeat {
        /// The validity as given.
        validity: String,
        /// The interval as given.
        interval: String,
    },
    /// A duration of zero where time must pass.
    #[error("--{name} must be longer than zero")]
    Zero {
        /// The flag's name.
        name: &'static str,
    },
    /// A duration beyond any sensible use (and beyond what timestamps can carry safely).
    #[error("--{name} is longer than {max}; use a shorter duration")]
    TooLong {
        /// The flag's name.
        name: &'static str,
        /// The limit, written as a duration.
        max: &'static str,
    },
    /// A `max-age` above the limit.
    #[error(
        "--cache-max-age {0} is above {MAX_CACHE_MAX_AGE_SECS} s: caches would hide a new notice for too long"
    )]
    MaxAgeTooLong(u32),
}

impl Settings {
    /// Checks the settings against each other.
    pub fn validate(&self) -> Result<(), ConfigError> {
        for (name, value) in [
            ("heartbeat-interval", self.heartbeat_interval),
            ("feed-validity", self.feed_validity),
            ("request-timeout", self.request_timeout),
            ("copy-check-interval", self.copy_check_interval),
            ("shutdown-timeout", self.shutdown_timeout),
        ] {
            if value.as_secs() == 0 {
                return Err(ConfigError::Zero { name });
            }
        }
        const DAY: u64 = 24 * 3600;
        for (name, value, max, shown) in [
            (
                "heartbeat-interval",
                self.heartbeat_interval,
                30 * DAY,
                "30 days",
            ),
            ("feed-validity", self.feed_validity, 366 * DAY, "366 days"),
            ("retention", self.retention, 366 * DAY, "366 days"),
            ("request-timeout", self.request_timeout, 3600, "1 hour"),
            (
                "copy-check-interval",
                self.copy_check_interval,
                DAY,
                "1 day",
            ),
            ("shutdown-timeout", self.shutdown_timeout, 600, "10 minutes"),
        ] {
            if value.as_secs() > max {
                return Err(ConfigError::TooLong { name, max: shown });
            }
        }
        if self.auth_failures_per_minute == 0 {
            return Err(ConfigError::Zero {
                name: "auth-failures-per-minute",
            });
        }
        if self.keep_versions == 0 {
            return Err(ConfigError::Zero {
                name: "keep-versions",
            });
        }
        if self.feed_validity <= self.heartbeat_interval {
            return Err(ConfigError::ValidityNotAboveHeartbeat {
                validity: humantime::format_duration(self.feed_validity).to_string(),
                interval: humantime::format_duration(self.heartbeat_interval).to_string(),
            });
        }
        if self.cache_max_age_secs > MAX_CACHE_MAX_AGE_SECS {
            return Err(ConfigError::MaxAgeTooLong(self.cache_max_age_secs));
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn default_settings_are_valid() {
        assert_eq!(Settings::default().validate(), Ok(()));
    }

    #[test]
    fn validity_must_exceed_the_heartbeat_interval() {
        let settings = Settings {
            feed_validity: Duration::from_secs(3600),
            heartbeat_interval: Duration::from_secs(3600),
            ..Settings::default()
        };
        let err = settings.validate().unwrap_err();
        assert!(matches!(err, ConfigError::ValidityNotAboveHeartbeat { .. }));
        assert!(err.to_string().contains("1h"), "{err}");
    }

    #[test]
    fn max_age_is_capped_at_a_minute() {
        let settings = Settings {
            cache_max_age_secs: 61,
            ..Settings::default()
        };
        assert_eq!(settings.validate(), Err(ConfigError::MaxAgeTooLong(61)));
    }

    #[test]
    fn absurd_durations_are_refused() {
        let settings = Settings {
            feed_validity: Duration::from_secs(u64::MAX),
            ..Settings::default()
        };
        assert_eq!(
            settings.validate(),
            Err(ConfigError::TooLong {
                name: "feed-validity",
                max: "366 days"
            })
        );
    }

    #[test]
    fn zero_durations_are_refused() {
        let settings = Settings {
            heartbeat_interval: Duration::ZERO,
            ..Settings::default()
        };
        assert_eq!(
            settings.validate(),
            Err(ConfigError::Zero {
                name: "heartbeat-interval"
            })
        );
    }
}
