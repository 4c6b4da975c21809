import { Inject, Injectable } from '@nestjs/common';
import type { PushSubscriptionView } from '../contract/notifications.js';
import type { DatabaseHandle } from '../database/database.js';
import { DATABASE } from '../database/database.module.js';

export interface NewSubscription {
  id: string;
  userId: string;
  sessionId: string;
  endpoint: string;
  p256dh: string;
  auth: string;
}

/** Browsers' push subscriptions. */
@Injectable()
export class PushSubscriptionsRepository {
  constructor(@Inject(DATABASE) private readonly database: DatabaseHandle) {}

  /**
   * Stores the subscription, or takes over the one with the same endpoint (the browser re-subscribed, or
   * another user signed in on it: an endpoint reaches whoever registered it last). Undefined when the user
   * already has `max` others; checked under the user's row lock, so concurrent calls cannot pass it.
   */
  async upsert(subscription: NewSubscription, max: number): Promise<PushSubscriptionView | undefined> {
    return this.database.transaction(async (query) => {
      await query(`SELECT FROM users WHERE id = $1 FOR UPDATE`, [subscription.userId]);
      const [count] = await query<{ n: number }>(
        `SELECT count(*)::int AS n FROM push_subscriptions WHERE user_id = $1 AND endpoint <> $2`,
        [subscription.userId, subscription.endpoint],
      );
      if (count!.n >= max) return undefined;
      const [row] = await query<PushSubscriptionView & { createdAt: Date | string }>(
        `INSERT INTO push_subscriptions (id, user_id, session_id, endpoint, p256dh, auth)
         VALUES ($1, $2, $3, $4, $5, $6)
         ON CONFLICT (endpoint) DO UPDATE SET user_id = EXCLUDED.user_id, session_id = EXCLUDED.session_id,
           p256dh = EXCLUDED.p256dh, auth = EXCLUDED.auth
         RETURNING id, endpoint, created_at AS "createdAt"`,
        [
          subscription.id,
          subscription.userId,
          subscription.sessionId,
          subscription.endpoint,
          subscription.p256dh,
          subscription.auth,
        ],
      );
      return { ...row!, createdAt: new Date(row!.createdAt).toISOString() };
    });
  }

  async remove(userId: string, endpoint: string): Promise<void> {
    await this.database.query(`DELETE FROM push_subscriptions WHERE user_id = $1 AND endpoint = $2`, [
      userId,
      endpoint,
    ]);
  }

  async removeOfSession(sessionId: string): Promise<void> {
    await this.database.query(`DELETE FROM push_subscriptions WHERE session_id = $1`, [sessionId]);
  }

  async removeOfUser(userId: string): Promise<void> {
    await this.database.query(`DELETE FROM push_subscriptions WHERE user_id = $1`, [userId]);
  }
}
