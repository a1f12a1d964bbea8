//! Who a request comes from, for the rate limits and the per-client cap: the
//! TCP peer, or, when the peer is a trusted reverse proxy, the client it
//! names in `Forwarded` or `X-Forwarded-For`. Those headers are ignored from
//! anyone else: a client could write any address in them.

use std::collections::HashMap;
use std::net::IpAddr;
use std::pin::Pin;
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
use std::task::{Context, Poll};

use actix_web::body::{BodySize, BoxBody, MessageBody};
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::http::Method;
use actix_web::middleware::Next;
use actix_web::{web, HttpRequest};

use super::error::ApiError;
use super::AppState;
use crate::protocol::rejection::Rejection;

/// The address a request is counted against.
pub(super) fn client_ip(request: &HttpRequest, trusted: &[IpAddr]) -> Option<IpAddr> {
    let peer = request.peer_addr()?.ip();
    if !trusted.contains(&peer) {
        return Some(peer);
    }
    // Hops are appended left to right; the last one no trusted proxy added
    // is the client.
    let mut hops = forwarded_for(request);
    hops.reverse();
    Some(
        hops.into_iter()
            .find(|hop| !trusted.contains(hop))
            .unwrap_or(peer),
    )
}

/// The addresses of `Forwarded: for=…` (RFC 7239), else of `X-Forwarded-For`,
/// in header order; unparsable entries are skipped.
fn forwarded_for(request: &HttpRequest) -> Vec<IpAddr> {
    let headers = request.headers();
    let values = |name: &str| -> Vec<String> {
        headers
            .get_all(name)
            .filter_map(|value| value.to_str().ok())
            .flat_map(|value| value.split(','))
            .map(|part| part.trim().to_string())
            .collect()
    };
    let forwarded: Vec<IpAddr> = values("forwarded")
        .iter()
        .flat_map(|element| element.split(';'))
        .filter_map(|pair| {
            let (key, value) = pair.trim().split_once('=')?;
            key.eq_ignore_ascii_case("for").then(|| parse_node(value))?
        })
        .collect();
    if !forwarded.is_empty() {
        return forwarded;
    }
    values("x-forwarded-for")
        .iter()
        .filter_map(|value| parse_node(value))
        .collect()
}

/// `192.0.2.1`, `"[2001:db8::1]:4711"`, `192.0.2.1:80`: the address alone.
fn parse_node(value: &str) -> Option<IpAddr> {
    let value = value.trim().trim_matches('"');
    if let Ok(ip) = value.parse() {
        return Some(ip);
    }
    if let Some(rest) = value.strip_prefix('[') {
        return rest.split_once(']')?.0.parse().ok();
    }
    value.rsplit_once(':')?.0.parse().ok()
}

/// The read limit: GET requests per minute per client, when configured.
pub(super) async fn limit_reads(
    request: ServiceRequest,
    next: Next<impl MessageBody>,
) -> Result<ServiceResponse<impl MessageBody>, actix_web::Error> {
    if request.method() == Method::GET {
        if let Some(state) = request.app_data::<web::Data<AppState>>() {
            if let (Some(limiter), Some(ip)) = (
                &state.read_limiter,
                client_ip(request.request(), &state.trusted_proxies),
            ) {
                if limiter.check_key(&ip).is_err() {
                    return Err(ApiError::Rejected(Rejection::TooManyRequests).into());
                }
            }
        }
    }
    next.call(request).await
}

/// Requests in flight per client. A client leaves the map when its count
/// returns to zero, so the map holds only clients with a request open.
#[derive(Debug, Default)]
pub(super) struct InFlight {
    counts: Mutex<HashMap<IpAddr, usize>>,
}

impl InFlight {
    /// A place for one more request of `client`, unless it has `cap` open.
    fn enter(self: &Arc<Self>, client: IpAddr, cap: usize) -> Option<Slot> {
        let mut counts = self.lock();
        let count = counts.get(&client).copied().unwrap_or(0);
        if count >= cap {
            return None;
        }
        counts.insert(client, count + 1);
        Some(Slot {
            table: Arc::clone(self),
            client,
        })
    }

    /// The map stays usable if a thread panicked holding it: every change
    /// is one whole insert or remove.
    fn lock(&self) -> MutexGuard<'_, HashMap<IpAddr, usize>> {
        self.counts.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

/// One request's place in its client's count, given back on drop: after
/// the reply's last byte, or when actix drops the request mid-way (a client
/// gone mid-body, a connection closed mid-reply).
#[derive(Debug)]
struct Slot {
    table: Arc<InFlight>,
    client: IpAddr,
}

impl Drop for Slot {
    fn drop(&mut self) {
        let mut counts = self.table.lock();
        if let Some(count) = counts.get_mut(&self.client) {
            *count -= 1;
            if *count == 0 {
                counts.remove(&self.client);
            }
        }
    }
}

/// A reply body that holds its request's [`Slot`] until it is sent or dropped.
struct Held {
    body: BoxBody,
    _slot: Option<Slot>,
}

impl MessageBody for Held {
    type Error = Box<dyn std::error::Error>;

    fn size(&self) -> BodySize {
        self.body.size()
    }

    fn poll_next(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<web::Bytes, Self::Error>>> {
        Pin::new(&mut self.get_mut().body).poll_next(cx)
    }
}

/// The per-client cap: at most `max_requests_per_client` requests of one
/// client in flight, counted from the head to the reply's last byte, so
/// stalled bodies and unread CAR downloads count too; above it, 429.
pub(super) async fn limit_in_flight(
    request: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<impl MessageBody>, actix_web::Error> {
    let mut slot = None;
    if let Some(state) = request.app_data::<web::Data<AppState>>() {
        let cap = state.max_requests_per_client;
        if cap > 0 {
            if let Some(client) = client_ip(request.request(), &state.trusted_proxies) {
                slot = Some(
                    state
                        .in_flight
                        .enter(client, cap)
                        .ok_or(ApiError::Rejected(Rejection::TooManyRequests))?,
                );
            }
        }
    }
    let response = next.call(request).await?;
    Ok(response.map_body(|_, body| Held {
        body: BoxBody::new(body),
        _slot: slot,
    }))
}

#[cfg(test)]
mod tests {
    use super::*;
    use actix_web::test::TestRequest;

    fn request(peer: &str, headers: &[(&str, &str)]) -> HttpRequest {
        let mut request = TestRequest::default().peer_addr(peer.parse().unwrap());
        for (name, value) in headers {
            request = request.insert_header((*name, *value));
        }
        request.to_http_request()
    }

    #[test]
    fn forwarding_headers_count_only_from_trusted_proxies() {
        let proxy: IpAddr = "10.0.0.5".parse().unwrap();
        let xff = [("x-forwarded-for", "203.0.113.7, 10.0.0.5")];
        // From an untrusted peer the header is ignored.
        assert_eq!(
            client_ip(&request("198.51.100.1:4000", &xff), &[proxy]),
            Some("198.51.100.1".parse().unwrap())
        );
        // Through the trusted proxy: the last hop it did not add.
        assert_eq!(
            client_ip(&request("10.0.0.5:4000", &xff), &[proxy]),
            Some("203.0.113.7".parse().unwrap())
        );
        // A client that forges a leftmost entry does not choose its bucket.
        let forged = [("x-forwarded-for", "1.2.3.4, 203.0.113.7")];
        assert_eq!(
            client_ip(&request("10.0.0.5:4000", &forged), &[proxy]),
            Some("203.0.113.7".parse().unwrap())
        );
        // RFC 7239 wins over X-Forwarded-For, with ports and IPv6.
        let both = [
            ("forwarded", "for=\"[2001:db8::1]:4711\";proto=https"),
            ("x-forwarded-for", "203.0.113.7"),
        ];
        assert_eq!(
            client_ip(&request("10.0.0.5:4000", &both), &[proxy]),
            Some("2001:db8::1".parse().unwrap())
        );
        // No header: the proxy itself.
        assert_eq!(
            client_ip(&request("10.0.0.5:4000", &[]), &[proxy]),
            Some(proxy)
        );
    }

    #[test]
    fn a_client_holds_at_most_its_cap_and_leaves_the_map_at_zero() {
        let table = Arc::new(InFlight::default());
        let a: IpAddr = "203.0.113.7".parse().unwrap();
        let b: IpAddr = "203.0.113.8".parse().unwrap();
        let mut held: Vec<Slot> = (0..3).map(|_| table.enter(a, 3).unwrap()).collect();
        assert!(table.enter(a, 3).is_none(), "a fourth request of a");
        let other = table.enter(b, 3).expect("b has its own count");
        held.pop();
        held.push(table.enter(a, 3).expect("a gave one place back"));
        assert!(table.enter(a, 3).is_none());
        assert_eq!(table.lock().get(&a), Some(&3));
        drop(held);
        drop(other);
        assert!(table.lock().is_empty(), "clients leave the map at zero");
    }
}
