//! The weighted draw without replacement of braintrust-governance §6.5:
//! integer arithmetic and SHA-256 only, so any language reproduces it
//! exactly from the published pool, seed and case id.

use primitive_types::U256;
use sha2::{Digest, Sha256};

use crate::protocol::signature::Address;

/// The 12 bytes every draw hash starts with.
const DOMAIN: &[u8; 12] = b"JURY-DRAW-v1";

/// Why a pool cannot be drawn from.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum DrawError {
    #[error("line {line}: {reason}")]
    Line { line: usize, reason: String },
    #[error("the pool's first line must be `address,weight`")]
    Header,
    #[error("address {0} is listed twice")]
    Duplicate(String),
    #[error("the pool's weights add up to more than 2^256 - 1")]
    Overflow,
}

/// A canonical pool: no zero weight, ascending by address, each address once.
#[derive(Debug, Clone)]
pub struct Pool {
    entries: Vec<([u8; 20], U256)>,
    /// [`Pool::hash`], computed once: a case checks it on every replay.
    hash: std::sync::OnceLock<[u8; 32]>,
}

impl Pool {
    /// The canonical pool of `(address, weight)` pairs given in any order.
    pub fn new(entries: impl IntoIterator<Item = (Address, U256)>) -> Result<Pool, DrawError> {
        let mut entries: Vec<([u8; 20], U256)> = entries
            .into_iter()
            .filter(|(_, weight)| !weight.is_zero())
            .map(|(address, weight)| (*address.as_bytes(), weight))
            .collect();
        entries.sort_unstable_by_key(|(address, _)| *address);
        if let Some(pair) = entries.windows(2).find(|pair| pair[0].0 == pair[1].0) {
            return Err(DrawError::Duplicate(hex_address(&pair[0].0)));
        }
        entries
            .iter()
            .try_fold(U256::zero(), |sum, (_, weight)| sum.checked_add(*weight))
            .ok_or(DrawError::Overflow)?;
        Ok(Pool {
            entries,
            hash: std::sync::OnceLock::new(),
        })
    }

    /// A pool from CSV text: the header `address,weight`, then one
    /// `address,weight` per line (weights as decimal integers).
    pub fn from_csv(text: &str) -> Result<Pool, DrawError> {
        let mut lines = text.lines().enumerate();
        match lines.next() {
            Some((_, header)) if header.trim().eq_ignore_ascii_case("address,weight") => {}
            _ => return Err(DrawError::Header),
        }
        let mut entries = Vec::new();
        for (index, line) in lines {
            let line = line.trim();
            if line.is_empty() {
                continue;
            }
            let fail = |reason: String| DrawError::Line {
                line: index + 1,
                reason,
            };
            let (address, weight) = line
                .split_once(',')
                .ok_or_else(|| fail("expected `address,weight`".into()))?;
            let address = Address::parse_any(address.trim())
                .map_err(|_| fail(format!("not an address: {}", address.trim())))?;
            let weight = weight.trim();
            if weight.is_empty() || !weight.bytes().all(|b| b.is_ascii_digit()) {
                return Err(fail(format!("not a whole number: {weight}")));
            }
            let weight = U256::from_dec_str(weight)
                .map_err(|_| fail(format!("weight too large: {weight}")))?;
            entries.push((address, weight));
        }
        Pool::new(entries)
    }

    pub fn len(&self) -> usize {
        self.entries.len()
    }

    /// The canonical CSV: `address,weight`, then one line per entry in
    /// canonical order, lowercase addresses, decimal weights, `\n` endings.
    /// It is what a case publishes and what `votehub jury draw` reads.
    pub fn to_csv(&self) -> String {
        let mut csv = String::from("address,weight\n");
        use std::fmt::Write as _;
        csv.reserve(self.entries.len() * 64);
        for (address, weight) in &self.entries {
            csv.push_str("0x");
            csv.push_str(&hex::encode(address));
            csv.push(',');
            // U256's decimal form divides 256-bit numbers; any real holding
            // fits 128 bits, whose formatting is native.
            let _ = match u128::try_from(*weight) {
                Ok(small) => write!(csv, "{small}"),
                Err(_) => write!(csv, "{weight}"),
            };
            csv.push('\n');
        }
        csv
    }

    /// SHA-256 of [`Pool::to_csv`]: what an arbitrator signs.
    pub fn hash(&self) -> [u8; 32] {
        *self
            .hash
            .get_or_init(|| Sha256::digest(self.to_csv().as_bytes()).into())
    }

    /// The pool without `drawn` (jurors taken out before a panel's draw).
    pub fn without(&self, drawn: &[[u8; 20]]) -> Pool {
        Pool {
            entries: self
                .entries
                .iter()
                .filter(|(address, _)| !drawn.contains(address))
                .cloned()
                .collect(),
            hash: std::sync::OnceLock::new(),
        }
    }

    pub fn contains(&self, address: &[u8; 20]) -> bool {
        self.entries
            .binary_search_by_key(address, |(entry, _)| *entry)
            .is_ok()
    }

    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }
}

/// `0x` and 40 lowercase hex digits: the canonical form the draw prints.
pub fn hex_address(address: &[u8; 20]) -> String {
    format!("0x{}", hex::encode(address))
}

/// The first `seats` addresses drawn from `pool` with `seed` for `case_id`,
/// in draw order (fewer when the pool runs out). Jurors first, then
/// alternates: drawing more seats extends the list, never reorders it.
pub fn draw(pool: &Pool, seed: &[u8; 32], case_id: &str, seats: usize) -> Vec<[u8; 20]> {
    let mut left = pool.entries.clone();
    let mut total = left
        .iter()
        .fold(U256::zero(), |sum, (_, weight)| sum + *weight);
    let mut selected = Vec::with_capacity(seats.min(left.len()));
    let mut counter: u64 = 0;
    let case = case_id.as_bytes();
    // The hash input up to the counter, which changes per attempt.
    let mut prefix = Vec::with_capacity(DOMAIN.len() + 32 + 4 + case.len());
    prefix.extend_from_slice(DOMAIN);
    prefix.extend_from_slice(seed);
    prefix.extend_from_slice(&u32::try_from(case.len()).unwrap_or(u32::MAX).to_be_bytes());
    prefix.extend_from_slice(case);
    while selected.len() < seats && !left.is_empty() {
        // 2^256 mod W; values at or above 2^256 - that are redrawn, so every
        // remainder is equally likely.
        let excess = (U256::MAX % total + 1) % total;
        let x = loop {
            let hash = Sha256::new()
                .chain_update(&prefix)
                .chain_update(counter.to_be_bytes())
                .finalize();
            counter += 1;
            let r = U256::from_big_endian(&hash);
            if excess.is_zero() || r <= U256::MAX - excess {
                break r % total;
            }
        };
        let mut rest = x;
        let mut index = 0;
        while rest >= left[index].1 {
            rest -= left[index].1;
            index += 1;
        }
        let (address, weight) = left.remove(index);
        total -= weight;
        selected.push(address);
    }
    selected
}

#[cfg(test)]
mod tests {
    use super::*;

    fn seed() -> [u8; 32] {
        let mut seed = [0u8; 32];
        hex::decode_to_slice(
            "52db9ba70e0cc0f6eaf7803dd07447a1f5477735fd3f661792ba94600c84e971",
            &mut seed,
        )
        .unwrap();
        seed
    }

    fn vector_pool(reversed: bool) -> Pool {
        let mut csv = String::from("address,weight\n");
        let mut rows: Vec<String> = [50, 30, 10, 5, 5]
            .iter()
            .enumerate()
            .map(|(i, w)| format!("0x{:040x},{w}\n", i + 1))
            .collect();
        if reversed {
            rows.reverse();
        }
        csv.extend(rows);
        Pool::from_csv(&csv).unwrap()
    }

    fn short(drawn: &[[u8; 20]]) -> Vec<u8> {
        drawn.iter().map(|a| a[19]).collect()
    }

    /// braintrust-governance §6.5's test vector, in both input orders.
    #[test]
    fn the_csv_is_canonical_and_reads_back_for_any_weight() {
        let big = U256::MAX / 3;
        let pool = Pool::new([
            (Address::from_bytes([2; 20]), U256::from(u128::MAX)),
            (Address::from_bytes([1; 20]), big),
            (Address::from_bytes([3; 20]), U256::from(7u8)),
        ])
        .unwrap();
        let csv = pool.to_csv();
        assert_eq!(
            csv,
            format!(
                "address,weight\n0x{},{big}\n0x{},{}\n0x{},7\n",
                "01".repeat(20),
                "02".repeat(20),
                u128::MAX,
                "03".repeat(20)
            )
        );
        assert_eq!(Pool::from_csv(&csv).unwrap().to_csv(), csv);
    }

    #[test]
    fn the_published_test_vector_reproduces() {
        for reversed in [false, true] {
            let pool = vector_pool(reversed);
            assert_eq!(short(&draw(&pool, &seed(), "case-42", 3)), [2, 3, 4]);
            assert_eq!(short(&draw(&pool, &seed(), "case-42", 5)), [2, 3, 4, 1, 5]);
            assert_eq!(short(&draw(&pool, &seed(), "case-42", 9)), [2, 3, 4, 1, 5]);
        }
    }

    /// An independent re-draw: the procedure written out again, as an
    /// auditor would from the text (u128 weights, a fresh pool each pick),
    /// agrees on many seeds and cases.
    #[test]
    fn an_independent_redraw_agrees() {
        fn redraw(pool: &[(u8, u128)], seed: &[u8; 32], case: &str, k: usize) -> Vec<u8> {
            let mut pool: Vec<(u8, u128)> = pool.iter().copied().filter(|p| p.1 > 0).collect();
            pool.sort();
            let (mut out, mut c) = (Vec::new(), 0u64);
            while out.len() < k && !pool.is_empty() {
                let w: u128 = pool.iter().map(|p| p.1).sum();
                let w256 = U256::from(w);
                let x = loop {
                    let mut m = b"JURY-DRAW-v1".to_vec();
                    m.extend_from_slice(seed);
                    m.extend_from_slice(&(case.len() as u32).to_be_bytes());
                    m.extend_from_slice(case.as_bytes());
                    m.extend_from_slice(&c.to_be_bytes());
                    c += 1;
                    let r = U256::from_big_endian(&Sha256::digest(&m));
                    // 2^256 - (2^256 mod W), in 512-bit arithmetic.
                    let two256 = primitive_types::U512::one() << 256;
                    let limit = two256 - (two256 % primitive_types::U512::from(w));
                    if primitive_types::U512::from(r) < limit {
                        break (r % w256).low_u128();
                    }
                };
                let mut acc = 0u128;
                let i = pool
                    .iter()
                    .position(|p| {
                        acc += p.1;
                        x < acc
                    })
                    .unwrap();
                out.push(pool.remove(i).0);
            }
            out
        }
        let weights: [(u8, u128); 7] =
            [(9, 7), (3, 0), (1, 1), (200, 3), (17, 40), (5, 1), (66, 2)];
        let pool = Pool::new(weights.iter().map(|(last, w)| {
            let mut address = [0u8; 20];
            address[19] = *last;
            (Address::from_bytes(address), U256::from(*w))
        }))
        .unwrap();
        for n in 0u8..200 {
            let seed = Sha256::digest([n]).into();
            let case = format!("case-{n}");
            assert_eq!(
                short(&draw(&pool, &seed, &case, 6)),
                redraw(&weights, &seed, &case, 6),
                "seed {n}"
            );
        }
    }

    /// A weight W that divides 2^256 makes the threshold 2^256: nothing is
    /// redrawn; uniform pools (every weight 1) draw everyone once.
    #[test]
    fn uniform_and_power_of_two_pools() {
        let pool = Pool::new((1..=4u8).map(|i| {
            let mut address = [0u8; 20];
            address[0] = i;
            (Address::from_bytes(address), U256::one())
        }))
        .unwrap();
        let mut drawn: Vec<u8> = draw(&pool, &seed(), "uniform", 10)
            .iter()
            .map(|a| a[0])
            .collect();
        assert_eq!(drawn.len(), 4);
        drawn.sort();
        assert_eq!(drawn, [1, 2, 3, 4]);
    }

    #[test]
    fn bad_pools_are_refused_precisely() {
        assert_eq!(
            Pool::from_csv("who,weight\n").unwrap_err(),
            DrawError::Header
        );
        assert_eq!(
            Pool::from_csv("address,weight\n0x0000000000000000000000000000000000000001,1.5\n")
                .unwrap_err(),
            DrawError::Line {
                line: 2,
                reason: "not a whole number: 1.5".into()
            }
        );
        assert_eq!(
            Pool::from_csv("address,weight\nbob,1\n").unwrap_err(),
            DrawError::Line {
                line: 2,
                reason: "not an address: bob".into()
            }
        );
        assert_eq!(
            Pool::from_csv("address,weight\n0x00000000000000000000000000000000000000AA,1\n0x00000000000000000000000000000000000000aa,2\n").unwrap_err(),
            DrawError::Duplicate("0x00000000000000000000000000000000000000aa".into())
        );
        let huge = "115792089237316195423570985008687907853269984665640564039457584007913129639935";
        let csv = format!("address,weight\n0x0000000000000000000000000000000000000001,{huge}\n0x0000000000000000000000000000000000000002,1\n");
        assert_eq!(Pool::from_csv(&csv).unwrap_err(), DrawError::Overflow);
        // Zero weights are left out; an empty pool draws nobody.
        let pool = Pool::from_csv("address,weight\n0x0000000000000000000000000000000000000001,0\n")
            .unwrap();
        assert!(pool.is_empty());
        assert!(draw(&pool, &seed(), "c", 3).is_empty());
    }
}
