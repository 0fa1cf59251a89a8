/**
 * Relève's own lint rule: the dependency rules of DESIGN.md, checked on every import.
 * Each file belongs to a layer by where it sits; each layer may import only from the layers
 * listed for it, and only the bare packages listed for it. Why: a core that reaches for Node,
 * a renderer that reaches for the agent, or app code that reaches into test/harness (a fake
 * reader or demo IdP in a clinical build is an authentication bypass) must fail the build.
 */
import path from 'node:path';

const ROOT = path.resolve(import.meta.dirname, '../..');

/** Layer of a repository-relative path, or null when the path is not layered. */
function layerOf(relative) {
  let parts = relative.split(path.sep);
  if (parts[0] === 'test') return 'test';
  if (parts[0] === 'build') return 'build';
  // The shipped command's launcher, and the compiled app it launches (dist/app mirrors app/).
  if (parts[0] === 'bin') return 'bin';
  if (parts[0] === 'dist' && parts[1] === 'app') parts = parts.slice(1);
  if (parts[0] !== 'app') return null;
  // The shipped `releve` binary's entry point composes the agent and the service commands.
  if (parts[1] === 'agent' && parts[2] === 'main.ts' && parts.length === 3) return 'entry';
  const layer = parts[1];
  if (layer === 'core' && parts[2] === 'ports') return 'core';
  return ['core', 'adapters', 'agent', 'service', 'ipc', 'main', 'preload', 'renderer'].includes(layer)
    ? layer
    : null;
}

/** Which of our layers each layer may import. */
const ALLOWED_LAYERS = {
  core: ['core'],
  adapters: ['core', 'adapters'],
  agent: ['core', 'adapters', 'agent', 'ipc'],
  // The privileged service hosts the agent and serves the IPC contract on its socket.
  service: ['core', 'adapters', 'agent', 'ipc', 'service'],
  entry: ['core', 'adapters', 'agent', 'service', 'ipc', 'entry'],
  ipc: ['ipc'],
  // The tray is the service's unprivileged client: it never composes the agent or its adapters;
  // core only for its port types (the diagnostic log).
  main: ['main', 'ipc', 'core'],
  preload: ['preload', 'ipc'],
  renderer: ['renderer', 'ipc'],
  test: [
    'core',
    'adapters',
    'agent',
    'service',
    'entry',
    'ipc',
    'main',
    'preload',
    'renderer',
    'test',
    'build',
  ],
  // Build tooling generates from the domain's definitions (ADMX from the policy schema).
  build: ['core', 'build'],
  // bin/releve.js is shipped: it launches the compiled agent, and nothing else.
  bin: ['agent'],
};

/** Which bare packages each layer may import (true: any). */
const ALLOWED_PACKAGES = {
  // Pure libraries only: no runtime, no I/O.
  core: ['zod'],
  ipc: ['zod'],
  adapters: true,
  agent: true,
  service: true,
  entry: true,
  main: true,
  // The preload sees only contextBridge/ipcRenderer; the renderer sees nothing of Node or Electron.
  preload: ['electron'],
  renderer: [],
  test: true,
  build: true,
  bin: ['node:fs'],
};

/** Layers that are packaged: they may not even name a path under test/ (a harness is never shipped). */
const SHIPPED = new Set(['core', 'adapters', 'agent', 'ipc', 'main', 'preload', 'renderer', 'bin']);
const TEST_PATH = /(^|[\\/])test[\\/]/;
const PATH_CALLS = new Set(['join', 'resolve']);

function packageName(specifier) {
  if (specifier.startsWith('node:')) return specifier;
  const parts = specifier.split('/');
  return specifier.startsWith('@') ? parts.slice(0, 2).join('/') : parts[0];
}

export const layersRule = {
  meta: {
    type: 'problem',
    docs: { description: 'enforce the layer dependency rules of DESIGN.md' },
    schema: [],
    messages: {
      layer: '{{from}} may not import from {{to}} ("{{specifier}}"): allowed layers are {{allowed}}.',
      package: '{{from}} may not import the package "{{specifier}}": allowed packages are {{allowed}}.',
      testPath: '{{from}} is shipped and may not name a path under test/ ("{{text}}").',
    },
  },
  create(context) {
    const file = path.relative(ROOT, context.filename);
    const from = layerOf(file);
    if (!from) return {};
    function check(node, specifier) {
      if (typeof specifier !== 'string') return;
      if (specifier.startsWith('.') || specifier.startsWith('/')) {
        const target = path.relative(ROOT, path.resolve(path.dirname(context.filename), specifier));
        const to = layerOf(target) ?? 'outside app/';
        if (!ALLOWED_LAYERS[from].includes(to)) {
          context.report({
            node,
            messageId: 'layer',
            data: { from, to, specifier, allowed: ALLOWED_LAYERS[from].join(', ') },
          });
        }
        return;
      }
      const allowed = ALLOWED_PACKAGES[from];
      if (allowed === true) return;
      if (!allowed.includes(packageName(specifier))) {
        context.report({
          node,
          messageId: 'package',
          data: { from, specifier, allowed: allowed.length ? allowed.join(', ') : 'none' },
        });
      }
    }
    return {
      ImportDeclaration: (node) => check(node, node.source.value),
      ExportNamedDeclaration: (node) => node.source && check(node, node.source.value),
      ExportAllDeclaration: (node) => check(node, node.source.value),
      ImportExpression: (node) => node.source.type === 'Literal' && check(node, node.source.value),
      Literal: (node) => {
        // An import's source is the layer check's business; this catches paths in any other string.
        const isModuleSource = node.parent && 'source' in node.parent && node.parent.source === node;
        if (
          SHIPPED.has(from) &&
          !isModuleSource &&
          typeof node.value === 'string' &&
          TEST_PATH.test(node.value)
        ) {
          context.report({ node, messageId: 'testPath', data: { from, text: node.value } });
        }
      },
      CallExpression: (node) => {
        // join(root, 'test', ...): a path under test/ built from segments.
        const callee = node.callee.type === 'MemberExpression' ? node.callee.property : node.callee;
        if (
          SHIPPED.has(from) &&
          callee.type === 'Identifier' &&
          PATH_CALLS.has(callee.name) &&
          node.arguments.some((argument) => argument.type === 'Literal' && argument.value === 'test')
        ) {
          context.report({ node, messageId: 'testPath', data: { from, text: 'test' } });
        }
        if (
          node.callee.type === 'Identifier' &&
          node.callee.name === 'require' &&
          node.arguments[0]?.type === 'Literal'
        ) {
          check(node, node.arguments[0].value);
        }
      },
    };
  },
};

export default { rules: { layers: layersRule } };
