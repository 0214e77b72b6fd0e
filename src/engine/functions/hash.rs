//! Hashes: `hash_sha256`, `hash_sha1` (the `sha2`/`sha1` crates already in the tree),
//! `hash_md5` (RFC 1321, implemented here: 60 lines are lighter than a crate), and `hash`,
//! which Kusto defines as XxHash64 of the text's UTF-8 bytes (implemented here too).
//! Hex digests are lower case, as Kusto prints them.

use super::{Args, FuncDef, Ret, f};
use crate::data::{Kind, Value, ValueRef};

const S: Ret = Ret::K(Kind::String);

pub(super) const FUNCTIONS: &[FuncDef] = &[
    f("hash_sha256", 1, 1, S, hash_sha256),
    f("hash_sha1", 1, 1, S, hash_sha1),
    f("hash_md5", 1, 1, S, hash_md5),
    f("hash", 1, 2, Ret::K(Kind::Long), hash),
];

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

fn hash_sha256(a: &Args<'_>) -> Value {
    use sha2::Digest;
    if a.is_null(0) {
        return Value::Null;
    }
    Value::String(hex(&sha2::Sha256::digest(a.str(0).as_bytes())))
}

fn hash_sha1(a: &Args<'_>) -> Value {
    use sha1::Digest;
    if a.is_null(0) {
        return Value::Null;
    }
    Value::String(hex(&sha1::Sha1::digest(a.str(0).as_bytes())))
}

fn hash_md5(a: &Args<'_>) -> Value {
    if a.is_null(0) {
        return Value::Null;
    }
    Value::String(hex(&md5(a.str(0).as_bytes())))
}

/// `hash(source [, mod])`: XxHash64 of a string; other kinds are hashed over their binary
/// form by Kusto, which is not documented, so they are refused rather than guessed.
fn hash(a: &Args<'_>) -> Value {
    let h = match a.get(0) {
        ValueRef::Null => return Value::Null,
        ValueRef::String(s) => xxh64(s.as_bytes(), 0) as i64,
        other => {
            return a.unsupported(format!(
                "hash() of a {} value (only strings hash as Kusto does)",
                other.kind().map_or("null", |k| k.kql_name())
            ));
        }
    };
    if a.len() > 1 {
        match a.long(1) {
            Some(m) if m > 0 => Value::Long(h.rem_euclid(m)),
            _ => Value::Null,
        }
    } else {
        Value::Long(h)
    }
}

/// MD5 (RFC 1321).
pub(super) fn md5(input: &[u8]) -> [u8; 16] {
    const S: [u32; 64] = [
        7, 12, 17, 22, 7, 12, 17, 22, 7, 12, 17, 22, 7, 12, 17, 22, 5, 9, 14, 20, 5, 9, 14, 20, 5,
        9, 14, 20, 5, 9, 14, 20, 4, 11, 16, 23, 4, 11, 16, 23, 4, 11, 16, 23, 4, 11, 16, 23, 6, 10,
        15, 21, 6, 10, 15, 21, 6, 10, 15, 21, 6, 10, 15, 21,
    ];
    let k: Vec<u32> = (0..64)
        .map(|i| ((i as f64 + 1.0).sin().abs() * 4_294_967_296.0) as u32)
        .collect();
    let mut msg = input.to_vec();
    let bit_len = (input.len() as u64).wrapping_mul(8);
    msg.push(0x80);
    while msg.len() % 64 != 56 {
        msg.push(0);
    }
    msg.extend_from_slice(&bit_len.to_le_bytes());
    let (mut a0, mut b0, mut c0, mut d0) = (
        0x6745_2301u32,
        0xefcd_ab89u32,
        0x98ba_dcfeu32,
        0x1032_5476u32,
    );
    for chunk in msg.chunks(64) {
        let m: Vec<u32> = chunk
            .chunks(4)
            .map(|w| u32::from_le_bytes([w[0], w[1], w[2], w[3]]))
            .collect();
        let (mut a, mut b, mut c, mut d) = (a0, b0, c0, d0);
        for i in 0..64 {
            let (f, g) = match i / 16 {
                0 => ((b & c) | (!b & d), i),
                1 => ((d & b) | (!d & c), (5 * i + 1) % 16),
                2 => (b ^ c ^ d, (3 * i + 5) % 16),
                _ => (c ^ (b | !d), (7 * i) % 16),
            };
            let f = f.wrapping_add(a).wrapping_add(k[i]).wrapping_add(m[g]);
            a = d;
            d = c;
            c = b;
            b = b.wrapping_add(f.rotate_left(S[i]));
        }
        a0 = a0.wrapping_add(a);
        b0 = b0.wrapping_add(b);
        c0 = c0.wrapping_add(c);
        d0 = d0.wrapping_add(d);
    }
    let mut out = [0u8; 16];
    for (i, w) in [a0, b0, c0, d0].iter().enumerate() {
        out[i * 4..i * 4 + 4].copy_from_slice(&w.to_le_bytes());
    }
    out
}

/// XxHash64.
pub(super) fn xxh64(input: &[u8], seed: u64) -> u64 {
    const P1: u64 = 0x9E37_79B1_85EB_CA87;
    const P2: u64 = 0xC2B2_AE3D_27D4_EB4F;
    const P3: u64 = 0x1656_67B1_9E37_79F9;
    const P4: u64 = 0x85EB_CA77_C2B2_AE63;
    const P5: u64 = 0x27D4_EB2F_1656_67C5;
    let read64 = |b: &[u8]| u64::from_le_bytes(b[..8].try_into().unwrap_or([0; 8]));
    let read32 = |b: &[u8]| u32::from_le_bytes(b[..4].try_into().unwrap_or([0; 4])) as u64;
    let round = |acc: u64, lane: u64| {
        acc.wrapping_add(lane.wrapping_mul(P2))
            .rotate_left(31)
            .wrapping_mul(P1)
    };
    let merge = |acc: u64, v: u64| (acc ^ round(0, v)).wrapping_mul(P1).wrapping_add(P4);
    let len = input.len();
    let mut rest = input;
    let mut h = if len >= 32 {
        let mut v = [
            seed.wrapping_add(P1).wrapping_add(P2),
            seed.wrapping_add(P2),
            seed,
            seed.wrapping_sub(P1),
        ];
        while rest.len() >= 32 {
            for (i, lane) in v.iter_mut().enumerate() {
                *lane = round(*lane, read64(&rest[i * 8..]));
            }
            rest = &rest[32..];
        }
        let mut h = v[0]
            .rotate_left(1)
            .wrapping_add(v[1].rotate_left(7))
            .wrapping_add(v[2].rotate_left(12))
            .wrapping_add(v[3].rotate_left(18));
        for lane in v {
            h = merge(h, lane);
        }
        h
    } else {
        seed.wrapping_add(P5)
    };
    h = h.wrapping_add(len as u64);
    while rest.len() >= 8 {
        h = (h ^ round(0, read64(rest)))
            .rotate_left(27)
            .wrapping_mul(P1)
            .wrapping_add(P4);
        rest = &rest[8..];
    }
    if rest.len() >= 4 {
        h = (h ^ read32(rest).wrapping_mul(P1))
            .rotate_left(23)
            .wrapping_mul(P2)
            .wrapping_add(P3);
        rest = &rest[4..];
    }
    for &b in rest {
        h = (h ^ (b as u64).wrapping_mul(P5))
            .rotate_left(11)
            .wrapping_mul(P1);
    }
    h ^= h >> 33;
    h = h.wrapping_mul(P2);
    h ^= h >> 29;
    h = h.wrapping_mul(P3);
    h ^ (h >> 32)
}

#[cfg(test)]
mod tests {
    use super::*;

    // RFC 1321 appendix A.5 test suite.
    #[test]
    fn md5_matches_rfc_1321() {
        assert_eq!(hex(&md5(b"")), "d41d8cd98f00b204e9800998ecf8427e");
        assert_eq!(hex(&md5(b"abc")), "900150983cd24fb0d6963f7d28e17f72");
        assert_eq!(
            hex(&md5(
                b"12345678901234567890123456789012345678901234567890123456789012345678901234567890"
            )),
            "57edf4a22be3c955ac49da2e2107b67a"
        );
    }

    // XXH64 reference values (seed 0): the empty input, and a 32+ byte input.
    #[test]
    fn xxh64_matches_reference() {
        assert_eq!(xxh64(b"", 0), 0xEF46_DB37_51D8_E999);
        assert_eq!(xxh64(b"a", 0), 0xD24E_C4F1_A98C_6E5B);
        assert_eq!(xxh64(b"abc", 0), 0x44BC_2CF5_AD77_0999);
    }
}
