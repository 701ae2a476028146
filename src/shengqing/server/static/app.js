// shengqing WebUI: no framework, no CDN. Talks to POST /tts; MP3 streams into <audio> through MediaSource.
"use strict";

const $ = (id) => document.getElementById(id);
const MIME = { mp3: "audio/mpeg", wav: "audio/wav", flac: "audio/flac", opus: "audio/ogg", pcm: "audio/wav" };
const EXT = { mp3: "mp3", wav: "wav", flac: "flac", opus: "opus", pcm: "pcm" };
const EMOTION_LABEL = {};
const state = { maxChars: 2000, maxCharsStream: 20000, authRequired: false, busy: false, history: [] };
const SLIDERS = {
  intensity: (v) => Number(v).toFixed(1),
  speed: (v) => Number(v).toFixed(2).replace(/0$/, "") + "×",
  pitch: (v) => (v > 0 ? "+" : "") + v + " 半音",
  volume: (v) => Number(v).toFixed(1),
};
const DEFAULTS = { intensity: "1", speed: "1", pitch: "0", volume: "1" };

function showError(message) {
  const box = $("error");
  box.textContent = message;
  box.hidden = !message;
}

function updateCount() {
  const n = [...$("text").value].length;
  const limit = $("format").value === "mp3" && canStream() ? state.maxCharsStream : state.maxChars;
  $("count").textContent = `${n} / ${limit}`;
  $("count").style.color = n > limit ? "var(--err)" : "";
}

function canStream() {
  return "MediaSource" in window && MediaSource.isTypeSupported("audio/mpeg");
}

function explain(status, body, headers) {
  const err = (body && body.error) || {};
  const retry = headers.get("Retry-After");
  switch (err.code) {
    case "nothing_to_say": return "没有可朗读的内容：请输入中文、数字或字母（纯表情或标点无法朗读）。";
    case "text_too_long": return `文本太长（${err.value} 字）。${err.hint ? "提示：" + err.hint : ""}`;
    case "overloaded": case "not_ready":
      return `服务器繁忙，请${retry ? ` ${retry} 秒后` : "稍后"}重试。`;
    case "timeout": return "合成超时：文本太长或服务器繁忙，请缩短文本后重试。";
    case "unauthorized":
      $("key-field").hidden = false;
      return "需要有效的 API 密钥：请在“API 密钥”一栏填写后重试。";
    case "invalid_option": return `参数无效（${err.param || err.field}）：${err.message}${err.hint ? "；" + err.hint : ""}`;
    default:
      return `合成失败（HTTP ${status}）：${err.message || "未知错误"}`;
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
  $("stat-first").textContent = fmtSeconds(s.first);
  $("stat-total").textContent = fmtSeconds(s.total);
  $("stat-duration").textContent = s.duration ? `${s.duration.toFixed(2)} s` : "–";
  $("stat-rtf").textContent = s.rtf != null ? s.rtf.toFixed(3) : "–";
  $("stat-cache").textContent = s.cache === "hit" ? "命中" : s.cache === "miss" ? "未命中" : "–";
}

function setDownload(url, name) {
  const a = $("download");
  a.href = url; a.download = name;
  a.classList.remove("disabled"); a.setAttribute("aria-disabled", "false");
}

async function streamIntoPlayer(response, player, t0, stats) {
  // MP3 chunks go into a MediaSource as they arrive: playback starts with the first phrase.
  const media = new MediaSource();
  player.src = URL.createObjectURL(media);
  await new Promise((resolve) => media.addEventListener("sourceopen", resolve, { once: true }));
  const buffer = media.addSourceBuffer("audio/mpeg");
  buffer.mode = "sequence";
  const parts = [];
  const pending = [];
  const pump = () => { if (!buffer.updating && pending.length) buffer.appendBuffer(pending.shift()); };
  buffer.addEventListener("updateend", pump);
  const reader = response.body.getReader();
  let started = false;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    if (!value.length) continue;
    if (stats.first == null) { stats.first = (performance.now() - t0) / 1000; setStats(stats); }
    parts.push(value); pending.push(value); pump();
    if (!started) { started = true; player.play().catch(() => {}); }
  }
  while (pending.length || buffer.updating) await new Promise((r) => setTimeout(r, 20));
  if (media.readyState === "open") media.endOfStream();
  return new Blob(parts, { type: "audio/mpeg" });
}

async function synthesize() {
  if (state.busy) return;
  showError("");
  const text = $("text").value;
  if (!text.trim()) { showError("请输入要合成的文本。"); $("text").focus(); return; }
  const fmt = $("format").value;
  const stream = fmt === "mp3" && canStream();
  const limit = stream ? state.maxCharsStream : state.maxChars;
  const n = [...text].length;
  if (n > limit) {
    showError(`文本太长（${n} 字），${stream ? "" : "非流式"}上限 ${limit} 字。` +
      (stream ? "请分段合成。" : "请选择 MP3（边合成边播放）或缩短文本。"));
    return;
  }
  state.busy = true;
  const button = $("synth");
  button.disabled = true; button.textContent = "合成中…";
  const player = $("player");
  const t0 = performance.now();
  const stats = { first: null };
  setStats(stats);
  try {
    const response = await fetch("/tts", { method: "POST", headers: headers(), body: JSON.stringify(requestBody(fmt, stream)) });
    if (!response.ok) {
      let body = null;
      try { body = await response.json(); } catch (e) { body = null; }
      showError(explain(response.status, body, response.headers));
      return;
    }
    stats.cache = response.headers.get("X-Cache");
    let blob;
    if (stream && response.body) {
      blob = await streamIntoPlayer(response, player, t0, stats);
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
    showError("无法连接服务器：" + e.message);
  } finally {
    state.busy = false;
    button.disabled = false; button.textContent = "合成";
  }
}

function addHistory(item) {
  state.history.unshift(item);
  for (const old of state.history.splice(10)) URL.revokeObjectURL(old.url);
  renderHistory();
}

function renderHistory() {
  const list = $("history");
  list.replaceChildren();
  if (!state.history.length) {
    const li = document.createElement("li");
    li.className = "muted empty"; li.textContent = "还没有合成记录。";
    list.append(li); return;
  }
  for (const item of state.history) {
    const li = document.createElement("li");
    const what = document.createElement("div"); what.className = "what";
    const p = document.createElement("p"); p.textContent = item.text; p.title = item.text;
    const meta = document.createElement("div"); meta.className = "meta";
    meta.textContent = `${EMOTION_LABEL[item.emotion] || item.emotion} · ${item.fmt.toUpperCase()} · ${item.duration ? item.duration.toFixed(2) + " s" : ""}`;
    what.append(p, meta);
    const ops = document.createElement("div"); ops.className = "ops";
    const play = document.createElement("button"); play.type = "button"; play.className = "ghost small"; play.textContent = "重放";
    play.addEventListener("click", () => { const pl = $("player"); pl.src = item.playUrl; pl.play().catch(() => {}); setDownload(item.url, item.name); });
    const dl = document.createElement("a"); dl.className = "button ghost small"; dl.textContent = "下载"; dl.href = item.url; dl.download = item.name;
    ops.append(play, dl);
    li.append(what, ops);
    list.append(li);
  }
}

async function loadConfig() {
  try {
    const cfg = await (await fetch("/v1/ui-config")).json();
    state.maxChars = cfg.max_chars; state.maxCharsStream = cfg.max_chars_stream; state.authRequired = cfg.auth_required;
    $("version").textContent = `shengqing ${cfg.version}`;
    $("key-field").hidden = !cfg.auth_required;
    updateCount();
  } catch (e) { /* keep defaults */ }
  try {
    const data = await (await fetch("/v1/emotions")).json();
    const select = $("emotion");
    select.replaceChildren();
    for (const e of data.emotions) {
      EMOTION_LABEL[e.name] = e.label;
      const option = document.createElement("option");
      option.value = e.name; option.textContent = e.label === e.name ? e.name : `${e.label}（${e.name}）`;
      select.append(option);
    }
  } catch (e) { /* the static list in the page stays */ }
}

async function pollReady() {
  const badge = $("status");
  try {
    const r = await fetch("/readyz");
    if (r.ok) { badge.textContent = "就绪"; badge.className = "badge badge-ok"; return; }
    badge.textContent = "模型加载中…"; badge.className = "badge badge-wait";
  } catch (e) { badge.textContent = "未连接"; badge.className = "badge badge-err"; }
  setTimeout(pollReady, 1500);
}

function init() {
  for (const opt of $("emotion").options) EMOTION_LABEL[opt.value] = opt.textContent;
  for (const [name, show] of Object.entries(SLIDERS)) {
    const input = $(name);
    const paint = () => { $(name + "-out").textContent = show(input.value); };
    input.addEventListener("input", paint); paint();
  }
  $("text").addEventListener("input", () => { updateCount(); if ($("text").value.trim()) showError(""); });
  $("format").addEventListener("change", updateCount);
  for (const chip of document.querySelectorAll(".chip")) {
    chip.addEventListener("click", () => { $("text").value = chip.dataset.text; $("emotion").value = chip.dataset.emotion; updateCount(); showError(""); });
  }
  $("synth").addEventListener("click", synthesize);
  $("text").addEventListener("keydown", (e) => { if (e.key === "Enter" && (e.ctrlKey || e.metaKey)) synthesize(); });
  $("reset").addEventListener("click", () => {
    for (const [name, value] of Object.entries(DEFAULTS)) { $(name).value = value; $(name).dispatchEvent(new Event("input")); }
    $("emotion").value = "neutral";
  });
  $("clear-history").addEventListener("click", () => { for (const i of state.history) URL.revokeObjectURL(i.url); state.history = []; renderHistory(); });
  const saved = localStorage.getItem("shengqing-key");
  if (saved) $("apikey").value = saved;
  updateCount();
  loadConfig();
  pollReady();
}

init();
