//! Operating the processes: health probes and metrics.

pub mod bench;
pub mod health;
pub mod maintenance;
pub mod metrics;
pub mod retention;
