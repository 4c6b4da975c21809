/** The bar at the top of both documentation pages, linking every form of the API's documents. */
export const DOCS_NAV = `<nav class="docs-links" aria-label="API documents">
<strong>live-chat API</strong>
<a href="/api/docs">REST API</a>
<a href="/api/docs/openapi.json">OpenAPI (JSON)</a>
<a href="/api/docs/events">Socket.IO events</a>
<a href="/api/docs/asyncapi.yaml">Socket.IO events (AsyncAPI YAML)</a>
<a href="/">Web client</a>
</nav>`;

export const DOCS_CSS = `.docs-links{display:flex;gap:1.5rem;align-items:center;padding:.75rem 1.25rem;
font-family:system-ui,sans-serif;background:#1b1f24;color:#fff}.docs-links a{color:#9cd1ff}`;
