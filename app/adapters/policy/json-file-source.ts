import { watch } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { basename, dirname } from 'node:path';
import { notJsonProblem } from '../../core/policy.js';
import type { PolicyRead, PolicySource } from '../../core/ports/index.js';

export interface JsonFilePolicyOptions {
  /**
   * A missing file: `empty` (the default) means nothing is configured, every default applies, as
   * for absent registry keys on Windows; `problem` says it cannot be read (a file named on purpose).
   */
  readonly missing?: 'empty' | 'problem';
}

/** The Linux policy source: one JSON file (default /etc/releve/policy.json). */
export class JsonFilePolicySource implements PolicySource {
  constructor(
    private readonly path: string,
    private readonly options: JsonFilePolicyOptions = {},
  ) {}

  async read(): Promise<PolicyRead> {
    let text: string;
    try {
      text = await readFile(this.path, 'utf8');
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      if (code === 'ENOENT' && this.options.missing !== 'problem')
        return { ok: true, raw: {}, location: this.path };
      return {
        ok: false,
        problem: `the policy file cannot be read (${code ?? String(error)})`,
        location: this.path,
      };
    }
    try {
      return { ok: true, raw: JSON.parse(text) as unknown, location: this.path };
    } catch (error) {
      return { ok: false, problem: notJsonProblem(error), location: this.path };
    }
  }

  watch(onChanged: () => void): () => void {
    // The folder, not the file: tools replace a file by renaming a new one over it, and a watch
    // on the file would stay on the old one. Creating the file is a change too.
    const name = basename(this.path);
    try {
      const watcher = watch(dirname(this.path), (_event, changed) => {
        if (changed === null || changed === name) onChanged();
      });
      watcher.on('error', () => undefined);
      return () => watcher.close();
    } catch {
      // No such folder: nothing is configured here, and there is nothing to watch.
      return () => undefined;
    }
  }
}
