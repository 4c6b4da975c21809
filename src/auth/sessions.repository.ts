import { Inject, Injectable } from '@nestjs/common';
import { and, eq, gt, isNull } from 'drizzle-orm';
import type { DatabaseHandle } from '../database/database.js';
import { DATABASE } from '../database/database.module.js';
import { refreshTokens, sessions } from '../database/schema.js';

export type RotateResult =
  | { outcome: 'rotated'; userId: string; sessionId: string }
  | { outcome: 'reused'; sessionId: string }
  | { outcome: 'invalid' };

@Injectable()
export class SessionsRepository {
  constructor(@Inject(DATABASE) private readonly database: DatabaseHandle) {}

  async create(session: { id: string; userId: string; expiresAt: Date; tokenHash: string }): Promise<void> {
    await this.database.db.transaction(async (tx) => {
      await tx
        .insert(sessions)
        .values({ id: session.id, userId: session.userId, expiresAt: session.expiresAt });
      await tx
        .insert(refreshTokens)
        .values({ tokenHash: session.tokenHash, sessionId: session.id, expiresAt: session.expiresAt });
    });
  }

  /**
   * Spends a refresh token and records its successor, in one transaction with the old token's row locked,
   * so two concurrent uses of one token cannot both succeed. A token already spent revokes its session.
   */
  async rotate(oldHash: string, next: { hash: string; expiresAt: Date }): Promise<RotateResult> {
    return this.database.db.transaction(async (tx) => {
      const [row] = await tx
        .select({
          sessionId: refreshTokens.sessionId,
          usedAt: refreshTokens.usedAt,
          expiresAt: refreshTokens.expiresAt,
          userId: sessions.userId,
          revokedAt: sessions.revokedAt,
          sessionExpiresAt: sessions.expiresAt,
        })
        .from(refreshTokens)
        .innerJoin(sessions, eq(sessions.id, refreshTokens.sessionId))
        .where(eq(refreshTokens.tokenHash, oldHash))
        .for('update');
      const now = new Date();
      if (!row || row.revokedAt || row.expiresAt <= now || row.sessionExpiresAt <= now)
        return { outcome: 'invalid' };
      if (row.usedAt) {
        await tx.update(sessions).set({ revokedAt: now }).where(eq(sessions.id, row.sessionId));
        return { outcome: 'reused', sessionId: row.sessionId };
      }
      await tx.update(refreshTokens).set({ usedAt: now }).where(eq(refreshTokens.tokenHash, oldHash));
      await tx
        .insert(refreshTokens)
        .values({ tokenHash: next.hash, sessionId: row.sessionId, expiresAt: next.expiresAt });
      return { outcome: 'rotated', userId: row.userId, sessionId: row.sessionId };
    });
  }

  async revokeAllOf(userId: string): Promise<void> {
    await this.database.db
      .update(sessions)
      .set({ revokedAt: new Date() })
      .where(and(eq(sessions.userId, userId), isNull(sessions.revokedAt)));
  }

  async isActive(sessionId: string): Promise<boolean> {
    const [row] = await this.database.db
      .select({ id: sessions.id })
      .from(sessions)
      .where(and(eq(sessions.id, sessionId), isNull(sessions.revokedAt), gt(sessions.expiresAt, new Date())));
    return row !== undefined;
  }

  async revoke(sessionId: string): Promise<void> {
    await this.database.db
      .update(sessions)
      .set({ revokedAt: new Date() })
      .where(and(eq(sessions.id, sessionId), isNull(sessions.revokedAt)));
  }
}
