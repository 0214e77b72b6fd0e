//! The KQL syntax tree. Every node carries a `Span`. Shapes are chosen for execution:
//! operators are structured (no token lists), names are unquoted, literals are typed.
//!
//! Conventions:
//! - A bare name or call with no pipe is ambiguous between a table and a scalar; in a
//!   `let` it stays an `Expr` (the engine resolves it), at the top level it is a query.
//! - Parse errors leave `ExprKind::Error` holes and `OpKind::Unknown` operators in place,
//!   so a half-typed query still has a tree.

use super::span::Span;

/// A name with its span (quoted names such as `['a b']` are stored unquoted).
#[derive(Debug, Clone, PartialEq)]
pub struct Ident {
    /// The name, without quotes.
    pub name: String,
    /// Where it is written.
    pub span: Span,
}

/// A whole buffer or query: statements separated by `;`.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Script {
    /// The statements in source order.
    pub statements: Vec<Statement>,
    /// The whole parsed text.
    pub span: Span,
}

impl Script {
    /// The last query statement (the one whose rows a run returns), if any.
    pub fn query(&self) -> Option<&Tabular> {
        self.statements.iter().rev().find_map(|s| match s {
            Statement::Query(t) => Some(t),
            _ => None,
        })
    }

    /// The statement whose span contains `offset` (end inclusive), if any.
    pub fn statement_at(&self, offset: usize) -> Option<&Statement> {
        self.statements.iter().find(|s| s.span().contains(offset))
    }
}

/// A statement: `let`, `set`, `declare`, or a query/expression.
#[derive(Debug, Clone, PartialEq)]
pub enum Statement {
    /// `let name = value`.
    Let(LetStmt),
    /// A tabular expression that produces results.
    Query(Tabular),
    /// A scalar expression in statement position (only valid as a function's result).
    Expr(Expr),
    /// `set name [= value]`.
    Set(SetStmt),
    /// `declare query_parameters (...)`.
    DeclareParams {
        /// The declared parameters.
        params: Vec<Param>,
        /// The whole statement.
        span: Span,
    },
    /// A statement kind kept only as a span (`alias`, `restrict`, `declare pattern`).
    Other {
        /// Its leading keyword.
        keyword: Ident,
        /// The whole statement.
        span: Span,
    },
}

impl Statement {
    /// The statement's span.
    pub fn span(&self) -> Span {
        match self {
            Statement::Let(l) => l.span,
            Statement::Query(t) => t.span,
            Statement::Expr(e) => e.span,
            Statement::Set(s) => s.span,
            Statement::DeclareParams { span, .. } | Statement::Other { span, .. } => *span,
        }
    }
}

/// `let name = value`.
#[derive(Debug, Clone, PartialEq)]
pub struct LetStmt {
    /// The bound name.
    pub name: Ident,
    /// What it is bound to.
    pub value: LetValue,
    /// The whole statement (without the `;`).
    pub span: Span,
}

/// The right-hand side of a `let`.
#[derive(Debug, Clone, PartialEq)]
pub enum LetValue {
    /// A scalar expression, or a bare name/call that may denote a table.
    Expr(Expr),
    /// Definitely tabular: has a pipe, or is `materialize`, `datatable`, `union`, ...
    Tabular(Tabular),
    /// A user function `(params) { body }` or `view (params) { body }`.
    Function(FunctionDef),
}

/// A user-defined function.
#[derive(Debug, Clone, PartialEq)]
pub struct FunctionDef {
    /// Declared parameters.
    pub params: Vec<Param>,
    /// Body statements; the last is the result (`Query` or `Expr`).
    pub body: Vec<Statement>,
    /// True for `view (...) { ... }`.
    pub is_view: bool,
    /// From the parameter list to the closing brace.
    pub span: Span,
}

/// One function parameter: `name: type [= default]`.
#[derive(Debug, Clone, PartialEq)]
pub struct Param {
    /// Parameter name.
    pub name: Ident,
    /// Declared type.
    pub ty: ParamType,
    /// Default value, if any.
    pub default: Option<Expr>,
    /// The whole parameter.
    pub span: Span,
}

/// A parameter type: scalar or tabular.
#[derive(Debug, Clone, PartialEq)]
pub enum ParamType {
    /// A scalar type such as `string`.
    Scalar(ScalarType),
    /// A table: `(*)` is `None`; `(a:string, ...)` lists the required columns.
    Tabular(Option<Vec<ColumnDecl>>),
}

/// `name: type` in a datatable, externaldata or tabular parameter schema.
#[derive(Debug, Clone, PartialEq)]
pub struct ColumnDecl {
    /// Column name.
    pub name: Ident,
    /// Column type.
    pub ty: ScalarType,
    /// The whole declaration.
    pub span: Span,
}

/// KQL scalar types (aliases folded: `double` is `Real`, `date` is `DateTime`, ...).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ScalarType {
    /// `bool`, `boolean`
    Bool,
    /// `int`, `int32`
    Int,
    /// `long`, `int64`
    Long,
    /// `real`, `double`, `float`
    Real,
    /// `decimal`
    Decimal,
    /// `string`
    String,
    /// `datetime`, `date`
    DateTime,
    /// `timespan`, `time`
    TimeSpan,
    /// `guid`, `uuid`, `uniqueid`
    Guid,
    /// `dynamic`
    Dynamic,
}

impl ScalarType {
    /// Parses a type name (any alias), or `None`.
    pub fn from_name(name: &str) -> Option<ScalarType> {
        Some(match name {
            "bool" | "boolean" => ScalarType::Bool,
            "int" | "int32" | "int16" | "int8" | "uint" | "uint8" | "uint16" | "uint32"
            | "byte" | "char" => ScalarType::Int,
            "long" | "int64" | "uint64" | "ulong" => ScalarType::Long,
            "real" | "double" | "float" => ScalarType::Real,
            "decimal" => ScalarType::Decimal,
            "string" => ScalarType::String,
            "datetime" | "date" => ScalarType::DateTime,
            "timespan" | "time" => ScalarType::TimeSpan,
            "guid" | "uuid" | "uniqueid" => ScalarType::Guid,
            "dynamic" => ScalarType::Dynamic,
            _ => return None,
        })
    }

    /// The canonical KQL name.
    pub fn name(self) -> &'static str {
        match self {
            ScalarType::Bool => "bool",
            ScalarType::Int => "int",
            ScalarType::Long => "long",
            ScalarType::Real => "real",
            ScalarType::Decimal => "decimal",
            ScalarType::String => "string",
            ScalarType::DateTime => "datetime",
            ScalarType::TimeSpan => "timespan",
            ScalarType::Guid => "guid",
            ScalarType::Dynamic => "dynamic",
        }
    }
}

/// `set name [= value]`.
#[derive(Debug, Clone, PartialEq)]
pub struct SetStmt {
    /// Option name (dotted names joined with `.`).
    pub name: Ident,
    /// Its value, if given.
    pub value: Option<Expr>,
    /// The whole statement.
    pub span: Span,
}

/// A tabular expression: a source followed by piped operators.
#[derive(Debug, Clone, PartialEq)]
pub struct Tabular {
    /// Where rows come from.
    pub source: Source,
    /// The `| op` pipeline, in order.
    pub ops: Vec<Op>,
    /// Source through last operator.
    pub span: Span,
}

/// The start of a pipeline.
#[derive(Debug, Clone, PartialEq)]
pub enum Source {
    /// A table or tabular `let` name; may contain `*` wildcards inside `union`.
    Table(Ident),
    /// A call of a (user or built-in) tabular function: `f(1)`, `table("T")`.
    Call(Call),
    /// `materialize(tabular)`.
    Materialize(Box<Tabular>),
    /// `union ...` in source position.
    Union(Union),
    /// `datatable (schema) [values]`.
    Datatable(Datatable),
    /// `externaldata (schema) [urls] with (props)`.
    ExternalData(ExternalData),
    /// `print a = 1, b`.
    Print(Vec<NamedExpr>),
    /// `range col from a to b step s`.
    Range(Box<RangeSource>),
    /// `search ...` in source position.
    Search(Box<Search>),
    /// `find ...` (kept mostly raw).
    Find(Box<Find>),
    /// A parenthesised tabular expression.
    Paren(Box<Tabular>),
    /// Something that is not a valid source (an error was reported).
    Error(Span),
}

/// A function call `name(args)`.
#[derive(Debug, Clone, PartialEq)]
pub struct Call {
    /// Function name.
    pub name: Ident,
    /// Arguments; tabular arguments are `ExprKind::Tabular`, named ones `ExprKind::NamedArg`.
    pub args: Vec<Expr>,
    /// Name through closing paren.
    pub span: Span,
}

/// `union [params] legs` (source or operator).
#[derive(Debug, Clone, PartialEq)]
pub struct Union {
    /// `kind=`, `withsource=`, `isfuzzy=`, hints.
    pub params: Vec<Property>,
    /// The tables unioned (for the operator, in addition to the piped input).
    pub tables: Vec<Tabular>,
    /// The whole construct.
    pub span: Span,
}

/// `datatable (schema) [values]`; values are row-major.
#[derive(Debug, Clone, PartialEq)]
pub struct Datatable {
    /// Column declarations.
    pub columns: Vec<ColumnDecl>,
    /// All values in row-major order (`columns.len()` per row).
    pub values: Vec<Expr>,
    /// The whole construct.
    pub span: Span,
}

/// `externaldata (schema) [urls] [with (props)]`.
#[derive(Debug, Clone, PartialEq)]
pub struct ExternalData {
    /// Column declarations.
    pub columns: Vec<ColumnDecl>,
    /// Storage URLs (string expressions).
    pub urls: Vec<Expr>,
    /// `with (format="csv", ...)` properties.
    pub props: Vec<Property>,
    /// The whole construct.
    pub span: Span,
}

/// `range col from a to b step s`.
#[derive(Debug, Clone, PartialEq)]
pub struct RangeSource {
    /// Output column.
    pub column: Ident,
    /// Start.
    pub from: Expr,
    /// Inclusive end.
    pub to: Expr,
    /// Step.
    pub step: Expr,
    /// The whole construct.
    pub span: Span,
}

/// `search [kind=..] [in (tables)] predicate`.
#[derive(Debug, Clone, PartialEq)]
pub struct Search {
    /// `kind=case_sensitive` etc.
    pub params: Vec<Property>,
    /// Tables from `in (...)`, empty for the input / all tables.
    pub tables: Vec<Ident>,
    /// The predicate; a bare string literal means "any column has this term".
    pub predicate: Expr,
    /// The whole construct.
    pub span: Span,
}

/// `find [params] [in (tables)] where predicate [project ...]`.
#[derive(Debug, Clone, PartialEq)]
pub struct Find {
    /// `withsource=` etc.
    pub params: Vec<Property>,
    /// Tables from `in (...)`.
    pub tables: Vec<Tabular>,
    /// The `where` predicate.
    pub predicate: Expr,
    /// Columns from `project` / `project-smart`, if given.
    pub project: Vec<Expr>,
    /// The whole construct.
    pub span: Span,
}

/// `name = value` operator parameter or option (`kind=inner`, `hint.strategy=shuffle`).
#[derive(Debug, Clone, PartialEq)]
pub struct Property {
    /// Name; dotted names are joined (`hint.strategy`).
    pub name: Ident,
    /// Value: usually a `Name` (`inner`) or a literal.
    pub value: Expr,
    /// The whole property.
    pub span: Span,
}

/// An expression with optional output names: `e`, `a = e`, `(a, b) = e`.
#[derive(Debug, Clone, PartialEq)]
pub struct NamedExpr {
    /// Output names: empty when implicit, several for tuple assignments.
    pub names: Vec<Ident>,
    /// The expression.
    pub expr: Expr,
    /// The whole item.
    pub span: Span,
}

/// One piped operator.
#[derive(Debug, Clone, PartialEq)]
pub struct Op {
    /// Which operator and its arguments.
    pub kind: OpKind,
    /// From the operator name to its last token (not including `|`).
    pub span: Span,
}

/// A column name pattern with optional `*` wildcards (`project-away Col*`).
#[derive(Debug, Clone, PartialEq)]
pub struct ColumnPattern {
    /// The pattern text, unquoted.
    pub pattern: String,
    /// Where it is.
    pub span: Span,
}

impl ColumnPattern {
    /// True when the pattern contains a `*` wildcard.
    pub fn is_wildcard(&self) -> bool {
        self.pattern.contains('*')
    }

    /// Whether `name` matches this pattern (see [`glob_matches`]).
    pub fn matches(&self, name: &str) -> bool {
        glob_matches(&self.pattern, name)
    }
}

/// KQL's name globbing (`project-away Col*`, `union Device*`): `*` matches any run of
/// characters, everything else matches exactly.
pub fn glob_matches(pattern: &str, name: &str) -> bool {
    let parts: Vec<&str> = pattern.split('*').collect();
    if parts.len() == 1 {
        return pattern == name;
    }
    let mut rest = name;
    for (i, part) in parts.iter().enumerate() {
        if i == 0 {
            let Some(r) = rest.strip_prefix(part) else {
                return false;
            };
            rest = r;
        } else if i == parts.len() - 1 {
            return rest.ends_with(part);
        } else {
            let Some(pos) = rest.find(part) else {
                return false;
            };
            rest = &rest[pos + part.len()..];
        }
    }
    true
}

/// `new = old` in `project-rename`.
#[derive(Debug, Clone, PartialEq)]
pub struct Rename {
    /// New column name.
    pub new: Ident,
    /// Existing column name.
    pub old: Ident,
    /// The whole item.
    pub span: Span,
}

/// Ordering in `project-reorder`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ReorderOrder {
    /// `asc`
    Asc,
    /// `desc`
    Desc,
    /// `granny-asc`
    GrannyAsc,
    /// `granny-desc`
    GrannyDesc,
}

/// One `project-reorder` item.
#[derive(Debug, Clone, PartialEq)]
pub struct ReorderItem {
    /// Column pattern.
    pub pattern: ColumnPattern,
    /// Optional ordering of matched columns.
    pub order: Option<ReorderOrder>,
}

/// A sort key: `expr [asc|desc] [nulls first|last]`.
#[derive(Debug, Clone, PartialEq)]
pub struct SortExpr {
    /// Key.
    pub expr: Expr,
    /// True for descending (the default for `sort`/`order`/`top`).
    pub desc: bool,
    /// `Some(true)` for `nulls first`, `Some(false)` for `nulls last`, `None` for default.
    pub nulls_first: Option<bool>,
    /// The whole item.
    pub span: Span,
}

/// Join flavours.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum JoinKind {
    /// `innerunique` (the default for `join`)
    InnerUnique,
    /// `inner`
    Inner,
    /// `leftouter`
    LeftOuter,
    /// `rightouter`
    RightOuter,
    /// `fullouter`
    FullOuter,
    /// `leftanti` / `anti` / `leftantisemi`
    LeftAnti,
    /// `rightanti` / `rightantisemi`
    RightAnti,
    /// `leftsemi`
    LeftSemi,
    /// `rightsemi`
    RightSemi,
}

impl JoinKind {
    /// Parses a `kind=` value.
    pub fn from_name(s: &str) -> Option<JoinKind> {
        Some(match s {
            "innerunique" => JoinKind::InnerUnique,
            "inner" => JoinKind::Inner,
            "leftouter" => JoinKind::LeftOuter,
            "rightouter" => JoinKind::RightOuter,
            "fullouter" | "outer" => JoinKind::FullOuter,
            "leftanti" | "anti" | "leftantisemi" => JoinKind::LeftAnti,
            "rightanti" | "rightantisemi" => JoinKind::RightAnti,
            "leftsemi" | "semi" => JoinKind::LeftSemi,
            "rightsemi" => JoinKind::RightSemi,
            _ => return None,
        })
    }
}

/// One `on` condition of `join` / `lookup`.
#[derive(Debug, Clone, PartialEq)]
pub enum JoinCondition {
    /// `on Col`: same column name on both sides.
    Same(Ident),
    /// `$left.A == $right.B` (normalised so `left` is the left side's column).
    Equal {
        /// Column of the left (piped) table.
        left: Ident,
        /// Column of the right table.
        right: Ident,
        /// The whole condition.
        span: Span,
    },
    /// Anything else (kept for diagnostics; not a valid equi-join key).
    Expr(Expr),
}

/// `join [params] right on conditions`.
#[derive(Debug, Clone, PartialEq)]
pub struct Join {
    /// `kind=` value; `None` means the default (`innerunique`).
    pub kind: Option<JoinKind>,
    /// Other parameters (`hint.strategy=shuffle`, `hint.remote=...`).
    pub params: Vec<Property>,
    /// The right-hand table.
    pub right: Box<Tabular>,
    /// Join keys.
    pub on: Vec<JoinCondition>,
}

/// One `mv-expand` / `mv-apply` item: `[name =] expr [to typeof(type)]`.
#[derive(Debug, Clone, PartialEq)]
pub struct ExpandItem {
    /// The (optionally renamed) array expression.
    pub item: NamedExpr,
    /// `to typeof(t)` conversion.
    pub to_type: Option<ScalarType>,
}

/// `mv-expand` arguments.
#[derive(Debug, Clone, PartialEq)]
pub struct MvExpand {
    /// `bagexpansion=`, `with_itemindex=` and other parameters.
    pub params: Vec<Property>,
    /// Expanded columns/expressions.
    pub items: Vec<ExpandItem>,
    /// `limit n`.
    pub limit: Option<Expr>,
}

/// `mv-apply` arguments.
#[derive(Debug, Clone, PartialEq)]
pub struct MvApply {
    /// Parameters (`with_itemindex=`).
    pub params: Vec<Property>,
    /// Expanded columns.
    pub items: Vec<ExpandItem>,
    /// `limit n`.
    pub limit: Option<Expr>,
    /// The per-row subquery in `on (...)`, run over the expanded rows.
    pub on: Vec<Op>,
}

/// `parse` flavour.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ParseKind {
    /// Default: literals match exactly, `*` skips.
    Simple,
    /// `kind=regex`: literal parts are regular expressions.
    Regex,
    /// `kind=relaxed`: like simple, failed conversions give nulls.
    Relaxed,
}

/// One piece of a `parse` pattern.
#[derive(Debug, Clone, PartialEq)]
pub enum ParsePart {
    /// A string literal to match (decoded).
    Literal(String),
    /// `*`: skip.
    Star,
    /// `Col[:type]`: capture.
    Column {
        /// Output column.
        name: Ident,
        /// Declared type (default string).
        ty: Option<ScalarType>,
    },
}

/// `parse` / `parse-where` arguments.
#[derive(Debug, Clone, PartialEq)]
pub struct Parse {
    /// Flavour from `kind=`.
    pub kind: ParseKind,
    /// Other parameters (`flags=`).
    pub params: Vec<Property>,
    /// The parsed expression.
    pub expr: Expr,
    /// The pattern pieces.
    pub pattern: Vec<ParsePart>,
}

/// `parse-kv expr as (cols) with (props)`.
#[derive(Debug, Clone, PartialEq)]
pub struct ParseKv {
    /// The parsed expression.
    pub expr: Expr,
    /// Extracted keys and their types.
    pub columns: Vec<ColumnDecl>,
    /// `with (pair_delimiter=..., ...)`.
    pub props: Vec<Property>,
}

/// One aggregate of `make-series`: `[name =] agg [default = v]`.
#[derive(Debug, Clone, PartialEq)]
pub struct SeriesAgg {
    /// The aggregate.
    pub agg: NamedExpr,
    /// Fill value for empty bins.
    pub default: Option<Expr>,
}

/// `make-series` arguments.
#[derive(Debug, Clone, PartialEq)]
pub struct MakeSeries {
    /// `kind=nonempty` and hints.
    pub params: Vec<Property>,
    /// Aggregates.
    pub aggs: Vec<SeriesAgg>,
    /// The axis column (`on`).
    pub on: Expr,
    /// `from` (or `in range` start).
    pub from: Option<Expr>,
    /// `to` (or `in range` stop).
    pub to: Option<Expr>,
    /// `step`.
    pub step: Option<Expr>,
    /// Grouping.
    pub by: Vec<NamedExpr>,
}

/// A `render` property: `title="x"`, `ycolumns=a, b`.
#[derive(Debug, Clone, PartialEq)]
pub struct RenderProp {
    /// Property name.
    pub name: Ident,
    /// Values (several for list-valued properties such as `ycolumns`).
    pub values: Vec<Expr>,
    /// The whole property.
    pub span: Span,
}

/// One `top-nested` clause.
#[derive(Debug, Clone, PartialEq)]
pub struct TopNestedClause {
    /// How many values to keep (`None`: all).
    pub n: Option<Expr>,
    /// `of` expression.
    pub of: NamedExpr,
    /// `with others = value`.
    pub others: Option<Expr>,
    /// `by` aggregate.
    pub by: NamedExpr,
    /// True for `desc` (default), false for `asc`.
    pub desc: bool,
    /// The whole clause.
    pub span: Span,
}

/// Body of `partition by col (...)` or `{ ... }`.
#[derive(Debug, Clone, PartialEq)]
pub enum PartitionBody {
    /// `( ops )`: operators applied to each partition.
    Ops(Vec<Op>),
    /// `{ tabular }`: a query over the partition (referenced as `$input`? by `as`).
    Tabular(Box<Tabular>),
}

/// Every tabular operator.
#[derive(Debug, Clone, PartialEq)]
pub enum OpKind {
    /// `where` / `filter`.
    Where(Expr),
    /// `extend`.
    Extend(Vec<NamedExpr>),
    /// `project`.
    Project(Vec<NamedExpr>),
    /// `project-away`.
    ProjectAway(Vec<ColumnPattern>),
    /// `project-keep`.
    ProjectKeep(Vec<ColumnPattern>),
    /// `project-rename`.
    ProjectRename(Vec<Rename>),
    /// `project-reorder`.
    ProjectReorder(Vec<ReorderItem>),
    /// `summarize [params] aggs [by keys]`.
    Summarize {
        /// Hints.
        params: Vec<Property>,
        /// Aggregates (may be empty: `summarize by x`).
        aggs: Vec<NamedExpr>,
        /// Grouping keys.
        by: Vec<NamedExpr>,
    },
    /// `sort by` / `order by`.
    Sort(Vec<SortExpr>),
    /// `top n by key`.
    Top {
        /// Row count.
        n: Expr,
        /// Key.
        by: SortExpr,
    },
    /// `take` / `limit`.
    Take(Expr),
    /// `distinct cols` (`*` is `ExprKind::Star`).
    Distinct(Vec<Expr>),
    /// `count`.
    Count,
    /// `join`.
    Join(Join),
    /// `lookup`.
    Lookup(Join),
    /// `union` (adds its tables to the piped input).
    Union(Union),
    /// `mv-expand` / `mvexpand`.
    MvExpand(Box<MvExpand>),
    /// `mv-apply` / `mvapply`.
    MvApply(Box<MvApply>),
    /// `parse`.
    Parse(Box<Parse>),
    /// `parse-where`.
    ParseWhere(Box<Parse>),
    /// `parse-kv`.
    ParseKv(ParseKv),
    /// `make-series`.
    MakeSeries(Box<MakeSeries>),
    /// `render chart [with (props)]`.
    Render {
        /// Chart kind (`timechart`, `columnchart`, ...).
        chart: Ident,
        /// Properties.
        props: Vec<RenderProp>,
    },
    /// `evaluate [params] plugin(args)`.
    Evaluate {
        /// Hints.
        params: Vec<Property>,
        /// The plugin call.
        plugin: Call,
        /// Declared output schema after `:`, if any.
        schema: Option<Vec<ColumnDecl>>,
    },
    /// `invoke f(args)`: calls `f` with the input as its first tabular argument.
    Invoke(Call),
    /// `top-nested`.
    TopNested(Vec<TopNestedClause>),
    /// `sample n`.
    Sample(Expr),
    /// `sample-distinct n of expr`.
    SampleDistinct {
        /// Count.
        n: Expr,
        /// Column.
        of: Expr,
    },
    /// `serialize [a = e, ...]`.
    Serialize(Vec<NamedExpr>),
    /// `getschema`.
    GetSchema,
    /// `as [params] name`.
    As {
        /// `hint.materialized=true`.
        params: Vec<Property>,
        /// The name given to the input.
        name: Ident,
    },
    /// `partition [params] by col body`.
    Partition {
        /// Hints.
        params: Vec<Property>,
        /// Partition key.
        by: Expr,
        /// Per-partition query.
        body: PartitionBody,
    },
    /// `search` after a pipe.
    Search(Box<Search>),
    /// `facet by cols [with (ops)]`.
    Facet {
        /// Facet columns.
        by: Vec<Ident>,
        /// Operators from `with (...)`.
        with: Vec<Op>,
    },
    /// `fork (ops) (ops) ...`; names from `as`.
    Fork(Vec<Vec<Op>>),
    /// `reduce by expr [with props]`.
    Reduce {
        /// Expression reduced.
        by: Expr,
        /// Parameters.
        props: Vec<Property>,
    },
    /// `scan`: kept as a span only (not executed locally).
    Scan,
    /// `consume`.
    Consume,
    /// An operator kept only as a span (supported by Kusto, not modelled here).
    Unsupported(Ident),
    /// An unrecognised operator (a diagnostic was reported); tokens skipped to the next `|`.
    Unknown(Ident),
}

/// Binary operators, including every string operator as its own value.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[allow(missing_docs)]
pub enum BinOp {
    Or,
    And,
    Eq,
    NotEq,
    EqCi,
    NotEqCi,
    Lt,
    Le,
    Gt,
    Ge,
    Add,
    Sub,
    Mul,
    Div,
    Mod,
    Has,
    NotHas,
    HasCs,
    NotHasCs,
    HasPrefix,
    NotHasPrefix,
    HasPrefixCs,
    NotHasPrefixCs,
    HasSuffix,
    NotHasSuffix,
    HasSuffixCs,
    NotHasSuffixCs,
    Contains,
    NotContains,
    ContainsCs,
    NotContainsCs,
    StartsWith,
    NotStartsWith,
    StartsWithCs,
    NotStartsWithCs,
    EndsWith,
    NotEndsWith,
    EndsWithCs,
    NotEndsWithCs,
    MatchesRegex,
    /// `has_any`: the right side is an `ExprKind::List`.
    HasAny,
    /// `has_all`: the right side is an `ExprKind::List`.
    HasAll,
    /// `like` (legacy).
    Like,
    /// `notlike` (legacy).
    NotLike,
}

impl BinOp {
    /// Maps an operator word (`has`, `!contains_cs`, ...) to its `BinOp`.
    pub fn from_word(w: &str) -> Option<BinOp> {
        use BinOp::*;
        Some(match w {
            "or" => Or,
            "and" => And,
            "has" => Has,
            "!has" => NotHas,
            "has_cs" => HasCs,
            "!has_cs" => NotHasCs,
            "hasprefix" => HasPrefix,
            "!hasprefix" => NotHasPrefix,
            "hasprefix_cs" => HasPrefixCs,
            "!hasprefix_cs" => NotHasPrefixCs,
            "hassuffix" => HasSuffix,
            "!hassuffix" => NotHasSuffix,
            "hassuffix_cs" => HasSuffixCs,
            "!hassuffix_cs" => NotHasSuffixCs,
            "contains" => Contains,
            "!contains" | "notcontains" => NotContains,
            "contains_cs" | "containscs" => ContainsCs,
            "!contains_cs" | "notcontainscs" => NotContainsCs,
            "startswith" => StartsWith,
            "!startswith" => NotStartsWith,
            "startswith_cs" => StartsWithCs,
            "!startswith_cs" => NotStartsWithCs,
            "endswith" => EndsWith,
            "!endswith" => NotEndsWith,
            "endswith_cs" => EndsWithCs,
            "!endswith_cs" => NotEndsWithCs,
            "has_any" => HasAny,
            "has_all" => HasAll,
            "like" | "likecs" => Like,
            "notlike" | "notlikecs" => NotLike,
            _ => return None,
        })
    }

    /// True for `and` / `or`.
    pub fn is_logical(self) -> bool {
        matches!(self, BinOp::And | BinOp::Or)
    }

    /// True for `+ - * / %`.
    pub fn is_arithmetic(self) -> bool {
        matches!(
            self,
            BinOp::Add | BinOp::Sub | BinOp::Mul | BinOp::Div | BinOp::Mod
        )
    }
}

/// Unary operators.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum UnaryOp {
    /// `-x`
    Neg,
    /// `+x`
    Plus,
}

/// Typed literal values.
#[derive(Debug, Clone, PartialEq)]
pub enum Literal {
    /// A string (escapes decoded, adjacent literals concatenated).
    String(String),
    /// A `long` (plain integer literals are longs).
    Long(i64),
    /// An `int(...)` literal.
    Int(i32),
    /// A `real`.
    Real(f64),
    /// A `decimal(...)` literal, kept as text.
    Decimal(String),
    /// `true` / `false` / `bool(...)`.
    Bool(bool),
    /// `datetime(...)` contents, trimmed (e.g. `2024-01-01T10:00:00Z`).
    DateTime(String),
    /// A timespan in ticks of 100 ns.
    TimeSpan(i64),
    /// `guid(...)` contents, trimmed.
    Guid(String),
    /// `dynamic(...)` as JSON.
    Dynamic(Box<serde_json::Value>),
    /// A typed null such as `long(null)` or `datetime(null)`.
    Null(ScalarType),
    /// `typeof(t)`.
    Type(ScalarType),
}

/// An expression and its span.
#[derive(Debug, Clone, PartialEq)]
pub struct Expr {
    /// What it is.
    pub kind: ExprKind,
    /// Where it is.
    pub span: Span,
}

/// Expression forms.
#[derive(Debug, Clone, PartialEq)]
pub enum ExprKind {
    /// A literal.
    Literal(Literal),
    /// A column, `let` name, or `$left`/`$right`.
    Name(String),
    /// `f(args)`: scalar functions, aggregates, `bin`, `ago`, `now`, `toscalar(...)`.
    Call(Call),
    /// `lhs op rhs`.
    Binary {
        /// Operator.
        op: BinOp,
        /// Left operand.
        lhs: Box<Expr>,
        /// Right operand.
        rhs: Box<Expr>,
    },
    /// `-x` / `+x`.
    Unary {
        /// Operator.
        op: UnaryOp,
        /// Operand.
        expr: Box<Expr>,
    },
    /// `x in (list)`, `!in`, `in~`, `!in~`; list items may be `Tabular` subqueries.
    In {
        /// Tested value.
        expr: Box<Expr>,
        /// Candidates.
        list: Vec<Expr>,
        /// `!in`.
        negated: bool,
        /// `in~`.
        case_insensitive: bool,
    },
    /// `x between (low .. high)` / `!between`.
    Between {
        /// Tested value.
        expr: Box<Expr>,
        /// Inclusive low bound.
        low: Box<Expr>,
        /// Inclusive high bound.
        high: Box<Expr>,
        /// `!between`.
        negated: bool,
    },
    /// `a.b`.
    Member {
        /// Object.
        expr: Box<Expr>,
        /// Member name.
        name: Ident,
    },
    /// `a[i]` / `a["k"]`.
    Index {
        /// Object.
        expr: Box<Expr>,
        /// Index or key.
        index: Box<Expr>,
    },
    /// A parenthesised list: the right side of `has_any` / `has_all`.
    List(Vec<Expr>),
    /// `name = value` inside a call's argument list.
    NamedArg {
        /// Argument name.
        name: Ident,
        /// Value.
        value: Box<Expr>,
    },
    /// A tabular expression used as a value (`toscalar(T | ...)`, `in (T | ...)`).
    Tabular(Box<Tabular>),
    /// `*` (in `arg_max(x, *)`, `distinct *`, ...).
    Star,
    /// A hole left by a parse error.
    Error,
}

impl Expr {
    /// An error hole at `span`.
    pub fn error(span: Span) -> Expr {
        Expr {
            kind: ExprKind::Error,
            span,
        }
    }

    /// The name if this is a plain `Name`.
    pub fn as_name(&self) -> Option<&str> {
        match &self.kind {
            ExprKind::Name(n) => Some(n),
            _ => None,
        }
    }
}
