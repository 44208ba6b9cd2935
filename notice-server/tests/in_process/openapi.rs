//! The OpenAPI document matches the router, both ways, and describes the one error format.

use std::collections::BTreeSet;

use axum::body::Body;
use axum::http::{Method, StatusCode};
use notice_server::{Access, routes};
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
        if route.access.needs_token() {
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
        // The scopes the document lists are the ones the route table lets in.
        let scopes: Option<Vec<Value>> = operation.get("security").map(|requirements| {
            requirements
                .as_array()
                .unwrap()
                .iter()
                .map(|r| r["bearer"].clone())
                .collect()
        });
        let expected = match route.access {
            Access::Public => None,
            Access::Admin => Some(vec![serde_json::json!(["admin"])]),
            Access::Watch => Some(vec![
                serde_json::json!(["admin"]),
                serde_json::json!(["watch"]),
            ]),
        };
        assert_eq!(scopes, expected, "{} {} security", route.method, route.path);
        // Only admin tokens get past an admin route; the document says what the others get.
        if route.access == Access::Admin {
            assert!(
                operation["responses"].get("403").is_some(),
                "{} {} lists no 403 for watch tokens",
                route.method,
                route.path
            );
        }
    }
}

#[test]
fn every_error_response_uses_the_error_schema_and_it_matches_the_contract() {
    let doc = notice_server::openapi_document();
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
            // The server answers 415 to a body on any route that takes one, not declared JSON.
            if operation.get("requestBody").is_some() {
                assert!(
                    operation["responses"].get("415").is_some(),
                    "{method} {path} takes a body but documents no 415"
                );
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

/// Checks `value` against `schema` for what the document uses: `$ref`, `enum`, `type`, `required`,
/// `properties`, `additionalProperties` (false or a schema), `items`, `minimum`. Returns the first mismatch.
fn conforms(value: &Value, schema: &Value, doc: &Value, at: &str) -> Result<(), String> {
    if let Some(Value::String(target)) = schema.get("$ref") {
        let name = target.trim_start_matches("#/components/schemas/");
        return conforms(value, &doc["components"]["schemas"][name], doc, at);
    }
    if let Some(Value::Array(allowed)) = schema.get("enum")
        && !allowed.contains(value)
    {
        return Err(format!("{at}: {value} is not one of {allowed:?}"));
    }
    let type_ok = match schema.get("type").and_then(Value::as_str) {
        Some("object") => value.is_object(),
        Some("array") => value.is_array(),
        Some("string") => value.is_string(),
        Some("integer") => value.is_i64() || value.is_u64(),
        Some("boolean") => value.is_boolean(),
        _ => true,
    };
    if !type_ok {
        return Err(format!("{at}: {value} is not of type {}", schema["type"]));
    }
    if let (Some(minimum), Some(number)) = (
        schema.get("minimum").and_then(Value::as_i64),
        value.as_i64(),
    ) && number < minimum
    {
        return Err(format!("{at}: {number} is below {minimum}"));
    }
    if let Value::Object(object) = value {
        for required in schema["required"].as_array().into_iter().flatten() {
            let name = required.as_str().unwrap_or_default();
            if !object.contains_key(name) {
                return Err(format!("{at}: required `{name}` is missing"));
            }
        }
        for (key, field) in object {
            let path = format!("{at}.{key}");
            match (
                schema["properties"].get(key),
                schema.get("additionalProperties"),
            ) {
                (Some(property), _) => conforms(field, property, doc, &path)?,
                (None, Some(Value::Bool(false))) => {
                    return Err(format!(
                        "{path}: not in the schema, which allows no other fields"
                    ));
                }
                (None, Some(extra @ Value::Object(_))) => conforms(field, extra, doc, &path)?,
                (None, _) if schema.get("properties").is_some() => {
                    return Err(format!("{path}: served but not documented"));
                }
                (None, _) => {}
            }
        }
    }
    if let (Value::Array(items), Some(item_schema)) = (value, schema.get("items")) {
        for (i, item) in items.iter().enumerate() {
            conforms(item, item_schema, doc, &format!("{at}[{i}]"))?;
        }
    }
    Ok(())
}

#[tokio::test]
async fn every_json_answer_conforms_to_its_documented_schema() {
    let h = Harness::new();
    let doc = notice_server::openapi_document();
    let schema_of = |path: &str, method: &str, status: &str| {
        doc["paths"][path][method]["responses"][status]["content"]["application/json"]["schema"]
            .clone()
    };
    let check = |reply: &crate::harness::Reply, path: &str, method: &str| {
        let status = reply.status.as_str().to_owned();
        let schema = schema_of(path, method, &status);
        assert!(
            !schema.is_null(),
            "{method} {path} answered {status}, which is not documented"
        );
        if let Err(mismatch) = conforms(&reply.json(), &schema, &doc, "$") {
            panic!("{method} {path} {status}: {mismatch}\n{}", reply.json());
        }
    };

    let id = h.create(crate::harness::outage()).await;
    let notice = format!("/v1/admin/notices/{id}");
    let documented = |path: &str| path.replace(&id, "{id}");
    let writes = [
        (
            Method::POST,
            "/v1/admin/notices".to_owned(),
            Some(crate::harness::outage().to_string()),
        ),
        (
            Method::PATCH,
            notice.clone(),
            Some(r#"{"title": {"en": "Edited"}}"#.to_owned()),
        ),
        (
            Method::POST,
            format!("{notice}/updates"),
            Some(r#"{"status": "identified", "message": {"en": "Found it."}}"#.to_owned()),
        ),
        (Method::POST, format!("{notice}/resolve"), None),
        (Method::POST, format!("{notice}/withdraw"), None),
    ];
    for (method, path, body) in writes {
        let reply = h.admin(method.clone(), &path, body.as_deref()).await;
        check(
            &reply,
            &documented(&path),
            &method.as_str().to_ascii_lowercase(),
        );
    }
    for path in [
        "/v1/admin/notices".to_owned(),
        "/v1/admin/notices?all=true".to_owned(),
        notice.clone(),
        "/v1/admin/audit".to_owned(),
        "/v1/admin/whoami".to_owned(),
    ] {
        let reply = h.admin(Method::GET, &path, None).await;
        let bare = path.split('?').next().unwrap();
        check(&reply, &documented(bare), "get");
    }
    for path in ["/healthz", "/v1/feed.json", "/v1/root.json"] {
        let reply = h.get(path).await;
        check(&reply, path, "get");
    }
    // Errors: each documented as the one error schema, with a code from its enum.
    let errors = [
        h.admin(Method::GET, "/v1/admin/notices/no-such-notice", None)
            .await,
        h.admin(
            Method::POST,
            "/v1/admin/notices",
            Some(r#"{"severity": "bad"}"#),
        )
        .await,
        h.admin(Method::POST, "/v1/admin/notices", Some("{not json"))
            .await,
        h.admin(Method::POST, &format!("{notice}/resolve"), None)
            .await,
        h.send(
            Harness::request(Method::GET, "/v1/admin/whoami")
                .body(Body::empty())
                .unwrap(),
        )
        .await,
    ];
    let error_schema = serde_json::json!({"$ref": "#/components/schemas/Error"});
    for reply in errors {
        assert!(reply.status.is_client_error(), "{}", reply.status);
        if let Err(mismatch) = conforms(&reply.json(), &error_schema, &doc, "$") {
            panic!("{} error: {mismatch}\n{}", reply.status, reply.json());
        }
    }
}

#[test]
fn the_schema_check_itself_catches_what_it_is_for() {
    let doc = notice_server::openapi_document();
    let error = serde_json::json!({"$ref": "#/components/schemas/Error"});
    let good = serde_json::json!({"error": {"code": "not_found", "message": "no"}});
    assert!(conforms(&good, &error, &doc, "$").is_ok());
    for bad in [
        serde_json::json!({"error": {"code": "made_up", "message": "no"}}),
        serde_json::json!({"error": {"code": "not_found"}}),
        serde_json::json!({"error": {"code": "not_found", "message": "no", "extra": 1}}),
        serde_json::json!({"error": {"code": "not_found", "message": 7}}),
    ] {
        assert!(conforms(&bad, &error, &doc, "$").is_err(), "{bad}");
    }
    let health = serde_json::json!({"$ref": "#/components/schemas/Health"});
    let undocumented = serde_json::json!({"status": "ok", "feed_version": 1, "feed_age_seconds": 0,
        "expires_in_seconds": 9, "uptime": 3});
    assert!(conforms(&undocumented, &health, &doc, "$").is_err());
}

/// The places where an OpenAPI fuzzer found the server and the document disagreeing (issue 16), each with the
/// answer the server gives now; the document lists that status for the operation.
#[tokio::test]
async fn what_the_fuzzer_found_is_answered_as_the_document_says() {
    let h = Harness::new();
    let doc = notice_server::openapi_document();
    let id = h.create(crate::harness::outage()).await;
    let info =
        r#"{"severity": "info", "status": "completed", "title": {"en": "x"}, "body": {"en": "y"}}"#;
    let cases: Vec<(Method, String, &str, Option<String>, StatusCode)> = vec![
        (
            Method::GET,
            "/?lang=en&lang=nl".into(),
            "/",
            None,
            StatusCode::UNPROCESSABLE_ENTITY,
        ),
        (
            Method::GET,
            "/feed.atom?lang=en&lang=nl".into(),
            "/feed.atom",
            None,
            StatusCode::UNPROCESSABLE_ENTITY,
        ),
        // Any other language falls back, as the document says (a shared link still shows the page).
        (
            Method::GET,
            "/?lang=false".into(),
            "/",
            None,
            StatusCode::OK,
        ),
        (
            Method::GET,
            "/v1/admin/notices?all=".into(),
            "/v1/admin/notices",
            None,
            StatusCode::UNPROCESSABLE_ENTITY,
        ),
        (
            Method::GET,
            "/v1/admin/notices?all=1".into(),
            "/v1/admin/notices",
            None,
            StatusCode::UNPROCESSABLE_ENTITY,
        ),
        (
            Method::POST,
            "/v1/admin/notices?dry_run=".into(),
            "/v1/admin/notices",
            Some(crate::harness::outage().to_string()),
            StatusCode::UNPROCESSABLE_ENTITY,
        ),
        (
            Method::POST,
            "/v1/admin/notices".into(),
            "/v1/admin/notices",
            Some(info.to_owned()),
            StatusCode::UNPROCESSABLE_ENTITY,
        ),
        (
            Method::POST,
            "/v1/admin/ingest".into(),
            "/v1/admin/ingest",
            Some(
                r#"{"roots": [], "feed": {"payloadType": "", "payload": "", "signatures": []}}"#
                    .to_owned(),
            ),
            StatusCode::UNPROCESSABLE_ENTITY,
        ),
        // `"message": null` is documented as "as if absent".
        (
            Method::POST,
            format!("/v1/admin/notices/{id}/resolve?dry_run=true"),
            "/v1/admin/notices/{id}/resolve",
            Some(r#"{"message": null}"#.to_owned()),
            StatusCode::OK,
        ),
    ];
    for (method, path, documented, body, expected) in cases {
        let reply = if path.starts_with("/v1/admin/") {
            h.admin(method.clone(), &path, body.as_deref()).await
        } else {
            h.get(&path).await
        };
        assert_eq!(
            reply.status,
            expected,
            "{method} {path}: {}",
            String::from_utf8_lossy(&reply.body)
        );
        let operation = &doc["paths"][documented][method.as_str().to_ascii_lowercase()];
        assert!(
            operation["responses"].get(expected.as_str()).is_some(),
            "{method} {documented} does not document {expected}"
        );
    }
    // And the document refuses what the server refuses: no empty, non-language or control-character texts, no
    // `completed` on an info notice.
    let create = &doc["components"]["schemas"]["CreateNotice"];
    let incident = &create["oneOf"][0]["properties"];
    assert_eq!(incident["title"]["additionalProperties"]["minLength"], 1);
    assert!(incident["title"]["propertyNames"]["pattern"].is_string());
    assert!(
        incident["title"]["additionalProperties"]["pattern"]
            .as_str()
            .unwrap()
            .contains(r"\u0000-\u001f")
    );
    assert!(
        !incident["status"]["enum"]
            .as_array()
            .unwrap()
            .contains(&Value::from("completed"))
    );
}
