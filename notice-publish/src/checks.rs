//! Checks of a change beyond the protocol's rules, that depend on the feed owner's setup and on the other
//! notices. The server runs them in every write (dry runs included) and break-glass runs them on the last
//! known feed, so the operator's preview shows what the write will say.
//!
//! - [`known_components`]: a component a change adds must be in the registry (when there is one), or the
//!   change is refused with the nearest declared names ("did you mean `keyshare`?").
//! - [`cautions`]: what is allowed but probably a mistake, and so needs an explicit yes (`--yes`):
//!   maintenance set in progress well before its start, and a second open outage on one component.

use notice_types::{Component, ComponentInfo, InvalidField, Notice, Severity, Status, Timestamp};

use crate::error::ChangeError;
use crate::record::{NoticeRecord, NoticeState};

/// Starting maintenance this long before its `starts_at` is worth a caution (a few minutes early is normal).
const EARLY_START_SECS: i64 = 15 * 60;

/// Refuses a component of `after` that `before` did not name and that `registry` does not declare. An
/// empty registry declares everything (feeds that predate registries keep working), and components a notice
/// already named stay allowed (a component dropped from the registry does not lock its notices).
pub fn known_components(
    before: Option<&Notice>,
    after: &Notice,
    registry: &[ComponentInfo],
) -> Result<(), ChangeError> {
    if registry.is_empty() {
        return Ok(());
    }
    for (i, component) in after.components.iter().enumerate() {
        let known = registry.iter().any(|c| &c.id == component)
            || before.is_some_and(|b| b.components.contains(component));
        if !known {
            return Err(InvalidField::new(
                format!("components[{i}]"),
                unknown_component(component, registry),
            )
            .into());
        }
    }
    Ok(())
}

/// "unknown component `keyshar`; did you mean `keyshare`? Declared: keyshare, issuance".
fn unknown_component(component: &Component, registry: &[ComponentInfo]) -> String {
    let declared: Vec<&str> = registry.iter().map(|c| c.id.as_str()).collect();
    let mut near: Vec<(usize, &str)> = declared
        .iter()
        .map(|id| (distance(component.as_str(), id), *id))
        .filter(|(d, id)| {
            *d <= 2.max(component.as_str().len() / 3) || id.starts_with(component.as_str())
        })
        .collect();
    near.sort();
    let declared = declared.join(", ");
    match near.first() {
        Some((_, id)) => {
            format!("unknown component `{component}`; did you mean `{id}`? declared: {declared}")
        }
        None => format!("unknown component `{component}`; declared: {declared}"),
    }
}

/// Levenshtein distance (component ids are at most 32 bytes: the quadratic cost is nothing).
fn distance(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut row: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.chars().enumerate() {
        let mut previous = row[0];
        row[0] = i + 1;
        for (j, cb) in b.iter().enumerate() {
            let substitute = previous + usize::from(ca != *cb);
            previous = row[j + 1];
            row[j + 1] = substitute.min(previous + 1).min(row[j] + 1);
        }
    }
    row[b.len()]
}

/// What is worth an explicit yes about `after` (the record a change makes, `before` it if it existed) at
/// `now`, given the `others` notices: each caution in words for the operator.
pub fn cautions<'a>(
    before: Option<&Notice>,
    after: &NoticeRecord,
    others: impl IntoIterator<Item = &'a NoticeRecord>,
    now: Timestamp,
) -> Vec<String> {
    let mut found = Vec::new();
    let notice = &after.notice;
    let was_in_progress = before.is_some_and(|b| b.status == Status::InProgress);
    if notice.status == Status::InProgress
        && !was_in_progress
        && let Some(start) = notice.starts_at
        && start.unix() - now.unix() > EARLY_START_SECS
    {
        found.push(format!(
            "maintenance `{}` is set in progress before its start at {start} ({} early); apps show it as under way from now on",
            notice.id,
            early(start.unix() - now.unix())
        ));
    }
    let open_outage = |n: &Notice| n.severity == Severity::Outage && !n.status.is_closed();
    let newly_open_outage = open_outage(notice)
        && after.state == NoticeState::Active
        && before.is_none_or(|b| !open_outage(b) || b.components != notice.components);
    if newly_open_outage {
        let others: Vec<&NoticeRecord> = others
            .into_iter()
            .filter(|r| r.notice.id != notice.id && r.state == NoticeState::Active)
            .filter(|r| open_outage(&r.notice))
            .collect();
        for component in &notice.components {
            if let Some(other) = others
                .iter()
                .find(|r| r.notice.components.contains(component))
            {
                found.push(format!(
                    "`{component}` already has an open outage, `{}`; update that one instead of posting a second (`notice update {}`)",
                    other.notice.id, other.notice.id
                ));
            }
        }
    }
    found
}

/// "2 d 3 h", "40 min": how early.
fn early(seconds: i64) -> String {
    let minutes = seconds / 60;
    match (minutes / 1440, minutes / 60 % 24, minutes % 60) {
        (0, 0, m) => format!("{m} min"),
        (0, h, m) => format!("{h} h {m} min"),
        (d, h, _) => format!("{d} d {h} h"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use notice_types::{LocalizedText, NoticeId};

    fn registry() -> Vec<ComponentInfo> {
        ["keyshare", "issuance"]
            .into_iter()
            .map(|id| ComponentInfo {
                id: Component::parse(id).unwrap(),
                name: LocalizedText::english(id),
            })
            .collect()
    }

    fn notice(id: &str, severity: Severity, components: &[&str]) -> Notice {
        Notice {
            id: NoticeId::parse(id).unwrap(),
            revision: 1,
            severity,
            status: severity.initial_status(),
            title: LocalizedText::english("T"),
            body: LocalizedText::english("B"),
            components: components
                .iter()
                .map(|c| Component::parse(c).unwrap())
                .collect(),
            platforms: vec![],
            app_versions: None,
            created_at: Timestamp::from_unix(0),
            updated_at: Timestamp::from_unix(0),
            show_from: None,
            starts_at: None,
            ends_at: None,
            dismissible: false,
            link: None,
            updates: vec![],
        }
    }

    #[test]
    fn an_unknown_component_is_refused_with_the_nearest_name() {
        let typo = notice("a", Severity::Outage, &["keyshar"]);
        let err = known_components(None, &typo, &registry()).unwrap_err();
        let text = err.to_string();
        assert!(
            text.contains(
                "unknown component `keyshar`; did you mean `keyshare`? declared: keyshare, issuance"
            ),
            "{text}"
        );
        let far = notice("a", Severity::Outage, &["database"]);
        let text = known_components(None, &far, &registry())
            .unwrap_err()
            .to_string();
        assert!(
            text.contains("unknown component `database`; declared: keyshare, issuance"),
            "{text}"
        );
        assert!(
            known_components(None, &typo, &[]).is_ok(),
            "no registry, no check"
        );
        assert!(
            known_components(Some(&typo), &typo, &registry()).is_ok(),
            "already named"
        );
        assert_eq!(distance("keyshar", "keyshare"), 1);
        assert_eq!(distance("", "ab"), 2);
    }

    #[test]
    fn early_maintenance_and_a_second_outage_are_cautions() {
        let now = Timestamp::from_unix(1_000_000);
        let mut maintenance = notice("m", Severity::Maintenance, &[]);
        maintenance.starts_at = Some(now.plus_seconds(2 * 86_400));
        maintenance.ends_at = Some(now.plus_seconds(2 * 86_400 + 3600));
        let before = maintenance.clone();
        maintenance.status = Status::InProgress;
        let found = cautions(
            Some(&before),
            &NoticeRecord::new(maintenance.clone()),
            [],
            now,
        );
        assert_eq!(found.len(), 1);
        assert!(
            found[0].contains("before its start") && found[0].contains("2 d 0 h early"),
            "{found:?}"
        );
        maintenance.starts_at = Some(now.plus_seconds(60));
        assert!(cautions(Some(&before), &NoticeRecord::new(maintenance), [], now).is_empty());

        let first = NoticeRecord::new(notice("first", Severity::Outage, &["keyshare"]));
        let second = NoticeRecord::new(notice("second", Severity::Outage, &["keyshare"]));
        let found = cautions(None, &second, [&first], now);
        assert_eq!(found.len(), 1);
        assert!(
            found[0].contains("`keyshare` already has an open outage, `first`"),
            "{found:?}"
        );
        let other = NoticeRecord::new(notice("other", Severity::Outage, &["issuance"]));
        assert!(cautions(None, &other, [&first], now).is_empty());
        // Updating the second one again says nothing new.
        assert!(cautions(Some(&second.notice), &second, [&first], now).is_empty());
    }
}
