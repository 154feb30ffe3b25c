// The only way the dashboard reaches the system: the public REST API, with the person's key from sessionStorage
// in the Authorization header (never in a URL, never logged).

const KEY_NAME = 'taskscheduler.apiKey';

/** /api/ as seen from /api/dashboard/. */
export const API_BASE = new URL('../', window.location.href.split('#')[0]);

export class ApiError extends Error {
  constructor(status, code, message, details, retryAfter) {
    super(message);
    this.status = status;
    this.code = code;
    this.details = details ?? null;
    this.retryAfter = retryAfter;
  }
}

const listeners = new Set();

/** Called with every ApiError of status 401, 403 or 429, so the page can say so wherever it happens. */
export function onApiTrouble(listener) {
  listeners.add(listener);
}

export function getKey() {
  return sessionStorage.getItem(KEY_NAME);
}

export function setKey(key) {
  sessionStorage.setItem(KEY_NAME, key);
}

export function clearKey() {
  sessionStorage.removeItem(KEY_NAME);
}

/** Builds a path with a query string from an object, skipping empty values. */
export function withQuery(path, query) {
  const params = new URLSearchParams();
  for (const [name, value] of Object.entries(query ?? {})) {
    if (value !== undefined && value !== null && value !== '') params.set(name, String(value));
  }
  const text = params.toString();
  return text ? `${path}?${text}` : path;
}

/** Sends a request; resolves to the envelope ({data, meta}) or throws ApiError. */
export async function api(path, { method = 'GET', body, signal, key } = {}) {
  const credential = key ?? getKey();
  const headers = { Accept: 'application/json; version=1.0' };
  if (credential) headers.Authorization = `ApiKey ${credential}`;
  if (body !== undefined) headers['Content-Type'] = 'application/json';
  let response;
  try {
    response = await fetch(new URL(path, API_BASE), {
      method,
      headers,
      body: body === undefined ? undefined : JSON.stringify(body),
      signal,
      cache: 'no-store',
      credentials: 'omit',
      referrerPolicy: 'no-referrer',
    });
  } catch (error) {
    if (error.name === 'AbortError') throw error;
    throw new ApiError(0, 'network', `The API could not be reached (${error.message}).`);
  }

  let envelope = null;
  try {
    envelope = await response.json();
  } catch {
    envelope = null;
  }

  if (response.ok) return envelope ?? {};
  const error = envelope?.error ?? {};
  const retryAfter = response.headers.get('Retry-After');
  const failure = new ApiError(response.status, error.code ?? 'http_error',
    error.message ?? `The API answered ${response.status}.`, error.details, retryAfter === null ? null : Number(retryAfter));
  // A sign-in attempt (an explicit key) reports its own failure; everything else tells the page.
  if (key === undefined && [401, 403, 429].includes(response.status)) {
    for (const listener of listeners) listener(failure);
  }
  throw failure;
}
