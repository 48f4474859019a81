//! The `publication.run` pipeline (20-lifecycle §13.2, 70-publication §3):
//! take the queued task, build and validate the documents from the pinned
//! version only (INV-VERSION-3, INV-PUB-6), store them, push them as one
//! commit (INV-PUB-1..3), then settle the task in one transaction — or send
//! any failure of those steps through the funnel of §7, which never touches
//! the advisory (INV-LIFECYCLE-3).

use serde_json::{Value, json};
use sqlx::PgPool;

use super::documents::{self, CveAssigner, Document, Input, Publisher, Revision};
use super::git::{self, Remote};
use super::outcome::{self, Artifact, Claimed, Failure, Settled};
use crate::audit::catalogue::Action;
use crate::audit::redact::Redactor;
use crate::config::Config;
use crate::ops::metrics::{Metrics, PublicationStage, PublicationStatus};

/// Runs task `task_id` for job `job_id`. A task that is not `queued` (a
/// redelivered job, a reaped task) is left alone. Only a database error
/// while settling escapes; everything else ends in the task's status.
pub async fn run(
    pool: &PgPool,
    config: &Config,
    metrics: &Metrics,
    task_id: i64,
    job_id: i64,
) -> Result<Option<Settled>, sqlx::Error> {
    let redactor = config.redactor();
    let Some(claimed) = outcome::claim(pool, task_id, job_id).await? else {
        return Ok(None);
    };
    let started = std::time::Instant::now();
    metrics.observe_publication(PublicationStatus::Started);
    let settled = settle(pool, config, metrics, &redactor, &claimed).await;
    match &settled {
        // A task reaped meanwhile was counted by the reaper.
        Ok(Some(Settled::Stale)) => {}
        Ok(Some(_)) => metrics.observe_publication(PublicationStatus::Succeeded),
        Ok(None) | Err(_) => metrics.observe_publication(PublicationStatus::Failed),
    }
    metrics.observe_publication_duration(started.elapsed());
    settled
}

/// The pipeline and the transaction that records its outcome; `None` when
/// the attempt failed.
async fn settle(
    pool: &PgPool,
    config: &Config,
    metrics: &Metrics,
    redactor: &Redactor,
    claimed: &Claimed,
) -> Result<Option<Settled>, sqlx::Error> {
    let pushed = match pipeline(pool, config, metrics, redactor, claimed).await {
        Ok(pushed) => pushed,
        Err(failure) => {
            outcome::fail(pool, redactor, claimed, &failure).await?;
            return Ok(None);
        }
    };
    match outcome::succeed(
        pool,
        redactor,
        &config.oidc.admin_group,
        claimed,
        &pushed.commit_sha,
        &pushed.branch,
    )
    .await
    {
        Ok(settled) => Ok(Some(settled)),
        Err(e) => {
            // The commit is in the repository but the advisory cannot say so;
            // a retry pushes identical bytes (no new commit) and settles it.
            let failure = Failure::Unexpected(format!("settling the pushed commit: {e}"));
            outcome::fail(pool, redactor, claimed, &failure).await?;
            Ok(None)
        }
    }
}

/// Steps 4–12 of §3: documents, artifacts, the push and their ledger rows.
async fn pipeline(
    pool: &PgPool,
    config: &Config,
    metrics: &Metrics,
    redactor: &Redactor,
    claimed: &Claimed,
) -> Result<git::PushOutcome, Failure> {
    let settings = &config.publication;
    if !settings.is_configured() {
        return Err(Failure::Git(git::GitError::NotConfigured.to_string()));
    }
    let unexpected = |e: sqlx::Error| Failure::Unexpected(format!("database: {e}"));
    let context = load_context(pool, claimed).await.map_err(unexpected)?;
    let publisher = Publisher::default();
    let assigner = CveAssigner {
        org_id: settings.cve_assigner_org_id.clone(),
        short_name: settings.cve_assigner_short_name.clone(),
    };
    // The first publication's documents carry the date the final
    // transaction will stamp (the run's start), so later ones repeat it.
    let first_published = claimed.published_at.unwrap_or(claimed.started_at);
    let input = Input {
        payload: &claimed.payload,
        version: claimed.version,
        version_created_at: claimed.version_created_at,
        first_published_at: Some(first_published),
        revisions: &context.revisions,
        project_slug: &context.project_slug,
        project_name: &context.project_name,
        publisher: &publisher,
        cve_assigner: &assigner,
    };
    let invalid = |e: documents::Error| Failure::Validation(e.to_string());
    let osv = documents::build_osv(&input).map_err(invalid)?;
    let step = Step {
        pool,
        metrics,
        redactor,
        claimed,
    };
    step.record(Action::PublicationOsvGenerated, None, json!({}))
        .await?;
    let csaf = documents::build_csaf(&input).map_err(invalid)?;
    step.record(Action::PublicationCsafGenerated, None, json!({}))
        .await?;
    let cve = documents::build_cve(&input).map_err(invalid)?;
    let cve_id = claimed.payload["assigned_cve_id"]
        .as_str()
        .unwrap_or_default()
        .trim()
        .to_owned();
    if cve.is_some() {
        let metadata = json!({"cve_id": cve_id, "rejected": claimed.is_withdrawal()});
        step.record(Action::PublicationCveGenerated, None, metadata)
            .await?;
    }

    let artifacts = place(
        settings,
        claimed,
        first_published.year(),
        [Some(&osv), Some(&csaf), cve.as_ref()],
        &cve_id,
    )?;
    outcome::store_artifacts(pool, claimed.task_id, &artifacts)
        .await
        .map_err(unexpected)?;

    let files: Vec<(String, Vec<u8>)> = artifacts
        .iter()
        .map(|a| (a.path.clone(), documents::json::to_bytes(&a.content)))
        .collect();
    let message = format!("Publish advisory {}", claimed.public_id);
    let pushed = git::push(pool, &Remote::from_config(settings), &files, &message)
        .await
        .map_err(|e| {
            metrics.observe_publication_stage(PublicationStage::GitPushFailed);
            Failure::Git(e.to_string())
        })?;
    let at = json!({"commit_sha": pushed.commit_sha, "branch": pushed.branch});
    for action in [Action::PublicationGitCommit, Action::PublicationGitPush] {
        let metadata = json!({"branch": pushed.branch, "changed": pushed.changed});
        step.record(action, Some(at.clone()), metadata).await?;
    }
    Ok(pushed)
}

/// Where each document goes in the repository (§5): the year of the first
/// publication for OSV and CSAF, the CVE id's year and bucket for the record.
fn place(
    settings: &crate::config::PublicationConfig,
    claimed: &Claimed,
    year: i32,
    documents: [Option<&Document>; 3],
    cve_id: &str,
) -> Result<Vec<Artifact>, Failure> {
    documents
        .into_iter()
        .flatten()
        .map(|document| {
            let path = match document.kind {
                documents::Kind::Osv => {
                    documents::paths::osv(&settings.osv_path_template, &claimed.public_id, year)
                }
                documents::Kind::Csaf => {
                    documents::paths::csaf(&settings.csaf_path_template, &claimed.public_id, year)
                }
                documents::Kind::Cve => documents::paths::cve(&settings.cve_path_template, cve_id),
            }
            .map_err(|e| Failure::Unexpected(format!("publication path template: {e}")))?;
            Ok(artifact(document, path))
        })
        .collect()
}

fn artifact(document: &Document, path: String) -> Artifact {
    Artifact {
        kind: document.kind.as_str(),
        path,
        content: document.content.clone(),
    }
}

/// What records a step of the pipeline: its ledger row and its counter.
struct Step<'a> {
    pool: &'a PgPool,
    metrics: &'a Metrics,
    redactor: &'a Redactor,
    claimed: &'a Claimed,
}

impl Step<'_> {
    async fn record(
        &self,
        action: Action,
        new_value: Option<Value>,
        metadata: Value,
    ) -> Result<(), Failure> {
        outcome::record_stage(
            self.pool,
            self.redactor,
            self.claimed,
            action,
            new_value,
            metadata,
        )
        .await
        .map_err(|e| Failure::Unexpected(format!("database: {e}")))?;
        let stage = match action {
            Action::PublicationOsvGenerated => PublicationStage::OsvGenerated,
            Action::PublicationCsafGenerated => PublicationStage::CsafGenerated,
            Action::PublicationCveGenerated => PublicationStage::CveGenerated,
            Action::PublicationGitCommit => PublicationStage::GitCommit,
            _ => PublicationStage::GitPush,
        };
        self.metrics.observe_publication_stage(stage);
        Ok(())
    }
}

/// What the documents need besides the pinned payload.
struct Context {
    project_slug: String,
    project_name: String,
    revisions: Vec<Revision>,
}

/// The project as it is now (a fallback for payloads without it, §1) and
/// the earlier successful publications, oldest first (the CSAF revision
/// history).
async fn load_context(pool: &PgPool, claimed: &Claimed) -> Result<Context, sqlx::Error> {
    let mut tx = crate::db::begin_as(pool, crate::db::Principal::System).await?;
    let project = sqlx::query!(
        "SELECT p.slug, p.name FROM advisory a JOIN project p ON p.id = a.project_id
         WHERE a.id = $1",
        claimed.advisory_id
    )
    .fetch_one(&mut *tx)
    .await?;
    let revisions = sqlx::query!(
        r#"SELECT v.created_at, v.version,
                  btrim(coalesce(v.payload ->> 'withdrawn_reason', '')) <> '' AS "withdrawn!"
           FROM publication_task t JOIN advisory_version v ON v.id = t.version_id
           WHERE t.advisory_id = $1 AND t.status = 'succeeded' AND t.id <> $2
           ORDER BY t.finished_at, t.id"#,
        claimed.advisory_id,
        claimed.task_id
    )
    .fetch_all(&mut *tx)
    .await?
    .into_iter()
    .map(|r| Revision {
        date: r.created_at,
        version: r.version,
        withdrawn: r.withdrawn,
    })
    .collect();
    tx.commit().await?;
    Ok(Context {
        project_slug: project.slug,
        project_name: project.name,
        revisions,
    })
}
