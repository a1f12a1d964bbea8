//! `math`: an operation (`square-root`, `min`, `divide`, ...) applied, address
//! by address, to the scores of other strategies and to constants, as
//! Snapshot's `math` strategy does.
//!
//! The whole tree of operands is parsed and checked before anything is read,
//! then every nested strategy is scored once for the whole batch through
//! [`crate::REGISTRY`] with the same source. Nested `math` is evaluated here,
//! keeping its raw values (negative, NaN) as Snapshot passes them on; only the
//! outermost result drops what Snapshot's score API drops (anything not > 0).

use std::collections::HashMap;

use serde_json::Value;

use crate::{find, params_error, Context, Strategy, StrategyError, StrategySpec};

const NAME: &str = "math";

/// The deepest nesting of `math` inside `math`, counting the outermost.
const MAX_DEPTH: usize = 8;

/// The most strategy operands, at every depth together, one `math` may hold.
/// Without a bound, a space could nest `math` so that scoring one voter
/// evaluates exponentially many strategies.
const MAX_STRATEGY_OPERANDS: usize = 32;

/// An operation over the scores of other strategies and constants.
pub struct Math;

impl Strategy for Math {
    fn name(&self) -> &'static str {
        NAME
    }

    fn scores(
        &self,
        context: &Context<'_>,
        params: &Value,
        addresses: &[String],
    ) -> Result<Vec<f64>, StrategyError> {
        let node = Parser::default().node(params, "", 1)?;
        let mut evaluator = Evaluator {
            context,
            addresses,
            cache: HashMap::new(),
        };
        let raw = evaluator.node(&node, context.network)?;
        // Snapshot's score API keeps only values > 0: NaN, negatives and zero
        // are "no power". +Infinity would pass that filter and then serialise
        // as `null`; it can only come from absurd constants, so it is an error.
        raw.into_iter()
            .zip(addresses)
            .map(|(value, address)| {
                if value == f64::INFINITY {
                    Err(StrategyError::Failed {
                        strategy: NAME,
                        reason: format!("the result for {address} is not a finite number"),
                    })
                } else if value > 0.0 {
                    Ok(value)
                } else {
                    Ok(0.0)
                }
            })
            .collect()
    }
}

/// Snapshot's operations, with the number of operands each takes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Operation {
    SquareRoot,
    CubeRoot,
    Multiply,
    Min,
    Max,
    AIfLtB,
    AIfLteB,
    AIfGtB,
    AIfGteB,
    Minus,
    Divide,
}

impl Operation {
    const ALL: [Operation; 11] = [
        Operation::SquareRoot,
        Operation::CubeRoot,
        Operation::Multiply,
        Operation::Min,
        Operation::Max,
        Operation::AIfLtB,
        Operation::AIfLteB,
        Operation::AIfGtB,
        Operation::AIfGteB,
        Operation::Minus,
        Operation::Divide,
    ];

    fn name(self) -> &'static str {
        match self {
            Operation::SquareRoot => "square-root",
            Operation::CubeRoot => "cube-root",
            Operation::Multiply => "multiply",
            Operation::Min => "min",
            Operation::Max => "max",
            Operation::AIfLtB => "a-if-lt-b",
            Operation::AIfLteB => "a-if-lte-b",
            Operation::AIfGtB => "a-if-gt-b",
            Operation::AIfGteB => "a-if-gte-b",
            Operation::Minus => "minus",
            Operation::Divide => "divide",
        }
    }

    fn operand_count(self) -> usize {
        match self {
            Operation::SquareRoot | Operation::CubeRoot => 1,
            Operation::Multiply
            | Operation::Min
            | Operation::Max
            | Operation::Minus
            | Operation::Divide => 2,
            Operation::AIfLtB | Operation::AIfLteB | Operation::AIfGtB | Operation::AIfGteB => 3,
        }
    }
}

/// One `math` params object, parsed and checked.
struct Node {
    operation: Operation,
    operands: Vec<Operand>,
}

enum Operand {
    Constant(f64),
    /// A strategy other than `math`, scored through the registry.
    Strategy {
        strategy: &'static dyn Strategy,
        network: Option<String>,
        params: Value,
    },
    /// A nested `math`, evaluated here so that its raw values reach the parent.
    Math {
        network: Option<String>,
        node: Node,
    },
}

/// Parses a `math` params tree, counting strategy operands against the bound.
#[derive(Default)]
struct Parser {
    strategy_operands: usize,
}

/// A params error at `path` (`operands[0].strategy.params`), or at the top.
fn error_at(path: &str, reason: impl std::fmt::Display) -> StrategyError {
    if path.is_empty() {
        params_error(NAME, reason.to_string())
    } else {
        params_error(NAME, format!("{path}: {reason}"))
    }
}

fn join(path: &str, key: &str) -> String {
    if path.is_empty() {
        key.to_string()
    } else {
        format!("{path}.{key}")
    }
}

impl Parser {
    /// `{operands, operation}`, or the v0.1.0 form `{strategy, operation}`.
    fn node(&mut self, params: &Value, path: &str, depth: usize) -> Result<Node, StrategyError> {
        let Some(object) = params.as_object() else {
            return Err(error_at(
                path,
                "params must be an object {operands, operation}",
            ));
        };
        // Snapshot tests these for truthiness: null is the same as absent.
        let legacy = object.get("strategy").filter(|value| !value.is_null());
        let operands = object.get("operands").filter(|value| !value.is_null());
        let operand_values: Vec<(&Value, String)> = match (legacy, operands) {
            (Some(_), Some(_)) => {
                return Err(error_at(
                    path,
                    "only one of `strategy` (the v0.1.0 form) and `operands` can be used",
                ))
            }
            // v0.1.0: `strategy` is the single operand.
            (Some(strategy), None) => vec![(strategy, join(path, "strategy"))],
            (None, Some(Value::Array(list))) => list
                .iter()
                .enumerate()
                .map(|(index, operand)| (operand, join(path, &format!("operands[{index}]"))))
                .collect(),
            (None, Some(_)) => return Err(error_at(path, "`operands` must be an array")),
            (None, None) => return Err(error_at(path, "`operands` is missing")),
        };
        let operation = match object.get("operation") {
            None | Some(Value::Null) => return Err(error_at(path, "`operation` is missing")),
            Some(value) => value
                .as_str()
                .and_then(|name| {
                    Operation::ALL
                        .into_iter()
                        .find(|operation| operation.name() == name)
                })
                .ok_or_else(|| {
                    let names: Vec<&str> = Operation::ALL.iter().map(|op| op.name()).collect();
                    error_at(
                        path,
                        format!("operation {value} is not one of {}", names.join(", ")),
                    )
                })?,
        };
        if operand_values.len() != operation.operand_count() {
            return Err(error_at(
                path,
                format!(
                    "operation '{}' takes {} operand(s), got {}",
                    operation.name(),
                    operation.operand_count(),
                    operand_values.len()
                ),
            ));
        }
        let operands = if legacy.is_some() {
            operand_values
                .into_iter()
                .map(|(strategy, path)| self.strategy(strategy, &path, depth))
                .collect::<Result<_, _>>()?
        } else {
            operand_values
                .into_iter()
                .map(|(operand, path)| self.operand(operand, &path, depth))
                .collect::<Result<_, _>>()?
        };
        Ok(Node {
            operation,
            operands,
        })
    }

    /// `{type: "strategy", strategy}` or `{type: "constant", value}`.
    fn operand(
        &mut self,
        operand: &Value,
        path: &str,
        depth: usize,
    ) -> Result<Operand, StrategyError> {
        match operand.get("type").and_then(Value::as_str) {
            Some("constant") => operand
                .get("value")
                .and_then(Value::as_f64)
                .filter(|value| value.is_finite())
                .map(Operand::Constant)
                .ok_or_else(|| error_at(path, "a constant operand needs a numeric `value`")),
            Some("strategy") => match operand.get("strategy") {
                Some(strategy) => self.strategy(strategy, &join(path, "strategy"), depth),
                None => Err(error_at(
                    path,
                    "a strategy operand needs `strategy`: {name, network?, params}",
                )),
            },
            _ => Err(error_at(
                path,
                "an operand must be {\"type\": \"strategy\", \"strategy\": {...}} or {\"type\": \"constant\", \"value\": <number>}",
            )),
        }
    }

    /// `{name, network?, params}`: a nested `math` is parsed now, any other
    /// strategy is looked up in the registry.
    fn strategy(
        &mut self,
        strategy: &Value,
        path: &str,
        depth: usize,
    ) -> Result<Operand, StrategyError> {
        let spec: StrategySpec = serde_json::from_value(strategy.clone()).map_err(|error| {
            error_at(
                path,
                format!("a strategy must be {{name, network?, params}}: {error}"),
            )
        })?;
        self.strategy_operands += 1;
        if self.strategy_operands > MAX_STRATEGY_OPERANDS {
            return Err(error_at(
                path,
                format!("math holds more than {MAX_STRATEGY_OPERANDS} strategy operands"),
            ));
        }
        if spec.name == NAME {
            if depth >= MAX_DEPTH {
                return Err(error_at(
                    path,
                    format!("math nests more than {MAX_DEPTH} levels deep"),
                ));
            }
            let node = self.node(&spec.params, &join(path, "params"), depth + 1)?;
            return Ok(Operand::Math {
                network: spec.network,
                node,
            });
        }
        let found = find(&spec.name).ok_or_else(|| StrategyError::Unknown(spec.name.clone()))?;
        Ok(Operand::Strategy {
            strategy: found,
            network: spec.network,
            params: spec.params,
        })
    }
}

/// Scores a parsed tree over one batch. A nested strategy that appears more
/// than once with the same network and params is scored once.
struct Evaluator<'e> {
    context: &'e Context<'e>,
    addresses: &'e [String],
    cache: HashMap<(&'static str, String, String), Vec<f64>>,
}

impl Evaluator<'_> {
    /// The raw values of `node`, read on `network` unless an operand names its own.
    fn node(&mut self, node: &Node, network: &str) -> Result<Vec<f64>, StrategyError> {
        let operands = node
            .operands
            .iter()
            .map(|operand| self.operand(operand, network))
            .collect::<Result<Vec<_>, _>>()?;
        apply(node.operation, &operands)
    }

    fn operand(&mut self, operand: &Operand, network: &str) -> Result<Vec<f64>, StrategyError> {
        match operand {
            Operand::Constant(value) => Ok(vec![*value; self.addresses.len()]),
            Operand::Math { network: own, node } => {
                self.node(node, own.as_deref().unwrap_or(network))
            }
            Operand::Strategy {
                strategy,
                network: own,
                params,
            } => {
                let network = own.as_deref().unwrap_or(network);
                let key = (strategy.name(), network.to_string(), params.to_string());
                if let Some(scores) = self.cache.get(&key) {
                    return Ok(scores.clone());
                }
                let context = Context {
                    network,
                    snapshot: self.context.snapshot,
                    source: self.context.source,
                };
                let scores = strategy.scores(&context, params, self.addresses)?;
                if scores.len() != self.addresses.len() {
                    return Err(StrategyError::Failed {
                        strategy: NAME,
                        reason: format!(
                            "strategy '{}' returned {} score(s) for {} address(es)",
                            strategy.name(),
                            scores.len(),
                            self.addresses.len()
                        ),
                    });
                }
                self.cache.insert(key, scores.clone());
                Ok(scores)
            }
        }
    }
}

/// The operation, address by address, with JavaScript's float semantics.
fn apply(operation: Operation, operands: &[Vec<f64>]) -> Result<Vec<f64>, StrategyError> {
    fn each2(x: &[f64], a: &[f64], f: impl Fn(f64, f64) -> f64) -> Vec<f64> {
        x.iter().zip(a).map(|(x, a)| f(*x, *a)).collect()
    }
    fn each3(x: &[f64], a: &[f64], b: &[f64], f: impl Fn(f64, f64, f64) -> f64) -> Vec<f64> {
        x.iter()
            .zip(a)
            .zip(b)
            .map(|((x, a), b)| f(*x, *a, *b))
            .collect()
    }
    Ok(match (operation, operands) {
        (Operation::SquareRoot, [x]) => x.iter().map(|x| x.sqrt()).collect(),
        (Operation::CubeRoot, [x]) => x.iter().map(|x| js_cbrt(*x)).collect(),
        (Operation::Multiply, [x, a]) => each2(x, a, |x, a| x * a),
        (Operation::Min, [x, a]) => each2(x, a, js_min),
        (Operation::Max, [x, a]) => each2(x, a, js_max),
        (Operation::AIfLtB, [x, a, b]) => each3(x, a, b, |x, a, b| if x < b { a } else { x }),
        (Operation::AIfLteB, [x, a, b]) => each3(x, a, b, |x, a, b| if x <= b { a } else { x }),
        (Operation::AIfGtB, [x, a, b]) => each3(x, a, b, |x, a, b| if x > b { a } else { x }),
        (Operation::AIfGteB, [x, a, b]) => each3(x, a, b, |x, a, b| if x >= b { a } else { x }),
        (Operation::Minus, [x, a]) => each2(x, a, |x, a| if x > a { x - a } else { 0.0 }),
        (Operation::Divide, [x, a]) => {
            // Snapshot throws for the whole batch when any divisor is 0.
            if a.contains(&0.0) {
                return Err(StrategyError::Failed {
                    strategy: NAME,
                    reason: "Cannot divide by zero!".into(),
                });
            }
            each2(x, a, |x, a| x / a)
        }
        // The parser checked the count; this is only reached by a bug.
        (operation, operands) => {
            return Err(params_error(
                NAME,
                format!(
                    "operation '{}' takes {} operand(s), got {}",
                    operation.name(),
                    operation.operand_count(),
                    operands.len()
                ),
            ))
        }
    })
}

/// `Math.min(a, b)`: NaN if either is NaN, and -0 is less than +0.
fn js_min(a: f64, b: f64) -> f64 {
    if a.is_nan() || b.is_nan() {
        f64::NAN
    } else if a == b {
        if a.is_sign_negative() {
            a
        } else {
            b
        }
    } else if a < b {
        a
    } else {
        b
    }
}

/// `Math.max(a, b)`: NaN if either is NaN, and +0 is greater than -0.
fn js_max(a: f64, b: f64) -> f64 {
    if a.is_nan() || b.is_nan() {
        f64::NAN
    } else if a == b {
        if a.is_sign_positive() {
            a
        } else {
            b
        }
    } else if a > b {
        a
    } else {
        b
    }
}

/// `Math.cbrt(x)` as V8 computes it (`src/base/ieee754.cc`, FreeBSD msun's
/// `s_cbrt.c`), so that cube roots match Snapshot's bit for bit; the platform
/// `cbrt` may differ in the last bit.
fn js_cbrt(x: f64) -> f64 {
    const B1: u32 = 715_094_163; // (1023 - 1023/3 - 0.03306235651) * 2^20
    const B2: u32 = 696_219_795; // (1023 - 1023/3 - 54/3 - 0.03306235651) * 2^20
                                 // |1/cbrt(x) - p(x)| < 2^-23.5 (~[-7.93e-8, 7.929e-8]).
    let p0 = f64::from_bits(0x3ffe_03e6_0f61_e692); // 1.87595182427177009643
    let p1 = f64::from_bits(0xbffe_28e0_92f0_2420); // -1.88497979543377169875
    let p2 = f64::from_bits(0x3ff9_f160_4a49_d6c2); // 1.621429720105354466140
    let p3 = f64::from_bits(0xbfe8_44cb_bee7_51d9); // -0.758397934778766047437
    let p4 = f64::from_bits(0x3fc2_b000_d4e4_edd7); // 0.145996192886612446982

    let bits = x.to_bits();
    let high = (bits >> 32) as u32;
    let low = bits as u32;
    let sign = high & 0x8000_0000;
    let hx = high ^ sign;
    if hx >= 0x7ff0_0000 {
        return x + x; // NaN and infinities are their own cube roots.
    }
    // A rough cube root to 5 bits, from the exponent.
    let mut t = if hx < 0x0010_0000 {
        if (hx | low) == 0 {
            return x; // ±0
        }
        // Subnormal: scale by 2^54 first.
        let scaled = f64::from_bits(0x4350_0000_0000_0000) * x;
        let scaled_high = (scaled.to_bits() >> 32) as u32;
        f64::from_bits(u64::from(sign | ((scaled_high & 0x7fff_ffff) / 3 + B2)) << 32)
    } else {
        f64::from_bits(u64::from(sign | (hx / 3 + B1)) << 32)
    };
    // To 23 bits: cbrt(x) = t * cbrt(x / t^3) ~= t * P(t^3 / x).
    let r = (t * t) * (t / x);
    t *= (p0 + r * (p1 + r * p2)) + ((r * r) * r) * (p3 + r * p4);
    // Round t away from zero to 23 bits, so that t * t is exact.
    t = f64::from_bits(t.to_bits().wrapping_add(0x8000_0000) & 0xffff_ffff_c000_0000);
    // One Newton step to 53 bits, error < 0.667 ulps.
    let s = t * t;
    let r = x / s;
    let w = t + t;
    let r = (r - t) / (w + r);
    t + t * r
}

#[cfg(test)]
mod tests {
    use std::cell::RefCell;
    use std::collections::HashMap;

    use primitive_types::U256;
    use serde_json::{json, Value};

    use super::*;
    use crate::{BalanceSource, SourceError};

    const A: &str = "0xf39Fd6e51aad88F6F4ce6aB8827279cffFb92266";
    const B: &str = "0x70997970C51812dc3A010C7d01b50e0d17dc79C8";
    const C: &str = "0x3C44CdDdB6a900fa2b585dd299e03d12FA4293BC";
    const DAI: &str = "0x6B175474E89094C44Da98b954EedeAC495271d0F";
    const USDC: &str = "0xA0b86991c6218b36c1d19D4a2e9Eb0cE3606eB48";

    /// Token balances at one block, on any network; records every call.
    struct Recorder {
        balances: HashMap<String, HashMap<String, U256>>,
        calls: RefCell<Vec<(String, String, usize)>>,
    }

    impl Recorder {
        fn new(balances: &[(&str, &[(&str, u128)])]) -> Self {
            Recorder {
                balances: balances
                    .iter()
                    .map(|(token, holders)| {
                        (
                            token.to_lowercase(),
                            holders
                                .iter()
                                .map(|(holder, amount)| {
                                    (holder.to_lowercase(), U256::from(*amount))
                                })
                                .collect(),
                        )
                    })
                    .collect(),
                calls: RefCell::new(Vec::new()),
            }
        }
    }

    impl BalanceSource for Recorder {
        fn erc20_balances(
            &self,
            network: &str,
            token: &str,
            block: u64,
            addresses: &[String],
        ) -> Result<Vec<U256>, SourceError> {
            self.calls
                .borrow_mut()
                .push((network.to_string(), token.to_string(), addresses.len()));
            let holders = self.balances.get(&token.to_lowercase()).ok_or_else(|| {
                SourceError::MissingSnapshot {
                    network: network.into(),
                    token: token.into(),
                    block,
                }
            })?;
            Ok(addresses
                .iter()
                .map(|a| holders.get(&a.to_lowercase()).copied().unwrap_or_default())
                .collect())
        }
    }

    fn addresses() -> Vec<String> {
        [A, B, C].iter().map(|a| a.to_string()).collect()
    }

    fn run_on(source: &Recorder, params: Value) -> Result<Vec<f64>, StrategyError> {
        let context = Context {
            network: "1",
            snapshot: 17_000_000,
            source,
        };
        Math.scores(&context, &params, &addresses())
    }

    fn run(params: Value) -> Result<Vec<f64>, StrategyError> {
        run_on(&Recorder::new(&[]), params)
    }

    /// A whitelist operand: A -> a, B -> b, C -> c (reads no chain state).
    fn weights(a: f64, b: f64, c: f64) -> Value {
        json!({ "type": "strategy", "strategy": { "name": "whitelist", "params": { "addresses": { A: a, B: b, C: c } } } })
    }

    fn constant(value: f64) -> Value {
        json!({ "type": "constant", "value": value })
    }

    fn op(operation: &str, operands: Vec<Value>) -> Value {
        json!({ "operands": operands, "operation": operation })
    }

    fn params_err(reason: &str) -> StrategyError {
        params_error("math", reason)
    }

    #[test]
    fn square_root() {
        assert_eq!(
            run(op("square-root", vec![weights(16.0, 2.0, 0.0)])),
            Ok(vec![4.0, 2f64.sqrt(), 0.0])
        );
    }

    #[test]
    fn cube_root() {
        assert_eq!(
            run(op("cube-root", vec![weights(27.0, 0.001, 0.0)])),
            Ok(vec![3.0, 0.1, 0.0])
        );
    }

    #[test]
    fn multiply() {
        assert_eq!(
            run(op("multiply", vec![weights(1.5, 3.0, 0.0), constant(4.0)])),
            Ok(vec![6.0, 12.0, 0.0])
        );
    }

    #[test]
    fn min_and_max() {
        assert_eq!(
            run(op("min", vec![weights(1.0, 50.0, 0.0), constant(10.0)])),
            Ok(vec![1.0, 10.0, 0.0])
        );
        assert_eq!(
            run(op("max", vec![weights(1.0, 50.0, 0.0), constant(10.0)])),
            Ok(vec![10.0, 50.0, 10.0])
        );
    }

    #[test]
    fn conditionals_compare_x_with_b_and_give_a() {
        // x = 5, 10, 20; a = 99; b = 10.
        let cases = [
            ("a-if-lt-b", [99.0, 10.0, 20.0]),
            ("a-if-lte-b", [99.0, 99.0, 20.0]),
            ("a-if-gt-b", [5.0, 10.0, 99.0]),
            ("a-if-gte-b", [5.0, 99.0, 99.0]),
        ];
        for (operation, expected) in cases {
            assert_eq!(
                run(op(
                    operation,
                    vec![weights(5.0, 10.0, 20.0), constant(99.0), constant(10.0)]
                )),
                Ok(expected.to_vec()),
                "{operation}"
            );
        }
    }

    #[test]
    fn minus_never_goes_below_zero() {
        assert_eq!(
            run(op("minus", vec![weights(10.0, 2.5, 0.0), constant(3.0)])),
            Ok(vec![7.0, 0.0, 0.0])
        );
    }

    #[test]
    fn divide() {
        assert_eq!(
            run(op("divide", vec![weights(10.0, 1.0, 0.0), constant(4.0)])),
            Ok(vec![2.5, 0.25, 0.0])
        );
    }

    #[test]
    fn divide_by_zero_fails_the_batch() {
        let by_zero = StrategyError::Failed {
            strategy: "math",
            reason: "Cannot divide by zero!".into(),
        };
        assert_eq!(
            run(op("divide", vec![weights(10.0, 1.0, 2.0), constant(0.0)])),
            Err(by_zero.clone())
        );
        // One voter's zero divisor is enough, as in Snapshot.
        assert_eq!(
            run(op(
                "divide",
                vec![weights(10.0, 1.0, 2.0), weights(2.0, 0.0, 1.0)]
            )),
            Err(by_zero.clone())
        );
        assert_eq!(
            by_zero.to_string(),
            "strategy 'math': Cannot divide by zero!"
        );
    }

    #[test]
    fn operand_counts_are_checked_for_every_operation() {
        for operation in Operation::ALL {
            let needed = operation.operand_count();
            for count in [0, 1, 2, 3, 4] {
                let result = run(op(operation.name(), vec![constant(4.0); count]));
                if count == needed {
                    assert!(result.is_ok(), "{} with {count}", operation.name());
                } else {
                    assert_eq!(
                        result,
                        Err(params_err(&format!(
                            "operation '{}' takes {needed} operand(s), got {count}",
                            operation.name()
                        ))),
                        "{} with {count}",
                        operation.name()
                    );
                }
            }
        }
    }

    #[test]
    fn constants_alone() {
        assert_eq!(
            run(op("multiply", vec![constant(2.0), constant(3.5)])),
            Ok(vec![7.0; 3])
        );
        assert_eq!(
            run(op("square-root", vec![constant(9.0)])),
            Ok(vec![3.0; 3])
        );
    }

    #[test]
    fn nested_math_passes_raw_values_and_only_the_outer_result_is_clamped() {
        // Inner: x * -1 is negative; outer: max(inner, -5) = -1 or -5, then
        // multiply by -2 gives 2 and 10: positives only because the inner
        // negatives were kept.
        let inner = op("multiply", vec![weights(1.0, 7.0, 0.0), constant(-1.0)]);
        let middle = op(
            "max",
            vec![
                json!({ "type": "strategy", "strategy": { "name": "math", "params": inner } }),
                constant(-5.0),
            ],
        );
        let outer = op(
            "multiply",
            vec![
                json!({ "type": "strategy", "strategy": { "name": "math", "params": middle } }),
                constant(-2.0),
            ],
        );
        // C: inner -0 ... max(-0, -5) = -0, times -2 = 0.
        assert_eq!(run(outer), Ok(vec![2.0, 10.0, 0.0]));
        // A negative outer result is no power.
        assert_eq!(
            run(op("multiply", vec![weights(1.0, 0.0, 2.0), constant(-1.0)])),
            Ok(vec![0.0, 0.0, 0.0])
        );
        // NaN (square root of a negative) is no power either.
        assert_eq!(
            run(op("square-root", vec![constant(-4.0)])),
            Ok(vec![0.0; 3])
        );
    }

    #[test]
    fn snapshot_readme_example_sqrt_then_threshold() {
        // sqrt(DAI balance), then 0 when below 100 (Snapshot's README).
        let source = Recorder::new(&[(
            DAI,
            &[
                (A, 40_000_000_000_000_000_000_000),
                (B, 9_000_000_000_000_000_000_000),
            ],
        )]);
        let params = json!({
            "symbol": "MATH",
            "operands": [
                { "type": "strategy", "strategy": { "name": "math", "network": "1", "symbol": "MATH", "params": {
                    "operands": [ { "type": "strategy", "strategy": { "name": "erc20-balance-of", "network": "1",
                        "params": { "address": DAI, "symbol": "DAI", "decimals": 18 } } } ],
                    "operation": "square-root" } } },
                { "type": "constant", "value": 0 },
                { "type": "constant", "value": 100 }
            ],
            "operation": "a-if-lt-b"
        });
        assert_eq!(run_on(&source, params), Ok(vec![200.0, 0.0, 0.0]));
    }

    #[test]
    fn legacy_form_is_a_single_strategy_operand() {
        let source = Recorder::new(&[(DAI, &[(A, 16_000_000_000_000_000_000)])]);
        let params = json!({
            "symbol": "MATH",
            "strategy": { "name": "erc20-balance-of", "params": { "address": DAI, "decimals": 18 } },
            "operation": "square-root"
        });
        assert_eq!(run_on(&source, params), Ok(vec![4.0, 0.0, 0.0]));
        // It has one operand, so a two-operand operation does not fit.
        assert_eq!(
            run(json!({ "strategy": { "name": "ticket", "params": {} }, "operation": "min" })),
            Err(params_err("operation 'min' takes 2 operand(s), got 1"))
        );
        assert_eq!(
            run(json!({
                "strategy": { "name": "ticket", "params": {} },
                "operands": [constant(1.0)],
                "operation": "square-root"
            })),
            Err(params_err(
                "only one of `strategy` (the v0.1.0 form) and `operands` can be used"
            ))
        );
    }

    #[test]
    fn nested_networks_default_to_the_parent() {
        let source = Recorder::new(&[(DAI, &[(A, 1)]), (USDC, &[(A, 1)])]);
        let erc20 = |token: &str, network: Option<&str>| {
            let mut strategy = json!({ "name": "erc20-balance-of", "params": { "address": token, "decimals": 0 } });
            if let Some(network) = network {
                strategy["network"] = json!(network);
            }
            json!({ "type": "strategy", "strategy": strategy })
        };
        let inner = op("min", vec![erc20(DAI, None), erc20(USDC, Some("10"))]);
        let params = op(
            "max",
            vec![
                json!({ "type": "strategy", "strategy": { "name": "math", "network": "137", "params": inner } }),
                erc20(USDC, None),
            ],
        );
        assert_eq!(run_on(&source, params), Ok(vec![1.0, 0.0, 0.0]));
        assert_eq!(
            *source.calls.borrow(),
            vec![
                ("137".to_string(), DAI.to_string(), 3),
                ("10".to_string(), USDC.to_string(), 3),
                ("1".to_string(), USDC.to_string(), 3),
            ]
        );
    }

    #[test]
    fn a_repeated_strategy_is_read_once_per_batch() {
        let source = Recorder::new(&[(DAI, &[(A, 5), (B, 50)])]);
        let dai = json!({ "type": "strategy", "strategy": { "name": "erc20-balance-of", "params": { "address": DAI, "decimals": 0 } } });
        let params = op("a-if-lt-b", vec![dai.clone(), constant(0.0), dai]);
        assert_eq!(run_on(&source, params), Ok(vec![5.0, 50.0, 0.0]));
        assert_eq!(source.calls.borrow().len(), 1);
    }

    #[test]
    fn nested_errors_surface_unchanged() {
        let dai = json!({ "type": "strategy", "strategy": { "name": "erc20-balance-of", "params": { "address": DAI, "decimals": 18 } } });
        assert_eq!(
            run(op("square-root", vec![dai])),
            Err(StrategyError::Source {
                strategy: "erc20-balance-of",
                block: 17_000_000,
                source: SourceError::MissingSnapshot {
                    network: "1".into(),
                    token: DAI.into(),
                    block: 17_000_000
                }
            })
        );
        assert_eq!(
            run(op(
                "square-root",
                vec![json!({ "type": "strategy", "strategy": { "name": "nope", "params": {} } })]
            )),
            Err(StrategyError::Unknown("nope".into()))
        );
    }

    #[test]
    fn malformed_params_say_where() {
        assert_eq!(
            run(json!([])),
            Err(params_err("params must be an object {operands, operation}"))
        );
        assert_eq!(
            run(json!({ "operation": "min" })),
            Err(params_err("`operands` is missing"))
        );
        assert_eq!(
            run(json!({ "operands": [constant(1.0)] })),
            Err(params_err("`operation` is missing"))
        );
        assert_eq!(
            run(json!({ "operands": {}, "operation": "min" })),
            Err(params_err("`operands` must be an array"))
        );
        assert!(matches!(
            run(op("a-if-b-gt-0", vec![constant(1.0), constant(1.0)])),
            Err(StrategyError::Params { reason, .. }) if reason.starts_with("operation \"a-if-b-gt-0\" is not one of square-root, cube-root")
        ));
        assert_eq!(
            run(op("square-root", vec![json!({ "type": "constant" })])),
            Err(params_err(
                "operands[0]: a constant operand needs a numeric `value`"
            ))
        );
        assert_eq!(
            run(op(
                "square-root",
                vec![json!({ "type": "constant", "value": "4" })]
            )),
            Err(params_err(
                "operands[0]: a constant operand needs a numeric `value`"
            ))
        );
        assert!(matches!(
            run(op("square-root", vec![json!({ "type": "other" })])),
            Err(StrategyError::Params { reason, .. }) if reason.starts_with("operands[0]: an operand must be")
        ));
        assert_eq!(
            run(op("square-root", vec![json!({ "type": "strategy" })])),
            Err(params_err(
                "operands[0]: a strategy operand needs `strategy`: {name, network?, params}"
            ))
        );
        let nested = json!({ "type": "strategy", "strategy": { "name": "math", "params": { "operands": [], "operation": "min" } } });
        assert_eq!(
            run(op("square-root", vec![nested])),
            Err(params_err(
                "operands[0].strategy.params: operation 'min' takes 2 operand(s), got 0"
            ))
        );
    }

    #[test]
    fn nesting_and_size_are_bounded() {
        let mut params = op("square-root", vec![constant(4.0)]);
        for _ in 1..MAX_DEPTH {
            params = op(
                "square-root",
                vec![
                    json!({ "type": "strategy", "strategy": { "name": "math", "params": params } }),
                ],
            );
        }
        assert!(run(params.clone()).is_ok());
        let too_deep = op(
            "square-root",
            vec![json!({ "type": "strategy", "strategy": { "name": "math", "params": params } })],
        );
        assert!(matches!(
            run(too_deep),
            Err(StrategyError::Params { reason, .. }) if reason.ends_with("math nests more than 8 levels deep")
        ));

        // Three-way fan-out, four levels: 3 + 9 + 27 + 81 strategy operands.
        let mut wide = weights(1.0, 2.0, 3.0);
        for _ in 0..4 {
            wide = json!({ "type": "strategy", "strategy": { "name": "math",
                "params": op("a-if-lt-b", vec![wide.clone(), wide.clone(), wide]) } });
        }
        assert!(matches!(
            run(op("square-root", vec![wide])),
            Err(StrategyError::Params { reason, .. }) if reason.ends_with("math holds more than 32 strategy operands")
        ));
    }

    #[test]
    fn infinite_results_fail() {
        assert_eq!(
            run(op("multiply", vec![constant(1e300), constant(1e300)])),
            Err(StrategyError::Failed {
                strategy: "math",
                reason: format!("the result for {A} is not a finite number"),
            })
        );
    }

    #[test]
    fn js_min_and_max_follow_javascript() {
        assert!(js_min(f64::NAN, 1.0).is_nan());
        assert!(js_max(1.0, f64::NAN).is_nan());
        assert!(js_min(0.0, -0.0).is_sign_negative());
        assert!(js_max(-0.0, 0.0).is_sign_positive());
        assert_eq!(js_min(2.0, 3.0), 2.0);
        assert_eq!(js_max(2.0, 3.0), 3.0);
    }

    #[test]
    fn js_cbrt_matches_v8() {
        // Math.cbrt(x) in Node 20 (V8), as bit patterns.
        let cases: [(f64, u64); 11] = [
            (2.0, 0x3ff428a2f98d728b),
            (3.0, 0x3ff7137449123ef6),
            (10.0, 0x40013c484138704f),
            (0.5, 0x3fe965fea53d6e3d),
            (1e-300, 0x2b2bff2ee48e0530),
            (5e-324, 0x2990000000000000),
            (123456.789, 0x4048e58dab7da808),
            (1.5e77, 0x4545f9aae961bda3),
            (7.0, 0x3ffe9b5dba58189e),
            (100.0, 0x401290fca9c761f8),
            (1000.0001, 0x402400000b2f4fba),
        ];
        for (x, bits) in cases {
            assert_eq!(js_cbrt(x).to_bits(), bits, "cbrt({x})");
            assert_eq!(js_cbrt(-x).to_bits(), bits | (1 << 63), "cbrt(-{x})");
        }
        assert_eq!(js_cbrt(27.0), 3.0);
        assert_eq!(js_cbrt(0.0).to_bits(), 0);
        assert_eq!(js_cbrt(-0.0).to_bits(), 1 << 63);
        assert!(js_cbrt(f64::NAN).is_nan());
        assert_eq!(js_cbrt(f64::INFINITY), f64::INFINITY);
    }
}
