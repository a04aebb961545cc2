// The Worker's LLM: an OpenAI-compatible chat-completions call, handed to the engine as the
// `llm` option of Memspace.open. The endpoint is the space's llmBaseUrl when it is set, else
// the LLM_BASE_URL variable (a default gateway: OpenAI, an AI Gateway, Workers AI's
// OpenAI-compatible endpoint, a model server of one's own). The API key is the LLM_API_KEY
// secret; it is sent only to LLM_BASE_URL's host and the hosts listed in LLM_KEY_HOSTS, never
// to a URL a space owner chose elsewhere (that would hand them the key), and it is never
// stored in a space record.

const DEFAULT_TIMEOUT_MS = 60_000;

/** `base` itself when it already ends in /chat/completions, else base + /chat/completions. */
export function chatCompletionsUrl(base) {
  const b = base.replace(/\/+$/, "");
  return b.endsWith("/chat/completions") ? b : `${b}/chat/completions`;
}

function failure(reason, message, extra = {}) {
  return Object.assign(new Error(message), { reason, ...extra });
}

/** True when the Worker has a default LLM endpoint (then extraction runs). */
export function llmConfigured(env) {
  return typeof env.LLM_BASE_URL === "string" && env.LLM_BASE_URL !== "";
}

/** The `llm(request)` function for Memspace.open, or undefined when no endpoint is configured. */
export function workerLlm(env, fetchImpl = fetch) {
  if (!llmConfigured(env)) return undefined;
  const keyHosts = new Set([new URL(env.LLM_BASE_URL).host, ...String(env.LLM_KEY_HOSTS ?? "").split(",").map((h) => h.trim()).filter(Boolean)]);
  const timeoutMs = Number(env.LLM_TIMEOUT_MS ?? DEFAULT_TIMEOUT_MS);
  return async (req) => {
    const url = chatCompletionsUrl(req.baseUrl || env.LLM_BASE_URL);
    let host;
    try {
      host = new URL(url).host;
    } catch {
      throw failure("http", `the llm base url ${JSON.stringify(req.baseUrl)} is not a URL`);
    }
    const headers = { "content-type": "application/json" };
    if (env.LLM_API_KEY && keyHosts.has(host)) headers.authorization = `Bearer ${env.LLM_API_KEY}`;
    const body = {
      model: req.model || env.LLM_MODEL || "gpt-4o-mini",
      messages: req.messages,
      ...(req.maxTokens ? { max_tokens: req.maxTokens } : {}),
      ...(req.temperature !== undefined && req.temperature !== null ? { temperature: req.temperature } : {}),
      ...(req.format === "json" ? { response_format: { type: "json_object" } } : {}),
    };
    let res;
    try {
      res = await fetchImpl(url, { method: "POST", headers, body: JSON.stringify(body), signal: AbortSignal.timeout(timeoutMs) });
    } catch (e) {
      if (e?.name === "TimeoutError" || e?.name === "AbortError") throw failure("timeout", `no answer from ${host} within ${timeoutMs} ms`);
      throw failure("unavailable", `could not reach ${host}: ${e?.message ?? e}`);
    }
    const text = await res.text();
    let parsed = null;
    try {
      parsed = JSON.parse(text);
    } catch {}
    if (!res.ok) {
      const msg = parsed?.error?.message ?? text.slice(0, 300);
      throw failure(res.status === 408 || res.status === 504 ? "timeout" : "http", `the model API answered ${res.status}: ${msg}`, { status: res.status });
    }
    const choice = parsed?.choices?.[0];
    if (!choice) throw failure("http", "the model API answer has no choices[0]");
    const u = parsed.usage ?? {};
    return {
      text: choice.message?.content ?? "",
      refusal: choice.message?.refusal ?? undefined,
      finishReason: choice.finish_reason ?? undefined,
      model: parsed.model ?? undefined,
      usage: { promptTokens: u.prompt_tokens ?? 0, completionTokens: u.completion_tokens ?? 0, totalTokens: u.total_tokens ?? 0 },
    };
  };
}
