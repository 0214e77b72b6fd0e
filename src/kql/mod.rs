//! KQL front end: an error-tolerant lexer and parser with byte spans, the AST that the
//! local engine executes and that completion/lint/highlighting read, and the splitting of
//! an editor buffer into queries the way the Defender portal does (blank-line separated).
//!
//! Entry points: [`parse`] (text → [`Parsed`] tree + diagnostics + tokens), [`lex`],
//! [`query_ranges`] / [`query_at`]. Nothing here panics on any input.

pub mod ast;
pub mod complete;
pub mod diag;
pub mod highlight;
pub mod keywords;
pub mod lexer;
pub mod lint;
pub mod lint_cli;
pub mod lint_names;
pub mod literal;
pub mod parser;
pub mod signatures;
pub mod span;
pub mod split;
pub mod visit;

pub use ast::*;
pub use diag::{Diagnostic, Severity};
pub use keywords::{is_keyword, is_tabular_operator};
pub use lexer::{Token, TokenKind, lex, lex_with_diagnostics};
pub use parser::{MAX_DEPTH, Parsed, parse};
pub use span::Span;
pub use split::{query_at, query_ranges};
pub use visit::{Visitor, for_each_span};
