import { parse } from 'yaml';
import { ERROR_CATALOG } from '../common/errors/error-catalog.js';
import { DOCS_NAV } from './docs-nav.js';

// biome-ignore lint/suspicious/noExplicitAny: a parsed AsyncAPI document, walked by its known keys
type Node = any;

/**
 * The AsyncAPI document as one HTML page: every event in each direction with its payload schema, the
 * acknowledgements, the error codes and every schema, linked to each other. Rendered on the server as
 * plain HTML (no script, nothing from a CDN); every text of the document is escaped, never injected.
 */
export function renderAsyncApiPage(yamlText: string): string {
  const doc = parse(yamlText) as Node;
  const schemas = (doc.components?.schemas ?? {}) as Record<string, Node>;
  const ackNames = Object.keys(schemas).filter((name) => name.startsWith('Ack'));
  const text = (value: unknown) => prose(value, ackNames);
  const operations = Object.entries((doc.operations ?? {}) as Record<string, Node>);
  const section = (action: string, heading: string, lead: string) => {
    const items = operations
      .filter(([, op]) => op.action === action)
      .flatMap(([opId, op]) =>
        ((op.messages ?? []) as Node[]).map((ref) => eventHtml(doc, opId, op, resolve(doc, ref), text)),
      );
    return `<section><h2 id="${action}">${heading}</h2><p>${lead}</p>${items.join('')}</section>`;
  };
  const servers = Object.entries((doc.servers ?? {}) as Record<string, Node>)
    .map(
      ([name, s]) =>
        `<li><strong>${esc(name)}</strong>: <code>${esc(`${s.protocol}://${s.host}${s.pathname ?? ''}`)}</code> ${text(s.description)}</li>`,
    )
    .join('');
  const channels = Object.values((doc.channels ?? {}) as Record<string, Node>)
    .map((c) => `<li>namespace <code>${esc(c.address)}</code>: ${text(c.description)}</li>`)
    .join('');
  const codes = (schemas.ErrorCode?.enum ?? []) as string[];
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${esc(doc.info?.title)}</title>
<link rel="stylesheet" href="/api/docs/assets/docs.css">
<link rel="stylesheet" href="/api/docs/assets/events.css">
</head>
<body>
${DOCS_NAV}
<main class="events">
<h1>${esc(doc.info?.title)} <small>${esc(doc.info?.version)}</small></h1>
${text(doc.info?.description)}
<ul>${servers}${channels}</ul>
<p class="toc"><a href="#receive">Client to server</a> · <a href="#send">Server to client</a> · <a href="#errors">Errors</a> · <a href="#schemas">Schemas</a></p>
${section('receive', 'Client to server', 'Events a client emits; each takes an optional acknowledgement callback.')}
${section('send', 'Server to client', 'Events the server emits to a client’s sockets.')}
<section><h2 id="errors">Errors</h2>
<p>A refused event answers its acknowledgement with <code>{ ok: false, error: { code, message, details? } }</code>, or comes as <code>chat:error</code> without one. The codes are those of the REST API:</p>
<table><thead><tr><th>code</th><th>HTTP status</th><th>meaning</th></tr></thead><tbody>
${codes.map((code) => `<tr id="error-${esc(code)}"><td><code>${esc(code)}</code></td><td>${esc(catalogEntry(code)?.status ?? '')}</td><td>${esc(catalogEntry(code)?.message ?? '')}</td></tr>`).join('')}
</tbody></table></section>
<section><h2 id="schemas">Schemas</h2>
${Object.entries(schemas)
  .map(
    ([name, schema]) =>
      `<article class="schema" id="schema-${esc(name)}"><h3>${esc(name)}</h3>${schemaHtml(schema, text)}</article>`,
  )
  .join('')}
</section>
</main>
</body>
</html>
`;
}

function eventHtml(doc: Node, opId: string, op: Node, message: Node, text: (v: unknown) => string): string {
  const direction = op.action === 'receive' ? 'in' : 'out';
  const examples = ((message.examples ?? []) as Node[])
    .map(
      (e) =>
        `<p class="label">Example${e.name ? ` (${esc(e.name)})` : ''}</p><pre>${esc(JSON.stringify(e.payload, null, 2))}</pre>`,
    )
    .join('');
  const reply = op.reply?.description ? `<p class="label">Reply</p>${text(op.reply.description)}` : '';
  return `<article class="event" id="event-${esc(message.name)}-${direction}">
<h3><code>${esc(message.name)}</code></h3>
<div class="title">${text(message.title)}</div>
${text(message.summary)}
<p class="label">Payload: ${typeHtml(message.payload, text)}</p>${schemaHtml(resolve(doc, message.payload), text)}
${reply}${examples}
<p class="op">operation <code>${esc(opId)}</code></p>
</article>`;
}

/** Follows `$ref`s (JSON pointers inside the document) until a node that is not one. */
function resolve(doc: Node, node: Node, seen = new Set<string>()): Node {
  const ref = node?.$ref;
  if (typeof ref !== 'string' || !ref.startsWith('#/') || seen.has(ref)) return node;
  seen.add(ref);
  const target = ref
    .slice(2)
    .split('/')
    .map((part) => part.replace(/~1/g, '/').replace(/~0/g, '~'))
    .reduce<Node>((at, key) => (at && Object.hasOwn(at, key) ? at[key] : undefined), doc);
  return resolve(doc, target, seen);
}

const CONSTRAINTS = [
  'format',
  'minLength',
  'maxLength',
  'minimum',
  'maximum',
  'minItems',
  'maxItems',
  'pattern',
];

/** A schema as HTML: objects as a table of their properties, references as links to the schema. */
function schemaHtml(schema: Node, text: (v: unknown) => string): string {
  if (schema === undefined || schema === null || typeof schema !== 'object') return '<p>any</p>';
  const description = schema.description ? text(schema.description) : '';
  const properties = schema.properties as Record<string, Node> | undefined;
  if (!properties) return `${description}<div>${typeHtml(schema, text)}</div>`;
  const required = new Set((schema.required ?? []) as string[]);
  const rows = Object.entries(properties)
    .map(
      ([name, property]) =>
        `<tr><td><code>${esc(name)}</code>${required.has(name) ? ' <span class="req">required</span>' : ''}</td><td>${typeHtml(property, text)}</td><td>${property?.description ? text(property.description) : ''}</td></tr>`,
    )
    .join('');
  const alternatives = schema.oneOf ? `<div>one of: ${typeHtml({ oneOf: schema.oneOf }, text)}</div>` : '';
  return `${description}${alternatives}<table><thead><tr><th>field</th><th>type</th><th>description</th></tr></thead><tbody>${rows}</tbody></table>`;
}

function typeHtml(schema: Node, text: (v: unknown) => string): string {
  if (schema === undefined || schema === null || typeof schema !== 'object') return 'any';
  if (typeof schema.$ref === 'string') {
    const name = schema.$ref.split('/').pop() as string;
    return `<a href="#schema-${esc(name)}">${esc(name)}</a>`;
  }
  const parts: string[] = [];
  if (schema.const !== undefined) parts.push(`<code>${esc(JSON.stringify(schema.const))}</code>`);
  if (Array.isArray(schema.enum)) {
    parts.push(
      `one of ${schema.enum.map((v: unknown) => `<code>${esc(JSON.stringify(v))}</code>`).join(', ')}`,
    );
  }
  for (const key of ['oneOf', 'anyOf', 'allOf'] as const) {
    if (Array.isArray(schema[key])) {
      const joiner = key === 'allOf' ? ' and ' : ' | ';
      parts.push(schema[key].map((s: Node) => nested(s, text)).join(joiner));
    }
  }
  if (schema.type === 'array' || (Array.isArray(schema.type) && schema.type.includes('array'))) {
    parts.push(`array of ${nested(schema.items, text)}`);
  } else if (schema.type !== undefined && schema.const === undefined && !Array.isArray(schema.enum)) {
    parts.push(esc([schema.type].flat().join(' | ')));
  }
  if (schema.properties) parts.push(schemaHtml({ ...schema, description: undefined }, text));
  else if (Array.isArray(schema.required)) {
    parts.push(`with ${schema.required.map((name: string) => `<code>${esc(name)}</code>`).join(', ')}`);
  }
  const limits = CONSTRAINTS.filter((key) => schema[key] !== undefined)
    .map((key) => `${key} ${esc(schema[key])}`)
    .join(', ');
  if (limits) parts.push(`<span class="limits">${limits}</span>`);
  return parts.join(' ') || 'any';
}

function nested(schema: Node, text: (v: unknown) => string): string {
  return schema?.properties
    ? `<div class="nested">${schemaHtml(schema, text)}</div>`
    : typeHtml(schema, text);
}

function catalogEntry(code: string): { status: number; message: string } | undefined {
  return Object.hasOwn(ERROR_CATALOG, code) ? ERROR_CATALOG[code as keyof typeof ERROR_CATALOG] : undefined;
}

/**
 * Text of the document as paragraphs: escaped first, then `code` spans, acknowledgement schema names and
 * error codes become markup, so nothing of the document itself is ever read as HTML.
 */
function prose(value: unknown, ackNames: string[]): string {
  if (value === undefined || value === null || value === '') return '';
  return String(value)
    .split(/\n\s*\n/)
    .map((paragraph) => {
      let html = esc(paragraph.trim()).replace(/`([^`]+)`/g, '<code>$1</code>');
      if (ackNames.length > 0) {
        html = html.replace(new RegExp(`\\b(${ackNames.join('|')})\\b`, 'g'), '<a href="#schema-$1">$1</a>');
      }
      html = html.replace(/\b([A-Z][A-Z_]{3,})\b/g, (match) =>
        catalogEntry(match) ? `<a href="#error-${match}">${match}</a>` : match,
      );
      return `<p>${html}</p>`;
    })
    .join('');
}

function esc(value: unknown): string {
  return String(value ?? '')
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/"/g, '&quot;')
    .replace(/'/g, '&#39;');
}

export const EVENTS_CSS = `.events{max-width:72rem;margin:0 auto;padding:1rem 1.5rem 4rem;
font:15px/1.5 system-ui,sans-serif;color:#1b1f24}.events h1 small{font-size:.6em;color:#57606a}
.events h2{margin-top:2.5rem;border-bottom:1px solid #d0d7de;padding-bottom:.3rem}
.events article{border:1px solid #d0d7de;border-radius:6px;padding:.5rem 1rem;margin:1rem 0}
.events .title{font-weight:600}.events .label{font-weight:600;margin-bottom:.2rem}
.events .op{color:#57606a;font-size:.85em}.events table{border-collapse:collapse;width:100%}
.events th,.events td{border:1px solid #d0d7de;padding:.25rem .5rem;text-align:left;vertical-align:top}
.events .req{color:#cf222e;font-size:.8em}.events .limits{color:#57606a;font-size:.85em}
.events .nested{margin:.3rem 0}.events td p{margin:0}.events pre{background:#f6f8fa;padding:.5rem;overflow:auto}
.events code{background:#f6f8fa;padding:0 .2rem;border-radius:3px}`;
