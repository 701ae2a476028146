// shengqing WebUI: no framework, no CDN. Talks to POST /tts; MP3 streams into <audio> (player.js).
"use strict";

const $ = (id) => document.getElementById(id);
const t = (key, params) => I18N.t(key, params);
const MIME = { mp3: "audio/mpeg", wav: "audio/wav", flac: "audio/flac", opus: "audio/ogg", pcm: "audio/wav" };
const EXT = { mp3: "mp3", wav: "wav", flac: "flac", opus: "opus", pcm: "pcm" };
const state = { maxChars: 2000, maxCharsStream: 20000, ranges: {}, busy: null, history: [], emotions: [],
                lastStats: { first: null } };
const SLIDERS = {
  intensity: (v) => Number(v).toFixed(1),
  speed: (v) => Number(v).toFixed(2).replace(/0$/, "") + "×",
  pitch: (v) => (v > 0 ? "+" : "") + v + " " + t("semitones"),
  volume: (v) => Number(v).toFixed(1),
};
const DEFAULTS = { intensity: "1", speed: "1", pitch: "0", volume: "1" };

function showError(message) {
  const box = $("error");
  box.textContent = message;
  box.hidden = !message;
  if (message) showNotice("");
}

function showNotice(message) {
  $("notice").textContent = message;
  $("notice").hidden = !message;
}

function canStream() {
  return "MediaSource" in window && MediaSource.isTypeSupported("audio/mpeg");
}

function limitFor(fmt) { return fmt === "mp3" && canStream() ? state.maxCharsStream : state.maxChars; }

function updateCount() {
  const n = [...$("text").value].length;
  const limit = limitFor($("format").value);
  $("count").textContent = `${n} / ${limit}`;
  $("count").style.color = n > limit ? "var(--err)" : "";
}

function emotionLabel(name) { return (I18N.t("emotions") || {})[name] || name; }

// Server errors are explained from their code and field, never shown in the server's own English.
function explain(status, body, headers) {
  const err = (body && body.error) || {};
  const field = err.param || err.field;
  switch (err.code) {
    case "nothing_to_say": return t("nothingToSay");
    case "text_too_long": return t("textTooLongServer", { value: err.value ?? "" });
    case "overloaded": case "not_ready": case "model_unavailable": {
      if (err.code === "model_unavailable" && status !== 503) return t("modelUnavailable");
      const retry = headers.get("Retry-After");
      return t("busy", { when: retry ? t("busyIn", { s: retry }) : t("busyLater") });
    }
    case "shutting_down": return t("shuttingDown");
    case "timeout": return t("timeout");
    case "unauthorized":
      $("key-field").hidden = false;
      return t("unauthorized");
    case "invalid_option": case "invalid_request": {
      const range = state.ranges[field];
      return t("invalidOption", { field: (t("fieldNames") || {})[field] || field || "",
                                  range: range ? t("range", { low: range[0], high: range[1] }) : "" });
    }
    case "invalid_ssml": return t("invalidSsml", { message: err.message || "" });
    case "unsupported_format": return t("unsupportedFormat", { value: err.value ?? "" });
    case "over_budget": return t("overBudget");
    case "body_too_large": return t("bodyTooLarge");
    case "model_not_installed": case "model_corrupt": case "not_reproducible": case "engine_closed":
      return t("modelUnavailable");
    default:
      return t("failed", { status, code: err.code ? `, ${err.code}` : "" });
  }
}

function requestBody(fmt, stream) {
  return {
    text: $("text").value, emotion: $("emotion").value, intensity: Number($("intensity").value),
    speed: Number($("speed").value), pitch: Number($("pitch").value), volume: Number($("volume").value),
    format: fmt, stream,
  };
}

function headers() {
  const h = { "Content-Type": "application/json" };
  const key = $("apikey").value.trim();
  if (key) { h.Authorization = "Bearer " + key; localStorage.setItem("shengqing-key", key); }
  return h;
}

function wavFromPcm(pcm) {
  const header = new DataView(new ArrayBuffer(44));
  const put = (o, s) => [...s].forEach((c, i) => header.setUint8(o + i, c.charCodeAt(0)));
  put(0, "RIFF"); header.setUint32(4, 36 + pcm.byteLength, true); put(8, "WAVEfmt ");
  header.setUint32(16, 16, true); header.setUint16(20, 1, true); header.setUint16(22, 1, true);
  header.setUint32(24, 24000, true); header.setUint32(28, 48000, true); header.setUint16(32, 2, true);
  header.setUint16(34, 16, true); put(36, "data"); header.setUint32(40, pcm.byteLength, true);
  return new Blob([header.buffer, pcm], { type: "audio/wav" });
}

function fmtSeconds(s) { return s == null || isNaN(s) ? "–" : s < 1 ? `${Math.round(s * 1000)} ms` : `${s.toFixed(2)} s`; }

function setStats(s) {
  state.lastStats = s;
  $("stat-first").textContent = fmtSeconds(s.first);
  $("stat-total").textContent = fmtSeconds(s.total);
  $("stat-duration").textContent = s.duration ? `${s.duration.toFixed(2)} s` : "–";
  $("stat-rtf").textContent = s.rtf != null ? s.rtf.toFixed(3) : "–";
  $("stat-cache").textContent = s.cache === "hit" ? t("hit") : s.cache === "miss" ? t("miss") : "–";
}

function setDownload(url, name) {
  const a = $("download");
  if (url) {
    a.href = url; a.download = name;
    a.classList.remove("disabled"); a.setAttribute("aria-disabled", "false");
  } else {  // nothing to download: no href at all (an empty or "#" href would download the page)
    a.removeAttribute("href"); a.removeAttribute("download");
    a.classList.add("disabled"); a.setAttribute("aria-disabled", "true");
  }
}

function setBusy(controller) {
  state.busy = controller;
  const button = $("synth");
  button.disabled = !!controller;
  button.textContent = t(controller ? "synthBusy" : "synth");
  $("stop").disabled = !controller;
}

async function synthesize() {
  if (state.busy) return;
  showError(""); showNotice("");
  const text = $("text").value;
  if (!text.trim()) { showError(t("emptyText")); $("text").focus(); return; }
  const fmt = $("format").value;
  const stream = fmt === "mp3" && canStream();
  const limit = limitFor(fmt);
  const n = [...text].length;
  if (n > limit) {
    showError(t("tooLong", { n, limit, kind: stream ? "" : t("nonStream"),
                             tip: t(stream ? "tipStream" : "tipNonStream") }));
    return;
  }
  const controller = new AbortController();
  setBusy(controller);
  const player = $("player");
  const t0 = performance.now();
  const stats = { first: null };
  setStats(stats);
  let response;
  try {
    response = await fetch("/tts", { method: "POST", headers: headers(), signal: controller.signal,
                                     body: JSON.stringify(requestBody(fmt, stream)) });
  } catch (e) {
    setBusy(null);
    if (controller.signal.aborted) showNotice(t("stopped")); else showError(t("cannotConnect"));
    return;
  }
  try {
    if (!response.ok) {
      let body = null;
      try { body = await response.json(); } catch (e) { body = null; }
      showError(explain(response.status, body, response.headers));
      return;
    }
    stats.cache = response.headers.get("X-Cache");
    let blob;
    if (stream && response.body) {
      const onFirstBytes = () => { stats.first = (performance.now() - t0) / 1000; setStats(stats); };
      blob = await ShengqingPlayer.streamMp3(response, player, { onFirstBytes, signal: controller.signal });
    } else {
      const data = await response.arrayBuffer();
      stats.first = (performance.now() - t0) / 1000;
      blob = fmt === "pcm" ? wavFromPcm(data) : new Blob([data], { type: MIME[fmt] });
      player.src = URL.createObjectURL(blob);
      player.play().catch(() => {});
      if (fmt === "pcm") blob = new Blob([data], { type: "application/octet-stream" });
    }
    stats.total = (performance.now() - t0) / 1000;
    const header = Number(response.headers.get("X-Audio-Duration"));
    stats.duration = header || (isFinite(player.duration) ? player.duration : null);
    const rtf = response.headers.get("X-RTF");
    stats.rtf = rtf ? Number(rtf) : stats.duration ? stats.total / stats.duration : null;
    setStats(stats);
    const url = URL.createObjectURL(blob);
    const name = `shengqing-${Date.now()}.${EXT[fmt]}`;
    setDownload(url, name);
    addHistory({ text, emotion: $("emotion").value, fmt, url, name, duration: stats.duration,
                 playUrl: fmt === "pcm" ? player.src : url });
  } catch (e) {
    if (controller.signal.aborted) { player.pause(); showNotice(t("stopped")); }
    else if (e instanceof TypeError) showError(t("interrupted"));  // the body stream broke off
    else showError(t("playbackError", { name: e.name || e.message }));
  } finally {
    setBusy(null);
  }
}

function stop() {
  if (state.busy) state.busy.abort();  // closes the connection: the server stops after the current phrase
}

function addHistory(item) {
  state.history.unshift(item);
  for (const old of state.history.splice(10)) URL.revokeObjectURL(old.url);
  renderHistory();
}

function clearHistory() {
  const current = $("download").getAttribute("href");
  for (const item of state.history) URL.revokeObjectURL(item.url);
  if (state.history.some((item) => item.url === current || item.playUrl === $("player").src)) {
    const player = $("player");
    player.pause(); player.removeAttribute("src"); player.load();
  }
  if (state.history.some((item) => item.url === current)) setDownload(null);
  state.history = [];
  renderHistory();
}

function renderHistory() {
  const list = $("history");
  list.replaceChildren();
  if (!state.history.length) {
    const li = document.createElement("li");
    li.className = "muted empty"; li.textContent = t("empty");
    list.append(li); return;
  }
  for (const item of state.history) {
    const li = document.createElement("li");
    const what = document.createElement("div"); what.className = "what";
    const p = document.createElement("p"); p.textContent = item.text; p.title = item.text; p.lang = "zh-CN";
    const meta = document.createElement("div"); meta.className = "meta";
    meta.textContent = `${emotionLabel(item.emotion)} · ${item.fmt.toUpperCase()} · ${item.duration ? item.duration.toFixed(2) + " s" : ""}`;
    what.append(p, meta);
    const ops = document.createElement("div"); ops.className = "ops";
    const play = document.createElement("button"); play.type = "button"; play.className = "ghost small"; play.textContent = t("replay");
    play.addEventListener("click", () => { const pl = $("player"); pl.src = item.playUrl; pl.play().catch(() => {}); setDownload(item.url, item.name); });
    const dl = document.createElement("a"); dl.className = "button ghost small"; dl.textContent = t("download"); dl.href = item.url; dl.download = item.name;
    ops.append(play, dl);
    li.append(what, ops);
    list.append(li);
  }
}

function renderEmotions() {
  const select = $("emotion");
  const chosen = select.value;
  if (state.emotions.length) {
    select.replaceChildren();
    for (const name of state.emotions) {
      const option = document.createElement("option");
      option.value = name; option.textContent = emotionLabel(name) === name ? name : `${emotionLabel(name)}（${name}）`;
      select.append(option);
    }
    select.value = chosen || "neutral";
  }
  for (const em of document.querySelectorAll("[data-emotion-label]")) em.textContent = emotionLabel(em.dataset.emotionLabel);
}

function paintSliders() { for (const name of Object.keys(SLIDERS)) $(name + "-out").textContent = SLIDERS[name]($(name).value); }

// Slider ranges are the server's (one source of truth: the ranges it validates against).
function applyRanges(ranges) {
  state.ranges = ranges || {};
  for (const name of Object.keys(SLIDERS)) {
    const range = state.ranges[name];
    if (!range) continue;
    const input = $(name);
    input.min = String(range[0]); input.max = String(range[1]);
  }
  paintSliders();
}

async function loadConfig() {
  try {
    const cfg = await (await fetch("/v1/ui-config")).json();
    state.maxChars = cfg.max_chars; state.maxCharsStream = cfg.max_chars_stream;
    $("version").textContent = `shengqing ${cfg.version}`;
    $("key-field").hidden = !cfg.auth_required;
    applyRanges(cfg.ranges);
    updateCount();
  } catch (e) { /* keep the page's defaults */ }
  try {
    const data = await (await fetch("/v1/emotions")).json();
    state.emotions = data.emotions.map((e) => e.name);
    renderEmotions();
  } catch (e) { /* the static list in the page stays */ }
}

async function pollReady() {
  const badge = $("status");
  try {
    const r = await fetch("/readyz");
    if (r.ok) { badge.dataset.state = "ready"; badge.textContent = t("ready"); badge.className = "badge badge-ok"; return; }
    badge.dataset.state = "loading"; badge.textContent = t("loading"); badge.className = "badge badge-wait";
  } catch (e) { badge.dataset.state = "disconnected"; badge.textContent = t("disconnected"); badge.className = "badge badge-err"; }
  setTimeout(pollReady, 1500);
}

function relabel() {
  I18N.apply();
  const badge = $("status");
  if (badge.dataset.state) badge.textContent = t(badge.dataset.state);
  $("synth").textContent = t(state.busy ? "synthBusy" : "synth");
  renderEmotions(); renderHistory(); paintSliders(); setStats(state.lastStats);
}

function init() {
  for (const name of Object.keys(SLIDERS)) $(name).addEventListener("input", paintSliders);
  $("text").addEventListener("input", () => { updateCount(); if ($("text").value.trim()) showError(""); });
  $("format").addEventListener("change", updateCount);
  for (const chip of document.querySelectorAll(".chip")) {
    chip.addEventListener("click", () => { $("text").value = chip.dataset.text; $("emotion").value = chip.dataset.emotion; updateCount(); showError(""); });
  }
  $("synth").addEventListener("click", synthesize);
  $("stop").addEventListener("click", stop);
  $("text").addEventListener("keydown", (e) => { if (e.key === "Enter" && (e.ctrlKey || e.metaKey)) synthesize(); });
  $("reset").addEventListener("click", () => {
    for (const [name, value] of Object.entries(DEFAULTS)) $(name).value = value;
    paintSliders();
    $("emotion").value = "neutral";
  });
  $("clear-history").addEventListener("click", clearHistory);
  $("lang").addEventListener("click", () => { I18N.toggle(); relabel(); });
  const saved = localStorage.getItem("shengqing-key");
  if (saved) $("apikey").value = saved;
  relabel();
  updateCount();
  loadConfig();
  pollReady();
}

init();
