// Vendor view: the open RFOs it may bid on, an RFO's detail with a "Submit offer" form, its offers (withdraw;
// details with a revise form) and its rejected submissions (offers.js).

import {api} from "./api.js";
import {h, mount, table} from "./dom.js";
import {CURRENCIES, daysFromNow, localInputToUtc, money, toLocalInput, toMinor, when} from "./format.js";
import {offerDetail, priceBandHint, rankCell, rejectionsPanel} from "./offers.js";
import {named, rfoFacts, rfoList, rfosById} from "./rfo.js";
import {
  busy, clearProblems, field, FieldProblem, formAlert, markPristine, problemText, section, showProblem, statusBadge,
  submitWhenChanged,
} from "./ui.js";

export function vendorView(ctx) {
  const detail = h("div", {className: "detail", "data-testid": "detail-area"});
  const rejections = rejectionsPanel(ctx);
  const offers = myOffers(ctx, {onOpen: (offer) => ctx.go("offers", offer.id), onReload: () => rejections.reload()});
  const list = rfoList({
    title: "Open RFOs", testid: "rfo-list", ctx,
    textFilters: ["category", "delivery_region"],
    load: (q) => api.listRfos(q),
    onOpen: (rfo) => ctx.go("rfos", rfo.id),
    empty: "No open RFOs right now.",
  });

  let opened = 0; // only the latest opened RFO or offer may render

  // The URL names the open RFO or offer (#/rfos/<id>, #/offers/<id>): links, reloads and back/forward.
  ctx.onRoute = (route) => {
    if (route?.kind === "rfos") return openRfo(route.id);
    if (route?.kind === "offers") return openOffer(route.id);
    ++opened;
    mount(detail);
  };

  /** Load and show, unless something else was opened meanwhile; a failure drops the route and says why. */
  async function show(load) {
    const mine = ++opened;
    mount(detail, h("p", {className: "muted"}, "Loading…"));
    try {
      const view = await load();
      if (mine !== opened) return;
      mount(detail, view);
      detail.scrollIntoView({block: "start"});
    } catch (err) {
      if (mine !== opened) return;
      mount(detail);
      ctx.forget();
      if (!ctx.handleAuthError(err)) ctx.notify(err);
    }
  }

  function openRfo(id) {
    return show(async () => {
      const rfo = await api.getRfo(id);
      return [section(rfo.title, "rfo-detail", rfoFacts(rfo),
        h("button", {type: "button", className: "secondary", "data-testid": "close-detail", onclick: () => ctx.leave()},
          "Close")),
      section("Submit offer", "submit-offer", offerForm(rfo, ctx, async (offer) => {
        ctx.notify(`Offer ${offer.id} submitted.`, "success");
        await offers.reload();
      }, () => rejections.reload()))];
    });
  }

  function openOffer(id) {
    return show(async () => offerDetail(await api.getOffer(id), ctx, {
      onRevised: () => offers.reload(),
      onRejected: () => rejections.reload(),
      onDismiss: () => ctx.leave(),
    }));
  }

  return h("div", {className: "view stack", "data-testid": "vendor-view"},
    list.element, detail, offers.element, rejections.element);
}

function offerForm(rfo, ctx, onSubmitted, onRejected) {
  const currencies = Object.keys(CURRENCIES);
  const form = h("form", {"data-testid": "offer-form", novalidate: true},
    formAlert(),
    h("div", {className: "row"},
      field({label: "Unit price", name: "unit_price", hint: `In major units, e.g. 12.50 ${rfo.currency}`,
        attrs: {required: true, inputmode: "decimal", autocomplete: "off", "data-currency-field": "currency"}}),
      field({label: "Currency", name: "currency", type: "select", options: currencies,
        hint: `This RFO is priced in ${rfo.currency}`, attrs: {required: true}})),
    h("div", {className: "row"},
      field({label: "Quantity available", name: "quantity_available", type: "number",
        attrs: {required: true, min: 1, step: 1, value: rfo.quantity}}),
      field({label: "Delivery in (days)", name: "eta_days", type: "number", errorFor: ["delivery_date"],
        attrs: {required: true, min: 0, max: 3650, step: 1}})),
    field({label: "Offer valid until", name: "valid_until", type: "datetime-local", hint: "Your local time",
      attrs: {required: true, value: toLocalInput(daysFromNow(7))}}),
    field({label: "I confirm the quantity is available to deliver", name: "availability_confirmed", type: "checkbox"}),
    field({label: "Notes (optional)", name: "notes", type: "textarea", attrs: {rows: 2, maxlength: 2000}}),
    h("button", {type: "submit", "data-testid": "submit-offer"}, "Submit offer"));
  form.elements.currency.value = rfo.currency;
  form.querySelector("[data-error-for~=unit_price]").before(priceBandHint(rfo));
  submitWhenChanged(form); // Submit stays disabled until the form changes, and again after each offer

  form.addEventListener("submit", (ev) => {
    ev.preventDefault();
    busy(form, async () => {
      try {
        const offer = await api.submitOffer(rfo.id, readOffer(form));
        clearProblems(form);
        markPristine(form);
        await onSubmitted(offer);
      } catch (err) {
        if (ctx.handleAuthError(err)) return;
        showProblem(form, err);
        if (err.status) onRejected?.(); // the API logged it: show it in "Rejected submissions"
      }
    });
  });
  return form;
}

/** The form's values as an OfferCreate body (amounts in minor units, times in UTC). */
function readOffer(form) {
  const v = (name) => form.elements[name].value.trim();
  const currency = v("currency");
  const body = {currency, availability_confirmed: form.elements.availability_confirmed.checked};
  if (v("unit_price")) {
    try {
      body.unit_price = toMinor(v("unit_price"), currency);
    } catch (e) {
      throw new FieldProblem("unit_price", e.message);
    }
  }
  if (v("quantity_available")) body.quantity_available = Number(v("quantity_available"));
  if (v("eta_days")) body.eta_days = Number(v("eta_days"));
  try {
    const iso = localInputToUtc(v("valid_until"));
    if (iso) body.valid_until = iso;
  } catch (e) {
    throw new FieldProblem("valid_until", e.message);
  }
  if (v("notes")) body.notes = v("notes");
  return body;
}

function myOffers(ctx, {onOpen, onReload} = {}) {
  const body = h("div", {"aria-live": "polite"});
  const alert = formAlert();
  const refresh = h("button", {type: "button", className: "secondary", "data-testid": "refresh-offers",
    onclick: () => reload()}, "Refresh");

  let generation = 0; // only the latest reload may render

  async function reload() {
    const mine = ++generation;
    onReload?.();
    alert.hidden = true;
    let rows = [];
    const renderPage = async (cursor) => {
      const page = await api.vendorOffers(ctx.me.id, {limit: 20, cursor});
      if (mine !== generation) return;
      rows = rows.concat(page.data);
      const rfos = await rfosById(rows.map((o) => o.rfo_id)); // the RFO's title next to its id
      if (mine !== generation) return;
      const more = page.next_cursor
        ? h("button", {type: "button", className: "secondary", "data-testid": "more-offers",
            onclick: () => renderPage(page.next_cursor).catch(fail)}, "Load more")
        : null;
      mount(body, rows.length ? offersTable(rows, rfos) : h("p", {className: "muted", "data-testid": "empty"},
        "No offers yet. Open an RFO to bid."), more);
    };
    await renderPage(undefined).catch((err) => mine === generation && fail(err));
  }

  function fail(err) {
    if (ctx.handleAuthError(err)) return;
    mount(alert, h("p", {}, problemText(err)));
    alert.hidden = false;
  }

  function withdrawButton(offer) {
    if (offer.status !== "active") return null;
    let armed = false;
    const button = h("button", {type: "button", className: "danger small", "data-testid": "withdraw-offer",
      onclick: async () => {
        if (!armed) {
          armed = true;
          button.textContent = "Confirm withdraw";
          setTimeout(() => { armed = false; button.textContent = "Withdraw"; }, 5000);
          return;
        }
        button.disabled = true;
        try {
          await api.withdrawOffer(offer.id);
          ctx.notify(`Offer ${offer.id} withdrawn.`, "success");
          await reload();
        } catch (err) {
          button.disabled = false;
          fail(err);
        }
      }}, "Withdraw");
    return button;
  }

  function offersTable(rows, rfos) {
    return table(
      [
        {label: "Offer", key: "id", cell: (o) => h("code", {"data-testid": "offer-id"}, o.id)},
        {label: "RFO", key: "rfo_id", cell: (o) => named(rfos.get(o.rfo_id)?.title, o.rfo_id, "offer-rfo-title")},
        {label: "Unit price", key: "unit_price", className: "num", cell: (o) => money(o.unit_price, o.currency)},
        {label: "Total", key: "total_price", className: "num", cell: (o) => money(o.total_price, o.currency)},
        {label: "Delivery", key: "delivery_date", cell: (o) => when(o.delivery_date)},
        {label: "Valid until", key: "valid_until", cell: (o) => when(o.valid_until)},
        {label: "Status", key: "status", cell: (o) => statusBadge(o.status)},
        {label: "Rank", key: "rank", className: "num", cell: (o) => rankCell(o)},
        {label: "", key: "actions", cell: (o) => h("div", {className: "actions"},
          h("button", {type: "button", className: "secondary small", "data-testid": "open-offer",
            onclick: () => onOpen?.(o)}, o.status === "active" ? "Revise…" : "Details"),
          withdrawButton(o))},
      ],
      rows,
      {testid: "offers-table", rowTestid: () => "offer-row", rowId: (o) => o.id},
    );
  }

  reload();
  return {element: section("My offers", "my-offers", h("div", {className: "toolbar"}, refresh), alert, body), reload};
}
