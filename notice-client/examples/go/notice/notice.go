// Package notice is a Go bridge to the notice-client C ABI, shaped the way a gomobile-bound package
// exposes it: only types gomobile supports (string, []byte, int64, error, pointers to structs), JSON for
// everything structured, and the system clock for "now".
//
// Linking (see MOBILE.md):
//   - gomobile bind -target=android: the #cgo android lines below link each ABI's static library, as
//     notice-client/mobile/build-libs.sh leaves them in target/mobile/<Rust target>/ (the libraries after
//     the archive are what Rust's standard library needs on Android: rustc --print native-static-libs).
//   - gomobile bind -target=ios,iossimulator: no line is needed; the Go framework is a static archive, and
//     the app links NoticeClient.xcframework, which resolves notice_* at the app's link.
//   - anywhere else (the tests, a desktop build): set CGO_LDFLAGS="/path/to/libnotice_client.a -lm -ldl -lpthread".
//
// The header comes from notice-client/include (the #cgo CFLAGS line below).
package notice

/*
#cgo CFLAGS: -I${SRCDIR}/../../../include
#cgo android,arm64 LDFLAGS: ${SRCDIR}/../../../../target/mobile/aarch64-linux-android/libnotice_client.a -llog -lunwind -ldl -lm -lc
#cgo android,arm LDFLAGS: ${SRCDIR}/../../../../target/mobile/armv7-linux-androideabi/libnotice_client.a -llog -lunwind -ldl -lm -lc
#cgo android,amd64 LDFLAGS: ${SRCDIR}/../../../../target/mobile/x86_64-linux-android/libnotice_client.a -llog -lunwind -ldl -lm -lc
#include <stdlib.h>
#include "notice_client.h"
*/
import "C"

import (
	"encoding/json"
	"errors"
	"fmt"
	"runtime"
	"sync"
	"unsafe"
)

// Error is a failed call: the library's result code, and its error code and message.
type Error struct {
	// Result is the NoticeResult (NOTICE_RESULT_*) the call returned.
	Result int
	// Code is a stable snake_case code, e.g. "rolled_back" or "all_mirrors_failed".
	Code string
	// Message explains it.
	Message string
}

func (e *Error) Error() string {
	return fmt.Sprintf("notice-client: %s: %s", e.Code, e.Message)
}

// ErrClosed is returned by calls on a closed Client.
var ErrClosed = errors.New("notice-client: client is closed")

// Client is a notice client. Safe for concurrent use; Close it when done.
type Client struct {
	// The handle is thread-safe; the lock only keeps Close from freeing it under a running call.
	mu     sync.RWMutex
	handle *C.NoticeClient
}

// call runs f on one locked OS thread: the library keeps the last error per thread, and a goroutine may
// otherwise move to another thread between the call and reading the error.
func call(f func() C.NoticeResult) error {
	runtime.LockOSThread()
	defer runtime.UnlockOSThread()
	result := f()
	if result == C.NOTICE_RESULT_OK {
		return nil
	}
	return lastError(int(result))
}

func lastError(result int) error {
	text := C.notice_last_error()
	if text == nil {
		return &Error{Result: result, Code: "unknown", Message: "no details"}
	}
	defer C.notice_string_free(text)
	var body struct {
		Code    string `json:"code"`
		Message string `json:"message"`
	}
	if err := json.Unmarshal([]byte(C.GoString(text)), &body); err != nil {
		return &Error{Result: result, Code: "unknown", Message: C.GoString(text)}
	}
	return &Error{Result: result, Code: body.Code, Message: body.Message}
}

// takeString copies a string handed out by the library and frees it.
func takeString(text *C.char) string {
	defer C.notice_string_free(text)
	return C.GoString(text)
}

// New creates a client from configuration JSON (see notice_client_new in notice_client.h). It reads the
// state directory but does not touch the network.
func New(configJSON string) (*Client, error) {
	config := C.CString(configJSON)
	defer C.free(unsafe.Pointer(config))
	var handle *C.NoticeClient
	if err := call(func() C.NoticeResult { return C.notice_client_new(config, &handle) }); err != nil {
		return nil, err
	}
	client := &Client{handle: handle}
	runtime.SetFinalizer(client, (*Client).Close)
	return client, nil
}

// Close frees the client. Further calls return ErrClosed.
func (c *Client) Close() {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.handle != nil {
		C.notice_client_free(c.handle)
		c.handle = nil
	}
}

func (c *Client) with(f func(handle *C.NoticeClient) C.NoticeResult) error {
	c.mu.RLock()
	defer c.mu.RUnlock()
	if c.handle == nil {
		return ErrClosed
	}
	return call(func() C.NoticeResult { return f(c.handle) })
}

func (c *Client) withJSON(f func(handle *C.NoticeClient, out **C.char) C.NoticeResult) (string, error) {
	var out *C.char
	if err := c.with(func(handle *C.NoticeClient) C.NoticeResult { return f(handle, &out) }); err != nil {
		return "", err
	}
	return takeString(out), nil
}

// Refresh fetches from the mirrors and keeps the highest valid version. It blocks up to the configured
// deadline (10 s by default): call it from a goroutine on start and on resume. It returns nil also when
// the minimum refresh interval has not passed (nothing was fetched); RefreshJSON tells which.
func (c *Client) Refresh() error {
	_, err := c.RefreshJSON()
	return err
}

// RefreshJSON is Refresh, returning the outcome: {"outcome": "updated"|"unchanged"|"too_soon"|...}.
func (c *Client) RefreshJSON() (string, error) {
	return c.withJSON(func(handle *C.NoticeClient, out **C.char) C.NoticeResult {
		return C.notice_client_refresh(handle, 0, out)
	})
}

// Ingest verifies a published document fetched by other means and keeps it if it is newer.
func (c *Client) Ingest(document []byte) error {
	if len(document) == 0 {
		return &Error{Result: int(C.NOTICE_RESULT_INVALID_ARGUMENT), Code: "invalid_argument", Message: "empty document"}
	}
	// C memory: the library only reads it during the call, but cgo forbids keeping Go pointers across it.
	bytes := C.CBytes(document)
	defer C.free(bytes)
	return c.with(func(handle *C.NoticeClient) C.NoticeResult {
		return C.notice_client_ingest(handle, (*C.uint8_t)(bytes), C.size_t(len(document)), 0, nil)
	})
}

// NoticesJSON returns what to show now: {"freshness": "fresh"|"expired"|"none", "version": N, "notices": [...]}.
// No network; works offline.
func (c *Client) NoticesJSON() (string, error) {
	return c.withJSON(func(handle *C.NoticeClient, out **C.char) C.NoticeResult {
		return C.notice_client_notices(handle, 0, out)
	})
}

// Dismiss hides one revision of a notice for this user.
func (c *Client) Dismiss(id string, revision int64) error {
	if revision < 1 {
		return &Error{Result: int(C.NOTICE_RESULT_INVALID_ARGUMENT), Code: "invalid_argument", Message: "revision starts at 1"}
	}
	text := C.CString(id)
	defer C.free(unsafe.Pointer(text))
	return c.with(func(handle *C.NoticeClient) C.NoticeResult {
		return C.notice_client_dismiss(handle, text, C.uint64_t(revision))
	})
}

// StatusJSON returns the client's state: version, freshness, last success, per-mirror errors, storage problems.
func (c *Client) StatusJSON() (string, error) {
	return c.withJSON(func(handle *C.NoticeClient, out **C.char) C.NoticeResult {
		return C.notice_client_status(handle, 0, out)
	})
}

// SetContextJSON replaces platform, app version and locales: {"platform": "ios", "locales": ["de_DE"]}.
func (c *Client) SetContextJSON(contextJSON string) error {
	text := C.CString(contextJSON)
	defer C.free(unsafe.Pointer(text))
	return c.with(func(handle *C.NoticeClient) C.NoticeResult {
		return C.notice_client_set_context(handle, text)
	})
}
