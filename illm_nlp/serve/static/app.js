// The try-it page of `illm serve`: reads /info, posts the text to /predict, shows the answer.
"use strict";

const $ = (id) => document.getElementById(id);
let runInfo = {};

function show(el, on) { el.hidden = !on; }

function flatten(obj, prefix, out) {
  for (const [key, value] of Object.entries(obj || {})) {
    const name = prefix ? `${prefix}.${key}` : key;
    if (value && typeof value === "object" && !Array.isArray(value)) flatten(value, name, out);
    else out.push([name, Array.isArray(value) ? value.join(", ") : String(value)]);
  }
  return out;
}

function renderInfo(info) {
  const dl = $("info");
  dl.replaceChildren();
  for (const [key, value] of flatten(info, "", [])) {
    const dt = document.createElement("dt");
    dt.textContent = key;
    const dd = document.createElement("dd");
    dd.textContent = value;
    dl.append(dt, dd);
  }
  const labels = Array.isArray(info.labels) ? ` · labels: ${info.labels.join(", ")}` : "";
  $("summary").textContent = `${info.task || "?"} run${info.run_dir ? " · " + info.run_dir : ""}${labels}`;
  const settings = (info.service && info.service.settings) || {};
  const box = $("settings");
  for (const [name, def] of Object.entries(settings)) {
    const label = document.createElement("label");
    label.textContent = name + " ";
    const input = document.createElement("input");
    input.name = name;
    input.id = "setting-" + name;
    input.placeholder = def === null ? "default" : String(def);
    label.append(input);
    box.append(label);
  }
  show(box, Object.keys(settings).length > 0);
}

function settingsValues() {
  const out = {};
  for (const input of $("settings").querySelectorAll("input")) {
    const raw = input.value.trim();
    if (raw === "") continue;
    const num = Number(raw);
    out[input.name] = raw === "true" ? true : raw === "false" ? false : Number.isNaN(num) ? raw : num;
  }
  return out;
}

function probabilityPairs(p) {
  if (Array.isArray(p.probabilities) && Array.isArray(p.labels) && p.labels.length === p.probabilities.length) {
    return p.labels.map((l, i) => [String(l), Number(p.probabilities[i])]);
  }
  if (p.probabilities && typeof p.probabilities === "object") {
    return Object.entries(p.probabilities).map(([l, v]) => [l, Number(v)]);
  }
  return [];
}

function renderAnswer(p) {
  const bars = $("bars");
  bars.replaceChildren();
  $("label").textContent = "";
  $("generated").textContent = "";
  const pairs = probabilityPairs(p).sort((a, b) => b[1] - a[1]);
  if (pairs.length) {
    $("label").textContent = Array.isArray(p.label) ? p.label.join(", ") || "(none)" : String(p.label);
    for (const [name, prob] of pairs.slice(0, 10)) {
      const li = document.createElement("li");
      li.className = "bar";
      li.dataset.label = name;
      li.dataset.probability = prob.toFixed(4);
      const n = document.createElement("span"); n.className = "name"; n.textContent = name;
      const pct = document.createElement("span"); pct.className = "pct"; pct.textContent = (100 * prob).toFixed(1) + "%";
      const track = document.createElement("span"); track.className = "track";
      const fill = document.createElement("span"); fill.className = "fill"; fill.style.display = "block";
      fill.style.width = (100 * prob).toFixed(1) + "%";
      track.append(fill);
      li.append(n, pct, track);
      bars.append(li);
    }
  } else {
    $("generated").textContent = p.text !== undefined ? String(p.text) : JSON.stringify(p);
  }
  show($("answer"), true);
}

async function ask(event) {
  event.preventDefault();
  const text = $("text").value;
  show($("error"), false);
  $("status").textContent = "…";
  $("send").disabled = true;
  try {
    const res = await fetch("/predict", {
      method: "POST",
      headers: { "Content-Type": "application/json" },
      body: JSON.stringify({ texts: [text], ...settingsValues() }),
    });
    const body = await res.json();
    if (!res.ok) throw new Error((body.error && body.error.message) || res.statusText);
    renderAnswer(body.predictions[0]);
    $("status").textContent = `${body.took_ms} ms`;
  } catch (err) {
    $("error").textContent = String(err.message || err);
    show($("error"), true);
    $("status").textContent = "";
  } finally {
    $("send").disabled = false;
  }
}

$("ask").addEventListener("submit", ask);
$("text").addEventListener("keydown", (e) => {
  if (e.key === "Enter" && (e.ctrlKey || e.metaKey)) $("ask").requestSubmit();
});
fetch("/info")
  .then((r) => r.json())
  .then((info) => { runInfo = info; renderInfo(info); })
  .catch((err) => { $("summary").textContent = "could not read /info: " + err; });
