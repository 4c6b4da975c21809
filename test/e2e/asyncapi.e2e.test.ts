import { mkdirSync, writeFileSync } from 'node:fs';
import { Ajv } from 'ajv';
import addFormats from 'ajv-formats';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { ERROR_CATALOG } from '../../src/common/errors/error-catalog.js';
import { CLIENT_EVENTS, SERVER_EVENTS } from '../../src/contract/events.js';
import { createUser } from '../support/factories.js';
import { emitAck, Inbox, send } from '../support/socket.js';
import { useTestApp } from '../support/use-test-app.js';

const t = useTestApp({ env: { PRESENCE_GRACE_MS: '200' } });

// biome-ignore lint/suspicious/noExplicitAny: a parsed YAML document
type Doc = any;

async function fetchDoc(): Promise<{ doc: Doc; contentType: string | null }> {
  const res = await fetch(`${t.app.baseUrl}/api/docs/asyncapi.yaml`);
  expect(res.status).toBe(200);
  return { doc: parse(await res.text()), contentType: res.headers.get('content-type') };
}

describe('AsyncAPI document at /api/docs/asyncapi.yaml', () => {
  it('is AsyncAPI 3 YAML and names exactly the events of the typed event map, in both directions', async () => {
    const { doc, contentType } = await fetchDoc();
    expect(contentType).toMatch(/yaml/);
    expect(doc.asyncapi).toMatch(/^3\./);
    const messages = doc.components.messages as Record<string, { name: string }>;
    const byAction = (action: string) =>
      Object.values(doc.operations as Record<string, { action: string; messages: { $ref: string }[] }>)
        .filter((op) => op.action === action)
        .flatMap((op) => op.messages.map((m) => messages[m.$ref.split('/').pop()!]!.name))
        .sort();
    expect(byAction('receive')).toEqual([...CLIENT_EVENTS].sort());
    expect(byAction('send')).toEqual([...SERVER_EVENTS].sort());
  });

  it('lists every error code of the catalog', async () => {
    const { doc } = await fetchDoc();
    expect([...doc.components.schemas.ErrorCode.enum].sort()).toEqual(Object.keys(ERROR_CATALOG).sort());
  });

  it('describes the payloads the server really sends and accepts', async () => {
    const { doc } = await fetchDoc();
    const ajv = new Ajv({ strict: false, allErrors: true });
    addFormats.default(ajv);
    ajv.addSchema(doc, 'asyncapi');
    const samples: Record<string, unknown> = {};
    const check = (schema: string, payload: unknown, label = schema) => {
      samples[label] = payload;
      const validate = ajv.getSchema(`asyncapi#/components/schemas/${schema}`)!;
      expect(validate(payload), `${label}: ${JSON.stringify(validate.errors)}`).toBe(true);
    };

    const [a, b] = [await createUser(t.http, { name: 'ss joy' }), await createUser(t.http, { name: 'Emil' })];
    const sb = await t.online(b);
    const inboxes = {
      receive: new Inbox(sb, 'chat:message_receive'),
      typing: new Inbox(sb, 'chat:typing'),
      presence: new Inbox(sb, 'presence:update'),
    };
    await t.http.post('/api/chats/direct', { userId: a.id }, b.accessToken);
    const sa = await t.online(a);
    const atSender = {
      read: new Inbox(sa, 'chat:message_read'),
      delivered: new Inbox(sa, 'chat:message_delivered'),
    };
    const errors = new Inbox(sa, 'chat:error');

    const payload = {
      receiverId: b.id,
      content: 'Hey Emil! How are you doing today?',
      mediaUrl: 'https://www.youtube.com/watch?v=XOgZo66gKQA&list=RDXOgZo66gKQA&start_radio=1',
      LiveMediaType: 'VIDEO',
      clientMessageId: 'c-42',
    };
    check('MessageSend', payload, 'chat:message_send (client)');
    const sent = await send(sa, payload);
    check('AckMessageSend', sent, 'ack of chat:message_send');
    check('Message', (await inboxes.receive.waitFor(1))[0], 'chat:message_receive');
    check('AckMessageSend', await send(sa, { receiverId: 'nope' }), 'ack of a refused chat:message_send');
    const message = sent.ok ? sent.message : undefined;
    const receipt = { chatId: message!.chatId, messageId: message!.id };
    const ack = emitAck;
    check(
      'AckMessageDelivered',
      await ack(sb, 'chat:message_delivered', receipt),
      'ack of chat:message_delivered',
    );
    check('DeliveryReceipt', (await atSender.delivered.waitFor(1))[0], 'chat:message_delivered');
    check('AckMessageRead', await ack(sb, 'chat:message_read', receipt), 'ack of chat:message_read');
    check('ReadReceipt', (await atSender.read.waitFor(1))[0], 'chat:message_read');
    check(
      'AckEmpty',
      await ack(sa, 'chat:typing', { chatId: message!.chatId, isTyping: true }),
      'ack of chat:typing',
    );
    check('TypingOut', (await inboxes.typing.waitFor(1))[0], 'chat:typing');
    sa.emit('chat:message_send', { receiverId: b.id, content: '' });
    check('EventError', (await errors.waitFor(1))[0], 'chat:error');

    // Changes to a message: each ack is the message as it now is; each event reaches the other side.
    const changes = {
      edited: new Inbox(sb, 'chat:message_edited'),
      deleted: new Inbox(sb, 'chat:message_deleted'),
      reactions: new Inbox(sb, 'chat:reaction_updated'),
    };
    const reply = { receiverId: b.id, content: 'A reply', replyToId: message!.id };
    check('MessageSend', reply, 'chat:message_send with replyToId (client)');
    const replied = await send(sa, reply);
    check('AckMessageSend', replied, 'ack of a reply');
    const edit = { messageId: message!.id, content: 'Hey Emil! How are you doing?' };
    check('MessageEdit', edit, 'chat:message_edit (client)');
    check('AckMessage', await ack(sa, 'chat:message_edit', edit), 'ack of chat:message_edit');
    check('MessageEdited', (await changes.edited.waitFor(1))[0], 'chat:message_edited');
    const reaction = { messageId: message!.id, emoji: '👍' };
    check('Reaction', reaction, 'chat:reaction_add (client)');
    check('AckMessage', await ack(sb, 'chat:reaction_add', reaction), 'ack of chat:reaction_add');
    check('ReactionUpdated', (await changes.reactions.waitFor(1))[0], 'chat:reaction_updated');
    check('AckMessage', await ack(sb, 'chat:reaction_remove', reaction), 'ack of chat:reaction_remove');
    const deletion = { messageId: message!.id, scope: 'everyone' };
    check('MessageDelete', deletion, 'chat:message_delete (client)');
    check('AckMessage', await ack(sa, 'chat:message_delete', deletion), 'ack of chat:message_delete');
    check('MessageDeleted', (await changes.deleted.waitFor(1))[0], 'chat:message_deleted');
    const synced = await t.http.get('/api/sync', b.accessToken);
    expect(synced.body.events.length).toBeGreaterThanOrEqual(4);
    for (const [i, event] of synced.body.events.entries()) check('ChatChange', event, `sync event ${i}`);
    for (const [i, m] of synced.body.messages.entries()) check('Message', m, `sync message ${i}`);

    // A group: its creation, membership and role changes go live, and each is a system message.
    const c = await createUser(t.http, { name: 'Carol' });
    const sc = await t.online(c);
    const groupEvents = {
      updated: new Inbox(sc, 'chat:updated'),
      added: new Inbox(sb, 'chat:member_added'),
      role: new Inbox(sb, 'chat:member_role_changed'),
      removed: new Inbox(sc, 'chat:member_removed'),
    };
    const group = await t.http.post(
      '/api/chats',
      { type: 'GROUP', title: 'Crew', memberIds: [c.id] },
      a.accessToken,
    );
    expect(group.status).toBe(201);
    check('ChatUpdated', (await groupEvents.updated.waitFor(1))[0], 'chat:updated');
    await t.http.post(`/api/chats/${group.body.id}/members`, { userIds: [b.id] }, a.accessToken);
    check('MemberAdded', (await groupEvents.added.waitFor(1))[0], 'chat:member_added');
    await t.http.patch(`/api/chats/${group.body.id}/members/${b.id}`, { role: 'admin' }, a.accessToken);
    check('MemberRoleChanged', (await groupEvents.role.waitFor(1))[0], 'chat:member_role_changed');
    const toGroup = { chatId: group.body.id, content: 'Hello crew' };
    check('MessageSend', toGroup, 'chat:message_send with chatId (client)');
    check('AckMessageSend', await send(sb, toGroup), 'ack of a group message');
    await t.http.post(`/api/chats/${group.body.id}/leave`, undefined, c.accessToken);
    const removal = (await groupEvents.removed.waitFor(1))[0];
    check('MemberRemoved', removal, 'chat:member_removed');
    expect(removal?.message.kind).toBe('system');
    const graceStarted = t.app.clock.nextTimer(200);
    sa.close();
    await graceStarted;
    t.app.clock.advance(200);
    const presence = await inboxes.presence.waitFor(2);
    check('Presence', presence[0], 'presence:update (online)');
    check('Presence', presence[1], 'presence:update (offline)');

    // The closing notes quote these: one payload of each event exactly as the server sent it.
    mkdirSync('test-results', { recursive: true });
    writeFileSync('test-results/event-samples.json', `${JSON.stringify(samples, null, 2)}\n`);
  });
});
