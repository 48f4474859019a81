//! Prometheus metrics of a process, in one registry per process so tests can
//! build several apps side by side.

use std::time::Duration;

use axum::extract::State;
use axum::http::{HeaderValue, header};
use axum::response::{IntoResponse, Response};
use prometheus::{
    Encoder, HistogramOpts, HistogramVec, IntCounterVec, IntGaugeVec, Opts, Registry, TextEncoder,
};

const JOB_BUCKETS: [f64; 11] = [
    0.001, 0.005, 0.01, 0.05, 0.1, 0.5, 1.0, 5.0, 30.0, 120.0, 600.0,
];
const HTTP_BUCKETS: [f64; 10] = [0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0];
const PUBLICATION_BUCKETS: [f64; 9] = [1.0, 2.5, 5.0, 10.0, 30.0, 60.0, 120.0, 300.0, 600.0];

/// How a publication attempt ended, for `advisoryhub_publication_total`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum PublicationStatus {
    Started,
    Succeeded,
    /// Failed in the pipeline or reaped as stale.
    Failed,
}

/// A publication step, for `advisoryhub_publication_stage_total`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum PublicationStage {
    OsvGenerated,
    CsafGenerated,
    CveGenerated,
    GitCommit,
    GitPush,
    GitPushFailed,
}

/// The publication job's counters and histogram (90-operations §4).
fn publication_metrics() -> prometheus::Result<(IntCounterVec, IntCounterVec, prometheus::Histogram)>
{
    let total = IntCounterVec::new(
        Opts::new(
            "advisoryhub_publication_total",
            "Publication attempts started, succeeded and failed (reaped included).",
        ),
        &["status"],
    )?;
    let stage = IntCounterVec::new(
        Opts::new(
            "advisoryhub_publication_stage_total",
            "Publication steps reached.",
        ),
        &["stage"],
    )?;
    let duration = prometheus::Histogram::with_opts(
        HistogramOpts::new(
            "advisoryhub_publication_duration_seconds",
            "Publication attempts from start to finish.",
        )
        .buckets(PUBLICATION_BUCKETS.to_vec()),
    )?;
    Ok((total, stage, duration))
}

/// The metrics of one process.
#[derive(Clone)]
pub struct Metrics {
    registry: Registry,
    http_requests: IntCounterVec,
    http_duration: HistogramVec,
    job_total: IntCounterVec,
    job_duration: HistogramVec,
    backlog: IntGaugeVec,
    periodic_runs: IntCounterVec,
    rate_limited: IntCounterVec,
    publication_total: IntCounterVec,
    publication_stage: IntCounterVec,
    publication_duration: prometheus::Histogram,
}

impl Metrics {
    /// Registers the catalogue.
    pub fn new() -> prometheus::Result<Metrics> {
        let registry = Registry::new();
        let http_requests = IntCounterVec::new(
            Opts::new(
                "advisoryhub_http_requests_total",
                "HTTP responses by method, matched route template and status.",
            ),
            &["method", "route", "status"],
        )?;
        let http_duration = HistogramVec::new(
            HistogramOpts::new(
                "advisoryhub_http_request_duration_seconds",
                "HTTP request latency by method and matched route template.",
            )
            .buckets(HTTP_BUCKETS.to_vec()),
            &["method", "route"],
        )?;
        let build_info = IntGaugeVec::new(
            Opts::new(
                "advisoryhub_build_info",
                "Always 1; labelled with the version.",
            ),
            &["version"],
        )?;
        build_info
            .with_label_values(&[env!("CARGO_PKG_VERSION")])
            .set(1);
        let job_total = IntCounterVec::new(
            Opts::new("advisoryhub_job_total", "Job runs by job name and outcome."),
            &["job", "status"],
        )?;
        let job_duration = HistogramVec::new(
            HistogramOpts::new(
                "advisoryhub_job_duration_seconds",
                "Job run time by job name.",
            )
            .buckets(JOB_BUCKETS.to_vec()),
            &["job"],
        )?;
        let backlog = IntGaugeVec::new(
            Opts::new(
                "advisoryhub_backlog",
                "Jobs by queue and status (pending, running, dead).",
            ),
            &["queue", "status"],
        )?;
        let periodic_runs = IntCounterVec::new(
            Opts::new(
                "advisoryhub_periodic_runs_total",
                "Periodic ticks by schedule and outcome.",
            ),
            &["schedule", "outcome"],
        )?;
        let rate_limited = IntCounterVec::new(
            Opts::new(
                "advisoryhub_rate_limited_total",
                "Requests refused by a rate limit, by route group.",
            ),
            &["group"],
        )?;
        let (publication_total, publication_stage, publication_duration) = publication_metrics()?;
        for collector in [
            Box::new(http_requests.clone()) as Box<dyn prometheus::core::Collector>,
            Box::new(http_duration.clone()),
            Box::new(build_info),
            Box::new(job_total.clone()),
            Box::new(job_duration.clone()),
            Box::new(backlog.clone()),
            Box::new(periodic_runs.clone()),
            Box::new(rate_limited.clone()),
            Box::new(publication_total.clone()),
            Box::new(publication_stage.clone()),
            Box::new(publication_duration.clone()),
            Box::new(prometheus::process_collector::ProcessCollector::for_self()),
        ] {
            registry.register(collector)?;
        }
        Ok(Metrics {
            registry,
            http_requests,
            http_duration,
            job_total,
            job_duration,
            backlog,
            periodic_runs,
            rate_limited,
            publication_total,
            publication_stage,
            publication_duration,
        })
    }

    /// Counts one HTTP response.
    pub fn observe_http(&self, method: &str, route: &str, status: u16, elapsed: Duration) {
        self.http_requests
            .with_label_values(&[method, route, &status.to_string()])
            .inc();
        self.http_duration
            .with_label_values(&[method, route])
            .observe(elapsed.as_secs_f64());
    }

    /// Counts one job run.
    pub fn observe_job(&self, job: &str, succeeded: bool, elapsed: Duration) {
        let status = if succeeded { "success" } else { "failure" };
        self.job_total.with_label_values(&[job, status]).inc();
        self.job_duration
            .with_label_values(&[job])
            .observe(elapsed.as_secs_f64());
    }

    /// Counts a job moved to the dead-letter state.
    pub fn observe_dead(&self, job: &str) {
        self.job_total.with_label_values(&[job, "dead"]).inc();
    }

    /// Replaces the backlog gauge with fresh counts.
    pub fn set_backlog(&self, rows: &[(String, String, i64)]) {
        self.backlog.reset();
        for (queue, status, n) in rows {
            self.backlog.with_label_values(&[queue, status]).set(*n);
        }
    }

    pub fn observe_periodic(&self, schedule: &str, outcome: &str) {
        self.periodic_runs
            .with_label_values(&[schedule, outcome])
            .inc();
    }

    pub fn observe_rate_limited(&self, group: &str) {
        self.rate_limited.with_label_values(&[group]).inc();
    }

    pub fn observe_publication(&self, status: PublicationStatus) {
        let label = match status {
            PublicationStatus::Started => "started",
            PublicationStatus::Succeeded => "succeeded",
            PublicationStatus::Failed => "failed",
        };
        self.publication_total.with_label_values(&[label]).inc();
    }

    /// Counts `n` tasks the reaper failed.
    pub fn observe_publications_reaped(&self, n: u64) {
        self.publication_total
            .with_label_values(&["failed"])
            .inc_by(n);
    }

    pub fn observe_publication_stage(&self, stage: PublicationStage) {
        let label = match stage {
            PublicationStage::OsvGenerated => "osv_generated",
            PublicationStage::CsafGenerated => "csaf_generated",
            PublicationStage::CveGenerated => "cve_generated",
            PublicationStage::GitCommit => "git_commit",
            PublicationStage::GitPush => "git_push",
            PublicationStage::GitPushFailed => "git_push_failed",
        };
        self.publication_stage.with_label_values(&[label]).inc();
    }

    /// An attempt's time from start to its final status.
    pub fn observe_publication_duration(&self, elapsed: Duration) {
        self.publication_duration.observe(elapsed.as_secs_f64());
    }

    /// The text exposition of every metric.
    pub fn render(&self) -> String {
        let mut buf = Vec::new();
        if let Err(e) = TextEncoder::new().encode(&self.registry.gather(), &mut buf) {
            tracing::error!(error = %e, "metrics encoding failed");
        }
        String::from_utf8_lossy(&buf).into_owned()
    }
}

/// `GET /metrics`.
pub async fn serve(State(metrics): State<Metrics>) -> Response {
    (
        [(
            header::CONTENT_TYPE,
            HeaderValue::from_static("text/plain; version=0.0.4; charset=utf-8"),
        )],
        metrics.render(),
    )
        .into_response()
}
