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
      const problem =
        code === 'ENOENT'
          ? 'the policy file does not exist'
          : `the policy file cannot be read (${code ?? String(error)})`;
      return { ok: false, problem, location: this.path };
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
