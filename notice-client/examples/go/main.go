// Command notice-example uses the notice bridge package the way an app's native layer would: create the
// client, refresh, show notices, dismiss one, report status.
//
//	CGO_LDFLAGS="/path/to/libnotice_client.a -lm -ldl -lpthread" go run . \
//	    -feed-id yivi-app/production -root root.json -state /tmp/notices \
//	    -mirrors https://notices.example.org/v1/feed.json,https://mirror.example.net/v1/feed.json
//
// Every flag falls back to an environment variable: NOTICE_FEED_ID, NOTICE_ROOT, NOTICE_STATE_DIR,
// NOTICE_MIRRORS (comma-separated), NOTICE_LOCALE, NOTICE_MIN_REFRESH_INTERVAL_S.
package main

import (
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"os"
	"strconv"
	"strings"
	"time"

	"github.com/privacybydesign/notice/notice-client/examples/go/notice"
)

func main() {
	if err := run(); err != nil {
		fmt.Fprintln(os.Stderr, "notice-example:", err)
		os.Exit(2)
	}
}

func run() error {
	feedID := flag.String("feed-id", os.Getenv("NOTICE_FEED_ID"), "feed id, e.g. yivi-app/production")
	rootPath := flag.String("root", os.Getenv("NOTICE_ROOT"), "the trusted root file the app ships")
	stateDir := flag.String("state", os.Getenv("NOTICE_STATE_DIR"), "state directory")
	mirrors := flag.String("mirrors", os.Getenv("NOTICE_MIRRORS"), "comma-separated mirror URLs")
	locale := flag.String("locale", os.Getenv("NOTICE_LOCALE"), "preferred locale, e.g. nl_NL")
	dismiss := flag.String("dismiss", "", "dismiss a notice: ID:REVISION")
	minInterval := flag.String("min-refresh-interval", os.Getenv("NOTICE_MIN_REFRESH_INTERVAL_S"),
		"seconds between refreshes that touch the network (default 60)")
	flag.Parse()
	if *feedID == "" || *rootPath == "" || *stateDir == "" {
		return errors.New("need -feed-id, -root and -state (or NOTICE_FEED_ID, NOTICE_ROOT, NOTICE_STATE_DIR)")
	}

	root, err := os.ReadFile(*rootPath)
	if err != nil {
		return err
	}
	mirrorList := []string{}
	for _, m := range strings.Split(*mirrors, ",") {
		if m = strings.TrimSpace(m); m != "" {
			mirrorList = append(mirrorList, m)
		}
	}
	locales := []string{}
	if *locale != "" {
		locales = append(locales, *locale)
	}
	settings := map[string]any{
		"feed_id":      *feedID,
		"trusted_root": string(root), // the root file's text; an embedded JSON object works too
		"mirrors":      mirrorList,
		"state_dir":    *stateDir,
		"context":      map[string]any{"platform": "android", "locales": locales},
	}
	if *minInterval != "" {
		seconds, err := strconv.ParseUint(*minInterval, 10, 32)
		if err != nil {
			return fmt.Errorf("-min-refresh-interval wants seconds, got %q", *minInterval)
		}
		settings["timeouts"] = map[string]any{"min_refresh_interval_s": seconds}
	}
	config, err := json.Marshal(settings)
	if err != nil {
		return err
	}

	client, err := notice.New(string(config))
	if err != nil {
		return err
	}
	defer client.Close()

	// An app refreshes in a goroutine; a failed refresh still leaves the last verified notices.
	if outcome, err := client.RefreshJSON(); err != nil {
		var e *notice.Error
		if errors.As(err, &e) {
			fmt.Fprintf(os.Stderr, "refresh failed: %s: %s\n", e.Code, e.Message)
		} else {
			fmt.Fprintln(os.Stderr, "refresh failed:", err)
		}
	} else {
		fmt.Println("refresh:", outcome)
	}

	if *dismiss != "" {
		id, rev, ok := strings.Cut(*dismiss, ":")
		revision, perr := strconv.ParseInt(rev, 10, 64)
		if !ok || perr != nil {
			return fmt.Errorf("-dismiss wants ID:REVISION, got %q", *dismiss)
		}
		if err := client.Dismiss(id, revision); err != nil {
			return err
		}
		fmt.Printf("dismissed: %s revision %d\n", id, revision)
	}

	notices, err := client.NoticesJSON()
	if err != nil {
		return err
	}
	fmt.Println("notices:", notices)
	printSince(notices)
	status, err := client.StatusJSON()
	if err != nil {
		return err
	}
	fmt.Println("status:", status)
	return nil
}

// printSince prints when each notice was posted and how long ago, as an app shows "since 14:14 (2 h 10 min)".
func printSince(notices string) {
	var shown struct {
		Notices []struct {
			ID        string `json:"id"`
			CreatedAt string `json:"created_at"`
		} `json:"notices"`
	}
	if err := json.Unmarshal([]byte(notices), &shown); err != nil {
		fmt.Fprintln(os.Stderr, "notices are not JSON:", err)
		return
	}
	for _, n := range shown.Notices {
		created, err := time.Parse(time.RFC3339, n.CreatedAt)
		if err != nil {
			continue
		}
		minutes := int(time.Since(created).Minutes())
		if minutes < 0 {
			minutes = 0
		}
		fmt.Printf("since: %s %s (%d h %d min)\n", n.ID, n.CreatedAt, minutes/60, minutes%60)
	}
}
