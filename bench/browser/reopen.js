// Opens this origin's "bytes" database once (LevelDB recovers its log into tables on open), so
// both sides are measured after the same recovery.
const r = indexedDB.open("bytes");
r.onsuccess = () => {
  r.result.close();
  window.__reopen = true;
};
r.onerror = () => (window.__reopen = String(r.error));
