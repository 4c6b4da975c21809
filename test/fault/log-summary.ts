/**
 * The pino JSON lines of a service process, condensed for a failure report: one line per distinct
 * (level, message, error message), with a count and the time of the first one. Other output is kept as is.
 */
export function condensedLog(output: string, maxLines = 60): string {
  const groups = new Map<string, { count: number; first: string }>();
  const other: string[] = [];
  for (const line of output.split('\n')) {
    if (!line.trim()) continue;
    let entry: {
      level?: number;
      time?: string;
      msg?: string;
      err?: { message?: string; code?: string } | string;
    };
    try {
      entry = JSON.parse(line);
    } catch {
      other.push(line.slice(0, 300));
      continue;
    }
    const err = typeof entry.err === 'string' ? entry.err : entry.err?.message;
    const code = typeof entry.err === 'object' ? entry.err?.code : undefined;
    const key = `level ${entry.level} "${entry.msg}"${err ? ` err: ${err.replace(/\d+/g, 'N').slice(0, 160)}` : ''}${code ? ` (${code})` : ''}`;
    const group = groups.get(key);
    if (group) group.count += 1;
    else groups.set(key, { count: 1, first: entry.time ?? '' });
  }
  const lines = [...groups].map(([key, g]) => `${g.count} × ${key}  (first at ${g.first})`);
  return [...lines, ...other].slice(0, maxLines).join('\n');
}
