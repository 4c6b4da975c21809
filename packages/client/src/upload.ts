import type { MediaView } from './contract.js';
import { ChatError } from './errors.js';
import { buildUrl, errorOf } from './request.js';
import type { Session } from './session.js';

export interface UploadInput {
  data: Blob | Uint8Array;
  filename?: string;
  /** Informational only: the service decides the type from the file's first bytes. */
  contentType?: string;
}

export interface UploadOptions {
  /** Bytes of the request body sent so far and its total size (the multipart framing included). */
  onProgress?: (sent: number, total: number) => void;
  signal?: AbortSignal;
}

// Small enough that progress moves smoothly, large enough not to cost a syscall per few bytes.
const CHUNK_BYTES = 64 * 1024;

interface XhrLike {
  open(method: string, url: string): void;
  setRequestHeader(name: string, value: string): void;
  send(body: unknown): void;
  abort(): void;
  status: number;
  responseText: string;
  upload: { onprogress: ((event: { loaded: number; total: number }) => void) | null };
  onload: (() => void) | null;
  onerror: (() => void) | null;
  onabort: (() => void) | null;
}
interface BrowserGlobals {
  XMLHttpRequest?: new () => XhrLike;
  FormData: new () => { append(name: string, value: Blob, filename?: string): void };
}

function asBlob({ data, contentType }: UploadInput): Blob {
  return data instanceof Blob ? data : new Blob([data as Uint8Array<ArrayBuffer>], { type: contentType });
}

// fetch cannot report upload progress in browsers, XMLHttpRequest can.
function uploadWithXhr(
  Xhr: new () => XhrLike,
  url: string,
  token: string,
  input: UploadInput,
  { onProgress, signal }: UploadOptions,
): Promise<MediaView> {
  return new Promise((resolve, reject) => {
    const xhr = new Xhr();
    xhr.open('POST', url);
    xhr.setRequestHeader('authorization', `Bearer ${token}`);
    xhr.upload.onprogress = (event) => onProgress?.(event.loaded, event.total);
    xhr.onload = () => {
      const body = JSON.parse(xhr.responseText || 'null');
      if (xhr.status === 201) return resolve(body as MediaView);
      reject(
        new ChatError(body?.code ?? 'SERVICE_UNAVAILABLE', body?.message ?? 'Upload failed', xhr.status),
      );
    };
    xhr.onerror = () => reject(new ChatError('NETWORK', 'Upload failed'));
    xhr.onabort = () => reject(new ChatError('NETWORK', 'Upload aborted'));
    signal?.addEventListener('abort', () => xhr.abort(), { once: true });
    const form = new (globalThis as unknown as BrowserGlobals).FormData();
    form.append('file', asBlob(input), input.filename ?? 'upload');
    xhr.send(form);
  });
}

/** The multipart body as a stream that reports each chunk as the network takes it. */
function multipartStream(input: UploadInput, onProgress?: (sent: number, total: number) => void) {
  const boundary = `----live-chat-${crypto.randomUUID()}`;
  const encoder = new TextEncoder();
  const filename = (input.filename ?? 'upload').replace(/["\r\n]/g, '_');
  const head = encoder.encode(
    `--${boundary}\r\nContent-Disposition: form-data; name="file"; filename="${filename}"\r\n` +
      `Content-Type: ${input.contentType ?? 'application/octet-stream'}\r\n\r\n`,
  );
  const tail = encoder.encode(`\r\n--${boundary}--\r\n`);
  const blob = asBlob(input);
  const total = head.byteLength + blob.size + tail.byteLength;
  let offset = 0;
  let sent = 0;
  let stage: 'head' | 'file' | 'tail' | 'done' = 'head';
  const body = new ReadableStream<Uint8Array>({
    async pull(controller) {
      let chunk: Uint8Array;
      if (stage === 'head') {
        chunk = head;
        stage = 'file';
      } else if (stage === 'file' && offset < blob.size) {
        chunk = new Uint8Array(await blob.slice(offset, offset + CHUNK_BYTES).arrayBuffer());
        offset += chunk.byteLength;
      } else if (stage !== 'done') {
        chunk = tail;
        stage = 'done';
      } else {
        controller.close();
        return;
      }
      controller.enqueue(chunk);
      sent += chunk.byteLength;
      onProgress?.(sent, total);
    },
  });
  return { body, boundary, total };
}

async function uploadWithFetch(url: string, token: string, input: UploadInput, options: UploadOptions) {
  const { body, boundary, total } = multipartStream(input, options.onProgress);
  let response: Response;
  try {
    response = await fetch(url, {
      method: 'POST',
      headers: {
        authorization: `Bearer ${token}`,
        'content-type': `multipart/form-data; boundary=${boundary}`,
        'content-length': String(total),
      },
      body,
      signal: options.signal,
      // Node's fetch streams a request body only in half-duplex mode, which it asks to be named.
      duplex: 'half',
    } as RequestInit);
  } catch (error) {
    throw new ChatError('NETWORK', error instanceof Error ? error.message : String(error));
  }
  if (response.status !== 201) throw await errorOf(response);
  return (await response.json()) as MediaView;
}

/** Uploads a voice note or a video (`POST /api/media`); send the answer's `url` as a message's mediaUrl. */
export async function upload(session: Session, input: UploadInput, options: UploadOptions = {}) {
  const url = buildUrl(session.baseUrl, '/api/media');
  const Xhr = (globalThis as unknown as BrowserGlobals).XMLHttpRequest;
  const attempt = (token: string) =>
    Xhr ? uploadWithXhr(Xhr, url, token, input, options) : uploadWithFetch(url, token, input, options);
  return session.authorized(attempt);
}

/** Fetches an upload's bytes as the signed-in user, with an optional `Range` (players seek with one). */
export async function download(session: Session, mediaId: string, range?: string): Promise<Response> {
  const url = buildUrl(session.baseUrl, `/api/media/${encodeURIComponent(mediaId)}`);
  return session.authorized(async (token) => {
    const headers: Record<string, string> = { authorization: `Bearer ${token}` };
    if (range) headers.range = range;
    const response = await fetch(url, { headers });
    if (!response.ok) throw await errorOf(response);
    return response;
  });
}
