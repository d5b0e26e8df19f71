// A vendor's offer in detail with its revise form (PATCH /v1/offers/{id}: limits and the revision cooldown
// answer 429 with Retry-After, shown as a countdown), and the vendor's rejected submissions and revisions
// (GET /v1/vendors/{id}/rejections: code, reason, field errors, time).

import {api} from "./api.js";
import {h, mount, table} from "./dom.js";
import {localInputToUtc, minorUnitsInText, money, priceBand, toLocalInput, toMajorText, toMinor, when} from "./format.js";
import {named, rfoOnce, rfosById} from "./rfo.js";
import {
  busy, clearProblems, field, FieldProblem, formAlert, markPristine, MINOR_UNIT_CODES, problemText, section, showProblem,
  statusBadge, submitWhenChanged,
} from "./ui.js";

/**
 * What the RFO's budget means for a unit price, before anything is sent: the budget per unit and the band of
 * unit prices the API accepts (`price_out_of_range` otherwise), in the RFO's currency.
 */
export function priceBandHint(rfo) {
  const band = priceBand(rfo.budget_max, rfo.quantity);
  const c = rfo.currency;
  return h("p", {className: "hint band", "data-testid": "price-band"},
    "Budget per unit: ",
    h("strong", {"data-testid": "budget-per-unit"}, `${band.perUnitExact ? "" : "≈ "}${money(band.perUnit, c)}`),
    ` (${money(rfo.budget_max, c)} for ${rfo.quantity} ${rfo.unit}). Accepted unit price: `,
    h("strong", {"data-testid": "band-low"}, money(band.low, c)), " to ",
    h("strong", {"data-testid": "band-high"}, money(band.high, c)), ".");
}

/**
 * The offer's rank as the API discloses it: the number, or why it is hidden (`rank_hidden_reason`: `sealed` when
 * the RFO shows ranks to its buyer only, `not_ranked` when the offer is no longer active).
 */
export function rankCell(o) {
  if (o.rank !== null && o.rank !== undefined) return h("span", {"data-testid": "offer-rank"}, `#${o.rank}`);
  const [text, title] = o.rank_hidden_reason === "sealed"
    ? ["sealed", "Sealed bidding: this RFO shows ranks to its buyer only"]
    : ["not ranked", "Only active offers stand in the ranking"];
  return h("span", {className: "muted", "data-testid": "offer-rank", title}, text);
}

/** The offer's facts and, while it is active, a form to revise it. */
export function offerDetail(offer, ctx, {onRevised, onRejected, onDismiss} = {}) {
  const facts = h("div", {});
  const formSlot = h("div", {});
  const element = section(`Offer ${offer.id}`, "offer-detail", facts, formSlot,
    h("button", {type: "button", className: "secondary", "data-testid": "close-offer", onclick: () => onDismiss?.()},
      "Close"));

  let rfoName = named(null, offer.rfo_id);
  let rfo = null; // the offer's RFO (title, band), once read
  rfoOnce(offer.rfo_id).then((r) => {
    rfo = r;
    const titled = named(r.title, r.id, "offer-rfo-title");
    rfoName.replaceWith(titled);
    rfoName = titled;
    element.querySelector("[data-testid=revise-form] [data-error-for~=unit_price]")?.before(priceBandHint(r));
  }, () => {});

  function render(o) {
    offer = o;
    const rows = [
      ["RFO", rfoName],
      ["Status", statusBadge(o.status)],
      ["Unit price", h("span", {"data-testid": "offer-unit-price"}, money(o.unit_price, o.currency))],
      ["Quantity available", String(o.quantity_available)],
      ["Total", money(o.total_price, o.currency)],
      ["Delivery", when(o.delivery_date)],
      ["Valid until", when(o.valid_until)],
      ["Revision", h("span", {"data-testid": "offer-revision"}, String(o.revision))],
      ["Rank", rankCell(o)],
      ["Submitted", when(o.submitted_at)],
      ["Updated", when(o.updated_at)],
    ];
    mount(facts,
      h("dl", {className: "facts facts-grid", "data-testid": "offer-facts"},
        rows.map(([k, v]) => h("div", {}, h("dt", {}, k), h("dd", {}, v)))),
      o.notes ? h("p", {className: "description"}, o.notes) : null);
    mount(formSlot, o.status === "active" ? reviseForm(o) : null);
  }

  function reviseForm(o) {
    const form = h("form", {"data-testid": "revise-form", novalidate: true},
      h("h3", {}, "Revise"),
      h("p", {className: "hint"}, "Each revision counts against the revision limit, and revisions of one offer must " +
        "be spaced apart: too soon is answered with the time to wait."),
      formAlert(),
      h("div", {className: "row"},
        field({label: "Unit price", name: "unit_price", hint: `In major units (${o.currency})`,
          attrs: {required: true, inputmode: "decimal", autocomplete: "off", value: toMajorText(o.unit_price, o.currency),
            "data-currency": o.currency}}),
        field({label: "Quantity available", name: "quantity_available", type: "number",
          attrs: {required: true, min: 1, step: 1, value: o.quantity_available}}),
        field({label: "Delivery in (days)", name: "eta_days", type: "number", errorFor: ["delivery_date"],
          hint: "Empty: keep the delivery date", attrs: {min: 0, max: 3650, step: 1}})),
      field({label: "Offer valid until", name: "valid_until", type: "datetime-local", hint: "Your local time",
        attrs: {value: toLocalInput(new Date(o.valid_until))}}),
      field({label: "Notes", name: "notes", type: "textarea", attrs: {rows: 2, maxlength: 2000}}),
      h("button", {type: "submit", "data-testid": "submit-revision"}, "Revise offer"));
    form.elements.notes.value = o.notes || "";
    const validUntilShown = form.elements.valid_until.value;
    if (rfo) form.querySelector("[data-error-for~=unit_price]").before(priceBandHint(rfo));
    submitWhenChanged(form); // nothing to send until a field changes

    form.addEventListener("submit", (ev) => {
      ev.preventDefault();
      busy(form, async () => {
        try {
          const body = readRevision(form, o, validUntilShown);
          if (!Object.keys(body).length) throw new Error("Nothing to revise: change a field first.");
          const revised = await api.reviseOffer(o.id, body);
          clearProblems(form);
          markPristine(form);
          ctx.notify(`Offer ${revised.id} revised (revision ${revised.revision}).`, "success");
          render(revised);
          await onRevised?.(revised);
        } catch (err) {
          if (ctx.handleAuthError(err)) return;
          showProblem(form, err);
          if (err.status) onRejected?.();
        }
      });
    });
    return form;
  }

  render(offer);
  return element;
}

/** Only the fields that changed, as an OfferRevise body. */
function readRevision(form, o, validUntilShown) {
  const v = (name) => form.elements[name].value.trim();
  const body = {};
  if (v("unit_price")) {
    let price;
    try {
      price = toMinor(v("unit_price"), o.currency);
    } catch (e) {
      throw new FieldProblem("unit_price", e.message);
    }
    if (price !== o.unit_price) body.unit_price = price;
  }
  if (v("quantity_available") && Number(v("quantity_available")) !== o.quantity_available) {
    body.quantity_available = Number(v("quantity_available"));
  }
  if (v("eta_days")) body.eta_days = Number(v("eta_days"));
  if (v("valid_until") && v("valid_until") !== validUntilShown) {
    try {
      body.valid_until = localInputToUtc(v("valid_until"));
    } catch (e) {
      throw new FieldProblem("valid_until", e.message);
    }
  }
  if (v("notes") !== (o.notes || "")) body.notes = v("notes");
  return body;
}

/** The vendor's rejected submissions and revisions, newest first: {element, reload}. Not loaded until the
 * first reload (the offers list triggers it). */
export function rejectionsPanel(ctx) {
  const body = h("div", {"aria-live": "polite"});
  const alert = formAlert();
  const refresh = h("button", {type: "button", className: "secondary", "data-testid": "refresh-rejections",
    onclick: () => reload()}, "Refresh");
  let generation = 0;

  async function reload(cursor, rows = []) {
    const mine = cursor ? generation : ++generation;
    alert.hidden = true;
    try {
      const page = await api.rejections(ctx.me.id, {limit: 20, cursor});
      if (mine !== generation) return;
      const all = rows.concat(page.data);
      const rfos = await rfosById(all.map((r) => r.rfo_id)); // titles, and the currency amounts are quoted in
      if (mine !== generation) return;
      const more = page.next_cursor
        ? h("button", {type: "button", className: "secondary", "data-testid": "more-rejections",
          onclick: () => reload(page.next_cursor, all)}, "Load more")
        : null;
      mount(body, all.length ? rejectionsTable(all, rfos) : h("p", {className: "muted", "data-testid": "empty"},
        "No rejected submissions."), more);
    } catch (err) {
      if (mine !== generation || ctx.handleAuthError(err)) return;
      mount(alert, h("p", {}, problemText(err)));
      alert.hidden = false;
    }
  }

  const element = section("Rejected submissions", "rejections",
    h("div", {className: "toolbar"},
      h("p", {className: "muted grow"}, "Offers and revisions the API refused, with the reason: fix and resend."),
      refresh),
    alert, body);
  return {element, reload: () => reload()};
}

function rejectionsTable(rows, rfos) {
  // Amounts in messages in the RFO's major units, as the forms take them (the API quotes minor units).
  const units = (r, code, text) => {
    const currency = rfos.get(r.rfo_id)?.currency;
    return currency && MINOR_UNIT_CODES.has(code) ? minorUnitsInText(text, currency) : text;
  };
  return table(
    [
      {label: "When", key: "at", cell: (r) => when(r.at)},
      {label: "RFO", key: "rfo_id", cell: (r) =>
        r.rfo_id ? named(rfos.get(r.rfo_id)?.title, r.rfo_id, "rejection-rfo-title") : "—"},
      {label: "Offer", key: "offer_id", cell: (r) => r.offer_id ? h("code", {}, r.offer_id) : "—"},
      {label: "Action", key: "action", cell: (r) => r.action},
      {label: "Code", key: "code", cell: (r) => h("span", {},
        h("code", {"data-testid": "rejection-code"}, r.code), " ", h("span", {className: "muted"}, String(r.status)))},
      {label: "Reason", key: "reason", cell: (r) => h("div", {},
        h("p", {className: "reason", "data-testid": "rejection-reason"}, units(r, r.code, r.reason)),
        r.errors.length ? h("ul", {className: "field-errors", "data-testid": "rejection-errors"}, r.errors.map((e) =>
          h("li", {}, h("code", {}, e.field), ": ", units(r, e.code, e.message), " ",
            h("code", {className: "muted"}, e.code)))) : null)},
    ],
    rows,
    {testid: "rejections-table", rowTestid: () => "rejection-row", rowId: (r) => r.id},
  );
}
