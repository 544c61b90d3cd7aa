// Hỏi Đáp staff page: plain DOM, no framework, no CDN. Answers stream over Server-Sent Events
// (POST /v1/ask with stream: true); document text is only ever inserted as text.
"use strict";

const KEY = "hoidap.apiKey";
const $ = (id) => document.getElementById(id);
const { el, labels, language, metaLine } = window.HD;
let history = [];
let controller = null;
const docCache = new Map();
let viewerOpener = null;

function headers(extra = {}) {
  const h = { "Content-Type": "application/json", ...extra };
  const key = localStorage.getItem(KEY);
  if (key) h["Authorization"] = "Bearer " + key;
  return h;
}

async function failure(res) {
  if (res.status === 401) return new Error("Cần khóa API hợp lệ (mục “Khóa API”).");
  let detail = res.statusText;
  try { const j = await res.json(); detail = j.errors ? j.errors.map((e) => `${e.field}: ${e.message}`).join("; ") : j.detail; } catch (_) { /* not JSON */ }
  return new Error("Lỗi " + res.status + ": " + detail);
}

function showError(message) {
  $("error").textContent = message;
  $("error").hidden = !message;
}

// -- filters --------------------------------------------------------------------------------
function filters() {
  const f = {};
  if ($("outlet").value) f.outlets = [$("outlet").value];
  if ($("doctype").value) f.doc_types = [$("doctype").value];
  for (const name of ["since", "until"]) {
    const iso = window.HD.parseDate($(name).value);
    if (iso === null) throw new Error(`Ngày không hợp lệ: “${$(name).value}” (dạng dd/mm/yyyy).`);
    if (iso) f[name] = iso;
  }
  const n = Object.keys(f).length;
  $("filtercount").textContent = n ? `(${n})` : "";
  return n ? f : null;
}

function fillSelect(select, facets, allLabel) {
  select.replaceChildren(el("option", { value: "" }, allLabel));
  for (const f of facets) select.append(el("option", { value: f.value }, `${f.value} (${f.count})`));
}

async function loadFacets() {
  const res = await fetch("/v1/facets", { headers: headers() });
  if (!res.ok) return;  // no key yet: the pickers stay at "all"
  const data = await res.json();
  fillSelect($("outlet"), data.outlets, "Tất cả nguồn");
  fillSelect($("doctype"), data.doc_types, "Tất cả loại");
  $("doctypebox").hidden = !data.doc_types.length;
  const [from, to] = [window.HD.formatDate(data.published.min), window.HD.formatDate(data.published.max)];
  $("daterange").textContent = from ? `Tài liệu có ngày đăng từ ${from} đến ${to}.` : "";
}

// -- the source viewer ----------------------------------------------------------------------
async function fetchDocument(docId) {
  if (!docCache.has(docId)) {
    const path = docId.split("/").map(encodeURIComponent).join("/");
    const res = await fetch("/v1/documents/" + path, { headers: headers() });
    if (!res.ok) throw await failure(res);
    docCache.set(docId, await res.json());
  }
  return docCache.get(docId);
}

async function openViewer(target, lang, opener) {
  const L = labels(lang);
  try {
    const doc = await fetchDocument(target.doc_id);
    viewerOpener = opener || null;
    $("viewer-title").textContent = doc.title || doc.doc_id;
    $("viewer-meta").textContent = [metaLine(doc), doc.author].filter(Boolean).join(" · ");
    const link = $("viewer-link");
    link.hidden = !doc.url;
    if (doc.url) { link.href = doc.url; link.textContent = L.original + " ↗"; }
    $("viewer-close").textContent = L.close;
    const span = window.HD.locate(doc, target.quote, target.chunk_id);
    $("viewer-text").replaceChildren(window.HD.marked(doc.text, span ? [span] : [], "located"));
    const viewer = $("viewer");
    viewer.hidden = false;
    document.body.classList.add("viewing");
    const mark = viewer.querySelector("mark.located");
    if (mark) mark.scrollIntoView({ block: "center" }); else $("viewer-text").scrollTop = 0;
    $("viewer-close").focus({ preventScroll: true });
  } catch (err) {
    showError(err.message);
  }
}

function closeViewer() {
  $("viewer").hidden = true;
  document.body.classList.remove("viewing");
  if (viewerOpener) viewerOpener.focus();
}

// -- answers --------------------------------------------------------------------------------
function sourceList(citations, lang, onOpen) {
  const L = labels(lang);
  const list = el("ul", { class: "sources" });
  for (const doc of window.HD.groupCitations(citations)) {
    const item = el("li", { class: "source" }, el("span", { class: "src-title" }, doc.title));
    const meta = metaLine(doc);
    if (meta) item.append(el("span", { class: "meta" }, meta));
    const passages = el("ul", { class: "passages" });
    for (const p of doc.passages) {
      const b = el("button", { type: "button", class: "passage" }, el("span", { class: "visually-hidden" }, `${L.open}: `));
      b.append(el("span", { class: "ns" }, p.ns.map((n) => `[${n}]`).join(" ")), " “", window.HD.quoteWithFact(p.quote, p.highlight), "”");
      b.addEventListener("click", () => onOpen({ doc_id: doc.doc_id, quote: p.quote, chunk_id: p.chunk_id }, b));
      passages.append(el("li", {}, b));
    }
    item.append(passages);
    list.append(item);
  }
  return el("section", { class: "sources-box", "aria-label": L.sources }, el("h3", {}, L.sources), list);
}

function renderFinal(turn, question, data, lang) {
  const L = labels(lang);
  const box = turn.querySelector(".answer-box");
  box.replaceChildren();
  const open = (target, opener) => openViewer(target, lang, opener);
  if (data.standalone_question && data.standalone_question !== question) {
    box.append(el("p", { class: "standalone" }, `${L.understood} ${data.standalone_question}`));
  }
  if (!data.found) {
    turn.classList.add("refused");
    box.append(el("div", { class: "refusal", role: "note" }, el("strong", {}, L.notFound), el("p", {}, data.answer)));
    if ((data.suggestions || []).length) {
      const list = el("ul", { class: "suggestions" });
      for (const s of data.suggestions) {
        const a = el("a", { href: "#", class: "suggestion" }, s.title || s.doc_id);
        a.addEventListener("click", (e) => { e.preventDefault(); open({ doc_id: s.doc_id }, a); });
        const meta = metaLine(s);
        list.append(el("li", {}, a, meta ? el("span", { class: "meta" }, meta) : null));
      }
      box.append(el("p", { class: "closest" }, L.closest), list);
    }
    return;
  }
  if (data.short_answer) {
    box.append(el("p", { class: "short-answer" }, el("strong", {}, data.short_answer)));
  }
  const byN = new Map(data.citations.map((c) => [c.n, c]));
  const answer = el("p", { class: "answer" });
  for (const part of window.HD.answerParts(data.answer)) {
    const c = part.n !== undefined ? byN.get(part.n) : null;
    if (!c) { answer.append(part.text !== undefined ? window.HD.textWithFacts(part.text, data.citations) : `[${part.n}]`); continue; }
    // The visible "[n]" is part of the accessible name, which also says what the button does.
    const b = el("button", { type: "button", class: "cite" }, `[${c.n}]`, el("span", { class: "visually-hidden" }, ` ${L.cite} ${c.n}`));
    b.addEventListener("click", () => open({ doc_id: c.doc_id, quote: c.quote, chunk_id: c.chunk_id }, b));
    answer.append(b);
  }
  box.append(answer);
  if (data.citations.length) box.append(sourceList(data.citations, lang, open));
}

function setState(turn, state, text) {
  turn.dataset.state = state;
  turn.setAttribute("aria-busy", String(state === "searching" || state === "streaming" || state === "sources"));
  turn.querySelector(".status").textContent = text;
}

// Server-Sent Events from a fetch body: blocks separated by a blank line, "event:" and "data:".
async function* sseEvents(res) {
  const reader = res.body.pipeThrough(new TextDecoderStream()).getReader();
  let buffer = "";
  for (;;) {
    const { value, done } = await reader.read();
    if (done) return;
    buffer += value.replace(/\r\n/g, "\n");
    let cut;
    while ((cut = buffer.indexOf("\n\n")) >= 0) {
      const block = buffer.slice(0, cut);
      buffer = buffer.slice(cut + 2);
      let name = "message";
      const data = [];
      for (const line of block.split("\n")) {
        if (line.startsWith("event:")) name = line.slice(6).trim();
        else if (line.startsWith("data:")) data.push(line.slice(5).replace(/^ /, ""));
      }
      if (data.length) yield [name, JSON.parse(data.join("\n"))];
    }
  }
}

async function ask(question, f) {
  const lang = language(question);
  const L = labels(lang);
  const turn = el("article", { class: "turn", lang: lang === "en" ? "en" : null });
  const streaming = el("p", { class: "answer streaming" });
  turn.append(
    el("p", { class: "q" }, question),
    el("p", { class: "status", role: "status" }),
    el("div", { class: "answer-box" }, streaming),
  );
  $("conversation").append(turn);
  setState(turn, "searching", L.searching);
  controller = new AbortController();
  $("stop").textContent = L.stop;
  $("stop").hidden = false;
  const body = { question, history, stream: true };
  if (f) body.filters = f;
  try {
    const res = await fetch("/v1/ask", { method: "POST", headers: headers({ Accept: "text/event-stream" }), body: JSON.stringify(body), signal: controller.signal });
    if (!res.ok) throw await failure(res);
    for await (const [name, data] of sseEvents(res)) {
      if (name === "sources" && data.length && data[0].quote) {
        turn.querySelector(".answer-box").append(sourceList(data, lang, (t, o) => openViewer(t, lang, o)));
        setState(turn, "sources", L.writing);
      } else if (name === "sources") {
        setState(turn, "sources", L.writing);
      } else if (name === "delta") {
        streaming.append(data);
        setState(turn, "streaming", L.writing);
      } else if (name === "done") {
        renderFinal(turn, question, data, lang);
        if (data.interaction_id) turn.append(feedbackBar(data.interaction_id, lang));
        setState(turn, "done", data.found ? L.done : "");
        history.push({ role: "user", content: data.standalone_question }, { role: "assistant", content: data.answer });
        history = history.slice(-6);
      }
    }
  } catch (err) {
    if (err.name === "AbortError") setState(turn, "stopped", L.stopped);
    else { setState(turn, "failed", ""); throw err; }
  } finally {
    controller = null;
    $("stop").hidden = true;
  }
}

// -- feedback: 👍/👎 on an answer; a 👎 asks one follow-up (what was wrong) and a comment ----
const FEEDBACK = {
  vi: { ask: "Câu trả lời này có hữu ích không?", up: "Hữu ích", down: "Chưa đúng", why: "Sai ở đâu?",
        reasons: { wrong_figure: "Sai số liệu", wrong_source: "Sai nguồn", not_answered: "Không trả lời được", other: "Khác" },
        comment: "Góp ý thêm (không bắt buộc)", send: "Gửi góp ý", thanks: "Cảm ơn góp ý của bạn." },
  en: { ask: "Was this answer helpful?", up: "Helpful", down: "Not right", why: "What was wrong?",
        reasons: { wrong_figure: "Wrong figure", wrong_source: "Wrong source", not_answered: "Did not answer", other: "Other" },
        comment: "Comment (optional)", send: "Send feedback", thanks: "Thank you for your feedback." },
};

async function sendFeedback(body) {
  const res = await fetch("/v1/feedback", { method: "POST", headers: headers(), body: JSON.stringify(body) });
  if (!res.ok) throw await failure(res);
  return res.json();
}

function feedbackBar(interactionId, lang) {
  const F = FEEDBACK[lang] || FEEDBACK.vi;
  const status = el("span", { class: "feedback-status", role: "status" });
  const icon = (glyph) => el("span", { "aria-hidden": "true" }, glyph + " ");
  const up = el("button", { type: "button", class: "vote", "aria-pressed": "false" }, icon("👍"), F.up);
  const down = el("button", { type: "button", class: "vote", "aria-pressed": "false" }, icon("👎"), F.down);
  const form = el("form", { class: "feedback-more", hidden: "" });
  const reasons = el("fieldset", {}, el("legend", {}, F.why));
  for (const [value, label] of Object.entries(F.reasons)) {
    reasons.append(el("label", {}, el("input", { type: "radio", name: `why-${interactionId}`, value }), " ", label));
  }
  const commentId = `comment-${interactionId}`;
  const comment = el("textarea", { id: commentId, rows: "2", maxlength: "2000" });
  form.append(reasons, el("label", { for: commentId }, F.comment), comment, el("button", { type: "submit" }, F.send));
  const vote = async (rating, extra = {}) => {
    up.setAttribute("aria-pressed", String(rating === "up"));
    down.setAttribute("aria-pressed", String(rating === "down"));
    try {
      await sendFeedback({ interaction_id: interactionId, rating, ...extra });
      status.textContent = F.thanks;
    } catch (err) { status.textContent = err.message; }
  };
  up.addEventListener("click", () => { form.hidden = true; vote("up"); });
  down.addEventListener("click", () => { form.hidden = false; vote("down"); });
  form.addEventListener("submit", (event) => {
    event.preventDefault();
    const picked = form.querySelector("input[type=radio]:checked");
    const extra = {};
    if (picked) extra.reason = picked.value;
    if (comment.value.trim()) extra.comment = comment.value.trim();
    vote("down", extra).then(() => { form.hidden = true; });
  });
  return el("div", { class: "feedback", "aria-label": F.ask, role: "group" }, el("span", {}, F.ask), up, down, status, form);
}

// -- search ---------------------------------------------------------------------------------
async function search(query, f) {
  const lang = language(query);
  const L = labels(lang);
  const body = { query, k: 10 };
  if (f) body.filters = f;
  const res = await fetch("/v1/search", { method: "POST", headers: headers(), body: JSON.stringify(body) });
  if (!res.ok) throw await failure(res);
  const data = await res.json();
  const turn = el("article", { class: "turn search", "data-state": "done", lang: lang === "en" ? "en" : null });
  turn.append(el("p", { class: "q" }, `${L.search} ${query}`));
  const groups = window.HD.groupResults(data.results);
  if (!groups.length) turn.append(el("p", {}, L.noResults));
  const top = groups.length ? groups[0].score : 1;
  for (const g of groups) {
    const share = top > 0 ? Math.max(0, Math.min(1, g.score / top)) : 0;
    const item = el("div", { class: "result" }, el("h3", {}, g.title));
    const meta = metaLine(g);
    if (meta) item.append(el("p", { class: "meta" }, meta));
    item.append(el("meter", { class: "score", min: "0", max: "1", value: share.toFixed(3), "aria-label": `${L.score} ${Math.round(share * 100)}%`, title: `${L.score}: ${g.score.toFixed(3)}` }));
    item.append(el("p", { class: "best" }, window.HD.highlightTerms(g.best.text, query)));
    if (g.others.length) item.append(el("p", { class: "meta" }, `+${g.others.length} ${L.more}`));
    const b = el("button", { type: "button", class: "open" }, L.open);
    b.addEventListener("click", () => openViewer({ doc_id: g.doc_id, quote: g.best.text, chunk_id: g.best.chunk_id }, lang, b));
    item.append(b);
    turn.append(item);
  }
  $("conversation").append(turn);
}

async function submit(event) {
  event.preventDefault();
  showError("");
  const question = $("question").value.trim();
  if (!question) return;
  const mode = document.querySelector("input[name=mode]:checked").value;
  $("submit").disabled = true;
  try {
    const f = filters();
    if (mode === "search") await search(question, f); else await ask(question, f);
    $("question").value = "";
  } catch (err) {
    showError(err.message);
  } finally {
    $("submit").disabled = false;
    $("question").focus({ preventScroll: true });
  }
}

document.addEventListener("DOMContentLoaded", () => {
  $("apikey").value = localStorage.getItem(KEY) || "";
  $("savekey").addEventListener("click", () => {
    localStorage.setItem(KEY, $("apikey").value.trim());
    $("keystatus").textContent = "Đã lưu.";
    docCache.clear();
    loadFacets();
  });
  // Filters are open on a wide screen and folded away on a phone.
  $("filters").open = window.matchMedia("(min-width: 700px)").matches;
  $("clearfilters").addEventListener("click", () => {
    for (const id of ["outlet", "doctype", "since", "until"]) $(id).value = "";
    $("filtercount").textContent = "";
  });
  $("askform").addEventListener("submit", submit);
  $("question").addEventListener("keydown", (e) => {
    if (e.key === "Enter" && !e.shiftKey) { e.preventDefault(); $("askform").requestSubmit(); }
  });
  $("stop").addEventListener("click", () => { if (controller) controller.abort(); });
  $("reset").addEventListener("click", () => { history = []; $("conversation").replaceChildren(); $("question").focus(); });
  $("viewer-close").addEventListener("click", closeViewer);
  document.addEventListener("keydown", (e) => { if (e.key === "Escape" && !$("viewer").hidden) closeViewer(); });
  loadFacets();
});
