// Money and time, the way the API speaks them (integer minor units + ISO 4217; RFC 3339 UTC) and the way
// people read them (major units; local time, with the UTC value in a title attribute).

import {h} from "./dom.js";

// Minor-unit exponents of the currencies the API accepts (mirrors intentbid.domain.money.CURRENCIES).
export const CURRENCIES = {
  USD: 2, EUR: 2, GBP: 2, CHF: 2, CAD: 2, AUD: 2, SEK: 2, NOK: 2, DKK: 2, PLN: 2, CZK: 2,
  JPY: 0, KRW: 0, INR: 2, BRL: 2, MXN: 2, SGD: 2, NZD: 2,
};

export function exponent(currency) {
  return CURRENCIES[currency] ?? 2;
}

/**
 * "19.99" in USD -> 1999. Exact (string arithmetic, no floats). Throws an Error with a human message when
 * the text is not a non-negative decimal with at most the currency's number of fraction digits.
 */
export function toMinor(text, currency) {
  const exp = exponent(currency);
  const value = String(text ?? "").trim().replace(/,/g, "");
  const m = /^(\d+)(?:\.(\d*))?$/.exec(value);
  if (!m) throw new Error("Enter an amount like 1234.50");
  const fraction = m[2] || "";
  if (fraction.length > exp) {
    throw new Error(exp === 0 ? `${currency} has no minor units: enter a whole number`
                              : `At most ${exp} decimal places for ${currency}`);
  }
  const minor = BigInt(m[1] + fraction.padEnd(exp, "0"));
  if (minor > BigInt(Number.MAX_SAFE_INTEGER)) throw new Error("Amount too large");
  return Number(minor);
}

/** 1999 USD -> "19.99" (no grouping: for prefilling inputs). */
export function toMajorText(minor, currency) {
  const exp = exponent(currency);
  const digits = String(Math.abs(minor)).padStart(exp + 1, "0");
  const sign = minor < 0 ? "-" : "";
  return exp === 0 ? sign + digits : `${sign}${digits.slice(0, -exp)}.${digits.slice(-exp)}`;
}

/** 1999 USD -> "$19.99" in the reader's locale. */
export function money(minor, currency) {
  if (minor === null || minor === undefined) return "—";
  const exp = exponent(currency);
  try {
    return new Intl.NumberFormat(undefined, {
      style: "currency", currency, minimumFractionDigits: exp, maximumFractionDigits: exp,
    }).format(minor / 10 ** exp);
  } catch {
    return `${toMajorText(minor, currency)} ${currency}`;
  }
}

/**
 * A server message quoting amounts in minor units ("unit_price between 2250 and 67500", "the current 990 (EUR
 * minor units)") with each whole number shown in major units ("between €22.50 and €675.00"). Only for messages
 * known to quote money: numbers with a decimal point or inside words are left alone.
 */
export function minorUnitsInText(text, currency) {
  return String(text)
    .replace(/\s*\([A-Z]{3} minor units\)/g, "")
    .replace(/(?<![\w.,])\d+(?![\w]|[.,]\d)/g, (digits) => money(Number(digits), currency));
}

/**
 * The budget per unit and the unit prices an offer may have (mirrors
 * `intentbid.domain.offer_rules.unit_price_band` with the default `INTENTBID_PRICE_MIN_RATIO` 0.05 and
 * `INTENTBID_PRICE_MAX_RATIO` 1.5: unit_price x quantity within 5 %..150 % of the budget), in minor units.
 * Exact (BigInt).
 */
export const PRICE_BAND = {minPercent: 5n, maxPercent: 150n};

export function priceBand(budgetMax, quantity) {
  const budget = BigInt(budgetMax);
  const qty = BigInt(Math.max(1, quantity));
  const ceilDiv = (a, b) => (a + b - 1n) / b;
  const low = ceilDiv(budget * PRICE_BAND.minPercent, 100n * qty);
  return {
    perUnit: Number(budget / qty), // rounded down to a whole minor unit
    perUnitExact: budget % qty === 0n,
    low: Number(low < 1n ? 1n : low),
    high: Number((budget * PRICE_BAND.maxPercent) / (100n * qty)),
  };
}

const LOCAL = new Intl.DateTimeFormat(undefined, {dateStyle: "medium", timeStyle: "short"});

/** A <time> element: local time as text, the UTC value as its title and datetime. */
export function when(iso) {
  if (!iso) return "—";
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return String(iso);
  return h("time", {datetime: iso, title: `${iso} (UTC)`}, LOCAL.format(d));
}

/** A datetime-local value ("2026-12-01T09:30", the reader's local time) -> "2026-12-01T08:30:00Z". */
export function localInputToUtc(value) {
  if (!value) return null;
  const d = new Date(value); // date-time strings without an offset are local time
  if (Number.isNaN(d.getTime())) throw new Error("Enter a valid date and time");
  return d.toISOString().replace(/\.\d{3}Z$/, "Z");
}

/** A Date -> the value a datetime-local input wants, in local time, to the minute. */
export function toLocalInput(date) {
  const pad = (n) => String(n).padStart(2, "0");
  return `${date.getFullYear()}-${pad(date.getMonth() + 1)}-${pad(date.getDate())}` +
    `T${pad(date.getHours())}:${pad(date.getMinutes())}`;
}

export function daysFromNow(days) {
  const d = new Date(Date.now() + days * 86_400_000);
  d.setSeconds(0, 0);
  return d;
}

/** 30 -> "30 s", 3600 -> "1 h 0 min", 90061 -> "1 d 1 h". */
export function duration(seconds) {
  const s = Math.max(0, Math.round(Number(seconds) || 0));
  if (s < 90) return `${s} s`;
  if (s < 3600) return `${Math.floor(s / 60)} min ${s % 60} s`;
  if (s < 86400) return `${Math.floor(s / 3600)} h ${Math.floor((s % 3600) / 60)} min`;
  return `${Math.floor(s / 86400)} d ${Math.floor((s % 86400) / 3600)} h`;
}

/** Today's date in UTC as YYYY-MM-DD (the API's `day` parameters are UTC days). */
export function utcDay(date = new Date()) {
  return date.toISOString().slice(0, 10);
}

/** A fixed-point decimal string ("0.135000", "-0.2") -> an integer count of millionths, exactly (no floats). */
export function micros(text) {
  const m = /^(-?)(\d+)(?:\.(\d{0,6}))?\d*$/.exec(String(text ?? "0").trim());
  if (!m) return 0;
  const value = Number(m[2]) * 1_000_000 + Number((m[3] || "").padEnd(6, "0"));
  return m[1] ? -value : value;
}

/** Millionths -> "0.135000". */
export function fromMicros(value) {
  const sign = value < 0 ? "-" : "";
  const abs = Math.abs(value);
  return `${sign}${Math.floor(abs / 1_000_000)}.${String(abs % 1_000_000).padStart(6, "0")}`;
}
