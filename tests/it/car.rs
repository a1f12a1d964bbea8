//! `GET /ipfs/{cid}?format=car` streams the DAG: blocks are read from the
//! store a step at a time as the client takes them, and the bytes are
//! exactly those of the in-memory CAR the server used to build.

use std::io::Read;
use std::time::Duration;

use futures_util::StreamExt;
use votehub::reads::CAR_STEP_BYTES;

use super::helpers::*;

/// The roots and blocks of a CARv1, as `ipfs dag import` reads it.
fn parse_car(app: &TestApp, car: &[u8]) -> (Vec<cid::Cid>, Vec<(cid::Cid, Vec<u8>)>) {
    app.block_on(async {
        let mut reader = iroh_car::CarReader::new(car).await.unwrap();
        let roots = reader.header().roots().to_vec();
        let mut blocks = Vec::new();
        while let Some(block) = reader.next_block().await.unwrap() {
            blocks.push(block);
        }
        (roots, blocks)
    })
}

/// A DAG many steps long comes out of the store in chunks of about one step,
/// and over HTTP as a CAR holding every block, each hashing to its CID.
#[test]
fn a_dag_larger_than_a_step_streams_in_steps_and_whole() {
    let app = spawn_app();
    let root = app.store_dag(6);
    let expected = app.expected_car(&root);
    let dag = app.store.reader().unwrap().db().dag(&root).unwrap();
    let largest = dag.iter().map(|(_, bytes)| bytes.len()).max().unwrap();

    let chunks: Vec<Vec<u8>> = app.block_on(async {
        let stream = app.reads.car(root.clone()).await.unwrap();
        stream.map(Result::unwrap).collect().await
    });
    assert!(chunks.len() > 20, "{} chunks", chunks.len());
    for chunk in &chunks {
        // A step stops once it holds CAR_STEP_BYTES: at most one section over.
        assert!(
            chunk.len() < CAR_STEP_BYTES + largest + 64,
            "{}",
            chunk.len()
        );
    }
    assert_eq!(chunks.concat(), expected);

    let (status, content_type, car) = app.get_bytes(&format!("/ipfs/{root}?format=car"));
    assert_eq!(
        (status, content_type.as_str()),
        (200, "application/vnd.ipld.car; version=1")
    );
    assert_eq!(car, expected);
    let (roots, blocks) = parse_car(&app, &car);
    assert_eq!(roots.len(), 1);
    assert_eq!(roots[0].to_string(), root);
    assert_eq!(blocks.len(), dag.len());
    for ((cid, bytes), stored) in blocks.iter().zip(&dag) {
        assert!(votehub::ipld::matches(cid, bytes), "{cid}");
        assert_eq!(&(*cid, bytes.clone()), stored);
    }
}

/// A client that stops reading (so the server's socket fills and the stream
/// waits) and then reads in small pieces still gets the whole CAR, byte for
/// byte.
#[test]
fn a_slow_reader_gets_the_whole_car() {
    let app = spawn_app();
    // Larger than what the kernel buffers on loopback, so the stream waits.
    let root = app.store_dag(12);
    let expected = app.expected_car(&root);
    let response = ureq::get(format!("{}/ipfs/{root}?format=car", app.url))
        .call()
        .unwrap();
    let mut reader = response.into_body().into_reader();
    let mut car = Vec::new();
    let mut piece = vec![0u8; 16 << 10];
    let mut reads = 0;
    loop {
        let n = reader.read(&mut piece).unwrap();
        if n == 0 {
            break;
        }
        car.extend_from_slice(&piece[..n]);
        reads += 1;
        if reads == 1 {
            std::thread::sleep(Duration::from_secs(1));
        } else if reads % 16 == 0 {
            std::thread::sleep(Duration::from_millis(5));
        }
    }
    assert_eq!(car.len(), expected.len());
    assert!(car == expected, "the CAR differs");
}
