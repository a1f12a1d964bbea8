//! Results and the score API that Snapshot tools call: `GET
//! /api/proposals/{id}/scores`, `POST /api/scores`, and the `get_vp` JSON-RPC
//! method on `POST /` (told apart from envelopes by its `method` key).

use actix_web::http::StatusCode;
use actix_web::{web, HttpResponse, ResponseError};
use serde::Deserialize;
use serde_json::{json, Map, Value};
use votehub_strategies::{StrategyError, StrategySpec};

use super::error::ApiError;
use super::AppState;
use crate::protocol::signature::Address;
use crate::reads::ReadError;

/// Snapshot's score API hard limit on strategies per request.
const MAX_STRATEGIES: usize = 10;

/// A proposal's current result, as canonical JSON.
pub async fn proposal_scores(
    state: web::Data<AppState>,
    id: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    let id = id.into_inner().to_lowercase();
    let json = state.reads.result(&id).await?;
    Ok(HttpResponse::Ok()
        .content_type("application/json")
        .body(json))
}

/// A score-API failure: `{"jsonrpc", "error": {code, message, data}, "id"}`.
struct RpcError {
    status: StatusCode,
    data: String,
}

impl RpcError {
    fn bad(data: impl Into<String>) -> Self {
        RpcError {
            status: StatusCode::BAD_REQUEST,
            data: data.into(),
        }
    }

    fn reply(&self, id: &Value) -> HttpResponse {
        HttpResponse::build(self.status).json(json!({
            "jsonrpc": "2.0",
            "error": {"code": self.status.as_u16(), "message": "unauthorized", "data": self.data},
            "id": id,
        }))
    }
}

#[derive(Deserialize)]
struct ScoreParams {
    #[serde(default = "default_network")]
    network: String,
    #[serde(default = "latest")]
    snapshot: Value,
    #[serde(default)]
    strategies: Vec<Value>,
    #[serde(default)]
    addresses: Vec<String>,
}

fn default_network() -> String {
    "1".into()
}

fn latest() -> Value {
    json!("latest")
}

/// Checks strategies, addresses and block as the score API does.
fn parse_request(params: &ScoreParams) -> Result<(Vec<StrategySpec>, Vec<Address>, u64), RpcError> {
    if params.strategies.len() > MAX_STRATEGIES {
        return Err(RpcError::bad("invalid strategies length"));
    }
    if params.strategies.is_empty() {
        return Err(RpcError {
            status: StatusCode::INTERNAL_SERVER_ERROR,
            data: "something wrong with the strategies".into(),
        });
    }
    let specs: Vec<StrategySpec> = params
        .strategies
        .iter()
        .map(|s| serde_json::from_value(s.clone()))
        .collect::<Result<_, _>>()
        .map_err(|_| RpcError::bad("invalid strategies"))?;
    let unknown: Vec<&str> = specs
        .iter()
        .map(|s| s.name.as_str())
        .filter(|name| votehub_strategies::find(name).is_none())
        .collect();
    if !unknown.is_empty() {
        return Err(RpcError::bad(format!(
            "invalid strategies: {}",
            unknown.join(", ")
        )));
    }
    let addresses: Vec<Address> = params
        .addresses
        .iter()
        .map(|a| Address::parse_any(a))
        .collect::<Result<_, _>>()
        .map_err(|_| RpcError::bad("invalid address"))?;
    let block = crate::protocol::typed_data::uint_value(&params.snapshot).ok_or_else(|| {
        RpcError::bad(
            "snapshot must be a block number: votehub reads balance snapshots imported at a block",
        )
    })?;
    Ok((specs, addresses, block))
}

/// Runs the strategies: parameters a strategy refuses are the caller's
/// fault (400), anything else the score API's 500.
async fn score(
    state: &web::Data<AppState>,
    specs: Vec<StrategySpec>,
    network: String,
    block: u64,
    addresses: Vec<Address>,
) -> Result<Vec<Vec<f64>>, RpcError> {
    state
        .reads
        .scores(specs, network, block, addresses)
        .await
        .map_err(|err: ReadError| RpcError {
            status: match &err {
                ReadError::Strategy(StrategyError::Params { .. } | StrategyError::Unknown(_)) => {
                    StatusCode::BAD_REQUEST
                }
                _ => StatusCode::INTERNAL_SERVER_ERROR,
            },
            data: err.to_string(),
        })
}

/// `POST /api/scores` with `{params: {space, network, snapshot, strategies, addresses}}`.
/// Any body is read here, so that one that is not JSON still gets the score
/// API's JSON-RPC error; replies echo the request's `id`.
pub async fn post_scores(state: web::Data<AppState>, mut payload: web::Payload) -> HttpResponse {
    let body = match super::ingest::read_body(&state, &mut payload).await {
        Ok(body) => body,
        Err(err) => {
            return RpcError {
                status: err.status_code(),
                data: err.to_string(),
            }
            .reply(&Value::Null)
        }
    };
    let Ok(body) = serde_json::from_slice::<Value>(&body) else {
        return RpcError::bad("invalid request: the body is not JSON").reply(&Value::Null);
    };
    let id = body.get("id").cloned().unwrap_or(Value::Null);
    let params = match body
        .get("params")
        .map(|p| serde_json::from_value::<ScoreParams>(p.clone()))
    {
        Some(Ok(params)) => params,
        _ => return RpcError::bad("invalid params").reply(&id),
    };
    let (specs, addresses, block) = match parse_request(&params) {
        Ok(parsed) => parsed,
        Err(err) => return err.reply(&id),
    };
    match score(
        &state,
        specs,
        params.network.clone(),
        block,
        addresses.clone(),
    )
    .await
    {
        Ok(per_strategy) => {
            // Only positive scores, keyed by checksummed address, as the score API answers.
            let scores: Vec<Map<String, Value>> = per_strategy
                .iter()
                .map(|values| {
                    addresses
                        .iter()
                        .zip(values)
                        .filter(|(_, value)| **value > 0.0)
                        .map(|(address, value)| (address.to_string(), json!(value)))
                        .collect()
                })
                .collect();
            HttpResponse::Ok().json(json!({
                "jsonrpc": "2.0", "result": {"state": "final", "scores": scores}, "id": id, "cache": false
            }))
        }
        Err(err) => err.reply(&id),
    }
}

/// `GET /api/scores/{id}`: what the hub forwards to the sequencer to bring a
/// proposal's scores up to date; votehub counts on read, so this counts
/// now and answers `{result: true}` as snapshot.box expects.
pub async fn refresh(
    state: web::Data<AppState>,
    id: web::Path<String>,
) -> Result<HttpResponse, super::ApiError> {
    state.reads.result(&id.into_inner().to_lowercase()).await?;
    Ok(HttpResponse::Ok().json(json!({"result": true})))
}

/// JSON-RPC on `POST /`: `get_vp` and `validate`.
pub async fn rpc(state: web::Data<AppState>, request: Value) -> HttpResponse {
    let id = request.get("id").cloned().unwrap_or(Value::Null);
    let params = request.get("params").cloned().unwrap_or(Value::Null);
    let result = match request.get("method").and_then(Value::as_str) {
        Some("get_vp") => get_vp(&state, params).await,
        Some("validate") => validate(&state, params).await,
        _ => Err(RpcError::bad("method not found")),
    };
    match result {
        Ok(result) => {
            HttpResponse::Ok().json(json!({"jsonrpc": "2.0", "result": result, "id": id}))
        }
        Err(err) => err.reply(&id),
    }
}

/// `get_vp`: one address's voting power, per strategy and in total.
async fn get_vp(state: &web::Data<AppState>, params: Value) -> Result<Value, RpcError> {
    let address = params
        .get("address")
        .and_then(Value::as_str)
        .and_then(|a| Address::parse_any(a).ok())
        .ok_or_else(|| RpcError::bad("invalid address"))?;
    let (specs, network, block) = serde_json::from_value::<ScoreParams>(params.clone())
        .map_err(|_| RpcError::bad("invalid params"))
        .and_then(|mut p| {
            p.addresses = vec![address.to_string()];
            let (specs, _, block) = parse_request(&p)?;
            Ok((specs, p.network, block))
        })?;
    let vp_by_strategy = power_of(state, specs, network, block, address).await?;
    let vp = vp_by_strategy.iter().fold(0.0, |sum, v| sum + v);
    Ok(json!({"vp": vp, "vp_by_strategy": vp_by_strategy, "vp_state": "final"}))
}

/// One address's power per strategy.
async fn power_of(
    state: &web::Data<AppState>,
    specs: Vec<StrategySpec>,
    network: String,
    block: u64,
    address: Address,
) -> Result<Vec<f64>, RpcError> {
    Ok(score(state, specs, network, block, vec![address])
        .await?
        .iter()
        .map(|v| v.first().copied().unwrap_or(0.0))
        .collect())
}

/// `validate`: whether `author` passes a proposal validation: `any` (or
/// none) always, `basic` when their power under `params.strategies` reaches
/// `params.minScore`; any other name is `Validation not found`.
async fn validate(state: &web::Data<AppState>, params: Value) -> Result<Value, RpcError> {
    let name = params
        .get("validation")
        .and_then(Value::as_str)
        .filter(|name| !name.is_empty())
        .unwrap_or("any");
    match name {
        "any" => Ok(json!(true)),
        "basic" => {
            let author = params
                .get("author")
                .and_then(Value::as_str)
                .and_then(|a| Address::parse_any(a).ok())
                .ok_or_else(|| RpcError::bad("invalid address"))?;
            let options = params.get("params").cloned().unwrap_or(Value::Null);
            let min_score = options
                .get("minScore")
                .and_then(Value::as_f64)
                .unwrap_or(0.0);
            let request = ScoreParams {
                network: params
                    .get("network")
                    .and_then(Value::as_str)
                    .map_or_else(default_network, String::from),
                snapshot: params.get("snapshot").cloned().unwrap_or_else(latest),
                strategies: options
                    .get("strategies")
                    .and_then(Value::as_array)
                    .cloned()
                    .unwrap_or_default(),
                addresses: vec![author.to_string()],
            };
            let (specs, _, block) = parse_request(&request)?;
            let power = power_of(state, specs, request.network, block, author).await?;
            Ok(json!(power.iter().fold(0.0, |sum, v| sum + v) >= min_score))
        }
        _ => Err(RpcError::bad("Validation not found")),
    }
}
