// A local OpenAI-compatible chat-completions server for the edge tests (127.0.0.1 only): the
// Worker's LLM calls land here. It checks the API key, records every request (GET /requests),
// and answers like a small extraction model: first-person statements of the user in the
// transcript ("I live in X", "I like X", "I work at X") become memories. A transcript line
// containing "MALFORMED-ONCE" gets a non-JSON answer the first time (to exercise retries).

import http from "node:http";

export const STUB_KEY = "test-llm-key";

function extract(transcript) {
  const memories = [];
  for (const line of transcript.split("\n")) {
    const m = /^\[(\d+)\] user[^:]*: (.*)$/.exec(line);
    if (!m) continue;
    const seq = Number(m[1]);
    for (const sentence of m[2].split(/[.!;]/).map((s) => s.trim())) {
      let x;
      if ((x = /^I (?:live in|moved to) (.+)$/i.exec(sentence))) memories.push({ content: `The user lives in ${x[1]}`, category: "fact", logicalKey: "user.city", importance: 0.8, sourceEvents: [seq] });
      else if ((x = /^I work at (.+)$/i.exec(sentence))) memories.push({ content: `The user works at ${x[1]}`, category: "fact", logicalKey: "user.employer", importance: 0.7, sourceEvents: [seq] });
      else if ((x = /^I (?:like|love) (.+)$/i.exec(sentence))) memories.push({ content: `The user likes ${x[1]}`, category: "preference", importance: 0.6, sourceEvents: [seq] });
    }
  }
  return memories;
}

/** Starts the stub on 127.0.0.1 (a free port). → { url, close() } */
export async function startStub() {
  const requests = [];
  const malformedSeen = new Set();
  const server = http.createServer(async (req, res) => {
    const send = (status, body) => {
      res.writeHead(status, { "content-type": "application/json" });
      res.end(JSON.stringify(body));
    };
    if (req.method === "GET" && req.url === "/requests") return send(200, requests);
    let text = "";
    for await (const chunk of req) text += chunk;
    if (req.method !== "POST" || !req.url.endsWith("/chat/completions")) return send(404, { error: { message: "not found" } });
    let body;
    try {
      body = JSON.parse(text);
    } catch {
      return send(400, { error: { message: "body is not JSON" } });
    }
    requests.push({ path: req.url, authorization: req.headers.authorization ?? null, body });
    if (req.headers.authorization !== `Bearer ${STUB_KEY}`) return send(401, { error: { message: "invalid api key" } });
    const user = (body.messages ?? []).filter((m) => m.role === "user").map((m) => m.content).join("\n");
    let content = JSON.stringify({ memories: extract(user) });
    const session = /session (\S+),/.exec(user)?.[1] ?? "";
    if (user.includes("MALFORMED-ONCE") && !malformedSeen.has(session)) {
      malformedSeen.add(session);
      content = "Sure, here are the memories: none (this is not JSON)";
    }
    send(200, {
      id: `chatcmpl-${requests.length}`,
      object: "chat.completion",
      model: body.model,
      choices: [{ index: 0, message: { role: "assistant", content }, finish_reason: "stop" }],
      usage: { prompt_tokens: Math.ceil(user.length / 4), completion_tokens: Math.ceil(content.length / 4), total_tokens: Math.ceil((user.length + content.length) / 4) },
    });
  });
  await new Promise((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address();
  return { url: `http://127.0.0.1:${port}`, close: () => new Promise((r) => server.close(r)) };
}
