//! The promise every async method returns, driven without a microtask queue: the call's future
//! is polled at once inside the call (its requests are issued before the method returns, in
//! call order), and again synchronously from its waker, which IndexedDB's `success` handler
//! ([`super::indexeddb`]) calls in the event's own dispatch. A read therefore resolves in the
//! task its data arrives in, with no `future_to_promise` first turn and no wake-up hops.
//!
//! Invariant: one future of this module is polled at a time. A wake that arrives while one
//! is being polled (a future waking itself, or a JS callback the engine called re-entering
//! the API) is deferred to a microtask ([`wasm_bindgen_futures::spawn_local`]).

use super::memspace::JsFuture;
use js_sys::{Function, Promise};
use std::cell::{Cell, RefCell};
use std::collections::HashMap;
use std::sync::Arc;
use std::task::{Context, Poll, Wake, Waker};
use wasm_bindgen::JsValue;

/// A future waiting for its waker, and the functions that settle its promise.
struct Task {
    fut: JsFuture,
    settle: Option<(Function, Function)>,
    waker: Waker,
}

thread_local! {
    /// Pending tasks by id; a task is taken out while it is polled.
    static TASKS: RefCell<HashMap<u64, Task>> = RefCell::new(HashMap::new());
    static NEXT: Cell<u64> = const { Cell::new(0) };
    /// Whether a task is being polled (wakes are then deferred).
    static POLLING: Cell<bool> = const { Cell::new(false) };
}

/// A task's waker: its id (wakers must be `Send`; the task itself stays in the thread-local).
struct Id(u64);

impl Wake for Id {
    fn wake(self: Arc<Self>) {
        wake(self.0);
    }
}

fn wake(id: u64) {
    if POLLING.get() {
        wasm_bindgen_futures::spawn_local(async move { run(id) });
    } else {
        run(id);
    }
}

/// Polls `fut` once with `waker`; the flag is cleared whatever the outcome.
fn poll(fut: &mut JsFuture, waker: &Waker) -> Poll<Result<JsValue, JsValue>> {
    POLLING.set(true);
    let r = fut.as_mut().poll(&mut Context::from_waker(waker));
    POLLING.set(false);
    r
}

/// Polls task `id` if it is still pending (a stale or repeated wake finds nothing).
fn run(id: u64) {
    let Some(mut task) = TASKS.with(|t| t.borrow_mut().remove(&id)) else {
        return;
    };
    match poll(&mut task.fut, &task.waker) {
        Poll::Pending => {
            TASKS.with(|t| t.borrow_mut().insert(id, task));
        }
        Poll::Ready(res) => {
            if let Some((resolve, reject)) = task.settle {
                let _ = match res {
                    Ok(v) => resolve.call1(&JsValue::UNDEFINED, &v),
                    Err(e) => reject.call1(&JsValue::UNDEFINED, &e),
                };
            }
        }
    }
}

/// Runs `fut` to its first await now and returns the promise of its result.
pub(super) fn promise(mut fut: JsFuture) -> Promise {
    let id = NEXT.get();
    NEXT.set(id.wrapping_add(1));
    let waker = Waker::from(Arc::new(Id(id)));
    let nested = POLLING.get();
    if !nested {
        match poll(&mut fut, &waker) {
            Poll::Ready(Ok(v)) => return Promise::resolve(&v),
            Poll::Ready(Err(e)) => return Promise::reject(&e),
            Poll::Pending => {}
        }
    }
    let mut settle = None;
    let promise = Promise::new(&mut |resolve, reject| settle = Some((resolve, reject)));
    TASKS.with(|t| t.borrow_mut().insert(id, Task { fut, settle, waker }));
    if nested {
        wake(id);
    }
    promise
}
