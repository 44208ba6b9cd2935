//! When a check raises and recovers: hysteresis, so that a flapping service does not flap the banner.
//!
//! A check raises after `raise_after` failures among its last `window` results (with `window ==
//! raise_after`: that many in a row), and recovers after `recover_after` successes in a row. Pure: results in,
//! transitions out; the state is saved with the watchdog's state file, so a restart (or a `--once` run from
//! cron) goes on where the last one stopped.

use std::collections::VecDeque;

use serde::{Deserialize, Serialize};

/// The alerting rule of one check.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Rule {
    /// Failures that raise.
    pub raise_after: u32,
    /// Among how many of the latest results.
    pub window: u32,
    /// Successes in a row that recover.
    pub recover_after: u32,
}

impl Rule {
    /// The rule in words, for summaries and logs.
    pub fn describe(&self) -> String {
        let raise = if self.window == self.raise_after {
            format!("raise after {} failures in a row", self.raise_after)
        } else {
            format!(
                "raise after {} failures among the last {} checks",
                self.raise_after, self.window
            )
        };
        format!(
            "{raise}, recover after {} successes in a row",
            self.recover_after
        )
    }
}

/// Where a check stands.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Health {
    /// The latest results while not raised, oldest first (`true`: success).
    #[serde(default)]
    recent: VecDeque<bool>,
    /// Whether the check is raised.
    #[serde(default)]
    raised: bool,
    /// Successes in a row while raised.
    #[serde(default)]
    streak: u32,
}

/// A change of a check's standing.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Transition {
    /// It failed `failures` times among the last `of` checks.
    Raised {
        /// Failures counted.
        failures: u32,
        /// Among this many checks.
        of: u32,
    },
    /// It succeeded `successes` times in a row.
    Recovered {
        /// Successes in a row.
        successes: u32,
    },
}

impl Transition {
    /// In words: "3 of the last 3 checks failed", "3 checks in a row succeeded".
    pub fn describe(&self) -> String {
        match self {
            Transition::Raised { failures, of } => {
                format!("{failures} of the last {of} checks failed")
            }
            Transition::Recovered { successes } => {
                format!("{successes} checks in a row succeeded")
            }
        }
    }
}

impl Health {
    /// Whether the check is raised.
    pub fn is_raised(&self) -> bool {
        self.raised
    }

    /// Takes one result in; says when the check raised or recovered with it.
    pub fn record(&mut self, rule: &Rule, ok: bool) -> Option<Transition> {
        if self.raised {
            self.streak = if ok { self.streak.saturating_add(1) } else { 0 };
            if self.streak >= rule.recover_after {
                let successes = self.streak;
                *self = Health::default();
                return Some(Transition::Recovered { successes });
            }
            return None;
        }
        self.recent.push_back(ok);
        while self.recent.len() > rule.window as usize {
            self.recent.pop_front();
        }
        let failures = self.recent.iter().filter(|ok| !**ok).count() as u32;
        if failures >= rule.raise_after {
            let of = self.recent.len() as u32;
            *self = Health {
                recent: VecDeque::new(),
                raised: true,
                streak: 0,
            };
            return Some(Transition::Raised { failures, of });
        }
        None
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const IN_A_ROW: Rule = Rule {
        raise_after: 3,
        window: 3,
        recover_after: 2,
    };

    /// The transitions of `results` (`x` failure, `.` success) from a fresh check.
    fn run(rule: Rule, results: &str) -> Vec<(usize, &'static str)> {
        let mut health = Health::default();
        results
            .chars()
            .enumerate()
            .filter_map(|(i, c)| {
                health.record(&rule, c == '.').map(|t| match t {
                    Transition::Raised { .. } => (i, "raised"),
                    Transition::Recovered { .. } => (i, "recovered"),
                })
            })
            .collect()
    }

    #[test]
    fn it_raises_after_n_failures_in_a_row_and_recovers_after_k_successes() {
        assert_eq!(
            run(IN_A_ROW, "..xx.xxx..."),
            [(7, "raised"), (9, "recovered")]
        );
    }

    #[test]
    fn a_flapping_service_raises_once_and_does_not_recover_while_it_flaps() {
        assert_eq!(run(IN_A_ROW, "x.x.x.x.x.x."), []);
        let three_of_five = Rule {
            raise_after: 3,
            window: 5,
            recover_after: 2,
        };
        assert_eq!(run(three_of_five, "x.x.x.x.x.x.x."), [(4, "raised")]);
    }

    #[test]
    fn the_state_survives_a_round_trip_through_the_state_file() {
        let mut health = Health::default();
        for ok in [false, false, false, true] {
            health.record(&IN_A_ROW, ok);
        }
        let restored: Health =
            serde_json::from_str(&serde_json::to_string(&health).unwrap()).unwrap();
        assert!(restored.is_raised());
        let mut restored = restored;
        assert_eq!(
            restored.record(&IN_A_ROW, true),
            Some(Transition::Recovered { successes: 2 })
        );
    }
}
