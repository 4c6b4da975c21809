import { describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import { renderAsyncApiPage } from '../../src/docs/asyncapi-page.js';

const HOSTILE = '<img src=x onerror="alert(1)">';

describe('the AsyncAPI page', () => {
  it('shows every text of the document as text, never as markup', () => {
    const html = renderAsyncApiPage(
      stringify({
        asyncapi: '3.0.0',
        info: { title: HOSTILE, version: '1', description: `see \`${HOSTILE}\`` },
        operations: {
          [HOSTILE]: { action: 'send', messages: [{ $ref: '#/components/messages/m' }] },
        },
        components: {
          messages: {
            m: {
              name: HOSTILE,
              title: HOSTILE,
              summary: HOSTILE,
              payload: { $ref: `#/components/schemas/${HOSTILE}` },
              examples: [{ name: HOSTILE, payload: { text: HOSTILE } }],
            },
          },
          schemas: {
            [HOSTILE]: {
              type: 'object',
              description: HOSTILE,
              required: [HOSTILE],
              properties: { [HOSTILE]: { type: 'string', enum: [HOSTILE], description: HOSTILE } },
            },
          },
        },
      }),
    );
    expect(html).not.toContain('<img');
    expect(html).toContain('&lt;img src=x onerror=&quot;alert(1)&quot;&gt;');
  });

  it('links the schemas a payload refers to', () => {
    const html = renderAsyncApiPage(
      stringify({
        asyncapi: '3.0.0',
        info: { title: 'T', version: '1' },
        operations: { o: { action: 'receive', messages: [{ $ref: '#/components/messages/m' }] } },
        components: {
          messages: { m: { name: 'chat:thing', payload: { $ref: '#/components/schemas/Thing' } } },
          schemas: {
            Thing: { type: 'object', properties: { user: { $ref: '#/components/schemas/User' } } },
            User: { type: 'object', properties: { id: { type: 'string' } } },
          },
        },
      }),
    );
    expect(html).toContain('id="event-chat:thing-in"');
    expect(html).toContain('<a href="#schema-User">User</a>');
    expect(html).toContain('id="schema-Thing"');
  });
});
