// Streams an MP3 response into <audio> through MediaSource, however long it is.
//
// A SourceBuffer holds only so much (Chromium: 12 MB of audio, ~20 min of our MP3). When an append fails
// with QuotaExceededError, the part already played is removed; if nothing has been played yet, the append
// waits for playback to move on. Reading from the network pauses meanwhile, which also slows the server.
// While reading pauses, the network piles up data, and the next read can return megabytes at once (a
// cached response always does): more than the buffer can take even when all played audio is removed, so
// playback would wait for data that waits for playback. Reads are therefore appended in small slices.
"use strict";

const KEEP_BEHIND_S = 5; // played audio kept for a small seek back
const SLICE_BYTES = 64 * 1024; // ≈ 6 s of our MP3: fits beside KEEP_BEHIND_S under any browser's quota

class StreamStopped extends Error {}

function untilEvent(target, name, signal) {
  return new Promise((resolve, reject) => {
    const done = () => { signal && signal.removeEventListener("abort", stop); resolve(); };
    const stop = () => { target.removeEventListener(name, done); reject(new StreamStopped("stopped")); };
    if (signal && signal.aborted) { stop(); return; }
    target.addEventListener(name, done, { once: true });
    signal && signal.addEventListener("abort", stop, { once: true });
  });
}

// Removes what is more than KEEP_BEHIND_S behind the playhead; false when nothing could be removed.
async function trimPlayed(buffer, player, signal) {
  const until = player.currentTime - KEEP_BEHIND_S;
  if (!buffer.buffered.length || buffer.buffered.start(0) >= until) return false;
  buffer.remove(buffer.buffered.start(0), until);
  await untilEvent(buffer, "updateend", signal);
  return true;
}

async function appendAll(buffer, player, chunk, signal) {
  for (;;) {
    try {
      buffer.appendBuffer(chunk);
      await untilEvent(buffer, "updateend", signal);
      return;
    } catch (e) {
      if (e.name !== "QuotaExceededError") throw e;
      if (!(await trimPlayed(buffer, player, signal))) await untilEvent(player, "timeupdate", signal);
    }
  }
}

// Plays `response` (audio/mpeg) while it arrives; resolves to the whole MP3 as a Blob.
// `onFirstBytes` is called once; `signal` aborts (Stop). Network errors reject with their own error.
async function streamMp3(response, player, { onFirstBytes, signal }) {
  const media = new MediaSource();
  player.src = URL.createObjectURL(media);
  await untilEvent(media, "sourceopen", signal);
  const buffer = media.addSourceBuffer("audio/mpeg");
  buffer.mode = "sequence";
  const parts = [];
  const reader = response.body.getReader();
  let started = false;
  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      if (!value.length) continue;
      if (!started) { started = true; onFirstBytes(); }
      parts.push(value);
      for (let at = 0; at < value.length; at += SLICE_BYTES) {
        await appendAll(buffer, player, value.subarray(at, at + SLICE_BYTES), signal);
      }
      if (parts.length === 1) player.play().catch(() => {});
    }
  } catch (e) {
    reader.cancel().catch(() => {});
    throw e;
  }
  if (media.readyState === "open") media.endOfStream();
  return new Blob(parts, { type: "audio/mpeg" });
}

window.ShengqingPlayer = { streamMp3, StreamStopped };
