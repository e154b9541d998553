//! Pages of the backup list, and the streams that walk them. The API pages like Django REST
//! Framework's `PageNumberPagination`: `?page=N`, a total `count`, and `next`/`previous`
//! links that may be absent; a `next` link is used only for its page number.

use std::collections::{HashSet, VecDeque};
use std::fmt;
use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll};
use std::time::Instant;

use futures_util::stream::{self, Stream, TryStreamExt};
use reqwest::Url;
use tokio::task::JoinHandle;
use tracing::Instrument;
use vpsorg_backups_client::{ResponseValue, types};

use crate::error::{Error, PaginationIssue, Resource, Result};
use crate::response::{Operation, Validate};
use crate::retry::LastFailure;
use crate::{Backup, BackupType, Client, DateTime, RetryPolicy, Utc};

/// The most pages [`ListBackups::concurrency`](crate::ListBackups::concurrency) fetches at
/// once.
pub(crate) const MAX_CONCURRENCY: usize = 16;

/// The API's largest page size.
pub const MAX_PAGE_SIZE: u64 = 100;

/// How many recently yielded backup ids a stream remembers to drop duplicates: many pages'
/// worth, in bounded memory.
const SEEN_IDS: usize = 2_000;

/// The filters of a listing, and how its requests are retried.
#[derive(Debug, Clone, Default)]
pub(crate) struct Query {
    pub(crate) server_id: Option<i64>,
    pub(crate) backup_type: Option<BackupType>,
    pub(crate) page_size: Option<u64>,
    /// This listing's retry policy, when it overrides the client's.
    pub(crate) retry: Option<RetryPolicy>,
    /// Where each failed attempt that is retried is kept (the waiter's, see [`LastFailure`]).
    pub(crate) last_failure: Option<LastFailure>,
}

impl Query {
    /// The list's path with this query, as the generated client sends it: what a request's
    /// log line shows (`/api/v1/backups/?server_id=12345&page=2`).
    pub(crate) fn path_and_query(&self, client: &Client, page: u64) -> String {
        let mut url = client.base_url().clone();
        url.set_path(&client.list_path());
        url.set_query(None);
        {
            let mut pairs = url.query_pairs_mut();
            if let Some(server_id) = self.server_id {
                pairs.append_pair("server_id", &server_id.to_string());
            }
            if let Some(backup_type) = &self.backup_type {
                pairs.append_pair("backup_type", backup_type.as_str());
            }
            if let Some(size) = self.page_size {
                pairs.append_pair("page_size", &size.to_string());
            }
            if page > 1 {
                pairs.append_pair("page", &page.to_string());
            }
        }
        match url.query() {
            Some(query) if !query.is_empty() => format!("{}?{query}", url.path()),
            _ => url.path().to_owned(),
        }
    }

    /// Fails on the first backup of `list` outside this listing's filters: a server (or a
    /// proxy) that ignored one must not hand anything else to the caller.
    fn verify(&self, list: &types::BackupList) -> Result<()> {
        let outside = list.results.iter().find(|backup| {
            self.server_id.is_some_and(|id| backup.server.id != id)
                || self.backup_type.as_ref().is_some_and(|kind| backup.backup_type != *kind)
        });
        match outside {
            None => Ok(()),
            Some(backup) => Err(Error::FilterMismatch {
                server_id: self.server_id,
                backup_type: self.backup_type.clone(),
                backup: Box::new(Backup::from_wire(backup.clone())),
            }),
        }
    }

    /// Catches what the API would refuse with a 400 or 404.
    pub(crate) fn validate(&self, page: u64) -> Result<()> {
        if let Some(size) = self.page_size
            && !(1..=MAX_PAGE_SIZE).contains(&size)
        {
            return Err(Error::invalid_input(format!(
                "page size {size} is outside 1..={MAX_PAGE_SIZE}"
            )));
        }
        if page == 0 {
            return Err(Error::invalid_input("pages are numbered from 1"));
        }
        Ok(())
    }
}

/// One page of backups. Serializes as `{"number", "count", "backups", "has_next"}`.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
#[cfg_attr(feature = "schemars", derive(schemars::JsonSchema))]
#[non_exhaustive]
pub struct Page {
    /// The page's number, from 1.
    pub number: u64,
    /// How many backups match the filters, across all pages (as of this page).
    pub count: u64,
    /// The backups on this page, newest first. In a stream, only those not yielded
    /// before.
    pub backups: Vec<Backup>,
    /// Whether the API indicated another page after this one.
    pub has_next: bool,
    /// The server's clock when it answered this page: the response's `Date` header, to the
    /// second; `None` when it sent none. Compare [`Backup::created_at`] with it, not with
    /// this machine's clock, which may be off (the fake server's is in January 2025). Not
    /// serialized.
    #[serde(skip)]
    pub server_time: Option<DateTime<Utc>>,
}

impl Page {
    /// A page fetched on its own, by [`ListBackups::send`](crate::ListBackups::send).
    pub(crate) fn single(number: u64, query: &Query, dated: Dated<types::BackupList>) -> Page {
        let (server_time, list) = (dated.date, dated.value);
        let count = count_of(&list);
        let len = list.results.len() as u64;
        let has_next = if list.next.is_some() {
            true
        } else if list.previous.is_some() {
            // The API sends links, and this page has no `next`.
            false
        } else {
            let size = query.page_size.unwrap_or(len);
            len > 0 && number.saturating_mul(size) < count
        };
        Page {
            number,
            count,
            backups: list.results.into_iter().map(Backup::from_wire).collect(),
            has_next,
            server_time,
        }
    }
}

impl IntoIterator for Page {
    type Item = Backup;
    type IntoIter = std::vec::IntoIter<Backup>;

    fn into_iter(self) -> Self::IntoIter {
        self.backups.into_iter()
    }
}

/// A public stream type over a boxed stream: `Debug` shows no internals, `Stream` delegates.
macro_rules! boxed_stream {
    ($(#[$doc:meta])* $name:ident of $item:ty) => {
        $(#[$doc])*
        ///
        /// Pages being fetched in the background are cancelled when the stream is dropped.
        #[must_use = "streams do nothing unless polled"]
        pub struct $name {
            inner: Pin<Box<dyn Stream<Item = Result<$item>> + Send>>,
        }

        impl $name {
            pub(crate) fn from_boxed(inner: Pin<Box<dyn Stream<Item = Result<$item>> + Send>>) -> Self {
                $name { inner }
            }
        }

        impl fmt::Debug for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.debug_struct(stringify!($name)).finish_non_exhaustive()
            }
        }

        impl Stream for $name {
            type Item = Result<$item>;

            fn poll_next(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
                self.inner.as_mut().poll_next(cx)
            }
        }
    };
}

boxed_stream! {
    /// A stream of [`Page`]s, from [`ListBackups::pages`](crate::ListBackups::pages).
    PageStream of Page
}

boxed_stream! {
    /// A stream of [`Backup`]s across pages, from
    /// [`ListBackups::items`](crate::ListBackups::items).
    BackupStream of Backup
}

impl BackupStream {
    pub(crate) fn new(pages: PageStream) -> Self {
        let items =
            pages.map_ok(|page| stream::iter(page.backups.into_iter().map(Ok))).try_flatten();
        BackupStream::from_boxed(Box::pin(items))
    }
}

/// Fetches one page (with the listing's retries), with the response's `Date` (the server's
/// clock) and when it arrived. Every listing request goes through here, and every page it
/// returns holds only backups that match the query's filters ([`Error::FilterMismatch`]
/// otherwise).
pub(crate) async fn fetch(
    client: &Client,
    query: &Query,
    page: u64,
) -> Result<Dated<types::BackupList>> {
    let path = query.path_and_query(client, page);
    client
        .execute(
            Operation::List { page },
            &path,
            query.retry.as_ref(),
            query.last_failure.as_ref(),
            |raw| {
                let query = query.clone();
                async move {
                    let mut request = raw.list_backups();
                    if let Some(server_id) = query.server_id {
                        request = request.server_id(server_id);
                    }
                    if let Some(backup_type) = query.backup_type {
                        request = request.backup_type(backup_type);
                    }
                    if let Some(size) = query.page_size {
                        request = request.page_size(size);
                    }
                    if page > 1 {
                        request = request.page(page);
                    }
                    request.send().await.map(Dated::of)
                }
            },
        )
        .await
        .map_err(Error::from)
        .and_then(|dated| query.verify(&dated.value).map(|()| dated))
}

/// A page's `count`. Never negative here: `settle` refuses such an answer as a decode error.
pub(crate) fn count_of(list: &types::BackupList) -> u64 {
    u64::try_from(list.count).unwrap_or_default()
}

/// A response's value with its `Date` header and the moment it arrived.
#[derive(Debug)]
pub(crate) struct Dated<T> {
    pub(crate) value: T,
    /// The `Date` header: the server's clock when it answered (to the second), as a
    /// [`Page::server_time`].
    pub(crate) date: Option<DateTime<Utc>>,
    /// When the response arrived, on this machine's monotonic clock.
    pub(crate) received: Instant,
}

impl<T> Dated<T> {
    fn of(response: ResponseValue<T>) -> Self {
        let date = response
            .headers()
            .get(reqwest::header::DATE)
            .and_then(|value| value.to_str().ok())
            .and_then(crate::http_date::parse)
            .map(DateTime::from);
        Dated { value: response.into_inner(), date, received: Instant::now() }
    }
}

impl<T: Validate> Validate for Dated<T> {
    fn invalid(&self) -> Option<(String, String)> {
        self.value.invalid()
    }
}

/// A 2xx the spec does not list is decoded without its headers: no `Date`.
impl<'de, T: serde::Deserialize<'de>> serde::Deserialize<'de> for Dated<T> {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        T::deserialize(deserializer).map(|value| Dated {
            value,
            date: None,
            received: Instant::now(),
        })
    }
}

/// How a stream of pages fetches the pages after the first.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Fetching {
    /// Ahead of the caller: the next page as soon as the current one arrives, or with more
    /// than one, up to this many pages at once, by number once `count` is known.
    Ahead(usize),
    /// Each page only when the stream is polled for it, so that a caller who stops early
    /// (the waiter, once it found its backup) sends no request it does not need.
    OnDemand,
}

/// The stream of pages behind [`ListBackups::pages`](crate::ListBackups::pages).
pub(crate) fn pages(client: Client, query: Query, start: u64, fetching: Fetching) -> PageStream {
    let (concurrency, prefetch) = match fetching {
        Fetching::Ahead(pages) => (pages.clamp(1, MAX_CONCURRENCY), true),
        Fetching::OnDemand => (1, false),
    };
    if let Err(error) = query.validate(start) {
        return PageStream::from_boxed(Box::pin(stream::once(async { Err(error) })));
    }
    let pager = Pager {
        client,
        query,
        start,
        concurrency,
        prefetch,
        // The first page is requested at the first poll.
        deferred: Some(start),
        in_flight: VecDeque::new(),
        next_planned: start.saturating_add(1),
        last_planned: start,
        seen: SeenIds::default(),
        page_size: None,
        pages_fetched: 0,
        done: false,
        pending_error: None,
    };
    let inner = stream::unfold(pager, |mut pager| async move {
        let item = pager.step().await?;
        Some((item, pager))
    });
    PageStream::from_boxed(Box::pin(inner))
}

/// A page request running in the background; aborted when dropped. `None` when there was
/// no Tokio runtime to run it on.
struct Fetch {
    number: u64,
    task: Option<JoinHandle<Result<Option<Dated<types::BackupList>>>>>,
}

impl Drop for Fetch {
    fn drop(&mut self) {
        if let Some(task) = &self.task {
            task.abort();
        }
    }
}

impl Future for Fetch {
    type Output = Result<Option<Dated<types::BackupList>>>;

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let Some(task) = self.task.as_mut() else {
            return Poll::Ready(Err(Error::config(
                "listing pages needs a Tokio runtime (reqwest needs one too)",
            )));
        };
        Pin::new(task).poll(cx).map(|joined| match joined {
            Ok(result) => result,
            Err(_) => Err(Error::Transport {
                may_have_reached_server: true,
                source: "the task fetching a page stopped".into(),
            }),
        })
    }
}

/// Ids yielded recently, in bounded memory.
#[derive(Default)]
struct SeenIds {
    set: HashSet<i64>,
    order: VecDeque<i64>,
}

impl SeenIds {
    /// Records `id`; false when it was already seen.
    fn insert(&mut self, id: i64) -> bool {
        if !self.set.insert(id) {
            return false;
        }
        self.order.push_back(id);
        if self.order.len() > SEEN_IDS
            && let Some(oldest) = self.order.pop_front()
        {
            self.set.remove(&oldest);
        }
        true
    }
}

struct Pager {
    client: Client,
    query: Query,
    start: u64,
    concurrency: usize,
    /// Without concurrency: whether the next page is requested as soon as the current one
    /// arrives, or only when the stream is polled again (then it waits in `deferred`).
    prefetch: bool,
    deferred: Option<u64>,
    /// Requests under way, in page order.
    in_flight: VecDeque<Fetch>,
    /// With concurrency: the next page number to request, and the last page the API's
    /// latest answer says exists. Raised on every page, since backups created meanwhile
    /// push older ones onto pages past the first page's `count`.
    next_planned: u64,
    last_planned: u64,
    seen: SeenIds,
    /// The server's real page size, learnt from the first page that is not the last.
    page_size: Option<u64>,
    pages_fetched: u64,
    done: bool,
    /// An error to yield after the page that revealed it.
    pending_error: Option<Error>,
}

impl Pager {
    fn spawn(&mut self, number: u64) {
        let client = self.client.clone();
        let query = self.query.clone();
        let Ok(runtime) = tokio::runtime::Handle::try_current() else {
            self.in_flight.push_back(Fetch { number, task: None });
            return;
        };
        let task = runtime.spawn(
            async move {
                match fetch(&client, &query, number).await {
                    Ok(list) => Ok(Some(list)),
                    // DRF's "Invalid page." for a page past the last: the end of the list.
                    Err(Error::NotFound { resource: Resource::Page(_), .. }) if number > 1 => {
                        Ok(None)
                    }
                    Err(error) => Err(error),
                }
            }
            .in_current_span(),
        );
        self.in_flight.push_back(Fetch { number, task: Some(task) });
    }

    /// Keeps up to `concurrency` planned pages in flight.
    fn refill(&mut self) {
        while self.in_flight.len() < self.concurrency && self.next_planned <= self.last_planned {
            let number = self.next_planned;
            self.next_planned = number.saturating_add(1);
            self.spawn(number);
        }
    }

    /// Ends the stream: nothing more is fetched, and requests under way are cancelled.
    fn finish(&mut self) {
        self.done = true;
        self.last_planned = 0;
        self.deferred = None;
        self.in_flight.clear();
    }

    /// Ends the stream with `error`.
    fn fail(&mut self, error: Error) -> Option<Result<Page>> {
        self.finish();
        Some(Err(error))
    }

    async fn step(&mut self) -> Option<Result<Page>> {
        if let Some(error) = self.pending_error.take() {
            return self.fail(error);
        }
        if self.done {
            return None;
        }
        if let Some(next) = self.deferred.take() {
            self.spawn(next);
        }
        let Some(fetch) = self.in_flight.pop_front() else {
            self.finish();
            return None;
        };
        let number = fetch.number;
        let (server_time, list) = match fetch.await {
            Ok(Some(dated)) => (dated.date, dated.value),
            Ok(None) => {
                self.finish();
                return None;
            }
            Err(error) => return self.fail(error),
        };
        self.pages_fetched += 1;
        let count = count_of(&list);
        let received = list.results.len() as u64;
        if received == 0 {
            self.finish();
            // The first page is yielded even when empty, so that its count is seen.
            return (number == self.start).then(|| {
                Ok(Page { number, count, backups: Vec::new(), has_next: false, server_time })
            });
        }
        let page_size = *self.page_size.get_or_insert(received);
        let backups: Vec<Backup> = list
            .results
            .into_iter()
            .filter(|backup| self.seen.insert(backup.id))
            .map(Backup::from_wire)
            .collect();
        if backups.is_empty() {
            return self.fail(Error::pagination(PaginationIssue::NoProgress { page: number }));
        }
        let expected_pages = count.div_ceil(page_size.max(1));
        if self.pages_fetched > expected_pages.saturating_mul(2).saturating_add(10) {
            let pages = self.pages_fetched;
            return self.fail(Error::pagination(PaginationIssue::TooManyPages { pages }));
        }

        if self.concurrency > 1 {
            // Follow the latest `count`, and a `next` link, so that backups pushed past the
            // pages planned so far are still fetched. A page past the real end answers 404
            // or empty, which ends the stream.
            let mut last = self.last_planned.max(expected_pages);
            if list.next.is_some() {
                last = last.max(number.saturating_add(1));
            }
            self.last_planned = last;
            self.refill();
        } else {
            match self.next_page(number, list.next.as_deref(), count, page_size) {
                Ok(Some(next)) if self.prefetch => self.spawn(next),
                Ok(Some(next)) => self.deferred = Some(next),
                Ok(None) => {}
                Err(error) => self.pending_error = Some(error),
            }
        }
        let has_next = !self.in_flight.is_empty() || self.deferred.is_some();
        if !has_next && self.pending_error.is_none() {
            self.done = true;
        }
        Some(Ok(Page { number, count, backups, has_next, server_time }))
    }

    /// The page after `number`: from the `next` link when there is one, else by number
    /// while `count` says there are more.
    fn next_page(
        &self,
        number: u64,
        next: Option<&str>,
        count: u64,
        page_size: u64,
    ) -> Result<Option<u64>> {
        let Some(link) = next else {
            return Ok((number.saturating_mul(page_size) < count).then_some(number + 1));
        };
        let next = page_of_link(&self.client, link)?;
        if next <= number {
            return Err(Error::pagination(PaginationIssue::LinkGoesBackwards {
                page: number,
                next,
            }));
        }
        Ok(Some(next))
    }
}

/// The page number a `next` link points to, after checking that it is the backup list on
/// the configured origin.
fn page_of_link(client: &Client, link: &str) -> Result<u64> {
    let url = Url::parse(link)
        .or_else(|_| client.base_url().join(link))
        .map_err(|_| Error::pagination(PaginationIssue::UnusableNextLink))?;
    if url.origin() != client.base_url().origin() {
        return Err(Error::ForeignOrigin {
            origin: crate::shared::clean(&url.origin().ascii_serialization()),
        });
    }
    if url.path() != client.list_path() {
        return Err(Error::pagination(PaginationIssue::UnusableNextLink));
    }
    url.query_pairs()
        .find(|(name, _)| name == "page")
        .and_then(|(_, value)| value.parse::<u64>().ok())
        .filter(|page| *page >= 1)
        .ok_or_else(|| Error::pagination(PaginationIssue::UnusableNextLink))
}

#[cfg(test)]
#[path = "../tests/unit/pagination.rs"]
mod tests;
