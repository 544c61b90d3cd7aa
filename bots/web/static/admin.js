// Hỏi Đáp admin page: list, upload (drag and drop, several files), replace, delete, re-index.
// Small uploads answer 200 with per-file results; large ones 202 with a job to poll.
"use strict";

const ADMIN_KEY = "hoidap.adminKey";
const $ = (id) => document.getElementById(id);
const { el, metaLine } = window.HD;
const STATUS = { added: "đã thêm", updated: "đã cập nhật", unchanged: "không đổi", removed: "đã xóa", failed: "lỗi" };
let picked = [];

function auth() {
  const key = localStorage.getItem(ADMIN_KEY);
  return key ? { Authorization: "Bearer " + key } : {};
}

async function call(path, options = {}) {
  const res = await fetch(path, { ...options, headers: { ...auth(), ...(options.headers || {}) } });
  if (res.status === 401) throw new Error("Cần khóa quản trị hợp lệ.");
  if (res.status === 403) throw new Error("Khóa này không phải khóa quản trị.");
  if (!res.ok) {
    let detail = res.statusText;
    try { const j = await res.json(); detail = j.errors ? j.errors.map((e) => e.message).join("; ") : j.detail; } catch (_) { /* not JSON */ }
    throw new Error(`Lỗi ${res.status}: ${detail}`);
  }
  return { status: res.status, body: await res.json() };
}

function showError(message) { $("error").textContent = message; $("error").hidden = !message; }

function busy(label, done, total) {
  $("progressbox").hidden = label === null;
  if (label === null) return;
  $("progresslabel").textContent = label;
  const bar = $("progress");
  if (total) { bar.max = total; bar.value = done; } else { bar.removeAttribute("value"); }
}

function showFiles(files) {
  $("results").replaceChildren(...files.map((f) => {
    const ok = f.status !== "failed";
    const text = `${f.filename || f.doc_id}: ${STATUS[f.status] || f.status}` + (ok && f.chunks ? ` (${f.chunks} đoạn)` : "") + (f.reason ? ` — ${f.reason}` : "");
    return el("li", { class: ok ? "ok" : "failed", "data-status": f.status }, text);
  }));
}

async function poll(url) {
  for (;;) {
    const { body: job } = await call(url);
    const p = job.progress || {};
    busy(`Đang xử lý ${p.done || 0}/${p.total || "?"} tệp…`, p.done || 0, p.total || 0);
    if (job.files) showFiles(job.files);
    if (job.status === "done" || job.status === "failed") return job;
    await new Promise((r) => setTimeout(r, 1000));
  }
}

async function upload(files, replace) {
  if (!files.length) { showError("Chưa chọn tệp nào."); return; }
  const form = new FormData();
  for (const f of files) form.append("files", f, f.name);
  busy(`Đang tải lên ${files.length} tệp…`);
  $("status").textContent = "";
  const { status, body } = await call("/v1/documents" + (replace ? "?replace=true" : ""), { method: "POST", body: form });
  if (status === 202 && body.status_url) {
    const job = await poll(body.status_url);
    $("status").textContent = job.status === "done" ? "Đã xử lý xong." : "Công việc thất bại.";
  } else {
    showFiles(body.files);
    const failed = body.files.filter((f) => f.status === "failed").length;
    $("status").textContent = `Đã xử lý ${body.files.length} tệp` + (failed ? `, ${failed} lỗi.` : ".");
  }
  await loadDocuments();
}

async function reindex() {
  busy("Đang đồng bộ chỉ mục với thư mục tài liệu…");
  $("status").textContent = "";
  const { status, body } = await call("/v1/reindex", { method: "POST" });
  const report = status === 202 && body.status_url ? await poll(body.status_url) : body;
  const parts = ["added", "updated", "unchanged", "removed", "failed"].filter((k) => report[k]).map((k) => `${report[k]} ${STATUS[k]}`);
  $("status").textContent = "Đồng bộ xong: " + (parts.join(", ") || "không có thay đổi") + ".";
  if (report.failures) showFiles(report.failures.map((f) => ({ doc_id: f.doc_id, status: "failed", reason: f.reason })));
  await loadDocuments();
}

let replaceTarget = null;

async function loadDocuments() {
  const { body: docs } = await call("/v1/documents");
  $("doccount").textContent = `(${docs.length})`;
  $("docs").replaceChildren(...docs.map((d) => {
    const replace = el("button", { type: "button", "aria-label": `Thay thế ${d.doc_id}` }, "Thay thế");
    replace.addEventListener("click", () => {
      // An upload's name becomes its id; an id from a sub-folder or with other characters cannot
      // be reproduced that way, and uploading would add a second document instead.
      if (/[^\p{L}\p{N}_.\-]|^[._]/u.test(d.doc_id)) {
        showError(`Không thay thế được “${d.doc_id}” qua trang này (tài liệu nằm trong thư mục con hoặc tên có ký tự đặc biệt): hãy thay tệp trong thư mục tài liệu rồi bấm “Đồng bộ lại chỉ mục”.`);
        return;
      }
      showError("");
      replaceTarget = d;
      $("replacefile").click();
    });
    const del = el("button", { type: "button", "aria-label": `Xóa ${d.doc_id}` }, "Xóa");
    del.addEventListener("click", () => run(async () => {
      if (!window.confirm(`Xóa tài liệu ${d.doc_id} khỏi chỉ mục và thư mục tài liệu?`)) return;
      await call("/v1/documents/" + d.doc_id.split("/").map(encodeURIComponent).join("/"), { method: "DELETE" });
      $("status").textContent = `Đã xóa ${d.doc_id}.`;
      await loadDocuments();
    }));
    return el("tr", { "data-doc": d.doc_id },
      el("td", {}, el("code", {}, d.doc_id)), el("td", {}, d.title || ""), el("td", {}, metaLine(d)),
      el("td", {}, String(d.chunks ?? "")), el("td", { class: "actions-cell" }, replace, del));
  }));
}

const REASON_LABELS = { wrong_figure: "Sai số liệu", wrong_source: "Sai nguồn", not_answered: "Không trả lời được", other: "Khác" };

// "Câu hỏi chưa trả lời": refused and 👎 questions grouped by topic (GET /v1/gaps).
async function loadGaps() {
  const days = $("gapdays").value;
  const { body } = await call("/v1/gaps" + (days ? `?days=${days}` : ""));
  const rows = body.map((g) => {
    const detail = [];
    if (g.refused) detail.push(`${g.refused} bị từ chối`);
    if (g.down_voted) detail.push(`${g.down_voted} 👎`);
    for (const [reason, n] of Object.entries(g.reasons)) detail.push(`${REASON_LABELS[reason] || reason}: ${n}`);
    const last = g.last_asked.slice(0, 10).split("-").reverse().join("/");
    return el("tr", {},
      el("td", {}, String(g.count)),
      el("td", {}, el("strong", {}, g.topic), el("ul", { class: "examples" }, ...g.examples.slice(1).map((e) => el("li", {}, e)))),
      el("td", {}, detail.join(" · ")),
      el("td", {}, last));
  });
  $("gaps").replaceChildren(...rows);
  $("gapsempty").hidden = rows.length > 0;
}

async function run(task) {
  showError("");
  try { await task(); } catch (err) { showError(err.message); } finally { busy(null); }
}

function pick(files) {
  picked = [...files];
  $("picked").replaceChildren(...picked.map((f) => el("li", {}, `${f.name} (${Math.ceil(f.size / 1024)} KB)`)));
}

document.addEventListener("DOMContentLoaded", () => {
  $("adminkey").value = localStorage.getItem(ADMIN_KEY) || "";
  $("savekey").addEventListener("click", () => {
    localStorage.setItem(ADMIN_KEY, $("adminkey").value.trim());
    $("keystatus").textContent = "Đã lưu.";
    run(loadDocuments);
    run(loadGaps);
  });
  $("gapsrefresh").addEventListener("click", () => run(loadGaps));
  $("files").addEventListener("change", () => pick($("files").files));
  const zone = $("dropzone");
  zone.addEventListener("dragover", (e) => { e.preventDefault(); zone.classList.add("over"); });
  zone.addEventListener("dragleave", () => zone.classList.remove("over"));
  zone.addEventListener("drop", (e) => { e.preventDefault(); zone.classList.remove("over"); pick(e.dataTransfer.files); });
  $("upload").addEventListener("click", () => run(async () => { await upload(picked, $("replace").checked); pick([]); $("files").value = ""; }));
  $("reindex").addEventListener("click", () => run(reindex));
  // Replacing keeps the document id: the new file is renamed to the id plus its own extension.
  $("replacefile").addEventListener("change", () => run(async () => {
    const file = $("replacefile").files[0];
    if (!file || !replaceTarget) return;
    const ext = (file.name.match(/\.[^.]+$/) || [""])[0];
    const base = replaceTarget.doc_id.split("/").pop();
    await upload([new File([file], base + ext, { type: file.type })], true);
    $("replacefile").value = "";
  }));
  if (localStorage.getItem(ADMIN_KEY) !== null) { run(loadDocuments); run(loadGaps); }
});
