//! `Client::refresh` against loopback mirrors that refuse, hang, stream forever, go stale or ask to wait.
#![cfg(feature = "https")]

mod support;

use std::time::{Duration, Instant};

use notice_client::{Client, ClientError, Freshness, RefreshOutcome, USER_AGENT};
use notice_tests::{
    Answer, BlackHole, FakeMirror, FeedOwner, MINUTE, NoticeBuilder, at, endless, poll_until,
    refusing,
};
use support::config;

fn codes(client: &Client) -> Vec<Option<String>> {
    client
        .status(at(0))
        .mirrors
        .into_iter()
        .map(|m| m.last_error.map(|e| e.code))
        .collect()
}

#[test]
fn refused_then_black_holed_then_serving_mirror_shows_notices_within_the_deadline() {
    let owner = FeedOwner::new();
    let outage = NoticeBuilder::outage("keyshare-down")
        .title(&[
            ("en", "PIN validation is down"),
            ("nl", "PIN-controle werkt niet"),
        ])
        .build();
    let serving = FakeMirror::serving(owner.document(1, vec![outage]));
    let hole = BlackHole::start();
    let dir = tempfile::tempdir().unwrap();
    let config = config(&owner, dir.path(), &[refusing(), hole.url(), serving.url()]);
    let deadline = config.timeouts.deadline;
    let client = Client::new(config).unwrap();

    let started = Instant::now();
    let outcome = client.refresh(at(0)).unwrap();
    let elapsed = started.elapsed();

    assert_eq!(outcome, RefreshOutcome::Updated { version: 1 });
    // The refresh returns by its deadline; the second is slack for a loaded 2-cpu CI machine, not a
    // performance goal. Without the deadline the black hole would hang it forever.
    assert!(
        elapsed <= deadline + Duration::from_secs(1),
        "refresh took {elapsed:?}, the deadline is {deadline:?}"
    );
    poll_until(
        "the black hole to have been asked",
        Duration::from_secs(10),
        || (hole.accepted() == 1).then_some(()),
    );
    let shown = client.notices(at(0));
    assert_eq!(shown.freshness, Freshness::Fresh);
    assert_eq!(shown.notices.len(), 1);
    assert_eq!(shown.notices[0].title, "PIN-controle werkt niet");
    let codes = codes(&client);
    assert_eq!(codes[0].as_deref(), Some("connect_failed"));
    assert!(
        matches!(codes[1].as_deref(), Some("timeout" | "deadline")),
        "{codes:?}"
    );
    assert_eq!(codes[2], None);
}

#[test]
fn every_mirror_failing_is_an_error_that_keeps_the_last_good_feed() {
    let owner = FeedOwner::new();
    let serving = FakeMirror::serving(
        owner.document(1, vec![NoticeBuilder::outage("keyshare-down").build()]),
    );
    let dir = tempfile::tempdir().unwrap();
    let client = Client::new(config(&owner, dir.path(), &[serving.url()])).unwrap();
    client.refresh(at(0)).unwrap();

    serving.set_answer(Answer::Status {
        code: 500,
        retry_after: None,
    });
    let err = client.refresh(at(MINUTE)).unwrap_err();
    assert_eq!(err.code(), "all_mirrors_failed");
    assert!(err.to_string().contains("HTTP status 500"), "{err}");
    assert_eq!(client.notices(at(MINUTE)).notices.len(), 1);
    let status = client.status(at(MINUTE));
    assert_eq!(status.last_error.unwrap().code, "all_mirrors_failed");
    assert_eq!(status.last_success_at, Some(at(0)));
    assert_eq!(status.version, Some(1));
}

#[test]
fn an_endless_body_is_cut_off_at_the_cap_and_the_feed_is_kept() {
    let owner = FeedOwner::new();
    let dir = tempfile::tempdir().unwrap();
    let stream_url = endless();
    let client = Client::new(config(&owner, dir.path(), &[stream_url])).unwrap();
    client
        .ingest(
            &owner.document(1, vec![NoticeBuilder::outage("keyshare-down").build()]),
            at(0),
        )
        .unwrap();

    let err = client.refresh(at(0)).unwrap_err();

    let ClientError::AllMirrorsFailed { failures } = err else {
        panic!("expected all_mirrors_failed");
    };
    assert_eq!(failures[0].1.code, "too_large", "{failures:?}");
    assert_eq!(client.notices(at(0)).notices.len(), 1);
}

#[test]
fn an_endless_mirror_does_not_stop_another_from_serving() {
    let owner = FeedOwner::new();
    let serving = FakeMirror::serving(
        owner.document(4, vec![NoticeBuilder::outage("keyshare-down").build()]),
    );
    let stream_url = endless();
    let dir = tempfile::tempdir().unwrap();
    let client = Client::new(config(&owner, dir.path(), &[stream_url, serving.url()])).unwrap();

    assert_eq!(
        client.refresh(at(0)).unwrap(),
        RefreshOutcome::Updated { version: 4 }
    );
    assert_eq!(codes(&client), [Some("too_large".to_owned()), None]);
}

#[test]
fn an_older_version_after_a_newer_one_is_rejected_and_the_newer_kept() {
    let owner = FeedOwner::new();
    let mirror = FakeMirror::serving(owner.document(
        2,
        vec![NoticeBuilder::outage("keyshare-down").revision(2).build()],
    ));
    let dir = tempfile::tempdir().unwrap();
    let client = Client::new(config(&owner, dir.path(), &[mirror.url()])).unwrap();
    assert_eq!(
        client.refresh(at(0)).unwrap(),
        RefreshOutcome::Updated { version: 2 }
    );

    // The mirror now replays an older, validly signed version (an all-clear from before the outage).
    mirror.set_body(owner.document(1, vec![]));
    let err = client.refresh(at(MINUTE)).unwrap_err();

    let ClientError::AllMirrorsFailed { failures } = err else {
        panic!("expected all_mirrors_failed");
    };
    assert_eq!(failures[0].1.code, "rolled_back");
    let shown = client.notices(at(MINUTE));
    assert_eq!(shown.version, Some(2));
    assert_eq!(shown.notices.len(), 1, "the outage is still shown");
    let status = client.status(at(MINUTE));
    assert_eq!(
        status.mirrors[0].last_version,
        Some(1),
        "stale mirror named"
    );
    assert_eq!(status.floor_version, Some(2));
}

#[test]
fn the_highest_version_among_mirrors_wins() {
    let owner = FeedOwner::new();
    let stale = FakeMirror::serving(owner.document(3, vec![]));
    let current = FakeMirror::serving(
        owner.document(5, vec![NoticeBuilder::outage("keyshare-down").build()]),
    );
    let dir = tempfile::tempdir().unwrap();
    let client = Client::new(config(&owner, dir.path(), &[stale.url(), current.url()])).unwrap();

    assert_eq!(
        client.refresh(at(0)).unwrap(),
        RefreshOutcome::Updated { version: 5 }
    );
    assert_eq!(client.notices(at(0)).notices.len(), 1);
}

#[test]
fn conditional_get_sends_the_etag_and_a_304_keeps_the_feed() {
    let owner = FeedOwner::new();
    let mirror = FakeMirror::serving(
        owner.document(1, vec![NoticeBuilder::outage("keyshare-down").build()]),
    );
    let dir = tempfile::tempdir().unwrap();
    let client = Client::new(config(&owner, dir.path(), &[mirror.url()])).unwrap();
    client.refresh(at(0)).unwrap();

    let outcome = client.refresh(at(MINUTE)).unwrap();

    assert_eq!(outcome, RefreshOutcome::Unchanged { version: Some(1) });
    let requests = mirror.requests();
    assert_eq!(requests.len(), 2);
    assert!(
        !requests[0].to_ascii_lowercase().contains("if-none-match"),
        "{}",
        requests[0]
    );
    assert!(
        requests[1].contains("\"etag-1\""),
        "second request is conditional: {}",
        requests[1]
    );
    assert_eq!(
        client.status(at(MINUTE)).mirrors[0].last_success_at,
        Some(at(MINUTE))
    );
    assert_eq!(client.notices(at(MINUTE)).notices.len(), 1);
}

#[test]
fn a_stale_mirror_answering_not_modified_is_reported_as_behind() {
    let owner = FeedOwner::new();
    let stale = FakeMirror::serving(owner.document(1, vec![]));
    let dir = tempfile::tempdir().unwrap();
    let client = Client::new(config(&owner, dir.path(), &[stale.url()])).unwrap();
    client.refresh(at(0)).unwrap();
    // A newer version arrives another way; the mirror never updates.
    client
        .ingest(
            &owner.document(2, vec![NoticeBuilder::outage("keyshare-down").build()]),
            at(MINUTE),
        )
        .unwrap();

    // The mirror confirms its old copy with a 304; that is not "fine", it is behind.
    let err = client.refresh(at(2 * MINUTE)).unwrap_err();

    assert!(
        stale.requests()[1].contains("\"etag-1\""),
        "{}",
        stale.requests()[1]
    );
    assert_eq!(err.code(), "all_mirrors_failed");
    assert_eq!(codes(&client), [Some("rolled_back".to_owned())]);
    assert_eq!(
        client.status(at(2 * MINUTE)).mirrors[0].last_version,
        Some(1)
    );
    assert_eq!(client.notices(at(2 * MINUTE)).version, Some(2));
}

#[test]
fn requests_carry_no_identifier_and_no_cookie() {
    let owner = FeedOwner::new();
    let mirror = FakeMirror::serving(owner.document(1, vec![]));
    let dir = tempfile::tempdir().unwrap();
    let client = Client::new(config(&owner, dir.path(), &[mirror.url()])).unwrap();
    client.refresh(at(0)).unwrap();
    // The mirror set a cookie on the first answer; it must not come back.
    client.refresh(at(MINUTE)).unwrap();

    for head in mirror.requests() {
        let mut lines = head.lines();
        assert_eq!(lines.next(), Some("GET /v1/feed.json HTTP/1.1"));
        for line in lines.filter(|l| !l.is_empty()) {
            let (name, value) = line.split_once(':').unwrap();
            match name.to_ascii_lowercase().as_str() {
                "host" | "accept" | "if-none-match" => {}
                "user-agent" => assert_eq!(value.trim(), USER_AGENT),
                other => panic!("unexpected request header {other}: {head}"),
            }
        }
    }
    assert!(USER_AGENT.starts_with("notice-client/"));
}

#[test]
fn retry_after_is_respected_per_mirror() {
    let owner = FeedOwner::new();
    let mirror = FakeMirror::answering(Answer::Status {
        code: 503,
        retry_after: Some("120".to_owned()),
    });
    let dir = tempfile::tempdir().unwrap();
    let client = Client::new(config(&owner, dir.path(), &[mirror.url()])).unwrap();

    let err = client.refresh(at(0)).unwrap_err();
    assert_eq!(err.code(), "all_mirrors_failed");
    let status = client.status(at(0));
    assert_eq!(
        status.mirrors[0].retry_after_until,
        Some(at(0).plus_seconds(120))
    );
    assert_eq!(status.next_refresh_at, Some(at(0).plus_seconds(120)));

    // Within the wait nothing is sent, even with no minimum interval configured.
    let outcome = client.refresh(at(0).plus_seconds(60)).unwrap();
    assert_eq!(
        outcome,
        RefreshOutcome::TooSoon {
            next_allowed_at: at(0).plus_seconds(120)
        }
    );
    assert_eq!(mirror.requests().len(), 1);

    mirror.set_body(owner.document(1, vec![]));
    let outcome = client.refresh(at(0).plus_seconds(121)).unwrap();
    assert_eq!(outcome, RefreshOutcome::Updated { version: 1 });
    assert_eq!(client.status(at(0)).mirrors[0].retry_after_until, None);
}

#[test]
fn a_huge_retry_after_is_capped_to_an_hour() {
    let owner = FeedOwner::new();
    let mirror = FakeMirror::answering(Answer::Status {
        code: 429,
        retry_after: Some("31536000".to_owned()),
    });
    let dir = tempfile::tempdir().unwrap();
    let client = Client::new(config(&owner, dir.path(), &[mirror.url()])).unwrap();
    client.refresh(at(0)).unwrap_err();
    assert_eq!(
        client.status(at(0)).mirrors[0].retry_after_until,
        Some(at(0).plus_seconds(3600))
    );
}

#[test]
fn the_minimum_refresh_interval_keeps_the_network_quiet() {
    let owner = FeedOwner::new();
    let mirror = FakeMirror::serving(owner.document(1, vec![]));
    let dir = tempfile::tempdir().unwrap();
    let mut config = config(&owner, dir.path(), &[mirror.url()]);
    config.timeouts.min_refresh_interval = Duration::from_secs(60);
    let client = Client::new(config).unwrap();

    client.refresh(at(0)).unwrap();
    let outcome = client.refresh(at(0).plus_seconds(30)).unwrap();
    assert_eq!(
        outcome,
        RefreshOutcome::TooSoon {
            next_allowed_at: at(0).plus_seconds(60)
        }
    );
    assert_eq!(mirror.requests().len(), 1);

    client.refresh(at(0).plus_seconds(60)).unwrap();
    assert_eq!(mirror.requests().len(), 2);

    // A clock set far back does not freeze refreshing until it catches up again.
    client.refresh(at(0).plus_seconds(-86_400)).unwrap();
    assert_eq!(mirror.requests().len(), 3);
}

#[test]
fn a_second_refresh_while_one_runs_returns_at_once_and_notices_stay_available() {
    let owner = FeedOwner::new();
    let hole = BlackHole::start();
    let dir = tempfile::tempdir().unwrap();
    let mut config = config(&owner, dir.path(), &[hole.url()]);
    config.timeouts.mirror = Duration::from_secs(3);
    config.timeouts.deadline = Duration::from_secs(3);
    let client = Client::new(config).unwrap();
    client
        .ingest(
            &owner.document(1, vec![NoticeBuilder::outage("keyshare-down").build()]),
            at(0),
        )
        .unwrap();

    std::thread::scope(|scope| {
        let background = scope.spawn(|| client.refresh(at(0)));
        poll_until(
            "the refresh to reach the black hole",
            Duration::from_secs(10),
            || (hole.accepted() == 1).then_some(()),
        );
        // The UI thread gets its notices while the refresh waits on the network ...
        assert_eq!(client.notices(at(0)).notices.len(), 1);
        assert_eq!(client.status(at(0)).version, Some(1));
        // ... and the refresh is still running: a second one does not start.
        assert_eq!(
            client.refresh(at(0)).unwrap(),
            RefreshOutcome::AlreadyRunning
        );
        let err = background.join().unwrap().unwrap_err();
        assert_eq!(err.code(), "all_mirrors_failed");
    });
    assert_eq!(client.notices(at(0)).notices.len(), 1);
}

#[test]
fn a_mirror_serving_another_feed_is_rejected() {
    let owner = FeedOwner::new();
    let other = FeedOwner::for_feed("yivi-app/staging");
    let mirror = FakeMirror::serving(other.document(9, vec![]));
    let dir = tempfile::tempdir().unwrap();
    let client = Client::new(config(&owner, dir.path(), &[mirror.url()])).unwrap();
    let err = client.refresh(at(0)).unwrap_err();
    let ClientError::AllMirrorsFailed { failures } = err else {
        panic!("expected all_mirrors_failed");
    };
    // Same keys, other feed: validly signed, but not for this app (caught at the root chain or the feed).
    assert!(
        matches!(
            failures[0].1.code.as_str(),
            "root_chain_rejected" | "wrong_feed_id"
        ),
        "{failures:?}"
    );
    assert_eq!(client.notices(at(0)).freshness, Freshness::None);
}

#[test]
fn refresh_without_mirrors_says_so() {
    let owner = FeedOwner::new();
    let dir = tempfile::tempdir().unwrap();
    let client = Client::new(config(&owner, dir.path(), &[])).unwrap();
    assert_eq!(client.refresh(at(0)).unwrap_err(), ClientError::NoMirrors);
}

#[test]
fn a_plain_http_mirror_is_followed_on_its_own_host_and_port_only() {
    let owner = FeedOwner::new();
    let document = owner.document(1, vec![NoticeBuilder::outage("keyshare-down").build()]);
    // Elsewhere on loopback: another address, and another port of the same address.
    let other_host = FakeMirror::bind("127.0.0.2:0", Answer::Bytes(document.clone()));
    let other_port = FakeMirror::serving(document.clone());
    let moved = |location: String| Answer::Moved {
        path: "/v1/feed.json".to_owned(),
        code: 302,
        location,
        body: document.clone(),
    };
    let to_other_host = FakeMirror::answering(moved(other_host.url()));
    let to_other_port = FakeMirror::answering(moved(other_port.url()));
    let via_localhost = FakeMirror::answering(Answer::Bytes(Vec::new()));
    via_localhost.set_answer(moved(format!(
        "http://localhost:{}/v1/feed.json",
        via_localhost.addr().port()
    )));
    let dir = tempfile::tempdir().unwrap();
    let client = Client::new(config(
        &owner,
        dir.path(),
        &[
            to_other_host.url(),
            to_other_port.url(),
            via_localhost.url(),
        ],
    ))
    .unwrap();
    let outcome = client.refresh(at(0));
    assert!(outcome.is_err(), "{outcome:?}");
    assert_eq!(codes(&client), vec![Some("redirect_refused".to_owned()); 3]);
    assert!(other_host.requests().is_empty(), "never asked");
    assert!(other_port.requests().is_empty(), "never asked");
    assert_eq!(via_localhost.requests().len(), 1);

    // On its own host and port, relative or absolute, it is followed.
    let same = FakeMirror::answering(moved("/elsewhere/feed.json".to_owned()));
    let absolute = FakeMirror::answering(Answer::Bytes(Vec::new()));
    absolute.set_answer(moved(format!("http://{}/moved/feed.json", absolute.addr())));
    for mirror in [&same, &absolute] {
        let dir = tempfile::tempdir().unwrap();
        let client = Client::new(config(&owner, dir.path(), &[mirror.url()])).unwrap();
        assert_eq!(
            client.refresh(at(0)).unwrap(),
            RefreshOutcome::Updated { version: 1 }
        );
        let requests = mirror.requests();
        assert_eq!(requests.len(), 2, "{requests:?}");
        assert!(
            requests[1].starts_with("GET /elsewhere/feed.json ")
                || requests[1].starts_with("GET /moved/feed.json ")
        );
    }
}

#[test]
fn a_mirror_that_redirects_forever_fails_after_three() {
    let owner = FeedOwner::new();
    let looping = FakeMirror::answering(Answer::Moved {
        path: "/v1/feed.json".to_owned(),
        code: 301,
        location: "/v1/feed.json".to_owned(),
        body: Vec::new(),
    });
    let dir = tempfile::tempdir().unwrap();
    let client = Client::new(config(&owner, dir.path(), &[looping.url()])).unwrap();
    assert!(client.refresh(at(0)).is_err());
    assert_eq!(codes(&client), vec![Some("redirect_refused".to_owned())]);
    assert_eq!(
        looping.requests().len(),
        4,
        "the first request and three redirects"
    );
}
