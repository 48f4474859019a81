//! AdvisoryHub: the private system of record for security advisories.

pub mod access;
pub mod admin;
pub mod advisories;
pub mod audit;
pub mod auth;
pub mod cache;
pub mod cli;
pub mod comments;
pub mod config;
pub mod cve;
pub mod db;
pub mod demo;
pub mod i18n;
pub mod intake;
pub mod jobs;
pub mod notifications;
pub mod ops;
pub mod publication;
pub mod ratelimit;
pub mod review;
pub mod signals;
pub mod telemetry;
pub mod web;
