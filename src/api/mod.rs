//! The hunting APIs: Graph `runHuntingQuery`, Defender `advancedhunting/run` and MDE
//! `advancedqueries/run`: their hosts per cloud, wire types, decoding into `ResultSet`,
//! error mapping and the HTTP client.

pub mod cloud;
pub mod decode;
pub mod error;
pub mod http;
pub mod hunting;

pub use http::{ConfigError, HttpOptions};
pub use hunting::HuntingBackend;
