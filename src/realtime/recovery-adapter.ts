import { SessionAwareAdapter } from 'socket.io-adapter';

/**
 * Socket.IO's in-memory adapter for connection-state recovery keeps every broadcast packet for replay,
 * but trims that buffer only once a minute, whatever the recovery window: under load it would hold a
 * minute of traffic. This one trims every second, so the buffer holds about one window of packets.
 */
export class TrimmedSessionAdapter extends SessionAwareAdapter {
  private readonly trimTimer = setInterval(() => this.trim(), 1000).unref();

  private trim(): void {
    // Both fields are private in the typings; they are the adapter's documented behaviour all the same.
    const { packets, maxDisconnectionDuration } = this as unknown as {
      packets: { emittedAt: number }[];
      maxDisconnectionDuration: number;
    };
    const threshold = Date.now() - maxDisconnectionDuration;
    let expired = 0;
    while (expired < packets.length && packets[expired]!.emittedAt < threshold) expired++;
    if (expired > 0) packets.splice(0, expired);
  }

  override close(): void {
    clearInterval(this.trimTimer);
    super.close();
  }
}
