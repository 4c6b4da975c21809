import { ChatError } from './errors.js';

export type Query = Record<string, unknown>;

export interface RequestOptions {
  body?: unknown;
  query?: Query;
  token?: string;
}

export function buildUrl(baseUrl: string, path: string, query?: Query): string {
  const url = new URL(path, baseUrl);
  for (const [key, value] of Object.entries(query ?? {})) {
    if (value !== undefined && value !== null) url.searchParams.set(key, String(value));
  }
  return url.toString();
}

/** Turns an error answer of the service into a ChatError carrying its code. */
export async function errorOf(response: Response): Promise<ChatError> {
  const body = (await response.json().catch(() => null)) as {
    code?: ChatError['code'];
    message?: string;
    details?: ChatError['details'];
  } | null;
  return new ChatError(
    body?.code ?? (response.status >= 500 ? 'SERVICE_UNAVAILABLE' : 'NOT_FOUND'),
    body?.message ?? response.statusText,
    response.status,
    body?.details,
  );
}

/** One JSON call to the service; a network failure becomes a ChatError too, so callers handle one kind. */
export async function request<T>(
  baseUrl: string,
  method: string,
  path: string,
  { body, query, token }: RequestOptions = {},
): Promise<T> {
  const headers: Record<string, string> = {};
  if (body !== undefined) headers['content-type'] = 'application/json';
  if (token) headers.authorization = `Bearer ${token}`;
  let response: Response;
  try {
    response = await fetch(buildUrl(baseUrl, path, query), {
      method,
      headers,
      body: body === undefined ? undefined : JSON.stringify(body),
    });
  } catch (error) {
    throw new ChatError('NETWORK', error instanceof Error ? error.message : String(error));
  }
  if (!response.ok) throw await errorOf(response);
  if (response.status === 204) return undefined as T;
  return (await response.json()) as T;
}
