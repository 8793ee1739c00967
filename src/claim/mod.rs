//! The claim engine (DESIGN.md, "The claim engine").
//!
//! Per batch, requests enter an in-process FIFO lane and get an arrival number. One
//! writer task per lane takes up to `max_batch` queued requests at a time and settles
//! them in one write transaction (`services::claims::settle`), then answers each one —
//! only after the commit. The database (row lock on the batch, `claimed <= budget`
//! check, unique (batch, firm, nth)) keeps several processes correct.
//!
//! Unkeyed requests that can only be refused (not open yet, closed, sold out) are
//! answered from the lane's memory of the batch, without touching the database; that
//! memory is refreshed by every settlement and expires after `memo_ttl`, so a top-up
//! made by another process is seen within that time.

use crate::clock::Clock;
pub use crate::config::ClaimMode as Mode;
use crate::config::ClaimSettings;
use crate::db::Pool;
use crate::domain::id::BatchId;
use crate::domain::voucher::Refusal;
use crate::error::{AppError, ErrorCode};
use crate::notify::Templates;
use crate::services::claims::{settle, snapshot, Answer, BatchSnapshot, ClaimRequest};
use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};
use tokio::sync::{mpsc, oneshot};

#[derive(Clone)]
pub struct ClaimEngine {
    inner: Arc<Inner>,
}

struct Inner {
    pool: Pool,
    templates: Arc<Templates>,
    clock: Clock,
    mode: Mode,
    max_batch: usize,
    queue_capacity: usize,
    memo_ttl: Duration,
    lanes: Mutex<HashMap<BatchId, Arc<Lane>>>,
}

struct Lane {
    /// Arrival numbering and sending happen under one lock, so arrival order is queue order.
    entry: Mutex<(u64, Option<mpsc::Sender<Job>>)>,
    memo: Mutex<Option<Memo>>,
}

#[derive(Clone)]
struct Memo {
    snap: BatchSnapshot,
    claimants: Option<i64>,
    at: Instant,
}

struct Job {
    req: ClaimRequest,
    reply: oneshot::Sender<Answer>,
}

/// A batch's live state for the public endpoint.
#[derive(Debug, Clone)]
pub struct LiveState {
    pub snap: BatchSnapshot,
    pub claimants: i64,
}

fn unavailable() -> Answer {
    Answer::error(AppError::of(ErrorCode::ServiceBusy))
}

impl ClaimEngine {
    pub fn new(pool: Pool, templates: Arc<Templates>, clock: Clock, s: &ClaimSettings) -> Self {
        ClaimEngine {
            inner: Arc::new(Inner {
                pool,
                templates,
                clock,
                mode: s.mode,
                max_batch: s.max_batch.max(1),
                queue_capacity: s.queue_capacity.max(1),
                memo_ttl: Duration::from_millis(s.memo_ttl_ms),
                lanes: Mutex::new(HashMap::new()),
            }),
        }
    }

    pub fn mode(&self) -> Mode {
        self.inner.mode
    }

    fn lane(&self, batch_id: &BatchId) -> Arc<Lane> {
        let mut lanes = self.inner.lanes.lock().unwrap_or_else(|p| p.into_inner());
        lanes
            .entry(batch_id.clone())
            .or_insert_with(|| {
                Arc::new(Lane { entry: Mutex::new((0, None)), memo: Mutex::new(None) })
            })
            .clone()
    }

    /// Forgets what the engine remembers about a batch (after a top-up or publication).
    pub fn invalidate(&self, batch_id: &BatchId) {
        let lane = self.lane(batch_id);
        *lane.memo.lock().unwrap_or_else(|p| p.into_inner()) = None;
    }

    /// Claims a voucher. Returns the arrival number and the final answer.
    pub async fn claim(&self, batch_id: &BatchId, mut req: ClaimRequest) -> (u64, Answer) {
        let inner = &self.inner;
        let lane = self.lane(batch_id);
        if inner.mode == Mode::Naive {
            let arrival = {
                let mut e = lane.entry.lock().unwrap_or_else(|p| p.into_inner());
                e.0 += 1;
                e.0
            };
            req.arrival = arrival;
            let (pool, templates, clock, id) = (
                inner.pool.clone(),
                inner.templates.clone(),
                inner.clock.clone(),
                batch_id.clone(),
            );
            let answer = tokio::task::spawn_blocking(move || {
                let mut c = pool.get().ok()?;
                settle(&mut c, &templates, &id, std::slice::from_ref(&req), clock.now()).ok()
            })
            .await
            .ok()
            .flatten()
            .and_then(|(mut a, _)| a.pop())
            .unwrap_or_else(unavailable);
            return (arrival, answer);
        }

        let (reply_tx, reply_rx) = oneshot::channel();
        let arrival;
        {
            let mut e = lane.entry.lock().unwrap_or_else(|p| p.into_inner());
            e.0 += 1;
            arrival = e.0;
            req.arrival = arrival;
            // Refusals the lane already knows, for requests without an idempotency key.
            if req.idempotency_key.is_none() {
                if let Some(refusal) = self.known_refusal(&lane) {
                    return (arrival, Answer::refusal(&refusal));
                }
            }
            if e.1.as_ref().is_none_or(|s| s.is_closed()) {
                let (tx, rx) = mpsc::channel(inner.queue_capacity);
                tokio::spawn(writer(inner.clone(), batch_id.clone(), rx, lane.clone()));
                e.1 = Some(tx);
            }
            let sent =
                e.1.as_ref().is_some_and(|s| s.try_send(Job { req, reply: reply_tx }).is_ok());
            if !sent {
                return (arrival, Answer::error(AppError::of(ErrorCode::ClaimQueueFull)));
            }
        }
        (arrival, reply_rx.await.unwrap_or_else(|_| unavailable()))
    }

    fn known_refusal(&self, lane: &Lane) -> Option<Refusal> {
        let memo = lane.memo.lock().unwrap_or_else(|p| p.into_inner());
        let m = memo.as_ref().filter(|m| m.at.elapsed() < self.inner.memo_ttl)?;
        let now = self.inner.clock.now();
        if m.snap.lottery {
            Some(Refusal::Lottery)
        } else if now < m.snap.opens_at {
            Some(Refusal::NotOpen)
        } else if now >= m.snap.closes_at {
            Some(Refusal::Closed)
        } else if m.snap.remaining < m.snap.smallest_face {
            Some(Refusal::SoldOut)
        } else {
            None
        }
    }

    /// The batch's live state, cached for a moment so every waiting firm may poll it.
    /// `None` when the batch does not exist or is not published.
    pub async fn state(&self, batch_id: &BatchId) -> Option<LiveState> {
        let lane = self.lane(batch_id);
        {
            let memo = lane.memo.lock().unwrap_or_else(|p| p.into_inner());
            if let Some(m) = memo.as_ref().filter(|m| m.at.elapsed() < Duration::from_millis(250)) {
                if let Some(c) = m.claimants {
                    return Some(LiveState { snap: m.snap.clone(), claimants: c });
                }
            }
        }
        let (pool, id) = (self.inner.pool.clone(), batch_id.clone());
        let fresh = tokio::task::spawn_blocking(move || {
            let mut c = pool.get().ok()?;
            snapshot(&mut c, &id).ok().flatten()
        })
        .await
        .ok()
        .flatten()?;
        *lane.memo.lock().unwrap_or_else(|p| p.into_inner()) =
            Some(Memo { snap: fresh.0.clone(), claimants: Some(fresh.1), at: Instant::now() });
        Some(LiveState { snap: fresh.0, claimants: fresh.1 })
    }
}

async fn writer(
    inner: Arc<Inner>,
    batch_id: BatchId,
    mut rx: mpsc::Receiver<Job>,
    lane: Arc<Lane>,
) {
    while let Some(first) = rx.recv().await {
        let mut jobs = vec![first];
        while jobs.len() < inner.max_batch {
            match rx.try_recv() {
                Ok(j) => jobs.push(j),
                Err(_) => break,
            }
        }
        let reqs: Vec<ClaimRequest> = jobs.iter().map(|j| j.req.clone()).collect();
        let started = Instant::now();
        let outcome = run_settle(&inner, &batch_id, reqs).await;
        tracing::debug!(batch = %batch_id, size = jobs.len(), micros = started.elapsed().as_micros() as u64, "claims settled");
        let answers = match outcome {
            Some((answers, snap)) => {
                remember(&lane, snap);
                answers
            }
            None if jobs.len() > 1 => {
                // One bad request must not sink the others: settle them one by one.
                tracing::warn!(batch = %batch_id, size = jobs.len(), "claim batch failed; settling one by one");
                let mut answers = Vec::with_capacity(jobs.len());
                for j in &jobs {
                    match run_settle(&inner, &batch_id, vec![j.req.clone()]).await {
                        Some((mut a, snap)) => {
                            remember(&lane, snap);
                            answers.push(a.pop().unwrap_or_else(unavailable));
                        }
                        None => answers.push(unavailable()),
                    }
                }
                answers
            }
            None => vec![unavailable()],
        };
        for (job, answer) in jobs.into_iter().zip(answers) {
            let _ = job.reply.send(answer);
        }
    }
}

fn remember(lane: &Lane, snap: Option<BatchSnapshot>) {
    let mut memo = lane.memo.lock().unwrap_or_else(|p| p.into_inner());
    *memo = snap.map(|s| Memo { snap: s, claimants: None, at: Instant::now() });
}

async fn run_settle(
    inner: &Arc<Inner>,
    batch_id: &BatchId,
    reqs: Vec<ClaimRequest>,
) -> Option<(Vec<Answer>, Option<BatchSnapshot>)> {
    let (pool, templates, clock, id) =
        (inner.pool.clone(), inner.templates.clone(), inner.clock.clone(), batch_id.clone());
    let result = tokio::task::spawn_blocking(move || {
        let mut c = pool.get().map_err(|e| e.to_string())?;
        settle(&mut c, &templates, &id, &reqs, clock.now()).map_err(|e| e.to_string())
    })
    .await;
    match result {
        Ok(Ok(v)) => Some(v),
        Ok(Err(e)) => {
            tracing::error!(batch = %batch_id, error = %e, "settling claims failed");
            None
        }
        Err(e) => {
            tracing::error!(batch = %batch_id, error = %e, "claim settlement task failed");
            None
        }
    }
}
