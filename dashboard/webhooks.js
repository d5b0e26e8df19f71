// Webhook endpoints of the signed-in vendor or buyer (of the key's environment): the list (never a secret),
// create (URL, event types, description; the signing secret shown once), edit, disable / re-enable, rotate the
// signing secret with a grace period (both secrets sign meanwhile), and delete. How to verify a delivery's
// signature is shown with the secret (Standard Webhooks).

import {allPages, api} from "./api.js";
import {h, mount, table} from "./dom.js";
import {duration, when} from "./format.js";
import {
  busy, checkboxGroup, checkedValues, clearProblems, confirmButton, field, FieldProblem, formAlert, problemText,
  section, showProblem, statusBadge,
} from "./ui.js";

// The event types each kind of account may subscribe to (intentbid.domain.events.available_to; a test keeps
// these lists equal to the catalog).
export const EVENT_TYPES = {
  vendor: [
    "rfo.created", "rfo.updated", "rfo.closed", "rfo.reopened", "rfo.awarded", "rfo.expired", "offer.won",
    "offer.lost", "key.created", "key.revoked", "webhook.test", "webhook.disabled", "billing.subscription_updated",
    "billing.payment_failed", "billing.quota_reached",
  ],
  buyer: [
    "rfo.created", "rfo.updated", "rfo.closed", "rfo.reopened", "rfo.awarded", "rfo.expired", "offer.submitted",
    "offer.revised", "offer.withdrawn", "key.created", "key.revoked", "webhook.test", "webhook.disabled",
  ],
};
const DEFAULT_GRACE_S = 86400;
const MAX_GRACE_S = 604800;
const VERIFY_HINT = "Verify each delivery with any Standard Webhooks library: the webhook-id, webhook-timestamp " +
  "and webhook-signature headers, signed with this secret (e.g. Python: standardwebhooks.Webhook(secret)" +
  ".verify(body, headers)).";

export function webhooksView(ctx) {
  const me = ctx.me;
  const types = EVENT_TYPES[me.kind] || [];
  const secretSlot = h("div", {className: "secret-slot"});
  const body = h("div", {"aria-live": "polite"}, h("p", {className: "muted"}, "Loading webhook endpoints…"));
  const alert = formAlert();
  const actionArea = h("div", {className: "detail", "data-testid": "webhook-action-area"});
  const refresh = h("button", {type: "button", className: "secondary", "data-testid": "refresh-webhooks",
    onclick: () => reload()}, "Refresh");
  let generation = 0;

  async function reload() {
    const mine = ++generation;
    alert.hidden = true;
    try {
      const hooks = await allPages((q) => api.listWebhooks(q));
      if (mine !== generation) return;
      mount(body, hooks.length ? hooksTable(hooks)
        : h("p", {className: "muted", "data-testid": "empty"}, "No webhook endpoints yet."));
    } catch (err) {
      if (mine === generation) fail(err);
    }
  }

  function fail(err) {
    if (ctx.handleAuthError(err)) return;
    mount(alert, h("p", {}, problemText(err)));
    alert.hidden = false;
  }

  function showSecret(secret, title, note) {
    const input = h("input", {type: "text", readOnly: true, value: secret, className: "mono",
      "data-testid": "webhook-secret", "aria-label": "Signing secret", onfocus: (ev) => ev.target.select()});
    mount(secretSlot, h("section", {className: "panel secret-once", "data-testid": "webhook-secret-panel"},
      h("h2", {}, title),
      h("p", {}, "Copy the signing secret now: it is shown once and stored only encrypted."),
      input,
      note ? h("p", {"data-testid": "webhook-secret-note"}, note) : null,
      h("p", {className: "hint"}, VERIFY_HINT),
      h("button", {type: "button", className: "secondary", onclick: () => mount(secretSlot)}, "I have stored it")));
    input.scrollIntoView({block: "center"});
    input.focus({preventScroll: true});
  }

  function hooksTable(hooks) {
    return table(
      [
        {label: "URL", key: "url", cell: (w) => h("div", {},
          h("code", {"data-testid": "webhook-url"}, w.url),
          w.description ? h("div", {className: "muted", "data-testid": "webhook-description"}, w.description) : null)},
        {label: "Status", key: "status", cell: (w) => h("div", {},
          statusBadge(w.status),
          w.disabled_reason ? h("div", {className: "muted", "data-testid": "webhook-disabled-reason"},
            w.disabled_reason) : null)},
        {label: "Last delivery", key: "last_delivery", cell: (w) => lastDelivery(w.last_delivery)},
        {label: "Events", key: "events", cell: (w) => h("ul", {className: "chips", "data-testid": "webhook-events"},
          w.events.map((e) => h("li", {}, e === "*" ? "every event" : e)))},
        {label: "Secret", key: "secret", cell: (w) => h("dl", {className: "dates"},
          h("dt", {}, "Rotated"), h("dd", {"data-testid": "webhook-rotated"},
            w.secret_rotated_at ? when(w.secret_rotated_at) : "never"),
          w.previous_secret_expires_at ? [h("dt", {}, "Old one signs until"),
            h("dd", {"data-testid": "webhook-grace"}, when(w.previous_secret_expires_at))] : null)},
        {label: "Created", key: "created_at", cell: (w) => when(w.created_at)},
        {label: "", key: "actions", cell: (w) => h("div", {className: "actions"},
          h("button", {type: "button", className: "secondary small", "data-testid": "edit-webhook",
            onclick: () => openEdit(w)}, "Edit"),
          h("button", {type: "button", className: "secondary small", "data-testid": "toggle-webhook",
            onclick: () => toggle(w)}, w.status === "enabled" ? "Disable" : "Enable"),
          h("button", {type: "button", className: "secondary small", "data-testid": "rotate-webhook",
            onclick: () => openRotate(w)}, "Rotate secret"),
          confirmButton("Delete", "Confirm delete", () => remove(w), {"data-testid": "delete-webhook"}))},
      ],
      hooks,
      {testid: "webhooks-table", rowTestid: () => "webhook-row", rowId: (w) => w.id},
    );
  }

  async function toggle(w) {
    const status = w.status === "enabled" ? "disabled" : "enabled";
    try {
      await api.patchWebhook(w.id, {status});
      ctx.notify(status === "enabled" ? `Endpoint ${w.url} enabled: deliveries resume.`
        : `Endpoint ${w.url} disabled: nothing is sent to it until it is enabled again.`, "success");
      await reload();
    } catch (err) {
      fail(err);
    }
  }

  async function remove(w) {
    try {
      await api.deleteWebhook(w.id);
      ctx.notify(`Endpoint ${w.url} deleted: its secrets are gone and nothing more is sent to it.`, "success");
      mount(actionArea);
      await reload();
    } catch (err) {
      fail(err);
    }
  }

  function openRotate(w) {
    const form = h("form", {"data-testid": "rotate-webhook-form", novalidate: true},
      formAlert(),
      field({label: "Grace period (seconds)", name: "grace_seconds", type: "number",
        hint: `The old secret keeps signing (a second signature) this long. Default ${DEFAULT_GRACE_S} (one day); ` +
          `0 ends it now; at most ${MAX_GRACE_S} (7 days).`,
        attrs: {required: true, min: 0, max: MAX_GRACE_S, step: 1, value: DEFAULT_GRACE_S}}),
      h("div", {className: "buttons"},
        h("button", {type: "submit", "data-testid": "confirm-rotate-webhook"}, "Rotate secret"),
        h("button", {type: "button", className: "secondary", onclick: () => mount(actionArea)}, "Cancel")));
    form.addEventListener("submit", (ev) => {
      ev.preventDefault();
      busy(form, async () => {
        try {
          const text = form.elements.grace_seconds.value.trim();
          if (text && !/^\d+$/.test(text)) throw new FieldProblem("grace_seconds", "Enter a whole number of seconds");
          const grace = text === "" ? DEFAULT_GRACE_S : Number(text);
          const rotated = await api.rotateWebhookSecret(w.id, {grace_seconds: grace});
          mount(actionArea);
          const note = grace === 0 ? "The old secret no longer signs."
            : `The old secret also signs for ${duration(grace)}: switch your receiver to the new one meanwhile.`;
          if (rotated.secret) showSecret(rotated.secret, `New signing secret for ${w.url}`, note);
          await reload();
        } catch (err) {
          if (!ctx.handleAuthError(err)) showProblem(form, err);
        }
      });
    });
    showAction(section(`Rotate the secret of ${w.url}`, "rotate-webhook-panel", form));
  }

  function openEdit(w) {
    const form = endpointForm({types, hook: w, submitLabel: "Save changes", testid: "edit-webhook-form"});
    form.querySelector(".buttons").append(
      h("button", {type: "button", className: "secondary", onclick: () => mount(actionArea)}, "Cancel"));
    form.addEventListener("submit", (ev) => {
      ev.preventDefault();
      busy(form, async () => {
        try {
          const wanted = readEndpoint(form, types);
          const changed = {};
          if (wanted.url !== w.url) changed.url = wanted.url;
          if (wanted.events.join() !== w.events.join()) changed.events = wanted.events;
          if ((wanted.description || "") !== (w.description || "")) changed.description = wanted.description || "";
          if (!Object.keys(changed).length) {
            mount(actionArea);
            return;
          }
          await api.patchWebhook(w.id, changed);
          clearProblems(form);
          mount(actionArea);
          ctx.notify(`Endpoint ${wanted.url} updated.`, "success");
          await reload();
        } catch (err) {
          if (!ctx.handleAuthError(err)) showProblem(form, err);
        }
      });
    });
    showAction(section(`Edit ${w.url}`, "edit-webhook-panel", form));
  }

  function showAction(panel) {
    mount(actionArea, panel);
    panel.scrollIntoView({block: "nearest"});
    panel.querySelector("input")?.focus({preventScroll: true});
  }

  const create = endpointForm({types, submitLabel: "Add endpoint", testid: "new-webhook-form"});
  create.addEventListener("submit", (ev) => {
    ev.preventDefault();
    busy(create, async () => {
      try {
        const created = await api.createWebhook(readEndpoint(create, types));
        create.reset();
        clearProblems(create);
        showSecret(created.secret, `Endpoint ${created.webhook.url} added`, null);
        await reload();
      } catch (err) {
        if (!ctx.handleAuthError(err)) showProblem(create, err);
      }
    });
  });

  reload();
  return h("div", {className: "view stack", "data-testid": "webhooks-view"},
    secretSlot,
    section(`Webhook endpoints (${me.environment})`, "webhooks",
      h("p", {className: "hint"}, "Events are POSTed to these HTTPS URLs, signed (Standard Webhooks). Endpoints " +
        "belong to this key's environment: test keys' endpoints receive only sandbox events."),
      h("div", {className: "toolbar"}, refresh), alert, body),
    h("div", {className: "columns"}, section("New endpoint", "new-webhook", create), actionArea));
}

// The endpoint's newest delivery at a glance (GET /v1/webhooks gives it: last_delivery): its status, the
// receiver's answer (or the error class when none came), the latency and when.
function lastDelivery(d) {
  if (!d) return h("span", {className: "muted", "data-testid": "last-delivery"}, "none yet");
  const answer = d.response_status != null ? `HTTP ${d.response_status}` : (d.error || "no answer");
  return h("div", {"data-testid": "last-delivery"},
    h("span", {className: `badge badge-${d.status}`, "data-testid": "last-delivery-status"}, d.status),
    h("div", {"data-testid": "last-delivery-answer"},
      `${answer} · ${d.response_ms != null ? `${d.response_ms} ms` : "—"}`,
      d.attempt > 1 ? ` · attempt ${d.attempt}` : ""),
    h("div", {className: "muted", "data-testid": "last-delivery-event"}, d.event_type, " · ", when(d.at)));
}

function endpointForm({types, hook = null, submitLabel, testid}) {
  const every = !hook || hook.events.includes("*");
  const form = h("form", {"data-testid": testid, novalidate: true},
    formAlert(),
    field({label: "URL", name: "url", type: "url", hint: "HTTPS, a public host name (no IP addresses, no redirects)",
      attrs: {required: true, maxlength: 2048, autocomplete: "off", spellcheck: "false", placeholder: "https://",
        value: hook ? hook.url : ""}}),
    h("label", {className: "choice"},
      h("input", {type: "checkbox", name: "every", checked: every, "data-testid": "events-every",
        onchange: (ev) => { form.querySelector("[data-testid=input-events]").hidden = ev.target.checked; }}),
      " Every event type (", h("code", {}, "*"), ", including types added later)"),
    checkboxGroup({legend: "Event types", name: "events", options: types,
      checked: hook && !every ? hook.events : [], hint: "Only these are sent to the endpoint."}),
    field({label: "Description (optional)", name: "description",
      attrs: {maxlength: 200, autocomplete: "off", value: hook?.description || ""}}),
    h("div", {className: "buttons"}, h("button", {type: "submit", "data-testid": "save-webhook"}, submitLabel)));
  form.querySelector("[data-testid=input-events]").hidden = every;
  form.addEventListener("reset", () => setTimeout(() => {
    form.querySelector("[data-testid=input-events]").hidden = form.elements.every.checked;
  }));
  return form;
}

function readEndpoint(form, types) {
  const url = form.elements.url.value.trim();
  if (!url) throw new FieldProblem("url", "Enter the endpoint's HTTPS URL");
  const events = form.elements.every.checked ? ["*"] : checkedValues(form, "events").filter((e) => types.includes(e));
  if (!events.length) throw new FieldProblem("events", "Check at least one event type, or every event type");
  const out = {url, events};
  const description = form.elements.description.value.trim();
  if (description) out.description = description;
  return out;
}
