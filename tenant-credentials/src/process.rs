//! The `credential_process` flow: from the cache when it is fresh, else from
//! the vendor, else (vendor unreachable or throttled) from the cache while
//! it is still valid.

use chrono::{DateTime, SecondsFormat, Utc};

use crate::disk_cache::{CacheEntry, Cached, DiskCache};
use crate::{Error, VendorClient};

/// Where the printed credentials came from.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Source {
    /// Fetched from the vendor just now.
    Vendor,
    /// A cached entry with more than five minutes left.
    Cache,
    /// A cached entry served because the vendor could not be asked.
    CacheFallback,
}

/// What to print: the credentials on stdout, warnings on stderr.
#[derive(Clone, PartialEq, Eq)]
pub struct Served {
    /// The vendor's body: valid `credential_process` output.
    pub text: String,
    /// Where it came from.
    pub source: Source,
    /// Problems worth telling the user that did not stop the credentials.
    pub warnings: Vec<String>,
}

impl std::fmt::Debug for Served {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Served")
            .field("source", &self.source)
            .field("warnings", &self.warnings)
            .finish_non_exhaustive()
    }
}

/// A failure, with the warnings gathered before it.
#[derive(Debug)]
pub struct Failed {
    /// Why no credentials were printed.
    pub error: Error,
    /// What else went wrong on the way.
    pub warnings: Vec<String>,
    /// Set when a cached entry existed but had expired.
    pub expired_at: Option<DateTime<Utc>>,
}

/// Runs the flow once. `cache` is `None` with `--no-cache`.
///
/// # Errors
/// [`Failed`] when no credentials can be printed: the vendor refused (the
/// cached entry is then removed), or could not be asked and nothing valid
/// is cached, or answered with something that is not credentials.
pub async fn run(client: &VendorClient, cache: Option<&DiskCache>) -> Result<Served, Failed> {
    let Some(cache) = cache else {
        return fetch_only(client).await;
    };
    let mut warnings = Vec::new();
    let entry = cache.entry(client.settings());
    let cached = read(&entry, &mut warnings);
    if let Some(cached) = cached.filter(|c| c.is_fresh(Utc::now())) {
        return Ok(served(cached.text, Source::Cache, warnings));
    }
    // One process fetches; the others wait here and then find its entry.
    let _lock = entry
        .lock(cache)
        .map_err(|e| warnings.push(format!("{e}; going on without the lock")))
        .ok();
    let cached = read(&entry, &mut warnings);
    if let Some(cached) = cached.as_ref().filter(|c| c.is_fresh(Utc::now())) {
        return Ok(served(cached.text.clone(), Source::Cache, warnings));
    }
    match client.fetch().await {
        Ok(vended) => {
            if let Err(e) = entry.write(cache, &vended.text) {
                warnings.push(format!("{e}; the credentials are not cached"));
            }
            Ok(served(vended.text, Source::Vendor, warnings))
        }
        Err(error) if error.is_transient() => fall_back(error, cached, warnings),
        Err(error) => {
            if matches!(error, Error::Refused { .. }) {
                entry.remove();
            }
            Err(Failed {
                error,
                warnings,
                expired_at: None,
            })
        }
    }
}

async fn fetch_only(client: &VendorClient) -> Result<Served, Failed> {
    client
        .fetch()
        .await
        .map(|vended| served(vended.text, Source::Vendor, Vec::new()))
        .map_err(|error| Failed {
            error,
            warnings: Vec::new(),
            expired_at: None,
        })
}

fn read(entry: &CacheEntry, warnings: &mut Vec<String>) -> Option<Cached> {
    entry
        .read()
        .map_err(|e| warnings.push(e.to_string()))
        .ok()
        .flatten()
}

/// The vendor could not be asked: the cached entry while it still works,
/// never once it has expired.
fn fall_back(
    error: Error,
    cached: Option<Cached>,
    mut warnings: Vec<String>,
) -> Result<Served, Failed> {
    let now = Utc::now();
    match cached {
        Some(cached) if cached.is_valid(now) => {
            warnings.push(format!(
                "{error}; serving cached credentials that expire at {}",
                rfc3339(cached.body.expiration)
            ));
            Ok(served(cached.text, Source::CacheFallback, warnings))
        }
        Some(cached) => Err(Failed {
            error,
            warnings,
            expired_at: Some(cached.body.expiration),
        }),
        None => Err(Failed {
            error,
            warnings,
            expired_at: None,
        }),
    }
}

fn served(text: String, source: Source, warnings: Vec<String>) -> Served {
    Served {
        text,
        source,
        warnings,
    }
}

/// A time as the messages show it.
pub fn rfc3339(t: DateTime<Utc>) -> String {
    t.to_rfc3339_opts(SecondsFormat::Secs, true)
}
