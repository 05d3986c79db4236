// Issue 15, item 10: the systemd unit in deploy/ is valid (systemd-analyze verify, where systemd is installed) and
// runs the built server by plain node, not through npm (whose exit on SIGTERM used to orphan the server).
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { ROOT } from './fault-helpers.js';

const UNIT = path.join(ROOT, 'deploy', 'paperfeed.service');
const hasSystemdAnalyze = spawnSync('systemd-analyze', ['--version']).status === 0;
if (!hasSystemdAnalyze) console.warn('systemd-analyze is missing: the unit is checked for its content only');

describe('deploy/paperfeed.service', () => {
  it('starts the built bin with node, stops with SIGTERM, keeps its data in the state directory', () => {
    const unit = fs.readFileSync(UNIT, 'utf8');
    expect(unit).toMatch(/^ExecStart=\/usr\/bin\/node \S+\/bin\/paperfeed\.mjs start$/m);
    expect(unit).not.toMatch(/^ExecStart=.*\bnpm\b/m);
    expect(unit).toMatch(/^KillSignal=SIGTERM$/m);
    expect(unit).toMatch(/^Environment=DATA_DIR=\/var\/lib\/paperfeed$/m);
    expect(unit).toMatch(/^StateDirectory=paperfeed$/m);
    expect(fs.existsSync(path.join(ROOT, 'bin', 'paperfeed.mjs'))).toBe(true);
  });

  it.runIf(hasSystemdAnalyze)('passes systemd-analyze verify', () => {
    // verify reads the unit under its own name; stderr carries every complaint (unknown keys, bad values).
    const out = spawnSync('systemd-analyze', ['verify', UNIT], { encoding: 'utf8' });
    expect(out.stderr.trim(), out.stderr).toBe('');
    expect(out.status).toBe(0);
    // And it does complain about a broken unit, so the check above can fail.
    const broken = path.join(fs.mkdtempSync('/tmp/paperfeed-unit-'), 'paperfeed.service');
    fs.writeFileSync(broken, fs.readFileSync(UNIT, 'utf8').replace('KillSignal=SIGTERM', 'KillSignal=SIGNOPE'));
    const bad = spawnSync('systemd-analyze', ['verify', broken], { encoding: 'utf8' });
    expect(bad.stderr).toMatch(/SIGNOPE|KillSignal/);
    fs.rmSync(path.dirname(broken), { recursive: true, force: true });
  });
});
