// API keys of the signed-in vendor or buyer: the list (never a secret: prefix…last4), create (scopes, IP
// allowlist, expiry; the secret shown once), revoke, rotate with a grace period (the new secret shown once),
// and edit (rename, narrow the scopes, change the allowlist).

import {allPages, api, session} from "./api.js";
import {keyOncePanel} from "./auth.js";
import {h, mount, table} from "./dom.js";
import {duration, localInputToUtc, when} from "./format.js";
import {
  busy, checkboxGroup, checkedValues, clearProblems, confirmButton, field, FieldProblem, formAlert, problemText,
  section, showProblem, statusBadge, textareaItems,
} from "./ui.js";

const DEFAULT_GRACE_S = 86400;
const MAX_GRACE_S = 604800;

export function keysView(ctx) {
  const me = ctx.me;
  const secretSlot = h("div", {className: "secret-slot"});
  const body = h("div", {"aria-live": "polite"}, h("p", {className: "muted"}, "Loading keys…"));
  const alert = formAlert();
  const actionArea = h("div", {className: "detail", "data-testid": "key-action-area"});
  const refresh = h("button", {type: "button", className: "secondary", "data-testid": "refresh-keys",
    onclick: () => reload()}, "Refresh");

  let generation = 0;

  async function reload() {
    const mine = ++generation;
    alert.hidden = true;
    try {
      const keys = await allPages((q) => api.listKeys(me, q));
      if (mine !== generation) return;
      mount(body, keys.length ? keysTable(keys) : h("p", {className: "muted", "data-testid": "empty"}, "No keys."));
    } catch (err) {
      if (mine === generation) fail(err);
    }
  }

  function fail(err) {
    if (ctx.handleAuthError(err)) return;
    mount(alert, h("p", {}, problemText(err)));
    alert.hidden = false;
  }

  function showSecret(apiKey, title, note) {
    mount(secretSlot, keyOncePanel(apiKey, {title, note}));
    const input = secretSlot.querySelector("input");
    input.scrollIntoView({block: "center"});
    input.focus({preventScroll: true});
  }

  const isSession = (k) => k.id === ctx.me.key_id;

  function keysTable(keys) {
    return table(
      [
        {label: "Name", key: "name", cell: (k) => h("div", {className: "key-name"},
          h("strong", {"data-testid": "key-name"}, k.name),
          isSession(k) ? h("span", {className: "badge badge-session", "data-testid": "key-session",
            title: "The key this tab is signed in with"}, "this session") : null,
          k.environment === "test" ? h("span", {className: "badge badge-env-test"}, "test") : null)},
        {label: "Key", key: "mask", cell: (k) => h("code", {"data-testid": "key-mask",
          title: "Only the prefix and the last four characters are stored in clear"}, `${k.prefix}…${k.last4}`)},
        {label: "Status", key: "status", cell: (k) => statusBadge(k.status)},
        {label: "Scopes", key: "scopes", cell: (k) => h("ul", {className: "chips", "data-testid": "key-scopes"},
          k.scopes.map((s) => h("li", {}, s)))},
        {label: "IP allowlist", key: "ip_allowlist", cell: (k) => k.ip_allowlist.length
          ? h("ul", {className: "chips mono", "data-testid": "key-allowlist"}, k.ip_allowlist.map((c) => h("li", {}, c)))
          : h("span", {className: "muted", "data-testid": "key-allowlist"}, "any address")},
        {label: "Dates", key: "dates", cell: (k) => h("dl", {className: "dates"},
          h("dt", {}, "Created"), h("dd", {"data-testid": "key-created"}, when(k.created_at)),
          h("dt", {}, "Last used"), h("dd", {"data-testid": "key-last-used"}, k.last_used_at ? when(k.last_used_at) : "never"),
          h("dt", {}, "Expires"), h("dd", {"data-testid": "key-expires"}, k.expires_at ? expiry(k) : "never"),
          k.revoked_at ? [h("dt", {}, "Revoked"), h("dd", {"data-testid": "key-revoked"}, when(k.revoked_at))] : null)},
        {label: "", key: "actions", cell: (k) => k.status !== "active" ? null : h("div", {className: "actions"},
          h("button", {type: "button", className: "secondary small", "data-testid": "edit-key",
            onclick: () => openEdit(k)}, "Edit"),
          h("button", {type: "button", className: "secondary small", "data-testid": "rotate-key",
            onclick: () => openRotate(k)}, "Rotate"),
          confirmButton("Revoke", isSession(k) ? "Confirm: revoke this session's key" : "Confirm revoke",
            () => revoke(k), {"data-testid": "revoke-key"}))},
      ],
      keys,
      {testid: "keys-table", rowTestid: () => "key-row", rowId: (k) => k.id},
    );
  }

  async function revoke(k) {
    try {
      await api.revokeKey(me, k.id);
      ctx.notify(`Key “${k.name}” (…${k.last4}) revoked: it stops working at once.`, "success");
      mount(actionArea);
      await reload(); // revoking this session's own key ends up in a 401, which signs out and says why
    } catch (err) {
      fail(err);
    }
  }

  function openRotate(k) {
    const form = h("form", {"data-testid": "rotate-form", novalidate: true},
      formAlert(),
      field({label: "Grace period (seconds)", name: "grace_seconds", type: "number",
        hint: `The old key keeps working this long, then fails with key_expired. Default ${DEFAULT_GRACE_S} ` +
          `(one day); 0 ends it now; at most ${MAX_GRACE_S} (7 days).`,
        attrs: {required: true, min: 0, max: MAX_GRACE_S, step: 1, value: DEFAULT_GRACE_S}}),
      h("div", {className: "buttons"},
        h("button", {type: "submit", "data-testid": "confirm-rotate"}, "Rotate key"),
        h("button", {type: "button", className: "secondary", onclick: () => mount(actionArea)}, "Cancel")));
    form.addEventListener("submit", (ev) => {
      ev.preventDefault();
      busy(form, async () => {
        try {
          const text = form.elements.grace_seconds.value.trim();
          if (text && !/^\d+$/.test(text)) throw new FieldProblem("grace_seconds", "Enter a whole number of seconds");
          const grace = text === "" ? DEFAULT_GRACE_S : Number(text);
          const rotated = await api.rotateKey(me, k.id, {grace_seconds: grace});
          let note = grace === 0 ? `The old key …${k.last4} no longer works.`
            : `The old key …${k.last4} keeps working for ${duration(grace)}, then fails with key_expired.`;
          if (isSession(k) && rotated.api_key) {
            session.key = rotated.api_key; // keep this tab signed in past the grace period
            ctx.me.key_id = rotated.key.id;
            note += " This tab now uses the new key.";
          }
          mount(actionArea);
          showSecret(rotated.api_key, `New key for “${rotated.key.name}”`, note);
          await reload();
        } catch (err) {
          if (!ctx.handleAuthError(err)) showProblem(form, err);
        }
      });
    });
    showAction(section(`Rotate “${k.name}” (…${k.last4})`, "rotate-key-panel", form));
  }

  function openEdit(k) {
    const form = h("form", {"data-testid": "edit-key-form", novalidate: true},
      formAlert(),
      field({label: "Name", name: "name", attrs: {required: true, maxlength: 100, value: k.name, autocomplete: "off"}}),
      checkboxGroup({legend: "Scopes", name: "scopes", options: k.scopes,
        hint: "Uncheck to narrow. Scopes can only be narrowed: create a new key for more."}),
      field({label: "IP allowlist", name: "ip_allowlist", type: "textarea", hint: "One address or CIDR per line; empty = any",
        attrs: {rows: 3, spellcheck: "false"}}),
      h("div", {className: "buttons"},
        h("button", {type: "submit", "data-testid": "save-key"}, "Save changes"),
        h("button", {type: "button", className: "secondary", onclick: () => mount(actionArea)}, "Cancel")));
    form.elements.ip_allowlist.value = k.ip_allowlist.join("\n");
    form.addEventListener("submit", (ev) => {
      ev.preventDefault();
      busy(form, async () => {
        try {
          const body = {};
          const name = form.elements.name.value.trim();
          if (name !== k.name) body.name = name;
          const scopes = checkedValues(form, "scopes");
          if (!scopes.length) throw new FieldProblem("scopes", "Keep at least one scope (or revoke the key)");
          if (scopes.length !== k.scopes.length) body.scopes = scopes;
          const allowlist = readAllowlist(form);
          if (allowlist.join("\n") !== k.ip_allowlist.join("\n")) body.ip_allowlist = allowlist;
          if (!Object.keys(body).length) {
            mount(actionArea);
            return;
          }
          const updated = await api.patchKey(me, k.id, body);
          clearProblems(form);
          mount(actionArea);
          ctx.notify(`Key “${updated.name}” updated.`, "success");
          await reload();
        } catch (err) {
          if (!ctx.handleAuthError(err)) showProblem(form, err);
        }
      });
    });
    showAction(section(`Edit “${k.name}” (…${k.last4})`, "edit-key-panel", form));
  }

  function showAction(panel) {
    mount(actionArea, panel);
    panel.scrollIntoView({block: "nearest"});
    panel.querySelector("input")?.focus({preventScroll: true});
  }

  const create = newKeyForm(ctx, async (created) => {
    showSecret(created.api_key, `New key “${created.key.name}”`, null);
    await reload();
  });

  reload();
  return h("div", {className: "view stack", "data-testid": "keys-view"},
    secretSlot,
    section("API keys", "keys", h("div", {className: "toolbar"}, refresh), alert, body),
    h("div", {className: "columns"}, section("New key", "new-key", create), actionArea));
}

function newKeyForm(ctx, onCreated) {
  const me = ctx.me;
  const form = h("form", {"data-testid": "new-key-form", novalidate: true},
    formAlert(),
    field({label: "Name", name: "name", hint: "What uses it, e.g. “ERP sync”",
      attrs: {required: true, maxlength: 100, autocomplete: "off"}}),
    checkboxGroup({legend: "Scopes", name: "scopes", options: me.scopes,
      hint: "The new key holds only the checked scopes (at most this key's)."}),
    field({label: "IP allowlist (optional)", name: "ip_allowlist", type: "textarea",
      hint: "One IPv4/IPv6 address or CIDR per line, e.g. 203.0.113.0/24. Empty = any address.",
      attrs: {rows: 3, spellcheck: "false"}}),
    h("div", {className: "row"},
      field({label: "Expires (optional)", name: "expires_at", type: "datetime-local", hint: "Your local time; empty = never"}),
      field({label: "Environment", name: "environment", type: "select",
        options: [{value: "", label: `Same as this key (${me.environment})`}, {value: "live", label: "live"},
          {value: "test", label: "test (sandbox)"}]})),
    h("button", {type: "submit", "data-testid": "create-key"}, "Create key"));

  form.addEventListener("submit", (ev) => {
    ev.preventDefault();
    busy(form, async () => {
      try {
        const body = {name: form.elements.name.value.trim(), scopes: checkedValues(form, "scopes")};
        if (!body.scopes.length) throw new FieldProblem("scopes", "Check at least one scope");
        const allowlist = readAllowlist(form);
        if (allowlist.length) body.ip_allowlist = allowlist;
        try {
          const expires = localInputToUtc(form.elements.expires_at.value);
          if (expires) body.expires_at = expires;
        } catch (e) {
          throw new FieldProblem("expires_at", e.message);
        }
        if (form.elements.environment.value) body.environment = form.elements.environment.value;
        const created = await api.createKey(me, body);
        form.reset();
        clearProblems(form);
        await onCreated(created);
      } catch (err) {
        if (!ctx.handleAuthError(err)) showProblem(form, err);
      }
    });
  });
  return form;
}

/** The expiry time, and how soon it is when that is within a week (e.g. a rotated key in its grace period). */
function expiry(k) {
  const left = (Date.parse(k.expires_at) - Date.now()) / 1000;
  return [when(k.expires_at), k.status === "active" && left > 0 && left < 7 * 86400
    ? h("span", {className: "muted"}, ` (in ${duration(left)})`) : null];
}

/** The allowlist textarea: one entry per line; blank lines and `# comments` are ignored. */
function readAllowlist(form) {
  return textareaItems(form.elements.ip_allowlist);
}
