import { Inject, Injectable } from '@nestjs/common';
import { and, asc, eq, ilike, ne, or, sql } from 'drizzle-orm';
import { AppError } from '../common/errors/app-error.js';
import type { DatabaseHandle } from '../database/database.js';
import { DATABASE } from '../database/database.module.js';
import { users } from '../database/schema.js';
import { SQLSTATE, sqlState } from '../database/sqlstate.js';
import type { PublicUser, UserRecord } from './user.types.js';

const userColumns = {
  id: users.id,
  email: users.email,
  passwordHash: users.passwordHash,
  name: users.name,
  avatarUrl: users.avatarUrl,
  createdAt: users.createdAt,
};

@Injectable()
export class UsersRepository {
  constructor(@Inject(DATABASE) private readonly database: DatabaseHandle) {}

  private get db() {
    return this.database.db;
  }

  async insert(user: Omit<UserRecord, 'createdAt'>): Promise<UserRecord> {
    try {
      const [row] = await this.db.insert(users).values(user).returning(userColumns);
      return row!;
    } catch (error) {
      if (sqlState(error) === SQLSTATE.UNIQUE_VIOLATION) throw new AppError('EMAIL_TAKEN');
      throw error;
    }
  }

  async findByEmail(email: string): Promise<UserRecord | undefined> {
    const [row] = await this.db
      .select(userColumns)
      .from(users)
      .where(sql`lower(${users.email}) = lower(${email})`);
    return row;
  }

  async findById(id: string): Promise<UserRecord | undefined> {
    const [row] = await this.db.select(userColumns).from(users).where(eq(users.id, id));
    return row;
  }

  async update(
    id: string,
    changes: { name?: string; avatarUrl?: string | null; passwordHash?: string },
  ): Promise<UserRecord | undefined> {
    const [row] = await this.db
      .update(users)
      .set({ ...changes, updatedAt: new Date() })
      .where(eq(users.id, id))
      .returning(userColumns);
    return row;
  }

  /** Name substring or exact email; never returns other people's emails. */
  async search(excludeId: string, q: string | undefined, limit: number): Promise<PublicUser[]> {
    const match = q
      ? or(ilike(users.name, `%${escapeLike(q)}%`), sql`lower(${users.email}) = lower(${q})`)
      : undefined;
    const rows = await this.db
      .select({ id: users.id, name: users.name, avatar: users.avatarUrl })
      .from(users)
      .where(and(ne(users.id, excludeId), match))
      .orderBy(asc(users.name), asc(users.id))
      .limit(limit);
    return rows;
  }
}

function escapeLike(text: string): string {
  return text.replace(/[\\%_]/g, (c) => `\\${c}`);
}
