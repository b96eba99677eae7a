// The help desk's board. The server renders everything (kiosk/desk/templates); htmx swaps
// what it sends: the fragments that changed, over server-sent events, and the answers to
// staff's own actions. This file only keeps the page usable while that happens:
//  - an update never replaces a card while its focus is in a field or on a control the
//    update would take away (it waits until focus leaves), a resolve form keeps what was
//    chosen and typed (hx-preserve), and focus is never left on the page's body;
//  - confirmation dialogs for commands that affect a person, and the message dialog;
//  - the new-request sound (its AudioContext resumed on the first gesture), the banner,
//    and a desktop notification when staff asked for them.
// Nothing here builds HTML from what a kiosk sent; every text shown comes from the page.
"use strict";

const csrf = document.querySelector('meta[name="csrf-token"]').content;
const announce = document.getElementById("announce");
const deferred = new Map();  // card id -> the update it waits to get, until focus leaves it
let fromStream = false;
let lastFocus = null;

document.body.addEventListener("htmx:configRequest", (event) => {
  event.detail.headers["X-CSRF-Token"] = csrf;
});

// htmx sends the board's forms; the browser never does (it would leave the page). A form
// swapped in a moment ago, which htmx takes in only as the swap settles, is taken in now
// and sent (htmx keeps what it has taken in as "htmx-internal-data" on the element).
document.addEventListener("submit", (event) => {
  const form = event.target;
  if (!form.matches("form[hx-post]") || event instanceof CustomEvent) return;
  event.preventDefault();
  const known = form["htmx-internal-data"];
  if (!known || !known.initHash) {
    htmx.process(form);
    htmx.trigger(form, "submit");
  }
}, true);

// -- updates ----------------------------------------------------------------------------------

function incomingOf(fragment) {
  return fragment.nodeType === Node.DOCUMENT_FRAGMENT_NODE ? fragment.firstElementChild : fragment;
}

function holdsFocus(element) {
  const active = document.activeElement;
  return !!active && active !== document.body && element.contains(active);
}

function rememberFocus() {
  const active = document.activeElement;
  if (!active || active === document.body) return;
  const card = active.closest(".card");
  lastFocus = {id: active.id, card: card && card.id, next: card && nextCard(card)};
}

function nextCard(card) {
  const sibling = card.nextElementSibling || card.previousElementSibling;
  return sibling && sibling.id;
}

function focusFirstIn(element) {
  const field = element.querySelector("select, input:not([type=hidden]), textarea, button");
  (field || element).focus({preventScroll: true});
}

// After any swap: if focus fell to the body, put it back where it was, or on what took
// that place (the same card, the card beside it, the section's heading).
function rescueFocus() {
  const active = document.activeElement;
  if (!lastFocus || (active && active !== document.body)) return;
  const {id, card, next} = lastFocus;
  lastFocus = null;
  const same = id && document.getElementById(id);
  if (same) { same.focus({preventScroll: true}); return; }
  const place = (card && document.getElementById(card)) || (next && document.getElementById(next));
  if (place) { focusFirstIn(place); return; }
  const heading = document.getElementById(card && card.startsWith("kiosk-") ? "kiosks-heading" : "queue-heading");
  if (heading) heading.focus({preventScroll: true});
}

const stream = document.getElementById("stream");
document.body.addEventListener("htmx:sseBeforeMessage", () => { fromStream = true; rememberFocus(); });
document.body.addEventListener("htmx:sseMessage", () => {
  fromStream = false;
  rescueFocus();
  stream.dataset.state = "live";  // the page is up to date (and tests know)
  stream.textContent = "";
});
document.body.addEventListener("htmx:beforeSwap", rememberFocus);
document.body.addEventListener("htmx:afterSettle", rescueFocus);

document.body.addEventListener("htmx:oobBeforeSwap", (event) => {
  const {target, fragment} = event.detail;
  const incoming = incomingOf(fragment);
  if (!incoming) return;
  if (incoming.dataset.gone) {  // closed: its card goes, focus goes to the card beside it
    deferred.delete(target.id);
    return;
  }
  if (incoming.dataset.hash && incoming.dataset.hash === target.dataset.hash) {
    event.detail.shouldSwap = false;  // the page shows this already
    return;
  }
  if (fromStream && target.classList.contains("card") && holdsFocus(target) && mustWait(incoming)) {
    deferred.set(target.id, incoming.cloneNode(true));
    event.detail.shouldSwap = false;
  }
});

// An update waits while the card's focus is in a field being filled, or on a control the
// update would take away. Otherwise it is swapped and htmx puts the focus back on the same
// control (the same id, in the same place).
function mustWait(incoming) {
  const active = document.activeElement;
  if (active.matches("input, select, textarea") || active.closest("form[hx-preserve]")) return true;
  return !active.id || !incoming.querySelector("#" + CSS.escape(active.id));
}

// Focus has left a card whose update waited: it gets it now.
document.addEventListener("focusin", () => {
  for (const [id, incoming] of deferred) {
    const target = document.getElementById(id);
    if (!target) { deferred.delete(id); continue; }
    if (holdsFocus(target) && mustWait(incoming)) continue;
    deferred.delete(id);
    if (incoming.dataset.hash !== target.dataset.hash) {
      htmx.swap(target, incoming.outerHTML, {swapStyle: "outerHTML"});
    }
  }
});

// A stream that ends: the page says it is no longer up to date; logged out (or the desk
// restarted without this session), it goes to the login.
document.body.addEventListener("htmx:sseError", async () => {
  stream.dataset.state = "lost";
  stream.textContent = stream.dataset.lost;
  try {
    const answer = await fetch("/api/state", {cache: "no-store"});
    if (answer.status === 401) location.assign("/login");
  } catch (error) { /* the desk is away: htmx tries again */ }
});

document.body.addEventListener("htmx:sendError", () => { announce.textContent = announce.dataset.failed; });

// A note once added shows on the card: its field is emptied (hx-preserve keeps it otherwise).
document.body.addEventListener("htmx:afterRequest", (event) => {
  const form = event.detail.elt;
  if (form.matches && form.matches("form.note") && event.detail.successful) form.reset();
});

// -- the new-request sound, banner and notification -------------------------------------------

const soundButton = document.getElementById("sound");
const notifyButton = document.getElementById("notifications");
let audio = null;
let soundOn = localStorage.getItem("desk-sound") !== "off";

function showSound() {
  soundButton.setAttribute("aria-pressed", String(soundOn));
  const allowed = audio && audio.state === "running";
  soundButton.textContent = !soundOn ? soundButton.dataset.off
    : allowed ? soundButton.dataset.on : soundButton.dataset.blocked;
}

// Browsers keep audio suspended until the page is used: the first gesture resumes it. The
// button's words change with it, which can rewrap the header and move the page: during a
// press that would move what was pressed from under the pointer, and the click would land
// beside it. So the words change once the press has ended (after its click).
let pressing = false;
function wake(event) {
  if (!audio) audio = new AudioContext();
  if (event.type === "pointerdown") pressing = true;
  if (audio.state === "suspended") audio.resume().then(() => { if (!pressing) showSound(); });
  if (!pressing) showSound();
}
function pressEnded() {
  setTimeout(() => { pressing = false; showSound(); }, 0);
}
for (const kind of ["pointerdown", "keydown"]) document.addEventListener(kind, wake, {capture: true});
for (const kind of ["pointerup", "pointercancel"]) document.addEventListener(kind, pressEnded, {capture: true});

soundButton.addEventListener("click", () => {
  soundOn = !soundOn;
  localStorage.setItem("desk-sound", soundOn ? "on" : "off");
  showSound();
});

function beep() {
  if (!soundOn || !audio || audio.state !== "running") return;
  const tone = audio.createOscillator();
  tone.frequency.value = 880;
  tone.connect(audio.destination);
  tone.start();
  tone.stop(audio.currentTime + 0.3);
}

function showNotifications() {
  const permission = "Notification" in window ? Notification.permission : "denied";
  const on = permission === "granted" && localStorage.getItem("desk-notify") === "on";
  notifyButton.setAttribute("aria-pressed", String(on));
  notifyButton.textContent = permission === "denied" ? notifyButton.dataset.denied
    : on ? notifyButton.dataset.on : notifyButton.dataset.off;
}

notifyButton.addEventListener("click", async () => {
  if (!("Notification" in window)) return showNotifications();
  if (notifyButton.getAttribute("aria-pressed") === "true") {
    localStorage.setItem("desk-notify", "off");
  } else if (await Notification.requestPermission() === "granted") {
    localStorage.setItem("desk-notify", "on");
  }
  showNotifications();
});

const banner = document.getElementById("alert");
let bannerTimer = null;
new MutationObserver(() => {
  const text = banner.textContent.trim();
  if (!text) return;
  beep();
  if (notifyButton.getAttribute("aria-pressed") === "true" && document.visibilityState !== "visible") {
    new Notification(notifyButton.dataset.title, {body: text, tag: "desk-request"});
  }
  clearTimeout(bannerTimer);
  bannerTimer = setTimeout(() => banner.replaceChildren(), 15000);
}).observe(banner, {childList: true, subtree: true, characterData: true});

// -- commands: dialogs --------------------------------------------------------------------------

let opener = null;

document.addEventListener("click", (event) => {
  const button = event.target.closest("[data-dialog]");
  if (button) {
    const card = button.closest("article.kiosk");
    const dialog = document.getElementById("dialog-" + button.dataset.dialog);
    const form = dialog.querySelector("form");
    form.reset();
    form.elements.site.value = card.dataset.site;
    form.elements.kiosk.value = card.dataset.kiosk;
    for (const slot of dialog.querySelectorAll("[data-slot]")) slot.textContent = card.dataset[slot.dataset.slot] || "";
    for (const wrap of dialog.querySelectorAll("[data-slot-wrap]")) wrap.hidden = !card.dataset[wrap.dataset.slotWrap];
    opener = {id: button.id, card: card.id};
    dialog.showModal();
    return;
  }
  const close = event.target.closest("[data-close]");
  if (close) close.closest("dialog").close();
});

for (const dialog of document.querySelectorAll("dialog")) {
  dialog.addEventListener("close", () => {
    if (!opener) return;
    lastFocus = opener;
    opener = null;
    rescueFocus();  // the opening button may have been swapped meanwhile
  });
}

// A dialog's form is sent: the dialog closes, the status line says so until the answer.
document.body.addEventListener("htmx:beforeRequest", (event) => {
  const dialog = event.detail.elt.closest && event.detail.elt.closest("dialog");
  if (dialog) {
    dialog.close();
    announce.textContent = announce.dataset.sending;
  }
});

const ownText = document.getElementById("message-text");
ownText.addEventListener("input", () => {
  if (ownText.value.trim()) document.getElementById("ready-own").checked = true;
});

document.getElementById("logout").addEventListener("click", async () => {
  await fetch("/logout", {method: "POST", headers: {"X-CSRF-Token": csrf}});
  location.assign("/login");
});

showSound();
showNotifications();
