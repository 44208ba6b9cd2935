//! The C ABI called as C would call it: happy path, and misuse that must give error codes, never a crash.
// Calling an `extern "C"` API with raw pointers is what this test is about.
#![allow(unsafe_code)]

mod support;

use std::ffi::{CStr, CString, c_char};
use std::ptr;

use notice_client::ffi::{
    NoticeClient, NoticeResult, notice_client_dismiss, notice_client_free, notice_client_ingest,
    notice_client_new, notice_client_notices, notice_client_refresh, notice_client_set_context,
    notice_client_status, notice_last_error, notice_string_free,
};
use notice_tests::{DAY, FeedOwner, MINUTE, NoticeBuilder, at};
use serde_json::{Value, json};

fn config_json(owner: &FeedOwner, state_dir: &std::path::Path, mirrors: &[String]) -> CString {
    let root: Value = serde_json::from_slice(&owner.root_json()).unwrap();
    let config = json!({
        "feed_id": owner.feed_id(),
        "trusted_root": root,
        "mirrors": mirrors,
        "state_dir": state_dir,
        "context": {"platform": "android", "app_version": "25.3.1", "locales": ["nl_NL"]},
        "timeouts": {"connect_ms": 1000, "mirror_ms": 1500, "deadline_ms": 3000, "min_refresh_interval_s": 0}
    });
    CString::new(config.to_string()).unwrap()
}

/// Takes ownership of a string handed out by the library.
fn take(ptr: *mut c_char) -> String {
    assert!(!ptr.is_null());
    let text = unsafe { CStr::from_ptr(ptr) }.to_str().unwrap().to_owned();
    unsafe { notice_string_free(ptr) };
    text
}

fn last_error() -> Option<Value> {
    let ptr = notice_last_error();
    (!ptr.is_null()).then(|| serde_json::from_str(&take(ptr)).unwrap())
}

fn last_error_code() -> String {
    last_error().expect("an error was recorded")["code"]
        .as_str()
        .unwrap()
        .to_owned()
}

fn new_client(config: &CString) -> *mut NoticeClient {
    let mut handle: *mut NoticeClient = ptr::null_mut();
    let result = unsafe { notice_client_new(config.as_ptr(), &mut handle) };
    assert_eq!(result, NoticeResult::Ok, "{:?}", last_error());
    assert!(!handle.is_null());
    handle
}

fn notices(handle: *const NoticeClient, now: i64) -> Value {
    let mut out: *mut c_char = ptr::null_mut();
    assert_eq!(
        unsafe { notice_client_notices(handle, now, &mut out) },
        NoticeResult::Ok
    );
    serde_json::from_str(&take(out)).unwrap()
}

fn ingest(handle: *const NoticeClient, bytes: &[u8]) -> NoticeResult {
    unsafe {
        notice_client_ingest(
            handle,
            bytes.as_ptr(),
            bytes.len(),
            at(0).unix(),
            ptr::null_mut(),
        )
    }
}

#[test]
fn the_c_abi_creates_ingests_lists_dismisses_reports_and_frees() {
    let owner = FeedOwner::new();
    let dir = tempfile::tempdir().unwrap();
    let handle = new_client(&config_json(&owner, dir.path(), &[]));
    let outage = NoticeBuilder::outage("keyshare-down")
        .title(&[
            ("en", "PIN validation is down"),
            ("nl", "PIN-controle werkt niet"),
        ])
        .dismissible(true)
        .build();
    // Signed a minute before T0, valid for a day.
    let document = owner.publish(&owner.feed_at(2, at(-MINUTE), at(DAY), vec![outage]));

    let mut out: *mut c_char = ptr::null_mut();
    let result = unsafe {
        notice_client_ingest(
            handle,
            document.as_ptr(),
            document.len(),
            at(0).unix(),
            &mut out,
        )
    };
    assert_eq!(result, NoticeResult::Ok);
    assert_eq!(
        serde_json::from_str::<Value>(&take(out)).unwrap(),
        json!({"outcome": "updated", "version": 2})
    );
    assert!(last_error().is_none(), "success clears the last error");

    let shown = notices(handle, at(0).unix());
    assert_eq!(shown["freshness"], "fresh");
    assert_eq!(shown["version"], 2);
    assert_eq!(shown["notices"][0]["id"], "keyshare-down");
    assert_eq!(shown["notices"][0]["title"], "PIN-controle werkt niet");

    let id = CString::new("keyshare-down").unwrap();
    assert_eq!(
        unsafe { notice_client_dismiss(handle, id.as_ptr(), 1) },
        NoticeResult::Ok
    );
    assert_eq!(notices(handle, at(0).unix())["notices"], json!([]));

    let mut out: *mut c_char = ptr::null_mut();
    assert_eq!(
        unsafe { notice_client_status(handle, at(0).unix(), &mut out) },
        NoticeResult::Ok
    );
    let status: Value = serde_json::from_str(&take(out)).unwrap();
    assert_eq!(status["version"], 2);
    assert_eq!(status["freshness"], "fresh");
    assert_eq!(status["feed_id"], owner.feed_id());
    assert_eq!(status["issued_at"], at(-MINUTE).to_string());
    assert_eq!(status["expires_at"], at(DAY).to_string());

    let english = CString::new(r#"{"locales": ["en_GB"]}"#).unwrap();
    assert_eq!(
        unsafe { notice_client_set_context(handle, english.as_ptr()) },
        NoticeResult::Ok
    );
    unsafe { notice_client_free(handle) };
}

#[test]
fn null_pointers_give_an_error_and_leave_out_parameters_alone() {
    let owner = FeedOwner::new();
    let dir = tempfile::tempdir().unwrap();
    let config = config_json(&owner, dir.path(), &[]);
    let handle = new_client(&config);
    let sentinel = ptr::dangling_mut::<c_char>();
    let id = CString::new("x").unwrap();
    let bytes = [0u8; 4];

    let mut out_handle = ptr::dangling_mut::<NoticeClient>();
    assert_eq!(
        unsafe { notice_client_new(ptr::null(), &mut out_handle) },
        NoticeResult::NullPointer
    );
    assert_eq!(out_handle, ptr::dangling_mut::<NoticeClient>());
    assert_eq!(last_error_code(), "null_pointer");
    assert_eq!(
        unsafe { notice_client_new(config.as_ptr(), ptr::null_mut()) },
        NoticeResult::NullPointer
    );

    let mut out = sentinel;
    let calls: Vec<(&str, NoticeResult)> = vec![
        ("notices(NULL)", unsafe {
            notice_client_notices(ptr::null(), 0, &mut out)
        }),
        ("notices(out NULL)", unsafe {
            notice_client_notices(handle, 0, ptr::null_mut())
        }),
        ("status(NULL)", unsafe {
            notice_client_status(ptr::null(), 0, &mut out)
        }),
        ("status(out NULL)", unsafe {
            notice_client_status(handle, 0, ptr::null_mut())
        }),
        ("refresh(NULL)", unsafe {
            notice_client_refresh(ptr::null(), 0, &mut out)
        }),
        ("ingest(NULL)", unsafe {
            notice_client_ingest(ptr::null(), bytes.as_ptr(), bytes.len(), 0, &mut out)
        }),
        ("ingest(bytes NULL)", unsafe {
            notice_client_ingest(handle, ptr::null(), 10, 0, &mut out)
        }),
        ("dismiss(NULL)", unsafe {
            notice_client_dismiss(ptr::null(), id.as_ptr(), 1)
        }),
        ("dismiss(id NULL)", unsafe {
            notice_client_dismiss(handle, ptr::null(), 1)
        }),
        ("set_context(NULL)", unsafe {
            notice_client_set_context(ptr::null(), id.as_ptr())
        }),
        ("set_context(json NULL)", unsafe {
            notice_client_set_context(handle, ptr::null())
        }),
    ];
    for (call, result) in calls {
        assert_eq!(result, NoticeResult::NullPointer, "{call}");
    }
    assert_eq!(out, sentinel, "no out-parameter was written");

    // Freeing NULL is a no-op, as with free(3).
    unsafe { notice_client_free(ptr::null_mut()) };
    unsafe { notice_string_free(ptr::null_mut()) };
    unsafe { notice_client_free(handle) };
}

#[test]
fn invalid_json_bad_utf8_and_bad_configuration_are_told_apart() {
    let owner = FeedOwner::new();
    let dir = tempfile::tempdir().unwrap();
    let mut handle: *mut NoticeClient = ptr::null_mut();
    let new = |text: &[u8], handle: &mut *mut NoticeClient| {
        let text = CString::new(text).unwrap();
        unsafe { notice_client_new(text.as_ptr(), handle) }
    };

    assert_eq!(new(b"{not json", &mut handle), NoticeResult::InvalidJson);
    assert_eq!(last_error_code(), "invalid_json");
    assert_eq!(
        new(b"{\"feed_id\": \"caf\xc3\"}", &mut handle),
        NoticeResult::InvalidUtf8
    );
    assert_eq!(last_error_code(), "invalid_utf8");
    assert_eq!(new(b"[]", &mut handle), NoticeResult::InvalidConfig);
    assert_eq!(
        new(br#"{"feed_id": "yivi-app/test", "trusted_root": {}, "state_dir": "/tmp/x", "typo": 1}"#, &mut handle),
        NoticeResult::InvalidConfig
    );
    assert!(
        last_error().unwrap()["message"]
            .as_str()
            .unwrap()
            .contains("typo")
    );

    // A root for another feed than the configured one.
    let other = FeedOwner::for_feed("yivi-app/staging");
    let mut config: Value =
        serde_json::from_str(config_json(&other, dir.path(), &[]).to_str().unwrap()).unwrap();
    config["feed_id"] = json!(owner.feed_id());
    assert_eq!(
        new(config.to_string().as_bytes(), &mut handle),
        NoticeResult::InvalidConfig
    );
    assert_eq!(last_error_code(), "feed_id_mismatch");

    // A plain-http mirror on the public internet.
    let config = config_json(
        &owner,
        dir.path(),
        &["http://example.org/feed.json".to_owned()],
    );
    assert_eq!(
        unsafe { notice_client_new(config.as_ptr(), &mut handle) },
        NoticeResult::InvalidConfig
    );
    assert_eq!(last_error_code(), "invalid_mirror");
    assert!(handle.is_null(), "nothing was written on failure");

    // The root may also be given as the file's text.
    let mut config: Value =
        serde_json::from_str(config_json(&owner, dir.path(), &[]).to_str().unwrap()).unwrap();
    config["trusted_root"] = json!(String::from_utf8(owner.root_json()).unwrap());
    let handle = new_client(&CString::new(config.to_string()).unwrap());
    unsafe { notice_client_free(handle) };
}

#[test]
fn the_handle_stays_usable_after_errors() {
    let owner = FeedOwner::new();
    let dir = tempfile::tempdir().unwrap();
    let handle = new_client(&config_json(&owner, dir.path(), &[]));
    assert_eq!(
        ingest(
            handle,
            &owner.document(1, vec![NoticeBuilder::outage("keyshare-down").build()])
        ),
        NoticeResult::Ok
    );

    assert_eq!(ingest(handle, b"garbage"), NoticeResult::Rejected);
    assert_eq!(last_error_code(), "malformed_json");
    assert_eq!(
        ingest(handle, &owner.document(1, vec![])),
        NoticeResult::Rejected
    );
    assert_eq!(last_error_code(), "equal_version_different_bytes");

    let bad_id = CString::new("../etc/passwd").unwrap();
    assert_eq!(
        unsafe { notice_client_dismiss(handle, bad_id.as_ptr(), 1) },
        NoticeResult::InvalidArgument
    );
    let id = CString::new("keyshare-down").unwrap();
    assert_eq!(
        unsafe { notice_client_dismiss(handle, id.as_ptr(), 1) },
        NoticeResult::NotDismissible
    );
    let bad_utf8 = CString::new(&b"caf\xc3"[..]).unwrap();
    assert_eq!(
        unsafe { notice_client_dismiss(handle, bad_utf8.as_ptr(), 1) },
        NoticeResult::InvalidUtf8
    );
    let mut out: *mut c_char = ptr::null_mut();
    assert_eq!(
        unsafe { notice_client_notices(handle, -5, &mut out) },
        NoticeResult::InvalidArgument
    );
    assert!(out.is_null());
    let bad_context = CString::new(r#"{"platform": "windows"}"#).unwrap();
    assert_eq!(
        unsafe { notice_client_set_context(handle, bad_context.as_ptr()) },
        NoticeResult::InvalidConfig
    );
    let broken_context = CString::new(r#"{"platform": "#).unwrap();
    assert_eq!(
        unsafe { notice_client_set_context(handle, broken_context.as_ptr()) },
        NoticeResult::InvalidJson
    );
    // A rejected document leaves the out-parameter exactly as it was.
    let sentinel = 0x5a5a_usize as *mut c_char;
    let mut out = sentinel;
    let garbage = b"garbage";
    assert_eq!(
        unsafe {
            notice_client_ingest(
                handle,
                garbage.as_ptr(),
                garbage.len(),
                at(0).unix(),
                &mut out,
            )
        },
        NoticeResult::Rejected
    );
    assert_eq!(out, sentinel, "written on failure");

    // After all that: same notices, and a successful call clears the error.
    let shown = notices(handle, at(0).unix());
    assert_eq!(shown["notices"][0]["id"], "keyshare-down");
    assert!(last_error().is_none());
    unsafe { notice_client_free(handle) };
}

#[test]
fn the_last_error_belongs_to_the_calling_thread() {
    let mut handle: *mut NoticeClient = ptr::null_mut();
    let bad = CString::new("{").unwrap();
    assert_eq!(
        unsafe { notice_client_new(bad.as_ptr(), &mut handle) },
        NoticeResult::InvalidJson
    );
    let other_thread = std::thread::spawn(last_error).join().unwrap();
    assert!(other_thread.is_none());
    assert_eq!(last_error_code(), "invalid_json");
    // Reading it does not clear it.
    assert_eq!(last_error_code(), "invalid_json");
}

#[test]
fn one_handle_serves_several_threads_at_once() {
    let owner = FeedOwner::new();
    let dir = tempfile::tempdir().unwrap();
    let handle = new_client(&config_json(&owner, dir.path(), &[]));
    // Raw pointers are not Send; the address is, and the handle is documented as thread-safe.
    let address = handle as usize;
    let documents: Vec<Vec<u8>> = (1..=8)
        .map(|v| {
            owner.document(
                v,
                vec![NoticeBuilder::outage("keyshare-down").revision(v).build()],
            )
        })
        .collect();

    std::thread::scope(|scope| {
        for (i, document) in documents.iter().enumerate() {
            scope.spawn(move || {
                let handle = address as *const NoticeClient;
                // Versions arrive out of order: older ones may be rejected, never a crash.
                let result = ingest(handle, document);
                assert!(
                    matches!(result, NoticeResult::Ok | NoticeResult::Rejected),
                    "{i}: {result:?}"
                );
                for _ in 0..20 {
                    let shown = notices(handle, at(0).unix());
                    assert!(shown["version"].as_u64().unwrap_or(0) <= 8);
                }
            });
        }
    });
    assert_eq!(notices(handle, at(0).unix())["version"], 8);
    unsafe { notice_client_free(handle) };
}

#[cfg(feature = "https")]
#[test]
fn refresh_through_the_c_abi_fetches_from_a_mirror() {
    let owner = FeedOwner::new();
    let mirror = notice_tests::FakeMirror::serving(
        owner.document(3, vec![NoticeBuilder::outage("keyshare-down").build()]),
    );
    let dir = tempfile::tempdir().unwrap();
    let handle = new_client(&config_json(&owner, dir.path(), &[mirror.url()]));
    let mut out: *mut c_char = ptr::null_mut();
    assert_eq!(
        unsafe { notice_client_refresh(handle, at(0).unix(), &mut out) },
        NoticeResult::Ok
    );
    assert_eq!(
        serde_json::from_str::<Value>(&take(out)).unwrap(),
        json!({"outcome": "updated", "version": 3})
    );
    unsafe { notice_client_free(handle) };

    // No mirrors configured: refresh says so.
    let handle = new_client(&config_json(&owner, dir.path(), &[]));
    assert_eq!(
        unsafe { notice_client_refresh(handle, 0, ptr::null_mut()) },
        NoticeResult::InvalidConfig
    );
    assert_eq!(last_error_code(), "no_mirrors");
    unsafe { notice_client_free(handle) };
}

#[cfg(not(feature = "https"))]
#[test]
fn refresh_without_the_https_feature_is_unsupported() {
    let owner = FeedOwner::new();
    let dir = tempfile::tempdir().unwrap();
    let handle = new_client(&config_json(&owner, dir.path(), &[]));
    assert_eq!(
        unsafe { notice_client_refresh(handle, 0, ptr::null_mut()) },
        NoticeResult::Unsupported
    );
    assert_eq!(last_error_code(), "unsupported");
    unsafe { notice_client_free(handle) };
}
