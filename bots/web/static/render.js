// Pure rendering helpers shared by the staff and admin pages (window.HD). They build DOM nodes
// with textContent only, so document text can never inject markup. Tested in Chromium.
"use strict";

(function () {
  const LABELS = {
    vi: {
      searching: "Đang tìm trong tài liệu…", writing: "Đang soạn câu trả lời…", done: "Đã trả lời.",
      stopped: "Đã dừng.", refused: "Không có trong tài liệu.", stop: "Dừng", sources: "Nguồn",
      notFound: "Không có trong tài liệu", closest: "Tài liệu gần nhất", understood: "Hiểu là:",
      open: "Xem trong tài liệu", original: "Mở bài gốc", close: "Đóng", cite: "Xem nguồn",
      passages: "đoạn", noResults: "Không tìm thấy đoạn nào phù hợp.", search: "Tìm:",
      score: "Độ phù hợp", more: "đoạn khác phù hợp", shortAnswer: "Trả lời ngắn",
    },
    en: {
      searching: "Searching the documents…", writing: "Writing the answer…", done: "Answered.",
      stopped: "Stopped.", refused: "Not in the documents.", stop: "Stop", sources: "Sources",
      notFound: "Not in the documents", closest: "Closest documents", understood: "Read as:",
      open: "Open in the document", original: "Open the original article", close: "Close",
      cite: "Show source", passages: "passages", noResults: "No matching passage.",
      search: "Search:", score: "Relevance", more: "more matching passages",
      shortAnswer: "Short answer",
    },
  };
  const VI_MARKS = /[àáạảãâầấậẩẫăằắặẳẵèéẹẻẽêềếệểễìíịỉĩòóọỏõôồốộổỗơờớợởỡùúụủũưừứựửữỳýỵỷỹđ]/i;
  const EN_WORDS = /\b(what|which|who|whom|when|where|why|how|is|are|was|were|does|did|the|many|much)\b/i;
  const WORD = /[\p{L}\p{N}]+/gu;

  function fold(s) {
    return s.normalize("NFD").replace(/[\u0300-\u036f]/g, "").replace(/[đĐ]/g, "d").toLowerCase();
  }

  /** "en" for an English question (no Vietnamese marks, English function words), else "vi". */
  function language(text) {
    return !VI_MARKS.test(text) && EN_WORDS.test(text) ? "en" : "vi";
  }

  function labels(lang) { return LABELS[lang] || LABELS.vi; }

  /** ISO date or timestamp → dd/mm/yyyy; null when unknown or malformed. */
  function formatDate(iso) {
    const m = /^(\d{4})-(\d{2})-(\d{2})/.exec(iso || "");
    return m ? `${m[3]}/${m[2]}/${m[1]}` : null;
  }

  /** dd/mm/yyyy (or d/m/yyyy, with - or .) → ISO; "" for empty; null when invalid. */
  function parseDate(text) {
    const t = (text || "").trim();
    if (!t) return "";
    const m = /^(\d{1,2})[/.-](\d{1,2})[/.-](\d{4})$/.exec(t);
    if (!m) return null;
    const [d, mo, y] = [Number(m[1]), Number(m[2]), Number(m[3])];
    const date = new Date(Date.UTC(y, mo - 1, d));
    if (date.getUTCMonth() !== mo - 1 || date.getUTCDate() !== d) return null;
    return `${y}-${String(mo).padStart(2, "0")}-${String(d).padStart(2, "0")}`;
  }

  /** "Outlet · dd/mm/yyyy" with unknown parts left out ("" when nothing is known). */
  function metaLine(item) {
    return [item.outlet, formatDate(item.published)].filter(Boolean).join(" · ");
  }

  function el(tag, attrs = {}, ...children) {
    const node = document.createElement(tag);
    for (const [k, v] of Object.entries(attrs)) {
      if (v === null || v === undefined || v === false) continue;
      if (k === "class") node.className = v; else node.setAttribute(k, v === true ? "" : v);
    }
    for (const c of children) if (c !== null && c !== undefined) node.append(c);
    return node;
  }

  /** Words of a text with their offsets and folded forms. */
  function words(text) {
    return Array.from(text.matchAll(WORD), (m) => ({ text: m[0], start: m.index, end: m.index + m[0].length, folded: fold(m[0]) }));
  }

  function sameWord(textWord, queryWord) {
    // A query word typed with marks matches only that spelling (any case); one typed without
    // marks matches every spelling that folds to it.
    const lower = (w) => w.text.normalize("NFC").toLowerCase();
    if (VI_MARKS.test(queryWord.text)) {
      return lower(textWord) === lower(queryWord) || (textWord.folded === lower(textWord) && textWord.folded === queryWord.folded);
    }
    return textWord.folded === queryWord.folded;
  }

  /** Spans [start, end) of `text` to mark for `query`: whole words only, as runs of at least two
   * consecutive query words (Vietnamese words are several syllables, so one syllable alone, like
   * "nang" in "nâng", is noise); single words only for a one-word query, numbers and acronyms. */
  function termSpans(text, query) {
    const q = words(query);
    const t = words(text);
    const spans = [];
    let i = 0;
    while (i < t.length) {
      let best = 0;
      for (let j = 0; j < q.length; j++) {
        let n = 0;
        while (i + n < t.length && j + n < q.length && sameWord(t[i + n], q[j + n])) n++;
        best = Math.max(best, n);
      }
      const w = t[i];
      const alone = q.length === 1 || /\d/.test(w.text) || (w.text.length > 1 && w.text === w.text.toUpperCase() && /\p{L}/u.test(w.text));
      if (best >= 2 || (best === 1 && alone)) {
        spans.push([w.start, t[i + best - 1].end]);
        i += best;
      } else {
        i++;
      }
    }
    return spans;
  }

  /** A fragment of `text` with `spans` wrapped in <mark class=cls>. */
  function marked(text, spans, cls) {
    const frag = document.createDocumentFragment();
    let at = 0;
    for (const [s, e] of spans) {
      if (s < at || e <= s || e > text.length) continue;
      frag.append(document.createTextNode(text.slice(at, s)), el("mark", { class: cls }, text.slice(s, e)));
      at = e;
    }
    frag.append(document.createTextNode(text.slice(at)));
    return frag;
  }

  function highlightTerms(text, query) { return marked(text, termSpans(text, query), "term"); }

  /** The quoted sentence with the fact span (`highlight: [start, end]`) marked, when valid. */
  function quoteWithFact(quote, highlight) {
    const ok = Array.isArray(highlight) && highlight.length === 2 && highlight[0] >= 0 && highlight[1] > highlight[0] && highlight[1] <= quote.length;
    return marked(quote, ok ? [highlight] : [], "fact");
  }

  /** Answer text with each cited fact marked where the citation's quote appears verbatim in it
   * (extractive answers quote their sentences, so the fact lights up in the answer itself). */
  function textWithFacts(text, citations) {
    const spans = [];
    for (const c of citations || []) {
      const h = c.highlight;
      if (!c.quote || !Array.isArray(h) || h.length !== 2 || h[0] < 0 || h[1] <= h[0] || h[1] > c.quote.length) continue;
      const at = text.indexOf(c.quote);
      if (at >= 0) spans.push([at + h[0], at + h[1]]);
    }
    spans.sort((a, b) => a[0] - b[0]);
    return marked(text, spans, "fact");
  }

  /** Citations grouped by document, in order of first citation; each lists its passages. */
  function groupCitations(citations) {
    const docs = new Map();
    for (const c of citations || []) {
      if (!docs.has(c.doc_id)) docs.set(c.doc_id, { doc_id: c.doc_id, title: c.title, outlet: c.outlet, published: c.published, passages: [] });
      const doc = docs.get(c.doc_id);
      const same = doc.passages.find((p) => p.quote === c.quote);
      if (same) same.ns.push(c.n);
      else doc.passages.push({ ns: [c.n], quote: c.quote, highlight: c.highlight, chunk_id: c.chunk_id });
    }
    return [...docs.values()];
  }

  /** Search results grouped by document: best score, best passage, the other passages. */
  function groupResults(results) {
    const docs = new Map();
    for (const r of results || []) {
      if (!docs.has(r.doc_id)) docs.set(r.doc_id, { doc_id: r.doc_id, title: r.title, outlet: r.outlet, published: r.published, score: r.score, best: r, others: [] });
      else docs.get(r.doc_id).others.push(r);
    }
    return [...docs.values()];
  }

  /** Answer text split into plain text and citation markers. */
  function answerParts(answer) {
    return answer.split(/(\[\d+\])/).filter(Boolean).map((part) => {
      const m = /^\[(\d+)\]$/.exec(part);
      return m ? { n: Number(m[1]) } : { text: part };
    });
  }

  /** Where a passage lies in a document view: inside its chunk when known, else anywhere. */
  function locate(doc, quote, chunkId) {
    if (!quote) return null;
    const chunk = (doc.chunks || []).find((c) => c.chunk_id === chunkId);
    let at = chunk ? doc.text.indexOf(quote, chunk.start) : -1;
    if (at < 0 || (chunk && at > chunk.end)) at = doc.text.indexOf(quote);
    return at < 0 ? (chunk ? [chunk.start, chunk.end] : null) : [at, at + quote.length];
  }

  window.HD = { fold, language, labels, formatDate, parseDate, metaLine, el, termSpans, highlightTerms, quoteWithFact, groupCitations, groupResults, answerParts, locate, marked, textWithFacts };
})();
