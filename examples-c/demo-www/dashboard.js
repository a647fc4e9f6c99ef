/* The dashboard page: one WebSocket ("lws-dashboard") brings a JSON snapshot of the
 * server's numbers every second; the load button sends "load N" (0 stops it).  The
 * charts keep the last minute, drawn on small canvases. */
"use strict";

const $ = (id) => document.getElementById(id);
const HISTORY = 60;               /* snapshots kept for the charts: a minute */
const MIN_SPAN = 10;              /* the narrowest a chart's time axis gets, in snapshots */
const COLORS = { msgs: "#2457c5", bytes: "#0f8a8a", connections: "#7048c4",
                 p50: "#1a7f37", p99: "#d97706", p999: "#c0392b", rss: "#5b6472" };
const history = { msgs: [], bytes: [], connections: [], p50: [], p99: [], p999: [], rss: [] };
let ws = null;
let loadTarget = 0;               /* as the server last said */
let asked = null;                 /* a target sent and not yet confirmed */

function setStatus(text, on) {
  $("status").textContent = text;
  $("status").className = on ? "on" : "off";
}

function fmtCount(n) {
  return Math.round(n).toLocaleString("en-US");
}

function fmtBytes(n, suffix) {
  const units = ["B", "kB", "MB", "GB"];
  let i = 0;
  while (n >= 1000 && i < units.length - 1) {
    n /= 1000;
    i++;
  }
  return (i ? n.toFixed(n < 10 ? 2 : 1) : String(Math.round(n))) + " " + units[i] + suffix;
}

function fmtMicros(us) {
  if (us === null || us === undefined)
    return "–";
  if (us < 1000)
    return us + " µs";
  if (us < 1000000)
    return (us / 1000).toFixed(us < 10000 ? 2 : 1) + " ms";
  return (us / 1000000).toFixed(2) + " s";
}

/* The text shown, and the raw value in data-value (what a test reads). */
function show(id, value, text) {
  const el = $(id);
  el.dataset.value = value === null || value === undefined ? "" : String(value);
  el.textContent = text;
}

function remember(name, value) {
  const h = history[name];
  h.push(value);
  if (h.length > HISTORY)
    h.shift();
}

/* Lines of the last minute (or what there is of it), newest at the right edge, scaled
 * to the highest point, which is written in the corner; the first series gets a light
 * fill under it. */
function chart(id, names, fmt) {
  const canvas = $(id);
  const dpr = window.devicePixelRatio || 1;
  const w = canvas.clientWidth || canvas.width, h = canvas.clientHeight || canvas.height;
  if (canvas.width !== Math.round(w * dpr) || canvas.height !== Math.round(h * dpr)) {
    canvas.width = Math.round(w * dpr);
    canvas.height = Math.round(h * dpr);
  }
  const ctx = canvas.getContext("2d");
  ctx.setTransform(dpr, 0, 0, dpr, 0, 0);
  ctx.clearRect(0, 0, w, h);

  let max = 0;
  for (const name of names)
    for (const v of history[name])
      if (v !== null && v > max)
        max = v;
  const peak = max;
  max = max > 0 ? max * 1.3 : 1;     /* room for the label above the line */
  /* the window widens with the data, up to a minute: a few points still fill it */
  const span = Math.max(MIN_SPAN, ...names.map((name) => history[name].length));
  const step = w / (span - 1);
  const x = (i, len) => w - (len - 1 - i) * step;
  const y = (v) => h - 1 - (v / max) * (h - 3);

  ctx.strokeStyle = "#eceef2";
  ctx.lineWidth = 1;
  ctx.beginPath();
  ctx.moveTo(0, h - 0.5);
  ctx.lineTo(w, h - 0.5);
  ctx.stroke();

  if (peak > 0) {
    ctx.font = "10px system-ui, sans-serif";
    ctx.fillStyle = "#8a90a0";
    ctx.textBaseline = "top";
    ctx.fillText("max " + fmt(peak), 0, 0);
  }

  names.forEach((name, k) => {
    const data = history[name];
    const pts = [];
    data.forEach((v, i) => { if (v !== null) pts.push([x(i, data.length), y(v)]); });
    if (!pts.length)
      return;
    ctx.beginPath();
    pts.forEach(([px, py], i) => (i ? ctx.lineTo(px, py) : ctx.moveTo(px, py)));
    ctx.strokeStyle = COLORS[name];
    ctx.lineWidth = 2;
    ctx.lineJoin = "round";
    ctx.stroke();
    if (k === 0) {
      ctx.lineTo(pts[pts.length - 1][0], h);
      ctx.lineTo(pts[0][0], h);
      ctx.closePath();
      ctx.globalAlpha = 0.12;
      ctx.fillStyle = COLORS[name];
      ctx.fill();
      ctx.globalAlpha = 1;
    }
    const [lx, ly] = pts[pts.length - 1];
    ctx.fillStyle = COLORS[name];
    ctx.beginPath();
    ctx.arc(Math.min(lx, w - 3), ly, 2.5, 0, 2 * Math.PI);
    ctx.fill();
  });
}

function drawAll() {
  chart("msgs-chart", ["msgs"], fmtCount);
  chart("bytes-chart", ["bytes"], (n) => fmtBytes(n, "/s"));
  chart("connections-chart", ["connections"], fmtCount);
  chart("rtt-chart", ["p999", "p99", "p50"], fmtMicros);
  chart("rss-chart", ["rss"], (n) => fmtBytes(n, ""));
}

function showLoad(s) {
  if (asked !== null && s.load_target === asked)
    asked = null;
  loadTarget = asked !== null ? asked : s.load_target;
  const button = $("load-toggle");
  button.disabled = !ws || ws.readyState !== WebSocket.OPEN;
  button.textContent = loadTarget ? "Stop load" : "Start load";
  button.className = loadTarget ? "stop" : "";

  let state;
  if (s.load_target)
    state = `${fmtCount(s.load_clients)} of ${fmtCount(s.load_target)} clients connected` +
            (s.load_connecting ? `, ${fmtCount(s.load_connecting)} connecting` : "") +
            `, ${fmtCount(s.round_trips_per_s)} round trips/s`;
  else if (s.load_clients || s.load_connecting)
    state = `stopping, ${fmtCount(s.load_clients + s.load_connecting)} clients left`;
  else
    state = "idle";
  if (s.load_errors)
    state += ` (${fmtCount(s.load_errors)} errors)`;
  $("load-state").textContent = state;
}

function update(s) {
  show("msgs", s.msgs_per_s, fmtCount(s.msgs_per_s));
  show("bytes", s.bytes_per_s, fmtBytes(s.bytes_per_s, "/s"));
  show("connections", s.connections, fmtCount(s.connections));
  show("load-clients", s.load_clients, fmtCount(s.load_clients));
  show("p50", s.rtt_p50_us, fmtMicros(s.rtt_p50_us));
  show("p99", s.rtt_p99_us, fmtMicros(s.rtt_p99_us));
  show("p999", s.rtt_p999_us, fmtMicros(s.rtt_p999_us));
  show("rss", s.rss_bytes, fmtBytes(s.rss_bytes, ""));
  $("rtt-note").textContent = s.rtt_samples ?
    `measured by the load's clients: ${fmtCount(s.rtt_samples)} round trips in the last second` :
    "measured by the load's clients (none running)";
  show("uptime", s.uptime_s, `server up ${fmtCount(s.uptime_s)} s`);

  remember("msgs", s.msgs_per_s);
  remember("bytes", s.bytes_per_s);
  remember("connections", s.connections);
  remember("p50", s.rtt_p50_us);
  remember("p99", s.rtt_p99_us);
  remember("p999", s.rtt_p999_us);
  remember("rss", s.rss_bytes);
  drawAll();
  showLoad(s);
}

function connect() {
  const url = (location.protocol === "https:" ? "wss://" : "ws://") + location.host + "/";
  ws = new WebSocket(url, "lws-dashboard");
  ws.onopen = () => {
    setStatus("connected", true);
    $("load-toggle").disabled = false;
  };
  ws.onclose = () => {
    setStatus("disconnected, retrying…", false);
    $("load-toggle").disabled = true;
    setTimeout(connect, 2000);
  };
  ws.onmessage = (ev) => {
    let s;
    try {
      s = JSON.parse(ev.data);
    } catch (e) {
      return;
    }
    update(s);
  };
}

$("load").addEventListener("submit", (ev) => {
  ev.preventDefault();
  if (!ws || ws.readyState !== WebSocket.OPEN)
    return;
  asked = loadTarget ? 0 : parseInt($("load-n").value, 10);
  ws.send("load " + asked);
  loadTarget = asked;
  $("load-toggle").textContent = asked ? "Stop load" : "Start load";
  $("load-toggle").className = asked ? "stop" : "";
  $("load-state").textContent = asked ? `starting ${fmtCount(asked)} clients…` : "stopping…";
});

window.addEventListener("resize", drawAll);
connect();
