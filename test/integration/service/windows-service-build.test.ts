/**
 * The Windows service (native/service-windows) cannot run here; its build is proven: it is
 * cross-compiled by mingw-w64 with every warning an error, and the result is a 64-bit Windows
 * executable that calls what the design says it does (the SCM, a named pipe, the kernel's word
 * on each client and on the agent pipe's server, the interactive session's user).
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from '@jest/globals';

const CC = 'x86_64-w64-mingw32-gcc';
const OBJDUMP = 'x86_64-w64-mingw32-objdump';

describe('the Windows service', () => {
  it('cross-compiles with -Werror into a Windows x64 service that checks its pipe clients', () => {
    const out = join(mkdtempSync(join(tmpdir(), 'releve-winsvc-')), 'releve-service.exe');
    const build = spawnSync(CC, [
      '-municode',
      '-O2',
      '-Wall',
      '-Wextra',
      '-Werror',
      '-o',
      out,
      'native/service-windows/releve-service.c',
      '-ladvapi32',
      '-lwtsapi32',
    ]);
    if (build.error) throw new Error(`${CC} is missing: build/dev/setup.sh installs mingw-w64`);
    expect({ status: build.status, stderr: build.stderr.toString() }).toEqual({ status: 0, stderr: '' });
    const header = spawnSync(OBJDUMP, ['-f', out]).stdout.toString();
    expect(header).toContain('file format pei-x86-64');
    const imports = spawnSync(OBJDUMP, ['-p', out]).stdout.toString();
    for (const call of [
      'StartServiceCtrlDispatcherW',
      'RegisterServiceCtrlHandlerExW',
      'CreateNamedPipeW',
      'ConvertStringSecurityDescriptorToSecurityDescriptorW',
      'GetNamedPipeClientProcessId',
      'ProcessIdToSessionId',
      'WTSQueryUserToken',
      'EqualSid',
      'GetNamedPipeServerProcessId',
    ]) {
      expect({ call, imported: imports.includes(call) }).toEqual({ call, imported: true });
    }
  });
});
