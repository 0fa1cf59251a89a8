/**
 * Where the policy comes from: the Windows registry (HKLM over HKCU), a JSON file on Linux, a
 * static object in tests. Contract:
 * - `read` returns the raw settings document as found (an empty one when nothing is configured:
 *   no file, no registry key), or a `problem` saying why it could not be read (unreadable, not
 *   JSON); validation is the core's job, not the source's.
 * - `watch` calls back after the source changed; it never throws into the caller.
 */
export type PolicyRead =
  | { readonly ok: true; readonly raw: unknown; readonly location: string }
  | { readonly ok: false; readonly problem: string; readonly location: string };

export interface PolicySource {
  read(): Promise<PolicyRead>;
  watch(onChanged: () => void): () => void;
}
