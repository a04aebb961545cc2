//! [`FastlyKv`]: the engine's storage seam over a Fastly KV store.
//!
//! Fastly's KV store has no multi-key transactions, so this backend says
//! `atomic_batches = false` and applies a batch key by key in batch order; the engine's
//! protocol (commit point last, redo journals for multi-key changes) keeps torn batches
//! invisible. What it adds so that concurrent writers (two requests, two POPs' worth of
//! instances) cannot both win or clobber each other:
//!
//! 1. **Write locks.** Before a batch touches anything it takes a lock on every key that it
//!    both guards with a precondition and writes (its commit point): `l/<key>` inserted in
//!    Fastly's add-only mode, holding an expiry ([`LEASE`]). A held lock is waited for briefly,
//!    then reported as a lost race (`Conflict`, which the engine retries from a fresh read).
//!    Without this, the loser of a race could write its pre-commit keys (events at the same
//!    sequence numbers) after the winner committed and overwrite acknowledged data. A lock
//!    counts as taken only when it still reads our token 1 ms after the insert: a store that
//!    checks add-only apart from writing (Viceroy) can grant it to two writers at once.
//! 2. **Preconditions are checked under the lock**, from a fresh lookup that also yields each
//!    key's generation.
//! 3. **The guarded write is conditional**: `Equals` becomes `if_generation_match(read
//!    generation)` and `Absent` becomes the add-only insert mode, so even a writer whose lease
//!    ran out cannot overwrite a newer commit point (a precondition failure → `Conflict`).
//!
//! Scans list keys under the longest prefix the range allows (strong consistency), decode,
//! filter and sort them here, then look the values up (pipelined).

use crate::keys;
use fastly::kv_store::{InsertMode, KVStore, KVStoreError, LookupResponse};
use memspace::kv::{
    Batch, Capabilities, Entry, KeyRange, Kv, KvError, KvFuture, Limits, Op, Precondition,
};
use std::collections::BTreeMap;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

/// How long a write lock is honoured if its writer never releases it (an instance killed
/// mid-batch). Far above the time a batch takes (milliseconds); a takeover after this is safe
/// for the commit point (its write is generation-matched), see the module docs.
pub const LEASE: Duration = Duration::from_secs(30);

/// How long a writer waits for a held lock before reporting a lost race.
const WAIT: Duration = Duration::from_millis(2000);

/// Keys per list page.
const PAGE: u32 = 1000;

/// The engine's store in one Fastly KV store.
pub struct FastlyKv {
    store: KVStore,
    nonce: std::cell::Cell<u64>,
}

impl std::fmt::Debug for FastlyKv {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("FastlyKv").finish_non_exhaustive()
    }
}

fn storage(e: KVStoreError) -> KvError {
    match e {
        KVStoreError::ItemPayloadTooLarge => KvError::Quota(format!("Fastly KV: {e}")),
        other => KvError::Storage(format!("Fastly KV: {other}")),
    }
}

fn now_micros() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_micros() as u64)
        .unwrap_or(0)
}

/// A key's current value and generation (`None`: absent).
type Current = Option<(Vec<u8>, u64)>;

fn current(r: Result<LookupResponse, KVStoreError>) -> Result<Current, KvError> {
    match r {
        Ok(mut resp) => {
            let gen = resp.current_generation();
            Ok(Some((resp.take_body_bytes(), gen)))
        }
        Err(KVStoreError::ItemNotFound) => Ok(None),
        Err(e) => Err(storage(e)),
    }
}

fn checked(key: &[u8]) -> Result<String, KvError> {
    let k = keys::encode(key);
    keys::check(&k, 0).map_err(KvError::Quota)?;
    Ok(k)
}

impl FastlyKv {
    /// The store called `name` (a KV store linked to the service).
    pub fn open(name: &str) -> Result<FastlyKv, KvError> {
        match KVStore::open(name) {
            Ok(Some(store)) => Ok(FastlyKv::new(store)),
            Ok(None) => Err(KvError::Storage(format!(
                "no KV store named {name:?} is linked to this service"
            ))),
            Err(e) => Err(storage(e)),
        }
    }

    /// Over an open store.
    pub fn new(store: KVStore) -> FastlyKv {
        let seed = std::collections::hash_map::RandomState::new();
        use std::hash::BuildHasher;
        FastlyKv {
            store,
            nonce: std::cell::Cell::new(seed.hash_one(now_micros())),
        }
    }

    /// Looks several Fastly keys up at once (requests sent together, then awaited).
    fn lookup_all(&self, ks: &[String]) -> Result<Vec<Current>, KvError> {
        let mut pending = Vec::with_capacity(ks.len());
        for k in ks {
            pending.push(self.store.build_lookup().execute_async(k));
        }
        pending
            .into_iter()
            .map(|p| match p {
                Ok(h) => current(self.store.pending_lookup_wait(h)),
                Err(KVStoreError::ItemNotFound) => Ok(None),
                Err(e) => Err(storage(e)),
            })
            .collect()
    }

    fn lookup(&self, k: &str) -> Result<Current, KvError> {
        current(self.store.lookup(k))
    }

    /// Every engine key stored under the Fastly prefix `prefix`.
    fn list(&self, prefix: &str) -> Result<Vec<Vec<u8>>, KvError> {
        let mut out = Vec::new();
        let mut cursor: Option<String> = None;
        loop {
            let mut b = self.store.build_list().prefix(prefix).limit(PAGE);
            if let Some(c) = &cursor {
                b = b.cursor(c);
            }
            let page = b.execute().map_err(storage)?;
            let next = page.next_cursor();
            let n = page.keys().len();
            out.extend(page.into_keys().iter().filter_map(|k| keys::decode(k)));
            match next {
                Some(c) if n > 0 && !c.is_empty() && Some(&c) != cursor.as_ref() => {
                    cursor = Some(c)
                }
                _ => return Ok(out),
            }
        }
    }

    fn next_nonce(&self) -> u64 {
        let n = self
            .nonce
            .get()
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        self.nonce.set(n);
        n
    }

    /// Takes the write lock of `key`; returns the lock's Fastly key and our token.
    fn lock(&self, key: &[u8]) -> Result<(String, Vec<u8>), KvError> {
        let lk = format!("l/{}", &keys::encode(key)[keys::KEY_PREFIX.len()..]);
        keys::check(&lk, 0).map_err(KvError::Quota)?;
        let waited_from = SystemTime::now();
        let mut pause = Duration::from_millis(1);
        loop {
            let expires = now_micros() + LEASE.as_micros() as u64;
            let token = format!("{expires}:{:016x}", self.next_nonce()).into_bytes();
            match self
                .store
                .build_insert()
                .mode(InsertMode::Add)
                .execute(&lk, token.clone())
            {
                Ok(()) if self.still_ours(&lk, &token)? => return Ok((lk, token)),
                Ok(()) => {}
                Err(KVStoreError::ItemPreconditionFailed) => {}
                Err(e) => return Err(storage(e)),
            }
            // Held: take it over if its lease ran out, else wait a little.
            if let Some((held, gen)) = self.lookup(&lk)? {
                let held_until = std::str::from_utf8(&held)
                    .ok()
                    .and_then(|s| s.split(':').next())
                    .and_then(|s| s.parse::<u64>().ok())
                    .unwrap_or(0);
                if held_until < now_micros() {
                    match self
                        .store
                        .build_insert()
                        .if_generation_match(gen)
                        .execute(&lk, token.clone())
                    {
                        Ok(()) if self.still_ours(&lk, &token)? => return Ok((lk, token)),
                        Ok(()) => {}
                        Err(KVStoreError::ItemPreconditionFailed) => {}
                        Err(e) => return Err(storage(e)),
                    }
                }
            }
            if waited_from.elapsed().unwrap_or_default() > WAIT {
                return Err(KvError::Conflict { key: key.to_vec() });
            }
            std::thread::sleep(pause);
            pause = (pause * 2).min(Duration::from_millis(16));
        }
    }

    /// Whether the lock just written still holds our token a moment later. A store whose
    /// add-only or generation check runs apart from its write (Viceroy 0.22.0 checks under a
    /// read lock and writes under another) can let two writers released in the same instant
    /// both succeed; the later write wins, so after a pause longer than that window only one
    /// of them still reads its own token and the other waits as for a held lock.
    fn still_ours(&self, lk: &str, token: &[u8]) -> Result<bool, KvError> {
        std::thread::sleep(Duration::from_millis(1));
        Ok(matches!(self.lookup(lk)?, Some((held, _)) if held == token))
    }

    /// Releases a lock if it is still ours.
    fn unlock(&self, lk: &str, token: &[u8]) {
        if let Ok(Some((held, _))) = self.lookup(lk) {
            if held == token {
                let _ = self.store.delete(lk);
            }
        }
    }

    fn commit_locked(&self, batch: &Batch) -> Result<(), KvError> {
        // Preconditions, checked from fresh lookups under the locks.
        let cur: Vec<Current> = {
            let enc: Vec<Option<String>> = batch
                .preconditions
                .iter()
                .map(|p| checked(p.key()).ok())
                .collect();
            let fk: Vec<String> = enc.iter().flatten().cloned().collect();
            let mut found = self.lookup_all(&fk)?.into_iter();
            enc.iter()
                .map(|e| e.as_ref().and_then(|_| found.next().flatten()))
                .collect()
        };
        let mut guard: BTreeMap<&[u8], (&Precondition, Option<u64>)> = BTreeMap::new();
        for (p, c) in batch.preconditions.iter().zip(&cur) {
            if !p.holds(c.as_ref().map(|(v, _)| v.as_slice())) {
                return Err(KvError::Conflict {
                    key: p.key().to_vec(),
                });
            }
            guard.insert(p.key(), (p, c.as_ref().map(|(_, g)| *g)));
        }
        // Every key and value within Fastly's limits before the first write.
        for op in &batch.ops {
            let len = match op {
                Op::Put(_, v) => v.len(),
                Op::Delete(_) => 0,
            };
            keys::check(&keys::encode(op.key()), len).map_err(KvError::Quota)?;
        }
        for op in &batch.ops {
            let k = keys::encode(op.key());
            match op {
                Op::Put(key, value) => {
                    let mut b = self.store.build_insert();
                    // The first write of a guarded key carries its precondition.
                    match guard.remove(key.as_slice()) {
                        Some((Precondition::Absent(_), _)) => b = b.mode(InsertMode::Add),
                        Some((Precondition::Equals(..), Some(gen))) => {
                            b = b.if_generation_match(gen)
                        }
                        _ => {}
                    }
                    match b.execute(&k, value.clone()) {
                        Ok(()) => {}
                        Err(KVStoreError::ItemPreconditionFailed) => {
                            return Err(KvError::Conflict { key: key.clone() })
                        }
                        Err(e) => return Err(storage(e)),
                    }
                }
                Op::Delete(key) => {
                    // Fastly deletes take no precondition: re-check the generation just
                    // before (the lock keeps other memspace writers out meanwhile).
                    if let Some((_, want)) = guard.remove(key.as_slice()) {
                        let now = self.lookup(&k)?.map(|(_, g)| g);
                        if now != want {
                            return Err(KvError::Conflict { key: key.clone() });
                        }
                    }
                    match self.store.delete(&k) {
                        Ok(()) | Err(KVStoreError::ItemNotFound) => {}
                        Err(e) => return Err(storage(e)),
                    }
                }
            }
        }
        Ok(())
    }

    fn commit_now(&self, batch: Batch) -> Result<(), KvError> {
        // Lock the keys the batch both guards and writes, in key order (no deadlock: a held
        // lock is waited for with a deadline, never while holding a lock of a later key).
        let written: std::collections::BTreeSet<&[u8]> =
            batch.ops.iter().map(|o| o.key()).collect();
        let mut to_lock: Vec<&[u8]> = batch
            .preconditions
            .iter()
            .map(|p| p.key())
            .filter(|k| written.contains(k))
            .collect();
        to_lock.sort();
        to_lock.dedup();
        let mut held = Vec::with_capacity(to_lock.len());
        let mut result = Ok(());
        for k in to_lock {
            match self.lock(k) {
                Ok(l) => held.push(l),
                Err(e) => {
                    result = Err(e);
                    break;
                }
            }
        }
        if result.is_ok() {
            result = self.commit_locked(&batch);
        }
        for (lk, token) in held.iter().rev() {
            self.unlock(lk, token);
        }
        result
    }

    /// True when this request should run the periodic sweep: the marker `s/last-sweep` (outside
    /// the engine's keys) is older than `interval` and this request moved it first (a
    /// generation-matched or add-only write, so one request per interval wins).
    pub fn claim_sweep(&self, interval: Duration) -> bool {
        const MARK: &str = "s/last-sweep";
        let now = now_micros();
        let b = match self.lookup(MARK) {
            Ok(None) => self.store.build_insert().mode(InsertMode::Add),
            Ok(Some((v, gen))) => {
                let last = std::str::from_utf8(&v)
                    .ok()
                    .and_then(|s| s.parse::<u64>().ok());
                if last.is_some_and(|t| t.saturating_add(interval.as_micros() as u64) > now) {
                    return false;
                }
                self.store.build_insert().if_generation_match(gen)
            }
            Err(_) => return false,
        };
        b.execute(MARK, now.to_string()).is_ok()
    }

    /// Values of engine keys; a key too long for Fastly cannot have been stored: `None`.
    fn get_many_now(&self, ks: &[Vec<u8>]) -> Result<Vec<Option<Vec<u8>>>, KvError> {
        let enc: Vec<Option<String>> = ks.iter().map(|k| checked(k).ok()).collect();
        let fk: Vec<String> = enc.iter().flatten().cloned().collect();
        let mut found = self.lookup_all(&fk)?.into_iter();
        Ok(enc
            .iter()
            .map(|e| match e {
                Some(_) => found.next().flatten().map(|(v, _)| v),
                None => None,
            })
            .collect())
    }

    fn scan_now(
        &self,
        range: &KeyRange,
        limit: usize,
        reverse: bool,
    ) -> Result<Vec<Entry>, KvError> {
        if limit == 0 {
            return Ok(Vec::new());
        }
        let prefix: &[u8] = match &range.end {
            Some(e) if Some(e) == memspace::kv::prefix_end(&range.start).as_ref() => &range.start,
            Some(e) => {
                let n = range
                    .start
                    .iter()
                    .zip(e)
                    .take_while(|(a, b)| a == b)
                    .count();
                &range.start[..n]
            }
            None => &[],
        };
        let mut found: Vec<Vec<u8>> = self
            .list(&keys::encode(prefix))?
            .into_iter()
            .filter(|k| range.contains(k))
            .collect();
        found.sort();
        if reverse {
            found.reverse();
        }
        let mut out = Vec::with_capacity(limit.min(found.len()));
        // Look values up a page at a time; keys deleted since the listing are skipped.
        for chunk in found.chunks(limit.clamp(1, 256)) {
            let fk: Vec<String> = chunk.iter().map(|k| keys::encode(k)).collect();
            for (k, v) in chunk.iter().zip(self.lookup_all(&fk)?) {
                if let Some((v, _)) = v {
                    out.push((k.clone(), v));
                    if out.len() == limit {
                        return Ok(out);
                    }
                }
            }
        }
        Ok(out)
    }
}

impl Kv for FastlyKv {
    fn capabilities(&self) -> Capabilities {
        Capabilities {
            atomic_batches: false,
        }
    }

    /// Fastly's key limit counts the encoded key (percent-encoding triples a byte outside
    /// [`keys`]' safe set), so the engine measures keys with [`Kv::stored_key_len`] and refuses
    /// an oversized one with `validation` before the first write; the check in `commit` stays
    /// as the backend's own guard (`quota`).
    fn limits(&self) -> Limits {
        Limits {
            max_key_bytes: Some(keys::MAX_KEY_BYTES),
            max_value_bytes: Some(keys::MAX_VALUE_BYTES),
        }
    }

    fn stored_key_len(&self, key: &[u8]) -> usize {
        keys::encoded_len(key)
    }

    fn get<'a>(&'a self, key: &'a [u8]) -> KvFuture<'a, Option<Vec<u8>>> {
        let r = self.get_many_now(std::slice::from_ref(&key.to_vec()));
        Box::pin(std::future::ready(r.map(|mut v| v.pop().flatten())))
    }

    fn get_many<'a>(&'a self, ks: &'a [Vec<u8>]) -> KvFuture<'a, Vec<Option<Vec<u8>>>> {
        Box::pin(std::future::ready(self.get_many_now(ks)))
    }

    fn scan<'a>(
        &'a self,
        range: &'a KeyRange,
        limit: usize,
        reverse: bool,
    ) -> KvFuture<'a, Vec<Entry>> {
        Box::pin(std::future::ready(self.scan_now(range, limit, reverse)))
    }

    fn commit<'a>(&'a self, batch: Batch) -> KvFuture<'a, ()> {
        Box::pin(std::future::ready(self.commit_now(batch)))
    }
}

/// Run inside Viceroy (`viceroy run` as the cargo runner, scripts/test-fastly.sh) against the
/// local KV store `memspace` declared in fastly.toml.
#[cfg(test)]
mod tests {
    use super::*;
    use memspace::runtime::block_on;

    fn kv() -> FastlyKv {
        FastlyKv::open("memspace").expect("fastly.toml declares the KV store memspace")
    }

    fn run<T>(f: impl std::future::Future<Output = T>) -> T {
        block_on(f).expect("Fastly KV calls complete synchronously")
    }

    /// A fresh key prefix per test (the store is shared by the tests of one run).
    fn root(name: &str) -> Vec<u8> {
        format!("t/{name}/{}/", now_micros()).into_bytes()
    }

    #[test]
    fn passes_the_kv_conformance_suite() {
        let kv = kv();
        let n = run(memspace::kv::conformance::run_all(
            &kv,
            &root("conformance"),
        ))
        .unwrap();
        assert_eq!(n, memspace::kv::conformance::CHECKS.len());
        assert!(!kv.capabilities().atomic_batches);
    }

    #[test]
    fn keys_over_fastlys_limit_are_quota_errors_on_write_and_absent_on_read() {
        let kv = kv();
        let mut long = root("long");
        long.extend(std::iter::repeat_n(0u8, 400)); // 1200 bytes encoded
        let first = root("first");
        let mut b = Batch::new();
        b.put(first.clone(), b"v".to_vec())
            .put(long.clone(), b"v".to_vec());
        match run(kv.commit(b)) {
            Err(KvError::Quota(m)) => assert!(m.contains("1024-byte key limit"), "{m}"),
            other => panic!("expected a quota error, got {other:?}"),
        }
        assert_eq!(run(kv.get(&long)).unwrap(), None);
        assert_eq!(
            run(kv.get(&first)).unwrap(),
            None,
            "nothing of the batch applied"
        );
        let mut b = Batch::new();
        b.require_absent(long.clone())
            .put(root("ok"), b"v".to_vec());
        assert_eq!(run(kv.commit(b)), Ok(()));
    }

    #[test]
    fn the_engine_refuses_a_key_over_fastlys_1024_byte_limit_with_validation_before_writing() {
        use memspace::model::{NewSpace, Page, Principal};
        use memspace::{ErrorCode, Memspace};
        use std::rc::Rc;
        let kv = Rc::new(kv());
        assert_eq!(kv.limits().max_key_bytes, Some(1024));
        assert_eq!(kv.limits().max_value_bytes, Some(25_000_000));
        let open = |user: &str| {
            Memspace::new(
                kv.clone(),
                Rc::new(memspace::host::SystemHost::default()),
                Principal::new(user, format!("t{}", now_micros())),
            )
            .unwrap()
        };
        // 256 characters of `é`: 512 bytes, 1,536 once percent-encoded — the owner index key
        // (`spo/tenant/user/space`) is over Fastly's limit although its raw bytes are not.
        let long = "é".repeat(256);
        let ms = open(&long);
        let e = run(ms.create_space(NewSpace::default())).unwrap_err();
        assert_eq!(e.code, ErrorCode::Validation, "{e:?}");
        assert_eq!(e.details["limit"], "key_bytes");
        assert_eq!(e.details["max"], 1024);
        assert!(e.details["got"].as_u64().unwrap() > 1024);
        assert!(
            run(ms.list_spaces(Page::default())).unwrap().is_empty(),
            "nothing written"
        );
        // A long id of safe characters stays under the encoded limit and is stored.
        let ms = open(&"a".repeat(256));
        let space = run(ms.create_space(NewSpace::default())).unwrap();
        assert_eq!(
            run(ms.list_spaces(Page::default())).unwrap()[0].id,
            space.id
        );
    }

    #[test]
    fn a_held_write_lock_makes_a_guarded_commit_a_lost_race() {
        let kv = kv();
        let key = [root("locked"), b"head".to_vec()].concat();
        let mut b = Batch::new();
        b.put(key.clone(), b"v1".to_vec());
        run(kv.commit(b)).unwrap();
        // Another writer holds the key's lock (a live lease).
        let (lk, token) = kv.lock(&key).unwrap();
        let mut b = Batch::new();
        b.put([key.clone(), b"/event".to_vec()].concat(), b"e".to_vec())
            .put(key.clone(), b"v2".to_vec())
            .require_equals(key.clone(), b"v1".to_vec());
        assert_eq!(
            run(kv.commit(b.clone())),
            Err(KvError::Conflict { key: key.clone() })
        );
        // Nothing of the batch landed while the lock was held.
        assert_eq!(
            run(kv.get(&[key.clone(), b"/event".to_vec()].concat())).unwrap(),
            None
        );
        kv.unlock(&lk, &token);
        assert_eq!(run(kv.commit(b)), Ok(()));
        assert_eq!(run(kv.get(&key)).unwrap(), Some(b"v2".to_vec()));
        assert_eq!(kv.lookup(&lk).unwrap(), None, "the lock is released");
    }

    #[test]
    fn an_expired_lease_is_taken_over() {
        let kv = kv();
        let key = [root("expired"), b"head".to_vec()].concat();
        let lk = format!("l/{}", &keys::encode(&key)[keys::KEY_PREFIX.len()..]);
        kv.store.insert(&lk, "1:dead").unwrap(); // expired in 1970
        let mut b = Batch::new();
        b.put(key.clone(), b"v".to_vec())
            .require_absent(key.clone());
        assert_eq!(run(kv.commit(b)), Ok(()));
        assert_eq!(kv.lookup(&lk).unwrap(), None);
    }

    #[test]
    fn the_guarded_write_fails_when_the_commit_point_changed_after_the_check() {
        // The generation read with the precondition travels to the write: a change in
        // between (a writer whose lease had run out) is a conflict, not an overwrite.
        let kv = kv();
        let key = [root("generation"), b"head".to_vec()].concat();
        let fk = keys::encode(&key);
        kv.store.insert(&fk, "v1").unwrap();
        let (_, gen) = kv.lookup(&fk).unwrap().unwrap();
        kv.store.insert(&fk, "v2").unwrap();
        let r = kv
            .store
            .build_insert()
            .if_generation_match(gen)
            .execute(&fk, "v3");
        assert!(
            matches!(r, Err(KVStoreError::ItemPreconditionFailed)),
            "{r:?}"
        );
        let r = kv
            .store
            .build_insert()
            .mode(InsertMode::Add)
            .execute(&fk, "v3");
        assert!(
            matches!(r, Err(KVStoreError::ItemPreconditionFailed)),
            "{r:?}"
        );
        assert_eq!(
            kv.lookup(&fk).unwrap().map(|(v, _)| v),
            Some(b"v2".to_vec())
        );
    }

    #[test]
    fn scans_sort_bytewise_although_the_encoding_does_not() {
        // `%` (escaped bytes) sorts between literals in the encoding; scans must still return
        // byte order: 0x00 < '0' < 'a' < 0xff.
        let kv = kv();
        let p = root("order");
        let ks: Vec<Vec<u8>> = [&b"\x00"[..], b"0", b"a", b"\xff", b"a\x00", b"%"]
            .iter()
            .map(|t| [p.clone(), t.to_vec()].concat())
            .collect();
        let mut b = Batch::new();
        for k in &ks {
            b.put(k.clone(), b"v".to_vec());
        }
        run(kv.commit(b)).unwrap();
        let mut want = ks.clone();
        want.sort();
        let got: Vec<Vec<u8>> = run(kv.scan(&KeyRange::prefix(&p), 100, false))
            .unwrap()
            .into_iter()
            .map(|(k, _)| k)
            .collect();
        assert_eq!(got, want);
        let got: Vec<Vec<u8>> = run(kv.scan(&KeyRange::prefix(&p), 2, true))
            .unwrap()
            .into_iter()
            .map(|(k, _)| k)
            .collect();
        assert_eq!(got, vec![want[5].clone(), want[4].clone()]);
    }
}
