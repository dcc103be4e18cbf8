//! The graph's version: a content hash of its canonical form.

use sha2::{Digest, Sha256};

use super::Graph;

/// Hex SHA-256 of the graph's JSON with `version` blanked. serde_json writes
/// struct fields in declaration order and our maps are ordered `Vec`s, so the
/// JSON is canonical: the same graph always gives the same bytes.
pub fn version_of(graph: &Graph) -> String {
    let mut canonical = graph.clone();
    canonical.version = String::new();
    let bytes = serde_json::to_vec(&canonical).expect("a graph always serialises");
    let digest = Sha256::digest(&bytes);
    hex::encode(digest)
}
