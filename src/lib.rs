//! kqlhunt: a terminal workbench for threat hunting with KQL against Microsoft Defender
//! advanced hunting. The module map and its boundaries are in DESIGN.md (../shared).

pub mod data;
pub mod demo;
pub mod kql;
pub mod tui;
