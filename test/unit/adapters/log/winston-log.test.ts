/** The diagnostic log: rotated files, the level policy gives, and no secret at any depth. */
import { afterAll, describe, expect, it } from '@jest/globals';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createWinstonLog, scrubText } from '../../../../app/adapters/log/winston-log.js';

const root = mkdtempSync(join(tmpdir(), 'releve-log-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));
const settle = (): Promise<void> => new Promise((resolve) => setTimeout(resolve, 300));
/** Winston writes asynchronously: waits (bounded) until `file` holds `text`. */
async function until(file: string, text: string): Promise<void> {
  const deadline = Date.now() + 10_000;
  while (!(existsSync(file) && readFileSync(file, 'utf8').includes(text)) && Date.now() < deadline)
    await settle();
}

describe('winston diagnostic log', () => {
  it('writes at the level asked, and rotates its files, keeping a bounded number', async () => {
    const dir = join(root, 'rotating');
    const log = createWinstonLog({
      file: join(dir, 'releve.log'),
      level: 'warn',
      maxBytes: 2000,
      maxFiles: 3,
    });
    log.debug('not at warn level');
    for (let i = 0; i < 60; i += 1) {
      log.warn('reader lost', { reader: `Lecteur ${i}`, i });
      await new Promise((resolve) => setImmediate(resolve));
    }
    await until(join(dir, 'releve.log'), '"i":59');
    const files = readdirSync(dir).sort();
    expect(files.length).toBeGreaterThan(1);
    expect(files.length).toBeLessThanOrEqual(3);
    const all = files.map((f) => readFileSync(join(dir, f), 'utf8')).join('');
    expect(all).not.toContain('not at warn level');
    // The newest line is in the named file.
    expect(readFileSync(join(dir, 'releve.log'), 'utf8')).toContain('"i":59');
  });

  it('redacts secrets nested in fields, in errors, and named in free text', async () => {
    const file = join(root, 'secrets.log');
    const log = createWinstonLog({ file, level: 'debug' });
    log.error('sign-in failed: password 8642', {
      error: new Error('invalid_grant: pin=8642'),
      response: {
        error_description: 'bad',
        body: { refresh_token: 'rt-secret', items: [{ password: 'hunter2' }] },
      },
      pin: new Uint8Array([8, 6, 4, 2]),
    });
    await until(file, 'sign-in failed');
    const text = readFileSync(file, 'utf8');
    expect(text).toContain('sign-in failed');
    for (const secret of ['8642', 'rt-secret', 'hunter2'])
      expect({ secret, leaks: text.includes(secret) }).toEqual({ secret, leaks: false });
  });

  it('keeps ordinary words readable', () => {
    expect(scrubText('refresh tokens rotated; the PIN was wrong')).toBe(
      'refresh tokens rotated; the PIN was wrong',
    );
    expect(scrubText('token: eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJ4In0.sig')).not.toContain('eyJ');
  });
});
