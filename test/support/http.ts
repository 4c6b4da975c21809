export interface HttpResult<T = Record<string, unknown>> {
  status: number;
  body: T;
}

/** A thin fetch wrapper that speaks JSON to the app, as any client would. */
export class HttpClient {
  constructor(private readonly baseUrl: string) {}

  // biome-ignore lint/suspicious/noExplicitAny: tests inspect arbitrary JSON answers
  async request<T = any>(
    method: string,
    path: string,
    options: { body?: unknown; token?: string; rawBody?: string; headers?: Record<string, string> } = {},
  ): Promise<HttpResult<T>> {
    const headers: Record<string, string> = { ...options.headers };
    if (options.token) headers.authorization = `Bearer ${options.token}`;
    let body: string | undefined = options.rawBody;
    if (options.body !== undefined) {
      headers['content-type'] = 'application/json';
      body = JSON.stringify(options.body);
    }
    const response = await fetch(`${this.baseUrl}${path}`, { method, headers, body });
    const text = await response.text();
    return { status: response.status, body: text ? JSON.parse(text) : (undefined as T) };
  }

  // biome-ignore lint/suspicious/noExplicitAny: see above
  get<T = any>(path: string, token?: string) {
    return this.request<T>('GET', path, { token });
  }

  // biome-ignore lint/suspicious/noExplicitAny: see above
  post<T = any>(path: string, body?: unknown, token?: string) {
    return this.request<T>('POST', path, { body, token });
  }

  // biome-ignore lint/suspicious/noExplicitAny: see above
  patch<T = any>(path: string, body?: unknown, token?: string) {
    return this.request<T>('PATCH', path, { body, token });
  }

  // biome-ignore lint/suspicious/noExplicitAny: see above
  put<T = any>(path: string, body?: unknown, token?: string) {
    return this.request<T>('PUT', path, { body, token });
  }

  // biome-ignore lint/suspicious/noExplicitAny: see above
  delete<T = any>(path: string, token?: string) {
    return this.request<T>('DELETE', path, { token });
  }
}
