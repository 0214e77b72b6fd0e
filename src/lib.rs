//! kqlhunt: a terminal workbench for threat hunting with KQL against Microsoft Defender
//! advanced hunting. The module map and its boundaries are in DESIGN.md (../shared).

pub mod api;
pub mod auth;
pub mod backend;
pub mod cli;
pub mod config;
pub mod crash;
pub mod data;
pub mod demo;
pub mod engine;
pub mod history;
pub mod kql;
pub mod quota;
pub mod tui;
pub mod worker;
