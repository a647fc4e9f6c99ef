/* The demo page: one WebSocket ("lws-demo") carries the chat and the counter; the form
 * is POSTed with fetch() so the server's JSON answer shows on the page. */
"use strict";

const $ = (id) => document.getElementById(id);
let ws = null;

function setStatus(text, on) {
  $("status").textContent = text;
  $("status").className = on ? "on" : "off";
}

function addLine(text) {
  const li = document.createElement("li");
  li.textContent = text;      /* never innerHTML: lines come from other pages */
  $("log").appendChild(li);
  $("log").scrollTop = $("log").scrollHeight;
}

function connect() {
  const url = (location.protocol === "https:" ? "wss://" : "ws://") + location.host + "/";
  ws = new WebSocket(url, "lws-demo");
  ws.onopen = () => setStatus("connected", true);
  ws.onclose = () => {
    setStatus("disconnected, retrying…", false);
    setTimeout(connect, 2000);
  };
  ws.onmessage = (ev) => {
    const msg = String(ev.data);
    if (msg.startsWith("chat:"))
      addLine(msg.slice(5));
    else if (msg.startsWith("counter:"))
      $("counter").textContent = msg.slice(8);
  };
}

$("chat").addEventListener("submit", (ev) => {
  ev.preventDefault();
  const line = $("line").value;
  if (!line || !ws || ws.readyState !== WebSocket.OPEN)
    return;
  ws.send(line);
  $("line").value = "";
});

$("post").addEventListener("submit", async (ev) => {
  ev.preventDefault();
  const data = new FormData($("post"));
  const urlencoded = ev.submitter && ev.submitter.value === "urlencoded";
  $("result").textContent = "sending…";
  try {
    const resp = await fetch("/form", {
      method: "POST",
      body: urlencoded ? new URLSearchParams(data) : data,
    });
    const text = await resp.text();
    let shown = text;
    try {
      shown = JSON.stringify(JSON.parse(text), null, 2);
    } catch (e) { /* not JSON: show it as it came */ }
    $("result").textContent = resp.status + " " + shown;
  } catch (e) {
    $("result").textContent = "error: " + e;
  }
});

connect();
