//! What the feed is about: the service's name, its status page, its time zone and its components with their
//! names in each language. An optional part of the feed payload (`service`), added after version 1 of the
//! protocol: old readers ignore it as an unknown signed field.
//!
//! It travels signed with the notices so that every copy tells the same story: an app shows a component's
//! name in the user's language, and a mirror or a static export renders the same status page (name, links,
//! local times, component list) as the origin, without configuration of its own.

use std::collections::BTreeSet;

use serde::{Deserialize, Serialize};

use crate::{Component, InvalidField, LanguageTag, LocalizedText, check_plain_text};

/// Most components in the registry.
pub const MAX_SERVICE_COMPONENTS: usize = 32;
/// Longest service name, in characters.
pub const MAX_SERVICE_NAME_CHARS: usize = 80;
/// Longest component name, in characters per language.
pub const MAX_COMPONENT_NAME_CHARS: usize = 80;
/// Longest status page URL, in bytes.
pub const MAX_SERVICE_URL_BYTES: usize = 512;
/// Longest time zone name, in bytes.
pub const MAX_TIME_ZONE_BYTES: usize = 64;

/// The service a feed is about (the feed payload's `service`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(try_from = "ServiceFields")]
pub struct ServiceInfo {
    /// The name people know it by, e.g. `Yivi`: one line of plain text.
    pub name: String,
    /// The public status page, `https://status.example.org/` (http allowed for tests on loopback). Status
    /// pages and feed readers link it; apps do not need it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub url: Option<String>,
    /// The IANA time zone the status page shows times in, e.g. `Europe/Amsterdam`. Only the syntax is
    /// checked here: a renderer that does not know the zone shows UTC.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub time_zone: Option<String>,
    /// The status page's default language (of `index.html`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub lang: Option<LanguageTag>,
    /// The component registry, in display order.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub components: Vec<ComponentInfo>,
}

/// One declared component: the id notices name in `components`, and what people call it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(try_from = "ComponentFields")]
pub struct ComponentInfo {
    /// The id, as in a notice's `components` (`keyshare`).
    pub id: Component,
    /// Its name per language (`en` required), one line each.
    pub name: LocalizedText,
}

#[derive(Deserialize)]
struct ServiceFields {
    name: String,
    #[serde(default)]
    url: Option<String>,
    #[serde(default)]
    time_zone: Option<String>,
    #[serde(default)]
    lang: Option<LanguageTag>,
    #[serde(
        default,
        deserialize_with = "crate::bounded::vec::<_, _, MAX_SERVICE_COMPONENTS>"
    )]
    components: Vec<ComponentInfo>,
}

#[derive(Deserialize)]
struct ComponentFields {
    id: Component,
    name: LocalizedText,
}

impl TryFrom<ComponentFields> for ComponentInfo {
    type Error = InvalidField;
    fn try_from(f: ComponentFields) -> Result<Self, Self::Error> {
        let component = ComponentInfo {
            id: f.id,
            name: f.name,
        };
        component.validate()?;
        Ok(component)
    }
}

impl TryFrom<ServiceFields> for ServiceInfo {
    type Error = InvalidField;
    fn try_from(f: ServiceFields) -> Result<Self, Self::Error> {
        let service = ServiceInfo {
            name: f.name,
            url: f.url,
            time_zone: f.time_zone,
            lang: f.lang,
            components: f.components,
        };
        service.check(false)?;
        Ok(service)
    }
}

impl ComponentInfo {
    /// Checks the name's plain-text rules.
    pub fn validate(&self) -> Result<(), InvalidField> {
        self.name
            .check_plain(MAX_COMPONENT_NAME_CHARS, false)
            .map_err(|e| e.within("name"))
    }
}

impl ServiceInfo {
    /// A service with only a name.
    pub fn named(name: impl Into<String>) -> Self {
        Self {
            name: name.into(),
            url: None,
            time_zone: None,
            lang: None,
            components: Vec::new(),
        }
    }

    /// Checks every rule (see PROTOCOL.md §6, "Service").
    pub fn validate(&self) -> Result<(), InvalidField> {
        self.check(true)
    }

    /// The component declared as `id`, if any.
    pub fn component(&self, id: &Component) -> Option<&ComponentInfo> {
        self.components.iter().find(|c| &c.id == id)
    }

    fn check(&self, components: bool) -> Result<(), InvalidField> {
        check_plain_text(&self.name, MAX_SERVICE_NAME_CHARS, false)
            .map_err(|e| e.within("name"))?;
        if let Some(url) = &self.url {
            check_url(url).map_err(|reason| InvalidField::new("url", reason))?;
        }
        if let Some(zone) = &self.time_zone {
            check_time_zone(zone).map_err(|reason| InvalidField::new("time_zone", reason))?;
        }
        if self.components.len() > MAX_SERVICE_COMPONENTS {
            return Err(InvalidField::new(
                "components",
                format!("at most {MAX_SERVICE_COMPONENTS} components"),
            ));
        }
        let mut ids = BTreeSet::new();
        for (i, component) in self.components.iter().enumerate() {
            let at = || format!("components[{i}]");
            if components {
                component.validate().map_err(|e| e.within(&at()))?;
            }
            if !ids.insert(&component.id) {
                return Err(InvalidField::new(
                    "id",
                    format!("component `{}` is declared twice", component.id),
                )
                .within(&at()));
            }
        }
        Ok(())
    }
}

/// An `https://` URL of the links' strict syntax (PROTOCOL.md §6, "Links"), without query or fragment, ending
/// in `/`: the status page's address, shown to people and linked from apps.
fn check_url(text: &str) -> Result<(), String> {
    if text.len() > MAX_SERVICE_URL_BYTES {
        return Err(format!("longer than {MAX_SERVICE_URL_BYTES} bytes"));
    }
    crate::link::check_link_syntax(text).map_err(|e| e.reason)?;
    if text.contains(['?', '#']) {
        return Err("must not have a query or fragment".to_owned());
    }
    if !text.ends_with('/') {
        return Err(format!("must end in `/`, e.g. `{text}/`"));
    }
    Ok(())
}

/// The syntax of an IANA time zone name: `UTC`, `Europe/Amsterdam`, `America/Argentina/Buenos_Aires`,
/// `Etc/GMT+1`: segments of ASCII letters, digits, `_`, `+`, `-`, joined by `/`.
fn check_time_zone(text: &str) -> Result<(), String> {
    let good = !text.is_empty()
        && text.len() <= MAX_TIME_ZONE_BYTES
        && text.split('/').all(|segment| {
            !segment.is_empty()
                && segment
                    .bytes()
                    .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'_' | b'+' | b'-'))
        });
    if good {
        Ok(())
    } else {
        Err(format!(
            "not an IANA time zone name (e.g. Europe/Amsterdam; at most {MAX_TIME_ZONE_BYTES} bytes)"
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(json: &str) -> Result<ServiceInfo, String> {
        serde_json::from_str(json).map_err(|e| e.to_string())
    }

    #[test]
    fn a_full_service_parses_and_round_trips() {
        let json = r#"{"name":"Yivi","url":"https://status.yivi.app/","time_zone":"Europe/Amsterdam","lang":"nl","components":[{"id":"keyshare","name":{"en":"PIN validation","nl":"Pincode controleren"}}]}"#;
        let service = parse(json).unwrap();
        assert_eq!(service.components[0].id.as_str(), "keyshare");
        assert_eq!(serde_json::to_string(&service).unwrap(), json);
        assert_eq!(parse(r#"{"name":"Yivi","extra":1}"#).unwrap().name, "Yivi");
    }

    #[test]
    fn every_rule_is_enforced_while_parsing() {
        for bad in [
            r#"{}"#,
            r#"{"name":""}"#,
            r#"{"name":"a\nb"}"#,
            r#"{"name":"Y","url":"ftp://x.org/"}"#,
            r#"{"name":"Y","url":"https://x.org"}"#,
            r#"{"name":"Y","url":"https://u:p@x.org/"}"#,
            r#"{"name":"Y","url":"https://x.org/?a"}"#,
            r#"{"name":"Y","time_zone":"Europe/"}"#,
            r#"{"name":"Y","time_zone":"Europe Amsterdam"}"#,
            r#"{"name":"Y","lang":"NL"}"#,
            r#"{"name":"Y","components":[{"id":"Keyshare","name":{"en":"K"}}]}"#,
            r#"{"name":"Y","components":[{"id":"k","name":{"nl":"K"}}]}"#,
            r#"{"name":"Y","components":[{"id":"k","name":{"en":""}}]}"#,
            r#"{"name":"Y","components":[{"id":"k","name":{"en":"K"}},{"id":"k","name":{"en":"L"}}]}"#,
            r#"{"name":"Y","name":"Z"}"#,
        ] {
            assert!(parse(bad).is_err(), "{bad} was accepted");
        }
        let many: Vec<String> = (0..=MAX_SERVICE_COMPONENTS)
            .map(|i| format!(r#"{{"id":"c{i}","name":{{"en":"C"}}}}"#))
            .collect();
        let json = format!(r#"{{"name":"Y","components":[{}]}}"#, many.join(","));
        assert!(parse(&json).is_err());
    }
}
