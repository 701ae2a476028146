// shengqing WebUI karaoke: with "跟读高亮" on, the synth button asks POST /tts/captioned, plays the audio and
// highlights each character of the text as it is heard (times from the model's durations); the subtitles
// (SRT, WebVTT, JSON) can be downloaded. Self-contained: it reads the form's fields by id and adds its own DOM.
(function () {
  "use strict";
  const $ = (id) => document.getElementById(id);
  const MIME = { mp3: "audio/mpeg", wav: "audio/wav", flac: "audio/flac", opus: "audio/ogg" };
  let current = null; // {chars: [...], spans: [...]} of the text on screen
  let frame = 0;
  let ownSrc = ""; // the audio this script put into the player

  function build() {
    const player = $("player");
    if (!player || $("karaoke")) return;
    const toggle = document.createElement("label");
    toggle.className = "karaoke-toggle";
    toggle.innerHTML = '<input id="karaoke-on" type="checkbox"> <span>跟读高亮与字幕（逐字时间戳）</span>';
    const actions = document.querySelector(".actions");
    (actions || player.parentNode).appendChild(toggle);
    const box = document.createElement("div");
    box.id = "karaoke";
    box.hidden = true;
    box.innerHTML = '<p id="karaoke-text" class="karaoke-text" lang="zh-CN" aria-live="off"></p>' +
      '<p class="karaoke-links"><span class="muted">下载字幕：</span>' +
      '<a id="sub-srt" class="button ghost small" download="shengqing.srt" href="#">SRT</a> ' +
      '<a id="sub-vtt" class="button ghost small" download="shengqing.vtt" href="#">WebVTT</a> ' +
      '<a id="sub-json" class="button ghost small" download="shengqing.json" href="#">JSON</a></p>';
    player.insertAdjacentElement("afterend", box);
    const style = document.createElement("style");
    style.textContent = ".karaoke-text{font-size:1.35rem;line-height:2;margin:.8rem 0;white-space:pre-wrap}" +
      ".karaoke-text span.k{border-radius:4px;padding:0 1px;transition:background .08s}" +
      ".karaoke-text span.k.done{color:#1f6f43}" +
      ".karaoke-text span.k.now{background:#ffd54f;color:#000}" +
      ".karaoke-toggle{display:inline-flex;gap:.4rem;align-items:center;margin-left:.8rem;cursor:pointer}";
    document.head.appendChild(style);
    $("synth").addEventListener("click", onSynth, true); // before app.js's own handler
    player.addEventListener("play", tick);
    player.addEventListener("seeked", paint);
    player.addEventListener("emptied", () => { if (player.src !== ownSrc) clear(); }); // app.js played something else
  }

  function clear() {
    current = null;
    $("karaoke").hidden = true;
  }

  function body() {
    const fmt = $("format").value === "pcm" ? "wav" : $("format").value;
    const num = (id) => Number($(id).value);
    return { text: $("text").value, emotion: $("emotion").value, intensity: num("intensity"), speed: num("speed"),
             pitch: num("pitch"), volume: num("volume"), format: fmt };
  }

  function headers() {
    const h = { "Content-Type": "application/json" };
    const key = $("apikey") && $("apikey").value.trim();
    if (key) h.Authorization = "Bearer " + key;
    return h;
  }

  function showError(message) {
    const box = $("error");
    if (!box) return;
    box.textContent = message;
    box.hidden = !message;
  }

  async function onSynth(event) {
    if (!$("karaoke-on").checked) return;
    event.stopImmediatePropagation();
    event.preventDefault();
    const request = body();
    if (!request.text.trim()) { showError("请输入要朗读的文本。"); return; }
    const button = $("synth");
    button.disabled = true;
    showError("");
    const t0 = performance.now();
    try {
      const response = await fetch("/tts/captioned", { method: "POST", headers: headers(), body: JSON.stringify(request) });
      const doc = await response.json();
      if (!response.ok) {
        const err = doc.error || {};
        showError(`${err.message || response.status}${err.hint ? "（" + err.hint + "）" : ""}`);
        return;
      }
      show(request.text, doc, (performance.now() - t0) / 1000);
    } catch (e) {
      showError("请求失败：" + e);
    } finally {
      button.disabled = false;
    }
  }

  function blobUrl(text, type) { return URL.createObjectURL(new Blob([text], { type })); }

  function show(text, doc, seconds) {
    const bytes = Uint8Array.from(atob(doc.audio), (c) => c.charCodeAt(0));
    const player = $("player");
    if (ownSrc) URL.revokeObjectURL(ownSrc);
    ownSrc = URL.createObjectURL(new Blob([bytes], { type: MIME[doc.format] || doc.content_type }));
    player.src = ownSrc;
    const chars = doc.timestamps.characters;
    const out = $("karaoke-text");
    out.textContent = "";
    const spans = [];
    let at = 0;
    for (const c of chars) {
      if (c.char_start > at) out.appendChild(document.createTextNode(text.slice(at, c.char_start)));
      const span = document.createElement("span");
      span.className = "k";
      span.textContent = text.slice(c.char_start, c.char_end);
      span.title = `${c.readings.join(" ")} · ${c.start.toFixed(3)}–${c.end.toFixed(3)} s`;
      out.appendChild(span);
      spans.push(span);
      at = Math.max(at, c.char_end);
    }
    if (at < text.length) out.appendChild(document.createTextNode(text.slice(at)));
    current = { chars, spans };
    $("sub-srt").href = blobUrl(doc.subtitles.srt, "application/x-subrip");
    $("sub-vtt").href = blobUrl(doc.subtitles.vtt, "text/vtt");
    $("sub-json").href = blobUrl(JSON.stringify(doc.timestamps, null, 1), "application/json");
    $("karaoke").hidden = false;
    const stat = (id, value) => { if ($(id)) $(id).textContent = value; };
    stat("stat-total", `${seconds.toFixed(2)} s`);
    stat("stat-duration", `${doc.duration.toFixed(2)} s`);
    stat("stat-rtf", (doc.synthesis_seconds / Math.max(doc.duration, 1e-9)).toFixed(3));
    stat("stat-cache", "–");
    paint();
    player.play().catch(() => {});
  }

  function paint() {
    if (!current) return;
    const t = $("player").currentTime;
    current.chars.forEach((c, i) => {
      const span = current.spans[i];
      span.classList.toggle("now", c.start <= t && t < c.end);
      span.classList.toggle("done", c.end <= t);
    });
  }

  function tick() {
    cancelAnimationFrame(frame);
    const step = () => {
      paint();
      if (!$("player").paused) frame = requestAnimationFrame(step);
    };
    step();
  }

  window.shengqingKaraoke = { show, paint }; // for tests and other pages
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", build);
  else build();
})();
