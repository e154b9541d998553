//! The writes that must fail change nothing: the lists before and after them compared, a
//! change blamed on a write only when that write could have caused it.

use serde_json::Value;
use vpsorg_contract::{Finding, FindingKind};

use super::{C, CREATE_BODY, ChoiceId, Reply, Run, UNUSED_ID, excerpt, first};

impl Run<'_> {
    /// Compares the list before the writes with `reply`, the answer to `writes-after`.
    pub(super) fn compare(&mut self, before: Option<Listing>, reply: Option<Reply>) {
        let after = reply.and_then(|reply| Some((listing_of(&reply)?, reply)));
        let (Some(before), Some((after, reply))) = (before, after) else {
            self.tally.incomplete.push(
                "whether the writes changed the list: no list before or after to compare".into(),
            );
            return;
        };
        let changes = changes(&before, &after);
        if changes.is_empty() {
            // Restore gets no such note: it changes no list, whatever it does; its guard is
            // the 404 for a server that cannot exist.
            let note = format!(
                "the list was the same before and after the writes ({} backups)",
                after.count
            );
            for choice in [C::Create, C::Delete404] {
                self.note(choice, &note);
            }
            return;
        }
        let counts = format!("count {} → {}", before.count, after.count);
        let (by_writes, by_others): (Vec<_>, Vec<_>) =
            changes.into_iter().partition(|(_, cause)| cause.is_some());
        if !by_writes.is_empty() {
            let mut choices: Vec<ChoiceId> =
                by_writes.iter().filter_map(|(_, cause)| *cause).collect();
            choices.sort();
            choices.dedup();
            self.deviate(
                &reply,
                Finding::new(
                    FindingKind::StateChanged,
                    "/results",
                    format!(
                        "no backup the writes could have made or deleted (before them: count {}, \
                         ids [{}])",
                        before.count,
                        first(before.ids(), 10, ", ")
                    ),
                    format!(
                        "{} ({counts})",
                        first(by_writes.iter().map(|(text, _)| text), 3, "; ")
                    ),
                ),
                &choices,
            );
        }
        if !by_others.is_empty() {
            // A live account changes by itself: a schedule starts backups, old ones expire,
            // people work. Not the contract's business, and not a reason to fail a run.
            let finding = Finding::new(
                FindingKind::AccountChanged,
                "/results",
                "no change across the writes, or only one they could cause; this one none could: \
                 the account changed during the run (another actor: a schedule, an expiry, a \
                 person)",
                format!("{} ({counts})", first(by_others.iter().map(|(text, _)| text), 3, "; ")),
            );
            self.deviate(&reply, finding, &[]);
        }
    }
}

/// What a list showed, for the comparison around the writes: `count`, and the page's
/// backups, newest first.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) struct Listing {
    pub(super) count: u64,
    pub(super) backups: Vec<Listed>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) struct Listed {
    pub(super) id: i64,
    pub(super) backup_type: String,
    pub(super) description: String,
}

impl Listing {
    pub(super) fn ids(&self) -> Vec<i64> {
        self.backups.iter().map(|b| b.id).collect()
    }

    /// Whether `id` is among what this page can show: every backup when the page holds
    /// the whole list; otherwise only ids above the page's lowest, since the rest may have
    /// moved to page 2 (or up from it) when something newer came or went.
    fn covers(&self, id: i64) -> bool {
        self.backups.len() as u64 >= self.count
            || self.backups.last().is_some_and(|lowest| id > lowest.id)
    }

    fn holds(&self, id: i64) -> bool {
        self.backups.iter().any(|b| b.id == id)
    }
}

/// The list of a 200 answer, when its body has one.
pub(super) fn listing_of(reply: &Reply) -> Option<Listing> {
    if reply.status != 200 {
        return None;
    }
    let body = reply.object()?;
    let count = body.get("count")?.as_u64()?;
    let backups = body
        .get("results")?
        .as_array()?
        .iter()
        .filter_map(|backup| {
            let text = |name| backup.get(name).and_then(Value::as_str).map(excerpt);
            Some(Listed {
                id: backup.get("id")?.as_i64()?,
                backup_type: text("backup_type").unwrap_or_default(),
                description: text("description").unwrap_or_default(),
            })
        })
        .collect();
    Some(Listing { count, backups })
}

/// What differs between the lists before and after the writes, each with the write that
/// could have caused it (as the CLI README says), if any. The create's body names no
/// server, so no server can be matched.
pub(super) fn changes(before: &Listing, after: &Listing) -> Vec<(String, Option<ChoiceId>)> {
    let mut changes = Vec::new();
    for backup in after.backups.iter().filter(|b| !before.holds(b.id)) {
        if !before.covers(backup.id) {
            continue;
        }
        // Creates make manual backups; the schedule makes the others.
        let manual = backup.backup_type == "manual";
        let could_be_create =
            manual && (backup.description.is_empty() || backup.description.contains(CREATE_BODY));
        let text = if manual {
            format!("backup {} appeared (manual, description {:?})", backup.id, backup.description)
        } else {
            format!("backup {} appeared ({})", backup.id, backup.backup_type)
        };
        changes.push((text, could_be_create.then_some(ChoiceId::Create)));
    }
    for backup in before.backups.iter().filter(|b| !after.holds(b.id)) {
        if !after.covers(backup.id) {
            continue;
        }
        let cause = (backup.id == UNUSED_ID).then_some(ChoiceId::Delete404);
        changes.push((format!("backup {} disappeared", backup.id), cause));
    }
    if changes.is_empty() && before.count != after.count {
        changes.push(("the count changed, on pages the comparison does not see".into(), None));
    }
    changes
}
