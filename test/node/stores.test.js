// Memory stores through the built npm package: stores, entries, versions and the memory tool,
// camelCase names and fields, metadata and content verbatim, engine errors as MemspaceError.
import { test } from "node:test";
import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import { Memspace, MemspaceError, MemoryKv } from "memspace";

let clockMs = Date.parse("2026-03-01T00:00:00Z");
const clock = () => clockMs;
const sha256 = (s) => createHash("sha256").update(s, "utf8").digest("hex");

async function fresh(extra = {}) {
  const ms = await Memspace.open({ storage: "memory", name: `stores-${Math.random()}`, clock, ...extra });
  const space = await ms.createSpace();
  return { ms, sp: space.id };
}

async function expectError(promise, code, status) {
  try {
    await promise;
  } catch (e) {
    assert.ok(e instanceof MemspaceError, `a MemspaceError, got ${e}`);
    assert.equal(e.code, code, e.message);
    assert.equal(e.status, status);
    return e;
  }
  assert.fail(`expected ${code}`);
}

test("stores: create, get, list (with and without archived), update, archive, delete", async () => {
  const { ms, sp } = await fresh();
  const a = await ms.createStore(sp, { name: "  notes  ", description: " mine ", metadata: { snake_key: "v", "Mixed-Case": "w" } });
  assert.match(a.id, /^memstore_/);
  assert.equal(Object.getPrototypeOf(a), Object.prototype, "records are plain objects");
  assert.deepEqual(Object.keys(a).sort(), ["createdAt", "description", "entryCount", "id", "memorySpaceId", "metadata", "name", "status", "totalSize", "updatedAt"]);
  assert.equal(a.memorySpaceId, sp);
  assert.equal(a.name, "notes", "trimmed");
  assert.equal(a.description, "mine");
  assert.equal(a.status, "active");
  assert.equal(a.entryCount, 0);
  assert.equal(a.totalSize, 0);
  assert.deepEqual(a.metadata, { snake_key: "v", "Mixed-Case": "w" }, "metadata keys are not renamed");
  assert.equal(a.archivedAt, undefined);
  clockMs += 1000;
  const b = await ms.createStore(sp, { name: "other" });
  assert.equal(b.description, "");
  assert.deepEqual(b.metadata, {});
  assert.deepEqual(await ms.getStore(sp, a.id), a);

  clockMs += 1000;
  const u = await ms.updateStore(sp, a.id, { name: "renamed", metadata: { snake_key: null, added_key: "x" } });
  assert.equal(u.name, "renamed");
  assert.equal(u.description, "mine", "absent fields stay");
  assert.deepEqual(u.metadata, { "Mixed-Case": "w", added_key: "x" }, "merge patch: null removes");
  assert.ok(u.updatedAt > a.updatedAt);

  clockMs += 1000;
  const arch = await ms.archiveStore(sp, b.id);
  assert.equal(arch.status, "archived");
  assert.equal(arch.archivedAt, arch.updatedAt);
  assert.deepEqual(await ms.archiveStore(sp, b.id), arch, "idempotent");
  assert.deepEqual((await ms.listStores(sp)).map((s) => s.id), [a.id]);
  assert.deepEqual((await ms.listStores(sp, { includeArchived: true })).map((s) => s.id), [a.id, b.id]);
  assert.deepEqual((await ms.listStores(sp, { includeArchived: true, offset: 1, limit: 1 })).map((s) => s.id), [b.id]);

  assert.equal(await ms.deleteStore(sp, b.id), undefined);
  const gone = await expectError(ms.getStore(sp, b.id), "not_found", 404);
  assert.equal(gone.details.kind, "memory_store");
  assert.deepEqual((await ms.listStores(sp, { includeArchived: true })).map((s) => s.id), [a.id]);
});

test("entries: create, get by id and path, list by prefix, update (rename keeps the id), delete", async () => {
  const { ms, sp } = await fresh();
  const st = await ms.createStore(sp, { name: "kb" });
  const content = "  # Status\n\nAll good ✓  \n";
  const e = await ms.createEntry(sp, st.id, { path: "projects/acme/status.md", content, metadata: { some_key: "1" } });
  assert.match(e.id, /^mem_/);
  assert.deepEqual(Object.keys(e).sort(), ["content", "contentSha256", "createdAt", "id", "metadata", "path", "size", "storeId", "updatedAt", "version"]);
  assert.equal(e.storeId, st.id);
  assert.equal(e.content, content, "content stored exactly as given");
  assert.equal(e.size, Buffer.byteLength(content, "utf8"));
  assert.equal(e.contentSha256, sha256(content));
  assert.equal(e.version, 1);
  assert.deepEqual(e.metadata, { some_key: "1" });
  await ms.createEntry(sp, st.id, { path: "projects/acme/todo.md", content: "todo" });
  await ms.createEntry(sp, st.id, { path: "projects-old/x.md", content: "old" });
  await ms.createEntry(sp, st.id, { path: "prefs.md", content: "tea" });

  assert.deepEqual(await ms.getEntry(sp, st.id, e.id), e);
  assert.deepEqual(await ms.getEntryByPath(sp, st.id, "projects/acme/status.md"), e);
  const all = await ms.listEntries(sp, st.id);
  assert.deepEqual(all.map((x) => x.path), ["prefs.md", "projects-old/x.md", "projects/acme/status.md", "projects/acme/todo.md"]);
  assert.ok(all.every((x) => !("content" in x)), "lists omit content");
  assert.deepEqual((await ms.listEntries(sp, st.id, { prefix: "projects" })).map((x) => x.path), ["projects/acme/status.md", "projects/acme/todo.md"]);
  assert.deepEqual((await ms.listEntries(sp, st.id, { prefix: "projects/acme/", offset: 1, limit: 1 })).map((x) => x.path), ["projects/acme/todo.md"]);
  assert.equal((await ms.getStore(sp, st.id)).entryCount, 4);

  clockMs += 1000;
  const moved = await ms.updateEntry(sp, st.id, e.id, { path: "archive/status.md", content: "done", metadata: { some_key: null, k2: "v" }, expectedVersion: 1, expectedSha256: e.contentSha256.toUpperCase() });
  assert.equal(moved.id, e.id, "a rename keeps the id");
  assert.equal(moved.path, "archive/status.md");
  assert.equal(moved.content, "done");
  assert.equal(moved.version, 2);
  assert.deepEqual(moved.metadata, { k2: "v" });
  await expectError(ms.getEntryByPath(sp, st.id, "projects/acme/status.md"), "not_found", 404);
  assert.deepEqual(await ms.updateEntry(sp, st.id, e.id, { content: "done", expectedVersion: 1 }), moved, "a retried update returns the entry unchanged");

  const store = await ms.getStore(sp, st.id);
  assert.equal(store.totalSize, ["done", "todo", "old", "tea"].reduce((n, s) => n + s.length, 0));
  assert.equal(await ms.deleteEntry(sp, st.id, e.id, { expectedVersion: 2 }), undefined);
  await expectError(ms.getEntry(sp, st.id, e.id), "not_found", 404);
  assert.equal((await ms.getStore(sp, st.id)).entryCount, 3);
  const todo = await ms.getEntryByPath(sp, st.id, "projects/acme/todo.md");
  await ms.deleteEntry(sp, st.id, todo.id);
  assert.equal((await ms.getStore(sp, st.id)).entryCount, 2);
});

test("conflict (409): used paths, stale expectedVersion and expectedSha256", async () => {
  const { ms, sp } = await fresh();
  const st = await ms.createStore(sp, { name: "kb" });
  const e = await ms.createEntry(sp, st.id, { path: "a.md", content: "one" });
  const other = await ms.createEntry(sp, st.id, { path: "b.md", content: "two" });
  const used = await expectError(ms.createEntry(sp, st.id, { path: "a.md", content: "x" }), "conflict", 409);
  assert.equal(used.details.conflictingEntryId, e.id);
  await expectError(ms.updateEntry(sp, st.id, other.id, { path: "a.md" }), "conflict", 409);
  await ms.updateEntry(sp, st.id, e.id, { content: "one!" });

  const v = await expectError(ms.updateEntry(sp, st.id, e.id, { content: "three", expectedVersion: 1 }), "conflict", 409);
  assert.equal(v.details.precondition, "expectedVersion");
  assert.equal(v.details.currentVersion, 2);
  const h = await expectError(ms.updateEntry(sp, st.id, e.id, { content: "three", expectedSha256: sha256("one") }), "conflict", 409);
  assert.equal(h.details.precondition, "expectedSha256");
  assert.equal(h.details.currentSha256, sha256("one!"));
  await expectError(ms.deleteEntry(sp, st.id, e.id, { expectedVersion: 1 }), "conflict", 409);
  await expectError(ms.deleteEntry(sp, st.id, e.id, { expectedSha256: sha256("one") }), "conflict", 409);
  assert.equal((await ms.getEntry(sp, st.id, e.id)).content, "one!", "nothing changed");
  await ms.deleteEntry(sp, st.id, e.id, { expectedVersion: 2, expectedSha256: sha256("one!") });
});

test("archived (409): entry writes and store updates on an archived store; reads and deletes still work", async () => {
  const { ms, sp } = await fresh();
  const st = await ms.createStore(sp, { name: "kb" });
  const e = await ms.createEntry(sp, st.id, { path: "a.md", content: "one" });
  await ms.archiveStore(sp, st.id);
  for (const p of [
    ms.createEntry(sp, st.id, { path: "b.md", content: "x" }),
    ms.updateEntry(sp, st.id, e.id, { content: "two" }),
    ms.updateStore(sp, st.id, { name: "n" }),
    ms.memoryTool(sp, st.id, { command: "create", path: "/memories/c.md", file_text: "x" }),
  ]) {
    const err = await expectError(p, "archived", 409);
    assert.ok(err instanceof Error);
    assert.equal(err.name, "MemspaceError");
    assert.equal(err.details.kind, "memory_store");
    assert.equal(err.details.id, st.id);
  }
  assert.equal((await ms.getEntry(sp, st.id, e.id)).content, "one");
  assert.match(await ms.memoryTool(sp, st.id, { command: "view", path: "/memories/a.md" }), /one/);
  await ms.deleteEntry(sp, st.id, e.id);
  assert.equal((await ms.getStore(sp, st.id)).entryCount, 0);
});

test("versions: listed newest first (per entry and per store), get with content, redaction erases the bytes", async () => {
  const kv = new MemoryKv();
  const ms = await Memspace.open({ kv, clock });
  const sp = (await ms.createSpace()).id;
  const st = await ms.createStore(sp, { name: "kb" });
  const secret = "my password is hunter2";
  const e = await ms.createEntry(sp, st.id, { path: "secret.md", content: secret });
  const f = await ms.createEntry(sp, st.id, { path: "f.md", content: "f" });
  await ms.updateEntry(sp, st.id, e.id, { content: "redacted soon" });

  const mine = await ms.listVersions(sp, st.id, { entryId: e.id });
  assert.deepEqual(mine.map((v) => [v.action, v.entryVersion]), [["updated", 2], ["created", 1]]);
  assert.ok(mine.every((v) => !("content" in v)), "lists omit content");
  assert.deepEqual(Object.keys(mine[1]).sort(), ["action", "contentSha256", "createdAt", "entryId", "entryPath", "entryVersion", "id", "redacted", "size", "storeId"]);
  const storeWide = await ms.listVersions(sp, st.id);
  assert.deepEqual(storeWide.map((v) => v.entryId), [e.id, f.id, e.id]);
  assert.deepEqual((await ms.listVersions(sp, st.id, { offset: 1, limit: 1 })).map((v) => v.id), [storeWide[1].id]);

  const created = await ms.getVersion(sp, st.id, mine[1].id);
  assert.equal(created.content, secret);
  assert.equal(created.redacted, false);
  assert.equal(created.contentSha256, sha256(secret));

  const current = await expectError(ms.redactVersion(sp, st.id, mine[0].id), "conflict", 409);
  assert.equal(current.details.precondition, "notCurrentVersion");

  clockMs += 1000;
  const red = await ms.redactVersion(sp, st.id, created.id);
  assert.equal(red.redacted, true);
  assert.equal(typeof red.redactedAt, "string");
  assert.equal(red.content, undefined);
  assert.equal(red.contentSha256, sha256(secret), "the audit record stays");
  assert.deepEqual(await ms.redactVersion(sp, st.id, created.id), red, "idempotent");
  assert.deepEqual(await ms.getVersion(sp, st.id, created.id), red);
  const needle = new TextEncoder().encode("hunter2");
  const all = await kv.scan(new Uint8Array(), null, 100000, false);
  assert.ok(all.length > 10, "the scan sees the store's keys");
  const hit = all.some(([, v]) => Buffer.from(v).indexOf(needle) >= 0);
  assert.equal(hit, false, "the redacted text is gone from every stored value");

  await ms.deleteEntry(sp, st.id, e.id);
  const after = await ms.listVersions(sp, st.id, { entryId: e.id });
  assert.deepEqual(after.map((v) => v.action), ["deleted", "updated", "created"], "versions survive the entry");
  assert.equal((await ms.getVersion(sp, st.id, after[0].id)).content, undefined);
  await expectError(ms.getVersion(sp, st.id, "memver_nope"), "not_found", 404);
});

test("memory tool: one command of each kind, traversal refused, tool errors for the model", async () => {
  const { ms, sp } = await fresh();
  const st = await ms.createStore(sp, { name: "agent" });
  const tool = (cmd) => ms.memoryTool(sp, st.id, cmd);

  assert.equal(await tool({ command: "create", path: "/memories/notes/a.md", file_text: "line one\nline two\n" }), "File created successfully at: /memories/notes/a.md");
  const entry = await ms.getEntryByPath(sp, st.id, "notes/a.md");
  assert.equal(entry.content, "line one\nline two\n");
  assert.match(await tool({ command: "view", path: "/memories" }), /\/memories\/notes\/a\.md/);
  assert.equal(await tool(JSON.stringify({ command: "view", path: "/memories/notes/a.md", view_range: [2, 2] })), "Here's the content of /memories/notes/a.md with line numbers:\n     2\tline two");
  assert.match(await tool({ command: "str_replace", path: "/memories/notes/a.md", old_str: "line one\nline two", new_str: "first\nsecond" }), /has been edited/);
  assert.equal(await tool({ command: "insert", path: "/memories/notes/a.md", insert_line: 0, insert_text: "zeroth" }), "The file /memories/notes/a.md has been edited.");
  assert.equal((await ms.getEntry(sp, st.id, entry.id)).content, "zeroth\nfirst\nsecond\n");
  assert.equal(await tool({ command: "rename", old_path: "/memories/notes", new_path: "/memories/archive" }), "Successfully renamed /memories/notes to /memories/archive");
  assert.equal((await ms.getEntry(sp, st.id, entry.id)).path, "archive/a.md", "a rename keeps the entry id");
  assert.equal(await tool({ command: "delete", path: "/memories/archive/a.md" }), "Successfully deleted /memories/archive/a.md");
  assert.equal((await ms.getStore(sp, st.id)).entryCount, 0);
  assert.deepEqual((await ms.listVersions(sp, st.id, { entryId: entry.id })).map((v) => v.action), ["deleted", "updated", "updated", "updated", "created"]);

  for (const path of ["/memories/../etc/passwd", "/etc/passwd", "/memories/%2e%2e/x", "/memories\\..\\x", "/memoriesX/a"]) {
    const e = await expectError(tool({ command: "view", path }), "validation", 422);
    assert.equal(e.details.toolError, true, path);
  }
  await expectError(tool({ command: "create", path: "/memories/../../x.md", file_text: "x" }), "validation", 422);
  assert.deepEqual(await ms.listEntries(sp, st.id), [], "nothing written outside or inside");

  await tool({ command: "create", path: "/memories/b.md", file_text: "aa aa" });
  const multi = await expectError(tool({ command: "str_replace", path: "/memories/b.md", old_str: "aa", new_str: "b" }), "conflict", 409);
  assert.match(multi.message, /Multiple occurrences/);
  assert.equal(multi.details.toolError, true);
  const noNew = await expectError(tool({ command: "str_replace", path: "/memories/b.md", old_str: "aa aa" }), "validation", 422);
  assert.match(noNew.message, /new_str/);
  assert.equal((await ms.getEntryByPath(sp, st.id, "b.md")).content, "aa aa", "an absent new_str writes nothing");
  const missing = await expectError(tool({ command: "view", path: "/memories/none.md" }), "not_found", 404);
  assert.equal(missing.message, "The path /memories/none.md does not exist. Please provide a valid path.");
  await expectError(tool("{not json"), "validation", 422);
  await expectError(tool({ command: "fly" }), "validation", 422);
  await expectError(ms.memoryTool(sp, st.id), "validation", 422);
});

test("validation (422) and not_found (404) on store inputs, with camelCase fields", async () => {
  const { ms, sp } = await fresh();
  const name = await expectError(ms.createStore(sp, { name: "   " }), "validation", 422);
  assert.equal(name.details.field, "name");
  await expectError(ms.createStore(sp, { name: "x".repeat(65) }), "validation", 422);
  await expectError(ms.createStore(sp, { name: "x", metadata: { n: 1 } }), "validation", 422);
  await expectError(ms.createStore(42, { name: "x" }), "validation", 422);
  const st = await ms.createStore(sp, { name: "kb" });
  for (const path of ["/abs.md", "a/../b.md", "a//b.md", "a/./b.md", "a\u0001b", "x".repeat(1025)]) {
    const e = await expectError(ms.createEntry(sp, st.id, { path, content: "c" }), "validation", 422);
    assert.equal(e.details.field, "path", path);
  }
  await expectError(ms.createEntry(sp, st.id, { path: "a.md", content: " \n\t" }), "validation", 422);
  await expectError(ms.createEntry(sp, st.id, { path: "a.md", content: "x".repeat(102401) }), "validation", 422);
  await ms.createEntry(sp, st.id, { path: "max.md", content: "x".repeat(102400) });
  const e = await ms.createEntry(sp, st.id, { path: "a.md", content: "c" });
  const sha = await expectError(ms.updateEntry(sp, st.id, e.id, { content: "d", expectedSha256: "abc" }), "validation", 422);
  assert.equal(sha.details.field, "expectedSha256");
  await expectError(ms.updateEntry(sp, st.id, e.id, {}), "validation", 422);
  await expectError(ms.listEntries(sp, st.id, { prefix: "/x" }), "validation", 422);
  await expectError(ms.listVersions(sp, st.id, { entryId: "nope" }), "validation", 422);
  await expectError(ms.listStores(sp, { includeArchived: "yes" }), "validation", 422);
  await expectError(ms.getEntryByPath(sp, st.id, 7), "validation", 422);
  await expectError(ms.getStore(sp, "memstore_00000000000000000000000000"), "not_found", 404);
  await expectError(ms.forPrincipal({ userId: "someone", tenantId: "else" }).getStore(sp, st.id), "not_found", 404);
  await expectError(ms.getEntryByPath(sp, st.id, "nope.md"), "not_found", 404);
});

test("stores over a non-atomic JS adapter: counts stay exact", async () => {
  const kv = new MemoryKv();
  const ms = await Memspace.open({ kv: { get: (k) => kv.get(k), getMany: (k) => kv.getMany(k), scan: (...a) => kv.scan(...a), commit: (b) => kv.commit(b) } });
  const sp = (await ms.createSpace()).id;
  const st = await ms.createStore(sp, { name: "kb" });
  for (let i = 0; i < 5; i++) await ms.createEntry(sp, st.id, { path: `d/${i}.md`, content: `entry ${i}` });
  await ms.memoryTool(sp, st.id, { command: "rename", old_path: "/memories/d", new_path: "/memories/e" });
  await ms.memoryTool(sp, st.id, { command: "delete", path: "/memories/e/0.md" });
  const s = await ms.getStore(sp, st.id);
  const listed = await ms.listEntries(sp, st.id);
  assert.equal(s.entryCount, 4);
  assert.equal(listed.length, 4);
  assert.equal(s.totalSize, listed.reduce((n, x) => n + x.size, 0));
  assert.ok(listed.every((x) => x.path.startsWith("e/")));
});
