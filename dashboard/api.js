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

export const api = {
  me: (key) => request("GET", "/v1/me", key === undefined ? {} : {key}),
  register: (kind, body) => request("POST", `/v1/${kind}s/register`, {body, key: null}),
  listRfos: (query) => request("GET", "/v1/rfos", {query}),
  getRfo: (id) => request("GET", `/v1/rfos/${encodeURIComponent(id)}`),
  createRfo: (body) => request("POST", "/v1/rfos", {body}),
  ranking: (id) => request("GET", `/v1/rfos/${encodeURIComponent(id)}/ranking`),
  submitOffer: (rfoId, body) => request("POST", `/v1/rfos/${encodeURIComponent(rfoId)}/offers`, {body}),
  vendorOffers: (vendorId, query) =>
    request("GET", `/v1/vendors/${encodeURIComponent(vendorId)}/offers`, {query}),
  withdrawOffer: (offerId) => request("POST", `/v1/offers/${encodeURIComponent(offerId)}/withdraw`),
};
