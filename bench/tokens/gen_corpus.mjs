// Generates bench/tokens/corpus.jsonl: deterministic, chat-like samples for measuring
// src/tokens.rs against cl100k_base. No network; a fixed seed makes the output byte-identical
// on every run, so the committed corpus can be regenerated and diffed.
//
//   node gen_corpus.mjs > corpus.jsonl

let seed = 0x6d656d73; // "mems"
function rand() {
  // mulberry32
  seed = (seed + 0x6d2b79f5) | 0;
  let t = seed;
  t = Math.imul(t ^ (t >>> 15), t | 1);
  t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
  return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
}
const int = (lo, hi) => lo + Math.floor(rand() * (hi - lo + 1));
const pick = (xs) => xs[Math.floor(rand() * xs.length)];
const some = (xs, lo, hi) => Array.from({ length: int(lo, hi) }, () => pick(xs));
const hex = (n) => Array.from({ length: n }, () => "0123456789abcdef"[int(0, 15)]).join("");
const alnum = (n) =>
  Array.from({ length: n }, () => "ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz0123456789"[int(0, 57)]).join("");

const EN_USER = [
  "Can you help me plan a trip to Lisbon next month?",
  "I need to reschedule my dentist appointment to Thursday afternoon.",
  "What's the difference between a Roth IRA and a traditional IRA?",
  "My daughter is allergic to peanuts, so please remember that for recipes.",
  "Summarize the meeting notes from yesterday and list the action items.",
  "Why does my sourdough starter smell like nail polish remover?",
  "Please draft a polite email declining the invitation.",
  "I prefer window seats and vegetarian meals when I fly.",
  "How do I reset the password on my router?",
  "Remind me what we decided about the quarterly budget review.",
  "Could you explain how photosynthesis works in simple terms?",
  "I'm feeling overwhelmed with work lately, any tips for managing stress?",
  "Translate 'where is the train station' into Portuguese.",
  "The deployment failed again last night; can you check the logs?",
  "Let's continue where we left off with the marketing plan.",
  "I don't like cilantro, and I'd rather avoid spicy food.",
  "What are some good books about the history of mathematics?",
  "Book a table for four at an Italian restaurant around 7pm.",
];
const EN_ASSIST = [
  "Sure! Here's a quick overview of the options you mentioned.",
  "I've noted that you prefer window seats and vegetarian meals.",
  "Based on our previous conversation, you wanted to keep the budget under $2,000.",
  "That smell usually means the starter is hungry; try feeding it twice a day.",
  "Here are the three action items from the meeting:",
  "A Roth IRA is funded with after-tax money, so qualified withdrawals are tax-free.",
  "I couldn't find any reservations matching that request.",
  "Photosynthesis is the process plants use to turn sunlight, water, and carbon dioxide into sugar and oxygen.",
  "It sounds like you have a lot on your plate. Breaking tasks into smaller steps can help.",
  "The logs show a timeout while connecting to the database at 02:14 UTC.",
  "Understood. I'll remember that for future recommendations.",
  "Let me know if you'd like me to adjust anything before sending it.",
  "Unfortunately, I don't have access to your calendar right now.",
  "Great question! There are a few important differences worth considering.",
  "I recommend restarting the router by holding the reset button for ten seconds.",
  "The implementation is straightforward, but there are some considerations regarding internationalization and accessibility.",
  "Alternatively, we could postpone the decision until the stakeholders have reviewed the proposal.",
];
const EN_EXTRA = [
  "Thanks!", "Okay, sounds good.", "Hmm, I'm not sure about that.", "Yes, please.", "No worries.",
  "Actually, make it Friday instead.", "Perfect, that works for me.", "Wait, what?",
  "Could you be more specific?", "Got it - thanks for the clarification.",
];

const CODE = [
  `fn main() {\n    let args: Vec<String> = std::env::args().collect();\n    println!("{:?}", args);\n}`,
  `def fetch_user(user_id: int) -> dict:\n    """Return the user record or raise KeyError."""\n    row = db.execute("SELECT * FROM users WHERE id = ?", (user_id,)).fetchone()\n    if row is None:\n        raise KeyError(user_id)\n    return dict(row)`,
  `const res = await fetch(\`/api/sessions/\${sessionId}/events?limit=50\`);\nif (!res.ok) throw new Error(\`HTTP \${res.status}\`);\nconst events = await res.json();`,
  `for (let i = 0; i < items.length; i++) {\n  if (items[i].expiresAt < Date.now()) {\n    expired.push(items[i]);\n  }\n}`,
  `SELECT s.id, COUNT(e.seq) AS n\nFROM sessions s\nLEFT JOIN events e ON e.session_id = s.id\nWHERE s.space_id = $1\nGROUP BY s.id\nORDER BY n DESC\nLIMIT 20;`,
  `impl From<io::Error> for StorageError {\n    fn from(e: io::Error) -> Self {\n        StorageError::Io(e.to_string())\n    }\n}`,
  `#!/usr/bin/env bash\nset -euo pipefail\ncd "$(dirname "$0")/.."\ncargo build --release --target wasm32-unknown-unknown\nwasm-bindgen target/wasm32-unknown-unknown/release/memspace.wasm --out-dir pkg`,
  `class LRUCache:\n    def __init__(self, capacity):\n        self.capacity = capacity\n        self.data = OrderedDict()\n\n    def get(self, key):\n        if key not in self.data:\n            return -1\n        self.data.move_to_end(key)\n        return self.data[key]`,
  `export function debounce<T extends (...args: any[]) => void>(fn: T, ms = 300) {\n  let timer: ReturnType<typeof setTimeout> | undefined;\n  return (...args: Parameters<T>) => {\n    clearTimeout(timer);\n    timer = setTimeout(() => fn(...args), ms);\n  };\n}`,
  `<div class="card">\n  <h2>{{ title }}</h2>\n  <p class="muted">Updated {{ updatedAt | date }}</p>\n</div>`,
  `match kv.commit(batch).await {\n    Ok(()) => Ok(version + 1),\n    Err(KvError::Conflict) => Err(Error::conflict("session version changed")),\n    Err(e) => Err(e.into()),\n}`,
  `$ git log --oneline -3\na1b2c3d Fix idle trigger off-by-one\n9f8e7d6 Add tokenCount lifecycle\n0123abc Initial commit`,
  `Traceback (most recent call last):\n  File "app.py", line 42, in <module>\n    main()\n  File "app.py", line 37, in main\n    result = compute(data)\nZeroDivisionError: division by zero`,
  `.container {\n  display: grid;\n  grid-template-columns: repeat(auto-fill, minmax(240px, 1fr));\n  gap: 1rem;\n}`,
  `if err != nil {\n\treturn nil, fmt.Errorf("open %s: %w", path, err)\n}\ndefer f.Close()`,
];
const IDENTS = ["userId", "sessionStore", "get_memory_by_id", "MAX_EVENTS_PER_BATCH", "parseHTTPResponse", "x", "tmp2", "isExpired", "tokenCount", "LifecycleStrategy"];

const JSON_SHAPES = [
  () => ({ tool: "get_weather", result: { city: pick(["Berlin", "Tokyo", "New York", "São Paulo"]), temp_c: int(-10, 38), condition: pick(["cloudy", "sunny", "light rain"]), humidity: int(20, 99) } }),
  () => ({ type: "tool_result", tool_use_id: "toolu_" + alnum(24), content: [{ type: "text", text: pick(EN_ASSIST) }], is_error: false }),
  () => ({ results: Array.from({ length: int(1, 4) }, () => ({ id: int(1000, 99999), title: pick(EN_USER).slice(0, 40), score: Math.round(rand() * 1000) / 1000 })), total: int(5, 500), next_cursor: hex(16) }),
  () => ({ event: { emitter: { type: pick(["user", "agent", "tool"]), id: "usr_" + alnum(12) }, sequence_id: int(0, 400), created_at: `2025-0${int(1, 9)}-1${int(0, 9)}T${int(10, 23)}:${int(10, 59)}:${int(10, 59)}.${int(100, 999)}Z` } }),
  () => ({ status: "ok", data: { orders: Array.from({ length: int(1, 3) }, () => ({ sku: "SKU-" + int(10000, 99999), qty: int(1, 9), price: (rand() * 200).toFixed(2), currency: "EUR" })) } }),
  () => ({ error: { code: pick([400, 404, 409, 429, 500]), message: pick(["Not found", "Rate limit exceeded, retry after 30s", "version conflict", "invalid argument: limit must be <= 100"]), request_id: "req_" + hex(20) } }),
  () => ({ memories: [{ type: "fact", content: pick(EN_ASSIST), importance: Math.round(rand() * 100) / 100, tags: some(["travel", "food", "work", "health", "family"], 1, 3) }] }),
];

const IDS = [
  () => `https://example.com/api/v2/users/${int(1, 999999)}/orders?page=${int(1, 20)}&sort=desc`,
  () => `Order #${int(100000, 9999999)} shipped on ${int(1, 28)}/${int(1, 12)}/2024, tracking number 1Z${alnum(16).toUpperCase()}.`,
  () => `Session id ${hex(8)}-${hex(4)}-${hex(4)}-${hex(4)}-${hex(12)}`,
  () => `sha256: ${hex(64)}`,
  () => `Call me at +1 (${int(200, 999)}) ${int(200, 999)}-${int(1000, 9999)} or +49 30 ${int(1000000, 9999999)}.`,
  () => `Total: $${int(1, 99)},${int(100, 999)}.${int(10, 99)} (${int(1, 99)}.${int(0, 9)}% up from ${int(1990, 2024)})`,
  () => `IP ${int(1, 255)}.${int(0, 255)}.${int(0, 255)}.${int(0, 255)} port ${int(1024, 65535)} latency ${int(1, 999)}ms`,
  () => `${int(1, 9999999999)} ${int(0, 999)} ${int(1, 99999)} ${(rand() * 1e6).toFixed(4)} ${int(1, 9)}e-${int(1, 12)}`,
  () => `git@github.com:acme/${pick(["memspace", "web-app", "infra"])}.git @ ${hex(40)}`,
  () => `See https://docs.example.org/${pick(["guide", "reference", "faq"])}/${pick(["sessions", "lifecycle", "tokens"])}#${pick(["ttl", "idle-trigger", "event-count"])} and file:///home/${pick(["ana", "bob"])}/notes_${int(1, 99)}.md`,
  () => `api_key=sk-${alnum(32)} user=${pick(["alice", "bob42", "c.diaz"])}@example.com`,
];

const DE = [
  "Könnten Sie mir bitte helfen, eine Reise nach München zu planen?",
  "Ich bevorzuge Fensterplätze und vegetarisches Essen.",
  "Die Besprechung wurde auf Donnerstagnachmittag verschoben.",
  "Vielen Dank für Ihre schnelle Rückmeldung!",
  "Meine Tochter ist allergisch gegen Erdnüsse.",
  "Bitte fassen Sie die wichtigsten Ergebnisse der Sitzung zusammen.",
  "Das Straßenbahnnetz in Berlin ist überraschend zuverlässig.",
  "Ich habe die Rechnung für die Geschwindigkeitsüberschreitung erhalten.",
];
const FR = [
  "Pouvez-vous m'aider à réserver une table pour quatre personnes ce soir ?",
  "Je préfère les places côté hublot et les repas végétariens.",
  "La réunion a été reportée à jeudi après-midi.",
  "Merci beaucoup pour votre réponse rapide !",
  "Ma fille est allergique aux arachides, n'oubliez pas.",
  "Quelle est la différence entre un prêt immobilier à taux fixe et à taux variable ?",
  "Il faut absolument que nous terminions le déploiement avant vendredi.",
  "Où se trouve la gare la plus proche, s'il vous plaît ?",
];
const JA = [
  "来月リスボンへの旅行を計画するのを手伝ってもらえますか？",
  "窓側の席とベジタリアンの食事が好きです。",
  "会議は木曜日の午後に延期されました。",
  "迅速なご対応ありがとうございます。",
  "娘はピーナッツアレルギーなので、レシピの際は覚えておいてください。",
  "昨日の会議のメモを要約して、アクションアイテムをリストにしてください。",
  "東京駅から新宿駅までどうやって行けばいいですか。",
  "プログラムのデプロイが昨夜また失敗しました。",
];
const ZH = [
  "你能帮我计划下个月去里斯本的旅行吗？",
  "我喜欢靠窗的座位和素食。",
  "会议推迟到星期四下午了。",
  "非常感谢您的快速回复！",
  "我女儿对花生过敏，请在推荐食谱时记住这一点。",
  "请总结昨天的会议记录并列出行动事项。",
  "部署昨晚又失败了，你能检查一下日志吗？",
  "人工智能正在改变我们的工作方式和生活方式。",
];
const RU = [
  "Не могли бы вы помочь мне спланировать поездку в Лиссабон?",
  "Я предпочитаю места у окна и вегетарианское питание.",
  "Встреча перенесена на четверг, после обеда.",
  "Большое спасибо за быстрый ответ!",
  "У моей дочери аллергия на арахис.",
  "Пожалуйста, кратко изложите итоги вчерашнего совещания.",
];
const EMOJI = ["😀", "🎉", "👍", "❤️", "🚀", "🙏", "😂", "🔥", "✅", "⚠️", "👨‍👩‍👧", "🇩🇪", "🤔", "👋🏽", "☕"];

function english() {
  const n = int(1, 4);
  const turns = [];
  for (let i = 0; i < n; i++) {
    turns.push(pick([...EN_USER, ...EN_EXTRA]));
    if (rand() < 0.7) turns.push(pick(EN_ASSIST));
  }
  return turns.join(pick([" ", "\n", "\n\n"]));
}
function code() {
  const s = pick(CODE);
  if (rand() < 0.4) return `Here's the fix for \`${pick(IDENTS)}\`:\n\n\`\`\`\n${s}\n\`\`\``;
  return s;
}
function json() {
  const v = pick(JSON_SHAPES)();
  return rand() < 0.5 ? JSON.stringify(v) : JSON.stringify(v, null, 2);
}
function ids() {
  return some(IDS, 1, 3).map((f) => f()).join(pick([" ", "\n"]));
}
const prose = (pool) => () => some(pool, 1, 4).join(" ");
function emoji() {
  const parts = [];
  for (let i = int(1, 4); i > 0; i--) {
    parts.push(pick([...EN_EXTRA, ...EN_USER.slice(0, 6)]) + " " + some(EMOJI, 1, 3).join(""));
  }
  return parts.join(" ");
}

const PLAN = [
  ["english", english, 110],
  ["code", code, 60],
  ["json", json, 60],
  ["ids", ids, 50],
  ["german", prose(DE), 25],
  ["french", prose(FR), 25],
  ["japanese", prose(JA), 25],
  ["chinese", prose(ZH), 25],
  ["emoji", emoji, 30],
  ["russian", prose(RU), 15],
];
for (const [kind, gen, count] of PLAN) {
  for (let i = 0; i < count; i++) {
    process.stdout.write(JSON.stringify({ kind, text: gen() }) + "\n");
  }
}
