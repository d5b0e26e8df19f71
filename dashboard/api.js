// The dashboard's only way to the server: the public API on the same origin, with the user's key.
// Errors come back as RFC 9457 problem+json and are thrown as ApiError (detail + code + field errors).

const STORAGE_KEY = "intentbid.apiKey";

/** The key lives in sessionStorage only: gone when the tab closes, never in localStorage or cookies. */
export const session = {
  get key() {
    return sessionStorage.getItem(STORAGE_KEY);
  },
  set key(value) {
    if (value) sessionStorage.setItem(STORAGE_KEY, value);
    else sessionStorage.removeItem(STORAGE_KEY);
  },
};

export class ApiError extends Error {
  constructor(status, problem) {
    const detail = problem.detail || problem.title || `HTTP ${status}`;
    super(detail);
    this.name = "ApiError";
    this.status = status;
    this.code = problem.code || `http_${status}`;
    this.detail = detail;
    this.title = problem.title || "";
    this.errors = Array.isArray(problem.errors) ? problem.errors : [];
    this.requestId = problem.instance || null;
    this.retryAfter = null;
  }
}

function newIdempotencyKey() {
  if (crypto.randomUUID) return crypto.randomUUID();
  const bytes = crypto.getRandomValues(new Uint8Array(16));
  return Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join("");
}

/**
 * Call the API. `key` defaults to the session's key; pass `key: null` for public endpoints.
 * POSTs carry a fresh Idempotency-Key, so a double-submitted form creates one object.
 * Resolves to the parsed JSON body (or null for 204); rejects with ApiError.
 */
export async function request(method, path, {body, query, key = session.key} = {}) {
  const url = new URL(path, window.location.origin);
  for (const [name, value] of Object.entries(query || {})) {
    if (value !== undefined && value !== null && value !== "") url.searchParams.set(name, value);
  }
  const headers = {Accept: "application/json, application/problem+json"};
  if (key) headers.Authorization = `Bearer ${key}`;
  if (body !== undefined) headers["Content-Type"] = "application/json";
  if (method === "POST") headers["Idempotency-Key"] = newIdempotencyKey();

  let response;
  try {
    response = await fetch(url, {
      method, headers, body: body === undefined ? undefined : JSON.stringify(body),
      credentials: "omit", cache: "no-store", referrerPolicy: "no-referrer",
    });
  } catch {
    throw new ApiError(0, {detail: "Could not reach the API. Check your connection and retry.", code: "network_error"});
  }
  if (response.status === 204) return null;
  const text = await response.text();
  let data = null;
  try {
    data = text ? JSON.parse(text) : null;
  } catch {
    data = null;
  }
  if (!response.ok) {
    const err = new ApiError(response.status, data && typeof data === "object" ? data : {});
    err.retryAfter = response.headers.get("Retry-After");
    throw err;
  }
  return data;
}

const seg = encodeURIComponent;
const owner = (me) => `/v1/${seg(me.kind)}s/${seg(me.id)}`;

export const api = {
  me: (key) => request("GET", "/v1/me", key === undefined ? {} : {key}),
  register: (kind, body) => request("POST", `/v1/${kind}s/register`, {body, key: null}),
  listRfos: (query) => request("GET", "/v1/rfos", {query}),
  getRfo: (id) => request("GET", `/v1/rfos/${seg(id)}`),
  createRfo: (body) => request("POST", "/v1/rfos", {body}),
  ranking: (id) => request("GET", `/v1/rfos/${seg(id)}/ranking`),
  realtimeTicket: () => request("POST", "/v1/realtime/tickets"),
  submitOffer: (rfoId, body) => request("POST", `/v1/rfos/${seg(rfoId)}/offers`, {body}),
  vendorOffers: (vendorId, query) => request("GET", `/v1/vendors/${seg(vendorId)}/offers`, {query}),
  withdrawOffer: (offerId) => request("POST", `/v1/offers/${seg(offerId)}/withdraw`),
  getOffer: (offerId) => request("GET", `/v1/offers/${seg(offerId)}`),
  reviseOffer: (offerId, body) => request("PATCH", `/v1/offers/${seg(offerId)}`, {body}),
  rejections: (vendorId, query) => request("GET", `/v1/vendors/${seg(vendorId)}/rejections`, {query}),

  // Keys of the signed-in vendor or buyer (`me` from GET /v1/me).
  listKeys: (me, query) => request("GET", `${owner(me)}/keys`, {query}),
  createKey: (me, body) => request("POST", `${owner(me)}/keys`, {body}),
  revokeKey: (me, keyId) => request("POST", `${owner(me)}/keys/${seg(keyId)}/revoke`),
  rotateKey: (me, keyId, body) => request("POST", `${owner(me)}/keys/${seg(keyId)}/rotate`, {body}),
  patchKey: (me, keyId, body) => request("PATCH", `${owner(me)}/keys/${seg(keyId)}`, {body}),

  // Webhook endpoints of the signed-in vendor or buyer (of its key's environment).
  listWebhooks: (query) => request("GET", "/v1/webhooks", {query}),
  createWebhook: (body) => request("POST", "/v1/webhooks", {body}),
  patchWebhook: (id, body) => request("PATCH", `/v1/webhooks/${seg(id)}`, {body}),
  deleteWebhook: (id) => request("DELETE", `/v1/webhooks/${seg(id)}`),
  rotateWebhookSecret: (id, body) => request("POST", `/v1/webhooks/${seg(id)}/rotate-secret`, {body}),

  // RFO lifecycle and scoring.
  history: (id, query) => request("GET", `/v1/rfos/${seg(id)}/history`, {query}),
  closeRfo: (id, body) => request("POST", `/v1/rfos/${seg(id)}/close`, {body}),
  awardRfo: (id, body) => request("POST", `/v1/rfos/${seg(id)}/award`, {body}),
  reopenRfo: (id, body) => request("POST", `/v1/rfos/${seg(id)}/reopen`, {body}),
  deleteRfo: (id) => request("DELETE", `/v1/rfos/${seg(id)}`),
  putWeights: (id, body) => request("PUT", `/v1/rfos/${seg(id)}/weights`, {body}),
  createShareLink: (id, body) => request("POST", `/v1/rfos/${seg(id)}/public-token`, {body}),
  revokeShareLink: (id) => request("DELETE", `/v1/rfos/${seg(id)}/public-token`),
  explain: (id) => request("GET", `/v1/rfos/${seg(id)}/ranking/explain`),
  scoringCatalog: () => request("GET", "/v1/scoring", {key: null}),

  // Ops.
  flags: (query) => request("GET", "/v1/admin/flags", {query}),
  setCooldown: (vendorId, body) => request("POST", `/v1/admin/vendors/${seg(vendorId)}/cooldown`, {body}),
  liftCooldown: (vendorId) => request("DELETE", `/v1/admin/vendors/${seg(vendorId)}/cooldown`),
  audit: (query) => request("GET", "/v1/admin/audit", {query}),
};

/** Every page of a list endpoint (`load(query)` -> {data, next_cursor}), up to `maxPages`. */
export async function allPages(load, query = {}, maxPages = 10) {
  let rows = [];
  let cursor;
  for (let i = 0; i < maxPages; i++) {
    const page = await load({limit: 100, ...query, cursor});
    rows = rows.concat(page.data);
    cursor = page.next_cursor;
    if (!cursor) break;
  }
  return rows;
}

/** Seconds to wait from a Retry-After header (delta-seconds or an HTTP date); null when absent. */
export function retryAfterSeconds(value) {
  if (value === null || value === undefined || value === "") return null;
  if (/^\d+$/.test(String(value).trim())) return Number(value);
  const at = Date.parse(value);
  return Number.isNaN(at) ? null : Math.max(0, Math.ceil((at - Date.now()) / 1000));
}
