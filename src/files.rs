//! The evidence file store: each file is kept once, under the data directory, at a
//! path made only of its SHA-256 (`evidence/ab/cd/abcd…`). Names from clients are
//! never used as paths; a file is written to a temporary file in the same directory
//! tree, flushed, and renamed into place, so a reader never sees half a file.

use sha2::{Digest, Sha256};
use std::io::Write;
use std::path::{Path, PathBuf};

#[derive(Debug)]
pub struct FileStore {
    root: PathBuf,
    /// The largest file accepted, in bytes.
    pub max_bytes: u64,
    /// How long an upload's body may take to arrive.
    pub upload_timeout: std::time::Duration,
}

/// A file's content address.
pub fn sha256_hex(bytes: &[u8]) -> String {
    hex::encode(Sha256::digest(bytes))
}

impl FileStore {
    /// A store under `data_dir/evidence`, created if missing.
    pub fn open(data_dir: &Path, max_bytes: u64) -> std::io::Result<FileStore> {
        let root = data_dir.join("evidence");
        std::fs::create_dir_all(root.join("tmp"))?;
        Ok(FileStore { root, max_bytes, upload_timeout: std::time::Duration::from_secs(120) })
    }

    /// The same store with another upload timeout.
    pub fn with_upload_timeout(mut self, t: std::time::Duration) -> FileStore {
        self.upload_timeout = t;
        self
    }

    /// Where the file with this hash lives; `None` for anything that is not a
    /// lowercase hex SHA-256 (so no other path can ever be formed).
    pub fn path_of(&self, sha256: &str) -> Option<PathBuf> {
        let ok = sha256.len() == 64
            && sha256.bytes().all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b));
        ok.then(|| self.root.join(&sha256[..2]).join(&sha256[2..4]).join(sha256))
    }

    /// Stores `bytes` under their hash (once: a file already there is kept) and
    /// returns the hash.
    pub fn put(&self, bytes: &[u8]) -> std::io::Result<String> {
        let sha = sha256_hex(bytes);
        let path = self.path_of(&sha).ok_or_else(|| std::io::Error::other("bad hash"))?;
        if path.exists() {
            return Ok(sha);
        }
        if let Some(dir) = path.parent() {
            std::fs::create_dir_all(dir)?;
        }
        let mut tmp = tempfile::NamedTempFile::new_in(self.root.join("tmp"))?;
        tmp.write_all(bytes)?;
        tmp.as_file().sync_all()?;
        tmp.persist(&path).map_err(|e| e.error)?;
        Ok(sha)
    }

    /// The stored file with this hash.
    pub fn read(&self, sha256: &str) -> std::io::Result<Vec<u8>> {
        let path = self.path_of(sha256).ok_or_else(|| std::io::Error::other("bad hash"))?;
        std::fs::read(path)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn content_addressed_once_and_only_hashes_make_paths() {
        let dir = tempfile::tempdir().unwrap();
        let store = FileStore::open(dir.path(), 1024).unwrap();
        let sha = store.put(b"%PDF-1.7 hello").unwrap();
        assert_eq!(sha, sha256_hex(b"%PDF-1.7 hello"));
        let path = store.path_of(&sha).unwrap();
        assert!(path.starts_with(dir.path().join("evidence")));
        assert!(path.ends_with(format!("{}/{}/{sha}", &sha[..2], &sha[2..4])));
        assert_eq!(store.read(&sha).unwrap(), b"%PDF-1.7 hello");
        // The same content again is the same file.
        assert_eq!(store.put(b"%PDF-1.7 hello").unwrap(), sha);
        // Nothing but a hex hash names a path.
        for bad in ["../../etc/passwd", "", &"A".repeat(64), &format!("{}/x", &sha[..62])] {
            assert!(store.path_of(bad).is_none(), "{bad}");
        }
        // No temporary files are left behind.
        assert_eq!(std::fs::read_dir(dir.path().join("evidence/tmp")).unwrap().count(), 0);
    }
}
