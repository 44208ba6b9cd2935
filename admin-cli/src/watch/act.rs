//! What the watchdog does about a check that raised, recovered or stayed quiet: open its notice, move it to
//! "monitoring" and back to "investigating", resolve it after a quiet period, through the admin API with its
//! watch token, or break-glass into the copies when the server cannot be reached.
//!
//! Writes go through [`Backend`], the same prepare → commit as `notice post` and `notice update`, so a
//! notice the watchdog posts is checked and published exactly as one an operator posts, online or offline.
//!
//! Duplicates never: the watchdog remembers its open notice per check in the state file; without one (a lost
//! state file, a crash between posting and saving) it first looks for an open notice of the check on the
//! server (or, when that is down, in the copies) by its id, `watch-CHECK-YYYYMMDD-N`, and takes that over.
//! A notice a person resolved or withdrew is left alone: the next failure opens a new one.

use std::cell::RefCell;
use std::collections::BTreeSet;
use std::sync::Arc;

use notice_publish::{
    CreateNotice, NoticeChange, NoticeRecord, NoticeState, PostUpdate, Resolve, TextInput,
    WriteResponse,
};
use notice_types::{LocalizedText, NoticeId, Status, Timestamp};

use crate::api::Api;
use crate::backend::{Backend, Request};
use crate::commands::Ctx;
use crate::config::Settings;
use crate::error::CliError;
use crate::http::Http;
use crate::offline::OfflineArgs;
use crate::watch::config::Check;
use crate::watch::metrics::Metrics;
use crate::watch::notify::{Message, Notifier};
use crate::watch::state::{CheckState, Incident, Via, is_watch_id};

/// How many fresh ids are tried when the next one is taken (a lost state file on the same day).
const ID_ATTEMPTS: usize = 5;

/// Where and how changes are made.
pub struct Actions<'a> {
    ctx: &'a Ctx<'a>,
    /// The admin API: settings (server, token, CA) and a client with the API timeout.
    server: Option<(Settings, Http)>,
    /// Break-glass, when configured.
    breakglass: Option<OfflineArgs>,
    dry_run: bool,
    notifier: Notifier,
    metrics: Arc<Metrics>,
    /// Checks whose last write failed: the webhooks hear of the first failure and of the success after,
    /// not of every retry (the log has each).
    failing: RefCell<BTreeSet<String>>,
}

/// What one step did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Progress {
    /// Nothing to do.
    Idle,
    /// The incident changed (save the state).
    Changed,
    /// A write failed; try again later.
    Failed,
}

/// Why the check is being acted on, for the messages.
pub struct Why<'a> {
    /// The rule's verdict: "3 of the last 3 checks failed".
    pub transition: &'a str,
    /// The last result: "HTTP 500 (expected 200-299)".
    pub detail: &'a str,
}

/// A write that went out.
struct Written {
    response: WriteResponse,
    via: Via,
    copies: Vec<String>,
    /// What happened on the way (the server was unreachable, so break-glass).
    note: Option<String>,
}

/// A write that did not.
enum Failure {
    /// The id is taken (create only).
    Taken,
    /// Anything else, in words: every route tried and why it failed.
    Other(String),
}

/// Where a notice was found.
enum Lookup {
    /// Found: its record.
    Found(Box<NoticeRecord>),
    /// Known nowhere (or gone from the feed): closed.
    Missing,
    /// Could not be looked up.
    Unknown(String),
}

/// Whether `error` means the server is down (as opposed to refusing): then break-glass may step in.
fn server_down(error: &CliError) -> bool {
    matches!(
        error,
        CliError::Unreachable { .. } | CliError::Server { .. }
    )
}

fn is_not_found(error: &CliError) -> bool {
    matches!(error, CliError::Rejected { code, .. } if code == "not_found")
        || matches!(error, CliError::Refused { code, .. } if *code == "not_found")
}

fn is_taken(error: &CliError) -> bool {
    let conflict = |code: &str, message: &str| code == "conflict" && message.contains("exists");
    match error {
        CliError::Rejected { code, message, .. } => conflict(code, message),
        CliError::Refused { code, message, .. } => conflict(code, message),
        _ => false,
    }
}

impl<'a> Actions<'a> {
    /// Actions through `server` (settings with a token, and a client) and/or `breakglass`.
    pub fn new(
        ctx: &'a Ctx<'a>,
        server: Option<(Settings, Http)>,
        breakglass: Option<OfflineArgs>,
        dry_run: bool,
        notifier: Notifier,
        metrics: Arc<Metrics>,
    ) -> Self {
        Self {
            ctx,
            server,
            breakglass,
            dry_run,
            notifier,
            metrics,
            failing: RefCell::new(BTreeSet::new()),
        }
    }

    fn api(&self) -> Option<Result<Api, CliError>> {
        self.server
            .as_ref()
            .map(|(settings, http)| Api::new(settings, http.clone()))
    }

    /// Where the admin API is, for messages.
    fn server_name(&self) -> String {
        self.server
            .as_ref()
            .and_then(|(s, _)| s.server.as_ref())
            .map_or_else(|| "the server".to_owned(), |s| s.value.to_string())
    }

    /// Logs `message` and sends it to the webhooks (a repeated failure of the same check only to the log).
    pub fn tell(&self, message: Message, warn: bool) {
        let check = message.check.as_deref().unwrap_or("");
        let notice = message.notice_id.as_deref().unwrap_or("");
        if warn {
            tracing::warn!(event = message.event, check, notice, "{}", message.message);
        } else {
            tracing::info!(event = message.event, check, notice, "{}", message.message);
        }
        let first = {
            let mut failing = self.failing.borrow_mut();
            if message.event == "failed" {
                failing.insert(check.to_owned())
            } else {
                failing.remove(check);
                true
            }
        };
        if first {
            self.notifier.send(message);
        }
    }

    /// Brings what the phones show for `check` in line with whether it is `raised`: the one step of the
    /// watchdog, run after every transition and on a timer (retries, the quiet period).
    pub fn step(
        &self,
        check: &Check,
        state: &mut CheckState,
        raised: bool,
        why: &Why<'_>,
        now: Timestamp,
    ) -> Progress {
        let Some(incident) = state.incident.clone() else {
            if raised {
                return self.open(check, state, why, now);
            }
            // Recovered before anything could be published: the next failure is news again.
            self.failing.borrow_mut().remove(&check.name);
            return Progress::Idle;
        };
        if raised {
            if incident.status == Status::Monitoring {
                return self.reopen(check, state, incident, why, now);
            }
            return Progress::Idle;
        }
        if matches!(incident.status, Status::Investigating | Status::Identified) {
            return self.recover(check, state, incident, why, now);
        }
        match (check.resolve_after, incident.recovered_at) {
            (Some(quiet), Some(since))
                if now.unix() >= since.unix().saturating_add(quiet.as_secs() as i64) =>
            {
                self.resolve(check, state, incident, now)
            }
            _ => Progress::Idle,
        }
    }

    fn message(
        &self,
        event: &'static str,
        check: &Check,
        id: Option<&NoticeId>,
        text: String,
        now: Timestamp,
    ) -> Message {
        Message {
            event,
            check: Some(check.name.clone()),
            notice_id: id.map(ToString::to_string),
            message: text,
            at: now,
        }
    }

    /// Opens the check's notice: takes over an open one if there is one, else posts a new one.
    fn open(
        &self,
        check: &Check,
        state: &mut CheckState,
        why: &Why<'_>,
        now: Timestamp,
    ) -> Progress {
        if let Some((record, via)) = self.find_open(check) {
            let id = record.notice.id.clone();
            self.tell(
                self.message(
                    "adopted",
                    check,
                    Some(&id),
                    format!(
                        "{} fails ({}; {}): notice {id} of this check is already open ({}, via {}); the watchdog goes on with it",
                        check.name,
                        why.transition,
                        why.detail,
                        record.notice.status,
                        via.as_str()
                    ),
                    now,
                ),
                false,
            );
            state.incident = Some(Incident {
                notice_id: id,
                opened_at: record.notice.created_at,
                status: record.notice.status,
                via,
                recovered_at: None,
            });
            self.metrics.open_notice(&check.name, true);
            return Progress::Changed;
        }
        let mut last = String::new();
        for _ in 0..ID_ATTEMPTS {
            let id = match state.next_id(&check.name, now) {
                Ok(id) => id,
                Err(e) => {
                    last = e.to_string();
                    break;
                }
            };
            let request = Request::Create(create_notice(check, &id));
            match self.write("create", request, now) {
                Ok(written) => {
                    let title = english(&check.notice.title);
                    let text = format!(
                        "{} fails ({}; {}): {} notice {id} \"{title}\" ({}, {}) {}",
                        check.name,
                        why.transition,
                        why.detail,
                        self.verb("posted"),
                        check.notice.severity,
                        written.response.notice.status,
                        self.destination(&written)
                    );
                    self.tell(self.message("raised", check, Some(&id), text, now), false);
                    state.incident = Some(Incident {
                        notice_id: id,
                        opened_at: now,
                        status: written.response.notice.status,
                        via: written.via,
                        recovered_at: None,
                    });
                    self.metrics.open_notice(&check.name, true);
                    return Progress::Changed;
                }
                Err(Failure::Taken) => {
                    last = format!("notice id {id} is taken");
                    continue;
                }
                Err(Failure::Other(reason)) => {
                    last = reason;
                    break;
                }
            }
        }
        let text = format!(
            "{} fails ({}; {}), and the watchdog could not post its notice: {last}; nothing was published, it tries again",
            check.name, why.transition, why.detail
        );
        self.tell(self.message("failed", check, None, text, now), true);
        Progress::Failed
    }

    /// The check fails again after it recovered: back to "investigating", or a new notice when a person
    /// closed the old one.
    fn reopen(
        &self,
        check: &Check,
        state: &mut CheckState,
        mut incident: Incident,
        why: &Why<'_>,
        now: Timestamp,
    ) -> Progress {
        let id = incident.notice_id.clone();
        match self.locate(&id) {
            Lookup::Missing => return self.released(check, state, &id, "is gone", Some(why), now),
            Lookup::Found(record) if record.state != NoticeState::Active => {
                let how = format!("was {} by someone", record.state);
                return self.released(check, state, &id, &how, Some(why), now);
            }
            Lookup::Found(record) if record.notice.status != Status::Monitoring => {
                // A person moved it on (identified, …): theirs to keep.
                incident.status = record.notice.status;
                state.incident = Some(incident);
                return Progress::Changed;
            }
            Lookup::Unknown(reason) => {
                tracing::info!(notice = %id, %reason, "cannot see the notice now; changing it anyway");
            }
            Lookup::Found(_) => {}
        }
        let change = NoticeChange::Update(PostUpdate {
            status: Status::Investigating,
            message: TextInput::from(&check.notice.investigating),
        });
        match self.write(
            "update",
            Request::Change {
                id: id.clone(),
                change,
            },
            now,
        ) {
            Ok(written) => {
                let text = format!(
                    "{} fails again ({}; {}): {} notice {id} back to investigating {}",
                    check.name,
                    why.transition,
                    why.detail,
                    self.verb("moved"),
                    self.destination(&written)
                );
                self.tell(self.message("reopened", check, Some(&id), text, now), false);
                incident.status = Status::Investigating;
                incident.via = written.via;
                incident.recovered_at = None;
                state.incident = Some(incident);
                Progress::Changed
            }
            Err(failure) => self.failed(check, &id, "back to investigating", failure, why, now),
        }
    }

    /// The check works again: the notice moves to "monitoring".
    fn recover(
        &self,
        check: &Check,
        state: &mut CheckState,
        mut incident: Incident,
        why: &Why<'_>,
        now: Timestamp,
    ) -> Progress {
        let id = incident.notice_id.clone();
        match self.locate(&id) {
            Lookup::Missing => return self.released(check, state, &id, "is gone", None, now),
            Lookup::Found(record) if record.state != NoticeState::Active => {
                let how = format!("was {} by someone", record.state);
                return self.released(check, state, &id, &how, None, now);
            }
            Lookup::Found(record) if record.notice.status == Status::Monitoring => {
                incident.status = Status::Monitoring;
                incident.recovered_at = Some(now);
                state.incident = Some(incident);
                return Progress::Changed;
            }
            Lookup::Unknown(reason) => {
                tracing::info!(notice = %id, %reason, "cannot see the notice now; changing it anyway");
            }
            Lookup::Found(_) => {}
        }
        let change = NoticeChange::Update(PostUpdate {
            status: Status::Monitoring,
            message: TextInput::from(&check.notice.monitoring),
        });
        match self.write(
            "update",
            Request::Change {
                id: id.clone(),
                change,
            },
            now,
        ) {
            Ok(written) => {
                let resolve = match check.resolve_after {
                    Some(quiet) => format!(
                        "; resolved after {} without failures",
                        humantime::format_duration(quiet)
                    ),
                    None => format!("; resolve it when you are sure: notice resolve {id}"),
                };
                let text = format!(
                    "{} works again ({}; {}): {} notice {id} to monitoring {}{resolve}",
                    check.name,
                    why.transition,
                    why.detail,
                    self.verb("moved"),
                    self.destination(&written),
                );
                self.tell(
                    self.message("recovered", check, Some(&id), text, now),
                    false,
                );
                incident.status = Status::Monitoring;
                incident.via = written.via;
                incident.recovered_at = Some(now);
                state.incident = Some(incident);
                Progress::Changed
            }
            Err(failure) => self.failed(check, &id, "to monitoring", failure, why, now),
        }
    }

    /// Quiet for `resolve_after` since the recovery: resolved.
    fn resolve(
        &self,
        check: &Check,
        state: &mut CheckState,
        incident: Incident,
        now: Timestamp,
    ) -> Progress {
        let id = incident.notice_id.clone();
        let why = Why {
            transition: "quiet period over",
            detail: "no failure since it recovered",
        };
        match self.locate(&id) {
            Lookup::Missing => return self.released(check, state, &id, "is gone", None, now),
            Lookup::Found(record) if record.state != NoticeState::Active => {
                let how = format!("was {} by someone", record.state);
                return self.released(check, state, &id, &how, None, now);
            }
            Lookup::Unknown(reason) => {
                tracing::info!(notice = %id, %reason, "cannot see the notice now; changing it anyway");
            }
            Lookup::Found(_) => {}
        }
        let change = NoticeChange::Resolve(Resolve {
            message: check.notice.resolved.as_ref().map(TextInput::from),
        });
        match self.write(
            "resolve",
            Request::Change {
                id: id.clone(),
                change,
            },
            now,
        ) {
            Ok(written) => {
                let quiet = check
                    .resolve_after
                    .map(|q| humantime::format_duration(q).to_string())
                    .unwrap_or_default();
                let text = format!(
                    "{} has worked for {quiet} since it recovered: {} notice {id} {}",
                    check.name,
                    self.verb("resolved"),
                    self.destination(&written)
                );
                self.tell(self.message("resolved", check, Some(&id), text, now), false);
                state.incident = None;
                self.metrics.open_notice(&check.name, false);
                Progress::Changed
            }
            Err(failure) => self.failed(check, &id, "to resolved", failure, &why, now),
        }
    }

    /// A person closed the watchdog's notice: it is theirs; the watchdog forgets it, and opens a new one
    /// now when the check fails (`failing` says why), else at its next failure.
    fn released(
        &self,
        check: &Check,
        state: &mut CheckState,
        id: &NoticeId,
        how: &str,
        failing: Option<&Why<'_>>,
        now: Timestamp,
    ) -> Progress {
        self.tell(
            self.message(
                "released",
                check,
                Some(id),
                format!(
                    "notice {id} of {} {how}; the watchdog leaves it alone",
                    check.name
                ),
                now,
            ),
            false,
        );
        state.incident = None;
        self.metrics.open_notice(&check.name, false);
        match failing {
            Some(why) => self.open(check, state, why, now),
            None => Progress::Changed,
        }
    }

    fn failed(
        &self,
        check: &Check,
        id: &NoticeId,
        what: &str,
        failure: Failure,
        why: &Why<'_>,
        now: Timestamp,
    ) -> Progress {
        let reason = match failure {
            Failure::Taken => format!("notice id {id} is taken"),
            Failure::Other(reason) => reason,
        };
        let text = format!(
            "{} ({}; {}): could not move notice {id} {what}: {reason}; nothing was published, it tries again",
            check.name, why.transition, why.detail
        );
        self.tell(self.message("failed", check, Some(id), text, now), true);
        Progress::Failed
    }

    fn verb(&self, done: &str) -> String {
        if self.dry_run {
            format!("dry run, would have {done}")
        } else {
            done.to_owned()
        }
    }

    /// "through https://notice.example.org (feed version 12)", "break-glass into s3://… (feed version
    /// 1012; https://… unreachable: …)".
    fn destination(&self, written: &Written) -> String {
        let version = written.response.feed_version;
        match written.via {
            Via::Server => format!("through {} (feed version {version})", self.server_name()),
            Via::BreakGlass => {
                let copies = if written.copies.is_empty() {
                    "the copies".to_owned()
                } else {
                    written.copies.join(", ")
                };
                let note = written
                    .note
                    .as_ref()
                    .map(|n| format!("; {n}"))
                    .unwrap_or_default();
                format!(
                    "break-glass, signed here with the feed key into {copies} (feed version {version}{note})"
                )
            }
        }
    }

    /// Publishes `request`: through the admin API; when that is down (or does not know a notice the
    /// watchdog wrote break-glass), break-glass. With `--dry-run` only the prepare step runs (the server's
    /// own dry run, or the break-glass rules).
    fn write(
        &self,
        action: &'static str,
        request: Request,
        now: Timestamp,
    ) -> Result<Written, Failure> {
        let result = if self.dry_run { "dry_run" } else { "ok" };
        let mut tried = Vec::new();
        if let Some(api) = self.api() {
            let outcome = api.and_then(|api| self.run(&Backend::Server(api), request.clone(), now));
            match outcome {
                Ok((response, _)) => {
                    self.metrics.action(action, "server", result);
                    return Ok(Written {
                        response,
                        via: Via::Server,
                        copies: Vec::new(),
                        note: None,
                    });
                }
                Err(e) if is_taken(&e) => {
                    self.metrics.action(action, "server", "failed");
                    return Err(Failure::Taken);
                }
                Err(e)
                    if server_down(&e)
                        || (is_not_found(&e) && matches!(request, Request::Change { .. })) =>
                {
                    self.metrics.action(action, "server", "failed");
                    tracing::warn!(action, error = %e, "the admin API did not take the change");
                    tried.push(e.to_string());
                }
                Err(e) => {
                    self.metrics.action(action, "server", "failed");
                    tracing::warn!(action, error = %e, "the server refused the change");
                    return Err(Failure::Other(format!(
                        "{e}{}",
                        e.hint().map(|h| format!(" ({h})")).unwrap_or_default()
                    )));
                }
            }
        }
        let Some(offline) = &self.breakglass else {
            self.metrics.action(action, "none", "failed");
            tried.push(
                "no break-glass is configured ([breakglass] with feed_key, and out or to), so the watchdog cannot publish without the server".to_owned(),
            );
            return Err(Failure::Other(tried.join("; ")));
        };
        let outcome = offline
            .open(self.ctx)
            .and_then(|glass| self.run(&Backend::Offline(Box::new(glass)), request, now));
        match outcome {
            Ok((response, copies)) => {
                self.metrics.action(action, "break_glass", result);
                Ok(Written {
                    response,
                    via: Via::BreakGlass,
                    copies,
                    note: tried.first().cloned(),
                })
            }
            Err(e) if is_taken(&e) => {
                self.metrics.action(action, "break_glass", "failed");
                Err(Failure::Taken)
            }
            Err(e) => {
                self.metrics.action(action, "break_glass", "failed");
                tracing::warn!(action, error = %e, "break-glass failed");
                tried.push(format!("break-glass failed: {e}"));
                Err(Failure::Other(tried.join("; ")))
            }
        }
    }

    /// prepare → commit, as `notice post` does (without the question: the configuration is the consent).
    fn run(
        &self,
        backend: &Backend,
        request: Request,
        now: Timestamp,
    ) -> Result<(WriteResponse, Vec<String>), CliError> {
        let prepared = backend.prepare(request, now)?;
        if self.dry_run {
            return Ok((prepared.response, Vec::new()));
        }
        let committed = backend.commit(prepared, now)?;
        let copies = committed.copies();
        Ok((committed.response, copies))
    }

    /// Notice `id` where it is now: the server, else (down, or not known there) the copies.
    fn locate(&self, id: &NoticeId) -> Lookup {
        let mut unknown = None;
        if let Some(api) = self.api() {
            match api.and_then(|api| api.get(id)) {
                Ok(record) => return Lookup::Found(Box::new(record)),
                Err(e) if server_down(&e) || is_not_found(&e) => {
                    if self.breakglass.is_none() {
                        return if is_not_found(&e) {
                            Lookup::Missing
                        } else {
                            Lookup::Unknown(e.to_string())
                        };
                    }
                    unknown = Some(e.to_string());
                }
                Err(e) => return Lookup::Unknown(e.to_string()),
            }
        }
        let Some(offline) = &self.breakglass else {
            return Lookup::Unknown(unknown.unwrap_or_default());
        };
        match offline.open(self.ctx) {
            Ok(glass) => match glass.notice(id) {
                Ok(notice) => Lookup::Found(Box::new(NoticeRecord::from_feed(notice.clone()))),
                Err(_) => Lookup::Missing,
            },
            Err(e) => Lookup::Unknown(e.to_string()),
        }
    }

    /// An open notice of `check` (by its id) on the server, or in the copies when the server is down.
    fn find_open(&self, check: &Check) -> Option<(NoticeRecord, Via)> {
        let newest = |records: Vec<NoticeRecord>| {
            records
                .into_iter()
                .filter(|r| {
                    r.state == NoticeState::Active && is_watch_id(&check.name, &r.notice.id)
                })
                .max_by_key(|r| r.notice.created_at)
        };
        if let Some(api) = self.api() {
            match api.and_then(|api| api.list(false)) {
                Ok(records) => return newest(records).map(|r| (r, Via::Server)),
                Err(e) if server_down(&e) => {}
                Err(e) => {
                    tracing::warn!(check = %check.name, error = %e, "cannot list the server's notices");
                    return None;
                }
            }
        }
        let glass = self.breakglass.as_ref()?.open(self.ctx).ok()?;
        let records = glass
            .notices()
            .iter()
            .cloned()
            .map(NoticeRecord::from_feed)
            .collect();
        newest(records).map(|r| (r, Via::BreakGlass))
    }
}

/// The admin API's create body for `check`'s notice with `id`.
pub fn create_notice(check: &Check, id: &NoticeId) -> CreateNotice {
    let template = &check.notice;
    let mut create = CreateNotice::new(
        template.severity,
        TextInput::from(&template.title),
        TextInput::from(&template.body),
    );
    create.id = Some(id.clone());
    create.status = Some(Status::Investigating);
    create.components = Some(vec![check.component.clone()]);
    create.platforms = (!template.platforms.is_empty()).then(|| template.platforms.clone());
    create.link = template.link.clone();
    create
}

fn english(text: &LocalizedText) -> String {
    text.get(&notice_types::LanguageTag::en())
        .unwrap_or_default()
        .to_owned()
}
