//! Token balance snapshot files: an `address,balance` CSV, or JSON (an
//! object `{"0x…": "123"}` or an array `[{"address": "0x…", "balance": "123"}]`),
//! balances as integers in base units (decimal strings, or JSON integers).
//! Read the same way when imported and when an auditor re-checks a bundle.

use primitive_types::U256;

use crate::protocol::signature::Address;

/// Why a snapshot file was refused; the line number is 1-based.
#[derive(Debug, thiserror::Error)]
pub enum ParseError {
    #[error("the first line must be the header `address,balance`")]
    Header,
    #[error("line {line}: {reason}")]
    Line { line: usize, reason: String },
    #[error("JSON snapshot: {0}")]
    Json(String),
    #[error("line {line}: address {address} appears twice")]
    Duplicate { line: usize, address: String },
}

/// One holder's balance, in base units.
pub type Row = (Address, U256);

/// A parsed CSV snapshot, in file order, every holder once.
pub fn parse_csv(text: &str) -> Result<Vec<Row>, ParseError> {
    let mut lines = text.lines().enumerate();
    let header = lines.next().map(|(_, line)| {
        line.trim()
            .trim_start_matches('\u{feff}')
            .to_ascii_lowercase()
    });
    if header.as_deref() != Some("address,balance") {
        return Err(ParseError::Header);
    }
    let mut seen = std::collections::HashSet::new();
    let mut rows = Vec::new();
    for (index, line) in lines {
        let line_no = index + 1;
        let line = line.trim();
        if line.is_empty() {
            continue;
        }
        let bad = |reason: &str| ParseError::Line {
            line: line_no,
            reason: reason.into(),
        };
        let (address, balance) = line
            .split_once(',')
            .ok_or_else(|| bad("expected `address,balance`"))?;
        let address =
            Address::parse_any(address.trim()).map_err(|err| bad(&format!("address: {err}")))?;
        let balance = balance.trim();
        if balance.is_empty() || !balance.bytes().all(|b| b.is_ascii_digit()) {
            return Err(bad("balance must be a non-negative integer in base units"));
        }
        let balance =
            U256::from_dec_str(balance).map_err(|_| bad("balance does not fit in 256 bits"))?;
        if !seen.insert(address) {
            return Err(ParseError::Duplicate {
                line: line_no,
                address: address.to_string(),
            });
        }
        rows.push((address, balance));
    }
    Ok(rows)
}

/// A parsed JSON snapshot, with the CSV rules (unique holders, integers).
pub fn parse_json(text: &str) -> Result<Vec<Row>, ParseError> {
    use serde_json::Value;
    let value: Value =
        serde_json::from_str(text).map_err(|err| ParseError::Json(err.to_string()))?;
    let pairs: Vec<(Value, Value)> = match value {
        Value::Object(map) => map
            .into_iter()
            .map(|(address, balance)| (Value::String(address), balance))
            .collect(),
        Value::Array(items) => items
            .into_iter()
            .map(|item| {
                (
                    item.get("address").cloned().unwrap_or(Value::Null),
                    item.get("balance").cloned().unwrap_or(Value::Null),
                )
            })
            .collect(),
        _ => return Err(ParseError::Json("expected an object or an array".into())),
    };
    let mut seen = std::collections::HashSet::new();
    let mut rows = Vec::with_capacity(pairs.len());
    for (index, (address, balance)) in pairs.into_iter().enumerate() {
        let entry = index + 1;
        let bad = |reason: String| ParseError::Json(format!("entry {entry}: {reason}"));
        let address = address
            .as_str()
            .ok_or_else(|| bad("address must be a string".into()))?;
        let address = Address::parse_any(address).map_err(|err| bad(format!("address: {err}")))?;
        let digits = match &balance {
            Value::String(text) => text.clone(),
            Value::Number(number) if number.is_u64() => number.to_string(),
            _ => {
                return Err(bad(
                    "balance must be an integer in base units (a decimal string or an integer)"
                        .into(),
                ))
            }
        };
        if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) {
            return Err(bad(
                "balance must be a non-negative integer in base units".into()
            ));
        }
        let balance = U256::from_dec_str(&digits)
            .map_err(|_| bad("balance does not fit in 256 bits".into()))?;
        if !seen.insert(address) {
            return Err(bad(format!("address {address} appears twice")));
        }
        rows.push((address, balance));
    }
    Ok(rows)
}

/// A snapshot file's rows: JSON when it starts with `{` or `[`, else CSV.
pub fn parse(file: &[u8]) -> Result<Vec<Row>, ParseError> {
    let text = std::str::from_utf8(file).map_err(|_| ParseError::Line {
        line: 0,
        reason: "not UTF-8".into(),
    })?;
    match text.trim_start().chars().next() {
        Some('{' | '[') => parse_json(text),
        _ => parse_csv(text),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_and_normalises() {
        let rows = parse_csv("address,balance\n0xf39fd6e51aad88f6f4ce6ab8827279cfffb92266, 12\n\n")
            .unwrap();
        assert_eq!(rows.len(), 1);
        assert_eq!(
            rows[0].0.to_string(),
            "0xf39Fd6e51aad88F6F4ce6aB8827279cffFb92266"
        );
        assert_eq!(rows[0].1, U256::from(12));
    }

    #[test]
    fn json_object_and_array_forms() {
        let expected =
            parse_csv("address,balance\n0xf39Fd6e51aad88F6F4ce6aB8827279cffFb92266,12").unwrap();
        assert_eq!(
            parse_json(r#"{"0xf39fd6e51aad88f6f4ce6ab8827279cfffb92266": "12"}"#).unwrap(),
            expected
        );
        assert_eq!(
            parse_json(
                r#"[{"address": "0xf39fd6e51aad88f6f4ce6ab8827279cfffb92266", "balance": 12}]"#
            )
            .unwrap(),
            expected
        );
        for bad in [
            r#"{"0x12": "1"}"#,
            r#"{"0xf39fd6e51aad88f6f4ce6ab8827279cfffb92266": 1.5}"#,
            r#"{"0xf39fd6e51aad88f6f4ce6ab8827279cfffb92266": "-1"}"#,
            r#"[{"address": "0xf39fd6e51aad88f6f4ce6ab8827279cfffb92266"}]"#,
            r#"[{"address": "0xf39fd6e51aad88f6f4ce6ab8827279cfffb92266", "balance": "1"}, {"address": "0xF39Fd6e51aad88F6F4ce6aB8827279cffFb92266", "balance": "2"}]"#,
            "7",
            "{",
        ] {
            assert!(matches!(parse_json(bad), Err(ParseError::Json(_))), "{bad}");
        }
    }

    #[test]
    fn refuses_bad_files() {
        assert!(matches!(
            parse_csv("holder,amount\n"),
            Err(ParseError::Header)
        ));
        assert!(matches!(
            parse_csv("address,balance\n0x12,1\n"),
            Err(ParseError::Line { line: 2, .. })
        ));
        assert!(matches!(
            parse_csv("address,balance\n0xf39fd6e51aad88f6f4ce6ab8827279cfffb92266,1.5\n"),
            Err(ParseError::Line { line: 2, .. })
        ));
        assert!(matches!(
            parse_csv("address,balance\n0xf39fd6e51aad88f6f4ce6ab8827279cfffb92266,-1\n"),
            Err(ParseError::Line { .. })
        ));
        let twice = "address,balance\n0xf39fd6e51aad88f6f4ce6ab8827279cfffb92266,1\n0xF39Fd6e51aad88F6F4ce6aB8827279cffFb92266,2\n";
        assert!(matches!(
            parse_csv(twice),
            Err(ParseError::Duplicate { line: 3, .. })
        ));
    }
}
