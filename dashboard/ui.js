// Form building blocks and problem display: a problem's detail + code at the top of the form, and each
// `errors[]` entry next to the input whose name is its `field`.

import {retryAfterSeconds} from "./api.js";
import {h} from "./dom.js";
import {duration, minorUnitsInText} from "./format.js";
import {baseUrl, parseRoute} from "./router.js";

// Field errors whose messages quote amounts in minor units (the wire's unit): shown in the unit of the input
// they belong to (major units of its currency). The API's errors[] carry only field, code and message, so the
// amounts are read from the message.
export const MINOR_UNIT_CODES = new Set(["price_out_of_range", "price_increase_not_allowed"]);

let uid = 0;

/** A labelled input with a slot for its error. `name` is the API field it feeds; `errorFor` lists other
 * API fields whose errors belong next to this input (e.g. delivery_date next to eta_days). */
export function field({label, name, type = "text", hint, attrs = {}, options = [], errorFor = []}) {
  const id = `f${++uid}-${name}`;
  const errorId = `${id}-error`;
  const hintId = hint ? `${id}-hint` : null;
  const common = {id, name, "data-testid": `input-${name}`, "aria-describedby": hintId ? `${hintId} ${errorId}` : errorId};
  let input;
  if (type === "select") {
    input = h("select", {...common, ...attrs}, options.map((o) => h("option", {value: o.value ?? o}, o.label ?? o)));
  } else if (type === "textarea") {
    input = h("textarea", {...common, ...attrs});
  } else {
    input = h("input", {...common, type, ...attrs});
  }
  const error = h("p", {
    className: "field-error", id: errorId, "data-testid": `error-${name}`,
    "data-error-for": [name, ...errorFor].join(" "), hidden: true,
  });
  const hintEl = hint ? h("p", {className: "hint", id: hintId}, hint) : null;
  if (type === "checkbox") {
    return h("div", {className: "field field-check"}, input, h("label", {for: id}, label), hintEl, error);
  }
  return h("div", {className: "field"}, h("label", {for: id}, label), input, hintEl, error);
}

/** The alert area at the top of a form (problem detail + code, and errors with no matching input). */
export function formAlert() {
  return h("div", {className: "alert", role: "alert", "data-testid": "form-error", hidden: true});
}

export function problemText(err) {
  const detail = err?.detail || err?.message || "Something went wrong.";
  return err?.code ? `${detail} (${err.code})` : detail;
}

/** Show `err` in a stand-alone alert (no fields to put its errors next to): detail + code, then each error. */
export function alertProblem(alert, err) {
  alert.replaceChildren(h("p", {"data-testid": "problem-detail"}, problemText(err)));
  if (err?.errors?.length) {
    alert.append(h("ul", {}, err.errors.map((fe) =>
      h("li", {}, h("code", {}, fe.field), ": ", fe.message || fe.code, " ", h("code", {}, fe.code)))));
  }
  alert.hidden = false;
}

export function clearProblems(form) {
  stopCountdown(form);
  for (const el of form.querySelectorAll(".field-error, [data-testid=form-error]")) {
    el.hidden = true;
    el.replaceChildren();
  }
  for (const el of form.querySelectorAll("[aria-invalid]")) el.removeAttribute("aria-invalid");
}

/** Show `err` (an ApiError, or an Error from local parsing) in `form`. */
export function showProblem(form, err) {
  clearProblems(form);
  const alert = form.querySelector("[data-testid=form-error]");
  const unplaced = [];
  for (const fe of err?.errors || []) {
    const slot = findSlot(form, fe.field);
    if (!slot) {
      unplaced.push(fe);
      continue;
    }
    const input = form.querySelector(`#${CSS.escape(slot.id.replace(/-error$/, ""))}`);
    // A list sent from a textarea (one item per non-blank line): name the item, not its index.
    const index = /\[(\d+)\]$/.exec(String(fe.field));
    const item = index && input?.tagName === "TEXTAREA" ? textareaItems(input)[Number(index[1])] : undefined;
    const where = item === undefined ? "" : `“${item}”: `;
    slot.hidden = false;
    if (slot.childNodes.length) slot.append(h("br"));
    slot.append(h("span", {}, where, inInputUnits(fe.code, fe.message || fe.code, input), " "),
      h("code", {}, fe.code));
    if (input) input.setAttribute("aria-invalid", "true");
  }
  if (alert) {
    alert.hidden = false;
    const moneyInput = form.querySelector("[data-currency], [data-currency-field]");
    alert.append(h("p", {"data-testid": "problem-detail"},
      inInputUnits(err?.code, problemText(err), moneyInput)));
    if (unplaced.length) {
      alert.append(h("ul", {}, unplaced.map((fe) => h("li", {}, h("code", {}, fe.field), ": ",
        inInputUnits(fe.code, fe.message || fe.code, moneyInput), " ", h("code", {}, fe.code)))));
    }
    const wait = err?.status === 429 ? retryAfterSeconds(err.retryAfter) : null;
    if (wait !== null) alert.append(retryCountdown(form, wait));
  }
  const firstInvalid = form.querySelector("[aria-invalid=true]");
  if (firstInvalid) firstInvalid.focus();
}

/** The currency of a money input: its `data-currency`, or the value of the form field its
 * `data-currency-field` names (the offer form's currency select). */
export function inputCurrency(input) {
  if (!input) return null;
  if (input.dataset.currency) return input.dataset.currency;
  const from = input.dataset.currencyField;
  return from ? input.form?.elements[from]?.value || null : null;
}

/** `text` with the minor-unit amounts of a money error (`code`) shown in the input's major units. */
function inInputUnits(code, text, input) {
  const currency = MINOR_UNIT_CODES.has(code) ? inputCurrency(input) : null;
  return currency ? minorUnitsInText(text, currency) : text;
}

/** Keep the form's submit button disabled until the user changes something, and again after each success
 * (call `markPristine(form)` then): a second click cannot send the same form twice. */
export function submitWhenChanged(form) {
  const changed = () => {
    if (!form.dataset.pristine) return;
    delete form.dataset.pristine;
    if (!countdowns.has(form)) for (const b of form.querySelectorAll("button[type=submit]")) b.disabled = false;
  };
  form.addEventListener("input", changed);
  form.addEventListener("change", changed);
  markPristine(form);
}

export function markPristine(form) {
  form.dataset.pristine = "true";
  for (const b of form.querySelectorAll("button[type=submit]")) b.disabled = true;
}

/** The items of a one-per-line textarea: blank lines and `# comments` dropped. */
export function textareaItems(textarea) {
  return textarea.value.split("\n").map((line) => line.replace(/#.*$/, "").trim()).filter(Boolean);
}

function findSlot(form, fieldName) {
  if (!fieldName) return null;
  const top = String(fieldName).split(/[.[]/)[0];
  for (const slot of form.querySelectorAll("[data-error-for]")) {
    const names = slot.dataset.errorFor.split(" ");
    if (names.includes(fieldName) || names.includes(top)) return slot;
  }
  return null;
}

/** A local (client-side) field error, shaped like the API's so it displays the same way. */
export class FieldProblem extends Error {
  constructor(fieldName, message) {
    super("Check the highlighted field.");
    this.detail = "Check the highlighted field.";
    this.code = "client_validation";
    this.errors = [{field: fieldName, code: "invalid", message}];
  }
}

/** Run `fn` while the form's submit button is disabled and marked busy. A Retry-After countdown started
 * meanwhile keeps the button disabled until it ends. */
export async function busy(form, fn) {
  const buttons = form.querySelectorAll("button[type=submit]");
  for (const b of buttons) b.disabled = true;
  form.setAttribute("aria-busy", "true");
  try {
    return await fn();
  } finally {
    if (!countdowns.has(form) && !form.dataset.pristine) for (const b of buttons) b.disabled = false;
    form.removeAttribute("aria-busy");
  }
}

const countdowns = new Map(); // form -> interval id

function stopCountdown(form) {
  if (!countdowns.has(form)) return;
  clearInterval(countdowns.get(form));
  countdowns.delete(form);
  if (!form.dataset.pristine) for (const b of form.querySelectorAll("button[type=submit]")) b.disabled = false;
}

/** "Retry in 29 s (after 3:04:05 PM)", ticking down; the form's submit button stays disabled meanwhile. */
function retryCountdown(form, seconds) {
  const until = Date.now() + seconds * 1000;
  const at = new Intl.DateTimeFormat(undefined, {timeStyle: "medium"}).format(new Date(until));
  const text = h("span", {});
  const el = h("p", {className: "retry", "data-testid": "retry-after", "data-seconds": seconds}, text);
  const buttons = form.querySelectorAll("button[type=submit]");
  const tick = () => {
    const left = Math.ceil((until - Date.now()) / 1000);
    if (left <= 0 || !form.isConnected) {
      stopCountdown(form);
      text.textContent = "You can try again now.";
      return;
    }
    text.textContent = `Retry in ${duration(left)} (after ${at}).`;
  };
  stopCountdown(form);
  for (const b of buttons) b.disabled = true;
  countdowns.set(form, setInterval(tick, 1000));
  tick();
  return el;
}

/** A button that needs a second click within 5 s: `label`, then `confirmLabel`; then `onConfirm(button)`. */
export function confirmButton(label, confirmLabel, onConfirm, attrs = {}) {
  let armed = false;
  let timer = null;
  const button = h("button", {type: "button", className: "danger small", ...attrs, onclick: async () => {
    if (!armed) {
      armed = true;
      button.textContent = confirmLabel;
      button.setAttribute("aria-live", "polite");
      timer = setTimeout(() => { armed = false; button.textContent = label; }, 5000);
      return;
    }
    clearTimeout(timer);
    armed = false;
    button.disabled = true;
    try {
      await onConfirm(button);
    } finally {
      button.disabled = false;
      button.textContent = label;
    }
  }}, label);
  return button;
}

/** A group of checkboxes sharing `name`, with one error slot (for `name` and `name[i]`). */
export function checkboxGroup({legend, name, options, checked = options, hint}) {
  const id = `f${++uid}-${name}`;
  const errorId = `${id}-error`;
  return h("fieldset", {className: "choices checks", id, "data-testid": `input-${name}`, "aria-describedby": errorId},
    h("legend", {}, legend),
    hint ? h("p", {className: "hint"}, hint) : null,
    h("div", {className: "check-grid"}, options.map((value) => h("label", {className: "choice"},
      h("input", {type: "checkbox", name, value, checked: checked.includes(value), "data-testid": `${name}-${value}`}),
      " ", h("code", {}, value)))),
    h("p", {className: "field-error", id: errorId, "data-testid": `error-${name}`, "data-error-for": name, hidden: true}));
}

/** The checked values of a checkbox group. */
export function checkedValues(form, name) {
  return Array.from(form.querySelectorAll(`input[type=checkbox][name="${CSS.escape(name)}"]`))
    .filter((el) => el.checked).map((el) => el.value);
}

/** Tabs: [{id, label, render: () => Node}]. Each panel is built the first time it is shown and then kept
 * (its state survives switching). The selected tab is kept in the URL's fragment; a route in the fragment
 * (`#/rfos/<id>`, router.js) belongs to the first tab and is left alone. The element's `selectTab(id)` selects
 * one from outside (back/forward). */
export function tabs(items, {label = "Sections"} = {}) {
  const panels = new Map();
  const bar = h("div", {className: "tabs", role: "tablist", "aria-label": label});
  const area = h("div", {className: "tab-panels"});
  const buttons = items.map((item) => h("button", {type: "button", role: "tab", className: "tab", id: `tab-${item.id}`,
    "aria-controls": `panel-${item.id}`, "data-testid": `tab-${item.id}`, onclick: () => select(item.id, true),
    onkeydown: (ev) => {
      const i = items.indexOf(item);
      const next = ev.key === "ArrowRight" ? i + 1 : ev.key === "ArrowLeft" ? i - 1 : null;
      if (next === null) return;
      const target = items[(next + items.length) % items.length];
      select(target.id, true);
      bar.querySelector(`#tab-${target.id}`).focus();
    }}, item.label));
  bar.append(...buttons);

  function select(id, byUser = false) {
    const item = items.find((i) => i.id === id) || items[0];
    for (const [i, b] of buttons.entries()) {
      const on = items[i] === item;
      b.setAttribute("aria-selected", String(on));
      b.tabIndex = on ? 0 : -1;
    }
    if (!panels.has(item.id)) {
      const panel = h("div", {role: "tabpanel", id: `panel-${item.id}`, "aria-labelledby": `tab-${item.id}`,
        "data-testid": `panel-${item.id}`}, item.render());
      panels.set(item.id, panel);
      area.append(panel);
    }
    for (const [pid, panel] of panels) panel.hidden = pid !== item.id;
    if (items.length > 1 && (byUser || !parseRoute())) {
      history.replaceState(null, "", item === items[0] ? baseUrl() : `#${item.id}`);
    }
  }

  select(location.hash.slice(1));
  const element = h("div", {className: "tabbed"}, items.length > 1 ? bar : null, area);
  element.selectTab = (id) => select(id);
  return element;
}

export function statusBadge(status) {
  const s = String(status || "");
  return h("span", {className: `badge badge-${s.toLowerCase()}`, "data-testid": "status"}, s);
}

export function section(title, testid, ...children) {
  const headingId = `h${++uid}`;
  return h("section", {className: "panel", "data-testid": testid, "aria-labelledby": headingId},
    h("h2", {id: headingId}, title), ...children);
}
