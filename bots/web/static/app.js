// Hỏi Đáp staff page: plain DOM, no framework, no CDN. Document text is always inserted as text
// (textContent), never as HTML, so a document cannot inject markup or script.
"use strict";

const KEY = "hoidap.apiKey";
const $ = (id) => document.getElementById(id);
let history = [];

function headers() {
  const h = { "Content-Type": "application/json" };
  const key = localStorage.getItem(KEY);
  if (key) h["Authorization"] = "Bearer " + key;
  return h;
}

function el(tag, attrs = {}, ...children) {
  const node = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) {
    if (k === "class") node.className = v; else node.setAttribute(k, v);
  }
  for (const c of children) node.append(c);
  return node;
}

function fold(s) {
  return s.normalize("NFD").replace(/[\u0300-\u036f]/g, "").replace(/đ/g, "d").replace(/Đ/g, "D").toLowerCase();
}

// Highlight words of the query inside text, comparing accent-folded forms.
function highlighted(text, query) {
  const words = new Set(fold(query).split(/[^\p{L}\p{N}]+/u).filter((w) => w.length > 1));
  const frag = document.createDocumentFragment();
  for (const part of text.split(/([\p{L}\p{N}]+)/u)) {
    frag.append(words.has(fold(part)) ? el("mark", {}, part) : document.createTextNode(part));
  }
  return frag;
}

function showError(message) {
  const e = $("error");
  e.textContent = message;
  e.hidden = !message;
}

async function post(path, body) {
  const res = await fetch(path, { method: "POST", headers: headers(), body: JSON.stringify(body) });
  if (res.status === 401) throw new Error("Cần khóa API hợp lệ (mục “Khóa API”).");
  if (!res.ok) {
    let detail = res.statusText;
    try { const j = await res.json(); detail = j.errors ? j.errors.map((e) => e.message).join("; ") : j.detail; } catch (_) {}
    throw new Error("Lỗi " + res.status + ": " + detail);
  }
  return res.json();
}

function date(s) { return s ? s.slice(0, 10) : "không rõ ngày"; }

function renderAnswer(question, data) {
  const turn = el("article", { class: "turn" });
  turn.append(el("p", { class: "q" }, question));
  if (data.standalone_question && data.standalone_question !== question) {
    turn.append(el("p", { class: "standalone" }, "Hiểu là: " + data.standalone_question));
  }
  const answer = el("p", { class: "answer" });
  const quote = el("blockquote", { class: "quote", hidden: "" });
  const byN = new Map(data.citations.map((c) => [c.n, c]));
  for (const part of data.answer.split(/(\[\d+\])/)) {
    const m = part.match(/^\[(\d+)\]$/);
    if (m && byN.has(Number(m[1]))) {
      const c = byN.get(Number(m[1]));
      const b = el("button", { type: "button", class: "cite", "aria-label": "Xem nguồn " + c.n, "aria-expanded": "false" }, "[" + c.n + "]");
      b.addEventListener("click", () => {
        const open = quote.dataset.n === String(c.n) && !quote.hidden;
        quote.hidden = open;
        quote.dataset.n = String(c.n);
        quote.textContent = "“" + c.quote + "” — " + c.title;
        b.setAttribute("aria-expanded", String(!open));
      });
      answer.append(b);
    } else {
      answer.append(document.createTextNode(part));
    }
  }
  turn.append(answer, quote);
  const list = el("ol", { class: "sources" });
  for (const c of data.citations) {
    list.append(el("li", { value: String(c.n) }, c.title + " — " + (c.outlet || "không rõ nguồn") + ", " + date(c.published)));
  }
  for (const s of data.suggestions || []) {
    list.append(el("li", {}, "Tài liệu gần nhất: " + s.title));
  }
  if (list.children.length) turn.append(list);
  $("conversation").append(turn);
  turn.scrollIntoView({ block: "nearest" });
}

function renderResults(query, data) {
  const turn = el("article", { class: "turn" });
  turn.append(el("p", { class: "q" }, "Tìm: " + query));
  if (!data.results.length) turn.append(el("p", {}, "Không tìm thấy đoạn nào phù hợp."));
  for (const r of data.results) {
    const item = el("div", { class: "result" });
    item.append(el("h3", {}, r.title), el("p", { class: "standalone" }, (r.outlet || "không rõ nguồn") + ", " + date(r.published)));
    const p = el("p", {});
    p.append(highlighted(r.text, query));
    item.append(p);
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
    if (mode === "search") {
      const filters = {};
      if ($("outlet").value.trim()) filters.outlets = [$("outlet").value.trim()];
      if ($("since").value) filters.since = $("since").value;
      if ($("until").value) filters.until = $("until").value;
      const body = { query: question, k: 8 };
      if (Object.keys(filters).length) body.filters = filters;
      renderResults(question, await post("/v1/search", body));
    } else {
      const data = await post("/v1/ask", { question, history });
      renderAnswer(question, data);
      history.push({ role: "user", content: data.standalone_question }, { role: "assistant", content: data.answer });
      history = history.slice(-6);
    }
    $("question").value = "";
  } catch (err) {
    showError(err.message);
  } finally {
    $("submit").disabled = false;
    $("question").focus();
  }
}

document.addEventListener("DOMContentLoaded", () => {
  $("apikey").value = localStorage.getItem(KEY) || "";
  $("savekey").addEventListener("click", () => {
    localStorage.setItem(KEY, $("apikey").value.trim());
    $("keystatus").textContent = "Đã lưu.";
  });
  $("askform").addEventListener("submit", submit);
  $("question").addEventListener("keydown", (e) => {
    if (e.key === "Enter" && !e.shiftKey) { e.preventDefault(); $("askform").requestSubmit(); }
  });
  $("reset").addEventListener("click", () => { history = []; $("conversation").replaceChildren(); $("question").focus(); });
});
