// The staff pages other than the board (report, statistics, audit log, staff accounts):
// Log out, and on the staff accounts page every htmx change carries the session's CSRF
// token and a form that changed an account is emptied (no password is left in it).
"use strict";

const csrf = document.querySelector('meta[name="csrf-token"]').content;

document.body.addEventListener("htmx:configRequest", (event) => {
  event.detail.headers["X-CSRF-Token"] = csrf;
});

document.body.addEventListener("htmx:afterRequest", (event) => {
  const form = event.detail.elt;
  if (event.detail.successful && form instanceof HTMLFormElement && form.hasAttribute("data-reset")) form.reset();
});

const logout = document.getElementById("logout");
if (logout) {
  logout.addEventListener("click", async () => {
    await fetch("/logout", {method: "POST", headers: {"X-CSRF-Token": csrf}});
    location.assign("/login");
  });
}
