// A throwaway PostgreSQL cluster for tests: initdb into a temp dir, postgres on a free loopback port (fsync off),
// run as the `postgres` user (initdb refuses root). Debian's postgresql-15 binaries (.ci/run installs them).
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { freePort } from './free-port.js';
import pg from 'pg';

export const PG_BIN = process.env.PG_BIN ?? '/usr/lib/postgresql/15/bin';

export interface PgCluster {
  /** postgres://… for a database of this cluster. */
  url(database?: string): string;
  /** A new empty database; its URL. */
  createDatabase(): Promise<string>;
  /** Stops the server (fast shutdown) and waits for it to exit; the data stays until remove(). */
  stop(): Promise<void>;
  /** Starts it again on the same port and data (after stop()). */
  start(): Promise<void>;
  /** Stops it and deletes its files. */
  destroy(): Promise<void>;
  readonly port: number;
}

function postgresUser(): { uid: number; gid: number } | undefined {
  if (process.getuid?.() !== 0) return undefined; // not root: run as ourselves
  return {
    uid: Number(execFileSync('id', ['-u', 'postgres']).toString().trim()),
    gid: Number(execFileSync('id', ['-g', 'postgres']).toString().trim()),
  };
}

async function waitReady(port: number, child: ChildProcess, log: () => string, timeoutMs = 60_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`postgres exited with ${child.exitCode}:\n${log()}`);
    const client = new pg.Client({ host: '127.0.0.1', port, user: 'postgres', database: 'postgres' });
    try {
      await client.connect();
      await client.query('SELECT 1');
      await client.end();
      return;
    } catch {
      await client.end().catch(() => {});
    }
    if (Date.now() > deadline) throw new Error(`postgres did not accept connections within ${timeoutMs} ms:\n${log()}`);
    await new Promise((r) => setTimeout(r, 50)); // polling a condition with a deadline
  }
}

export async function startPgCluster(): Promise<PgCluster> {
  const as = postgresUser();
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'paperfeed-pg-'));
  const data = path.join(dir, 'data');
  const sock = path.join(dir, 'sock');
  fs.mkdirSync(sock);
  if (as) {
    fs.chownSync(dir, as.uid, as.gid);
    fs.chownSync(sock, as.uid, as.gid);
  }
  execFileSync(path.join(PG_BIN, 'initdb'), ['-D', data, '-U', 'postgres', '-A', 'trust', '-E', 'UTF8', '--locale=C.UTF-8', '--no-sync'], {
    ...as,
    stdio: 'pipe',
  });
  const port = await freePort();
  let child: ChildProcess;
  let output = '';
  const start = async () => {
    output = '';
    child = spawn(
      path.join(PG_BIN, 'postgres'),
      ['-D', data, '-k', sock, '-p', String(port), '-c', 'listen_addresses=127.0.0.1', '-c', 'fsync=off', '-c', 'max_connections=300'],
      { ...as, stdio: ['ignore', 'pipe', 'pipe'] },
    );
    child.stdout!.on('data', (d) => (output += d));
    child.stderr!.on('data', (d) => (output += d));
    await waitReady(port, child, () => output);
  };
  const stop = async () => {
    if (child.exitCode !== null || child.signalCode !== null) return;
    const exited = new Promise((r) => child.once('exit', r));
    child.kill('SIGINT'); // fast shutdown: disconnects clients, then exits
    await exited;
  };
  await start();
  const url = (database = 'postgres') => `postgres://postgres@127.0.0.1:${port}/${database}`;
  const admin = new PgAdmin(url());
  return {
    port,
    url,
    createDatabase: () => admin.createDatabase(),
    stop,
    start,
    async destroy() {
      await stop();
      fs.rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** Creates databases in a cluster, given the URL of its maintenance database. */
export class PgAdmin {
  private static n = 0;
  constructor(private readonly maintenanceUrl: string) {}

  async createDatabase(): Promise<string> {
    const name = `t_${process.pid}_${++PgAdmin.n}_${Date.now().toString(36)}`;
    const client = new pg.Client({ connectionString: this.maintenanceUrl });
    await client.connect();
    try {
      await client.query(`CREATE DATABASE ${name}`);
    } finally {
      await client.end();
    }
    const u = new URL(this.maintenanceUrl);
    u.pathname = `/${name}`;
    return u.toString();
  }
}
