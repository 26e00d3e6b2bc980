//! The token store: one JSON file, rewritten atomically (temp file in the same folder, fsync,
//! rename, fsync of the folder) with mode 0600, and a lock file beside it so that processes
//! sharing a store refresh one at a time.
//!
//! Neither the store nor its lock file is followed through a symbolic link, a store readable
//! by others is made private again when it is loaded, and temporary files that a killed
//! process left behind (they hold full tokens) are removed on the next load.
//!
//! The file is the token exactly as `Token.to_dict()` gives it, so `Token.from_dict(json.load(f))`
//! reads it back. A stored token without a refresh token is taken for a client-credentials
//! token (Procore gives every authorization-code token a refresh token) and renewed with
//! that grant.

use std::fs::{self, File, OpenOptions};
use std::io::{Read, Write};
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
        let mut opts = OpenOptions::new();
        opts.create(true).truncate(false).write(true);
        no_follow(&mut opts);
        let file = opts
            .open(self.lock_path())
            .map_err(|e| self.io("open the lock file (a symbolic link is refused)", e))?;
        file.lock().map_err(|e| self.io("lock", e))?;
        Ok(StoreLock { file })
    }

    /// The stored token, or `None` when there is no store file yet.
    pub fn load(&self) -> Result<Option<(Token, Origin)>> {
        self.remove_stale_temporaries();
        let mut opts = OpenOptions::new();
        opts.read(true);
        no_follow(&mut opts);
        let mut file = match opts.open(&self.path) {
            Ok(f) => f,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
            Err(e) => return Err(self.io("read (a symbolic link is refused)", e)),
        };
        let meta = file.metadata().map_err(|e| self.io("read", e))?;
        if !meta.is_file() {
            return Err(Error::TokenStore(format!(
                "{}: not a regular file",
                self.path.display()
            )));
        }
        make_private(&file).map_err(|e| self.io("chmod 0600", e))?;
        let mut bytes = Vec::new();
        // A token file is a few hundred bytes: a huge one is not ours.
        (&mut file)
            .take(MAX_STORE_BYTES + 1)
            .read_to_end(&mut bytes)
            .map_err(|e| self.io("read", e))?;
        if bytes.len() as u64 > MAX_STORE_BYTES {
            return Err(Error::TokenStore(format!(
                "{}: larger than {MAX_STORE_BYTES} bytes: not a token file",
                self.path.display()
            )));
        }
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
            .prefix(TEMP_PREFIX)
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

    /// Removes the temporary files of saves that never finished (a process killed between
    /// creating one and renaming it). A save takes milliseconds, so one older than a minute
    /// belongs to no live save. Best effort: failures are ignored.
    fn remove_stale_temporaries(&self) {
        let dir = match self.path.parent() {
            Some(d) if !d.as_os_str().is_empty() => d,
            _ => Path::new("."),
        };
        let Ok(entries) = fs::read_dir(dir) else {
            return;
        };
        let now = std::time::SystemTime::now();
        for entry in entries.flatten() {
            let name = entry.file_name();
            let name = name.to_string_lossy();
            if !(name.starts_with(TEMP_PREFIX) && name.ends_with(".tmp")) {
                continue;
            }
            let old = entry
                .metadata()
                .and_then(|m| m.modified())
                .ok()
                .and_then(|m| now.duration_since(m).ok())
                .is_some_and(|age| age > STALE_TEMPORARY);
            if old {
                let _ = fs::remove_file(entry.path());
            }
        }
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

/// The name every temporary file of a save starts with.
const TEMP_PREFIX: &str = ".procore-token-";
/// Age after which a temporary file belongs to no live save.
const STALE_TEMPORARY: std::time::Duration = std::time::Duration::from_secs(60);
/// The largest store file read.
const MAX_STORE_BYTES: u64 = 1024 * 1024;

#[cfg(unix)]
fn no_follow(opts: &mut OpenOptions) {
    use std::os::unix::fs::OpenOptionsExt;
    opts.custom_flags(libc::O_NOFOLLOW);
}

#[cfg(not(unix))]
fn no_follow(_opts: &mut OpenOptions) {}

/// Clears the group and other bits of an open store file (written by hand, or copied with
/// another umask): a token file stays readable by its owner only.
#[cfg(unix)]
fn make_private(file: &File) -> std::io::Result<()> {
    use std::os::unix::fs::PermissionsExt;
    let mode = file.metadata()?.permissions().mode();
    if mode & 0o077 != 0 {
        file.set_permissions(fs::Permissions::from_mode(mode & 0o700))?;
        log::warn!(
            target: super::logs::OAUTH,
            "the token store was readable by other users (mode {:o}): made it 0600",
            mode & 0o777
        );
    }
    Ok(())
}

#[cfg(not(unix))]
fn make_private(_file: &File) -> std::io::Result<()> {
    Ok(())
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

    #[cfg(unix)]
    #[test]
    fn a_store_readable_by_others_is_made_private_on_load() {
        use std::os::unix::fs::PermissionsExt;
        let dir = tempfile::tempdir().unwrap();
        let store = TokenStore::new(dir.path().join("t.json"));
        store.save(&token('d')).unwrap();
        fs::set_permissions(store.path(), fs::Permissions::from_mode(0o666)).unwrap();
        let (t, _) = store.load().unwrap().unwrap();
        assert_eq!(t, token('d'));
        let mode = fs::metadata(store.path()).unwrap().permissions().mode();
        assert_eq!(mode & 0o777, 0o600);
    }

    #[cfg(unix)]
    #[test]
    fn symbolic_links_are_not_followed() {
        let dir = tempfile::tempdir().unwrap();
        let target = dir.path().join("elsewhere");
        fs::write(&target, b"do not touch").unwrap();
        let store = TokenStore::new(dir.path().join("t.json"));
        std::os::unix::fs::symlink(&target, store.lock_path()).unwrap();
        let err = store
            .lock()
            .err()
            .expect("a symlinked lock file is refused");
        assert!(err.to_string().contains("symbolic link"), "{err}");
        fs::remove_file(store.lock_path()).unwrap();
        std::os::unix::fs::symlink(&target, store.path()).unwrap();
        assert!(store.load().is_err());
        assert_eq!(fs::read(&target).unwrap(), b"do not touch");
    }

    #[test]
    fn stale_temporary_files_are_removed_fresh_ones_kept() {
        let dir = tempfile::tempdir().unwrap();
        let store = TokenStore::new(dir.path().join("t.json"));
        let stale = dir.path().join(".procore-token-old.tmp");
        let fresh = dir.path().join(".procore-token-new.tmp");
        let other = dir.path().join("notes.tmp");
        for p in [&stale, &fresh, &other] {
            fs::write(p, b"{}").unwrap();
        }
        let hour_ago = std::time::SystemTime::now() - std::time::Duration::from_secs(3600);
        File::options()
            .write(true)
            .open(&stale)
            .unwrap()
            .set_modified(hour_ago)
            .unwrap();
        assert!(store.load().unwrap().is_none());
        assert!(!stale.exists());
        assert!(fresh.exists() && other.exists());
    }

    #[test]
    fn a_huge_store_file_is_refused() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("t.json");
        fs::write(&path, vec![b' '; 2 * 1024 * 1024]).unwrap();
        let err = TokenStore::new(&path).load().unwrap_err();
        assert!(err.to_string().contains("not a token file"), "{err}");
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
