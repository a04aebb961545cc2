//! A per-handle write lock: one handle's writes run one at a time, so concurrent calls from
//! one tab or one request queue instead of racing each other. Races between handles (tabs,
//! requests) are still settled by the commit preconditions.

use std::cell::RefCell;
use std::future::Future;
use std::pin::Pin;
use std::rc::Rc;
use std::task::{Context, Poll, Waker};

#[derive(Default)]
struct State {
    held: bool,
    waiters: Vec<Waker>,
}

/// An async mutex without data, for single-threaded executors.
#[derive(Clone, Default)]
pub(crate) struct WriteLock(Rc<RefCell<State>>);

/// Holds the lock until dropped.
pub(crate) struct Guard(Rc<RefCell<State>>);

impl Drop for Guard {
    fn drop(&mut self) {
        let waiters = {
            let mut s = self.0.borrow_mut();
            s.held = false;
            std::mem::take(&mut s.waiters)
        };
        // Wake everyone; the first to be polled takes the lock, the rest queue again.
        waiters.into_iter().for_each(Waker::wake);
    }
}

struct Acquire(Rc<RefCell<State>>);

impl Future for Acquire {
    type Output = Guard;
    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Guard> {
        let mut s = self.0.borrow_mut();
        if s.held {
            if !s.waiters.iter().any(|w| w.will_wake(cx.waker())) {
                s.waiters.push(cx.waker().clone());
            }
            Poll::Pending
        } else {
            s.held = true;
            Poll::Ready(Guard(self.0.clone()))
        }
    }
}

impl WriteLock {
    /// Waits for the lock.
    pub(crate) fn acquire(&self) -> impl Future<Output = Guard> {
        Acquire(self.0.clone())
    }
}
