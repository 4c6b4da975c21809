import { type PGlite, parse, protocol } from '@electric-sql/pglite';
import { SQLSTATE, sqlState } from './sqlstate.js';

const { serialize } = protocol;

/**
 * Named prepared statements on PGlite. Its `query` parses and plans every statement again, and PGlite runs
 * PostgreSQL compiled to WebAssembly on the event loop's thread, so planning the writer's batch statement
 * on every batch cost the thread a good part of each batch (see BENCHMARKS.md). Here a named statement is
 * parsed once, and PostgreSQL plans it as it does node-postgres's named statements: for each of its first
 * runs, then with a generic plan it keeps when that costs no more.
 *
 * The messages are those PGlite's own `query` sends, with a statement name: Parse and Describe once, then
 * Bind, Describe, Execute and Sync, each set as one input that ends in Sync (after an error PostgreSQL
 * skips to the Sync, so PGlite is left ready either way). Like `query`, a call waits for any open
 * transaction to end and holds the connection while it runs (PGlite's `runExclusive` alone would let it
 * run inside another caller's transaction), and one that comes after `close` fails as `query` would.
 */
export class PglitePrepared {
  /** Each prepared statement's text and parameter types, as PostgreSQL inferred them. */
  private readonly statements = new Map<string, { text: string; types: number[] }>();

  constructor(private readonly client: PGlite) {}

  async run<T>(name: string, text: string, params: unknown[]): Promise<T[]> {
    await this.client._checkReady();
    return this.client._runExclusiveTransaction(async () => {
      // `close` takes the same locks: a call that waited behind it finds the database gone.
      await this.client._checkReady();
      return this.client._runExclusiveQuery(() => this.execute<T>(name, text, params));
    });
  }

  private async execute<T>(name: string, text: string, params: unknown[]): Promise<T[]> {
    const known = this.statements.get(name);
    // As node-postgres does: one name, one statement.
    if (known && known.text !== text) throw new Error(`Statement "${name}" is prepared with other SQL`);
    const { types } = known ?? (await this.prepare(name, text));
    const values = params.map((value, i) => this.serialized(value, types[i]!));
    try {
      const messages = await this.client.execProtocolStream(
        Buffer.concat([
          serialize.bind({ statement: name, values }),
          serialize.describe({ type: 'P' }),
          serialize.execute({}),
          serialize.sync(),
        ]),
        { syncToFs: true },
      );
      return parse.parseResults(messages, this.client.parsers)[0]!.rows as T[];
    } catch (error) {
      // A statement PostgreSQL no longer has is prepared again on the next call.
      if (sqlState(error) === SQLSTATE.INVALID_STATEMENT_NAME) this.statements.delete(name);
      throw error;
    }
  }

  private async prepare(name: string, text: string): Promise<{ text: string; types: number[] }> {
    const messages = await this.client.execProtocolStream(
      Buffer.concat([
        serialize.parse({ name, text }),
        serialize.describe({ type: 'S', name }),
        serialize.sync(),
      ]),
    );
    const statement = { text, types: parse.parseDescribeStatementResults(messages) };
    this.statements.set(name, statement);
    return statement;
  }

  /** As PGlite's `query` serializes a parameter: by the type PostgreSQL gave it, else as text. */
  private serialized(value: unknown, type: number): string | null {
    if (value === null || value === undefined) return null;
    const serializer = this.client.serializers[type];
    return serializer ? serializer(value) : String(value);
  }
}
