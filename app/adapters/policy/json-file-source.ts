import { readFile } from 'node:fs/promises';
import { watch } from 'node:fs';
import type { PolicyRead, PolicySource } from '../../core/ports/index.js';

/** The Linux policy source: one JSON file (default /etc/releve/policy.json). */
export class JsonFilePolicySource implements PolicySource {
  constructor(private readonly path: string) {}

  async read(): Promise<PolicyRead> {
    let text: string;
    try {
      text = await readFile(this.path, 'utf8');
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      // No file means nothing configured on this workstation: every default applies, as for
      // absent registry keys on Windows.
      if (code === 'ENOENT') return { ok: true, raw: {}, location: this.path };
      return {
        ok: false,
        problem: `the policy file cannot be read (${code ?? String(error)})`,
        location: this.path,
      };
    }
    try {
      return { ok: true, raw: JSON.parse(text) as unknown, location: this.path };
    } catch (error) {
      return {
        ok: false,
        problem: `the policy is not valid JSON: ${error instanceof Error ? error.message : String(error)}`,
        location: this.path,
      };
    }
  }

  watch(onChanged: () => void): () => void {
    try {
      const watcher = watch(this.path, () => onChanged());
      watcher.on('error', () => undefined);
      return () => watcher.close();
    } catch {
      return () => undefined;
    }
  }
}
