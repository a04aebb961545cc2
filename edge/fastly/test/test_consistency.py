"""What Fastly's KV store does with concurrent writers of one key, measured in Viceroy through
the engine probe's raw race route (below FastlyKv: no locks). Each writer reads the key's
generation, then waits, so that every writer has read before any writes; the writes land
STAGGER_MS apart. These are the primitives FastlyKv builds its commit points on
(edge/fastly/README.md, "Consistency on Fastly").

The writes are staggered because Viceroy 0.22.0 checks a generation (or add-only) under its
store's read lock and writes under a separate write lock: two writes landing in the same
microseconds can both pass the check there. Fastly's store is what decides that case in
production; Viceroy cannot measure it."""

import os
import threading
import uuid

import requests

PROBE = os.environ.get("PROBE_URL", "")
WRITERS = 4
HOLD_MS = 400
STAGGER_MS = 150


def race(name, mode):
    """WRITERS concurrent writers of `race/{name}`; returns their {"won", "read"} in order."""
    gate = threading.Barrier(WRITERS)
    out = [None] * WRITERS

    def writer(i):
        gate.wait()
        hold = HOLD_MS + i * STAGGER_MS
        r = requests.post(f"{PROBE}/probe/race/{name}", params={"mode": mode, "hold_ms": hold}, data=f"writer-{i}", timeout=60)
        assert r.status_code == 200, r.text
        out[i] = r.json()

    threads = [threading.Thread(target=writer, args=(i,)) for i in range(WRITERS)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert None not in out, "a writer failed"
    return out


def stored(name):
    r = requests.get(f"{PROBE}/probe/race/{name}", timeout=60)
    assert r.status_code == 200, r.text
    return r.json()


def check_one_winner_per_generation_read(results, name):
    """Of the writers that read the same generation (or all found the key absent), exactly
    one wins; the key then holds a winner's value (read by the next request: read-your-writes
    in Viceroy). Returns how many writers shared the most common read."""
    by_read = {}
    for i, r in enumerate(results):
        by_read.setdefault(r["read"], []).append(i)
    for read, writers in by_read.items():
        winners = [i for i in writers if results[i]["won"]]
        assert len(winners) <= 1, f"writers {winners} all won on generation {read}"
    # The first write to land finds the generation its writer read: someone always wins.
    assert any(r["won"] for r in results)
    assert stored(name)["value"] in {f"writer-{i}" for i, r in enumerate(results) if r["won"]}
    return max(len(w) for w in by_read.values())


def overlapping_races(prefix, seeded):
    """Races WRITERS generation-matched writers of fresh keys (each key written once before when
    `seeded`, else absent) until two races had every writer read the same state before any
    wrote (at most 5 races), checking each race; returns the winner counts of those two."""
    counts = []
    for _ in range(5):
        name = f"{prefix}-{uuid.uuid4().hex}"
        if seeded:
            requests.post(f"{PROBE}/probe/race/{name}", params={"mode": "blind"}, data="seed", timeout=60).raise_for_status()
            before = stored(name)["generation"]
        results = race(name, "match")
        if check_one_winner_per_generation_read(results, name) == WRITERS:
            counts.append(sum(r["won"] for r in results))
        if seeded:
            assert stored(name)["generation"] != before
        if len(counts) == 2:
            break
    assert counts, "the writers never overlapped: the race was not exercised"
    return counts


def test_writers_matching_one_generation_exactly_one_wins_the_others_fail_their_precondition():
    assert overlapping_races("gen", seeded=True) in ([1], [1, 1])


def test_add_only_writers_of_an_absent_key_exactly_one_wins():
    # Every writer that finds the key absent inserts add-only.
    assert overlapping_races("add", seeded=False) in ([1], [1, 1])


def test_blind_overwrites_all_succeed_and_only_the_last_one_survives():
    """Why FastlyKv never writes a commit point blind: every writer is told it succeeded, and
    all values but one are gone."""
    name = f"blind-{uuid.uuid4().hex}"
    results = race(name, "blind")
    assert all(r["won"] for r in results)
    assert stored(name)["value"] in {f"writer-{i}" for i in range(WRITERS)}
