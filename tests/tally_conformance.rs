//! Counting conformance: the snapshot.js voting fixtures (protocol §17), the
//! spec's three-strategy and random-invalid-votes variants, and properties
//! every count must keep.

use std::path::{Path, PathBuf};

use proptest::prelude::*;
use serde_json::{json, Value};
use votehub::tally::{Ballot, Tally, VotingType};

const TOLERANCE: f64 = 1e-9;

/// An owned vote, so ballots can borrow from it.
#[derive(Debug, Clone)]
struct Vote {
    choice: Value,
    balance: f64,
    scores: Vec<f64>,
}

fn ballots(votes: &[Vote]) -> Vec<Ballot<'_>> {
    votes
        .iter()
        .map(|v| Ballot {
            choice: &v.choice,
            balance: v.balance,
            scores: &v.scores,
        })
        .collect()
}

fn fixture_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures/voting")
}

/// Every `fixtures/voting/*.json`, sorted by name, with its voting type.
fn fixtures() -> Vec<(String, VotingType, Value)> {
    let mut paths: Vec<PathBuf> = std::fs::read_dir(fixture_dir())
        .expect("fixtures/voting exists")
        .map(|e| e.expect("readable entry").path())
        .filter(|p| p.extension().is_some_and(|e| e == "json"))
        .collect();
    paths.sort();
    paths
        .into_iter()
        .map(|path| {
            let stem = path.file_stem().unwrap().to_str().unwrap().to_owned();
            let kind = VotingType::parse(&stem)
                .unwrap_or_else(|| panic!("{stem}.json does not name a voting type"));
            let text = std::fs::read_to_string(&path).unwrap();
            let data = parse_exact(&text);
            assert_eq!(data["type"], stem.as_str(), "{stem}.json declares its type");
            (stem, kind, data)
        })
        .collect()
}

/// Parses JSON with every non-integer literal read by Rust's correctly rounded
/// `str::parse::<f64>`. serde_json without its `float_roundtrip` feature may
/// land one ulp off on 17-digit literals, which would hide (or fake) a bit
/// difference against snapshot.js.
fn parse_exact(text: &str) -> Value {
    let mut literals = Vec::new();
    let mut chars = text.char_indices().peekable();
    let mut in_string = false;
    while let Some((at, c)) = chars.next() {
        if in_string {
            match c {
                '\\' => {
                    chars.next();
                }
                '"' => in_string = false,
                _ => {}
            }
        } else if c == '"' {
            in_string = true;
        } else if c == '-' || c.is_ascii_digit() {
            let mut end = at + c.len_utf8();
            while let Some(&(i, d)) = chars.peek() {
                if d.is_ascii_digit() || matches!(d, '.' | 'e' | 'E' | '+' | '-') {
                    end = i + d.len_utf8();
                    chars.next();
                } else {
                    break;
                }
            }
            literals.push(&text[at..end]);
        }
    }
    let mut value: Value = serde_json::from_str(text).unwrap();
    let mut next = literals.into_iter();
    fix_numbers(&mut value, &mut next);
    assert!(next.next().is_none(), "every number literal was matched");
    value
}

/// Walks `value` in document order (serde_json's `preserve_order` is on),
/// replacing each float with the exact reading of its literal.
fn fix_numbers<'a>(value: &mut Value, literals: &mut impl Iterator<Item = &'a str>) {
    match value {
        Value::Number(n) => {
            let literal = literals.next().expect("a literal per number");
            if literal.contains(['.', 'e', 'E']) {
                let exact: f64 = literal.parse().unwrap();
                let loose = n.as_f64().unwrap();
                assert!(rel(exact, loose) <= 1e-15, "{literal} read as {loose}");
                *n = serde_json::Number::from_f64(exact).unwrap();
            }
        }
        Value::Array(items) => items.iter_mut().for_each(|v| fix_numbers(v, literals)),
        Value::Object(map) => map.values_mut().for_each(|v| fix_numbers(v, literals)),
        _ => {}
    }
}

fn case_votes(case: &Value) -> Vec<Vote> {
    case["votes"]
        .as_array()
        .expect("votes")
        .iter()
        .map(|v| Vote {
            choice: v["choice"].clone(),
            balance: v["balance"].as_f64().expect("balance"),
            scores: numbers(&v["scores"]),
        })
        .collect()
}

fn numbers(v: &Value) -> Vec<f64> {
    v.as_array()
        .expect("array of numbers")
        .iter()
        .map(|x| x.as_f64().expect("number"))
        .collect()
}

fn case_shape(case: &Value) -> (usize, usize) {
    (
        case["proposal"]["choices"].as_array().unwrap().len(),
        case["strategies"].as_array().unwrap().len(),
    )
}

fn run(kind: VotingType, case: &Value) -> Tally {
    let (n_choices, n_strategies) = case_shape(case);
    kind.tally(n_choices, n_strategies, &ballots(&case_votes(case)))
}

/// Relative difference, 0 when equal (including both 0).
fn rel(a: f64, b: f64) -> f64 {
    if a == b {
        0.0
    } else {
        (a - b).abs() / a.abs().max(b.abs())
    }
}

fn close(a: f64, b: f64) -> bool {
    rel(a, b) <= TOLERANCE
}

/// Largest relative difference between `got` and whichever of `scores`,
/// `scores_by_strategy`, `scores_total` `want` holds; panics on a shape
/// mismatch.
fn max_rel_against(got: &Tally, want: &Value, what: &str) -> f64 {
    let mut worst = 0.0_f64;
    if let Some(scores) = want.get("scores") {
        let scores = numbers(scores);
        assert_eq!(got.scores.len(), scores.len(), "{what}: scores length");
        for (g, w) in got.scores.iter().zip(&scores) {
            worst = worst.max(rel(*g, *w));
        }
    }
    if let Some(matrix) = want.get("scores_by_strategy") {
        let matrix: Vec<Vec<f64>> = matrix.as_array().unwrap().iter().map(numbers).collect();
        assert_eq!(got.scores_by_strategy.len(), matrix.len(), "{what}: rows");
        for (g_row, w_row) in got.scores_by_strategy.iter().zip(&matrix) {
            assert_eq!(g_row.len(), w_row.len(), "{what}: columns");
            for (g, w) in g_row.iter().zip(w_row) {
                worst = worst.max(rel(*g, *w));
            }
        }
    }
    if let Some(total) = want.get("scores_total") {
        worst = worst.max(rel(got.scores_total, total.as_f64().unwrap()));
    }
    worst
}

fn assert_close_vec(got: &[f64], want: &[f64], what: &str) {
    assert_eq!(got.len(), want.len(), "{what}: length");
    for (i, (g, w)) in got.iter().zip(want).enumerate() {
        assert!(close(*g, *w), "{what}[{i}]: got {g}, want {w}");
    }
}

/// §17's table: the `example` case of each file (copeland: the current
/// values, not the stale ones embedded in upstream's examples/copeland.json).
fn protocol_table(stem: &str) -> (Vec<f64>, f64) {
    match stem {
        "single-choice" => (vec![586.0, 74.0, 59.0, 40.0], 759.0),
        "approval" => (vec![257.0, 171.0, 139.0, 125.0], 406.0),
        "quadratic" => (
            vec![
                284.8896779654694,
                45.02408310751503,
                39.671068856935065,
                24.415170070080556,
            ],
            394.0,
        ),
        "ranked-choice" => (vec![117.0, 0.0, 80.0, 0.0], 197.0),
        "weighted" => (
            vec![
                352.04216474311204,
                89.19288532217655,
                50.07800225903897,
                51.68694767567245,
            ],
            543.0,
        ),
        "copeland" => (vec![1.4871794871794872, 1.0, 0.5128205128205128, 0.0], 3.0),
        other => panic!("no §17 row for {other}"),
    }
}

fn example_case(data: &Value) -> &Value {
    data["cases"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["name"] == "example")
        .expect("an `example` case")
}

#[test]
fn fixtures_cover_every_counted_type() {
    let mut stems: Vec<String> = fixtures().into_iter().map(|(s, _, _)| s).collect();
    stems.sort();
    let mut want: Vec<&str> = VotingType::ALL
        .iter()
        .filter(|t| !matches!(t, VotingType::Basic | VotingType::Custom))
        .map(|t| t.as_str())
        .collect();
    want.sort();
    assert_eq!(stems, want);
}

#[test]
fn every_fixture_case_matches_snapshot_js() {
    let mut report = Vec::new();
    for (stem, kind, data) in fixtures() {
        let mut worst = 0.0_f64;
        let cases = data["cases"].as_array().unwrap();
        assert!(!cases.is_empty(), "{stem}: no cases");
        for case in cases {
            let what = format!("{stem} / {}", case["name"]);
            let got = run(kind, case);
            let (n_choices, n_strategies) = case_shape(case);
            assert_eq!(got.scores.len(), n_choices, "{what}");
            assert!(got
                .scores_by_strategy
                .iter()
                .all(|r| r.len() == n_strategies));
            for (label, want) in [
                ("computed", &case["computed"]),
                ("expected", &case["expected"]),
            ] {
                let d = max_rel_against(&got, want, &what);
                assert!(
                    d <= TOLERANCE,
                    "{what}: {label} differs by {d:e}\n got {got:?}\n want {want}"
                );
                if d > 0.0 {
                    eprintln!(
                        "DIFF {what} {label} {d:e}\n  got {:?}\n  want {}",
                        got, want
                    );
                }
                worst = worst.max(d);
            }
            if stem == "single-choice" {
                // `basic` is counted by the same class.
                assert_eq!(
                    VotingType::Basic.tally(n_choices, n_strategies, &ballots(&case_votes(case))),
                    got
                );
            }
        }
        let (scores, total) = protocol_table(&stem);
        let example = run(kind, example_case(&data));
        assert_close_vec(&example.scores, &scores, &format!("{stem} §17 scores"));
        assert!(close(example.scores_total, total), "{stem} §17 total");
        report.push(format!(
            "{stem}: {} cases, max relative difference {worst:e}",
            cases.len()
        ));
    }
    eprintln!("{}", report.join("\n"));
}

/// The final IRV round upstream's spec asserts, reduced to scores.
#[test]
fn ranked_choice_final_rounds() {
    let data = fixtures()
        .into_iter()
        .find(|(s, _, _)| s == "ranked-choice")
        .unwrap()
        .2;
    for case in data["final_round"].as_array().unwrap() {
        let votes: Vec<Vote> = case_votes(case);
        let got = VotingType::RankedChoice.tally(4, 1, &ballots(&votes));
        let mut scores = [0.0; 4];
        let mut by = [0.0; 4];
        for entry in case["expected"].as_array().unwrap() {
            let choice: usize = entry[0].as_str().unwrap().parse().unwrap();
            scores[choice - 1] = entry[1][0].as_f64().unwrap();
            by[choice - 1] = entry[1][1].get(0).and_then(Value::as_f64).unwrap_or(0.0);
        }
        assert_eq!(got.scores, scores, "{}", case["name"]);
        let column: Vec<f64> = got.scores_by_strategy.iter().map(|r| r[0]).collect();
        assert_eq!(column, by, "{}", case["name"]);
    }
}

#[test]
fn ranked_choice_validity_table() {
    let data = fixtures()
        .into_iter()
        .find(|(s, _, _)| s == "ranked-choice")
        .unwrap()
        .2;
    for row in data["is_valid_choice"].as_array().unwrap() {
        let n = row["choices"].as_array().unwrap().len();
        let want = row["expected"].as_bool().unwrap();
        assert_eq!(
            VotingType::RankedChoice.is_valid_choice(&row["choice"], n),
            want,
            "{}",
            row["choice"]
        );
    }
}

/// Copeland's by-strategy columns: each sums to its strategy's valid total,
/// and with one strategy equal to the balance the column is the headline.
#[test]
fn copeland_scores_by_strategy_are_consistent() {
    let data = fixtures()
        .into_iter()
        .find(|(s, _, _)| s == "copeland")
        .unwrap()
        .2;
    for case in data["cases"].as_array().unwrap() {
        let what = case["name"].to_string();
        let (n_choices, n_strategies) = case_shape(case);
        let votes = case_votes(case);
        let got = VotingType::Copeland.tally(n_choices, n_strategies, &ballots(&votes));
        let valid: Vec<&Vote> = votes
            .iter()
            .filter(|v| VotingType::Copeland.is_valid_choice(&v.choice, n_choices))
            .collect();
        let headline_sum = got.scores.iter().fold(0.0, |s, x| s + x);
        assert!(
            close(headline_sum, got.scores_total),
            "{what}: headline sums to total"
        );
        for k in 0..n_strategies {
            let column_total = valid.iter().fold(0.0, |s, v| s + v.scores[k]);
            let column_sum = got.scores_by_strategy.iter().fold(0.0, |s, r| s + r[k]);
            assert!(
                close(column_sum, column_total),
                "{what}: column {k} sums to {column_total}"
            );
            if valid.iter().all(|v| v.scores[k] == v.balance) {
                let column: Vec<f64> = got.scores_by_strategy.iter().map(|r| r[k]).collect();
                assert_eq!(column, got.scores, "{what}: column {k} is the headline");
            }
        }
    }
    // The stale numbers upstream still embeds must not come back.
    let example = run(VotingType::Copeland, example_case(&data));
    assert_ne!(example.scores, vec![2.5, 2.0, 0.5, 1.0]);
    assert_eq!(example.scores_total, 3.0);
}

/// §17: the spec files rebuild each example with three strategies (balance 3,
/// scores [1, 1, 1] for the examples' balance-1 votes) and expect every score
/// multiplied by 3; each strategy column then repeats the one-strategy result.
#[test]
fn three_strategy_variant_triples_scores() {
    for (stem, kind, data) in fixtures() {
        let case = example_case(&data);
        let (n_choices, n_strategies) = case_shape(case);
        assert_eq!(n_strategies, 1);
        let votes = case_votes(case);
        let base = kind.tally(n_choices, 1, &ballots(&votes));
        let tripled: Vec<Vote> = votes
            .iter()
            .map(|v| Vote {
                choice: v.choice.clone(),
                balance: 3.0 * v.balance,
                scores: vec![v.scores[0]; 3],
            })
            .collect();
        assert!(votes.iter().all(|v| v.balance == 1.0 && v.scores == [1.0]));
        let got = kind.tally(n_choices, 3, &ballots(&tripled));
        let want: Vec<f64> = base.scores.iter().map(|s| 3.0 * s).collect();
        assert_close_vec(&got.scores, &want, &format!("{stem} scores"));
        assert!(
            close(got.scores_total, 3.0 * base.scores_total),
            "{stem} total"
        );
        for (row, base_row) in got.scores_by_strategy.iter().zip(&base.scores_by_strategy) {
            assert_close_vec(row, &[base_row[0]; 3], &format!("{stem} by strategy"));
        }
    }
}

/// A small seeded generator (xorshift64*), so the "random" invalid votes are
/// the same on every run.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }

    fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }

    fn pick(&mut self, items: &[Value]) -> Value {
        items[self.below(items.len())].clone()
    }
}

/// Garbage in the shape of upstream's `votesWithInvalidChoices`: bad numbers,
/// wrong types, arrays and maps of bad entries. Only invalid ones are kept.
fn invalid_choice(rng: &mut Rng, kind: VotingType, n: usize) -> Value {
    let atoms = [
        json!(-1),
        json!(0),
        json!(n + 1),
        json!(1_000_000),
        json!(1.5),
        Value::Null,
        json!("1"),
        json!(true),
    ];
    loop {
        let candidate = match rng.below(4) {
            0 => rng.pick(&atoms),
            1 => {
                let len = rng.below(n + 4);
                let items = (0..len)
                    .map(|_| {
                        if rng.below(3) == 0 {
                            json!(1 + rng.below(n))
                        } else {
                            rng.pick(&atoms)
                        }
                    })
                    .collect();
                Value::Array(items)
            }
            2 => {
                let mut map = serde_json::Map::new();
                for _ in 0..rng.below(4) {
                    let key = match rng.below(4) {
                        0 => (1 + rng.below(n)).to_string(),
                        1 => (n + 1).to_string(),
                        2 => "0".to_owned(),
                        _ => "x".to_owned(),
                    };
                    map.insert(
                        key,
                        rng.pick(&[json!(-1), json!(0), json!(1), json!("2"), Value::Null]),
                    );
                }
                Value::Object(map)
            }
            // Partial rankings: valid for approval, not for the ranked types.
            _ => Value::Array((1..=rng.below(n)).map(|i| json!(i)).collect()),
        };
        if !kind.is_valid_choice(&candidate, n) {
            return candidate;
        }
    }
}

/// §17: about 100 random invalid votes, first or scattered, must not change
/// getScores() (nor the by-strategy matrix); they only add to the total,
/// except for copeland.
#[test]
fn random_invalid_votes_do_not_change_scores() {
    for (stem, kind, data) in fixtures() {
        for case in data["cases"].as_array().unwrap() {
            let (n_choices, n_strategies) = case_shape(case);
            let votes = case_votes(case);
            let base = kind.tally(n_choices, n_strategies, &ballots(&votes));
            let mut rng = Rng(0x5EED_0000_0000_0001 ^ votes.len() as u64);
            let junk: Vec<Vote> = (0..100)
                .map(|i| Vote {
                    choice: invalid_choice(&mut rng, kind, n_choices),
                    balance: (1 + i % 3) as f64,
                    scores: vec![(1 + i % 3) as f64; n_strategies],
                })
                .collect();
            let junk_total = junk.iter().fold(0.0, |s, v| s + v.balance);

            let first: Vec<Vote> = junk.iter().chain(&votes).cloned().collect();
            let mut scattered = votes.clone();
            for v in &junk {
                let at = rng.below(scattered.len() + 1);
                scattered.insert(at, v.clone());
            }
            for (how, mixed) in [("first", first), ("scattered", scattered)] {
                let what = format!("{stem} / {} / junk {how}", case["name"]);
                let got = kind.tally(n_choices, n_strategies, &ballots(&mixed));
                assert_eq!(got.scores, base.scores, "{what}");
                assert_eq!(got.scores_by_strategy, base.scores_by_strategy, "{what}");
                let want_total = if kind == VotingType::Copeland {
                    base.scores_total
                } else {
                    base.scores_total + junk_total
                };
                assert!(close(got.scores_total, want_total), "{what}: total");
            }
        }
    }
}

// ---------------------------------------------------------------------------
// Properties.

const COUNTED: [VotingType; 8] = VotingType::ALL;

/// Choices of every shape, so each type sees valid and invalid ones.
fn any_choice(n: usize) -> BoxedStrategy<Value> {
    let permutation = Just((1..=n).collect::<Vec<usize>>())
        .prop_shuffle()
        .prop_map(|p| json!(p));
    let subset = proptest::sample::subsequence((1..=n).collect::<Vec<usize>>(), 0..=n)
        .prop_shuffle()
        .prop_map(|s| json!(s));
    let weights = proptest::collection::btree_map(0..=n + 1, 0u8..4, 0..=n).prop_map(|m| {
        Value::Object(
            m.into_iter()
                .map(|(k, w)| (k.to_string(), json!(w)))
                .collect(),
        )
    });
    let loose_array =
        proptest::collection::vec(-1i64..=(n as i64 + 1), 0..=n + 1).prop_map(|v| json!(v));
    prop_oneof![
        (-1i64..=(n as i64 + 1)).prop_map(|i| json!(i)),
        permutation,
        subset,
        weights,
        loose_array,
        Just(Value::Null),
        Just(json!("1")),
    ]
    .boxed()
}

/// Integer power per strategy (so sums are exact and order-free), with the
/// balance their sum, as Snapshot's voting power is.
fn any_votes(n_choices: usize, n_strategies: usize) -> impl Strategy<Value = Vec<Vote>> {
    let vote = (
        any_choice(n_choices),
        proptest::collection::vec(0u16..1000, n_strategies),
    )
        .prop_map(|(choice, scores)| {
            let scores: Vec<f64> = scores.into_iter().map(f64::from).collect();
            let balance = scores.iter().sum();
            Vote {
                choice,
                balance,
                scores,
            }
        });
    proptest::collection::vec(vote, 0..24)
}

#[derive(Debug, Clone)]
struct Input {
    kind: VotingType,
    n_choices: usize,
    n_strategies: usize,
    votes: Vec<Vote>,
}

impl Input {
    fn tally(&self, votes: &[Vote]) -> Tally {
        self.kind
            .tally(self.n_choices, self.n_strategies, &ballots(votes))
    }

    fn valid_votes(&self) -> Vec<Vote> {
        self.votes
            .iter()
            .filter(|v| self.kind.is_valid_choice(&v.choice, self.n_choices))
            .cloned()
            .collect()
    }
}

fn any_input() -> impl Strategy<Value = Input> {
    (
        proptest::sample::select(COUNTED.to_vec()),
        1usize..=5,
        1usize..=3,
    )
        .prop_flat_map(|(kind, n_choices, n_strategies)| {
            any_votes(n_choices, n_strategies).prop_map(move |votes| Input {
                kind,
                n_choices,
                n_strategies,
                votes,
            })
        })
}

/// Float sums in quadratic and weighted run over square roots and fractions,
/// so their order shows in the last bits; the others sum exact integers here.
fn order_sensitive(kind: VotingType) -> bool {
    matches!(kind, VotingType::Quadratic | VotingType::Weighted)
}

fn assert_tally_close(a: &Tally, b: &Tally) -> Result<(), TestCaseError> {
    let pairs = a
        .scores
        .iter()
        .zip(&b.scores)
        .chain(
            a.scores_by_strategy
                .iter()
                .flatten()
                .zip(b.scores_by_strategy.iter().flatten()),
        )
        .chain([(&a.scores_total, &b.scores_total)]);
    for (x, y) in pairs {
        prop_assert!(close(*x, *y), "{x} vs {y}\n{a:?}\n{b:?}");
    }
    Ok(())
}

proptest! {
    #![proptest_config(ProptestConfig {
        cases: 512,
        // Never write `proptest-regressions/` files next to the tests.
        failure_persistence: None,
        ..ProptestConfig::default()
    })]

    #[test]
    fn permuting_ballots_changes_nothing(
        (input, shuffled) in any_input().prop_flat_map(|input| {
            let votes = input.votes.clone();
            (Just(input), Just(votes).prop_shuffle())
        })
    ) {
        let a = input.tally(&input.votes);
        let b = input.tally(&shuffled);
        if order_sensitive(input.kind) {
            assert_tally_close(&a, &b)?;
        } else {
            prop_assert_eq!(a, b);
        }
    }

    #[test]
    fn invalid_ballots_never_change_scores(input in any_input()) {
        let all = input.tally(&input.votes);
        let valid = input.tally(&input.valid_votes());
        prop_assert_eq!(&all.scores, &valid.scores);
        prop_assert_eq!(&all.scores_by_strategy, &valid.scores_by_strategy);
        let every_balance = input.votes.iter().fold(0.0, |s, v| s + v.balance);
        let want_total = if input.kind == VotingType::Copeland { valid.scores_total } else { every_balance };
        prop_assert_eq!(all.scores_total, want_total);
    }

    #[test]
    fn scores_add_up_to_the_valid_total(input in any_input()) {
        let valid = input.valid_votes();
        let tally = input.tally(&valid);
        let valid_total = valid.iter().fold(0.0, |s, v| s + v.balance);
        let sum = tally.scores.iter().fold(0.0, |s, x| s + x);
        match input.kind {
            VotingType::SingleChoice | VotingType::Basic => prop_assert_eq!(sum, valid_total),
            VotingType::Quadratic | VotingType::Weighted | VotingType::Copeland => {
                prop_assert!(close(sum, valid_total), "{} vs {}", sum, valid_total)
            }
            _ => {}
        }
        prop_assert_eq!(tally.scores_total, valid_total);
    }

    #[test]
    fn tally_is_deterministic(input in any_input()) {
        let first = serde_json::to_string(&input.tally(&input.votes)).unwrap();
        let again = serde_json::to_string(&input.tally(&input.votes.clone())).unwrap();
        prop_assert_eq!(first, again);
    }
}

/// 18-decimal balances, as real tokens have: whole tokens plus a fraction
/// that is not exact in binary, so float sums depend on their order.
fn fractional_votes(n_choices: usize) -> impl Strategy<Value = Vec<(i64, u64, Value, f64)>> {
    let vote = (
        0i64..50,
        any::<u64>(),
        any_choice(n_choices),
        (0u64..100_000, 0u64..1_000_000_000_000_000_000),
    )
        .prop_map(|(timestamp, id, choice, (whole, fraction))| {
            let power = whole as f64 + fraction as f64 / 1e18;
            (timestamp, id, choice, power)
        });
    proptest::collection::vec(vote, 1..40)
}

proptest! {
    #![proptest_config(ProptestConfig {
        cases: 256,
        failure_persistence: None,
        ..ProptestConfig::default()
    })]

    /// Whatever order votes arrive in (acceptance order, a shuffled copy),
    /// counting them in the canonical order gives byte-identical result JSON
    /// for every voting type: the server and any verifier agree to the bit.
    #[test]
    fn the_canonical_order_makes_results_independent_of_arrival(
        kind in proptest::sample::select(VotingType::ALL.to_vec()),
        n_choices in 1usize..=5,
        seed in any::<u64>(),
        votes in (1usize..=5).prop_flat_map(fractional_votes),
    ) {
        use votehub::tally::outcome::{compute, in_counting_order, CountedVote, Placed, Terms};
        let choices: Vec<String> = (1..=n_choices).map(|i| format!("Choice {i}")).collect();
        let terms = Terms {
            id: "0xp",
            kind: kind.as_str(),
            voting_type: kind,
            choices: &choices,
            strategies: 1,
            quorum: 10.0,
            quorum_type: "",
            end: 0,
        };
        let placed: Vec<Placed> = votes
            .iter()
            .map(|(timestamp, id, choice, power)| Placed {
                timestamp: *timestamp,
                id: format!("0x{id:064x}"),
                vote: CountedVote { choice: choice.clone(), vp: *power, vp_by_strategy: vec![*power] },
            })
            .collect();
        let mut shuffled = placed.clone();
        // A deterministic shuffle from the seed (Fisher–Yates over an LCG).
        let mut state = seed;
        for i in (1..shuffled.len()).rev() {
            state = state.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
            shuffled.swap(i, (state >> 33) as usize % (i + 1));
        }
        let result = |votes: Vec<Placed>| compute(&terms, &in_counting_order(votes), false, 1, 0).to_json();
        prop_assert_eq!(result(placed), result(shuffled));
    }
}
