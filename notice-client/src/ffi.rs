//! The C ABI: an opaque handle, JSON in and out, result codes, and a panic boundary on every function.
//!
//! This is the only module with `unsafe`: a C ABI is made of raw pointers, and turning them into Rust
//! references is unsafe by nature. Each `unsafe` block relies only on the documented contract of the
//! function it is in (pointers are NULL or valid for the stated use); NULL is checked before any use.
//!
//! Rules every function follows:
//! - it returns a [`NoticeResult`]; `NOTICE_RESULT_OK` is 0;
//! - out-parameters are written only when it returns `NOTICE_RESULT_OK`, and are left untouched otherwise;
//! - on failure the calling thread's last error (code and message, as JSON) is set, for
//!   [`notice_last_error`]; every call (but that one and [`notice_string_free`]) clears it first;
//! - no panic crosses the boundary: a panic becomes `NOTICE_RESULT_PANIC` (with `panic = "unwind"`, the
//!   default; a host building with `panic = "abort"` gives that up);
//! - strings handed out are NUL-terminated UTF-8 JSON, owned by the caller, freed with
//!   [`notice_string_free`].
//!
//! Handles are thread-safe: any number of threads may call functions on one handle at the same time (the
//! client locks internally, and a slow refresh never blocks `notices`). `notice_client_free` must be the last
//! call on a handle.

#![allow(unsafe_code)] // The C ABI works on raw pointers; see the module documentation.

use std::cell::RefCell;
use std::ffi::{CStr, CString, c_char};
use std::panic::{AssertUnwindSafe, catch_unwind};

use notice_types::{NoticeId, Timestamp};
use serde::Serialize;

use crate::{AppContext, Client, ClientError, Config, ConfigError};

/// The result of every `notice_*` function. Details of a failure are in `notice_last_error()`.
#[repr(i32)]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum NoticeResult {
    /// Success; out-parameters were written.
    Ok = 0,
    /// A required pointer argument was NULL.
    NullPointer = 1,
    /// A string argument is not valid UTF-8.
    InvalidUtf8 = 2,
    /// A JSON argument is not valid JSON.
    InvalidJson = 3,
    /// The configuration or context JSON is valid JSON but not a valid configuration (unknown or missing
    /// field, bad URL, root for another feed, ...), or refresh was called without mirrors.
    InvalidConfig = 4,
    /// Another argument is invalid (a notice id, revision 0, a negative time, a length too large).
    InvalidArgument = 5,
    /// The document was rejected (bad signature, rollback, expired, wrong feed, too large, ...). The last
    /// good feed is kept. The last error's `code` says why.
    Rejected = 6,
    /// No mirror gave a valid answer. The last good feed is kept; per-mirror errors are in the status.
    AllMirrorsFailed = 7,
    /// The notice may not be dismissed.
    NotDismissible = 8,
    /// The state directory cannot be created or used.
    StateDir = 9,
    /// The library was built without this capability (refresh without the `https` feature).
    Unsupported = 10,
    /// An internal error (a bug); the handle stays usable.
    Panic = 11,
}

/// A notice client. Opaque: create it with `notice_client_new`, free it with `notice_client_free`.
pub struct NoticeClient {
    client: Client,
}

/// A failed call: the result code and what goes into the last error.
struct Failure {
    result: NoticeResult,
    code: String,
    message: String,
}

impl Failure {
    fn new(result: NoticeResult, code: &str, message: impl Into<String>) -> Self {
        Self {
            result,
            code: code.to_owned(),
            message: message.into(),
        }
    }

    fn null(name: &str) -> Self {
        Self::new(
            NoticeResult::NullPointer,
            "null_pointer",
            format!("argument `{name}` is NULL"),
        )
    }
}

impl From<ClientError> for Failure {
    fn from(e: ClientError) -> Self {
        let result = match &e {
            ClientError::Config(ConfigError::Syntax(_)) => NoticeResult::InvalidJson,
            ClientError::Config(_) | ClientError::NoMirrors => NoticeResult::InvalidConfig,
            ClientError::StateDir { .. } => NoticeResult::StateDir,
            ClientError::Rejected(_) => NoticeResult::Rejected,
            ClientError::AllMirrorsFailed { .. } => NoticeResult::AllMirrorsFailed,
            ClientError::InvalidArgument(_) => NoticeResult::InvalidArgument,
            ClientError::NotDismissible { .. } => NoticeResult::NotDismissible,
        };
        Self::new(result, e.code(), e.to_string())
    }
}

impl From<ConfigError> for Failure {
    fn from(e: ConfigError) -> Self {
        ClientError::Config(e).into()
    }
}

thread_local! {
    static LAST_ERROR: RefCell<Option<CString>> = const { RefCell::new(None) };
}

#[derive(Serialize)]
struct ErrorJson<'a> {
    code: &'a str,
    message: &'a str,
}

fn set_last_error(failure: &Failure) {
    let json = serde_json::to_string(&ErrorJson {
        code: &failure.code,
        message: &failure.message,
    })
    .unwrap_or_else(|_| format!("{{\"code\":\"{}\",\"message\":\"\"}}", failure.code));
    // JSON escapes NUL, so this cannot fail; fall back to nothing rather than panic.
    let text = CString::new(json).ok();
    // `try_with`: during thread teardown the slot may be gone; losing the message beats aborting.
    let _ = LAST_ERROR.try_with(|slot| *slot.borrow_mut() = text);
}

/// Runs `body` behind the panic boundary, maintaining the thread's last error.
fn guard(body: impl FnOnce() -> Result<(), Failure>) -> NoticeResult {
    let _ = LAST_ERROR.try_with(|slot| *slot.borrow_mut() = None);
    let failure = match catch_unwind(AssertUnwindSafe(body)) {
        Ok(Ok(())) => return NoticeResult::Ok,
        Ok(Err(failure)) => failure,
        Err(_) => Failure::new(
            NoticeResult::Panic,
            "panic",
            "internal error in notice-client (a bug; please report it); the handle is still usable",
        ),
    };
    set_last_error(&failure);
    failure.result
}

/// # Safety
/// `ptr` is NULL or a NUL-terminated string valid for the duration of the call.
unsafe fn str_arg<'a>(ptr: *const c_char, name: &str) -> Result<&'a str, Failure> {
    if ptr.is_null() {
        return Err(Failure::null(name));
    }
    // SAFETY: non-NULL and NUL-terminated per the function's contract.
    let bytes = unsafe { CStr::from_ptr(ptr) };
    bytes.to_str().map_err(|e| {
        Failure::new(
            NoticeResult::InvalidUtf8,
            "invalid_utf8",
            format!("argument `{name}` is not valid UTF-8: {e}"),
        )
    })
}

/// # Safety
/// `ptr` is NULL or a handle from `notice_client_new` that has not been freed.
unsafe fn client_arg<'a>(ptr: *const NoticeClient) -> Result<&'a Client, Failure> {
    // SAFETY: NULL or a live handle per the function's contract; shared access is fine (Client: Sync).
    unsafe { ptr.as_ref() }
        .map(|handle| &handle.client)
        .ok_or_else(|| Failure::null("client"))
}

fn out_arg<T>(ptr: *mut T, name: &str) -> Result<(), Failure> {
    if ptr.is_null() {
        Err(Failure::null(name))
    } else {
        Ok(())
    }
}

fn now_arg(now: i64) -> Result<Timestamp, Failure> {
    match now {
        0 => Ok(crate::system_now()),
        n if n > 0 => Ok(Timestamp::from_unix(n)),
        _ => Err(Failure::new(
            NoticeResult::InvalidArgument,
            "invalid_argument",
            "`now` is negative; pass Unix seconds, or 0 for the system clock",
        )),
    }
}

fn to_json<T: Serialize>(value: &T) -> Result<CString, Failure> {
    let json = serde_json::to_string(value)
        .map_err(|e| Failure::new(NoticeResult::Panic, "internal", e.to_string()))?;
    CString::new(json).map_err(|e| Failure::new(NoticeResult::Panic, "internal", e.to_string()))
}

/// # Safety
/// `out` is NULL (nothing is written) or valid for writing one pointer.
unsafe fn hand_out(out: *mut *mut c_char, json: CString) {
    if !out.is_null() {
        // SAFETY: non-NULL and writable per the function's contract.
        unsafe { *out = json.into_raw() };
    }
}

/// Creates a client from configuration JSON, loading what it remembered from its state directory (no
/// network). On success `*out_client` holds a handle to free with `notice_client_free`.
///
/// `config_json`:
/// `{"feed_id": "yivi-app/production", "trusted_root": <the root file's JSON object, or its text as a string>,
///   "mirrors": ["https://..."], "state_dir": "/path/only/this/client/uses",
///   "context": {"platform": "android"|"ios", "app_version": "25.3.1", "locales": ["nl_NL", "en"]},
///   "timeouts": {"connect_ms": 3000, "mirror_ms": 5000, "deadline_ms": 10000, "min_refresh_interval_s": 60},
///   "ca_certs_pem": "-----BEGIN CERTIFICATE-----\n..."}`
/// `mirrors`, `context`, `timeouts` (and each of their fields) and `ca_certs_pem` are optional; unknown fields
/// are refused. `timeouts`: the shorter bound wins (a per-mirror timeout longer than the deadline acts as the
/// deadline, a connect timeout longer than the per-mirror one as that), so `{"deadline_ms": 3000}` alone
/// bounds the whole refresh by 3 s. `ca_certs_pem`: PEM certificates of a private CA that mirrors' TLS certificates may chain to,
/// trusted in addition to the public CAs (only with the `https` feature; refused without it).
///
/// Corrupt or missing state files are not an error: they are reported in the status.
///
/// # Safety
/// `config_json` is NULL or a NUL-terminated string; `out_client` is NULL or valid for writing a pointer.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn notice_client_new(
    config_json: *const c_char,
    out_client: *mut *mut NoticeClient,
) -> NoticeResult {
    guard(|| {
        // SAFETY: per this function's contract.
        let text = unsafe { str_arg(config_json, "config_json") }?;
        out_arg(out_client, "out_client")?;
        let config = Config::from_json(text)?;
        let client = Client::new(config)?;
        let handle = Box::into_raw(Box::new(NoticeClient { client }));
        // SAFETY: checked non-NULL above; writable per the contract.
        unsafe { *out_client = handle };
        Ok(())
    })
}

/// Frees a client. NULL is ignored. No other call on this handle may be running or follow.
///
/// # Safety
/// `client` is NULL or a handle from `notice_client_new` not yet freed.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn notice_client_free(client: *mut NoticeClient) {
    let _ = guard(|| {
        if !client.is_null() {
            // SAFETY: a live handle from `Box::into_raw`, freed once, per the contract.
            drop(unsafe { Box::from_raw(client) });
        }
        Ok(())
    });
}

/// Replaces the context (platform, app version, locales), e.g. after the user changed the language.
/// `context_json` has the shape of the configuration's `context`: `{"platform": "ios", "app_version":
/// "25.3.1", "locales": ["de_DE"]}`.
///
/// # Safety
/// `client` is NULL or a live handle; `context_json` is NULL or a NUL-terminated string.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn notice_client_set_context(
    client: *const NoticeClient,
    context_json: *const c_char,
) -> NoticeResult {
    guard(|| {
        // SAFETY: per this function's contract.
        let client = unsafe { client_arg(client) }?;
        // SAFETY: per this function's contract.
        let text = unsafe { str_arg(context_json, "context_json") }?;
        client.set_context(AppContext::from_json(text)?);
        Ok(())
    })
}

/// Fetches the document from all mirrors in parallel, verifies it, and keeps the highest valid version.
/// Blocks up to the overall deadline (default 10 s): call it off the UI thread, on start and on resume.
/// `now` is Unix seconds, or 0 for the system clock.
///
/// On success `*out_json` (if `out_json` is not NULL) receives one of
/// `{"outcome": "updated", "version": 8}`, `{"outcome": "unchanged", "version": 8}` (version may be null),
/// `{"outcome": "too_soon", "next_allowed_at": "2026-12-01T01:00:00Z"}` (minimum interval or Retry-After;
/// nothing was fetched), `{"outcome": "already_running"}`.
/// Fails with `NOTICE_RESULT_ALL_MIRRORS_FAILED` when no mirror answered validly, and with
/// `NOTICE_RESULT_UNSUPPORTED` when built without the `https` feature.
///
/// # Safety
/// `client` is NULL or a live handle; `out_json` is NULL or valid for writing a pointer.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn notice_client_refresh(
    client: *const NoticeClient,
    now: i64,
    out_json: *mut *mut c_char,
) -> NoticeResult {
    guard(|| {
        // SAFETY: per this function's contract.
        let client = unsafe { client_arg(client) }?;
        let now = now_arg(now)?;
        let json = refresh(client, now)?;
        // SAFETY: per this function's contract.
        unsafe { hand_out(out_json, json) };
        Ok(())
    })
}

#[cfg(feature = "https")]
fn refresh(client: &Client, now: Timestamp) -> Result<CString, Failure> {
    to_json(&client.refresh(now)?)
}

#[cfg(not(feature = "https"))]
fn refresh(_client: &Client, _now: Timestamp) -> Result<CString, Failure> {
    Err(Failure::new(
        NoticeResult::Unsupported,
        "unsupported",
        "notice-client was built without the `https` feature; fetch the document yourself and pass it to notice_client_ingest",
    ))
}

/// Verifies a published document the host fetched itself, exactly as refresh would, and keeps it if it is
/// newer. `now` is Unix seconds, or 0 for the system clock.
///
/// On success `*out_json` (if `out_json` is not NULL) receives `{"outcome": "updated", "version": 8}` or
/// `{"outcome": "unchanged", "version": 8}`. A rejected document gives `NOTICE_RESULT_REJECTED`; the last
/// error's `code` says why (`bad_signature`, `rolled_back`, `expired`, `too_large`, ...).
///
/// # Safety
/// `client` is NULL or a live handle; `bytes` is NULL or valid for reading `len` bytes; `out_json` is NULL or
/// valid for writing a pointer.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn notice_client_ingest(
    client: *const NoticeClient,
    bytes: *const u8,
    len: usize,
    now: i64,
    out_json: *mut *mut c_char,
) -> NoticeResult {
    guard(|| {
        // SAFETY: per this function's contract.
        let client = unsafe { client_arg(client) }?;
        if bytes.is_null() {
            return Err(Failure::null("bytes"));
        }
        if len > isize::MAX as usize {
            return Err(Failure::new(
                NoticeResult::InvalidArgument,
                "invalid_argument",
                "`len` is larger than any buffer can be",
            ));
        }
        let now = now_arg(now)?;
        // SAFETY: non-NULL, readable for `len` bytes per the contract, `len` within isize.
        let document = unsafe { std::slice::from_raw_parts(bytes, len) };
        let json = to_json(&client.ingest(document, now)?)?;
        // SAFETY: per this function's contract.
        unsafe { hand_out(out_json, json) };
        Ok(())
    })
}

/// The notices to show at `now` (Unix seconds, 0 for the system clock), from the last verified feed, for the
/// current context. No network; works offline; maintenance windows start and end by `now` alone.
///
/// `*out_json` receives `{"freshness": "fresh"|"expired"|"none", "version": 8, "notices": [...]}`, each
/// notice with `id`, `revision`, `severity`, `status`, `language`, `title`, `body`, `components`,
/// `component_names` (the feed's names for them in the user's language), `link` (optional), `dismissible`,
/// `starts_at`/`ends_at` (optional), `created_at` (show "since 14:14"), `updated_at` and `updates`
/// (newest first). `expired` means the feed is past its expiry: show the notices as possibly out of date.
///
/// # Safety
/// `client` is NULL or a live handle; `out_json` is NULL or valid for writing a pointer.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn notice_client_notices(
    client: *const NoticeClient,
    now: i64,
    out_json: *mut *mut c_char,
) -> NoticeResult {
    guard(|| {
        // SAFETY: per this function's contract.
        let client = unsafe { client_arg(client) }?;
        out_arg(out_json, "out_json")?;
        let json = to_json(&client.notices(now_arg(now)?))?;
        // SAFETY: checked non-NULL; writable per the contract.
        unsafe { hand_out(out_json, json) };
        Ok(())
    })
}

/// Hides one revision of a notice for this user (persisted); a later revision shows again. Refused with
/// `NOTICE_RESULT_NOT_DISMISSIBLE` for a notice the publisher marked as not dismissible.
///
/// # Safety
/// `client` is NULL or a live handle; `notice_id` is NULL or a NUL-terminated string.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn notice_client_dismiss(
    client: *const NoticeClient,
    notice_id: *const c_char,
    revision: u64,
) -> NoticeResult {
    guard(|| {
        // SAFETY: per this function's contract.
        let client = unsafe { client_arg(client) }?;
        // SAFETY: per this function's contract.
        let text = unsafe { str_arg(notice_id, "notice_id") }?;
        let id = NoticeId::parse(text).map_err(|e| {
            Failure::new(
                NoticeResult::InvalidArgument,
                "invalid_argument",
                format!("notice_id: {e}"),
            )
        })?;
        client.dismiss(&id, revision)?;
        Ok(())
    })
}

/// The client's state at `now` (Unix seconds, 0 for the system clock). `*out_json` receives
/// `{"feed_id", "root_version", "version", "floor_version", "issued_at", "expires_at",
///   "freshness": "fresh"|"expired"|"none", "last_success_at", "last_attempt_at", "next_refresh_at",
///   "last_error": {"code", "message", "at"}|null,
///   "mirrors": [{"url", "last_attempt_at", "last_success_at", "last_version", "last_error", "retry_after_until"}],
///   "storage_problems": [{"file", "code", "message"}]}`.
///
/// # Safety
/// `client` is NULL or a live handle; `out_json` is NULL or valid for writing a pointer.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn notice_client_status(
    client: *const NoticeClient,
    now: i64,
    out_json: *mut *mut c_char,
) -> NoticeResult {
    guard(|| {
        // SAFETY: per this function's contract.
        let client = unsafe { client_arg(client) }?;
        out_arg(out_json, "out_json")?;
        let json = to_json(&client.status(now_arg(now)?))?;
        // SAFETY: checked non-NULL; writable per the contract.
        unsafe { hand_out(out_json, json) };
        Ok(())
    })
}

/// The error of the last failed `notice_*` call on this thread, as JSON `{"code": "...", "message": "..."}`,
/// or NULL if the last call succeeded. Every call except this one and `notice_string_free` clears it first.
/// Free the string with `notice_string_free`. From Go, keep the failing call and this one on the same OS
/// thread (`runtime.LockOSThread`), since goroutines move between threads.
#[unsafe(no_mangle)]
pub extern "C" fn notice_last_error() -> *mut c_char {
    catch_unwind(|| {
        LAST_ERROR
            .try_with(|slot| slot.borrow().clone())
            .ok()
            .flatten()
    })
    .ok()
    .flatten()
    .map_or(std::ptr::null_mut(), CString::into_raw)
}

/// Frees a string returned by this library. NULL is ignored.
///
/// # Safety
/// `s` is NULL or a string returned by this library, not yet freed.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn notice_string_free(s: *mut c_char) {
    if s.is_null() {
        return;
    }
    let _ = catch_unwind(|| {
        // SAFETY: created by `CString::into_raw` in this library and freed once, per the contract.
        drop(unsafe { CString::from_raw(s) });
    });
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_panic_becomes_a_result_code_and_a_last_error() {
        let result = guard(|| panic!("boom"));
        assert_eq!(result, NoticeResult::Panic);
        let error = notice_last_error();
        assert!(!error.is_null());
        // SAFETY: a string this library just handed out.
        let text = unsafe { CStr::from_ptr(error) }
            .to_str()
            .unwrap()
            .to_owned();
        // SAFETY: handed out by this library, freed once.
        unsafe { notice_string_free(error) };
        assert!(text.contains("\"code\":\"panic\""), "{text}");
        // The next call starts clean.
        assert_eq!(guard(|| Ok(())), NoticeResult::Ok);
        assert!(notice_last_error().is_null());
    }
}
