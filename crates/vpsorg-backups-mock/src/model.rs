//! The mock's own wire types: what a backup, a server and a restore look like on the wire.
//!
//! These are written by hand from `openapi/backups.yaml`, independently of the generated client,
//! so that the conformance test checks the fake server and the client separately.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

/// The server a backup belongs to (`ServerRef` in the spec).
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct ServerRef {
    /// Server ID.
    pub id: i64,
    /// Server name, such as `web-server-01`.
    pub name: String,
}

impl ServerRef {
    /// A server with this id and name.
    pub fn new(id: i64, name: impl Into<String>) -> Self {
        Self { id, name: name.into() }
    }
}

/// How a backup was made.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum BackupType {
    /// Made through the API (`POST /api/v1/backups/`); never expires; at most 10 per server.
    Manual,
    /// Made by the plan's schedule; carries `expires_at` and disappears once it has passed.
    Automatic,
}

impl BackupType {
    /// The wire value: `manual` or `automatic`.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Manual => "manual",
            Self::Automatic => "automatic",
        }
    }
}

/// Where a backup is in its life.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum BackupStatus {
    /// Being made; `size_mb` is null. The mock completes it after
    /// [`complete_after`](crate::MockServerBuilder::complete_after).
    InProgress,
    /// Done; `size_mb` is set.
    Completed,
    /// Could not be made (inferred by the spec; only a [`Seed`](crate::Seed) can contain one).
    Failed,
}

impl BackupStatus {
    /// The wire value: `in_progress`, `completed` or `failed`.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::InProgress => "in_progress",
            Self::Completed => "completed",
            Self::Failed => "failed",
        }
    }
}

/// One backup, exactly as the mock serializes it in a list (`Backup` in the spec).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Backup {
    /// Unique backup ID.
    pub id: i64,
    /// The server it belongs to.
    pub server: ServerRef,
    /// `manual` or `automatic`.
    pub backup_type: BackupType,
    /// `in_progress`, `completed` or `failed`.
    pub status: BackupStatus,
    /// Size in MB; `None` unless the backup is completed.
    pub size_mb: Option<i64>,
    /// When the backup was started, on the mock's clock, in whole seconds.
    pub created_at: DateTime<Utc>,
    /// When an automatic backup expires; `None` for manual backups.
    pub expires_at: Option<DateTime<Utc>>,
    /// The description given at creation, or `""`.
    pub description: String,
}

/// A restore the mock accepted (`POST /api/v1/servers/{server_id}/restore/` answered 202).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RestoreRecord {
    /// The server being restored.
    pub server: ServerRef,
    /// The backup it is restored from.
    pub backup_id: i64,
    /// When the mock accepted the request, on its own clock.
    pub requested_at: DateTime<Utc>,
}
