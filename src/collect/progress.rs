//! How far a collection has got, as counters any thread can read: the binary draws a
//! progress bar from them on an interactive terminal; nothing else reads them.

use std::sync::atomic::{AtomicU64, Ordering};

#[derive(Debug, Default)]
pub struct Progress {
    pub regions_total: AtomicU64,
    pub regions_done: AtomicU64,
    /// Functions listed so far (grows as regions are listed).
    pub functions_found: AtomicU64,
    pub functions_done: AtomicU64,
}

/// A consistent-enough reading of the counters.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ProgressReading {
    pub regions_total: u64,
    pub regions_done: u64,
    pub functions_found: u64,
    pub functions_done: u64,
}

impl Progress {
    pub fn read(&self) -> ProgressReading {
        ProgressReading {
            regions_total: self.regions_total.load(Ordering::Relaxed),
            regions_done: self.regions_done.load(Ordering::Relaxed),
            functions_found: self.functions_found.load(Ordering::Relaxed),
            functions_done: self.functions_done.load(Ordering::Relaxed),
        }
    }

    pub(crate) fn add(counter: &AtomicU64, n: u64) {
        counter.fetch_add(n, Ordering::Relaxed);
    }
}
