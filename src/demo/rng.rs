//! A tiny deterministic PRNG (SplitMix64) and the few helpers the demo generator needs:
//! ranges, picks, jitter, hex digests and base64. No `rand`: the dataset must be the same
//! on every machine and every build for a given `now`.

/// SplitMix64: fast, good enough statistically for fake telemetry, trivially seedable.
#[derive(Clone, Debug)]
pub(crate) struct Rng(u64);

impl Rng {
    pub(crate) fn new(seed: u64) -> Self {
        Rng(seed)
    }

    pub(crate) fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        mix(self.0)
    }

    /// Uniform in `0..n` (0 when `n == 0`).
    pub(crate) fn below(&mut self, n: u64) -> u64 {
        ((self.next_u64() as u128 * n as u128) >> 64) as u64
    }

    /// Uniform in `lo..hi` (`lo` when the range is empty).
    pub(crate) fn range(&mut self, lo: i64, hi: i64) -> i64 {
        if hi <= lo {
            return lo;
        }
        lo + self.below((hi - lo) as u64) as i64
    }

    /// Uniform in `[0, 1)`.
    pub(crate) fn unit(&mut self) -> f64 {
        (self.next_u64() >> 11) as f64 / (1u64 << 53) as f64
    }

    pub(crate) fn chance(&mut self, p: f64) -> bool {
        self.unit() < p
    }

    /// A triangular jitter in `(-spread, spread)`, peaking at zero.
    pub(crate) fn jitter(&mut self, spread: i64) -> i64 {
        ((self.unit() + self.unit() - 1.0) * spread as f64) as i64
    }

    /// One element of a non-empty slice (the generator only picks from constant lists).
    pub(crate) fn pick<'a, T>(&mut self, items: &'a [T]) -> &'a T {
        let i = self.below(items.len() as u64) as usize;
        &items[i.min(items.len().saturating_sub(1))]
    }

    /// Index chosen with the given weights (all zero picks the first).
    pub(crate) fn weighted(&mut self, weights: &[u32]) -> usize {
        let total: u64 = weights.iter().map(|&w| w as u64).sum();
        let mut x = self.below(total);
        for (i, &w) in weights.iter().enumerate() {
            if x < w as u64 {
                return i;
            }
            x -= w as u64;
        }
        0
    }

    /// `n` lower-case hex digits.
    pub(crate) fn hex(&mut self, n: usize) -> String {
        hex_digits(self.next_u64(), n)
    }

    /// A random (version 4) guid.
    pub(crate) fn guid(&mut self) -> u128 {
        let g = ((self.next_u64() as u128) << 64) | self.next_u64() as u128;
        (g & !(0xF000u128 << 64) & !(0xC000u128 << 48)) | (0x4000u128 << 64) | (0x8000u128 << 48)
    }

    /// A guid in its hyphenated text form.
    pub(crate) fn guid_text(&mut self) -> String {
        crate::data::value::format_guid(self.guid())
    }
}

/// The SplitMix64 finaliser.
pub(crate) fn mix(mut z: u64) -> u64 {
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

/// FNV-1a, to derive stable values (hashes, ids) from names.
pub(crate) fn hash_str(s: &str) -> u64 {
    s.bytes().fold(0xCBF2_9CE4_8422_2325, |h, b| {
        (h ^ b as u64).wrapping_mul(0x0100_0000_01B3)
    })
}

/// `n` lower-case hex digits drawn from a stream seeded by `seed`.
pub(crate) fn hex_digits(seed: u64, n: usize) -> String {
    const HEX: &[u8; 16] = b"0123456789abcdef";
    let mut out = String::with_capacity(n);
    let mut state = seed;
    let mut word = 0u64;
    for i in 0..n {
        if i % 16 == 0 {
            state = state.wrapping_add(0x9E37_79B9_7F4A_7C15);
            word = mix(state);
        }
        out.push(HEX[((word >> ((i % 16) * 4)) & 0xF) as usize] as char);
    }
    out
}

/// Fake but stable (sha1, sha256, md5) hex digests for a file identified by `key`.
pub(crate) fn digests(key: &str) -> (String, String, String) {
    let h = hash_str(key);
    (
        hex_digits(h ^ 1, 40),
        hex_digits(h ^ 2, 64),
        hex_digits(h ^ 3, 32),
    )
}

/// Standard base64 with padding.
pub(crate) fn base64(bytes: &[u8]) -> String {
    const TABLE: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut out = String::with_capacity(bytes.len().div_ceil(3) * 4);
    for chunk in bytes.chunks(3) {
        let b = [
            chunk[0],
            chunk.get(1).copied().unwrap_or(0),
            chunk.get(2).copied().unwrap_or(0),
        ];
        let n = ((b[0] as u32) << 16) | ((b[1] as u32) << 8) | b[2] as u32;
        for i in 0..4 {
            if i <= chunk.len() {
                out.push(TABLE[((n >> (18 - 6 * i)) & 63) as usize] as char);
            } else {
                out.push('=');
            }
        }
    }
    out
}

/// What `powershell -EncodedCommand` expects: base64 of the script as UTF-16LE.
pub(crate) fn encode_powershell(script: &str) -> String {
    let bytes: Vec<u8> = script
        .encode_utf16()
        .flat_map(|u| u.to_le_bytes())
        .collect();
    base64(&bytes)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn same_seed_same_stream() {
        let (mut a, mut b) = (Rng::new(7), Rng::new(7));
        for _ in 0..100 {
            assert_eq!(a.next_u64(), b.next_u64());
        }
        assert_ne!(Rng::new(8).next_u64(), Rng::new(7).next_u64());
    }

    #[test]
    fn ranges_stay_in_bounds() {
        let mut r = Rng::new(1);
        for _ in 0..1000 {
            let x = r.range(-5, 5);
            assert!((-5..5).contains(&x));
            let j = r.jitter(100);
            assert!((-100..=100).contains(&j));
            assert!(r.weighted(&[0, 3, 1]) > 0);
        }
        assert_eq!(r.range(3, 3), 3);
        assert_eq!(r.below(0), 0);
    }

    #[test]
    fn hex_and_guid_shapes() {
        let mut r = Rng::new(2);
        let (s1, s256, md5) = digests("C:\\Windows\\System32\\cmd.exe");
        assert_eq!((s1.len(), s256.len(), md5.len()), (40, 64, 32));
        assert!(
            s256.bytes()
                .all(|c| c.is_ascii_hexdigit() && !c.is_ascii_uppercase())
        );
        assert_eq!(r.hex(40).len(), 40);
        let g = r.guid_text();
        assert_eq!(g.len(), 36);
        assert_eq!(&g[14..15], "4");
    }

    #[test]
    fn base64_matches_known_vectors() {
        assert_eq!(base64(b""), "");
        assert_eq!(base64(b"f"), "Zg==");
        assert_eq!(base64(b"fo"), "Zm8=");
        assert_eq!(base64(b"foobar"), "Zm9vYmFy");
        // "ab" in UTF-16LE is 61 00 62 00.
        assert_eq!(encode_powershell("ab"), "YQBiAA==");
    }
}
