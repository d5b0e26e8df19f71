// RFO pieces shared by the buyer, vendor and admin views: a paged list, the detail card and the ranking.

import {api} from "./api.js";
import {h, mount, table} from "./dom.js";
import {money, when} from "./format.js";
import {formAlert, problemText, section, statusBadge} from "./ui.js";

// The RFO status values (upper case, as the API's RfoListQuery enumerates them).
export const STATUSES = ["OPEN", "CLOSED", "AWARDED", "EXPIRED"];

const known = new Map(); // RFO id -> Promise<Rfo>: titles and currencies next to the ids that name them

/** GET /v1/rfos/{id} once per page load (a failed read is retried next time). For labels, not live state. */
export function rfoOnce(id) {
  if (!known.has(id)) {
    known.set(id, api.getRfo(id).catch((err) => {
      known.delete(id);
      throw err;
    }));
  }
  return known.get(id);
}

/** The RFOs `ids` name, as a Map id -> RFO (ids that cannot be read are left out). */
export async function rfosById(ids) {
  const unique = [...new Set(ids.filter(Boolean))];
  const found = await Promise.all(unique.map((id) => rfoOnce(id).catch(() => null)));
  return new Map(found.filter(Boolean).map((r) => [r.id, r]));
}

/** An id with the name it stands for: "Nitrile gloves  rfo_…" (the id in <code>, for copying). */
export function named(name, id, testid) {
  return h("span", {className: "named"}, name ? h("span", {"data-testid": testid}, name) : null, name ? " " : null,
    h("code", {className: name ? "muted" : null}, id));
}

/**
 * For a list endpoint that filters by one status at a time (an admin's GET /v1/rfos defaults to OPEN): a loader
 * whose blank status means every status, one after the other. Its cursor is `<status index>:<that list's cursor>`.
 */
export function acrossStatuses(load) {
  return async (q) => {
    if (q.status) return load(q);
    const cut = q.cursor ? q.cursor.indexOf(":") : -1;
    let i = cut > 0 ? Number(q.cursor.slice(0, cut)) : 0;
    let inner = cut > 0 ? q.cursor.slice(cut + 1) || undefined : undefined;
    const data = [];
    while (i < STATUSES.length && data.length < q.limit) {
      const page = await load({...q, status: STATUSES[i], cursor: inner, limit: q.limit - data.length});
      data.push(...page.data);
      inner = page.next_cursor || undefined;
      if (!inner) i++;
    }
    return {data, next_cursor: i < STATUSES.length ? `${i}:${inner || ""}` : null};
  };
}

/**
 * A paged RFO list. `load(query)` fetches one page; `onOpen(rfo)` opens one. With `statusFilter`, a select
 * narrows by status (`defaultStatus` first); `textFilters` names query fields offered as text inputs
 * (e.g. category, delivery_region). Returns {element, reload}.
 */
export function rfoList({title, testid, load, onOpen, ctx, statusFilter = false, defaultStatus = "",
  textFilters = [], empty = "No RFOs yet."}) {
  const body = h("div", {className: "list-body", "aria-live": "polite"});
  const alert = formAlert();
  const options = [{value: "", label: "All"}, ...STATUSES.map((s) => ({value: s, label: s}))];
  const labels = {category: "Category", delivery_region: "Region"};
  const toolbar = h("form", {className: "toolbar", role: "search", "aria-label": `Filter ${title}`},
    statusFilter
      ? h("label", {className: "inline"}, "Status ",
          h("select", {name: "status", "data-testid": "status-filter", onchange: () => reload()},
            options.map((o) => h("option", {value: o.value, selected: o.value === defaultStatus}, o.label))))
      : null,
    textFilters.map((name) => h("label", {className: "inline"}, labels[name] || name, " ",
      h("input", {name, type: "search", size: 12, "data-testid": `filter-${name}`, autocomplete: "off"}))),
    h("button", {type: "submit", className: "secondary", "data-testid": "refresh-rfos"}, "Refresh"));
  toolbar.addEventListener("submit", (ev) => {
    ev.preventDefault();
    reload();
  });

  function query() {
    const q = {limit: 20};
    for (const el of toolbar.elements) {
      if (el.name && el.value.trim()) q[el.name] = el.value.trim();
    }
    return q;
  }

  let generation = 0; // only the latest reload may render: an older, slower response is dropped

  async function reload() {
    const mine = ++generation;
    mount(body, h("p", {className: "muted"}, "Loading…"));
    alert.hidden = true;
    const q = query();
    let rows = [];
    const renderPage = async (cursor) => {
      const page = await load({...q, cursor});
      if (mine !== generation) return;
      rows = rows.concat(page.data);
      const more = page.next_cursor
        ? h("button", {type: "button", className: "secondary", "data-testid": "more-rfos",
            onclick: () => renderPage(page.next_cursor).catch(fail)}, "Load more")
        : null;
      mount(body, rows.length ? rfoTable(rows, onOpen) : h("p", {className: "muted", "data-testid": "empty"}, empty), more);
    };
    await renderPage(undefined).catch((err) => mine === generation && fail(err));
  }

  function fail(err) {
    if (ctx.handleAuthError(err)) return;
    mount(body);
    mount(alert, h("p", {}, problemText(err)));
    alert.hidden = false;
  }

  const element = section(title, testid, toolbar, alert, body);
  reload();
  return {element, reload};
}

function rfoTable(rows, onOpen) {
  return table(
    [
      {label: "Title", key: "title", cell: (r) => h("button", {type: "button", className: "link", "data-testid": "open-rfo",
        onclick: () => onOpen(r)}, r.title)},
      {label: "Category", key: "category", cell: (r) => r.category},
      {label: "Quantity", key: "quantity", className: "num", cell: (r) => `${r.quantity} ${r.unit}`},
      {label: "Budget", key: "budget", className: "num", cell: (r) => money(r.budget_max, r.currency)},
      {label: "Status", key: "status", cell: (r) => statusBadge(r.status)},
      {label: "Bidding closes", key: "expires_at", cell: (r) => when(r.expires_at)},
    ],
    rows,
    {testid: "rfo-table", rowTestid: () => "rfo-row", rowId: (r) => r.id},
  );
}

const DISCLOSURE_TEXT = {sealed: "nothing of the ranking (sealed)", own_rank: "their own rank (own_rank)"};

/** The facts of one RFO as a definition list. */
export function rfoFacts(rfo) {
  const rows = [
    ["ID", h("code", {"data-testid": "rfo-id"}, rfo.id)],
    ["Status", h("span", {className: "status-line"}, statusBadge(rfo.status),
      rfo.status_reason ? h("span", {className: "muted", "data-testid": "status-reason"}, `“${rfo.status_reason}”`) : null)],
    rfo.awarded_offer_id ? ["Awarded offer", h("code", {"data-testid": "awarded-offer"}, rfo.awarded_offer_id)] : null,
    ["Category", rfo.category],
    ["Quantity", `${rfo.quantity} ${rfo.unit}`],
    ["Budget (max, total)", money(rfo.budget_max, rfo.currency)],
    ["Delivery region", rfo.delivery_region],
    ["Needed by", when(rfo.need_by)],
    ["Bidding closes", when(rfo.expires_at)],
    ["Scoring", `${rfo.scoring_version} · ${weightsText(rfo.weights)}`],
    ["Vendors see", h("span", {"data-testid": "rfo-disclosure"}, DISCLOSURE_TEXT[rfo.disclosure] || rfo.disclosure)],
    ["Created", when(rfo.created_at)],
  ];
  return h("div", {},
    rfo.description ? h("p", {className: "description"}, rfo.description) : null,
    h("dl", {className: "facts facts-grid", "data-testid": "rfo-facts"},
      rows.filter(Boolean).map(([k, v]) => h("div", {}, h("dt", {}, k), h("dd", {}, v)))));
}

export function weightsText(weights) {
  return Object.entries(weights || {}).map(([k, v]) => `${k} ${Number(v).toFixed(2)}`).join(", ");
}

/**
 * The buyer's (or an admin's) ranking of an RFO's offers, loaded on creation, as {element, reload}. `onExplain(row)` adds an "Explain" button per offer; `onLoaded(ranking)`
 * sees every loaded ranking (e.g. to offer its rows for an award). `reload(rfo)` may pass the RFO's new state.
 */
export function ranking(rfo, ctx, {onExplain, onLoaded} = {}) {
  const body = h("div", {"aria-live": "polite"}, h("p", {className: "muted"}, "Loading ranking…"));
  const alert = formAlert();
  const refresh = h("button", {type: "button", className: "secondary", "data-testid": "refresh-ranking",
    onclick: () => load()}, "Refresh");
  let generation = 0;

  async function load(latest) {
    if (latest) rfo = latest;
    const mine = ++generation;
    alert.hidden = true;
    try {
      const result = await api.ranking(rfo.id);
      if (mine !== generation) return;
      mount(body,
        h("p", {className: "muted", "data-testid": "ranking-weights"},
          `Scoring ${result.scoring_version} · weights ${weightsText(result.weights)}`),
        result.data.length ? rankingTable(result.data, rfo, onExplain) : h("p", {className: "muted", "data-testid": "empty"},
          "No offers yet."));
      onLoaded?.(result);
    } catch (err) {
      if (mine !== generation || ctx.handleAuthError(err)) return;
      mount(body);
      mount(alert, h("p", {}, problemText(err)));
      alert.hidden = false;
    }
  }
  load();
  return {element: section("Ranked offers", "ranking", h("div", {className: "toolbar"}, refresh), alert, body), reload: load};
}

// Why a ranking row cannot be awarded (the API's not_awardable_reason), in words.
const NOT_AWARDABLE = {offer_expired: "offer expired", rfo_expired: "RFO expired", offer_won: "won", offer_lost: "lost"};

function rankingTable(rows, rfo, onExplain) {
  const columns = [
    {label: "Rank", key: "rank", className: "num", cell: (r) => h("strong", {"data-testid": "rank"}, String(r.rank))},
    {label: "Offer", key: "offer_id", cell: (r) => h("span", {className: "offer-cell"},
      h("code", {"data-testid": "offer-id"}, r.offer_id),
      r.offer_id === rfo.awarded_offer_id ? h("span", {className: "badge badge-won", "data-testid": "winner"}, "awarded") : null,
      r.awardable === false && rfo.status !== "AWARDED" ? h("span", {className: "badge badge-expired",
        "data-testid": "not-awardable", title: `Cannot be awarded (${r.not_awardable_reason}); ranked after every awardable offer`},
      `not awardable: ${NOT_AWARDABLE[r.not_awardable_reason] || r.not_awardable_reason}`) : null)},
    {label: "Vendor", key: "vendor_id", cell: (r) => h("span", {className: "named"},
      r.vendor_name ? h("span", {"data-testid": "vendor-name"}, r.vendor_name) : null, r.vendor_name ? " " : null,
      h("code", {"data-testid": "vendor-id", className: r.vendor_name ? "muted" : null}, r.vendor_id))},
    {label: "Score", key: "score", className: "num", cell: (r) => h("span", {"data-testid": "score", title: r.score},
      Number(r.score).toFixed(3))},
    {label: "Components", key: "components", cell: (r) => componentsList(r)},
    {label: "Unit price", key: "unit_price", className: "num", cell: (r) => money(r.unit_price, rfo.currency)},
    {label: "Total", key: "total_price", className: "num", cell: (r) => money(r.total_price, rfo.currency)},
    {label: "Delivery", key: "delivery_date", cell: (r) => when(r.delivery_date)},
  ];
  if (onExplain) {
    columns.push({label: "", key: "explain", cell: (r) => h("button", {type: "button", className: "secondary small",
      "data-testid": "explain-offer", "aria-label": `Explain the score of ${r.offer_id}`, onclick: () => onExplain(r)},
    "Explain")});
  }
  return table(columns, rows, {testid: "ranking-table", rowTestid: () => "ranking-row", rowId: (r) => r.offer_id});
}

function componentsList(row) {
  const items = Object.entries(row.components || {}).map(([k, v]) =>
    h("li", {}, h("span", {className: "muted"}, k), " ", Number(v).toFixed(3),
      h("meter", {min: 0, max: 1, value: Number(v), "aria-label": `${k} ${v}`})));
  for (const [k, v] of Object.entries(row.penalties || {})) {
    if (Number(v) !== 0) items.push(h("li", {className: "penalty"}, h("span", {className: "muted"}, `${k} penalty`), ` −${v}`));
  }
  return h("ul", {className: "components"}, items);
}
