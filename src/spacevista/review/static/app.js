// SpaceVista review page: shows one sampled QA item at a time and records accept/reject verdicts.
"use strict";

(() => {
  const $ = (id) => document.getElementById(id);
  const settings = JSON.parse($("settings").textContent);
  const csrf = document.querySelector('meta[name="csrf-token"]').content;
  const COLORS = ["#ff3b30", "#0a84ff", "#30d158", "#ff9f0a", "#bf5af2", "#64d2ff"];
  const NAME_RE = /^[A-Za-z0-9][A-Za-z0-9 _.@-]{0,63}$/;

  const state = { items: [], judgements: {}, index: 0, frame: 0, annotator: "", drawGen: 0 };
  const images = new Map(); // url -> Promise<HTMLImageElement>

  // ---- helpers ---------------------------------------------------------------------------
  const fileUrl = (rel) => "/files/" + rel.split("/").map(encodeURIComponent).join("/");

  function loadImage(url) {
    if (!images.has(url)) {
      images.set(url, new Promise((resolve, reject) => {
        const img = new Image();
        img.onload = () => resolve(img);
        img.onerror = () => reject(new Error("cannot load " + url));
        img.src = url;
      }));
    }
    return images.get(url);
  }

  function toast(msg, kind) {
    const t = $("toast");
    t.textContent = msg;
    t.className = "toast show " + (kind || "");
    clearTimeout(toast.timer);
    toast.timer = setTimeout(() => { t.className = "toast"; }, 3500);
  }

  async function api(path, options) {
    const res = await fetch(path, Object.assign({ credentials: "same-origin" }, options || {}));
    let body = null;
    try { body = await res.json(); } catch (e) { body = null; }
    if (!res.ok) throw new Error((body && body.error) || (res.status + " " + res.statusText));
    return body;
  }

  const el = (tag, cls, text) => {
    const e = document.createElement(tag);
    if (cls) e.className = cls;
    if (text !== undefined) e.textContent = text;
    return e;
  };

  // ---- drawing ---------------------------------------------------------------------------
  function promptNumbering(item) {
    return item.prompts.map((p, i) => Object.assign({ n: i + 1, color: COLORS[i % COLORS.length] }, p));
  }

  // The server's overlay carries the mask in its alpha; recolour it with the prompt's colour and
  // find its bounding box so that the number sits on the object.
  function tintOverlay(o, color) {
    const c = document.createElement("canvas");
    c.width = o.naturalWidth; c.height = o.naturalHeight;
    const g = c.getContext("2d");
    g.drawImage(o, 0, 0);
    const a = g.getImageData(0, 0, c.width, c.height).data;
    let x0 = Infinity, y0 = Infinity;
    for (let i = 3; i < a.length; i += 4) {
      if (a[i] > 0) {
        const px = ((i - 3) / 4) % c.width, py = Math.floor((i - 3) / 4 / c.width);
        if (py < y0) y0 = py;
        if (px < x0) x0 = px;
      }
    }
    g.globalCompositeOperation = "source-in";
    g.fillStyle = color;
    g.fillRect(0, 0, c.width, c.height);
    return { canvas: c, box: Number.isFinite(x0) ? [x0, y0] : null };
  }

  async function drawFrame() {
    const gen = ++state.drawGen;
    const item = state.items[state.index];
    const canvas = $("frame-canvas");
    const ctx = canvas.getContext("2d");
    if (!item || item.frames.length === 0) {
      canvas.width = 640; canvas.height = 360;
      ctx.fillStyle = "#222"; ctx.fillRect(0, 0, 640, 360);
      ctx.fillStyle = "#aaa"; ctx.font = "20px sans-serif";
      ctx.fillText(item ? "this item has no frames" : "no items", 24, 40);
      return;
    }
    const rel = item.frames[state.frame];
    let img;
    try {
      img = await loadImage(fileUrl(rel));
    } catch (e) {
      if (gen !== state.drawGen) return;
      canvas.width = 640; canvas.height = 360;
      ctx.fillStyle = "#2a1b1b"; ctx.fillRect(0, 0, 640, 360);
      ctx.fillStyle = "#ff8a80"; ctx.font = "18px sans-serif";
      ctx.fillText("frame not available: " + rel, 24, 40);
      return;
    }
    const prompts = promptNumbering(item).filter((p) => p.frame === state.frame);
    const overlays = await Promise.all(prompts.filter((p) => p.kind === "mask").map((p) =>
      loadImage("/api/overlay?item=" + encodeURIComponent(item.id) + "&mask=" + p.mask)
        .then((o) => [p, o]).catch(() => [p, null])));
    if (gen !== state.drawGen) return; // a newer draw started while we waited
    const w = img.naturalWidth, h = img.naturalHeight;
    // Small frames are drawn at a higher resolution so that the prompt's lines stay crisp.
    const s = Math.max(1, Math.min(4, 1000 / Math.max(w, h)));
    canvas.width = Math.round(w * s); canvas.height = Math.round(h * s);
    ctx.setTransform(s, 0, 0, s, 0, 0);
    ctx.drawImage(img, 0, 0, w, h);
    const unit = Math.max(w, h);
    const lw = Math.max(2, unit / 220);
    const fontPx = Math.max(11, Math.round(unit / 28));
    ctx.font = "600 " + fontPx + "px system-ui, sans-serif";
    ctx.textBaseline = "top";
    const label = (text, x, y, color) => {
      const pad = Math.max(2, fontPx / 5);
      const tw = ctx.measureText(text).width;
      const bx = Math.min(Math.max(0, x), w - tw - 2 * pad);
      const by = Math.min(Math.max(0, y), h - fontPx - 2 * pad);
      ctx.fillStyle = color; ctx.fillRect(bx, by, tw + 2 * pad, fontPx + 2 * pad);
      ctx.fillStyle = "#fff"; ctx.fillText(text, bx + pad, by + pad);
    };
    const maskAt = new Map();
    for (const [p, o] of overlays) {
      if (!o) { label("mask " + p.n + " missing", 4, 4, p.color); continue; }
      const tinted = tintOverlay(o, p.color);
      ctx.drawImage(tinted.canvas, 0, 0, w, h);
      if (tinted.box) {
        const sx = w / o.naturalWidth, sy = h / o.naturalHeight;
        maskAt.set(p.n, [tinted.box[0] * sx, tinted.box[1] * sy]);
      }
    }
    // Coordinates are pixels; values all within [0, 1] are read as fractions of the frame.
    for (const p of prompts) {
      const frac = p.coords.length > 0 && p.coords.every((v) => v >= 0 && v <= 1);
      if (p.kind === "box") {
        let [x1, y1, x2, y2] = p.coords;
        if (frac) { x1 *= w; x2 *= w; y1 *= h; y2 *= h; }
        ctx.lineWidth = lw * 2.2; ctx.strokeStyle = "rgba(0,0,0,0.55)";
        ctx.strokeRect(x1, y1, x2 - x1, y2 - y1);
        ctx.lineWidth = lw; ctx.strokeStyle = p.color;
        ctx.strokeRect(x1, y1, x2 - x1, y2 - y1);
        label(String(p.n), x1, y1 - fontPx - 4, p.color);
      } else if (p.kind === "point") {
        let [y, x] = p.coords;
        if (frac) { y *= h; x *= w; }
        const r = Math.max(4, unit / 70);
        ctx.beginPath(); ctx.arc(x, y, r + lw, 0, 2 * Math.PI);
        ctx.fillStyle = "#fff"; ctx.fill();
        ctx.beginPath(); ctx.arc(x, y, r, 0, 2 * Math.PI);
        ctx.fillStyle = p.color; ctx.fill();
        label(String(p.n), x + r + lw, y - r - fontPx, p.color);
      } else if (p.kind === "mask") {
        const at = maskAt.get(p.n) || [4, fontPx + 8];
        label(String(p.n), at[0], at[1] - fontPx - 4, p.color);
      }
    }
  }

  // ---- rendering -------------------------------------------------------------------------
  function renderProgress() {
    const ids = new Set(state.items.map((i) => i.id));
    const mine = Object.values(state.judgements).filter((j) => ids.has(j.item_id));
    const done = mine.length, total = state.items.length;
    $("progress-text").textContent = done + " / " + total;
    $("progress-fill").style.width = (total ? (100 * done) / total : 0) + "%";
    $("count-accept").textContent = mine.filter((j) => j.verdict === "accept").length;
    $("count-reject").textContent = mine.filter((j) => j.verdict === "reject").length;
  }

  function renderStatus() {
    const item = state.items[state.index];
    const st = $("status");
    const j = item && state.judgements[item.id];
    document.body.dataset.verdict = j ? j.verdict : "";
    if (!j) { st.textContent = "Not judged yet"; st.className = "status"; return; }
    const when = j.created_at.replace("T", " ").slice(0, 19) + " UTC";
    st.textContent = (j.verdict === "accept" ? "✓ Accepted" : "✕ Rejected") + " by " + j.annotator + " · " + when;
    st.className = "status " + j.verdict;
  }

  function renderThumbs(item) {
    const box = $("thumbs");
    box.replaceChildren();
    const marked = new Set(item.prompts.map((p) => p.frame));
    item.frames.forEach((rel, i) => {
      const b = el("button", "thumb" + (i === state.frame ? " active" : "") + (marked.has(i) ? " marked" : ""));
      b.type = "button";
      b.title = "frame " + (i + 1) + (marked.has(i) ? " (visual prompt)" : "");
      const im = el("img"); im.src = fileUrl(rel); im.alt = "frame " + (i + 1); im.loading = "lazy";
      b.append(im, el("span", "thumb-n", String(i + 1)));
      b.addEventListener("click", () => selectFrame(i));
      box.append(b);
    });
  }

  function renderItem() {
    const item = state.items[state.index];
    const panel = $("panel");
    if (!item) { $("question").textContent = "This sample is empty."; return; }
    panel.dataset.itemId = item.id;
    const chips = $("chips");
    chips.replaceChildren(
      el("span", "chip task", item.task.replace(/_/g, " ")),
      el("span", "chip scale scale-" + item.scale, item.scale),
      el("span", "chip", item.answer_type),
      el("span", "chip", item.input_type.replace(/_/g, " ")),
      el("span", "chip id", item.id));
    $("question").textContent = item.question;
    const opts = $("options");
    opts.replaceChildren();
    item.options.forEach((o, i) => {
      const letter = String.fromCharCode(65 + i);
      const li = el("li", letter === item.answer && item.answer_type === "mc" ? "correct" : "");
      li.append(el("span", "letter", letter), el("span", "text", o));
      opts.append(li);
    });
    opts.hidden = item.options.length === 0;
    let ans = item.answer;
    if (item.answer_type === "mc" && item.options.length) {
      ans = item.answer + " · " + item.options[item.answer.charCodeAt(0) - 65];
    } else if (item.unit) {
      ans = item.answer + " " + item.unit;
    }
    $("answer").textContent = ans;
    $("exact").textContent = item.exact_answer != null && item.exact_answer !== item.answer
      ? "exact (ground truth): " + item.exact_answer + (item.unit && item.answer_type !== "mc" ? " " + item.unit : "") : "";
    $("rationale").textContent = item.rationale || "—";
    const warn = $("warnings");
    warn.replaceChildren(...item.warnings.map((w) => el("div", "warn", "⚠ " + w)));
    const j = state.judgements[item.id];
    $("comment").value = j ? j.comment : "";
    $("position").textContent = "item " + (state.index + 1) + " of " + state.items.length;
    renderThumbs(item);
    renderStatus();
    updateCaption();
    drawFrame();
  }

  function updateCaption() {
    const item = state.items[state.index];
    if (!item || !item.frames.length) { $("frame-caption").textContent = ""; return; }
    const n = item.prompts.filter((p) => p.frame === state.frame).length;
    $("frame-caption").textContent = "frame " + (state.frame + 1) + " of " + item.frames.length +
      (n ? " · " + n + " visual prompt" + (n > 1 ? "s" : "") : "") + " · " + item.frames[state.frame];
  }

  function defaultFrame(item) {
    if (item.prompts.length) return item.prompts[0].frame;
    if (item.reference_frame != null && item.reference_frame < item.frames.length) return item.reference_frame;
    return 0;
  }

  // ---- navigation ------------------------------------------------------------------------
  function show(index) {
    if (!state.items.length) return;
    state.index = (index + state.items.length) % state.items.length;
    state.frame = defaultFrame(state.items[state.index]);
    renderItem();
  }

  function selectFrame(i) {
    const item = state.items[state.index];
    if (!item || i < 0 || i >= item.frames.length) return;
    state.frame = i;
    document.querySelectorAll(".thumb").forEach((t, k) => t.classList.toggle("active", k === i));
    updateCaption();
    drawFrame();
  }

  function nextUnjudged(from) {
    const n = state.items.length;
    for (let k = 1; k <= n; k++) {
      const i = (from + k) % n;
      if (!state.judgements[state.items[i].id]) return i;
    }
    return -1;
  }

  // ---- judging ---------------------------------------------------------------------------
  async function judge(verdict) {
    const item = state.items[state.index];
    if (!item) return;
    const who = $("annotator").value.trim();
    if (!NAME_RE.test(who)) {
      toast("Enter your annotator name first (letters, digits, space, _ . @ -)", "error");
      $("annotator").focus();
      return;
    }
    const body = { item_id: item.id, verdict: verdict, comment: $("comment").value, annotator: who };
    document.body.dataset.pending = String(Number(document.body.dataset.pending) + 1);
    try {
      const res = await api("/api/judge", {
        method: "POST",
        headers: { "Content-Type": "application/json", "X-CSRF-Token": csrf },
        body: JSON.stringify(body),
      });
      if (who === state.annotator) state.judgements[item.id] = res.judgement;
      renderProgress();
      if (state.items[state.index] === item) {
        const next = nextUnjudged(state.index);
        if (next >= 0) show(next); else renderStatus();
      }
      toast((verdict === "accept" ? "Accepted " : "Rejected ") + item.id, verdict);
    } catch (e) {
      toast("Not saved: " + e.message, "error");
    } finally {
      document.body.dataset.pending = String(Number(document.body.dataset.pending) - 1);
    }
  }

  async function loadJudgements() {
    const who = $("annotator").value.trim();
    state.annotator = who;
    state.judgements = {};
    if (NAME_RE.test(who)) {
      try {
        const res = await api("/api/judgements?annotator=" + encodeURIComponent(who));
        state.judgements = res.judgements;
      } catch (e) {
        toast("Cannot load judgements: " + e.message, "error");
      }
    }
    renderProgress();
    renderStatus();
  }

  // ---- events ----------------------------------------------------------------------------
  function onKey(ev) {
    if (ev.ctrlKey || ev.metaKey || ev.altKey) return;
    const t = ev.target;
    const typing = t && (t.tagName === "TEXTAREA" || t.tagName === "INPUT");
    if (typing) {
      if (ev.key === "Escape") t.blur();
      return;
    }
    const k = ev.key;
    let handled = true;
    if (k === "a" || k === "A" || k === "ArrowRight") judge("accept");
    else if (k === "r" || k === "R" || k === "x" || k === "X") judge("reject");
    else if (k === "c" || k === "C") $("comment").focus();
    else if (k === "j" || k === "J" || k === "ArrowDown") show(state.index + 1);
    else if (k === "k" || k === "K" || k === "ArrowUp" || k === "ArrowLeft") show(state.index - 1);
    else if (k === "n" || k === "N") { const i = nextUnjudged(state.index); if (i >= 0) show(i); }
    else if (k === ",") selectFrame(state.frame - 1);
    else if (k === ".") selectFrame(state.frame + 1);
    else if (/^[1-9]$/.test(k)) selectFrame(Number(k) - 1);
    else handled = false;
    if (handled) ev.preventDefault();
  }

  async function init() {
    const params = new URLSearchParams(location.search);
    const who = params.get("annotator") || localStorage.getItem("spacevista-review-annotator") || settings.annotator || "";
    $("annotator").value = who;
    $("annotator").addEventListener("change", () => {
      localStorage.setItem("spacevista-review-annotator", $("annotator").value.trim());
      loadJudgements().then(renderItem);
    });
    $("btn-accept").addEventListener("click", () => judge("accept"));
    $("btn-reject").addEventListener("click", () => judge("reject"));
    $("btn-prev").addEventListener("click", () => show(state.index - 1));
    $("btn-next").addEventListener("click", () => show(state.index + 1));
    $("btn-open").addEventListener("click", () => { const i = nextUnjudged(state.index); if (i >= 0) show(i); });
    $("comment").maxLength = settings.max_comment;
    document.addEventListener("keydown", onKey);
    try {
      const res = await api("/api/items");
      state.items = res.items;
    } catch (e) {
      $("question").textContent = "Cannot load the sample: " + e.message;
      return;
    }
    await loadJudgements();
    const first = state.items.findIndex((i) => !state.judgements[i.id]);
    show(first >= 0 ? first : 0);
    document.body.dataset.ready = "1";
  }

  init();
})();
