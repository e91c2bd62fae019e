// The assessment page: autosave status, conflict handling, live applicability, drag and drop.
(function () {
  "use strict";
  const root = document.getElementById("questions");
  if (!root) return;
  const msg = (name) => root.dataset["msg" + name.charAt(0).toUpperCase() + name.slice(1)];

  const dirty = new Set();
  const statusOf = (form) => form.querySelector(".save-status");

  root.addEventListener("input", (e) => {
    const form = e.target.closest(".answer-form");
    if (form) dirty.add(form);
  });
  root.addEventListener("change", (e) => {
    const form = e.target.closest(".answer-form");
    if (form) dirty.add(form);
  });

  document.body.addEventListener("htmx:beforeRequest", (e) => {
    const form = e.detail.elt.closest && e.detail.elt.closest(".answer-form");
    if (form) statusOf(form).innerHTML = '<span class="text-muted">' + msg("saving") + "</span>";
  });

  document.body.addEventListener("htmx:afterRequest", (e) => {
    const form = e.detail.elt.closest && e.detail.elt.closest(".answer-form");
    if (form && e.detail.successful && e.detail.xhr && e.detail.xhr.status === 200) {
      dirty.delete(form);
    }
  });

  // htmx-errors.js has already written why the save failed into the status line; when trying
  // again can help (no connection, a server error), offer it.
  const offerRetry = (e) => {
    const form = e.detail.elt.closest && e.detail.elt.closest(".answer-form");
    const code = e.detail.xhr ? e.detail.xhr.status : 0;
    if (!form || (code && code < 500)) return;
    const retry = document.createElement("button");
    retry.type = "button";
    retry.className = "btn btn-sm btn-outline-danger ms-2";
    retry.textContent = msg("retry");
    retry.addEventListener("click", () => htmx.trigger(form, "change"));
    statusOf(form).append(retry);
  };
  document.body.addEventListener("htmx:responseError", offerRetry);
  document.body.addEventListener("htmx:sendError", offerRetry);
  document.body.addEventListener("htmx:timeout", offerRetry);

  root.addEventListener("click", (e) => {
    const button = e.target.closest("[data-action]");
    if (!button) return;
    const form = button.closest(".answer-form");
    if (button.dataset.action === "reload") {
      dirty.delete(form);
      window.location.reload();
    } else if (button.dataset.action === "overwrite") {
      form.querySelector("input[name=revision]").value = button.dataset.revision;
      htmx.trigger(form, "change");
    }
  });

  window.addEventListener("beforeunload", (e) => {
    if (dirty.size) {
      e.preventDefault();
      e.returnValue = msg("unsaved");
    }
  });

  // After every save the server says which questions apply and how far each domain is.
  document.body.addEventListener("assessment:state", (e) => {
    const state = e.detail;
    const applicable = new Set(state.applicable);
    let visible = 0;
    root.querySelectorAll("[data-question]").forEach((card) => {
      const on = applicable.has(card.dataset.question);
      card.hidden = !on;
      if (on) visible += 1;
    });
    const none = document.getElementById("none-applies");
    if (none) none.hidden = visible > 0;
    document.querySelectorAll("[data-domain]").forEach((link) => {
      const p = state.progress[link.dataset.domain];
      const badge = link.querySelector("[data-domain-progress]");
      if (!p || !badge) return;
      const optional = (state.optional || []).includes(link.dataset.domain);
      badge.textContent = p[1]
        ? p[0] + "/" + p[1]
        : optional
          ? badge.dataset.optionalLabel
          : badge.dataset.naLabel;
      badge.classList.toggle("text-bg-success", p[1] > 0 && p[0] === p[1]);
      badge.classList.toggle("text-bg-light", !(p[1] > 0 && p[0] === p[1]));
    });
    // The count of answers still missing on the submit button (sent by newer servers only).
    const missing = document.querySelector("[data-missing-count]");
    if (missing && typeof state.missing === "number") {
      missing.textContent = state.missing;
      missing.hidden = state.missing === 0;
    }
    const overall = document.getElementById("overall-progress");
    if (overall) {
      overall.querySelector("[data-answered]").textContent = state.answered;
      overall.querySelector("[data-total]").textContent = state.total;
      overall.querySelector(".progress-bar").style.width = state.percent + "%";
      overall.querySelector(".progress").setAttribute("aria-valuenow", state.percent);
    }
  });

  // Drag and drop onto an evidence form fills its file input and uploads.
  root.addEventListener("dragover", (e) => {
    const zone = e.target.closest(".dropzone");
    if (!zone) return;
    e.preventDefault();
    zone.classList.add("dragover");
  });
  root.addEventListener("dragleave", (e) => {
    const zone = e.target.closest(".dropzone");
    if (zone) zone.classList.remove("dragover");
  });
  root.addEventListener("drop", (e) => {
    const zone = e.target.closest(".dropzone");
    if (!zone || !e.dataTransfer.files.length) return;
    e.preventDefault();
    zone.classList.remove("dragover");
    zone.querySelector("input[type=file]").files = e.dataTransfer.files;
    htmx.trigger(zone, "submit");
  });
})();
