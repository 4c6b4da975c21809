import { describe, expect, it } from 'vitest';
import { mediaFixture, uploadFile } from '../fixtures/media-files.js';
import { createUser } from '../support/factories.js';
import { send, sendOk } from '../support/socket.js';
import { useTestApp } from '../support/use-test-app.js';

const t = useTestApp();

describe('a refused send stores nothing', () => {
  it('someone else’s upload to a new peer: MEDIA_NOT_FOUND, no chat for either side, no presence', async () => {
    const [owner, sender, victim] = [
      await createUser(t.http),
      await createUser(t.http),
      await createUser(t.http),
    ];
    const upload = await uploadFile(t.app.baseUrl, owner.accessToken, mediaFixture('voice.ogg'));
    expect(upload.status).toBe(201);
    const socket = await t.online(sender);

    const ack = await send(socket, { receiverId: victim.id, content: 'listen', mediaUrl: upload.body.url });
    expect(ack).toMatchObject({ ok: false, error: { code: 'MEDIA_NOT_FOUND' } });

    for (const user of [sender, victim]) {
      expect((await t.http.get('/api/chats', user.accessToken)).body.items).toEqual([]);
    }
    expect((await t.http.get(`/api/users/${victim.id}/presence`, sender.accessToken)).status).toBe(404);
    // The socket stays usable, and a later send that is allowed makes the chat.
    const sent = await sendOk(socket, { receiverId: victim.id, content: 'plain text' });
    expect(sent.seq).toBe(1);
  });

  it('one’s own upload to a user that does not exist: USER_NOT_FOUND, nothing stored', async () => {
    const sender = await createUser(t.http);
    const upload = await uploadFile(t.app.baseUrl, sender.accessToken, mediaFixture('clip.mp4'));
    const socket = await t.online(sender);
    const ack = await send(socket, {
      receiverId: '00000000-0000-4000-8000-00000000dead',
      content: 'watch',
      mediaUrl: upload.body.url,
    });
    expect(ack).toMatchObject({ ok: false, error: { code: 'USER_NOT_FOUND' } });
    expect((await t.http.get('/api/chats', sender.accessToken)).body.items).toEqual([]);
  });

  it('an upload sent in a chat may be sent again there by its other member, and nowhere else by them', async () => {
    const [owner, peer, third] = [
      await createUser(t.http),
      await createUser(t.http),
      await createUser(t.http),
    ];
    const upload = await uploadFile(t.app.baseUrl, owner.accessToken, mediaFixture('voice.mp3'));
    const [so, sp] = [await t.online(owner), await t.online(peer)];
    await sendOk(so, { receiverId: peer.id, content: '', mediaUrl: upload.body.url });
    const again = await sendOk(sp, { receiverId: owner.id, content: 'again', mediaUrl: upload.body.url });
    expect(again.mediaType).toBe('AUDIO');
    const elsewhere = await send(sp, { receiverId: third.id, content: 'fwd', mediaUrl: upload.body.url });
    expect(elsewhere).toMatchObject({ ok: false, error: { code: 'MEDIA_NOT_FOUND' } });
    expect((await t.http.get('/api/chats', third.accessToken)).body.items).toEqual([]);
  });
});
