// Counting a group's deliveries: every member socket's chat:message_receive, each timed against the send
// stamp at the start of its content. Used in the bench process (the senders' own sockets, which are
// members too) and in each receiver thread (bench/lib/group-receiver-worker.mjs). Times are in the bench
// process's performance.now() frame: a thread passes its offset from that frame.
import { newHistogram } from './latency.mjs';

export class GroupDeliveries {
  constructor({ chatId, offsetMs = 0 }) {
    this.chatId = chatId;
    this.offsetMs = offsetMs;
    this.window = { start: Number.POSITIVE_INFINITY, end: Number.POSITIVE_INFINITY };
    this.latency = newHistogram();
    this.inWindow = 0; // deliveries inside the measured window
    this.thisSecond = 0; // deliveries since the last takeSecond(), for the progress lines
    this.byMember = new Map(); // member index -> deliveries over the whole load (for the lost check)
    this.misdelivered = 0;
    this.disconnects = 0;
  }

  now() {
    return performance.now() + this.offsetMs;
  }

  /** Counts what `socket` (member `index`) hears from now on. */
  attach(socket, index) {
    this.byMember.set(index, 0);
    socket.on('chat:message_receive', (message) => {
      const now = this.now();
      this.thisSecond += 1;
      if (message?.chatId !== this.chatId) {
        this.misdelivered += 1;
        return;
      }
      this.byMember.set(index, this.byMember.get(index) + 1);
      if (now < this.window.start || now >= this.window.end) return;
      this.inWindow += 1;
      this.latency.recordValue(Math.max(1, Math.round(now * 1000) - Number.parseInt(message.content, 10)));
    });
    socket.on('disconnect', (reason) => {
      if (reason !== 'io client disconnect') this.disconnects += 1;
    });
  }

  takeSecond() {
    const count = this.thisSecond;
    this.thisSecond = 0;
    return count;
  }
}
