import { Memspace } from "memspace";
import { hostileObjects } from "./values.mjs";
const objs = hostileObjects();
const names = Object.getOwnPropertyNames(Memspace.prototype).filter((n) => !["constructor", "free", "close", "forPrincipal", "storage", "principal"].includes(n));
for (const name of names) {
  for (let oi = 0; oi < objs.length; oi++) {
    for (let pos = 0; pos < 4; pos++) {
      const ms = await Memspace.open({ storage: "memory" });
      const args = ["spc_00000000000000000000000000", "x", "y", "z"];
      args[pos] = objs[oi];
      try { await ms[name](...args.slice(0, Math.max(pos + 1, 1))); } catch (e) {}
      try { ms.free(); } catch (e) { console.log("LEAK", name, "arg", pos, "obj", oi, e.message); }
    }
  }
}
