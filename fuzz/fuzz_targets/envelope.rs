//! Fuzzes the ingest steps that read no database: envelope JSON → shape check
//! → size rule → kind lookup → EIP-712 digest → signer recovery → pinned
//! bytes. Nothing on this path may panic (libfuzzer-sys aborts on any panic,
//! so every one is reported).

#![no_main]

use libfuzzer_sys::fuzz_target;
use votehub::protocol::envelope::Envelope;
use votehub::protocol::signature;
use votehub::protocol::typed_data;

fn hex(bytes: &[u8]) -> String {
    let mut out = String::with_capacity(2 + bytes.len() * 2);
    out.push_str("0x");
    for byte in bytes {
        out.push_str(&format!("{byte:02x}"));
    }
    out
}

fuzz_target!(|data: &[u8]| {
    let Ok(envelope) = Envelope::parse(data) else {
        return;
    };
    // Accessors the ingest path uses before the signature check.
    let claimed = envelope.address();
    let _ = envelope.from();
    let _ = envelope.timestamp();
    let _ = envelope.message_str("space");
    let _ = envelope.message_str("proposal");
    let _ = envelope.check_size();

    let Some(schema) = typed_data::lookup(envelope.types()) else {
        let pinned = envelope.pinned_json("0x");
        assert!(std::str::from_utf8(&pinned).is_ok());
        return;
    };
    assert!(typed_data::current(schema.kind).is_some());

    let id = match typed_data::digest(schema, envelope.domain(), envelope.message()) {
        Ok(digest) => {
            // The digest is a pure function of its input.
            assert_eq!(
                typed_data::digest(schema, envelope.domain(), envelope.message()).as_ref(),
                Ok(&digest)
            );
            if let Ok(sig) = signature::decode_hex_sig(envelope.sig()) {
                if let Ok(recovered) = signature::recover(&digest, &sig) {
                    let _ = recovered == claimed;
                }
            }
            hex(&digest)
        }
        Err(_) => String::from("0x"),
    };
    let pinned = envelope.pinned_json(&id);
    assert!(std::str::from_utf8(&pinned).is_ok());
});
