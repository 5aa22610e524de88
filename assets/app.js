// Postdesk pages: small enhancements only; every page works without this.
"use strict";
document.addEventListener("DOMContentLoaded", () => {
  // The composer says what it will do.
  const composer = document.getElementById("composer");
  if (composer) {
    const body = composer.querySelector("textarea");
    const button = composer.querySelector("button[type=submit]");
    const update = () => {
      const note = composer.querySelector("input[name=mode]:checked")?.value === "note";
      body.placeholder = note ? "Write an internal note (never emailed)" : "Write your reply";
      button.textContent = note ? "Add note" : "Send";
    };
    composer.addEventListener("change", update);
    update();
  }
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
