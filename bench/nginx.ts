// Runs nginx from Debian (apt-get install nginx) on loopback with the committed deploy/nginx-replicas.conf: its own
// prefix in a temp dir, in the foreground (daemon off), the upstream servers and listen address replaced.
import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { freePort } from '../test/free-port.js';
import { PROJECT_ROOT } from '../src/config.js';
import { sleep } from './serve-lib.js';

export const NGINX_CONF = path.join(PROJECT_ROOT, 'deploy', 'nginx-replicas.conf');
const NGINX = process.env.NGINX ?? '/usr/sbin/nginx';

export interface RunningNginx {
  base: string;
  pid: number;
  stop(): Promise<void>;
}

/** The committed config with `upstreams` (host:port) and a free loopback port; the rest as committed. */
export function nginxConfig(upstreams: string[], port: number): string {
  const conf = fs.readFileSync(NGINX_CONF, 'utf8');
  const servers = upstreams.map((u) => `    server ${u} max_fails=1 fail_timeout=5s;`).join('\n');
  const out = conf.replace(/(\n    server 127\.0\.0\.1:\d+[^\n]*)+/, `\n${servers}`).replace(/listen 127\.0\.0\.1:\d+;/, `listen 127.0.0.1:${port};`);
  if (!out.includes(servers) || !out.includes(`listen 127.0.0.1:${port};`)) throw new Error(`${NGINX_CONF}: upstream servers or listen line not found`);
  return out;
}

export async function startNginx(upstreams: string[]): Promise<RunningNginx> {
  if (!fs.existsSync(NGINX)) throw new Error(`${NGINX} is missing: apt-get update && apt-get install -y nginx (or set NGINX)`);
  const prefix = fs.mkdtempSync(path.join(os.tmpdir(), 'paperfeed-nginx-'));
  fs.mkdirSync(path.join(prefix, 'tmp'), { mode: 0o777 });
  fs.mkdirSync(path.join(prefix, 'logs')); // nginx checks its default error log path before reading the config
  fs.chmodSync(prefix, 0o755);
  const port = await freePort();
  const conf = path.join(prefix, 'nginx.conf');
  fs.writeFileSync(conf, nginxConfig(upstreams, port));
  const child: ChildProcess = spawn(NGINX, ['-p', prefix, '-c', conf, '-g', 'daemon off;'], { stdio: ['ignore', 'ignore', 'pipe'] });
  let err = '';
  child.stderr!.on('data', (d) => (err += d));
  const base = `http://127.0.0.1:${port}`;
  for (const deadline = Date.now() + 10_000; ; ) {
    if (child.exitCode !== null) throw new Error(`nginx exited with ${child.exitCode}: ${err}`);
    const r = await fetch(`${base}/healthz`).catch(() => undefined);
    await r?.arrayBuffer();
    if (r?.status === 200) break;
    if (Date.now() > deadline) throw new Error(`nginx did not answer within 10 s: ${err}`);
    await sleep(50);
  }
  return {
    base,
    pid: child.pid!,
    async stop() {
      const exited = new Promise((r) => child.once('exit', r));
      child.kill('SIGQUIT'); // graceful
      await exited;
      fs.rmSync(prefix, { recursive: true, force: true });
    },
  };
}

/** CPU ms of nginx's master and worker processes (workers are the master's children). */
export function nginxCpuMs(masterPid: number, cpuOf: (pid: number) => number): number {
  let total = cpuOf(masterPid);
  for (const task of fs.readdirSync(`/proc/${masterPid}/task`)) {
    const children = fs.readFileSync(`/proc/${masterPid}/task/${task}/children`, 'utf8').trim();
    for (const c of children ? children.split(/\s+/) : []) total += cpuOf(Number(c));
  }
  return total;
}
