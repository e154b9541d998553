//! What the API returns, as this crate's own types, written by hand so that a field the spec
//! gains reaches users only in a release that adds it (the README's "The client").

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use vpsorg_backups_client::types;

use crate::{BackupStatus, BackupType, RestoreStatus};

/// A backup of one server, as the API lists it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schemars", derive(schemars::JsonSchema))]
#[non_exhaustive]
pub struct Backup {
    /// The backup's id.
    pub id: i64,
    /// The server it is a backup of.
    pub server: ServerRef,
    /// How it was made: `manual` or `automatic`.
    pub backup_type: BackupType,
    /// Where it is in its life: `in_progress`, `completed` or `failed`.
    pub status: BackupStatus,
    /// Its size in MB; `None` while it is `in_progress`.
    #[serde(default)]
    pub size_mb: Option<i64>,
    /// When it was started.
    pub created_at: DateTime<Utc>,
    /// When the API will delete it; `None` for manual backups, which never expire.
    #[serde(default)]
    pub expires_at: Option<DateTime<Utc>>,
    /// Its description; empty when none was given.
    pub description: String,
}

/// The server a backup belongs to.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "schemars", derive(schemars::JsonSchema))]
#[non_exhaustive]
pub struct ServerRef {
    /// The server's id.
    pub id: i64,
    /// The server's name.
    pub name: String,
}

/// A backup that was just created, with the API's message about what happens next.
/// Serializes as the API sends it: the backup's fields and `message`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schemars", derive(schemars::JsonSchema))]
#[non_exhaustive]
pub struct CreatedBackup {
    /// The backup, `in_progress`.
    #[serde(flatten)]
    pub backup: Backup,
    /// What happens next, in words for people; empty when [`recovered`](Self::recovered).
    pub message: String,
    /// True when the create's answer was lost (a timeout, a dropped connection, a 5xx, an
    /// unreadable body) and the backup was then found in the server's list: see
    /// [`CreateBackup::send`](crate::CreateBackup::send). The backup is as listed then, so
    /// it may already be `completed`. Not serialized.
    #[serde(skip)]
    pub recovered: bool,
}

/// A restore that has started: the server, the backup it is restored from, and the
/// server's new status.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schemars", derive(schemars::JsonSchema))]
#[non_exhaustive]
pub struct Restore {
    /// The server being restored.
    pub server: ServerRef,
    /// The backup it is restored from.
    pub backup_id: i64,
    /// The server's status: `restoring` while the restore runs.
    pub status: RestoreStatus,
    /// What happens next, in words for people, when the API says.
    #[serde(default)]
    pub message: Option<String>,
}

// From the generated types. Fields are read by name, never destructured, so that a field
// the spec adds compiles here unchanged (and is ignored until this crate adds it on purpose).

impl Backup {
    pub(crate) fn from_wire(backup: types::Backup) -> Self {
        Backup {
            id: backup.id,
            server: ServerRef::from_wire(backup.server),
            backup_type: backup.backup_type,
            status: backup.status,
            size_mb: backup.size_mb,
            created_at: backup.created_at,
            expires_at: backup.expires_at,
            description: backup.description,
        }
    }
}

impl ServerRef {
    pub(crate) fn from_wire(server: types::ServerRef) -> Self {
        ServerRef { id: server.id, name: server.name }
    }
}

impl CreatedBackup {
    pub(crate) fn from_wire(created: types::CreatedBackup) -> Self {
        CreatedBackup {
            backup: Backup {
                id: created.id,
                server: ServerRef::from_wire(created.server),
                backup_type: created.backup_type,
                status: created.status,
                size_mb: created.size_mb,
                created_at: created.created_at,
                expires_at: created.expires_at,
                description: created.description,
            },
            message: created.message,
            recovered: false,
        }
    }

    /// A backup found by listing after its create's answer was lost.
    pub(crate) fn found(backup: Backup) -> Self {
        CreatedBackup { backup, message: String::new(), recovered: true }
    }
}

impl Restore {
    pub(crate) fn from_wire(restore: types::Restore) -> Self {
        Restore {
            server: ServerRef::from_wire(restore.server),
            backup_id: restore.backup_id,
            status: restore.status,
            message: restore.message,
        }
    }
}

#[cfg(test)]
#[path = "../tests/unit/model.rs"]
mod tests;
