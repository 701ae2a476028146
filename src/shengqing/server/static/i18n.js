// shengqing WebUI messages: Chinese by default, English on request (the 中文/English toggle, kept in localStorage).
"use strict";

const MESSAGES = {
  zh: {
    title: "声情 · 中文多情感语音合成", tagline: "离线中文多情感语音合成", langToggle: "English",
    langToggleLabel: "Switch to English", text: "文本", textLabel: "要朗读的文本",
    placeholder: "在这里输入要朗读的中文，例如：你好，欢迎使用语音合成服务。", samples: "示例句子", samplesLead: "示例：",
    emotion: "情感", format: "格式", intensity: "情感强度", speed: "语速", pitch: "音调", volume: "音量",
    apiKey: "API 密钥", apiKeyPlaceholder: "服务器要求密钥：Bearer …", synth: "合成", synthBusy: "合成中…",
    stop: "停止", reset: "重置参数", player: "播放", playerLabel: "合成的语音", download: "下载",
    first: "首包延迟", total: "总耗时", duration: "音频时长", rtf: "RTF", cache: "缓存", hit: "命中", miss: "未命中",
    history: "最近合成", clear: "清空", clearLabel: "清空最近合成", empty: "还没有合成记录。", replay: "重放",
    docs: "API 文档", info: "环境指纹", offline: "全部离线运行",
    statusLabel: "服务状态", connecting: "连接中…", ready: "就绪", loading: "模型加载中…", disconnected: "未连接",
    semitones: "半音", streamFormat: "MP3（边合成边播放）", pcmFormat: "PCM（16 位 24 kHz）",
    emptyText: "请输入要合成的文本。",
    tooLong: "文本太长（{n} 字），{kind}上限 {limit} 字。{tip}", nonStream: "非流式",
    tipStream: "请分段合成。", tipNonStream: "请选择 MP3（边合成边播放）或缩短文本。",
    nothingToSay: "没有可朗读的内容：请输入中文、数字或字母（纯表情或标点无法朗读）。",
    textTooLongServer: "文本太长（{value} 字）：非流式请求上限较低，请选择 MP3（边合成边播放）或缩短文本。",
    busy: "服务器繁忙，请{when}重试。", busyIn: " {s} 秒后", busyLater: "稍后",
    timeout: "合成超时：文本太长或服务器繁忙，请缩短文本后重试。",
    unauthorized: "需要有效的 API 密钥：请在“API 密钥”一栏填写后重试。",
    invalidOption: "参数无效：{field}{range}。", range: "（允许 {low} 到 {high}）",
    invalidSsml: "SSML 有误：{message}", unsupportedFormat: "不支持的音频格式：{value}。",
    overBudget: "请求的音频太长（超过服务器允许的时长），请缩短文本或停顿。",
    bodyTooLarge: "请求太大，请缩短文本。", modelUnavailable: "服务器的语音模型不可用，请联系管理员。",
    shuttingDown: "服务器正在关闭，请稍后重试。",
    failed: "合成失败（HTTP {status}{code}）。",
    cannotConnect: "无法连接服务器：请检查网络或服务器是否在运行。",
    interrupted: "连接中断：已播放的部分保留，其余未收到。请重试。",
    playbackError: "浏览器播放出错（{name}）：请换用 WAV 格式重试。",
    stopped: "已停止：服务器已停止合成。",
    fieldNames: { text: "文本", emotion: "情感", intensity: "情感强度", speed: "语速", pitch: "音调",
                  volume: "音量", format: "格式", voice: "声音", ssml: "SSML" },
    emotions: { neutral: "中性", happy: "开心", sad: "悲伤", angry: "生气", fear: "害怕", hate: "厌恶",
                surprise: "惊讶", gentle: "温柔", serious: "严肃" },
  },
  en: {
    title: "shengqing · Chinese multi-emotion TTS", tagline: "Offline Chinese multi-emotion text-to-speech",
    langToggle: "中文", langToggleLabel: "切换到中文", text: "Text", textLabel: "Text to speak",
    placeholder: "Type Chinese text to read aloud, e.g. 你好，欢迎使用语音合成服务。", samples: "Sample sentences",
    samplesLead: "Samples:", emotion: "Emotion", format: "Format", intensity: "Intensity", speed: "Speed",
    pitch: "Pitch", volume: "Volume", apiKey: "API key", apiKeyPlaceholder: "The server needs a key: Bearer …",
    synth: "Synthesize", synthBusy: "Synthesizing…", stop: "Stop", reset: "Reset", player: "Player",
    playerLabel: "Synthesized speech", download: "Download", first: "First audio", total: "Total time",
    duration: "Audio length", rtf: "RTF", cache: "Cache", hit: "hit", miss: "miss", history: "Recent",
    clear: "Clear", clearLabel: "Clear recent syntheses", empty: "Nothing synthesized yet.", replay: "Replay",
    docs: "API docs", info: "Environment", offline: "runs fully offline",
    statusLabel: "Server status", connecting: "Connecting…", ready: "Ready", loading: "Loading model…",
    disconnected: "Not connected", semitones: "st", streamFormat: "MP3 (plays while synthesizing)",
    pcmFormat: "PCM (16-bit 24 kHz)", emptyText: "Please enter some text to synthesize.",
    tooLong: "The text is too long ({n} characters); the {kind}limit is {limit}. {tip}", nonStream: "non-streaming ",
    tipStream: "Please split it.", tipNonStream: "Choose MP3 (plays while synthesizing) or shorten the text.",
    nothingToSay: "Nothing to read: enter Chinese, digits or letters (emoji or punctuation alone cannot be read).",
    textTooLongServer: "The text is too long ({value} characters) for a non-streaming request: choose MP3 or shorten it.",
    busy: "The server is busy, please retry {when}.", busyIn: "in {s} s", busyLater: "later",
    timeout: "Synthesis timed out: the text is too long or the server is busy. Shorten the text and retry.",
    unauthorized: "A valid API key is required: fill in “API key” and retry.",
    invalidOption: "Invalid {field}{range}.", range: " (allowed: {low} to {high})",
    invalidSsml: "SSML error: {message}", unsupportedFormat: "Unsupported audio format: {value}.",
    overBudget: "The requested audio is too long for this server: shorten the text or its pauses.",
    bodyTooLarge: "The request is too large: shorten the text.",
    modelUnavailable: "The server's voice model is unavailable; contact its administrator.",
    shuttingDown: "The server is shutting down; retry later.",
    failed: "Synthesis failed (HTTP {status}{code}).",
    cannotConnect: "Cannot connect to the server: check the network or whether the server is running.",
    interrupted: "The connection broke off: what has played is kept, the rest did not arrive. Please retry.",
    playbackError: "The browser could not play the audio ({name}): retry with WAV.",
    stopped: "Stopped: the server stopped synthesizing.",
    fieldNames: { text: "text", emotion: "emotion", intensity: "intensity", speed: "speed", pitch: "pitch",
                  volume: "volume", format: "format", voice: "voice", ssml: "SSML" },
    emotions: { neutral: "neutral", happy: "happy", sad: "sad", angry: "angry", fear: "fear", hate: "hate",
                surprise: "surprise", gentle: "gentle", serious: "serious" },
  },
};

const I18N = {
  lang: localStorage.getItem("shengqing-lang") === "en" ? "en" : "zh",
  t(key, params = {}) {
    const text = MESSAGES[this.lang][key] ?? MESSAGES.zh[key] ?? key;
    return typeof text === "string" ? text.replace(/\{(\w+)\}/g, (_, name) => params[name] ?? "") : text;
  },
  // Elements carry data-i18n (text), data-i18n-placeholder, data-i18n-label (aria-label), data-i18n-title.
  apply(root = document) {
    document.documentElement.lang = this.lang === "zh" ? "zh-CN" : "en";
    document.title = this.t("title");
    for (const el of root.querySelectorAll("[data-i18n]")) el.textContent = this.t(el.dataset.i18n);
    for (const el of root.querySelectorAll("[data-i18n-placeholder]")) el.placeholder = this.t(el.dataset.i18nPlaceholder);
    for (const el of root.querySelectorAll("[data-i18n-label]")) el.setAttribute("aria-label", this.t(el.dataset.i18nLabel));
    for (const el of root.querySelectorAll("[data-i18n-title]")) el.title = this.t(el.dataset.i18nTitle);
  },
  toggle() {
    this.lang = this.lang === "zh" ? "en" : "zh";
    localStorage.setItem("shengqing-lang", this.lang);
    this.apply();
  },
};
