import { Injectable } from '@nestjs/common';

type Revocation = { sessionId: string } | { userId: string };
type Listener = (revocation: Revocation) => void;

/** Tells the realtime layer that sessions ended, so it can cut the sockets that belong to them. */
@Injectable()
export class SessionEvents {
  private readonly listeners = new Set<Listener>();

  onRevoked(listener: Listener): void {
    this.listeners.add(listener);
  }

  revoked(revocation: Revocation): void {
    for (const listener of this.listeners) listener(revocation);
  }
}
