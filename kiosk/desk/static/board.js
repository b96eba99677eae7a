// The help desk's board: the queue and the kiosks, refreshed when the server says so.
// Everything a kiosk sent is put in the page as text (textContent), never as HTML, and
// handlers are attached here, not written into attributes: a kiosk account is hostile.
"use strict";

const csrf = document.querySelector('meta[name="csrf-token"]').content;
let known = null;
let audio = null;

function el(tag, attributes = {}, ...children) {
  const node = document.createElement(tag);
  for (const [key, value] of Object.entries(attributes)) {
    if (key === "onclick") node.addEventListener("click", value);
    else if (key === "dataset") Object.assign(node.dataset, value);
    else node.setAttribute(key, value);
  }
  for (const child of children) node.append(child);
  return node;
}

// Browsers start audio suspended until the page is used: the first click anywhere resumes it.
document.addEventListener("click", () => {
  if (!audio) audio = new AudioContext();
  if (audio.state === "suspended") audio.resume();
}, {once: false});

function beep() {
  if (!audio) return;
  const tone = audio.createOscillator();
  tone.frequency.value = 880;
  tone.connect(audio.destination);
  tone.start();
  tone.stop(audio.currentTime + 0.3);
}

async function post(path, body) {
  const response = await fetch(path, {method: "POST", body: JSON.stringify(body),
                                      headers: {"Content-Type": "application/json", "X-CSRF-Token": csrf}});
  refresh();
  return response.ok;
}

function command(site, kiosk, name) {
  const body = {site, kiosk, command: name};
  if (name === "message") {
    body.text = prompt("Message to the person at " + kiosk);
    if (!body.text) return;
  }
  return post("/api/command", body);
}

function minutes(s) { return s < 60 ? s + " s" : Math.floor(s / 60) + " min"; }

function requestCard(q) {
  const resolution = el("select", {"aria-label": "Resolution"});
  resolution.append(document.getElementById("resolutions").content.cloneNode(true));
  const service = el("input", {"aria-label": "E-service", placeholder: "e-service", size: "10"});
  service.value = q.service || "";
  const card = el("div", {class: "card", dataset: {id: q.id}},
    el("strong", {}, q.kiosk), " ", q.place, " · waiting ", el("span", {class: "waiting"}), el("br"),
    [q.topic, q.service || "no service chosen", q.language].join(" · "),
    q.accessibility.length ? " · " + q.accessibility.join(", ") : "", el("br"),
    el("span", {class: "accepted"}), " ", resolution, " ", service, " ",
    el("button", {class: "act", type: "button", onclick: () =>
      post("/api/resolve", {id: q.id, resolution: resolution.value, service: service.value})}, "Resolve"));
  return card;
}

function updateRequest(card, q) {
  card.querySelector(".waiting").textContent = minutes(q.waiting_s);
  const accepted = card.querySelector(".accepted");
  if (q.accepted && accepted.dataset.helper !== q.helper) {
    accepted.dataset.helper = q.helper;
    accepted.replaceChildren("Accepted by " + q.helper);
  } else if (!q.accepted && !accepted.firstChild) {
    accepted.append(el("button", {class: "act", type: "button", onclick: () => post("/api/accept", {id: q.id})},
                       "Accept"));
  }
}

function showQueue(queue, fresh) {
  // Cards are kept by request id, so a resolution being chosen or typed survives a refresh.
  const box = document.getElementById("queue");
  const cards = new Map([...box.querySelectorAll(".card")].map(card => [card.dataset.id, card]));
  const wanted = queue.map(q => {
    const card = cards.get(q.id) || requestCard(q);
    card.classList.toggle("new", fresh.has(q.id));
    updateRequest(card, q);
    return card;
  });
  const current = [...box.children];
  if (wanted.length !== current.length || wanted.some((card, i) => card !== current[i])) {
    box.replaceChildren(...wanted);
  }
  if (!wanted.length) box.replaceChildren(el("p", {}, "No one is waiting."));
}

function kioskCard(k) {
  const st = k.status || {}, printer = st.printer || {};
  const faults = (Array.isArray(printer.faults) ? printer.faults : []).filter(f => f !== "toner_low");
  const use = st.out_of_service ? "out of service" :
    (st.session === "active" || st.session === "warning" ? "in use" : "free");
  const button = (label, name) => el("button", {type: "button", onclick: () => command(k.site, k.kiosk, name)}, label);
  return el("div", {class: "card" + (k.online ? "" : " offline")},
    el("strong", {}, k.kiosk), " ", (k.online ? "online" : "offline") + " · " + use, " ",
    faults.length ? el("span", {class: "fault"}, "printer: " + faults.join(", ")) : "", el("br"),
    button("Message", "message"), " ", button("Lift print limit", "lift_print_limit"), " ",
    button("End session", "end_session"), " ",
    st.out_of_service ? button("Back in service", "back_in_service") : button("Out of service", "out_of_service"));
}

async function refresh() {
  const response = await fetch("/api/state");
  if (response.status !== 200) { location = "/login"; return; }
  const s = await response.json();
  document.getElementById("broker").textContent = s.broker ? "" : "⚠ no connection to the broker";
  const fresh = new Set(known ? s.queue.filter(q => !known.has(q.id)).map(q => q.id) : []);
  if (fresh.size) {
    beep();
    const alert = document.getElementById("alert");
    alert.hidden = false;
    setTimeout(() => { alert.hidden = true; }, 5000);
  }
  known = new Set(s.queue.map(q => q.id));
  showQueue(s.queue, fresh);
  const kiosks = s.kiosks.map(kioskCard);
  document.getElementById("kiosks").replaceChildren(...(kiosks.length ? kiosks : [el("p", {}, "No kiosks yet.")]));
}

document.getElementById("logout").addEventListener("click", async () => {
  await post("/logout", {});
  location = "/login";
});
refresh();
setInterval(refresh, 5000);
new EventSource("/api/events").onmessage = () => refresh();
