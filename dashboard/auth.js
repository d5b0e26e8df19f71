// Signing in with an API key, registering as a vendor or buyer, and showing a new key exactly once.

import {api} from "./api.js";
import {h} from "./dom.js";
import {busy, clearProblems, field, formAlert, section, showProblem} from "./ui.js";

/** "Sign in" panel. `signIn(key)` resolves when the key works and rejects with the API's problem. */
export function signInPanel(signIn, problem) {
  const form = h("form", {"data-testid": "sign-in-form", novalidate: true},
    formAlert(),
    field({label: "API key", name: "api_key", type: "password",
      hint: "ib_live_… or ib_test_…. Kept in this tab's session storage only.",
      attrs: {required: true, autocomplete: "off", spellcheck: "false"}}),
    h("button", {type: "submit", "data-testid": "sign-in"}, "Sign in"));
  form.addEventListener("submit", (ev) => {
    ev.preventDefault();
    const key = form.elements.api_key.value.trim();
    busy(form, async () => {
      try {
        await signIn(key);
      } catch (err) {
        showProblem(form, err);
      }
    });
  });
  if (problem) showProblem(form, problem);
  return section("Sign in", "sign-in-panel", form);
}

/** "Register" panel. `onRegistered(apiKey, registration)` is called with the new account's key. */
export function registerPanel(onRegistered) {
  const kinds = [
    {value: "buyer", label: "Buyer — post RFOs and rank offers"},
    {value: "vendor", label: "Vendor — bid on RFOs"},
  ];
  const form = h("form", {"data-testid": "register-form", novalidate: true},
    formAlert(),
    h("fieldset", {className: "choices"}, h("legend", {}, "Register as"),
      kinds.map((k, i) => h("label", {className: "choice"},
        h("input", {type: "radio", name: "kind", value: k.value, checked: i === 0, "data-testid": `register-${k.value}`}),
        " ", k.label))),
    field({label: "Name", name: "name", attrs: {required: true, maxlength: 200, autocomplete: "organization"}}),
    field({label: "Email", name: "email", type: "email", attrs: {required: true, maxlength: 254, autocomplete: "email"}}),
    h("button", {type: "submit", "data-testid": "register"}, "Register"));
  form.addEventListener("submit", (ev) => {
    ev.preventDefault();
    const kind = form.elements.kind.value;
    const body = {name: form.elements.name.value.trim(), email: form.elements.email.value.trim()};
    busy(form, async () => {
      try {
        const registration = await api.register(kind, body);
        clearProblems(form);
        form.reset();
        await onRegistered(registration.api_key, registration);
      } catch (err) {
        showProblem(form, err);
      }
    });
  });
  return section("Register", "register-panel", form);
}

let shown = 0;

/** The new key, shown once with a copy button. Dismissing removes it from the page. `title` and `note`
 * describe which key it is (e.g. after a rotation). */
export function keyOncePanel(apiKey, {title = "Your API key", note} = {}) {
  const status = h("span", {className: "muted", role: "status", "data-testid": "copy-status"});
  const input = h("input", {type: "text", readonly: true, value: apiKey, "data-testid": "new-api-key",
    "aria-label": "Your new API key", spellcheck: "false", className: "key"});
  const copy = h("button", {type: "button", "data-testid": "copy-key", onclick: async () => {
    try {
      await navigator.clipboard.writeText(input.value);
      status.textContent = "Copied.";
    } catch {
      input.select();
      status.textContent = "Selected: press Ctrl+C (⌘C) to copy.";
    }
  }}, "Copy");
  const titleId = `key-once-title-${++shown}`;
  const panel = h("section", {className: "panel key-once", role: "region", "aria-labelledby": titleId,
    "data-testid": "key-once"},
    h("h2", {id: titleId}, title),
    note ? h("p", {"data-testid": "key-note"}, note) : null,
    h("p", {className: "warning", "data-testid": "key-warning"},
      "Copy this key now and keep it somewhere safe. It is shown only once: IntentBid stores only its hash and " +
      "cannot show it again."),
    h("div", {className: "key-row"}, input, copy, status),
    h("button", {type: "button", className: "secondary", "data-testid": "dismiss-key", onclick: () => {
      input.value = "";
      panel.remove();
    }}, "I have saved it"));
  return panel;
}
