//! Operating the processes: health probes and metrics.

pub mod health;
pub mod metrics;
