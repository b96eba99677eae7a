// The helper's view of a kiosk's screen (templates/share.html): its state and newest
// picture, asked for four times a second. View only: no key or click goes to the kiosk.
"use strict";

const box = document.getElementById("share");
const shareId = box.dataset.share;
const stateLine = document.getElementById("share-state");
const picture = document.getElementById("share-screen");
const stopButton = document.getElementById("share-stop");
const csrfToken = document.querySelector('meta[name="csrf-token"]').content;
const ACTIVE = ["asking", "live"];
let shown = 0;
let timer = null;

async function look() {
  let state;
  try {
    const answer = await fetch(`/api/share/state?id=${encodeURIComponent(shareId)}`, {cache: "no-store"});
    if (!answer.ok) return finish(null);
    state = await answer.json();
  } catch (error) {
    return;  // the desk is briefly away: ask again
  }
  box.dataset.state = state.state;
  if (stateLine.textContent !== state.text) stateLine.textContent = state.text;
  if (!ACTIVE.includes(state.state)) return finish(state);
  if (state.frame !== shown) {
    shown = state.frame;
    picture.src = `/share/frame?id=${encodeURIComponent(shareId)}&n=${shown}`;
    picture.hidden = false;
  }
}

function finish(state) {
  clearInterval(timer);
  stopButton.hidden = true;
  picture.hidden = true;
  picture.removeAttribute("src");
  if (state === null) box.dataset.state = "ended";
}

function stop(keepalive) {
  return fetch("/api/share/stop", {method: "POST", keepalive,
                                   headers: {"X-CSRF-Token": csrfToken, "Content-Type": "application/json"},
                                   body: JSON.stringify({id: shareId})});
}

stopButton.addEventListener("click", async () => {
  await stop(false);
  await look();
});
// Closing the page stops it too (the desk also stops a share whose page went quiet).
window.addEventListener("pagehide", () => {
  if (ACTIVE.includes(box.dataset.state)) stop(true);
});
if (ACTIVE.includes(box.dataset.state)) {
  timer = setInterval(look, 250);
  look();
}
