//! Where `votehub verify` and `verify-log` read blocks from: [`Blocks`], a
//! CAR held in memory or mapped from its file (a gateway's CAR and a Kubo
//! node are in `crate::ipfs`). A source only delivers bytes; the verifier
//! checks every block against its CID itself.

use std::borrow::Cow;
use std::collections::HashMap;

use cid::Cid;

/// Why a block could not be read.
#[derive(Debug, thiserror::Error)]
pub enum BlockSourceError {
    #[error("block {0} is not in the source")]
    Missing(String),
    #[error("{0}")]
    Fetch(String),
    #[error("CAR: {0}")]
    Car(String),
}

/// A read-only store of blocks, shared by the verifier's threads.
pub trait BlockSource: Sync {
    /// The bytes stored under `cid`, unchecked.
    fn get(&self, cid: &Cid) -> Result<Cow<'_, [u8]>, BlockSourceError>;
}

/// Blocks held in memory: a CAR file, a gateway's CAR, or blocks in a test.
/// The bytes stay in one buffer (a CAR file is mapped, not copied), indexed
/// by CID, so a million-block CAR costs no allocation per block.
#[derive(Debug, Default, Clone)]
pub struct Blocks {
    bytes: CarBytes,
    index: HashMap<Cid, std::ops::Range<usize>>,
}

/// A CAR's bytes: received into memory, or mapped from its file.
#[derive(Debug)]
enum CarBytes {
    Owned(Vec<u8>),
    Mapped(memmap2::Mmap),
}

impl Default for CarBytes {
    fn default() -> Self {
        CarBytes::Owned(Vec::new())
    }
}

impl Clone for CarBytes {
    fn clone(&self) -> Self {
        CarBytes::Owned(self.to_vec())
    }
}

impl std::ops::Deref for CarBytes {
    type Target = [u8];

    fn deref(&self) -> &[u8] {
        match self {
            CarBytes::Owned(bytes) => bytes,
            CarBytes::Mapped(map) => map,
        }
    }
}

impl Blocks {
    pub fn new(blocks: impl IntoIterator<Item = (Cid, Vec<u8>)>) -> Self {
        let mut all = Blocks::default();
        for (cid, bytes) in blocks {
            all.insert(cid, bytes);
        }
        all
    }

    /// The blocks of a CARv1 in memory (roots are ignored: the verifier is
    /// told its root).
    pub fn from_car(bytes: &[u8]) -> Result<Self, BlockSourceError> {
        Blocks::index_car(CarBytes::Owned(bytes.to_vec()))
    }

    /// The blocks of a CARv1 file, indexed in place. A regular file is
    /// mapped into memory rather than copied: at a million votes, reading the
    /// 1.4 GB file into fresh pages and freeing them took 5.5 s. Anything
    /// else (a pipe, `/dev/stdin`) is read whole.
    pub fn from_car_file(path: &std::path::Path) -> Result<Self, BlockSourceError> {
        let failed =
            |err: std::io::Error| BlockSourceError::Car(format!("{}: {err}", path.display()));
        let file = std::fs::File::open(path).map_err(failed)?;
        let regular = file.metadata().map_err(failed)?.is_file();
        // SAFETY: the map is only read, and only while `Blocks` lives. A map
        // is sound only while no other process changes the file: truncating
        // it kills the verifier with SIGBUS, and rewriting it in place could
        // change a block between its hash check and its parse. The verifier
        // reads an auditor's own copy of a bundle, which nothing else writes
        // during a run; README's audit section says so.
        let mapped = regular
            .then(|| unsafe { memmap2::Mmap::map(&file) }.ok())
            .flatten();
        let bytes = match mapped {
            Some(map) => CarBytes::Mapped(map),
            None => {
                let mut bytes = Vec::new();
                std::io::Read::read_to_end(&mut &file, &mut bytes).map_err(failed)?;
                CarBytes::Owned(bytes)
            }
        };
        Blocks::index_car(bytes)
    }

    /// Indexes the sections of a CARv1: `varint(len) ‖ header`, then per block
    /// `varint(len) ‖ CID ‖ data`.
    fn index_car(bytes: CarBytes) -> Result<Self, BlockSourceError> {
        let bad = |what: &str, at: usize| BlockSourceError::Car(format!("{what} at byte {at}"));
        let section = |at: usize| -> Result<std::ops::Range<usize>, BlockSourceError> {
            let (len, rest) = unsigned_varint::decode::usize(&bytes[at..])
                .map_err(|_| bad("a bad section length", at))?;
            let start = bytes.len() - rest.len();
            let end = start
                .checked_add(len)
                .filter(|end| *end <= bytes.len())
                .ok_or_else(|| bad("a truncated section", at))?;
            Ok(start..end)
        };
        let header = section(0)?;
        // Refuses any version but 1 and an empty root list.
        iroh_car::CarHeader::decode(&bytes[header.clone()])
            .map_err(|err| BlockSourceError::Car(err.to_string()))?;
        let mut index = HashMap::new();
        let mut at = header.end;
        while at < bytes.len() {
            let block = section(at)?;
            let mut rest = &bytes[block.clone()];
            let cid = Cid::read_bytes(&mut rest).map_err(|_| bad("a bad CID", block.start))?;
            // A CID listed twice: the first copy counts.
            index
                .entry(cid)
                .or_insert(block.end - rest.len()..block.end);
            at = block.end;
        }
        Ok(Blocks { bytes, index })
    }

    /// The blocks of a CARv1 received into memory, indexed without a copy.
    pub fn from_car_bytes(bytes: Vec<u8>) -> Result<Self, BlockSourceError> {
        Blocks::index_car(CarBytes::Owned(bytes))
    }

    /// Replaces or adds a block (tests build tampered bundles this way).
    pub fn insert(&mut self, cid: Cid, block: Vec<u8>) {
        let mut bytes = match std::mem::take(&mut self.bytes) {
            CarBytes::Owned(bytes) => bytes,
            CarBytes::Mapped(map) => map.to_vec(),
        };
        let start = bytes.len();
        bytes.extend_from_slice(&block);
        self.index.insert(cid, start..bytes.len());
        self.bytes = CarBytes::Owned(bytes);
    }

    pub fn len(&self) -> usize {
        self.index.len()
    }

    pub fn is_empty(&self) -> bool {
        self.index.is_empty()
    }
}

impl BlockSource for Blocks {
    fn get(&self, cid: &Cid) -> Result<Cow<'_, [u8]>, BlockSourceError> {
        self.index
            .get(cid)
            .map(|range| Cow::Borrowed(&self.bytes[range.clone()]))
            .ok_or_else(|| BlockSourceError::Missing(cid.to_string()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn car_of(blocks: &[(Cid, Vec<u8>)]) -> Vec<u8> {
        let mut car = crate::ipld::car_header(&[blocks[0].0]).unwrap();
        for (cid, bytes) in blocks {
            crate::ipld::car_section(&mut car, cid, bytes);
        }
        car
    }

    fn block(text: &str) -> (Cid, Vec<u8>) {
        let cid = Cid::try_from(crate::ipld::raw_cid(text.as_bytes()).as_str()).unwrap();
        (cid, text.as_bytes().to_vec())
    }

    #[test]
    fn a_car_is_indexed_in_place_from_memory_and_from_its_file() {
        let blocks = vec![block("one"), block(""), block(&"x".repeat(300))];
        let car = car_of(&blocks);
        let file = tempfile::NamedTempFile::new().unwrap();
        std::fs::write(file.path(), &car).unwrap();
        for source in [
            Blocks::from_car(&car).unwrap(),
            Blocks::from_car_file(file.path()).unwrap(),
        ] {
            assert_eq!(source.len(), 3);
            for (cid, bytes) in &blocks {
                assert_eq!(&*source.get(cid).unwrap(), bytes.as_slice());
            }
            let mut changed = source.clone();
            changed.insert(blocks[0].0, b"two".to_vec());
            assert_eq!(&*changed.get(&blocks[0].0).unwrap(), b"two");
            assert_eq!(&*changed.get(&blocks[2].0).unwrap(), blocks[2].1.as_slice());
        }
    }

    #[test]
    fn a_car_from_a_pipe_is_read_whole() {
        let dir = tempfile::tempdir().unwrap();
        let fifo = dir.path().join("bundle.car");
        let made = std::process::Command::new("mkfifo")
            .arg(&fifo)
            .status()
            .unwrap();
        assert!(made.success());
        let blocks = vec![block("one"), block("two")];
        let car = car_of(&blocks);
        let path = fifo.clone();
        let writer = std::thread::spawn(move || std::fs::write(path, car).unwrap());
        let source = Blocks::from_car_file(&fifo).unwrap();
        writer.join().unwrap();
        assert_eq!(source.len(), 2);
        assert_eq!(&*source.get(&blocks[1].0).unwrap(), b"two");
    }

    #[test]
    fn a_cid_listed_twice_keeps_its_first_copy() {
        let (cid, bytes) = block("one");
        let car = car_of(&[(cid, bytes.clone()), (cid, b"forged".to_vec())]);
        let source = Blocks::from_car(&car).unwrap();
        assert_eq!(&*source.get(&cid).unwrap(), bytes.as_slice());
    }

    #[test]
    fn a_damaged_car_is_an_error_not_a_panic() {
        let car = car_of(&[block("one"), block("two")]);
        for end in 0..car.len() {
            if let Ok(source) = Blocks::from_car(&car[..end]) {
                // Cut exactly between sections: whole blocks only.
                assert!(source.len() < 2, "cut at {end}");
            }
        }
        let mut bad_cid = car.clone();
        let header_len = usize::from(car[0]) + 1;
        bad_cid[header_len + 1] = 0xff;
        assert!(Blocks::from_car(&bad_cid).is_err());
        assert!(matches!(
            Blocks::from_car(b"\x05hello"),
            Err(BlockSourceError::Car(_))
        ));
    }
}
