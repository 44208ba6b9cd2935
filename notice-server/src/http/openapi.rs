//! The OpenAPI 3.1 description served at `/v1/openapi.json`, written by hand. A test compares its paths and
//! methods with [`crate::http::routes`] in both directions and checks every error response uses the one
//! error schema.

use notice_types::LanguageTag;
use notice_types::limits::{
    MAX_BODY_CHARS, MAX_COMPONENTS, MAX_KEYID_BYTES, MAX_LANGUAGES, MAX_LINK_BYTES,
    MAX_MESSAGE_CHARS, MAX_SIGNATURES, MAX_TITLE_CHARS,
};
use serde_json::{Value, json};

fn error_response(description: &str) -> Value {
    json!({
        "description": description,
        "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}
    })
}

fn json_response(description: &str, schema: &str) -> Value {
    json!({
        "description": description,
        "content": {"application/json": {"schema": {"$ref": format!("#/components/schemas/{schema}")}}}
    })
}

/// Errors every admin route can answer.
fn admin_errors() -> Value {
    json!({
        "401": error_response("Missing, wrong or revoked token (`unauthorized`)."),
        "429": {
            "description": "Too many failed authentications from this address (`rate_limited`).",
            "headers": {"Retry-After": {"schema": {"type": "integer"}, "description": "Seconds to wait."}},
            "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}
        },
        "500": error_response("Internal error (`internal`); details only in the server log.")
    })
}

fn with(mut base: Value, extra: Value) -> Value {
    if let (Some(base), Some(extra)) = (base.as_object_mut(), extra.as_object()) {
        for (k, v) in extra {
            base.insert(k.clone(), v.clone());
        }
    }
    base
}

/// An operation only admin tokens may call: a watch token gets 403.
fn admin_op(summary: &str, responses: Value) -> Value {
    json!({
        "summary": summary,
        "tags": ["admin"],
        "security": [{"bearer": ["admin"]}],
        "responses": with(
            with(admin_errors(), json!({
                "403": error_response("The token's scope does not allow this: a watch token (`forbidden`).")
            })),
            responses
        )
    })
}

/// An operation tokens of both scopes may call (a watch token: on notices, only its own).
fn watch_op(summary: &str, responses: Value) -> Value {
    json!({
        "summary": summary,
        "tags": ["admin"],
        "security": [{"bearer": ["admin"]}, {"bearer": ["watch"]}],
        "responses": with(admin_errors(), responses)
    })
}

/// What a watch token gets for a notice it did not create.
fn not_its_own() -> Value {
    json!({
        "403": error_response("A watch token, on a notice it did not create (`forbidden`): it may change only its own.")
    })
}

fn id_param() -> Value {
    json!([{"name": "id", "in": "path", "required": true, "schema": {"type": "string"}, "description": "Notice id."}])
}

fn dry_run_param() -> Value {
    json!({"name": "dry_run", "in": "query", "schema": {"type": "boolean"}, "description": "Sign everything, store nothing: the answer is what would be published."})
}

/// The id in the path, and `?dry_run`.
fn change_params() -> Value {
    json!([id_param()[0].clone(), dry_run_param()])
}

fn body(schema: &str, required: bool) -> Value {
    json!({
        "required": required,
        "content": {"application/json": {"schema": {"$ref": format!("#/components/schemas/{schema}")}}}
    })
}

/// Every route with a request body.
fn unsupported_media_type() -> Value {
    error_response(
        "A body not declared `Content-Type: application/json` (`unsupported_media_type`); parameters such as `; charset=utf-8` are fine.",
    )
}

fn write_errors() -> Value {
    json!({
        "400": error_response("Malformed JSON (`invalid_json`)."),
        "404": error_response("No such notice (`not_found`)."),
        "409": error_response("Conflicts with the notice's state, e.g. it was withdrawn (`conflict`)."),
        "413": error_response("Body over 64 KiB (`payload_too_large`)."),
        "415": unsupported_media_type(),
        "422": error_response("A field is invalid or unknown (`invalid_field`, naming it), including a component the server's registry does not declare (with the nearest declared id)."),
    })
}

/// The characters no text may hold: control characters (line breaks only where `multiline`), and the
/// bidirectional and zero-width formatting characters that could disguise a link (notice-types' plain-text
/// rule, `check_plain_text`).
fn forbidden_chars(multiline: bool) -> String {
    let controls = if multiline {
        r"\u0000-\u0009\u000b-\u001f"
    } else {
        r"\u0000-\u001f"
    };
    format!(r"{controls}\u007f-\u009f\u200b-\u200f\u202a-\u202e\u2060\u2066-\u2069\ufeff")
}

/// Plain text as the server takes it: not blank, at most `max_chars` characters, none of
/// [`forbidden_chars`].
fn plain_text(max_chars: usize, multiline: bool) -> Value {
    let forbidden = forbidden_chars(multiline);
    json!({
        "type": "string",
        "minLength": 1,
        "maxLength": max_chars,
        "pattern": format!(r"^[^{forbidden}]*[^{forbidden}\s][^{forbidden}]*$")
    })
}

/// Language tag → plain text, `en` required.
fn localized(max_chars: usize, multiline: bool) -> Value {
    json!({
        "type": "object",
        "description": format!(
            "Language tag (lowercase BCP 47: en, nl, de, de-de) → plain text of at most {max_chars} characters{}, no control or invisible formatting characters. `en` is required.",
            if multiline { "" } else { " on one line" }
        ),
        "required": ["en"],
        "maxProperties": MAX_LANGUAGES,
        "propertyNames": {"maxLength": LanguageTag::MAX_LEN, "pattern": LANGUAGE_TAG},
        "additionalProperties": plain_text(max_chars, multiline)
    })
}

/// A lowercase BCP 47 tag as notice-types' `LanguageTag` takes it.
const LANGUAGE_TAG: &str = "^[a-z]{2,3}(-[a-z0-9]{1,8})*$";

/// A notice id (`NoticeId`).
const NOTICE_ID: &str = "^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$";

/// RFC 3339 as `Timestamp` takes it: upper-case `T` and `Z`, seconds below 60.
fn time(nullable: bool) -> Value {
    json!({
        "type": if nullable { json!(["string", "null"]) } else { json!("string") },
        "format": "date-time",
        "pattern": r"^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-5][0-9](\.[0-9]+)?(Z|[+-][0-9]{2}:[0-9]{2})$"
    })
}

/// A semver requirement as the `semver` crate reads it, in the forms operators write (`<25.4.0`,
/// `>=1.2, <2`, `^3`, or `*` alone).
const APP_VERSIONS: &str = r"^(\*|(=|>|>=|<|<=|~|\^)?(0|[1-9][0-9]{0,8})(\.(0|[1-9][0-9]{0,8})(\.(0|[1-9][0-9]{0,8}))?)?(, ?(=|>|>=|<|<=|~|\^)?(0|[1-9][0-9]{0,8})(\.(0|[1-9][0-9]{0,8})(\.(0|[1-9][0-9]{0,8}))?)?)*)$";

/// A notice link: the strict https grammar of notice-types (PROTOCOL.md §6), here without dots in the path,
/// a query or a fragment, which the server also takes.
const LINK: &str = r"^https://([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]([a-z0-9-]{0,61}[a-z0-9])?(/([A-Za-z0-9_~!$&()*+,;=:@-]|%[0-9A-Fa-f]{2})*)+$";

const INCIDENT_STATUSES: [&str; 4] = ["investigating", "identified", "monitoring", "resolved"];
const MAINTENANCE_STATUSES: [&str; 3] = ["scheduled", "in_progress", "completed"];

/// The fields of a notice in a create (`create`) or an edit request.
fn notice_fields(create: bool) -> Value {
    let nullable = |schema: Value| -> Value {
        // An edit clears an optional field with null; a create takes null as "not given".
        json!({"anyOf": [schema, {"type": "null"}]})
    };
    let mut properties = json!({
        "severity": {"$ref": "#/components/schemas/Severity"},
        "status": {"$ref": "#/components/schemas/Status", "description": "Default: investigating (incidents) or scheduled (maintenance). Must belong to the lifecycle of the severity."},
        "title": localized(MAX_TITLE_CHARS, false),
        "body": localized(MAX_BODY_CHARS, true),
        "components": nullable(json!({"type": "array", "maxItems": MAX_COMPONENTS, "uniqueItems": true, "items": {"type": "string", "pattern": "^[a-z0-9][a-z0-9._-]{0,31}$"}})),
        "platforms": nullable(json!({"type": "array", "maxItems": 2, "uniqueItems": true, "items": {"enum": ["android", "ios"]}})),
        "app_versions": nullable(json!({"type": "string", "pattern": APP_VERSIONS, "description": "Semver requirement, e.g. `<25.4.0`."})),
        "show_from": time(true),
        "starts_at": time(true),
        "ends_at": time(true),
        "dismissible": {"type": ["boolean", "null"], "description": "Default: false for outages, true otherwise."},
        "link": nullable(json!({"type": "string", "maxLength": MAX_LINK_BYTES, "pattern": LINK, "description": "https URL to a host the root allows (422 `invalid_field` for another host)."}))
    });
    if create && let Some(map) = properties.as_object_mut() {
        map.insert(
            "id".into(),
            json!({"type": ["string", "null"], "pattern": NOTICE_ID, "description": "Default (absent or null): generated, e.g. 2026-11-23-keyshare-3f9a."}),
        );
    }
    properties
}

/// A create request: an incident (outage, degraded, info) with a status of the incident lifecycle, or
/// maintenance with one of the maintenance lifecycle and both its times.
fn create_notice() -> Value {
    let variant = |severities: &[&str], statuses: &[&str], maintenance: bool| {
        let mut properties = notice_fields(true);
        let mut status: Vec<Value> = statuses.iter().map(|s| json!(s)).collect();
        status.push(Value::Null);
        properties["severity"] = json!({"enum": severities});
        properties["status"] = json!({"enum": status, "description": "Default (absent or null): the first status of the lifecycle."});
        let mut required = vec!["severity", "title", "body"];
        if maintenance {
            properties["starts_at"] = time(false);
            properties["ends_at"] = time(false);
            required.extend(["starts_at", "ends_at"]);
        }
        json!({"type": "object", "required": required, "additionalProperties": false, "properties": properties})
    };
    json!({
        "description": "ends_at must be in the future and after starts_at and show_from (422 `invalid_field` naming ends_at).",
        "oneOf": [
            variant(&["outage", "degraded", "info"], &INCIDENT_STATUSES, false),
            variant(&["maintenance"], &MAINTENANCE_STATUSES, true)
        ]
    })
}

/// From a created notice to what can be done with it (OpenAPI links, which API fuzzers follow).
fn notice_links() -> Value {
    let link = |operation: &str| json!({"operationId": operation, "parameters": {"id": "$response.body#/notice/id"}});
    json!({
        "GetNotice": link("getNotice"),
        "EditNotice": link("editNotice"),
        "PostUpdate": link("postUpdate"),
        "ResolveNotice": link("resolveNotice"),
        "WithdrawNotice": link("withdrawNotice")
    })
}

/// A status page or Atom representation: same caching and conditional requests as the feed.
fn page_get(summary: &str, content_type: &str, description: &str, parameters: Value) -> Value {
    json!({
        "summary": summary,
        "tags": ["status page"],
        "parameters": parameters,
        "responses": {
            "200": {
                "description": description,
                "headers": {
                    "ETag": {"schema": {"type": "string"}, "description": "Strong: quoted hex SHA-256 of the uncompressed bytes (-br/-gzip for compressed variants)."},
                    "Cache-Control": {"schema": {"type": "string"}},
                    "Content-Language": {"schema": {"type": "string"}},
                    "X-Notice-Feed-Version": {"schema": {"type": "integer"}}
                },
                "content": {content_type: {"schema": {"type": "string"}}}
            },
            "304": {"description": "Not modified (If-None-Match matched)."},
            "503": error_response("A mirror that has no verified feed yet (`unavailable`, with Retry-After).")
        }
    })
}

/// A page that reads its query: a parameter given twice is refused.
fn with_query_errors(mut operation: Value) -> Value {
    operation["responses"]["422"] =
        error_response("A query parameter given twice (`invalid_field`, naming it).");
    operation
}

fn conditional_headers() -> Value {
    json!([
        {"name": "If-None-Match", "in": "header", "schema": {"type": "string"}},
        {"name": "Accept-Encoding", "in": "header", "schema": {"type": "string"}, "description": "br and gzip variants are available."}
    ])
}

fn html_page(summary: &str) -> Value {
    page_get(
        summary,
        "text/html",
        "The status page: components, current incidents, maintenance, recently resolved; one inline script (the stale banner), allowed by its hash in the Content-Security-Policy.",
        conditional_headers(),
    )
}

fn history_page(summary: &str) -> Value {
    page_get(
        summary,
        "text/html",
        "Resolved incidents and completed maintenance of the last 90 days (from the database; on a mirror, what the feed carries).",
        conditional_headers(),
    )
}

/// The document.
pub fn document() -> Value {
    let write_ok = json_response(
        "The notice after the change and the feed version carrying it.",
        "WriteResponse",
    );
    json!({
        "openapi": "3.1.0",
        "info": {
            "title": "Notice server",
            "version": env!("CARGO_PKG_VERSION"),
            "description": "Signed in-app notices. Public endpoints are open (CORS *); admin endpoints need `Authorization: Bearer <token>`. A token has a scope (`notice-server token create --scope admin|watch`): `admin` may do everything; `watch` (a watchdog, `notice watch`) may read notices, create them, and update, resolve, edit and withdraw the ones it created, and gets 403 `forbidden` for anything else. Every 4xx/5xx answer has the Error body."
        },
        "paths": {
            "/v1/feed.json": {
                "get": {
                    "summary": "The signed published document (root chain + current feed).",
                    "tags": ["public"],
                    "parameters": [
                        {"name": "If-None-Match", "in": "header", "schema": {"type": "string"}},
                        {"name": "Accept-Encoding", "in": "header", "schema": {"type": "string"}, "description": "br and gzip variants are available."}
                    ],
                    "responses": {
                        "200": {
                            "description": "The document. Strong ETag (quoted hex SHA-256 of the uncompressed bytes; compressed variants add -br/-gzip). Vary: Accept-Encoding.",
                            "headers": {
                                "ETag": {"schema": {"type": "string"}},
                                "Cache-Control": {"schema": {"type": "string"}},
                                "X-Notice-Feed-Version": {"schema": {"type": "integer"}}
                            },
                            "content": {"application/json": {"schema": {"$ref": "#/components/schemas/PublishedDocument"}}}
                        },
                        "304": {"description": "Not modified (If-None-Match matched)."},
                        "503": error_response("A mirror with no verified feed yet (`unavailable`, with Retry-After).")
                    }
                },
                "head": {
                    "summary": "Headers of GET /v1/feed.json without the body.",
                    "tags": ["public"],
                    "responses": {"200": {"description": "As GET."}, "304": {"description": "Not modified."}}
                }
            },
            "/": {
                "get": with_query_errors(page_get(
                    "The status page in the language of ?lang= or Accept-Language (nl, en, de), else the site's default.",
                    "text/html",
                    "The status page. Vary: Accept-Encoding, Accept-Language.",
                    json!([
                        {"name": "lang", "in": "query", "schema": {"type": "string"}, "description": "nl, en or de; wins over Accept-Language. Any other value falls back to negotiation (a shared link with another tag still shows the page)."},
                        {"name": "Accept-Language", "in": "header", "schema": {"type": "string"}},
                        {"name": "If-None-Match", "in": "header", "schema": {"type": "string"}},
                        {"name": "Accept-Encoding", "in": "header", "schema": {"type": "string"}}
                    ])
                ))
            },
            "/index.html": {"get": html_page("The status page in the site's default language (as on a static host).")},
            "/index.nl.html": {"get": html_page("The status page in Dutch.")},
            "/index.en.html": {"get": html_page("The status page in English.")},
            "/index.de.html": {"get": html_page("The status page in German.")},
            "/history.html": {"get": history_page("The history page in the site's default language.")},
            "/history.nl.html": {"get": history_page("The history page in Dutch.")},
            "/history.en.html": {"get": history_page("The history page in English.")},
            "/history.de.html": {"get": history_page("The history page in German.")},
            "/feed.atom": {
                "get": with_query_errors(page_get(
                    "Atom 1.0: one entry per notice and per update.",
                    "application/atom+xml",
                    "The Atom feed.",
                    json!([
                        {"name": "lang", "in": "query", "schema": {"type": "string"}, "description": "nl, en or de; any other value, or none, is the site's default language."},
                        {"name": "If-None-Match", "in": "header", "schema": {"type": "string"}},
                        {"name": "Accept-Encoding", "in": "header", "schema": {"type": "string"}}
                    ])
                ))
            },
            "/v1/root.json": {
                "get": {
                    "summary": "Root v1 envelope, as written by `init` (what apps ship).",
                    "tags": ["public"],
                    "responses": {
                        "200": {"description": "DSSE envelope.", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Envelope"}}}},
                        "404": error_response("A mirror that was given a later root than v1 (`not_found`).")
                    }
                }
            },
            "/healthz": {
                "get": {
                    "summary": "Liveness and feed freshness.",
                    "tags": ["public"],
                    "responses": {
                        "200": json_response("Liveness: answered while a document is served. `status` is ok only when nothing is wrong: database_not_writable (origin), expired, stale (origin: heartbeat missed; mirror: upstream silent for four poll intervals).", "Health"),
                        "503": error_response("A mirror with no verified feed yet (`unavailable`).")
                    }
                }
            },
            "/readyz": {
                "get": {
                    "summary": "Readiness: whether this instance does its job.",
                    "tags": ["public"],
                    "responses": {
                        "200": json_response("Ready, or degraded (a copy on another provider is failing).", "Readiness"),
                        "503": error_response("Not ready (`unavailable`): the message names each failed check: the database does not take writes, the feed expired, or a mirror has nothing to serve yet.")
                    }
                }
            },
            "/metrics": {
                "get": {
                    "summary": "Prometheus metrics.",
                    "tags": ["public"],
                    "responses": {"200": {"description": "Text exposition format.", "content": {"text/plain": {"schema": {"type": "string"}}}}}
                }
            },
            "/v1/openapi.json": {
                "get": {
                    "summary": "This document.",
                    "tags": ["public"],
                    "responses": {"200": {"description": "OpenAPI 3.1.", "content": {"application/json": {"schema": {"type": "object"}}}}}
                }
            },
            "/v1/admin/notices": {
                "get": with(watch_op("List notices.", json!({
                    "200": json_response("Active notices; with all=true also resolved and withdrawn.", "NoticeList"),
                    "422": error_response("Unknown or invalid query parameter (`invalid_field`).")
                })), json!({"parameters": [{"name": "all", "in": "query", "schema": {"type": "boolean"}}]})),
                "post": with(watch_op("Create a notice (recorded with the token that created it).", with(write_errors(), json!({
                    "201": with(write_ok.clone(), json!({"links": notice_links()})),
                    "200": json_response("Dry run: the notice as it would be published; nothing stored.", "WriteResponse")
                }))), json!({
                    "parameters": [dry_run_param()],
                    "requestBody": body("CreateNotice", true)
                }))
            },
            "/v1/admin/notices/{id}": {
                "get": with(watch_op("One notice with its timeline.", json!({
                    "200": json_response("The record.", "NoticeRecord"),
                    "404": error_response("No such notice (`not_found`).")
                })), json!({"operationId": "getNotice", "parameters": id_param()})),
                "patch": with(watch_op("Edit fields (new revision); null clears an optional field.", with(write_errors(), with(not_its_own(), json!({"200": write_ok.clone(), "422": error_response("A field at fault (`invalid_field`), an unknown query parameter, or an edit that changes nothing (`invalid_json`).")})))),
                    json!({"operationId": "editNotice", "parameters": change_params(), "requestBody": body("EditNotice", true)}))
            },
            "/v1/admin/notices/{id}/updates": {
                "post": with(watch_op("Append a timeline entry and set the status.", with(write_errors(), with(not_its_own(), json!({"200": write_ok.clone()})))),
                    json!({"operationId": "postUpdate", "parameters": change_params(), "requestBody": body("PostUpdate", true)}))
            },
            "/v1/admin/notices/{id}/resolve": {
                "post": with(watch_op("Resolve (incidents) or complete (maintenance); stays in the feed for the retention period.", with(write_errors(), with(not_its_own(), json!({"200": write_ok.clone()})))),
                    json!({"operationId": "resolveNotice", "parameters": change_params(), "requestBody": body("Resolve", false)}))
            },
            "/v1/admin/notices/{id}/withdraw": {
                "post": with(watch_op("Remove from the feed at once (a mistake, not an event).", with(write_errors(), with(not_its_own(), json!({"200": write_ok})))),
                    json!({"operationId": "withdrawNotice", "parameters": change_params(), "requestBody": body("Withdraw", false)}))
            },
            "/v1/admin/ingest": {
                "post": with(admin_op(
                    "Break-glass: take in a document signed offline with the feed key as the newest published version.",
                    json!({
                        "200": json_response("Ingested: the document is served byte for byte until the next write, which publishes its version + 1.", "IngestReport"),
                        "409": error_response("Its version is not above the server's latest, or it was signed under another root version (`conflict`, naming both)."),
                        "413": error_response("Body over 512 KiB, the largest document any reader accepts (`payload_too_large`)."),
                        "415": unsupported_media_type(),
                        "422": error_response("It does not verify under the server's root chain (`invalid_document`), or `reopen` names no notice id (`invalid_field`).")
                    })
                ), json!({"parameters": [{"name": "reopen", "in": "query", "schema": {"type": "string", "pattern": "^\\s*([A-Za-z0-9][A-Za-z0-9._-]{0,63})?\\s*(,\\s*([A-Za-z0-9][A-Za-z0-9._-]{0,63})?\\s*)*$"}, "description": "Comma-separated notice ids whose document state is taken even where the server resolved or withdrew them without the document knowing."}],
                    "requestBody": {
                    "required": true,
                    "content": {"application/json": {"schema": {"$ref": "#/components/schemas/PublishedDocument"}}}
                }}))
            },
            "/v1/admin/root": {
                "post": with(admin_op(
                    "Root key ceremony: publish root v(N+1), signed offline by a threshold of v(N)'s root keys and of its own (`notice root publish`).",
                    json!({
                        "200": json_response("Published (or, with dry_run, what would be): the root is appended to the chain and the feed signed under it is served.", "RootPublished"),
                        "400": error_response("The body is not a DSSE envelope of the schema's shape: malformed JSON, an unknown field, no signature or more than 8, a keyid over 64 bytes (`invalid_json`)."),
                        "409": error_response("It is not the next root version of the server's chain (`conflict`, naming both)."),
                        "413": error_response("Body over 512 KiB (`payload_too_large`)."),
                        "415": unsupported_media_type(),
                        "422": error_response("Apps would refuse it: too few signatures of either root version, a bad signature, another feed (`root_rotation_rejected`); or the server holds no feed key it lists, or it needs more than one feed signature (`feed_key_missing`). Nothing was stored.")
                    })
                ), json!({"parameters": [dry_run_param()],
                    "requestBody": {
                    "required": true,
                    "content": {"application/json": {"schema": {"$ref": "#/components/schemas/RootEnvelope"}}}
                }}))
            },
            "/v1/admin/audit": {
                "get": with(admin_op("The audit log, newest first.", json!({
                    "200": json_response("Entries.", "AuditList"),
                    "422": error_response("Invalid limit (`invalid_field`).")
                })), json!({"parameters": [{"name": "limit", "in": "query", "schema": {"type": "integer", "minimum": 1, "maximum": 1000, "default": 100}}]}))
            },
            "/v1/admin/whoami": {
                "get": watch_op("The name and scope of the token used.", json!({"200": json_response("Token name and scope.", "WhoAmI")}))
            },
            "/v1/admin/copies": {
                "get": admin_op("The copies on other providers (publish targets and watched copies), as last seen.", json!({"200": json_response("Publish targets first.", "CopyList")}))
            }
        },
        "components": {
            "securitySchemes": {"bearer": {"type": "http", "scheme": "bearer", "description": "A token of `notice-server token create`; an operation lists the token scopes (admin, watch) it takes as the requirement's roles."}},
            "schemas": schemas()
        }
    })
}

/// The schemas of the document's components (one `json!` would exceed the macro recursion limit).
fn schemas() -> Value {
    json!({
        "Error": {
            "type": "object",
            "required": ["error"],
            "additionalProperties": false,
            "properties": {
                "error": {
                    "type": "object",
                    "required": ["code", "message"],
                    "additionalProperties": false,
                    "properties": {
                        "code": {"enum": ["unauthorized", "forbidden", "rate_limited", "invalid_field", "invalid_json", "payload_too_large", "unsupported_media_type", "not_found", "method_not_allowed", "timeout", "conflict", "invalid_document", "root_rotation_rejected", "feed_key_missing", "unavailable", "internal"]},
                        "message": {"type": "string"},
                        "field": {"type": "string", "description": "Path of the one field at fault, e.g. title.en."}
                    }
                }
            }
        },
        "Severity": {"enum": ["outage", "degraded", "maintenance", "info"]},
        "Status": {"enum": ["investigating", "identified", "monitoring", "resolved", "scheduled", "in_progress", "completed"]},
        "Envelope": {
            "type": "object",
            "required": ["payloadType", "payload", "signatures"],
            "properties": {
                "payloadType": {"type": "string"},
                "payload": {"type": "string", "contentEncoding": "base64"},
                "signatures": {"type": "array", "items": {"type": "object", "required": ["keyid", "sig"], "properties": {"keyid": {"type": "string"}, "sig": {"type": "string"}}}}
            }
        },
        "RootEnvelope": {
            "type": "object",
            "description": "Root v(N+1) as a DSSE envelope: `next` of a rotation file, with its signatures. Read strictly: no other fields.",
            "required": ["payloadType", "payload", "signatures"],
            "additionalProperties": false,
            "properties": {
                "payloadType": {"type": "string"},
                "payload": {"type": "string", "contentEncoding": "base64"},
                "signatures": {"type": "array", "minItems": 1, "maxItems": MAX_SIGNATURES, "items": {"type": "object", "required": ["keyid", "sig"], "additionalProperties": false, "properties": {"keyid": {"type": "string", "maxLength": MAX_KEYID_BYTES}, "sig": {"type": "string"}}}}
            }
        },
        "PublishedDocument": {
            "type": "object",
            "required": ["roots", "feed"],
            "properties": {
                "roots": {"type": "array", "items": {"$ref": "#/components/schemas/Envelope"}},
                "feed": {"$ref": "#/components/schemas/Envelope"}
            }
        },
        "Notice": {"type": "object", "description": "A notice as notice-types serializes it (see PROTOCOL.md)."},
        "NoticeRecord": {
            "type": "object",
            "required": ["notice", "state"],
            "properties": {
                "notice": {"$ref": "#/components/schemas/Notice"},
                "state": {"enum": ["active", "resolved", "withdrawn"]},
                "closed_at": {"type": "string", "format": "date-time", "description": "When it was resolved or completed (absent while open); retention counts from here."}
            }
        },
        "WriteResponse": {
            "type": "object",
            "required": ["notice", "state", "feed_version"],
            "properties": {
                "notice": {"$ref": "#/components/schemas/Notice"},
                "state": {"enum": ["active", "resolved", "withdrawn"]},
                "feed_version": {"type": "integer", "minimum": 1},
                "warnings": {"type": "array", "items": {"type": "string"}, "description": "A document taken in from a copy before this change (a break-glass document ahead of the server), copies that could not be read."},
                "cautions": {"type": "array", "items": {"type": "string"}, "description": "Allowed but probably a mistake (maintenance set in progress well before its start, a second open outage on one component): the CLI publishes it only with an explicit yes. Dry runs answer them too."}
            }
        },
        "CopyList": {"type": "object", "required": ["copies"], "properties": {"copies": {"type": "array", "items": {"$ref": "#/components/schemas/CopyState"}}}},
        "CopyState": {
            "type": "object",
            "required": ["target", "kind"],
            "properties": {
                "target": {"type": "string", "description": "s3://bucket/prefix, a directory or a URL; never credentials."},
                "kind": {"enum": ["publish", "watch"]},
                "version": {"type": "integer"},
                "last_success_at": {"type": "string", "format": "date-time"},
                "last_attempt_at": {"type": "string", "format": "date-time"},
                "failing_since": {"type": "string", "format": "date-time"},
                "error": {"type": "string"}
            }
        },
        "NoticeList": {"type": "object", "required": ["notices"], "properties": {"notices": {"type": "array", "items": {"$ref": "#/components/schemas/NoticeRecord"}}}},
        "CreateNotice": create_notice(),
        "EditNotice": {
            "type": "object",
            "description": "The result must be a valid notice: the status in the lifecycle of the severity, maintenance with both times, ends_at in the future and after starts_at and show_from, something changed (422 otherwise).",
            "additionalProperties": false,
            "minProperties": 1,
            "properties": notice_fields(false)
        },
        "PostUpdate": {
            "type": "object",
            "required": ["status", "message"],
            "additionalProperties": false,
            "description": "The status must belong to the lifecycle of the notice's severity (422 otherwise).",
            "properties": {"status": {"$ref": "#/components/schemas/Status"}, "message": localized(MAX_MESSAGE_CHARS, true)}
        },
        "Resolve": {"type": "object", "additionalProperties": false, "properties": {"message": {"anyOf": [localized(MAX_MESSAGE_CHARS, true), {"type": "null", "description": "As if absent: the default message."}]}}},
        "Withdraw": {"type": "object", "additionalProperties": false, "properties": {}},
        "AuditList": {
            "type": "object",
            "required": ["entries"],
            "properties": {"entries": {"type": "array", "items": {
                "type": "object",
                "required": ["id", "at", "actor", "action"],
                "properties": {
                    "id": {"type": "integer"},
                    "at": {"type": "string", "format": "date-time"},
                    "actor": {"type": "string"},
                    "scope": {"enum": ["admin", "watch"], "description": "The scope of the actor's token; absent for the server itself (`system…`) and its command line (`local`)."},
                    "action": {"type": "string"},
                    "notice_id": {"type": "string"},
                    "feed_version": {"type": "integer"}
                }
            }}}
        },
        "WhoAmI": {"type": "object", "required": ["name"], "properties": {"name": {"type": "string"}, "scope": {"enum": ["admin", "watch"]}}},
        "Health": {
            "type": "object",
            "required": ["status", "feed_version", "feed_age_seconds", "expires_in_seconds"],
            "properties": {
                "status": {"enum": ["ok", "stale", "expired", "database_not_writable"]},
                "feed_version": {"type": "integer"},
                "feed_age_seconds": {"type": "integer"},
                "expires_in_seconds": {"type": "integer"},
                "upstream_age_seconds": {"type": "integer", "description": "Mirror only: seconds since the upstream last answered validly."}
            }
        },
        "Readiness": {
            "type": "object",
            "required": ["status", "checks"],
            "properties": {
                "status": {"enum": ["ready", "degraded"]},
                "checks": {
                    "type": "object",
                    "required": ["feed"],
                    "properties": {
                        "feed": {"type": "string", "description": "ok, expired at …, or none yet."},
                        "database": {"type": "string", "description": "Origin only: ok, or why it does not take writes."},
                        "failing_copies": {"type": "array", "items": {"type": "string"}}
                    }
                }
            }
        },
        "RootPublished": {
            "type": "object",
            "required": ["root_version", "feed_version", "feed_key_id", "root"],
            "properties": {
                "root_version": {"type": "integer"},
                "feed_version": {"type": "integer", "description": "The feed version signed under the new root, now served."},
                "feed_key_id": {"type": "string", "description": "Key id of the feed key the server signs with from now on."},
                "root": {"type": "object", "description": "The new root payload (PROTOCOL.md §5)."}
            }
        },
        "IngestReport": {
            "type": "object",
            "required": ["feed_version", "previous_version", "issued_at", "expires_at", "expired", "notices"],
            "properties": {
                "feed_version": {"type": "integer"},
                "previous_version": {"type": "integer"},
                "issued_at": {"type": "string", "format": "date-time"},
                "expires_at": {"type": "string", "format": "date-time"},
                "expired": {"type": "boolean", "description": "Already expired when ingested; re-signed within seconds."},
                "notices": {
                    "type": "object",
                    "description": "Notice ids by what happened: added, updated, merged (timelines combined), withdrawn, unchanged, kept (the server's state kept).",
                    "additionalProperties": {"type": "array", "items": {"type": "string"}}
                },
                "changes": {"type": "array", "items": {"$ref": "#/components/schemas/NoticeOutcome"}}
            }
        },
        "NoticeOutcome": {
            "type": "object",
            "required": ["id", "change", "after"],
            "properties": {
                "id": {"type": "string"},
                "change": {"enum": ["added", "updated", "merged", "withdrawn", "unchanged", "kept"]},
                "before": {"$ref": "#/components/schemas/NoticeSummary"},
                "after": {"$ref": "#/components/schemas/NoticeSummary"},
                "reason": {"type": "string", "description": "Why, where it is not obvious; for `kept`, how to take the document's state instead."}
            }
        },
        "NoticeSummary": {
            "type": "object",
            "required": ["status", "state", "revision"],
            "properties": {
                "status": {"enum": ["investigating", "identified", "monitoring", "resolved", "scheduled", "in_progress", "completed"]},
                "state": {"enum": ["active", "resolved", "withdrawn"]},
                "revision": {"type": "integer"}
            }
        }
    })
}
