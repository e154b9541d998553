//! The data a [`MockServer`](crate::MockServer) starts with.

use chrono::{DateTime, Duration as Days, Timelike, Utc};

use crate::model::{Backup, BackupStatus, BackupType, ServerRef};

/// The servers and backups a mock starts with, and where its clock starts.
///
/// ```
/// use vpsorg_backups_mock::{Seed, ServerRef};
///
/// let seed = Seed::empty().server(ServerRef::new(1, "web-1"));
/// assert_eq!(seed.servers().len(), 1);
/// assert!(seed.backups().is_empty());
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Seed {
    pub(crate) servers: Vec<ServerRef>,
    pub(crate) backups: Vec<Backup>,
    clock_start: Option<DateTime<Utc>>,
    description: String,
}

fn at(text: &str) -> DateTime<Utc> {
    DateTime::parse_from_rfc3339(text).map(|t| t.with_timezone(&Utc)).unwrap_or_default()
}

impl Seed {
    /// No servers and no backups; the clock starts at the real current time. Add servers with
    /// [`server`](Self::server): without one, every create answers 404.
    pub fn empty() -> Self {
        Self {
            servers: Vec::new(),
            backups: Vec::new(),
            clock_start: None,
            description: "empty".into(),
        }
    }

    /// The vendor's examples, and a little more so that every documented answer can be shown:
    /// three servers, five backups and a clock at the vendor's create example, as the crate's
    /// [Seeds and the clock](crate#seeds-and-the-clock) lists them.
    pub fn vendor_examples() -> Self {
        let web = ServerRef::new(12345, "web-server-01");
        let db = ServerRef::new(67890, "db-server-01");
        let staging = ServerRef::new(24680, "staging-01");
        use BackupType::{Automatic, Manual};
        let daily = "Automatic daily backup";
        // id, server, type, size, created, expires ("" for never), description.
        #[rustfmt::skip]
        let backups = [
            (501, &web, Automatic, 4523, "2025-01-16T03:00:00Z", "2025-02-16T03:00:00Z", daily),
            (500, &db, Automatic, 12288, "2025-01-16T02:00:00Z", "2025-01-23T02:00:00Z", daily),
            (499, &web, Manual, 4456, "2025-01-14T10:30:00Z", "", "Pre-update backup"),
            (497, &db, Manual, 11904, "2025-01-13T18:20:00Z", "", "Before PostgreSQL 17 upgrade"),
            (495, &web, Automatic, 4389, "2025-01-15T03:00:00Z", "2025-02-15T03:00:00Z", daily),
        ];
        let backups = backups
            .into_iter()
            .map(|(id, server, backup_type, size, created, expires, description)| Backup {
                id,
                server: server.clone(),
                backup_type,
                status: BackupStatus::Completed,
                size_mb: Some(size),
                created_at: at(created),
                expires_at: (!expires.is_empty()).then(|| at(expires)),
                description: description.into(),
            })
            .collect();
        Self {
            servers: vec![web, db, staging],
            backups,
            // "Now" in the vendor's examples: the `created_at` of its create example (id 502).
            clock_start: Some(at("2025-01-16T15:45:00Z")),
            description: "the vendor's examples".into(),
        }
    }

    /// Bigger data for tests and benchmarks ([Seeds and the clock](crate#seeds-and-the-clock)):
    /// servers `server-00001`, …; backups 1, 2, … spread evenly over the 6 days before the
    /// clock's start (the real current time when this is called), oldest first.
    pub fn generated(servers: u32, backups_per_server: u32) -> Self {
        let now = Utc::now();
        let now = now.with_nanosecond(0).unwrap_or(now);
        let span = Days::days(6).num_seconds();
        let server_refs: Vec<ServerRef> = (1..=i64::from(servers))
            .map(|i| ServerRef::new(10_000 + i, format!("server-{i:05}")))
            .collect();
        let per_server = i64::from(backups_per_server);
        let rounds =
            (0..per_server).flat_map(|k| server_refs.iter().map(move |server| (k, server)));
        let backups = (1..).zip(rounds).map(|(id, (k, server))| {
            // Oldest first: backup k of each server was made (per_server - k) steps ago.
            let age = span * (per_server - k) / per_server.max(1);
            let created_at = now - Days::seconds(age);
            let manual = k % 10 == 0 && k / 10 < 5;
            let (backup_type, expires_at, description) = if manual {
                (BackupType::Manual, None, format!("Manual backup {}", k / 10 + 1))
            } else {
                let retention = 7 + id % 24;
                (
                    BackupType::Automatic,
                    Some(created_at + Days::days(retention)),
                    "Automatic daily backup".to_string(),
                )
            };
            Backup {
                id,
                server: server.clone(),
                backup_type,
                status: BackupStatus::Completed,
                size_mb: Some(1024 + (id * 7919) % 8192),
                created_at,
                expires_at,
                description,
            }
        });
        Self {
            backups: backups.collect(),
            servers: server_refs,
            clock_start: Some(now),
            description: format!("{servers} generated servers × {backups_per_server} backups"),
        }
    }

    /// Adds a server (replacing the name of one with the same id).
    pub fn server(mut self, server: ServerRef) -> Self {
        match self.servers.iter_mut().find(|s| s.id == server.id) {
            Some(existing) => existing.name = server.name,
            None => self.servers.push(server),
        }
        self
    }

    /// Adds a backup, and its server if the seed does not have it yet. A backup with the id of
    /// one already in the seed replaces it. An `in_progress` backup completes
    /// [`complete_after`](crate::MockServerBuilder::complete_after) the server's start.
    pub fn backup(mut self, backup: Backup) -> Self {
        if !self.servers.iter().any(|s| s.id == backup.server.id) {
            self.servers.push(backup.server.clone());
        }
        self.backups.retain(|b| b.id != backup.id);
        self.backups.push(backup);
        self
    }

    /// Sets where the mock's clock starts (it then advances in real time). Without it, the
    /// clock starts at the real time of [`start`](crate::MockServerBuilder::start).
    pub fn clock_start(mut self, start: DateTime<Utc>) -> Self {
        self.clock_start = Some(start);
        self
    }

    /// The seed's servers.
    pub fn servers(&self) -> &[ServerRef] {
        &self.servers
    }

    /// The seed's backups, in no particular order.
    pub fn backups(&self) -> &[Backup] {
        &self.backups
    }

    /// Where the clock starts, if the seed says.
    pub fn clock_start_time(&self) -> Option<DateTime<Utc>> {
        self.clock_start
    }

    /// A few words about the seed, for a banner ("the vendor's examples").
    pub fn describe(&self) -> &str {
        &self.description
    }
}

impl Default for Seed {
    /// The vendor's examples.
    fn default() -> Self {
        Self::vendor_examples()
    }
}
