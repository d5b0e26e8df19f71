// Form building blocks and problem display: a problem's detail + code at the top of the form, and each
// `errors[]` entry next to the input whose name is its `field`.

import {h} from "./dom.js";

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

export function clearProblems(form) {
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
    slot.hidden = false;
    slot.append(h("span", {}, fe.message || fe.code, " "), h("code", {}, fe.code));
    const input = form.querySelector(`#${CSS.escape(slot.id.replace(/-error$/, ""))}`);
    if (input) input.setAttribute("aria-invalid", "true");
  }
  if (alert) {
    alert.hidden = false;
    alert.append(h("p", {"data-testid": "problem-detail"}, problemText(err)));
    if (unplaced.length) {
      alert.append(h("ul", {}, unplaced.map((fe) =>
        h("li", {}, h("code", {}, fe.field), ": ", fe.message || fe.code, " ", h("code", {}, fe.code)))));
    }
  }
  const firstInvalid = form.querySelector("[aria-invalid=true]");
  if (firstInvalid) firstInvalid.focus();
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

/** Run `fn` while the form's submit button is disabled and marked busy. */
export async function busy(form, fn) {
  const buttons = form.querySelectorAll("button[type=submit]");
  for (const b of buttons) b.disabled = true;
  form.setAttribute("aria-busy", "true");
  try {
    return await fn();
  } finally {
    for (const b of buttons) b.disabled = false;
    form.removeAttribute("aria-busy");
  }
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
