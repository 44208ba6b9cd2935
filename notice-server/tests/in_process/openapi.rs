//! The OpenAPI document matches the router, both ways, and describes the one error format.

use std::collections::BTreeSet;

use axum::body::Body;
use axum::http::{Method, StatusCode};
use notice_server::routes::{Access, routes};
use serde_json::Value;

use crate::harness::Harness;

/// `/v1/admin/notices/{id}` → a concrete path for requests.
fn concrete(path: &str) -> String {
    path.replace("{id}", "some-id")
}

#[tokio::test]
async fn every_route_is_documented_and_every_documented_operation_is_served() {
    let h = Harness::new();
    let reply = h.get("/v1/openapi.json").await;
    assert_eq!(reply.status, StatusCode::OK);
    let doc = reply.json();
    assert_eq!(doc["openapi"], "3.1.0");

    let served: BTreeSet<(String, String)> = routes()
        .iter()
        .map(|r| (r.method.as_str().to_ascii_lowercase(), r.path.to_owned()))
        .collect();
    let mut documented = BTreeSet::new();
    for (path, operations) in doc["paths"].as_object().unwrap() {
        for method in operations.as_object().unwrap().keys() {
            documented.insert((method.clone(), path.clone()));
        }
    }
    // GET routes answer HEAD as well; the document may list it.
    let documented_without_head: BTreeSet<_> = documented
        .iter()
        .filter(|(method, path)| {
            method != "head" || !served.contains(&("get".to_owned(), path.clone()))
        })
        .cloned()
        .collect();
    assert_eq!(served, documented_without_head);

    // And each table entry really is a route of the app: a request to it is not the 404 fallback or a 405.
    for route in routes() {
        let mut builder = Harness::request(route.method.clone(), &concrete(route.path));
        if route.access == Access::Admin {
            builder = builder.header("authorization", format!("Bearer {}", h.token));
        }
        let reply = h.send(builder.body(Body::from("{}")).unwrap()).await;
        assert_ne!(
            reply.status,
            StatusCode::METHOD_NOT_ALLOWED,
            "{} {}",
            route.method,
            route.path
        );
        if reply.status == StatusCode::NOT_FOUND {
            assert!(
                !reply.json()["error"]["message"]
                    .as_str()
                    .unwrap()
                    .contains("no such endpoint"),
                "{} {} is not routed",
                route.method,
                route.path
            );
        }
        let operation = &doc["paths"][route.path][route.method.as_str().to_ascii_lowercase()];
        let secured = operation.get("security").is_some();
        assert_eq!(
            secured,
            route.access == Access::Admin,
            "{} {} security",
            route.method,
            route.path
        );
    }
}

#[test]
fn every_error_response_uses_the_error_schema_and_it_matches_the_contract() {
    let doc = notice_server::openapi::document();
    let schema = &doc["components"]["schemas"]["Error"];
    assert_eq!(schema["required"], serde_json::json!(["error"]));
    let inner = &schema["properties"]["error"];
    assert_eq!(inner["required"], serde_json::json!(["code", "message"]));
    let mut keys: Vec<&String> = inner["properties"].as_object().unwrap().keys().collect();
    keys.sort();
    assert_eq!(keys, ["code", "field", "message"]);
    let codes: BTreeSet<&str> = inner["properties"]["code"]["enum"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c.as_str().unwrap())
        .collect();
    for code in [
        "unauthorized",
        "rate_limited",
        "invalid_field",
        "invalid_json",
        "payload_too_large",
        "not_found",
        "conflict",
        "internal",
    ] {
        assert!(codes.contains(code), "{code}");
    }

    let mut error_responses = 0;
    for (path, operations) in doc["paths"].as_object().unwrap() {
        for (method, operation) in operations.as_object().unwrap() {
            for (status, response) in operation["responses"].as_object().unwrap() {
                let code: u16 = status.parse().unwrap();
                if code >= 400 {
                    error_responses += 1;
                    assert_eq!(
                        response["content"]["application/json"]["schema"]["$ref"],
                        Value::from("#/components/schemas/Error"),
                        "{method} {path} {status}"
                    );
                }
            }
            // Every $ref points at a defined schema.
            check_refs(operation, &doc);
        }
    }
    assert!(error_responses > 20);
}

fn check_refs(value: &Value, doc: &Value) {
    match value {
        Value::Object(map) => {
            if let Some(Value::String(target)) = map.get("$ref") {
                let name = target.trim_start_matches("#/components/schemas/");
                assert!(
                    doc["components"]["schemas"].get(name).is_some(),
                    "dangling {target}"
                );
            }
            map.values().for_each(|v| check_refs(v, doc));
        }
        Value::Array(items) => items.iter().for_each(|v| check_refs(v, doc)),
        _ => {}
    }
}

#[tokio::test]
async fn the_document_is_served_with_a_head_for_the_feed() {
    let h = Harness::new();
    let doc = h.get("/v1/openapi.json").await.json();
    assert!(doc["paths"]["/v1/feed.json"].get("head").is_some());
    let head = h
        .send(
            Harness::request(Method::HEAD, "/v1/feed.json")
                .body(Body::empty())
                .unwrap(),
        )
        .await;
    assert_eq!(head.status, StatusCode::OK);
}
