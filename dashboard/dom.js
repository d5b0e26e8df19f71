// Tiny DOM helpers. Server text only ever reaches the page through textContent or attribute values,
// never through innerHTML.

/**
 * Build an element: h("button", {type: "button", "data-testid": "x", onclick: fn}, "Label", child, ...).
 * Attributes whose value is null/undefined/false are skipped; `true` sets an empty attribute.
 * Children are nodes or strings (strings become text nodes); null/false children are skipped.
 */
export function h(tag, attrs = {}, ...children) {
  const el = document.createElement(tag);
  for (const [name, value] of Object.entries(attrs || {})) {
    if (value === null || value === undefined || value === false) continue;
    if (name.startsWith("on") && typeof value === "function") {
      el.addEventListener(name.slice(2), value);
    } else if (name === "className") {
      el.className = value;
    } else {
      el.setAttribute(name, value === true ? "" : String(value));
    }
  }
  append(el, children);
  return el;
}

function append(el, children) {
  for (const child of children.flat(Infinity)) {
    if (child === null || child === undefined || child === false) continue;
    el.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
}

/** Replace all children of `el`. */
export function mount(el, ...children) {
  el.replaceChildren();
  append(el, children);
  return el;
}

/** A table whose columns are [{label, key, cell: row => node|string, className?}]; rows get `data-testid`
 * and `data-id` from `rowTestid(row)` and `rowId(row)`. */
export function table(columns, rows, {testid, caption, rowTestid, rowId} = {}) {
  return h(
    "table",
    {"data-testid": testid},
    caption ? h("caption", {}, caption) : null,
    h("thead", {}, h("tr", {}, columns.map((c) => h("th", {scope: "col", className: c.className}, c.label)))),
    h(
      "tbody",
      {},
      rows.map((row) =>
        h(
          "tr",
          {"data-testid": rowTestid ? rowTestid(row) : null, "data-id": rowId ? rowId(row) : null},
          columns.map((c) => h("td", {className: c.className, "data-col": c.key}, c.cell(row))),
        ),
      ),
    ),
  );
}

const SVG_NS = "http://www.w3.org/2000/svg";

/** An SVG element, like h(): attributes set with setAttribute (no inline styles: the CSP forbids them);
 * string children become text nodes. */
export function svg(tag, attrs = {}, ...children) {
  const el = document.createElementNS(SVG_NS, tag);
  for (const [name, value] of Object.entries(attrs || {})) {
    if (value === null || value === undefined || value === false) continue;
    el.setAttribute(name === "className" ? "class" : name, String(value));
  }
  append(el, children);
  return el;
}
