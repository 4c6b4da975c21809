// Receipts this device gives and takes: "delivered" for each new message of others it holds, and the
// receipts of others (and of this user's other devices) drawn as soon as they come.
import type { ChatClient } from '@live-chat/client';
import { closeChatNotifications } from './worker';

export function watchReceipts(client: ChatClient): void {
  const told = new Map<string, number>();
  client.store.on('change', (chatIds) => {
    for (const chatId of chatIds) {
      const chat = client.store.chat(chatId);
      const last = chat?.lastMessage;
      if (!chat || !last || last.kind !== 'user' || last.sender.id === client.user.id) continue;
      if (last.seq <= chat.readSeq || last.seq <= (told.get(chatId) ?? 0) || client.state !== 'live')
        continue;
      told.set(chatId, last.seq);
      client.markDelivered(chatId, last.id).catch(() => told.delete(chatId));
    }
  });
  // The SDK moves the marks on a receipt without announcing a change: this announces it.
  client.socket.on('chat:message_read', (receipt) => {
    // Read on another device: this device's notifications of the chat up to there close.
    if (receipt.userId === client.user.id) void closeChatNotifications(receipt.chatId, receipt.seq);
    client.store.flush();
  });
  client.socket.on('chat:message_delivered', () => client.store.flush());
}
