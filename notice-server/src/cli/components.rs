//! The component registry as the server is told it: `--component` flags, and `[[components]]` tables in
//! the config file, which become those flags (so both are checked by one parser, and the command line wins
//! over the file as for every other setting).
//!
//! ```toml
//! [[components]]
//! id = "keyshare"
//! name = { en = "PIN validation", nl = "Pincode controleren", de = "PIN-Prüfung" }
//! ```
//!
//! is `--component keyshare="PIN validation" --component keyshare:de="PIN-Prüfung" --component
//! keyshare:nl="Pincode controleren"`. A component's languages may be spread over several flags; the order in
//! which ids first appear is the display order.

use std::path::Path;

use anyhow::{Context as _, bail};
use notice_types::{Component, ComponentInfo, LanguageTag, LocalizedText};

/// The registry of `--component` values, in order of first mention.
pub fn parse(values: &[String]) -> anyhow::Result<Vec<ComponentInfo>> {
    let mut order: Vec<Component> = Vec::new();
    let mut names: Vec<Vec<(LanguageTag, String)>> = Vec::new();
    for value in values {
        let Some((key, name)) = value.split_once('=') else {
            bail!(
                "--component {value}: write ID=NAME or ID:LANG=NAME (e.g. keyshare=\"PIN validation\")"
            );
        };
        let (id, lang) = match key.split_once(':') {
            Some((id, lang)) => (id, lang),
            None => (key, "en"),
        };
        let id = Component::parse(id.trim()).map_err(|e| {
            anyhow::anyhow!(
                "--component {value}: `{id}` is not a component id ({})",
                e.reason
            )
        })?;
        let lang = LanguageTag::parse(lang.trim())
            .map_err(|e| anyhow::anyhow!("--component {value}: {}", e.reason))?;
        let index = match order.iter().position(|known| *known == id) {
            Some(index) => index,
            None => {
                order.push(id.clone());
                names.push(Vec::new());
                order.len() - 1
            }
        };
        names[index].push((lang, name.to_owned()));
    }
    order
        .into_iter()
        .zip(names)
        .map(|(id, pairs)| {
            let name = LocalizedText::from_pairs(pairs).map_err(|e| {
                anyhow::anyhow!(
                    "--component {id}: {} (give {id}=NAME in English, and {id}:LANG=NAME for others)",
                    e
                )
            })?;
            Ok(ComponentInfo { id, name })
        })
        .collect()
}

/// The `--component` values of a config file's `components` (an array of tables with `id` and `name`).
pub fn from_file(file: &Path, value: &toml::Value) -> anyhow::Result<Vec<String>> {
    let shape = || {
        format!(
            "{}: `components` is a list of [[components]] tables, each with id = \"…\" and name = {{ en = \"…\", nl = \"…\" }}",
            file.display()
        )
    };
    let tables = value.as_array().with_context(shape)?;
    let mut out = Vec::new();
    for table in tables {
        let table = table.as_table().with_context(shape)?;
        if let Some(unknown) = table.keys().find(|k| !matches!(k.as_str(), "id" | "name")) {
            bail!(
                "{}: `{unknown}` is not a field of a component (id, name)",
                file.display()
            );
        }
        let id = table
            .get("id")
            .and_then(toml::Value::as_str)
            .with_context(shape)?;
        let names = table
            .get("name")
            .and_then(toml::Value::as_table)
            .with_context(shape)?;
        // English first: the flag without a language is English.
        let mut langs: Vec<(&String, &toml::Value)> = names.iter().collect();
        langs.sort_by_key(|(lang, _)| *lang != "en");
        for (lang, name) in langs {
            let name = name.as_str().with_context(shape)?;
            if lang == "en" {
                out.push(format!("{id}={name}"));
            } else {
                out.push(format!("{id}:{lang}={name}"));
            }
        }
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn flags_and_tables_give_the_same_registry() {
        let flags: Vec<String> = [
            "keyshare=PIN validation",
            "issuance=Issuing cards",
            "keyshare:nl=Pincode controleren",
        ]
        .into_iter()
        .map(str::to_owned)
        .collect();
        let registry = parse(&flags).unwrap();
        assert_eq!(registry.len(), 2);
        assert_eq!(registry[0].id.as_str(), "keyshare");
        assert_eq!(
            registry[0].name.get(&LanguageTag::parse("nl").unwrap()),
            Some("Pincode controleren")
        );
        let file: toml::Table = r#"
            [[components]]
            id = "keyshare"
            name = { nl = "Pincode controleren", en = "PIN validation" }
            [[components]]
            id = "issuance"
            name = { en = "Issuing cards" }
        "#
        .parse()
        .unwrap();
        let values = from_file(Path::new("c.toml"), &file["components"]).unwrap();
        assert_eq!(parse(&values).unwrap(), registry);
    }

    #[test]
    fn mistakes_are_named() {
        let one = |v: &str| parse(&[v.to_owned()]).unwrap_err().to_string();
        assert!(one("keyshare").contains("ID=NAME"));
        assert!(one("Key=K").contains("is not a component id"));
        assert!(one("keyshare:nl=K").contains("English"));
        let bad: toml::Table = "components = [{ id = \"k\", title = {} }]".parse().unwrap();
        let err = from_file(Path::new("c.toml"), &bad["components"]).unwrap_err();
        assert!(err.to_string().contains("`title` is not a field"), "{err}");
    }
}
