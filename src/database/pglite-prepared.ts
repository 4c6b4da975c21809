import { type PGlite, parse, protocol } from '@electric-sql/pglite';

const { serialize } = protocol;

/**
 * Named prepared statements on PGlite. Its `query` parses and plans every statement again, and PGlite runs
 * PostgreSQL compiled to WebAssembly on the event loop's thread, so planning the writer's batch statement
 * on every batch cost the thread a good part of each batch (see BENCHMARKS.md). Here a named statement is
 * parsed once, and PostgreSQL keeps its plan as it does for node-postgres's named statements.
 *
 * The messages are those PGlite's own `query` sends, with a statement name: Parse and Describe once, then
 * Bind, Describe, Execute and Sync, each set in one call. Like `query`, a call waits for any open
 * transaction to end and holds the connection while it runs (PGlite's `runExclusive` alone would let it
 * run inside another caller's transaction).
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
    const types = this.paramTypes.get(name) ?? (await this.prepare(name, text));
    const values = params.map((value, i) => this.serialized(value, types[i]!));
    const { messages } = await this.client.execProtocol(
      joined(
        serialize.bind({ statement: name, values }),
        serialize.describe({ type: 'P' }),
        serialize.execute({}),
        serialize.sync(),
      ),
    );
    return parse.parseResults(messages, this.client.parsers)[0]!.rows as T[];
  }

  private async prepare(name: string, text: string): Promise<number[]> {
    const { messages } = await this.client.execProtocol(
      joined(serialize.parse({ name, text }), serialize.describe({ type: 'S', name }), serialize.sync()),
      { syncToFs: false },
    );
    const types = parse.parseDescribeStatementResults(messages);
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

/**
 * Messages sent as one input, as a client sends them in one write: PostgreSQL reads them in turn, and
 * after an error skips to the Sync, which always ends the input, so PGlite is left ready either way.
 */
function joined(...messages: Uint8Array[]): Uint8Array {
  const input = new Uint8Array(messages.reduce((length, message) => length + message.length, 0));
  let at = 0;
  for (const message of messages) {
    input.set(message, at);
    at += message.length;
  }
  return input;
}
