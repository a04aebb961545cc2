// Keeps the interface and the core in step:
// 1. every engine operation (`pub async fn` in an `impl Memspace` block under src/engine/)
//    has a function of the same kebab-case name in an exported WIT interface, unless
//    tests/component/wit-omissions.txt lists it as `engine-only`;
// 2. every function of an exported WIT interface is an engine fn, or listed as `wit-only`;
// 3. the built component exports exactly what wit/ declares (a WIT change without a rebuild,
//    i.e. stale bindings, fails here).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, readdirSync, statSync } from 'node:fs';
import path from 'node:path';
import { root, instanceExports } from './harness.mjs';

const kebab = (s) => s.replaceAll('_', '-');
const camel = (s) => s.replace(/-([a-z0-9])/g, (_, c) => c.toUpperCase());
const pascal = (s) => camel(s).replace(/^./, (c) => c.toUpperCase());

function rustFiles(dir) {
  return readdirSync(dir).flatMap((name) => {
    const p = path.join(dir, name);
    if (statSync(p).isDirectory()) return rustFiles(p);
    return p.endsWith('.rs') ? [p] : [];
  });
}

/** Removes comments, string and char literals, so braces can be counted. */
function stripRust(src) {
  return src
    .replace(/\/\*[\s\S]*?\*\//g, '')
    .replace(/\/\/[^\n]*/g, '')
    .replace(/r#*"[\s\S]*?"#*/g, '""')
    .replace(/"(?:\\[\s\S]|[^"\\])*"/g, '""') // an escaped line break continues a string
    .replace(/'(?:\\.|[^'\\])'/g, "' '");
}

/** The pub fns of `impl Memspace` blocks under src/engine/: { async: Set, sync: Set } (kebab-case). */
export function engineFns() {
  const out = { async: new Set(), sync: new Set() };
  for (const file of rustFiles(path.join(root, 'src/engine'))) {
    const src = stripRust(readFileSync(file, 'utf8'));
    for (const m of src.matchAll(/\bimpl\s+(?:crate::(?:engine::)?)?Memspace\s*\{/g)) {
      let depth = 1;
      let i = m.index + m[0].length;
      while (depth > 0 && i < src.length) {
        if (src[i] === '{') depth++;
        else if (src[i] === '}') depth--;
        i++;
      }
      const body = src.slice(m.index, i);
      for (const f of body.matchAll(/\bpub\s+(async\s+)?fn\s+([a-z_0-9]+)/g)) {
        (f[1] ? out.async : out.sync).add(kebab(f[2]));
      }
    }
  }
  return out;
}

/** Functions of the exported interfaces of wit/: [{ iface, resource, name, isStatic }]. */
export function witExports() {
  const dir = path.join(root, 'wit');
  const files = readdirSync(dir).filter((f) => f.endsWith('.wit'));
  const all = files.map((f) => readFileSync(path.join(dir, f), 'utf8').replace(/\/\/[^\n]*/g, '')).join('\n');
  const imported = new Set([...all.matchAll(/^\s*import\s+([a-z][a-z0-9-]*)\s*;/gm)].map((m) => m[1]));
  const exported = new Set([...all.matchAll(/^\s*export\s+([a-z][a-z0-9-]*)\s*;/gm)].map((m) => m[1]));
  const funcs = [];
  let iface = null;
  let resource = null;
  let depth = 0;
  let resourceDepth = -1;
  for (const line of all.split('\n')) {
    const im = line.match(/^\s*interface\s+([a-z][a-z0-9-]*)\s*\{/);
    if (im && depth === 0) iface = im[1];
    const rm = line.match(/^\s*resource\s+([a-z][a-z0-9-]*)\s*\{/);
    if (rm) {
      resource = rm[1];
      resourceDepth = depth + 1;
    }
    const fm = line.match(/^\s*([a-z][a-z0-9-]*)\s*:\s*(static\s+)?func\b/);
    if (fm && iface && exported.has(iface) && !imported.has(iface)) {
      funcs.push({ iface, resource, name: fm[1], isStatic: Boolean(fm[2]) });
    }
    for (const c of line) {
      if (c === '{') depth++;
      if (c === '}') {
        if (depth === resourceDepth) {
          resource = null;
          resourceDepth = -1;
        }
        depth--;
      }
    }
    if (depth === 0) iface = null;
  }
  return funcs;
}

function allowList() {
  const text = readFileSync(path.join(root, 'tests/component/wit-omissions.txt'), 'utf8');
  const out = { 'engine-only': new Set(), 'wit-only': new Set() };
  for (const line of text.split('\n')) {
    const [kind, name] = line.replace(/#.*/, '').trim().split(/\s+/);
    if (!kind) continue;
    assert.ok(kind in out, `wit-omissions.txt: unknown kind ${kind}`);
    out[kind].add(name);
  }
  return out;
}

test('the scanners find the engine operations and the exported WIT functions', () => {
  const engine = engineFns();
  for (const name of ['create-space', 'post-events', 'list-events', 'update-events', 'sweep', 'list-extraction-jobs']) {
    assert.ok(engine.async.has(name), `engine scan missed ${name}`);
  }
  assert.ok(engine.async.size >= 17);
  const wit = witExports().map((f) => f.name);
  assert.ok(wit.includes('post-events') && wit.includes('open'));
  assert.ok(!wit.includes('commit'), 'imported interfaces must not count as exports');
});

test('every engine operation has a WIT counterpart (or is an allowed omission)', () => {
  const { async: ops } = engineFns();
  const wit = new Set(witExports().map((f) => f.name));
  const allowed = allowList()['engine-only'];
  const missing = [...ops].filter((op) => !wit.has(op) && !allowed.has(op));
  assert.deepEqual(missing, [], `engine operations without a WIT function: ${missing.join(', ')} — add them to wit/ and src/bindings/component/, or list them as engine-only in tests/component/wit-omissions.txt`);
  for (const name of allowed) {
    assert.ok(ops.has(name) && !wit.has(name), `stale allow-list entry: engine-only ${name}`);
  }
});

test('every exported WIT function is an engine operation (or an allowed binding-only function)', () => {
  const engine = engineFns();
  const allowed = allowList()['wit-only'];
  const extra = witExports()
    .map((f) => f.name)
    .filter((n) => !engine.async.has(n) && !engine.sync.has(n) && !allowed.has(n));
  assert.deepEqual(extra, [], `WIT functions with no engine fn: ${extra.join(', ')}`);
  const names = new Set(witExports().map((f) => f.name));
  for (const name of allowed) assert.ok(names.has(name), `stale allow-list entry: wit-only ${name}`);
});

test('the built component exports exactly the functions wit/ declares (bindings not stale)', async () => {
  const exportsObj = await instanceExports();
  const funcs = witExports();
  const byResource = new Map();
  for (const f of funcs) {
    const key = `${f.iface}/${f.resource ?? ''}`;
    if (!byResource.has(key)) byResource.set(key, []);
    byResource.get(key).push(f);
  }
  for (const [key, list] of byResource) {
    const [iface, resource] = key.split('/');
    const ns = exportsObj[camel(iface)];
    assert.ok(ns, `the component does not export interface ${iface}`);
    if (!resource) {
      assert.deepEqual(Object.keys(ns).filter((k) => typeof ns[k] === 'function').sort(), list.map((f) => camel(f.name)).sort());
      continue;
    }
    const cls = ns[pascal(resource)];
    assert.equal(typeof cls, 'function', `the component does not export resource ${resource}`);
    const methods = Object.getOwnPropertyNames(cls.prototype).filter((k) => k !== 'constructor' && typeof cls.prototype[k] === 'function');
    const statics = Object.getOwnPropertyNames(cls).filter((k) => typeof cls[k] === 'function');
    assert.deepEqual(methods.sort(), list.filter((f) => !f.isStatic).map((f) => camel(f.name)).sort(), `methods of ${resource}`);
    assert.deepEqual(statics.sort(), list.filter((f) => f.isStatic).map((f) => camel(f.name)).sort(), `static functions of ${resource}`);
  }
});
