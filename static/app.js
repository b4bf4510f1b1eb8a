// dynemu console landing page: live server status over /api/v1/events.
// The server pushes {"type":"status", ...} on connect and once a second;
// we send {"type":"ping","id":n} every few seconds to show the round trip.

const $ = (id) => document.getElementById(id);

const RECONNECT_MIN_MS = 1000;
const RECONNECT_MAX_MS = 10000;
const PING_EVERY_MS = 5000;

function formatUptime(seconds) {
  const s = Math.max(0, Math.floor(seconds));
  const d = Math.floor(s / 86400);
  const h = Math.floor((s % 86400) / 3600);
  const m = Math.floor((s % 3600) / 60);
  const pad = (n) => String(n).padStart(2, "0");
  if (d > 0) return `${d}d ${pad(h)}h ${pad(m)}m`;
  if (h > 0) return `${h}h ${pad(m)}m ${pad(s % 60)}s`;
  if (m > 0) return `${m}m ${pad(s % 60)}s`;
  return `${s}s`;
}

function setState(state, text) {
  $("conn").dataset.state = state;
  $("conn-text").textContent = text;
  const el = $("status-state");
  el.dataset.state = state;
  el.textContent = state;
}

function showStatus(status) {
  $("status-version").textContent = status.version;
  $("status-uptime").textContent = formatUptime(status.uptime_s);
  $("status-sessions").textContent = String(status.sessions);
  $("status-clients").textContent = String(status.clients);
  $("status-time").textContent = new Date(status.time).toLocaleTimeString();
  $("footer-version").textContent = `${status.name} ${status.version}`;
}

class EventsChannel {
  constructor(url) {
    this.url = url;
    this.delay = RECONNECT_MIN_MS;
    this.pingId = 0;
    this.pingSent = new Map();
    this.pingTimer = null;
  }

  connect() {
    setState("connecting", "Connecting…");
    const ws = new WebSocket(this.url);
    this.ws = ws;
    ws.addEventListener("open", () => {
      this.delay = RECONNECT_MIN_MS;
      setState("connected", "Connected");
      $("status-hint").textContent = "Live over WebSocket /api/v1/events.";
      this.ping();
      this.pingTimer = setInterval(() => this.ping(), PING_EVERY_MS);
    });
    ws.addEventListener("message", (event) => this.onMessage(event.data));
    ws.addEventListener("close", () => this.onClose());
  }

  ping() {
    if (!this.ws || this.ws.readyState !== WebSocket.OPEN) return;
    const id = ++this.pingId;
    this.pingSent.set(id, performance.now());
    this.ws.send(JSON.stringify({ type: "ping", id }));
  }

  onMessage(data) {
    let msg;
    try {
      msg = JSON.parse(data);
    } catch {
      return;
    }
    if (msg.type === "status") {
      showStatus(msg);
    } else if (msg.type === "pong" && this.pingSent.has(msg.id)) {
      const ms = performance.now() - this.pingSent.get(msg.id);
      this.pingSent.delete(msg.id);
      $("status-rtt").textContent = `${ms.toFixed(1)} ms`;
    }
  }

  onClose() {
    clearInterval(this.pingTimer);
    this.pingSent.clear();
    const seconds = Math.round(this.delay / 1000);
    setState("disconnected", "Disconnected");
    $("status-hint").textContent = `Server unreachable; retrying in ${seconds}s.`;
    $("status-rtt").textContent = "–";
    setTimeout(() => this.connect(), this.delay);
    this.delay = Math.min(this.delay * 2, RECONNECT_MAX_MS);
  }
}

async function loadVersion() {
  try {
    const res = await fetch("/api/v1/version");
    if (!res.ok) return;
    const v = await res.json();
    $("footer-version").textContent = `${v.name} ${v.version}`;
    if ($("status-version").textContent === "–") $("status-version").textContent = v.version;
  } catch {
    // The events channel shows the disconnected state; nothing to add here.
  }
}

const scheme = location.protocol === "https:" ? "wss:" : "ws:";
new EventsChannel(`${scheme}//${location.host}/api/v1/events`).connect();
loadVersion();
