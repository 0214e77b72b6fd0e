//! Dynamic values: `parse_json` and its aliases, property and index access, arrays, sets
//! and property bags. A dynamic cell is stored as compact JSON text; functions parse it with
//! serde_json (insertion order kept) and write the result back as JSON. A string argument
//! that holds JSON is accepted where a dynamic is expected (files and CSV results carry
//! JSON as text), which is what `parse_json` over the column would give.

use serde_json::{Map, Value as J};

use super::{Args, FuncDef, Ret, f};
use crate::data::format::{json_value, plain_text};
use crate::data::{Kind, Value, ValueRef};

const D: Ret = Ret::K(Kind::Dynamic);

pub(super) const FUNCTIONS: &[FuncDef] = &[
    f("parse_json", 1, 1, D, parse_json),
    f("parsejson", 1, 1, D, parse_json),
    f("todynamic", 1, 1, D, parse_json),
    f("toobject", 1, 1, D, parse_json),
    f(
        "dynamic_to_json",
        1,
        1,
        Ret::K(Kind::String),
        dynamic_to_json,
    ),
    f("array_length", 1, 1, Ret::K(Kind::Long), array_length),
    f("array_index_of", 2, 5, Ret::K(Kind::Long), array_index_of),
    f("array_slice", 3, 3, D, array_slice),
    f("array_concat", 1, 64, D, array_concat),
    f("array_reverse", 1, 1, D, array_reverse),
    f("array_sort_asc", 1, 2, D, array_sort_asc),
    f("array_sort_desc", 1, 2, D, array_sort_desc),
    f("array_sum", 1, 1, Ret::K(Kind::Real), array_sum),
    f("array_iff", 3, 3, D, array_iff),
    f("array_iif", 3, 3, D, array_iff),
    f("array_shift_left", 2, 3, D, array_shift_left),
    f("array_rotate_left", 2, 2, D, array_rotate_left),
    f("array_split", 2, 2, D, array_split),
    f("set_union", 1, 64, D, set_union),
    f("set_intersect", 1, 64, D, set_intersect),
    f("set_difference", 1, 64, D, set_difference),
    f("set_has_element", 2, 2, Ret::K(Kind::Bool), set_has_element),
    f("jaccard_index", 2, 2, Ret::K(Kind::Real), jaccard_index),
    f("pack_array", 1, 8192, D, pack_array),
    f("pack", 0, 8192, D, pack),
    f("bag_pack", 0, 8192, D, pack),
    // What `pack_all(true)` compiles to: pairs whose value is null or empty are left out.
    f("bag_pack_nonempty", 0, 8192, D, pack_nonempty),
    f("pack_dictionary", 0, 8192, D, pack),
    f("bag_keys", 1, 1, D, bag_keys),
    f("bag_has_key", 2, 2, Ret::K(Kind::Bool), bag_has_key),
    f("bag_merge", 1, 64, D, bag_merge),
    f("bag_remove_keys", 2, 2, D, bag_remove_keys),
    f("bag_set_key", 3, 3, D, bag_set_key),
    f("extractjson", 2, 3, Ret::F(extract_json_kind), extract_json),
    f(
        "extract_json",
        2,
        3,
        Ret::F(extract_json_kind),
        extract_json,
    ),
    f("gettype", 1, 1, Ret::K(Kind::String), gettype),
    f("zip", 1, 16, D, zip),
    f("range", 2, 3, D, range),
];

/// The JSON a value stands for inside a dynamic (strings stay strings).
pub fn to_json(v: ValueRef<'_>) -> J {
    json_value(v)
}

/// A dynamic result from JSON (JSON null is a null value).
pub fn from_json(j: J) -> Value {
    if j.is_null() {
        Value::Null
    } else {
        Value::Dynamic(j.to_string())
    }
}

/// The JSON of a dynamic-ish argument: a dynamic value, or a string holding JSON.
/// Other kinds (and text that is not JSON) give `None`.
pub fn as_json(v: ValueRef<'_>) -> Option<J> {
    match v {
        ValueRef::Dynamic(j) => serde_json::from_str(j).ok(),
        ValueRef::String(s) => serde_json::from_str(s).ok(),
        _ => None,
    }
}

/// The array in argument `v`, if it is one.
fn as_array(v: ValueRef<'_>) -> Option<Vec<J>> {
    match as_json(v)? {
        J::Array(a) => Some(a),
        _ => None,
    }
}

/// The property bag in argument `v`, if it is one.
fn as_bag(v: ValueRef<'_>) -> Option<Map<String, J>> {
    match as_json(v)? {
        J::Object(m) => Some(m),
        _ => None,
    }
}

/// A scalar inside a dynamic as a plain value: numbers become long or real, strings
/// strings, bools bools. Arrays and bags stay dynamic; JSON null is `None`.
pub fn unwrap_scalar(v: ValueRef<'_>) -> Option<Value> {
    let ValueRef::Dynamic(text) = v else {
        return Some(v.to_owned());
    };
    unwrap_scalar_json(serde_json::from_str::<J>(text).ok()?)
}

/// As `unwrap_scalar`, for parsed JSON.
pub fn unwrap_scalar_json(j: J) -> Option<Value> {
    Some(match j {
        J::Null => return None,
        J::Bool(b) => Value::Bool(b),
        J::Number(n) => match n.as_i64() {
            Some(i) => Value::Long(i),
            None => Value::Real(n.as_f64()?),
        },
        J::String(s) => Value::String(s),
        other => Value::Dynamic(other.to_string()),
    })
}

/// `parse_json(x)`: a dynamic stays as it is; a string is parsed, or kept as a dynamic
/// string when it is not JSON; other scalars become the dynamic of their value.
fn parse_json(a: &Args<'_>) -> Value {
    match a.get(0) {
        ValueRef::Null => Value::Null,
        ValueRef::Dynamic(j) => Value::Dynamic(j.to_owned()),
        ValueRef::String(s) => match serde_json::from_str::<J>(s) {
            Ok(j) => from_json(j),
            Err(_) => Value::Dynamic(J::String(s.to_owned()).to_string()),
        },
        other => from_json(to_json(other)),
    }
}

fn dynamic_to_json(a: &Args<'_>) -> Value {
    match a.get(0) {
        ValueRef::Null => Value::String("null".into()),
        ValueRef::Dynamic(j) => Value::String(j.to_owned()),
        other => Value::String(to_json(other).to_string()),
    }
}

/// One step of a path: `.name` / `["name"]`, or `[index]` (negative counts from the end).
#[derive(Debug, Clone, PartialEq)]
pub enum Step {
    Key(String),
    Index(i64),
}

/// Walk `steps` from `root`. Keys on arrays and indexes on bags give nothing.
pub fn walk<'j>(root: &'j J, steps: &[Step]) -> Option<&'j J> {
    let mut cur = root;
    for step in steps {
        cur = match (cur, step) {
            (J::Object(m), Step::Key(k)) => m.get(k)?,
            (J::Array(a), Step::Index(i)) => {
                let i = if *i < 0 { a.len() as i64 + i } else { *i };
                a.get(usize::try_from(i).ok()?)?
            }
            (J::Object(m), Step::Index(i)) => m.get(&i.to_string())?,
            _ => return None,
        };
    }
    Some(cur)
}

/// Property/index access on a value: dynamic values, and strings that hold JSON objects or
/// arrays. A missing path is null.
pub fn access(v: ValueRef<'_>, steps: &[Step]) -> Value {
    let Some(root) = as_json(v) else {
        return Value::Null;
    };
    match walk(&root, steps) {
        Some(j) => from_json(j.clone()),
        None => Value::Null,
    }
}

fn array_length(a: &Args<'_>) -> Value {
    as_array(a.get(0)).map_or(Value::Null, |v| Value::Long(v.len() as i64))
}

/// Two JSON values equal the way `array_index_of` and `set_has_element` compare them.
fn same(x: &J, y: &J) -> bool {
    match (x, y) {
        (J::Number(a), J::Number(b)) => a.as_f64() == b.as_f64(),
        _ => x == y,
    }
}

fn array_index_of(a: &Args<'_>) -> Value {
    let Some(arr) = as_array(a.get(0)) else {
        return Value::Null;
    };
    if a.is_null(1) {
        return Value::Long(-1);
    }
    let needle = to_json(a.get(1));
    let len = arr.len() as i64;
    let norm = |i: i64| if i < 0 { (len + i).max(0) } else { i };
    let start = a.long(2).map_or(0, norm);
    let length = if a.len() > 3 && !a.is_null(3) {
        a.long(3).unwrap_or(-1)
    } else {
        -1
    };
    let occurrence = if a.len() > 4 {
        a.long(4).unwrap_or(1)
    } else {
        1
    };
    if start > len || occurrence == 0 {
        return Value::Long(-1);
    }
    let end = if length < 0 {
        len
    } else {
        (start + length).min(len)
    };
    let hits = (start..end).filter(|&i| same(&arr[i as usize], &needle));
    let hit = if occurrence > 0 {
        hits.clone().nth(occurrence as usize - 1)
    } else {
        let all: Vec<i64> = hits.collect();
        all.len()
            .checked_sub(occurrence.unsigned_abs() as usize)
            .map(|i| all[i])
    };
    Value::Long(hit.unwrap_or(-1))
}

fn array_slice(a: &Args<'_>) -> Value {
    let Some(arr) = as_array(a.get(0)) else {
        return Value::Null;
    };
    let (Some(s), Some(e)) = (a.long(1), a.long(2)) else {
        return Value::Null;
    };
    let len = arr.len() as i64;
    let norm = |i: i64| if i < 0 { len + i } else { i };
    let (s, e) = (norm(s).max(0), norm(e).min(len - 1));
    if s > e || s >= len {
        return Value::Dynamic("[]".into());
    }
    from_json(J::Array(arr[s as usize..=e as usize].to_vec()))
}

fn array_concat(a: &Args<'_>) -> Value {
    let mut out = Vec::new();
    for i in 0..a.len() {
        match as_array(a.get(i)) {
            Some(arr) => out.extend(arr),
            None => return Value::Null,
        }
    }
    from_json(J::Array(out))
}

fn array_reverse(a: &Args<'_>) -> Value {
    as_array(a.get(0)).map_or(Value::Null, |mut v| {
        v.reverse();
        from_json(J::Array(v))
    })
}

/// Kusto sorts arrays by type first, then value; nulls go last unless asked otherwise.
fn json_order(x: &J, y: &J) -> std::cmp::Ordering {
    fn rank(j: &J) -> u8 {
        match j {
            J::Bool(_) => 0,
            J::Number(_) => 1,
            J::String(_) => 2,
            J::Array(_) => 3,
            J::Object(_) => 4,
            J::Null => 5,
        }
    }
    match (x, y) {
        (J::Number(a), J::Number(b)) => a
            .as_f64()
            .unwrap_or(0.0)
            .total_cmp(&b.as_f64().unwrap_or(0.0)),
        (J::String(a), J::String(b)) => a.cmp(b),
        (J::Bool(a), J::Bool(b)) => a.cmp(b),
        _ => rank(x)
            .cmp(&rank(y))
            .then_with(|| x.to_string().cmp(&y.to_string())),
    }
}

fn sort_array(a: &Args<'_>, descending: bool) -> Value {
    let Some(mut arr) = as_array(a.get(0)) else {
        return Value::Null;
    };
    let nulls_last = a.bool(1).unwrap_or(true);
    let (mut nulls, mut vals): (Vec<J>, Vec<J>) = arr.drain(..).partition(J::is_null);
    vals.sort_by(json_order);
    if descending {
        vals.reverse();
    }
    if nulls_last {
        vals.append(&mut nulls);
        from_json(J::Array(vals))
    } else {
        nulls.append(&mut vals);
        from_json(J::Array(nulls))
    }
}

fn array_sort_asc(a: &Args<'_>) -> Value {
    sort_array(a, false)
}

fn array_sort_desc(a: &Args<'_>) -> Value {
    sort_array(a, true)
}

fn array_sum(a: &Args<'_>) -> Value {
    let Some(arr) = as_array(a.get(0)) else {
        return Value::Null;
    };
    let mut sum = 0.0;
    for j in &arr {
        match j.as_f64() {
            Some(x) => sum += x,
            None => return Value::Null,
        }
    }
    Value::Real(sum)
}

fn array_iff(a: &Args<'_>) -> Value {
    let Some(cond) = as_array(a.get(0)) else {
        return Value::Null;
    };
    let pick = |i: usize, k: usize| match as_array(a.get(i)) {
        Some(arr) => arr.get(k).cloned().unwrap_or(J::Null),
        None => to_json(a.get(i)),
    };
    let out = cond
        .iter()
        .enumerate()
        .map(|(k, c)| match c {
            J::Bool(true) => pick(1, k),
            J::Bool(false) => pick(2, k),
            J::Number(n) if n.as_f64().is_some_and(|x| x != 0.0) => pick(1, k),
            J::Number(_) => pick(2, k),
            _ => J::Null,
        })
        .collect();
    from_json(J::Array(out))
}

fn array_shift_left(a: &Args<'_>) -> Value {
    let Some(arr) = as_array(a.get(0)) else {
        return Value::Null;
    };
    let n = a.long(1).unwrap_or(0);
    let fill = if a.len() > 2 {
        to_json(a.get(2))
    } else {
        J::Null
    };
    let len = arr.len() as i64;
    let out = (0..len)
        .map(|i| {
            let src = i + n;
            if (0..len).contains(&src) {
                arr[src as usize].clone()
            } else {
                fill.clone()
            }
        })
        .collect();
    from_json(J::Array(out))
}

fn array_rotate_left(a: &Args<'_>) -> Value {
    let Some(mut arr) = as_array(a.get(0)) else {
        return Value::Null;
    };
    if !arr.is_empty() {
        let n = a.long(1).unwrap_or(0).rem_euclid(arr.len() as i64) as usize;
        arr.rotate_left(n);
    }
    from_json(J::Array(arr))
}

fn array_split(a: &Args<'_>) -> Value {
    let Some(arr) = as_array(a.get(0)) else {
        return Value::Null;
    };
    let len = arr.len() as i64;
    let mut cuts: Vec<i64> = match as_array(a.get(1)) {
        Some(idx) => idx.iter().filter_map(J::as_i64).collect(),
        None => a.long(1).into_iter().collect(),
    };
    for c in &mut cuts {
        if *c < 0 {
            *c += len;
        }
        *c = (*c).clamp(0, len);
    }
    cuts.sort_unstable();
    let mut out = Vec::new();
    let mut from = 0;
    for c in cuts.into_iter().chain([len]) {
        out.push(J::Array(arr[from as usize..c.max(from) as usize].to_vec()));
        from = c.max(from);
    }
    from_json(J::Array(out))
}

/// Distinct values of several arrays, in first-seen order.
fn distinct(items: impl IntoIterator<Item = J>) -> Vec<J> {
    let mut out: Vec<J> = Vec::new();
    for j in items {
        if !out.iter().any(|o| same(o, &j)) {
            out.push(j);
        }
    }
    out
}

fn arrays(a: &Args<'_>) -> Option<Vec<Vec<J>>> {
    (0..a.len()).map(|i| as_array(a.get(i))).collect()
}

fn set_union(a: &Args<'_>) -> Value {
    arrays(a).map_or(Value::Null, |all| {
        from_json(J::Array(distinct(all.into_iter().flatten())))
    })
}

fn set_intersect(a: &Args<'_>) -> Value {
    let Some(all) = arrays(a) else {
        return Value::Null;
    };
    let mut iter = all.into_iter();
    let first = distinct(iter.next().unwrap_or_default());
    let rest: Vec<Vec<J>> = iter.collect();
    let out = first
        .into_iter()
        .filter(|x| rest.iter().all(|r| r.iter().any(|y| same(x, y))))
        .collect();
    from_json(J::Array(out))
}

fn set_difference(a: &Args<'_>) -> Value {
    let Some(all) = arrays(a) else {
        return Value::Null;
    };
    let mut iter = all.into_iter();
    let first = distinct(iter.next().unwrap_or_default());
    let rest: Vec<Vec<J>> = iter.collect();
    let out = first
        .into_iter()
        .filter(|x| !rest.iter().any(|r| r.iter().any(|y| same(x, y))))
        .collect();
    from_json(J::Array(out))
}

/// `jaccard_index(a, b)`: |distinct(a) ∩ distinct(b)| / |distinct(a) ∪ distinct(b)|.
fn jaccard_index(a: &Args<'_>) -> Value {
    let (Some(x), Some(y)) = (as_array(a.get(0)), as_array(a.get(1))) else {
        return Value::Null;
    };
    let (x, y) = (distinct(x), distinct(y));
    let inter = x.iter().filter(|v| y.iter().any(|w| same(v, w))).count();
    let union = x.len() + y.len() - inter;
    if union == 0 {
        return Value::Null;
    }
    Value::Real(inter as f64 / union as f64)
}

fn set_has_element(a: &Args<'_>) -> Value {
    let Some(arr) = as_array(a.get(0)) else {
        return Value::Null;
    };
    let needle = to_json(a.get(1));
    Value::Bool(arr.iter().any(|x| same(x, &needle)))
}

/// `pack_array(a, b, ...)`: nulls stay in the array as JSON null.
fn pack_array(a: &Args<'_>) -> Value {
    from_json(J::Array(a.v.iter().map(|v| to_json(*v)).collect()))
}

/// `pack("k1", v1, "k2", v2, ...)` / `bag_pack` / `pack_dictionary`.
fn pack(a: &Args<'_>) -> Value {
    let mut m = Map::new();
    for pair in a.v.chunks(2) {
        let key = plain_text(pair[0]).into_owned();
        let value = pair.get(1).map_or(J::Null, |v| to_json(*v));
        m.insert(key, value);
    }
    Value::Dynamic(J::Object(m).to_string())
}

fn pack_nonempty(a: &Args<'_>) -> Value {
    let mut m = Map::new();
    for pair in a.v.chunks(2) {
        match pair.get(1) {
            None | Some(ValueRef::Null) | Some(ValueRef::String("")) => {}
            Some(v) => {
                m.insert(plain_text(pair[0]).into_owned(), to_json(*v));
            }
        }
    }
    Value::Dynamic(J::Object(m).to_string())
}

fn bag_keys(a: &Args<'_>) -> Value {
    as_bag(a.get(0)).map_or(Value::Null, |m| {
        from_json(J::Array(m.keys().cloned().map(J::String).collect()))
    })
}

fn bag_has_key(a: &Args<'_>) -> Value {
    let Some(m) = as_bag(a.get(0)) else {
        return Value::Null;
    };
    let key = a.str(1);
    // A JSONPath-like key (`$.a.b` or `['a']`) walks into nested bags.
    let steps = match key.strip_prefix("$.").or_else(|| key.strip_prefix('$')) {
        Some(path) => match parse_path(&format!("$.{path}")) {
            Some(s) => s,
            None => return Value::Bool(false),
        },
        None => vec![Step::Key(key.into_owned())],
    };
    Value::Bool(walk(&J::Object(m), &steps).is_some())
}

fn bag_merge(a: &Args<'_>) -> Value {
    let mut out = Map::new();
    for i in 0..a.len() {
        if let Some(m) = as_bag(a.get(i)) {
            for (k, v) in m {
                out.entry(k).or_insert(v);
            }
        }
    }
    Value::Dynamic(J::Object(out).to_string())
}

fn bag_remove_keys(a: &Args<'_>) -> Value {
    let Some(mut m) = as_bag(a.get(0)) else {
        return Value::Null;
    };
    let Some(keys) = as_array(a.get(1)) else {
        return Value::Null;
    };
    for k in keys {
        if let J::String(k) = k {
            m.shift_remove(&k);
        }
    }
    Value::Dynamic(J::Object(m).to_string())
}

fn bag_set_key(a: &Args<'_>) -> Value {
    let Some(mut m) = as_bag(a.get(0)) else {
        return Value::Null;
    };
    m.insert(a.str(1).into_owned(), to_json(a.get(2)));
    Value::Dynamic(J::Object(m).to_string())
}

fn zip(a: &Args<'_>) -> Value {
    let Some(all) = arrays(a) else {
        return Value::Null;
    };
    let n = all.iter().map(Vec::len).max().unwrap_or(0);
    let out = (0..n)
        .map(|i| {
            J::Array(
                all.iter()
                    .map(|v| v.get(i).cloned().unwrap_or(J::Null))
                    .collect(),
            )
        })
        .collect();
    from_json(J::Array(out))
}

/// The most elements `range()` builds (Kusto's own limit).
const RANGE_LIMIT: usize = 1_048_576;

/// `range(start, stop [, step])`: an array from start to stop inclusive; numbers (step 1 by
/// default), or datetimes and timespans with a timespan step (1 day by default).
fn range(a: &Args<'_>) -> Value {
    use crate::data::time::TICKS_PER_DAY;
    let step = |default: J| {
        if a.len() > 2 {
            to_json(a.get(2))
        } else {
            default
        }
    };
    let ticks = |v: ValueRef<'_>| match v {
        ValueRef::DateTime(t) | ValueRef::TimeSpan(t) => Some(t),
        _ => None,
    };
    match (a.get(0), a.get(1)) {
        (ValueRef::DateTime(_) | ValueRef::TimeSpan(_), _) => {
            let (Some(x), Some(y)) = (ticks(a.get(0)), ticks(a.get(1))) else {
                return Value::Null;
            };
            let s = if a.len() > 2 {
                match a.get(2) {
                    ValueRef::TimeSpan(s) => s,
                    _ => return Value::Null,
                }
            } else {
                TICKS_PER_DAY
            };
            let is_dt = matches!(a.get(0), ValueRef::DateTime(_));
            let mut out = Vec::new();
            let mut t = x;
            while (s > 0 && t <= y) || (s < 0 && t >= y) {
                if out.len() >= RANGE_LIMIT {
                    return a.unsupported(format!("range() of more than {RANGE_LIMIT} elements"));
                }
                let v = if is_dt {
                    ValueRef::DateTime(t)
                } else {
                    ValueRef::TimeSpan(t)
                };
                out.push(to_json(v));
                t = match t.checked_add(s) {
                    Some(n) => n,
                    None => break,
                };
            }
            from_json(J::Array(out))
        }
        (x, y) => {
            let all_int = [x, y]
                .iter()
                .all(|v| matches!(v, ValueRef::Int(_) | ValueRef::Long(_)))
                && (a.len() < 3 || matches!(a.get(2), ValueRef::Int(_) | ValueRef::Long(_)));
            let (Some(x), Some(y), Some(s)) = (
                super::real_of(x),
                super::real_of(y),
                step(J::from(1)).as_f64(),
            ) else {
                return Value::Null;
            };
            if s == 0.0 || !s.is_finite() || ((y - x) / s) as usize >= RANGE_LIMIT {
                return if s == 0.0 || !s.is_finite() {
                    Value::Null
                } else {
                    a.unsupported(format!("range() of more than {RANGE_LIMIT} elements"))
                };
            }
            let n = ((y - x) / s).floor();
            if n < 0.0 {
                return Value::Dynamic("[]".into());
            }
            let out = (0..=n as usize)
                .map(|i| {
                    let v = x + s * i as f64;
                    if all_int {
                        J::from(v as i64)
                    } else {
                        J::from(v)
                    }
                })
                .collect();
            from_json(J::Array(out))
        }
    }
}

/// Parse a JSONPath of the simple form Kusto accepts: `$`, `.name`, `['name']`, `["name"]`,
/// `[index]`.
pub fn parse_path(path: &str) -> Option<Vec<Step>> {
    let rest = path.trim().strip_prefix('$')?;
    let mut steps = Vec::new();
    let mut s = rest;
    while !s.is_empty() {
        if let Some(r) = s.strip_prefix('.') {
            let end = r.find(['.', '[']).unwrap_or(r.len());
            if end == 0 {
                return None;
            }
            steps.push(Step::Key(r[..end].to_string()));
            s = &r[end..];
        } else if let Some(r) = s.strip_prefix('[') {
            let close = r.find(']')?;
            let inner = r[..close].trim();
            if let Some(q) = inner
                .strip_prefix('\'')
                .and_then(|x| x.strip_suffix('\''))
                .or_else(|| inner.strip_prefix('"').and_then(|x| x.strip_suffix('"')))
            {
                steps.push(Step::Key(q.to_string()));
            } else {
                steps.push(Step::Index(inner.parse().ok()?));
            }
            s = &r[close + 1..];
        } else {
            return None;
        }
    }
    Some(steps)
}

fn extract_json_kind(kinds: &[Kind]) -> Kind {
    // The optional third argument is `typeof(T)`, compiled as a typed null of that kind.
    kinds.get(2).copied().unwrap_or(Kind::String)
}

/// `extractjson(path, text [, typeof(T)])`: the element at `path`, as text unless a type
/// is given. Invalid JSON or a missing element is null (empty for strings).
fn extract_json(a: &Args<'_>) -> Value {
    let want = a.v.get(2).and_then(|_| a.prep_kind());
    let path = a.str(0);
    let found = parse_path(&path).and_then(|steps| {
        let root: J = match a.get(1) {
            ValueRef::Dynamic(j) => serde_json::from_str(j).ok()?,
            other => serde_json::from_str(&plain_text(other)).ok()?,
        };
        walk(&root, &steps).cloned()
    });
    let Some(j) = found else {
        return Value::Null;
    };
    let text = match &j {
        J::String(s) => s.clone(),
        J::Null => return Value::Null,
        other => other.to_string(),
    };
    match want {
        None | Some(Kind::String) => Value::String(text),
        Some(Kind::Dynamic) => from_json(j),
        Some(k) => super::convert(ValueRef::String(&text), k),
    }
}

impl Args<'_> {
    /// The kind named by a trailing `typeof(T)` argument (a typed null at run time is
    /// indistinguishable, so the compiler passes the kind as a `Prepared` hint instead).
    fn prep_kind(&self) -> Option<Kind> {
        self.prep.and_then(|p| p.kind)
    }
}

/// `gettype(x)`: the type name of the value, looking inside dynamic values.
fn gettype(a: &Args<'_>) -> Value {
    let name = match a.get(0) {
        ValueRef::Null => "null",
        ValueRef::Dynamic(j) => match serde_json::from_str::<J>(j) {
            Ok(J::Array(_)) => "array",
            Ok(J::Object(_)) => "dictionary",
            Ok(J::String(_)) => "string",
            Ok(J::Bool(_)) => "bool",
            Ok(J::Number(n)) if n.is_i64() || n.is_u64() => "long",
            Ok(J::Number(_)) => "real",
            Ok(J::Null) | Err(_) => "null",
        },
        ValueRef::Bool(_) => "bool",
        ValueRef::Int(_) => "int",
        ValueRef::Long(_) => "long",
        ValueRef::Real(_) => "real",
        ValueRef::String(_) => "string",
        ValueRef::DateTime(_) => "datetime",
        ValueRef::TimeSpan(_) => "timespan",
        ValueRef::Guid(_) => "guid",
    };
    Value::String(name.into())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::functions::long_of;

    #[test]
    fn paths_parse() {
        assert_eq!(
            parse_path("$.a['b c'][2]"),
            Some(vec![
                Step::Key("a".into()),
                Step::Key("b c".into()),
                Step::Index(2)
            ])
        );
        assert_eq!(parse_path("$"), Some(vec![]));
        assert_eq!(parse_path("a.b"), None);
    }

    #[test]
    fn negative_index_counts_from_the_end() {
        let j: J = serde_json::from_str("[1,2,3]").unwrap();
        assert_eq!(walk(&j, &[Step::Index(-1)]), Some(&J::from(3)));
        assert_eq!(walk(&j, &[Step::Index(3)]), None);
        assert_eq!(long_of(ValueRef::Dynamic("3")), Some(3));
    }
}
