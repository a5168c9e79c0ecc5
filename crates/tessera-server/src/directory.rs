//! What the hot path reads, from memory: realm contexts (realm, scopes, parsed key ring) and clients.
//! Unknown realms and client ids are cached too, so an unknown id costs what a known one does and cannot
//! be used to hammer the database. A poll of the store's change counter empties both caches when anything
//! changed, which is how a CLI change or another node's write arrives here within `refresh_interval`.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicI64, AtomicU64, Ordering};
use std::time::Duration;

use async_trait::async_trait;
use moka::future::Cache;
use tessera_core::keys::KeyRing;
use tessera_core::model::{AccessModel, Client, ProtocolMapper};
use tessera_core::model::{RealmContext, RealmName};
use tessera_core::ports::{ClientDirectory, RealmDirectory};
use tessera_core::ports::{Store, StoreError};
use tessera_core::secret::MasterKey;

/// Bounds memory whatever ids are thrown at us: by bytes (an estimate of each entry's heap), not entries, and
/// unknown ids (cached as `None`) count too. The clients' budget is `Config::client_cache_bytes`.
const REALM_CACHE_BYTES: u64 = 32 * 1024 * 1024;
/// What an entry costs besides its own allocations: moka's bookkeeping (its table bucket, entry record and
/// access-order node), the `Arc` around the value, and the claims memo a client fills on first use.
/// Calibrated on `bench/scale.sh`: a million cached clients, resident memory ÷ clients (bench/README.md).
const ENTRY_OVERHEAD: usize = 640;
/// One heap allocation beyond its bytes: the allocator's header and rounding.
const ALLOCATION: usize = 32;
/// A realm's parsed key ring (RSA keys are the largest, a few KiB each, and a ring holds up to three).
const KEY_RING_ESTIMATE: usize = 16 * 1024;

fn heap(s: &str) -> usize {
    s.len() + ALLOCATION
}

fn heap_all(v: &[String]) -> usize {
    ALLOCATION + v.iter().map(|s| std::mem::size_of::<String>() + heap(s)).sum::<usize>()
}

fn client_weight(key: &(String, String), client: &Option<Arc<Client>>) -> u32 {
    let value = client.as_deref().map_or(0, |c| {
        std::mem::size_of::<Client>()
            + heap(&c.id)
            + heap(&c.realm_id)
            + heap(&c.client_id)
            + c.name.as_deref().map_or(0, heap)
            + c.service_account_user_id.as_deref().map_or(0, heap)
            + heap_all(&c.redirect_uris)
            + heap_all(&c.web_origins)
            + heap_all(&c.default_scopes)
            + heap_all(&c.optional_scopes)
            + heap_all(&c.audiences)
            + c.attributes.iter().map(|(k, v)| 64 + heap(k) + heap(v)).sum::<usize>()
            + c.secrets.iter().map(|s| std::mem::size_of_val(s) + heap(&s.id) + heap(&s.hash.0)).sum::<usize>()
            + mappers_weight(&c.protocol_mappers)
            + heap_all(&c.service_account_roles.role_ids)
            + heap_all(&c.service_account_roles.group_ids)
    });
    u32::try_from(ENTRY_OVERHEAD + heap(&key.0) + heap(&key.1) + value).unwrap_or(u32::MAX)
}

fn mappers_weight(mappers: &[ProtocolMapper]) -> usize {
    mappers
        .iter()
        .map(|m| {
            64 + m.id.len()
                + m.name.len()
                + m.mapper_type.len()
                + m.config.iter().map(|(k, v)| k.len() + v.len() + 32).sum::<usize>()
        })
        .sum()
}

fn realm_weight(name: &str, realm: &Option<Arc<RealmContext>>) -> u32 {
    let value = realm.as_deref().map_or(0, |r| {
        KEY_RING_ESTIMATE
            + r.issuer.len()
            + r.realm.attributes.iter().map(|(k, v)| k.len() + v.len()).sum::<usize>()
            + r.scopes
                .iter()
                .map(|s| {
                    s.name.len()
                        + s.description.as_ref().map_or(0, String::len)
                        + 64
                        + mappers_weight(&s.protocol_mappers)
                })
                .sum::<usize>()
            + r.access.roles().iter().map(|x| 128 + x.id.len() * (1 + x.composites.len()) + x.name.len()).sum::<usize>()
            + r.access.groups().iter().map(|g| 128 + g.id.len() * (1 + g.role_ids.len()) + g.name.len()).sum::<usize>()
    });
    u32::try_from(ENTRY_OVERHEAD + name.len() + value).unwrap_or(u32::MAX)
}

pub struct Directory {
    store: Arc<dyn Store>,
    master: MasterKey,
    public_url: String,
    realms: Cache<String, Option<Arc<RealmContext>>>,
    clients: Cache<(String, String), Option<Arc<Client>>>,
    realm_lookups: CacheCounts,
    client_lookups: CacheCounts,
    seen_revision: AtomicI64,
    /// A load that started before a change may land in the cache just after it was emptied, so the tick
    /// after a change empties it once more.
    flush_again: AtomicBool,
}

impl std::fmt::Debug for Directory {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Directory").field("public_url", &self.public_url).finish()
    }
}

/// Lookups and loads (misses) of one cache, for the metrics.
#[derive(Debug, Default)]
struct CacheCounts {
    lookups: AtomicU64,
    loads: AtomicU64,
}

impl CacheCounts {
    fn stats(&self, entries: u64) -> CacheStats {
        CacheStats { entries, lookups: self.lookups.load(Ordering::Relaxed), loads: self.loads.load(Ordering::Relaxed) }
    }
}

#[derive(Debug, Clone, Copy)]
pub struct CacheStats {
    pub entries: u64,
    pub lookups: u64,
    pub loads: u64,
}

/// moka shares one error between coalesced loaders; give each caller its own copy.
fn unshare(e: Arc<StoreError>) -> StoreError {
    match &*e {
        StoreError::Unavailable(m) => StoreError::Unavailable(m.clone()),
        StoreError::Conflict(m) => StoreError::Conflict(m.clone()),
        StoreError::Corrupt(m) => StoreError::Corrupt(m.clone()),
        StoreError::Other(m) => StoreError::Other(m.clone()),
    }
}

impl Directory {
    pub fn new(store: Arc<dyn Store>, master: MasterKey, public_url: String, client_cache_bytes: u64) -> Self {
        Self {
            store,
            master,
            public_url,
            realms: Cache::builder()
                .weigher(|name: &String, realm| realm_weight(name, realm))
                .max_capacity(REALM_CACHE_BYTES)
                .build(),
            clients: Cache::builder().weigher(client_weight).max_capacity(client_cache_bytes).build(),
            realm_lookups: CacheCounts::default(),
            client_lookups: CacheCounts::default(),
            seen_revision: AtomicI64::new(i64::MIN),
            flush_again: AtomicBool::new(false),
        }
    }

    pub fn realm_cache(&self) -> CacheStats {
        self.realm_lookups.stats(self.realms.entry_count())
    }

    pub fn client_cache(&self) -> CacheStats {
        self.client_lookups.stats(self.clients.entry_count())
    }

    pub fn public_url(&self) -> &str {
        &self.public_url
    }

    /// The enabled realm of that name, with its parsed keys; `None` when there is none.
    pub async fn realm(&self, name: &RealmName) -> Result<Option<Arc<RealmContext>>, StoreError> {
        self.realm_lookups.lookups.fetch_add(1, Ordering::Relaxed);
        let load = async {
            self.realm_lookups.loads.fetch_add(1, Ordering::Relaxed);
            self.load_realm(name).await
        };
        self.realms.try_get_with_by_ref(name.as_ref(), load).await.map_err(unshare)
    }

    async fn load_realm(&self, name: &str) -> Result<Option<Arc<RealmContext>>, StoreError> {
        let Some(realm) = self.store.find_realm(name).await?.filter(|r| r.enabled) else {
            return Ok(None);
        };
        let scopes = self.store.list_scopes(&realm.id).await?;
        let stored = self.store.signing_keys(&realm.id).await?;
        let keys = KeyRing::load(&stored, &self.master)
            .map_err(|e| StoreError::Corrupt(format!("realm {}: {e}", realm.name)))?;
        let issuer = realm.issuer(&self.public_url);
        let access =
            AccessModel::new(self.store.list_roles(&realm.id).await?, self.store.list_groups(&realm.id).await?);
        let limits = tessera_core::rate_limit::RealmLimits::of(&realm);
        Ok(Some(Arc::new(RealmContext { realm, issuer, scopes, keys, access, limits })))
    }

    /// Empties the caches when the store's change counter moved. Returns whether it did.
    pub async fn refresh_if_changed(&self) -> Result<bool, StoreError> {
        let now = self.store.revision().await?;
        let before = self.seen_revision.swap(now, Ordering::SeqCst);
        let changed = before != now;
        let again = self.flush_again.swap(changed, Ordering::SeqCst);
        if changed || again {
            self.realms.invalidate_all();
            self.clients.invalidate_all();
        }
        Ok(changed && before != i64::MIN)
    }

    /// Empties the caches now, and once more at the next poll (a load already under way may land stale):
    /// for a change made through this node, which its next request must see.
    pub fn flush(&self) {
        self.realms.invalidate_all();
        self.clients.invalidate_all();
        self.flush_again.store(true, Ordering::SeqCst);
    }

    /// Polls the change counter until the task is dropped.
    pub fn spawn_refresh(self: &Arc<Self>, every: Duration) -> tokio::task::JoinHandle<()> {
        let this = Arc::downgrade(self);
        tokio::spawn(async move {
            let mut tick = tokio::time::interval(every);
            tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
            loop {
                tick.tick().await;
                let Some(directory) = this.upgrade() else {
                    return;
                };
                match directory.refresh_if_changed().await {
                    Ok(true) => tracing::debug!("configuration changed; caches emptied"),
                    Ok(false) => {}
                    Err(e) => {
                        tracing::warn!(error = %e, "could not poll the configuration revision")
                    }
                }
            }
        })
    }
}

#[async_trait]
impl RealmDirectory for Directory {
    async fn realm(&self, name: &RealmName) -> Result<Option<Arc<RealmContext>>, StoreError> {
        Directory::realm(self, name).await
    }
}

#[async_trait]
impl ClientDirectory for Directory {
    async fn client(&self, realm_id: &str, client_id: &str) -> Result<Option<Arc<Client>>, StoreError> {
        let key = (realm_id.to_owned(), client_id.to_owned());
        self.client_lookups.lookups.fetch_add(1, Ordering::Relaxed);
        self.clients
            .try_get_with(key, async {
                self.client_lookups.loads.fetch_add(1, Ordering::Relaxed);
                Ok::<_, StoreError>(self.store.find_client(realm_id, client_id).await?.map(Arc::new))
            })
            .await
            .map_err(unshare)
    }
}
