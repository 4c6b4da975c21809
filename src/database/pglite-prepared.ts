import { type PGlite, parse, protocol } from '@electric-sql/pglite';

type BackendMessages = Awaited<ReturnType<PGlite['execProtocol']>>['messages'];

const { serialize } = protocol;

/**
 * Named prepared statements on PGlite. Its `query` parses and plans every statement again, and PGlite runs
 * PostgreSQL compiled to WebAssembly on the event loop's thread, so planning the writer's batch statement
 * on every batch cost the thread a good part of each batch (see BENCHMARKS.md). Here a named statement is
 * parsed once, and PostgreSQL keeps its plan as it does for node-postgres's named statements.
 *
 * The messages are those PGlite's own `query` sends, with a statement name: Parse and Describe once, then
 * Bind, Describe, Execute and Sync. Like `query`, a call waits for any open transaction to end and holds
 * the connection while it runs (PGlite's `runExclusive` alone would let it run inside another caller's
 * transaction).
 */
export class PglitePrepared {
  /** Each prepared statement's parameter types, as PostgreSQL inferred them. */
  private readonly paramTypes = new Map<string, number[]>();

  constructor(private readonly client: PGlite) {}

  run<T>(name: string, text: string, params: unknown[]): Promise<T[]> {
    return this.client._runExclusiveTransaction(() =>
      this.client._runExclusiveQuery(() => this.execute<T>(name, text, params)),
    );
  }

  private async execute<T>(name: string, text: string, params: unknown[]): Promise<T[]> {
    const messages: BackendMessages = [];
    try {
      const types = this.paramTypes.get(name) ?? (await this.prepare(name, text));
      const values = params.map((value, i) => this.serialized(value, types[i]!));
      for (const message of [
        serialize.bind({ statement: name, values }),
        serialize.describe({ type: 'P' }),
        serialize.execute({}),
      ]) {
        messages.push(...(await this.client.execProtocol(message, { syncToFs: false })).messages);
      }
    } finally {
      // After an error PostgreSQL skips every message until a Sync: it ends the statement either way.
      messages.push(...(await this.client.execProtocol(serialize.sync())).messages);
    }
    return parse.parseResults(messages, this.client.parsers)[0]!.rows as T[];
  }

  private async prepare(name: string, text: string): Promise<number[]> {
    await this.client.execProtocol(serialize.parse({ name, text }), { syncToFs: false });
    const described = await this.client.execProtocol(serialize.describe({ type: 'S', name }), {
      syncToFs: false,
    });
    const types = parse.parseDescribeStatementResults(described.messages);
    this.paramTypes.set(name, types);
    return types;
  }

  /** As PGlite's `query` serializes a parameter: by the type PostgreSQL gave it, else as text. */
  private serialized(value: unknown, type: number): string | null {
    if (value === null || value === undefined) return null;
    const serializer = this.client.serializers[type];
    return serializer ? serializer(value) : String(value);
  }
}
