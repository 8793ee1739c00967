//! One integration binary (fast to link): every module below runs against a real
//! server on a random port with its own fresh database.

mod audit;
mod auth;
mod authz;
mod backup;
mod browser;
mod catalogue;
mod certification;
mod claims;
mod cli;
mod crash;
mod faults;
mod firms;
mod fuzz;
mod helpers;
mod hostile;
mod isolation;
mod jobs;
mod lottery;
mod mail;
mod migrations;
mod ops;
mod orders;
mod password;
mod portal;
mod processes;
mod providers;
mod races;
mod redemptions;
mod register;
mod schema_parity;
mod settlement;
mod subsidies;
mod uploads;
mod web;
mod web_work;
