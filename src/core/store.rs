//! The token store: one JSON file, rewritten atomically (temp file in the same folder, fsync,
//! rename, fsync of the folder) with mode 0600, and a lock file beside it so that processes
//! sharing a store refresh one at a time.
//!
//! The file is the token exactly as `Token.to_dict()` gives it, so `Token.from_dict(json.load(f))`
//! reads it back. A stored token without a refresh token is taken for a client-credentials
//! token (Procore gives every authorization-code token a refresh token) and renewed with
//! that grant.

use std::fs::{self, File, OpenOptions};
use std::io::Write;
use std::path::{Path, PathBuf};

use serde_json::Value;

use super::error::{Error, Result};
use super::token::Token;

/// How a stored token was obtained, which decides how it is renewed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Origin {
    /// Authorization code (renewed with its refresh token).
    AuthorizationCode,
    /// Client credentials (renewed with the same grant).
    ClientCredentials,
    /// Given by the user (renewed with its refresh token, if it has one).
    External,
}

#[derive(Debug, Clone)]
pub struct TokenStore {
    path: PathBuf,
}

/// An exclusive lock on the store, held while a refresh is decided and done.
pub struct StoreLock {
    file: File,
}

impl Drop for StoreLock {
    fn drop(&mut self) {
        let _ = self.file.unlock();
    }
}

impl TokenStore {
    pub fn new(path: impl Into<PathBuf>) -> Self {
        TokenStore { path: path.into() }
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    fn lock_path(&self) -> PathBuf {
        let mut name = self
            .path
            .file_name()
            .map(|n| n.to_os_string())
            .unwrap_or_default();
        name.push(".lock");
        self.path.with_file_name(name)
    }

    /// Takes the store's lock, blocking until other processes release it.
    pub fn lock(&self) -> Result<StoreLock> {
        let file = OpenOptions::new()
            .create(true)
            .truncate(false)
            .write(true)
            .open(self.lock_path())
            .map_err(|e| self.io("open the lock file", e))?;
        file.lock().map_err(|e| self.io("lock", e))?;
        Ok(StoreLock { file })
    }

    /// The stored token, or `None` when there is no store file yet.
    pub fn load(&self) -> Result<Option<(Token, Origin)>> {
        let bytes = match fs::read(&self.path) {
            Ok(b) => b,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
            Err(e) => return Err(self.io("read", e)),
        };
        let value: Value = serde_json::from_slice(&bytes).map_err(|e| {
            Error::TokenStore(format!("{}: not valid JSON: {e}", self.path.display()))
        })?;
        let token = Token::from_json(&value)
            .map_err(|e| Error::TokenStore(format!("{}: {e}", self.path.display())))?;
        let origin = if token.refresh_token.is_some() {
            Origin::AuthorizationCode
        } else {
            Origin::ClientCredentials
        };
        Ok(Some((token, origin)))
    }

    /// Writes the token atomically with mode 0600: a crash leaves the old file or the new one.
    pub fn save(&self, token: &Token) -> Result<()> {
        let doc = token.to_json();
        let body = serde_json::to_vec_pretty(&doc).map_err(|e| Error::TokenStore(e.to_string()))?;
        let dir = match self.path.parent() {
            Some(d) if !d.as_os_str().is_empty() => d.to_path_buf(),
            _ => PathBuf::from("."),
        };
        fs::create_dir_all(&dir).map_err(|e| self.io("create its folder", e))?;
        // tempfile creates the file with mode 0600 on Unix.
        let mut tmp = tempfile::Builder::new()
            .prefix(".procore-token-")
            .suffix(".tmp")
            .tempfile_in(&dir)
            .map_err(|e| self.io("create a temporary file", e))?;
        tmp.write_all(&body).map_err(|e| self.io("write", e))?;
        tmp.as_file().sync_all().map_err(|e| self.io("fsync", e))?;
        tmp.persist(&self.path)
            .map_err(|e| self.io("rename the temporary file", e.error))?;
        set_private(&self.path).map_err(|e| self.io("chmod 0600", e))?;
        if let Ok(d) = File::open(&dir) {
            let _ = d.sync_all();
        }
        Ok(())
    }

    /// Removes the store (after a revoke).
    pub fn remove(&self) -> Result<()> {
        match fs::remove_file(&self.path) {
            Ok(()) => Ok(()),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(()),
            Err(e) => Err(self.io("remove", e)),
        }
    }

    fn io(&self, what: &str, e: std::io::Error) -> Error {
        Error::TokenStore(format!("{}: cannot {what}: {e}", self.path.display()))
    }
}

#[cfg(unix)]
fn set_private(path: &Path) -> std::io::Result<()> {
    use std::os::unix::fs::PermissionsExt;
    fs::set_permissions(path, fs::Permissions::from_mode(0o600))
}

#[cfg(not(unix))]
fn set_private(_path: &Path) -> std::io::Result<()> {
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::core::secret::Secret;

    fn token(n: char) -> Token {
        let mut t = Token::bearer(Secret::new(n.to_string().repeat(64)));
        t.refresh_token = Some(Secret::new("r".repeat(64)));
        t.expires_in = Some(5400);
        t
    }

    #[test]
    fn save_then_load_round_trips_with_mode_0600() {
        let dir = tempfile::tempdir().unwrap();
        let store = TokenStore::new(dir.path().join("sub/token.json"));
        assert!(store.load().unwrap().is_none());
        store.save(&token('a')).unwrap();
        let (t, origin) = store.load().unwrap().unwrap();
        assert_eq!(t, token('a'));
        assert_eq!(origin, Origin::AuthorizationCode);
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = fs::metadata(store.path()).unwrap().permissions().mode();
            assert_eq!(mode & 0o777, 0o600);
        }
        let mut cc = token('b');
        cc.refresh_token = None;
        store.save(&cc).unwrap();
        let (t, origin) = store.load().unwrap().unwrap();
        assert_eq!(t, cc);
        assert_eq!(origin, Origin::ClientCredentials);
        // Only the store: no temporary files left behind.
        let names: Vec<_> = fs::read_dir(dir.path().join("sub"))
            .unwrap()
            .map(|e| e.unwrap().file_name())
            .collect();
        assert_eq!(names, vec![std::ffi::OsString::from("token.json")]);
        store.remove().unwrap();
        assert!(store.load().unwrap().is_none());
    }

    #[test]
    fn a_bare_token_dict_loads() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("t.json");
        fs::write(&path, serde_json::to_vec(&token('c').to_json()).unwrap()).unwrap();
        let (t, origin) = TokenStore::new(&path).load().unwrap().unwrap();
        assert_eq!(t, token('c'));
        assert_eq!(origin, Origin::AuthorizationCode);
    }

    #[test]
    fn a_broken_file_is_a_clear_error() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("t.json");
        fs::write(&path, b"{\"access_to").unwrap();
        let err = TokenStore::new(&path).load().unwrap_err();
        assert!(matches!(err, Error::TokenStore(m) if m.contains("not valid JSON")));
    }

    #[test]
    fn lock_is_exclusive_across_handles() {
        let dir = tempfile::tempdir().unwrap();
        let store = TokenStore::new(dir.path().join("t.json"));
        let held = store.lock().unwrap();
        let other = OpenOptions::new()
            .write(true)
            .open(store.lock_path())
            .unwrap();
        assert!(other.try_lock().is_err());
        drop(held);
        assert!(other.try_lock().is_ok());
    }
}
