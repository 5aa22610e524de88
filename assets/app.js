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
    drafts(composer, body);
    present(composer, body);
  }
  const rowsHere = document.querySelectorAll("tbody tr[data-ticket]");
  if (rowsHere.length) whoIsOn(rowsHere);
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
  undoCountdown();
  live();

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

  keys();
  signaturePreview();
});

// The signature editor shows, as the admin types, the signature as a reply
// carries it: rendered by the server's own signing code.
function signaturePreview() {
  const area = document.querySelector("textarea[data-preview]");
  const shown = document.getElementById("signature-preview");
  if (!area || !shown) return;
  const csrf = area.form.querySelector("input[name=csrf]")?.value || "";
  let timer = null;
  area.addEventListener("input", () => {
    clearTimeout(timer);
    timer = setTimeout(async () => {
      const data = new URLSearchParams({ csrf, signature: area.value });
      try {
        const answer = await fetch(area.dataset.preview, { method: "POST", body: data });
        if (answer.ok) shown.textContent = await answer.text();
      } catch (_) { /* offline for a moment: the next keystroke tries again */ }
    }, 300);
  });
}

// Live updates over server-sent events (the browser reconnects by itself
// and is sent what it missed). The inbox never moves rows under the
// agent's hand: it says how many tickets are new or changed, marks the
// changed rows, counts them in the title, and shows the list afresh only
// when asked. A ticket page puts new messages, notes and events in place.
function live() {
  const onTicket = location.pathname.match(/^\/tickets\/(\d+)$/);
  const rows = document.querySelector("tbody tr[data-ticket]") || document.querySelector(".live-news");
  if (!onTicket && !rows) return;
  // Only a visible page holds a connection (browsers allow a few per
  // server): a hidden one closes it and, shown again, catches up from the
  // last change it saw. A page kept in the back-forward cache loads afresh.
  const handlers = [];
  let source = null;
  let last = "";
  const connect = () => {
    if (source) return;
    source = new EventSource(last ? `/live?last=${encodeURIComponent(last)}` : "/live");
    for (const [type, handle] of handlers) {
      source.addEventListener(type, (e) => {
        if (e.lastEventId) last = e.lastEventId;
        handle(e);
      });
    }
  };
  const disconnect = () => {
    source?.close();
    source = null;
  };
  const on = (type, handle) => handlers.push([type, handle]);
  document.addEventListener("visibilitychange", () => (document.hidden ? disconnect() : connect()));
  window.addEventListener("pagehide", disconnect);
  window.addEventListener("pageshow", (e) => { if (e.persisted) location.reload(); });
  if (onTicket) {
    const me = Number(onTicket[1]);
    let busy = false;
    let again = false;
    const refresh = async () => {
      if (busy) { again = true; return; }
      busy = true;
      try {
        const answer = await fetch(location.pathname, { headers: { accept: "text/html" } });
        if (answer.ok) {
          const page = new DOMParser().parseFromString(await answer.text(), "text/html");
          const fresh = page.querySelector(".thread");
          const thread = document.querySelector(".thread");
          if (fresh && thread) thread.replaceWith(fresh);
          undoCountdown();
        }
      } catch (_) { /* the next change tries again */ }
      busy = false;
      if (again) { again = false; refresh(); }
    };
    on("ticket", (e) => {
      if (JSON.parse(e.data).ticket === me) refresh();
    });
    on("reset", refresh);
    if (!document.hidden) connect();
    return;
  }
  const news = document.getElementById("live-news");
  const title = document.title;
  const created = new Set();
  const changed = new Set();
  const show = () => {
    const parts = [];
    if (created.size) parts.push(`${created.size} new`);
    if (changed.size) parts.push(`${changed.size} updated`);
    news.textContent = parts.join(" · ") + " — show";
    news.parentElement.hidden = !parts.length;
    const n = created.size + changed.size;
    document.title = n ? `(${n}) ${title}` : title;
  };
  on("ticket", (e) => {
    const c = JSON.parse(e.data);
    const row = document.querySelector(`tbody tr[data-ticket="${c.ticket}"]`);
    if (c.kind === "created" && !row) created.add(c.ticket);
    else if (row) {
      changed.add(c.ticket);
      row.classList.add("changed");
    }
    show();
  });
  on("reset", () => {
    news.textContent = "The list has changed — show";
    news.parentElement.hidden = false;
  });
  if (!document.hidden) connect();
}

// A reply held for the undo window counts down, and its Undo goes when
// the window is over (the sender takes it then).
function undoCountdown() {
  const forms = [...document.querySelectorAll("form.undo[data-left-ms]")];
  if (!forms.length) return;
  // Counted from the page's arrival, so the two clocks need not agree.
  const start = performance.now();
  const tick = () => {
    let left = 0;
    for (const form of forms) {
      if (!form.isConnected) continue;
      const secs = Math.ceil((Number(form.dataset.leftMs) - (performance.now() - start)) / 1000);
      if (secs <= 0) {
        form.remove();
        continue;
      }
      form.querySelector(".undo-left").textContent = `sending in ${secs} s`;
      left++;
    }
    if (left) setTimeout(tick, 250);
  };
  tick();
}

// Keys, never while typing in a field: j / k move in the list, Enter or o
// opens, r reply, n note, e resolve, a assign to me, / search, ? the keys.
const KEYS = [
  ["j / k", "Next / previous ticket in the list"],
  ["Enter or o", "Open the chosen ticket"],
  ["r", "Reply"],
  ["n", "Internal note"],
  ["e", "Resolve"],
  ["a", "Assign to me"],
  ["/", "Search"],
  ["Esc", "Leave a field"],
  ["?", "Show these keys"],
];

function keys() {
  const rows = () => [...document.querySelectorAll("table tbody tr")];
  let chosen = -1;
  const choose = (i) => {
    const all = rows();
    if (!all.length) return;
    chosen = Math.max(0, Math.min(all.length - 1, i));
    all.forEach((row, n) => row.classList.toggle("chosen", n === chosen));
    all[chosen].scrollIntoView({ block: "nearest" });
  };
  const press = (selector) => document.querySelector(selector)?.click();
  const write = (mode) => {
    const radio = document.querySelector(`#composer input[name=mode][value=${mode}]`);
    if (!radio) return;
    radio.checked = true;
    radio.dispatchEvent(new Event("change", { bubbles: true }));
    document.getElementById("body")?.focus();
  };
  const actions = {
    j: () => choose(chosen + 1),
    k: () => choose(chosen - 1),
    o: () => rows()[chosen]?.querySelector("td.subject a")?.click(),
    Enter: () => rows()[chosen]?.querySelector("td.subject a")?.click(),
    r: () => write("reply"),
    n: () => write("note"),
    e: () => press("button[name=action][value=resolve]"),
    a: () => press("button[name=action][value=assign_me]"),
    "/": () => document.getElementById("q")?.focus(),
    "?": () => help(),
  };
  document.addEventListener("keydown", (event) => {
    const field = event.target.closest?.("input, textarea, select, [contenteditable]");
    if (field) {
      if (event.key === "Escape") field.blur();
      return;
    }
    if (event.ctrlKey || event.metaKey || event.altKey) return;
    const action = actions[event.key];
    if (!action || (event.key === "Enter" && chosen < 0)) return;
    event.preventDefault();
    action();
  });
}

function help() {
  let dialog = document.getElementById("keys");
  if (!dialog) {
    dialog = document.createElement("dialog");
    dialog.id = "keys";
    dialog.setAttribute("aria-label", "Keys");
    const list = KEYS.map(([k, what]) => `<dt><kbd>${k}</kbd></dt><dd>${what}</dd>`).join("");
    dialog.innerHTML = `<h2>Keys</h2><dl>${list}</dl><form method="dialog"><button>Close</button></form>`;
    document.body.append(dialog);
  }
  if (dialog.open) dialog.close();
  else dialog.showModal();
}

// The composer's text is saved as a draft as the agent types (and when the
// page is left), so a reload or another browser finds it again.
function drafts(form, body) {
  const url = location.pathname + "/draft";
  const csrf = form.querySelector("input[name=csrf]")?.value || "";
  let timer = null;
  const save = () => {
    if (timer === null) return;
    clearTimeout(timer);
    timer = null;
    const mode = form.querySelector("input[name=mode]:checked")?.value || "reply";
    const data = new URLSearchParams({ csrf, mode, body: body.value });
    fetch(url, { method: "POST", body: data, keepalive: true }).catch(() => {});
  };
  const later = () => {
    clearTimeout(timer);
    timer = setTimeout(save, 700);
  };
  body.addEventListener("input", later);
  form.addEventListener("change", (event) => {
    if (event.target.name === "mode") later();
  });
  form.addEventListener("submit", () => {
    clearTimeout(timer);
    timer = null;
  });
  window.addEventListener("pagehide", save);
}

// Presence: the ticket page says every few seconds that this agent is here
// (and whether they are writing), and shows who else is.
function present(form, body) {
  const url = location.pathname + "/presence";
  const csrf = form.querySelector("input[name=csrf]")?.value || "";
  const shown = document.getElementById("presence");
  let typed = 0;
  body.addEventListener("input", () => { typed = Date.now(); });
  const say = (extra) => new URLSearchParams({ csrf, ...extra });
  const beat = async () => {
    const writing = body.value.trim() !== "" && Date.now() - typed < 10000 ? "1" : "0";
    try {
      const answer = await fetch(url, { method: "POST", body: say({ writing }) });
      if (answer.ok && shown) {
        const here = await answer.json();
        shown.textContent = here
          .map((h) => `${h.name} is ${h.writing ? "writing a reply" : "viewing this ticket"}`)
          .join(" · ");
        shown.hidden = here.length === 0;
      }
    } catch (_) { /* offline for a moment: the next beat tells */ }
  };
  beat();
  setInterval(beat, 3000);
  window.addEventListener("pagehide", () => {
    fetch(url, { method: "POST", body: say({ leave: "1" }), keepalive: true }).catch(() => {});
  });
}

// Presence in the list: who has each ticket open, refreshed every few seconds.
function whoIsOn(rows) {
  const ids = [...rows].map((row) => row.dataset.ticket).join(",");
  const look = async () => {
    try {
      const answer = await fetch("/presence?tickets=" + ids, { headers: { accept: "application/json" } });
      if (!answer.ok) return;
      const on = await answer.json();
      for (const row of rows) {
        const here = on[row.dataset.ticket] || [];
        const span = row.querySelector(".presence");
        if (span) span.textContent = here.map((h) => `${h.name} ${h.writing ? "writing" : "viewing"}`).join(", ");
      }
    } catch (_) { /* offline for a moment */ }
  };
  look();
  setInterval(look, 4000);
}
