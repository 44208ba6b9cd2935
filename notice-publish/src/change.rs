//! The change rules: one create, edit, update, resolve or withdraw of one notice, exactly as the admin API
//! applies it: ids, defaults, revisions, the append-only timeline and the notice's state. The server runs
//! these against its database; break-glass ([`crate::breakglass`]) runs them against the last known feed.
//! Both call the same functions, so an offline document holds what the server would have published.
//!
//! Everything is pure: `now`, the allowed link hosts and the random part of generated ids are arguments.

use notice_types::{
    Component, InvalidField, LanguageTag, LocalizedText, Notice, NoticeId, Severity, Status,
    Timestamp, Update, check_link,
    limits::{MAX_MESSAGE_CHARS, MAX_UPDATES},
};

use crate::error::ChangeError;
use crate::record::{NoticeRecord, NoticeState};
use crate::request::{CreateNotice, EditNotice, PostUpdate, Resolve, TextInput};

/// A change to an existing notice: the body of one of the admin API's notice routes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum NoticeChange {
    /// `PATCH /v1/admin/notices/{id}`: change fields (a new revision).
    Edit(EditNotice),
    /// `POST /v1/admin/notices/{id}/updates`: append to the timeline and set the status.
    Update(PostUpdate),
    /// `POST /v1/admin/notices/{id}/resolve`: close it (resolved, or completed for maintenance).
    Resolve(Resolve),
    /// `POST /v1/admin/notices/{id}/withdraw`: take it out of the feed for good.
    Withdraw,
}

impl NoticeChange {
    /// The verb for people and logs: `edit`, `update`, `resolve`, `withdraw`.
    pub fn verb(&self) -> &'static str {
        match self {
            NoticeChange::Edit(_) => "edit",
            NoticeChange::Update(_) => "update",
            NoticeChange::Resolve(_) => "resolve",
            NoticeChange::Withdraw => "withdraw",
        }
    }
}

/// How many generated ids are tried before asking the operator for one.
const ID_ATTEMPTS: usize = 8;

/// A new notice from a create draft at `now`. `taken` says whether an id is in use (a generated id that is
/// taken is drawn again with the next value of `random`; a given one that is taken is a conflict). A lookup
/// that fails is the caller's error `E` for a given id, and counts as taken for a generated one.
pub fn create<E: From<ChangeError>>(
    draft: CreateNotice,
    now: Timestamp,
    link_hosts: &[String],
    mut taken: impl FnMut(&NoticeId) -> Result<bool, E>,
    mut random: impl FnMut() -> u16,
) -> Result<NoticeRecord, E> {
    let given_id = draft.id.is_some();
    let notice = into_notice(draft, now, link_hosts, |severity, components| {
        for _ in 0..ID_ATTEMPTS {
            let id = generate_id(now, severity, components, random())?;
            // A lookup that fails counts as taken: try another rather than risk a clash.
            if !taken(&id).unwrap_or(true) {
                return Ok(id);
            }
        }
        Err(InvalidField::new(
            "id",
            "could not generate a free id; give one",
        ))
    })
    .map_err(ChangeError::from)?;
    if given_id && taken(&notice.id)? {
        return Err(ChangeError::Conflict(format!(
            "a notice with id `{}` exists; edit it, or pick another id",
            notice.id
        ))
        .into());
    }
    Ok(NoticeRecord::new(notice))
}

/// `record` after `change` at `now`. A withdrawn notice cannot change.
pub fn apply(
    mut record: NoticeRecord,
    change: NoticeChange,
    now: Timestamp,
    link_hosts: &[String],
) -> Result<NoticeRecord, ChangeError> {
    if record.state == NoticeState::Withdrawn {
        return Err(ChangeError::Conflict(format!(
            "notice `{}` was withdrawn and cannot change; post a new notice",
            record.notice.id
        )));
    }
    record.notice = match change {
        NoticeChange::Edit(edit) => apply_edit(edit, &record.notice, now, link_hosts)?,
        NoticeChange::Update(update) => apply_update(update, &record.notice, now)?,
        NoticeChange::Resolve(resolve) => apply_resolve(resolve, &record.notice, now)?,
        NoticeChange::Withdraw => {
            record.state = NoticeState::Withdrawn;
            return Ok(record);
        }
    };
    record.follow_status(now);
    Ok(record)
}

fn default_status(severity: Severity) -> Status {
    if severity.is_maintenance() {
        Status::Scheduled
    } else {
        Status::Investigating
    }
}

fn default_dismissible(severity: Severity) -> bool {
    severity != Severity::Outage
}

/// A readable generated id: `2026-11-23-keyshare-3f9a` (date, first component or severity, 16 random bits).
/// Component names only use characters ids allow and are at most 32 long, so this always parses.
pub fn generate_id(
    now: Timestamp,
    severity: Severity,
    components: &[Component],
    random: u16,
) -> Result<NoticeId, InvalidField> {
    let topic = components
        .first()
        .map_or(severity.as_str(), Component::as_str);
    let date = now.as_datetime().format("%Y-%m-%d");
    NoticeId::parse(&format!("{date}-{topic}-{random:04x}")).map_err(|e| e.within("id"))
}

/// The time of a change: now, but never before the notice's last change (a clock stepped back must not make
/// a timeline go backwards).
fn change_time(notice: &Notice, now: Timestamp) -> Timestamp {
    let last_update = notice.latest_update().map_or(notice.updated_at, |u| u.at);
    now.max(notice.updated_at).max(last_update)
}

fn check_not_past(field: &str, at: Option<Timestamp>, now: Timestamp) -> Result<(), InvalidField> {
    match at {
        Some(at) if at <= now => Err(InvalidField::new(
            field,
            format!("{at} is in the past (now {now}): a notice that has ended is never shown"),
        )),
        _ => Ok(()),
    }
}

fn check_link_field(link: Option<&str>, link_hosts: &[String]) -> Result<(), InvalidField> {
    match link {
        Some(link) => check_link(link, link_hosts).map_err(|e| e.within("link")),
        None => Ok(()),
    }
}

/// The first revision of a draft. `id` is used when the draft has none.
fn into_notice(
    draft: CreateNotice,
    now: Timestamp,
    link_hosts: &[String],
    id: impl FnOnce(Severity, &[Component]) -> Result<NoticeId, InvalidField>,
) -> Result<Notice, InvalidField> {
    let components = draft.components.unwrap_or_default();
    let id = match draft.id {
        Some(id) => id,
        None => id(draft.severity, &components)?,
    };
    let notice = Notice {
        id,
        revision: 1,
        severity: draft.severity,
        status: draft.status.unwrap_or(default_status(draft.severity)),
        title: draft.title.into_text("title")?,
        body: draft.body.into_text("body")?,
        components,
        platforms: draft.platforms.unwrap_or_default(),
        app_versions: draft.app_versions,
        created_at: now,
        updated_at: now,
        show_from: draft.show_from,
        starts_at: draft.starts_at,
        ends_at: draft.ends_at,
        dismissible: draft
            .dismissible
            .unwrap_or(default_dismissible(draft.severity)),
        link: draft.link,
        updates: Vec::new(),
    };
    notice.validate()?;
    check_not_past("ends_at", notice.ends_at, now)?;
    check_link_field(notice.link.as_deref(), link_hosts)?;
    Ok(notice)
}

fn required<T>(field: &str, value: Option<T>) -> Result<T, InvalidField> {
    value.ok_or_else(|| InvalidField::new(field, "cannot be cleared; give a value"))
}

/// The next revision of `current` with `edit` applied.
fn apply_edit(
    edit: EditNotice,
    current: &Notice,
    now: Timestamp,
    link_hosts: &[String],
) -> Result<Notice, ChangeError> {
    if edit.is_empty() {
        return Err(ChangeError::InvalidRequest(
            "the edit names no field to change".to_owned(),
        ));
    }
    let at = change_time(current, now);
    let mut next = current.clone();
    if let Some(severity) = edit.severity {
        next.severity = required("severity", severity)?;
    }
    if let Some(status) = edit.status {
        next.status = required("status", status)?;
    }
    if let Some(title) = edit.title {
        next.title = required("title", title)?.into_text("title")?;
    }
    if let Some(body) = edit.body {
        next.body = required("body", body)?.into_text("body")?;
    }
    if let Some(components) = edit.components {
        next.components = components.unwrap_or_default();
    }
    if let Some(platforms) = edit.platforms {
        next.platforms = platforms.unwrap_or_default();
    }
    if let Some(app_versions) = edit.app_versions {
        next.app_versions = app_versions;
    }
    if let Some(show_from) = edit.show_from {
        next.show_from = show_from;
    }
    if let Some(starts_at) = edit.starts_at {
        next.starts_at = starts_at;
    }
    let ends_changed = edit.ends_at.is_some();
    if let Some(ends_at) = edit.ends_at {
        next.ends_at = ends_at;
    }
    if let Some(dismissible) = edit.dismissible {
        next.dismissible = dismissible.unwrap_or(default_dismissible(next.severity));
    }
    let link_changed = edit.link.is_some();
    if let Some(link) = edit.link {
        next.link = link;
    }
    next.revision = current.revision.saturating_add(1);
    next.updated_at = at;
    next.validate()?;
    if ends_changed {
        check_not_past("ends_at", next.ends_at, now)?;
    }
    if link_changed {
        check_link_field(next.link.as_deref(), link_hosts)?;
    }
    Ok(next)
}

fn message_text(input: TextInput) -> Result<LocalizedText, InvalidField> {
    let text = input.into_text("message")?;
    text.check_plain(MAX_MESSAGE_CHARS, true)
        .map_err(|e| e.within("message"))?;
    Ok(text)
}

/// The next revision of `current` with `update` appended to its timeline and its status set.
fn apply_update(
    update: PostUpdate,
    current: &Notice,
    now: Timestamp,
) -> Result<Notice, ChangeError> {
    if !update.status.fits(current.severity) {
        let allowed = if current.severity.is_maintenance() {
            "scheduled, in_progress or completed"
        } else {
            "investigating, identified, monitoring or resolved"
        };
        return Err(InvalidField::new(
            "status",
            format!(
                "`{}` does not fit a {} notice; use {allowed}",
                update.status, current.severity
            ),
        )
        .into());
    }
    let message = message_text(update.message)?;
    append_update(current, update.status, message, now)
}

/// The default closing message, in the languages the app ships.
fn default_resolution(severity: Severity) -> Result<LocalizedText, InvalidField> {
    let texts: [(&str, &str); 3] = if severity.is_maintenance() {
        [
            ("en", "Maintenance completed."),
            ("nl", "Onderhoud voltooid."),
            ("de", "Wartung abgeschlossen."),
        ]
    } else {
        [("en", "Resolved."), ("nl", "Opgelost."), ("de", "Behoben.")]
    };
    let pairs = texts
        .iter()
        .map(|(lang, text)| LanguageTag::parse(lang).map(|tag| (tag, *text)))
        .collect::<Result<Vec<_>, _>>()?;
    LocalizedText::from_pairs(pairs)
}

/// The next revision of `current`, resolved (incidents) or completed (maintenance).
fn apply_resolve(
    resolve: Resolve,
    current: &Notice,
    now: Timestamp,
) -> Result<Notice, ChangeError> {
    if current.status.is_closed() {
        return Err(ChangeError::Conflict(format!(
            "notice `{}` is already {}",
            current.id, current.status
        )));
    }
    let status = if current.severity.is_maintenance() {
        Status::Completed
    } else {
        Status::Resolved
    };
    let message = match resolve.message {
        Some(input) => message_text(input)?,
        None => default_resolution(current.severity)?,
    };
    append_update(current, status, message, now)
}

/// `current` with a timeline entry appended and its status set: a new revision.
fn append_update(
    current: &Notice,
    status: Status,
    message: LocalizedText,
    now: Timestamp,
) -> Result<Notice, ChangeError> {
    if current.updates.len() >= MAX_UPDATES {
        return Err(ChangeError::Conflict(format!(
            "notice `{}` has {MAX_UPDATES} updates, the most one notice can carry; resolve it and post a new notice",
            current.id
        )));
    }
    let at = change_time(current, now);
    let mut next = current.clone();
    next.updates.push(Update {
        at,
        status,
        message,
    });
    next.status = status;
    next.revision = current.revision.saturating_add(1);
    next.updated_at = at;
    next.validate()?;
    Ok(next)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::request::parse_request;

    const NOW: i64 = 1_790_000_000; // 2026-09-21

    fn now() -> Timestamp {
        Timestamp::from_unix(NOW)
    }

    fn hosts() -> Vec<String> {
        vec!["yivi.app".to_owned()]
    }

    fn create_at(json: serde_json::Value, at: Timestamp) -> Result<NoticeRecord, ChangeError> {
        let draft: CreateNotice = parse_request(json.to_string().as_bytes())?;
        create(draft, at, &hosts(), |_| Ok(false), || 0x3f9a)
    }

    fn create_notice(json: serde_json::Value) -> Result<Notice, ChangeError> {
        create_at(json, now()).map(|r| r.notice)
    }

    fn minimal() -> serde_json::Value {
        serde_json::json!({"severity": "outage", "title": {"en": "PIN check down"}, "body": {"en": "We are on it."}})
    }

    fn change(
        json: serde_json::Value,
        make: fn(serde_json::Value) -> NoticeChange,
    ) -> NoticeChange {
        make(json)
    }

    fn edit(json: serde_json::Value) -> NoticeChange {
        NoticeChange::Edit(serde_json::from_value(json).unwrap())
    }

    fn update(json: serde_json::Value) -> NoticeChange {
        NoticeChange::Update(serde_json::from_value(json).unwrap())
    }

    fn field_of(result: Result<impl std::fmt::Debug, ChangeError>) -> String {
        match result {
            Err(ChangeError::InvalidField(e)) => e.field,
            other => panic!("not a field error: {other:?}"),
        }
    }

    #[test]
    fn defaults_follow_the_severity() {
        let notice = create_notice(minimal()).unwrap();
        assert_eq!(notice.status, Status::Investigating);
        assert!(!notice.dismissible);
        assert_eq!(notice.revision, 1);
        assert_eq!(notice.id.as_str(), "2026-09-21-outage-3f9a");

        let mut json = minimal();
        json["severity"] = "maintenance".into();
        json["starts_at"] = "2026-10-01T01:00:00Z".into();
        json["ends_at"] = "2026-10-01T03:00:00+01:00".into();
        json["components"] = serde_json::json!(["keyshare"]);
        let notice = create_notice(json).unwrap();
        assert_eq!(notice.status, Status::Scheduled);
        assert!(notice.dismissible);
        assert_eq!(notice.id.as_str(), "2026-09-21-keyshare-3f9a");
    }

    fn check_field(json: serde_json::Value, field: &str) {
        assert_eq!(field_of(create_notice(json.clone())), field, "{json}");
    }

    #[test]
    fn conversion_errors_name_the_operators_field() {
        let mut j = minimal();
        j["title"] = serde_json::json!({"nl": "Storing"});
        check_field(j, "title.en");

        let mut j = minimal();
        j["title"] = serde_json::json!({"en": "a", "EN": "b"});
        check_field(j, "title.EN");

        let mut j = minimal();
        j["title"] = serde_json::json!({"en": "x".repeat(201)});
        check_field(j, "title.en");

        let mut j = minimal();
        j["starts_at"] = "2026-10-02T00:00:00Z".into();
        j["ends_at"] = "2026-10-01T00:00:00Z".into();
        check_field(j, "ends_at");

        let mut j = minimal();
        j["ends_at"] = "2020-01-01T00:00:00Z".into();
        check_field(j, "ends_at");

        let mut j = minimal();
        j["link"] = "http://yivi.app/status".into();
        check_field(j, "link");

        let mut j = minimal();
        j["link"] = "https://evil.example/".into();
        check_field(j, "link");

        let mut j = minimal();
        j["status"] = "scheduled".into();
        check_field(j, "status");
    }

    #[derive(Debug, PartialEq)]
    enum LookupError {
        DatabaseDown,
        Refused(ChangeError),
    }

    impl From<ChangeError> for LookupError {
        fn from(e: ChangeError) -> Self {
            Self::Refused(e)
        }
    }

    #[test]
    fn a_given_id_that_is_taken_is_a_conflict_and_a_generated_one_is_drawn_again() {
        let mut json = minimal();
        json["id"] = "taken".into();
        let draft: CreateNotice = parse_request(json.to_string().as_bytes()).unwrap();
        let taken = |id: &NoticeId| Ok::<_, ChangeError>(id.as_str() == "taken");
        let result = create(draft, now(), &hosts(), taken, || 1);
        assert!(
            matches!(result, Err(ChangeError::Conflict(_))),
            "{result:?}"
        );

        let draft: CreateNotice = parse_request(minimal().to_string().as_bytes()).unwrap();
        let first = generate_id(now(), Severity::Outage, &[], 1).unwrap();
        let mut draws = [1_u16, 2].into_iter();
        let taken = |id: &NoticeId| Ok::<_, ChangeError>(*id == first);
        let record = create(draft, now(), &hosts(), taken, || draws.next().unwrap_or(9));
        assert_eq!(record.unwrap().notice.id.as_str(), "2026-09-21-outage-0002");

        // A lookup that fails is the caller's error for a given id, and "taken" for generated ones.
        let draft: CreateNotice = parse_request(json.to_string().as_bytes()).unwrap();
        let failing = |_: &NoticeId| Err(LookupError::DatabaseDown);
        assert_eq!(
            create(draft, now(), &hosts(), failing, || 1).unwrap_err(),
            LookupError::DatabaseDown
        );
        let draft: CreateNotice = parse_request(minimal().to_string().as_bytes()).unwrap();
        let failing = |_: &NoticeId| Err(LookupError::DatabaseDown);
        let err = create(draft, now(), &hosts(), failing, || 1).unwrap_err();
        assert!(
            matches!(&err, LookupError::Refused(ChangeError::InvalidField(e)) if e.field == "id"),
            "{err:?}"
        );
    }

    #[test]
    fn edits_bump_the_revision_and_null_clears() {
        let mut j = minimal();
        j["link"] = "https://yivi.app/status".into();
        j["components"] = serde_json::json!(["keyshare"]);
        let record = create_at(j, now()).unwrap();
        let later = now().plus_seconds(60);
        let next = apply(
            record.clone(),
            change(
                serde_json::json!({"link": null, "components": null, "title": {"en": "Still down"}}),
                edit,
            ),
            later,
            &hosts(),
        )
        .unwrap()
        .notice;
        assert_eq!(next.revision, 2);
        assert_eq!(next.link, None);
        assert!(next.components.is_empty());
        assert_eq!(next.title.en(), "Still down");
        assert_eq!(next.updated_at, later);
        assert_eq!(next.created_at, record.notice.created_at);

        let clear_title = edit(serde_json::json!({"title": null}));
        assert_eq!(
            field_of(apply(record.clone(), clear_title, later, &hosts())),
            "title"
        );
        let empty = NoticeChange::Edit(EditNotice::default());
        assert!(matches!(
            apply(record, empty, later, &hosts()),
            Err(ChangeError::InvalidRequest(_))
        ));
    }

    #[test]
    fn updates_append_and_must_fit_the_lifecycle() {
        let record = create_at(minimal(), now()).unwrap();
        let next = apply(
            record.clone(),
            update(
                serde_json::json!({"status": "identified", "message": {"en": "Database overheated.", "nl": "Database oververhit."}}),
            ),
            now().plus_seconds(10),
            &hosts(),
        )
        .unwrap();
        assert_eq!(next.notice.status, Status::Identified);
        assert_eq!(next.notice.updates.len(), 1);
        assert_eq!(next.notice.revision, 2);
        assert_eq!(next.state, NoticeState::Active);

        let wrong = update(serde_json::json!({"status": "in_progress", "message": {"en": "x"}}));
        assert_eq!(
            field_of(apply(record.clone(), wrong, now(), &hosts())),
            "status"
        );
        let no_en = update(serde_json::json!({"status": "identified", "message": {"nl": "x"}}));
        assert_eq!(
            field_of(apply(record, no_en, now(), &hosts())),
            "message.en"
        );
    }

    #[test]
    fn resolving_appends_a_localized_default_and_only_once() {
        let record = create_at(minimal(), now()).unwrap();
        let resolved = apply(
            record,
            NoticeChange::Resolve(Resolve::default()),
            now(),
            &hosts(),
        )
        .unwrap();
        assert_eq!(resolved.notice.status, Status::Resolved);
        assert_eq!(resolved.state, NoticeState::Resolved);
        assert_eq!(resolved.closed_at, Some(now()));
        let message = &resolved.notice.updates[0].message;
        assert_eq!(message.en(), "Resolved.");
        assert_eq!(
            message.get(&LanguageTag::parse("nl").unwrap()),
            Some("Opgelost.")
        );
        assert_eq!(
            message.get(&LanguageTag::parse("de").unwrap()),
            Some("Behoben.")
        );
        assert!(matches!(
            apply(
                resolved,
                NoticeChange::Resolve(Resolve::default()),
                now(),
                &hosts()
            ),
            Err(ChangeError::Conflict(_))
        ));
    }

    #[test]
    fn a_withdrawn_notice_cannot_change() {
        let record = create_at(minimal(), now()).unwrap();
        let withdrawn = apply(record, NoticeChange::Withdraw, now(), &hosts()).unwrap();
        assert_eq!(withdrawn.state, NoticeState::Withdrawn);
        let again = apply(
            withdrawn,
            NoticeChange::Resolve(Resolve::default()),
            now(),
            &hosts(),
        );
        assert!(matches!(again, Err(ChangeError::Conflict(_))), "{again:?}");
    }

    #[test]
    fn a_clock_stepped_back_does_not_reorder_the_timeline() {
        let record = create_at(minimal(), now()).unwrap();
        let next = apply(
            record.clone(),
            update(serde_json::json!({"status": "identified", "message": {"en": "x"}})),
            now().plus_seconds(-3600),
            &hosts(),
        )
        .unwrap();
        assert_eq!(next.notice.updates[0].at, record.notice.updated_at);
        assert!(next.notice.validate().is_ok());
    }

    #[test]
    fn a_full_timeline_is_a_conflict() {
        let mut record = create_at(minimal(), now()).unwrap();
        for i in 0..MAX_UPDATES {
            record = apply(
                record,
                update(serde_json::json!({"status": "identified", "message": {"en": format!("update {i}")}})),
                now(),
                &hosts(),
            )
            .unwrap();
        }
        let one_more = apply(
            record,
            update(serde_json::json!({"status": "identified", "message": {"en": "more"}})),
            now(),
            &hosts(),
        );
        assert!(
            matches!(one_more, Err(ChangeError::Conflict(_))),
            "{one_more:?}"
        );
    }
}
