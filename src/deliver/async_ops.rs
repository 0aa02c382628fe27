//! Asynchronous sends: an [`Operation`] runs a bulk send (of one message or many) on a thread
//! the library starts for it, and can be waited for (with a timeout), polled and cancelled.
//!
//! The completion function runs exactly once, on that thread, after every message has its
//! outcome; only then does the operation count as done (so `wait` returning means the completion
//! function has returned). Dropping an [`Operation`] does not stop the send: it goes on in the
//! background, and the completion function still runs.

use std::panic::{AssertUnwindSafe, catch_unwind};
use std::sync::{Arc, Condvar, Mutex};
use std::time::{Duration, Instant};

use super::bulk::{BulkReport, CancelToken};
use super::client::{Client, DeliverError};
use super::pickup::Prepared;

/// Called once with the outcomes when an operation completes.
pub type CompletionFn = Box<dyn FnOnce(&BulkReport) + Send>;

struct Shared {
    done: Mutex<Option<Arc<BulkReport>>>,
    cond: Condvar,
    cancel: CancelToken,
    on_done: Mutex<Option<CompletionFn>>,
}

/// A send running in the background. Cloning gives another handle to the same operation.
#[derive(Clone)]
pub struct Operation {
    shared: Arc<Shared>,
}

impl std::fmt::Debug for Operation {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Operation")
            .field("done", &self.is_done())
            .finish_non_exhaustive()
    }
}

impl Operation {
    /// Waits until the operation is done (and its completion function has returned), at most
    /// `timeout` (`None`: no limit). Returns the outcomes, or `None` on timeout.
    pub fn wait(&self, timeout: Option<Duration>) -> Option<Arc<BulkReport>> {
        let deadline = timeout.and_then(|t| Instant::now().checked_add(t));
        let mut done = self.shared.done.lock().unwrap_or_else(|e| e.into_inner());
        loop {
            if let Some(r) = done.as_ref() {
                return Some(r.clone());
            }
            match deadline {
                None => {
                    done = self
                        .shared
                        .cond
                        .wait(done)
                        .unwrap_or_else(|e| e.into_inner());
                }
                Some(d) => {
                    let now = Instant::now();
                    if now >= d {
                        return None;
                    }
                    done = self
                        .shared
                        .cond
                        .wait_timeout(done, d - now)
                        .unwrap_or_else(|e| e.into_inner())
                        .0;
                }
            }
        }
    }

    /// Whether the operation is done.
    pub fn is_done(&self) -> bool {
        self.report().is_some()
    }

    /// The outcomes once done.
    pub fn report(&self) -> Option<Arc<BulkReport>> {
        self.shared
            .done
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .clone()
    }

    /// Cancels: batches in flight finish, messages not yet started are not attempted. Does
    /// nothing once done.
    pub fn cancel(&self) {
        self.shared.cancel.cancel();
    }
}

impl Client {
    /// Starts sending `items` (see [`Client::send_bulk_prepared`]) on a new thread and returns
    /// at once. `on_done` runs exactly once on that thread when every message has its outcome.
    ///
    /// If the thread cannot be started, returns the error and gives `on_done` back (it has not
    /// run).
    pub fn send_bulk_async(
        self: &Arc<Self>,
        items: Vec<Result<Prepared, DeliverError>>,
        on_done: Option<CompletionFn>,
    ) -> Result<Operation, (std::io::Error, Option<CompletionFn>)> {
        let shared = Arc::new(Shared {
            done: Mutex::new(None),
            cond: Condvar::new(),
            cancel: CancelToken::new(),
            on_done: Mutex::new(on_done),
        });
        let worker = shared.clone();
        let client = self.clone();
        let spawned = std::thread::Builder::new()
            .name("missive-op".into())
            .spawn(move || {
                let report = catch_unwind(AssertUnwindSafe(|| {
                    client.send_bulk_prepared(&items, &worker.cancel)
                }))
                .unwrap_or_else(|_| {
                    // An internal error: what was sent is not known.
                    let e = DeliverError {
                        kind: super::client::DeliverErrorKind::Smtp(crate::smtp::SmtpErrorKind::Io),
                        message: "an internal error (panic) interrupted the send".into(),
                        smtp: None,
                    };
                    BulkReport {
                        outcomes: vec![super::bulk::Outcome::Unknown(e); items.len()],
                        cancelled: false,
                    }
                });
                drop(client);
                let on_done = worker
                    .on_done
                    .lock()
                    .unwrap_or_else(|e| e.into_inner())
                    .take();
                if let Some(f) = on_done {
                    let _ = catch_unwind(AssertUnwindSafe(|| f(&report)));
                }
                *worker.done.lock().unwrap_or_else(|e| e.into_inner()) = Some(Arc::new(report));
                worker.cond.notify_all();
            });
        match spawned {
            Ok(_) => Ok(Operation { shared }),
            Err(e) => {
                let f = shared
                    .on_done
                    .lock()
                    .unwrap_or_else(|e| e.into_inner())
                    .take();
                Err((e, f))
            }
        }
    }
}
