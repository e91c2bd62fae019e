// Every htmx request that fails says so where the person acted: a refused, failed or
// unreachable request never looks as if it had worked. No inline script (CSP); the texts come
// translated from #htmx-messages in base.html.
(function () {
  "use strict";
  if (!window.htmx) return;
  const texts = document.getElementById("htmx-messages");
  const text = (name) => (texts ? texts.dataset[name] : "") || "";

  // Responses the server rendered for the spot that made the request (409 conflict, 422
  // refused with the reason) are swapped in like a success; other failures are not (an error
  // page must not land inside a form) and get a message below.
  htmx.config.responseHandling = [
    { code: "204", swap: false },
    { code: "[23]..", swap: true },
    { code: "409|422", swap: true, error: false },
    { code: "[45]..", swap: false, error: true },
  ];

  function messageFor(detail) {
    const xhr = detail.xhr;
    const status = xhr ? xhr.status : 0;
    const verb = (detail.requestConfig && detail.requestConfig.verb) || "get";
    const prefix = verb === "get" ? text("notLoaded") : text("notSaved");
    let reason;
    if (!status) reason = text("network");
    else if (status === 403 || status === 401) reason = text("forbidden");
    else if (status === 404) reason = text("notFound");
    else if (status === 413) reason = text("tooLarge");
    else if (status === 429) reason = text("tooMany");
    else if (status >= 500) reason = text("server");
    else reason = text("refused");
    const gap = prefix.endsWith("：") ? "" : " "; // no space after a full-width colon
    return prefix + gap + reason + (status ? " (" + status + ")" : "");
  }

  // The message goes into the element's own slot if it has one (the answer's save status),
  // else into a box right after the form (or element) the person used.
  function slotFor(elt) {
    const host = elt.closest("form") || elt;
    const own = host.querySelector("[data-error-slot]");
    if (own) return own;
    let box = host.nextElementSibling;
    if (!box || !box.classList.contains("htmx-error")) {
      box = document.createElement("div");
      box.className = "htmx-error alert alert-danger small py-1 px-2 mt-1 mb-1";
      box.setAttribute("role", "alert");
      host.after(box);
    }
    return box;
  }

  function show(e) {
    const elt = e.detail.elt;
    if (!elt || !elt.isConnected) return;
    const slot = slotFor(elt);
    slot.replaceChildren();
    const message = document.createElement("span");
    message.className = "htmx-error-text text-danger";
    message.textContent = messageFor(e.detail);
    slot.append(message);
    offerRetry(e.detail, slot);
    slot.hidden = false;
  }

  // A change (upload, verdict, decision) that met no network or a server error can be sent again
  // as it stands: the form still holds what the person chose. Answer forms offer their own retry
  // (assessment.js); a refusal (4xx) is not retried, it needs the person to change something.
  function offerRetry(detail, slot) {
    const status = detail.xhr ? detail.xhr.status : 0;
    const verb = (detail.requestConfig && detail.requestConfig.verb) || "get";
    if (verb === "get" || (status && status < 500) || slot.hasAttribute("data-error-slot")) return;
    const elt = detail.elt;
    const host = elt.closest("form") || elt;
    const cause = detail.requestConfig && detail.requestConfig.triggeringEvent;
    const again = cause && cause.type ? cause.type : host.tagName === "FORM" ? "submit" : "click";
    const retry = document.createElement("button");
    retry.type = "button";
    retry.className = "btn btn-sm btn-outline-danger ms-2 htmx-retry";
    retry.textContent = text("retry");
    retry.addEventListener("click", () => htmx.trigger(host, again));
    slot.append(retry);
  }

  document.body.addEventListener("htmx:responseError", show);
  document.body.addEventListener("htmx:sendError", show);
  document.body.addEventListener("htmx:timeout", show);

  // A later success from the same place clears the message.
  document.body.addEventListener("htmx:afterRequest", (e) => {
    if (!e.detail.successful || !e.detail.elt) return;
    const host = e.detail.elt.closest("form") || e.detail.elt;
    const box = host.nextElementSibling;
    if (box && box.classList.contains("htmx-error")) box.remove();
  });
})();
