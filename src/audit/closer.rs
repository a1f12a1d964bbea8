//! The server's background task: pins a log head every `head_interval`, and
//! when a proposal's result turns final, pins a head, builds and stores the
//! proposal's audit bundle, and records its root CID on the proposal.

use std::sync::Arc;
use std::time::Duration;

use super::AuditError;
use crate::chain::Chains;
use crate::clock::unix_now;
use crate::ingest::Ingestor;
use crate::protocol::signature::Signer;
use crate::store::{writer::Writer, Db, LogHead, Store};
use crate::tally::outcome::ScoresState;

/// When the closer runs.
#[derive(Debug, Clone, Copy)]
pub struct Schedule {
    /// How often proposals are checked for closing.
    pub tick: Duration,
    /// Seconds between periodic log heads (when messages arrived).
    pub head_interval: i64,
    /// Seconds after a proposal's end before its result is final.
    pub finalize_delay: i64,
}

impl Default for Schedule {
    fn default() -> Self {
        Schedule {
            tick: Duration::from_secs(5),
            head_interval: 60,
            finalize_delay: crate::tally::outcome::FINALIZE_DELAY,
        }
    }
}

/// Everything the closer uses, taken from the ingest service.
#[derive(Clone)]
pub struct Closer {
    store: Store,
    writer: Writer,
    chains: Chains,
    relayer: Arc<Signer>,
    schedule: Schedule,
}

impl Closer {
    pub fn new(ingestor: &Ingestor, schedule: Schedule) -> Self {
        Closer {
            store: ingestor.store().clone(),
            writer: ingestor.writer().clone(),
            chains: ingestor.chains().clone(),
            relayer: Arc::clone(ingestor.relayer()),
            schedule,
        }
    }

    /// Runs forever on the current runtime; failures are logged and retried
    /// on the next tick (a chain node may be down).
    pub async fn run(self) {
        let mut last_head = 0;
        loop {
            let now = unix_now();
            if now - last_head >= self.schedule.head_interval {
                match self.pin_head().await {
                    Ok(_) => last_head = now,
                    Err(err) => tracing::warn!(%err, "cannot pin a log head"),
                }
            }
            match self.close_due().await {
                Ok(0) => {}
                Ok(closed) => tracing::info!(closed, "audit bundles pinned"),
                Err(err) => tracing::warn!(%err, "cannot build an audit bundle"),
            }
            match self.close_cases().await {
                Ok(0) => {}
                Ok(closed) => tracing::info!(closed, "case bundles pinned"),
                Err(err) => tracing::warn!(%err, "cannot build a case bundle"),
            }
            tokio::time::sleep(self.schedule.tick).await;
        }
    }

    /// Pins a head covering every message so far.
    pub async fn pin_head(&self) -> Result<Option<LogHead>, AuditError> {
        let relayer = Arc::clone(&self.relayer);
        Ok(self
            .writer
            .submit_with(move |db| Ok(crate::message_log::pin_head(db, &relayer, unix_now())?))
            .await?)
    }

    /// Builds the bundle of every proposal whose result is final; returns
    /// how many were built.
    pub async fn close_due(&self) -> Result<usize, AuditError> {
        let now = unix_now();
        let due =
            self.read(move |db| Ok(db.proposals_to_audit(now - self.schedule.finalize_delay)?))?;
        let mut closed = 0;
        for proposal in due {
            let Some(root) = self.close(&proposal).await? else {
                continue;
            };
            tracing::info!(%proposal, %root, "audit bundle pinned");
            closed += 1;
        }
        Ok(closed)
    }

    /// Freezes the result of `proposal`, pins a head, and stores its bundle;
    /// returns the root CID (`None` for an unknown proposal).
    pub async fn close(&self, proposal: &str) -> Result<Option<String>, AuditError> {
        let now = unix_now();
        let delay = self.schedule.finalize_delay;
        let Some(result) =
            crate::results::current(&self.store, Some(&self.writer), proposal, now, delay).await?
        else {
            return Ok(None);
        };
        if result.state != ScoresState::Final {
            return Err(AuditError::NotClosed {
                proposal: proposal.to_string(),
                delay,
            });
        }
        let result = result.json;
        let head = self
            .pin_head()
            .await?
            .ok_or_else(|| AuditError::NoLogHead(proposal.to_string()))?;
        let this = self.clone();
        let id = proposal.to_string();
        let built = tokio::task::spawn_blocking(move || {
            let reader = this.store.reader()?;
            let snapshot = reader.snapshot()?;
            crate::audit::bundle::build(
                &Db::new(&snapshot),
                &this.chains,
                &this.relayer,
                &id,
                &result,
                &head,
            )
        })
        .await
        .map_err(|err| AuditError::Task(err.to_string()))??;
        let root = built.root.clone();
        let id = proposal.to_string();
        self.writer
            .submit(Box::new(move |db| {
                for (cid, bytes) in &built.blocks {
                    db.put_block(cid, bytes)?;
                }
                Ok(db.set_audit_cid(&id, &built.root)?)
            }))
            .await?;
        Ok(Some(root))
    }

    /// Builds and stores the bundle of every case closed by now; returns
    /// how many were built.
    pub async fn close_cases(&self) -> Result<usize, AuditError> {
        let now = unix_now();
        let this = self.clone();
        let built = tokio::task::spawn_blocking(move || {
            let reader = this.store.reader()?;
            let snapshot = reader.snapshot()?;
            let db = Db::new(&snapshot);
            let mut built = Vec::new();
            for (space, case) in db.cases_without_bundle()? {
                if let Some(bundle) =
                    crate::audit::case::build(&db, &this.relayer, &space, &case, now)?
                {
                    built.push((space, case, bundle));
                }
            }
            Ok::<_, AuditError>(built)
        })
        .await
        .map_err(|err| AuditError::Task(err.to_string()))??;
        let count = built.len();
        if count > 0 {
            self.writer
                .submit(Box::new(move |db| {
                    for (space, case, bundle) in &built {
                        for (cid, bytes) in &bundle.blocks {
                            db.put_block(cid, bytes)?;
                        }
                        db.set_case_bundle(space, case, &bundle.root, now)?;
                    }
                    Ok(())
                }))
                .await?;
        }
        Ok(count)
    }

    fn read<T>(
        &self,
        query: impl FnOnce(&Db<'_>) -> Result<T, AuditError>,
    ) -> Result<T, AuditError> {
        let reader = self.store.reader()?;
        query(&reader.db())
    }
}
