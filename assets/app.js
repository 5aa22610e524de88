// Postdesk pages: small enhancements only; every page works without this.
"use strict";
document.addEventListener("DOMContentLoaded", () => {
  // The composer says what it will do.
  const composer = document.getElementById("composer");
  if (composer) {
    const body = document.getElementById("body");
    const button = composer.querySelector("button[type=submit]");
    const update = () => {
      const note = composer.querySelector("input[name=mode]:checked")?.value === "note";
      body.placeholder = note ? "Write an internal note (never emailed)" : "Write your reply";
      button.textContent = note ? "Add note" : "Send";
    };
    composer.addEventListener("change", update);
    update();
  }
  // Replies waiting for the SMTP server: their state follows without a reload.
  const pending = () => document.querySelectorAll(".delivery.queued, .delivery.retrying");
  const follow = async () => {
    try {
      const answer = await fetch(location.pathname + "/deliveries", { headers: { accept: "application/json" } });
      if (!answer.ok) return;
      for (const d of await answer.json()) {
        const badge = document.querySelector(`.delivery[data-message="${d.id}"]`);
        if (badge && badge.textContent !== d.status) {
          badge.className = "delivery " + d.status;
          badge.textContent = d.status;
        }
        const error = document.querySelector(`[data-error="${d.id}"]`);
        if (error) {
          error.textContent = d.error || "";
          error.hidden = !d.error;
        }
      }
    } catch (_) { /* offline for a moment: try again */ }
    if (pending().length) setTimeout(follow, 1500);
  };
  if (/^\/tickets\/\d+$/.test(location.pathname) && pending().length) setTimeout(follow, 1500);

  // A bulk delete asks first.
  const bulk = document.querySelector("form.bulk");
  if (bulk) {
    bulk.addEventListener("submit", (event) => {
      const action = bulk.querySelector("select[name=action]")?.value;
      if (action === "delete" && !window.confirm("Delete the selected tickets for good?")) {
        event.preventDefault();
      }
    });
  }
});
