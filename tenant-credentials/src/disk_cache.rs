//! The `credential_process` cache on disk.
//!
//! - Where: `$XDG_CACHE_HOME/tenant-credentials/`, or
//!   `$HOME/.cache/tenant-credentials/` when `XDG_CACHE_HOME` is unset or
//!   not absolute (as the XDG Base Directory spec says). The directory is
//!   mode 0700, every file 0600: entries hold secret keys.
//! - Which file: a SHA-256 over the endpoint, the SHA-256 of the API key and
//!   the request's options, so two keys, two endpoints or a read-only and a
//!   read-write request never share an entry, and the name reveals none of them.
//! - Writes are atomic (a private temporary file, then `rename`), so a
//!   reader sees the old entry or the new one, never half of one. A lock
//!   file per entry lets one process fetch while concurrent ones wait and
//!   then read what it wrote.

use std::fs::{self, DirBuilder, File, OpenOptions, Permissions};
use std::io::{ErrorKind, Write};
use std::os::unix::fs::{DirBuilderExt, OpenOptionsExt, PermissionsExt};
use std::path::{Path, PathBuf};

use chrono::{DateTime, Duration, Utc};
use sha2::{Digest, Sha256};
use tenant_registry::{ApiKeyHash, CredentialsBody};

use crate::{Error, Settings};

/// Cached credentials are reused until this long before they expire.
pub const REFRESH_BEFORE_EXPIRY_SECONDS: i64 = 300;

/// The directory under the cache home.
pub const CACHE_DIR_NAME: &str = "tenant-credentials";

/// The cache directory.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DiskCache {
    dir: PathBuf,
}

/// One entry: the file for one endpoint, key and set of options.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CacheEntry {
    path: PathBuf,
}

/// Credentials read back from the cache.
#[derive(Clone, PartialEq, Eq)]
pub struct Cached {
    /// The body, checked against the contract again on every read.
    pub body: CredentialsBody,
    /// The body as the vendor sent it.
    pub text: String,
}

impl std::fmt::Debug for Cached {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Cached")
            .field("access_key_id", &self.body.access_key_id)
            .field("expiration", &self.body.expiration)
            .finish_non_exhaustive()
    }
}

impl Cached {
    /// Whether to reuse it without asking the vendor: more than five
    /// minutes of life left.
    pub fn is_fresh(&self, now: DateTime<Utc>) -> bool {
        self.body.expiration - now > Duration::seconds(REFRESH_BEFORE_EXPIRY_SECONDS)
    }

    /// Whether it still works at all (the fallback when the vendor can't be asked).
    pub fn is_valid(&self, now: DateTime<Utc>) -> bool {
        self.body.expiration > now
    }
}

/// Holds an entry's lock until dropped.
#[derive(Debug)]
pub struct EntryLock(File);

impl Drop for EntryLock {
    fn drop(&mut self) {
        // Closing the file releases the lock anyway; unlocking first just
        // lets a waiting process go a little sooner.
        let _ = self.0.unlock();
    }
}

impl DiskCache {
    /// The cache under the environment's cache home.
    ///
    /// # Errors
    /// [`Error::Cache`] when neither an absolute `XDG_CACHE_HOME` nor
    /// `HOME` is set.
    pub fn from_env() -> Result<Self, Error> {
        let var = |name| std::env::var_os(name).map(PathBuf::from);
        Self::from_homes(var("XDG_CACHE_HOME"), var("HOME"))
    }

    /// The cache for the given `XDG_CACHE_HOME` and `HOME`.
    ///
    /// # Errors
    /// As [`DiskCache::from_env`].
    pub fn from_homes(
        xdg_cache_home: Option<PathBuf>,
        home: Option<PathBuf>,
    ) -> Result<Self, Error> {
        let base = xdg_cache_home
            .filter(|p| p.is_absolute())
            .or_else(|| {
                home.filter(|p| p.is_absolute())
                    .map(|home| home.join(".cache"))
            })
            .ok_or_else(|| Error::Cache {
                path: PathBuf::from("$XDG_CACHE_HOME"),
                problem: "neither XDG_CACHE_HOME nor HOME is an absolute path".into(),
            })?;
        Ok(Self::at(base.join(CACHE_DIR_NAME)))
    }

    /// The cache in `dir` itself.
    pub fn at(dir: impl Into<PathBuf>) -> Self {
        Self { dir: dir.into() }
    }

    /// The directory.
    pub fn dir(&self) -> &Path {
        &self.dir
    }

    /// The entry for `settings`.
    pub fn entry(&self, settings: &Settings) -> CacheEntry {
        let mut hash = Sha256::new();
        // Length-prefixed fields: no two different inputs concatenate alike.
        for field in [
            "tenant-credentials cache v1".to_owned(),
            settings.endpoint.to_string(),
            ApiKeyHash::of(settings.api_key.expose()).to_hex(),
            settings
                .options
                .duration_seconds
                .map(|d| d.to_string())
                .unwrap_or_default(),
            settings
                .options
                .scope
                .map(|s| s.as_str().to_owned())
                .unwrap_or_default(),
        ] {
            hash.update((field.len() as u64).to_be_bytes());
            hash.update(field.as_bytes());
        }
        let name = hex::encode(hash.finalize());
        CacheEntry {
            path: self.dir.join(format!("{name}.json")),
        }
    }

    fn ensure_dir(&self) -> Result<(), Error> {
        let problem = |e: std::io::Error| Error::Cache {
            path: self.dir.clone(),
            problem: e.to_string(),
        };
        DirBuilder::new()
            .recursive(true)
            .mode(0o700)
            .create(&self.dir)
            .map_err(problem)?;
        // An existing directory made by hand may be wider: narrow it.
        fs::set_permissions(&self.dir, Permissions::from_mode(0o700)).map_err(problem)
    }
}

impl CacheEntry {
    /// The entry's file.
    pub fn path(&self) -> &Path {
        &self.path
    }

    fn lock_path(&self) -> PathBuf {
        self.path.with_extension("lock")
    }

    fn problem(&self, e: impl std::fmt::Display) -> Error {
        Error::Cache {
            path: self.path.clone(),
            problem: e.to_string(),
        }
    }

    /// The cached credentials, or `None` when there are none.
    ///
    /// # Errors
    /// [`Error::Cache`] when the file cannot be read, is readable by others
    /// than its owner (someone widened it: not trusted), or is not a valid
    /// body (it is then removed).
    pub fn read(&self) -> Result<Option<Cached>, Error> {
        let text = match fs::read_to_string(&self.path) {
            Ok(text) => text,
            Err(e) if e.kind() == ErrorKind::NotFound => return Ok(None),
            Err(e) => return Err(self.problem(e)),
        };
        let mode = fs::metadata(&self.path)
            .map_err(|e| self.problem(e))?
            .permissions()
            .mode();
        if mode & 0o077 != 0 {
            return Err(self.problem(format!(
                "mode {:o} lets others read it; not used (it is replaced on the next fetch)",
                mode & 0o777
            )));
        }
        match CredentialsBody::parse(&text) {
            Ok(body) => Ok(Some(Cached { body, text })),
            Err(e) => {
                self.remove();
                Err(self.problem(format!("not a valid entry, removed ({e})")))
            }
        }
    }

    /// Replaces the entry with `text`, atomically, mode 0600.
    ///
    /// # Errors
    /// [`Error::Cache`] when the directory or the file cannot be written;
    /// the previous entry is then untouched.
    pub fn write(&self, cache: &DiskCache, text: &str) -> Result<(), Error> {
        cache.ensure_dir()?;
        let temp = self.path.with_extension(format!(
            "tmp.{}.{}",
            std::process::id(),
            Utc::now().timestamp_nanos_opt().unwrap_or_default()
        ));
        let written = OpenOptions::new()
            .write(true)
            .create_new(true)
            .mode(0o600)
            .open(&temp)
            .and_then(|mut file| {
                file.write_all(text.as_bytes())?;
                file.sync_all()
            })
            .and_then(|()| fs::rename(&temp, &self.path));
        written.map_err(|e| {
            let _ = fs::remove_file(&temp);
            self.problem(e)
        })
    }

    /// Removes the entry (the vendor refused this key: its credentials are
    /// not to be served again). A missing entry is not an error.
    pub fn remove(&self) {
        let _ = fs::remove_file(&self.path);
    }

    /// Takes the entry's lock, waiting for a process that holds it.
    ///
    /// # Errors
    /// [`Error::Cache`] when the lock file cannot be opened or locked (a
    /// file system without locks): the caller goes on without it, since
    /// writes stay atomic.
    pub fn lock(&self, cache: &DiskCache) -> Result<EntryLock, Error> {
        cache.ensure_dir()?;
        let file = OpenOptions::new()
            .read(true)
            .write(true)
            .create(true)
            .truncate(false)
            .mode(0o600)
            .open(self.lock_path())
            .map_err(|e| self.problem(e))?;
        file.lock().map_err(|e| self.problem(e))?;
        Ok(EntryLock(file))
    }
}

#[cfg(test)]
mod tests {
    use std::collections::HashMap;

    use super::*;
    use crate::settings::{API_KEY_VAR, DURATION_VAR, ENDPOINT_VAR, SCOPE_VAR};

    fn settings(pairs: &[(&str, &str)]) -> Settings {
        let mut vars: HashMap<String, String> = [
            (
                ENDPOINT_VAR.to_owned(),
                "https://h.example/credentials".to_owned(),
            ),
            (API_KEY_VAR.to_owned(), "key-one".to_owned()),
        ]
        .into();
        for (k, v) in pairs {
            vars.insert((*k).to_owned(), (*v).to_owned());
        }
        Settings::from_vars(&vars).unwrap()
    }

    #[test]
    fn xdg_cache_home_wins_when_absolute_and_home_is_the_fallback() {
        let at = |xdg: Option<&str>, home: Option<&str>| {
            DiskCache::from_homes(xdg.map(PathBuf::from), home.map(PathBuf::from))
                .map(|c| c.dir().to_path_buf())
        };
        assert_eq!(
            at(Some("/x/cache"), Some("/home/t")).unwrap(),
            PathBuf::from("/x/cache/tenant-credentials")
        );
        assert_eq!(
            at(None, Some("/home/t")).unwrap(),
            PathBuf::from("/home/t/.cache/tenant-credentials")
        );
        assert_eq!(
            at(Some("relative/cache"), Some("/home/t")).unwrap(),
            PathBuf::from("/home/t/.cache/tenant-credentials"),
            "a relative XDG_CACHE_HOME is ignored, as the spec says"
        );
        assert!(at(None, None).is_err());
    }

    #[test]
    fn every_part_of_the_request_has_its_own_entry_and_the_name_hides_them() {
        let cache = DiskCache::at("/c");
        let base = cache.entry(&settings(&[]));
        let others = [
            settings(&[(API_KEY_VAR, "key-two")]),
            settings(&[(ENDPOINT_VAR, "https://other.example/credentials")]),
            settings(&[(DURATION_VAR, "900")]),
            settings(&[(SCOPE_VAR, "read-only")]),
        ];
        for other in &others {
            assert_ne!(cache.entry(other), base, "{other:?}");
        }
        assert_eq!(cache.entry(&settings(&[])), base, "stable");
        let name = base.path().file_name().unwrap().to_str().unwrap();
        assert_eq!(name.len(), 64 + ".json".len());
        assert!(!name.contains("key-one") && !name.contains(&ApiKeyHash::of("key-one").to_hex()));
    }
}
