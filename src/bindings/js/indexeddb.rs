//! The IndexedDB backend (browser): one object store of binary keys and `Uint8Array` values.
//!
//! * **Commit = one readwrite transaction.** Precondition reads are issued inside it, followed
//!   by the writes; a read that does not hold aborts the transaction before it can commit
//!   (`Conflict`, the writes are undone). An `Absent` precondition on a key the batch then puts
//!   is no read: that put is an `add()`, which IndexedDB refuses for an existing key (the
//!   transaction aborts, `Conflict`), so a batch whose only preconditions are such keys is
//!   committed without waiting for any request. The future resolves on the transaction's `complete`
//!   event, not on request success. An abort caused by `QuotaExceededError` is `Quota`; any
//!   other abort is `Storage`. An aborted transaction applies nothing.
//! * **Held reads** ([`Kv::hold`]): while held, reads run in one readwrite transaction that the
//!   next commit reuses if it is still active, so no other handle commits between them (an
//!   append from storage cannot lose every retry to a tab streaming appends); a read or
//!   commit that finds it ended runs in a fresh transaction.
//! * **Exclusive batches are version changes** ([`Batch::exclusive`]: space writes). The
//!   database is opened at its version + 1 and the batch runs in the upgrade transaction, which
//!   starts only after every other connection closed; the epoch ([`Kv::epoch`]) is the number
//!   of this handle's connection, so a record read on a connection still open is current as
//!   far as exclusive writers go. A batch with [`Batch::epoch`] commits only on that connection.
//! * **Durability** is chosen per handle ([`Durability`]); memspace defaults to `strict`: a
//!   commit resolves only after the browser has flushed it to disk, because callers are told
//!   their events are stored (see docs/browser.md).
//! * **Connections come back.** Another tab's schema upgrade (`versionchange`) closes our
//!   connection at once so the upgrade is not blocked; a connection the browser closed (e.g.
//!   Safari closing a background tab's connection) is noticed on the next call. Either way the
//!   next call reopens, and a read that failed because the connection went away is retried
//!   once (reads are idempotent; a commit is retried only if its transaction never started).
//!
//! Built on web-sys, plus typed bindings below for what stable web-sys lacks (`getAllRecords`,
//! `IDBRecord`, `transaction()` options, `commit()`). `indexed_db_futures` 0.6.4 (on the design
//! card) was ported for open, get and commit and measured against this file: +14.2 KB gzip on
//! the default module and no bench difference beyond the run-to-run spread
//! (docs/engineering/browser-performance.md, "indexed_db_futures: ported and measured"). What it
//! cannot do, so web-sys would stay beside it anyway:
//! * `getAllRecords`: it has no such request, and the newest-N read and head read are one.
//! * Open from a given `IDBFactory` (the `indexedDB` option, e.g. a Storage Bucket's):
//!   `DBFactory::new()` takes only the global one, and its `Database` cannot wrap a connection
//!   it did not open.
//! * Say which `add()` of a pipelined commit found its key taken (the conflict's key) without
//!   awaiting every request: its request futures keep the `IDBRequest` to themselves.

use crate::kv::{
    Batch, Capabilities, Entry, KeyRange, Kv, KvError, KvFuture, Op, Precondition, Read, ReadResult,
};
use js_sys::{Array, Function, Object, Reflect, Uint8Array};
use std::cell::{Cell, RefCell};
use std::rc::Rc;
use std::task::{Context, Poll, Waker};
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;
use web_sys::{
    DomException, IdbCursorDirection, IdbCursorWithValue, IdbDatabase, IdbFactory, IdbKeyRange,
    IdbObjectStore, IdbOpenDbRequest, IdbRequest, IdbTransaction,
};

// Typed bindings for what stable web-sys lacks (`getAllRecords`, `IDBRecord`, the options of
// `transaction()` and `commit()`): direct property access instead of `Reflect` calls with
// JS strings made from Rust strings on every request (measured: the largest wasm-side cost of
// a read, docs/engineering/browser-performance.md).
#[wasm_bindgen]
extern "C" {
    /// An `IDBRecord` as `getAllRecords` returns it.
    type IdbRecord;
    #[wasm_bindgen(method, getter)]
    fn key(this: &IdbRecord) -> JsValue;
    #[wasm_bindgen(method, getter)]
    fn value(this: &IdbRecord) -> JsValue;

    /// The `success` or `error` event of a request.
    type SettleEvent;
    #[wasm_bindgen(method, getter)]
    fn target(this: &SettleEvent) -> JsValue;

    /// An `IDBObjectStore`, for the methods stable web-sys lacks.
    type StoreExt;
    /// `IDBObjectStore.getAllRecords(options)` (Chromium 141+).
    #[wasm_bindgen(method, catch, js_name = getAllRecords)]
    fn get_all_records(this: &StoreExt, options: &RecordsOptions) -> Result<IdbRequest, JsValue>;

    /// `IDBObjectStore.put(value, key)` with the key a view of the module's memory: IndexedDB
    /// copies a key's bytes when it converts it, before `put()` returns, so the key needs no
    /// `Uint8Array` of its own (the value does: it is cloned with its whole buffer).
    #[wasm_bindgen(method, catch, js_name = put)]
    fn put_at(this: &StoreExt, value: &Uint8Array, key: &[u8]) -> Result<IdbRequest, JsValue>;
    /// `IDBObjectStore.add(value, key)`, the key as in [`StoreExt::put_at`].
    #[wasm_bindgen(method, catch, js_name = add)]
    fn add_at(this: &StoreExt, value: &Uint8Array, key: &[u8]) -> Result<IdbRequest, JsValue>;

    /// The options of `getAllRecords`, a plain object.
    type RecordsOptions;
    #[wasm_bindgen(method, setter)]
    fn set_query(this: &RecordsOptions, range: &IdbKeyRange);
    #[wasm_bindgen(method, setter)]
    fn set_count(this: &RecordsOptions, count: u32);
    #[wasm_bindgen(method, setter)]
    fn set_direction(this: &RecordsOptions, direction: &str);

    /// The options of `IDBDatabase.transaction()`, a plain object.
    type TransactionOptions;
    #[wasm_bindgen(method, setter)]
    fn set_durability(this: &TransactionOptions, durability: &str);

    /// An `IDBDatabase`, for `transaction()` with options.
    type DatabaseExt;
    /// `IDBDatabase.transaction(store, mode, options)`.
    #[wasm_bindgen(method, catch, js_name = transaction)]
    fn transaction_with_options(
        this: &DatabaseExt,
        store: &JsValue,
        mode: &JsValue,
        options: &TransactionOptions,
    ) -> Result<IdbTransaction, JsValue>;
    /// `IDBDatabase.transaction(store)` (read-only).
    #[wasm_bindgen(method, catch, js_name = transaction)]
    fn readonly_transaction(this: &DatabaseExt, store: &JsValue)
        -> Result<IdbTransaction, JsValue>;

    /// An `IDBTransaction`, for `commit()` and `objectStore()` with a name made once.
    type TransactionExt;
    /// `IDBTransaction.objectStore(name)`.
    #[wasm_bindgen(method, catch, js_name = objectStore)]
    fn object_store_named(this: &TransactionExt, name: &JsValue)
        -> Result<IdbObjectStore, JsValue>;
    /// `IDBTransaction.commit()` (throws where it does not exist).
    #[wasm_bindgen(method, catch, js_name = commit)]
    fn commit_tx(this: &TransactionExt) -> Result<(), JsValue>;
}

/// The one object store memspace uses inside its database.
pub const STORE: &str = "kv";

thread_local! {
    /// [`STORE`] and `"readwrite"` as JS strings, made once: a transaction passes them
    /// without decoding UTF-8 out of wasm memory on every call.
    static NAMES: (JsValue, JsValue) = (JsValue::from_str(STORE), JsValue::from_str("readwrite"));
}

/// How hard a commit waits for the disk before it resolves.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Durability {
    /// Resolve after the data is flushed to persistent storage (survives power loss).
    #[default]
    Strict,
    /// Resolve once the OS has the data (survives a tab or browser crash, not power loss).
    Relaxed,
    /// The browser's default for the storage bucket (relaxed in current Chromium).
    Default,
}

impl Durability {
    /// The IndexedDB option string.
    pub fn as_str(self) -> &'static str {
        match self {
            Durability::Strict => "strict",
            Durability::Relaxed => "relaxed",
            Durability::Default => "default",
        }
    }

    /// Parses `"strict" | "relaxed" | "default"`.
    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "strict" => Some(Durability::Strict),
            "relaxed" => Some(Durability::Relaxed),
            "default" => Some(Durability::Default),
            _ => None,
        }
    }
}

/// `IDBDatabase.transaction(store, "readwrite", { durability })` (options are not in stable web-sys).
fn readwrite_transaction(
    db: &IdbDatabase,
    options: &TransactionOptions,
) -> Result<IdbTransaction, JsValue> {
    NAMES.with(|(store, mode)| {
        db.unchecked_ref::<DatabaseExt>()
            .transaction_with_options(store, mode, options)
    })
}

/// `IDBTransaction.commit()` where it exists (it only starts committing sooner).
fn commit_now(tx: &IdbTransaction) {
    let _ = tx.unchecked_ref::<TransactionExt>().commit_tx();
}

/// One open connection and the handlers that watch it.
struct Conn {
    db: IdbDatabase,
    /// Which connection of this handle it is (the handle's epoch while it is open).
    generation: u64,
    alive: Rc<std::cell::Cell<bool>>,
    _on_versionchange: Closure<dyn FnMut()>,
    _on_close: Closure<dyn FnMut()>,
}

impl Drop for Conn {
    fn drop(&mut self) {
        self.db.set_onversionchange(None);
        self.db.set_onclose(None);
    }
}

/// Why an attempt failed: the connection went away (retry after reopening) or a real error.
enum Fail {
    Closed,
    Kv(KvError),
}

impl From<KvError> for Fail {
    fn from(e: KvError) -> Self {
        Fail::Kv(e)
    }
}

/// An IndexedDB database used as a [`Kv`]; several handles on one name behave like tabs.
pub struct IndexedDbKv {
    factory: IdbFactory,
    name: String,
    durability: Durability,
    /// `{ durability }`, made once.
    tx_options: TransactionOptions,
    /// Whether the browser has `getAllRecords`, asked once.
    has_records: std::cell::Cell<Option<bool>>,
    conn: RefCell<Option<Rc<Conn>>>,
    /// Connections opened so far (the epoch, see [`Kv::epoch`]).
    generation: std::cell::Cell<u64>,
    /// Whether reads and the next commit share one write transaction ([`Kv::hold`]).
    hold: Cell<bool>,
    /// That transaction, once a held read began it.
    held: Cell<Option<HeldTx>>,
}

/// A write transaction held for reads and the next commit, and its connection.
#[derive(Clone)]
struct HeldTx {
    conn: Rc<Conn>,
    tx: IdbTransaction,
    store: IdbObjectStore,
}

impl std::fmt::Debug for IndexedDbKv {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("IndexedDbKv")
            .field("name", &self.name)
            .field("durability", &self.durability)
            .finish_non_exhaustive()
    }
}

impl IndexedDbKv {
    /// Opens (creating if needed) database `name` from the global `indexedDB`.
    pub async fn open(name: &str, durability: Durability) -> Result<Self, KvError> {
        let factory = global_factory()?;
        Self::open_with_factory(factory, name, durability).await
    }

    /// Opens database `name` from a given factory (e.g. a Storage Bucket's `indexedDB`).
    pub async fn open_with_factory(
        factory: IdbFactory,
        name: &str,
        durability: Durability,
    ) -> Result<Self, KvError> {
        let kv = IndexedDbKv {
            factory,
            name: name.to_string(),
            durability,
            tx_options: {
                let o: TransactionOptions = Object::new().unchecked_into();
                o.set_durability(durability.as_str());
                o
            },
            has_records: std::cell::Cell::new(None),
            conn: RefCell::new(None),
            generation: std::cell::Cell::new(0),
            hold: Cell::new(false),
            held: Cell::new(None),
        };
        kv.connection().await.map_err(|f| match f {
            Fail::Closed => KvError::Storage("the database closed while opening".into()),
            Fail::Kv(e) => e,
        })?;
        Ok(kv)
    }

    /// The database name.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// The durability commits use.
    pub fn durability(&self) -> Durability {
        self.durability
    }

    /// True while a connection is open (false after `versionchange` or a lost connection).
    pub fn is_connected(&self) -> bool {
        self.conn.borrow().as_ref().is_some_and(|c| c.alive.get())
    }

    /// Closes the connection as a browser does when it drops a background tab's connection,
    /// without telling this handle: the next call finds it closed and reopens.
    pub fn simulate_connection_loss(&self) {
        if let Some(c) = self.conn.borrow().as_ref() {
            c.db.close();
        }
    }

    /// Closes the connection; the next call reopens it.
    pub fn close(&self) {
        if let Some(c) = self.conn.borrow_mut().take() {
            c.db.close();
        }
    }

    /// The live connection, opening one if there is none.
    async fn connection(&self) -> Result<Rc<Conn>, Fail> {
        if let Some(c) = self.conn.borrow().as_ref().filter(|c| c.alive.get()) {
            return Ok(c.clone());
        }
        let mut conn = self.open_conn().await?;
        // A concurrent call may have opened one meanwhile: keep the first, close ours.
        let mut slot = self.conn.borrow_mut();
        if let Some(c) = slot.as_ref().filter(|c| c.alive.get()) {
            conn.db.close();
            return Ok(c.clone());
        }
        conn.generation = self.generation.get() + 1;
        self.generation.set(conn.generation);
        let conn = Rc::new(conn);
        *slot = Some(conn.clone());
        Ok(conn)
    }

    /// Drops a connection found dead so the next attempt reopens.
    fn forget(&self, conn: &Rc<Conn>) {
        let mut slot = self.conn.borrow_mut();
        if slot.as_ref().is_some_and(|c| Rc::ptr_eq(c, conn)) {
            conn.alive.set(false);
            conn.db.close();
            *slot = None;
        }
    }

    async fn open_conn(&self) -> Result<Conn, Fail> {
        // Open at the current version (another tab may have upgraded it); create the store if
        // this is a new database, or bump the version once if the store is missing.
        let db = open_db(&self.factory, &self.name, None, None).await?;
        let db = if db.object_store_names().contains(STORE) {
            db
        } else {
            let next = db.version() as u32 + 1;
            db.close();
            open_db(&self.factory, &self.name, Some(next), None).await?
        };
        let alive = Rc::new(std::cell::Cell::new(true));
        let on_versionchange = {
            let (db, alive) = (db.clone(), alive.clone());
            Closure::<dyn FnMut()>::new(move || {
                alive.set(false);
                db.close();
            })
        };
        let on_close = {
            let alive = alive.clone();
            Closure::<dyn FnMut()>::new(move || alive.set(false))
        };
        db.set_onversionchange(Some(on_versionchange.as_ref().unchecked_ref()));
        db.set_onclose(Some(on_close.as_ref().unchecked_ref()));
        Ok(Conn {
            db,
            generation: 0,
            alive,
            _on_versionchange: on_versionchange,
            _on_close: on_close,
        })
    }

    /// Starts a transaction on the store; `Closed` when the connection is gone. While held
    /// ([`Kv::hold`]) it is the held one if there is one on `conn` (a commit takes it), else a
    /// new readwrite one that a read leaves held; the flag says it is the held one. IndexedDB
    /// keeps it active while a request's result is handled, so the next request of the chain
    /// finds it active.
    fn begin(
        &self,
        conn: &Rc<Conn>,
        write: bool,
    ) -> Result<(IdbTransaction, IdbObjectStore, bool), Fail> {
        let held = self.held.take();
        if let Some(h) = held.filter(|h| Rc::ptr_eq(&h.conn, conn)) {
            if !write {
                self.held.set(Some(h.clone()));
            }
            return Ok((h.tx, h.store, true));
        }
        let hold = self.hold.get() && !write;
        let tx = if write || hold {
            readwrite_transaction(&conn.db, &self.tx_options)
        } else {
            NAMES.with(|(store, _)| {
                conn.db
                    .unchecked_ref::<DatabaseExt>()
                    .readonly_transaction(store)
            })
        };
        let tx = tx.map_err(|e| {
            if is_closed_error(&e) {
                Fail::Closed
            } else {
                Fail::Kv(storage("transaction", &e))
            }
        })?;
        let store = NAMES
            .with(|(store, _)| {
                tx.unchecked_ref::<TransactionExt>()
                    .object_store_named(store)
            })
            .map_err(|e| Fail::Kv(storage("object store", &e)))?;
        if hold {
            self.held.set(Some(HeldTx {
                conn: conn.clone(),
                tx: tx.clone(),
                store: store.clone(),
            }));
        }
        Ok((tx, store, false))
    }

    /// Runs an idempotent read (in the held transaction while held), in a fresh transaction
    /// if that one had ended, reopening and retrying once if the connection was lost.
    async fn read<T, F, Fut>(&self, f: F) -> Result<T, KvError>
    where
        F: Fn(IdbTransaction, IdbObjectStore) -> Fut,
        Fut: std::future::Future<Output = Result<T, KvError>>,
    {
        let mut last = KvError::Storage("the database connection was lost".into());
        for _ in 0..3 {
            let conn = match self.connection().await {
                Ok(c) => c,
                Err(Fail::Closed) => continue,
                Err(Fail::Kv(e)) => return Err(e),
            };
            let (tx, store, held) = match self.begin(&conn, false) {
                Ok(t) => t,
                Err(Fail::Closed) => {
                    self.forget(&conn);
                    continue;
                }
                Err(Fail::Kv(e)) => return Err(e),
            };
            match f(tx, store).await {
                Ok(v) => return Ok(v),
                Err(e) if self.retry_read(&conn, held, &e) => last = e,
                Err(e) => return Err(e),
            }
        }
        Err(last)
    }

    /// After a read failed with `e`: whether to try again, in a fresh transaction when the
    /// held one had ended (inactive or finished), on a new connection when it went away.
    fn retry_read(&self, conn: &Rc<Conn>, held: bool, e: &KvError) -> bool {
        if held && is_conn_lost(e) {
            self.held.take();
        } else if !conn.alive.get() || is_conn_lost(e) {
            self.forget(conn);
        } else {
            return false;
        }
        true
    }

    /// Commits `batch` on `conn`: in the held transaction if there is one and it is still
    /// active (issuing throws otherwise; nothing can have been committed since this handle's
    /// held reads), else in a new one.
    async fn try_commit(&self, conn: &Rc<Conn>, batch: &Batch) -> Result<(), Fail> {
        let (tx, issued) = loop {
            let (tx, store, held) = self.begin(conn, true)?;
            match issue(&tx, &store, batch) {
                Err(_) if held => continue,
                issued => break (tx, issued),
            }
        };
        let done = tx_done(&tx);
        match issued {
            Ok(issued) => finish(&tx, done, issued, true).await,
            Err(e) => {
                done.committed().await;
                Err(e)
            }
        }
    }

    /// Commits an exclusive batch ([`Batch::exclusive`]) as a version change: this handle's
    /// connection is closed, the database is opened at its version + 1, and the batch runs in
    /// the upgrade transaction, which IndexedDB starts only once every other connection has
    /// closed (memspace closes its connections on `versionchange`). Every other handle's next
    /// call therefore opens a new connection, moving its epoch, before it can see the batch.
    /// Chromium commits version changes with strict durability.
    async fn commit_exclusive(&self, batch: &Batch) -> Result<(), KvError> {
        self.close();
        let fail = |f: Fail| match f {
            Fail::Closed => KvError::Storage("the database closed while opening".into()),
            Fail::Kv(e) => e,
        };
        for _ in 0..8 {
            let db = open_db(&self.factory, &self.name, None, None)
                .await
                .map_err(fail)?;
            let next = db.version() as u32 + 1;
            db.close();
            let job = Upgrade {
                batch: batch.clone(),
                ran: Default::default(),
                outcome: Default::default(),
            };
            let res = open_db(&self.factory, &self.name, Some(next), Some(job.clone())).await;
            let ran = job.ran.get();
            match (res, job.outcome.take()) {
                (_, Some(Err(e))) => return Err(e),
                (Ok(db), _) => {
                    db.close();
                    if ran {
                        return Ok(());
                    }
                    // Another handle took version `next` first: go again from the new version.
                }
                (Err(_), None) if !ran => {} // another handle went past `next` meanwhile
                (Err(f), _) => return Err(fail(f)),
            }
        }
        Err(KvError::Storage(
            "the database version kept changing under an exclusive write".into(),
        ))
    }
}

/// An exclusive batch to run in an upgrade transaction, and what became of it.
#[derive(Clone)]
struct Upgrade {
    batch: Batch,
    ran: Rc<std::cell::Cell<bool>>,
    outcome: Rc<RefCell<Option<Result<(), KvError>>>>,
}

/// What [`issue`] left to check: the precondition reads and the `add()` requests.
struct Issued<'a> {
    reads: Vec<(&'a Precondition, IdbRequest)>,
    added: Vec<(&'a Vec<u8>, IdbRequest)>,
}

/// Issues a batch's precondition reads and writes on `store`, all before anything is awaited.
fn issue<'a>(
    tx: &IdbTransaction,
    store: &IdbObjectStore,
    batch: &'a Batch,
) -> Result<Issued<'a>, Fail> {
    // An `Absent` precondition on a key whose first operation in the batch is a put is
    // checked by IndexedDB itself: that put becomes `add()`, which fails with a
    // `ConstraintError` (aborting the transaction, undoing every write) when the key exists.
    // It means the same (no earlier operation of the batch touched the key) and needs no
    // read before the commit.
    let adds = inserted_keys(batch);
    // Pipelined: the other precondition reads and then every write are issued at once
    // (requests run in order, so each read sees the state before the writes); the reads
    // are checked as they arrive and a failed one aborts the transaction.
    let mut reads = Vec::with_capacity(batch.preconditions.len());
    for (i, p) in batch.preconditions.iter().enumerate() {
        if adds.iter().any(|&(_, pi)| pi == i) {
            continue;
        }
        reads.push((
            p,
            store
                .get(&key_js(p.key()))
                .map_err(|e| Fail::Kv(storage("get", &e)))?,
        ));
    }
    let mut added = Vec::with_capacity(adds.len());
    let at = store.unchecked_ref::<StoreExt>();
    for (oi, op) in batch.ops.iter().enumerate() {
        let r = match op {
            Op::Put(k, v) if adds.iter().any(|&(a, _)| a == oi) => at
                .add_at(&Uint8Array::from(v.as_slice()), k)
                .map(|req| added.push((k, req))),
            Op::Put(k, v) => at.put_at(&Uint8Array::from(v.as_slice()), k).map(drop),
            Op::Delete(k) => store.delete(&key_js(k)).map(drop),
        };
        if let Err(e) = r {
            let _ = tx.abort();
            return Err(Fail::Kv(classify(&e, "write")));
        }
    }
    Ok(Issued { reads, added })
}

/// Checks what [`issue`] issued as it arrives (a failed precondition aborts the transaction)
/// and waits for the transaction to complete; `commit` asks it to commit at once.
async fn finish(
    tx: &IdbTransaction,
    done: TxDone,
    issued: Issued<'_>,
    commit: bool,
) -> Result<(), Fail> {
    let Issued { reads, added } = issued;
    if let Some((_, last)) = reads.last() {
        if let Err(e) = request(last).await {
            let e = reads
                .iter()
                .find_map(|(_, r)| r.error().ok().flatten())
                .map(JsValue::from)
                .unwrap_or(e);
            return Err(Fail::Kv(finish_failed(tx, done, e).await));
        }
    }
    for (p, req) in &reads {
        let current = match req.result() {
            Ok(v) => bytes_opt(&v),
            Err(e) => return Err(Fail::Kv(finish_failed(tx, done, e).await)),
        };
        if !p.holds(current.as_deref()) {
            let _ = tx.abort();
            done.committed().await;
            return Err(Fail::Kv(KvError::Conflict {
                key: p.key().to_vec(),
            }));
        }
    }
    if commit {
        commit_now(tx);
    }
    match done.committed().await {
        true => Ok(()),
        false => {
            // An add() that found its key: the precondition failed (a lost race).
            let taken = added.iter().find(|(_, r)| {
                r.error()
                    .ok()
                    .flatten()
                    .is_some_and(|e| e.name() == "ConstraintError")
            });
            match taken {
                Some((k, _)) => Err(Fail::Kv(KvError::Conflict { key: k.to_vec() })),
                None => Err(Fail::Kv(abort_error(tx))),
            }
        }
    }
}

/// The puts of `batch` that can be `add()`s: (operation index, precondition index) of each
/// `Absent(key)` precondition whose key's first operation in the batch is a put.
fn inserted_keys(batch: &Batch) -> Vec<(usize, usize)> {
    let mut out: Vec<(usize, usize)> = Vec::new();
    for (pi, p) in batch.preconditions.iter().enumerate() {
        let Precondition::Absent(key) = p else {
            continue;
        };
        if out
            .iter()
            .any(|&(_, q)| batch.preconditions[q].key() == key.as_slice())
        {
            continue;
        }
        if let Some(oi) = batch.ops.iter().position(|op| op.key() == key.as_slice()) {
            if matches!(batch.ops[oi], Op::Put(..)) {
                out.push((oi, pi));
            }
        }
    }
    out
}

impl Kv for IndexedDbKv {
    fn capabilities(&self) -> Capabilities {
        Capabilities {
            atomic_batches: true,
        }
    }

    fn get<'a>(&'a self, key: &'a [u8]) -> KvFuture<'a, Option<Vec<u8>>> {
        Box::pin(self.read(move |_tx, store| async move {
            let req = store.get(&key_js(key)).map_err(|e| storage("get", &e))?;
            let v = request(&req).await.map_err(|e| classify(&e, "get"))?;
            Ok(bytes_opt(&v))
        }))
    }

    fn get_many<'a>(&'a self, keys: &'a [Vec<u8>]) -> KvFuture<'a, Vec<Option<Vec<u8>>>> {
        Box::pin(async move {
            if keys.is_empty() {
                return Ok(Vec::new());
            }
            self.read(move |_tx, store| async move {
                let mut reqs = Vec::with_capacity(keys.len());
                for k in keys {
                    reqs.push(store.get(&key_js(k)).map_err(|e| storage("get", &e))?);
                }
                all_done(reqs.iter()).await?;
                reqs.iter()
                    .map(|r| Ok(bytes_opt(&r.result().map_err(|e| storage("get", &e))?)))
                    .collect()
            })
            .await
        })
    }

    fn scan<'a>(
        &'a self,
        range: &'a KeyRange,
        limit: usize,
        reverse: bool,
    ) -> KvFuture<'a, Vec<Entry>> {
        Box::pin(async move {
            if limit == 0
                || range
                    .end
                    .as_ref()
                    .is_some_and(|e| e.as_slice() <= range.start.as_slice())
            {
                return Ok(Vec::new());
            }
            let count = u32::try_from(limit).unwrap_or(u32::MAX);
            self.read(move |_tx, store| async move {
                let r = key_range(range)?;
                if self.records(&store) {
                    return scan_records(&store, &r, count, reverse).await;
                }
                if reverse {
                    scan_cursor(&store, &r, count).await
                } else {
                    scan_get_all(&store, &r, count).await
                }
            })
            .await
        })
    }

    fn read_many<'a>(&'a self, reads: &'a [Read]) -> KvFuture<'a, Vec<ReadResult>> {
        Box::pin(async move {
            if reads.is_empty() {
                return Ok(Vec::new());
            }
            // One readonly transaction: every request is issued before the first is awaited,
            // so the reads are pipelined and see one snapshot.
            self.read(move |_tx, store| async move {
                let records = self.records(&store);
                let mut pending = Vec::with_capacity(reads.len());
                for r in reads {
                    pending.push(match r {
                        Read::Get(k) => {
                            Some(store.get(&key_js(k)).map_err(|e| storage("get", &e))?)
                        }
                        Read::Scan {
                            range,
                            limit,
                            reverse,
                        }
                        | Read::ScanDense {
                            range,
                            limit,
                            reverse,
                        } if records && scan_nonempty(range, *limit) => {
                            let count = u32::try_from(*limit).unwrap_or(u32::MAX);
                            Some(records_request(
                                &store,
                                &key_range(range)?,
                                count,
                                *reverse,
                            )?)
                        }
                        Read::Scan { .. } | Read::ScanDense { .. } => None,
                    });
                }
                all_done(pending.iter().flatten()).await?;
                let mut out = Vec::with_capacity(reads.len());
                for (r, req) in reads.iter().zip(&pending) {
                    out.push(match (r, req) {
                        (Read::Get(_), Some(req)) => ReadResult::Value(bytes_opt(
                            &req.result().map_err(|e| storage("get", &e))?,
                        )),
                        (Read::Scan { .. }, Some(req)) => ReadResult::Entries(records_entries(
                            &req.result().map_err(|e| storage("getAllRecords", &e))?,
                            false,
                        )?),
                        (Read::ScanDense { .. }, Some(req)) => {
                            ReadResult::Entries(records_entries(
                                &req.result().map_err(|e| storage("getAllRecords", &e))?,
                                true,
                            )?)
                        }
                        (
                            Read::Scan {
                                range,
                                limit,
                                reverse,
                            }
                            | Read::ScanDense {
                                range,
                                limit,
                                reverse,
                            },
                            None,
                        ) => {
                            if !scan_nonempty(range, *limit) {
                                ReadResult::Entries(Vec::new())
                            } else {
                                let count = u32::try_from(*limit).unwrap_or(u32::MAX);
                                let r = key_range(range)?;
                                ReadResult::Entries(if *reverse {
                                    scan_cursor(&store, &r, count).await?
                                } else {
                                    scan_get_all(&store, &r, count).await?
                                })
                            }
                        }
                        (Read::Get(_), None) => ReadResult::Value(None),
                    });
                }
                Ok(out)
            })
            .await
        })
    }

    fn epoch(&self) -> Option<u64> {
        Some(self.generation.get())
    }

    fn hold(&self, on: bool) {
        self.hold.set(on);
        self.held.take();
    }

    fn commit<'a>(&'a self, batch: Batch) -> KvFuture<'a, ()> {
        Box::pin(async move {
            if batch.exclusive {
                return self.commit_exclusive(&batch).await;
            }
            if let Some(e) = batch.epoch {
                // Only on the connection of that epoch: another one may have opened after
                // another handle's exclusive batch.
                let conn = self.conn.borrow().clone();
                let conn = conn.filter(|c| c.alive.get() && c.generation == e);
                let Some(conn) = conn else {
                    return Err(KvError::Conflict { key: Vec::new() });
                };
                return match self.try_commit(&conn, &batch).await {
                    Ok(()) => Ok(()),
                    Err(Fail::Closed) => {
                        self.forget(&conn);
                        Err(KvError::Conflict { key: Vec::new() })
                    }
                    Err(Fail::Kv(e)) => {
                        if !conn.alive.get() {
                            self.forget(&conn);
                        }
                        Err(e)
                    }
                };
            }
            // Retry only when the transaction never started (nothing can have been applied).
            for _ in 0..2 {
                let conn = match self.connection().await {
                    Ok(c) => c,
                    Err(Fail::Closed) => continue,
                    Err(Fail::Kv(e)) => return Err(e),
                };
                match self.try_commit(&conn, &batch).await {
                    Ok(()) => return Ok(()),
                    Err(Fail::Closed) => self.forget(&conn),
                    Err(Fail::Kv(e)) => {
                        if !conn.alive.get() {
                            self.forget(&conn);
                        }
                        return Err(e);
                    }
                }
            }
            Err(KvError::Storage("the database connection was lost".into()))
        })
    }
}

/// `globalThis.indexedDB`, in a window or a worker.
pub fn global_factory() -> Result<IdbFactory, KvError> {
    Reflect::get(&js_sys::global(), &"indexedDB".into())
        .ok()
        .and_then(|f| f.dyn_into::<IdbFactory>().ok())
        .ok_or_else(|| KvError::Storage("IndexedDB is not available in this environment".into()))
}

/// Opens database `name` (at `version`, upgrading to it if needed: the store is created if
/// missing and `job`'s batch runs in the upgrade transaction).
async fn open_db(
    factory: &IdbFactory,
    name: &str,
    version: Option<u32>,
    job: Option<Upgrade>,
) -> Result<IdbDatabase, Fail> {
    let req: IdbOpenDbRequest = match version {
        Some(v) => factory.open_with_u32(name, v),
        None => factory.open(name),
    }
    .map_err(|e| Fail::Kv(storage("open", &e)))?;
    let on_upgrade = {
        let req = req.clone();
        let mut job = job;
        Closure::<dyn FnMut()>::new(move || {
            if let Ok(db) = req.result().and_then(|d| d.dyn_into::<IdbDatabase>()) {
                if !db.object_store_names().contains(STORE) {
                    let _ = db.create_object_store(STORE);
                }
            }
            if let (Some(job), Some(tx)) = (job.take(), req.transaction()) {
                job.ran.set(true);
                run_upgrade(job, tx);
            }
        })
    };
    req.set_onupgradeneeded(Some(on_upgrade.as_ref().unchecked_ref()));
    let res = request(&req).await;
    req.set_onupgradeneeded(None);
    drop(on_upgrade);
    let db = res.map_err(|e| Fail::Kv(classify(&e, "open")))?;
    db.dyn_into::<IdbDatabase>()
        .map_err(|_| Fail::Kv(KvError::Storage("open did not return a database".into())))
}

/// Runs an exclusive batch in the upgrade transaction `tx`: its requests are issued now,
/// while the `upgradeneeded` event makes the transaction active; the checks follow as the
/// results arrive (a failed one aborts the upgrade, so the version does not change).
fn run_upgrade(job: Upgrade, tx: IdbTransaction) {
    let store = match tx.object_store(STORE) {
        Ok(s) => s,
        Err(e) => {
            let _ = tx.abort();
            *job.outcome.borrow_mut() = Some(Err(storage("object store", &e)));
            return;
        }
    };
    let done = tx_done(&tx);
    wasm_bindgen_futures::spawn_local(async move {
        let res = match issue(&tx, &store, &job.batch) {
            Ok(issued) => finish(&tx, done, issued, false).await,
            Err(e) => Err(e),
        };
        *job.outcome.borrow_mut() = Some(res.map_err(|f| match f {
            Fail::Closed => KvError::Storage("the database closed during an upgrade".into()),
            Fail::Kv(e) => e,
        }));
    });
}

/// Awaits one request; `Err` carries the request's `DOMException`. The request's `success` and
/// `error` handlers are one function for every request ([`settle`]), which wakes the
/// waiting future from inside the event's dispatch: no promise and no closure per request,
/// and a future driven by [`super::task`] continues in that dispatch (no microtask hops).
async fn request(req: &IdbRequest) -> Result<JsValue, JsValue> {
    ON_SETTLED.with(|h| {
        let h: &Function = h.as_ref().unchecked_ref();
        req.set_onsuccess(Some(h));
        req.set_onerror(Some(h));
    });
    Settled::watch(req).await;
    req.set_onsuccess(None);
    req.set_onerror(None);
    match req.error() {
        Ok(None) => req.result(),
        Ok(Some(e)) => Err(e.into()),
        Err(e) => Err(e),
    }
}

/// [`Settled`]'s states: not yet, a request's `success` / `error` or a transaction's
/// `complete`, a transaction's `abort`.
const PENDING: u8 = 0;
const SETTLED: u8 = 1;
const ABORTED: u8 = 2;

/// A request or transaction waiting for its event.
struct Waiter {
    target: JsValue,
    state: Rc<Cell<u8>>,
    /// Set once its future was polled.
    waker: Option<Waker>,
}

thread_local! {
    /// The requests and transactions being awaited (a handful at most: one per call in flight).
    static WAITERS: RefCell<Vec<Waiter>> = const { RefCell::new(Vec::new()) };
    /// The `success` / `error` handler of every awaited request, and the `complete` handler
    /// of every transaction that commits.
    static ON_SETTLED: Closure<dyn FnMut(SettleEvent)> =
        Closure::new(|ev: SettleEvent| settle(ev, SETTLED));
    /// The `abort` handler of every transaction that commits.
    static ON_ABORTED: Closure<dyn FnMut(SettleEvent)> =
        Closure::new(|ev: SettleEvent| settle(ev, ABORTED));
}

/// Marks the event's target `state` and wakes its future (after the registry is released:
/// the woken future may run at once and await another request).
fn settle(ev: SettleEvent, state: u8) {
    let target = ev.target();
    let woken = WAITERS.with(|w| {
        let mut w = w.borrow_mut();
        let i = w.iter().position(|x| x.target == target)?;
        let x = w.swap_remove(i);
        x.state.set(state);
        x.waker
    });
    if let Some(waker) = woken {
        waker.wake();
    }
}

/// The future of one request's or transaction's event; registered from its creation (an
/// event that fires before the first poll is kept), and unregistered when dropped unsettled.
struct Settled {
    state: Rc<Cell<u8>>,
}

impl Settled {
    /// Watches `target`, whose handlers call [`settle`].
    fn watch(target: &JsValue) -> Self {
        let state = Rc::new(Cell::new(PENDING));
        WAITERS.with(|w| {
            w.borrow_mut().push(Waiter {
                target: target.clone(),
                state: state.clone(),
                waker: None,
            })
        });
        Settled { state }
    }
}

impl std::future::Future for Settled {
    /// [`SETTLED`] or [`ABORTED`].
    type Output = u8;
    fn poll(self: std::pin::Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<u8> {
        let state = self.state.get();
        if state != PENDING {
            return Poll::Ready(state);
        }
        WAITERS.with(|w| {
            let mut w = w.borrow_mut();
            if let Some(x) = w.iter_mut().find(|x| Rc::ptr_eq(&x.state, &self.state)) {
                match &mut x.waker {
                    Some(k) => k.clone_from(cx.waker()),
                    k => *k = Some(cx.waker().clone()),
                }
            }
        });
        Poll::Pending
    }
}

impl Drop for Settled {
    fn drop(&mut self) {
        if self.state.get() == PENDING {
            let _ = WAITERS.try_with(|w| {
                w.borrow_mut()
                    .retain(|x| !Rc::ptr_eq(&x.state, &self.state));
            });
        }
    }
}

/// Waits until every request of one transaction has succeeded: requests complete in order,
/// so only the last is awaited (one promise instead of one per request); a failed request
/// aborts the transaction, which fails every later one, and its own error is reported.
async fn all_done<'a>(reqs: impl Iterator<Item = &'a IdbRequest> + Clone) -> Result<(), KvError> {
    let Some(last) = reqs.clone().last() else {
        return Ok(());
    };
    if let Err(e) = request(last).await {
        let first = reqs
            .filter_map(|r| r.error().ok().flatten())
            .map(JsValue::from)
            .next()
            .unwrap_or(e);
        return Err(classify(&first, "read"));
    }
    Ok(())
}

/// The transaction's end, watched before its requests are issued: its `complete` and `abort`
/// handlers are the shared ones of [`request`] (no promise and no closures per commit), so the
/// commit's future continues in the `complete` event's own dispatch.
struct TxDone(Settled);

impl TxDone {
    /// Whether the transaction committed (`complete`), else it aborted.
    async fn committed(self) -> bool {
        self.0.await == SETTLED
    }
}

fn tx_done(tx: &IdbTransaction) -> TxDone {
    ON_SETTLED.with(|h| tx.set_oncomplete(Some(h.as_ref().unchecked_ref())));
    ON_ABORTED.with(|h| tx.set_onabort(Some(h.as_ref().unchecked_ref())));
    TxDone(Settled::watch(tx))
}

/// After a failed request inside a commit: wait for the abort and report its cause.
async fn finish_failed(tx: &IdbTransaction, done: TxDone, e: JsValue) -> KvError {
    let _ = tx.abort();
    done.committed().await;
    match tx.error() {
        Some(_) => abort_error(tx),
        None => classify(&e, "read"),
    }
}

/// Maps the error of an aborted transaction.
fn abort_error(tx: &IdbTransaction) -> KvError {
    match tx.error() {
        Some(e) => classify(&e.into(), "commit aborted"),
        None => KvError::Storage("commit aborted".into()),
    }
}

fn exception_name(e: &JsValue) -> Option<String> {
    e.dyn_ref::<DomException>().map(|d| d.name()).or_else(|| {
        Reflect::get(e, &"name".into())
            .ok()
            .and_then(|n| n.as_string())
    })
}

fn exception_message(e: &JsValue) -> String {
    e.dyn_ref::<DomException>()
        .map(|d| d.message())
        .or_else(|| {
            Reflect::get(e, &"message".into())
                .ok()
                .and_then(|n| n.as_string())
        })
        .or_else(|| e.as_string())
        .unwrap_or_else(|| "unknown error".into())
}

/// `QuotaExceededError` → `Quota`; anything else → `Storage` with the DOM error's name.
fn classify(e: &JsValue, what: &str) -> KvError {
    let name = exception_name(e).unwrap_or_else(|| "Error".into());
    let msg = format!("IndexedDB {what}: {name}: {}", exception_message(e));
    if name == "QuotaExceededError" {
        KvError::Quota(msg)
    } else {
        KvError::Storage(msg)
    }
}

fn storage(what: &str, e: &JsValue) -> KvError {
    classify(e, what)
}

/// Errors that mean the connection is closed or closing.
fn is_closed_error(e: &JsValue) -> bool {
    exception_name(e).is_some_and(|n| n == "InvalidStateError")
}

/// A read failure that a reopened connection may not have (closed or lost connection).
fn is_conn_lost(e: &KvError) -> bool {
    match e {
        KvError::Storage(m) => [
            "InvalidStateError",
            "AbortError",
            "UnknownError",
            "TransactionInactiveError",
        ]
        .iter()
        .any(|n| m.contains(n)),
        _ => false,
    }
}

fn key_js(key: &[u8]) -> JsValue {
    Uint8Array::from(key).into()
}

fn bytes_opt(v: &JsValue) -> Option<Vec<u8>> {
    if v.is_undefined() || v.is_null() {
        None
    } else {
        Some(bytes(v))
    }
}

/// The bytes of a stored value (a `Uint8Array`, copied straight into wasm) or binary key (an
/// `ArrayBuffer`, viewed, then copied).
fn bytes(v: &JsValue) -> Vec<u8> {
    match v.dyn_ref::<Uint8Array>() {
        Some(a) => a.to_vec(),
        None => Uint8Array::new(v).to_vec(),
    }
}

fn key_range(r: &KeyRange) -> Result<IdbKeyRange, KvError> {
    let start = key_js(&r.start);
    match &r.end {
        Some(end) => {
            IdbKeyRange::bound_with_lower_open_and_upper_open(&start, &key_js(end), false, true)
        }
        None => IdbKeyRange::lower_bound(&start),
    }
    .map_err(|e| storage("key range", &e))
}

fn has_get_all_records(store: &IdbObjectStore) -> bool {
    Reflect::has(store, &"getAllRecords".into()).unwrap_or(false)
}

impl IndexedDbKv {
    /// Whether `getAllRecords` exists (asked once per handle).
    fn records(&self, store: &IdbObjectStore) -> bool {
        match self.has_records.get() {
            Some(b) => b,
            None => {
                let b = has_get_all_records(store);
                self.has_records.set(Some(b));
                b
            }
        }
    }
}

/// Issues `getAllRecords({query, count, direction})` (Chromium 141+): one request.
fn records_request(
    store: &IdbObjectStore,
    r: &IdbKeyRange,
    count: u32,
    reverse: bool,
) -> Result<IdbRequest, KvError> {
    let opts: RecordsOptions = Object::new().unchecked_into();
    opts.set_query(r);
    opts.set_count(count);
    opts.set_direction(if reverse { "prev" } else { "next" });
    store
        .unchecked_ref::<StoreExt>()
        .get_all_records(&opts)
        .map_err(|e| storage("getAllRecords", &e))
}

/// The entries a `getAllRecords` request returned.
async fn records_result(req: &IdbRequest) -> Result<Vec<Entry>, KvError> {
    let records = request(req)
        .await
        .map_err(|e| classify(&e, "getAllRecords"))?;
    records_entries(&records, false)
}

/// The entries of a settled `getAllRecords` result; with `dense` ([`Read::ScanDense`]) only
/// the first two and the last keys are read (a binary key read is an `ArrayBuffer` made and
/// copied: the costliest part of a record after its value), the others are left empty.
fn records_entries(records: &JsValue, dense: bool) -> Result<Vec<Entry>, KvError> {
    let records: &Array = records.unchecked_ref();
    let n = records.length();
    let mut out = Vec::with_capacity(n as usize);
    for i in 0..n {
        let rec: IdbRecord = records.get(i).unchecked_into();
        let key = if dense && i > 1 && i + 1 < n {
            Vec::new()
        } else {
            bytes(&rec.key())
        };
        out.push((key, bytes(&rec.value())));
    }
    Ok(out)
}

/// One request: `getAllRecords({query, count, direction})`.
async fn scan_records(
    store: &IdbObjectStore,
    r: &IdbKeyRange,
    count: u32,
    reverse: bool,
) -> Result<Vec<Entry>, KvError> {
    records_result(&records_request(store, r, count, reverse)?).await
}

/// False when a scan cannot return anything (no request needed).
fn scan_nonempty(range: &KeyRange, limit: usize) -> bool {
    limit > 0
        && range
            .end
            .as_ref()
            .is_none_or(|e| e.as_slice() > range.start.as_slice())
}

/// Two requests in one transaction: `getAllKeys` and `getAll` over the same range and count.
async fn scan_get_all(
    store: &IdbObjectStore,
    r: &IdbKeyRange,
    count: u32,
) -> Result<Vec<Entry>, KvError> {
    let kreq = store
        .get_all_keys_with_key_and_limit(r, count)
        .map_err(|e| storage("getAllKeys", &e))?;
    let vreq = store
        .get_all_with_key_and_limit(r, count)
        .map_err(|e| storage("getAll", &e))?;
    let keys: Array = request(&kreq)
        .await
        .map_err(|e| classify(&e, "getAllKeys"))?
        .unchecked_into();
    let values: Array = request(&vreq)
        .await
        .map_err(|e| classify(&e, "getAll"))?
        .unchecked_into();
    Ok(keys
        .iter()
        .zip(values.iter())
        .map(|(k, v)| (Uint8Array::new(&k).to_vec(), Uint8Array::new(&v).to_vec()))
        .collect())
}

/// A `prev` cursor, for browsers without `getAllRecords`.
async fn scan_cursor(
    store: &IdbObjectStore,
    r: &IdbKeyRange,
    count: u32,
) -> Result<Vec<Entry>, KvError> {
    let req = store
        .open_cursor_with_range_and_direction(r, IdbCursorDirection::Prev)
        .map_err(|e| storage("openCursor", &e))?;
    let mut out = Vec::new();
    loop {
        let v = request(&req).await.map_err(|e| classify(&e, "cursor"))?;
        let Ok(cursor) = v.dyn_into::<IdbCursorWithValue>() else {
            break;
        };
        let k = cursor.key().map_err(|e| storage("cursor key", &e))?;
        let val = cursor.value().map_err(|e| storage("cursor value", &e))?;
        out.push((Uint8Array::new(&k).to_vec(), Uint8Array::new(&val).to_vec()));
        if out.len() as u32 >= count {
            break;
        }
        cursor
            .continue_()
            .map_err(|e| storage("cursor continue", &e))?;
    }
    Ok(out)
}
