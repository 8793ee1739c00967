//! hechuang: innovation vouchers (合创券) and carrier subsidies, end to end.

pub mod claim;
pub mod clock;
pub mod config;
pub mod db;
pub mod domain;
pub mod error;
pub mod files;
pub mod http;
pub mod i18n;
pub mod jobs;
pub mod notify;
pub mod services;
pub mod startup;
pub mod texts;
pub mod web;
