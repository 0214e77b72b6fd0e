//! Typed, columnar tables and query results, and everything that turns them into text:
//! display, export, sorting. Knows nothing of the network or the UI.

pub mod column;
pub mod export;
pub mod format;
pub mod import;
pub mod schema;
pub mod table;
pub mod time;
pub mod value;

pub use column::{ColumnData, StrVec};
pub use schema::{DefenderSchema, FunctionSchema, TableSchema};
pub use table::{Column, Origin, QueryStats, Refined, ResultSet, SortKey, Table, TableError};
pub use value::{Kind, Value, ValueRef};
