//! Who a request comes from, for the rate limits: the TCP peer, or, when the
//! peer is a trusted reverse proxy, the client it names in `Forwarded` or
//! `X-Forwarded-For`. Those headers are ignored from anyone else: a client
//! could write any address in them.

use std::net::IpAddr;

use actix_web::body::MessageBody;
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
}
