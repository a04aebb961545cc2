// Plain event inputs (one JSON text) and inputs read field by field store and refuse alike
// (test/shared/event-input-cases.js), on the in-memory store.
import { test } from "node:test";
import { Memspace } from "memspace";
import { check } from "../shared/event-input-cases.js";
import { plainJson } from "../../dist/input.js";

test("plain event inputs and inputs read field by field store the same events and refuse with the same errors", async () => {
  await check(Memspace, { storage: "memory" }, plainJson);
});
