//! Stored bytes are checked before they are served: a block changed on disk
//! behind SQLite's back is refused with a clear error, never handed out as
//! the signed message.

use serde_json::json;
use votehub::protocol::typed_data::Kind;

use super::helpers::{spawn_app, SPACE};

#[test]
fn a_block_changed_on_disk_is_never_served() {
    let app = spawn_app();
    app.ticket_space();
    let proposal = app.open_proposal("single-choice", 2);
    let (status, receipt) = app.send(
        1,
        Kind::Vote,
        json!({"space": SPACE, "proposal": proposal, "choice": 1}),
    );
    assert_eq!(status, 200, "{receipt}");
    let (id, cid) = (
        receipt["id"].as_str().unwrap().to_string(),
        receipt["ipfs"].as_str().unwrap().to_string(),
    );
    assert_eq!(app.get_bytes(&format!("/ipfs/{cid}")).0, 200);

    // The voter's choice 1 becomes 2 inside the stored block.
    let conn = app.store.write_connection().unwrap();
    let stored: Vec<u8> = conn
        .query_row("SELECT data FROM blocks WHERE cid = ?1", [&cid], |r| {
            r.get(0)
        })
        .unwrap();
    let text = String::from_utf8(stored).unwrap();
    let changed = text.replacen("\"choice\":1", "\"choice\":2", 1);
    assert_ne!(text, changed);
    conn.execute(
        "UPDATE blocks SET data = ?1 WHERE cid = ?2",
        rusqlite::params![changed.as_bytes(), cid],
    )
    .unwrap();

    for path in [
        format!("/ipfs/{cid}"),
        format!("/ipfs/{cid}?format=raw"),
        format!("/ipfs/{cid}?format=car"),
        format!("/api/messages/{id}"),
    ] {
        let (status, _, body) = app.get_bytes(&path);
        let body: serde_json::Value = serde_json::from_slice(&body).unwrap();
        assert_eq!(status, 500, "{path}: {body}");
        assert_eq!(body["error"], "server_error", "{path}");
        assert_eq!(
            body["error_description"],
            format!("stored block {cid} is corrupt: its bytes do not hash to its CID"),
            "{path}"
        );
    }
    // Other blocks are still served.
    let proposal_cid = app.get(&format!("/api/proposals/{proposal}")).1["ipfs"]
        .as_str()
        .unwrap()
        .to_string();
    assert_eq!(app.get_bytes(&format!("/ipfs/{proposal_cid}")).0, 200);
}
