//! [`Kubo`]: the [`Pinner`] over Kubo's RPC API, through ipfs-api-backend-hyper.
//! The only file that knows that crate: another backend replaces this file.
//!
//! A block goes out as one `block/put` with `cid-codec` (the local CID's
//! codec), `mhtype=sha2-256` and `pin=true`, so Kubo stores and pins it in one
//! call, and every block is pinned on its own: the order in which the blocks
//! of a DAG arrive does not matter. Kubo's answer is its own CID for the
//! bytes; the worker compares it with the local one.

use std::io::Cursor;
use std::time::Duration;

use cid::Cid;
use futures_util::TryStreamExt;
use ipfs_api_backend_hyper::request::ApiRequest;
use ipfs_api_backend_hyper::response::BlockPutResponse;
use ipfs_api_backend_hyper::{Error as KuboError, Form, IpfsApi, IpfsClient, TryFromUri};
use serde::Serialize;

use super::{PinError, Pinner};

/// Multihash code of sha2-256, the only hash votehub uses.
const SHA2_256: u64 = 0x12;

/// A Kubo RPC endpoint with a per-request timeout.
#[derive(Clone)]
pub struct Kubo {
    client: IpfsClient,
    timeout: Duration,
}

/// `block/put` with the options Kubo names today. The crate's own
/// `request::BlockPut` only knows the deprecated `format`, not `cid-codec`, so
/// this request goes through the crate's generic `request` instead.
#[derive(Serialize)]
#[serde(rename_all = "kebab-case")]
struct BlockPut<'a> {
    cid_codec: &'a str,
    mhtype: &'a str,
    pin: bool,
}

impl ApiRequest for BlockPut<'_> {
    const PATH: &'static str = "/block/put";
}

impl Kubo {
    /// A client for the RPC API at `url` (`http://HOST:PORT`; any path is
    /// replaced by `/api/v0`). Plain HTTP only: the API is administrative and
    /// belongs on localhost. Every request fails after `timeout`, so a
    /// stalled daemon counts as a failure.
    pub fn new(url: &str, timeout: Duration) -> Result<Kubo, PinError> {
        let bad = |reason: &str| PinError::Url {
            url: url.to_string(),
            reason: reason.to_string(),
        };
        // The crate unwraps when the URL lacks a scheme or host: check both first.
        let rest = url
            .strip_prefix("http://")
            .ok_or_else(|| bad("expected http://HOST:PORT"))?;
        if rest.split(['/', '?', '#']).next().unwrap_or("").is_empty() {
            return Err(bad("no host"));
        }
        let client = IpfsClient::from_str(url).map_err(|err| bad(&err.to_string()))?;
        Ok(Kubo { client, timeout })
    }

    async fn within<T>(
        &self,
        call: impl std::future::Future<Output = Result<T, KuboError>>,
    ) -> Result<T, PinError> {
        match tokio::time::timeout(self.timeout, call).await {
            Err(_) => Err(PinError::Timeout(self.timeout)),
            Ok(Err(KuboError::Client(err))) => Err(PinError::Unreachable(err.to_string())),
            Ok(Err(KuboError::Api(err))) => Err(PinError::Refused(err.message)),
            Ok(Err(err)) => Err(PinError::Refused(err.to_string())),
            Ok(Ok(value)) => Ok(value),
        }
    }
}

/// Kubo's name for a multicodec votehub stores.
fn codec_name(codec: u64) -> Option<&'static str> {
    match codec {
        0x55 => Some("raw"),
        0x70 => Some("dag-pb"),
        0x71 => Some("dag-cbor"),
        0x0129 => Some("dag-json"),
        _ => None,
    }
}

/// `IpfsApi`'s supertrait `Backend`, which carries the generic `request`, is
/// not re-exported by the crate; a type parameter bounded by `IpfsApi` reaches it.
async fn put_block<C: IpfsApi + Sync>(
    client: &C,
    options: BlockPut<'_>,
    data: Vec<u8>,
) -> Result<BlockPutResponse, C::Error> {
    let mut form = Form::default();
    form.add_reader("data", Cursor::new(data));
    client.request(options, Some(form)).await
}

impl Pinner for Kubo {
    async fn put_pinned(&self, cid: &Cid, data: &[u8]) -> Result<Cid, PinError> {
        let codec = codec_name(cid.codec()).ok_or(PinError::Unsupported(cid.codec()))?;
        if cid.hash().code() != SHA2_256 {
            return Err(PinError::Unsupported(cid.hash().code()));
        }
        let options = BlockPut {
            cid_codec: codec,
            mhtype: "sha2-256",
            pin: true,
        };
        let answer = self
            .within(put_block(&self.client, options, data.to_vec()))
            .await?;
        Cid::try_from(answer.key.as_str()).map_err(|_| PinError::BadAnswer(answer.key))
    }

    async fn block_get(&self, cid: &Cid) -> Result<Vec<u8>, PinError> {
        let cid = cid.to_string();
        self.within(
            self.client
                .block_get(&cid)
                .map_ok(|chunk| chunk.to_vec())
                .try_concat(),
        )
        .await
    }

    async fn version(&self) -> Result<String, PinError> {
        Ok(self.within(self.client.version()).await?.version)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn urls_are_checked_before_the_crate_sees_them() {
        let timeout = Duration::from_secs(1);
        assert!(Kubo::new("http://127.0.0.1:5001", timeout).is_ok());
        assert!(Kubo::new("http://localhost:5001/api/v0", timeout).is_ok());
        for bad in [
            "127.0.0.1:5001",
            "https://127.0.0.1:5001",
            "http://",
            "http:///x",
            "",
        ] {
            assert!(
                matches!(Kubo::new(bad, timeout), Err(PinError::Url { .. })),
                "{bad}"
            );
        }
    }

    #[test]
    fn block_put_names_the_codec_as_kubo_does() {
        assert_eq!(codec_name(0x55), Some("raw"));
        assert_eq!(codec_name(0x70), Some("dag-pb"));
        assert_eq!(codec_name(0x0129), Some("dag-json"));
        assert_eq!(codec_name(0x12), None);
        let options = serde_json::to_value(BlockPut {
            cid_codec: "dag-json",
            mhtype: "sha2-256",
            pin: true,
        })
        .unwrap();
        assert_eq!(
            options,
            serde_json::json!({"cid-codec": "dag-json", "mhtype": "sha2-256", "pin": true})
        );
    }
}
