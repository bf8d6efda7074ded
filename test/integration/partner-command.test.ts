import { execFile } from 'node:child_process';
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { hostname, tmpdir, userInfo } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { beforeAll, describe, expect, inject, it } from 'vitest';

/** `npm run partner` as ops run it: a separate process, against the local stack described in `.local/stack.json`. */
const run = promisify(execFile);
const repoRoot = fileURLToPath(new URL('../../', import.meta.url));
const workDir = mkdtempSync(join(tmpdir(), 'trm-partner-command-'));

const partner = (...args: string[]) =>
  run(join(repoRoot, 'node_modules', '.bin', 'tsx'), [join(repoRoot, 'infra', 'ops', 'partner.ts'), ...args], {
    cwd: workDir,
    env: { ...process.env, PATH: `${join(repoRoot, 'node_modules', '.bin')}:${process.env.PATH}` },
  });

beforeAll(() => {
  mkdirSync(join(workDir, '.local'));
  writeFileSync(
    join(workDir, '.local', 'stack.json'),
    JSON.stringify({ endpoints: { dynamodb: inject('endpoints').dynamodb }, tables: { partners: process.env.PARTNERS_TABLE_NAME } })
  );
});

describe('npm run partner', () => {
  const id = `ngo-marseille-${Date.now()}`;

  it('creates a partner and shows its key once', async () => {
    const { stdout, stderr } = await partner(
      'create',
      '--id',
      id,
      '--name',
      'NGO Marseille',
      '--roles',
      'referrer',
      '--country',
      'FR',
      '--language',
      'fr',
      '--email',
      'casework@ngo-marseille.example.org'
    );
    expect(JSON.parse(stdout)).toEqual({ partnerId: id, key: expect.stringMatching(/^trm_[A-Za-z0-9_-]{43}$/) });
    expect(stderr).toContain('shown once');
  });

  it('lists it without any key material', async () => {
    const { stdout } = await partner('list');
    const listed = JSON.parse(stdout).find((entry: { partnerId: string }) => entry.partnerId === id);
    expect(listed).toMatchObject({ partnerId: id, roles: ['referrer'], status: 'active' });
    expect(listed).not.toHaveProperty('keyHash');
  });

  it('rotates its key only with an --overlap, which the list shows with the operator who rotated it', async () => {
    const refused = await partner('rotate-key', id).then(
      () => undefined,
      (error: { code: number; stderr: string }) => error
    );
    expect(refused?.code).toBe(1);
    expect(refused?.stderr).toContain('--overlap');

    const { stdout, stderr } = await partner('rotate-key', id, '--overlap', '24', '--operator', 'ops-erin');
    const rotated = JSON.parse(stdout);
    expect(rotated).toEqual({
      partnerId: id,
      key: expect.stringMatching(/^trm_[A-Za-z0-9_-]{43}$/),
      previousKeyValidUntil: expect.any(String),
    });
    expect(Date.parse(rotated.previousKeyValidUntil) - Date.now()).toBeGreaterThan(23 * 3_600_000);
    expect(stderr).toContain('shown once');
    const listed = JSON.parse((await partner('list')).stdout).find((entry: { partnerId: string }) => entry.partnerId === id);
    expect(listed).toMatchObject({
      previousKeyValidUntil: rotated.previousKeyValidUntil,
      lastChange: { action: 'key-rotated', by: 'ops-erin' },
    });
    expect(JSON.stringify(listed)).not.toMatch(/keyHash|trm_/);
  });

  it('disables it', async () => {
    const { stdout } = await partner('disable', id);
    expect(JSON.parse(stdout)).toEqual({ partnerId: id, status: 'disabled' });
  });

  it("records each change with who made it: --operator, or the caller's user and host", async () => {
    const { stdout } = await partner('history', id);
    const { changes } = JSON.parse(stdout) as { changes: Array<{ action: string; by: string }> };
    expect(changes.map((change) => `${change.action} by ${change.by}`)).toEqual([
      `disabled by ${userInfo().username}@${hostname()}`,
      'key-rotated by ops-erin',
      `created by ${userInfo().username}@${hostname()}`,
    ]);
  });

  it('refuses bad input with one line naming the field, and exits non-zero', async () => {
    const failure = await partner(
      'create',
      '--id',
      'x-1',
      '--name',
      'X',
      '--roles',
      'boss',
      '--country',
      'FR',
      '--language',
      'fr',
      '--email',
      'a@b.example'
    ).then(
      () => undefined,
      (error: { code: number; stderr: string }) => error
    );
    expect(failure?.code).toBe(1);
    expect(failure?.stderr.trim().split('\n')).toHaveLength(1);
    expect(failure?.stderr).toContain('roles');
  });
});
