//! The graph's version: a content hash of its canonical form.

use std::io;

use sha2::{Digest, Sha256};

use super::Graph;

/// Hex SHA-256 of the graph's JSON with `version` blanked. serde_json writes
/// struct fields in declaration order and our maps are ordered `Vec`s, so the
/// JSON is canonical: the same graph always gives the same bytes.
pub fn version_of(graph: &Graph) -> String {
    if graph.version.is_empty() {
        return digest(graph);
    }
    let mut canonical = graph.clone();
    canonical.version = String::new();
    digest(&canonical)
}

/// Set `graph.version` to [`version_of`] the graph, without copying it.
pub fn stamp(graph: &mut Graph) {
    graph.version.clear();
    graph.version = digest(graph);
}

/// The JSON is streamed into the hash: a big flow's JSON is never held in
/// memory (it would be several times the size of the source).
fn digest(graph: &Graph) -> String {
    // serde_json writes piece by piece; the buffer hands the hash whole blocks.
    let mut hasher = io::BufWriter::with_capacity(16 * 1024, Hashing(Sha256::new()));
    serde_json::to_writer(&mut hasher, graph).expect("a graph always serialises");
    let Ok(Hashing(sha)) = hasher.into_inner() else {
        unreachable!("hashing never fails to write")
    };
    hex::encode(sha.finalize())
}

struct Hashing(Sha256);

impl io::Write for Hashing {
    fn write(&mut self, bytes: &[u8]) -> io::Result<usize> {
        self.0.update(bytes);
        Ok(bytes.len())
    }

    fn flush(&mut self) -> io::Result<()> {
        Ok(())
    }
}
