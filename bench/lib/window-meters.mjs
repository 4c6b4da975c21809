// What the machine did during a load's measured window: the server's processes, the database's
// backends, the bench itself, helper processes the bench started (the webhook receiver of --webhooks)
// and everything else. One set of meters for the direct and the group load.
import { CpuMeter, MachineCpuMeter, rssBytes } from './proc-stats.mjs';

export class WindowMeters {
  /** Before the window: which backends serve the run's database, and its commit counter. */
  static async prepare(pids, { dbPids, dbCommits, receiverPids = async () => [] }) {
    const meters = new WindowMeters(pids, dbCommits);
    meters.dbProcesses = await dbPids();
    meters.receiverProcesses = await receiverPids();
    meters.commitsBefore = await dbCommits();
    return meters;
  }

  constructor(pids, dbCommits) {
    this.pids = pids;
    this.dbCommits = dbCommits;
  }

  /** At the window's start. */
  start() {
    this.serverCpu = new CpuMeter(this.pids);
    this.dbCpu = new CpuMeter(this.dbProcesses);
    this.receiverCpu = new CpuMeter(this.receiverProcesses);
    this.clientCpuStart = process.cpuUsage(); // the whole process: receiver threads too
    this.clientWallStart = performance.now();
    this.machineCpu = new MachineCpuMeter();
    this.serverRssPeak = 0;
    this.rssSampler = setInterval(() => {
      this.serverRssPeak = Math.max(this.serverRssPeak, this.serverRss() ?? 0);
    }, 250);
  }

  /**
   * At the window's end: the readings. `clientCpu` is the bench's own CPU time and `clientSeconds` the
   * wall time it covers (a busy loop reads it after the window's end).
   */
  async stop() {
    const serverCpuPercent = this.pids.length ? this.serverCpu.percent() : undefined;
    const dbCpuPercent = this.dbProcesses.length ? this.dbCpu.percent() : undefined;
    const receiverCpuPercent = this.receiverProcesses.length ? this.receiverCpu.percent() : undefined;
    const commitsAfter = await this.dbCommits();
    const clientCpu = process.cpuUsage(this.clientCpuStart);
    const clientSeconds = (performance.now() - this.clientWallStart) / 1000;
    const machineCpuPercent = this.machineCpu.percent();
    const serverRss = this.serverRss();
    clearInterval(this.rssSampler);
    return {
      serverCpuPercent,
      dbCpuPercent,
      receiverCpuPercent,
      commitsAfter,
      clientCpu,
      clientSeconds,
      machineCpuPercent,
      serverRss,
    };
  }

  /** The report's fields of the server and the database, over a window of `seconds`. */
  fields({ serverCpuPercent, dbCpuPercent, receiverCpuPercent, commitsAfter, serverRss }, seconds) {
    return {
      serverCpuPercent,
      serverRssBytes: serverRss,
      serverRssPeakBytes: this.pids.length ? this.serverRssPeak || undefined : undefined,
      dbCpuPercent,
      dbBackends: this.dbProcesses.length || undefined,
      receiverCpuPercent,
      // ≈: PostgreSQL publishes these counters about once a second. Messages per commit ≈ batch size.
      dbCommitsPerSecond:
        this.commitsBefore !== undefined && commitsAfter !== undefined
          ? (commitsAfter - this.commitsBefore) / seconds
          : undefined,
    };
  }

  /** What the rest of the machine used meanwhile: anything else running skews the comparison. */
  static otherCpuPercent(
    { machineCpuPercent, serverCpuPercent, dbCpuPercent, receiverCpuPercent },
    clientCpuPercent,
  ) {
    return machineCpuPercent === undefined
      ? undefined
      : Math.max(
          0,
          machineCpuPercent -
            clientCpuPercent -
            (serverCpuPercent ?? 0) -
            (dbCpuPercent ?? 0) -
            (receiverCpuPercent ?? 0),
        );
  }

  serverRss() {
    return this.pids.length ? this.pids.reduce((sum, pid) => sum + (rssBytes(pid) ?? 0), 0) : undefined;
  }
}
