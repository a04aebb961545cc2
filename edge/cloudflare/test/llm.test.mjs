// The Worker's LLM call (src/llm.js) with a recording fetch: the OpenAI-compatible request,
// the key sent only to the configured gateway's host (never to a URL a space owner chose),
// and failures mapped to the reasons the engine records on a job.
import { test } from "node:test";
import assert from "node:assert/strict";
import { workerLlm, chatCompletionsUrl } from "../src/llm.js";

const env = { LLM_BASE_URL: "https://gateway.example/v1", LLM_API_KEY: "sk-secret", LLM_MODEL: "default-model", LLM_KEY_HOSTS: "trusted.example" };
const request = (extra = {}) => ({ purpose: "extraction", model: null, baseUrl: null, messages: [{ role: "system", content: "s" }, { role: "user", content: "u" }], format: "json", maxTokens: 4096, temperature: 0, ...extra });

function recorder(answer = { status: 200, body: { model: "m", choices: [{ message: { content: "{\"memories\":[]}" }, finish_reason: "stop" }], usage: { prompt_tokens: 3, completion_tokens: 2, total_tokens: 5 } } }) {
  const calls = [];
  const fetchImpl = async (url, init) => {
    calls.push({ url, headers: init.headers, body: JSON.parse(init.body) });
    if (answer instanceof Error) throw answer;
    return new Response(typeof answer.body === "string" ? answer.body : JSON.stringify(answer.body), { status: answer.status });
  };
  return { calls, fetchImpl };
}

test("no LLM_BASE_URL: no llm option (jobs stay queued)", () => {
  assert.equal(workerLlm({}), undefined);
});

test("the default gateway gets an OpenAI chat-completions request with the secret key", async () => {
  const { calls, fetchImpl } = recorder();
  const out = await workerLlm(env, fetchImpl)(request());
  assert.equal(calls[0].url, "https://gateway.example/v1/chat/completions");
  assert.equal(calls[0].headers.authorization, "Bearer sk-secret");
  assert.deepEqual(calls[0].body, { model: "default-model", messages: request().messages, max_tokens: 4096, temperature: 0, response_format: { type: "json_object" } });
  assert.deepEqual(out, { text: "{\"memories\":[]}", refusal: undefined, finishReason: "stop", model: "m", usage: { promptTokens: 3, completionTokens: 2, totalTokens: 5 } });
});

test("a space's llmBaseUrl is used, but the key goes only to trusted hosts", async () => {
  const { calls, fetchImpl } = recorder();
  const llm = workerLlm(env, fetchImpl);
  await llm(request({ baseUrl: "https://attacker.example/v1", model: "space-model" }));
  assert.equal(calls[0].url, "https://attacker.example/v1/chat/completions");
  assert.equal(calls[0].headers.authorization, undefined);
  assert.equal(calls[0].body.model, "space-model");
  await llm(request({ baseUrl: "https://trusted.example/openai/chat/completions" }));
  assert.equal(calls[1].url, "https://trusted.example/openai/chat/completions");
  assert.equal(calls[1].headers.authorization, "Bearer sk-secret");
  assert.equal(chatCompletionsUrl("http://h/v1/"), "http://h/v1/chat/completions");
});

test("failures carry the reason the job records", async () => {
  const cases = [
    [{ status: 429, body: { error: { message: "slow down" } } }, "http", /429: slow down/],
    [{ status: 504, body: "gateway timeout" }, "timeout", /504/],
    [{ status: 200, body: { choices: [] } }, "http", /choices/],
    [Object.assign(new Error("t"), { name: "TimeoutError" }), "timeout", /within/],
    [new TypeError("fetch failed"), "unavailable", /could not reach/],
  ];
  for (const [answer, reason, message] of cases) {
    const { fetchImpl } = recorder(answer);
    await assert.rejects(workerLlm(env, fetchImpl)(request()), (e) => e.reason === reason && message.test(e.message));
  }
  await assert.rejects(workerLlm(env, recorder().fetchImpl)(request({ baseUrl: "not a url" })), (e) => e.reason === "http");
});
