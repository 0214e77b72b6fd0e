//! The terminal UI: widgets (query editor, results grid) and the theme they draw with.

pub mod editor;
pub mod grid;
pub mod theme;
