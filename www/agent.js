// The playground's agent: a scripted, deterministic responder (no network) and, when the user
// enters one, an OpenAI-compatible chat endpoint. Either way the memory context from
// contextFor is what the agent knows; the facts the user states are picked out by rules
// (`factsIn`) and written to memory by the page, so every run of the script is the same.

/** One fact the user stated: `key` names the slot (a newer fact with the same key replaces it). */
const RULES = [
  { re: /\bmy name is ([\p{L}][\p{L} '-]{0,40}?)(?= and | but |[.,!?;]|$)/iu, key: "name", subtype: "profile", importance: 0.9, text: (m) => `Name: ${m[1].trim()}` },
  { re: /\bcall me ([\p{L}][\p{L} '-]{0,40}?)(?= and | but |[.,!?;]|$)/iu, key: "name", subtype: "profile", importance: 0.9, text: (m) => `Name: ${m[1].trim()}` },
  { re: /\bi (?:live|moved) (?:in|to) ([\p{L}][\p{L} '-]{0,60}?)(?= and | but |[.,!?;]|$)/iu, key: "home", subtype: "profile", importance: 0.8, text: (m) => `Lives in ${m[1].trim()}` },
  { re: /\bi work (?:at|for) (.{1,60}?)(?= and | but |[.,!?;]|$)/iu, key: "work", subtype: "profile", importance: 0.7, text: (m) => `Works at ${m[1].trim()}` },
  { re: /\bi (?:prefer|like|love|enjoy) (.{1,80}?)(?= and i\b| but |[.,!?;]|$)/iu, key: null, subtype: "preference", importance: 0.6, text: (m) => `Likes ${m[1].trim()}` },
  { re: /\bi (?:don't|do not|never) (?:like|want|eat|drink) ([^.,!?]{1,80})/iu, key: null, subtype: "preference", importance: 0.6, text: (m) => `Dislikes ${m[1].trim()}` },
  { re: /\bi(?:'m| am) allergic to ([^.,!?]{1,60})/iu, key: null, subtype: "profile", importance: 1, text: (m) => `Allergic to ${m[1].trim()}` },
  { re: /\bremember (?:that )?([^!?]{3,400}?)[.!]?$/iu, key: null, importance: 0.5, text: (m) => m[1].trim() },
];

/** The facts a user message states, in rule order (deterministic). */
export function factsIn(message) {
  const facts = [];
  for (const rule of RULES) {
    const m = message.match(rule.re);
    if (m) facts.push({ key: rule.key, subtype: rule.subtype, importance: rule.importance, text: rule.text(m) });
  }
  return facts;
}

/** The lines of the context's core memory (the `- …` lines of the user core part). */
function knownLines(context) {
  const lines = [];
  for (const block of context.blocks ?? []) {
    for (const line of block.content.split("\n")) {
      const t = line.replace(/^[-*]\s*/, "").trim();
      if (t) lines.push(t);
    }
  }
  return lines;
}

/** The scripted responder: answers from the memory context only. */
export function scriptedReply(message, context, facts) {
  const known = knownLines(context);
  const q = message.toLowerCase();
  const find = (prefix) => known.find((l) => l.toLowerCase().startsWith(prefix.toLowerCase()));
  if (/what(?:'s| is) my name|who am i/.test(q)) {
    const name = find("Name:");
    return name ? `You told me your name: ${name.slice(5).trim()}.` : "I don't know your name yet. Tell me: \"my name is …\".";
  }
  if (/where do i live|where am i based/.test(q)) {
    const home = find("Lives in");
    return home ? `You live in ${home.slice(9).trim()}.` : "You haven't told me where you live.";
  }
  if (/what do you (?:know|remember)/.test(q)) {
    const all = [...known, ...(context.archival ?? []).map((a) => a.content).filter((t) => !known.includes(t))];
    if (all.length === 0) return "Nothing yet: my memory is empty.";
    return `From my memory: ${all.join("; ")}.`;
  }
  if (facts.length > 0) return `Got it, I'll remember: ${facts.map((f) => f.text).join("; ")}.`;
  const archival = context.archival ?? [];
  if (archival.length > 0) return `That reminds me: ${archival.map((a) => a.content).join("; ")}.`;
  return `I have ${known.length} thing${known.length === 1 ? "" : "s"} in memory about you. Ask me "what do you know about me?"`;
}

/** Settings of the optional OpenAI-compatible endpoint, kept in this page's localStorage only. */
const ENDPOINT_KEY = "memspace-demo.endpoint";

export function loadEndpoint() {
  try {
    const v = JSON.parse(localStorage.getItem(ENDPOINT_KEY) ?? "null");
    return v && typeof v.baseUrl === "string" && v.baseUrl ? v : null;
  } catch {
    return null;
  }
}

export function saveEndpoint(settings) {
  if (settings) localStorage.setItem(ENDPOINT_KEY, JSON.stringify(settings));
  else localStorage.removeItem(ENDPOINT_KEY);
}

/** Asks an OpenAI-compatible endpoint (`POST {baseUrl}/chat/completions`) with the memory context as the system prompt. */
export async function endpointReply(settings, message, context) {
  const url = `${settings.baseUrl.replace(/\/+$/, "")}/chat/completions`;
  const headers = { "content-type": "application/json" };
  if (settings.apiKey) headers.authorization = `Bearer ${settings.apiKey}`;
  let res;
  try {
    res = await fetch(url, {
      method: "POST",
      headers,
      body: JSON.stringify({
        model: settings.model || "gpt-4o-mini",
        messages: [
          { role: "system", content: `You are a helpful assistant with long-term memory.\n\n${context.rendered}` },
          { role: "user", content: message },
        ],
      }),
    });
  } catch (e) {
    throw new Error(`Could not reach the model endpoint ${url} (${e.message}). Check the address, or clear it to use the scripted agent.`);
  }
  if (!res.ok) throw new Error(`The model endpoint answered ${res.status} ${res.statusText}. Check the model name and key.`);
  const data = await res.json().catch(() => null);
  const text = data?.choices?.[0]?.message?.content;
  if (typeof text !== "string") throw new Error("The model endpoint's answer had no choices[0].message.content.");
  return text;
}

/**
 * The scripted extractor: the `llm` option of Memspace.open for extraction jobs. It reads the
 * transcript extraction sends (`[seq] user (id): text`, one line per event), picks the user's
 * facts with the same rules as the chat, and answers in extraction's JSON shape.
 */
export function scriptedExtraction(request) {
  const transcript = request.messages.filter((m) => m.role === "user").map((m) => m.content).join("\n");
  const memories = [];
  for (const line of transcript.split("\n")) {
    const m = line.match(/^\[(\d+)\] user(?: \([^)]*\))?(?: \[[^\]]*\])?: (.*)$/);
    if (!m) continue;
    for (const f of factsIn(m[2])) {
      memories.push({
        content: f.text,
        category: f.subtype === "preference" ? "preference" : "fact",
        ...(f.subtype ? { subtype: f.subtype } : {}),
        importance: f.importance,
        tags: ["about-user", ...(f.key ? [f.key] : [])],
        ...(f.key ? { logicalKey: `user.${f.key}` } : {}),
        sourceEvents: [Number(m[1])],
      });
    }
  }
  return { json: { memories }, model: "scripted" };
}

/**
 * Extraction through the OpenAI-compatible endpoint the user entered: extraction's messages as
 * they are, JSON mode when it asks for JSON. A failure rejects, so the job keeps its events and
 * retries later (backoff), as with any host LLM.
 */
export async function endpointExtraction(settings, request) {
  const url = `${settings.baseUrl.replace(/\/+$/, "")}/chat/completions`;
  const headers = { "content-type": "application/json" };
  if (settings.apiKey) headers.authorization = `Bearer ${settings.apiKey}`;
  const res = await fetch(url, {
    method: "POST",
    headers,
    body: JSON.stringify({
      model: settings.model || "gpt-4o-mini",
      messages: request.messages,
      ...(request.format === "json" ? { response_format: { type: "json_object" } } : {}),
      ...(request.maxTokens ? { max_tokens: request.maxTokens } : {}),
      ...(request.temperature !== undefined ? { temperature: request.temperature } : {}),
    }),
  });
  if (!res.ok) throw new Error(`the model endpoint answered ${res.status} ${res.statusText}`);
  const data = await res.json();
  const choice = data?.choices?.[0];
  return {
    text: choice?.message?.content ?? "",
    model: data?.model,
    finishReason: choice?.finish_reason ?? undefined,
    ...(data?.usage ? { usage: { promptTokens: data.usage.prompt_tokens, completionTokens: data.usage.completion_tokens, totalTokens: data.usage.total_tokens } } : {}),
  };
}
